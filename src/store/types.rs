//! The rows the store hands out and takes in, shared by both backends:
//! plain values, so the interface (`backend.rs`) and each implementation
//! depend on this file and never on one another.

use std::path::PathBuf;

use rusqlite::ErrorCode;
use serde_json::Value;

use crate::json::sha1_hex;
use crate::model::order::{Order, OrderError};
use crate::model::{Origin, Push};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no store at {} (import, serve or sync create one)", .0.display())]
    Missing(PathBuf),
    #[error("{} is not an orderscope store: {}", .0.display(), .1)]
    NotAStore(PathBuf, String),
    #[error(
        "store {} has schema version {found}, newer than this orderscope understands ({known}); use a newer orderscope",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("store {} is damaged ({}); move it aside or restore it from a backup", .0.display(), .1)]
    Corrupt(PathBuf, String),
    #[error("cannot open store {}: {}", .0.display(), .1)]
    Io(PathBuf, String),
    /// SQLite's own error, kept as the source.
    #[error("store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL error, already worded (never with a password).
    #[error("{0}")]
    Postgres(String),
    /// `sslmode=require` asked for TLS this system cannot set up; `url` is
    /// masked, and the cause stays the source.
    #[error("{url}: sslmode=require: {source}")]
    Tls { url: String, source: Box<dyn std::error::Error + Send + Sync> },
    /// A PostgreSQL transaction lost a serialization or deadlock race: run it again.
    #[error("{0}")]
    Retry(String),
    /// The PostgreSQL server cannot be reached, or the connection was lost.
    #[error("{0}")]
    Unreachable(String),
    /// The SQLite file this connection opened is no longer the one at its
    /// path: deleted (the connection still reads the old, unlinked file) or
    /// replaced (restored from a backup, moved aside and created anew).
    #[error("{}", moved(path, *deleted))]
    Moved { path: PathBuf, deleted: bool },
}

impl StoreError {
    /// Whether the write failed for want of disk space (SQLite's
    /// `SQLITE_FULL`): it may work again the moment space is freed.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Sqlite(e) if e.sqlite_error_code() == Some(ErrorCode::DiskFull))
    }
}

fn moved(path: &std::path::Path, deleted: bool) -> String {
    if deleted {
        format!(
            "store {} was deleted: shown is what was read before; opened again when a store is back there",
            path.display()
        )
    } else {
        format!("store {} was replaced by another file: opening that one", path.display())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One line of the order list: everything it shows, without JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub order_id: String,
    pub status: Option<i64>,
    pub update_time: Option<i64>,
    pub use_tel_number: Option<i64>,
    pub vnum: Option<String>,
    pub vnum_expire: Option<i64>,
    pub snapshots: i64,
    pub messages: i64,
    pub type5: bool,
    pub last_activity: i64,
    /// The filter's text: product titles, buyer name and waybill ids
    /// (lowercased), then the facts buyers quote and the pushes' events and
    /// types, laid out as [`crate::model::quoted`] says.
    pub search: String,
    /// Product titles as written (" / " between them), from the newest
    /// version; empty for an order known only from pushes.
    pub product: String,
    /// The buyer's masked name, from the newest version.
    pub buyer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRow {
    pub id: i64,
    pub order_id: String,
    pub fetched_at: i64,
    pub source: Origin,
    pub content_hash: String,
    pub body: String,
}

/// Why a stored version no longer reads as an order (a hand-edited store).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {id} is not JSON: {source}")]
    NotJson { id: i64, source: serde_json::Error },
    #[error("snapshot {id}: {source}")]
    NotAnOrder { id: i64, source: OrderError },
}

impl SnapshotRow {
    /// The stored order. A body that no longer parses (hand-edited store)
    /// gives the parse problem instead.
    pub fn order(&self) -> std::result::Result<Order, SnapshotError> {
        let v: Value =
            serde_json::from_str(&self.body).map_err(|source| SnapshotError::NotJson { id: self.id, source })?;
        Order::from_order(v).map_err(|source| SnapshotError::NotAnOrder { id: self.id, source })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: i64,
    pub received_at: i64,
    pub event: Option<String>,
    pub order_id: Option<String>,
    pub kind: Option<i64>,
    pub create_time: Option<i64>,
    pub plaintext: String,
    pub parse_error: Option<String>,
    pub deliveries: i64,
    pub source: Origin,
}

impl From<&MessageRow> for crate::model::record::PushRecord {
    fn from(m: &MessageRow) -> Self {
        crate::model::record::PushRecord {
            id: m.id,
            received_at: m.received_at,
            created_at: m.create_time,
            event: m.event.clone().unwrap_or_default(),
            kind: m.kind,
            deliveries: m.deliveries,
            source: m.source,
            pending: false,
        }
    }
}

impl MessageRow {
    /// The decrypted message as JSON (XML converted), or its text when it
    /// does not parse.
    pub fn payload(&self) -> Value {
        match crate::model::Push::parse(&self.plaintext) {
            Ok(p) => p.payload,
            Err(_) => Value::String(self.plaintext.clone()),
        }
    }

    pub fn is_type5(&self) -> bool {
        crate::model::names::is_type5(self.event.as_deref().unwrap_or(""), self.kind)
    }
}

/// A quarantined message: the body as it arrived, and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedRow {
    pub id: i64,
    pub envelope: Vec<u8>,
    /// The decrypted text when it was readable, else empty.
    pub plaintext: String,
    pub reason: String,
    /// The decrypted bytes as the inbox kept them, when decryption worked.
    pub decrypted: Option<Vec<u8>>,
}

/// Which rows a listing takes: those since a moment (orders by their last
/// activity, pushes by when they were received) and at most the newest
/// `limit` of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub since: Option<i64>,
    pub limit: Option<i64>,
}

impl ListFilter {
    pub(super) fn since_or_all(&self) -> i64 {
        self.since.unwrap_or(i64::MIN)
    }
}

/// A receiver period as stored, with the host it ran on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    pub started_at: i64,
    pub last_seen: i64,
    pub stopped_at: Option<i64>,
    pub host: Option<String>,
}

/// Every column of a stored message, for `store copy`.
#[derive(Debug, Clone, PartialEq)]
pub struct FullMessage {
    pub id: i64,
    pub received_at: i64,
    pub event: Option<String>,
    pub order_id: Option<String>,
    pub kind: Option<i64>,
    pub create_time: Option<i64>,
    pub envelope: Option<String>,
    pub plaintext: String,
    pub parse_error: Option<String>,
    pub dup_key: String,
    pub deliveries: i64,
    pub source: String,
    pub quarantine: Option<String>,
}
/// The name of the messages projector's cursor.
pub const MESSAGES: &str = "messages";

/// A push as it arrived, before it is appended.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    pub received_at: i64,
    pub query: &'a str,
    pub content_type: Option<&'a str>,
    pub envelope: &'a [u8],
    /// The decrypted message; `None` when it could not be decrypted.
    pub plaintext: Option<&'a [u8]>,
    /// Why the push cannot be read (kept in quarantine when projected).
    pub problem: Option<&'a str>,
}

/// One stored arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    pub id: i64,
    pub received_at: i64,
    pub dup_key: String,
    pub query: String,
    pub content_type: Option<String>,
    pub envelope: Vec<u8>,
    pub plaintext: Option<Vec<u8>>,
    pub problem: Option<String>,
}

impl InboxRow {
    /// The decrypted message when it is readable text and nothing was wrong with it.
    pub fn text(&self) -> Option<&str> {
        match (&self.plaintext, &self.problem) {
            (Some(bytes), None) => std::str::from_utf8(bytes).ok(),
            _ => None,
        }
    }

    /// Why this arrival is quarantined when projected, if it is.
    pub fn quarantine_reason(&self) -> Option<String> {
        match (&self.problem, &self.plaintext) {
            (Some(problem), _) => Some(problem.clone()),
            (None, None) => Some("the push was not decrypted".into()),
            (None, Some(bytes)) if std::str::from_utf8(bytes).is_err() => {
                Some("the decrypted message is not UTF-8".into())
            }
            _ => None,
        }
    }
}

/// What reads do not show yet: arrivals past the projector's cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Backlog {
    /// Arrivals stored and not yet projected (not in `messages` yet).
    pub pending: i64,
    /// When the oldest of them arrived.
    pub oldest: Option<i64>,
    /// When the newest arrival of all reached the inbox (projected or not).
    pub last_arrival: Option<i64>,
}

/// How one arrival was projected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projected {
    pub inbox_id: i64,
    pub outcome: MessageInsert,
    /// Kept in quarantine (unreadable, or its projection failed).
    pub quarantined: bool,
    /// The order the push is about, when it is a readable order event.
    pub order_id: Option<String>,
}

/// What happens when a message's duplicate key is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivery {
    /// A push delivered again: count it.
    Count,
    /// The same log imported again: change nothing.
    Ignore,
}

/// One decrypted push to store: what [`add_message`] takes in both
/// backends and on the facade.
///
/// [`add_message`]: crate::store::Tx::add_message
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    pub received_at: i64,
    /// The body as it arrived, when it is kept beside the plaintext.
    pub envelope: Option<&'a str>,
    pub plaintext: &'a str,
    pub source: Origin,
    /// What the same push again (the same duplicate key) does.
    pub redelivery: Redelivery,
    /// The inbox row it is projected from.
    pub inbox_id: Option<i64>,
}

impl<'a> NewMessage<'a> {
    /// A push received at `received_at`, with no envelope kept; the same
    /// push again counts as one more delivery.
    pub fn new(received_at: i64, plaintext: &'a str, source: Origin) -> NewMessage<'a> {
        NewMessage { received_at, envelope: None, plaintext, source, redelivery: Redelivery::Count, inbox_id: None }
    }

    pub fn envelope(self, envelope: Option<&'a str>) -> NewMessage<'a> {
        NewMessage { envelope, ..self }
    }

    pub fn redelivery(self, redelivery: Redelivery) -> NewMessage<'a> {
        NewMessage { redelivery, ..self }
    }

    pub fn inbox_id(self, inbox_id: Option<i64>) -> NewMessage<'a> {
        NewMessage { inbox_id, ..self }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageInsert {
    New(i64),
    Duplicate(i64),
}

/// The duplicate key of an arrival, the same one `messages` uses: a
/// readable push is keyed on its fields and plaintext, an unreadable one on
/// its body as it arrived.
pub fn dup_key(plaintext: Option<&[u8]>, envelope: &[u8]) -> String {
    match plaintext.map(std::str::from_utf8) {
        Some(Ok(text)) => MessageFields::read(text).key,
        _ => quarantine_key(envelope),
    }
}

/// The duplicate key of a signed push that could not be decrypted: its body
/// as it arrived, so the same body again is a redelivery.
pub fn quarantine_key(envelope: &[u8]) -> String {
    format!("quarantine|{}", sha1_hex(envelope))
}

/// What the `messages` table keeps of a decrypted push, read once by the
/// one rule both backends follow: a push that parses is keyed on its fields
/// ([`Push::dup_key`]); one that does not is kept whole, keyed on its
/// plaintext and quarantined with why (`messages --reprocess` retries it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFields {
    pub event: Option<String>,
    pub order_id: Option<String>,
    pub kind: Option<i64>,
    pub create_time: Option<i64>,
    pub error: Option<String>,
    pub quarantine: Option<String>,
    pub key: String,
    pub type5: bool,
}

impl MessageFields {
    pub fn read(plaintext: &str) -> MessageFields {
        match Push::parse(plaintext) {
            Ok(p) => MessageFields {
                type5: p.is_type5(),
                key: p.dup_key(plaintext),
                event: Some(p.event),
                order_id: p.order_id,
                kind: p.kind,
                create_time: p.create_time,
                error: None,
                quarantine: None,
            },
            Err(e) => MessageFields {
                event: None,
                order_id: None,
                kind: None,
                create_time: None,
                quarantine: Some(format!("cannot parse the decrypted message: {e}")),
                error: Some(e.to_string()),
                key: format!("unparsed|{}", sha1_hex(plaintext.as_bytes())),
                type5: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arrival_and_its_message_share_one_key() {
        let push = r#"{"ToUserName":"gh","FromUserName":"o","CreateTime":1795752000,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#;
        let read = MessageFields::read(push);
        assert_eq!(read.key, dup_key(Some(push.as_bytes()), b"body"));
        assert!(read.type5 && read.quarantine.is_none(), "{read:?}");
        assert_eq!(read.order_id.as_deref(), Some("3732676853715311104"));

        let garbled = "{not json";
        let read = MessageFields::read(garbled);
        assert_eq!(read.key, dup_key(Some(garbled.as_bytes()), b"body"));
        assert!(read.key.starts_with("unparsed|") && read.order_id.is_none(), "{read:?}");
        assert!(read.quarantine.as_deref().is_some_and(|q| q.starts_with("cannot parse")), "{read:?}");

        // Undecryptable: keyed on the body, whatever else came with it.
        assert_eq!(dup_key(None, b"body"), quarantine_key(b"body"));
        assert_eq!(dup_key(Some(&[0xff, 0xfe]), b"body"), quarantine_key(b"body"));
        assert_ne!(quarantine_key(b"body"), quarantine_key(b"other"));
    }
}

//! The receiver's inbox and its projection.
//!
//! `append` is the whole of the receiver's durable work before it answers
//! `success`: one row holding the push exactly as it arrived (query string,
//! content type, body), its decrypted message and its duplicate key. The
//! table has no index but its rowid, so a group of appends dirties only the
//! last leaf pages. Everything derived (the message with its parsed fields,
//! the order's summary, the duplicate check and delivery count) is built by
//! `project_batch` afterwards, in a transaction that also moves the
//! projector's cursor: a batch is projected exactly once, whatever crashes.

use rusqlite::{Connection, OptionalExtension, params};

use super::write::add_message_row;
use crate::model::Origin;
use crate::store::types::{
    Arrival, Backlog, InboxRow, MESSAGES, MessageFields, MessageInsert, NewMessage, Projected, Result,
};

/// Appends one arrival; returns its inbox id.
pub fn append(c: &Connection, a: &Arrival, dup_key: &str) -> Result<i64> {
    c.prepare_cached(
        "INSERT INTO inbox (received_at, dup_key, query, content_type, envelope, plaintext, problem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![a.received_at, dup_key, a.query, a.content_type, a.envelope, a.plaintext, a.problem])?;
    Ok(c.last_insert_rowid())
}

/// Where a projector stopped (0 before its first batch).
pub fn cursor(c: &Connection, name: &str) -> Result<i64> {
    Ok(c.prepare_cached("SELECT last_id FROM projector_cursor WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

fn set_cursor(c: &Connection, name: &str, last_id: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO projector_cursor (name, last_id) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id",
    )?
    .execute(params![name, last_id])?;
    Ok(())
}

/// Up to `limit` arrivals after inbox id `after`, oldest first.
pub fn after(c: &Connection, after: i64, limit: usize) -> Result<Vec<InboxRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, received_at, dup_key, query, content_type, envelope, plaintext, problem
         FROM inbox WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![after, limit as i64], |r| {
            Ok(InboxRow {
                id: r.get(0)?,
                received_at: r.get(1)?,
                dup_key: r.get(2)?,
                query: r.get(3)?,
                content_type: r.get(4)?,
                envelope: r.get(5)?,
                plaintext: r.get(6)?,
                problem: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Arrivals not yet projected, the oldest one's arrival, and the last arrival.
pub fn backlog(c: &Connection) -> Result<Backlog> {
    let cursor = cursor(c, MESSAGES)?;
    // Each by the rowid: a count over the rows past the cursor (few, when
    // projection keeps pace) and two lookups at the ends.
    Ok(c.prepare_cached(
        "SELECT (SELECT count(*) FROM inbox WHERE id > ?1),
                (SELECT received_at FROM inbox WHERE id > ?1 ORDER BY id LIMIT 1),
                (SELECT received_at FROM inbox ORDER BY id DESC LIMIT 1)",
    )?
    .query_row([cursor], |r| Ok(Backlog { pending: r.get(0)?, oldest: r.get(1)?, last_arrival: r.get(2)? }))?)
}

/// Projects `rows` (which must follow the cursor, in order) into messages
/// and order summaries and moves the cursor past them, all in the caller's
/// transaction. `quarantine` forces the rows into quarantine with that
/// reason (a row whose projection failed on its own).
pub fn project_batch(c: &Connection, rows: &[InboxRow], quarantine: Option<&str>) -> Result<Vec<Projected>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let reason = quarantine.map(str::to_string).or_else(|| row.quarantine_reason());
        let quarantined = reason.is_some() || row.text().is_none();
        let (outcome, order_id) = match (reason, row.text()) {
            (None, Some(text)) => {
                let fields = MessageFields::read(text);
                let m = NewMessage::new(row.received_at, text, Origin::Serve).inbox_id(Some(row.id));
                let outcome = add_message_row(c, m, &fields)?;
                (outcome, fields.order_id)
            }
            (reason, _) => {
                let reason = reason.unwrap_or_default();
                let plaintext = row.plaintext.as_deref().and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
                (quarantine_row(c, row, plaintext, &reason)?, None)
            }
        };
        out.push(Projected { inbox_id: row.id, outcome, quarantined, order_id });
    }
    if let Some(last) = rows.last() {
        set_cursor(c, MESSAGES, last.id)?;
    }
    Ok(out)
}

/// A quarantined message for an arrival: its body stays in the inbox.
fn quarantine_row(c: &Connection, row: &InboxRow, plaintext: &str, reason: &str) -> Result<MessageInsert> {
    let inserted = c
        .prepare_cached(
            "INSERT OR IGNORE INTO messages (received_at, plaintext, parse_error, dup_key, source, quarantine, inbox_id)
             VALUES (?1, ?2, ?3, ?4, 'serve', ?3, ?5)",
        )?
        .execute(params![row.received_at, plaintext, reason, row.dup_key, row.id])?;
    if inserted == 0 {
        return super::write::count_redelivery(c, &row.dup_key);
    }
    Ok(MessageInsert::New(c.last_insert_rowid()))
}

/// Which of `keys` are stored in `messages` (projected).
pub fn stored_keys(c: &Connection, keys: &[&str]) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT 1 FROM messages WHERE dup_key = ?1")?;
    let mut found = Vec::new();
    for key in keys {
        if stmt.exists([key])? {
            found.push(key.to_string());
        }
    }
    Ok(found)
}

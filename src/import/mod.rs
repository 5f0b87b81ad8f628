//! `orderscope import`: raw `order/get` responses and push logs into the store.
//!
//! A file is either one JSON document (a response, a push, or an array of
//! them) or one document per line. Each document is recognised by shape:
//!
//! - `{"errcode":0,"order":{…}}` or `{"order":{…}}`: an order version whose
//!   read time is unknown: it is placed at the order's `update_time` (the
//!   latest moment it is known to be true) and marked untimed, unless the
//!   read time is given (`import --fetched-at`);
//! - `{"fetched_at":N,"response":{…}}`: the same with its fetch time;
//! - a decrypted push (`{"Event":…}` or `<xml>…</xml>`), received at its
//!   `CreateTime`;
//! - `{"received_at":N,"message":{…}}`: the same with its receive time;
//! - `{"started_at":N,"last_seen":N,"stopped_at":N|null}`: a period when a
//!   push receiver was running (from a receiver that kept another store), so
//!   the explanation knows which spans the pushes cover.
//!
//! Importing the same file twice adds nothing: snapshots are deduplicated by
//! content and messages by their duplicate key.

use std::path::Path;

use serde_json::Value;

use crate::model::Origin;
use crate::store::{self, NewMessage, Redelivery, Store};

mod classify;

pub use classify::{Item, Lines, Unreadable, classify, documents, line_item};
use classify::{read_at_given, whole_document};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub snapshots_new: usize,
    pub snapshots_known: usize,
    pub messages_new: usize,
    pub messages_known: usize,
    pub periods_new: usize,
    /// `(source, line, problem)`; line 0 means the whole file. At most
    /// `MAX_PROBLEMS` are kept.
    pub problems: Vec<(String, usize, String)>,
    /// Every bad line or file, kept or not.
    pub bad: usize,
    /// Transactions committed (how finely the import shared the store's
    /// write lock with the receivers).
    pub transactions: usize,
}

impl Report {
    pub fn merge(&mut self, other: Report) {
        self.snapshots_new += other.snapshots_new;
        self.snapshots_known += other.snapshots_known;
        self.messages_new += other.messages_new;
        self.messages_known += other.messages_known;
        self.periods_new += other.periods_new;
        let room = MAX_PROBLEMS.saturating_sub(self.problems.len());
        self.problems.extend(other.problems.into_iter().take(room));
        self.bad += other.bad;
        self.transactions += other.transactions;
    }

    /// A report of one problem with the input as a whole.
    fn problem_only(source: &str, what: String) -> Report {
        Report { problems: vec![(source.to_string(), 0, what)], bad: 1, ..Report::default() }
    }

    fn problem(&mut self, source: &str, line: usize, what: &str) {
        self.bad += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push((source.to_string(), line, what.to_string()));
        }
    }

    pub fn summary(&self) -> String {
        let periods = match self.periods_new {
            0 => String::new(),
            n => format!(", {n} new receiver periods"),
        };
        format!(
            "{} new snapshots ({} already stored), {} new messages ({} already stored){periods}, {} bad lines",
            self.snapshots_new, self.snapshots_known, self.messages_new, self.messages_known, self.bad
        )
    }
}

/// The largest input read whole as one (pretty-printed) JSON document;
/// logs of lines are streamed whatever their size.
pub const MAX_DOCUMENT: u64 = 64 << 20;
/// The longest line kept; a longer one is reported and skipped without
/// being held in memory.
pub const MAX_LINE: usize = 16 << 20;
/// Problems kept for the report; beyond these only the count grows.
pub const MAX_PROBLEMS: usize = 1000;
/// Documents held in memory at once, and the most stored per transaction.
const BATCH: usize = 1000;
/// How long one import transaction may run before it commits. The store's
/// writers take turns (SQLite's write lock, the PostgreSQL advisory lock the
/// receivers share), so a push that arrives during an import waits for the
/// transaction in progress; 1,000 documents take about 100 ms on
/// PostgreSQL. A few milliseconds per turn keep that wait small while a
/// commit still carries hundreds of documents.
pub const TRANSACTION_BUDGET: std::time::Duration = std::time::Duration::from_millis(15);

/// Imports recognised documents; bad ones are reported and skipped.
pub fn import_documents(
    store: &mut Store,
    source_name: &str,
    source_tag: Origin,
    docs: Vec<(usize, Result<Item, Unreadable>)>,
) -> store::Result<Report> {
    import_documents_within(store, source_name, source_tag, &docs, TRANSACTION_BUDGET)
}

/// [`import_documents`] committing whenever a transaction has run for
/// `budget` or stored `BATCH` documents, whichever comes first (at least
/// one document per transaction).
pub fn import_documents_within(
    store: &mut Store,
    source_name: &str,
    source_tag: Origin,
    docs: &[(usize, Result<Item, Unreadable>)],
    budget: std::time::Duration,
) -> store::Result<Report> {
    let mut report = Report::default();
    let mut next = 0;
    while next < docs.len() {
        // The closure may run again when PostgreSQL asks for a retry, so it
        // starts from `next` each time and only a committed run moves it.
        let start = next;
        let (part, end) = store.write(|c| {
            let began = std::time::Instant::now();
            let mut part = Report::default();
            let mut i = start;
            while i < docs.len() && i - start < BATCH {
                let (line, item) = &docs[i];
                store_item(c, &mut part, source_name, source_tag, *line, item)?;
                i += 1;
                if began.elapsed() >= budget {
                    break;
                }
            }
            Ok((part, i))
        })?;
        next = end;
        report.merge(part);
        report.transactions += 1;
    }
    Ok(report)
}

/// Stores one document inside a transaction, counting what it was.
fn store_item(
    c: &mut dyn store::Tx,
    part: &mut Report,
    source_name: &str,
    source_tag: Origin,
    line: usize,
    item: &Result<Item, Unreadable>,
) -> store::Result<()> {
    match item {
        Ok(Item::Snapshot { order, fetched_at, timed, demo }) => {
            let tag = match (*demo, *timed) {
                (true, _) => Origin::Demo,
                (false, true) => source_tag,
                (false, false) => Origin::ImportUntimed,
            };
            if c.add_snapshot(order, *fetched_at, tag)? {
                part.snapshots_new += 1;
            } else {
                part.snapshots_known += 1;
            }
        }
        Ok(Item::Message { plaintext, received_at, demo }) => {
            let origin = if *demo { Origin::Demo } else { source_tag };
            match c.add_message(NewMessage::new(*received_at, plaintext, origin).redelivery(Redelivery::Ignore))? {
                store::MessageInsert::New(_) => part.messages_new += 1,
                store::MessageInsert::Duplicate(_) => part.messages_known += 1,
            }
        }
        Ok(Item::ReceiverPeriod { started_at, last_seen, stopped_at }) => {
            let period = store::PeriodRow {
                started_at: *started_at,
                last_seen: *last_seen,
                stopped_at: *stopped_at,
                host: None,
            };
            if c.add_receiver_period_once(&period)? {
                part.periods_new += 1;
            }
        }
        Err(problem) => part.problem(source_name, line, &problem.to_string()),
    }
    Ok(())
}

/// Imports one file: a regular file, a pipe, a FIFO or `<(…)` alike (see
/// [`import_reader`]).
/// `read_at`, when given, is when the file's bare responses were read (e.g.
/// the call times a merchant quotes); without it they are imported untimed.
pub fn import_file(store: &mut Store, path: &Path, now: i64, read_at: Option<i64>) -> store::Result<Report> {
    let name = path.display().to_string();
    match std::fs::File::open(path) {
        Ok(file) => import_reader(store, &name, file, now, read_at),
        Err(e) => Ok(Report::problem_only(&name, format!("cannot read: {e}"))),
    }
}

/// Imports everything `reader` gives, to its end. The shape is decided by
/// the first non-empty line, never by a size (a pipe has none): a line that
/// is a whole JSON object, an XML push or anything not starting a JSON
/// document begins a log of lines, streamed in batches in bounded memory;
/// a first line that opens an array is read element by element, stored in
/// batches (any size, in bounded memory); one that opens another JSON
/// document without closing it (a pretty-printed response) is one
/// document, read whole up to [`MAX_DOCUMENT`].
pub fn import_reader(
    store: &mut Store,
    name: &str,
    reader: impl std::io::Read,
    now: i64,
    read_at: Option<i64>,
) -> store::Result<Report> {
    use std::io::{BufRead, Read};
    let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
    // The leading blank lines and the first line, held at most MAX_LINE long.
    let mut head = Vec::new();
    let first = loop {
        let start = head.len();
        let room = (MAX_LINE + 1).saturating_sub(head.len()) as u64;
        match (&mut reader).take(room).read_until(b'\n', &mut head) {
            Ok(0) => break String::new(),
            Ok(_) => {}
            Err(e) => return Ok(Report::problem_only(name, format!("cannot read: {e}"))),
        }
        let line = String::from_utf8_lossy(&head[start..]);
        let line = line.trim_start_matches('\u{feff}').trim();
        if !line.is_empty() || head.len() > MAX_LINE {
            break line.to_string();
        }
    };
    let opens_document = (first.starts_with('{') || first.starts_with('['))
        && !serde_json::from_str::<Value>(&first).is_ok_and(|v| v.is_object());
    if !opens_document {
        let lines = Lines::new(std::io::Cursor::new(head).chain(reader), MAX_LINE);
        return import_lines(store, name, lines, now, read_at);
    }
    if first.starts_with('[') {
        // A byte-order mark is no part of the JSON.
        let body = head.strip_prefix("\u{feff}".as_bytes()).map(<[u8]>::to_vec).unwrap_or(head);
        return import_array(store, name, std::io::Cursor::new(body).chain(reader), now, read_at);
    }
    let mut bytes = head;
    let room = (MAX_DOCUMENT + 1).saturating_sub(bytes.len() as u64);
    if let Err(e) = reader.take(room).read_to_end(&mut bytes) {
        return Ok(Report::problem_only(name, format!("cannot read: {e}")));
    }
    if bytes.len() as u64 > MAX_DOCUMENT {
        return Ok(Report::problem_only(
            name,
            format!(
                "one JSON document over {} MiB; write it as JSON lines (one document per line), e.g. jq -c '.[]'",
                MAX_DOCUMENT >> 20
            ),
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    match whole_document(&text, now) {
        Some(docs) => import_documents(store, name, Origin::Import, read_at_given(docs, read_at)),
        // Not one document after all: its lines, each judged on its own.
        None => import_lines(store, name, Lines::new(text.as_bytes(), MAX_LINE), now, read_at),
    }
}

/// Imports a JSON array as it is parsed: each element is a document
/// (numbered from 1), stored `BATCH` at a time, so only one batch is held.
/// Input that stops being JSON is reported where it does, after what came
/// before it is stored.
fn import_array(
    store: &mut Store,
    name: &str,
    reader: impl std::io::Read,
    now: i64,
    read_at: Option<i64>,
) -> store::Result<Report> {
    let mut report = Report::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut failed = None;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let parsed = {
        let mut element = 0;
        let mut each = |v: Value| {
            element += 1;
            batch.push((element, classify(v, now)));
            if batch.len() < BATCH {
                return true;
            }
            match import_documents(store, name, Origin::Import, read_at_given(std::mem::take(&mut batch), read_at)) {
                Ok(part) => {
                    report.merge(part);
                    true
                }
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        };
        serde::Deserializer::deserialize_seq(&mut de, Elements(&mut each)).and_then(|()| de.end())
    };
    if let Some(e) = failed {
        return Err(e);
    }
    if let Err(e) = parsed {
        batch.push((0, Err(Unreadable::NotJson(e))));
    }
    report.merge(import_documents(store, name, Origin::Import, read_at_given(batch, read_at))?);
    Ok(report)
}

/// Hands each element of a JSON array to its closure as it is parsed,
/// until the closure says stop.
struct Elements<'a>(&'a mut dyn FnMut(Value) -> bool);

impl<'de> serde::de::Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of documents")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            if !(self.0)(v) {
                return Err(serde::de::Error::custom("the store failed"));
            }
        }
        Ok(())
    }
}

/// Imports numbered lines in batches of `BATCH` documents.
pub fn import_lines(
    store: &mut Store,
    name: &str,
    lines: impl Iterator<Item = std::io::Result<(usize, Result<String, Unreadable>)>>,
    now: i64,
    read_at: Option<i64>,
) -> store::Result<Report> {
    let mut report = Report::default();
    let mut batch = Vec::with_capacity(BATCH);
    for line in lines {
        match line {
            Ok((n, text)) => batch.push((n, text.and_then(|t| line_item(&t, now)))),
            Err(e) => {
                batch.push((0, Err(Unreadable::Read(e))));
                break;
            }
        }
        if batch.len() == BATCH {
            let docs = read_at_given(std::mem::take(&mut batch), read_at);
            report.merge(import_documents(store, name, Origin::Import, docs)?);
        }
    }
    report.merge(import_documents(store, name, Origin::Import, read_at_given(batch, read_at))?);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_log_is_imported_in_batches_with_bad_lines_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db"), crate::store::OpenMode::Create).unwrap();
        let mut text = String::new();
        for i in 0..2500 {
            text.push_str(&format!(
                "{{\"Event\":\"channels_ec_order_new\",\"CreateTime\":{i},\"order_info\":{{\"order_id\":{i}}}}}\n"
            ));
        }
        for _ in 0..(MAX_PROBLEMS + 5) {
            text.push_str("not json\n");
        }
        let lines = Lines::new(text.as_bytes(), MAX_LINE);
        let report = import_lines(&mut store, "log", lines, 0, None).unwrap();
        assert_eq!((report.messages_new, report.bad, report.problems.len()), (2500, MAX_PROBLEMS + 5, MAX_PROBLEMS));
        assert_eq!(report.problems[0].1, 2501);
    }

    #[test]
    fn receiver_periods_in_a_streamed_log_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db"), crate::store::OpenMode::Create).unwrap();
        let text = concat!(
            "{\"started_at\":100,\"last_seen\":200,\"stopped_at\":200}\n",
            "{\"Event\":\"channels_ec_order_new\",\"CreateTime\":150,\"order_info\":{\"order_id\":1}}\n",
            "{\"started_at\":300,\"last_seen\":250}\n",
            "{\"started_at\":400,\"last_seen\":500,\"stopped_at\":null}\n",
        );
        let report = import_lines(&mut store, "log", Lines::new(text.as_bytes(), MAX_LINE), 0, None).unwrap();
        assert_eq!((report.periods_new, report.messages_new, report.bad), (2, 1, 1));
        assert_eq!(report.problems[0].1, 3);
        assert!(report.summary().contains("2 new receiver periods"), "{}", report.summary());
        let again = import_lines(&mut store, "log", Lines::new(text.as_bytes(), MAX_LINE), 0, None).unwrap();
        assert_eq!((again.periods_new, again.messages_known), (0, 1));
    }
}

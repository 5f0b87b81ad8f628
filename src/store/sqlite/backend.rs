//! The store interface on a SQLite file: the reads and writes of `read.rs`
//! and `write.rs`, and the change feed on `PRAGMA data_version`.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::{Sqlite, inbox, write};
use crate::model::Order;
use crate::model::Origin;
use crate::model::record::{Note, Period};
use crate::store::backend::{Backend, ChangeFeed, Export, Inbox, Reads, Transact, Tx, Writes};
use crate::store::types::{
    Arrival, Backlog, FullMessage, InboxRow, ListFilter, MESSAGES, MessageInsert, MessageRow, NewMessage, OrderRow,
    PeriodRow, Projected, QuarantinedRow, Result, SnapshotRow,
};

/// A SQLite transaction, as the interface's writes.
struct SqliteTx<'a>(&'a Connection);

impl Tx for SqliteTx<'_> {
    fn add_snapshot(&mut self, order: &Order, fetched_at: i64, source: Origin) -> Result<bool> {
        write::add_snapshot(self.0, order, fetched_at, source.as_str())
    }

    fn add_message(&mut self, m: NewMessage<'_>) -> Result<MessageInsert> {
        write::add_message(self.0, m)
    }

    fn append_inbox(&mut self, arrivals: &[(Arrival<'_>, &str)]) -> Result<Vec<i64>> {
        arrivals.iter().map(|(a, key)| inbox::append(self.0, a, key)).collect()
    }

    fn project_inbox(
        &mut self,
        limit: usize,
        quarantine: Option<&str>,
    ) -> Result<(Vec<InboxRow>, Vec<Projected>, i64)> {
        let cursor = inbox::cursor(self.0, MESSAGES)?;
        let rows = inbox::after(self.0, cursor, limit)?;
        let projected = inbox::project_batch(self.0, &rows, quarantine)?;
        let cursor = rows.last().map_or(cursor, |r| r.id);
        Ok((rows, projected, cursor))
    }

    fn add_quarantined(&mut self, received_at: i64, envelope: &str, reason: &str) -> Result<MessageInsert> {
        write::add_quarantined(self.0, received_at, envelope, reason)
    }

    fn release_quarantined(&mut self, id: i64, plaintext: &str) -> Result<Option<MessageInsert>> {
        write::release_quarantined(self.0, id, plaintext)
    }

    fn add_receiver_period(
        &mut self,
        started_at: i64,
        last_seen: i64,
        stopped_at: Option<i64>,
        host: Option<&str>,
    ) -> Result<i64> {
        write::add_receiver_period(self.0, started_at, last_seen, stopped_at, host)
    }

    fn add_receiver_period_once(&mut self, period: &PeriodRow) -> Result<bool> {
        write::add_receiver_period_once(self.0, period)
    }

    fn heartbeat(&mut self, period: i64, now: i64) -> Result<()> {
        write::heartbeat(self.0, period, now)
    }

    fn stop_period(&mut self, period: i64, now: i64) -> Result<()> {
        write::stop_period(self.0, period, now)
    }

    fn set_sync_value(&mut self, key: &str, value: i64) -> Result<()> {
        write::set_sync_value(self.0, key, value)
    }

    fn add_note(&mut self, note: &Note) -> Result<i64> {
        write::add_note(self.0, note)
    }

    fn add_note_once(&mut self, note: &Note) -> Result<bool> {
        write::add_note_once(self.0, note)
    }

    fn put_message(&mut self, m: &FullMessage) -> Result<bool> {
        write::put_message(self.0, m)
    }
}

impl Backend for Sqlite {
    fn describe(&self) -> String {
        self.path().display().to_string()
    }
}

impl Transact for Sqlite {
    fn write_dyn(&mut self, f: &mut Writes<'_>) -> Result<()> {
        self.write(|c| f(&mut SqliteTx(c)))
    }
}

impl Reads for Sqlite {
    fn scan_orders(&self, filter: &ListFilter, visit: &mut dyn FnMut(OrderRow) -> bool) -> Result<()> {
        Sqlite::scan_orders(self, filter, visit)
    }

    fn order(&self, order_id: &str) -> Result<Option<OrderRow>> {
        Sqlite::order(self, order_id)
    }

    fn snapshots(&self, order_id: &str) -> Result<Vec<SnapshotRow>> {
        Sqlite::snapshots(self, order_id)
    }

    fn demo_orders(&self) -> Result<HashSet<String>> {
        Sqlite::demo_orders(self)
    }

    fn notes(&self, order_id: &str) -> Result<Vec<Note>> {
        Sqlite::notes(self, order_id)
    }

    fn latest_snapshot(&self, order_id: &str) -> Result<Option<SnapshotRow>> {
        Sqlite::latest_snapshot(self, order_id)
    }

    fn scan_messages(
        &self,
        order_id: Option<&str>,
        filter: &ListFilter,
        visit: &mut dyn FnMut(MessageRow) -> bool,
    ) -> Result<()> {
        Sqlite::scan_messages(self, order_id, filter, visit)
    }

    fn receiver_periods(&self) -> Result<Vec<Period>> {
        Sqlite::receiver_periods(self)
    }

    fn quarantined_after(&self, after: i64, limit: i64) -> Result<Vec<QuarantinedRow>> {
        Sqlite::quarantined_after(self, after, limit)
    }

    fn quarantined_count(&self) -> Result<i64> {
        Sqlite::quarantined_count(self)
    }

    fn quarantine_reasons(&self, limit: i64) -> Result<Vec<(String, i64, i64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT quarantine, count(*), max(received_at) FROM messages WHERE quarantine IS NOT NULL
             GROUP BY quarantine ORDER BY count(*) DESC, quarantine LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn sync_value(&self, key: &str) -> Result<Option<i64>> {
        Sqlite::sync_value(self, key)
    }

    fn counts(&self) -> Result<(i64, i64, i64)> {
        Sqlite::counts(self)
    }
}

impl Inbox for Sqlite {
    fn inbox_state(&self) -> Result<(i64, i64)> {
        let cursor = inbox::cursor(self.conn(), MESSAGES)?;
        let last: i64 = self.conn().query_row("SELECT coalesce(max(id), 0) FROM inbox", [], |r| r.get(0))?;
        Ok((cursor, last))
    }

    fn backlog(&self) -> Result<Backlog> {
        inbox::backlog(self.conn())
    }

    fn inbox_after(&self, after: i64, limit: usize) -> Result<Vec<InboxRow>> {
        inbox::after(self.conn(), after, limit)
    }

    fn stored_dup_keys(&self, keys: &[&str]) -> Result<Vec<String>> {
        inbox::stored_keys(self.conn(), keys)
    }

    fn prepare_receiver(&mut self) -> Result<()> {
        Ok(self.conn().pragma_update(None, "wal_autocheckpoint", 0)?)
    }

    fn checkpoint(&mut self) -> Result<()> {
        Sqlite::passive_checkpoint(self.conn())?;
        Ok(())
    }
}

impl ChangeFeed for Sqlite {
    fn watch(&mut self) -> Result<()> {
        Ok(())
    }

    /// `PRAGMA data_version` moves only when another connection committed,
    /// so an idle store costs one pragma per look.
    fn changed_since(&mut self, mark: &mut i64) -> Result<bool> {
        // Asked a few times a second by every watcher: one stat() each.
        self.check_still_there()?;
        let version: i64 = self.conn().query_row("PRAGMA data_version", [], |r| r.get(0))?;
        let changed = version != *mark;
        *mark = version;
        Ok(changed)
    }

    fn max_ids(&self) -> Result<(i64, i64)> {
        let max = |table: &str| -> Result<i64> {
            Ok(self.conn().query_row(&format!("SELECT coalesce(max(id), 0) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok((max("messages")?, max("snapshots")?))
    }

    fn message_ids_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, Option<String>)>> {
        let mut stmt =
            self.conn().prepare_cached("SELECT id, order_id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows = stmt.query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn snapshot_ids_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, String)>> {
        let mut stmt =
            self.conn().prepare_cached("SELECT id, order_id FROM snapshots WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows = stmt.query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Export for Sqlite {
    fn snapshots_after(&self, after: i64, limit: i64) -> Result<Vec<SnapshotRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, order_id, fetched_at, source, content_hash, body FROM snapshots WHERE id > ?1
             ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map([after, limit], super::read::snapshot_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn full_messages_after(&self, after: i64, limit: i64) -> Result<Vec<FullMessage>> {
        let mut stmt = self.conn().prepare_cached(
            // A quarantined push's body may be kept only in the inbox: it
            // travels with the message, so `messages --reprocess` still
            // works on the copy.
            "SELECT m.id, m.received_at, m.event, m.order_id, m.type, m.create_time,
                 CAST(coalesce(m.envelope, CASE WHEN m.quarantine IS NOT NULL THEN i.envelope END) AS BLOB),
                 m.plaintext, m.parse_error, m.dup_key, m.deliveries, m.source, m.quarantine
             FROM messages m LEFT JOIN inbox i ON i.id = m.inbox_id WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit], |r| {
            Ok(FullMessage {
                id: r.get(0)?,
                received_at: r.get(1)?,
                event: r.get(2)?,
                order_id: r.get(3)?,
                kind: r.get(4)?,
                create_time: r.get(5)?,
                envelope: r.get::<_, Option<Vec<u8>>>(6)?.map(|b| String::from_utf8_lossy(&b).into_owned()),
                plaintext: r.get(7)?,
                parse_error: r.get(8)?,
                dup_key: r.get(9)?,
                deliveries: r.get(10)?,
                source: r.get(11)?,
                quarantine: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn all_periods(&self) -> Result<Vec<PeriodRow>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT started_at, last_seen, stopped_at, host FROM receiver_periods ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(PeriodRow { started_at: r.get(0)?, last_seen: r.get(1)?, stopped_at: r.get(2)?, host: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn all_notes(&self) -> Result<Vec<Note>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, order_id, at, event, type, text, recorded_at FROM notes ORDER BY id")?;
        let rows = stmt.query_map([], super::read::note_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn sync_values(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn().prepare_cached("SELECT key, value FROM sync_state ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

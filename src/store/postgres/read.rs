//! The reads on PostgreSQL, row for row what SQLite's give (text ordered
//! byte-wise, as SQLite orders it, whatever the database's collation).

use std::collections::HashSet;

use postgres::Row;

use super::Postgres;
use crate::model::Origin;
use crate::model::record::{Note, Period};
use crate::store::backend::{Backend, ChangeFeed, Export, Inbox, Reads, Transact, Writes};
use crate::store::types::{
    Arrival, Backlog, FullMessage, InboxRow, ListFilter, MESSAGES, MessageRow, OrderRow, PeriodRow, QuarantinedRow,
    Result, SnapshotRow,
};

fn order_row(r: &Row) -> OrderRow {
    OrderRow {
        order_id: r.get(0),
        status: r.get(1),
        update_time: r.get(2),
        use_tel_number: r.get(3),
        vnum: r.get(4),
        vnum_expire: r.get(5),
        snapshots: r.get(6),
        messages: r.get(7),
        type5: r.get::<_, i64>(8) != 0,
        last_activity: r.get(9),
        search: crate::model::quoted::compose(r.get(10), r.get(11)),
        product: r.get(12),
        buyer: r.get(13),
    }
}

fn message_row(r: &Row) -> MessageRow {
    MessageRow {
        id: r.get(0),
        received_at: r.get(1),
        event: r.get(2),
        order_id: r.get(3),
        kind: r.get(4),
        create_time: r.get(5),
        plaintext: r.get(6),
        parse_error: r.get(7),
        deliveries: r.get(8),
        source: Origin::from_stored(r.get(9)),
    }
}

fn snapshot_row(r: &Row) -> SnapshotRow {
    SnapshotRow {
        id: r.get(0),
        order_id: r.get(1),
        fetched_at: r.get(2),
        source: Origin::from_stored(r.get(3)),
        content_hash: r.get(4),
        body: r.get(5),
    }
}

pub(super) fn inbox_row(r: &Row) -> InboxRow {
    InboxRow {
        id: r.get(0),
        received_at: r.get(1),
        dup_key: r.get(2),
        query: r.get(3),
        content_type: r.get(4),
        envelope: r.get(5),
        plaintext: r.get(6),
        problem: r.get(7),
    }
}

fn note_row(r: &Row) -> Note {
    Note {
        id: r.get(0),
        order_id: r.get(1),
        at: r.get(2),
        event: r.get(3),
        kind: r.get(4),
        text: r.get(5),
        recorded_at: r.get(6),
    }
}

// `query` takes `&'static str` (its statements are cached by text), so the
// column lists are written out in each statement.
impl Backend for Postgres {
    fn describe(&self) -> String {
        Postgres::describe(self)
    }
}

impl Transact for Postgres {
    fn write_dyn(&mut self, f: &mut Writes<'_>) -> Result<()> {
        Postgres::write_dyn(self, f)
    }
}

impl Reads for Postgres {
    fn scan_orders(&self, filter: &ListFilter, visit: &mut dyn FnMut(OrderRow) -> bool) -> Result<()> {
        // LIMIT NULL is no limit.
        self.with(|c| {
            c.each(
                "SELECT order_id, status, update_time, use_tel_number, vnum, vnum_expire, snapshots, messages, type5,
                     last_activity, search, events, product, buyer
                 FROM orders WHERE last_activity >= $1
                 ORDER BY last_activity DESC, order_id COLLATE \"C\" DESC LIMIT $2",
                &[&filter.since_or_all(), &filter.limit],
                order_row,
                visit,
            )
        })
    }

    fn order(&self, order_id: &str) -> Result<Option<OrderRow>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT order_id, status, update_time, use_tel_number, vnum, vnum_expire, snapshots, messages, type5,
                     last_activity, search, events, product, buyer
                 FROM orders WHERE order_id = $1",
                &[&order_id],
            )?
            .first()
            .map(order_row))
        })
    }

    fn snapshots(&self, order_id: &str) -> Result<Vec<SnapshotRow>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, order_id, fetched_at, source, content_hash, body FROM snapshots WHERE order_id = $1
                 ORDER BY fetched_at, id",
                &[&order_id],
            )?
            .iter()
            .map(snapshot_row)
            .collect())
        })
    }

    fn demo_orders(&self) -> Result<HashSet<String>> {
        self.with(|c| {
            Ok(c.query("SELECT order_id FROM snapshots GROUP BY order_id HAVING bool_and(source = 'demo')", &[])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn notes(&self, order_id: &str) -> Result<Vec<Note>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, order_id, at, event, type, text, recorded_at FROM notes WHERE order_id = $1
                 ORDER BY coalesce(at, recorded_at), id",
                &[&order_id],
            )?
            .iter()
            .map(note_row)
            .collect())
        })
    }

    fn latest_snapshot(&self, order_id: &str) -> Result<Option<SnapshotRow>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, order_id, fetched_at, source, content_hash, body FROM snapshots WHERE order_id = $1
                 ORDER BY update_time DESC NULLS LAST, fetched_at DESC, id DESC LIMIT 1",
                &[&order_id],
            )?
            .first()
            .map(snapshot_row))
        })
    }

    fn scan_messages(
        &self,
        order_id: Option<&str>,
        filter: &ListFilter,
        visit: &mut dyn FnMut(MessageRow) -> bool,
    ) -> Result<()> {
        let since = filter.since_or_all();
        // With a limit, the newest that many are found backwards along the
        // index and only they are sorted into order.
        self.with(|c| match (order_id, filter.limit) {
            (Some(id), None) => c.each(
                "SELECT id, received_at, event, order_id, type, create_time, plaintext, parse_error, deliveries, source
                 FROM messages WHERE order_id = $1 AND received_at >= $2 ORDER BY received_at, id",
                &[&id, &since],
                message_row,
                visit,
            ),
            (Some(id), Some(limit)) => c.each(
                "SELECT * FROM (SELECT id, received_at, event, order_id, type, create_time, plaintext, parse_error,
                         deliveries, source
                     FROM messages WHERE order_id = $1 AND received_at >= $2
                     ORDER BY received_at DESC, id DESC LIMIT $3) newest
                 ORDER BY received_at, id",
                &[&id, &since, &limit],
                message_row,
                visit,
            ),
            (None, None) => c.each(
                "SELECT id, received_at, event, order_id, type, create_time, plaintext, parse_error, deliveries, source
                 FROM messages WHERE received_at >= $1 ORDER BY received_at, id",
                &[&since],
                message_row,
                visit,
            ),
            (None, Some(limit)) => c.each(
                "SELECT * FROM (SELECT id, received_at, event, order_id, type, create_time, plaintext, parse_error,
                         deliveries, source
                     FROM messages WHERE received_at >= $1 ORDER BY received_at DESC, id DESC LIMIT $2) newest
                 ORDER BY received_at, id",
                &[&since, &limit],
                message_row,
                visit,
            ),
        })
    }

    fn receiver_periods(&self) -> Result<Vec<Period>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT started_at, coalesce(stopped_at, last_seen), stopped_at IS NOT NULL FROM receiver_periods
                 ORDER BY started_at",
                &[],
            )?
            .iter()
            .map(|r| Period { start: r.get(0), end: r.get(1), stopped: r.get(2) })
            .collect())
        })
    }

    fn quarantined_after(&self, after: i64, limit: i64) -> Result<Vec<QuarantinedRow>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT m.id, coalesce(convert_to(m.envelope, 'UTF8'), i.envelope, '\\x'::bytea), m.plaintext,
                     m.quarantine, i.plaintext
                 FROM messages m LEFT JOIN inbox i ON i.id = m.inbox_id
                 WHERE m.quarantine IS NOT NULL AND m.id > $1 ORDER BY m.id LIMIT $2",
                &[&after, &limit],
            )?
            .iter()
            .map(|r| QuarantinedRow {
                id: r.get(0),
                envelope: r.get(1),
                plaintext: r.get(2),
                reason: r.get(3),
                decrypted: r.get(4),
            })
            .collect())
        })
    }

    fn quarantined_count(&self) -> Result<i64> {
        self.with(|c| Ok(c.query("SELECT count(*) FROM messages WHERE quarantine IS NOT NULL", &[])?[0].get(0)))
    }

    fn quarantine_reasons(&self, limit: i64) -> Result<Vec<(String, i64, i64)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT quarantine, count(*), max(received_at) FROM messages WHERE quarantine IS NOT NULL
                 GROUP BY quarantine ORDER BY count(*) DESC, quarantine LIMIT $1",
                &[&limit],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
        })
    }

    fn sync_value(&self, key: &str) -> Result<Option<i64>> {
        self.with(|c| Ok(c.query("SELECT value FROM sync_state WHERE key = $1", &[&key])?.first().map(|r| r.get(0))))
    }

    fn counts(&self) -> Result<(i64, i64, i64)> {
        self.with(|c| {
            let r = c.query(
                "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM snapshots), (SELECT count(*) FROM messages)",
                &[],
            )?;
            Ok((r[0].get(0), r[0].get(1), r[0].get(2)))
        })
    }
}

impl Inbox for Postgres {
    fn append_inbox_group(&mut self, arrivals: &[(Arrival<'_>, &str)]) -> Result<Vec<i64>> {
        Postgres::append_inbox_group(self, arrivals)
    }

    fn inbox_state(&self) -> Result<(i64, i64)> {
        self.with(|c| {
            let r = c.query(
                "SELECT (SELECT coalesce(max(last_id), 0) FROM projector_cursor WHERE name = $1),
                     (SELECT coalesce(max(id), 0) FROM inbox)",
                &[&MESSAGES],
            )?;
            Ok((r[0].get(0), r[0].get(1)))
        })
    }

    fn backlog(&self) -> Result<Backlog> {
        self.with(|c| {
            let r = c.query(
                "WITH cursor AS (SELECT coalesce(max(last_id), 0) AS at FROM projector_cursor WHERE name = $1)
                 SELECT (SELECT count(*) FROM inbox, cursor WHERE id > cursor.at),
                        (SELECT received_at FROM inbox, cursor WHERE id > cursor.at ORDER BY id LIMIT 1),
                        (SELECT received_at FROM inbox ORDER BY id DESC LIMIT 1)",
                &[&MESSAGES],
            )?;
            Ok(Backlog { pending: r[0].get(0), oldest: r[0].get(1), last_arrival: r[0].get(2) })
        })
    }

    fn inbox_after(&self, after: i64, limit: usize) -> Result<Vec<InboxRow>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, received_at, dup_key, query, content_type, envelope, plaintext, problem FROM inbox
                 WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &(limit as i64)],
            )?
            .iter()
            .map(inbox_row)
            .collect())
        })
    }

    fn stored_dup_keys(&self, keys: &[&str]) -> Result<Vec<String>> {
        self.with(|c| {
            Ok(c.query("SELECT dup_key FROM messages WHERE dup_key = ANY($1)", &[&keys])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn prepare_receiver(&mut self) -> Result<()> {
        self.bound_for_receiver()
    }

    fn checkpoint(&mut self) -> Result<()> {
        // The server checkpoints on its own.
        Ok(())
    }
}

impl ChangeFeed for Postgres {
    fn watch(&mut self) -> Result<()> {
        Postgres::watch(self)
    }

    fn changed_since(&mut self, _mark: &mut i64) -> Result<bool> {
        Postgres::changed_since(self)
    }

    fn max_ids(&self) -> Result<(i64, i64)> {
        self.with(|c| {
            let r = c.query(
                "SELECT (SELECT coalesce(max(id), 0) FROM messages), (SELECT coalesce(max(id), 0) FROM snapshots)",
                &[],
            )?;
            Ok((r[0].get(0), r[0].get(1)))
        })
    }

    fn message_ids_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, Option<String>)>> {
        self.with(|c| {
            Ok(c.query("SELECT id, order_id FROM messages WHERE id > $1 ORDER BY id LIMIT $2", &[&after, &limit])?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn snapshot_ids_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, String)>> {
        self.with(|c| {
            Ok(c.query("SELECT id, order_id FROM snapshots WHERE id > $1 ORDER BY id LIMIT $2", &[&after, &limit])?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }
}

impl Export for Postgres {
    fn snapshots_after(&self, after: i64, limit: i64) -> Result<Vec<SnapshotRow>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT id, order_id, fetched_at, source, content_hash, body FROM snapshots WHERE id > $1
                 ORDER BY id LIMIT $2",
                &[&after, &limit],
            )?
            .iter()
            .map(snapshot_row)
            .collect())
        })
    }

    fn full_messages_after(&self, after: i64, limit: i64) -> Result<Vec<FullMessage>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT m.id, m.received_at, m.event, m.order_id, m.type, m.create_time,
                     coalesce(convert_to(m.envelope, 'UTF8'), CASE WHEN m.quarantine IS NOT NULL THEN i.envelope END),
                     m.plaintext, m.parse_error, m.dup_key, m.deliveries, m.source, m.quarantine
                 FROM messages m LEFT JOIN inbox i ON i.id = m.inbox_id WHERE m.id > $1 ORDER BY m.id LIMIT $2",
                &[&after, &limit],
            )?
            .iter()
            .map(|r| FullMessage {
                id: r.get(0),
                received_at: r.get(1),
                event: r.get(2),
                order_id: r.get(3),
                kind: r.get(4),
                create_time: r.get(5),
                envelope: r.get::<_, Option<Vec<u8>>>(6).map(|b| String::from_utf8_lossy(&b).into_owned()),
                plaintext: r.get(7),
                parse_error: r.get(8),
                dup_key: r.get(9),
                deliveries: r.get(10),
                source: r.get(11),
                quarantine: r.get(12),
            })
            .collect())
        })
    }

    fn all_periods(&self) -> Result<Vec<PeriodRow>> {
        self.with(|c| {
            Ok(c.query("SELECT started_at, last_seen, stopped_at, host FROM receiver_periods ORDER BY id", &[])?
                .iter()
                .map(|r| PeriodRow { started_at: r.get(0), last_seen: r.get(1), stopped_at: r.get(2), host: r.get(3) })
                .collect())
        })
    }

    fn all_notes(&self) -> Result<Vec<Note>> {
        self.with(|c| {
            Ok(c.query("SELECT id, order_id, at, event, type, text, recorded_at FROM notes ORDER BY id", &[])?
                .iter()
                .map(note_row)
                .collect())
        })
    }

    fn sync_values(&self) -> Result<Vec<(String, i64)>> {
        self.with(|c| {
            Ok(c.query("SELECT key, value FROM sync_state ORDER BY key", &[])?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }
}

//! Reads for the inspector and the CLI.

use rusqlite::{OptionalExtension, Row, params};

use super::Sqlite;
use crate::model::Origin;
use crate::store::types::{ListFilter, MessageRow, OrderRow, QuarantinedRow, Result, SnapshotRow};

/// The filter's limit as SQLite's LIMIT, which reads a negative one as none.
fn sqlite_limit(filter: &ListFilter) -> i64 {
    filter.limit.unwrap_or(-1)
}

const ORDER_COLUMNS: &str = "order_id, status, update_time, use_tel_number, vnum, vnum_expire, snapshots, messages, type5, last_activity, search, events, product, buyer";

fn order_row(r: &Row) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        order_id: r.get(0)?,
        status: r.get(1)?,
        update_time: r.get(2)?,
        use_tel_number: r.get(3)?,
        vnum: r.get(4)?,
        vnum_expire: r.get(5)?,
        snapshots: r.get(6)?,
        messages: r.get(7)?,
        type5: r.get::<_, i64>(8)? != 0,
        last_activity: r.get(9)?,
        search: crate::model::quoted::compose(r.get(10)?, &r.get::<_, String>(11)?),
        product: r.get(12)?,
        buyer: r.get(13)?,
    })
}

const MESSAGE_COLUMNS: &str =
    "id, received_at, event, order_id, type, create_time, plaintext, parse_error, deliveries, source";

fn message_row(r: &Row) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        received_at: r.get(1)?,
        event: r.get(2)?,
        order_id: r.get(3)?,
        kind: r.get(4)?,
        create_time: r.get(5)?,
        plaintext: r.get(6)?,
        parse_error: r.get(7)?,
        deliveries: r.get(8)?,
        source: Origin::from_stored(&r.get::<_, String>(9)?),
    })
}

const SNAPSHOT_COLUMNS: &str = "id, order_id, fetched_at, source, content_hash, body";

/// A note, from `id, order_id, at, event, type, text, recorded_at`.
pub(super) fn note_row(r: &Row) -> rusqlite::Result<crate::model::record::Note> {
    Ok(crate::model::record::Note {
        id: r.get(0)?,
        order_id: r.get(1)?,
        at: r.get(2)?,
        event: r.get(3)?,
        kind: r.get(4)?,
        text: r.get(5)?,
        recorded_at: r.get(6)?,
    })
}

pub(super) fn snapshot_row(r: &Row) -> rusqlite::Result<SnapshotRow> {
    Ok(SnapshotRow {
        id: r.get(0)?,
        order_id: r.get(1)?,
        fetched_at: r.get(2)?,
        source: Origin::from_stored(&r.get::<_, String>(3)?),
        content_hash: r.get(4)?,
        body: r.get(5)?,
    })
}

/// Hands each row to `visit` as it is stepped to, until `visit` says stop.
fn each<T>(
    mut rows: rusqlite::Rows<'_>,
    read: fn(&Row) -> rusqlite::Result<T>,
    visit: &mut dyn FnMut(T) -> bool,
) -> rusqlite::Result<()> {
    while let Some(r) = rows.next()? {
        if !visit(read(r)?) {
            break;
        }
    }
    Ok(())
}

impl Sqlite {
    /// The orders `filter` selects, most recently active first, one at a
    /// time: a row is handed to `visit` as soon as it is read (nothing is
    /// kept), until `visit` says stop.
    pub fn scan_orders(&self, filter: &ListFilter, visit: &mut dyn FnMut(OrderRow) -> bool) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE last_activity >= ?1
             ORDER BY last_activity DESC, order_id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query(params![filter.since_or_all(), sqlite_limit(filter)])?;
        each(rows, order_row, visit).map_err(|e| self.explain(e.into()))
    }

    pub fn order(&self, order_id: &str) -> Result<Option<OrderRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = ?1"))?;
        Ok(stmt.query_row([order_id], order_row).optional()?)
    }

    /// Every stored version of an order, oldest fetch first.
    pub fn snapshots(&self, order_id: &str) -> Result<Vec<SnapshotRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE order_id = ?1 ORDER BY fetched_at, id"
        ))?;
        let rows = stmt.query_map([order_id], snapshot_row)?.collect::<rusqlite::Result<Vec<_>>>();
        Ok(rows?)
    }

    /// Orders whose every stored version the bundled demo made up.
    pub fn demo_orders(&self) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT order_id FROM snapshots GROUP BY order_id HAVING min(source = 'demo') = 1")?;
        let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>();
        Ok(rows?)
    }

    /// The notes reported about an order, oldest fact first.
    pub fn notes(&self, order_id: &str) -> Result<Vec<crate::model::record::Note>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, order_id, at, event, type, text, recorded_at FROM notes WHERE order_id = ?1
             ORDER BY coalesce(at, recorded_at), id",
        )?;
        let rows = stmt.query_map([order_id], note_row)?.collect::<rusqlite::Result<Vec<_>>>();
        Ok(rows?)
    }

    /// The newest version by the order's own update time.
    pub fn latest_snapshot(&self, order_id: &str) -> Result<Option<SnapshotRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE order_id = ?1
             ORDER BY update_time DESC, fetched_at DESC, id DESC LIMIT 1"
        ))?;
        Ok(stmt.query_row([order_id], snapshot_row).optional()?)
    }

    /// The pushes `filter` selects (for one order or all), oldest first,
    /// one at a time as they are read, until `visit` says stop. A limit
    /// takes the newest that many, still shown oldest first.
    pub fn scan_messages(
        &self,
        order_id: Option<&str>,
        filter: &ListFilter,
        visit: &mut dyn FnMut(MessageRow) -> bool,
    ) -> Result<()> {
        let of_order = if order_id.is_some() { "order_id = ?3 AND" } else { "?3 IS NULL AND" };
        let sql = match filter.limit {
            None => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE {of_order} received_at >= ?1
                 ORDER BY received_at, id LIMIT ?2"
            ),
            // The newest `limit` found backwards along the index, then put
            // in order: only they are sorted.
            Some(_) => format!(
                "SELECT {MESSAGE_COLUMNS} FROM (SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE {of_order} received_at >= ?1 ORDER BY received_at DESC, id DESC LIMIT ?2)
                 ORDER BY received_at, id"
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query(params![filter.since_or_all(), sqlite_limit(filter), order_id])?;
        each(rows, message_row, visit).map_err(|e| self.explain(e.into()))
    }

    /// When the receiver was running: from start to its stop, or to its
    /// last heartbeat when it died without stopping.
    pub fn receiver_periods(&self) -> Result<Vec<crate::model::record::Period>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT started_at, coalesce(stopped_at, last_seen), stopped_at IS NOT NULL FROM receiver_periods ORDER BY started_at",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(crate::model::record::Period { start: r.get(0)?, end: r.get(1)?, stopped: r.get(2)? })
            })?
            .collect::<rusqlite::Result<Vec<_>>>();
        Ok(rows?)
    }

    /// Messages kept whole because they could not be decrypted or parsed,
    /// with the body as it arrived (from the inbox for pushes received since
    /// it exists).
    pub fn quarantined_after(&self, after: i64, limit: i64) -> Result<Vec<QuarantinedRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, coalesce(CAST(m.envelope AS BLOB), i.envelope, X''), m.plaintext, m.quarantine, i.plaintext
             FROM messages m LEFT JOIN inbox i ON i.id = m.inbox_id
             WHERE m.quarantine IS NOT NULL AND m.id > ?1 ORDER BY m.id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map([after, limit], |r| {
                Ok(QuarantinedRow {
                    id: r.get(0)?,
                    envelope: r.get(1)?,
                    plaintext: r.get(2)?,
                    reason: r.get(3)?,
                    decrypted: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>();
        Ok(rows?)
    }

    pub fn quarantined_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM messages WHERE quarantine IS NOT NULL", [], |r| r.get(0))?)
    }

    /// A value `sync` keeps between runs.
    pub fn sync_value(&self, key: &str) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn counts(&self) -> Result<(i64, i64, i64)> {
        let count = |table: &str| -> Result<i64> {
            Ok(self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok((count("orders")?, count("snapshots")?, count("messages")?))
    }
}

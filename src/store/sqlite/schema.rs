//! Schema versions. Each entry migrates from the version before it; a store
//! is brought forward one step at a time inside one write transaction.

use rusqlite::params;

use super::{APPLICATION_ID, Sqlite, classify};
use crate::model::{Order, quoted};
use crate::store::types::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: orders with their summary, snapshots, messages.
    "CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        status INTEGER,
        update_time INTEGER,
        use_tel_number INTEGER,
        vnum TEXT,
        vnum_expire INTEGER,
        snapshots INTEGER NOT NULL DEFAULT 0,
        messages INTEGER NOT NULL DEFAULT 0,
        type5 INTEGER NOT NULL DEFAULT 0,
        last_activity INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX orders_by_activity ON orders(last_activity DESC, order_id DESC);
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        source TEXT NOT NULL,
        status INTEGER,
        update_time INTEGER,
        body TEXT NOT NULL,
        UNIQUE(order_id, content_hash)
    );
    CREATE INDEX snapshots_by_order ON snapshots(order_id, fetched_at);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        event TEXT,
        order_id TEXT,
        type INTEGER,
        create_time INTEGER,
        envelope TEXT,
        plaintext TEXT NOT NULL,
        parse_error TEXT,
        dup_key TEXT NOT NULL UNIQUE,
        deliveries INTEGER NOT NULL DEFAULT 1,
        source TEXT NOT NULL
    );
    CREATE INDEX messages_by_order ON messages(order_id, received_at);
    CREATE INDEX messages_by_time ON messages(received_at);",
    // 2: when the push receiver was running, so gaps in the record show.
    "CREATE TABLE receiver_periods (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        stopped_at INTEGER
    );",
    // 3: pushes kept whole because they could not be decrypted or parsed.
    "ALTER TABLE messages ADD COLUMN quarantine TEXT;
    CREATE INDEX messages_quarantined ON messages(id) WHERE quarantine IS NOT NULL;",
    // 4: where `sync --follow` stopped, so a restart resumes there.
    "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    // 5: facts people reported about an order (`orderscope note`), kept
    // apart from what was observed.
    "CREATE TABLE IF NOT EXISTS notes (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL,
        at INTEGER,
        event TEXT,
        type INTEGER,
        text TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS notes_by_order ON notes(order_id, at);",
    // 6: what the inspector's filter matches besides ids and states: product
    // titles, the buyer's (platform-masked) name and waybill ids, lowercased,
    // kept with the summary so filtering never opens JSON. Existing orders
    // get it from their newest version.
    "ALTER TABLE orders ADD COLUMN search TEXT NOT NULL DEFAULT '';
    UPDATE orders SET search = coalesce((
        SELECT lower(trim(
            coalesce((SELECT group_concat(json_extract(p.value, '$.title'), ' ')
                      FROM json_each(s.body, '$.order_detail.product_infos') p), '') || ' ' ||
            coalesce(json_extract(s.body, '$.order_detail.delivery_info.address_info.user_name'), '') || ' ' ||
            coalesce((SELECT group_concat(json_extract(d.value, '$.waybill_id'), ' ')
                      FROM json_each(s.body, '$.order_detail.delivery_info.delivery_product_info') d), '')))
        FROM snapshots s
        WHERE s.order_id = orders.order_id AND json_valid(s.body)
        ORDER BY s.update_time DESC, s.fetched_at DESC, s.id DESC LIMIT 1), '');",
    // 7: the receiver's inbox: each push exactly as it arrived, appended and
    // committed before `success`; messages and order summaries are projected
    // from it afterwards, up to the projector's cursor. No index but the
    // rowid, so an append touches the fewest pages.
    "CREATE TABLE inbox (
        id INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        dup_key TEXT NOT NULL,
        query TEXT NOT NULL,
        content_type TEXT,
        envelope BLOB NOT NULL,
        plaintext BLOB,
        problem TEXT
    );
    CREATE TABLE projector_cursor (name TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
    ALTER TABLE messages ADD COLUMN inbox_id INTEGER;",
    // 8: which host a receiver period ran on (several hosts may share one
    // PostgreSQL store; a file copied over keeps the column's shape).
    "ALTER TABLE receiver_periods ADD COLUMN host TEXT;",
    // 9: what buyers quote, for the filter: `search` gains the tagged facts
    // of the newest version (phones, virtual number, waybills, carriers) and
    // `events` holds one token per distinct push (`event#type`). Both are
    // filled by [`Sqlite::refill_filter_text`] after this step, in Rust, so
    // a migrated store holds exactly what a fresh write would.
    "ALTER TABLE orders ADD COLUMN events TEXT NOT NULL DEFAULT '';",
    // 10: what the list shows beside the id (product titles and the buyer's
    // masked name, as written), from the newest version; filled with the
    // filter text.
    "ALTER TABLE orders ADD COLUMN product TEXT NOT NULL DEFAULT '';
     ALTER TABLE orders ADD COLUMN buyer TEXT NOT NULL DEFAULT '';",
];

/// A store older than this has its filter and list text computed again
/// from the stored versions and pushes, once its migrations have run.
const REFILL_FILTER_TEXT: i64 = 10;

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl Sqlite {
    pub(super) fn migrate(&self) -> Result<()> {
        let (app_id, version) = self.header()?;
        if version == SCHEMA_VERSION && app_id == APPLICATION_ID {
            return Ok(());
        }
        self.check_identity(app_id, version)?;
        // Re-read inside the write lock: another process may have migrated.
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| classify(&self.path, e))?;
        let result = (|| {
            let (app_id, version) = self.header()?;
            self.check_identity(app_id, version)?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                self.conn.execute_batch(sql)?;
                self.conn.pragma_update(None, "user_version", (i + 1) as i64)?;
            }
            if version < REFILL_FILTER_TEXT {
                self.refill_filter_text()?;
            }
            self.conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            Ok(())
        })();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(|e| classify(&self.path, e)),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(self.explain(e))
            }
        }
    }

    /// Computes every order's filter text again: `search` from its newest
    /// version (as a write of that version would), `events` from its pushes
    /// in the order they were stored. An order whose newest version no
    /// longer parses keeps the text it had.
    fn refill_filter_text(&self) -> Result<()> {
        let c = &self.conn;
        let mut write = c.prepare("UPDATE orders SET search = ?2, product = ?3, buyer = ?4 WHERE order_id = ?1")?;
        let mut newest = c.prepare(
            "SELECT order_id, body FROM (SELECT order_id, body, row_number() OVER (PARTITION BY order_id
                 ORDER BY update_time DESC, fetched_at DESC, id DESC) AS n FROM snapshots) WHERE n = 1",
        )?;
        let mut rows = newest.query([])?;
        while let Some(r) = rows.next()? {
            let (order_id, body): (String, String) = (r.get(0)?, r.get(1)?);
            if let Some(order) = serde_json::from_str(&body).ok().and_then(|v| Order::from_order(v).ok()) {
                let (product, buyer) = order.list_text();
                write.execute(params![order_id, order.search_text(), product, buyer])?;
            }
        }
        let mut write = c.prepare("UPDATE orders SET events = ?2 WHERE order_id = ?1")?;
        let mut pushes = c.prepare(
            "SELECT order_id, event, type FROM messages WHERE order_id IS NOT NULL AND event IS NOT NULL
             GROUP BY order_id, event, type ORDER BY order_id, min(id)",
        )?;
        let mut rows = pushes.query([])?;
        let mut current: Option<(String, String)> = None;
        while let Some(r) = rows.next()? {
            let (order_id, event, kind): (String, String, Option<i64>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if current.as_ref().is_some_and(|(id, _)| *id != order_id)
                && let Some((id, events)) = current.take()
            {
                write.execute(params![id, events])?;
            }
            let (_, events) = current.get_or_insert_with(|| (order_id, String::new()));
            if let Some(token) = quoted::event_token(Some(&event), kind) {
                quoted::add_event(events, &token);
            }
        }
        if let Some((id, events)) = current {
            write.execute(params![id, events])?;
        }
        Ok(())
    }

    pub(super) fn header(&self) -> Result<(i32, i64)> {
        let read = || -> rusqlite::Result<(i32, i64)> {
            let app: i32 = self.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
            let ver: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok((app, ver))
        };
        read().map_err(|e| classify(&self.path, e))
    }

    pub(super) fn check_identity(&self, app_id: i32, version: i64) -> Result<()> {
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(StoreError::NotAStore(
                self.path.clone(),
                format!("it belongs to another program (application id {app_id:#x})"),
            ));
        }
        if app_id == 0 {
            let tables: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(|e| classify(&self.path, e))?;
            if tables > 0 {
                return Err(StoreError::NotAStore(
                    self.path.clone(),
                    "it is a SQLite database with other tables".into(),
                ));
            }
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: self.path.clone(), found: version, known: SCHEMA_VERSION });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OpenMode;

    /// A store written by the orderscope before the filter's column gets it
    /// from each order's newest version when it is opened.
    #[test]
    fn an_older_store_gets_the_filter_text_from_its_newest_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..5] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 5).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
            let body = include_str!("../../../assets/demo/seed/order-3732676853715311104-after-shipping.json");
            let order: serde_json::Value = serde_json::from_str(body).unwrap();
            conn.execute(
                "INSERT INTO snapshots (order_id, content_hash, fetched_at, source, update_time, body) VALUES ('3732676853715311104', 'h', 1, 'seed', 1, ?1)",
                [order["order"].to_string()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO snapshots (order_id, content_hash, fetched_at, source, update_time, body) VALUES ('1', 'bad', 1, 'x', 1, 'not json')",
                [],
            )
            .unwrap();
            conn.execute_batch("INSERT INTO orders (order_id) VALUES ('3732676853715311104'), ('1')").unwrap();
        }
        let store = Sqlite::open_with(&path, OpenMode::Existing, crate::store::Durability::Normal).unwrap();
        let search: String = store
            .conn()
            .query_row("SELECT search FROM orders WHERE order_id = '3732676853715311104'", [], |r| r.get(0))
            .unwrap();
        assert!(search.contains("xbox无线控制器"), "{search}");
        assert!(search.contains("sf3262259346637"), "{search}");
        assert!(search.contains("杨**"), "{search}");
        // A damaged body does not stop the migration; that order just has none.
        let none: String =
            store.conn().query_row("SELECT search FROM orders WHERE order_id = '1'", [], |r| r.get(0)).unwrap();
        assert_eq!(none, "");
    }

    /// A store written before the filter knew what buyers quote gets the
    /// facts of each order's newest version and the events of its pushes,
    /// exactly as a write would have kept them.
    #[test]
    fn an_older_store_gets_what_buyers_quote_from_its_versions_and_pushes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let seed = "3732676853715311104";
        let before = include_str!("../../../assets/demo/seed/order-3732676853715311104-before-shipping.json");
        let after = include_str!("../../../assets/demo/seed/order-3732676853715311104-after-shipping.json");
        let newest = Order::parse_text(after).unwrap();
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..8] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 8).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
            for (hash, update_time, body) in [("b", 1, before), ("a", 2, after)] {
                let order = Order::parse_text(body).unwrap();
                conn.execute(
                    "INSERT INTO snapshots (order_id, content_hash, fetched_at, source, update_time, body)
                     VALUES (?1, ?2, 1, 'seed', ?3, ?4)",
                    params![seed, hash, update_time, order.raw.to_string()],
                )
                .unwrap();
            }
            let pushes = [
                (seed, Some("channels_ec_order_pay"), None),
                (seed, Some("channels_ec_order_ext_info_update"), Some(5)),
                (seed, Some("channels_ec_order_pay"), None),
                (seed, None, None),
                ("42", Some("channels_ec_order_ext_info_update"), Some(5)),
            ];
            for (i, (order_id, event, kind)) in pushes.into_iter().enumerate() {
                conn.execute(
                    "INSERT INTO messages (received_at, event, order_id, type, plaintext, dup_key, source)
                     VALUES (?1, ?2, ?3, ?4, '', ?5, 'serve')",
                    params![i as i64, event, order_id, kind, format!("k{i}")],
                )
                .unwrap();
            }
            conn.execute_batch(
                "INSERT INTO orders (order_id, search) VALUES ('3732676853715311104', 'xbox无线控制器 杨** sf3262259346637'),
                 ('42', '')",
            )
            .unwrap();
        }
        let store = Sqlite::open_with(&path, OpenMode::Existing, crate::store::Durability::Normal).unwrap();
        let read = |id: &str| -> (String, String) {
            store
                .conn()
                .query_row("SELECT search, events FROM orders WHERE order_id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap()
        };
        assert_eq!(
            read(seed),
            (newest.search_text(), "channels_ec_order_pay channels_ec_order_ext_info_update#5 ".into())
        );
        assert!(read(seed).0.contains(" tel:139****0775 vn:18400984191 ext:0775 wb:sf3262259346637 "));
        assert_eq!(read("42"), (String::new(), "channels_ec_order_ext_info_update#5 ".into()));
    }
}

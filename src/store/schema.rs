//! Schema versions. Each entry migrates from the version before it; a store
//! is brought forward one step at a time inside one write transaction.

use super::{APPLICATION_ID, Result, Store, StoreError, classify};

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
    // 5: the receiver's inbox: each push exactly as it arrived, appended and
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
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl Store {
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

    fn header(&self) -> Result<(i32, i64)> {
        let read = || -> rusqlite::Result<(i32, i64)> {
            let app: i32 = self.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
            let ver: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok((app, ver))
        };
        read().map_err(|e| classify(&self.path, e))
    }

    fn check_identity(&self, app_id: i32, version: i64) -> Result<()> {
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
            return Err(StoreError::TooNew { path: self.path.clone(), found: version });
        }
        Ok(())
    }
}

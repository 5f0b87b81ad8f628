//! The change feed: what other processes (the receiver, `sync`, an import,
//! another inspector) stored since the last look, read cheaply enough to ask
//! a few times a second.
//!
//! `PRAGMA data_version` changes only when another connection committed, so
//! an idle store costs one pragma per look. When it moved, cursors on the
//! last message and snapshot ids say what is new, and only the orders those
//! rows belong to are read again.

use std::collections::BTreeSet;

use super::{OrderRow, Result, Store};

/// What changed since the last look.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// The current summary rows of every order that changed.
    pub rows: Vec<OrderRow>,
    /// Pushes stored since the last look: (message id, order id).
    pub pushes: Vec<(i64, Option<String>)>,
    pub quarantined: i64,
}

/// At most this many new rows are taken in one look; the rest come with the
/// next, so a burst never holds the reader for long.
const BATCH: i64 = 20_000;

/// Where the last look stopped.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    data_version: i64,
    last_message: i64,
    last_snapshot: i64,
    quarantined: i64,
}

impl Feed {
    /// Starts watching from what the store holds now.
    pub fn start(store: &Store) -> Result<Feed> {
        let conn = store.conn();
        let max = |table: &str| -> Result<i64> {
            Ok(conn.query_row(&format!("SELECT coalesce(max(id), 0) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(Feed {
            data_version: data_version(store)?,
            last_message: max("messages")?,
            last_snapshot: max("snapshots")?,
            quarantined: store.quarantined_count()?,
        })
    }

    /// What other connections committed since the last look (`None`: nothing).
    pub fn poll(&mut self, store: &Store) -> Result<Option<Changes>> {
        let version = data_version(store)?;
        if version == self.data_version {
            return Ok(None);
        }
        self.data_version = version;
        self.scan(store)
    }

    /// Reads what is new past the cursors, whoever wrote it (this
    /// connection's own writes do not move `data_version`).
    pub fn scan(&mut self, store: &Store) -> Result<Option<Changes>> {
        let conn = store.conn();
        let mut changed = BTreeSet::new();
        let mut pushes = Vec::new();
        {
            let mut stmt =
                conn.prepare_cached("SELECT id, order_id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2")?;
            let rows = stmt.query_map([self.last_message, BATCH], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
            for row in rows {
                let (id, order_id): (i64, Option<String>) = row?;
                self.last_message = id;
                if let Some(o) = &order_id {
                    changed.insert(o.clone());
                }
                pushes.push((id, order_id));
            }
        }
        {
            let mut stmt =
                conn.prepare_cached("SELECT id, order_id FROM snapshots WHERE id > ?1 ORDER BY id LIMIT ?2")?;
            let rows = stmt.query_map([self.last_snapshot, BATCH], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
            for row in rows {
                let (id, order_id): (i64, String) = row?;
                self.last_snapshot = id;
                changed.insert(order_id);
            }
        }
        let quarantined = store.quarantined_count()?;
        if changed.is_empty() && pushes.is_empty() && quarantined == self.quarantined {
            return Ok(None);
        }
        self.quarantined = quarantined;
        let mut rows = Vec::with_capacity(changed.len());
        for id in &changed {
            if let Some(row) = store.order(id)? {
                rows.push(row);
            }
        }
        Ok(Some(Changes { rows, pushes, quarantined }))
    }
}

fn data_version(store: &Store) -> Result<i64> {
    Ok(store.conn().query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OpenMode;

    #[test]
    fn another_connection_s_push_is_seen_once_and_an_idle_store_reports_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut writer = Store::open(&path, OpenMode::Create).unwrap();
        crate::demo::populate(&mut writer, 1_795_752_000).unwrap();
        let reader = Store::open(&path, OpenMode::Existing).unwrap();
        let mut feed = Feed::start(&reader).unwrap();
        assert_eq!(feed.poll(&reader).unwrap(), None);
        let push = r#"{"ToUserName":"gh_1","FromUserName":"o","CreateTime":1795752100,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#;
        writer.add_message(1_795_752_100, None, push, "test", crate::store::Redelivery::Count).unwrap();
        let changes = feed.poll(&reader).unwrap().expect("a change");
        assert_eq!(changes.pushes.len(), 1);
        assert_eq!(changes.pushes[0].1.as_deref(), Some("3732676853715311104"));
        assert_eq!(changes.rows.len(), 1);
        assert_eq!(changes.rows[0].order_id, "3732676853715311104");
        assert!(changes.rows[0].type5);
        // Nothing new: nothing reported, and nothing read again.
        assert_eq!(feed.poll(&reader).unwrap(), None);
    }
}

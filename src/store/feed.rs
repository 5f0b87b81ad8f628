//! The change feed: what other processes (receivers on any host, `sync`,
//! an import, another inspector) stored since the last look, read cheaply
//! enough to ask a few times a second.
//!
//! The backend says cheaply whether anything may have changed (SQLite:
//! `PRAGMA data_version`, which moves only when another connection
//! committed; PostgreSQL: a `NOTIFY` every writing transaction sends, heard
//! through `LISTEN`). When something did, cursors on the last message and
//! snapshot ids say what is new, and only the orders those rows belong to
//! are read again. Ids follow commit order on both backends (PostgreSQL
//! writers take one lock per transaction), so a cursor never skips a row.

use std::collections::BTreeSet;

use super::Store;
use super::types::{OrderRow, Result};

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
    mark: i64,
    last_message: i64,
    last_snapshot: i64,
    quarantined: i64,
}

impl Feed {
    /// Starts watching from what the store holds now.
    pub fn start(store: &mut Store) -> Result<Feed> {
        store.feed_mut().watch()?;
        let mut mark = 0;
        store.feed_mut().changed_since(&mut mark)?;
        let (last_message, last_snapshot) = store.feed().max_ids()?;
        Ok(Feed { mark, last_message, last_snapshot, quarantined: store.reads().quarantined_count()? })
    }

    /// What other connections committed since the last look (`None`: nothing).
    pub fn poll(&mut self, store: &mut Store) -> Result<Option<Changes>> {
        if !store.feed_mut().changed_since(&mut self.mark)? {
            return Ok(None);
        }
        self.scan(store)
    }

    /// Reads what is new past the cursors, whoever wrote it (this
    /// connection's own writes do not move SQLite's `data_version`).
    pub fn scan(&mut self, store: &Store) -> Result<Option<Changes>> {
        let mut changed = BTreeSet::new();
        let mut pushes = Vec::new();
        for (id, order_id) in store.feed().message_ids_after(self.last_message, BATCH)? {
            self.last_message = id;
            if let Some(o) = &order_id {
                changed.insert(o.clone());
            }
            pushes.push((id, order_id));
        }
        for (id, order_id) in store.feed().snapshot_ids_after(self.last_snapshot, BATCH)? {
            self.last_snapshot = id;
            changed.insert(order_id);
        }
        let quarantined = store.reads().quarantined_count()?;
        if changed.is_empty() && pushes.is_empty() && quarantined == self.quarantined {
            return Ok(None);
        }
        self.quarantined = quarantined;
        let mut rows = Vec::with_capacity(changed.len());
        for id in &changed {
            if let Some(row) = store.reads().order(id)? {
                rows.push(row);
            }
        }
        Ok(Some(Changes { rows, pushes, quarantined }))
    }
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
        let mut reader = Store::open(&path, OpenMode::Existing).unwrap();
        let mut feed = Feed::start(&mut reader).unwrap();
        assert_eq!(feed.poll(&mut reader).unwrap(), None);
        let push = r#"{"ToUserName":"gh_1","FromUserName":"o","CreateTime":1795752100,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#;
        writer.add_message(crate::store::NewMessage::new(1_795_752_100, push, "test".into())).unwrap();
        let changes = feed.poll(&mut reader).unwrap().expect("a change");
        assert_eq!(changes.pushes.len(), 1);
        assert_eq!(changes.pushes[0].1.as_deref(), Some("3732676853715311104"));
        assert_eq!(changes.rows.len(), 1);
        assert_eq!(changes.rows[0].order_id, "3732676853715311104");
        assert!(changes.rows[0].type5);
        // Nothing new: nothing reported, and nothing read again.
        assert_eq!(feed.poll(&mut reader).unwrap(), None);
    }
}

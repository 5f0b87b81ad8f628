//! The store's operations, one interface over two backends: SQLite (one
//! file, the embedded default) and PostgreSQL (one database shared by
//! several receiving hosts and any number of inspectors).
//!
//! Reads are methods of [`Reads`]; writes happen inside
//! [`Transact::write_dyn`], which hands a [`Tx`] to the caller's closure and
//! commits everything it did as one transaction (or nothing). A backend may
//! run the closure more than once (PostgreSQL retries a transaction that
//! lost a serialization or deadlock race), so closures must not keep
//! results from an attempt that did not commit.

use std::collections::HashSet;

use super::types::{
    Arrival, Backlog, FullMessage, InboxRow, ListFilter, MessageInsert, MessageRow, NewMessage, OrderRow, PeriodRow,
    Projected, QuarantinedRow, Result, SnapshotRow,
};
use crate::model::Order;
use crate::model::Origin;
use crate::model::record::{Note, Period};

/// The writes, inside one transaction.
pub trait Tx {
    /// Stores a version of an order unless the same content is stored
    /// already (by content hash). Returns whether it was new.
    fn add_snapshot(&mut self, order: &Order, fetched_at: i64, source: Origin) -> Result<bool>;
    /// Stores one decrypted push; the same push again (same duplicate key)
    /// is counted (`Redelivery::Count`) or left alone (`Ignore`).
    fn add_message(&mut self, m: NewMessage<'_>) -> Result<MessageInsert>;
    /// The receiver's durable step: appends the group's arrivals to the
    /// inbox, as they came; their inbox ids, in order.
    fn append_inbox(&mut self, arrivals: &[(Arrival<'_>, &str)]) -> Result<Vec<i64>>;
    /// The projector's step: up to `limit` inbox rows after the stored
    /// cursor (read in this transaction, so several hosts' projectors never
    /// project a row twice) become messages and order summaries, and the
    /// cursor moves past them. `quarantine` forces them into quarantine
    /// with that reason. Returns the rows, how each was projected, and the
    /// cursor.
    fn project_inbox(&mut self, limit: usize, quarantine: Option<&str>)
    -> Result<(Vec<InboxRow>, Vec<Projected>, i64)>;
    /// Says this transaction writes only what can be built again from
    /// durable rows (a projection, whose cursor moves with it): its commit
    /// need not wait for the disk. PostgreSQL commits it asynchronously (a
    /// crash can lose it only whole, cursor included, and the inbox still
    /// holds its pushes); SQLite keeps the store's durability.
    fn derived_only(&mut self) -> Result<()> {
        Ok(())
    }
    /// Keeps a signed push that could not be decrypted, whole.
    fn add_quarantined(&mut self, received_at: i64, envelope: &str, reason: &str) -> Result<MessageInsert>;
    /// Replaces a quarantined message by its now-readable plaintext.
    /// `None` when the message is no longer quarantined: another run
    /// released it first.
    fn release_quarantined(&mut self, id: i64, plaintext: &str) -> Result<Option<MessageInsert>>;
    /// A receiver period on `host`; returns its id for heartbeats.
    fn add_receiver_period(
        &mut self,
        started_at: i64,
        last_seen: i64,
        stopped_at: Option<i64>,
        host: Option<&str>,
    ) -> Result<i64>;
    /// Adds a period unless the same one is stored (an import or copy run twice).
    fn add_receiver_period_once(&mut self, period: &PeriodRow) -> Result<bool>;
    fn heartbeat(&mut self, period: i64, now: i64) -> Result<()>;
    fn stop_period(&mut self, period: i64, now: i64) -> Result<()>;
    fn set_sync_value(&mut self, key: &str, value: i64) -> Result<()>;
    fn add_note(&mut self, note: &Note) -> Result<i64>;
    /// Adds a note unless an identical one is stored (`store copy` run twice).
    fn add_note_once(&mut self, note: &Note) -> Result<bool>;
    /// Stores a message exactly as another store holds it (`store copy`),
    /// unless its duplicate key is known; returns whether it was new.
    fn put_message(&mut self, m: &FullMessage) -> Result<bool>;
}

/// Every row a scan hands out, kept.
fn collect<T>(scan: impl FnOnce(&mut dyn FnMut(T) -> bool) -> Result<()>) -> Result<Vec<T>> {
    let mut rows = Vec::new();
    scan(&mut |row| {
        rows.push(row);
        true
    })?;
    Ok(rows)
}

/// The closure `write_dyn` runs: the caller's writes.
pub type Writes<'a> = dyn FnMut(&mut dyn Tx) -> Result<()> + 'a;

/// One store, whichever backend holds it: each role its own trait, so a
/// part of the program names the role it uses (the facade's `reads()`,
/// `inbox()`, `feed()` and `export()`).
pub trait Backend: Transact + Reads + Inbox + ChangeFeed + Export + Send {
    /// The file's path or the database URL (password masked), for messages.
    fn describe(&self) -> String;
}

/// Writes, as transactions.
pub trait Transact {
    /// Runs `f` in one transaction: all of it lands or none. A commit
    /// returns only when it is durable as the store was opened for.
    fn write_dyn(&mut self, f: &mut Writes<'_>) -> Result<()>;
}

/// What the inspector, the command line and the loaders read.
pub trait Reads {
    /// The orders `filter` selects, most recently active first, each handed
    /// to `visit` as it is read (none kept) until `visit` returns false.
    /// `visit` must not use the store.
    fn scan_orders(&self, filter: &ListFilter, visit: &mut dyn FnMut(OrderRow) -> bool) -> Result<()>;
    /// Every order, most recently active first.
    fn orders(&self) -> Result<Vec<OrderRow>> {
        collect(|visit| self.scan_orders(&ListFilter::default(), visit))
    }
    /// The first `limit` orders of the list: what the screen shows first.
    fn orders_first(&self, limit: i64) -> Result<Vec<OrderRow>> {
        collect(|visit| self.scan_orders(&ListFilter { since: None, limit: Some(limit) }, visit))
    }
    fn order(&self, order_id: &str) -> Result<Option<OrderRow>>;
    /// Every stored version of an order, oldest fetch first.
    fn snapshots(&self, order_id: &str) -> Result<Vec<SnapshotRow>>;
    /// Orders whose every stored version the bundled demo made up.
    fn demo_orders(&self) -> Result<HashSet<String>>;
    /// The notes reported about an order, oldest fact first.
    fn notes(&self, order_id: &str) -> Result<Vec<Note>>;
    /// The newest version by the order's own update time.
    fn latest_snapshot(&self, order_id: &str) -> Result<Option<SnapshotRow>>;
    /// The received pushes `filter` selects, for one order or all, oldest
    /// first (a limit takes the newest that many), each handed to `visit` as
    /// it is read until `visit` returns false. `visit` must not use the store.
    fn scan_messages(
        &self,
        order_id: Option<&str>,
        filter: &ListFilter,
        visit: &mut dyn FnMut(MessageRow) -> bool,
    ) -> Result<()>;
    /// Received pushes, oldest first; for one order or all.
    fn messages(&self, order_id: Option<&str>) -> Result<Vec<MessageRow>> {
        collect(|visit| self.scan_messages(order_id, &ListFilter::default(), visit))
    }
    /// When a receiver was running (on any host).
    fn receiver_periods(&self) -> Result<Vec<Period>>;
    /// Messages kept whole because they could not be decrypted or parsed,
    /// with the body as it arrived.
    fn quarantined(&self) -> Result<Vec<QuarantinedRow>> {
        self.quarantined_after(0, i64::MAX)
    }
    /// At most `limit` of them with ids above `after`, in id order: a page,
    /// so a large quarantine is retried in bounded memory.
    fn quarantined_after(&self, after: i64, limit: i64) -> Result<Vec<QuarantinedRow>>;
    fn quarantined_count(&self) -> Result<i64>;
    /// Why pushes are in quarantine: each reason with how many and when the
    /// newest of them arrived, most frequent first, at most `limit`.
    fn quarantine_reasons(&self, limit: i64) -> Result<Vec<(String, i64, i64)>>;
    /// A value `sync` keeps between runs.
    fn sync_value(&self, key: &str) -> Result<Option<i64>>;
    /// (orders, snapshots, messages).
    fn counts(&self) -> Result<(i64, i64, i64)>;
}

/// The receiver's inbox and its projection.
pub trait Inbox: Transact {
    /// The receiver's durable step as a transaction of its own: what
    /// `write_dyn` with [`Tx::append_inbox`] does (PostgreSQL sends the
    /// whole transaction in one round trip).
    fn append_inbox_group(&mut self, arrivals: &[(Arrival<'_>, &str)]) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        self.write_dyn(&mut |tx| {
            ids = tx.append_inbox(arrivals)?;
            Ok(())
        })?;
        Ok(ids)
    }
    /// The projector's cursor and the last inbox id.
    fn inbox_state(&self) -> Result<(i64, i64)>;
    /// What reads do not show yet: inbox rows past the projector's cursor.
    fn backlog(&self) -> Result<Backlog>;
    /// Up to `limit` inbox rows after `after`, oldest first.
    fn inbox_after(&self, after: i64, limit: usize) -> Result<Vec<InboxRow>>;
    /// Which of these duplicate keys a projected message has.
    fn stored_dup_keys(&self, keys: &[&str]) -> Result<Vec<String>>;
    /// Before the receiver's writer starts (SQLite: checkpoints only when
    /// the writer says, never inside an inbox commit).
    fn prepare_receiver(&mut self) -> Result<()>;
    /// Between two commits of the receiver's writer (SQLite: a passive WAL checkpoint,
    /// finishing the one run beside it).
    fn checkpoint(&mut self) -> Result<()>;
}

/// The change feed: what other connections committed.
pub trait ChangeFeed {
    /// Starts watching for other connections' commits (PostgreSQL: LISTEN).
    fn watch(&mut self) -> Result<()>;
    /// Whether anything may have been committed elsewhere since `mark` was
    /// last updated: cheap when nothing was (one pragma, or a look at
    /// notifications already received).
    fn changed_since(&mut self, mark: &mut i64) -> Result<bool>;
    /// The highest message and snapshot ids.
    fn max_ids(&self) -> Result<(i64, i64)>;
    /// (id, order id) of the messages after `after`, by id, at most `limit`.
    fn message_ids_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, Option<String>)>>;
    /// (id, order id) of the snapshots after `after`, by id, at most `limit`.
    fn snapshot_ids_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, String)>>;
}

/// Everything a store holds, in pages, for `store copy`.
pub trait Export {
    fn snapshots_after(&self, after: i64, limit: i64) -> Result<Vec<SnapshotRow>>;
    fn full_messages_after(&self, after: i64, limit: i64) -> Result<Vec<FullMessage>>;
    fn all_periods(&self) -> Result<Vec<PeriodRow>>;
    fn all_notes(&self) -> Result<Vec<Note>>;
    fn sync_values(&self) -> Result<Vec<(String, i64)>>;
}

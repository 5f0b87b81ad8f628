//! The store shared by the receiver, sync, the inspector and the CLI: one
//! interface ([`backend::Backend`]) over a SQLite file (the embedded
//! default, `sqlite`) or a PostgreSQL database shared by several hosts
//! (`postgres`).

pub mod backend;
pub mod copy;
pub mod feed;
pub mod location;
mod postgres;
mod sqlite;
pub mod status;
pub mod types;

use crate::model::Origin;
use std::path::Path;

pub use backend::{Backend, ChangeFeed, Export, Inbox, Reads, Transact, Tx};
pub use location::Location;
pub use status::ReceiverStatus;
pub use types::{
    Arrival, Backlog, FullMessage, InboxRow, ListFilter, MessageInsert, MessageRow, NewMessage, OrderRow, PeriodRow,
    Projected, QuarantinedRow, Redelivery, Result, SnapshotError, SnapshotRow, StoreError, dup_key,
};

pub use sqlite::{APPLICATION_ID, SCHEMA_VERSION, Sqlite};

/// Whether opening may create a new store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The store must already exist (read commands: a typo should not create one).
    Existing,
    Create,
}

/// How hard each commit goes to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// WAL with `synchronous=NORMAL`: safe against crashes of the process.
    Normal,
    /// `synchronous=FULL`: a commit survives power loss. For the receiver,
    /// which acknowledges pushes only once they are stored.
    Full,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        }
    }
}

/// The store, on whichever backend its location names.
pub struct Store {
    inner: Inner,
    location: Location,
}

enum Inner {
    Sqlite(Sqlite),
    Postgres(Box<postgres::Postgres>),
}

impl Store {
    fn backend(&self) -> &dyn Backend {
        match &self.inner {
            Inner::Sqlite(s) => s,
            Inner::Postgres(p) => p.as_ref(),
        }
    }

    fn backend_mut(&mut self) -> &mut dyn Backend {
        match &mut self.inner {
            Inner::Sqlite(s) => s,
            Inner::Postgres(p) => p.as_mut(),
        }
    }

    /// What the inspector, the command line and the loaders read.
    pub fn reads(&self) -> &dyn Reads {
        self.backend()
    }

    /// The receiver's inbox and its projection, to look at.
    pub fn inbox(&self) -> &dyn Inbox {
        self.backend()
    }

    /// The receiver's inbox, to append to and keep.
    pub fn inbox_mut(&mut self) -> &mut dyn Inbox {
        self.backend_mut()
    }

    /// The change feed, to look at.
    pub fn feed(&self) -> &dyn ChangeFeed {
        self.backend()
    }

    /// The change feed, to watch.
    pub fn feed_mut(&mut self) -> &mut dyn ChangeFeed {
        self.backend_mut()
    }

    /// Everything the store holds, for `store copy`.
    pub fn export(&self) -> &dyn Export {
        self.backend()
    }

    /// The file's path or the database URL (password masked), for messages.
    pub fn describe(&self) -> String {
        self.backend().describe()
    }

    /// A SQLite store at `path`.
    pub fn open(path: &Path, mode: OpenMode) -> Result<Store> {
        Store::open_with(path, mode, Durability::Normal)
    }

    pub fn open_with(path: &Path, mode: OpenMode, durability: Durability) -> Result<Store> {
        Store::open_at(&Location::Sqlite(path.to_path_buf()), mode, durability)
    }

    /// The store a `--store` value names: a file, or a PostgreSQL URL.
    pub fn open_at(location: &Location, mode: OpenMode, durability: Durability) -> Result<Store> {
        let inner = match location {
            Location::Sqlite(path) => Inner::Sqlite(Sqlite::open_with(path, mode, durability)?),
            Location::Postgres(url) => Inner::Postgres(Box::new(postgres::Postgres::open(url, mode)?)),
        };
        Ok(Store { inner, location: location.clone() })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Runs `f` on this store from inside an async task. The PostgreSQL
    /// client blocks on a runtime of its own, which tokio refuses inside a
    /// task, so there the call first leaves the task's runtime (which must
    /// then be a multi-threaded one: see [`Store::runtime`]). SQLite calls
    /// run in place.
    pub fn in_task<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> T {
        if matches!(self.inner, Inner::Postgres(_)) && tokio::runtime::Handle::try_current().is_ok() {
            tokio::task::block_in_place(|| f(self))
        } else {
            f(self)
        }
    }

    /// A runtime for async code that uses this store through
    /// [`Store::in_task`]: one thread, as before, for SQLite; one worker
    /// that may hand its tasks on while a PostgreSQL call blocks.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        match self.inner {
            Inner::Sqlite(_) => tokio::runtime::Builder::new_current_thread().enable_all().build(),
            Inner::Postgres(_) => tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build(),
        }
    }

    /// Turns a low-level error into the clear one the user should see.
    pub fn explain(&self, e: StoreError) -> StoreError {
        match &self.inner {
            Inner::Sqlite(s) => s.explain(e),
            Inner::Postgres(_) => e,
        }
    }

    /// The SQLite file, when the store is one.
    pub fn sqlite(&self) -> Option<&Sqlite> {
        match &self.inner {
            Inner::Sqlite(s) => Some(s),
            Inner::Postgres(_) => None,
        }
    }

    pub fn sqlite_mut(&mut self) -> Option<&mut Sqlite> {
        match &mut self.inner {
            Inner::Sqlite(s) => Some(s),
            Inner::Postgres(_) => None,
        }
    }

    /// Runs `f` in one transaction: all of it lands or none. `f` may run
    /// again when PostgreSQL asks for a retry; only the committed run's
    /// result is returned.
    pub fn write<T>(&mut self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.backend_mut().write_dyn(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        Ok(out.expect("a committed write ran its closure"))
    }

    /// Like [`Store::write`], for a transaction that writes only what can be
    /// built again from durable rows (a projection, whose cursor moves with
    /// it): its commit does not wait for the disk. On SQLite the WAL keeps
    /// commits in order, so the next `synchronous=FULL` commit makes it
    /// durable too, and a power loss before that loses it only whole,
    /// cursor included. PostgreSQL commits it asynchronously.
    pub fn write_derived<T>(&mut self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let relaxed = match &mut self.inner {
            Inner::Sqlite(s) => s.relax_commits(true)?,
            Inner::Postgres(_) => false,
        };
        let out = self.write(|tx| {
            tx.derived_only()?;
            f(tx)
        });
        if relaxed && let Inner::Sqlite(s) = &mut self.inner {
            // The store's own durability again before any other commit.
            s.relax_commits(false)?;
        }
        out
    }

    /// Stores a version of an order unless the same content is stored
    /// already. Returns whether it was new.
    pub fn add_snapshot(&mut self, order: &crate::model::Order, fetched_at: i64, source: Origin) -> Result<bool> {
        self.write(|tx| tx.add_snapshot(order, fetched_at, source))
    }

    /// Stores one decrypted push (see [`Tx::add_message`]).
    pub fn add_message(&mut self, m: NewMessage<'_>) -> Result<MessageInsert> {
        self.write(|tx| tx.add_message(m))
    }

    /// Hands each order `filter` selects to `f` as it is read, most recently
    /// active first, so a listing of any size holds one row at a time. The
    /// first error of `f` stops the read and is returned.
    pub fn each_order<E: From<StoreError>>(
        &self,
        filter: &ListFilter,
        mut f: impl FnMut(OrderRow) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let read = self.reads().scan_orders(filter, &mut |row| keep_going(f(row), &mut failed));
        finish(read, failed)
    }

    /// Hands each push `filter` selects (about `order_id`, or all) to `f` as
    /// it is read, oldest first; the first error of `f` stops the read.
    pub fn each_message<E: From<StoreError>>(
        &self,
        order_id: Option<&str>,
        filter: &ListFilter,
        mut f: impl FnMut(MessageRow) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let read = self.reads().scan_messages(order_id, filter, &mut |row| keep_going(f(row), &mut failed));
        finish(read, failed)
    }

    /// Every stored version as a comparable version, oldest fetch first, and
    /// the stored versions that no longer parse (with why).
    pub fn versions(&self, order_id: &str) -> Result<(Vec<crate::version_pair::Version>, Vec<String>)> {
        let mut versions = Vec::new();
        let mut problems = Vec::new();
        for s in self.reads().snapshots(order_id)? {
            match s.order() {
                Ok(order) => versions.push(crate::version_pair::Version {
                    snapshot_id: s.id,
                    fetched_at: s.fetched_at,
                    order,
                    source: s.source,
                }),
                Err(problem) => problems.push(problem.to_string()),
            }
        }
        Ok((versions, problems))
    }

    /// The receivers' state (each host's latest period) and the backlog.
    pub fn receiver_status(&self) -> Result<ReceiverStatus> {
        Ok(ReceiverStatus::of(&self.export().all_periods()?, self.inbox().backlog()?))
    }
}

/// Whether a scan goes on after its visitor's outcome; an error is kept for [`finish`].
fn keep_going<E>(outcome: std::result::Result<(), E>, failed: &mut Option<E>) -> bool {
    match outcome {
        Ok(()) => true,
        Err(e) => {
            *failed = Some(e);
            false
        }
    }
}

/// The visitor's error first (it stopped the read), else the read's own.
fn finish<E: From<StoreError>>(read: Result<()>, failed: Option<E>) -> std::result::Result<(), E> {
    match failed {
        Some(e) => Err(e),
        None => read.map_err(E::from),
    }
}

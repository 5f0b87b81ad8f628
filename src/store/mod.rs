//! The store shared by the receiver, sync, the inspector and the CLI: one
//! interface ([`backend::Backend`]) over a SQLite file (the embedded
//! default) or a PostgreSQL database shared by several hosts ([`pg`]).
//!
//! On SQLite, WAL mode lets one process write while others read. The schema carries an
//! application id (so a foreign SQLite file is refused) and a version in
//! `user_version`; older stores are migrated forward on open, newer ones are
//! refused rather than misread.

pub mod backend;
pub mod copy;
pub mod feed;
mod inbox;
pub mod location;
pub mod pg;
mod read;
mod schema;
mod sqlite_backend;
pub mod status;
pub mod types;
mod write;

use crate::model::Origin;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use backend::{Backend, Tx};
pub use location::Location;
pub use status::ReceiverStatus;
pub use types::{
    Arrival, Backlog, FullMessage, InboxRow, ListFilter, MessageInsert, MessageRow, OrderRow, PeriodRow, Projected,
    QuarantinedRow, Redelivery, Result, SnapshotError, SnapshotRow, StoreError, dup_key,
};

/// "OSCP" in the SQLite header's application id.
pub const APPLICATION_ID: i32 = 0x4F53_4350;
pub use schema::SCHEMA_VERSION;

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

/// A SQLite store: one file, one connection.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
    durability: Durability,
    /// The opened file's device and inode, to notice when the path names
    /// another file (`None` when the path cannot be looked at, a URI).
    identity: Option<(u64, u64)>,
}

/// A file's device and inode.
fn file_identity(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map(|m| (m.dev(), m.ino()))
}

/// The store, on whichever backend its location names.
pub struct Store {
    inner: Inner,
    location: Location,
}

enum Inner {
    Sqlite(Sqlite),
    Postgres(Box<pg::Postgres>),
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;
    fn deref(&self) -> &(dyn Backend + 'static) {
        match &self.inner {
            Inner::Sqlite(s) => s,
            Inner::Postgres(p) => p.as_ref(),
        }
    }
}

impl std::ops::DerefMut for Store {
    fn deref_mut(&mut self) -> &mut (dyn Backend + 'static) {
        match &mut self.inner {
            Inner::Sqlite(s) => s,
            Inner::Postgres(p) => p.as_mut(),
        }
    }
}

impl Store {
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
            Location::Postgres(url) => Inner::Postgres(Box::new(pg::Postgres::open(url, mode)?)),
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
        self.write_dyn(&mut |tx| {
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

    pub fn add_message(
        &mut self,
        received_at: i64,
        envelope: Option<&str>,
        plaintext: &str,
        source: Origin,
        redelivery: Redelivery,
    ) -> Result<MessageInsert> {
        self.write(|tx| tx.add_message(received_at, envelope, plaintext, source, redelivery))
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
        let read = self.scan_orders(filter, &mut |row| keep_going(f(row), &mut failed));
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
        let read = self.scan_messages(order_id, filter, &mut |row| keep_going(f(row), &mut failed));
        finish(read, failed)
    }

    /// Every stored version as a comparable version, oldest fetch first, and
    /// the stored versions that no longer parse (with why).
    pub fn versions(&self, order_id: &str) -> Result<(Vec<crate::version_pair::Version>, Vec<String>)> {
        let mut versions = Vec::new();
        let mut problems = Vec::new();
        for s in self.snapshots(order_id)? {
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
        Ok(ReceiverStatus::of(&self.all_periods()?, self.backlog()?))
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

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl Sqlite {
    pub fn open_with(path: &Path, mode: OpenMode, durability: Durability) -> Result<Sqlite> {
        let path = path.to_path_buf();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => return Err(StoreError::NotAStore(path, "it is a directory".into())),
            // SQLite would open a device or a pipe and then create its
            // journal beside it (`/dev/null-journal`): refused before that.
            Ok(meta) if !meta.is_file() => {
                return Err(StoreError::NotAStore(path, "it is not a regular file (a device, pipe or socket)".into()));
            }
            Ok(meta) if meta.len() > 0 => check_header(&path)?,
            // An empty file is no store; a read command must not turn it into one.
            Ok(_) if mode == OpenMode::Existing => return Err(StoreError::Missing(path)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if mode == OpenMode::Existing {
                    return Err(StoreError::Missing(path));
                }
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::Io(path.clone(), e.to_string()))?;
                }
            }
            Err(e) => return Err(StoreError::Io(path, e.to_string())),
        }
        let mut flags =
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        if mode == OpenMode::Create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| classify(&path, e))?;
        let identity = file_identity(&path).ok();
        let store = Sqlite { conn, path, durability, identity };
        store.conn.busy_timeout(Duration::from_secs(10)).map_err(|e| classify(&store.path, e))?;
        // Identity and schema are checked by reading only, before the WAL
        // switch or a migration writes anything: a foreign or newer file is
        // refused exactly as it was found.
        let (app_id, version) = store.header()?;
        store.check_identity(app_id, version)?;
        store.configure(durability).map_err(|e| classify(&store.path, e))?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&self, durability: Durability) -> rusqlite::Result<()> {
        let mode: String = self.conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing_free_warn(&format!("journal mode is {mode}, not WAL"));
        }
        self.conn.execute_batch(&format!("PRAGMA synchronous={}; PRAGMA foreign_keys=ON;", durability.pragma()))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails when the path no longer names the file this connection holds:
    /// reads would go on showing the old file's contents without a word.
    pub fn check_still_there(&self) -> Result<()> {
        let Some(opened) = self.identity else { return Ok(()) };
        match file_identity(&self.path) {
            Ok(now) if now == opened => Ok(()),
            Ok(_) => Err(StoreError::Moved { path: self.path.clone(), deleted: false }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::Moved { path: self.path.clone(), deleted: true })
            }
            // Not allowed to look (a directory's mode changed): no verdict.
            Err(_) => Ok(()),
        }
    }

    /// With `true`, commits stop waiting for the disk (`synchronous=NORMAL`);
    /// with `false`, the store's durability is back. SQLite refuses the
    /// change inside a transaction, so it is made between them. Returns
    /// whether anything changed.
    fn relax_commits(&mut self, relaxed: bool) -> Result<bool> {
        if self.durability == Durability::Normal {
            return Ok(false);
        }
        let level = if relaxed { Durability::Normal } else { self.durability };
        self.conn.pragma_update(None, "synchronous", level.pragma()).map_err(|e| classify(&self.path, e))?;
        Ok(true)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it lands or none.
    pub fn write<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| classify(&self.path, e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| classify(&self.path, e))?;
        Ok(out)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A PASSIVE checkpoint on `conn`: copies what no reader still needs,
    /// never waits for anyone. Returns the WAL's length in frames, and up to
    /// which frame it is copied.
    pub fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))
    }

    /// The WAL's length in frames after each of this connection's commits,
    /// kept up to date in the returned counter from now on. Replaces
    /// SQLite's automatic checkpoints on this connection (they use the same
    /// hook): for a writer whose checkpoints run elsewhere.
    pub fn count_wal_frames(&mut self) -> Result<std::sync::Arc<std::sync::atomic::AtomicI64>> {
        use std::sync::atomic::{AtomicI64, Ordering};
        let frames = std::sync::Arc::new(AtomicI64::new(0));
        let counter = frames.clone();
        self.conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
            counter.store(i64::from(pages), Ordering::Relaxed);
            Ok(())
        }))?;
        Ok(frames)
    }

    /// Turns a low-level error into the clear one the user should see.
    pub fn explain(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Sqlite(inner) => classify(&self.path, inner),
            other => other,
        }
    }
}

fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| StoreError::Io(path.to_path_buf(), e.to_string()))?;
    let n = file.read(&mut head).map_err(|e| StoreError::Io(path.to_path_buf(), e.to_string()))?;
    if n < 16 || &head != SQLITE_HEADER {
        return Err(StoreError::NotAStore(path.to_path_buf(), "it is not a SQLite database".into()));
    }
    // The database header's application id (offset 68) and user version
    // (offset 60), read from the file itself: a foreign or newer file is
    // refused before SQLite opens it. (A WAL may hold a newer version than
    // the file; the check after opening covers that.)
    let mut rest = [0u8; 84];
    let n = file.read(&mut rest).map_err(|e| StoreError::Io(path.to_path_buf(), e.to_string()))?;
    if n == rest.len() {
        let word = |at: usize| i32::from_be_bytes([rest[at - 16], rest[at - 15], rest[at - 14], rest[at - 13]]);
        let (app_id, version) = (word(68), word(60) as i64);
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(StoreError::NotAStore(
                path.to_path_buf(),
                format!("it belongs to another program (application id {app_id:#x})"),
            ));
        }
        if app_id == APPLICATION_ID && version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: version, known: SCHEMA_VERSION });
        }
    }
    Ok(())
}

/// Maps SQLite's corruption codes to a clear message; leaves others alone.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(err, _) = &e {
        match err.code {
            ErrorCode::DatabaseCorrupt => return StoreError::Corrupt(path.to_path_buf(), e.to_string()),
            ErrorCode::NotADatabase => {
                return StoreError::NotAStore(path.to_path_buf(), "it is not a SQLite database".into());
            }
            ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly => {
                return StoreError::Io(path.to_path_buf(), e.to_string());
            }
            _ => {}
        }
    }
    StoreError::Sqlite(e)
}

/// The store has no logger of its own; a failed WAL switch (e.g. on a
/// filesystem without shared memory) is worth one line on stderr.
fn tracing_free_warn(msg: &str) {
    eprintln!("orderscope: warning: {msg}");
}

//! The SQLite store: one file, one connection, WAL so that one process
//! writes while others read. The schema carries an application id (so a
//! foreign SQLite file is refused) and a version in `user_version`; older
//! stores are migrated forward on open, newer ones are refused rather than
//! misread.

mod backend;
pub(super) mod inbox;
mod read;
mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{Durability, OpenMode};
use crate::store::types::{Result, StoreError};
pub use schema::SCHEMA_VERSION;

/// "OSCP" in the SQLite header's application id.
pub const APPLICATION_ID: i32 = 0x4F53_4350;
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
    pub(super) fn relax_commits(&mut self, relaxed: bool) -> Result<bool> {
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

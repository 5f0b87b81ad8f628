//! WAL checkpoints for the receiver's SQLite store, on a thread of their own.
//!
//! A checkpoint copies the WAL's pages into the database file and syncs
//! that file: tens of milliseconds once projections have touched pages all
//! over a large store. Run by the writer, every push that arrived meanwhile
//! waited for it, and those waits were the receiver's worst latencies. Here
//! it runs beside the writer on its own connection: in WAL mode a PASSIVE
//! checkpoint never takes the write lock, so inbox commits carry on while
//! it copies.
//!
//! The WAL only starts over from its beginning when a checkpoint has copied
//! every frame by the time the writer begins a transaction, which a
//! checkpoint running beside a busy writer never achieves: the file would
//! grow for as long as pushes come, and writes into new file blocks cost
//! the writer several times more than rewriting warm ones. So this thread
//! checkpoints again while the previous pass left much behind (each pass
//! copies only what was committed during the one before, so they shrink
//! fast), then reports to [`Checkpointer::ready_to_finish`]; the writer,
//! between two of its commits (if that comes soon: otherwise it asks for
//! another round), copies the few frames left itself, and its next commit
//! starts the WAL over.
//!
//! SQLite syncs the database file only on a pass that reaches the WAL's
//! end, so the pages of every pass before it wait in the page cache and
//! that one sync writes them all out: on a store that projections touch all
//! over, thousands of scattered pages, tens of milliseconds, and it was the
//! writer's finishing copy that paid them. So each pass's pages are written
//! back here, right after it, in steps of `WRITEBACK_STEP` of the file,
//! each waited for before the next: an inbox commit's flush then queues
//! behind one step's pages at most, never behind a whole pass.
//!
//! The thread runs at a lower CPU priority, so on a small machine it takes
//! the processor only when HTTP and the writer leave it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::store::Sqlite;

/// A pass that found fewer new frames than this is the last: what is left
/// is the writer's to copy, quickly.
const FEW_FRAMES: i64 = 256;
/// Passes per request at most (a writer outrunning the copies).
const MAX_PASSES: usize = 4;
/// Passes that ended longer ago than this, before the writer's latest
/// write, left too much behind for the writer to copy at once.
const FRESH: Duration = Duration::from_millis(2);
/// Nor is the writer's copy short with more frames than this left: when
/// projection steps run back to back (a backlog after a burst), the
/// frames committed during the last pass alone are thousands of pages all
/// over the file.
const MOST_LEFT: i64 = 1024;
/// How much lower than the receiver's other threads it runs (`nice`).
const NICENESS: i32 = 10;
/// How much of the database file each writeback step covers: its dirty
/// pages are the most an inbox commit's flush can find queued before it.
const WRITEBACK_STEP: u64 = 1 << 20;

/// Why the checkpoints beside the writer could not start: the receiver
/// does not start without them.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open {} for checkpoints: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("cannot open {} for checkpoints: {source}", path.display())]
    OpenFile { path: PathBuf, source: std::io::Error },
    /// Setting the connection up (its pragmas, the page size).
    #[error(transparent)]
    Setup(#[from] rusqlite::Error),
    #[error("cannot start the checkpoint thread: {0}")]
    Thread(#[source] std::io::Error),
}

pub struct Checkpointer {
    tx: SyncSender<()>,
    handle: JoinHandle<()>,
    /// When the passes for a request were over, and up to which frame of
    /// the WAL they had copied.
    done: Receiver<(Instant, i64)>,
    /// A request is out and the writer has not finished it yet.
    requested: bool,
    /// The WAL's length in frames after the writer's latest commit.
    wal_frames: Arc<AtomicI64>,
    /// The WAL file, and the bytes of one of its frames.
    wal_path: std::path::PathBuf,
    frame_bytes: u64,
}

impl Checkpointer {
    /// Opens a second connection on the store at `path`; `wal_frames` is
    /// kept up to date by the writer's connection
    /// ([`Sqlite::count_wal_frames`]).
    pub fn start(path: &Path, wal_frames: Arc<AtomicI64>) -> Result<Checkpointer, StartError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|source| StartError::Open { path: path.to_path_buf(), source })?;
        // It never writes, and never checkpoints by itself (its last close included).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let mut wal_path = path.as_os_str().to_owned();
        wal_path.push("-wal");
        // The copy is synced before the writer may start the WAL over.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // The same file again, for writing each pass's pages back.
        let file = File::open(path).map_err(|source| StartError::OpenFile { path: path.to_path_buf(), source })?;
        let (tx, rx) = sync_channel::<()>(1);
        let (done_tx, done) = sync_channel::<(Instant, i64)>(1);
        let handle = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || run(conn, file, rx, done_tx))
            .map_err(StartError::Thread)?;
        Ok(Checkpointer {
            tx,
            handle,
            done,
            requested: false,
            wal_frames,
            wal_path: wal_path.into(),
            frame_bytes: page.max(512) as u64 + 24,
        })
    }

    /// Asks for a checkpoint, unless one asked for is not finished yet.
    pub fn request(&mut self) {
        if !self.requested {
            self.requested = true;
            self.poke();
        }
    }

    /// The WAL's length in frames after the writer's latest commit (it
    /// drops when the WAL starts over).
    pub fn wal_frames(&self) -> i64 {
        self.wal_frames.load(Ordering::Relaxed)
    }

    /// How many frames the WAL file holds as it is (a WAL that starts over
    /// rewrites them in place; only frames past them need disk space).
    pub fn wal_room(&self) -> i64 {
        let bytes = std::fs::metadata(&self.wal_path).map_or(0, |m| m.len());
        (bytes.saturating_sub(32) / self.frame_bytes) as i64
    }

    /// Whether a checkpoint asked for has not been finished by the writer yet.
    pub fn busy(&self) -> bool {
        self.requested
    }

    /// Whether the passes for the request are over just now: the moment for
    /// the writer to copy the few frames left itself (and the request is
    /// done). `last_write` is when the writer's latest transaction began:
    /// passes that ended after it left that one write at most. Passes that
    /// ended a while before the latest write (pushes kept coming), or left
    /// many frames behind, left too much for that copy to be short: another
    /// round is asked for instead.
    pub fn ready_to_finish(&mut self, last_write: Instant) -> bool {
        let Ok((at, copied)) = self.done.try_recv() else {
            return false;
        };
        // A WAL shorter than the copy has started over since: all of it is left.
        let now = self.wal_frames.load(Ordering::Relaxed);
        let left = if now >= copied { now - copied } else { now };
        if left > MOST_LEFT || (at < last_write && at.elapsed() > FRESH) {
            self.poke();
            return false;
        }
        self.requested = false;
        true
    }

    fn poke(&self) {
        match self.tx.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) => {}
            Err(TrySendError::Disconnected(())) => tracing::warn!("the checkpoint thread has stopped"),
        }
    }

    /// Stops the thread once a request in progress is done.
    pub fn finish(self) {
        drop(self.tx);
        let _ = self.handle.join();
    }
}

fn run(conn: Connection, file: File, rx: Receiver<()>, done: SyncSender<(Instant, i64)>) {
    lower_priority();
    let mut last_warning: Option<Instant> = None;
    while rx.recv().is_ok() {
        let mut before = None;
        let mut copied = 0;
        for _ in 0..MAX_PASSES {
            let pass = Sqlite::passive_checkpoint(&conn).map_err(|e| e.to_string()).and_then(|frames| {
                write_back(&file).map_err(|e| format!("writing the copied pages to the disk: {e}"))?;
                Ok(frames)
            });
            match pass {
                Ok((frames, upto)) => {
                    copied = upto;
                    let new = before.map_or(i64::MAX, |b| frames - b);
                    before = Some(frames);
                    // A WAL started over meanwhile is shorter: that is few too.
                    if new < FEW_FRAMES {
                        break;
                    }
                }
                Err(e) => {
                    // I/O trouble, mostly: a line a minute at most; the
                    // writer's own checkpoint will say more if it persists.
                    if last_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                        tracing::warn!("WAL checkpoint failed: {e}");
                        last_warning = Some(Instant::now());
                    }
                    break;
                }
            }
        }
        let _ = done.try_send((Instant::now(), copied));
    }
}

/// Writes the file's dirty pages to the disk, a step at a time, and syncs
/// it. On Linux each step is one `sync_file_range` waited for; elsewhere
/// the sync alone.
fn write_back(file: &File) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let len = file.metadata()?.len();
        let flags = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        let mut offset = 0;
        while offset < len {
            // SAFETY: sync_file_range reads its integer arguments only; the
            // descriptor is open for as long as `file` is borrowed.
            let r = unsafe { libc::sync_file_range(file.as_raw_fd(), offset as i64, WRITEBACK_STEP as i64, flags) };
            if r != 0 {
                return Err(std::io::Error::last_os_error());
            }
            offset += WRITEBACK_STEP;
        }
    }
    file.sync_data()
}

fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority only read their arguments; on
        // Linux a thread id names just this thread.
        let tid = unsafe { libc::gettid() };
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICENESS) } != 0 {
            tracing::debug!("checkpoint thread keeps its priority: {}", std::io::Error::last_os_error());
        }
        // The idle I/O class: with a scheduler that honours it (mq-deadline,
        // bfq) the copy's page writes go to the disk only when the inbox's
        // are not waiting, so a commit's flush does not queue behind them.
        const IOPRIO_WHO_PROCESS: libc::c_long = 1;
        const IOPRIO_CLASS_IDLE: libc::c_long = 3;
        const IOPRIO_CLASS_SHIFT: libc::c_long = 13;
        // SAFETY: ioprio_set takes three integers and touches no memory.
        let set = unsafe {
            libc::syscall(
                libc::SYS_ioprio_set,
                IOPRIO_WHO_PROCESS,
                tid as libc::c_long,
                IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT,
            )
        };
        if set != 0 {
            tracing::debug!("checkpoint thread keeps its I/O priority: {}", std::io::Error::last_os_error());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Durability, OpenMode, Store};

    fn insert(store: &Store) {
        let conn = store.sqlite().unwrap().conn();
        conn.execute("INSERT INTO filler VALUES (zeroblob(3000))", []).unwrap();
    }

    /// The WAL's length in frames (a checkpoint that finds nothing to copy).
    fn wal_frames(store: &Store) -> i64 {
        Sqlite::passive_checkpoint(store.sqlite().unwrap().conn()).unwrap().0
    }

    /// Pages of `file` in the page cache not yet written to the disk, or
    /// not yet finished writing (`cachestat`, Linux 6.5); `None` where
    /// the kernel cannot tell.
    #[cfg(target_os = "linux")]
    fn unwritten_pages(file: &File) -> Option<u64> {
        use std::os::fd::AsRawFd;
        #[repr(C)]
        struct Range {
            off: u64,
            len: u64,
        }
        #[repr(C)]
        #[derive(Default)]
        struct Stat {
            cache: u64,
            dirty: u64,
            writeback: u64,
            evicted: u64,
            recently_evicted: u64,
        }
        const SYS_CACHESTAT: libc::c_long = 451;
        let range = Range { off: 0, len: 0 };
        let mut stat = Stat::default();
        // SAFETY: both pointers are to live structs of the layout the
        // kernel expects; it writes only into `stat`.
        let r = unsafe { libc::syscall(SYS_CACHESTAT, file.as_raw_fd(), &range, &mut stat, 0) };
        (r == 0).then_some(stat.dirty + stat.writeback)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pass_leaves_no_page_of_the_file_unwritten() {
        use std::os::unix::fs::FileExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writing = File::create(&path).unwrap();
        writing.write_all_at(&vec![0u8; 8 << 20], 0).unwrap();
        writing.sync_all().unwrap();
        // Scattered pages, as a checkpoint's copy leaves them.
        for k in 0..300u64 {
            writing.write_all_at(&[7u8; 4096], (k * 7919 % 2048) * 4096).unwrap();
        }
        let file = File::open(&path).unwrap();
        let Some(before) = unwritten_pages(&file) else {
            eprintln!("this kernel cannot count a file's dirty pages (cachestat): nothing to check");
            return;
        };
        assert!(before > 0, "the test's own writes are on the disk already");
        write_back(&file).unwrap();
        assert_eq!(unwritten_pages(&file), Some(0));
    }

    /// A store as the receiver's writer has it, with a table to fill.
    fn receiver_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_with(&dir.path().join("s.db"), OpenMode::Create, Durability::Normal).unwrap();
        store.inbox_mut().prepare_receiver().unwrap();
        store.sqlite().unwrap().conn().execute("CREATE TABLE filler (x BLOB)", []).unwrap();
        (dir, store)
    }

    #[test]
    fn a_round_that_left_many_frames_behind_is_not_finished_but_asked_again() {
        let (dir, store) = receiver_store();
        let path = dir.path().join("s.db");
        for _ in 0..100 {
            insert(&store);
        }
        let frames = Arc::new(AtomicI64::new(0));
        let mut checkpointer = Checkpointer::start(&path, frames.clone()).unwrap();
        // The writer's latest write was before the request: only the
        // frames left decide.
        let last_write = Instant::now();
        checkpointer.request();
        // The writer says the WAL is far longer than what was copied.
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            frames.store(wal_frames(&store) + MOST_LEFT + 1, Ordering::Relaxed);
            assert!(!checkpointer.ready_to_finish(last_write), "finished with too much left");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(checkpointer.busy());
        // Another round came without another request, and with little left it is finished.
        let deadline = Instant::now() + Duration::from_secs(10);
        frames.store(wal_frames(&store), Ordering::Relaxed);
        while !checkpointer.ready_to_finish(last_write) {
            assert!(Instant::now() < deadline, "no round after the one refused");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!checkpointer.busy());
        checkpointer.finish();
    }

    #[test]
    fn the_wal_starts_over_while_the_writer_keeps_committing() {
        let (dir, mut store) = receiver_store();
        let path = dir.path().join("s.db");
        let frames = store.sqlite_mut().unwrap().count_wal_frames().unwrap();
        let mut checkpointer = Checkpointer::start(&path, frames).unwrap();
        for round in 0..8 {
            checkpointer.request();
            // As the receiver's writer does: it never waits for the copy,
            // committing all along, and finishes the checkpoint once told
            // the copy has caught up.
            let mut during = 0;
            while !checkpointer.ready_to_finish(Instant::now()) {
                insert(&store);
                during += 1;
                assert!(during < 1_000_000, "the checkpoint never caught up");
            }
            store.inbox_mut().checkpoint().unwrap();
            insert(&store);
            // One row is a few frames: the WAL started over from its beginning.
            let frames = wal_frames(&store);
            assert!(frames < 16, "round {round}: {during} rows committed during the copy, WAL at {frames} frames");
            for _ in 0..300 {
                insert(&store);
            }
        }
        checkpointer.finish();
    }
}

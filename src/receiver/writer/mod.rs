//! The receiver's one writer: a thread that owns the store connection.
//!
//! Its first duty is the inbox. Pushes waiting for the disk are appended in
//! one `synchronous=FULL` transaction (group commit: one fsync per group),
//! and each request is answered as soon as its group is committed. Its
//! second is projection: turning inbox rows into messages and order
//! summaries (what every read sees) in transactions that also move the
//! projector's cursor, so a restart resumes exactly where the last committed
//! projection stopped. The two share the writer's time: projection runs
//! whenever no push has arrived for a moment, and under load that never
//! pauses, once the oldest row not yet readable has waited `MAX_LAG`, it
//! takes a share after every inbox commit: twice the rows just appended and
//! a chunk more, so the backlog shrinks while pushes keep coming and a push
//! is readable a fraction of a second after its `success`.
//!
//! The cursor is the store's, not the writer's: on a store shared by
//! several hosts any of them projects whatever follows it, under the
//! writers' lock. Every second the writer also looks at the shared inbox, so
//! rows that a host appended and did not live to project are projected by
//! the survivors within about a second, with no new traffic: no host holds a
//! claim that has to expire first. What follows a projection (forwarding, snapshot fetches, the log
//! line of a repeated push) is handed back to the async side. On SQLite, WAL
//! checkpoints run beside the writer on a thread of their own
//! ([`Checkpointer`]); the writer only finishes each one, between two of its
//! commits.
//!
//! A projection that fails is retried: first row by row, a row that fails
//! on its own is kept in quarantine with the error (its inbox row is never
//! touched), and when even that cannot be written (a full disk) projection
//! pauses with backoff while the inbox keeps taking pushes.
//!
//! Space freed on a full disk goes to the checkpoint and the projection
//! before the inbox: while the disk is short, every inbox commit is
//! preceded (at most every `SPACE_LOOK`) by the writer's own checkpoint
//! and a projection step. A checkpoint needs room in the database file for
//! only the latest version of each page in the WAL (much less than the
//! WAL), and once it has copied them all the WAL starts over and is
//! rewritten in place, needing no new space at all. Left to the inbox, the
//! freed space went to WAL growth, filled again, and nothing but the inbox
//! ever moved. The WAL is also kept short at a low rate of pushes, when
//! `CHECKPOINT_EVERY` rows take many small transactions (each of several
//! pages): a checkpoint is asked for at `CHECKPOINT_FRAMES` frames too,
//! and for `TIGHT` after the disk was full, before the WAL outgrows the
//! file it has, so that what space there is goes to the data.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::checkpointer::Checkpointer;
use super::journal::{Count, Journal};
use super::latency::Histogram;
use crate::store::{self, Store};
use crate::store::{Arrival, Projected};

mod project;
mod space;

/// At most this many pushes share one inbox transaction.
const MAX_GROUP: usize = 1024;
/// Rows projected per transaction: short enough that a push arriving during
/// a projection waits little for its own commit.
const PROJECT_CHUNK: usize = 64;
/// Rows projected per transaction while catching up under load: fewer,
/// larger transactions (each takes the lock and, on PostgreSQL, a round
/// trip), still short enough that the pushes waiting meanwhile wait little.
const CATCH_UP_CHUNK: usize = 256;
/// Projection runs at once when no push has arrived for this long.
const QUIET: Duration = Duration::from_micros(200);
/// Under load that never pauses, projection takes its share after every
/// inbox commit once its oldest row has waited this long: a user sees a
/// push about this soon after its `success`, and the wait lets each share
/// project many rows per transaction.
const MAX_LAG: Duration = Duration::from_millis(100);
/// How often the writer looks for rows other hosts appended to a shared
/// inbox and did not project (a host that died under load).
const SHARED_LOOK: Duration = Duration::from_secs(1);
/// Rows appended or projected between WAL checkpoints (run beside the
/// writer, see [`Checkpointer`]): often enough that each copies little.
const CHECKPOINT_EVERY: u64 = 4096;
/// Nor more WAL frames than this (16 MiB of 4 KiB pages) between them: a
/// push at a time is a few transactions of several pages each.
const CHECKPOINT_FRAMES: i64 = 4096;
/// How long after a write failed for want of space the WAL is kept within
/// its file (checkpointed at three quarters of it).
const TIGHT: Duration = Duration::from_secs(600);
/// While the disk is full, how often an inbox commit is preceded by a
/// checkpoint and a projection step, to see whether space was freed.
const SPACE_LOOK: Duration = Duration::from_millis(20);
/// How often the writer looks whether a checkpoint beside it has finished.
const CHECKPOINT_POLL: Duration = Duration::from_millis(1);
/// An inbox commit slower than this is logged.
const SLOW_COMMIT: Duration = Duration::from_millis(50);
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_secs(30);
/// Duplicate keys of late pushes this writer appended, remembered until
/// they are projected (a replayed burst is caught before then too); past
/// this many the set starts over.
const LATE_KEYS: usize = 4096;

/// A push as it arrived, owned, with its duplicate key.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub received_at: i64,
    /// Signed longer ago than the platform's retries last
    /// ([`super::REPLAY_AFTER`]): appended only when its key is new.
    pub stale: bool,
    pub query: String,
    pub content_type: Option<String>,
    pub envelope: Vec<u8>,
    pub plaintext: Option<Vec<u8>>,
    pub problem: Option<String>,
    pub dup_key: String,
}

impl Incoming {
    pub fn arrival(&self) -> Arrival<'_> {
        Arrival {
            received_at: self.received_at,
            query: &self.query,
            content_type: self.content_type.as_deref(),
            envelope: &self.envelope,
            plaintext: self.plaintext.as_deref(),
            problem: self.problem.as_deref(),
        }
    }
}

/// Where a push went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Appended to the inbox with this id, committed.
    Inbox(i64),
    /// A stale push whose duplicate key is already stored: a replay, not
    /// appended.
    Replay,
}

/// Why the writer could not start, or could not close its period at the stop.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Checkpoints(#[from] super::checkpointer::StartError),
    #[error("the store writer panicked")]
    Panicked,
}

pub enum Job {
    /// Answered once committed (or found to be a replay). A failed commit
    /// answers every push of its group with the one error, hence the `Arc`.
    Push {
        push: Box<Incoming>,
        reply: oneshot::Sender<Result<Stored, Arc<store::StoreError>>>,
    },
    /// A version of an order fetched because a push about it arrived.
    Snapshot {
        order: Box<crate::model::Order>,
        fetched_at: i64,
    },
    Heartbeat {
        now: i64,
    },
}

/// What happened to one inbox row once projected, for the async side.
#[derive(Debug, Clone)]
pub struct AfterProjection {
    pub projected: Projected,
    pub query: String,
    pub content_type: Option<String>,
    pub envelope: Vec<u8>,
}

/// The writer's stages, timed.
#[derive(Default)]
struct Stages {
    commits: Histogram,
    projections: Histogram,
    checkpoints: Histogram,
}

pub struct Writer {
    pub tx: SyncSender<Job>,
    handle: JoinHandle<Result<(), WriterError>>,
}

impl Writer {
    /// Starts the writer on an open store; `period` is this run's receiver
    /// period; projected rows are reported on `after` when given.
    pub fn start(
        store: Store,
        period: i64,
        queue: usize,
        after: Option<mpsc::Sender<AfterProjection>>,
        journal: Arc<Journal>,
    ) -> Writer {
        let (tx, rx) = sync_channel::<Job>(queue);
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || Loop::new(store, period, after, journal).and_then(|l| l.run(rx)))
            .expect("spawning the writer thread");
        Writer { tx, handle }
    }

    /// Waits until every queued push is committed and projected and the period is closed.
    pub fn finish(self) -> Result<(), WriterError> {
        drop(self.tx);
        self.handle.join().map_err(|_| WriterError::Panicked)?
    }
}

struct Loop {
    store: Store,
    period: i64,
    after: Option<mpsc::Sender<AfterProjection>>,
    /// The last inbox id projected, and the last appended.
    cursor: i64,
    appended: i64,
    /// Snapshots and heartbeats, written with the next projection.
    side: Vec<Job>,
    /// While projection fails: when to try again, and the next pause.
    retry_at: Option<Instant>,
    pause: crate::backoff::Backoff,
    /// When the oldest row not yet projected was appended (roughly).
    behind_since: Option<Instant>,
    /// This writer's committed groups not yet projected: the last inbox id
    /// of each and when it was committed, oldest first (how long the oldest
    /// unprojected row has waited).
    groups: std::collections::VecDeque<(i64, Instant)>,
    /// When the shared inbox was last looked at.
    looked: Instant,
    since_checkpoint: u64,
    /// When the latest inbox commit or projection step began.
    last_write: Instant,
    /// Slow inbox commits not yet logged, and when the last line was.
    slow: (u64, Option<Instant>),
    stats: (u64, u64),
    /// SQLite only: copies the WAL into the file beside the writer.
    checkpointer: Option<Checkpointer>,
    /// How long each inbox commit, projection step and checkpoint of the
    /// writer's own took: logged at the stop.
    stages: Stages,
    journal: Arc<Journal>,
    /// Keys of stale pushes appended, see [`LATE_KEYS`].
    late_keys: HashSet<String>,
    /// Since when a write failed for want of disk space, and when the
    /// writer last looked whether space is back (see the module's notes).
    short_of_space: Option<Instant>,
    space_looked: Instant,
    /// Until when the WAL is kept within its file, see [`TIGHT`].
    tight_until: Option<Instant>,
}

impl Loop {
    fn new(
        store: Store,
        period: i64,
        after: Option<mpsc::Sender<AfterProjection>>,
        journal: Arc<Journal>,
    ) -> Result<Loop, WriterError> {
        let mut store = store;
        // No checkpoint inside a commit: they run beside the writer (SQLite).
        store.inbox_mut().prepare_receiver()?;
        let (cursor, appended) = store.inbox().inbox_state()?;
        let checkpointer = match store.sqlite_mut() {
            Some(s) => {
                let frames = s.count_wal_frames()?;
                Some(Checkpointer::start(s.path(), frames)?)
            }
            None => None,
        };
        if appended > cursor {
            tracing::info!("projecting {} pushes stored before the last stop", appended - cursor);
        }
        Ok(Loop {
            store,
            period,
            after,
            cursor,
            appended,
            side: Vec::new(),
            retry_at: None,
            pause: crate::backoff::Backoff::new(FIRST_RETRY, LAST_RETRY),
            behind_since: (appended > cursor).then(Instant::now),
            groups: std::collections::VecDeque::new(),
            looked: Instant::now(),
            since_checkpoint: 0,
            last_write: Instant::now(),
            slow: (0, None),
            stats: (0, 0),
            checkpointer,
            stages: Stages::default(),
            journal,
            late_keys: HashSet::new(),
            short_of_space: None,
            space_looked: Instant::now(),
            tight_until: None,
        })
    }

    fn run(mut self, rx: Receiver<Job>) -> Result<(), WriterError> {
        let mut group = Vec::with_capacity(MAX_GROUP);
        loop {
            let work = self.appended > self.cursor || !self.side.is_empty();
            let next = match (work, self.retry_at) {
                // Waiting only for the copy beside: a millisecond between looks is plenty.
                (false, None) if self.checkpointer.as_ref().is_some_and(Checkpointer::busy) => {
                    rx.recv_timeout(CHECKPOINT_POLL)
                }
                (false, _) => rx.recv_timeout(SHARED_LOOK.saturating_sub(self.looked.elapsed())),
                (true, None) => rx.recv_timeout(QUIET),
                (true, Some(at)) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            match next {
                Ok(first) => {
                    group.push(first);
                    while group.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    if self.short_of_space.is_some() {
                        self.look_for_space();
                    }
                    let pushes = self.commit_inbox(&mut group);
                    // Under load that never pauses no quiet moment comes,
                    // and a WAL that never starts over grows into new file
                    // blocks the whole time (slower to write than warm
                    // ones): right after a commit the copy left is short too.
                    self.finish_checkpoint();
                    if self.behind_since.is_some_and(|t| t.elapsed() >= MAX_LAG) {
                        self.project_share(2 * pushes + PROJECT_CHUNK);
                        // The share's commits are writes too: a checkpoint
                        // pass that ended during them is finished now, or
                        // it would always look stale by the next commit.
                        self.finish_checkpoint();
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let due = self.retry_at.is_none_or(|at| Instant::now() >= at);
                    if self.short_of_space.is_some() && due {
                        self.look_for_space();
                    } else if self.appended > self.cursor || !self.side.is_empty() {
                        self.project_due();
                    }
                    self.finish_checkpoint();
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.looked.elapsed() >= SHARED_LOOK {
                self.look_at_shared_inbox();
            }
        }
        // Every sender is gone: the server has stopped. Project what is left
        // (unless projection is failing: the inbox keeps it for the next start).
        self.retry_at = None;
        while self.appended > self.cursor || !self.side.is_empty() {
            if !self.project_once(CATCH_UP_CHUNK) {
                tracing::error!("stopping with {} pushes stored but not projected", self.appended - self.cursor);
                break;
            }
        }
        tracing::info!("committed {} pushes in {} inbox transactions", self.stats.0, self.stats.1);
        tracing::info!("inbox commits: {}", self.stages.commits.summary());
        tracing::info!("projection steps: {}", self.stages.projections.summary());
        tracing::info!("the writer's own checkpoints: {}", self.stages.checkpoints.summary());
        if let Some(c) = self.checkpointer.take() {
            c.finish();
        }
        let store = &mut self.store;
        store.write(|c| c.stop_period(self.period, crate::timefmt::now()))?;
        Ok(())
    }

    /// Appends the group's pushes in one durable transaction and answers
    /// them; returns how many were appended.
    fn commit_inbox(&mut self, group: &mut Vec<Job>) -> usize {
        let mut ids: Vec<i64> = Vec::with_capacity(group.len());
        let replays = self.replays(group);
        let started = Instant::now();
        self.last_write = started;
        let arrivals: Vec<(Arrival, &str)> = group
            .iter()
            .filter_map(|job| match job {
                Job::Push { push, .. } if !(push.stale && replays.contains(&push.dup_key)) => {
                    Some((push.arrival(), push.dup_key.as_str()))
                }
                _ => None,
            })
            .collect();
        let outcome = self.store.inbox_mut().append_inbox_group(&arrivals).map(|appended| ids = appended);
        if outcome.as_ref().is_err_and(store::StoreError::is_disk_full) {
            self.out_of_space();
        }
        drop(arrivals);
        let took = started.elapsed();
        self.stages.commits.record(took);
        if took >= SLOW_COMMIT {
            // Every answer in the group waited this long: worth a line (at
            // most one every 10 s), the disk is the usual cause.
            self.slow.0 += 1;
            if self.slow.1.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                let more = std::mem::take(&mut self.slow.0).saturating_sub(1);
                tracing::warn!(
                    pushes = ids.len(),
                    "slow inbox commit: {} ms ({more} more since the last line)",
                    took.as_millis()
                );
                self.slow.1 = Some(Instant::now());
            }
        }
        let failure = outcome.err().map(|e| Arc::new(self.store.explain(e)));
        let committed = ids.len() as u64;
        let mut ids = ids.into_iter();
        for job in group.drain(..) {
            match job {
                Job::Push { push, reply } if push.stale && replays.contains(&push.dup_key) => {
                    let _ = reply.send(Ok(Stored::Replay));
                }
                Job::Push { push, reply } => {
                    let result = match &failure {
                        Some(e) => Err(e.clone()),
                        None => Ok(ids.next().unwrap_or_default()),
                    };
                    if let Ok(id) = result {
                        self.appended = self.appended.max(id);
                        self.behind_since.get_or_insert_with(Instant::now);
                        self.stats.0 += 1;
                        if push.stale {
                            if self.late_keys.len() >= LATE_KEYS {
                                self.late_keys.clear();
                            }
                            self.late_keys.insert(push.dup_key);
                        }
                    }
                    let _ = reply.send(result.map(Stored::Inbox));
                }
                side => self.side.push(side),
            }
        }
        self.stats.1 += 1;
        if failure.is_none() && committed > 0 {
            self.groups.push_back((self.appended, started));
            self.wrote(committed);
        }
        committed as usize
    }

    /// The duplicate keys of the group's stale pushes that are stored
    /// already (projected, or appended by this writer): replays. Only stale
    /// pushes are looked up, so the pushes of a live shop cost nothing
    /// more; when the store cannot say, the push is appended (and counted
    /// as a redelivery when projected): nothing is refused on a guess.
    fn replays(&mut self, group: &[Job]) -> HashSet<String> {
        let stale: Vec<&str> = group
            .iter()
            .filter_map(|job| match job {
                Job::Push { push, .. } if push.stale => Some(push.dup_key.as_str()),
                _ => None,
            })
            .collect();
        if stale.is_empty() {
            return HashSet::new();
        }
        let mut found: HashSet<String> =
            stale.iter().filter(|k| self.late_keys.contains(**k)).map(|k| k.to_string()).collect();
        let unknown: Vec<&str> = stale.into_iter().filter(|k| !found.contains(*k)).collect();
        if unknown.is_empty() {
            return found;
        }
        match self.store.inbox().stored_dup_keys(&unknown) {
            Ok(stored) => found.extend(stored),
            Err(e) => {
                let e = self.store.explain(e);
                self.journal.warn("replay lookup", None, || format!("cannot look up late pushes ({e}); storing them"));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Durability, OpenMode};

    fn push(i: usize) -> (Job, oneshot::Receiver<Result<Stored, Arc<store::StoreError>>>) {
        let (reply, answer) = oneshot::channel();
        let push = Incoming {
            received_at: 1_760_000_000,
            stale: false,
            query: format!("timestamp={i}"),
            content_type: Some("application/json".into()),
            envelope: vec![b'x'; 1000],
            plaintext: None,
            problem: Some("a test row".into()),
            dup_key: format!("test|{i}"),
        };
        (Job::Push { push: Box::new(push), reply }, answer)
    }

    #[test]
    fn under_load_that_never_pauses_the_wal_still_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open_with(&path, OpenMode::Create, Durability::Normal).unwrap();
        let period = store.write(|c| c.add_receiver_period(1, 1, None, None)).unwrap();
        let writer = Writer::start(store, period, 1024, None, Default::default());
        // A few pushes every 100 µs: never the quiet moment the writer
        // waits for (200 µs without a push), and still processor time to
        // spare for the checkpoints beside it (they run at a lower
        // priority). Pushes go on until the WAL has started over, or until
        // far more than one checkpoint's worth of rows have been committed.
        const MOST: usize = 200_000;
        let wal = dir.path().join("s.db-wal");
        let mut first = None;
        let mut sent = 0;
        let mut last = None;
        while sent < MOST {
            for _ in 0..8 {
                let (job, answer) = push(sent);
                writer.tx.send(job).unwrap();
                last = Some(answer);
                sent += 1;
            }
            std::thread::sleep(Duration::from_micros(100));
            if sent % 1024 == 0 {
                let now = wal_restarts(&wal);
                if first.is_none() {
                    first = now;
                } else if now != first {
                    break;
                }
            }
        }
        assert_eq!(last.unwrap().blocking_recv().unwrap().unwrap(), Stored::Inbox(sent as i64));
        let grown = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        writer.finish().unwrap();
        assert!(sent < MOST, "{sent} pushes and the WAL never started over ({} MB)", grown >> 20);
    }

    /// How many times the WAL has started over: its header's checkpoint
    /// sequence number, which each restart moves on.
    fn wal_restarts(wal: &std::path::Path) -> Option<u32> {
        use std::os::unix::fs::FileExt;
        let mut field = [0u8; 4];
        std::fs::File::open(wal).ok()?.read_exact_at(&mut field, 12).ok()?;
        Some(u32::from_be_bytes(field))
    }
}

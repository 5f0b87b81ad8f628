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
//! pauses, once the oldest row not yet readable has waited [`MAX_LAG`], it
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
//! preceded (at most every [`SPACE_LOOK`]) by the writer's own checkpoint
//! and a projection step. A checkpoint needs room in the database file for
//! only the latest version of each page in the WAL (much less than the
//! WAL), and once it has copied them all the WAL starts over and is
//! rewritten in place, needing no new space at all. Left to the inbox, the
//! freed space went to WAL growth, filled again, and nothing but the inbox
//! ever moved. The WAL is also kept short at a low rate of pushes, when
//! [`CHECKPOINT_EVERY`] rows take many small transactions (each of several
//! pages): a checkpoint is asked for at [`CHECKPOINT_FRAMES`] frames too,
//! and for [`TIGHT`] after the disk was full, before the WAL outgrows the
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
use crate::store::inbox::{Arrival, Projected};
use crate::store::{self, Store};

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

pub enum Job {
    /// Answered once committed (or found to be a replay).
    Push {
        push: Box<Incoming>,
        reply: oneshot::Sender<Result<Stored, String>>,
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
    handle: JoinHandle<Result<(), String>>,
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
    pub fn finish(self) -> Result<(), String> {
        drop(self.tx);
        self.handle.join().map_err(|_| "the store writer panicked".to_string())?
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
    ) -> Result<Loop, String> {
        let err = |e: store::StoreError| e.to_string();
        let mut store = store;
        // No checkpoint inside a commit: they run beside the writer (SQLite).
        store.prepare_receiver().map_err(err)?;
        let (cursor, appended) = store.inbox_state().map_err(err)?;
        let checkpointer = match store.sqlite_mut() {
            Some(s) => {
                let frames = s.count_wal_frames().map_err(err)?;
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

    fn run(mut self, rx: Receiver<Job>) -> Result<(), String> {
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
        store.write(|c| c.stop_period(self.period, crate::timefmt::now())).map_err(|e| e.to_string())
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
        let outcome = self.store.append_inbox_group(&arrivals).map(|appended| ids = appended);
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
        let failure = outcome.err().map(|e| self.store.explain(e).to_string());
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
        match self.store.stored_dup_keys(&unknown) {
            Ok(stored) => found.extend(stored),
            Err(e) => {
                let e = self.store.explain(e).to_string();
                self.journal.warn("replay lookup", None, || format!("cannot look up late pushes ({e}); storing them"));
            }
        }
        found
    }

    /// Rows appended to a shared inbox by other hosts (alive or not) that
    /// nobody has projected: this writer projects them too.
    fn look_at_shared_inbox(&mut self) {
        self.looked = Instant::now();
        match self.store.inbox_state() {
            Ok((cursor, last)) => {
                self.cursor = self.cursor.max(cursor);
                if last > self.appended.max(self.cursor) {
                    self.appended = last;
                    self.behind_since.get_or_insert_with(Instant::now);
                }
                self.note_progress();
            }
            Err(e) => {
                let e = self.store.explain(e).to_string();
                self.journal.warn("shared inbox", None, || format!("cannot look at the shared inbox: {e}"));
            }
        }
    }

    /// Under load: projects up to `rows` rows in a few larger transactions,
    /// stopping early when caught up or when a step fails.
    fn project_share(&mut self, rows: usize) {
        let mut left = rows;
        while left > 0 && (self.appended > self.cursor || !self.side.is_empty()) {
            if self.retry_at.is_some_and(|at| Instant::now() < at) {
                return;
            }
            let before = self.cursor;
            if !self.project_once(left.min(CATCH_UP_CHUNK)) {
                return;
            }
            let done = (self.cursor - before).max(0) as usize;
            if done == 0 {
                return;
            }
            left = left.saturating_sub(done);
        }
    }

    /// After the cursor moved: forgets the groups projected and says how
    /// long the oldest row left has waited.
    fn note_progress(&mut self) {
        while self.groups.front().is_some_and(|(last, _)| *last <= self.cursor) {
            self.groups.pop_front();
        }
        self.appended = self.appended.max(self.cursor);
        self.behind_since = if self.appended > self.cursor {
            // The oldest of this writer's own rows left; rows only another
            // host appended keep the time they were first seen.
            self.groups.front().map(|(_, at)| *at).or(self.behind_since)
        } else {
            self.groups.clear();
            None
        };
    }

    /// Counts rows written to the WAL and asks for a checkpoint every
    /// [`CHECKPOINT_EVERY`], so each one copies little.
    fn wrote(&mut self, rows: u64) {
        self.since_checkpoint += rows;
        let tight = self.tight_until.is_some_and(|t| Instant::now() < t);
        if let Some(c) = &mut self.checkpointer
            && !c.busy()
            && (self.since_checkpoint >= CHECKPOINT_EVERY || c.wal_frames() >= frame_limit(c, tight))
        {
            self.since_checkpoint = 0;
            c.request();
        }
    }

    /// After a checkpoint beside the writer, copies what was committed while
    /// it ran (little: see [`Checkpointer::ready_to_finish`]), so the next
    /// commit can start the WAL over. Called between two commits.
    fn finish_checkpoint(&mut self) {
        let last_write = self.last_write;
        if !self.checkpointer.as_mut().is_some_and(|c| c.ready_to_finish(last_write)) {
            return;
        }
        let started = Instant::now();
        let result = self.store.checkpoint();
        self.stages.checkpoints.record(started.elapsed());
        if let Err(e) = result {
            self.journal.warn("checkpoint", None, || format!("checkpoint failed: {e}"));
        }
    }

    /// A write failed for want of disk space.
    fn out_of_space(&mut self) {
        self.short_of_space.get_or_insert_with(Instant::now);
        self.tight_until = Some(Instant::now() + TIGHT);
    }

    /// While the disk is full: before the inbox takes any space that was
    /// freed, the writer's own checkpoint (room in the database file for
    /// what the WAL holds, after which the WAL is rewritten in place) and a
    /// projection step, whatever the backoff says. Done when both work.
    fn look_for_space(&mut self) {
        if self.space_looked.elapsed() < SPACE_LOOK {
            return;
        }
        self.space_looked = Instant::now();
        if let Err(e) = self.store.checkpoint() {
            // Looked at again after the backoff when no push comes first.
            self.pause_projection(&self.store.explain(e).to_string());
            return;
        }
        if self.appended > self.cursor || !self.side.is_empty() {
            self.retry_at = None;
            if !self.project_once(PROJECT_CHUNK) {
                return;
            }
        }
        if let Some(since) = self.short_of_space.take() {
            let short = since.elapsed().as_secs_f64();
            tracing::info!("the disk has room again after {short:.1} s: checkpointed, projecting as before");
        }
    }

    /// Projects one chunk unless a failed projection is waiting for its retry time.
    fn project_due(&mut self) {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return;
        }
        self.project_once(PROJECT_CHUNK);
    }

    /// One projection step of up to `limit` rows; false when it failed and
    /// projection is paused.
    fn project_once(&mut self, limit: usize) -> bool {
        let side = std::mem::take(&mut self.side);
        let t0 = Instant::now();
        let result = self.write_projection(limit, None, &side);
        self.stages.projections.record(t0.elapsed());
        match result {
            Ok(()) => {
                self.retry_at = None;
                self.pause.reset();
                true
            }
            Err(e) => {
                let cursor = self.cursor;
                self.journal.error("projection failed", None, || {
                    format!("projecting inbox rows after {cursor} failed: {e}; retrying them one by one")
                });
                // Snapshots and heartbeats are best effort: logged, not retried.
                for job in side {
                    if let Err(e) = self.store.write(|c| write_side(c, self.period, &job)) {
                        self.journal.warn("side write", None, || format!("not recorded: {e}"));
                    }
                }
                self.project_singly()
            }
        }
    }

    /// After a failed chunk: each row alone, then alone in quarantine.
    fn project_singly(&mut self) -> bool {
        let rows = match self.store.inbox_after(self.cursor, PROJECT_CHUNK) {
            Ok(rows) => rows,
            Err(e) => return self.pause_projection(&e.to_string()),
        };
        for row in rows {
            if let Err(e) = self.write_projection(1, None, &[]) {
                // Wanting space is no fault of the row's: it waits for space.
                if self.short_of_space.is_some() {
                    return self.pause_projection(&e);
                }
                let reason = format!("projection failed: {e}");
                match self.write_projection(1, Some(&reason), &[]) {
                    Ok(()) => self.journal.warn("projection quarantine", None, || {
                        format!("push kept in quarantine (inbox row {}): {reason}", row.id)
                    }),
                    Err(e) => return self.pause_projection(&e),
                }
            }
        }
        self.retry_at = None;
        self.pause.reset();
        true
    }

    fn pause_projection(&mut self, error: &str) -> bool {
        let (safe, pause) = (self.appended - self.cursor, self.pause.pause());
        self.journal.error("projection paused", None, || {
            format!("cannot project ({error}); {safe} pushes are safe in the inbox, retrying in {pause:?}")
        });
        self.retry_at = Some(Instant::now() + pause);
        false
    }

    /// Projects up to `limit` rows after the cursor (and writes `side`) in one transaction.
    fn write_projection(&mut self, limit: usize, quarantine: Option<&str>, side: &[Job]) -> Result<(), String> {
        let period = self.period;
        self.last_write = Instant::now();
        // Committed without waiting for the disk: the next inbox commit's
        // fsync carries these pages too (a few more to write, no second
        // flush), and a crash before it loses the step whole, cursor
        // included, to be projected again. The cursor is the stored one: on
        // a shared store another host's projector may have moved it.
        let result = self.store.write_derived(|c| {
            let projected = c.project_inbox(limit, quarantine)?;
            for job in side {
                write_side(c, period, job)?;
            }
            Ok(projected)
        });
        if result.as_ref().is_err_and(store::StoreError::is_disk_full) {
            self.out_of_space();
        }
        let (rows, projected, cursor) = result.map_err(|e| self.store.explain(e).to_string())?;
        self.cursor = cursor;
        self.note_progress();
        self.wrote(rows.len() as u64);
        for (row, p) in rows.into_iter().zip(projected) {
            if let store::MessageInsert::Duplicate(id) = p.outcome {
                self.journal.count(Count::Redelivered);
                tracing::debug!(message = id, inbox = row.id, "repeated push counted");
            } else if p.quarantined {
                self.journal.count(Count::Quarantined);
            }
            // Projected: from now on the store finds it. (Nothing to hash
            // for the pushes of a live shop, which are never late.)
            if !self.late_keys.is_empty() {
                self.late_keys.remove(&row.dup_key);
            }
            if let Some(after) = &self.after {
                let item = AfterProjection {
                    projected: p,
                    query: row.query,
                    content_type: row.content_type,
                    envelope: row.envelope,
                };
                if after.try_send(item).is_err() {
                    self.journal
                        .error("after projection", None, || "busy: a stored push was not forwarded or fetched".into());
                }
            }
        }
        Ok(())
    }
}

/// The WAL frames at which a checkpoint is asked for: [`CHECKPOINT_FRAMES`],
/// or when space is tight three quarters of what the WAL file already holds.
fn frame_limit(c: &Checkpointer, tight: bool) -> i64 {
    if tight { (c.wal_room() * 3 / 4).clamp(64, CHECKPOINT_FRAMES) } else { CHECKPOINT_FRAMES }
}

fn write_side(c: &mut dyn store::Tx, period: i64, job: &Job) -> store::Result<()> {
    match job {
        Job::Heartbeat { now } => c.heartbeat(period, *now),
        Job::Snapshot { order, fetched_at } => {
            c.add_snapshot(order, *fetched_at, crate::model::Origin::PushReread).map(|_| ())
        }
        Job::Push { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Durability, OpenMode};

    fn push(i: usize) -> (Job, oneshot::Receiver<Result<Stored, String>>) {
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
        assert_eq!(last.unwrap().blocking_recv().unwrap(), Ok(Stored::Inbox(sent as i64)));
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

//! The runner carries out the effects `update` asks for, at the edge: store
//! reads and writes on a thread of their own (never on the task that reads
//! keys and draws), shop API calls as tasks with an abort handle per
//! generation, timers, and the clipboard. Every answer comes back as a `Msg`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::detail;
use super::update::{Destination, Effect, Exported, Msg, Purpose, ReportError, StoreUnreadable};
use crate::model::Origin;
use crate::model::{Lang, Order};
use crate::store::feed::Feed;
use crate::store::{Durability, OpenMode, Store, StoreError};
use crate::timefmt;

/// How often the change feed looks at the store when nothing else happens:
/// well within the second in which a new push must appear.
pub const FEED_INTERVAL: Duration = Duration::from_millis(250);
/// The list's first rows, read before the rest so the first frame does not
/// wait for a long list.
pub const FIRST_ROWS: i64 = 200;
/// Orders fetched at once during a list refresh.
const LIST_CONCURRENCY: usize = 4;

/// The shop API as the inspector uses it.
pub struct LiveClient {
    pub client: Arc<crate::api::Client>,
    /// How far back a list refresh looks.
    pub recent_days: i64,
}

/// Work for the store thread.
#[derive(Debug)]
pub enum StoreJob {
    LoadList,
    LoadPushes {
        since: i64,
    },
    LoadDetail {
        order_id: String,
    },
    LoadComparison {
        a: String,
        b: String,
        now: i64,
    },
    StoreVersion {
        order: Box<Order>,
        source: Origin,
        purpose: Option<Purpose>,
    },
    LoadExpiring {
        now: i64,
        within: i64,
    },
    /// A report for the clipboard, or for a new file in `dir`.
    Report {
        order_id: String,
        other: Option<String>,
        to: Destination,
        now: i64,
        dir: PathBuf,
    },
}

/// What the store side keeps between jobs: the change feed's cursors and
/// the whole order list, into which it merges changes before sending them.
#[derive(Default)]
pub struct StoreSide {
    feed: Option<Feed>,
    /// The list was asked for: a feed that could not start (the database
    /// was down) is started again, with the list, once it is back.
    list_asked: bool,
    list: Option<super::state::Rows>,
    /// The receivers' state last sent, and when it was read.
    receiver: Option<(crate::store::ReceiverStatus, Instant)>,
}

/// How often the receivers' state and the backlog are read again: the
/// header's "last push N s ago" moves by the second.
const RECEIVER_LOOK: Duration = Duration::from_secs(1);

impl StoreSide {
    /// Reads the receivers' state and the backlog when due, and sends them
    /// when they changed. A failed read says nothing: the feed reports the
    /// store's problems.
    fn look_at_receiver(&mut self, store: &Store, out: &mut dyn FnMut(Msg)) {
        if self.receiver.as_ref().is_some_and(|(_, at)| at.elapsed() < RECEIVER_LOOK) {
            return;
        }
        let Ok(status) = store.receiver_status() else { return };
        let changed = self.receiver.as_ref().is_none_or(|(last, _)| *last != status);
        self.receiver = Some((status.clone(), Instant::now()));
        if changed {
            out(Msg::Receiver(status));
        }
    }

    /// Reports changes with the list already merged, so the drawing task
    /// only swaps it in.
    fn changed(&mut self, changes: crate::store::feed::Changes, out: &mut dyn FnMut(Msg)) {
        let list = self.list.as_ref().map(|l| Arc::new(super::update::merge_rows(l, &changes.rows)));
        if let Some(l) = &list {
            self.list = Some(l.clone());
        }
        out(Msg::StoreChanged { changes, list });
    }
}

/// Carries out one store job, sending its answers to `out`. Shared by the
/// store thread and by `run_inline` (tests and benchmarks).
pub fn carry_out(store: &mut Store, side: &mut StoreSide, job: StoreJob, lang: Lang, out: &mut dyn FnMut(Msg)) {
    if matches!(job, StoreJob::LoadList) {
        side.list_asked = true;
    }
    let feed = &mut side.feed;
    match job {
        StoreJob::LoadList => {
            // The feed starts before the list is read: whatever lands in
            // between is reported again, and merging twice changes nothing.
            if feed.is_none() {
                match Feed::start(store) {
                    Ok(f) => *feed = Some(f),
                    Err(e) => out(Msg::StoreProblem(Some(e.into()))),
                }
            }
            side.receiver = None;
            side.look_at_receiver(store, out);
            let quarantined = store.reads().quarantined_count().unwrap_or(0);
            // Which orders are all demo data scans every version: it comes
            // after the list, never before the first frame.
            let demo = || store.reads().demo_orders().unwrap_or_default();
            match store.reads().orders_first(FIRST_ROWS) {
                Ok(rows) if (rows.len() as i64) < FIRST_ROWS => {
                    let rows = super::state::rows(rows);
                    side.list = Some(rows.clone());
                    out(Msg::ListLoaded { rows, complete: true, quarantined });
                    let demo = demo();
                    if !demo.is_empty() {
                        out(Msg::DemoOrders(demo));
                    }
                    return;
                }
                Ok(rows) => out(Msg::ListLoaded { rows: super::state::rows(rows), complete: false, quarantined }),
                Err(e) => {
                    out(Msg::StoreProblem(Some(e.into())));
                    return;
                }
            }
            // Each row goes into its shared place as it is read, beside the
            // text just read for it: the list is walked whole on every merge.
            let mut list = Vec::new();
            let read = store.reads().scan_orders(&crate::store::ListFilter::default(), &mut |row| {
                list.push(Arc::new(row));
                true
            });
            match read.map(|()| Arc::new(list)) {
                Ok(rows) => {
                    side.list = Some(rows.clone());
                    out(Msg::ListLoaded { rows, complete: true, quarantined });
                    let demo = demo();
                    if !demo.is_empty() {
                        out(Msg::DemoOrders(demo));
                    }
                }
                Err(e) => out(Msg::StoreProblem(Some(e.into()))),
            }
        }
        StoreJob::LoadComparison { a, b, now } => {
            let result = (|| -> crate::store::Result<Box<super::state::Comparison>> {
                let ea = crate::load::evidence_at(store, &a, now)?;
                let eb = crate::load::evidence_at(store, &b, now)?;
                let c = crate::explain::compare::compare(&ea, &eb, lang);
                let rows = crate::explain::compare::fact_rows(&c, lang);
                Ok(Box::new(super::state::Comparison { rows, explanation: c.explanation }))
            })()
            .map_err(Arc::new);
            out(Msg::ComparisonLoaded { a, b, result });
        }
        StoreJob::LoadPushes { since } => {
            let filter = crate::store::ListFilter { since: Some(since), limit: Some(super::pushes::MAX_ROWS) };
            let mut rows = Vec::new();
            let result = store
                .each_message(None, &filter, |m| {
                    rows.push(super::pushes::StreamRow::from(&m));
                    Ok::<_, StoreError>(())
                })
                .map(|()| {
                    rows.reverse();
                    rows
                })
                .map_err(Arc::new);
            out(Msg::PushesLoaded(result));
        }
        StoreJob::LoadExpiring { now, within } => {
            let result = crate::expiring::load(store, now, within).map_err(Arc::new);
            out(Msg::ExpiringLoaded(result));
        }
        StoreJob::Report { order_id, other, to, now, dir } => {
            let result = crate::report::from_store(store, &order_id, other.as_deref(), lang, now)
                .map_err(|e| ReportError::Build(e.into()))
                .and_then(|text| match to {
                    Destination::Clipboard => Ok(Exported::Text(text)),
                    Destination::File => write_report(&dir, &order_id, other.as_deref(), now, &text),
                });
            out(Msg::ReportReady { order_id, other, result });
        }
        StoreJob::LoadDetail { order_id } => {
            let detail = detail::load(store, &order_id, timefmt::now(), lang).map(Box::new).map_err(Arc::new);
            out(Msg::DetailLoaded { order_id, detail });
        }
        StoreJob::StoreVersion { order, source, purpose } => {
            let at = timefmt::now();
            let result = store.add_snapshot(&order, at, source).map_err(Arc::new);
            // Our own write does not move the feed's data_version: look now,
            // so the list has the row before the answer arrives.
            if let Some(f) = side.feed.as_mut()
                && let Ok(Some(changes)) = f.scan(store)
            {
                side.changed(changes, out);
            }
            // A version from the demo shop (order B looked up, say) makes
            // its order demo data: say so, so every pane marks it.
            if source.is_demo()
                && result.is_ok()
                && let Ok(demo) = store.reads().demo_orders()
            {
                out(Msg::DemoOrders(demo));
            }
            if let Some(purpose) = purpose {
                out(Msg::VersionStored { purpose, order_id: order.order_id.clone(), result, at });
            }
        }
    }
}

/// Writes a report to a new file in `dir` (never over another: a second
/// report in the same second gets `-2`), whole or not at all: it is written
/// under a temporary name and linked into place only once complete.
fn write_report(
    dir: &Path,
    order_id: &str,
    other: Option<&str>,
    now: i64,
    text: &str,
) -> Result<Exported, ReportError> {
    use std::io::Write;
    let stem = match other {
        Some(b) => format!("orderscope-report-{order_id}-vs-{b}-{}", timefmt::file_stamp(now)),
        None => format!("orderscope-report-{order_id}-{}", timefmt::file_stamp(now)),
    };
    let fail = |source: std::io::Error| ReportError::Write { dir: dir.to_path_buf(), source };
    let mut tmp = tempfile::Builder::new().prefix(".orderscope-report").tempfile_in(dir).map_err(fail)?;
    tmp.write_all(text.as_bytes()).and_then(|()| tmp.as_file().sync_all()).map_err(fail)?;
    for n in 1..100 {
        let name = if n == 1 { format!("{stem}.md") } else { format!("{stem}-{n}.md") };
        let path = dir.join(name);
        match tmp.persist_noclobber(&path) {
            Ok(_) => return Ok(Exported::File { path: path.display().to_string(), lines: text.lines().count() }),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => tmp = e.file,
            Err(e) => return Err(fail(e.error)),
        }
    }
    Err(ReportError::NamesTaken { dir: dir.to_path_buf(), stem })
}

/// Answers a job when no store is open (its file was deleted or replaced
/// and nothing could be opened at its path yet) with the reason.
fn refuse(side: &mut StoreSide, job: StoreJob, why: &Arc<StoreError>, out: &mut dyn FnMut(Msg)) {
    let why = why.clone();
    match job {
        StoreJob::LoadList => {
            side.list_asked = true;
            out(Msg::StoreProblem(Some(StoreUnreadable::Store(why))));
        }
        StoreJob::LoadDetail { order_id } => out(Msg::DetailLoaded { order_id, detail: Err(why) }),
        StoreJob::LoadComparison { a, b, .. } => out(Msg::ComparisonLoaded { a, b, result: Err(why) }),
        StoreJob::Report { order_id, other, .. } => {
            out(Msg::ReportReady { order_id, other, result: Err(ReportError::Store(why)) })
        }
        StoreJob::LoadExpiring { .. } => out(Msg::ExpiringLoaded(Err(why))),
        StoreJob::LoadPushes { .. } => out(Msg::PushesLoaded(Err(why))),
        StoreJob::StoreVersion { order, purpose, .. } => {
            if let Some(purpose) = purpose {
                let at = timefmt::now();
                out(Msg::VersionStored { purpose, order_id: order.order_id.clone(), result: Err(why), at });
            }
        }
    }
}

/// The store thread: jobs in order, and the change feed between them.
fn store_thread(store: Store, jobs: mpsc::Receiver<StoreJob>, out: UnboundedSender<Msg>, lang: Lang) {
    let mut side = StoreSide::default();
    let mut send = |m: Msg| {
        let _ = out.send(m);
    };
    let location = store.location().clone();
    // `None` once the store file was deleted or replaced (with why): the
    // old connection is closed at once, since closing it later, after a
    // new file appeared at the path, would remove that file's WAL, and an
    // open one would lend the new file its shared-memory index.
    let mut store: Result<Store, Arc<StoreError>> = Ok(store);
    let mut last_look = Instant::now();
    let mut failing = false;
    loop {
        let wait = FEED_INTERVAL.saturating_sub(last_look.elapsed());
        match jobs.recv_timeout(wait) {
            Ok(job) => match &mut store {
                Ok(s) => carry_out(s, &mut side, job, lang, &mut send),
                Err(why) => refuse(&mut side, job, why, &mut send),
            },
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if last_look.elapsed() >= FEED_INTERVAL {
            last_look = Instant::now();
            if let Err(why) = &store {
                match Store::open_at(&location, OpenMode::Existing, Durability::Normal) {
                    Ok(again) => store = Ok(again),
                    // Deleted and nothing back yet: the deletion is the
                    // news, not "no store at".
                    Err(StoreError::Missing(_)) => {
                        send(Msg::StoreProblem(Some(StoreUnreadable::Store(why.clone()))));
                        continue;
                    }
                    Err(e) => {
                        let gone = why.clone();
                        send(Msg::StoreProblem(Some(StoreUnreadable::Reopen { gone, reopen: e })));
                        continue;
                    }
                }
            }
            let Ok(open) = &mut store else { continue };
            if side.feed.is_none() && side.list_asked {
                // The store could not be read when the list was loaded: try
                // again; the problem stays on screen until it works.
                let mut ok = true;
                carry_out(open, &mut side, StoreJob::LoadList, lang, &mut |m| {
                    ok &= !matches!(m, Msg::StoreProblem(Some(_)));
                    send(m)
                });
                if ok && side.feed.is_some() {
                    failing = false;
                    send(Msg::StoreProblem(None));
                }
                continue;
            }
            if side.list_asked {
                side.look_at_receiver(open, &mut send);
            }
            if let Some(f) = side.feed.as_mut() {
                match f.poll(open) {
                    Ok(changes) => {
                        if failing {
                            failing = false;
                            send(Msg::StoreProblem(None));
                        }
                        if let Some(c) = changes {
                            side.changed(c, &mut send);
                        }
                    }
                    Err(e) => {
                        failing = true;
                        let e = Arc::new(e);
                        send(Msg::StoreProblem(Some(StoreUnreadable::Store(e.clone()))));
                        if matches!(*e, StoreError::Moved { .. }) {
                            // Read everything again from whatever file is there next.
                            side.feed = None;
                            store = Err(e);
                        }
                    }
                }
            }
        }
    }
}

/// Carries out effects at once against a store, feeding every answer back
/// through `update` until nothing is left. Effects that need the network,
/// a timer or the terminal are returned instead. For tests and benchmarks,
/// which drive the real store without threads.
pub fn run_inline(state: &mut super::State, store: &mut Store, effects: Vec<Effect>) -> Vec<Effect> {
    let mut side = StoreSide::default();
    let mut pending: std::collections::VecDeque<Effect> = effects.into();
    let mut left = Vec::new();
    while let Some(effect) = pending.pop_front() {
        let job = match effect {
            Effect::LoadList => StoreJob::LoadList,
            Effect::LoadDetail { order_id } => StoreJob::LoadDetail { order_id },
            Effect::LoadComparison { a, b, now } => StoreJob::LoadComparison { a, b, now },
            Effect::StoreVersion { order, source, purpose } => {
                StoreJob::StoreVersion { order, source, purpose: Some(purpose) }
            }
            Effect::LoadExpiring { now, within } => StoreJob::LoadExpiring { now, within },
            Effect::LoadPushes { since } => StoreJob::LoadPushes { since },
            // Files from tests go where nothing else lives.
            Effect::Report { order_id, other, to, now } => {
                StoreJob::Report { order_id, other, to, now, dir: std::env::temp_dir() }
            }
            other => {
                left.push(other);
                continue;
            }
        };
        let mut msgs = Vec::new();
        carry_out(store, &mut side, job, state.lang, &mut |m| msgs.push(m));
        for m in msgs {
            pending.extend(super::update::update(state, m));
        }
    }
    left
}

/// Carries out effects for the running inspector.
pub struct Runner {
    jobs: mpsc::Sender<StoreJob>,
    msgs: UnboundedSender<Msg>,
    live: Option<Arc<LiveClient>>,
    fetch: Option<AbortHandle>,
    lookup: Option<AbortHandle>,
    copy: Box<dyn Fn(&str) + Send>,
    /// Where `e` writes reports: the directory the inspector started in,
    /// as for `orderscope report > file`.
    export_dir: PathBuf,
}

impl Runner {
    /// Starts the store thread on `store`. Answers go to `msgs`; `copy` puts
    /// text on the clipboard (OSC 52 in a real terminal).
    pub fn start(
        store: Store,
        lang: Lang,
        live: Option<LiveClient>,
        msgs: UnboundedSender<Msg>,
        copy: Box<dyn Fn(&str) + Send>,
    ) -> std::io::Result<Runner> {
        let (jobs, rx) = mpsc::channel();
        let out = msgs.clone();
        std::thread::Builder::new()
            .name("orderscope-store".into())
            .spawn(move || store_thread(store, rx, out, lang))?;
        let export_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Ok(Runner { jobs, msgs, live: live.map(Arc::new), fetch: None, lookup: None, copy, export_dir })
    }

    pub fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::LoadList => self.job(StoreJob::LoadList),
            Effect::LoadDetail { order_id } => self.job(StoreJob::LoadDetail { order_id }),
            Effect::LoadComparison { a, b, now } => self.job(StoreJob::LoadComparison { a, b, now }),
            Effect::LoadExpiring { now, within } => self.job(StoreJob::LoadExpiring { now, within }),
            Effect::LoadPushes { since } => self.job(StoreJob::LoadPushes { since }),
            Effect::Report { order_id, other, to, now } => {
                self.job(StoreJob::Report { order_id, other, to, now, dir: self.export_dir.clone() })
            }
            Effect::StoreVersion { order, source, purpose } => {
                let source = self.live.as_ref().map(|l| l.client.origin_of(source)).unwrap_or(source);
                self.job(StoreJob::StoreVersion { order, source, purpose: Some(purpose) })
            }
            Effect::Fetch { generation, order_id } => {
                abort(&mut self.fetch);
                let Some(live) = self.live.clone() else { return };
                let tx = self.msgs.clone();
                let task = tokio::spawn(async move {
                    let result = live.client.order_get(&order_id).await;
                    let _ = tx.send(Msg::FetchAnswered { generation, order_id, result });
                });
                self.fetch = Some(task.abort_handle());
            }
            Effect::CancelFetch => abort(&mut self.fetch),
            Effect::LookUp { generation, order_id } => {
                abort(&mut self.lookup);
                let Some(live) = self.live.clone() else { return };
                let tx = self.msgs.clone();
                let task = tokio::spawn(async move {
                    let result = live.client.order_get(&order_id).await;
                    let _ = tx.send(Msg::LookUpAnswered { generation, order_id, result });
                });
                self.lookup = Some(task.abort_handle());
            }
            Effect::RefreshList => {
                let Some(live) = self.live.clone() else { return };
                let (tx, jobs) = (self.msgs.clone(), self.jobs.clone());
                tokio::spawn(refresh_list(live, tx, jobs));
            }
            Effect::Copy(text) => (self.copy)(&text),
            Effect::After { delay, msg } => {
                let tx = self.msgs.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(msg.into());
                });
            }
        }
    }

    fn job(&self, job: StoreJob) {
        if self.jobs.send(job).is_err() {
            let _ = self.msgs.send(Msg::StoreProblem(Some(StoreUnreadable::ThreadStopped)));
        }
    }
}

fn abort(handle: &mut Option<AbortHandle>) {
    if let Some(h) = handle.take() {
        h.abort();
    }
}

/// Lists the orders updated in the last days and hands each to the store
/// thread; the change feed then shows what was new.
async fn refresh_list(live: Arc<LiveClient>, tx: UnboundedSender<Msg>, jobs: mpsc::Sender<StoreJob>) {
    let now = timefmt::now();
    let ids = match live.client.updated_order_ids(now - live.recent_days * 86_400, now + 1).await {
        Ok(ids) => ids,
        Err(e) => {
            let _ = tx.send(Msg::ListDone { listed: 0, error: Some(e) });
            return;
        }
    };
    let listed = ids.len();
    let _ = tx.send(Msg::ListProgress { fetched: 0, listed });
    let mut fetches = futures_util::stream::iter(ids.into_iter().map(|id| {
        let live = live.clone();
        async move { live.client.order_get(&id).await }
    }))
    .buffer_unordered(LIST_CONCURRENCY);
    let (mut error, mut fetched) = (None, 0);
    while let Some(result) = fetches.next().await {
        fetched += 1;
        match result {
            Ok(order) => {
                let source = live.client.origin_of(Origin::List);
                let _ = jobs.send(StoreJob::StoreVersion { order: Box::new(order), source, purpose: None });
            }
            Err(e) => error = Some(e),
        }
        let _ = tx.send(Msg::ListProgress { fetched, listed });
    }
    let _ = tx.send(Msg::ListDone { listed, error });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole list reaches the screen as the runner's own rows, not a
    /// copy: one list in memory, and the changes merged later start from it.
    #[test]
    fn the_screen_and_the_runner_share_one_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path, crate::store::OpenMode::Create).unwrap();
        crate::demo::populate(&mut store, 1_767_241_651).unwrap();
        let mut side = StoreSide::default();
        let mut lists = Vec::new();
        carry_out(&mut store, &mut side, StoreJob::LoadList, Lang::En, &mut |m| {
            if let Msg::ListLoaded { rows, complete: true, .. } = m {
                lists.push(rows);
            }
        });
        let [shown] = lists.as_slice() else { panic!("one whole list, not {}", lists.len()) };
        assert!(!shown.is_empty());
        assert!(side.list.as_ref().is_some_and(|kept| Arc::ptr_eq(kept, shown)), "the screen got a copy");
    }

    #[test]
    fn a_report_that_cannot_be_written_says_where_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let e = write_report(&gone, "1", None, 1_767_241_651, "# report").unwrap_err();
        assert!(e.to_string().starts_with(&format!("cannot write to {}: ", gone.display())), "{e}");
        assert!(std::error::Error::source(&e).is_some(), "the I/O error is kept as the source");
        let written = write_report(dir.path(), "1", Some("2"), 1_767_241_651, "# report\n").unwrap();
        let Exported::File { path, lines } = written else { panic!("{written:?}") };
        assert!(path.ends_with("orderscope-report-1-vs-2-20260101-122731.md"), "{path}");
        assert_eq!(lines, 1);
        let taken = ReportError::NamesTaken { dir: dir.path().to_path_buf(), stem: "r".into() };
        assert_eq!(
            taken.to_string(),
            format!("cannot write to {}: r.md and 98 more names are taken", dir.path().display())
        );
    }
}

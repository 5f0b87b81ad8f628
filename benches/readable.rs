//! How soon an acknowledged push becomes readable, as a user feels it, on
//! each store backend: the release binary (`orderscope serve`) on a SQLite
//! file in a temporary directory, and on a fresh PostgreSQL database when
//! `ORDERSCOPE_TEST_PG` names a server (created for the run, dropped after).
//!
//! The receiver answers `success` once a push is in its inbox; a user sees
//! it only once the writer has projected it into `messages` (and the order's
//! summary, in the same transaction). So, among the load, every 100–250 ms
//! one push is a probe about a fresh order id. When it is acknowledged the
//! time is noted, and a thread of this process with a store of its own,
//! opened as the read commands open it, looks for that order's pushes every
//! 5 ms: readable latency is when they are listed minus when `success`
//! arrived. Beside it, rows projected per second during the load are taken
//! from the store's message count, sampled every 250 ms.
//!
//! Per backend, in one run:
//! 1. the floors: a push to an idle receiver (10/s, each one a probe), its
//!    ack latency and push-to-readable, and what one read of an order's
//!    pushes costs the poller;
//! 2. saturation: 16 keep-alive connections in a closed loop for 8 s;
//! 3. open loops at 1,000/s, 5,000/s, 10,000/s and 80 % of the measured
//!    saturation, 8 s each (rates above saturation are skipped).
//!
//! The targets: push-to-readable p99 and max within 1 s (SQLite) / 2 s
//! (PostgreSQL) at every steady rate up to 80 % of saturation, and within
//! 2 s under the closed loop. Each is printed with its ratio, target ÷
//! measured (≥ 1 when met). Every push is distinct, signed and encrypted.
//!
//! Run: `cargo build --release && cargo bench --bench readable`
//! (`ORDERSCOPE_TEST_PG=postgres://USER@HOST:PORT/postgres` for PostgreSQL too).

#[path = "common/latency.rs"]
mod latency;
#[path = "common/load.rs"]
mod load;

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use latency::Latencies;
use load::{Server, connect, exchange, request, request_about};
use orderscope::store::{Durability, Location, OpenMode, Store};

/// How long each saturation and steady load runs.
const LOAD: Duration = Duration::from_secs(8);
/// How long the idle floor runs, at [`FLOOR_RATE`].
const FLOOR: Duration = Duration::from_secs(5);
const FLOOR_RATE: u64 = 10;
const STEADY_RATES: [u64; 3] = [1_000, 5_000, 10_000];
const CLOSED_CONNECTIONS: usize = 16;
/// The poller's period: the resolution of every readable latency.
const POLL: Duration = Duration::from_millis(5);
/// How often the store's message count is sampled during a load.
const SAMPLE: Duration = Duration::from_millis(250);
/// After a load, how long probes and the backlog may take to become readable.
const LINGER: Duration = Duration::from_secs(30);
/// Distinct load pushes prepared once and sent to each backend's fresh
/// store: more than one backend's phases send together at the rates this
/// machine reaches, so none is ever taken for a redelivery.
const POOL: usize = 1_000_000;
/// Probes' pushes are numbered from here, far past the pool.
const PROBE_PUSHES: usize = 500_000_000;
/// Probes' orders: the pool's order ids are all below 9e18, so these are
/// orders the store has never seen.
const PROBE_ORDERS: u64 = 9_100_000_000_000_000_000;

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}

/// `n` with thousands separators.
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Target ÷ measured: ≥ 1 when met.
fn ratio(target: Duration, measured: Duration) -> f64 {
    target.as_secs_f64() / measured.as_secs_f64().max(1e-6)
}

/// The load pushes, handed out once each.
struct Pool {
    reqs: Vec<Vec<u8>>,
    next: AtomicUsize,
}

impl Pool {
    /// Signs and encrypts the pool on every core (a few seconds).
    fn prepare() -> Pool {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let per = POOL.div_ceil(threads);
        let reqs = std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads)
                .map(|t| s.spawn(move || (t * per..((t + 1) * per).min(POOL)).map(request).collect::<Vec<_>>()))
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap()).collect::<Vec<Vec<u8>>>()
        });
        Pool { reqs, next: AtomicUsize::new(0) }
    }

    fn take(&self) -> Option<&[u8]> {
        self.reqs.get(self.next.fetch_add(1, Ordering::Relaxed)).map(Vec::as_slice)
    }

    fn left(&self) -> usize {
        self.reqs.len().saturating_sub(self.next.load(Ordering::Relaxed))
    }
}

/// Probes sent so far in this process: each one's order is a fresh one.
static PROBE_SEQ: AtomicUsize = AtomicUsize::new(0);

/// An acknowledged probe: the order it is about, and when `success` arrived.
struct Probe {
    order: String,
    acked: Instant,
}

/// When the next probe is due, shared by a load's connections: whichever
/// sends first once it is due sends the probe instead of a load push, so
/// probes ride on the load without adding a connection or changing its rate.
struct Probes {
    start: Instant,
    /// Nanoseconds after `start`.
    next_due: AtomicU64,
    /// Every push a probe (the idle floor).
    every: bool,
    seen_by: mpsc::Sender<Probe>,
}

impl Probes {
    fn new(every: bool, seen_by: mpsc::Sender<Probe>) -> Probes {
        Probes { start: Instant::now(), next_due: AtomicU64::new(0), every, seen_by }
    }

    /// The probe to send now, when one is due: its order and request.
    fn claim(&self) -> Option<(u64, Vec<u8>)> {
        if !self.every {
            let now = self.start.elapsed().as_nanos() as u64;
            let due = self.next_due.load(Ordering::Relaxed);
            if now < due {
                return None;
            }
            // 100–250 ms apart, irregularly, so probes do not fall in step with anything periodic in the writer.
            let gap = Duration::from_millis(100 + load::order_id(now as usize) % 151).as_nanos() as u64;
            if self.next_due.compare_exchange(due, now + gap, Ordering::Relaxed, Ordering::Relaxed).is_err() {
                return None;
            }
        }
        let k = PROBE_SEQ.fetch_add(1, Ordering::Relaxed);
        let order = PROBE_ORDERS + k as u64;
        Some((order, request_about(PROBE_PUSHES + k, order)))
    }

    fn acknowledged(&self, order: u64) {
        let _ = self.seen_by.send(Probe { order: order.to_string(), acked: Instant::now() });
    }
}

/// What the probes showed.
#[derive(Default)]
struct Seen {
    /// Push-to-readable of each probe listed.
    readable: Latencies,
    /// Probes not listed within [`LINGER`] after the load.
    unseen: usize,
    /// The longest any probe was waited for, listed or not.
    waited: Duration,
    /// How long each of the poller's reads took.
    reads: Latencies,
}

impl Seen {
    fn worst(&self) -> Duration {
        self.readable.max().max(self.waited)
    }

    fn line(&self) -> String {
        let mut line = format!(
            "push-to-readable p50 {} p99 {} max {} ({} probes",
            ms(self.readable.median()),
            ms(self.readable.p99()),
            ms(self.worst()),
            self.readable.len() as usize + self.unseen
        );
        if self.unseen > 0 {
            line += &format!(", {} not listed {} after the load", self.unseen, ms(LINGER));
        }
        line + ")"
    }

    /// p99, counting a probe never listed as the longest wait.
    fn p99(&self) -> Duration {
        if self.unseen > 0 && self.unseen * 100 >= self.readable.len() as usize + self.unseen {
            return self.worst();
        }
        self.readable.p99()
    }
}

/// Looks for each acknowledged probe's order every [`POLL`] on a store of
/// its own, the way a read command opens it, until every probe is listed
/// or [`LINGER`] has passed since the load ended (its sender dropped).
fn poller(location: Location, probes: mpsc::Receiver<Probe>) -> std::thread::JoinHandle<Seen> {
    std::thread::spawn(move || {
        let store = Store::open_at(&location, OpenMode::Existing, Durability::Normal).unwrap();
        let mut pending: Vec<Probe> = Vec::new();
        let mut seen = Seen::default();
        let mut ended: Option<Instant> = None;
        loop {
            let round = Instant::now();
            loop {
                match probes.try_recv() {
                    Ok(p) => pending.push(p),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        ended.get_or_insert(round);
                        break;
                    }
                }
            }
            pending.retain(|p| {
                let t = Instant::now();
                let listed = store.reads().messages(Some(&p.order)).map(|m| !m.is_empty()).unwrap_or(false);
                let now = Instant::now();
                seen.reads.record(now - t);
                if listed {
                    seen.readable.record(now.saturating_duration_since(p.acked));
                }
                !listed
            });
            if let Some(end) = ended
                && (pending.is_empty() || end.elapsed() > LINGER)
            {
                break;
            }
            std::thread::sleep(POLL.saturating_sub(round.elapsed()));
        }
        seen.unseen = pending.len();
        seen.waited = pending.iter().map(|p| p.acked.elapsed()).max().unwrap_or_default();
        seen
    })
}

/// The store's message count every [`SAMPLE`] until `stop`, and once more
/// then; the first sample is taken before `ready` is signalled.
fn sampler(
    location: Location,
    stop: Arc<AtomicBool>,
    ready: mpsc::Sender<()>,
) -> std::thread::JoinHandle<Vec<(Instant, i64)>> {
    std::thread::spawn(move || {
        let store = Store::open_at(&location, OpenMode::Existing, Durability::Normal).unwrap();
        let sample = || (Instant::now(), store.reads().counts().unwrap().2);
        let mut samples = vec![sample()];
        let _ = ready.send(());
        loop {
            let last = samples.last().unwrap().0;
            while !stop.load(Ordering::Relaxed) && last.elapsed() < SAMPLE {
                std::thread::sleep(Duration::from_millis(5));
            }
            samples.push(sample());
            if stop.load(Ordering::Relaxed) {
                return samples;
            }
        }
    })
}

#[derive(Clone, Copy)]
enum Load {
    /// [`CLOSED_CONNECTIONS`] connections, each sending its next push as
    /// soon as the last is answered.
    Closed,
    /// Pushes at fixed intervals, whether or not earlier ones are answered.
    Open { rate: u64 },
}

/// The connections an open loop at `rate` spreads over: at most 125 pushes/s
/// each (one per 8 ms), so a connection waiting for an answer seldom holds
/// back the next push and the rate stays the one asked for.
fn connections(rate: u64) -> u64 {
    rate.div_ceil(125).clamp(1, 128)
}

#[derive(Default)]
struct Sent {
    acknowledged: usize,
    failed: usize,
    /// Ack latency of each acknowledged push, from its send.
    latency: Latencies,
    /// Open loop: sends more than 5 ms behind their schedule.
    late: usize,
    /// The pool ran out before the load's end.
    exhausted: bool,
    elapsed: Duration,
}

impl Sent {
    fn per_s(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends the next push on `conn`, a probe if one is due; false when the pool is used up.
async fn send_next(
    conn: &mut tokio::net::TcpStream,
    port: u16,
    buf: &mut Vec<u8>,
    pool: &Pool,
    probes: &Probes,
    sent: &mut Sent,
) -> bool {
    let (req, probe) = match probes.claim() {
        Some((order, req)) => (Cow::Owned(req), Some(order)),
        None => match pool.take() {
            Some(req) => (Cow::Borrowed(req), None),
            None => {
                sent.exhausted = true;
                return false;
            }
        },
    };
    let t = Instant::now();
    if exchange(conn, &req, buf).await {
        sent.latency.record(t.elapsed());
        sent.acknowledged += 1;
        if let Some(order) = probe {
            probes.acknowledged(order);
        }
    } else {
        sent.failed += 1;
        *conn = connect(port).await;
    }
    true
}

async fn run_load(port: u16, pool: Arc<Pool>, probes: Arc<Probes>, load: Load, length: Duration) -> Sent {
    let started = Instant::now();
    let mut tasks = Vec::new();
    match load {
        Load::Closed => {
            let deadline = started + length;
            for _ in 0..CLOSED_CONNECTIONS {
                let (pool, probes) = (pool.clone(), probes.clone());
                tasks.push(tokio::spawn(async move {
                    let mut conn = connect(port).await;
                    let (mut buf, mut sent) = (Vec::with_capacity(512), Sent::default());
                    while Instant::now() < deadline
                        && send_next(&mut conn, port, &mut buf, &pool, &probes, &mut sent).await
                    {}
                    sent
                }));
            }
        }
        Load::Open { rate } => {
            let conns = connections(rate);
            let interval = Duration::from_nanos(1_000_000_000 * conns / rate);
            let per_conn = (rate * length.as_millis() as u64 / 1000).div_ceil(conns);
            // Time for every connection to be open before the first push is due.
            let base = tokio::time::Instant::now() + Duration::from_millis(50);
            for c in 0..conns {
                let (pool, probes) = (pool.clone(), probes.clone());
                tasks.push(tokio::spawn(async move {
                    let mut conn = connect(port).await;
                    let (mut buf, mut sent) = (Vec::with_capacity(512), Sent::default());
                    // Staggered, so pushes arrive evenly rather than in bursts of `conns`.
                    let mut tick = tokio::time::interval_at(base + interval * c as u32 / conns as u32, interval);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                    for _ in 0..per_conn {
                        let due = tick.tick().await;
                        if due.elapsed() > Duration::from_millis(5) {
                            sent.late += 1;
                        }
                        if !send_next(&mut conn, port, &mut buf, &pool, &probes, &mut sent).await {
                            break;
                        }
                    }
                    sent
                }));
            }
        }
    }
    let mut all = Sent::default();
    for t in tasks {
        let s = t.await.unwrap();
        all.acknowledged += s.acknowledged;
        all.failed += s.failed;
        all.latency.add(&s.latency);
        all.late += s.late;
        all.exhausted |= s.exhausted;
    }
    all.elapsed = started.elapsed();
    if let Load::Open { .. } = load {
        // The open loop's first push is due 50 ms in.
        all.elapsed = all.elapsed.saturating_sub(Duration::from_millis(50));
    }
    all
}

/// One load's figures.
struct Phase {
    sent: Sent,
    /// Rows that became readable per second during the load.
    readable_per_s: f64,
    /// Acknowledged but not yet readable when the load ended.
    backlog: i64,
    /// How long after the load every acknowledged push was readable.
    caught_up: Option<Duration>,
    seen: Seen,
}

/// A receiver and what the bench knows about its store.
struct Bench<'a> {
    location: Location,
    port: u16,
    pool: Arc<Pool>,
    rt: &'a tokio::runtime::Runtime,
    /// The bench's own reader, for waiting until the store has caught up.
    reader: Store,
    /// Pushes acknowledged on this store so far.
    acknowledged: i64,
}

impl Bench<'_> {
    fn run(&mut self, load: Load, every_push_a_probe: bool, length: Duration) -> Phase {
        let (to_poller, probes_seen) = mpsc::channel();
        let poll = poller(self.location.clone(), probes_seen);
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready) = mpsc::channel();
        let sampling = sampler(self.location.clone(), stop.clone(), ready_tx);
        ready.recv().unwrap();
        let probes = Arc::new(Probes::new(every_push_a_probe, to_poller));
        let sent = self.rt.block_on(run_load(self.port, self.pool.clone(), probes.clone(), load, length));
        stop.store(true, Ordering::Relaxed);
        let samples = sampling.join().unwrap();
        // The last sender: the poller now finishes with the probes it has.
        drop(probes);
        self.acknowledged += sent.acknowledged as i64;
        let ((t0, n0), (t1, n1)) = (samples[0], *samples.last().unwrap());
        let readable_per_s = (n1 - n0) as f64 / (t1 - t0).as_secs_f64().max(1e-9);
        let backlog = self.acknowledged - n1;
        let caught_up = self.wait_readable();
        let seen = poll.join().unwrap();
        Phase { sent, readable_per_s, backlog, caught_up, seen }
    }

    /// Waits until every acknowledged push is readable; how long that took.
    fn wait_readable(&self) -> Option<Duration> {
        let t = Instant::now();
        while self.reader.reads().counts().unwrap().2 < self.acknowledged {
            if t.elapsed() > LINGER {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(t.elapsed())
    }

    /// A phase's load figures: acknowledged and readable rates, and what was left.
    fn rates(&self, p: &Phase) -> String {
        let mut line =
            format!("{} acknowledged/s, {} readable/s", thousands(p.sent.per_s()), thousands(p.readable_per_s));
        match p.caught_up {
            _ if p.backlog <= 0 => line += ", none waiting at the end",
            Some(t) => {
                line += &format!(", {} waiting at the end (all readable {} later)", thousands(p.backlog as f64), ms(t))
            }
            None => {
                line += &format!(
                    ", {} waiting at the end (not all readable {} later)",
                    thousands(p.backlog as f64),
                    ms(LINGER)
                )
            }
        }
        if p.sent.failed > 0 {
            line += &format!(", {} not acknowledged", p.sent.failed);
        }
        if p.sent.late > 0 {
            line += &format!(", {} sends > 5 ms behind schedule", p.sent.late);
        }
        if p.sent.exhausted {
            line += ", the prepared pushes ran out";
        }
        line
    }
}

/// A target line: p99 and max of push-to-readable against `target`.
fn target_line(label: &str, target: Duration, seen: &Seen, met: &mut Vec<(String, bool)>) -> String {
    let (p99, max) = (ratio(target, seen.p99()), ratio(target, seen.worst()));
    met.push((format!("{label} p99"), p99 >= 1.0 && !seen.readable.is_empty()));
    met.push((format!("{label} max"), max >= 1.0 && !seen.readable.is_empty()));
    format!("    target push-to-readable p99 <= {}: ratio {p99:.2}; max <= {}: ratio {max:.2}", ms(target), ms(target))
}

/// The floors, saturation and the steady rates on one backend.
fn measure(
    bin: &Path,
    name: &'static str,
    store: &str,
    steady_target: Duration,
    pool: Arc<Pool>,
    rt: &tokio::runtime::Runtime,
) {
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("serve.log");
    let filter = "warn,orderscope::receiver::writer=info,orderscope::receiver::serve=info";
    let server = Server::start(bin, std::ffi::OsStr::new(store), Some(&log), filter);
    let location = Location::parse(store);
    let reader = Store::open_at(&location, OpenMode::Existing, Durability::Normal).unwrap();
    pool.next.store(0, Ordering::Relaxed);
    let mut b = Bench { location, port: server.port, pool, rt, reader, acknowledged: 0 };
    let mut met = Vec::new();

    // Connections, statements and the store's first pages warmed, then quiet again.
    let _ = b.run(Load::Open { rate: 1000 }, false, Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(300));

    let floor = b.run(Load::Open { rate: FLOOR_RATE }, true, FLOOR);
    let (ack50, ack99) = (floor.sent.latency.median(), floor.sent.latency.p99());
    let floor_readable = floor.seen.readable.p99();
    println!(
        "{name}, floor: a push to an idle receiver ({FLOOR_RATE}/s for {} s, every push a probe): ack p50 {} p99 {}; {}",
        FLOOR.as_secs(),
        ms(ack50),
        ms(ack99),
        floor.seen.line()
    );
    println!(
        "{name}, floor: one read of an order's pushes by the poller (every {}): p50 {} p99 {}",
        ms(POLL),
        ms(floor.seen.reads.median()),
        ms(floor.seen.reads.p99())
    );

    let sat = b.run(Load::Closed, false, LOAD);
    println!(
        "{name}, saturation: {CLOSED_CONNECTIONS} connections, closed loop, {} s: {}; ack p50 {} p99 {}; {}",
        LOAD.as_secs(),
        b.rates(&sat),
        ms(sat.sent.latency.median()),
        ms(sat.sent.latency.p99()),
        sat.seen.line()
    );
    println!("{}", target_line("closed loop", Duration::from_secs(2), &sat.seen, &mut met));
    let saturation = sat.sent.per_s();

    let eighty = (saturation * 0.8).round() as u64;
    let mut rates: Vec<(u64, bool)> = STEADY_RATES.iter().map(|&r| (r, false)).collect();
    rates.push((eighty, true));
    rates.sort();
    for (rate, is_eighty) in rates {
        let label = if is_eighty {
            format!("{}/s (80 % of saturation)", thousands(rate as f64))
        } else {
            format!("{}/s", thousands(rate as f64))
        };
        if rate as f64 > saturation {
            println!("{name}, steady {label}: skipped, above the saturation of {}/s", thousands(saturation));
            continue;
        }
        let need = (rate * LOAD.as_secs()) as usize;
        if b.pool.left() < need {
            println!("{name}, steady {label}: skipped, {} prepared pushes left of the {need} it needs", b.pool.left());
            continue;
        }
        let p = b.run(Load::Open { rate }, false, LOAD);
        let (p50, p99) = (p.sent.latency.median(), p.sent.latency.p99());
        println!(
            "{name}, steady {label}, {} connections, {} s: {}; ack p50 {} p99 {} ({:.1}x the floor's p99); {} ({:.1}x the floor's p99)",
            connections(rate),
            LOAD.as_secs(),
            b.rates(&p),
            ms(p50),
            ms(p99),
            p99.as_secs_f64() / ack99.as_secs_f64().max(1e-9),
            p.seen.line(),
            p.seen.p99().as_secs_f64() / floor_readable.as_secs_f64().max(1e-9)
        );
        if rate <= eighty {
            println!("{}", target_line(&format!("steady {label}"), steady_target, &p.seen, &mut met));
        } else {
            println!("    no target: above 80 % of saturation");
        }
    }
    let acknowledged = b.acknowledged;
    drop(b);
    drop(server); // SIGTERM: commits and projects what is queued
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    for stage in ["pushes answered success:", "inbox commits:", "projection steps:"] {
        if let Some(line) = logged.lines().find(|l| l.contains(stage)) {
            println!("{name}, receiver's own summary: {}", &line[line.find(stage).unwrap_or(0)..]);
        }
    }
    for line in logged.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).take(5) {
        println!("{name}, receiver log: {line}");
    }
    let stored = Store::open_at(&Location::parse(store), OpenMode::Existing, Durability::Normal)
        .unwrap()
        .reads()
        .counts()
        .unwrap()
        .2;
    assert!(stored >= acknowledged, "{name}: {acknowledged} pushes acknowledged but {stored} readable after the stop");
    let missed: Vec<&str> = met.iter().filter(|(_, ok)| !ok).map(|(l, _)| l.as_str()).collect();
    if missed.is_empty() {
        println!("{name}: all {} targets met", met.len());
    } else {
        println!("{name}: {} of {} targets met; missed: {}", met.len() - missed.len(), met.len(), missed.join(", "));
    }
}

/// A database of the bench's own on a PostgreSQL server, dropped with it.
struct Database {
    server: String,
    name: String,
    url: String,
}

impl Database {
    fn create(server: &str) -> Database {
        let name = format!("orderscope_bench_readable_{}", std::process::id());
        let mut admin = postgres::Client::connect(server, postgres::NoTls).unwrap();
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let mut url = url::Url::parse(server).unwrap();
        url.set_path(&format!("/{name}"));
        Database { server: server.into(), name, url: url.to_string() }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

fn main() {
    let Some(bin) = load::release_binary() else {
        return;
    };
    let t = Instant::now();
    let pool = Arc::new(Pool::prepare());
    println!("prepared {} distinct signed pushes in {:.1} s", thousands(POOL as f64), t.elapsed().as_secs_f64());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("readable.db");
    measure(&bin, "SQLite", sqlite.to_str().unwrap(), Duration::from_secs(1), pool.clone(), &rt);

    match std::env::var("ORDERSCOPE_TEST_PG") {
        Ok(server) if !server.is_empty() => {
            let db = Database::create(&server);
            measure(&bin, "PostgreSQL", &db.url, Duration::from_secs(2), pool, &rt);
        }
        _ => println!(
            "PostgreSQL: skipped (set ORDERSCOPE_TEST_PG to a server's URL, e.g. postgres://postgres@127.0.0.1:55432/postgres; the bench creates and drops its own database there)"
        ),
    }
    println!("total {:.0} s", t.elapsed().as_secs_f64());
}

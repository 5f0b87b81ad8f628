//! The push receiver at this machine's limit, in one run: the release
//! binary (`orderscope serve`, inbox committed with `synchronous=FULL`
//! before each answer) on loopback, every request a distinct, correctly
//! signed and encrypted push for a random 19-digit order id, beside the
//! floors it stands on, measured in the same run:
//!
//! (a) the bare HTTP path: `wrk -t2 -c16 -d10s` on URL verification (one
//!     SHA-1, no decryption, no store);
//! (b) the store's inbox alone, groups of 16 appends per durable commit,
//!     back to back (no HTTP);
//! (c) the inbox alone, one durable commit per push, once per ms.
//!
//! and, to read them against, (e) the same receiver and load with its store
//! in memory (tmpfs), where a flush costs nothing: what the processors allow.
//!
//! and the receiver: `wrk -t2 -c16 -d10s -s benches/wrk/push.lua`, and a
//! steady 1,000 pushes/s from an open-loop generator in this process. The
//! targets: at 16 connections, pushes/s ≥ 1 / (1/a + 1/b) with p99 ≤ 5 ms;
//! at 1,000/s, p99 ≤ (c)'s p99 + 0.5 ms. Each is printed with its ratio
//! (≥ 1 when met).
//!
//! Run: `cargo build --release && cargo bench --bench receiver` (needs `wrk`).

#[path = "common/latency.rs"]
mod latency;
#[path = "common/load.rs"]
mod load;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use latency::Latencies;
use load::{Server, TOKEN, connect, exchange, plaintext, request, signed_push};
use orderscope::crypto;
use tokio::net::TcpStream;

/// The path and signed query string of URL verification `i`.
fn verify_path(i: usize) -> String {
    let (ts, nonce) = ((1_760_000_000 + i).to_string(), i.to_string());
    let sig = crypto::signature(TOKEN, &ts, &nonce);
    format!("/wx?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=success")
}

fn fmt(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// One exchange; an acknowledged push adds its latency to `lat`.
async fn timed_exchange(conn: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>, lat: &mut Latencies) {
    let t = Instant::now();
    if exchange(conn, req, buf).await {
        lat.record(t.elapsed());
    }
}

/// Adds up the connections' acknowledged pushes and their latencies.
async fn gather(tasks: Vec<tokio::task::JoinHandle<(usize, Latencies)>>) -> (usize, Latencies) {
    let (mut ok, mut lat) = (0, Latencies::new());
    for t in tasks {
        let (o, l) = t.await.unwrap();
        ok += o;
        lat.add(&l);
    }
    (ok, lat)
}

/// An open loop: `rate` requests/s for `secs`, spread evenly over 8 connections.
async fn steady(port: u16, reqs: Arc<Vec<Vec<u8>>>, rate: u64, secs: u64) -> (usize, Latencies) {
    let conns = 8u64;
    let interval = Duration::from_nanos(1_000_000_000 * conns / rate);
    let total = (rate * secs / conns) as usize;
    let mut tasks = Vec::new();
    for c in 0..conns as usize {
        let reqs = reqs.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(port).await;
            let mut buf = Vec::with_capacity(512);
            // Stagger the connections so pushes arrive evenly, not in bursts of 8.
            let start = tokio::time::Instant::now() + interval * c as u32 / conns as u32;
            let mut tick = tokio::time::interval_at(start, interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut lat = Latencies::new();
            for k in 0..total {
                tick.tick().await;
                timed_exchange(&mut conn, &reqs[k * conns as usize + c], &mut buf, &mut lat).await;
            }
            (lat.len() as usize, lat)
        }));
    }
    gather(tasks).await
}

/// Latency percentiles of `f` run `n` times, one call per `gap` (an open loop like a steady push rate).
fn at_cadence(n: usize, gap: Duration, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    let mut lat = Latencies::new();
    let start = Instant::now();
    for k in 0..n {
        let due = start + gap * k as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let t = Instant::now();
        f(k);
        lat.record(t.elapsed());
    }
    (lat.median(), lat.p99())
}

/// The floors (b) and (c): the receiver's own inbox append, no HTTP.
struct InboxFloors {
    /// (b) pushes/s in groups of 16 back to back.
    groups_per_s: f64,
    /// (c) one push per durable commit once per ms: p50, p99.
    single: (Duration, Duration),
}

fn inbox_floors(dir: &Path) -> InboxFloors {
    use orderscope::store::{self, Arrival};
    use orderscope::store::{Durability, OpenMode, Store};
    let db = dir.join("floor.db");
    let mut st = Store::open_with(&db, OpenMode::Create, Durability::Full).unwrap();
    let pushes: Vec<(String, String, String)> = (0..120_000)
        .map(|i| {
            let (path, body) = signed_push(2_000_000 + i);
            let query = path.split_once('?').unwrap().1.to_string();
            let text = plaintext(2_000_000 + i);
            (query, body, text)
        })
        .collect();
    let add = |st: &mut Store, batch: &[(String, String, String)]| {
        st.write(|c| {
            for (query, body, text) in batch {
                let arrival = Arrival {
                    received_at: 1_760_000_000,
                    query,
                    content_type: Some("application/json"),
                    envelope: body.as_bytes(),
                    plaintext: Some(text.as_bytes()),
                    problem: None,
                };
                let key = store::dup_key(Some(text.as_bytes()), body.as_bytes());
                c.append_inbox(&[(arrival, &key)])?;
            }
            Ok(())
        })
        .unwrap();
    };
    // Warm up: a store with history and a WAL that has reached its size.
    for batch in pushes[..20_000].chunks(16) {
        add(&mut st, batch);
    }
    let t = Instant::now();
    let groups = &pushes[20_000..100_000];
    for batch in groups.chunks(16) {
        add(&mut st, batch);
    }
    let groups_per_s = groups.len() as f64 / t.elapsed().as_secs_f64();
    let single = at_cadence(5000, Duration::from_millis(1), |k| add(&mut st, &pushes[100_000 + k..100_001 + k]));
    InboxFloors { groups_per_s, single }
}

/// This disk: a 16 KiB write + fsync once per ms, for reading (c) against.
fn disk_floor(dir: &Path) -> (Duration, Duration) {
    use std::io::Write;
    use std::os::unix::fs::FileExt;
    let path = dir.join("fsync.probe");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&vec![0u8; 8 << 20]).unwrap();
    file.sync_all().unwrap();
    let chunk = vec![7u8; 16 << 10];
    let out = at_cadence(3000, Duration::from_millis(1), |k| {
        file.write_all_at(&chunk, ((k * chunk.len()) % (7 << 20)) as u64).unwrap();
        file.sync_all().unwrap();
    });
    let _ = std::fs::remove_file(&path);
    out
}

/// The value at the end of the first line of wrk's report that starts with `label`.
fn wrk_field(report: &str, label: &str) -> String {
    report
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or("?")
        .to_string()
}

/// A wrk latency like `1.23ms`, `850.00us` or `1.02s`.
fn wrk_duration(text: &str) -> Duration {
    let (num, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len()));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    let secs = match unit {
        "us" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" => v * 60.0,
        _ => f64::NAN,
    };
    Duration::from_secs_f64(if secs.is_finite() { secs } else { 0.0 })
}

struct WrkRun {
    per_s: f64,
    p50: Duration,
    p99: Duration,
    not_acknowledged: String,
}

/// Runs `wrk -t2 -c16 -d10s --latency` on `url` (with `-s SCRIPT -- ARGS` when given).
fn wrk(url: &str, script_args: &[&std::ffi::OsStr]) -> WrkRun {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c16", "-d10s", "--latency"]);
    if let Some((script, rest)) = script_args.split_first() {
        cmd.arg("-s").arg(script).arg(url).args(rest);
    } else {
        cmd.arg(url);
    }
    let report = String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned();
    WrkRun {
        per_s: wrk_field(&report, "Requests/sec:").parse().unwrap_or(0.0),
        p50: wrk_duration(&wrk_field(&report, "50%")),
        p99: wrk_duration(&wrk_field(&report, "99%")),
        not_acknowledged: wrk_field(&report, "not acknowledged:"),
    }
}

/// Pushes prepared for each 10 s wrk run: more than the fastest run sends,
/// so every push is a distinct one (past the end wrk would start over, and
/// its pushes would be redeliveries).
const PUSHES: usize = 700_000;

/// The receiver under wrk with `benches/wrk/push.lua` and pushes `first..first + count`.
fn wrk_pushes(dir: &Path, port: u16, first: usize, count: usize) -> WrkRun {
    use std::io::Write;
    let file = dir.join("pushes.tsv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in first..first + count {
        let (path, body) = signed_push(i);
        writeln!(out, "{path}\t{body}").unwrap();
    }
    // On disk before the run: left dirty, its writeback would land in the
    // receiver's fsyncs (ext4 orders data before each journal commit).
    out.into_inner().unwrap().sync_all().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/wrk/push.lua");
    let script_args = [script.as_os_str(), "--".as_ref(), file.as_os_str(), "2".as_ref()];
    let run = wrk(&format!("http://127.0.0.1:{port}/"), &script_args);
    let _ = std::fs::remove_file(&file);
    run
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn main() {
    let Some(bin) = load::release_binary() else {
        return;
    };
    if Command::new("wrk").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        println!("wrk is not installed (apt-get install wrk)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("orderscope-bench-receiver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("receiver.db");
    let steady_reqs: Arc<Vec<Vec<u8>>> = Arc::new((0..10_000).map(request).collect());
    let log = dir.join("serve.log");
    // Warnings, and the stop's summary of each stage (the writer's and the
    // server's info lines; not the per-request ones).
    let filter = "warn,orderscope::receiver::writer=info,orderscope::receiver::serve=info";
    let server = Server::start(&bin, db.as_os_str(), Some(&log), filter);
    let port = server.port;

    // (a) the bare HTTP path.
    let a = wrk(&format!("http://127.0.0.1:{port}{}", verify_path(0)), &[]);
    println!(
        "(a) HTTP path alone, wrk -t2 -c16 -d10s on URL verification: {:.0} requests/s, p50 {} p99 {}",
        a.per_s,
        fmt(a.p50),
        fmt(a.p99)
    );
    // The receiver at 16 connections.
    let r = wrk_pushes(&dir, port, 1_000_000, PUSHES);
    println!(
        "receiver, wrk -t2 -c16 -d10s -s benches/wrk/push.lua: {:.0} pushes/s, p50 {} p99 {}, not acknowledged {}",
        r.per_s,
        fmt(r.p50),
        fmt(r.p99),
        r.not_acknowledged
    );
    // Let the projector catch up, so the steady run starts from a quiet receiver.
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&db, "SELECT count(*) FROM inbox")
        > count(&db, "SELECT coalesce(max(last_id), 0) FROM projector_cursor")
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (ok, lat) = rt.block_on(steady(port, steady_reqs, 1000, 10));
    let (s50, s99) = (lat.median(), lat.p99());
    println!("receiver, steady 1,000 pushes/s for 10 s: {ok} acknowledged, p50 {} p99 {}", fmt(s50), fmt(s99));
    let verify_reqs: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..10_000).map(|i| format!("GET {} HTTP/1.1\r\nHost: bench\r\n\r\n", verify_path(i)).into_bytes()).collect(),
    );
    let (_, vlat) = rt.block_on(steady(port, verify_reqs, 1000, 10));
    println!(
        "(d) HTTP path alone, steady 1,000 URL verifications/s for 10 s: p50 {} p99 {}",
        fmt(vlat.median()),
        fmt(vlat.p99())
    );
    drop(server); // SIGTERM: commits and projects what is queued
    // The receiver's own account of the run, stage by stage.
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    for stage in ["pushes answered success:", "inbox commits:", "projection steps:", "the writer's own checkpoints:"] {
        if let Some(line) = logged.lines().find(|l| l.contains(stage)) {
            println!("receiver, {}", &line[line.find(stage).unwrap_or(0)..]);
        }
    }
    for line in logged.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).take(5) {
        println!("receiver log: {line}");
    }
    let inbox = count(&db, "SELECT count(*) FROM inbox");
    let messages = count(&db, "SELECT count(*) FROM messages");
    let deliveries = count(&db, "SELECT coalesce(sum(deliveries), 0) FROM messages");
    println!("inbox {inbox} arrivals; {messages} messages with {deliveries} deliveries after the stop");
    assert!(inbox as usize >= ok, "an acknowledged push is missing from the inbox");
    assert_eq!(deliveries, inbox, "every arrival is projected once");
    if messages < deliveries {
        println!("note: {} arrivals were redeliveries: wrk went past the end of its pushes", deliveries - messages);
    }

    // (b) and (c): the inbox alone.
    let floors = inbox_floors(&dir);
    println!("(b) inbox alone, groups of 16 per synchronous=FULL commit: {:.0} pushes/s", floors.groups_per_s);
    let (c50, c99) = floors.single;
    println!("(c) inbox alone, one synchronous=FULL commit per push once per ms: p50 {} p99 {}", fmt(c50), fmt(c99));
    let (d50, d99) = disk_floor(&dir);
    println!("this disk, 16 KiB write + fsync once per ms: p50 {} p99 {}", fmt(d50), fmt(d99));

    let ceiling = in_memory_ceiling(&bin, filter);

    let target = 1.0 / (1.0 / a.per_s + 1.0 / floors.groups_per_s);
    let p99_target = c99 + Duration::from_micros(500);
    println!(
        "target 16 connections: >= {target:.0} pushes/s: ratio {:.2}; p99 <= 5 ms: ratio {:.2}",
        r.per_s / target,
        5e-3 / r.p99.as_secs_f64().max(1e-9)
    );
    println!(
        "target 1,000/s: p99 <= (c) p99 + 0.5 ms = {}: ratio {:.2}",
        fmt(p99_target),
        p99_target.as_secs_f64() / s99.as_secs_f64().max(1e-9)
    );
    if let Some(e) = ceiling {
        println!(
            "what the processors allow: the target is {:.2} of (e), the receiver on disk {:.2} of (e)",
            target / e.per_s.max(1.0),
            r.per_s / e.per_s.max(1.0)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// (e) The same receiver and load with its store in memory (tmpfs: every
/// fsync returns at once): what this machine's processors allow when the
/// disk costs nothing, to read the receiver's figure and the target against.
fn in_memory_ceiling(bin: &Path, filter: &str) -> Option<WrkRun> {
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        println!("(e) skipped: no /dev/shm");
        return None;
    }
    let dir = shm.join(format!("orderscope-bench-receiver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let log = dir.join("serve.log");
    let server = Server::start(bin, dir.join("receiver.db").as_os_str(), Some(&log), filter);
    let e = wrk_pushes(&dir, server.port, 3_000_000, PUSHES);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "(e) the receiver with its store in memory (tmpfs), wrk as above: {:.0} pushes/s, p50 {} p99 {}",
        e.per_s,
        fmt(e.p50),
        fmt(e.p99)
    );
    Some(e)
}

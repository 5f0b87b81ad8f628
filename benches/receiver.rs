//! Load on the push receiver over loopback: the release binary
//! (`orderscope serve`) with a real store at `synchronous=FULL`, and a load
//! generator in this process speaking keep-alive HTTP/1.1 on raw sockets.
//! Every request carries a distinct, correctly signed and encrypted push.
//!
//! Run: `cargo build --release && cargo bench --bench receiver`
//!
//! 1. closed loop, 16 connections, 10 s: pushes/s and latency percentiles;
//! 2. open loop, a steady 1,000 pushes/s for 10 s: latency percentiles;
//! 3. the same HTTP path without decryption or store (URL verification);
//!
//! then checks that every acknowledged push is in the store, runs `wrk`
//! (when installed) with `benches/wrk/push.lua` and 400,000 more distinct
//! pushes, and measures the floors the figures should be read against: this
//! disk's fsync, the receiver's store alone, and a one-table SQLite store.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orderscope::crypto;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "benchtoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxbench0000000001";

/// The decrypted text of push `i`: an order event, orders cycling over 50,000.
fn plaintext(i: usize) -> String {
    format!(
        r#"{{"ToUserName":"gh_bench","FromUserName":"o{i}","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{},"type":{}}}}}"#,
        1_760_000_000 + i,
        3_740_000_000_000_000_000u64 + (i % 50_000) as u64,
        1 + i % 23
    )
}

/// Push `i` as the platform sends it: the path with its signed query string, and the JSON body.
fn signed_push(i: usize) -> (String, String) {
    // Decoded once: the bench prepares a million pushes.
    static DECODED: std::sync::LazyLock<[u8; 32]> = std::sync::LazyLock::new(|| crypto::decode_key(KEY).unwrap());
    let key = *DECODED;
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&(i as u64).to_be_bytes());
    let encrypt = crypto::seal(&key, &random, plaintext(i).as_bytes(), APPID);
    let (ts, nonce) = ((1_760_000_000 + i).to_string(), (i * 7919).to_string());
    let sig = crypto::msg_signature(TOKEN, &ts, &nonce, &encrypt);
    let path = format!("/wx?timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={sig}");
    (path, format!(r#"{{"ToUserName":"gh_bench","Encrypt":"{encrypt}"}}"#))
}

/// The full request bytes of push `i`.
fn request(i: usize) -> Vec<u8> {
    let (path, body) = signed_push(i);
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A URL verification request: the same HTTP path without crypto or store.
fn verify_request(i: usize) -> Vec<u8> {
    format!("GET {} HTTP/1.1\r\nHost: bench\r\n\r\n", verify_path(i)).into_bytes()
}

/// The path and signed query string of URL verification `i`.
fn verify_path(i: usize) -> String {
    let (ts, nonce) = ((1_760_000_000 + i).to_string(), i.to_string());
    let sig = crypto::signature(TOKEN, &ts, &nonce);
    format!("/wx?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=success")
}

/// Sends one request on a keep-alive connection and reads the whole answer.
async fn exchange(conn: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> bool {
    if conn.write_all(req).await.is_err() {
        return false;
    }
    buf.clear();
    let mut chunk = [0u8; 1024];
    loop {
        let n = match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return head.starts_with("http/1.1 200") && &buf[end + 4..end + 4 + len] == b"success";
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn fmt(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn start(bin: &Path, db: &Path, port: u16) -> Server {
    let child = Command::new(bin)
        .arg("--store")
        .arg(db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env("ORDERSCOPE_LOG", std::env::var("ORDERSCOPE_LOG").unwrap_or_else(|_| "warn".into()))
        .env_remove("ORDERSCOPE_CONFIG")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server(child)
}

async fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.set_nodelay(true).unwrap();
    conn
}

/// One exchange; an acknowledged push adds its latency to `lat`.
async fn timed_exchange(conn: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>, lat: &mut Vec<Duration>) {
    let t = Instant::now();
    if exchange(conn, req, buf).await {
        lat.push(t.elapsed());
    }
}

/// Adds up the connections' acknowledged pushes and sorts their latencies.
async fn gather(tasks: Vec<tokio::task::JoinHandle<(usize, Vec<Duration>)>>) -> (usize, Vec<Duration>) {
    let (mut ok, mut lat) = (0, Vec::new());
    for t in tasks {
        let (o, l) = t.await.unwrap();
        ok += o;
        lat.extend(l);
    }
    lat.sort();
    (ok, lat)
}

async fn closed_loop(port: u16, reqs: Arc<Vec<Vec<u8>>>, conns: usize, secs: u64) -> (usize, Vec<Duration>) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (reqs, next) = (reqs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(port).await;
            let mut buf = Vec::with_capacity(512);
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= reqs.len() {
                    break;
                }
                timed_exchange(&mut conn, &reqs[i], &mut buf, &mut lat).await;
            }
            (lat.len(), lat)
        }));
    }
    gather(tasks).await
}

async fn steady(port: u16, reqs: Arc<Vec<Vec<u8>>>, offset: usize, rate: u64, secs: u64) -> (usize, Vec<Duration>) {
    // 8 connections share the schedule, each sending its slots on time.
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
            let mut lat = Vec::new();
            for k in 0..total {
                tick.tick().await;
                let i = offset + k * conns as usize + c;
                timed_exchange(&mut conn, &reqs[i], &mut buf, &mut lat).await;
            }
            (lat.len(), lat)
        }));
    }
    gather(tasks).await
}

/// Latency percentiles of `f` run `n` times, one call per `gap` (an open loop like a steady push rate).
fn at_cadence(n: usize, gap: Duration, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    let mut lat = Vec::with_capacity(n);
    let start = Instant::now();
    for k in 0..n {
        let due = start + gap * k as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let t = Instant::now();
        f(k);
        lat.push(t.elapsed());
    }
    lat.sort();
    (percentile(&lat, 0.5), percentile(&lat, 0.99))
}

/// What this disk and this store allow before any HTTP: the floors the
/// receiver's figures should be read against.
fn floors(dir: &Path) {
    use std::io::Write;
    use std::os::unix::fs::FileExt;
    // The disk: 28 KiB (the WAL frames of a one-push commit) written over a
    // preallocated file and fsynced, once per millisecond.
    let path = dir.join("fsync.probe");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&vec![0u8; 8 << 20]).unwrap();
    file.sync_all().unwrap();
    let chunk = vec![7u8; 28 << 10];
    let (p50, p99) = at_cadence(5000, Duration::from_millis(1), |k| {
        file.write_all_at(&chunk, ((k * chunk.len()) % (7 << 20)) as u64).unwrap();
        file.sync_all().unwrap();
    });
    println!("floor: this disk, 28 KiB write + fsync once per ms: p50 {} p99 {}", fmt(p50), fmt(p99));
    drop(file);
    let _ = std::fs::remove_file(&path);

    // The store alone (the receiver's own writes, synchronous=FULL), no HTTP.
    use orderscope::store::{Durability, OpenMode, Redelivery, Store};
    let db = dir.join("floor.db");
    let mut st = Store::open_with(&db, OpenMode::Create, Durability::Full).unwrap();
    let envelope = format!(r#"{{"ToUserName":"gh_bench","Encrypt":"{}"}}"#, "A".repeat(400));
    let texts: Vec<String> = (0..200_000).map(|i| plaintext(2_000_000 + i)).collect();
    let add = |st: &mut Store, batch: &[String]| {
        st.write(|c| {
            for text in batch {
                c.add_message(1_760_000_000, Some(&envelope), text, "serve", Redelivery::Count)?;
            }
            Ok(())
        })
        .unwrap();
    };
    // Warm up: a store with history and a WAL that has reached its size.
    for batch in texts[..20_000].chunks(16) {
        add(&mut st, batch);
    }
    let (p50, p99) = at_cadence(5000, Duration::from_millis(1), |k| add(&mut st, &texts[20_000 + k..20_001 + k]));
    println!("floor: the store alone, one push per commit once per ms: p50 {} p99 {}", fmt(p50), fmt(p99));
    let t = Instant::now();
    let groups = &texts[40_000..];
    for batch in groups.chunks(16) {
        add(&mut st, batch);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "floor: the store alone, groups of 16 back to back: {:.0} pushes/s ({:.2} ms per group)",
        groups.len() as f64 / secs,
        secs * 1000.0 / (groups.len() / 16) as f64
    );
    drop(st);

    // The least any SQLite store can do per push: one append-only table with
    // one time-ordered unique key, nothing else, same groups and durability.
    let bare = dir.join("floor-bare.db");
    let c = rusqlite::Connection::open(&bare).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE inbox (id INTEGER PRIMARY KEY, envelope TEXT, plaintext TEXT, dup_key TEXT UNIQUE);",
    )
    .unwrap();
    let t = Instant::now();
    for (g, batch) in groups.chunks(16).enumerate() {
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        let mut insert =
            c.prepare_cached("INSERT OR IGNORE INTO inbox (envelope, plaintext, dup_key) VALUES (?1, ?2, ?3)").unwrap();
        for (k, text) in batch.iter().enumerate() {
            insert.execute(rusqlite::params![envelope, text, format!("{:012}", g * 16 + k)]).unwrap();
        }
        drop(insert);
        c.execute_batch("COMMIT").unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "floor: a one-table SQLite store, groups of 16 back to back: {:.0} pushes/s ({:.2} ms per group)",
        groups.len() as f64 / secs,
        secs * 1000.0 / (groups.len() / 16) as f64
    );
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

/// Runs `wrk` (when installed) with `benches/wrk/push.lua`: 16 connections, 10 s.
fn wrk_run(dir: &Path, port: u16, first: usize, count: usize) {
    use std::io::Write;
    if Command::new("wrk").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        println!("wrk: not installed (apt-get install wrk), skipped");
        return;
    }
    let file = dir.join("pushes.tsv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in first..first + count {
        let (path, body) = signed_push(i);
        writeln!(out, "{path}\t{body}").unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/wrk/push.lua");
    let script_args = [script.as_os_str(), "--".as_ref(), file.as_os_str(), "2".as_ref()];
    let report = wrk(&format!("http://127.0.0.1:{port}/"), &script_args);
    println!(
        "wrk -t2 -c16 -d10s (benches/wrk/push.lua): {}; {}",
        wrk_summary(&report),
        report.lines().find(|l| l.starts_with("not acknowledged")).unwrap_or("")
    );
    let _ = std::fs::remove_file(&file);

    // The same tool on the HTTP path alone (URL verification: no decryption, no store).
    let report = wrk(&format!("http://127.0.0.1:{port}{}", verify_path(0)), &[]);
    println!("wrk -t2 -c16 -d10s, URL verification (no decryption, no store): {}", wrk_summary(&report));
}

/// Runs `wrk -t2 -c16 -d10s --latency` on `url` (with `-s SCRIPT -- ARGS` when given) and returns its report.
fn wrk(url: &str, script_args: &[&std::ffi::OsStr]) -> String {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c16", "-d10s", "--latency"]);
    if let Some((script, rest)) = script_args.split_first() {
        cmd.arg("-s").arg(script).arg(url).args(rest);
    } else {
        cmd.arg(url);
    }
    String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
}

/// Requests/s and latency percentiles from a wrk report.
fn wrk_summary(report: &str) -> String {
    format!(
        "{} requests/s; latency p50 {} p90 {} p99 {}",
        wrk_field(report, "Requests/sec:"),
        wrk_field(report, "50%"),
        wrk_field(report, "90%"),
        wrk_field(report, "99%")
    )
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/orderscope");
    if !bin.exists() {
        println!("build the release binary first: cargo build --release");
        return;
    }
    let n = 600_000;
    let t = Instant::now();
    let reqs: Arc<Vec<Vec<u8>>> = Arc::new((0..n).map(request).collect());
    println!("prepared {n} distinct signed pushes in {:.1} s", t.elapsed().as_secs_f64());
    let dir = std::env::temp_dir().join(format!("orderscope-bench-receiver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("receiver.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = start(&bin, &db, port);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let (ok, lat) = rt.block_on(closed_loop(port, reqs.clone(), 16, 10));
    println!(
        "16 connections, closed loop, 10 s: {} pushes acknowledged = {:.0} pushes/s; latency p50 {} p99 {} max {}",
        ok,
        ok as f64 / 10.0,
        fmt(percentile(&lat, 0.5)),
        fmt(percentile(&lat, 0.99)),
        fmt(*lat.last().unwrap_or(&Duration::ZERO))
    );
    let offset = ok + 1000;
    let (ok2, lat2) = rt.block_on(steady(port, reqs.clone(), offset.min(n - 10_000), 1000, 10));
    println!(
        "steady 1,000 pushes/s, 10 s: {} acknowledged; latency p50 {} p99 {} max {}",
        ok2,
        fmt(percentile(&lat2, 0.5)),
        fmt(percentile(&lat2, 0.99)),
        fmt(*lat2.last().unwrap_or(&Duration::ZERO))
    );
    let gets: Arc<Vec<Vec<u8>>> = Arc::new((0..20_000).map(verify_request).collect());
    let (ok3, lat3) = rt.block_on(steady(port, gets, 0, 1000, 10));
    println!(
        "baseline, steady 1,000 URL verifications/s (same HTTP path, no decryption, no store): {} answered; latency p50 {} p99 {}",
        ok3,
        fmt(percentile(&lat3, 0.5)),
        fmt(percentile(&lat3, 0.99)),
    );
    let store = orderscope::store::Store::open(&db, orderscope::store::OpenMode::Existing).unwrap();
    let (_, _, stored) = store.counts().unwrap();
    println!("stored {stored} messages; acknowledged {}", ok + ok2);
    assert!(stored as usize >= ok + ok2, "an acknowledged push is missing from the store");
    drop(store);
    // The load tool the issue names, with its own distinct pushes (after the ones above).
    wrk_run(&dir, port, n, 400_000);
    drop(server);
    floors(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

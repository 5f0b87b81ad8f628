//! The inspector as its user feels it: the release binary in a real terminal
//! (tmux), keys in with `send-keys`, the screen out with `capture-pane`.
//! Run with `cargo build --release && cargo bench --bench terminal`.
//!
//! - key to screen: 30 keys at irregular intervals (150-700 ms), the time
//!   from `send-keys` until the captured screen changed; on the demo, and on
//!   a store of 100,000 orders and 1,000,000 pushes while `serve` ingests
//!   into the same store as fast as 16 connections can push;
//! - the floor under it: the same measurement on `less` (one line scrolled),
//!   in the same run: tmux, capture-pane and process start-up cost it too;
//! - push to screen: a push answered `success` by `serve` until the open
//!   inspector shows it;
//! - CPU while idle with nothing changing;
//! - the filter: each character of five queries typed after `/` on the
//!   100,000 orders, key to screen, beside `less` measured again;
//! - first frame: process start until the list is on screen, on a store of
//!   200,000 orders, beside `less` on a file as the floor.

#[path = "common/mod.rs"]
mod common;
#[path = "common/latency.rs"]
mod latency;
#[path = "common/load.rs"]
mod load;
#[path = "../tests/common/tmux.rs"]
mod tmux;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use latency::Latencies;
use load::{APPID, KEY, Server, TOKEN};
use tmux::Tmux;

const SEED: &str = "3732676853715311104";

/// A private tmux server running `command` at 160x45, polling its screen
/// every millisecond: a wait here is a measurement.
fn terminal(name: &str, command: &str) -> Tmux {
    let t = Tmux::started(&format!("bench-{name}"), 160, 45, command).polling_every(Duration::from_millis(1));
    // tmux holds a lone Escape for 500 ms by default.
    t.set_option("escape-time", "0");
    t
}

/// How long `wait_for` took: from now until the screen satisfies `ok`.
fn time_until(t: &Tmux, what: &str, ok: impl Fn(&str) -> bool) -> Duration {
    let t0 = Instant::now();
    t.wait_for(what, ok);
    t0.elapsed()
}

/// Sends one key and returns how long until the screen changed (colours
/// included: a moved highlight is a change), or 3 s when it did not.
fn key_to_screen(t: &Tmux, key: &str) -> Duration {
    let before = t.styled_screen();
    let t0 = Instant::now();
    t.keys(&[key]);
    while t.styled_screen() == before {
        if t0.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    t0.elapsed()
}

/// A small deterministic generator: the same irregular intervals every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// The line every figure of this bench is printed as.
fn line(l: &Latencies) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.1} ms, p90 {:.1} ms, max {:.1} ms over {}",
        ms(l.median()),
        ms(l.quantile(0.9)),
        ms(l.max()),
        l.len()
    )
}

/// 30 keys that always move something: up and down within a few rows of
/// where the selection started, at irregular intervals.
fn keys_at_irregular_intervals(t: &Tmux, down: &str, up: &str) -> Latencies {
    let mut rng = Lcg(7);
    let mut pos = 0i32;
    let mut out = Latencies::new();
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(rng.between(150, 700)));
        let go_down = pos == 0 || (pos < 5 && rng.next().is_multiple_of(2));
        let key = if go_down { down } else { up };
        pos += if go_down { 1 } else { -1 };
        out.record(key_to_screen(t, key));
    }
    out
}

fn less_floor(file: &Path) -> Latencies {
    let t = terminal("less", &format!("exec less {}", file.display()));
    t.wait_for("less", |s| s.contains("line 0001"));
    keys_at_irregular_intervals(&t, "j", "k")
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// One signed, encrypted push request for an order, as the platform sends it.
fn push_request(order_id: &str, create_time: i64, nonce: u64) -> Vec<u8> {
    let plaintext = format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":{create_time},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{order_id},"type":5}}}}"#
    );
    let key = orderscope::crypto::decode_key(KEY).unwrap();
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&nonce.to_le_bytes());
    let encrypt = orderscope::crypto::seal(&key, &random, plaintext.as_bytes(), APPID);
    let (timestamp, nonce) = (create_time.to_string(), nonce.to_string());
    let sig = orderscope::crypto::msg_signature(TOKEN, &timestamp, &nonce, &encrypt);
    let body = format!(r#"{{"ToUserName":"gh_1","Encrypt":"{encrypt}"}}"#);
    format!(
        "POST /?timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={sig} HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends a request on a keep-alive connection and reads the answer's body.
fn exchange(conn: &mut BufReader<TcpStream>, request: &[u8]) -> String {
    conn.get_mut().write_all(request).unwrap();
    let mut len = 0;
    loop {
        let mut line = String::new();
        conn.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

fn connect(port: u16) -> BufReader<TcpStream> {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_nodelay(true).unwrap();
    BufReader::new(s)
}

/// Pushes as fast as 16 connections can, each push a different order of the
/// large store, until `stop`; counts the acknowledged ones.
fn saturate(port: u16, stop: Arc<AtomicBool>, acked: Arc<AtomicU64>) -> Vec<std::thread::JoinHandle<()>> {
    (0..16u64)
        .map(|c| {
            let (stop, acked) = (stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut conn = connect(port);
                let mut rng = Lcg(c + 100);
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let order = common::BASE_ID + rng.between(0, common::ORDERS);
                    let req = push_request(&order.to_string(), 1_800_000_000 + n as i64, c << 40 | n);
                    n += 1;
                    if exchange(&mut conn, &req) == "success" {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/orderscope");
    if !bin.exists() || Command::new("tmux").arg("-V").output().is_err() {
        println!("terminal bench: skipped (needs tmux and target/release/orderscope: cargo build --release)");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let text: String = (1..=5000).map(|i| format!("line {i:04} of a plain file\n")).collect();
    let file = work.path().join("plain.txt");
    std::fs::write(&file, text).unwrap();

    // Key to screen on the demo, beside less.
    let floor = less_floor(&file);
    let demo = terminal("demo", &format!("exec env LANG=C.UTF-8 {} demo", bin.display()));
    demo.wait_for("the demo", |s| s.contains(&format!("▶{SEED}")));
    std::thread::sleep(Duration::from_secs(2));
    let on_demo = keys_at_irregular_intervals(&demo, "k", "j");
    drop(demo);
    println!("key to screen, less (floor):          {}", line(&floor));
    println!("key to screen, demo:                  {}", line(&on_demo));

    // Key to screen on 100,000 orders / 1,000,000 pushes while serve ingests.
    let large = common::store_path();
    common::ensure_store(&large);
    let serve = Server::start(&bin, large.as_os_str(), None, "warn");
    let insp = terminal("large", &format!("exec {} --store {} tui", bin.display(), large.display()));
    insp.wait_for("the large store", |s| s.contains('▶'));
    std::thread::sleep(Duration::from_secs(2));
    let (stop, acked) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let load = saturate(serve.port, stop.clone(), acked.clone());
    std::thread::sleep(Duration::from_secs(2));
    let floor_loaded = less_floor(&file);
    let (t0, a0) = (Instant::now(), acked.load(Ordering::Relaxed));
    let loaded = keys_at_irregular_intervals(&insp, "j", "k");
    let rate = (acked.load(Ordering::Relaxed) - a0) as f64 / t0.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for h in load {
        let _ = h.join();
    }
    println!("key to screen, less during ingest:    {}", line(&floor_loaded));
    println!(
        "key to screen, 100,000 orders / 1,000,000 pushes while serve ingests {rate:.0} pushes/s: {}",
        line(&loaded)
    );

    // Idle: nothing changing, nothing fetching. The receiver is stopped
    // first, and its projection of the load's backlog has ended.
    drop(serve);
    std::thread::sleep(Duration::from_secs(5));
    let pid = insp.pane_pid();
    let c0 = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(10));
    let used = (cpu_ticks(pid) - c0) as f64 / 100.0;
    println!("CPU while idle (10 s, no changes):    {:.0} ms = {:.2}% of a core", used * 1000.0, used / 10.0 * 100.0);

    // The filter on 100,000 orders: each typed character is a settled key
    // that filters the whole list, from send-keys until the screen shows it.
    let floor_filter = less_floor(&file);
    let mut typed = Latencies::new();
    let mut rng = Lcg(13);
    for query in ["0775", "tel:0775", "wb:sf326", "evt:发货", "since:10m"] {
        key_to_screen(&insp, "/");
        for c in query.chars() {
            std::thread::sleep(Duration::from_millis(rng.between(150, 400)));
            typed.record(key_to_screen(&insp, &c.to_string()));
        }
        std::thread::sleep(Duration::from_millis(200));
        key_to_screen(&insp, "Escape");
    }
    println!("key to screen, less (floor):          {}", line(&floor_filter));
    println!("filter key to screen, 100,000 orders: {}", line(&typed));
    drop(insp);

    // Push to screen: serve and the inspector on one store, the seed order open.
    let db = work.path().join("push.db");
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/seed/order-3732676853715311104-before-shipping.json");
    let o = Command::new(&bin).arg("--store").arg(&db).arg("import").arg(&seed).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let serve = Server::start(&bin, db.as_os_str(), None, "warn");
    let insp = terminal("push", &format!("exec env LANG=en_US.UTF-8 {} --store {} tui", bin.display(), db.display()));
    insp.wait_for("the seed order", |s| s.contains("Messages (0)"));
    let mut conn = connect(serve.port);
    let mut rng = Lcg(11);
    let mut pushed = Latencies::new();
    for i in 1..=30 {
        std::thread::sleep(Duration::from_millis(rng.between(200, 800)));
        let answer = exchange(&mut conn, &push_request(SEED, 1_764_656_488 + i, 9_000 + i as u64));
        assert_eq!(answer, "success");
        let want = format!("Messages ({i})");
        pushed.record(time_until(&insp, "the push", |s| s.contains(&want)));
    }
    println!("push answered success to on screen:   {}", line(&pushed));
    drop(insp);
    drop(serve);

    // First frame on 200,000 orders, beside less.
    let wide: PathBuf = large.with_file_name("first-frame.db");
    common::ensure_wide_store(&wide, 200_000);
    let mut first = Latencies::new();
    let mut floor_first = Latencies::new();
    for round in 0..5 {
        let t = terminal(&format!("ff{round}"), "exec sleep 60");
        t.respawn(&format!("exec {} --store {} tui", bin.display(), wide.display()));
        first.record(time_until(&t, "the list", |s| s.contains('▶')));
        let t = terminal(&format!("fl{round}"), "exec sleep 60");
        t.respawn(&format!("exec less {}", file.display()));
        floor_first.record(time_until(&t, "less", |s| s.contains("line 0001")));
    }
    println!("first frame, less on a file (floor):  {}", line(&floor_first));
    println!("first frame, 200,000 orders:          {}", line(&first));
}

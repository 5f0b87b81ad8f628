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
#[path = "common/load.rs"]
mod load;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use load::{APPID, KEY, Server, TOKEN};

const SEED: &str = "3732676853715311104";

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16, command: &str) -> Tmux {
        let t = Tmux { socket: format!("orderscope-bench-{name}-{}", std::process::id()) };
        t.cmd(&["kill-server"]);
        t.cmd(&["new-session", "-d", "-s", "b", "-x", &w.to_string(), "-y", &h.to_string(), command]);
        // tmux holds a lone Escape for 500 ms by default.
        t.cmd(&["set", "-g", "escape-time", "0"]);
        t
    }

    fn cmd(&self, args: &[&str]) -> Vec<u8> {
        Command::new("tmux")
            .arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .map(|o| o.stdout)
            .unwrap_or_default()
    }

    fn screen(&self) -> Vec<u8> {
        self.cmd(&["capture-pane", "-p", "-e", "-t", "b"])
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "b"])).into_owned()
    }

    fn wait_for(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> Duration {
        let t0 = Instant::now();
        loop {
            if ok(&self.text()) {
                return t0.elapsed();
            }
            assert!(t0.elapsed() < limit, "timed out waiting for {what}:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn pid(&self) -> u32 {
        String::from_utf8_lossy(&self.cmd(&["display-message", "-p", "-t", "b", "#{pane_pid}"])).trim().parse().unwrap()
    }

    /// Sends one key and returns how long until the screen changed.
    fn key_to_screen(&self, key: &str) -> Duration {
        let before = self.screen();
        let t0 = Instant::now();
        self.cmd(&["send-keys", "-t", "b", key]);
        while self.screen() == before {
            if t0.elapsed() > Duration::from_secs(3) {
                break;
            }
        }
        t0.elapsed()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
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

struct Figures(Vec<Duration>);

impl Figures {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort();
        v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    }
    fn line(&self) -> String {
        format!(
            "median {:.1} ms, p90 {:.1} ms, max {:.1} ms over {}",
            self.pct(0.5),
            self.pct(0.9),
            self.pct(1.0),
            self.0.len()
        )
    }
}

/// 30 keys that always move something: up and down within a few rows of
/// where the selection started, at irregular intervals.
fn keys_at_irregular_intervals(t: &Tmux, down: &str, up: &str) -> Figures {
    let mut rng = Lcg(7);
    let mut pos = 0i32;
    let mut out = Vec::new();
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(rng.between(150, 700)));
        let go_down = pos == 0 || (pos < 5 && rng.next().is_multiple_of(2));
        let key = if go_down { down } else { up };
        pos += if go_down { 1 } else { -1 };
        out.push(t.key_to_screen(key));
    }
    Figures(out)
}

fn less_floor(file: &Path) -> Figures {
    let t = Tmux::start("less", 160, 45, &format!("exec less {}", file.display()));
    t.wait_for("less", Duration::from_secs(5), |s| s.contains("line 0001"));
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
    let demo = Tmux::start("demo", 160, 45, &format!("exec env LANG=C.UTF-8 {} demo", bin.display()));
    demo.wait_for("the demo", Duration::from_secs(20), |s| s.contains(&format!("▶{SEED}")));
    std::thread::sleep(Duration::from_secs(2));
    let on_demo = keys_at_irregular_intervals(&demo, "k", "j");
    drop(demo);
    println!("key to screen, less (floor):          {}", floor.line());
    println!("key to screen, demo:                  {}", on_demo.line());

    // Key to screen on 100,000 orders / 1,000,000 pushes while serve ingests.
    let large = common::store_path();
    common::ensure_store(&large);
    let serve = Server::start(&bin, large.as_os_str(), None, "warn");
    let insp = Tmux::start("large", 160, 45, &format!("exec {} --store {} tui", bin.display(), large.display()));
    insp.wait_for("the large store", Duration::from_secs(30), |s| s.contains('▶'));
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
    println!("key to screen, less during ingest:    {}", floor_loaded.line());
    println!(
        "key to screen, 100,000 orders / 1,000,000 pushes while serve ingests {rate:.0} pushes/s: {}",
        loaded.line()
    );

    // Idle: nothing changing, nothing fetching. The receiver is stopped
    // first, and its projection of the load's backlog has ended.
    drop(serve);
    std::thread::sleep(Duration::from_secs(5));
    let pid = insp.pid();
    let c0 = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(10));
    let used = (cpu_ticks(pid) - c0) as f64 / 100.0;
    println!("CPU while idle (10 s, no changes):    {:.0} ms = {:.2}% of a core", used * 1000.0, used / 10.0 * 100.0);

    // The filter on 100,000 orders: each typed character is a settled key
    // that filters the whole list, from send-keys until the screen shows it.
    let floor_filter = less_floor(&file);
    let mut typed = Vec::new();
    let mut rng = Lcg(13);
    for query in ["0775", "tel:0775", "wb:sf326", "evt:发货", "since:10m"] {
        insp.key_to_screen("/");
        for c in query.chars() {
            std::thread::sleep(Duration::from_millis(rng.between(150, 400)));
            typed.push(insp.key_to_screen(&c.to_string()));
        }
        std::thread::sleep(Duration::from_millis(200));
        insp.key_to_screen("Escape");
    }
    println!("key to screen, less (floor):          {}", floor_filter.line());
    println!("filter key to screen, 100,000 orders: {}", Figures(typed).line());
    drop(insp);

    // Push to screen: serve and the inspector on one store, the seed order open.
    let db = work.path().join("push.db");
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/seed/order-3732676853715311104-before-shipping.json");
    let o = Command::new(&bin).arg("--store").arg(&db).arg("import").arg(&seed).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let serve = Server::start(&bin, db.as_os_str(), None, "warn");
    let insp = Tmux::start(
        "push",
        160,
        45,
        &format!("exec env LANG=en_US.UTF-8 {} --store {} tui", bin.display(), db.display()),
    );
    insp.wait_for("the seed order", Duration::from_secs(20), |s| s.contains("Messages (0)"));
    let mut conn = connect(serve.port);
    let mut rng = Lcg(11);
    let mut pushed = Vec::new();
    for i in 1..=30 {
        std::thread::sleep(Duration::from_millis(rng.between(200, 800)));
        let answer = exchange(&mut conn, &push_request(SEED, 1_764_656_488 + i, 9_000 + i as u64));
        assert_eq!(answer, "success");
        let want = format!("Messages ({i})");
        pushed.push(insp.wait_for("the push", Duration::from_secs(10), |s| s.contains(&want)));
    }
    println!("push answered success to on screen:   {}", Figures(pushed).line());
    drop(insp);
    drop(serve);

    // First frame on 200,000 orders, beside less.
    let wide: PathBuf = large.with_file_name("first-frame.db");
    common::ensure_wide_store(&wide, 200_000);
    let mut first = Vec::new();
    let mut floor_first = Vec::new();
    for round in 0..5 {
        let t = Tmux::start(&format!("ff{round}"), 160, 45, "exec sleep 60");
        t.cmd(&["respawn-pane", "-k", "-t", "b", &format!("exec {} --store {} tui", bin.display(), wide.display())]);
        first.push(t.wait_for("the list", Duration::from_secs(10), |s| s.contains('▶')));
        let t = Tmux::start(&format!("fl{round}"), 160, 45, "exec sleep 60");
        t.cmd(&["respawn-pane", "-k", "-t", "b", &format!("exec less {}", file.display())]);
        floor_first.push(t.wait_for("less", Duration::from_secs(10), |s| s.contains("line 0001")));
    }
    println!("first frame, less on a file (floor):  {}", Figures(floor_first).line());
    println!("first frame, 200,000 orders:          {}", Figures(first).line());
}

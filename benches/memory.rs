//! Peak memory of every command on a large store: 100,000 orders and
//! 1,000,000 pushes (the inspector benchmarks' store, kept in target/bench/).
//! Each command is the release binary, its output drained through a pipe
//! as a reader of it would; its peak resident memory is the kernel's count
//! for the child (`ru_maxrss` from `wait4`). The floor beside the figures is
//! the same binary doing next to nothing: `--version`, and `orders` on an
//! empty store. Any command above 64 MB fails the run.
//!
//! Run: `cargo build --release && cargo bench --bench memory`
//! (with `ORDERSCOPE_BENCH_PG=postgres://USER@HOST:PORT/postgres`, also
//! `store copy` into PostgreSQL and the listings read back from it; the
//! bench creates and drops its own database there).

#[path = "common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BASE_ID, ORDERS, ensure_store, store_path};
use orderscope::store::{Durability, Location, OpenMode, Store};

/// The most any command may hold at once.
const LIMIT_MB: f64 = 64.0;
/// Pushes in the imported JSON-lines log.
const LOG_PUSHES: u64 = 1_000_000;
/// Pushes in the imported JSON array (one document, read as a whole).
const ARRAY_PUSHES: u64 = 100_000;
/// Quarantined pushes `messages --reprocess` retries.
const QUARANTINED: u64 = 100_000;

const TOKEN: &str = "benchtoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxbench0000000001";
/// The key the quarantined pushes were sealed with: not the configured one.
const OTHER_KEY: &str = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg";

/// One finished run: peak resident memory, wall time, bytes written to stdout, exit status.
struct Run {
    peak_mb: f64,
    wall: Duration,
    out_bytes: u64,
    /// The exit code, when it exited.
    exit: Option<i32>,
    ok: bool,
    stderr: String,
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench")
}

fn binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/orderscope")
}

/// Runs the binary with `args` and `env`, reading everything it prints, and
/// reaps it with `wait4` for its peak resident memory.
fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(binary())
        .args(args)
        .env_remove("ORDERSCOPE_STORE")
        .env_remove("ORDERSCOPE_CONFIG")
        // No config file of the user's: the run depends on its flags only.
        .env("HOME", bench_dir())
        .env("LANG", "en_US.UTF-8")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the release binary runs (cargo build --release)");
    let mut stdout = child.stdout.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        total
    });
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our unreaped child; status and usage are valid for writes.
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(reaped, child.id() as libc::pid_t, "wait4: {}", std::io::Error::last_os_error());
    let wall = started.elapsed();
    // Reaped above: this only tells std the child is gone (an ECHILD error, ignored).
    let _ = child.wait();
    let out_bytes = drain.join().unwrap();
    let said = errors.join().unwrap();
    let exit = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // ru_maxrss is in KiB on Linux.
    Run { peak_mb: usage.ru_maxrss as f64 / 1024.0, wall, out_bytes, exit, ok: exit == Some(0), stderr: said }
}

fn remove_store(path: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

/// A push about order `i` of the large store, as the receiver stores it.
fn push_line(i: u64) -> String {
    format!(
        r#"{{"ToUserName":"gh_bench","FromUserName":"o{i}","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{},"type":{}}}}}"#,
        1_760_000_000 + i,
        BASE_ID + i % ORDERS,
        1 + i % 23
    )
}

/// The import inputs, written once: a JSON-lines log and one JSON array.
fn ensure_import_files(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("pushes.jsonl");
    let array = dir.join("pushes-array.json");
    if !log.exists() {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
        for i in 0..LOG_PUSHES {
            writeln!(out, "{}", push_line(i)).unwrap();
        }
        out.flush().unwrap();
    }
    if !array.exists() {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&array).unwrap());
        writeln!(out, "[").unwrap();
        for i in 0..ARRAY_PUSHES {
            let comma = if i + 1 < ARRAY_PUSHES { "," } else { "" };
            writeln!(out, "  {}{comma}", push_line(LOG_PUSHES + i)).unwrap();
        }
        writeln!(out, "]").unwrap();
        out.flush().unwrap();
    }
    (log, array)
}

/// A store holding `QUARANTINED` signed pushes that do not decrypt with the
/// configured key, for `messages --reprocess` to retry (and keep: every
/// retry fails again, so each run retries the same pushes).
fn ensure_quarantine_store(path: &Path) {
    if Store::open(path, OpenMode::Existing)
        .and_then(|s| s.reads().quarantined_count())
        .is_ok_and(|n| n as u64 == QUARANTINED)
    {
        return;
    }
    remove_store(path);
    let mut store = Store::open(path, OpenMode::Create).unwrap();
    let key = orderscope::crypto::decode_key(OTHER_KEY).unwrap();
    for chunk in 0..QUARANTINED.div_ceil(10_000) {
        store
            .write(|c| {
                for i in chunk * 10_000..((chunk + 1) * 10_000).min(QUARANTINED) {
                    let mut random = [0u8; 16];
                    random[..8].copy_from_slice(&i.to_be_bytes());
                    let encrypt = orderscope::crypto::seal(&key, &random, push_line(i).as_bytes(), APPID);
                    let envelope = format!(r#"{{"ToUserName":"gh_bench","Encrypt":"{encrypt}"}}"#);
                    c.add_quarantined(1_760_000_000 + i as i64, &envelope, "bench: the wrong EncodingAESKey")?;
                }
                Ok(())
            })
            .unwrap();
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if !binary().exists() {
        eprintln!("build the release binary first: cargo build --release && cargo bench --bench memory");
        std::process::exit(1);
    }
    let dir = bench_dir();
    let large = store_path();
    ensure_store(&large);
    let empty = dir.join("empty.db");
    drop(Store::open(&empty, OpenMode::Create).unwrap());
    let (log, array) = ensure_import_files(&dir);
    let quarantine = dir.join("quarantine.db");
    ensure_quarantine_store(&quarantine);

    let large_s = large.display().to_string();
    let empty_s = empty.display().to_string();
    let one = (BASE_ID + 17).to_string();
    let other = (BASE_ID + 18).to_string();
    let copy = dir.join("copy.db");
    let copy_s = copy.display().to_string();
    let imported = dir.join("imported.db");
    let imported_s = imported.display().to_string();
    let quarantine_s = quarantine.display().to_string();
    let (log_s, array_s) = (log.display().to_string(), array.display().to_string());
    let receiver_env =
        [("ORDERSCOPE_PUSH_TOKEN", TOKEN), ("ORDERSCOPE_PUSH_AES_KEY", KEY), ("ORDERSCOPE_APPID", APPID)];

    println!("store: {ORDERS} orders, {} pushes ({})", ORDERS * common::MESSAGES_PER_ORDER, large.display());
    let floors = [
        ("orderscope --version", run(&["--version"], &[])),
        ("orders on an empty store", run(&["--store", &empty_s, "orders"], &[])),
    ];
    for (what, r) in &floors {
        println!("floor: {what}: {:.1} MB peak, {:.3} s", r.peak_mb, r.wall.as_secs_f64());
    }
    let floor = floors.iter().map(|(_, r)| r.peak_mb).fold(0.0, f64::max);

    let on_large =
        |rest: &[&str]| -> Vec<String> { ["--store", &large_s].iter().chain(rest).map(|s| s.to_string()).collect() };
    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    for rest in [
        &["orders"][..],
        &["orders", "--json"],
        &["orders", "--jsonl"],
        &["orders", "--since", "1d", "--limit", "100", "--json"],
        &["expiring", "--within", "3650d", "--json"],
        &["messages"],
        &["messages", "--json"],
        &["messages", "--jsonl"],
        &["messages", "--limit", "1000", "--json"],
        &["messages", &one],
        &["messages", &one, "--json"],
        &["show", &one, "--json"],
        &["show", &one],
        &["diff", &one, "--json"],
        &["timeline", &one, "--json"],
        &["timeline", &one],
        &["report", &one],
        &["compare", &one, &other, "--json"],
    ] {
        let args = on_large(rest);
        cases.push((args[2..].join(" "), args));
    }

    println!();
    println!("| command | peak MB | wall s | stdout MB | floor MB |");
    println!("|---|---|---|---|---|");
    let mut over = Vec::new();
    let mut report = |what: &str, r: Run| {
        if !r.ok {
            let lines = r.stderr.lines().count();
            let first = r.stderr.lines().next().unwrap_or("");
            println!("  {what}: exit {:?}: {first} ({lines} lines on stderr)", r.exit);
        }
        println!(
            "| `{what}` | {:.1} | {:.2} | {:.2} | {floor:.1} |",
            r.peak_mb,
            r.wall.as_secs_f64(),
            r.out_bytes as f64 / 1e6
        );
        if r.peak_mb > LIMIT_MB || !r.ok {
            over.push(format!("{what}: {:.1} MB{}", r.peak_mb, if r.ok { "" } else { " (failed)" }));
        }
    };
    for (what, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        report(what, run(&args, &[]));
    }

    remove_store(&copy);
    report(
        "store copy --from LARGE --to COPY.db (SQLite to SQLite)",
        run(&["store", "copy", "--from", &large_s, "--to", &copy_s], &[]),
    );
    remove_store(&imported);
    report(
        &format!("import pushes.jsonl ({LOG_PUSHES} lines, {} MB)", std::fs::metadata(&log).unwrap().len() >> 20),
        run(&["--store", &imported_s, "import", &log_s], &[]),
    );
    remove_store(&imported);
    report(
        &format!(
            "import pushes-array.json ({ARRAY_PUSHES} pushes in one array, {} MB)",
            std::fs::metadata(&array).unwrap().len() >> 20
        ),
        run(&["--store", &imported_s, "import", &array_s], &[]),
    );
    let mut retried = run(&["--store", &quarantine_s, "messages", "--reprocess"], &receiver_env);
    // Exit 1 is its answer here: every push is still quarantined.
    retried.ok = retried.exit == Some(1);
    report(&format!("messages --reprocess ({QUARANTINED} quarantined, all still unreadable)"), retried);

    if let Some(server) = std::env::var("ORDERSCOPE_BENCH_PG").ok().filter(|v| !v.is_empty()) {
        let name = format!("orderscope_bench_memory_{}", std::process::id());
        let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("the PostgreSQL server answers");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let mut url = url::Url::parse(&server).unwrap();
        url.set_path(&format!("/{name}"));
        let pg = url.to_string();
        drop(Store::open_at(&Location::parse(&pg), OpenMode::Create, Durability::Normal).unwrap());
        report(
            "store copy --from LARGE --to postgres://… (SQLite to PostgreSQL)",
            run(&["store", "copy", "--from", &large_s, "--to", &pg], &[]),
        );
        for rest in [&["orders", "--json"][..], &["messages", "--json"], &["messages", "--jsonl"], &["timeline", &one]]
        {
            let args: Vec<&str> = ["--store", pg.as_str()].iter().copied().chain(rest.iter().copied()).collect();
            report(&format!("{} (PostgreSQL)", rest.join(" ")), run(&args, &[]));
        }
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    }

    if over.is_empty() {
        println!("\nevery command stayed under {LIMIT_MB} MB");
    } else {
        println!("\nover {LIMIT_MB} MB or failed:");
        for line in &over {
            println!("  {line}");
        }
        std::process::exit(1);
    }
}

//! Pushes while a big `import` writes to the same PostgreSQL store: the
//! release binary (`orderscope serve`) takes a steady 200 pushes/s from 4
//! keep-alive connections, first alone (the floor), then while
//! `orderscope import` loads a 200,000-line push log into the same
//! database. The writers share one lock, so a push waits for the import's
//! transaction in progress; the import commits every 15 ms (or 1,000
//! documents), and that turn is what the push latency shows.
//!
//! Run: `cargo build --release && ORDERSCOPE_BENCH_PG=postgres://USER@HOST:PORT/postgres cargo bench --bench import_turns`
//! (`ORDERSCOPE_TEST_PG` is used when `ORDERSCOPE_BENCH_PG` is not set; the
//! bench creates and drops its own database on that server).
//! `ORDERSCOPE_BENCH_IMPORT_BIN` runs another build's binary for the
//! import, to compare with it.

#[path = "common/latency.rs"]
mod latency;
#[path = "common/load.rs"]
mod load;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use latency::Latencies;
use load::{Server, connect, exchange};

const LOG_LINES: usize = 200_000;
const CONNS: usize = 4;
const RATE: u64 = 200;

/// Pushes `first`, `first + 1`, … at a steady `RATE` from `CONNS` connections until `stop` is set
/// (checked each tick) or `limit` pushes per connection were sent. Latencies of
/// the acknowledged pushes, and how many were not acknowledged.
async fn steady(
    port: u16,
    reqs: Arc<Vec<Vec<u8>>>,
    first: usize,
    stop: Arc<AtomicBool>,
    limit: usize,
) -> (Latencies, usize) {
    let interval = Duration::from_nanos(1_000_000_000 * CONNS as u64 / RATE);
    let mut tasks = Vec::new();
    for c in 0..CONNS {
        let (reqs, stop) = (reqs.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(port).await;
            let (mut buf, mut lat, mut failed) = (Vec::with_capacity(512), Latencies::new(), 0);
            let start = tokio::time::Instant::now() + interval * c as u32 / CONNS as u32;
            let mut tick = tokio::time::interval_at(start, interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for k in 0..limit {
                tick.tick().await;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let t = Instant::now();
                if exchange(&mut conn, &reqs[(first + k * CONNS + c) % reqs.len()], &mut buf).await {
                    lat.record(t.elapsed());
                } else {
                    failed += 1;
                    conn = connect(port).await;
                }
            }
            (lat, failed)
        }));
    }
    let (mut all, mut failed) = (Latencies::new(), 0);
    for t in tasks {
        let (lat, f) = t.await.unwrap();
        all.add(&lat);
        failed += f;
    }
    (all, failed)
}

fn line(name: &str, lat: &Latencies, failed: usize) {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{name}: {} pushes answered ({failed} not); p50 {} p99 {} max {}",
        lat.len(),
        ms(lat.median()),
        ms(lat.p99()),
        ms(lat.max())
    );
}

fn main() {
    let Some(bin) = load::release_binary() else {
        return;
    };
    let Some(server) = std::env::var("ORDERSCOPE_BENCH_PG").or_else(|_| std::env::var("ORDERSCOPE_TEST_PG")).ok()
    else {
        println!("set ORDERSCOPE_BENCH_PG to a PostgreSQL server's URL (the bench creates its own database there)");
        return;
    };
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let name = "orderscope_bench_import";
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    let store = url.to_string();

    // The log: distinct pushes about other orders than the live ones.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("pushes.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    for i in 0..LOG_LINES {
        writeln!(w, "{}", load::plaintext(10_000_000 + i)).unwrap();
    }
    w.into_inner().unwrap().sync_all().unwrap();
    let reqs: Arc<Vec<Vec<u8>>> = Arc::new((0..40_000).map(load::request).collect());

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let receiver = Server::start(&bin, std::ffi::OsStr::new(&store), None, "warn");
    let never = Arc::new(AtomicBool::new(false));
    let per_conn = (RATE as usize / CONNS) * 10;
    let (floor, failed) = rt.block_on(steady(receiver.port, reqs.clone(), 0, never, per_conn));
    line("floor: steady 200 pushes/s for 10 s, nothing else writing", &floor, failed);

    let stop = Arc::new(AtomicBool::new(false));
    let importer = {
        let bin = std::env::var_os("ORDERSCOPE_BENCH_IMPORT_BIN").map(std::path::PathBuf::from).unwrap_or(bin.clone());
        let (store, log, stop) = (store.clone(), log.clone(), stop.clone());
        std::thread::spawn(move || {
            let t = Instant::now();
            let out = std::process::Command::new(bin)
                .arg("--store")
                .arg(&store)
                .arg("import")
                .arg(&log)
                .env_remove("ORDERSCOPE_CONFIG")
                .output()
                .unwrap();
            stop.store(true, Ordering::Relaxed);
            assert!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
            (t.elapsed(), String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
    };
    let (during, failed) = rt.block_on(steady(receiver.port, reqs.clone(), per_conn * CONNS, stop, usize::MAX));
    let (took, summary) = importer.join().unwrap();
    line(&format!("during import of {LOG_LINES} lines ({:.1} s: {summary})", took.as_secs_f64()), &during, failed);
    drop(receiver);
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
}

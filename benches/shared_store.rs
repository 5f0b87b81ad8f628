//! The receiver's durable pushes on each store backend, in one run: the
//! release binary (`orderscope serve`) on a SQLite file (`synchronous=FULL`)
//! and on a PostgreSQL database (`synchronous_commit` on), one receiver and
//! two receivers sharing one PostgreSQL store, under
//!
//! 1. a closed loop of 16 keep-alive connections for 10 s (pushes/s, p50, p99);
//! 2. an open loop at a steady 1,000 pushes/s for 10 s (p50, p99).
//!
//! With two receivers the connections and the rate are split evenly between
//! them, as a load balancer would. After each run, every acknowledged push
//! must be in the store. Each push is distinct, signed and encrypted.
//!
//! Run: `cargo build --release && ORDERSCOPE_BENCH_PG=postgres://USER@HOST:PORT/postgres cargo bench --bench shared_store`
//! (`ORDERSCOPE_TEST_PG` is used when `ORDERSCOPE_BENCH_PG` is not set; the
//! bench creates and drops its own database on that server).

#[path = "common/latency.rs"]
mod latency;
#[path = "common/load.rs"]
mod load;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use latency::Latencies;
use load::{APPID, KEY, Server, TOKEN, connect, exchange};
use orderscope::crypto;
use orderscope::store::{Durability, Location, OpenMode, Store};

const SECS: u64 = 10;
const STEADY_PUSHES: usize = 1000 * SECS as usize;

/// The request bytes of push `i`: an order event, orders cycling over 50,000.
fn request(i: usize) -> Vec<u8> {
    static DECODED: std::sync::LazyLock<[u8; 32]> = std::sync::LazyLock::new(|| crypto::decode_key(KEY).unwrap());
    let plaintext = format!(
        r#"{{"ToUserName":"gh_bench","FromUserName":"o{i}","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{},"type":{}}}}}"#,
        1_760_000_000 + i,
        3_740_000_000_000_000_000u64 + (i % 50_000) as u64,
        1 + i % 23
    );
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&(i as u64).to_be_bytes());
    let encrypt = crypto::seal(&DECODED, &random, plaintext.as_bytes(), APPID);
    // Signed now: a push signed long ago is a replay, looked up first.
    let (ts, nonce) = (load::signed_at().to_string(), (i * 7919).to_string());
    let sig = crypto::msg_signature(TOKEN, &ts, &nonce, &encrypt);
    let body = format!(r#"{{"ToUserName":"gh_bench","Encrypt":"{encrypt}"}}"#);
    format!(
        "POST /wx?timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={sig} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn gather(tasks: Vec<tokio::task::JoinHandle<Latencies>>) -> Latencies {
    let mut lat = Latencies::new();
    for t in tasks {
        lat.add(&t.await.unwrap());
    }
    lat
}

/// 16 connections spread over `ports`, each sending the next push as soon
/// as the last is answered. Latencies of the acknowledged pushes.
async fn closed_loop(ports: &[u16], reqs: Arc<Vec<Vec<u8>>>, next: Arc<AtomicUsize>) -> Latencies {
    let deadline = Instant::now() + Duration::from_secs(SECS);
    let mut tasks = Vec::new();
    for c in 0..16 {
        let (reqs, next, port) = (reqs.clone(), next.clone(), ports[c % ports.len()]);
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(port).await;
            let (mut buf, mut lat) = (Vec::with_capacity(512), Latencies::new());
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                // The last STEADY_PUSHES are the steady run's.
                if i >= reqs.len() - STEADY_PUSHES {
                    break;
                }
                let t = Instant::now();
                if exchange(&mut conn, &reqs[i], &mut buf).await {
                    lat.record(t.elapsed());
                }
            }
            lat
        }));
    }
    gather(tasks).await
}

/// A steady 1,000 pushes/s from 8 connections spread over `ports`.
async fn steady(ports: &[u16], reqs: Arc<Vec<Vec<u8>>>) -> Latencies {
    let (conns, rate) = (8u64, 1000u64);
    let interval = Duration::from_nanos(1_000_000_000 * conns / rate);
    let per_conn = (rate * SECS / conns) as usize;
    let first = reqs.len() - STEADY_PUSHES;
    let mut tasks = Vec::new();
    for c in 0..conns as usize {
        let (reqs, port) = (reqs.clone(), ports[c % ports.len()]);
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(port).await;
            let (mut buf, mut lat) = (Vec::with_capacity(512), Latencies::new());
            let start = tokio::time::Instant::now() + interval * c as u32 / conns as u32;
            let mut tick = tokio::time::interval_at(start, interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for k in 0..per_conn {
                tick.tick().await;
                let t = Instant::now();
                if exchange(&mut conn, &reqs[first + k * conns as usize + c], &mut buf).await {
                    lat.record(t.elapsed());
                }
            }
            lat
        }));
    }
    gather(tasks).await
}

fn stored(store: &str) -> i64 {
    let s = Store::open_at(&Location::parse(store), OpenMode::Existing, Durability::Normal).unwrap();
    s.reads().counts().unwrap().2
}

/// Runs both loads on `receivers` receivers sharing `store`; one line each.
fn measure(
    bin: &Path,
    name: &str,
    store: &str,
    receivers: usize,
    reqs: &Arc<Vec<Vec<u8>>>,
    rt: &tokio::runtime::Runtime,
) {
    let servers: Vec<_> =
        (0..receivers).map(|_| Server::start(bin, std::ffi::OsStr::new(store), None, "warn")).collect();
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let next = Arc::new(AtomicUsize::new(0));
    let lat = rt.block_on(closed_loop(&ports, reqs.clone(), next.clone()));
    println!(
        "{name}: 16 connections, closed loop, {SECS} s: {:.0} pushes/s; p50 {} p99 {}",
        lat.len() as f64 / SECS as f64,
        ms(lat.median()),
        ms(lat.p99())
    );
    let acknowledged = lat.len() as usize;
    let lat = rt.block_on(steady(&ports, reqs.clone()));
    println!(
        "{name}: steady 1,000 pushes/s, {SECS} s: {} acknowledged; p50 {} p99 {} max {}",
        lat.len(),
        ms(lat.median()),
        ms(lat.p99()),
        ms(lat.max())
    );
    drop(servers);
    let acknowledged = acknowledged + lat.len() as usize;
    let count = stored(store);
    assert!(count as usize >= acknowledged, "{name}: {acknowledged} acknowledged but {count} stored");
}

fn main() {
    let Some(bin) = load::release_binary() else {
        return;
    };
    let Some(server) = std::env::var("ORDERSCOPE_BENCH_PG").or_else(|_| std::env::var("ORDERSCOPE_TEST_PG")).ok()
    else {
        println!("set ORDERSCOPE_BENCH_PG to a PostgreSQL server's URL (the bench creates its own databases there)");
        return;
    };
    let n = 600_000;
    let t = Instant::now();
    let reqs: Arc<Vec<Vec<u8>>> = Arc::new((0..n).map(request).collect());
    println!("prepared {n} distinct signed pushes in {:.1} s", t.elapsed().as_secs_f64());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let database = |name: &str, admin: &mut postgres::Client| {
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let mut url = url::Url::parse(&server).unwrap();
        url.set_path(&format!("/{name}"));
        url.to_string()
    };

    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("receiver.db");
    measure(&bin, "SQLite, 1 receiver", sqlite.to_str().unwrap(), 1, &reqs, &rt);
    let one = database("orderscope_bench_one", &mut admin);
    measure(&bin, "PostgreSQL, 1 receiver", &one, 1, &reqs, &rt);
    let two = database("orderscope_bench_two", &mut admin);
    measure(&bin, "PostgreSQL, 2 receivers", &two, 2, &reqs, &rt);
    for name in ["orderscope_bench_one", "orderscope_bench_two"] {
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    }
}

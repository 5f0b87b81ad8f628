//! The receiver beside hostile clients, in one run: the release binary
//! (`orderscope serve`) on loopback answers 100 real pushes (4 senders, 25
//! each, one request per connection, a pause of 100 ms after each) twice:
//!
//! (a) alone: the floor;
//! (b) beside 300 hostile sockets that take every place they can, half
//!     trickling a request head one byte a second, half pipelining URL
//!     verifications and never reading an answer (`tests/common/hostile.rs`,
//!     the same clients the receiver tests use).
//!
//! Printed: p50, p99 and max of each, their ratio, and how many of (b)'s
//! pushes were answered within the platform's 5 s deadline (the target: all
//! of them).
//!
//! Run: `cargo build --release && cargo bench --bench hostile`.

#[path = "../tests/common/hostile.rs"]
mod hostile;
#[path = "common/latency.rs"]
mod latency;
#[path = "common/load.rs"]
mod load;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use latency::Latencies;
use load::{Server, TOKEN, request};

const SENDERS: usize = 4;
const EACH: usize = 25;
/// The platform's deadline for an answer (wechat-channels.md, push protocol).
const DEADLINE: Duration = Duration::from_secs(5);

/// One push on a connection of its own, answered `success` or not; how long it took.
fn one_push(port: u16, req: &[u8]) -> Option<Duration> {
    let started = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    s.write_all(req).ok()?;
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        got.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&got);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            if body.len() >= len {
                let ok = head.starts_with("HTTP/1.1 200") && &body[..len] == "success";
                return ok.then(|| started.elapsed());
            }
        }
    }
}

/// 100 pushes from `SENDERS` threads, numbered from `first`: each answer's
/// latency, or `None` for a push not answered `success`.
fn round(port: u16, first: usize) -> Vec<Option<Duration>> {
    let senders: Vec<_> = (0..SENDERS)
        .map(|t| {
            std::thread::spawn(move || {
                (0..EACH)
                    .map(|i| {
                        let answer = one_push(port, &request(first + t * EACH + i));
                        std::thread::sleep(Duration::from_millis(100));
                        answer
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    senders.into_iter().flat_map(|s| s.join().unwrap()).collect()
}

fn summary(label: &str, answers: &[Option<Duration>]) -> Latencies {
    let mut lat = Latencies::new();
    for d in answers.iter().flatten() {
        lat.record(*d);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: {} of {} answered, p50 {:.2} ms p99 {:.2} ms max {:.2} ms",
        answers.iter().flatten().count(),
        answers.len(),
        ms(lat.median()),
        ms(lat.p99()),
        ms(lat.max())
    );
    lat
}

fn main() {
    let Some(bin) = load::release_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hostile.db");
    let log = dir.path().join("serve.log");
    let server = Server::start(&bin, db.as_os_str(), Some(&log), "warn");
    let port = server.port;

    let floor = summary("(a) alone", &round(port, 0));

    let stop = Arc::new(AtomicBool::new(false));
    let hostile = {
        let stop = stop.clone();
        std::thread::spawn(move || hostile::hostile_clients(port, TOKEN, stop))
    };
    // Time for them to take every place and for unread answers to pile up.
    std::thread::sleep(Duration::from_secs(4));
    let answers = round(port, 1_000);
    stop.store(true, Ordering::Relaxed);
    let reconnects = hostile.join().unwrap();
    let beside = summary("(b) beside 300 hostile clients", &answers);
    let in_time = answers.iter().filter(|a| a.is_some_and(|d| d < DEADLINE)).count();
    println!("(b) answered within the platform's 5 s: {in_time} of {} (target: all)", answers.len());
    println!("hostile connections made (each reconnects once closed): {reconnects}");
    let ratio = |b: Duration, a: Duration| b.as_secs_f64() / a.as_secs_f64().max(1e-9);
    println!(
        "(b)/(a): p50 {:.1}x, p99 {:.1}x",
        ratio(beside.median(), floor.median()),
        ratio(beside.p99(), floor.p99())
    );
    drop(server);
}

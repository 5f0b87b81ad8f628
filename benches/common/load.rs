//! What the receiver benchmarks need to load a receiver: its credentials,
//! distinct signed pushes, a receiver process (started, and stopped with
//! SIGTERM when dropped), a connection and one exchange on it. Their
//! latencies go in `latency.rs`.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use orderscope::crypto;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const TOKEN: &str = "benchtoken";
pub const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const APPID: &str = "wxbench0000000001";

/// A random-looking 19-digit order id for push `i` (splitmix64).
pub fn order_id(i: usize) -> u64 {
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    1_000_000_000_000_000_000 + z % 8_000_000_000_000_000_000
}

/// The decrypted text of push `i`: an order event for a random order.
pub fn plaintext(i: usize) -> String {
    plaintext_about(i, order_id(i))
}

/// The decrypted text of push `i`, about order `order`. The sender, the
/// time and the type follow `i`, so pushes with different `i` are distinct
/// (never taken for a redelivery) even about the same order.
pub fn plaintext_about(i: usize, order: u64) -> String {
    format!(
        r#"{{"ToUserName":"gh_bench","FromUserName":"o{i}","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{order},"type":{}}}}}"#,
        1_760_000_000 + i,
        1 + i % 23
    )
}

/// The signature time of every push: when the bench started. A push
/// signed longer ago than the platform's retry window is a replay, which
/// the receiver looks up before storing; a live shop's pushes are fresh.
pub fn signed_at() -> i64 {
    static AT: std::sync::LazyLock<i64> = std::sync::LazyLock::new(orderscope::timefmt::now);
    *AT
}

/// Push `i` as the platform sends it: the path with its signed query string, and the JSON body.
pub fn signed_push(i: usize) -> (String, String) {
    signed_push_about(i, order_id(i))
}

/// Push `i` about order `order`, signed and encrypted: the path and the JSON body.
pub fn signed_push_about(i: usize, order: u64) -> (String, String) {
    // Decoded once: the benches prepare up to a million pushes.
    static DECODED: std::sync::LazyLock<[u8; 32]> = std::sync::LazyLock::new(|| crypto::decode_key(KEY).unwrap());
    let key = *DECODED;
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&(i as u64).to_be_bytes());
    let encrypt = crypto::seal(&key, &random, plaintext_about(i, order).as_bytes(), APPID);
    let (ts, nonce) = (signed_at().to_string(), (i * 7919).to_string());
    let sig = crypto::msg_signature(TOKEN, &ts, &nonce, &encrypt);
    let path = format!("/wx?timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={sig}");
    (path, format!(r#"{{"ToUserName":"gh_bench","Encrypt":"{encrypt}"}}"#))
}

/// The full request bytes of push `i`.
pub fn request(i: usize) -> Vec<u8> {
    request_about(i, order_id(i))
}

/// The full request bytes of push `i` about order `order`.
pub fn request_about(i: usize, order: u64) -> Vec<u8> {
    let (path, body) = signed_push_about(i, order);
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A keep-alive connection to the receiver, without Nagle's delay.
pub async fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.set_nodelay(true).unwrap();
    conn
}

/// Sends one request on a keep-alive connection and reads the whole answer.
pub async fn exchange(conn: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> bool {
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

/// A receiver process, stopped with SIGTERM when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// `orderscope serve` on `store` at a free loopback port, logging with
    /// `filter` (`ORDERSCOPE_LOG` wins) to `log` when given, and never
    /// fetching from a shop API; returns once the port answers.
    pub fn start(bin: &Path, store: &OsStr, log: Option<&Path>, filter: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new(bin);
        cmd.arg("--store").arg(store).args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        if let Some(log) = log {
            cmd.arg("--log").arg(log);
        }
        let child = cmd
            .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
            .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
            .env("ORDERSCOPE_APPID", APPID)
            .env("ORDERSCOPE_LOG", std::env::var("ORDERSCOPE_LOG").unwrap_or_else(|_| filter.into()))
            .env_remove("ORDERSCOPE_CONFIG")
            .env_remove("ORDERSCOPE_APPSECRET")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "receiver did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// The release binary a bench runs, when cargo runs it as a bench (not as
/// a test of the bench target) and the binary is built; otherwise says why
/// not and gives nothing.
pub fn release_binary() -> Option<PathBuf> {
    if !std::env::args().any(|a| a == "--bench") {
        return None;
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/orderscope");
    if !bin.exists() {
        println!("build the release binary first: cargo build --release");
        return None;
    }
    Some(bin)
}

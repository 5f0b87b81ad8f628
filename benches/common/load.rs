//! What both receiver benchmarks need to load a receiver: its credentials,
//! a receiver process (started, and stopped with SIGTERM when dropped), a
//! connection and one exchange on it, percentiles.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const TOKEN: &str = "benchtoken";
pub const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const APPID: &str = "wxbench0000000001";

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

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
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

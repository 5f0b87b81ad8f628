//! The live shop API from the command line (`show --live`, `sync`) against
//! the fake shop on loopback, with the real binary.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

/// How long a wait goes on before it is taken for a hang.
const HANG: Duration = Duration::from_secs(60);

use common::*;
use orderscope::api::fake::FakeShop;
use serde_json::{Value, json};

const APPID: &str = "wx1b80498468985c93";
const SECRET: &str = "live-test-secret";

fn live(shop: &FakeShop, db: &std::path::Path, args: &[&str]) -> std::process::Output {
    bin()
        .arg("--store")
        .arg(db)
        .arg("--api-base")
        .arg(shop.base_url())
        .args(args)
        .env("ORDERSCOPE_APPID", APPID)
        .env("ORDERSCOPE_APPSECRET", SECRET)
        .env_remove("ORDERSCOPE_CONFIG")
        .env_remove("ORDERSCOPE_STORE")
        .output()
        .unwrap()
}

fn seed_order(which: &str) -> Value {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(seed_file(which)).unwrap()).unwrap();
    v["order"].clone()
}

#[test]
fn show_live_fetches_stores_and_prints() {
    let shop = FakeShop::start_thread(APPID, SECRET).unwrap();
    shop.add_version(0, seed_order("before"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let o = live(&shop, &db, &["show", SEED, "--live", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shown: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(shown["status"], 20);
    // The order ships: the next fetch is a new version.
    shop.add_version(1, seed_order("after"));
    let o = live(&shop, &db, &["show", SEED, "--live"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("a new version, stored"), "{}", stderr(&o));
    assert!(stdout(&o).contains("18400984191 ext. 0775"), "{}", stdout(&o));
    let o = live(&shop, &db, &["show", SEED, "--live"]);
    assert!(stderr(&o).contains("same as the stored version"));
    let orders: Value = serde_json::from_str(&stdout(&run(&db, &["orders", "--json"]))).unwrap();
    assert_eq!(orders[0]["snapshots"], 2);
    // Unknown order: the platform's error, one line.
    let o = live(&shop, &db, &["show", "1234", "--live"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(stderr(&o).contains("errcode 100002"), "{}", stderr(&o));
    // No credentials: a clear error naming the setting.
    let o = bin()
        .arg("--store")
        .arg(&db)
        .args(["show", SEED, "--live"])
        .env_remove("ORDERSCOPE_APPSECRET")
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    assert!(stderr(&o).contains("ORDERSCOPE_APPSECRET is not set"), "{}", stderr(&o));
    assert!(!stderr(&o).contains(SECRET));
}

#[test]
fn sync_stores_changed_orders_and_follow_resumes() {
    let shop = FakeShop::start_thread(APPID, SECRET).unwrap();
    let now = orderscope::timefmt::now();
    for i in 0..150i64 {
        shop.add_version(
            0,
            json!({"order_id": format!("374{:016}", i), "status": 20, "update_time": now - 9 * 86_400 + i * 5000}),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let o = live(&shop, &db, &["sync", "--since", "10d"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("150 orders listed, 150 new versions stored, 0 failed"), "{}", stdout(&o));
    let o = live(&shop, &db, &["sync", "--since", "10d"]);
    assert!(stdout(&o).starts_with("150 orders listed, 0 new versions stored"), "{}", stdout(&o));
    // --follow keeps polling until SIGTERM, and a restart resumes from the stored cursor.
    let follow = || {
        let mut child = bin()
            .arg("--store")
            .arg(&db)
            .arg("--api-base")
            .arg(shop.base_url())
            .args(["sync", "--follow", "--interval", "1s", "--since", "1h"])
            .env("ORDERSCOPE_APPID", APPID)
            .env("ORDERSCOPE_APPSECRET", SECRET)
            .env_remove("ORDERSCOPE_CONFIG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Each pass prints a line: read them as they come, and stop it once
        // it has polled twice (its interval is 1 s).
        let (lines, stdout_lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let reading = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = lines.send(line.unwrap());
            }
        });
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = Vec::new();
            stderr_pipe.read_to_end(&mut text).unwrap();
            text
        });
        let mut out = String::new();
        for _ in 0..2 {
            let line = stdout_lines.recv_timeout(HANG).unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("sync --follow printed nothing more for {HANG:?} after: {out:?}")
            });
            out += &(line + "\n");
        }
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + HANG;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("sync --follow still running {HANG:?} after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        reading.join().unwrap();
        for line in stdout_lines.try_iter() {
            out += &(line + "\n");
        }
        std::process::Output { status, stdout: out.into_bytes(), stderr: stderr.join().unwrap() }
    };
    let first = follow();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).lines().count() >= 2, "polled only once: {}", stdout(&first));
    let second = follow();
    assert!(second.status.success());
    // Lines of a long-running follow carry their time, with its offset.
    let resumed = stderr(&second);
    let first_line = resumed.lines().next().unwrap_or("");
    assert!(first_line.contains(" +08:00 resuming from "), "{resumed}");
    for line in stdout(&first).lines() {
        assert!(line.get(19..27) == Some(" +08:00 ") && line.contains("orders listed"), "{line}");
    }
}

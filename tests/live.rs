//! The live shop API from the command line (`show --live`, `sync`) against
//! the fake shop on loopback, with the real binary.

mod common;

use std::time::{Duration, Instant};

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
        let child = bin()
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
        std::thread::sleep(Duration::from_millis(2500));
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let started = Instant::now();
        let out = child.wait_with_output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "sync --follow was slow to stop");
        out
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

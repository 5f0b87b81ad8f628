//! The push receiver over real HTTP on loopback: the real binary, a real
//! store file, requests written by hand on a TCP socket.

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use orderscope::crypto;

const TOKEN: &str = "AAAAA";
const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const APPID: &str = "wxba5fad812f8e6fb9";
const OFFICIAL_ENCRYPT: &str = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Receiver {
    child: Child,
    port: u16,
}

impl Receiver {
    fn start(db: &Path, log: &Path, appid: &str, extra: &[&str]) -> Receiver {
        Receiver::start_on(db, log, appid, extra, free_port())
    }

    fn start_on(db: &Path, log: &Path, appid: &str, extra: &[&str], port: u16) -> Receiver {
        let child = bin()
            .arg("--store")
            .arg(db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log", log.to_str().unwrap()])
            .args(extra)
            .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
            .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
            .env("ORDERSCOPE_APPID", appid)
            .env_remove("ORDERSCOPE_CONFIG")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "receiver did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Receiver { child, port }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; returns the status and body.
fn http(port: u16, method: &str, target: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// A push sealed and signed as the platform does, now.
fn signed_push(plaintext: &str, appid: &str, nonce: &str, _timestamp: &str) -> (String, Vec<u8>) {
    // Signed now: a push already stored and signed long ago is a replay.
    signed_push_at(plaintext, appid, nonce, &orderscope::timefmt::now().to_string())
}

/// A push sealed and signed as the platform does, with its timestamp.
fn signed_push_at(plaintext: &str, appid: &str, nonce: &str, timestamp: &str) -> (String, Vec<u8>) {
    let key = crypto::decode_key(KEY).unwrap();
    let mut random = [0u8; 16];
    random[..nonce.len().min(16)].copy_from_slice(&nonce.as_bytes()[..nonce.len().min(16)]);
    let encrypt = crypto::seal(&key, &random, plaintext.as_bytes(), appid);
    let sig = crypto::msg_signature(TOKEN, timestamp, nonce, &encrypt);
    let body = serde_json::json!({"ToUserName": "gh_1", "Encrypt": encrypt}).to_string();
    (format!("/wx?timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={sig}"), body.into_bytes())
}

fn push_text(i: u64) -> String {
    format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{},"type":5}}}}"#,
        1_764_656_488 + i,
        3_732_676_853_715_311_104u64 + i
    )
}

fn messages(db: &Path) -> Vec<serde_json::Value> {
    let o = run(db, &["messages", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap().as_array().unwrap().clone()
}

#[test]
fn url_verification() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::start(&dir.path().join("s.db"), &dir.path().join("log"), APPID, &[]);
    let ok = "/?signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d&timestamp=1714112445&nonce=415670741&echostr=3e%2Bx%3D%3D";
    assert_eq!(http(r.port, "GET", ok, b""), (200, "3e+x==".into()));
    let bad = "/?signature=6c5c811b55cc85e0e1b54100749188c20beb3f5e&timestamp=1714112445&nonce=415670741&echostr=x";
    assert_eq!(http(r.port, "GET", bad, b"").0, 401);
    assert_eq!(http(r.port, "GET", "/?timestamp=1&nonce=2", b"").0, 400);
}

#[test]
fn official_push_is_stored_before_success_and_repeats_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let r = Receiver::start(&db, &dir.path().join("log"), APPID, &[]);
    let target = "/recive?signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d&timestamp=1714112445&nonce=415670741&openid=o9AgO5Kd5ggOC-bXrbNODIiE3bGY&encrypt_type=aes&msg_signature=046e02f8204d34f8ba5fa3b1db94908f3df2e9b3";
    let body = format!(r#"{{"ToUserName":"gh_97417a04a28d","Encrypt":"{OFFICIAL_ENCRYPT}"}}"#);
    assert_eq!(http(r.port, "POST", target, body.as_bytes()), (200, "success".into()));
    // Answered means in the inbox; another process sees it once projected.
    assert_eq!(inbox_times(&db).len(), 1);
    wait_for("the projection", || messages(&db).len() == 1);
    let m = messages(&db);
    assert_eq!(m[0]["event"], "debug_demo");
    assert_eq!(m[0]["payload"]["debug_str"], "hello world");

    // The same plaintext again, sealed with other randomness, nonce and timestamp.
    let plaintext = r#"{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}"#;
    let (target, body) = signed_push(plaintext, APPID, "999", "1714112500");
    assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    wait_for("the repeat counted", || messages(&db)[0]["deliveries"] == 2);
    assert_eq!(messages(&db).len(), 1);

    // XML envelopes work too.
    let (target, json_body) = signed_push(&push_text(1), APPID, "77", "1714112600");
    let encrypt: serde_json::Value = serde_json::from_slice(&json_body).unwrap();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        encrypt["Encrypt"].as_str().unwrap()
    );
    assert_eq!(http(r.port, "POST", &target, xml.as_bytes()), (200, "success".into()));
    wait_for("the XML push", || messages(&db).len() == 2);
}

#[test]
fn refusals_store_nothing_and_log_no_body_or_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let r = Receiver::start(&db, &log, APPID, &[]);
    let (target, body) = signed_push(&push_text(1), APPID, "1", "2");
    // valid `signature` but a wrong msg_signature
    let wrong = target.replace("msg_signature=", "signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d&msg_signature=0");
    assert_eq!(http(r.port, "POST", &wrong, &body), (401, "bad signature".into()));
    assert_eq!(http(r.port, "POST", "/wx?timestamp=1&nonce=2", &body).0, 400);
    assert_eq!(http(r.port, "POST", &target, b"{\"no\":\"encrypt\"}").0, 400);
    let big = vec![b'x'; 70 * 1024];
    assert_eq!(http(r.port, "POST", &target, &big).0, 413);
    assert_eq!(http(r.port, "PUT", &target, &body).0, 405);
    assert!(messages(&db).is_empty());
    assert!(r.stop().success());
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("refused (401): push with a wrong msg_signature") && logged.contains("peer=127.0.0.1:"),
        "{logged}"
    );
    let encrypt: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(!logged.contains(&encrypt["Encrypt"].as_str().unwrap()[..20]));
    assert!(!logged.contains(KEY) && !logged.contains("AAAAA\n"));
}

/// A push already stored, sent again signed long after the platform's
/// retries end, adds nothing; a late push not yet stored is taken.
#[test]
fn a_replayed_push_fills_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (dir.path().join("s.db"), dir.path().join("log"));
    let r = Receiver::start(&db, &log, APPID, &[]);
    let old = (orderscope::timefmt::now() - 5 * 3600).to_string();
    let (target, body) = signed_push_at(&push_text(1), APPID, "1", &old);
    assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    wait_for("the projection", || messages(&db).len() == 1);
    for _ in 0..50 {
        assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    }
    // A legitimate retry, signed within the window, is counted.
    let (target, body) = signed_push(&push_text(1), APPID, "2", "");
    assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    wait_for("the retry counted", || messages(&db)[0]["deliveries"] == 2);
    assert_eq!(inbox_times(&db).values().sum::<usize>(), 2);
    assert!(r.stop().success());
    let text = logged(&log);
    assert_eq!(text.matches("ignored a replayed push").count(), 1, "{text}");
    assert!(text.contains("50 replays ignored"), "{text}");
    assert!(text.contains("2 accepted, 1 redelivered, 0 quarantined, 0 refused"), "{text}");
}

#[test]
fn undecryptable_pushes_are_quarantined_then_reprocessed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    // A receiver configured with the wrong appid cannot accept the push, but
    // its signature is right: it is kept whole and answered.
    let r = Receiver::start(&db, &dir.path().join("log"), "wxwrongappid", &[]);
    let (target, body) = signed_push(&push_text(3), APPID, "5", "6");
    assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    assert!(r.stop().success());
    let m = messages(&db);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["deliveries"], 2);
    assert!(m[0]["parse_error"].as_str().unwrap().contains("appid"), "{:?}", m[0]);

    let fix = |appid: &str| {
        bin()
            .arg("--store")
            .arg(&db)
            .args(["messages", "--reprocess"])
            .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
            .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
            .env("ORDERSCOPE_APPID", appid)
            .env_remove("ORDERSCOPE_CONFIG")
            .output()
            .unwrap()
    };
    let still = fix("wxwrongappid");
    assert_eq!(still.status.code(), Some(1));
    assert!(stdout(&still).contains("0 quarantined pushes recovered, 1 still quarantined"));
    let fixed = fix(APPID);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    let m = messages(&db);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["event"], "channels_ec_order_ext_info_update");
    assert_eq!(m[0]["type"], 5);
    assert_eq!(m[0]["deliveries"], 2);
    assert_eq!(m[0]["parse_error"], serde_json::Value::Null);
}

#[test]
fn forwards_stored_pushes_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let sink = TcpListener::bind("127.0.0.1:0").unwrap();
    let sink_port = sink.local_addr().unwrap().port();
    let r = Receiver::start(
        &dir.path().join("s.db"),
        &dir.path().join("log"),
        APPID,
        &["--forward", &format!("http://127.0.0.1:{sink_port}/shop/callback")],
    );
    let (target, body) = signed_push(&push_text(4), APPID, "8", "9");
    assert_eq!(http(r.port, "POST", &target, &body).0, 200);
    let (mut conn, _) = sink.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    while !String::from_utf8_lossy(&got).contains(std::str::from_utf8(&body).unwrap()) {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "forward ended early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    let query = target.split_once('?').unwrap().1;
    assert!(text.starts_with(&format!("POST /shop/callback?{query} HTTP/1.1")), "{text}");
    conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccess").unwrap();
}

#[test]
fn bad_settings_and_busy_ports_fail_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("--store")
        .arg(dir.path().join("s.db"))
        .args(["serve", "--listen", "127.0.0.1:1"])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", "tooshort")
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "orderscope: ORDERSCOPE_PUSH_AES_KEY: the EncodingAESKey is not usable: it has 8 characters, not 43"
    );

    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let o = bin()
        .arg("--store")
        .arg(dir.path().join("s.db"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("cannot listen on 127.0.0.1:{port}")), "{}", stderr(&o));
    assert!(
        stderr(&o).to_lowercase().contains("address already in use") || stderr(&o).contains("Address in use"),
        "{}",
        stderr(&o)
    );

    let o = bin()
        .args(["--store", "/dev/null/x", "serve"])
        .env_remove("ORDERSCOPE_PUSH_TOKEN")
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    assert!(stderr(&o).contains("ORDERSCOPE_PUSH_TOKEN is not set"), "{}", stderr(&o));
}

/// The CreateTime of every push in the inbox (what `success` promised), and
/// how often each appears.
fn inbox_times(db: &Path) -> std::collections::HashMap<i64, usize> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c.prepare("SELECT plaintext FROM inbox").unwrap();
    let mut counts = std::collections::HashMap::new();
    for text in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap() {
        let v: serde_json::Value = serde_json::from_slice(&text.unwrap()).unwrap();
        *counts.entry(v["CreateTime"].as_i64().unwrap()).or_insert(0) += 1;
    }
    counts
}

/// Messages by CreateTime, and how often each appears.
fn message_times(db: &Path) -> std::collections::HashMap<i64, usize> {
    let mut counts = std::collections::HashMap::new();
    for m in messages(db) {
        *counts.entry(m["create_time"].as_i64().unwrap()).or_insert(0) += 1;
    }
    counts
}

/// While a client keeps pushing, the receiver is killed with SIGKILL and
/// restarted: every push that was answered `success` is in the inbox exactly
/// once, and after a restart projected exactly once.
#[test]
fn acknowledged_pushes_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let port = free_port();
    let mut r = Receiver::start_on(&db, &log, APPID, &[], port);
    let mut acknowledged = Vec::new();
    let mut i = 0u64;
    let mut killed = false;
    let started = Instant::now();
    while i < 600 {
        let (target, body) = signed_push(&push_text(i), APPID, &i.to_string(), &(1_714_000_000 + i).to_string());
        let answered = std::panic::catch_unwind(|| http(port, "POST", &target, &body)).unwrap_or((0, String::new()));
        if answered == (200, "success".to_string()) {
            acknowledged.push(i);
        }
        i += 1;
        if i == 300 && !killed {
            unsafe { libc::kill(r.child.id() as i32, libc::SIGKILL) };
            let _ = r.child.wait();
            killed = true;
            // Pushes sent while it is down are not acknowledged.
            for j in 0..5 {
                let (target, body) = signed_push(&push_text(10_000 + j), APPID, "down", "1");
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    let _ = http(port, "POST", &target, &body);
                }
            }
            r = Receiver::start_on(&db, &log, APPID, &[], port);
        }
        assert!(started.elapsed() < Duration::from_secs(120));
    }
    // Killed again right after the last answer: projection may be behind.
    drop(r);
    let time = |i: &u64| 1_764_656_488 + *i as i64;
    let inbox = inbox_times(&db);
    for i in &acknowledged {
        assert_eq!(
            inbox.get(&time(i)),
            Some(&1),
            "push {i} acknowledged but in the inbox {:?} times",
            inbox.get(&time(i))
        );
    }
    assert!(acknowledged.len() >= 590, "only {} of 600 acknowledged", acknowledged.len());
    // A restart projects whatever the kill left behind.
    assert!(Receiver::start_on(&db, &log, APPID, &[], port).stop().success());
    let stored = message_times(&db);
    for i in &acknowledged {
        assert_eq!(stored.get(&time(i)), Some(&1), "push {i} acknowledged but stored {:?} times", stored.get(&time(i)));
    }
    assert!(messages(&db).iter().all(|m| m["deliveries"] == 1));
}

/// Creates the store and adds a trigger that makes every projection fail
/// the way a full disk would (the inbox itself is untouched).
fn store_whose_projection_fails(db: &Path, when: &str) {
    let s = orderscope::store::Store::open(db, orderscope::store::OpenMode::Create).unwrap();
    s.sqlite()
        .unwrap()
        .conn()
        .execute_batch(&format!(
            "CREATE TRIGGER fail_projection BEFORE INSERT ON messages WHEN {when}
             BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END;"
        ))
        .unwrap();
}

fn drop_trigger(db: &Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.execute_batch("DROP TRIGGER fail_projection").unwrap();
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Killed after the inbox commit and before the projection: the pushes were
/// acknowledged, and the next start projects each of them exactly once
/// (a redelivery among them counted, not stored twice).
#[test]
fn a_kill_between_the_inbox_and_the_projection_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    store_whose_projection_fails(&db, "1");
    let r = Receiver::start(&db, &log, APPID, &[]);
    for i in 0..20u64 {
        let (target, body) = signed_push(&push_text(i), APPID, &i.to_string(), "1714000000");
        assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    }
    let (target, body) = signed_push(&push_text(7), APPID, "again", "1714000099");
    assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    assert_eq!(inbox_times(&db).values().sum::<usize>(), 21);
    assert!(messages(&db).is_empty());
    drop(r); // SIGKILL
    drop_trigger(&db);
    assert!(Receiver::start(&db, &log, APPID, &[]).stop().success());
    let m = messages(&db);
    assert_eq!(m.len(), 20);
    assert_eq!(message_times(&db).values().max(), Some(&1));
    let again = m.iter().find(|m| m["create_time"] == 1_764_656_488 + 7).unwrap();
    assert_eq!(again["deliveries"], 2);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("projecting 21 pushes stored before the last stop"), "{logged}");
}

/// A projection that fails (here: as on a full disk) never loses the inbox
/// row: pushes are still acknowledged, and projected once it works again.
#[test]
fn a_failing_projection_is_retried_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    store_whose_projection_fails(&db, "1");
    let r = Receiver::start(&db, &log, APPID, &[]);
    for i in 0..3u64 {
        let (target, body) = signed_push(&push_text(i), APPID, &i.to_string(), "1714000000");
        assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    }
    wait_for("the failure in the log", || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("pushes are safe in the inbox, retrying in")
    });
    assert!(messages(&db).is_empty());
    drop_trigger(&db);
    wait_for("the retried projection", || messages(&db).len() == 3);
    assert!(r.stop().success());
    assert_eq!(inbox_times(&db).len(), 3);
    assert!(messages(&db).iter().all(|m| m["parse_error"].is_null() && m["deliveries"] == 1));
}

/// A push whose projection fails on its own (a bug that only this message
/// meets) is kept in quarantine with the error; the others go on.
#[test]
fn a_push_that_cannot_be_projected_is_quarantined_and_the_rest_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let poison = (3_732_676_853_715_311_104u64 + 1).to_string();
    store_whose_projection_fails(&db, &format!("NEW.order_id = '{poison}' AND NEW.quarantine IS NULL"));
    let r = Receiver::start(&db, &log, APPID, &[]);
    for i in 0..3u64 {
        let (target, body) = signed_push(&push_text(i), APPID, &i.to_string(), "1714000000");
        assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    }
    wait_for("three messages", || messages(&db).len() == 3);
    assert!(r.stop().success());
    let m = messages(&db);
    let quarantined: Vec<_> = m.iter().filter(|m| !m["parse_error"].is_null()).collect();
    assert_eq!(quarantined.len(), 1, "{m:?}");
    assert!(quarantined[0]["parse_error"].as_str().unwrap().starts_with("projection failed"), "{m:?}");
    // Once the bug is gone, reprocessing releases it.
    drop_trigger(&db);
    let o = bin()
        .arg("--store")
        .arg(&db)
        .args(["messages", "--reprocess"])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let m = messages(&db);
    assert!(m.iter().all(|m| m["parse_error"].is_null()), "{m:?}");
    assert_eq!(m.iter().filter(|m| m["order_id"] == poison.as_str()).count(), 1);
}

#[test]
fn sigterm_stops_cleanly_and_closes_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let r = Receiver::start(&db, &dir.path().join("log"), APPID, &[]);
    assert!(r.stop().success());
    let c = rusqlite::Connection::open(&db).unwrap();
    let (stopped, seen): (Option<i64>, i64) =
        c.query_row("SELECT stopped_at, last_seen FROM receiver_periods", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(stopped, Some(seen));
}

/// The stop's log says where pushes spent their time, stage by stage, and
/// counts only the pushes answered `success`.
#[test]
fn the_stop_logs_each_stage_of_the_pushes() {
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (dir.path().join("s.db"), dir.path().join("log"));
    let r = Receiver::start(&db, &log, APPID, &[]);
    for i in 0..3 {
        let (target, body) = signed_push(&push_text(i), APPID, &format!("{i}"), "1714112600");
        assert_eq!(http(r.port, "POST", &target, &body), (200, "success".into()));
    }
    let (target, body) = signed_push(&push_text(9), APPID, "9", "1714112600");
    let forged = target.replace("msg_signature=", "msg_signature=0");
    assert_eq!(http(r.port, "POST", &forged, &body).0, 401);
    assert!(r.stop().success());
    let text = logged(&log);
    let line = |label: &str| -> String {
        let found = text.lines().find(|l| l.contains(label));
        found.unwrap_or_else(|| panic!("no {label:?} in the log:\n{text}")).to_string()
    };
    assert!(line("pushes answered success: ").contains("success: 3 (p50 "), "{text}");
    for stage in ["inbox commits: ", "projection steps: "] {
        let after = line(stage).split(stage).nth(1).unwrap().to_string();
        let count: u64 = after.split(' ').next().unwrap().parse().unwrap();
        assert!((1..=3).contains(&count), "{stage}{after}");
        assert!(after.contains("p99 ") && after.contains(" ms, max "), "{stage}{after}");
    }
}

#[test]
fn an_order_push_fetches_a_snapshot_when_the_api_is_configured() {
    let shop = orderscope::api::fake::FakeShop::start_thread(APPID, "api-secret").unwrap();
    let order: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(seed_file("after")).unwrap()).unwrap();
    shop.add_version(0, order["order"].clone());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let port = free_port();
    let mut child = bin()
        .arg("--store")
        .arg(&db)
        .arg("--api-base")
        .arg(shop.base_url())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log", dir.path().join("log").to_str().unwrap()])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env("ORDERSCOPE_APPSECRET", "api-secret")
        .env_remove("ORDERSCOPE_CONFIG")
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    let push = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1764656488,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#;
    let (target, body) = signed_push(push, APPID, "41", "42");
    assert_eq!(http(port, "POST", &target, &body), (200, "success".into()));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let o = run(&db, &["orders", "--json"]);
        let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_default();
        if list.get(0).map(|r| r["snapshots"] == 1).unwrap_or(false) {
            assert_eq!(list[0]["status"], 30);
            break;
        }
        assert!(Instant::now() < deadline, "no snapshot after the push: {list}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(shop.requests().iter().filter(|(p, _)| p == "/channels/ec/order/get").count(), 1);
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
fn until_closed(s: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let t = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("still open after {:?}: {e}", t.elapsed()),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), t.elapsed())
}

fn logged(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

#[test]
fn idle_and_slow_header_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let r = Receiver::start(
        &dir.path().join("s.db"),
        &log,
        APPID,
        &["--idle-timeout", "1s", "--header-timeout", "2s", "--body-timeout", "30s"],
    );
    // Connected, never a byte: closed after the idle timeout.
    let mut idle = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    // A request head trickled in and never finished: closed after the header timeout,
    // however often a byte arrives.
    let mut slow = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    slow.write_all(b"POST /wx?timestamp=1 HTTP/1.1\r\n").unwrap();
    let trickle = {
        let mut s = slow.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..40 {
                std::thread::sleep(Duration::from_millis(100));
                if s.write_all(b"X-Slow: 1\r\n").is_err() {
                    break;
                }
            }
        })
    };
    let (_, idle_after) = until_closed(&mut idle, Duration::from_secs(10));
    assert!(idle_after >= Duration::from_millis(900) && idle_after < Duration::from_secs(3), "{idle_after:?}");
    let (_, slow_after) = until_closed(&mut slow, Duration::from_secs(10));
    assert!(slow_after < Duration::from_secs(3), "{slow_after:?}");
    trickle.join().unwrap();
    // A kept-alive connection is closed once idle after its answer.
    let mut kept = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    kept.write_all(b"GET /?timestamp=1&nonce=2 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let (answer, after) = until_closed(&mut kept, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(after >= Duration::from_millis(900), "{after:?}");
    let text = logged(&log);
    assert!(text.contains("closed a connection: idle keep-alive timeout"), "{text}");
    assert!(text.contains("closed a connection: request head not received in time"), "{text}");
}

#[test]
fn a_slow_body_is_answered_408_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let r = Receiver::start(&db, &log, APPID, &["--body-timeout", "1s"]);
    let (target, body) = signed_push(&push_text(1), APPID, "1", "2");
    let mut s = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    let head = format!("POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..10]).unwrap();
    let (answer, after) = until_closed(&mut s, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(after < Duration::from_secs(3), "{after:?}");
    assert!(r.stop().success());
    assert!(messages(&db).is_empty());
    assert!(logged(&log).contains("refused (408): body not received in time"), "{}", logged(&log));
}

/// The issue's case: with `ulimit -n 200` and 300 idle sockets open, pushes
/// still get through (the cap fits the limit, and the idle are closed first).
#[test]
fn idle_sockets_beyond_the_open_file_limit_cannot_lock_pushes_out() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let port = free_port();
    let mut cmd = bin();
    cmd.arg("--store")
        .arg(&db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log", log.to_str().unwrap()])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .stdin(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let rl = libc::rlimit { rlim_cur: 200, rlim_max: 200 };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = Receiver { child, port };
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    for i in 0..5u64 {
        let (target, body) = signed_push(&push_text(i), APPID, &i.to_string(), "3");
        assert_eq!(http(port, "POST", &target, &body), (200, "success".into()));
    }
    drop(idle);
    assert!(r.stop().success());
    assert_eq!(messages(&db).len(), 5);
    let text = logged(&log);
    assert!(text.contains("--max-connections lowered from 256 to 120"), "{text}");
    assert!(text.contains("closed the one waiting longest without a request"), "{text}");
}

#[test]
fn trickling_and_never_reading_clients_cannot_keep_pushes_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (dir.path().join("s.db"), dir.path().join("log"));
    let r = Receiver::start(&db, &log, APPID, &[]);
    let port = r.port;
    let stop = Arc::new(AtomicBool::new(false));
    let hostile = {
        let stop = stop.clone();
        std::thread::spawn(move || hostile::hostile_clients(port, TOKEN, stop))
    };
    // Time for them to take every place and for the answers to pile up.
    std::thread::sleep(Duration::from_secs(4));
    let fds = || std::fs::read_dir(format!("/proc/{}/fd", r.child.id())).map(|d| d.count()).unwrap_or(0);
    let mut most_fds = fds();
    let senders: Vec<_> = (0..4u64)
        .map(|t| {
            std::thread::spawn(move || {
                (0..25u64)
                    .map(|i| {
                        let n = t * 100 + i;
                        let (target, body) = signed_push(&push_text(n), APPID, &format!("h{n}"), "3");
                        let answer = post(port, &target, &body);
                        std::thread::sleep(Duration::from_millis(100));
                        answer == Some((200, "success".into()))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut answered = Vec::new();
    for s in senders {
        while !s.is_finished() {
            most_fds = most_fds.max(fds());
            std::thread::sleep(Duration::from_millis(50));
        }
        answered.extend(s.join().unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    let reconnects = hostile.join().unwrap();
    // Answered while the hostile clients held every place they could: how
    // fast beside them is a figure for `cargo bench --bench hostile`.
    let got_through = answered.iter().filter(|a| **a).count();
    assert!(got_through >= 95, "{got_through} of 100 real pushes answered beside hostile clients");
    // Every socket is counted: the cap (256), the closes under way (16) and
    // the store, log and listener stay within the reserve beside them.
    assert!(most_fds <= 256 + 16 + 64, "the receiver held {most_fds} descriptors");
    assert!(reconnects > 300, "the hostile clients were never closed ({reconnects} connections)");
    assert!(r.stop().success());
    assert!(messages(&db).len() >= got_through, "an acknowledged push is not stored");
    let text = logged(&log);
    assert!(text.contains("closed to make room") || text.contains("closed the one waiting longest"), "{text}");
}

#[test]
fn oversized_and_garbage_requests_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let r = Receiver::start(&dir.path().join("s.db"), &log, APPID, &[]);
    let exchange = |raw: &[u8]| {
        let mut s = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
        let _ = s.write_all(raw);
        until_closed(&mut s, Duration::from_secs(10)).0
    };
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    assert!(exchange(long_uri.as_bytes()).starts_with("HTTP/1.1 414"));
    let big_head = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(500_000));
    assert!(exchange(big_head.as_bytes()).starts_with("HTTP/1.1 431"));
    assert!(exchange(b"\x16\x03\x01 hello there\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(r.stop().success());
    let text = logged(&log);
    assert!(text.contains("refused (414): request line too long peer=127.0.0.1:"), "{text}");
    assert!(text.contains("refused (431): request head too large"), "{text}");
    assert!(text.contains("refused (400): not an HTTP/1.1 request"), "{text}");
}

#[test]
fn a_plaintext_mode_push_is_refused_with_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let r = Receiver::start(&db, &log, APPID, &[]);
    let sig = crypto::signature(TOKEN, "1714112445", "415670741");
    let target = format!("/wx?signature={sig}&timestamp=1714112445&nonce=415670741&openid=o1");
    assert_eq!(http(r.port, "POST", &target, push_text(1).as_bytes()).0, 400);
    assert!(r.stop().success());
    assert!(messages(&db).is_empty());
    let text = logged(&log);
    assert!(text.contains("refused (400): a plaintext push") && text.contains("安全模式"), "{text}");
    assert!(!text.contains("3732676853715311105"), "{text}");
}

/// A signed push whose length field is too small: what follows the short
/// message is decrypted order data, which must not reach the log or the
/// quarantine reason dressed as an "appid".
#[test]
fn a_too_small_length_field_keeps_order_data_out_of_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = dir.path().join("log");
    let r = Receiver::start(&db, &log, APPID, &[]);
    let text = push_text(5);
    let key = crypto::decode_key(KEY).unwrap();
    // msg_len covers 10 bytes; the rest of the message lands where the appid goes.
    let encrypt = crypto::seal(&key, &[7u8; 16], &text.as_bytes()[..10], &format!("{}{APPID}", &text[10..]));
    let sig = crypto::msg_signature(TOKEN, "11", "22", &encrypt);
    let body = serde_json::json!({"ToUserName": "gh_1", "Encrypt": encrypt}).to_string();
    let target = format!("/wx?timestamp=11&nonce=22&encrypt_type=aes&msg_signature={sig}");
    assert_eq!(http(r.port, "POST", &target, body.as_bytes()), (200, "success".into()));
    assert!(r.stop().success());
    let m = messages(&db);
    assert_eq!(m.len(), 1);
    let reason = m[0]["parse_error"].as_str().unwrap();
    assert!(reason.contains("does not end with an appid"), "{reason}");
    for leak in ["3732676853715311109", "channels_ec_order"] {
        assert!(!reason.contains(leak), "{reason}");
        assert!(!logged(&log).contains(leak), "{}", logged(&log));
    }
}

#[test]
fn logs_to_a_pipe_have_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = bin()
        .arg("--store")
        .arg(dir.path().join("s.db"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(http(port, "PUT", "/", b"").0, 405);
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WARN refused (405)"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
}

/// Snapshot on push misses nothing: pushes that arrive while their order is
/// being fetched schedule exactly one more fetch after it, so the version
/// the later push announces is stored even though the first fetch was
/// answered with the one before.
#[test]
fn pushes_during_a_fetch_schedule_one_more_fetch() {
    let shop = orderscope::api::fake::FakeShop::start_thread(APPID, "api-secret").unwrap();
    let read = |which: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(seed_file(which)).unwrap()).unwrap()["order"]
            .clone()
    };
    shop.add_version(0, read("before"));
    shop.set_latency(Duration::from_millis(1500));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let port = free_port();
    let child = bin()
        .arg("--store")
        .arg(&db)
        .arg("--api-base")
        .arg(shop.base_url())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log", dir.path().join("log").to_str().unwrap()])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env("ORDERSCOPE_APPSECRET", "api-secret")
        .env_remove("ORDERSCOPE_CONFIG")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let r = Receiver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    let push = |create_time: u64, nonce: &str| {
        let text = format!(
            r#"{{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":{create_time},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{SEED},"type":5}}}}"#
        );
        let (target, body) = signed_push(&text, APPID, nonce, "42");
        assert_eq!(http(port, "POST", &target, &body), (200, "success".into()));
    };
    let gets = || shop.requests().iter().filter(|(p, _)| p == "/channels/ec/order/get").count();
    push(1_764_656_488, "a");
    wait_for("the first fetch", || gets() == 1);
    // The order ships while the first fetch is in flight; its pushes arrive.
    shop.add_version(orderscope::timefmt::now() + 1, read("after"));
    push(1_764_656_489, "b");
    push(1_764_656_490, "c");
    wait_for("both versions", || {
        let o = run(&db, &["orders", "--json"]);
        let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_default();
        list.get(0).is_some_and(|r| r["snapshots"] == 2 && r["status"] == 30)
    });
    // What is checked is that no third fetch comes: nothing to poll for, so
    // wait longer than a third one would take (one answer is 1.5 s) first.
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(gets(), 2, "the pushes during the fetch owe exactly one more");
    assert!(r.stop().success());
}

/// A decrypted message that is not UTF-8 stays quarantined through
/// `messages --reprocess`, its bytes kept as they came, never replaced.
#[test]
fn reprocess_keeps_bytes_it_cannot_decode() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let r = Receiver::start(&db, &dir.path().join("log"), APPID, &[]);
    let msg = b"{\"Event\":\"channels_ec_order_new\",\"note\":\"\xff\xfe\"}".to_vec();
    let key = crypto::decode_key(KEY).unwrap();
    let encrypt = crypto::seal(&key, &[1u8; 16], &msg, APPID);
    let sig = crypto::msg_signature(TOKEN, "5", "6", &encrypt);
    let body = serde_json::json!({"ToUserName": "gh_1", "Encrypt": encrypt}).to_string();
    let target = format!("/wx?timestamp=5&nonce=6&encrypt_type=aes&msg_signature={sig}");
    assert_eq!(http(r.port, "POST", &target, body.as_bytes()), (200, "success".into()));
    assert!(r.stop().success());
    let o = bin()
        .arg("--store")
        .arg(&db)
        .args(["messages", "--reprocess"])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("still unreadable: the decrypted message is not UTF-8"), "{}", stderr(&o));
    let m = messages(&db);
    assert_eq!(m.len(), 1);
    assert!(m[0]["parse_error"].as_str().unwrap().contains("not UTF-8"));
    let c = rusqlite::Connection::open(&db).unwrap();
    let kept: Vec<u8> = c.query_row("SELECT plaintext FROM inbox", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, msg);
}

/// A tmpfs of `bytes` mounted for one test (as root, or through `sudo -n`),
/// unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
    sudo: bool,
}

/// `command` as root: directly when the tests are root, else with `sudo -n`.
fn as_root(sudo: bool, command: &str) -> std::process::Command {
    let mut c = std::process::Command::new(if sudo { "sudo" } else { command });
    if sudo {
        c.args(["-n", command]);
    }
    c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    c
}

impl SmallDisk {
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let sudo = unsafe { libc::geteuid() } != 0;
        let ok = as_root(sudo, "mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=1777"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir, sudo })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    fn fill(&self, name: &str) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join(name)).unwrap();
        let block = vec![0x5a_u8; 64 << 10];
        loop {
            if let Err(e) = f.write_all(&block) {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
                break;
            }
        }
        let _ = f.write_all(&block[..4096]);
        let _ = f.write_all(&block[..1]);
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = as_root(self.sudo, "umount").arg("-l").arg(self.dir.path()).status();
    }
}

fn big_push_text(i: u64) -> String {
    format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{},"type":5}},"padding":"{}"}}"#,
        1_764_656_488 + i,
        3_732_676_853_715_311_104u64 + i,
        "x".repeat(1500)
    )
}

/// A full disk, then 2 MiB freed while pushes keep coming: the space goes
/// to the data (a checkpoint first, after which the WAL is rewritten in
/// place), so every push acknowledged becomes readable and none is
/// quarantined for want of space; left to the inbox, the WAL grew into the
/// space freed and projection never moved again.
#[test]
fn after_a_full_disk_the_space_freed_goes_to_the_data_and_projection_catches_up() {
    let Some(disk) = SmallDisk::mount(8 << 20) else {
        // .ci/run says whether this machine mounts one at all.
        assert!(
            std::env::var_os("ORDERSCOPE_TEST_TMPFS").is_none(),
            "this machine mounts a tmpfs, yet the test could not"
        );
        eprintln!("skipped: cannot mount a tmpfs (needs root or sudo -n)");
        return;
    };
    let logdir = tempfile::tempdir().unwrap();
    let (db, log) = (disk.path().join("s.db"), logdir.path().join("log"));
    let wal = disk.path().join("s.db-wal");
    let r = Receiver::start(&db, &log, APPID, &[]);
    let mut i = 0u64;
    let mut send = |n: u64| -> u64 {
        let mut acknowledged = 0;
        for _ in 0..n {
            let (target, body) = signed_push(&big_push_text(i), APPID, &i.to_string(), "");
            i += 1;
            if http(r.port, "POST", &target, &body) == (200, "success".into()) {
                acknowledged += 1;
            }
        }
        acknowledged
    };
    assert_eq!(send(100), 100);
    disk.fill("filler");
    assert!(send(20) < 20, "the disk is full, yet every push was stored");
    let wal_when_full = std::fs::metadata(&wal).unwrap().len();
    let filler = disk.path().join("filler");
    let len = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&filler).unwrap().set_len(len - (2 << 20)).unwrap();
    // As many pushes as 2 MiB hold as data (about half of it), though not
    // as WAL frames written anew (a few transactions of several pages each).
    assert_eq!(send(100), 100, "pushes refused after 2 MiB were freed");
    let count = |sql: &str| -> i64 {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    wait_for("every stored push projected", || {
        count("SELECT count(*) FROM inbox") == count("SELECT count(*) FROM messages WHERE quarantine IS NULL")
    });
    let grew = std::fs::metadata(&wal).unwrap().len().saturating_sub(wal_when_full);
    assert!(grew < 64 << 10, "the WAL grew by {grew} bytes into the space freed");
    drop(r);
}

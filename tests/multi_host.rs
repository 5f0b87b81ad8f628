//! Several receiving hosts on one PostgreSQL store, end to end: two real
//! `serve` processes, pushes signed as the platform signs them over real
//! HTTP, the CLI and the inspector (in tmux) reading the same database.
//! The server is `ORDERSCOPE_TEST_PG`, or a private cluster the tests start
//! themselves (see tests/common/pg.rs); without PostgreSQL they fail.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::pg::{Database, server};
use common::tmux::Tmux;
use common::*;

const TOKEN: &str = "AAAAA";
const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const APPID: &str = "wxba5fad812f8e6fb9";
/// How long a wait goes on before it is taken for a hang.
const HANG: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One `serve` on the shared store.
struct Host {
    child: Child,
    port: u16,
}

impl Host {
    fn start(url: &str, log: &std::path::Path, port: u16) -> Host {
        let child = bin()
            .args(["--store", url, "serve", "--listen", &format!("127.0.0.1:{port}"), "--log"])
            .arg(log)
            .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
            .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
            .env("ORDERSCOPE_APPID", APPID)
            .env_remove("ORDERSCOPE_CONFIG")
            .env_remove("ORDERSCOPE_STORE")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "receiver on {port} did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Host { child, port }
    }

    fn kill(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; the status and body, or `None` when the host is gone.
/// Push `i` (order 3732676853715311104 + i) sealed and signed as the platform does.
fn signed_push(i: u64) -> (String, Vec<u8>) {
    let plaintext = format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{},"type":5}}}}"#,
        1_764_656_488 + i,
        3_732_676_853_715_311_104u64 + i
    );
    sealed_push(TOKEN, KEY, APPID, &plaintext, i)
}

fn push(port: u16, i: u64) -> Option<(u16, String)> {
    let (target, body) = signed_push(i);
    post(port, &target, &body)
}

fn messages(url: &str) -> Vec<serde_json::Value> {
    let o = bin().args(["--store", url, "messages", "--json"]).env_remove("ORDERSCOPE_CONFIG").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap().as_array().unwrap().clone()
}

fn by_create_time(stored: &[serde_json::Value]) -> std::collections::HashMap<i64, (usize, i64)> {
    let mut counts = std::collections::HashMap::new();
    for m in stored {
        let e = counts.entry(m["create_time"].as_i64().unwrap()).or_insert((0, 0));
        e.0 += 1;
        e.1 += m["deliveries"].as_i64().unwrap();
    }
    counts
}

#[test]
fn two_hosts_one_store_one_story_and_a_push_to_either_reaches_an_open_inspector() {
    let server = server("two_hosts_one_store_one_story_and_a_push_to_either_reaches_an_open_inspector");
    let db = Database::create(&server);
    let dir = tempfile::tempdir().unwrap();
    let one = Host::start(&db.url, &dir.path().join("one.log"), free_port());
    let two = Host::start(&db.url, &dir.path().join("two.log"), free_port());

    assert_eq!(push(one.port, 1), Some((200, "success".into())));
    assert_eq!(push(two.port, 2), Some((200, "success".into())));
    // The platform redelivers push 1, and the load balancer sends it to host 2.
    assert_eq!(push(two.port, 1), Some((200, "success".into())));
    let stored = by_create_time(&messages(&db.url));
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!(stored[&(1_764_656_488 + 1)], (1, 2), "push 1 stored once, delivered twice");
    assert_eq!(stored[&(1_764_656_488 + 2)], (1, 1));

    // An inspector open on the same store sees a push that reached host 2.
    let t = Tmux::new("multihost");
    let command = format!(
        "env -u ORDERSCOPE_CONFIG -u ORDERSCOPE_STORE LANG=en_US.UTF-8 HOME={home} XDG_CONFIG_HOME={home} {bin} --store '{url}'; sleep 30",
        home = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_orderscope"),
        url = db.url
    );
    t.start(160, 40, &command);
    t.wait_for("the list from the shared store", |s| s.contains("3732676853715311105"));
    assert_eq!(push(two.port, 7), Some((200, "success".into())));
    let sent = Instant::now();
    t.wait_for("host 2's push in the open inspector", |s| s.contains("3732676853715311111"));
    eprintln!("host 2's push on screen after {:?}", sent.elapsed());

    // Both hosts recorded their receiver periods; stopping closes them.
    one.stop();
    two.stop();
    let mut c = db.client();
    let periods: Vec<(Option<String>, Option<i64>)> = c
        .query("SELECT host, stopped_at FROM receiver_periods ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(periods.len(), 2, "{periods:?}");
    assert!(periods.iter().all(|(host, stopped)| host.as_deref().is_some_and(|h| !h.is_empty()) && stopped.is_some()));
}

/// Four clients push to two hosts; host 1 is killed with SIGKILL in the
/// middle and started again. Every push answered `success` is stored
/// exactly once.
#[test]
fn a_host_killed_under_load_loses_no_acknowledged_push() {
    let server = server("a_host_killed_under_load_loses_no_acknowledged_push");
    let db = Database::create(&server);
    let dir = tempfile::tempdir().unwrap();
    let (port1, port2) = (free_port(), free_port());
    let mut one = Host::start(&db.url, &dir.path().join("one.log"), port1);
    let two = Host::start(&db.url, &dir.path().join("two.log"), port2);
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4u64)
        .map(|c| {
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                for k in 0..150u64 {
                    let i = c * 1000 + k;
                    let port = if k % 2 == 0 { port1 } else { port2 };
                    if push(port, i) == Some((200, "success".into())) {
                        acknowledged.lock().unwrap().push(i);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        })
        .collect();
    // Killed in the middle: once the clients are well under way.
    let deadline = Instant::now() + HANG;
    while acknowledged.lock().unwrap().len() < 100 {
        assert!(Instant::now() < deadline, "the clients got nothing acknowledged");
        std::thread::sleep(Duration::from_millis(10));
    }
    one.kill();
    // Down for a while on purpose: the pushes sent to it meanwhile fail.
    std::thread::sleep(Duration::from_millis(200));
    let one = Host::start(&db.url, &dir.path().join("one.log"), port1);
    for c in clients {
        c.join().unwrap();
    }
    // Both hosts die at once: what each acknowledged last may still be in
    // the inbox only, and it must be there (stored before `success`).
    drop((one, two));
    let in_inbox: std::collections::HashSet<i64> = db
        .client()
        .query("SELECT convert_from(plaintext, 'UTF8') FROM inbox WHERE plaintext IS NOT NULL", &[])
        .unwrap()
        .iter()
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(0)).ok())
        .filter_map(|v| v["CreateTime"].as_i64())
        .collect();
    for i in acknowledged.lock().unwrap().iter() {
        assert!(in_inbox.contains(&(1_764_656_488 + *i as i64)), "push {i} acknowledged and not in the inbox");
    }
    // The next receiver projects what the dead ones left (its stop waits
    // for every projection), and the listing shows each push once.
    Host::start(&db.url, &dir.path().join("three.log"), free_port()).stop();
    let stored = by_create_time(&messages(&db.url));
    let acknowledged = acknowledged.lock().unwrap();
    for i in acknowledged.iter() {
        let at = 1_764_656_488 + *i as i64;
        assert_eq!(stored.get(&at).map(|s| s.0), Some(1), "push {i} acknowledged but stored {:?}", stored.get(&at));
    }
    assert!(stored.values().all(|&(n, _)| n == 1), "a push stored twice");
    assert!(acknowledged.len() >= 400, "only {} of 600 acknowledged", acknowledged.len());
}

/// Three hosts on one store; one is killed under load while pushes it
/// acknowledged are not yet projected, and no push comes after: they are
/// readable within 5 s all the same (the survivors look at the shared inbox
/// every second), with no new traffic and no restart. To leave such pushes
/// behind for certain, the doomed host's database connection freezes at its
/// first projection after the load starts (its inbox commits went through).
#[test]
fn what_a_dead_host_acknowledged_is_readable_within_5_s_without_new_traffic() {
    let server = server("what_a_dead_host_acknowledged_is_readable_within_5_s_without_new_traffic");
    let db = Database::create(&server);
    let dir = tempfile::tempdir().unwrap();
    let (relay, through) = FreezingRelay::in_front_of(&db.url);
    let ports = [free_port(), free_port(), free_port()];
    let mut doomed = Host::start(through.as_str(), &dir.path().join("doomed.log"), ports[0]);
    let survivors: Vec<Host> = ports[1..]
        .iter()
        .enumerate()
        .map(|(k, p)| Host::start(&db.url, &dir.path().join(format!("{k}.log")), *p))
        .collect();
    // The survivors are up and idle: only the shared inbox can tell them
    // that anything is left to project.
    for (k, port) in ports.iter().enumerate() {
        assert_eq!(push(*port, 900_000 + k as u64), Some((200, "success".into())));
    }
    relay.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8u64)
        .map(|c| {
            let (acknowledged, frozen) = (acknowledged.clone(), relay.frozen.clone());
            std::thread::spawn(move || {
                let mut k = 0u64;
                while !frozen.load(std::sync::atomic::Ordering::SeqCst) {
                    let i = c * 100_000 + k;
                    if push(ports[0], i) == Some((200, "success".into())) {
                        acknowledged.lock().unwrap().push(i);
                    }
                    k += 1;
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    doomed.kill();
    let killed_at = Instant::now();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(!acknowledged.is_empty(), "the doomed host acknowledged nothing");
    let mut client = db.client();
    let backlog = |c: &mut postgres::Client| -> i64 {
        c.query_one(
            "SELECT (SELECT coalesce(max(id), 0) FROM inbox) - (SELECT coalesce(max(last_id), 0) FROM projector_cursor)",
            &[],
        )
        .unwrap()
        .get(0)
    };
    loop {
        let left = backlog(&mut client);
        if left == 0 {
            break;
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(5),
            "{left} pushes still unreadable 5 s after their host died ({} acknowledged)",
            acknowledged.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stored = by_create_time(&messages(&db.url));
    for i in &acknowledged {
        let at = 1_764_656_488 + *i as i64;
        assert_eq!(stored.get(&at).map(|s| s.0), Some(1), "push {i} acknowledged but not readable");
    }
    drop(survivors);
}

/// A relay to the database that freezes the connection the moment its
/// client opens a writing transaction that does not commit in the same
/// message (a projection step): the server sees a client gone quiet while
/// it holds the writers' lock, as when a host's network hangs.
struct FreezingRelay {
    port: u16,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FreezingRelay {
    /// A relay to the database at `url`, and the URL that goes through it.
    fn in_front_of(url: &str) -> (FreezingRelay, url::Url) {
        let mut through = url::Url::parse(url).unwrap();
        let relay = FreezingRelay::start(through.port().unwrap_or(5432));
        through.set_port(Some(relay.port)).unwrap();
        (relay, through)
    }

    fn start(to: u16) -> FreezingRelay {
        use std::sync::atomic::Ordering::SeqCst;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let frozen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (armed2, frozen2) = (armed.clone(), frozen.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else { continue };
                for (upstream, mut from, mut into) in
                    [(true, client.try_clone().unwrap(), server.try_clone().unwrap()), (false, server, client)]
                {
                    let (armed, frozen) = (armed2.clone(), frozen2.clone());
                    std::thread::spawn(move || {
                        let mut buf = vec![0u8; 1 << 16];
                        loop {
                            let Ok(n) = from.read(&mut buf) else { return };
                            if n == 0 {
                                return;
                            }
                            while frozen.load(SeqCst) {
                                std::thread::sleep(Duration::from_millis(50));
                            }
                            if into.write_all(&buf[..n]).is_err() {
                                return;
                            }
                            let chunk = &buf[..n];
                            let has = |s: &[u8]| chunk.windows(s.len()).any(|w| w == s);
                            if upstream && armed.load(SeqCst) && has(b"pg_advisory_xact_lock") && !has(b"COMMIT") {
                                frozen.store(true, SeqCst);
                            }
                        }
                    });
                }
            }
        });
        FreezingRelay { port, armed, frozen }
    }
}

/// One host's database connection hangs in the middle of a projection,
/// holding the writers' lock: the server ends that transaction within its
/// bound, and the other host goes on answering `success` within the
/// platform's 5 s, every push it acknowledged readable.
#[test]
fn a_host_whose_connection_hangs_mid_projection_does_not_freeze_the_others() {
    let server = server("a_host_whose_connection_hangs_mid_projection_does_not_freeze_the_others");
    let db = Database::create(&server);
    let dir = tempfile::tempdir().unwrap();
    let (relay, through) = FreezingRelay::in_front_of(&db.url);
    let (port1, port2) = (free_port(), free_port());
    let _hung = Host::start(through.as_str(), &dir.path().join("hung.log"), port1);
    let other = Host::start(&db.url, &dir.path().join("other.log"), port2);
    for i in 0..4 {
        assert_eq!(push(if i % 2 == 0 { port1 } else { port2 }, i), Some((200, "success".into())));
    }
    relay.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    // Its inbox commit goes through in one message; the projection that follows freezes.
    let _ = push(port1, 100);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !relay.frozen.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the hung host never started a projection");
        std::thread::sleep(Duration::from_millis(10));
    }
    for i in 200..206 {
        let started = Instant::now();
        let answer = push(other.port, i);
        assert_eq!(
            answer,
            Some((200, "success".into())),
            "push {i} to the other host, {:?} after the hang",
            started.elapsed()
        );
        assert!(started.elapsed() < Duration::from_secs(5), "push {i} answered after {:?}", started.elapsed());
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stored = by_create_time(&messages(&db.url));
        if (200..206).all(|i| stored.contains_key(&(1_764_656_488 + i))) {
            break;
        }
        assert!(Instant::now() < deadline, "the other host's pushes are not readable");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A TCP relay between the inspector and the server that can cut every
/// connection (as a network failure or a server restart would) and let
/// them through again.
struct Relay {
    port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(to: u16) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else { continue };
                open2.lock().unwrap().extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                for (mut from, mut into) in
                    [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut into);
                        let _ = into.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { port, up, open }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The inspector's store side loses its database: the status line says so,
/// and once the database is back it reconnects by itself, clears the
/// problem and shows what was stored meanwhile.
#[test]
fn an_inspector_shows_a_lost_database_and_reconnects_by_itself() {
    use orderscope::store::{Durability, NewMessage, OpenMode, Store};
    use orderscope::tui::update::{Effect, Msg};
    let server = server("an_inspector_shows_a_lost_database_and_reconnects_by_itself");
    let db = Database::create(&server);
    let mut writer = Store::open_at(&db.location(), OpenMode::Create, Durability::Full).unwrap();
    orderscope::demo::populate(&mut writer, NOW).unwrap();
    let server_port = url::Url::parse(&db.url).unwrap().port().unwrap();
    let relay = Relay::start(server_port);
    let mut via = url::Url::parse(&db.url).unwrap();
    via.set_port(Some(relay.port)).unwrap();
    // The server trusts loopback; the password is there to be kept off the screen.
    via.set_password(Some("s3cret")).unwrap();
    let reader =
        Store::open_at(&orderscope::store::Location::parse(via.as_str()), OpenMode::Existing, Durability::Normal)
            .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runner =
        orderscope::tui::runner::Runner::start(reader, orderscope::model::Lang::En, None, tx, Box::new(|_| {}))
            .unwrap();
    runner.perform(Effect::LoadList);
    let wait_for = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>, what: &str, ok: &dyn Fn(&Msg) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match rx.try_recv() {
                Ok(m) if ok(&m) => return m,
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
            assert!(Instant::now() < deadline, "no {what} within 15 s");
        }
    };
    wait_for(&mut rx, "list", &|m| matches!(m, Msg::ListLoaded { complete: true, .. }));

    relay.cut();
    let Msg::StoreProblem(Some(problem)) =
        wait_for(&mut rx, "store problem", &|m| matches!(m, Msg::StoreProblem(Some(_))))
    else {
        unreachable!()
    };
    let problem = problem.to_string();
    assert!(problem.contains("PostgreSQL"), "{problem}");
    assert!(!problem.contains("s3cret"), "{problem}");
    // Stored by a receiver while this inspector is cut off.
    let push = format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":{NOW},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":4000000000000000001,"type":5}}}}"#
    );
    writer.add_message(NewMessage::new(NOW, &push, "serve".into())).unwrap();

    relay.restore();
    wait_for(&mut rx, "problem cleared", &|m| matches!(m, Msg::StoreProblem(None)));
    wait_for(&mut rx, "the push stored meanwhile", &|m| match m {
        Msg::StoreChanged { changes, .. } => changes.rows.iter().any(|r| r.order_id == "4000000000000000001"),
        _ => false,
    });
}

/// `sync` and a fetch on demand store into a PostgreSQL store (the client
/// blocks on its own runtime: never inside an async task's).
#[test]
fn sync_and_a_fetch_on_demand_fill_a_postgresql_store() {
    let server = server("sync_and_a_fetch_on_demand_fill_a_postgresql_store");
    let db = Database::create(&server);
    let shop = orderscope::api::fake::FakeShop::start_thread(APPID, "secret").unwrap();
    let mut b: serde_json::Value =
        serde_json::from_str(include_str!("../assets/demo/lookup/order-3732679488426088960.json")).unwrap();
    b["order"]["update_time"] = serde_json::json!(orderscope::timefmt::now() - 60);
    shop.add_version(0, b["order"].clone());
    let run = |args: &[&str]| {
        bin()
            .args(["--store", &db.url, "--api-base", &shop.base_url()])
            .args(args)
            .env("ORDERSCOPE_APPID", APPID)
            .env("ORDERSCOPE_APPSECRET", "secret")
            .env_remove("ORDERSCOPE_CONFIG")
            .env_remove("ORDERSCOPE_STORE")
            .output()
            .unwrap()
    };
    // The database is empty: no store yet, so the order is fetched and stored.
    let o = run(&["show", "3732679488426088960", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["sync", "--since", "1d"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 orders listed, 0 new versions stored, 0 failed"), "{}", stdout(&o));
    let o = run(&["orders", "--json"]);
    let orders: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(orders.as_array().map(Vec::len), Some(1), "{orders}");
}

/// A server restart ends every connection (as `pg_terminate_backend` does,
/// with the same FATAL admin-shutdown message). The next write or read on a
/// store that held such a connection makes a new one and succeeds: the
/// receiver's first push after a restart is stored, not answered 500.
#[test]
fn the_first_write_and_read_after_a_server_restart_succeed() {
    use orderscope::store::Arrival;
    use orderscope::store::{Durability, OpenMode, Store};
    let server = server("the_first_write_and_read_after_a_server_restart_succeed");
    let db = Database::create(&server);
    let mut store = Store::open_at(&db.location(), OpenMode::Create, Durability::Full).unwrap();
    let push = |t: i64| {
        format!(
            r#"{{"CreateTime":{t},"Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":"9","type":5}}}}"#
        )
    };
    store.add_message(orderscope::store::NewMessage::new(1, &push(1), "serve".into())).unwrap();
    let mut admin = db.client();
    let end_others = |admin: &mut postgres::Client| {
        let ended: Vec<i32> = admin
            .query(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(!ended.is_empty(), "the store's connection was there to end");
        // pg_terminate_backend only signals: wait until they are gone.
        let deadline = Instant::now() + HANG;
        while admin
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", &[&ended])
            .unwrap()
            .get::<_, i64>(0)
            > 0
        {
            assert!(Instant::now() < deadline, "backends {ended:?} still there {HANG:?} after being ended");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    end_others(&mut admin);
    store.add_message(orderscope::store::NewMessage::new(2, &push(2), "serve".into())).unwrap();
    end_others(&mut admin);
    assert_eq!(store.reads().messages(Some("9")).unwrap().len(), 2);
    end_others(&mut admin);
    let envelope = br#"{"Encrypt":"x"}"#;
    let arrival = Arrival { received_at: 3, query: "", content_type: None, envelope, plaintext: None, problem: None };
    assert_eq!(store.inbox_mut().append_inbox_group(&[(arrival, "k3")]).unwrap().len(), 1);
}

//! The live path: holding a key down over orders whose API answers take
//! 50 ms, and `sync` of 10,000 orders. Run with
//! `cargo build --release && cargo bench --bench live`.
//!
//! 1. The release binary runs the inspector in tmux on a store of 100 orders,
//!    against the fake shop API (50 ms per answer) started here; 100 Down
//!    keys arrive 30 ms apart (a held key); then we count the `order/get`
//!    requests the fake received.
//! 2. In process: from a live answer's arrival to the frame that shows it
//!    (store the version, re-read the order, draw 200x60).
//! 3. `sync` of 10,000 orders against the fake (5 ms per answer): requests
//!    per second and the store's share of the time.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use latency::Latencies;
use orderscope::api::fake::FakeShop;
use orderscope::model::{Lang, Order};
use orderscope::store::{OpenMode, Store};
use orderscope::tui::State;
use orderscope::tui::runner::run_inline;
use orderscope::tui::update::{Effect, Purpose};
use orderscope::tui::view::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use tmux::Tmux;

#[path = "common/latency.rs"]
mod latency;
#[path = "../tests/common/tmux.rs"]
mod tmux;

const APPID: &str = "wxbench0000000001";
const SECRET: &str = "bench-secret";

fn order(i: u64, update_time: i64) -> Value {
    let template: Value =
        serde_json::from_str(include_str!("../assets/demo/seed/order-3732676853715311104-after-shipping.json"))
            .unwrap();
    let mut o = template["order"].clone();
    o["order_id"] = (3_740_000_000_000_000_000u64 + i).to_string().into();
    o["update_time"] = update_time.into();
    o
}

fn held_key(bin: &Path) {
    let shop = FakeShop::start_thread(APPID, SECRET).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut store = Store::open(&db, OpenMode::Create).unwrap();
    // Updated 5 days ago: the inspector's start-up list refresh (3 days) finds none.
    let old = orderscope::timefmt::now() - 5 * 86_400;
    for i in 0..100 {
        let o = order(i, old + i as i64);
        store.add_snapshot(&Order::from_order(o.clone()).unwrap(), old, "bench".into()).unwrap();
        shop.add_version(0, o);
    }
    drop(store);
    shop.set_latency(Duration::from_millis(50));
    let cmd = format!(
        "exec env ORDERSCOPE_APPID={APPID} ORDERSCOPE_APPSECRET={SECRET} {} --store {} --api-base {} tui",
        bin.display(),
        db.display(),
        shop.base_url()
    );
    let t = Tmux::started("bench-live", 200, 60, &cmd);
    t.wait_for("the list", |s| s.contains('▶'));
    // The fetch of the order selected at start (50 ms) is not the held
    // key's: give it time to be over before counting.
    std::thread::sleep(Duration::from_secs(1));
    let gets = |shop: &FakeShop| shop.requests().iter().filter(|(p, _)| p == "/channels/ec/order/get").count();
    let before = gets(&shop);
    for _ in 0..100 {
        t.keys(&["Down"]);
        // The key repeat: what is measured is the requests at this pace.
        std::thread::sleep(Duration::from_millis(30));
    }
    // The fetch for where the key stopped (50 ms) lands, and what it shows
    // is part of the figure.
    std::thread::sleep(Duration::from_secs(1));
    let during = gets(&shop) - before;
    let screen = t.screen();
    drop(t);
    println!(
        "held Down key over 100 orders (30 ms repeat, 50 ms API): {during} order/get requests; last order shown fetched: {}",
        screen.contains("● fetched")
    );
}

fn answer_to_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db"), OpenMode::Create).unwrap();
    orderscope::demo::populate(&mut store, orderscope::timefmt::now()).unwrap();
    let mut app = State::new("bench".into(), Lang::Zh, orderscope::timefmt::now());
    app.live.enabled = true;
    run_inline(&mut app, &mut store, vec![Effect::LoadList]);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut times = Latencies::new();
    let (mut stored, mut drawn) = (Latencies::new(), Latencies::new());
    for k in 0..200 {
        let id = app.selected_id().unwrap().to_string();
        let mut o = store.reads().latest_snapshot(&id).unwrap().unwrap().order().unwrap();
        o.raw["order_detail"]["ext_info"]["merchant_notes"] = format!("v{k}").into();
        let generation = app.live.generation;
        app.live.in_flight = Some((generation, id.clone()));
        let t = Instant::now();
        let store_it =
            Effect::StoreVersion { order: Box::new(o), source: "live".into(), purpose: Purpose::Fetch(generation) };
        run_inline(&mut app, &mut store, vec![store_it]);
        let after_store = t.elapsed();
        terminal.draw(|f| view::draw(f, &app, Theme { color: true })).unwrap();
        times.record(t.elapsed());
        stored.record(after_store);
        drawn.record(t.elapsed() - after_store);
    }
    println!(
        "live answer to frame (store the version, re-read the order, draw 200x60): median {:.2} ms, p99 {:.2} ms",
        times.median().as_secs_f64() * 1000.0,
        times.p99().as_secs_f64() * 1000.0
    );
    println!(
        "  of which storing and re-reading it (the order gains a version each time, 200 in all): median {:.2} ms; drawing: median {:.2} ms",
        stored.median().as_secs_f64() * 1000.0,
        drawn.median().as_secs_f64() * 1000.0
    );
}

fn sync_10k() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let shop = FakeShop::start_thread(APPID, SECRET).unwrap();
    let now = orderscope::timefmt::now();
    for i in 0..10_000u64 {
        shop.add_version(0, order(i, now - 86_400 + i as i64 * 8));
    }
    shop.set_latency(Duration::from_millis(5));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db"), OpenMode::Create).unwrap();
    let client = orderscope::api::Client::new(
        &shop.base_url(),
        orderscope::api::Credentials {
            appid: APPID.into(),
            secret: orderscope::config::Secret::new(SECRET),
            token_api: orderscope::api::TokenApi::Stable,
        },
        Duration::from_secs(10),
    );
    let summary = rt
        .block_on(orderscope::sync::pass(
            &client,
            &mut store,
            now - 2 * 86_400,
            now + 1,
            orderscope::sync::Progress::Quiet,
        ))
        .unwrap();
    let requests = shop.requests().len();
    println!(
        "sync of 10,000 orders (5 ms per API answer, 8 in flight): {}; {} requests = {:.0} requests/s; store {:.1}% of the time",
        summary.line(),
        requests,
        requests as f64 / summary.total_time.as_secs_f64(),
        summary.store_share()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/orderscope");
    if bin.exists() && Command::new("tmux").arg("-V").output().is_ok() {
        held_key(&bin);
    } else {
        println!("held key: skipped (needs tmux and target/release/orderscope: cargo build --release)");
    }
    answer_to_frame();
    sync_10k();
}

//! Speed and memory of the inspector on a large store: 100,000 orders and
//! 1,000,000 messages. Run with `cargo bench --bench inspector`.
//!
//! Measures, in process, with the real store file and the real drawing code
//! on a 200x60 test terminal:
//! - first frame: open the store, load the order list and the selected
//!   order, draw (the work between start and the first frame);
//! - one full redraw at 200x60;
//! - moving the selection (load the newly selected order from the store and
//!   draw it);
//! - resident memory after all of that;
//!
//! And, with the real binary in tmux, the CPU it uses while idle.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
#[path = "common/mod.rs"]
mod common;
#[path = "common/latency.rs"]
mod latency;
#[path = "../tests/common/tmux.rs"]
mod tmux;

use common::{MESSAGES_PER_ORDER, ORDERS, ensure_store, store_path};
use latency::Latencies;
use orderscope::model::Lang;
use orderscope::store::{OpenMode, Store};
use orderscope::tui::State;
use orderscope::tui::runner::run_inline;
use orderscope::tui::update::{Effect, Msg, merge_rows, update};
use orderscope::tui::view::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tmux::Tmux;

fn rss_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let path = store_path();
    ensure_store(&path);

    // First frame: everything between start and the first picture.
    let started = Instant::now();
    let mut store = Store::open(&path, OpenMode::Existing).unwrap();
    let mut app = State::new("bench".into(), Lang::Zh, orderscope::timefmt::now());
    run_inline(&mut app, &mut store, vec![Effect::LoadList]);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    app.page = view::list_page(200, 60);
    let theme = Theme { color: true };
    terminal.draw(|f| view::draw(f, &app, theme)).unwrap();
    let first_frame = started.elapsed();
    assert_eq!(app.orders.len() as u64, ORDERS);

    // Full redraws at 200x60.
    let mut draws = Latencies::new();
    for _ in 0..300 {
        terminal.clear().unwrap();
        let t = Instant::now();
        terminal.draw(|f| view::draw(f, &app, theme)).unwrap();
        draws.record(t.elapsed());
    }

    // Moving the selection: the key, the store read of the new order, the frame.
    let mut moves = Latencies::new();
    let down = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    for _ in 0..1000 {
        let t = Instant::now();
        let effects = update(&mut app, Msg::Key(down));
        run_inline(&mut app, &mut store, effects);
        let effects = update(&mut app, Msg::InputDrained);
        run_inline(&mut app, &mut store, effects);
        terminal.draw(|f| view::draw(f, &app, theme)).unwrap();
        moves.record(t.elapsed());
    }
    assert_eq!(app.shown_detail().unwrap().messages.len() as u64, MESSAGES_PER_ORDER);

    // Filtering the whole list, as a settled key does: the query parsed once,
    // every row matched. The floor is the same pass with an empty filter
    // (the list copied, the selection kept).
    let mut filters = Vec::new();
    for query in [
        "",
        "xbox",
        "0775",
        "tel:0775",
        "18400984191-0775",
        "wb:sf326",
        "evt:发货",
        "type:5",
        "since:10m",
        "nomatch",
        // Facts that no row holds: what most rows of a real shop are to a
        // given phone, number or waybill (here every order is the seed's).
        "18400989999-1234",
        "wb:yt9",
    ] {
        app.filter = tui_textarea::TextArea::from([query]);
        let mut samples = Latencies::new();
        for _ in 0..30 {
            let t = Instant::now();
            app.apply_filter();
            samples.record(t.elapsed());
        }
        filters.push((query, app.visible.len(), samples.median(), samples.max()));
    }

    // The first key after the list changed wholesale (a fresh read): the
    // filter's index is built, then matched. And a change merged in while a
    // filter is set, as pushes streaming in do: the index follows the merge.
    let mut first_keys = Latencies::new();
    let mut merges = Latencies::new();
    let mut merges_unfiltered = Latencies::new();
    for round in 0..10 {
        app.filter = tui_textarea::TextArea::from([""]);
        app.replace_orders(Arc::new(app.orders.to_vec()), None);
        app.filter = tui_textarea::TextArea::from(["xbox"]);
        let t = Instant::now();
        app.apply_filter();
        first_keys.record(t.elapsed());
        for filtered in [true, false] {
            let text = if filtered { "xbox" } else { "" };
            app.filter = tui_textarea::TextArea::from([text]);
            app.apply_filter();
            let mut changed = (*app.orders[50_000 + round]).clone();
            changed.last_activity += 1;
            let t = Instant::now();
            let merged = Arc::new(merge_rows(&app.orders, std::slice::from_ref(&changed)));
            let ids: HashSet<&str> = [changed.order_id.as_str()].into_iter().collect();
            app.merge_orders(merged, &ids, None);
            if filtered { merges.record(t.elapsed()) } else { merges_unfiltered.record(t.elapsed()) }
        }
    }

    println!("store: {ORDERS} orders, {} messages", ORDERS * MESSAGES_PER_ORDER);
    for (query, n, median, max) in &filters {
        let name = if query.is_empty() { "(empty: the floor)".to_string() } else { format!("{query:?}") };
        println!("filter 100,000 orders by {name}: {n} shown, median {} max {}", ms(*median), ms(*max));
    }
    println!(
        "first filter key after a fresh list (index built, then \"xbox\"): median {} max {}",
        ms(first_keys.median()),
        ms(first_keys.max())
    );
    println!(
        "one changed order merged into 100,000 with \"xbox\" set: median {} max {} (no filter, the floor: median {})",
        ms(merges.median()),
        ms(merges.max()),
        ms(merges_unfiltered.median())
    );
    println!("open + the whole list + which orders are demo + selected order + draw: {}", ms(first_frame));
    println!("full redraw 200x60: median {} p99 {}", ms(draws.median()), ms(draws.p99()));
    println!("move selection + redraw: median {} p99 {}", ms(moves.median()), ms(moves.p99()));
    println!("resident memory: {} MB now, {} MB peak", rss_kb("VmRSS:") / 1024, rss_kb("VmHWM:") / 1024);
    drop(app);
    drop(store);
    idle_cpu(&path);
}

/// Runs the real binary in tmux on the large store and reads its CPU time
/// over 10 idle seconds (the countdown ticks once a second).
fn idle_cpu(path: &Path) {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("idle CPU: skipped (no tmux)");
        return;
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/orderscope");
    if !bin.exists() {
        println!("idle CPU: skipped (build target/release/orderscope first: cargo build --release)");
        return;
    }
    let t = Tmux::started("bench-idle", 200, 60, &format!("exec {} --store {} tui", bin.display(), path.display()));
    t.wait_for("the list", |s| s.contains('▶'));
    // What start-up does after the first frame (the rest of the list, the
    // demo marks) is not idle: let it end before counting.
    std::thread::sleep(Duration::from_secs(2));
    let pid = t.pane_pid();
    let ticks = || -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
    };
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0) / 1024)
        .unwrap_or(0);
    let t0 = ticks();
    std::thread::sleep(Duration::from_secs(10));
    let used = ticks() - t0;
    let hz = 100.0; // USER_HZ on Linux
    println!(
        "idle CPU (real binary in tmux, 10 s, countdown visible): {:.0} ms of CPU = {:.2}% of a core; resident memory {} MB",
        used as f64 / hz * 1000.0,
        used as f64 / hz / 10.0 * 100.0,
        rss
    );
    drop(t);
}

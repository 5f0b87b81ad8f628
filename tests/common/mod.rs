//! Helpers shared by the integration tests: real store files in temporary
//! directories, the real binary, and rendering the real screen to text.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use orderscope::model::Lang;
use orderscope::store::{OpenMode, Store};
use orderscope::tui::State;
use orderscope::tui::runner::run_inline;
use orderscope::tui::update::{Effect, Msg, update};
use orderscope::tui::view::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-27 12:00:00 +08:00: the fixed "now" of screen tests, so
/// countdowns and relative demo times give the same picture every run.
pub const NOW: i64 = 1_795_752_000;

pub const SEED: &str = "3732676853715311104";

pub fn seed_file(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/demo/seed/order-{SEED}-{which}-shipping.json"))
}

pub fn demo_store(dir: &Path) -> Store {
    let path = dir.join("demo.db");
    let mut store = Store::open(&path, OpenMode::Create).unwrap();
    let report = orderscope::demo::populate(&mut store, NOW).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    store
}

/// The inspector's state on the demo store with the seed order selected and
/// shown, every store effect carried out against the real store.
pub fn demo_app(store: &mut Store, lang: Lang) -> State {
    let mut app = State::new("demo shop · host test · store (temporary)".into(), lang, NOW);
    app.pending_select = Some(SEED.to_string());
    let left = run_inline(&mut app, store, vec![Effect::LoadList]);
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(app.selected_id(), Some(SEED));
    app
}

/// Applies a message and everything it leads to in the store, then the end
/// of an input batch, as the loop does; returns the effects the store could
/// not carry out (fetches, copies, timers).
pub fn send(app: &mut State, store: &mut Store, msg: Msg) -> Vec<Effect> {
    let effects = update(app, msg);
    let mut left = run_inline(app, store, effects);
    let drained = update(app, Msg::InputDrained);
    left.extend(run_inline(app, store, drained));
    left
}

pub fn key(app: &mut State, store: &mut Store, code: crossterm::event::KeyCode) -> Vec<Effect> {
    send(app, store, Msg::Key(crossterm::event::KeyEvent::from(code)))
}

pub fn type_text(app: &mut State, store: &mut Store, text: &str) {
    for c in text.chars() {
        key(app, store, crossterm::event::KeyCode::Char(c));
    }
}

/// Selects an order in the list and loads its detail.
pub fn select(app: &mut State, store: &mut Store, order_id: &str) {
    assert!(app.select_order(order_id), "{order_id} is not in the list");
    send(app, store, Msg::InputDrained);
    assert_eq!(app.shown_detail().map(|d| d.order_id.as_str()), Some(order_id));
}

/// Draws the app on a `w`×`h` test terminal and returns the screen as text,
/// one line per row, wide characters counted once.
pub fn render(app: &mut State, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    app.page = view::list_page(h);
    terminal.draw(|f| view::draw(f, app, Theme { color: false })).unwrap();
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut x = 0;
        let mut line = String::new();
        while x < w {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_orderscope"))
}

/// Runs the binary on a store with `args`, with a clean environment for the
/// variables it reads.
pub fn run(store: &Path, args: &[&str]) -> Output {
    bin()
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("ORDERSCOPE_STORE")
        .env("LANG", "en_US.UTF-8")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

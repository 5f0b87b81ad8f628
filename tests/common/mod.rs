//! Helpers shared by the integration tests: real store files in temporary
//! directories, the real binary, and rendering the real screen to text.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use orderscope::model::Lang;
use orderscope::store::{OpenMode, Store};
use orderscope::tui::app::App;
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

pub fn demo_app(store: &Store, lang: Lang) -> App {
    let mut app = App::new("demo shop · host test · store (temporary)".into(), lang, NOW);
    app.reload(store);
    app.select_order(SEED, store);
    app
}

/// Draws the app on a `w`×`h` test terminal and returns the screen as text,
/// one line per row, wide characters counted once.
pub fn render(app: &mut App, w: u16, h: u16) -> String {
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

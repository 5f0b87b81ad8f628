//! Helpers shared by the integration tests: real store files in temporary
//! directories, the real binary, and rendering the real screen to text.
#![allow(dead_code)]

pub mod pg;
pub mod tmux;

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
    app.page = view::list_page(w, h);
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

/// One HTTP/1.1 POST over loopback, read to the end: (status, body), or
/// `None` when the connection failed.
#[allow(dead_code)]
pub fn post(port: u16, target: &str, body: &[u8]) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok())?;
    Some((status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()))
}

/// `plaintext` sealed with `key` and signed with `token` as the platform
/// does (push `i` picks the nonce and timestamp): the request target and body.
#[allow(dead_code)]
pub fn sealed_push(token: &str, key: &str, appid: &str, plaintext: &str, i: u64) -> (String, Vec<u8>) {
    use orderscope::crypto;
    // Signed now: a push already stored and signed long ago is a replay.
    let (nonce, timestamp) = (format!("n{i}"), orderscope::timefmt::now().to_string());
    let key = crypto::decode_key(key).unwrap();
    let mut random = [0u8; 16];
    random[..nonce.len().min(16)].copy_from_slice(&nonce.as_bytes()[..nonce.len().min(16)]);
    let encrypt = crypto::seal(&key, &random, plaintext.as_bytes(), appid);
    let sig = crypto::msg_signature(token, &timestamp, &nonce, &encrypt);
    let body = serde_json::json!({"ToUserName": "gh_1", "Encrypt": encrypt}).to_string();
    (format!("/wx?timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={sig}"), body.into_bytes())
}

//! The inspector's loop with everything real but the terminal: the real
//! runner (store thread, change feed) on a real store file, a test backend
//! that records when each frame was drawn, and tokio's paused clock, so "a
//! key is drawn before any timer fires" is something a test can see.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::*;
use crossterm::event::{Event, KeyCode, KeyEvent};
use orderscope::model::Lang;
use orderscope::store::{OpenMode, Store};
use orderscope::tui::event_loop::{self, End, Sources};
use orderscope::tui::runner::Runner;
use orderscope::tui::terminal::Input;
use orderscope::tui::view::Theme;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::time::Instant;

/// A test terminal that keeps, for every frame, when it was flushed (on
/// tokio's clock) and what the screen said.
struct Recorder {
    inner: TestBackend,
    frames: Rc<RefCell<Vec<(Instant, String)>>>,
}

impl Backend for Recorder {
    type Error = <TestBackend as Backend>::Error;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> Result<(), Self::Error> {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let buf = self.inner.buffer();
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        self.frames.borrow_mut().push((Instant::now(), text));
        self.inner.flush()
    }
}

fn key(c: char) -> Input {
    Input::Event(Event::Key(KeyEvent::from(KeyCode::Char(c))))
}

#[tokio::test(start_paused = true)]
async fn a_key_delivered_while_idle_is_drawn_before_any_timer_fires() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut state = demo_app(&mut store, Lang::En);
    let first = state.selected_id().unwrap().to_string();
    let (msg_tx, msgs) = tokio::sync::mpsc::unbounded_channel();
    let (input_tx, input) = tokio::sync::mpsc::unbounded_channel();
    let reader = Store::open_at(store.location(), OpenMode::Existing, orderscope::store::Durability::Normal).unwrap();
    let mut runner = Runner::start(reader, Lang::En, None, msg_tx, Box::new(|_| {})).unwrap();
    let frames = Rc::new(RefCell::new(Vec::new()));
    let backend = Recorder { inner: TestBackend::new(120, 40), frames: frames.clone() };
    let mut terminal = Terminal::new(backend).unwrap();
    let sources = Sources { input, msgs, signals: false };

    let driver = async {
        // Let the loop draw its first frame and go idle.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = frames.borrow().len();
        let sent = Instant::now();
        input_tx.send(key('k')).unwrap();
        while frames.borrow().len() == before {
            tokio::time::sleep(Duration::from_micros(100)).await;
        }
        let drawn = frames.borrow()[before].0;
        input_tx.send(key('q')).unwrap();
        (sent, drawn)
    };
    let (end, (sent, drawn)) =
        tokio::join!(event_loop::run(&mut state, &mut terminal, &mut runner, sources, Theme { color: false }), driver);
    assert_eq!(end.unwrap(), End::Quit);
    // On the paused clock the 1 s tick is the first timer: the key's frame
    // came long before it could have woken the loop.
    assert!(drawn - sent < Duration::from_millis(5), "key drawn {:?} after it arrived", drawn - sent);
    assert_ne!(state.selected_id(), Some(first.as_str()), "the key moved the selection");
}

#[tokio::test(start_paused = true)]
async fn a_push_stored_by_another_process_appears_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut state = demo_app(&mut store, Lang::En);
    let seed_pushes = state.shown_detail().unwrap().messages.len();
    let (msg_tx, msgs) = tokio::sync::mpsc::unbounded_channel();
    let (input_tx, input) = tokio::sync::mpsc::unbounded_channel();
    let reader = Store::open_at(store.location(), OpenMode::Existing, orderscope::store::Durability::Normal).unwrap();
    let mut runner = Runner::start(reader, Lang::En, None, msg_tx, Box::new(|_| {})).unwrap();
    runner.perform(orderscope::tui::update::Effect::LoadList);
    let frames = Rc::new(RefCell::new(Vec::new()));
    let mut terminal = Terminal::new(Recorder { inner: TestBackend::new(160, 48), frames: frames.clone() }).unwrap();
    let sources = Sources { input, msgs, signals: false };
    let title = format!("Messages ({})", seed_pushes + 1);

    let driver = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Another connection (as the receiver would) stores a type 5 push.
        let push = format!(
            r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{SEED},"type":5}}}}"#,
            NOW + 60
        );
        store.add_message(orderscope::store::NewMessage::new(NOW + 60, &push, "test".into())).unwrap();
        // The store thread looks a few times a second on the real clock.
        // The deadline only turns a push that never shows into a failure.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if frames.borrow().last().map(|(_, s)| s.contains(&title)).unwrap_or(false) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the push never appeared");
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        }
        let screen = frames.borrow().last().unwrap().1.clone();
        input_tx.send(key('q')).unwrap();
        screen
    };
    let (end, screen) =
        tokio::join!(event_loop::run(&mut state, &mut terminal, &mut runner, sources, Theme { color: false }), driver);
    assert_eq!(end.unwrap(), End::Quit);
    assert!(screen.contains("● new"), "the new push is marked");
    assert!(screen.contains("+1"), "the header counts pushes since start");
    assert_eq!(state.selected_id(), Some(SEED));
}

/// The store file is deleted under an open inspector, then another store
/// appears at its path (a restore from a backup): the deletion is said,
/// not hidden behind the old file's contents still read through the open
/// connection, and the new file is opened and listed without a restart.
#[test]
fn a_deleted_then_replaced_store_file_is_noticed_and_opened_again() {
    use orderscope::tui::update::{Effect, Msg};
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let path = dir.path().join("demo.db");
    let reader = Store::open_at(store.location(), OpenMode::Existing, orderscope::store::Durability::Normal).unwrap();
    drop(store);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = Runner::start(reader, Lang::En, None, tx, Box::new(|_| {})).unwrap();
    runner.perform(Effect::LoadList);
    let wait_for = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>, what: &str, ok: &dyn Fn(&Msg) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            match rx.try_recv() {
                Ok(m) if ok(&m) => return m,
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
            assert!(std::time::Instant::now() < deadline, "no {what} within 15 s");
        }
    };
    wait_for(&mut rx, "list", &|m| matches!(m, Msg::ListLoaded { complete: true, .. }));

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let Msg::StoreProblem(Some(problem)) =
        wait_for(&mut rx, "the deletion", &|m| matches!(m, Msg::StoreProblem(Some(_))))
    else {
        unreachable!()
    };
    assert_eq!(
        problem.to_string(),
        format!(
            "store {} was deleted: shown is what was read before; opened again when a store is back there",
            path.display()
        )
    );

    // Restored: another store, with one order the demo does not have.
    let mut restored = Store::open(&path, OpenMode::Create).unwrap();
    let order = orderscope::model::Order::parse_text(&std::fs::read_to_string(seed_file("before")).unwrap()).unwrap();
    let mut other = order.clone();
    other.raw["order_id"] = serde_json::json!("4100000000000000001");
    let other = orderscope::model::Order::from_order(other.raw).unwrap();
    restored.add_snapshot(&other, NOW, orderscope::model::Origin::Import).unwrap();
    wait_for(&mut rx, "the restored store's list", &|m| match m {
        Msg::ListLoaded { rows, complete: true, .. } => rows.len() == 1 && rows[0].order_id == "4100000000000000001",
        _ => false,
    });
    wait_for(&mut rx, "the problem cleared", &|m| matches!(m, Msg::StoreProblem(None)));

    // Replaced in one step (a file renamed over the path): said, then opened.
    // The file replaced is checkpointed first, as a restore done right
    // leaves it: a WAL with frames left beside a file renamed over would be
    // read into the new file by any connection (SQLite's rule, not ours).
    drop(restored);
    rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let elsewhere = dir.path().join("elsewhere.db");
    let mut third = Store::open(&elsewhere, OpenMode::Create).unwrap();
    let mut raw = order.raw.clone();
    raw["order_id"] = serde_json::json!("4100000000000000002");
    third
        .add_snapshot(&orderscope::model::Order::from_order(raw).unwrap(), NOW, orderscope::model::Origin::Import)
        .unwrap();
    drop(third);
    std::fs::rename(&elsewhere, &path).unwrap();
    let Msg::StoreProblem(Some(problem)) =
        wait_for(&mut rx, "the replacement", &|m| matches!(m, Msg::StoreProblem(Some(_))))
    else {
        unreachable!()
    };
    assert_eq!(problem.to_string(), format!("store {} was replaced by another file: opening that one", path.display()));
    wait_for(&mut rx, "the new file's list", &|m| match m {
        Msg::ListLoaded { rows, complete: true, .. } => rows.len() == 1 && rows[0].order_id == "4100000000000000002",
        _ => false,
    });
}

//! Getting around: Esc goes back one level to where you were, the timeline
//! reopens where it was, ctrl-o goes back to the previous order, a filter
//! that matched nothing gives the selection back, `s` swaps the sides.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use orderscope::model::Lang;
use orderscope::tui::state::Overlay;
use orderscope::tui::update::Msg;

const OTHER: &str = "3741203385562701568";

fn timeline_entry(app: &orderscope::tui::State) -> Option<usize> {
    match &app.overlay {
        Some(Overlay::Timeline(v)) => Some(v.selected),
        _ => None,
    }
}

#[test]
fn esc_from_raw_json_opened_in_the_timeline_returns_to_the_same_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('t'));
    // The first entry with raw JSON behind it, a few steps down.
    let mut steps = 0;
    loop {
        key(&mut app, &mut store, KeyCode::Char('j'));
        steps += 1;
        key(&mut app, &mut store, KeyCode::Enter);
        if matches!(app.overlay, Some(Overlay::Raw(_))) {
            break;
        }
        assert!(steps < 10, "no entry with raw JSON");
    }
    assert!(render(&mut app, 80, 24).contains("orderscope › 时间线 › 原始 JSON"));
    key(&mut app, &mut store, KeyCode::Esc);
    assert_eq!(timeline_entry(&app), Some(steps), "back on the same entry");
    key(&mut app, &mut store, KeyCode::Esc);
    assert!(app.overlay.is_none() && app.stack.is_empty());
    // Opened again, it is where it was.
    key(&mut app, &mut store, KeyCode::Char('t'));
    assert_eq!(timeline_entry(&app), Some(steps));
    // For another order it starts at the top.
    key(&mut app, &mut store, KeyCode::Esc);
    select(&mut app, &mut store, OTHER);
    key(&mut app, &mut store, KeyCode::Char('t'));
    assert_eq!(timeline_entry(&app), Some(0));
}

#[test]
fn ctrl_o_goes_back_to_the_previous_order_and_toggles() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    let ctrl_o = || Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL));
    send(&mut app, &mut store, ctrl_o());
    assert_eq!(app.notice.as_deref(), Some("no previous order yet"));
    select(&mut app, &mut store, OTHER);
    send(&mut app, &mut store, ctrl_o());
    assert_eq!(app.selected_id(), Some(SEED));
    send(&mut app, &mut store, ctrl_o());
    assert_eq!(app.selected_id(), Some(OTHER));
}

#[test]
fn a_filter_that_matched_nothing_gives_the_selection_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    // Neither the first nor the last row: where a lost selection would go.
    let middle = app.orders[app.visible[app.visible.len() / 2]].order_id.clone();
    assert_ne!(app.visible.len() / 2, 0);
    select(&mut app, &mut store, &middle);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, "no such thing");
    assert!(app.visible.is_empty());
    key(&mut app, &mut store, KeyCode::Esc);
    key(&mut app, &mut store, KeyCode::Esc);
    assert!(app.filter_text().is_empty());
    assert_eq!(app.selected_id(), Some(middle.as_str()));
}

#[test]
fn s_swaps_the_sides_of_a_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    select(&mut app, &mut store, OTHER);
    key(&mut app, &mut store, KeyCode::Char('m'));
    select(&mut app, &mut store, SEED);
    key(&mut app, &mut store, KeyCode::Char('c'));
    assert!(render(&mut app, 160, 48).contains(&format!("Comparison · A {OTHER} · B {SEED}")));
    let first = match &app.overlay {
        Some(Overlay::Compare(v)) => v.result.clone().unwrap().unwrap(),
        other => panic!("{other:?}"),
    };
    key(&mut app, &mut store, KeyCode::Char('s'));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains(&format!("Comparison · A {SEED} · B {OTHER}")), "{screen}");
    let swapped = match &app.overlay {
        Some(Overlay::Compare(v)) => v.result.clone().unwrap().unwrap(),
        other => panic!("{other:?}"),
    };
    // Each row's sides change places.
    for (r, s) in first.rows.iter().zip(&swapped.rows) {
        assert_eq!((&r.a, &r.b), (&s.b, &s.a), "{}", r.label);
    }
}

/// The push stream is live: a push stored while it is open is read in as
/// the change feed reports it, at the top, and the selection stays put.
#[test]
fn the_push_stream_takes_in_a_push_as_it_arrives() {
    use orderscope::store::NewMessage;
    use orderscope::store::feed::Changes;
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    key(&mut app, &mut store, KeyCode::Char('p'));
    key(&mut app, &mut store, KeyCode::Char('3'));
    key(&mut app, &mut store, KeyCode::Char('j'));
    let (before, selected) = match &app.overlay {
        Some(Overlay::Pushes(v)) => (v.shown().len(), v.shown()[v.selected].id),
        other => panic!("{other:?}"),
    };
    let text = format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{SEED},"type":5}}}}"#,
        NOW - 5
    );
    let id = match store.add_message(NewMessage::new(NOW - 1, &text, "receiver".into())).unwrap() {
        orderscope::store::MessageInsert::New(id) => id,
        other => panic!("{other:?}"),
    };
    let changes = Changes { rows: vec![], pushes: vec![(id, Some(SEED.into()))], quarantined: 0 };
    send(&mut app, &mut store, Msg::StoreChanged { changes, list: None });
    match &app.overlay {
        Some(Overlay::Pushes(v)) => {
            assert_eq!(v.shown().len(), before + 1);
            assert_eq!(v.shown()[0].id, id, "newest first");
            assert_eq!(v.shown()[v.selected].id, selected, "the selection stays on its push");
        }
        other => panic!("{other:?}"),
    }
}

/// `:` runs commands typed with Tab completion and ↑ history: an order id
/// goes to it, `compare B` compares the selected order with B, `push 10m`
/// opens the stream over ten minutes; a bad line says what is understood.
#[test]
fn the_command_line_completes_remembers_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    key(&mut app, &mut store, KeyCode::Char(':'));
    type_text(&mut app, &mut store, "37412");
    key(&mut app, &mut store, KeyCode::Tab);
    assert_eq!(app.prompt.as_deref(), Some(&format!("{OTHER} ")[..]));
    assert!(render(&mut app, 80, 24).contains(&format!(":{OTHER} ▏")));
    key(&mut app, &mut store, KeyCode::Enter);
    assert_eq!(app.selected_id(), Some(OTHER));
    assert!(app.prompt.is_none());

    key(&mut app, &mut store, KeyCode::Char(':'));
    type_text(&mut app, &mut store, "com");
    key(&mut app, &mut store, KeyCode::Tab);
    assert_eq!(app.prompt.as_deref(), Some("compare "));
    type_text(&mut app, &mut store, SEED);
    key(&mut app, &mut store, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Compare(v)) => assert_eq!((v.a.as_str(), v.b.as_str()), (OTHER, SEED)),
        other => panic!("{other:?}"),
    }
    key(&mut app, &mut store, KeyCode::Esc);

    key(&mut app, &mut store, KeyCode::Char(':'));
    type_text(&mut app, &mut store, "push 10m");
    key(&mut app, &mut store, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Pushes(v)) => assert_eq!(v.window, 600),
        other => panic!("{other:?}"),
    }
    key(&mut app, &mut store, KeyCode::Esc);

    // ↑ brings back the lines run, newest first.
    key(&mut app, &mut store, KeyCode::Char(':'));
    key(&mut app, &mut store, KeyCode::Up);
    assert_eq!(app.prompt.as_deref(), Some("push 10m"));
    key(&mut app, &mut store, KeyCode::Up);
    assert_eq!(app.prompt.as_deref(), Some(&format!("compare {SEED}")[..]));
    key(&mut app, &mut store, KeyCode::Esc);
    assert!(app.prompt.is_none());

    key(&mut app, &mut store, KeyCode::Char(':'));
    type_text(&mut app, &mut store, "frobnicate");
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(app.notice.as_deref().unwrap_or("").starts_with("unknown command"), "{:?}", app.notice);
    // A whole id the store does not know, without credentials: says why not.
    key(&mut app, &mut store, KeyCode::Char(':'));
    type_text(&mut app, &mut store, "3799999999999999999");
    key(&mut app, &mut store, KeyCode::Enter);
    assert_eq!(app.notice.as_deref(), Some("not in the store, and no shop API credentials are configured"));
}

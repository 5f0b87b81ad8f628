//! Evidence that leaves the screen: `y` in the timeline and in the
//! comparison copies the Markdown `orderscope report [--compare]` prints,
//! and `e` writes it to a new file, in the demo store.

mod common;

use common::*;
use crossterm::event::KeyCode;
use orderscope::model::Lang;
use orderscope::tui::update::{Effect, Exported, MAX_COPY, Msg, update};

const NEVER_NUMBERED: &str = "3741203385562701568";

fn copied(effects: &[Effect]) -> &str {
    match effects {
        [Effect::Copy(text)] => text,
        other => panic!("expected one copy, got {other:?}"),
    }
}

#[test]
fn y_in_the_timeline_copies_the_report_that_report_prints() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    for lang in [Lang::Zh, Lang::En] {
        let mut app = demo_app(&mut store, lang);
        key(&mut app, &mut store, KeyCode::Char('t'));
        let left = key(&mut app, &mut store, KeyCode::Char('y'));
        let expected = orderscope::report::from_store(&store, SEED, None, lang, NOW).unwrap();
        assert_eq!(copied(&left), expected);
        let lines = expected.lines().count();
        let notice = app.notice.clone().unwrap();
        match lang {
            Lang::Zh => assert_eq!(notice, format!("已复制订单 {SEED} 的报告（Markdown，{lines} 行）")),
            Lang::En => assert_eq!(notice, format!("copied the report of order {SEED} (Markdown, {lines} lines)")),
        }
        // Made-up data says so in what leaves the screen too.
        assert!(expected.contains("demo") || expected.contains("演示"), "{expected}");
        let start: String = notice.chars().take(12).collect();
        assert!(render(&mut app, 80, 24).contains(&start), "the footer shows the notice");
    }
}

#[test]
fn e_in_the_comparison_writes_the_comparison_report_to_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    select(&mut app, &mut store, NEVER_NUMBERED);
    key(&mut app, &mut store, KeyCode::Char('m'));
    select(&mut app, &mut store, SEED);
    key(&mut app, &mut store, KeyCode::Char('c'));
    let expected = orderscope::report::from_store(&store, NEVER_NUMBERED, Some(SEED), Lang::En, NOW).unwrap();
    assert!(expected.contains(SEED) && expected.contains(NEVER_NUMBERED));

    let mut written = Vec::new();
    for _ in 0..2 {
        assert!(key(&mut app, &mut store, KeyCode::Char('e')).is_empty());
        let notice = app.notice.clone().unwrap();
        let path = notice
            .strip_prefix(&format!("wrote the comparison report of orders {NEVER_NUMBERED} and {SEED} to "))
            .and_then(|rest| rest.split(" (").next())
            .unwrap_or_else(|| panic!("{notice}"))
            .to_string();
        assert!(notice.ends_with(&format!("({} lines)", expected.lines().count())), "{notice}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        written.push(path);
    }
    // The second report of the same second is a file of its own.
    assert_ne!(written[0], written[1]);
    assert!(written[1].ends_with("-2.md"), "{written:?}");
    for p in written {
        std::fs::remove_file(p).unwrap();
    }
    // And `y` there copies the same text.
    let left = key(&mut app, &mut store, KeyCode::Char('y'));
    assert_eq!(copied(&left), expected);
}

#[test]
fn a_report_too_long_for_a_terminal_clipboard_is_not_cut_but_offered_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    let text = "x".repeat(MAX_COPY + 1);
    let effects =
        update(&mut app, Msg::ReportReady { order_id: SEED.into(), other: None, result: Ok(Exported::Text(text)) });
    assert!(effects.is_empty(), "{effects:?}");
    let notice = app.notice.clone().unwrap();
    assert!(notice.contains("press e to write it to a file"), "{notice}");
}

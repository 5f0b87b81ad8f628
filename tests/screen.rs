//! The screen as users see it, rendered to a test terminal and compared
//! with committed snapshots (80x24 and 160x48, Chinese and English).

mod common;

use common::*;
use crossterm::event::KeyCode;
use orderscope::model::Lang;
use orderscope::tui::state::{Overlay, Pane};

#[test]
fn seed_order_at_80x24_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("18400984191 转 0775"), "{screen}");
    assert!(screen.contains("到期 2026-01-01 12:27:31 +08"), "{screen}");
    assert!(screen.contains("+tel_number_ext_info"), "{screen}");
    assert!(screen.contains("20 待发货 → 30 待收货"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn seed_order_at_160x48_side_by_side_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("Before shipping · 2025-12-02 10:26:44"), "{screen}");
    assert!(screen.contains("After shipping · 2025-12-02 14:21:27"), "{screen}");
    assert!(screen.contains("clock started ≈ 2025-12-02 12:27:31 (inferred"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn extendable_order_counts_down_at_160x48_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    select(&mut app, &mut store, "3741098712233558016");
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("可延期 · 剩余 3 天 00:00:00"), "{screen}");
    insta::assert_snapshot!(screen);
    // One second later the countdown has moved.
    app.now += 1;
    assert!(render(&mut app, 160, 48).contains("剩余 2 天 23:59:59"));
}

#[test]
fn long_emoji_title_and_control_characters_stay_in_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    // The after-sale order's merchant note gained an ESC sequence between the
    // two versions: the comparison shows it as ␛, never sends it.
    select(&mut app, &mut store, "3740987712098549760");
    let wide = render(&mut app, 200, 60);
    assert!(wide.contains("请尽快发货␛[31m（加急）"), "{wide}");
    select(&mut app, &mut store, "3740921843719274496");
    let main = render(&mut app, 80, 24);
    assert!(main.contains("【官方旗舰店】🎧"), "{main}");
    for screen in [&main] {
        for line in screen.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
        }
    }
    insta::assert_snapshot!("emoji_title_80x24", main);
    // In the raw view the same note keeps its JSON escape.
    select(&mut app, &mut store, "3740987712098549760");
    app.focus = Pane::Compare;
    key(&mut app, &mut store, KeyCode::Right);
    key(&mut app, &mut store, KeyCode::Enter);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, "merchant_notes");
    key(&mut app, &mut store, KeyCode::Enter);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains(r#""merchant_notes": "请尽快发货\u001b[31m（加急）""#), "{screen}");
    assert!(!screen.contains('\u{1b}'));
    for line in screen.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn filter_narrows_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, "已过期");
    let screen = render(&mut app, 80, 24);
    assert_eq!(app.visible.len(), 2, "{screen}");
    assert!(screen.contains("订单 1/2（共 13）") || screen.contains("订单 2/2（共 13）"), "{screen}");
    insta::assert_snapshot!(screen);
    key(&mut app, &mut store, KeyCode::Esc);
    assert_eq!(app.visible.len(), 13);
}

#[test]
fn help_is_built_from_the_key_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    key(&mut app, &mut store, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Some(Overlay::Help(_))));
    let screen = render(&mut app, 80, 24);
    insta::assert_snapshot!(screen);
    // At 80x24 it does not fit: scrolled to its end, every key is seen.
    let mut seen = screen.clone();
    for _ in 0..orderscope::tui::keys::help_height() {
        key(&mut app, &mut store, KeyCode::Char('j'));
        seen.push_str(&render(&mut app, 80, 24));
    }
    let end = render(&mut app, 80, 24);
    assert!(end.contains("close, back where you were"), "{end}");
    for b in orderscope::tui::keys::BINDINGS.iter().filter(|b| b.help) {
        assert!(seen.lines().any(|l| l.contains(b.label) && l.contains(b.en)), "{} missing:\n{seen}", b.en);
    }
    // q closes help, and does not quit.
    key(&mut app, &mut store, KeyCode::Char('q'));
    assert!(app.overlay.is_none() && !app.quit);
}

/// Help opened over the timeline closes back onto it, on the same entry.
#[test]
fn esc_from_help_returns_to_the_timeline_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('t'));
    key(&mut app, &mut store, KeyCode::Char('j'));
    key(&mut app, &mut store, KeyCode::Char('j'));
    key(&mut app, &mut store, KeyCode::Char('?'));
    assert!(render(&mut app, 160, 48).contains("esc q 关闭帮助"));
    key(&mut app, &mut store, KeyCode::Esc);
    match &app.overlay {
        Some(Overlay::Timeline(view)) => assert_eq!(view.selected, 2),
        other => panic!("{other:?}"),
    }
    assert!(!app.quit);
}

#[test]
fn too_small_terminal_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    let screen = render(&mut app, 60, 20);
    assert!(screen.contains("Terminal too small: 60x20"), "{screen}");
    assert!(screen.contains("at least 80x24"));
}

#[test]
fn empty_store_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        orderscope::store::Store::open(&dir.path().join("e.db"), orderscope::store::OpenMode::Create).unwrap();
    let mut app = orderscope::tui::State::new("t".into(), Lang::En, NOW);
    orderscope::tui::runner::run_inline(&mut app, &mut store, vec![orderscope::tui::update::Effect::LoadList]);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("No orders stored yet"), "{screen}");
}

#[test]
fn timeline_at_80x24_and_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('t'));
    assert!(matches!(app.overlay, Some(Overlay::Timeline(_))));
    let small = render(&mut app, 80, 24);
    assert!(small.contains("时间线 · 3732676853715311104"), "{small}");
    assert!(small.contains("推断"), "{small}");
    insta::assert_snapshot!("timeline_80x24", small);
    let mut app = demo_app(&mut store, Lang::En);
    key(&mut app, &mut store, KeyCode::Char('t'));
    let wide = render(&mut app, 160, 48);
    assert!(wide.contains("2025-12-02 12:27:31 infer virtual number's 30-day clock started"), "{wide}");
    assert!(wide.contains("not at shipping"), "{wide}");
    insta::assert_snapshot!("timeline_160x48", wide);
    // Enter on an observed entry opens its raw JSON; the first entry is inferred.
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(app.notice.as_deref().unwrap_or("").contains("no raw JSON"));
    key(&mut app, &mut store, KeyCode::Down);
    key(&mut app, &mut store, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Raw(view)) => assert!(view.raw().contains("channels_ec_order_new"), "{}", view.raw()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_number_panel_carries_the_one_line_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    select(&mut app, &mut store, "3741203385562701568");
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("» [demo data] no number in any stored version"), "{screen}");
}

#[test]
fn quarantined_pushes_raise_a_warning_banner() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    store.write(|c| c.add_quarantined(NOW, "{\"Encrypt\":\"x\"}", "bad padding").map(|_| ())).unwrap();
    let mut app = demo_app(&mut store, Lang::En);
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("⚠ 1 pushes quarantined: unreadable (orderscope messages --reprocess)"), "{screen}");
}

#[test]
fn without_colour_nothing_is_coloured_and_marks_still_carry_meaning() {
    use orderscope::tui::view::{self, Theme};
    use ratatui::style::Color;
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let app = demo_app(&mut store, Lang::En);
    let paint = |color: bool| {
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
        terminal.draw(|f| view::draw(f, &app, Theme { color })).unwrap();
        terminal.backend().buffer().clone()
    };
    let coloured = paint(true);
    assert!(coloured.content().iter().any(|c| c.fg != Color::Reset), "the colour theme paints something");
    let plain = paint(false);
    assert!(plain.content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
    // The +/~ marks and the state words carry the meaning without colour.
    let text: String = plain.content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("+tel_number_ext_info") && text.contains("~status") && text.contains("expired"));
}

#[test]
fn at_120_columns_values_win_over_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    let screen = render(&mut app, 120, 35);
    // The side-by-side panes shorten the field-name column before they cut
    // a number, a waybill or a time.
    assert!(screen.contains("18400984191-0775"), "{screen}");
    assert!(screen.contains("2025-12-02 14:21:27"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn two_orders_compared_side_by_side_at_80x24_and_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    // Mark the order that never had a number, then compare it with the seed order.
    select(&mut app, &mut store, "3741203385562701568");
    key(&mut app, &mut store, KeyCode::Char('m'));
    assert_eq!(app.marked.as_deref(), Some("3741203385562701568"));
    select(&mut app, &mut store, SEED);
    let left = key(&mut app, &mut store, KeyCode::Char('c'));
    assert!(left.is_empty(), "the store built the comparison: {left:?}");
    match &app.overlay {
        Some(Overlay::Compare(view)) => assert!(matches!(view.result, Some(Ok(_))), "{:?}", view.result),
        other => panic!("{other:?}"),
    }
    let small = render(&mut app, 80, 24);
    assert!(small.contains("两单对比 · A 3741203385562701568 · B 3732676853715311104"), "{small}");
    assert!(small.contains('≠'), "differing rows are marked:\n{small}");
    insta::assert_snapshot!("compare_80x24", small);
    let mut app = demo_app(&mut store, Lang::En);
    select(&mut app, &mut store, "3741203385562701568");
    key(&mut app, &mut store, KeyCode::Char('m'));
    select(&mut app, &mut store, SEED);
    key(&mut app, &mut store, KeyCode::Char('c'));
    let wide = render(&mut app, 160, 48);
    assert!(wide.contains("Explanation"), "{wide}");
    insta::assert_snapshot!("compare_160x48", wide);
    // Esc closes it; the mark stays for the next comparison.
    key(&mut app, &mut store, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert!(render(&mut app, 160, 48).contains("◆A"));
}

#[test]
fn the_filter_matches_product_buyer_and_waybill() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    for term in ["xbox", "SF3262259346637", "杨**"] {
        key(&mut app, &mut store, KeyCode::Char('/'));
        type_text(&mut app, &mut store, term);
        let ids: Vec<&str> = app.visible.iter().map(|&i| app.orders[i].order_id.as_str()).collect();
        assert!(ids.contains(&SEED), "{term}: {ids:?}");
        assert!(ids.len() < app.orders.len(), "{term} narrows the list: {ids:?}");
        key(&mut app, &mut store, KeyCode::Esc);
    }
}

#[test]
fn an_order_without_a_number_lists_the_weighed_causes_at_80x24_and_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    select(&mut app, &mut store, "3741203385562701568");
    let wide = render(&mut app, 160, 48);
    assert!(wide.contains("· against · virtual goods (the guide: no number for goods without logistics) —"), "{wide}");
    assert!(wide.contains("· the data cannot tell · invalid buyer phone"), "{wide}");
    assert!(wide.contains("unconfirmed"), "the community's causes are marked as such: {wide}");
    insta::assert_snapshot!("no_number_160x48", wide);
    let mut app = demo_app(&mut store, Lang::Zh);
    select(&mut app, &mut store, "3741203385562701568");
    let narrow = render(&mut app, 80, 24);
    assert!(narrow.contains("· 不支持 · 虚拟商品"), "{narrow}");
    insta::assert_snapshot!("no_number_80x24_zh", narrow);
}

/// The header says how far reads are behind (pushes stored and not yet
/// processed, read from the real store), and turns red words when the
/// receiver stopped or went silent.
#[test]
fn the_header_says_how_far_reads_are_behind_and_whether_the_receiver_runs() {
    use orderscope::store::{Arrival, dup_key};
    use orderscope::tui::update::{Msg, update};
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let envelope = b"{\"Encrypt\":\"x\"}".as_slice();
    let arrivals: Vec<(Arrival, String)> = (0..3)
        .map(|i| {
            let a = Arrival {
                received_at: NOW - 3 + i,
                query: "timestamp=1",
                content_type: None,
                envelope,
                plaintext: None,
                problem: Some("test"),
            };
            (a, format!("{}|{i}", dup_key(None, envelope)))
        })
        .collect();
    let refs: Vec<(Arrival, &str)> = arrivals.iter().map(|(a, k)| (*a, k.as_str())).collect();
    store.inbox_mut().append_inbox_group(&refs).unwrap();
    let mut app = demo_app(&mut store, Lang::Zh);
    let zh = render(&mut app, 80, 24);
    assert!(zh.lines().next().unwrap().contains("接收器运行中 · 最近推送 1 秒前 · 3 条尚未可读"), "{zh}");
    insta::assert_snapshot!("backlog_80x24_zh", zh);
    app.lang = Lang::En;
    let en = render(&mut app, 160, 48);
    assert!(en.lines().next().unwrap().contains("receiver up · last push 1 s ago · 3 not yet readable"), "{en}");
    insta::assert_snapshot!("backlog_160x48_en", en);

    // Every heartbeat missed for minutes: the receiver died.
    let later = NOW + orderscope::store::status::SILENT_AFTER + 600;
    update(&mut app, Msg::Tick { now: later });
    assert!(app.take_dirty());
    let silent = render(&mut app, 160, 48);
    assert!(silent.lines().next().unwrap().contains("receiver silent for"), "{silent}");

    // Stopped cleanly, nothing waiting.
    let mut stopped = app.receiver.clone().unwrap();
    for h in &mut stopped.hosts {
        h.stopped = true;
    }
    stopped.backlog.pending = 0;
    assert!(update(&mut app, Msg::Receiver(stopped)).is_empty());
    let line = render(&mut app, 80, 24).lines().next().unwrap().to_string();
    assert!(line.contains("receiver stopped · last push"), "{line}");
    assert!(!line.contains("not yet readable"), "{line}");
}

/// A detail that could not be read says so (and that it will be read
/// again), never "loading…" for a read that is no longer on its way.
#[test]
fn a_detail_that_could_not_be_read_says_so_instead_of_loading() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    for (lang, said, w, h) in [
        (Lang::Zh, "读取失败，存储恢复后自动重读: lost the connection", 80, 24),
        (Lang::En, "not read, read again when the store answers: lost the connection", 160, 48),
    ] {
        let mut app = demo_app(&mut store, lang);
        let id = app.selected_id().unwrap().to_string();
        app.detail = None;
        app.loading = None;
        app.detail_error =
            Some((id, std::sync::Arc::new(orderscope::store::StoreError::Unreachable("lost the connection".into()))));
        let screen = render(&mut app, w, h);
        // Wrapped in the pane: compared without the borders and line breaks.
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let flat: String = screen.lines().filter_map(|l| l.split('│').nth(3)).map(squeeze).collect();
        assert!(flat.contains(&squeeze(said)), "{screen}");
        assert!(!screen.contains("loading…") && !screen.contains("读取中…"), "{screen}");
    }
}

/// `x`: the orders not yet received whose number expires within 7 days,
/// soonest first, the time left ticking; Enter goes to the order even when
/// the filter hid it, Esc goes back.
#[test]
fn numbers_about_to_expire_at_80x24_and_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    let left = key(&mut app, &mut store, KeyCode::Char('x'));
    assert!(left.is_empty(), "{left:?}");
    let small = render(&mut app, 80, 24);
    assert!(small.contains("虚拟号 7 天内到期、尚未收货的订单"), "{small}");
    assert!(small.contains("3741098712233558016") && small.contains("剩余 3 天 00:00:00"), "{small}");
    assert!(small.contains("已延期 0/10 次"), "{small}");
    insta::assert_snapshot!("expiring_80x24_zh", small);
    // The countdown ticks.
    assert!(app.countdown_visible());
    send(&mut app, &mut store, orderscope::tui::update::Msg::Tick { now: NOW + 1 });
    assert!(render(&mut app, 80, 24).contains("剩余 2 天 23:59:59"));

    let mut en = demo_app(&mut store, Lang::En);
    key(&mut en, &mut store, KeyCode::Char('x'));
    let wide = render(&mut en, 160, 48);
    assert!(wide.contains("extendable now") && wide.contains("17140552981-0442"), "{wide}");
    insta::assert_snapshot!("expiring_160x48_en", wide);

    // A filter that hides the order does not stop Enter from going there.
    key(&mut app, &mut store, KeyCode::Esc);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, SEED);
    key(&mut app, &mut store, KeyCode::Enter);
    assert_eq!(app.visible.len(), 1);
    key(&mut app, &mut store, KeyCode::Char('x'));
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(app.selected_id(), Some("3741098712233558016"));
    assert_eq!(app.shown_detail().map(|d| d.order_id.as_str()), Some("3741098712233558016"));
}

/// `p`: every push across orders, newest first, with its event time beside
/// its receipt time; 1 2 3 pick the window, Enter goes to the order.
#[test]
fn the_push_stream_at_80x24_and_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('p'));
    key(&mut app, &mut store, KeyCode::Char('3'));
    let small = render(&mut app, 80, 24);
    assert!(small.contains("推送流 · 最近 1 天"), "{small}");
    insta::assert_snapshot!("pushes_80x24_zh", small);
    let shown = match &app.overlay {
        Some(Overlay::Pushes(v)) => v.shown().into_iter().cloned().collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert!(!shown.is_empty());
    assert!(shown.windows(2).all(|w| w[0].received_at >= w[1].received_at), "newest first");
    let mut en = demo_app(&mut store, Lang::En);
    key(&mut en, &mut store, KeyCode::Char('p'));
    key(&mut en, &mut store, KeyCode::Char('3'));
    let wide = render(&mut en, 160, 48);
    assert!(wide.contains("Push stream · last day") && wide.contains("event time"), "{wide}");
    insta::assert_snapshot!("pushes_160x48_en", wide);
    // A filter that hides every push says so, not that the span is empty.
    key(&mut en, &mut store, KeyCode::Char('/'));
    for c in "evt:nothing".chars() {
        key(&mut en, &mut store, KeyCode::Char(c));
    }
    key(&mut en, &mut store, KeyCode::Enter);
    let hidden = render(&mut en, 160, 48);
    assert!(hidden.contains("pushes in this span match the filter (esc clears it)"), "{hidden}");
    assert!(!hidden.contains("no push in this span"), "{hidden}");
    // Enter: to the order of the selected push.
    let target = shown[0].order_id.clone().unwrap();
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(app.selected_id(), Some(target.as_str()));
}

/// A whole order id the store does not know says what Enter does with it.
#[test]
fn a_full_unknown_id_in_the_filter_says_enter_fetches_it_or_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::En);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, "3799999999999999999");
    send(&mut app, &mut store, orderscope::tui::update::Msg::InputDrained);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("No shop API credentials are") && screen.contains("configured to fetch it"), "{screen}");
    app.live.enabled = true;
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("Press enter to fetch"), "{screen}");
    assert!(screen.contains("Orders 0/0 (of 13)"), "{screen}");
}

/// An order only pushes have told of says so: in the list in a word, in
/// the order's header in full; never a bare "?".
#[test]
fn an_order_known_only_from_pushes_says_so() {
    use orderscope::store::NewMessage;
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let id = "3799000000000000001";
    let text = format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":{},"MsgType":"event","Event":"channels_ec_order_pay","order_info":{{"order_id":{id}}}}}"#,
        NOW + 10
    );
    store.add_message(NewMessage::new(NOW + 11, &text, "receiver".into())).unwrap();
    let mut app = demo_app(&mut store, Lang::Zh);
    assert!(app.select_order(id));
    let screen = render(&mut app, 80, 24);
    let line = screen.lines().find(|l| l.contains(&format!("▶{id}"))).unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains("仅推送"), "{line}");
    assert!(screen.contains("未知（仅收到推送）"), "{screen}");
    assert!(!line.contains(" ?"), "{line}");
}

/// A notice (here: what `y` copied) shows on the row above the footer, and
/// the footer keeps the focused pane's essential keys in sight at 80x24.
#[test]
fn a_notice_leaves_the_footer_keys_in_sight_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('y'));
    let screen = render(&mut app, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let footer = lines[lines.len() - 1];
    for hint in ["↑↓ 选择", "/ 筛选", "t 时间线", "m 标记", "c 对比", "? 帮助", "q 退出"] {
        assert!(footer.contains(hint), "{hint} missing from the footer:\n{screen}");
    }
    assert!(lines[lines.len() - 2].contains("已复制订单号"), "the notice sits above the footer:\n{screen}");
    // The comparison pane's footer says how to pick a side.
    key(&mut app, &mut store, KeyCode::Tab);
    let screen = render(&mut app, 80, 24);
    assert!(screen.lines().last().unwrap().contains("←→ 前/后版本"), "{screen}");
}

#[test]
fn a_bare_four_digit_filter_says_whether_it_matched_a_phone_tail_or_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, "0775");
    let screen = render(&mut app, 80, 24);
    assert_eq!(app.visible.len(), 1, "{screen}");
    assert!(screen.contains("尾号 0775：1"), "{screen}");
    assert!(screen.contains("订单号含 0775：0"), "{screen}");
    insta::assert_snapshot!("filter_tail_80x24_zh", screen);
    // Done typing: the filter stays, and so does what it matched by.
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(render(&mut app, 80, 24).contains("尾号 0775：1"));
    key(&mut app, &mut store, KeyCode::Char('/'));
    key(&mut app, &mut store, KeyCode::Esc);
    assert!(!render(&mut app, 80, 24).contains("尾号"));

    let mut app = demo_app(&mut store, Lang::En);
    key(&mut app, &mut store, KeyCode::Char('/'));
    type_text(&mut app, &mut store, "3741");
    let screen = render(&mut app, 160, 48);
    // The list is narrow even at 160 columns: one phrase a line.
    assert!(screen.contains("│phone tail 3741: 0 ") && screen.contains("│id contains 3741: 7 "), "{screen}");
    assert_eq!(app.visible.len(), 7);
    insta::assert_snapshot!("filter_tail_160x48_en", screen);
}

#[test]
fn the_filter_finds_what_buyers_quote() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let mut app = demo_app(&mut store, Lang::Zh);
    let mut found = |query: &str| -> Vec<String> {
        key(&mut app, &mut store, KeyCode::Char('/'));
        type_text(&mut app, &mut store, query);
        let ids = app.visible.iter().map(|&i| app.orders[i].order_id.clone()).collect();
        key(&mut app, &mut store, KeyCode::Esc);
        ids
    };
    for q in ["tel:0775", "尾号0775", "尾号 0775", "wb:sf326", "carrier:顺丰 tel:0775", "type:5 tel:0775"] {
        assert_eq!(found(q), [SEED], "{q}");
    }
    // A carrier by its id or its name: four demo orders went by SF.
    assert_eq!(found("carrier:顺丰").len(), 4);
    assert_eq!(found("carrier:sf"), found("carrier:顺丰"));
    assert_eq!(found("wb:yunda"), found("快递:韵达"));
    assert_eq!(found("wb:yunda").len(), 1);
    // The virtual number and extension of an order that has one.
    for q in ["17140552981", "17140552981-0442", "17140552981转0442", "转0442", "vn:1714055"] {
        assert_eq!(found(q), ["3741098712233558016"], "{q}");
    }
    // Over the pushes: every demo order with a shipping push, by either name.
    let shipped = found("evt:deliver");
    assert!(shipped.contains(&SEED.to_string()) && shipped.len() > 1, "{shipped:?}");
    assert_eq!(found("evt:订单发货"), shipped);
    assert_eq!(found("type:5"), found("type5"));
    // The demo's times are relative to NOW: an hour back holds less than a year.
    assert!(found("since:1h").len() < found("since:365d").len());
}

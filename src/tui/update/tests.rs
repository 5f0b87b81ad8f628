//! The update function on its own: no terminal, no store, no clock.

use crossterm::event::KeyEvent;

use super::*;
use crate::model::Order;
use crate::model::names::Lang;
use crate::store::OrderRow;
use crate::tui::detail::Detail;
use crate::tui::state::{FRESH_SECS, MAX_INPUT, State};
use crossterm::event::KeyCode;

fn row(id: &str, activity: i64) -> OrderRow {
    OrderRow {
        order_id: id.into(),
        status: Some(20),
        update_time: Some(activity),
        use_tel_number: Some(0),
        vnum: None,
        vnum_expire: None,
        snapshots: 1,
        messages: 0,
        type5: false,
        last_activity: activity,
        search: String::new(),
        product: String::new(),
        buyer: String::new(),
    }
}

/// The store cannot be reached, for this reason.
fn lost(why: &str) -> Option<StoreUnreadable> {
    Some(crate::store::StoreError::Unreachable(why.into()).into())
}

fn detail(id: &str) -> Detail {
    Detail { order_id: id.into(), ..Detail::default() }
}

/// A live inspector with three orders listed, the first selected and shown.
fn state() -> State {
    let mut s = State::new("t".into(), Lang::En, 1_000);
    s.live.enabled = true;
    let rows = vec![row("300", 30), row("200", 20), row("100", 10)];
    let effects =
        update(&mut s, Msg::ListLoaded { rows: crate::tui::state::rows(rows), complete: true, quarantined: 0 });
    assert!(effects.contains(&Effect::LoadDetail { order_id: "300".into() }));
    update(&mut s, Msg::DetailLoaded { order_id: "300".into(), detail: Ok(Box::new(detail("300"))) });
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    let mut e = update(s, Msg::Key(KeyEvent::from(code)));
    e.extend(update(s, Msg::InputDrained));
    e
}

fn debounce_of(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|e| match e {
        Effect::After { delay, msg: DelayedMsg::DebounceElapsed { generation } } if *delay == DEBOUNCE => {
            Some(*generation)
        }
        _ => None,
    })
}

/// The store goes away, the selection moves and its detail cannot be
/// read: the failure is kept for that order (the pane says so instead of
/// "loading…"), and once the store answers again the detail is asked
/// for without the selection moving.
#[test]
fn a_detail_that_failed_during_an_outage_is_read_again_when_the_store_answers() {
    let mut s = state();
    update(&mut s, Msg::StoreProblem(lost("lost the connection")));
    key(&mut s, KeyCode::Down);
    assert_eq!(s.loading.as_deref(), Some("200"));
    let why = crate::store::StoreError::Unreachable("lost the connection".into());
    update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Err(std::sync::Arc::new(why)) });
    assert_eq!(s.loading, None);
    let shown = s.detail_error.as_ref().map(|(id, why)| (id.as_str(), why.to_string()));
    assert_eq!(shown, Some(("200", "lost the connection".to_string())));
    // Still away: nothing asked again.
    assert!(update(&mut s, Msg::StoreProblem(lost("still lost"))).is_empty());
    let effects = update(&mut s, Msg::StoreProblem(None));
    assert_eq!(effects, vec![Effect::LoadDetail { order_id: "200".into() }]);
    assert_eq!(s.loading.as_deref(), Some("200"));
    update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Ok(Box::new(detail("200"))) });
    assert!(s.detail_error.is_none());
    assert_eq!(s.shown_detail().map(|d| d.order_id.as_str()), Some("200"));
    // A recovery with the detail on screen reads it again and keeps it shown meanwhile.
    update(&mut s, Msg::StoreProblem(lost("lost")));
    assert_eq!(update(&mut s, Msg::StoreProblem(None)), vec![Effect::LoadDetail { order_id: "200".into() }]);
    assert_eq!((s.loading.as_ref(), s.shown_detail().map(|d| d.order_id.as_str())), (None, Some("200")));
    // A problem that goes on asks for nothing.
    assert!(update(&mut s, Msg::StoreProblem(lost("lost"))).is_empty());
    assert!(update(&mut s, Msg::StoreProblem(lost("lost again"))).is_empty());
}

#[test]
fn a_held_key_fetches_only_where_the_selection_rests() {
    let mut s = state();
    // Two keys in one batch: one detail load, for where the selection ended.
    update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Down)));
    update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Down)));
    let effects = update(&mut s, Msg::InputDrained);
    assert_eq!(s.selected_id(), Some("100"));
    let loads: Vec<_> = effects.iter().filter(|e| matches!(e, Effect::LoadDetail { .. })).collect();
    assert_eq!(loads, vec![&Effect::LoadDetail { order_id: "100".into() }]);
    let first = debounce_of(&effects).expect("a pause before fetching");
    // The selection moves again before the pause ends: the old timer fetches nothing.
    let effects = key(&mut s, KeyCode::Up);
    let second = debounce_of(&effects).unwrap();
    assert_ne!(first, second);
    assert!(update(&mut s, Msg::DebounceElapsed { generation: first }).is_empty());
    assert_eq!(
        update(&mut s, Msg::DebounceElapsed { generation: second }),
        vec![Effect::Fetch { generation: second, order_id: "200".into() }]
    );
    // Moving on while that fetch is in flight cancels it.
    assert!(key(&mut s, KeyCode::Down).contains(&Effect::CancelFetch));
}

#[test]
fn the_newest_selection_wins_and_a_stale_answer_is_kept_but_not_shown() {
    let mut s = state();
    let g = debounce_of(&key(&mut s, KeyCode::Down)).unwrap();
    update(&mut s, Msg::DebounceElapsed { generation: g });
    // The user moves on; the answer for "200" arrives afterwards.
    key(&mut s, KeyCode::Down);
    assert_eq!(s.selected_id(), Some("100"));
    let order = Order::from_order(serde_json::json!({"order_id": "200", "status": 30})).unwrap();
    let effects = update(&mut s, Msg::FetchAnswered { generation: g, order_id: "200".into(), result: Ok(order) });
    // The version is still stored...
    assert!(matches!(&effects[..], [Effect::StoreVersion { purpose: Purpose::Fetch(x), .. }] if *x == g));
    s.dirty = false;
    let effects = update(
        &mut s,
        Msg::VersionStored { purpose: Purpose::Fetch(g), order_id: "200".into(), result: Ok(true), at: 1_001 },
    );
    // ...but nothing on screen changes for it.
    assert!(effects.is_empty());
    assert!(!s.dirty);
    assert!(!s.live.fetched_at.contains_key("200"));
    // The current order's answer is shown and re-read, without a new fetch.
    let g2 = s.live.generation;
    let effects = update(
        &mut s,
        Msg::VersionStored { purpose: Purpose::Fetch(g2), order_id: "100".into(), result: Ok(true), at: 1_002 },
    );
    assert_eq!(effects, vec![Effect::LoadDetail { order_id: "100".into() }]);
    assert_eq!(s.live.fetched_at.get("100"), Some(&1_002));
    assert_eq!(s.live.generation, g2);
}

#[test]
fn a_lookup_answer_after_the_user_moved_on_does_not_move_the_selection() {
    let mut s = state();
    key(&mut s, KeyCode::Char('/'));
    for c in "3732679488426088960".chars() {
        update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    update(&mut s, Msg::InputDrained);
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::LookUp { generation, order_id }) = effects.first().cloned() else { panic!("{effects:?}") };
    assert_eq!(order_id, "3732679488426088960");
    // The user gives up and goes back to the list before the answer.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Down);
    assert_eq!(s.selected_id(), Some("200"));
    let order = Order::from_order(serde_json::json!({"order_id": order_id, "status": 20})).unwrap();
    let effects = update(&mut s, Msg::LookUpAnswered { generation, order_id: order_id.clone(), result: Ok(order) });
    assert_eq!(effects.len(), 1, "still stored: {effects:?}");
    // The feed brings the row into the list; the stored answer moves nothing.
    let mut b = row(&order_id, 99);
    b.status = Some(20);
    update(
        &mut s,
        Msg::StoreChanged { list: None, changes: Changes { rows: vec![b], pushes: vec![], quarantined: 0 } },
    );
    update(&mut s, Msg::VersionStored { purpose: Purpose::LookUp(generation), order_id, result: Ok(true), at: 1_003 });
    assert_eq!(s.selected_id(), Some("200"));
    assert!(s.notice.is_none(), "{:?}", s.notice);
}

#[test]
fn a_current_lookup_selects_the_order_and_clears_its_status() {
    let mut s = state();
    key(&mut s, KeyCode::Char('/'));
    for c in "3732679488426088960".chars() {
        update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::LookUp { generation, order_id }) = effects.first().cloned() else { panic!("{effects:?}") };
    assert!(s.notice.as_deref().unwrap().contains("looking up"));
    let mut effects = update(
        &mut s,
        Msg::StoreChanged {
            list: None,
            changes: Changes { rows: vec![row(&order_id, 99)], pushes: vec![], quarantined: 0 },
        },
    );
    effects.extend(update(
        &mut s,
        Msg::VersionStored {
            purpose: Purpose::LookUp(generation),
            order_id: order_id.clone(),
            result: Ok(true),
            at: 5,
        },
    ));
    assert_eq!(s.selected_id(), Some(order_id.as_str()));
    assert!(effects.contains(&Effect::LoadDetail { order_id: order_id.clone() }));
    assert!(s.notice.as_deref().unwrap().contains("found order"));
    assert!(s.filter_text().is_empty());
}

#[test]
fn a_change_for_the_order_on_screen_is_read_again_and_marked() {
    let mut s = state();
    key(&mut s, KeyCode::Down);
    update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Ok(Box::new(detail("200"))) });
    s.dirty = false;
    let mut changed = row("200", 50);
    changed.messages = 1;
    changed.type5 = true;
    let effects = update(
        &mut s,
        Msg::StoreChanged {
            list: None,
            changes: Changes { rows: vec![changed], pushes: vec![(77, Some("200".into()))], quarantined: 0 },
        },
    );
    assert!(s.dirty);
    assert_eq!(effects, vec![Effect::LoadDetail { order_id: "200".into() }]);
    // Newest activity first: the order moved to the top and stays selected.
    assert_eq!(s.orders[0].order_id, "200");
    assert_eq!(s.selected_id(), Some("200"));
    assert!(s.orders[0].type5);
    assert_eq!(s.pushes_since_start, 1);
    assert!(s.is_fresh(77));
    // The mark runs out with the clock.
    update(&mut s, Msg::Tick { now: 1_000 + FRESH_SECS + 1 });
    assert!(!s.is_fresh(77));
}

#[test]
fn a_change_for_another_order_keeps_the_selection_and_its_row() {
    let mut s = state();
    s.page = 2;
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Down);
    assert_eq!(s.selected_id(), Some("100"));
    let row_on_screen = s.selected - s.list_offset;
    let new_rows = vec![row("400", 40), row("500", 50)];
    let effects = update(
        &mut s,
        Msg::StoreChanged {
            list: None,
            changes: Changes { rows: new_rows, pushes: vec![(1, Some("400".into())), (2, None)], quarantined: 1 },
        },
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::LoadDetail { .. })), "{effects:?}");
    let ids: Vec<&str> = s.orders.iter().map(|r| r.order_id.as_str()).collect();
    assert_eq!(ids, ["500", "400", "300", "200", "100"]);
    assert_eq!(s.selected_id(), Some("100"));
    assert_eq!(s.selected - s.list_offset, row_on_screen, "the selected row stays where it was on screen");
    assert_eq!(s.pushes_since_start, 2);
    assert_eq!(s.quarantined, 1);
    assert!(s.fresh.is_empty(), "pushes for other orders are not marked on this one");
}

#[test]
fn a_paste_goes_into_the_filter_as_one_event_cut_to_length() {
    let mut s = state();
    let long: String = "3".repeat(10_000);
    update(&mut s, Msg::Paste(long));
    assert!(s.filtering);
    assert_eq!(s.filter_text().len(), MAX_INPUT);
    assert!(s.notice.as_deref().unwrap().contains("cut"));
    assert!(s.filter_stale, "filtering waits for the end of the batch");
    update(&mut s, Msg::InputDrained);
    assert!(s.visible.is_empty());
    // Escape right after is read and clears it.
    key(&mut s, KeyCode::Esc);
    assert!(!s.filtering);
    assert_eq!(s.visible.len(), 3);
}

#[test]
fn an_unbound_key_draws_nothing_and_the_tick_draws_only_what_moves() {
    let mut s = state();
    s.dirty = false;
    key(&mut s, KeyCode::Char('z'));
    assert!(!s.dirty);
    // No countdown, nothing fetched, nothing fresh: the tick draws nothing.
    update(&mut s, Msg::Tick { now: 1_001 });
    assert!(!s.dirty);
    // A number counting down on screen: every tick redraws.
    let mut d = detail("300");
    d.vnum.expire_time = Some(5_000);
    update(&mut s, Msg::DetailLoaded { order_id: "300".into(), detail: Ok(Box::new(d)) });
    s.dirty = false;
    update(&mut s, Msg::Tick { now: 1_002 });
    assert!(s.dirty);
    // Long expired ("330 d ago"): a tick that does not change the text draws nothing.
    let mut d = detail("300");
    d.vnum.expire_time = Some(1_002 - 40 * 86_400);
    update(&mut s, Msg::DetailLoaded { order_id: "300".into(), detail: Ok(Box::new(d)) });
    s.dirty = false;
    update(&mut s, Msg::Tick { now: 1_003 });
    assert!(!s.dirty);
}

/// Moving past either end changes nothing on screen, in the list and in
/// an overlay alike, so it draws nothing; a move that lands draws.
#[test]
fn a_move_past_the_end_draws_nothing_and_a_move_that_lands_draws() {
    let mut s = state();
    s.dirty = false;
    key(&mut s, KeyCode::Up);
    assert!(!s.dirty, "already at the top");
    key(&mut s, KeyCode::Down);
    assert!(s.dirty);
    assert_eq!(s.selected_id(), Some("200"));
    key(&mut s, KeyCode::End);
    s.dirty = false;
    key(&mut s, KeyCode::Down);
    assert!(!s.dirty, "already at the bottom");
    key(&mut s, KeyCode::Char('?'));
    assert!(s.dirty, "help opens");
    s.dirty = false;
    key(&mut s, KeyCode::Up);
    assert!(!s.dirty, "help is at its top");
    key(&mut s, KeyCode::Down);
    assert!(s.dirty, "help scrolls");
    s.dirty = false;
    key(&mut s, KeyCode::Esc);
    assert!(s.dirty && s.overlay.is_none(), "help closes");
}

/// `t` typed before the moved-to order's detail is read opens its timeline
/// once it arrives; typed ahead for an order left since, it does nothing.
#[test]
fn a_timeline_asked_for_before_the_detail_arrives_opens_with_it() {
    let mut s = state();
    key(&mut s, KeyCode::Down);
    assert_eq!(s.loading.as_deref(), Some("200"));
    key(&mut s, KeyCode::Char('t'));
    assert!(s.overlay.is_none(), "nothing to show yet");
    update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Ok(Box::new(detail("200"))) });
    assert!(matches!(s.overlay, Some(Overlay::Timeline(_))), "opened when the detail came");
    key(&mut s, KeyCode::Esc);
    assert!(s.overlay.is_none());
    // Asked for on one order, then moved on: the old order's detail opens nothing.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char('t'));
    key(&mut s, KeyCode::Up);
    update(&mut s, Msg::DetailLoaded { order_id: "100".into(), detail: Ok(Box::new(detail("100"))) });
    assert!(s.overlay.is_none());
    key(&mut s, KeyCode::Down);
    assert_eq!(s.shown_detail().map(|d| d.order_id.as_str()), Some("100"), "from the cache");
    update(&mut s, Msg::DetailLoaded { order_id: "100".into(), detail: Ok(Box::new(detail("100"))) });
    assert!(s.overlay.is_none(), "the old wish is gone");
}

//! The main screen's actions: moving in the list, the comparison pane and
//! the push pane; opening the overlays; marking and comparing; copying;
//! reloading.

use super::{Effect, Step, compare, filter, live, raw};
use crate::tui::keys::{Action, move_by};
use crate::tui::pushes::{PushStream, WINDOWS};
use crate::tui::state::{EXPIRING_WITHIN, ExpiringView, Overlay, Pane, Side, State, TimelineView, new_filter};

pub(super) fn action(state: &mut State, action: Action) -> Step {
    let page = state.page.max(1);
    match (action, state.focus) {
        (Action::Quit, _) => state.quit = true,
        (Action::Help, _) => state.open_help(),
        (Action::PrevOrder, _) => {
            let Some(id) = state.previous_order.clone() else {
                let none = state.say("还没有上一个订单", "no previous order yet");
                return super::notify(state, none);
            };
            return go_to_order(state, &id);
        }
        (Action::Prompt, _) => {
            state.prompt = Some(String::new());
            state.prompt_recall = None;
        }
        (Action::ShowPushes, _) => {
            let view = PushStream::new(WINDOWS[1]);
            let since = state.now - view.window;
            state.push_overlay(Overlay::Pushes(view));
            return Step::redraw().with(Effect::LoadPushes { since });
        }
        (Action::ShowExpiring, _) => {
            let within = EXPIRING_WITHIN;
            state.push_overlay(Overlay::Expiring(ExpiringView { within, list: None, selected: 0 }));
            return Step::redraw().with(Effect::LoadExpiring { now: state.now, within });
        }
        (Action::ShowTimeline, _) if state.shown_detail().is_some() => open_timeline(state),
        (Action::ShowTimeline, _) => state.timeline_wanted = state.selected_id().map(str::to_string),
        (Action::Mark, _) => return mark(state),
        (Action::Compare, _) => return compare_marked(state),
        (Action::Filter, _) => {
            state.filtering = true;
            state.focus = Pane::List;
        }
        (Action::Back, _) if !state.filter_text().is_empty() => filter::clear(state),
        (Action::NextPane, _) => {
            state.focus = match state.focus {
                Pane::List => Pane::Compare,
                Pane::Compare => Pane::Messages,
                Pane::Messages => Pane::List,
            };
        }
        (Action::PrevPane, _) => {
            state.focus = match state.focus {
                Pane::List => Pane::Messages,
                Pane::Compare => Pane::List,
                Pane::Messages => Pane::Compare,
            };
        }
        (Action::Reload, _) => return reload(state),
        (Action::RefreshList, _) if !state.live.enabled => {
            let none = state.say("未配置店铺 API 凭据", "no shop API credentials configured");
            return super::notify(state, none);
        }
        (Action::RefreshList, _) if state.live.listing.is_none() => {
            state.live.listing = Some((0, 0));
            return Step::redraw().with(Effect::RefreshList);
        }
        (Action::CopyId, _) => {
            let Some(id) = state.selected_id().map(str::to_string) else { return Step::nothing() };
            let copied = format!("{} {id}", state.say("已复制订单号", "copied order id"));
            return super::notify(state, copied).with(Effect::Copy(id));
        }
        (Action::CopyNumber, _) => {
            return match state.shown_detail().and_then(|d| d.vnum.number.clone()) {
                Some(n) => {
                    let copied = format!("{} {n}", state.say("已复制虚拟号", "copied virtual number"));
                    super::notify(state, copied).with(Effect::Copy(n))
                }
                None => {
                    let none = state.say("该订单没有虚拟号", "this order has no virtual number");
                    super::notify(state, none)
                }
            };
        }
        (Action::Open, pane) => return raw::open_at(state, pane, None),
        (a, Pane::List) => return move_selection(state, a, page),
        (Action::Left, Pane::Compare) => return set_side(state, Side::Before),
        (Action::Right, Pane::Compare) => return set_side(state, Side::After),
        (a, Pane::Compare) => {
            let last = state.shown_detail().map_or(0, |d| d.rows.len().saturating_sub(1));
            return super::moved(&mut state.compare_scroll, a, page, last).unwrap_or_default();
        }
        (a, Pane::Messages) => {
            let last = state.shown_detail().map_or(0, |d| d.messages.len().saturating_sub(1));
            return super::moved(&mut state.message_selected, a, page, last).unwrap_or_default();
        }
    }
    Step::redraw()
}

fn move_selection(state: &mut State, action: Action, page: usize) -> Step {
    let mut next = state.selected;
    if state.visible.is_empty() || !move_by(&mut next, action, page, state.visible.len() - 1) || next == state.selected
    {
        return Step::nothing();
    }
    state.selected = next;
    state.anchor = state.selected_id().map(str::to_string);
    state.keep_selection_in_view();
    Step::redraw()
}

fn set_side(state: &mut State, side: Side) -> Step {
    let changed = state.side != side;
    state.side = side;
    Step::redraw_if(changed)
}

/// `m`: marks the selected order as one side of a comparison, or clears
/// the mark.
fn mark(state: &mut State) -> Step {
    let Some(id) = state.selected_id().map(str::to_string) else { return Step::nothing() };
    if state.marked.as_deref() == Some(id.as_str()) {
        state.marked = None;
        let cleared = state.say("已取消标记", "mark cleared");
        return super::notify(state, cleared);
    }
    let marked = format!(
        "{} {id}{}",
        state.say("已标记", "marked"),
        state.say("；选择另一个订单后按 c 对比", "; select another order and press c to compare")
    );
    state.marked = Some(id);
    super::notify(state, marked)
}

/// `c`: compares the marked order with the selected one.
fn compare_marked(state: &mut State) -> Step {
    match (state.marked.clone(), state.selected_id().map(str::to_string)) {
        (Some(a), Some(b)) if a != b => compare::open(state, a, b),
        (Some(_), _) => {
            let other = state.say("请选择另一个订单再按 c", "select another order than the marked one, then press c");
            super::notify(state, other)
        }
        (None, _) => {
            let first = state.say("先用 m 标记一个订单", "mark an order with m first");
            super::notify(state, first)
        }
    }
}

/// `r`: reads the selected order from the store again and, with the shop
/// API, fetches it.
fn reload(state: &mut State) -> Step {
    let Some(id) = state.selected_id().map(str::to_string) else { return Step::nothing() };
    let step = Step::run(vec![Effect::LoadDetail { order_id: id.clone() }]);
    if state.live.enabled {
        step.and(live::fetch_now(state, id))
    } else {
        let reloaded = state.say("已重新读取存储", "reloaded from the store");
        step.and(super::notify(state, reloaded))
    }
}

/// Closes every overlay and selects `id`, clearing a filter that hides it.
pub(super) fn go_to_order(state: &mut State, id: &str) -> Step {
    state.close_overlays();
    if state.position_of(id).is_none() && !state.filter_text().is_empty() {
        state.filter = new_filter(state.lang);
        state.apply_filter();
    }
    if !state.select_order(id) {
        let missing = format!("{} {id}", state.say("列表中没有订单", "not in the list:"));
        return super::notify(state, missing);
    }
    Step::redraw()
}

/// Opens the selected order's timeline where it was when last closed (for
/// the same order).
pub(super) fn open_timeline(state: &mut State) {
    state.timeline_wanted = None;
    let view = match state.timeline_at.take() {
        Some((id, view)) if state.selected_id() == Some(id.as_str()) => view,
        _ => TimelineView::default(),
    };
    state.push_overlay(Overlay::Timeline(view));
}

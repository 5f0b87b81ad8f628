//! What the store answered and what changed in it: the order list, the
//! selected order's detail, other processes' writes, the receivers' state,
//! the clock's tick; and `settle`, which follows the selection once input
//! has been taken.

use std::collections::HashSet;
use std::sync::Arc;

use super::{DEBOUNCE, DelayedMsg, Effect, Step};
use crate::store::feed::Changes;
use crate::store::{OrderRow, ReceiverStatus, StoreError};
use crate::tui::detail::Detail;
use crate::tui::state::{DETAIL_CACHE, FRESH_SECS, Overlay, Rows, State};

/// After a batch of input: filter once, and when the selection came to rest
/// on another order, show its detail (from the cache or the store) and start
/// the pause before its live fetch.
pub(super) fn settle(state: &mut State) -> Step {
    let mut step = Step::nothing();
    if state.filter_stale {
        state.apply_filter();
        step = Step::redraw();
    }
    let id = state.selected_id().map(str::to_string);
    if id == state.settled_id {
        return step;
    }
    if let (Some(old), Some(_)) = (state.settled_id.take(), &id) {
        state.previous_order = Some(old);
    }
    state.settled_id = id.clone();
    // A timeline asked for on the order left behind is not opened later.
    if state.timeline_wanted != id {
        state.timeline_wanted = None;
    }
    state.live.generation += 1;
    state.live.error = None;
    state.compare_scroll = 0;
    state.message_selected = 0;
    let mut step = Step::redraw();
    if state.live.in_flight.take().is_some() {
        step = step.with(Effect::CancelFetch);
    }
    let Some(id) = id else {
        state.detail = None;
        return step;
    };
    match state.detail_cache.iter().position(|d| d.order_id == id) {
        Some(i) => {
            // Shown at once from the cache, and read again in case it changed.
            let d = state.detail_cache.remove(i);
            state.detail_cache.push(d.clone());
            state.detail = Some(d);
        }
        None => state.loading = Some(id.clone()),
    }
    step = step.with(Effect::LoadDetail { order_id: id });
    if state.live.enabled {
        step = step.with(Effect::After {
            delay: DEBOUNCE,
            msg: DelayedMsg::DebounceElapsed { generation: state.live.generation },
        });
    }
    step
}

/// The 1 Hz tick: redraws only when something on screen moves with it.
pub(super) fn on_tick(state: &mut State, now: i64) -> Step {
    let before = state.ticking();
    let countdown_moved = state.countdown_visible() && state.countdown_at(state.now) != state.countdown_at(now);
    let header_moved = state.receiver_line(state.now) != state.receiver_line(now);
    state.now = now;
    let had_fresh = !state.fresh.is_empty();
    state.fresh.retain(|_, until| *until > now);
    Step::redraw_if(countdown_moved || header_moved || before || state.ticking() || had_fresh)
}

pub(super) fn on_list(state: &mut State, rows: Rows, complete: bool, quarantined: i64) -> Step {
    let keep = state.pending_select.clone().or_else(|| state.selected_id().map(str::to_string));
    state.list_loaded = true;
    state.list_complete = complete;
    state.quarantined = quarantined;
    state.replace_orders(rows, keep);
    if let Some(id) = state.pending_select.clone()
        && (state.selected_id() == Some(id.as_str()) || complete)
    {
        state.pending_select = None;
    }
    Step::redraw().and(settle(state))
}

/// The receivers' state, read again: drawn when the header's line changes.
pub(super) fn on_receiver(state: &mut State, status: ReceiverStatus) -> Step {
    if state.receiver.as_ref() == Some(&status) {
        return Step::nothing();
    }
    let before = state.receiver_line(state.now);
    state.receiver = Some(status);
    Step::redraw_if(state.receiver_line(state.now) != before)
}

pub(super) fn on_detail(state: &mut State, order_id: String, detail: Result<Box<Detail>, Arc<StoreError>>) -> Step {
    let mut step = Step::nothing();
    if state.loading.as_deref() == Some(order_id.as_str()) {
        state.loading = None;
    }
    if state.detail_error.as_ref().is_some_and(|(id, _)| *id == order_id) {
        state.detail_error = None;
        step = Step::redraw();
    }
    match detail {
        Ok(d) => {
            let d = *d;
            remember(state, d.clone());
            if state.selected_id() == Some(order_id.as_str()) {
                let same = state.detail.as_ref().is_some_and(|old| old.order_id == order_id);
                if !same {
                    state.compare_scroll = 0;
                    state.message_selected = 0;
                }
                state.detail = Some(d);
                clamp_scrolls(state);
                step = Step::redraw();
                if state.timeline_wanted.take().as_deref() == Some(order_id.as_str()) && state.overlay.is_none() {
                    super::main_screen::open_timeline(state);
                }
            }
        }
        Err(e) if state.selected_id() == Some(order_id.as_str()) => {
            let why = e.to_string();
            state.detail_error = Some((order_id, e));
            step = super::notify(state, why);
        }
        Err(_) => {}
    }
    step
}

pub(super) fn on_store_problem(state: &mut State, problem: Option<super::StoreUnreadable>) -> Step {
    // The header shows it in words, and a new problem is one that reads differently.
    let problem = problem.map(|p| p.to_string());
    let recovered = state.store_problem.is_some() && problem.is_none();
    let step = Step::redraw_if(state.store_problem != problem);
    state.store_problem = problem;
    // The selection's detail could not be read while the store was away,
    // or was read from a file since replaced: nothing else would ask again
    // until the selection moved. One shown stays on screen while it is read
    // again.
    match state.selected_id() {
        Some(id) if recovered => {
            let id = id.to_string();
            if state.shown_detail().is_none() {
                state.loading = Some(id.clone());
            }
            step.with(Effect::LoadDetail { order_id: id })
        }
        _ => step,
    }
}

fn remember(state: &mut State, detail: Detail) {
    state.detail_cache.retain(|d| d.order_id != detail.order_id);
    state.detail_cache.push(detail);
    if state.detail_cache.len() > DETAIL_CACHE {
        state.detail_cache.remove(0);
    }
}

fn clamp_scrolls(state: &mut State) {
    if let Some(d) = &state.detail {
        state.compare_scroll = state.compare_scroll.min(d.rows.len().saturating_sub(1));
        state.message_selected = state.message_selected.min(d.messages.len().saturating_sub(1));
    }
}

/// Merges what other processes stored into the list, keeping the selected
/// order selected and on the same screen row, and re-reads the selected
/// order when it is among the changed ones.
pub(super) fn on_store_changed(state: &mut State, changes: Changes, list: Option<Rows>) -> Step {
    let mut step = Step::nothing();
    if state.quarantined != changes.quarantined {
        state.quarantined = changes.quarantined;
        step = Step::redraw();
    }
    if !changes.pushes.is_empty() {
        state.pushes_since_start += changes.pushes.len() as u64;
        step = Step::redraw();
        // The stream is live: read again as pushes arrive.
        if let Some(Overlay::Pushes(view)) = &state.overlay {
            step = step.with(Effect::LoadPushes { since: state.now - view.window });
        }
    }
    let selected = state.selected_id().map(str::to_string);
    for (message_id, order_id) in &changes.pushes {
        if order_id.is_some() && order_id.as_deref() == selected.as_deref() {
            state.fresh.insert(*message_id, state.now + FRESH_SECS);
        }
    }
    if changes.rows.is_empty() {
        return step;
    }
    let changed: HashSet<&str> = changes.rows.iter().map(|r| r.order_id.as_str()).collect();
    state.detail_cache.retain(|d| !changed.contains(d.order_id.as_str()));
    let merged = match list {
        Some(list) => list,
        None => Arc::new(merge_rows(&state.orders, &changes.rows)),
    };
    let keep = state.pending_select.clone().or_else(|| selected.clone());
    state.merge_orders(merged, &changed, keep);
    if let Some(id) = state.pending_select.clone()
        && state.selected_id() == Some(id.as_str())
    {
        state.pending_select = None;
    }
    step = step.and(Step::redraw());
    if let Some(id) = selected
        && changed.contains(id.as_str())
    {
        step = step.with(Effect::LoadDetail { order_id: id });
    }
    step.and(settle(state))
}

/// The order list with `changed` rows put in place of their old versions,
/// in list order. Both are in list order (newest activity first), so this
/// is one pass, not a sort of the whole list. Pure; the runner calls it on
/// its own thread so a burst of changes never holds up a key.
pub fn merge_rows(old: &[Arc<OrderRow>], changed: &[OrderRow]) -> Vec<Arc<OrderRow>> {
    let ids: HashSet<&str> = changed.iter().map(|r| r.order_id.as_str()).collect();
    let mut incoming: Vec<Arc<OrderRow>> = changed.iter().cloned().map(Arc::new).collect();
    incoming.sort_by(|a, b| list_order(a, b));
    let mut merged = Vec::with_capacity(old.len() + incoming.len());
    let mut rest = old.iter().filter(|r| !ids.contains(r.order_id.as_str())).peekable();
    for row in incoming {
        while let Some(r) = rest.next_if(|r| list_order(r, &row) == std::cmp::Ordering::Less) {
            merged.push(r.clone());
        }
        merged.push(row);
    }
    merged.extend(rest.cloned());
    merged
}

/// The list's order: most recent activity first, then by id.
fn list_order(a: &OrderRow, b: &OrderRow) -> std::cmp::Ordering {
    b.last_activity.cmp(&a.last_activity).then_with(|| b.order_id.cmp(&a.order_id))
}

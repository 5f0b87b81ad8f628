//! The shop API's side: the selected order's live fetch (after the pause,
//! and again when due), looking up an order the store does not know, the
//! versions those answers stored, and refreshing the recent orders.
//! Answers for a selection the user has left are stored but not shown.

use std::sync::Arc;

use super::data::settle;
use super::{Effect, Purpose, Step};
use crate::api::ApiError;
use crate::model::names::Lang;
use crate::model::{Order, Origin};
use crate::store::StoreError;
use crate::tui::state::{State, new_filter};

/// Whether a live answer for (`generation`, `order_id`) still belongs on
/// screen: the selection has not moved since it was asked for.
pub fn accepts(state: &State, generation: u64, order_id: &str) -> bool {
    generation == state.live.generation && state.selected_id() == Some(order_id)
}

/// Time to fetch the selected order again, unless a fetch is under way or
/// the user is in an overlay.
pub(super) fn on_refetch_due(state: &mut State) -> Step {
    let Some(id) = state.selected_id().map(str::to_string) else { return Step::nothing() };
    if !state.live.enabled || state.overlay.is_some() || state.live.in_flight.is_some() {
        return Step::nothing();
    }
    fetch(state, state.live.generation, id)
}

/// The selection rested long enough: fetch it, if it is still the same.
pub(super) fn on_debounce(state: &mut State, generation: u64) -> Step {
    let Some(id) = state.selected_id().map(str::to_string) else { return Step::nothing() };
    if !state.live.enabled || generation != state.live.generation {
        return Step::nothing();
    }
    fetch(state, generation, id)
}

fn fetch(state: &mut State, generation: u64, order_id: String) -> Step {
    state.live.in_flight = Some((generation, order_id.clone()));
    Step::redraw().with(Effect::Fetch { generation, order_id })
}

/// Fetches the selected order now (`r`), unless a fetch is under way.
pub(super) fn fetch_now(state: &mut State, order_id: String) -> Step {
    if state.live.in_flight.is_some() {
        return Step::nothing();
    }
    fetch(state, state.live.generation, order_id)
}

pub(super) fn on_fetched(state: &mut State, generation: u64, order_id: &str, result: Result<Order, ApiError>) -> Step {
    match result {
        // Every fetched version is kept, even when the selection moved on.
        Ok(order) => Step::run(vec![Effect::StoreVersion {
            order: Box::new(order),
            source: Origin::Live,
            purpose: Purpose::Fetch(generation),
        }]),
        Err(e) => {
            if state.live.in_flight.as_ref().is_some_and(|(g, id)| *g == generation && id == order_id) {
                state.live.in_flight = None;
            }
            if !accepts(state, generation, order_id) {
                return Step::nothing();
            }
            state.live.error = Some(e.to_string());
            Step::redraw()
        }
    }
}

pub(super) fn on_looked_up(state: &mut State, generation: u64, result: Result<Order, ApiError>) -> Step {
    match result {
        Ok(order) => Step::run(vec![Effect::StoreVersion {
            order: Box::new(order),
            source: Origin::Live,
            purpose: Purpose::LookUp(generation),
        }]),
        Err(e) if is_current_lookup(state, generation) => {
            state.live.lookup = None;
            super::notify(state, e.to_string())
        }
        Err(_) => Step::nothing(),
    }
}

fn is_current_lookup(state: &State, generation: u64) -> bool {
    state.live.lookup.as_ref().map(|(g, _)| *g) == Some(generation)
}

pub(super) fn on_version_stored(
    state: &mut State,
    purpose: Purpose,
    order_id: String,
    result: Result<bool, Arc<StoreError>>,
    at: i64,
) -> Step {
    match purpose {
        Purpose::Fetch(generation) => {
            if state.live.in_flight.as_ref() == Some(&(generation, order_id.clone())) {
                state.live.in_flight = None;
            }
            if !accepts(state, generation, &order_id) {
                return Step::nothing();
            }
            match result {
                Ok(changed) => {
                    state.live.error = None;
                    state.live.fetched_at.insert(order_id.clone(), at);
                    // Re-reading the detail is not a new selection: no refetch.
                    let step = Step::redraw();
                    if changed { step.with(Effect::LoadDetail { order_id }) } else { step }
                }
                Err(e) => {
                    state.live.error = Some(e.to_string());
                    Step::redraw()
                }
            }
        }
        Purpose::LookUp(generation) => {
            if !is_current_lookup(state, generation) {
                return Step::nothing();
            }
            state.live.lookup = None;
            if let Err(e) = result {
                return super::notify(state, e.to_string());
            }
            state.live.fetched_at.insert(order_id.clone(), at);
            // The user is still waiting on this lookup: show the order.
            state.filter = new_filter(state.lang);
            state.filtering = false;
            state.apply_filter();
            match state.position_of(&order_id) {
                Some(pos) => state.selected = pos,
                None => state.pending_select = Some(order_id.clone()),
            }
            state.keep_selection_in_view();
            let found = format!("{} {order_id}", state.say("已找到订单", "found order"));
            super::notify(state, found).and(settle(state))
        }
    }
}

pub(super) fn on_list_done(state: &mut State, listed: usize, error: Option<ApiError>) -> Step {
    state.live.listing = None;
    // A background result does not hide what the user's own last key said.
    if state.notice.is_none() || error.is_some() {
        state.notice = Some(match (error, state.lang) {
            (Some(e), _) => e.to_string(),
            (None, Lang::Zh) => format!("近期订单已刷新：{listed} 个"),
            (None, Lang::En) => format!("recent orders refreshed: {listed}"),
        });
    }
    Step::redraw()
}

/// Asks the shop API for an order the store does not have (or says why it
/// cannot).
pub(super) fn look_up(state: &mut State, id: String) -> Step {
    if !state.live.enabled {
        let why = state.say(
            "存储中没有该订单，且未配置店铺 API 凭据",
            "not in the store, and no shop API credentials are configured",
        );
        return super::notify(state, why);
    }
    state.live.lookup_generation += 1;
    let generation = state.live.lookup_generation;
    state.live.lookup = Some((generation, id.clone()));
    let asking = format!("{} {id}…", state.say("正在查询订单", "looking up order"));
    super::notify(state, asking).with(Effect::LookUp { generation, order_id: id })
}

/// The user changed what they were looking for: an answer to the old lookup
/// must not move the selection.
pub(super) fn cancel_lookup(state: &mut State) {
    if state.live.lookup.take().is_some() {
        state.live.lookup_generation += 1;
    }
}

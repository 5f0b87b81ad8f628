//! The list of numbers about to expire: its rows from the store, moving,
//! and Enter to go to the order (the filter is cleared when it hides it).

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::{Step, main_screen};
use crate::expiring::Expiring;
use crate::store::StoreError;
use crate::tui::keys::{Action, Context, action_for};
use crate::tui::state::{Overlay, State};

pub(super) fn on_loaded(state: &mut State, result: Result<Vec<Expiring>, Arc<StoreError>>) -> Step {
    let Some(Overlay::Expiring(view)) = &mut state.overlay else { return Step::nothing() };
    view.selected = view.selected.min(result.as_ref().map_or(0, |l| l.len().saturating_sub(1)));
    view.list = Some(result);
    Step::redraw()
}

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let action = action_for(Context::Expiring, key);
    let Some(Overlay::Expiring(view)) = &mut state.overlay else { return Step::nothing() };
    let rows = view.list.as_ref().and_then(|l| l.as_ref().ok());
    match action {
        Some(Action::Open) => {
            let Some(id) = rows.and_then(|l| l.get(view.selected)).map(|e| e.order_id.clone()) else {
                return Step::nothing();
            };
            main_screen::go_to_order(state, &id)
        }
        Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
            let last = rows.map_or(0, Vec::len).saturating_sub(1);
            super::moved(&mut view.selected, a, page, last).unwrap_or_default()
        }
        other => super::common_action(state, other).unwrap_or_default(),
    }
}

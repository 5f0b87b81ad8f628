//! The push stream overlay: its rows from the store, and its keys (kept in
//! `tui::pushes`); Enter goes to the push's order.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::{Effect, Step, main_screen};
use crate::store::StoreError;
use crate::tui::pushes::{Outcome, StreamRow};
use crate::tui::state::{Overlay, State};

pub(super) fn on_loaded(state: &mut State, result: Result<Vec<StreamRow>, Arc<StoreError>>) -> Step {
    match &mut state.overlay {
        Some(Overlay::Pushes(view)) => {
            view.loaded(result);
            Step::redraw()
        }
        _ => Step::nothing(),
    }
}

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let Some(Overlay::Pushes(view)) = &mut state.overlay else { return Step::nothing() };
    match view.key(key, page) {
        Outcome::Nothing => Step::nothing(),
        Outcome::Redraw => Step::redraw(),
        Outcome::Reload => {
            let since = state.now - view.window;
            Step::redraw().with(Effect::LoadPushes { since })
        }
        Outcome::Open(id) => main_screen::go_to_order(state, &id),
        Outcome::Back => {
            state.back();
            Step::redraw()
        }
        Outcome::Help => {
            state.open_help();
            Step::redraw()
        }
        Outcome::Quit => {
            state.quit = true;
            Step::nothing()
        }
    }
}

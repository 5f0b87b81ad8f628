//! The comparison of two orders: opening it, its answer from the store,
//! scrolling, swapping the sides, and its report.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::{Effect, Step, report};
use crate::store::StoreError;
use crate::tui::keys::{Action, Context, action_for};
use crate::tui::state::{CompareView, Comparison, Overlay, State};

/// The most lines the comparison scrolls by; the view clamps the scroll to
/// what it wrapped.
const MAX_SCROLL: usize = 10_000;

/// Opens the comparison of `a` (left) with `b` (right) and asks for it.
pub(super) fn open(state: &mut State, a: String, b: String) -> Step {
    state.push_overlay(Overlay::Compare(CompareView { a: a.clone(), b: b.clone(), result: None, scroll: 0 }));
    Step::redraw().with(Effect::LoadComparison { a, b, now: state.now })
}

/// Shown when it is still the comparison on screen.
pub(super) fn on_loaded(state: &mut State, a: &str, b: &str, result: Result<Box<Comparison>, Arc<StoreError>>) -> Step {
    match &mut state.overlay {
        Some(Overlay::Compare(view)) if view.a == a && view.b == b => {
            view.result = Some(result);
            Step::redraw()
        }
        _ => Step::nothing(),
    }
}

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let action = action_for(Context::Comparison, key);
    let Some(Overlay::Compare(view)) = &mut state.overlay else { return Step::nothing() };
    let before = view.scroll;
    match action {
        Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
        Some(Action::Down) => view.scroll = (view.scroll + 1).min(MAX_SCROLL),
        Some(Action::PageUp) => view.scroll = view.scroll.saturating_sub(page),
        Some(Action::PageDown) => view.scroll = (view.scroll + page).min(MAX_SCROLL),
        Some(action @ (Action::CopyReport | Action::ExportReport)) => {
            let (a, b) = (view.a.clone(), view.b.clone());
            return report::ask(state, a, Some(b), action);
        }
        Some(Action::Swap) => {
            std::mem::swap(&mut view.a, &mut view.b);
            view.result = None;
            view.scroll = 0;
            let (a, b) = (view.a.clone(), view.b.clone());
            return Step::redraw().with(Effect::LoadComparison { a, b, now: state.now });
        }
        other => return super::common_action(state, other).unwrap_or_default(),
    }
    let after = view.scroll;
    Step::redraw_if(after != before)
}

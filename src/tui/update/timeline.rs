//! The timeline of one order: moving among its entries, scrolling the
//! explanation, opening an entry's raw JSON, and its report.

use crossterm::event::KeyEvent;

use super::{Step, raw, report};
use crate::tui::keys::{Action, Context, action_for};
use crate::tui::state::{Overlay, State, TimelineFocus};

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let (entries, explanation) = state
        .shown_detail()
        .and_then(|d| d.story.as_ref())
        .map(|s| (s.entries.len(), s.explanation.len()))
        .unwrap_or((0, 0));
    let action = action_for(Context::Timeline, key);
    let Some(Overlay::Timeline(view)) = &mut state.overlay else { return Step::nothing() };
    let before = (view.selected, view.focus, view.explanation_scroll);
    let last = entries.saturating_sub(1);
    // The explanation scrolls by line; the view clamps to what it wrapped,
    // at most eight lines to an explanation item.
    let last_line = explanation * 8;
    match (action, view.focus) {
        (Some(Action::NextPane | Action::PrevPane), focus) => {
            view.focus = match focus {
                TimelineFocus::Entries => TimelineFocus::Explanation,
                TimelineFocus::Explanation => TimelineFocus::Entries,
            }
        }
        (Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)), TimelineFocus::Entries) => {
            crate::tui::keys::move_by(&mut view.selected, a, page, last);
        }
        (Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)), TimelineFocus::Explanation) => {
            crate::tui::keys::move_by(&mut view.explanation_scroll, a, page, last_line);
        }
        (Some(Action::Open), _) => {
            let reference = state
                .shown_detail()
                .and_then(|d| d.story.as_ref())
                .and_then(|s| s.entries.get(before.0))
                .and_then(|e| e.reference);
            return raw::open_reference(state, reference);
        }
        (Some(action @ (Action::CopyReport | Action::ExportReport)), _) => {
            let Some(order_id) = state.shown_detail().map(|d| d.order_id.clone()) else { return Step::nothing() };
            return report::ask(state, order_id, None, action);
        }
        (other, _) => return super::common_action(state, other).unwrap_or_default(),
    }
    let after = (view.selected, view.focus, view.explanation_scroll);
    Step::redraw_if(after != before)
}

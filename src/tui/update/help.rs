//! Help: it scrolls (the view clamps to what fits); Esc, `q` and `?` close
//! it and bring back what it was opened over, where it was.

use crossterm::event::KeyEvent;

use super::Step;
use crate::tui::keys::{Action, Context, action_for, help_height};
use crate::tui::state::{Overlay, State};

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let action = action_for(Context::HelpPage, key);
    let Some(Overlay::Help(view)) = &mut state.overlay else { return Step::nothing() };
    if let Some(a) = action
        && let Some(step) = super::moved(&mut view.scroll, a, page, help_height())
    {
        return step;
    }
    match action {
        Some(Action::Back) => {
            state.back();
            Step::redraw()
        }
        Some(Action::Quit) => {
            state.quit = true;
            Step::nothing()
        }
        _ => Step::nothing(),
    }
}

//! Help: it scrolls (the view clamps to what fits); Esc, `q` and `?` close
//! it and bring back what it was opened over, where it was.

use crossterm::event::KeyEvent;

use super::Step;
use crate::tui::keys::{Action, Context, action_for, help_height, move_by};
use crate::tui::state::{Overlay, State};

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let action = action_for(Context::HelpPage, key);
    let Some(Overlay::Help(view)) = &mut state.overlay else { return Step::nothing() };
    let before = view.scroll;
    match action {
        Some(a) if move_by(&mut view.scroll, a, page, help_height()) => Step::redraw_if(view.scroll != before),
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

//! The main screen's filter line: typing, Enter (which looks up a whole
//! order id the store does not know), Esc, and pastes.

use crossterm::event::{KeyCode, KeyEvent};

use super::Step;
use super::live::{cancel_lookup, look_up};
use crate::model::names::Lang;
use crate::tui::keys::Action;
use crate::tui::state::{MAX_INPUT, Overlay, Pane, State, looks_like_order_id, new_filter};

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    match key.code {
        KeyCode::Enter => {
            state.filtering = false;
            if state.filter_stale {
                state.apply_filter();
            }
            // An order id the store does not know: ask the shop API.
            let text = state.filter_text().trim().to_string();
            if state.visible.is_empty() && looks_like_order_id(&text) {
                return look_up(state, text);
            }
        }
        KeyCode::Esc => clear(state),
        KeyCode::Up | KeyCode::Down => {
            state.filtering = false;
            if state.filter_stale {
                state.apply_filter();
            }
            let action = if key.code == KeyCode::Up { Action::Up } else { Action::Down };
            return Step::redraw().and(super::main_screen::action(state, action));
        }
        KeyCode::Char(_) if state.filter_text().chars().count() >= MAX_INPUT => {
            let full = match state.lang {
                Lang::Zh => format!("筛选条件最多 {MAX_INPUT} 个字符"),
                Lang::En => format!("the filter takes at most {MAX_INPUT} characters"),
            };
            return super::notify(state, full);
        }
        _ => {
            if state.filter.input(key) {
                state.filter_stale = true;
                cancel_lookup(state);
            }
        }
    }
    Step::redraw()
}

/// Empties the filter (and forgets a lookup it started).
pub(super) fn clear(state: &mut State) {
    state.filtering = false;
    state.filter = new_filter(state.lang);
    state.filter_stale = true;
    cancel_lookup(state);
}

pub(super) fn on_paste(state: &mut State, text: &str) -> Step {
    // One line: a newline would end the input; control characters are dropped.
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let (kept, cut) = cap(clean, MAX_INPUT);
    if cut {
        state.notice = Some(match state.lang {
            Lang::Zh => format!("粘贴内容过长，只保留前 {MAX_INPUT} 个字符"),
            Lang::En => format!("pasted text cut to its first {MAX_INPUT} characters"),
        });
    }
    match &mut state.overlay {
        Some(Overlay::Raw(view)) => {
            if let Some(search) = &mut view.search {
                let room = MAX_INPUT.saturating_sub(search.lines().join(" ").chars().count());
                search.insert_str(cap(kept, room).0);
            }
        }
        Some(_) => {}
        None => {
            // A paste on the main screen is almost always an order id: it
            // goes into the filter.
            state.filtering = true;
            state.focus = Pane::List;
            let room = MAX_INPUT.saturating_sub(state.filter_text().chars().count());
            state.filter.insert_str(cap(kept, room).0);
            state.filter_stale = true;
        }
    }
    Step::redraw()
}

/// The first `max` characters of `s`, and whether it was cut.
fn cap(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

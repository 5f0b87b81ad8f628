//! The `:` command line: typing, Tab completion, ↑ ↓ history; Enter runs
//! the command (parsed in `tui::prompt`).

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Step, compare, live, main_screen, report};
use crate::tui::keys::Action;
use crate::tui::prompt::{self, Command};
use crate::tui::pushes::PushStream;
use crate::tui::state::{MAX_INPUT, Overlay, State};

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let Some(text) = state.prompt.as_mut() else { return Step::nothing() };
    match key.code {
        KeyCode::Esc => state.prompt = None,
        KeyCode::Enter => {
            let line = state.prompt.take().unwrap_or_default();
            state.prompt_recall = None;
            prompt::remember(&mut state.prompt_history, &line);
            return match prompt::parse(&line) {
                Ok(command) => Step::redraw().and(run(state, command)),
                Err(e) => super::notify(state, e.to_string()),
            };
        }
        KeyCode::Backspace if text.is_empty() => state.prompt = None,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Tab => {
            let ids = state.orders.iter().map(|r| r.order_id.as_str());
            match prompt::complete(text, ids) {
                Some(done) => *text = done,
                None => return Step::nothing(),
            }
        }
        KeyCode::Up | KeyCode::Down => return recall(state, key.code == KeyCode::Up),
        KeyCode::Char(c) if text.chars().count() < MAX_INPUT => text.push(c),
        _ => return Step::nothing(),
    }
    Step::redraw()
}

/// ↑ goes to the line before the one shown (the newest first), ↓ to the
/// one after, and past the newest to an empty line.
fn recall(state: &mut State, up: bool) -> Step {
    let n = state.prompt_history.len();
    let at = match (up, state.prompt_recall) {
        _ if n == 0 => return Step::nothing(),
        (true, None) => n - 1,
        (true, Some(i)) => i.saturating_sub(1),
        (false, None) => return Step::nothing(),
        (false, Some(i)) if i + 1 >= n => {
            state.prompt_recall = None;
            state.prompt = Some(String::new());
            return Step::redraw();
        }
        (false, Some(i)) => i + 1,
    };
    state.prompt_recall = Some(at);
    state.prompt = Some(state.prompt_history[at].clone());
    Step::redraw()
}

/// Carries out a command-line command.
fn run(state: &mut State, command: Command) -> Step {
    match command {
        Command::Order(id) if state.orders.iter().any(|r| r.order_id == id) => main_screen::go_to_order(state, &id),
        Command::Order(id) => live::look_up(state, id),
        Command::Compare(a, b) => {
            let Some(a) = a.or_else(|| state.selected_id().map(str::to_string)) else {
                let none = state.say("没有选中的订单", "no order selected");
                return super::notify(state, none);
            };
            if a == b {
                let same = state.say("对比需要两个不同的订单", "compare needs two different orders");
                return super::notify(state, same);
            }
            state.close_overlays();
            compare::open(state, a, b)
        }
        Command::Report => match state.shown_detail().map(|d| d.order_id.clone()) {
            Some(id) => report::ask(state, id, None, Action::CopyReport),
            None => {
                let none = state.say("没有选中的订单", "no order selected");
                super::notify(state, none)
            }
        },
        Command::Push(secs) => {
            state.close_overlays();
            let view = PushStream::new(secs.max(1));
            let since = state.now - view.window;
            state.push_overlay(Overlay::Pushes(view));
            Step::redraw().with(Effect::LoadPushes { since })
        }
        Command::Expiring => {
            state.close_overlays();
            main_screen::action(state, Action::ShowExpiring)
        }
        Command::Help => {
            state.open_help();
            Step::redraw()
        }
        Command::Quit => {
            state.quit = true;
            Step::nothing()
        }
    }
}

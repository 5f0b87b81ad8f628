//! How the inspector's state changes: one pure function,
//! `update(&mut State, Msg) -> Vec<Effect>`. No store, network, clock or
//! terminal in here: keys, ticks, store changes and API answers come in as
//! messages; reading the store, storing a version, fetching, copying and
//! timers go out as effects for the runner to carry out.
//!
//! One module per job: what the store and the shop API answered (`data`,
//! `live`), the main screen (`main_screen`, `filter`), the command line
//! (`command`), and one module per overlay.
//!
//! What needs a redraw is tracked one way: every handler returns a `Step`
//! saying whether the screen changed and what the runner must do, and only
//! [`update`] marks the state dirty from it. A key that changes nothing (an
//! unbound key, scrolling past the end) draws nothing.

mod command;
mod compare;
mod data;
mod expiring;
mod filter;
mod help;
mod live;
mod main_screen;
mod msg;
mod pushes;
mod raw;
mod report;
#[cfg(test)]
mod tests;
mod timeline;

use std::time::Duration;

use crossterm::event::{KeyEvent, KeyEventKind};

pub use self::data::merge_rows;
pub use self::live::accepts;
pub use self::msg::{
    Changes, DelayedMsg, Destination, Effect, Exported, MAX_COPY, Msg, Purpose, ReportError, StoreUnreadable,
};
use super::keys::{Action, Context, action_for};
use super::state::{Overlay, State};

/// How long the selection must rest before its live fetch starts: holding a
/// key down sends no requests for the orders passed over.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// What handling one message came to: whether the screen changed, and what
/// the runner must do.
#[must_use]
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Step {
    redraw: bool,
    effects: Vec<Effect>,
}

impl Step {
    /// Nothing changed on screen, nothing to do.
    pub fn nothing() -> Step {
        Step::default()
    }

    /// The screen changed.
    pub fn redraw() -> Step {
        Step { redraw: true, effects: Vec::new() }
    }

    pub fn redraw_if(changed: bool) -> Step {
        Step { redraw: changed, effects: Vec::new() }
    }

    /// Work for the runner that changes nothing on screen yet.
    pub fn run(effects: Vec<Effect>) -> Step {
        Step { redraw: false, effects }
    }

    /// The same, and one more effect.
    pub fn with(mut self, effect: Effect) -> Step {
        self.effects.push(effect);
        self
    }

    /// Both steps: a redraw when either needs one, the effects of both.
    pub fn and(mut self, other: Step) -> Step {
        self.redraw |= other.redraw;
        self.effects.extend(other.effects);
        self
    }
}

/// Applies one message to the state; returns what the runner must do.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let step = match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Step::nothing(),
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => filter::on_paste(state, &text),
        Msg::Resize { width, height } => {
            state.page = super::view::list_page(width, height);
            state.keep_selection_in_view();
            Step::redraw()
        }
        Msg::InputDrained => data::settle(state),
        Msg::Tick { now } => data::on_tick(state, now),
        Msg::RefetchDue => live::on_refetch_due(state),
        Msg::DebounceElapsed { generation } => live::on_debounce(state, generation),
        Msg::ListLoaded { rows, complete, quarantined } => data::on_list(state, rows, complete, quarantined),
        Msg::Receiver(status) => data::on_receiver(state, status),
        Msg::DemoOrders(ids) => {
            state.demo_orders = ids;
            Step::redraw()
        }
        Msg::ComparisonLoaded { a, b, result } => compare::on_loaded(state, &a, &b, result),
        Msg::DetailLoaded { order_id, detail } => data::on_detail(state, order_id, detail),
        Msg::StoreChanged { changes, list } => data::on_store_changed(state, changes, list),
        Msg::StoreProblem(problem) => data::on_store_problem(state, problem),
        Msg::FetchAnswered { generation, order_id, result } => live::on_fetched(state, generation, &order_id, result),
        Msg::LookUpAnswered { generation, result, .. } => live::on_looked_up(state, generation, result),
        Msg::VersionStored { purpose, order_id, result, at } => {
            live::on_version_stored(state, purpose, order_id, result, at)
        }
        Msg::ListProgress { fetched, listed } => {
            state.live.listing = Some((fetched, listed));
            Step::redraw()
        }
        Msg::ListDone { listed, error } => live::on_list_done(state, listed, error),
        Msg::PushesLoaded(result) => pushes::on_loaded(state, result),
        Msg::ExpiringLoaded(result) => expiring::on_loaded(state, result),
        Msg::ReportReady { order_id, other, result } => report::on_ready(state, &order_id, other.as_deref(), result),
    };
    state.dirty |= step.redraw;
    step.effects
}

/// A key goes to what has the keyboard: the command line, the filter, the
/// open overlay, or the main screen.
fn on_key(state: &mut State, key: KeyEvent) -> Step {
    // Any key clears a notice, and that alone changes the screen.
    let had_notice = state.notice.take().is_some();
    let step = if state.prompt.is_some() {
        command::key(state, key)
    } else if state.filtering {
        filter::key(state, key)
    } else {
        match &state.overlay {
            Some(Overlay::Help(_)) => help::key(state, key),
            Some(Overlay::Expiring(_)) => expiring::key(state, key),
            Some(Overlay::Pushes(_)) => pushes::key(state, key),
            Some(Overlay::Raw(_)) => raw::key(state, key),
            Some(Overlay::Timeline(_)) => timeline::key(state, key),
            Some(Overlay::Compare(_)) => compare::key(state, key),
            None => match action_for(Context::Main, key) {
                Some(action) => main_screen::action(state, action),
                None => Step::nothing(),
            },
        }
    };
    step.and(Step::redraw_if(had_notice))
}

/// The keys every overlay shares: help over it, back to what it was opened
/// over, quit. `None` for any other action.
fn common_action(state: &mut State, action: Option<Action>) -> Option<Step> {
    match action? {
        Action::Help => state.open_help(),
        Action::Back => state.back(),
        Action::Quit => state.quit = true,
        _ => return None,
    }
    Some(Step::redraw())
}

/// A movement action (a line, a page, to either end) applied to `pos`, at
/// most to `last`: drawn only when it moved. `None` for any other action,
/// which the caller handles.
fn moved(pos: &mut usize, action: Action, page: usize, last: usize) -> Option<Step> {
    let before = *pos;
    super::keys::move_by(pos, action, page, last).then(|| Step::redraw_if(*pos != before))
}

/// Sets the notice line (what the last key did, or why it could not).
fn notify(state: &mut State, text: impl Into<String>) -> Step {
    state.notice = Some(text.into());
    Step::redraw()
}

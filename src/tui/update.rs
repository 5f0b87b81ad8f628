//! How the inspector's state changes: one pure function,
//! `update(&mut State, Msg) -> Vec<Effect>`. No store, network, clock or
//! terminal in here: keys, ticks, store changes and API answers come in as
//! messages; reading the store, storing a version, fetching, copying and
//! timers go out as effects for the runner to carry out.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::detail::Detail;
use super::keys::{Action, Context, action_for, move_by};
use super::raw::RawView;
use super::state::{
    CompareView, Comparison, DETAIL_CACHE, ExpiringView, FRESH_SECS, MAX_INPUT, Overlay, Pane, Rows, Side, State,
    TimelineFocus, TimelineView, new_filter,
};
use crate::explain::Ref;
use crate::model::Order;
use crate::model::Origin;
use crate::model::names::Lang;
use crate::store::OrderRow;

/// How long the selection must rest before its live fetch starts: holding a
/// key down sends no requests for the orders passed over.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Why a version is being stored, so its answer can be routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// The selected order's live fetch of this generation.
    Fetch(u64),
    /// The lookup of an order id the store did not know, of this generation.
    LookUp(u64),
}

pub use crate::store::feed::Changes;

/// Everything that can happen to the inspector.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): one event, however long.
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// Every waiting event has been taken: filter once, load the detail of
    /// where the selection came to rest.
    InputDrained,
    /// The 1 Hz tick, with the time it is.
    Tick {
        now: i64,
    },
    /// Time to fetch the selected order again.
    RefetchDue,
    DebounceElapsed {
        generation: u64,
    },
    /// The order list from the store: its first rows, then all of it.
    ListLoaded {
        rows: Vec<OrderRow>,
        complete: bool,
        quarantined: i64,
    },
    /// Orders whose stored records are all made-up demo data.
    DemoOrders(std::collections::HashSet<String>),
    /// The receivers' state and the backlog, read again (sent when it changed).
    Receiver(crate::store::ReceiverStatus),
    ComparisonLoaded {
        a: String,
        b: String,
        result: Result<Box<Comparison>, String>,
    },
    DetailLoaded {
        order_id: String,
        detail: Result<Box<Detail>, String>,
    },
    /// What other processes stored; `list` is the order list with the
    /// changes already merged in (the runner merges off the drawing task),
    /// or `None` when the runner has no whole list to merge into.
    StoreChanged {
        changes: Changes,
        list: Option<Rows>,
    },
    /// The store cannot be read (connection lost), or can again (`None`).
    StoreProblem(Option<String>),
    FetchAnswered {
        generation: u64,
        order_id: String,
        result: Result<Order, String>,
    },
    LookUpAnswered {
        generation: u64,
        order_id: String,
        result: Result<Order, String>,
    },
    /// A version was written (`Ok(true)`: it was new) at time `at`.
    VersionStored {
        purpose: Purpose,
        order_id: String,
        result: Result<bool, String>,
        at: i64,
    },
    ListProgress {
        fetched: usize,
        listed: usize,
    },
    ListDone {
        listed: usize,
        error: Option<String>,
    },
    ExpiringLoaded(Result<Vec<crate::expiring::Expiring>, String>),
    /// The push stream's rows, newest first.
    PushesLoaded(Result<Vec<super::pushes::StreamRow>, String>),
    /// The report asked for with [`Effect::Report`], built (and written,
    /// for a file).
    ReportReady {
        order_id: String,
        other: Option<String>,
        result: Result<Exported, String>,
    },
}

/// Where a report goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The terminal's clipboard (OSC 52).
    Clipboard,
    /// A new file in the directory the inspector was started in.
    File,
}

/// A report built for [`Destination`].
#[derive(Debug, Clone, PartialEq)]
pub enum Exported {
    /// The Markdown, to be copied.
    Text(String),
    /// Written: the file's path and its lines.
    File { path: String, lines: usize },
}

/// The most text copied through OSC 52: terminals drop or cut longer
/// sequences (xterm's default limit is about this size), so a larger report
/// is written to a file instead of arriving half.
pub const MAX_COPY: usize = 100_000;

/// What the runner must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the order list: the first rows at once, the rest behind them.
    LoadList,
    LoadDetail {
        order_id: String,
    },
    /// Build the comparison of two orders from the store.
    LoadComparison {
        a: String,
        b: String,
        /// The inspector's clock: spans after shipping run to here.
        now: i64,
    },
    StoreVersion {
        order: Box<Order>,
        /// As a real shop's fetch; the runner, which knows its client,
        /// stores the demo shop's as demo.
        source: Origin,
        purpose: Purpose,
    },
    /// Fetch the order from the shop API (cancelling an older fetch).
    Fetch {
        generation: u64,
        order_id: String,
    },
    /// Cancel the selected order's fetch: the selection moved on.
    CancelFetch,
    LookUp {
        generation: u64,
        order_id: String,
    },
    /// List the orders updated recently and store what changed.
    RefreshList,
    Copy(String),
    /// Read the pushes received since `since`, newest first (at most
    /// [`super::pushes::MAX_ROWS`]).
    LoadPushes {
        since: i64,
    },
    /// Read the orders whose number expires within `within` of `now`.
    LoadExpiring {
        now: i64,
        within: i64,
    },
    /// Build the report of an order (followed by its comparison with
    /// `other`), as `orderscope report [--compare]` prints it, for `to`.
    Report {
        order_id: String,
        other: Option<String>,
        to: Destination,
        now: i64,
    },
    /// Deliver `msg` after `delay`.
    After {
        delay: Duration,
        msg: DelayedMsg,
    },
}

/// Messages the runner delivers later (a timer), kept cloneable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelayedMsg {
    DebounceElapsed { generation: u64 },
}

impl From<DelayedMsg> for Msg {
    fn from(d: DelayedMsg) -> Msg {
        match d {
            DelayedMsg::DebounceElapsed { generation } => Msg::DebounceElapsed { generation },
        }
    }
}

/// Applies one message to the state; returns what the runner must do.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => on_paste(state, &text),
        Msg::Resize { height, .. } => {
            state.page = super::view::list_page(height);
            state.keep_selection_in_view();
            state.dirty = true;
            Vec::new()
        }
        Msg::InputDrained => settle(state),
        Msg::Tick { now } => {
            let before = state.ticking();
            let countdown_moved = state.countdown_visible() && state.countdown_at(state.now) != state.countdown_at(now);
            let header_moved = state.receiver_line(state.now) != state.receiver_line(now);
            state.now = now;
            let had_fresh = !state.fresh.is_empty();
            state.fresh.retain(|_, until| *until > now);
            state.dirty |= countdown_moved || header_moved || before || state.ticking() || had_fresh;
            Vec::new()
        }
        Msg::RefetchDue => {
            let Some(id) = state.selected_id().map(str::to_string) else { return Vec::new() };
            if !state.live.enabled || state.overlay.is_some() || state.live.in_flight.is_some() {
                return Vec::new();
            }
            state.live.in_flight = Some((state.live.generation, id.clone()));
            state.dirty = true;
            vec![Effect::Fetch { generation: state.live.generation, order_id: id }]
        }
        Msg::DebounceElapsed { generation } => {
            let Some(id) = state.selected_id().map(str::to_string) else { return Vec::new() };
            if !state.live.enabled || generation != state.live.generation {
                return Vec::new();
            }
            state.live.in_flight = Some((generation, id.clone()));
            state.dirty = true;
            vec![Effect::Fetch { generation, order_id: id }]
        }
        Msg::ListLoaded { rows, complete, quarantined } => {
            let keep = state.pending_select.clone().or_else(|| state.selected_id().map(str::to_string));
            state.list_loaded = true;
            state.list_complete = complete;
            state.quarantined = quarantined;
            state.replace_orders(super::state::rows(rows), keep);
            if let Some(id) = state.pending_select.clone()
                && (state.selected_id() == Some(id.as_str()) || complete)
            {
                state.pending_select = None;
            }
            state.dirty = true;
            settle(state)
        }
        Msg::Receiver(status) => {
            if state.receiver.as_ref() != Some(&status) {
                let before = state.receiver_line(state.now);
                state.receiver = Some(status);
                state.dirty |= state.receiver_line(state.now) != before;
            }
            Vec::new()
        }
        Msg::DemoOrders(ids) => {
            state.demo_orders = ids;
            state.dirty = true;
            Vec::new()
        }
        Msg::ComparisonLoaded { a, b, result } => {
            if let Some(Overlay::Compare(view)) = &mut state.overlay
                && view.a == a
                && view.b == b
            {
                view.result = Some(result);
                state.dirty = true;
            }
            Vec::new()
        }
        Msg::DetailLoaded { order_id, detail } => {
            if state.loading.as_deref() == Some(order_id.as_str()) {
                state.loading = None;
            }
            if state.detail_error.as_ref().is_some_and(|(id, _)| *id == order_id) {
                state.detail_error = None;
                state.dirty = true;
            }
            match detail {
                Ok(d) => {
                    let d = *d;
                    remember(state, d.clone());
                    if state.selected_id() == Some(order_id.as_str()) {
                        let same = state.detail.as_ref().map(|old| old.order_id == order_id).unwrap_or(false);
                        if !same {
                            state.compare_scroll = 0;
                            state.message_selected = 0;
                        }
                        state.detail = Some(d);
                        clamp_scrolls(state);
                        state.dirty = true;
                    }
                }
                Err(e) if state.selected_id() == Some(order_id.as_str()) => {
                    state.detail_error = Some((order_id, e.clone()));
                    state.notice = Some(e);
                    state.dirty = true;
                }
                Err(_) => {}
            }
            Vec::new()
        }
        Msg::StoreChanged { changes, list } => on_store_changed(state, changes, list),
        Msg::StoreProblem(problem) => {
            let recovered = state.store_problem.is_some() && problem.is_none();
            state.dirty |= state.store_problem != problem;
            state.store_problem = problem;
            // The selection's detail could not be read while the store was
            // away, or was read from a file since replaced: nothing else
            // would ask again until the selection moved. One shown stays
            // on screen while it is read again.
            match state.selected_id() {
                Some(id) if recovered => {
                    let id = id.to_string();
                    if state.shown_detail().is_none() {
                        state.loading = Some(id.clone());
                    }
                    vec![Effect::LoadDetail { order_id: id }]
                }
                _ => Vec::new(),
            }
        }
        Msg::FetchAnswered { generation, order_id, result } => {
            let current = state.live.in_flight.as_ref() == Some(&(generation, order_id.clone()));
            match result {
                // Every fetched version is kept, even when the selection moved on.
                Ok(order) => vec![Effect::StoreVersion {
                    order: Box::new(order),
                    source: Origin::Live,
                    purpose: Purpose::Fetch(generation),
                }],
                Err(e) => {
                    if current {
                        state.live.in_flight = None;
                    }
                    if accepts(state, generation, &order_id) {
                        state.live.error = Some(e);
                        state.dirty = true;
                    }
                    Vec::new()
                }
            }
        }
        Msg::LookUpAnswered { generation, result, .. } => {
            let current = state.live.lookup.as_ref().map(|(g, _)| *g) == Some(generation);
            match result {
                Ok(order) => {
                    vec![Effect::StoreVersion {
                        order: Box::new(order),
                        source: Origin::Live,
                        purpose: Purpose::LookUp(generation),
                    }]
                }
                Err(e) => {
                    if current {
                        state.live.lookup = None;
                        state.notice = Some(e);
                        state.dirty = true;
                    }
                    Vec::new()
                }
            }
        }
        Msg::VersionStored { purpose, order_id, result, at } => on_version_stored(state, purpose, order_id, result, at),
        Msg::ListProgress { fetched, listed } => {
            state.live.listing = Some((fetched, listed));
            state.dirty = true;
            Vec::new()
        }
        Msg::PushesLoaded(result) => {
            if let Some(Overlay::Pushes(view)) = &mut state.overlay {
                view.loaded(result);
                state.dirty = true;
            }
            Vec::new()
        }
        Msg::ExpiringLoaded(result) => {
            if let Some(Overlay::Expiring(view)) = &mut state.overlay {
                view.selected = view.selected.min(result.as_ref().map_or(0, |l| l.len().saturating_sub(1)));
                view.list = Some(result);
                state.dirty = true;
            }
            Vec::new()
        }
        Msg::ReportReady { order_id, other, result } => on_report(state, &order_id, other.as_deref(), result),
        Msg::ListDone { listed, error } => {
            state.live.listing = None;
            // A background result does not hide what the user's own last key said.
            if state.notice.is_none() || error.is_some() {
                state.notice = Some(match (error, state.lang) {
                    (Some(e), _) => e,
                    (None, Lang::Zh) => format!("近期订单已刷新：{listed} 个"),
                    (None, Lang::En) => format!("recent orders refreshed: {listed}"),
                });
            }
            state.dirty = true;
            Vec::new()
        }
    }
}

/// Whether a live answer for (`generation`, `order_id`) still belongs on
/// screen: the selection has not moved since it was asked for.
pub fn accepts(state: &State, generation: u64, order_id: &str) -> bool {
    generation == state.live.generation && state.selected_id() == Some(order_id)
}

/// After a batch of input: filter once, and when the selection came to rest
/// on another order, show its detail (from the cache or the store) and start
/// the pause before its live fetch.
fn settle(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.filter_stale {
        state.apply_filter();
        state.dirty = true;
    }
    let id = state.selected_id().map(str::to_string);
    if id == state.settled_id {
        return effects;
    }
    if let (Some(old), Some(_)) = (state.settled_id.take(), &id) {
        state.previous_order = Some(old);
    }
    state.settled_id = id.clone();
    state.live.generation += 1;
    state.live.error = None;
    state.compare_scroll = 0;
    state.message_selected = 0;
    state.dirty = true;
    if state.live.in_flight.take().is_some() {
        effects.push(Effect::CancelFetch);
    }
    let Some(id) = id else {
        state.detail = None;
        return effects;
    };
    match state.detail_cache.iter().position(|d| d.order_id == id) {
        Some(i) => {
            let d = state.detail_cache.remove(i);
            state.detail_cache.push(d.clone());
            state.detail = Some(d);
            // Shown at once from the cache, and read again in case it changed.
            effects.push(Effect::LoadDetail { order_id: id.clone() });
        }
        None => {
            state.loading = Some(id.clone());
            effects.push(Effect::LoadDetail { order_id: id.clone() });
        }
    }
    if state.live.enabled {
        effects.push(Effect::After {
            delay: DEBOUNCE,
            msg: DelayedMsg::DebounceElapsed { generation: state.live.generation },
        });
    }
    effects
}

fn remember(state: &mut State, detail: Detail) {
    state.detail_cache.retain(|d| d.order_id != detail.order_id);
    state.detail_cache.push(detail);
    if state.detail_cache.len() > DETAIL_CACHE {
        state.detail_cache.remove(0);
    }
}

fn clamp_scrolls(state: &mut State) {
    if let Some(d) = &state.detail {
        state.compare_scroll = state.compare_scroll.min(d.rows.len().saturating_sub(1));
        state.message_selected = state.message_selected.min(d.messages.len().saturating_sub(1));
    }
}

/// Merges what other processes stored into the list, keeping the selected
/// order selected and on the same screen row, and re-reads the selected
/// order when it is among the changed ones.
fn on_store_changed(state: &mut State, changes: Changes, list: Option<Rows>) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.quarantined != changes.quarantined {
        state.quarantined = changes.quarantined;
        state.dirty = true;
    }
    if !changes.pushes.is_empty() {
        state.pushes_since_start += changes.pushes.len() as u64;
        state.dirty = true;
        // The stream is live: read again as pushes arrive.
        if let Some(Overlay::Pushes(view)) = &state.overlay {
            effects.push(Effect::LoadPushes { since: state.now - view.window });
        }
    }
    let selected = state.selected_id().map(str::to_string);
    for (message_id, order_id) in &changes.pushes {
        if order_id.is_some() && order_id.as_deref() == selected.as_deref() {
            state.fresh.insert(*message_id, state.now + FRESH_SECS);
        }
    }
    if changes.rows.is_empty() {
        return effects;
    }
    let changed: std::collections::HashSet<&str> = changes.rows.iter().map(|r| r.order_id.as_str()).collect();
    state.detail_cache.retain(|d| !changed.contains(d.order_id.as_str()));
    let merged = match list {
        Some(list) => list,
        None => Arc::new(merge_rows(&state.orders, &changes.rows)),
    };
    let keep = state.pending_select.clone().or_else(|| selected.clone());
    state.replace_orders(merged, keep);
    if let Some(id) = state.pending_select.clone()
        && state.selected_id() == Some(id.as_str())
    {
        state.pending_select = None;
    }
    state.dirty = true;
    if let Some(id) = selected
        && changed.contains(id.as_str())
    {
        effects.push(Effect::LoadDetail { order_id: id });
    }
    effects.extend(settle(state));
    effects
}

/// The order list with `changed` rows put in place of their old versions,
/// in list order. Both are in list order (newest activity first), so this
/// is one pass, not a sort of the whole list. Pure; the runner calls it on
/// its own thread so a burst of changes never holds up a key.
pub fn merge_rows(old: &[Arc<OrderRow>], changed: &[OrderRow]) -> Vec<Arc<OrderRow>> {
    let ids: std::collections::HashSet<&str> = changed.iter().map(|r| r.order_id.as_str()).collect();
    let mut incoming: Vec<Arc<OrderRow>> = changed.iter().cloned().map(Arc::new).collect();
    incoming.sort_by(|a, b| list_order(a, b));
    let mut merged = Vec::with_capacity(old.len() + incoming.len());
    let mut rest = old.iter().filter(|r| !ids.contains(r.order_id.as_str())).peekable();
    for row in incoming {
        while let Some(r) = rest.peek() {
            if list_order(r, &row) == std::cmp::Ordering::Less {
                merged.push(rest.next().expect("peeked").clone());
            } else {
                break;
            }
        }
        merged.push(row);
    }
    merged.extend(rest.cloned());
    merged
}

/// The list's order: most recent activity first, then by id.
fn list_order(a: &OrderRow, b: &OrderRow) -> std::cmp::Ordering {
    b.last_activity.cmp(&a.last_activity).then_with(|| b.order_id.cmp(&a.order_id))
}

fn on_version_stored(
    state: &mut State,
    purpose: Purpose,
    order_id: String,
    result: Result<bool, String>,
    at: i64,
) -> Vec<Effect> {
    state.dirty = true;
    match purpose {
        Purpose::Fetch(generation) => {
            if state.live.in_flight.as_ref() == Some(&(generation, order_id.clone())) {
                state.live.in_flight = None;
            }
            if !accepts(state, generation, &order_id) {
                state.dirty = false;
                return Vec::new();
            }
            match result {
                Ok(changed) => {
                    state.live.error = None;
                    state.live.fetched_at.insert(order_id.clone(), at);
                    // Re-reading the detail is not a new selection: no refetch.
                    if changed { vec![Effect::LoadDetail { order_id }] } else { Vec::new() }
                }
                Err(e) => {
                    state.live.error = Some(e);
                    Vec::new()
                }
            }
        }
        Purpose::LookUp(generation) => {
            let current = state.live.lookup.as_ref().map(|(g, _)| *g) == Some(generation);
            if !current {
                state.dirty = false;
                return Vec::new();
            }
            state.live.lookup = None;
            if let Err(e) = result {
                state.notice = Some(e);
                return Vec::new();
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
            state.notice = Some(format!("{} {order_id}", state.say("已找到订单", "found order")));
            settle(state)
        }
    }
}

fn on_paste(state: &mut State, text: &str) -> Vec<Effect> {
    state.dirty = true;
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
    Vec::new()
}

/// The first `max` characters of `s`, and whether it was cut.
fn cap(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let had_notice = state.notice.take().is_some();
    let effects = if state.prompt.is_some() {
        prompt_key(state, key)
    } else if state.filtering {
        filter_key(state, key)
    } else {
        match &state.overlay {
            Some(Overlay::Help(_)) => help_key(state, key),
            Some(Overlay::Expiring(_)) => expiring_key(state, key),
            Some(Overlay::Pushes(_)) => pushes_key(state, key),
            Some(Overlay::Raw(_)) => raw_key(state, key),
            Some(Overlay::Timeline(_)) => timeline_key(state, key),
            Some(Overlay::Compare(_)) => compare_key(state, key),
            None => match action_for(Context::Main, key) {
                Some(action) => main_action(state, action),
                None => Vec::new(),
            },
        }
    };
    // Clearing a notice changes the screen even when the key did nothing else.
    state.dirty |= had_notice;
    effects
}

fn filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.dirty = true;
    match key.code {
        KeyCode::Enter => {
            state.filtering = false;
            if state.filter_stale {
                state.apply_filter();
            }
            // An order id the store does not know: ask the shop API.
            let text = state.filter_text().trim().to_string();
            if state.visible.is_empty() && super::state::looks_like_order_id(&text) {
                return look_up(state, text);
            }
        }
        KeyCode::Esc => {
            state.filtering = false;
            state.filter = new_filter(state.lang);
            state.filter_stale = true;
            cancel_lookup(state);
        }
        KeyCode::Up | KeyCode::Down => {
            state.filtering = false;
            if state.filter_stale {
                state.apply_filter();
            }
            let action = if key.code == KeyCode::Up { Action::Up } else { Action::Down };
            return main_action(state, action);
        }
        KeyCode::Char(_) if state.filter_text().chars().count() >= MAX_INPUT => {
            state.notice = Some(match state.lang {
                Lang::Zh => format!("筛选条件最多 {MAX_INPUT} 个字符"),
                Lang::En => format!("the filter takes at most {MAX_INPUT} characters"),
            });
        }
        _ => {
            if state.filter.input(key) {
                state.filter_stale = true;
                cancel_lookup(state);
            }
        }
    }
    Vec::new()
}

/// Asks the shop API for an order the store does not have (or says why it
/// cannot).
fn look_up(state: &mut State, id: String) -> Vec<Effect> {
    state.dirty = true;
    if !state.live.enabled {
        state.notice = Some(
            state
                .say(
                    "存储中没有该订单，且未配置店铺 API 凭据",
                    "not in the store, and no shop API credentials are configured",
                )
                .into(),
        );
        return Vec::new();
    }
    state.live.lookup_generation += 1;
    let generation = state.live.lookup_generation;
    state.live.lookup = Some((generation, id.clone()));
    state.notice = Some(format!("{} {id}…", state.say("正在查询订单", "looking up order")));
    vec![Effect::LookUp { generation, order_id: id }]
}

/// The command line: typing, Tab completion, ↑ ↓ history; Enter runs it.
fn prompt_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    use super::prompt;
    state.dirty = true;
    let Some(text) = state.prompt.as_mut() else { return Vec::new() };
    match key.code {
        KeyCode::Esc => state.prompt = None,
        KeyCode::Enter => {
            let line = state.prompt.take().unwrap_or_default();
            state.prompt_recall = None;
            prompt::remember(&mut state.prompt_history, &line);
            return match prompt::parse(&line) {
                Ok(command) => run_command(state, command),
                Err(e) => {
                    state.notice = Some(e);
                    Vec::new()
                }
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
                None => state.dirty = false,
            }
        }
        KeyCode::Up | KeyCode::Down => {
            let n = state.prompt_history.len();
            if n == 0 {
                return Vec::new();
            }
            let at = match (key.code, state.prompt_recall) {
                (KeyCode::Up, None) => n - 1,
                (KeyCode::Up, Some(i)) => i.saturating_sub(1),
                (_, None) => return Vec::new(),
                (_, Some(i)) if i + 1 >= n => {
                    state.prompt_recall = None;
                    state.prompt = Some(String::new());
                    return Vec::new();
                }
                (_, Some(i)) => i + 1,
            };
            state.prompt_recall = Some(at);
            state.prompt = Some(state.prompt_history[at].clone());
        }
        KeyCode::Char(c) if text.chars().count() < MAX_INPUT => text.push(c),
        _ => state.dirty = false,
    }
    Vec::new()
}

/// Carries out a command-line command.
fn run_command(state: &mut State, command: super::prompt::Command) -> Vec<Effect> {
    use super::prompt::Command;
    match command {
        Command::Order(id) => {
            if state.orders.iter().any(|r| r.order_id == id) {
                go_to_order(state, &id);
                Vec::new()
            } else {
                look_up(state, id)
            }
        }
        Command::Compare(a, b) => {
            let Some(a) = a.or_else(|| state.selected_id().map(str::to_string)) else {
                state.notice = Some(state.say("没有选中的订单", "no order selected").into());
                return Vec::new();
            };
            if a == b {
                state.notice = Some(state.say("对比需要两个不同的订单", "compare needs two different orders").into());
                return Vec::new();
            }
            state.close_overlays();
            state.push_overlay(Overlay::Compare(CompareView { a: a.clone(), b: b.clone(), result: None, scroll: 0 }));
            vec![Effect::LoadComparison { a, b, now: state.now }]
        }
        Command::Report => match state.shown_detail().map(|d| d.order_id.clone()) {
            Some(id) => ask_report(state, id, None, Action::CopyReport),
            None => {
                state.notice = Some(state.say("没有选中的订单", "no order selected").into());
                Vec::new()
            }
        },
        Command::Push(secs) => {
            state.close_overlays();
            let view = super::pushes::PushStream::new(secs.max(1));
            let since = state.now - view.window;
            state.push_overlay(Overlay::Pushes(view));
            vec![Effect::LoadPushes { since }]
        }
        Command::Expiring => {
            state.close_overlays();
            main_action(state, Action::ShowExpiring)
        }
        Command::Help => {
            state.open_help();
            Vec::new()
        }
        Command::Quit => {
            state.quit = true;
            Vec::new()
        }
    }
}

/// The user changed what they were looking for: an answer to the old lookup
/// must not move the selection.
fn cancel_lookup(state: &mut State) {
    if state.live.lookup.take().is_some() {
        state.live.lookup_generation += 1;
    }
}

fn move_selection(state: &mut State, delta: isize) {
    if state.visible.is_empty() {
        return;
    }
    let last = state.visible.len() as isize - 1;
    let next = (state.selected as isize).saturating_add(delta).clamp(0, last) as usize;
    if next != state.selected {
        state.selected = next;
        state.anchor = state.selected_id().map(str::to_string);
        state.keep_selection_in_view();
        state.dirty = true;
    }
}

fn main_action(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.page.max(1) as isize;
    let rows = state.shown_detail().map(|d| d.rows.len()).unwrap_or(0);
    let n_msgs = state.shown_detail().map(|d| d.messages.len()).unwrap_or(0);
    let before = screen_key(state);
    match (action, state.focus) {
        (Action::Quit, _) => state.quit = true,
        (Action::Help, _) => {
            state.open_help();
        }
        (Action::PrevOrder, _) => {
            let Some(id) = state.previous_order.clone() else {
                state.notice = Some(state.say("还没有上一个订单", "no previous order yet").into());
                return Vec::new();
            };
            go_to_order(state, &id);
        }
        (Action::Prompt, _) => {
            state.prompt = Some(String::new());
            state.prompt_recall = None;
            state.dirty = true;
        }
        (Action::ShowPushes, _) => {
            let view = super::pushes::PushStream::new(super::pushes::WINDOWS[1]);
            let since = state.now - view.window;
            state.push_overlay(Overlay::Pushes(view));
            return vec![Effect::LoadPushes { since }];
        }
        (Action::ShowExpiring, _) => {
            let within = super::state::EXPIRING_WITHIN;
            state.push_overlay(Overlay::Expiring(ExpiringView { within, list: None, selected: 0 }));
            state.dirty = true;
            return vec![Effect::LoadExpiring { now: state.now, within }];
        }
        (Action::ShowTimeline, _) if state.shown_detail().is_some() => {
            // Where it was when last closed, for the same order.
            let view = match state.timeline_at.take() {
                Some((id, view)) if state.selected_id() == Some(id.as_str()) => view,
                _ => TimelineView::default(),
            };
            state.push_overlay(Overlay::Timeline(view));
        }
        (Action::Mark, _) => {
            let Some(id) = state.selected_id().map(str::to_string) else { return Vec::new() };
            if state.marked.as_deref() == Some(id.as_str()) {
                state.marked = None;
                state.notice = Some(state.say("已取消标记", "mark cleared").into());
            } else {
                state.notice = Some(format!(
                    "{} {id}{}",
                    state.say("已标记", "marked"),
                    state.say("；选择另一个订单后按 c 对比", "; select another order and press c to compare")
                ));
                state.marked = Some(id);
            }
            state.dirty = true;
        }
        (Action::Compare, _) => {
            let selected = state.selected_id().map(str::to_string);
            match (state.marked.clone(), selected) {
                (Some(a), Some(b)) if a != b => {
                    state.push_overlay(Overlay::Compare(CompareView {
                        a: a.clone(),
                        b: b.clone(),
                        result: None,
                        scroll: 0,
                    }));
                    state.dirty = true;
                    return vec![Effect::LoadComparison { a, b, now: state.now }];
                }
                (Some(_), _) => {
                    state.notice = Some(
                        state
                            .say("请选择另一个订单再按 c", "select another order than the marked one, then press c")
                            .into(),
                    )
                }
                (None, _) => state.notice = Some(state.say("先用 m 标记一个订单", "mark an order with m first").into()),
            }
        }
        (Action::Filter, _) => {
            state.filtering = true;
            state.focus = Pane::List;
        }
        (Action::Back, _) if !state.filter_text().is_empty() => {
            return filter_key(state, KeyEvent::from(KeyCode::Esc));
        }
        (Action::NextPane, _) => {
            state.focus = match state.focus {
                Pane::List => Pane::Compare,
                Pane::Compare => Pane::Messages,
                Pane::Messages => Pane::List,
            };
        }
        (Action::PrevPane, _) => {
            state.focus = match state.focus {
                Pane::List => Pane::Messages,
                Pane::Compare => Pane::List,
                Pane::Messages => Pane::Compare,
            };
        }
        (Action::Reload, _) => {
            let Some(id) = state.selected_id().map(str::to_string) else { return Vec::new() };
            let mut effects = vec![Effect::LoadDetail { order_id: id.clone() }];
            if state.live.enabled {
                if state.live.in_flight.is_none() {
                    state.live.in_flight = Some((state.live.generation, id.clone()));
                    effects.push(Effect::Fetch { generation: state.live.generation, order_id: id });
                }
            } else {
                state.notice = Some(state.say("已重新读取存储", "reloaded from the store").into());
            }
            return effects;
        }
        (Action::RefreshList, _) => {
            if state.live.enabled {
                if state.live.listing.is_none() {
                    state.live.listing = Some((0, 0));
                    return vec![Effect::RefreshList];
                }
            } else {
                state.notice = Some(state.say("未配置店铺 API 凭据", "no shop API credentials configured").into());
            }
        }
        (Action::CopyId, _) => {
            if let Some(id) = state.selected_id().map(str::to_string) {
                state.notice = Some(format!("{} {id}", state.say("已复制订单号", "copied order id")));
                state.dirty = true;
                return vec![Effect::Copy(id)];
            }
        }
        (Action::CopyNumber, _) => match state.shown_detail().and_then(|d| d.vnum.number.clone()) {
            Some(n) => {
                state.notice = Some(format!("{} {n}", state.say("已复制虚拟号", "copied virtual number")));
                state.dirty = true;
                return vec![Effect::Copy(n)];
            }
            None => state.notice = Some(state.say("该订单没有虚拟号", "this order has no virtual number").into()),
        },
        (Action::Open, pane) => {
            open_raw_at(state, pane, None);
        }
        (Action::Up, Pane::List) => move_selection(state, -1),
        (Action::Down, Pane::List) => move_selection(state, 1),
        (Action::PageUp, Pane::List) => move_selection(state, -page),
        (Action::PageDown, Pane::List) => move_selection(state, page),
        (Action::Home, Pane::List) => move_selection(state, isize::MIN / 2),
        (Action::End, Pane::List) => move_selection(state, isize::MAX / 2),
        (Action::Up, Pane::Compare) => state.compare_scroll = state.compare_scroll.saturating_sub(1),
        (Action::Down, Pane::Compare) => state.compare_scroll = (state.compare_scroll + 1).min(rows.saturating_sub(1)),
        (Action::PageUp, Pane::Compare) => state.compare_scroll = state.compare_scroll.saturating_sub(page as usize),
        (Action::PageDown, Pane::Compare) => {
            state.compare_scroll = (state.compare_scroll + page as usize).min(rows.saturating_sub(1))
        }
        (Action::Home, Pane::Compare) => state.compare_scroll = 0,
        (Action::End, Pane::Compare) => state.compare_scroll = rows.saturating_sub(1),
        (Action::Left, Pane::Compare) => state.side = Side::Before,
        (Action::Right, Pane::Compare) => state.side = Side::After,
        (Action::Up, Pane::Messages) => state.message_selected = state.message_selected.saturating_sub(1),
        (Action::Down, Pane::Messages) => {
            state.message_selected = (state.message_selected + 1).min(n_msgs.saturating_sub(1))
        }
        (Action::PageUp, Pane::Messages) => {
            state.message_selected = state.message_selected.saturating_sub(page as usize)
        }
        (Action::PageDown, Pane::Messages) => {
            state.message_selected = (state.message_selected + page as usize).min(n_msgs.saturating_sub(1))
        }
        (Action::Home, Pane::Messages) => state.message_selected = 0,
        (Action::End, Pane::Messages) => state.message_selected = n_msgs.saturating_sub(1),
        _ => {}
    }
    state.dirty |= screen_key(state) != before;
    Vec::new()
}

/// What a main-screen key can change on screen; a key that changes none of
/// it (an unbound key, scrolling past the end) draws nothing.
fn screen_key(state: &State) -> (usize, usize, Pane, Side, usize, usize, bool, bool, bool) {
    (
        state.selected,
        state.list_offset,
        state.focus,
        state.side,
        state.compare_scroll,
        state.message_selected,
        state.overlay.is_some(),
        state.filtering,
        state.notice.is_some(),
    )
}

fn timeline_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let page = state.page.max(1);
    let (n, n_expl) = state
        .shown_detail()
        .and_then(|d| d.story.as_ref())
        .map(|s| (s.entries.len(), s.explanation.len()))
        .unwrap_or((0, 0));
    let Some(Overlay::Timeline(view)) = &mut state.overlay else { return Vec::new() };
    let before = (view.selected, view.focus, view.explanation_scroll);
    let last = n.saturating_sub(1);
    let action = action_for(Context::Timeline, key);
    match (action, view.focus) {
        (Some(Action::NextPane) | Some(Action::PrevPane), focus) => {
            view.focus = match focus {
                TimelineFocus::Entries => TimelineFocus::Explanation,
                TimelineFocus::Explanation => TimelineFocus::Entries,
            }
        }
        (Some(Action::Up), TimelineFocus::Entries) => view.selected = view.selected.saturating_sub(1),
        (Some(Action::Down), TimelineFocus::Entries) => view.selected = (view.selected + 1).min(last),
        (Some(Action::PageUp), TimelineFocus::Entries) => view.selected = view.selected.saturating_sub(page),
        (Some(Action::PageDown), TimelineFocus::Entries) => view.selected = (view.selected + page).min(last),
        // The explanation scrolls by line; the view clamps to what it wrapped.
        (Some(Action::Up), TimelineFocus::Explanation) => {
            view.explanation_scroll = view.explanation_scroll.saturating_sub(1)
        }
        (Some(Action::Down), TimelineFocus::Explanation) => {
            view.explanation_scroll = (view.explanation_scroll + 1).min(n_expl * 8)
        }
        (Some(Action::PageUp), TimelineFocus::Explanation) => {
            view.explanation_scroll = view.explanation_scroll.saturating_sub(page)
        }
        (Some(Action::PageDown), TimelineFocus::Explanation) => {
            view.explanation_scroll = (view.explanation_scroll + page).min(n_expl * 8)
        }
        (Some(Action::Open), _) => {
            let reference = state
                .shown_detail()
                .and_then(|d| d.story.as_ref())
                .and_then(|s| s.entries.get(before.0))
                .and_then(|e| e.reference);
            open_reference(state, reference);
            state.dirty = true;
            return Vec::new();
        }
        (Some(action @ (Action::CopyReport | Action::ExportReport)), _) => {
            let Some(order_id) = state.shown_detail().map(|d| d.order_id.clone()) else { return Vec::new() };
            return ask_report(state, order_id, None, action);
        }
        (Some(Action::Help), _) => state.open_help(),
        (Some(Action::Back), _) => state.back(),
        (Some(Action::Quit), _) => state.quit = true,
        _ => {}
    }
    let after = match &state.overlay {
        Some(Overlay::Timeline(v)) => Some((v.selected, v.focus, v.explanation_scroll)),
        _ => None,
    };
    state.dirty |= after != Some(before);
    Vec::new()
}

fn compare_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let page = state.page.max(1);
    state.dirty = true;
    let Some(Overlay::Compare(view)) = &mut state.overlay else { return Vec::new() };
    match action_for(Context::Comparison, key) {
        Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
        // The view clamps the scroll to what it wrapped.
        Some(Action::Down) => view.scroll = (view.scroll + 1).min(10_000),
        Some(Action::PageUp) => view.scroll = view.scroll.saturating_sub(page),
        Some(Action::PageDown) => view.scroll = (view.scroll + page).min(10_000),
        Some(action @ (Action::CopyReport | Action::ExportReport)) => {
            let (a, b) = (view.a.clone(), view.b.clone());
            return ask_report(state, a, Some(b), action);
        }
        Some(Action::Swap) => {
            std::mem::swap(&mut view.a, &mut view.b);
            view.result = None;
            view.scroll = 0;
            return vec![Effect::LoadComparison { a: view.a.clone(), b: view.b.clone(), now: state.now }];
        }
        Some(Action::Help) => state.open_help(),
        Some(Action::Back) => state.back(),
        Some(Action::Quit) => state.quit = true,
        _ => state.dirty = false,
    }
    Vec::new()
}

/// The push stream's keys; Enter goes to the push's order.
fn pushes_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    use super::pushes::Outcome;
    let page = state.page.max(1);
    let Some(Overlay::Pushes(view)) = &mut state.overlay else { return Vec::new() };
    match view.key(key, page) {
        Outcome::Nothing => {}
        Outcome::Redraw => state.dirty = true,
        Outcome::Reload => {
            state.dirty = true;
            return vec![Effect::LoadPushes { since: state.now - view.window }];
        }
        Outcome::Open(id) => go_to_order(state, &id),
        Outcome::Back => state.back(),
        Outcome::Help => state.open_help(),
        Outcome::Quit => state.quit = true,
    }
    Vec::new()
}

/// Closes every overlay and selects `id`, clearing a filter that hides it.
fn go_to_order(state: &mut State, id: &str) {
    state.close_overlays();
    if state.position_of(id).is_none() && !state.filter_text().is_empty() {
        state.filter = new_filter(state.lang);
        state.apply_filter();
    }
    if !state.select_order(id) {
        state.notice = Some(format!("{} {id}", state.say("列表中没有订单", "not in the list:")));
    }
    state.dirty = true;
}

/// The expiring list: move, Enter goes to the order (the filter is
/// cleared when it hides it), Esc goes back.
fn expiring_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let page = state.page.max(1);
    let Some(Overlay::Expiring(view)) = &mut state.overlay else { return Vec::new() };
    let len = view.list.as_ref().and_then(|l| l.as_ref().ok()).map_or(0, Vec::len);
    match action_for(Context::Expiring, key) {
        Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
            move_by(&mut view.selected, a, page, len.saturating_sub(1));
        }
        Some(Action::Open) => {
            let Some(id) = view.list.as_ref().and_then(|l| l.as_ref().ok()).and_then(|l| l.get(view.selected)) else {
                return Vec::new();
            };
            let id = id.order_id.clone();
            go_to_order(state, &id);
        }
        Some(Action::Help) => state.open_help(),
        Some(Action::Back) => state.back(),
        Some(Action::Quit) => state.quit = true,
        _ => return Vec::new(),
    }
    state.dirty = true;
    Vec::new()
}

/// Help scrolls (the view clamps to what fits); Esc, `q` and `?` close it
/// and bring back what it was opened over, where it was.
fn help_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let page = state.page.max(1);
    let Some(Overlay::Help(view)) = &mut state.overlay else { return Vec::new() };
    let last = super::keys::help_height();
    let before = view.scroll;
    match action_for(Context::HelpPage, key) {
        Some(a) if move_by(&mut view.scroll, a, page, last) => {}
        Some(Action::Back) => state.back(),
        Some(Action::Quit) => state.quit = true,
        _ => {}
    }
    if let Some(Overlay::Help(view)) = &state.overlay {
        state.dirty |= view.scroll != before;
    }
    Vec::new()
}

/// Asks for the report of `order_id` (and its comparison with `other`), to
/// be copied or written; says so until it is ready.
fn ask_report(state: &mut State, order_id: String, other: Option<String>, action: Action) -> Vec<Effect> {
    let to = if action == Action::ExportReport { Destination::File } else { Destination::Clipboard };
    state.notice = Some(state.say("正在生成报告…", "building the report…").into());
    state.dirty = true;
    vec![Effect::Report { order_id, other, to, now: state.now }]
}

/// A report is ready: copied (unless too long for a terminal to take) or
/// written, and the notice says what, how long, and where.
fn on_report(state: &mut State, order_id: &str, other: Option<&str>, result: Result<Exported, String>) -> Vec<Effect> {
    state.dirty = true;
    let what = match (state.lang, other) {
        (Lang::Zh, None) => format!("订单 {order_id} 的报告"),
        (Lang::Zh, Some(b)) => format!("订单 {order_id} 与 {b} 的对比报告"),
        (Lang::En, None) => format!("the report of order {order_id}"),
        (Lang::En, Some(b)) => format!("the comparison report of orders {order_id} and {b}"),
    };
    match result {
        Ok(Exported::Text(text)) if text.len() > MAX_COPY => {
            let kib = text.len().div_ceil(1024);
            state.notice = Some(match state.lang {
                Lang::Zh => format!("{what}有 {kib} KiB，超出终端剪贴板可接收的长度；按 e 写入文件"),
                Lang::En => format!(
                    "{what} is {kib} KiB, more than a terminal's clipboard takes; press e to write it to a file"
                ),
            });
            Vec::new()
        }
        Ok(Exported::Text(text)) => {
            let lines = text.lines().count();
            state.notice = Some(match state.lang {
                Lang::Zh => format!("已复制{what}（Markdown，{lines} 行）"),
                Lang::En => format!("copied {what} (Markdown, {lines} lines)"),
            });
            vec![Effect::Copy(text)]
        }
        Ok(Exported::File { path, lines }) => {
            state.notice = Some(match state.lang {
                Lang::Zh => format!("{what}已写入 {path}（{lines} 行）"),
                Lang::En => format!("wrote {what} to {path} ({lines} lines)"),
            });
            Vec::new()
        }
        Err(e) => {
            state.notice = Some(format!("{}{e}", state.say("无法生成报告：", "cannot build the report: ")));
            Vec::new()
        }
    }
}

/// Opens the raw JSON of a timeline entry's snapshot or push.
fn open_reference(state: &mut State, reference: Option<Ref>) {
    let Some(d) = state.shown_detail() else { return };
    match reference {
        Some(Ref::Snapshot(id)) => {
            if let Some(i) = d.versions.iter().position(|v| v.snapshot_id == id) {
                open_raw_at(state, Pane::Compare, Some(i));
            }
        }
        Some(Ref::Message(id)) => {
            if let Some(i) = d.messages.iter().position(|m| m.id == id) {
                state.message_selected = i;
                open_raw_at(state, Pane::Messages, None);
            }
        }
        Some(Ref::Inbox(_)) => {
            state.notice = Some(
                state
                    .say(
                        "这条推送已存储，接收器尚未处理；处理后即可打开（通常在一秒内）",
                        "this push is stored and not yet processed by the receiver; it opens once processed (usually within a second)",
                    )
                    .into(),
            );
        }
        Some(Ref::Note(_)) => {
            state.notice = Some(
                state
                    .say("报告条目是人记录的（orderscope note），没有原始 JSON", "a reported note has no raw JSON")
                    .into(),
            );
        }
        None => {
            state.notice = Some(state.say("推断条目没有原始 JSON", "inferred entries have no raw JSON").into());
        }
    }
}

fn open_raw_at(state: &mut State, pane: Pane, version: Option<usize>) {
    let lang = state.lang;
    let say = |zh: &'static str, en: &'static str| lang.text(zh, en);
    let Some(d) = state.shown_detail() else { return };
    let view = if pane == Pane::Messages {
        if d.messages.is_empty() {
            return;
        }
        let titles = d
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                format!(
                    "{} {}/{} · {} · {}",
                    say("推送", "push"),
                    i + 1,
                    d.messages.len(),
                    crate::timefmt::full(m.received_at),
                    m.event.as_deref().unwrap_or("?")
                )
            })
            .collect();
        let docs = d.messages.iter().map(|m| m.payload().to_string()).collect();
        RawView::new(titles, docs, state.message_selected.min(d.messages.len() - 1))
    } else {
        if d.versions.is_empty() {
            return;
        }
        let wanted = match (pane, state.side) {
            (Pane::Compare, Side::Before) => d.pair.before.as_ref(),
            _ => d.pair.after.as_ref().or(d.pair.before.as_ref()),
        };
        let index = version
            .or_else(|| wanted.and_then(|w| d.versions.iter().position(|v| v.snapshot_id == w.snapshot_id)))
            .unwrap_or(d.versions.len() - 1);
        let titles = d
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "{} {}/{} · {} {}",
                    say("版本", "version"),
                    i + 1,
                    d.versions.len(),
                    say("获取于", "fetched"),
                    crate::timefmt::full(v.fetched_at)
                )
            })
            .collect();
        let docs = d.versions.iter().map(|v| v.order.raw.to_string()).collect();
        RawView::new(titles, docs, index)
    };
    state.push_overlay(Overlay::Raw(Box::new(view)));
}

fn raw_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let page = state.page.max(1);
    let lang = state.lang;
    state.dirty = true;
    let Some(Overlay::Raw(view)) = &mut state.overlay else { return Vec::new() };
    if let Some(search) = &mut view.search {
        match key.code {
            KeyCode::Enter => {
                view.query = search.lines().join(" ");
                view.search = None;
                view.find();
                if view.matches.is_empty() && !view.query.is_empty() {
                    state.notice = Some(match lang {
                        Lang::Zh => format!("未找到 {}", view.query),
                        Lang::En => format!("no match for {}", view.query),
                    });
                }
            }
            KeyCode::Esc => view.search = None,
            KeyCode::Char(_) if search.lines().join(" ").chars().count() >= MAX_INPUT => {}
            _ => {
                search.input(key);
            }
        }
        return Vec::new();
    }
    let last = view.lines.len().saturating_sub(1);
    match action_for(Context::Raw, key) {
        Some(a) if move_by(&mut view.scroll, a, page, last) => {}
        Some(Action::PrevDocument) => view.show(view.index.saturating_sub(1)),
        Some(Action::NextDocument) => view.show(view.index + 1),
        Some(Action::Search) => view.search = Some(tui_textarea::TextArea::default()),
        Some(Action::NextMatch) => view.step_match(true),
        Some(Action::PrevMatch) => view.step_match(false),
        Some(Action::CopyRaw) => {
            let raw = view.raw().to_string();
            state.notice = Some(lang.text("已复制 JSON", "copied JSON").into());
            return vec![Effect::Copy(raw)];
        }
        Some(Action::Help) => state.open_help(),
        Some(Action::Back) => state.back(),
        Some(Action::Quit) => state.quit = true,
        None => state.dirty = false,
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    //! The update function on its own: no terminal, no store, no clock.
    use super::*;
    use crossterm::event::KeyCode;

    fn row(id: &str, activity: i64) -> OrderRow {
        OrderRow {
            order_id: id.into(),
            status: Some(20),
            update_time: Some(activity),
            use_tel_number: Some(0),
            vnum: None,
            vnum_expire: None,
            snapshots: 1,
            messages: 0,
            type5: false,
            last_activity: activity,
            search: String::new(),
        }
    }

    fn detail(id: &str) -> Detail {
        Detail { order_id: id.into(), ..Detail::default() }
    }

    /// A live inspector with three orders listed, the first selected and shown.
    fn state() -> State {
        let mut s = State::new("t".into(), Lang::En, 1_000);
        s.live.enabled = true;
        let rows = vec![row("300", 30), row("200", 20), row("100", 10)];
        let effects = update(&mut s, Msg::ListLoaded { rows, complete: true, quarantined: 0 });
        assert!(effects.contains(&Effect::LoadDetail { order_id: "300".into() }));
        update(&mut s, Msg::DetailLoaded { order_id: "300".into(), detail: Ok(Box::new(detail("300"))) });
        s
    }

    fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
        let mut e = update(s, Msg::Key(KeyEvent::from(code)));
        e.extend(update(s, Msg::InputDrained));
        e
    }

    fn debounce_of(effects: &[Effect]) -> Option<u64> {
        effects.iter().find_map(|e| match e {
            Effect::After { delay, msg: DelayedMsg::DebounceElapsed { generation } } if *delay == DEBOUNCE => {
                Some(*generation)
            }
            _ => None,
        })
    }

    /// The store goes away, the selection moves and its detail cannot be
    /// read: the failure is kept for that order (the pane says so instead of
    /// "loading…"), and once the store answers again the detail is asked
    /// for without the selection moving.
    #[test]
    fn a_detail_that_failed_during_an_outage_is_read_again_when_the_store_answers() {
        let mut s = state();
        update(&mut s, Msg::StoreProblem(Some("lost the connection".into())));
        key(&mut s, KeyCode::Down);
        assert_eq!(s.loading.as_deref(), Some("200"));
        update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Err("lost the connection".into()) });
        assert_eq!(s.loading, None);
        assert_eq!(s.detail_error, Some(("200".into(), "lost the connection".into())));
        // Still away: nothing asked again.
        assert!(update(&mut s, Msg::StoreProblem(Some("still lost".into()))).is_empty());
        let effects = update(&mut s, Msg::StoreProblem(None));
        assert_eq!(effects, vec![Effect::LoadDetail { order_id: "200".into() }]);
        assert_eq!(s.loading.as_deref(), Some("200"));
        update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Ok(Box::new(detail("200"))) });
        assert_eq!((s.detail_error.as_ref(), s.shown_detail().map(|d| d.order_id.as_str())), (None, Some("200")));
        // A recovery with the detail on screen reads it again and keeps it shown meanwhile.
        update(&mut s, Msg::StoreProblem(Some("lost".into())));
        assert_eq!(update(&mut s, Msg::StoreProblem(None)), vec![Effect::LoadDetail { order_id: "200".into() }]);
        assert_eq!((s.loading.as_ref(), s.shown_detail().map(|d| d.order_id.as_str())), (None, Some("200")));
        // A problem that goes on asks for nothing.
        assert!(update(&mut s, Msg::StoreProblem(Some("lost".into()))).is_empty());
        assert!(update(&mut s, Msg::StoreProblem(Some("lost again".into()))).is_empty());
    }

    #[test]
    fn a_held_key_fetches_only_where_the_selection_rests() {
        let mut s = state();
        // Two keys in one batch: one detail load, for where the selection ended.
        update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Down)));
        update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Down)));
        let effects = update(&mut s, Msg::InputDrained);
        assert_eq!(s.selected_id(), Some("100"));
        let loads: Vec<_> = effects.iter().filter(|e| matches!(e, Effect::LoadDetail { .. })).collect();
        assert_eq!(loads, vec![&Effect::LoadDetail { order_id: "100".into() }]);
        let first = debounce_of(&effects).expect("a pause before fetching");
        // The selection moves again before the pause ends: the old timer fetches nothing.
        let effects = key(&mut s, KeyCode::Up);
        let second = debounce_of(&effects).unwrap();
        assert_ne!(first, second);
        assert!(update(&mut s, Msg::DebounceElapsed { generation: first }).is_empty());
        assert_eq!(
            update(&mut s, Msg::DebounceElapsed { generation: second }),
            vec![Effect::Fetch { generation: second, order_id: "200".into() }]
        );
        // Moving on while that fetch is in flight cancels it.
        assert!(key(&mut s, KeyCode::Down).contains(&Effect::CancelFetch));
    }

    #[test]
    fn the_newest_selection_wins_and_a_stale_answer_is_kept_but_not_shown() {
        let mut s = state();
        let g = debounce_of(&key(&mut s, KeyCode::Down)).unwrap();
        update(&mut s, Msg::DebounceElapsed { generation: g });
        // The user moves on; the answer for "200" arrives afterwards.
        key(&mut s, KeyCode::Down);
        assert_eq!(s.selected_id(), Some("100"));
        let order = Order::from_order(serde_json::json!({"order_id": "200", "status": 30})).unwrap();
        let effects = update(&mut s, Msg::FetchAnswered { generation: g, order_id: "200".into(), result: Ok(order) });
        // The version is still stored...
        assert!(matches!(&effects[..], [Effect::StoreVersion { purpose: Purpose::Fetch(x), .. }] if *x == g));
        s.dirty = false;
        let effects = update(
            &mut s,
            Msg::VersionStored { purpose: Purpose::Fetch(g), order_id: "200".into(), result: Ok(true), at: 1_001 },
        );
        // ...but nothing on screen changes for it.
        assert!(effects.is_empty());
        assert!(!s.dirty);
        assert!(!s.live.fetched_at.contains_key("200"));
        // The current order's answer is shown and re-read, without a new fetch.
        let g2 = s.live.generation;
        let effects = update(
            &mut s,
            Msg::VersionStored { purpose: Purpose::Fetch(g2), order_id: "100".into(), result: Ok(true), at: 1_002 },
        );
        assert_eq!(effects, vec![Effect::LoadDetail { order_id: "100".into() }]);
        assert_eq!(s.live.fetched_at.get("100"), Some(&1_002));
        assert_eq!(s.live.generation, g2);
    }

    #[test]
    fn a_lookup_answer_after_the_user_moved_on_does_not_move_the_selection() {
        let mut s = state();
        key(&mut s, KeyCode::Char('/'));
        for c in "3732679488426088960".chars() {
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))));
        }
        update(&mut s, Msg::InputDrained);
        let effects = key(&mut s, KeyCode::Enter);
        let Some(Effect::LookUp { generation, order_id }) = effects.first().cloned() else { panic!("{effects:?}") };
        assert_eq!(order_id, "3732679488426088960");
        // The user gives up and goes back to the list before the answer.
        key(&mut s, KeyCode::Esc);
        key(&mut s, KeyCode::Down);
        assert_eq!(s.selected_id(), Some("200"));
        let order = Order::from_order(serde_json::json!({"order_id": order_id, "status": 20})).unwrap();
        let effects = update(&mut s, Msg::LookUpAnswered { generation, order_id: order_id.clone(), result: Ok(order) });
        assert_eq!(effects.len(), 1, "still stored: {effects:?}");
        // The feed brings the row into the list; the stored answer moves nothing.
        let mut b = row(&order_id, 99);
        b.status = Some(20);
        update(
            &mut s,
            Msg::StoreChanged { list: None, changes: Changes { rows: vec![b], pushes: vec![], quarantined: 0 } },
        );
        update(
            &mut s,
            Msg::VersionStored { purpose: Purpose::LookUp(generation), order_id, result: Ok(true), at: 1_003 },
        );
        assert_eq!(s.selected_id(), Some("200"));
        assert!(s.notice.is_none(), "{:?}", s.notice);
    }

    #[test]
    fn a_current_lookup_selects_the_order_and_clears_its_status() {
        let mut s = state();
        key(&mut s, KeyCode::Char('/'));
        for c in "3732679488426088960".chars() {
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))));
        }
        let effects = key(&mut s, KeyCode::Enter);
        let Some(Effect::LookUp { generation, order_id }) = effects.first().cloned() else { panic!("{effects:?}") };
        assert!(s.notice.as_deref().unwrap().contains("looking up"));
        let mut effects = update(
            &mut s,
            Msg::StoreChanged {
                list: None,
                changes: Changes { rows: vec![row(&order_id, 99)], pushes: vec![], quarantined: 0 },
            },
        );
        effects.extend(update(
            &mut s,
            Msg::VersionStored {
                purpose: Purpose::LookUp(generation),
                order_id: order_id.clone(),
                result: Ok(true),
                at: 5,
            },
        ));
        assert_eq!(s.selected_id(), Some(order_id.as_str()));
        assert!(effects.contains(&Effect::LoadDetail { order_id: order_id.clone() }));
        assert!(s.notice.as_deref().unwrap().contains("found order"));
        assert!(s.filter_text().is_empty());
    }

    #[test]
    fn a_change_for_the_order_on_screen_is_read_again_and_marked() {
        let mut s = state();
        key(&mut s, KeyCode::Down);
        update(&mut s, Msg::DetailLoaded { order_id: "200".into(), detail: Ok(Box::new(detail("200"))) });
        s.dirty = false;
        let mut changed = row("200", 50);
        changed.messages = 1;
        changed.type5 = true;
        let effects = update(
            &mut s,
            Msg::StoreChanged {
                list: None,
                changes: Changes { rows: vec![changed], pushes: vec![(77, Some("200".into()))], quarantined: 0 },
            },
        );
        assert!(s.dirty);
        assert_eq!(effects, vec![Effect::LoadDetail { order_id: "200".into() }]);
        // Newest activity first: the order moved to the top and stays selected.
        assert_eq!(s.orders[0].order_id, "200");
        assert_eq!(s.selected_id(), Some("200"));
        assert!(s.orders[0].type5);
        assert_eq!(s.pushes_since_start, 1);
        assert!(s.is_fresh(77));
        // The mark runs out with the clock.
        update(&mut s, Msg::Tick { now: 1_000 + FRESH_SECS + 1 });
        assert!(!s.is_fresh(77));
    }

    #[test]
    fn a_change_for_another_order_keeps_the_selection_and_its_row() {
        let mut s = state();
        s.page = 2;
        key(&mut s, KeyCode::Down);
        key(&mut s, KeyCode::Down);
        assert_eq!(s.selected_id(), Some("100"));
        let row_on_screen = s.selected - s.list_offset;
        let new_rows = vec![row("400", 40), row("500", 50)];
        let effects = update(
            &mut s,
            Msg::StoreChanged {
                list: None,
                changes: Changes { rows: new_rows, pushes: vec![(1, Some("400".into())), (2, None)], quarantined: 1 },
            },
        );
        assert!(!effects.iter().any(|e| matches!(e, Effect::LoadDetail { .. })), "{effects:?}");
        let ids: Vec<&str> = s.orders.iter().map(|r| r.order_id.as_str()).collect();
        assert_eq!(ids, ["500", "400", "300", "200", "100"]);
        assert_eq!(s.selected_id(), Some("100"));
        assert_eq!(s.selected - s.list_offset, row_on_screen, "the selected row stays where it was on screen");
        assert_eq!(s.pushes_since_start, 2);
        assert_eq!(s.quarantined, 1);
        assert!(s.fresh.is_empty(), "pushes for other orders are not marked on this one");
    }

    #[test]
    fn a_paste_goes_into_the_filter_as_one_event_cut_to_length() {
        let mut s = state();
        let long: String = "3".repeat(10_000);
        update(&mut s, Msg::Paste(long));
        assert!(s.filtering);
        assert_eq!(s.filter_text().len(), MAX_INPUT);
        assert!(s.notice.as_deref().unwrap().contains("cut"));
        assert!(s.filter_stale, "filtering waits for the end of the batch");
        update(&mut s, Msg::InputDrained);
        assert!(s.visible.is_empty());
        // Escape right after is read and clears it.
        key(&mut s, KeyCode::Esc);
        assert!(!s.filtering);
        assert_eq!(s.visible.len(), 3);
    }

    #[test]
    fn an_unbound_key_draws_nothing_and_the_tick_draws_only_what_moves() {
        let mut s = state();
        s.dirty = false;
        key(&mut s, KeyCode::Char('z'));
        assert!(!s.dirty);
        // No countdown, nothing fetched, nothing fresh: the tick draws nothing.
        update(&mut s, Msg::Tick { now: 1_001 });
        assert!(!s.dirty);
        // A number counting down on screen: every tick redraws.
        let mut d = detail("300");
        d.vnum.expire_time = Some(5_000);
        update(&mut s, Msg::DetailLoaded { order_id: "300".into(), detail: Ok(Box::new(d)) });
        s.dirty = false;
        update(&mut s, Msg::Tick { now: 1_002 });
        assert!(s.dirty);
        // Long expired ("330 d ago"): a tick that does not change the text draws nothing.
        let mut d = detail("300");
        d.vnum.expire_time = Some(1_002 - 40 * 86_400);
        update(&mut s, Msg::DetailLoaded { order_id: "300".into(), detail: Ok(Box::new(d)) });
        s.dirty = false;
        update(&mut s, Msg::Tick { now: 1_003 });
        assert!(!s.dirty);
    }
}

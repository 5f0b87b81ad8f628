//! The inspector's whole state: plain data, changed only by `update`.

use std::collections::HashMap;
use std::sync::Arc;

use tui_textarea::TextArea;

use super::detail::Detail;
use super::raw::RawView;
use crate::model::VnumState;
use crate::model::names::Lang;
use crate::model::vnum::state_of;
use crate::store::OrderRow;
use crate::store::ReceiverStatus;
use crate::store::StoreError;
use crate::store::status::Receiving;
use crate::tui::keys::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Compare,
    Messages,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Before,
    After,
}

/// Which part of the timeline overlay the keys move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimelineFocus {
    #[default]
    Entries,
    Explanation,
}

/// The timeline of the selected order, with a selected entry and the
/// explanation's scroll position.
#[derive(Debug, Default)]
pub struct TimelineView {
    pub selected: usize,
    pub focus: TimelineFocus,
    pub explanation_scroll: usize,
}

/// Two orders side by side: the marked one (a) and the selected one (b).
#[derive(Debug)]
pub struct CompareView {
    pub a: String,
    pub b: String,
    /// The comparison once the runner has built it, or why it could not.
    pub result: Option<Result<Box<Comparison>, Arc<StoreError>>>,
    pub scroll: usize,
}

/// A comparison as the screen shows it: the side-by-side rows and the
/// comparative explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub rows: Vec<crate::explain::compare::FactRow>,
    pub explanation: Vec<crate::explain::Statement>,
}

/// Help, scrolled.
#[derive(Debug, Default)]
pub struct HelpView {
    pub scroll: usize,
}

/// The orders not yet received whose number expires within `within`
/// seconds, soonest first (`x`).
#[derive(Debug)]
pub struct ExpiringView {
    pub within: i64,
    /// The list, or why it could not be read (shown with its causes).
    pub list: Option<Result<Vec<crate::expiring::Expiring>, Arc<StoreError>>>,
    pub selected: usize,
}

/// The window `x` looks ahead: the last 7 days are when an extension is
/// possible.
pub const EXPIRING_WITHIN: i64 = 7 * 86_400;

#[derive(Debug)]
pub enum Overlay {
    Help(HelpView),
    Expiring(ExpiringView),
    Pushes(super::pushes::PushStream),
    Raw(Box<RawView>),
    Timeline(TimelineView),
    Compare(CompareView),
}

impl Overlay {
    /// The key table that applies while it is open.
    pub fn context(&self) -> Context {
        match self {
            Overlay::Help(_) => Context::HelpPage,
            Overlay::Expiring(_) => Context::Expiring,
            Overlay::Pushes(_) => Context::Pushes,
            Overlay::Raw(_) => Context::Raw,
            Overlay::Timeline(_) => Context::Timeline,
            Overlay::Compare(_) => Context::Comparison,
        }
    }
}

/// The live connection to the shop API, as far as the screen cares.
#[derive(Debug, Default)]
pub struct Live {
    /// Whether a client is configured at all.
    pub enabled: bool,
    /// Bumped whenever the selection changes; an answer for an older
    /// generation is stale and never shown.
    pub generation: u64,
    /// The fetch on its way: (generation, order).
    pub in_flight: Option<(u64, String)>,
    /// When each order was last fetched live.
    pub fetched_at: HashMap<String, i64>,
    pub error: Option<String>,
    /// Progress of a list refresh while one runs: (fetched, listed).
    pub listing: Option<(usize, usize)>,
    /// Bumped with every lookup of an unknown order id; the answer of an
    /// older lookup never moves the selection.
    pub lookup_generation: u64,
    /// The lookup on its way: (generation, order id).
    pub lookup: Option<(u64, String)>,
}

/// At most this many order details are kept, so moving back and forth over
/// the list shows each at once.
pub const DETAIL_CACHE: usize = 32;
/// A paste or typed filter longer than this is cut, with a notice: no order
/// id, status or name is anywhere near it.
pub const MAX_INPUT: usize = 200;
/// How long a push that arrived while the inspector is open stays marked.
pub const FRESH_SECS: i64 = 10;

pub struct State {
    pub lang: Lang,
    /// The current unix time, as the last tick said (update reads no clock).
    pub now: i64,
    pub title: String,
    /// The order list, shared with the runner, which merges changes into
    /// a new list off the drawing task.
    pub orders: Rows,
    /// The filter's view of `orders`, built when a filter first reads a
    /// freshly read list, then carried along as changes are merged in (see
    /// [`State::merge_orders`]), so only the first filter after a full read
    /// builds it.
    filter_index: Option<(Rows, super::search::Index)>,
    /// Whether the store's list has been read at all yet.
    pub list_loaded: bool,
    /// Whether `orders` holds the whole list or only its first rows.
    pub list_complete: bool,
    /// Indices into `orders` that pass the filter.
    pub visible: Vec<usize>,
    /// For a bare four-digit filter, how many matched by phone tail and by
    /// id (the list says so).
    pub matched: Option<super::search::Which>,
    /// Position in `visible`.
    pub selected: usize,
    /// The first visible row of the list: kept when rows move, so the
    /// selected order stays where the user's eyes are.
    pub list_offset: usize,
    pub filter: TextArea<'static>,
    pub filtering: bool,
    /// The filter text changed since the list was last filtered: filtering
    /// waits until the waiting input is taken, so a paste costs one pass.
    pub filter_stale: bool,
    /// The selected order's detail, once loaded.
    pub detail: Option<Detail>,
    /// Recently shown details, newest last.
    pub detail_cache: Vec<Detail>,
    /// The order whose detail was asked for and has not arrived.
    pub loading: Option<String>,
    /// The order whose detail could not be read, and why: shown in its
    /// place instead of "loading…", and read again once the store answers.
    pub detail_error: Option<(String, Arc<StoreError>)>,
    /// The order the panes were last settled on (the selection after the
    /// last batch of input).
    pub settled_id: Option<String>,
    pub focus: Pane,
    pub side: Side,
    pub compare_scroll: usize,
    pub message_selected: usize,
    pub overlay: Option<Overlay>,
    /// A one-line notice (copied, errors) shown in the footer until the next key.
    pub notice: Option<String>,
    pub quit: bool,
    /// Orders that fit in the list at the current size, for paging.
    pub page: usize,
    /// Quarantined pushes in the store: a warning in the header.
    pub quarantined: i64,
    pub live: Live,
    /// The order marked with `m`, to compare with the selected one.
    pub marked: Option<String>,
    /// Orders whose every stored record is made-up demo data.
    pub demo_orders: std::collections::HashSet<String>,
    /// An order to select once the list holds it (the demo's seed order).
    pub pending_select: Option<String>,
    /// `t` came while the selected order's detail was still being read: the
    /// timeline opens when it arrives, for that order and if nothing else
    /// was opened meanwhile (a key typed ahead is not lost).
    pub timeline_wanted: Option<String>,
    /// Pushes stored since the inspector started (any order).
    pub pushes_since_start: u64,
    /// Pushes that arrived while open, marked until the given time.
    pub fresh: HashMap<i64, i64>,
    /// A problem with the store itself (lost connection), shown until it clears.
    pub store_problem: Option<String>,
    /// The receivers' state and how far reads are behind, as last read.
    pub receiver: Option<ReceiverStatus>,
    /// The command line's text while it is open (`:`).
    pub prompt: Option<String>,
    /// Lines run on the command line, oldest first, and which one ↑ ↓
    /// are showing.
    pub prompt_history: Vec<String>,
    pub prompt_recall: Option<usize>,
    /// What the open overlay was opened over, innermost last: Esc goes
    /// back one level, to where it was (the timeline's entry, the scroll).
    pub stack: Vec<Overlay>,
    /// Where the timeline of an order was when it was last closed, so it
    /// reopens there.
    pub timeline_at: Option<(String, TimelineView)>,
    /// The order selected before the current one (`ctrl-o` goes back).
    pub previous_order: Option<String>,
    /// The order the user chose last (by moving or jumping): selected again
    /// whenever the filter shows it, so a filter that hid it or matched
    /// nothing does not lose it.
    pub anchor: Option<String>,
    /// Something on screen changed: the loop draws, then clears this.
    pub dirty: bool,
}

impl State {
    pub fn new(title: String, lang: Lang, now: i64) -> State {
        State {
            lang,
            now,
            title,
            orders: Arc::new(Vec::new()),
            filter_index: None,
            list_loaded: false,
            list_complete: false,
            visible: Vec::new(),
            matched: None,
            selected: 0,
            list_offset: 0,
            filter: new_filter(lang),
            filtering: false,
            filter_stale: false,
            detail: None,
            detail_cache: Vec::new(),
            loading: None,
            detail_error: None,
            settled_id: None,
            focus: Pane::List,
            side: Side::After,
            compare_scroll: 0,
            message_selected: 0,
            overlay: None,
            notice: None,
            quit: false,
            page: 10,
            quarantined: 0,
            live: Live::default(),
            marked: None,
            demo_orders: Default::default(),
            pending_select: None,
            timeline_wanted: None,
            pushes_since_start: 0,
            fresh: HashMap::new(),
            store_problem: None,
            receiver: None,
            prompt: None,
            prompt_history: Vec::new(),
            prompt_recall: None,
            stack: Vec::new(),
            timeline_at: None,
            previous_order: None,
            anchor: None,
            dirty: true,
        }
    }

    /// Whether the screen must be drawn; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn selected_row(&self) -> Option<&OrderRow> {
        self.visible.get(self.selected).map(|&i| &*self.orders[i])
    }

    pub fn selected_id(&self) -> Option<&str> {
        self.selected_row().map(|r| r.order_id.as_str())
    }

    /// The detail of the selected order, if it is loaded (never another
    /// order's detail while the selected one loads).
    pub fn shown_detail(&self) -> Option<&Detail> {
        self.detail.as_ref().filter(|d| Some(d.order_id.as_str()) == self.selected_id())
    }

    pub fn vnum_state(&self, row: &OrderRow) -> VnumState {
        state_of(row.use_tel_number, row.vnum.is_some(), row.vnum_expire, self.now)
    }

    pub fn filter_text(&self) -> String {
        self.filter.lines().join(" ")
    }

    pub fn now_year(&self) -> Option<i16> {
        crate::timefmt::year_of(self.now)
    }

    /// Re-filters the list, keeping the selected order selected when it
    /// still passes, and its row where it was on screen.
    pub fn apply_filter(&mut self) {
        let keep = self.selected_id().map(str::to_string);
        self.refilter(keep);
    }

    /// Replaces the order list (a fresh read or a merge), keeping `keep`
    /// selected and on the same screen row.
    pub fn replace_orders(&mut self, rows: Rows, keep: Option<String>) {
        self.orders = rows;
        self.refilter(keep);
    }

    /// Replaces the order list with a merge of it ([`merge_rows`]) in which
    /// the rows with ids in `changed` are new; the filter's index follows the
    /// merge instead of being built again.
    ///
    /// [`merge_rows`]: super::update::merge_rows
    pub fn merge_orders(&mut self, rows: Rows, changed: &std::collections::HashSet<&str>, keep: Option<String>) {
        if let Some((old, index)) = self.filter_index.take()
            && Arc::ptr_eq(&old, &self.orders)
        {
            self.filter_index = Some((rows.clone(), index.merged(&old, &rows, changed)));
        }
        self.orders = rows;
        self.refilter(keep);
    }

    fn refilter(&mut self, keep: Option<String>) {
        // Parsed once, then matched against every row without allocating.
        let query = super::search::Query::parse(&self.filter_text(), self.now);
        let row_on_screen = self.selected.saturating_sub(self.list_offset);
        let current = self.filter_index.as_ref().is_some_and(|(rows, _)| Arc::ptr_eq(rows, &self.orders));
        if !current {
            // An index of an older list goes at once: it holds that list.
            self.filter_index = None;
        }
        let found = if query.is_empty() {
            super::search::Found { visible: (0..self.orders.len()).collect(), which: None }
        } else {
            let (_, index) =
                self.filter_index.get_or_insert_with(|| (self.orders.clone(), super::search::Index::of(&self.orders)));
            query.filter(index)
        };
        self.visible = found.visible;
        self.matched = found.which;
        self.filter_stale = false;
        // The order the user chose last comes back as soon as the filter
        // shows it again: a filter that hid it (or matched nothing) moved
        // the selection only for as long as it did.
        let anchor = self.anchor.clone().filter(|a| self.position_of(a).is_some());
        match anchor.or(keep).and_then(|id| self.position_of(&id)) {
            Some(pos) => {
                self.selected = pos;
                self.list_offset = pos.saturating_sub(row_on_screen);
            }
            None => {
                self.selected = self.selected.min(self.visible.len().saturating_sub(1));
            }
        }
        self.keep_selection_in_view();
        if self.anchor.is_none() {
            self.anchor = self.selected_id().map(str::to_string);
        }
    }

    /// Selects an order if it is in the (filtered) list; the detail follows
    /// once the input is drained.
    pub fn select_order(&mut self, order_id: &str) -> bool {
        match self.position_of(order_id) {
            Some(pos) => {
                self.selected = pos;
                self.anchor = Some(order_id.to_string());
                self.keep_selection_in_view();
                true
            }
            None => false,
        }
    }

    /// The position in the filtered list of an order.
    pub fn position_of(&self, order_id: &str) -> Option<usize> {
        self.visible.iter().position(|&i| self.orders[i].order_id == order_id)
    }

    /// Scrolls the list just enough to show the selected row.
    pub fn keep_selection_in_view(&mut self) {
        let page = self.page.max(1);
        if self.selected < self.list_offset {
            self.list_offset = self.selected;
        } else if self.selected >= self.list_offset + page {
            self.list_offset = self.selected + 1 - page;
        }
        let max_offset = self.visible.len().saturating_sub(page);
        self.list_offset = self.list_offset.min(max_offset.max(self.selected.saturating_sub(page - 1)));
    }

    /// Whether a countdown is on screen, so the 1 Hz tick must redraw.
    pub fn countdown_visible(&self) -> bool {
        if let Some(Overlay::Expiring(v)) = &self.overlay {
            return v.list.as_ref().is_some_and(|l| l.as_ref().is_ok_and(|l| !l.is_empty()));
        }
        self.overlay.is_none() && self.shown_detail().map(|d| d.vnum.expire_time.is_some()).unwrap_or(false)
    }

    /// The countdown's text at `now`: it ticks every second before expiry,
    /// and afterwards says "N d ago", which changes far less often.
    pub fn countdown_at(&self, now: i64) -> Option<String> {
        let exp = match &self.overlay {
            // The soonest drives the tick; every row moves with it.
            Some(Overlay::Expiring(v)) => v.list.as_ref()?.as_ref().ok()?.first()?.expire_time,
            _ => self.shown_detail()?.vnum.expire_time?,
        };
        let left = exp - now;
        Some(if left > 0 { crate::timefmt::countdown(self.lang, left) } else { crate::timefmt::ago(self.lang, -left) })
    }

    /// Whether the 1 Hz tick changes anything on screen besides the
    /// countdown: the "fetched N s ago" status, or a fresh-push mark.
    pub fn ticking(&self) -> bool {
        let live_status = self.live.in_flight.is_some()
            || self.selected_id().map(|id| self.live.fetched_at.contains_key(id)).unwrap_or(false);
        (self.overlay.is_none() && live_status) || !self.fresh.is_empty()
    }

    /// The header's word on the receiver as of `now`, and whether it is an
    /// alarm (stopped, silent, or reads far behind): "receiver up · last
    /// push 3 s ago · 30,812 not yet readable". Nothing for a store no
    /// receiver ever wrote to (an import, `sync` only).
    pub fn receiver_line(&self, now: i64) -> Option<(String, bool)> {
        let status = self.receiver.as_ref()?;
        let lang = self.lang;
        let mut parts = Vec::new();
        let mut alarm = false;
        match status.receiving(now) {
            Receiving::Never if status.backlog.pending == 0 => return None,
            Receiving::Never => {}
            Receiving::Up { hosts } => parts.push(match (lang, hosts) {
                (Lang::Zh, 1) => "接收器运行中".to_string(),
                (Lang::Zh, n) => format!("{n} 台接收器运行中"),
                (Lang::En, 1) => "receiver up".to_string(),
                (Lang::En, n) => format!("{n} receivers up"),
            }),
            Receiving::Stopped { .. } => {
                alarm = true;
                parts.push(self.say("接收器已停止", "receiver stopped").to_string());
            }
            Receiving::Silent { since } => {
                alarm = true;
                parts.push(match lang {
                    Lang::Zh => format!("接收器无心跳已 {}", crate::timefmt::ago(lang, now - since)),
                    Lang::En => format!("receiver silent for {}", crate::timefmt::ago(lang, now - since)),
                });
            }
        }
        if let Some(at) = status.backlog.last_arrival {
            parts.push(match lang {
                Lang::Zh => format!("最近推送 {}前", crate::timefmt::ago(lang, now - at)),
                Lang::En => format!("last push {} ago", crate::timefmt::ago(lang, now - at)),
            });
        }
        if status.backlog.pending > 0 {
            // Projection keeps within a second or two; longer is worth red.
            alarm |= status.behind(now).is_some_and(|s| s >= 10);
            let n = crate::text::thousands(status.backlog.pending);
            parts.push(match lang {
                Lang::Zh => format!("{n} 条尚未可读"),
                Lang::En => format!("{n} not yet readable"),
            });
        }
        Some((parts.join(" · "), alarm))
    }

    /// Opens help over what is on screen now.
    pub fn open_help(&mut self) {
        self.push_overlay(Overlay::Help(HelpView::default()));
    }

    /// Opens `overlay` over what is on screen, which Esc comes back to.
    pub fn push_overlay(&mut self, overlay: Overlay) {
        if let Some(current) = self.overlay.take() {
            self.stack.push(current);
        }
        self.overlay = Some(overlay);
    }

    /// Closes the open overlay and shows what it was opened over, as it was.
    pub fn back(&mut self) {
        if let (Some(Overlay::Timeline(view)), Some(id)) = (self.overlay.take(), self.selected_id()) {
            self.timeline_at = Some((id.to_string(), view));
        }
        self.overlay = self.stack.pop();
    }

    /// Closes every overlay (going to another order).
    pub fn close_overlays(&mut self) {
        while self.overlay.is_some() {
            self.back();
        }
    }

    /// The way back to the main screen, for the header: `时间线 › 原始 JSON`.
    pub fn breadcrumb(&self) -> Vec<&'static str> {
        let name = |o: &Overlay| match o {
            Overlay::Help(_) => self.say("帮助", "help"),
            Overlay::Expiring(_) => self.say("即将到期", "expiring"),
            Overlay::Pushes(_) => self.say("推送流", "pushes"),
            Overlay::Raw(_) => self.say("原始 JSON", "raw JSON"),
            Overlay::Timeline(_) => self.say("时间线", "timeline"),
            Overlay::Compare(_) => self.say("对比", "comparison"),
        };
        self.stack.iter().chain(self.overlay.iter()).map(name).collect()
    }

    pub fn say(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.text(zh, en)
    }

    pub fn is_fresh(&self, message_id: i64) -> bool {
        self.fresh.get(&message_id).map(|&until| until > self.now).unwrap_or(false)
    }
}

/// Whether filter text is a whole order id (16 digits or more), which
/// Enter looks up in the shop API when the store has no such order.
pub fn looks_like_order_id(text: &str) -> bool {
    text.len() >= 16 && text.chars().all(|c| c.is_ascii_digit())
}

/// The order list: shared between the runner and the state, each row shared
/// too, so merging a change into a long list copies pointers, not rows.
pub type Rows = Arc<Vec<Arc<OrderRow>>>;

/// Turns rows read from the store into a list.
pub fn rows(list: Vec<OrderRow>) -> Rows {
    Arc::new(list.into_iter().map(Arc::new).collect())
}

pub fn new_filter(lang: Lang) -> TextArea<'static> {
    let mut filter = TextArea::default();
    filter.set_placeholder_text(match lang {
        Lang::Zh => "订单号 / 状态 / 商品 / 买家 / 尾号0775 / wb: / evt: / type:5 / since:10m",
        Lang::En => "id / status / product / buyer / tel:0775 / wb: / evt: / type:5 / since:10m",
    });
    filter
}

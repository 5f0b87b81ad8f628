//! The inspector's state and how keys change it. Nothing here draws or does
//! I/O except through the `Source` the loop hands in (the store), so the
//! whole behaviour can be driven in tests without a terminal.

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::Value;
use tui_textarea::TextArea;

use super::keys::{Action, Context, action_for};
use crate::diff::{Op, leaves};
use crate::explain::{Ref, Story};
use crate::json::short;
use crate::model::names::{self, Lang};
use crate::model::vnum::state_of;
use crate::model::{Order, Vnum, VnumState};
use crate::store::{MessageRow, OrderRow, Store};
use crate::text::visible;
use crate::version_pair::{Pair, Version, pick_pair};

/// Everything the screen shows about the selected order.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub order_id: String,
    pub versions: Vec<Version>,
    pub pair: Pair,
    pub rows: Vec<CompareRow>,
    pub latest: Option<Order>,
    pub vnum: Vnum,
    pub messages: Vec<MessageRow>,
    /// Stored versions that could not be read, with the reason.
    pub problems: Vec<String>,
    pub story: Option<Story>,
}

/// One line of the comparison: a changed field, aligned across both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    pub op: Op,
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Where the inspector reads from. The store in production; tests use a
/// real store too.
pub trait Source {
    fn orders(&self) -> Result<Vec<OrderRow>, String>;
    /// Pushes kept whole because they could not be decrypted or parsed.
    fn quarantined(&self) -> Result<i64, String>;
    fn detail(&self, order_id: &str, lang: Lang) -> Result<Detail, String>;
}

impl Source for Store {
    fn orders(&self) -> Result<Vec<OrderRow>, String> {
        Store::orders(self).map_err(|e| e.to_string())
    }

    fn quarantined(&self) -> Result<i64, String> {
        self.quarantined_count().map_err(|e| e.to_string())
    }

    fn detail(&self, order_id: &str, lang: Lang) -> Result<Detail, String> {
        let mut detail = Detail { order_id: order_id.to_string(), ..Detail::default() };
        (detail.versions, detail.problems) = self.versions(order_id).map_err(|e| e.to_string())?;
        detail.messages = self.messages(Some(order_id)).map_err(|e| e.to_string())?;
        let pushes: Vec<crate::explain::PushRecord> = detail.messages.iter().map(Into::into).collect();
        let periods = self.receiver_periods().map_err(|e| e.to_string())?;
        detail.story = Some(crate::explain::build(order_id, &detail.versions, &pushes, &periods, lang));
        detail.pair = pick_pair(&detail.versions);
        detail.latest = detail.pair.after.as_ref().or(detail.pair.before.as_ref()).map(|v| v.order.clone());
        detail.vnum = detail.latest.as_ref().map(Vnum::of).unwrap_or_default();
        detail.rows = compare_rows(&detail.pair, lang);
        Ok(detail)
    }
}

/// The value as shown in a pane, with status codes named.
fn show_value(path: &str, v: &Value, lang: Lang) -> String {
    let text = visible(&short(v));
    let key = path.rsplit('/').next().unwrap_or("");
    if (key.ends_with("_time") || key == "delivery_deadline")
        && let Some(t) = crate::json::as_i64(v).filter(|t| *t > 0)
    {
        return if key.contains("expire") { crate::timefmt::full(t) } else { crate::timefmt::short(t) };
    }
    if path == "/status"
        && let Some(code) = crate::json::as_i64(v)
    {
        return format!("{code} {}", names::status_label(Some(code), lang));
    }
    text
}

pub fn compare_rows(pair: &Pair, lang: Lang) -> Vec<CompareRow> {
    let mut rows = Vec::new();
    for c in &pair.changes {
        let label = crate::diff::short_label(&c.path);
        let expandable = |v: &Option<Value>| {
            matches!(v, Some(Value::Object(m)) if !m.is_empty()) || matches!(v, Some(Value::Array(a)) if !a.is_empty())
        };
        match c.op {
            Op::Replace => rows.push(CompareRow {
                op: c.op,
                label,
                before: c.before.as_ref().map(|v| show_value(&c.path, v, lang)),
                after: c.after.as_ref().map(|v| show_value(&c.path, v, lang)),
            }),
            Op::Add | Op::Remove => {
                let value = if c.op == Op::Add { &c.after } else { &c.before };
                if expandable(value) {
                    rows.push(CompareRow { op: c.op, label: label.clone(), before: None, after: None });
                    for (sub, leaf) in leaves(value.as_ref().expect("checked above")) {
                        let shown = Some(show_value(&sub, &leaf, lang));
                        let sub_label = format!("  {}", sub.trim_start_matches('/').replace('/', "."));
                        let (before, after) = if c.op == Op::Add { (None, shown) } else { (shown, None) };
                        rows.push(CompareRow { op: c.op, label: sub_label, before, after });
                    }
                } else {
                    let shown = value.as_ref().map(|v| show_value(&c.path, v, lang));
                    let (before, after) = if c.op == Op::Add { (None, shown) } else { (shown, None) };
                    rows.push(CompareRow { op: c.op, label, before, after });
                }
            }
        }
    }
    rows
}

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

/// A scrollable, searchable JSON document view over several documents
/// (every version of the order, or every push), one shown at a time.
#[derive(Debug)]
pub struct RawView {
    pub titles: Vec<String>,
    pub docs: Vec<String>,
    pub index: usize,
    pub lines: Vec<String>,
    pub scroll: usize,
    pub search: Option<TextArea<'static>>,
    pub query: String,
    pub matches: Vec<usize>,
    pub current: usize,
}

impl RawView {
    pub fn new(titles: Vec<String>, docs: Vec<String>, index: usize) -> RawView {
        let mut v = RawView {
            titles,
            docs,
            index,
            lines: Vec::new(),
            scroll: 0,
            search: None,
            query: String::new(),
            matches: Vec::new(),
            current: 0,
        };
        v.show(index);
        v
    }

    fn show(&mut self, index: usize) {
        self.index = index.min(self.docs.len().saturating_sub(1));
        let text = self.docs.get(self.index).cloned().unwrap_or_default();
        let pretty = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(text);
        self.lines = pretty.lines().map(visible).collect();
        self.scroll = 0;
        self.find();
    }

    fn find(&mut self) {
        let q = self.query.to_lowercase();
        self.matches = if q.is_empty() {
            Vec::new()
        } else {
            self.lines.iter().enumerate().filter(|(_, l)| l.to_lowercase().contains(&q)).map(|(i, _)| i).collect()
        };
        self.current = 0;
        if let Some(first) = self.matches.first() {
            self.scroll = first.saturating_sub(2);
        }
    }

    pub fn title(&self) -> &str {
        self.titles.get(self.index).map(String::as_str).unwrap_or("")
    }

    pub fn raw(&self) -> &str {
        self.docs.get(self.index).map(String::as_str).unwrap_or("")
    }
}

/// The timeline of the selected order, with a selected entry.
#[derive(Debug, Default)]
pub struct TimelineView {
    pub selected: usize,
}

#[derive(Debug)]
pub enum Overlay {
    Help,
    Raw(Box<RawView>),
    Timeline(TimelineView),
}

/// What the loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Copy(String),
    /// Fetch this order from the shop API now (no debounce).
    FetchNow,
    /// List the orders updated recently and fetch the ones that changed.
    RefreshList,
    /// Look up an order the store does not know (typed into the filter).
    LookUp(String),
}

/// The live connection to the shop API, as far as the screen cares.
#[derive(Debug, Default)]
pub struct Live {
    /// Whether a client is configured at all.
    pub enabled: bool,
    /// Bumped whenever the selection changes; an answer for an older
    /// generation is stale and dropped.
    pub generation: u64,
    /// The selection changed: fetch this (generation, order) after a pause.
    pub wanted: Option<(u64, String)>,
    pub in_flight: Option<(u64, String)>,
    /// When each order was last fetched live.
    pub fetched_at: std::collections::HashMap<String, i64>,
    pub error: Option<String>,
    /// Progress of a list refresh, when one runs.
    pub listing: Option<String>,
}

/// The inspector's whole state.
pub struct App {
    pub lang: Lang,
    pub now: i64,
    pub title: String,
    pub orders: Vec<OrderRow>,
    /// Indices into `orders` that pass the filter.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub filter: TextArea<'static>,
    pub filtering: bool,
    pub detail: Option<Detail>,
    pub focus: Pane,
    pub side: Side,
    pub compare_scroll: usize,
    pub message_selected: usize,
    pub overlay: Option<Overlay>,
    /// A one-line notice (copied, errors) shown in the footer until the next key.
    pub notice: Option<String>,
    pub quit: bool,
    /// Rows the list showed at the last draw, for paging.
    pub page: usize,
    /// Quarantined pushes in the store: a warning in the header.
    pub quarantined: i64,
    pub live: Live,
}

impl App {
    pub fn new(title: String, lang: Lang, now: i64) -> App {
        let mut filter = TextArea::default();
        filter.set_placeholder_text(match lang {
            Lang::Zh => "订单号 / 状态 / 虚拟号状态",
            Lang::En => "order id / status / number state",
        });
        App {
            lang,
            now,
            title,
            orders: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            filter,
            filtering: false,
            detail: None,
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
        }
    }

    /// Reads the order list (keeping the selected order selected) and the
    /// selected order's detail.
    pub fn reload(&mut self, source: &dyn Source) {
        let keep = self.selected_id().map(str::to_string);
        match source.orders() {
            Ok(rows) => self.orders = rows,
            Err(e) => self.notice = Some(e),
        }
        self.quarantined = source.quarantined().unwrap_or(0);
        self.apply_filter();
        if let Some(id) = keep
            && let Some(pos) = self.visible.iter().position(|&i| self.orders[i].order_id == id)
        {
            self.selected = pos;
        }
        self.load_detail(source);
    }

    pub fn selected_row(&self) -> Option<&OrderRow> {
        self.visible.get(self.selected).map(|&i| &self.orders[i])
    }

    pub fn selected_id(&self) -> Option<&str> {
        self.selected_row().map(|r| r.order_id.as_str())
    }

    pub fn vnum_state(&self, row: &OrderRow) -> VnumState {
        state_of(row.use_tel_number, row.vnum.is_some(), row.vnum_expire, self.now)
    }

    pub fn filter_text(&self) -> String {
        self.filter.lines().join(" ")
    }

    fn matches(&self, row: &OrderRow, terms: &[String]) -> bool {
        let state = self.vnum_state(row);
        let status_names = row.status.and_then(names::status);
        terms.iter().all(|t| {
            row.order_id.contains(t.as_str())
                || row.status.map(|s| s.to_string() == *t).unwrap_or(false)
                || status_names.map(|n| n.zh.contains(t.as_str()) || n.en.contains(t.as_str())).unwrap_or(false)
                || state.names().iter().any(|n| n.contains(t.as_str()))
                || (row.type5 && (t == "type5" || t == "⚑5"))
        })
    }

    fn apply_filter(&mut self) {
        let terms: Vec<String> = self.filter_text().split_whitespace().map(str::to_lowercase).collect();
        let keep = self.selected_id().map(str::to_string);
        self.visible =
            (0..self.orders.len()).filter(|&i| terms.is_empty() || self.matches(&self.orders[i], &terms)).collect();
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| self.orders[i].order_id == id))
            .unwrap_or(0)
            .min(self.visible.len().saturating_sub(1));
    }

    fn load_detail(&mut self, source: &dyn Source) {
        let Some(id) = self.selected_id().map(str::to_string) else {
            self.detail = None;
            return;
        };
        if self.detail.as_ref().map(|d| d.order_id == id).unwrap_or(false) {
            return;
        }
        self.compare_scroll = 0;
        self.message_selected = 0;
        self.live.generation += 1;
        self.live.error = None;
        if self.live.enabled {
            self.live.wanted = Some((self.live.generation, id.clone()));
        }
        match source.detail(&id, self.lang) {
            Ok(d) => self.detail = Some(d),
            Err(e) => {
                self.detail = None;
                self.notice = Some(e);
            }
        }
    }

    /// Selects an order by id if it is in the (filtered) list.
    pub fn select_order(&mut self, order_id: &str, source: &dyn Source) {
        if let Some(pos) = self.visible.iter().position(|&i| self.orders[i].order_id == order_id) {
            self.selected = pos;
            self.load_detail(source);
        }
    }

    fn force_detail(&mut self, source: &dyn Source) {
        self.detail = None;
        self.load_detail(source);
    }

    /// Whether a live answer for (`generation`, `order_id`) still belongs on
    /// screen: the selection has not moved since it was asked for.
    pub fn accepts(&self, generation: u64, order_id: &str) -> bool {
        generation == self.live.generation && self.selected_id() == Some(order_id)
    }

    /// A live answer arrived and was stored (`changed`: it was a new version).
    pub fn fetched(&mut self, order_id: &str, changed: bool, now: i64, source: &dyn Source) {
        self.live.in_flight = None;
        self.live.error = None;
        self.live.fetched_at.insert(order_id.to_string(), now);
        if changed {
            let generation = self.live.generation;
            self.reload(source);
            let keep = self.selected_id() == Some(order_id);
            self.force_detail(source);
            if keep {
                // Re-reading the detail is not a new selection: no refetch.
                self.live.generation = generation;
                self.live.wanted = None;
            }
        }
    }

    pub fn fetch_failed(&mut self, error: String) {
        self.live.in_flight = None;
        self.live.error = Some(error);
    }

    /// Handles one key; returns what the loop must do outside the state.
    pub fn handle_key(&mut self, key: KeyEvent, source: &dyn Source) -> Vec<Effect> {
        self.notice = None;
        if self.filtering {
            return self.filter_key(key, source);
        }
        match &mut self.overlay {
            Some(Overlay::Help) => {
                // Any key closes help, and q still quits.
                self.overlay = None;
                if action_for(Context::Main, key) == Some(Action::Quit) {
                    self.quit = true;
                }
                Vec::new()
            }
            Some(Overlay::Raw(_)) => self.raw_key(key),
            Some(Overlay::Timeline(_)) => self.timeline_key(key),
            None => match action_for(Context::Main, key) {
                Some(action) => self.main_action(action, source),
                None => Vec::new(),
            },
        }
    }

    fn filter_key(&mut self, key: KeyEvent, source: &dyn Source) -> Vec<Effect> {
        match key.code {
            KeyCode::Enter => {
                self.filtering = false;
                // An order id the store does not know: ask the shop API.
                let text = self.filter_text().trim().to_string();
                if self.visible.is_empty() && text.len() >= 16 && text.chars().all(|c| c.is_ascii_digit()) {
                    if self.live.enabled {
                        self.notice = Some(format!("{} {text}…", self.say("正在查询订单", "looking up order")));
                        return vec![Effect::LookUp(text)];
                    }
                    self.notice = Some(
                        self.say(
                            "存储中没有该订单，且未配置店铺 API 凭据",
                            "not in the store, and no shop API credentials are configured",
                        )
                        .into(),
                    );
                }
            }
            KeyCode::Esc => {
                self.filtering = false;
                self.filter = {
                    let mut f = TextArea::default();
                    f.set_placeholder_text(self.filter.placeholder_text().to_string());
                    f
                };
            }
            KeyCode::Up | KeyCode::Down => {
                self.filtering = false;
                let action = if key.code == KeyCode::Up { Action::Up } else { Action::Down };
                return self.main_action(action, source);
            }
            _ => {
                self.filter.input(key);
            }
        }
        self.apply_filter();
        self.load_detail(source);
        Vec::new()
    }

    fn move_selection(&mut self, delta: isize, source: &dyn Source) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        self.load_detail(source);
    }

    fn main_action(&mut self, action: Action, source: &dyn Source) -> Vec<Effect> {
        let page = self.page.max(1) as isize;
        match (action, self.focus) {
            (Action::Quit, _) => self.quit = true,
            (Action::Help, _) => self.overlay = Some(Overlay::Help),
            (Action::ShowTimeline, _) if self.detail.is_some() => {
                self.overlay = Some(Overlay::Timeline(TimelineView::default()));
            }
            (Action::Filter, _) => {
                self.filtering = true;
                self.focus = Pane::List;
            }
            (Action::Back, _) if !self.filter_text().is_empty() => {
                return self.filter_key(KeyEvent::from(KeyCode::Esc), source);
            }
            (Action::NextPane, _) => {
                self.focus = match self.focus {
                    Pane::List => Pane::Compare,
                    Pane::Compare => Pane::Messages,
                    Pane::Messages => Pane::List,
                }
            }
            (Action::PrevPane, _) => {
                self.focus = match self.focus {
                    Pane::List => Pane::Messages,
                    Pane::Compare => Pane::List,
                    Pane::Messages => Pane::Compare,
                }
            }
            (Action::Reload, _) => {
                self.reload(source);
                self.force_detail(source);
                self.live.wanted = None;
                if self.live.enabled && self.selected_id().is_some() {
                    return vec![Effect::FetchNow];
                }
                self.notice = Some(self.say("已重新读取存储", "reloaded from the store").into());
            }
            (Action::RefreshList, _) => {
                if self.live.enabled {
                    return vec![Effect::RefreshList];
                }
                self.notice = Some(self.say("未配置店铺 API 凭据", "no shop API credentials configured").into());
            }
            (Action::CopyId, _) => {
                if let Some(id) = self.selected_id() {
                    let id = id.to_string();
                    self.notice = Some(format!("{} {id}", self.say("已复制订单号", "copied order id")));
                    return vec![Effect::Copy(id)];
                }
            }
            (Action::CopyNumber, _) => match self.detail.as_ref().and_then(|d| d.vnum.number.clone()) {
                Some(n) => {
                    self.notice = Some(format!("{} {n}", self.say("已复制虚拟号", "copied virtual number")));
                    return vec![Effect::Copy(n)];
                }
                None => self.notice = Some(self.say("该订单没有虚拟号", "this order has no virtual number").into()),
            },
            (Action::Open, pane) => self.open_raw(pane),
            (Action::Up, Pane::List) => self.move_selection(-1, source),
            (Action::Down, Pane::List) => self.move_selection(1, source),
            (Action::PageUp, Pane::List) => self.move_selection(-page, source),
            (Action::PageDown, Pane::List) => self.move_selection(page, source),
            (Action::Home, Pane::List) => self.move_selection(isize::MIN / 2, source),
            (Action::End, Pane::List) => self.move_selection(isize::MAX / 2, source),
            (Action::Up, Pane::Compare) => self.compare_scroll = self.compare_scroll.saturating_sub(1),
            (Action::Down, Pane::Compare) => self.compare_scroll += 1,
            (Action::PageUp, Pane::Compare) => self.compare_scroll = self.compare_scroll.saturating_sub(page as usize),
            (Action::PageDown, Pane::Compare) => self.compare_scroll += page as usize,
            (Action::Home, Pane::Compare) => self.compare_scroll = 0,
            (Action::Left, Pane::Compare) => self.side = Side::Before,
            (Action::Right, Pane::Compare) => self.side = Side::After,
            (Action::Up, Pane::Messages) => self.message_selected = self.message_selected.saturating_sub(1),
            (Action::Down, Pane::Messages) => {
                let n = self.detail.as_ref().map(|d| d.messages.len()).unwrap_or(0);
                self.message_selected = (self.message_selected + 1).min(n.saturating_sub(1));
            }
            (Action::Home, Pane::Messages) => self.message_selected = 0,
            (Action::End, Pane::Messages) => {
                let n = self.detail.as_ref().map(|d| d.messages.len()).unwrap_or(0);
                self.message_selected = n.saturating_sub(1);
            }
            _ => {}
        }
        // Keep the compare scroll within its rows.
        let rows = self.detail.as_ref().map(|d| d.rows.len()).unwrap_or(0);
        self.compare_scroll = self.compare_scroll.min(rows.saturating_sub(1));
        Vec::new()
    }

    fn say(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.text(zh, en)
    }

    fn timeline_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.page.max(1);
        let n = self.detail.as_ref().and_then(|d| d.story.as_ref()).map(|s| s.entries.len()).unwrap_or(0);
        let Some(Overlay::Timeline(view)) = &mut self.overlay else { return Vec::new() };
        let last = n.saturating_sub(1);
        match action_for(Context::Timeline, key) {
            Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
            Some(Action::Down) => view.selected = (view.selected + 1).min(last),
            Some(Action::PageUp) => view.selected = view.selected.saturating_sub(page),
            Some(Action::PageDown) => view.selected = (view.selected + page).min(last),
            Some(Action::Open) => {
                let reference = self
                    .detail
                    .as_ref()
                    .and_then(|d| d.story.as_ref())
                    .and_then(|s| s.entries.get(view.selected))
                    .and_then(|e| e.reference);
                self.open_reference(reference);
            }
            Some(Action::Help) => self.overlay = Some(Overlay::Help),
            Some(Action::Back) => self.overlay = None,
            Some(Action::Quit) => self.quit = true,
            _ => {}
        }
        Vec::new()
    }

    /// Opens the raw JSON of a timeline entry's snapshot or push.
    fn open_reference(&mut self, reference: Option<Ref>) {
        let Some(d) = &self.detail else { return };
        match reference {
            Some(Ref::Snapshot(id)) => {
                if let Some(i) = d.versions.iter().position(|v| v.snapshot_id == id) {
                    self.open_raw_at(Pane::Compare, Some(i));
                }
            }
            Some(Ref::Message(id)) => {
                if let Some(i) = d.messages.iter().position(|m| m.id == id) {
                    self.message_selected = i;
                    self.open_raw_at(Pane::Messages, None);
                }
            }
            Some(Ref::Note(_)) | None => {
                self.notice = Some(self.say("推断条目没有原始 JSON", "inferred entries have no raw JSON").into());
            }
        }
    }

    fn open_raw(&mut self, pane: Pane) {
        self.open_raw_at(pane, None)
    }

    fn open_raw_at(&mut self, pane: Pane, version: Option<usize>) {
        let Some(d) = &self.detail else { return };
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
                        self.say("推送", "push"),
                        i + 1,
                        d.messages.len(),
                        crate::timefmt::full(m.received_at),
                        m.event.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let docs = d.messages.iter().map(|m| m.payload().to_string()).collect();
            RawView::new(titles, docs, self.message_selected.min(d.messages.len() - 1))
        } else {
            if d.versions.is_empty() {
                return;
            }
            let wanted = match (pane, self.side) {
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
                        self.say("版本", "version"),
                        i + 1,
                        d.versions.len(),
                        self.say("获取于", "fetched"),
                        crate::timefmt::full(v.fetched_at)
                    )
                })
                .collect();
            let docs = d.versions.iter().map(|v| v.order.raw.to_string()).collect();
            RawView::new(titles, docs, index)
        };
        self.overlay = Some(Overlay::Raw(Box::new(view)));
    }

    fn raw_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.page.max(1);
        let lang = self.lang;
        let Some(Overlay::Raw(view)) = &mut self.overlay else { return Vec::new() };
        if let Some(search) = &mut view.search {
            match key.code {
                KeyCode::Enter => {
                    view.query = search.lines().join(" ");
                    view.search = None;
                    view.find();
                    if view.matches.is_empty() && !view.query.is_empty() {
                        self.notice = Some(match lang {
                            Lang::Zh => format!("未找到 {}", view.query),
                            Lang::En => format!("no match for {}", view.query),
                        });
                    }
                }
                KeyCode::Esc => view.search = None,
                _ => {
                    search.input(key);
                }
            }
            return Vec::new();
        }
        let last = view.lines.len().saturating_sub(1);
        match action_for(Context::Raw, key) {
            Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
            Some(Action::Down) => view.scroll = (view.scroll + 1).min(last),
            Some(Action::PageUp) => view.scroll = view.scroll.saturating_sub(page),
            Some(Action::PageDown) => view.scroll = (view.scroll + page).min(last),
            Some(Action::Home) => view.scroll = 0,
            Some(Action::End) => view.scroll = last,
            Some(Action::PrevDocument) => view.show(view.index.saturating_sub(1)),
            Some(Action::NextDocument) => view.show(view.index + 1),
            Some(Action::Search) => view.search = Some(TextArea::default()),
            Some(Action::NextMatch) | Some(Action::PrevMatch) if !view.matches.is_empty() => {
                let n = view.matches.len();
                view.current = if action_for(Context::Raw, key) == Some(Action::NextMatch) {
                    (view.current + 1) % n
                } else {
                    (view.current + n - 1) % n
                };
                view.scroll = view.matches[view.current].saturating_sub(2);
            }
            Some(Action::CopyRaw) => {
                let raw = view.raw().to_string();
                self.notice = Some(match lang {
                    Lang::Zh => "已复制 JSON".into(),
                    Lang::En => "copied JSON".into(),
                });
                return vec![Effect::Copy(raw)];
            }
            Some(Action::Help) => self.overlay = Some(Overlay::Help),
            Some(Action::Back) => self.overlay = None,
            Some(Action::Quit) => self.quit = true,
            _ => {}
        }
        Vec::new()
    }

    /// Whether a countdown is on screen, so the 1 Hz tick must redraw.
    pub fn countdown_visible(&self) -> bool {
        self.overlay.is_none() && self.detail.as_ref().map(|d| d.vnum.expire_time.is_some()).unwrap_or(false)
    }

    /// Whether the 1 Hz tick changes anything on screen: the countdown, or
    /// the "fetched N s ago" / fetching status.
    pub fn ticking(&self) -> bool {
        let live_status = self.live.in_flight.is_some()
            || self.selected_id().map(|id| self.live.fetched_at.contains_key(id)).unwrap_or(false);
        self.countdown_visible() || (self.overlay.is_none() && live_status)
    }

    /// Clears the filter text (after a looked-up order joined the list).
    pub fn clear_filter(&mut self, source: &dyn Source) {
        let mut f = TextArea::default();
        f.set_placeholder_text(self.filter.placeholder_text().to_string());
        self.filter = f;
        self.apply_filter();
        self.load_detail(source);
    }
}

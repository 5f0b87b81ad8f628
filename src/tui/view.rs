//! Drawing. Reads the state, never changes it.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, CompareRow, Detail, Overlay, Pane, RawView, Side};
use super::keys::{BINDINGS, Context, describe, footer};
use crate::diff::Op;
use crate::explain::{Source, Story};
use crate::model::names::{self, Lang};
use crate::model::{Order, VnumState};
use crate::text::{pad, truncate, visible, width};
use crate::timefmt;
use crate::version_pair::Version;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Below this width the two versions become one list of changes.
pub const SIDE_BY_SIDE_WIDTH: u16 = 120;

/// Colours, or none at all under `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme { color: std::env::var_os("NO_COLOR").map(|v| v.is_empty()).unwrap_or(true) }
    }
    fn fg(self, c: Color) -> Style {
        if self.color { Style::default().fg(c) } else { Style::default() }
    }
    fn op(self, op: Op) -> Style {
        match op {
            Op::Add => self.fg(Color::Green),
            Op::Remove => self.fg(Color::Red),
            Op::Replace => self.fg(Color::Yellow),
        }
    }
    fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    fn accent(self) -> Style {
        self.fg(Color::Cyan)
    }
    fn warn(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    fn state(self, s: VnumState) -> Style {
        match s {
            VnumState::None => self.dim(),
            VnumState::Pending => self.fg(Color::Magenta),
            VnumState::Active => self.fg(Color::Green),
            VnumState::Extendable => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            VnumState::Expired => self.fg(Color::Red),
        }
    }
    fn border(self, focused: bool) -> Style {
        if focused { self.accent().add_modifier(Modifier::BOLD) } else { self.dim() }
    }
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.text(zh, en)
}

/// How many orders fit in the list at this terminal size (two lines each).
pub fn list_page(height: u16) -> usize {
    (height.saturating_sub(4) / 2).max(1) as usize
}

pub fn draw(f: &mut Frame, app: &App, theme: Theme) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(f, area, app.lang);
        return;
    }
    let [header, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    draw_header(f, header, app, theme);
    draw_footer(f, foot, app, theme);
    let list_w = if area.width >= SIDE_BY_SIDE_WIDTH { 34 } else { 30 };
    let [list, right] = Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(body);
    draw_list(f, list, app, theme);
    draw_detail(f, right, app, theme);
    match &app.overlay {
        Some(Overlay::Help) => draw_help(f, body, app.lang, theme),
        Some(Overlay::Raw(view)) => draw_raw(f, body, view, app.lang, theme),
        Some(Overlay::Timeline(view)) => {
            if let Some(story) = app.detail.as_ref().and_then(|d| d.story.as_ref()) {
                draw_timeline(f, body, story, view.selected, app.lang, theme);
            }
        }
        None => {}
    }
}

fn draw_too_small(f: &mut Frame, area: Rect, lang: Lang) {
    let msg = match lang {
        Lang::Zh => format!(
            "终端太小：{}×{}，orderscope 需要至少 {MIN_WIDTH}×{MIN_HEIGHT}。请放大窗口，或按 q 退出。",
            area.width, area.height
        ),
        Lang::En => format!(
            "Terminal too small: {}x{}. orderscope needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge the window, or press q to quit.",
            area.width, area.height
        ),
    };
    let y = area.height / 2;
    let rect = Rect {
        x: area.x,
        y: area.y + y.saturating_sub(1),
        width: area.width,
        height: area.height.saturating_sub(y.saturating_sub(1)),
    };
    f.render_widget(Paragraph::new(msg).alignment(Alignment::Center).wrap(Wrap { trim: true }), rect);
}

fn draw_header(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let right = format!("? {}", t(app.lang, "帮助", "help"));
    let warning = if app.quarantined > 0 {
        match app.lang {
            Lang::Zh => {
                format!("⚠ {} 条推送无法解密或解析，已隔离（orderscope messages --reprocess） ", app.quarantined)
            }
            Lang::En => {
                format!("⚠ {} pushes quarantined: unreadable (orderscope messages --reprocess) ", app.quarantined)
            }
        }
    } else {
        String::new()
    };
    let left_w = (area.width as usize).saturating_sub(width(&right) + width(&warning) + 1);
    let left = truncate(&format!(" orderscope · {}", app.title), left_w);
    let line = Line::from(vec![
        Span::styled(pad(&left, left_w), theme.accent().add_modifier(Modifier::BOLD)),
        Span::raw(" "),
        Span::styled(warning, theme.warn()),
        Span::styled(right, theme.dim()),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn draw_footer(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let (text, style) = if let Some(n) = &app.notice {
        (n.clone(), theme.accent().add_modifier(Modifier::BOLD))
    } else if let (Some(e), None) = (&app.live.error, &app.overlay) {
        (format!("⚠ {}", visible(e)), theme.warn())
    } else if app.filtering {
        (
            t(app.lang, "输入筛选条件  enter 完成  esc 清除", "type to filter  enter done  esc clear").to_string(),
            theme.dim(),
        )
    } else if let Some(Overlay::Timeline(_)) = &app.overlay {
        (footer(Context::Timeline, app.lang), theme.dim())
    } else if let Some(Overlay::Raw(v)) = &app.overlay {
        if v.search.is_some() {
            (
                t(app.lang, "输入搜索内容  enter 搜索  esc 取消", "type to search  enter find  esc cancel").to_string(),
                theme.dim(),
            )
        } else {
            (footer(Context::Raw, app.lang), theme.dim())
        }
    } else {
        (footer(Context::Main, app.lang), theme.dim())
    };
    f.render_widget(Paragraph::new(Span::styled(truncate(&format!(" {text}"), area.width as usize), style)), area);
}

fn block<'a>(title: String, focused: bool, theme: Theme) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(theme.border(focused)).title(Span::styled(
        title,
        if focused {
            theme.accent().add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        },
    ))
}

fn draw_list(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Pane::List && app.overlay.is_none();
    let title = format!("{} {}/{}", t(app.lang, "订单", "Orders"), app.visible.len(), app.orders.len());
    let outer = block(title, focused, theme);
    let inner = outer.inner(area);
    f.render_widget(outer, area);
    let mut rows_area = inner;
    if app.filtering || !app.filter_text().is_empty() {
        let [filter_line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let [slash, input] = Layout::horizontal([Constraint::Length(2), Constraint::Min(0)]).areas(filter_line);
        f.render_widget(Paragraph::new(Span::styled("/ ", theme.accent())), slash);
        f.render_widget(&app.filter, input);
        rows_area = rest;
    }
    if app.visible.is_empty() {
        let msg = if app.orders.is_empty() {
            t(
                app.lang,
                "存储中还没有订单。用 orderscope import 导入，或运行 orderscope demo。",
                "No orders stored yet. Import some with `orderscope import`, or try `orderscope demo`.",
            )
        } else {
            t(app.lang, "没有符合筛选条件的订单", "No order matches the filter")
        };
        f.render_widget(Paragraph::new(msg).style(theme.dim()).wrap(Wrap { trim: true }), rows_area);
        return;
    }
    let fit = (rows_area.height / 2).max(1) as usize;
    let offset = if app.selected < fit { 0 } else { app.selected + 1 - fit };
    let w = rows_area.width as usize;
    let mut lines = Vec::new();
    for (pos, &i) in app.visible.iter().enumerate().skip(offset).take(fit) {
        let row = &app.orders[i];
        let selected = pos == app.selected;
        let marker = if selected { "▶" } else { " " };
        let status = names::status_label(row.status, app.lang);
        let first = truncate(&format!("{marker}{} {}", row.order_id, status), w);
        let state = app.vnum_state(row);
        let sel_style = if selected {
            if focused {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default().add_modifier(Modifier::BOLD)
            }
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(pad(&first, w), sel_style)));
        let mut second = vec![
            Span::raw("  ☎ "),
            Span::styled(pad(state.label(app.lang), 7), theme.state(state)),
            Span::raw(format!(" ✉ {:<3}", row.messages)),
        ];
        if row.type5 {
            second.push(Span::styled(" ⚑5", theme.fg(Color::Yellow)));
        }
        lines.push(Line::from(second));
    }
    f.render_widget(Paragraph::new(lines), rows_area);
}

fn draw_detail(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(d) = &app.detail else {
        let msg = t(app.lang, "选择一个订单", "Select an order");
        f.render_widget(Paragraph::new(msg).block(block(String::new(), false, theme)).style(theme.dim()), area);
        return;
    };
    let [summary, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    draw_summary(f, summary, app, d, theme);
    let n_msgs = d.messages.len() as u16;
    let msg_h = (n_msgs + 2).clamp(4, (area.height * 2 / 5).max(6));
    // Number and expiry lines, the inferred clock start on its own line when
    // narrow, and the one-line explanation.
    let vnum_h = if area.width >= 110 || d.vnum.number.is_none() { 5 } else { 6 };
    let [compare, vnum, messages] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(vnum_h), Constraint::Length(msg_h)]).areas(area);
    if area.width + 34 >= SIDE_BY_SIDE_WIDTH && d.pair.before.is_some() && d.pair.after.is_some() {
        draw_side_by_side(f, compare, app, d, theme);
    } else {
        draw_changes(f, compare, app, d, theme);
    }
    draw_vnum(f, vnum, app, d, theme);
    draw_messages(f, messages, app, d, theme);
}

/// One line about the selected order: id, status, goods, buyer, times.
fn draw_summary(f: &mut Frame, area: Rect, app: &App, d: &Detail, theme: Theme) {
    let lang = app.lang;
    let mut parts = vec![d.order_id.clone()];
    if let Some(o) = &d.latest {
        parts.push(names::status_label(o.status(), lang));
        let products = o.products();
        if let Some(p) = products.first() {
            let more = if products.len() > 1 { format!(" +{}", products.len() - 1) } else { String::new() };
            parts.push(format!("{} ×{}{more}", visible(&p.title), p.sku_cnt.unwrap_or(1)));
        }
        if let Some(name) = o.user_name() {
            parts.push(visible(name));
        }
        if let Some(c) = o.create_time() {
            parts.push(format!("{} {}", t(lang, "下单", "created"), timefmt::minute(c)));
        }
        if let Some(s) = o.shipped_at() {
            parts.push(format!("{} {}", t(lang, "发货", "shipped"), timefmt::minute(s)));
        }
    }
    let status = live_status(app);
    let status_w = width(&status);
    let room = (area.width as usize).saturating_sub(if status_w > 0 { status_w + 1 } else { 0 });
    let text = truncate(&format!(" {}", parts.join(" · ")), room);
    let gap = (area.width as usize).saturating_sub(width(&text) + status_w);
    let style = if app.live.error.is_some() { theme.warn() } else { theme.accent() };
    let line = Line::from(vec![
        Span::styled(text, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(" ".repeat(gap)),
        Span::styled(status, style),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

/// The live state of the selected order: fetching, failed, or how fresh.
fn live_status(app: &App) -> String {
    if !app.live.enabled {
        return String::new();
    }
    let lang = app.lang;
    if let Some(listing) = &app.live.listing
        && app.live.in_flight.is_none()
    {
        let _ = listing;
        return format!("⟳ {}", t(lang, "刷新列表", "listing"));
    }
    if app.live.in_flight.as_ref().map(|(_, id)| Some(id.as_str()) == app.selected_id()).unwrap_or(false) {
        return format!("⟳ {}", t(lang, "获取中", "fetching"));
    }
    if app.live.error.is_some() {
        return format!("⚠ {}", t(lang, "获取失败", "fetch failed"));
    }
    match app.selected_id().and_then(|id| app.live.fetched_at.get(id)) {
        Some(at) => {
            format!("● {} {}{}", t(lang, "已获取", "fetched"), timefmt::coarse(app.now - at), t(lang, "前", " ago"))
        }
        None => String::new(),
    }
}

fn version_title(lang: Lang, label: (&'static str, &'static str), v: &Version) -> String {
    format!("{} · {}", t(lang, label.0, label.1), timefmt::short(v.fetched_at))
}

fn problem_lines(d: &Detail, theme: Theme) -> Vec<Line<'static>> {
    d.problems.iter().map(|p| Line::from(Span::styled(format!("⚠ {}", visible(p)), theme.warn()))).collect()
}

fn side_label(lang: Lang, v: &Version, before: bool) -> (&'static str, &'static str) {
    let _ = lang;
    match (before, v.order.is_shipped()) {
        (true, false) => ("发货前", "Before shipping"),
        (false, true) => ("发货后", "After shipping"),
        (true, true) => ("较早版本", "Earlier version"),
        (false, false) => ("最新版本", "Latest version"),
    }
}

fn draw_side_by_side(f: &mut Frame, area: Rect, app: &App, d: &Detail, theme: Theme) {
    let (Some(before), Some(after)) = (&d.pair.before, &d.pair.after) else { return };
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let focused = app.focus == Pane::Compare && app.overlay.is_none();
    let label_w = d.rows.iter().map(|r| width(&r.label)).max().unwrap_or(8).clamp(8, 26);
    for (rect, version, is_before) in [(left, before, true), (right, after, false)] {
        let title = version_title(app.lang, side_label(app.lang, version, is_before), version);
        let picked = focused && ((app.side == Side::Before) == is_before);
        let b = block(title, picked, theme);
        let inner_w = b.inner(rect).width as usize;
        let mut lines = problem_lines(d, theme);
        if d.rows.is_empty() {
            lines.push(Line::from(Span::styled(
                t(app.lang, "两个版本内容相同", "The two versions are identical"),
                theme.dim(),
            )));
        }
        for row in d.rows.iter().skip(app.compare_scroll) {
            let value = if is_before { &row.before } else { &row.after };
            let mark = match (row.op, is_before) {
                (Op::Add, true) | (Op::Remove, false) => ' ',
                (op, _) => op.mark(),
            };
            // A side shows the field when it has it; an added or removed
            // subtree's heading shows on the side that has the subtree.
            let heading = row.before.is_none() && row.after.is_none();
            let shown_label =
                if value.is_some() || (heading && mark != ' ') { row.label.clone() } else { String::new() };
            let text = format!("{mark}{} {}", pad(&shown_label, label_w), value.as_deref().unwrap_or(""));
            lines.push(Line::from(Span::styled(truncate(&text, inner_w), theme.op(row.op))));
        }
        f.render_widget(Paragraph::new(lines).block(b), rect);
    }
}

/// Key facts of one version, for when there is nothing to compare it with.
fn key_fields(order: &Order, lang: Lang) -> Vec<(String, String)> {
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
    let ts = |v: Option<i64>| v.map(timefmt::full).unwrap_or_else(|| "-".into());
    let ext = order.tel_ext().unwrap_or_default();
    vec![
        ("status".into(), format!("{} {}", opt(order.status()), names::status_label(order.status(), lang))),
        ("update_time".into(), ts(order.update_time())),
        ("ship_done_time".into(), ts(order.ship_done_time())),
        ("deliver_method".into(), opt(order.deliver_method())),
        ("use_tel_number".into(), opt(order.use_tel_number())),
        ("virtual_tel_number".into(), ext.virtual_tel_number.unwrap_or_else(|| "-".into())),
        ("virtual_tel_expire_time".into(), ts(ext.expire_time)),
    ]
}

fn draw_changes(f: &mut Frame, area: Rect, app: &App, d: &Detail, theme: Theme) {
    let focused = app.focus == Pane::Compare && app.overlay.is_none();
    let mut lines = problem_lines(d, theme);
    let title = match (&d.pair.before, &d.pair.after) {
        (Some(b), Some(a)) => {
            let (bl, al) = (side_label(app.lang, b, true), side_label(app.lang, a, false));
            let full = format!(
                "{} ({}) {} {} → {} {}",
                t(app.lang, "变化", "Changes"),
                d.pair.changes.len(),
                t(app.lang, bl.0, bl.1),
                timefmt::minute(b.fetched_at),
                t(app.lang, al.0, al.1),
                timefmt::minute(a.fetched_at)
            );
            if width(&full) + 2 <= area.width as usize {
                full
            } else {
                format!(
                    "{} ({}) {} → {}",
                    t(app.lang, "变化", "Changes"),
                    d.pair.changes.len(),
                    timefmt::minute(b.fetched_at),
                    timefmt::minute(a.fetched_at)
                )
            }
        }
        (Some(v), None) | (None, Some(v)) => {
            format!("{} · {}", t(app.lang, "唯一版本", "Only version"), timefmt::short(v.fetched_at))
        }
        (None, None) => t(app.lang, "没有存储的订单版本", "No stored version").to_string(),
    };
    let b = block(title, focused, theme);
    let inner_w = b.inner(area).width as usize;
    match (&d.pair.before, &d.pair.after) {
        (Some(_), Some(_)) => {
            if d.rows.is_empty() {
                lines.push(Line::from(Span::styled(
                    t(app.lang, "两个版本内容相同", "The two versions are identical"),
                    theme.dim(),
                )));
            }
            let label_w = d.rows.iter().map(|r| width(&r.label)).max().unwrap_or(8).clamp(8, 22);
            for row in d.rows.iter().skip(app.compare_scroll) {
                lines.push(change_line(row, label_w, inner_w, theme));
            }
        }
        (Some(v), None) | (None, Some(v)) => {
            for (k, val) in key_fields(&v.order, app.lang) {
                lines.push(Line::from(format!(" {} {}", pad(&k, 24), visible(&val))));
            }
        }
        (None, None) => lines.push(Line::from(Span::styled(
            t(
                app.lang,
                "只收到了推送，还没有订单详情。",
                "Only pushes were received for this order; no order/get response is stored.",
            ),
            theme.dim(),
        ))),
    }
    f.render_widget(Paragraph::new(lines).block(b), area);
}

fn change_line(row: &CompareRow, label_w: usize, max: usize, theme: Theme) -> Line<'static> {
    let value = match (row.op, &row.before, &row.after) {
        (Op::Replace, b, a) => format!("{} → {}", b.as_deref().unwrap_or(""), a.as_deref().unwrap_or("")),
        (_, Some(v), None) | (_, None, Some(v)) => v.clone(),
        _ => String::new(),
    };
    Line::from(Span::styled(
        truncate(&format!("{}{} {}", row.op.mark(), pad(&row.label, label_w), value), max),
        theme.op(row.op),
    ))
}

fn draw_vnum(f: &mut Frame, area: Rect, app: &App, d: &Detail, theme: Theme) {
    let lang = app.lang;
    let v = &d.vnum;
    let state = v.state(app.now);
    let title = t(lang, "虚拟号", "Virtual number").to_string();
    let b = block(title, false, theme);
    let mut lines = Vec::new();
    match v.display_number(lang) {
        Some(number) => {
            let mut first = vec![Span::styled(number, Style::default().add_modifier(Modifier::BOLD)), Span::raw(" · ")];
            first.push(Span::styled(state.label(lang), theme.state(state)));
            if let Some(exp) = v.expire_time {
                let left = exp - app.now;
                let countdown = if left > 0 {
                    format!("{} {}", t(lang, "剩余", "expires in"), timefmt::countdown(left))
                } else {
                    format!("{}{}", timefmt::coarse(left), t(lang, "前", " ago"))
                };
                first.push(Span::raw(" · "));
                first.push(Span::styled(countdown, theme.state(state)));
            }
            lines.push(Line::from(first));
            let mut second = vec![
                format!(
                    "{} {} +08",
                    t(lang, "到期", "expires"),
                    v.expire_time.map(timefmt::full).unwrap_or_else(|| "?".into())
                ),
                format!(
                    "{} {}×",
                    t(lang, "已延期", "extended"),
                    v.has_delay_times.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
                ),
            ];
            if let Some(start) = v.inferred_clock_start() {
                let rule = if area.width >= 110 {
                    t(lang, "推断：到期 − 30天 − 15天×延期次数", "inferred: expiry − 30 d − 15 d × extensions")
                } else {
                    t(lang, "推断", "inferred")
                };
                second.push(format!("{} ≈ {} ({rule})", t(lang, "计时开始", "clock started"), timefmt::short(start)));
            }
            if let Some(real) = v.real_tel_number.as_ref().filter(|_| area.width >= 140) {
                second.push(format!("{} {}", t(lang, "真实号", "real"), visible(real)));
            }
            // Narrow panes put the inferred clock start on a line of its own.
            if area.width >= 110 {
                lines.push(Line::from(second.join(" · ")));
            } else {
                let third = second.split_off(2);
                lines.push(Line::from(second.join(" · ")));
                if !third.is_empty() {
                    lines.push(Line::from(third.join(" · ")));
                }
            }
        }
        None => {
            let why = match (state, d.latest.as_ref().and_then(Order::deliver_method)) {
                (_, Some(1)) => t(
                    lang,
                    "虚拟发货订单（deliver_method 1）：无物流，不分配虚拟号",
                    "Virtual goods (deliver_method 1): no logistics, no virtual number",
                ),
                (VnumState::Pending, _) => t(
                    lang,
                    "use_tel_number 为 1，但还没有分配号码",
                    "use_tel_number is 1 but no number is assigned yet",
                ),
                _ if d.latest.is_none() => {
                    t(lang, "没有订单详情，无法判断", "No stored order/get response to tell from")
                }
                _ => t(
                    lang,
                    "该订单没有虚拟号（use_tel_number 0，无 tel_number_ext_info）",
                    "No virtual number (use_tel_number 0, no tel_number_ext_info)",
                ),
            };
            lines.push(Line::from(vec![
                Span::styled(state.label(lang), theme.state(state)),
                Span::raw(" · "),
                Span::raw(why),
            ]));
            if let Some(real) = &v.real_tel_number {
                lines.push(Line::from(format!(
                    "{} {}",
                    t(lang, "联系电话（平台脱敏）", "contact (masked by the platform)"),
                    visible(real)
                )));
            }
        }
    }
    if let Some(h) = d.story.as_ref().and_then(crate::explain::headline) {
        let mut text = format!("» {}", visible(&h.short));
        let more = t(app.lang, "（t 查看时间线与解释）", " (t: timeline and explanation)");
        if width(&text) + width(more) + 2 <= area.width as usize {
            text.push_str(more);
        }
        lines.push(Line::from(Span::styled(text, theme.accent())));
    }
    f.render_widget(Paragraph::new(lines).block(b), area);
}

fn draw_messages(f: &mut Frame, area: Rect, app: &App, d: &Detail, theme: Theme) {
    let focused = app.focus == Pane::Messages && app.overlay.is_none();
    let title = format!("{} ({})", t(app.lang, "推送", "Messages"), d.messages.len());
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    let w = inner.width as usize;
    let fit = inner.height.max(1) as usize;
    let offset = if app.message_selected < fit { 0 } else { app.message_selected + 1 - fit };
    let mut lines = Vec::new();
    if d.messages.is_empty() {
        lines.push(Line::from(Span::styled(
            t(app.lang, "没有收到该订单的推送", "No push received for this order"),
            theme.dim(),
        )));
    }
    for (i, m) in d.messages.iter().enumerate().skip(offset).take(fit) {
        let event = m.event.as_deref().unwrap_or("?");
        let kind = m.kind.map(|k| format!(" {k}")).unwrap_or_default();
        let mut text = format!(
            "{} {}{} {}",
            timefmt::short(m.received_at),
            names::event_short(event),
            kind,
            names::push_meaning(event, m.kind, app.lang)
        );
        if m.deliveries > 1 {
            text.push_str(&format!(" ×{}", m.deliveries));
        }
        if let Some(e) = &m.parse_error {
            text.push_str(&format!(" ⚠ {e}"));
        }
        let mut style = if m.is_type5() { theme.fg(Color::Yellow) } else { Style::default() };
        if focused && i == app.message_selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let mark = if m.is_type5() { "⚑" } else { " " };
        lines.push(Line::from(Span::styled(pad(&visible(&format!("{mark}{text}")), w), style)));
    }
    f.render_widget(Paragraph::new(lines).block(b), area);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn draw_help(f: &mut Frame, area: Rect, lang: Lang, theme: Theme) {
    let column = |ctx: Context, heading: &'static str| {
        let mut lines = vec![Line::from(Span::styled(heading, theme.accent().add_modifier(Modifier::BOLD)))];
        for b in BINDINGS.iter().filter(|b| b.context == ctx && b.help) {
            lines.push(Line::from(format!("{} {}", pad(b.label, 9), describe(b, lang))));
        }
        lines
    };
    let main = column(Context::Main, t(lang, "主界面", "Main screen"));
    let mut raw = column(Context::Raw, t(lang, "原始 JSON", "Raw JSON"));
    raw.push(Line::from(""));
    raw.extend(column(Context::Timeline, t(lang, "时间线", "Timeline")));
    let rows = main.len().max(raw.len()) as u16;
    let rect = centered(area, 78, rows + 3);
    f.render_widget(Clear, rect);
    let outer =
        block(format!("{} · {}", t(lang, "帮助", "Help"), t(lang, "按任意键关闭", "any key closes")), true, theme);
    let inner = outer.inner(rect);
    f.render_widget(outer, rect);
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    f.render_widget(Paragraph::new(main), left);
    f.render_widget(Paragraph::new(raw), right);
}

fn draw_raw(f: &mut Frame, area: Rect, view: &RawView, lang: Lang, theme: Theme) {
    f.render_widget(Clear, area);
    let pos = format!(
        " {} {}/{}{}",
        t(lang, "行", "line"),
        (view.scroll + 1).min(view.lines.len().max(1)),
        view.lines.len(),
        if view.query.is_empty() {
            String::new()
        } else {
            format!(
                " · \"{}\" {}/{}",
                visible(&view.query),
                if view.matches.is_empty() { 0 } else { view.current + 1 },
                view.matches.len()
            )
        }
    );
    let b = block(format!("{}{pos}", view.title()), true, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let (text_area, search_area) = if view.search.is_some() {
        let [a, s] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
        (a, Some(s))
    } else {
        (inner, None)
    };
    let current = view.matches.get(view.current).copied();
    let lines: Vec<Line> = view
        .lines
        .iter()
        .enumerate()
        .skip(view.scroll)
        .take(text_area.height as usize)
        .map(|(i, l)| {
            let style = if Some(i) == current {
                Style::default().add_modifier(Modifier::REVERSED)
            } else if view.matches.binary_search(&i).is_ok() {
                theme.fg(Color::Yellow).add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            Line::from(Span::styled(truncate(l, text_area.width as usize), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), text_area);
    if let (Some(s), Some(input)) = (search_area, &view.search) {
        let [slash, rest] = Layout::horizontal([Constraint::Length(2), Constraint::Min(0)]).areas(s);
        f.render_widget(Paragraph::new(Span::styled("/ ", theme.accent())), slash);
        f.render_widget(input, rest);
    }
}

fn draw_timeline(f: &mut Frame, area: Rect, story: &Story, selected: usize, lang: Lang, theme: Theme) {
    f.render_widget(Clear, area);
    let explanation: Vec<Line> = story
        .explanation
        .iter()
        .map(|s| Line::from(vec![Span::styled("• ", theme.accent()), Span::raw(visible(&s.statement))]))
        .collect();
    let expl_h = (area.height / 2).min(explanation.len() as u16 * 2 + 2).max(4);
    let [top, bottom] = Layout::vertical([Constraint::Min(4), Constraint::Length(expl_h)]).areas(area);
    let b =
        block(format!("{} · {} ({})", t(lang, "时间线", "Timeline"), story.order_id, story.entries.len()), true, theme);
    let inner = b.inner(top);
    f.render_widget(b, top);
    let fit = inner.height.max(1) as usize;
    let offset = if selected < fit { 0 } else { selected + 1 - fit };
    let w = inner.width as usize;
    let lines: Vec<Line> = story
        .entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(fit)
        .map(|(i, e)| {
            let (mark, style) = match e.source {
                Source::Observed => (t(lang, "观测", "seen "), Style::default()),
                Source::Inferred => (t(lang, "推断", "infer"), theme.fg(Color::Magenta).add_modifier(Modifier::ITALIC)),
                Source::Reported => (t(lang, "报告", "reprt"), theme.fg(Color::Cyan)),
                Source::Demo => (t(lang, "演示", "demo "), theme.fg(Color::Yellow)),
            };
            let mut text = format!("{} {mark} {}", timefmt::full(e.at), visible(&e.summary));
            if let Some(rule) = &e.rule {
                text.push_str(&format!("  [{}]", visible(rule)));
            }
            let style = if i == selected { style.add_modifier(Modifier::REVERSED) } else { style };
            Line::from(Span::styled(pad(&text, w), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
    f.render_widget(
        Paragraph::new(explanation).wrap(Wrap { trim: false }).block(block(
            t(lang, "解释", "Explanation").to_string(),
            false,
            theme,
        )),
        bottom,
    );
}

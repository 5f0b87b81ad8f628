//! The selected order: summary line, the two versions compared, the virtual
//! number, and the pushes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{SIDE_BY_SIDE_WIDTH, Theme, block, t};
use crate::diff::Op;
use crate::model::Order;
use crate::model::names::{self, Lang};
use crate::text::{pad, truncate, visible, width};
use crate::timefmt;
use crate::tui::detail::{CompareRow, Detail};
use crate::tui::state::{Pane, Side, State};
use crate::version_pair::Version;

pub(super) fn draw_detail(f: &mut Frame, area: Rect, app: &State, theme: Theme) {
    let Some(d) = app.shown_detail() else {
        // The selected order's detail is on its way: say which order, never
        // show another order's panes beside it.
        let msg = match app.selected_row() {
            Some(row)
                if app.loading.as_deref() != Some(row.order_id.as_str())
                    && let Some((_, why)) = app.detail_error.as_ref().filter(|(id, _)| *id == row.order_id) =>
            {
                format!(
                    "{} · {} · {}: {why}",
                    row.order_id,
                    names::row_status_label(row.status, row.snapshots, false, app.lang),
                    t(app.lang, "读取失败，存储恢复后自动重读", "not read, read again when the store answers")
                )
            }
            Some(row) => format!(
                "{} · {} · {}",
                row.order_id,
                names::row_status_label(row.status, row.snapshots, false, app.lang),
                t(app.lang, "读取中…", "loading…")
            ),
            None => t(app.lang, "选择一个订单", "Select an order").to_string(),
        };
        let msg = Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: false });
        f.render_widget(msg.block(block(String::new(), false, theme)).style(theme.dim()), area);
        return;
    };
    let [summary, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    draw_summary(f, summary, app, d, theme);
    // The number's pane takes what its lines need (nothing in it is cut);
    // the pushes take up to two fifths of what is left, the versions the rest.
    let vnum_lines = super::vnum::lines(app, d, area.width.saturating_sub(2) as usize, theme);
    let vnum_h = (vnum_lines.len() as u16 + 2).min(area.height.saturating_sub(4 + 3));
    let n_msgs = d.messages.len() as u16;
    let msg_h = (n_msgs + 2).clamp(4, (area.height * 2 / 5).max(6)).min(area.height.saturating_sub(4 + vnum_h)).max(3);
    let [compare, vnum, messages] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(vnum_h), Constraint::Length(msg_h)]).areas(area);
    if area.width + 34 >= SIDE_BY_SIDE_WIDTH && d.pair.before.is_some() && d.pair.after.is_some() {
        draw_side_by_side(f, compare, app, d, theme);
    } else {
        draw_changes(f, compare, app, d, theme);
    }
    super::vnum::draw(f, vnum, vnum_lines, app, theme);
    draw_messages(f, messages, app, d, theme);
}

/// One line about the selected order: id, status, goods, buyer, times.
fn draw_summary(f: &mut Frame, area: Rect, app: &State, d: &Detail, theme: Theme) {
    let lang = app.lang;
    let mut parts = vec![d.order_id.clone()];
    // Below 100 columns the list row's mark and the explanation's say it,
    // and the goods keep the room.
    if app.demo_orders.contains(&d.order_id) && area.width >= 70 {
        parts[0].push_str(t(lang, "［演示数据］", " [demo data]"));
    }
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
            parts.push(format!("{} {}", t(lang, "下单", "created"), timefmt::minute_in(c, app.now_year())));
        }
        if let Some(s) = o.shipped_at() {
            parts.push(format!("{} {}", t(lang, "发货", "shipped"), timefmt::minute_in(s, app.now_year())));
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
fn live_status(app: &State) -> String {
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
            format!("● {} {}{}", t(lang, "已获取", "fetched"), timefmt::ago(lang, app.now - at), t(lang, "前", " ago"))
        }
        None => String::new(),
    }
}

fn version_title(app: &State, label: (&'static str, &'static str), v: &Version) -> String {
    format!("{} · {}", t(app.lang, label.0, label.1), timefmt::short_in(v.fetched_at, app.now_year()))
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

fn draw_side_by_side(f: &mut Frame, area: Rect, app: &State, d: &Detail, theme: Theme) {
    let (Some(before), Some(after)) = (&d.pair.before, &d.pair.after) else { return };
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let focused = app.focus == Pane::Compare && app.overlay.is_none();
    // Each side is half the pane, less its border and the mark column.
    let side_w = (area.width as usize / 2).saturating_sub(3);
    let values = d.rows.iter().flat_map(|r| [&r.before, &r.after]).filter_map(|v| v.as_deref().map(width));
    let label_w = label_width(d, values.collect(), side_w, 26);
    for (rect, version, is_before) in [(left, before, true), (right, after, false)] {
        let title = version_title(app, side_label(app.lang, version, is_before), version);
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

fn draw_changes(f: &mut Frame, area: Rect, app: &State, d: &Detail, theme: Theme) {
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
                timefmt::minute_in(b.fetched_at, app.now_year()),
                t(app.lang, al.0, al.1),
                timefmt::minute_in(a.fetched_at, app.now_year())
            );
            if width(&full) + 2 <= area.width as usize {
                full
            } else {
                format!(
                    "{} ({}) {} → {}",
                    t(app.lang, "变化", "Changes"),
                    d.pair.changes.len(),
                    timefmt::minute_in(b.fetched_at, app.now_year()),
                    timefmt::minute_in(a.fetched_at, app.now_year())
                )
            }
        }
        (Some(v), None) | (None, Some(v)) => {
            format!("{} · {}", t(app.lang, "唯一版本", "Only version"), timefmt::short_in(v.fetched_at, app.now_year()))
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
            let values = d.rows.iter().map(|r| width(&change_value(r)));
            let label_w = label_width(d, values.collect(), inner_w.saturating_sub(1), 22);
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

/// The label column's width: as wide as the longest label (within `cap`),
/// but values win when space is short: the column gives up room (down to 12)
/// so that most values (all but the longest fifth) fit in `room` beside it.
fn label_width(d: &Detail, mut values: Vec<usize>, room: usize, cap: usize) -> usize {
    let wanted = d.rows.iter().map(|r| width(&r.label)).max().unwrap_or(8).clamp(8, cap);
    values.sort_unstable();
    let typical = values.get(values.len() * 4 / 5).copied().unwrap_or(0);
    wanted.min(room.saturating_sub(typical + 1).max(12))
}

/// The value text of one change line: `before → after`, or the one side.
fn change_value(row: &CompareRow) -> String {
    match (row.op, &row.before, &row.after) {
        (Op::Replace, b, a) => format!("{} → {}", b.as_deref().unwrap_or(""), a.as_deref().unwrap_or("")),
        (_, Some(v), None) | (_, None, Some(v)) => v.clone(),
        _ => String::new(),
    }
}

fn change_line(row: &CompareRow, label_w: usize, max: usize, theme: Theme) -> Line<'static> {
    let value = change_value(row);
    Line::from(Span::styled(
        truncate(&format!("{}{} {}", row.op.mark(), pad(&row.label, label_w), value), max),
        theme.op(row.op),
    ))
}

fn draw_messages(f: &mut Frame, area: Rect, app: &State, d: &Detail, theme: Theme) {
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
            t(app.lang, "存储中没有该订单的推送", "No push is stored for this order"),
            // The deciding fact for "why no type 5": never dim.
            theme.warn().add_modifier(Modifier::BOLD),
        )));
    }
    for (i, m) in d.messages.iter().enumerate().skip(offset).take(fit) {
        let event = m.event.as_deref().unwrap_or("?");
        let kind = m.kind.map(|k| format!(" {k}")).unwrap_or_default();
        let mut text = format!(
            "{} {}{} {}",
            timefmt::short_in(m.received_at, app.now_year()),
            names::event_short(event),
            kind,
            names::push_meaning(event, m.kind, app.lang)
        );
        if m.deliveries > 1 {
            text.push_str(&format!(" ×{}", m.deliveries));
        }
        let mut style = if m.is_type5() { theme.fg(Color::Yellow) } else { Style::default() };
        // A push that arrived while the inspector was open is marked for a while.
        if app.is_fresh(m.id) {
            text.push_str(t(app.lang, " ● 新", " ● new"));
            style = style.add_modifier(Modifier::BOLD);
        }
        if m.source.is_demo() {
            text.push_str(t(app.lang, " ［演示］", " [demo]"));
        }
        // The fields a support person asks about, named (cancel_type, …).
        for detail in names::push_details(&m.payload(), app.lang) {
            text.push_str(" · ");
            text.push_str(&detail);
        }
        if let Some(e) = &m.parse_error {
            text.push_str(&format!(" ⚠ {e}"));
        }
        if focused && i == app.message_selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let mark = if m.is_type5() { "⚑" } else { " " };
        lines.push(Line::from(Span::styled(pad(&visible(&format!("{mark}{text}")), w), style)));
    }
    f.render_widget(Paragraph::new(lines).block(b), area);
}

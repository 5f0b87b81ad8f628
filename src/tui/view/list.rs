//! The order list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use unicode_width::UnicodeWidthStr;

use super::{Theme, block, t};
use crate::model::names::{self, Lang};
use crate::text::{pad, truncate};
use crate::tui::state::{Pane, State};

pub(super) fn draw_list(f: &mut Frame, area: Rect, row_lines: u16, app: &State, theme: Theme) {
    let focused = app.focus == Pane::List && app.overlay.is_none();
    let more = if app.list_complete { "" } else { "+" };
    // Where the cursor is, of how many shown; of how many stored when a
    // filter narrows the list.
    let position = if app.visible.is_empty() { 0 } else { app.selected + 1 };
    let mut title = format!(
        "{} {position}/{}{more}",
        t(app.lang, "订单", "Orders"),
        crate::text::thousands(app.visible.len() as i64)
    );
    if app.visible.len() != app.orders.len() {
        title += &match app.lang {
            Lang::Zh => format!("（共 {}{more}）", crate::text::thousands(app.orders.len() as i64)),
            Lang::En => format!(" (of {}{more})", crate::text::thousands(app.orders.len() as i64)),
        };
    }
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
        // A bare four-digit number: say what it matched by, on one line when
        // it fits, else one phrase a line (the list is narrow at 80 columns).
        if let Some(which) = &app.matched {
            let phrases = which.phrases(app.lang);
            let joined = phrases.join(" · ");
            let lines: Vec<String> = if unicode_width::UnicodeWidthStr::width(joined.as_str()) <= rest.width as usize {
                vec![joined]
            } else {
                phrases
            };
            let height = (lines.len() as u16).min(rest.height);
            let [said, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(rest);
            let lines: Vec<Line> = lines.into_iter().map(|l| Line::from(Span::styled(l, theme.accent()))).collect();
            f.render_widget(Paragraph::new(lines), said);
            rows_area = rest;
        }
    }
    if app.visible.is_empty() {
        let msg = if !app.list_loaded {
            t(app.lang, "正在读取存储…", "Reading the store…")
        } else if app.orders.is_empty() {
            t(
                app.lang,
                "存储中还没有订单。用 orderscope import 导入，或运行 orderscope demo。",
                "No orders stored yet. Import some with `orderscope import`, or try `orderscope demo`.",
            )
        } else {
            t(app.lang, "没有符合筛选条件的订单", "No order matches the filter")
        };
        // A whole order id the store does not know: say what Enter does.
        let text = app.filter_text();
        let msg = match (crate::tui::state::looks_like_order_id(text.trim()), app.live.enabled, app.lang) {
            (false, _, _) => msg.to_string(),
            (true, true, Lang::Zh) => format!("{msg}。按 enter 从店铺 API 获取订单 {}", text.trim()),
            (true, true, Lang::En) => format!("{msg}. Press enter to fetch order {} from the shop API", text.trim()),
            (true, false, Lang::Zh) => format!("{msg}。未配置店铺 API 凭据，无法获取该订单"),
            (true, false, Lang::En) => format!("{msg}. No shop API credentials are configured to fetch it"),
        };
        f.render_widget(Paragraph::new(msg).style(theme.dim()).wrap(Wrap { trim: true }), rows_area);
        return;
    }
    let fit = (rows_area.height / row_lines).max(1) as usize;
    // The state keeps the scroll position; only make sure the selected row
    // fits at this height.
    let mut offset = app.list_offset.min(app.selected);
    if app.selected >= offset + fit {
        offset = app.selected + 1 - fit;
    }
    let w = rows_area.width as usize;
    let mut lines = Vec::new();
    for (pos, &i) in app.visible.iter().enumerate().skip(offset).take(fit) {
        let row = &app.orders[i];
        let selected = pos == app.selected;
        let marker = if selected { "▶" } else { " " };
        let status = names::row_status_label(row.status, row.snapshots, true, app.lang);
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
        if app.marked.as_deref() == Some(row.order_id.as_str()) {
            second.push(Span::styled(t(app.lang, " ◆对比", " ◆A"), theme.accent()));
        }
        if app.demo_orders.contains(&row.order_id) {
            second.push(Span::styled(t(app.lang, " 演示", " demo"), theme.dim()));
        }
        // When the row's last activity was, right-aligned where it fits:
        // "what came in just now" is read down this column.
        if row.last_activity > 0 {
            let age = crate::timefmt::ago(app.lang, app.now - row.last_activity);
            let when = match app.lang {
                Lang::Zh => format!("{age}前"),
                Lang::En => format!("{age} ago"),
            };
            let used: usize = second.iter().map(|s| UnicodeWidthStr::width(s.content.as_ref())).sum();
            let gap = w.saturating_sub(used + UnicodeWidthStr::width(when.as_str()));
            if gap >= 1 {
                second.push(Span::raw(" ".repeat(gap)));
                second.push(Span::styled(when, theme.dim()));
            }
        }
        lines.push(Line::from(second));
        if row_lines >= 3 {
            lines.push(bought(row, w, app.lang, theme));
        }
    }
    f.render_widget(Paragraph::new(lines), rows_area);
}

/// The third line of a row at three columns: what was bought and by whom,
/// the buyer's name kept whole and the titles cut to the room left.
fn bought(row: &crate::store::OrderRow, w: usize, lang: Lang, theme: Theme) -> Line<'static> {
    if row.product.is_empty() && row.buyer.is_empty() {
        // Known only from pushes: no version says what was bought.
        return Line::from(Span::styled(
            format!("  {}", t(lang, "（尚无订单详情）", "(no order details yet)")),
            theme.dim(),
        ));
    }
    let buyer = if row.buyer.is_empty() { String::new() } else { format!(" · {}", row.buyer) };
    let room = w.saturating_sub(2 + UnicodeWidthStr::width(buyer.as_str()));
    Line::from(vec![Span::raw(format!("  {}", truncate(&row.product, room))), Span::styled(buyer, theme.dim())])
}

//! What opens over the main screen: help, raw JSON, the timeline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, block, t};
use crate::explain::{Source, Story};
use crate::model::names::Lang;
use crate::text::{pad, truncate, visible, wrap};
use crate::timefmt;
use crate::tui::keys::{Context, HELP_COLUMNS, describe, help_bindings};
use crate::tui::raw::RawView;
use crate::tui::state::{CompareView, ExpiringView, HelpView, TimelineFocus, TimelineView};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

pub(super) fn draw_help(f: &mut Frame, area: Rect, view: &HelpView, lang: Lang, theme: Theme) {
    let heading = |ctx: Context| match ctx {
        Context::Main => t(lang, "主界面", "Main screen"),
        Context::Raw => t(lang, "原始 JSON", "Raw JSON"),
        Context::Timeline => t(lang, "时间线", "Timeline"),
        Context::Comparison => t(lang, "两单对比", "Comparison"),
        Context::Expiring => t(lang, "即将到期的虚拟号", "Numbers about to expire"),
        Context::Pushes => t(lang, "推送流", "Push stream"),
        Context::HelpPage => t(lang, "帮助", "Help"),
    };
    let column = |tables: &[Context]| {
        let mut lines = Vec::new();
        for (i, &ctx) in tables.iter().enumerate() {
            if i > 0 {
                lines.push(Line::from(""));
            }
            lines.push(Line::from(Span::styled(heading(ctx), theme.accent().add_modifier(Modifier::BOLD))));
            for b in help_bindings(ctx) {
                lines.push(Line::from(format!("{} {}", pad(b.label, 9), describe(b, lang))));
            }
        }
        lines
    };
    let [main, rest] = HELP_COLUMNS.map(column);
    let rows = main.len().max(rest.len());
    let rect = centered(area, 78, rows as u16 + 2);
    f.render_widget(Clear, rect);
    // What fits decides how far it scrolls: the last line at the bottom.
    let fits = rect.height.saturating_sub(2) as usize;
    let scroll = view.scroll.min(rows.saturating_sub(fits));
    let position =
        if rows > fits { format!(" · {}-{}/{rows}", scroll + 1, (scroll + fits).min(rows)) } else { String::new() };
    let title = format!(
        "{}{position} · {}",
        t(lang, "帮助", "Help"),
        t(lang, "j k 滚动 · esc 关闭", "j k scroll · esc closes")
    );
    let outer = block(title, true, theme);
    let inner = outer.inner(rect);
    f.render_widget(outer, rect);
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    f.render_widget(Paragraph::new(main).scroll((scroll as u16, 0)), left);
    f.render_widget(Paragraph::new(rest).scroll((scroll as u16, 0)), right);
}

/// The orders not yet received whose number expires soon, soonest first:
/// the time left ticks, and whether an extension is possible now is said in
/// words (the delay API takes one in the last 7 days, fewer than 10 used).
pub(super) fn draw_expiring(f: &mut Frame, area: Rect, view: &ExpiringView, now: i64, lang: Lang, theme: Theme) {
    f.render_widget(Clear, area);
    let days = view.within / 86_400;
    let count = match &view.list {
        Some(Ok(l)) => match lang {
            Lang::Zh => format!(" · {} 单", l.len()),
            Lang::En if l.len() == 1 => " · 1 order".to_string(),
            Lang::En => format!(" · {} orders", l.len()),
        },
        _ => String::new(),
    };
    let title = match lang {
        Lang::Zh => format!("虚拟号 {days} 天内到期、尚未收货的订单{count}"),
        Lang::En => format!("Not yet received, number expiring within {days} d{count}"),
    };
    let b = block(title, true, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    match &view.list {
        None => lines.push(Line::from(Span::styled(t(lang, "读取中…", "loading…"), theme.dim()))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(format!("⚠ {}", visible(&e.to_string())), theme.warn()))),
        Some(Ok(list)) if list.is_empty() => lines.push(Line::from(Span::styled(
            t(
                lang,
                "没有：每个未收货订单的号码都还有 7 天以上",
                "none: every order awaiting receipt has a number for more than 7 days",
            ),
            theme.dim(),
        ))),
        Some(Ok(list)) => {
            for (i, e) in list.iter().enumerate() {
                let left = e.expire_time - now;
                let countdown =
                    if left > 0 { timefmt::countdown(lang, left) } else { t(lang, "已到期", "expired").into() };
                let used = match (lang, e.extensions_used) {
                    (Lang::Zh, Some(n)) => format!("已延期 {n}/10 次"),
                    (Lang::En, Some(n)) => format!("extended {n}/10"),
                    (Lang::Zh, None) => "延期次数未知".into(),
                    (Lang::En, None) => "extensions unknown".into(),
                };
                let (verdict, style) = match e.extendable_now {
                    Some(true) => {
                        (t(lang, "现在可延期", "extendable now"), theme.state(crate::model::VnumState::Extendable))
                    }
                    Some(false) => (t(lang, "不能再延期", "no longer extendable"), theme.warn()),
                    None => (t(lang, "可否延期未知", "extendable?"), theme.dim()),
                };
                let number = e.number.as_deref().unwrap_or("?");
                let mark = if i == view.selected { "▶" } else { " " };
                let demo = if e.demo { t(lang, " 演示", " demo") } else { "" };
                let head = format!(
                    "{mark}{} {} {} {} ",
                    e.order_id,
                    pad(&crate::model::names::status_label(e.status, lang), 10),
                    pad(&format!("{} {countdown}", t(lang, "剩余", "left")), 18),
                    pad(&used, 14)
                );
                let row_style = if i == view.selected {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                let mut spans =
                    vec![Span::styled(head, row_style.add_modifier(Modifier::BOLD)), Span::styled(verdict, style)];
                if w >= 110 {
                    spans.push(Span::raw(format!(
                        "  {number}  {} {}",
                        t(lang, "到期", "expires"),
                        timefmt::full(e.expire_time)
                    )));
                }
                spans.push(Span::styled(demo, theme.dim()));
                lines.push(Line::from(spans));
            }
        }
    }
    let room = inner.height as usize;
    let scroll = view.selected.saturating_sub(room.saturating_sub(1));
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

pub(super) fn draw_raw(f: &mut Frame, area: Rect, view: &RawView, lang: Lang, theme: Theme) {
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

pub(super) fn draw_timeline(f: &mut Frame, area: Rect, story: &Story, view: &TimelineView, lang: Lang, theme: Theme) {
    f.render_widget(Clear, area);
    let selected = view.selected.min(story.entries.len().saturating_sub(1));
    let [top, bottom] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let entries_focused = view.focus == TimelineFocus::Entries;
    let b = block(
        format!("{} · {} ({})", t(lang, "时间线", "Timeline"), story.order_id, story.entries.len()),
        entries_focused,
        theme,
    );
    let inner = b.inner(top);
    f.render_widget(b, top);
    let fit = inner.height.max(1) as usize;
    let offset = if selected < fit { 0 } else { selected + 1 - fit };
    let w = inner.width as usize;
    let line_of = |e: &crate::explain::Entry| {
        let mark = match e.source {
            Source::Observed => t(lang, "观测", "seen "),
            Source::Inferred => t(lang, "推断", "infer"),
            Source::Reported => t(lang, "报告", "said "),
            Source::Demo => t(lang, "演示", "demo "),
        };
        let mut text = format!("{} {mark} {}", timefmt::full(e.at), visible(&e.summary));
        if let Some(rule) = &e.rule {
            text.push_str(&format!("  [{}]", visible(rule)));
        }
        text
    };
    let lines: Vec<Line> = story
        .entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(fit)
        .map(|(i, e)| {
            let style = match e.source {
                Source::Observed => Style::default(),
                Source::Inferred => theme.fg(Color::Magenta).add_modifier(Modifier::ITALIC),
                Source::Reported => theme.fg(Color::Cyan),
                Source::Demo => theme.fg(Color::Yellow),
            };
            let style = if i == selected { style.add_modifier(Modifier::REVERSED) } else { style };
            Line::from(Span::styled(pad(&line_of(e), w), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);

    // Below: the selected entry in full (rows above are cut to one line),
    // then the explanation, wrapped (CJK between characters) and scrollable.
    let b = block(t(lang, "解释", "Explanation").to_string(), !entries_focused, theme);
    let inner = b.inner(bottom);
    f.render_widget(b, bottom);
    let w = (inner.width as usize).max(1);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = story.entries.get(selected) {
        for l in wrap(&line_of(e), w) {
            lines.push(Line::from(l));
        }
    }
    let fixed = lines.len();
    let expl = super::explanation::lines(&story.explanation, lang, theme, w, true);
    let room = (inner.height as usize).saturating_sub(fixed);
    let max_scroll = expl.len().saturating_sub(room);
    let scroll = view.explanation_scroll.min(max_scroll);
    let shown = expl.len().saturating_sub(scroll).min(room);
    lines.extend(expl.into_iter().skip(scroll).take(room));
    if max_scroll > 0 && room > 0 && shown == room {
        // Say that there is more, and how to reach it.
        let more = format!(
            "{} {}/{} · tab ↑↓",
            t(lang, "滚动", "scroll"),
            scroll + shown.min(room),
            scroll + shown + (max_scroll - scroll)
        );
        let last = lines.len() - 1;
        lines[last] = Line::from(Span::styled(truncate(&more, w), theme.dim()));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Two orders side by side (the marked one and the selected one), the rows
/// that differ marked `≠`, then the comparative explanation; all of it
/// scrolls as one.
pub(super) fn draw_compare(f: &mut Frame, area: Rect, view: &CompareView, lang: Lang, theme: Theme) {
    f.render_widget(Clear, area);
    let b = block(format!("{} · A {} · B {}", t(lang, "两单对比", "Comparison"), view.a, view.b), true, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    match &view.result {
        None => lines.push(Line::from(Span::styled(t(lang, "读取中…", "loading…"), theme.dim()))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(format!("⚠ {}", visible(&e.to_string())), theme.warn()))),
        Some(Ok(c)) => {
            let label_w = c.rows.iter().map(|r| crate::text::width(&r.label)).max().unwrap_or(10).clamp(10, 24);
            let col = w.saturating_sub(label_w + 5) / 2;
            for r in &c.rows {
                let mark = if r.differs { "≠" } else { " " };
                let type5 = if r.type5 { "⚑" } else { " " };
                let text = format!(
                    "{mark}{type5} {} {} {}",
                    pad(&visible(&r.label), label_w),
                    pad(&visible(&r.a), col),
                    truncate(&visible(&r.b), col)
                );
                // What differs and bears on type 5 is what the answer turns on.
                let style = match (r.differs, r.type5) {
                    (true, true) => theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                    (true, false) => theme.fg(Color::Yellow),
                    (false, _) => Style::default(),
                };
                lines.push(Line::from(Span::styled(truncate(&text, w), style)));
            }
            lines.push(Line::from(Span::styled(
                t(lang, "≠ 两单不同  ⚑ 与 type 5 有关", "≠ differs  ⚑ bears on type 5"),
                theme.dim(),
            )));
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                t(lang, "解释", "Explanation"),
                theme.accent().add_modifier(Modifier::BOLD),
            )));
            lines.extend(super::explanation::lines(&c.explanation, lang, theme, w, true));
        }
    }
    let room = inner.height as usize;
    let scroll = view.scroll.min(lines.len().saturating_sub(room));
    f.render_widget(Paragraph::new(lines.into_iter().skip(scroll).take(room).collect::<Vec<_>>()), inner);
}

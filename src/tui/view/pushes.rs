//! The push stream: newest first, the receipt time beside the event time
//! (a redelivery is marked with how late it came), the order, the event and
//! its type.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, block, t};
use crate::model::names::{self, Lang};
use crate::text::{pad, visible};
use crate::timefmt;
use crate::tui::pushes::PushStream;

pub(super) fn draw_pushes(f: &mut Frame, area: Rect, view: &PushStream, now: i64, lang: Lang, theme: Theme) {
    f.render_widget(Clear, area);
    let shown = view.shown();
    let window = match (lang, view.window) {
        (Lang::Zh, 600) => "最近 10 分钟".to_string(),
        (Lang::Zh, 3600) => "最近 1 小时".to_string(),
        (Lang::Zh, 86_400) => "最近 1 天".to_string(),
        (Lang::Zh, w) => format!("最近 {}", timefmt::ago(lang, w)),
        (Lang::En, 600) => "last 10 min".to_string(),
        (Lang::En, 3600) => "last hour".to_string(),
        (Lang::En, 86_400) => "last day".to_string(),
        (Lang::En, w) => format!("last {}", timefmt::ago(lang, w)),
    };
    let count = match &view.rows {
        Some(Ok(_)) => match lang {
            Lang::Zh => format!(" · {} 条", crate::text::thousands(shown.len() as i64)),
            Lang::En if shown.len() == 1 => " · 1 push".to_string(),
            Lang::En => format!(" · {} pushes", crate::text::thousands(shown.len() as i64)),
        },
        _ => String::new(),
    };
    let filter = match (view.typing, view.query.is_empty()) {
        (true, _) => format!(" · /{}▏", visible(&view.query)),
        (false, false) => format!(" · /{}", visible(&view.query)),
        (false, true) => String::new(),
    };
    let b = block(format!("{} · {window}{count}{filter}", t(lang, "推送流", "Push stream")), true, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {} {} {} {}",
            pad(t(lang, "接收时间", "received"), 14),
            pad(t(lang, "事件时间", "event time"), 14),
            pad(t(lang, "订单", "order"), 19),
            t(lang, "事件 · 类型", "event · type")
        ),
        theme.dim(),
    ))];
    let year = timefmt::year_of(now);
    match &view.rows {
        None => lines.push(Line::from(Span::styled(t(lang, "读取中…", "loading…"), theme.dim()))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(format!("⚠ {}", visible(&e.to_string())), theme.warn()))),
        Some(Ok(rows)) if shown.is_empty() && !rows.is_empty() => {
            let hidden = match lang {
                Lang::Zh => {
                    format!("这段时间的 {} 条推送都不符合筛选（esc 清除）", crate::text::thousands(rows.len() as i64))
                }
                Lang::En => format!(
                    "none of the {} pushes in this span match the filter (esc clears it)",
                    crate::text::thousands(rows.len() as i64)
                ),
            };
            lines.push(Line::from(Span::styled(hidden, theme.dim())))
        }
        Some(Ok(_)) if shown.is_empty() => lines.push(Line::from(Span::styled(
            t(lang, "这段时间没有推送（按 1 2 3 换时间段）", "no push in this span (1 2 3 change it)"),
            theme.dim(),
        ))),
        Some(Ok(_)) => {
            for (i, r) in shown.iter().enumerate() {
                let selected = i == view.selected;
                let base = if selected { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
                let created = r.create_time.map(|c| timefmt::short_in(c, year)).unwrap_or_else(|| "-".into());
                let event = r.event.as_deref().map(names::event_short).unwrap_or("?");
                let kind = r.kind.map(|k| format!(" · {k}")).unwrap_or_default();
                let mark = if selected { "▶" } else { " " };
                let mut spans = vec![Span::styled(
                    format!(
                        "{mark}{} {} {} ",
                        pad(&timefmt::short_in(r.received_at, year), 14),
                        pad(&created, 14),
                        pad(r.order_id.as_deref().unwrap_or("?"), 19)
                    ),
                    base,
                )];
                let style = if r.type5 { theme.accent().add_modifier(Modifier::BOLD) } else { Style::default() };
                spans.push(Span::styled(format!("{}{event}{kind}", if r.type5 { "⚑" } else { "" }), style));
                if let Some(late) = r.late_by() {
                    let text = match lang {
                        Lang::Zh => format!(" 重新投递，晚 {}", timefmt::ago(lang, late)),
                        Lang::En => format!(" redelivery, {} late", timefmt::ago(lang, late)),
                    };
                    spans.push(Span::styled(text, theme.warn()));
                }
                if r.demo {
                    spans.push(Span::styled(t(lang, " 演示", " demo"), theme.dim()));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    let room = (inner.height as usize).saturating_sub(1);
    let scroll = view.selected.saturating_sub(room.saturating_sub(1));
    // The heading stays; the rows scroll under it.
    let heading = lines.remove(0);
    f.render_widget(Paragraph::new(heading), Rect { height: 1.min(inner.height), ..inner });
    let rows_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), rows_area);
}

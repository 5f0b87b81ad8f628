//! The selected order's virtual number: the number, its state and countdown,
//! its expiry, extensions and inferred clock start, the headline of the
//! explanation, and (without a number) the documented causes weighed.
//! Everything wraps to the pane: a countdown or a deciding fact is never
//! cut, the pane grows instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, block, t};
use crate::model::names::Lang;
use crate::model::{Order, VnumState};
use crate::text::{visible, width, wrap};
use crate::timefmt;
use crate::tui::detail::Detail;
use crate::tui::state::State;

/// The pane's lines at `w` columns inside its border.
pub(super) fn lines(app: &State, d: &Detail, w: usize, theme: Theme) -> Vec<Line<'static>> {
    let lang = app.lang;
    let v = &d.vnum;
    let state = v.state(app.now);
    let mut lines = Vec::new();
    match v.display_number(lang) {
        Some(number) => {
            let mut first = vec![Span::styled(number, Style::default().add_modifier(Modifier::BOLD)), Span::raw(" · ")];
            first.push(Span::styled(state.label(lang), theme.state(state)));
            if let Some(exp) = v.expire_time {
                let left = exp - app.now;
                let countdown = if left > 0 {
                    format!("{} {}", t(lang, "剩余", "expires in"), timefmt::countdown(lang, left))
                } else {
                    format!("{}{}", timefmt::ago(lang, -left), t(lang, "前", " ago"))
                };
                first.push(Span::raw(" · "));
                first.push(Span::styled(countdown, theme.state(state).add_modifier(Modifier::BOLD)));
            }
            lines.push(Line::from(first));
            let mut facts = vec![
                format!(
                    "{} {} +08",
                    t(lang, "到期", "expires"),
                    v.expire_time.map(timefmt::full).unwrap_or_else(|| "?".into())
                ),
                match (lang, v.has_delay_times) {
                    (Lang::Zh, Some(n)) => format!("已延期 {n} 次"),
                    (Lang::Zh, None) => "延期次数未知".to_string(),
                    (Lang::En, Some(n)) => format!("extended {n}×"),
                    (Lang::En, None) => "extensions unknown".to_string(),
                },
            ];
            if let Some(start) = v.inferred_clock_start() {
                let rule = if w >= 100 {
                    t(lang, "推断：到期 − 30 天 − 15 天 × 延期次数", "inferred: expiry − 30 d − 15 d × extensions")
                } else {
                    t(lang, "推断", "inferred")
                };
                let open = t(lang, "（", " (");
                let close = t(lang, "）", ")");
                facts.push(format!(
                    "{} ≈ {}{open}{rule}{close}",
                    t(lang, "计时开始", "clock started"),
                    timefmt::short_in(start, app.now_year())
                ));
            }
            if let Some(real) = v.real_tel_number.as_ref().filter(|_| w >= 120) {
                facts.push(format!("{} {}", t(lang, "真实号", "real"), visible(real)));
            }
            lines.extend(pack(&facts, w).into_iter().map(Line::from));
        }
        None => {
            let label = state.label(lang);
            let mut wrapped = wrap(&format!("{label} · {}", no_number_why(lang, state, d)), w).into_iter();
            if let Some(first) = wrapped.next() {
                lines.push(match first.strip_prefix(label) {
                    Some(rest) => {
                        Line::from(vec![Span::styled(label, theme.state(state)), Span::raw(rest.to_string())])
                    }
                    None => Line::from(first),
                });
            }
            lines.extend(wrapped.map(Line::from));
            if let Some(real) = &v.real_tel_number {
                let contact = t(lang, "联系电话（平台脱敏）", "contact (masked by the platform)");
                lines.extend(wrap(&format!("{contact} {}", visible(real)), w).into_iter().map(Line::from));
            }
        }
    }
    if let Some(h) = d.story.as_ref().and_then(crate::explain::headline) {
        let demo = if h.demo { t(lang, "［演示数据］", "[demo data] ") } else { "" };
        let mut text = format!("» {demo}{}", visible(&h.short));
        let more = t(lang, "（t 查看时间线与解释）", " (t: timeline and explanation)");
        if width(&text) + width(more) <= w {
            text.push_str(more);
        }
        let style = super::explanation::verdict_style(h.verdict, theme).add_modifier(Modifier::BOLD);
        lines.extend(wrap(&text, w).into_iter().map(|l| Line::from(Span::styled(l, style))));
    }
    // No number: the documented causes, each weighed, on the screen itself;
    // one that holds is emphasised, the ones the data cannot tell are plain.
    for cause in no_number_causes(d) {
        let holds = cause.text.contains(t(lang, "：支持 —", ": for —"));
        let style = if holds { theme.warn().add_modifier(Modifier::BOLD) } else { Style::default() };
        for (k, l) in wrap(&visible(&weight_first(&cause.text)), w.saturating_sub(4)).into_iter().enumerate() {
            let lead = if k == 0 { "  · " } else { "    " };
            lines.push(Line::from(Span::styled(format!("{lead}{l}"), style)));
        }
    }
    lines
}

pub(super) fn draw(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>, app: &State, theme: Theme) {
    let b = block(t(app.lang, "虚拟号", "Virtual number").to_string(), false, theme);
    f.render_widget(Paragraph::new(lines).block(b), area);
}

/// Short facts joined by " · " into as few lines of `w` columns as they
/// fit; one longer than a line wraps on its own.
fn pack(facts: &[String], w: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for fact in facts {
        if line.is_empty() {
            line = fact.clone();
        } else if width(&line) + 3 + width(fact) <= w {
            line = format!("{line} · {fact}");
        } else {
            out.push(std::mem::take(&mut line));
            line = fact.clone();
        }
        if width(&line) > w {
            let mut parts = wrap(&line, w);
            line = parts.pop().unwrap_or_default();
            out.extend(parts);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

fn no_number_why(lang: Lang, state: VnumState, d: &Detail) -> &'static str {
    match (state, d.latest.as_ref().and_then(Order::deliver_method)) {
        (_, Some(1)) => t(
            lang,
            "虚拟发货订单（发货方式 1）：无物流，不分配虚拟号",
            "Virtual goods (delivery method 1): no logistics, no virtual number",
        ),
        (VnumState::Pending, _) => {
            t(lang, "订单使用虚拟号，但还没有分配号码", "The order uses a virtual number, but none is assigned yet")
        }
        _ if d.latest.is_none() => t(lang, "没有订单详情，无法判断", "No stored order/get response to tell from"),
        // The block can be there with only the masked real number.
        _ if d.latest.as_ref().and_then(Order::tel_ext).is_some() => t(
            lang,
            "该订单没有虚拟号（号码信息中只有真实号，没有虚拟号）",
            "No virtual number (the number block holds only the real number)",
        ),
        _ => t(
            lang,
            "该订单没有虚拟号（订单不使用虚拟号，也没有号码信息）",
            "No virtual number (the order uses none, and has no number block)",
        ),
    }
}

/// `cause: weight — why` as `weight · cause — why`: on a narrow screen the
/// verdict is what must not be cut off.
fn weight_first(text: &str) -> String {
    let Some((head, why)) = text.split_once(" — ") else { return text.to_string() };
    match head.rsplit_once(": ").or_else(|| head.rsplit_once('：')) {
        Some((cause, weight)) => format!("{weight} · {cause} — {why}"),
        None => text.to_string(),
    }
}

/// The documented causes of "no number", weighed by the order's own explanation.
fn no_number_causes(d: &Detail) -> Vec<&crate::explain::Fact> {
    let no_number =
        d.story.as_ref().and_then(|s| s.explanation.iter().find(|x| x.rule == crate::explain::Rule::NoNumber));
    no_number.map(|x| x.evidence.iter().filter(|e| e.reference.is_none()).collect()).unwrap_or_default()
}

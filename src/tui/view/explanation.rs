//! The explanation's statements, drawn the same way wherever they appear
//! (the timeline, the main screen's third column at 160 columns and more):
//! each verdict marked and coloured by what it is, so the eye lands on what
//! the data shows, sees a hypothesis as one, and sees where the data cannot
//! decide.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, block, t};
use crate::explain::{Statement, Verdict};
use crate::model::names::Lang;
use crate::text::{truncate, visible, wrap};
use crate::tui::state::State;

/// How a verdict is shown: what the data shows in bold (the deciding
/// facts), a suggestion in italics, "cannot decide" in its own colour.
pub(super) fn verdict_style(verdict: Verdict, theme: Theme) -> Style {
    match verdict {
        Verdict::Shows => Style::default().add_modifier(Modifier::BOLD),
        Verdict::Suggests => theme.fg(Color::Magenta).add_modifier(Modifier::ITALIC),
        Verdict::CannotDecide => theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
    }
}

/// The statements wrapped to `w` columns, a bullet before each; with
/// `deciders`, a line under each statement the data cannot decide says
/// what would.
pub(super) fn lines(
    statements: &[Statement],
    lang: Lang,
    theme: Theme,
    w: usize,
    deciders: bool,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for s in statements {
        let style = verdict_style(s.verdict, theme);
        let demo = if s.demo { lang.text("［演示数据］", "[demo data] ") } else { "" };
        let text = format!("{}{demo}{}", s.verdict.mark(lang), visible(&s.statement));
        let mark_len = s.verdict.mark(lang).chars().count();
        for (k, l) in wrap(&text, w.saturating_sub(2)).into_iter().enumerate() {
            let bullet = if k == 0 { Span::styled("• ", theme.accent()) } else { Span::raw("  ") };
            if k == 0 {
                // The mark in the verdict's style, the statement after it.
                let split = l.char_indices().nth(mark_len).map_or(l.len(), |(i, _)| i);
                let (mark, rest) = l.split_at(split);
                out.push(Line::from(vec![
                    bullet,
                    Span::styled(mark.to_string(), style),
                    Span::styled(rest.to_string(), statement_style(s.verdict)),
                ]));
            } else {
                out.push(Line::from(vec![bullet, Span::styled(l, statement_style(s.verdict))]));
            }
        }
        if deciders && !s.decided_by.is_empty() {
            let text = format!("{}{}", lang.text("可判断的依据：", "would decide it: "), s.decider_words(lang));
            for l in wrap(&text, w.saturating_sub(4)) {
                out.push(Line::from(vec![Span::raw("    "), Span::styled(l, verdict_style(s.verdict, theme))]));
            }
        }
    }
    out
}

/// The statement's own text: bold where the data shows it, plain otherwise.
fn statement_style(verdict: Verdict) -> Style {
    match verdict {
        Verdict::Shows => Style::default().add_modifier(Modifier::BOLD),
        _ => Style::default(),
    }
}

/// The main screen's third column: the selected order's explanation in
/// full, as the timeline shows it; where it does not fit, the last line
/// says that `t` shows the rest.
pub(super) fn draw(f: &mut Frame, area: Rect, app: &State, theme: Theme) {
    let b = block(t(app.lang, "解释", "Explanation").to_string(), false, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let w = inner.width as usize;
    let Some(story) = app.shown_detail().and_then(|d| d.story.as_ref()) else {
        let none = t(app.lang, "选择一个订单", "Select an order");
        f.render_widget(Paragraph::new(Span::styled(none, theme.dim())), inner);
        return;
    };
    let mut lines = lines(&story.explanation, app.lang, theme, w, true);
    let room = inner.height as usize;
    if lines.len() > room && room > 0 {
        lines.truncate(room - 1);
        let more = t(app.lang, "… 按 t 在时间线中查看全部", "… t shows all of it in the timeline");
        lines.push(Line::from(Span::styled(truncate(more, w), theme.accent())));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

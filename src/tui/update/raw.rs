//! Raw JSON: opening a version or a push (from the main screen or a
//! timeline entry), scrolling, stepping through documents, searching, and
//! copying it.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Step};
use crate::explain::Ref;
use crate::model::names::Lang;
use crate::tui::keys::{Action, Context, action_for, move_by};
use crate::tui::raw::RawView;
use crate::tui::state::{MAX_INPUT, Overlay, Pane, Side, State};

/// Opens the raw JSON of a timeline entry's snapshot or push, or says why
/// it has none.
pub(super) fn open_reference(state: &mut State, reference: Option<Ref>) -> Step {
    let Some(d) = state.shown_detail() else { return Step::nothing() };
    let why = match reference {
        Some(Ref::Snapshot(id)) => {
            return match d.versions.iter().position(|v| v.snapshot_id == id) {
                Some(i) => open_at(state, Pane::Compare, Some(i)),
                None => Step::nothing(),
            };
        }
        Some(Ref::Message(id)) => {
            return match d.messages.iter().position(|m| m.id == id) {
                Some(i) => {
                    state.message_selected = i;
                    open_at(state, Pane::Messages, None)
                }
                None => Step::nothing(),
            };
        }
        Some(Ref::Inbox(_)) => state.say(
            "这条推送已存储，接收器尚未处理；处理后即可打开（通常在一秒内）",
            "this push is stored and not yet processed by the receiver; it opens once processed (usually within a second)",
        ),
        Some(Ref::Note(_)) => {
            state.say("报告条目是人记录的（orderscope note），没有原始 JSON", "a reported note has no raw JSON")
        }
        None => state.say("推断条目没有原始 JSON", "inferred entries have no raw JSON"),
    };
    super::notify(state, why)
}

/// Opens the raw JSON of the pane's document: the selected push, or a
/// version (`version`, else the side of the comparison shown).
pub(super) fn open_at(state: &mut State, pane: Pane, version: Option<usize>) -> Step {
    let say = |zh: &'static str, en: &'static str| state.lang.text(zh, en);
    let Some(d) = state.shown_detail() else { return Step::nothing() };
    let view = if pane == Pane::Messages {
        if d.messages.is_empty() {
            return Step::nothing();
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
            return Step::nothing();
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
    Step::redraw()
}

pub(super) fn key(state: &mut State, key: KeyEvent) -> Step {
    let page = state.page.max(1);
    let lang = state.lang;
    let action = action_for(Context::Raw, key);
    let Some(Overlay::Raw(view)) = &mut state.overlay else { return Step::nothing() };
    if let Some(search) = &mut view.search {
        match key.code {
            KeyCode::Enter => {
                view.query = search.lines().join(" ");
                view.search = None;
                view.find();
                if view.matches.is_empty() && !view.query.is_empty() {
                    let missing = match lang {
                        Lang::Zh => format!("未找到 {}", view.query),
                        Lang::En => format!("no match for {}", view.query),
                    };
                    return super::notify(state, missing);
                }
            }
            KeyCode::Esc => view.search = None,
            KeyCode::Char(_) if search.lines().join(" ").chars().count() >= MAX_INPUT => return Step::nothing(),
            _ => return Step::redraw_if(search.input(key)),
        }
        return Step::redraw();
    }
    let before = (view.scroll, view.index);
    match action {
        Some(a) if move_by(&mut view.scroll, a, page, view.lines.len().saturating_sub(1)) => {}
        Some(Action::PrevDocument) => view.show(view.index.saturating_sub(1)),
        Some(Action::NextDocument) => view.show(view.index + 1),
        Some(Action::Search) => {
            view.search = Some(tui_textarea::TextArea::default());
            return Step::redraw();
        }
        Some(Action::NextMatch) => view.step_match(true),
        Some(Action::PrevMatch) => view.step_match(false),
        Some(Action::CopyRaw) => {
            let raw = view.raw().to_string();
            return super::notify(state, lang.text("已复制 JSON", "copied JSON")).with(Effect::Copy(raw));
        }
        other => return super::common_action(state, other).unwrap_or_default(),
    }
    let after = (view.scroll, view.index);
    Step::redraw_if(after != before)
}

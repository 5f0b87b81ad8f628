//! Drawing, one file per part of the screen. Reads the state, never changes it.

mod explanation;
mod list;
mod order;
mod overlay;
mod pushes;
mod vnum;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::keys::{Context, footer};
use super::state::{Overlay, State};
use crate::diff::Op;
use crate::model::VnumState;
use crate::model::names::Lang;
use crate::text::{pad, truncate, visible, width};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Below this width the two versions become one list of changes.
pub const SIDE_BY_SIDE_WIDTH: u16 = 120;
/// From this width the explanation is a third column on the main screen.
pub const THREE_COLUMNS_WIDTH: u16 = 160;

/// Colours, or none at all under `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub(super) fn fg(self, c: Color) -> Style {
        if self.color { Style::default().fg(c) } else { Style::default() }
    }
    pub(super) fn op(self, op: Op) -> Style {
        match op {
            Op::Add => self.fg(Color::Green),
            Op::Remove => self.fg(Color::Red),
            Op::Replace => self.fg(Color::Yellow),
        }
    }
    pub(super) fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub(super) fn accent(self) -> Style {
        self.fg(Color::Cyan)
    }
    pub(super) fn warn(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub(super) fn state(self, s: VnumState) -> Style {
        match s {
            VnumState::None => self.dim(),
            VnumState::Pending => self.fg(Color::Magenta),
            VnumState::Active => self.fg(Color::Green),
            VnumState::Extendable => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            VnumState::Expired => self.fg(Color::Red),
        }
    }
    pub(super) fn border(self, focused: bool) -> Style {
        if focused { self.accent().add_modifier(Modifier::BOLD) } else { self.dim() }
    }
}

pub(super) fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.text(zh, en)
}

/// How many orders fit in the list at this terminal size (two lines each).
pub fn list_page(width: u16, height: u16) -> usize {
    (height.saturating_sub(4) / row_lines(width)).max(1) as usize
}

/// Lines per order in the list: at three columns a third line says what
/// was bought and by whom.
pub fn row_lines(width: u16) -> u16 {
    if width >= THREE_COLUMNS_WIDTH { 3 } else { 2 }
}

pub fn draw(f: &mut Frame, app: &State, theme: Theme) {
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
    list::draw_list(f, list, row_lines(area.width), app, theme);
    if area.width >= THREE_COLUMNS_WIDTH {
        // The explanation beside the versions, which keep the room to stand
        // side by side.
        let expl_w = (right.width / 3).clamp(40, right.width.saturating_sub(86).max(40));
        let [detail, explanation] = Layout::horizontal([Constraint::Min(0), Constraint::Length(expl_w)]).areas(right);
        order::draw_detail(f, detail, app, theme);
        explanation::draw(f, explanation, app, theme);
    } else {
        order::draw_detail(f, right, app, theme);
    }
    match &app.overlay {
        Some(Overlay::Help(view)) => overlay::draw_help(f, body, view, app.lang, theme),
        Some(Overlay::Expiring(view)) => overlay::draw_expiring(f, body, view, app.now, app.lang, theme),
        Some(Overlay::Pushes(view)) => pushes::draw_pushes(f, body, view, app.now, app.lang, theme),
        Some(Overlay::Raw(view)) => overlay::draw_raw(f, body, view, app.lang, theme),
        Some(Overlay::Compare(view)) => overlay::draw_compare(f, body, view, app.lang, theme),
        Some(Overlay::Timeline(view)) => {
            if let Some(story) = app.shown_detail().and_then(|d| d.story.as_ref()) {
                overlay::draw_timeline(f, body, story, view, app.lang, theme);
            }
        }
        None => {}
    }
    draw_notice(f, body, app, theme);
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

fn draw_header(f: &mut Frame, area: Rect, app: &State, theme: Theme) {
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
    let mut warning = warning;
    if let Some(problem) = &app.store_problem {
        warning = format!("⚠ {} {} ", t(app.lang, "存储不可读：", "store unreadable:"), visible(problem)) + &warning;
    }
    // Pushes stored since the inspector opened, by any process.
    let arrived = if app.pushes_since_start > 0 {
        format!("{} +{} ", t(app.lang, "新推送", "new pushes"), app.pushes_since_start)
    } else {
        String::new()
    };
    let warning = arrived + &warning;
    // The receiver's state comes before the title: reads that are behind or
    // a receiver that stopped change what every screen below means.
    let (receiver, alarm) = app.receiver_line(app.now).map(|(l, a)| (format!("{l}  "), a)).unwrap_or_default();
    let room = (area.width as usize).saturating_sub(width(&right) + width(&warning) + 1);
    let receiver = truncate(&receiver, room.saturating_sub(16));
    let left_w = room.saturating_sub(width(&receiver));
    // Where Esc leads back through, before the title (which gives way first).
    let crumbs = app.breadcrumb();
    let left = if crumbs.is_empty() {
        format!(" orderscope · {}", app.title)
    } else {
        format!(" orderscope › {} · {}", crumbs.join(" › "), app.title)
    };
    let left = truncate(&left, left_w);
    let line = Line::from(vec![
        Span::styled(pad(&left, left_w), theme.accent().add_modifier(Modifier::BOLD)),
        Span::raw(" "),
        Span::styled(receiver, if alarm { theme.warn() } else { theme.dim() }),
        Span::styled(warning, theme.warn()),
        Span::styled(right, theme.dim()),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn draw_footer(f: &mut Frame, area: Rect, app: &State, theme: Theme) {
    if let Some(line) = &app.prompt {
        let hint = t(
            app.lang,
            "  tab 补全  ↑↓ 历史  enter 执行  esc 取消",
            "  tab completes  ↑↓ history  enter runs  esc cancels",
        );
        let spans = vec![
            Span::styled(format!(":{}", visible(line)), theme.accent().add_modifier(Modifier::BOLD)),
            Span::styled("▏", theme.accent()),
            Span::styled(hint, theme.dim()),
        ];
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let typing = t(app.lang, "输入筛选条件  enter 完成  esc 清除", "type to filter  enter done  esc clear");
    let room = (area.width as usize).saturating_sub(1);
    let text = match &app.overlay {
        _ if app.filtering => typing.to_string(),
        Some(Overlay::Pushes(v)) if v.typing => typing.to_string(),
        Some(Overlay::Raw(v)) if v.search.is_some() => {
            t(app.lang, "输入搜索内容  enter 搜索  esc 取消", "type to search  enter find  esc cancel").to_string()
        }
        Some(overlay) => footer(overlay.context(), app.focus, app.lang, room),
        None => footer(Context::Main, app.focus, app.lang, room),
    };
    f.render_widget(
        Paragraph::new(Span::styled(truncate(&format!(" {text}"), area.width as usize), theme.dim())),
        area,
    );
}

/// What the last key did (or why it could not), or a live fetch's failure,
/// on the row above the footer (over the panes' bottom borders), so the
/// footer's keys stay in sight.
fn draw_notice(f: &mut Frame, body: Rect, app: &State, theme: Theme) {
    let (text, style) = match (&app.notice, &app.live.error, &app.overlay) {
        (Some(n), _, _) => (visible(n), theme.accent().add_modifier(Modifier::BOLD)),
        (None, Some(e), None) => (format!("⚠ {}", visible(e)), theme.warn()),
        _ => return,
    };
    let Some(row) = body.height.checked_sub(1) else { return };
    let area = Rect { y: body.y + row, height: 1, ..body };
    let text = truncate(&format!(" {text} "), area.width as usize);
    let w = width(&text) as u16;
    f.render_widget(
        Paragraph::new(Span::styled(text, style.add_modifier(Modifier::REVERSED))),
        Rect { width: w, ..area },
    );
}

pub(super) fn block<'a>(title: String, focused: bool, theme: Theme) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(theme.border(focused)).title(Span::styled(
        title,
        if focused {
            theme.accent().add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        },
    ))
}

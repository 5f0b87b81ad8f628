//! The one key table: the event loop maps keys through it, and the footer and
//! the help overlay are drawn from it, so hints cannot drift from behaviour.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Left,
    Right,
    NextPane,
    PrevPane,
    Filter,
    Open,
    Reload,
    RefreshList,
    CopyId,
    CopyNumber,
    CopyRaw,
    /// The evidence in Markdown (what `report` prints) to the clipboard.
    CopyReport,
    /// The same, written to a file.
    ExportReport,
    /// The orders whose number is about to expire.
    ShowExpiring,
    /// Back to the order selected before this one.
    PrevOrder,
    /// Every push, newest first, across orders.
    ShowPushes,
    /// The command line (`:`).
    Prompt,
    /// The push stream's window: 10 minutes, an hour, a day.
    Window,
    /// The comparison's sides, A for B.
    Swap,
    Search,
    NextMatch,
    PrevMatch,
    PrevDocument,
    NextDocument,
    Help,
    ShowTimeline,
    Mark,
    Compare,
    Back,
    Quit,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Main,
    Raw,
    Timeline,
    Comparison,
    Expiring,
    Pushes,
    HelpPage,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [KeyCode],
    /// How the keys are written in the footer and help.
    pub label: &'static str,
    pub action: Action,
    pub zh: &'static str,
    pub en: &'static str,
    /// Shown in the one-line footer (the rest only in help).
    pub footer: bool,
    /// Listed in help; false for the second half of a pair whose label
    /// already names both keys (↑↓, [ ]).
    pub help: bool,
}

use Action::*;
use Context::*;
use KeyCode::Char;

const fn b(
    context: Context,
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    zh: &'static str,
    en: &'static str,
    footer: bool,
) -> Binding {
    Binding { context, keys, label, action, zh, en, footer, help: true }
}

/// The second key of a pair: works, but its first half's help line covers it.
const fn pair(mut binding: Binding) -> Binding {
    binding.help = false;
    binding
}

pub const BINDINGS: &[Binding] = &[
    b(Main, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "上一项/下一项", "previous/next", true),
    pair(b(Main, &[KeyCode::Down, Char('j')], "↓", Down, "下一项", "next", false)),
    b(Main, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down", false),
    pair(b(Main, &[KeyCode::PageDown], "PgDn", PageDown, "下翻页", "page down", false)),
    b(Main, &[KeyCode::Home, Char('g')], "g G", Home, "第一项/最后一项", "first/last", false),
    pair(b(Main, &[KeyCode::End, Char('G')], "End", End, "最后一项", "last", false)),
    b(Main, &[KeyCode::Left, Char('h')], "← →", Left, "对比：选择左/右版本", "compare: left/right side", false),
    pair(b(Main, &[KeyCode::Right, Char('l')], "→", Right, "对比：选择右侧版本", "compare: pick right version", false)),
    b(Main, &[KeyCode::Tab], "tab", NextPane, "切换窗格", "next pane", true),
    b(Main, &[KeyCode::BackTab], "S-tab", PrevPane, "上一个窗格", "previous pane", false),
    b(Main, &[Char('/')], "/", Filter, "筛选订单", "filter orders", true),
    b(Main, &[KeyCode::Enter], "enter", Open, "查看原始 JSON", "raw JSON", true),
    b(Main, &[Char('r')], "r", Reload, "重新获取订单", "refetch order", true),
    b(Main, &[Char('R')], "R", RefreshList, "刷新近期订单列表", "refresh recent orders", false),
    b(Main, &[Char('y')], "y", CopyId, "复制订单号", "copy order id", true),
    b(Main, &[Char('Y')], "Y", CopyNumber, "复制虚拟号", "copy virtual number", false),
    b(Main, &[Char('t')], "t", ShowTimeline, "时间线与解释", "timeline and explanation", true),
    b(Main, &[Char(':')], ":", Prompt, "命令行：订单号、compare…", "command: id, compare, push…", false),
    b(Main, &[Char('p')], "p", ShowPushes, "推送流（所有订单）", "push stream (all orders)", false),
    b(Main, &[Char('x')], "x", ShowExpiring, "即将到期的虚拟号", "numbers about to expire", false),
    b(Main, &[Char('m')], "m", Mark, "标记订单（用于对比）", "mark order (to compare)", false),
    b(Main, &[Char('c')], "c", Compare, "对比标记的订单与所选订单", "compare with the marked one", false),
    b(Main, &[], "ctrl-o", PrevOrder, "回到上一个订单", "back to the previous order", false),
    b(Main, &[Char('?')], "?", Help, "帮助", "help", false),
    b(Main, &[KeyCode::Esc], "esc", Back, "清除筛选", "clear filter", false),
    b(Main, &[Char('q')], "q", Quit, "退出", "quit", true),
    b(Raw, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "滚动", "scroll", true),
    pair(b(Raw, &[KeyCode::Down, Char('j')], "↓", Down, "向下滚动", "scroll down", false)),
    b(Raw, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down", false),
    pair(b(Raw, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down", false)),
    b(Raw, &[KeyCode::Home, Char('g')], "g G", Home, "开头/结尾", "top/bottom", false),
    pair(b(Raw, &[KeyCode::End, Char('G')], "End", End, "结尾", "bottom", false)),
    b(Raw, &[Char('[')], "[ ]", PrevDocument, "上一个/下一个版本或推送", "prev/next version or push", true),
    pair(b(Raw, &[Char(']')], "]", NextDocument, "下一个版本或消息", "next version or push", false)),
    b(Raw, &[Char('/')], "/", Search, "搜索", "search", true),
    b(Raw, &[Char('n')], "n N", NextMatch, "下一个/上一个匹配", "next/previous match", true),
    pair(b(Raw, &[Char('N')], "N", PrevMatch, "上一个匹配", "previous match", false)),
    b(Raw, &[Char('y')], "y", CopyRaw, "复制 JSON", "copy JSON", true),
    b(Raw, &[Char('?')], "?", Help, "帮助", "help", false),
    b(Raw, &[KeyCode::Esc, Char('q')], "esc", Back, "返回", "back", true),
    b(Timeline, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "选择条目", "select entry", true),
    pair(b(Timeline, &[KeyCode::Down, Char('j')], "↓", Down, "下一条", "next entry", false)),
    b(Timeline, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down", false),
    pair(b(Timeline, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down", false)),
    b(Timeline, &[KeyCode::Tab, KeyCode::BackTab], "tab", NextPane, "切换时间线/解释", "entries/explanation", false),
    b(Timeline, &[KeyCode::Enter], "enter", Open, "原始 JSON", "raw JSON", true),
    b(Timeline, &[Char('y')], "y", CopyReport, "复制报告", "copy report", true),
    b(Timeline, &[Char('e')], "e", ExportReport, "存为文件", "save to file", true),
    b(Timeline, &[Char('?')], "?", Help, "帮助", "help", false),
    b(Timeline, &[KeyCode::Esc, Char('q'), Char('t')], "esc", Back, "返回", "back", true),
    b(Comparison, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "滚动", "scroll", true),
    pair(b(Comparison, &[KeyCode::Down, Char('j')], "↓", Down, "向下滚动", "scroll down", false)),
    b(Comparison, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down", false),
    pair(b(Comparison, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down", false)),
    b(Comparison, &[Char('y')], "y", CopyReport, "复制对比报告", "copy report", true),
    b(Comparison, &[Char('e')], "e", ExportReport, "存为文件", "save to file", true),
    b(Comparison, &[Char('s')], "s", Swap, "交换 A/B", "swap A and B", true),
    b(Comparison, &[Char('?')], "?", Help, "帮助", "help", false),
    b(Comparison, &[KeyCode::Esc, Char('q'), Char('c')], "esc", Back, "返回", "back", true),
    b(Expiring, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "选择订单", "select order", true),
    pair(b(Expiring, &[KeyCode::Down, Char('j')], "↓", Down, "下一单", "next order", false)),
    b(Expiring, &[KeyCode::Enter], "enter", Open, "转到该订单", "go to the order", true),
    b(Expiring, &[Char('?')], "?", Help, "帮助", "help", false),
    b(Expiring, &[KeyCode::Esc, Char('q'), Char('x')], "esc", Back, "返回", "back", true),
    b(Pushes, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "选择推送", "select push", true),
    pair(b(Pushes, &[KeyCode::Down, Char('j')], "↓", Down, "下一条", "next push", false)),
    b(Pushes, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down", false),
    pair(b(Pushes, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down", false)),
    b(Pushes, &[KeyCode::Home, Char('g')], "g G", Home, "最新/最早", "newest/oldest", false),
    pair(b(Pushes, &[KeyCode::End, Char('G')], "End", End, "最早", "oldest", false)),
    b(
        Pushes,
        &[Char('1'), Char('2'), Char('3')],
        "1 2 3",
        Window,
        "最近 10 分钟/1 小时/1 天",
        "last 10 min/hour/day",
        true,
    ),
    b(Pushes, &[Char('/')], "/", Filter, "筛选推送", "filter pushes", true),
    b(Pushes, &[KeyCode::Enter], "enter", Open, "转到该订单", "go to the order", true),
    b(Pushes, &[Char('?')], "?", Help, "帮助", "help", false),
    b(Pushes, &[KeyCode::Esc, Char('q'), Char('p')], "esc", Back, "返回", "back", true),
    b(HelpPage, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "滚动", "scroll", true),
    pair(b(HelpPage, &[KeyCode::Down, Char('j')], "↓", Down, "向下滚动", "scroll down", false)),
    b(HelpPage, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down", false),
    pair(b(HelpPage, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down", false)),
    b(HelpPage, &[KeyCode::Home, Char('g')], "g G", Home, "开头/结尾", "top/bottom", false),
    pair(b(HelpPage, &[KeyCode::End, Char('G')], "End", End, "结尾", "bottom", false)),
    b(
        HelpPage,
        &[KeyCode::Esc, Char('q'), Char('?')],
        "esc q",
        Back,
        "关闭帮助，回到原处",
        "close help, back where you were",
        true,
    ),
];

/// The help screen's two columns: the key tables each lists, in order.
pub const HELP_COLUMNS: [&[Context]; 2] = [&[Main], &[Raw, Timeline, Comparison, Expiring, Pushes, HelpPage]];

/// The bindings help lists for a context.
pub fn help_bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.context == context && b.help)
}

/// The help screen's height in lines: its taller column (a heading per
/// table, a blank line between tables).
pub fn help_height() -> usize {
    HELP_COLUMNS
        .iter()
        .map(|tables| tables.iter().map(|&c| 1 + help_bindings(c).count()).sum::<usize>() + tables.len() - 1)
        .max()
        .unwrap_or(0)
}

/// The action a key has in a context. Ctrl-C always quits.
/// Moves a scroll position or a cursor by a movement action (a line, a
/// page, to either end), at most to `last`; false for any other action.
pub fn move_by(pos: &mut usize, action: Action, page: usize, last: usize) -> bool {
    *pos = match action {
        Action::Up => pos.saturating_sub(1),
        Action::Down => (*pos + 1).min(last),
        Action::PageUp => pos.saturating_sub(page),
        Action::PageDown => (*pos + page).min(last),
        Action::Home => 0,
        Action::End => last,
        _ => return false,
    };
    true
}

pub fn action_for(context: Context, key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            Char('c') => Some(Quit),
            Char('o') if context == Main => Some(PrevOrder),
            _ => None,
        };
    }
    BINDINGS.iter().find(|b| b.context == context && b.keys.contains(&key.code)).map(|b| b.action)
}

pub fn describe(b: &Binding, lang: Lang) -> &'static str {
    lang.text(b.zh, b.en)
}

/// The footer line for a context, from the table.
pub fn footer(context: Context, lang: Lang) -> String {
    BINDINGS
        .iter()
        .filter(|b| b.context == context && b.footer)
        .map(|b| format!("{} {}", b.label, describe(b, lang)))
        .collect::<Vec<_>>()
        .join("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_through_the_table() {
        assert_eq!(action_for(Main, key(Char('q'))), Some(Quit));
        assert_eq!(action_for(Raw, key(Char('q'))), Some(Back));
        assert_eq!(action_for(Main, key(KeyCode::Down)), Some(Down));
        assert_eq!(action_for(Main, key(Char('z'))), None);
        assert_eq!(action_for(Main, KeyEvent::new(Char('c'), KeyModifiers::CONTROL)), Some(Quit));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.context == b.context {
                    assert!(!a.keys.iter().any(|k| b.keys.contains(k)), "{:?} and {:?}", a.action, b.action);
                }
            }
        }
    }

    #[test]
    fn footer_comes_from_the_table() {
        let f = footer(Main, Lang::En);
        assert!(f.contains("/ filter orders") && f.contains("q quit"));
    }
}

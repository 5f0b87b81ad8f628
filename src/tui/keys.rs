//! The one key table: the event loop maps keys through it, and the footer and
//! the help overlay are drawn from it, so hints cannot drift from behaviour.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::Lang;
use crate::tui::state::Pane;

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
) -> Binding {
    Binding { context, keys, label, action, zh, en, help: true }
}

/// The second key of a pair: works, but its first half's help line covers it.
const fn pair(mut binding: Binding) -> Binding {
    binding.help = false;
    binding
}

pub const BINDINGS: &[Binding] = &[
    b(Main, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "上一项/下一项", "previous/next"),
    pair(b(Main, &[KeyCode::Down, Char('j')], "↓", Down, "下一项", "next")),
    b(Main, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down"),
    pair(b(Main, &[KeyCode::PageDown], "PgDn", PageDown, "下翻页", "page down")),
    b(Main, &[KeyCode::Home, Char('g')], "g G", Home, "第一项/最后一项", "first/last"),
    pair(b(Main, &[KeyCode::End, Char('G')], "End", End, "最后一项", "last")),
    b(Main, &[KeyCode::Left, Char('h')], "← →", Left, "对比：选择左/右版本", "compare: left/right side"),
    pair(b(Main, &[KeyCode::Right, Char('l')], "→", Right, "对比：选择右侧版本", "compare: pick right version")),
    b(Main, &[KeyCode::Tab], "tab", NextPane, "切换窗格", "next pane"),
    b(Main, &[KeyCode::BackTab], "S-tab", PrevPane, "上一个窗格", "previous pane"),
    b(Main, &[Char('/')], "/", Filter, "筛选订单", "filter orders"),
    b(Main, &[KeyCode::Enter], "enter", Open, "查看原始 JSON", "raw JSON"),
    b(Main, &[Char('r')], "r", Reload, "重新获取订单", "refetch order"),
    b(Main, &[Char('R')], "R", RefreshList, "刷新近期订单列表", "refresh recent orders"),
    b(Main, &[Char('y')], "y", CopyId, "复制订单号", "copy order id"),
    b(Main, &[Char('Y')], "Y", CopyNumber, "复制虚拟号", "copy virtual number"),
    b(Main, &[Char('t')], "t", ShowTimeline, "时间线与解释", "timeline and explanation"),
    b(Main, &[Char(':')], ":", Prompt, "命令行：订单号、compare…", "command: id, compare, push…"),
    b(Main, &[Char('p')], "p", ShowPushes, "推送流（所有订单）", "push stream (all orders)"),
    b(Main, &[Char('x')], "x", ShowExpiring, "即将到期的虚拟号", "numbers about to expire"),
    b(Main, &[Char('m')], "m", Mark, "标记订单（用于对比）", "mark order (to compare)"),
    b(Main, &[Char('c')], "c", Compare, "对比标记的订单与所选订单", "compare with the marked one"),
    b(Main, &[], "ctrl-o", PrevOrder, "回到上一个订单", "back to the previous order"),
    b(Main, &[Char('?')], "?", Help, "帮助", "help"),
    b(Main, &[KeyCode::Esc], "esc", Back, "清除筛选", "clear filter"),
    b(Main, &[Char('q')], "q", Quit, "退出", "quit"),
    b(Raw, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "滚动", "scroll"),
    pair(b(Raw, &[KeyCode::Down, Char('j')], "↓", Down, "向下滚动", "scroll down")),
    b(Raw, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down"),
    pair(b(Raw, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down")),
    b(Raw, &[KeyCode::Home, Char('g')], "g G", Home, "开头/结尾", "top/bottom"),
    pair(b(Raw, &[KeyCode::End, Char('G')], "End", End, "结尾", "bottom")),
    b(Raw, &[Char('[')], "[ ]", PrevDocument, "上一个/下一个版本或推送", "prev/next version or push"),
    pair(b(Raw, &[Char(']')], "]", NextDocument, "下一个版本或消息", "next version or push")),
    b(Raw, &[Char('/')], "/", Search, "搜索", "search"),
    b(Raw, &[Char('n')], "n N", NextMatch, "下一个/上一个匹配", "next/previous match"),
    pair(b(Raw, &[Char('N')], "N", PrevMatch, "上一个匹配", "previous match")),
    b(Raw, &[Char('y')], "y", CopyRaw, "复制 JSON", "copy JSON"),
    b(Raw, &[Char('?')], "?", Help, "帮助", "help"),
    b(Raw, &[KeyCode::Esc, Char('q')], "esc", Back, "返回", "back"),
    b(Timeline, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "选择条目", "select entry"),
    pair(b(Timeline, &[KeyCode::Down, Char('j')], "↓", Down, "下一条", "next entry")),
    b(Timeline, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down"),
    pair(b(Timeline, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down")),
    b(Timeline, &[KeyCode::Tab, KeyCode::BackTab], "tab", NextPane, "切换时间线/解释", "entries/explanation"),
    b(Timeline, &[KeyCode::Enter], "enter", Open, "原始 JSON", "raw JSON"),
    b(Timeline, &[Char('y')], "y", CopyReport, "复制报告", "copy report"),
    b(Timeline, &[Char('e')], "e", ExportReport, "存为文件", "save to file"),
    b(Timeline, &[Char('?')], "?", Help, "帮助", "help"),
    b(Timeline, &[KeyCode::Esc, Char('q'), Char('t')], "esc", Back, "返回", "back"),
    b(Comparison, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "滚动", "scroll"),
    pair(b(Comparison, &[KeyCode::Down, Char('j')], "↓", Down, "向下滚动", "scroll down")),
    b(Comparison, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down"),
    pair(b(Comparison, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down")),
    b(Comparison, &[Char('y')], "y", CopyReport, "复制对比报告", "copy report"),
    b(Comparison, &[Char('e')], "e", ExportReport, "存为文件", "save to file"),
    b(Comparison, &[Char('s')], "s", Swap, "交换 A/B", "swap A and B"),
    b(Comparison, &[Char('?')], "?", Help, "帮助", "help"),
    b(Comparison, &[KeyCode::Esc, Char('q'), Char('c')], "esc", Back, "返回", "back"),
    b(Expiring, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "选择订单", "select order"),
    pair(b(Expiring, &[KeyCode::Down, Char('j')], "↓", Down, "下一单", "next order")),
    b(Expiring, &[KeyCode::Enter], "enter", Open, "转到该订单", "go to the order"),
    b(Expiring, &[Char('?')], "?", Help, "帮助", "help"),
    b(Expiring, &[KeyCode::Esc, Char('q'), Char('x')], "esc", Back, "返回", "back"),
    b(Pushes, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "选择推送", "select push"),
    pair(b(Pushes, &[KeyCode::Down, Char('j')], "↓", Down, "下一条", "next push")),
    b(Pushes, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down"),
    pair(b(Pushes, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down")),
    b(Pushes, &[KeyCode::Home, Char('g')], "g G", Home, "最新/最早", "newest/oldest"),
    pair(b(Pushes, &[KeyCode::End, Char('G')], "End", End, "最早", "oldest")),
    b(Pushes, &[Char('1'), Char('2'), Char('3')], "1 2 3", Window, "最近 10 分钟/1 小时/1 天", "last 10 min/hour/day"),
    b(Pushes, &[Char('/')], "/", Filter, "筛选推送", "filter pushes"),
    b(Pushes, &[KeyCode::Enter], "enter", Open, "转到该订单", "go to the order"),
    b(Pushes, &[Char('?')], "?", Help, "帮助", "help"),
    b(Pushes, &[KeyCode::Esc, Char('q'), Char('p')], "esc", Back, "返回", "back"),
    b(HelpPage, &[KeyCode::Up, Char('k')], "↑↓ j k", Up, "滚动", "scroll"),
    pair(b(HelpPage, &[KeyCode::Down, Char('j')], "↓", Down, "向下滚动", "scroll down")),
    b(HelpPage, &[KeyCode::PageUp], "PgUp PgDn", PageUp, "翻页", "page up/down"),
    pair(b(HelpPage, &[KeyCode::PageDown, Char(' ')], "PgDn", PageDown, "下翻页", "page down")),
    b(HelpPage, &[KeyCode::Home, Char('g')], "g G", Home, "开头/结尾", "top/bottom"),
    pair(b(HelpPage, &[KeyCode::End, Char('G')], "End", End, "结尾", "bottom")),
    b(
        HelpPage,
        &[KeyCode::Esc, Char('q'), Char('?')],
        "esc q",
        Back,
        "关闭帮助，回到原处",
        "close, back where you were",
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

/// One hint of the footer: a key and what it does, in a word or two.
pub struct Hint {
    pub context: Context,
    /// The main screen's panes the hint is for; empty: every pane.
    pub panes: &'static [Pane],
    pub action: Action,
    pub label: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Which hints give way first when the line is short: the highest
    /// rank goes first; rank 1 (move, back, help, quit) always stays.
    pub rank: u8,
}

const fn h(
    context: Context,
    panes: &'static [Pane],
    action: Action,
    label: &'static str,
    zh: &'static str,
    en: &'static str,
    rank: u8,
) -> Hint {
    Hint { context, panes, action, label, zh, en, rank }
}

/// The footer of each context, in the order shown. A test checks that each
/// hint's key does what it says in its context.
pub const FOOTER: &[Hint] = &[
    h(Main, &[Pane::List], Up, "↑↓", "选择", "move", 1),
    h(Main, &[Pane::Compare], Up, "↑↓", "滚动", "scroll", 1),
    h(Main, &[Pane::Messages], Up, "↑↓", "选择推送", "select push", 1),
    h(Main, &[Pane::Compare], Left, "←→", "前/后版本", "before/after", 1),
    h(Main, &[Pane::List], Filter, "/", "筛选", "filter", 2),
    h(Main, &[], ShowTimeline, "t", "时间线", "timeline", 1),
    h(Main, &[Pane::Compare, Pane::Messages], Open, "enter", "原始 JSON", "raw JSON", 3),
    h(Main, &[], Mark, "m", "标记", "mark", 2),
    h(Main, &[], Compare, "c", "对比", "compare", 2),
    h(Main, &[], NextPane, "tab", "窗格", "pane", 3),
    h(Main, &[], ShowPushes, "p", "推送流", "pushes", 4),
    h(Main, &[], Prompt, ":", "命令", "command", 4),
    h(Main, &[Pane::List], CopyId, "y", "复制单号", "copy id", 5),
    h(Main, &[], ShowExpiring, "x", "即将到期", "expiring", 5),
    h(Main, &[], Help, "?", "帮助", "help", 1),
    h(Main, &[], Quit, "q", "退出", "quit", 1),
    h(Raw, &[], Up, "↑↓", "滚动", "scroll", 1),
    h(Raw, &[], PrevDocument, "[ ]", "上/下一份", "prev/next", 2),
    h(Raw, &[], Search, "/", "搜索", "search", 2),
    h(Raw, &[], NextMatch, "n N", "下/上一处", "next/prev match", 3),
    h(Raw, &[], CopyRaw, "y", "复制 JSON", "copy JSON", 2),
    h(Raw, &[], Help, "?", "帮助", "help", 1),
    h(Raw, &[], Back, "esc", "返回", "back", 1),
    h(Timeline, &[], Up, "↑↓", "选择条目", "select entry", 1),
    h(Timeline, &[], NextPane, "tab", "时间线/解释", "entries/explanation", 2),
    h(Timeline, &[], Open, "enter", "原始 JSON", "raw JSON", 2),
    h(Timeline, &[], CopyReport, "y", "复制报告", "copy report", 1),
    h(Timeline, &[], ExportReport, "e", "存为文件", "save to file", 1),
    h(Timeline, &[], Help, "?", "帮助", "help", 1),
    h(Timeline, &[], Back, "esc", "返回", "back", 1),
    h(Comparison, &[], Up, "↑↓", "滚动", "scroll", 1),
    h(Comparison, &[], CopyReport, "y", "复制报告", "copy report", 1),
    h(Comparison, &[], ExportReport, "e", "存为文件", "save to file", 1),
    h(Comparison, &[], Swap, "s", "交换 A/B", "swap A/B", 2),
    h(Comparison, &[], Help, "?", "帮助", "help", 1),
    h(Comparison, &[], Back, "esc", "返回", "back", 1),
    h(Expiring, &[], Up, "↑↓", "选择", "move", 1),
    h(Expiring, &[], Open, "enter", "转到订单", "go to order", 1),
    h(Expiring, &[], Help, "?", "帮助", "help", 1),
    h(Expiring, &[], Back, "esc", "返回", "back", 1),
    h(Pushes, &[], Up, "↑↓", "选择", "move", 1),
    h(Pushes, &[], Window, "1 2 3", "10 分钟/1 小时/1 天", "10 min/hour/day", 1),
    h(Pushes, &[], Filter, "/", "筛选", "filter", 2),
    h(Pushes, &[], Open, "enter", "转到订单", "go to order", 1),
    h(Pushes, &[], Help, "?", "帮助", "help", 1),
    h(Pushes, &[], Back, "esc", "返回", "back", 1),
    h(HelpPage, &[], Up, "↑↓", "滚动", "scroll", 1),
    h(HelpPage, &[], PageUp, "PgUp PgDn", "翻页", "page", 2),
    h(HelpPage, &[], Back, "esc q", "关闭帮助", "close help", 1),
];

/// The footer line of a context (for the main screen, of the focused
/// pane), fitted to `room` columns: the hints that give way first are
/// left out, the rest keep their order.
pub fn footer(context: Context, pane: Pane, lang: Lang, room: usize) -> String {
    let hints: Vec<(String, u8)> = FOOTER
        .iter()
        .filter(|h| h.context == context && (h.panes.is_empty() || h.panes.contains(&pane)))
        .map(|h| (format!("{} {}", h.label, lang.text(h.zh, h.en)), h.rank))
        .collect();
    const GAP: usize = 2;
    let mut ranks: Vec<u8> = hints.iter().map(|(_, r)| *r).collect();
    ranks.sort_unstable();
    ranks.dedup();
    // The most ranks whose hints all fit; rank 1 stays whatever the room.
    let mut keep = 1;
    for &rank in &ranks {
        let shown = hints.iter().filter(|(_, r)| *r <= rank);
        let needed: usize = shown.map(|(text, _)| crate::text::width(text) + GAP).sum::<usize>().saturating_sub(GAP);
        if needed <= room {
            keep = rank;
        }
    }
    hints.into_iter().filter(|(_, r)| *r <= keep).map(|(text, _)| text).collect::<Vec<_>>().join("  ")
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
    fn every_footer_hint_names_a_key_that_does_what_it_says() {
        for hint in FOOTER {
            assert!(
                BINDINGS.iter().any(|b| b.context == hint.context && b.action == hint.action),
                "{:?} has no {:?} key",
                hint.context,
                hint.action
            );
        }
    }

    /// At 80 columns the main screen's footer still shows how to move, the
    /// timeline, mark and compare, help and quit, in both languages; wider,
    /// it shows more.
    #[test]
    fn the_footer_keeps_the_essential_keys_at_80_columns() {
        for lang in [Lang::Zh, Lang::En] {
            let f = footer(Main, Pane::List, lang, 79);
            assert!(crate::text::width(&f) <= 79, "{f}");
            for key in ["↑↓ ", "/ ", "t ", "m ", "c ", "? ", "q "] {
                assert!(f.contains(key), "{key} missing from {f}");
            }
            let wide = footer(Main, Pane::List, lang, 200);
            assert!(wide.contains("p ") && wide.contains(": ") && wide.len() > f.len(), "{wide}");
        }
        // A pane's own keys: the comparison pane says how to pick a side.
        assert!(footer(Main, Pane::Compare, Lang::En, 79).contains("←→ before/after"));
        assert!(!footer(Main, Pane::List, Lang::En, 79).contains("←→"));
        // Nothing gives way below rank 1, however short the line.
        let tight = footer(Timeline, Pane::List, Lang::En, 10);
        assert!(tight.contains("esc back") && tight.contains("y copy report"), "{tight}");
    }
}

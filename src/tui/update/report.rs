//! Evidence that leaves the screen: the report of the order on screen (or
//! of the comparison), copied through the terminal or written to a file.

use super::{Destination, Effect, Exported, MAX_COPY, ReportError, Step};
use crate::model::names::Lang;
use crate::tui::keys::Action;
use crate::tui::state::State;

/// Asks for the report of `order_id` (and its comparison with `other`), to
/// be copied or written; says so until it is ready.
pub(super) fn ask(state: &mut State, order_id: String, other: Option<String>, action: Action) -> Step {
    let to = if action == Action::ExportReport { Destination::File } else { Destination::Clipboard };
    let building = state.say("正在生成报告…", "building the report…");
    super::notify(state, building).with(Effect::Report { order_id, other, to, now: state.now })
}

/// A report is ready: copied (unless too long for a terminal to take) or
/// written, and the notice says what, how long, and where.
pub(super) fn on_ready(
    state: &mut State,
    order_id: &str,
    other: Option<&str>,
    result: Result<Exported, ReportError>,
) -> Step {
    let what = match (state.lang, other) {
        (Lang::Zh, None) => format!("订单 {order_id} 的报告"),
        (Lang::Zh, Some(b)) => format!("订单 {order_id} 与 {b} 的对比报告"),
        (Lang::En, None) => format!("the report of order {order_id}"),
        (Lang::En, Some(b)) => format!("the comparison report of orders {order_id} and {b}"),
    };
    let (notice, copy) = match result {
        Ok(Exported::Text(text)) if text.len() > MAX_COPY => {
            let kib = text.len().div_ceil(1024);
            let too_long = match state.lang {
                Lang::Zh => format!("{what}有 {kib} KiB，超出终端剪贴板可接收的长度；按 e 写入文件"),
                Lang::En => format!(
                    "{what} is {kib} KiB, more than a terminal's clipboard takes; press e to write it to a file"
                ),
            };
            (too_long, None)
        }
        Ok(Exported::Text(text)) => {
            let lines = text.lines().count();
            let copied = match state.lang {
                Lang::Zh => format!("已复制{what}（Markdown，{lines} 行）"),
                Lang::En => format!("copied {what} (Markdown, {lines} lines)"),
            };
            (copied, Some(text))
        }
        Ok(Exported::File { path, lines }) => {
            let written = match state.lang {
                Lang::Zh => format!("{what}已写入 {path}（{lines} 行）"),
                Lang::En => format!("wrote {what} to {path} ({lines} lines)"),
            };
            (written, None)
        }
        Err(e) => (format!("{}{e}", state.say("无法生成报告：", "cannot build the report: ")), None),
    };
    let step = super::notify(state, notice);
    match copy {
        Some(text) => step.with(Effect::Copy(text)),
        None => step,
    }
}

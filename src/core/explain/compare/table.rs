//! The side-by-side table both the text and the Markdown comparison show.

use crate::model::names::Lang;
use crate::timefmt;

use super::super::Source;
use super::super::evidence::Coverage;
use super::super::prose::span;
use super::{Comparison, Side};

/// One line of the side-by-side table.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    pub label: String,
    pub a: String,
    pub b: String,
    /// The two values differ (the order row itself never counts).
    pub differs: bool,
    /// A fact the type 5 rules weigh (wechat-channels.md §12: whether the
    /// order uses a number, the number and its clock, the pushes and what
    /// the push record covers), marked so the eye finds it.
    pub type5: bool,
}

/// The side-by-side table both the text and the Markdown comparison show.
pub fn fact_rows(c: &Comparison, lang: Lang) -> Vec<FactRow> {
    let dash = || "-".to_string();
    let t = |x: Option<i64>| x.map(timefmt::full).unwrap_or_else(dash);
    let n = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_else(dash);
    let demo = |s: Source| if s == Source::Demo { lang.text(" [演示]", " [demo]") } else { "" };
    type Row<'a> = (&'a str, Box<dyn Fn(&Side) -> String + 'a>);
    let yes_no = |x: Option<i64>| match x {
        Some(1) => format!("1 {}", lang.text("是", "yes")),
        Some(0) => format!("0 {}", lang.text("否", "no")),
        other => n(other),
    };
    let rows: Vec<Row> = vec![
        (lang.text("订单", "order"), Box::new(|s: &Side| format!("{}{}", s.order_id, demo(s.source)))),
        (
            lang.text("状态", "status"),
            Box::new(|s: &Side| format!("{} {}", n(s.status), s.status_name.clone().unwrap_or_default())),
        ),
        (
            lang.text("状态历史", "status history"),
            Box::new(|s: &Side| {
                let steps: Vec<String> =
                    s.versions.iter().map(|v| format!("{}@{}", n(v.status), timefmt::short(v.fetched_at))).collect();
                if steps.is_empty() { dash() } else { steps.join(" → ") }
            }),
        ),
        (lang.text("发货方式", "delivery method"), Box::new(|s: &Side| n(s.deliver_method))),
        (lang.text("发货", "shipped"), Box::new(|s: &Side| t(s.shipped_at))),
        (
            lang.text("包裹", "parcels"),
            Box::new(|s: &Side| {
                let p: Vec<String> = s
                    .parcels
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} deliver_type {}",
                            p.waybill_id.as_deref().unwrap_or("-"),
                            p.delivery_name.as_deref().unwrap_or(""),
                            n(p.deliver_type)
                        )
                    })
                    .collect();
                if p.is_empty() { dash() } else { p.join("; ") }
            }),
        ),
        (
            lang.text("电子面单号", "e-waybill code"),
            Box::new(|s: &Side| {
                if s.ewaybill_in.is_empty() {
                    lang.text("无", "none").to_string()
                } else {
                    let at: Vec<String> = s.ewaybill_in.iter().map(|t| crate::timefmt::full(*t)).collect();
                    format!("{} {}", lang.text("见于获取于此时的版本", "in the version fetched"), at.join(", "))
                }
            }),
        ),
        (lang.text("使用虚拟号", "uses a virtual number"), Box::new(|s: &Side| yes_no(s.use_tel_number))),
        (lang.text("虚拟号", "virtual number"), Box::new(|s: &Side| s.virtual_number.clone().unwrap_or_else(dash))),
        (lang.text("到期", "expires"), Box::new(|s: &Side| t(s.expire_time))),
        (lang.text("已延期次数", "extensions"), Box::new(|s: &Side| n(s.has_delay_times))),
        (lang.text("换号次数", "number exchanges"), Box::new(|s: &Side| n(s.get_virtual_tel_cnt))),
        (
            lang.text("计时开始（推断）", "clock start (inferred)"),
            Box::new(|s: &Side| match (s.clock_start, s.clock_start_before_shipment) {
                (Some(c), Some(d)) => {
                    let side = match (d >= 0, lang) {
                        (true, Lang::Zh) => "早于发货",
                        (false, Lang::Zh) => "晚于发货",
                        (true, Lang::En) => "before shipping",
                        (false, Lang::En) => "after shipping",
                    };
                    crate::text::zh_punctuation(&format!("{} ({} {side})", timefmt::full(c), span(lang, d.abs())))
                }
                (Some(c), None) => timefmt::full(c),
                (None, _) => dash(),
            }),
        ),
        (
            lang.text("推送（type 5）", "pushes (type 5)"),
            Box::new(|s: &Side| format!("{} ({})", s.pushes.len(), s.type5_pushes)),
        ),
        (
            lang.text("推送记录覆盖", "push record covers"),
            Box::new(|s: &Side| match &s.coverage {
                None => dash(),
                Some(c) => {
                    let kind = match c.coverage {
                        Coverage::Receiver { .. } => lang.text("接收器全程运行", "receiver ran throughout"),
                        Coverage::Partly { .. } => lang.text("部分", "partly"),
                        Coverage::None => lang.text("无（未记录）", "nothing (not recorded)"),
                    };
                    format!("{kind}{}{} – {}", lang.text("：", ": "), timefmt::full(c.from), timefmt::full(c.to))
                }
            }),
        ),
        (lang.text("报告", "reported notes"), Box::new(|s: &Side| s.notes.len().to_string())),
    ];
    // The rows the type 5 rules weigh, by position in the table above.
    const TYPE5: [usize; 8] = [3, 7, 8, 9, 10, 12, 13, 14];
    rows.iter()
        .enumerate()
        .map(|(i, (label, f))| {
            let (a, b) = (f(&c.a), f(&c.b));
            FactRow { label: label.to_string(), differs: a != b && i != 0, type5: TYPE5.contains(&i), a, b }
        })
        .collect()
}

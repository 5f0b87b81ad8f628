//! Two orders side by side: each one's facts, the differences that bear on a
//! type 5 push, and a comparative explanation that says what the data cannot
//! decide. Pure: works on two orders' evidence, as the CLI's `compare` and
//! the inspector's mark-and-compare both load it.

use serde::Serialize;
use serde_json::{Value, json};

use crate::model::Vnum;
use crate::model::names::{self, Lang};
use crate::timefmt;

use super::evidence::{Coverage, Evidence, Note};
use super::prose::{coverage_words, span, tr, when};
use super::rules::{self, Facts, Rule};
use super::{Source, Statement};

/// One version, as the comparison lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionFact {
    pub snapshot: i64,
    pub fetched_at: i64,
    pub status: Option<i64>,
    pub source: Source,
}

/// One parcel of the shipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parcel {
    pub waybill_id: Option<String>,
    pub delivery_name: Option<String>,
    pub delivery_time: Option<i64>,
    pub deliver_type: Option<i64>,
}

/// One stored push.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushFact {
    pub id: i64,
    pub received_at: i64,
    pub event: String,
    #[serde(rename = "type")]
    pub kind: Option<i64>,
    pub meaning: String,
    pub source: Source,
}

/// How the stored pushes cover the span that bears on a type 5 push.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanCoverage {
    pub from: i64,
    pub to: i64,
    pub coverage: Coverage,
}

/// One order's facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub order_id: String,
    /// `demo` when every version and push of the order is made up.
    pub source: Source,
    pub status: Option<i64>,
    pub status_name: Option<String>,
    /// Each stored version's status, oldest read first.
    pub versions: Vec<VersionFact>,
    pub deliver_method: Option<i64>,
    pub shipped_at: Option<i64>,
    pub parcels: Vec<Parcel>,
    /// When the versions that carry an `ewaybill_order_code` were fetched.
    pub ewaybill_in: Vec<i64>,
    pub use_tel_number: Option<i64>,
    pub virtual_number: Option<String>,
    pub expire_time: Option<i64>,
    pub has_delay_times: Option<i64>,
    pub get_virtual_tel_cnt: Option<i64>,
    /// Inferred: expiry − 30 d − 15 d × extensions.
    pub clock_start: Option<i64>,
    /// Seconds from the clock start to the shipment (negative: after it).
    pub clock_start_before_shipment: Option<i64>,
    pub pushes: Vec<PushFact>,
    pub type5_pushes: usize,
    pub coverage: Option<SpanCoverage>,
    pub notes: Vec<Note>,
    /// The order's own explanation.
    pub explanation: Vec<Statement>,
}

/// A fact that differs between the two orders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub field: &'static str,
    pub a: Value,
    pub b: Value,
    /// Does the documented behaviour tie this fact to a type 5 push?
    pub bears_on_type5: bool,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    pub differences: Vec<Difference>,
    pub explanation: Vec<Statement>,
}

fn source_of(demo: bool) -> Source {
    if demo { Source::Demo } else { Source::Observed }
}

/// One order's facts from its evidence.
pub fn side(ev: &Evidence, lang: Lang) -> Side {
    let f = Facts::of(ev);
    let latest = f.latest.map(|v| &v.order);
    let vn = latest.map(Vnum::of).unwrap_or_default();
    // The number as the newest version that has one states it.
    let numbered = f.versions.iter().rev().map(|v| Vnum::of(&v.order)).find(|v| v.number.is_some());
    let shown = numbered.clone().unwrap_or_else(|| vn.clone());
    let clock_start = shown.inferred_clock_start();
    let type5_pushes = f.pushes.iter().filter(|p| p.is_type5()).count();
    let coverage = rules::relevant_span(&f).map(|(from, to)| SpanCoverage {
        from,
        to,
        coverage: super::evidence::coverage(from, to, &ev.periods, ev.now),
    });
    Side {
        order_id: ev.order_id.clone(),
        source: if ev.is_demo() { Source::Demo } else { Source::Observed },
        status: latest.and_then(|o| o.status()),
        status_name: latest.and_then(|o| o.status()).map(|s| names::status_label(Some(s), lang)),
        versions: f
            .versions
            .iter()
            .map(|v| VersionFact {
                snapshot: v.snapshot_id,
                fetched_at: v.fetched_at,
                status: v.order.status(),
                source: source_of(v.is_demo()),
            })
            .collect(),
        deliver_method: latest.and_then(|o| o.deliver_method()),
        shipped_at: f.shipped_at,
        parcels: latest
            .map(|o| o.packages())
            .unwrap_or_default()
            .into_iter()
            .map(|p| Parcel {
                waybill_id: p.waybill_id,
                delivery_name: p.delivery_name,
                delivery_time: p.delivery_time,
                deliver_type: p.deliver_type,
            })
            .collect(),
        ewaybill_in: f
            .versions
            .iter()
            .filter(|v| v.order.ewaybill_order_code().is_some())
            .map(|v| v.fetched_at)
            .collect(),
        use_tel_number: vn.use_tel_number,
        virtual_number: shown.number.clone(),
        expire_time: shown.expire_time,
        has_delay_times: shown.has_delay_times,
        get_virtual_tel_cnt: shown.get_virtual_tel_cnt,
        clock_start,
        clock_start_before_shipment: clock_start.zip(f.shipped_at).map(|(s, ship)| ship - s),
        pushes: f
            .pushes
            .iter()
            .map(|p| PushFact {
                id: p.id,
                received_at: p.received_at,
                event: p.event.clone(),
                kind: p.kind,
                meaning: names::push_meaning(&p.event, p.kind, lang),
                source: source_of(p.is_demo()),
            })
            .collect(),
        type5_pushes,
        coverage,
        notes: ev.notes.clone(),
        explanation: rules::explain(&f, lang),
    }
}

/// The clock start against the shipment, as a comparable word.
fn clock_vs_ship(s: &Side) -> &'static str {
    match (s.virtual_number.is_some(), s.clock_start_before_shipment, s.shipped_at) {
        (false, _, _) => "no number",
        (true, Some(d), _) if d >= 0 => "before shipping",
        (true, Some(_), _) => "after shipping",
        (true, None, None) => "not shipped",
        (true, None, Some(_)) => "unknown",
    }
}

fn coverage_kind(s: &Side) -> &'static str {
    match s.coverage.as_ref().map(|c| &c.coverage) {
        Some(Coverage::Receiver { .. }) => "receiver",
        Some(Coverage::Partly { .. }) => "partly",
        Some(Coverage::None) => "none",
        None => "no version",
    }
}

/// The facts that differ, each saying whether it bears on a type 5 push.
pub fn differences(a: &Side, b: &Side, lang: Lang) -> Vec<Difference> {
    let mut out = Vec::new();
    // Without a version on one side, the order's fields cannot be compared.
    let fields = !a.versions.is_empty() && !b.versions.is_empty();
    let mut add = |field: &'static str, va: Value, vb: Value, bears: bool, why: (&str, &str)| {
        let from_fields = !matches!(field, "type5_pushes_stored" | "versions_stored" | "reported_notes");
        if va != vb && (fields || !from_fields) {
            out.push(Difference { field, a: va, b: vb, bears_on_type5: bears, why: tr(lang, why.0, why.1) });
        }
    };
    add(
        "virtual_number",
        json!(a.virtual_number.is_some()),
        json!(b.virtual_number.is_some()),
        true,
        (
            "type 5 是“虚拟号码信息更新”：没有号码就没有可更新的号码信息",
            "type 5 is \"virtual number info updated\": without a number there is no number info to update",
        ),
    );
    add(
        "clock_start_vs_shipment",
        json!(clock_vs_ship(a)),
        json!(clock_vs_ship(b)),
        true,
        (
            "按服务指南（商家主动查看后30天有效），计时开始约为商家一侧查看号码的时间，即发货时是否已有号码（推断）",
            "by the guide (valid 30 days after the merchant actively views it), the clock start dates the merchant side's view, so whether a number existed at the shipment (inferred)",
        ),
    );
    add(
        "use_tel_number",
        json!(a.use_tel_number),
        json!(b.use_tel_number),
        true,
        ("是否使用虚拟号", "whether the order uses a virtual number"),
    );
    add(
        "deliver_method",
        json!(a.deliver_method),
        json!(b.deliver_method),
        true,
        ("虚拟发货（1）不开启虚拟号", "virtual delivery (1) gets no virtual number"),
    );
    let types = |s: &Side| json!(s.parcels.iter().map(|p| p.deliver_type).collect::<Vec<_>>());
    add(
        "deliver_type",
        types(a),
        types(b),
        true,
        ("无需物流发货（3）不开启虚拟号", "shipping without logistics (3) gets no virtual number"),
    );
    add(
        "ewaybill_order_code",
        json!(!a.ewaybill_in.is_empty()),
        json!(!b.ewaybill_in.is_empty()),
        false,
        (
            "取电子面单用的订单密文，支付后即有且不变；不说明是否打印过面单或查看过联系方式",
            "the order ciphertext for taking an e-waybill, present from payment on and never changing; no evidence that a waybill was printed or the contact viewed",
        ),
    );
    add(
        "type5_pushes_stored",
        json!(a.type5_pushes),
        json!(b.type5_pushes),
        true,
        ("存储的 type 5 推送条数", "type 5 pushes in the store"),
    );
    add(
        "push_coverage",
        json!(coverage_kind(a)),
        json!(coverage_kind(b)),
        true,
        (
            "推送记录是否覆盖该订单的相关时间段：未覆盖时，没有推送不代表没有发送",
            "whether the push record covers the order's span: where it does not, no stored push does not mean none was sent",
        ),
    );
    add("status", json!(a.status), json!(b.status), false, ("订单状态", "order status"));
    add(
        "shipped",
        json!(a.shipped_at.is_some()),
        json!(b.shipped_at.is_some()),
        true,
        ("问题关注发货后的 type 5 推送", "the question is about a type 5 push after shipping"),
    );
    add(
        "has_delay_times",
        json!(a.has_delay_times),
        json!(b.has_delay_times),
        false,
        ("已延期次数（改变到期时间）", "extensions used (they move the expiry)"),
    );
    add(
        "versions_stored",
        json!(a.versions.len()),
        json!(b.versions.len()),
        false,
        ("存储的订单版本数", "order versions in the store"),
    );
    add(
        "reported_notes",
        json!(a.notes.len()),
        json!(b.notes.len()),
        false,
        ("报告的事实（未经观测）", "facts people reported (not observed)"),
    );
    out
}

fn label(lang: Lang, s: &Side, which: &str) -> String {
    let demo = if s.source == Source::Demo { lang.text("（演示数据）", " (demo data)") } else { "" };
    format!("{which} {}{demo}", s.order_id)
}

/// One side's number and clock, in one clause.
fn number_clause(lang: Lang, s: &Side) -> String {
    let last = s.versions.last().map(|v| when(v.fetched_at)).unwrap_or_default();
    let n = s.versions.len();
    if s.versions.is_empty() {
        return tr(
            lang,
            "没有存储 order/get 结果，无法判断其号码",
            "no order/get response is stored, so its number cannot be judged",
        );
    }
    match (&s.virtual_number, s.clock_start, s.clock_start_before_shipment) {
        (None, _, _) => {
            let shipped_read = match (s.shipped_at, s.versions.last()) {
                (Some(ship), Some(v)) if v.fetched_at >= ship => tr(lang, "，发货之后", ", after shipping"),
                (Some(_), Some(_)) => tr(lang, "，发货之前", ", before shipping"),
                _ => String::new(),
            };
            match (lang, n) {
                (Lang::Zh, 1) => format!("唯一存储的版本中没有虚拟号（读取于 {last}{shipped_read}）"),
                (Lang::En, 1) => format!("no number in its only stored version (read {last}{shipped_read})"),
                (Lang::Zh, _) => format!("{n} 个存储的版本中都没有虚拟号（最后一次读取 {last}{shipped_read}）"),
                (Lang::En, _) => {
                    format!("no number in any of its {n} stored versions (last read {last}{shipped_read})")
                }
            }
        }
        (Some(_), Some(start), Some(d)) => match (lang, d >= 0) {
            (Lang::Zh, true) => format!("计时约于 {} 开始，比发货早 {}", timefmt::clock(start), span(d)),
            (Lang::Zh, false) => format!("计时约于 {} 开始，比发货晚 {}", timefmt::clock(start), span(d)),
            (Lang::En, true) => format!("the clock started ≈ {}, {} before shipping", timefmt::clock(start), span(d)),
            (Lang::En, false) => format!("the clock started ≈ {}, {} after shipping", timefmt::clock(start), span(d)),
        },
        (Some(_), Some(start), None) => match lang {
            Lang::Zh => format!("计时约于 {} 开始；没有存储的版本显示已发货", when(start)),
            Lang::En => format!("the clock started ≈ {}; no stored version shows a shipment", when(start)),
        },
        (Some(n), None, _) => match lang {
            Lang::Zh => format!("有号码 {n}，但没有到期时间，无法推断计时开始"),
            Lang::En => format!("a number ({n}) but no expiry, so the clock start cannot be inferred"),
        },
    }
}

/// One side's type 5 pushes, or what the record says about their absence.
fn push_clause(lang: Lang, s: &Side) -> String {
    let type5: Vec<&PushFact> = s.pushes.iter().filter(|p| names::is_type5(&p.event, p.kind)).collect();
    if !type5.is_empty() {
        let at: Vec<String> = type5
            .iter()
            .map(|p| {
                let rel = s.shipped_at.map(|ship| {
                    let d = p.received_at - ship;
                    match (lang, d >= 0) {
                        (Lang::Zh, true) => format!("发货后 {}", span(d)),
                        (Lang::Zh, false) => format!("发货前 {}", span(d)),
                        (Lang::En, true) => format!("{} after shipping", span(d)),
                        (Lang::En, false) => format!("{} before shipping", span(d)),
                    }
                });
                let demo = if p.source == Source::Demo { lang.text("，演示数据", ", demo data") } else { "" };
                format!("{} ({}{demo})", timefmt::full(p.received_at), rel.unwrap_or_default())
            })
            .collect();
        return match lang {
            Lang::Zh => format!("存储了 type 5 推送：{}", at.join("、")),
            Lang::En => format!("type 5 push stored at {}", at.join(", ")),
        };
    }
    match &s.coverage {
        Some(c) => coverage_words(lang, &c.coverage, lang.text("type 5 推送", "type 5 push")),
        None => tr(lang, "没有订单版本，无法确定相关时间段", "no order version, so the span that matters is unknown"),
    }
}

fn st(rule: Rule, statement: String, short: String, evidence: Vec<String>, demo: bool) -> Statement {
    Statement { rule, statement, short, evidence, demo }
}

/// The comparative explanation.
pub fn explain(a: &Side, b: &Side, lang: Lang) -> Vec<Statement> {
    let (la, lb) = (label(lang, a, "A"), label(lang, b, "B"));
    let demo = a.source == Source::Demo || b.source == Source::Demo;
    let mut out = Vec::new();
    let sides = [(&la, a), (&lb, b)];
    let numbers: Vec<String> = sides.iter().map(|(l, s)| format!("{l}: {}", number_clause(lang, s))).collect();
    let ab_number = (a.virtual_number.is_some(), b.virtual_number.is_some());
    let both_read = !a.versions.is_empty() && !b.versions.is_empty();
    let mut text = format!("{}{}", numbers.join(lang.text("；", "; ")), lang.text("。", "."));
    let bearing = match (ab_number, lang) {
        ((true, false), Lang::Zh) => " A 在这些读取中有号码而 B 没有：type 5 是“虚拟号码信息更新”，B 存储的读取中没有可更新的号码。".to_string(),
        ((true, false), Lang::En) => " A had a number in these reads and B did not: type 5 means \"virtual number info updated\", and no stored read of B shows a number to update.".to_string(),
        ((false, true), Lang::Zh) => " B 在这些读取中有号码而 A 没有：type 5 是“虚拟号码信息更新”，A 存储的读取中没有可更新的号码。".to_string(),
        ((false, true), Lang::En) => " B had a number in these reads and A did not: type 5 means \"virtual number info updated\", and no stored read of A shows a number to update.".to_string(),
        ((true, true), _) if clock_vs_ship(a) != clock_vs_ship(b) => match lang {
            Lang::Zh => format!(" 两者的计时开始相对发货不同（A：{}，B：{}）。", clock_vs_ship(a), clock_vs_ship(b)),
            Lang::En => format!(" Their clocks started on different sides of the shipment (A: {}, B: {}).", clock_vs_ship(a), clock_vs_ship(b)),
        },
        _ => String::new(),
    };
    if both_read {
        text.push_str(&bearing);
    }
    let short = match ab_number {
        (true, false) => tr(lang, "A 有号码，B 没有", "A had a number, B had none"),
        (false, true) => tr(lang, "B 有号码，A 没有", "B had a number, A had none"),
        (true, true) => tr(lang, "两者都有号码", "both had a number"),
        (false, false) => tr(lang, "两者都没有号码", "neither had a number"),
    };
    let evidence = sides
        .iter()
        .flat_map(|(l, s)| {
            s.explanation
                .iter()
                .filter(|x| {
                    matches!(x.rule, Rule::ClockStart | Rule::NoNumber | Rule::PendingNumber | Rule::VirtualGoods)
                })
                .flat_map(move |x| {
                    // The weighed causes of "no number" travel with it.
                    let causes = x.evidence.iter().filter(|e| x.rule == Rule::NoNumber && e.contains(" — "));
                    std::iter::once(format!("{l}: {}", x.statement)).chain(causes.map(move |e| format!("{l}: {e}")))
                })
        })
        .collect();
    out.push(st(Rule::ComparedNumbers, text, short, evidence, demo));

    let pushes: Vec<String> = sides.iter().map(|(l, s)| format!("{l}: {}", push_clause(lang, s))).collect();
    let push_demo = a.pushes.iter().chain(&b.pushes).any(|p| p.source == Source::Demo);
    out.push(st(
        Rule::ComparedPushes,
        format!("{}{}", pushes.join(lang.text("；", "; ")), lang.text("。", ".")),
        match (a.type5_pushes, b.type5_pushes) {
            (0, 0) => tr(lang, "两者都没有存储 type 5 推送", "no type 5 push stored for either"),
            (_, 0) => tr(lang, "只有 A 存储了 type 5 推送", "type 5 push stored for A only"),
            (0, _) => tr(lang, "只有 B 存储了 type 5 推送", "type 5 push stored for B only"),
            _ => tr(lang, "两者都存储了 type 5 推送", "type 5 pushes stored for both"),
        },
        sides
            .iter()
            .flat_map(|(l, s)| {
                s.pushes.iter().map(move |p| {
                    let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
                    let demo =
                        if p.source == Source::Demo { lang.text("（演示数据）", " (demo data)") } else { "" };
                    format!("{l}: push {}{kind} {}{demo}", names::event_short(&p.event), when(p.received_at))
                })
            })
            .collect(),
        push_demo || demo,
    ));

    let reports: Vec<String> = sides
        .iter()
        .flat_map(|(l, s)| {
            s.explanation.iter().filter(|x| x.rule == Rule::Reported).map(move |x| format!("{l}: {}", x.statement))
        })
        .collect();
    if !reports.is_empty() {
        out.push(st(
            Rule::ComparedReports,
            format!(
                "{}{}",
                tr(lang, "报告（未经观测，仅作为报告考虑）：", "Reported, and weighed as reports, not observations: "),
                reports.join(" ")
            ),
            tr(lang, "有报告的事实", "facts reported"),
            sides
                .iter()
                .flat_map(|(l, s)| s.notes.iter().map(move |n| format!("{l}: report #{} \"{}\"", n.id, n.text)))
                .collect(),
            false,
        ));
    }

    // What the data cannot decide.
    let mut open = Vec::new();
    for (l, s) in sides {
        if s.versions.is_empty() {
            open.push(match lang {
                Lang::Zh => format!("{l} 没有存储任何 order/get 结果，无法判断其虚拟号"),
                Lang::En => format!("{l} has no stored order/get response, so its virtual number cannot be judged"),
            });
            continue;
        }
        if s.type5_pushes == 0 && !s.coverage.as_ref().map(|c| c.coverage.is_full()).unwrap_or(false) {
            open.push(match lang {
                Lang::Zh => format!("{l} 是否收到过 type 5 推送：推送记录没有完整覆盖其相关时间段"),
                Lang::En => format!("whether {l} got a type 5 push: the push record does not cover all of its span"),
            });
        }
        if s.virtual_number.is_none() {
            open.push(match lang {
                Lang::Zh => format!("{l} 为什么没有号码：文档列出的原因无法从订单中区分（见其自身的解释）"),
                Lang::En => format!("why {l} has no number: the documented causes cannot be told apart from the order (see its own explanation)"),
            });
        }
        if s.versions.len() == 1 && s.virtual_number.is_none() {
            open.push(match lang {
                Lang::Zh => format!("{l} 只有一次读取，之后是否出现号码未知"),
                Lang::En => format!("{l} has one read only; whether a number appeared later is unknown"),
            });
        }
    }
    open.push(tr(
        lang,
        "平台为何对一个订单发送 type 5 推送而不对另一个发送：平台没有公布规则，上述差异与推送相符，但不是文档规定的原因",
        "why the platform sent a type 5 push for one order and not the other: the platform publishes no rule; the differences above are consistent with it, not a documented cause",
    ));
    out.push(st(
        Rule::CannotDecide,
        format!("{}{}", tr(lang, "数据无法判断：", "The data cannot decide: "), open.join(lang.text("；", "; ")))
            + lang.text("。", "."),
        tr(lang, "数据无法判断的问题", "what the data cannot decide"),
        Vec::new(),
        false,
    ));
    out
}

/// One line of the side-by-side table.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    pub label: String,
    pub a: String,
    pub b: String,
    /// The two values differ (the order row itself never counts).
    pub differs: bool,
}

/// The side-by-side table both the text and the Markdown comparison show.
pub fn fact_rows(c: &Comparison, lang: Lang) -> Vec<FactRow> {
    let dash = || "-".to_string();
    let t = |x: Option<i64>| x.map(timefmt::full).unwrap_or_else(dash);
    let n = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_else(dash);
    let demo = |s: Source| if s == Source::Demo { lang.text(" [演示]", " [demo]") } else { "" };
    type Row<'a> = (&'a str, Box<dyn Fn(&Side) -> String + 'a>);
    let rows: Vec<Row> = vec![
        ("order", Box::new(|s: &Side| format!("{}{}", s.order_id, demo(s.source)))),
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
        ("deliver_method", Box::new(|s: &Side| n(s.deliver_method))),
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
            "ewaybill_order_code",
            Box::new(|s: &Side| {
                if s.ewaybill_in.is_empty() {
                    lang.text("无", "none").to_string()
                } else {
                    let at: Vec<String> = s.ewaybill_in.iter().map(|t| crate::timefmt::full(*t)).collect();
                    format!("{} {}", lang.text("见于获取于此时的版本", "in the version fetched"), at.join(", "))
                }
            }),
        ),
        ("use_tel_number", Box::new(|s: &Side| n(s.use_tel_number))),
        (lang.text("虚拟号", "virtual number"), Box::new(|s: &Side| s.virtual_number.clone().unwrap_or_else(dash))),
        (lang.text("到期", "expires"), Box::new(|s: &Side| t(s.expire_time))),
        ("has_delay_times", Box::new(|s: &Side| n(s.has_delay_times))),
        ("get_virtual_tel_cnt", Box::new(|s: &Side| n(s.get_virtual_tel_cnt))),
        (
            lang.text("计时开始（推断）", "clock start (inferred)"),
            Box::new(|s: &Side| match (s.clock_start, s.clock_start_before_shipment) {
                (Some(c), Some(d)) if d >= 0 => {
                    format!("{} ({} {})", timefmt::full(c), span(d), lang.text("早于发货", "before shipping"))
                }
                (Some(c), Some(d)) => {
                    format!("{} ({} {})", timefmt::full(c), span(d), lang.text("晚于发货", "after shipping"))
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
                    format!("{kind}: {} – {}", timefmt::full(c.from), timefmt::full(c.to))
                }
            }),
        ),
        (lang.text("报告", "reported notes"), Box::new(|s: &Side| s.notes.len().to_string())),
    ];
    rows.iter()
        .map(|(label, f)| {
            let (a, b) = (f(&c.a), f(&c.b));
            FactRow { label: label.to_string(), differs: a != b && *label != "order", a, b }
        })
        .collect()
}

/// Both orders' facts, what differs, and the comparative explanation.
pub fn compare(a: &Evidence, b: &Evidence, lang: Lang) -> Comparison {
    let (a, b) = (side(a, lang), side(b, lang));
    let differences = differences(&a, &b, lang);
    let explanation = explain(&a, &b, lang);
    Comparison { a, b, differences, explanation }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::Period;
    use crate::explain::fixtures::*;

    /// Order B as the demo shop has it: one read after shipping, no number.
    fn order_b() -> Evidence {
        let mut ev = evidence(vec![version(5, SHIP + 8000, true, None)], vec![], vec![], vec![]);
        ev.order_id = "2".into();
        ev
    }

    fn find(c: &Comparison, rule: Rule) -> &Statement {
        c.explanation.iter().find(|s| s.rule == rule).unwrap_or_else(|| panic!("{rule}: {:#?}", c.explanation))
    }

    #[test]
    fn a_number_before_shipping_against_none_is_the_difference_named() {
        let c = compare(&seed(vec![push(3, SHIP + 2, Some(5), "serve")], vec![]), &order_b(), Lang::En);
        assert_eq!(c.a.clock_start_before_shipment, Some(SHIP - (EXPIRY - 30 * 86_400)));
        assert_eq!(c.a.type5_pushes, 1);
        assert_eq!(c.b.virtual_number, None);
        let fields: Vec<&str> = c.differences.iter().map(|d| d.field).collect();
        for f in ["virtual_number", "clock_start_vs_shipment", "use_tel_number", "type5_pushes_stored"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(c.differences.iter().find(|d| d.field == "virtual_number").unwrap().bears_on_type5);
        assert!(!fields.contains(&"deliver_method"), "equal facts are not differences");
        let n = find(&c, Rule::ComparedNumbers);
        assert!(
            n.statement.contains("A 1: the clock started ≈ 12:27:31, 1 h 53 min before shipping"),
            "{}",
            n.statement
        );
        assert!(n.statement.contains("B 2: no number in its only stored version (read"), "{}", n.statement);
        assert!(n.statement.contains("after shipping)"), "{}", n.statement);
        assert!(n.statement.contains("no stored read of B shows a number to update"), "{}", n.statement);
        let p = find(&c, Rule::ComparedPushes);
        assert!(
            p.statement.contains("A 1: type 5 push stored at 2025-12-02 14:21:28 (2 s after shipping)"),
            "{}",
            p.statement
        );
        assert!(p.statement.contains("B 2: no push is stored for this span"), "{}", p.statement);
        let open = find(&c, Rule::CannotDecide);
        assert!(
            open.statement.contains("whether B 2 got a type 5 push: the push record does not cover all of its span"),
            "{}",
            open.statement
        );
        assert!(open.statement.contains("why B 2 has no number"), "{}", open.statement);
        assert!(!open.statement.contains("whether A 1 got"), "A's push is stored: {}", open.statement);
    }

    #[test]
    fn a_covered_span_lets_the_absence_count_and_leaves_less_undecided() {
        let up = vec![Period { start: SHIP - 100_000, end: NOW, stopped: false }];
        let mut b = order_b();
        b.periods = up.clone();
        let c = compare(&seed(vec![], up), &b, Lang::En);
        let p = find(&c, Rule::ComparedPushes);
        assert!(
            p.statement.contains("B 2: the receiver was running throughout and received no type 5 push"),
            "{}",
            p.statement
        );
        let open = find(&c, Rule::CannotDecide);
        assert!(!open.statement.contains("got a type 5 push"), "{}", open.statement);
        assert!(open.statement.contains("publishes no rule"), "{}", open.statement);
    }

    #[test]
    fn reports_are_weighed_as_reports_and_demo_data_is_marked() {
        let mut a = seed(vec![push(3, SHIP + 2, Some(5), "demo")], vec![]);
        a.notes = vec![Note {
            id: 1,
            order_id: "1".into(),
            at: Some(SHIP + 2),
            event: Some("channels_ec_order_ext_info_update".into()),
            kind: Some(5),
            text: "merchant saw it".into(),
            recorded_at: SHIP + 99_999,
        }];
        let mut b = order_b();
        b.versions[0].source = "demo".into();
        let c = compare(&a, &b, Lang::En);
        assert_eq!(c.b.source, Source::Demo);
        assert_eq!(c.a.source, Source::Observed, "A's reads are real; only its push is made up");
        assert_eq!(c.a.pushes[0].source, Source::Demo);
        let p = find(&c, Rule::ComparedPushes);
        assert!(p.demo && p.statement.contains("demo data"), "{}", p.statement);
        let r = find(&c, Rule::ComparedReports);
        assert!(r.statement.starts_with("Reported, and weighed as reports, not observations: A 1:"), "{}", r.statement);
        let json = serde_json::to_value(&c).unwrap();
        for key in ["a", "b", "differences", "explanation"] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["b"]["source"], "demo");
        assert_eq!(json["a"]["notes"][0]["type"], 5);
    }

    #[test]
    fn a_side_without_any_version_is_not_judged() {
        let mut b = evidence(vec![], vec![], vec![], vec![]);
        b.order_id = "2".into();
        b.notes = vec![Note {
            id: 1,
            order_id: "2".into(),
            at: None,
            event: None,
            kind: None,
            text: "no push here".into(),
            recorded_at: 5,
        }];
        let c = compare(&seed(vec![], vec![]), &b, Lang::En);
        assert_eq!(c.b.source, Source::Observed, "a note is not demo data");
        let fields: Vec<&str> = c.differences.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["versions_stored", "reported_notes"], "no field-by-field guesses against nothing");
        let n = find(&c, Rule::ComparedNumbers);
        assert!(
            n.statement.contains("B 2: no order/get response is stored, so its number cannot be judged"),
            "{}",
            n.statement
        );
        assert!(!n.statement.contains("shows a number to update"), "{}", n.statement);
        assert!(find(&c, Rule::CannotDecide).statement.contains("B 2 has no stored order/get response"));
    }

    #[test]
    fn chinese_text_is_chinese() {
        let c = compare(&seed(vec![], vec![]), &order_b(), Lang::Zh);
        let n = find(&c, Rule::ComparedNumbers);
        assert!(n.statement.contains("计时约于 12:27:31 开始，比发货早 1 h 53 min"), "{}", n.statement);
        assert!(find(&c, Rule::CannotDecide).statement.starts_with("数据无法判断："));
    }
}

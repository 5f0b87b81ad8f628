//! Two orders side by side: each one's facts, the differences that bear on a
//! type 5 push, and a comparative explanation that says what the data cannot
//! decide. Pure: works on two orders' evidence, as the CLI's `compare` and
//! the inspector's mark-and-compare both load it.

use serde::Serialize;
use serde_json::{Value, json};

use crate::model::Vnum;
use crate::model::names::{self, Lang};

use super::evidence::{Coverage, Evidence, Note};
use super::prose::tr;
use super::rules::{self, Facts};
use super::{Source, Statement};

mod explain;
mod table;

pub use explain::explain;
pub use table::{FactRow, fact_rows};

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
    /// Its `CreateTime`: when the platform made the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Seconds later than its event it arrived, for a redelivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivery_delay: Option<i64>,
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
    /// Pushes stored and not yet processed whose order is unknown (any of
    /// them may be this order's).
    pub unprocessed_elsewhere: i64,
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
    // The newest version with a number, dated only where the 30-day rule applies.
    let clock_start = f.versions.iter().rev().find(|v| Vnum::of(&v.order).number.is_some()).and_then(|v| f.start_of(v));
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
                created_at: p.created_at,
                redelivery_delay: p.redelivery_delay(),
                event: p.event.clone(),
                kind: p.kind,
                meaning: names::push_meaning(&p.event, p.kind, lang),
                source: source_of(p.is_demo()),
            })
            .collect(),
        type5_pushes,
        coverage,
        unprocessed_elsewhere: ev.unprocessed_elsewhere,
        notes: ev.notes.clone(),
        explanation: rules::explain(&f, lang),
    }
}

/// The clock start against the shipment, as a comparable word.
pub(super) fn clock_vs_ship(s: &Side) -> &'static str {
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

/// Both orders' facts, what differs, and the comparative explanation.
pub fn compare(a: &Evidence, b: &Evidence, lang: Lang) -> Comparison {
    let (a, b) = (side(a, lang), side(b, lang));
    let differences = differences(&a, &b, lang);
    let explanation = explain(&a, &b, lang).into_iter().map(|s| s.punctuated(lang)).collect();
    Comparison { a, b, differences, explanation }
}

#[cfg(test)]
mod tests;

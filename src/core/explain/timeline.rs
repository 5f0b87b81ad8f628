//! The timeline: stored versions, stored pushes, the receiver's up and down,
//! reported notes, and events read off the order's own fields, in time order.

use crate::diff::{Op, diff};
use crate::model::names::{self, Lang};
use crate::model::{Order, Vnum};
use crate::version_pair::Version;

use super::evidence::Evidence;
use super::prose::{DAY, clock_rule, snap_ev, tr};
use super::{Entry, Ref, Source};

/// A short description of what changed between two versions.
pub fn change_summary(before: &Order, after: &Order) -> String {
    let changes = diff(&before.raw, &after.raw);
    let mut parts: Vec<String> = changes
        .iter()
        .filter(|c| !c.path.ends_with("/update_time"))
        .take(4)
        .map(|c| {
            let leaf = crate::diff::short_label(&c.path);
            let show = |v: &Option<serde_json::Value>| {
                let text = v.as_ref().map(crate::json::short).unwrap_or_default();
                if crate::text::is_phone_field(&c.path) { crate::text::mask_phone(&text) } else { text }
            };
            match c.op {
                Op::Replace => format!("{leaf} {}→{}", show(&c.before), show(&c.after)),
                Op::Add => format!("+{leaf}"),
                Op::Remove => format!("-{leaf}"),
            }
        })
        .collect();
    let shown = parts.len();
    let total = changes.iter().filter(|c| !c.path.ends_with("/update_time")).count();
    if total > shown {
        parts.push(format!("… +{}", total - shown));
    }
    if parts.is_empty() { "only update_time".into() } else { parts.join(", ") }
}

fn observed(demo: bool) -> Source {
    if demo { Source::Demo } else { Source::Observed }
}

/// What is inferred from made-up data is made up too.
fn inferred_from(v: &Version) -> Source {
    if v.is_demo() { Source::Demo } else { Source::Inferred }
}

fn inferred(at: i64, kind: &'static str, source: Source, summary: String, rule: String) -> Entry {
    Entry { at, kind, source, summary, rule: Some(rule), created_at: None, reference: None }
}

/// The newest version by the order's own update time.
pub(crate) fn latest<'a>(versions: &[&'a Version]) -> Option<&'a Version> {
    versions.iter().copied().max_by_key(|v| (v.order.update_time().unwrap_or(v.fetched_at), v.fetched_at))
}

/// The timeline entries, sorted by time.
pub fn entries(ev: &Evidence, lang: Lang) -> Vec<Entry> {
    let mut versions: Vec<&Version> = ev.versions.iter().collect();
    versions.sort_by_key(|v| (v.fetched_at, v.snapshot_id));
    let mut pushes: Vec<_> = ev.pushes.iter().collect();
    pushes.sort_by_key(|p| (p.received_at, p.id));
    let mut entries = Vec::new();

    for (i, v) in versions.iter().enumerate() {
        let status = names::status_label(v.order.status(), lang);
        let summary = match i.checked_sub(1).map(|j| versions[j]) {
            None => {
                format!("{}: {} {}", tr(lang, "首个订单版本", "first version"), v.order.status().unwrap_or(0), status)
            }
            Some(prev) => format!("{}: {}", tr(lang, "订单版本", "version"), change_summary(&prev.order, &v.order)),
        };
        // Placed at its update_time: when it was read nobody said.
        let summary = if v.source.read_time_known() {
            summary
        } else {
            format!(
                "{summary}{}",
                tr(lang, "（读取时间未知，按 update_time 排列）", " (read time unknown; placed at its update_time)")
            )
        };
        entries.push(Entry {
            at: v.fetched_at,
            kind: "snapshot",
            source: observed(v.is_demo()),
            summary,
            rule: None,
            created_at: None,
            reference: Some(Ref::Snapshot(v.snapshot_id)),
        });
    }
    for p in &pushes {
        let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
        let mut summary =
            format!("{}{kind} {}", names::event_short(&p.event), names::push_meaning(&p.event, p.kind, lang));
        if p.deliveries > 1 {
            summary.push_str(&format!(" ×{}", p.deliveries));
        }
        if p.pending {
            summary.push_str(&tr(lang, " · 已存储，尚未处理", " · stored, not yet processed"));
        }
        // The event's own time beside the receipt, when a retry brought it late.
        if let (Some(created), Some(delay)) = (p.created_at, p.redelivery_delay()) {
            summary.push_str(&match lang {
                Lang::Zh => {
                    format!(
                        " · 事件时间 {}，晚到 {}（重新投递）",
                        crate::timefmt::full(created),
                        super::span(lang, delay)
                    )
                }
                Lang::En => {
                    format!(
                        " · made {}, {} late (a redelivery)",
                        crate::timefmt::full(created),
                        super::span(lang, delay)
                    )
                }
            });
        }
        entries.push(Entry {
            at: p.received_at,
            kind: "push",
            source: observed(p.is_demo()),
            summary,
            rule: None,
            created_at: p.created_at,
            reference: Some(p.reference()),
        });
    }
    for n in &ev.notes {
        let what = match (&n.event, n.kind) {
            (Some(e), Some(k)) => format!(" [{} type {k}]", names::event_short(e)),
            (Some(e), None) => format!(" [{}]", names::event_short(e)),
            (None, Some(k)) => format!(" [type {k}]"),
            (None, None) => String::new(),
        };
        let unknown_time = if n.at.is_none() {
            tr(lang, "（时间未报告，按记录时间排列）", " (time not reported; placed at when it was written down)")
        } else {
            String::new()
        };
        entries.push(Entry {
            at: n.at.unwrap_or(n.recorded_at),
            kind: "note",
            source: Source::Reported,
            summary: format!("{}: {}{what}{unknown_time}", tr(lang, "报告", "reported"), n.text),
            rule: None,
            created_at: None,
            reference: Some(Ref::Note(n.id)),
        });
    }
    // The receiver's up and down, where they matter to this order (from a
    // day before its first event to a day after its last).
    let order_span = entries.iter().map(|e| e.at).min().zip(entries.iter().map(|e| e.at).max());
    if let Some((lo, hi)) = order_span.map(|(lo, hi)| (lo - DAY, hi + DAY)) {
        for (i, period) in ev.periods.iter().enumerate() {
            let restarted = ev.periods.get(i + 1).is_some();
            if (lo..=hi).contains(&period.start) {
                entries.push(Entry {
                    at: period.start,
                    kind: "receiver_up",
                    source: Source::Observed,
                    summary: tr(lang, "推送接收器启动", "push receiver up"),
                    rule: None,
                    created_at: None,
                    reference: None,
                });
            }
            // An open period that is the last one may still be running.
            if (lo..=hi).contains(&period.end) && (period.stopped || restarted) {
                entries.push(Entry {
                    at: period.end,
                    kind: "receiver_down",
                    source: Source::Observed,
                    summary: tr(lang, "推送接收器停止（最后一次心跳）", "push receiver down (last heartbeat)"),
                    rule: None,
                    created_at: None,
                    reference: None,
                });
            }
        }
    }
    // Read off the order's own fields: the newest version that states each.
    if let Some(v) = latest(&versions) {
        let o = &v.order;
        let source = inferred_from(v);
        let from = |field: &str| format!("{field} ({})", snap_ev(lang, v));
        if let Some(t) = o.create_time() {
            entries.push(inferred(t, "created", source, tr(lang, "下单", "order created"), from("create_time")));
        }
        if let Some(t) = o.pay_time() {
            entries.push(inferred(t, "paid", source, tr(lang, "支付", "order paid"), from("pay_time")));
        }
        if let Some(t) = o.first_delivery_time() {
            let summary = tr(lang, "发货（包裹交付物流）", "shipped (parcel handed over)");
            entries.push(inferred(t, "shipped", source, summary, from("delivery_time")));
        } else if let Some(t) = o.ship_done_time() {
            let summary = tr(lang, "发货完成", "shipping done");
            entries.push(inferred(t, "shipped", source, summary, from("ship_done_time")));
        }
    }
    // Each distinct clock start and expiry the versions state.
    let mut seen_starts = Vec::new();
    let mut seen_expiries = Vec::new();
    for v in &versions {
        let vn = Vnum::of(&v.order);
        if let (Some(start), Some(exp)) = (vn.inferred_clock_start(), vn.expire_time) {
            if !seen_starts.contains(&start) {
                seen_starts.push(start);
                entries.push(inferred(
                    start,
                    "vnum_clock_start",
                    inferred_from(v),
                    tr(
                        lang,
                        "虚拟号30天计时开始（按服务指南：商家一侧约在此时查看了号码）",
                        "virtual number's 30-day clock started (by the guide: the merchant side viewed the number about then)",
                    ),
                    format!("{} · {}", clock_rule(lang), snap_ev(lang, v)),
                ));
            }
            if !seen_expiries.contains(&exp) {
                seen_expiries.push(exp);
                let summary = format!(
                    "{} {}",
                    tr(lang, "虚拟号到期", "virtual number expires"),
                    vn.number.as_deref().unwrap_or("")
                );
                let rule = format!("virtual_tel_expire_time ({})", snap_ev(lang, v));
                entries.push(inferred(exp, "vnum_expiry", inferred_from(v), summary, rule));
            }
        }
    }
    let rank = |s: Source| match s {
        Source::Inferred => 0,
        Source::Reported => 1,
        Source::Observed | Source::Demo => 2,
    };
    entries.sort_by_key(|e| (e.at, rank(e.source), e.kind));
    if lang == Lang::Zh {
        for e in &mut entries {
            e.summary = crate::text::zh_punctuation(&e.summary);
        }
    }
    entries
}

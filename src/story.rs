//! An order's story: its stored versions, the pushes received for it, the
//! receiver's up periods, and events inferred from the order itself, merged
//! into one timeline; then short statements about the virtual number and
//! type 5 pushes, each naming its evidence. Pure: no I/O.
//!
//! Observed and inferred are never mixed: what was fetched or received is
//! `observed`; what is read off an order's fields or computed from the
//! documented rules is `inferred` and names the rule.

use serde::Serialize;

use crate::compare::Version;
use crate::diff::{Op, diff};
use crate::model::names::{self, Lang};
use crate::model::{Order, Vnum};
use crate::timefmt;

const DAY: i64 = 86_400;
/// How close a push must be to an event to be called "near" it.
const NEAR: i64 = 10 * 60;

/// A received push, as much as the story needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRecord {
    pub id: i64,
    pub received_at: i64,
    pub event: String,
    pub kind: Option<i64>,
    pub deliveries: i64,
}

impl PushRecord {
    pub fn is_type5(&self) -> bool {
        names::is_type5(&self.event, self.kind)
    }
}

/// A period when the push receiver was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: i64,
    /// The stop, or the last heartbeat of a receiver that did not stop cleanly.
    pub end: i64,
    /// False while the period is still open (running, or died without a stop).
    pub stopped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Observed,
    Inferred,
}

/// What a timeline entry points at, so it can be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Ref {
    Snapshot(i64),
    Message(i64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub at: i64,
    pub kind: &'static str,
    pub source: Source,
    pub summary: String,
    /// For inferred entries: the rule or field they come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
}

/// One statement of the explanation, with the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub rule: &'static str,
    pub statement: String,
    /// The statement in a few words, for one line of the screen.
    pub short: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub order_id: String,
    pub entries: Vec<Entry>,
    pub explanation: Vec<Statement>,
}

fn tr(lang: Lang, zh: &str, en: &str) -> String {
    lang.text(zh, en).to_string()
}

/// `1 h 53 min`, `2 s`, `3 d 4 h`: a span between two moments.
pub fn span(secs: i64) -> String {
    let s = secs.abs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < DAY {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else {
        format!("{} d {} h", s / DAY, s % DAY / 3600)
    }
}

fn when(t: i64) -> String {
    timefmt::full_tz(t)
}

fn snap_ev(lang: Lang, v: &Version) -> String {
    match lang {
        Lang::Zh => format!("订单版本 #{} 获取于 {}", v.snapshot_id, when(v.fetched_at)),
        Lang::En => format!("snapshot #{} fetched {}", v.snapshot_id, when(v.fetched_at)),
    }
}

fn push_ev(lang: Lang, p: &PushRecord) -> String {
    let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
    match lang {
        Lang::Zh => format!("推送 #{} {}{kind} 收到于 {}", p.id, names::event_short(&p.event), when(p.received_at)),
        Lang::En => format!("push #{} {}{kind} received {}", p.id, names::event_short(&p.event), when(p.received_at)),
    }
}

fn clock_rule(lang: Lang) -> String {
    tr(
        lang,
        "规则：到期时间 − 30天 − 15天×已延期次数（虚拟号服务指南：查看后30天有效，每次延期15天）",
        "rule: expiry − 30 d − 15 d × extensions (virtual-number guide: valid 30 days after viewing, +15 days per extension)",
    )
}

/// A short description of what changed between two versions.
fn change_summary(before: &Order, after: &Order) -> String {
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

/// Builds the story. `versions` and `pushes` may come in any order.
pub fn build(order_id: &str, versions: &[Version], pushes: &[PushRecord], up: &[Period], lang: Lang) -> Story {
    let mut versions: Vec<&Version> = versions.iter().collect();
    versions.sort_by_key(|v| (v.fetched_at, v.snapshot_id));
    let mut pushes: Vec<&PushRecord> = pushes.iter().collect();
    pushes.sort_by_key(|p| (p.received_at, p.id));
    let mut entries = Vec::new();

    // Observed: versions, with what changed since the one before.
    for (i, v) in versions.iter().enumerate() {
        let status = names::status_label(v.order.status(), lang);
        let summary = match i.checked_sub(1).map(|j| versions[j]) {
            None => {
                format!("{}: {} {}", tr(lang, "首个订单版本", "first version"), v.order.status().unwrap_or(0), status)
            }
            Some(prev) => format!("{}: {}", tr(lang, "订单版本", "version"), change_summary(&prev.order, &v.order)),
        };
        entries.push(Entry {
            at: v.fetched_at,
            kind: "snapshot",
            source: Source::Observed,
            summary,
            rule: None,
            reference: Some(Ref::Snapshot(v.snapshot_id)),
        });
    }
    // Observed: pushes.
    for p in &pushes {
        let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
        let mut summary =
            format!("{}{kind} {}", names::event_short(&p.event), names::push_meaning(&p.event, p.kind, lang));
        if p.deliveries > 1 {
            summary.push_str(&format!(" ×{}", p.deliveries));
        }
        entries.push(Entry {
            at: p.received_at,
            kind: "push",
            source: Source::Observed,
            summary,
            rule: None,
            reference: Some(Ref::Message(p.id)),
        });
    }
    // Observed: receiver up and down, where they matter to this order (from
    // a day before its first event to a day after its last).
    let span_of = |entries: &[Entry]| {
        let lo = entries.iter().map(|e| e.at).min()?;
        let hi = entries.iter().map(|e| e.at).max()?;
        Some((lo - DAY, hi + DAY))
    };
    let order_span = span_of(&entries);
    for (i, period) in up.iter().enumerate() {
        let Some((lo, hi)) = order_span else { break };
        let restarted = up.get(i + 1).is_some();
        if (lo..=hi).contains(&period.start) {
            entries.push(Entry {
                at: period.start,
                kind: "receiver_up",
                source: Source::Observed,
                summary: tr(lang, "推送接收器启动", "push receiver up"),
                rule: None,
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
                reference: None,
            });
        }
    }
    // Inferred from the order's own fields: the newest version that states each.
    let latest = versions.iter().max_by_key(|v| (v.order.update_time().unwrap_or(v.fetched_at), v.fetched_at));
    if let Some(v) = latest {
        let o = &v.order;
        let from = |field: &str| format!("{field} ({})", snap_ev(lang, v));
        if let Some(t) = o.create_time() {
            entries.push(inferred(t, "created", tr(lang, "下单", "order created"), from("create_time")));
        }
        if let Some(t) = o.pay_time() {
            entries.push(inferred(t, "paid", tr(lang, "支付", "order paid"), from("pay_time")));
        }
        if let Some(t) = o.first_delivery_time() {
            entries.push(inferred(
                t,
                "shipped",
                tr(lang, "发货（包裹交付物流）", "shipped (parcel handed over)"),
                from("delivery_time"),
            ));
        } else if let Some(t) = o.ship_done_time() {
            entries.push(inferred(t, "shipped", tr(lang, "发货完成", "shipping done"), from("ship_done_time")));
        }
    }
    // Inferred: each distinct clock start and expiry the versions state.
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
                    tr(lang, "虚拟号30天计时开始", "virtual number's 30-day clock started"),
                    format!("{} · {}", clock_rule(lang), snap_ev(lang, v)),
                ));
            }
            if !seen_expiries.contains(&exp) {
                seen_expiries.push(exp);
                entries.push(inferred(
                    exp,
                    "vnum_expiry",
                    format!(
                        "{} {}",
                        tr(lang, "虚拟号到期", "virtual number expires"),
                        vn.number.as_deref().unwrap_or("")
                    ),
                    format!("virtual_tel_expire_time ({})", snap_ev(lang, v)),
                ));
            }
        }
    }
    entries.sort_by_key(|e| (e.at, e.source == Source::Observed, e.kind));

    let explanation = explain(&versions, &pushes, up, lang);
    Story { order_id: order_id.to_string(), entries, explanation }
}

fn inferred(at: i64, kind: &'static str, summary: String, rule: String) -> Entry {
    Entry { at, kind, source: Source::Inferred, summary, rule: Some(rule), reference: None }
}

fn explain(versions: &[&Version], pushes: &[&PushRecord], up: &[Period], lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    let type5: Vec<&&PushRecord> = pushes.iter().filter(|p| p.is_type5()).collect();
    let Some(latest) = versions.iter().max_by_key(|v| (v.order.update_time().unwrap_or(v.fetched_at), v.fetched_at))
    else {
        out.push(Statement {
            rule: "no_snapshot",
            short: tr(lang, "只有推送，没有订单详情", "pushes only, no order/get response"),
            statement: tr(
                lang,
                "没有存储该订单的 order/get 结果，无法判断虚拟号；只能看到推送。",
                "No order/get response is stored for this order, so its virtual number cannot be judged; only its pushes are known.",
            ),
            evidence: pushes.iter().map(|p| push_ev(lang, p)).collect(),
        });
        caveat(&mut out, lang);
        return out;
    };
    let vnums: Vec<(&&Version, Vnum)> = versions.iter().map(|v| (v, Vnum::of(&v.order))).collect();
    let shipped_at = latest.order.shipped_at();

    // Virtual goods, or never any number.
    if latest.order.deliver_method() == Some(1) {
        out.push(Statement {
            rule: "virtual_goods",
            short: tr(lang, "虚拟发货：不分配虚拟号", "virtual goods: no virtual number"),
            statement: tr(
                lang,
                "这是虚拟发货订单（deliver_method 1），无需物流；服务指南说明虚拟号不对无需物流的商品开启。",
                "This order ships virtually (deliver_method 1), without logistics; the support guide says virtual numbers are not enabled for goods that need no logistics.",
            ),
            evidence: vec![format!("deliver_method 1 ({})", snap_ev(lang, latest))],
        });
    }
    let ever_number = vnums.iter().any(|(_, v)| v.number.is_some());
    let ever_use = vnums.iter().any(|(_, v)| v.use_tel_number == Some(1));
    if !ever_number && !ever_use {
        out.push(Statement {
            rule: "never_had_number",
            short: tr(lang, "从未有过虚拟号，所以没有号码变更推送", "never had a virtual number, so no number push"),
            statement: match lang {
                Lang::Zh => format!(
                    "该订单从未有过虚拟号：全部 {} 个版本中 use_tel_number 都为 0 且没有 tel_number_ext_info，所以没有号码可以变更，也就不会有号码变更推送（type 5）。",
                    versions.len()
                ),
                Lang::En => format!(
                    "The order never had a virtual number: use_tel_number is 0 and there is no tel_number_ext_info in all {} stored versions, so there was no number whose change a type 5 push could report.",
                    versions.len()
                ),
            },
            evidence: versions.iter().map(|v| snap_ev(lang, v)).collect(),
        });
    }
    // use_tel_number 1 without a number yet.
    let latest_vnum = Vnum::of(&latest.order);
    if latest_vnum.use_tel_number == Some(1) && latest_vnum.number.is_none() {
        out.push(Statement {
            rule: "pending_number",
            short: tr(lang, "use_tel_number 1，号码尚未分配", "use_tel_number 1, no number assigned yet"),
            statement: tr(
                lang,
                "use_tel_number 为 1，但最新版本中还没有分配虚拟号（tel_number_ext_info 里没有 virtual_tel_number）。号码分配后应会出现在订单里。",
                "use_tel_number is 1 but the latest version has no virtual number yet (no virtual_tel_number in tel_number_ext_info); once assigned it should appear in the order.",
            ),
            evidence: vec![snap_ev(lang, latest)],
        });
    }
    // The number already existed in the first record.
    if let Some((first, fv)) = vnums.first()
        && let Some(number) = &fv.number
    {
        let first_push = pushes.first();
        let before_everything = first_push.map(|p| p.received_at >= first.fetched_at).unwrap_or(true);
        let assigned_before = fv.inferred_clock_start().map(|s| s < first.fetched_at).unwrap_or(true);
        if assigned_before {
            let mut evidence = vec![format!("{number} ({})", snap_ev(lang, first))];
            if let Some(s) = fv.inferred_clock_start() {
                evidence.push(format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(s), clock_rule(lang)));
            }
            if let Some(p) = first_push {
                evidence.push(push_ev(lang, p));
            }
            let statement = match (lang, before_everything) {
                (Lang::Zh, true) => "第一个存储的版本里已经有虚拟号：号码在任何记录之前就已分配，当时的推送（如果有）不在记录里。".to_string(),
                (Lang::Zh, false) => "第一个存储的版本里已经有虚拟号：号码在第一次获取订单之前就已分配。".to_string(),
                (Lang::En, true) => "The number was already there in the first stored version: it was assigned before anything was recorded, so a push at assignment time, if any, is not in the record.".to_string(),
                (Lang::En, false) => "The number was already there in the first stored version: it was assigned before the order was first fetched.".to_string(),
            };
            let short = tr(lang, "第一次记录前号码已存在", "number existed before the first record");
            out.push(Statement { rule: "number_before_first_record", statement, short, evidence });
        }
    }
    // The number or its expiry changed between two versions, with or without a type 5 push in between.
    for pair in vnums.windows(2) {
        let ((a, va), (b, vb)) = (&pair[0], &pair[1]);
        if va.number == vb.number && va.expire_time == vb.expire_time {
            continue;
        }
        let between: Vec<&&&PushRecord> =
            type5.iter().filter(|p| p.received_at > a.fetched_at && p.received_at <= b.fetched_at + NEAR).collect();
        let what = match (&va.number, &vb.number) {
            (None, Some(n)) => match lang {
                Lang::Zh => format!("虚拟号 {n} 出现"),
                Lang::En => format!("the virtual number {n} appeared"),
            },
            (Some(x), Some(y)) if x != y => match lang {
                Lang::Zh => format!("虚拟号由 {x} 变为 {y}"),
                Lang::En => format!("the virtual number changed from {x} to {y}"),
            },
            (Some(x), None) => match lang {
                Lang::Zh => format!("虚拟号 {x} 消失"),
                Lang::En => format!("the virtual number {x} disappeared"),
            },
            _ => match lang {
                Lang::Zh => format!(
                    "到期时间由 {} 变为 {}（已延期 {}×）",
                    va.expire_time.map(when).unwrap_or("-".into()),
                    vb.expire_time.map(when).unwrap_or("-".into()),
                    vb.has_delay_times.unwrap_or(0)
                ),
                Lang::En => format!(
                    "the expiry changed from {} to {} (extended {}×)",
                    va.expire_time.map(when).unwrap_or("-".into()),
                    vb.expire_time.map(when).unwrap_or("-".into()),
                    vb.has_delay_times.unwrap_or(0)
                ),
            },
        };
        let mut evidence = vec![snap_ev(lang, a), snap_ev(lang, b)];
        let start_between = vb.inferred_clock_start().filter(|s| *s > a.fetched_at && *s <= b.fetched_at);
        if let Some(s) = vb.inferred_clock_start() {
            evidence.push(format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(s), clock_rule(lang)));
        }
        let mut statement = match lang {
            Lang::Zh => {
                format!("在 {} 与 {} 两次获取之间，{what}", timefmt::full(a.fetched_at), timefmt::full(b.fetched_at))
            }
            Lang::En => format!(
                "Between the fetches at {} and {}, {what}",
                timefmt::full(a.fetched_at),
                timefmt::full(b.fetched_at)
            ),
        };
        if let (Some(s), Some(ship)) = (start_between, shipped_at)
            && s < ship
        {
            statement.push_str(&match lang {
                Lang::Zh => format!("；推断的计时开始（{}）比发货（{}）早 {}，号码是在两次获取之间分配的，不是在发货时", timefmt::clock(s), timefmt::clock(ship), span(ship - s)),
                Lang::En => format!("; the inferred clock start ({}) is {} before the shipment ({}): the number was assigned between the two reads, not at shipping", timefmt::clock(s), span(ship - s), timefmt::clock(ship)),
            });
        }
        if between.is_empty() {
            statement.push_str(&tr(lang, "；其间没有收到 type 5 推送。", "; no type 5 push was received in between."));
        } else {
            statement.push_str(&match lang {
                Lang::Zh => format!("；这段时间内（含后一次获取后 10 分钟）收到了 {} 条 type 5 推送。", between.len()),
                Lang::En => format!(
                    "; {} type 5 push(es) arrived in that span (or within 10 min after the later fetch).",
                    between.len()
                ),
            });
            evidence.extend(between.iter().map(|p| push_ev(lang, p)));
        }
        let short = match (lang, start_between.zip(shipped_at).filter(|(s, ship)| s < ship), between.is_empty()) {
            (Lang::Zh, Some((s, ship)), _) => format!("号码于发货前 {} 分配（两次获取之间）", span(ship - s)),
            (Lang::En, Some((s, ship)), _) => format!("assigned {} before shipping (between reads)", span(ship - s)),
            (Lang::Zh, None, true) => "两次获取之间号码变化，无 type 5 推送".to_string(),
            (Lang::En, None, true) => "number changed between two reads, no type 5 push".to_string(),
            (Lang::Zh, None, false) => "两次获取之间号码变化，有 type 5 推送".to_string(),
            (Lang::En, None, false) => "number changed between two reads, with a type 5 push".to_string(),
        };
        out.push(Statement { rule: "number_changed_between_snapshots", statement, short, evidence });
    }
    // Each type 5 push, placed against the shipment and the clock start.
    let starts: Vec<i64> = vnums.iter().filter_map(|(_, v)| v.inferred_clock_start()).collect();
    for p in &type5 {
        let mut relations = Vec::new();
        let mut evidence = vec![push_ev(lang, p)];
        if let Some(ship) = shipped_at {
            let d = p.received_at - ship;
            relations.push(match (lang, d >= 0) {
                (Lang::Zh, true) => format!("发货（{}）后 {}", timefmt::clock(ship), span(d)),
                (Lang::Zh, false) => format!("发货（{}）前 {}", timefmt::clock(ship), span(d)),
                (Lang::En, true) => format!("{} after the shipment ({})", span(d), timefmt::clock(ship)),
                (Lang::En, false) => format!("{} before the shipment ({})", span(d), timefmt::clock(ship)),
            });
            evidence.push(format!("{} {}", tr(lang, "发货", "shipped"), when(ship)));
        }
        if let Some(s) = starts.iter().min_by_key(|s| (p.received_at - **s).abs()) {
            let d = p.received_at - s;
            relations.push(match (lang, d >= 0) {
                (Lang::Zh, true) => format!("推断的计时开始（{}）后 {}", timefmt::clock(*s), span(d)),
                (Lang::Zh, false) => format!("推断的计时开始（{}）前 {}", timefmt::clock(*s), span(d)),
                (Lang::En, true) => format!("{} after the inferred clock start ({})", span(d), timefmt::clock(*s)),
                (Lang::En, false) => format!("{} before the inferred clock start ({})", span(d), timefmt::clock(*s)),
            });
            evidence.push(format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(*s), clock_rule(lang)));
        }
        let near_start = starts.iter().any(|s| (p.received_at - s).abs() <= NEAR);
        let near_ship = shipped_at.map(|s| (p.received_at - s).abs() <= NEAR).unwrap_or(false);
        let closest = match (near_ship, near_start, lang) {
            (true, _, Lang::Zh) => "，紧随发货",
            (true, _, Lang::En) => ", right at the shipment",
            (false, true, Lang::Zh) => "，紧随号码分配",
            (false, true, Lang::En) => ", right at the number's assignment",
            _ => "",
        };
        let statement = match lang {
            Lang::Zh => format!(
                "{} 收到 type 5 推送（虚拟号码信息更新）：{}{closest}。",
                timefmt::full(p.received_at),
                relations.join("，")
            ),
            Lang::En => format!(
                "A type 5 push (virtual number info updated) arrived at {}: {}{closest}.",
                timefmt::full(p.received_at),
                relations.join(", ")
            ),
        };
        let short = match (lang, shipped_at) {
            (Lang::Zh, Some(ship)) => format!(
                "type 5 推送在发货{}{}",
                if p.received_at >= ship { "后 " } else { "前 " },
                span(p.received_at - ship)
            ),
            (Lang::En, Some(ship)) => format!(
                "type 5 push {} {} shipping",
                span(p.received_at - ship),
                if p.received_at >= ship { "after" } else { "before" }
            ),
            (Lang::Zh, None) => format!("type 5 推送于 {}", timefmt::short(p.received_at)),
            (Lang::En, None) => format!("type 5 push at {}", timefmt::short(p.received_at)),
        };
        out.push(Statement { rule: "type5_push", statement, short, evidence });
    }
    if type5.is_empty() && ever_number {
        out.push(Statement {
            rule: "no_type5_push",
            short: tr(lang, "有号码，但没有 type 5 推送", "has a number, but no type 5 push"),
            statement: tr(
                lang,
                "该订单有虚拟号，但没有存储任何 type 5 推送。",
                "The order has a virtual number, but no type 5 push is stored for it.",
            ),
            evidence: pushes.iter().map(|p| push_ev(lang, p)).collect(),
        });
    }
    // The clock started while the receiver was down.
    if !up.is_empty() {
        for s in &starts {
            let last = up.len() - 1;
            let covered =
                up.iter().enumerate().any(|(i, p)| p.start <= *s && (*s <= p.end || (i == last && !p.stopped)));
            let first_up = up.iter().map(|p| p.start).min().unwrap_or(i64::MAX);
            if covered || *s < first_up {
                continue;
            }
            let last_before = up.iter().filter(|p| p.end < *s).map(|p| p.end).max();
            let next_after = up.iter().filter(|p| p.start > *s).map(|p| p.start).min();
            let fmt = |t: Option<i64>| t.map(when).unwrap_or_else(|| "-".into());
            out.push(Statement {
                rule: "clock_start_while_receiver_down",
                short: tr(lang, "号码分配时推送接收器未运行", "number assigned while the receiver was down"),
                statement: match lang {
                    Lang::Zh => format!(
                        "推断的计时开始（{}）落在推送接收器停止期间（{} 至 {}）：那时发出的推送不会被记录。",
                        when(*s),
                        fmt(last_before),
                        fmt(next_after)
                    ),
                    Lang::En => format!(
                        "The inferred clock start ({}) falls while the push receiver was down (from {} to {}): a push sent then could not have been stored.",
                        when(*s),
                        fmt(last_before),
                        fmt(next_after)
                    ),
                },
                evidence: vec![
                    format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(*s), clock_rule(lang)),
                    format!("{} {}", tr(lang, "接收器最后心跳", "receiver last heartbeat"), fmt(last_before)),
                    format!("{} {}", tr(lang, "接收器再次启动", "receiver up again"), fmt(next_after)),
                ],
            });
        }
    }
    caveat(&mut out, lang);
    out
}

fn caveat(out: &mut Vec<Statement>, lang: Lang) {
    out.push(Statement {
        rule: "no_published_rule",
        short: tr(lang, "平台未公布 type 5 推送规则", "no published rule for type 5 pushes"),
        statement: tr(
            lang,
            "平台没有公布何时发送 type 5 推送；以上只陈述数据显示的事实和适用的已公布规则。",
            "The platform does not publish when type 5 pushes are sent; the statements above say what the data shows and which documented rules apply.",
        ),
        evidence: vec![],
    });
}

/// The one line shown in the virtual-number panel: the most telling statement.
pub fn headline(story: &Story) -> Option<&Statement> {
    const ORDER: [&str; 8] = [
        "virtual_goods",
        "never_had_number",
        "pending_number",
        "clock_start_while_receiver_down",
        "number_changed_between_snapshots",
        "number_before_first_record",
        "no_type5_push",
        "type5_push",
    ];
    ORDER.iter().find_map(|rule| story.explanation.iter().find(|s| s.rule == *rule))
}

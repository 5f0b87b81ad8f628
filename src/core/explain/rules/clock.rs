//! The 30-day clock: when it started (or why the 30-day rule cannot date it), against the
//! shipment and between two reads.

use crate::model::Vnum;
use crate::model::names::Lang;
use crate::timefmt;

use super::super::finding::{Cite, Decider, Verdict};
use super::super::prose::*;
use super::*;

/// Before or after the shipment, in words.
fn against_shipment(lang: Lang, t: i64, ship: i64) -> String {
    let d = ship - t;
    match (lang, d >= 0) {
        (Lang::Zh, true) => format!("比发货（{}）早 {}", timefmt::clock(ship), span(lang, d)),
        (Lang::Zh, false) => format!("比发货（{}）晚 {}", timefmt::clock(ship), span(lang, d)),
        (Lang::En, true) => format!("{} before the shipment ({})", span(lang, d), timefmt::clock(ship)),
        (Lang::En, false) => format!("{} after the shipment ({})", span(lang, d), timefmt::clock(ship)),
    }
}

/// When the 30-day clock started, what that means, and when the rule may
/// not hold; or, for a number the 30-day rule does not date, why not.
pub fn clock_start(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out: Vec<Statement> =
        f.clock_starts().into_iter().map(|(start, v)| buyer_clock(f, start, v, lang)).collect();
    // One finding per version whose number the rule cannot date.
    let mut seen = Vec::new();
    for v in &f.versions {
        let kind = f.number_kind(v);
        if seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        out.extend(undated_clock(kind, v, lang));
    }
    out
}

fn buyer_clock(f: &Facts, start: i64, v: &Version, lang: Lang) -> Statement {
    let vn = Vnum::of(&v.order);
    let relation = match (f.shipped_at, lang) {
        (Some(ship), Lang::Zh) => format!("，{}", against_shipment(lang, start, ship)),
        (Some(ship), Lang::En) => format!(", {}", against_shipment(lang, start, ship)),
        (None, _) => String::new(),
    };
    let mut text = match lang {
        Lang::Zh => format!("虚拟号的30天计时约于 {}（推断）开始{relation}：{}", when(start), clock_meaning(lang)),
        Lang::En => format!("The 30-day clock started ≈ {} (inferred){relation}: {}", when(start), clock_meaning(lang)),
    };
    text.push_str(lang.text("。", "."));
    let evidence = vec![
        field_fact(
            format!("virtual_tel_expire_time {} ({})", vn.expire_time.map(when).unwrap_or_default(), snap_ev(lang, v)),
            v,
        ),
        field_fact(
            format!("has_delay_times {}", vn.has_delay_times.map(|d| d.to_string()).unwrap_or_else(|| "-".into())),
            v,
        ),
        clock_fact(lang, start),
    ];
    if vn.has_delay_times.is_none() {
        text.push_str(&tr(
            lang,
            "注意：订单没有 has_delay_times，延期次数未知；每延期一次，实际开始时间要再早 15 天，此推断可能不成立。",
            " Caution: the order has no has_delay_times, so the extensions are unknown; each one would move the start 15 days earlier, and this inference may not hold.",
        ));
    }
    let short = match (lang, f.shipped_at) {
        (Lang::Zh, Some(ship)) => {
            format!("计时约于 {} 开始，{}", timefmt::clock(start), against_shipment(lang, start, ship))
        }
        (Lang::En, Some(ship)) => {
            format!("clock started ≈ {}, {}", timefmt::clock(start), against_shipment(lang, start, ship))
        }
        (Lang::Zh, None) => format!("计时约于 {} 开始", timefmt::short(start)),
        (Lang::En, None) => format!("clock started ≈ {}", timefmt::short(start)),
    };
    // Inferred by a documented rule: it suggests when the number was viewed.
    Statement::new(Rule::ClockStart, Verdict::Suggests, text, short)
        .facts(evidence)
        .cite(&[Cite::SupportGuide, Cite::OrderGet])
        .decided_by(if vn.has_delay_times.is_none() { &[Decider::LaterRead] } else { &[] })
        .demo(v.is_demo())
}

/// A number whose expiry the 30-day rule does not date: no clock start is stated.
fn undated_clock(kind: NumberKind, v: &Version, lang: Lang) -> Option<Statement> {
    let vn = Vnum::of(&v.order);
    let expiry = vn.expire_time.map(when).unwrap_or_default();
    let (text, short, cites): (String, String, &[Cite]) = match (kind, lang) {
        (NumberKind::Exchanged { count }, Lang::Zh) => (
            format!(
                "get_virtual_tel_cnt 为 {count}：号码曾被主动兑换（已下线的兑换接口：兑换的号码有效期 3 天，每单最多 3 次），到期时间 {expiry} 不按 30 天规则计算，所以不推断计时开始。"
            ),
            "号码曾兑换：不推断计时开始".into(),
            &[Cite::ExchangeApi, Cite::OrderGet],
        ),
        (NumberKind::Exchanged { count }, Lang::En) => (
            format!(
                "get_virtual_tel_cnt is {count}: a number was exchanged (the retired exchange API: exchanged numbers are valid 3 days, 3 exchanges per order), so the expiry {expiry} does not follow the 30-day rule and no clock start is inferred."
            ),
            "exchanged number: no clock start inferred".into(),
            &[Cite::ExchangeApi, Cite::OrderGet],
        ),
        (NumberKind::Reapplied { previous_expiry }, Lang::Zh) => (
            format!(
                "之前的号码已于 {} 过期，之后的读取显示新的号码或到期时间 {expiry}：这是过期后重新申请的号码（applyagain，每单一次），其有效期文档没有说明，所以不推断计时开始。",
                when(previous_expiry)
            ),
            "过期后重新申请：不推断计时开始".into(),
            &[Cite::ApplyAgainApi, Cite::OrderGet],
        ),
        (NumberKind::Reapplied { previous_expiry }, Lang::En) => (
            format!(
                "The earlier number expired {}, and a later read shows a new number or expiry ({expiry}): a number re-applied after expiry (applyagain, once per order), whose validity is not documented, so no clock start is inferred.",
                when(previous_expiry)
            ),
            "re-applied after expiry: no clock start inferred".into(),
            &[Cite::ApplyAgainApi, Cite::OrderGet],
        ),
        (NumberKind::OrderEnded { status }, Lang::Zh) => (
            format!(
                "订单已取消（status {status}）：到期时间 {expiry} 可能因取消而提前，不能按 30 天规则推断计时开始。"
            ),
            "订单已取消：不推断计时开始".into(),
            &[Cite::OrderGet],
        ),
        (NumberKind::OrderEnded { status }, Lang::En) => (
            format!(
                "The order is cancelled (status {status}): its expiry {expiry} may have been cut short by the cancellation, so the 30-day rule dates no clock start."
            ),
            "order cancelled: no clock start inferred".into(),
            &[Cite::OrderGet],
        ),
        (NumberKind::Impossible { start, bound }, Lang::Zh) => (
            format!(
                "按 30 天规则，计时开始应为 {}，但{}：这不可能，说明该号码的到期时间不是按 30 天规则来的（例如被取消、兑换或重新申请改变），因此不推断计时开始。",
                when(start),
                match bound {
                    Bound::BeforeCreated(c) => format!("订单创建于 {}", when(c)),
                    Bound::AfterRead(r) => format!("该版本读取于 {}", when(r)),
                }
            ),
            "推断的计时开始不可能：不采用".into(),
            &[Cite::SupportGuide, Cite::OrderGet],
        ),
        (NumberKind::Impossible { start, bound }, Lang::En) => (
            format!(
                "By the 30-day rule the clock would have started {}, but {}: that is impossible, so this expiry does not follow the 30-day rule (a cancellation, exchange or re-application may have moved it) and no clock start is inferred.",
                when(start),
                match bound {
                    Bound::BeforeCreated(c) => format!("the order was created {}", when(c)),
                    Bound::AfterRead(r) => format!("the version was read {}", when(r)),
                }
            ),
            "impossible clock start: not used".into(),
            &[Cite::SupportGuide, Cite::OrderGet],
        ),
        (NumberKind::Buyer { .. } | NumberKind::NoExpiry, _) => return None,
    };
    let mut facts = vec![field_fact(format!("virtual_tel_expire_time {expiry} ({})", snap_ev(lang, v)), v)];
    if let Some(n) = vn.get_virtual_tel_cnt {
        facts.push(field_fact(format!("get_virtual_tel_cnt {n}"), v));
    }
    Some(
        Statement::new(Rule::ClockStart, Verdict::CannotDecide, text, short)
            .facts(facts)
            .cite(cites)
            .decided_by(&[Decider::PlatformSupport])
            .demo(v.is_demo()),
    )
}

/// The number or its expiry changed between two reads: what the clock says,
/// and which type 5 pushes are stored for the span (or why none can be).
pub fn number_changed_between_snapshots(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    let type5 = f.type5();
    for pair in f.versions.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (va, vb) = (Vnum::of(&a.order), Vnum::of(&b.order));
        if va.number == vb.number && va.expire_time == vb.expire_time {
            continue;
        }
        let between: Vec<&PushRecord> = type5
            .iter()
            .copied()
            .filter(|p| p.event_time() > a.fetched_at && p.event_time() <= b.fetched_at + NEAR)
            .collect();
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
            _ => {
                let (from, to) =
                    (va.expire_time.map(when).unwrap_or("-".into()), vb.expire_time.map(when).unwrap_or("-".into()));
                let n = vb.has_delay_times.map(|d| d.to_string()).unwrap_or_else(|| "?".into());
                match lang {
                    Lang::Zh => format!("到期时间由 {from} 变为 {to}（已延期 {n} 次）"),
                    Lang::En => format!("the expiry changed from {from} to {to} (extended {n}×)"),
                }
            }
        };
        let mut evidence = vec![snap_fact(lang, a), snap_fact(lang, b)];
        let start = f.start_of(b);
        let start_between = start.filter(|s| *s > a.fetched_at && *s <= b.fetched_at);
        evidence.extend(start.map(|s| clock_fact(lang, s)));
        let mut text = match lang {
            Lang::Zh => {
                format!("在 {} 与 {} 两次读取之间，{what}", timefmt::full(a.fetched_at), timefmt::full(b.fetched_at))
            }
            Lang::En => format!(
                "Between the reads at {} and {}, {what}",
                timefmt::full(a.fetched_at),
                timefmt::full(b.fetched_at)
            ),
        };
        let before_ship = start_between.zip(f.shipped_at).filter(|(s, ship)| s < ship);
        if let Some((s, ship)) = before_ship {
            text.push_str(&match lang {
                Lang::Zh => format!("；推断的计时开始（{}）{}：号码的计时在两次读取之间开始，而不是在发货时", timefmt::clock(s), against_shipment(lang, s, ship)),
                Lang::En => format!("; the inferred clock start ({}) is {}: the number's clock started between the two reads, not at shipping", timefmt::clock(s), against_shipment(lang, s, ship)),
            });
        }
        let mut covered = true;
        if between.is_empty() {
            let c = f.coverage(a.fetched_at, b.fetched_at);
            covered = c.is_full();
            text.push_str(&format!(
                "{}{}",
                lang.text("；", "; "),
                coverage_words(lang, &c, lang.text("type 5 推送", "type 5 push"))
            ));
            text.push_str(lang.text("。", "."));
        } else {
            text.push_str(&match lang {
                Lang::Zh => format!("；这段时间内（含后一次读取后 10 分钟）存储了 {} 条 type 5 推送。", between.len()),
                Lang::En => format!(
                    "; {} type 5 push(es) are stored for that span (or within 10 min after the later read).",
                    between.len()
                ),
            });
            evidence.extend(between.iter().map(|p| push_fact(lang, p)));
        }
        let short = match (lang, before_ship, between.is_empty()) {
            (Lang::Zh, Some((s, ship)), _) => format!("计时在发货前 {} 开始（两次读取之间）", span(lang, ship - s)),
            (Lang::En, Some((s, ship)), _) => {
                format!("clock started {} before shipping (between reads)", span(lang, ship - s))
            }
            (Lang::Zh, None, true) => "两次读取之间号码变化，未存储 type 5 推送".to_string(),
            (Lang::En, None, true) => "number changed between two reads, no type 5 push stored".to_string(),
            (Lang::Zh, None, false) => "两次读取之间号码变化，有 type 5 推送".to_string(),
            (Lang::En, None, false) => "number changed between two reads, with a type 5 push".to_string(),
        };
        let demo = a.is_demo() || b.is_demo() || between.iter().any(|p| p.is_demo());
        let mut cites = vec![Cite::OrderGet, Cite::OrderCallback];
        if start.is_some() {
            cites.push(Cite::SupportGuide);
        }
        out.push(
            Statement::new(
                Rule::NumberChangedBetweenSnapshots,
                if covered { Verdict::Shows } else { Verdict::CannotDecide },
                text,
                short,
            )
            .facts(evidence)
            .cite(&cites)
            .decided_by(if covered { &[] } else { &[Decider::PushLog, Decider::ReceiverPeriods] })
            .demo(demo),
        );
    }
    out
}

//! The stored type 5 pushes, or what their absence can and cannot mean.

use crate::model::names::Lang;
use crate::text::thousands;
use crate::timefmt;

use super::super::finding::{Cite, Decider, Fact, Verdict};
use super::super::prose::*;
use super::*;

/// Each stored type 5 push, placed against the shipment and the clock start.
pub fn type5_push(f: &Facts, lang: Lang) -> Vec<Statement> {
    let starts: Vec<i64> = f.clock_starts().into_iter().map(|(s, _)| s).collect();
    let mut out = Vec::new();
    for p in f.type5() {
        let mut relations = Vec::new();
        let mut evidence = vec![push_fact(lang, p)];
        if let Some(ship) = f.shipped_at {
            let d = p.received_at - ship;
            relations.push(match (lang, d >= 0) {
                (Lang::Zh, true) => format!("发货（{}）后 {}", timefmt::clock(ship), span(lang, d)),
                (Lang::Zh, false) => format!("发货（{}）前 {}", timefmt::clock(ship), span(lang, d)),
                (Lang::En, true) => format!("{} after the shipment ({})", span(lang, d), timefmt::clock(ship)),
                (Lang::En, false) => format!("{} before the shipment ({})", span(lang, d), timefmt::clock(ship)),
            });
            evidence.extend(f.latest.map(|v| {
                field_fact(format!("{} {} ({})", tr(lang, "发货", "shipped"), when(ship), snap_ev(lang, v)), v)
            }));
        }
        if let Some(s) = starts.iter().min_by_key(|s| (p.received_at - **s).abs()) {
            let d = p.received_at - s;
            relations.push(match (lang, d >= 0) {
                (Lang::Zh, true) => format!("推断的计时开始（{}）后 {}", timefmt::clock(*s), span(lang, d)),
                (Lang::Zh, false) => format!("推断的计时开始（{}）前 {}", timefmt::clock(*s), span(lang, d)),
                (Lang::En, true) => {
                    format!("{} after the inferred clock start ({})", span(lang, d), timefmt::clock(*s))
                }
                (Lang::En, false) => {
                    format!("{} before the inferred clock start ({})", span(lang, d), timefmt::clock(*s))
                }
            });
            evidence.push(clock_fact(lang, *s));
        }
        let near_start = starts.iter().any(|s| (p.received_at - s).abs() <= NEAR);
        let near_ship = f.shipped_at.map(|s| (p.received_at - s).abs() <= NEAR).unwrap_or(false);
        let closest = match (near_ship, near_start, lang) {
            (true, _, Lang::Zh) => "，紧随发货",
            (true, _, Lang::En) => ", right at the shipment",
            (false, true, Lang::Zh) => "，紧随推断的计时开始",
            (false, true, Lang::En) => ", right at the inferred clock start",
            _ => "",
        };
        let mut text = match lang {
            Lang::Zh => format!(
                "存储了一条 {} 收到的 type 5 推送（虚拟号码信息更新）：{}{closest}。",
                timefmt::full(p.received_at),
                relations.join("，")
            ),
            Lang::En => format!(
                "A type 5 push (virtual number info updated) is stored as received at {}: {}{closest}.",
                timefmt::full(p.received_at),
                relations.join(", ")
            ),
        };
        // A retry carries its old CreateTime: an event from before the
        // shipment can arrive after it, which is what a merchant then
        // reports as "type 5 after shipping".
        if let (Some(created), Some(delay)) = (p.created_at, p.redelivery_delay()) {
            let before_ship = f.shipped_at.filter(|ship| created < *ship && p.received_at >= *ship);
            text.push_str(&match (lang, before_ship) {
                (Lang::Zh, Some(ship)) => format!(
                    "它的事件时间（CreateTime）是 {}，比发货早 {}，却在发货后才收到：这是平台的重新投递（晚到 {}；平台最长等待5秒，失败后按 0s/0s/10s/1min/5min/30min/60min/60min/60min 重试），事件本身发生在发货之前。",
                    when(created), span(lang, ship - created), span(lang, delay)
                ),
                (Lang::En, Some(ship)) => format!(
                    " Its event time (CreateTime) is {}, {} before the shipment, yet it arrived after it: a redelivery by the platform ({} late; it waits at most 5 s, then retries at 0s/0s/10s/1min/5min/30min/60min/60min/60min), so the event itself happened before shipping.",
                    when(created), span(lang, ship - created), span(lang, delay)
                ),
                (Lang::Zh, None) => format!("它的事件时间（CreateTime）是 {}，晚到 {}：这是平台的重新投递。", when(created), span(lang, delay)),
                (Lang::En, None) => format!(" Its event time (CreateTime) is {}, {} earlier: a redelivery by the platform.", when(created), span(lang, delay)),
            });
            evidence.push(Fact::inferred(tr(
                lang,
                "重试规则：最长等待5秒，之后 0s/0s/10s/1min/5min/30min/60min/60min/60min（订单回调文档）",
                "retry rule: at most a 5 s wait, then 0s/0s/10s/1min/5min/30min/60min/60min/60min (the order-callback docs)",
            )));
        }
        let short = match (lang, f.shipped_at) {
            (Lang::Zh, Some(ship)) => {
                format!(
                    "type 5 推送在发货{}{}",
                    if p.received_at >= ship { "后 " } else { "前 " },
                    span(lang, p.received_at - ship)
                )
            }
            (Lang::En, Some(ship)) => format!(
                "type 5 push {} {} shipping",
                span(lang, p.received_at - ship),
                if p.received_at >= ship { "after" } else { "before" }
            ),
            (Lang::Zh, None) => format!("type 5 推送于 {}", timefmt::short(p.received_at)),
            (Lang::En, None) => format!("type 5 push at {}", timefmt::short(p.received_at)),
        };
        let mut cites = vec![Cite::ExtInfoEvent];
        if p.redelivery_delay().is_some() {
            cites.push(Cite::OrderCallback);
        }
        if !starts.is_empty() {
            cites.push(Cite::SupportGuide);
        }
        out.push(
            Statement::new(Rule::Type5Push, Verdict::Shows, text, short).facts(evidence).cite(&cites).demo(p.is_demo()),
        );
    }
    out
}

/// A number, but no type 5 push stored: whether that can be read as "none sent".
pub fn no_type5_push(f: &Facts, lang: Lang) -> Option<Statement> {
    if !f.type5().is_empty() || !f.ever_number() {
        return None;
    }
    let (lo, hi) = relevant_span(f)?;
    let c = f.coverage(lo, hi);
    let words = coverage_words(lang, &c, lang.text("type 5 推送", "type 5 push"));
    let mut text = match lang {
        Lang::Zh => format!("该订单有虚拟号，但没有存储任何 type 5 推送；从 {} 到 {}，{words}。", when(lo), when(hi)),
        Lang::En => format!(
            "The order has a virtual number, but no type 5 push is stored for it; from {} to {}, {words}.",
            when(lo),
            when(hi)
        ),
    };
    // Pushes acknowledged and still in the inbox are stored: until they are
    // processed nobody can say whose they are, so absence is not shown.
    let waiting = f.unprocessed_elsewhere;
    if waiting > 0 {
        text.push_str(&match lang {
            Lang::Zh => format!(
                "另有 {} 条已收到并存储的推送尚未处理，无法判断其中是否有该订单的 type 5 推送；处理后再看（通常在几秒内）。",
                thousands(waiting)
            ),
            Lang::En => format!(
                " {} more pushes are received and stored but not yet processed; whether one of them is a type 5 push for this order cannot be told until they are (usually within seconds).",
                thousands(waiting)
            ),
        });
    }
    let full = c.is_full() && waiting == 0;
    let short = match (lang, full) {
        (Lang::Zh, true) => "有号码，接收期间没有 type 5 推送".to_string(),
        (Lang::En, true) => "has a number, no type 5 push while listening".to_string(),
        (Lang::Zh, false) => "有号码，未存储 type 5 推送（记录不完整）".to_string(),
        (Lang::En, false) => "has a number, no type 5 push stored (record incomplete)".to_string(),
    };
    let mut evidence: Vec<Fact> = f.pushes.iter().map(|p| push_fact(lang, p)).collect();
    if f.periods.is_empty() {
        evidence.push(Fact::observed(tr(lang, "没有推送接收器的运行记录", "no receiver up period is stored"), false));
    }
    if waiting > 0 {
        evidence.push(Fact::observed(
            match lang {
                Lang::Zh => format!("接收器收件箱中有 {} 条推送尚未处理", thousands(waiting)),
                Lang::En => format!("{} pushes in the receiver's inbox not yet processed", thousands(waiting)),
            },
            false,
        ));
    }
    let demo = f.versions.iter().all(|v| v.is_demo());
    let deciders: &[Decider] = match (full, waiting > 0) {
        (true, _) => &[],
        (false, true) if c.is_full() => &[Decider::Processing],
        (false, true) => &[Decider::Processing, Decider::PushLog, Decider::ReceiverPeriods],
        (false, false) => &[Decider::PushLog, Decider::ReceiverPeriods],
    };
    Some(
        Statement::new(Rule::NoType5Push, if full { Verdict::Shows } else { Verdict::CannotDecide }, text, short)
            .facts(evidence)
            .cite(&[Cite::OrderCallback, Cite::ExtInfoEvent])
            .decided_by(deciders)
            .demo(demo),
    )
}

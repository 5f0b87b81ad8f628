//! What people reported, weighed as reports; and the caveat under every explanation.

use crate::model::names::Lang;

use super::super::finding::{Cite, Decider, Fact, Verdict};
use super::super::prose::*;
use super::*;

/// Each note, weighed as a report: a reported push is set against what is stored.
pub fn reported(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    for n in f.notes {
        let mut evidence: Vec<Fact> = vec![note_fact(lang, n)];
        let mut verdict = Verdict::CannotDecide;
        let mut decided_by: &[Decider] = &[];
        let about_push = n.event.is_some() || n.kind.is_some();
        let (text, short) = if about_push {
            let event = n.event.as_deref().unwrap_or("channels_ec_order_ext_info_update");
            let kind = n.kind.map(|k| format!(" type {k}")).unwrap_or_default();
            let what = format!("{}{kind}", crate::model::names::event_short(event));
            // A push agrees with a report by its event time, on the same
            // side of the shipment; a push the demo made up agrees with nothing.
            let same_side = |p: &PushRecord, t: i64| match f.shipped_at {
                Some(ship) => (p.event_time() >= ship) == (t >= ship),
                None => true,
            };
            let matching: Vec<&PushRecord> = f
                .pushes
                .iter()
                .copied()
                .filter(|p| p.event == event && (n.kind.is_none() || p.kind == n.kind) && !p.is_demo())
                .filter(|p| n.at.map(|t| (p.event_time() - t).abs() <= NEAR && same_side(p, t)).unwrap_or(true))
                .collect();
            evidence.extend(matching.iter().map(|p| push_fact(lang, p)));
            let at = match (n.at, lang) {
                (Some(t), Lang::Zh) => format!("在 {}", when(t)),
                (Some(t), Lang::En) => format!(" at {}", when(t)),
                (None, Lang::Zh) => "（时间未报告）".to_string(),
                (None, Lang::En) => " (time not reported)".to_string(),
            };
            if matching.is_empty() {
                // Without a time, the whole span that bears on a type 5 push is checked.
                let span = n.at.map(|t| (t - NEAR, t + NEAR)).or_else(|| relevant_span(f));
                let gap = match span {
                    Some((lo, hi)) => {
                        let c = f.coverage(lo, hi);
                        if c.is_full() {
                            verdict = Verdict::Shows;
                        } else {
                            decided_by = &[Decider::PushLog, Decider::ReceiverPeriods];
                        }
                        coverage_words(lang, &c, &format!("{what} {}", lang.text("推送", "push")))
                    }
                    None => tr(
                        lang,
                        "报告没有时间，也没有订单版本，无法核对接收记录",
                        "the report gives no time and no version is stored, so the record cannot be checked against it",
                    ),
                };
                (
                    match lang {
                        Lang::Zh => {
                            format!("据报告，订单{at}收到了 {what} 推送（报告，未经观测）；存储中没有这条推送：{gap}。")
                        }
                        Lang::En => format!(
                            "The push {what}{at} is reported (a report, not an observation); none is stored: {gap}."
                        ),
                    },
                    match lang {
                        Lang::Zh => format!("报告有 {what} 推送；未存储"),
                        Lang::En => format!("{what} push reported; none stored"),
                    },
                )
            } else {
                verdict = Verdict::Shows;
                (
                    match lang {
                        Lang::Zh => format!("据报告，订单{at}收到了 {what} 推送；存储的推送与之相符。"),
                        Lang::En => {
                            format!("The push {what}{at} is reported; the stored push(es) agree with the report.")
                        }
                    },
                    match lang {
                        Lang::Zh => format!("报告有 {what} 推送；已存储"),
                        Lang::En => format!("{what} push reported; stored"),
                    },
                )
            }
        } else {
            (
                match lang {
                    Lang::Zh => format!("报告（未经观测）：「{}」", n.text),
                    Lang::En => format!("Reported (not observed by orderscope): \"{}\"", n.text),
                },
                format!("{}: {}", tr(lang, "报告", "reported"), n.text),
            )
        };
        out.push(
            Statement::new(Rule::Reported, if about_push { verdict } else { Verdict::CannotDecide }, text, short)
                .facts(evidence)
                .cite(if about_push { &[Cite::OrderCallback] } else { &[] })
                .decided_by(decided_by),
        );
    }
    out
}

/// The caveat under every explanation.
pub fn no_published_rule(lang: Lang) -> Statement {
    Statement::new(
        Rule::NoPublishedRule,
        Verdict::CannotDecide,
        tr(
            lang,
            "平台没有公布何时发送 type 5 推送；以上只陈述数据显示的事实和适用的已公布规则，不能说明平台为何发送或不发送某条推送。",
            "The platform does not publish when type 5 pushes are sent; the statements above say what the data shows and which documented rules apply, not why the platform sent or did not send a push.",
        ),
        tr(lang, "平台未公布 type 5 推送规则", "no published rule for type 5 pushes"),
    )
    .cite(&[Cite::ExtInfoEvent, Cite::Type5Thread])
    .decided_by(&[Decider::PlatformSupport])
}

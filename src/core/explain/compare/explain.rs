//! The comparative explanation: each side's number and pushes in one
//! clause, what people reported, and what the data cannot decide.

use crate::model::names::{self, Lang};
use crate::timefmt;

use super::super::finding::{Cite, Decider, Fact, Verdict};
use super::super::prose::{coverage_words, span, tr, when};
use super::super::rules::Rule;
use super::super::{Source, Statement};
use super::{PushFact, Side, clock_vs_ship};

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
            (Lang::Zh, true) => format!("计时约于 {} 开始，比发货早 {}", timefmt::clock(start), span(lang, d)),
            (Lang::Zh, false) => format!("计时约于 {} 开始，比发货晚 {}", timefmt::clock(start), span(lang, d)),
            (Lang::En, true) => {
                format!("the clock started ≈ {}, {} before shipping", timefmt::clock(start), span(lang, d))
            }
            (Lang::En, false) => {
                format!("the clock started ≈ {}, {} after shipping", timefmt::clock(start), span(lang, d))
            }
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
                        (Lang::Zh, true) => format!("发货后 {}", span(lang, d)),
                        (Lang::Zh, false) => format!("发货前 {}", span(lang, d)),
                        (Lang::En, true) => format!("{} after shipping", span(lang, d)),
                        (Lang::En, false) => format!("{} before shipping", span(lang, d)),
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
    let words = match &s.coverage {
        Some(c) => coverage_words(lang, &c.coverage, lang.text("type 5 推送", "type 5 push")),
        None => tr(lang, "没有订单版本，无法确定相关时间段", "no order version, so the span that matters is unknown"),
    };
    match (s.unprocessed_elsewhere, lang) {
        (0, _) => words,
        (n, Lang::Zh) => format!("{words}（另有 {} 条已存储的推送尚未处理）", crate::text::thousands(n)),
        (n, Lang::En) => format!("{words} ({} stored pushes not yet processed)", crate::text::thousands(n)),
    }
}

/// A side's fact, labelled with its side and keeping its provenance.
fn sided(l: &str, f: &Fact) -> Fact {
    Fact { text: format!("{l}: {}", f.text), ..f.clone() }
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
    let own: Vec<(&String, &Statement)> = sides
        .iter()
        .flat_map(|(l, s)| {
            s.explanation
                .iter()
                .filter(|x| {
                    matches!(x.rule, Rule::ClockStart | Rule::NoNumber | Rule::PendingNumber | Rule::VirtualGoods)
                })
                .map(move |x| (*l, x))
        })
        .collect();
    let evidence: Vec<Fact> = own
        .iter()
        .flat_map(|(l, x)| {
            // Each side's finding, and the weighed causes of "no number" with it.
            let head = Fact::new(if x.demo { Source::Demo } else { Source::Inferred }, format!("{l}: {}", x.statement));
            let causes = x.evidence.iter().filter(|e| x.rule == Rule::NoNumber && e.reference.is_none());
            std::iter::once(head).chain(causes.map(|e| sided(l, e)))
        })
        .collect();
    let mut cites = vec![Cite::ExtInfoEvent];
    own.iter().for_each(|(_, x)| x.sources.iter().for_each(|c| cites.push(*c)));
    // Which had a number is read off the orders; why is for the sides' own findings.
    let decided = both_read && own.iter().all(|(_, x)| x.verdict != Verdict::CannotDecide || x.rule != Rule::NoNumber);
    out.push(
        Statement::new(
            Rule::ComparedNumbers,
            if decided { Verdict::Shows } else { Verdict::CannotDecide },
            text,
            short,
        )
        .facts(evidence)
        .cite(&cites)
        .decided_by(if both_read { &[] } else { &[Decider::OrderRead] })
        .demo(demo),
    );

    let pushes: Vec<String> = sides.iter().map(|(l, s)| format!("{l}: {}", push_clause(lang, s))).collect();
    let push_demo = a.pushes.iter().chain(&b.pushes).any(|p| p.source == Source::Demo);
    let covered = |s: &Side| {
        s.type5_pushes > 0
            || (s.unprocessed_elsewhere == 0 && s.coverage.as_ref().map(|c| c.coverage.is_full()).unwrap_or(false))
    };
    let pushes_decided = covered(a) && covered(b);
    let push_facts: Vec<Fact> = sides
        .iter()
        .flat_map(|(l, s)| {
            s.pushes.iter().map(move |p| {
                let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
                let demo = if p.source == Source::Demo { lang.text("（演示数据）", " (demo data)") } else { "" };
                let made = match (p.created_at, lang) {
                    (Some(c), Lang::Zh) => format!("，事件时间 {}", when(c)),
                    (Some(c), Lang::En) => format!(", made {}", when(c)),
                    (None, _) => String::new(),
                };
                let text = match lang {
                    Lang::Zh => format!(
                        "{l}: 推送 {}{kind} 收到于 {}{made}{demo}",
                        names::event_short(&p.event),
                        when(p.received_at)
                    ),
                    Lang::En => format!(
                        "{l}: push {}{kind} received {}{made}{demo}",
                        names::event_short(&p.event),
                        when(p.received_at)
                    ),
                };
                Fact::new(p.source, text)
            })
        })
        .collect();
    out.push(
        Statement::new(
            Rule::ComparedPushes,
            if pushes_decided { Verdict::Shows } else { Verdict::CannotDecide },
            format!("{}{}", pushes.join(lang.text("；", "; ")), lang.text("。", ".")),
            match (a.type5_pushes, b.type5_pushes) {
                (0, 0) => tr(lang, "两者都没有存储 type 5 推送", "no type 5 push stored for either"),
                (_, 0) => tr(lang, "只有 A 存储了 type 5 推送", "type 5 push stored for A only"),
                (0, _) => tr(lang, "只有 B 存储了 type 5 推送", "type 5 push stored for B only"),
                _ => tr(lang, "两者都存储了 type 5 推送", "type 5 pushes stored for both"),
            },
        )
        .facts(push_facts)
        .cite(&[Cite::OrderCallback, Cite::ExtInfoEvent])
        .decided_by(if pushes_decided { &[] } else { &[Decider::PushLog, Decider::ReceiverPeriods] })
        .demo(push_demo || demo),
    );

    let reports: Vec<String> = sides
        .iter()
        .flat_map(|(l, s)| {
            s.explanation.iter().filter(|x| x.rule == Rule::Reported).map(move |x| format!("{l}: {}", x.statement))
        })
        .collect();
    if !reports.is_empty() {
        out.push(
            Statement::new(
                Rule::ComparedReports,
                Verdict::CannotDecide,
                format!(
                    "{}{}",
                    tr(
                        lang,
                        "报告（未经观测，仅作为报告考虑）：",
                        "Reported, and weighed as reports, not observations: "
                    ),
                    reports.join(" ")
                ),
                tr(lang, "有报告的事实", "facts reported"),
            )
            .facts(sides.iter().flat_map(|(l, s)| {
                s.notes
                    .iter()
                    .map(move |n| Fact::new(Source::Reported, format!("{l}: report #{} \"{}\"", n.id, n.text)))
            })),
        );
    }

    // What the data cannot decide, and what would.
    let mut open = Vec::new();
    let mut deciders = Vec::new();
    for (l, s) in sides {
        if s.versions.is_empty() {
            open.push(match lang {
                Lang::Zh => format!("{l} 没有存储任何 order/get 结果，无法判断其虚拟号"),
                Lang::En => format!("{l} has no stored order/get response, so its virtual number cannot be judged"),
            });
            deciders.push(Decider::OrderRead);
            continue;
        }
        if s.type5_pushes == 0 && !s.coverage.as_ref().map(|c| c.coverage.is_full()).unwrap_or(false) {
            open.push(match lang {
                Lang::Zh => format!("{l} 是否收到过 type 5 推送：推送记录没有完整覆盖其相关时间段"),
                Lang::En => format!("whether {l} got a type 5 push: the push record does not cover all of its span"),
            });
            deciders.extend([Decider::PushLog, Decider::ReceiverPeriods]);
        } else if s.type5_pushes == 0 && s.unprocessed_elsewhere > 0 {
            open.push(match lang {
                Lang::Zh => format!(
                    "{l} 是否收到过 type 5 推送：另有 {} 条已存储的推送尚未处理，可能包含它",
                    crate::text::thousands(s.unprocessed_elsewhere)
                ),
                Lang::En => format!(
                    "whether {l} got a type 5 push: {} stored pushes are not yet processed and may include one",
                    crate::text::thousands(s.unprocessed_elsewhere)
                ),
            });
            deciders.push(Decider::Processing);
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
            deciders.push(Decider::LaterRead);
        }
    }
    open.push(tr(
        lang,
        "平台为何对一个订单发送 type 5 推送而不对另一个发送：平台没有公布规则，上述差异与推送相符，但不是文档规定的原因",
        "why the platform sent a type 5 push for one order and not the other: the platform publishes no rule; the differences above are consistent with it, not a documented cause",
    ));
    deciders.push(Decider::PlatformSupport);
    deciders.dedup();
    let mut seen = Vec::new();
    deciders.retain(|d| {
        if seen.contains(d) {
            false
        } else {
            seen.push(*d);
            true
        }
    });
    out.push(
        Statement::new(
            Rule::CannotDecide,
            Verdict::CannotDecide,
            format!("{}{}", tr(lang, "数据无法判断：", "The data cannot decide: "), open.join(lang.text("；", "; ")))
                + lang.text("。", "."),
            tr(lang, "数据无法判断的问题", "what the data cannot decide"),
        )
        .cite(&[Cite::Type5Thread])
        .decided_by(&deciders),
    );
    out
}

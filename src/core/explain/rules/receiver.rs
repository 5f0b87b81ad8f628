//! The clock start against the receiver's up periods and the platform's
//! retry schedule: would a push made then have reached the store?

use crate::model::names::Lang;
use crate::timefmt;

use super::super::finding::{Cite, Decider, Fact, Verdict};
use super::super::prose::*;
use super::*;

/// The clock started while no receiver was up: by the platform's retry
/// schedule, would a push made then have reached the store (and when), or
/// did every delivery fall inside the gap?
pub fn clock_start_while_receiver_down(f: &Facts, lang: Lang) -> Vec<Statement> {
    use super::super::delivery::{Reach, Uptime, reach};
    let up = Uptime::of(f.periods, f.now);
    let mut out = Vec::new();
    let Some(first_up) = up.ranges.first().map(|r| r.0) else { return out };
    let type5 = f.type5();
    for (s, v) in f.clock_starts() {
        if s < first_up {
            continue;
        }
        let Some((last_before, next_after)) = up.gap_around(s) else { continue };
        let fmt = |t: Option<i64>| t.map(when).unwrap_or_else(|| "-".into());
        let gap = match lang {
            Lang::Zh => format!("{} 至 {}", fmt(last_before), fmt(next_after)),
            Lang::En => format!("from {} to {}", fmt(last_before), fmt(next_after)),
        };
        let stored = type5.iter().any(|p| (p.event_time() - s).abs() <= NEAR);
        let stored_words = if stored {
            tr(lang, "存储中有一条事件时间在此附近的 type 5 推送", "a type 5 push with an event time near it is stored")
        } else {
            tr(lang, "没有存储这样的推送", "none is stored")
        };
        let r = reach(s, &up);
        let (text, short) = match (r, lang) {
            (Reach::Retry { at, offset, .. }, Lang::Zh) => (
                format!(
                    "推断的计时开始（{}）落在推送接收器停止期间（{gap}）：按平台的重试规则，那时产生的推送会在 {}（事件后 {} 的重试）重新送达，那时接收器已恢复；{stored_words}。",
                    when(s),
                    timefmt::clock(at),
                    span(lang, offset)
                ),
                format!("计时开始时接收器停止；重试会在 {} 送达", timefmt::clock(at)),
            ),
            (Reach::Retry { at, offset, .. }, Lang::En) => (
                format!(
                    "The inferred clock start ({}) falls while no push receiver was up ({gap}): by the platform's retry schedule, a push made then would have been redelivered at {} (the retry {} after it), when the receiver was up again; {stored_words}.",
                    when(s),
                    timefmt::clock(at),
                    span(lang, offset)
                ),
                format!("clock started while the receiver was down; a retry would land at {}", timefmt::clock(at)),
            ),
            (Reach::Lost { last_at }, Lang::Zh) => (
                format!(
                    "推断的计时开始（{}）落在推送接收器停止期间（{gap}）：那时产生的推送，其全部投递（最后一次重试在 {}）都在接收器停止期间，不可能被存储。",
                    when(s),
                    when(last_at)
                ),
                tr(
                    lang,
                    "计时开始时接收器停止；所有重试都落空",
                    "clock started while the receiver was down; every retry missed",
                ),
            ),
            (Reach::Lost { last_at }, Lang::En) => (
                format!(
                    "The inferred clock start ({}) falls while no push receiver was up ({gap}): every delivery of a push made then, the last retry at {}, fell inside the gap, so such a push could not have been stored.",
                    when(s),
                    when(last_at)
                ),
                tr(
                    lang,
                    "计时开始时接收器停止；所有重试都落空",
                    "clock started while the receiver was down; every retry missed",
                ),
            ),
            (_, Lang::Zh) => (
                format!(
                    "推断的计时开始（{}）落在推送接收器停止期间（{gap}）；之后的重试还没有到时间，现在还无法判断。",
                    when(s)
                ),
                tr(
                    lang,
                    "计时开始时接收器停止；重试未到",
                    "clock started while the receiver was down; retries still due",
                ),
            ),
            (_, Lang::En) => (
                format!(
                    "The inferred clock start ({}) falls while no push receiver was up ({gap}); later retries are still due, so it cannot be told yet.",
                    when(s)
                ),
                tr(
                    lang,
                    "计时开始时接收器停止；重试未到",
                    "clock started while the receiver was down; retries still due",
                ),
            ),
        };
        // A retry that would have landed makes the absence count; a lost or
        // still-due push leaves it open.
        let (verdict, decided_by): (Verdict, &[Decider]) = match r {
            Reach::Direct { .. } | Reach::Retry { .. } => (Verdict::Shows, &[]),
            Reach::NotYet { .. } => (Verdict::CannotDecide, &[Decider::PendingRetries]),
            Reach::Lost { .. } => (Verdict::CannotDecide, &[Decider::PushLog, Decider::PlatformSupport]),
        };
        out.push(
            Statement::new(Rule::ClockStartWhileReceiverDown, verdict, text, short)
                .facts([
                    clock_fact(lang, s),
                    Fact::observed(
                        format!("{} {}", tr(lang, "接收器最后心跳", "receiver last heartbeat"), fmt(last_before)),
                        false,
                    ),
                    Fact::observed(
                        format!("{} {}", tr(lang, "接收器再次启动", "receiver up again"), fmt(next_after)),
                        false,
                    ),
                    Fact::inferred(tr(
                        lang,
                        "重试规则：最长等待5秒，之后 0s/0s/10s/1min/5min/30min/60min/60min/60min，约 3.6 小时（订单回调文档）",
                        "retry rule: at most a 5 s wait, then 0s/0s/10s/1min/5min/30min/60min/60min/60min, about 3.6 h (the order-callback docs)",
                    )),
                ])
                .cite(&[Cite::OrderCallback, Cite::SupportGuide])
                .decided_by(decided_by)
                .demo(v.is_demo()),
        );
    }
    out
}

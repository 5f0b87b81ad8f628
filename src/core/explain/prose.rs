//! Small pieces of wording shared by the timeline and the rules: how a
//! version, a push, a span of time and the documented clock rule are named.

use crate::model::names::{self, Lang};
use crate::timefmt;
use crate::version_pair::Version;

use super::evidence::{Coverage, Note, PushRecord};
use super::{Fact, Ref, Source};

pub(crate) const DAY: i64 = 86_400;

pub(crate) fn tr(lang: Lang, zh: &str, en: &str) -> String {
    lang.text(zh, en).to_string()
}

/// A span between two moments, in the reader's language: `1 h 53 min`,
/// `2 s`, `3 d 4 h` (`1 小时 53 分`, `2 秒`, `3 天 4 小时`).
pub fn span(lang: Lang, secs: i64) -> String {
    let s = secs.abs();
    let (d, h, m) = (s / DAY, s % DAY / 3600, s % 3600 / 60);
    match lang {
        Lang::Zh if s < 60 => format!("{s} 秒"),
        Lang::Zh if s < 3600 => format!("{m} 分"),
        Lang::Zh if s < DAY => format!("{} 小时 {m} 分", s / 3600),
        Lang::Zh => format!("{d} 天 {h} 小时"),
        Lang::En if s < 60 => format!("{s} s"),
        Lang::En if s < 3600 => format!("{m} min"),
        Lang::En if s < DAY => format!("{} h {m} min", s / 3600),
        Lang::En => format!("{d} d {h} h"),
    }
}

pub(crate) fn when(t: i64) -> String {
    timefmt::full_tz(t)
}

fn demo_mark(lang: Lang, demo: bool) -> &'static str {
    match (demo, lang) {
        (false, _) => "",
        (true, Lang::Zh) => "（演示数据）",
        (true, Lang::En) => " (demo data)",
    }
}

pub(crate) fn snap_ev(lang: Lang, v: &Version) -> String {
    let mark = demo_mark(lang, v.is_demo());
    if !v.source.read_time_known() {
        return match lang {
            Lang::Zh => format!("update_time 为 {}、读取时间未知的订单版本{mark}", when(v.fetched_at)),
            Lang::En => format!("the version with update_time {}, read time unknown{mark}", when(v.fetched_at)),
        };
    }
    match lang {
        // Versions are named by when they were fetched: the store's row ids
        // follow import order, not time, and mean nothing to a merchant.
        Lang::Zh => format!("获取于 {} 的订单版本{mark}", when(v.fetched_at)),
        Lang::En => format!("the version fetched {}{mark}", when(v.fetched_at)),
    }
}

pub(crate) fn push_ev(lang: Lang, p: &PushRecord) -> String {
    let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
    let mark = demo_mark(lang, p.is_demo());
    let event = names::event_short(&p.event);
    let created = match (p.created_at, lang) {
        (Some(c), Lang::Zh) => format!("事件时间 {}，", when(c)),
        (Some(c), Lang::En) => format!("made {}, ", when(c)),
        (None, _) => String::new(),
    };
    let late = redelivery_words(lang, p);
    let pending = pending_words(lang, p);
    match lang {
        Lang::Zh => format!("推送 {event}{kind}（{created}收到于 {}{late}{pending}）{mark}", when(p.received_at)),
        Lang::En => format!("push {event}{kind} ({created}received {}{late}{pending}){mark}", when(p.received_at)),
    }
}

/// `, stored, not yet processed` for a push still in the receiver's inbox:
/// acknowledged and on disk, not yet in the messages that reads list.
pub(crate) fn pending_words(lang: Lang, p: &PushRecord) -> &'static str {
    match (p.pending, lang) {
        (true, Lang::Zh) => "，已存储，尚未处理",
        (true, Lang::En) => ", stored, not yet processed",
        (false, _) => "",
    }
}

/// `, redelivered 36 min later` when a push arrived after the answer limit.
pub(crate) fn redelivery_words(lang: Lang, p: &PushRecord) -> String {
    match (p.redelivery_delay(), lang) {
        (Some(d), Lang::Zh) => format!("，晚于事件 {}：重新投递", span(lang, d)),
        (Some(d), Lang::En) => format!(", {} after its event: a redelivery", span(lang, d)),
        (None, _) => String::new(),
    }
}

pub(crate) fn note_ev(lang: Lang, n: &Note) -> String {
    let at = n.at.map(when).unwrap_or_else(|| tr(lang, "时间未报告", "time not reported"));
    match lang {
        Lang::Zh => format!("报告 #{}「{}」（事实时间 {at}；记录于 {}）", n.id, n.text, when(n.recorded_at)),
        Lang::En => format!("report #{} \"{}\" (happened {at}; written down {})", n.id, n.text, when(n.recorded_at)),
    }
}

pub(crate) fn clock_rule(lang: Lang) -> String {
    tr(
        lang,
        "规则：到期时间 − 30天 − 15天×已延期次数（虚拟号服务指南：商家主动查看后30天有效，每次延期15天，最多10次）",
        "rule: expiry − 30 d − 15 d × extensions (virtual-number guide: valid 30 days after the merchant actively views it, +15 days per extension, at most 10)",
    )
}

/// What a started clock means, in the support guide's terms and no more:
/// which tool did the viewing (the console, an ERP) is not recorded.
pub(crate) fn clock_meaning(lang: Lang) -> String {
    tr(
        lang,
        "按服务指南（商家主动查看后30天内有效），商家一侧约在此时查看了号码；是谁、用什么工具查看的，订单不记录（推测：后台详情页或 ERP，未经确认）",
        "by the support guide (valid 30 days after the merchant actively views it), the merchant side viewed the number at about that time; who viewed it, and with what tool, the order does not record (a hypothesis: the console's details page or an ERP, unconfirmed)",
    )
}

/// `10:11–10:31` style ranges, joined.
fn ranges(rs: &[(i64, i64)], lang: Lang) -> String {
    let parts: Vec<String> = rs.iter().map(|&(a, b)| format!("{}–{}", timefmt::short(a), timefmt::short(b))).collect();
    parts.join(lang.text("、", ", "))
}

/// What the stored pushes can say about a span, for "no push" sentences.
pub(crate) fn coverage_words(lang: Lang, c: &Coverage, what: &str) -> String {
    match (c, lang) {
        (Coverage::Receiver { gaps }, Lang::Zh) if gaps.is_empty() => format!("推送接收器全程在运行，没有收到{what}"),
        (Coverage::Receiver { gaps }, Lang::En) if gaps.is_empty() => {
            format!("the receiver was running throughout and received no {what}")
        }
        (Coverage::Receiver { gaps }, Lang::Zh) => format!(
            "接收器在 {} 停止过，但按平台的重试规则（0s/0s/10s/1min/5min/30min/60min/60min/60min），这期间产生的推送会在接收器恢复后重新送达；没有收到{what}",
            ranges(gaps, lang)
        ),
        (Coverage::Receiver { gaps }, Lang::En) => format!(
            "the receiver was down {}, but by the platform's retry schedule (0s/0s/10s/1min/5min/30min/60min/60min/60min) a push made then would have been redelivered once it was up again; no {what} was received",
            ranges(gaps, lang)
        ),
        (Coverage::Partly { lost, .. }, Lang::Zh) => format!(
            "没有存储{what}；但在 {} 产生的推送，其全部投递（含重试，约 3.6 小时）都落在接收器停止期间，不可能被存储，所以这几段无法判断",
            ranges(lost, lang)
        ),
        (Coverage::Partly { lost, .. }, Lang::En) => format!(
            "no {what} is stored, but a push made {} would have had every delivery (retries included, about 3.6 h) while no receiver was up, so for those stretches it cannot be told",
            ranges(lost, lang)
        ),
        (Coverage::None, Lang::Zh) => {
            format!("这段时间没有存储任何推送（接收器未运行 / 未导入接收器运行记录），无法判断是否发送过 {what}")
        }
        (Coverage::None, Lang::En) => format!(
            "no push is stored for this span (the receiver was not running / no receiver period was imported), so whether any {what} was sent cannot be told"
        ),
    }
}

/// A stored version as a fact.
pub(crate) fn snap_fact(lang: Lang, v: &Version) -> Fact {
    Fact::observed(snap_ev(lang, v), v.is_demo()).at(Ref::Snapshot(v.snapshot_id))
}

/// A field read off a stored version, as a fact.
pub(crate) fn field_fact(text: String, v: &Version) -> Fact {
    Fact::observed(text, v.is_demo()).at(Ref::Snapshot(v.snapshot_id))
}

/// A stored push as a fact.
pub(crate) fn push_fact(lang: Lang, p: &PushRecord) -> Fact {
    Fact::observed(push_ev(lang, p), p.is_demo()).at(p.reference())
}

/// A note as a fact: reported, never observed.
pub(crate) fn note_fact(lang: Lang, n: &Note) -> Fact {
    Fact::new(Source::Reported, note_ev(lang, n)).at(Ref::Note(n.id))
}

/// The inferred clock start as a fact, with the rule it comes from.
pub(crate) fn clock_fact(lang: Lang, start: i64) -> Fact {
    Fact::inferred(format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(start), clock_rule(lang)))
}

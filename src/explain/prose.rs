//! Small pieces of wording shared by the timeline and the rules: how a
//! version, a push, a span of time and the documented clock rule are named.

use crate::model::names::{self, Lang};
use crate::timefmt;
use crate::version_pair::Version;

use super::evidence::{Coverage, Note, PushRecord};

pub(crate) const DAY: i64 = 86_400;

pub(crate) fn tr(lang: Lang, zh: &str, en: &str) -> String {
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
    match lang {
        Lang::Zh => format!("推送 {event}{kind} 收到于 {}{mark}", when(p.received_at)),
        Lang::En => format!("push {event}{kind} received {}{mark}", when(p.received_at)),
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

/// What a started clock means, in the support guide's terms.
pub(crate) fn clock_meaning(lang: Lang) -> String {
    tr(
        lang,
        "商家一侧首次查看或解密了买家联系方式（订单详情页、ERP 解密或打印电子面单）",
        "the shop side first viewed or decoded the buyer's contact (the order details page, an ERP decode, or e-waybill printing)",
    )
}

/// What the stored pushes can say about a span, for "no push" sentences.
pub(crate) fn coverage_words(lang: Lang, c: Coverage, what: &str) -> String {
    match (c, lang) {
        (Coverage::Receiver, Lang::Zh) => format!("推送接收器全程在运行，没有收到{what}"),
        (Coverage::Receiver, Lang::En) => format!("the receiver was running throughout and received no {what}"),
        (Coverage::PushLog { first, last }, Lang::Zh) => {
            format!("导入的推送日志（{} 至 {}）中没有{what}", timefmt::short(first), timefmt::short(last))
        }
        (Coverage::PushLog { first, last }, Lang::En) => {
            format!("the imported push log ({} to {}) has no {what}", timefmt::short(first), timefmt::short(last))
        }
        (Coverage::Partly { from, to }, Lang::Zh) => format!(
            "没有存储{what}；但接收器只在 {} 至 {} 运行，其余时间的推送不会被记录",
            timefmt::short(from),
            timefmt::short(to)
        ),
        (Coverage::Partly { from, to }, Lang::En) => format!(
            "no {what} is stored, but the receiver ran only from {} to {} of this span; a push outside that could not have been stored",
            timefmt::short(from),
            timefmt::short(to)
        ),
        (Coverage::None, Lang::Zh) => {
            format!("这段时间没有存储任何推送（接收器未运行 / 未导入推送日志），无法判断是否发送过 {what}")
        }
        (Coverage::None, Lang::En) => format!(
            "no push is stored for this span (the receiver was not running / no push log was imported), so whether any {what} was sent cannot be told"
        ),
    }
}

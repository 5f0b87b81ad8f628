//! The explanation's rules, one function each. A rule looks at the facts of
//! one order and returns statements, each naming the fields, pushes,
//! documented rules or reports it rests on, in words no stronger than that
//! evidence: an absence of stored pushes is only read as "not sent" when the
//! receiver or an imported push log covered the span.

use serde::Serialize;

use crate::model::names::Lang;
use crate::model::{Order, Vnum};
use crate::timefmt;
use crate::version_pair::Version;

use super::Statement;
use super::evidence::{Coverage, Evidence, Note, Period, PushRecord, coverage};
use super::prose::{clock_meaning, clock_rule, coverage_words, note_ev, push_ev, snap_ev, span, tr, when};

/// How close a push must be to an event to be called "near" it.
pub const NEAR: i64 = 10 * 60;
/// The documented limit on extensions of a virtual number.
pub const MAX_EXTENSIONS: i64 = 10;

/// Which rule a statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    NoSnapshot,
    VirtualGoods,
    NoNumber,
    PendingNumber,
    ClockStart,
    ExtensionsUsedUp,
    NumberBeforeFirstRecord,
    NumberChangedBetweenSnapshots,
    Type5Push,
    NoType5Push,
    ClockStartWhileReceiverDown,
    Reported,
    NoPublishedRule,
    /// Two orders compared: their numbers and clock starts.
    ComparedNumbers,
    /// Two orders compared: their type 5 pushes and the record's coverage.
    ComparedPushes,
    /// Two orders compared: what people reported about them.
    ComparedReports,
    /// Two orders compared: what the data cannot decide.
    CannotDecide,
}

impl Rule {
    /// Which statement the one-line headline shows, most telling first.
    pub const HEADLINE_ORDER: [Rule; 11] = [
        Rule::VirtualGoods,
        Rule::NoNumber,
        Rule::PendingNumber,
        Rule::ClockStartWhileReceiverDown,
        Rule::NumberChangedBetweenSnapshots,
        Rule::NumberBeforeFirstRecord,
        Rule::NoType5Push,
        Rule::Type5Push,
        Rule::ClockStart,
        Rule::Reported,
        Rule::NoSnapshot,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::NoSnapshot => "no_snapshot",
            Rule::VirtualGoods => "virtual_goods",
            Rule::NoNumber => "no_number",
            Rule::PendingNumber => "pending_number",
            Rule::ClockStart => "clock_start",
            Rule::ExtensionsUsedUp => "extensions_used_up",
            Rule::NumberBeforeFirstRecord => "number_before_first_record",
            Rule::NumberChangedBetweenSnapshots => "number_changed_between_snapshots",
            Rule::Type5Push => "type5_push",
            Rule::NoType5Push => "no_type5_push",
            Rule::ClockStartWhileReceiverDown => "clock_start_while_receiver_down",
            Rule::Reported => "reported",
            Rule::NoPublishedRule => "no_published_rule",
            Rule::ComparedNumbers => "compared_numbers",
            Rule::ComparedPushes => "compared_pushes",
            Rule::ComparedReports => "compared_reports",
            Rule::CannotDecide => "cannot_decide",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One order's evidence, sorted, with what several rules read from it.
pub struct Facts<'a> {
    /// Oldest fetch first.
    pub versions: Vec<&'a Version>,
    /// Oldest first.
    pub pushes: Vec<&'a PushRecord>,
    pub periods: &'a [Period],
    pub notes: &'a [Note],
    /// The newest version by the order's own update time.
    pub latest: Option<&'a Version>,
    pub shipped_at: Option<i64>,
    pub now: i64,
}

impl<'a> Facts<'a> {
    pub fn of(ev: &'a Evidence) -> Facts<'a> {
        let mut versions: Vec<&Version> = ev.versions.iter().collect();
        versions.sort_by_key(|v| (v.fetched_at, v.snapshot_id));
        let mut pushes: Vec<&PushRecord> = ev.pushes.iter().collect();
        pushes.sort_by_key(|p| (p.received_at, p.id));
        let latest = super::timeline::latest(&versions);
        let shipped_at = latest.and_then(|v| v.order.shipped_at());
        Facts { versions, pushes, periods: &ev.periods, notes: &ev.notes, latest, shipped_at, now: ev.now }
    }

    fn type5(&self) -> Vec<&'a PushRecord> {
        self.pushes.iter().copied().filter(|p| p.is_type5()).collect()
    }

    fn ever_number(&self) -> bool {
        self.versions.iter().any(|v| Vnum::of(&v.order).number.is_some())
    }

    /// Each distinct inferred clock start, with the newest version stating it.
    fn clock_starts(&self) -> Vec<(i64, &'a Version)> {
        let mut out: Vec<(i64, &Version)> = Vec::new();
        for v in &self.versions {
            if let Some(s) = Vnum::of(&v.order).inferred_clock_start() {
                match out.iter_mut().find(|(t, _)| *t == s) {
                    Some(slot) => slot.1 = v,
                    None => out.push((s, v)),
                }
            }
        }
        out
    }

    fn coverage(&self, lo: i64, hi: i64) -> Coverage {
        coverage(lo, hi, self.periods, self.now)
    }
}

fn statement(rule: Rule, statement: String, short: String, evidence: Vec<String>, demo: bool) -> Statement {
    Statement { rule, statement, short, evidence, demo }
}

/// Every rule, in the order the explanation lists them; the caveat last.
pub fn explain(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    if let Some(s) = no_snapshot(f, lang) {
        out.push(s);
    } else {
        out.extend(virtual_goods(f, lang));
        out.extend(no_number(f, lang));
        out.extend(pending_number(f, lang));
        out.extend(clock_start(f, lang));
        out.extend(extensions_used_up(f, lang));
        out.extend(number_before_first_record(f, lang));
        out.extend(number_changed_between_snapshots(f, lang));
        out.extend(type5_push(f, lang));
        out.extend(no_type5_push(f, lang));
        out.extend(clock_start_while_receiver_down(f, lang));
    }
    out.extend(reported(f, lang));
    out.push(no_published_rule(lang));
    out
}

/// Only pushes are stored: the number cannot be judged.
pub fn no_snapshot(f: &Facts, lang: Lang) -> Option<Statement> {
    if !f.versions.is_empty() {
        return None;
    }
    Some(statement(
        Rule::NoSnapshot,
        tr(
            lang,
            "没有存储该订单的 order/get 结果，无法判断虚拟号；只能看到推送。请获取一次订单详情（配置接口凭据后 orderscope show 订单号 --live，或 orderscope import 已保存的结果）。",
            "No order/get response is stored for this order, so its virtual number cannot be judged; only its pushes are known. Collect one: `orderscope show ORDER_ID --live` with API credentials, or `orderscope import` a saved response.",
        ),
        tr(lang, "只有推送，没有订单详情", "pushes only, no order/get response"),
        f.pushes.iter().map(|p| push_ev(lang, p)).collect(),
        f.pushes.iter().any(|p| p.is_demo()),
    ))
}

/// `deliver_method` 1: virtual goods, which the guide says get no number.
pub fn virtual_goods(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    (latest.order.deliver_method() == Some(1)).then(|| {
        statement(
            Rule::VirtualGoods,
            tr(
                lang,
                "这是虚拟发货订单（deliver_method 1），无需物流；服务指南说明虚拟号不对无需物流的商品开启。",
                "This order ships virtually (deliver_method 1), without logistics; the support guide says virtual numbers are not enabled for goods that need no logistics.",
            ),
            tr(lang, "虚拟发货：不分配虚拟号", "virtual goods: no virtual number"),
            vec![format!("deliver_method 1 ({})", snap_ev(lang, latest))],
            latest.is_demo(),
        )
    })
}

/// One documented cause of "no number", with what the order says about it.
fn cause(lang: Lang, name: (&str, &str), verdict: (&str, &str), why: String) -> String {
    format!("{}: {} — {why}", lang.text(name.0, name.1), lang.text(verdict.0, verdict.1))
}

const FOR: (&str, &str) = ("支持", "for");
const AGAINST: (&str, &str) = ("不支持", "against");
const OPEN: (&str, &str) = ("数据无法判断", "the data cannot tell");

/// No number in any stored version: the documented causes, each weighed.
pub fn no_number(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let any_use = f.versions.iter().any(|v| Vnum::of(&v.order).use_tel_number == Some(1));
    if f.ever_number() || any_use {
        return None;
    }
    let o: &Order = &latest.order;
    let mut causes = Vec::new();
    let method = o.deliver_method();
    causes.push(cause(
        lang,
        ("虚拟商品（无需物流的商品不开启虚拟号）", "virtual goods (no number for goods without logistics)"),
        if method == Some(1) {
            FOR
        } else if method.is_some() {
            AGAINST
        } else {
            OPEN
        },
        format!("deliver_method {}", method.map(|m| m.to_string()).unwrap_or_else(|| "-".into())),
    ));
    let packages = o.packages();
    let no_logistics = packages.iter().any(|p| p.deliver_type == Some(3));
    causes.push(cause(
        lang,
        ("无需物流发货", "shipped without logistics"),
        if no_logistics {
            FOR
        } else if packages.is_empty() {
            OPEN
        } else {
            AGAINST
        },
        if packages.is_empty() {
            tr(lang, "最新版本中没有包裹", "no parcel in the latest version")
        } else {
            let types: Vec<String> =
                packages.iter().map(|p| p.deliver_type.map(|t| t.to_string()).unwrap_or("-".into())).collect();
            format!("deliver_type {}", types.join(", "))
        },
    ));
    causes.push(cause(
        lang,
        ("买家手机号无效", "invalid buyer phone"),
        OPEN,
        match o.tel_number() {
            Some(t) => format!("tel_number {}", crate::text::mask_phone(t)),
            None => tr(lang, "没有 tel_number", "no tel_number"),
        },
    ));
    let waybill: Vec<i64> =
        f.versions.iter().filter(|v| v.order.ewaybill_order_code().is_some()).map(|v| v.fetched_at).collect();
    causes.push(cause(
        lang,
        ("商家一侧从未查看或解密联系方式", "the contact never viewed or decoded by the shop side"),
        OPEN,
        if waybill.is_empty() {
            tr(
                lang,
                "订单不记录查看或解密；任何版本都没有 ewaybill_order_code",
                "the order does not record views or decodes; no version has an ewaybill_order_code",
            )
        } else {
            let ids: Vec<String> = waybill.iter().map(|at| crate::timefmt::full(*at)).collect();
            match lang {
                Lang::Zh => format!("订单不记录查看或解密；获取于 {} 的版本有 ewaybill_order_code，但它是取电子面单用的订单密文，支付后即有，不说明有人查看过联系方式", ids.join(", ")),
                Lang::En => format!("the order does not record views or decodes; the version fetched {} has an ewaybill_order_code, but that is the order ciphertext for taking an e-waybill, present from payment on, and no evidence that anyone viewed the contact", ids.join(", ")),
            }
        },
    ));
    causes.push(cause(
        lang,
        ("店铺不在灰度范围（社区回答，未经确认）", "the shop outside the gray release (community answer, unconfirmed)"),
        OPEN,
        tr(lang, "订单中没有相关字段", "no field in the order says"),
    ));
    let mut evidence: Vec<String> = f.versions.iter().map(|v| snap_ev(lang, v)).collect();
    evidence.extend(causes);
    let n = f.versions.len();
    let (all_zh, all_en) = if n == 1 {
        ("唯一存储的版本中".to_string(), "its only stored version".to_string())
    } else {
        (format!("全部 {n} 个存储的版本中都"), format!("all {n} stored versions"))
    };
    let last = when(latest.fetched_at);
    Some(statement(
        Rule::NoNumber,
        match lang {
            Lang::Zh => format!(
                "{all_zh}没有虚拟号（use_tel_number 不为 1，也没有 tel_number_ext_info；最后一次读取 {last}），所以没有可供 type 5 推送报告变更的号码。文档列出的无号码原因见下，各附支持或反对的证据；数据本身不能说明是哪一个。"
            ),
            Lang::En => format!(
                "No stored version has a virtual number: use_tel_number is not 1 and there is no tel_number_ext_info in {all_en} (last read {last}), so there was no stored number whose change a type 5 push would report. The documented reasons an order has no number are listed below, each with the evidence for or against it; the data does not say which one applied."
            ),
        },
        tr(lang, "任何存储的版本中都没有虚拟号", "no number in any stored version"),
        evidence,
        f.versions.iter().all(|v| v.is_demo()),
    ))
}

/// `use_tel_number` 1 without a number yet.
pub fn pending_number(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let vn = Vnum::of(&latest.order);
    if vn.use_tel_number == Some(1) && vn.number.is_none() && vn.phone_invalid() {
        let phone = crate::text::mask_phone(vn.real_tel_number.as_deref().unwrap_or(""));
        return Some(statement(
            Rule::PendingNumber,
            match lang {
                Lang::Zh => format!(
                    "use_tel_number 为 1，但买家手机号「{phone}」不是 11 位：服务指南说明联系电话无效（非 11 位、空号）时不生成虚拟号，所以不会有号码，也没有可供 type 5 报告的号码变更。"
                ),
                Lang::En => format!(
                    "use_tel_number is 1, but the buyer's phone \"{phone}\" is not 11 digits: the support guide says no virtual number is generated for an invalid contact number (not 11 digits, blank or dead), so none will come, and there is no number whose change a type 5 push would report."
                ),
            },
            tr(lang, "手机号无效：不生成虚拟号", "invalid phone: no virtual number"),
            vec![snap_ev(lang, latest), format!("real_tel_number {phone}")],
            latest.is_demo(),
        ));
    }
    (vn.use_tel_number == Some(1) && vn.number.is_none()).then(|| statement(
        Rule::PendingNumber,
        tr(
            lang,
            "use_tel_number 为 1，但最新版本中没有虚拟号（tel_number_ext_info 里没有 virtual_tel_number）。社区的工作人员回答称号码在订单被解密后、且店铺在灰度范围内才出现（未经官方确认）；数据无法判断之后是否会出现，再读取一次订单可以判断。",
            "use_tel_number is 1 but the latest version has no virtual number (no virtual_tel_number in tel_number_ext_info). A staff answer in the community says the number appears only after the order is decoded and in gray-release shops (not confirmed officially); whether one will appear the data cannot tell, and a later read would decide it.",
        ),
        tr(lang, "use_tel_number 1，尚无号码", "use_tel_number 1, no number yet"),
        vec![snap_ev(lang, latest)],
        latest.is_demo(),
    ))
}

/// Before or after the shipment, in words.
fn against_shipment(lang: Lang, t: i64, ship: i64) -> String {
    let d = ship - t;
    match (lang, d >= 0) {
        (Lang::Zh, true) => format!("比发货（{}）早 {}", timefmt::clock(ship), span(d)),
        (Lang::Zh, false) => format!("比发货（{}）晚 {}", timefmt::clock(ship), span(d)),
        (Lang::En, true) => format!("{} before the shipment ({})", span(d), timefmt::clock(ship)),
        (Lang::En, false) => format!("{} after the shipment ({})", span(d), timefmt::clock(ship)),
    }
}

/// When the 30-day clock started, what that means, and when the rule may not hold.
pub fn clock_start(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    for (start, v) in f.clock_starts() {
        let vn = Vnum::of(&v.order);
        let relation = match (f.shipped_at, lang) {
            (Some(ship), Lang::Zh) => format!("，{}", against_shipment(lang, start, ship)),
            (Some(ship), Lang::En) => format!(", {}", against_shipment(lang, start, ship)),
            (None, _) => String::new(),
        };
        let mut text = match lang {
            Lang::Zh => {
                format!("虚拟号的30天计时约于 {}（推断）开始{relation}：{}", when(start), clock_meaning(lang))
            }
            Lang::En => {
                format!("The 30-day clock started ≈ {} (inferred){relation}: {}", when(start), clock_meaning(lang))
            }
        };
        text.push_str(lang.text("。", "."));
        let mut evidence = vec![
            format!("virtual_tel_expire_time {} ({})", vn.expire_time.map(when).unwrap_or_default(), snap_ev(lang, v)),
            format!("has_delay_times {}", vn.has_delay_times.map(|d| d.to_string()).unwrap_or_else(|| "-".into())),
            clock_rule(lang),
        ];
        if vn.has_delay_times.is_none() {
            text.push_str(&tr(
                lang,
                "注意：订单没有 has_delay_times，延期次数未知；每延期一次，实际开始时间要再早 15 天，此推断可能不成立。",
                " Caution: the order has no has_delay_times, so the extensions are unknown; each one would move the start 15 days earlier, and this inference may not hold.",
            ));
        }
        if let Some(n) = vn.get_virtual_tel_cnt.filter(|n| *n > 0) {
            text.push_str(&match lang {
                Lang::Zh => format!("注意：get_virtual_tel_cnt 为 {n}，号码曾被主动兑换（兑换的号码有效期 3 天），30天规则可能不适用。"),
                Lang::En => format!(" Caution: get_virtual_tel_cnt is {n}: a number was exchanged (exchanged numbers are valid 3 days), so the 30-day rule may not apply."),
            });
            evidence.push(format!("get_virtual_tel_cnt {n}"));
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
        out.push(statement(Rule::ClockStart, text, short, evidence, v.is_demo()));
    }
    out
}

/// At the documented limit of extensions, the number cannot be extended again.
pub fn extensions_used_up(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let vn = Vnum::of(&latest.order);
    let used = vn.has_delay_times.filter(|d| *d >= MAX_EXTENSIONS)?;
    Some(statement(
        Rule::ExtensionsUsedUp,
        match lang {
            Lang::Zh => format!("has_delay_times 为 {used}：已达到最多 {MAX_EXTENSIONS} 次延期，号码不能再延期。"),
            Lang::En => format!(
                "has_delay_times is {used}: the documented limit of {MAX_EXTENSIONS} extensions is reached, so the number can no longer be extended."
            ),
        },
        tr(lang, "已延期 10 次，不能再延期", "extended 10×, no longer extendable"),
        vec![format!("has_delay_times {used} ({})", snap_ev(lang, latest))],
        latest.is_demo(),
    ))
}

/// The number was already there in the first stored version.
pub fn number_before_first_record(f: &Facts, lang: Lang) -> Option<Statement> {
    let first = f.versions.first()?;
    let fv = Vnum::of(&first.order);
    let number = fv.number.as_ref()?;
    let before_everything = f.pushes.first().map(|p| p.received_at >= first.fetched_at).unwrap_or(true);
    let started_before = fv.inferred_clock_start().map(|s| s < first.fetched_at).unwrap_or(true);
    if !started_before {
        return None;
    }
    let mut evidence = vec![format!("{number} ({})", snap_ev(lang, first))];
    if let Some(s) = fv.inferred_clock_start() {
        evidence.push(format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(s), clock_rule(lang)));
    }
    let text = match (lang, before_everything) {
        (Lang::Zh, true) => "第一个存储的版本里已经有虚拟号：计时在任何记录之前就已开始，那时如有推送，也不在记录中。".to_string(),
        (Lang::Zh, false) => "第一个存储的版本里已经有虚拟号：计时在第一次获取订单之前就已开始。".to_string(),
        (Lang::En, true) => "The number was already there in the first stored version: its clock started before anything was recorded, so a push sent then, if any, is not in the record.".to_string(),
        (Lang::En, false) => "The number was already there in the first stored version: its clock started before the order was first fetched.".to_string(),
    };
    let short = tr(lang, "第一次记录前号码已存在", "number existed before the first record");
    Some(statement(Rule::NumberBeforeFirstRecord, text, short, evidence, first.is_demo()))
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
            .filter(|p| p.received_at > a.fetched_at && p.received_at <= b.fetched_at + NEAR)
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
                    Lang::Zh => format!("到期时间由 {from} 变为 {to}（已延期 {n}×）"),
                    Lang::En => format!("the expiry changed from {from} to {to} (extended {n}×)"),
                }
            }
        };
        let mut evidence = vec![snap_ev(lang, a), snap_ev(lang, b)];
        let start = vb.inferred_clock_start();
        let start_between = start.filter(|s| *s > a.fetched_at && *s <= b.fetched_at);
        if let Some(s) = start {
            evidence.push(format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(s), clock_rule(lang)));
        }
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
        if between.is_empty() {
            let c = f.coverage(a.fetched_at, b.fetched_at);
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
            evidence.extend(between.iter().map(|p| push_ev(lang, p)));
        }
        let short = match (lang, before_ship, between.is_empty()) {
            (Lang::Zh, Some((s, ship)), _) => format!("计时在发货前 {} 开始（两次读取之间）", span(ship - s)),
            (Lang::En, Some((s, ship)), _) => {
                format!("clock started {} before shipping (between reads)", span(ship - s))
            }
            (Lang::Zh, None, true) => "两次读取之间号码变化，未存储 type 5 推送".to_string(),
            (Lang::En, None, true) => "number changed between two reads, no type 5 push stored".to_string(),
            (Lang::Zh, None, false) => "两次读取之间号码变化，有 type 5 推送".to_string(),
            (Lang::En, None, false) => "number changed between two reads, with a type 5 push".to_string(),
        };
        let demo = a.is_demo() || b.is_demo() || between.iter().any(|p| p.is_demo());
        out.push(statement(Rule::NumberChangedBetweenSnapshots, text, short, evidence, demo));
    }
    out
}

/// Each stored type 5 push, placed against the shipment and the clock start.
pub fn type5_push(f: &Facts, lang: Lang) -> Vec<Statement> {
    let starts: Vec<i64> = f.clock_starts().into_iter().map(|(s, _)| s).collect();
    let mut out = Vec::new();
    for p in f.type5() {
        let mut relations = Vec::new();
        let mut evidence = vec![push_ev(lang, p)];
        if let Some(ship) = f.shipped_at {
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
                    when(created), span(ship - created), span(delay)
                ),
                (Lang::En, Some(ship)) => format!(
                    " Its event time (CreateTime) is {}, {} before the shipment, yet it arrived after it: a redelivery by the platform ({} late; it waits at most 5 s, then retries at 0s/0s/10s/1min/5min/30min/60min/60min/60min), so the event itself happened before shipping.",
                    when(created), span(ship - created), span(delay)
                ),
                (Lang::Zh, None) => format!("它的事件时间（CreateTime）是 {}，晚到 {}：这是平台的重新投递。", when(created), span(delay)),
                (Lang::En, None) => format!(" Its event time (CreateTime) is {}, {} earlier: a redelivery by the platform.", when(created), span(delay)),
            });
            evidence.push(tr(
                lang,
                "重试规则：最长等待5秒，之后 0s/0s/10s/1min/5min/30min/60min/60min/60min（订单回调文档）",
                "retry rule: at most a 5 s wait, then 0s/0s/10s/1min/5min/30min/60min/60min/60min (the order-callback docs)",
            ));
        }
        let short = match (lang, f.shipped_at) {
            (Lang::Zh, Some(ship)) => {
                format!(
                    "type 5 推送在发货{}{}",
                    if p.received_at >= ship { "后 " } else { "前 " },
                    span(p.received_at - ship)
                )
            }
            (Lang::En, Some(ship)) => format!(
                "type 5 push {} {} shipping",
                span(p.received_at - ship),
                if p.received_at >= ship { "after" } else { "before" }
            ),
            (Lang::Zh, None) => format!("type 5 推送于 {}", timefmt::short(p.received_at)),
            (Lang::En, None) => format!("type 5 push at {}", timefmt::short(p.received_at)),
        };
        out.push(statement(Rule::Type5Push, text, short, evidence, p.is_demo()));
    }
    out
}

/// The span that bears on a type 5 push: from the earliest of the clock
/// start, the shipment and the first read, through the shipment and after
/// it, to now (or to the number's expiry once it has passed, but never
/// before the last read).
pub fn relevant_span(f: &Facts) -> Option<(i64, i64)> {
    let first = f.versions.first()?.fetched_at;
    let last = f.versions.last()?.fetched_at;
    let starts = f.clock_starts().into_iter().map(|(s, _)| s);
    let lo = starts.chain(f.shipped_at).chain([first]).min()?;
    let expired = f.versions.iter().rev().find_map(|v| Vnum::of(&v.order).expire_time).filter(|e| *e <= f.now);
    let end = expired.unwrap_or(f.now).max(last).max(f.shipped_at.unwrap_or(last));
    Some((lo, end))
}

/// A number, but no type 5 push stored: whether that can be read as "none sent".
pub fn no_type5_push(f: &Facts, lang: Lang) -> Option<Statement> {
    if !f.type5().is_empty() || !f.ever_number() {
        return None;
    }
    let (lo, hi) = relevant_span(f)?;
    let c = f.coverage(lo, hi);
    let words = coverage_words(lang, &c, lang.text("type 5 推送", "type 5 push"));
    let text = match lang {
        Lang::Zh => format!("该订单有虚拟号，但没有存储任何 type 5 推送；从 {} 到 {}，{words}。", when(lo), when(hi)),
        Lang::En => format!(
            "The order has a virtual number, but no type 5 push is stored for it; from {} to {}, {words}.",
            when(lo),
            when(hi)
        ),
    };
    let short = match (lang, c.is_full()) {
        (Lang::Zh, true) => "有号码，接收期间没有 type 5 推送".to_string(),
        (Lang::En, true) => "has a number, no type 5 push while listening".to_string(),
        (Lang::Zh, false) => "有号码，未存储 type 5 推送（记录不完整）".to_string(),
        (Lang::En, false) => "has a number, no type 5 push stored (record incomplete)".to_string(),
    };
    let mut evidence: Vec<String> = f.pushes.iter().map(|p| push_ev(lang, p)).collect();
    if f.periods.is_empty() {
        evidence.push(tr(lang, "没有推送接收器的运行记录", "no receiver up period is stored"));
    }
    let demo = f.versions.iter().all(|v| v.is_demo());
    Some(statement(Rule::NoType5Push, text, short, evidence, demo))
}

/// The clock started while no receiver was up: by the platform's retry
/// schedule, would a push made then have reached the store (and when), or
/// did every delivery fall inside the gap?
pub fn clock_start_while_receiver_down(f: &Facts, lang: Lang) -> Vec<Statement> {
    use super::delivery::{Reach, Uptime, reach};
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
                    span(offset)
                ),
                format!("计时开始时接收器停止；重试会在 {} 送达", timefmt::clock(at)),
            ),
            (Reach::Retry { at, offset, .. }, Lang::En) => (
                format!(
                    "The inferred clock start ({}) falls while no push receiver was up ({gap}): by the platform's retry schedule, a push made then would have been redelivered at {} (the retry {} after it), when the receiver was up again; {stored_words}.",
                    when(s),
                    timefmt::clock(at),
                    span(offset)
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
        out.push(statement(
            Rule::ClockStartWhileReceiverDown,
            text,
            short,
            vec![
                format!("{} ≈ {} ({})", tr(lang, "计时开始", "clock start"), when(s), clock_rule(lang)),
                format!("{} {}", tr(lang, "接收器最后心跳", "receiver last heartbeat"), fmt(last_before)),
                format!("{} {}", tr(lang, "接收器再次启动", "receiver up again"), fmt(next_after)),
                tr(
                    lang,
                    "重试规则：最长等待5秒，之后 0s/0s/10s/1min/5min/30min/60min/60min/60min，约 3.6 小时（订单回调文档）",
                    "retry rule: at most a 5 s wait, then 0s/0s/10s/1min/5min/30min/60min/60min/60min, about 3.6 h (the order-callback docs)",
                ),
            ],
            v.is_demo(),
        ));
    }
    out
}

/// Each note, weighed as a report: a reported push is set against what is stored.
pub fn reported(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    for n in f.notes {
        let mut evidence = vec![note_ev(lang, n)];
        let about_push = n.event.is_some() || n.kind.is_some();
        let (text, short) = if about_push {
            let event = n.event.as_deref().unwrap_or("channels_ec_order_ext_info_update");
            let kind = n.kind.map(|k| format!(" type {k}")).unwrap_or_default();
            let what = format!("{}{kind}", crate::model::names::event_short(event));
            let matching: Vec<&PushRecord> = f
                .pushes
                .iter()
                .copied()
                .filter(|p| p.event == event && (n.kind.is_none() || p.kind == n.kind))
                .filter(|p| n.at.map(|t| (p.received_at - t).abs() <= NEAR).unwrap_or(true))
                .collect();
            evidence.extend(matching.iter().map(|p| push_ev(lang, p)));
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
                        coverage_words(lang, &f.coverage(lo, hi), &format!("{what} {}", lang.text("推送", "push")))
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
        out.push(statement(Rule::Reported, text, short, evidence, false));
    }
    out
}

/// The caveat under every explanation.
pub fn no_published_rule(lang: Lang) -> Statement {
    statement(
        Rule::NoPublishedRule,
        tr(
            lang,
            "平台没有公布何时发送 type 5 推送；以上只陈述数据显示的事实和适用的已公布规则，不能说明平台为何发送或不发送某条推送。",
            "The platform does not publish when type 5 pushes are sent; the statements above say what the data shows and which documented rules apply, not why the platform sent or did not send a push.",
        ),
        tr(lang, "平台未公布 type 5 推送规则", "no published rule for type 5 pushes"),
        vec![],
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::fixtures::*;
    use serde_json::json;

    #[test]
    fn without_a_push_record_absence_is_not_read_as_not_sent() {
        let ev = seed(vec![], vec![]);
        let out = number_changed_between_snapshots(&Facts::of(&ev), Lang::En);
        assert_eq!(out.len(), 1);
        let s = &out[0].statement;
        assert!(
            s.contains(
                "no push is stored for this span (the receiver was not running / no receiver period was imported)"
            ),
            "{s}"
        );
        assert!(!s.contains("was received"), "{s}");
        let zh = &number_changed_between_snapshots(&Facts::of(&ev), Lang::Zh)[0].statement;
        assert!(zh.contains("接收器未运行 / 未导入接收器运行记录"), "{zh}");
    }

    #[test]
    fn a_receiver_running_throughout_lets_absence_count() {
        let ev = seed(vec![], vec![Period { start: 1_764_600_000, end: NOW, stopped: false }]);
        let f = Facts::of(&ev);
        let s = &number_changed_between_snapshots(&f, Lang::En)[0].statement;
        assert!(s.contains("the receiver was running throughout and received no type 5 push"), "{s}");
        let none = no_type5_push(&f, Lang::En).unwrap();
        assert_eq!(none.short, "has a number, no type 5 push while listening");
    }

    #[test]
    fn the_time_after_shipping_is_judged_and_its_gap_named() {
        // The receiver ran through shipping and stopped a day later: the
        // span after shipping (to the number's expiry) is only partly covered.
        let ev = seed(vec![], vec![Period { start: 1_764_600_000, end: SHIP + 86_400, stopped: true }]);
        let f = Facts::of(&ev);
        assert_eq!(relevant_span(&f), Some((1_764_642_404, EXPIRY)), "from the first read to the expiry");
        let none = no_type5_push(&f, Lang::En).unwrap();
        assert_eq!(none.short, "has a number, no type 5 push stored (record incomplete)");
        assert!(
            none.statement.contains("would have had every delivery (retries included, about 3.6 h)"),
            "{}",
            none.statement
        );
        assert!(none.statement.contains("12-03 14:21"), "the lost stretch starts after the stop: {}", none.statement);
    }

    #[test]
    fn a_clock_start_inside_a_short_gap_is_reached_by_a_retry() {
        let start = EXPIRY - 30 * 86_400; // 12:27:31
        let up = vec![
            Period { start: start - 10_000, end: start - 1_000, stopped: true },
            Period { start: start + 200, end: NOW, stopped: false },
        ];
        let ev = seed(vec![], up);
        let out = clock_start_while_receiver_down(&Facts::of(&ev), Lang::En);
        assert_eq!(out.len(), 1);
        let s = &out[0].statement;
        assert!(s.contains("would have been redelivered at 12:33:41 (the retry 6 min after it)"), "{s}");
        assert!(s.contains("none is stored"), "{s}");
        assert!(!s.contains("could not have been stored"), "{s}");
        // A six-hour gap: every delivery falls inside it.
        let up = vec![
            Period { start: start - 10_000, end: start - 1_000, stopped: true },
            Period { start: start + 21_600, end: NOW, stopped: false },
        ];
        let s = &clock_start_while_receiver_down(&Facts::of(&seed(vec![], up)), Lang::En)[0].statement;
        assert!(s.contains("such a push could not have been stored"), "{s}");
    }

    #[test]
    fn a_type5_push_made_before_shipping_and_received_after_is_named_a_redelivery() {
        let mut p = push(3, SHIP + 1_200, Some(5), "serve");
        p.created_at = Some(SHIP - 970);
        let ev = seed(vec![p], vec![]);
        let s = &type5_push(&Facts::of(&ev), Lang::En)[0].statement;
        assert!(s.contains("Its event time (CreateTime) is 2025-12-02 14:05:16 +08:00, 16 min before the shipment, yet it arrived after it: a redelivery"), "{s}");
        let zh = &type5_push(&Facts::of(&ev), Lang::Zh)[0].statement;
        assert!(zh.contains("这是平台的重新投递"), "{zh}");
        let entries = crate::explain::timeline::entries(&ev, Lang::En);
        let e = entries.iter().find(|e| e.kind == "push").unwrap();
        assert_eq!(e.created_at, Some(SHIP - 970));
        assert!(e.summary.contains("made 2025-12-02 14:05:16, 36 min late (a redelivery)"), "{}", e.summary);
    }

    #[test]
    fn clock_start_names_what_it_means_and_never_says_assigned() {
        let ev = seed(vec![], vec![]);
        let out = clock_start(&Facts::of(&ev), Lang::En);
        assert_eq!(out.len(), 1);
        let s = &out[0].statement;
        assert!(s.starts_with("The 30-day clock started ≈ 2025-12-02 12:27:31 +08:00 (inferred)"), "{s}");
        assert!(s.contains("1 h 53 min before the shipment (14:21:26)"), "{s}");
        assert!(!s.contains("assign") && !s.contains("Caution"), "{s}");
        assert_eq!(out[0].short, "clock started ≈ 12:27:31, 1 h 53 min before the shipment (14:21:26)");
    }

    #[test]
    fn clock_start_warns_when_the_rule_may_not_hold() {
        let missing = json!({"virtual_tel_number": "1-2", "virtual_tel_expire_time": EXPIRY});
        let ev = evidence(vec![version(1, 100, true, Some(missing))], vec![], vec![], vec![]);
        let s = &clock_start(&Facts::of(&ev), Lang::En)[0].statement;
        assert!(s.contains("the order has no has_delay_times"), "{s}");
        let exchanged = json!({"virtual_tel_number": "1-2", "virtual_tel_expire_time": EXPIRY, "has_delay_times": 0, "get_virtual_tel_cnt": 1});
        let ev = evidence(vec![version(1, 100, true, Some(exchanged))], vec![], vec![], vec![]);
        let s = &clock_start(&Facts::of(&ev), Lang::En)[0];
        assert!(s.statement.contains("get_virtual_tel_cnt is 1"), "{}", s.statement);
        assert!(s.evidence.contains(&"get_virtual_tel_cnt 1".to_string()));
    }

    #[test]
    fn an_invalid_phone_means_no_number_rather_than_pending() {
        let ext = json!({"real_tel_number": "1390775"});
        let mut v = version(1, 100, true, Some(ext));
        v.order.raw["order_detail"]["delivery_info"]["address_info"]["tel_number"] = "1390775".into();
        let ev = evidence(vec![v], vec![], vec![], vec![]);
        let s = pending_number(&Facts::of(&ev), Lang::En).unwrap();
        assert!(
            s.statement.contains("no virtual number is generated for an invalid contact number"),
            "{}",
            s.statement
        );
        assert!(!s.statement.contains("a later read would"), "{}", s.statement);
        let zh = pending_number(&Facts::of(&ev), Lang::Zh).unwrap();
        assert!(zh.statement.contains("不生成虚拟号"), "{}", zh.statement);
        // a well-formed masked phone stays undecided
        let ev = evidence(
            vec![version(1, 100, true, Some(json!({"real_tel_number": "139****0775"})))],
            vec![],
            vec![],
            vec![],
        );
        let s = pending_number(&Facts::of(&ev), Lang::En).unwrap();
        assert!(s.statement.contains("a later read would decide it"), "{}", s.statement);
    }

    #[test]
    fn ten_extensions_are_the_last() {
        let ext =
            |n: i64| json!({"virtual_tel_number": "1-2", "virtual_tel_expire_time": EXPIRY, "has_delay_times": n});
        let at = |n| evidence(vec![version(1, 100, true, Some(ext(n)))], vec![], vec![], vec![]);
        assert!(extensions_used_up(&Facts::of(&at(9)), Lang::En).is_none());
        let s = extensions_used_up(&Facts::of(&at(10)), Lang::En).unwrap();
        assert!(s.statement.contains("can no longer be extended"), "{}", s.statement);
    }

    #[test]
    fn no_number_weighs_each_documented_cause() {
        let mut v = version(1, 100, true, None);
        v.order.raw["order_detail"]["delivery_info"]["delivery_product_info"][0]["deliver_type"] = 3.into();
        let ev = evidence(vec![v], vec![], vec![], vec![]);
        let s = no_number(&Facts::of(&ev), Lang::En).unwrap();
        let causes = &s.evidence[1..];
        assert_eq!(causes.len(), 5, "{causes:#?}");
        assert!(causes[0].starts_with("virtual goods") && causes[0].contains(": against — deliver_method 0"));
        assert!(causes[1].starts_with("shipped without logistics") && causes[1].contains(": for — deliver_type 3"));
        assert!(causes[2].starts_with("invalid buyer phone") && causes[2].contains("the data cannot tell"));
        assert!(causes[3].contains("never viewed or decoded") && causes[3].contains("the data cannot tell"));
        // with a number in any version, the rule says nothing
        assert!(no_number(&Facts::of(&seed(vec![], vec![])), Lang::En).is_none());
    }

    #[test]
    fn a_reported_push_is_weighed_as_a_report() {
        let note = |at| Note {
            id: 7,
            order_id: "1".into(),
            at,
            event: Some("channels_ec_order_ext_info_update".into()),
            kind: Some(5),
            text: "merchant says a type 5 push arrived".into(),
            recorded_at: 1_800_000_000,
        };
        let mut ev = seed(vec![], vec![]);
        ev.notes = vec![note(Some(SHIP + 2))];
        let s = &reported(&Facts::of(&ev), Lang::En)[0];
        assert!(s.statement.contains("is reported (a report, not an observation); none is stored"), "{}", s.statement);
        assert!(s.statement.contains("no push is stored for this span"), "{}", s.statement);
        assert!(s.evidence[0].starts_with("report #7"), "{:?}", s.evidence);
        // without a time, the order's whole span is checked
        ev.notes = vec![note(None)];
        let s = &reported(&Facts::of(&ev), Lang::En)[0];
        assert!(
            s.statement.starts_with("The push ext_info_update type 5 (time not reported) is reported"),
            "{}",
            s.statement
        );
        assert!(s.statement.contains("none is stored: no push is stored for this span"), "{}", s.statement);
        ev.notes = vec![note(Some(SHIP + 2))];
        // a stored push near the reported time agrees with it
        ev.pushes = vec![push(3, SHIP + 2, Some(5), "serve")];
        let s = &reported(&Facts::of(&ev), Lang::En)[0];
        assert!(s.statement.contains("agree with the report"), "{}", s.statement);
        assert_eq!(s.evidence.len(), 2);
    }

    #[test]
    fn a_type5_push_is_placed_against_shipment_and_clock_start() {
        let ev = seed(vec![push(3, SHIP + 2, Some(5), "demo")], vec![]);
        let out = type5_push(&Facts::of(&ev), Lang::En);
        assert_eq!(out.len(), 1);
        assert!(out[0].statement.contains("2 s after the shipment (14:21:26)"), "{}", out[0].statement);
        assert!(out[0].statement.contains("right at the shipment"), "{}", out[0].statement);
        assert!(out[0].demo, "a push the demo made up marks the statement");
    }

    #[test]
    fn rules_serialize_by_name() {
        assert_eq!(
            serde_json::to_value(Rule::NumberChangedBetweenSnapshots).unwrap(),
            "number_changed_between_snapshots"
        );
        assert_eq!(Rule::NoNumber.to_string(), "no_number");
        for r in Rule::HEADLINE_ORDER {
            assert_eq!(serde_json::to_value(r).unwrap(), r.name());
        }
    }
}

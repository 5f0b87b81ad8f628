//! What the order says about its number: none stored, none coming, used-up
//! extensions, a number older than the record.

use crate::model::Vnum;
use crate::model::names::Lang;

use super::super::finding::{Cite, Decider, Fact, Verdict};
use super::super::prose::*;
use super::*;

/// Only pushes are stored: the number cannot be judged.
pub fn no_snapshot(f: &Facts, lang: Lang) -> Option<Statement> {
    if !f.versions.is_empty() {
        return None;
    }
    let s = Statement::new(
        Rule::NoSnapshot,
        Verdict::CannotDecide,
        tr(
            lang,
            "没有存储该订单的 order/get 结果，无法判断虚拟号；只能看到推送。请获取一次订单详情（配置接口凭据后 orderscope show 订单号 --live，或 orderscope import 已保存的结果）。",
            "No order/get response is stored for this order, so its virtual number cannot be judged; only its pushes are known. Collect one: `orderscope show ORDER_ID --live` with API credentials, or `orderscope import` a saved response.",
        ),
        tr(lang, "只有推送，没有订单详情", "pushes only, no order/get response"),
    );
    Some(
        s.facts(f.pushes.iter().map(|p| push_fact(lang, p)))
            .decided_by(&[Decider::OrderRead])
            .cite(&[Cite::OrderGet])
            .demo(f.pushes.iter().any(|p| p.is_demo())),
    )
}

/// `deliver_method` 1: virtual goods, which the guide says get no number.
pub fn virtual_goods(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    (latest.order.deliver_method() == Some(1)).then(|| {
        Statement::new(
            Rule::VirtualGoods,
            Verdict::Shows,
            tr(
                lang,
                "这是虚拟发货订单（deliver_method 1），无需物流；服务指南说明虚拟号不对无需物流的商品开启。",
                "This order ships virtually (deliver_method 1), without logistics; the support guide says virtual numbers are not enabled for goods that need no logistics.",
            ),
            tr(lang, "虚拟发货：不分配虚拟号", "virtual goods: no virtual number"),
        )
        .facts([field_fact(format!("deliver_method 1 ({})", snap_ev(lang, latest)), latest)])
        .cite(&[Cite::SupportGuide, Cite::OrderGet])
        .demo(latest.is_demo())
    })
}

/// How one documented cause of "no number" weighs on this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    For,
    Against,
    /// The data cannot tell (also for a value the docs do not list).
    CannotTell,
}

impl Weight {
    fn words(self, lang: Lang) -> &'static str {
        match self {
            Weight::For => lang.text("支持", "for"),
            Weight::Against => lang.text("不支持", "against"),
            Weight::CannotTell => lang.text("数据无法判断", "the data cannot tell"),
        }
    }
}

/// One documented cause of "no number", with what the order says about it.
fn cause(lang: Lang, name: (&str, &str), weight: Weight, why: String) -> Fact {
    Fact::inferred(format!("{}{}{} — {why}", lang.text(name.0, name.1), lang.text("：", ": "), weight.words(lang)))
}

/// The documented causes of "no number", each weighed against the order.
fn causes(latest: &Version, lang: Lang) -> (Vec<Fact>, bool) {
    let o = &latest.order;
    let mut out = Vec::new();
    let mut decided = false;
    let method = o.deliver_method();
    // Only 0 and 1 are documented: any other value is no evidence either way.
    let w = match method {
        Some(1) => Weight::For,
        Some(0) => Weight::Against,
        _ => Weight::CannotTell,
    };
    decided |= w == Weight::For;
    let unknown = match (method, lang) {
        (Some(m), Lang::Zh) if !(0..=1).contains(&m) => format!("deliver_method {m}（文档未列出的值）"),
        (Some(m), Lang::En) if !(0..=1).contains(&m) => format!("deliver_method {m} (a value the docs do not list)"),
        (Some(m), _) => format!("deliver_method {m}"),
        (None, _) => tr(lang, "没有 deliver_method", "no deliver_method"),
    };
    out.push(cause(
        lang,
        (
            "虚拟商品（服务指南：无需物流的商品不开启虚拟号）",
            "virtual goods (the guide: no number for goods without logistics)",
        ),
        w,
        unknown,
    ));
    let packages = o.packages();
    let no_logistics = packages.iter().any(|p| p.deliver_type == Some(3));
    let w = if no_logistics {
        Weight::For
    } else if packages.is_empty() {
        Weight::CannotTell
    } else {
        Weight::Against
    };
    decided |= w == Weight::For;
    out.push(cause(
        lang,
        ("无需物流发货", "shipped without logistics"),
        w,
        if packages.is_empty() {
            tr(lang, "最新版本中没有包裹", "no parcel in the latest version")
        } else {
            let types: Vec<String> =
                packages.iter().map(|p| p.deliver_type.map(|t| t.to_string()).unwrap_or("-".into())).collect();
            format!("deliver_type {}", types.join(", "))
        },
    ));
    let vn = Vnum::of(o);
    let phone = vn.real_tel_number.as_deref().map(crate::text::mask_phone);
    let (w, why) = match (&phone, vn.phone_invalid()) {
        (Some(p), true) => (
            Weight::For,
            match lang {
                Lang::Zh => format!("手机号「{p}」不是 11 位"),
                Lang::En => format!("the phone \"{p}\" is not 11 digits"),
            },
        ),
        (Some(p), false) => (
            Weight::CannotTell,
            match lang {
                Lang::Zh => format!("手机号「{p}」是 11 位；是否空号，订单看不出"),
                Lang::En => {
                    format!("the phone \"{p}\" has 11 digits; whether it is a dead number the order does not show")
                }
            },
        ),
        (None, _) => (Weight::CannotTell, tr(lang, "没有手机号", "no phone in the order")),
    };
    decided |= w == Weight::For;
    out.push(cause(
        lang,
        (
            "买家手机号无效（服务指南：非 11 位、空号不生成虚拟号）",
            "invalid buyer phone (the guide: none for a number not of 11 digits, blank or dead)",
        ),
        w,
        why,
    ));
    let status = o.status();
    let w = match status {
        Some(10 | 250) => Weight::For,
        Some(200) | None => Weight::CannotTell,
        Some(_) => Weight::Against,
    };
    decided |= w == Weight::For;
    out.push(cause(
        lang,
        ("订单未支付，或在有人查看号码前取消", "the order never paid, or cancelled before anyone viewed the number"),
        w,
        format!("status {}", crate::model::names::status_label(status, lang)),
    ));
    out.push(cause(
        lang,
        (
            "订单未被解密（社区工作人员回答，未经官方确认）",
            "the order never decoded (a staff answer in the community, unconfirmed)",
        ),
        Weight::CannotTell,
        tr(lang, "订单不记录查看或解密", "the order does not record views or decodes"),
    ));
    out.push(cause(
        lang,
        ("店铺不在灰度范围（社区回答，未经确认）", "the shop outside the gray release (community answer, unconfirmed)"),
        Weight::CannotTell,
        tr(lang, "订单中没有相关字段", "no field in the order says"),
    ));
    (out, decided)
}

/// No number in any stored version: the documented causes, each weighed.
pub fn no_number(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let any_use = f.versions.iter().any(|v| Vnum::of(&v.order).use_tel_number == Some(1));
    if f.ever_number() || any_use {
        return None;
    }
    let (mut causes, decided) = causes(latest, lang);
    if latest.is_demo() {
        // Weighed on made-up fields, the weighing proves nothing either.
        causes.iter_mut().for_each(|c| c.provenance = crate::explain::Source::Demo);
    }
    let n = f.versions.len();
    let (all_zh, all_en) = if n == 1 {
        ("唯一存储的版本中".to_string(), "its only stored version".to_string())
    } else {
        (format!("全部 {n} 个存储的版本中都"), format!("all {n} stored versions"))
    };
    let last = when(latest.fetched_at);
    // The block can be there with only the masked real number.
    let block = latest.order.tel_ext().is_some();
    let (block_zh, block_en) = if block {
        ("tel_number_ext_info 中没有 virtual_tel_number", "tel_number_ext_info carries no virtual_tel_number")
    } else {
        ("也没有 tel_number_ext_info", "there is no tel_number_ext_info")
    };
    // A read long after shipping cannot show a number that lived and expired before it.
    let late = f.shipped_at.filter(|ship| f.versions.iter().all(|v| v.fetched_at > ship + 30 * DAY));
    let first_read = f.versions.first().map(|v| v.fetched_at).unwrap_or(latest.fetched_at);
    let late_words = match (late, lang) {
        (Some(ship), Lang::Zh) => format!(
            "注意：第一次读取在发货后 {}；号码过期后是否还留在订单中，文档没有说明，所以发货时是否有过号码，数据无法判断。",
            span(lang, first_read - ship)
        ),
        (Some(ship), Lang::En) => format!(
            " Caution: the first read came {} after shipping; whether an expired number stays in the order the docs do not say, so whether it had one at shipping the data cannot tell.",
            span(lang, first_read - ship)
        ),
        (None, _) => String::new(),
    };
    let text = match lang {
        Lang::Zh => format!(
            "{all_zh}没有虚拟号（use_tel_number 不为 1，{block_zh}；最后一次读取 {last}），所以存储的读取中没有可供 type 5 推送报告变更的号码。文档列出的无号码原因见下，各附支持或反对的证据{}。{late_words}",
            if decided { "" } else { "；数据本身不能说明是哪一个" }
        ),
        Lang::En => format!(
            "No stored version has a virtual number: use_tel_number is not 1 and {block_en} in {all_en} (last read {last}), so no stored read shows a number whose change a type 5 push would report. The documented reasons an order has no number are listed below, each with the evidence for or against it{}.{late_words}",
            if decided { "" } else { "; the data does not say which one applied" }
        ),
    };
    let mut decided_by = vec![Decider::PlatformSupport];
    if n == 1 || late.is_some() {
        decided_by.insert(0, Decider::LaterRead);
    }
    Some(
        Statement::new(
            Rule::NoNumber,
            if decided { Verdict::Shows } else { Verdict::CannotDecide },
            text,
            tr(lang, "任何存储的版本中都没有虚拟号", "no number in any stored version"),
        )
        .facts(f.versions.iter().map(|v| snap_fact(lang, v)))
        .facts(causes)
        .decided_by(if decided { &[] } else { &decided_by })
        .cite(&[Cite::SupportGuide, Cite::OrderGet, Cite::CommunityDecodeAnswer])
        .demo(f.versions.iter().all(|v| v.is_demo())),
    )
}

/// `use_tel_number` 1 without a number yet.
pub fn pending_number(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let vn = Vnum::of(&latest.order);
    if vn.use_tel_number != Some(1) || vn.number.is_some() {
        return None;
    }
    if vn.phone_invalid() {
        let phone = crate::text::mask_phone(vn.real_tel_number.as_deref().unwrap_or(""));
        return Some(
            Statement::new(
                Rule::PendingNumber,
                Verdict::Shows,
                match lang {
                    Lang::Zh => format!(
                        "use_tel_number 为 1，但买家手机号「{phone}」不是 11 位：服务指南说明联系电话无效（非 11 位、空号）时不生成虚拟号，所以不会有号码，也没有可供 type 5 报告的号码变更。"
                    ),
                    Lang::En => format!(
                        "use_tel_number is 1, but the buyer's phone \"{phone}\" is not 11 digits: the support guide says no virtual number is generated for an invalid contact number (not 11 digits, blank or dead), so none will come, and there is no number whose change a type 5 push would report."
                    ),
                },
                tr(lang, "手机号无效：不生成虚拟号", "invalid phone: no virtual number"),
            )
            .facts([snap_fact(lang, latest), field_fact(format!("real_tel_number {phone}"), latest)])
            .cite(&[Cite::SupportGuide])
            .demo(latest.is_demo()),
        );
    }
    Some(
        Statement::new(
            Rule::PendingNumber,
            Verdict::CannotDecide,
            tr(
                lang,
                "use_tel_number 为 1，但最新版本中没有虚拟号（tel_number_ext_info 里没有 virtual_tel_number）。社区的工作人员回答称号码在订单被解密后、且店铺在灰度范围内才出现（未经官方确认）；数据无法判断之后是否会出现，再读取一次订单可以判断。",
                "use_tel_number is 1 but the latest version has no virtual number (no virtual_tel_number in tel_number_ext_info). A staff answer in the community says the number appears only after the order is decoded and in gray-release shops (not confirmed officially); whether one will appear the data cannot tell, and a later read would decide it.",
            ),
            tr(lang, "use_tel_number 1，尚无号码", "use_tel_number 1, no number yet"),
        )
        .facts([snap_fact(lang, latest)])
        .decided_by(&[Decider::LaterRead])
        .cite(&[Cite::OrderGet, Cite::CommunityDecodeAnswer])
        .demo(latest.is_demo()),
    )
}

/// At the documented limit of extensions, the number cannot be extended again.
pub fn extensions_used_up(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let vn = Vnum::of(&latest.order);
    let used = vn.has_delay_times.filter(|d| *d >= MAX_EXTENSIONS)?;
    Some(
        Statement::new(
            Rule::ExtensionsUsedUp,
            Verdict::Shows,
            match lang {
                Lang::Zh => format!("has_delay_times 为 {used}：已达到服务指南规定的最多 {MAX_EXTENSIONS} 次延期，号码不能再延期。"),
                Lang::En => format!(
                    "has_delay_times is {used}: the support guide's limit of {MAX_EXTENSIONS} extensions is reached, so the number can no longer be extended."
                ),
            },
            tr(lang, "已延期 10 次，不能再延期", "extended 10×, no longer extendable"),
        )
        .facts([field_fact(format!("has_delay_times {used} ({})", snap_ev(lang, latest)), latest)])
        .cite(&[Cite::SupportGuide, Cite::DelayApi])
        .demo(latest.is_demo()),
    )
}

/// The number was already there in the first stored version.
pub fn number_before_first_record(f: &Facts, lang: Lang) -> Option<Statement> {
    let first = f.versions.first()?;
    let fv = Vnum::of(&first.order);
    let number = fv.number.as_ref()?;
    let before_everything = f.pushes.first().map(|p| p.received_at >= first.fetched_at).unwrap_or(true);
    let start = f.start_of(first);
    if start.map(|s| s >= first.fetched_at).unwrap_or(false) {
        return None;
    }
    let mut evidence = vec![field_fact(format!("{number} ({})", snap_ev(lang, first)), first)];
    evidence.extend(start.map(|s| clock_fact(lang, s)));
    let text = match (lang, before_everything) {
        (Lang::Zh, true) => "第一个存储的版本里已经有虚拟号：号码在任何记录之前就已存在，那时如有推送，也不在记录中。".to_string(),
        (Lang::Zh, false) => "第一个存储的版本里已经有虚拟号：号码在第一次获取订单之前就已存在。".to_string(),
        (Lang::En, true) => "The number was already there in the first stored version: it existed before anything was recorded, so a push sent then, if any, is not in the record.".to_string(),
        (Lang::En, false) => "The number was already there in the first stored version: it existed before the order was first fetched.".to_string(),
    };
    Some(
        Statement::new(
            Rule::NumberBeforeFirstRecord,
            Verdict::Shows,
            text,
            tr(lang, "第一次记录前号码已存在", "number existed before the first record"),
        )
        .facts(evidence)
        .cite(&[Cite::OrderGet])
        .demo(first.is_demo()),
    )
}

/// An open after-sale gets a virtual number of its own, which `order/get`
/// does not carry: the number above is not it.
pub fn aftersale_number(f: &Facts, lang: Lang) -> Option<Statement> {
    let latest = f.latest?;
    let open = latest.order.open_aftersales();
    (open > 0).then(|| {
        Statement::new(
            Rule::AftersaleNumber,
            Verdict::Shows,
            match lang {
                Lang::Zh => format!("订单有 {open} 个进行中的售后：售后单有自己的虚拟号（售后虚拟号接口：自售后开始起 30 天有效，不能延期，售后完成即失效），不在 order/get 中；这里的号码和到期时间只属于订单本身。"),
                Lang::En => format!("The order has {open} open after-sale(s): an after-sale has a virtual number of its own (the after-sale number API: valid 30 days from the after-sale's start, not extendable, gone when it completes), which order/get does not carry; the number and expiry here are the order's own."),
            },
            tr(lang, "售后单有自己的虚拟号", "the after-sale has its own number"),
        )
        .facts([field_fact(format!("aftersale_detail.on_aftersale_order_cnt {open} ({})", snap_ev(lang, latest)), latest)])
        .cite(&[Cite::AftersaleNumberApi, Cite::OrderGet])
        .demo(latest.is_demo())
    })
}

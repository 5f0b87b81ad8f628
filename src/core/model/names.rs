//! Chinese and English names for the platform's codes, from the official
//! documentation (see the README's "Sources").

/// Display language for names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The language of a locale (`LC_ALL`, `LC_MESSAGES` or `LANG`): `zh*`
    /// selects Chinese, any other English, none Chinese.
    pub fn of_locale(locale: Option<&str>) -> Lang {
        match locale {
            Some(v) if v.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            Some(_) => Lang::En,
            None => Lang::Zh,
        }
    }

    /// The text in this language, of a pair written out at the call site.
    pub fn text<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn pick(self, name: &Name) -> &'static str {
        match self {
            Lang::Zh => name.zh,
            Lang::En => name.en,
        }
    }
}

/// A code's name in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    pub zh: &'static str,
    pub en: &'static str,
}

const fn n(zh: &'static str, en: &'static str) -> Name {
    Name { zh, en }
}

/// `order.status` (wechat-channels.md §2.3).
pub fn status(code: i64) -> Option<Name> {
    Some(match code {
        10 => n("待付款", "awaiting payment"),
        12 => n("礼物待收下", "gift to accept"),
        13 => n("凑单买凑团中", "group buy forming"),
        20 => n("待发货", "to ship"),
        21 => n("部分发货", "partly shipped"),
        30 => n("待收货", "shipped"),
        100 => n("完成", "completed"),
        200 => n("售后取消", "cancelled by after-sale"),
        250 => n("已取消", "cancelled"),
        _ => return None,
    })
}

/// A status as "20 待发货" style text; unknown codes stay numbers.
pub fn status_label(code: Option<i64>, lang: Lang) -> String {
    match code {
        Some(c) => match status(c) {
            Some(name) => lang.pick(&name).to_string(),
            None => format!("status {c}"),
        },
        None => lang.text("未知", "unknown").into(),
    }
}

/// The status of a listed order: an order only pushes have told of (no
/// version stored) says so, in full or (`short`, for the list's column) in
/// a word.
pub fn row_status_label(code: Option<i64>, snapshots: i64, short: bool, lang: Lang) -> String {
    match (code, snapshots, short) {
        (None, 0, false) => lang.text("未知（仅收到推送）", "unknown (pushes only)").into(),
        (None, 0, true) => lang.text("仅推送", "unknown").into(),
        _ => status_label(code, lang),
    }
}

/// Every event [`event`] names, so a name in either language can be looked
/// up the other way (the filter's `evt:订单发货`).
pub const EVENTS: &[&str] = &[
    "channels_ec_order_new",
    "channels_ec_order_cancel",
    "channels_ec_order_pay",
    "channels_ec_order_wait_shipping",
    "channels_ec_order_deliver",
    "channels_ec_order_confirm",
    "channels_ec_order_settle",
    "channels_ec_order_ext_info_update",
    "channels_ec_aftersale_update",
    "channels_ec_present_aftersale_update",
    "ewaybill_push_path",
    "channels_ec_phonenumberpool_update",
];

/// Order and after-sale push events (wechat-channels.md §4.4).
pub fn event(name: &str) -> Option<Name> {
    Some(match name {
        "channels_ec_order_new" => n("订单下单", "order placed"),
        "channels_ec_order_cancel" => n("订单取消", "order cancelled"),
        "channels_ec_order_pay" => n("订单支付成功", "order paid"),
        "channels_ec_order_wait_shipping" => n("订单待发货", "waiting to ship"),
        "channels_ec_order_deliver" => n("订单发货", "order shipped"),
        "channels_ec_order_confirm" => n("订单确认收货", "receipt confirmed"),
        "channels_ec_order_settle" => n("订单结算成功", "order settled"),
        "channels_ec_order_ext_info_update" => n("订单其他信息更新", "order extra info updated"),
        "channels_ec_aftersale_update" => n("售后单更新", "after-sale updated"),
        "channels_ec_present_aftersale_update" => n("礼物单售后更新", "gift after-sale updated"),
        "ewaybill_push_path" => n("电子面单轨迹", "e-waybill tracking"),
        "channels_ec_phonenumberpool_update" => n("号码池更新", "number pool updated"),
        _ => return None,
    })
}

/// Is this push `channels_ec_order_ext_info_update` with `type` 5 (the
/// virtual number changed)?
pub fn is_type5(event: &str, kind: Option<i64>) -> bool {
    event == "channels_ec_order_ext_info_update" && kind == Some(5)
}

/// The event name without the common `channels_ec_order_` prefix, for narrow columns.
pub fn event_short(name: &str) -> &str {
    name.strip_prefix("channels_ec_order_").or_else(|| name.strip_prefix("channels_ec_")).unwrap_or(name)
}

/// `channels_ec_order_ext_info_update.type`, 1-23 (wechat-channels.md §4.4).
pub fn ext_info_type(t: i64) -> Option<Name> {
    Some(match t {
        1 => n("联盟佣金信息", "affiliate commission info"),
        2 => n("商家修改地址或通过改址申请", "address changed by merchant or approved"),
        3 => n("商家备注修改", "merchant note changed"),
        4 => n("用户申请修改收货地址", "buyer asked to change address"),
        5 => n("虚拟号码信息更新", "virtual number info updated"),
        6 => n("分享员信息更新", "sharer info updated"),
        7 => n("用户催发货", "buyer asked to ship faster"),
        8 => n("商家修改礼物单备注", "gift note changed"),
        9 => n("用户申请发货前更换sku", "buyer asked to change SKU"),
        10 => n("商家同意发货前更换sku", "merchant approved SKU change"),
        11 => n("用户收礼时更换sku", "SKU changed on gift acceptance"),
        12 => n("商家修改订单价格", "merchant changed price"),
        13 => n("真实号审核结果", "real-number review result"),
        14 => n("分配代发", "assigned to drop-shipper"),
        15 => n("取消代发", "drop-ship cancelled"),
        16 => n("买家同意修改，按新地址发货", "buyer accepted new address"),
        17 => n("买家拒绝修改，按原地址发货", "buyer refused new address"),
        18 => n("买家超时未确认，修改申请失效", "address change expired"),
        19 => n("买家已主动修改地址", "buyer changed address"),
        20 => n("订单已发货，修改申请失效", "shipped; change request void"),
        21 => n("用户同意发货协商", "buyer accepted shipping negotiation"),
        22 => n("用户拒绝发货协商", "buyer refused shipping negotiation"),
        23 => n("发货协商超时", "shipping negotiation timed out"),
        _ => return None,
    })
}

/// The meaning of a push in the chosen language: the ext_info type's name
/// when there is one, else the event's, else nothing (unknown events are shown
/// by their raw name).
pub fn push_meaning(event_name: &str, kind: Option<i64>, lang: Lang) -> String {
    if event_name == "channels_ec_order_ext_info_update"
        && let Some(t) = kind
    {
        return match ext_info_type(t) {
            Some(name) => lang.pick(&name).to_string(),
            None => match lang {
                Lang::Zh => format!("未知类型 {t}"),
                Lang::En => format!("unknown type {t}"),
            },
        };
    }
    match event(event_name) {
        Some(name) => lang.pick(&name).to_string(),
        None => match lang {
            Lang::Zh => "未知事件".into(),
            Lang::En => "unknown event".into(),
        },
    }
}

/// `channels_ec_order_cancel.cancel_type` (wechat-channels.md §4.4; 4 is
/// WxJava's only, unconfirmed officially).
pub fn cancel_type(code: i64) -> Option<Name> {
    Some(match code {
        1 => n("用户取消", "cancelled by the buyer"),
        2 => n("超时取消", "cancelled on timeout"),
        3 => n("全部商品售后完成，订单取消", "cancelled after all items went through after-sale"),
        4 => n("超卖商家取消订单（未经官方确认）", "cancelled by the merchant for overselling (unconfirmed)"),
        _ => return None,
    })
}

/// `channels_ec_order_confirm.confirm_type` (WxJava; not confirmed officially).
pub fn confirm_type(code: i64) -> Option<Name> {
    Some(match code {
        1 => n("用户确认收货", "receipt confirmed by the buyer"),
        2 => n("超时自动确认收货", "receipt confirmed automatically on timeout"),
        _ => return None,
    })
}

/// `channels_ec_order_deliver.finish_delivery`.
pub fn finish_delivery(code: i64) -> Option<Name> {
    Some(match code {
        0 => n("尚未全部发货", "not all items shipped yet"),
        1 => n("全部商品发货完成", "all items shipped"),
        _ => return None,
    })
}

/// The after-sale `status` strings of `channels_ec_aftersale_update`
/// (the platform spells `USER_CANCELD` so).
pub fn aftersale_status(status: &str) -> Option<Name> {
    Some(match status {
        "USER_CANCELD" => n("用户取消申请", "buyer withdrew the request"),
        "MERCHANT_PROCESSING" => n("商家受理中", "merchant processing"),
        "MERCHANT_REJECT_REFUND" => n("商家拒绝退款", "merchant refused the refund"),
        "MERCHANT_REJECT_RETURN" => n("商家拒绝退货退款", "merchant refused the return"),
        "USER_WAIT_RETURN" => n("待买家退货", "waiting for the buyer to return the goods"),
        "RETURN_CLOSED" => n("退货退款关闭", "return closed"),
        "MERCHANT_WAIT_RECEIPT" => n("待商家收货", "waiting for the merchant to receive the return"),
        "MERCHANT_OVERDUE_REFUND" => n("商家逾期未退款", "merchant's refund overdue"),
        "MERCHANT_REFUND_SUCCESS" => n("退款完成", "refunded"),
        "MERCHANT_RETURN_SUCCESS" => n("退货退款完成", "returned and refunded"),
        "PLATFORM_REFUNDING" => n("平台退款中", "platform refunding"),
        _ => return None,
    })
}

/// The fields of a push a support person asks about, named: `cancel_type`,
/// `confirm_type`, `finish_delivery`, an after-sale's `status`. Unknown
/// codes stay visible as they are.
pub fn push_details(payload: &serde_json::Value, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let info = payload.get("order_info");
    let code = |k: &str| info.and_then(|i| i.get(k)).and_then(crate::json::as_i64);
    let named = |field: &str, c: i64, name: Option<Name>| match name {
        Some(name) => format!("{field} {c} {}", lang.pick(&name)),
        None => format!("{field} {c}"),
    };
    if let Some(c) = code("cancel_type") {
        out.push(named("cancel_type", c, cancel_type(c)));
    }
    if let Some(c) = code("confirm_type") {
        out.push(named("confirm_type", c, confirm_type(c)));
    }
    if let Some(c) = code("finish_delivery") {
        out.push(named("finish_delivery", c, finish_delivery(c)));
    }
    for key in ["finder_shop_aftersale_status_update", "finder_shop_present_aftersale_status_update"] {
        if let Some(status) = payload.get(key).and_then(|a| a.get("status")).and_then(|s| s.as_str()) {
            out.push(match aftersale_status(status) {
                Some(name) => format!("status {status} {}", lang.pick(&name)),
                None => format!("status {status}"),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_picks_the_language() {
        assert_eq!(Lang::of_locale(Some("zh_CN.UTF-8")), Lang::Zh);
        assert_eq!(Lang::of_locale(Some("en_US.UTF-8")), Lang::En);
        assert_eq!(Lang::of_locale(Some("C.UTF-8")), Lang::En);
        assert_eq!(Lang::of_locale(None), Lang::Zh);
    }

    #[test]
    fn every_listed_event_has_a_name() {
        for e in EVENTS {
            assert!(event(e).is_some(), "{e}");
        }
    }

    #[test]
    fn every_documented_ext_info_type_has_names() {
        for t in 1..=23 {
            let name = ext_info_type(t).unwrap_or_else(|| panic!("type {t}"));
            assert!(!name.zh.is_empty() && !name.en.is_empty());
        }
        assert!(ext_info_type(24).is_none());
        assert_eq!(ext_info_type(5).unwrap().zh, "虚拟号码信息更新");
    }

    #[test]
    fn unknown_codes_are_kept_visible() {
        assert_eq!(status_label(Some(190), Lang::En), "status 190");
        assert_eq!(push_meaning("channels_ec_order_ext_info_update", Some(42), Lang::En), "unknown type 42");
        assert_eq!(push_meaning("something_new", None, Lang::Zh), "未知事件");
    }

    #[test]
    fn push_fields_are_named_in_both_languages() {
        let cancel =
            serde_json::json!({"Event": "channels_ec_order_cancel", "order_info": {"order_id": 1, "cancel_type": 3}});
        assert_eq!(
            push_details(&cancel, Lang::En),
            ["cancel_type 3 cancelled after all items went through after-sale"]
        );
        assert_eq!(push_details(&cancel, Lang::Zh), ["cancel_type 3 全部商品售后完成，订单取消"]);
        let confirm = serde_json::json!({"order_info": {"confirm_type": "2"}});
        assert_eq!(push_details(&confirm, Lang::En), ["confirm_type 2 receipt confirmed automatically on timeout"]);
        let deliver = serde_json::json!({"order_info": {"finish_delivery": 0}});
        assert_eq!(push_details(&deliver, Lang::Zh), ["finish_delivery 0 尚未全部发货"]);
        let after = serde_json::json!({"finder_shop_aftersale_status_update": {"status": "USER_WAIT_RETURN"}});
        assert_eq!(
            push_details(&after, Lang::En),
            ["status USER_WAIT_RETURN waiting for the buyer to return the goods"]
        );
        let unknown = serde_json::json!({"order_info": {"cancel_type": 9}, "finder_shop_aftersale_status_update": {"status": "NEW_ONE"}});
        assert_eq!(push_details(&unknown, Lang::En), ["cancel_type 9", "status NEW_ONE"]);
        for s in [
            "USER_CANCELD",
            "MERCHANT_PROCESSING",
            "MERCHANT_REJECT_REFUND",
            "MERCHANT_REJECT_RETURN",
            "USER_WAIT_RETURN",
            "RETURN_CLOSED",
            "MERCHANT_WAIT_RECEIPT",
            "MERCHANT_OVERDUE_REFUND",
            "MERCHANT_REFUND_SUCCESS",
            "MERCHANT_RETURN_SUCCESS",
            "PLATFORM_REFUNDING",
        ] {
            assert!(aftersale_status(s).is_some(), "{s}");
        }
    }

    #[test]
    fn every_order_status_is_named() {
        for c in [10, 12, 13, 20, 21, 30, 100, 200, 250] {
            assert!(status(c).is_some(), "{c}");
        }
    }
}

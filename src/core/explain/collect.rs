//! What to collect about an order the store knows too little about: what
//! platform support asked for in the seed thread (wechat-channels.md §12),
//! each item with the command that brings it in.

use crate::model::names::Lang;

/// What the store lacks about the order, said in the user's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// Only pushes or notes are stored, no `order/get` response.
    NoVersion,
    /// Nothing is stored and no shop API is configured to fetch it.
    NotStoredNoApi,
    /// Nothing is stored and the shop API refused or failed (its error, as said).
    NotStoredFetchFailed(String),
}

impl Missing {
    fn words(&self, lang: Lang) -> String {
        match self {
            Missing::NoVersion => lang
                .text(
                    "只存有推送或备注，没有 order/get 结果",
                    "only pushes or notes are stored for it, no order/get response",
                )
                .to_string(),
            Missing::NotStoredNoApi => lang
                .text(
                    "不在存储中，也没有配置店铺接口凭据来获取它",
                    "not in the store, and no shop API credentials are configured to fetch it",
                )
                .to_string(),
            Missing::NotStoredFetchFailed(e) => match lang {
                Lang::Zh => format!("不在存储中，店铺接口也未能获取它（{e}）"),
                Lang::En => format!("not in the store, and the shop API could not fetch it ({e})"),
            },
        }
    }
}

/// One line per item, in the user's language; `missing` says what is missing.
pub fn what_to_collect(order_id: &str, missing: &Missing, lang: Lang) -> String {
    let why = missing.words(lang);
    let items: [(&str, &str); 6] = [
        (
            "发货前后的 order/get 原始结果（含 errcode/errmsg；只有一次当前读取也可以，到期时间仍能推算计时开始），以及每次调用的时间（精确到秒）：orderscope import --fetched-at \"2025-12-02 10:26:44\" RESPONSE.json",
            "its raw order/get responses from before and after shipping, errcode/errmsg included (one current read also helps: the expiry still dates the clock start), and the time of each call to the second: orderscope import --fetched-at \"2025-12-02 10:26:44\" RESPONSE.json",
        ),
        (
            "该订单的推送日志，每条带 CreateTime 和收到时间：orderscope import PUSHES.jsonl（每行 {\"received_at\":…,\"message\":{…}}）",
            "the push log for it, each push with its CreateTime and its receipt time: orderscope import PUSHES.jsonl (one {\"received_at\":…,\"message\":{…}} per line)",
        ),
        (
            "推送接收器的运行时段（orderscope serve 会自动记录；其他接收器的记录：orderscope import PERIODS.jsonl，每行 {\"started_at\",\"last_seen\",\"stopped_at\"}）",
            "when the push receiver was up (orderscope serve records it; another receiver's log: orderscope import PERIODS.jsonl, one {\"started_at\",\"last_seen\",\"stopped_at\"} per line)",
        ),
        (
            "店铺或服务商的 AppID，以及完整的请求参数（平台客服会要求）",
            "the AppID of the shop or service provider, and the full request parameters (platform support asks for both)",
        ),
        (
            "商家报告的事实（例如“发货后收到 type 5”）：orderscope note 订单号 \"…\" --at \"时间\" --event ext_info_update --type 5",
            "what the merchant reports (e.g. \"a type 5 push after shipping\"): orderscope note ORDER_ID \"…\" --at \"TIME\" --event ext_info_update --type 5",
        ),
        (
            "或者配置店铺接口（ORDERSCOPE_APPID 和 ORDERSCOPE_APPSECRET，或配置文件中的 appid/appsecret）后重试：它会自己获取订单",
            "or configure the shop API (ORDERSCOPE_APPID and ORDERSCOPE_APPSECRET, or appid/appsecret in the config file) and rerun: it fetches the order itself",
        ),
    ];
    let mut out = match lang {
        Lang::Zh => format!("订单 {order_id}：{why}。要回答这个订单的问题，请收集：\n"),
        Lang::En => format!("order {order_id}: {why}. To answer about it, collect:\n"),
    };
    for (zh, en) in items {
        out.push_str("  - ");
        out.push_str(lang.text(zh, en));
        out.push('\n');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_is_its_own_line_with_its_command_in_both_languages() {
        for lang in [Lang::En, Lang::Zh] {
            let text = what_to_collect("42", &Missing::NoVersion, lang);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 7, "{text}");
            assert!(lines[1..].iter().all(|l| l.starts_with("  - ")), "{text}");
            assert!(text.contains("orderscope import --fetched-at"), "{text}");
            assert!(text.contains("CreateTime") && text.contains("errcode/errmsg") && text.contains("AppID"), "{text}");
            assert!(!text.contains('␊'));
        }
        let zh = what_to_collect("42", &Missing::NotStoredNoApi, Lang::Zh);
        assert!(zh.contains("精确到秒") && zh.contains("不在存储中"), "{zh}");
        assert!(!zh.contains("not in the store"), "{zh}");
        let en = what_to_collect("42", &Missing::NotStoredFetchFailed("errcode 40001".into()), Lang::En);
        assert!(en.contains("could not fetch it (errcode 40001)"), "{en}");
    }
}

//! What one rule concludes, as a type: how strongly (`shows`, `suggests`,
//! `cannot_decide`), what would decide it when the data cannot, the facts it
//! rests on (each with its provenance) and the sources that state the rule
//! it applies. The sentences are a rendering of that; `--json` carries both.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::model::names::Lang;

use super::{Ref, Source};

/// How strongly the data carries a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Read off observed fields or pushes, or a documented rule applied to them.
    Shows,
    /// Inferred by a documented rule that may not hold here, or resting on an
    /// unconfirmed source: a hypothesis, worded as one.
    Suggests,
    /// The data does not decide it; `decided_by` names what would.
    CannotDecide,
}

impl Verdict {
    /// `[shows]`, `［数据显示］`: the verdict as the mark in front of a sentence.
    pub fn mark(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("［{}］", self.label(lang)),
            Lang::En => format!("[{}] ", self.label(lang)),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Verdict::Shows => lang.text("数据显示", "shows"),
            Verdict::Suggests => lang.text("推断", "suggests"),
            Verdict::CannotDecide => lang.text("无法判断", "cannot decide"),
        }
    }
}

/// What would decide a finding the data cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// One `order/get` read of the order.
    OrderRead,
    /// A later `order/get` read.
    LaterRead,
    /// The push log for the span, with each push's CreateTime and receipt time.
    PushLog,
    /// When the push receiver was up over the span.
    ReceiverPeriods,
    /// Time: the platform's retries for the span are still due.
    PendingRetries,
    /// Platform support, who can see what the platform did.
    PlatformSupport,
    /// The receiver processing the pushes it has stored and not yet processed.
    Processing,
}

impl Decider {
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Decider::OrderRead => lang.text("一次 order/get 读取", "one order/get read"),
            Decider::LaterRead => lang.text("之后再读取一次订单", "a later read of the order"),
            Decider::PushLog => lang.text(
                "该时段的推送日志（含 CreateTime 与收到时间）",
                "the push log for the span (CreateTime and receipt time)",
            ),
            Decider::ReceiverPeriods => lang.text("接收器在该时段的运行记录", "when the receiver was up over the span"),
            Decider::PendingRetries => lang.text("等待平台剩余的重试", "waiting for the platform's remaining retries"),
            Decider::Processing => {
                lang.text("接收器处理完已存储的推送", "the receiver processing the pushes it has stored")
            }
            Decider::PlatformSupport => {
                lang.text("平台客服（能看到平台一侧的记录）", "platform support (who see the platform's side)")
            }
        }
    }
}

/// A source that states a rule the explanation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cite {
    /// 微信小店【虚拟号码】服务指南 (official support guide).
    SupportGuide,
    /// The order-callback pages: the 5 s answer limit and the retry schedule.
    OrderCallback,
    /// The ext_info_update event page: what each `type` means.
    ExtInfoEvent,
    /// `virtualnumber/delay`: extension only in the last 7 days.
    DelayApi,
    /// `virtualnumber/applyagain`: once, after expiry; validity undocumented.
    ApplyAgainApi,
    /// The deprecated `virtualtelnumber/get`: exchanged numbers last 3 days.
    ExchangeApi,
    /// `aftersale/applyvirtualtelnum`: the after-sale's own number.
    AftersaleNumberApi,
    /// `order/get`: the fields read.
    OrderGet,
    /// A staff answer in the developer community (unconfirmed officially).
    CommunityDecodeAnswer,
    /// What `ewaybill_order_code` is: a staff answer, and the SDKs that
    /// define it (WxJava, SKIT, smartwalle).
    EwaybillSdks,
    /// The forum thread asking why type 5 came for one order and not another.
    Type5Thread,
}

impl Cite {
    pub fn id(self) -> &'static str {
        match self {
            Cite::SupportGuide => "support_guide",
            Cite::OrderCallback => "order_callback",
            Cite::ExtInfoEvent => "ext_info_event",
            Cite::DelayApi => "delay_api",
            Cite::ApplyAgainApi => "apply_again_api",
            Cite::ExchangeApi => "exchange_api",
            Cite::AftersaleNumberApi => "aftersale_number_api",
            Cite::OrderGet => "order_get",
            Cite::CommunityDecodeAnswer => "community_decode_answer",
            Cite::EwaybillSdks => "ewaybill_sdks",
            Cite::Type5Thread => "type5_thread",
        }
    }

    pub fn url(self) -> &'static str {
        match self {
            Cite::SupportGuide => {
                "https://support.weixin.qq.com/cgi-bin/mmsupportacctnodeweb-bin/pages/EQBKa4AIver3UPux"
            }
            Cite::OrderCallback | Cite::ExtInfoEvent => {
                "https://developers.weixin.qq.com/doc/store/API/order/callback/channels_ec_order_ext_info.html"
            }
            Cite::DelayApi => {
                "https://developers.weixin.qq.com/doc/store/shop/API/channels-shop-order/api_delayvirtualnumber"
            }
            Cite::ApplyAgainApi => {
                "https://developers.weixin.qq.com/doc/store/shop/API/channels-shop-order/api_applyvirtualnumberagain"
            }
            Cite::ExchangeApi => "https://developers.weixin.qq.com/doc/store/API/order/virtualtelnumber_get.html",
            Cite::AftersaleNumberApi => {
                "https://developers.weixin.qq.com/doc/store/shop/API/channels-shop-aftersale/api_applyvirtualtelnum"
            }
            Cite::OrderGet => "https://developers.weixin.qq.com/doc/store/API/order/get",
            Cite::CommunityDecodeAnswer => {
                "https://developers.weixin.qq.com/community/minihome/doc/0006ae786549c8579682a8bbe61400"
            }
            Cite::EwaybillSdks => {
                "https://developers.weixin.qq.com/community/develop/doc/000884d43e83c836ddd208df666c00"
            }
            Cite::Type5Thread => {
                "https://developers.weixin.qq.com/community/minihome/doc/00080e30f0c05085f544ea67d63400"
            }
        }
    }

    /// Official documentation, as opposed to a community answer or an SDK.
    pub fn official(self) -> bool {
        !matches!(self, Cite::CommunityDecodeAnswer | Cite::EwaybillSdks | Cite::Type5Thread)
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Cite::SupportGuide => lang.text("微信小店【虚拟号码】服务指南", "the virtual-number support guide"),
            Cite::OrderCallback => {
                lang.text("订单回调文档（5 秒应答、重试规则）", "the order-callback docs (5 s answer, retries)")
            }
            Cite::ExtInfoEvent => lang.text("订单其他信息更新事件文档", "the ext_info_update event docs"),
            Cite::DelayApi => lang.text("虚拟号延期接口文档", "the virtual-number extension API docs"),
            Cite::ApplyAgainApi => lang.text("虚拟号重新申请接口文档", "the virtual-number re-apply API docs"),
            Cite::ExchangeApi => {
                lang.text("虚拟号兑换接口文档（已下线）", "the virtual-number exchange API docs (retired)")
            }
            Cite::AftersaleNumberApi => lang.text("售后虚拟号接口文档", "the after-sale virtual-number API docs"),
            Cite::OrderGet => lang.text("获取订单详情接口文档", "the order/get API docs"),
            Cite::CommunityDecodeAnswer => lang.text(
                "社区工作人员回答（未经官方文档确认）",
                "a staff answer in the community (not in the official docs)",
            ),
            Cite::EwaybillSdks => lang.text(
                "社区工作人员回答及 WxJava、SKIT、smartwalle 的字段定义",
                "a staff answer and the field definitions of WxJava, SKIT and smartwalle",
            ),
            Cite::Type5Thread => lang.text(
                "社区提问：type 5 推送（官方回答未存档）",
                "the community thread on type 5 (no official answer kept)",
            ),
        }
    }
}

impl Serialize for Cite {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Cite", 3)?;
        st.serialize_field("id", self.id())?;
        st.serialize_field("url", self.url())?;
        st.serialize_field("official", &self.official())?;
        st.end()
    }
}

/// One fact a finding rests on, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub provenance: Source,
    pub text: String,
    /// The stored version, push or note it was read from.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
}

impl Fact {
    pub fn new(provenance: Source, text: String) -> Fact {
        Fact { provenance, text, reference: None }
    }

    pub fn observed(text: String, demo: bool) -> Fact {
        Fact::new(if demo { Source::Demo } else { Source::Observed }, text)
    }

    pub fn inferred(text: String) -> Fact {
        Fact::new(Source::Inferred, text)
    }

    pub fn at(mut self, reference: Ref) -> Fact {
        self.reference = Some(reference);
        self
    }
}

impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// One finding of the explanation: the typed conclusion and its sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub rule: super::Rule,
    pub verdict: Verdict,
    /// What would decide it, when the verdict is `cannot_decide` (or a
    /// suggestion a read could confirm).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decided_by: Vec<Decider>,
    pub statement: String,
    /// The statement in a few words, for one line of the screen.
    pub short: String,
    pub evidence: Vec<Fact>,
    /// The sources stating the rules applied.
    pub sources: Vec<Cite>,
    /// Rests on data the demo made up (shown with a demo mark).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

impl Statement {
    /// The statement with Chinese punctuation in Chinese text (the rules
    /// write their sentences from parts; this is done once, at the end).
    pub fn punctuated(mut self, lang: Lang) -> Statement {
        if lang == Lang::Zh {
            self.statement = crate::text::zh_punctuation(&self.statement);
            self.short = crate::text::zh_punctuation(&self.short);
            for fact in &mut self.evidence {
                fact.text = crate::text::zh_punctuation(&fact.text);
            }
        }
        self
    }

    pub fn new(rule: super::Rule, verdict: Verdict, statement: String, short: String) -> Statement {
        Statement {
            rule,
            verdict,
            decided_by: Vec::new(),
            statement,
            short,
            evidence: Vec::new(),
            sources: Vec::new(),
            demo: false,
        }
    }

    pub fn facts(mut self, facts: impl IntoIterator<Item = Fact>) -> Statement {
        self.evidence.extend(facts);
        self
    }

    pub fn cite(mut self, sources: &[Cite]) -> Statement {
        for c in sources {
            if !self.sources.contains(c) {
                self.sources.push(*c);
            }
        }
        self
    }

    pub fn decided_by(mut self, by: &[Decider]) -> Statement {
        self.decided_by.extend_from_slice(by);
        self
    }

    pub fn demo(mut self, demo: bool) -> Statement {
        self.demo = demo;
        self
    }

    /// The sources, named for a reader: "the support guide (URL)".
    pub fn source_words(&self, lang: Lang) -> Vec<String> {
        self.sources.iter().map(|c| format!("{} {}", c.title(lang), c.url())).collect()
    }

    /// What would decide it, as a clause ("" when nothing is missing).
    pub fn decider_words(&self, lang: Lang) -> String {
        let parts: Vec<&str> = self.decided_by.iter().map(|d| d.words(lang)).collect();
        parts.join(lang.text("；", "; "))
    }

    /// The statement with its verdict in front, as the text and Markdown
    /// renderings print it.
    pub fn headline(&self, lang: Lang) -> String {
        let mark = if self.demo { lang.text("［演示数据］", "[demo data] ") } else { "" };
        format!("{}{mark}{}", self.verdict.mark(lang), self.statement)
    }

    /// The lines under the statement: each fact with its provenance, what
    /// would decide it, and the sources of the rules applied.
    pub fn detail_lines(&self, lang: Lang) -> Vec<String> {
        let mut out: Vec<String> =
            self.evidence.iter().map(|e| format!("({}) {}", e.provenance.label(lang), e.text)).collect();
        if !self.decided_by.is_empty() {
            out.push(format!("{}{}", lang.text("可判断的依据：", "would decide it: "), self.decider_words(lang)));
        }
        if !self.sources.is_empty() {
            out.push(format!(
                "{}{}",
                lang.text("来源：", "sources: "),
                self.source_words(lang).join(lang.text("；", "; "))
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_serializes_its_typed_parts_beside_its_sentence() {
        let s = Statement::new(super::super::Rule::NoType5Push, Verdict::CannotDecide, "s".into(), "short".into())
            .facts([Fact::observed("push".into(), true).at(Ref::Message(4))])
            .cite(&[Cite::OrderCallback, Cite::OrderCallback])
            .decided_by(&[Decider::PushLog]);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["verdict"], "cannot_decide");
        assert_eq!(v["decided_by"][0], "push_log");
        assert_eq!(v["evidence"][0]["provenance"], "demo");
        assert_eq!(v["evidence"][0]["ref"]["type"], "message");
        assert_eq!(v["sources"].as_array().unwrap().len(), 1, "a source is cited once");
        assert_eq!(v["sources"][0]["id"], "order_callback");
        assert_eq!(v["sources"][0]["official"], true);
        assert!(!Cite::CommunityDecodeAnswer.official());
    }
}

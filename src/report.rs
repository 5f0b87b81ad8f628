//! `orderscope report`: Markdown evidence for a support ticket or a forum
//! post. Contact numbers appear only masked, as the platform masks them: a
//! number the platform sent unmasked (after an approved real-number request)
//! is masked here before it can be pasted anywhere. The virtual number is the
//! platform's own relay number and is shown as given.

use std::fmt::Write;

use serde_json::Value;

use crate::explain::Story;
use crate::json::short;
use crate::model::names::{self, Lang};
use crate::model::{Order, Vnum};
use crate::store::MessageRow;
use crate::text::{is_phone_field, mask_phone, visible};
use crate::timefmt;
use crate::version_pair::{Version, pick_pair};

/// A value for a Markdown table cell: visible, one line, pipes escaped.
fn cell(s: &str) -> String {
    visible(s).replace('|', "\\|")
}

fn value_cell(path: &str, v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(v) => {
            let text = match v {
                Value::Object(_) | Value::Array(_) => v.to_string(),
                other => short(other),
            };
            let text = if is_phone_field(path) { mask_phone(&text) } else { text };
            format!("`{}`", cell(&text).replace('`', "'"))
        }
    }
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.text(zh, en)
}

/// Masks contact numbers anywhere inside a JSON value (for nested added blocks).
fn mask_json(path: &str, v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, child)| (k.clone(), mask_json(&format!("{path}/{k}"), child))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|c| mask_json(path, c)).collect()),
        Value::String(s) if is_phone_field(path) => Value::String(mask_phone(s)),
        other => other.clone(),
    }
}

pub fn markdown(
    order_id: &str,
    versions: &[Version],
    messages: &[MessageRow],
    story: &Story,
    lang: Lang,
    now: i64,
) -> String {
    let mut md = String::new();
    let pair = pick_pair(versions);
    let latest: Option<&Order> = pair.after.as_ref().or(pair.before.as_ref()).map(|v| &v.order);
    let ts = |t: Option<i64>| t.map(timefmt::full_tz).unwrap_or_else(|| "-".into());
    let _ = writeln!(md, "# {} {order_id}\n", t(lang, "订单", "Order"));
    let demo_versions = versions.iter().filter(|v| v.is_demo()).count();
    let demo_pushes = messages.iter().filter(|m| m.source.is_demo()).count();
    if demo_versions + demo_pushes > 0 {
        let _ = writeln!(
            md,
            "> **{}**\n",
            match lang {
                Lang::Zh => format!(
                    "含演示数据：{demo_versions} 个订单版本和 {demo_pushes} 条推送是 orderscope 演示编造的，不是证据；标记为“演示”的行不可作为依据。"
                ),
                Lang::En => format!(
                    "Contains demo data: {demo_versions} versions and {demo_pushes} pushes were made up by the orderscope demo and are not evidence; rows marked demo prove nothing."
                ),
            }
        );
    }
    let _ = writeln!(md, "| | |\n|---|---|");
    if let Some(o) = latest {
        let status = o.status().map(|s| format!("{s} {}", names::status_label(Some(s), lang))).unwrap_or("-".into());
        let _ = writeln!(md, "| {} | {} |", t(lang, "状态", "status"), cell(&status));
        let _ = writeln!(md, "| {} | {} |", t(lang, "下单", "created"), ts(o.create_time()));
        let _ = writeln!(md, "| {} | {} |", t(lang, "支付", "paid"), ts(o.pay_time()));
        let _ = writeln!(md, "| {} | {} |", t(lang, "发货", "shipped"), ts(o.shipped_at()));
        for p in o.products() {
            let _ = writeln!(md, "| {} | {} ×{} |", t(lang, "商品", "product"), cell(&p.title), p.sku_cnt.unwrap_or(1));
        }
        let _ = writeln!(
            md,
            "| deliver_method | {} |",
            o.deliver_method().map(|m| m.to_string()).unwrap_or_else(|| "-".into())
        );
        let vn = Vnum::of(o);
        // Once a real-number request is approved, tel_number carries the
        // buyer's real number unmasked: say so, and still mask it here.
        if let Some(tel) = o.tel_number().filter(|t| !t.contains('*')) {
            let _ = writeln!(
                md,
                "| {} | `{}` |",
                t(
                    lang,
                    "真实号码（tel_number，真实号申请已通过；此处脱敏）",
                    "real number (tel_number, after an approved real-number request; masked here)"
                ),
                cell(&mask_phone(tel))
            );
        }
        if let Some(real) = &vn.real_tel_number {
            let _ =
                writeln!(md, "| {} | `{}` |", t(lang, "联系电话（脱敏）", "contact (masked)"), cell(&mask_phone(real)));
        }
        let _ = writeln!(md, "| use_tel_number | {} |", vn.use_tel_number.map(|u| u.to_string()).unwrap_or("-".into()));
        match &vn.number {
            Some(n) => {
                let state = vn.state(now);
                let _ = writeln!(md, "| {} | `{}` |", t(lang, "虚拟号", "virtual number"), cell(n));
                let _ = writeln!(
                    md,
                    "| {} | {} ({}) |",
                    t(lang, "虚拟号到期", "virtual number expires"),
                    ts(vn.expire_time),
                    state.label(lang)
                );
                let _ = writeln!(
                    md,
                    "| {} | {} |",
                    t(lang, "已延期次数", "extensions used"),
                    vn.has_delay_times.map(|d| d.to_string()).unwrap_or("-".into())
                );
                if let Some(s) = vn.inferred_clock_start() {
                    let _ = writeln!(
                        md,
                        "| {} | {} ({}) |",
                        t(lang, "30天计时开始", "30-day clock started"),
                        timefmt::full_tz(s),
                        t(lang, "推断：到期 − 30天 − 15天×延期次数", "inferred: expiry − 30 d − 15 d × extensions")
                    );
                }
            }
            None => {
                let _ = writeln!(md, "| {} | {} |", t(lang, "虚拟号", "virtual number"), t(lang, "无", "none"));
            }
        }
    }
    let _ = writeln!(
        md,
        "| {} | {} · {} {} |\n",
        t(lang, "已存储", "stored"),
        match lang {
            Lang::Zh => format!("{} 个订单版本", versions.len()),
            Lang::En => format!("{} versions", versions.len()),
        },
        messages.len(),
        t(lang, "条推送", "pushes")
    );

    let _ =
        writeln!(md, "## {}\n", t(lang, "发货前后的变化", "What changed between the pre- and post-shipment versions"));
    match (&pair.before, &pair.after) {
        (Some(b), Some(a)) => {
            let _ = writeln!(
                md,
                "{} {} → {}\n",
                t(lang, "订单版本（按获取时间）", "Versions (by fetch time)"),
                timefmt::full_tz(b.fetched_at),
                timefmt::full_tz(a.fetched_at)
            );
            let _ = writeln!(
                md,
                "| {} | op | {} | {} |\n|---|---|---|---|",
                t(lang, "字段", "field"),
                t(lang, "之前", "before"),
                t(lang, "之后", "after")
            );
            for c in &pair.changes {
                let before = c.before.as_ref().map(|v| mask_json(&c.path, v));
                let after = c.after.as_ref().map(|v| mask_json(&c.path, v));
                let op = match c.op {
                    crate::diff::Op::Add => "add",
                    crate::diff::Op::Remove => "remove",
                    crate::diff::Op::Replace => "replace",
                };
                let _ = writeln!(
                    md,
                    "| `{}` | {op} | {} | {} |",
                    cell(&c.path),
                    value_cell(&c.path, &before),
                    value_cell(&c.path, &after)
                );
            }
            let _ = writeln!(md);
        }
        _ => {
            let _ = writeln!(
                md,
                "{}\n",
                t(lang, "只有一个订单版本，无法比较。", "Only one version is stored; nothing to compare.")
            );
        }
    }

    let _ = writeln!(md, "## {}\n", t(lang, "存储的推送", "Pushes stored"));
    if messages.is_empty() {
        let _ = writeln!(
            md,
            "{}\n",
            t(
                lang,
                "没有存储该订单的推送（接收器未运行 / 未导入推送日志）：这不说明平台没有发送。",
                "No push is stored for this order (the receiver was not running / no push log was imported): this does not say none was sent."
            )
        );
    } else {
        let _ = writeln!(
            md,
            "| {} | event | type | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|",
            t(lang, "收到时间 (+08:00)", "received (+08:00)"),
            t(lang, "含义", "meaning"),
            t(lang, "字段", "fields"),
            t(lang, "投递次数", "deliveries"),
            t(lang, "来源", "source")
        );
        for m in messages {
            let event = m.event.as_deref().unwrap_or("?");
            let source = m.source.provenance();
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | {} | {} | {} | {} |",
                timefmt::full(m.received_at),
                cell(event),
                m.kind.map(|k| k.to_string()).unwrap_or_default(),
                cell(&names::push_meaning(event, m.kind, lang)),
                cell(&names::push_details(&m.payload(), lang).join("; ")),
                m.deliveries,
                source.label(lang)
            );
        }
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## {}\n", t(lang, "时间线", "Timeline"));
    let _ = writeln!(
        md,
        "| {} | {} | {} | {} |\n|---|---|---|---|",
        t(lang, "时间 (+08:00)", "time (+08:00)"),
        t(lang, "来源", "source"),
        t(lang, "事件", "what"),
        t(lang, "依据", "rule")
    );
    for e in &story.entries {
        let source = e.source.label(lang);
        let _ = writeln!(
            md,
            "| {} | {source} | {} | {} |",
            timefmt::full(e.at),
            cell(&e.summary),
            cell(e.rule.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(md, "\n## {}\n", t(lang, "解释", "Explanation"));
    explanation_markdown(&mut md, &story.explanation, lang);
    md
}

/// A comparison with a second order, as a Markdown section to paste under
/// the first order's report.
pub fn comparison_markdown(c: &crate::explain::compare::Comparison, lang: Lang) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "\n## {} {}\n", t(lang, "对比订单", "Compared with order"), c.b.order_id);
    let _ = writeln!(md, "| | A | B |\n|---|---|---|");
    for row in crate::explain::compare::fact_rows(c, lang) {
        let mark = if row.differs { " ≠" } else { "" };
        let type5 = if row.type5 { " ⚑" } else { "" };
        let _ = writeln!(md, "| {}{mark}{type5} | {} | {} |", cell(&row.label), cell(&row.a), cell(&row.b));
    }
    for (which, side) in [("A", &c.a), ("B", &c.b)] {
        for p in &side.pushes {
            let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
            let _ = writeln!(
                md,
                "\n{which}: {} `{}`{kind} {} ({})",
                timefmt::full(p.received_at),
                cell(&p.event),
                cell(&p.meaning),
                p.source.label(lang)
            );
        }
    }
    let _ = writeln!(md, "\n### {}\n", t(lang, "与 type 5 推送有关的差异", "Differences that bear on a type 5 push"));
    let bearing: Vec<_> = c.differences.iter().filter(|d| d.bears_on_type5).collect();
    if bearing.is_empty() {
        let _ = writeln!(md, "{}", t(lang, "没有。", "None."));
    }
    for d in bearing {
        let _ = writeln!(
            md,
            "- `{}`: A `{}` · B `{}` — {}",
            d.field,
            cell(&d.a.to_string()),
            cell(&d.b.to_string()),
            cell(&d.why)
        );
    }
    let _ = writeln!(md, "\n### {}\n", t(lang, "对比解释", "Comparative explanation"));
    explanation_markdown(&mut md, &c.explanation, lang);
    md
}

/// Each finding: its verdict and sentence, then its facts, what would
/// decide it and its sources.
fn explanation_markdown(md: &mut String, explanation: &[crate::explain::Statement], lang: Lang) {
    for s in explanation {
        let _ = writeln!(md, "- {}", cell(&s.headline(lang)));
        for line in s.detail_lines(lang) {
            let _ = writeln!(md, "  - {}", cell(&line));
        }
    }
}

/// The evidence for one order as `orderscope report` prints it, followed by
/// its comparison with `other` when given (`report --compare`), read from
/// `store` as of `now`: the same Markdown whether it is printed, copied or
/// written to a file from the inspector.
pub fn from_store(
    store: &crate::store::Store,
    order_id: &str,
    other: Option<&str>,
    lang: Lang,
    now: i64,
) -> anyhow::Result<String> {
    let (versions, problems) = store.versions(order_id)?;
    if let Some(problem) = problems.first() {
        anyhow::bail!("{problem}");
    }
    let messages = store.reads().messages(Some(order_id))?;
    let story = crate::load::story_at(store, order_id, now, lang)?;
    let mut md = markdown(order_id, &versions, &messages, &story, lang, now);
    if let Some(b) = other {
        let cmp = crate::explain::compare::compare(
            &crate::load::evidence_at(store, order_id, now)?,
            &crate::load::evidence_at(store, b, now)?,
            lang,
        );
        md.push_str(&comparison_markdown(&cmp, lang));
    }
    Ok(md)
}

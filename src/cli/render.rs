//! The text renderings the commands print: a diff, a push listing, a comparison.

use std::io::Write;

use anyhow::Result;
use serde_json::Value;

use crate::model::names::{self, Lang};
use crate::store::{ListFilter, Store};
use crate::version_pair::Version;
use crate::{text, timefmt};

/// A value as the diff shows it: times also as dates in +08:00, beside the
/// raw value, so nobody has to convert epoch seconds by hand.
fn diff_value(path: &str, v: &Value) -> String {
    let key = path.rsplit('/').next().unwrap_or("");
    let raw = text::visible(&crate::json::short(v));
    match crate::json::as_i64(v) {
        Some(t) if t > 0 && (key.ends_with("_time") || key == "delivery_deadline") => {
            format!("{raw} ({})", timefmt::full_tz(t))
        }
        _ => raw,
    }
}

/// The diff as text: replaced values side by side; an added or removed
/// object or array field by field, with its values.
pub fn diff_text(pair: &crate::version_pair::Pair) -> String {
    let head = |v: &Option<Version>| match v {
        Some(v) => {
            let demo = if v.is_demo() { " [demo: made up by the bundled demo]" } else { "" };
            format!("snapshot {} fetched {} ({}){demo}", v.snapshot_id, timefmt::full_tz(v.fetched_at), v.source)
        }
        None => "none".into(),
    };
    let mut out = format!("before: {}\nafter:  {}\n", head(&pair.before), head(&pair.after));
    for c in &pair.changes {
        let value = if c.op == crate::diff::Op::Remove { &c.before } else { &c.after };
        let nested = matches!(value, Some(Value::Object(m)) if !m.is_empty())
            || matches!(value, Some(Value::Array(a)) if !a.is_empty());
        match (c.op, nested, value) {
            (crate::diff::Op::Replace, _, _) => {
                let show = |v: &Option<Value>| v.as_ref().map(|v| diff_value(&c.path, v)).unwrap_or_default();
                out.push_str(&format!("{} {}  {} → {}\n", c.op.mark(), c.path, show(&c.before), show(&c.after)));
            }
            (_, true, Some(v)) => {
                out.push_str(&format!("{} {}\n", c.op.mark(), c.path));
                let leaves = crate::diff::leaves(v);
                let wide = leaves.iter().map(|(p, _)| text::width(p)).max().unwrap_or(0);
                for (rel, leaf) in leaves {
                    let full = format!("{}{rel}", c.path);
                    out.push_str(&format!("    {}  {}\n", text::pad(&rel, wide), diff_value(&full, &leaf)));
                }
            }
            (_, _, v) => {
                let shown = v.as_ref().map(|v| diff_value(&c.path, v)).unwrap_or_default();
                out.push_str(&format!("{} {}  {shown}\n", c.op.mark(), c.path));
            }
        }
    }
    out
}

/// The pushes as lines of text, each written as it is read; how many.
pub(super) fn messages_text(store: &Store, order_id: Option<&str>, filter: &ListFilter, lang: Lang) -> Result<u64> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = 0;
    store.each_message(order_id, filter, |m| {
        let event = m.event.as_deref().unwrap_or("?");
        let details = names::push_details(&m.payload(), lang);
        let late = match (m.create_time, crate::explain::PushRecord::from(&m).redelivery_delay()) {
            (Some(created), Some(delay)) => match lang {
                Lang::Zh => {
                    format!(
                        " · 事件时间 {}，晚到 {}（重新投递）",
                        timefmt::full(created),
                        crate::explain::span(lang, delay)
                    )
                }
                Lang::En => {
                    format!(
                        " · made {}, {} late (a redelivery)",
                        timefmt::full(created),
                        crate::explain::span(lang, delay)
                    )
                }
            },
            _ => String::new(),
        };
        let line = format!(
            "{}  {}  {}  {}{}{}{late}{}",
            timefmt::full(m.received_at),
            m.order_id.as_deref().unwrap_or("-"),
            names::event_short(event),
            names::push_meaning(event, m.kind, lang),
            m.kind.map(|k| format!(" (type {k})")).unwrap_or_default(),
            if details.is_empty() { String::new() } else { format!(" · {}", details.join("; ")) },
            if m.source.is_demo() { lang.text("  [演示]", "  [demo]") } else { "" },
        );
        written += 1;
        Ok::<_, anyhow::Error>(text::write_line(&mut out, &line)?)
    })?;
    out.flush()?;
    Ok(written)
}

/// The comparison as text: a two-column table, the pushes, the differences,
/// the explanation. Made-up data carries a demo mark wherever it shows.
pub fn compare_text(c: &crate::explain::compare::Comparison, lang: Lang) -> String {
    use crate::explain::Source;
    const COL: usize = 50;
    let demo = |s: Source| if s == Source::Demo { lang.text(" [演示]", " [demo]") } else { "" };
    let mut out = String::new();
    for row in crate::explain::compare::fact_rows(c, lang) {
        let (a, b) = (text::visible(&row.a), text::visible(&row.b));
        let mark = if row.differs { "≠" } else { " " };
        let type5 = if row.type5 { "⚑" } else { " " };
        let line = format!(
            "{mark}{type5} {}  {}  {}",
            text::pad(&row.label, 24),
            text::pad(&text::truncate(&a, COL), COL),
            text::truncate(&b, COL + 30)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!("\n{}\n", lang.text("推送", "Pushes")));
    for (which, side) in [("A", &c.a), ("B", &c.b)] {
        if side.pushes.is_empty() {
            out.push_str(&format!("  {which}  {}\n", lang.text("（没有存储）", "(none stored)")));
        }
        for p in &side.pushes {
            let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
            out.push_str(&format!(
                "  {which}  {}  {}{kind} {}{}\n",
                timefmt::full(p.received_at),
                names::event_short(&p.event),
                p.meaning,
                demo(p.source)
            ));
        }
        for note in &side.notes {
            let at = note.at.map(timefmt::full).unwrap_or_else(|| lang.text("时间未报告", "time not reported").into());
            out.push_str(&format!(
                "  {which}  {at}  {}: {}\n",
                lang.text("报告", "reported"),
                text::visible(&note.text)
            ));
        }
    }
    out.push_str(&format!(
        "\n{}\n",
        lang.text("差异（* 与 type 5 推送有关）", "Differences (* bears on a type 5 push)")
    ));
    for d in &c.differences {
        out.push_str(&format!(
            "  {} {}: A {} · B {} — {}\n",
            if d.bears_on_type5 { "*" } else { " " },
            d.field,
            d.a,
            d.b,
            d.why
        ));
    }
    out.push_str(&format!("\n{}\n", lang.text("解释", "Explanation")));
    for s in &c.explanation {
        out.push_str(&format!("- {}\n", text::visible(&s.headline(lang))));
        for line in s.detail_lines(lang) {
            out.push_str(&format!("    · {}\n", text::visible(&line)));
        }
    }
    out
}

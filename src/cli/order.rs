//! One order (or two): show, diff, timeline, report, compare, note.

use std::io::Write;

use anyhow::{Result, bail};
use serde_json::{Value, json};

use crate::model::names::{self};
use crate::settings::Settings;
use crate::store::OpenMode;
use crate::version_pair::{Version, pick_pair};
use crate::{text, timefmt};

use super::render::{compare_text, diff_text};
use super::{ensure_order, fetched_source, json_lang, open_store, print_json, versions};

pub fn show(s: &Settings, order_id: &str, live: bool, json_out: bool) -> Result<()> {
    if live {
        let api = s.require_api()?;
        let order = super::runtime().block_on(api.client().order_get(order_id))?;
        let mut store = open_store(s, OpenMode::Create)?;
        let new = store.add_snapshot(&order, timefmt::now(), fetched_source(&api))?;
        if !json_out {
            eprintln!("{}", if new { "fetched: a new version, stored" } else { "fetched: same as the stored version" });
        }
    }
    let store = ensure_order(s, order_id, !json_out)?;
    let Some(snap) = store.reads().latest_snapshot(order_id)? else {
        return Err(no_version(s, order_id));
    };
    if json_out {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", snap.body)?;
        return Ok(());
    }
    let order = snap.order()?;
    let lang = s.lang;
    let mut lines = vec![
        format!("order      {}", order.order_id),
        format!(
            "status     {} {}",
            order.status().map(|s| s.to_string()).unwrap_or("?".into()),
            names::status_label(order.status(), lang)
        ),
        format!("fetched    {} ({})", timefmt::full_tz(snap.fetched_at), snap.source),
    ];
    if snap.source.is_demo() {
        lines.insert(0, "[demo] made up by the bundled demo: not evidence".into());
    }
    let time =
        |label: &str, t: Option<i64>| format!("{label} {}", t.map(timefmt::full_tz).unwrap_or_else(|| "-".into()));
    lines.push(time("created   ", order.create_time()));
    lines.push(time("paid      ", order.pay_time()));
    lines.push(time("shipped   ", order.shipped_at()));
    for p in order.products() {
        lines.push(format!("product    {} ×{}", text::visible(&p.title), p.sku_cnt.unwrap_or(1)));
    }
    let v = crate::model::Vnum::of(&order);
    let state = v.state(timefmt::now());
    lines.push(format!(
        "virtual #  {} · {} · expires {}",
        v.display_number(lang).unwrap_or_else(|| "-".into()),
        state.label(lang),
        v.expire_time.map(timefmt::full_tz).unwrap_or_else(|| "-".into())
    ));
    // An unmasked tel_number is the buyer's real number (an approved real-number request).
    if let Some(tel) = order.tel_number() {
        let kind =
            if tel.contains('*') { "masked by the platform" } else { "real number: real-number request approved" };
        lines.push(format!("contact    {} ({kind}; masked here)", text::mask_phone(&text::visible(tel))));
    }
    let mut out = std::io::stdout().lock();
    for l in lines {
        text::write_line(&mut out, &l)?;
    }
    Ok(())
}

fn describe(v: &Option<Version>) -> Value {
    match v {
        Some(v) => {
            json!({"id": v.snapshot_id, "fetched_at": v.fetched_at, "read_time_known": v.source.read_time_known(), "status": v.order.status(), "shipped": v.order.is_shipped(), "source": v.source.provenance()})
        }
        None => Value::Null,
    }
}

/// The order is known only from pushes or notes: say what to collect.
fn no_version(s: &Settings, order_id: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        crate::explain::collect::what_to_collect(order_id, &crate::explain::collect::Missing::NoVersion, s.lang)
    )
}

pub fn diff(s: &Settings, order_id: &str, json_out: bool) -> Result<()> {
    let store = ensure_order(s, order_id, !json_out)?;
    let versions = versions(&store, order_id)?;
    if versions.is_empty() {
        return Err(no_version(s, order_id));
    }
    let pair = pick_pair(&versions);
    if json_out {
        return print_json(&json!({
            "order_id": order_id,
            "before": describe(&pair.before),
            "after": describe(&pair.after),
            "changes": pair.changes,
        }));
    }
    let mut out = std::io::stdout().lock();
    text::write_text(&mut out, &diff_text(&pair))?;
    Ok(())
}

/// `orderscope compare A B`: both orders' facts side by side, the
/// differences, and the comparative explanation.
pub fn compare(s: &Settings, a: &str, b: &str, json_out: bool) -> Result<()> {
    if a == b {
        bail!("compare needs two different orders ({a} given twice)");
    }
    ensure_order(s, a, !json_out)?;
    let store = ensure_order(s, b, !json_out)?;
    let lang = json_lang(s, json_out);
    let cmp =
        crate::explain::compare::compare(&crate::load::evidence(&store, a)?, &crate::load::evidence(&store, b)?, lang);
    if json_out {
        return print_json(&serde_json::to_value(&cmp)?);
    }
    let mut out = std::io::stdout().lock();
    text::write_text(&mut out, &compare_text(&cmp, lang))?;
    Ok(())
}

/// `orderscope note`: one reported fact, stored apart from observations.
pub fn note(
    s: &Settings,
    order_id: &str,
    text: &str,
    at: Option<i64>,
    event: Option<&str>,
    kind: Option<i64>,
) -> Result<()> {
    let order_id = order_id.trim();
    if order_id.is_empty() || !order_id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("order id {order_id:?} is not a number");
    }
    if text.trim().is_empty() {
        bail!("the note is empty: say what was reported");
    }
    // Accept the short event names the tool prints (ext_info_update, deliver).
    let event = event.map(|e| {
        let long = format!("channels_ec_order_{e}");
        if names::event(e).is_none() && names::event(&long).is_some() { long } else { e.to_string() }
    });
    let mut store = open_store(s, OpenMode::Create)?;
    let note = crate::explain::Note {
        id: 0,
        order_id: order_id.to_string(),
        at,
        event,
        kind,
        text: text.trim().to_string(),
        recorded_at: timefmt::now(),
    };
    let id = store.write(|c| c.add_note(&note))?;
    let done = format!("note #{id} recorded for order {order_id} (reported, not observed)");
    text::write_line(&mut std::io::stdout().lock(), &done)?;
    Ok(())
}

pub fn timeline(s: &Settings, order_id: &str, json_out: bool) -> Result<()> {
    let store = ensure_order(s, order_id, !json_out)?;
    let lang = json_lang(s, json_out);
    let story = crate::load::story(&store, order_id, lang)?;
    if json_out {
        return print_json(&serde_json::to_value(&story)?);
    }
    let mut out = std::io::stdout().lock();
    for e in &story.entries {
        let source = e.source.name();
        let rule = e.rule.as_ref().map(|r| format!("  [{r}]")).unwrap_or_default();
        text::write_line(&mut out, &format!("{}  {source:<8}  {}{rule}", timefmt::full(e.at), e.summary))?;
    }
    text::write_line(&mut out, "")?;
    for s in &story.explanation {
        text::write_line(&mut out, &format!("- {}", s.headline(lang)))?;
        for line in s.detail_lines(lang) {
            text::write_line(&mut out, &format!("    · {line}"))?;
        }
    }
    Ok(())
}

pub fn report(s: &Settings, order_id: &str, other: Option<&str>) -> Result<()> {
    if other == Some(order_id) {
        bail!("--compare needs a different order ({order_id} given twice)");
    }
    if let Some(b) = other {
        ensure_order(s, b, true)?;
    }
    let store = ensure_order(s, order_id, true)?;
    let markdown = crate::report::from_store(&store, order_id, other, s.lang, timefmt::now())?;
    let mut out = std::io::stdout().lock();
    text::write_text(&mut out, &markdown)?;
    Ok(())
}

//! The listings: orders, numbers about to expire, pushes; as text, JSON or JSON lines.

use std::io::Write;

use anyhow::Result;
use serde_json::{Value, json};

use crate::model::names::{self, Lang};
use crate::model::vnum::state_of;
use crate::settings::Settings;
use crate::store::OpenMode;
use crate::{text, timefmt};

use super::args::{JsonShape, Listing};
use super::open_store;
use super::render::messages_text;

fn vnum_state_name(row: &crate::store::OrderRow, now: i64, lang: Lang) -> &'static str {
    state_of(row.use_tel_number, row.vnum.is_some(), row.vnum_expire, now).label(lang)
}

/// Writes a listing's JSON as the rows come: an array element by element
/// (the same text as the whole array printed at once) or one compact object
/// a line. `rows` hands each row's object to the writer it is given.
/// Returns how many were written.
fn write_json_list(
    shape: JsonShape,
    rows: impl FnOnce(&mut dyn FnMut(Value) -> Result<()>) -> Result<()>,
) -> Result<u64> {
    use serde::ser::{SerializeSeq, Serializer};
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = 0;
    match shape {
        JsonShape::Lines => rows(&mut |v| {
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
            written += 1;
            Ok(())
        })?,
        JsonShape::Array => {
            let mut json = serde_json::Serializer::pretty(&mut out);
            let mut array = json.serialize_seq(None)?;
            rows(&mut |v| {
                array.serialize_element(&v)?;
                written += 1;
                Ok(())
            })?;
            array.end()?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(written)
}

pub fn orders(s: &Settings, listing: &Listing) -> Result<()> {
    let filter = &listing.filter();
    let store = open_store(s, OpenMode::Existing)?;
    let now = timefmt::now();
    // Only the ids of demo orders: few on a real store.
    let demo = store.reads().demo_orders()?;
    if let Some(shape) = listing.json() {
        write_json_list(shape, |emit| {
            store.each_order(filter, |r| {
                emit(json!({
                    "order_id": r.order_id,
                    "source": if demo.contains(&r.order_id) { "demo" } else { "observed" },
                    "status": r.status,
                    "status_name": r.status.and_then(names::status).map(|n| json!({"zh": n.zh, "en": n.en})),
                    "update_time": r.update_time,
                    "snapshots": r.snapshots,
                    "messages": r.messages,
                    "type5_received": r.type5,
                    "virtual_number": {
                        "state": vnum_state_name(&r, now, Lang::En),
                        "number": r.vnum,
                        "expire_time": r.vnum_expire,
                    },
                }))
            })
        })?;
        return Ok(());
    }
    let lang = s.lang;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    store.each_order(filter, |r| {
        let line = format!(
            "{}  {}  {}  ☎ {}  ✉ {}{}  {}",
            r.order_id,
            text::pad(&names::row_status_label(r.status, r.snapshots, false, lang), 10),
            r.update_time.map(timefmt::full).unwrap_or_else(|| "-".repeat(19)),
            text::pad(vnum_state_name(&r, now, lang), 10),
            r.messages,
            if r.type5 { " ⚑5" } else { "" },
            format_args!(
                "{} snapshots{}",
                r.snapshots,
                if demo.contains(&r.order_id) { lang.text("  [演示]", "  [demo]") } else { "" }
            ),
        );
        Ok::<_, anyhow::Error>(text::write_line(&mut out, &line)?)
    })?;
    out.flush()?;
    Ok(())
}

/// `orderscope expiring`: the orders not yet received whose number expires
/// within `within` seconds, soonest first. The list is read in one pass and
/// only the few candidates' latest versions are read (for the extension
/// count), so memory stays small on any store.
pub fn expiring(s: &Settings, within: i64, json: bool, jsonl: bool) -> Result<()> {
    use crate::expiring::{line, load, to_json};
    let store = open_store(s, OpenMode::Existing)?;
    let list = load(&store, timefmt::now(), within)?;
    let shape = match (json, jsonl) {
        (_, true) => Some(JsonShape::Lines),
        (true, false) => Some(JsonShape::Array),
        (false, false) => None,
    };
    if let Some(shape) = shape {
        write_json_list(shape, |emit| list.iter().try_for_each(|e| emit(to_json(e))))?;
        return Ok(());
    }
    let lang = s.lang;
    if list.is_empty() {
        let span = crate::timefmt::ago(lang, within);
        eprintln!(
            "{}",
            match lang {
                Lang::Zh => format!("没有未收货订单的虚拟号在 {span}内到期"),
                Lang::En => format!("no order awaiting receipt has a number expiring within {span}"),
            }
        );
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in &list {
        text::write_line(&mut out, &line(e, lang))?;
    }
    out.flush()?;
    Ok(())
}

pub fn messages(s: &Settings, order_id: Option<&str>, listing: &Listing) -> Result<()> {
    let filter = &listing.filter();
    let store = open_store(s, OpenMode::Existing)?;
    let written = match listing.json() {
        Some(shape) => write_json_list(shape, |emit| {
            store.each_message(order_id, filter, |m| {
                emit(json!({
                    "id": m.id,
                    "received_at": m.received_at,
                    "event": m.event,
                    "order_id": m.order_id,
                    "type": m.kind,
                    "create_time": m.create_time,
                    // Seconds later than its event beyond the 5 s answer limit: a retry.
                    "redelivery_delay": crate::explain::PushRecord::from(&m).redelivery_delay(),
                    "deliveries": m.deliveries,
                    "parse_error": m.parse_error,
                    "source": m.source.provenance(),
                    "stored_by": m.source,
                    "details": names::push_details(&m.payload(), Lang::En),
                    "payload": m.payload(),
                }))
            })
        })?,
        None => messages_text(&store, order_id, filter, s.lang)?,
    };
    if written == 0 {
        let whose = order_id.map(|id| format!(" for order {id}")).unwrap_or_default();
        let says = match filter.since {
            Some(since) => format!("no push is stored{whose} received since {}", timefmt::full_tz(since)),
            None => format!(
                "no push is stored{whose} (the receiver was not running / no push log was imported: orderscope import PUSHES.jsonl)"
            ),
        };
        text::write_line(&mut std::io::stderr().lock(), &says)?;
    }
    // Pushes acknowledged and still in the inbox are not messages yet: say
    // so beside the listing (on stderr, so `--json` stays a clean list).
    let backlog = store.inbox().backlog()?;
    if backlog.pending > 0 {
        let since =
            backlog.oldest.map(|t| format!(", the oldest received {}", timefmt::full_tz(t))).unwrap_or_default();
        let says = format!(
            "{} received push(es) not processed yet are not listed{since}: a running receiver processes them (orderscope doctor shows the backlog)",
            backlog.pending
        );
        text::write_line(&mut std::io::stderr().lock(), &says)?;
    }
    Ok(())
}

//! What the screen shows about one order, built from what the store holds.
//! `Detail::build` is pure; `load` is the store read the runner calls on its
//! own thread.

use serde_json::Value;

use crate::diff::{Op, leaves};
use crate::explain::{Evidence, Story};
use crate::json::short;
use crate::model::names::{self, Lang};
use crate::model::{Order, Vnum};
use crate::store::{MessageRow, Store};
use crate::text::visible;
use crate::version_pair::{Pair, Version, pick_pair};

/// Everything the screen shows about the selected order.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub order_id: String,
    pub versions: Vec<Version>,
    pub pair: Pair,
    pub rows: Vec<CompareRow>,
    pub latest: Option<Order>,
    pub vnum: Vnum,
    pub messages: Vec<MessageRow>,
    /// Stored versions that could not be read, with the reason.
    pub problems: Vec<String>,
    pub story: Option<Story>,
}

/// One line of the comparison: a changed field, aligned across both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    pub op: Op,
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Detail {
    /// The detail of one order from its evidence (stored versions, pushes,
    /// the receiver's periods, the notes people recorded), with the stored
    /// messages and the versions that could not be read.
    pub fn build(evidence: Evidence, problems: Vec<String>, messages: Vec<MessageRow>, lang: Lang) -> Detail {
        let order_id = evidence.order_id.clone();
        let now_year = crate::timefmt::year_of(evidence.now);
        let story = crate::explain::story(&evidence, lang);
        let versions = evidence.versions;
        let pair = pick_pair(&versions);
        let latest = pair.after.as_ref().or(pair.before.as_ref()).map(|v| v.order.clone());
        let vnum = latest.as_ref().map(Vnum::of).unwrap_or_default();
        let rows = compare_rows(&pair, now_year, lang);
        Detail { order_id, versions, pair, rows, latest, vnum, messages, problems, story: Some(story) }
    }
}

/// Reads one order's detail from the store (on the runner's store thread).
pub fn load(store: &Store, order_id: &str, now: i64, lang: Lang) -> crate::store::Result<Detail> {
    let (evidence, messages, problems) = crate::load::gather(store, order_id, now)?;
    Ok(Detail::build(evidence, problems, messages, lang))
}

/// The value as shown in a pane, with status codes named and times as dates
/// (with the year when it is not the current one).
fn show_value(path: &str, v: &Value, now_year: Option<i16>, lang: Lang) -> String {
    let text = visible(&short(v));
    let key = path.rsplit('/').next().unwrap_or("");
    if (key.ends_with("_time") || key == "delivery_deadline")
        && let Some(t) = crate::json::as_i64(v).filter(|t| *t > 0)
    {
        return if key.contains("expire") { crate::timefmt::full(t) } else { crate::timefmt::short_in(t, now_year) };
    }
    if path == "/status"
        && let Some(code) = crate::json::as_i64(v)
    {
        return format!("{code} {}", names::status_label(Some(code), lang));
    }
    text
}

pub fn compare_rows(pair: &Pair, now_year: Option<i16>, lang: Lang) -> Vec<CompareRow> {
    let mut rows = Vec::new();
    for c in &pair.changes {
        let label = crate::diff::short_label(&c.path);
        let expandable = |v: &Option<Value>| {
            matches!(v, Some(Value::Object(m)) if !m.is_empty()) || matches!(v, Some(Value::Array(a)) if !a.is_empty())
        };
        match c.op {
            Op::Replace => rows.push(CompareRow {
                op: c.op,
                label,
                before: c.before.as_ref().map(|v| show_value(&c.path, v, now_year, lang)),
                after: c.after.as_ref().map(|v| show_value(&c.path, v, now_year, lang)),
            }),
            Op::Add | Op::Remove => {
                let value = if c.op == Op::Add { &c.after } else { &c.before };
                if expandable(value) {
                    rows.push(CompareRow { op: c.op, label: label.clone(), before: None, after: None });
                    for (sub, leaf) in leaves(value.as_ref().expect("checked above")) {
                        let shown = Some(show_value(&sub, &leaf, now_year, lang));
                        let sub_label = format!("  {}", sub.trim_start_matches('/').replace('/', "."));
                        let (before, after) = if c.op == Op::Add { (None, shown) } else { (shown, None) };
                        rows.push(CompareRow { op: c.op, label: sub_label, before, after });
                    }
                } else {
                    let shown = value.as_ref().map(|v| show_value(&c.path, v, now_year, lang));
                    let (before, after) = if c.op == Op::Add { (None, shown) } else { (shown, None) };
                    rows.push(CompareRow { op: c.op, label, before, after });
                }
            }
        }
    }
    rows
}

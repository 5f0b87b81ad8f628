//! `orderscope import`: raw `order/get` responses and push logs into the store.
//!
//! A file is either one JSON document (a response, a push, or an array of
//! them) or one document per line. Each document is recognised by shape:
//!
//! - `{"errcode":0,"order":{…}}` or `{"order":{…}}`: an order version, fetched
//!   at the order's `update_time` (the latest moment it is known to be true);
//! - `{"fetched_at":N,"response":{…}}`: the same with its fetch time;
//! - a decrypted push (`{"Event":…}` or `<xml>…</xml>`), received at its
//!   `CreateTime`;
//! - `{"received_at":N,"message":{…}}`: the same with its receive time;
//! - `{"started_at":N,"last_seen":N,"stopped_at":N|null}`: a period when a
//!   push receiver was running (from a receiver that kept another store), so
//!   the explanation knows which spans the pushes cover.
//!
//! Importing the same file twice adds nothing: snapshots are deduplicated by
//! content and messages by their duplicate key.

use std::path::Path;

use serde_json::Value;

use crate::json::as_i64;
use crate::model::{Order, Push};
use crate::store::{self, Redelivery, Store};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub snapshots_new: usize,
    pub snapshots_known: usize,
    pub messages_new: usize,
    pub messages_known: usize,
    pub periods_new: usize,
    /// `(source, line, problem)`; line 0 means the whole file.
    pub problems: Vec<(String, usize, String)>,
}

impl Report {
    pub fn merge(&mut self, other: Report) {
        self.snapshots_new += other.snapshots_new;
        self.snapshots_known += other.snapshots_known;
        self.messages_new += other.messages_new;
        self.messages_known += other.messages_known;
        self.periods_new += other.periods_new;
        self.problems.extend(other.problems);
    }

    pub fn summary(&self) -> String {
        let periods = match self.periods_new {
            0 => String::new(),
            n => format!(", {n} new receiver periods"),
        };
        format!(
            "{} new snapshots ({} already stored), {} new messages ({} already stored){periods}, {} bad lines",
            self.snapshots_new,
            self.snapshots_known,
            self.messages_new,
            self.messages_known,
            self.problems.len()
        )
    }
}

/// One recognised document.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `demo`: the document says `"demo": true` (made-up data, such as the
    /// demo's illustrative seed pushes), stored as demo whoever imports it.
    Snapshot {
        order: Order,
        fetched_at: i64,
        demo: bool,
    },
    Message {
        plaintext: String,
        received_at: i64,
        demo: bool,
    },
    ReceiverPeriod {
        started_at: i64,
        last_seen: i64,
        stopped_at: Option<i64>,
    },
}

/// Recognises one document. `now` is used only when a push has no time.
pub fn classify(v: Value, now: i64) -> Result<Item, String> {
    let made_up = v.get("demo") == Some(&Value::Bool(true));
    let mut item = classify_shape(v, now)?;
    if let Item::Snapshot { demo, .. } | Item::Message { demo, .. } = &mut item {
        *demo = made_up;
    }
    Ok(item)
}

fn classify_shape(v: Value, now: i64) -> Result<Item, String> {
    if let Some(resp) = v.get("response") {
        let order = Order::from_response(resp).map_err(|e| e.to_string())?;
        let fetched_at = v.get("fetched_at").and_then(as_i64).ok_or("\"fetched_at\" is not a number")?;
        return Ok(Item::Snapshot { order, fetched_at, demo: false });
    }
    if let Some(msg) = v.get("message") {
        let received_at = v.get("received_at").and_then(as_i64).ok_or("\"received_at\" is not a number")?;
        let plaintext = match msg {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Push::parse(&plaintext).map_err(|e| format!("message: {e}"))?;
        return Ok(Item::Message { plaintext, received_at, demo: false });
    }
    if v.get("order").is_some() || v.get("errcode").is_some() || v.get("order_id").is_some() {
        let order = Order::from_response(&v).map_err(|e| e.to_string())?;
        let fetched_at = order.update_time().unwrap_or(now);
        return Ok(Item::Snapshot { order, fetched_at, demo: false });
    }
    if let Some(started_at) = v.get("started_at") {
        let started_at = as_i64(started_at).ok_or("\"started_at\" is not a number")?;
        let stopped_at = v.get("stopped_at").and_then(as_i64);
        let last_seen = v.get("last_seen").and_then(as_i64).or(stopped_at).ok_or("\"last_seen\" is not a number")?;
        if last_seen < started_at {
            return Err("\"last_seen\" is before \"started_at\"".into());
        }
        return Ok(Item::ReceiverPeriod { started_at, last_seen, stopped_at });
    }
    if v.get("Event").is_some() || v.get("MsgType").is_some() {
        let push = Push::from_value(v.clone()).map_err(|e| e.to_string())?;
        let received_at = push.create_time.unwrap_or(now);
        return Ok(Item::Message { plaintext: v.to_string(), received_at, demo: false });
    }
    Err("neither an order/get response nor a push message".into())
}

/// Splits a file's text into numbered documents: the whole text when it is
/// one JSON value (pretty-printed files), else one per non-empty line.
pub fn documents(text: &str, now: i64) -> Vec<(usize, Result<Item, String>)> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        return match v {
            Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (i + 1, classify(v, now))).collect(),
            v => vec![(0, classify(v, now))],
        };
    }
    if trimmed.starts_with("<xml") && !trimmed.contains('\n') {
        return vec![(1, xml_item(trimmed, now))];
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let line = line.trim();
            let item = if line.starts_with('<') {
                xml_item(line, now)
            } else {
                serde_json::from_str::<Value>(line).map_err(|e| format!("not JSON: {e}")).and_then(|v| classify(v, now))
            };
            (i + 1, item)
        })
        .collect()
}

fn xml_item(text: &str, now: i64) -> Result<Item, String> {
    let push = Push::parse(text).map_err(|e| e.to_string())?;
    Ok(Item::Message { plaintext: text.to_string(), received_at: push.create_time.unwrap_or(now), demo: false })
}

/// Imports recognised documents; bad ones are reported and skipped.
pub fn import_documents(
    store: &mut Store,
    source_name: &str,
    source_tag: &str,
    docs: Vec<(usize, Result<Item, String>)>,
) -> store::Result<Report> {
    let mut report = Report::default();
    // Commit in batches: one transaction per line would be slow, one per
    // huge file would hold the write lock for long.
    for chunk in docs.chunks(1000) {
        let part = store.write(|c| {
            let mut part = Report::default();
            for (line, item) in chunk {
                match item {
                    Ok(Item::Snapshot { order, fetched_at, demo }) => {
                        let tag = if *demo { "demo" } else { source_tag };
                        if store::write::add_snapshot(c, order, *fetched_at, tag)? {
                            part.snapshots_new += 1;
                        } else {
                            part.snapshots_known += 1;
                        }
                    }
                    Ok(Item::Message { plaintext, received_at, demo }) => {
                        match store::write::add_message(
                            c,
                            *received_at,
                            None,
                            plaintext,
                            if *demo { "demo" } else { source_tag },
                            Redelivery::Ignore,
                        )? {
                            store::MessageInsert::New(_) => part.messages_new += 1,
                            store::MessageInsert::Duplicate(_) => part.messages_known += 1,
                        }
                    }
                    Ok(Item::ReceiverPeriod { started_at, last_seen, stopped_at }) => {
                        if store::write::add_receiver_period_once(c, *started_at, *last_seen, *stopped_at)? {
                            part.periods_new += 1;
                        }
                    }
                    Err(problem) => part.problems.push((source_name.to_string(), *line, problem.clone())),
                }
            }
            Ok(part)
        })?;
        report.merge(part);
    }
    Ok(report)
}

/// Imports one file from disk.
pub fn import_file(store: &mut Store, path: &Path, now: i64) -> store::Result<Report> {
    let name = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            return Ok(Report { problems: vec![(name, 0, format!("cannot read: {e}"))], ..Report::default() });
        }
    };
    import_documents(store, &name, "import", documents(&text, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_shape() {
        let now = 5;
        let resp = serde_json::json!({"errcode":0,"order":{"order_id":"1","update_time":9}});
        assert!(matches!(classify(resp, now), Ok(Item::Snapshot { fetched_at: 9, .. })));
        let wrapped = serde_json::json!({"fetched_at":7,"response":{"order":{"order_id":"1"}}});
        assert!(matches!(classify(wrapped, now), Ok(Item::Snapshot { fetched_at: 7, .. })));
        let push = serde_json::json!({"Event":"channels_ec_order_new","CreateTime":3,"order_info":{"order_id":1}});
        assert!(matches!(classify(push, now), Ok(Item::Message { received_at: 3, .. })));
        let wrapped = serde_json::json!({"received_at":4,"message":{"Event":"x"}});
        assert!(matches!(classify(wrapped, now), Ok(Item::Message { received_at: 4, .. })));
        assert!(classify(serde_json::json!({"what":1}), now).is_err());
        let made_up = serde_json::json!({"received_at":4,"message":{"Event":"x"},"demo":true});
        assert!(matches!(classify(made_up, now), Ok(Item::Message { demo: true, .. })));
        let period = serde_json::json!({"started_at":1,"last_seen":9,"stopped_at":null});
        assert_eq!(classify(period, now), Ok(Item::ReceiverPeriod { started_at: 1, last_seen: 9, stopped_at: None }));
        assert!(classify(serde_json::json!({"started_at":9,"last_seen":1}), now).is_err());
    }

    #[test]
    fn lines_are_numbered_and_bad_ones_reported() {
        let text =
            "{\"Event\":\"a\",\"CreateTime\":1}\n\nnot json\n{\"errcode\":100002,\"errmsg\":\"order not found\"}\n";
        let docs = documents(text, 0);
        assert_eq!(docs.len(), 3);
        assert!(docs[0].1.is_ok());
        assert_eq!(docs[1].0, 3);
        assert!(docs[1].1.as_ref().unwrap_err().starts_with("not JSON"));
        assert_eq!(docs[2].0, 4);
        assert_eq!(docs[2].1.as_ref().unwrap_err(), "the API answered errcode 100002: order not found");
    }
}

//! Recognising what a document is: an order version, a push, a receiver
//! period, or why it is none of them.

use serde_json::Value;

use super::MAX_LINE;
use crate::json::as_i64;
use crate::model::order::OrderError;
use crate::model::push::PushError;
use crate::model::{Order, Push};

/// Why a document (a line, an element, a file) was not imported: shown in
/// the import's report beside its line number.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    #[error("line longer than {0} MiB; skipped")]
    LineTooLong(usize),
    #[error("{0}")]
    Order(#[from] OrderError),
    #[error("{0}")]
    Push(#[from] PushError),
    #[error("message: {0}")]
    Message(#[source] PushError),
    #[error("\"{0}\" is not a number")]
    NotANumber(&'static str),
    #[error("\"last_seen\" is before \"started_at\"")]
    PeriodBackwards,
    #[error("neither an order/get response nor a push message")]
    UnknownShape,
}

/// One recognised document.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `demo`: the document says `"demo": true` (made-up data, such as the
    /// demo's illustrative seed pushes), stored as demo whoever imports it.
    Snapshot {
        order: Order,
        fetched_at: i64,
        /// `fetched_at` is when it was read (not the order's `update_time`).
        timed: bool,
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
pub fn classify(v: Value, now: i64) -> Result<Item, Unreadable> {
    let made_up = v.get("demo") == Some(&Value::Bool(true));
    let mut item = classify_shape(v, now)?;
    if let Item::Snapshot { demo, .. } | Item::Message { demo, .. } = &mut item {
        *demo = made_up;
    }
    Ok(item)
}

fn classify_shape(v: Value, now: i64) -> Result<Item, Unreadable> {
    if let Some(resp) = v.get("response") {
        let order = Order::from_response(resp)?;
        let fetched_at = v.get("fetched_at").and_then(as_i64).ok_or(Unreadable::NotANumber("fetched_at"))?;
        return Ok(Item::Snapshot { order, fetched_at, timed: true, demo: false });
    }
    if let Some(msg) = v.get("message") {
        let received_at = v.get("received_at").and_then(as_i64).ok_or(Unreadable::NotANumber("received_at"))?;
        let plaintext = match msg {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Push::parse(&plaintext).map_err(Unreadable::Message)?;
        return Ok(Item::Message { plaintext, received_at, demo: false });
    }
    if v.get("order").is_some() || v.get("errcode").is_some() || v.get("order_id").is_some() {
        let order = Order::from_response(&v)?;
        let fetched_at = order.update_time().unwrap_or(now);
        return Ok(Item::Snapshot { order, fetched_at, timed: false, demo: false });
    }
    if let Some(started_at) = v.get("started_at") {
        let started_at = as_i64(started_at).ok_or(Unreadable::NotANumber("started_at"))?;
        let stopped_at = v.get("stopped_at").and_then(as_i64);
        let last_seen =
            v.get("last_seen").and_then(as_i64).or(stopped_at).ok_or(Unreadable::NotANumber("last_seen"))?;
        if last_seen < started_at {
            return Err(Unreadable::PeriodBackwards);
        }
        return Ok(Item::ReceiverPeriod { started_at, last_seen, stopped_at });
    }
    if v.get("Event").is_some() || v.get("MsgType").is_some() {
        let push = Push::from_value(v.clone())?;
        let received_at = push.create_time.unwrap_or(now);
        return Ok(Item::Message { plaintext: v.to_string(), received_at, demo: false });
    }
    Err(Unreadable::UnknownShape)
}

/// Splits a file's text into numbered documents: the whole text when it is
/// one JSON value (pretty-printed files), else one per non-empty line.
pub fn documents(text: &str, now: i64) -> Vec<(usize, Result<Item, Unreadable>)> {
    if let Some(docs) = whole_document(text, now) {
        return docs;
    }
    Lines::new(text.as_bytes(), MAX_LINE)
        .map(|r| match r {
            Ok((n, line)) => (n, line.and_then(|l| line_item(&l, now))),
            Err(e) => (0, Err(Unreadable::Read(e))),
        })
        .collect()
}

/// The documents of a text that is one JSON value (an array counts each
/// element), or `None` when it is not.
pub(super) fn whole_document(text: &str, now: i64) -> Option<Vec<(usize, Result<Item, Unreadable>)>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Some(Vec::new());
    }
    let v = serde_json::from_str::<Value>(trimmed).ok()?;
    Some(match v {
        Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (i + 1, classify(v, now))).collect(),
        v => vec![(0, classify(v, now))],
    })
}

/// One line of a JSON-lines or XML-lines log.
pub fn line_item(line: &str, now: i64) -> Result<Item, Unreadable> {
    if line.starts_with('<') {
        xml_item(line, now)
    } else {
        serde_json::from_str::<Value>(line).map_err(Unreadable::NotJson).and_then(|v| classify(v, now))
    }
}

/// The non-empty lines of a reader, numbered from 1, trimmed, decoded as
/// UTF-8 (undecodable bytes replaced). A line longer than `max` bytes is
/// an `Err` problem for its line and is never held whole.
pub struct Lines<R> {
    reader: R,
    number: usize,
    buf: Vec<u8>,
    max: usize,
}

impl<R: std::io::BufRead> Lines<R> {
    pub fn new(reader: R, max: usize) -> Lines<R> {
        Lines { reader, number: 0, buf: Vec::new(), max }
    }
}

impl<R: std::io::BufRead> Iterator for Lines<R> {
    type Item = std::io::Result<(usize, Result<String, Unreadable>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            let (mut any, mut too_long) = (false, false);
            loop {
                let available = match self.reader.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Some(Err(e)),
                };
                if available.is_empty() {
                    break;
                }
                any = true;
                let newline = memchr::memchr(b'\n', available);
                let part = &available[..newline.unwrap_or(available.len())];
                if !too_long && self.buf.len() + part.len() > self.max {
                    too_long = true;
                    self.buf = Vec::new();
                }
                if !too_long {
                    self.buf.extend_from_slice(part);
                }
                let used = newline.map(|i| i + 1).unwrap_or(available.len());
                self.reader.consume(used);
                if newline.is_some() {
                    break;
                }
            }
            if !any {
                return None;
            }
            self.number += 1;
            if too_long {
                return Some(Ok((self.number, Err(Unreadable::LineTooLong(self.max >> 20)))));
            }
            // Bytes first: a padded or blank line is cut without decoding it.
            let text = String::from_utf8_lossy(self.buf.trim_ascii());
            let text = text.trim_start_matches('\u{feff}').trim();
            if !text.is_empty() {
                return Some(Ok((self.number, Ok(text.to_string()))));
            }
        }
    }
}

fn xml_item(text: &str, now: i64) -> Result<Item, Unreadable> {
    let push = Push::parse(text)?;
    Ok(Item::Message { plaintext: text.to_string(), received_at: push.create_time.unwrap_or(now), demo: false })
}

/// Gives untimed responses the read time the user stated.
pub(super) fn read_at_given(
    docs: Vec<(usize, Result<Item, Unreadable>)>,
    read_at: Option<i64>,
) -> Vec<(usize, Result<Item, Unreadable>)> {
    let Some(at) = read_at else { return docs };
    docs.into_iter()
        .map(|(n, item)| {
            let item = item.map(|i| match i {
                Item::Snapshot { order, timed: false, demo, .. } => {
                    Item::Snapshot { order, fetched_at: at, timed: true, demo }
                }
                other => other,
            });
            (n, item)
        })
        .collect()
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
        assert!(matches!(classify(serde_json::json!({"what":1}), now), Err(Unreadable::UnknownShape)));
        let made_up = serde_json::json!({"received_at":4,"message":{"Event":"x"},"demo":true});
        assert!(matches!(classify(made_up, now), Ok(Item::Message { demo: true, .. })));
        let period = serde_json::json!({"started_at":1,"last_seen":9,"stopped_at":null});
        assert_eq!(
            classify(period, now).unwrap(),
            Item::ReceiverPeriod { started_at: 1, last_seen: 9, stopped_at: None }
        );
        assert!(matches!(
            classify(serde_json::json!({"started_at":9,"last_seen":1}), now),
            Err(Unreadable::PeriodBackwards)
        ));
    }

    #[test]
    fn lines_are_numbered_and_bad_ones_reported() {
        let text =
            "{\"Event\":\"a\",\"CreateTime\":1}\n\nnot json\n{\"errcode\":100002,\"errmsg\":\"order not found\"}\n";
        let docs = documents(text, 0);
        assert_eq!(docs.len(), 3);
        assert!(docs[0].1.is_ok());
        assert_eq!(docs[1].0, 3);
        assert!(matches!(docs[1].1, Err(Unreadable::NotJson(_))));
        assert!(docs[1].1.as_ref().unwrap_err().to_string().starts_with("not JSON"));
        assert_eq!(docs[2].0, 4);
        assert_eq!(docs[2].1.as_ref().unwrap_err().to_string(), "the API answered errcode 100002: order not found");
    }

    #[test]
    fn lines_are_read_in_bounded_memory() {
        let mut text = b"\xef\xbb\xbf{\"a\":1}\r\n\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend(b"\nlast \xff");
        let mut lines = Lines::new(std::io::BufReader::with_capacity(64, &text[..]), 1000);
        assert_eq!(lines.next().unwrap().unwrap().1.unwrap(), "{\"a\":1}");
        let (n, long) = lines.next().unwrap().unwrap();
        assert_eq!(n, 3);
        assert!(matches!(long, Err(Unreadable::LineTooLong(_))));
        assert!(lines.buf.capacity() <= 1000 + 64, "held {} bytes", lines.buf.capacity());
        let (n, last) = lines.next().unwrap().unwrap();
        assert_eq!((n, last.unwrap()), (4, "last \u{fffd}".to_string()));
        assert!(lines.next().is_none());
    }
}

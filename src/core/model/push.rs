//! A decrypted push message: event name, order id, `type`, and everything
//! else kept as received. JSON is the shop's format; XML (other WeChat
//! products) is turned into the same JSON shape.

use serde_json::{Map, Value};

use crate::json::{as_i64, as_id};

#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// The message as JSON (XML pushes converted element by element).
    pub payload: Value,
    pub event: String,
    pub order_id: Option<String>,
    /// `type` of ext_info_update (or another event's sub-type field).
    pub kind: Option<i64>,
    pub create_time: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not XML: {0}")]
    NotXml(String),
    #[error("the message is not an object")]
    NotAnObject,
    #[error("the message has neither Event nor MsgType")]
    NoEvent,
    /// The event name or order id holds a NUL character. No real one does,
    /// and PostgreSQL text cannot hold it: refused on every backend alike, so
    /// the same push is quarantined wherever it is stored.
    #[error("the message's {0} contains a NUL character")]
    Nul(&'static str),
}

/// Blocks of the push body that carry the order id, by event family.
const ORDER_BLOCKS: [&str; 3] =
    ["order_info", "finder_shop_aftersale_status_update", "finder_shop_present_aftersale_status_update"];

impl Push {
    /// Parses a decrypted message, JSON or XML (chosen by its first character).
    pub fn parse(text: &str) -> Result<Push, PushError> {
        let trimmed = text.trim_start();
        let payload = if trimmed.starts_with('<') {
            xml_to_json(trimmed)?
        } else {
            serde_json::from_str(trimmed).map_err(|e| PushError::NotJson(e.to_string()))?
        };
        Push::from_value(payload)
    }

    pub fn from_value(payload: Value) -> Result<Push, PushError> {
        let obj = payload.as_object().ok_or(PushError::NotAnObject)?;
        let event = obj
            .get("Event")
            .and_then(Value::as_str)
            .or_else(|| obj.get("MsgType").and_then(Value::as_str))
            .ok_or(PushError::NoEvent)?
            .to_string();
        let block = ORDER_BLOCKS.iter().find_map(|k| obj.get(*k)).filter(|b| b.is_object());
        if event.contains('\0') {
            return Err(PushError::Nul("event"));
        }
        let order_id = block.and_then(|b| b.get("order_id")).and_then(as_id);
        if order_id.as_deref().is_some_and(|id| id.contains('\0')) {
            return Err(PushError::Nul("order_id"));
        }
        let kind = block.and_then(|b| b.get("type")).and_then(as_i64);
        let create_time = obj.get("CreateTime").and_then(as_i64);
        Ok(Push { payload, event, order_id, kind, create_time })
    }

    /// The duplicate key: event, order id, type, CreateTime and a hash of the
    /// plaintext. Two different ext_info types in the same second differ, a
    /// redelivery of the same plaintext does not.
    pub fn dup_key(&self, plaintext: &str) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.event,
            self.order_id.as_deref().unwrap_or("-"),
            self.kind.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
            self.create_time.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            crate::json::sha1_hex(plaintext.as_bytes())
        )
    }

    pub fn is_type5(&self) -> bool {
        super::names::is_type5(&self.event, self.kind)
    }
}

/// The deepest element nesting a push may have (serde_json's own limit for JSON is 128).
pub const MAX_XML_DEPTH: usize = 64;

/// Converts WeChat-style XML (`<xml><A>..</A><B><C>..</C></B></xml>`) into a
/// JSON object. Text becomes strings (the readers above accept numeric
/// strings); repeated elements become arrays.
pub fn xml_to_json(text: &str) -> Result<Value, PushError> {
    use quick_xml::Reader;
    use quick_xml::events::Event;

    let mut reader = Reader::from_str(text);
    // Each open element: its name, its children, its text.
    let mut stack: Vec<(String, Map<String, Value>, String)> = Vec::new();
    let mut root: Option<Value> = None;
    let err = |e: &dyn std::fmt::Display| PushError::NotXml(e.to_string());
    loop {
        match reader.read_event().map_err(|e| err(&e))? {
            Event::Start(start) => {
                // Pushes nest a few levels; a deeper document is hostile, and
                // its JSON would overflow the stack when dropped or walked.
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(err(&format_args!("elements nested deeper than {MAX_XML_DEPTH}")));
                }
                let name = start.name().as_ref().to_string();
                stack.push((name, Map::new(), String::new()));
            }
            Event::Empty(start) => {
                let name = start.name().as_ref().to_string();
                if let Some((_, children, _)) = stack.last_mut() {
                    insert_child(children, name, Value::String(String::new()));
                }
            }
            Event::Text(t) => {
                if let Some((_, _, buf)) = stack.last_mut() {
                    // The reader reports entity references separately, so text is literal.
                    buf.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some((_, _, buf)) = stack.last_mut() {
                    buf.push_str(&c.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, buf)) = stack.last_mut() {
                    let name = r.into_inner();
                    let text = quick_xml::escape::unescape(&format!("&{name};")).map_err(|e| err(&e))?.into_owned();
                    buf.push_str(&text);
                }
            }
            Event::End(_) => {
                let (name, children, text) = stack.pop().ok_or_else(|| err(&"unbalanced end tag"))?;
                let value =
                    if children.is_empty() { Value::String(text.trim().to_string()) } else { Value::Object(children) };
                match stack.last_mut() {
                    Some((_, parent, _)) => insert_child(parent, name, value),
                    None => root = Some(value),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(err(&"unclosed element"));
    }
    match root {
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(PushError::NotAnObject),
        None => Err(err(&"no root element")),
    }
}

fn insert_child(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            map.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_examples_with_numeric_ids() {
        let p = Push::parse(r#"{"ToUserName":"gh_*","FromUserName":"OPENID","CreateTime":1662480000,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3705115058471208928,"type":5}}"#).unwrap();
        assert_eq!(p.event, "channels_ec_order_ext_info_update");
        assert_eq!(p.order_id.as_deref(), Some("3705115058471208928"));
        assert_eq!(p.kind, Some(5));
        assert_eq!(p.create_time, Some(1662480000));
        assert!(p.is_type5());
    }

    #[test]
    fn string_ids_and_aftersale_blocks() {
        let p = Push::parse(r#"{"CreateTime":"1658509200","Event":"channels_ec_order_pay","order_info":{"order_id":"3705115058471208928","pay_time":"1658509200"}}"#).unwrap();
        assert_eq!(p.order_id.as_deref(), Some("3705115058471208928"));
        assert_eq!(p.create_time, Some(1658509200));
        let a = Push::parse(r#"{"Event":"channels_ec_aftersale_update","finder_shop_aftersale_status_update":{"status":"USER_WAIT_RETURN","after_sale_order_id":"1234567","order_id":"12345"}}"#).unwrap();
        assert_eq!(a.order_id.as_deref(), Some("12345"));
        assert_eq!(a.kind, None);
    }

    #[test]
    fn unknown_events_are_kept() {
        let p =
            Push::parse(r#"{"Event":"channels_ec_brand_new","order_info":{"order_id":"1","type":99},"extra":[1,2]}"#)
                .unwrap();
        assert_eq!(p.event, "channels_ec_brand_new");
        assert_eq!(p.kind, Some(99));
        assert_eq!(p.payload["extra"][1], 2);
    }

    #[test]
    fn xml_pushes_read_like_json() {
        let p = Push::parse("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[channels_ec_order_ext_info_update]]></Event><order_info><order_id>3705115058471208928</order_id><type>5</type></order_info></xml>").unwrap();
        assert_eq!(p.order_id.as_deref(), Some("3705115058471208928"));
        assert_eq!(p.kind, Some(5));
        assert_eq!(p.payload["ToUserName"], "gh_1");
        let text = Push::parse("<xml><MsgType><![CDATA[text]]></MsgType><Content>a &amp; b</Content></xml>").unwrap();
        assert_eq!(text.event, "text");
        assert_eq!(text.payload["Content"], "a & b");
    }

    #[test]
    fn bad_messages_say_why() {
        assert!(matches!(Push::parse("{"), Err(PushError::NotJson(_))));
        assert_eq!(Push::parse("[1]").unwrap_err(), PushError::NotAnObject);
        assert_eq!(Push::parse(r#"{"a":1}"#).unwrap_err(), PushError::NoEvent);
        assert!(matches!(Push::parse("<xml><a>"), Err(PushError::NotXml(_))));
    }

    #[test]
    fn dup_key_separates_types_in_one_second() {
        let a =
            r#"{"Event":"channels_ec_order_ext_info_update","CreateTime":1,"order_info":{"order_id":"9","type":5}}"#;
        let b =
            r#"{"Event":"channels_ec_order_ext_info_update","CreateTime":1,"order_info":{"order_id":"9","type":3}}"#;
        let (pa, pb) = (Push::parse(a).unwrap(), Push::parse(b).unwrap());
        assert_ne!(pa.dup_key(a), pb.dup_key(b));
        assert_eq!(pa.dup_key(a), Push::parse(a).unwrap().dup_key(a));
        assert!(pa.dup_key(a).starts_with("channels_ec_order_ext_info_update|9|5|1|"));
    }
}

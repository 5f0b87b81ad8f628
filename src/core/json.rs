//! Small helpers for reading the platform's loosely typed JSON.
//!
//! The platform sends the same field sometimes as a number and sometimes as a
//! numeric string (order ids, `type`, `*_time`), and order ids exceed 2^53, so
//! nothing here ever goes through `f64` for integers.

use serde_json::Value;
use sha1::{Digest, Sha1};

/// A JSON number or numeric string as `i64`. Floats with a fractional part and
/// anything non-numeric give `None`.
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_u64().and_then(|u| i64::try_from(u).ok())),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// An identifier that may arrive as a number or a string, as a string.
/// Numbers are printed as the digits they arrived as (serde_json's
/// `arbitrary_precision`), so ids of 2^64 and more stay exact and distinct.
pub fn as_id(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Follows a path of object keys.
pub fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(key))
}

pub fn get_i64(v: &Value, path: &[&str]) -> Option<i64> {
    get(v, path).and_then(as_i64)
}

pub fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

/// Writes `v` with object keys sorted, so two documents that differ only in
/// key order or whitespace get the same content hash.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Lowercase hex SHA-1 of some bytes. Used for content addressing, not security.
pub fn sha1_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha1::digest(bytes);
    // Called for every push (signature and duplicate key): no per-byte formatting.
    let mut s = String::with_capacity(40);
    for b in digest.iter() {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A short one-line rendering of a value for tables and panes.
pub fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Object(o) if o.is_empty() => "{}".into(),
        Value::Object(o) => format!("{{{} fields}}", o.len()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_numeric_strings_read_alike() {
        assert_eq!(as_i64(&json!(30)), Some(30));
        assert_eq!(as_i64(&json!("30")), Some(30));
        assert_eq!(as_i64(&json!("x")), None);
        assert_eq!(as_i64(&json!(1.5)), None);
    }

    #[test]
    fn big_ids_keep_every_digit() {
        let v: Value = serde_json::from_str(r#"{"id":3705115058471208928}"#).unwrap();
        assert_eq!(as_id(&v["id"]).unwrap(), "3705115058471208928");
        assert_eq!(as_id(&json!("3732676853715311104")).unwrap(), "3732676853715311104");
    }

    #[test]
    fn canonical_ignores_key_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2],"x":"s"}}"#).unwrap();
        let b: Value = serde_json::from_str("{ \"a\": {\"x\":\"s\", \"y\":[1, 2]}, \"b\": 1 }").unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":{"x":"s","y":[1,2]},"b":1}"#);
    }
}

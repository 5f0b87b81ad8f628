//! Structural diff of two JSON documents, as a list of changes addressed by
//! JSON pointers. Objects are compared key by key, arrays index by index; a
//! subtree that appears or disappears whole is one change, not many.

use serde::Serialize;
use serde_json::Value;

use crate::json::pointer_segment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Remove,
    Replace,
}

impl Op {
    /// The mark shown beside a changed field.
    pub fn mark(self) -> char {
        match self {
            Op::Add => '+',
            Op::Remove => '-',
            Op::Replace => '~',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    pub op: Op,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    /// The last segment of the path, for compact display.
    pub fn leaf(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(before, after, &mut String::new(), &mut out);
    out
}

fn walk(before: &Value, after: &Value, path: &mut String, out: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, va) in a {
                let len = path.len();
                path.push('/');
                path.push_str(&pointer_segment(key));
                match b.get(key) {
                    Some(vb) => walk(va, vb, path, out),
                    None => {
                        out.push(Change { path: path.clone(), op: Op::Remove, before: Some(va.clone()), after: None })
                    }
                }
                path.truncate(len);
            }
            for (key, vb) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(Change {
                    path: format!("{path}/{}", pointer_segment(key)),
                    op: Op::Add,
                    before: None,
                    after: Some(vb.clone()),
                });
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                match (a.get(i), b.get(i)) {
                    (Some(va), Some(vb)) => walk(va, vb, path, out),
                    (Some(va), None) => {
                        out.push(Change { path: path.clone(), op: Op::Remove, before: Some(va.clone()), after: None })
                    }
                    (None, Some(vb)) => {
                        out.push(Change { path: path.clone(), op: Op::Add, before: None, after: Some(vb.clone()) })
                    }
                    (None, None) => {}
                }
                path.truncate(len);
            }
        }
        (a, b) if a == b => {}
        (a, b) => {
            out.push(Change { path: path.clone(), op: Op::Replace, before: Some(a.clone()), after: Some(b.clone()) })
        }
    }
}

/// A compact label for a JSON pointer: the last key, with its array index
/// (`/a/delivery_product_info/0` → `delivery_product_info[0]`).
pub fn short_label(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or("");
    if !last.is_empty() && last.chars().all(|c| c.is_ascii_digit()) {
        format!("{}[{last}]", parts.next().unwrap_or(""))
    } else {
        last.replace("~1", "/").replace("~0", "~")
    }
}

/// Flattens a value into `(relative pointer, scalar)` leaves, for showing an
/// added or removed subtree field by field.
pub fn leaves(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    flatten(v, &mut String::new(), &mut out);
    out
}

fn flatten(v: &Value, path: &mut String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                let len = path.len();
                path.push('/');
                path.push_str(&pointer_segment(k));
                flatten(child, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, child) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                flatten(child, path, out);
                path.truncate(len);
            }
        }
        other => out.push((path.clone(), other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_added_removed() {
        let a = json!({"status": 20, "keep": 1, "gone": "x", "arr": [1, 2]});
        let b = json!({"status": 30, "keep": 1, "arr": [1], "new": {"k": 1}});
        let d = diff(&a, &b);
        let summary: Vec<(String, Op)> = d.iter().map(|c| (c.path.clone(), c.op)).collect();
        assert_eq!(
            summary,
            vec![
                ("/status".into(), Op::Replace),
                ("/gone".into(), Op::Remove),
                ("/arr/1".into(), Op::Remove),
                ("/new".into(), Op::Add),
            ]
        );
        assert_eq!(d[0].before, Some(json!(20)));
        assert_eq!(d[0].after, Some(json!(30)));
        assert_eq!(d[3].after, Some(json!({"k": 1})));
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let a = json!({"a": [1, {"b": null}]});
        assert!(diff(&a, &a.clone()).is_empty());
    }

    #[test]
    fn keys_with_slashes_are_escaped() {
        let d = diff(&json!({"a/b": 1, "c~d": 1}), &json!({"a/b": 2, "c~d": 2}));
        assert_eq!(d[0].path, "/a~1b");
        assert_eq!(d[1].path, "/c~0d");
    }

    #[test]
    fn type_changes_are_replacements() {
        let d = diff(&json!({"a": "1"}), &json!({"a": 1}));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].op, Op::Replace);
    }

    #[test]
    fn leaves_walk_nested_values() {
        let l = leaves(&json!({"x": {"y": 1, "z": [true]}, "e": {}}));
        assert_eq!(l, vec![("/x/y".into(), json!(1)), ("/x/z/0".into(), json!(true)), ("/e".into(), json!({}))]);
    }
}

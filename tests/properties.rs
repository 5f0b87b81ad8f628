//! Properties of the pure core, tried on generated inputs (proptest): the
//! JSON diff, canonical JSON, text width, durations and the push crypto.
//! `PROPTEST_CASES=100000 cargo test --test properties` for a long run.

use proptest::prelude::*;
use serde_json::{Map, Value};

use orderscope::{crypto, diff, json, text, timefmt};

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, ..ProptestConfig::default() }
}

/// JSON documents with keys from a small set (so two documents share
/// keys and differ inside them) and any text in strings and keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-c~/]{0,3}|\\PC{0,8}|[\\x00-\\x1f\\x7f]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-e~/]{1,2}|\\PC{1,4}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The parent container of a pointer, and the last segment.
fn parent<'a>(doc: &'a mut Value, path: &str) -> (&'a mut Value, String) {
    let mut segments: Vec<String> = path.split('/').skip(1).map(unescape).collect();
    let last = segments.pop().expect("not the root");
    let mut at = doc;
    for s in segments {
        at = match at {
            Value::Object(m) => m.get_mut(&s).expect("object key on the path"),
            Value::Array(a) => &mut a[s.parse::<usize>().expect("array index")],
            other => panic!("path through a scalar {other}"),
        };
    }
    (at, last)
}

/// Applies a diff's changes to `before` (removals last, from the end, so
/// array indices stay valid).
fn apply(before: &Value, changes: &[diff::Change]) -> Value {
    let mut doc = before.clone();
    for c in changes.iter().filter(|c| c.op != diff::Op::Remove) {
        let value = c.after.clone().expect("add and replace carry the after value");
        if c.path.is_empty() {
            doc = value;
            continue;
        }
        let (container, key) = parent(&mut doc, &c.path);
        match container {
            Value::Object(m) => {
                m.insert(key, value);
            }
            Value::Array(a) => {
                let i: usize = key.parse().unwrap();
                if i == a.len() { a.push(value) } else { a[i] = value }
            }
            other => panic!("change inside a scalar {other}"),
        }
    }
    for c in changes.iter().rev().filter(|c| c.op == diff::Op::Remove) {
        let (container, key) = parent(&mut doc, &c.path);
        match container {
            Value::Object(m) => {
                m.shift_remove(&key);
            }
            Value::Array(a) => {
                a.remove(key.parse::<usize>().unwrap());
            }
            other => panic!("removal inside a scalar {other}"),
        }
    }
    doc
}

/// The same document with every object's keys in reverse order.
fn reversed(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().rev().map(|(k, v)| (k.clone(), reversed(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_document_has_no_diff_with_itself(a in json_value()) {
        prop_assert!(diff::diff(&a, &a).is_empty());
    }

    #[test]
    fn applying_the_diff_gives_the_after_version(a in json_value(), b in json_value()) {
        let changes = diff::diff(&a, &b);
        prop_assert_eq!(apply(&a, &changes), b.clone());
        prop_assert_eq!(changes.is_empty(), a == b);
    }

    #[test]
    fn canonical_json_ignores_key_order_and_whitespace(a in json_value()) {
        let pretty = serde_json::to_string_pretty(&reversed(&a)).unwrap();
        let reread: Value = serde_json::from_str(&pretty).unwrap();
        let (one, two) = (json::canonical(&a), json::canonical(&reread));
        prop_assert_eq!(json::sha1_hex(one.as_bytes()), json::sha1_hex(two.as_bytes()));
        // And it is itself JSON that means the same document.
        prop_assert_eq!(serde_json::from_str::<Value>(&one).unwrap(), a);
    }

    #[test]
    fn truncate_and_pad_keep_to_the_width_and_let_no_control_through(s in "\\PC{0,20}|[\\x00-\\x1f\\x7f-\\u{9f}a中😀\u{301}]{0,20}|.{0,20}", w in 0usize..30) {
        let cut = text::truncate(&s, w);
        prop_assert!(text::width(&cut) <= w, "{:?} is {} wide, over {}", cut, text::width(&cut), w);
        prop_assert!(!cut.chars().any(char::is_control), "{:?}", cut);
        let padded = text::pad(&s, w);
        prop_assert_eq!(text::width(&padded), w, "{:?}", padded);
        prop_assert!(!padded.chars().any(char::is_control), "{:?}", padded);
        prop_assert!(!text::visible(&s).chars().any(char::is_control));
        // Text that fits is kept as it is.
        if text::width(&s) <= w && !s.chars().any(char::is_control) {
            prop_assert_eq!(cut, s);
        }
    }

    #[test]
    fn durations_round_trip_and_never_panic(n in 0i64..1_000_000_000, unit in prop::sample::select(vec![("s", 1i64), ("m", 60), ("h", 3600), ("d", 86_400), ("", 1)]), junk in ".{0,24}", t in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), Just(0)]) {
        prop_assert_eq!(timefmt::parse_duration(&format!("{n}{}", unit.0)), Ok(n * unit.1));
        let _ = timefmt::parse_duration(&junk);
        let _ = (timefmt::countdown(orderscope::model::Lang::Zh, t), timefmt::coarse(t), timefmt::full(t), timefmt::full_tz(t), timefmt::short(t));
    }

    #[test]
    fn crypto_round_trip(key in any::<[u8; 32]>(), random in any::<[u8; 16]>(), msg in prop::collection::vec(any::<u8>(), 0..600), appid in "[a-z0-9]{0,20}") {
        let sealed = crypto::seal(&key, &random, &msg, &appid);
        prop_assert_eq!(crypto::open_for(&key, &sealed, &appid).unwrap(), msg);
        let mut other = key;
        other[31] ^= 1;
        // Another key never passes for the right one.
        if !appid.is_empty() {
            prop_assert!(crypto::open_for(&other, &sealed, &appid).is_err());
        }
    }

    #[test]
    fn signatures_match_only_themselves(token in "\\PC{0,12}", ts in "[0-9]{1,10}", nonce in "\\PC{0,12}", other in "[0-9a-f]{40}") {
        let sig = crypto::signature(&token, &ts, &nonce);
        prop_assert!(crypto::same_signature(&sig, &sig));
        prop_assert_eq!(crypto::same_signature(&sig, &other), sig == other);
    }
}

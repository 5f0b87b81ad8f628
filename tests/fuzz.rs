//! Arbitrary bytes into every parser that reads what arrives from outside:
//! push envelopes (JSON and XML), the decryptor, the XML converter, the
//! order parser and the import line reader. None may panic, loop, or hold
//! more than a bounded amount of memory for its input.
//!
//! The case count fits CI (well under a minute); for a long run:
//! `PROPTEST_CASES=200000 cargo test --release --test fuzz`.

use proptest::prelude::*;
use serde_json::Value;

use orderscope::import::{self, Lines};
use orderscope::model::{Order, Push, push};
use orderscope::{crypto, text};

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Bytes that are often near-valid: fragments of envelopes, XML, orders and
/// base64 spliced with random bytes, so the parsers get past their first check.
fn hostile() -> impl Strategy<Value = Vec<u8>> {
    let fragments = prop::sample::select(vec![
        "<xml>",
        "</xml>",
        "<Encrypt><![CDATA[",
        "]]></Encrypt>",
        "<a>",
        "</a>",
        "<b/>",
        "&amp;",
        "&#x1b;",
        "&bogus;",
        "{\"Encrypt\":\"",
        "\"}",
        "{\"order\":{",
        "\"order_id\":",
        "\"3732676853715311104\"",
        "\"status\":30",
        "\"product_infos\":[{",
        "}]",
        "\"delivery_info\":{\"deliver_method\":0}",
        "\"Event\":\"channels_ec_order_new\"",
        "\"order_info\":{\"type\":5}",
        "\n",
        "\r\n",
        "\u{feff}",
        "\u{1b}[2J",
        "[",
        "]",
        "{",
        "}",
        "null",
        "1e999",
        "-0",
        "\\u0000",
        "\\ud800",
        "AAAA",
        "+/==",
    ]);
    let piece = prop_oneof![fragments.prop_map(|s| s.as_bytes().to_vec()), prop::collection::vec(any::<u8>(), 0..16),];
    prop::collection::vec(piece, 0..64).prop_map(|parts| parts.concat())
}

fn any_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..4096), hostile()]
}

proptest! {
    #![proptest_config(cases(2000))]

    #[test]
    fn push_envelopes_and_messages(bytes in any_input()) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = orderscope::receiver::envelope_encrypt(&bytes);
        let _ = push::xml_to_json(&text);
        if let Ok(p) = Push::parse(&text) {
            // A parsed push's fields print safely.
            prop_assert!(!text::visible(&p.event).chars().any(char::is_control));
            let _ = p.dup_key(&text);
        }
    }

    #[test]
    fn the_decryptor(bytes in any_input(), key in any::<[u8; 32]>(), as_text in any::<bool>()) {
        let encrypt = if as_text {
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        };
        if let Ok(opened) = crypto::open(&key, &encrypt) {
            // Whatever the declared length, nothing longer than the input comes out.
            prop_assert!(opened.msg.len() + opened.appid.len() <= encrypt.len());
        }
        let _ = crypto::open_for(&key, &encrypt, "wx1");
        let _ = crypto::decode_key(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn the_order_parser(bytes in any_input()) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(order) = Order::parse_text(&text) {
            let _ = (order.status(), order.shipped_at(), order.products(), orderscope::model::Vnum::of(&order));
        }
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let _ = Order::from_response(&v);
            let _ = import::classify(v, 0);
        }
    }

    #[test]
    fn the_import_line_reader(bytes in any_input(), max in 1usize..256, capacity in 1usize..64) {
        let reader = std::io::BufReader::with_capacity(capacity, &bytes[..]);
        let mut last = 0;
        for line in Lines::new(reader, max) {
            let (n, content) = line.unwrap();
            prop_assert!(n > last, "line numbers go up");
            last = n;
            match content {
                Ok(l) => {
                    prop_assert!(!l.is_empty() && l.len() <= max * 3 + 3, "a kept line is at most max bytes (as UTF-8)");
                    let _ = import::line_item(&l, 0);
                }
                Err(problem) => prop_assert!(matches!(problem, orderscope::import::Unreadable::LineTooLong(_))),
            }
        }
        prop_assert!(last <= bytes.iter().filter(|&&b| b == b'\n').count() + 1);
        let _ = import::documents(&String::from_utf8_lossy(&bytes), 0);
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    // A 64 KiB push body can nest tens of thousands of elements deep.
    let depth = 20_000;
    let xml = format!("<xml>{}{}</xml>", "<a>".repeat(depth), "</a>".repeat(depth));
    let run =
        std::thread::Builder::new().stack_size(256 * 1024).spawn(move || push::xml_to_json(&xml).is_err()).unwrap();
    assert!(run.join().expect("no stack overflow"), "a 20,000-deep document is refused");
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(Order::parse_text(&json).is_err() && Push::parse(&json).is_err());
}

//! What buyers quote, kept with each order's summary so the inspector's
//! filter never opens JSON: the phone tail, the virtual number and its
//! extension, waybills and carriers (from the newest version), and the
//! events and types of the pushes received.
//!
//! An order's filter text has three parts, separated by [`SEP`]:
//!
//! 1. free text: product titles, the buyer's masked name, waybill ids;
//! 2. facts from the newest version, as ` tag:value` tokens;
//! 3. one token per distinct push: ` event#type` (or ` event` without a type).
//!
//! Parts 1 and 2 are computed when a version is stored (`orders.search`);
//! part 3 grows as pushes are projected (`orders.events`, each token followed
//! by a space). The store joins them when it reads a row ([`compose`]), and
//! the filter splits them again ([`Parts::of`]). Every token in parts 2 and 3
//! has a space before and after it, so an exact token is one `contains`.
//! Values are lowercased and carry no whitespace, so a query term (which
//! never holds a space) can equal them.

use serde_json::Value;

use super::Order;
use crate::json::get_str;

/// Separates the parts; no platform text holds it (it is removed from values).
pub const SEP: char = '\u{1f}';

/// A value as a token holds it: lowercased, without whitespace or [`SEP`].
pub fn token_value(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != SEP).flat_map(char::to_lowercase).collect()
}

/// The tagged facts of one version: ` tel:139****0775 vn:18400984191
/// ext:0775 wb:sf3262259346637 carrier:sf carrier:顺丰速运 ` (empty when
/// there are none).
///
/// - `tel:` every phone the order shows: `tel_number` (masked, or the real
///   number after an approved request), `tel_number_ext_info.real_tel_number`
///   and `virtual_order_tel_number`;
/// - `vn:` and `ext:` the virtual number split on `-` (`HOST-EXT`);
/// - `wb:` each package's waybill, `carrier:` its `delivery_id` and
///   `delivery_name`.
pub fn facts(order: &Order) -> String {
    let mut tokens: Vec<String> = Vec::new();
    let mut add = |tag: &str, value: Option<&str>| {
        let Some(v) = value.map(token_value).filter(|v| !v.is_empty()) else { return };
        let token = format!("{tag}:{v}");
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    };
    let address = order.raw.pointer("/order_detail/delivery_info/address_info");
    let text = |path: &[&str]| address.and_then(|a| get_str(a, path));
    add("tel", text(&["tel_number"]));
    add("tel", text(&["tel_number_ext_info", "real_tel_number"]));
    add("tel", text(&["virtual_order_tel_number"]));
    if let Some(ext) = order.tel_ext()
        && let Some((host, extension)) = ext.host_and_extension()
    {
        add("vn", Some(host));
        add("ext", extension);
    }
    if let Some(Value::Array(packages)) = order.raw.pointer("/order_detail/delivery_info/delivery_product_info") {
        for p in packages {
            add("wb", get_str(p, &["waybill_id"]));
            add("carrier", get_str(p, &["delivery_id"]));
            add("carrier", get_str(p, &["delivery_name"]));
        }
    }
    if tokens.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for t in &tokens {
        out.push(' ');
        out.push_str(t);
    }
    out.push(' ');
    out
}

/// A push's token: its event, and `#type` when it carries one
/// (`channels_ec_order_ext_info_update#5`). `None` for a push without an
/// event (it cannot be looked for by one).
pub fn event_token(event: Option<&str>, kind: Option<i64>) -> Option<String> {
    let event = token_value(event?);
    if event.is_empty() {
        return None;
    }
    Some(match kind {
        Some(k) => format!("{event}#{k}"),
        None => event,
    })
}

/// Appends a push's token to `events` (the stored form, each token followed
/// by a space) unless it is there already.
pub fn add_event(events: &mut String, token: &str) {
    let known = events.split(' ').any(|t| t == token);
    if !known {
        events.push_str(token);
        events.push(' ');
    }
}

/// The filter text of a row, from the stored `search` and `events`. A
/// `search` written before it held facts has no separator: it is all free
/// text then.
pub fn compose(mut search: String, events: &str) -> String {
    if !search.contains(SEP) {
        search.push(SEP);
    }
    search.push(SEP);
    if !events.is_empty() {
        search.push(' ');
        search.push_str(events);
    }
    search
}

/// The three parts of a row's filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    pub free: &'a str,
    pub facts: &'a str,
    pub events: &'a str,
}

impl<'a> Parts<'a> {
    pub fn of(text: &'a str) -> Parts<'a> {
        let (free, rest) = text.split_once(SEP).unwrap_or((text, ""));
        let (facts, events) = rest.split_once(SEP).unwrap_or((rest, ""));
        Parts { free, facts, events }
    }

    /// The values of the facts tagged `tag` (`"tel"`).
    pub fn facts_of(&self, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.facts.split(' ').filter_map(move |t| t.strip_prefix(tag)?.strip_prefix(':'))
    }

    /// The push tokens (`event#type` or `event`).
    pub fn event_tokens(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.events.split(' ').filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AFTER: &str = include_str!("../../../assets/demo/seed/order-3732676853715311104-after-shipping.json");
    const BEFORE: &str = include_str!("../../../assets/demo/seed/order-3732676853715311104-before-shipping.json");

    #[test]
    fn the_seed_order_after_shipping_quotes_phone_number_and_waybill() {
        let o = Order::parse_text(AFTER).unwrap();
        assert_eq!(
            facts(&o),
            " tel:139****0775 vn:18400984191 ext:0775 wb:sf3262259346637 carrier:sf carrier:顺丰速运 "
        );
    }

    #[test]
    fn before_shipping_there_is_only_the_masked_phone() {
        assert_eq!(facts(&Order::parse_text(BEFORE).unwrap()), " tel:139****0775 ");
        assert_eq!(facts(&Order::from_order(serde_json::json!({"order_id": "1"})).unwrap()), "");
    }

    #[test]
    fn values_lose_whitespace_and_the_separator() {
        assert_eq!(token_value(" J&T Express\u{1f}x "), "j&texpressx");
    }

    #[test]
    fn event_tokens_carry_the_type() {
        assert_eq!(
            event_token(Some("channels_ec_order_ext_info_update"), Some(5)).as_deref(),
            Some("channels_ec_order_ext_info_update#5")
        );
        assert_eq!(event_token(Some("channels_ec_order_pay"), None).as_deref(), Some("channels_ec_order_pay"));
        assert_eq!(event_token(None, Some(5)), None);
        let mut events = String::new();
        add_event(&mut events, "a#5");
        add_event(&mut events, "a");
        add_event(&mut events, "a#5");
        assert_eq!(events, "a#5 a ");
    }

    #[test]
    fn composed_text_splits_back_into_its_parts() {
        let o = Order::parse_text(AFTER).unwrap();
        let text = compose(o.search_text(), "a#5 b ");
        let parts = Parts::of(&text);
        assert!(parts.free.contains("xbox无线控制器"), "{parts:?}");
        assert_eq!(parts.facts_of("tel").collect::<Vec<_>>(), ["139****0775"]);
        assert_eq!(parts.facts_of("ext").collect::<Vec<_>>(), ["0775"]);
        assert_eq!(parts.event_tokens().collect::<Vec<_>>(), ["a#5", "b"]);
        // A row written before facts existed: all of it is free text.
        let old = compose("xbox 杨**".into(), "");
        assert_eq!(Parts::of(&old), Parts { free: "xbox 杨**", facts: "", events: "" });
    }
}

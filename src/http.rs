//! The HTTP client setup shared by the shop API client and the forwarder.

use std::time::Duration;

/// A reqwest client on rustls with the ring provider (installed once per
/// process: reqwest is built without a default provider).
pub fn client(timeout: Duration) -> reqwest::Client {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .build()
        .expect("a client with these settings always builds")
}

/// An error without its URL: URLs of the shop API carry the access token.
pub fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_decode() {
        "unreadable answer"
    } else {
        "request failed"
    };
    let inner = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default();
    let inner = crate::http::mask_token(&inner);
    if inner.is_empty() { kind.to_string() } else { format!("{kind}: {inner}") }
}

/// Replaces the value of any `access_token=` in a text with `***`.
pub fn mask_token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("access_token=") {
        let (head, tail) = rest.split_at(pos + "access_token=".len());
        out.push_str(head);
        out.push_str("***");
        let end = tail.find(|c: char| c == '&' || c.is_whitespace() || c == '"' || c == ')').unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_in_text() {
        assert_eq!(
            mask_token("POST https://x/channels/ec/order/get?access_token=ABC.def-1&x=1 failed"),
            "POST https://x/channels/ec/order/get?access_token=***&x=1 failed"
        );
        assert_eq!(mask_token("no token here"), "no token here");
    }
}

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

/// A URL as it may be shown: without its query, which can carry the
/// access token or (for `/cgi-bin/token`) the AppSecret.
pub fn shown_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    u.to_string()
}

/// What failed, naming the URL (without its query) and the cause in words
/// a person can act on: a closed port, a name that does not resolve, TLS
/// spoken to a plain-HTTP server, a timeout.
pub fn describe(e: &reqwest::Error) -> String {
    let mut messages = Vec::new();
    let mut io_kind = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if io_kind.is_none()
            && let Some(io) = s.downcast_ref::<std::io::Error>()
        {
            io_kind = Some(io.kind());
        }
        messages.push(s.to_string());
        source = s.source();
    }
    let chain = messages.join(": ");
    let innermost = mask_token(messages.last().map(String::as_str).unwrap_or(""));
    let host = e.url().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_else(|| "the host".into());
    let port = e.url().and_then(|u| u.port_or_known_default()).map(|p| format!(":{p}")).unwrap_or_default();
    let what = if e.is_timeout() {
        "no answer in time (timed out); is the host reachable from here, or a firewall dropping the connection?"
            .to_string()
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        format!("connection refused: nothing listens on {host}{port}; check the port, and that the server runs")
    } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
        format!("cannot resolve the host name {host} ({innermost}); check its spelling and this host's DNS")
    } else if chain.contains("InvalidContentType")
        || chain.contains("corrupt message")
        || chain.contains("record overflow")
    {
        format!("TLS handshake failed: {host}{port} does not speak HTTPS; for a plain-HTTP server write http://")
    } else if chain.contains("certificate") {
        format!("the server's TLS certificate was refused ({innermost})")
    } else if e.is_connect() {
        format!("cannot connect to {host}{port}: {innermost}")
    } else if e.is_decode() {
        format!("unreadable answer: {innermost}")
    } else if innermost.is_empty() {
        "request failed".to_string()
    } else {
        format!("request failed: {innermost}")
    };
    match e.url() {
        Some(u) => format!("{}: {what}", shown_url(u)),
        None => what,
    }
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

    async fn error_for(url: &str) -> String {
        let e = client(Duration::from_secs(5)).get(url).send().await.unwrap_err();
        describe(&e)
    }

    #[tokio::test]
    async fn network_errors_name_the_url_and_the_cause() {
        // A port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = error_for(&format!("http://127.0.0.1:{port}/x?access_token=SECRET")).await;
        assert_eq!(
            e,
            format!(
                "http://127.0.0.1:{port}/x: connection refused: nothing listens on 127.0.0.1:{port}; check the port, and that the server runs"
            )
        );
        // https:// against a plain-HTTP server.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
            }
        });
        let e = error_for(&format!("https://{addr}/cgi-bin/token?secret=S")).await;
        assert!(e.starts_with(&format!("https://{addr}/cgi-bin/token: TLS handshake failed")), "{e}");
        assert!(e.contains("write http://") && !e.contains("secret"), "{e}");
        // A name that cannot resolve (.invalid is reserved never to exist).
        let e = error_for("http://no-such-host.invalid/").await;
        assert!(
            e.starts_with("http://no-such-host.invalid/: cannot resolve the host name no-such-host.invalid"),
            "{e}"
        );
    }

    #[test]
    fn tokens_are_masked_in_text() {
        assert_eq!(
            mask_token("POST https://x/channels/ec/order/get?access_token=ABC.def-1&x=1 failed"),
            "POST https://x/channels/ec/order/get?access_token=***&x=1 failed"
        );
        assert_eq!(mask_token("no token here"), "no token here");
    }
}

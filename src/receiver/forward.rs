//! `serve --forward URL`: relays each stored push, unchanged (same query
//! string, same body, same content type), to the shop's existing handler.
//! Relaying happens once the push is projected from the inbox and never changes the answer
//! to the platform; failures are retried with backoff, then logged.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use tokio::sync::Semaphore;

/// Why `--forward` cannot be relayed to. Never the value itself in a
/// message: it may carry user:password@.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("--forward is not a URL: {0}")]
    NotAUrl(#[source] url::ParseError),
    /// The URL as it may be shown (without its credentials and query).
    #[error("--forward {0} must be an http or https URL")]
    NotHttp(String),
}

#[derive(Clone)]
pub struct Forwarder {
    client: reqwest::Client,
    url: Arc<str>,
    /// Bounds the relays in flight; beyond it a push is not relayed (and logged).
    slots: Arc<Semaphore>,
}

const ATTEMPTS: u32 = 5;

impl Forwarder {
    pub fn new(url: &str) -> Result<Forwarder, ForwardError> {
        let parsed = reqwest::Url::parse(url).map_err(ForwardError::NotAUrl)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ForwardError::NotHttp(crate::http::shown_url(&parsed)));
        }
        Ok(Forwarder {
            client: crate::http::client(Duration::from_secs(5)),
            url: url.trim_end_matches('?').into(),
            slots: Arc::new(Semaphore::new(256)),
        })
    }

    pub fn relay(&self, query: &str, content_type: Option<&str>, body: Bytes) {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            tracing::error!("forward queue full: a push was stored but not relayed");
            return;
        };
        let target = if query.is_empty() {
            self.url.to_string()
        } else if self.url.contains('?') {
            format!("{}&{query}", self.url)
        } else {
            format!("{}?{query}", self.url)
        };
        let content_type = content_type.map(str::to_string);
        let client = self.client.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut backoff = crate::backoff::Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
            for attempt in 1..=ATTEMPTS {
                let mut req = client.post(&target).body(body.clone());
                if let Some(ct) = &content_type {
                    req = req.header(reqwest::header::CONTENT_TYPE, ct);
                }
                match req.send().await {
                    Ok(r) if r.status().is_success() => return,
                    Ok(r) => tracing::warn!(attempt, status = r.status().as_u16(), "forward answered with an error"),
                    Err(e) => tracing::warn!(attempt, "forward failed: {}", crate::http::describe(&e)),
                }
                tokio::time::sleep(backoff.pause()).await;
            }
            tracing::error!("forward gave up after {ATTEMPTS} attempts; the push is in the store");
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_url_that_cannot_be_relayed_to_says_why_without_its_password() {
        let Err(e) = Forwarder::new("ftp://shop:secret@example.com/wx?token=t") else { panic!("an ftp URL") };
        assert_eq!(e.to_string(), "--forward ftp://shop@example.com/wx must be an http or https URL");
        let Err(e) = Forwarder::new("//shop:secret@example.com/wx") else { panic!("not a URL") };
        assert!(e.to_string().starts_with("--forward is not a URL: "), "{e}");
        assert!(std::error::Error::source(&e).is_some(), "the parser's error is kept as the source");
    }
}

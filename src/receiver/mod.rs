//! `orderscope serve`: the push endpoint. It verifies each push's
//! `msg_signature`, decrypts it, appends it as it arrived to the store's
//! inbox with `synchronous=FULL`, and only then answers `success`; messages,
//! order summaries, forwarding and snapshot fetches are built from the inbox
//! afterwards. What it refuses (bad signature, missing parameters, oversized
//! bodies, plaintext-mode pushes) is stored nowhere and logged with the
//! peer's address, never the body; what it cannot read but is correctly
//! signed is kept whole (quarantined) so nothing that arrived is lost.

pub mod checkpointer;
pub mod conn;
pub mod forward;
pub mod journal;
pub mod latency;
pub mod reprocess;
pub mod serve;
pub mod snapshots;
pub mod writer;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::config::Secret;
use crate::crypto;
use conn::{Clock, Limits};
use journal::{Count, Journal, Level};
use writer::{Incoming, Job, Stored};

/// Bodies larger than this are refused before they are read whole.
pub const MAX_BODY: usize = 64 * 1024;

/// A push already stored that arrives with a timestamp older than this is
/// a replay, not a retry: the platform's retries end 3 h 36 min 10 s after
/// the first attempt (`delivery::LAST_OFFSET`, wechat-channels.md "Timeouts
/// and retries"), each attempt may wait 5 s for its answer, and a quarter
/// of an hour more allows for the two clocks disagreeing.
pub const REPLAY_AFTER: i64 = crate::explain::delivery::LAST_OFFSET + 10 * 5 + 15 * 60;

pub struct Settings {
    pub token: Secret,
    pub key: [u8; 32],
    pub appid: String,
}

/// What every connection's handler shares.
pub struct Shared {
    pub settings: Settings,
    pub writer: SyncSender<Job>,
    pub limits: Limits,
    /// Rate-limited lines and the counts behind the minute's summary;
    /// shared with the writer.
    pub journal: Arc<Journal>,
    /// From a push's head read to its `success`, for the stop's summary.
    pub answered: latency::Histogram,
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

impl Shared {
    fn refuse(&self, peer: SocketAddr, status: StatusCode, why: &'static str) -> Response {
        self.journal.count(Count::Refused);
        self.journal.warn(why, Some(peer), || format!("refused ({}): {why}", status.as_u16()));
        let text = match status {
            StatusCode::UNAUTHORIZED => "bad signature",
            StatusCode::PAYLOAD_TOO_LARGE => "body too large",
            StatusCode::METHOD_NOT_ALLOWED => "method not allowed",
            StatusCode::REQUEST_TIMEOUT => "body not received in time",
            _ => "bad request",
        };
        plain(status, text)
    }
}

/// One request on connection `clock`: the clock is busy while it is handled.
pub async fn handle<B>(shared: &Shared, peer: SocketAddr, clock: &Clock, req: Request<B>) -> Response
where
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    clock.body();
    let started = std::time::Instant::now();
    let push = req.method() == Method::POST;
    let response = route(shared, peer, clock, req).await;
    if push && response.status() == StatusCode::OK {
        shared.answered.record(started.elapsed());
    }
    clock.idle();
    response
}

async fn route<B>(shared: &Shared, peer: SocketAddr, clock: &Clock, req: Request<B>) -> Response
where
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let (parts, body) = req.into_parts();
    let query: HashMap<String, String> =
        parts.uri.query().map(|q| form_pairs(q).into_iter().collect()).unwrap_or_default();
    match parts.method {
        Method::GET => {
            clock.busy();
            verify_url(shared, peer, &query)
        }
        Method::POST => {
            let read = axum::body::to_bytes(Body::new(body), MAX_BODY);
            let body = match tokio::time::timeout(shared.limits.body_timeout, read).await {
                Ok(Ok(b)) => b,
                Ok(Err(_)) => return shared.refuse(peer, StatusCode::PAYLOAD_TOO_LARGE, "body over 64 KiB"),
                Err(_) => {
                    let mut r = shared.refuse(peer, StatusCode::REQUEST_TIMEOUT, "body not received in time");
                    r.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
                    return r;
                }
            };
            // From here the request is whole and is being stored: never cut.
            clock.busy();
            let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
            receive(shared, peer, &query, parts.uri.query().unwrap_or(""), content_type, body).await
        }
        _ => shared.refuse(peer, StatusCode::METHOD_NOT_ALLOWED, "not GET or POST"),
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string (`+` is a
/// space, a malformed escape stays as written).
fn form_pairs(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn verify_url(shared: &Shared, peer: SocketAddr, q: &HashMap<String, String>) -> Response {
    let (Some(sig), Some(ts), Some(nonce), Some(echostr)) =
        (q.get("signature"), q.get("timestamp"), q.get("nonce"), q.get("echostr"))
    else {
        return shared.refuse(
            peer,
            StatusCode::BAD_REQUEST,
            "URL verification without signature, timestamp, nonce and echostr",
        );
    };
    let expected = crypto::signature(shared.settings.token.expose(), ts, nonce);
    if !crypto::same_signature(&expected, sig) {
        return shared.refuse(peer, StatusCode::UNAUTHORIZED, "URL verification with a wrong signature");
    }
    tracing::info!(%peer, "URL verified");
    (StatusCode::OK, echostr.clone()).into_response()
}

/// The `Encrypt` field of a JSON or XML envelope, as the receiver reads
/// every push body (public for the fuzz test, which drives this parser).
pub fn envelope_encrypt(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim_start();
    let v: Value = if text.starts_with('<') {
        crate::model::push::xml_to_json(text).ok()?
    } else {
        serde_json::from_str(text).ok()?
    };
    v.get("Encrypt").and_then(Value::as_str).map(str::to_string)
}

/// The refusal of a push sent in plaintext mode, with what to change.
const PLAINTEXT_PUSH: &str = "a plaintext push (no msg_signature, no Encrypt): the receiver only takes safe-mode pushes; \
     in the 微信小店 console set 消息加密方式 to 安全模式 (safe mode) with the same Token and EncodingAESKey";

async fn receive(
    shared: &Shared,
    peer: SocketAddr,
    q: &HashMap<String, String>,
    raw_query: &str,
    content_type: Option<&str>,
    body: Bytes,
) -> Response {
    let encrypt = envelope_encrypt(&body);
    let plaintext_mode = q.get("encrypt_type").is_some_and(|t| t != "aes");
    if plaintext_mode || (q.get("msg_signature").is_none() && encrypt.is_none() && !body.is_empty()) {
        return shared.refuse(peer, StatusCode::BAD_REQUEST, PLAINTEXT_PUSH);
    }
    let (Some(ts), Some(nonce), Some(sig)) = (q.get("timestamp"), q.get("nonce"), q.get("msg_signature")) else {
        return shared.refuse(peer, StatusCode::BAD_REQUEST, "push without timestamp, nonce and msg_signature");
    };
    let Some(encrypt) = encrypt else {
        return shared.refuse(peer, StatusCode::BAD_REQUEST, "push body has no Encrypt field");
    };
    let expected = crypto::msg_signature(shared.settings.token.expose(), ts, nonce, &encrypt);
    if !crypto::same_signature(&expected, sig) {
        return shared.refuse(peer, StatusCode::UNAUTHORIZED, "push with a wrong msg_signature");
    }
    let (plaintext, problem) = match crypto::open_for(&shared.settings.key, &encrypt, &shared.settings.appid) {
        Ok(msg) => (Some(msg), None),
        Err(e) => {
            shared.journal.warn("undecryptable push", Some(peer), || format!("signed push kept in quarantine: {e}"));
            (None, Some(e.to_string()))
        }
    };
    let envelope = body.to_vec();
    let dup_key = crate::store::dup_key(plaintext.as_deref(), &envelope);
    let received_at = crate::timefmt::now();
    // Signed with the push, so a captured request keeps its age.
    let sent_at = ts.parse::<i64>().ok();
    let push = Incoming {
        received_at,
        stale: sent_at.is_some_and(|t| received_at - t > REPLAY_AFTER),
        query: raw_query.to_string(),
        content_type: content_type.map(str::to_string),
        envelope,
        plaintext,
        problem,
        dup_key,
    };
    let (tx, rx) = oneshot::channel();
    match shared.writer.try_send(Job::Push { push: Box::new(push), reply: tx }) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            shared.journal.count(Count::NotAcknowledged);
            shared.journal.warn("writer queue full", Some(peer), || "busy: the store writer's queue is full".into());
            return plain(StatusCode::SERVICE_UNAVAILABLE, "busy");
        }
        Err(TrySendError::Disconnected(_)) => return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    }
    // Answer only once the push is in the inbox, on disk; the platform retries otherwise.
    // An error or a late commit may still have stored it (the commit can
    // land after the wait, or fail only on its way back): the platform
    // delivers it again, and the duplicate key counts that as a second
    // delivery of the same push. So the answer is an error and the log says
    // what is known: not acknowledged, outcome unknown.
    match tokio::time::timeout(Duration::from_secs(4), rx).await {
        Ok(Ok(Ok(Stored::Inbox(_)))) => {
            shared.journal.count(Count::Accepted);
            plain(StatusCode::OK, "success")
        }
        // Answered like any push (a replayer learns nothing), stored nowhere.
        Ok(Ok(Ok(Stored::Replay))) => {
            shared.journal.count(Count::Replay);
            let age = sent_at.map(|t| crate::timefmt::coarse(received_at - t)).unwrap_or_default();
            shared.journal.line_every(Duration::from_secs(60), Level::Warn, "replay", Some(peer), || {
                format!(
                    "ignored a replayed push: already stored, and signed {age} ago, after the platform's retries end"
                )
            });
            plain(StatusCode::OK, "success")
        }
        Ok(Ok(Err(e))) => {
            shared.journal.count(Count::NotAcknowledged);
            shared.journal.error("not acknowledged", Some(peer), || format!("push not acknowledged: {e}"));
            plain(StatusCode::INTERNAL_SERVER_ERROR, "not acknowledged")
        }
        _ => {
            shared.journal.count(Count::NotAcknowledged);
            shared.journal.error("outcome unknown", Some(peer), || {
                "push not acknowledged (outcome unknown): the store did not commit within 4 s".into()
            });
            plain(StatusCode::SERVICE_UNAVAILABLE, "not acknowledged")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        let pairs = form_pairs("a=1&echostr=x%2By%3D%3D&b=c+d&bad=%zz&e");
        assert_eq!(pairs[1], ("echostr".into(), "x+y==".into()));
        assert_eq!(pairs[2], ("b".into(), "c d".into()));
        assert_eq!(pairs[3], ("bad".into(), "%zz".into()));
        assert_eq!(pairs[4], ("e".into(), "".into()));
    }

    #[test]
    fn envelopes_in_json_and_xml() {
        assert_eq!(envelope_encrypt(br#"{"ToUserName":"gh","Encrypt":"abc"}"#).as_deref(), Some("abc"));
        assert_eq!(envelope_encrypt(b"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>").as_deref(), Some("abc"));
        assert_eq!(envelope_encrypt(b"{}"), None);
        assert_eq!(envelope_encrypt(b"\xff"), None);
    }
}

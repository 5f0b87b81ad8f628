//! `orderscope serve`: the push endpoint. It verifies each push's
//! `msg_signature`, decrypts it, stores it durably, and only then answers
//! `success`. What it refuses (bad signature, missing parameters, oversized
//! bodies) is stored nowhere and logged with the peer's address, never the
//! body; what it cannot read but is correctly signed is kept whole
//! (quarantined) so nothing that arrived is lost.

pub mod forward;
pub mod serve;
pub mod snapshots;
pub mod writer;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::config::Secret;
use crate::crypto;
use crate::store::MessageInsert;
use writer::Job;

/// Bodies larger than this are refused before they are read whole.
pub const MAX_BODY: usize = 64 * 1024;

pub struct Settings {
    pub token: Secret,
    pub key: [u8; 32],
    pub appid: String,
}

/// An order id from a stored push, for the snapshot fetcher.
pub type OrderEvents = mpsc::Sender<String>;

struct Shared {
    settings: Settings,
    writer: mpsc::Sender<Job>,
    forward: Option<forward::Forwarder>,
    order_events: Option<OrderEvents>,
}

pub fn router(
    settings: Settings,
    writer: mpsc::Sender<Job>,
    forward: Option<forward::Forwarder>,
    order_events: Option<OrderEvents>,
) -> Router {
    let shared = Arc::new(Shared { settings, writer, forward, order_events });
    Router::new().fallback(handle).with_state(shared)
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

fn refuse(peer: SocketAddr, status: StatusCode, why: &str) -> Response {
    tracing::warn!(%peer, status = status.as_u16(), "refused: {why}");
    let text = match status {
        StatusCode::UNAUTHORIZED => "bad signature",
        StatusCode::PAYLOAD_TOO_LARGE => "body too large",
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed",
        _ => "bad request",
    };
    plain(status, text)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let query: HashMap<String, String> =
        parts.uri.query().map(|q| form_pairs(q).into_iter().collect()).unwrap_or_default();
    match parts.method {
        Method::GET => verify_url(&shared, peer, &query),
        Method::POST => {
            let body = match axum::body::to_bytes(body, MAX_BODY).await {
                Ok(b) => b,
                Err(_) => return refuse(peer, StatusCode::PAYLOAD_TOO_LARGE, "body over 64 KiB"),
            };
            receive(&shared, peer, &query, &parts.uri, &parts.headers, body).await
        }
        _ => refuse(peer, StatusCode::METHOD_NOT_ALLOWED, "not GET or POST"),
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string.
fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            (b'%', Some(hi), Some(lo)) => Some(hi * 16 + lo),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn verify_url(shared: &Shared, peer: SocketAddr, q: &HashMap<String, String>) -> Response {
    let (Some(sig), Some(ts), Some(nonce), Some(echostr)) =
        (q.get("signature"), q.get("timestamp"), q.get("nonce"), q.get("echostr"))
    else {
        return refuse(
            peer,
            StatusCode::BAD_REQUEST,
            "URL verification without signature, timestamp, nonce and echostr",
        );
    };
    let expected = crypto::signature(shared.settings.token.expose(), ts, nonce);
    if !crypto::same_signature(&expected, sig) {
        return refuse(peer, StatusCode::UNAUTHORIZED, "URL verification with a wrong signature");
    }
    tracing::info!(%peer, "URL verified");
    (StatusCode::OK, echostr.clone()).into_response()
}

/// The `Encrypt` field of a JSON or XML envelope.
fn envelope_encrypt(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim_start();
    let v: Value = if text.starts_with('<') {
        crate::model::push::xml_to_json(text).ok()?
    } else {
        serde_json::from_str(text).ok()?
    };
    v.get("Encrypt").and_then(Value::as_str).map(str::to_string)
}

async fn receive(
    shared: &Shared,
    peer: SocketAddr,
    q: &HashMap<String, String>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let (Some(ts), Some(nonce), Some(sig)) = (q.get("timestamp"), q.get("nonce"), q.get("msg_signature")) else {
        return refuse(peer, StatusCode::BAD_REQUEST, "push without timestamp, nonce and msg_signature");
    };
    let Some(encrypt) = envelope_encrypt(&body) else {
        return refuse(peer, StatusCode::BAD_REQUEST, "push body has no Encrypt field");
    };
    let expected = crypto::msg_signature(shared.settings.token.expose(), ts, nonce, &encrypt);
    if !crypto::same_signature(&expected, sig) {
        return refuse(peer, StatusCode::UNAUTHORIZED, "push with a wrong msg_signature");
    }
    let envelope = String::from_utf8_lossy(&body).into_owned();
    let received_at = crate::timefmt::now();
    let (tx, rx) = oneshot::channel();
    let job = match crypto::open_for(&shared.settings.key, &encrypt, &shared.settings.appid) {
        Ok(msg) => match String::from_utf8(msg) {
            Ok(plaintext) => Job::Push { received_at, envelope, plaintext, reply: tx },
            Err(_) => Job::Quarantine {
                received_at,
                envelope,
                reason: "the decrypted message is not UTF-8".into(),
                reply: tx,
            },
        },
        Err(e) => {
            tracing::warn!(%peer, "signed push kept in quarantine: {e}");
            Job::Quarantine { received_at, envelope, reason: e.to_string(), reply: tx }
        }
    };
    // Only the snapshot fetcher needs the order id before the writer parses the push.
    let order_id = match (&job, &shared.order_events) {
        (Job::Push { plaintext, .. }, Some(_)) => crate::model::Push::parse(plaintext).ok().and_then(|p| p.order_id),
        _ => None,
    };
    if shared.writer.send(job).await.is_err() {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    // Answer only once the push is committed; the platform retries otherwise.
    match tokio::time::timeout(Duration::from_secs(4), rx).await {
        Ok(Ok(Ok(outcome))) => {
            if let MessageInsert::Duplicate(id) = outcome {
                tracing::info!(%peer, message = id, "repeated push counted");
            }
            if let Some(f) = &shared.forward {
                f.relay(uri.query().unwrap_or(""), headers, body);
            }
            if let (Some(events), Some(id), MessageInsert::New(_)) = (&shared.order_events, order_id, outcome) {
                // A full queue drops the fetch, never delays the answer.
                let _ = events.try_send(id);
            }
            plain(StatusCode::OK, "success")
        }
        Ok(Ok(Err(e))) => {
            tracing::error!(%peer, "push not stored: {e}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "not stored")
        }
        _ => {
            tracing::error!(%peer, "push not stored in time");
            plain(StatusCode::SERVICE_UNAVAILABLE, "not stored")
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

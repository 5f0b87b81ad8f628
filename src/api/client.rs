//! The HTTP client: one cached access token shared by every request (one
//! refresh at a time), a single refresh-and-retry on 40001/40014/42001,
//! bounded jittered backoff on -1 and 45011, and errors that carry the
//! platform's errcode and errmsg and say what to do. Neither the AppSecret
//! nor the token ever appears in an error or a log line.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{Endpoint, STABLE_TOKEN_PATH, TOKEN_PATH};
use crate::config::Secret;
use crate::json::as_i64;
use crate::model::Origin;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenApi {
    /// `POST /cgi-bin/stable_token` (recommended by the platform).
    Stable,
    /// `GET /cgi-bin/token`.
    Classic,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub appid: String,
    pub secret: Secret,
    pub token_api: TokenApi,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The platform answered with an error code.
    #[error("the shop API answered errcode {errcode} ({}){}", crate::http::mask_token(errmsg), hint_suffix(hint))]
    Platform { errcode: i64, errmsg: String, hint: String },
    /// The request did not complete (connect, timeout, TLS...).
    #[error("cannot reach the shop API: {0}")]
    Transport(String),
    /// An answer that is not the JSON the endpoint promises.
    #[error("the shop API gave an unreadable answer: {0}")]
    BadAnswer(String),
}

fn hint_suffix(hint: &str) -> String {
    if hint.is_empty() { String::new() } else { format!(": {hint}") }
}

impl ApiError {
    pub fn errcode(&self) -> Option<i64> {
        match self {
            ApiError::Platform { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }
}

/// What to tell a person about an error code.
pub fn hint(errcode: i64, errmsg: &str) -> String {
    match errcode {
        -1 => "the platform is busy; retried, still failing — try again later".into(),
        45011 => "per-minute quota reached; try again next minute".into(),
        45009 => "the daily quota of this API is used up; it resets tomorrow (see get_api_quota)".into(),
        48001 => "this shop's app has no permission for the API (order permission set 131)".into(),
        40013 => "the AppID is wrong (ORDERSCOPE_APPID)".into(),
        40125 | 40001 if errmsg.contains("secret") => "the AppSecret is wrong (ORDERSCOPE_APPSECRET)".into(),
        40001 | 40014 | 42001 => "the access token was refused even after a refresh; check the AppSecret".into(),
        45035 | 61004 | 40164 => match first_ipv4(errmsg) {
            Some(ip) => format!(
                "this host's address {ip} is not in the shop's IP whitelist; add it at channels.weixin.qq.com/shop"
            ),
            None => {
                "this host's address is not in the shop's IP whitelist; add it at channels.weixin.qq.com/shop".into()
            }
        },
        100002 => "no such order".into(),
        _ => String::new(),
    }
}

fn first_ipv4(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.split('.').count() == 4 && w.split('.').all(|p| !p.is_empty() && p.parse::<u8>().is_ok()))
        .map(str::to_string)
}

struct CachedToken {
    value: String,
    refresh_after: Instant,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    creds: Credentials,
    token: Mutex<Option<CachedToken>>,
    /// Backoff before the n-th retry of a busy answer; short in tests.
    pub backoff: Duration,
    pub busy_retries: u32,
    /// What the orders it fetches are, as evidence: the demo shop's are made up.
    origin: Origin,
}

const TOKEN_ERRORS: [i64; 3] = [40001, 40014, 42001];

impl Client {
    pub fn new(base: &str, creds: Credentials, timeout: Duration) -> Client {
        Client {
            http: crate::http::client(timeout),
            base: base.trim_end_matches('/').to_string(),
            creds,
            token: Mutex::new(None),
            backoff: Duration::from_millis(500),
            busy_retries: 3,
            origin: Origin::Live,
        }
    }

    /// A client of a shop whose orders are made up (the bundled demo shop):
    /// what it fetches is stored as demo, never as observed.
    pub fn made_up(mut self) -> Client {
        self.origin = Origin::Demo;
        self
    }

    /// How a version this client fetched on its own is stored; `usual` is
    /// the origin of a real shop's fetch (`live`, `list`, `sync`).
    pub fn origin_of(&self, usual: Origin) -> Origin {
        if self.origin.is_demo() { Origin::Demo } else { usual }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn appid(&self) -> &str {
        &self.creds.appid
    }

    /// Gets a token now (for a setup check): the credentials work.
    pub async fn check_token(&self) -> Result<(), ApiError> {
        self.token(None).await.map(|_| ())
    }

    /// The cached token, or a new one. Callers queue on the lock, so one
    /// refresh serves everyone waiting. `stale` is a token the platform just
    /// refused: it is replaced unless someone else already did.
    async fn token(&self, stale: Option<&str>) -> Result<String, ApiError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() < t.refresh_after
            && stale != Some(t.value.as_str())
        {
            return Ok(t.value.clone());
        }
        let (value, expires_in) = self.fetch_token().await?;
        // Refresh shortly before expiry: 5 minutes early, or halfway for short lives.
        let margin = if expires_in > 600 { 300 } else { expires_in / 2 };
        let refresh_after = Instant::now() + Duration::from_secs((expires_in - margin).max(1) as u64);
        *cached = Some(CachedToken { value: value.clone(), refresh_after });
        Ok(value)
    }

    async fn fetch_token(&self) -> Result<(String, i64), ApiError> {
        let request = match self.creds.token_api {
            TokenApi::Stable => self.http.post(format!("{}{STABLE_TOKEN_PATH}", self.base)).json(&json!({
                "grant_type": "client_credential",
                "appid": self.creds.appid,
                "secret": self.creds.secret.expose(),
                "force_refresh": false,
            })),
            TokenApi::Classic => self.http.get(format!("{}{TOKEN_PATH}", self.base)).query(&[
                ("grant_type", "client_credential"),
                ("appid", self.creds.appid.as_str()),
                ("secret", self.creds.secret.expose()),
            ]),
        };
        let v = self.send(request).await?;
        let token = v.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let expires = v.get("expires_in").and_then(as_i64).unwrap_or(7200);
        match token {
            Some(t) => Ok((t.to_string(), expires.max(2))),
            None => Err(ApiError::BadAnswer("no access_token in the token answer".into())),
        }
    }

    /// Sends a request and reads its JSON; platform errors become `Platform`.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ApiError> {
        let response = request.send().await.map_err(|e| ApiError::Transport(crate::http::describe(&e)))?;
        let status = response.status();
        let url = crate::http::shown_url(response.url());
        let bytes = response.bytes().await.map_err(|e| ApiError::Transport(crate::http::describe(&e)))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            if status.is_success() {
                ApiError::BadAnswer(format!("not JSON ({e})"))
            } else {
                ApiError::Transport(format!("{url}: HTTP {status} and not JSON; is the API base URL right?"))
            }
        })?;
        let errcode = v.get("errcode").and_then(as_i64).unwrap_or(0);
        if errcode != 0 {
            let errmsg = v.get("errmsg").and_then(Value::as_str).unwrap_or("").to_string();
            let hint = hint(errcode, &errmsg);
            return Err(ApiError::Platform { errcode, errmsg, hint });
        }
        Ok(v)
    }

    /// Calls one endpoint with the retry rules above.
    pub async fn call(&self, endpoint: Endpoint, body: &Value) -> Result<Value, ApiError> {
        let mut token = self.token(None).await?;
        let mut refreshed = false;
        let mut busy = 0u32;
        let mut backoff = crate::backoff::Backoff::new(self.backoff, self.backoff * 64).with_jitter();
        loop {
            let request = self
                .http
                .post(format!("{}{}", self.base, endpoint.path()))
                .query(&[("access_token", token.as_str())])
                .json(body);
            match self.send(request).await {
                Err(ApiError::Platform { errcode, .. }) if TOKEN_ERRORS.contains(&errcode) && !refreshed => {
                    tracing::info!(endpoint = endpoint.path(), errcode, "access token refused; refreshing once");
                    refreshed = true;
                    token = self.token(Some(&token)).await?;
                }
                Err(ApiError::Platform { errcode, .. })
                    if (errcode == -1 || errcode == 45011) && busy < self.busy_retries =>
                {
                    busy += 1;
                    let delay = backoff.pause();
                    tracing::info!(endpoint = endpoint.path(), errcode, "platform busy; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_what_to_do() {
        assert!(hint(45009, "").contains("daily quota"));
        assert!(hint(48001, "api unauthorized").contains("131"));
        assert_eq!(
            hint(40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"),
            "this host's address 203.0.113.7 is not in the shop's IP whitelist; add it at channels.weixin.qq.com/shop"
        );
        assert!(hint(61004, "access clientip is not registered").contains("IP whitelist"));
        assert_eq!(hint(12345, ""), "");
    }
}

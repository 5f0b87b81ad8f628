//! A fake shop API: a real HTTP server on loopback that serves tokens,
//! `order/get`, `order/list/get` and `order/search` from a set of orders,
//! enforces the documented rules (valid tokens, 7-day windows, pages of at
//! most 100), and can inject faults. The demo runs it in-process, so the
//! demo takes the same live path as production; tests use it the same way.
//!
//! Each order may have several versions, each visible from a moment on, so
//! an order can "ship" while someone watches.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::json::{as_i64, get_i64};

/// A fault to inject into the next shop call (token calls are not affected).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Revoke every issued token and answer 40001.
    InvalidateToken,
    /// Answer -1 "system error".
    Busy,
    /// Answer 45009 (daily quota).
    Quota,
    /// Answer 61004 (IP not whitelisted).
    NotWhitelisted,
    /// Wait this long before answering.
    Slow(Duration),
    /// Answer with a body that is not JSON.
    Malformed,
}

#[derive(Default)]
struct Shop {
    appid: String,
    secret: String,
    /// Versions of each order: (visible from, order object).
    orders: BTreeMap<String, Vec<(i64, Value)>>,
    tokens: HashSet<String>,
    issued: u64,
    token_calls: usize,
    faults: VecDeque<Fault>,
    latency: Duration,
    /// Every shop call: path and JSON body.
    requests: Vec<(String, Value)>,
}

impl Shop {
    fn current(&self, id: &str, now: i64) -> Option<&Value> {
        self.orders.get(id)?.iter().filter(|(from, _)| *from <= now).max_by_key(|(from, _)| *from).map(|(_, o)| o)
    }
}

#[derive(Clone)]
pub struct FakeShop {
    shop: Arc<Mutex<Shop>>,
    pub addr: SocketAddr,
}

fn answer(v: Value) -> Response {
    (StatusCode::OK, [("content-type", "application/json")], v.to_string()).into_response()
}

fn err(code: i64, msg: &str) -> Response {
    answer(json!({"errcode": code, "errmsg": msg}))
}

impl FakeShop {
    /// Starts the server on 127.0.0.1 (a free port) on the current runtime.
    pub async fn start(appid: &str, secret: &str) -> std::io::Result<FakeShop> {
        let shop = Arc::new(Mutex::new(Shop { appid: appid.into(), secret: secret.into(), ..Shop::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(handle).with_state(shop.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeShop { shop, addr })
    }

    /// Starts it on a thread of its own, for callers without a runtime.
    pub fn start_thread(appid: &str, secret: &str) -> std::io::Result<FakeShop> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (appid, secret) = (appid.to_string(), secret.to_string());
        std::thread::Builder::new().name("fake-shop".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let started = FakeShop::start(&appid, &secret).await;
                let ok = started.is_ok();
                let _ = tx.send(started);
                if ok {
                    std::future::pending::<()>().await;
                }
            });
        })?;
        rx.recv().map_err(|_| std::io::Error::other("the fake shop thread ended"))?
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Shop) -> T) -> T {
        f(&mut self.shop.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Adds a version of an order, visible from `from` (unix s) on.
    pub fn add_version(&self, from: i64, order: Value) {
        let id = order.get("order_id").and_then(crate::json::as_id).unwrap_or_default();
        self.with(|s| s.orders.entry(id).or_default().push((from, order)));
    }

    pub fn push_fault(&self, fault: Fault) {
        self.with(|s| s.faults.push_back(fault));
    }

    /// Latency added to every shop call.
    pub fn set_latency(&self, d: Duration) {
        self.with(|s| s.latency = d);
    }

    pub fn requests(&self) -> Vec<(String, Value)> {
        self.with(|s| s.requests.clone())
    }

    pub fn token_calls(&self) -> usize {
        self.with(|s| s.token_calls)
    }

    pub fn order_count(&self) -> usize {
        self.with(|s| s.orders.len())
    }
}

async fn handle(State(shop): State<Arc<Mutex<Shop>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|p| p.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let q = |k: &str| query.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let path = parts.uri.path().to_string();
    let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let now = crate::timefmt::now();

    // Tokens.
    if path == super::STABLE_TOKEN_PATH || path == super::TOKEN_PATH {
        let (appid, secret) = if path == super::TOKEN_PATH && parts.method == Method::GET {
            (q("appid").unwrap_or_default(), q("secret").unwrap_or_default())
        } else if parts.method == Method::POST {
            (
                json_body.get("appid").and_then(Value::as_str).unwrap_or("").to_string(),
                json_body.get("secret").and_then(Value::as_str).unwrap_or("").to_string(),
            )
        } else {
            return err(43002, "require POST method");
        };
        let mut s = shop.lock().unwrap_or_else(|e| e.into_inner());
        s.token_calls += 1;
        if appid != s.appid {
            return err(40013, "invalid appid");
        }
        if secret != s.secret {
            return err(40125, "invalid appsecret");
        }
        s.issued += 1;
        let token = format!("FAKE_TOKEN_{}_{}", s.issued, now);
        s.tokens.insert(token.clone());
        return answer(json!({"access_token": token, "expires_in": 7200}));
    }

    // Shop calls: record, check the token, apply faults and latency.
    let (fault, latency) = {
        let mut s = shop.lock().unwrap_or_else(|e| e.into_inner());
        s.requests.push((path.clone(), json_body.clone()));
        match q("access_token") {
            None => return err(41001, "access_token missing"),
            Some(t) if !s.tokens.contains(&t) => {
                return err(40001, "invalid credential, access_token is invalid or not latest");
            }
            _ => {}
        }
        (s.faults.pop_front(), s.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::InvalidateToken) => {
            shop.lock().unwrap_or_else(|e| e.into_inner()).tokens.clear();
            return err(40001, "invalid credential, access_token is invalid or not latest");
        }
        Some(Fault::Busy) => return err(-1, "system error"),
        Some(Fault::Quota) => return err(45009, "reach max api daily quota limit"),
        Some(Fault::NotWhitelisted) => {
            return err(61004, "access clientip is not registered, not in ip-white-list, client ip: 203.0.113.7");
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::Malformed) => return (StatusCode::OK, "<html>gateway error</html>").into_response(),
        None => {}
    }
    if parts.method != Method::POST {
        return err(43002, "require POST method");
    }
    let s = shop.lock().unwrap_or_else(|e| e.into_inner());
    match path.as_str() {
        "/channels/ec/order/get" => {
            let id = json_body.get("order_id").and_then(crate::json::as_id).unwrap_or_default();
            match s.current(&id, now) {
                Some(o) => answer(json!({"errcode": 0, "errmsg": "ok", "order": o})),
                None => err(100002, "order not found"),
            }
        }
        "/channels/ec/order/list/get" => list(&s, &json_body, now),
        "/channels/ec/order/search" => {
            let id = json_body.get("search_condition").and_then(|c| c.get("order_id")).and_then(crate::json::as_id);
            let found: Vec<&String> = match &id {
                Some(id) => s.orders.keys().filter(|k| *k == id && s.current(k, now).is_some()).collect(),
                None => Vec::new(),
            };
            answer(json!({"errcode": 0, "errmsg": "ok", "orders": found, "has_more": false, "next_key": ""}))
        }
        _ => (StatusCode::NOT_FOUND, err(40066, "invalid url")).into_response(),
    }
}

fn list(s: &Shop, body: &Value, now: i64) -> Response {
    let (field, range) = match (body.get("update_time_range"), body.get("create_time_range")) {
        (Some(r), _) => ("update_time", r),
        (None, Some(r)) => ("create_time", r),
        (None, None) => return err(40097, "invalid args: update_time_range or create_time_range is required"),
    };
    let (Some(start), Some(end)) = (get_i64(range, &["start_time"]), get_i64(range, &["end_time"])) else {
        return err(40097, "invalid args: start_time and end_time are required");
    };
    if end < start || end - start > super::list::MAX_WINDOW {
        return err(40097, "invalid args: the time range may span at most 7 days");
    }
    let page_size = body.get("page_size").and_then(as_i64).unwrap_or(10);
    if !(1..=100).contains(&page_size) {
        return err(40097, "invalid args: page_size must be 1 to 100");
    }
    let offset: usize = body.get("next_key").and_then(crate::json::as_id).and_then(|k| k.parse().ok()).unwrap_or(0);
    let mut matching: Vec<(i64, &String)> = s
        .orders
        .keys()
        .filter_map(|id| {
            let t = get_i64(s.current(id, now)?, &[field])?;
            (start <= t && t < end).then_some((t, id))
        })
        .collect();
    matching.sort_by(|a, b| b.cmp(a));
    let page: Vec<&String> = matching.iter().skip(offset).take(page_size as usize).map(|(_, id)| *id).collect();
    let next = offset + page.len();
    answer(json!({
        "errcode": 0,
        "errmsg": "ok",
        "order_id_list": page,
        "next_key": next.to_string(),
        "has_more": next < matching.len(),
    }))
}

//! The shop API client against the fake shop (a real HTTP server on
//! loopback) and against wiremock.

mod common;

use std::time::Duration;

use orderscope::api::fake::{FakeShop, Fault};
use orderscope::api::{ApiError, Client, Credentials, Endpoint, TokenApi};
use orderscope::config::Secret;
use serde_json::{Value, json};

const APPID: &str = "wx1b80498468985c93";
const SECRET: &str = "s3cr3t-app-secret-value";

fn order(id: &str, update_time: i64) -> Value {
    json!({"order_id": id, "status": 20, "create_time": update_time - 100, "update_time": update_time})
}

async fn shop() -> FakeShop {
    FakeShop::start(APPID, SECRET).await.unwrap()
}

fn client(shop: &FakeShop) -> Client {
    let mut c = Client::new(
        &shop.base_url(),
        Credentials { appid: APPID.into(), secret: Secret::new(SECRET), token_api: TokenApi::Stable },
        Duration::from_secs(5),
    );
    c.backoff = Duration::from_millis(10);
    c
}

fn calls(shop: &FakeShop, path: &str) -> usize {
    shop.requests().iter().filter(|(p, _)| p == path).count()
}

#[tokio::test]
async fn refused_token_is_refreshed_and_the_call_retried_exactly_once() {
    let shop = shop().await;
    shop.add_version(0, order("1", 100));
    let c = client(&shop);
    c.order_get("1").await.unwrap();
    assert_eq!(shop.token_calls(), 1);
    shop.push_fault(Fault::InvalidateToken);
    let o = c.order_get("1").await.unwrap();
    assert_eq!(o.order_id, "1");
    assert_eq!(calls(&shop, "/channels/ec/order/get"), 3);
    assert_eq!(shop.token_calls(), 2);
    // Refused again after the refresh: no second retry, the error comes back.
    shop.push_fault(Fault::InvalidateToken);
    shop.push_fault(Fault::InvalidateToken);
    let e = c.order_get("1").await.unwrap_err();
    assert_eq!(e.errcode(), Some(40001));
    assert_eq!(calls(&shop, "/channels/ec/order/get"), 5);
    assert_eq!(shop.token_calls(), 3);
}

#[tokio::test]
async fn concurrent_calls_share_one_token_refresh() {
    let shop = shop().await;
    shop.add_version(0, order("1", 100));
    let c = std::sync::Arc::new(client(&shop));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.order_get("1").await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(shop.token_calls(), 1);
}

#[tokio::test]
async fn busy_answers_are_retried_with_backoff_then_succeed() {
    let shop = shop().await;
    shop.add_version(0, order("1", 100));
    let c = client(&shop);
    shop.push_fault(Fault::Busy);
    shop.push_fault(Fault::Busy);
    let started = std::time::Instant::now();
    assert!(c.order_get("1").await.is_ok());
    assert_eq!(calls(&shop, "/channels/ec/order/get"), 3);
    assert!(started.elapsed() >= Duration::from_millis(5 + 10), "no backoff");
    // Bounded: a platform that stays busy gives up.
    for _ in 0..10 {
        shop.push_fault(Fault::Busy);
    }
    assert_eq!(c.order_get("1").await.unwrap_err().errcode(), Some(-1));
    assert_eq!(calls(&shop, "/channels/ec/order/get"), 3 + 4);
}

#[tokio::test]
async fn quota_and_whitelist_errors_are_not_retried_and_say_what_to_do() {
    let shop = shop().await;
    shop.add_version(0, order("1", 100));
    let c = client(&shop);
    shop.push_fault(Fault::Quota);
    let e = c.order_get("1").await.unwrap_err();
    assert_eq!(calls(&shop, "/channels/ec/order/get"), 1);
    assert!(e.to_string().contains("errcode 45009") && e.to_string().contains("daily quota"), "{e}");
    shop.push_fault(Fault::NotWhitelisted);
    let e = c.order_get("1").await.unwrap_err();
    assert!(e.to_string().contains("203.0.113.7 is not in the shop's IP whitelist"), "{e}");
    assert_eq!(calls(&shop, "/channels/ec/order/get"), 2);
    shop.push_fault(Fault::Malformed);
    assert!(matches!(c.order_get("1").await, Err(ApiError::BadAnswer(_))));
    assert_eq!(c.order_get("404").await.unwrap_err().errcode(), Some(100002));
}

#[tokio::test]
async fn listing_walks_seven_day_windows_and_pages() {
    let shop = shop().await;
    let now = orderscope::timefmt::now();
    let total = 260;
    for i in 0..total {
        // spread over the last 10 days
        shop.add_version(0, order(&format!("37400000000000{i:05}"), now - 10 * 86_400 + i as i64 * 3300));
    }
    let c = client(&shop);
    let ids = c.updated_order_ids(now - 10 * 86_400, now + 1).await.unwrap();
    assert_eq!(ids.len(), total);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), total);
    assert!(ids.iter().all(|id| id.len() == 19));
    let lists: Vec<Value> =
        shop.requests().into_iter().filter(|(p, _)| p == "/channels/ec/order/list/get").map(|(_, b)| b).collect();
    assert_eq!(lists.len(), 3, "two pages in the first window, one in the second");
    for body in &lists {
        let r = &body["update_time_range"];
        assert!(r["end_time"].as_i64().unwrap() - r["start_time"].as_i64().unwrap() <= 7 * 86_400);
        assert!(body["page_size"].as_i64().unwrap() <= 100);
    }
    assert!(lists.iter().any(|b| b.get("next_key").is_some()), "never paged");
}

#[tokio::test]
async fn the_client_can_only_call_the_read_only_endpoints() {
    let paths: Vec<&str> = Endpoint::ALL.iter().map(|e| e.path()).collect();
    assert_eq!(paths, ["/channels/ec/order/get", "/channels/ec/order/list/get", "/channels/ec/order/search"]);
    let shop = shop().await;
    shop.add_version(0, order("1", 100));
    let c = client(&shop);
    c.order_get("1").await.unwrap();
    c.updated_order_ids(0, 200).await.unwrap();
    assert_eq!(c.search_order_id("1").await.unwrap(), vec!["1".to_string()]);
    for (path, _) in shop.requests() {
        assert!(paths.contains(&path.as_str()), "called {path}");
    }
}

#[tokio::test]
async fn secrets_and_tokens_stay_out_of_errors() {
    let shop = shop().await;
    let wrong = Client::new(
        &shop.base_url(),
        Credentials { appid: APPID.into(), secret: Secret::new("wrong-secret-value"), token_api: TokenApi::Stable },
        Duration::from_secs(5),
    );
    let e = wrong.order_get("1").await.unwrap_err().to_string();
    assert!(e.contains("AppSecret is wrong") && !e.contains("wrong-secret-value"), "{e}");
    // A dead endpoint: the transport error has no URL, so no token either.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = Client::new(
        &format!("http://127.0.0.1:{port}"),
        Credentials { appid: APPID.into(), secret: Secret::new(SECRET), token_api: TokenApi::Classic },
        Duration::from_secs(2),
    );
    let e = dead.order_get("1").await.unwrap_err().to_string();
    assert!(e.starts_with("cannot reach the shop API"), "{e}");
    assert!(!e.contains(SECRET) && !e.contains("access_token=") && !e.contains("secret="), "{e}");
}

#[tokio::test]
async fn classic_token_endpoint_and_wire_format_against_wiremock() {
    use wiremock::matchers::{body_partial_json, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", APPID))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "TOK1", "expires_in": 7200})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/channels/ec/order/get"))
        .and(query_param("access_token", "TOK1"))
        .and(body_partial_json(json!({"order_id": "3732676853715311104"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(std::fs::read_to_string(common::seed_file("after")).unwrap()),
        )
        .expect(2)
        .mount(&server)
        .await;
    let c = Client::new(
        &server.uri(),
        Credentials { appid: APPID.into(), secret: Secret::new(SECRET), token_api: TokenApi::Classic },
        Duration::from_secs(5),
    );
    for _ in 0..2 {
        let o = c.order_get("3732676853715311104").await.unwrap();
        assert_eq!(o.status(), Some(30));
    }
}

#[tokio::test]
async fn stable_token_request_against_wiremock() {
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_json(
            json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": false}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "T", "expires_in": 7200})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/channels/ec/order/search"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"errcode": 0, "order_id_list": ["3732676853715311104"]})),
        )
        .mount(&server)
        .await;
    let c = Client::new(
        &server.uri(),
        Credentials { appid: APPID.into(), secret: Secret::new(SECRET), token_api: TokenApi::Stable },
        Duration::from_secs(5),
    );
    assert_eq!(c.search_order_id("3732676853715311104").await.unwrap(), vec!["3732676853715311104"]);
}

//! The shop API, read-only: access tokens, `order/get`, `order/list/get`
//! and `order/search`. Nothing else can be called: the endpoints are a closed
//! enum, and there is no way to name another path.

pub mod client;
pub mod fake;
pub mod list;

pub use client::{ApiError, Client, Credentials, TokenApi};

/// Every shop endpoint the client can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    OrderGet,
    OrderListGet,
    OrderSearch,
}

impl Endpoint {
    pub const ALL: [Endpoint; 3] = [Endpoint::OrderGet, Endpoint::OrderListGet, Endpoint::OrderSearch];

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::OrderGet => "/channels/ec/order/get",
            Endpoint::OrderListGet => "/channels/ec/order/list/get",
            Endpoint::OrderSearch => "/channels/ec/order/search",
        }
    }
}

/// The token endpoints (called only by the client's token cache).
pub const STABLE_TOKEN_PATH: &str = "/cgi-bin/stable_token";
pub const TOKEN_PATH: &str = "/cgi-bin/token";

pub const DEFAULT_BASE: &str = "https://api.weixin.qq.com";

//! The order endpoints as the rest of orderscope uses them: one order, or
//! every order id updated in a time range (split into windows of at most 7
//! days and pages of at most 100, following `next_key` while `has_more`).

use serde_json::{Value, json};

use super::{ApiError, Client, Endpoint};
use crate::model::Order;

/// The platform's limit on one list request's time range.
pub const MAX_WINDOW: i64 = 7 * 86_400;
pub const PAGE_SIZE: i64 = 100;

/// Splits `[start, end)` into consecutive windows of at most 7 days.
pub fn windows(start: i64, end: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut s = start;
    while s < end {
        let e = (s + MAX_WINDOW).min(end);
        out.push((s, e));
        s = e;
    }
    out
}

impl Client {
    /// `order/get`: the whole response and the order in it.
    pub async fn order_get(&self, order_id: &str) -> Result<Order, ApiError> {
        let v = self.call(Endpoint::OrderGet, &json!({ "order_id": order_id })).await?;
        Order::from_response(&v).map_err(|e| ApiError::BadAnswer(e.to_string()))
    }

    /// Every order id updated in `[start, end)`, in the order the API gives them.
    pub async fn updated_order_ids(&self, start: i64, end: i64) -> Result<Vec<String>, ApiError> {
        let mut ids = Vec::new();
        for (ws, we) in windows(start, end) {
            let mut next_key = String::new();
            loop {
                let mut body = json!({
                    "update_time_range": { "start_time": ws, "end_time": we },
                    "page_size": PAGE_SIZE,
                });
                if !next_key.is_empty() {
                    body["next_key"] = Value::String(next_key.clone());
                }
                let v = self.call(Endpoint::OrderListGet, &body).await?;
                let page = v.get("order_id_list").or_else(|| v.get("orders")).and_then(Value::as_array);
                ids.extend(page.into_iter().flatten().filter_map(crate::json::as_id));
                let more = v.get("has_more").and_then(Value::as_bool).unwrap_or(false);
                let key = v.get("next_key").and_then(crate::json::as_id).unwrap_or_default();
                if !more || key.is_empty() || key == next_key {
                    break;
                }
                next_key = key;
            }
        }
        Ok(ids)
    }

    /// `order/search` by order id (the search answer's list is `orders`, or
    /// `order_id_list` in some versions of the documentation).
    pub async fn search_order_id(&self, order_id: &str) -> Result<Vec<String>, ApiError> {
        let v = self
            .call(
                Endpoint::OrderSearch,
                &json!({ "search_condition": { "order_id": order_id }, "page_size": PAGE_SIZE }),
            )
            .await?;
        let list = v.get("orders").or_else(|| v.get("order_id_list")).and_then(Value::as_array);
        Ok(list.into_iter().flatten().filter_map(crate::json::as_id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_split_into_seven_day_windows() {
        assert_eq!(windows(0, 10), vec![(0, 10)]);
        assert_eq!(windows(0, MAX_WINDOW), vec![(0, MAX_WINDOW)]);
        assert_eq!(
            windows(0, MAX_WINDOW * 2 + 5),
            vec![(0, MAX_WINDOW), (MAX_WINDOW, 2 * MAX_WINDOW), (2 * MAX_WINDOW, 2 * MAX_WINDOW + 5)]
        );
        assert!(windows(5, 5).is_empty());
    }
}

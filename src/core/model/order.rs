//! The order as `order/get` returns it: the raw JSON kept whole, with a typed
//! view of the fields the inspector needs. Every field may be missing.

use serde_json::Value;

use crate::json::{as_i64, get, get_i64, get_str};

/// Why a document is not a usable order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// serde_json's words, kept as text (as `PushError` keeps them): the
    /// error stays `Clone` and comparable.
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("the API answered errcode {errcode}: {errmsg}")]
    ApiError { errcode: i64, errmsg: String },
    #[error("no \"order\" object in the response")]
    NoOrder,
    #[error("the order has no order_id")]
    NoOrderId,
    #[error("the order's order_id contains a NUL character")]
    NulInOrderId,
}

/// One version of an order: the `order` object exactly as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub raw: Value,
    pub order_id: String,
}

/// The buyer's virtual number as the order states it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TelExt {
    pub real_tel_number: Option<String>,
    /// The full `virtual_tel_number`, e.g. `18400984191-0775`.
    pub virtual_tel_number: Option<String>,
    pub expire_time: Option<i64>,
    pub get_virtual_tel_cnt: Option<i64>,
    pub has_delay_times: Option<i64>,
}

impl TelExt {
    /// The host number and extension, split on `-` (the host is usually 11
    /// digits but samples with 12 exist, so no fixed widths).
    pub fn host_and_extension(&self) -> Option<(&str, Option<&str>)> {
        let full = self.virtual_tel_number.as_deref()?.trim();
        if full.is_empty() {
            return None;
        }
        Some(match full.split_once('-') {
            Some((host, ext)) => (host, Some(ext)),
            None => (full, None),
        })
    }
}

/// One package of `delivery_product_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub waybill_id: Option<String>,
    pub delivery_name: Option<String>,
    pub delivery_time: Option<i64>,
    /// 1 self-arranged courier, 2 contracted online waybill, 3 virtual goods
    /// without logistics, 4 online courier (wechat-channels.md §2.5).
    pub deliver_type: Option<i64>,
}

/// One line of `product_infos`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub title: String,
    pub sku_cnt: Option<i64>,
    pub sale_price: Option<i64>,
}

impl Order {
    /// Reads an `order/get` response (`{"errcode":0,"order":{…}}`) or a bare
    /// order object.
    pub fn from_response(v: &Value) -> Result<Order, OrderError> {
        if let Some(code) = v.get("errcode").and_then(as_i64)
            && code != 0
        {
            return Err(OrderError::ApiError {
                errcode: code,
                errmsg: v.get("errmsg").and_then(Value::as_str).unwrap_or("").to_string(),
            });
        }
        let order = match v.get("order") {
            Some(o @ Value::Object(_)) => o,
            Some(_) => return Err(OrderError::NoOrder),
            None if v.get("order_id").is_some() => v,
            None => return Err(OrderError::NoOrder),
        };
        Order::from_order(order.clone())
    }

    /// Wraps a bare `order` object.
    pub fn from_order(raw: Value) -> Result<Order, OrderError> {
        let order_id = raw.get("order_id").and_then(crate::json::as_id).ok_or(OrderError::NoOrderId)?;
        // As for pushes: no real id holds one, and PostgreSQL text cannot.
        if order_id.contains('\0') {
            return Err(OrderError::NulInOrderId);
        }
        Ok(Order { raw, order_id })
    }

    pub fn parse_text(text: &str) -> Result<Order, OrderError> {
        let v: Value = serde_json::from_str(text).map_err(|e| OrderError::NotJson(e.to_string()))?;
        Order::from_response(&v)
    }

    pub fn status(&self) -> Option<i64> {
        get_i64(&self.raw, &["status"])
    }
    pub fn create_time(&self) -> Option<i64> {
        get_i64(&self.raw, &["create_time"])
    }
    pub fn update_time(&self) -> Option<i64> {
        get_i64(&self.raw, &["update_time"])
    }
    pub fn pay_time(&self) -> Option<i64> {
        get_i64(&self.raw, &["order_detail", "pay_info", "pay_time"]).filter(|t| *t > 0)
    }

    fn delivery(&self) -> Option<&Value> {
        get(&self.raw, &["order_detail", "delivery_info"])
    }

    /// `ship_done_time`, with 0 (not shipped) read as none.
    pub fn ship_done_time(&self) -> Option<i64> {
        self.delivery().and_then(|d| get_i64(d, &["ship_done_time"])).filter(|t| *t > 0)
    }

    /// The earliest `delivery_time` of any package: when the first parcel left.
    pub fn first_delivery_time(&self) -> Option<i64> {
        self.packages().iter().filter_map(|p| p.delivery_time).filter(|t| *t > 0).min()
    }

    /// When the order shipped, by the best evidence in this version.
    pub fn shipped_at(&self) -> Option<i64> {
        self.first_delivery_time().or_else(|| self.ship_done_time())
    }

    /// Has this version of the order left the warehouse?
    pub fn is_shipped(&self) -> bool {
        self.shipped_at().is_some() || matches!(self.status(), Some(21 | 30 | 100))
    }

    /// 0 normal logistics, 1 virtual delivery.
    pub fn deliver_method(&self) -> Option<i64> {
        self.delivery().and_then(|d| get_i64(d, &["deliver_method"]))
    }

    /// `ewaybill_order_code`: an e-waybill order exists for this order.
    pub fn ewaybill_order_code(&self) -> Option<&str> {
        self.delivery().and_then(|d| get_str(d, &["ewaybill_order_code"])).filter(|s| !s.is_empty())
    }

    pub fn use_tel_number(&self) -> Option<i64> {
        self.delivery().and_then(|d| get_i64(d, &["address_info", "use_tel_number"]))
    }

    /// `tel_number_ext_info`, if the block is present at all.
    pub fn tel_ext(&self) -> Option<TelExt> {
        let ext = self.delivery().and_then(|d| get(d, &["address_info", "tel_number_ext_info"]))?;
        if !ext.is_object() {
            return None;
        }
        let text = |k: &str| get_str(ext, &[k]).map(str::to_string).filter(|s| !s.is_empty());
        Some(TelExt {
            real_tel_number: text("real_tel_number"),
            virtual_tel_number: text("virtual_tel_number"),
            expire_time: get_i64(ext, &["virtual_tel_expire_time"]).filter(|t| *t > 0),
            get_virtual_tel_cnt: get_i64(ext, &["get_virtual_tel_cnt"]),
            has_delay_times: get_i64(ext, &["has_delay_times"]),
        })
    }

    /// The masked contact number, as the platform masked it.
    pub fn tel_number(&self) -> Option<&str> {
        self.delivery().and_then(|d| get_str(d, &["address_info", "tel_number"])).filter(|s| !s.is_empty())
    }

    pub fn user_name(&self) -> Option<&str> {
        self.delivery().and_then(|d| get_str(d, &["address_info", "user_name"])).filter(|s| !s.is_empty())
    }

    /// What the inspector's filter matches in an order besides its id and
    /// states: product titles, the buyer's name (masked by the platform) and
    /// waybill ids, lowercased and joined by spaces; then, after
    /// [`quoted::SEP`](super::quoted::SEP), the tagged facts buyers quote
    /// (see [`super::quoted`]).
    pub fn search_text(&self) -> String {
        let mut parts: Vec<String> = self.products().into_iter().map(|p| p.title).collect();
        parts.extend(self.user_name().map(str::to_string));
        parts.extend(self.packages().into_iter().filter_map(|p| p.waybill_id));
        parts.retain(|p| !p.is_empty());
        let mut text: String = parts.join(" ").to_lowercase().chars().filter(|c| *c != super::quoted::SEP).collect();
        text.push(super::quoted::SEP);
        text.push_str(&super::quoted::facts(self));
        text
    }

    /// What the list shows of the order beside its id: the product titles
    /// as written (joined by " / "), and the buyer's masked name.
    pub fn list_text(&self) -> (String, String) {
        let titles: Vec<String> =
            self.products().into_iter().map(|p| p.title).filter(|t| !t.trim().is_empty()).collect();
        (titles.join(" / "), self.user_name().unwrap_or_default().to_string())
    }

    pub fn packages(&self) -> Vec<Package> {
        let Some(Value::Array(items)) = self.delivery().and_then(|d| d.get("delivery_product_info")) else {
            return Vec::new();
        };
        items
            .iter()
            .map(|p| Package {
                waybill_id: get_str(p, &["waybill_id"]).map(str::to_string),
                delivery_name: get_str(p, &["delivery_name"]).map(str::to_string),
                delivery_time: get_i64(p, &["delivery_time"]),
                deliver_type: get_i64(p, &["deliver_type"]),
            })
            .collect()
    }

    pub fn products(&self) -> Vec<Product> {
        let Some(Value::Array(items)) = get(&self.raw, &["order_detail", "product_infos"]) else {
            return Vec::new();
        };
        items
            .iter()
            .map(|p| Product {
                title: get_str(p, &["title"]).unwrap_or("").to_string(),
                sku_cnt: get_i64(p, &["sku_cnt"]),
                sale_price: get_i64(p, &["sale_price"]),
            })
            .collect()
    }

    /// Open after-sale orders.
    pub fn open_aftersales(&self) -> i64 {
        get_i64(&self.raw, &["aftersale_detail", "on_aftersale_order_cnt"]).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BEFORE: &str = include_str!("../../../assets/demo/seed/order-3732676853715311104-before-shipping.json");
    const AFTER: &str = include_str!("../../../assets/demo/seed/order-3732676853715311104-after-shipping.json");

    #[test]
    fn seed_before_shipping() {
        let o = Order::parse_text(BEFORE).unwrap();
        assert_eq!(o.order_id, "3732676853715311104");
        assert_eq!(o.status(), Some(20));
        assert_eq!(o.use_tel_number(), Some(0));
        assert_eq!(o.tel_ext(), None);
        assert_eq!(o.ship_done_time(), None);
        assert!(!o.is_shipped());
        assert_eq!(o.pay_time(), Some(1764642403));
        assert_eq!(o.products()[0].title, "Xbox无线控制器");
        assert_eq!(o.tel_number(), Some("139****0775"));
    }

    #[test]
    fn seed_after_shipping() {
        let o = Order::parse_text(AFTER).unwrap();
        assert_eq!(o.status(), Some(30));
        assert_eq!(o.use_tel_number(), Some(1));
        let ext = o.tel_ext().unwrap();
        assert_eq!(ext.virtual_tel_number.as_deref(), Some("18400984191-0775"));
        assert_eq!(ext.host_and_extension(), Some(("18400984191", Some("0775"))));
        assert_eq!(ext.expire_time, Some(1767241651));
        assert_eq!(ext.has_delay_times, Some(0));
        assert_eq!(ext.get_virtual_tel_cnt, None);
        assert_eq!(o.shipped_at(), Some(1764656486));
        assert_eq!(o.packages()[0].delivery_name.as_deref(), Some("顺丰速运"));
        assert!(o.is_shipped());
    }

    #[test]
    fn numbers_as_strings_and_numeric_ids() {
        let v: Value = serde_json::from_str(
            r#"{"errcode":"0","order":{"order_id":3705115058471208928,"status":"30",
            "order_detail":{"delivery_info":{"ship_done_time":"1700000000",
            "address_info":{"use_tel_number":"1","tel_number_ext_info":{"virtual_tel_number":"132123457749-1234",
            "virtual_tel_expire_time":"1735436340","has_delay_times":"2"}}}}}}"#,
        )
        .unwrap();
        let o = Order::from_response(&v).unwrap();
        assert_eq!(o.order_id, "3705115058471208928");
        assert_eq!(o.status(), Some(30));
        assert_eq!(o.ship_done_time(), Some(1700000000));
        let ext = o.tel_ext().unwrap();
        assert_eq!(ext.host_and_extension(), Some(("132123457749", Some("1234"))));
        assert_eq!(ext.expire_time, Some(1735436340));
        assert_eq!(ext.has_delay_times, Some(2));
        // the raw JSON keeps the id as the exact integer it was
        assert_eq!(o.raw["order_id"].to_string(), "3705115058471208928");
    }

    #[test]
    fn missing_blocks_read_as_none() {
        let o = Order::from_order(json!({"order_id":"1"})).unwrap();
        assert_eq!(o.status(), None);
        assert_eq!(o.use_tel_number(), None);
        assert_eq!(o.tel_ext(), None);
        assert!(o.packages().is_empty());
        assert!(o.products().is_empty());
        assert!(!o.is_shipped());
    }

    #[test]
    fn bad_documents_say_why() {
        assert_eq!(
            Order::parse_text(r#"{"errcode":100002,"errmsg":"order not found"}"#).unwrap_err().to_string(),
            "the API answered errcode 100002: order not found"
        );
        assert_eq!(Order::parse_text(r#"{"errcode":0}"#).unwrap_err(), OrderError::NoOrder);
        assert_eq!(Order::parse_text(r#"{"order":{}}"#).unwrap_err(), OrderError::NoOrderId);
        assert!(matches!(Order::parse_text("{"), Err(OrderError::NotJson(_))));
    }

    #[test]
    fn order_errors_read_as_before() {
        let api = OrderError::ApiError { errcode: 40001, errmsg: "invalid credential".into() };
        assert_eq!(api.to_string(), "the API answered errcode 40001: invalid credential");
        assert_eq!(OrderError::NoOrder.to_string(), "no \"order\" object in the response");
        assert_eq!(OrderError::NoOrderId.to_string(), "the order has no order_id");
        assert_eq!(OrderError::NulInOrderId.to_string(), "the order's order_id contains a NUL character");
        assert!(Order::parse_text("{").unwrap_err().to_string().starts_with("not JSON: "));
    }

    #[test]
    fn unknown_fields_are_kept() {
        let o = Order::parse_text(r#"{"order":{"order_id":"1","brand_new_field":{"x":1}}}"#).unwrap();
        assert_eq!(o.raw["brand_new_field"]["x"], 1);
    }
}

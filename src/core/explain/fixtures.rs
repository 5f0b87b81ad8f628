//! Orders and pushes built from values, for the rules' and the comparison's tests.

use serde_json::{Value, json};

use crate::model::Order;
use crate::version_pair::Version;

use super::evidence::{Evidence, Note, Period, PushRecord};

pub const SHIP: i64 = 1_764_656_486;
pub const EXPIRY: i64 = 1_767_241_651;
/// When the fixtures' evidence is read: a year after the seed's shipment.
pub const NOW: i64 = 1_796_000_000;

/// A version of order 1 read at `at`, shipped or not, with an optional
/// `tel_number_ext_info`.
pub fn version(id: i64, at: i64, shipped: bool, ext: Option<Value>) -> Version {
    let mut address = json!({"tel_number": "139****0775", "use_tel_number": if ext.is_some() { 1 } else { 0 }});
    if let Some(ext) = ext {
        address["tel_number_ext_info"] = ext;
    }
    let packages =
        if shipped { json!([{"waybill_id": "SF1", "delivery_time": SHIP, "deliver_type": 1}]) } else { json!([]) };
    let order = Order::from_order(json!({
        "order_id": "1", "status": if shipped { 30 } else { 20 }, "update_time": at,
        "order_detail": {"delivery_info": {"address_info": address, "deliver_method": 0,
            "delivery_product_info": packages, "ship_done_time": if shipped { SHIP } else { 0 }}}
    }))
    .unwrap();
    Version { snapshot_id: id, fetched_at: at, order, source: "import".into() }
}

pub fn seed_ext() -> Value {
    json!({"virtual_tel_number": "18400984191-0775", "virtual_tel_expire_time": EXPIRY, "has_delay_times": 0})
}

pub fn push(id: i64, at: i64, kind: Option<i64>, source: &str) -> PushRecord {
    let event = if kind.is_some() { "channels_ec_order_ext_info_update" } else { "channels_ec_order_deliver" };
    PushRecord {
        id,
        received_at: at,
        created_at: None,
        event: event.into(),
        kind,
        deliveries: 1,
        source: source.into(),
        pending: false,
    }
}

pub fn evidence(versions: Vec<Version>, pushes: Vec<PushRecord>, periods: Vec<Period>, notes: Vec<Note>) -> Evidence {
    Evidence { order_id: "1".into(), versions, pushes, periods, notes, unprocessed_elsewhere: 0, now: NOW }
}

pub fn seed(pushes: Vec<PushRecord>, periods: Vec<Period>) -> Evidence {
    let before = version(1, 1_764_642_404, false, None);
    let after = version(2, 1_764_656_487, true, Some(seed_ext()));
    evidence(vec![before, after], pushes, periods, vec![])
}

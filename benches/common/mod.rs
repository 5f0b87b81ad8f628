//! The large store the inspector benchmarks run on, built once and kept
//! under target/bench/.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use orderscope::model::Order;
use orderscope::store::{NewMessage, OpenMode, Redelivery, Store};

pub const ORDERS: u64 = 100_000;
pub const MESSAGES_PER_ORDER: u64 = 10;
pub const BASE_ID: u64 = 3_740_000_000_000_000_000;

pub fn store_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/large.db")
}

/// Builds the large store once and keeps it under target/ for later runs.
pub fn ensure_store(path: &Path) {
    if let Ok(store) = Store::open(path, OpenMode::Existing)
        && store
            .reads()
            .counts()
            .map(|(o, _, m)| o as u64 == ORDERS && m as u64 == ORDERS * MESSAGES_PER_ORDER)
            .unwrap_or(false)
    {
        return;
    }
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(path.with_extension("db-wal"));
    let _ = std::fs::remove_file(path.with_extension("db-shm"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let started = Instant::now();
    let template: serde_json::Value =
        serde_json::from_str(include_str!("../../assets/demo/seed/order-3732676853715311104-after-shipping.json"))
            .unwrap();
    let mut store = Store::open(path, OpenMode::Create).unwrap();
    let now = orderscope::timefmt::now();
    for chunk in 0..(ORDERS / 10_000) {
        store
            .write(|c| {
                for i in chunk * 10_000..(chunk + 1) * 10_000 {
                    let id = (BASE_ID + i).to_string();
                    let mut raw = template["order"].clone();
                    raw["order_id"] = id.clone().into();
                    let t = now - (i as i64) * 60;
                    raw["update_time"] = t.into();
                    raw["order_detail"]["delivery_info"]["address_info"]["tel_number_ext_info"]["virtual_tel_expire_time"] =
                        (t + 20 * 86_400).into();
                    c.add_snapshot(&Order::from_order(raw).unwrap(), t, "bench".into())?;
                    for k in 0..MESSAGES_PER_ORDER {
                        let push = format!(
                            "{{\"CreateTime\":{},\"MsgType\":\"event\",\"Event\":\"channels_ec_order_ext_info_update\",\"order_info\":{{\"order_id\":{id},\"type\":{}}}}}",
                            t + k as i64,
                            1 + k
                        );
                        c.add_message(NewMessage::new(t + k as i64, &push, "bench".into()).redelivery(Redelivery::Ignore))?;
                    }
                }
                Ok(())
            })
            .unwrap();
    }
    println!(
        "built the store in {:.1} s ({} MB)",
        started.elapsed().as_secs_f64(),
        std::fs::metadata(path).unwrap().len() >> 20
    );
}

/// A store of `orders` orders with one version each and no pushes, for the
/// first-frame figure (the list is what start-up must read).
pub fn ensure_wide_store(path: &Path, orders: u64) {
    if let Ok(store) = Store::open(path, OpenMode::Existing)
        && store.reads().counts().map(|(o, _, _)| o as u64 == orders).unwrap_or(false)
    {
        return;
    }
    for ext in ["db", "db-wal", "db-shm"] {
        let _ = std::fs::remove_file(path.with_extension(ext));
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let template: serde_json::Value =
        serde_json::from_str(include_str!("../../assets/demo/seed/order-3732676853715311104-after-shipping.json"))
            .unwrap();
    let mut store = Store::open(path, OpenMode::Create).unwrap();
    let now = orderscope::timefmt::now();
    for chunk in 0..orders.div_ceil(20_000) {
        store
            .write(|c| {
                for i in chunk * 20_000..((chunk + 1) * 20_000).min(orders) {
                    let mut raw = template["order"].clone();
                    raw["order_id"] = (BASE_ID + i).to_string().into();
                    let t = now - (i as i64) * 30;
                    raw["update_time"] = t.into();
                    c.add_snapshot(&Order::from_order(raw).unwrap(), t, "bench".into())?;
                }
                Ok(())
            })
            .unwrap();
    }
}

//! The bundled demo shop: the seed order with its two real `order/get`
//! responses, and made-up orders whose times are stored relative to the
//! moment the demo starts (so "expires in 3 days" stays true whenever it runs).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::import::{self, Item, Report, Unreadable};
use crate::model::Origin;
use crate::store::{self, OpenMode, Store};

const SEED_BEFORE: &str = include_str!("../assets/demo/seed/order-3732676853715311104-before-shipping.json");
const SEED_AFTER: &str = include_str!("../assets/demo/seed/order-3732676853715311104-after-shipping.json");
const SEED_PUSHES: &str = include_str!("../assets/demo/seed/pushes.jsonl");
const SNAPSHOTS: &str = include_str!("../assets/demo/snapshots.jsonl");
const PUSHES: &str = include_str!("../assets/demo/pushes.jsonl");
const RECEIVER: &str = include_str!("../assets/demo/receiver.jsonl");
/// Order B of the seed question, made up: served by the demo shop's API but
/// not in the demo store, so looking it up shows the fetch of an unknown order.
const LOOKUP_ONLY: &str = include_str!("../assets/demo/lookup/order-3732679488426088960.json");
pub const LOOKUP_ONLY_ID: &str = "3732679488426088960";

/// The seed order's two reads, as the forum thread states them:
/// 2025-12-02 10:26:44.901 and 14:21:27.454 (+08:00).
const SEED_FETCHED_AT: [i64; 2] = [1_764_642_404, 1_764_656_487];

pub const SEED_ORDER_ID: &str = "3732676853715311104";

/// Keys whose numeric values are times in the relative demo files.
fn is_time_key(key: &str) -> bool {
    key.ends_with("_time") || key.ends_with("_at") || matches!(key, "CreateTime" | "last_seen" | "delivery_deadline")
}

/// Adds `now` to every non-zero time in `v` (0 keeps meaning "not yet").
pub fn shift_times(v: &mut Value, now: i64) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::Number(n) if is_time_key(k) => {
                        if let Some(t) = n.as_i64().filter(|t| *t != 0) {
                            *child = Value::from(t + now);
                        }
                    }
                    other => shift_times(other, now),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| shift_times(i, now)),
        _ => {}
    }
}

fn relative_docs(text: &str, now: i64) -> Vec<(usize, Result<Item, Unreadable>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let item = serde_json::from_str::<Value>(line).map_err(Unreadable::NotJson).and_then(|mut v| {
                shift_times(&mut v, now);
                import::classify(v, now)
            });
            (i + 1, item)
        })
        .collect()
}

/// Fills a store with the demo shop as of `now`.
pub fn populate(store: &mut Store, now: i64) -> store::Result<Report> {
    let mut report = Report::default();
    for (text, fetched_at) in [SEED_BEFORE, SEED_AFTER].into_iter().zip(SEED_FETCHED_AT) {
        let item = crate::model::Order::parse_text(text)
            .map(|order| Item::Snapshot { order, fetched_at, timed: true, demo: false })
            .map_err(Unreadable::from);
        // The two real reads from the forum thread: observed, not demo.
        report.merge(import::import_documents(store, "seed", Origin::Seed, vec![(0, item)])?);
    }
    report.merge(import::import_documents(store, "seed pushes", Origin::Demo, import::documents(SEED_PUSHES, now))?);
    report.merge(import::import_documents(store, "demo snapshots", Origin::Demo, relative_docs(SNAPSHOTS, now))?);
    report.merge(import::import_documents(store, "demo pushes", Origin::Demo, relative_docs(PUSHES, now))?);
    // When the demo shop's receiver ran (with one gap).
    store.write(|c| {
        for line in RECEIVER.lines().filter(|l| !l.trim().is_empty()) {
            let mut v: Value = serde_json::from_str(line).expect("the bundled receiver periods are JSON");
            shift_times(&mut v, now);
            let at = |k: &str| v.get(k).and_then(Value::as_i64);
            let (Some(start), Some(seen)) = (at("started_at"), at("last_seen")) else { continue };
            c.add_receiver_period(start, seen, at("stopped_at"), None)?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// A demo store in a fresh temporary directory, removed when dropped.
pub struct DemoStore {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl DemoStore {
    pub fn create(now: i64) -> anyhow::Result<DemoStore> {
        let dir = tempfile::Builder::new().prefix("orderscope-demo-").tempdir()?;
        let path = dir.path().join("demo.db");
        let mut store = Store::open(&path, OpenMode::Create)?;
        let report = populate(&mut store, now)?;
        if let Some((src, line, problem)) = report.problems.first() {
            anyhow::bail!("demo data is broken: {src}:{line}: {problem}");
        }
        Ok(DemoStore { _dir: dir, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The inspector on the bundled demo shop, in a temporary store removed on
/// exit. The demo's shop API is a fake on loopback, reached through the
/// same client and live path as a real shop; the inspector is handed a
/// store and a client and knows nothing of the demo.
pub fn run(settings: &crate::settings::Settings) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let now = crate::timefmt::now();
    let demo = DemoStore::create(now).context("cannot build the demo shop")?;
    let store = Store::open(demo.path(), OpenMode::Existing)?;
    let shop = start_fake_shop(&store, now).context("cannot start the demo shop API")?;
    let client = client_for(&shop);
    let lang = settings.lang;
    let host = crate::hostname();
    let title = match lang {
        crate::model::Lang::Zh => format!("演示店铺 · 实时（模拟 API {}）· 主机 {host} · 存储（临时）", shop.addr),
        crate::model::Lang::En => {
            format!("demo shop · live (fake API {}) · host {host} · store (temporary)", shop.addr)
        }
    };
    let live = crate::tui::LiveClient { client: std::sync::Arc::new(client), recent_days: 3 };
    let result = crate::tui::run(store, title, lang, Some(SEED_ORDER_ID), Some(live));
    drop(demo);
    result
}

/// The demo shop's API credentials (used only against the fake on loopback).
pub const DEMO_APPID: &str = "wxd3m0000000000000";
const DEMO_SECRET: &str = "demo-shop-secret";
/// The demo order that ships while the demo runs.
pub const SHIPS_DURING_DEMO: &str = "3741142277031690240";

/// How long after the start the demo order ships (`ORDERSCOPE_DEMO_SHIP_AFTER`
/// seconds, 60 by default).
fn ship_after() -> i64 {
    std::env::var("ORDERSCOPE_DEMO_SHIP_AFTER").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

/// The version of an order after it ships at `at`: status 30, a parcel, and
/// a virtual number assigned (its 30-day clock starting now).
pub fn shipped_version(order: &Value, at: i64) -> Value {
    let mut o = order.clone();
    o["status"] = 30.into();
    o["update_time"] = at.into();
    let product = o["order_detail"]["product_infos"][0].clone();
    let delivery = &mut o["order_detail"]["delivery_info"];
    delivery["delivery_product_info"] = serde_json::json!([{
        "waybill_id": "SF1400377216548",
        "delivery_id": "SF",
        "product_infos": [{"product_id": product["product_id"], "sku_id": product["sku_id"], "product_cnt": 1}],
        "delivery_name": "顺丰速运",
        "delivery_time": at - 1,
        "deliver_type": 1
    }]);
    delivery["ship_done_time"] = (at - 1).into();
    let address = &mut delivery["address_info"];
    let masked = address["tel_number"].clone();
    address["use_tel_number"] = 1.into();
    address["tel_number_ext_info"] = serde_json::json!({
        "real_tel_number": masked,
        "virtual_tel_number": "17190452276-6620",
        "virtual_tel_expire_time": at + 30 * 86_400,
        "has_delay_times": 0
    });
    o
}

/// Starts the demo's shop API: every demo order as its latest stored
/// version, and one order that ships a minute after the start.
pub fn start_fake_shop(store: &Store, now: i64) -> anyhow::Result<crate::api::fake::FakeShop> {
    let shop = crate::api::fake::FakeShop::start_thread(DEMO_APPID, DEMO_SECRET)?;
    for row in store.reads().orders()? {
        if let Some(snap) = store.reads().latest_snapshot(&row.order_id)? {
            let order: Value = serde_json::from_str(&snap.body)?;
            if row.order_id == SHIPS_DURING_DEMO {
                shop.add_version(now + ship_after(), shipped_version(&order, now + ship_after()));
            }
            shop.add_version(0, order);
        }
    }
    let lookup: Value = serde_json::from_str(LOOKUP_ONLY)?;
    shop.add_version(0, lookup["order"].clone());
    // A little latency, like a real API.
    shop.set_latency(std::time::Duration::from_millis(40));
    Ok(shop)
}

/// `orderscope demo --shop`: only the demo shop's API on loopback, for
/// trying the commands that fetch (show, timeline, report, compare). Runs
/// until interrupted; nothing is written anywhere.
pub fn serve_shop() -> anyhow::Result<()> {
    let now = crate::timefmt::now();
    let shop = {
        let demo = DemoStore::create(now)?;
        let store = Store::open(demo.path(), OpenMode::Existing)?;
        start_fake_shop(&store, now)?
        // the temporary store is removed here; the shop keeps its orders in memory
    };
    let said = format!(
        "demo shop API on {base} (made-up data; versions fetched from it are stored as demo)\n  \
         export ORDERSCOPE_API_BASE={base}\n  export ORDERSCOPE_APPID={DEMO_APPID}\n  \
         export ORDERSCOPE_APPSECRET={DEMO_SECRET}\nCtrl-C to stop.",
        base = shop.base_url()
    );
    let mut out = std::io::stdout().lock();
    crate::text::write_text(&mut out, &said)?;
    std::io::Write::flush(&mut out)?;
    drop(out);
    loop {
        std::thread::park();
    }
}

pub fn client_for(shop: &crate::api::fake::FakeShop) -> crate::api::Client {
    crate::api::Client::new(
        &shop.base_url(),
        crate::api::Credentials {
            appid: DEMO_APPID.into(),
            secret: crate::config::Secret::new(DEMO_SECRET),
            token_api: crate::api::TokenApi::Stable,
        },
        std::time::Duration::from_secs(10),
    )
    .made_up()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shifting_moves_times_but_not_zero_or_other_fields() {
        let mut v = json!({"create_time": -10, "ship_done_time": 0, "sale_price": 100,
                           "x": [{"virtual_tel_expire_time": 5, "CreateTime": 1}]});
        shift_times(&mut v, 1000);
        assert_eq!(
            v,
            json!({"create_time": 990, "ship_done_time": 0, "sale_price": 100,
                             "x": [{"virtual_tel_expire_time": 1005, "CreateTime": 1001}]})
        );
    }
}

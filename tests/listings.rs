//! `orders` and `messages` as scripts read them: one JSON array (`--json`),
//! one object a line (`--jsonl`), and the rows `--since` and `--limit`
//! select, on every store backend (a SQLite file, and PostgreSQL: the
//! server `ORDERSCOPE_TEST_PG` names, or a private one the tests start).

mod common;

use std::process::Output;

use common::pg::{Backend, backends};
use common::*;
use orderscope::model::Order;
use orderscope::store::{Durability, Location, NewMessage, OpenMode, Redelivery, Store};
use serde_json::Value;

/// Order `i`'s id.
fn id(i: i64) -> String {
    (3_750_000_000_000_000_000u64 + i as u64).to_string()
}

/// Order `i` updated at `at` (its activity in the list).
fn order(i: i64, at: i64) -> Order {
    let mut raw: Value = serde_json::from_str(&std::fs::read_to_string(seed_file("after")).unwrap()).unwrap();
    let mut order = raw["order"].take();
    order["order_id"] = id(i).into();
    order["update_time"] = at.into();
    Order::from_order(order).unwrap()
}

fn push(order_id: &str, at: i64, kind: i64) -> String {
    format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o{at}","CreateTime":{at},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{order_id},"type":{kind}}}}}"#
    )
}

/// Orders 0..5 updated at 1000, 2000, … 5000 (order 4 the most recent),
/// and two pushes about each order `i`, received at `i*1000 + 100` and `+ 200`.
fn filled(b: &Backend) -> Store {
    let mut store = Store::open_at(&b.location, OpenMode::Create, Durability::Normal).unwrap();
    for i in 0..5 {
        let at = (i + 1) * 1000;
        store.add_snapshot(&order(i, at), at, "test".into()).unwrap();
    }
    for i in 0..5 {
        for step in [100, 200] {
            let at = i * 1000 + step;
            store
                .add_message(
                    NewMessage::new(at, &push(&id(i), at, step / 100), "test".into()).redelivery(Redelivery::Ignore),
                )
                .unwrap();
        }
    }
    store
}

fn on(b: &Backend, args: &[&str]) -> Output {
    let o = run(std::path::Path::new(&store_arg(b)), args);
    assert!(o.status.success(), "{} {args:?}: {}", b.name, stderr(&o));
    o
}

fn array(o: &Output) -> Vec<Value> {
    match serde_json::from_str(&stdout(o)) {
        Ok(Value::Array(items)) => items,
        other => panic!("not one JSON array ({other:?}): {}", stdout(o)),
    }
}

fn lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: a line is not one JSON object: {l}")))
        .collect()
}

fn order_ids(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["order_id"].as_str().unwrap().to_string()).collect()
}

fn received(rows: &[Value]) -> Vec<i64> {
    rows.iter().map(|r| r["received_at"].as_i64().unwrap()).collect()
}

/// The store as `--store` takes it (a PostgreSQL URL with its password).
fn store_arg(b: &Backend) -> String {
    match &b.location {
        Location::Sqlite(path) => path.display().to_string(),
        Location::Postgres(url) => url.expose().to_string(),
    }
}

#[test]
fn jsonl_gives_the_same_objects_as_json_one_a_line() {
    for b in backends("jsonl_gives_the_same_objects_as_json_one_a_line") {
        drop(filled(&b));
        for (json, jsonl) in [
            (&["orders", "--json"][..], &["orders", "--jsonl"][..]),
            (&["messages", "--json"], &["messages", "--jsonl"]),
            (&["messages", &id(2), "--json"], &["messages", &id(2), "--jsonl"]),
        ] {
            let whole = array(&on(&b, json));
            let each = on(&b, jsonl);
            assert!(stdout(&each).ends_with("}\n"), "{}: {}", b.name, stdout(&each));
            let each = lines(&each);
            assert!(!whole.is_empty(), "{}", b.name);
            assert_eq!(each, whole, "{} {jsonl:?}", b.name);
        }
        // The fields scripts read are all there, in both shapes.
        let first = &lines(&on(&b, &["orders", "--jsonl"]))[0];
        for field in ["order_id", "source", "status", "status_name", "update_time", "snapshots", "messages"] {
            assert!(first.get(field).is_some(), "{}: no {field} in {first}", b.name);
        }
        assert!(first["virtual_number"]["state"].is_string(), "{}", b.name);
        let push = &lines(&on(&b, &["messages", "--jsonl"]))[0];
        for field in ["id", "received_at", "event", "order_id", "type", "deliveries", "source", "payload"] {
            assert!(push.get(field).is_some(), "{}: no {field} in {push}", b.name);
        }
    }
}

#[test]
fn an_empty_store_lists_an_empty_array_and_says_so_for_pushes() {
    for b in backends("an_empty_store_lists_an_empty_array_and_says_so_for_pushes") {
        drop(Store::open_at(&b.location, OpenMode::Create, Durability::Normal).unwrap());
        assert_eq!(stdout(&on(&b, &["orders", "--json"])), "[]\n", "{}", b.name);
        assert_eq!(stdout(&on(&b, &["orders", "--jsonl"])), "", "{}", b.name);
        for args in [&["messages", "--json"][..], &["messages", "--jsonl"], &["messages"]] {
            let o = on(&b, args);
            let expected = if args.contains(&"--json") { "[]\n" } else { "" };
            assert_eq!(stdout(&o), expected, "{} {args:?}", b.name);
            assert!(stderr(&o).contains("no push is stored"), "{} {args:?}: {}", b.name, stderr(&o));
        }
    }
}

#[test]
fn limit_takes_the_most_recently_active_orders_in_list_order() {
    for b in backends("limit_takes_the_most_recently_active_orders_in_list_order") {
        drop(filled(&b));
        assert_eq!(order_ids(&array(&on(&b, &["orders", "--limit", "2", "--json"]))), [id(4), id(3)], "{}", b.name);
        assert_eq!(order_ids(&lines(&on(&b, &["orders", "--limit", "1", "--jsonl"]))), [id(4)], "{}", b.name);
        let text = stdout(&on(&b, &["orders", "--limit", "3"]));
        let shown: Vec<&str> = text.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
        assert_eq!(shown, [id(4), id(3), id(2)], "{}", b.name);
        assert_eq!(array(&on(&b, &["orders", "--limit", "50", "--json"])).len(), 5, "{}", b.name);
    }
}

#[test]
fn since_takes_the_orders_active_since_then() {
    for b in backends("since_takes_the_orders_active_since_then") {
        let mut store = filled(&b);
        // Activity is the later of the update time and the last push: order 0
        // (updated at 1000) hears a push at 4500.
        let late = push(&id(0), 4500, 5);
        store.add_message(NewMessage::new(4500, &late, "test".into()).redelivery(Redelivery::Ignore)).unwrap();
        drop(store);
        let since = |when: &str| order_ids(&array(&on(&b, &["orders", "--since", when, "--json"])));
        assert_eq!(since("3000"), [id(4), id(0), id(3), id(2)], "{}", b.name);
        assert_eq!(since("5000"), [id(4)], "{}", b.name);
        assert!(since("5001").is_empty(), "{}", b.name);
        // Both together: the newest of those since then.
        let both = order_ids(&array(&on(&b, &["orders", "--since", "3000", "--limit", "2", "--json"])));
        assert_eq!(both, [id(4), id(0)], "{}", b.name);
        // An RFC 3339 time means the same moment as its unix seconds.
        assert_eq!(since("1970-01-01T01:06:40Z"), since("4000"), "{}", b.name);
    }
}

#[test]
fn limit_takes_the_newest_pushes_shown_oldest_first() {
    for b in backends("limit_takes_the_newest_pushes_shown_oldest_first") {
        drop(filled(&b));
        let newest = received(&array(&on(&b, &["messages", "--limit", "3", "--json"])));
        assert_eq!(newest, [3200, 4100, 4200], "{}", b.name);
        let of_one = received(&lines(&on(&b, &["messages", &id(1), "--limit", "1", "--jsonl"])));
        assert_eq!(of_one, [1200], "{}", b.name);
        assert_eq!(stdout(&on(&b, &["messages", "--limit", "4"])).lines().count(), 4, "{}", b.name);
        assert_eq!(array(&on(&b, &["messages", "--limit", "99", "--json"])).len(), 10, "{}", b.name);
    }
}

#[test]
fn since_takes_the_pushes_received_since_then() {
    for b in backends("since_takes_the_pushes_received_since_then") {
        drop(filled(&b));
        let since = |args: &[&str]| received(&array(&on(&b, &[&["messages", "--json"][..], args].concat())));
        assert_eq!(since(&["--since", "3100"]), [3100, 3200, 4100, 4200], "{}", b.name);
        assert_eq!(since(&[&id(3), "--since", "3150"]), [3200], "{}", b.name);
        assert_eq!(since(&["--since", "1000", "--limit", "2"]), [4100, 4200], "{}", b.name);
        // Nothing since then: nothing on stdout, and the reason on stderr.
        let o = on(&b, &["messages", "--since", "9000"]);
        assert_eq!(stdout(&o), "", "{}", b.name);
        assert!(stderr(&o).contains("no push is stored received since"), "{}: {}", b.name, stderr(&o));
    }
}

#[test]
fn since_also_takes_a_span_back_from_now() {
    for b in backends("since_also_takes_a_span_back_from_now") {
        let now = orderscope::timefmt::now();
        let mut store = Store::open_at(&b.location, OpenMode::Create, Durability::Normal).unwrap();
        store.add_snapshot(&order(1, now - 3 * 3600), now - 3 * 3600, "test".into()).unwrap();
        store.add_snapshot(&order(2, now - 600), now - 600, "test".into()).unwrap();
        for (i, at) in [(1, now - 3 * 3600), (2, now - 600)] {
            store
                .add_message(NewMessage::new(at, &push(&id(i), at, 5), "test".into()).redelivery(Redelivery::Ignore))
                .unwrap();
        }
        drop(store);
        assert_eq!(order_ids(&array(&on(&b, &["orders", "--since", "2h", "--json"]))), [id(2)], "{}", b.name);
        assert_eq!(order_ids(&array(&on(&b, &["messages", "--since", "2h", "--json"]))), [id(2)], "{}", b.name);
        assert_eq!(array(&on(&b, &["orders", "--since", "1d", "--json"])).len(), 2, "{}", b.name);
    }
}

#[test]
fn a_bad_since_or_limit_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    for args in [
        &["orders", "--since", "yesterday"][..],
        &["orders", "--limit", "0"],
        &["messages", "--limit", "-3"],
        &["orders", "--json", "--jsonl"],
        &["messages", "--reprocess", "--since", "1h"],
    ] {
        let o = run(&db, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

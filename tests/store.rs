//! The store: migration from an empty file, deduplication, and two real
//! processes sharing one file.

mod common;

use common::*;
use orderscope::model::Order;
use orderscope::store::{MessageInsert, NewMessage, OpenMode, Redelivery, SCHEMA_VERSION, Store};

#[test]
fn an_empty_file_is_migrated_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    // An empty file is no store for a reader; a writer makes it one.
    assert!(matches!(Store::open(&path, OpenMode::Existing), Err(orderscope::store::StoreError::Missing(_))));
    let store = Store::open(&path, OpenMode::Create).unwrap();
    let version: i64 = store.sqlite().unwrap().conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = store.sqlite().unwrap().conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(store.reads().counts().unwrap(), (0, 0, 0));
    drop(store);
    // Opening again is a no-op.
    assert!(Store::open(&path, OpenMode::Existing).is_ok());
}

#[test]
fn snapshots_are_deduplicated_by_content_not_formatting() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db"), OpenMode::Create).unwrap();
    let pretty = std::fs::read_to_string(seed_file("before")).unwrap();
    let order = Order::parse_text(&pretty).unwrap();
    let compact: serde_json::Value = serde_json::from_str(&pretty).unwrap();
    let same = Order::parse_text(&compact.to_string()).unwrap();
    assert!(store.add_snapshot(&order, 100, "test".into()).unwrap());
    assert!(!store.add_snapshot(&same, 200, "test".into()).unwrap());
    let after = Order::parse_text(&std::fs::read_to_string(seed_file("after")).unwrap()).unwrap();
    assert!(store.add_snapshot(&after, 300, "test".into()).unwrap());
    let snaps = store.reads().snapshots(SEED).unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0].fetched_at, 100);
    let row = store.reads().order(SEED).unwrap().unwrap();
    assert_eq!((row.status, row.snapshots), (Some(30), 2));
    assert_eq!(row.vnum.as_deref(), Some("18400984191-0775"));
    // An older version imported later does not roll the summary back.
    let mut older = order.clone();
    older.raw["update_time"] = serde_json::json!(1);
    assert!(store.add_snapshot(&older, 400, "test".into()).unwrap());
    assert_eq!(store.reads().order(SEED).unwrap().unwrap().status, Some(30));
}

#[test]
fn redelivered_pushes_are_stored_once_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db"), OpenMode::Create).unwrap();
    let push = r#"{"CreateTime":1,"Event":"channels_ec_order_ext_info_update","order_info":{"order_id":"9","type":5}}"#;
    let first = store.add_message(NewMessage::new(10, push, "serve".into()).envelope(Some("{envelope}"))).unwrap();
    let MessageInsert::New(id) = first else { panic!("{first:?}") };
    assert_eq!(store.add_message(NewMessage::new(20, push, "serve".into())).unwrap(), MessageInsert::Duplicate(id));
    assert_eq!(
        store.add_message(NewMessage::new(30, push, "import".into()).redelivery(Redelivery::Ignore)).unwrap(),
        MessageInsert::Duplicate(id)
    );
    let msgs = store.reads().messages(Some("9")).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].deliveries, 2);
    assert_eq!(msgs[0].received_at, 10);
    let row = store.reads().order("9").unwrap().unwrap();
    assert_eq!((row.messages, row.type5), (1, true));
    // A message that does not parse is still kept, with its problem.
    store.add_message(NewMessage::new(40, "{truncated", "serve".into())).unwrap();
    let all = store.reads().messages(None).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[1].parse_error.as_deref().unwrap().starts_with("not JSON"));
}

/// One process imports 20,000 pushes, committing every 15 ms, while another
/// keeps reading the order list: every read succeeds and sees a whole prefix
/// of the log, each push counted in its order's row.
#[test]
fn one_process_writes_while_another_reads() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let log = dir.path().join("pushes.jsonl");
    let mut text = String::new();
    for i in 0..20_000u64 {
        text.push_str(&format!(
            "{{\"CreateTime\":{},\"Event\":\"channels_ec_order_ext_info_update\",\"order_info\":{{\"order_id\":\"{}\",\"type\":{}}}}}\n",
            1_700_000_000 + i,
            3_740_000_000_000_000_000u64 + i % 200,
            1 + i % 23
        ));
    }
    std::fs::write(&log, text).unwrap();
    // Create the store first so both processes find it.
    assert!(run(&db, &["import", seed_file("before").to_str().unwrap()]).status.success());

    let mut writer = bin().arg("--store").arg(&db).arg("import").arg(&log).spawn().unwrap();
    let mut seen = Vec::new();
    loop {
        let done = writer.try_wait().unwrap().is_some();
        let o = run(&db, &["orders", "--json"]);
        assert!(o.status.success(), "reader failed: {}", stderr(&o));
        let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let total: i64 = list.as_array().unwrap().iter().map(|r| r["messages"].as_i64().unwrap()).sum();
        // Transactions commit in log order, so a read sees the first
        // `total` pushes whole: each counted in its order's summary row,
        // nothing of a transaction in progress.
        for r in list.as_array().unwrap() {
            let id: u64 = r["order_id"].as_str().unwrap().parse().unwrap();
            let Some(j) = id.checked_sub(3_740_000_000_000_000_000).filter(|j| *j < 200) else { continue };
            let expected = total / 200 + i64::from((j as i64) < total % 200);
            assert_eq!(r["messages"].as_i64(), Some(expected), "order {j} after {total} pushes: {r}");
        }
        seen.push(total);
        if done {
            break;
        }
    }
    assert!(writer.wait().unwrap().success());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), 20_000);
}

/// The receiver's projection commits without waiting for the disk; the
/// inbox commits after it must wait again, failed projection or not.
#[test]
fn a_derived_write_leaves_the_store_as_durable_as_it_was() {
    use orderscope::store::{Durability, StoreError};
    let dir = tempfile::tempdir().unwrap();
    let level =
        |s: &Store| -> i64 { s.sqlite().unwrap().conn().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap() };
    let mut full = Store::open_with(&dir.path().join("full.db"), OpenMode::Create, Durability::Full).unwrap();
    assert_eq!(level(&full), 2);
    full.write_derived(|tx| tx.set_sync_value("k", 1)).unwrap();
    assert_eq!(level(&full), 2, "FULL again after a derived commit");
    let failed = full.write_derived(|tx| {
        tx.set_sync_value("k", 2)?;
        Err::<(), _>(StoreError::Postgres("a projection bug".into()))
    });
    assert!(failed.is_err());
    assert_eq!(level(&full), 2, "FULL again after a derived write that failed");
    assert_eq!(full.reads().sync_value("k").unwrap(), Some(1), "the failed write left nothing");

    let mut normal = Store::open_with(&dir.path().join("normal.db"), OpenMode::Create, Durability::Normal).unwrap();
    normal.write_derived(|tx| tx.set_sync_value("k", 1)).unwrap();
    assert_eq!(level(&normal), 1);
}

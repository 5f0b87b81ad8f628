//! The store's behaviour, one set of tests run on every backend: a SQLite
//! file, and a real PostgreSQL server: `ORDERSCOPE_TEST_PG` when it names
//! one, else a private cluster the tests start themselves (see
//! tests/common/pg.rs; without PostgreSQL installed they fail, never skip).

mod common;

use common::pg::{Backend, backends};
use common::*;
use orderscope::model::Order;
use orderscope::store::feed::Feed;
use orderscope::store::{Durability, Location, MessageInsert, NewMessage, OpenMode, Redelivery, Store, StoreError};

fn open(b: &Backend, mode: OpenMode) -> Result<Store, StoreError> {
    Store::open_at(&b.location, mode, Durability::Normal)
}

fn type5_push(order: &str, at: i64) -> String {
    format!(
        r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":{at},"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{{"order_id":{order},"type":5}}}}"#
    )
}

#[test]
fn a_new_store_is_created_only_when_asked_and_opened_again_unchanged() {
    for b in backends("a_new_store_is_created_only_when_asked_and_opened_again_unchanged") {
        assert!(matches!(open(&b, OpenMode::Existing), Err(StoreError::Missing(_))), "{}", b.name);
        let store = open(&b, OpenMode::Create).unwrap();
        assert_eq!(store.reads().counts().unwrap(), (0, 0, 0), "{}", b.name);
        drop(store);
        let store = open(&b, OpenMode::Existing).unwrap();
        assert_eq!(store.reads().counts().unwrap(), (0, 0, 0), "{}", b.name);
    }
}

#[test]
fn versions_are_deduplicated_by_content_and_the_summary_follows_the_newest() {
    for b in backends("versions_are_deduplicated_by_content_and_the_summary_follows_the_newest") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        let pretty = std::fs::read_to_string(seed_file("before")).unwrap();
        let order = Order::parse_text(&pretty).unwrap();
        let compact: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        let same = Order::parse_text(&compact.to_string()).unwrap();
        assert!(store.add_snapshot(&order, 100, "test".into()).unwrap());
        assert!(!store.add_snapshot(&same, 200, "test".into()).unwrap(), "{}", b.name);
        let after = Order::parse_text(&std::fs::read_to_string(seed_file("after")).unwrap()).unwrap();
        assert!(store.add_snapshot(&after, 300, "test".into()).unwrap());
        assert_eq!(store.reads().snapshots(SEED).unwrap().len(), 2, "{}", b.name);
        let row = store.reads().order(SEED).unwrap().unwrap();
        assert_eq!((row.status, row.snapshots), (Some(30), 2), "{}", b.name);
        assert_eq!(row.vnum.as_deref(), Some("18400984191-0775"));
        let mut older = order.clone();
        older.raw["update_time"] = serde_json::json!(1);
        assert!(store.add_snapshot(&older, 400, "test".into()).unwrap());
        assert_eq!(store.reads().order(SEED).unwrap().unwrap().status, Some(30), "{}", b.name);
        assert_eq!(store.reads().latest_snapshot(SEED).unwrap().unwrap().fetched_at, 300, "{}", b.name);
    }
}

#[test]
fn a_redelivery_is_stored_once_and_counted_and_unparsed_pushes_are_kept() {
    for b in backends("a_redelivery_is_stored_once_and_counted_and_unparsed_pushes_are_kept") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        let push = type5_push("9", 1);
        let MessageInsert::New(id) =
            store.add_message(NewMessage::new(10, &push, "serve".into()).envelope(Some("{envelope}"))).unwrap()
        else {
            panic!("{}", b.name)
        };
        assert_eq!(
            store.add_message(NewMessage::new(20, &push, "serve".into())).unwrap(),
            MessageInsert::Duplicate(id)
        );
        assert_eq!(
            store.add_message(NewMessage::new(30, &push, "import".into()).redelivery(Redelivery::Ignore)).unwrap(),
            MessageInsert::Duplicate(id)
        );
        let msgs = store.reads().messages(Some("9")).unwrap();
        assert_eq!((msgs.len(), msgs[0].deliveries, msgs[0].received_at), (1, 2, 10), "{}", b.name);
        let row = store.reads().order("9").unwrap().unwrap();
        assert_eq!((row.messages, row.type5), (1, true), "{}", b.name);
        store.add_message(NewMessage::new(40, "{truncated", "serve".into())).unwrap();
        assert_eq!(store.reads().quarantined_count().unwrap(), 1, "{}", b.name);
        store.write(|tx| tx.add_quarantined(50, "{\"Encrypt\":\"x\"}", "bad padding")).unwrap();
        store.write(|tx| tx.add_quarantined(60, "{\"Encrypt\":\"x\"}", "bad padding")).unwrap();
        let q = store.reads().quarantined().unwrap();
        assert_eq!(q.len(), 2, "{}", b.name);
        assert_eq!(store.reads().messages(None).unwrap().iter().map(|m| m.deliveries).max(), Some(2));
    }
}

/// Two connections (two hosts) deliver the same pushes at once: each is
/// stored once and every delivery counted.
#[test]
fn concurrent_redeliveries_from_two_connections_are_stored_once_and_all_counted() {
    for b in backends("concurrent_redeliveries_from_two_connections_are_stored_once_and_all_counted") {
        drop(open(&b, OpenMode::Create).unwrap());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let location = b.location.clone();
                std::thread::spawn(move || {
                    let mut store = Store::open_at(&location, OpenMode::Existing, Durability::Full).unwrap();
                    for i in 0..100 {
                        // Groups of five in one transaction, as the receiver commits them.
                        store
                            .write(|tx| {
                                for k in 0..5 {
                                    let push = type5_push(&format!("{}", 1000 + (i * 5 + k) % 40), i * 5 + k);
                                    tx.add_message(NewMessage::new(i * 5 + k, &push, "serve".into()))?;
                                }
                                Ok(())
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let store = open(&b, OpenMode::Existing).unwrap();
        let msgs = store.reads().messages(None).unwrap();
        assert_eq!(msgs.len(), 500, "{}", b.name);
        assert!(msgs.iter().all(|m| m.deliveries == 2), "{}", b.name);
        let orders = store.reads().orders().unwrap();
        assert_eq!(orders.len(), 40, "{}", b.name);
        assert_eq!(orders.iter().map(|o| o.messages).sum::<i64>(), 500, "{}", b.name);
    }
}

#[test]
fn the_change_feed_sees_another_connection_s_push_once_and_reports_nothing_when_idle() {
    for b in backends("the_change_feed_sees_another_connection_s_push_once_and_reports_nothing_when_idle") {
        let mut writer = open(&b, OpenMode::Create).unwrap();
        orderscope::demo::populate(&mut writer, NOW).unwrap();
        let mut reader = open(&b, OpenMode::Existing).unwrap();
        let mut feed = Feed::start(&mut reader).unwrap();
        assert_eq!(feed.poll(&mut reader).unwrap(), None, "{}", b.name);
        writer.add_message(NewMessage::new(NOW + 100, &type5_push(SEED, NOW + 100), "test".into())).unwrap();
        // A notification may take a moment to cross the socket: poll for it.
        // The deadline only turns a feed that never reports into a failure.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let changes = loop {
            if let Some(c) = feed.poll(&mut reader).unwrap() {
                break c;
            }
            assert!(std::time::Instant::now() < deadline, "{}: no change reported after 60 s", b.name);
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(changes.pushes.len(), 1, "{}", b.name);
        assert_eq!(changes.rows.len(), 1, "{}", b.name);
        assert_eq!(changes.rows[0].order_id, SEED);
        assert_eq!(feed.poll(&mut reader).unwrap(), None, "{}", b.name);
    }
}

#[test]
fn receiver_periods_record_their_host() {
    for b in backends("receiver_periods_record_their_host") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        let one = store.write(|tx| tx.add_receiver_period(100, 100, None, Some("host-1"))).unwrap();
        store.write(|tx| tx.add_receiver_period(110, 110, None, Some("host-2"))).unwrap();
        store.write(|tx| tx.heartbeat(one, 160)).unwrap();
        store.write(|tx| tx.stop_period(one, 170)).unwrap();
        let all = store.export().all_periods().unwrap();
        let hosts: Vec<_> = all.iter().map(|p| (p.host.as_deref(), p.stopped_at)).collect();
        assert_eq!(hosts, vec![(Some("host-1"), Some(170)), (Some("host-2"), None)], "{}", b.name);
        let periods = store.reads().receiver_periods().unwrap();
        assert_eq!((periods[0].end, periods[0].stopped), (170, true), "{}", b.name);
    }
}

/// Everything goes over and back, and a second run adds nothing.
#[test]
fn store_copy_moves_everything_and_adds_nothing_the_second_time() {
    for b in backends("store_copy_moves_everything_and_adds_nothing_the_second_time") {
        let dir = tempfile::tempdir().unwrap();
        let mut source = demo_store(dir.path());
        let note = orderscope::explain::Note {
            id: 0,
            order_id: SEED.into(),
            at: Some(NOW),
            event: None,
            kind: None,
            text: "buyer called".into(),
            recorded_at: NOW,
        };
        source.write(|tx| tx.add_note(&note)).unwrap();
        source.write(|tx| tx.add_receiver_period(NOW, NOW + 60, None, Some("h1"))).unwrap();
        source.add_message(NewMessage::new(NOW, &type5_push(SEED, NOW), "serve".into())).unwrap();
        source.add_message(NewMessage::new(NOW + 1, &type5_push(SEED, NOW), "serve".into())).unwrap();
        let mut target = open(&b, OpenMode::Create).unwrap();
        let first = orderscope::store::copy::copy(&source, &mut target, &mut |_| {}).unwrap();
        assert!(first.versions.0 > 0 && first.pushes.0 > 0 && first.notes.0 == 1, "{}: {first:?}", b.name);
        let again = orderscope::store::copy::copy(&source, &mut target, &mut |_| {}).unwrap();
        assert_eq!((again.versions.0, again.pushes.0, again.periods.0, again.notes.0), (0, 0, 0, 0), "{}", b.name);
        assert_eq!(target.reads().counts().unwrap(), source.reads().counts().unwrap(), "{}", b.name);
        assert_eq!(target.reads().orders().unwrap(), source.reads().orders().unwrap(), "{}", b.name);
        let strip = |m: Vec<orderscope::store::MessageRow>| -> Vec<_> {
            m.into_iter().map(|m| (m.received_at, m.plaintext, m.deliveries, m.source)).collect()
        };
        assert_eq!(
            strip(target.reads().messages(None).unwrap()),
            strip(source.reads().messages(None).unwrap()),
            "{}",
            b.name
        );
        assert_eq!(target.export().all_periods().unwrap(), source.export().all_periods().unwrap(), "{}", b.name);
        assert_eq!(target.reads().notes(SEED).unwrap().len(), 1);
        let ta = orderscope::load::story(&target, SEED, orderscope::model::Lang::En).unwrap();
        let sa = orderscope::load::story(&source, SEED, orderscope::model::Lang::En).unwrap();
        assert_eq!(format!("{ta:?}"), format!("{sa:?}"), "{}", b.name);
    }
}

#[test]
fn a_newer_schema_is_refused_in_one_line() {
    for b in backends("a_newer_schema_is_refused_in_one_line") {
        drop(open(&b, OpenMode::Create).unwrap());
        match (&b.location, &b.db) {
            (Location::Sqlite(path), _) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.pragma_update(None, "user_version", 999).unwrap();
            }
            (_, Some(db)) => {
                db.client()
                    .batch_execute("UPDATE orderscope_meta SET value = 999 WHERE key = 'schema_version'")
                    .unwrap();
            }
            _ => unreachable!(),
        }
        let e = open(&b, OpenMode::Create).err().expect("refused").to_string();
        assert!(e.contains("schema version 999") && !e.contains('\n'), "{}: {e}", b.name);
    }
}

#[test]
fn a_database_of_another_program_is_refused_and_left_alone() {
    for b in backends("a_database_of_another_program_is_refused_and_left_alone") {
        match (&b.location, &b.db) {
            (Location::Sqlite(path), _) => {
                rusqlite::Connection::open(path).unwrap().execute_batch("CREATE TABLE invoices (id INTEGER)").unwrap();
            }
            (_, Some(db)) => db.client().batch_execute("CREATE TABLE invoices (id BIGINT)").unwrap(),
            _ => unreachable!(),
        }
        let e = open(&b, OpenMode::Create).err().expect("refused").to_string();
        assert!(e.contains("other table"), "{}: {e}", b.name);
        let tables = match (&b.location, &b.db) {
            (Location::Sqlite(path), _) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
                .unwrap(),
            (_, Some(db)) => db
                .client()
                .query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", &[])
                .unwrap()
                .get(0),
            _ => unreachable!(),
        };
        assert_eq!(tables, 1, "{}: the database was altered", b.name);
    }
}

/// The receiver's two steps as the interface gives them: appending to the
/// inbox, then projecting from the stored cursor, here from two
/// connections at once (two hosts): every arrival projected exactly once,
/// a redelivery counted, an unreadable push quarantined with its body.
#[test]
fn inbox_arrivals_are_projected_once_from_the_shared_cursor() {
    use orderscope::store::{Arrival, dup_key};
    for b in backends("inbox_arrivals_are_projected_once_from_the_shared_cursor") {
        let mut one = open(&b, OpenMode::Create).unwrap();
        let mut two = open(&b, OpenMode::Existing).unwrap();
        let texts: Vec<String> = (0..40).map(|i| type5_push(&format!("{}", 500 + i % 7), i)).collect();
        let envelope = b"{\"Encrypt\":\"abc\"}".as_slice();
        let mut ids = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let store = if i % 2 == 0 { &mut one } else { &mut two };
            let a = Arrival {
                received_at: 100 + i as i64,
                query: "timestamp=1&nonce=2",
                content_type: Some("application/json"),
                envelope,
                plaintext: Some(t.as_bytes()),
                problem: None,
            };
            let key = dup_key(Some(t.as_bytes()), envelope);
            // In a caller's transaction, and as one of its own (one round trip on PostgreSQL).
            if i % 4 < 2 {
                ids.extend(store.write(|tx| tx.append_inbox(&[(a, &key), (a, &key)])).unwrap());
            } else {
                ids.extend(store.inbox_mut().append_inbox_group(&[(a, &key), (a, &key)]).unwrap());
            }
        }
        // Quotes, backslashes and bytes that are not text travel as they are.
        let bad = Arrival {
            received_at: 200,
            query: "q='; DROP TABLE inbox; --\\",
            content_type: None,
            envelope: b"{\"Encrypt\":\"undecryptable '\\x00\\\"}\xff\x00",
            plaintext: Some(b"\xff\xfe'\\"),
            problem: Some("bad padding: it's \\ broken"),
        };
        let bad_key = dup_key(None, bad.envelope);
        ids.extend(one.inbox_mut().append_inbox_group(&[(bad, &bad_key)]).unwrap());
        let stored = one.inbox().inbox_after(ids[ids.len() - 2], 10).unwrap();
        assert_eq!(stored.len(), 1, "{}", b.name);
        assert_eq!(
            (stored[0].query.as_str(), stored[0].envelope.as_slice(), stored[0].plaintext.as_deref()),
            (bad.query, bad.envelope, bad.plaintext),
            "{}",
            b.name
        );
        assert_eq!(stored[0].problem.as_deref(), bad.problem, "{}", b.name);
        assert_eq!(ids.len(), 81, "{}", b.name);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{}: inbox ids in order", b.name);
        // Both projectors at once, in small chunks.
        let locations = [b.location.clone(), b.location.clone()];
        let projected: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = locations
                .iter()
                .map(|l| {
                    s.spawn(move || {
                        let mut store = Store::open_at(l, OpenMode::Existing, Durability::Full).unwrap();
                        let mut n = 0;
                        loop {
                            let (rows, _, _) = store.write(|tx| tx.project_inbox(7, None)).unwrap();
                            if rows.is_empty() {
                                return n;
                            }
                            n += rows.len();
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(projected.iter().sum::<usize>(), 81, "{}: each arrival projected once", b.name);
        assert_eq!(one.inbox().inbox_state().unwrap(), (*ids.last().unwrap(), *ids.last().unwrap()), "{}", b.name);
        let msgs = one.reads().messages(None).unwrap();
        assert_eq!(msgs.len(), 41, "{}", b.name);
        assert!(msgs.iter().filter(|m| m.parse_error.is_none()).all(|m| m.deliveries == 2), "{}", b.name);
        assert_eq!(one.reads().orders().unwrap().iter().map(|o| o.messages).sum::<i64>(), 40, "{}", b.name);
        let q = one.reads().quarantined().unwrap();
        assert_eq!(q.len(), 1, "{}", b.name);
        assert_eq!(q[0].envelope, bad.envelope, "{}", b.name);
        // Copied elsewhere, the quarantined push keeps its body.
        let dir = tempfile::tempdir().unwrap();
        let mut copy = Store::open(&dir.path().join("copy.db"), OpenMode::Create).unwrap();
        orderscope::store::copy::copy(&one, &mut copy, &mut |_| {}).unwrap();
        // (as text: a body that is not UTF-8 arrives with U+FFFD in its place)
        assert_eq!(
            copy.reads().quarantined().unwrap()[0].envelope,
            String::from_utf8_lossy(bad.envelope).as_bytes(),
            "{}",
            b.name
        );
    }
}

/// A PostgreSQL URL is never taken for a file's path, and its password is
/// never shown, even when the server cannot be reached (no server needed).
#[test]
fn a_postgres_url_is_a_database_and_its_password_stays_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let pushes = dir.path().join("pushes.jsonl");
    std::fs::write(&pushes, format!("{}\n", type5_push("9", 1))).unwrap();
    for url in ["postgres://shop:s3cret@127.0.0.1:1/orderscope", "postgresql://shop:s3cret@127.0.0.1:1/orderscope"] {
        let o = bin()
            .current_dir(dir.path())
            .args(["--store", url, "import"])
            .arg(&pushes)
            .env_remove("ORDERSCOPE_CONFIG")
            .env_remove("ORDERSCOPE_STORE")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{url}");
        let err = stderr(&o);
        assert!(err.contains("cannot reach the PostgreSQL store postgres"), "{err}");
        assert!(err.contains("shop:***@127.0.0.1:1/orderscope") && !err.contains("s3cret"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("pushes.jsonl")], "nothing created for {url}");
    }
    // sslmode=require is taken (TLS): an unreachable server is still one line, password hidden.
    let o = bin()
        .args(["--store", "postgres://shop:s3cret@127.0.0.1:1/orderscope?sslmode=require", "orders"])
        .env_remove("ORDERSCOPE_CONFIG")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(err.contains("cannot reach the PostgreSQL store") && !err.contains("s3cret"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// sslmode=require insists on TLS: against a server without it, the command
/// fails in one line that says so, instead of falling back to plain text.
#[test]
fn sslmode_require_never_falls_back_to_plain_text() {
    let server = common::pg::server("sslmode_require_never_falls_back_to_plain_text");
    let url = format!("{server}{}sslmode=require", if server.contains('?') { "&" } else { "?" });
    let o = bin().args(["--store", &url, "orders"]).env_remove("ORDERSCOPE_CONFIG").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.to_lowercase().contains("tls"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Pushes acknowledged and not yet processed (in the inbox past the
/// projector's cursor) are stored: the order's explanation counts them,
/// marked as not yet processed, and never says no type 5 push is stored;
/// arrivals whose order cannot be told keep the absence undecided. The
/// backlog says how many are waiting and since when.
#[test]
fn pushes_in_the_inbox_count_as_stored_and_the_backlog_says_how_many() {
    use orderscope::explain::{Decider, Rule, Verdict};
    use orderscope::model::Lang;
    use orderscope::store::{Arrival, dup_key};
    for b in backends("pushes_in_the_inbox_count_as_stored_and_the_backlog_says_how_many") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        let after = Order::parse_text(&std::fs::read_to_string(seed_file("after")).unwrap()).unwrap();
        store.add_snapshot(&after, 1_764_656_487, "import".into()).unwrap();
        // The receiver was up all along.
        store.write(|c| c.add_receiver_period(1_764_600_000, 1_764_700_000, None, Some("h")).map(|_| ())).unwrap();
        let now = 1_764_700_010;
        assert_eq!(store.inbox().backlog().unwrap(), Default::default(), "{}", b.name);
        let none = orderscope::load::story_at(&store, SEED, now, Lang::En).unwrap();
        let rule = none.explanation.iter().find(|s| s.rule == Rule::NoType5Push).expect("no type 5 push");
        assert_eq!(rule.verdict, Verdict::Shows, "{}: {}", b.name, rule.statement);

        let envelope = b"{\"Encrypt\":\"x\"}".as_slice();
        let arrival = |text: &'static [u8], at: i64, problem: Option<&'static str>| Arrival {
            received_at: at,
            query: "timestamp=1",
            content_type: Some("application/json"),
            envelope,
            plaintext: Some(text),
            problem,
        };
        // Someone else's push that cannot be read (it goes to quarantine):
        // whose it is cannot be told.
        let unreadable = arrival(b"\xff", 1_764_699_990, Some("bad padding"));
        store.inbox_mut().append_inbox_group(&[(unreadable, &dup_key(None, envelope))]).unwrap();
        let open_question = orderscope::load::story_at(&store, SEED, now, Lang::En).unwrap();
        let rule = open_question.explanation.iter().find(|s| s.rule == Rule::NoType5Push).unwrap();
        assert_eq!(rule.verdict, Verdict::CannotDecide, "{}: {}", b.name, rule.statement);
        assert!(rule.decided_by.contains(&Decider::Processing), "{}", b.name);
        assert!(
            rule.statement.contains("1 more pushes are received and stored but not yet processed"),
            "{}",
            rule.statement
        );

        // This order's type 5 push, acknowledged and waiting.
        let text = type5_push(SEED, 1_764_656_400);
        let leaked: &'static [u8] = Box::leak(text.clone().into_boxed_str()).as_bytes();
        let mine = arrival(leaked, 1_764_699_995, None);
        store.inbox_mut().append_inbox_group(&[(mine, &dup_key(Some(leaked), envelope))]).unwrap();
        let backlog = store.inbox().backlog().unwrap();
        assert_eq!(
            (backlog.pending, backlog.oldest, backlog.last_arrival),
            (2, Some(1_764_699_990), Some(1_764_699_995)),
            "{}",
            b.name
        );
        assert!(store.reads().messages(Some(SEED)).unwrap().is_empty(), "{}: not projected yet", b.name);
        let story = orderscope::load::story_at(&store, SEED, now, Lang::En).unwrap();
        assert!(story.explanation.iter().all(|s| s.rule != Rule::NoType5Push), "{}", b.name);
        let shown = story.explanation.iter().find(|s| s.rule == Rule::Type5Push).expect("the waiting type 5 push");
        assert!(shown.evidence.iter().any(|e| e.text.contains("stored, not yet processed")), "{}: {shown:?}", b.name);
        let entry = story.entries.iter().find(|e| e.kind == "push").unwrap();
        assert!(entry.summary.contains("stored, not yet processed"), "{}", entry.summary);
        assert!(matches!(entry.reference, Some(orderscope::explain::Ref::Inbox(_))), "{}", b.name);

        // Once processed it is the message itself, counted once.
        while store.write(|c| c.project_inbox(16, None).map(|_| ())).is_ok() {
            if store.inbox().backlog().unwrap().pending == 0 {
                break;
            }
        }
        assert_eq!(store.inbox().backlog().unwrap().pending, 0, "{}", b.name);
        let story = orderscope::load::story_at(&store, SEED, now, Lang::En).unwrap();
        let pushes: Vec<_> = story.entries.iter().filter(|e| e.kind == "push").collect();
        assert_eq!(pushes.len(), 1, "{}", b.name);
        assert!(!pushes[0].summary.contains("not yet processed"), "{}", pushes[0].summary);
    }
}

#[test]
fn ids_of_2_to_the_64_and_more_keep_their_digits_as_numbers() {
    for b in backends("ids_of_2_to_the_64_and_more_keep_their_digits_as_numbers") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        // Two pushes and a version whose ids are JSON numbers past u64: as
        // floats they would all be 1.8446744073709552e19, one order.
        let log = format!(
            "{}\n{}\n{}\n",
            type5_push("18446744073709551616", 1_764_656_488),
            type5_push("18446744073709551617", 1_764_656_489),
            r#"{"errcode":0,"order":{"order_id":123456789012345678901234567890,"status":30,"update_time":1764656490}}"#
        );
        let report = orderscope::import::import_reader(&mut store, "log", log.as_bytes(), 1_764_656_500, None).unwrap();
        assert_eq!(
            (report.messages_new, report.snapshots_new, report.bad),
            (2, 1, 0),
            "{}: {:?}",
            b.name,
            report.problems
        );
        for id in ["18446744073709551616", "18446744073709551617"] {
            let pushes = store.reads().messages(Some(id)).unwrap();
            assert_eq!(pushes.len(), 1, "{}: {id}", b.name);
        }
        let mut ids: Vec<String> = store.reads().orders().unwrap().into_iter().map(|o| o.order_id).collect();
        ids.sort();
        assert_eq!(
            ids,
            ["123456789012345678901234567890", "18446744073709551616", "18446744073709551617"],
            "{}",
            b.name
        );
        let version = store.reads().latest_snapshot("123456789012345678901234567890").unwrap().unwrap();
        assert_eq!(version.order().unwrap().order_id, "123456789012345678901234567890", "{}", b.name);
    }
}

/// Two `messages --reprocess` runs read the same page; the one that
/// releases a message second finds it gone from quarantine and is told so,
/// instead of failing on a row that is no longer there.
#[test]
fn quarantine_is_read_by_pages_and_a_message_is_released_once() {
    for b in backends("quarantine_is_read_by_pages_and_a_message_is_released_once") {
        let mut one = open(&b, OpenMode::Create).unwrap();
        let mut two = open(&b, OpenMode::Existing).unwrap();
        for at in 0..5 {
            // Distinct bodies: the same body again counts as a redelivery.
            let body = format!("{{\"Encrypt\":\"x{at}\"}}");
            one.write(|tx| tx.add_quarantined(at, &body, "bad padding")).unwrap();
        }
        let first = one.reads().quarantined_after(0, 2).unwrap();
        assert_eq!(first.len(), 2, "{}", b.name);
        let rest = one.reads().quarantined_after(first[1].id, 10).unwrap();
        assert_eq!(rest.len(), 3, "{}", b.name);
        assert!(rest[0].id > first[1].id, "{}", b.name);

        let seen_by_two = two.reads().quarantined_after(0, 10).unwrap();
        let id = seen_by_two[0].id;
        let text = type5_push("77", 1);
        assert!(matches!(one.write(|tx| tx.release_quarantined(id, &text)).unwrap(), Some(MessageInsert::New(_))));
        assert_eq!(two.write(|tx| tx.release_quarantined(id, &text)).unwrap(), None, "{}", b.name);
        assert_eq!(one.reads().quarantined_count().unwrap(), 4, "{}", b.name);
        assert_eq!(one.reads().messages(Some("77")).unwrap().len(), 1, "{}", b.name);
    }
}

/// A NUL character in a push's event or order id is refused by the parser
/// on every backend alike: the push is quarantined with the same reason on
/// SQLite and PostgreSQL, never projected on one and rejected by the other.
/// A store from before that rule, holding such a row, still copies whole.
#[test]
fn a_nul_in_an_event_or_order_id_is_quarantined_alike_and_an_old_store_still_copies() {
    let nul_event =
        r#"{"CreateTime":1,"Event":"channels_ec_order\u0000_ext_info_update","order_info":{"order_id":"5","type":5}}"#;
    let nul_id =
        r#"{"CreateTime":2,"Event":"channels_ec_order_ext_info_update","order_info":{"order_id":"5\u00006","type":5}}"#;
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    {
        let mut s = Store::open(&old, OpenMode::Create).unwrap();
        s.add_message(NewMessage::new(10, &type5_push("8", 3), "serve".into())).unwrap();
    }
    // As an older orderscope projected it: the NUL in the event and the key.
    let c = rusqlite::Connection::open(&old).unwrap();
    c.execute("UPDATE messages SET event = 'a' || char(0) || 'b', dup_key = 'k' || char(0) || 'k'", []).unwrap();
    drop(c);
    let from = Store::open(&old, OpenMode::Existing).unwrap();
    for b in backends("a_nul_in_an_event_or_order_id_is_quarantined_alike_and_an_old_store_still_copies") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        for (text, field) in [(nul_event, "event"), (nul_id, "order_id")] {
            store.add_message(NewMessage::new(20, text, "serve".into())).unwrap();
            let q = store.reads().quarantined().unwrap();
            let reason = format!("cannot parse the decrypted message: the message's {field} contains a NUL character");
            assert!(
                q.iter().any(|r| r.reason == reason),
                "{}: {:?}",
                b.name,
                q.iter().map(|r| &r.reason).collect::<Vec<_>>()
            );
        }
        assert_eq!(store.reads().quarantined_count().unwrap(), 2, "{}", b.name);
        assert!(store.reads().order("5").unwrap().is_none(), "{}", b.name);
        let copied = orderscope::store::copy::copy(&from, &mut store, &mut |_| {});
        assert!(copied.is_ok(), "{}: {:?}", b.name, copied.err().map(|e| e.to_string()));
        assert_eq!(store.reads().messages(Some("8")).unwrap().len(), 1, "{}", b.name);
    }
}

/// An import takes turns with the receivers for the store's write lock: a
/// transaction commits once it has run its time budget (a zero budget
/// commits after every document), and one that never runs out of time
/// commits once per batch.
/// Nothing is lost or stored twice at the seams.
#[test]
fn an_import_commits_on_a_time_budget_and_loses_nothing_between_commits() {
    use orderscope::import::{self, Item};
    for b in backends("an_import_commits_on_a_time_budget_and_loses_nothing_between_commits") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        let docs = |from: i64, n: i64| -> Vec<(usize, Result<Item, import::Unreadable>)> {
            (0..n)
                .map(|i| {
                    let text = type5_push(&format!("37000000000000{:05}", from + i), 1_764_656_000 + from + i);
                    ((i + 1) as usize, import::line_item(&text, 0))
                })
                .collect()
        };
        let each = import::import_documents_within(
            &mut store,
            "log",
            "import".into(),
            &docs(0, 40),
            std::time::Duration::ZERO,
        )
        .unwrap();
        assert_eq!((each.messages_new, each.transactions), (40, 40), "{}", b.name);

        // The same 40 again and 10 more, with all the time in the world.
        let mut again = docs(0, 50);
        again.push((51, Err(import::Unreadable::UnknownShape)));
        let hour = std::time::Duration::from_secs(3600);
        let once = import::import_documents_within(&mut store, "log", "import".into(), &again, hour).unwrap();
        assert_eq!((once.messages_new, once.messages_known, once.bad, once.transactions), (10, 40, 1, 1), "{}", b.name);
        assert_eq!(store.reads().counts().unwrap().2, 50, "{}", b.name);
    }
}

/// What buyers quote (phones, the virtual number, waybill and carrier, the
/// pushes' events and types) is kept with the order's summary on every
/// backend as versions and pushes are stored; a store written before it
/// existed gets exactly the same when it is opened.
#[test]
fn what_buyers_quote_is_kept_with_the_order_and_migrated_into_older_stores() {
    use orderscope::model::quoted::Parts;
    use orderscope::tui::search::Query;
    for b in backends("what_buyers_quote_is_kept_with_the_order_and_migrated_into_older_stores") {
        let mut store = open(&b, OpenMode::Create).unwrap();
        for (which, at) in [("before", 100), ("after", 200)] {
            let order = Order::parse_text(&std::fs::read_to_string(seed_file(which)).unwrap()).unwrap();
            store.add_snapshot(&order, at, "test".into()).unwrap();
        }
        let deliver = format!(
            r#"{{"CreateTime":1,"MsgType":"event","Event":"channels_ec_order_deliver","order_info":{{"order_id":{SEED}}}}}"#
        );
        store.add_message(NewMessage::new(NOW, &type5_push(SEED, NOW), "serve".into())).unwrap();
        store.add_message(NewMessage::new(NOW + 1, &deliver, "serve".into())).unwrap();
        // Another type-5 push: counted, its token kept once.
        store.add_message(NewMessage::new(NOW + 2, &type5_push(SEED, NOW + 2), "serve".into())).unwrap();
        // An order known only from a push.
        store.add_message(NewMessage::new(NOW + 3, &type5_push("42", NOW + 3), "serve".into())).unwrap();
        let row = store.reads().order(SEED).unwrap().unwrap();
        let parts = Parts::of(&row.search);
        assert!(parts.free.contains("xbox无线控制器"), "{}: {parts:?}", b.name);
        assert_eq!(
            parts.facts, " tel:139****0775 vn:18400984191 ext:0775 wb:sf3262259346637 carrier:sf carrier:顺丰速运 ",
            "{}",
            b.name
        );
        assert_eq!(
            parts.event_tokens().collect::<Vec<_>>(),
            ["channels_ec_order_ext_info_update#5", "channels_ec_order_deliver"],
            "{}",
            b.name
        );
        assert_eq!(row.messages, 3);
        assert_eq!((row.product.as_str(), row.buyer.as_str()), ("Xbox无线控制器", "杨**"), "{}", b.name);
        for q in ["tel:0775", "wb:sf326", "evt:发货", "type:5", "18400984191-0775", "0775"] {
            assert!(Query::parse(q, NOW).matches(&row), "{}: {q}", b.name);
        }
        let pushed_only = store.reads().order("42").unwrap().unwrap();
        assert_eq!((pushed_only.product.as_str(), pushed_only.buyer.as_str()), ("", ""), "{}", b.name);
        assert!(Query::parse("type:5", NOW).matches(&pushed_only), "{}", b.name);
        let before = store.reads().orders().unwrap();
        drop(store);

        // Back to the schema before: no `events`, `product` or `buyer`, and
        // `search` as it was then.
        let old_search = "xbox无线控制器 杨** sf3262259346637";
        match (&b.location, &b.db) {
            (Location::Sqlite(path), _) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.execute_batch(
                    "ALTER TABLE orders DROP COLUMN events; ALTER TABLE orders DROP COLUMN product;
                     ALTER TABLE orders DROP COLUMN buyer; PRAGMA user_version = 8",
                )
                .unwrap();
                c.execute("UPDATE orders SET search = ?1 WHERE order_id = ?2", [old_search, SEED]).unwrap();
            }
            (_, Some(db)) => {
                let mut c = db.client();
                c.batch_execute(
                    "ALTER TABLE orders DROP COLUMN events, DROP COLUMN product, DROP COLUMN buyer;
                     UPDATE orderscope_meta SET value = 1 WHERE key = 'schema_version'",
                )
                .unwrap();
                c.execute("UPDATE orders SET search = $1 WHERE order_id = $2", &[&old_search, &SEED]).unwrap();
            }
            _ => unreachable!(),
        }
        let store = open(&b, OpenMode::Existing).unwrap();
        assert_eq!(store.reads().orders().unwrap(), before, "{}: migrated as written", b.name);
    }
}

//! The command-line contract (DESIGN.md): the real binary on real store files.

mod common;

use common::*;
use serde_json::Value;

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn import_seed_responses_then_read_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let before = seed_file("before");
    let after = seed_file("after");
    let o = run(&db, &["import", before.to_str().unwrap(), after.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("2 new snapshots"), "{}", stdout(&o));

    let orders = json(&run(&db, &["orders", "--json"]));
    let first = &orders[0];
    assert_eq!(first["order_id"], Value::String(SEED.into()));
    assert_eq!(first["status"], 30);
    assert_eq!(first["update_time"], 1764656487);
    assert_eq!(first["snapshots"], 2);
    assert_eq!(first["messages"], 0);

    // show --json prints the stored order object exactly as the API sent it.
    let shown = json(&run(&db, &["show", SEED, "--json"]));
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&after).unwrap()).unwrap();
    assert_eq!(shown, original["order"]);
    assert!(stdout(&run(&db, &["show", SEED, "--json"])).contains(r#""order_id":"3732676853715311104""#));
}

#[test]
fn a_bare_response_is_untimed_unless_its_read_time_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let before = seed_file("before");
    let db = dir.path().join("untimed.db");
    assert!(run(&db, &["import", before.to_str().unwrap()]).status.success());
    let story = json(&run(&db, &["timeline", SEED, "--json"]));
    let snap = story["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "snapshot").unwrap().clone();
    assert_eq!(snap["at"], 1764642403, "placed at its update_time");
    assert!(snap["summary"].as_str().unwrap().contains("read time unknown"), "{snap}");

    // The call time the merchant quoted in the forum thread (10:26:44.901).
    let db = dir.path().join("timed.db");
    let o = run(&db, &["import", "--fetched-at", "2025-12-02 10:26:44", before.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let story = json(&run(&db, &["timeline", SEED, "--json"]));
    let snap = story["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "snapshot").unwrap().clone();
    assert_eq!(snap["at"], 1764642404, "stored at the read time given");
    assert!(!snap["summary"].as_str().unwrap().contains("read time unknown"), "{snap}");
}

#[test]
fn importing_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = write(
        dir.path(),
        "pushes.jsonl",
        concat!(
            r#"{"ToUserName":"gh_1","CreateTime":1764656488,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#,
            "\n",
            r#"{"received_at":1764656490,"message":{"CreateTime":1764656487,"MsgType":"event","Event":"channels_ec_order_deliver","order_info":{"order_id":"3732676853715311104","finish_delivery":1}}}"#,
            "\n"
        ),
    );
    let before = seed_file("before");
    let args = ["import", before.to_str().unwrap(), log.to_str().unwrap()];
    assert!(run(&db, &args).status.success());
    let again = run(&db, &args);
    assert!(again.status.success());
    assert_eq!(
        stdout(&again).trim(),
        "0 new snapshots (1 already stored), 0 new messages (2 already stored), 0 bad lines"
    );

    let msgs = json(&run(&db, &["messages", SEED, "--json"]));
    let msgs = msgs.as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    // oldest first; the unwrapped push is received at its CreateTime, the wrapped one at received_at
    assert_eq!(msgs[0]["received_at"], 1764656488);
    assert_eq!(msgs[0]["event"], "channels_ec_order_ext_info_update");
    assert_eq!(msgs[0]["order_id"], Value::String(SEED.into()));
    assert_eq!(msgs[0]["type"], 5);
    assert_eq!(msgs[0]["payload"]["order_info"]["order_id"].to_string(), SEED);
    assert_eq!(msgs[1]["received_at"], 1764656490);
    assert_eq!(msgs[1]["type"], Value::Null);

    let orders = json(&run(&db, &["orders", "--json"]));
    assert_eq!(orders[0]["messages"], 2);
    assert_eq!(orders[0]["type5_received"], true);
}

#[test]
fn bad_lines_are_reported_by_number_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = write(
        dir.path(),
        "mixed.jsonl",
        "{\"Event\":\"channels_ec_order_new\",\"CreateTime\":1,\"order_info\":{\"order_id\":\"11\"}}\n\
         {not json\n\
         {\"errcode\":100002,\"errmsg\":\"order not found\"}\n\
         {\"order\":{\"order_id\":\"22\",\"status\":20,\"update_time\":5}}\n",
    );
    let o = run(&db, &["import", log.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("mixed.jsonl:2: not JSON"), "{err}");
    assert!(err.contains("mixed.jsonl:3: the API answered errcode 100002: order not found"), "{err}");
    assert!(stdout(&o).contains("1 new snapshots") && stdout(&o).contains("1 new messages"), "{}", stdout(&o));
    let orders = json(&run(&db, &["orders", "--json"]));
    let ids: Vec<&str> = orders.as_array().unwrap().iter().map(|o| o["order_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"11") && ids.contains(&"22"));
}

#[test]
fn diff_json_has_pointers_and_both_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let (b, a) = (seed_file("before"), seed_file("after"));
    assert!(run(&db, &["import", b.to_str().unwrap(), a.to_str().unwrap()]).status.success());
    let d = json(&run(&db, &["diff", SEED, "--json"]));
    assert_eq!(d["before"]["status"], 20);
    assert_eq!(d["after"]["status"], 30);
    assert_eq!(d["after"]["source"], "observed");
    let changes = d["changes"].as_array().unwrap();
    let find = |p: &str| changes.iter().find(|c| c["path"] == p).unwrap_or_else(|| panic!("{p}: {changes:?}"));
    assert_eq!(find("/status")["op"], "replace");
    assert_eq!(find("/status")["before"], 20);
    assert_eq!(find("/order_detail/delivery_info/address_info/use_tel_number")["after"], 1);
    let ext = find("/order_detail/delivery_info/address_info/tel_number_ext_info");
    assert_eq!(ext["op"], "add");
    assert_eq!(ext["after"]["virtual_tel_number"], "18400984191-0775");
}

#[test]
fn store_problems_get_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    // missing store for a read command: not created
    let missing = dir.path().join("nope.db");
    let o = run(&missing, &["orders", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("orderscope: no store at"), "{}", stderr(&o));
    assert!(!missing.exists());

    // not a database at all
    let text = write(dir.path(), "notes.txt", "hello, this is not a database at all.....");
    let o = run(&text, &["orders"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not an orderscope store: it is not a SQLite database"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);

    // another program's SQLite database
    let other = dir.path().join("other.db");
    let c = rusqlite::Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    drop(c);
    let o = run(&other, &["orders"]);
    assert!(
        stderr(&o).contains("is not an orderscope store: it is a SQLite database with other tables"),
        "{}",
        stderr(&o)
    );

    // a store from a newer orderscope
    let newer = dir.path().join("newer.db");
    assert!(run(&newer, &["import", seed_file("before").to_str().unwrap()]).status.success());
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.pragma_update(None, "user_version", 99).unwrap();
    drop(c);
    let o = run(&newer, &["orders"]);
    assert!(stderr(&o).contains("has schema version 99, newer than this orderscope understands"), "{}", stderr(&o));

    // a damaged store: keep the header, overwrite the pages after it
    let damaged = dir.path().join("damaged.db");
    assert!(run(&damaged, &["import", seed_file("before").to_str().unwrap()]).status.success());
    let c = rusqlite::Connection::open(&damaged).unwrap();
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(c);
    let mut bytes = std::fs::read(&damaged).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let o = run(&damaged, &["orders"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("is damaged"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&dir.path().join("s.db"), &["show"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&dir.path().join("s.db"), &["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn inspector_refuses_a_non_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&dir.path().join("s.db"), &["demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("needs a terminal"), "{}", stderr(&o));
}

#[test]
fn timeline_json_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let (b, a) = (seed_file("before"), seed_file("after"));
    assert!(run(&db, &["import", b.to_str().unwrap(), a.to_str().unwrap()]).status.success());
    let t = json(&run(&db, &["timeline", SEED, "--json"]));
    assert_eq!(t["order_id"], SEED);
    let entries = t["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["source"] == "observed" || e["source"] == "inferred"));
    assert!(entries.iter().all(|e| e["at"].is_i64() && e["kind"].is_string() && e["summary"].is_string()));
    let clock = entries.iter().find(|e| e["kind"] == "vnum_clock_start").unwrap();
    assert_eq!(clock["at"], 1764649651);
    assert_eq!(clock["source"], "inferred");
    let explanation = t["explanation"].as_array().unwrap();
    assert!(explanation.iter().any(|s| s["rule"] == "number_changed_between_snapshots"));
    // Each finding carries its typed parts beside its sentence.
    let start = explanation.iter().find(|s| s["rule"] == "clock_start").unwrap();
    assert_eq!(start["verdict"], "suggests", "{start}");
    assert!(start["sources"].as_array().unwrap().iter().any(|c| c["id"] == "support_guide"
        && c["url"].as_str().unwrap().starts_with("https://support.weixin.qq.com/")
        && c["official"] == true));
    let facts = start["evidence"].as_array().unwrap();
    assert!(facts.iter().any(|e| e["provenance"] == "observed" && e["ref"]["type"] == "snapshot"), "{start}");
    assert!(facts.iter().any(|e| e["provenance"] == "inferred"), "{start}");
    let none = explanation.iter().find(|s| s["rule"] == "no_type5_push").unwrap();
    assert_eq!(none["verdict"], "cannot_decide");
    assert_eq!(none["decided_by"], serde_json::json!(["push_log", "receiver_periods"]));
    let o = run(&db, &["timeline", "1", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("order 1: not in the store"), "{}", stderr(&o));
}

#[test]
fn report_is_markdown_with_masked_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    // An approved real-number request puts the real number in tel_number: the report masks it.
    let mut after: Value = serde_json::from_str(&std::fs::read_to_string(seed_file("after")).unwrap()).unwrap();
    after["order"]["order_detail"]["delivery_info"]["address_info"]["tel_number"] = "13912340775".into();
    after["order"]["update_time"] = 1764656600.into();
    let real = write(dir.path(), "real.json", &after.to_string());
    let (b, a) = (seed_file("before"), seed_file("after"));
    let pushes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/seed/pushes.jsonl");
    let args = ["import", b.to_str().unwrap(), a.to_str().unwrap(), real.to_str().unwrap(), pushes.to_str().unwrap()];
    assert!(run(&db, &args).status.success());
    let o = run(&db, &["--lang", "en", "report", SEED]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(!md.contains("13912340775"), "{md}");
    assert!(md.contains("139****0775"));
    assert!(md.starts_with("# Order 3732676853715311104\n"));
    for heading in ["## What changed", "## Pushes stored", "## Timeline", "## Explanation"] {
        assert!(md.contains(heading), "{heading} missing");
    }
    insta::assert_snapshot!(md.replace(&orderscope::timefmt::now().to_string(), "NOW"));
}

const B: &str = "3732679488426088960";

fn import_seed(db: &std::path::Path) {
    let (b, a) = (seed_file("before"), seed_file("after"));
    let o = run(db, &["import", b.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A store in a temporary directory holding the seed order's two reads.
fn seeded() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    import_seed(&db);
    (dir, db)
}

/// Runs the binary with the shop API configured (a fake shop on loopback).
fn run_with_api(
    db: &std::path::Path,
    shop: &orderscope::api::fake::FakeShop,
    appid: &str,
    args: &[&str],
) -> std::process::Output {
    bin()
        .arg("--store")
        .arg(db)
        .arg("--api-base")
        .arg(shop.base_url())
        .args(args)
        .env_remove("ORDERSCOPE_STORE")
        .env("ORDERSCOPE_APPID", appid)
        .env("ORDERSCOPE_APPSECRET", "secret")
        .env_remove("ORDERSCOPE_CONFIG")
        .env("LANG", "en_US.UTF-8")
        .output()
        .unwrap()
}

/// A fake shop that knows order B as the demo shop has it.
fn shop_with_b(appid: &str) -> orderscope::api::fake::FakeShop {
    let shop = orderscope::api::fake::FakeShop::start_thread(appid, "secret").unwrap();
    let b: Value = serde_json::from_str(include_str!("../assets/demo/lookup/order-3732679488426088960.json")).unwrap();
    shop.add_version(0, b["order"].clone());
    shop
}

#[test]
fn an_order_not_in_the_store_names_what_to_collect() {
    let (_dir, db) = seeded();
    for cmd in ["show", "timeline", "report", "diff"] {
        let o = run(&db, &[cmd, B]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("orderscope: order {B}: not in the store, and no shop API credentials")),
            "{cmd}: {err}"
        );
        for needed in [
            "before and after shipping",
            "one current read",
            "push log",
            "CreateTime and its receipt time",
            "receiver was up",
            "errcode/errmsg",
            "the time of each call to the second",
            "AppID",
            "orderscope import --fetched-at",
            "ORDERSCOPE_APPSECRET",
        ] {
            assert!(err.contains(needed), "{cmd}: {needed} missing from {err}");
        }
        assert!(err.lines().filter(|l| l.starts_with("  - ")).count() >= 6, "one item per line: {err}");
        assert!(stdout(&o).is_empty());
    }
    // nothing was written for B
    let orders = json(&run(&db, &["orders", "--json"]));
    assert_eq!(orders.as_array().unwrap().len(), 1);
    // messages with nothing stored: an empty answer, said out loud on stderr
    let o = run(&db, &["messages", B, "--json"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim(), "[]");
    assert!(
        stderr(&o).contains(&format!(
            "no push is stored for order {B} (the receiver was not running / no push log was imported"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn without_a_push_log_the_timeline_does_not_say_no_push_was_received() {
    let (_dir, db) = seeded();
    let o = run(&db, &["timeline", SEED]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            "no push is stored for this span (the receiver was not running / no receiver period was imported)"
        ),
        "{text}"
    );
    assert!(!text.contains("was received") && !text.contains("assigned"), "{text}");
    let zh = stdout(&run(&db, &["--lang", "zh", "timeline", SEED]));
    assert!(!zh.contains("没有收到 type 5"), "{zh}");
    assert!(zh.contains("接收器未运行 / 未导入接收器运行记录"), "{zh}");
}

#[test]
fn an_imported_receiver_log_lets_absence_count() {
    let (dir, db) = seeded();
    let periods = write(
        dir.path(),
        "up.jsonl",
        "{\"started_at\":1764600000,\"last_seen\":1764700000,\"stopped_at\":1764700000}\n",
    );
    let o = run(&db, &["import", periods.to_str().unwrap()]);
    assert!(stdout(&o).contains("1 new receiver periods"), "{}", stdout(&o));
    let again = stdout(&run(&db, &["import", periods.to_str().unwrap()]));
    assert!(!again.contains("receiver periods"), "a second import adds nothing: {again}");
    let text = stdout(&run(&db, &["timeline", SEED]));
    assert!(text.contains("the receiver was running throughout and received no type 5 push"), "{text}");
}

#[test]
fn a_note_is_stored_as_reported_and_weighed_as_a_report() {
    let (_dir, db) = seeded();
    let o = run(
        &db,
        &[
            "note",
            SEED,
            "merchant: a type 5 push arrived after shipping",
            "--at",
            "2025-12-02 14:21:28",
            "--event",
            "ext_info_update",
            "--type",
            "5",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("note #1 recorded for order 3732676853715311104 (reported"), "{}", stdout(&o));
    let t = json(&run(&db, &["timeline", SEED, "--json"]));
    let note = t["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "note").expect("a note entry");
    assert_eq!(note["source"], "reported");
    assert_eq!(note["at"], 1764656488);
    assert_eq!(note["ref"], serde_json::json!({"type": "note", "id": 1}));
    let reported = t["explanation"].as_array().unwrap().iter().find(|s| s["rule"] == "reported").expect("weighed");
    let st = reported["statement"].as_str().unwrap();
    assert!(st.contains("The push ext_info_update type 5 at 2025-12-02 14:21:28 +08:00 is reported (a report, not an observation); none is stored"), "{st}");
    let text = stdout(&run(&db, &["timeline", SEED]));
    assert!(
        text.contains("2025-12-02 14:21:28  reported  reported: merchant: a type 5 push arrived after shipping"),
        "{text}"
    );
    let md = stdout(&run(&db, &["report", SEED]));
    assert!(md.contains("| reported |"), "{md}");
    // bad input: one clear line, nothing stored
    let o = run(&db, &["note", SEED, "x", "--at", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&db, &["note", SEED, "  "]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("the note is empty"), "{}", stderr(&o));
    let o = run(&db, &["note", SEED, "x", "--type", "5"]);
    assert_eq!(o.status.code(), Some(2), "--type needs --event");
    let t = json(&run(&db, &["timeline", SEED, "--json"]));
    assert_eq!(t["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "note").count(), 1);
}

#[test]
fn an_order_not_in_the_store_is_fetched_when_the_api_is_configured() {
    let (_dir, db) = seeded();
    let shop = shop_with_b("wxapp");
    let with_api = |args: &[&str]| run_with_api(&db, &shop, "wxapp", args);
    // known only from a note: enough to go on without the API, and fetched with it
    assert!(run(&db, &["note", B, "merchant: no type 5 push"]).status.success());
    let o = run(&db, &["timeline", B]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("No order/get response is stored for this order"), "{}", stdout(&o));
    let o = with_api(&["timeline", B]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was not in the store: fetched it from the shop API and stored this version"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("No stored version has a virtual number"), "{}", stdout(&o));
    // stored: the next read needs no API
    let orders = json(&run(&db, &["orders", "--json"]));
    assert!(orders.as_array().unwrap().iter().any(|o| o["order_id"] == B && o["snapshots"] == 1));
    // an order the shop does not know: the API's answer and what to collect
    let o = with_api(&["show", "1234"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("order 1234: not in the store, and the shop API could not fetch it"), "{err}");
    assert!(err.contains("orderscope import"), "{err}");
}

#[test]
fn compare_puts_the_seed_order_beside_b_from_the_demo_shop() {
    let (_dir, db) = seeded();
    // the demo shop's AppID: what it serves is stored as demo
    let shop = shop_with_b(orderscope::demo::DEMO_APPID);
    let o = run_with_api(&db, &shop, orderscope::demo::DEMO_APPID, &["compare", SEED, B, "--json"]);
    let c = json(&o);
    assert_eq!(c["a"]["order_id"], SEED);
    assert_eq!(c["a"]["source"], "observed");
    assert_eq!(c["b"]["order_id"], B);
    assert_eq!(c["b"]["source"], "demo", "fetched from the demo shop: made up, marked so");
    assert_eq!(c["a"]["clock_start"], 1764649651);
    assert_eq!(c["a"]["clock_start_before_shipment"], 1764656486 - 1764649651);
    assert_eq!(c["b"]["virtual_number"], Value::Null);
    let fields: Vec<&str> = c["differences"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"virtual_number") && fields.contains(&"clock_start_vs_shipment"), "{fields:?}");
    let rules: Vec<&str> = c["explanation"].as_array().unwrap().iter().map(|s| s["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["compared_numbers", "compared_pushes", "cannot_decide"]);
    let open = c["explanation"][2]["statement"].as_str().unwrap();
    assert!(
        open.contains(&format!("whether A {SEED} got a type 5 push: the push record does not cover all of its span")),
        "{open}"
    );

    // the same comparison as text, now from the store alone, with a report recorded
    let o =
        run(&db, &["note", SEED, "merchant: type 5 push after shipping", "--event", "ext_info_update", "--type", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&db, &["compare", SEED, B]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains(&format!("{B} [demo]")), "{text}");
    assert!(text.contains("≠⚑ virtual number"), "{text}");
    assert!(text.contains("- [cannot decide] Reported, and weighed as reports, not observations: A"), "{text}");
    assert!(text.contains("- [cannot decide] The data cannot decide:"), "{text}");
    // the same comparison under the report, in Markdown for the ticket
    let o = run(&db, &["report", SEED, "--compare", B]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with(&format!("# Order {SEED}\n")), "{md}");
    assert!(md.contains(&format!("\n## Compared with order {B}\n")), "{md}");
    assert!(md.contains("| virtual number ≠ ⚑ | 18400984191-0775 | - |"), "{md}");
    assert!(md.contains("- `virtual_number`: A `true` · B `false`"), "{md}");
    assert!(md.contains("  - (demo) B 3732679488426088960 (demo data): invalid buyer phone (the guide: none for a number not of 11 digits, blank or dead): the data cannot tell"), "{md}");
    // bad usage
    let o = run(&db, &["compare", SEED, SEED]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("two different orders"), "{}", stderr(&o));
    let o = run(&db, &["compare", SEED, "42"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("order 42: not in the store"), "{}", stderr(&o));
}

#[test]
fn show_live_from_the_demo_shop_stores_the_version_as_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let shop = shop_with_b(orderscope::demo::DEMO_APPID);
    let o = run_with_api(&db, &shop, orderscope::demo::DEMO_APPID, &["show", B, "--live"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("[demo] made up by the bundled demo"), "{}", stdout(&o));
    let d = json(&run(&db, &["diff", B, "--json"]));
    assert_eq!(d["after"]["source"], "demo", "{d}");
    // Any other shop's answer is an observation.
    let db = dir.path().join("real.db");
    let shop = shop_with_b("wxapp");
    assert!(run_with_api(&db, &shop, "wxapp", &["show", B, "--live"]).status.success());
    assert_eq!(json(&run(&db, &["diff", B, "--json"]))["after"]["source"], "observed");
}

#[test]
fn diff_text_shows_added_fields_and_dates() {
    let (_dir, db) = seeded();
    let text = stdout(&run(&db, &["diff", SEED]));
    assert!(!text.contains("fields}"), "{text}");
    let line = |needle: &str| {
        text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {text}")).to_string()
    };
    assert!(text.contains("+ /order_detail/delivery_info/address_info/tel_number_ext_info\n"), "{text}");
    assert!(line("/virtual_tel_number ").ends_with("18400984191-0775"));
    assert!(line("/virtual_tel_expire_time").ends_with("1767241651 (2026-01-01 12:27:31 +08:00)"));
    assert!(line("/ship_done_time").ends_with("0 → 1764656486 (2025-12-02 14:21:26 +08:00)"));
    assert!(line("/delivery_time").ends_with("1764656486 (2025-12-02 14:21:26 +08:00)"));
}

#[test]
fn demo_data_is_marked_and_the_seed_reads_stay_observed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let mut store = orderscope::store::Store::open(&db, orderscope::store::OpenMode::Create).unwrap();
    orderscope::demo::populate(&mut store, NOW).unwrap();
    drop(store);
    let orders = json(&run(&db, &["orders", "--json"]));
    for o in orders.as_array().unwrap() {
        let expected = if o["order_id"] == SEED { "observed" } else { "demo" };
        assert_eq!(o["source"], expected, "{o}");
    }
    let msgs = json(&run(&db, &["messages", SEED, "--json"]));
    assert!(!msgs.as_array().unwrap().is_empty());
    assert!(msgs.as_array().unwrap().iter().all(|m| m["source"] == "demo"), "the seed pushes are made up");
    let t = json(&run(&db, &["timeline", SEED, "--json"]));
    for e in t["entries"].as_array().unwrap() {
        match e["kind"].as_str().unwrap() {
            "snapshot" => assert_eq!(e["source"], "observed", "{e}"),
            "push" => assert_eq!(e["source"], "demo", "{e}"),
            _ => {}
        }
    }
    let t5 = t["explanation"].as_array().unwrap().iter().find(|s| s["rule"] == "type5_push").unwrap();
    assert_eq!(t5["demo"], true);
    let text = stdout(&run(&db, &["timeline", SEED]));
    assert!(text.contains("- [shows] [demo data] A type 5 push"), "{text}");
    assert!(stdout(&run(&db, &["messages", SEED])).lines().all(|l| l.ends_with("[demo]")));
    let md = stdout(&run(&db, &["report", SEED]));
    assert!(md.contains("> **Contains demo data: 0 versions and 4 pushes were made up"), "{md}");
    assert!(md.contains("- [shows] [demo data] A type 5 push"), "{md}");
}

#[test]
fn push_fields_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let log = write(
        dir.path(),
        "pushes.jsonl",
        concat!(
            r#"{"CreateTime":1764656487,"MsgType":"event","Event":"channels_ec_order_deliver","order_info":{"order_id":"3732676853715311104","finish_delivery":1}}"#,
            "\n",
            r#"{"CreateTime":1764656600,"MsgType":"event","Event":"channels_ec_order_cancel","order_info":{"order_id":"3732676853715311104","cancel_type":2}}"#,
            "\n",
            r#"{"CreateTime":1764656700,"MsgType":"event","Event":"channels_ec_aftersale_update","finder_shop_aftersale_status_update":{"status":"MERCHANT_PROCESSING","after_sale_order_id":"9","order_id":"3732676853715311104"}}"#,
            "\n"
        ),
    );
    assert!(run(&db, &["import", log.to_str().unwrap()]).status.success());
    let text = stdout(&run(&db, &["messages"]));
    assert!(text.contains("finish_delivery 1 all items shipped"), "{text}");
    assert!(text.contains("cancel_type 2 cancelled on timeout"), "{text}");
    assert!(text.contains("status MERCHANT_PROCESSING merchant processing"), "{text}");
    let zh = stdout(&run(&db, &["--lang", "zh", "messages"]));
    assert!(zh.contains("cancel_type 2 超时取消"), "{zh}");
    let msgs = json(&run(&db, &["messages", "--json"]));
    assert_eq!(msgs[0]["details"][0], "finish_delivery 1 all items shipped");
}

#[test]
fn demo_shop_serves_order_b_to_the_command_line() {
    use std::io::BufRead;
    /// Stops the demo shop however the test ends.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut shop = Stop(
        bin()
            .args(["demo", "--shop"])
            .env_remove("ORDERSCOPE_STORE")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = std::io::BufReader::new(shop.0.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for line in lines.by_ref().take(5) {
        let line = line.unwrap();
        if let Some((k, v)) = line.trim().strip_prefix("export ").and_then(|kv| kv.split_once('=')) {
            env.push((k.to_string(), v.to_string()));
        }
    }
    assert_eq!(env.len(), 3, "{env:?}");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let o = bin().arg("--store").arg(&db).args(["timeline", B, "--json"]).envs(env).output().unwrap();
    drop(shop);
    let t = json(&o);
    assert!(t["entries"].as_array().unwrap().iter().any(|e| e["kind"] == "snapshot" && e["source"] == "demo"), "{t}");
    assert!(t["explanation"].as_array().unwrap().iter().any(|s| s["rule"] == "no_number"), "{t}");
}

#[test]
fn an_array_is_stored_as_it_is_read_and_where_it_breaks_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let push = |at: i64| {
        format!(
            r#"{{"received_at":{at},"message":{{"Event":"channels_ec_order_ext_info_update","CreateTime":{at},"order_info":{{"order_id":7,"type":5}}}}}}"#
        )
    };
    // Cut off inside its third element: the two before it are kept.
    let cut = write(dir.path(), "cut.json", &format!("[\n  {},\n  {},\n  {{\"received_at\": 3,", push(1), push(2)));
    let o = run(&db, &["import", cut.to_str().unwrap()]);
    assert!(stdout(&o).contains("2 new messages"), "{}", stdout(&o));
    assert!(stderr(&o).contains("cut.json: not JSON: EOF while parsing"), "{}", stderr(&o));
    let stored = json(&run(&db, &["messages", "--json"]));
    assert_eq!(stored.as_array().unwrap().len(), 2);
}

/// `expiring` lists the orders not yet received whose number expires within
/// the window, soonest first, with time left, extensions used of 10 and
/// whether one is possible now; demo data is marked.
#[test]
fn expiring_lists_numbers_about_to_expire_before_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let mut store = orderscope::store::Store::open(&db, orderscope::store::OpenMode::Create).unwrap();
    let now = orderscope::timefmt::now();
    orderscope::demo::populate(&mut store, now).unwrap();
    drop(store);
    let week = json(&run(&db, &["expiring", "--json"]));
    let week = week.as_array().unwrap();
    let ids: Vec<&str> = week.iter().map(|e| e["order_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"3741098712233558016"), "{week:?}");
    for e in week {
        let left = e["seconds_left"].as_i64().unwrap();
        assert!(left > 0 && left <= 7 * 86_400, "{e}");
        assert!([20, 21, 30].contains(&e["status"].as_i64().unwrap()), "{e}");
        assert_eq!(e["extensions_max"], 10);
        assert_eq!(e["source"], "demo");
    }
    let lefts: Vec<i64> = week.iter().map(|e| e["seconds_left"].as_i64().unwrap()).collect();
    assert!(lefts.windows(2).all(|w| w[0] <= w[1]), "soonest first: {lefts:?}");
    let cup = week.iter().find(|e| e["order_id"] == "3741098712233558016").unwrap();
    assert_eq!((cup["extensions_used"].as_i64(), cup["extendable_now"].as_bool()), (Some(0), Some(true)), "{cup}");

    // A window shorter than any number's time left lists nothing, and says so.
    let none = run(&db, &["expiring", "--within", "1m"]);
    assert!(none.status.success());
    assert_eq!(stdout(&none), "");
    assert!(stderr(&none).contains("within 1 min"), "{}", stderr(&none));
    let text = stdout(&run(&db, &["--lang", "zh", "expiring"]));
    let line = text.lines().find(|l| l.starts_with("3741098712233558016")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("剩余 2 天 23:5") || line.contains("剩余 3 天 00:00"), "{line}");
    assert!(line.contains("已延期 0/10 次") && line.contains("现在可延期") && line.ends_with("[演示]"), "{line}");
    let bad = run(&db, &["expiring", "--within", "soon"]);
    assert!(!bad.status.success() && stderr(&bad).contains("bad duration"), "{}", stderr(&bad));
}

/// A push acknowledged and still waiting in the inbox is not a message yet:
/// the listing says so beside it, on stderr, so `--json` stays a list.
#[test]
fn messages_say_what_the_inbox_still_holds() {
    use orderscope::store::{Arrival, OpenMode, Store, dup_key};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut store = Store::open(&db, OpenMode::Create).unwrap();
    let text = br#"{"ToUserName":"gh","FromUserName":"o","CreateTime":1764656400,"MsgType":"event","Event":"channels_ec_order_pay","order_info":{"order_id":3732676853715311104}}"#;
    let envelope = b"{\"Encrypt\":\"x\"}".as_slice();
    let waiting = Arrival {
        received_at: 1_764_656_401,
        query: "timestamp=1",
        content_type: Some("application/json"),
        envelope,
        plaintext: Some(text),
        problem: None,
    };
    store.inbox_mut().append_inbox_group(&[(waiting, &dup_key(Some(text), envelope))]).unwrap();
    drop(store);
    let listed = run(&db, &["messages", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(json(&listed), serde_json::json!([]), "not projected, so not listed");
    assert!(stderr(&listed).contains("1 received push(es) not processed yet are not listed"), "{}", stderr(&listed));
    let plain = run(&db, &["messages"]);
    assert!(stderr(&plain).contains("orderscope doctor shows the backlog"), "{}", stderr(&plain));
}

//! The filter on rows made from the seed order's real versions.

use std::sync::Arc;

use super::*;
use crate::model::Order;
use crate::model::quoted::compose;
use crate::store::OrderRow;

const AFTER: &str = include_str!("../../../assets/demo/seed/order-3732676853715311104-after-shipping.json");
const BEFORE: &str = include_str!("../../../assets/demo/seed/order-3732676853715311104-before-shipping.json");
const NOW: i64 = 1_764_660_000;

/// A row as the store gives it, from a stored version and push tokens.
fn row(id: &str, body: &str, events: &str, last_activity: i64) -> Arc<OrderRow> {
    let o = Order::parse_text(body).unwrap();
    let ext = o.tel_ext().unwrap_or_default();
    Arc::new(OrderRow {
        order_id: id.into(),
        status: o.status(),
        update_time: o.update_time(),
        use_tel_number: o.use_tel_number(),
        vnum: ext.virtual_tel_number.clone(),
        vnum_expire: ext.expire_time,
        snapshots: 1,
        messages: events.split(' ').filter(|t| !t.is_empty()).count() as i64,
        type5: events.contains("ext_info_update#5 "),
        last_activity,
        search: compose(o.search_text(), events),
        product: o.list_text().0,
        buyer: o.list_text().1,
    })
}

/// The seed order after shipping (with its pushes), the same order
/// before shipping under an id containing 0775, and an order with
/// another phone.
fn rows() -> Vec<Arc<OrderRow>> {
    let other = AFTER
        .replace("139****0775", "136****2218")
        .replace("18400984191-0775", "18400984191-2218")
        .replace("SF3262259346637", "YT9000000000001")
        .replace("\"SF\"", "\"YTO\"")
        .replace("顺丰速运", "圆通速递")
        .replace("杨**", "王**");
    vec![
        row(
            "3732676853715311104",
            AFTER,
            "channels_ec_order_new channels_ec_order_pay channels_ec_order_deliver channels_ec_order_ext_info_update#5 ",
            NOW - 300,
        ),
        row("3732670775000000001", BEFORE, "channels_ec_order_new ", NOW - 7200),
        row("3732600000000000002", &other, "channels_ec_order_ext_info_update#3 ", NOW - 5 * 86_400),
    ]
}

fn ids(text: &str) -> Vec<String> {
    let rows = rows();
    let q = Query::parse(text, NOW);
    q.filter(&Index::of(&rows)).visible.iter().map(|&i| rows[i].order_id.clone()).collect()
}

const SEED: &str = "3732676853715311104";
const BEFORE_ID: &str = "3732670775000000001";
const OTHER: &str = "3732600000000000002";

#[test]
fn a_phone_tail_in_every_way_it_is_written() {
    for q in ["tel:0775", "TEL:0775", "tel：0775", "尾号0775", "尾号 0775", "尾号：0775", "phone:775"] {
        assert_eq!(ids(q), [SEED, BEFORE_ID], "{q}");
    }
    assert_eq!(ids("tel:2218"), [OTHER]);
    assert!(ids("tel:1234").is_empty());
}

#[test]
fn a_whole_phone_number_agrees_with_the_masked_one() {
    assert_eq!(ids("tel:13912340775"), [SEED, BEFORE_ID]);
    assert_eq!(ids("tel:139****0775"), [SEED, BEFORE_ID]);
    assert!(ids("tel:13812340775").is_empty(), "the shown prefix differs");
    // Bare, a number as long as the shown one is a phone too.
    assert_eq!(ids("13912340775"), [SEED, BEFORE_ID]);
}

#[test]
fn the_extension_counts_as_a_tail_and_on_its_own() {
    // The other order's phone is 136****2218 and its extension 2218;
    // the seed's extension is 0775 (its phone ends so too).
    assert_eq!(ids("ext:0775"), [SEED]);
    assert_eq!(ids("转0775"), [SEED]);
    assert_eq!(ids("转 0775"), [SEED]);
    assert_eq!(ids("分机2218"), [OTHER]);
}

#[test]
fn the_virtual_number_with_or_without_its_extension() {
    assert_eq!(ids("18400984191"), [SEED, OTHER]);
    assert_eq!(ids("18400984191-0775"), [SEED]);
    assert_eq!(ids("18400984191转2218"), [OTHER]);
    assert_eq!(ids("vn:18400984191-0775"), [SEED]);
    assert_eq!(ids("vn:184009"), [SEED, OTHER]);
    assert!(ids("18400984191-9999").is_empty());
}

#[test]
fn waybills_and_carriers() {
    assert_eq!(ids("wb:SF326"), [SEED]);
    assert_eq!(ids("wb:2259346637"), [SEED]);
    assert_eq!(ids("wb:sf"), [SEED], "the carrier's id");
    assert_eq!(ids("wb:圆通"), [OTHER], "the carrier's name");
    assert_eq!(ids("carrier:顺丰"), [SEED]);
    assert_eq!(ids("快递:yto"), [OTHER]);
    assert!(ids("carrier:326").is_empty(), "a waybill is no carrier");
}

#[test]
fn events_and_types_of_the_pushes_received() {
    assert_eq!(ids("evt:deliver"), [SEED]);
    assert_eq!(ids("evt:订单发货"), [SEED], "by its Chinese name");
    assert_eq!(ids("evt:order placed"), Vec::<String>::new(), "two words are two terms");
    assert_eq!(ids("evt:placed"), [SEED, BEFORE_ID], "by its English name");
    assert_eq!(ids("evt:ext_info"), [SEED, OTHER]);
    assert_eq!(ids("evt:虚拟号码"), [SEED], "by the type's name");
    assert_eq!(ids("type:5"), [SEED]);
    assert_eq!(ids("type:05"), [SEED]);
    assert_eq!(ids("type:3"), [OTHER]);
    assert!(ids("type:13").is_empty());
    // The old words still work.
    assert_eq!(ids("type5"), [SEED]);
    assert_eq!(ids("⚑5"), [SEED]);
}

#[test]
fn since_counts_back_from_now() {
    assert_eq!(ids("since:10m"), [SEED]);
    assert_eq!(ids("since:3h"), [SEED, BEFORE_ID]);
    assert_eq!(ids("since:7d"), [SEED, BEFORE_ID, OTHER]);
    assert_eq!(ids("since:600s"), [SEED]);
}

#[test]
fn unknown_prefixes_and_unreadable_values_are_plain_text() {
    assert!(ids("since:soon").is_empty());
    assert!(ids("foo:bar").is_empty());
    assert!(ids("tel:").is_empty());
    assert_eq!(ids("type:x"), Vec::<String>::new());
    // Plain text still finds what it found before.
    assert_eq!(ids("xbox"), [SEED, BEFORE_ID, OTHER]);
    assert_eq!(ids("待收货"), [SEED, OTHER]);
    assert_eq!(ids("20"), [BEFORE_ID], "a status code");
    assert_eq!(ids("杨**"), [SEED, BEFORE_ID]);
    assert_eq!(ids("sf3262259346637"), [SEED]);
    assert_eq!(ids("active"), [SEED, OTHER], "the number's state at NOW");
    assert_eq!(ids("待分配"), Vec::<String>::new());
}

#[test]
fn plain_text_never_matches_the_tagged_facts() {
    // `tel`, `ext` and `wb` are tags, not words the buyer's order holds.
    assert!(ids("tel").is_empty());
    assert!(ids("carrier").is_empty());
    assert!(ids("channels_ec").is_empty());
}

#[test]
fn terms_are_anded() {
    assert_eq!(ids("0775 wb:sf"), [SEED]);
    assert_eq!(ids("tel:0775 since:10m"), [SEED]);
    assert!(ids("tel:0775 carrier:圆通").is_empty());
}

#[test]
fn a_bare_four_digit_number_says_what_it_matched_and_lists_tails_first() {
    let rows = rows();
    let found = Query::parse("0775", NOW).filter(&Index::of(&rows));
    let listed: Vec<&str> = found.visible.iter().map(|&i| rows[i].order_id.as_str()).collect();
    assert_eq!(listed, [SEED, BEFORE_ID]);
    let which = found.which.unwrap();
    assert_eq!(which, Which { digits: "0775".into(), tail: 2, id: 1, elsewhere: 0 });
    assert_eq!(which.phrases(Lang::Zh), ["尾号 0775：2", "订单号含 0775：1"]);
    assert_eq!(which.phrases(Lang::En), ["phone tail 0775: 2", "id contains 0775: 1"]);
    // An id match that is no tail comes after the tails.
    let found = Query::parse("0000", NOW).filter(&Index::of(&rows));
    assert_eq!(found.which.as_ref().map(|w| (w.tail, w.id)), Some((0, 2)));
    let found = Query::parse("2218", NOW).filter(&Index::of(&rows));
    let listed: Vec<&str> = found.visible.iter().map(|&i| rows[i].order_id.as_str()).collect();
    assert_eq!(listed, [OTHER]);
    // Text elsewhere (a waybill) is counted apart.
    let found = Query::parse("6637", NOW).filter(&Index::of(&rows));
    assert_eq!(found.which, Some(Which { digits: "6637".into(), tail: 0, id: 0, elsewhere: 1 }));
    assert_eq!(found.which.unwrap().phrases(Lang::Zh)[2], "其他字段：1");
    // Other queries say nothing of the kind.
    assert_eq!(Query::parse("tel:0775", NOW).filter(&Index::of(&rows)).which, None);
    assert_eq!(Query::parse("07755", NOW).filter(&Index::of(&rows)).which, None);
}

#[test]
fn a_store_row_without_facts_matches_as_before() {
    // Written before the facts existed: all free text, no separator.
    let mut r = (*rows()[0]).clone();
    r.search = compose("xbox无线控制器 杨** sf3262259346637".into(), "");
    let q = |t: &str| Query::parse(t, NOW).matches(&r);
    assert!(q("xbox"));
    assert!(q("sf326"));
    assert!(!q("tel:0775"));
}

#[test]
fn an_empty_query_keeps_every_row() {
    let rows = rows();
    assert_eq!(Query::parse("  ", NOW).filter(&Index::of(&rows)), Found { visible: vec![0, 1, 2], which: None });
}

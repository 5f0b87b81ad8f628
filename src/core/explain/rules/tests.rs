use super::*;
use crate::explain::evidence::Evidence;
use crate::explain::finding::{Cite, Decider, Verdict};
use crate::explain::fixtures::*;
use serde_json::json;

#[test]
fn without_a_push_record_absence_is_not_read_as_not_sent() {
    let ev = seed(vec![], vec![]);
    let out = number_changed_between_snapshots(&Facts::of(&ev), Lang::En);
    assert_eq!(out.len(), 1);
    let s = &out[0].statement;
    assert!(
        s.contains("no push is stored for this span (the receiver was not running / no receiver period was imported)"),
        "{s}"
    );
    assert!(!s.contains("was received"), "{s}");
    let zh = &number_changed_between_snapshots(&Facts::of(&ev), Lang::Zh)[0].statement;
    assert!(zh.contains("接收器未运行 / 未导入接收器运行记录"), "{zh}");
}

#[test]
fn a_receiver_running_throughout_lets_absence_count() {
    let ev = seed(vec![], vec![Period { start: 1_764_600_000, end: NOW, stopped: false }]);
    let f = Facts::of(&ev);
    let s = &number_changed_between_snapshots(&f, Lang::En)[0].statement;
    assert!(s.contains("the receiver was running throughout and received no type 5 push"), "{s}");
    let none = no_type5_push(&f, Lang::En).unwrap();
    assert_eq!(none.short, "has a number, no type 5 push while listening");
}

#[test]
fn the_time_after_shipping_is_judged_and_its_gap_named() {
    // The receiver ran through shipping and stopped a day later: the
    // span after shipping (to the number's expiry) is only partly covered.
    let ev = seed(vec![], vec![Period { start: 1_764_600_000, end: SHIP + 86_400, stopped: true }]);
    let f = Facts::of(&ev);
    assert_eq!(relevant_span(&f), Some((1_764_642_404, EXPIRY)), "from the first read to the expiry");
    let none = no_type5_push(&f, Lang::En).unwrap();
    assert_eq!(none.short, "has a number, no type 5 push stored (record incomplete)");
    assert!(
        none.statement.contains("would have had every delivery (retries included, about 3.6 h)"),
        "{}",
        none.statement
    );
    assert!(none.statement.contains("12-03 14:21"), "the lost stretch starts after the stop: {}", none.statement);
}

#[test]
fn a_clock_start_inside_a_short_gap_is_reached_by_a_retry() {
    let start = EXPIRY - 30 * 86_400; // 12:27:31
    let up = vec![
        Period { start: start - 10_000, end: start - 1_000, stopped: true },
        Period { start: start + 200, end: NOW, stopped: false },
    ];
    let ev = seed(vec![], up);
    let out = clock_start_while_receiver_down(&Facts::of(&ev), Lang::En);
    assert_eq!(out.len(), 1);
    let s = &out[0].statement;
    assert!(s.contains("would have been redelivered at 12:33:41 (the retry 6 min after it)"), "{s}");
    assert!(s.contains("none is stored"), "{s}");
    assert!(!s.contains("could not have been stored"), "{s}");
    // A six-hour gap: every delivery falls inside it.
    let up = vec![
        Period { start: start - 10_000, end: start - 1_000, stopped: true },
        Period { start: start + 21_600, end: NOW, stopped: false },
    ];
    let s = &clock_start_while_receiver_down(&Facts::of(&seed(vec![], up)), Lang::En)[0].statement;
    assert!(s.contains("such a push could not have been stored"), "{s}");
}

#[test]
fn a_type5_push_made_before_shipping_and_received_after_is_named_a_redelivery() {
    let mut p = push(3, SHIP + 1_200, Some(5), "serve");
    p.created_at = Some(SHIP - 970);
    let ev = seed(vec![p], vec![]);
    let s = &type5_push(&Facts::of(&ev), Lang::En)[0].statement;
    assert!(s.contains("Its event time (CreateTime) is 2025-12-02 14:05:16 +08:00, 16 min before the shipment, yet it arrived after it: a redelivery"), "{s}");
    let zh = &type5_push(&Facts::of(&ev), Lang::Zh)[0].statement;
    assert!(zh.contains("这是平台的重新投递"), "{zh}");
    let entries = crate::explain::timeline::entries(&ev, Lang::En);
    let e = entries.iter().find(|e| e.kind == "push").unwrap();
    assert_eq!(e.created_at, Some(SHIP - 970));
    assert!(e.summary.contains("made 2025-12-02 14:05:16, 36 min late (a redelivery)"), "{}", e.summary);
}

#[test]
fn clock_start_names_what_it_means_and_never_says_assigned() {
    let ev = seed(vec![], vec![]);
    let out = clock_start(&Facts::of(&ev), Lang::En);
    assert_eq!(out.len(), 1);
    let s = &out[0].statement;
    assert!(s.starts_with("The 30-day clock started ≈ 2025-12-02 12:27:31 +08:00 (inferred)"), "{s}");
    assert!(s.contains("1 h 53 min before the shipment (14:21:26)"), "{s}");
    assert!(!s.contains("assign") && !s.contains("Caution"), "{s}");
    assert_eq!(out[0].short, "clock started ≈ 12:27:31, 1 h 53 min before the shipment (14:21:26)");
}

/// A read a minute after the seed's shipment.
const READ: i64 = SHIP + 60;

fn one(ext: serde_json::Value) -> Evidence {
    evidence(vec![version(1, READ, true, Some(ext))], vec![], vec![], vec![])
}

#[test]
fn clock_start_warns_when_the_rule_may_not_hold() {
    let missing = json!({"virtual_tel_number": "1-2", "virtual_tel_expire_time": EXPIRY});
    let s = &clock_start(&Facts::of(&one(missing)), Lang::En)[0];
    assert!(s.statement.contains("the order has no has_delay_times"), "{}", s.statement);
    assert_eq!(s.verdict, Verdict::Suggests);
    assert_eq!(s.decided_by, vec![Decider::LaterRead]);
}

#[test]
fn an_exchanged_number_gets_no_thirty_day_clock_start() {
    let exchanged = json!({"virtual_tel_number": "1-2", "virtual_tel_expire_time": EXPIRY, "has_delay_times": 0, "get_virtual_tel_cnt": 1});
    let ev = one(exchanged);
    let f = Facts::of(&ev);
    assert_eq!(f.number_kind(f.versions[0]), NumberKind::Exchanged { count: 1 });
    let s = &clock_start(&f, Lang::En)[0];
    assert_eq!(s.verdict, Verdict::CannotDecide);
    assert!(s.statement.contains("exchanged numbers are valid 3 days"), "{}", s.statement);
    assert!(s.sources.contains(&Cite::ExchangeApi));
    assert!(s.evidence.iter().any(|e| e.text == "get_virtual_tel_cnt 1"));
    assert!(clock_start_while_receiver_down(&f, Lang::En).is_empty(), "no clock start, no gap to weigh");
    let zh = &clock_start(&f, Lang::Zh)[0];
    assert!(zh.statement.contains("不推断计时开始"), "{}", zh.statement);
}

#[test]
fn a_number_re_applied_after_expiry_gets_no_clock_start() {
    // Read once with the number, once after it expired with a new one.
    let first = version(1, READ, true, Some(seed_ext()));
    let later = json!({"virtual_tel_number": "13040205676-5123", "virtual_tel_expire_time": EXPIRY + 40 * 86_400, "has_delay_times": 0});
    let second = version(2, EXPIRY + 3_600, true, Some(later));
    let ev = evidence(vec![first, second], vec![], vec![], vec![]);
    let f = Facts::of(&ev);
    assert_eq!(f.number_kind(f.versions[1]), NumberKind::Reapplied { previous_expiry: EXPIRY });
    let out = clock_start(&f, Lang::En);
    assert_eq!(out.len(), 2, "the first number is dated, the re-applied one is not: {out:#?}");
    assert!(out[1].statement.contains("re-applied after expiry"), "{}", out[1].statement);
    assert!(out[1].sources.contains(&Cite::ApplyAgainApi));
}

#[test]
fn a_clock_start_before_the_order_existed_is_flagged_impossible() {
    let mut v = version(1, READ, true, Some(seed_ext()));
    v.order.raw["create_time"] = (EXPIRY - 10 * 86_400).into();
    let ev = evidence(vec![v], vec![], vec![], vec![]);
    let f = Facts::of(&ev);
    assert!(matches!(f.number_kind(f.versions[0]), NumberKind::Impossible { bound: Bound::BeforeCreated(_), .. }));
    let s = &clock_start(&f, Lang::En)[0];
    assert!(s.statement.contains("that is impossible"), "{}", s.statement);
    assert!(!s.statement.contains("The 30-day clock started"), "{}", s.statement);
    // A cancelled order's expiry may have been cut short.
    let mut v = version(1, READ, true, Some(seed_ext()));
    v.order.raw["status"] = 250.into();
    let ev = evidence(vec![v], vec![], vec![], vec![]);
    let s = &clock_start(&Facts::of(&ev), Lang::En)[0];
    assert!(s.statement.contains("cut short by the cancellation"), "{}", s.statement);
}

#[test]
fn an_invalid_phone_means_no_number_rather_than_pending() {
    let ext = json!({"real_tel_number": "1390775"});
    let mut v = version(1, 100, true, Some(ext));
    v.order.raw["order_detail"]["delivery_info"]["address_info"]["tel_number"] = "1390775".into();
    let ev = evidence(vec![v], vec![], vec![], vec![]);
    let s = pending_number(&Facts::of(&ev), Lang::En).unwrap();
    assert!(s.statement.contains("no virtual number is generated for an invalid contact number"), "{}", s.statement);
    assert!(!s.statement.contains("a later read would"), "{}", s.statement);
    let zh = pending_number(&Facts::of(&ev), Lang::Zh).unwrap();
    assert!(zh.statement.contains("不生成虚拟号"), "{}", zh.statement);
    // a well-formed masked phone stays undecided
    let ev =
        evidence(vec![version(1, 100, true, Some(json!({"real_tel_number": "139****0775"})))], vec![], vec![], vec![]);
    let s = pending_number(&Facts::of(&ev), Lang::En).unwrap();
    assert!(s.statement.contains("a later read would decide it"), "{}", s.statement);
}

#[test]
fn ten_extensions_are_the_last() {
    let ext = |n: i64| json!({"virtual_tel_number": "1-2", "virtual_tel_expire_time": EXPIRY, "has_delay_times": n});
    let at = |n| one(ext(n));
    assert!(extensions_used_up(&Facts::of(&at(9)), Lang::En).is_none());
    let s = extensions_used_up(&Facts::of(&at(10)), Lang::En).unwrap();
    assert!(s.statement.contains("can no longer be extended"), "{}", s.statement);
}

#[test]
fn no_number_weighs_each_documented_cause() {
    let mut v = version(1, 100, true, None);
    v.order.raw["order_detail"]["delivery_info"]["delivery_product_info"][0]["deliver_type"] = 3.into();
    let ev = evidence(vec![v], vec![], vec![], vec![]);
    let s = no_number(&Facts::of(&ev), Lang::En).unwrap();
    let causes: Vec<&str> = s.evidence[1..].iter().map(|e| e.text.as_str()).collect();
    assert_eq!(causes.len(), 6, "{causes:#?}");
    assert!(s.evidence[1..].iter().all(|e| e.provenance == crate::explain::Source::Inferred));
    assert!(causes[0].starts_with("virtual goods") && causes[0].contains(": against — deliver_method 0"));
    assert!(causes[1].starts_with("shipped without logistics") && causes[1].contains(": for — deliver_type 3"));
    assert!(causes[2].starts_with("invalid buyer phone") && causes[2].contains("the data cannot tell"));
    assert!(causes[3].contains("never paid") && causes[3].contains(": against — status"), "{}", causes[3]);
    assert!(causes[4].contains("never decoded") && causes[4].contains("unconfirmed"));
    // a cause that holds decides it
    assert_eq!(s.verdict, Verdict::Shows);
    assert!(s.decided_by.is_empty());
    assert!(s.statement.contains("there is no tel_number_ext_info"), "{}", s.statement);
    let zh = no_number(&Facts::of(&ev), Lang::Zh).unwrap();
    assert!(
        zh.evidence[1].text.contains("：不支持 — deliver_method 0"),
        "full-width in Chinese: {}",
        zh.evidence[1].text
    );
    // with a number in any version, the rule says nothing
    assert!(no_number(&Facts::of(&seed(vec![], vec![])), Lang::En).is_none());
}

#[test]
fn one_read_a_year_after_shipping_cannot_say_there_was_no_number_at_shipping() {
    let ev = evidence(vec![version(1, SHIP + 365 * 86_400, true, None)], vec![], vec![], vec![]);
    let s = no_number(&Facts::of(&ev), Lang::En).unwrap();
    assert!(s.statement.contains("the first read came 365 d 0 h after shipping"), "{}", s.statement);
    assert_eq!(s.verdict, Verdict::CannotDecide);
    assert_eq!(s.decided_by[0], Decider::LaterRead);
    // read soon after shipping, no such caution
    let ev = evidence(vec![version(1, SHIP + 60, true, None)], vec![], vec![], vec![]);
    assert!(!no_number(&Facts::of(&ev), Lang::En).unwrap().statement.contains("Caution"));
}

#[test]
fn a_type5_push_before_shipping_or_made_up_does_not_agree_with_a_report_after_it() {
    let note = Note {
        id: 7,
        order_id: "1".into(),
        at: Some(SHIP + 60),
        event: Some("channels_ec_order_ext_info_update".into()),
        kind: Some(5),
        text: "type 5 after shipping".into(),
        recorded_at: NOW,
    };
    let mut before = push(3, SHIP + 100, Some(5), "serve");
    before.created_at = Some(SHIP - 100); // made before shipping, redelivered after
    let mut ev = seed(vec![before], vec![]);
    ev.notes = vec![note.clone()];
    let s = &reported(&Facts::of(&ev), Lang::En)[0];
    assert!(s.statement.contains("none is stored"), "{}", s.statement);
    let mut ev = seed(vec![push(4, SHIP + 70, Some(5), "demo")], vec![]);
    ev.notes = vec![note];
    let s = &reported(&Facts::of(&ev), Lang::En)[0];
    assert!(!s.statement.contains("agree"), "a demo push agrees with nothing: {}", s.statement);
}

#[test]
fn a_reported_push_is_weighed_as_a_report() {
    let note = |at| Note {
        id: 7,
        order_id: "1".into(),
        at,
        event: Some("channels_ec_order_ext_info_update".into()),
        kind: Some(5),
        text: "merchant says a type 5 push arrived".into(),
        recorded_at: 1_800_000_000,
    };
    let mut ev = seed(vec![], vec![]);
    ev.notes = vec![note(Some(SHIP + 2))];
    let s = &reported(&Facts::of(&ev), Lang::En)[0];
    assert!(s.statement.contains("is reported (a report, not an observation); none is stored"), "{}", s.statement);
    assert!(s.statement.contains("no push is stored for this span"), "{}", s.statement);
    assert!(s.evidence[0].text.starts_with("report #7"), "{:?}", s.evidence);
    // without a time, the order's whole span is checked
    ev.notes = vec![note(None)];
    let s = &reported(&Facts::of(&ev), Lang::En)[0];
    assert!(
        s.statement.starts_with("The push ext_info_update type 5 (time not reported) is reported"),
        "{}",
        s.statement
    );
    assert!(s.statement.contains("none is stored: no push is stored for this span"), "{}", s.statement);
    ev.notes = vec![note(Some(SHIP + 2))];
    // a stored push near the reported time agrees with it
    ev.pushes = vec![push(3, SHIP + 2, Some(5), "serve")];
    let s = &reported(&Facts::of(&ev), Lang::En)[0];
    assert!(s.statement.contains("agree with the report"), "{}", s.statement);
    assert_eq!(s.evidence.len(), 2);
}

#[test]
fn a_type5_push_is_placed_against_shipment_and_clock_start() {
    let ev = seed(vec![push(3, SHIP + 2, Some(5), "demo")], vec![]);
    let out = type5_push(&Facts::of(&ev), Lang::En);
    assert_eq!(out.len(), 1);
    assert!(out[0].statement.contains("2 s after the shipment (14:21:26)"), "{}", out[0].statement);
    assert!(out[0].statement.contains("right at the shipment"), "{}", out[0].statement);
    assert!(out[0].demo, "a push the demo made up marks the statement");
}

#[test]
fn rules_serialize_by_name() {
    assert_eq!(serde_json::to_value(Rule::NumberChangedBetweenSnapshots).unwrap(), "number_changed_between_snapshots");
    assert_eq!(Rule::NoNumber.to_string(), "no_number");
    for r in Rule::HEADLINE_ORDER {
        assert_eq!(serde_json::to_value(r).unwrap(), r.name());
    }
}

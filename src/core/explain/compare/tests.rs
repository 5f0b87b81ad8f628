use super::*;
use crate::explain::Period;
use crate::explain::fixtures::*;
use crate::explain::rules::Rule;

/// Order B as the demo shop has it: one read after shipping, no number.
fn order_b() -> Evidence {
    let mut ev = evidence(vec![version(5, SHIP + 8000, true, None)], vec![], vec![], vec![]);
    ev.order_id = "2".into();
    ev
}

fn find(c: &Comparison, rule: Rule) -> &Statement {
    c.explanation.iter().find(|s| s.rule == rule).unwrap_or_else(|| panic!("{rule}: {:#?}", c.explanation))
}

#[test]
fn a_number_before_shipping_against_none_is_the_difference_named() {
    let c = compare(&seed(vec![push(3, SHIP + 2, Some(5), "serve")], vec![]), &order_b(), Lang::En);
    assert_eq!(c.a.clock_start_before_shipment, Some(SHIP - (EXPIRY - 30 * 86_400)));
    assert_eq!(c.a.type5_pushes, 1);
    assert_eq!(c.b.virtual_number, None);
    let fields: Vec<&str> = c.differences.iter().map(|d| d.field).collect();
    for f in ["virtual_number", "clock_start_vs_shipment", "use_tel_number", "type5_pushes_stored"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(c.differences.iter().find(|d| d.field == "virtual_number").unwrap().bears_on_type5);
    assert!(!fields.contains(&"deliver_method"), "equal facts are not differences");
    let n = find(&c, Rule::ComparedNumbers);
    assert!(n.statement.contains("A 1: the clock started ≈ 12:27:31, 1 h 53 min before shipping"), "{}", n.statement);
    assert!(n.statement.contains("B 2: no number in its only stored version (read"), "{}", n.statement);
    assert!(n.statement.contains("after shipping)"), "{}", n.statement);
    assert!(n.statement.contains("no stored read of B shows a number to update"), "{}", n.statement);
    let p = find(&c, Rule::ComparedPushes);
    assert!(
        p.statement.contains("A 1: type 5 push stored at 2025-12-02 14:21:28 (2 s after shipping)"),
        "{}",
        p.statement
    );
    assert!(p.statement.contains("B 2: no push is stored for this span"), "{}", p.statement);
    let open = find(&c, Rule::CannotDecide);
    assert!(
        open.statement.contains("whether B 2 got a type 5 push: the push record does not cover all of its span"),
        "{}",
        open.statement
    );
    assert!(open.statement.contains("why B 2 has no number"), "{}", open.statement);
    assert!(!open.statement.contains("whether A 1 got"), "A's push is stored: {}", open.statement);
}

#[test]
fn a_covered_span_lets_the_absence_count_and_leaves_less_undecided() {
    let up = vec![Period { start: SHIP - 100_000, end: NOW, stopped: false }];
    let mut b = order_b();
    b.periods = up.clone();
    let c = compare(&seed(vec![], up), &b, Lang::En);
    let p = find(&c, Rule::ComparedPushes);
    assert!(
        p.statement.contains("B 2: the receiver was running throughout and received no type 5 push"),
        "{}",
        p.statement
    );
    let open = find(&c, Rule::CannotDecide);
    assert!(!open.statement.contains("got a type 5 push"), "{}", open.statement);
    assert!(open.statement.contains("publishes no rule"), "{}", open.statement);
}

#[test]
fn reports_are_weighed_as_reports_and_demo_data_is_marked() {
    let mut a = seed(vec![push(3, SHIP + 2, Some(5), "demo")], vec![]);
    a.notes = vec![Note {
        id: 1,
        order_id: "1".into(),
        at: Some(SHIP + 2),
        event: Some("channels_ec_order_ext_info_update".into()),
        kind: Some(5),
        text: "merchant saw it".into(),
        recorded_at: SHIP + 99_999,
    }];
    let mut b = order_b();
    b.versions[0].source = "demo".into();
    let c = compare(&a, &b, Lang::En);
    assert_eq!(c.b.source, Source::Demo);
    assert_eq!(c.a.source, Source::Observed, "A's reads are real; only its push is made up");
    assert_eq!(c.a.pushes[0].source, Source::Demo);
    let p = find(&c, Rule::ComparedPushes);
    assert!(p.demo && p.statement.contains("demo data"), "{}", p.statement);
    let r = find(&c, Rule::ComparedReports);
    assert!(r.statement.starts_with("Reported, and weighed as reports, not observations: A 1:"), "{}", r.statement);
    let json = serde_json::to_value(&c).unwrap();
    for key in ["a", "b", "differences", "explanation"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["b"]["source"], "demo");
    assert_eq!(json["a"]["notes"][0]["type"], 5);
}

#[test]
fn a_side_without_any_version_is_not_judged() {
    let mut b = evidence(vec![], vec![], vec![], vec![]);
    b.order_id = "2".into();
    b.notes = vec![Note {
        id: 1,
        order_id: "2".into(),
        at: None,
        event: None,
        kind: None,
        text: "no push here".into(),
        recorded_at: 5,
    }];
    let c = compare(&seed(vec![], vec![]), &b, Lang::En);
    assert_eq!(c.b.source, Source::Observed, "a note is not demo data");
    let fields: Vec<&str> = c.differences.iter().map(|d| d.field).collect();
    assert_eq!(fields, ["versions_stored", "reported_notes"], "no field-by-field guesses against nothing");
    let n = find(&c, Rule::ComparedNumbers);
    assert!(
        n.statement.contains("B 2: no order/get response is stored, so its number cannot be judged"),
        "{}",
        n.statement
    );
    assert!(!n.statement.contains("shows a number to update"), "{}", n.statement);
    assert!(find(&c, Rule::CannotDecide).statement.contains("B 2 has no stored order/get response"));
}

#[test]
fn chinese_text_is_chinese() {
    let c = compare(&seed(vec![], vec![]), &order_b(), Lang::Zh);
    let n = find(&c, Rule::ComparedNumbers);
    assert!(n.statement.contains("计时约于 12:27:31 开始，比发货早 1 小时 53 分"), "{}", n.statement);
    assert!(find(&c, Rule::CannotDecide).statement.starts_with("数据无法判断："));
}

//! The timeline and the explanation on the seed order and on the demo orders,
//! one test per explanation rule.

mod common;

use common::*;
use orderscope::model::Lang;
use orderscope::story::{Source, Statement, Story, build};

fn story(id: &str) -> Story {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    store.story(id, Lang::En).unwrap()
}

fn rule<'a>(s: &'a Story, name: &str) -> &'a Statement {
    s.explanation.iter().find(|st| st.rule == name).unwrap_or_else(|| {
        panic!("no {name} statement in {:#?}", s.explanation.iter().map(|s| s.rule).collect::<Vec<_>>())
    })
}

fn has(s: &Story, name: &str) -> bool {
    s.explanation.iter().any(|st| st.rule == name)
}

#[test]
fn seed_order_timeline() {
    let s = story(SEED);
    let at = |kind: &str| s.entries.iter().find(|e| e.kind == kind).unwrap_or_else(|| panic!("{kind}"));
    // 2025-12-02 12:27:31 +08:00 = expiry 2026-01-01 12:27:31 − 30 days
    let clock = at("vnum_clock_start");
    assert_eq!(clock.at, 1_764_649_651);
    assert_eq!(clock.source, Source::Inferred);
    assert!(clock.rule.as_deref().unwrap().contains("expiry − 30 d − 15 d × extensions"));
    // shipment at 14:21:26 +08:00, from delivery_time
    let shipped = at("shipped");
    assert_eq!(orderscope::timefmt::full_tz(shipped.at), "2025-12-02 14:21:26 +08:00");
    assert_eq!(shipped.source, Source::Inferred);
    // the second version's changes
    let versions: Vec<_> = s.entries.iter().filter(|e| e.kind == "snapshot").collect();
    assert_eq!(versions.len(), 2);
    assert!(versions.iter().all(|e| e.source == Source::Observed));
    assert_eq!(orderscope::timefmt::full(versions[0].at), "2025-12-02 10:26:44");
    let changes = &versions[1].summary;
    assert!(changes.contains("status 20→30"), "{changes}");
    assert!(changes.contains("use_tel_number 0→1"), "{changes}");
    assert!(changes.contains("+tel_number_ext_info"), "{changes}");
    // sorted by time
    assert!(s.entries.windows(2).all(|w| w[0].at <= w[1].at));
    // the explanation places the assignment between the two reads, before shipping
    let changed = rule(&s, "number_changed_between_snapshots");
    assert!(changed.statement.contains("18400984191-0775 appeared"), "{}", changed.statement);
    assert!(changed.statement.contains("1 h 53 min before the shipment (14:21:26)"), "{}", changed.statement);
    assert!(changed.statement.contains("not at shipping"), "{}", changed.statement);
    let t5 = rule(&s, "type5_push");
    assert!(t5.statement.contains("2 s after the shipment"), "{}", t5.statement);
    assert!(!t5.evidence.is_empty());
    assert!(has(&s, "no_published_rule"));
}

#[test]
fn rule_never_had_number() {
    let s = story("3741203385562701568");
    let st = rule(&s, "never_had_number");
    assert!(st.statement.contains("in all 2 stored versions"), "{}", st.statement);
    assert_eq!(st.evidence.len(), 2);
    assert!(!has(&s, "type5_push"));
}

#[test]
fn rule_virtual_goods() {
    let s = story("3741188820049158400");
    assert!(rule(&s, "virtual_goods").statement.contains("deliver_method 1"));
    assert!(has(&s, "never_had_number"));
}

#[test]
fn rule_number_before_first_record() {
    let s = story("3741150627718225920");
    let st = rule(&s, "number_before_first_record");
    assert!(st.evidence[0].starts_with("17052873310-3301"), "{:?}", st.evidence);
    assert!(!has(&s, "number_changed_between_snapshots"));
}

#[test]
fn rule_clock_start_while_receiver_down() {
    let s = story("3740870011455496192");
    let st = rule(&s, "clock_start_while_receiver_down");
    assert!(st.statement.contains("could not have been stored"), "{}", st.statement);
    // and the receiver's gap is on the timeline
    assert!(s.entries.iter().any(|e| e.kind == "receiver_down"));
    // A clock start the receiver was up for says nothing of the kind.
    assert!(!has(&story("3741098712233558016"), "clock_start_while_receiver_down"));
}

#[test]
fn rule_number_changed_with_and_without_a_push() {
    let without = story("3740870011455496192");
    assert!(rule(&without, "number_changed_between_snapshots").statement.contains("no type 5 push was received"));
    assert!(has(&without, "no_type5_push"));
    let with = story("3741098712233558016");
    assert!(rule(&with, "number_changed_between_snapshots").statement.contains("1 type 5 push(es) arrived"));
}

#[test]
fn rule_expiry_changed_by_an_extension() {
    let s = story("3741067390128394240");
    let st = s
        .explanation
        .iter()
        .find(|st| st.rule == "number_changed_between_snapshots" && st.statement.contains("the expiry changed"))
        .expect("an expiry change");
    assert!(st.statement.contains("extended 1×"), "{}", st.statement);
    // both clock-start inferences agree, so one entry
    assert_eq!(s.entries.iter().filter(|e| e.kind == "vnum_clock_start").count(), 1);
    assert_eq!(s.entries.iter().filter(|e| e.kind == "vnum_expiry").count(), 2);
}

#[test]
fn rule_pending_number() {
    let s = story("3741142277031690240");
    assert!(rule(&s, "pending_number").statement.contains("use_tel_number is 1"));
}

#[test]
fn rule_type5_push_near_the_assignment() {
    let s = story("3741150627718225920");
    let st = rule(&s, "type5_push");
    assert!(st.statement.contains("right at the number's assignment"), "{}", st.statement);
}

#[test]
fn rule_no_snapshot() {
    let pushes = vec![orderscope::story::PushRecord {
        id: 1,
        received_at: 10,
        event: "channels_ec_order_new".into(),
        kind: None,
        deliveries: 1,
    }];
    let s = build("1", &[], &pushes, &[], Lang::En);
    assert!(has(&s, "no_snapshot"));
    assert_eq!(s.entries.len(), 1);
}

#[test]
fn every_inferred_entry_names_its_rule_and_observed_ones_point_at_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    for row in store.orders().unwrap() {
        let s = store.story(&row.order_id, Lang::Zh).unwrap();
        for e in &s.entries {
            match e.source {
                Source::Inferred => assert!(e.rule.is_some(), "{e:?}"),
                Source::Observed => assert!(e.reference.is_some() || e.kind.starts_with("receiver_"), "{e:?}"),
            }
        }
        assert_eq!(s.explanation.last().unwrap().rule, "no_published_rule");
    }
}

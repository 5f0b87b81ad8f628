//! The timeline and the explanation on the seed order and on the demo orders,
//! one test per explanation rule.

mod common;

use common::*;
use orderscope::explain::{PushRecord, Rule, Source, Statement, Story, build};
use orderscope::model::Lang;

fn story(id: &str) -> Story {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    orderscope::load::story(&store, id, Lang::En).unwrap()
}

fn rule(s: &Story, name: Rule) -> &Statement {
    s.explanation.iter().find(|st| st.rule == name).unwrap_or_else(|| {
        panic!("no {name} statement in {:#?}", s.explanation.iter().map(|s| s.rule).collect::<Vec<_>>())
    })
}

fn has(s: &Story, name: Rule) -> bool {
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
    // the explanation dates the clock start between the two reads, before shipping
    let changed = rule(&s, Rule::NumberChangedBetweenSnapshots);
    assert!(changed.statement.contains("18400984191-0775 appeared"), "{}", changed.statement);
    assert!(changed.statement.contains("1 h 53 min before the shipment (14:21:26)"), "{}", changed.statement);
    assert!(changed.statement.contains("not at shipping"), "{}", changed.statement);
    assert!(!changed.statement.contains("assigned"), "{}", changed.statement);
    let clock = rule(&s, Rule::ClockStart);
    assert!(clock.statement.contains("The 30-day clock started ≈ 2025-12-02 12:27:31 +08:00"), "{}", clock.statement);
    assert!(clock.statement.contains("the merchant side viewed the number at about that time"), "{}", clock.statement);
    assert!(!clock.statement.contains("e-waybill"), "{}", clock.statement);
    assert!(!clock.demo, "the clock start rests on the two real reads");
    // The demo's pushes for the seed order are made up: the statement about
    // its type 5 push carries the demo mark, and so do the push entries.
    let t5 = rule(&s, Rule::Type5Push);
    assert!(t5.demo);
    assert!(t5.evidence[0].text.ends_with("(demo data)"), "{:?}", t5.evidence);
    assert!(s.entries.iter().filter(|e| e.kind == "push").all(|e| e.source == Source::Demo));
    assert!(has(&s, Rule::NoPublishedRule));
}

#[test]
fn rule_never_had_number() {
    let s = story("3741203385562701568");
    let st = rule(&s, Rule::NoNumber);
    assert!(st.statement.contains("in all 2 stored versions"), "{}", st.statement);
    // two versions, then the six documented causes, each weighed
    assert_eq!(st.evidence.len(), 2 + 6, "{:#?}", st.evidence);
    assert!(
        st.evidence[2].text.starts_with("virtual goods") && st.evidence[2].text.contains("against"),
        "{:?}",
        st.evidence
    );
    assert!(st.demo);
    assert!(!has(&s, Rule::Type5Push));
}

#[test]
fn rule_virtual_goods() {
    let s = story("3741188820049158400");
    assert!(rule(&s, Rule::VirtualGoods).statement.contains("deliver_method 1"));
    assert!(has(&s, Rule::NoNumber));
}

#[test]
fn rule_number_before_first_record() {
    let s = story("3741150627718225920");
    let st = rule(&s, Rule::NumberBeforeFirstRecord);
    assert!(st.evidence[0].text.starts_with("17052873310-3301"), "{:?}", st.evidence);
    assert!(!has(&s, Rule::NumberChangedBetweenSnapshots));
}

#[test]
fn rule_clock_start_while_receiver_down() {
    let s = story("3740870011455496192");
    let st = rule(&s, Rule::ClockStartWhileReceiverDown);
    // A 2 h gap is shorter than the platform's 3.6 h of retries: a push made
    // at the clock start would have arrived late, not been lost.
    assert!(
        st.statement.contains("would have been redelivered at 14:36:10 (the retry 1 h 36 min after it)"),
        "{}",
        st.statement
    );
    assert!(st.statement.contains("none is stored"), "{}", st.statement);
    assert!(!st.statement.contains("could not have been stored"), "{}", st.statement);
    // and the receiver's gap is on the timeline
    assert!(s.entries.iter().any(|e| e.kind == "receiver_down"));
    // A clock start the receiver was up for says nothing of the kind.
    assert!(!has(&story("3741098712233558016"), Rule::ClockStartWhileReceiverDown));
}

#[test]
fn rule_number_changed_with_and_without_a_push() {
    let without = story("3740870011455496192");
    let st = rule(&without, Rule::NumberChangedBetweenSnapshots);
    assert!(
        st.statement
            .contains("a push made then would have been redelivered once it was up again; no type 5 push was received"),
        "{}",
        st.statement
    );
    assert!(has(&without, Rule::NoType5Push));
    let with = story("3741098712233558016");
    let st = rule(&with, Rule::NumberChangedBetweenSnapshots);
    assert!(st.statement.contains("1 type 5 push(es) are stored"), "{}", st.statement);
}

#[test]
fn rule_expiry_changed_by_an_extension() {
    let s = story("3741067390128394240");
    let st = s
        .explanation
        .iter()
        .find(|st| st.rule == Rule::NumberChangedBetweenSnapshots && st.statement.contains("the expiry changed"))
        .expect("an expiry change");
    assert!(st.statement.contains("extended 1×"), "{}", st.statement);
    // both clock-start inferences agree, so one entry
    assert_eq!(s.entries.iter().filter(|e| e.kind == "vnum_clock_start").count(), 1);
    assert_eq!(s.entries.iter().filter(|e| e.kind == "vnum_expiry").count(), 2);
}

#[test]
fn rule_pending_number() {
    let s = story("3741142277031690240");
    assert!(rule(&s, Rule::PendingNumber).statement.contains("use_tel_number is 1"));
}

#[test]
fn rule_type5_push_near_the_assignment() {
    let s = story("3741150627718225920");
    let st = rule(&s, Rule::Type5Push);
    assert!(st.statement.contains("right at the inferred clock start"), "{}", st.statement);
}

#[test]
fn rule_no_snapshot() {
    let pushes = vec![PushRecord {
        id: 1,
        received_at: 10,
        created_at: Some(10),
        event: "channels_ec_order_new".into(),
        kind: None,
        deliveries: 1,
        source: "import".into(),
        pending: false,
    }];
    let s = build("1", &[], &pushes, &[], 100, Lang::En);
    assert!(has(&s, Rule::NoSnapshot));
    assert_eq!(s.entries.len(), 1);
}

#[test]
fn every_inferred_entry_names_its_rule_and_observed_ones_point_at_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    for row in store.reads().orders().unwrap() {
        let s = orderscope::load::story(&store, &row.order_id, Lang::Zh).unwrap();
        for e in &s.entries {
            match e.source {
                Source::Inferred => assert!(e.rule.is_some(), "{e:?}"),
                Source::Observed => assert!(e.reference.is_some() || e.kind.starts_with("receiver_"), "{e:?}"),
                Source::Demo => assert!(e.rule.is_some() || e.reference.is_some(), "{e:?}"),
                Source::Reported => assert!(matches!(e.reference, Some(orderscope::explain::Ref::Note(_))), "{e:?}"),
            }
            // only the seed order has real data in the demo
            if row.order_id != SEED && e.kind != "receiver_up" && e.kind != "receiver_down" {
                assert_eq!(e.source, Source::Demo, "{e:?}");
            }
        }
        assert_eq!(s.explanation.last().unwrap().rule, Rule::NoPublishedRule);
    }
}

//! Constructed orders, each a push log of versions, pushes and receiver
//! periods imported into a real store, and the findings the explanation must
//! reach on them, checked on the typed verdict and in both languages.

use std::path::Path;

use orderscope::explain::{Story, Verdict, story};
use orderscope::model::Lang;
use orderscope::store::{OpenMode, Store};
use serde_json::Value;

fn verdict(name: &str) -> Verdict {
    match name {
        "shows" => Verdict::Shows,
        "suggests" => Verdict::Suggests,
        "cannot_decide" => Verdict::CannotDecide,
        other => panic!("unknown verdict {other}"),
    }
}

fn check(story: &Story, want: &Value, lang: Lang, case: &str) {
    let rule = want["rule"].as_str().unwrap();
    let found: Vec<_> = story.explanation.iter().filter(|s| s.rule.name() == rule).collect();
    assert!(!found.is_empty(), "{case}: no {rule} finding in {:#?}", story.explanation);
    let words = want[if lang == Lang::Zh { "zh" } else { "en" }].as_str().unwrap();
    // The words may be in the sentence or in one of the facts it rests on.
    let says = |s: &&&orderscope::explain::Statement| {
        s.statement.contains(words) || s.evidence.iter().any(|e| e.text.contains(words))
    };
    let hit = found.iter().find(says);
    let s = hit.unwrap_or_else(|| panic!("{case}: no {rule} finding says {words:?}: {found:#?}"));
    assert_eq!(s.verdict, verdict(want["verdict"].as_str().unwrap()), "{case}: {}", s.statement);
    assert!(!s.sources.is_empty(), "{case}: {rule} cites no source");
}

#[test]
fn every_constructed_order_gets_its_findings_in_both_languages() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".expect.json"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 9, "the corpus is there: {cases:?}");
    for expect in cases {
        let case = expect.file_name().unwrap().to_string_lossy().trim_end_matches(".expect.json").to_string();
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&expect).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db"), OpenMode::Create).unwrap();
        let now = want["now"].as_i64().unwrap();
        let report =
            orderscope::import::import_file(&mut store, &corpus.join(format!("{case}.jsonl")), now, None).unwrap();
        assert_eq!(report.bad, 0, "{case}: {:?}", report.problems);
        let ev = orderscope::load::evidence_at(&store, want["order_id"].as_str().unwrap(), now).unwrap();
        for lang in [Lang::En, Lang::Zh] {
            let s = story(&ev, lang);
            for w in want["expect"].as_array().unwrap() {
                check(&s, w, lang, &case);
            }
        }
    }
}

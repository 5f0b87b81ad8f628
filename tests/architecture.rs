//! The layering, read off the source: each `crate::` path a module names
//! (in `use` lines and inline) must point the right way. A new edge that
//! runs the wrong way fails here, naming the file and the edge.

use std::path::{Path, PathBuf};

/// The modules a file's `crate::…` paths reach, `use crate::{a, b}` included.
fn reached(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        // The core's modules are the crate root's too: `crate::core::model` is `crate::model`.
        let rest = rest.strip_prefix("core::").unwrap_or(rest);
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(inner.split(',').filter_map(|p| p.trim().split("::").next()).map(str::to_string));
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of a top-level module: `src/name.rs` and `src/name/**`, or
/// the same under `src/core/` for a module of the core.
fn module(name: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let src = if root.join("core").join(format!("{name}.rs")).exists() || root.join("core").join(name).is_dir() {
        root.join("core")
    } else {
        root
    };
    let mut out = Vec::new();
    let file = src.join(format!("{name}.rs"));
    if file.exists() {
        out.push(file);
    }
    if src.join(name).is_dir() {
        files(&src.join(name), &mut out);
    }
    assert!(!out.is_empty(), "no module {name}");
    out
}

fn wrong_edges(from: &[&str], forbidden: &[&str]) -> Vec<String> {
    let mut wrong = Vec::new();
    for m in from {
        for path in module(m) {
            let text = std::fs::read_to_string(&path).unwrap();
            // A module's own unit tests may build fixtures from anywhere:
            // they are not an edge of the running program.
            let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            for to in reached(text) {
                if forbidden.contains(&to.as_str()) {
                    wrong.push(format!("{} → crate::{to}", path.display()));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    wrong
}

/// The modules of the pure core, in `src/core/`.
const CORE: [&str; 6] = ["model", "diff", "version_pair", "explain", "text", "json"];

/// Every module in `src/core/` is one of them: a new file there is held to
/// the core's rules, and the core's modules live nowhere else.
#[test]
fn the_core_is_one_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found: Vec<String> = std::fs::read_dir(root.join("core"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".rs").to_string())
        .filter(|n| n != "mod")
        .collect();
    found.sort();
    let mut core = CORE.map(str::to_string).to_vec();
    core.sort();
    assert_eq!(found, core);
    for m in CORE {
        assert!(!root.join(format!("{m}.rs")).exists() && !root.join(m).exists(), "src/{m} outside src/core/");
    }
}

/// The pure core (the model, the diff, version pairing, the explanations,
/// text) reaches no store, client, terminal, receiver or command line.
#[test]
fn the_core_reaches_nothing_above_it() {
    let core = CORE;
    let above = [
        "store", "load", "api", "tui", "receiver", "cli", "settings", "config", "demo", "sync", "import", "report",
        "doctor",
    ];
    assert_eq!(wrong_edges(&core, &above), Vec::<String>::new());
}

/// Nor does it read the environment or the clock: those come in as values.
#[test]
fn the_core_reads_no_environment_and_no_clock() {
    for m in CORE {
        for path in module(m) {
            let text = std::fs::read_to_string(&path).unwrap();
            for needle in ["std::env::", "timefmt::now()", "SystemTime::now", "Timestamp::now", "Instant::now"] {
                assert!(!text.contains(needle), "{} uses {needle}", path.display());
            }
        }
    }
}

/// The inspector is handed a store and a client: it knows neither the demo
/// nor the receiver; the receiver knows no screen.
/// The store keeps rows and never reasons: `load` builds an order's
/// evidence from them, and the explanation reasons over that.
#[test]
fn the_store_stores_and_never_explains() {
    let above = ["explain", "load", "report", "demo", "tui", "receiver", "cli", "api", "sync", "import"];
    assert_eq!(wrong_edges(&["store"], &above), Vec::<String>::new());
}

#[test]
fn the_inspector_and_the_receiver_keep_to_themselves() {
    assert_eq!(wrong_edges(&["tui"], &["demo", "receiver", "cli", "sync", "import"]), Vec::<String>::new());
    assert_eq!(wrong_edges(&["receiver"], &["tui", "cli", "demo"]), Vec::<String>::new());
    assert_eq!(wrong_edges(&["api"], &["tui", "receiver", "cli", "store"]), Vec::<String>::new());
}

#[test]
fn paths_are_read_in_both_forms() {
    assert_eq!(reached("use crate::{store::Store, text};\nlet x = crate::demo::run();"), ["store", "text", "demo"]);
    assert_eq!(reached("use crate::core::explain::Finding;"), ["explain"]);
}

/// The store modules a file inside `src/store/` reaches through `super::`
/// and `crate::store::` paths, as names of `store`'s own children.
fn store_reached(path: &Path, text: &str) -> Vec<String> {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let rel = path.strip_prefix(&store).unwrap();
    // The module the file is: `a.rs` and `a/mod.rs` are `a`; `a/b.rs` is `a::b`.
    let mut own: Vec<String> = rel.iter().map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if own.last().is_some_and(|l| l == "mod") {
        own.pop();
    }
    let names = |rest: &str| -> Vec<String> {
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            inner.split(',').filter_map(|p| p.trim().split("::").next()).map(str::to_string).collect()
        } else {
            vec![rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()]
        }
    };
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::store::") {
        out.extend(names(&text[i + "crate::store::".len()..]));
    }
    let mut at = 0;
    while let Some(i) = text[at..].find("super::") {
        let start = at + i;
        let mut rest = &text[start..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            ups += 1;
        }
        at = start + (text[start..].len() - rest.len());
        // Where the path lands below `store`: the file's module less `ups` levels.
        let base = &own[..own.len().saturating_sub(ups)];
        match base.first() {
            Some(first) => out.push(first.clone()),
            None => out.extend(names(rest)),
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

fn store_wrong_edges(from: &[&str], forbidden: &[&str]) -> Vec<String> {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut all = Vec::new();
    files(&store, &mut all);
    let mut wrong = Vec::new();
    for path in all {
        let rel = path.strip_prefix(&store).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if !from.contains(&top.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
        for to in store_reached(&path, text) {
            if to != top && forbidden.contains(&to.as_str()) {
                wrong.push(format!("{} → store::{to}", path.display()));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    wrong
}

/// Inside the store, edges run one way too: the shared row types need
/// nothing, the interface needs only them, and each backend needs both and
/// never the other backend.
#[test]
fn the_store_has_no_cycle_and_its_backends_stay_apart() {
    let backends = ["sqlite", "postgres", "Sqlite", "SCHEMA_VERSION", "APPLICATION_ID"];
    let mut not_types = vec!["backend", "copy", "feed", "status", "location", "Store"];
    not_types.extend(backends);
    assert_eq!(store_wrong_edges(&["types"], &not_types), Vec::<String>::new());
    let not_backend: Vec<&str> = not_types.iter().copied().filter(|m| *m != "backend").collect();
    assert_eq!(store_wrong_edges(&["backend"], &not_backend), Vec::<String>::new());
    assert_eq!(store_wrong_edges(&["postgres"], &["sqlite", "Sqlite"]), Vec::<String>::new());
    assert_eq!(store_wrong_edges(&["sqlite"], &["postgres"]), Vec::<String>::new());
}

/// Each backend lives in a folder of its own beside the shared parts.
#[test]
fn each_backend_has_its_folder() {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    for dir in ["sqlite", "postgres"] {
        assert!(store.join(dir).join("mod.rs").is_file(), "src/store/{dir}/mod.rs");
    }
    let mut loose = Vec::new();
    for entry in std::fs::read_dir(&store).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if ["read.rs", "write.rs", "schema.rs", "inbox.rs", "tx.rs"].contains(&name.as_str()) {
            loose.push(name);
        }
    }
    assert_eq!(loose, Vec::<String>::new(), "a backend's file outside its folder");
}

/// The facade hands out the store's roles by name; it is no smart pointer
/// to the whole backend.
#[test]
fn the_store_facade_derefs_to_nothing() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/mod.rs")).unwrap();
    assert!(!text.contains("Deref for Store"), "src/store/mod.rs implements Deref for Store");
    assert!(!text.contains("Target = dyn"), "src/store/mod.rs derefs to a trait object");
}

//! An order's story and what it says about type 5 pushes. Pure: no I/O.
//!
//! - [`evidence`]: what is known about one order (its stored versions, the
//!   pushes stored for it, the receiver's up periods, notes people reported)
//!   and how much of a span the push record covers;
//! - [`timeline`]: those merged into one list of entries, each marked with
//!   where it comes from;
//! - [`rules`]: one function per rule, grouped by what they judge (the
//!   number, the clock, the pushes, the reports), each returning
//!   [`finding::Statement`]s: a typed verdict, the facts it rests on with
//!   their provenance, the sources it cites, and its sentence;
//! - [`compare`]: two orders side by side, with what differs that bears on a
//!   type 5 push and what the data cannot decide.
//!
//! Observed, inferred, reported and demo data are never mixed: what was
//! fetched or received is `observed`; what is read off an order's fields or
//! computed from the documented rules is `inferred` and names the rule; what
//! a person reported is `reported`; what the bundled demo made up is `demo`.

pub mod collect;
pub mod compare;
pub mod delivery;
pub mod evidence;
pub mod finding;
#[cfg(test)]
mod fixtures;
mod prose;
pub mod rules;
pub mod timeline;

use serde::Serialize;

pub use evidence::{Coverage, Evidence, Note, Period, PushRecord};
pub use finding::{Cite, Decider, Fact, Statement, Verdict};
pub use prose::span;
pub use rules::Rule;

use crate::model::names::Lang;
use crate::version_pair::Version;

/// Where a timeline entry or a fact comes from: one type with the store's
/// provenance, so "demo" means the same everywhere.
pub use crate::model::Provenance as Source;

/// What a timeline entry points at, so it can be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Ref {
    Snapshot(i64),
    Message(i64),
    /// A push in the receiver's inbox, not yet processed into a message.
    Inbox(i64),
    Note(i64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub at: i64,
    pub kind: &'static str,
    pub source: Source,
    pub summary: String,
    /// For inferred entries: the rule or field they come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For pushes: the `CreateTime` they carry (`at` is when they arrived).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub order_id: String,
    pub entries: Vec<Entry>,
    pub explanation: Vec<Statement>,
}

/// The story of one order from its evidence.
pub fn story(ev: &Evidence, lang: Lang) -> Story {
    Story {
        order_id: ev.order_id.clone(),
        entries: timeline::entries(ev, lang),
        explanation: rules::explain(&rules::Facts::of(ev), lang),
    }
}

/// The story from its parts, for callers without notes.
pub fn build(
    order_id: &str,
    versions: &[Version],
    pushes: &[PushRecord],
    up: &[Period],
    now: i64,
    lang: Lang,
) -> Story {
    let ev = Evidence {
        order_id: order_id.to_string(),
        versions: versions.to_vec(),
        pushes: pushes.to_vec(),
        periods: up.to_vec(),
        notes: Vec::new(),
        unprocessed_elsewhere: 0,
        now,
    };
    story(&ev, lang)
}

/// The one line shown in the virtual-number panel: the most telling statement.
pub fn headline(story: &Story) -> Option<&Statement> {
    Rule::HEADLINE_ORDER.iter().find_map(|rule| story.explanation.iter().find(|s| s.rule == *rule))
}

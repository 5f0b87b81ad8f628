//! The explanation's rules, one function each. A rule looks at the facts of
//! one order and returns statements, each naming the fields, pushes,
//! documented rules or reports it rests on, in words no stronger than that
//! evidence: an absence of stored pushes is only read as "not sent" when the
//! receiver or an imported push log covered the span.

use serde::Serialize;

use crate::model::Vnum;
use crate::model::names::Lang;
use crate::version_pair::Version;

use super::Statement;
use super::evidence::{Coverage, Evidence, Note, Period, PushRecord, coverage};

mod clock;
mod number;
mod pushes;
mod receiver;
mod reports;
#[cfg(test)]
mod tests;

pub use clock::*;
pub use number::*;
pub use pushes::*;
pub use receiver::*;
pub use reports::*;

/// How close a push must be to an event to be called "near" it.
pub const NEAR: i64 = 10 * 60;
/// The documented limit on extensions of a virtual number.
pub const MAX_EXTENSIONS: i64 = 10;

/// Which rule a statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    NoSnapshot,
    VirtualGoods,
    NoNumber,
    PendingNumber,
    ClockStart,
    ExtensionsUsedUp,
    /// An open after-sale: it has a virtual number of its own.
    AftersaleNumber,
    NumberBeforeFirstRecord,
    NumberChangedBetweenSnapshots,
    Type5Push,
    NoType5Push,
    ClockStartWhileReceiverDown,
    Reported,
    NoPublishedRule,
    /// Two orders compared: their numbers and clock starts.
    ComparedNumbers,
    /// Two orders compared: their type 5 pushes and the record's coverage.
    ComparedPushes,
    /// Two orders compared: what people reported about them.
    ComparedReports,
    /// Two orders compared: what the data cannot decide.
    CannotDecide,
}

impl Rule {
    /// Which statement the one-line headline shows, most telling first.
    pub const HEADLINE_ORDER: [Rule; 11] = [
        Rule::VirtualGoods,
        Rule::NoNumber,
        Rule::PendingNumber,
        Rule::ClockStartWhileReceiverDown,
        Rule::NumberChangedBetweenSnapshots,
        Rule::NumberBeforeFirstRecord,
        Rule::NoType5Push,
        Rule::Type5Push,
        Rule::ClockStart,
        Rule::Reported,
        Rule::NoSnapshot,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::NoSnapshot => "no_snapshot",
            Rule::VirtualGoods => "virtual_goods",
            Rule::NoNumber => "no_number",
            Rule::PendingNumber => "pending_number",
            Rule::ClockStart => "clock_start",
            Rule::ExtensionsUsedUp => "extensions_used_up",
            Rule::AftersaleNumber => "aftersale_number",
            Rule::NumberBeforeFirstRecord => "number_before_first_record",
            Rule::NumberChangedBetweenSnapshots => "number_changed_between_snapshots",
            Rule::Type5Push => "type5_push",
            Rule::NoType5Push => "no_type5_push",
            Rule::ClockStartWhileReceiverDown => "clock_start_while_receiver_down",
            Rule::Reported => "reported",
            Rule::NoPublishedRule => "no_published_rule",
            Rule::ComparedNumbers => "compared_numbers",
            Rule::ComparedPushes => "compared_pushes",
            Rule::ComparedReports => "compared_reports",
            Rule::CannotDecide => "cannot_decide",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of number a version shows, as far as its clock goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberKind {
    /// No number or no expiry: nothing to date.
    NoExpiry,
    /// The buyer's number: expiry − 30 d − 15 d × extensions dates the view.
    Buyer { start: i64 },
    /// Exchanged with the retired `virtualtelnumber/get` (3 days each).
    Exchanged { count: i64 },
    /// Re-applied after the earlier number expired (`applyagain`):
    /// its validity is not documented.
    Reapplied { previous_expiry: i64 },
    /// The order was cancelled: its expiry may have been cut short.
    OrderEnded { status: i64 },
    /// The 30-day rule gives a start the order rules out.
    Impossible { start: i64, bound: Bound },
}

/// What rules an inferred clock start out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Bound {
    BeforeCreated(i64),
    AfterRead(i64),
}

/// One order's evidence, sorted, with what several rules read from it.
pub struct Facts<'a> {
    /// Oldest fetch first.
    pub versions: Vec<&'a Version>,
    /// Oldest first.
    pub pushes: Vec<&'a PushRecord>,
    pub periods: &'a [Period],
    pub notes: &'a [Note],
    /// The newest version by the order's own update time.
    pub latest: Option<&'a Version>,
    pub shipped_at: Option<i64>,
    /// Pushes received and not yet processed whose order is unknown.
    pub unprocessed_elsewhere: i64,
    pub now: i64,
    /// Each version's number and what kind it is, beside `versions`: read
    /// once, since the rules ask about every version, and whether a number
    /// was re-applied compares each version with every one before it.
    vnums: Vec<Vnum>,
    kinds: Vec<NumberKind>,
}

impl<'a> Facts<'a> {
    pub fn of(ev: &'a Evidence) -> Facts<'a> {
        let mut versions: Vec<&Version> = ev.versions.iter().collect();
        versions.sort_by_key(|v| (v.fetched_at, v.snapshot_id));
        let mut pushes: Vec<&PushRecord> = ev.pushes.iter().collect();
        pushes.sort_by_key(|p| (p.received_at, p.id));
        let latest = super::timeline::latest(&versions);
        let shipped_at = latest.and_then(|v| v.order.shipped_at());
        let vnums: Vec<Vnum> = versions.iter().map(|v| Vnum::of(&v.order)).collect();
        let kinds = versions.iter().zip(&vnums).map(|(v, vn)| number_kind_of(&versions, &vnums, v, vn)).collect();
        Facts {
            versions,
            pushes,
            periods: &ev.periods,
            notes: &ev.notes,
            latest,
            shipped_at,
            unprocessed_elsewhere: ev.unprocessed_elsewhere,
            now: ev.now,
            vnums,
            kinds,
        }
    }

    fn type5(&self) -> Vec<&'a PushRecord> {
        self.pushes.iter().copied().filter(|p| p.is_type5()).collect()
    }

    fn ever_number(&self) -> bool {
        self.vnums.iter().any(|v| v.number.is_some())
    }

    /// What kind of number a version shows, and so whether the 30-day
    /// rule dates its clock (wechat-channels.md §12: only the buyer's
    /// number, never an exchanged or re-applied one, nor an expiry moved by
    /// cancellation; a start before the order existed or after the read is
    /// impossible and is flagged, not stated).
    pub fn number_kind(&self, v: &Version) -> NumberKind {
        match self.versions.iter().position(|w| std::ptr::eq(*w, v)) {
            Some(i) => self.kinds[i],
            // A copy of a version, not one of these references: read it now.
            None => number_kind_of(&self.versions, &self.vnums, v, &Vnum::of(&v.order)),
        }
    }

    /// The clock start the 30-day rule gives for a version, when it applies.
    pub fn start_of(&self, v: &Version) -> Option<i64> {
        match self.number_kind(v) {
            NumberKind::Buyer { start } => Some(start),
            _ => None,
        }
    }

    /// Each distinct inferred clock start, with the newest version stating it.
    fn clock_starts(&self) -> Vec<(i64, &'a Version)> {
        let mut out: Vec<(i64, &Version)> = Vec::new();
        for v in &self.versions {
            if let Some(s) = self.start_of(v) {
                match out.iter_mut().find(|(t, _)| *t == s) {
                    Some(slot) => slot.1 = v,
                    None => out.push((s, v)),
                }
            }
        }
        out
    }

    fn coverage(&self, lo: i64, hi: i64) -> Coverage {
        coverage(lo, hi, self.periods, self.now)
    }
}

/// [`Facts::number_kind`] of `v` (whose number is `vn`), given every
/// version (oldest fetch first) and its number.
fn number_kind_of(versions: &[&Version], vnums: &[Vnum], v: &Version, vn: &Vnum) -> NumberKind {
    let Some(start) = vn.inferred_clock_start() else { return NumberKind::NoExpiry };
    if let Some(n) = vn.get_virtual_tel_cnt.filter(|n| *n > 0) {
        return NumberKind::Exchanged { count: n };
    }
    // A number read after an earlier read's expiry had passed, with a
    // different number or expiry: re-applied after expiry (applyagain).
    let reapplied = versions.iter().zip(vnums).take_while(|(w, _)| w.fetched_at < v.fetched_at).find_map(|(_, old)| {
        let expired = old.expire_time.filter(|e| *e <= v.fetched_at)?;
        let changed = old.number != vn.number || old.expire_time != vn.expire_time;
        (changed && old.has_delay_times == vn.has_delay_times).then_some(expired)
    });
    if let Some(previous_expiry) = reapplied {
        return NumberKind::Reapplied { previous_expiry };
    }
    if let Some(created) = v.order.create_time().filter(|c| start < *c) {
        return NumberKind::Impossible { start, bound: Bound::BeforeCreated(created) };
    }
    if v.source.read_time_known() && start > v.fetched_at {
        return NumberKind::Impossible { start, bound: Bound::AfterRead(v.fetched_at) };
    }
    match v.order.status() {
        Some(status @ (200 | 250)) => NumberKind::OrderEnded { status },
        _ => NumberKind::Buyer { start },
    }
}

/// Every rule, in the order the explanation lists them; the caveat last.
pub fn explain(f: &Facts, lang: Lang) -> Vec<Statement> {
    let mut out = Vec::new();
    if let Some(s) = no_snapshot(f, lang) {
        out.push(s);
    } else {
        out.extend(virtual_goods(f, lang));
        out.extend(no_number(f, lang));
        out.extend(pending_number(f, lang));
        out.extend(clock_start(f, lang));
        out.extend(extensions_used_up(f, lang));
        out.extend(aftersale_number(f, lang));
        out.extend(number_before_first_record(f, lang));
        out.extend(number_changed_between_snapshots(f, lang));
        out.extend(type5_push(f, lang));
        out.extend(no_type5_push(f, lang));
        out.extend(clock_start_while_receiver_down(f, lang));
    }
    out.extend(reported(f, lang));
    out.push(no_published_rule(lang));
    out.into_iter().map(|s| s.punctuated(lang)).collect()
}

/// The span that bears on a type 5 push: from the earliest of the clock
/// start, the shipment and the first read, through the shipment and after
/// it, to now (or to the number's expiry once it has passed, but never
/// before the last read).
pub fn relevant_span(f: &Facts) -> Option<(i64, i64)> {
    let first = f.versions.first()?.fetched_at;
    let last = f.versions.last()?.fetched_at;
    let starts = f.clock_starts().into_iter().map(|(s, _)| s);
    let lo = starts.chain(f.shipped_at).chain([first]).min()?;
    let expired = f.versions.iter().rev().find_map(|v| Vnum::of(&v.order).expire_time).filter(|e| *e <= f.now);
    let end = expired.unwrap_or(f.now).max(last).max(f.shipped_at.unwrap_or(last));
    Some((lo, end))
}

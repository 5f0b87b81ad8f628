//! What is known about one order, and how much of a span the push record
//! covers. A span nobody was listening to says nothing about which pushes
//! were sent in it.

use serde::Serialize;

use crate::model::names;
use crate::version_pair::Version;

/// A stored push, as much as the story needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRecord {
    pub id: i64,
    pub received_at: i64,
    pub event: String,
    pub kind: Option<i64>,
    pub deliveries: i64,
    /// How it reached the store: `serve` (the receiver), `import`, `demo`, …
    pub source: String,
}

impl PushRecord {
    pub fn is_type5(&self) -> bool {
        names::is_type5(&self.event, self.kind)
    }

    pub fn is_demo(&self) -> bool {
        self.source == "demo"
    }
}

/// A period when the push receiver was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: i64,
    /// The stop, or the last heartbeat of a receiver that did not stop cleanly.
    pub end: i64,
    /// False while the period is still open (running, or died without a stop).
    pub stopped: bool,
}

/// A fact someone reported about an order (`orderscope note`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub order_id: String,
    /// When the reported fact happened, if the reporter said.
    pub at: Option<i64>,
    /// The push the report is about, if any.
    pub event: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<i64>,
    pub text: String,
    /// When the note was written down.
    pub recorded_at: i64,
}

impl Note {
    pub fn is_type5(&self) -> bool {
        let event = self.event.as_deref().unwrap_or("channels_ec_order_ext_info_update");
        names::is_type5(event, self.kind)
    }
}

/// Everything stored about one order.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub order_id: String,
    pub versions: Vec<Version>,
    pub pushes: Vec<PushRecord>,
    /// The receiver's up periods (for the whole store, not one order).
    pub periods: Vec<Period>,
    pub notes: Vec<Note>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty() && self.pushes.is_empty() && self.notes.is_empty()
    }

    /// Every version and push the demo made up, and nothing real.
    pub fn is_demo(&self) -> bool {
        let made_up = !(self.versions.is_empty() && self.pushes.is_empty());
        made_up && self.versions.iter().all(|v| v.is_demo()) && self.pushes.iter().all(|p| p.is_demo())
    }
}

/// How much of a span the stored pushes can speak for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coverage {
    /// The receiver was running for the whole span.
    Receiver,
    /// No receiver, but an imported push log has pushes on both sides of the span.
    PushLog { first: i64, last: i64 },
    /// The receiver ran for part of the span only.
    Partly { from: i64, to: i64 },
    /// Nothing was listening, as far as the store knows.
    None,
}

impl Coverage {
    /// Can the absence of a push in the span be read as "not sent"?
    pub fn is_full(self) -> bool {
        matches!(self, Coverage::Receiver | Coverage::PushLog { .. })
    }
}

/// How the stored pushes cover `[lo, hi]`: receiver periods first (a
/// running receiver stores every push), else pushes of this order stored on
/// both sides of the span (a push log that reaches across it).
pub fn coverage<'a>(
    lo: i64,
    hi: i64,
    periods: &[Period],
    pushes: impl IntoIterator<Item = &'a PushRecord>,
) -> Coverage {
    let last = periods.len().checked_sub(1);
    let end_of = |i: usize, p: &Period| if Some(i) == last && !p.stopped { i64::MAX } else { p.end };
    if periods.iter().enumerate().any(|(i, p)| p.start <= lo && hi <= end_of(i, p)) {
        return Coverage::Receiver;
    }
    let overlap = periods
        .iter()
        .enumerate()
        .filter(|(i, p)| p.start <= hi && end_of(*i, p) >= lo)
        .map(|(i, p)| (p.start.max(lo), end_of(i, p).min(hi)))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    // Only an imported log speaks for a span on its own; the receiver's (and
    // the demo's simulated receiver's) pushes speak through its periods.
    let logged: Vec<i64> = pushes.into_iter().filter(|p| p.source == "import").map(|p| p.received_at).collect();
    let (first, last) = (logged.iter().min().copied(), logged.iter().max().copied());
    if let (Some(first), Some(last)) = (first, last)
        && first <= lo
        && last >= hi
    {
        return Coverage::PushLog { first, last };
    }
    match overlap {
        Some((from, to)) => Coverage::Partly { from, to },
        None => Coverage::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(at: i64, source: &str) -> PushRecord {
        PushRecord { id: at, received_at: at, event: "e".into(), kind: None, deliveries: 1, source: source.into() }
    }

    #[test]
    fn a_running_receiver_covers_what_it_spans() {
        let up = [Period { start: 0, end: 50, stopped: true }, Period { start: 100, end: 120, stopped: false }];
        assert_eq!(coverage(10, 40, &up, &[]), Coverage::Receiver);
        // the last period is open: still running
        assert_eq!(coverage(110, 500, &up, &[]), Coverage::Receiver);
        assert_eq!(coverage(40, 110, &up, &[]), Coverage::Partly { from: 40, to: 110 });
        assert_eq!(coverage(60, 90, &up, &[]), Coverage::None);
    }

    #[test]
    fn an_imported_log_covers_only_between_its_pushes() {
        let log = [push(10, "import"), push(90, "import")];
        assert_eq!(coverage(20, 80, &[], &log), Coverage::PushLog { first: 10, last: 90 });
        assert_eq!(coverage(20, 95, &[], &log), Coverage::None);
        assert_eq!(coverage(20, 80, &[], &[]), Coverage::None);
        // pushes the receiver stored count through its periods, not as a log
        assert_eq!(coverage(20, 80, &[], &[push(10, "serve"), push(90, "serve")]), Coverage::None);
    }
}

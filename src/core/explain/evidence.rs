//! What is known about one order, and how much of a span the push record
//! covers. A span nobody was listening to says nothing about which pushes
//! were sent in it.

use serde::Serialize;

use crate::version_pair::Version;

pub use crate::model::record::{ANSWER_LIMIT, Note, Period, PushRecord};

impl PushRecord {
    /// Where it can be opened: the stored message, or the inbox row.
    pub fn reference(&self) -> super::Ref {
        if self.pending { super::Ref::Inbox(self.id) } else { super::Ref::Message(self.id) }
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
    /// Pushes received and not yet processed whose order could not be told
    /// (unreadable, or too many to read): any of them may be this order's.
    pub unprocessed_elsewhere: i64,
    /// When the evidence was loaded: the span after shipping runs to here,
    /// and a receiver whose last heartbeat is recent is still running.
    pub now: i64,
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

/// How much of a span the stored pushes can speak for. A moment counts as
/// covered when a push made then would have reached a receiver by some
/// delivery of the platform's retry schedule ([`super::delivery`]). Pushes
/// alone never cover a span: an imported log covers only the receiver
/// periods imported with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coverage {
    /// A push made at any moment of the span would have been stored.
    Receiver {
        /// Receiver gaps inside the span that the retries bridge.
        gaps: Vec<(i64, i64)>,
    },
    /// Only for parts of it: `lost` are the moments a push made then could
    /// not have reached the store.
    Partly { lost: Vec<(i64, i64)>, gaps: Vec<(i64, i64)> },
    /// For no moment of it: nothing was listening, as far as the store knows.
    None,
}

impl Coverage {
    /// Can the absence of a push in the span be read as "not sent"?
    pub fn is_full(&self) -> bool {
        matches!(self, Coverage::Receiver { .. })
    }
}

/// How the receivers' up periods cover `[lo, hi]`, gaps kept and retries counted.
pub fn coverage(lo: i64, hi: i64, periods: &[Period], now: i64) -> Coverage {
    let up = super::delivery::Uptime::of(periods, now);
    let (lo, hi) = (lo.min(hi), hi.max(lo));
    if up.is_empty() {
        return Coverage::None;
    }
    let gaps = up.gaps_within(lo, hi);
    let lost = super::delivery::lost_within(lo, hi, &up);
    if lost.is_empty() {
        Coverage::Receiver { gaps }
    } else if lost == [(lo, hi)] {
        Coverage::None
    } else {
        Coverage::Partly { lost, gaps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_receiver_covers_what_it_spans_and_keeps_its_gaps() {
        let up =
            [Period { start: 0, end: 50_000, stopped: true }, Period { start: 100_000, end: 120_000, stopped: false }];
        let now = 120_010;
        assert_eq!(coverage(10, 40_000, &up, now), Coverage::Receiver { gaps: vec![] });
        // the last period is open with a recent heartbeat: still running
        assert!(coverage(110_000, 120_005, &up, now).is_full());
        // a gap of about 14 h inside the span is not merged away
        match coverage(40_000, 110_000, &up, now) {
            Coverage::Partly { lost, gaps } => {
                assert_eq!(gaps, vec![(50_001, 99_999)]);
                assert_eq!(lost, vec![(50_001, 99_999 - crate::explain::delivery::LAST_OFFSET)]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(coverage(60_000, 80_000, &up, now), Coverage::None);
    }

    #[test]
    fn a_short_gap_that_retries_bridge_still_covers() {
        let up = [Period { start: 0, end: 1_000, stopped: true }, Period { start: 2_200, end: 9_000, stopped: true }];
        assert_eq!(coverage(500, 8_000, &up, 10_000), Coverage::Receiver { gaps: vec![(1_001, 2_199)] });
    }

    #[test]
    fn pushes_alone_cover_nothing() {
        assert_eq!(coverage(20, 80, &[], 100), Coverage::None);
    }

    #[test]
    fn a_push_later_than_its_event_by_more_than_the_answer_limit_is_a_redelivery() {
        let p = |created: Option<i64>, received| PushRecord {
            id: 1,
            received_at: received,
            created_at: created,
            event: "e".into(),
            kind: None,
            deliveries: 1,
            source: crate::model::Origin::Serve,
            pending: false,
        };
        assert_eq!(p(Some(100), 105).redelivery_delay(), None);
        assert_eq!(p(Some(100), 2_270).redelivery_delay(), Some(2_170));
        assert_eq!(p(None, 2_270).redelivery_delay(), None);
        assert_eq!(p(None, 7).event_time(), 7);
    }
}

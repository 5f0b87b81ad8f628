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
    /// When it reached the store.
    pub received_at: i64,
    /// Its `CreateTime`: when the platform made the event.
    pub created_at: Option<i64>,
    pub event: String,
    pub kind: Option<i64>,
    pub deliveries: i64,
    /// How it reached the store: the receiver, an import, the demo, …
    pub source: crate::model::Origin,
    /// Received and acknowledged, still in the receiver's inbox: not yet
    /// processed into the messages that reads list (`id` is its inbox id).
    /// Stored all the same: never read as missing.
    pub pending: bool,
}

impl PushRecord {
    pub fn is_type5(&self) -> bool {
        names::is_type5(&self.event, self.kind)
    }

    pub fn is_demo(&self) -> bool {
        self.source.is_demo()
    }

    /// Where it can be opened: the stored message, or the inbox row.
    pub fn reference(&self) -> super::Ref {
        if self.pending { super::Ref::Inbox(self.id) } else { super::Ref::Message(self.id) }
    }

    /// The event's time, or the receipt time when the push carries none.
    pub fn event_time(&self) -> i64 {
        self.created_at.unwrap_or(self.received_at)
    }

    /// How much later than its event it arrived, when that is more than the
    /// platform's 5 s answer limit: an earlier delivery then went unanswered
    /// and this one is a retry (every order-callback page: 最长等待5秒, then
    /// the retry schedule).
    pub fn redelivery_delay(&self) -> Option<i64> {
        let delay = self.received_at - self.created_at?;
        (delay > ANSWER_LIMIT).then_some(delay)
    }
}

/// The platform waits at most this long for `success`.
pub const ANSWER_LIMIT: i64 = 5;

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

//! What the receiver tells its operator. A fault that hits every push (a
//! database outage, a full disk, a flood of forged requests) must not turn
//! into a line per push: each kind of warning or error is logged at most
//! once per interval ([`Limiter`]), with the count of those left out since. And while
//! pushes flow, one summary line a minute says what happened to them, so a
//! log that is quiet means no pushes, not a silent receiver.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::loglimit::Limiter;

/// Per-push lines of one kind: at most one per this interval.
pub const LINE_EVERY: Duration = crate::loglimit::EVERY;
/// The summary of what happened to the pushes: one line per this interval.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(60);

/// What happened to one push, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Answered `success` after it was stored.
    Accepted,
    /// Projected as another delivery of a push already stored.
    Redelivered,
    /// Projected into quarantine (signed but unreadable).
    Quarantined,
    /// Refused: a wrong signature, a malformed or oversized request.
    Refused,
    /// A push already stored, sent again after the platform's retries end.
    Replay,
    /// Answered with an error: the store did not take it.
    NotAcknowledged,
}

const COUNTS: [(Count, &str); 6] = [
    (Count::Accepted, "accepted"),
    (Count::Redelivered, "redelivered"),
    (Count::Quarantined, "quarantined"),
    (Count::Refused, "refused"),
    (Count::Replay, "replays ignored"),
    (Count::NotAcknowledged, "not acknowledged"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Warn,
    Error,
}

pub struct Journal {
    lines: Limiter,
    counts: [AtomicU64; COUNTS.len()],
}

impl Default for Journal {
    fn default() -> Journal {
        Journal::new(LINE_EVERY)
    }
}

impl Journal {
    pub fn new(every: Duration) -> Journal {
        Journal { lines: Limiter::new(every), counts: Default::default() }
    }

    pub fn warn(&self, kind: &'static str, peer: Option<SocketAddr>, line: impl FnOnce() -> String) {
        self.line(Level::Warn, kind, peer, line)
    }

    pub fn error(&self, kind: &'static str, peer: Option<SocketAddr>, line: impl FnOnce() -> String) {
        self.line(Level::Error, kind, peer, line)
    }

    /// Logs `line` for `kind` (with the peer's address when known) unless
    /// one was logged within the interval; the next one logged says how
    /// many were left out.
    pub fn line(&self, level: Level, kind: &'static str, peer: Option<SocketAddr>, line: impl FnOnce() -> String) {
        self.line_every(self.lines.every, level, kind, peer, line)
    }

    /// [`Journal::line`] with an interval of its own for this kind.
    pub fn line_every(
        &self,
        every: Duration,
        level: Level,
        kind: &'static str,
        peer: Option<SocketAddr>,
        line: impl FnOnce() -> String,
    ) {
        let Some(skipped) = self.lines.due(kind, every) else { return };
        let more = Limiter::more(skipped);
        match (level, peer) {
            (Level::Warn, Some(peer)) => tracing::warn!(%peer, "{}{more}", line()),
            (Level::Warn, None) => tracing::warn!("{}{more}", line()),
            (Level::Error, Some(peer)) => tracing::error!(%peer, "{}{more}", line()),
            (Level::Error, None) => tracing::error!("{}{more}", line()),
        }
    }

    pub fn count(&self, what: Count) {
        self.add(what, 1);
    }

    pub fn add(&self, what: Count, n: u64) {
        if let Some(i) = COUNTS.iter().position(|(c, _)| *c == what) {
            self.counts[i].fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The counts since the last summary, as one line, and starts over;
    /// `None` when nothing happened (no line while no pushes flow).
    pub fn take_summary(&self, over: Duration) -> Option<String> {
        let taken: Vec<u64> = self.counts.iter().map(|c| c.swap(0, Ordering::Relaxed)).collect();
        if taken.iter().all(|n| *n == 0) {
            return None;
        }
        let mut line = format!("pushes in the last {}: ", crate::timefmt::coarse(over.as_secs() as i64));
        for (i, ((what, label), n)) in COUNTS.iter().zip(&taken).enumerate() {
            // The four the operator always looks for; the rare ones when they happened.
            let always = matches!(what, Count::Accepted | Count::Redelivered | Count::Quarantined | Count::Refused);
            if always || *n > 0 {
                let _ = write!(line, "{}{n} {label}", if i == 0 { "" } else { ", " });
            }
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_four_counts_and_the_rare_ones_that_happened() {
        let j = Journal::default();
        assert_eq!(j.take_summary(SUMMARY_EVERY), None);
        j.add(Count::Accepted, 1204);
        j.count(Count::Redelivered);
        j.count(Count::Refused);
        j.count(Count::Refused);
        assert_eq!(
            j.take_summary(SUMMARY_EVERY).unwrap(),
            "pushes in the last 1 min: 1204 accepted, 1 redelivered, 0 quarantined, 2 refused"
        );
        assert_eq!(j.take_summary(SUMMARY_EVERY), None, "counts start over");
        j.count(Count::Replay);
        j.count(Count::NotAcknowledged);
        assert_eq!(
            j.take_summary(SUMMARY_EVERY).unwrap(),
            "pushes in the last 1 min: 0 accepted, 0 redelivered, 0 quarantined, 0 refused, 1 replays ignored, 1 not acknowledged"
        );
    }
}

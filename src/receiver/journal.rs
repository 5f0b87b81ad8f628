//! What the receiver tells its operator. A fault that hits every push (a
//! database outage, a full disk, a flood of forged requests) must not turn
//! into a line per push: each kind of warning or error is logged at most
//! once per interval, with the count of those left out since. And while
//! pushes flow, one summary line a minute says what happened to them, so a
//! log that is quiet means no pushes, not a silent receiver.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Per-push lines of one kind: at most one per this interval.
pub const LINE_EVERY: Duration = Duration::from_secs(10);
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
    every: Duration,
    last: Mutex<HashMap<&'static str, (Instant, u64)>>,
    counts: [AtomicU64; COUNTS.len()],
}

impl Default for Journal {
    fn default() -> Journal {
        Journal::new(LINE_EVERY)
    }
}

impl Journal {
    pub fn new(every: Duration) -> Journal {
        Journal { every, last: Mutex::default(), counts: Default::default() }
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
        self.line_every(self.every, level, kind, peer, line)
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
        let Some(skipped) = self.due(kind, every) else { return };
        let more = if skipped > 0 { format!(" ({skipped} more like it not logged)") } else { String::new() };
        match (level, peer) {
            (Level::Warn, Some(peer)) => tracing::warn!(%peer, "{}{more}", line()),
            (Level::Warn, None) => tracing::warn!("{}{more}", line()),
            (Level::Error, Some(peer)) => tracing::error!(%peer, "{}{more}", line()),
            (Level::Error, None) => tracing::error!("{}{more}", line()),
        }
    }

    /// Whether a line of `kind` may be logged now, and how many were left out before it.
    fn due(&self, kind: &'static str, every: Duration) -> Option<u64> {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match last.get_mut(kind) {
            Some(entry) if now.duration_since(entry.0) < every => {
                entry.1 += 1;
                None
            }
            Some(entry) => {
                entry.0 = now;
                Some(std::mem::take(&mut entry.1))
            }
            None => {
                last.insert(kind, (now, 0));
                Some(0)
            }
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
    fn lines_of_a_kind_are_limited_and_say_how_many_were_left_out() {
        let j = Journal::new(Duration::from_secs(3600));
        assert_eq!(j.due("a", j.every), Some(0));
        for _ in 0..500 {
            assert_eq!(j.due("a", j.every), None);
        }
        // Another kind is not held back by the first.
        assert_eq!(j.due("b", j.every), Some(0));
        let j = Journal::new(Duration::ZERO);
        assert_eq!(j.due("a", j.every), Some(0));
        assert_eq!(j.due("a", j.every), Some(0));
        let j = Journal::new(Duration::from_millis(20));
        j.due("a", j.every);
        j.due("a", j.every);
        j.due("a", j.every);
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(j.due("a", j.every), Some(2));
    }

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

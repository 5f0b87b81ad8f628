//! The platform's delivery model: when a push made at a given moment would
//! have reached this store, given when the receivers were up.
//!
//! The rule (every order-callback page, e.g.
//! doc/store/shop/notify/order_callback/channels_ec_order_ext_info.html):
//! the platform waits at most 5 s for `success`; after a failure it retries
//! at 0 s/0 s/10 s/1 min/5 min/30 min/60 min/60 min/60 min, about 3.6 h in
//! all. A receiver gap therefore loses a push only when every delivery falls
//! inside it; a push made during a shorter gap arrives late, stamped with its
//! old `CreateTime`.

use serde::Serialize;

use super::evidence::Period;

/// Each delivery's offset from the event: the first attempt, then the
/// retries' intervals added up (0, 0, 10 s, 1 min 10 s, 6 min 10 s,
/// 36 min 10 s, 1 h 36 min 10 s, 2 h 36 min 10 s, 3 h 36 min 10 s).
pub const DELIVERY_OFFSETS: [i64; 9] = [0, 0, 10, 70, 370, 2_170, 5_770, 9_370, 12_970];

/// The last delivery's offset from the event.
pub const LAST_OFFSET: i64 = DELIVERY_OFFSETS[DELIVERY_OFFSETS.len() - 1];

/// A receiver whose last heartbeat (sent every 60 s) is at most this old is
/// taken to be running still.
pub const HEARTBEAT_SLACK: i64 = 180;

/// When some receiver was up, as disjoint ranges in time order: periods of
/// several hosts are merged where they overlap, and the gaps between them
/// are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Uptime {
    pub ranges: Vec<(i64, i64)>,
    /// When the evidence was loaded: nothing after it is known yet.
    pub now: i64,
}

impl Uptime {
    pub fn of(periods: &[Period], now: i64) -> Uptime {
        let mut spans: Vec<(i64, i64)> = periods
            .iter()
            .map(|p| {
                let running = !p.stopped && now - p.end <= HEARTBEAT_SLACK;
                (p.start, if running { now.max(p.end) } else { p.end })
            })
            .filter(|(a, b)| a <= b)
            .collect();
        spans.sort();
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        for (a, b) in spans {
            match ranges.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => ranges.push((a, b)),
            }
        }
        Uptime { ranges, now }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn is_up(&self, t: i64) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= t && t <= b)
    }

    /// The gap `t` falls in: from the last moment up before it (if any) to
    /// the next moment up after it (if any).
    pub fn gap_around(&self, t: i64) -> Option<(Option<i64>, Option<i64>)> {
        if self.is_up(t) {
            return None;
        }
        let before = self.ranges.iter().filter(|r| r.1 < t).map(|r| r.1).max();
        let after = self.ranges.iter().filter(|r| r.0 > t).map(|r| r.0).min();
        Some((before, after))
    }

    /// The parts of `[lo, hi]` with some receiver up.
    pub fn within(&self, lo: i64, hi: i64) -> Vec<(i64, i64)> {
        self.ranges.iter().filter(|r| r.0 <= hi && r.1 >= lo).map(|r| (r.0.max(lo), r.1.min(hi))).collect()
    }

    /// The parts of `[lo, hi]` with no receiver up.
    pub fn gaps_within(&self, lo: i64, hi: i64) -> Vec<(i64, i64)> {
        complement(&self.within(lo, hi), lo, hi)
    }
}

/// What became of a push made at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reach {
    /// The first delivery found a receiver up.
    Direct { at: i64 },
    /// Delivery number `delivery` (1-based) was the first to find one.
    Retry { delivery: usize, at: i64, offset: i64 },
    /// Every delivery up to now fell in a gap, but later retries are still due.
    NotYet { next_at: i64 },
    /// Every delivery fell in a gap: such a push cannot be in this store.
    Lost { last_at: i64 },
}

impl Reach {
    pub fn reaches(self) -> bool {
        matches!(self, Reach::Direct { .. } | Reach::Retry { .. })
    }
}

/// Which delivery of a push made at `created` first found a receiver up.
pub fn reach(created: i64, up: &Uptime) -> Reach {
    for (i, offset) in DELIVERY_OFFSETS.iter().copied().enumerate() {
        let at = created + offset;
        if at > up.now {
            return Reach::NotYet { next_at: at };
        }
        if up.is_up(at) {
            return if i == 0 { Reach::Direct { at } } else { Reach::Retry { delivery: i + 1, at, offset } };
        }
    }
    Reach::Lost { last_at: created + LAST_OFFSET }
}

/// The moments in `[lo, hi]` at which a push made would have reached no
/// receiver by any delivery: where an absence of pushes says nothing.
/// Moments whose later deliveries are still to come count as reachable.
pub fn lost_within(lo: i64, hi: i64, up: &Uptime) -> Vec<(i64, i64)> {
    if lo > hi {
        return Vec::new();
    }
    // Down, as far as it matters: up to now (the future is not down yet).
    let down = up.gaps_within(lo, (hi + LAST_OFFSET).min(up.now));
    let mut lost = vec![(lo, hi)];
    for offset in DELIVERY_OFFSETS {
        let shifted: Vec<(i64, i64)> = down.iter().map(|&(a, b)| (a - offset, b - offset)).collect();
        lost = intersect(&lost, &shifted);
        if lost.is_empty() {
            break;
        }
    }
    lost
}

/// `[lo, hi]` minus the sorted disjoint `ranges`.
pub fn complement(ranges: &[(i64, i64)], lo: i64, hi: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut from = lo;
    for &(a, b) in ranges {
        if a > from {
            out.push((from, (a - 1).min(hi)));
        }
        from = from.max(b + 1);
    }
    if from <= hi {
        out.push((from, hi));
    }
    out
}

fn intersect(x: &[(i64, i64)], y: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(a, b) in x {
        for &(c, d) in y {
            let (lo, hi) = (a.max(c), b.min(d));
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_764_649_651; // 2025-12-02 12:27:31 +08:00

    fn up(ranges: &[(i64, i64)], now: i64) -> Uptime {
        let periods: Vec<Period> = ranges.iter().map(|&(start, end)| Period { start, end, stopped: true }).collect();
        Uptime::of(&periods, now)
    }

    #[test]
    fn the_offsets_add_up_to_the_documented_schedule() {
        let intervals = [0, 0, 10, 60, 300, 1_800, 3_600, 3_600, 3_600];
        let mut sum = 0;
        for (i, step) in intervals.iter().enumerate() {
            sum += step;
            assert_eq!(DELIVERY_OFFSETS[i], sum);
        }
        assert_eq!(LAST_OFFSET, 3 * 3600 + 36 * 60 + 10, "about 3.6 h");
    }

    #[test]
    fn a_push_made_in_a_twenty_minute_gap_arrives_by_a_retry() {
        // up until 12:11, down until 12:31, up again after
        let u = up(&[(T - 10_000, T - 1_000), (T + 200, T + 100_000)], T + 200_000);
        let created = T - 391; // 12:21
        assert_eq!(reach(created, &u), Reach::Retry { delivery: 6, at: created + 2_170, offset: 2_170 });
        assert!(lost_within(T - 1_000, T + 200, &u).is_empty(), "every moment of a 20 min gap is reached");
    }

    #[test]
    fn a_gap_longer_than_the_schedule_loses_what_was_made_early_in_it() {
        // down for 6 h
        let u = up(&[(T - 10_000, T), (T + 21_600, T + 100_000)], T + 200_000);
        assert_eq!(reach(T + 100, &u), Reach::Lost { last_at: T + 100 + LAST_OFFSET });
        assert!(reach(T + 21_600 - 3_000, &u).reaches(), "made 50 min before the restart: a retry lands");
        let lost = lost_within(T - 100, T + 21_600, &u);
        assert_eq!(lost, vec![(T + 1, T + 21_599 - LAST_OFFSET)]);
    }

    #[test]
    fn overlapping_hosts_merge_and_gaps_stay() {
        let periods = [
            Period { start: 0, end: 100, stopped: true },
            Period { start: 50, end: 200, stopped: true },
            Period { start: 500, end: 600, stopped: true },
            Period { start: 900, end: 990, stopped: false },
        ];
        let u = Uptime::of(&periods, 1_000);
        assert_eq!(u.ranges, vec![(0, 200), (500, 600), (900, 1_000)], "a recent heartbeat: still running");
        assert_eq!(u.gaps_within(0, 1_000), vec![(201, 499), (601, 899)]);
        let dead = Uptime::of(&periods, 10_000);
        assert_eq!(dead.ranges.last(), Some(&(900, 990)), "an old heartbeat: the host died there");
    }

    #[test]
    fn retries_still_to_come_are_not_a_loss() {
        let u = up(&[(0, 100)], 1_000);
        assert_eq!(reach(500, &u), Reach::NotYet { next_at: 500 + 2_170 });
        assert!(lost_within(500, 600, &u).is_empty());
    }
}

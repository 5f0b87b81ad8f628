//! Where a push's time goes: latency histograms for the receiver's stages
//! (answering a push, an inbox commit, a projection step, the writer's own
//! checkpoint), summarised in the log when the receiver stops. They name
//! the stage behind a slow tail without a tracer attached to production.
//!
//! Buckets are log-linear (8 per power of two, so a quantile is within
//! 12.5 % of the true value), counted with atomics so the HTTP side records
//! without a lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two.
const SUB: usize = 8;
/// Powers of two of microseconds covered: 1 µs up to about 2^27 µs (134 s).
const POWERS: usize = 28;
const BUCKETS: usize = POWERS * SUB;

pub struct Histogram {
    counts: Box<[AtomicU64]>,
    max_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram { counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(), max_us: AtomicU64::new(0) }
    }
}

/// The bucket of a value in microseconds.
fn bucket(us: u64) -> usize {
    if us < SUB as u64 {
        return us as usize;
    }
    let power = 63 - us.leading_zeros() as usize; // us >= 2^power
    let shift = power - SUB.trailing_zeros() as usize;
    let sub = ((us >> shift) as usize) - SUB;
    ((power - 2) * SUB + sub).min(BUCKETS - 1)
}

/// The largest value (µs) a bucket holds: quantiles are reported high, never low.
fn upper(index: usize) -> u64 {
    if index < SUB {
        return index as u64;
    }
    let power = index / SUB + 2;
    let sub = (index % SUB) as u64;
    let shift = power - SUB.trailing_zeros() as usize;
    ((SUB as u64 + sub + 1) << shift) - 1
}

impl Histogram {
    pub fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.counts[bucket(us)].fetch_add(1, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    pub fn summary(&self) -> Summary {
        let counts: Vec<u64> = self.counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let count: u64 = counts.iter().sum();
        let max = self.max_us.load(Ordering::Relaxed);
        let quantile = |q: f64| {
            let rank = ((count as f64 * q).ceil() as u64).max(1);
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return Duration::from_micros(upper(i).min(max));
                }
            }
            Duration::from_micros(max)
        };
        Summary {
            count,
            p50: quantile(0.5),
            p99: quantile(0.99),
            p999: quantile(0.999),
            max: Duration::from_micros(max),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub count: u64,
    pub p50: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub max: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "{} (p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms)",
            self.count,
            ms(self.p50),
            ms(self.p99),
            ms(self.p999),
            ms(self.max)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values_within_an_eighth() {
        for us in (0..5000).chain([65_535, 1 << 20, 123_456_789]) {
            let b = bucket(us);
            assert!(upper(b) >= us, "{us} µs in bucket {b} whose top is {}", upper(b));
            assert!(upper(b) as f64 <= us as f64 * 1.125 + 1.0, "{us} µs reported as {}", upper(b));
            if b > 0 {
                assert!(upper(b - 1) < us, "{us} µs belongs below bucket {b}");
            }
        }
    }

    #[test]
    fn quantiles_of_a_known_mix() {
        let h = Histogram::default();
        for _ in 0..990 {
            h.record(Duration::from_micros(100));
        }
        for _ in 0..9 {
            h.record(Duration::from_millis(3));
        }
        h.record(Duration::from_millis(40));
        let s = h.summary();
        assert_eq!(s.count, 1000);
        assert!((100..=113).contains(&s.p50.as_micros()), "{s}");
        assert!((100..=113).contains(&s.p99.as_micros()), "{s}");
        assert!((3000..=3375).contains(&s.p999.as_micros()), "{s}");
        assert_eq!(s.max, Duration::from_millis(40));
    }

    #[test]
    fn an_empty_histogram_says_zero() {
        let s = Histogram::default().summary();
        assert_eq!((s.count, s.p99, s.max), (0, Duration::ZERO, Duration::ZERO));
    }
}

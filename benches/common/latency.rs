//! Latency figures for every bench: durations recorded in an HDR histogram,
//! read back as quantiles. Recording costs the same whatever the count, so
//! a bench can take a million samples without keeping and sorting them, and
//! every bench reads its p50 and p99 the same way.
#![allow(dead_code)]

use std::time::Duration;

use hdrhistogram::Histogram;

/// The longest duration told apart from longer ones: an hour.
const HIGHEST_NS: u64 = 3_600 * 1_000_000_000;

/// Durations to the nanosecond, each kept within 0.1 % of its value (three
/// significant digits): finer than any figure printed, from a redraw's
/// microseconds to a backlog's seconds.
#[derive(Clone)]
pub struct Latencies(Histogram<u64>);

impl Latencies {
    pub fn new() -> Latencies {
        Latencies(Histogram::new_with_bounds(1, HIGHEST_NS, 3).expect("valid histogram bounds"))
    }

    /// Adds one sample; one past an hour counts as an hour.
    pub fn record(&mut self, d: Duration) {
        self.0.saturating_record(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Adds every sample of `other` (another connection's, another task's).
    pub fn add(&mut self, other: &Latencies) {
        self.0.add(&other.0).expect("histograms of the same bounds");
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The duration that a fraction `q` of the samples do not exceed
    /// (0.5 the median, 0.99 the p99, 1.0 the longest); zero with no samples.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.0.value_at_quantile(q))
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    /// The longest sample; zero with none.
    pub fn max(&self) -> Duration {
        if self.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.0.max())
    }
}

impl Default for Latencies {
    fn default() -> Latencies {
        Latencies::new()
    }
}

impl Extend<Duration> for Latencies {
    fn extend<I: IntoIterator<Item = Duration>>(&mut self, samples: I) {
        for d in samples {
            self.record(d);
        }
    }
}

impl FromIterator<Duration> for Latencies {
    fn from_iter<I: IntoIterator<Item = Duration>>(samples: I) -> Latencies {
        let mut l = Latencies::new();
        l.extend(samples);
        l
    }
}

impl std::fmt::Debug for Latencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} samples, p50 {:?}, p99 {:?}, max {:?}", self.len(), self.median(), self.p99(), self.max())
    }
}

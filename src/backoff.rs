//! The one pause-and-double rule every retry here uses: the shop API when
//! the platform is busy, the receiver's projection after a failure, the
//! push forwarder, PostgreSQL transactions that lost a conflict.
//!
//! Written here rather than taken from a retry crate: the four callers
//! retry in different shapes (an async loop, a sync loop, a state machine
//! that records when to try again and returns), and all they share is the
//! schedule; a crate built around retrying a closure fits only two of them.

use std::time::Duration;

/// Pauses that start at `first` and double up to `cap`.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
    /// Each pause is between half and all of its length, so many clients
    /// failing together do not retry in step.
    jitter: bool,
}

impl Backoff {
    pub fn new(first: Duration, cap: Duration) -> Backoff {
        Backoff { first, cap, next: first, jitter: false }
    }

    pub fn with_jitter(mut self) -> Backoff {
        self.jitter = true;
        self
    }

    /// The pause before the next try; the one after it is twice as long.
    pub fn pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(self.cap);
        if self.jitter { jitter(pause) } else { pause }
    }

    /// A success: the next failure starts again from the first pause.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Between half and all of `d`.
fn jitter(d: Duration) -> Duration {
    let half = d / 2;
    // A fresh RandomState is seeded randomly per process and varies per call.
    use std::hash::{BuildHasher, Hasher};
    let r = std::collections::hash_map::RandomState::new().build_hasher().finish();
    half + Duration::from_nanos(r % (half.as_nanos() as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap_and_start_over_after_a_success() {
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(500), ms(3_000));
        let pauses: Vec<Duration> = (0..5).map(|_| b.pause()).collect();
        assert_eq!(pauses, [ms(500), ms(1_000), ms(2_000), ms(3_000), ms(3_000)]);
        b.reset();
        assert_eq!(b.pause(), ms(500));
    }

    #[test]
    fn jittered_pauses_stay_between_half_and_all() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(100)).with_jitter();
        for _ in 0..100 {
            let j = b.pause();
            assert!(j >= Duration::from_millis(50) && j <= Duration::from_millis(100), "{j:?}");
        }
    }
}

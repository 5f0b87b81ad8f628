//! Log lines that cannot flood. A fault that hits every request (a database
//! outage, a full disk, a flood of forged pushes, writers contending for
//! one row) must not turn into a line per request: each kind of line is
//! logged at most once per interval, and the next one says how many were
//! left out since.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The interval most lines are limited to: one per kind per this.
pub const EVERY: Duration = Duration::from_secs(10);

pub struct Limiter {
    pub every: Duration,
    last: Mutex<HashMap<&'static str, (Instant, u64)>>,
}

impl Limiter {
    pub fn new(every: Duration) -> Limiter {
        Limiter { every, last: Mutex::default() }
    }

    /// Whether a line of `kind` may be logged now (at most one per `every`),
    /// and how many were left out before it.
    pub fn due(&self, kind: &'static str, every: Duration) -> Option<u64> {
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

    /// The words appended to a line that follows `skipped` left out.
    pub fn more(skipped: u64) -> String {
        if skipped > 0 { format!(" ({skipped} more like it not logged)") } else { String::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_a_kind_are_limited_and_say_how_many_were_left_out() {
        let l = Limiter::new(Duration::from_secs(3600));
        assert_eq!(l.due("a", l.every), Some(0));
        for _ in 0..500 {
            assert_eq!(l.due("a", l.every), None);
        }
        // Another kind is not held back by the first.
        assert_eq!(l.due("b", l.every), Some(0));
        let l = Limiter::new(Duration::ZERO);
        assert_eq!(l.due("a", l.every), Some(0));
        assert_eq!(l.due("a", l.every), Some(0));
        let l = Limiter::new(Duration::from_millis(20));
        l.due("a", l.every);
        l.due("a", l.every);
        l.due("a", l.every);
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(l.due("a", l.every), Some(2));
        assert_eq!(Limiter::more(2), " (2 more like it not logged)");
        assert_eq!(Limiter::more(0), "");
    }
}

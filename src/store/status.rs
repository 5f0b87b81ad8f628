//! Whether pushes are being received right now, and how far reads are
//! behind: what the inspector's header and `doctor` say about the receiver.
//! Built from stored rows only (each receiver's period and heartbeat, the
//! inbox past the projector's cursor), so it is the same on every host that
//! shares the store.

use serde::Serialize;

use super::types::{Backlog, PeriodRow};

/// How often a running receiver writes its heartbeat.
pub const HEARTBEAT_SECS: i64 = 60;
/// A period still open whose heartbeat is older than this belongs to a
/// receiver that died (killed, or its host lost): two heartbeats missed and
/// a margin for a writer busy with a burst.
pub const SILENT_AFTER: i64 = 2 * HEARTBEAT_SECS + 30;

/// The receivers' state and the backlog, as of one look.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverStatus {
    /// Each host's latest period (hosts in name order; `None` is a period
    /// stored without a host: an older build, or imported).
    pub hosts: Vec<HostBeat>,
    pub backlog: Backlog,
}

/// One host's latest receiver period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostBeat {
    pub host: Option<String>,
    pub started_at: i64,
    /// The last heartbeat, or the stop.
    pub last_seen: i64,
    pub stopped: bool,
}

/// What the receivers are doing, all hosts together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiving {
    /// No receiver has ever run on this store (an imported log, `sync` only).
    Never,
    /// At least one receiver is running (heartbeat recent).
    Up { hosts: usize },
    /// Every receiver stopped cleanly; the last stop.
    Stopped { at: i64 },
    /// None stopped cleanly and none is heard from: the newest heartbeat.
    Silent { since: i64 },
}

impl HostBeat {
    pub fn is_up(&self, now: i64) -> bool {
        !self.stopped && now - self.last_seen <= SILENT_AFTER
    }
}

impl ReceiverStatus {
    /// From every stored period: each host's latest one.
    pub fn of(periods: &[PeriodRow], backlog: Backlog) -> ReceiverStatus {
        let mut hosts: Vec<HostBeat> = Vec::new();
        for p in periods {
            let beat = HostBeat {
                host: p.host.clone(),
                started_at: p.started_at,
                last_seen: p.stopped_at.unwrap_or(p.last_seen).max(p.last_seen),
                stopped: p.stopped_at.is_some(),
            };
            match hosts.iter_mut().find(|h| h.host == p.host) {
                Some(h) if h.started_at <= p.started_at => *h = beat,
                Some(_) => {}
                None => hosts.push(beat),
            }
        }
        hosts.sort_by(|a, b| a.host.cmp(&b.host));
        ReceiverStatus { hosts, backlog }
    }

    pub fn receiving(&self, now: i64) -> Receiving {
        let up = self.hosts.iter().filter(|h| h.is_up(now)).count();
        if up > 0 {
            return Receiving::Up { hosts: up };
        }
        let newest = self.hosts.iter().max_by_key(|h| h.last_seen);
        match newest {
            None => Receiving::Never,
            Some(h) if h.stopped => Receiving::Stopped { at: h.last_seen },
            Some(h) => Receiving::Silent { since: h.last_seen },
        }
    }

    /// How long the oldest push not yet readable has waited.
    pub fn behind(&self, now: i64) -> Option<i64> {
        self.backlog.oldest.filter(|_| self.backlog.pending > 0).map(|at| (now - at).max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(host: &str, started_at: i64, last_seen: i64, stopped_at: Option<i64>) -> PeriodRow {
        PeriodRow { started_at, last_seen, stopped_at, host: Some(host.into()) }
    }

    #[test]
    fn each_host_counts_by_its_latest_period() {
        let periods = [
            period("a", 0, 500, Some(500)),
            period("b", 100, 900, None),
            period("a", 1_000, 1_950, None),
            period("c", 10, 20, None),
        ];
        let s = ReceiverStatus::of(&periods, Backlog::default());
        assert_eq!(s.hosts.len(), 3);
        assert_eq!(s.hosts[0].started_at, 1_000);
        // a heard 50 s ago: up; b silent for 1,100 s; c long gone
        assert_eq!(s.receiving(2_000), Receiving::Up { hosts: 1 });
        assert_eq!(s.receiving(1_950 + SILENT_AFTER + 1), Receiving::Silent { since: 1_950 });
    }

    #[test]
    fn stopped_silent_and_never_are_told_apart() {
        let stopped = ReceiverStatus::of(&[period("a", 0, 100, Some(120))], Backlog::default());
        assert_eq!(stopped.receiving(130), Receiving::Stopped { at: 120 });
        let died = ReceiverStatus::of(&[period("a", 0, 100, None)], Backlog::default());
        assert_eq!(died.receiving(100 + SILENT_AFTER), Receiving::Up { hosts: 1 });
        assert_eq!(died.receiving(101 + SILENT_AFTER), Receiving::Silent { since: 100 });
        assert_eq!(ReceiverStatus::of(&[], Backlog::default()).receiving(0), Receiving::Never);
    }

    #[test]
    fn the_backlog_waits_from_its_oldest_arrival() {
        let b = Backlog { pending: 3, oldest: Some(100), last_arrival: Some(140) };
        let s = ReceiverStatus::of(&[], b);
        assert_eq!(s.behind(150), Some(50));
        let caught_up = ReceiverStatus::of(&[], Backlog { pending: 0, oldest: None, last_arrival: Some(140) });
        assert_eq!(caught_up.behind(150), None);
    }
}

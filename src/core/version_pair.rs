//! Which two versions of an order to compare: the last one seen before it
//! shipped and the newest one after. Pure: works on already-loaded versions.

use crate::diff::{Change, diff};
use crate::model::Order;

/// A stored version with what the comparison needs.
#[derive(Debug, Clone)]
pub struct Version {
    pub snapshot_id: i64,
    pub fetched_at: i64,
    pub order: Order,
    /// How it reached the store, and so whether `fetched_at` is a read time.
    pub source: crate::model::Origin,
}

impl Version {
    /// Made up by the bundled demo (the seed order's two real reads are not).
    pub fn is_demo(&self) -> bool {
        self.source.is_demo()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Pair {
    pub before: Option<Version>,
    pub after: Option<Version>,
    pub changes: Vec<Change>,
}

/// Picks the newest pre-shipment version and the newest post-shipment one.
/// When the order never shipped in any version, the two newest versions are
/// compared instead (so a cancellation still shows what changed), with the
/// older on the left.
pub fn pick_pair(versions: &[Version]) -> Pair {
    let mut sorted: Vec<&Version> = versions.iter().collect();
    sorted.sort_by_key(|v| (v.order.update_time().unwrap_or(v.fetched_at), v.fetched_at, v.snapshot_id));
    let before = sorted.iter().rev().find(|v| !v.order.is_shipped()).copied();
    let after = sorted.iter().rev().find(|v| v.order.is_shipped()).copied();
    let (before, after) = match (before, after) {
        (Some(b), Some(a)) => (Some(b), Some(a)),
        (None, Some(a)) => (None, Some(a)),
        (Some(_), None) if sorted.len() >= 2 => (Some(sorted[sorted.len() - 2]), Some(sorted[sorted.len() - 1])),
        (Some(b), None) => (Some(b), None),
        (None, None) => (None, None),
    };
    let changes = match (before, after) {
        (Some(b), Some(a)) => diff(&b.order.raw, &a.order.raw),
        _ => Vec::new(),
    };
    Pair { before: before.cloned(), after: after.cloned(), changes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(id: i64, status: i64, update: i64, shipped: bool) -> Version {
        let ship = if shipped { update } else { 0 };
        let order = Order::from_order(json!({"order_id":"1","status":status,"update_time":update,
            "order_detail":{"delivery_info":{"ship_done_time":ship}}}))
        .unwrap();
        Version { snapshot_id: id, fetched_at: update, order, source: crate::model::Origin::Import }
    }

    #[test]
    fn newest_before_and_newest_after_shipping() {
        let p = pick_pair(&[v(1, 10, 1, false), v(2, 20, 2, false), v(3, 30, 3, true), v(4, 100, 4, true)]);
        assert_eq!(p.before.unwrap().snapshot_id, 2);
        assert_eq!(p.after.unwrap().snapshot_id, 4);
    }

    #[test]
    fn never_shipped_compares_the_two_newest() {
        let p = pick_pair(&[v(1, 10, 1, false), v(2, 250, 2, false)]);
        assert_eq!(p.before.as_ref().unwrap().snapshot_id, 1);
        assert_eq!(p.after.as_ref().unwrap().snapshot_id, 2);
        assert_eq!(p.changes.len(), 2);
    }

    #[test]
    fn one_version_has_no_changes() {
        let p = pick_pair(&[v(1, 30, 1, true)]);
        assert!(p.before.is_none());
        assert_eq!(p.after.unwrap().snapshot_id, 1);
        assert!(p.changes.is_empty());
        assert!(pick_pair(&[]).after.is_none());
    }
}

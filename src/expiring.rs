//! Orders whose virtual number is about to expire before the buyer has the
//! parcel: once it expires the courier can no longer reach the buyer
//! through it. The rules are the platform's (wechat-channels.md §1 and the
//! delay API, §3.2): a number is valid 30 days after the merchant views it,
//! can be extended by 15 days within the last 7 days before it expires, at
//! most 10 times (the support guide's limit; the API's own
//! `available_extend_num` is the word that counts when it differs).

use crate::model::vnum::{EXTEND_WINDOW_DAYS, MAX_EXTENSIONS, Vnum};
use crate::store::OrderRow;

const DAY: i64 = 86_400;

/// One order whose number expires within the window asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    pub order_id: String,
    pub status: Option<i64>,
    /// The number as the order gives it (`host-extension`).
    pub number: Option<String>,
    pub expire_time: i64,
    /// Seconds until it expires.
    pub left: i64,
    /// Extensions used (`has_delay_times`), when the order says.
    pub extensions_used: Option<i64>,
    /// Whether the delay API would take an extension now: within the last
    /// 7 days and fewer than 10 used; `None` when the count is unknown.
    pub extendable_now: Option<bool>,
    pub demo: bool,
}

/// Statuses before the buyer has received the parcel: to ship, partly
/// shipped, shipped (wechat-channels.md §2.3).
pub fn awaiting_receipt(status: Option<i64>) -> bool {
    matches!(status, Some(20 | 21 | 30))
}

/// Whether a listed order belongs in the report: not yet received, with a
/// number that expires after `now` and no later than `now + within`.
pub fn is_candidate(row: &OrderRow, now: i64, within: i64) -> bool {
    awaiting_receipt(row.status)
        && row.vnum.is_some()
        && row.vnum_expire.is_some_and(|e| e > now && e <= now.saturating_add(within))
}

/// The entry for a candidate, with the extension count from its latest
/// version (`vnum`), when there is one.
pub fn entry(row: &OrderRow, vnum: Option<&Vnum>, now: i64, demo: bool) -> Expiring {
    let expire_time = vnum.and_then(|v| v.expire_time).or(row.vnum_expire).unwrap_or(now);
    let left = expire_time - now;
    let extensions_used = vnum.and_then(|v| v.has_delay_times);
    let in_window = left > 0 && left <= EXTEND_WINDOW_DAYS * DAY;
    let extendable_now = match (in_window, extensions_used) {
        (false, _) => Some(false),
        (true, Some(n)) => Some(n < MAX_EXTENSIONS),
        (true, None) => None,
    };
    Expiring {
        order_id: row.order_id.clone(),
        status: row.status,
        number: vnum.and_then(|v| v.number.clone()).or_else(|| row.vnum.clone()),
        expire_time,
        left,
        extensions_used,
        extendable_now,
        demo,
    }
}

/// Soonest first; an order id breaks ties, so the order is stable.
pub fn sort(list: &mut [Expiring]) {
    list.sort_by(|a, b| a.expire_time.cmp(&b.expire_time).then_with(|| a.order_id.cmp(&b.order_id)));
}

/// Reads the list from `store` as of `now`: one pass over the order list,
/// then the latest version of each candidate (for its extension count), so
/// memory stays small on any store.
pub fn load(store: &crate::store::Store, now: i64, within: i64) -> crate::store::Result<Vec<Expiring>> {
    let demo = store.reads().demo_orders()?;
    let mut rows = Vec::new();
    store.each_order(&crate::store::ListFilter::default(), |r| {
        if is_candidate(&r, now, within) {
            rows.push(r);
        }
        Ok::<_, crate::store::StoreError>(())
    })?;
    let mut list = Vec::with_capacity(rows.len());
    for r in &rows {
        let vnum = match store.reads().latest_snapshot(&r.order_id)? {
            Some(v) => v.order().ok().map(|o| Vnum::of(&o)),
            None => None,
        };
        list.push(entry(r, vnum.as_ref(), now, demo.contains(&r.order_id)));
    }
    sort(&mut list);
    Ok(list)
}

/// One line of `orderscope expiring`: id, status, number, expiry, time
/// left, extensions used of 10, whether one is possible now.
pub fn line(e: &Expiring, lang: crate::model::Lang) -> String {
    use crate::model::Lang::{En, Zh};
    use crate::timefmt;
    let number = e.number.as_deref().unwrap_or("?");
    let used = match (lang, e.extensions_used) {
        (Zh, Some(n)) => format!("已延期 {n}/{MAX_EXTENSIONS} 次"),
        (Zh, None) => "延期次数未知".to_string(),
        (En, Some(n)) => format!("extended {n}/{MAX_EXTENSIONS}"),
        (En, None) => "extensions unknown".to_string(),
    };
    let now = match (lang, e.extendable_now) {
        (Zh, Some(true)) => "现在可延期",
        (Zh, Some(false)) if e.left > EXTEND_WINDOW_DAYS * DAY => "到期前 7 天内可延期",
        (Zh, Some(false)) => "不能再延期",
        (Zh, None) => "可否延期未知",
        (En, Some(true)) => "extendable now",
        (En, Some(false)) if e.left > EXTEND_WINDOW_DAYS * DAY => "extendable in its last 7 days",
        (En, Some(false)) => "no longer extendable",
        (En, None) => "extendable if fewer than 10 used",
    };
    let demo = if e.demo { lang.text("  [演示]", "  [demo]") } else { "" };
    format!(
        "{}  {}  {number}  {} {}  {} {}  {used}  {now}{demo}",
        e.order_id,
        crate::text::pad(&crate::model::names::status_label(e.status, lang), 10),
        lang.text("到期", "expires"),
        timefmt::full(e.expire_time),
        lang.text("剩余", "left"),
        timefmt::countdown(lang, e.left),
    )
}

/// The JSON object of an entry (order ids as strings).
pub fn to_json(e: &Expiring) -> serde_json::Value {
    serde_json::json!({
        "order_id": e.order_id,
        "source": if e.demo { "demo" } else { "observed" },
        "status": e.status,
        "virtual_number": e.number,
        "expire_time": e.expire_time,
        "seconds_left": e.left,
        "extensions_used": e.extensions_used,
        "extensions_max": MAX_EXTENSIONS,
        "extendable_now": e.extendable_now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, status: i64, expire: Option<i64>) -> OrderRow {
        OrderRow {
            order_id: id.into(),
            status: Some(status),
            update_time: None,
            use_tel_number: Some(1),
            vnum: expire.map(|_| "18400984191-0775".into()),
            vnum_expire: expire,
            snapshots: 1,
            messages: 0,
            type5: false,
            last_activity: 0,
            search: String::new(),
            product: String::new(),
            buyer: String::new(),
        }
    }

    fn vnum(expire: i64, used: Option<i64>) -> Vnum {
        Vnum {
            expire_time: Some(expire),
            has_delay_times: used,
            number: Some("18400984191-0775".into()),
            ..Vnum::default()
        }
    }

    #[test]
    fn only_orders_not_yet_received_whose_number_expires_inside_the_window() {
        let now = 1_000_000;
        let week = 7 * DAY;
        assert!(is_candidate(&row("a", 30, Some(now + DAY)), now, week));
        assert!(is_candidate(&row("b", 20, Some(now + week)), now, week));
        assert!(!is_candidate(&row("c", 30, Some(now + week + 1)), now, week), "after the window");
        assert!(!is_candidate(&row("d", 30, Some(now)), now, week), "expired already");
        assert!(!is_candidate(&row("e", 100, Some(now + DAY)), now, week), "received");
        assert!(!is_candidate(&row("f", 30, None), now, week), "no number");
    }

    #[test]
    fn an_extension_is_possible_in_the_last_seven_days_with_fewer_than_ten_used() {
        let now = 1_000_000;
        let r = row("a", 30, Some(now + 3 * DAY));
        let e = entry(&r, Some(&vnum(now + 3 * DAY, Some(9))), now, false);
        assert_eq!((e.left, e.extensions_used, e.extendable_now), (3 * DAY, Some(9), Some(true)));
        assert_eq!(entry(&r, Some(&vnum(now + 3 * DAY, Some(10))), now, false).extendable_now, Some(false));
        assert_eq!(entry(&r, Some(&vnum(now + 3 * DAY, None)), now, false).extendable_now, None);
        let later = row("b", 30, Some(now + 8 * DAY));
        assert_eq!(entry(&later, Some(&vnum(now + 8 * DAY, Some(0))), now, false).extendable_now, Some(false));
    }
}

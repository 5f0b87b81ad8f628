//! The buyer's virtual number and where it stands at a given moment,
//! following the platform's documented rules: valid 30 days after the merchant
//! views it, extendable by 15 days in the last 7 days before expiry.

use super::order::Order;

pub const VALIDITY_DAYS: i64 = 30;
pub const EXTENSION_DAYS: i64 = 15;
pub const EXTEND_WINDOW_DAYS: i64 = 7;
const DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VnumState {
    /// The order does not use a virtual number (or says nothing about one).
    None,
    /// `use_tel_number` is 1 but no number has been assigned yet.
    Pending,
    Active,
    /// Within the last 7 days before expiry, when it can be extended.
    Extendable,
    Expired,
}

impl VnumState {
    pub fn label(self, lang: super::names::Lang) -> &'static str {
        use super::names::Lang::*;
        match (self, lang) {
            (VnumState::None, Zh) => "无",
            (VnumState::None, En) => "none",
            (VnumState::Pending, Zh) => "待分配",
            (VnumState::Pending, En) => "pending",
            (VnumState::Active, Zh) => "有效",
            (VnumState::Active, En) => "active",
            (VnumState::Extendable, Zh) => "可延期",
            (VnumState::Extendable, En) => "extendable",
            (VnumState::Expired, Zh) => "已过期",
            (VnumState::Expired, En) => "expired",
        }
    }

    /// Both names, for filtering in either language.
    pub fn names(self) -> [&'static str; 2] {
        [self.label(super::names::Lang::Zh), self.label(super::names::Lang::En)]
    }
}

/// What the inspector needs to know about a number, independent of "now".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vnum {
    pub use_tel_number: Option<i64>,
    pub number: Option<String>,
    pub expire_time: Option<i64>,
    pub has_delay_times: Option<i64>,
    pub get_virtual_tel_cnt: Option<i64>,
    pub real_tel_number: Option<String>,
}

impl Vnum {
    pub fn of(order: &Order) -> Vnum {
        let ext = order.tel_ext().unwrap_or_default();
        Vnum {
            use_tel_number: order.use_tel_number(),
            number: ext.virtual_tel_number.clone(),
            expire_time: ext.expire_time,
            has_delay_times: ext.has_delay_times,
            get_virtual_tel_cnt: ext.get_virtual_tel_cnt,
            real_tel_number: ext.real_tel_number.or_else(|| order.tel_number().map(str::to_string)),
        }
    }

    pub fn state(&self, now: i64) -> VnumState {
        state_of(self.use_tel_number, self.number.is_some(), self.expire_time, now)
    }

    /// `host 转 ext` (or `host ext. ext`), as a caller dials it.
    pub fn display_number(&self, lang: super::names::Lang) -> Option<String> {
        let full = self.number.as_deref()?;
        Some(match full.split_once('-') {
            Some((host, ext)) => match lang {
                super::names::Lang::Zh => format!("{host} 转 {ext}"),
                super::names::Lang::En => format!("{host} ext. {ext}"),
            },
            None => full.to_string(),
        })
    }

    /// When the 30-day clock started, inferred from the documented rules:
    /// expiry − 30 days − 15 days × extensions used.
    pub fn inferred_clock_start(&self) -> Option<i64> {
        let expire = self.expire_time?;
        Some(expire - VALIDITY_DAYS * DAY - EXTENSION_DAYS * DAY * self.has_delay_times.unwrap_or(0).max(0))
    }
}

/// The state from the stored summary columns, so the order list needs no JSON.
pub fn state_of(use_tel_number: Option<i64>, has_number: bool, expire_time: Option<i64>, now: i64) -> VnumState {
    match (has_number, expire_time) {
        (true, Some(exp)) if exp <= now => VnumState::Expired,
        (true, Some(exp)) if exp - now <= EXTEND_WINDOW_DAYS * DAY => VnumState::Extendable,
        (true, _) => VnumState::Active,
        (false, _) if use_tel_number == Some(1) => VnumState::Pending,
        (false, _) => VnumState::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::names::Lang;

    fn vnum(number: Option<&str>, expire: Option<i64>, delays: Option<i64>, use_tel: Option<i64>) -> Vnum {
        Vnum {
            use_tel_number: use_tel,
            number: number.map(str::to_string),
            expire_time: expire,
            has_delay_times: delays,
            ..Vnum::default()
        }
    }

    #[test]
    fn states_follow_the_documented_windows() {
        let now = 1_000_000_000;
        assert_eq!(vnum(None, None, None, Some(0)).state(now), VnumState::None);
        assert_eq!(vnum(None, None, None, None).state(now), VnumState::None);
        assert_eq!(vnum(None, None, None, Some(1)).state(now), VnumState::Pending);
        assert_eq!(vnum(Some("1-2"), Some(now + 8 * DAY), None, Some(1)).state(now), VnumState::Active);
        assert_eq!(vnum(Some("1-2"), Some(now + 7 * DAY), None, Some(1)).state(now), VnumState::Extendable);
        assert_eq!(vnum(Some("1-2"), Some(now + 1), None, Some(1)).state(now), VnumState::Extendable);
        assert_eq!(vnum(Some("1-2"), Some(now), None, Some(1)).state(now), VnumState::Expired);
    }

    #[test]
    fn seed_clock_start_is_two_hours_before_shipping() {
        // expiry 2026-01-01 12:27:31 +08 minus 30 days = 2025-12-02 12:27:31 +08
        let v = vnum(Some("18400984191-0775"), Some(1767241651), Some(0), Some(1));
        assert_eq!(v.inferred_clock_start(), Some(1767241651 - 30 * DAY));
        assert_eq!(v.inferred_clock_start(), Some(1764649651));
        assert_eq!(v.display_number(Lang::Zh).unwrap(), "18400984191 转 0775");
    }

    #[test]
    fn extensions_move_the_clock_start_back() {
        let v = vnum(Some("1-2"), Some(100 * DAY), Some(2), Some(1));
        assert_eq!(v.inferred_clock_start(), Some(100 * DAY - 30 * DAY - 30 * DAY));
    }
}

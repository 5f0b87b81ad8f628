//! The buyer's virtual number and where it stands at a given moment,
//! following the platform's documented rules: valid 30 days after the merchant
//! views it, extendable by 15 days in the last 7 days before expiry.

use super::order::Order;

pub const VALIDITY_DAYS: i64 = 30;
pub const EXTENSION_DAYS: i64 = 15;
pub const EXTEND_WINDOW_DAYS: i64 = 7;
/// The guide: at most 10 extensions per virtual number.
pub const MAX_EXTENSIONS: i64 = 10;
const DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VnumState {
    /// The order does not use a virtual number (or says nothing about one).
    None,
    /// `use_tel_number` is 1 but no number has been assigned yet.
    Pending,
    Active,
    /// Within the last 7 days before expiry, with fewer than 10 extensions
    /// used: when the delay API accepts it.
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
        // The guide: no number is generated for an invalid contact number.
        if self.number.is_none() && self.phone_invalid() {
            return VnumState::None;
        }
        let state = state_of(self.use_tel_number, self.number.is_some(), self.expire_time, now);
        match (state, self.has_delay_times) {
            (VnumState::Extendable, Some(n)) if n >= MAX_EXTENSIONS => VnumState::Active,
            (s, _) => s,
        }
    }

    /// The buyer's phone as the order shows it (masked as `139****0775`)
    /// is not 11 characters, or is blank: the guide's "invalid contact
    /// number", for which no virtual number is generated.
    pub fn phone_invalid(&self) -> bool {
        match self.real_tel_number.as_deref().map(str::trim) {
            None => false,
            Some(t) => {
                let shape = t.chars().filter(|c| c.is_ascii_digit() || *c == '*').count();
                t.is_empty() || shape != 11 || shape != t.chars().count()
            }
        }
    }

    /// Extensions still allowed by the guide's limit of 10.
    pub fn extensions_left(&self) -> Option<i64> {
        self.has_delay_times.map(|n| (MAX_EXTENSIONS - n).max(0))
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
    fn ten_extensions_end_the_extendable_window_and_a_bad_phone_gets_no_number() {
        let now = 1_000_000_000;
        let mut v = vnum(Some("1-2"), Some(now + DAY), Some(9), Some(1));
        assert_eq!(v.state(now), VnumState::Extendable);
        v.has_delay_times = Some(10);
        assert_eq!(v.state(now), VnumState::Active, "the tenth extension was the last");
        let mut p = vnum(None, None, None, Some(1));
        p.real_tel_number = Some("139****0775".into());
        assert!(!p.phone_invalid());
        assert_eq!(p.state(now), VnumState::Pending);
        for bad in ["1390775", "", "139****07751", "139-0775-123"] {
            p.real_tel_number = Some(bad.into());
            assert!(p.phone_invalid(), "{bad}");
            assert_eq!(p.state(now), VnumState::None);
        }
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

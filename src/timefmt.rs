//! Times as support staff read them: China time (+08:00, no DST since 1991)
//! and short human durations.

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

fn china() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

fn fmt(t: i64, pattern: &str) -> String {
    match Timestamp::from_second(t) {
        Ok(ts) => ts.to_zoned_datetime(china()).strftime(pattern).to_string(),
        Err(_) => format!("@{t}"),
    }
}

/// `2026-01-01 12:27:31`
pub fn full(t: i64) -> String {
    fmt(t, "%Y-%m-%d %H:%M:%S")
}

/// `20260101-122731`, for file names.
pub fn file_stamp(t: i64) -> String {
    fmt(t, "%Y%m%d-%H%M%S")
}

/// `2026-01-01 12:27:31 +08:00`
pub fn full_tz(t: i64) -> String {
    fmt(t, "%Y-%m-%d %H:%M:%S %:z")
}

/// `12-02 10:26:44`
pub fn short(t: i64) -> String {
    fmt(t, "%m-%d %H:%M:%S")
}

/// `12-02 10:26`
pub fn minute(t: i64) -> String {
    fmt(t, "%m-%d %H:%M")
}

/// The year of a moment in China time.
pub fn year_of(t: i64) -> Option<i16> {
    Timestamp::from_second(t).ok().map(|ts| ts.to_zoned_datetime(china()).year())
}

/// `12-02 10:26:44` in the current year (`now_year`), `2025-12-02 10:26:44`
/// in another: a date without its year misleads once the year has turned.
pub fn short_in(t: i64, now_year: Option<i16>) -> String {
    if year_of(t) == now_year { short(t) } else { full(t) }
}

/// `12-02 10:26` in the current year, `2025-12-02 10:26` in another.
pub fn minute_in(t: i64, now_year: Option<i16>) -> String {
    if year_of(t) == now_year { minute(t) } else { fmt(t, "%Y-%m-%d %H:%M") }
}

/// `10:26:44`
pub fn clock(t: i64) -> String {
    fmt(t, "%H:%M:%S")
}

/// The current unix time in seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// A countdown with seconds, so it visibly ticks: `2d 03:04:05`,
/// `03:04:05` (`2 天 03:04:05`).
pub fn countdown(lang: crate::model::Lang, secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match lang {
        _ if d == 0 => format!("{h:02}:{m:02}:{sec:02}"),
        crate::model::Lang::Zh => format!("{d} 天 {h:02}:{m:02}:{sec:02}"),
        crate::model::Lang::En => format!("{d}d {h:02}:{m:02}:{sec:02}"),
    }
}

/// A coarse age: `330 d`, `5 h`, `12 min`, `40 s`.
pub fn coarse(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s >= 86_400 {
        format!("{} d", s / 86_400)
    } else if s >= 3600 {
        format!("{} h", s / 3600)
    } else if s >= 60 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// A coarse age in the screen's language: `3 s`, `12 min`, `5 h`, `4 d`
/// (`3 秒`, `12 分钟`, `5 小时`, `4 天`).
pub fn ago(lang: crate::model::Lang, secs: i64) -> String {
    let s = secs.max(0);
    let (n, zh, en) = match s {
        0..60 => (s, "秒", "s"),
        60..3600 => (s / 60, "分钟", "min"),
        3600..86_400 => (s / 3600, "小时", "h"),
        _ => (s / 86_400, "天", "d"),
    };
    match lang {
        crate::model::Lang::Zh => format!("{n} {zh}"),
        crate::model::Lang::En => format!("{n} {en}"),
    }
}

/// Why a duration (`90s`, `30m`, `2h`, `10d`) could not be read; each
/// holds the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("bad duration {0:?}: expected a number then s, m, h or d")]
    NotANumber(String),
    #[error("bad duration {0:?}: unit must be s, m, h or d")]
    Unit(String),
    #[error("bad duration {0:?}: too long")]
    TooLong(String),
}

/// Why a moment could not be read; each holds the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("bad time {0:?}: too large")]
    TooLarge(String),
    #[error("bad time {0:?}: write unix seconds, 2025-12-02 14:21:28 (+08:00) or 2025-12-02T06:21:28Z")]
    Unreadable(String),
}

/// Why where a listing starts could not be read: a span that is not one,
/// or a moment that is not one (then the span is offered too).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinceError {
    #[error(transparent)]
    Span(#[from] DurationError),
    #[error("{0}, or a span back from now like 30m, 2h, 10d")]
    Moment(#[source] TimeError),
}

/// Parses durations written like `90s`, `30m`, `2h`, `10d`.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| DurationError::NotANumber(text.to_string()))?;
    let mult = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(DurationError::Unit(text.to_string())),
    };
    n.checked_mul(mult).ok_or_else(|| DurationError::TooLong(text.to_string()))
}

/// RFC 3339 in China time with milliseconds, for log lines:
/// `2026-01-01T12:27:31.250+08:00`.
pub fn rfc3339_millis(ts: Timestamp) -> String {
    ts.to_zoned_datetime(china()).strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// Parses a moment written as unix seconds, `2025-12-02 14:21:28` or
/// `2025-12-02T14:21:28` (China time, +08:00, as support staff read times),
/// or with an explicit offset (`2025-12-02T06:21:28Z`, `…+08:00`).
pub fn parse_time(text: &str) -> Result<i64, TimeError> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| TimeError::TooLarge(text.to_string()));
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    let local = t.replacen(' ', "T", 1);
    let with_seconds = if local.len() == 16 { format!("{local}:00") } else { local };
    with_seconds
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| china().to_timestamp(dt).ok())
        .map(|ts| ts.as_second())
        .ok_or_else(|| TimeError::Unreadable(text.to_string()))
}

/// Parses where a listing starts: a span back from `now` (90s, 30m, 2h,
/// 10d: a number with its unit) or a moment as [`parse_time`] reads it (a
/// bare number is unix seconds).
pub fn parse_since(text: &str, now: i64) -> Result<i64, SinceError> {
    let t = text.trim();
    let span =
        t.strip_suffix(['s', 'm', 'h', 'd']).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if span {
        return Ok(now.saturating_sub(parse_duration(t)?));
    }
    parse_time(t).map_err(SinceError::Moment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_a_span_back_from_now_or_a_moment() {
        assert_eq!(parse_since("2h", 10_000), Ok(10_000 - 7200));
        assert_eq!(parse_since("90s", 1000), Ok(910));
        assert_eq!(parse_since("1764000000", 0), Ok(1_764_000_000));
        assert_eq!(parse_since("2025-12-02 14:21:28", 0).ok(), parse_time("2025-12-02 14:21:28").ok());
        assert!(parse_since("2x", 0).is_err());
    }

    #[test]
    fn parse_errors_read_as_before() {
        assert_eq!(parse_duration("10w").unwrap_err().to_string(), "bad duration \"10w\": unit must be s, m, h or d");
        assert_eq!(
            parse_duration("d").unwrap_err().to_string(),
            "bad duration \"d\": expected a number then s, m, h or d"
        );
        assert_eq!(
            parse_time("99999999999999999999").unwrap_err().to_string(),
            "bad time \"99999999999999999999\": too large"
        );
        let since = parse_since("soon", 0).unwrap_err();
        assert_eq!(
            since.to_string(),
            "bad time \"soon\": write unix seconds, 2025-12-02 14:21:28 (+08:00) or 2025-12-02T06:21:28Z, \
             or a span back from now like 30m, 2h, 10d"
        );
        assert!(std::error::Error::source(&since).is_some(), "the moment's error is kept as the source");
        assert_eq!(
            parse_since("99999999999999999d", 0),
            Err(SinceError::Span(DurationError::TooLong("99999999999999999d".into())))
        );
    }

    #[test]
    fn china_time() {
        assert_eq!(full(1767241651), "2026-01-01 12:27:31");
        assert_eq!(full_tz(1767241651), "2026-01-01 12:27:31 +08:00");
        assert_eq!(short(1764642404), "12-02 10:26:44");
        assert_eq!(clock(1764656486), "14:21:26");
    }

    #[test]
    fn the_year_shows_only_when_it_is_not_the_current_one() {
        let in_2026 = year_of(1_795_752_000);
        assert_eq!(in_2026, Some(2026));
        assert_eq!(short_in(1764642404, in_2026), "2025-12-02 10:26:44");
        assert_eq!(short_in(1764642404, Some(2025)), "12-02 10:26:44");
        assert_eq!(minute_in(1764642404, in_2026), "2025-12-02 10:26");
        assert_eq!(minute_in(1764642404, Some(2025)), "12-02 10:26");
    }

    #[test]
    fn times_are_read_as_china_time_unless_they_say_otherwise() {
        assert_eq!(parse_time("1764656488"), Ok(1764656488));
        assert_eq!(parse_time("2025-12-02 14:21:28"), Ok(1764656488));
        assert_eq!(parse_time("2025-12-02T14:21:28"), Ok(1764656488));
        assert_eq!(parse_time("2025-12-02 14:21"), Ok(1764656460));
        assert_eq!(parse_time("2025-12-02T06:21:28Z"), Ok(1764656488));
        assert_eq!(parse_time("2025-12-02T14:21:28+08:00"), Ok(1764656488));
        assert!(parse_time("yesterday").unwrap_err().to_string().contains("bad time"));
        assert!(parse_time("").is_err());
    }

    #[test]
    fn durations() {
        use crate::model::Lang::{En, Zh};
        assert_eq!(countdown(En, 2 * 86_400 + 3 * 3600 + 4 * 60 + 5), "2d 03:04:05");
        assert_eq!(countdown(Zh, 2 * 86_400 + 3 * 3600 + 4 * 60 + 5), "2 天 03:04:05");
        assert_eq!(countdown(Zh, -59), "00:00:59");
        assert_eq!(ago(Zh, 337 * 86_400 + 5), "337 天");
        assert_eq!(crate::explain::span(Zh, 3600 + 53 * 60), "1 小时 53 分");
        assert_eq!(crate::explain::span(En, 3600 + 53 * 60), "1 h 53 min");
        assert_eq!(coarse(330 * 86_400 + 5), "330 d");
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("10d"), Ok(864_000));
        assert!(parse_duration("10w").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("99999999999999999d").unwrap_err().to_string().contains("too long"));
        let t = Timestamp::from_second(1767241651).unwrap() + jiff::SignedDuration::from_millis(250);
        assert_eq!(rfc3339_millis(t), "2026-01-01T12:27:31.250+08:00");
    }
}

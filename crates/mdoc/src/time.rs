//! Points in time as ISO 18013-5 writes them: [`Timestamp`] (an instant), [`TDate`] (tag 0
//! date-time) and [`FullDate`] (tag 1004 full-date). This crate has no clock: callers pass the
//! current time in (see [`crate::clock`]).

use crate::cbor::{CborError, FromCbor, ToCbor, Value};

/// A UTC instant with one-second resolution, as seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `seconds` after the UNIX epoch (negative: before it).
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the UNIX epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// This instant moved by `seconds` (saturating).
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Timestamp(self.0.saturating_add(seconds))
    }

    /// This instant moved by whole days (saturating).
    pub const fn plus_days(self, days: i64) -> Self {
        self.plus_seconds(days.saturating_mul(86_400))
    }

    /// Parses an RFC 3339 date-time (`2021-01-01T00:00:00Z`, `...+01:00`, fractions ignored).
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimeError> {
        parse_date_time(text)
    }

    /// Formats as `YYYY-MM-DDTHH:MM:SSZ`, the form ISO 18013-5 requires for tdate.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    }

    /// The calendar date (UTC) of this instant.
    pub fn date(self) -> FullDate {
        let (year, month, day) = civil_from_days(self.0.div_euclid(86_400));
        FullDate { year, month, day }
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Why a date or date-time text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not of the RFC 3339 / ISO 8601 shape required.
    #[error("date or date-time is not in RFC 3339 form")]
    Format,
    /// A field is out of range (month 13, 31 February, hour 24, ...).
    #[error("date or date-time field out of range")]
    Range,
    /// A tdate in another RFC 3339 form than ISO 18013-5 allows (a fraction of seconds, an
    /// offset other than `Z`, lowercase `t`/`z`).
    #[error("tdate is not YYYY-MM-DDTHH:MM:SSZ (no fraction of seconds, UTC as Z)")]
    TdateForm,
}

/// A tdate (tag 0): an RFC 3339 date-time, with the text kept exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TDate {
    text: String,
    instant: Timestamp,
}

impl TDate {
    /// The tdate for `instant`, written as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn new(instant: Timestamp) -> Self {
        TDate {
            text: instant.to_rfc3339(),
            instant,
        }
    }

    /// Parses a tdate text, keeping it as given. ISO 18013-5 (§9.1.2.4 for the MSO's
    /// ValidityInfo, and the tdate elements) allows only `YYYY-MM-DDTHH:MM:SSZ`: no fraction of
    /// seconds and no local offset, so other RFC 3339 forms are refused.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let b = text.as_bytes();
        if b.len() != 20 || b.get(10) != Some(&b'T') || b.get(19) != Some(&b'Z') {
            return Err(TimeError::TdateForm);
        }
        Ok(TDate {
            instant: parse_date_time(text)?,
            text: text.to_owned(),
        })
    }

    /// The instant.
    pub fn instant(&self) -> Timestamp {
        self.instant
    }

    /// The text as received or created.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromCbor for TDate {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        match value {
            Value::Tag(0, inner) => {
                let text = inner.as_text().ok_or(CborError::TypeMismatch {
                    context: "tdate",
                    expected: "tstr",
                })?;
                TDate::parse(text).map_err(|_| CborError::InvalidValue { context: "tdate" })
            }
            _ => Err(CborError::TypeMismatch {
                context: "tdate",
                expected: "tag 0",
            }),
        }
    }
}

impl ToCbor for TDate {
    fn to_cbor(&self) -> Value {
        Value::Tag(0, Box::new(Value::Text(self.text.clone())))
    }
}

/// A full-date (RFC 8943, tag 1004): a calendar date `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FullDate {
    year: i64,
    month: u8,
    day: u8,
}

impl FullDate {
    /// The date `year-month-day`, if it exists in the proleptic Gregorian calendar.
    pub fn new(year: i64, month: u8, day: u8) -> Result<Self, TimeError> {
        if !(0..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(TimeError::Range);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(TimeError::Range);
        }
        Ok(FullDate { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let b = text.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(TimeError::Format);
        }
        let year = digits(b, 0, 4)?;
        let month = digits(b, 5, 2)?;
        let day = digits(b, 8, 2)?;
        FullDate::new(year, month as u8, day as u8)
    }

    /// The year.
    pub fn year(self) -> i64 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Midnight UTC at the start of this date.
    pub fn start(self) -> Timestamp {
        Timestamp(days_from_civil(self.year, self.month, self.day) * 86_400)
    }

    /// Whole years from this date to `on` (an age when this is a birth date); negative if
    /// `on` is earlier.
    pub fn years_until(self, on: FullDate) -> i64 {
        let mut years = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            years -= 1;
        }
        years
    }
}

impl std::fmt::Display for FullDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Decoding accepts tag 1004 and, leniently, an untagged text: issuers in the field send both
/// for full-date elements, and the text is validated either way.
impl FromCbor for FullDate {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let text = match value {
            Value::Tag(1004, inner) => inner.as_text(),
            Value::Text(t) => Some(t.as_str()),
            _ => None,
        }
        .ok_or(CborError::TypeMismatch {
            context: "full-date",
            expected: "tag 1004 tstr",
        })?;
        FullDate::parse(text).map_err(|_| CborError::InvalidValue {
            context: "full-date",
        })
    }
}

impl ToCbor for FullDate {
    fn to_cbor(&self) -> Value {
        Value::Tag(1004, Box::new(Value::Text(self.to_string())))
    }
}

fn digits(b: &[u8], start: usize, len: usize) -> Result<i64, TimeError> {
    let slice = b.get(start..start + len).ok_or(TimeError::Format)?;
    slice.iter().try_fold(0i64, |acc, c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + i64::from(c - b'0'))
        } else {
            Err(TimeError::Format)
        }
    })
}

fn parse_date_time(text: &str) -> Result<Timestamp, TimeError> {
    let b = text.as_bytes();
    if b.len() < 20 || b.len() > 64 {
        return Err(TimeError::Format);
    }
    let date = FullDate::parse(text.get(..10).ok_or(TimeError::Format)?)?;
    if !matches!(b.get(10), Some(b'T' | b't'))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return Err(TimeError::Format);
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    // Leap seconds (60) are accepted and counted as the last second of the minute.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeError::Range);
    }
    let mut pos = 19;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if pos == start {
            return Err(TimeError::Format);
        }
    }
    let offset = match b.get(pos) {
        Some(b'Z' | b'z') if pos + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if pos + 6 == b.len() && b.get(pos + 3) == Some(&b':') => {
            let (oh, om) = (digits(b, pos + 1, 2)?, digits(b, pos + 4, 2)?);
            if oh > 23 || om > 59 {
                return Err(TimeError::Range);
            }
            let minutes = oh * 60 + om;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return Err(TimeError::Format),
    };
    let seconds = date.start().0 + hour * 3600 + minute * 60 + second.min(59) - offset * 60;
    Ok(Timestamp(seconds))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_date_times() {
        let t = Timestamp::parse_rfc3339("2021-01-01T00:00:00Z").unwrap();
        assert_eq!(t.unix_seconds(), 1_609_459_200);
        assert_eq!(t.to_rfc3339(), "2021-01-01T00:00:00Z");
        let offset = Timestamp::parse_rfc3339("2021-01-01T01:30:00.123+01:30").unwrap();
        assert_eq!(offset, t);
        assert_eq!(
            Timestamp::parse_rfc3339("2020-10-01T13:30:02Z")
                .unwrap()
                .to_rfc3339(),
            "2020-10-01T13:30:02Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(-1).to_rfc3339(),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2000-02-29T23:59:60Z")
                .unwrap()
                .date()
                .to_string(),
            "2000-02-29"
        );
    }

    #[test]
    fn tdates_take_only_the_form_iso_18013_5_allows() {
        let ok = TDate::parse("2021-01-01T00:00:00Z").unwrap();
        assert_eq!(ok.instant().unix_seconds(), 1_609_459_200);
        for forbidden in [
            "2021-01-01T00:00:00.5Z",
            "2021-01-01T00:00:00.000Z",
            "2021-01-01T01:00:00+01:00",
            "2021-01-01T00:00:00-00:00",
            "2021-01-01t00:00:00Z",
            "2021-01-01T00:00:00z",
        ] {
            assert_eq!(
                TDate::parse(forbidden),
                Err(TimeError::TdateForm),
                "{forbidden}"
            );
            // Other RFC 3339 date-times (the verifier's --at, say) stay accepted.
            assert!(Timestamp::parse_rfc3339(forbidden).is_ok(), "{forbidden}");
            let tagged = Value::Tag(0, Box::new(Value::Text(forbidden.to_owned())));
            assert!(TDate::from_cbor(&tagged).is_err(), "{forbidden}");
        }
        assert!(TDate::parse("2021-02-29T00:00:00Z").is_err());
    }

    #[test]
    fn refuses_bad_date_times() {
        for bad in [
            "",
            "2021-01-01",
            "2021-01-01 00:00:00Z",
            "2021-01-01T00:00:00",
            "2021-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2021-01-01T24:00:00Z",
            "2021-01-01T00:00:00.Z",
            "2021-01-01T00:00:00+0100",
            "2021-01-01T00:00:00Zjunk",
            "２０２１-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn full_dates_validate_the_calendar() {
        assert!(FullDate::parse("2024-02-29").is_ok());
        assert_eq!(FullDate::parse("2023-02-29"), Err(TimeError::Range));
        assert_eq!(FullDate::parse("1900-02-29"), Err(TimeError::Range));
        assert_eq!(FullDate::parse("2023-2-28"), Err(TimeError::Format));
        assert_eq!(FullDate::parse("2023-04-31"), Err(TimeError::Range));
        let birth = FullDate::parse("2000-06-15").unwrap();
        assert_eq!(
            birth.years_until(FullDate::parse("2018-06-14").unwrap()),
            17
        );
        assert_eq!(
            birth.years_until(FullDate::parse("2018-06-15").unwrap()),
            18
        );
        for days in [-800_000i64, -1, 0, 59, 365, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn cbor_forms() {
        let tdate = TDate::new(Timestamp::from_unix_seconds(1_609_459_200));
        assert_eq!(TDate::from_cbor(&tdate.to_cbor()), Ok(tdate));
        let date = FullDate::new(1990, 1, 31).unwrap();
        assert_eq!(FullDate::from_cbor(&date.to_cbor()), Ok(date));
        assert_eq!(FullDate::from_cbor(&Value::text("1990-01-31")), Ok(date));
        assert!(FullDate::from_cbor(&Value::Unsigned(1)).is_err());
        assert!(TDate::from_cbor(&Value::text("2021-01-01T00:00:00Z")).is_err());
    }
}

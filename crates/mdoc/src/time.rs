//! Points in time as ISO 18013-5 writes them: [`Timestamp`] (an instant), [`TDate`] (tag 0
//! date-time) and [`FullDate`] (tag 1004 full-date). This crate has no clock: callers pass the
//! current time in (see [`crate::clock`]).
//!
//! Calendar arithmetic comes from the `time` crate (`Date`, `Time`, `UtcOffset`, the UNIX
//! count): month lengths, leap years and offsets are its job. This module checks only the text's
//! shape, byte by byte, and the rules ISO 18013-5 sets on top of RFC 3339 (tdate exactly
//! `YYYY-MM-DDTHH:MM:SSZ`, full-date exactly `YYYY-MM-DD`, a `T` separator). The shape check is
//! written here rather than taken from `time`'s `parsing` feature: its generic format-description
//! parser cost 20 KB of the shipped library for four fixed-width fields, and it accepts any byte
//! as the date/time separator. `der`'s `DateTime` does not serve: it starts at 1970, and birth
//! dates do not.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

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

    /// Formats as `YYYY-MM-DDTHH:MM:SSZ`, the form ISO 18013-5 requires for tdate. Instants
    /// beyond the years -9999 to 9999 are written as the nearest of those bounds.
    pub fn to_rfc3339(self) -> String {
        let utc = self.utc();
        let (date, time) = (utc.date(), utc.time());
        format!(
            "{}T{:02}:{:02}:{:02}Z",
            FullDate(date),
            time.hour(),
            time.minute(),
            time.second()
        )
    }

    /// The calendar date (UTC) of this instant.
    pub fn date(self) -> FullDate {
        FullDate(self.utc().date())
    }

    fn utc(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0).unwrap_or(if self.0 < 0 {
            PrimitiveDateTime::MIN.assume_utc()
        } else {
            PrimitiveDateTime::MAX.assume_utc()
        })
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
pub struct FullDate(Date);

impl FullDate {
    /// The date `year-month-day`, if it exists in the proleptic Gregorian calendar.
    pub fn new(year: i64, month: u8, day: u8) -> Result<Self, TimeError> {
        if !(0..=9999).contains(&year) {
            return Err(TimeError::Range);
        }
        let year = i32::try_from(year).map_err(|_| TimeError::Range)?;
        let month = Month::try_from(month).map_err(|_| TimeError::Range)?;
        Date::from_calendar_date(year, month, day)
            .map(FullDate)
            .map_err(|_| TimeError::Range)
    }

    /// Parses `YYYY-MM-DD`: exactly that shape (no sign, no week or ordinal date) or
    /// [`TimeError::Format`]; a date the calendar does not have is [`TimeError::Range`].
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        parse_full_date(text.as_bytes())
    }

    /// The year.
    pub fn year(self) -> i64 {
        i64::from(self.0.year())
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        u8::from(self.0.month())
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.0.day()
    }

    /// Midnight UTC at the start of this date.
    pub fn start(self) -> Timestamp {
        Timestamp(self.0.midnight().assume_utc().unix_timestamp())
    }

    /// Whole years from this date to `on` (an age when this is a birth date); negative if
    /// `on` is earlier.
    pub fn years_until(self, on: FullDate) -> i64 {
        let mut years = on.year() - self.year();
        if (on.month(), on.day()) < (self.month(), self.day()) {
            years -= 1;
        }
        years
    }
}

impl std::fmt::Display for FullDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
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

/// `YYYY-MM-DD` exactly (RFC 3339 `full-date`), the calendar checked by `time`.
fn parse_full_date(b: &[u8]) -> Result<FullDate, TimeError> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *b else {
        return Err(TimeError::Format);
    };
    let year = number(&[y0, y1, y2, y3])?;
    FullDate::new(
        i64::from(year),
        number(&[m0, m1])? as u8,
        number(&[d0, d1])? as u8,
    )
}

/// The value of up to four ASCII digits, or [`TimeError::Format`].
fn number(digits: &[u8]) -> Result<u16, TimeError> {
    digits.iter().try_fold(0, |n, d| match d {
        b'0'..=b'9' => Ok(n * 10 + u16::from(d - b'0')),
        _ => Err(TimeError::Format),
    })
}

/// RFC 3339 `date-time`: `full-date`, `T` (or `t`; ISO 8601 takes no other separator),
/// `HH:MM:SS`, an optional fraction (dropped, not rounded) and `Z` or `±HH:MM`.
/// A leap second (`:60`) is accepted where one can occur (the last second of a month, UTC) and
/// counted as the preceding second.
fn parse_date_time(text: &str) -> Result<Timestamp, TimeError> {
    let b = text.as_bytes();
    if b.len() > 64 {
        return Err(TimeError::Format);
    }
    let (date, rest) = b.split_at_checked(10).ok_or(TimeError::Format)?;
    let [b'T' | b't', h0, h1, b':', m0, m1, b':', s0, s1, rest @ ..] = rest else {
        return Err(TimeError::Format);
    };
    let date = parse_full_date(date)?;
    let (hour, minute, second) = (
        number(&[*h0, *h1])?,
        number(&[*m0, *m1])?,
        number(&[*s0, *s1])?,
    );
    let rest = match rest.strip_prefix(b".") {
        Some(fraction) => {
            let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            match fraction.split_at_checked(len) {
                Some((_, rest)) if len > 0 => rest,
                _ => return Err(TimeError::Format),
            }
        }
        None => rest,
    };
    let offset = match *rest {
        [b'Z' | b'z'] => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let (hours, minutes) = (number(&[h0, h1])?, number(&[m0, m1])?);
            if hours > 23 || minutes > 59 {
                return Err(TimeError::Range);
            }
            let sign = if sign == b'-' { -1 } else { 1 };
            UtcOffset::from_hms(sign * hours as i8, sign * minutes as i8, 0)
                .map_err(|_| TimeError::Range)?
        }
        _ => return Err(TimeError::Format),
    };
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeError::Range);
    }
    let time = Time::from_hms(hour as u8, minute as u8, second.min(59) as u8)
        .map_err(|_| TimeError::Range)?;
    let instant = PrimitiveDateTime::new(date.0, time)
        .assume_offset(offset)
        .unix_timestamp();
    if second == 60 {
        let utc = OffsetDateTime::from_unix_timestamp(instant).map_err(|_| TimeError::Range)?;
        let last_of_month = utc.date().next_day().is_none_or(|next| next.day() == 1);
        if (utc.hour(), utc.minute()) != (23, 59) || !last_of_month {
            return Err(TimeError::Range);
        }
    }
    Ok(Timestamp(instant))
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
            "2021-01-01T00:00:00+01:00x",
            "2021-01-01T0a:00:00Z",
            "2021-01-01T00-00:00Z",
            "2021-01-01T00:00:61Z",
            "2021-01-01T00:00:00+24:00",
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
            let midnight = Timestamp::from_unix_seconds(days * 86_400);
            assert_eq!(midnight.date().start(), midnight);
            assert_eq!(midnight.plus_seconds(86_399).date(), midnight.date());
        }
    }

    #[test]
    fn the_rfc_3339_rules_that_matter_here() {
        // RFC 3339 §5.6 allows another separator; ISO 8601 and this crate take T (or t) only.
        for separator in [" ", "_", "x"] {
            let text = format!("2021-01-01{separator}00:00:00Z");
            assert_eq!(Timestamp::parse_rfc3339(&text), Err(TimeError::Format));
        }
        // A leap second only where one can be: the last second of a month, UTC.
        assert!(Timestamp::parse_rfc3339("2016-12-31T23:59:60Z").is_ok());
        assert!(Timestamp::parse_rfc3339("2017-01-01T00:59:60+01:00").is_ok());
        assert_eq!(
            Timestamp::parse_rfc3339("2016-12-30T23:59:60Z"),
            Err(TimeError::Range)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2021-13-01T00:00:00Z"),
            Err(TimeError::Range)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2021-01-01T00:00:00+01:60"),
            Err(TimeError::Range)
        );
        // Fractions are dropped, not rounded.
        assert_eq!(
            Timestamp::parse_rfc3339("2021-01-01T00:00:00.999999999999Z")
                .unwrap()
                .unix_seconds(),
            1_609_459_200
        );
        // Full-dates: no sign, no week or ordinal forms, month 13 is out of range.
        for bad in [
            "+2021-01-01",
            "2021-W01-1",
            "2021-001",
            "20210101",
            "2021-01-1 ",
        ] {
            assert_eq!(FullDate::parse(bad), Err(TimeError::Format), "{bad}");
        }
        assert_eq!(FullDate::parse("2021-13-01"), Err(TimeError::Range));
        assert_eq!(FullDate::parse("2021-00-01"), Err(TimeError::Range));
        assert_eq!(FullDate::parse("2021-01-00"), Err(TimeError::Range));
        assert_eq!(FullDate::new(10_000, 1, 1), Err(TimeError::Range));
        assert_eq!(FullDate::new(-1, 1, 1), Err(TimeError::Range));
        // Instants outside what the calendar holds are written at its bounds, never panic.
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MAX).to_rfc3339(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MIN).date().to_string(),
            "-9999-01-01"
        );
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

//! Time as slacredit counts it: UTC instants in whole seconds, durations in seconds, periods.

mod calendar;
mod duration;
mod intervals;
mod opening_table;
mod period;
mod timestamp;

pub use calendar::{BusinessCalendar, Calendar, local_date, parse_days, parse_interval};
pub use duration::{
    MAX_DURATION, check_duration_bound, format_duration, format_on_calendar,
    parse_bounded_duration, parse_duration,
};
pub use intervals::{merge_intervals, subtract};
pub use period::{Period, PeriodKind, PeriodRange, PeriodSpec};
pub use timestamp::{AmbiguousPolicy, TimestampError, TimestampFormat};

/// Seconds since 1970-01-01T00:00:00Z. Every instant inside the calculation is one of these.
pub type Instant = i64;

/// A length of time in whole seconds.
pub type Seconds = i64;

/// The first year a contract's dates (effective dates, holidays, dated maintenance windows) may
/// fall in. Together with [`LAST_YEAR`] and [`MAX_DURATION`] it bounds every look-back: no run
/// computes periods before 1900.
pub const FIRST_YEAR: i32 = 1900;

/// The last year a contract's dates may fall in: dates stay four-digit years, as periods do.
pub const LAST_YEAR: i32 = 9999;

/// `date` (written `text`) when its year is within [`FIRST_YEAR`]..=[`LAST_YEAR`]; an error
/// naming the bound otherwise.
pub fn check_date_bound(text: &str, date: chrono::NaiveDate) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike as _;
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "`{text}` is outside the years {FIRST_YEAR} to {LAST_YEAR}, the dates slacredit accepts"
        ))
    }
}

/// Serializes an instant as [`format_instant`] writes it: for `#[serde(serialize_with)]` on the
/// typed instants of the report model.
pub fn serialize_instant<S: serde::Serializer>(
    instant: &Instant,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(InstantText::new(*instant).as_str())
}

/// Renders an instant as RFC 3339 in UTC, e.g. `2026-10-01T08:00:00Z`.
pub fn format_instant(instant: Instant) -> String {
    match InstantText::new(instant) {
        InstantText::Other(text) => text,
        short @ InstantText::FourDigitYear(_) => short.as_str().to_owned(),
    }
}

/// An instant's RFC 3339 text as [`format_instant`] writes it, held on the stack for years 0000
/// to 9999 (every instant a report meets in practice): a report writes two per breach row, and a
/// heap string each cost about a tenth of the JSON writing.
pub enum InstantText {
    /// `YYYY-MM-DDTHH:MM:SSZ`, ASCII.
    FourDigitYear([u8; 20]),
    /// Any other year, as chrono writes it (or `@seconds` past chrono's range).
    Other(String),
}

impl InstantText {
    /// The text of `instant`.
    pub fn new(instant: Instant) -> Self {
        if let Some(text) = timestamp::format_four_digit_year(instant) {
            return Self::FourDigitYear(text);
        }
        Self::Other(chrono::DateTime::from_timestamp(instant, 0).map_or_else(
            || format!("@{instant}"),
            |moment| moment.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ))
    }

    /// The text.
    ///
    /// # Panics
    ///
    /// Never: the four-digit-year form holds digits and punctuation only.
    pub fn as_str(&self) -> &str {
        match self {
            Self::FourDigitYear(bytes) => {
                std::str::from_utf8(bytes).expect("the four-digit-year format writes ASCII")
            }
            Self::Other(text) => text,
        }
    }
}

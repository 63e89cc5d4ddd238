//! Contract periods: calendar months or quarters in the contract's time zone, as UTC instants
//! `[start, end)`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::Instant;

/// How long a contract's periods are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum PeriodKind {
    /// Calendar months (the default).
    #[default]
    Month,
    /// Calendar quarters: January–March, April–June, July–September, October–December.
    Quarter,
}

impl PeriodKind {
    /// Months in one period.
    pub fn months(self) -> u32 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
        }
    }

    /// The contract keyword.
    pub fn name(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }
}

/// A period as the user names it on the command line: `2026-10` or `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeriodSpec {
    /// Calendar year (four digits).
    year: i32,
    /// First month 1–12 (1, 4, 7 or 10 for a quarter); private so that every `PeriodSpec` holds a
    /// valid month.
    month: u32,
    /// Month or quarter.
    kind: PeriodKind,
}

impl FromStr for PeriodSpec {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "`{text}` is not a period (write a month like `2026-10` or a quarter like `2026-Q4`)"
            )
        };
        let (year, rest) = text.trim().split_once('-').ok_or_else(invalid)?;
        if year.len() != 4 || !year.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let (month, kind) = match rest.as_bytes() {
            [b'Q' | b'q', quarter @ b'1'..=b'4'] => {
                (u32::from(quarter - b'0') * 3 - 2, PeriodKind::Quarter)
            }
            [tens @ b'0'..=b'1', ones @ b'0'..=b'9'] => (
                u32::from(tens - b'0') * 10 + u32::from(ones - b'0'),
                PeriodKind::Month,
            ),
            _ => return Err(invalid()),
        };
        if !(1..=12).contains(&month) {
            return Err(invalid());
        }
        Ok(Self { year, month, kind })
    }
}

impl fmt::Display for PeriodSpec {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(formatter, "{:04}-{:02}", self.year, self.month),
            PeriodKind::Quarter => {
                write!(formatter, "{:04}-Q{}", self.year, self.month.div_ceil(3))
            }
        }
    }
}

impl PeriodSpec {
    /// The month or quarter that contains `date`.
    pub fn containing(date: NaiveDate, kind: PeriodKind) -> Self {
        let month = date.month();
        let first_month = match kind {
            PeriodKind::Month => month,
            PeriodKind::Quarter => (month - 1) / 3 * 3 + 1,
        };
        Self {
            year: date.year(),
            month: first_month,
            kind,
        }
    }

    /// Month or quarter.
    pub fn kind(self) -> PeriodKind {
        self.kind
    }

    /// The first day of the period.
    ///
    /// # Panics
    /// Never: a `PeriodSpec` is only made by parsing, which checks the month and the year.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("month 1-12 was checked on parse")
    }

    /// The first day after the period.
    ///
    /// # Panics
    /// Never, as for [`PeriodSpec::first_day`].
    pub fn next_first_day(self) -> NaiveDate {
        let months = self.month - 1 + self.kind.months();
        NaiveDate::from_ymd_opt(self.year + (months / 12) as i32, months % 12 + 1, 1)
            .expect("month 1-12 is a valid date")
    }

    /// The period `count` periods later (earlier when negative), of the same kind.
    ///
    /// # Panics
    /// Never for years a contract can name: the year stays within `i32`.
    #[must_use]
    pub fn shifted(self, count: i32) -> Self {
        let months = self.year * 12 + self.month as i32 - 1 + count * self.kind.months() as i32;
        Self {
            year: months.div_euclid(12),
            month: months.rem_euclid(12) as u32 + 1,
            kind: self.kind,
        }
    }

    /// How many periods of this kind from `earlier` to `self` (negative when `earlier` is later).
    pub fn periods_since(self, earlier: Self) -> i32 {
        let months = (self.year - earlier.year) * 12 + self.month as i32 - earlier.month as i32;
        months / self.kind.months() as i32
    }

    /// This period in `zone`: from local midnight of its first day to local midnight of the next
    /// month's first day.
    pub fn in_zone(self, zone: Tz) -> Period {
        Period {
            spec: self,
            start: local_midnight(zone, self.first_day()),
            end: local_midnight(zone, self.next_first_day()),
        }
    }
}

/// Consecutive periods of one kind, `from` to `to` inclusive, as `--from`/`--to` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodRange {
    /// The first period.
    pub from: PeriodSpec,
    /// The last period (inclusive).
    pub to: PeriodSpec,
}

impl PeriodRange {
    /// A range of one period.
    pub fn single(spec: PeriodSpec) -> Self {
        Self {
            from: spec,
            to: spec,
        }
    }

    /// A range from `from` to `to`; both of one kind, `from` not after `to`.
    pub fn new(from: PeriodSpec, to: PeriodSpec) -> Result<Self, String> {
        if from.kind != to.kind {
            return Err(format!(
                "--from {from} and --to {to} are not the same kind of period (both months or both quarters)"
            ));
        }
        if to < from {
            return Err(format!("--to {to} is before --from {from}"));
        }
        Ok(Self { from, to })
    }

    /// Month or quarter.
    pub fn kind(self) -> PeriodKind {
        self.from.kind
    }

    /// Whether `spec` is one of the range's periods.
    pub fn contains(self, spec: PeriodSpec) -> bool {
        spec.kind == self.from.kind && self.from <= spec && spec <= self.to
    }

    /// The periods in order.
    pub fn periods(self) -> impl Iterator<Item = PeriodSpec> {
        (0..=self.to.periods_since(self.from)).map(move |count| self.from.shifted(count))
    }
}

impl FromStr for PeriodRange {
    type Err = String;
    /// `2026-10` (one period) or `2026-08..2026-10`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text.split_once("..") {
            Some((from, to)) => Self::new(from.parse()?, to.parse()?),
            None => text.parse().map(Self::single),
        }
    }
}

impl fmt::Display for PeriodRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(formatter, "{}", self.from)
        } else {
            write!(formatter, "{}..{}", self.from, self.to)
        }
    }
}

/// One period of a contract: the half-open interval `[start, end)` of UTC seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The month it stands for.
    pub spec: PeriodSpec,
    /// First instant inside the period (local midnight of the first day).
    pub start: Instant,
    /// First instant after the period.
    pub end: Instant,
}

impl Period {
    /// Length in seconds (a November in `America/New_York` has 721 hours).
    pub fn seconds(self) -> i64 {
        self.end - self.start
    }

    /// Whether `instant` lies in `[start, end)`.
    pub fn contains(self, instant: Instant) -> bool {
        (self.start..self.end).contains(&instant)
    }
}

/// The instant of local midnight on `date`. Where midnight does not exist (a DST jump at 00:00,
/// as in some American zones) the day starts at the first local time that does; where it occurs
/// twice, at the earlier one.
pub fn local_midnight(zone: Tz, date: NaiveDate) -> Instant {
    let midnight: NaiveDateTime = date.and_hms_opt(0, 0, 0).expect("00:00:00 is a valid time");
    (0..=180)
        .find_map(|minutes| {
            zone.from_local_datetime(&(midnight + chrono::Duration::minutes(minutes)))
                .earliest()
        })
        .map_or_else(
            || midnight.and_utc().timestamp(),
            |moment| moment.timestamp(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> PeriodSpec {
        text.parse().expect("test period is valid")
    }

    #[test]
    fn a_utc_month_is_its_days_times_24_hours() {
        // September 2026 has 30 days: 30 × 86,400 = 2,592,000 s.
        assert_eq!(
            month("2026-09").in_zone(chrono_tz::UTC).seconds(),
            2_592_000
        );
    }

    #[test]
    fn dst_months_have_an_hour_more_or_less() {
        // Berlin springs forward on 2026-03-29: 31 × 24 − 1 = 743 h.
        assert_eq!(
            month("2026-03")
                .in_zone(chrono_tz::Europe::Berlin)
                .seconds(),
            743 * 3_600
        );
        // ... and falls back on 2026-10-25: 31 × 24 + 1 = 745 h.
        assert_eq!(
            month("2026-10")
                .in_zone(chrono_tz::Europe::Berlin)
                .seconds(),
            745 * 3_600
        );
        // New York falls back on 2026-11-01: 30 × 24 + 1 = 721 h.
        assert_eq!(
            month("2026-11")
                .in_zone(chrono_tz::America::New_York)
                .seconds(),
            721 * 3_600
        );
        // A month without a change is plain: July has 31 × 24 = 744 h.
        assert_eq!(
            month("2026-07")
                .in_zone(chrono_tz::Europe::Berlin)
                .seconds(),
            744 * 3_600
        );
    }

    #[test]
    fn a_month_starts_at_local_midnight() {
        // 2026-10-01 00:00 in Berlin (CEST, UTC+2) is 2026-09-30T22:00:00Z.
        let period = month("2026-10").in_zone(chrono_tz::Europe::Berlin);
        assert_eq!(
            super::super::format_instant(period.start),
            "2026-09-30T22:00:00Z"
        );
        // 2026-11-01 00:00 in Berlin (CET, UTC+1) is 2026-10-31T23:00:00Z.
        assert_eq!(
            super::super::format_instant(period.end),
            "2026-10-31T23:00:00Z"
        );
    }

    #[test]
    fn a_quarter_is_three_months() {
        // Q1 2026 in UTC: 31 + 28 + 31 = 90 days = 7,776,000 s.
        let q1: PeriodSpec = "2026-Q1".parse().expect("valid quarter");
        assert_eq!(q1.in_zone(chrono_tz::UTC).seconds(), 7_776_000);
        assert_eq!(q1.to_string(), "2026-Q1");
        // Q4 runs into the next year: 1 October to 1 January.
        let q4: PeriodSpec = "2026-Q4".parse().expect("valid quarter");
        assert_eq!(q4.next_first_day().to_string(), "2027-01-01");
        assert_eq!(
            "2026-12"
                .parse::<PeriodSpec>()
                .expect("month")
                .next_first_day()
                .to_string(),
            "2027-01-01"
        );
    }

    #[test]
    fn periods_shift_across_years() {
        // Three months before 2026-02 is 2025-11; a quarter after 2026-Q4 is 2027-Q1.
        assert_eq!(month("2026-02").shifted(-3), month("2025-11"));
        assert_eq!(month("2026-Q4").shifted(1), month("2027-Q1"));
        assert_eq!(month("2026-10").periods_since(month("2025-11")), 11);
        let range = PeriodRange::new(month("2026-11"), month("2027-02")).expect("valid range");
        let names: Vec<String> = range.periods().map(|spec| spec.to_string()).collect();
        assert_eq!(names, ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert!(PeriodRange::new(month("2026-10"), month("2026-09")).is_err());
        assert!(PeriodRange::new(month("2026-10"), month("2026-Q4")).is_err());
    }

    #[test]
    fn malformed_periods_are_refused() {
        for text in [
            "2026", "2026-13", "2026-00", "26-10", "2026-1", "2026-Q5", "2026-Q0", "+999-01",
            "october",
        ] {
            assert!(
                text.parse::<PeriodSpec>().is_err(),
                "{text} should be refused"
            );
        }
    }
}

//! Timestamps in incident exports: RFC 3339 with an offset, or a declared format in a time zone.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::Instant;

/// What to do with a local time that occurs twice (the hour repeated when clocks fall back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmbiguousPolicy {
    /// Reject the row: the export does not say which of the two instants it means.
    #[default]
    Reject,
    /// Take the first occurrence (still on summer time).
    Earliest,
    /// Take the second occurrence (already on standard time).
    Latest,
}

/// Wall-time layouts exports are often written in, tried in this order to suggest a
/// `timestamps.format` for a cell that is not RFC 3339 (day before month where both read).
const COMMON_PATTERNS: [&str; 10] = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d-%m-%Y %H:%M",
];

/// How one export writes its timestamps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TimestampFormat {
    /// RFC 3339 with an offset: `2026-10-01T08:00:00+02:00` or `...Z`.
    #[default]
    Rfc3339,
    /// A strftime pattern of local wall time, read in `zone`.
    Local {
        /// The chrono strftime pattern, e.g. `%d/%m/%Y %H:%M`.
        pattern: String,
        /// The zone the wall times are in.
        zone: Tz,
        /// The policy for repeated local times.
        ambiguous: AmbiguousPolicy,
    },
}

/// Why a timestamp cell was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The text does not fit the format.
    #[error("not a timestamp in the expected format ({expected})")]
    Malformed {
        /// What the format wants, for the message.
        expected: String,
    },
    /// The local time falls in a daylight-saving gap.
    #[error("local time does not exist in {zone} (skipped by a daylight-saving change)")]
    Nonexistent {
        /// The zone.
        zone: Tz,
    },
    /// The local time occurs twice and no policy says which one is meant.
    #[error(
        "local time is ambiguous in {zone} (it occurs twice when clocks go back); declare `ambiguous: earliest` or `latest` in the source mapping"
    )]
    Ambiguous {
        /// The zone.
        zone: Tz,
    },
}

impl TimestampFormat {
    /// Parses one cell to a UTC instant in whole seconds. Fractions of a second are dropped:
    /// ticketing tools record to the second and targets are stated in minutes.
    pub fn parse(&self, text: &str) -> Result<Instant, TimestampError> {
        let text = text.trim();
        match self {
            Self::Rfc3339 => parse_canonical_rfc3339(text.as_bytes())
                .map_or_else(
                    || DateTime::parse_from_rfc3339(text).map(|moment| moment.timestamp()),
                    Ok,
                )
                .map_err(|_| TimestampError::Malformed {
                    expected: "RFC 3339 with an offset, like 2026-10-01T08:00:00+02:00".to_owned(),
                }),
            Self::Local {
                pattern,
                zone,
                ambiguous,
            } => {
                let local = NaiveDateTime::parse_from_str(text, pattern).map_err(|_| {
                    TimestampError::Malformed {
                        expected: format!("`{pattern}` in {zone}"),
                    }
                })?;
                match (zone.from_local_datetime(&local), ambiguous) {
                    (LocalResult::Single(moment), _)
                    | (LocalResult::Ambiguous(moment, _), AmbiguousPolicy::Earliest)
                    | (LocalResult::Ambiguous(_, moment), AmbiguousPolicy::Latest) => {
                        Ok(moment.timestamp())
                    }
                    (LocalResult::Ambiguous(..), AmbiguousPolicy::Reject) => {
                        Err(TimestampError::Ambiguous { zone: *zone })
                    }
                    (LocalResult::None, _) => Err(TimestampError::Nonexistent { zone: *zone }),
                }
            }
        }
    }

    /// What to write in a mapping file so that `text`, rejected as RFC 3339, is read: the
    /// `timestamps` block with the first common pattern that reads it (and a second one when
    /// the text reads both ways, day or month first). `None` for a declared pattern: its own
    /// message names it.
    pub fn hint(&self, text: &str) -> Option<String> {
        if !matches!(self, Self::Rfc3339) {
            return None;
        }
        let text = text.trim();
        let mut fitting = COMMON_PATTERNS
            .iter()
            .filter(|pattern| NaiveDateTime::parse_from_str(text, pattern).is_ok());
        let suggestion = match (fitting.next(), fitting.next()) {
            (Some(first), Some(second)) => format!(
                "`timestamps: {{ format: \"{first}\", timezone: <the zone of these times> }}` (or `{second}` if the month comes first)"
            ),
            (Some(first), None) => {
                format!(
                    "`timestamps: {{ format: \"{first}\", timezone: <the zone of these times> }}`"
                )
            }
            (None, _) => {
                "`timestamps: { format: <a strftime pattern>, timezone: <a zone> }`".to_owned()
            }
        };
        Some(format!(
            "; if the export writes its times another way, declare it in a mapping file: {suggestion} (docs/sources.md)"
        ))
    }

    /// The fast path alone, on raw bytes: `Some` for a canonical RFC 3339 instant, `None` when
    /// [`TimestampFormat::parse`] must decide.
    pub fn parse_fast(&self, bytes: &[u8]) -> Option<Instant> {
        match self {
            Self::Rfc3339 => parse_canonical_rfc3339(bytes),
            Self::Local { .. } => None,
        }
    }
}

/// The common shape `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` in integer arithmetic, about ten times
/// faster than the general parser on million-row exports. Anything else, including a leap second,
/// returns `None` and goes to chrono, which then decides and explains.
fn parse_canonical_rfc3339(bytes: &[u8]) -> Option<Instant> {
    /// Two ASCII digits at `at` as a number.
    fn two(bytes: &[u8], at: usize) -> Option<i64> {
        let (tens, ones) = (
            bytes[at].wrapping_sub(b'0'),
            bytes[at + 1].wrapping_sub(b'0'),
        );
        (tens < 10 && ones < 10).then(|| i64::from(tens * 10 + ones))
    }
    let (head, rest) = bytes.split_first_chunk::<19>()?;
    let (date, clock) = (head.first_chunk::<8>()?, head.last_chunk::<8>()?);
    let date = DATE.pairs(*date)?;
    let clock = CLOCK.pairs(*clock)?;
    let day = two(head, 8)?;
    if !matches!(head[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month) = (pair(date, 0) * 100 + pair(date, 2), pair(date, 5));
    let (hour, minute, second) = (pair(clock, 0), pair(clock, 3), pair(clock, 6));
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = rest;
    if let [b'.', fraction @ ..] = rest {
        let places = fraction
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if places == 0 {
            return None;
        }
        rest = &fraction[places..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (offset_hours, offset_minutes) = (two(rest, 1)?, two(rest, 4)?);
            if offset_hours > 23 || offset_minutes > 59 {
                return None;
            }
            let seconds = offset_hours * 3_600 + offset_minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    Some(day_number(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// The first year of [`MONTH_STARTS`].
const TABLE_FROM: i64 = 1970;

/// The day number of the first of each month of the years 1970 to 2099 (6 KB, computed when
/// compiling): most timestamps fall in these years, and a lookup is several times faster than
/// the arithmetic of [`days_from_civil`].
const MONTH_STARTS: [i32; 130 * 12] = {
    let mut starts = [0; 130 * 12];
    let mut index = 0;
    while index < starts.len() {
        let (year, month) = (TABLE_FROM + (index / 12) as i64, (index % 12) as i64 + 1);
        starts[index] = days_from_civil(year, month, 1) as i32;
        index += 1;
    }
    starts
};

/// Days since 1970-01-01 of a valid date.
fn day_number(year: i64, month: i64, day: i64) -> i64 {
    usize::try_from((year - TABLE_FROM) * 12 + month - 1)
        .ok()
        .and_then(|index| MONTH_STARTS.get(index))
        .map_or_else(
            || days_from_civil(year, month, day),
            |start| i64::from(*start) + day - 1,
        )
}

/// Eight bytes of a timestamp: `0` where a digit goes, any other byte a separator that must be
/// there. The eight bytes are checked and combined as one 64-bit word.
struct Layout {
    template: u64,
    /// `0xFF` in the bytes of separators.
    separators: u64,
}

/// `YYYY-MM-` and `HH:MM:SS`.
const DATE: Layout = Layout::of(*b"0000-00-");
const CLOCK: Layout = Layout::of(*b"00:00:00");

impl Layout {
    const fn of(template: [u8; 8]) -> Self {
        let mut separators = [0; 8];
        let mut at = 0;
        while at < 8 {
            if template[at] != b'0' {
                separators[at] = 0xFF;
            }
            at += 1;
        }
        Self {
            template: u64::from_le_bytes(template),
            separators: u64::from_le_bytes(separators),
        }
    }

    /// For each byte, the two-digit number that starts there (meaningful where two digits do;
    /// read with [`pair`]), or `None` when a digit or a separator is not there.
    fn pairs(&self, bytes: [u8; 8]) -> Option<u64> {
        const ABOVE_NINE: u64 = 0x7676_7676_7676_7676;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // A digit becomes its value (0 to 9); a separator that is there becomes 0.
        let values = u64::from_le_bytes(bytes) ^ self.template;
        // A value above 9 sets its byte's high bit once 0x76 is added (values up to 0x7F do
        // not carry into the next byte; larger ones have the bit already).
        if values & self.separators != 0 || (values | values.wrapping_add(ABOVE_NINE)) & HIGH != 0 {
            return None;
        }
        // Each byte times ten plus the next: at most 99, so no byte carries into another.
        Some(values.wrapping_mul(10).wrapping_add(values >> 8))
    }
}

/// The two-digit number at byte `at` of [`Layout::pairs`].
fn pair(pairs: u64, at: u32) -> i64 {
    i64::from((pairs >> (8 * at)) as u8)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Counted from March 1 of year -400, so that every quotient below is of a non-negative
    // number (years from -399 on; the parser gives 0 to 9999).
    let year = year - (month <= 2) as i64 + 400;
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468 - 146_097
}

/// The year, month and day of a day number (days since 1970-01-01): the inverse of
/// [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for an instant in years 0000 to 9999, in integer arithmetic and on the
/// stack (reports write two per breach row); `None` outside them.
pub(super) fn format_four_digit_year(instant: Instant) -> Option<[u8; 20]> {
    let (days, seconds) = (instant.div_euclid(86_400), instant.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    if !(0..=9_999).contains(&year) {
        return None;
    }
    let mut text = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, value: i64| {
        text[at] = b'0' + (value / 10) as u8;
        text[at + 1] = b'0' + (value % 10) as u8;
    };
    put(0, year / 100);
    put(2, year % 100);
    put(5, month);
    put(8, day);
    put(11, seconds / 3_600);
    put(14, seconds / 60 % 60);
    put(17, seconds % 60);
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_instant;

    /// The fast format as text.
    fn four_digit_year(instant: Instant) -> Option<String> {
        format_four_digit_year(instant)
            .map(|bytes| String::from_utf8(bytes.to_vec()).expect("the format writes ASCII"))
    }

    fn berlin(pattern: &str, ambiguous: AmbiguousPolicy) -> TimestampFormat {
        TimestampFormat::Local {
            pattern: pattern.to_owned(),
            zone: chrono_tz::Europe::Berlin,
            ambiguous,
        }
    }

    #[test]
    fn instants_are_written_in_utc() {
        assert_eq!(four_digit_year(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        // 2024-02-29 is day 19,782; 23:59:59 is second 86,399 of it.
        assert_eq!(
            four_digit_year(19_782 * 86_400 + 86_399).as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
        assert_eq!(four_digit_year(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        // Years of five digits, or before year 0, are left to chrono.
        assert_eq!(four_digit_year(253_402_300_800), None);
        assert_eq!(four_digit_year(-62_167_219_201), None);
    }

    #[test]
    fn rfc3339_keeps_the_offset() {
        let instant = TimestampFormat::Rfc3339
            .parse("2026-10-01T10:00:00+02:00")
            .unwrap();
        assert_eq!(format_instant(instant), "2026-10-01T08:00:00Z");
        // Fractions of a second are dropped, not rounded.
        let instant = TimestampFormat::Rfc3339
            .parse("2026-10-01T08:00:00.999Z")
            .unwrap();
        assert_eq!(format_instant(instant), "2026-10-01T08:00:00Z");
        assert!(TimestampFormat::Rfc3339.parse("2026-10-01 08:00").is_err());
    }

    proptest::proptest! {
        #[test]
        fn the_fast_format_agrees_with_chrono(instant in -62_167_219_200_i64..253_402_300_800) {
            // Years 0000 to 9999, as chrono writes them.
            let chrono = chrono::DateTime::from_timestamp(instant, 0)
                .expect("in chrono's range")
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            proptest::prop_assert_eq!(four_digit_year(instant), Some(chrono));
        }

        #[test]
        fn the_fast_path_agrees_with_chrono(
            year in 0_i32..=9999, month in 1_u32..=12, day in 1_u32..=31, hour in 0_u32..=24, minute in 0_u32..=60,
            second in 0_u32..=60, fraction in proptest::option::of("[0-9]{1,9}"), offset in proptest::option::of((0_u32..=24, 0_u32..=60, proptest::bool::ANY)),
            separator in proptest::sample::select(vec!['T', 't', ' ']),
        ) {
            let mut text = format!("{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}");
            if let Some(fraction) = fraction {
                text.push('.');
                text.push_str(&fraction);
            }
            let offset = offset.map_or_else(|| "Z".to_owned(), |(hours, minutes, negative)| {
                format!("{}{hours:02}:{minutes:02}", if negative { '-' } else { '+' })
            });
            text.push_str(&offset);
            let chrono = DateTime::parse_from_rfc3339(&text).map(|moment| moment.timestamp()).ok();
            let fast = parse_canonical_rfc3339(text.as_bytes());
            // The fast path may decline (None) and leave the verdict to chrono, but never disagree.
            if fast.is_some() {
                proptest::prop_assert_eq!(fast, chrono, "{}", text);
            }
            proptest::prop_assert_eq!(TimestampFormat::Rfc3339.parse(&text).ok(), chrono, "{}", text);
        }

        #[test]
        fn the_fast_path_checks_every_byte(at in 0_usize..20, byte in proptest::num::u8::ANY) {
            // One byte of a valid instant replaced by any byte: the digits and separators are
            // checked eight at a time, so a byte just outside `0`-`9` (`/`, `:`) or a lookalike
            // separator must still be refused, and whatever is accepted agrees with chrono.
            let mut bytes = *b"2026-06-15T10:23:45Z";
            bytes[at] = byte;
            let fast = parse_canonical_rfc3339(&bytes);
            if fast.is_some() {
                let text = std::str::from_utf8(&bytes).expect("an ASCII byte, since it was accepted");
                let chrono = DateTime::parse_from_rfc3339(text).map(|moment| moment.timestamp()).ok();
                proptest::prop_assert_eq!(fast, chrono, "{}", text);
            }
        }
    }

    #[test]
    fn the_month_table_agrees_with_the_arithmetic() {
        for year in 1960..2110 {
            for month in 1..=12 {
                for day in [1, 15, days_in_month(year, month)] {
                    assert_eq!(
                        day_number(year, month, day),
                        days_from_civil(year, month, day),
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
        // 2099-12-31 is the table's last day: 47,481 days after 1970-01-01.
        assert_eq!(day_number(2099, 12, 31), 47_481);
    }

    #[test]
    fn the_fast_path_takes_the_common_shapes() {
        // 2026-10-01T10:00:00+02:00 = 08:00Z = 1,790,841,600 s since the epoch.
        assert_eq!(
            parse_canonical_rfc3339(b"2026-10-01T10:00:00+02:00"),
            Some(1_790_841_600)
        );
        assert_eq!(
            parse_canonical_rfc3339(b"2026-10-01T08:00:00Z"),
            Some(1_790_841_600)
        );
        assert_eq!(
            parse_canonical_rfc3339(b"2026-10-01T08:00:00.250Z"),
            Some(1_790_841_600)
        );
        assert_eq!(
            parse_canonical_rfc3339(b"2024-02-29T00:00:00Z"),
            Some(1_709_164_800)
        );
        assert_eq!(parse_canonical_rfc3339(b"2026-02-29T00:00:00Z"), None);
        assert_eq!(parse_canonical_rfc3339(b"2026-10-01T23:59:60Z"), None);
    }

    #[test]
    fn local_times_follow_the_zone() {
        let format = berlin("%d/%m/%Y %H:%M", AmbiguousPolicy::Reject);
        // 5 March is winter time in Berlin (UTC+1): 12:00 local = 11:00 UTC.
        assert_eq!(
            format_instant(format.parse("5/3/2026 12:00").unwrap()),
            "2026-03-05T11:00:00Z"
        );
        // 29 March 2026 02:30 does not exist: clocks jump from 02:00 to 03:00.
        assert!(matches!(
            format.parse("29/3/2026 02:30"),
            Err(TimestampError::Nonexistent { .. })
        ));
        // 25 October 2026 02:30 happens twice: rejected unless a policy says which.
        assert!(matches!(
            format.parse("25/10/2026 02:30"),
            Err(TimestampError::Ambiguous { .. })
        ));
        let earliest = berlin("%d/%m/%Y %H:%M", AmbiguousPolicy::Earliest);
        let latest = berlin("%d/%m/%Y %H:%M", AmbiguousPolicy::Latest);
        // First 02:30 is CEST (UTC+2) = 00:30Z; the second is CET (UTC+1) = 01:30Z.
        assert_eq!(
            format_instant(earliest.parse("25/10/2026 02:30").unwrap()),
            "2026-10-25T00:30:00Z"
        );
        assert_eq!(
            format_instant(latest.parse("25/10/2026 02:30").unwrap()),
            "2026-10-25T01:30:00Z"
        );
    }
}

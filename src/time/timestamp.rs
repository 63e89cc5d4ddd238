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
            Self::Rfc3339 => DateTime::parse_from_rfc3339(text)
                .map(|moment| moment.timestamp())
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

    /// A short description for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Rfc3339 => "RFC 3339".to_owned(),
            Self::Local { pattern, zone, .. } => format!("`{pattern}` in {zone}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_instant;

    fn berlin(pattern: &str, ambiguous: AmbiguousPolicy) -> TimestampFormat {
        TimestampFormat::Local {
            pattern: pattern.to_owned(),
            zone: chrono_tz::Europe::Berlin,
            ambiguous,
        }
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

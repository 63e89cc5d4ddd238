//! Calendars: the clocks targets and availability are measured in. `always` is plain 24x7 time;
//! a business calendar has weekly opening hours in its own time zone, minus holidays.
//!
//! Opening hours are built per local date and converted through the tz database, so a business
//! day keeps its local 08:00–18:00 across a daylight-saving change. A local time that does not
//! exist (the skipped hour) moves to the first one that does. A repeated local time is read as its
//! first occurrence for the start of an interval and its second for the end. Each real instant
//! counts once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::intervals::{merge_intervals, subtract};
use super::{Instant, Seconds};

/// A clock to measure in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Calendar {
    /// Every second counts (24x7).
    Always,
    /// Weekly opening hours minus holidays, in a time zone.
    Business(Box<BusinessCalendar>),
}

/// Weekly opening hours and holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    /// The zone the opening hours are in.
    pub zone: Tz,
    /// Open intervals per weekday (Monday first) as local minutes `[start, end)` after midnight,
    /// sorted and disjoint; `end` may be 1440 (midnight at the end of the day).
    pub weekly: [Vec<(u32, u32)>; 7],
    /// Dates on which the calendar is closed all day.
    pub holidays: BTreeSet<NaiveDate>,
    /// One-off openings on particular dates, as local minutes `[start, end)`, in addition to the
    /// weekly hours (maintenance windows agreed for one night, say).
    pub dated: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
}

/// How far ahead a deadline is searched for before the target is taken as never due: a calendar
/// with opening hours reaches any target long before; one without would loop forever.
const DEADLINE_HORIZON: Seconds = 5 * 366 * 86_400;

impl Calendar {
    /// Whether this is plain 24x7 time.
    pub fn is_always(&self) -> bool {
        matches!(self, Self::Always)
    }

    /// The calendar's open intervals within `[from, to)`, clipped, in time order.
    pub fn open_intervals(&self, from: Instant, to: Instant) -> Vec<(Instant, Instant)> {
        if from >= to {
            return Vec::new();
        }
        match self {
            Self::Always => vec![(from, to)],
            Self::Business(business) => business.open_intervals(from, to),
        }
    }

    /// Calendar time in `[from, to)`: the length of its intersection with the open intervals.
    pub fn time_between(&self, from: Instant, to: Instant) -> Seconds {
        match self {
            Self::Always => (to - from).max(0),
            Self::Business(_) => self
                .open_intervals(from, to)
                .iter()
                .map(|(start, end)| end - start)
                .sum(),
        }
    }

    /// Calendar time in `[from, to)` outside the `paused` intervals (sorted, disjoint).
    pub fn time_between_unpaused(
        &self,
        from: Instant,
        to: Instant,
        paused: &[(Instant, Instant)],
    ) -> Seconds {
        let paused_time: Seconds = paused
            .iter()
            .map(|(start, end)| (*start.max(&from), *end.min(&to)))
            .filter(|(start, end)| start < end)
            .map(|(start, end)| self.time_between(start, end))
            .sum();
        self.time_between(from, to) - paused_time
    }

    /// The instant at which `within` seconds of calendar time, not counting `paused` intervals
    /// (sorted, disjoint), have passed since `from`. `Instant::MAX` when that never happens.
    pub fn deadline(
        &self,
        from: Instant,
        within: Seconds,
        paused: &[(Instant, Instant)],
    ) -> Instant {
        let mut left = within;
        let mut window_start = from;
        // Walk forward a month of calendar at a time.
        while window_start - from < DEADLINE_HORIZON {
            let window_end = window_start + 31 * 86_400;
            for (start, end) in self.open_intervals(window_start, window_end) {
                for (piece_start, piece_end) in subtract(start, end, paused) {
                    let length = piece_end - piece_start;
                    if left <= length {
                        return piece_start + left;
                    }
                    left -= length;
                }
            }
            window_start = window_end;
        }
        Instant::MAX
    }
}

impl BusinessCalendar {
    fn open_intervals(&self, from: Instant, to: Instant) -> Vec<(Instant, Instant)> {
        let first = local_date(self.zone, from) - Days::new(1);
        let last = local_date(self.zone, to) + Days::new(1);
        let mut intervals = Vec::new();
        for date in first.iter_days().take_while(|date| *date <= last) {
            if self.holidays.contains(&date) {
                continue;
            }
            for (start_minute, end_minute) in
                &self.weekly[date.weekday().num_days_from_monday() as usize]
            {
                let start = local_instant(self.zone, date, *start_minute, false).max(from);
                let end = local_instant(self.zone, date, *end_minute, true).min(to);
                if start < end {
                    intervals.push((start, end));
                }
            }
        }
        // Dated openings may overlap the weekly ones: keep the intervals sorted and disjoint.
        merge_intervals(intervals)
    }
}

/// Parses the days of a `weekly` key: `mon`, `mon-fri`, `sat,sun`, `mon-wed,fri`; Monday is 0.
pub fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let invalid =
        || format!("`{text}` is not a day or range of days (write `mon`, `mon-fri` or `sat,sun`)");
    let day = |name: &str| {
        NAMES
            .iter()
            .position(|known| *known == name.trim())
            .ok_or_else(invalid)
    };
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (day(first)?, day(last)?);
                if first > last {
                    return Err(format!(
                        "`{text}` runs backwards; write it from Monday's side, like `mon-fri` or `sat,sun`"
                    ));
                }
                days.extend(first..=last);
            }
            None => days.push(day(part)?),
        }
    }
    Ok(days)
}

/// Parses an opening interval `08:00-12:00` into local minutes `[start, end)`; `24:00` may end one.
pub fn parse_interval(text: &str) -> Result<(u32, u32), String> {
    let invalid =
        || format!("`{text}` is not an interval of local times (write it like `08:00-18:00`)");
    let minute = |time: &str| -> Result<u32, String> {
        let (hours, minutes) = time.trim().split_once(':').ok_or_else(invalid)?;
        if hours.len() != 2 || minutes.len() != 2 {
            return Err(invalid());
        }
        let (hours, minutes): (u32, u32) = (
            hours.parse().map_err(|_| invalid())?,
            minutes.parse().map_err(|_| invalid())?,
        );
        if minutes > 59 || hours > 24 || (hours == 24 && minutes > 0) {
            return Err(invalid());
        }
        Ok(hours * 60 + minutes)
    };
    let (start, end) = text.split_once('-').ok_or_else(invalid)?;
    let (start, end) = (minute(start)?, minute(end)?);
    if end <= start {
        return Err(format!(
            "`{text}` ends before it starts; an interval cannot cross midnight (split it at 24:00)"
        ));
    }
    Ok((start, end))
}

/// The local calendar date of an instant in `zone`.
pub fn local_date(zone: Tz, instant: Instant) -> NaiveDate {
    zone.timestamp_opt(instant, 0)
        .single()
        .map_or_else(|| NaiveDate::MIN, |moment| moment.date_naive())
}

/// The instant of local time `minute` after midnight on `date` (1440 = the next midnight).
/// A skipped local time moves to the first one that exists; a repeated one is its first
/// occurrence, or its second when `latest`.
fn local_instant(zone: Tz, date: NaiveDate, minute: u32, latest: bool) -> Instant {
    let (date, minute) = if minute >= 1_440 {
        (date + Days::new(1), minute - 1_440)
    } else {
        (date, minute)
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0)
        .expect("minute < 1440 is a time of day");
    let local = NaiveDateTime::new(date, time);
    (0..=180)
        .find_map(|shift| {
            let candidate = zone.from_local_datetime(&(local + chrono::Duration::minutes(shift)));
            if latest {
                candidate.latest()
            } else {
                candidate.earliest()
            }
        })
        .map_or_else(|| local.and_utc().timestamp(), |moment| moment.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TimestampFormat;

    fn at(text: &str) -> Instant {
        TimestampFormat::Rfc3339
            .parse(text)
            .expect("test timestamp")
    }

    /// Mon–Fri with the given intervals (local minutes) in `zone`.
    fn weekdays(zone: Tz, intervals: &[(u32, u32)], holidays: &[&str]) -> Calendar {
        let mut weekly: [Vec<(u32, u32)>; 7] = Default::default();
        for day in weekly.iter_mut().take(5) {
            *day = intervals.to_vec();
        }
        let holidays = holidays
            .iter()
            .map(|date| date.parse().expect("test date"))
            .collect();
        Calendar::Business(Box::new(BusinessCalendar {
            zone,
            weekly,
            holidays,
            dated: BTreeMap::new(),
        }))
    }

    const OFFICE: &[(u32, u32)] = &[(8 * 60, 18 * 60)];
    const HOUR: Seconds = 3_600;

    #[test]
    fn office_hours_across_the_spring_forward_weekend() {
        let office = weekdays(chrono_tz::Europe::Berlin, OFFICE, &[]);
        // Fri 27 Mar 16:00 CET → Tue 31 Mar 10:00 CEST: Fri 16–18 (2 h) + Mon 08–18 (10 h)
        // + Tue 08–10 (2 h) = 14 h. The weekend's lost hour is outside office hours.
        assert_eq!(
            office.time_between(
                at("2026-03-27T16:00:00+01:00"),
                at("2026-03-31T10:00:00+02:00")
            ),
            14 * HOUR
        );
    }

    #[test]
    fn office_hours_across_the_fall_back_weekend() {
        let office = weekdays(chrono_tz::Europe::Berlin, OFFICE, &[]);
        // Fri 23 Oct 16:00 CEST → Tue 27 Oct 10:00 CET: again 2 + 10 + 2 = 14 h.
        assert_eq!(
            office.time_between(
                at("2026-10-23T16:00:00+02:00"),
                at("2026-10-27T10:00:00+01:00")
            ),
            14 * HOUR
        );
    }

    #[test]
    fn office_hours_in_new_york_and_sydney() {
        let new_york = weekdays(chrono_tz::America::New_York, OFFICE, &[]);
        // New York springs forward on Sun 8 Mar 2026: Fri 6 Mar 16:00 EST → Tue 10 Mar 10:00 EDT
        // = 2 + 10 + 2 = 14 h.
        assert_eq!(
            new_york.time_between(
                at("2026-03-06T16:00:00-05:00"),
                at("2026-03-10T10:00:00-04:00")
            ),
            14 * HOUR
        );
        let sydney = weekdays(chrono_tz::Australia::Sydney, OFFICE, &[]);
        // Sydney falls back on Sun 5 Apr 2026 (southern autumn): Fri 3 Apr 16:00 AEDT → Tue 7 Apr
        // 10:00 AEST = 2 + 10 + 2 = 14 h.
        assert_eq!(
            sydney.time_between(
                at("2026-04-03T16:00:00+11:00"),
                at("2026-04-07T10:00:00+10:00")
            ),
            14 * HOUR
        );
    }

    #[test]
    fn split_shifts_and_holidays() {
        let split = weekdays(
            chrono_tz::UTC,
            &[(8 * 60, 12 * 60), (13 * 60, 18 * 60)],
            &["2026-12-24"],
        );
        // Wed 23 Dec 11:00 → Fri 25 Dec 14:00: Wed 11–12 (1 h) + 13–18 (5 h); Thu 24 a holiday;
        // Fri 08–12 (4 h) + 13–14 (1 h) = 11 h.
        assert_eq!(
            split.time_between(at("2026-12-23T11:00:00Z"), at("2026-12-25T14:00:00Z")),
            11 * HOUR
        );
        // The lunch break itself is closed.
        assert_eq!(
            split.time_between(at("2026-12-23T12:00:00Z"), at("2026-12-23T13:00:00Z")),
            0
        );
    }

    #[test]
    fn outside_business_hours_is_zero() {
        let office = weekdays(chrono_tz::Europe::Berlin, OFFICE, &[]);
        // Saturday 10:00 → Sunday 20:00: nothing open.
        assert_eq!(
            office.time_between(
                at("2026-06-06T10:00:00+02:00"),
                at("2026-06-07T20:00:00+02:00")
            ),
            0
        );
    }

    #[test]
    fn weekly_keys_and_intervals_parse() {
        assert_eq!(parse_days("mon-fri"), Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(parse_days("sat,sun"), Ok(vec![5, 6]));
        assert_eq!(parse_days("mon-tue,thu"), Ok(vec![0, 1, 3]));
        assert!(parse_days("fri-mon").is_err());
        assert!(parse_days("monday").is_err());
        assert_eq!(parse_interval("08:00-12:30"), Ok((480, 750)));
        assert_eq!(parse_interval("00:00-24:00"), Ok((0, 1_440)));
        for bad in [
            "18:00-08:00",
            "08:00-08:00",
            "8:00-12:00",
            "08:00",
            "08:00-24:30",
            "08:60-09:00",
        ] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deadlines_run_on_calendar_time() {
        let office = weekdays(chrono_tz::UTC, OFFICE, &[]);
        // 4 h of office time from Fri 16:00: Fri 16–18 (2 h), then Mon 08:00 + 2 h = Mon 10:00.
        assert_eq!(
            office.deadline(at("2026-06-05T16:00:00Z"), 4 * HOUR, &[]),
            at("2026-06-08T10:00:00Z")
        );
        // A pause Mon 08:30–09:00 pushes it by 30 min.
        let paused = [(at("2026-06-08T08:30:00Z"), at("2026-06-08T09:00:00Z"))];
        assert_eq!(
            office.deadline(at("2026-06-05T16:00:00Z"), 4 * HOUR, &paused),
            at("2026-06-08T10:30:00Z")
        );
        assert_eq!(Calendar::Always.deadline(100, 900, &[]), 1_000);
        let closed = Calendar::Business(Box::new(BusinessCalendar {
            zone: chrono_tz::UTC,
            weekly: Default::default(),
            holidays: BTreeSet::new(),
            dated: BTreeMap::new(),
        }));
        assert_eq!(closed.deadline(0, 60, &[]), Instant::MAX);
    }

    #[test]
    fn a_pause_straddling_closing_time_subtracts_only_open_time() {
        let office = weekdays(chrono_tz::UTC, OFFICE, &[]);
        // Mon 09:00 → Tue 12:00 is 9 + 4 = 13 h of office time. A pause Mon 17:00 → Tue 09:00
        // covers 1 h (Mon 17–18) + 1 h (Tue 08–09) of it: 13 − 2 = 11 h.
        let paused = [(at("2026-06-08T17:00:00Z"), at("2026-06-09T09:00:00Z"))];
        assert_eq!(
            office.time_between_unpaused(
                at("2026-06-08T09:00:00Z"),
                at("2026-06-09T12:00:00Z"),
                &paused
            ),
            11 * HOUR
        );
    }
}

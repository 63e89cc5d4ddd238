//! Calendars: the clocks targets and availability are measured in. `always` is plain 24x7 time;
//! a business calendar has weekly opening hours in its own time zone, minus holidays.
//!
//! Opening hours are built per local date and converted through the tz database, so a business
//! day keeps its local 08:00–18:00 across a daylight-saving change. A local time that does not
//! exist (the skipped hour) moves to the first one that does. A repeated local time is read as its
//! first occurrence for the start of an interval and its second for the end. Each real instant
//! counts once.
//!
//! Questions are answered from a table of each calendar's opening intervals, built a block of
//! dates at a time on first use (`opening_table.rs` says what it buys). The walk through the local
//! dates one by one stays: it answers whatever the table cannot, and is what the table is tested
//! against.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::intervals::{merge_intervals, pieces_outside, subtract};
use super::opening_table::{OpeningTable, View, day_number};
use super::{Instant, Seconds};

/// A clock to measure in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Calendar {
    /// Every second counts (24x7).
    Always,
    /// Weekly opening hours minus holidays, in a time zone.
    Business(Box<BusinessCalendar>),
}

/// Weekly opening hours and holidays. Questions about it are answered from a table of its
/// opening intervals built as they come, so it cannot be changed once made.
#[derive(Clone)]
pub struct BusinessCalendar {
    /// The zone the opening hours are in.
    zone: Tz,
    /// Open intervals per weekday (Monday first) as local minutes `[start, end)` after midnight,
    /// sorted and disjoint; `end` may be 1440 (midnight at the end of the day).
    weekly: [Vec<(u32, u32)>; 7],
    /// Dates on which the calendar is closed all day.
    holidays: BTreeSet<NaiveDate>,
    /// One-off openings on particular dates, as local minutes `[start, end)`, in addition to the
    /// weekly hours (maintenance windows agreed for one night, say).
    dated: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
    /// The opening intervals, a block of dates at a time, built as questions come.
    table: OpeningTable,
}

/// How far ahead a deadline is searched for before the target is taken as never due: a calendar
/// with opening hours reaches any target long before; one without would loop forever.
const DEADLINE_HORIZON: Seconds = 5 * 366 * 86_400;

/// A deadline is searched for a month of calendar at a time.
const DEADLINE_WINDOW: Seconds = 31 * 86_400;

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
            Self::Business(business) => business.view(from, to).map_or_else(
                || business.open_intervals(from, to),
                |view| view.intervals(),
            ),
        }
    }

    /// Calendar time in `[from, to)`: the length of its intersection with the open intervals.
    pub fn time_between(&self, from: Instant, to: Instant) -> Seconds {
        match self {
            Self::Always => (to - from).max(0),
            Self::Business(_) if from >= to => 0,
            Self::Business(business) => business.view(from, to).map_or_else(
                || length(&business.open_intervals(from, to)),
                |view| view.open_time(from, to),
            ),
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

    /// [`Self::time_between_unpaused`] of `[from, to)` and [`Self::deadline`] of `within` from
    /// `from`, together: what judging a target asks. A business calendar without pauses answers
    /// both from one view of its table where the two questions would take a view each; with
    /// `OpeningTable::view_in_block` this halved what office hours add to a run's instructions
    /// (`docs/performance.md`, item 9).
    pub fn elapsed_and_deadline(
        &self,
        (from, to): (Instant, Instant),
        within: Seconds,
        paused: &[(Instant, Instant)],
    ) -> (Seconds, Instant) {
        if let Self::Business(business) = self
            && paused.is_empty()
            && let Some(both) = business.elapsed_and_deadline_from_table(from, to, within)
        {
            return both;
        }
        (
            self.time_between_unpaused(from, to, paused),
            self.deadline(from, within, paused),
        )
    }

    /// The instant at which `within` seconds of calendar time, not counting `paused` intervals
    /// (sorted, disjoint), have passed since `from`. `Instant::MAX` when that never happens.
    pub fn deadline(
        &self,
        from: Instant,
        within: Seconds,
        paused: &[(Instant, Instant)],
    ) -> Instant {
        match self {
            Self::Always => walk_to_deadline(from, within, paused, |start, end| vec![(start, end)]),
            Self::Business(business) => business
                .deadline_from_table(from, within, paused)
                .unwrap_or_else(|| {
                    walk_to_deadline(from, within, paused, |start, end| {
                        business.open_intervals(start, end)
                    })
                }),
        }
    }
}

/// Seconds covered by intervals `[start, end)`.
fn length(intervals: &[(Instant, Instant)]) -> Seconds {
    intervals.iter().map(|(start, end)| end - start).sum()
}

/// The deadline found by walking forward a window of calendar at a time, `open` giving each
/// window's open intervals.
fn walk_to_deadline(
    from: Instant,
    within: Seconds,
    paused: &[(Instant, Instant)],
    open: impl Fn(Instant, Instant) -> Vec<(Instant, Instant)>,
) -> Instant {
    let mut left = within;
    let mut window_start = from;
    while window_start - from < DEADLINE_HORIZON {
        let Some(window_end) = window_start.checked_add(DEADLINE_WINDOW) else {
            break;
        };
        for (start, end) in open(window_start, window_end) {
            for (piece_start, piece_end) in subtract(start, end, paused) {
                let length = piece_end - piece_start;
                if left <= length {
                    return piece_start.saturating_add(left);
                }
                left -= length;
            }
        }
        window_start = window_end;
    }
    Instant::MAX
}

impl BusinessCalendar {
    /// A calendar open `weekly` (Monday first; local minutes `[start, end)`, sorted and disjoint,
    /// `end` up to 1440) and on the `dated` intervals, closed on `holidays`, in `zone`.
    pub fn new(
        zone: Tz,
        weekly: [Vec<(u32, u32)>; 7],
        holidays: BTreeSet<NaiveDate>,
        dated: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
    ) -> Self {
        Self {
            zone,
            weekly,
            holidays,
            dated,
            table: OpeningTable::default(),
        }
    }

    /// Open intervals per weekday, Monday first, as local minutes `[start, end)`.
    pub fn weekly(&self) -> &[Vec<(u32, u32)>; 7] {
        &self.weekly
    }

    /// One-off openings by date, as local minutes `[start, end)`.
    pub fn dated(&self) -> &BTreeMap<NaiveDate, Vec<(u32, u32)>> {
        &self.dated
    }

    /// The local dates whose opening hours make up the open intervals in `[from, to)`: from the
    /// day before `from`'s local date to the day after `to`'s, so that an interval shifted by a
    /// daylight-saving change is not missed.
    fn dates_around(&self, from: Instant, to: Instant) -> (NaiveDate, NaiveDate) {
        let (first, last) = (local_date(self.zone, from), local_date(self.zone, to));
        (
            first.pred_opt().unwrap_or(first),
            last.succ_opt().unwrap_or(last),
        )
    }

    /// The opening intervals of local `date` as instants, not clipped, the empty ones left out:
    /// its weekly hours (none on a holiday), and any one-off opening named for that date.
    fn day_intervals(&self, date: NaiveDate, intervals: &mut Vec<(Instant, Instant)>) {
        let weekly = if self.holidays.contains(&date) {
            &[][..]
        } else {
            &self.weekly[date.weekday().num_days_from_monday() as usize][..]
        };
        let dated = self.dated.get(&date).map_or(&[][..], Vec::as_slice);
        for (start_minute, end_minute) in weekly.iter().chain(dated) {
            let start = local_instant(self.zone, date, *start_minute, false);
            let end = local_instant(self.zone, date, *end_minute, true);
            if start < end {
                intervals.push((start, end));
            }
        }
    }

    /// The open intervals in `[from, to)` (`from < to`), walking the local dates one by one:
    /// the plain way, for spans the table cannot answer for.
    fn open_intervals(&self, from: Instant, to: Instant) -> Vec<(Instant, Instant)> {
        let (first, last) = self.dates_around(from, to);
        let mut intervals = Vec::new();
        let mut day = Vec::new();
        for date in first.iter_days().take_while(|date| *date <= last) {
            day.clear();
            self.day_intervals(date, &mut day);
            intervals.extend(
                day.iter()
                    .map(|(start, end)| ((*start).max(from), (*end).min(to)))
                    .filter(|(start, end)| start < end),
            );
        }
        // Dated openings may overlap the weekly ones: keep the intervals sorted and disjoint.
        merge_intervals(intervals)
    }

    /// The open intervals in `[from, to)` (`from < to`) as the table holds them, when it can tell
    /// that they are the ones [`Self::open_intervals`] finds.
    fn view(&self, from: Instant, to: Instant) -> Option<View<'_>> {
        let day_intervals = |date, intervals: &mut Vec<(Instant, Instant)>| {
            self.day_intervals(date, intervals);
        };
        // An offset from UTC is less than a day, so the local dates the walk starts and ends at
        // lie within a day of the UTC ones: asked with that leeway, the table mostly answers
        // without the two look-ups in the tz database (in one block, with two look-ups in all);
        // if not, it is asked with the exact dates.
        let utc_day = |instant: Instant| instant.div_euclid(86_400);
        let within_a_day = |instant: Instant| {
            utc_day(instant.saturating_sub(86_399))..=utc_day(instant.saturating_add(86_399))
        };
        self.table
            .view_in_block((from, to), &day_intervals)
            .or_else(|| {
                let (around_from, around_to) = (within_a_day(from), within_a_day(to));
                self.table.view(
                    around_from.start() - 1..=around_from.end() - 1,
                    around_to.start() + 1..=around_to.end() + 1,
                    (from, to),
                    &day_intervals,
                )
            })
            .or_else(|| {
                let (first, last) = self.dates_around(from, to);
                let (first, last) = (day_number(first), day_number(last));
                self.table
                    .view(first..=first, last..=last, (from, to), &day_intervals)
            })
    }

    /// [`Calendar::elapsed_and_deadline`] without pauses from one view of the table, when it
    /// holds both answers: the open time of `[from, to)`, and a deadline within the first window
    /// [`Self::deadline_from_table`] would look in (the view spans `to` and that window), which
    /// is what that window gives. `None` sends both questions the long way.
    fn elapsed_and_deadline_from_table(
        &self,
        from: Instant,
        to: Instant,
        within: Seconds,
    ) -> Option<(Seconds, Instant)> {
        let window_end = from.checked_add(DEADLINE_WINDOW)?;
        if within <= 0 {
            return None;
        }
        let view = self.view(from, to.max(window_end))?;
        let (elapsed, due) = view.open_time_and_reached(from, to, within);
        Some((elapsed, due.filter(|due| *due <= window_end)?))
    }

    /// [`Calendar::deadline`] from the table, window by window as the walk goes; `None` when the
    /// table cannot answer for a window the walk would read.
    fn deadline_from_table(
        &self,
        from: Instant,
        within: Seconds,
        paused: &[(Instant, Instant)],
    ) -> Option<Instant> {
        // The walk takes the open time of each window minus the pauses, piece by piece; for
        // pauses sorted by start that is the window minus the pauses, then the open time in it.
        if !paused.is_sorted_by_key(|(start, _)| *start)
            || paused.iter().any(|(start, end)| start > end)
        {
            return None;
        }
        let mut left = within;
        let mut window_start = from;
        while window_start - from < DEADLINE_HORIZON {
            let window_end = window_start.checked_add(DEADLINE_WINDOW)?;
            let view = self.view(window_start, window_end)?;
            for (start, end) in pieces_outside(window_start, window_end, paused) {
                if left <= 0 {
                    // Nothing (or less) left: due at the first open instant, less what is left.
                    if let Some(open) = view.first_open(start).filter(|open| *open < end) {
                        return Some(open.saturating_add(left));
                    }
                } else if let Some(due) = view.reached(start, left).filter(|due| *due <= end) {
                    return Some(due);
                } else {
                    left -= view.open_time(start, end);
                }
            }
            window_start = window_end;
        }
        Some(Instant::MAX)
    }
}

/// Equal when the hours, holidays and zone are; the table follows from them.
impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        (self.zone, &self.weekly, &self.holidays, &self.dated)
            == (other.zone, &other.weekly, &other.holidays, &other.dated)
    }
}

impl Eq for BusinessCalendar {}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BusinessCalendar")
            .field("zone", &self.zone)
            .field("weekly", &self.weekly)
            .field("holidays", &self.holidays)
            .field("dated", &self.dated)
            .finish_non_exhaustive()
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
/// occurrence, or its second when `latest`. A local time that finds none within three hours
/// (or at the ends of the dates chrono knows) is read as UTC.
fn local_instant(zone: Tz, date: NaiveDate, minute: u32, latest: bool) -> Instant {
    let midnight = NaiveDateTime::new(date, NaiveTime::MIN);
    let as_utc = midnight.and_utc().timestamp() + i64::from(minute) * 60;
    let (date, minute) = match (minute >= 1_440, date.succ_opt()) {
        (false, _) => (date, minute),
        (true, Some(next)) => (next, minute - 1_440),
        (true, None) => return as_utc,
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0)
        .expect("minute < 1440 is a time of day");
    let local = NaiveDateTime::new(date, time);
    (0..=180)
        .map_while(|shift| local.checked_add_signed(chrono::Duration::minutes(shift)))
        .find_map(|shifted| {
            let candidate = zone.from_local_datetime(&shifted);
            if latest {
                candidate.latest()
            } else {
                candidate.earliest()
            }
        })
        .map_or(as_utc, |moment| moment.timestamp())
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
        Calendar::Business(Box::new(BusinessCalendar::new(
            zone,
            weekly,
            holidays,
            BTreeMap::new(),
        )))
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
        let closed = Calendar::Business(Box::new(BusinessCalendar::new(
            chrono_tz::UTC,
            Default::default(),
            BTreeSet::new(),
            BTreeMap::new(),
        )));
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

    #[test]
    fn instants_outside_the_table_are_walked_and_never_panic() {
        let office = weekdays(chrono_tz::Europe::Berlin, OFFICE, &[]);
        let Calendar::Business(business) = &office else {
            unreachable!("weekdays() makes a business calendar")
        };
        let year = |year: i32| {
            NaiveDate::from_ymd_opt(year, 6, 1)
                .expect("a date")
                .and_hms_opt(9, 0, 0)
                .expect("a time")
                .and_utc()
                .timestamp()
        };
        let week = 7 * 86_400;
        for from in [year(-200_000), year(1899), year(2200), year(9999)] {
            let to = from + week;
            assert_eq!(
                office.open_intervals(from, to),
                business.open_intervals(from, to)
            );
            // Mon–Fri 08:00–18:00 is 50 hours a week wherever the week starts.
            assert_eq!(office.time_between(from, to), 50 * HOUR);
            assert_eq!(
                office.deadline(from, 50 * HOUR, &[]),
                walk_to_deadline(from, 50 * HOUR, &[], |start, end| {
                    business.open_intervals(start, end)
                })
            );
        }
        // The ends of time: nothing to count, no deadline, no panic.
        for (from, to) in [
            (Instant::MIN, Instant::MIN + week),
            (Instant::MAX - week, Instant::MAX),
        ] {
            assert_eq!(office.time_between(from, to), 0);
            assert_eq!(office.deadline(from, HOUR, &[]), Instant::MAX);
        }
    }

    #[test]
    fn threads_sharing_a_calendar_get_what_the_walk_gets() {
        let office = weekdays(chrono_tz::America::New_York, OFFICE, &["2026-11-26"]);
        let Calendar::Business(business) = &office else {
            unreachable!("weekdays() makes a business calendar")
        };
        let start = at("2026-01-01T00:00:00Z");
        let spans: Vec<(Instant, Instant)> = (0..400)
            .map(|step| (start + step * 86_123, start + step * 86_123 + 9 * 86_400))
            .collect();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for (from, to) in &spans {
                        assert_eq!(
                            office.time_between(*from, *to),
                            length(&business.open_intervals(*from, *to))
                        );
                    }
                });
            }
        });
    }

    /// Zones with daylight saving at 02:00, at midnight (Tehran, Havana), by half an hour (Lord
    /// Howe), at 02:45 (Chatham), half-hour offsets (Kolkata, St John's), and days skipped at the
    /// date line (Apia in 2011, Kwajalein in 1993).
    const ZONES: [Tz; 12] = [
        chrono_tz::UTC,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Sydney,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Pacific::Chatham,
        chrono_tz::America::St_Johns,
        chrono_tz::Asia::Tehran,
        chrono_tz::America::Havana,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Apia,
        chrono_tz::Pacific::Kwajalein,
    ];

    /// The hours (to the hour) at which each of `ZONES` changed its offset from 1990 to 2030,
    /// the edges of the table's dates and the seams between its blocks from 1990 to 2030;
    /// instants are drawn around these.
    fn changes(zone: Tz) -> Vec<Instant> {
        use chrono::Offset;
        let offset = |instant: Instant| {
            zone.offset_from_utc_datetime(
                &chrono::DateTime::from_timestamp(instant, 0)
                    .expect("in range")
                    .naive_utc(),
            )
            .fix()
        };
        let mut changes = vec![at("1900-01-03T00:00:00Z"), at("2199-12-24T00:00:00Z")];
        let (first, last) = (at("1990-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"));
        changes.extend(
            (super::super::opening_table::FIRST_DAY..)
                .step_by(super::super::opening_table::BLOCK_DAYS as usize)
                .map(|day| day * 86_400)
                .skip_while(|seam| *seam < first)
                .take_while(|seam| *seam < last),
        );
        changes.extend(
            (first..last)
                .step_by(3_600)
                .filter(|hour| offset(*hour) != offset(hour + 3_600)),
        );
        changes
    }

    /// A day's opening hours: between cut points (some where clocks change), each stretch open
    /// or closed, so intervals may touch, and may end at 24:00.
    fn day_hours() -> impl Strategy<Value = Vec<(u32, u32)>> {
        let minute = prop_oneof![
            0..=1_440_u32,
            proptest::sample::select(vec![
                0, 30, 60, 120, 150, 165, 180, 210, 1_380, 1_410, 1_440
            ]),
        ];
        (
            proptest::collection::btree_set(minute, 0..7),
            proptest::collection::vec(any::<bool>(), 6),
        )
            .prop_map(|(cuts, open)| {
                let cuts: Vec<u32> = cuts.into_iter().collect();
                cuts.windows(2)
                    .zip(open)
                    .filter(|(_, open)| *open)
                    .map(|(pair, _)| (pair[0], pair[1]))
                    .collect()
            })
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn the_table_answers_as_the_day_walk_does(
            zone in 0..ZONES.len(),
            weekly in proptest::collection::vec(day_hours(), 7),
            office_week in any::<bool>(),
            holiday_days in proptest::collection::vec(-12_i64..40, 0..4),
            change in any::<proptest::sample::Index>(),
            (start, span) in (-5 * 86_400_i64..5 * 86_400, prop_oneof![0..3 * 86_400_i64, 0..40 * 86_400_i64]),
            raw_pauses in proptest::collection::vec((-2 * 86_400_i64..20 * 86_400, 0..3 * 86_400_i64), 0..4),
            merged in any::<bool>(),
            within in prop_oneof![-7_200..0_i64, 1..400 * 3_600_i64, (1..800_i64).prop_map(|half_hours| half_hours * 1_800)],
            on_the_half_hour in any::<bool>(),
            exact in any::<bool>(),
        ) {
            static CHANGES: std::sync::LazyLock<Vec<Vec<Instant>>> =
                std::sync::LazyLock::new(|| ZONES.into_iter().map(changes).collect());
            let changes = &CHANGES[zone];
            let zone = ZONES[zone];
            // Whole half hours meet opening and closing times, so deadlines fall on them.
            let start = if on_the_half_hour { start - start.rem_euclid(1_800) } else { start };
            let from = changes[change.index(changes.len())] + start;
            let to = from + span;
            let mut weekly: [Vec<(u32, u32)>; 7] = weekly.try_into().expect("seven days");
            if office_week {
                weekly = Default::default();
                for day in weekly.iter_mut().take(5) {
                    *day = OFFICE.to_vec();
                }
            }
            let holidays = holiday_days
                .iter()
                .map(|days| local_date(zone, from) + chrono::Duration::days(*days))
                .collect();
            let business = BusinessCalendar::new(zone, weekly, holidays, BTreeMap::new());
            let calendar = Calendar::Business(Box::new(business.clone()));
            let pauses: Vec<(Instant, Instant)> = raw_pauses
                .iter()
                .map(|(start, length)| (from + start, from + start + length))
                .collect();
            let pauses = if merged { merge_intervals(pauses) } else { pauses };

            // The plain way: walk the local dates of each span.
            let walked = if from < to { business.open_intervals(from, to) } else { Vec::new() };
            let walked_time = |start: Instant, end: Instant| {
                if start < end { length(&business.open_intervals(start, end)) } else { 0 }
            };
            let paused_time: Seconds = pauses
                .iter()
                .map(|(start, end)| walked_time((*start).max(from), (*end).min(to)))
                .sum();
            // Or exactly the open time up to the first pause (or the span's end): the deadline is
            // then where an open piece ends.
            let within = match (exact, pauses.first()) {
                (false, _) => within,
                (true, Some((pause_start, _))) if from < *pause_start => walked_time(from, *pause_start),
                (true, _) => walked_time(from, to),
            };
            let walked_deadline = walk_to_deadline(from, within, &pauses, |start, end| {
                business.open_intervals(start, end)
            });

            prop_assert_eq!(calendar.open_intervals(from, to), walked.clone());
            prop_assert_eq!(calendar.time_between(from, to), walked_time(from, to));
            prop_assert_eq!(
                calendar.time_between_unpaused(from, to, &pauses),
                walked_time(from, to) - paused_time
            );
            prop_assert_eq!(calendar.deadline(from, within, &pauses), walked_deadline);
            // Both at once, with the pauses and without (one view of the table when it can).
            prop_assert_eq!(
                calendar.elapsed_and_deadline((from, to), within, &pauses),
                (walked_time(from, to) - paused_time, walked_deadline)
            );
            prop_assert_eq!(
                calendar.elapsed_and_deadline((from, to), within, &[]),
                (
                    walked_time(from, to),
                    walk_to_deadline(from, within, &[], |start, end| {
                        business.open_intervals(start, end)
                    })
                )
            );
            // The look-up for spans in one block gives what the walk gives, or nothing.
            let day_intervals = |date, intervals: &mut Vec<(Instant, Instant)>| {
                business.day_intervals(date, intervals);
            };
            if let Some(view) = business.table.view_in_block((from, to), &day_intervals) {
                prop_assert_eq!(view.intervals(), walked);
            }
            // Away from the edges of its dates and on zones that never skip a day, the table
            // answers itself.
            let inside = at("1900-02-01T00:00:00Z") < from && to < at("2199-11-01T00:00:00Z");
            let skips = matches!(zone, chrono_tz::Pacific::Apia | chrono_tz::Pacific::Kwajalein);
            if from < to && inside && !skips {
                prop_assert!(business.view(from, to).is_some());
            }
        }
    }
}

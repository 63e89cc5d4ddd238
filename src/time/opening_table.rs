//! A business calendar's opening hours laid out once per block of dates, so that a question about
//! a span of time is a few look-ups rather than a walk through its days and the tz database.
//!
//! A block holds the opening intervals of 256 consecutive local dates, merged, with the open
//! seconds before each: open time in `[from, to)` is `open_before(to) − open_before(from)`, and a
//! deadline is where `open_before` reaches `open_before(start) + allowed`. An index by UTC day
//! says where among the intervals to start looking for an instant. The blocks from 1900-01-01 to
//! 2199-12-26 are built on first use, each behind its own `OnceLock`: a calendar shared by the
//! calculation's threads builds a block once, whichever thread asks first, and never holds more
//! than those 428 blocks (about 10 kB each for Mon–Fri office hours, more in proportion to the
//! intervals a day; an unbuilt one takes 16 bytes). Why so: a contract does not know when it is
//! loaded which years a run will ask about, and fixed blocks numbered by date bound the memory
//! with nothing to evict or lock; a question finds its blocks by arithmetic on UTC days, with no
//! look-up in the tz database on the common path.
//!
//! The table gives exactly what the plain day walk gives, or nothing. The walk reads the local
//! dates from the day before `from`'s to the day after `to`'s; the caller says between which
//! dates that first and last date lie, and the table answers with the merged intervals of the
//! blocks holding them, clipped to the span, when the dates before the latest possible first one
//! end by `from` and the dates after the earliest possible last one start at or after `to`: then
//! the dates the walk skips add nothing, and neither do the dates the table holds beyond them.
//! Each block keeps the latest end of the dates before each of its dates and the earliest start
//! of the dates from each on, so that is a look-up per block. Otherwise (hours and zone that put
//! a date's opening far from it, blocks whose hours overlap, dates outside the blocks) it says
//! `None` and the caller asks again or walks the days itself.
//!
//! What it buys: `credits` over the 13 months of the UCI `ServiceNow` event log (24,918
//! incidents, one thread) with resolution targets in Mon–Fri 08:00–18:00 office hours took
//! 0.90 s walking the days against 0.13 s around the clock; with the table it takes 0.14 s, 1.09
//! times the 24x7 run (CPU time, best of 9). `tests::the_table_answers_as_the_day_walk_does` in
//! `calendar.rs` compares the two ways on random calendars, zones and spans.

use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use super::intervals::merge_intervals;
use super::{Instant, Seconds};

/// A local date as days since 1970-01-01.
pub type Day = i64;

/// The first date the table holds: 1900-01-01.
pub(super) const FIRST_DAY: Day = -25_567;
/// Dates per block.
pub(super) const BLOCK_DAYS: Day = 256;
/// Blocks from `FIRST_DAY` on: dates up to 2199-12-26.
const BLOCKS: usize = 428;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_FROM_CE: i64 = 719_163;

/// Days since 1970-01-01 of a local date.
pub fn day_number(date: NaiveDate) -> Day {
    i64::from(date.num_days_from_ce()) - EPOCH_FROM_CE
}

/// One calendar's blocks, each built on first use.
pub struct OpeningTable {
    blocks: Box<[OnceLock<Box<Block>>]>,
}

impl Default for OpeningTable {
    fn default() -> Self {
        Self {
            blocks: (0..BLOCKS).map(|_| OnceLock::new()).collect(),
        }
    }
}

/// A copy builds its own blocks: nothing is shared between calendars.
impl Clone for OpeningTable {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// `BLOCK_DAYS` consecutive local dates.
struct Block {
    /// The merged opening intervals of its dates: sorted, disjoint, not touching.
    intervals: Vec<(Instant, Instant)>,
    /// Open seconds in `intervals[..k]` at `k`; one more entry than `intervals`.
    open_before: Vec<Seconds>,
    /// The latest end of the intervals of the block's first `k` dates at `k` (`Instant::MIN`
    /// when they have none); `BLOCK_DAYS + 1` entries.
    ended_by: Vec<Instant>,
    /// The earliest start of the intervals of the block's dates from the `k`th on at `k`
    /// (`Instant::MAX` when they have none); `BLOCK_DAYS + 1` entries.
    started_from: Vec<Instant>,
    /// The first UTC day of `by_day`: two before the block's first date.
    first_utc_day: Day,
    /// The index of the first interval ending after 00:00 UTC of each day from `first_utc_day`
    /// on, to its last date and two more: where the search for an instant of that day starts.
    by_day: Vec<u32>,
}

impl Block {
    fn build(first: Day, day_intervals: &impl Fn(NaiveDate, &mut Vec<(Instant, Instant)>)) -> Self {
        let mut intervals = Vec::new();
        let mut day = Vec::new();
        let mut ended_by = vec![Instant::MIN];
        let mut starts = Vec::new();
        for number in first..first + BLOCK_DAYS {
            day.clear();
            let date = i32::try_from(number + EPOCH_FROM_CE)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .expect("the table's dates are dates");
            day_intervals(date, &mut day);
            let latest = ended_by.last().copied().unwrap_or(Instant::MIN);
            ended_by.push(day.iter().map(|(_, end)| *end).fold(latest, Instant::max));
            starts.push(day.iter().map(|(start, _)| *start).min());
            intervals.extend_from_slice(&day);
        }
        let mut started_from = vec![Instant::MAX; starts.len() + 1];
        for (index, start) in starts.iter().enumerate().rev() {
            started_from[index] = start.map_or(started_from[index + 1], |start| {
                start.min(started_from[index + 1])
            });
        }
        let intervals = merge_intervals(intervals);
        let mut open_before = Vec::with_capacity(intervals.len() + 1);
        let mut total: Seconds = 0;
        open_before.push(total);
        for (start, end) in &intervals {
            total += end - start;
            open_before.push(total);
        }
        let first_utc_day = first - 2;
        let by_day = (first_utc_day..first + BLOCK_DAYS + 2)
            .map(|day| {
                let midnight = day * 86_400;
                intervals.partition_point(|(_, end)| *end <= midnight) as u32
            })
            .collect();
        Self {
            intervals,
            open_before,
            ended_by,
            started_from,
            first_utc_day,
            by_day,
        }
    }

    /// The index of the first interval that ends after `instant` (`intervals.len()` if none).
    fn interval_after(&self, instant: Instant) -> usize {
        let day = usize::try_from(instant.div_euclid(86_400) - self.first_utc_day).ok();
        match day.and_then(|day| self.by_day.get(day)) {
            Some(first) => {
                // A day holds a few intervals at most: step over those that end by `instant`.
                let mut index = *first as usize;
                while self
                    .intervals
                    .get(index)
                    .is_some_and(|(_, end)| *end <= instant)
                {
                    index += 1;
                }
                index
            }
            None => self.intervals.partition_point(|(_, end)| *end <= instant),
        }
    }

    /// Open seconds of the block before `instant`, and the index of the first interval that ends
    /// after it.
    fn open_before(&self, instant: Instant) -> (Seconds, usize) {
        let index = self.interval_after(instant);
        let partial = self
            .intervals
            .get(index)
            .map_or(0, |(start, _)| (instant - start).max(0));
        (self.open_before[index] + partial, index)
    }

    fn open_total(&self) -> Seconds {
        self.open_before.last().copied().unwrap_or(0)
    }

    /// The instant at which the block's open seconds reach `goal` (> `open_before[first]`), if
    /// they do, searched forward from interval `first`.
    fn reaching(&self, first: usize, goal: Seconds) -> Option<Instant> {
        // The interval in which the open seconds reach `goal`: the first `index` whose
        // `open_before[index + 1]` does, searched forward from `first`, a step at a time at
        // first (deadlines are mostly a few intervals on), then in doubling leaps.
        let sums = self.open_before.get(first + 1..)?;
        let mut step = 1;
        let mut low = 0;
        while sums.get(low + step - 1).is_some_and(|sum| *sum < goal) {
            low += step;
            step *= 2;
        }
        let high = (low + step).min(sums.len());
        let index = first + low + sums.get(low..high)?.partition_point(|sum| *sum < goal);
        let (interval_start, _) = self.intervals.get(index)?;
        Some(interval_start + (goal - self.open_before[index]))
    }
}

impl OpeningTable {
    /// [`Self::view`] asked as [`BusinessCalendar`](super::BusinessCalendar) first asks it (the
    /// walk's first and last dates within a day of `from`'s and `to`'s UTC dates, less and more
    /// one), for a span whose dates lie in one block: the same answer from two look-ups, without
    /// the walk over blocks. `None` says only that [`Self::view`] must be asked. Judging a target
    /// in office hours asks for a view once: about 230 instructions a view before, 160 after
    /// (callgrind, the benchmark's office-hours contract).
    pub fn view_in_block(
        &self,
        (from, to): (Instant, Instant),
        day_intervals: &impl Fn(NaiveDate, &mut Vec<(Instant, Instant)>),
    ) -> Option<View<'_>> {
        let utc_day = |instant: Instant| instant.div_euclid(86_400);
        if from >= to {
            return None;
        }
        // `view`'s dates run from `first_day − 2` at the earliest to `last_day + 2` at the latest.
        let (first_day, last_day) = (utc_day(from), utc_day(to));
        let number = usize::try_from(
            (first_day - 2)
                .checked_sub(FIRST_DAY)?
                .div_euclid(BLOCK_DAYS),
        )
        .ok()
        .filter(|number| *number < BLOCKS)?;
        let block_start = FIRST_DAY + number as Day * BLOCK_DAYS;
        if last_day + 2 >= block_start + BLOCK_DAYS {
            return None;
        }
        let slot = &self.blocks[number];
        let block = slot.get_or_init(|| Box::new(Block::build(block_start, day_intervals)));
        // The latest possible first date and the earliest possible last date, as `view` takes
        // them: dates before the one end by `from`, dates after the other start from `to` on.
        let latest_first = utc_day(from.checked_add(86_399)?) - 1;
        let earliest_last = utc_day(to.checked_sub(86_399)?) + 1;
        let before = usize::try_from(latest_first - block_start).ok()?;
        let after = usize::try_from(earliest_last + 1 - block_start).ok()?;
        if *block.ended_by.get(before)? > from || *block.started_from.get(after)? < to {
            return None;
        }
        Some(View {
            blocks: std::slice::from_ref(slot),
            from,
            to,
        })
    }

    /// The union of the opening intervals of the local dates `first_day..=last_day`, clipped to
    /// `[from, to)`, for any `first_day` in `first` and `last_day` in `last`, as a view to ask
    /// questions of; `None` when the table cannot tell it for certain. `day_intervals` gives a
    /// date's opening intervals as instants, not clipped, the empty ones left out.
    pub fn view(
        &self,
        first: RangeInclusive<Day>,
        last: RangeInclusive<Day>,
        (from, to): (Instant, Instant),
        day_intervals: &impl Fn(NaiveDate, &mut Vec<(Instant, Instant)>),
    ) -> Option<View<'_>> {
        let block = |day: Day| {
            usize::try_from(day.checked_sub(FIRST_DAY)?.div_euclid(BLOCK_DAYS))
                .ok()
                .filter(|block| *block < BLOCKS)
        };
        if from >= to || first.start() > last.end() {
            return None;
        }
        let (first_block, last_block) = (block(*first.start())?, block(*last.end())?);
        let blocks = &self.blocks[first_block..=last_block];
        let mut reach = Instant::MIN;
        for (slot, number) in blocks.iter().zip(first_block..) {
            let block_start = FIRST_DAY + number as Day * BLOCK_DAYS;
            let block = slot.get_or_init(|| Box::new(Block::build(block_start, day_intervals)));
            // Blocks are added up: one whose hours reach into the next cannot be.
            if let (Some((start, _)), Some((_, end))) =
                (block.intervals.first(), block.intervals.last())
            {
                if *start < reach {
                    return None;
                }
                reach = *end;
            }
            // The dates before the latest possible first date must end by `from`, those after
            // the earliest possible last date start at or after `to`.
            let before = (*first.end() - block_start).clamp(0, BLOCK_DAYS) as usize;
            let after = (*last.start() + 1 - block_start).clamp(0, BLOCK_DAYS) as usize;
            if block.ended_by[before] > from || block.started_from[after] < to {
                return None;
            }
        }
        Some(View { blocks, from, to })
    }
}

/// Opening intervals clipped to `[from, to)`, ready for questions about instants in that span.
pub struct View<'a> {
    /// Built, in order, and not overlapping one another.
    blocks: &'a [OnceLock<Box<Block>>],
    from: Instant,
    to: Instant,
}

impl View<'_> {
    fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().map(|slot| {
            &**slot
                .get()
                .expect("a view's blocks are built when it is made")
        })
    }

    /// The open intervals, in order, merged where they touch.
    pub fn intervals(&self) -> Vec<(Instant, Instant)> {
        let mut intervals: Vec<(Instant, Instant)> = Vec::new();
        for block in self.blocks() {
            let first = block
                .intervals
                .partition_point(|(_, end)| *end <= self.from);
            let last = block
                .intervals
                .partition_point(|(start, _)| *start < self.to);
            for (start, end) in block.intervals.get(first..last).unwrap_or_default() {
                let (start, end) = ((*start).max(self.from), (*end).min(self.to));
                match intervals.last_mut() {
                    Some(previous) if previous.1 == start => previous.1 = end,
                    _ => intervals.push((start, end)),
                }
            }
        }
        intervals
    }

    /// Open seconds in `[start, end)`, within the view's span.
    pub fn open_time(&self, start: Instant, end: Instant) -> Seconds {
        let (start, end) = (start.max(self.from), end.min(self.to));
        if start >= end {
            return 0;
        }
        self.blocks()
            .map(|block| block.open_before(end).0 - block.open_before(start).0)
            .sum()
    }

    /// The first open instant at or after `start`, within the view's span.
    pub fn first_open(&self, start: Instant) -> Option<Instant> {
        let start = start.max(self.from);
        self.blocks()
            .find_map(|block| {
                let index = block.interval_after(start);
                block
                    .intervals
                    .get(index)
                    .map(|(open, _)| (*open).max(start))
            })
            .filter(|open| *open < self.to)
    }

    /// The instant at which `amount` (> 0) open seconds have passed since `start`, if that is
    /// within the view's span.
    pub fn reached(&self, start: Instant, amount: Seconds) -> Option<Instant> {
        let start = start.max(self.from);
        let mut left = amount;
        for block in self.blocks() {
            let (before, first) = block.open_before(start);
            let available = block.open_total() - before;
            if left <= available {
                let instant = block.reaching(first, before + left)?;
                return (instant <= self.to).then_some(instant);
            }
            left -= available;
        }
        None
    }

    /// [`Self::open_time`] of `[start, end)` and [`Self::reached`] of `amount` (> 0) from
    /// `start`, together. In a view of one block (most spans of a few weeks) the open seconds
    /// before `start` are looked up once for both.
    pub fn open_time_and_reached(
        &self,
        start: Instant,
        end: Instant,
        amount: Seconds,
    ) -> (Seconds, Option<Instant>) {
        let [slot] = self.blocks else {
            return (self.open_time(start, end), self.reached(start, amount));
        };
        let block = slot
            .get()
            .expect("a view's blocks are built when it is made");
        let (start, end) = (start.max(self.from), end.min(self.to));
        let (before, first) = block.open_before(start);
        let elapsed = if start < end {
            block.open_before(end).0 - before
        } else {
            0
        };
        let reached = if amount <= block.open_total() - before {
            block
                .reaching(first, before + amount)
                .filter(|instant| *instant <= self.to)
        } else {
            None
        };
        (elapsed, reached)
    }
}

//! Downtime and availability of one service in one period: the weighted union of its outages.

use crate::money::{Decimal, HUNDRED, is_positive};
use crate::time::{Instant, Seconds};

/// One outage: `[start, end)` with the weight of its severity (1 = full outage, 0.5 = degraded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// First second of the outage.
    pub start: Instant,
    /// First second after it.
    pub end: Instant,
    /// Severity weight, in `(0, 1]`.
    pub weight: Decimal,
}

/// Downtime of a set of outages within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Downtime {
    /// Seconds covered by at least one outage (overlaps count once).
    pub seconds: Seconds,
    /// Seconds weighted by the heaviest outage active at each moment.
    pub weighted: Decimal,
}

/// The union of `outages` clipped to `[from, to)`: overlapping outages count once, and where
/// outages of different weights overlap, the highest weight holds.
pub fn downtime(outages: &[Outage], from: Instant, to: Instant) -> Downtime {
    // Weights are few (one per severity), so each value is numbered once and the sweep over start
    // (+) and end (−) events counts active outages per weight: the heaviest active weight is
    // then found without comparing decimals, and seconds are multiplied by weights at the end
    // (exactly: the sum of products equals the product of sums in decimal arithmetic).
    let mut weights: Vec<Decimal> = Vec::new();
    // Each way a weight is written (`0.5`, `0.50`), with the index of its value in `weights`.
    let mut written: Vec<([u8; 16], usize)> = Vec::new();
    let mut events: Vec<(Instant, bool, usize)> = Vec::with_capacity(outages.len() * 2);
    for outage in outages {
        let (start, end) = (outage.start.max(from), outage.end.min(to));
        if start < end && is_positive(outage.weight) {
            let bytes = outage.weight.serialize();
            let known = written
                .iter()
                .find(|(known, _)| *known == bytes)
                .map(|(_, index)| *index);
            let index = known.unwrap_or_else(|| {
                let equal = weights.iter().position(|weight| *weight == outage.weight);
                let index = equal.unwrap_or_else(|| {
                    weights.push(outage.weight);
                    weights.len() - 1
                });
                written.push((bytes, index));
                index
            });
            events.push((start, true, index));
            events.push((end, false, index));
        }
    }
    // Ranks from lightest to heaviest.
    let mut by_weight: Vec<usize> = (0..weights.len()).collect();
    by_weight.sort_by(|left, right| weights[*left].cmp(&weights[*right]));
    let mut rank = vec![0; weights.len()];
    for (position, index) in by_weight.iter().enumerate() {
        rank[*index] = position;
    }
    events.sort_unstable_by_key(|(instant, starts, _)| (*instant, *starts));
    let mut active = vec![0_u32; weights.len()];
    let mut seconds_at = vec![0; weights.len()];
    let mut result = Downtime::default();
    let mut previous = from;
    for (instant, starts, index) in events {
        if let Some(heaviest) = active.iter().rposition(|count| *count > 0) {
            let span = instant - previous;
            result.seconds += span;
            seconds_at[heaviest] += span;
        }
        previous = instant;
        if starts {
            active[rank[index]] += 1;
        } else {
            active[rank[index]] -= 1;
        }
    }
    result.weighted = by_weight
        .iter()
        .zip(&seconds_at)
        .filter(|(_, seconds)| **seconds > 0)
        .map(|(index, seconds)| Decimal::from(*seconds) * weights[*index])
        .sum();
    result
}

/// The parts of `outages` inside the `open` intervals (sorted, disjoint): outside a calendar's
/// opening hours nothing is measured, so nothing is down.
pub fn clip_to_open(outages: &[Outage], open: &[(Instant, Instant)]) -> Vec<Outage> {
    let mut pieces = Vec::with_capacity(outages.len());
    for outage in outages {
        let first = open.partition_point(|(_, end)| *end <= outage.start);
        for (start, end) in open[first..]
            .iter()
            .take_while(|(start, _)| *start < outage.end)
        {
            let (start, end) = (outage.start.max(*start), outage.end.min(*end));
            if start < end {
                pieces.push(Outage {
                    start,
                    end,
                    weight: outage.weight,
                });
            }
        }
    }
    pieces
}

/// Availability in percent: `(measured − weighted downtime) / measured × 100`; 100 when nothing
/// was measured.
pub fn availability_percent(measured: Seconds, weighted_downtime: Decimal) -> Decimal {
    if measured <= 0 {
        return HUNDRED;
    }
    let measured = Decimal::from(measured);
    (measured - weighted_downtime) * HUNDRED / measured
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    const HOUR: i64 = 3_600;

    fn full(start: Instant, end: Instant) -> Outage {
        Outage {
            start,
            end,
            weight: Decimal::ONE,
        }
    }

    #[test]
    fn one_hour_in_a_thirty_day_month() {
        // 30 days = 2,592,000 s; 60 min = 3,600 s down.
        // (2,592,000 − 3,600) / 2,592,000 × 100 = 99.86111…%
        let month = 30 * 24 * HOUR;
        let down = downtime(&[full(10 * HOUR, 11 * HOUR)], 0, month);
        assert_eq!(down.seconds, 3_600);
        let availability = availability_percent(month, down.weighted);
        assert_eq!(availability.round_dp(4).to_string(), "99.8611");
        assert!(
            availability > Decimal::from_str("99.8611").unwrap()
                && availability < Decimal::from_str("99.8612").unwrap()
        );
    }

    #[test]
    fn overlapping_outages_count_once() {
        // 10:00–11:00 and 10:30–11:30 cover 10:00–11:30 = 90 min = 5,400 s.
        let outages = [
            full(10 * HOUR, 11 * HOUR),
            full(10 * HOUR + 1_800, 11 * HOUR + 1_800),
        ];
        let down = downtime(&outages, 0, 24 * HOUR);
        assert_eq!(down.seconds, 5_400);
        assert_eq!(down.weighted, Decimal::from(5_400));
    }

    #[test]
    fn one_weight_written_two_ways_is_one_weight() {
        // 0.5 and 0.50 are the same weight: 10:00–11:00 and 10:30–11:30 at half weight cover
        // 90 min = 5,400 s, weighted 2,700 s, written as the first outage wrote its weight.
        let outages = [
            Outage {
                start: 10 * HOUR,
                end: 11 * HOUR,
                weight: Decimal::from_str("0.5").unwrap(),
            },
            Outage {
                start: 10 * HOUR + 1_800,
                end: 11 * HOUR + 1_800,
                weight: Decimal::from_str("0.50").unwrap(),
            },
        ];
        let down = downtime(&outages, 0, 24 * HOUR);
        assert_eq!(down.seconds, 5_400);
        assert_eq!(down.weighted.to_string(), "2700.0");
    }

    #[test]
    fn the_heaviest_overlapping_weight_holds() {
        // Degraded (0.5) 10:00–12:00 with a full outage 10:30–11:00 inside it:
        // 30 min × 0.5 + 30 min × 1 + 60 min × 0.5 = 900 + 1,800 + 1,800 = 4,500 weighted seconds.
        let half = Decimal::from_str("0.5").unwrap();
        let outages = [
            Outage {
                start: 10 * HOUR,
                end: 12 * HOUR,
                weight: half,
            },
            full(10 * HOUR + 1_800, 11 * HOUR),
        ];
        let down = downtime(&outages, 0, 24 * HOUR);
        assert_eq!(down.seconds, 7_200);
        assert_eq!(down.weighted, Decimal::from(4_500));
    }

    #[test]
    fn only_open_time_is_down() {
        // Open 08:00–12:00 and 13:00–18:00; an outage 11:00–14:00 is down 11–12 and 13–14 = 2 h.
        let open = [(8 * HOUR, 12 * HOUR), (13 * HOUR, 18 * HOUR)];
        let pieces = clip_to_open(&[full(11 * HOUR, 14 * HOUR)], &open);
        assert_eq!(downtime(&pieces, 0, 24 * HOUR).seconds, 2 * 3_600);
    }

    #[test]
    fn outages_are_clipped_to_the_window() {
        // 23:00 the day before to 01:00: only the hour inside the window counts.
        let down = downtime(&[full(-HOUR, HOUR)], 0, 24 * HOUR);
        assert_eq!(down.seconds, 3_600);
        assert_eq!(
            downtime(&[full(-2 * HOUR, -HOUR)], 0, 24 * HOUR),
            Downtime::default()
        );
    }
}

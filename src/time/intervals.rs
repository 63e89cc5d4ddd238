//! Sets of instants as sorted lists of intervals `[start, end)`: merging and subtracting them.

use super::Instant;

/// Sorts intervals `[start, end)` and merges the ones that overlap or touch.
pub fn merge_intervals(mut intervals: Vec<(Instant, Instant)>) -> Vec<(Instant, Instant)> {
    intervals.sort_unstable();
    let mut merged: Vec<(Instant, Instant)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// `[start, end)` minus the `paused` intervals (sorted, disjoint), as the pieces left in order.
pub fn subtract(
    start: Instant,
    end: Instant,
    paused: &[(Instant, Instant)],
) -> Vec<(Instant, Instant)> {
    pieces_outside(start, end, paused).collect()
}

/// [`subtract`] one piece at a time.
pub fn pieces_outside(
    start: Instant,
    end: Instant,
    paused: &[(Instant, Instant)],
) -> impl Iterator<Item = (Instant, Instant)> {
    let mut cursor = start;
    let mut overlapping = paused
        .iter()
        .filter(move |(pause_start, pause_end)| *pause_end > start && *pause_start < end);
    std::iter::from_fn(move || {
        for (pause_start, pause_end) in overlapping.by_ref() {
            let piece = (cursor, *pause_start);
            cursor = cursor.max(*pause_end);
            if piece.0 < piece.1 {
                return Some(piece);
            }
        }
        (cursor < end).then(|| {
            let piece = (cursor, end);
            cursor = end;
            piece
        })
    })
}

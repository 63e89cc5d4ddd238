//! Event-log exports (`collapse: latest`): many rows per incident, one per update of the ticket,
//! folded into one incident per id.
//!
//! Rows of one incident need not be adjacent or sorted. Each id keeps a small accumulator: the
//! time, place and state of each of its events, and the cells of its latest row. At the end of
//! the input each incident's events are put in `updated` order (ties in file order) and:
//!
//! - the latest row gives every field, as a one-row export would;
//! - `acknowledged`, when the latest row has no value for it, is the first event in a state that
//!   is not a `new_states` one;
//! - `resolved`, when the latest row has none, is the start of the final run of events in
//!   `resolved_states`: the last resolution;
//! - pauses, when the latest row has none, are the spans spent in `pause_states`, plus every span
//!   from a resolution to a reopen (leaving a resolved state): while resolved, the ticket waits
//!   for the customer to object, so a reopened incident's clock resumes where it stopped. Like
//!   every pause, they only count for `pausable` targets.
//!
//! Derived times are clipped to `[opened, resolved]`: a state change logged before the ticket's
//! own `opened` time counts from `opened`. A ticket still in a pause state at its latest event,
//! and not resolved, stays paused.

use std::collections::HashMap;

use super::fingerprint::FingerprintHasher;
use super::records::Record;
use crate::time::{Instant, merge_intervals};

/// What a state means for the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    /// Not yet responded to (`new_states`).
    New,
    /// Being worked on: any state in no list.
    Working,
    /// The clock stands still (`pause_states`).
    Paused,
    /// Resolved or closed (`resolved_states`).
    Resolved,
}

/// One row of an event log: when it was logged, where it is, and the state it records
/// (`None` when the state cell is empty: the state is unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The `updated` time.
    pub updated: Instant,
    /// Input file index.
    pub file: u16,
    /// CSV line.
    pub line: u32,
    /// The state after the event.
    pub state: Option<StateKind>,
}

impl Event {
    /// The fold order: `updated`, then file order.
    fn order(&self) -> (Instant, u16, u32) {
        (self.updated, self.file, self.line)
    }
}

/// A still-waiting pause has no end in the export; it runs to the end of 9999, beyond any
/// deadline search, so the clock stays stopped.
const OPEN_PAUSE_END: Instant = 253_402_300_799;

/// What the state history says about an incident.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Derived {
    /// The first event out of the new states.
    pub acknowledged: Option<Instant>,
    /// The start of the final run of resolved states.
    pub resolved: Option<Instant>,
    /// Pause states and resolution-to-reopen spans, sorted and merged, within
    /// `[opened, resolved]`.
    pub pauses: Vec<(Instant, Instant)>,
}

/// Reads the history of one incident (events in fold order). `resolved_column` is the latest
/// row's own `resolved` value, which wins over the derived one and bounds the pauses.
pub fn derive(events: &[Event], opened: Instant, resolved_column: Option<Instant>) -> Derived {
    let mut state = None;
    let mut acknowledged = None;
    let mut paused_since = None;
    let mut resolved_since = None;
    let mut pauses = Vec::new();
    for event in events {
        let Some(kind) = event.state.or(state) else {
            continue;
        };
        if kind != StateKind::New && acknowledged.is_none() {
            acknowledged = Some(event.updated.max(opened));
        }
        if kind != StateKind::Paused {
            if let Some(start) = paused_since.take() {
                pauses.push((start, event.updated));
            }
        }
        if kind != StateKind::Resolved {
            if let Some(start) = resolved_since.take() {
                // A reopen: the time spent resolved does not count.
                pauses.push((start, event.updated));
            }
        }
        match kind {
            StateKind::Paused if paused_since.is_none() => paused_since = Some(event.updated),
            StateKind::Resolved if resolved_since.is_none() => {
                resolved_since = Some(event.updated);
            }
            _ => {}
        }
        state = Some(kind);
    }
    let resolved = resolved_since.map(|since| since.max(opened));
    let end = resolved_column.or(resolved).unwrap_or(OPEN_PAUSE_END);
    if let Some(start) = paused_since {
        pauses.push((start, end));
    }
    let pauses = merge_intervals(
        pauses
            .into_iter()
            .map(|(start, stop)| (start.max(opened), stop.min(end)))
            .filter(|(start, stop)| start < stop)
            .collect(),
    );
    Derived {
        acknowledged,
        resolved,
        pauses,
    }
}

/// One incident being folded: its events so far and the cells of its latest row.
pub struct Accumulator {
    /// Every event read for the id, in file order until [`Folding::into_incidents`] sorts them.
    pub events: Vec<Event>,
    /// The latest event so far.
    pub latest: Event,
    /// The cells of the latest row.
    pub record: Record,
}

/// The accumulators of every id seen, in order of first appearance.
#[derive(Default)]
pub struct Folding {
    ids: HashMap<Box<str>, usize, FingerprintHasher>,
    incidents: Vec<Accumulator>,
}

impl Folding {
    /// Adds one event row of incident `id`; `record` is kept when the event is the latest yet.
    pub fn add(&mut self, id: &str, event: Event, record: &Record) {
        if let Some(index) = self.ids.get(id) {
            let incident = &mut self.incidents[*index];
            incident.events.push(event);
            if event.order() >= incident.latest.order() {
                incident.latest = event;
                incident.record.clone_from(record);
            }
        } else {
            self.ids.insert(id.into(), self.incidents.len());
            self.incidents.push(Accumulator {
                events: vec![event],
                latest: event,
                record: record.clone(),
            });
        }
    }

    /// The folded incidents, each with its events in fold order, in order of first appearance.
    pub fn into_incidents(self) -> Vec<Accumulator> {
        let mut incidents = self.incidents;
        for incident in &mut incidents {
            incident.events.sort_by_key(Event::order);
        }
        incidents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Instant = 3_600;

    fn events(states: &[(Instant, StateKind)]) -> Vec<Event> {
        states
            .iter()
            .enumerate()
            .map(|(index, (updated, state))| Event {
                updated: *updated,
                file: 0,
                line: index as u32 + 2,
                state: Some(*state),
            })
            .collect()
    }

    #[test]
    fn awaiting_states_pause_and_the_first_move_acknowledges() {
        use StateKind::{New, Paused, Resolved, Working};
        // Opened at 0; New, Active at 1 h, Awaiting 2 h–5 h, Active, Resolved at 6 h, Closed.
        let history = events(&[
            (0, New),
            (H, Working),
            (2 * H, Paused),
            (3 * H, Paused),
            (5 * H, Working),
            (6 * H, Resolved),
            (9 * H, Resolved),
        ]);
        let derived = derive(&history, 0, None);
        assert_eq!(derived.acknowledged, Some(H));
        assert_eq!(derived.resolved, Some(6 * H));
        assert_eq!(derived.pauses, vec![(2 * H, 5 * H)]);
    }

    #[test]
    fn a_reopen_pauses_from_the_resolution_and_the_last_resolution_counts() {
        use StateKind::{Resolved, Working};
        // Resolved at 2 h, reopened at 10 h, resolved again at 12 h.
        let history = events(&[
            (0, Working),
            (2 * H, Resolved),
            (10 * H, Working),
            (12 * H, Resolved),
        ]);
        let derived = derive(&history, 0, None);
        assert_eq!(derived.resolved, Some(12 * H));
        assert_eq!(derived.pauses, vec![(2 * H, 10 * H)]);
        // The export's own resolved column wins, and bounds the pauses.
        let derived = derive(&history, 0, Some(11 * H));
        assert_eq!(derived.pauses, vec![(2 * H, 10 * H)]);
        let derived = derive(&history, 0, Some(5 * H));
        assert_eq!(derived.pauses, vec![(2 * H, 5 * H)]);
    }

    #[test]
    fn times_before_opened_count_from_opened_and_open_pauses_stay_open() {
        use StateKind::{New, Paused, Working};
        // The first update is logged an hour before the ticket's `opened` time.
        let history = events(&[(0, Working), (2 * H, Paused)]);
        let derived = derive(&history, H, None);
        assert_eq!(derived.acknowledged, Some(H));
        assert_eq!(derived.resolved, None);
        assert_eq!(derived.pauses, vec![(2 * H, OPEN_PAUSE_END)]);
        // Empty states keep the state before them; nothing but `New` means no response yet.
        let mut history = events(&[(0, New), (H, Working)]);
        history[1].state = None;
        assert_eq!(derive(&history, 0, None).acknowledged, None);
    }

    #[test]
    fn the_latest_row_is_the_last_in_fold_order() {
        let record = |text: &str| Record::from_iter([text.as_bytes()]);
        let event = |updated, line| Event {
            updated,
            file: 0,
            line,
            state: None,
        };
        let mut folding = Folding::default();
        folding.add("A", event(5 * H, 2), &record("second"));
        folding.add("B", event(0, 3), &record("other"));
        folding.add("A", event(H, 4), &record("first"));
        // Same time as line 2, later in the file: the later row wins the tie.
        folding.add("A", event(5 * H, 5), &record("third"));
        let incidents = folding.into_incidents();
        assert_eq!(incidents.len(), 2);
        assert_eq!(incidents[0].record.get(0), Some(&b"third"[..]));
        let lines: Vec<u32> = incidents[0].events.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4, 2, 5]);
    }
}

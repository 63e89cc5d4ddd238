//! Event-log exports (`collapse: latest`): many rows per incident, one per update of the ticket,
//! folded into one incident per id.
//!
//! Rows of one incident need not be adjacent or sorted. Each id keeps only what the calculation
//! reads back, packed in one small block (see [`Folding`]): the time, place and state of each of
//! its events, and the cells of its latest row in the columns the mapping reads. At the end of
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

use super::fingerprint::IdHash;
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
    /// Line of the row in its file.
    pub line: u64,
    /// The state after the event.
    pub state: Option<StateKind>,
}

impl Event {
    /// The fold order: `updated`, then file order.
    fn order(&self) -> (Instant, u16, u64) {
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
        if kind != StateKind::Paused
            && let Some(start) = paused_since.take()
        {
            pauses.push((start, event.updated));
        }
        if kind != StateKind::Resolved
            && let Some(start) = resolved_since.take()
        {
            // A reopen: the time spent resolved does not count.
            pauses.push((start, event.updated));
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

/// One folded incident as the reader takes it back: its events in fold order, the latest of
/// them, and the cells of its latest row (the columns the mapping reads; every other cell is
/// empty).
pub struct Accumulator {
    /// Every event read for the id, in fold order.
    pub events: Vec<Event>,
    /// The latest event.
    pub latest: Event,
    /// The cells of the latest row.
    pub record: Record,
}

/// The length of a block's head: the latest event's `updated` (8 bytes), line (8), file (2) and
/// state (1).
const HEAD: usize = 19;

/// Slots of the id table hold the top bits of the id's hash above the incident's index + 1.
const INDEX_BITS: u32 = 40;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

/// A cell's tag: the row has no such cell, or the cell is the id itself; any other tag `t` is a
/// cell of `t - 2` bytes, which follow it.
const NO_CELL: u64 = 0;
const ID_CELL: u64 = 1;

/// The incidents being folded, in order of first appearance, each kept in one byte block.
///
/// A block holds only what the calculation reads back: the latest event (its time, place and
/// state), the id, the cells of the latest row in the columns the mapping reads (as text, so
/// the folded row is read and checked exactly as a one-row export's row, rejections and all),
/// and every event packed as variable-length deltas from the latest event before it: a row
/// of a ticket logged a line after the previous one and minutes later takes about four bytes.
/// Ids are found through an open-addressed table of 8-byte slots. An incident of the UCI shape
/// costs about 160 bytes in all (its block, its place in the list and its slots) where a copy of
/// its latest row and a list of its events took 1.25 KB (see `docs/performance.md`).
pub struct Folding {
    /// How ids are hashed for the table; ids are found by their text (a slot's hash bits only
    /// skip the blocks whose id cannot match).
    id_hash: IdHash,
    /// The id table (linear probing, at most half full): 0 for an empty slot.
    slots: Vec<u64>,
    /// One block per incident.
    blocks: Vec<Box<[u8]>>,
    /// Per input file, the columns kept of its rows (the same for every row of a file).
    columns: Vec<Option<Box<[usize]>>>,
    /// Scratch space for an event and for cells being encoded.
    event_bytes: Vec<u8>,
    cell_bytes: Vec<u8>,
}

impl Default for Folding {
    fn default() -> Self {
        Self::new(IdHash::STANDARD)
    }
}

impl Folding {
    /// No incidents yet; ids hashed by `id_hash`.
    pub fn new(id_hash: IdHash) -> Self {
        Self {
            id_hash,
            slots: Vec::new(),
            blocks: Vec::new(),
            columns: Vec::new(),
            event_bytes: Vec::new(),
            cell_bytes: Vec::new(),
        }
    }

    /// Adds one event row of incident `id`. `columns` are the columns its incident is read from
    /// once folded (every column the mapping reads); those cells of `record` are kept when the
    /// event is the latest yet, and no other.
    pub fn add(&mut self, id: &str, event: Event, record: &Record, columns: &[usize]) {
        let file = usize::from(event.file);
        if self.columns.len() <= file {
            self.columns.resize(file + 1, None);
        }
        if self.columns[file].is_none() {
            self.columns[file] = Some(columns.into());
        }
        if (self.blocks.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = self.id_hash.of(id);
        match self.find(hash, id.as_bytes()) {
            Ok(index) => self.update(index, event, record, columns, id.as_bytes()),
            Err(slot) => {
                self.slots[slot] = (hash & !INDEX_MASK) | (self.blocks.len() as u64 + 1);
                self.cell_bytes.clear();
                put_cells(&mut self.cell_bytes, record, columns, id.as_bytes());
                // Room for the lengths and the first event (at most 10 bytes a number).
                let mut block = Vec::with_capacity(HEAD + id.len() + self.cell_bytes.len() + 50);
                write_head(&mut block, event);
                put_varint(&mut block, id.len() as u64);
                block.extend_from_slice(id.as_bytes());
                put_varint(&mut block, self.cell_bytes.len() as u64);
                block.extend_from_slice(&self.cell_bytes);
                put_event(&mut block, event, None);
                self.blocks.push(block.into_boxed_slice());
            }
        }
    }

    /// Adds a later event to the block of incident `index`.
    fn update(
        &mut self,
        index: usize,
        event: Event,
        record: &Record,
        columns: &[usize],
        id: &[u8],
    ) {
        let block = &mut self.blocks[index];
        let latest = head(block);
        self.event_bytes.clear();
        put_event(&mut self.event_bytes, event, Some(latest));
        if event.order() < latest.order() {
            append(block, &self.event_bytes);
            return;
        }
        self.cell_bytes.clear();
        put_cells(&mut self.cell_bytes, record, columns, id);
        let layout = Layout::of(block);
        let mut bytes = if layout.cells.len() == self.cell_bytes.len() {
            // The usual case: the new latest row's cells take as many bytes as the old ones.
            block[layout.cells].copy_from_slice(&self.cell_bytes);
            std::mem::take(block).into_vec()
        } else {
            let mut bytes = Vec::with_capacity(block.len() + self.cell_bytes.len() + 16);
            bytes.extend_from_slice(&block[..layout.cells_length]);
            put_varint(&mut bytes, self.cell_bytes.len() as u64);
            bytes.extend_from_slice(&self.cell_bytes);
            bytes.extend_from_slice(&block[layout.cells.end..]);
            bytes
        };
        bytes.reserve_exact(self.event_bytes.len());
        bytes.extend_from_slice(&self.event_bytes);
        set_head(&mut bytes, event);
        *block = bytes.into_boxed_slice();
    }

    /// The index of incident `id` (`Ok`), or the empty slot where it goes (`Err`).
    fn find(&self, hash: u64, id: &[u8]) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return Err(at);
            }
            let index = (slot & INDEX_MASK) as usize - 1;
            if slot & !INDEX_MASK == hash & !INDEX_MASK && block_id(&self.blocks[index]) == id {
                return Ok(index);
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the id table and puts every incident in it again.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        self.slots = vec![0; size];
        for (index, block) in self.blocks.iter().enumerate() {
            let id = block_id(block);
            // Ids were added as text: the bytes are UTF-8.
            let hash = self.id_hash.of(std::str::from_utf8(id).unwrap_or_default());
            let mut at = hash as usize & (size - 1);
            while self.slots[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            self.slots[at] = (hash & !INDEX_MASK) | (index as u64 + 1);
        }
    }

    /// The folded incidents, each with its events in fold order, in order of first appearance;
    /// each block is unpacked as it is reached and freed after it.
    pub fn into_incidents(self) -> impl Iterator<Item = Accumulator> {
        let Folding {
            blocks, columns, ..
        } = self;
        blocks
            .into_iter()
            .map(move |block| unfold(&block, &columns))
    }
}

/// Where the parts of a block are.
struct Layout {
    /// The start of the cells' length.
    cells_length: usize,
    /// The cells.
    cells: std::ops::Range<usize>,
}

impl Layout {
    fn of(block: &[u8]) -> Self {
        let mut at = HEAD;
        let id_length = varint(block, &mut at) as usize;
        let cells_length = at + id_length;
        at = cells_length;
        let length = varint(block, &mut at) as usize;
        Self {
            cells_length,
            cells: at..at + length,
        }
    }
}

/// Appends `bytes` to a block, growing it by as much.
fn append(block: &mut Box<[u8]>, bytes: &[u8]) {
    let mut grown = std::mem::take(block).into_vec();
    grown.reserve_exact(bytes.len());
    grown.extend_from_slice(bytes);
    *block = grown.into_boxed_slice();
}

/// Starts an empty block with the head of its latest event.
fn write_head(out: &mut Vec<u8>, event: Event) {
    out.resize(HEAD, 0);
    set_head(out, event);
}

/// Writes the head of a block: its latest event.
fn set_head(block: &mut [u8], event: Event) {
    block[..8].copy_from_slice(&event.updated.to_le_bytes());
    block[8..16].copy_from_slice(&event.line.to_le_bytes());
    block[16..18].copy_from_slice(&event.file.to_le_bytes());
    block[18] = state_code(event.state) as u8;
}

/// The latest event of a block.
fn head(block: &[u8]) -> Event {
    let mut updated = [0; 8];
    updated.copy_from_slice(&block[..8]);
    let mut line = [0; 8];
    line.copy_from_slice(&block[8..16]);
    Event {
        updated: Instant::from_le_bytes(updated),
        line: u64::from_le_bytes(line),
        file: u16::from_le_bytes([block[16], block[17]]),
        state: state_of(u64::from(block[18])),
    }
}

/// The id of a block.
fn block_id(block: &[u8]) -> &[u8] {
    let mut at = HEAD;
    let length = varint(block, &mut at) as usize;
    &block[at..at + length]
}

/// The cells of `record` in `columns`, each a tag and its bytes.
fn put_cells(out: &mut Vec<u8>, record: &Record, columns: &[usize], id: &[u8]) {
    for column in columns {
        match record.get(*column) {
            None => put_varint(out, NO_CELL),
            Some(cell) if cell == id => put_varint(out, ID_CELL),
            Some(cell) => {
                put_varint(out, cell.len() as u64 + 2);
                out.extend_from_slice(cell);
            }
        }
    }
}

/// One event, as deltas from `base` (the latest event before it; none for the first): the line
/// difference with a flag for a change of file and the state in its low four bits, then the
/// time difference, then the file if it changed.
fn put_event(out: &mut Vec<u8>, event: Event, base: Option<Event>) {
    let base = base.unwrap_or(ORIGIN);
    let moved = event.file != base.file;
    let line = zigzag(event.line.wrapping_sub(base.line) as i64);
    put_varint(
        out,
        line << 4 | u64::from(moved) << 3 | state_code(event.state),
    );
    put_varint(out, zigzag(event.updated.wrapping_sub(base.updated)));
    if moved {
        put_varint(out, u64::from(event.file));
    }
}

/// What the first event of a block is encoded against.
const ORIGIN: Event = Event {
    updated: 0,
    file: 0,
    line: 0,
    state: None,
};

/// A folded incident unpacked: its events in fold order, its latest event, and its latest row
/// with the kept cells in their columns.
fn unfold(block: &[u8], columns: &[Option<Box<[usize]>>]) -> Accumulator {
    let latest = head(block);
    let layout = Layout::of(block);
    let id = block_id(block);
    let kept = columns
        .get(usize::from(latest.file))
        .and_then(Option::as_deref)
        .unwrap_or_default();
    let width = kept.iter().max().map_or(0, |last| last + 1);
    let mut cells: Vec<&[u8]> = vec![&[]; width];
    let mut at = layout.cells.start;
    for column in kept {
        match varint(block, &mut at) {
            NO_CELL => {}
            ID_CELL => cells[*column] = id,
            tag => {
                let length = (tag - 2) as usize;
                cells[*column] = &block[at..at + length];
                at += length;
            }
        }
    }
    let record: Record = cells.into_iter().collect();
    let mut events = Vec::new();
    let mut base: Option<Event> = None;
    let mut at = layout.cells.end;
    while at < block.len() {
        let from = base.unwrap_or(ORIGIN);
        let first = varint(block, &mut at);
        let updated = from.updated.wrapping_add(unzigzag(varint(block, &mut at)));
        let file = if first & 8 == 0 {
            from.file
        } else {
            varint(block, &mut at) as u16
        };
        let event = Event {
            updated,
            file,
            line: from.line.wrapping_add(unzigzag(first >> 4) as u64),
            state: state_of(first & 7),
        };
        if base.is_none_or(|base| event.order() >= base.order()) {
            base = Some(event);
        }
        events.push(event);
    }
    events.sort_by_key(Event::order);
    Accumulator {
        events,
        latest,
        record,
    }
}

fn state_code(state: Option<StateKind>) -> u64 {
    match state {
        None => 0,
        Some(StateKind::New) => 1,
        Some(StateKind::Working) => 2,
        Some(StateKind::Paused) => 3,
        Some(StateKind::Resolved) => 4,
    }
}

fn state_of(code: u64) -> Option<StateKind> {
    match code {
        1 => Some(StateKind::New),
        2 => Some(StateKind::Working),
        3 => Some(StateKind::Paused),
        4 => Some(StateKind::Resolved),
        _ => None,
    }
}

/// Signed to unsigned with small magnitudes small: 0, -1, 1, -2 … → 0, 1, 2, 3 …
fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    (value >> 1) as i64 ^ -((value & 1) as i64)
}

/// LEB128: seven bits a byte, low bits first, the high bit set on every byte but the last.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0;
    let mut shift = 0;
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return value;
        }
        shift += 7;
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
                line: index as u64 + 2,
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
        folding.add("A", event(5 * H, 2), &record("second"), &[0]);
        folding.add("B", event(0, 3), &record("other"), &[0]);
        folding.add("A", event(H, 4), &record("first"), &[0]);
        // Same time as line 2, later in the file: the later row wins the tie.
        folding.add("A", event(5 * H, 5), &record("third"), &[0]);
        let incidents: Vec<Accumulator> = folding.into_incidents().collect();
        assert_eq!(incidents.len(), 2);
        assert_eq!(incidents[0].record.get(0), Some(&b"third"[..]));
        assert_eq!(incidents[0].latest, event(5 * H, 5));
        let lines: Vec<u64> = incidents[0].events.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4, 2, 5]);
        assert_eq!(incidents[1].record.get(0), Some(&b"other"[..]));
    }

    #[test]
    fn only_the_columns_read_are_kept_and_they_come_back_in_place() {
        // Five cells; the mapping reads columns 0 (the id), 2 and 4. The latest row's cells
        // come back in their columns, every other cell empty.
        let record = |cells: [&str; 5]| cells.iter().map(|cell| cell.as_bytes()).collect();
        let event = |updated, line| Event {
            updated,
            file: 0,
            line,
            state: Some(StateKind::Working),
        };
        let mut folding = Folding::default();
        let early: Record = record(["INC1", "x", "3 - Moderate", "y", "?"]);
        let late: Record = record([
            "INC1",
            "long description",
            "1 - Critical",
            "z",
            "5/3/2016 12:00",
        ]);
        folding.add("INC1", event(2 * H, 3), &late, &[0, 2, 4]);
        // An earlier event read after the latest one leaves the latest row's cells.
        folding.add("INC1", event(H, 2), &early, &[0, 2, 4]);
        let incident = folding.into_incidents().next().expect("one incident");
        let cells: Vec<&[u8]> = incident.record.iter().collect();
        assert_eq!(
            cells,
            [&b"INC1"[..], b"", b"1 - Critical", b"", b"5/3/2016 12:00"]
        );
        assert_eq!(incident.events, vec![event(H, 2), event(2 * H, 3)]);
    }

    #[test]
    fn a_block_keeps_the_cells_read_and_a_few_bytes_an_event() {
        // One incident, id `INC0000045`, cells id + priority + opened + resolved (the UCI
        // mapping's columns), three events a line and an hour apart.
        let record: Record = [
            &b"INC0000045"[..],
            b"3 - Moderate",
            b"29/2/2016 01:16",
            b"29/2/2016 11:29",
        ]
        .into_iter()
        .collect();
        let mut folding = Folding::default();
        for step in 0..3 {
            let event = Event {
                updated: 1_456_708_560 + step * H,
                file: 0,
                line: 2 + step as u64,
                state: Some(StateKind::Working),
            };
            folding.add("INC0000045", event, &record, &[0, 1, 2, 3]);
        }
        // Head 19; id 1 + 10; cells length 1, cells 1 (the id's tag) + 13 + 16 + 16 = 46;
        // first event: line 2 → zigzag 4 << 4 | state 2 = 66 (1 byte), time 1,456,708,560 →
        // zigzag 2,913,417,120 (5 bytes: under 2^35); the next two: line +1 → 2 << 4 | 2 = 34
        // (1 byte), time +3,600 → 7,200 (2 bytes). 19 + 11 + 1 + 46 + 6 + 3 + 3 = 89.
        assert_eq!(folding.blocks[0].len(), 89);
    }

    #[test]
    fn events_come_back_exactly_across_files_lines_and_the_table_growing() {
        use StateKind::{New, Paused, Resolved, Working};
        // 3,000 ids (the id table grows from 1,024 slots to 8,192), each with events in three
        // files, times before 1970 and far apart, lines going down between files, and every
        // state; each incident's events come back as given, in fold order.
        let states = [None, Some(New), Some(Working), Some(Paused), Some(Resolved)];
        let mut folding = Folding::default();
        let mut expected: Vec<Vec<Event>> = vec![Vec::new(); 3_000];
        let mut line = 2;
        for round in 0..4_i64 {
            for (number, events) in expected.iter_mut().enumerate() {
                let file = (round as u16 * 7 + number as u16) % 3;
                let event = Event {
                    updated: (number as i64 % 5 - 2) * 40_000_000_000 + (3 - round) * 97 * H,
                    file,
                    line: if file == 2 { 5 } else { line },
                    state: states[(number + round as usize) % 5],
                };
                line += 1;
                let id = format!("INC{number:07}");
                let record: Record = [id.as_bytes()].into_iter().collect();
                folding.add(&id, event, &record, &[0]);
                events.push(event);
            }
        }
        assert_eq!(folding.slots.len(), 8_192);
        let incidents: Vec<Accumulator> = folding.into_incidents().collect();
        assert_eq!(incidents.len(), 3_000);
        for (number, (incident, mut events)) in incidents.into_iter().zip(expected).enumerate() {
            events.sort_by_key(Event::order);
            assert_eq!(incident.latest, *events.last().expect("four events"));
            assert_eq!(incident.events, events, "INC{number:07}");
            let id = format!("INC{number:07}");
            assert_eq!(incident.record.get(0), Some(id.as_bytes()));
        }
    }
}

//! Streaming CSV reader: one pass over each export (records split as in `records`), one record
//! buffer reused for every row, and every row accounted for. Rows are routed to a contract
//! service and severity as they are read; only the incidents the caller keeps are held in
//! memory. Event-log exports are folded first (see `collapse`), and each folded incident then
//! takes the same path as a row. A large plain-text file is read in parallel parts (see
//! `split`), with the same result.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::collapse::{self, Event, Folding, StateKind};
use super::encoding::{Encoding, decoded};
use super::fingerprint::{self, FingerprintHasher};
use super::records::{Position, Record, Records};
use super::source::{Collapse, Field, Mapping, Source};
use super::split;
use super::{Counted, Exclusion, Incident, Incidents, Paused, Rejection, RowAccounting};
use crate::contract::Contract;
use crate::error::{Error, Location};
use crate::time::{Instant, Seconds, merge_intervals, parse_duration};

/// Told how many more bytes of an export were read, for a progress display. Parts of one file
/// read in parallel each report their own bytes.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Decides, for a valid incident and its id, whether it belongs in the calculation (`Ok`) or is
/// excluded (`Err(reason)`). Parts of a file read in parallel call it from several threads.
pub type Keep<'a> = dyn Fn(&Incident, &str) -> Result<(), &'static str> + Sync + 'a;

/// One export to read: its name for messages and its bytes (plain, or gzip-compressed: a file
/// that starts with the gzip signature is decompressed as it is read).
pub struct Input {
    name: String,
    bytes: Bytes,
    threads: usize,
    min_part: u64,
    progress: Option<Progress>,
}

enum Bytes {
    /// Read once, front to back.
    Stream(Box<dyn Read>),
    /// A file on disk, which can also be opened again at any offset.
    File {
        file: File,
        path: PathBuf,
        size: u64,
    },
}

/// A file is split into parts only when each part gets at least this many bytes: below that,
/// starting threads costs more than it saves.
const MIN_PART_BYTES: u64 = 4 << 20;

impl Input {
    /// An export read front to back once, from any reader (standard input, memory, a pipe).
    pub fn stream(name: impl Into<String>, reader: impl Read + 'static) -> Self {
        Self {
            name: name.into(),
            bytes: Bytes::Stream(Box::new(reader)),
            threads: 1,
            min_part: MIN_PART_BYTES,
            progress: None,
        }
    }

    /// An export file. A large plain-text one is read in parallel parts, one per CPU unless
    /// [`Input::threads`] says otherwise.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        let threads = crate::cpus();
        Ok(Self {
            name: path.display().to_string(),
            bytes: Bytes::File {
                file,
                path: path.to_owned(),
                size,
            },
            threads: threads.min(split::MAX_PARTS),
            min_part: MIN_PART_BYTES,
            progress: None,
        })
    }

    /// Reads with at most `threads` threads (1: front to back in one pass).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.clamp(1, split::MAX_PARTS);
        self
    }

    /// Reports the bytes read to `progress` as reading goes.
    #[must_use]
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The name the export is known by in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size of the export as stored, when it is a file.
    pub fn stored_size(&self) -> Option<u64> {
        match &self.bytes {
            Bytes::Stream(_) => None,
            Bytes::File { size, .. } => Some(*size),
        }
    }

    /// Sets the least part size of a parallel read, so tests can split small files.
    #[cfg(test)]
    pub(super) fn min_part(mut self, bytes: u64) -> Self {
        self.min_part = bytes;
        self
    }
}

/// A reader that reports the bytes it hands out.
struct Reported<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for Reported<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        (self.progress)(count as u64);
        Ok(count)
    }
}

/// `reader`, reporting to `progress` when there is one.
pub(super) fn with_progress<'r>(
    reader: impl Read + 'r,
    progress: Option<&Progress>,
) -> Box<dyn Read + 'r> {
    match progress {
        Some(progress) => Box::new(Reported {
            inner: reader,
            progress: Arc::clone(progress),
        }),
        None => Box::new(reader),
    }
}

/// The exclusion reason of the rows an event log folds into a later row of the same incident.
pub const EARLIER_EVENT: &str = "earlier event of an incident (folded into its latest row)";

/// Distinct service values routed so far are cached up to this many, so an export with a
/// free-text service column cannot grow memory without bound.
const ROUTE_CACHE_LIMIT: usize = 10_000;

/// Reads every export in order. `keep` decides which valid incidents belong in the calculation;
/// duplicates are resolved across all files.
///
/// # Errors
/// When an export cannot be read, or its header lacks a column the source needs.
pub fn read_incidents(
    inputs: Vec<Input>,
    source: &Source,
    contracts: &[Contract],
    keep: &Keep<'_>,
) -> Result<Incidents, Error> {
    let mut state = ReadState {
        source,
        rows: Rows::new(source, contracts, keep),
        event_columns: Vec::new(),
        folding: source.collapse.as_ref().map(|_| Folding::default()),
        parts: Vec::new(),
    };
    let mut files = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let file = u16::try_from(index)
            .map_err(|_| Error::Usage("more than 65,535 incident files".to_owned()))?;
        files.push(input.name.clone());
        state.read_input(file, input)?;
    }
    let mut parts = state.fold();
    Ok(finish(&mut parts, files))
}

/// A compact trace of every valid row (16 bytes), to find duplicate ids across a million rows
/// without keeping every id in memory. Ids are compared by a 64-bit hash: two different ids
/// collide with a probability near 3e-8 in a million-row export. The content of two rows with
/// one id is compared by 28 bits of its hash: two that differ are taken for identical with a
/// chance of one in 268 million.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fingerprint {
    id: u64,
    /// The content hash's top 28 bits, then 4 bits: the index into its part's `exclusions` when
    /// `keep` excluded the row, `KEPT` otherwise.
    content: u32,
    line: u32,
}

const KEPT: u8 = 0xF;

impl Fingerprint {
    fn new(id: u64, content: u64, line: u32, exclusion: u8) -> Self {
        Self {
            id,
            content: ((content >> 32) as u32 & !0xF) | u32::from(exclusion),
            line,
        }
    }

    fn exclusion(self) -> u8 {
        (self.content & 0xF) as u8
    }

    fn same_content(self, other: Self) -> bool {
        self.content >> 4 == other.content >> 4
    }
}

/// What reading a stretch of rows gave: the rows of one file, or of one part of a file read in
/// parallel. Parts are put together in file order by [`finish`].
#[derive(Default)]
pub(super) struct Part {
    /// The index of its file among the inputs (the rows of a folded event log may come from
    /// several, and leave no fingerprints).
    file: u16,
    /// Kept incidents by service, indexed by the service's place among the services of every
    /// contract in order (see [`Rows::service_place`]), so that lists in id order put together
    /// in that order are in report order.
    by_service: Vec<Vec<Incident>>,
    fingerprints: Vec<Fingerprint>,
    /// Whether the ids of the rows with fingerprints rise from row to row.
    ids: IdOrder,
    /// Rows read.
    read: u64,
    /// Rows excluded, by reason.
    exclusions: Vec<(&'static str, u64)>,
    rejected: Vec<Rejection>,
    /// Whether the incidents are in the order [`Part::sort`] puts them in.
    sorted: bool,
}

/// How the ids of a part's rows follow one another: an export in id order can repeat none, and
/// then needs no search for repeated ids.
///
/// Ids are compared by a key: their first 16 bytes, padded with zero bytes, as a big-endian
/// number. A greater key means a greater id (ids that differ only in trailing zero bytes have
/// equal keys, and count as not rising), so keys that rise mean ids that do; an id longer than
/// 16 bytes counts as not rising.
#[derive(Default)]
enum IdOrder {
    #[default]
    NoRows,
    /// Each key greater than the one before: the first and the last.
    Rising {
        first: u128,
        last: u128,
    },
    Unordered,
}

impl IdOrder {
    fn note(&mut self, id: &str) {
        let key = || {
            let id = id.as_bytes();
            let mut key = [0; 16];
            key.get_mut(..id.len())?.copy_from_slice(id);
            Some(u128::from_be_bytes(key))
        };
        *self = match (&*self, key()) {
            (Self::NoRows, Some(key)) => Self::Rising {
                first: key,
                last: key,
            },
            (Self::Rising { first, last }, Some(key)) if key > *last => Self::Rising {
                first: *first,
                last: key,
            },
            (Self::Unordered, _) => return,
            _ => Self::Unordered,
        };
    }
}

/// Whether no id occurs in two rows of the parts: each part's ids rise, and each part's begin
/// above where the part before it ends.
fn ids_rise_throughout(parts: &[Part]) -> bool {
    let mut below: Option<u128> = None;
    for part in parts {
        match part.ids {
            IdOrder::NoRows => {}
            IdOrder::Rising { first, last } => {
                if below.is_some_and(|below| first <= below) {
                    return false;
                }
                below = Some(last);
            }
            IdOrder::Unordered => return false,
        }
    }
    true
}

impl Part {
    pub(super) fn of_file(file: u16) -> Self {
        Self {
            file,
            ..Self::default()
        }
    }

    /// Counts `rows` rows excluded for `reason` and returns the reason's index.
    fn exclude(&mut self, reason: &'static str, rows: u64) -> u8 {
        let known = self
            .exclusions
            .iter()
            .position(|(known, _)| std::ptr::eq(*known, reason) || *known == reason);
        let index = known.unwrap_or_else(|| {
            self.exclusions.push((reason, 0));
            self.exclusions.len() - 1
        });
        self.exclusions[index].1 += rows;
        u8::try_from(index)
            .ok()
            .filter(|index| *index != KEPT)
            .expect("at most 15 exclusion reasons")
    }

    /// Adds a kept incident of the service at `place`.
    fn push(&mut self, place: usize, incident: Incident) {
        if self.by_service.len() <= place {
            self.by_service.resize_with(place + 1, Vec::new);
        }
        self.by_service[place].push(incident);
    }

    /// Puts each service's incidents in id order, for [`finish`] to put together. Exports are
    /// often in id order already, which the sort finds in one pass.
    pub(super) fn sort(&mut self) {
        if !self.sorted {
            for incidents in &mut self.by_service {
                incidents.sort_unstable_by(incident_order);
            }
            self.sorted = true;
        }
    }

    /// Moves every line number down by `lines`: a part read from the middle of a file counts
    /// its lines from where it started.
    pub(super) fn shift_lines(&mut self, lines: u32) {
        if lines == 0 {
            return;
        }
        for incident in self.by_service.iter_mut().flatten() {
            incident.line = incident.line.saturating_add(lines);
        }
        for print in &mut self.fingerprints {
            print.line = print.line.saturating_add(lines);
        }
        for rejection in &mut self.rejected {
            rejection.line = rejection.line.saturating_add(lines);
        }
    }
}

/// Keeps, of every part's fingerprints, those whose id may occur more than once, in id order:
/// every row of every repeated id, and a few others. Ids are sorted only after this sieve, since
/// a million ids rarely hold more than a handful of repeats.
///
/// The sieve is a table of 16 bits per fingerprint (two megabytes for a million rows), indexed
/// by the top bits of the id hash: a first pass marks every slot seen and every slot seen twice,
/// a second keeps the fingerprints of slots seen twice. All copies of one id share a slot, so
/// none is lost; two different ids share one with a chance of one in sixteen, which costs only
/// the sorting of a few more fingerprints.
fn keep_repeated_ids(parts: &mut [Part]) {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let total: usize = parts.iter().map(|part| part.fingerprints.len()).sum();
    let slots = (total * 16).next_power_of_two().max(1 << 16);
    let shift = 64 - slots.trailing_zeros();
    let slot = |print: &Fingerprint| {
        let slot = (print.id >> shift) as usize;
        (slot / 64, 1_u64 << (slot % 64))
    };
    let seen: Vec<AtomicU64> = (0..slots / 64).map(|_| AtomicU64::new(0)).collect();
    let twice: Vec<AtomicU64> = (0..slots / 64).map(|_| AtomicU64::new(0)).collect();
    // The parts shared among up to one thread per CPU: each marks its parts, then (once every
    // part is marked) keeps their repeated ids.
    let per_thread = parts.len().div_ceil(crate::cpus()).max(1);
    let marked = std::sync::Barrier::new(parts.len().div_ceil(per_thread));
    std::thread::scope(|scope| {
        for share in parts.chunks_mut(per_thread) {
            let (seen, twice, marked) = (&seen, &twice, &marked);
            scope.spawn(move || {
                for print in share.iter().flat_map(|part| &part.fingerprints) {
                    let (word, bit) = slot(print);
                    if seen[word].fetch_or(bit, Relaxed) & bit != 0 {
                        twice[word].fetch_or(bit, Relaxed);
                    }
                }
                marked.wait();
                for part in share {
                    part.fingerprints.retain(|print| {
                        let (word, bit) = slot(print);
                        twice[word].load(Relaxed) & bit != 0
                    });
                    part.fingerprints.shrink_to_fit();
                    sort_by_id(&mut part.fingerprints);
                }
            });
        }
    });
}

/// Sorts fingerprints by id hash (copies of one id in no particular order). Hashes are spread
/// evenly, so an in-place radix sort on their top 16 bits leaves buckets of a few fingerprints
/// each, which a comparison sort then finishes: about twice as fast as a comparison sort alone,
/// without a second buffer.
fn sort_by_id(prints: &mut [Fingerprint]) {
    const SMALL: usize = 256;
    if prints.len() <= SMALL {
        prints.sort_unstable_by_key(|print| print.id);
        return;
    }
    let bounds = radix_pass(prints, 56);
    for high in bounds.windows(2) {
        let bucket = &mut prints[high[0]..high[1]];
        if bucket.len() <= SMALL {
            bucket.sort_unstable_by_key(|print| print.id);
            continue;
        }
        let bounds = radix_pass(bucket, 48);
        for low in bounds.windows(2) {
            bucket[low[0]..low[1]].sort_unstable_by_key(|print| print.id);
        }
    }
}

/// One pass of an in-place (American flag) radix sort on bits `shift..shift + 8` of the id
/// hashes; returns where each of the 256 buckets begins, and the end.
fn radix_pass(prints: &mut [Fingerprint], shift: u32) -> [usize; 257] {
    let digit = |print: &Fingerprint| usize::from((print.id >> shift) as u8);
    let mut bounds = [0; 257];
    for print in prints.iter() {
        bounds[digit(print) + 1] += 1;
    }
    for bucket in 0..256 {
        bounds[bucket + 1] += bounds[bucket];
    }
    let mut next = bounds;
    for bucket in 0..256 {
        while next[bucket] < bounds[bucket + 1] {
            let belongs = digit(&prints[next[bucket]]);
            if belongs == bucket {
                next[bucket] += 1;
            } else {
                prints.swap(next[bucket], next[belongs]);
                next[belongs] += 1;
            }
        }
    }
    bounds
}

/// The order of one service's counted incidents: by id (then row, for equal ids in different
/// rows).
fn incident_order(left: &Incident, right: &Incident) -> std::cmp::Ordering {
    (&left.id, left.file, left.line).cmp(&(&right.id, right.file, right.line))
}

/// Where a service value goes: one (contract, service), or one per version of a contract (the
/// version in force when the incident was opened is taken; shared, so a cached route is copied
/// without allocating).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    One(u16, u16),
    Versions(Arc<[(u16, u16)]>),
}

/// A row: input file index and CSV line.
type RowKey = (u16, u32);

/// Turns rows into incidents: what one reading thread needs, with its own routing cache.
pub(super) struct Rows<'a> {
    source: &'a Source,
    contracts: &'a [Contract],
    keep: &'a Keep<'a>,
    /// For each contract, how many services the contracts before it have.
    services_before: Box<[usize]>,
    routes: HashMap<Box<str>, Result<Route, String>, FingerprintHasher>,
    known_services: Known<Route>,
    known_severities: Known<u16>,
}

/// Cell values already resolved, by their bytes as read: an export names a handful of services
/// and severities a million times, and a value seen before then skips trimming, the UTF-8
/// check, aliases and matching. Only the first few distinct values are kept (a short list is
/// searched faster than a hash map); others take the full path.
struct Known<T> {
    /// (key, tag, bytes, value): the key is [`Known::key`] of the bytes, compared first; the tag
    /// tells apart what the same bytes mean in different places.
    entries: Vec<(u64, u32, Box<[u8]>, T)>,
}

impl<T> Default for Known<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<T> Known<T> {
    const LIMIT: usize = 16;

    fn get(&self, tag: u32, bytes: &[u8]) -> Option<&T> {
        let key = Self::key(bytes);
        self.entries
            .iter()
            .find(|(known_key, known_tag, known, _)| {
                *known_key == key && *known_tag == tag && (bytes.len() <= 7 || **known == *bytes)
            })
            .map(|(.., value)| value)
    }

    fn remember(&mut self, tag: u32, bytes: &[u8], value: T) {
        if self.entries.len() < Self::LIMIT {
            self.entries
                .push((Self::key(bytes), tag, bytes.into(), value));
        }
    }

    /// The length and the first seven bytes of a cell in one word: equal keys of cells of up to
    /// seven bytes (service and severity values, mostly) mean equal cells.
    fn key(bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        for (to, byte) in word.iter_mut().zip(bytes.iter().take(7)) {
            *to = *byte;
        }
        word[7] = bytes.len().min(255) as u8;
        u64::from_le_bytes(word)
    }
}

struct ReadState<'a> {
    source: &'a Source,
    rows: Rows<'a>,
    /// Each file's index, name and columns, kept for folding event logs (empty otherwise).
    event_columns: Vec<(u16, String, Columns<'a>)>,
    /// Event logs: the incidents being folded.
    folding: Option<Folding>,
    parts: Vec<Part>,
}

/// A stretch of rows could not be read: the line (counted from where the stretch began) and
/// the reader's message.
pub(super) struct Unreadable {
    pub(super) line: u64,
    pub(super) message: String,
}

impl Unreadable {
    /// The error, for the file `name`, with the line moved down by `lines`.
    pub(super) fn into_error(self, name: &str, lines: u64) -> Error {
        Error::Incidents {
            location: Location {
                file: name.to_owned(),
                line: u32::try_from(self.line + lines).unwrap_or(u32::MAX),
                column: 1,
            },
            message: format!("cannot read the export: {}", self.message),
        }
    }
}

/// The header of an export read by `records`: its first record (none in an empty export).
pub(super) fn read_header<R: Read>(records: &mut Records<R>) -> io::Result<Record> {
    let mut header = Record::default();
    Ok(match records.read(&mut header)? {
        Some(_) => header,
        None => Record::default(),
    })
}

/// The records being read: the file's name for rejections, and the header's number of fields.
pub(super) struct Stretch<'n> {
    pub(super) name: &'n str,
    pub(super) header_len: usize,
}

/// Reads records into `part` until the end, or until `stop` says the next record, at the given
/// byte offset, belongs to the next part. Each record with the header's number of fields goes to
/// `each`; its rejection is filed at the record's line. Returns where reading stopped.
///
pub(super) fn read_records<R: Read>(
    records: &mut Records<R>,
    stretch: &Stretch<'_>,
    part: &mut Part,
    mut stop: impl FnMut(u64) -> bool,
    mut each: impl FnMut(&mut Part, u32, &Record) -> Result<(), Box<Rejection>>,
) -> Result<Position, Unreadable> {
    let mut record = Record::default();
    loop {
        let next = records.position();
        if stop(next.byte) {
            return Ok(next);
        }
        match records.read(&mut record) {
            Ok(None) => return Ok(records.position()),
            Ok(Some(began)) => {
                part.read += 1;
                let line = began.line as u32;
                let outcome = if record.len() == stretch.header_len {
                    each(part, line, &record)
                } else {
                    Err(Box::new(Rejection {
                        file: String::new(),
                        line: 0,
                        column: String::new(),
                        value: String::new(),
                        reason: format!(
                            "row has {} fields, the header has {}",
                            record.len(),
                            stretch.header_len
                        ),
                    }))
                };
                if let Err(mut rejection) = outcome {
                    stretch.name.clone_into(&mut rejection.file);
                    rejection.line = line;
                    part.rejected.push(*rejection);
                }
            }
            Err(error) => {
                return Err(Unreadable {
                    line: next.line,
                    message: error.to_string(),
                });
            }
        }
    }
}

/// Where each field's value comes from in one file, resolved once from the header so that reading
/// a cell is an array index, not a lookup by name.
pub(super) struct Columns<'s> {
    slots: [Slot<'s>; Field::ALL.len()],
    /// The column (or field) name per field, for rejection messages.
    names: [String; Field::ALL.len()],
    /// Cell values that mean "no value".
    missing: &'s [String],
    /// The file's encoding, for the message about a cell that is not UTF-8.
    encoding: Encoding,
    /// Event logs: the `updated` and `state` columns.
    events: Option<EventColumns<'s>>,
}

/// Where an event log's event time and state are, in one file.
struct EventColumns<'s> {
    collapse: &'s Collapse,
    updated: usize,
    state: Option<usize>,
}

#[derive(Clone, Copy)]
enum Slot<'s> {
    /// Not in this export.
    Absent,
    /// The same value on every row.
    Constant(&'s str),
    /// A column, with value aliases when the mapping has any.
    Column {
        index: usize,
        aliases: Option<&'s BTreeMap<String, String>>,
    },
}

impl<'s> Columns<'s> {
    pub(super) fn resolve(source: &'s Source, headers: &Record, file: &str) -> Result<Self, Error> {
        let header_error = |message: String| Error::Incidents {
            location: Location {
                file: file.to_owned(),
                line: 1,
                column: 1,
            },
            message,
        };
        if headers.is_empty() {
            return Err(header_error(
                "the export is empty: there is no header line naming the columns".to_owned(),
            ));
        }
        let header_names: Vec<String> = headers
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_owned())
            .collect();
        let mut slots = [Slot::Absent; Field::ALL.len()];
        let mut names: [String; Field::ALL.len()] =
            std::array::from_fn(|index| Field::ALL[index].name().to_owned());
        for (field, mapping) in &source.fields {
            let (name, values) = match mapping {
                Mapping::Constant(value) => {
                    slots[field.index()] = Slot::Constant(value);
                    continue;
                }
                Mapping::Column { name, values } => (name, values),
            };
            names[field.index()].clone_from(name);
            match header_names.iter().position(|header| header == name) {
                Some(index) => {
                    let aliases = (!values.is_empty()).then_some(values);
                    slots[field.index()] = Slot::Column { index, aliases };
                }
                None if !source.column_optional(*field) => {
                    let from_preset = if source.preset_columns.contains(field) {
                        format!(
                            " (the `{}` preset's column; to read another, write a mapping file with `preset: {}` and `fields: {{ {}: <column> }}`)",
                            source.preset,
                            source.preset,
                            field.name()
                        )
                    } else {
                        String::new()
                    };
                    return Err(header_error(format!(
                        "column `{name}` (for {}) is not in the header{from_preset}; the header has: {}",
                        field.name(),
                        header_names.join(", ")
                    )));
                }
                None => {}
            }
        }
        let events = match &source.collapse {
            None => None,
            Some(collapse) => {
                let position = |name: &str| header_names.iter().position(|header| header == name);
                let updated = position(&collapse.updated).ok_or_else(|| {
                    header_error(format!(
                        "column `{}` (for collapse.updated, the time of each event) is not in the header; the header has: {}",
                        collapse.updated,
                        header_names.join(", ")
                    ))
                })?;
                let state = match &collapse.state {
                    None => None,
                    Some(name) => match position(name) {
                        Some(index) => Some(index),
                        None if collapse.state_required => {
                            return Err(header_error(format!(
                                "column `{name}` (for collapse.state) is not in the header; the header has: {}",
                                header_names.join(", ")
                            )));
                        }
                        None => None,
                    },
                };
                Some(EventColumns {
                    collapse,
                    updated,
                    state,
                })
            }
        };
        Ok(Self {
            slots,
            names,
            missing: &source.missing,
            encoding: source.encoding,
            events,
        })
    }
}

/// The trimmed text of a cell; `Ok(None)` when it is empty or a missing-value marker, `Err`
/// with the bytes when they are not UTF-8.
fn cell_text<'r>(bytes: &'r [u8], missing: &[String]) -> Result<Option<&'r str>, &'r [u8]> {
    let bytes = bytes.trim_ascii();
    let text = std::str::from_utf8(bytes).map_err(|_| bytes)?;
    if text.is_empty() || missing.iter().any(|marker| marker == text) {
        Ok(None)
    } else {
        Ok(Some(text))
    }
}

/// The times of an incident after `opened`.
struct Times {
    started: Option<Instant>,
    acknowledged: Option<Instant>,
    resolved: Option<Instant>,
    paused: Paused,
}

/// A row being read: its cells by field, with the mapping applied.
struct Row<'r> {
    record: &'r Record,
    columns: &'r Columns<'r>,
    timestamps: &'r crate::time::TimestampFormat,
    /// For a folded event log: the incident's events in fold order.
    history: Option<&'r [Event]>,
}

impl<'r> Row<'r> {
    /// The trimmed value of `field` with value aliases applied; `Ok(None)` when empty, a
    /// missing-value marker or unmapped; `Err` when not UTF-8.
    fn get(&self, field: Field) -> Result<Option<&'r str>, Box<Rejection>> {
        let text = match self.columns.slots[field.index()] {
            Slot::Absent => return Ok(None),
            Slot::Constant(value) => value,
            Slot::Column { index, aliases } => {
                let Some(text) = self.cell(field, index)? else {
                    return Ok(None);
                };
                aliases
                    .and_then(|aliases| aliases.get(text))
                    .map_or(text, String::as_str)
            }
        };
        Ok((!text.is_empty()).then_some(text))
    }

    /// The bytes of `field`'s cell as read, when it comes from a column: whatever the field
    /// means is a function of them.
    fn raw(&self, field: Field) -> Option<&'r [u8]> {
        match self.columns.slots[field.index()] {
            Slot::Column { index, .. } => self.record.get(index),
            Slot::Absent | Slot::Constant(_) => None,
        }
    }

    /// The trimmed text of cell `index`, read for `field`; `None` when empty or missing.
    fn cell(&self, field: Field, index: usize) -> Result<Option<&'r str>, Box<Rejection>> {
        let Some(bytes) = self.record.get(index) else {
            return Ok(None);
        };
        cell_text(bytes, self.columns.missing).map_err(|bytes| {
            let hint = match self.columns.encoding {
                Encoding::Utf8 => "; if the export is Latin-1, or Windows-1252 as spreadsheets save it, declare `encoding: latin1` or `encoding: windows-1252` in a mapping file (docs/sources.md)",
                Encoding::Latin1 | Encoding::Windows1252 => "",
            };
            self.reject(
                field,
                &String::from_utf8_lossy(bytes),
                format!("is not valid UTF-8{hint}"),
            )
        })
    }

    fn required(&self, field: Field) -> Result<&'r str, Box<Rejection>> {
        self.get(field)?
            .ok_or_else(|| self.reject(field, "", "is empty; every row needs it".to_owned()))
    }

    fn instant(&self, field: Field) -> Result<Option<Instant>, Box<Rejection>> {
        // Plain columns go straight from bytes to the timestamp parser: no UTF-8 pass for cells
        // that are ASCII digits in the common case.
        match self.columns.slots[field.index()] {
            Slot::Absent => return Ok(None),
            Slot::Column {
                index,
                aliases: None,
            } => {
                let bytes = self.record.get(index).map_or(&b""[..], <[u8]>::trim_ascii);
                if bytes.is_empty() {
                    return Ok(None);
                }
                if let Some(instant) = self.timestamps.parse_fast(bytes) {
                    return Ok(Some(instant));
                }
            }
            Slot::Column { .. } | Slot::Constant(_) => {}
        }
        let Some(text) = self.get(field)? else {
            return Ok(None);
        };
        self.timestamps
            .parse(text)
            .map(Some)
            .map_err(|error| self.reject(field, text, error.to_string()))
    }

    /// The severity a cell names, as an index into the contract's severities. A contract may
    /// match the value after the mapping's aliases (`P1`) or the export's own (`1 - Critical`).
    fn severity(&self, field: Field, contract: &Contract) -> Result<Option<u16>, Box<Rejection>> {
        let Some(value) = self.get(field)? else {
            return Ok(None);
        };
        let unaliased = || match self.columns.slots[field.index()] {
            Slot::Column {
                index,
                aliases: Some(_),
            } => self.cell(field, index).ok().flatten(),
            _ => None,
        };
        let raw = unaliased().filter(|raw| *raw != value);
        let index = contract
            .severity_for(value)
            .or_else(|| raw.and_then(|raw| contract.severity_for(raw)));
        let index = index.ok_or_else(|| {
            let known: Vec<&str> = contract
                .severities
                .iter()
                .flat_map(|severity| severity.values.iter().map(String::as_str))
                .collect();
            let aliased = raw.map_or_else(String::new, |_| {
                format!(", nor does `{value}`, its value after the source's aliases")
            });
            let reason = format!(
                "matches no severity of contract {}{aliased} (known values: {})",
                contract.id,
                known.join(", ")
            );
            self.reject(field, raw.unwrap_or(value), reason)
        })?;
        Ok(Some(index as u16))
    }

    /// A yes/no cell: `true`/`yes`/`1` or `false`/`no`/`0` (any case); empty is no.
    fn flag(&self, field: Field) -> Result<bool, Box<Rejection>> {
        match self.get(field)? {
            None => Ok(false),
            Some(text)
                if ["true", "yes", "1", "y"]
                    .iter()
                    .any(|yes| text.eq_ignore_ascii_case(yes)) =>
            {
                Ok(true)
            }
            Some(text)
                if ["false", "no", "0", "n"]
                    .iter()
                    .any(|no| text.eq_ignore_ascii_case(no)) =>
            {
                Ok(false)
            }
            Some(text) => Err(self.reject(
                field,
                text,
                "is not a yes/no value (true, false, yes, no, 1, 0)".to_owned(),
            )),
        }
    }

    /// The `paused` cell: intervals `start/end;start/end` (in the export's timestamp format),
    /// merged and sorted, or a total written as a duration (`1h20m`) or in seconds.
    fn paused(&self, opened: Instant) -> Result<Paused, Box<Rejection>> {
        let Some(text) = self.get(Field::Paused)? else {
            return Ok(Paused::None);
        };
        if !text.contains('/') {
            let total = text
                .parse::<Seconds>()
                .ok()
                .filter(|seconds| *seconds >= 0)
                .map_or_else(|| parse_duration(text), Ok)
                .map_err(|_| self.reject(Field::Paused, text, "is neither pause intervals `start/end;start/end` nor a duration like `1h20m`".to_owned()))?;
            return Ok(if total == 0 {
                Paused::None
            } else {
                Paused::Total(total)
            });
        }
        let mut intervals = Vec::new();
        for part in text
            .split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (start, end) = part.split_once('/').ok_or_else(|| {
                self.reject(
                    Field::Paused,
                    part,
                    "is not a pause interval `start/end`".to_owned(),
                )
            })?;
            let parse = |moment: &str| {
                self.timestamps
                    .parse(moment)
                    .map_err(|error| self.reject(Field::Paused, moment, error.to_string()))
            };
            let (start, end) = (parse(start)?, parse(end)?);
            if end < start || start < opened {
                let reason = if end < start {
                    "ends before it starts"
                } else {
                    "starts before the incident was opened"
                };
                return Err(self.reject(Field::Paused, part, format!("pause {reason}")));
            }
            intervals.push((start, end));
        }
        let merged = merge_intervals(intervals);
        Ok(if merged.is_empty() {
            Paused::None
        } else {
            Paused::Intervals(merged.into_boxed_slice())
        })
    }

    /// The incident's clock after `opened`: its own columns, checked against `opened`, and for
    /// a folded event log what its history says where the latest row is silent.
    fn times(&self, opened: Instant) -> Result<Times, Box<Rejection>> {
        let row = self;
        let started = row.instant(Field::Started)?;
        let mut acknowledged = row.instant(Field::Acknowledged)?;
        let mut resolved = row.instant(Field::Resolved)?;
        let mut derived_pauses = None;
        if let Some(history) = row.history {
            let derived = collapse::derive(history, opened, resolved);
            acknowledged = acknowledged.or(derived.acknowledged);
            resolved = resolved.or(derived.resolved);
            derived_pauses = Some(derived.pauses);
        }
        let before_opened = |field: Field, instant: Option<Instant>| match instant {
            Some(instant) if instant < opened => {
                let value = row.get(field).ok().flatten().unwrap_or_default();
                Err(row.reject(
                    field,
                    value,
                    format!(
                        "is before `opened` ({})",
                        row.get(Field::Opened).ok().flatten().unwrap_or_default()
                    ),
                ))
            }
            _ => Ok(()),
        };
        before_opened(Field::Acknowledged, acknowledged)?;
        before_opened(Field::Resolved, resolved)?;
        if let Some(started) = started.filter(|started| *started > opened) {
            let value = row.get(Field::Started).ok().flatten().unwrap_or_default();
            return Err(row.reject(Field::Started, value, format!("is after `opened`; the failure cannot begin after it was detected ({started} > {opened})")));
        }
        let paused = match derived_pauses {
            Some(pauses) if row.get(Field::Paused)?.is_none() => {
                if pauses.is_empty() {
                    Paused::None
                } else {
                    Paused::Intervals(pauses.into_boxed_slice())
                }
            }
            _ => row.paused(opened)?,
        };
        Ok(Times {
            started,
            acknowledged,
            resolved,
            paused,
        })
    }

    /// Boxed, so that every `Result` on the way from a cell to its row stays a few words wide
    /// (a rejection is more than a hundred bytes) and is passed back in registers.
    #[allow(clippy::unnecessary_box_returns)]
    fn reject(&self, field: Field, value: &str, reason: String) -> Box<Rejection> {
        Box::new(Rejection {
            file: String::new(),
            line: 0,
            column: self.columns.names[field.index()].clone(),
            value: value.to_owned(),
            reason,
        })
    }
}

impl ReadState<'_> {
    fn read_input(&mut self, file: u16, input: Input) -> Result<(), Error> {
        let Input {
            name,
            bytes,
            threads,
            min_part,
            progress,
        } = input;
        let reader = match bytes {
            Bytes::Stream(reader) => with_progress(reader, progress.as_ref()),
            Bytes::File {
                file: handle,
                path,
                size,
            } => {
                if self.folding.is_none() {
                    let job = split::Job {
                        path: &path,
                        size,
                        parts: usize::try_from(size / min_part.max(1))
                            .unwrap_or(usize::MAX)
                            .min(threads),
                        file,
                        name: &name,
                        progress: progress.as_ref(),
                    };
                    if let Some(parts) = job.read(&self.rows)? {
                        self.parts.extend(parts);
                        return Ok(());
                    }
                }
                with_progress(BufReader::with_capacity(1 << 16, handle), progress.as_ref())
            }
        };
        self.read_stream(file, &name, reader)
    }

    /// Reads one export front to back: decoded, header resolved, every row read or folded.
    fn read_stream(&mut self, file: u16, name: &str, reader: Box<dyn Read>) -> Result<(), Error> {
        let source = self.source;
        let unreadable = |message: String| Unreadable { line: 1, message };
        let bytes = decoded(reader, source.encoding)
            .map_err(|error| unreadable(error.to_string()).into_error(name, 0))?;
        let mut reader = Records::new(bytes, source.delimiter, true);
        let headers = read_header(&mut reader)
            .map_err(|error| unreadable(error.to_string()).into_error(name, 0))?;
        let columns = Columns::resolve(source, &headers, name)?;
        let mut part = Part::of_file(file);
        let stretch = Stretch {
            name,
            header_len: headers.len(),
        };
        let no_stop = |_| false;
        let outcome = match &mut self.folding {
            None => {
                self.rows
                    .read_part(&mut reader, (file, &columns), &stretch, &mut part, no_stop)
            }
            Some(folding) => read_records(
                &mut reader,
                &stretch,
                &mut part,
                no_stop,
                |_, line, record| {
                    let row = Row {
                        record,
                        columns: &columns,
                        timestamps: &source.timestamps,
                        history: None,
                    };
                    event(folding, file, line, &row)
                },
            ),
        };
        outcome.map_err(|unreadable| unreadable.into_error(name, 0))?;
        self.parts.push(part);
        if self.folding.is_some() {
            self.event_columns.push((file, name.to_owned(), columns));
        }
        Ok(())
    }

    /// Folds each event log incident into one row and reads it like a row of a one-row export,
    /// at its latest row's place. Its earlier events are excluded as folded. Returns every part
    /// read.
    fn fold(mut self) -> Vec<Part> {
        let Some(folding) = self.folding.take() else {
            return self.parts;
        };
        let mut part = Part::default();
        for incident in folding.into_incidents() {
            let earlier = incident.events.len() as u64 - 1;
            if earlier > 0 {
                part.exclude(EARLIER_EVENT, earlier);
            }
            let latest = incident.latest;
            let (_, file_name, file_columns) = self
                .event_columns
                .iter()
                .find(|(file, ..)| *file == latest.file)
                .expect("every file of an event log keeps its columns");
            let row = Row {
                record: &incident.record,
                columns: file_columns,
                timestamps: &self.source.timestamps,
                history: Some(&incident.events),
            };
            if let Err(mut rejection) = self.rows.row(&mut part, latest.file, latest.line, &row) {
                rejection.file.clone_from(file_name);
                rejection.line = latest.line;
                part.rejected.push(*rejection);
            }
        }
        self.parts.push(part);
        self.parts
    }
}

/// One row of an event log: checks its id and event time and adds it to its incident.
fn event(folding: &mut Folding, file: u16, line: u32, row: &Row<'_>) -> Result<(), Box<Rejection>> {
    let events = row
        .columns
        .events
        .as_ref()
        .expect("only event logs read events");
    let id = row.required(Field::Id)?;
    let column_rejection = |column: &str, value: &str, reason: String| {
        Box::new(Rejection {
            file: String::new(),
            line: 0,
            column: column.to_owned(),
            value: value.to_owned(),
            reason,
        })
    };
    let collapse = events.collapse;
    let text = |index: usize, column: &str| {
        row.record.get(index).map_or(Ok(None), |bytes| {
            cell_text(bytes, row.columns.missing).map_err(|bytes| {
                column_rejection(
                    column,
                    &String::from_utf8_lossy(bytes),
                    "is not valid UTF-8".to_owned(),
                )
            })
        })
    };
    let updated = text(events.updated, &collapse.updated)?.ok_or_else(|| {
        column_rejection(
            &collapse.updated,
            "",
            "is empty; every event of an event log needs its time".to_owned(),
        )
    })?;
    let updated = row
        .timestamps
        .parse(updated)
        .map_err(|error| column_rejection(&collapse.updated, updated, error.to_string()))?;
    let state = match (events.state, &collapse.state) {
        (Some(index), Some(column)) => text(index, column)?.map(|state| {
            let is =
                |states: &[String]| states.iter().any(|known| known.eq_ignore_ascii_case(state));
            if is(&collapse.new_states) {
                StateKind::New
            } else if is(&collapse.pause_states) {
                StateKind::Paused
            } else if is(&collapse.resolved_states) {
                StateKind::Resolved
            } else {
                StateKind::Working
            }
        }),
        _ => None,
    };
    let event = Event {
        updated,
        file,
        line,
        state,
    };
    folding.add(id, event, row.record);
    Ok(())
}

impl<'a> Rows<'a> {
    pub(super) fn new(source: &'a Source, contracts: &'a [Contract], keep: &'a Keep<'a>) -> Self {
        let services_before = contracts
            .iter()
            .scan(0, |before, contract| {
                let this = *before;
                *before += contract.services.len();
                Some(this)
            })
            .collect();
        Self {
            source,
            contracts,
            keep,
            services_before,
            routes: HashMap::default(),
            known_services: Known::default(),
            known_severities: Known::default(),
        }
    }

    /// The source the rows are read with.
    pub(super) fn source(&self) -> &'a Source {
        self.source
    }

    /// A fresh reader of rows for another thread, with an empty routing cache.
    pub(super) fn fresh(&self) -> Self {
        Self::new(self.source, self.contracts, self.keep)
    }

    /// Reads the records of one stretch of an export into `part` (see [`read_records`]).
    pub(super) fn read_part<R: Read>(
        &mut self,
        reader: &mut Records<R>,
        (file, columns): (u16, &Columns<'_>),
        stretch: &Stretch<'_>,
        part: &mut Part,
        stop: impl FnMut(u64) -> bool,
    ) -> Result<Position, Unreadable> {
        let source = self.source;
        read_records(reader, stretch, part, stop, |part, line, record| {
            let row = Row {
                record,
                columns,
                timestamps: &source.timestamps,
                history: None,
            };
            self.row(part, file, line, &row)
        })
    }

    /// Reads one row (or folded incident) into `part`: counted, excluded or rejected.
    fn row(
        &mut self,
        part: &mut Part,
        file: u16,
        line: u32,
        row: &Row<'_>,
    ) -> Result<(), Box<Rejection>> {
        let id = row.required(Field::Id)?;
        let route = self.service_route(row)?;
        let opened = row.instant(Field::Opened)?.ok_or_else(|| {
            row.reject(Field::Opened, "", "is empty; every row needs it".to_owned())
        })?;
        let (contract, service) = match route {
            Route::One(contract, service) => (contract, service),
            Route::Versions(versions) => self.version_at(&versions, opened),
        };
        let final_severity = self
            .severity(row, Field::Severity, contract)?
            .ok_or_else(|| {
                row.reject(
                    Field::Severity,
                    "",
                    "is empty; every row needs it".to_owned(),
                )
            })?;
        let initial_severity = self.severity(row, Field::InitialSeverity, contract)?;
        let terms = &self.contracts[usize::from(contract)];
        let downgrade_reason = row.get(Field::DowngradeReason)?.is_some();
        let times = row.times(opened)?;
        // The id is copied only for rows that are kept; `keep` is given it as a borrowed `&str`.
        let mut incident = Incident {
            id: compact_str::CompactString::default(),
            title: Box::default(),
            file,
            line,
            contract,
            service,
            severity: terms
                .severity_basis
                .judged(initial_severity, final_severity),
            final_severity,
            initial_severity,
            downgrade_reason,
            opened,
            started: times.started,
            acknowledged: times.acknowledged,
            resolved: times.resolved,
            paused: times.paused,
            excluded_cause: row.get(Field::Cause)?.is_some_and(|cause| {
                terms
                    .exclusions
                    .causes
                    .iter()
                    .any(|excluded| excluded.eq_ignore_ascii_case(cause))
            }),
            disputed: row.flag(Field::Disputed)?,
            maintenance: row.flag(Field::Maintenance)?,
            notified: row.instant(Field::Notified)?,
            rca_delivered: row.instant(Field::RcaDelivered)?,
            data_breach: row.flag(Field::DataBreach)?,
            notified_regulator: row.instant(Field::NotifiedRegulator)?,
        };
        let exclusion = match (self.keep)(&incident, id) {
            Ok(()) => KEPT,
            Err(reason) => part.exclude(reason, 1),
        };
        // The last cell that can reject the row, read before the row leaves a fingerprint.
        let title = if exclusion == KEPT {
            Some(row.get(Field::Title)?.unwrap_or_default())
        } else {
            None
        };
        // A folded event log has one incident per id by construction: no duplicates to find.
        if row.history.is_none() {
            part.ids.note(id);
            part.fingerprints.push(Fingerprint::new(
                fingerprint::of_text(id),
                fingerprint::of_incident(&incident),
                line,
                exclusion,
            ));
        }
        if let Some(title) = title {
            incident.id = id.into();
            incident.title = title.into();
            part.push(self.service_place(contract, service), incident);
        }
        Ok(())
    }

    /// The place of a contract's service among the services of every contract, in order.
    fn service_place(&self, contract: u16, service: u16) -> usize {
        self.services_before[usize::from(contract)] + usize::from(service)
    }

    /// Where the row's service cell routes; a value routed before is found by its bytes.
    fn service_route(&mut self, row: &Row<'_>) -> Result<Route, Box<Rejection>> {
        let raw = row.raw(Field::Service);
        if let Some(route) = raw.and_then(|bytes| self.known_services.get(0, bytes)) {
            return Ok(route.clone());
        }
        let value = row.required(Field::Service)?;
        let route = self
            .route(value)
            .map_err(|reason| row.reject(Field::Service, value, reason))?;
        if let Some(bytes) = raw {
            self.known_services.remember(0, bytes, route.clone());
        }
        Ok(route)
    }

    /// The severity a severity cell names in `contract`; a value resolved before is found by its
    /// bytes.
    fn severity(
        &mut self,
        row: &Row<'_>,
        field: Field,
        contract: u16,
    ) -> Result<Option<u16>, Box<Rejection>> {
        let tag = u32::from(contract) * 2 + u32::from(field == Field::InitialSeverity);
        let raw = row.raw(field);
        if let Some(index) = raw.and_then(|bytes| self.known_severities.get(tag, bytes)) {
            return Ok(Some(*index));
        }
        let index = row.severity(field, &self.contracts[usize::from(contract)])?;
        if let (Some(bytes), Some(index)) = (raw, index) {
            self.known_severities.remember(tag, bytes, index);
        }
        Ok(index)
    }

    /// Of the versions of one contract a service value routes to, the one in force on the day
    /// `opened` falls on in the contract's zone; before the first, the first; after the last,
    /// the last.
    fn version_at(&self, versions: &[(u16, u16)], opened: Instant) -> (u16, u16) {
        let in_force_by = |(contract, _): &&(u16, u16)| {
            let terms = &self.contracts[usize::from(*contract)];
            terms.effective_from <= crate::time::local_date(terms.timezone, opened)
        };
        versions
            .iter()
            .filter(in_force_by)
            .max_by_key(|(contract, _)| self.contracts[usize::from(*contract)].effective_from)
            .or_else(|| {
                versions.iter().min_by_key(|(contract, _)| {
                    self.contracts[usize::from(*contract)].effective_from
                })
            })
            .copied()
            .unwrap_or(versions[0])
    }

    /// Routes a service value to the one contract service whose `match` it fits (or to the
    /// versions of one contract).
    fn route(&mut self, value: &str) -> Result<Route, String> {
        if let Some(route) = self.routes.get(value) {
            return route.clone();
        }
        let matches: Vec<(u16, u16)> = self
            .contracts
            .iter()
            .enumerate()
            .flat_map(|(contract, terms)| {
                terms
                    .services
                    .iter()
                    .enumerate()
                    .filter(|(_, service)| service.matches(value))
                    .map(move |(service, _)| (contract as u16, service as u16))
            })
            .collect();
        // Several versions of one contract, each with one matching service.
        let versions_of_one = matches.len() > 1
            && matches.iter().enumerate().all(|(index, (contract, _))| {
                self.contracts[usize::from(*contract)].id
                    == self.contracts[usize::from(matches[0].0)].id
                    && matches[..index]
                        .iter()
                        .all(|(earlier, _)| earlier != contract)
            });
        let route = match matches.as_slice() {
            [(contract, service)] => Ok(Route::One(*contract, *service)),
            _ if versions_of_one => Ok(Route::Versions(matches.into())),
            [] => {
                let ids: Vec<&str> = self
                    .contracts
                    .iter()
                    .map(|contract| contract.id.as_str())
                    .collect();
                Err(format!("matches no service of contract {}", ids.join(", ")))
            }
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|(contract, service)| {
                        let terms = &self.contracts[usize::from(*contract)];
                        format!("{}/{}", terms.id, terms.services[usize::from(*service)].id)
                    })
                    .collect();
                Err(format!(
                    "matches several services ({}); make the `match` patterns disjoint",
                    names.join(", ")
                ))
            }
        };
        if self.routes.len() < ROUTE_CACHE_LIMIT {
            self.routes.insert(value.into(), route.clone());
        }
        route
    }
}

/// Puts the parts together in file order: duplicate ids resolved across all of them, incidents
/// joined in report order, and the row accounting.
fn finish(parts: &mut [Part], files: Vec<String>) -> Incidents {
    for part in parts.iter_mut() {
        part.sort();
    }
    let (dropped, conflicts, duplicates) = if ids_rise_throughout(parts) {
        Duplicates::default()
    } else {
        keep_repeated_ids(parts);
        resolve_duplicates(parts, &files)
    };
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut exclusions: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut read = 0;
    for part in parts.iter_mut() {
        read += part.read;
        for (reason, rows) in &part.exclusions {
            *exclusions.entry(reason).or_default() += rows;
        }
        rejected.append(&mut part.rejected);
        // Fingerprints are done with: free them before the incidents are joined.
        part.fingerprints = Vec::new();
    }
    let mut incidents = Counted::from_runs(join_services(parts));
    if !dropped.is_empty() {
        // A conflicting copy that was kept tells the id; excluded copies only left a hash.
        let ids: HashMap<RowKey, &str> = incidents
            .iter()
            .map(|incident| ((incident.file, incident.line), &*incident.id))
            .collect();
        for ((file, line), reason) in conflicts {
            rejected.push(Rejection {
                file: files[usize::from(file)].clone(),
                line,
                column: "id".to_owned(),
                value: ids
                    .get(&(file, line))
                    .map_or_else(String::new, |id| (*id).to_owned()),
                reason,
            });
        }
        incidents.retain(|incident| !dropped.contains(&(incident.file, incident.line)));
    }
    rejected.sort();
    let mut excluded: Vec<Exclusion> = exclusions
        .into_iter()
        .map(|(reason, rows)| Exclusion {
            reason: reason.to_owned(),
            rows,
        })
        .chain(
            duplicates
                .into_iter()
                .map(|(reason, rows)| Exclusion { reason, rows }),
        )
        .filter(|exclusion| exclusion.rows > 0)
        .collect();
    excluded.sort();
    let rows = RowAccounting {
        read,
        counted: incidents.len() as u64,
        excluded,
        rejected,
    };
    Incidents {
        files,
        incidents,
        rows,
    }
}

/// Rows to drop, with the reasons of conflicting copies and the counts of identical ones.
type Duplicates = (
    HashSet<RowKey>,
    Vec<(RowKey, String)>,
    BTreeMap<String, u64>,
);

/// Finds rows sharing an id, across every part (each with its fingerprints in id order).
/// Identical copies after the first become "duplicate" exclusions; copies that differ are all
/// conflicts (file, line, reason). Every row involved moves from wherever it was counted, so each
/// row still counts exactly once.
fn resolve_duplicates(parts: &mut [Part], files: &[String]) -> Duplicates {
    let mut dropped = HashSet::new();
    let mut conflicts = Vec::new();
    let mut duplicates: BTreeMap<String, u64> = BTreeMap::new();
    let part_files: Vec<u16> = parts.iter().map(|part| part.file).collect();
    let place = |part: usize, print: &Fingerprint| {
        let file = part_files[part];
        format!("{}:{}", files[usize::from(file)], print.line)
    };
    let mut next = vec![0; parts.len()];
    // (part, fingerprint) of one id, put in file order so the first copy is the earliest row.
    let mut group: Vec<(usize, Fingerprint)> = Vec::new();
    loop {
        // The part whose next fingerprint has the smallest id, and the smallest next id of the
        // other parts.
        let mut smallest: Option<(usize, u64)> = None;
        let mut others = u64::MAX;
        for (index, part) in parts.iter().enumerate() {
            let Some(print) = part.fingerprints.get(next[index]) else {
                continue;
            };
            match smallest {
                Some((_, id)) if print.id >= id => others = others.min(print.id),
                _ => {
                    if let Some((_, id)) = smallest {
                        others = others.min(id);
                    }
                    smallest = Some((index, print.id));
                }
            }
        }
        let Some((first_part, id)) = smallest else {
            break;
        };
        let prints = &parts[first_part].fingerprints;
        let once = |at: usize| {
            prints
                .get(at + 1)
                .is_none_or(|after| after.id != prints[at].id)
        };
        if id < others && once(next[first_part]) {
            // A run of ids below every other part's, each with no copy in its own part: none
            // has a copy anywhere.
            let mut at = next[first_part] + 1;
            while at < prints.len() && prints[at].id < others && once(at) {
                at += 1;
            }
            next[first_part] = at;
            continue;
        }
        group.clear();
        for (index, part) in parts.iter().enumerate() {
            while let Some(print) = part
                .fingerprints
                .get(next[index])
                .filter(|print| print.id == id)
            {
                group.push((index, *print));
                next[index] += 1;
            }
        }
        if group.len() < 2 {
            continue;
        }
        group.sort_unstable_by_key(|(part, print)| (part_files[*part], print.line));
        let (first_part, first) = group[0];
        let identical = group[1..]
            .iter()
            .all(|(_, print)| print.same_content(first));
        for (index, print) in &group[usize::from(identical)..] {
            if print.exclusion() != KEPT {
                parts[*index].exclusions[usize::from(print.exclusion())].1 -= 1;
            }
            let file = part_files[*index];
            dropped.insert((file, print.line));
            if identical {
                let reason = format!(
                    "duplicate of the identical row at {}",
                    place(first_part, &first)
                );
                *duplicates.entry(reason).or_default() += 1;
            } else {
                let others: Vec<String> = group
                    .iter()
                    .filter(|(part, other)| (*part, other) != (*index, print))
                    .map(|(part, other)| place(*part, other))
                    .collect();
                let reason = format!(
                    "the same id appears with different content at {}",
                    others.join(", ")
                );
                conflicts.push(((file, print.line), reason));
            }
        }
    }
    (dropped, conflicts, duplicates)
}

/// The parts' incidents as runs in report order: service by service, the parts' lists of one
/// service in turn when each begins after the one before ends (as the parts of an export in id
/// order do), else merged into one list. Services are merged on up to one thread per CPU.
fn join_services(parts: &mut [Part]) -> Vec<Vec<Incident>> {
    let services = parts
        .iter()
        .map(|part| part.by_service.len())
        .max()
        .unwrap_or(0);
    let by_service: Vec<Vec<Vec<Incident>>> = (0..services)
        .map(|place| {
            parts
                .iter_mut()
                .filter_map(|part| part.by_service.get_mut(place).map(std::mem::take))
                .filter(|list| !list.is_empty())
                .collect()
        })
        .collect();
    let end_to_end = |lists: &Vec<Vec<Incident>>| {
        lists
            .windows(2)
            .all(|pair| match (pair[0].last(), pair[1].first()) {
                (Some(last), Some(first)) => incident_order(last, first).is_lt(),
                _ => true,
            })
    };
    if by_service.iter().all(end_to_end) {
        return by_service.into_iter().flatten().collect();
    }
    crate::parallel_map_owned(by_service, |lists| {
        if end_to_end(&lists) {
            lists
        } else {
            vec![merge_sorted(lists, incident_order)]
        }
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Merges lists that are each in `order` into one list in `order`; of equal items, those of
/// earlier lists come first. Neighbouring lists are merged pairwise, each into the first one's
/// own allocation, so the items are never all copied into a new list at once.
fn merge_sorted<T: Default>(
    mut lists: Vec<Vec<T>>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
) -> Vec<T> {
    while lists.len() > 1 {
        let mut merged = Vec::with_capacity(lists.len().div_ceil(2));
        let mut pairs = lists.into_iter();
        while let Some(mut left) = pairs.next() {
            if let Some(right) = pairs.next() {
                merge_into(&mut left, right, order);
            }
            merged.push(left);
        }
        lists = merged;
    }
    lists.pop().unwrap_or_default()
}

/// Merges `right` into `left`, both in `order`, from the back: `left` grows once, and each item
/// moves at most once.
fn merge_into<T: Default>(
    left: &mut Vec<T>,
    mut right: Vec<T>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    // Items of `left` not yet placed are `left[..unplaced]`; places from `to` on are final.
    let mut unplaced = left.len();
    left.resize_with(left.len() + right.len(), T::default);
    let mut to = left.len();
    while let Some(last) = right.last() {
        to -= 1;
        if unplaced > 0 && order(&left[unplaced - 1], last).is_gt() {
            unplaced -= 1;
            left.swap(unplaced, to);
        } else {
            left[to] = right.pop().unwrap_or_default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sieve_keeps_every_copy_of_a_repeated_id() {
        let part = |file: u16, ids: &[u64]| Part {
            fingerprints: ids
                .iter()
                .enumerate()
                .map(|(line, id)| Fingerprint::new(*id, 0, line as u32 + 2, KEPT))
                .collect(),
            ..Part::of_file(file)
        };
        // Five fingerprints: a table of 65,536 slots, indexed by the top 16 bits of the id.
        // Ids 5, 7, 9 << 40 and 11 all fall in slot 0, so all are kept, though only 7 repeats
        // (across the two files); u64::MAX and 1 << 63 are alone in their slots.
        let mut parts = [
            part(0, &[9 << 40, 7, u64::MAX, 5]),
            part(1, &[7, 1 << 63, 11]),
        ];
        keep_repeated_ids(&mut parts);
        let ids =
            |part: &Part| -> Vec<u64> { part.fingerprints.iter().map(|print| print.id).collect() };
        assert_eq!(ids(&parts[0]), vec![5, 7, 9 << 40]);
        assert_eq!(ids(&parts[1]), vec![7, 11]);
        // The walk then finds 7 twice: the later copy (file 1, line 2) is a duplicate.
        let files = vec!["a.csv".to_owned(), "b.csv".to_owned()];
        let (dropped, conflicts, duplicates) = resolve_duplicates(&mut parts, &files);
        assert_eq!(dropped, HashSet::from([(1, 2)]));
        assert!(conflicts.is_empty());
        assert_eq!(
            duplicates,
            BTreeMap::from([("duplicate of the identical row at a.csv:3".to_owned(), 1)])
        );
    }

    fn order_of(ids: &[&str]) -> IdOrder {
        let mut order = IdOrder::default();
        for id in ids {
            order.note(id);
        }
        order
    }

    #[test]
    fn ids_rise_only_while_each_key_is_greater() {
        let rising = |ids: &[&str]| matches!(order_of(ids), IdOrder::Rising { .. });
        assert!(rising(&["INC0000001", "INC0000002", "INC0000010"]));
        // "INC10" < "INC9" as text: the ids do not rise.
        assert!(!rising(&["INC9", "INC10"]));
        assert!(!rising(&["A", "A"]));
        // Ids that differ only in trailing zero bytes share a key: not taken as rising.
        assert!(!rising(&["A", "A\0"]));
        // A prefix comes first: "A" < "AB".
        assert!(rising(&["A", "AB"]));
        // 16 bytes make a key; a 17th does not fit.
        assert!(rising(&["0123456789abcdef"]));
        assert!(!rising(&["0123456789abcdefg"]));
        // Once not rising, never again.
        assert!(!rising(&["B", "A", "C"]));
    }

    #[test]
    fn parts_whose_ids_rise_throughout_hold_no_repeats() {
        let part = |ids: &[&str]| Part {
            ids: order_of(ids),
            ..Part::of_file(0)
        };
        assert!(ids_rise_throughout(&[
            part(&["A1", "A3"]),
            part(&[]),
            part(&["A4", "B1"])
        ]));
        // Each part rises, but the second begins below the end of the first: A3 may repeat.
        assert!(!ids_rise_throughout(&[
            part(&["A1", "A3"]),
            part(&["A2", "A3"])
        ]));
        assert!(!ids_rise_throughout(&[part(&["A1", "A3"]), part(&["A3"])]));
        assert!(!ids_rise_throughout(&[part(&["A2", "A1"])]));
    }

    /// A part of file 0 with the given (service place, id, line) incidents, sorted.
    fn part_of(incidents: &[(usize, &str, u32)]) -> Part {
        let mut part = Part::of_file(0);
        for (place, id, line) in incidents {
            let incident = Incident {
                id: (*id).into(),
                line: *line,
                service: *place as u16,
                ..Incident::default()
            };
            part.push(*place, incident);
        }
        part.sort();
        part
    }

    fn ids_and_runs(parts: &mut [Part]) -> (Vec<String>, usize) {
        let runs = join_services(parts);
        let count = runs.len();
        let ids = Counted::from_runs(runs)
            .iter()
            .map(|incident| format!("{}:{}", incident.service, incident.id))
            .collect();
        (ids, count)
    }

    #[test]
    fn parts_in_id_order_are_joined_end_to_end_service_by_service() {
        // Two parts of an export in id order, services 0 and 2 (none of service 1): each
        // part's list of a service begins after the one before ends, so the four lists become
        // four runs, none copied.
        let mut parts = [
            part_of(&[(2, "A1", 2), (0, "A2", 3), (0, "A3", 4)]),
            part_of(&[(0, "B1", 5), (2, "B2", 6)]),
        ];
        let (ids, runs) = ids_and_runs(&mut parts);
        assert_eq!(ids, ["0:A2", "0:A3", "0:B1", "2:A1", "2:B2"]);
        assert_eq!(runs, 4);
    }

    #[test]
    fn parts_whose_ids_interleave_are_merged_per_service() {
        // Service 0: A1, C1 in the first part and B1 in the second interleave, so they merge
        // into one run in id order; service 1 has one list.
        let mut parts = [
            part_of(&[(0, "C1", 3), (1, "Z9", 4), (0, "A1", 2)]),
            part_of(&[(0, "B1", 5)]),
        ];
        let (ids, runs) = ids_and_runs(&mut parts);
        assert_eq!(ids, ["0:A1", "0:B1", "0:C1", "1:Z9"]);
        assert_eq!(runs, 2);
    }

    #[test]
    fn counted_incidents_are_one_list_however_they_are_held() {
        let incident = |id: &str| Incident {
            id: id.into(),
            ..Incident::default()
        };
        let mut split = Counted::from_runs([
            vec![incident("a"), incident("b")],
            Vec::new(),
            vec![incident("c")],
        ]);
        let whole = Counted::from_runs([vec![incident("a"), incident("b"), incident("c")]]);
        assert_eq!(split, whole);
        assert_eq!(format!("{split:?}"), format!("{whole:?}"));
        assert_eq!((split.len(), &*split[2].id), (3, "c"));
        split.retain(|incident| incident.id != "c");
        assert_eq!(split.len(), 2);
        assert!(split.iter().all(|incident| incident.id != "c"));
    }

    proptest::proptest! {
        #[test]
        fn the_radix_sort_orders_like_a_comparison_sort(
            ids in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..3_000),
            narrow in proptest::prelude::any::<bool>(),
        ) {
            // Narrow ids share their top bits, so every fingerprint lands in one bucket.
            let mut prints: Vec<Fingerprint> = ids
                .iter()
                .enumerate()
                .map(|(line, id)| {
                    Fingerprint::new(if narrow { id % 1_000 } else { *id }, 0, line as u32, KEPT)
                })
                .collect();
            let mut expected: Vec<u64> = prints.iter().map(|print| print.id).collect();
            expected.sort_unstable();
            let mut lines: Vec<u32> = prints.iter().map(|print| print.line).collect();
            sort_by_id(&mut prints);
            let sorted: Vec<u64> = prints.iter().map(|print| print.id).collect();
            proptest::prop_assert_eq!(sorted, expected);
            // The same fingerprints, only moved.
            let mut moved: Vec<u32> = prints.iter().map(|print| print.line).collect();
            moved.sort_unstable();
            lines.sort_unstable();
            proptest::prop_assert_eq!(moved, lines);
        }
    }
}

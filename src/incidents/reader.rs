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
use super::{Collect, Exclusion, Incident, Incidents, Paused, Rejection, RowAccounting, Sink};
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

/// Reads every export in order and keeps every counted incident, in order of contract, service,
/// id and row (see [`read_into`] for a caller that folds them as they come instead).
///
/// # Errors
/// When an export cannot be read, or its header lacks a column the source needs.
pub fn read_incidents(
    inputs: Vec<Input>,
    source: &Source,
    contracts: &[Contract],
    keep: &Keep<'_>,
) -> Result<Incidents, Error> {
    let reading = read_into(inputs, source, contracts, keep, Collect::default())?;
    let mut incidents = reading.sink.0;
    incidents.sort_by(|left, right| {
        (left.contract, left.service, &left.id, left.file, left.line).cmp(&(
            right.contract,
            right.service,
            &right.id,
            right.file,
            right.line,
        ))
    });
    Ok(Incidents {
        files: reading.files,
        incidents,
        rows: reading.rows,
    })
}

/// Reads every export in order, handing each counted incident to `sink` as it is read. `keep`
/// decides which valid incidents belong in the calculation; the others are excluded with its
/// reason. Duplicate ids are resolved across all files once every row is read: the rows of a
/// repeated id are read again and compared in full, and the copies that do not count are taken
/// back out of the sink.
///
/// # Errors
/// When an export cannot be read, or its header lacks a column the source needs.
pub fn read_into<S: Sink>(
    inputs: Vec<Input>,
    source: &Source,
    contracts: &[Contract],
    keep: &Keep<'_>,
    sink: S,
) -> Result<Reading<S>, Error> {
    let mut state = ReadState {
        source,
        rows: Rows::new(source, contracts, keep, &sink),
        event_columns: Vec::new(),
        folding: source.collapse.as_ref().map(|_| Folding::default()),
        parts: Vec::new(),
        again: Vec::new(),
    };
    let mut files = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let file = u16::try_from(index)
            .map_err(|_| Error::Usage("more than 65,535 incident files".to_owned()))?;
        files.push(input.name.clone());
        state.read_input(file, input)?;
    }
    state.fold();
    let mut candidates = Vec::new();
    if !ids_rise_throughout(&state.parts) {
        keep_repeated_ids(&mut state.parts);
        let repeated = repeated_ids(&state.parts);
        candidates = state.read_again(&repeated, &files)?;
    }
    let ReadState { parts, .. } = state;
    // The sink given took nothing itself: the parts took every row with sinks made from it.
    let mut joined = sink;
    let mut rows = RowAccounting::default();
    let mut exclusions: BTreeMap<String, u64> = BTreeMap::new();
    for part in parts {
        rows.read += part.read;
        rows.counted += part.counted;
        for (reason, count) in &part.exclusions {
            *exclusions.entry((*reason).to_owned()).or_default() += count;
        }
        rows.rejected.extend(part.rejected);
        joined.join(part.sink);
    }
    let duplicates = resolve_duplicates(candidates, &files);
    for (copy, verdict) in &duplicates {
        match copy.kept {
            Ok(()) => {
                rows.counted -= 1;
                joined.take_back(&copy.incident);
            }
            Err(reason) => {
                *exclusions.entry(reason.to_owned()).or_default() -= 1;
            }
        }
        match verdict {
            Verdict::Duplicate(reason) => {
                *exclusions.entry(reason.clone()).or_default() += 1;
            }
            Verdict::Conflict(reason) => rows.rejected.push(Rejection {
                file: files[usize::from(copy.incident.file)].clone(),
                line: copy.incident.line,
                column: "id".to_owned(),
                value: copy.id.clone(),
                reason: reason.clone(),
            }),
        }
    }
    rows.rejected.sort();
    rows.excluded = exclusions
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(reason, rows)| Exclusion { reason, rows })
        .collect();
    rows.excluded.sort();
    Ok(Reading {
        files,
        sink: joined,
        rows,
    })
}

/// What reading the exports gave: the file names (indexed by `Incident::file`), the sink that
/// took every counted incident, and what became of every row.
pub struct Reading<S> {
    /// The input file names.
    pub files: Vec<String>,
    /// The sink.
    pub sink: S,
    /// What became of every row.
    pub rows: RowAccounting,
}

/// A row read again because its id's hash occurs more than once.
struct Copy {
    id: String,
    /// The incident, without its title.
    incident: Incident,
    /// Whether it was counted, or why it was excluded.
    kept: Result<(), &'static str>,
}

/// What becomes of a copy of a repeated id that does not count.
enum Verdict {
    /// Excluded, as the same as an earlier row (the reason names it).
    Duplicate(String),
    /// Rejected, as it differs from another row with the same id (the reason names them).
    Conflict(String),
}

/// The id hashes that occur more than once across the parts (each with its fingerprints sieved
/// to candidates), by the files whose rows have them.
fn repeated_ids<S>(parts: &[Part<S>]) -> BTreeMap<u16, HashSet<u64>> {
    let mut prints: Vec<(u64, u16)> = parts
        .iter()
        .flat_map(|part| part.fingerprints.iter().map(|id| (*id, part.file)))
        .collect();
    prints.sort_unstable();
    let mut repeated: BTreeMap<u16, HashSet<u64>> = BTreeMap::new();
    for group in prints.chunk_by(|left, right| left.0 == right.0) {
        if group.len() > 1 {
            for (id, file) in group {
                repeated.entry(*file).or_default().insert(*id);
            }
        }
    }
    repeated
}

/// Decides, for every id that occurs in more than one row, which copies do not count: copies
/// identical in content to the first (in file and line order) are excluded as its duplicates;
/// when any copy differs, every copy is rejected, since slacredit cannot know which is right.
/// Ids are compared by their text and rows by their content, so the verdict does not depend on
/// hashes or on the order of the rows.
fn resolve_duplicates(mut copies: Vec<Copy>, files: &[String]) -> Vec<(Copy, Verdict)> {
    copies.sort_by(|left, right| {
        (&left.id, left.incident.file, left.incident.line).cmp(&(
            &right.id,
            right.incident.file,
            right.incident.line,
        ))
    });
    let place = |copy: &Copy| {
        format!(
            "{}:{}",
            files[usize::from(copy.incident.file)],
            copy.incident.line
        )
    };
    let mut verdicts = Vec::new();
    let mut copies = copies.into_iter().peekable();
    while let Some(first) = copies.next() {
        let mut group = vec![first];
        while let Some(next) = copies.next_if(|next| next.id == group[0].id) {
            group.push(next);
        }
        if group.len() < 2 {
            continue;
        }
        let identical = group[1..]
            .iter()
            .all(|copy| copy.incident.same_content(&group[0].incident));
        if identical {
            let reason = format!("duplicate of the identical row at {}", place(&group[0]));
            verdicts.extend(
                group
                    .into_iter()
                    .skip(1)
                    .map(|copy| (copy, Verdict::Duplicate(reason.clone()))),
            );
        } else {
            let places: Vec<String> = group.iter().map(place).collect();
            for (index, copy) in group.into_iter().enumerate() {
                let others: Vec<&str> = places
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .map(|(_, place)| place.as_str())
                    .collect();
                let reason = format!(
                    "the same id appears with different content at {}",
                    others.join(", ")
                );
                verdicts.push((copy, Verdict::Conflict(reason)));
            }
        }
    }
    verdicts
}

/// What reading a stretch of rows gave: the rows of one file, or of one part of a file read in
/// parallel. Parts are put together in file order by [`finish`].
pub(super) struct Part<S> {
    /// The index of its file among the inputs (the rows of a folded event log may come from
    /// several, and leave no fingerprints).
    file: u16,
    /// Where the counted incidents went.
    sink: S,
    /// Incidents counted.
    counted: u64,
    /// A 64-bit hash of the id of every valid row (not of a folded event log's), to find the
    /// ids that may occur more than once without keeping every id in memory. A hash only finds
    /// candidates: the rows of every repeated hash are read again and compared in full (see
    /// [`read_into`]), so two different ids that share a hash are told apart by their text.
    fingerprints: Vec<u64>,
    /// Whether the ids of the rows with fingerprints rise from row to row.
    ids: IdOrder,
    /// Rows read.
    read: u64,
    /// Rows excluded, by reason.
    exclusions: Vec<(&'static str, u64)>,
    rejected: Vec<Rejection>,
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
fn ids_rise_throughout<S>(parts: &[Part<S>]) -> bool {
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

impl<S: Sink> Part<S> {
    pub(super) fn new(file: u16, sink: S) -> Self {
        Self {
            file,
            sink,
            counted: 0,
            fingerprints: Vec::new(),
            ids: IdOrder::default(),
            read: 0,
            exclusions: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// Counts `rows` rows excluded for `reason`.
    fn exclude(&mut self, reason: &'static str, rows: u64) {
        let known = self
            .exclusions
            .iter()
            .position(|(known, _)| std::ptr::eq(*known, reason) || *known == reason);
        let index = known.unwrap_or_else(|| {
            self.exclusions.push((reason, 0));
            self.exclusions.len() - 1
        });
        self.exclusions[index].1 += rows;
    }

    /// Moves every line number down by `lines`: a part read from the middle of a file counts
    /// its lines from where it started.
    pub(super) fn shift_lines(&mut self, lines: u32) {
        if lines == 0 {
            return;
        }
        self.sink.shift_lines(lines);
        for rejection in &mut self.rejected {
            rejection.line = rejection.line.saturating_add(lines);
        }
    }
}

/// Keeps, of every part's fingerprints, those whose id may occur more than once: every row of
/// every repeated id, and a few others. Ids are sorted only after this sieve, since a million ids
/// rarely hold more than a handful of repeats.
///
/// The sieve is a table of 16 bits per fingerprint (two megabytes for a million rows), indexed
/// by the top bits of the id hash: a first pass marks every slot seen and every slot seen twice,
/// a second keeps the fingerprints of slots seen twice. All copies of one id share a slot, so
/// none is lost; two different ids share one with a chance of one in sixteen, which costs only
/// the sorting of a few more fingerprints.
fn keep_repeated_ids<S: Send>(parts: &mut [Part<S>]) {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let total: usize = parts.iter().map(|part| part.fingerprints.len()).sum();
    let slots = (total * 16).next_power_of_two().max(1 << 16);
    let shift = 64 - slots.trailing_zeros();
    let slot = |id: &u64| {
        let slot = (id >> shift) as usize;
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
                }
            });
        }
    });
}

/// Where a service value goes: one (contract, service), or one per version of a contract (the
/// version in force when the incident was opened is taken; shared, so a cached route is copied
/// without allocating).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    One(u16, u16),
    Versions(Arc<[(u16, u16)]>),
}

/// Turns rows into incidents: what one reading thread needs, with its own routing cache.
pub(super) struct Rows<'a, S> {
    source: &'a Source,
    contracts: &'a [Contract],
    keep: &'a Keep<'a>,
    /// The sink each part's own sink is made from.
    sink: &'a S,
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

struct ReadState<'a, S> {
    source: &'a Source,
    rows: Rows<'a, S>,
    /// Each file's index, name and columns, kept for folding event logs (empty otherwise).
    event_columns: Vec<(u16, String, Columns<'a>)>,
    /// Event logs: the incidents being folded.
    folding: Option<Folding>,
    parts: Vec<Part<S>>,
    /// How to read each input again: the rows of an id that occurs more than once are read
    /// again to compare them in full.
    again: Vec<Again>,
}

/// An input's bytes, to read again: a file by its path, a stream by the copy taken as it was
/// read.
enum Again {
    Path(PathBuf),
    Copy(Arc<std::sync::Mutex<Vec<u8>>>),
}

/// A reader that keeps a copy of the bytes it hands out.
struct Copied<R> {
    inner: R,
    copy: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl<R: Read> Read for Copied<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.copy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(&buffer[..count]);
        Ok(count)
    }
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
pub(super) fn read_records<R: Read, S>(
    records: &mut Records<R>,
    stretch: &Stretch<'_>,
    part: &mut Part<S>,
    mut stop: impl FnMut(u64) -> bool,
    mut each: impl FnMut(&mut Part<S>, u32, &Record) -> Result<(), Box<Rejection>>,
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

impl<S: Sink> ReadState<'_, S> {
    fn read_input(&mut self, file: u16, input: Input) -> Result<(), Error> {
        let Input {
            name,
            bytes,
            threads,
            min_part,
            progress,
        } = input;
        let reader = match bytes {
            Bytes::Stream(reader) => {
                let copy = Arc::default();
                self.again.push(Again::Copy(Arc::clone(&copy)));
                let copied = Copied {
                    inner: reader,
                    copy,
                };
                with_progress(copied, progress.as_ref())
            }
            Bytes::File {
                file: handle,
                path,
                size,
            } => {
                self.again.push(Again::Path(path.clone()));
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
        let mut part = self.rows.part(file);
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

    /// Reads again the rows of each file whose id has one of the hashes given for it, for their
    /// ids and incidents in full.
    fn read_again(
        &self,
        repeated: &BTreeMap<u16, HashSet<u64>>,
        files: &[String],
    ) -> Result<Vec<Copy>, Error> {
        let source = self.source;
        let mut rows = self.rows.fresh();
        let mut copies = Vec::new();
        for (file, wanted) in repeated {
            let name = &files[usize::from(*file)];
            let unreadable = |message: String| Unreadable { line: 1, message }.into_error(name, 0);
            let bytes: Box<dyn Read> = match &self.again[usize::from(*file)] {
                Again::Path(path) => Box::new(BufReader::with_capacity(
                    1 << 16,
                    File::open(path).map_err(|error| unreadable(error.to_string()))?,
                )),
                Again::Copy(copy) => Box::new(io::Cursor::new(
                    copy.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone(),
                )),
            };
            let bytes =
                decoded(bytes, source.encoding).map_err(|error| unreadable(error.to_string()))?;
            let mut records = Records::new(bytes, source.delimiter, true);
            let headers =
                read_header(&mut records).map_err(|error| unreadable(error.to_string()))?;
            let columns = Columns::resolve(source, &headers, name)?;
            let mut record = Record::default();
            while let Some(began) = records
                .read(&mut record)
                .map_err(|error| unreadable(error.to_string()))?
            {
                let line = began.line as u32;
                let row = Row {
                    record: &record,
                    columns: &columns,
                    timestamps: &source.timestamps,
                    history: None,
                };
                let repeats = row
                    .required(Field::Id)
                    .is_ok_and(|id| wanted.contains(&fingerprint::of_text(id)));
                if !repeats || record.len() != headers.len() {
                    continue;
                }
                if let Ok((incident, id)) = rows.incident(*file, line, &row) {
                    let kept = (rows.keep)(&incident, id);
                    copies.push(Copy {
                        id: id.to_owned(),
                        incident,
                        kept,
                    });
                }
            }
        }
        Ok(copies)
    }

    /// Folds each event log incident into one row and reads it like a row of a one-row export,
    /// at its latest row's place. Its earlier events are excluded as folded. Returns every part
    /// read.
    fn fold(&mut self) {
        let Some(folding) = self.folding.take() else {
            return;
        };
        let mut part = self.rows.part(0);
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

impl<'a, S: Sink> Rows<'a, S> {
    pub(super) fn new(
        source: &'a Source,
        contracts: &'a [Contract],
        keep: &'a Keep<'a>,
        sink: &'a S,
    ) -> Self {
        Self {
            source,
            contracts,
            keep,
            sink,
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
        Self::new(self.source, self.contracts, self.keep, self.sink)
    }

    /// An empty part of file `file`, with a fresh sink.
    pub(super) fn part(&self, file: u16) -> Part<S> {
        Part::new(file, self.sink.fresh())
    }

    /// Reads the records of one stretch of an export into `part` (see [`read_records`]).
    pub(super) fn read_part<R: Read>(
        &mut self,
        reader: &mut Records<R>,
        (file, columns): (u16, &Columns<'_>),
        stretch: &Stretch<'_>,
        part: &mut Part<S>,
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
        part: &mut Part<S>,
        file: u16,
        line: u32,
        row: &Row<'_>,
    ) -> Result<(), Box<Rejection>> {
        let (mut incident, id) = self.incident(file, line, row)?;
        let kept = (self.keep)(&incident, id);
        if kept.is_ok() {
            // The last cell that can reject the row, read before the row leaves a fingerprint;
            // excluded rows do not need it.
            incident.title = row.get(Field::Title)?.unwrap_or_default().into();
        }
        // A folded event log has one incident per id by construction: no duplicates to find.
        if row.history.is_none() {
            part.ids.note(id);
            part.fingerprints.push(fingerprint::of_text(id));
        }
        match kept {
            Ok(()) => {
                part.counted += 1;
                part.sink.take(&incident);
            }
            Err(reason) => part.exclude(reason, 1),
        }
        Ok(())
    }

    /// The incident a row (or folded incident) stands for, with its id (its title left empty),
    /// or why it is rejected.
    fn incident<'r>(
        &mut self,
        file: u16,
        line: u32,
        row: &Row<'r>,
    ) -> Result<(Incident, &'r str), Box<Rejection>> {
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
        let incident = Incident {
            id: id.into(),
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
        Ok((incident, id))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sieve_keeps_every_copy_of_a_repeated_id() {
        let part = |file: u16, ids: &[u64]| Part {
            fingerprints: ids.to_vec(),
            ..Part::new(file, Collect::default())
        };
        // Five fingerprints: a table of 65,536 slots, indexed by the top 16 bits of the id.
        // Ids 5, 7, 9 << 40 and 11 all fall in slot 0, so all are kept, though only 7 repeats
        // (across the two files); u64::MAX and 1 << 63 are alone in their slots.
        let mut parts = [
            part(0, &[9 << 40, 7, u64::MAX, 5]),
            part(1, &[7, 1 << 63, 11]),
        ];
        keep_repeated_ids(&mut parts);
        assert_eq!(parts[0].fingerprints, [9 << 40, 7, 5]);
        assert_eq!(parts[1].fingerprints, [7, 11]);
        // Only 7 occurs twice: the rows of both files with that hash are read again.
        assert_eq!(
            repeated_ids(&parts),
            BTreeMap::from([(0, HashSet::from([7])), (1, HashSet::from([7]))])
        );
    }

    /// A copy read again: `id` at `file:line`, resolved at `resolved`, counted.
    fn copy(id: &str, file: u16, line: u32, resolved: i64) -> Copy {
        Copy {
            id: id.to_owned(),
            incident: Incident {
                id: id.into(),
                file,
                line,
                resolved: Some(resolved),
                ..Incident::default()
            },
            kept: Ok(()),
        }
    }

    fn verdicts(copies: Vec<Copy>) -> Vec<String> {
        let files = ["a.csv".to_owned(), "b.csv".to_owned()];
        resolve_duplicates(copies, &files)
            .into_iter()
            .map(|(copy, verdict)| {
                let (what, why) = match verdict {
                    Verdict::Duplicate(why) => ("excluded", why),
                    Verdict::Conflict(why) => ("rejected", why),
                };
                format!(
                    "{}:{} {what}: {why}",
                    copy.incident.file, copy.incident.line
                )
            })
            .collect()
    }

    #[test]
    fn duplicate_verdicts_compare_ids_and_rows_in_full_in_any_order() {
        // X twice, identical: the later row (b.csv:2 comes after a.csv:9) is the duplicate,
        // whatever order the copies are found in. Y twice, resolved at different times: both
        // rejected. Z once: a hash shared with another id, nothing to decide.
        let copies = || {
            vec![
                copy("X", 1, 2, 100),
                copy("Y", 0, 4, 100),
                copy("Z", 0, 5, 100),
                copy("X", 0, 9, 100),
                copy("Y", 1, 7, 200),
            ]
        };
        let expected = [
            "1:2 excluded: duplicate of the identical row at a.csv:9",
            "0:4 rejected: the same id appears with different content at b.csv:7",
            "1:7 rejected: the same id appears with different content at a.csv:4",
        ];
        assert_eq!(verdicts(copies()), expected);
        let mut reversed = copies();
        reversed.reverse();
        assert_eq!(verdicts(reversed), expected);
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
            ..Part::new(0, Collect::default())
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
}

//! From a CSV record to a row: the columns a mapping names resolved once per file, each cell
//! read and checked, and the part of an export being read, which accounts for every row by what
//! its sink answers (counted, excluded with a reason, or rejected with file, line, column and
//! reason). Nothing here knows a contract: routing a row is the sink's business.

use std::collections::BTreeMap;
use std::io::Read;

use super::collapse::{self, Event, Folding, StateKind};
use super::duplicates::IdOrder;
use super::encoding::Encoding;
use super::fingerprint::IdHash;
use super::records::{Malformed, Position, ReadError, Record, Records};
use super::row::{Answer, Facts, Fault, Row, RowCopy, Text};
use super::source::{Collapse, Field, Mapping, Source};
use super::{ExclusionReason, OpenedSpan, Paused, Rejection, Sink};
use crate::error::{Error, Location};
use crate::time::{
    Instant, Seconds, TimestampFormat, check_duration_bound, format_instant, merge_intervals,
    parse_duration,
};

/// What reading a stretch of rows gave: the rows of one file, or of one part of a file read in
/// parallel. Parts are put together in file order by `reader::read_into`.
pub(super) struct Part<S> {
    /// The index of its file among the inputs (the rows of a folded event log may come from
    /// several, and leave no fingerprints).
    pub(super) file: u16,
    /// Where the counted incidents went.
    pub(super) sink: S,
    /// Incidents counted.
    pub(super) counted: u64,
    /// A 64-bit hash of the id of every valid row (not of a folded event log's), to find the
    /// ids that may occur more than once without keeping every id in memory. A hash only finds
    /// candidates: the rows of every repeated hash are read again and compared in full (see
    /// `reader::read_into`), so two different ids that share a hash are told apart by their text.
    pub(super) fingerprints: Vec<u64>,
    /// Whether the ids of the rows with fingerprints rise from row to row.
    pub(super) ids: IdOrder,
    /// How ids are hashed into `fingerprints`.
    id_hash: IdHash,
    /// Rows read.
    pub(super) read: u64,
    /// Rows excluded, by reason.
    pub(super) exclusions: Vec<(ExclusionReason, u64)>,
    pub(super) rejected: Vec<Rejection>,
    /// The earliest and latest `opened` of the rows that read, whatever became of them.
    pub(super) opened: Option<OpenedSpan>,
    /// Routing cells read before.
    interned: Interned,
}

/// Severity cells read before, by their bytes as read: an export names a handful of severities a
/// million times, and a cell seen before then skips trimming, the UTF-8 check and aliases. Only
/// the first few distinct cells are kept (a short list is searched faster than a hash map);
/// others take the full path, which gives the same text.
#[derive(Default)]
pub(super) struct Interned {
    /// Per field: severity, initial severity.
    lists: [Vec<Interning>; 2],
}

/// One cell read before: the key of its bytes (see [`Interned::key`]), its bytes, and its text.
struct Interning {
    key: u64,
    bytes: Box<[u8]>,
    value: Box<str>,
    as_written: Option<Box<str>>,
}

impl Interned {
    const LIMIT: usize = 16;

    /// The list of `field`'s cells.
    fn list(field: Field) -> usize {
        usize::from(field != Field::Severity)
    }

    fn find(&self, field: Field, bytes: &[u8]) -> Option<(usize, usize)> {
        let key = Self::key(bytes);
        let list = Self::list(field);
        self.lists[list]
            .iter()
            .position(|entry| entry.key == key && (bytes.len() <= 7 || *entry.bytes == *bytes))
            .map(|index| (list, index))
    }

    /// Keeps `text`, read from `bytes` for `field`, while its list has room; where it is.
    fn remember(&mut self, field: Field, bytes: &[u8], text: Text<'_>) -> Option<(usize, usize)> {
        let list = Self::list(field);
        let entries = &mut self.lists[list];
        (entries.len() < Self::LIMIT).then(|| {
            entries.push(Interning {
                key: Self::key(bytes),
                bytes: bytes.into(),
                value: text.value.into(),
                as_written: text.as_written.map(Into::into),
            });
            (list, entries.len() - 1)
        })
    }

    fn text(&self, (list, index): (usize, usize)) -> Text<'_> {
        let entry = &self.lists[list][index];
        Text {
            value: &entry.value,
            as_written: entry.as_written.as_deref(),
        }
    }

    /// The length and the first seven bytes of a cell in one word: equal keys of cells of up to
    /// seven bytes mean equal cells.
    fn key(bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        for (to, byte) in word.iter_mut().zip(bytes.iter().take(7)) {
            *to = *byte;
        }
        word[7] = bytes.len().min(255) as u8;
        u64::from_le_bytes(word)
    }
}

/// Where a routing cell's text is: kept in [`Interned`], or in the record (`None`: empty).
enum Found<'r> {
    Interned((usize, usize)),
    Cell(Option<Text<'r>>),
}

impl<S: Sink> Part<S> {
    pub(super) fn new(file: u16, sink: S, id_hash: IdHash) -> Self {
        Self {
            file,
            sink,
            counted: 0,
            fingerprints: Vec::new(),
            ids: IdOrder::default(),
            id_hash,
            read: 0,
            exclusions: Vec::new(),
            rejected: Vec::new(),
            opened: None,
            interned: Interned::default(),
        }
    }

    /// Counts `rows` rows excluded for `reason`.
    pub(super) fn exclude(&mut self, reason: ExclusionReason, rows: u64) {
        let known = self
            .exclusions
            .iter()
            .position(|(known, _)| *known == reason);
        let index = known.unwrap_or_else(|| {
            self.exclusions.push((reason, 0));
            self.exclusions.len() - 1
        });
        self.exclusions[index].1 += rows;
    }

    /// Moves every line number down by `lines`: a part read from the middle of a file counts
    /// its lines from where it started.
    pub(super) fn shift_lines(&mut self, lines: u64) {
        if lines == 0 {
            return;
        }
        self.sink.shift_lines(lines);
        for rejection in &mut self.rejected {
            rejection.line = rejection.line.saturating_add(lines);
        }
    }
}

/// When a header read as one column holds another common separator (`;` as spreadsheets in
/// many locales save, a tab, `|`), what to set so it splits.
fn delimiter_hint(header_names: &[String], delimiter: u8) -> Option<String> {
    let [only] = header_names else {
        return None;
    };
    let (shown, written) = [(';', "\";\""), ('\t', "\"\\t\""), ('|', "\"|\"")]
        .into_iter()
        .find(|(separator, _)| {
            *separator as u32 != u32::from(delimiter) && only.contains(*separator)
        })?;
    let shown = if shown == '\t' {
        "a tab".to_owned()
    } else {
        format!("`{shown}`")
    };
    Some(format!(
        "the header reads as the one column `{only}`, which looks separated by {shown}; declare `delimiter: {written}` in a mapping file (docs/sources.md)"
    ))
}

/// Turns records into rows for a sink: what one reading thread needs.
pub(super) struct Rows<'a, S> {
    source: &'a Source,
    /// The sink each part's own sink is made from.
    sink: &'a S,
    /// How ids are hashed to find the ones that may repeat.
    id_hash: IdHash,
}

/// A stretch of rows could not be read: the input failed (at a line counted from where the
/// stretch began, with the reader's message), or a quote is missing or stray.
pub(super) enum Unreadable {
    Io { line: u64, message: String },
    Malformed(Malformed),
}

impl Unreadable {
    /// The input failed at `line`.
    pub(super) fn io(line: u64, error: &impl std::fmt::Display) -> Self {
        Self::Io {
            line,
            message: error.to_string(),
        }
    }

    /// Why reading records stopped, `line` being where the record being read began.
    pub(super) fn of(error: ReadError, line: u64) -> Self {
        match error {
            ReadError::Io(error) => Self::io(line, &error),
            ReadError::Malformed(malformed) => Self::Malformed(malformed),
        }
    }

    /// The error, for the file `name`, with every line moved down by `lines`.
    pub(super) fn into_error(self, name: &str, lines: u64) -> Error {
        let (line, column, message) = match self {
            Self::Io { line, message } => (
                line + lines,
                1,
                format!("cannot read the export: {message}"),
            ),
            Self::Malformed(malformed) => (
                malformed.line + lines,
                malformed.column,
                malformed.message(lines),
            ),
        };
        // A location holds a line up to 4,294,967,295; past it, the message says the line.
        let (line, message) = match u32::try_from(line) {
            Ok(line) => (line, message),
            Err(_) => (0, format!("line {line}: {message}")),
        };
        Error::Incidents {
            location: Location {
                file: name.to_owned(),
                line,
                column: u32::try_from(column).unwrap_or(0),
            },
            message,
        }
    }
}

/// The header of an export read by `records`: its first record (none in an empty export), and
/// the line it is on.
pub(super) fn read_header<R: Read>(records: &mut Records<R>) -> Result<(Record, u64), Unreadable> {
    let mut header = Record::default();
    let line = records.position().line;
    Ok(match records.read(&mut header) {
        Ok(Some(began)) => (header, began.line),
        Ok(None) => (Record::default(), line),
        Err(error) => return Err(Unreadable::of(error, line)),
    })
}

/// The records being read: the file's name for rejections, the header's number of fields, and
/// the columns (for the id of a row rejected).
pub(super) struct Stretch<'n> {
    pub(super) name: &'n str,
    pub(super) header_len: usize,
    pub(super) columns: &'n Columns<'n>,
}

/// Reads records into `part` until the end, or until `stop` says the next record, at the given
/// byte offset, belongs to the next part. Each record with the header's number of fields goes to
/// `each`; its rejection is filed at the record's line, with its id when the id cell reads.
/// Returns where reading stopped.
pub(super) fn read_records<R: Read, S>(
    records: &mut Records<R>,
    stretch: &Stretch<'_>,
    part: &mut Part<S>,
    mut stop: impl FnMut(u64) -> bool,
    mut each: impl FnMut(&mut Part<S>, u64, &Record) -> Result<(), Box<Rejection>>,
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
                let line = began.line;
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
                        id: None,
                    }))
                };
                if let Err(mut rejection) = outcome {
                    stretch.name.clone_into(&mut rejection.file);
                    rejection.line = line;
                    rejection.id = stretch.columns.id_of(&record);
                    part.rejected.push(*rejection);
                }
            }
            Err(error) => return Err(Unreadable::of(error, next.line)),
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
    /// The columns a folded incident is read from: the only cells its fold keeps.
    kept: Vec<usize>,
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
    /// Where each field is read from in an export whose header, on line `header_line`, is
    /// `headers`.
    ///
    /// # Errors
    /// When the export is empty, a column the source needs is not in the header, or a column the
    /// source reads is in it more than once.
    pub(super) fn resolve(
        source: &'s Source,
        (headers, header_line): (&Record, u64),
        file: &str,
    ) -> Result<Self, Error> {
        let header_error = |message: String| Error::Incidents {
            location: Location {
                file: file.to_owned(),
                line: u32::try_from(header_line).unwrap_or(0),
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
            check_named_once(&header_names, name, field.name()).map_err(header_error)?;
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
                    if let Some(hint) = delimiter_hint(&header_names, source.delimiter) {
                        return Err(header_error(format!(
                            "column `{name}` (for {}) is not in the header: {hint}",
                            field.name()
                        )));
                    }
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
                Some(EventColumns::resolve(collapse, &header_names, &slots).map_err(header_error)?)
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

impl<'s> EventColumns<'s> {
    /// Where an event log's event time and state are in a file whose header names are
    /// `header_names`, and the columns of `slots` a folded incident is read from; `Err` with
    /// the message when a column is missing or in the header twice.
    fn resolve(
        collapse: &'s Collapse,
        header_names: &[String],
        slots: &[Slot<'_>],
    ) -> Result<Self, String> {
        let position = |name: &str| header_names.iter().position(|header| header == name);
        check_named_once(header_names, &collapse.updated, "collapse.updated")?;
        if let Some(state) = &collapse.state {
            check_named_once(header_names, state, "collapse.state")?;
        }
        let updated = position(&collapse.updated).ok_or_else(|| {
            format!(
                "column `{}` (for collapse.updated, the time of each event) is not in the header; the header has: {}",
                collapse.updated,
                header_names.join(", ")
            )
        })?;
        let state = match &collapse.state {
            None => None,
            Some(name) => match position(name) {
                Some(index) => Some(index),
                None if collapse.state_required => {
                    return Err(format!(
                        "column `{name}` (for collapse.state) is not in the header; the header has: {}",
                        header_names.join(", ")
                    ));
                }
                None => None,
            },
        };
        let kept = slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Column { index, .. } => Some(*index),
                Slot::Absent | Slot::Constant(_) => None,
            })
            .collect();
        Ok(Self {
            collapse,
            updated,
            state,
            kept,
        })
    }
}

impl Columns<'_> {
    /// The id of `record` (trimmed, aliases applied), when it has one that reads: what a
    /// rejection of the row names, so that a signed-off exception can say its incident was
    /// rejected.
    fn id_of(&self, record: &Record) -> Option<String> {
        let text = match self.slots[Field::Id.index()] {
            Slot::Absent => return None,
            Slot::Constant(value) => value,
            Slot::Column { index, aliases } => {
                let text = cell_text(record.get(index)?, self.missing).ok()??;
                aliases
                    .and_then(|aliases| aliases.get(text))
                    .map_or(text, String::as_str)
            }
        };
        (!text.is_empty()).then(|| text.to_owned())
    }
}

/// An error when the header names column `name` (read for `purpose`) more than once: the first
/// would be read and the others silently left out, though either may hold the value meant.
/// (Columns the source does not read may repeat: exports write a multi-valued field that way.)
fn check_named_once(header: &[String], name: &str, purpose: &str) -> Result<(), String> {
    let places: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(_, header)| *header == name)
        .map(|(index, _)| (index + 1).to_string())
        .collect();
    let Some((last, others)) = places.split_last().filter(|(_, others)| !others.is_empty()) else {
        return Ok(());
    };
    Err(format!(
        "column `{name}` (for {purpose}) is in the header {} times, as columns {} and {last}: slacredit cannot tell which one holds the value; rename the others in the export, or read another column with a mapping file",
        places.len(),
        others.join(", ")
    ))
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

/// The cells of a row being read, by field, with the mapping applied.
pub(super) struct Cells<'r> {
    pub(super) record: &'r Record,
    pub(super) columns: &'r Columns<'r>,
    pub(super) timestamps: &'r crate::time::TimestampFormat,
    /// For a folded event log: the incident's events in fold order.
    pub(super) history: Option<&'r [Event]>,
}

impl<'r> Cells<'r> {
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

    pub(super) fn required(&self, field: Field) -> Result<&'r str, Box<Rejection>> {
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
            .map_err(|error| self.unreadable_time(field, text, &error))
    }

    /// The rejection of a time cell that does not read, with the mapping setting that would
    /// read it.
    #[cold]
    #[allow(clippy::unnecessary_box_returns)]
    fn unreadable_time(
        &self,
        field: Field,
        text: &str,
        error: &crate::time::TimestampError,
    ) -> Box<Rejection> {
        let hint = self.timestamps.hint(text).unwrap_or_default();
        self.reject(field, text, format!("{error}{hint}"))
    }

    /// A severity cell: its value after the source's aliases, and the cell as written when an
    /// alias changed it (a contract may name either, see `calc::route`).
    fn text(&self, field: Field) -> Result<Option<Text<'r>>, Box<Rejection>> {
        let Some(value) = self.get(field)? else {
            return Ok(None);
        };
        let as_written = match self.columns.slots[field.index()] {
            Slot::Column {
                index,
                aliases: Some(_),
            } => self.cell(field, index).ok().flatten(),
            _ => None,
        };
        Ok(Some(Text {
            value,
            as_written: as_written.filter(|written| *written != value),
        }))
    }

    /// The title cell; see [`Row::title`].
    pub(super) fn title(&self) -> Result<&'r str, Box<Fault>> {
        match self.get(Field::Title) {
            Ok(title) => Ok(title.unwrap_or_default()),
            Err(rejection) => Err(Box::new(Fault {
                field: Field::Title,
                value: rejection.value,
                reason: rejection.reason,
            })),
        }
    }

    /// A sink's fault as the rejection of this row (file and line are filled in later); boxed,
    /// as every rejection on the way from a cell to its row is.
    #[allow(clippy::unnecessary_box_returns)]
    fn rejection(&self, fault: Fault) -> Box<Rejection> {
        Box::new(Rejection {
            file: String::new(),
            line: 0,
            column: self.columns.names[fault.field.index()].clone(),
            value: fault.value,
            reason: fault.reason,
            id: None,
        })
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
                .map_err(|_| self.reject(Field::Paused, text, "is neither pause intervals `start/end;start/end` nor a duration like `1h20m`".to_owned()))
                .and_then(|total| {
                    // A total longer than any contract's window is a typo, and one near
                    // `i64::MAX` would overflow a deadline.
                    check_duration_bound(text, total).map_err(|_| {
                        self.reject(
                            Field::Paused,
                            text,
                            "is longer than 3650d (ten years), the longest pause slacredit accepts"
                                .to_owned(),
                        )
                    })
                })?;
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
                    .map_err(|error| self.unreadable_time(Field::Paused, moment, &error))
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
            Some(instant) if instant < opened => Err(row.before_opened(field, opened)),
            _ => Ok(()),
        };
        before_opened(Field::Acknowledged, acknowledged)?;
        before_opened(Field::Resolved, resolved)?;
        if started.is_some_and(|started| started > opened) {
            let value = row.get(Field::Started).ok().flatten().unwrap_or_default();
            return Err(row.reject(
                Field::Started,
                value,
                format!(
                    "is after `opened` ({}); the failure cannot begin after it was detected",
                    row.shown(Field::Opened, opened)
                ),
            ));
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

    /// The rejection of `field`, whose time is before `opened`. Out of line: the check runs
    /// twice a row, the rejection seldom. Boxed, as every rejection on the way from a cell to
    /// its row is (see [`Cells::reject`]).
    #[cold]
    #[inline(never)]
    #[allow(clippy::unnecessary_box_returns)]
    fn before_opened(&self, field: Field, opened: Instant) -> Box<Rejection> {
        let value = self.get(field).ok().flatten().unwrap_or_default();
        self.reject(
            field,
            value,
            format!("is before `opened` ({})", self.shown(Field::Opened, opened)),
        )
    }

    /// `instant`, read from `field`, as RFC 3339 in the row's own time: the offset its cell is
    /// written with, or the zone of a local timestamp format. (A message shows the times it
    /// compares as a reader of the export would write them, never as seconds.)
    fn shown(&self, field: Field, instant: Instant) -> String {
        use chrono::{DateTime, SecondsFormat, TimeZone};
        let moment = match self.timestamps {
            TimestampFormat::Rfc3339 => self
                .get(field)
                .ok()
                .flatten()
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|moment| moment.to_rfc3339_opts(SecondsFormat::Secs, true)),
            TimestampFormat::Local { zone, .. } => zone
                .timestamp_opt(instant, 0)
                .single()
                .map(|moment| moment.to_rfc3339_opts(SecondsFormat::Secs, true)),
        };
        moment.unwrap_or_else(|| format_instant(instant))
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
            id: None,
        })
    }
}

/// One row of an event log: checks its id and event time and adds it to its incident.
pub(super) fn event(
    folding: &mut Folding,
    file: u16,
    line: u64,
    row: &Cells<'_>,
) -> Result<(), Box<Rejection>> {
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
            id: None,
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
    folding.add(id, event, row.record, &events.kept);
    Ok(())
}
impl<'a, S: Sink> Rows<'a, S> {
    pub(super) fn new(source: &'a Source, sink: &'a S, id_hash: IdHash) -> Self {
        Self {
            source,
            sink,
            id_hash,
        }
    }

    /// The source the rows are read with.
    pub(super) fn source(&self) -> &'a Source {
        self.source
    }

    /// A reader of rows for another thread.
    pub(super) fn fresh(&self) -> Self {
        Self::new(self.source, self.sink, self.id_hash)
    }

    /// A fresh sink.
    pub(super) fn sink(&self) -> S {
        self.sink.fresh()
    }

    /// An empty part of file `file`, with a fresh sink.
    pub(super) fn part(&self, file: u16) -> Part<S> {
        Part::new(file, self.sink.fresh(), self.id_hash)
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
            let cells = Cells {
                record,
                columns,
                timestamps: &source.timestamps,
                history: None,
            };
            Self::row(part, file, line, &cells)
        })
    }

    /// Reads one row (or folded incident) into `part`, by what its sink answers: counted,
    /// excluded or rejected.
    pub(super) fn row(
        part: &mut Part<S>,
        file: u16,
        line: u64,
        cells: &Cells<'_>,
    ) -> Result<(), Box<Rejection>> {
        let mut facts = Facts::default();
        let row = cells.row(file, line, &mut facts, &mut part.interned)?;
        part.opened = OpenedSpan::widened(part.opened, row.facts.opened);
        let answer = part.sink.row(&row);
        // A folded event log has one incident per id by construction: no duplicates to find.
        if cells.history.is_none() && !matches!(answer, Answer::Rejected(_)) {
            part.ids.note(row.id);
            part.fingerprints.push(part.id_hash.of(row.id));
        }
        match answer {
            Answer::Counted => part.counted += 1,
            Answer::Excluded(reason) => part.exclude(reason, 1),
            Answer::Rejected(fault) => return Err(cells.rejection(*fault)),
        }
        Ok(())
    }

    /// A row read again, as `sink` (which keeps nothing of it) answers for it: its copy, and
    /// whether it counts or why it is excluded; `None` when it is rejected. Reading a row again
    /// gives the same.
    pub(super) fn again(
        sink: &mut S,
        file: u16,
        line: u64,
        cells: &Cells<'_>,
    ) -> Option<(RowCopy, Result<(), ExclusionReason>)> {
        let (mut facts, mut interned) = (Facts::default(), Interned::default());
        let row = cells.row(file, line, &mut facts, &mut interned).ok()?;
        let kept = match sink.row(&row) {
            Answer::Counted => Ok(()),
            Answer::Excluded(reason) => Err(reason),
            Answer::Rejected(_) => return None,
        };
        Some((row.copy(), kept))
    }
}

/// The cells of a row a contract routes by: id, service, severities and cause.
type Named<'r> = (&'r str, Found<'r>, Found<'r>, Found<'r>, Option<&'r str>);

impl<'r> Cells<'r> {
    /// The row these cells stand for (`facts` filled in, routing cells kept in `interned`), or
    /// why it is rejected.
    fn row<'f>(
        &'f self,
        file: u16,
        line: u64,
        facts: &'f mut Facts,
        interned: &'f mut Interned,
    ) -> Result<Row<'f>, Box<Rejection>> {
        let (id, service, severity, initial_severity, cause) = self.read(facts, interned)?;
        let interned = &*interned;
        let text = |found: Found<'r>| match found {
            Found::Interned(index) => Some(interned.text(index)),
            Found::Cell(text) => text,
        };
        let (Some(service), Some(severity)) = (text(service), text(severity)) else {
            unreachable!("`read` rejects a row without a service or a severity")
        };
        Ok(Row::read(
            (id, file, line),
            (service.value, severity, text(initial_severity), cause),
            facts,
            self,
        ))
    }

    /// Reads every cell but the title, in the order a row is checked (id, service, opened,
    /// severity, initial severity, then the rest): the cells a contract routes by, and the
    /// times and flags into `facts`.
    fn read(
        &self,
        facts: &mut Facts,
        interned: &mut Interned,
    ) -> Result<Named<'r>, Box<Rejection>> {
        let empty =
            |field: Field| self.reject(field, "", "is empty; every row needs it".to_owned());
        let required = |found: Found<'r>, field: Field| match found {
            Found::Cell(None) => Err(empty(field)),
            found => Ok(found),
        };
        let id = self.required(Field::Id)?;
        // Services are read in full: an export names hundreds, and a list of the first few
        // would cost most rows a search that finds nothing.
        let service = required(Found::Cell(self.text(Field::Service)?), Field::Service)?;
        let opened = self
            .instant(Field::Opened)?
            .ok_or_else(|| empty(Field::Opened))?;
        let severity = required(self.found(Field::Severity, interned)?, Field::Severity)?;
        let initial_severity = self.found(Field::InitialSeverity, interned)?;
        let downgrade_reason = self.get(Field::DowngradeReason)?.is_some();
        let times = self.times(opened)?;
        let cause = self.get(Field::Cause)?;
        *facts = Facts {
            opened,
            started: times.started,
            acknowledged: times.acknowledged,
            resolved: times.resolved,
            paused: times.paused,
            downgrade_reason,
            disputed: self.flag(Field::Disputed)?,
            maintenance: self.flag(Field::Maintenance)?,
            notified: self.instant(Field::Notified)?,
            rca_delivered: self.instant(Field::RcaDelivered)?,
            data_breach: self.flag(Field::DataBreach)?,
            notified_regulator: self.instant(Field::NotifiedRegulator)?,
        };
        Ok((id, service, severity, initial_severity, cause))
    }

    /// A routing cell's text ([`Cells::text`]), from `interned` when its bytes were read before.
    fn found(&self, field: Field, interned: &mut Interned) -> Result<Found<'r>, Box<Rejection>> {
        let bytes = match self.columns.slots[field.index()] {
            Slot::Column { index, .. } => self.record.get(index),
            Slot::Absent | Slot::Constant(_) => None,
        };
        if let Some(index) = bytes.and_then(|bytes| interned.find(field, bytes)) {
            return Ok(Found::Interned(index));
        }
        let text = self.text(field)?;
        if let (Some(bytes), Some(text)) = (bytes, text)
            && let Some(index) = interned.remember(field, bytes, text)
        {
            return Ok(Found::Interned(index));
        }
        Ok(Found::Cell(text))
    }
}

//! Streaming CSV reader: one pass over each export, one `ByteRecord` reused for every row, and
//! every row accounted for. Rows are routed to a contract service and severity as they are read;
//! only the incidents the caller keeps are held in memory. Event-log exports are folded first
//! (see `collapse`), and each folded incident then takes the same path as a row.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use super::collapse::{self, Event, Folding, StateKind};
use super::encoding::{Encoding, decoded};
use super::fingerprint::{self, FingerprintHasher};
use super::source::{Collapse, Field, Mapping, Source};
use super::{Exclusion, Incident, Incidents, Paused, Rejection, RowAccounting};
use crate::contract::Contract;
use crate::error::{Error, Location};
use crate::time::{Instant, Seconds, merge_intervals, parse_duration};

/// One export to read: its name for messages and its bytes (plain, or gzip-compressed: a file
/// that starts with the gzip signature is decompressed as it is read).
pub struct Input {
    /// The file name as the user gave it.
    pub name: String,
    /// The bytes.
    pub reader: Box<dyn Read>,
}

/// The exclusion reason of the rows an event log folds into a later row of the same incident.
pub const EARLIER_EVENT: &str = "earlier event of an incident (folded into its latest row)";

/// Distinct service values routed so far are cached up to this many, so an export with a
/// free-text service column cannot grow memory without bound.
const ROUTE_CACHE_LIMIT: usize = 10_000;

/// Reads every export in order. `keep` decides, for a valid incident and its id, whether it
/// belongs in the calculation (`Ok`) or is excluded (`Err(reason)`); duplicates are resolved
/// across all files.
pub fn read_incidents(
    inputs: Vec<Input>,
    source: &Source,
    contracts: &[Contract],
    keep: &dyn Fn(&Incident, &str) -> Result<(), &'static str>,
) -> Result<Incidents, Error> {
    let mut state = ReadState {
        source,
        contracts,
        keep,
        columns: Vec::new(),
        folding: source.collapse.as_ref().map(|_| Folding::default()),
        routes: HashMap::default(),
        incidents: Vec::new(),
        fingerprints: Vec::new(),
        read: 0,
        exclusion_reasons: Vec::new(),
        exclusion_counts: Vec::new(),
        duplicates: BTreeMap::new(),
        rejected: Vec::new(),
    };
    let mut files = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        let file = u16::try_from(index)
            .map_err(|_| Error::Usage("more than 65,535 incident files".to_owned()))?;
        files.push(input.name.clone());
        state.read_file(file, input)?;
    }
    state.fold();
    Ok(state.finish(files))
}

/// A compact trace of every valid row (24 bytes), to find duplicate ids across a million rows
/// without keeping every id in memory. Ids are compared by a 64-bit hash: two different ids
/// collide with a probability near 3e-8 in a million-row export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    id: u64,
    content: u64,
    line: u32,
    file: u16,
    /// Index into `exclusion_reasons` when `keep` excluded the row; `KEPT` otherwise.
    exclusion: u8,
}

const KEPT: u8 = u8::MAX;

/// Where a service value goes: one (contract, service), or one per version of a contract (the
/// version in force when the incident was opened is taken; shared, so a cached route is copied
/// without allocating).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    One(u16, u16),
    Versions(std::rc::Rc<[(u16, u16)]>),
}

/// A row: input file index and CSV line.
type RowKey = (u16, u32);

struct ReadState<'a> {
    source: &'a Source,
    contracts: &'a [Contract],
    /// Each file's index, name and columns, kept for folding event logs (empty otherwise).
    columns: Vec<(u16, String, Columns<'a>)>,
    /// Event logs: the incidents being folded.
    folding: Option<Folding>,
    keep: &'a dyn Fn(&Incident, &str) -> Result<(), &'static str>,
    routes: HashMap<Box<str>, Result<Route, String>, FingerprintHasher>,
    incidents: Vec<Incident>,
    fingerprints: Vec<Fingerprint>,
    read: u64,
    exclusion_reasons: Vec<&'static str>,
    exclusion_counts: Vec<u64>,
    duplicates: BTreeMap<String, u64>,
    rejected: Vec<Rejection>,
}

/// Where each field's value comes from in one file, resolved once from the header so that reading
/// a cell is an array index, not a lookup by name.
struct Columns<'s> {
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
    fn resolve(source: &'s Source, headers: &csv::ByteRecord, file: &str) -> Result<Self, Error> {
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
    record: &'r csv::ByteRecord,
    columns: &'r Columns<'r>,
    timestamps: &'r crate::time::TimestampFormat,
    /// For a folded event log: the incident's events in fold order.
    history: Option<&'r [Event]>,
}

impl<'r> Row<'r> {
    /// The trimmed value of `field` with value aliases applied; `Ok(None)` when empty, a
    /// missing-value marker or unmapped; `Err` when not UTF-8.
    fn get(&self, field: Field) -> Result<Option<&'r str>, Rejection> {
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
    fn cell(&self, field: Field, index: usize) -> Result<Option<&'r str>, Rejection> {
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

    fn required(&self, field: Field) -> Result<&'r str, Rejection> {
        self.get(field)?
            .ok_or_else(|| self.reject(field, "", "is empty; every row needs it".to_owned()))
    }

    fn instant(&self, field: Field) -> Result<Option<Instant>, Rejection> {
        // Plain columns go straight from bytes to the timestamp parser: no UTF-8 pass for cells
        // that are ASCII digits in the common case.
        if let Slot::Column {
            index,
            aliases: None,
        } = self.columns.slots[field.index()]
        {
            let bytes = self.record.get(index).map_or(&b""[..], <[u8]>::trim_ascii);
            if bytes.is_empty() {
                return Ok(None);
            }
            if let Some(instant) = self.timestamps.parse_fast(bytes) {
                return Ok(Some(instant));
            }
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
    fn severity(&self, field: Field, contract: &Contract) -> Result<Option<u16>, Rejection> {
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
    fn flag(&self, field: Field) -> Result<bool, Rejection> {
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
    fn paused(&self, opened: Instant) -> Result<Paused, Rejection> {
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
    fn times(&self, opened: Instant) -> Result<Times, Rejection> {
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

    fn reject(&self, field: Field, value: &str, reason: String) -> Rejection {
        Rejection {
            file: String::new(),
            line: 0,
            column: self.columns.names[field.index()].clone(),
            value: value.to_owned(),
            reason,
        }
    }
}

impl ReadState<'_> {
    fn read_file(&mut self, file: u16, input: Input) -> Result<(), Error> {
        let source = self.source;
        let io_error = |line: u64, error: &dyn std::fmt::Display| Error::Incidents {
            location: Location {
                file: input.name.clone(),
                line: line as u32,
                column: 1,
            },
            message: format!("cannot read the export: {error}"),
        };
        let bytes = decoded(input.reader, source.encoding).map_err(|error| io_error(1, &error))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(source.delimiter)
            .has_headers(true)
            .from_reader(bytes);
        let headers = reader
            .byte_headers()
            .map_err(|error| io_error(1, &error))?
            .clone();
        let columns = Columns::resolve(source, &headers, &input.name)?;
        let mut record = csv::ByteRecord::new();
        loop {
            let line = reader.position().line() + 1;
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    self.read += 1;
                    let line = record.position().map_or(line, csv::Position::line) as u32;
                    let row = Row {
                        record: &record,
                        columns: &columns,
                        timestamps: &source.timestamps,
                        history: None,
                    };
                    let outcome = if columns.events.is_some() {
                        self.event(file, line, &row)
                    } else {
                        self.row(file, line, &row)
                    };
                    if let Err(mut rejection) = outcome {
                        rejection.file.clone_from(&input.name);
                        rejection.line = line;
                        self.rejected.push(rejection);
                    }
                }
                Err(error) => match error.kind() {
                    csv::ErrorKind::UnequalLengths {
                        pos,
                        expected_len,
                        len,
                    } => {
                        self.read += 1;
                        let line = pos.as_ref().map_or(line, csv::Position::line) as u32;
                        self.rejected.push(Rejection {
                            file: input.name.clone(),
                            line,
                            column: String::new(),
                            value: String::new(),
                            reason: format!("row has {len} fields, the header has {expected_len}"),
                        });
                    }
                    _ => return Err(io_error(line, &error)),
                },
            }
        }
        if columns.events.is_some() {
            self.columns.push((file, input.name, columns));
        }
        Ok(())
    }

    /// One row of an event log: checks its id and event time and adds it to its incident.
    fn event(&mut self, file: u16, line: u32, row: &Row<'_>) -> Result<(), Rejection> {
        let events = row
            .columns
            .events
            .as_ref()
            .expect("only event logs read events");
        let id = row.required(Field::Id)?;
        let column_rejection = |column: &str, value: &str, reason: String| Rejection {
            file: String::new(),
            line: 0,
            column: column.to_owned(),
            value: value.to_owned(),
            reason,
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
                let is = |states: &[String]| {
                    states.iter().any(|known| known.eq_ignore_ascii_case(state))
                };
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
        self.folding
            .as_mut()
            .expect("event logs fold")
            .add(id, event, row.record);
        Ok(())
    }

    /// Folds each event log incident into one row and reads it like a row of a one-row export,
    /// at its latest row's place. Its earlier events are excluded as folded.
    fn fold(&mut self) {
        let Some(folding) = self.folding.take() else {
            return;
        };
        let source = self.source;
        let columns = std::mem::take(&mut self.columns);
        for incident in folding.into_incidents() {
            let earlier = incident.events.len() as u64 - 1;
            if earlier > 0 {
                self.exclude_rows(EARLIER_EVENT, earlier);
            }
            let latest = incident.latest;
            let (_, file_name, file_columns) = columns
                .iter()
                .find(|(file, ..)| *file == latest.file)
                .expect("every file of an event log keeps its columns");
            let row = Row {
                record: &incident.record,
                columns: file_columns,
                timestamps: &source.timestamps,
                history: Some(&incident.events),
            };
            if let Err(mut rejection) = self.row(latest.file, latest.line, &row) {
                rejection.file.clone_from(file_name);
                rejection.line = latest.line;
                self.rejected.push(rejection);
            }
        }
    }

    fn row(&mut self, file: u16, line: u32, row: &Row<'_>) -> Result<(), Rejection> {
        let id = row.required(Field::Id)?;
        let service_value = row.required(Field::Service)?;
        let route = self
            .route(service_value)
            .map_err(|reason| row.reject(Field::Service, service_value, reason))?;
        let opened = row.instant(Field::Opened)?.ok_or_else(|| {
            row.reject(Field::Opened, "", "is empty; every row needs it".to_owned())
        })?;
        let (contract, service) = match route {
            Route::One(contract, service) => (contract, service),
            Route::Versions(versions) => self.version_at(&versions, opened),
        };
        let terms = &self.contracts[usize::from(contract)];
        let final_severity = row.severity(Field::Severity, terms)?.ok_or_else(|| {
            row.reject(
                Field::Severity,
                "",
                "is empty; every row needs it".to_owned(),
            )
        })?;
        let initial_severity = row.severity(Field::InitialSeverity, terms)?;
        let downgrade_reason = row.get(Field::DowngradeReason)?.is_some();
        let times = row.times(opened)?;
        // The id is copied only for rows that are kept; `keep` is given it as a borrowed `&str`.
        let mut incident = Incident {
            id: Box::default(),
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
            Err(reason) => self.exclude(reason),
        };
        // A folded event log has one incident per id by construction: no duplicates to find.
        if row.history.is_none() {
            self.fingerprints.push(Fingerprint {
                id: fingerprint::of_text(id),
                content: fingerprint::of_incident(&incident),
                line,
                file,
                exclusion,
            });
        }
        if exclusion == KEPT {
            incident.id = id.into();
            incident.title = row.get(Field::Title)?.unwrap_or_default().into();
            self.incidents.push(incident);
        }
        Ok(())
    }

    /// Counts a row excluded for `reason` and returns the reason's index.
    fn exclude(&mut self, reason: &'static str) -> u8 {
        self.exclude_rows(reason, 1)
    }

    /// Counts `rows` rows excluded for `reason` and returns the reason's index.
    fn exclude_rows(&mut self, reason: &'static str, rows: u64) -> u8 {
        let known = self
            .exclusion_reasons
            .iter()
            .position(|known| *known == reason);
        let index = known.unwrap_or_else(|| {
            self.exclusion_reasons.push(reason);
            self.exclusion_counts.push(0);
            self.exclusion_reasons.len() - 1
        });
        self.exclusion_counts[index] += rows;
        u8::try_from(index)
            .ok()
            .filter(|index| *index != KEPT)
            .expect("a handful of fixed exclusion reasons")
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

    /// Finds rows sharing an id. Identical copies after the first become "duplicate" exclusions;
    /// copies that differ are all conflicts (file, line, reason). Every row involved moves from
    /// wherever it was counted, so each row still counts exactly once. Returns the rows to drop.
    fn resolve_duplicates(&mut self, files: &[String]) -> (HashSet<RowKey>, Vec<(RowKey, String)>) {
        let mut dropped = HashSet::new();
        let mut conflicts = Vec::new();
        // Grouped by id; a single-key sort, since duplicates are rare and each group is put in
        // file order on its own below, so the first copy is the earliest row.
        self.fingerprints.sort_unstable_by_key(|print| print.id);
        let place =
            |print: &Fingerprint| format!("{}:{}", files[usize::from(print.file)], print.line);
        for group in self
            .fingerprints
            .chunk_by_mut(|left, right| left.id == right.id)
            .filter(|group| group.len() > 1)
        {
            group.sort_unstable_by_key(|print| (print.file, print.line));
            let group: &[Fingerprint] = group;
            let [first, rest @ ..] = group else { continue };
            if rest.is_empty() {
                continue;
            }
            let identical = rest.iter().all(|print| print.content == first.content);
            for print in if identical { rest } else { group } {
                if print.exclusion != KEPT {
                    self.exclusion_counts[usize::from(print.exclusion)] -= 1;
                }
                dropped.insert((print.file, print.line));
                if identical {
                    let reason = format!("duplicate of the identical row at {}", place(first));
                    *self.duplicates.entry(reason).or_default() += 1;
                } else {
                    let others: Vec<String> = group
                        .iter()
                        .filter(|other| *other != print)
                        .map(place)
                        .collect();
                    let reason = format!(
                        "the same id appears with different content at {}",
                        others.join(", ")
                    );
                    conflicts.push(((print.file, print.line), reason));
                }
            }
        }
        (dropped, conflicts)
    }

    /// Resolves duplicate ids, then returns the incidents sorted and the row accounting.
    fn finish(mut self, files: Vec<String>) -> Incidents {
        let (dropped, conflicts) = self.resolve_duplicates(&files);
        if !dropped.is_empty() {
            // A conflicting copy that was kept tells the id; excluded copies only left a hash.
            let ids: HashMap<(u16, u32), &str> = self
                .incidents
                .iter()
                .map(|incident| ((incident.file, incident.line), &*incident.id))
                .collect();
            for ((file, line), reason) in conflicts {
                self.rejected.push(Rejection {
                    file: files[usize::from(file)].clone(),
                    line,
                    column: "id".to_owned(),
                    value: ids
                        .get(&(file, line))
                        .map_or_else(String::new, |id| (*id).to_owned()),
                    reason,
                });
            }
            self.incidents
                .retain(|incident| !dropped.contains(&(incident.file, incident.line)));
        }
        self.incidents.sort_unstable_by(|left, right| {
            (left.contract, left.service, &left.id, left.file, left.line).cmp(&(
                right.contract,
                right.service,
                &right.id,
                right.file,
                right.line,
            ))
        });
        self.rejected.sort();
        let mut excluded: Vec<Exclusion> = self
            .exclusion_reasons
            .iter()
            .zip(&self.exclusion_counts)
            .map(|(reason, rows)| Exclusion {
                reason: (*reason).to_owned(),
                rows: *rows,
            })
            .chain(
                self.duplicates
                    .into_iter()
                    .map(|(reason, rows)| Exclusion { reason, rows }),
            )
            .filter(|exclusion| exclusion.rows > 0)
            .collect();
        excluded.sort();
        let rows = RowAccounting {
            read: self.read,
            counted: self.incidents.len() as u64,
            excluded,
            rejected: self.rejected,
        };
        Incidents {
            files,
            incidents: self.incidents,
            rows,
        }
    }
}

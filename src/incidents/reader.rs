//! Streaming CSV reader: one pass over each export, one `ByteRecord` reused for every row, and
//! every row accounted for. Rows are routed to a contract service and severity as they are read;
//! only the incidents the caller keeps are held in memory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use super::fingerprint::{self, FingerprintHasher};
use super::source::{Field, Mapping, Source};
use super::{Exclusion, Incident, Incidents, Paused, Rejection, RowAccounting};
use crate::contract::Contract;
use crate::error::{Error, Location};
use crate::time::{Instant, Seconds, merge_intervals, parse_duration};

/// One export to read: its name for messages and its bytes.
pub struct Input {
    /// The file name as the user gave it.
    pub name: String,
    /// The bytes.
    pub reader: Box<dyn Read>,
}

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
        contracts,
        keep,
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
        state.read_file(file, input, source)?;
    }
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
/// version in force when the incident was opened is taken).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    One(u16, u16),
    Versions(Box<[(u16, u16)]>),
}

/// A row: input file index and CSV line.
type RowKey = (u16, u32);

struct ReadState<'a> {
    contracts: &'a [Contract],
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
        if headers.is_empty() {
            return Err(Error::Incidents {
                location: Location {
                    file: file.to_owned(),
                    line: 1,
                    column: 1,
                },
                message: "the export is empty: there is no header line naming the columns"
                    .to_owned(),
            });
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
                None if field.required() || source.name != "generic" => {
                    return Err(Error::Incidents {
                        location: Location {
                            file: file.to_owned(),
                            line: 1,
                            column: 1,
                        },
                        message: format!(
                            "column `{name}` (for {}) is not in the header; the header has: {}",
                            field.name(),
                            header_names.join(", ")
                        ),
                    });
                }
                None => {}
            }
        }
        Ok(Self { slots, names })
    }
}

/// A row being read: its cells by field, with the mapping applied.
struct Row<'r> {
    record: &'r csv::ByteRecord,
    columns: &'r Columns<'r>,
    timestamps: &'r crate::time::TimestampFormat,
}

impl<'r> Row<'r> {
    /// The trimmed value of `field`, `Ok(None)` when empty or unmapped, `Err` when not UTF-8.
    fn get(&self, field: Field) -> Result<Option<&'r str>, Rejection> {
        let text = match self.columns.slots[field.index()] {
            Slot::Absent => return Ok(None),
            Slot::Constant(value) => value,
            Slot::Column { index, aliases } => {
                let Some(bytes) = self.record.get(index) else {
                    return Ok(None);
                };
                let bytes = bytes.trim_ascii();
                let text = std::str::from_utf8(bytes).map_err(|_| {
                    self.reject(
                        field,
                        &String::from_utf8_lossy(bytes),
                        "is not valid UTF-8".to_owned(),
                    )
                })?;
                aliases
                    .and_then(|aliases| aliases.get(text))
                    .map_or(text, String::as_str)
            }
        };
        Ok((!text.is_empty()).then_some(text))
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

    /// The severity a cell names, as an index into the contract's severities.
    fn severity(&self, field: Field, contract: &Contract) -> Result<Option<u16>, Rejection> {
        let Some(value) = self.get(field)? else {
            return Ok(None);
        };
        let index = contract.severity_for(value).ok_or_else(|| {
            let known: Vec<&str> = contract
                .severities
                .iter()
                .flat_map(|severity| severity.values.iter().map(String::as_str))
                .collect();
            let reason = format!(
                "matches no severity of contract {} (known values: {})",
                contract.id,
                known.join(", ")
            );
            self.reject(field, value, reason)
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
    fn read_file(&mut self, file: u16, input: Input, source: &Source) -> Result<(), Error> {
        let io_error = |line: u64, error: &csv::Error| Error::Incidents {
            location: Location {
                file: input.name.clone(),
                line: line as u32,
                column: 1,
            },
            message: format!("cannot read the export: {error}"),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(source.delimiter)
            .has_headers(true)
            .from_reader(input.reader);
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
                    };
                    if let Err(mut rejection) = self.row(file, line, &row) {
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
        Ok(())
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
        let started = row.instant(Field::Started)?;
        let acknowledged = row.instant(Field::Acknowledged)?;
        let resolved = row.instant(Field::Resolved)?;
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
            started,
            acknowledged,
            resolved,
            paused: row.paused(opened)?,
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
        self.fingerprints.push(Fingerprint {
            id: fingerprint::of_text(id),
            content: fingerprint::of_incident(&incident),
            line,
            file,
            exclusion,
        });
        if exclusion == KEPT {
            incident.id = id.into();
            incident.title = row.get(Field::Title)?.unwrap_or_default().into();
            self.incidents.push(incident);
        }
        Ok(())
    }

    /// Counts a row excluded for `reason` and returns the reason's index.
    fn exclude(&mut self, reason: &'static str) -> u8 {
        let known = self
            .exclusion_reasons
            .iter()
            .position(|known| *known == reason);
        let index = known.unwrap_or_else(|| {
            self.exclusion_reasons.push(reason);
            self.exclusion_counts.push(0);
            self.exclusion_reasons.len() - 1
        });
        self.exclusion_counts[index] += 1;
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
            _ if versions_of_one => Ok(Route::Versions(matches.into_boxed_slice())),
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

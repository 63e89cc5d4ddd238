//! Reading exports: every export read once, front to back or in parallel parts (see `split`),
//! each row handed to a [`Sink`] as it is read, which answers what becomes of it; event logs folded first (see `collapse`), each
//! folded incident then taking the same path as a row; and duplicate ids resolved across all
//! files once every row is read (see `duplicates`). Nothing per row is kept but a hash of its id.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::Arc;

use super::collapse::Folding;
use super::duplicates::{
    Candidate, Verdict, ids_rise_throughout, keep_repeated_ids, repeated_ids, resolve_duplicates,
};
use super::encoding::decoded;
use super::fingerprint::IdHash;
use super::input::{Again, Bytes, Copied, Input, with_progress};
use super::records::{Record, Records};
use super::rows::{
    Cells, Columns, Part, Rows, Stretch, Unreadable, event, read_header, read_records,
};
use super::source::{Field, Source};
use super::split;
use super::{Exclusion, ExclusionReason, OpenedSpan, Rejection, RowAccounting, Sink};
use crate::error::Error;

/// Reads every export in order, handing each row to `sink` as it is read; the sink answers
/// whether the row counts, is excluded or is rejected, and the row is accounted for by that
/// answer. Duplicate ids are resolved across all files once every row is read: the rows of a
/// repeated id are read again and compared in full, and the copies that do not count are taken
/// back out of the sink.
///
/// # Errors
/// When an export cannot be read, or its header lacks a column the source needs.
pub fn read_into<S: Sink>(
    inputs: Vec<Input>,
    source: &Source,
    sink: S,
) -> Result<Reading<S>, Error> {
    read_hashed(inputs, source, sink, IdHash::STANDARD)
}

/// [`read_into`], with ids hashed by `id_hash` to find the ones that may repeat.
pub(crate) fn read_hashed<S: Sink>(
    inputs: Vec<Input>,
    source: &Source,
    sink: S,
    id_hash: IdHash,
) -> Result<Reading<S>, Error> {
    let mut state = ReadState {
        source,
        rows: Rows::new(source, &sink, id_hash),
        event_columns: Vec::new(),
        folding: source.collapse.as_ref().map(|_| Folding::new(id_hash)),
        parts: Vec::new(),
        again: Vec::new(),
        id_hash,
    };
    let mut files = Vec::with_capacity(inputs.len());
    // The search for repeated ids runs on no more threads than any input may be read with.
    let threads = inputs.iter().map(|input| input.threads).max().unwrap_or(1);
    for (index, input) in inputs.into_iter().enumerate() {
        let file = u16::try_from(index)
            .map_err(|_| Error::Usage("more than 65,535 incident files".to_owned()))?;
        files.push(input.name.clone());
        state.read_input(file, input)?;
    }
    state.fold();
    let mut candidates = Vec::new();
    if !ids_rise_throughout(state.parts.iter().map(|part| &part.ids)) {
        let mut fingerprints: Vec<&mut Vec<u64>> = state
            .parts
            .iter_mut()
            .map(|part| &mut part.fingerprints)
            .collect();
        keep_repeated_ids(&mut fingerprints, threads);
        let parts: Vec<(u16, &[u64])> = state
            .parts
            .iter()
            .map(|part| (part.file, part.fingerprints.as_slice()))
            .collect();
        let repeated = repeated_ids(&parts);
        candidates = state.read_again(&repeated, &files)?;
    }
    let ReadState { parts, .. } = state;
    // The sink given took nothing itself: the parts took every row with sinks made from it.
    let mut joined = sink;
    let mut rows = RowAccounting::default();
    let mut exclusions: HashMap<ExclusionReason, u64> = HashMap::new();
    for part in parts {
        rows.read += part.read;
        rows.counted += part.counted;
        for (reason, count) in &part.exclusions {
            *exclusions.entry(reason.clone()).or_default() += count;
        }
        rows.rejected.extend(part.rejected);
        rows.opened = OpenedSpan::joined(rows.opened, part.opened);
        joined.join(part.sink);
    }
    let mut taken_back = Vec::new();
    for (copy, verdict) in resolve_duplicates(candidates, &files) {
        match verdict {
            Verdict::Duplicate(reason) => {
                *exclusions.entry(reason).or_default() += 1;
            }
            Verdict::Conflict(reason) => rows.rejected.push(Rejection {
                file: files[usize::from(copy.row.file)].clone(),
                line: copy.row.line,
                column: "id".to_owned(),
                value: copy.row.id.to_string(),
                reason,
                id: Some(copy.row.id.to_string()),
            }),
        }
        match copy.kept {
            Ok(()) => {
                rows.counted -= 1;
                taken_back.push(copy.row);
            }
            Err(reason) => {
                *exclusions.entry(reason).or_default() -= 1;
            }
        }
    }
    joined.take_back(&taken_back);
    rows.rejected.sort();
    rows.excluded = exclusions
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(reason, rows)| Exclusion { reason, rows })
        .collect();
    // In the order of their words, as the row accounting lists them.
    rows.excluded
        .sort_by_cached_key(|exclusion| (exclusion.reason.to_string(), exclusion.rows));
    Ok(Reading {
        files,
        sink: joined,
        rows,
    })
}

/// What reading the exports gave: the file names (indexed by `Row::file`), the sink that took
/// every counted row, and what became of every row.
pub struct Reading<S> {
    /// The input file names.
    pub files: Vec<String>,
    /// The sink.
    pub sink: S,
    /// What became of every row.
    pub rows: RowAccounting,
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
    /// How ids are hashed to find the ones that may repeat.
    id_hash: IdHash,
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
                self.again.push(Again::Kept(Arc::clone(&copy)));
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
                modified,
            } => {
                self.again.push(Again::Path {
                    path: path.clone(),
                    size,
                    modified,
                });
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
        let (bytes, line_ends) = decoded(reader, source.encoding)
            .map_err(|error| Unreadable::io(1, &error).into_error(name, 0))?;
        let mut reader = Records::new(bytes, source.delimiter, true, line_ends);
        let (headers, header_line) =
            read_header(&mut reader).map_err(|unreadable| unreadable.into_error(name, 0))?;
        let columns = Columns::resolve(source, (&headers, header_line), name)?;
        let mut part = self.rows.part(file);
        let stretch = Stretch {
            name,
            header_len: headers.len(),
            columns: &columns,
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
                    let cells = Cells {
                        record,
                        columns: &columns,
                        timestamps: &source.timestamps,
                        history: None,
                    };
                    event(folding, file, line, &cells)
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
    ) -> Result<Vec<Candidate>, Error> {
        let source = self.source;
        // Asked again what it makes of each row; what it takes is thrown away.
        let mut sink = self.rows.sink();
        let mut copies = Vec::new();
        for (file, wanted) in repeated {
            let name = &files[usize::from(*file)];
            let unreadable = |message: String| Unreadable::io(1, &message).into_error(name, 0);
            let bytes: Box<dyn Read> = match &self.again[usize::from(*file)] {
                Again::Path {
                    path,
                    size,
                    modified,
                } => {
                    let file = File::open(path).map_err(|error| unreadable(error.to_string()))?;
                    let metadata = file
                        .metadata()
                        .map_err(|error| unreadable(error.to_string()))?;
                    if metadata.len() != *size || metadata.modified().ok() != *modified {
                        return Err(unreadable(
                            "the export changed while it was read; read it again once it is complete"
                                .to_owned(),
                        ));
                    }
                    Box::new(BufReader::with_capacity(1 << 16, file))
                }
                Again::Kept(copy) => Box::new(io::Cursor::new(
                    copy.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone(),
                )),
            };
            let (bytes, line_ends) =
                decoded(bytes, source.encoding).map_err(|error| unreadable(error.to_string()))?;
            let mut records = Records::new(bytes, source.delimiter, true, line_ends);
            let (headers, header_line) =
                read_header(&mut records).map_err(|unreadable| unreadable.into_error(name, 0))?;
            let columns = Columns::resolve(source, (&headers, header_line), name)?;
            let mut record = Record::default();
            loop {
                let next = records.position().line;
                let began = match records.read(&mut record) {
                    Ok(Some(began)) => began,
                    Ok(None) => break,
                    Err(error) => return Err(Unreadable::of(error, next).into_error(name, 0)),
                };
                let line = began.line;
                let cells = Cells {
                    record: &record,
                    columns: &columns,
                    timestamps: &source.timestamps,
                    history: None,
                };
                let repeats = cells
                    .required(Field::Id)
                    .is_ok_and(|id| wanted.contains(&self.id_hash.of(id)));
                if !repeats || record.len() != headers.len() {
                    continue;
                }
                // A row rejected the first time is rejected again, and takes no part.
                if let Some((row, kept)) = Rows::again(&mut sink, *file, line, &cells) {
                    copies.push(Candidate { row, kept });
                }
            }
        }
        Ok(copies)
    }

    /// Folds each event log incident into one row and reads it like a row of a one-row export,
    /// at its latest row's place, as one more part. Its earlier events are excluded as folded.
    fn fold(&mut self) {
        let Some(folding) = self.folding.take() else {
            return;
        };
        let mut part = self.rows.part(0);
        for incident in folding.into_incidents() {
            let earlier = incident.events.len() as u64 - 1;
            if earlier > 0 {
                part.exclude(ExclusionReason::EarlierEvent, earlier);
            }
            let latest = incident.latest;
            let (_, file_name, file_columns) = self
                .event_columns
                .iter()
                .find(|(file, ..)| *file == latest.file)
                .expect("every file of an event log keeps its columns");
            let cells = Cells {
                record: &incident.record,
                columns: file_columns,
                timestamps: &self.source.timestamps,
                history: Some(&incident.events),
            };
            if let Err(mut rejection) = Rows::row(&mut part, latest.file, latest.line, &cells) {
                rejection.file.clone_from(file_name);
                rejection.line = latest.line;
                rejection.id = cells.required(Field::Id).ok().map(str::to_owned);
                part.rejected.push(*rejection);
            }
        }
        self.parts.push(part);
    }
}

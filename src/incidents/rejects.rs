//! The rows of a rejects file: every rejected row as it was read, under its export's column
//! names, with where it was and why it was rejected (`report::rejects` writes them before the
//! export's columns; fixed, the file reads again with the same source).
//!
//! The rows are found by reading the exports again and picking the rejected lines: the reader
//! keeps nothing of a row, so a run with no rejection costs nothing more, and one with
//! rejections holds only those rows. Exports with different headers are written under the
//! union of their column names (in order of first appearance), each cell under its own name.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Read};

use super::encoding::decoded;
use super::input::{Bytes, Input};
use super::records::{Record, Records};
use super::rows::{Unreadable, read_header};
use super::source::Source;
use super::{Rejection, RowAccounting};
use crate::error::Error;

/// The columns written before the export's own: where the row is and why it was rejected.
pub const REJECTS_COLUMNS: [&str; 4] = ["file", "line", "column", "reason"];

/// The rejected rows of a run, read again as they were read.
#[derive(Debug, Default)]
pub struct Rejects {
    /// The exports' column names: the union of their headers, in order of first appearance.
    pub columns: Vec<Vec<u8>>,
    /// Each rejected row, in file and line order.
    pub rows: Vec<RejectedRow>,
}

/// One rejected row.
#[derive(Debug)]
pub struct RejectedRow {
    /// The export it is in.
    pub file: String,
    /// Its line there.
    pub line: u64,
    /// The columns at fault, `; `-joined (empty when the whole row is).
    pub column: String,
    /// Why, with the value at fault; several reasons `; `-joined.
    pub reason: String,
    /// Its cells under [`Rejects::columns`] (empty where its export has no such column), then
    /// any cells past its header's.
    pub cells: Vec<Vec<u8>>,
}

/// The rejected rows of `rows`, read again from `inputs` (the exports read, in the same order,
/// opened again) with `source`. A row rejected for several reasons is one row.
///
/// # Errors
/// When an export cannot be read again, or a rejected line is no longer in it (the export
/// changed since).
pub fn rejected_rows(
    inputs: Vec<Input>,
    source: &Source,
    rows: &RowAccounting,
) -> Result<Rejects, Error> {
    let mut wanted: HashMap<&str, BTreeMap<u64, Vec<&Rejection>>> = HashMap::new();
    for rejection in &rows.rejected {
        wanted
            .entry(rejection.file.as_str())
            .or_default()
            .entry(rejection.line)
            .or_default()
            .push(rejection);
    }
    let mut columns = Columns::default();
    let mut found = Vec::new();
    for input in inputs {
        let lines = wanted.get(input.name.as_str());
        found.push(rows_of(input, source, lines, &mut columns)?);
    }
    let width = columns.names.len();
    let mut rejects = Rejects {
        columns: columns.names,
        rows: Vec::new(),
    };
    for (file, place, records) in found {
        let Some(lines) = wanted.get(file.as_str()) else {
            continue;
        };
        for (line, record) in records {
            let mut cells = vec![Vec::new(); width];
            for (index, cell) in record.iter().enumerate() {
                match place.get(index) {
                    Some(&to) => cells[to] = cell.to_vec(),
                    None => cells.push(cell.to_vec()),
                }
            }
            let rejections = &lines[&line];
            let joined = |part: fn(&Rejection) -> String| {
                rejections
                    .iter()
                    .map(|rejection| part(rejection))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            rejects.rows.push(RejectedRow {
                file: file.clone(),
                line,
                column: joined(|rejection| rejection.column.clone()),
                reason: joined(reason_of),
                cells,
            });
        }
    }
    Ok(rejects)
}

/// A rejection's reason with its value, as the rejects file says it.
fn reason_of(rejection: &Rejection) -> String {
    if rejection.value.is_empty() {
        rejection.reason.clone()
    } else {
        format!("`{}` {}", rejection.value, rejection.reason)
    }
}

/// The union of the exports' column names, in order of first appearance; a name repeated in
/// one header is a column of its own for each time it appears.
#[derive(Default)]
struct Columns {
    names: Vec<Vec<u8>>,
    /// For each name, the union's columns holding its first, second, … appearance.
    places: HashMap<Vec<u8>, Vec<usize>>,
}

impl Columns {
    /// Where each column of `header` goes in the union, adding the names not in it yet.
    fn place(&mut self, header: &Record) -> Vec<usize> {
        let mut seen: HashMap<&[u8], usize> = HashMap::new();
        header
            .iter()
            .map(|name| {
                let nth = seen.entry(name).or_default();
                let places = self.places.entry(name.to_vec()).or_default();
                if *nth == places.len() {
                    places.push(self.names.len());
                    self.names.push(name.to_vec());
                }
                *nth += 1;
                places[*nth - 1]
            })
            .collect()
    }
}

/// One export's name, where each of its columns goes in the union, and its rejected records
/// with their lines.
type Found = (String, Vec<usize>, Vec<(u64, Record)>);

/// Reads `input` again and keeps the records at `lines`, placing its header in `columns`.
fn rows_of(
    input: Input,
    source: &Source,
    lines: Option<&BTreeMap<u64, Vec<&Rejection>>>,
    columns: &mut Columns,
) -> Result<Found, Error> {
    let Input { name, bytes, .. } = input;
    let unreadable = |message: String| Unreadable::io(1, &message).into_error(&name, 0);
    let reader: Box<dyn Read> = match bytes {
        Bytes::Stream(reader) => reader,
        Bytes::File { file, .. } => Box::new(BufReader::with_capacity(1 << 16, file)),
    };
    let (bytes, line_ends) =
        decoded(reader, source.encoding).map_err(|error| unreadable(error.to_string()))?;
    let mut records = Records::new(bytes, source.delimiter, true, line_ends);
    let (header, _) =
        read_header(&mut records).map_err(|unreadable| unreadable.into_error(&name, 0))?;
    let place = columns.place(&header);
    let mut kept = Vec::new();
    let Some(lines) = lines else {
        return Ok((name, place, kept));
    };
    let mut record = Record::default();
    let last = lines.keys().next_back().copied().unwrap_or(0);
    loop {
        let next = records.position().line;
        if next > last {
            break;
        }
        let began = match records.read(&mut record) {
            Ok(Some(began)) => began,
            Ok(None) => break,
            Err(error) => return Err(Unreadable::of(error, next).into_error(&name, 0)),
        };
        if lines.contains_key(&began.line) {
            kept.push((began.line, record.clone()));
        }
    }
    if kept.len() != lines.len() {
        return Err(unreadable(
            "the export changed since it was read: a rejected row is no longer where it was"
                .to_owned(),
        ));
    }
    Ok((name, place, kept))
}

//! The records of an export, read as the `csv` crate reads them, with a fast path for the lines
//! most exports are made of, and the line numbers an editor shows.
//!
//! A record on one line whose cells are plain (no quote character, no carriage return) or quoted
//! without doubled quotes or line ends inside (`"Degraded, partly"`) has as its fields the bytes
//! between the delimiters, less the quotes: that is all a CSV parser can make of it. Such lines
//! are split without going byte by byte through the parser's state machine: the line end and
//! the quotes are found with `memchr` (vectorised), the delimiters eight bytes at a time in a
//! 64-bit word. Every other record (doubled quotes, cells over several lines, `\r` line ends, a
//! last line without a line end, and every line when the delimiter is itself a quote or a line
//! end) goes to `csv_core`, the state machine the `csv` crate itself runs, with the `csv`
//! crate's defaults and the export's delimiter. So the fields of every record are those the
//! `csv` crate reads (compared by a property test below), whichever path a record takes.
//!
//! Two things are this reader's own, because the `csv` crate's answer would lose rows:
//!
//! - **Lines.** LF, CRLF and a lone CR each end one line, inside quoted cells too, and a
//!   record's line is the line its first byte is on, after any blank lines. (The `csv` crate
//!   counts LF only, so every row of a CR-only file is its line 1, and gives a record read after
//!   blank lines the first blank line's number; rows are taken back by their line, so two rows
//!   on one line lose each other.) Lines are counted in a `u64`: no export wraps them.
//! - **Quotes.** A quoted cell still open at the end of the input, or one that spans lines and
//!   is followed by text where a delimiter or a line end belongs, means a quote is missing or
//!   stray: the parser would read the lines in between as one cell, and the rows on them would
//!   vanish. Both are an error at the line and column where the quote opened; so is a record
//!   longer than [`MAX_RECORD_BYTES`], which would otherwise hold the rest of the export in
//!   memory. (A quoted cell on one line followed by text, `"5" screen"`, stays the cell the
//!   `csv` crate reads: no row is lost to it. A stray quote that pairs with a quote ending a
//!   later plain cell, `27"` and a line end, still reads as a cell of several lines: nothing in
//!   the text tells the two apart.) The quotes are followed only in records the parser reads;
//!   a line the fast path splits has none open.

use std::io::{self, Read};

use csv_core::ReadRecordResult;

/// Bytes read from the input at a time (the buffer grows for a longer record).
const BUFFER: usize = 1 << 18;

/// The longest record read, in bytes of input: a quoted cell that never closes, or an input
/// without line ends, is an error past this rather than the rest of the export held in memory.
/// A spreadsheet cell holds at most 32,767 characters, so no real row comes near it.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Where a record begins, or where reading stopped: the byte offset from the start of the input
/// and the line (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub byte: u64,
    pub line: u64,
}

/// How the text a reader is given ends its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnds {
    /// As the export wrote them: LF, CRLF and a lone CR each end one line.
    AsWritten,
    /// CRLF already turned into LF (`encoding::decoded` does, to keep such files on the fast
    /// path): every CR left ended a line of its own in the export, even one right before an LF.
    CrlfMerged,
}

/// Why records cannot be read on.
#[derive(Debug)]
pub enum ReadError {
    /// The input could not be read.
    Io(io::Error),
    /// The text is not CSV whose rows can be told apart.
    Malformed(Malformed),
}

impl From<io::Error> for ReadError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(error) => error.fmt(formatter),
            Self::Malformed(malformed) => formatter.write_str(&malformed.message(0)),
        }
    }
}

/// A quote missing or stray, or a record too long to be one: where it begins (line and column
/// from 1, the column in characters, lines counted from where reading began) and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: u64,
    pub column: u64,
    pub kind: MalformedKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MalformedKind {
    /// A quoted cell opened at the place given is still open at line `last`, the end of the
    /// input.
    NeverClosed { last: u64 },
    /// A quoted cell opened at the place given closes on line `closed`, a later line, and
    /// `text` follows its closing quote.
    TextAfterClosingQuote { closed: u64, text: u8 },
    /// The record beginning at the place given runs past [`MAX_RECORD_BYTES`], to line `last`;
    /// `quote` is the line a quoted cell still open there opened on.
    TooLong { last: u64, quote: Option<u64> },
}

impl Malformed {
    /// The message, with every line moved down by `lines` (a part read from the middle of a
    /// file counts its lines from where it started).
    pub fn message(&self, lines: u64) -> String {
        const FIX: &str = "a quote is missing or stray (a quote inside a quoted cell is written twice: \"\"); correct the export and read it again";
        let line = self.line + lines;
        match self.kind {
            MalformedKind::NeverClosed { last } => format!(
                "a quoted cell opened on line {line} is never closed: lines {line} to {} (the end of the export) would be read as that one cell and the rows on them lost; {FIX}",
                last + lines
            ),
            MalformedKind::TextAfterClosingQuote { closed, text } => format!(
                "a quoted cell opened on line {line} closes on line {}, followed by `{}` where a delimiter or a line end belongs: lines {line} to {} would be read as that one cell and the rows on them lost; {FIX}",
                closed + lines,
                text.escape_ascii(),
                closed + lines
            ),
            MalformedKind::TooLong { last, quote } => {
                let why = quote.map_or_else(
                    || "without a record end".to_owned(),
                    |quote| {
                        format!(
                            "inside a quoted cell opened on line {}: {FIX}",
                            quote + lines
                        )
                    },
                );
                format!(
                    "the row starting on line {line} runs on for more than {} MiB (to line {}) {why}",
                    MAX_RECORD_BYTES >> 20,
                    last + lines
                )
            }
        }
    }
}

/// One record: its fields' bytes, one after another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    bytes: Vec<u8>,
    /// Where each field is in `bytes`.
    bounds: Vec<(usize, usize)>,
}

impl Record {
    /// The bytes of field `index`.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        self.bounds
            .get(index)
            .map(|&(start, end)| &self.bytes[start..end])
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.bounds
            .iter()
            .map(|&(start, end)| &self.bytes[start..end])
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.bounds.clear();
    }
}

/// A record of the given fields: how a folded event-log incident is handed back as a row.
impl<'f> FromIterator<&'f [u8]> for Record {
    fn from_iter<I: IntoIterator<Item = &'f [u8]>>(fields: I) -> Self {
        let mut record = Self::default();
        for field in fields {
            let start = record.bytes.len();
            record.bytes.extend_from_slice(field);
            record.bounds.push((start, record.bytes.len()));
        }
        record
    }
}

/// Where the parser is in a record, as far as quotes go: the states of `csv_core`'s machine
/// (no escape character, doubled quotes) that tell a quote missing or stray.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a cell.
    CellStart,
    /// In a cell that does not start with a quote.
    Plain,
    /// In a quoted cell opened at this line and column.
    Quoted { line: u64, column: u64 },
    /// Just after a quote inside a quoted cell opened at this line: the cell's end, or the
    /// first of a doubled quote.
    AfterQuote { line: u64, column: u64 },
}

/// The line count, and the quoting of the record being parsed, kept byte by byte over the bytes
/// the parser takes.
struct Scan {
    line: u64,
    /// Characters since the line began.
    column: u64,
    /// Whether the last byte was a CR that an LF right after it ends the same line with.
    after_cr: bool,
    line_ends: LineEnds,
    quoting: Quoting,
}

impl Scan {
    /// Follows `bytes`, the next bytes of the record being parsed; `Err` at text after a quoted
    /// cell that spans lines.
    fn bytes(&mut self, bytes: &[u8], delimiter: u8) -> Result<(), Malformed> {
        for &byte in bytes {
            self.quote(byte, delimiter)?;
            self.byte(byte);
        }
        Ok(())
    }

    /// Counts the line ends of `bytes`, in which no quoting matters (a line of plain cells, or
    /// blank lines).
    fn lines(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.byte(byte);
        }
    }

    fn byte(&mut self, byte: u8) {
        match byte {
            b'\n' => {
                if !self.after_cr {
                    self.line += 1;
                }
                self.column = 0;
                self.after_cr = false;
            }
            b'\r' => {
                self.line += 1;
                self.column = 0;
                self.after_cr = self.line_ends == LineEnds::AsWritten;
            }
            _ => {
                // A UTF-8 continuation byte adds no character.
                self.column += u64::from(byte & 0xC0 != 0x80);
                self.after_cr = false;
            }
        }
    }

    /// The quoting after `byte` (read at the current line and column), as `csv_core` moves.
    fn quote(&mut self, byte: u8, delimiter: u8) -> Result<(), Malformed> {
        let line_end = byte == b'\n' || byte == b'\r';
        self.quoting = match self.quoting {
            Quoting::CellStart if byte == b'"' => Quoting::Quoted {
                line: self.line,
                column: self.column + 1,
            },
            Quoting::CellStart | Quoting::Plain if byte == delimiter || line_end => {
                Quoting::CellStart
            }
            Quoting::CellStart | Quoting::Plain => Quoting::Plain,
            Quoting::Quoted { line, column } if byte == b'"' => {
                Quoting::AfterQuote { line, column }
            }
            quoted @ Quoting::Quoted { .. } => quoted,
            Quoting::AfterQuote { line, column } if byte == b'"' => {
                Quoting::Quoted { line, column }
            }
            Quoting::AfterQuote { .. } if byte == delimiter || line_end => Quoting::CellStart,
            Quoting::AfterQuote { line, column } => {
                if line < self.line {
                    return Err(Malformed {
                        line,
                        column,
                        kind: MalformedKind::TextAfterClosingQuote {
                            closed: self.line,
                            text: byte,
                        },
                    });
                }
                Quoting::Plain
            }
        };
        Ok(())
    }
}

/// A reader of records from `input`.
pub struct Records<R> {
    input: R,
    buffer: Vec<u8>,
    /// The bytes not read yet are `buffer[start..end]`.
    start: usize,
    end: usize,
    /// Whether `input` has no more bytes.
    eof: bool,
    /// Whether the last record has been read.
    done: bool,
    /// Whether a byte-order mark at the start is still to be skipped.
    at_start: bool,
    /// The byte offset of `buffer[start]`.
    byte: u64,
    /// The line of `buffer[start]`, and the quoting of the record being parsed.
    scan: Scan,
    delimiter: u8,
    core: csv_core::Reader,
    /// The parser's output for one record: field bytes and where each field ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: Read> Records<R> {
    /// Reads records separated by `delimiter`, from text whose lines end as `line_ends` says. At
    /// the start of a file (`file_start`), a UTF-8 byte-order mark is skipped as the `csv` crate
    /// skips it; elsewhere (a part of a file read from its middle) it is cell text.
    pub fn new(input: R, delimiter: u8, file_start: bool, line_ends: LineEnds) -> Self {
        let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        // The parser drops a byte-order mark from the first bytes it is given. It may first be
        // given a record in the middle of the input, so it is given an empty line first (which
        // it skips), and the mark at the start is dealt with here.
        let (mut fields, mut ends) = (vec![0; 64], vec![0; 8]);
        let _ = core.read_record(b"\n", &mut fields, &mut ends);
        Self {
            input,
            buffer: vec![0; BUFFER],
            start: 0,
            end: 0,
            eof: false,
            done: false,
            at_start: file_start,
            byte: 0,
            scan: Scan {
                line: 1,
                column: 0,
                after_cr: false,
                line_ends,
                quoting: Quoting::CellStart,
            },
            delimiter,
            core,
            fields,
            ends,
        }
    }

    /// Where the next record's read begins (before any blank lines, which are skipped).
    pub fn position(&self) -> Position {
        Position {
            byte: self.byte,
            line: self.scan.line,
        }
    }

    /// Reads the next record into `record`; returns where it begins (its first byte, after any
    /// blank lines), or `None` at the end.
    ///
    /// # Errors
    /// When the input cannot be read, or a quote is missing or stray (see the module comment).
    pub fn read(&mut self, record: &mut Record) -> Result<Option<Position>, ReadError> {
        if self.at_start {
            // The mark's bytes count in the offsets after it, not in the first record's.
            self.at_start = false;
            while self.end < 3 && !self.eof {
                self.fill()?;
            }
            if self.buffer[..self.end].starts_with(b"\xef\xbb\xbf") {
                self.start = 3;
                self.byte = 3;
            }
        }
        loop {
            if self.done {
                return Ok(None);
            }
            let rest = &self.buffer[self.start..self.end];
            match rest.first() {
                None if self.eof => {
                    self.done = true;
                    return Ok(None);
                }
                None => {
                    self.fill()?;
                    continue;
                }
                Some(b'\n' | b'\r') => {
                    // Blank lines are skipped, as the parser skips them, and counted.
                    let blank = rest
                        .iter()
                        .position(|byte| *byte != b'\n' && *byte != b'\r')
                        .unwrap_or(rest.len());
                    self.scan.lines(&rest[..blank]);
                    self.start += blank;
                    self.byte += blank as u64;
                    continue;
                }
                Some(_) => {}
            }
            let began = self.position();
            // Lines are split without the parser unless the delimiter is itself a quote or a line
            // end.
            let split = if matches!(self.delimiter, b'"' | b'\n' | b'\r') {
                None
            } else {
                split_line(rest, self.delimiter, record)
            };
            if let Some(length) = split {
                // One line, ended by its LF, with no CR in it.
                self.start += length;
                self.byte += length as u64;
                self.scan.line += 1;
                self.scan.column = 0;
                self.scan.after_cr = false;
                return Ok(Some(began));
            }
            if !self.eof
                && memchr::memchr2(b'\n', b'\r', rest).is_none()
                && (rest.len() as u64) < MAX_RECORD_BYTES
            {
                // The line goes on past the bytes read so far.
                self.fill()?;
                continue;
            }
            return self.parse(record).map(|read| read.then_some(began));
        }
    }

    /// Reads one record with the parser; `false` at the end of the input.
    fn parse(&mut self, record: &mut Record) -> Result<bool, ReadError> {
        let began = self.position();
        self.scan.quoting = Quoting::CellStart;
        let (mut written, mut ended) = (0, 0);
        loop {
            if self.start == self.end && !self.eof {
                self.fill()?;
            }
            if self.start == self.end
                && let Quoting::Quoted { line, column } = self.scan.quoting
            {
                // The last line with text on it, when the input ends with a line end.
                let last = self.scan.line - u64::from(self.scan.column == 0);
                return Err(ReadError::Malformed(Malformed {
                    line,
                    column,
                    kind: MalformedKind::NeverClosed { last },
                }));
            }
            let (result, read, wrote, ends) = self.core.read_record(
                &self.buffer[self.start..self.end],
                &mut self.fields[written..],
                &mut self.ends[ended..],
            );
            self.scan
                .bytes(&self.buffer[self.start..self.start + read], self.delimiter)
                .map_err(ReadError::Malformed)?;
            self.start += read;
            self.byte += read as u64;
            written += wrote;
            ended += ends;
            if self.byte - began.byte > MAX_RECORD_BYTES {
                let quote = match self.scan.quoting {
                    Quoting::Quoted { line, .. } | Quoting::AfterQuote { line, .. } => Some(line),
                    Quoting::CellStart | Quoting::Plain => None,
                };
                return Err(ReadError::Malformed(Malformed {
                    line: began.line,
                    column: 1,
                    kind: MalformedKind::TooLong {
                        last: self.scan.line,
                        quote,
                    },
                }));
            }
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.fields.resize(self.fields.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    record.clear();
                    record.bytes.extend_from_slice(&self.fields[..written]);
                    let mut from = 0;
                    for end in &self.ends[..ended] {
                        record.bounds.push((from, *end));
                        from = *end;
                    }
                    return Ok(true);
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return Ok(false);
                }
            }
        }
    }

    /// Moves the bytes not read yet to the front of the buffer and reads more after them,
    /// growing the buffer when they fill it.
    fn fill(&mut self) -> io::Result<()> {
        self.buffer.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        loop {
            match self.input.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.end += read;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

/// Splits the record at the start of `rest` into `record` when it is one line of plain cells
/// and cells quoted without doubled quotes or line ends inside; returns the length of the line
/// with its line end. `None` when the parser must decide, or when `rest` ends before the line.
fn split_line(rest: &[u8], delimiter: u8, record: &mut Record) -> Option<usize> {
    record.clear();
    // Where the cell being read begins.
    let mut start = 0;
    let length = loop {
        let special = start + memchr::memchr3(b'\n', b'\r', b'"', &rest[start..])?;
        match rest[special] {
            b'\n' => {
                split_plain(rest, start..special, delimiter, &mut record.bounds);
                break special + 1;
            }
            b'\r' => return None,
            _ => {
                // A quote that opens a cell; the cells before it are plain. (A quote inside a
                // plain cell is a plain character; the parser takes such a line.)
                if special > start {
                    if rest[special - 1] != delimiter {
                        return None;
                    }
                    split_plain(rest, start..special - 1, delimiter, &mut record.bounds);
                }
                let close = special + 1 + memchr::memchr(b'"', &rest[special + 1..])?;
                if memchr::memchr2(b'\n', b'\r', &rest[special + 1..close]).is_some() {
                    return None;
                }
                record.bounds.push((special + 1, close));
                match rest.get(close + 1) {
                    Some(&byte) if byte == delimiter => start = close + 2,
                    Some(b'\n') => break close + 2,
                    _ => return None,
                }
            }
        }
    };
    record.bytes.extend_from_slice(&rest[..length]);
    Some(length)
}

/// The cells of `line[cells]`, which holds no quotes or line ends: the bytes between delimiters,
/// found eight bytes at a time in a 64-bit word.
fn split_plain(
    line: &[u8],
    cells: std::ops::Range<usize>,
    delimiter: u8,
    bounds: &mut Vec<(usize, usize)>,
) {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let delimiters = LOW * u64::from(delimiter);
    let mut start = cells.start;
    let mut each_word = |word: usize, eight: [u8; 8], mut found: u64| {
        // Each byte equal to the delimiter becomes zero; the high bit of each zero byte is set,
        // exactly (no carry passes between bytes).
        let equal = u64::from_le_bytes(eight) ^ delimiters;
        found &= !(((equal & SEVEN) + SEVEN) | equal | SEVEN);
        while found != 0 {
            let at = word + (found.trailing_zeros() / 8) as usize;
            bounds.push((start, at));
            start = at + 1;
            found &= found - 1;
        }
    };
    let mut word = cells.start;
    while let Some(eight) = line[word..cells.end].first_chunk::<8>() {
        each_word(word, *eight, u64::MAX);
        word += 8;
    }
    let tail = &line[word..cells.end];
    if !tail.is_empty() {
        let mut eight = [0; 8];
        eight[..tail.len()].copy_from_slice(tail);
        // The padding after the cells is not a delimiter.
        each_word(word, eight, (1 << (8 * tail.len())) - 1);
    }
    bounds.push((start, cells.end));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record's fields, as read.
    type Fields = Vec<Vec<Vec<u8>>>;

    /// Each record's fields and where it begins, and where reading ended or why it stopped.
    type Outcome = (Vec<(Vec<Vec<u8>>, Position)>, Result<Position, Malformed>);

    /// The fields of the records the `csv` crate reads of `text`, set up as the reader of exports
    /// is.
    fn by_csv(text: &[u8], delimiter: u8) -> Fields {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut records = Vec::new();
        while reader.read_byte_record(&mut record).expect("reads") {
            records.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        records
    }

    /// What [`Records`] reads of `text`, handed over `chunk` bytes at a time (so records straddle
    /// the reads): each record's fields and where it begins, and where reading ended or why it
    /// stopped.
    fn by_records(text: &[u8], delimiter: u8, chunk: usize, line_ends: LineEnds) -> Outcome {
        let input = Chunked { text, chunk };
        let mut reader = Records::new(input, delimiter, true, line_ends);
        let mut record = Record::default();
        let mut records = Vec::new();
        loop {
            match reader.read(&mut record) {
                Ok(Some(position)) => {
                    records.push((record.iter().map(<[u8]>::to_vec).collect(), position));
                }
                Ok(None) => return (records, Ok(reader.position())),
                Err(ReadError::Malformed(malformed)) => return (records, Err(malformed)),
                Err(ReadError::Io(error)) => panic!("in memory: {error}"),
            }
        }
    }

    fn fields_of(records: &[(Vec<Vec<u8>>, Position)]) -> Fields {
        records.iter().map(|(fields, _)| fields.clone()).collect()
    }

    /// The line of byte `at` in `text` as an editor shows it: one more than the line ends before
    /// it, where LF, CRLF and a lone CR each end one line.
    fn editor_line(text: &[u8], at: usize) -> u64 {
        let before = &text[..at];
        let crlf = before.windows(2).filter(|pair| pair == b"\r\n").count();
        let ends = before
            .iter()
            .filter(|byte| **byte == b'\n' || **byte == b'\r')
            .count();
        // A record never begins between the CR and the LF of a CRLF (it begins after blank
        // lines), so the pairs before `at` are whole.
        (ends - crlf) as u64 + 1
    }

    struct Chunked<'t> {
        text: &'t [u8],
        chunk: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let count = self.chunk.min(buffer.len()).min(self.text.len());
            buffer[..count].copy_from_slice(&self.text[..count]);
            self.text = &self.text[count..];
            Ok(count)
        }
    }

    fn fields(fields: &[&str]) -> Vec<Vec<u8>> {
        fields
            .iter()
            .map(|field| field.as_bytes().to_vec())
            .collect()
    }

    fn at(byte: u64, line: u64) -> Position {
        Position { byte, line }
    }

    #[test]
    fn plain_lines_split_on_the_delimiter() {
        let text = b"id,title\nA1,Disk full\n\nA2,\n,\nA3,x";
        let (records, end) = by_records(text, b',', 1 << 20, LineEnds::AsWritten);
        // The blank line 3 is skipped; the record after it begins on line 4, at byte 23 (9 +
        // 13 + 1). "A2,\n" is bytes 23-26, ",\n" 27-28, "A3,x" 29-32 and ends the input at byte
        // 33, on line 6.
        assert_eq!(
            records,
            vec![
                (fields(&["id", "title"]), at(0, 1)),
                (fields(&["A1", "Disk full"]), at(9, 2)),
                (fields(&["A2", ""]), at(23, 4)),
                (fields(&["", ""]), at(27, 5)),
                (fields(&["A3", "x"]), at(29, 6)),
            ]
        );
        assert_eq!(end, Ok(at(33, 6)));
        assert_eq!(fields_of(&records), by_csv(text, b','));
    }

    #[test]
    fn lf_crlf_and_cr_line_ends_each_end_one_line() {
        // The same five lines (a header, a row, a blank line, a row with a cell of two lines, a
        // row) with each kind of line end: the rows begin on lines 2, 4 and 6 every time.
        for end in ["\n", "\r\n", "\r"] {
            let text = ["h,t", "A,x", "", "B,\"two", "lines\"", "C,y"].join(end);
            let (records, _) = by_records(text.as_bytes(), b',', 7, LineEnds::AsWritten);
            let lines: Vec<u64> = records.iter().map(|(_, position)| position.line).collect();
            assert_eq!(lines, [1, 2, 4, 6], "line ends {end:?}");
            assert_eq!(fields_of(&records), by_csv(text.as_bytes(), b','));
        }
        // CR CR LF is a lone CR and a CRLF: two line ends, so the row after it is on line 4.
        let text = b"h,t\r\nA,x\r\r\nB,y\r\n";
        let (records, _) = by_records(text, b',', 3, LineEnds::AsWritten);
        assert_eq!(records[2], (fields(&["B", "y"]), at(11, 4)));
        // Read after CRLF became LF (`encoding::decoded`), the same export is `h,t\nA,x\r\nB,y\n`:
        // the CR left ended a line of its own, so B is still on line 4.
        let text = b"h,t\nA,x\r\nB,y\n";
        let (records, _) = by_records(text, b',', 3, LineEnds::CrlfMerged);
        assert_eq!(records[2].1.line, 4);
    }

    #[test]
    fn line_numbers_do_not_wrap_at_four_billion() {
        let mut records = Records::new(&b"A\n\nB\n"[..], b',', true, LineEnds::AsWritten);
        records.scan.line = u64::from(u32::MAX);
        let mut record = Record::default();
        let first = records.read(&mut record).expect("reads").expect("a record");
        let second = records.read(&mut record).expect("reads").expect("a record");
        assert_eq!(
            (first.line, second.line),
            (u64::from(u32::MAX), u64::from(u32::MAX) + 2)
        );
    }

    #[test]
    fn a_quoted_cell_never_closed_is_an_error_where_it_opened() {
        let text = "id,title\nA1,ok\nA2,\"never closed\nA3,lost row\nA4,lost too\n";
        for chunk in [1, 5, 1 << 20] {
            let (records, end) = by_records(text.as_bytes(), b',', chunk, LineEnds::AsWritten);
            assert_eq!(records.len(), 2, "the header and A1 read before it");
            let malformed = end.expect_err("an unclosed quote");
            assert_eq!(
                (malformed.line, malformed.column, &malformed.kind),
                (3, 4, &MalformedKind::NeverClosed { last: 5 })
            );
        }
        assert_eq!(
            Malformed {
                line: 3,
                column: 4,
                kind: MalformedKind::NeverClosed { last: 5 }
            }
            .message(10),
            "a quoted cell opened on line 13 is never closed: lines 13 to 15 (the end of the export) would be read as that one cell and the rows on them lost; a quote is missing or stray (a quote inside a quoted cell is written twice: \"\"); correct the export and read it again"
        );
    }

    #[test]
    fn a_quote_closed_lines_later_by_another_cells_quote_is_an_error_where_it_opened() {
        // A2's quote is closed by the quote that opens A4's title, three lines on; `B` follows.
        let text = "id,title\nA2,\"never closed\nA3,lost\nA4,\"Bad, really\"\n";
        let (records, end) = by_records(text.as_bytes(), b',', 4, LineEnds::AsWritten);
        assert_eq!(records.len(), 1);
        assert_eq!(
            end,
            Err(Malformed {
                line: 2,
                column: 4,
                kind: MalformedKind::TextAfterClosingQuote {
                    closed: 4,
                    text: b'B'
                }
            })
        );
        // On one line, text after a closing quote loses no row: the cell the csv crate reads.
        let text = b"id,title\nA1,\"5\" screen\"\nA2,x\n";
        let (records, end) = by_records(text, b',', 4, LineEnds::AsWritten);
        assert!(end.is_ok());
        assert_eq!(records[1].0, fields(&["A1", "5 screen\""]));
        assert_eq!(fields_of(&records), by_csv(text, b','));
    }

    #[test]
    fn a_record_past_the_limit_is_an_error() {
        // A quote opened on line 2 and 65 MiB of lines after it.
        let mut text = b"id,title\nA1,\"open".to_vec();
        let line = b"more text in the cell, line after line\n";
        while (text.len() as u64) <= MAX_RECORD_BYTES + 1024 {
            text.extend_from_slice(line);
        }
        let (records, end) = by_records(&text, b',', 1 << 16, LineEnds::AsWritten);
        assert_eq!(records.len(), 1);
        let malformed = end.expect_err("too long");
        assert_eq!((malformed.line, malformed.column), (2, 1));
        assert!(matches!(
            malformed.kind,
            MalformedKind::TooLong { quote: Some(2), .. }
        ));
    }

    #[test]
    fn a_byte_order_mark_is_skipped_only_at_the_start() {
        let text = "\u{feff}id\n\u{feff}A1\n".as_bytes();
        let (records, _) = by_records(text, b',', 2, LineEnds::AsWritten);
        assert_eq!(records[0].0, vec![b"id".to_vec()]);
        assert_eq!(records[1].0, vec!["\u{feff}A1".as_bytes().to_vec()]);
        assert_eq!(fields_of(&records), by_csv(text, b','));
    }

    #[test]
    fn a_quote_or_line_end_as_delimiter_leaves_every_line_to_the_parser() {
        // With `"` as the delimiter, `"a"""b"` is a quoted cell `a"b` and an empty one to the
        // csv crate; split at the quotes it would be `a` and `b`.
        let text = b"\"a\"\"\"b\"\n";
        let (records, _) = by_records(text, b'"', 64, LineEnds::AsWritten);
        assert_eq!(records[0].0, vec![b"a\"b".to_vec(), Vec::new()]);
        assert_eq!(
            fields_of(&by_records(text, b'"', 3, LineEnds::AsWritten).0),
            by_csv(text, b'"')
        );
        let (records, _) = by_records(b"a\rb\n", b'\r', 64, LineEnds::AsWritten);
        assert_eq!(fields_of(&records), by_csv(b"a\rb\n", b'\r'));
    }

    proptest::proptest! {
        #[test]
        fn records_are_read_as_the_csv_crate_reads_them_on_the_lines_an_editor_shows(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "bc", ",", ";", "\n", "\r", "\r\n", "\"", "\"\"", " ", "\u{feff}", "é",
                "\"x, y\"", ",\"\",", "\n\"q\"\n", "\"two\nlines\"",
            ]), 0..60),
            delimiter in proptest::sample::select(vec![b',', b';']),
            chunk in 1_usize..40,
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            let (records, end) = by_records(bytes, delimiter, chunk, LineEnds::AsWritten);
            let csv = by_csv(bytes, delimiter);
            // Every record read before a quote problem (if any) is the csv crate's.
            proptest::prop_assert_eq!(fields_of(&records), csv[..records.len()].to_vec());
            if end.is_ok() {
                proptest::prop_assert_eq!(records.len(), csv.len());
            }
            // Each record begins after blank lines, on the line an editor shows it on.
            for (_, position) in &records {
                let byte = usize::try_from(position.byte).expect("small");
                proptest::prop_assert!(!matches!(bytes.get(byte), Some(b'\n' | b'\r')));
                proptest::prop_assert_eq!(position.line, editor_line(bytes, byte));
            }
            // Lines rise from record to record: no two rows share one.
            proptest::prop_assert!(records.windows(2).all(|pair| pair[0].1.line < pair[1].1.line));
        }
    }
}

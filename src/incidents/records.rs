//! The records of an export, read as the `csv` crate reads them, with a fast path for the lines
//! most exports are made of.
//!
//! A record on one line whose cells are plain (no quote character, no carriage return) or quoted
//! without doubled quotes or line ends inside (`"Degraded, partly"`) has as its fields the bytes
//! between the delimiters, less the quotes: that is all a CSV parser can make of it. Such lines
//! are split without going byte by byte through the parser's state machine: the line end and
//! the quotes are found with `memchr` (vectorised), the delimiters eight bytes at a time in a
//! 64-bit word. Every other record (doubled quotes, cells over several lines, `\r` line ends, a
//! last line without a line end, and every line when the delimiter is itself a quote or a line
//! end) goes to `csv_core`, the state machine the `csv` crate itself runs, with the `csv`
//! crate's defaults and the export's delimiter. So the records, their line numbers and byte
//! offsets are those the `csv` crate reads (compared by a property test below), whichever path
//! a record takes.

use std::io::{self, Read};

use csv_core::ReadRecordResult;

/// Bytes read from the input at a time (the buffer grows for a longer record).
const BUFFER: usize = 1 << 18;

/// Where a record begins, or where reading stopped: the byte offset from the start of the input
/// and the line (from 1), as `csv::Position` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub byte: u64,
    pub line: u64,
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
    /// The position of `buffer[start]`.
    at: Position,
    delimiter: u8,
    core: csv_core::Reader,
    /// The parser's output for one record: field bytes and where each field ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: Read> Records<R> {
    /// Reads records separated by `delimiter`. At the start of a file (`file_start`), a UTF-8
    /// byte-order mark is skipped as the `csv` crate skips it; elsewhere (a part of a file read
    /// from its middle) it is cell text.
    pub fn new(input: R, delimiter: u8, file_start: bool) -> Self {
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
            at: Position { byte: 0, line: 1 },
            delimiter,
            core,
            fields,
            ends,
        }
    }

    /// Where the next record begins (before any empty lines, which are skipped).
    pub fn position(&self) -> Position {
        self.at
    }

    /// Reads the next record into `record`; returns the position its read began at (the `csv`
    /// crate gives a record the position before the empty lines it skips), or `None` at the end.
    ///
    /// # Errors
    /// When the input cannot be read.
    pub fn read(&mut self, record: &mut Record) -> io::Result<Option<Position>> {
        let began = self.at;
        if self.at_start {
            // The mark's bytes count in the offsets after it, not in the first record's.
            self.at_start = false;
            while self.end < 3 && !self.eof {
                self.fill()?;
            }
            if self.buffer[..self.end].starts_with(b"\xef\xbb\xbf") {
                self.start = 3;
                self.at.byte = 3;
            }
        }
        loop {
            if self.done {
                return Ok(None);
            }
            let rest = &self.buffer[self.start..self.end];
            if rest.first() == Some(&b'\n') {
                // An empty line: skipped.
                self.advance(1);
                continue;
            }
            // Lines are split without the parser unless the delimiter is itself a quote or a line
            // end.
            let split = if matches!(self.delimiter, b'"' | b'\n' | b'\r') {
                None
            } else {
                split_line(rest, self.delimiter, record)
            };
            if let Some(length) = split {
                self.advance(length);
                return Ok(Some(began));
            }
            if !self.eof && memchr::memchr(b'\n', rest).is_none() {
                // The line goes on past the bytes read so far.
                self.fill()?;
                continue;
            }
            return self.parse(record).map(|read| read.then_some(began));
        }
    }

    /// Moves past `bytes` bytes: one line and its line end.
    fn advance(&mut self, bytes: usize) {
        self.start += bytes;
        self.at.byte += bytes as u64;
        self.at.line += 1;
    }

    /// Reads one record with the parser; `false` at the end of the input.
    fn parse(&mut self, record: &mut Record) -> io::Result<bool> {
        self.core.set_line(self.at.line);
        let (mut written, mut ended) = (0, 0);
        loop {
            if self.start == self.end && !self.eof {
                self.fill()?;
            }
            let (result, read, wrote, ends) = self.core.read_record(
                &self.buffer[self.start..self.end],
                &mut self.fields[written..],
                &mut self.ends[ended..],
            );
            self.start += read;
            self.at.byte += read as u64;
            self.at.line = self.core.line();
            written += wrote;
            ended += ends;
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

    /// Every record's fields with the byte and line its read began at, and the byte and line
    /// where reading ended.
    type Outcome = (Vec<(Vec<Vec<u8>>, u64, u64)>, (u64, u64));

    /// What the `csv` crate reads of `text`, set up as the reader of exports is.
    fn by_csv(text: &[u8], delimiter: u8) -> Outcome {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut records = Vec::new();
        while reader.read_byte_record(&mut record).expect("reads") {
            let position = record.position().expect("a position");
            records.push((
                record.iter().map(<[u8]>::to_vec).collect(),
                position.byte(),
                position.line(),
            ));
        }
        let end = reader.position();
        (records, (end.byte(), end.line()))
    }

    fn by_records(text: &[u8], delimiter: u8, chunk: usize) -> Outcome {
        // Handed over `chunk` bytes at a time, so records straddle the reads.
        let input = Chunked { text, chunk };
        let mut reader = Records::new(input, delimiter, true);
        let mut record = Record::default();
        let mut records = Vec::new();
        while let Some(position) = reader.read(&mut record).expect("reads") {
            records.push((
                record.iter().map(<[u8]>::to_vec).collect(),
                position.byte,
                position.line,
            ));
        }
        let end = reader.position();
        (records, (end.byte, end.line))
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

    #[test]
    fn plain_lines_split_on_the_delimiter() {
        let text = b"id,title\nA1,Disk full\n\nA2,\n,\nA3,x";
        let (records, end) = by_records(text, b',', 1 << 20);
        let fields = |fields: &[&str]| -> Vec<Vec<u8>> {
            fields
                .iter()
                .map(|field| field.as_bytes().to_vec())
                .collect()
        };
        // The empty line 3 is skipped; the record read after it is given the position the read
        // began at (line 3, byte 22 = 9 + 13), as the csv crate gives it. "A2,\n" is bytes
        // 23-26, ",\n" 27-28, "A3,x" 29-32 and ends the input at byte 33, on line 6.
        assert_eq!(
            records,
            vec![
                (fields(&["id", "title"]), 0, 1),
                (fields(&["A1", "Disk full"]), 9, 2),
                (fields(&["A2", ""]), 22, 3),
                (fields(&["", ""]), 27, 5),
                (fields(&["A3", "x"]), 29, 6),
            ]
        );
        assert_eq!(end, (33, 6));
        assert_eq!(by_csv(text, b','), (records, end));
    }

    #[test]
    fn a_byte_order_mark_is_skipped_only_at_the_start() {
        let text = "\u{feff}id\n\u{feff}A1\n".as_bytes();
        let (records, _) = by_records(text, b',', 2);
        assert_eq!(records[0].0, vec![b"id".to_vec()]);
        assert_eq!(records[1].0, vec!["\u{feff}A1".as_bytes().to_vec()]);
        assert_eq!(by_records(text, b',', 2), by_csv(text, b','));
    }

    #[test]
    fn a_quote_or_line_end_as_delimiter_leaves_every_line_to_the_parser() {
        // With `"` as the delimiter, `"a"""b"` is a quoted cell `a"b` and an empty one to the
        // csv crate; split at the quotes it would be `a` and `b`.
        let text = b"\"a\"\"\"b\"\n";
        let (records, _) = by_records(text, b'"', 64);
        assert_eq!(records[0].0, vec![b"a\"b".to_vec(), Vec::new()]);
        assert_eq!(by_records(text, b'"', 3), by_csv(text, b'"'));
        assert_eq!(by_records(b"a\rb\n", b'\r', 64), by_csv(b"a\rb\n", b'\r'));
    }

    proptest::proptest! {
        #[test]
        fn records_are_read_as_the_csv_crate_reads_them(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "bc", ",", ";", "\n", "\r", "\r\n", "\"", "\"\"", " ", "\u{feff}", "é",
                "\"x, y\"", ",\"\",", "\n\"q\"\n",
            ]), 0..60),
            delimiter in proptest::sample::select(vec![b',', b';', b'"', b'\r']),
            chunk in 1_usize..40,
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(
                by_records(text.as_bytes(), delimiter, chunk),
                by_csv(text.as_bytes(), delimiter)
            );
        }
    }
}

//! A large plain-text export is read in parallel parts, one thread each, with the same result as
//! reading it front to back.
//!
//! Each part must begin where a record begins, and a line end inside a quoted cell is not one.
//! Whether a byte is inside quotes follows from the number of quote characters before it (a
//! quote inside a quoted cell is doubled), so each thread counts the quotes of the stretch before
//! its part, the counts are passed up the chain of threads, and each part begins after the first
//! line end outside quotes past its share of the file. A part is read until the next record would
//! begin where the next part began. Counting costs a thread a read of the file before its share,
//! so when the first bytes of the file hold no line end inside quotes (cells of one line, as most
//! exports have), each part begins after the first line end past its share without counting.
//!
//! Where a part begins is checked, not trusted: a part is kept only when the part before it,
//! read from a record start, ended exactly where it began, so that its start is a record start
//! too. A quote character inside an unquoted cell (`5" screen`, a plain character to the CSV
//! reader) misleads the count, and a cell of several lines far into a file misleads the guess;
//! then everything from the end of the last part that joined up is read again, front to back.
//! The result is the same either way; only the time differs.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::Sink;
use super::encoding;
use super::input::{Progress, with_progress};
use super::records::{LineEnds, Records};
use super::rows::{Columns, Part, Rows, Stretch, Unreadable, read_header};
use crate::error::Error;

/// At most this many parts, whatever the number of CPUs.
pub const MAX_PARTS: usize = 16;

/// Bytes read at a time when counting quotes and finding record starts.
const SCAN_BUFFER: usize = 1 << 18;

/// One file to read in parts.
pub struct Job<'a> {
    pub path: &'a Path,
    /// The file's size in bytes.
    pub size: u64,
    /// How many parts to read it in; fewer than 2 reads it front to back instead.
    pub parts: usize,
    /// The file's index among the inputs, and its name for messages.
    pub file: u16,
    pub name: &'a str,
    pub progress: Option<&'a Progress>,
}

/// What one thread read: its part, and the byte offsets and line count of the stretch it read.
struct Piece<S> {
    /// Its rows, with lines counted from 1 at `start`.
    part: Part<S>,
    start: u64,
    end: u64,
    /// The line at `end`, counted from 1 at `start`.
    end_line: u64,
}

/// The share of the file a thread reads: share `part` is `[shares[part], shares[part + 1])`;
/// `count` says whether to count quotes to find where its part begins.
struct Share<'s> {
    part: usize,
    shares: &'s [u64],
    count: bool,
}

/// How a thread learns where its neighbours' parts begin.
#[derive(Default)]
struct Links {
    /// Whether the start of this thread's share of the file is inside quotes (from the thread
    /// before; none for the second thread, since the file starts outside quotes).
    quoted_before: Option<Receiver<bool>>,
    /// The same for the thread after.
    quoted_after: Option<Sender<bool>>,
    /// Where this part begins, for the thread before.
    start: Option<Sender<u64>>,
    /// Where the next part begins.
    next_start: Option<Receiver<u64>>,
}

impl Job<'_> {
    /// Reads the file in parts and returns them in file order, with file line numbers; `None`
    /// when the file is not worth splitting or is not plain UTF-8 text with LF line ends (byte
    /// offsets in the file must be offsets in the text the CSV reader sees).
    pub fn read<S: Sink>(&self, rows: &Rows<'_, S>) -> Result<Option<Vec<Part<S>>>, Error> {
        if self.parts < 2 {
            return Ok(None);
        }
        let source = rows.source();
        let Ok(head) = self.head() else {
            return Ok(None);
        };
        if !encoding::is_plain(&head, source.encoding) {
            return Ok(None);
        }
        let Ok(mut reader) = File::open(self.path)
            .map(|file| Records::new(file, source.delimiter, true, LineEnds::AsWritten))
        else {
            return Ok(None);
        };
        let Ok((headers, header_line)) = read_header(&mut reader) else {
            return Ok(None);
        };
        let columns = Columns::resolve(source, (&headers, header_line), self.name)?;
        let header_len = headers.len();
        let count = line_end_in_quotes(&head);
        // Share k of the file is [shares[k], shares[k + 1]).
        let shares: Vec<u64> = (0..=self.parts as u64)
            .map(|part| self.size * part / self.parts as u64)
            .collect();
        let mut links: Vec<Links> = (0..self.parts).map(|_| Links::default()).collect();
        for part in 1..self.parts {
            let (sender, receiver) = channel();
            links[part].start = Some(sender);
            links[part - 1].next_start = Some(receiver);
            if part + 1 < self.parts {
                let (sender, receiver) = channel();
                links[part].quoted_after = Some(sender);
                links[part + 1].quoted_before = Some(receiver);
            }
        }
        let pieces: Vec<Result<Piece<S>, Unreadable>> = std::thread::scope(|scope| {
            let threads: Vec<_> = links
                .into_iter()
                .enumerate()
                .map(|(part, links)| {
                    let (shares, columns) = (&shares, &columns);
                    scope.spawn(move || {
                        let share = Share {
                            part,
                            shares,
                            count,
                        };
                        self.piece(share, rows, columns, header_len, links)
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|_| Err(Unreadable::io(1, &"a reading thread stopped")))
                })
                .collect()
        });
        self.join(pieces, rows, &columns, header_len).map(Some)
    }

    /// Puts the pieces together while each begins where the one before ended; reads the rest of
    /// the file front to back from the first that does not.
    fn join<S: Sink>(
        &self,
        pieces: Vec<Result<Piece<S>, Unreadable>>,
        rows: &Rows<'_, S>,
        columns: &Columns<'_>,
        header_len: usize,
    ) -> Result<Vec<Part<S>>, Error> {
        let mut parts = Vec::with_capacity(pieces.len());
        let (mut joined_to, mut lines_before) = (0, 0_u64);
        for piece in pieces {
            match piece {
                Ok(mut piece) if piece.start == joined_to => {
                    piece.part.shift_lines(lines_before);
                    lines_before += piece.end_line - 1;
                    joined_to = piece.end;
                    parts.push(piece.part);
                }
                _ => break,
            }
        }
        if joined_to < self.size {
            let mut rest = self
                .read_from(joined_to, rows, columns, header_len, |_| false)
                .map_err(|unreadable| unreadable.into_error(self.name, lines_before))?;
            rest.part.shift_lines(lines_before);
            parts.push(rest.part);
        }
        Ok(parts)
    }

    /// What thread `part` does: finds where its part begins and reads it.
    fn piece<S: Sink>(
        &self,
        Share {
            part,
            shares,
            count,
        }: Share<'_>,
        rows: &Rows<'_, S>,
        columns: &Columns<'_>,
        header_len: usize,
        links: Links,
    ) -> Result<Piece<S>, Unreadable> {
        let stopped = || Unreadable::io(1, &"a neighbouring reading thread stopped");
        let failed = |error: io::Error| Unreadable::io(1, &error);
        let start = if part == 0 {
            0
        } else {
            // Without counting, the part begins after the first line end past the share, quotes
            // or not (the join checks it).
            let quoted = if count {
                let odd = self
                    .count_quotes(shares[part - 1], shares[part])
                    .map_err(failed)?
                    % 2
                    == 1;
                let quoted_before = match links.quoted_before {
                    Some(receiver) => receiver.recv().map_err(|_| stopped())?,
                    None => false,
                };
                Some(quoted_before ^ odd)
            } else {
                None
            };
            if let (Some(sender), Some(quoted)) = (links.quoted_after, quoted) {
                // The thread after may have stopped already; it then has no use for this.
                let _ = sender.send(quoted);
            }
            let start = self
                .record_start_after(shares[part], quoted)
                .map_err(failed)?;
            if let Some(sender) = links.start {
                let _ = sender.send(start);
            }
            start
        };
        let share_end = shares[part + 1];
        let mut next_start = None;
        let last = part + 1 == self.parts;
        let stop = |at: u64| {
            if last || at < share_end {
                return false;
            }
            // The next part begins at or after the end of this share; if its thread stopped,
            // this part ends here and the rest is read again.
            let next = *next_start.get_or_insert_with(|| {
                links
                    .next_start
                    .as_ref()
                    .and_then(|receiver| receiver.recv().ok())
                    .unwrap_or(0)
            });
            at >= next
        };
        self.read_from(start, rows, columns, header_len, stop)
    }

    /// Reads records from byte `start` (the header first, when `start` is 0) until `stop`,
    /// given the file offset of the next record, says the next part begins there.
    fn read_from<S: Sink>(
        &self,
        start: u64,
        rows: &Rows<'_, S>,
        columns: &Columns<'_>,
        header_len: usize,
        mut stop: impl FnMut(u64) -> bool,
    ) -> Result<Piece<S>, Unreadable> {
        let unreadable = |error: io::Error| Unreadable::io(1, &error);
        let mut file = File::open(self.path).map_err(unreadable)?;
        file.seek(SeekFrom::Start(start)).map_err(unreadable)?;
        // A byte-order mark is skipped at the start of the file only: in the middle of a file
        // those bytes belong to a cell.
        let bytes = with_progress(file, self.progress);
        let mut reader = Records::new(
            bytes,
            rows.source().delimiter,
            start == 0,
            LineEnds::AsWritten,
        );
        if start == 0 {
            read_header(&mut reader)?;
        }
        let mut part = rows.part(self.file);
        let mut rows = rows.fresh();
        let stretch = Stretch {
            name: self.name,
            header_len,
            columns,
        };
        let end = rows.read_part(
            &mut reader,
            (self.file, columns),
            &stretch,
            &mut part,
            |byte| stop(start + byte),
        )?;
        Ok(Piece {
            part,
            start,
            end: start + end.byte,
            end_line: end.line,
        })
    }

    /// The first bytes of the file.
    fn head(&self) -> io::Result<Vec<u8>> {
        let mut head = Vec::new();
        File::open(self.path)?
            .take(encoding::LOOK_AHEAD)
            .read_to_end(&mut head)?;
        Ok(head)
    }

    /// The number of quote characters in bytes `[from, to)`.
    fn count_quotes(&self, from: u64, to: u64) -> io::Result<u64> {
        let mut file = File::open(self.path)?;
        file.seek(SeekFrom::Start(from))?;
        let mut stretch = file.take(to - from);
        let mut buffer = vec![0; SCAN_BUFFER];
        let mut quotes = 0;
        loop {
            let count = stretch.read(&mut buffer)?;
            if count == 0 {
                return Ok(quotes);
            }
            quotes += bytecount::count(&buffer[..count], b'"') as u64;
        }
    }

    /// The offset after the first line end at or after `from` that is outside quotes, given
    /// whether `from` is inside quotes (`None`: the first line end, quotes not followed); the
    /// file's size when there is none.
    fn record_start_after(&self, from: u64, quoted: Option<bool>) -> io::Result<u64> {
        let (follow, mut quoted) = (quoted.is_some(), quoted.unwrap_or(false));
        let mut file = File::open(self.path)?;
        file.seek(SeekFrom::Start(from))?;
        let mut buffer = vec![0; SCAN_BUFFER];
        let mut at = from;
        loop {
            let count = file.read(&mut buffer)?;
            if count == 0 {
                return Ok(at);
            }
            for (index, byte) in buffer[..count].iter().enumerate() {
                match byte {
                    b'"' if follow => quoted = !quoted,
                    b'\n' if !quoted => return Ok(at + index as u64 + 1),
                    _ => {}
                }
            }
            at += count as u64;
        }
    }
}

/// Whether a line end in `head` (the first bytes of a file) is inside a quoted cell: then the
/// parts' starts are found by counting quotes rather than guessed.
fn line_end_in_quotes(head: &[u8]) -> bool {
    let mut quoted = false;
    for byte in head {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if quoted => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::io::Write as _;
    use std::path::PathBuf;

    use super::*;
    use crate::incidents::row::{Answer, Fault, Row};
    use crate::incidents::testing::{Copies, shown as shown_reading};
    use crate::incidents::{ExclusionReason, Field, Input, Reading, Source, read_into};

    /// What a contract with services `web` and `api-*` and severities `P1` and `P2` would answer;
    /// rows opened on a day divisible by 3 are excluded, so exclusions are counted per part.
    fn rule(row: &Row<'_>) -> Answer {
        let fault = |field, value: &str, reason: &str| {
            Answer::Rejected(Box::new(Fault {
                field,
                value: value.to_owned(),
                reason: reason.to_owned(),
            }))
        };
        if row.service != "web" && !row.service.starts_with("api-") {
            fault(Field::Service, row.service, "matches no service")
        } else if !["P1", "P2"].contains(&row.severity.value) {
            fault(Field::Severity, row.severity.value, "matches no severity")
        } else if (row.facts.opened / 86_400) % 3 == 0 {
            Answer::Excluded(ExclusionReason::Other("opened on a day divisible by three"))
        } else {
            Answer::Counted
        }
    }

    /// A small deterministic generator, so a failing case can be rerun.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % bound
        }
    }

    /// An export of `rows` rows with every kind of row the reader meets: quoted titles spanning
    /// lines and holding doubled quotes and commas, identical and conflicting duplicate ids, rows
    /// with a wrong number of cells, bad timestamps, unknown services and severities, blank lines.
    fn export(rows: usize, seed: u64, bom: bool) -> String {
        let mut random = Lcg(seed);
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str("id,service,severity,opened,acknowledged,resolved,title\n");
        let mut previous = String::new();
        for row in 0..rows {
            if random.below(20) == 0 && !previous.is_empty() {
                // An identical copy of the row before: a duplicate, excluded.
                text.push_str(&previous);
                continue;
            }
            let id = if random.below(25) == 0 {
                format!("T{}", row / 2)
            } else {
                format!("T{row}")
            };
            let service = ["web", "api-eu", "api-us", "mail", " web "][random.below(5) as usize];
            let severity = ["P1", "P2", "P1", "P2", "P9"][random.below(5) as usize];
            let day = 1 + random.below(28);
            let hour = random.below(24);
            let opened = if random.below(40) == 0 {
                "2026-02-30T10:00:00Z".to_owned()
            } else {
                format!("2026-03-{day:02}T{hour:02}:00:00Z")
            };
            let acknowledged = format!("2026-03-{day:02}T{hour:02}:{:02}:00Z", random.below(60));
            let resolved = if random.below(3) == 0 {
                String::new()
            } else {
                format!("2026-03-{:02}T23:00:00Z", day.max(1))
            };
            let title = match random.below(6) {
                0 => "\"Quoted, with a comma\"".to_owned(),
                1 => "\"Two\nlines\"".to_owned(),
                2 => "\"He said \"\"down\"\"\nand\n\nleft\"".to_owned(),
                3 => "\"\"".to_owned(),
                _ => format!("Plain title {row}"),
            };
            // A byte-order mark in front of a line (exports concatenated with `cat`) is part of
            // the id cell.
            let id = if random.below(15) == 0 {
                format!("\u{feff}{id}")
            } else {
                id
            };
            let line = if random.below(50) == 0 {
                format!("{id},{service},{severity},{opened}\n")
            } else {
                format!("{id},{service},{severity},{opened},{acknowledged},{resolved},{title}\n")
            };
            text.push_str(&line);
            if random.below(30) == 0 {
                text.push('\n');
            }
            previous = line;
        }
        text
    }

    fn write(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("slacredit-split-{}-{name}.csv", std::process::id()));
        std::fs::File::create(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .expect("a temporary file");
        path
    }

    fn read(path: &Path, threads: usize, min_part: u64) -> Reading<Copies> {
        let input = Input::open(path)
            .expect("opens")
            .threads(threads)
            .min_part(min_part);
        read_into(vec![input], &Source::generic(), Copies::new(rule)).expect("reads")
    }

    /// What reading `path` on up to `threads` threads gives, shown in full.
    fn shown(path: &Path, threads: usize) -> String {
        shown_reading(&read(path, threads, 1))
    }

    /// Reads `path` in one pass, and asserts that reading it on each of `threads` threads gives
    /// the same; returns the one-pass result.
    fn assert_every_split_reads_the_same(path: &Path, threads: &[usize]) -> String {
        let whole = shown(path, 1);
        for threads in threads {
            assert_eq!(shown(path, *threads), whole, "{threads} threads");
        }
        whole
    }

    /// The parts a file is read in, or `None` when it is read front to back.
    fn parts(path: &Path, parts: usize) -> Option<usize> {
        let source = Source::generic();
        let sink = Copies::new(rule);
        let rows = Rows::new(
            &source,
            &sink,
            crate::incidents::fingerprint::IdHash::STANDARD,
        );
        let size = std::fs::metadata(path).expect("exists").len();
        let job = Job {
            path,
            size,
            parts,
            file: 0,
            name: "x.csv",
            progress: None,
        };
        job.read(&rows).expect("reads").map(|parts| parts.len())
    }

    #[test]
    fn parts_read_in_parallel_give_the_front_to_back_result() {
        for (seed, bom) in [(1, false), (2, true), (3, false)] {
            let path = write(&format!("same-{seed}"), &export(2_000, seed, bom));
            let whole = assert_every_split_reads_the_same(&path, &[2, 3, 5, 16]);
            assert!(
                whole.contains("different content") && whole.contains("Duplicate { of:"),
                "the export has both kinds of duplicates (seed {seed})"
            );
            assert!(whole.contains("row has 4 fields") && whole.contains("matches no service"));
            // Each thread read a part of its own.
            assert_eq!(parts(&path, 5), Some(5));
            std::fs::remove_file(&path).expect("removed");
        }
    }

    #[test]
    fn a_quote_outside_quotes_misleads_the_split_but_not_the_result() {
        // `5" screen` is a plain cell to the CSV reader, but counts as an opening quote, so every
        // part after it begins in the wrong place; they are read again front to back.
        let mut text = export(1_000, 7, false);
        let middle = text.len() / 4;
        let line_start = text[..middle].rfind('\n').expect("a line") + 1;
        text.insert_str(line_start, "Q1,web,P1,2026-03-03T10:00:00Z,,,5\" screen\n");
        let path = write("stray-quote", &text);
        assert_every_split_reads_the_same(&path, &[4]);
        assert!(
            read(&path, 1, 1)
                .sink
                .kept
                .iter()
                .any(|kept| kept.title == "5\" screen"),
            "the row is read whole"
        );
        // The first part joined; the rest was read as one.
        assert_eq!(parts(&path, 4), Some(2));
        std::fs::remove_file(&path).expect("removed");
    }

    #[test]
    fn cells_of_several_lines_after_the_first_bytes_mislead_the_guess_but_not_the_result() {
        // The first 8 KiB hold only one-line cells, so the parts' starts are guessed, not
        // counted; further on, titles span lines, and a guess that lands inside one is caught
        // when the parts are joined.
        let mut text = "id,service,severity,opened,acknowledged,resolved,title\n".to_owned();
        for row in 0..200 {
            writeln!(
                text,
                "P{row},web,P2,2026-03-05T10:00:00Z,2026-03-05T10:05:00Z,,Plain title {row}"
            )
            .expect("a String takes any text");
        }
        assert!(text.len() > encoding::LOOK_AHEAD as usize);
        assert!(!line_end_in_quotes(text.as_bytes()));
        let body = export(1_500, 5, false);
        text.push_str(&body[body.find('\n').expect("a header") + 1..]);
        assert!(line_end_in_quotes(body.as_bytes()));
        let path = write("guess", &text);
        assert_every_split_reads_the_same(&path, &[2, 3, 4, 7, 16]);
        // Of 16 parts, the fourth began inside a quoted title: it and the rest were read again
        // as one part after the three that joined up.
        assert_eq!(parts(&path, 16), Some(4));
        std::fs::remove_file(&path).expect("removed");
    }

    #[test]
    fn a_fully_quoted_export_is_read_in_every_part() {
        // Every cell quoted, none over several lines: the parts' starts are guessed, and a share
        // that begins inside a quoted cell still has its part begin at the next line end.
        let mut text =
            "\"id\",\"service\",\"severity\",\"opened\",\"acknowledged\",\"resolved\",\"title\"\n"
                .to_owned();
        for row in 0..20_000 {
            writeln!(
                text,
                "\"Q{row}\",\"web\",\"P2\",\"2026-03-05T10:00:00Z\",\"2026-03-05T10:05:00Z\",\"\",\"A fairly long quoted title for row {row}\""
            )
            .expect("a String takes any text");
        }
        let path = write("quoted", &text);
        assert_every_split_reads_the_same(&path, &[8]);
        assert_eq!(parts(&path, 8), Some(8));
        std::fs::remove_file(&path).expect("removed");
    }

    #[test]
    fn an_export_in_id_order_with_one_repeated_id_still_has_it_found() {
        // 4,000 rows in id order (R00000 to R03999), opened on 2026-03-06 (day 20,518, not a
        // multiple of three: kept), then R00000 again with another severity. Read in one pass
        // and in 4 parts, both copies are rejected as conflicting and 3,999 rows count.
        let mut text = "id,service,severity,opened,acknowledged,resolved,title\n".to_owned();
        for row in 0..4_000 {
            writeln!(text, "R{row:05},web,P1,2026-03-06T10:00:00Z,,,Row {row}")
                .expect("a String takes any text");
        }
        text.push_str("R00000,web,P2,2026-03-06T10:00:00Z,,,Changed\n");
        let path = write("rising", &text);
        for threads in [1, 4] {
            let incidents = read(&path, threads, 1);
            let rejected: Vec<(u64, &str)> = incidents
                .rows
                .rejected
                .iter()
                .map(|rejection| (rejection.line, rejection.column.as_str()))
                .collect();
            assert_eq!(rejected, [(2, "id"), (4_002, "id")], "{threads} threads");
            assert_eq!(incidents.rows.counted, 3_999);
        }
        std::fs::remove_file(&path).expect("removed");
    }

    #[test]
    fn small_crlf_compressed_and_event_log_files_are_read_front_to_back() {
        let text = export(300, 11, false);
        let path = write("crlf", &text.replace('\n', "\r\n"));
        assert_eq!(parts(&path, 4), None);
        std::fs::remove_file(&path).expect("removed");
        let path = write("plain", &text);
        assert_eq!(parts(&path, 4), Some(4));
        assert_eq!(parts(&path, 1), None);
        // The least part size keeps small files in one piece.
        assert_eq!(
            shown_reading(&read(&path, 4, 1 << 20)),
            shown_reading(&read(&path, 1, 1))
        );
        std::fs::remove_file(&path).expect("removed");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        #[test]
        fn any_split_gives_the_same_result(rows in 0_usize..400, seed in 0_u64..1_000, threads in 2_usize..8, min_part in 1_u64..2_000) {
            let path = write(&format!("prop-{seed}-{rows}-{threads}"), &export(rows, seed, seed % 2 == 0));
            let whole = shown_reading(&read(&path, 1, 1));
            let split = shown_reading(&read(&path, threads, min_part));
            std::fs::remove_file(&path).expect("removed");
            proptest::prop_assert_eq!(split, whole);
        }
    }
}

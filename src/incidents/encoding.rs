//! The bytes of an export before the CSV reader sees them: gzip is undone when the file starts
//! with the gzip signature, Latin-1 or Windows-1252 text is turned into UTF-8 when the source
//! mapping declares it, and CRLF line ends become LF. UTF-8 input with LF line ends passes
//! through untouched, so its rows cost nothing extra.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use super::records::LineEnds;

/// The character encoding of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped). A cell that is not valid UTF-8 rejects its row.
    #[default]
    Utf8,
    /// ISO 8859-1: every byte is the character with that code.
    Latin1,
    /// Windows-1252, as spreadsheet programs on Windows save CSV: Latin-1 except that bytes
    /// 0x80–0x9F are typographic characters (`€`, `–`, curly quotes).
    Windows1252,
}

impl Encoding {
    /// The encoding a mapping file names: `utf-8`, `latin1` or `windows-1252` (and common
    /// spellings of each, case ignored).
    pub fn named(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Self::Utf8),
            "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" => Some(Self::Latin1),
            "windows-1252" | "cp1252" => Some(Self::Windows1252),
            _ => None,
        }
    }
}

/// The first two bytes of every gzip member.
const GZIP_SIGNATURE: [u8; 2] = [0x1f, 0x8b];

/// How much of the text is read ahead: to look for the gzip signature and for CRLF line ends.
/// The CSV reader's first read then gets all of it, so a UTF-8 byte-order mark is whole when
/// the reader looks for it.
pub(super) const LOOK_AHEAD: u64 = 8 * 1024;

/// The export's text as UTF-8 bytes: decompressed if it is gzip, transcoded if `encoding` says
/// it is not UTF-8, and with each CR before an LF dropped if the first 8 KiB end lines with CRLF
/// (so that such lines take the reader's fast path, which splits lines ended by LF), and how its
/// lines end then: the reader counts a CR left in such text as a line end of its own.
pub(super) fn decoded(
    reader: Box<dyn Read>,
    encoding: Encoding,
) -> io::Result<(Box<dyn Read>, LineEnds)> {
    let (head, rest) = look_ahead(reader)?;
    if head.starts_with(&GZIP_SIGNATURE) {
        let decompressed = MultiGzDecoder::new(io::Cursor::new(head).chain(rest));
        let (head, rest) = look_ahead(Box::new(decompressed))?;
        return Ok(filtered(head, rest, encoding));
    }
    Ok(filtered(head, rest, encoding))
}

/// The first [`LOOK_AHEAD`] bytes, and the reader of the rest.
fn look_ahead(mut reader: Box<dyn Read>) -> io::Result<(Vec<u8>, Box<dyn Read>)> {
    let mut head = Vec::with_capacity(LOOK_AHEAD as usize);
    (&mut reader).take(LOOK_AHEAD).read_to_end(&mut head)?;
    Ok((head, reader))
}

/// Whether the text starting with `head` reaches the CSV reader byte for byte: UTF-8, not
/// compressed, and with no CRLF line ends in the first [`LOOK_AHEAD`] bytes.
pub(super) fn is_plain(head: &[u8], encoding: Encoding) -> bool {
    encoding == Encoding::Utf8 && !head.starts_with(&GZIP_SIGNATURE) && !ends_lines_with_crlf(head)
}

fn ends_lines_with_crlf(head: &[u8]) -> bool {
    head.windows(2).any(|pair| pair == b"\r\n")
}

fn filtered(head: Vec<u8>, rest: Box<dyn Read>, encoding: Encoding) -> (Box<dyn Read>, LineEnds) {
    let crlf = ends_lines_with_crlf(&head);
    let whole = Box::new(io::Cursor::new(head).chain(rest));
    let line_ends = if crlf {
        LineEnds::CrlfMerged
    } else {
        LineEnds::AsWritten
    };
    if encoding == Encoding::Utf8 && !crlf {
        return (whole, line_ends);
    }
    let filter = Box::new(Filter {
        inner: whole,
        encoding,
        crlf,
        carriage_return: false,
        raw: vec![0; 1 << 15],
        out: Vec::with_capacity(1 << 16),
        at: 0,
    });
    (filter, line_ends)
}

/// The characters Windows-1252 puts at bytes 0x80–0x9F. The five bytes it leaves undefined
/// keep their Latin-1 meaning (C1 control characters), as web browsers do.
const WINDOWS_1252_HIGH: [char; 32] = [
    '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
];

/// Single-byte text turned into UTF-8, and CRLF into LF, a buffer at a time.
struct Filter {
    inner: Box<dyn Read>,
    encoding: Encoding,
    crlf: bool,
    /// The last buffer ended with a CR, held back until the next byte shows whether an LF
    /// follows.
    carriage_return: bool,
    /// Bytes as read.
    raw: Vec<u8>,
    /// The text to hand out, and how much of it was handed out.
    out: Vec<u8>,
    at: usize,
}

impl Filter {
    fn push(&mut self, byte: u8) {
        match self.encoding {
            _ if byte.is_ascii() => self.out.push(byte),
            Encoding::Utf8 => self.out.push(byte),
            Encoding::Latin1 | Encoding::Windows1252 => {
                let character = match byte {
                    0x80..=0x9f if self.encoding == Encoding::Windows1252 => {
                        WINDOWS_1252_HIGH[usize::from(byte - 0x80)]
                    }
                    _ => char::from(byte),
                };
                let mut utf8 = [0; 4];
                self.out
                    .extend_from_slice(character.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
}

impl Read for Filter {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            self.out.clear();
            self.at = 0;
            let count = self.inner.read(&mut self.raw)?;
            if count == 0 {
                if std::mem::take(&mut self.carriage_return) {
                    self.out.push(b'\r');
                    break;
                }
                return Ok(0);
            }
            for index in 0..count {
                let byte = self.raw[index];
                if std::mem::take(&mut self.carriage_return) && byte != b'\n' {
                    self.out.push(b'\r');
                }
                if self.crlf && byte == b'\r' {
                    self.carriage_return = true;
                } else {
                    self.push(byte);
                }
            }
        }
        let count = buffer.len().min(self.out.len() - self.at);
        buffer[..count].copy_from_slice(&self.out[self.at..self.at + count]);
        self.at += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn text_of(bytes: &[u8], encoding: Encoding) -> String {
        let mut text = String::new();
        decoded(Box::new(io::Cursor::new(bytes.to_vec())), encoding)
            .expect("readable")
            .0
            .read_to_string(&mut text)
            .expect("UTF-8 out");
        text
    }

    #[test]
    fn latin1_and_windows_1252_become_utf8() {
        // "Café – 5 €" in Windows-1252: é = 0xE9, – = 0x96, € = 0x80.
        let bytes = b"Caf\xe9 \x96 5 \x80";
        assert_eq!(text_of(bytes, Encoding::Windows1252), "Café – 5 €");
        // Latin-1 has no € or dash: 0x96 and 0x80 are control characters U+0096 and U+0080.
        assert_eq!(text_of(bytes, Encoding::Latin1), "Café \u{96} 5 \u{80}");
        assert_eq!(text_of(b"plain", Encoding::Utf8), "plain");
    }

    #[test]
    fn gzip_is_recognised_by_its_signature() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"id,opened\nA,1\n").expect("in memory");
        let compressed = encoder.finish().expect("in memory");
        assert_eq!(text_of(&compressed, Encoding::Utf8), "id,opened\nA,1\n");
        // Two members, as `cat a.gz b.gz` makes, read as one text.
        let twice = [compressed.clone(), compressed].concat();
        assert_eq!(
            text_of(&twice, Encoding::Utf8),
            "id,opened\nA,1\nid,opened\nA,1\n"
        );
    }

    #[test]
    fn crlf_becomes_lf_across_buffer_boundaries() {
        assert_eq!(text_of(b"a,b\r\nc,d\r\n", Encoding::Utf8), "a,b\nc,d\n");
        // A lone CR stays; a CR at the very end stays.
        assert_eq!(text_of(b"a\rb\r\nc\r", Encoding::Utf8), "a\rb\nc\r");
        // Without CRLF in the first 8 KiB the text is not touched.
        assert_eq!(text_of(b"a\rb\nc", Encoding::Utf8), "a\rb\nc");
        // CR and LF in different reads of the underlying file.
        let mut long = b"x\r\n".repeat(20_000);
        long.extend_from_slice(b"end");
        let text = text_of(&long, Encoding::Latin1);
        assert_eq!(text.len(), 2 * 20_000 + 3);
        assert!(!text.contains('\r'));
    }

    #[test]
    fn long_input_crosses_buffer_boundaries() {
        let bytes: Vec<u8> = (0..100_000_u32).map(|index| (index % 256) as u8).collect();
        let text = text_of(&bytes, Encoding::Latin1);
        assert_eq!(text.chars().count(), 100_000);
        assert!(text.chars().zip(&bytes).all(|(c, b)| c == char::from(*b)));
    }
}

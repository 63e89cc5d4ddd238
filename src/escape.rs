//! Control characters shown escaped: the one place that decides how text from contracts and
//! exports is shown on a terminal, so an id or title holding an escape sequence (clear screen,
//! set the window title) is printed as `\u{1b}[2J`, never run.
//!
//! Escaped: every C0 control character except line feed and tab (which lay text out and do
//! nothing else), DEL, and the C1 controls U+0080 to U+009F (a terminal may read U+009B as an
//! escape sequence's start). CSV and JSON outputs are not passed through here: they keep the
//! data exact (JSON escapes controls itself).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Whether `c` is shown escaped.
fn is_escaped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with each control character written as `\u{…}` (its code point in hex); borrowed
/// when there is none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_escaped(c) {
            write!(escaped, "\\u{{{:x}}}", u32::from(c)).expect("writing to a String cannot fail");
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A short, escaped excerpt of `text` for a message: its first line, at most `chars`
/// characters of it (with `…` when cut), control characters escaped. Messages quote file
/// content only through this, so a wrong file named as a holiday calendar (an environment dump,
/// a binary) never lands in a diagnostic or a CI log.
pub fn excerpt(text: &str, chars: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut cut: String = line.chars().take(chars).collect();
    if line.chars().nth(chars).is_some() || text.lines().nth(1).is_some() {
        cut.push('…');
    }
    escape_controls(&cut).into_owned()
}

/// A writer that passes text through with its control characters escaped, as
/// [`escape_controls`] does: for the table, Markdown and `explain` outputs and for every message
/// on stderr. Bytes that are not UTF-8 pass unchanged, except a C1 control's two bytes.
pub struct EscapeControls<W: Write> {
    inner: W,
    /// The last byte written was 0xC2, the first byte of a C1 control's UTF-8 form, held back
    /// until the next byte says what it starts.
    pending_c2: bool,
}

impl<W: Write> EscapeControls<W> {
    /// Escapes what is written before it reaches `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending_c2: false,
        }
    }

    fn write_escaped(&mut self, code: u32) -> io::Result<()> {
        write!(self.inner, "\\u{{{code:x}}}")
    }
}

impl<W: Write> Write for EscapeControls<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut clean_from = 0;
        let mut index = 0;
        if self.pending_c2 {
            self.pending_c2 = false;
            match buf.first() {
                Some(&byte @ 0x80..=0x9F) => {
                    self.write_escaped(u32::from(byte))?;
                    clean_from = 1;
                    index = 1;
                }
                Some(_) => self.inner.write_all(&[0xC2])?,
                None => {
                    self.pending_c2 = true;
                    return Ok(0);
                }
            }
        }
        while index < buf.len() {
            let byte = buf[index];
            let escaped = match byte {
                b'\n' | b'\t' => None,
                0x00..=0x1F | 0x7F => Some((u32::from(byte), 1)),
                0xC2 => match buf.get(index + 1) {
                    Some(&next @ 0x80..=0x9F) => Some((u32::from(next), 2)),
                    Some(_) => None,
                    None => {
                        self.inner.write_all(&buf[clean_from..index])?;
                        self.pending_c2 = true;
                        return Ok(buf.len());
                    }
                },
                _ => None,
            };
            match escaped {
                Some((code, width)) => {
                    self.inner.write_all(&buf[clean_from..index])?;
                    self.write_escaped(code)?;
                    index += width;
                    clean_from = index;
                }
                None => index += 1,
            }
        }
        self.inner.write_all(&buf[clean_from..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through_writer(pieces: &[&[u8]]) -> String {
        let mut out = EscapeControls::new(Vec::new());
        for piece in pieces {
            out.write_all(piece).expect("a Vec takes every write");
        }
        String::from_utf8(out.inner).expect("escaping keeps UTF-8")
    }

    #[test]
    fn controls_are_escaped_and_text_is_not() {
        // ESC [ 2 J clears the screen; ESC ] 0 ; … BEL sets the window title.
        assert_eq!(
            escape_controls("id\u{1b}[2J title\u{1b}]0;pwned\u{7}"),
            "id\\u{1b}[2J title\\u{1b}]0;pwned\\u{7}"
        );
        assert_eq!(
            escape_controls("a\u{7f}b\u{9b}c\rd"),
            "a\\u{7f}b\\u{9b}c\\u{d}d"
        );
        assert!(matches!(
            escape_controls("Zürich\tline\nnext €"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn the_writer_escapes_like_the_function_even_across_writes() {
        let text = "a\u{1b}[31mred\u{7f}\u{9b}1m é\u{c2}\n";
        assert_eq!(
            through_writer(&[text.as_bytes()]),
            escape_controls(text).into_owned()
        );
        // U+009B is C2 9B in UTF-8: split across two writes it is still escaped; U+00E9 (é, C3
        // A9) and U+00C2 (Â, C3 82) pass.
        assert_eq!(through_writer(&[b"x\xC2", b"\x9By"]), "x\\u{9b}y");
        assert_eq!(through_writer(&[b"x\xC2", b"\xA9y"]), "x\u{a9}y");
        assert_eq!(through_writer(&["Âé".as_bytes()]), "Âé");
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt("SECRET=abc\nTOKEN=def", 6), "SECRET…");
        assert_eq!(excerpt("BEGIN:VCALENDAR", 40), "BEGIN:VCALENDAR");
        assert_eq!(excerpt("\u{1b}]0;x\u{7}", 40), "\\u{1b}]0;x\\u{7}");
        assert_eq!(excerpt("", 40), "");
    }
}

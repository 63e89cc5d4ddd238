//! JSON output: `serde_json`'s pretty layout (two spaces a level), with each line break and its
//! indent written at once.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

/// Writes `value` as pretty JSON with a final newline.
pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    // The serializer makes a write per token: a buffer of a known type takes them without a
    // dynamic call each.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffered, Pretty::default());
    value.serialize(&mut serializer).map_err(io::Error::other)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// The layout of `serde_json::ser::PrettyFormatter`, byte for byte. That one writes the indent
/// of a line one level at a time; a report of ten thousand breaches has a few hundred thousand
/// lines, each indented four to five levels.
#[derive(Default)]
pub(super) struct Pretty {
    level: usize,
    has_value: bool,
}

/// A comma, a line end and the indents of the deepest levels a report reaches; deeper lines
/// take several writes.
const LINE: &[u8] = b",\n                                                                ";

/// Writes a line end (after a comma when `comma`), then the indent of `level`.
pub(super) fn new_line<W: ?Sized + Write>(
    writer: &mut W,
    comma: bool,
    level: usize,
) -> io::Result<()> {
    let from = usize::from(!comma);
    let mut spaces = 2 * level;
    let head = spaces.min(LINE.len() - 2);
    writer.write_all(&LINE[from..2 + head])?;
    spaces -= head;
    while spaces > 0 {
        let more = spaces.min(LINE.len() - 2);
        writer.write_all(&LINE[2..2 + more])?;
        spaces -= more;
    }
    Ok(())
}

impl Pretty {
    /// The layout of a value that starts at indent `level`: an object under a key of a line
    /// indented `level` times.
    pub(super) fn at(level: usize) -> Self {
        Self {
            level,
            has_value: false,
        }
    }

    /// Opens an array or object with `bracket`, a level deeper.
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// Closes an array or object with `bracket`, on a line of its own unless it was empty.
    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            new_line(writer, false, self.level)?;
        }
        writer.write_all(bracket)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        new_line(writer, !first, self.level)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        new_line(writer, !first, self.level)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::write_json;

    fn written(value: &Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, value).expect("writes to memory");
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    #[test]
    fn the_layout_is_serde_json_pretty_byte_for_byte() {
        let value = json!({
            "empty_object": {},
            "empty_array": [],
            "rows": [{"id": "INC1", "credits": [], "nested": {"a": [1, 2, {"b": null}]}}, 3.5, "x"],
            "text": "quote \" and line\nend",
        });
        let expected = serde_json::to_string_pretty(&value).expect("serializes") + "\n";
        assert_eq!(written(&value), expected);
    }

    #[test]
    fn lines_deeper_than_the_indent_buffer_are_indented_in_full() {
        // 40 levels: 80 spaces of indent at the deepest line, past the 64 written at once.
        let mut value = json!({"leaf": true});
        for level in 0..40 {
            value = if level % 2 == 0 {
                json!([value, level])
            } else {
                json!({"inner": value})
            };
        }
        let expected = serde_json::to_string_pretty(&value).expect("serializes") + "\n";
        let out = written(&value);
        assert!(out.contains(&format!("\n{}\"leaf\": true", " ".repeat(82))));
        assert_eq!(out, expected);
    }
}

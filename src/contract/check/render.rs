//! Diagnostic renderers for `validate`: text for people (with the source line and a caret),
//! JSON for tools, and GitHub Actions workflow commands for annotations on pull requests.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::error::{Diagnostic, Level};

/// `error[check]: file:line:col: message (at path)`, the offending source line with a caret
/// under the column, then the hint.
pub fn write_text<S: std::hash::BuildHasher>(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &HashMap<String, String, S>,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        let (head, hint) = match diagnostic.to_string().split_once("\n  hint: ") {
            Some((head, hint)) => (head.to_owned(), Some(hint.to_owned())),
            None => (diagnostic.to_string(), None),
        };
        writeln!(out, "{head}")?;
        let location = &diagnostic.location;
        let line = sources
            .get(&location.file)
            .and_then(|text| text.lines().nth((location.line as usize).saturating_sub(1)))
            .filter(|_| location.line > 0);
        if let Some(line) = line {
            let number = location.line.to_string();
            let gutter = " ".repeat(number.len());
            let caret_at = line
                .chars()
                .take((location.column as usize).saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' });
            writeln!(out, "{gutter} |")?;
            writeln!(out, "{number} | {line}")?;
            writeln!(out, "{gutter} | {}^", caret_at.collect::<String>())?;
        }
        if let Some(hint) = hint {
            writeln!(out, "  hint: {hint}")?;
        }
    }
    Ok(())
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
pub fn write_github(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for diagnostic in diagnostics {
        let level = match diagnostic.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let location = &diagnostic.location;
        let mut message = diagnostic.message.clone();
        if !diagnostic.path.is_empty() {
            write!(message, " (at {})", diagnostic.path).expect("writing to a String cannot fail");
        }
        if let Some(hint) = &diagnostic.hint {
            write!(
                message,
                "
hint: {hint}"
            )
            .expect("writing to a String cannot fail");
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            escape_property(&location.file),
            location.line,
            location.column,
            escape_property(diagnostic.check),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// Workflow-command data escaping: `%`, CR and LF.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command property escaping: data escaping plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn diagnostic() -> Diagnostic {
        Diagnostic::error(
            "bands-ordered",
            Location {
                file: "c.yaml".to_owned(),
                line: 2,
                column: 5,
            },
            "credits.rules[0]",
            "50% off, twice",
        )
        .with_hint("order bands")
    }

    #[test]
    fn text_shows_the_line_and_a_caret() {
        let sources = HashMap::from([("c.yaml".to_owned(), "id: X\nbands: [1]\n".to_owned())]);
        let mut out = Vec::new();
        write_text(&mut out, &[diagnostic()], &sources).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "error[bands-ordered]: c.yaml:2:5: 50% off, twice (at credits.rules[0])\n  |\n2 | bands: [1]\n  |     ^\n  hint: order bands\n"
        );
    }

    #[test]
    fn github_annotations_escape_their_fields() {
        let mut out = Vec::new();
        write_github(&mut out, &[diagnostic()]).expect("writes");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "::error file=c.yaml,line=2,col=5,title=bands-ordered::50%25 off, twice (at credits.rules[0])%0Ahint: order bands\n"
        );
    }
}

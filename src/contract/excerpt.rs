//! Quoting a contract: the lines of one YAML node cut out of the file's text by indentation and
//! brackets, so a claim can show the clause a credit rests on, word for word, with its line
//! numbers. Pure text work on text the caller read; nothing here parses YAML again.

/// One line quoted from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedLine<'a> {
    /// Its number, from 1.
    pub number: u32,
    /// Its text, without the line break.
    pub text: &'a str,
}

/// The lines of the YAML node that starts at `line` and `column` (both from 1, as a contract's
/// positions give them), in file order:
///
/// - a flow collection (`{` or `[` at the column): its lines, through the one that closes it;
/// - a block mapping or sequence: its first line and every following line indented at least to
///   the column (comment and blank lines inside kept, trailing ones left out). When the node
///   begins its own line, the key line that holds it is quoted first, so `claim:` is shown above
///   `within: 30d`;
/// - a block scalar (`|` or `>`): its line and the lines indented deeper;
/// - any other scalar: its line.
///
/// A position outside the text gives no lines.
pub fn node_lines(text: &str, line: u32, column: u32) -> Vec<QuotedLine<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = (line as usize)
        .checked_sub(1)
        .filter(|&at| at < lines.len())
    else {
        return Vec::new();
    };
    let column = (column as usize).saturating_sub(1);
    let first = lines[start];
    let rest: String = first.chars().skip(column).collect();
    let quoted = |from: usize, to: usize| -> Vec<QuotedLine<'_>> {
        (from..=to)
            .map(|index| QuotedLine {
                number: u32::try_from(index + 1).unwrap_or(u32::MAX),
                text: lines[index],
            })
            .collect()
    };
    if rest.starts_with(['{', '[']) {
        return quoted(start, flow_end(&lines, start, column));
    }
    if rest.starts_with(['|', '>']) {
        let depth = indentation(first);
        return quoted(
            start,
            block_end(&lines, start, |line| indentation(line) > depth),
        );
    }
    if !(rest.starts_with("- ") || rest == "-" || is_mapping_entry(&rest)) {
        return quoted(start, start);
    }
    let end = block_end(&lines, start, |line| indentation(line) >= column);
    let from = if indentation(first) == column {
        holding_key(&lines, start, column).unwrap_or(start)
    } else {
        start
    };
    quoted(from, end)
}

/// The lines of the sequence entry or mapping entry on `line` (from 1), whose column is not
/// known: the node is taken to start after the line's indentation and its `- ` markers, which
/// is where a rule, a service or a band of a contract starts.
pub fn entry_lines(text: &str, line: u32) -> Vec<QuotedLine<'_>> {
    let Some(first) = text.lines().nth((line as usize).saturating_sub(1)) else {
        return Vec::new();
    };
    let mut column = indentation(first);
    let mut rest = &first[column..];
    while let Some(after) = rest.strip_prefix("- ") {
        let spaces = after.len() - after.trim_start_matches(' ').len();
        column += 2 + spaces;
        rest = &after[spaces..];
    }
    node_lines(text, line, u32::try_from(column + 1).unwrap_or(u32::MAX))
}

/// Leading spaces (YAML indents with spaces only).
fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Whether a line holds only a comment or nothing.
fn is_blank(line: &str) -> bool {
    let content = line.trim_start();
    content.is_empty() || content.starts_with('#')
}

/// The index of the last line of a block that starts at `start` and goes on while `inside`
/// holds for its lines (blank and comment lines do not end it, and are not its end).
fn block_end(lines: &[&str], start: usize, inside: impl Fn(&str) -> bool) -> usize {
    let mut end = start;
    for (index, line) in lines.iter().enumerate().skip(start + 1) {
        if is_blank(line) {
            continue;
        }
        if !inside(line) {
            break;
        }
        end = index;
    }
    end
}

/// The key line above `start` that holds a block node indented to `column`: the nearest line
/// above that is not blank, indented less, and ending its content with `:`.
fn holding_key(lines: &[&str], start: usize, column: usize) -> Option<usize> {
    let above = (0..start).rev().find(|&index| !is_blank(lines[index]))?;
    let line = lines[above];
    (indentation(line) < column && content(line).ends_with(':')).then_some(above)
}

/// The line's text before a comment, trimmed; quoted strings are skipped over, so a `#` inside
/// one is text.
fn content(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (at, character) in line.char_indices() {
        match (quote, character) {
            (None, '"' | '\'') => quote = Some(character),
            (Some('"'), '\\') if previous == '\\' => {
                // An escaped backslash: the next quote is a real one.
                previous = ' ';
                continue;
            }
            (Some(open), close) if close == open && !(open == '"' && previous == '\\') => {
                quote = None;
            }
            (None, '#') if previous.is_whitespace() => return line[..at].trim(),
            _ => {}
        }
        previous = character;
    }
    line.trim()
}

/// Whether `text` (a line from a node's column) starts a mapping entry: `key:` followed by a
/// space or the end of the content. A plain scalar in block context cannot hold `: `, so this
/// tells a mapping from a scalar.
fn is_mapping_entry(text: &str) -> bool {
    let content = content(text);
    let mut quote = None;
    let mut characters = content.char_indices().peekable();
    while let Some((_, character)) = characters.next() {
        match (quote, character) {
            (None, '"' | '\'') => quote = Some(character),
            (Some(open), close) if close == open => quote = None,
            (None, ':') => {
                return characters.peek().is_none_or(|&(_, next)| next == ' ');
            }
            _ => {}
        }
    }
    false
}

/// The index of the line that closes the flow collection opening at `start`, `column`: brackets
/// are counted outside quoted strings and comments. An unclosed collection ends at the last line.
fn flow_end(lines: &[&str], start: usize, column: usize) -> usize {
    let mut depth = 0_usize;
    let mut quote: Option<char> = None;
    for (index, line) in lines.iter().enumerate().skip(start) {
        let skip = if index == start { column } else { 0 };
        let mut previous = ' ';
        for character in line.chars().skip(skip) {
            match (quote, character) {
                (Some('"'), '\\') if previous == '\\' => {
                    previous = ' ';
                    continue;
                }
                (Some(open), close) if close == open && !(open == '"' && previous == '\\') => {
                    quote = None;
                }
                (None, '"' | '\'') => quote = Some(character),
                (None, '#') if previous.is_whitespace() => break,
                (None, '{' | '[') => depth += 1,
                (None, '}' | ']') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return index;
                    }
                }
                _ => {}
            }
            previous = character;
        }
    }
    lines.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = "\
credits:
  minimum: 1.00                 # smaller lines are listed
  claim:
    # where claims go
    within: 30d
    template:
      opening: \"Dear {provider}: # not a comment\"

  cap: { per_service: 15%,
         per_period: 10% }      # two lines
  rules:
    - id: availability
      kind: availability
      bands:
        - { below: 99.9, credit: 5% }
        - { below: 99.5, credit: 10% }

    - id: response              # the next rule
      kind: per_breach
termination:
  - { breaches: 3, target: respond, within: 30d }
";

    fn numbers(lines: &[QuotedLine<'_>]) -> Vec<u32> {
        lines.iter().map(|line| line.number).collect()
    }

    #[test]
    fn a_rule_is_its_entry_and_everything_indented_under_it() {
        // Line 12 is `    - id: availability`; its bands end at line 16, the blank line 17
        // is left out and the next rule (line 18) is not indented to `id`'s column.
        let rule = entry_lines(CONTRACT, 12);
        assert_eq!(numbers(&rule), [12, 13, 14, 15, 16]);
        assert_eq!(rule[0].text, "    - id: availability");
        assert_eq!(numbers(&entry_lines(CONTRACT, 18)), [18, 19]);
    }

    #[test]
    fn a_band_in_flow_style_is_its_line() {
        assert_eq!(numbers(&entry_lines(CONTRACT, 16)), [16]);
        // A flow mapping over two lines ends at its closing brace.
        assert_eq!(numbers(&node_lines(CONTRACT, 9, 8)), [9, 10]);
    }

    #[test]
    fn a_block_mapping_is_quoted_under_the_key_that_holds_it() {
        // The claim mapping starts at `within` (line 5, column 5) after a comment; `claim:` on
        // line 3 holds it, and its `template` goes on to line 7.
        assert_eq!(numbers(&node_lines(CONTRACT, 5, 5)), [3, 4, 5, 6, 7]);
    }

    #[test]
    fn a_scalar_is_its_line_and_a_bad_position_is_nothing() {
        assert_eq!(numbers(&node_lines(CONTRACT, 2, 12)), [2]);
        assert!(node_lines(CONTRACT, 99, 1).is_empty());
        assert!(entry_lines(CONTRACT, 0).is_empty());
    }

    #[test]
    fn a_block_scalar_takes_its_deeper_lines() {
        let text = "a:\n  opening: |\n    Dear\n    you\n  closing: x\n";
        assert_eq!(numbers(&node_lines(text, 2, 12)), [2, 3, 4]);
    }

    #[test]
    fn brackets_and_hashes_in_quotes_are_text() {
        let text = "x: { a: \"}#\", b: '{' }\ny: 1\n";
        assert_eq!(numbers(&node_lines(text, 1, 4)), [1]);
        assert!(is_mapping_entry("opening: \"a: b\""));
        assert!(!is_mapping_entry("\"a: b\""));
        assert!(!is_mapping_entry("15%"));
    }
}

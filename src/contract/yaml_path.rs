//! The YAML path (`credits.rules[0].bands[1].below`) of a line and column in a YAML text, found
//! from the text itself, so that even a file the YAML reader rejects gets a path in its messages.
//!
//! Block structure comes from indentation and `- ` items; a flow collection (`{ … }`, `[ … ]`)
//! is followed on the line the position is on. It is a reading for messages, not a parser: text
//! it does not understand shortens the path rather than failing.

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A block-level step and the column (0-based) its line's content starts at.
#[derive(Debug)]
struct Open {
    indent: usize,
    step: Step,
}

/// The path of the value or key at `line`:`column` (both from 1); empty at the top level or when
/// the position is unknown.
pub fn path_at(text: &str, line: u32, column: u32) -> String {
    if line == 0 {
        return String::new();
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut flow = Vec::new();
    for (number, raw_line) in text.lines().enumerate().take(line as usize) {
        let is_target = number + 1 == line as usize;
        let content = raw_line.trim_start_matches([' ', '\t']);
        if !is_target && (content.is_empty() || content.starts_with('#')) {
            continue;
        }
        if !is_target && content.starts_with("---") {
            stack.clear();
            continue;
        }
        let mut indent = raw_line.len() - content.len();
        let mut rest = content;
        // `- ` items, possibly several on one line (`- - a`), each one level deeper.
        while let Some(after) = rest
            .strip_prefix("- ")
            .or_else(|| (rest == "-").then_some(""))
        {
            // Deeper levels end; a key at this indent owns a compact sequence (`key:` then
            // `- a` under it), and an item at this indent is the previous sibling.
            while stack.last().is_some_and(|open| open.indent > indent) {
                stack.pop();
            }
            let index = match stack.last() {
                Some(Open {
                    indent: at,
                    step: Step::Index(previous),
                }) if *at == indent => {
                    let next = previous + 1;
                    stack.pop();
                    next
                }
                _ => 0,
            };
            stack.push(Open {
                indent,
                step: Step::Index(index),
            });
            let skipped = rest.len() - after.len();
            let trimmed = after.trim_start_matches(' ');
            indent += skipped + (after.len() - trimmed.len());
            rest = trimmed;
        }
        if let Some((key, value_at)) = block_key(rest) {
            while stack.last().is_some_and(|open| open.indent >= indent) {
                stack.pop();
            }
            stack.push(Open {
                indent,
                step: Step::Key(key),
            });
            if is_target {
                let target = byte_of_column(raw_line, column);
                let start = raw_line.len() - rest.len() + value_at;
                if target >= start {
                    flow = flow_path(raw_line, start, target);
                }
            }
        } else if is_target {
            let start = raw_line.len() - rest.len();
            flow = flow_path(raw_line, start, byte_of_column(raw_line, column));
        }
    }
    let mut path = String::new();
    for step in stack.iter().map(|open| &open.step).chain(&flow) {
        match step {
            Step::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Step::Index(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}

/// A block mapping key at the start of `content` (`key:` then a space or the end), and the
/// byte offset of what follows the colon.
fn block_key(content: &str) -> Option<(String, usize)> {
    if content.starts_with(['{', '[', '#', '"', '\'']) {
        return quoted_key(content);
    }
    let colon = content
        .char_indices()
        .find(|&(at, c)| {
            c == ':'
                && content[at + 1..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })?
        .0;
    let key = content[..colon].trim();
    if key.is_empty() || key.contains(['{', '[', ',', '#']) {
        return None;
    }
    Some((key.to_owned(), colon + 1))
}

/// A quoted block key (`"mon-fri": …`).
fn quoted_key(content: &str) -> Option<(String, usize)> {
    let quote = content.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let end = content[1..].find(quote)? + 1;
    let after = &content[end + 1..];
    after
        .starts_with(':')
        .then(|| (content[1..end].to_owned(), end + 2))
}

/// The byte where the character at 1-based `column` of `line` starts (the line's length past its
/// end): columns count characters, and a line may hold `é` before the column.
fn byte_of_column(line: &str, column: u32) -> usize {
    line.char_indices()
        .nth((column as usize).saturating_sub(1))
        .map_or(line.len(), |(byte, _)| byte)
}

/// The steps into flow collections between byte `start` and byte `target` of `line`; a key
/// under `target` is the last step.
fn flow_path(line: &str, start: usize, target: usize) -> Vec<Step> {
    // Each open collection: `Some(key)` for a mapping (its current key), or an index.
    enum Frame {
        Map(Option<String>),
        Seq(usize),
    }
    let mut frames: Vec<Frame> = Vec::new();
    let bytes = line.as_bytes();
    let mut at = start;
    let end = target.min(line.len());
    while at < end {
        match bytes[at] {
            b'{' => frames.push(Frame::Map(None)),
            b'[' => frames.push(Frame::Seq(0)),
            b'}' | b']' => {
                frames.pop();
            }
            b',' => match frames.last_mut() {
                Some(Frame::Seq(index)) => *index += 1,
                Some(Frame::Map(key)) => *key = None,
                None => {}
            },
            b'#' if at == start || bytes[at - 1] == b' ' => break,
            b' ' | b'\t' => {}
            _ => {
                let (scalar, next) = scalar_at(line, at);
                if line[next..].starts_with(':')
                    && let Some(Frame::Map(key)) = frames.last_mut()
                {
                    *key = Some(scalar);
                    at = next + 1;
                    continue;
                }
                at = next.max(at + 1);
                continue;
            }
        }
        at += 1;
    }
    // A key that starts at the target is part of the path.
    if target < line.len() && !matches!(bytes[target], b'{' | b'[' | b',' | b' ') {
        let (scalar, next) = scalar_at(line, target);
        if line[next..].starts_with(':')
            && let Some(Frame::Map(key)) = frames.last_mut()
        {
            *key = Some(scalar);
        }
    }
    frames
        .into_iter()
        .filter_map(|frame| match frame {
            Frame::Map(Some(key)) => Some(Step::Key(key)),
            Frame::Map(None) => None,
            Frame::Seq(index) => Some(Step::Index(index)),
        })
        .collect()
}

/// The scalar starting at byte `at` (quoted or plain) and the byte after it.
fn scalar_at(line: &str, at: usize) -> (String, usize) {
    let rest = &line[at..];
    if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let close = rest[1..].find(quote).map_or(rest.len(), |end| end + 2);
        let inner = rest[1..close.saturating_sub(1).max(1)].to_owned();
        return (inner, at + close);
    }
    let length = rest
        .char_indices()
        .find(|&(offset, c)| {
            matches!(c, ',' | '[' | ']' | '{' | '}')
                || (c == ':'
                    && rest[offset + 1..]
                        .chars()
                        .next()
                        .is_none_or(|next| next == ' ' || next == ','))
        })
        .map_or(rest.len(), |(offset, _)| offset);
    (rest[..length].trim_end().to_owned(), at + length)
}

#[cfg(test)]
mod tests {
    use super::path_at;

    #[test]
    fn a_column_after_a_multibyte_character_is_found_without_splitting_it() {
        // `&aé` is an anchor with nothing after it: the parser's column 4 is the character
        // after `é`, bytes 4.. of the line (found by the fuzz harness: it split `é`).
        let _ = path_at("&aé\nkey: { x: é, y: 1 }\n", 1, 4);
        assert_eq!(path_at("key: { x: é, y: 1 }\n", 1, 14), "key.y");
    }

    const TEXT: &str = "id: X
calendars:
  office:
    weekly: { mon-fri: [\"08:00-12:00\", \"13:00-18:00\"] }
services:
  - { id: web, match: [web], fee: 10O.00 }
  - id: api
    availability: { target: 99.5 }
credits:
  rules:
    - id: a
      bands:
        - { below: 99.9, credit: 10% }
        - below: 99.0
          credit: 25%
";

    fn at(line: u32, needle: &str) -> String {
        let text_line = TEXT.lines().nth(line as usize - 1).expect("line exists");
        let column = text_line.find(needle).expect("needle on the line") + 1;
        path_at(TEXT, line, column as u32)
    }

    #[test]
    fn block_keys_and_items_give_the_path() {
        assert_eq!(at(1, "X"), "id");
        assert_eq!(at(7, "api"), "services[1].id");
        assert_eq!(at(11, "a"), "credits.rules[0].id");
        assert_eq!(at(14, "99.0"), "credits.rules[0].bands[1].below");
        assert_eq!(at(15, "25%"), "credits.rules[0].bands[1].credit");
    }

    #[test]
    fn flow_collections_on_the_line_give_the_rest() {
        assert_eq!(at(4, "\"13"), "calendars.office.weekly.mon-fri[1]");
        assert_eq!(at(6, "10O"), "services[0].fee");
        assert_eq!(at(6, "web]"), "services[0].match[0]");
        assert_eq!(at(8, "99.5"), "services[1].availability.target");
        assert_eq!(at(13, "10%"), "credits.rules[0].bands[0].credit");
    }

    #[test]
    fn a_key_under_the_position_ends_the_path() {
        assert_eq!(at(13, "credit"), "credits.rules[0].bands[0].credit");
        assert_eq!(at(2, "calendars"), "calendars");
    }

    #[test]
    fn an_unknown_position_has_no_path() {
        assert_eq!(path_at(TEXT, 0, 0), "");
    }
}

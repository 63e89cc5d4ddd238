//! The YAML reader's errors as diagnostics a contract author understands: the place of the
//! offending character, the YAML path, and words about the file rather than the parser.
//! Contracts and mapping files both use it.

use serde_saphyr::Error as YamlError;

use super::suggest;
use super::yaml_path::path_at;
use crate::error::{Diagnostic, Location};

/// The `schema` diagnostic for a YAML text that `file` holds and the reader rejected.
pub fn yaml_diagnostic(file: &str, text: &str, error: &YamlError) -> Diagnostic {
    let error = innermost(error);
    let (mut line, mut column) = error
        .location()
        .map_or((0, 0), |place| (place.line() as u32, place.column() as u32));
    let syntax = is_syntax(error);
    // A tab in a line's indentation is the usual cause of a syntax error; the reader may notice
    // it a character or a line away (at the end of the line before), so point at the tab itself.
    let tab = syntax.then(|| indenting_tab_near(text, line)).flatten();
    let (message, hint) = if let Some((tab_line, tab_column)) = tab {
        (line, column) = (tab_line, tab_column);
        (
            "a tab in the indentation; YAML indents with spaces only".to_owned(),
            Some(
                "replace the tab with spaces, lined up with the keys of the same level".to_owned(),
            ),
        )
    } else {
        translate(error, text, line, column)
    };
    let location = Location {
        file: file.to_owned(),
        line,
        column,
    };
    let mut path = if syntax && tab.is_none() {
        enclosing_path(text, line)
    } else {
        path_at(text, line, column)
    };
    if tab.is_some() {
        // How deep a tab-indented line was meant to be is unknown: name the mapping or list it
        // is in, not an item number that guesses.
        while path.ends_with(']') {
            path.truncate(path.rfind('[').unwrap_or(0));
        }
    }
    let mut diagnostic = Diagnostic::error("schema", location, path, message);
    diagnostic.hint =
        Some(hint.unwrap_or_else(|| "see docs/contract.md for the contract format".to_owned()));
    diagnostic
}

/// For a line the reader could not fit in (a bad indent): the mapping or list the line before it
/// belongs to, which is where the line was meant to go, rather than a path through the very
/// indentation that is wrong.
fn enclosing_path(text: &str, line: u32) -> String {
    let before = text
        .lines()
        .enumerate()
        .take((line as usize).saturating_sub(1))
        .filter(|(_, content)| {
            let content = content.trim_start();
            !content.is_empty() && !content.starts_with('#')
        })
        .last();
    let Some((number, content)) = before else {
        return String::new();
    };
    let column = content.len() - content.trim_start().len() + 1;
    let mut path = path_at(text, number as u32 + 1, column as u32);
    let last = path.rfind(['.', '[']).unwrap_or(0);
    path.truncate(last);
    path
}

/// The error an alias or snippet wrapper carries.
fn innermost(error: &YamlError) -> &YamlError {
    match error {
        YamlError::WithSnippet { error, .. } | YamlError::AliasError { error, .. } => {
            innermost(error)
        }
        other => other,
    }
}

/// Whether the reader failed on the YAML syntax rather than on the shape of a value.
fn is_syntax(error: &YamlError) -> bool {
    matches!(
        error,
        YamlError::ExternalMessage { .. } | YamlError::Eof { .. } | YamlError::Message { .. }
    )
}

/// The first tab in the leading whitespace of the lines around `line` (the one before, itself,
/// the one after), as (line, column).
fn indenting_tab_near(text: &str, line: u32) -> Option<(u32, u32)> {
    let first = line.saturating_sub(1).max(1);
    text.lines()
        .enumerate()
        .skip(first as usize - 1)
        .take((line + 2 - first) as usize)
        .find_map(|(number, content)| {
            let indent = content.len() - content.trim_start_matches([' ', '\t']).len();
            content[..indent]
                .find('\t')
                .map(|at| (number as u32 + 1, at as u32 + 1))
        })
}

/// The message and hint for `error`, in contract terms.
fn translate(error: &YamlError, text: &str, line: u32, column: u32) -> (String, Option<String>) {
    match error {
        YamlError::SerdeUnknownField {
            field, expected, ..
        } => {
            let known = if expected.is_empty() {
                "this mapping takes no keys".to_owned()
            } else {
                format!("the keys here are: {}", expected.join(", "))
            };
            // A posting field written at the top level of a contract is meant for `invoice:`.
            if expected.contains(&"invoice") && super::raw::INVOICE_KEYS.contains(&field.as_str()) {
                return (
                    format!("unknown field `{field}`; did you mean `invoice.{field}`?"),
                    Some(format!(
                        "posting fields go inside the `invoice` block: `invoice: {{ {field}: … }}`"
                    )),
                );
            }
            let message = match suggest::did_you_mean(field, expected.iter().copied()) {
                Some(suggestion) => format!("unknown field `{field}`; {suggestion}"),
                None => format!("unknown field `{field}`"),
            };
            (message, Some(known))
        }
        YamlError::SerdeMissingField { field, .. } => {
            let within = path_at(text, line, column);
            let owner = if within.is_empty() {
                "the file".to_owned()
            } else {
                format!("`{within}`")
            };
            (
                format!("{owner} needs the key `{field}`"),
                Some(format!(
                    "add `{field}: …`; docs/contract.md shows every key"
                )),
            )
        }
        YamlError::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | YamlError::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            format!(
                "expected {}, found {}",
                describe_expected(expected),
                describe_found(unexpected)
            ),
            None,
        ),
        YamlError::Unexpected { expected, .. } => {
            let (what, example) = describe_event(expected);
            (format!("expected {what} here"), example)
        }
        YamlError::InvalidBooleanStrict { .. } => (
            "`yes`, `no`, `on` and `off` are not booleans in a contract".to_owned(),
            Some("write true or false".to_owned()),
        ),
        YamlError::InvalidScalar { ty, .. } => (
            match written_at(text, line, column) {
                Some(written) => format!("expected {}, found `{written}`", describe_expected(ty)),
                None => format!("expected {}", describe_expected(ty)),
            },
            None,
        ),
        YamlError::DuplicateMappingKey { key, .. } => (
            match key {
                Some(key) => format!("duplicate key `{key}`"),
                None => "duplicate key".to_owned(),
            },
            Some("a key appears once per mapping; remove or merge the second one".to_owned()),
        ),
        YamlError::Eof { .. } => (
            "the file ends inside a value".to_owned(),
            Some("close every quote, `[` and `{` that is opened".to_owned()),
        ),
        _ => {
            let raw = super::load::yaml_message(error);
            translate_parser(&raw)
        }
    }
}

/// The plain scalar written at `line`:`column`, up to the next `,`, `}`, `]` or comment.
fn written_at(text: &str, line: u32, column: u32) -> Option<String> {
    let content = text.lines().nth((line as usize).checked_sub(1)?)?;
    let rest = content.get((column as usize).checked_sub(1)?..)?;
    let end = rest.find([',', '}', ']', '#']).unwrap_or(rest.len());
    let written = rest[..end].trim();
    (!written.is_empty()).then(|| written.to_owned())
}

/// The parser's own sentences, translated; an unknown one is kept behind "YAML syntax:".
fn translate_parser(raw: &str) -> (String, Option<String>) {
    let known: &[(&str, &str, &str)] = &[
        (
            "mapping values are not allowed",
            "a `key:` where no key can start: this line is not lined up with the keys above it",
            "indent the line like its siblings (two spaces per level), or quote a value that holds `: `",
        ),
        (
            "did not find expected key",
            "this line does not line up with the keys of the mapping above it",
            "indent it like its siblings, or close the `{`/`[` that is still open",
        ),
        (
            "did not find expected '-' indicator",
            "a list item here must start with `- `, lined up with the items above it",
            "start the line with `- ` at the same indent as the other items",
        ),
        (
            "did not find expected ',' or '}'",
            "a `{ … }` mapping is not closed, or two of its entries have no `,` between them",
            "write `{ key: value, other: value }` on one line",
        ),
        (
            "did not find expected ',' or ']'",
            "a `[ … ]` list is not closed, or two of its items have no `,` between them",
            "write `[a, b, c]` on one line",
        ),
        (
            "found character that cannot start any token",
            "a character that cannot start a value here (a tab, `@` or a backquote)",
            "indent with spaces, and quote values that start with `@` or a backquote",
        ),
        (
            "found unexpected end of stream",
            "the file ends inside a value",
            "close every quote, `[` and `{` that is opened",
        ),
        (
            "block sequence entries are not allowed",
            "a `- ` item where a value was expected on the same line",
            "put the list on the lines below the key, each item indented and starting with `- `",
        ),
        (
            "found a tab character",
            "a tab in the indentation; YAML indents with spaces only",
            "replace the tab with spaces",
        ),
        (
            "could not find expected ':'",
            "a key without `:` (or a value that runs over several lines without quotes)",
            "write `key: value`, and quote a value that spans lines",
        ),
    ];
    for (phrase, message, hint) in known {
        if raw.contains(phrase) {
            return ((*message).to_owned(), Some((*hint).to_owned()));
        }
    }
    (format!("YAML syntax: {raw}"), None)
}

/// Serde's name for what a field takes, in contract words.
fn describe_expected(expected: &str) -> String {
    let words = match expected {
        "a sequence" | "sequence" => "a list (`[a, b]`, or lines starting with `- `)",
        "a map" | "map" => "a mapping (`key: value` lines, or `{ key: value }`)",
        "a boolean" | "bool" => "true or false",
        "a string" | "string" | "str" => "text",
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "a whole number",
        "f32" | "f64" => "a number",
        "a number, percentage or duration" => {
            "a number, percentage or duration (`99.9`, `10%`, `4h`)"
        }
        other if other.starts_with("struct ") => {
            "a mapping (`key: value` lines, or `{ key: value }`)"
        }
        other if other.starts_with("u32") || other.starts_with("integer") => "a whole number",
        other => other,
    };
    words.to_owned()
}

/// Serde's description of the value found (`string "x"`, `sequence`), in contract words.
fn describe_found(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    match found {
        "sequence" => "a list".to_owned(),
        "map" => "a mapping".to_owned(),
        "unit value" | "null" => "nothing (an empty value)".to_owned(),
        other => other.to_owned(),
    }
}

/// A reader event it expected (`sequence start`), in contract words, with an example.
fn describe_event(expected: &str) -> (String, Option<String>) {
    match expected {
        "sequence start" => (
            "a list".to_owned(),
            Some("write `[a, b]`, or one `- item` per line below the key".to_owned()),
        ),
        "mapping start" => (
            "a mapping".to_owned(),
            Some("write `{ key: value }`, or `key: value` lines indented below".to_owned()),
        ),
        "empty mapping start" => ("an empty mapping `{}`".to_owned(), None),
        other => (other.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use crate::contract::parse_contract;

    const HEAD: &str = "id: X\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: { from: 2026-01-01 }\n";

    fn problem(rest: &str) -> crate::error::Diagnostic {
        *parse_contract("c.yaml", &format!("{HEAD}{rest}")).expect_err("invalid")
    }

    #[test]
    fn a_word_where_a_number_belongs_is_quoted_with_its_path() {
        let found =
            problem("credits:\n  rules:\n    - { id: e, kind: escalation, breaches: three }\n");
        assert_eq!(found.message, "expected a whole number, found `three`");
        assert_eq!(found.path, "credits.rules[0].breaches");
        // `    - { ` is 8 characters, `id: e, ` 7, `kind: escalation, ` 18, `breaches: ` 10:
        // `three` starts after 43, at column 44 of line 9 (six lines of HEAD, then three).
        assert_eq!((found.location.line, found.location.column), (9, 44));
    }

    #[test]
    fn a_tab_is_reported_at_the_tab_on_its_own_line() {
        // Line 9 is indented with a tab; the reader notices it one character later.
        let found =
            problem("severities:\n  - { id: sev1, match: [P1] }\n\t- { id: sev2, match: [P2] }\n");
        assert_eq!((found.location.line, found.location.column), (9, 1));
        assert_eq!(
            found.message,
            "a tab in the indentation; YAML indents with spaces only"
        );
        assert_eq!(found.path, "severities");
    }

    #[test]
    fn known_parser_sentences_are_translated() {
        for raw in [
            "mapping values are not allowed in this context",
            "while parsing a block mapping, did not find expected key",
            "did not find expected ',' or '}'",
        ] {
            let (message, hint) = super::translate_parser(raw);
            assert!(!message.contains(raw), "{raw} is not translated");
            assert!(hint.is_some());
        }
    }
}

//! The `credits.claim` section from its raw shape to a checked [`Claim`]: the window, the
//! contact and the document's paragraphs, whose placeholders are checked here. A mistake in a
//! paragraph is placed at its own line and column in the file, which takes the file's text: a
//! value's position is where the scalar starts, and a paragraph may run over several lines.

use serde_saphyr::Spanned;

use super::raw::RawClaim;
use super::template::{Field, Placeholder, Problem, Template};
use super::{Claim, TextPosition};
use crate::error::{Diagnostic, Location};
use crate::time::parse_bounded_duration;

/// Converts the claim section of contract `file`, whose text is `text`, adding a diagnostic
/// for each problem.
pub(super) fn convert(
    file: &str,
    text: &str,
    raw: &Spanned<RawClaim>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Claim {
    let within = raw.value.within.as_ref().and_then(|within| {
        parse_bounded_duration(&within.value.0)
            .map_err(|message| {
                diagnostics.push(Diagnostic::error(
                    "invalid-value",
                    super::location_of(file, within),
                    "credits.claim.within",
                    message,
                ));
            })
            .ok()
    });
    let has_window = raw.value.within.is_some();
    let template = raw.value.template.as_ref().map(|template| &template.value);
    let mut paragraph = |value: Option<&Spanned<String>>, name: &str| {
        let value = value?;
        let path = format!("credits.claim.template.{name}");
        let template = checked_template::<Field>(file, text, value, &path, diagnostics)?;
        if !has_window && template.uses(Field::ClaimBy) {
            let offset = value.value.find("{claim_by}").unwrap_or_default();
            diagnostics.push(
                Diagnostic::error(
                    "invalid-value",
                    placed(file, text, value, offset),
                    path,
                    "`{claim_by}` needs a claim window, and the contract sets none",
                )
                .with_hint(
                    "add `within` (e.g. `within: 30d`) to `credits.claim`, or leave `{claim_by}` out",
                ),
            );
        }
        Some(template)
    };
    let opening = paragraph(template.and_then(|t| t.opening.as_ref()), "opening");
    let closing = paragraph(template.and_then(|t| t.closing.as_ref()), "closing");
    Claim {
        within,
        contact: raw
            .value
            .contact
            .as_ref()
            .map(|contact| contact.value.clone()),
        opening,
        closing,
        at: position_of(raw),
    }
}

/// The template written as `value` (at YAML path `path` of contract `file`, whose text is
/// `text`), with placeholders of `F`; `None` after adding an `invalid-value` diagnostic placed at
/// the mistake's own line and column, with the placeholder it was probably meant to be. Claim
/// paragraphs and invoice references both come through here.
pub(super) fn checked_template<F: Placeholder>(
    file: &str,
    text: &str,
    value: &Spanned<String>,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Template<F>> {
    match Template::<F>::parse(&value.value) {
        Ok(template) => Some(template),
        Err(error) => {
            let mut diagnostic = Diagnostic::error(
                "invalid-value",
                placed(file, text, value, error.offset),
                path,
                error.to_string(),
            );
            let names = F::names();
            diagnostic.hint = Some(match &error.problem {
                Problem::Unknown(name) => super::suggest::hint_from(name, "placeholders", &names),
                Problem::Unclosed | Problem::LoneClose => format!(
                    "placeholders are written `{{name}}` ({}); write `{{{{` or `}}}}` for a literal brace",
                    names.join(", ")
                ),
            });
            diagnostics.push(diagnostic);
            None
        }
    }
}

/// Where a spanned value is written.
pub(super) fn position_of<T>(value: &Spanned<T>) -> TextPosition {
    TextPosition {
        line: u32::try_from(value.referenced.line()).unwrap_or(u32::MAX),
        column: u32::try_from(value.referenced.column()).unwrap_or(u32::MAX),
    }
}

/// Where in `text` the character at byte `offset` of the string `value` is written. The value's
/// text from there (to the end of its line) is looked for in the file from where the scalar
/// starts, taking the same occurrence as in the value, so quotes, indentation and folded lines
/// do not shift it; when the file does not hold it as written (escape sequences), the scalar's
/// own position is given.
fn placed(file: &str, text: &str, value: &Spanned<String>, offset: usize) -> Location {
    let fallback = super::location_of(file, value);
    let rest = &value.value[offset.min(value.value.len())..];
    let snippet = rest.split('\n').next().unwrap_or_default();
    let snippet = match snippet.char_indices().nth(24) {
        Some((end, _)) => &snippet[..end],
        None => snippet,
    };
    if snippet.is_empty() {
        return fallback;
    }
    let occurrence = value.value[..offset.min(value.value.len())]
        .match_indices(snippet)
        .count();
    let Some(start) = byte_at(text, fallback.line, fallback.column) else {
        return fallback;
    };
    let Some((found, _)) = text[start..].match_indices(snippet).nth(occurrence) else {
        return fallback;
    };
    let before = &text[..start + found];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    Location {
        file: file.to_owned(),
        line: u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX),
        column: u32::try_from(before[line_start..].chars().count() + 1).unwrap_or(u32::MAX),
    }
}

/// The byte index of `line`, `column` (from 1, columns in characters) in `text`.
fn byte_at(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..line {
        line_start += text[line_start..].find('\n')? + 1;
    }
    let skip = (column as usize).saturating_sub(1);
    Some(
        text[line_start..]
            .char_indices()
            .nth(skip)
            .map_or(text.len(), |(at, _)| line_start + at),
    )
}

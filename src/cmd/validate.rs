//! `slacredit validate`: check contracts, source mapping files and exceptions files; clean input
//! prints nothing and exits 0.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use slacredit::check::{check_versions, render};
use slacredit::contract::raw::CONTRACT_KEYS;
use slacredit::contract::{load_contract_text_with, suggest, utf8_diagnostic};
use slacredit::error::{Level, Location};
use slacredit::escape::EscapeControls;
use slacredit::incidents::{Exceptions, MAPPING_KEYS, Source};
use slacredit::pipeline::check_dry_run;
use slacredit::{Diagnostic, Error};

use super::{EXIT_FINDINGS, EXIT_OK, contract_files};
use crate::cli::{FileKind, ValidateArgs, ValidateFormat};

/// Runs `validate`.
pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let files = contract_files(&args.paths)?;
    // `--check` and `--skip` decide which checks run at all, not only which are shown: a
    // skipped check costs nothing.
    let selected = |check: &str| {
        (args.checks.is_empty() || args.checks.iter().any(|name| name == check))
            && !args.skips.iter().any(|name| name == check)
    };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut contracts = Vec::new();
    let mut sources = HashMap::new();
    for file in &files {
        let name = file.display().to_string();
        let bytes = std::fs::read(file).map_err(|source| Error::Read {
            path: file.clone(),
            source,
        })?;
        // Contracts and mapping files are UTF-8; an exceptions file is read by the export
        // reader, which knows other encodings too.
        let (text, not_utf8) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => (
                String::from_utf8_lossy(error.as_bytes()).into_owned(),
                Some(utf8_diagnostic(&name, error.as_bytes(), error.utf8_error())),
            ),
        };
        let kind = args.kind.unwrap_or_else(|| kind_of(file, &text));
        if let Some(diagnostic) = not_utf8.filter(|_| kind != FileKind::Exceptions) {
            diagnostics.push(diagnostic);
            sources.insert(name, text);
            continue;
        }
        match kind {
            FileKind::Contract => match load_contract_text_with(&name, &text, &selected) {
                Ok(mut contract) => {
                    diagnostics.append(&mut contract.warnings);
                    if selected("dry-run") {
                        diagnostics.extend(check_dry_run(&contract));
                    }
                    contracts.push(contract);
                }
                Err(found) => diagnostics.extend(found),
            },
            FileKind::Mapping => {
                if let Err(diagnostic) = Source::check_text(&name, &text) {
                    diagnostics.push(*diagnostic);
                }
            }
            FileKind::Exceptions => {
                if let Err(error) = Exceptions::read(file) {
                    diagnostics.push(exceptions_diagnostic(&name, error));
                }
            }
        }
        sources.insert(name, text);
    }
    diagnostics.extend(check_versions(&contracts));
    diagnostics.retain(|diagnostic| selected(diagnostic.check));
    match args.format {
        ValidateFormat::Text => {
            let mut err = super::stderr::writer();
            render::write_text(&mut err, &diagnostics, &sources)?;
            let errors = diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.level == Level::Error)
                .count();
            let warnings = diagnostics.len() - errors;
            if !diagnostics.is_empty() {
                writeln!(
                    err,
                    "{errors} error(s), {warnings} warning(s) in {} file(s) checked",
                    files.len()
                )?;
            }
        }
        ValidateFormat::Json => {
            let mut out = std::io::stdout().lock();
            slacredit::report::write_json(&mut out, &diagnostics)?;
        }
        ValidateFormat::Github => {
            let mut out = EscapeControls::new(std::io::stdout().lock());
            render::write_github(&mut out, &diagnostics)?;
            out.flush()?;
        }
    }
    let failing = diagnostics
        .iter()
        .any(|diagnostic| diagnostic.level == Level::Error || args.deny_warnings);
    Ok(ExitCode::from(if failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }))
}

/// What a file is, from its shape: a CSV (or a header naming `approved_by`) is an exceptions
/// file; YAML whose top-level keys are (or are typos of) a mapping file's keys rather than a
/// contract's is a mapping file; anything else is read as a contract, whose checks then name
/// what is wrong with it.
pub fn kind_of(path: &Path, text: &str) -> FileKind {
    let csv = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
    let header = text.lines().next().unwrap_or_default();
    if csv || (header.contains("approved_by") && header.contains(',')) {
        return FileKind::Exceptions;
    }
    let keys: Vec<&str> = top_level_keys(text).collect();
    let score = |known: &[&str]| {
        let exact = keys.iter().filter(|key| known.contains(key)).count();
        let close = keys
            .iter()
            .filter(|key| suggest::closest(key, known.iter().copied()).is_some())
            .count();
        (exact, close)
    };
    if score(&MAPPING_KEYS) > score(&CONTRACT_KEYS) {
        FileKind::Mapping
    } else {
        FileKind::Contract
    }
}

/// The keys of a YAML text's top-level block mapping: lines that start in the first column.
fn top_level_keys(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|line| !line.starts_with([' ', '\t', '#', '-', '{', '[', '.']))
        .filter_map(|line| line.split_once(':'))
        .map(|(key, _)| key.trim().trim_matches(['"', '\'']))
        .filter(|key| !key.is_empty())
}

/// An exceptions file's problem as a diagnostic: the header at line 1 is its shape (`schema`),
/// a row's cell a value (`invalid-value`).
fn exceptions_diagnostic(file: &str, error: Error) -> Diagnostic {
    match error {
        Error::Incidents { location, message } => {
            let check = if location.line <= 1 {
                "schema"
            } else {
                "invalid-value"
            };
            Diagnostic::error(check, location, "", message)
                .with_hint("an exceptions file is a CSV with the columns incident, approved_by, approved_on, reason")
        }
        other => Diagnostic::error(
            "schema",
            Location {
                file: file.to_owned(),
                line: 0,
                column: 0,
            },
            "",
            other.to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_apart_by_their_shape() {
        let contract = "id: X\nprovider: P\ncustomer: C\n";
        let mapping = "preset: jira\nfields:\n  id: key\ndelimter: \";\"\n";
        let typo_mapping = "fieds:\n  id: key\ndelimter: \";\"\n";
        let exceptions = "incident,approved_by,approved_on,reason\n";
        assert_eq!(kind_of(Path::new("c.yaml"), contract), FileKind::Contract);
        assert_eq!(kind_of(Path::new("m.yaml"), mapping), FileKind::Mapping);
        assert_eq!(kind_of(Path::new("m.yml"), typo_mapping), FileKind::Mapping);
        assert_eq!(kind_of(Path::new("x.csv"), "a,b\n"), FileKind::Exceptions);
        assert_eq!(
            kind_of(Path::new("x.txt"), exceptions),
            FileKind::Exceptions
        );
        // Nothing recognisable is read as a contract, whose checks say what is missing.
        assert_eq!(kind_of(Path::new("e.yaml"), ""), FileKind::Contract);
    }
}

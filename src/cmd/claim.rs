//! `slacredit claim`: the claim documents of one period, one per contract that owes credits, to
//! stdout or one file per contract into a directory. The contract files are read again here, to
//! quote their clauses word for word.

use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use slacredit::calc::Detail;
use slacredit::calc::claim::{CreditClaim, credit_claim};
use slacredit::money::is_positive;
use slacredit::report::{ClaimDocument, write_claims_html, write_claims_markdown};

use super::inputs::{Loaded, account_for_rows, calculate};
use super::{EXIT_FINDINGS, EXIT_OK, leave, open_output};
use crate::cli::{ClaimArgs, ClaimFormat};

/// Runs `claim`.
pub fn run(args: &ClaimArgs) -> anyhow::Result<ExitCode> {
    if args.inputs.from.is_some() || args.inputs.to.is_some() {
        bail!(
            "`claim` writes the claims of one period: give --period instead of --from/--to (each \
             period's credits have their own claim window, so each period is claimed on its own)"
        );
    }
    // Every incident of the contracts is kept whole, so each line can list the outage rows
    // behind its downtime; every breach is kept (`Detail::Full`) for the lines on targets.
    let Loaded::Evaluation(evaluation) = calculate(
        &args.inputs,
        &args.inputs.options(Detail::Full, &|_, _| true),
    )?
    else {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    };
    let report = &evaluation.report;
    let mut claims: Vec<CreditClaim> = Vec::new();
    for (index, period) in report.contracts.iter().enumerate() {
        if is_positive(period.credit_total) {
            claims.push(credit_claim(
                &evaluation.contracts,
                report,
                index,
                &evaluation.steps,
                &evaluation.incidents,
            ));
        } else {
            to_stderr!(
                "note: {} owes no credit in {}; no claim written for it",
                period.contract,
                period.period
            );
        }
    }
    let texts = claims
        .iter()
        .map(|claim| {
            std::fs::read_to_string(&claim.file)
                .with_context(|| format!("cannot read {} to quote its clauses", claim.file))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let documents: Vec<ClaimDocument<'_>> = claims
        .iter()
        .zip(&texts)
        .map(|(claim, contract_text)| ClaimDocument {
            claim,
            contract_text,
        })
        .collect();
    if documents.is_empty() {
        to_stderr!(
            "note: no contract owes credits in {}; nothing written",
            report.period
        );
    } else {
        match &args.output {
            None => {
                let mut out = open_output(None)?;
                write(args.format, &mut out, &documents)?;
                out.flush()?;
            }
            Some(directory) => write_files(args.format, directory, &documents)?,
        }
    }
    let failed = account_for_rows(&report.rows, &args.inputs)?;
    leave(evaluation);
    Ok(ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK }))
}

fn write(
    format: ClaimFormat,
    out: &mut dyn io::Write,
    documents: &[ClaimDocument<'_>],
) -> io::Result<()> {
    match format {
        ClaimFormat::Markdown => write_claims_markdown(out, documents),
        ClaimFormat::Html => write_claims_html(out, documents),
    }
}

/// One file per claim in `directory`, each path printed to stdout once written (as `man DIR`
/// prints its pages).
fn write_files(
    format: ClaimFormat,
    directory: &Path,
    documents: &[ClaimDocument<'_>],
) -> anyhow::Result<()> {
    let extension = match format {
        ClaimFormat::Markdown => "md",
        ClaimFormat::Html => "html",
    };
    // Two ids that come to the same name would overwrite each other's claim; file systems that
    // ignore case make `acme` and `ACME` one file too.
    let mut names: BTreeMap<String, &str> = BTreeMap::new();
    let mut paths: Vec<PathBuf> = Vec::with_capacity(documents.len());
    for document in documents {
        let id = document.claim.contract.as_str();
        let name = format!("{}.{extension}", file_name(id));
        if let Some(other) = names.insert(name.to_lowercase(), id) {
            bail!(
                "contracts `{other}` and `{id}` would both be written to {}: give them ids that differ in more than case and punctuation",
                directory.join(&name).display()
            );
        }
        paths.push(directory.join(name));
    }
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let mut stdout = io::stdout().lock();
    for (document, path) in documents.iter().zip(&paths) {
        let mut out = open_output(Some(path))?;
        write(format, &mut out, std::slice::from_ref(document))?;
        out.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(stdout, "{}", path.display())?;
    }
    Ok(())
}

/// A contract id as a file name that is safe on any system: letters, digits, `-`, `_` and `.`
/// are kept, anything else (a path separator, a space, a colon) becomes `_`, and a leading `.`
/// does too, so no name is hidden or climbs out of the directory.
fn file_name(id: &str) -> String {
    let mut name: String = id
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.') {
                character
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with('.') {
        name.replace_range(..1, "_");
    }
    if name.is_empty() {
        name.push_str("contract");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn ids_become_safe_file_names() {
        assert_eq!(file_name("ACME-SOC-2026"), "ACME-SOC-2026");
        assert_eq!(file_name("../etc/passwd"), "_._etc_passwd");
        assert_eq!(file_name("a b:c\\d"), "a_b_c_d");
        assert_eq!(file_name("Zürich"), "Z_rich");
        assert_eq!(file_name(".hidden"), "_hidden");
        assert_eq!(file_name(""), "contract");
    }
}

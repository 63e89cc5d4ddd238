//! `slacredit validate`: check contracts; clean input prints nothing and exits 0.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;

use slacredit::check::{check_names, check_versions, render};
use slacredit::contract::load_contract_text;
use slacredit::error::Level;
use slacredit::pipeline::check_dry_run;
use slacredit::{Diagnostic, Error};

use super::{EXIT_FINDINGS, EXIT_OK, contract_files};
use crate::cli::{ValidateArgs, ValidateFormat};

/// Runs `validate`.
pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let known = check_names();
    if let Some(unknown) = args
        .checks
        .iter()
        .chain(&args.skips)
        .find(|name| !known.contains(&name.as_str()))
    {
        bail!(
            "unknown check `{unknown}`; the checks are: {}",
            known.join(", ")
        );
    }
    let files = contract_files(&args.paths)?;
    if files.is_empty() {
        let paths: Vec<String> = args
            .paths
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        bail!("no *.yaml or *.yml files under {}", paths.join(", "));
    }
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut contracts = Vec::new();
    let mut sources = HashMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|source| Error::Read {
            path: file.clone(),
            source,
        })?;
        let name = file.display().to_string();
        match load_contract_text(&name, &text) {
            Ok(mut contract) => {
                diagnostics.append(&mut contract.warnings);
                diagnostics.extend(check_dry_run(&contract));
                contracts.push(contract);
            }
            Err(found) => diagnostics.extend(found),
        }
        sources.insert(name, text);
    }
    diagnostics.extend(check_versions(&contracts));
    diagnostics.retain(|diagnostic| {
        (args.checks.is_empty() || args.checks.iter().any(|name| name == diagnostic.check))
            && !args.skips.iter().any(|name| name == diagnostic.check)
    });
    match args.format {
        ValidateFormat::Text => {
            let mut err = std::io::stderr().lock();
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
            render::write_github(&mut std::io::stdout().lock(), &diagnostics)?;
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

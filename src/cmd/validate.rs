//! `slacredit validate`: check contracts; clean input prints nothing and exits 0.

use std::process::ExitCode;

use slacredit::contract::load_contract_file;
use slacredit::error::Level;
use slacredit::{Diagnostic, Error};

use super::{EXIT_FINDINGS, EXIT_OK, contract_files};
use crate::cli::ValidateArgs;

/// Runs `validate`.
pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let files = contract_files(&args.paths)?;
    if files.is_empty() {
        anyhow::bail!(
            "no *.yaml or *.yml files under {}",
            args.paths
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut contracts = Vec::new();
    for file in &files {
        match load_contract_file(file) {
            Ok(mut contract) => {
                diagnostics.append(&mut contract.warnings);
                contracts.push(contract);
            }
            Err(Error::Contract(found)) => diagnostics.extend(found),
            Err(error) => return Err(error.into()),
        }
    }
    diagnostics.extend(slacredit::check::check_versions(&contracts));
    for diagnostic in &diagnostics {
        eprintln!("{diagnostic}");
    }
    let errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.level == Level::Error)
        .count();
    if errors > 0 {
        eprintln!("{errors} error(s) in {} file(s) checked", files.len());
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }
    Ok(ExitCode::from(EXIT_OK))
}

//! `slacredit reconcile`: the credits owed against the credit notes received. A month-end job
//! fails (exit 1) while any credit is short or uncredited and can still be claimed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use slacredit::calc::Detail;
use slacredit::calc::reconcile::{ClaimStatus, MatchStatus, Reconciliation, reconcile};
use slacredit::received::{ReceivedMapping, read_received};
use slacredit::report::{
    write_json, write_reconciliation_csv, write_reconciliation_markdown, write_reconciliation_table,
};

use super::inputs::{Loaded, account_for, account_for_rows, calculate, parse_as_of};
use super::{EXIT_FINDINGS, EXIT_OK, leave, open_output};
use crate::cli::{ReconcileArgs, ReconcileFormat};

/// Runs `reconcile`.
pub fn run(args: &ReconcileArgs) -> anyhow::Result<ExitCode> {
    let inputs = &args.inputs;
    // The credit notes are read first: a file that cannot be read fails before the calculation.
    let mapping = args
        .received_source
        .as_deref()
        .map(ReceivedMapping::load)
        .transpose()?
        .unwrap_or_default();
    let paths: Vec<&Path> = args.received.iter().map(PathBuf::as_path).collect();
    let received = read_received(&paths, &mapping)?;
    let as_of = match inputs.as_of.as_deref() {
        Some(text) => parse_as_of(text)?,
        None => chrono::Utc::now().timestamp(),
    };
    let Loaded::Evaluation(evaluation) =
        calculate(inputs, &inputs.options(Detail::Credits, &|_, _| false))?
    else {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    };
    let reconciliation = reconcile(
        &evaluation.contracts,
        &evaluation.report,
        received,
        args.tolerance,
        as_of,
    );
    let mut out = open_output(args.output.as_deref())?;
    match args.format {
        ReconcileFormat::Table => write_reconciliation_table(&mut out, &reconciliation)?,
        ReconcileFormat::Csv => write_reconciliation_csv(&mut out, &reconciliation)?,
        ReconcileFormat::Json => write_json(&mut out, &reconciliation)?,
        ReconcileFormat::Markdown => write_reconciliation_markdown(&mut out, &reconciliation)?,
    }
    out.flush()?;
    let rejected_incidents = account_for_rows(&evaluation.report.rows, inputs)?;
    let rejected_received = account_for(&reconciliation.received_rows, inputs, "received row");
    let to_claim = claims_open(&reconciliation);
    leave((evaluation, reconciliation));
    Ok(ExitCode::from(
        if rejected_incidents || rejected_received || to_claim {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        },
    ))
}

/// Says on stderr which shortfalls can still be claimed, and whether there is any.
fn claims_open(reconciliation: &Reconciliation) -> bool {
    let open: Vec<String> = reconciliation
        .rows
        .iter()
        .filter(|row| row.claim_status == Some(ClaimStatus::Open))
        .map(|row| {
            let by = row
                .claim_by
                .map_or_else(String::new, |date| format!(", claim by {date}"));
            let missing = row.owed - row.received;
            let what = if row.status == MatchStatus::Short {
                format!("short by {missing} {}", row.currency)
            } else {
                format!("not credited, {missing} {}", row.currency)
            };
            format!(
                "{} {} {}: {what}{by}",
                row.contract, row.period, row.service
            )
        })
        .collect();
    if open.is_empty() {
        return false;
    }
    to_stderr!(
        "error: {} credit{} owed still to claim: {}",
        open.len(),
        if open.len() == 1 { "" } else { "s" },
        open.join("; ")
    );
    true
}

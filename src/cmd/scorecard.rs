//! `slacredit scorecard`: the vendor scorecard over a range, per contract, service, view period
//! and severity.

use std::process::ExitCode;

use slacredit::report::{
    note_text, write_json, write_scorecard_csv, write_scorecard_html, write_scorecard_markdown,
    write_scorecard_table,
};

use super::inputs::{account_for_rows, load_and_run};
use super::{EXIT_FINDINGS, EXIT_OK, leave, open_output, open_text_output};
use crate::cli::{ScorecardArgs, ScorecardFormat};

/// Runs `scorecard`.
pub fn run(args: &ScorecardArgs) -> anyhow::Result<ExitCode> {
    let by = args.by.map(crate::cli::By::view);
    let threads = args
        .inputs
        .threads
        .map_or_else(slacredit::parallel::cpus, usize::from);
    let Some(scorecard) = load_and_run(
        &args.inputs,
        |contracts, inputs, source, range, exceptions| {
            slacredit::evaluate_scorecard(
                contracts,
                inputs,
                source,
                range,
                exceptions,
                (by, threads),
            )
        },
    )?
    else {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    };
    let mut out = if matches!(args.format, ScorecardFormat::Csv | ScorecardFormat::Json) {
        open_output(args.output.as_deref())?
    } else {
        open_text_output(args.output.as_deref())?
    };
    match args.format {
        ScorecardFormat::Table => write_scorecard_table(&mut out, &scorecard)?,
        ScorecardFormat::Markdown => write_scorecard_markdown(&mut out, &scorecard)?,
        ScorecardFormat::Csv => write_scorecard_csv(&mut out, &scorecard)?,
        ScorecardFormat::Json => write_json(&mut out, &scorecard)?,
        ScorecardFormat::Html => write_scorecard_html(&mut out, &scorecard)?,
    }
    out.flush()?;
    // The table, the Markdown and the HTML show their notes; CSV and JSON readers see them here.
    if matches!(args.format, ScorecardFormat::Csv | ScorecardFormat::Json) {
        for note in &scorecard.notes {
            to_stderr!("note: {}", note_text(note));
        }
    }
    let rows = &scorecard.rows;
    let failed = account_for_rows(rows, &args.inputs)?;
    leave(scorecard);
    Ok(ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK }))
}

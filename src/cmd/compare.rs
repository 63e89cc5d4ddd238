//! `slacredit compare`: the exports read once and judged under two sets of terms, A (as they
//! are) and B (as proposed), side by side.

use std::process::ExitCode;

use anyhow::bail;

use slacredit::calc::Detail;
use slacredit::calc::compare::compare;
use slacredit::report::{
    compare_note_text, write_comparison_csv, write_comparison_html, write_comparison_markdown,
    write_comparison_table, write_json,
};

use super::inputs::{account_for_rows, load_contracts, read_and_run};
use super::{EXIT_FINDINGS, EXIT_OK, leave, open_output, open_text_output};
use crate::cli::{CompareArgs, CompareFormat};

/// Runs `compare`.
pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let inputs = &args.inputs;
    let [a, b] = inputs.contracts.as_slice() else {
        bail!(
            "compare takes exactly two --contract values, the terms as they are (A) and as proposed (B); {} given",
            inputs.contracts.len()
        );
    };
    let (Some((side_a, range)), Some((side_b, _))) = (
        load_contracts(inputs, std::slice::from_ref(a))?,
        load_contracts(inputs, std::slice::from_ref(b))?,
    ) else {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    };
    let threads = inputs
        .threads
        .map_or_else(slacredit::parallel::cpus, usize::from);
    let [report_a, report_b] =
        read_and_run(inputs, range, |exports, source, scope, exceptions| {
            slacredit::evaluate_pair(
                [&side_a, &side_b],
                exports,
                source,
                scope,
                exceptions,
                Detail::Credits,
                threads,
            )
        })?;
    let comparison = compare(&report_a, &report_b)?;
    let mut out = if matches!(args.format, CompareFormat::Csv | CompareFormat::Json) {
        open_output(args.output.as_deref())?
    } else {
        open_text_output(args.output.as_deref())?
    };
    match args.format {
        CompareFormat::Table => write_comparison_table(&mut out, &comparison)?,
        CompareFormat::Markdown => write_comparison_markdown(&mut out, &comparison)?,
        CompareFormat::Csv => write_comparison_csv(&mut out, &comparison)?,
        CompareFormat::Json => write_json(&mut out, &comparison)?,
        CompareFormat::Html => write_comparison_html(&mut out, &comparison)?,
    }
    out.flush()?;
    // The table, the Markdown and the HTML show their notes; CSV and JSON readers see them here.
    if matches!(args.format, CompareFormat::Csv | CompareFormat::Json) {
        for note in &comparison.notes {
            to_stderr!("note: {}", compare_note_text(note));
        }
    }
    // Both reports carry the accounting of the one reading.
    let rows = &report_a.rows;
    let failed = account_for_rows(rows, inputs)?;
    leave((report_a, report_b, comparison));
    Ok(ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK }))
}

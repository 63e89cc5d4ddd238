//! `slacredit credits`: invoice credit lines.

use std::process::ExitCode;

use slacredit::calc::model::CreditLine;
use slacredit::report::{
    write_credit_lines_csv, write_credits_markdown, write_credits_table, write_json,
};

use slacredit::calc::Detail;

use super::inputs::{Loaded, account_for_rows, calculate};
use super::{EXIT_FINDINGS, EXIT_OK, leave, open_output, open_text_output};
use crate::cli::{CalcArgs, Format};

/// Runs `credits`.
pub fn run(args: &CalcArgs) -> anyhow::Result<ExitCode> {
    if args.format == Format::Html {
        anyhow::bail!(
            "`credits` has no HTML output: give --format table, csv, json or markdown (the HTML page with \
             the credit lines is `report --format html`)"
        );
    }
    let Loaded::Evaluation(evaluation) = calculate(
        &args.inputs,
        &args.inputs.options(Detail::Credits, &|_, _| false),
    )?
    else {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    };
    let report = &evaluation.report;
    let mut out = if matches!(args.format, Format::Csv | Format::Json) {
        open_output(args.output.as_deref())?
    } else {
        open_text_output(args.output.as_deref())?
    };
    match args.format {
        Format::Table => write_credits_table(&mut out, report)?,
        Format::Csv => write_credit_lines_csv(&mut out, report)?,
        // An array of lines however many periods are asked for: scripts that post the lines read
        // it as it always was. A range's totals are in `report --format json` (`totals`).
        Format::Json => write_json(
            &mut out,
            &report.credit_lines().collect::<Vec<&CreditLine>>(),
        )?,
        Format::Markdown => write_credits_markdown(&mut out, report)?,
        Format::Html => unreachable!("rejected before the calculation"),
    }
    out.flush()?;
    let rows = &report.rows;
    let failed = account_for_rows(rows, &args.inputs)?;
    leave(evaluation);
    Ok(ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK }))
}

//! `slacredit report`: the breach report.

use std::process::ExitCode;

use slacredit::report::{
    write_breaches_csv, write_report_html, write_report_json, write_report_markdown,
    write_report_table,
};

use slacredit::calc::Detail;

use super::inputs::{Loaded, calculate, report_rejections};
use super::{EXIT_FINDINGS, EXIT_OK, leave, open_output, open_text_output};
use crate::cli::{CalcArgs, Format};

/// Runs `report`.
pub fn run(args: &CalcArgs) -> anyhow::Result<ExitCode> {
    let Loaded::Evaluation(evaluation) = calculate(
        &args.inputs,
        &args.inputs.options(Detail::Full, &|_, _| false),
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
        Format::Table => write_report_table(&mut out, report)?,
        Format::Csv => write_breaches_csv(&mut out, report)?,
        Format::Json => write_report_json(&mut out, report)?,
        Format::Markdown => write_report_markdown(&mut out, report)?,
        Format::Html => write_report_html(&mut out, report)?,
    }
    out.flush()?;
    let failed = report_rejections(report, &args.inputs)?;
    leave(evaluation);
    Ok(ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK }))
}

//! `slacredit explain`: the derivation of one incident's or one service's figures.

use std::process::ExitCode;

use slacredit::explain::{Subject, explain};

use slacredit::calc::Detail;

use super::inputs::{Loaded, calculate, report_rejections};
use super::{EXIT_FINDINGS, EXIT_OK, open_text_output};
use crate::cli::ExplainArgs;

/// Runs `explain`.
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let subject = match (&args.incident, &args.service) {
        (Some(incident), _) => Subject::Incident(incident.clone()),
        (None, Some(service)) => Subject::Service(service.clone()),
        (None, None) => anyhow::bail!("give --incident ID or --service ID"),
    };
    let Loaded::Evaluation(evaluation) = calculate(
        &args.inputs,
        &args.inputs.options(Detail::Full, &|contract, incident| {
            subject.wants(contract, incident)
        }),
    )?
    else {
        return Ok(ExitCode::from(EXIT_FINDINGS));
    };
    let text = explain(&evaluation, &subject)?;
    let mut out = open_text_output(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    let failed = report_rejections(&evaluation.report, &args.inputs)?;
    Ok(ExitCode::from(if failed { EXIT_FINDINGS } else { EXIT_OK }))
}

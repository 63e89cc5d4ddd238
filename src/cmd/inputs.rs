//! Loading what `report` and `credits` need: contracts in force, the source mapping, the exports,
//! then the calculation. Contract problems are printed here and become exit code 1. Large
//! exports show a progress bar while they are read, on a terminal only.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};

use slacredit::Options;
use slacredit::calc::model::Report;
use slacredit::contract::Contract;
use slacredit::contract::load_contract_file;
use slacredit::incidents::{Exceptions, Input, Progress, RowAccounting, Source};
use slacredit::time::{Instant, PeriodRange, TimestampFormat};
use slacredit::{Diagnostic, Error, Evaluation};

use super::contract_files;
use crate::cli::InputArgs;

/// What loading produced: a report, or contract diagnostics to fail with.
pub enum Loaded {
    /// The calculation ran.
    Evaluation(Box<Evaluation>),
    /// At least one contract is invalid; the diagnostics have been printed.
    InvalidContracts,
}

/// Loads contracts and incidents and runs the calculation as `options` say.
pub fn calculate(args: &InputArgs, options: &Options<'_>) -> anyhow::Result<Loaded> {
    let evaluation = load_and_run(args, |contracts, inputs, source, range, exceptions| {
        slacredit::evaluate_detailed(contracts, inputs, source, range, exceptions, options)
    })?;
    Ok(evaluation.map_or(Loaded::InvalidContracts, |evaluation| {
        Loaded::Evaluation(Box::new(evaluation))
    }))
}

/// Loads contracts and incidents and hands them to `run`: the contracts, the exports, how to
/// read them, the periods asked for with `--as-of`, and the signed-off exceptions. `None` when a
/// contract is invalid (its diagnostics printed).
pub fn load_and_run<T>(
    args: &InputArgs,
    run: impl FnOnce(
        &[Contract],
        Vec<Input>,
        &Source,
        (PeriodRange, Option<Instant>),
        &Exceptions,
    ) -> Result<T, Error>,
) -> anyhow::Result<Option<T>> {
    let Some((contracts, range)) = load_contracts(args, &args.contracts)? else {
        return Ok(None);
    };
    read_and_run(args, range, |inputs, source, scope, exceptions| {
        run(&contracts, inputs, source, scope, exceptions)
    })
    .map(Some)
}

/// Loads the contract files and directories of `paths` as one set, with the periods asked for:
/// warnings and notes printed, `None` when a contract is invalid (its diagnostics printed), an
/// error when none is in force in the periods.
pub fn load_contracts(
    args: &InputArgs,
    paths: &[std::path::PathBuf],
) -> anyhow::Result<Option<(Vec<Contract>, PeriodRange)>> {
    let mut contracts = Vec::new();
    let mut problems: Vec<Diagnostic> = Vec::new();
    for path in contract_files(paths)? {
        match load_contract_file(&path) {
            Ok(contract) => {
                for warning in &contract.warnings {
                    to_stderr!("{warning}");
                }
                contracts.push(contract);
            }
            Err(Error::Contract(diagnostics)) => problems.extend(diagnostics),
            Err(error) => return Err(error.into()),
        }
    }
    problems.extend(slacredit::check::check_versions(&contracts));
    if !problems.is_empty() {
        for problem in &problems {
            to_stderr!("{problem}");
        }
        return Ok(None);
    }
    let range = args.range().map_err(anyhow::Error::msg)?;
    let in_range = |contract: &slacredit::contract::Contract| {
        range.periods().any(|spec| contract.in_force(spec))
    };
    for contract in contracts.iter().filter(|contract| !in_range(contract)) {
        if contract.period == range.kind() {
            to_stderr!(
                "note: {} ({}) is not in force in {range}; left out",
                contract.id,
                contract.file
            );
        } else {
            to_stderr!(
                "note: {} ({}) is measured per {}, and {range} is not one; left out",
                contract.id,
                contract.file,
                contract.period.name(),
            );
        }
    }
    if !contracts.iter().any(in_range) {
        bail!("no contract is in force in {range}");
    }
    for periods in slacredit::calc::plan(&contracts, range) {
        if let Some(first) = periods.first().filter(|first| !first.reported) {
            to_stderr!(
                "note: {} looks back to {} for its year cap, escalation or termination terms; those periods are computed as history, not reported",
                contracts[first.contract].id,
                first.spec
            );
        }
    }
    Ok(Some((contracts, range)))
}

/// Opens the exports, the source mapping and the exceptions file, and hands them to `run` with
/// the periods of `range` and `--as-of`; a progress bar shows while large exports are read.
pub fn read_and_run<T>(
    args: &InputArgs,
    range: PeriodRange,
    run: impl FnOnce(
        Vec<Input>,
        &Source,
        (PeriodRange, Option<Instant>),
        &Exceptions,
    ) -> Result<T, Error>,
) -> anyhow::Result<T> {
    let as_of = args.as_of.as_deref().map(parse_as_of).transpose()?;
    let source = Source::resolve(&args.source)?;
    let mut inputs = Vec::new();
    for path in &args.incidents {
        let input = Input::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        inputs.push(match args.threads {
            Some(threads) => input.threads(usize::from(threads)),
            None => input,
        });
    }
    let progress = progress_bar(&inputs);
    if let Some(bar) = &progress {
        let bar = bar.clone();
        let report: Progress = Arc::new(move |bytes| bar.inc(bytes));
        inputs = inputs
            .into_iter()
            .map(|input| input.progress(Arc::clone(&report)))
            .collect();
    }
    let exceptions = args
        .exceptions
        .as_deref()
        .map(Exceptions::read)
        .transpose()?
        .unwrap_or_default();
    let evaluation = run(inputs, &source, (range, as_of), &exceptions);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(evaluation?)
}

/// Exports larger than this, together, show a progress bar (bytes of the files as stored, so a
/// gzip file counts at its compressed size).
const PROGRESS_FROM_BYTES: u64 = 50 * 1024 * 1024;

/// A progress bar over the exports' bytes, on stderr, when stderr is a terminal and the files
/// are large; `None` otherwise, so piped and captured output never changes.
fn progress_bar(inputs: &[Input]) -> Option<ProgressBar> {
    let total: u64 = inputs.iter().filter_map(Input::stored_size).sum();
    if total <= PROGRESS_FROM_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let style = ProgressStyle::with_template(
        "reading incident exports [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}, {eta} left",
    )
    .expect("a valid progress template")
    .progress_chars("=> ");
    Some(ProgressBar::new(total).with_style(style))
}

pub fn parse_as_of(text: &str) -> anyhow::Result<Instant> {
    TimestampFormat::Rfc3339.parse(text).map_err(|_| {
        anyhow::anyhow!(
            "--as-of `{text}` is not RFC 3339 with an offset (like 2026-10-31T23:00:00Z)"
        )
    })
}

/// Prints each rejected row to stderr and says whether they fail the run: any rejected row
/// does, after the output is written, unless `--allow-rejected` accepts them. A total over rows
/// that were left out is not one to post without a look, so it never ends in a quiet exit 0.
pub fn report_rejections(report: &Report, args: &InputArgs) -> bool {
    rejections(&report.rows, args)
}

/// Prints the row accounting (`rows: N read = … counted + … excluded + … rejected`) and each
/// rejected row to stderr, and says whether the rejections fail the run (see [`rejections`]).
pub fn account_for_rows(rows: &RowAccounting, args: &InputArgs) -> bool {
    account_for(rows, args, "row")
}

/// [`account_for_rows`] for rows of another kind, named `row` (`received row`).
pub fn account_for(rows: &RowAccounting, args: &InputArgs, row: &str) -> bool {
    to_stderr!(
        "{row}s: {} read = {} counted + {} excluded + {} rejected",
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows()
    );
    rejected(rows, args, row)
}

/// [`report_rejections`] for any run's row accounting.
pub fn rejections(rows: &RowAccounting, args: &InputArgs) -> bool {
    rejected(rows, args, "row")
}

fn rejected(rows: &RowAccounting, args: &InputArgs, row: &str) -> bool {
    for rejection in &rows.rejected {
        to_stderr!("warning: rejected {row} {rejection}");
    }
    let rejected = rows.rejected_rows();
    if rejected == 0 || args.allow_rejected {
        return false;
    }
    let files: std::collections::BTreeSet<&str> = rows
        .rejected
        .iter()
        .map(|rejection| rejection.file.as_str())
        .collect();
    to_stderr!(
        "error: {rejected} of {} {row}s rejected (in {}); the figures above leave them out. Fix the rows, or pass --allow-rejected to accept the figures without them",
        rows.read,
        files.into_iter().collect::<Vec<_>>().join(", ")
    );
    true
}

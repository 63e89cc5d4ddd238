//! Loading what `report` and `credits` need: contracts in force, the source mapping, the exports,
//! then the calculation. Contract problems are printed here and become exit code 1. Large
//! exports show a progress bar while they are read, on a terminal only.

use std::fs::File;
use std::io::{self, IsTerminal, Read as _, Write as _};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};

use slacredit::Options;
use slacredit::calc::model::Report;
use slacredit::contract::Contract;
use slacredit::contract::load_contract_file;
use slacredit::incidents::{Exceptions, Input, Progress, RowAccounting, Source};
use slacredit::report::write_rejects_csv;
use slacredit::time::{Instant, PeriodRange, TimestampFormat, format_instant};
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
    check_paths(args)?;
    let mut inputs = Vec::new();
    for path in &args.incidents {
        let input = open_input(path, args)?;
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

/// The name standard input (`--incidents -`) is known by in messages and the rejects file.
const STDIN_NAME: &str = "<stdin>";

/// Standard input as it was read, kept only when `--rejects` will need its rejected rows again:
/// it can be read once.
static STDIN_COPY: OnceLock<Arc<[u8]>> = OnceLock::new();

/// Refuses what cannot work before anything is read: standard input named twice, and a rejects
/// file that is one of the exports (writing it would destroy the rows it lists).
fn check_paths(args: &InputArgs) -> anyhow::Result<()> {
    let stdin = args.incidents.iter().filter(|path| is_stdin(path)).count();
    if stdin > 1 {
        bail!("--incidents - (standard input) is given {stdin} times; it can be read once");
    }
    if let Some(rejects) = &args.rejects {
        let same = |path: &Path| {
            path == rejects
                || matches!((path.canonicalize(), rejects.canonicalize()), (Ok(a), Ok(b)) if a == b)
        };
        if let Some(export) = args.incidents.iter().find(|path| same(path)) {
            bail!(
                "--rejects {} is also an export given with --incidents; write the rejected rows to another file",
                export.display()
            );
        }
    }
    Ok(())
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An export to read: a file, or standard input for `-` (kept as read when `--rejects` is
/// given, to pick its rejected rows again).
fn open_input(path: &Path, args: &InputArgs) -> anyhow::Result<Input> {
    if !is_stdin(path) {
        return Input::open(path).with_context(|| format!("cannot read {}", path.display()));
    }
    if args.rejects.is_none() {
        return Ok(Input::stream(STDIN_NAME, io::stdin()));
    }
    let copy = if let Some(copy) = STDIN_COPY.get() {
        Arc::clone(copy)
    } else {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        Arc::clone(STDIN_COPY.get_or_init(|| bytes.into()))
    };
    Ok(Input::stream(STDIN_NAME, io::Cursor::new(copy)))
}

/// Writes the rejected rows of `rows` to the `--rejects` file, when one is asked for.
fn write_rejects(rows: &RowAccounting, args: &InputArgs) -> anyhow::Result<()> {
    let Some(path) = &args.rejects else {
        return Ok(());
    };
    let source = Source::resolve(&args.source)?;
    let inputs = args
        .incidents
        .iter()
        .map(|path| open_input(path, args))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let rejects = slacredit::incidents::rejected_rows(inputs, &source, rows)?;
    let cannot = || format!("cannot write the rejects file {}", path.display());
    let mut out = io::BufWriter::new(File::create(path).with_context(cannot)?);
    write_rejects_csv(&mut out, &rejects, source.delimiter).with_context(cannot)?;
    out.flush().with_context(cannot)?;
    if !rejects.rows.is_empty() {
        to_stderr!(
            "{} rejected rows written to {}",
            rejects.rows.len(),
            path.display()
        );
    }
    Ok(())
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
pub fn report_rejections(report: &Report, args: &InputArgs) -> anyhow::Result<bool> {
    rejections(&report.rows, args)
}

/// Prints the row accounting (`rows: N read = … counted + … excluded + … rejected`) and each
/// rejected row to stderr, and says whether the rejections fail the run (see [`rejections`]).
pub fn account_for_rows(rows: &RowAccounting, args: &InputArgs) -> anyhow::Result<bool> {
    print_accounting(rows, "row");
    rejections(rows, args)
}

/// [`account_for_rows`] for rows of another kind, named `row` (`received row`): no rejects
/// file, no look at the periods.
pub fn account_for(rows: &RowAccounting, args: &InputArgs, row: &str) -> bool {
    print_accounting(rows, row);
    list_rejections(rows, row);
    rejections_fail(rows, args, row)
}

fn print_accounting(rows: &RowAccounting, row: &str) {
    to_stderr!(
        "{row}s: {} read = {} counted + {} excluded + {} rejected",
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows()
    );
}

/// [`report_rejections`] for any run's row accounting: the rejected rows listed and written to
/// the `--rejects` file, then whether they, or periods the exports do not cover, fail the run.
pub fn rejections(rows: &RowAccounting, args: &InputArgs) -> anyhow::Result<bool> {
    list_rejections(rows, "row");
    write_rejects(rows, args)?;
    let rejected = rejections_fail(rows, args, "row");
    let outside = quiet_periods(rows, args);
    Ok(rejected || outside)
}

fn list_rejections(rows: &RowAccounting, row: &str) {
    for rejection in &rows.rejected {
        to_stderr!("warning: rejected {row} {rejection}");
    }
}

/// Whether rejected rows fail the run: any does, unless `--allow-rejected` accepts them; then
/// says so in one line.
fn rejections_fail(rows: &RowAccounting, args: &InputArgs, row: &str) -> bool {
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

/// Says so when rows were read and none of them counts in the periods asked for, with the span
/// of times opened the exports cover; and says whether that fails the run: it does when the
/// exports lie wholly before or after the periods (by more than a day, for time zones), since
/// they then say nothing of them and "no credits" would be a guess. Exports that cover the
/// periods and hold nothing in them describe a quiet period: a warning only.
fn quiet_periods(rows: &RowAccounting, args: &InputArgs) -> bool {
    let (Some(span), Ok(range)) = (rows.opened, args.range()) else {
        return false;
    };
    if rows.counted > 0 {
        return false;
    }
    let day = chrono::Days::new(1);
    let covered = |instant: Instant| {
        chrono::DateTime::from_timestamp(instant, 0).map(|moment| moment.date_naive())
    };
    let (Some(first), Some(last)) = (covered(span.first), covered(span.last)) else {
        return false;
    };
    let outside = range
        .from
        .first_day()
        .checked_sub_days(day)
        .is_some_and(|start| last < start)
        || range
            .to
            .next_first_day()
            .checked_add_days(day)
            .is_some_and(|end| first >= end);
    let rows_read = rows.read;
    let (first, last) = (format_instant(span.first), format_instant(span.last));
    if outside {
        to_stderr!(
            "error: none of the {rows_read} rows read falls in {range}: the exports hold incidents opened from {first} to {last}, so the figures above say nothing of {range}. Check --period, or read the exports of {range}"
        );
    } else {
        to_stderr!(
            "warning: none of the {rows_read} rows read counts in {range}, though the exports hold incidents opened from {first} to {last}: a quiet period"
        );
    }
    outside
}

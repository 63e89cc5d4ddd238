//! The fuzz harness: mutates real and shipped inputs (contracts, incident exports, mapping files)
//! and runs each case through the public API under `catch_unwind`, checking the invariants a
//! finance analyst relies on. Shared by `cargo run --release --example fuzz` and the short,
//! seed-fixed slice CI runs (`tests/fuzz_slice.rs`).
//!
//! Every case is reproducible from (kind, seed, case number) alone: its random numbers come from
//! a `ChaCha8` stream seeded with both.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use slacredit::calc::Detail;
use slacredit::calc::model::Report;
use slacredit::contract::{Contract, load_contract_file};
use slacredit::incidents::{Exceptions, Input, Source};
use slacredit::time::PeriodRange;
use slacredit::{Options, evaluate_detailed};

/// What a run mutates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Contract YAML, then a calculation under it.
    Contract,
    /// Incident exports, read under the shipped contracts.
    Csv,
    /// Source mapping files, then their export read with them.
    Mapping,
}

impl Kind {
    /// The kind named `name` (`contract`, `csv`, `mapping`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "contract" => Some(Self::Contract),
            "csv" => Some(Self::Csv),
            "mapping" => Some(Self::Mapping),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Contract => "contract",
            Self::Csv => "csv",
            Self::Mapping => "mapping",
        }
    }
}

/// One input set the mutations start from: a contract, an export, how to read it, a period.
struct Target {
    contract: &'static str,
    export: &'static str,
    source: &'static str,
    period: &'static str,
}

/// The shipped examples and the committed excerpts of real exports.
const TARGETS: [Target; 5] = [
    Target {
        contract: "contracts/acme-soc.yaml",
        export: "examples/acme-soc-2026-10.csv",
        source: "generic",
        period: "2026-10",
    },
    Target {
        contract: "contracts/nimbus-cloud.yaml",
        export: "examples/nimbus-cloud-2026-10.csv",
        source: "generic",
        period: "2026-10",
    },
    Target {
        contract: "contracts/acme-soc.yaml",
        export: "examples/itsm-export-2026-10.csv",
        source: "examples/itsm-mapping.yaml",
        period: "2026-10",
    },
    Target {
        contract: "examples/real/contracts/github-status.yaml",
        export: "tests/fixtures/github-status-2025-q2.csv",
        source: "examples/real/mappings/github-status.yaml",
        period: "2025-Q2",
    },
    Target {
        contract: "examples/real/contracts/uci-itsm.yaml",
        export: "tests/fixtures/uci-event-log-excerpt.csv",
        source: "examples/real/mappings/uci-servicenow.yaml",
        period: "2016-03",
    },
];

/// Bytes that break parsers: quotes, line ends, separators, control characters, YAML markup,
/// extreme numbers, durations, dates and times.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\r",
    b"\n",
    b"\r\r\n",
    b",",
    b";",
    b"\t",
    b"\0",
    b"\x1b[2J",
    b"\xff\xfe",
    "é".as_bytes(),
    b" ",
    b"0",
    b"-1",
    b"-0",
    b"1e400",
    b"NaN",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"99999999999999999999.99",
    b"1000000000000",
    b"0.0000000001",
    b"100000000d",
    b"9223372036854775807s",
    b"1h30m",
    b"0s",
    b"-200000-01-01",
    b"9999-12-31",
    b"2026-02-30",
    b"2026-10-25T02:30:00",
    b"2026-10-31T23:59:59Z",
    b"1970-01-01T00:00:00Z",
    b"24:00",
    b"25:61",
    b"*",
    b"&a",
    b"*a",
    b"<<: ",
    b"{",
    b"}",
    b"[",
    b"]",
    b": ",
    b"- ",
    b"#",
    b"!!binary ",
    b"~",
    b"yes",
    b"100%",
    b"1000%",
    b"=cmd",
];

/// What a run found.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases run.
    pub cases: u64,
    /// Cases whose input was accepted and calculated (the rest were refused with an error, as
    /// they should be when the mutation broke them).
    pub calculated: u64,
    /// Panics and broken invariants, each with its case.
    pub findings: Vec<Finding>,
    /// The slowest case and its time.
    pub slowest: (u64, Duration),
}

/// A panic or a broken invariant.
#[derive(Debug)]
pub struct Finding {
    /// The case number (with the seed, it reproduces the input).
    pub case: u64,
    /// What went wrong.
    pub what: String,
    /// Where the input was saved.
    pub saved: PathBuf,
}

/// The files a run reads and writes.
pub struct Workspace {
    root: PathBuf,
    scratch: PathBuf,
    findings: PathBuf,
    seeds: Vec<Vec<u8>>,
    contracts: Vec<Vec<Contract>>,
}

impl Workspace {
    /// Reads the targets below `root` (the repository) and makes a scratch directory, with the
    /// shipped holiday files beside the contracts mutated there.
    pub fn new(root: &Path, kind: Kind) -> Self {
        let scratch = std::env::temp_dir().join(format!(
            "slacredit-fuzz-{}-{}",
            kind.name(),
            std::process::id()
        ));
        let holidays = scratch.join("holidays");
        std::fs::create_dir_all(&holidays).expect("a scratch directory");
        for entry in std::fs::read_dir(root.join("contracts/holidays")).expect("contracts/holidays")
        {
            let entry = entry.expect("a holiday file");
            std::fs::copy(entry.path(), holidays.join(entry.file_name())).expect("a copy");
        }
        let seeds = TARGETS
            .iter()
            .map(|target| {
                let path = match kind {
                    Kind::Contract => target.contract,
                    Kind::Csv => target.export,
                    Kind::Mapping => target.source,
                };
                std::fs::read(root.join(path)).unwrap_or_default()
            })
            .collect();
        let contracts = TARGETS
            .iter()
            .map(|target| {
                vec![load_contract_file(&root.join(target.contract)).expect("a shipped contract")]
            })
            .collect();
        Self {
            root: root.to_owned(),
            findings: root.join("target/fuzz-findings"),
            scratch,
            seeds,
            contracts,
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Runs `cases` cases of `kind` from `seed`, starting at case `first`.
pub fn run(kind: Kind, workspace: &Workspace, seed: u64, cases: std::ops::Range<u64>) -> Summary {
    let mut summary = Summary::default();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in cases {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.rotate_left(32) ^ case);
        let target = rng.random_range(0..TARGETS.len());
        let input = mutate(&mut rng, workspace, target);
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            one_case(kind, workspace, target, &input)
        }));
        let took = started.elapsed();
        if took > summary.slowest.1 {
            summary.slowest = (case, took);
        }
        summary.cases += 1;
        let problem = match outcome {
            Ok(Ok(calculated)) => {
                summary.calculated += u64::from(calculated);
                None
            }
            Ok(Err(violation)) => Some(violation),
            Err(payload) => Some(format!("panic: {}", panic_text(&*payload))),
        };
        if let Some(what) = problem {
            let saved = save(workspace, kind, seed, case, &input);
            summary.findings.push(Finding { case, what, saved });
        }
    }
    std::panic::set_hook(quiet);
    summary
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

fn save(workspace: &Workspace, kind: Kind, seed: u64, case: u64, input: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(&workspace.findings);
    let extension = if kind == Kind::Csv { "csv" } else { "yaml" };
    let path = workspace
        .findings
        .join(format!("{}-{seed}-{case}.{extension}", kind.name()));
    let _ = std::fs::write(&path, input);
    path
}

/// A seed input with one to four mutations.
fn mutate(rng: &mut ChaCha8Rng, workspace: &Workspace, target: usize) -> Vec<u8> {
    let mut bytes = workspace.seeds[target].clone();
    for _ in 0..rng.random_range(1..=4) {
        let at = if bytes.is_empty() {
            0
        } else {
            rng.random_range(0..bytes.len())
        };
        match rng.random_range(0..8) {
            0 => {
                if let Some(byte) = bytes.get_mut(at) {
                    *byte = rng.random();
                }
            }
            1 | 2 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + rng.random_range(1..40)).min(bytes.len());
                bytes.drain(at..end);
            }
            4 => replace_number(rng, &mut bytes, at),
            5 => repeat_line(rng, &mut bytes, at),
            6 => {
                // A CSV or YAML line end of another kind everywhere.
                let ending: &[u8] = [&b"\r"[..], b"\r\n", b"\n\n"][rng.random_range(0..3)];
                bytes = replace_all(&bytes, b"\n", ending);
            }
            _ => {
                // A piece of another seed spliced in.
                let other = &workspace.seeds[rng.random_range(0..workspace.seeds.len())];
                if !other.is_empty() {
                    let start = rng.random_range(0..other.len());
                    let end = (start + rng.random_range(1..200)).min(other.len());
                    bytes.splice(at..at, other[start..end].iter().copied());
                }
            }
        }
    }
    bytes
}

/// The run of digits at or after `at` replaced by an extreme number.
fn replace_number(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, at: usize) {
    let Some(start) = bytes[at..]
        .iter()
        .position(u8::is_ascii_digit)
        .map(|offset| at + offset)
    else {
        return;
    };
    let end = bytes[start..]
        .iter()
        .position(|byte| !byte.is_ascii_digit() && *byte != b'.')
        .map_or(bytes.len(), |offset| start + offset);
    let numbers: [&[u8]; 8] = [
        b"0",
        b"1",
        b"999999999999",
        b"1000000000001",
        b"9223372036854775807",
        b"0.000000000001",
        b"340282366920938463463374607431768211456",
        b"100000000",
    ];
    bytes.splice(
        start..end,
        numbers[rng.random_range(0..numbers.len())].iter().copied(),
    );
}

/// The line holding `at` written once more, a few times, right after itself.
fn repeat_line(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, at: usize) {
    let start = bytes[..at]
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |p| p + 1);
    let end = bytes[at..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(bytes.len(), |offset| at + offset + 1);
    let line = bytes[start..end].to_vec();
    for _ in 0..rng.random_range(1..=3) {
        bytes.splice(end..end, line.iter().copied());
    }
}

fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(position) = rest.windows(from.len()).position(|window| window == from) {
        out.extend_from_slice(&rest[..position]);
        out.extend_from_slice(to);
        rest = &rest[position + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// One case: `Ok(true)` when the input was accepted and every invariant held, `Ok(false)` when it
/// was refused with an error, `Err` naming the invariant broken.
fn one_case(kind: Kind, workspace: &Workspace, index: usize, input: &[u8]) -> Result<bool, String> {
    let target = &TARGETS[index];
    let root = &workspace.root;
    let (contracts, export, source) = match kind {
        Kind::Contract => {
            let path = workspace.scratch.join("contract.yaml");
            std::fs::write(&path, input).map_err(|error| error.to_string())?;
            let Ok(contract) = load_contract_file(&path) else {
                return Ok(false);
            };
            (
                vec![contract],
                std::fs::read(root.join(target.export)).unwrap_or_default(),
                source_of(root, target.source),
            )
        }
        Kind::Csv => (
            workspace.contracts[index].clone(),
            input.to_vec(),
            source_of(root, target.source),
        ),
        Kind::Mapping => {
            let Ok(text) = std::str::from_utf8(input) else {
                return Ok(false);
            };
            let source = Source::check_text("mapping.yaml", text)
                .map_err(|_| ())
                .ok();
            (
                workspace.contracts[index].clone(),
                std::fs::read(root.join(target.export)).unwrap_or_default(),
                source,
            )
        }
    };
    let Some(source) = source else {
        return Ok(false);
    };
    let Ok(range) = target.period.parse::<PeriodRange>() else {
        return Ok(false);
    };
    let export_path = workspace.scratch.join("export.csv");
    std::fs::write(&export_path, &export).map_err(|error| error.to_string())?;
    let one = calculate(&contracts, &export_path, &source, range, 1);
    let many = calculate(&contracts, &export_path, &source, range, 3);
    match (one, many) {
        (Ok((report, json)), Ok((_, json_many))) => {
            if json != json_many {
                return Err("output differs between 1 and 3 threads".to_owned());
            }
            check(&report, &json)?;
            Ok(true)
        }
        (Err(_), Err(_)) => Ok(false),
        (Ok(_), Err(error)) | (Err(error), Ok(_)) => Err(format!(
            "1 and 3 threads disagree on whether the input is usable: {error}"
        )),
    }
}

fn source_of(root: &Path, source: &str) -> Option<Source> {
    if Path::new(source)
        .extension()
        .is_some_and(|extension| extension == "yaml")
    {
        Source::load(&root.join(source)).ok()
    } else {
        Source::resolve(source).ok()
    }
}

/// The report and its JSON, or the error's words.
fn calculate(
    contracts: &[Contract],
    export: &Path,
    source: &Source,
    range: PeriodRange,
    threads: usize,
) -> Result<(Report, Vec<u8>), String> {
    let input = Input::open(export)
        .map_err(|error| error.to_string())?
        .threads(threads);
    let options = Options {
        detail: Detail::Full,
        threads,
        wanted: &|_, _| false,
    };
    let evaluation = evaluate_detailed(
        contracts,
        vec![input],
        source,
        (range, None),
        &Exceptions::default(),
        &options,
    )
    .map_err(|error| error.to_string())?;
    let mut json = Vec::new();
    slacredit::report::write_report_json(&mut json, &evaluation.report)
        .map_err(|error| error.to_string())?;
    Ok((evaluation.report, json))
}

/// The invariants of a report: every row accounted for, JSON that parses, totals that are the
/// sums of their lines, no negative amount.
fn check(report: &Report, json: &[u8]) -> Result<(), String> {
    let rows = &report.rows;
    let accounted = rows.counted + rows.excluded_rows() + rows.rejected_rows();
    if accounted != rows.read {
        return Err(format!(
            "rows: {} read but {} counted + {} excluded + {} rejected = {accounted}",
            rows.read,
            rows.counted,
            rows.excluded_rows(),
            rows.rejected_rows()
        ));
    }
    serde_json::from_slice::<serde_json::Value>(json)
        .map_err(|error| format!("the JSON does not parse: {error}"))?;
    let mut problems = String::new();
    for period in &report.contracts {
        let lines: slacredit::money::Decimal =
            period.credit_lines.iter().map(|line| line.amount).sum();
        if lines != period.credit_total {
            let _ = write!(
                problems,
                "{} {}: total {} but the lines sum to {lines}; ",
                period.contract, period.period, period.credit_total
            );
        }
        for service in &period.services {
            let lines: slacredit::money::Decimal = period
                .credit_lines
                .iter()
                .filter(|line| line.service == service.service)
                .map(|line| line.amount)
                .sum();
            if lines != service.credit {
                let _ = write!(
                    problems,
                    "{} {} {}: credit {} but its lines sum to {lines}; ",
                    period.contract, period.period, service.service, service.credit
                );
            }
        }
        for line in &period.credit_lines {
            if line.amount.is_sign_negative() && !line.amount.is_zero()
                || line.amount_before_caps.is_sign_negative() && !line.amount_before_caps.is_zero()
            {
                let _ = write!(
                    problems,
                    "{} {} {}/{}: negative amount {} (before caps {}); ",
                    period.contract,
                    period.period,
                    line.service,
                    line.rule,
                    line.amount,
                    line.amount_before_caps
                );
            }
            if line.amount > line.amount_before_caps {
                let _ = write!(
                    problems,
                    "{} {} {}/{}: caps raised the amount from {} to {}; ",
                    period.contract,
                    period.period,
                    line.service,
                    line.rule,
                    line.amount_before_caps,
                    line.amount
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

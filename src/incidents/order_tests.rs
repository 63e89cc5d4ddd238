//! Tests that the verdicts on repeated ids, the row accounting and every figure of the report
//! are the same whatever the order of an export's rows and however many threads read it.
//!
//! They live inside `incidents` because reading a small file in parallel parts needs
//! `Input::min_part`, which exists in test builds only and is visible only inside `incidents`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, FixedOffset, SecondsFormat};
use proptest::prelude::*;

use super::rows::Rows;
use super::split::Job;
use super::testing::Copies;
use super::{Answer, Exceptions, Input, Source};
use crate::contract::{Contract, load_contract_text};
use crate::time::{Instant, PeriodRange, TimestampFormat};
use crate::{Evaluation, Options, calc};

/// Three services (the `api-*` pattern takes two spellings), three severities with downtime
/// weights and targets, an availability rule, a per-breach rule, a per-unit-late rule and an
/// escalation (whose look-back computes February too), so that credits are rarely zero.
const CONTRACT: &str = r"
id: ORDER
title: Row order test
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: web, match: [web], fee: 1000.00, availability: { target: 99.9 } }
  - { id: api, match: ['api-*'], fee: 2000.00, availability: { target: 99.5 } }
  - { id: mail, match: [mail], fee: 500.00 }
severities:
  - { id: sev1, match: [P1], downtime: 1.0, respond: { within: 15m }, resolve: { within: 4h } }
  - { id: sev2, match: [P2], downtime: 0.5, respond: { within: 30m }, resolve: { within: 1d } }
  - { id: sev3, match: [P3], downtime: 0, resolve: { within: 3d } }
credits:
  cap: { per_service: 40% }
  rules:
    - id: availability
      kind: availability
      bands:
        - { below: 99.9, credit: 10% }
        - { below: 99.0, credit: 25% }
    - { id: response, kind: per_breach, target: respond, credit: 20.00 }
    - id: overrun
      kind: per_unit_late
      target: resolve
      unit: 1h
      credit: 1%
      max_per_incident: 5%
    - id: repeated
      kind: escalation
      applies_to: [response]
      breaches: 3
      within: 30d
      multiplier: 1.5
";

const HEADER: &str =
    "id,service,severity,opened,started,acknowledged,resolved,initial_severity,disputed,title\n";

/// Service cells, and the contract service each routes to.
const SERVICES: [&str; 4] = ["web", "api-eu", "api-us", "mail"];
const ROUTED: [usize; 4] = [0, 1, 1, 2];
const SEVERITIES: [&str; 3] = ["P1", "P2", "P3"];

fn contract() -> Contract {
    load_contract_text("order.yaml", CONTRACT)
        .unwrap_or_else(|problems| panic!("the test contract loads: {problems:#?}"))
}

/// `2026-02-20T00:00:00Z`: generated incidents open from here to 44 days later (5 April).
fn base() -> Instant {
    TimestampFormat::Rfc3339
        .parse("2026-02-20T00:00:00Z")
        .expect("a test instant")
}

const OPENING_MINUTES: i64 = 44 * 24 * 60;

/// An export written to a temporary file of its own (tests running at once never share one),
/// removed when dropped, also when a test fails while reading it.
struct Written(PathBuf);

impl std::ops::Deref for Written {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        // A file already gone is what this wants.
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write(name: &str, text: &[u8]) -> Written {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "slacredit-order-{}-{name}-{count}.csv",
        std::process::id()
    ));
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(text))
        .expect("a temporary file");
    Written(path)
}

/// What one export gives through the whole pipeline, every counted incident kept.
struct Run {
    evaluation: Evaluation,
    /// The report as `--format json` writes it.
    json: String,
    /// The export's name in messages and sources.
    name: String,
}

/// How a run is asked for: the periods, the instant judged at and how much detail is kept.
#[derive(Debug, Clone, Copy)]
struct Ask {
    range: PeriodRange,
    as_of: Option<Instant>,
    detail: calc::Detail,
}

impl Ask {
    fn march() -> Self {
        Self {
            range: "2026-03".parse().expect("a test period"),
            as_of: None,
            detail: calc::Detail::Full,
        }
    }
}

fn run(contract: &Contract, input: Input, ask: Ask) -> Run {
    let name = input.name().to_owned();
    let options = Options {
        detail: ask.detail,
        threads: 2,
        wanted: &|_, _| true,
    };
    let evaluation = crate::evaluate_detailed(
        std::slice::from_ref(contract),
        vec![input],
        &Source::generic(),
        (ask.range, ask.as_of),
        &Exceptions::default(),
        &options,
    )
    .expect("the evaluation succeeds");
    let mut json = Vec::new();
    crate::report::write_json(&mut json, &evaluation.report).expect("JSON is written");
    Run {
        evaluation,
        json: String::from_utf8(json).expect("JSON is UTF-8"),
        name,
    }
}

/// `path` read on up to `threads` threads, a part at least `min_part` bytes long.
fn run_file(contract: &Contract, path: &Path, threads: usize, min_part: u64, ask: Ask) -> Run {
    let input = Input::open(path)
        .expect("opens")
        .threads(threads)
        .min_part(min_part);
    run(contract, input, ask)
}

/// How many parts `path` is read in on `threads` threads with the least part size of one byte
/// (`None`: front to back).
fn parts(path: &Path, threads: usize) -> Option<usize> {
    let source = Source::generic();
    let sink = Copies::new(|_| Answer::Counted);
    let rows = Rows::new(
        &source,
        &sink,
        crate::incidents::fingerprint::IdHash::STANDARD,
    );
    let job = Job {
        path,
        size: std::fs::metadata(path).expect("exists").len(),
        parts: threads,
        file: 0,
        name: "order.csv",
        progress: None,
    };
    job.read(&rows).expect("reads").map(|parts| parts.len())
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Counted,
    Excluded,
    Rejected { column: String, reason: String },
}

/// The outcome of the row at each of `lines` (every data row of the one export read).
fn outcomes(run: &Run, lines: &[u64]) -> Vec<Outcome> {
    let incidents = &run.evaluation.incidents;
    lines
        .iter()
        .map(|line| {
            if let Some(rejection) = incidents
                .rows
                .rejected
                .iter()
                .find(|rejection| rejection.line == *line)
            {
                Outcome::Rejected {
                    column: rejection.column.clone(),
                    reason: rejection.reason.clone(),
                }
            } else if incidents
                .incidents
                .iter()
                .any(|incident| incident.line == *line)
            {
                Outcome::Counted
            } else {
                Outcome::Excluded
            }
        })
        .collect()
}

/// `text` with the export's name and the line after it made anonymous: `FILE:#`.
fn without_lines(text: &str, name: &str) -> String {
    let named = text.replace(name, "FILE");
    let mut anonymous = String::with_capacity(named.len());
    let mut rest = named.as_str();
    while let Some(at) = rest.find("FILE:") {
        anonymous.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            anonymous.push('#');
        }
        rest = &rest[digits..];
    }
    anonymous.push_str(rest);
    anonymous
}

/// The report's contracts as JSON, with sources anonymous and titles blank: what must not
/// change when rows move (a moved row has another line, and of identical copies the first in
/// the file is kept, whose title may differ).
fn contracts_without_rows(run: &Run) -> serde_json::Value {
    fn blank(value: &mut serde_json::Value, name: &str) {
        match value {
            serde_json::Value::String(text) => *text = without_lines(text, name),
            serde_json::Value::Array(items) => {
                for item in items {
                    blank(item, name);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    if key == "title" {
                        *field = serde_json::Value::String(String::new());
                    } else {
                        blank(field, name);
                    }
                }
            }
            _ => {}
        }
    }
    let mut json: serde_json::Value = serde_json::from_str(&run.json).expect("JSON is read back");
    let mut contracts = json["contracts"].take();
    blank(&mut contracts, &run.name);
    contracts
}

/// The row accounting with line numbers made anonymous.
#[derive(Debug, PartialEq, Eq)]
struct AccountingWithoutLines {
    /// Rows read, counted, excluded and rejected.
    counts: [u64; 4],
    /// Rows excluded by reason (reasons that differed by a line only added together).
    excluded: BTreeMap<String, u64>,
    /// Column, value and reason of each rejection, sorted.
    rejected: Vec<(String, String, String)>,
}

fn accounting_without_lines(run: &Run) -> AccountingWithoutLines {
    let rows = &run.evaluation.incidents.rows;
    let counts = [
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows(),
    ];
    let mut excluded = BTreeMap::new();
    for exclusion in &rows.excluded {
        *excluded
            .entry(without_lines(&exclusion.reason.to_string(), &run.name))
            .or_default() += exclusion.rows;
    }
    let mut rejected: Vec<(String, String, String)> = rows
        .rejected
        .iter()
        .map(|rejection| {
            (
                rejection.column.clone(),
                rejection.value.clone(),
                without_lines(&rejection.reason, &run.name),
            )
        })
        .collect();
    rejected.sort();
    AccountingWithoutLines {
        counts,
        excluded,
        rejected,
    }
}

/// Asserts that two runs of the same rows in the same order (one export, read on different
/// numbers of threads, or as a file and as a stream) agree in every detail.
fn assert_same_run(left: &Run, right: &Run, what: &str) {
    assert_eq!(left.json, right.json, "{what}: the report JSON");
    assert_eq!(
        left.evaluation.incidents.rows, right.evaluation.incidents.rows,
        "{what}: the row accounting"
    );
    assert_eq!(
        left.evaluation.incidents.incidents, right.evaluation.incidents.incidents,
        "{what}: the counted incidents"
    );
}

/// Asserts that two runs of the same rows in different orders agree in everything but line
/// numbers and which of identical copies is kept.
fn assert_same_but_for_order(left: &Run, right: &Run, what: &str) {
    let (left_report, right_report) = (&left.evaluation.report, &right.evaluation.report);
    assert_eq!(
        left_report.contracts.len(),
        right_report.contracts.len(),
        "{what}"
    );
    for (mine, theirs) in left_report.contracts.iter().zip(&right_report.contracts) {
        assert_eq!(
            mine.credit_lines, theirs.credit_lines,
            "{what}: credit lines"
        );
        assert_eq!(mine.services, theirs.services, "{what}: service summaries");
        assert_eq!(
            mine.credit_total, theirs.credit_total,
            "{what}: credit total"
        );
    }
    assert_eq!(
        contracts_without_rows(left),
        contracts_without_rows(right),
        "{what}: the report, sources and titles aside"
    );
    assert_eq!(
        accounting_without_lines(left),
        accounting_without_lines(right),
        "{what}: the row accounting, lines aside"
    );
}

/// One export in `order`, its rows separated by `\n`, and each row's line.
fn export(rows: &[&str], order: &[usize]) -> (String, Vec<u64>) {
    let mut text = HEADER.to_owned();
    let mut lines = Vec::new();
    for index in order {
        lines.push(text.matches('\n').count() as u64 + 1);
        text.push_str(rows[*index]);
        text.push('\n');
    }
    (text, lines)
}

/// Reads the export `text`, written at `path`, every way there is: in one pass, in 3 and 2
/// parallel parts, as a stream, and through `evaluate`; asserts they agree and returns the
/// one-pass run.
fn run_every_way(contract: &Contract, path: &Path, text: &str) -> Run {
    assert_eq!(parts(path, 3), Some(3), "read in three parts");
    let whole = run_file(contract, path, 1, 1, Ask::march());
    for threads in [3, 2] {
        let split = run_file(contract, path, threads, 1, Ask::march());
        assert_same_run(&whole, &split, &format!("{threads} threads"));
    }
    let bytes = std::io::Cursor::new(text.as_bytes().to_vec());
    let streamed = run(
        contract,
        Input::stream(whole.name.clone(), bytes),
        Ask::march(),
    );
    assert_same_run(&whole, &streamed, "read as a stream");
    let plain = crate::evaluate(
        std::slice::from_ref(contract),
        vec![Input::open(path).expect("opens").threads(3).min_part(1)],
        &Source::generic(),
        "2026-03".parse().expect("a test period"),
        None,
        &Exceptions::default(),
    )
    .expect("the evaluation succeeds");
    assert_eq!(
        plain, whole.evaluation.report,
        "evaluate gives the same report"
    );
    whole
}

#[test]
fn repeated_ids_get_the_same_verdicts_in_either_order_and_on_any_number_of_threads() {
    // X three times with the same content: as written, retitled, and respelled (padded id and
    // service, times at +01:00). Y twice, the second resolved an hour later. Z once.
    let rows = [
        "X,web,P1,2026-03-10T10:00:00Z,,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,,,X as written",
        "Y,web,P2,2026-03-11T10:00:00Z,,2026-03-11T10:10:00Z,2026-03-11T11:00:00Z,,,Y first",
        "X,web,P1,2026-03-10T10:00:00Z,,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,,,X retitled",
        "Z,api-eu,P1,2026-03-12T08:00:00Z,,2026-03-12T08:05:00Z,2026-03-12T14:30:00Z,,,Z",
        "Y,web,P2,2026-03-11T10:00:00Z,,2026-03-11T10:10:00Z,2026-03-11T12:00:00Z,,,Y later",
        concat!(
            " X , web ,P1,2026-03-10T11:00:00+01:00,,2026-03-10T11:20:00+01:00,",
            "2026-03-10T13:00:00+01:00,,,X respelled"
        ),
    ];
    let contract = contract();
    // In order, the rows are lines 2 to 7 and Z is line 5; reversed, the respelled X is line 2
    // and Z line 4. Either way Y's copies are lines 3 and 6, and of 6 rows read: X's first copy
    // (line 2) and Z counted (2); X's other two copies excluded as duplicates of line 2 (2);
    // both copies of Y rejected, each naming the other's line (2).
    let mut runs = Vec::new();
    for (order, counted) in [
        (
            [0, 1, 2, 3, 4, 5],
            [("X", 2, "X as written"), ("Z", 5, "Z")],
        ),
        ([5, 4, 3, 2, 1, 0], [("X", 2, "X respelled"), ("Z", 4, "Z")]),
    ] {
        let (text, lines) = export(&rows, &order);
        let path = write("fixed", text.as_bytes());
        let whole = run_every_way(&contract, &path, &text);
        drop(path);
        let name = &whole.name;
        let accounting = &whole.evaluation.incidents.rows;
        let counts = [
            accounting.read,
            accounting.counted,
            accounting.excluded_rows(),
            accounting.rejected_rows(),
        ];
        assert_eq!(counts, [6, 2, 2, 2]);
        let excluded: Vec<(String, u64)> = accounting
            .excluded
            .iter()
            .map(|exclusion| (exclusion.reason.to_string(), exclusion.rows))
            .collect();
        let duplicate = format!("duplicate of the identical row at {name}:2");
        assert_eq!(excluded, [(duplicate, 2)]);
        let rejected: Vec<(u64, &str, &str, &str)> = accounting
            .rejected
            .iter()
            .map(|rejection| {
                let (line, column) = (rejection.line, rejection.column.as_str());
                (
                    line,
                    column,
                    rejection.value.as_str(),
                    rejection.reason.as_str(),
                )
            })
            .collect();
        let conflict =
            |other: u64| format!("the same id appears with different content at {name}:{other}");
        let (third, sixth) = (conflict(3), conflict(6));
        assert_eq!(rejected, [(3, "id", "Y", &*sixth), (6, "id", "Y", &*third)]);
        let kept: Vec<(&str, u64, &str)> = whole
            .evaluation
            .incidents
            .incidents
            .iter()
            .map(|incident| (incident.id.as_str(), incident.line, &*incident.title))
            .collect();
        assert_eq!(kept, counted);
        let outcomes = outcomes(&whole, &lines);
        assert_eq!(
            outcomes
                .iter()
                .filter(|outcome| **outcome == Outcome::Excluded)
                .count(),
            2
        );

        // Services in id order. Api: Z resolved after 6 h 30 min of 4 h: 3 started hours ×
        // 1 % of 2,000.00 = 60.00 (under 5 % = 100.00 per incident); down 23,400 s of March's
        // 2,678,400 s: 99.1263 % < 99.9 → 10 % = 200.00. Web: X acknowledged after 20 minutes
        // of 15: 20.00; down 7,200 s: 99.7312 % < 99.9 → 10 % of 1,000.00 = 100.00. The caps
        // (40 %: 800.00 and 400.00) are not reached; one breach does not escalate.
        let report = &whole.evaluation.report;
        let lines: Vec<(&str, &str, String, Vec<&str>)> = report
            .credit_lines()
            .map(|line| {
                let incidents = line.incidents.iter().map(String::as_str).collect();
                let amount = line.amount.to_string();
                (line.service.as_str(), line.rule.as_str(), amount, incidents)
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("api", "availability", "200.00".to_owned(), vec![]),
                ("api", "overrun", "60.00".to_owned(), vec!["Z"]),
                ("web", "availability", "100.00".to_owned(), vec![]),
                ("web", "response", "20.00".to_owned(), vec!["X"]),
            ]
        );
        assert_eq!(report.contracts[0].credit_total.to_string(), "380.00");
        runs.push(whole);
    }
    assert_same_but_for_order(&runs[0], &runs[1], "reversed");
}

/// What a run of the export `rows` (in that order) gives, in brief: the row accounting, the
/// web service's incidents and downtime, and the credit lines; or the panic it ends in.
fn in_brief(contract: &Contract, rows: &[&[u8]]) -> String {
    let mut text = HEADER.as_bytes().to_vec();
    for row in rows {
        text.extend_from_slice(row);
        text.push(b'\n');
    }
    let path = write("title", &text);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let run = run_file(contract, &path, 1, 1, Ask::march());
        let accounting = &run.evaluation.incidents.rows;
        let web = run.evaluation.report.contracts[0]
            .services
            .iter()
            .find(|summary| summary.service == "web")
            .expect("web is a service");
        let excluded: Vec<String> = accounting
            .excluded
            .iter()
            .map(|exclusion| {
                format!(
                    "{} x {}",
                    exclusion.rows,
                    exclusion.reason.to_string().replace(&run.name, "FILE")
                )
            })
            .collect();
        let rejected: Vec<String> = accounting
            .rejected
            .iter()
            .map(|rejection| format!("line {} {}", rejection.line, rejection.column))
            .collect();
        let credits: Vec<String> = run
            .evaluation
            .report
            .credit_lines()
            .map(|line| format!("{} {}", line.rule, line.amount))
            .collect();
        format!(
            "counted {}, excluded {excluded:?}, rejected {rejected:?}; \
             web: {} incidents, {} s down; credits {credits:?}",
            accounting.counted, web.incidents, web.downtime_seconds
        )
    }));
    drop(path);
    outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("panicked: {message}")
    })
}

#[test]
fn a_row_rejected_for_its_title_takes_no_part_in_deciding_its_id() {
    // A and B: one incident, twice. C: the same id with a title that is not UTF-8 (`café` in
    // Latin-1), rejected for it; the title is read last, and only of rows that count. Rejected,
    // C takes no part in deciding A's id (design.md, "Routing rows"), whatever its content and
    // wherever it stands: A counts, B is excluded as its duplicate, C is rejected. Web: down
    // 10:00 to 12:00 = 7,200 s of March's 2,678,400 s: 99.7312 % < 99.9 → 10 % of 1,000.00 =
    // 100.00; acknowledged after 20 minutes of 15: 20.00.
    let a: &[u8] =
        b"A,web,P1,2026-03-10T10:00:00Z,,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,,,first";
    let b: &[u8] =
        b"A,web,P1,2026-03-10T10:00:00Z,,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,,,second";
    let same: &[u8] =
        b"A,web,P1,2026-03-10T10:00:00Z,,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,,,caf\xe9";
    let other: &[u8] =
        b"A,web,P1,2026-03-10T10:00:00Z,,2026-03-10T10:20:00Z,2026-03-10T13:00:00Z,,,caf\xe9";
    let contract = contract();
    let expected = |first: u64, rejected: u64| {
        format!(
            "counted 1, excluded [\"1 x duplicate of the identical row at FILE:{first}\"], \
             rejected [\"line {rejected} title\"]; web: 1 incidents, 7200 s down; \
             credits [\"availability 100.00\", \"response 20.00\"]"
        )
    };
    let cases = [
        ("same content, last", vec![a, b, same], expected(2, 4)),
        ("same content, first", vec![same, a, b], expected(3, 2)),
        ("other content, last", vec![a, b, other], expected(2, 4)),
        ("other content, first", vec![other, a, b], expected(3, 2)),
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|(what, rows, _)| format!("{what}: {}", in_brief(&contract, rows)))
        .collect();
    let wanted: Vec<String> = cases
        .iter()
        .map(|(what, _, expected)| format!("{what}: {expected}"))
        .collect();
    assert_eq!(got, wanted);
}

/// One incident as an export row says it, before any copy changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Content {
    /// Index into [`SERVICES`].
    service: usize,
    /// Index into [`SEVERITIES`].
    severity: usize,
    initial_severity: Option<usize>,
    opened: Instant,
    started: Option<Instant>,
    acknowledged: Option<Instant>,
    /// `None`: still open.
    resolved: Option<Instant>,
    disputed: bool,
}

impl Content {
    /// What the verdict on a repeated id compares: the cells as read (the service cell, not the
    /// service it routes to, so that the verdict is the same under any contract set).
    fn key(&self) -> impl PartialEq + use<> {
        (
            self.service,
            self.severity,
            self.initial_severity,
            (self.opened, self.started, self.acknowledged, self.resolved),
            self.disputed,
        )
    }
}

/// A change that makes a copy's content differ from the first row of its id.
#[derive(Debug, Clone, Copy)]
enum Change {
    ResolvedLater(i64),
    OpenOrClosed,
    Severity,
    AcknowledgedLater(i64),
    Disputed,
    Service,
    /// The other `api-*` spelling (or, for another service, another service): a cell that says
    /// otherwise, though it may route to the same service.
    Spelling,
}

/// A further row with the id of a generated incident.
#[derive(Debug, Clone, Copy)]
enum Repeat {
    /// The same cells, but for the title.
    Exact,
    /// The same content written otherwise: padded id and service, times at another offset, `yes`
    /// for `true`.
    Respelled,
    /// Different content.
    Changed(Change),
    /// A row rejected for a cell of its own, which takes no part in deciding its id.
    Invalid(Invalid),
}

/// Why a row is rejected for a cell of its own.
#[derive(Debug, Clone, Copy)]
enum Invalid {
    /// `P9`, which no severity matches.
    Severity,
    /// Resolved an hour before it was opened.
    ResolvedBefore,
    /// A title that is not UTF-8. The title is the last cell read, and only of rows that count:
    /// the row is moved into the first days of March if need be, so that it would count.
    Title,
}

fn content() -> impl Strategy<Value = Content> {
    (
        0..SERVICES.len(),
        0..SEVERITIES.len(),
        proptest::option::weighted(0.2, 0..SEVERITIES.len()),
        0..OPENING_MINUTES,
        proptest::option::weighted(0.3, 0_i64..90),
        proptest::option::weighted(0.85, 0_i64..60),
        proptest::option::weighted(0.8, 0_i64..3 * 24 * 60),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(
                service,
                severity,
                initial_severity,
                opened,
                started,
                acknowledged,
                resolved,
                disputed,
            )| {
                let opened = base() + opened * 60;
                Content {
                    service,
                    severity,
                    initial_severity,
                    opened,
                    started: started.map(|before| opened - before * 60),
                    acknowledged: acknowledged.map(|after| opened + after * 60),
                    resolved: resolved.map(|after| opened + after * 60),
                    disputed,
                }
            },
        )
}

fn repeat() -> impl Strategy<Value = Repeat> {
    let change = prop_oneof![
        (1_i64..600).prop_map(Change::ResolvedLater),
        Just(Change::OpenOrClosed),
        Just(Change::Severity),
        (1_i64..60).prop_map(Change::AcknowledgedLater),
        Just(Change::Disputed),
        Just(Change::Service),
        Just(Change::Spelling),
    ];
    prop_oneof![
        7 => Just(Repeat::Exact),
        5 => Just(Repeat::Respelled),
        6 => change.prop_map(Repeat::Changed),
        1 => Just(Repeat::Invalid(Invalid::Severity)),
        1 => Just(Repeat::Invalid(Invalid::ResolvedBefore)),
        1 => Just(Repeat::Invalid(Invalid::Title)),
    ]
}

/// An incident and the further rows with its id: mostly none, sometimes up to three.
fn incident() -> impl Strategy<Value = (Content, Vec<Repeat>)> {
    let copies = prop_oneof![
        10 => Just(Vec::new()),
        5 => proptest::collection::vec(repeat(), 1),
        4 => proptest::collection::vec(repeat(), 2..=3),
    ];
    (content(), copies)
}

/// One generated row: its incident, how it is written, and a tag of its own in its title.
#[derive(Debug, Clone)]
struct Generated {
    incident: usize,
    repeat: Option<Repeat>,
    content: Content,
    tag: usize,
}

impl Generated {
    fn id(&self) -> String {
        format!("T{}", self.incident)
    }

    /// What the row says once read (`None`: the row is rejected for a cell of its own).
    fn read_as(&self) -> Option<Content> {
        let mut content = self.content.clone();
        match self.repeat {
            None | Some(Repeat::Exact | Repeat::Respelled) => {}
            Some(Repeat::Invalid(_)) => return None,
            Some(Repeat::Changed(change)) => match change {
                Change::ResolvedLater(minutes) => {
                    content.resolved =
                        Some(content.resolved.unwrap_or(content.opened) + minutes * 60);
                }
                Change::OpenOrClosed => {
                    content.resolved = match content.resolved {
                        Some(_) => None,
                        None => Some(content.opened + 1_800),
                    };
                }
                Change::Severity => content.severity = (content.severity + 1) % SEVERITIES.len(),
                Change::AcknowledgedLater(minutes) => {
                    content.acknowledged =
                        Some(content.acknowledged.unwrap_or(content.opened) + minutes * 60);
                }
                Change::Disputed => content.disputed = !content.disputed,
                Change::Service => {
                    content.service = match ROUTED[content.service] {
                        0 => 3,
                        _ => 0,
                    };
                }
                Change::Spelling => {
                    content.service = match content.service {
                        1 => 2,
                        2 => 1,
                        other => (other + 1) % SERVICES.len(),
                    };
                }
            },
        }
        Some(content)
    }

    /// The row as a CSV record, with its line end.
    fn csv(&self) -> Vec<u8> {
        let respelled = matches!(self.repeat, Some(Repeat::Respelled));
        let content = match self.repeat {
            Some(Repeat::Invalid(Invalid::Title)) => surely_counted(&self.content),
            _ => self.read_as().unwrap_or_else(|| self.content.clone()),
        };
        let time = |instant: Instant| {
            let utc = DateTime::from_timestamp(instant, 0).expect("a test instant");
            if respelled {
                let offset = FixedOffset::east_opt(3_600).expect("one hour");
                utc.with_timezone(&offset)
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            } else {
                utc.to_rfc3339_opts(SecondsFormat::Secs, true)
            }
        };
        let optional = |instant: Option<Instant>| instant.map(time).unwrap_or_default();
        let (mut severity, mut resolved) =
            (SEVERITIES[content.severity], optional(content.resolved));
        match self.repeat {
            Some(Repeat::Invalid(Invalid::Severity)) => severity = "P9",
            Some(Repeat::Invalid(Invalid::ResolvedBefore)) => {
                resolved = time(content.opened - 3_600);
            }
            _ => {}
        }
        let (id, service) = if respelled {
            (
                format!(" {} ", self.id()),
                format!(" {} ", SERVICES[content.service]),
            )
        } else {
            (self.id(), SERVICES[content.service].to_owned())
        };
        let disputed = match (content.disputed, respelled) {
            (true, true) => "yes",
            (true, false) => "true",
            (false, true) => "no",
            (false, false) => "",
        };
        let title = match (self.repeat, self.tag % 4) {
            (Some(Repeat::Invalid(Invalid::Title)), _) => format!("#{} caf", self.tag),
            (_, 1) => format!("\"#{}, with a comma\"", self.tag),
            (_, 3) => format!("\"#{} over\ntwo lines\"", self.tag),
            _ => format!("#{} plain", self.tag),
        };
        let mut record = format!(
            "{id},{service},{severity},{},{},{},{resolved},{},{disputed},{title}",
            time(content.opened),
            optional(content.started),
            optional(content.acknowledged),
            content
                .initial_severity
                .map_or("", |severity| SEVERITIES[severity]),
        )
        .into_bytes();
        if matches!(self.repeat, Some(Repeat::Invalid(Invalid::Title))) {
            // `café` in Latin-1.
            record.push(0xe9);
        }
        record.push(b'\n');
        record
    }
}

/// `content`, moved whole (every time by the same amount) into 1 March 00:00 to 20 March 12:00
/// when it opened elsewhere: opened in March and before the earliest `--as-of` the property
/// asks for, it is relevant to every period asked for, so it would count.
fn surely_counted(content: &Content) -> Content {
    let parse = |text| {
        TimestampFormat::Rfc3339
            .parse(text)
            .expect("a test instant")
    };
    let (from, to) = (parse("2026-03-01T00:00:00Z"), parse("2026-03-20T12:00:00Z"));
    if (from..to).contains(&content.opened) {
        return content.clone();
    }
    let shift = from + (content.opened - base()).rem_euclid(to - from) - content.opened;
    let moved = |instant: Instant| instant + shift;
    Content {
        opened: moved(content.opened),
        started: content.started.map(moved),
        acknowledged: content.acknowledged.map(moved),
        resolved: content.resolved.map(moved),
        ..content.clone()
    }
}

/// The tag in a row's title.
fn tag_of(title: &str) -> usize {
    let digits: String = title
        .trim_start_matches('#')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("every title starts with its tag")
}

/// The rows of generated incidents, each incident's first row followed by its copies.
fn generated(incidents: &[(Content, Vec<Repeat>)]) -> Vec<Generated> {
    let mut rows = Vec::new();
    for (incident, (content, repeats)) in incidents.iter().enumerate() {
        for repeat in std::iter::once(None).chain(repeats.iter().copied().map(Some)) {
            rows.push(Generated {
                incident,
                repeat,
                content: content.clone(),
                tag: rows.len(),
            });
        }
    }
    rows
}

/// An export of `rows`: its bytes, and the line of each row.
fn export_of(rows: &[Generated]) -> (Vec<u8>, Vec<u64>) {
    let mut text = HEADER.as_bytes().to_vec();
    let mut lines = Vec::with_capacity(rows.len());
    let mut line = 2;
    for row in rows {
        lines.push(line);
        let record = row.csv();
        line += bytecount::count(&record, b'\n') as u64;
        text.extend_from_slice(&record);
    }
    (text, lines)
}

/// What design.md says becomes of a row, worked out from how the rows were generated.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    /// The first (or only) valid row of its id: counted, or excluded for a reason of its own.
    First,
    /// Excluded as a copy of the row on that line.
    DuplicateOf(u64),
    /// Rejected, naming the other copies' lines.
    Conflict(Vec<u64>),
    /// Rejected for a cell of its own.
    Invalid,
}

fn expected(rows: &[Generated], lines: &[u64]) -> Vec<Expected> {
    let mut verdicts = vec![Expected::First; rows.len()];
    let mut by_incident: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        if row.read_as().is_some() {
            by_incident.entry(row.incident).or_default().push(index);
        } else {
            verdicts[index] = Expected::Invalid;
        }
    }
    for copies in by_incident.values() {
        let contents: Vec<Content> = copies
            .iter()
            .map(|index| rows[*index].read_as().expect("valid rows only"))
            .collect();
        let identical = contents
            .iter()
            .all(|content| content.key() == contents[0].key());
        for (position, index) in copies.iter().enumerate() {
            verdicts[*index] = if identical && position == 0 {
                Expected::First
            } else if identical {
                Expected::DuplicateOf(lines[copies[0]])
            } else {
                Expected::Conflict(
                    copies
                        .iter()
                        .filter(|other| *other != index)
                        .map(|other| lines[*other])
                        .collect(),
                )
            };
        }
    }
    verdicts
}

/// Asserts the verdict on every row of `run` is the one design.md gives.
fn assert_verdicts_as_designed(run: &Run, rows: &[Generated], lines: &[u64]) {
    let outcomes = outcomes(run, lines);
    let accounting = &run.evaluation.incidents.rows;
    let mut duplicates: BTreeMap<u64, u64> = BTreeMap::new();
    let mut firsts_excluded = 0;
    for ((expected, outcome), line) in expected(rows, lines).iter().zip(&outcomes).zip(lines) {
        match (expected, outcome) {
            (Expected::First, Outcome::Counted) => {}
            (Expected::First, Outcome::Excluded) => firsts_excluded += 1,
            (Expected::DuplicateOf(first), Outcome::Excluded) => {
                *duplicates.entry(*first).or_default() += 1;
            }
            (Expected::Conflict(others), Outcome::Rejected { column, reason }) => {
                // One other copy is named: the first of the id's rows, or for the first the
                // next; more than one other is counted.
                let named = format!("{}:{}", run.name, others[0]);
                let which = if *line < others[0] { "next" } else { "first" };
                assert_eq!(column, "id", "line {line}");
                assert_eq!(
                    *reason,
                    match others.len() {
                        1 => format!("the same id appears with different content at {named}"),
                        count => format!(
                            "the same id appears with different content in {count} other rows, the {which} at {named}"
                        ),
                    },
                    "line {line}"
                );
            }
            (Expected::Invalid, Outcome::Rejected { column, .. }) => {
                assert!(
                    ["severity", "resolved", "title"].contains(&column.as_str()),
                    "line {line}: {column}"
                );
            }
            _ => panic!("line {line}: expected {expected:?}, got {outcome:?}"),
        }
    }
    let mut other_exclusions = 0;
    let mut duplicate_exclusions = BTreeMap::new();
    let prefix = format!("duplicate of the identical row at {}:", run.name);
    for exclusion in &accounting.excluded {
        match exclusion.reason.to_string().strip_prefix(&prefix) {
            Some(line) => {
                duplicate_exclusions.insert(line.parse::<u64>().expect("a line"), exclusion.rows);
            }
            None => other_exclusions += exclusion.rows,
        }
    }
    assert_eq!(
        duplicate_exclusions, duplicates,
        "duplicates by the row kept"
    );
    assert_eq!(
        other_exclusions, firsts_excluded,
        "rows excluded for their own reasons"
    );
    assert_eq!(
        accounting.counted + accounting.excluded_rows() + accounting.rejected_rows(),
        accounting.read
    );
    assert_eq!(accounting.read, rows.len() as u64);
}

/// Per incident: how many of its rows were counted, excluded and rejected, and which rows were
/// counted (by tag) when its id has one row that could count.
fn verdicts_by_incident(
    run: &Run,
    rows: &[Generated],
    lines: &[u64],
) -> BTreeMap<usize, ([usize; 3], Option<usize>)> {
    let counted: BTreeMap<u64, usize> = run
        .evaluation
        .incidents
        .incidents
        .iter()
        .map(|incident| (incident.line, tag_of(&incident.title)))
        .collect();
    let mut verdicts: BTreeMap<usize, ([usize; 3], Option<usize>)> = BTreeMap::new();
    for ((row, outcome), line) in rows.iter().zip(outcomes(run, lines)).zip(lines) {
        let (counts, counted_tag) = verdicts.entry(row.incident).or_default();
        let which = match outcome {
            Outcome::Counted => 0,
            Outcome::Excluded => 1,
            Outcome::Rejected { .. } => 2,
        };
        counts[which] += 1;
        if outcome == Outcome::Counted {
            assert_eq!(
                counted.get(line),
                Some(&row.tag),
                "line {line} keeps its title"
            );
            // The tag of the counted row is compared only when no identical copy could stand in
            // for it.
            let valid = rows
                .iter()
                .filter(|other| other.incident == row.incident && other.read_as().is_some())
                .count();
            *counted_tag = (valid == 1).then_some(row.tag);
        }
    }
    verdicts
}

/// A generated export, the order it is read in the second time, and how it is read.
#[derive(Debug, Clone)]
struct Case {
    rows: Vec<Generated>,
    shuffle: Vec<usize>,
    threads: usize,
    min_part: u64,
    two_months: bool,
    as_of: bool,
    credits_only: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(incident(), 1..14),
        2_usize..=4,
        1_u64..64,
        any::<bool>(),
        proptest::bool::weighted(0.25),
        proptest::bool::weighted(0.25),
    )
        .prop_flat_map(
            |(incidents, threads, min_part, two_months, as_of, credits_only)| {
                let rows = generated(&incidents);
                let count = rows.len();
                (
                    Just(rows).prop_shuffle(),
                    Just((0..count).collect::<Vec<usize>>()).prop_shuffle(),
                )
                    .prop_map(move |(rows, shuffle)| Case {
                        rows,
                        shuffle,
                        threads,
                        min_part,
                        two_months,
                        as_of,
                        credits_only,
                    })
            },
        )
}

/// Reads the case's export as generated and shuffled, each in one pass and in parallel parts,
/// and asserts what the property says.
fn check(case: &Case) {
    let contract = contract();
    let range = if case.two_months {
        "2026-03..2026-04"
    } else {
        "2026-03"
    };
    let ask = Ask {
        range: range.parse().expect("a test period"),
        as_of: case.as_of.then(|| {
            TimestampFormat::Rfc3339
                .parse("2026-03-20T12:00:00Z")
                .expect("a test instant")
        }),
        detail: if case.credits_only {
            calc::Detail::Credits
        } else {
            calc::Detail::Full
        },
    };
    let shuffled: Vec<Generated> = case
        .shuffle
        .iter()
        .map(|index| case.rows[*index].clone())
        .collect();
    let split_up = format!("{} threads, parts of {} bytes", case.threads, case.min_part);
    let mut runs = Vec::new();
    for rows in [&case.rows, &shuffled] {
        let (text, lines) = export_of(rows);
        let path = write("property", &text);
        let whole = run_file(&contract, &path, 1, 1, ask);
        let split = run_file(&contract, &path, case.threads, case.min_part, ask);
        drop(path);
        assert_verdicts_as_designed(&whole, rows, &lines);
        assert_same_run(&whole, &split, &split_up);
        assert_eq!(
            outcomes(&whole, &lines),
            outcomes(&split, &lines),
            "{split_up}"
        );
        let by_incident = verdicts_by_incident(&whole, rows, &lines);
        runs.push((whole, by_incident));
    }
    let (original, original_verdicts) = &runs[0];
    let (moved, moved_verdicts) = &runs[1];
    assert_eq!(original_verdicts, moved_verdicts, "verdicts by incident");
    assert_same_but_for_order(original, moved, "shuffled");
}

proptest! {
    // 48 cases of up to 13 incidents (about 12 rows) take about a second in a debug build.
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn verdicts_and_reports_do_not_depend_on_row_order_or_threads(case in case()) {
        check(&case);
    }
}

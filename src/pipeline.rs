//! The whole run after the contracts are loaded: plan the periods once, read the exports into
//! the calculation as they stream (binding each row to the contract set, or to two sets at once
//! for a comparison), then calculate the report. `cmd` resolves the command line into these
//! calls; nothing here prints.

use crate::calc;
use crate::contract::Contract;
use crate::error::Error;
use crate::incidents;
use crate::incidents::{Answer, Exceptions, ExclusionReason, Incident, Input, Sink, Source};
use crate::time::{Instant, PeriodRange};

/// A report with what it was calculated from, for explaining it.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The contract versions used, indexed by `Incident::contract`.
    pub contracts: Vec<Contract>,
    /// The incidents kept whole (those `Options::wanted` picks), and the row accounting.
    pub incidents: incidents::Incidents,
    /// The report.
    pub report: crate::calc::model::Report,
    /// The steps of each incident kept whole in each reported period (nothing when none is).
    pub steps: Vec<calc::IncidentPeriod>,
}

/// Reads the exports for the periods of `range` and calculates the report: see
/// [`evaluate_detailed`].
pub fn evaluate(
    contracts: &[Contract],
    inputs: Vec<Input>,
    source: &Source,
    range: PeriodRange,
    as_of: Option<Instant>,
    exceptions: &Exceptions,
) -> Result<crate::calc::model::Report, Error> {
    let options = Options {
        detail: calc::Detail::Full,
        threads: crate::parallel::cpus(),
        wanted: &|_, _| false,
    };
    evaluate_detailed(
        contracts,
        inputs,
        source,
        (range, as_of),
        exceptions,
        &options,
    )
    .map(|evaluation| evaluation.report)
}

/// Reads the exports for the periods of `range` and calculates the report: the whole pipeline
/// after the contracts are loaded. Contracts not in force in any period computed (the range and
/// the look-back their terms need) take no rows. Incidents named in `exceptions` are excluded; an
/// exception naming an id that no export contains is an error.
///
/// Rows are folded into the calculation as they are read: the evaluation keeps only the
/// incidents `options.wanted` picks (for explaining them).
pub fn evaluate_detailed(
    contracts: &[Contract],
    inputs: Vec<Input>,
    source: &Source,
    (range, as_of): (PeriodRange, Option<Instant>),
    exceptions: &Exceptions,
    options: &Options<'_>,
) -> Result<Evaluation, Error> {
    let in_force = calc::in_force(contracts, range);
    let binding = calc::Binding::new(&in_force, (range, as_of), options.detail, options.threads)
        .with_exceptions(exceptions);
    let sink = Evaluating {
        binding,
        contracts: &in_force,
        wanted: options.wanted,
        kept: incidents::Collect::default(),
    };
    let reading = incidents::read_into(inputs, source, sink)?;
    check_every_exception_read(exceptions, &reading.rows.rejected, |id| {
        reading.sink.binding.waived().contains(id)
    })?;
    let incidents::Reading { files, sink, rows } = reading;
    let report = sink.binding.report(&files, rows.clone());
    let kept = sink.kept.into_sorted();
    let steps = calc::incident_steps(&in_force, &report, &kept);
    Ok(Evaluation {
        steps,
        contracts: in_force,
        incidents: incidents::Incidents {
            files,
            incidents: kept,
            rows,
        },
        report,
    })
}

/// Reads the exports once and calculates two reports, one per contract set of `sides` (the
/// alternatives a comparison weighs: they may share contract and service ids). Each side routes
/// and judges every row on its own, as a run against it alone would, and each report is the one
/// such a run gives, but for the row accounting: both reports carry the accounting of the pair,
/// in which a row counts when either side counts it (see [`Pair`]), and the verdicts on repeated
/// ids are taken once for the pair. `exceptions` apply to both sides; an exception naming an id
/// that neither side read is an error.
pub fn evaluate_pair(
    sides: [&[Contract]; 2],
    inputs: Vec<Input>,
    source: &Source,
    (range, as_of): (PeriodRange, Option<Instant>),
    exceptions: &Exceptions,
    detail: calc::Detail,
    threads: usize,
) -> Result<[crate::calc::model::Report; 2], Error> {
    let [first, second] = sides.map(|contracts| calc::in_force(contracts, range));
    let binding = |contracts| {
        calc::Binding::new(contracts, (range, as_of), detail, threads).with_exceptions(exceptions)
    };
    let sink = Pair {
        first: binding(&first),
        second: binding(&second),
    };
    let reading = incidents::read_into(inputs, source, sink)?;
    let Pair { first, second } = &reading.sink;
    check_every_exception_read(exceptions, &reading.rows.rejected, |id| {
        first.waived().contains(id) || second.waived().contains(id)
    })?;
    let incidents::Reading { files, sink, rows } = reading;
    Ok([
        sink.first.report(&files, rows.clone()),
        sink.second.report(&files, rows),
    ])
}

/// A sink that hands every row to two sinks (one per contract set, for a comparison), each of
/// which answers and takes the row on its own. For the row accounting, which the reader keeps
/// once for both, the pair answers:
///
/// - counted, when either side counts the row;
/// - else excluded, for the first side's reason when it excludes the row, else the second's;
/// - else (both reject it) rejected, for the first side's reason.
///
/// Copies of repeated ids are taken back from both sides; each leaves alone a row it did not
/// count.
pub struct Pair<A, B> {
    /// The first side.
    pub first: A,
    /// The second side.
    pub second: B,
}

impl<A: Sink, B: Sink> Sink for Pair<A, B> {
    fn fresh(&self) -> Self {
        Self {
            first: self.first.fresh(),
            second: self.second.fresh(),
        }
    }

    fn row(&mut self, row: &incidents::Row<'_>) -> Answer {
        match (self.first.row(row), self.second.row(row)) {
            (Answer::Counted, _) | (_, Answer::Counted) => Answer::Counted,
            (Answer::Excluded(reason), _) | (Answer::Rejected(_), Answer::Excluded(reason)) => {
                Answer::Excluded(reason)
            }
            (rejected @ Answer::Rejected(_), Answer::Rejected(_)) => rejected,
        }
    }

    fn take_back(&mut self, rows: &[incidents::RowCopy]) {
        self.first.take_back(rows);
        self.second.take_back(rows);
    }

    fn shift_lines(&mut self, lines: u64) {
        self.first.shift_lines(lines);
        self.second.shift_lines(lines);
    }

    fn join(&mut self, other: Self) {
        self.first.join(other.first);
        self.second.join(other.second);
    }
}

/// Decides, for a routed incident and its id, whether it belongs in the calculation (`Ok`) or is
/// excluded (`Err(reason)`). Parts of a file read in parallel call it from several threads.
pub type Keep<'a> = dyn Fn(&Incident, &str) -> Result<(), ExclusionReason> + Sync + 'a;

/// Reads every export in order, routes each row to `contracts` and keeps every incident `keep`
/// counts, in order of contract, service, id and row (for callers that want the incidents
/// themselves; [`evaluate_detailed`] folds them as they come instead).
///
/// # Errors
/// When an export cannot be read, or its header lacks a column the source needs.
pub fn read_incidents(
    inputs: Vec<Input>,
    source: &Source,
    contracts: &[Contract],
    keep: &Keep<'_>,
) -> Result<incidents::Incidents, Error> {
    let sink = Collecting {
        router: calc::Router::new(contracts),
        keep,
        kept: incidents::Collect::default(),
    };
    let reading = incidents::read_into(inputs, source, sink)?;
    Ok(incidents::Incidents {
        files: reading.files,
        incidents: reading.sink.kept.into_sorted(),
        rows: reading.rows,
    })
}

/// The sink of [`read_incidents`]: each row routed, judged by `keep`, and kept.
#[derive(Clone)]
struct Collecting<'a> {
    router: calc::Router<'a>,
    keep: &'a Keep<'a>,
    kept: incidents::Collect,
}

impl Sink for Collecting<'_> {
    fn fresh(&self) -> Self {
        Self {
            router: self.router.clone(),
            keep: self.keep,
            kept: incidents::Collect::default(),
        }
    }

    fn row(&mut self, row: &incidents::Row<'_>) -> Answer {
        let incident = match self.router.route(row) {
            Ok(incident) => incident,
            Err(fault) => return Answer::Rejected(fault),
        };
        if let Err(reason) = (self.keep)(&incident, row.id) {
            return Answer::Excluded(reason);
        }
        match row.title() {
            Ok(title) => {
                self.kept.take(&incident, title);
                Answer::Counted
            }
            Err(fault) => Answer::Rejected(fault),
        }
    }

    fn take_back(&mut self, rows: &[incidents::RowCopy]) {
        self.kept.take_back(rows);
    }

    fn shift_lines(&mut self, lines: u64) {
        self.kept.shift_lines(lines);
    }

    fn join(&mut self, other: Self) {
        self.kept.join(other.kept);
    }
}

/// An error naming the exceptions whose incident is in no export read (`seen` tells the ids
/// that were): almost certainly typos. An exception whose incident is only in rejected rows says
/// so, and names the rejection: the row, not the exception, needs correcting.
fn check_every_exception_read(
    exceptions: &Exceptions,
    rejected: &[incidents::Rejection],
    seen: impl Fn(&str) -> bool,
) -> Result<(), Error> {
    let mut unknown: Vec<&incidents::Exception> = exceptions
        .by_incident
        .values()
        .filter(|exception| !seen(&exception.incident))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort_by_key(|exception| exception.line);
    let mut all_unread = true;
    let lines: Vec<String> = unknown
        .iter()
        .map(|exception| {
            let place = format!("{}:{}", exceptions.file, exception.line);
            let id = &exception.incident;
            let mut rows = rejected
                .iter()
                .filter(|rejection| rejection.id.as_deref() == Some(id.as_str()));
            let Some(first) = rows.next() else {
                return format!("{place}: incident `{id}` is in no incident export read");
            };
            all_unread = false;
            let more = match rows.count() {
                0 => String::new(),
                others => format!(" (and {others} more of its rows)"),
            };
            format!(
                "{place}: incident `{id}` is only in rejected rows, so there is nothing to waive: {first}{more}"
            )
        })
        .collect();
    let heading = if all_unread {
        "unknown incidents in the exceptions file"
    } else {
        "exceptions that waive no incident counted"
    };
    Err(Error::Usage(format!(
        "{heading}:\n  {}",
        lines.join("\n  ")
    )))
}

/// How an evaluation runs: how much of the targets not met the report keeps, and which
/// incidents are kept whole beside it.
pub struct Options<'a> {
    /// How much of the targets not met the report keeps.
    pub detail: calc::Detail,
    /// The most threads the calculation runs on (reading takes each input's own count).
    pub threads: usize,
    /// Which incidents to keep whole (for `explain`), given each with its contract version.
    pub wanted: &'a Wanted<'a>,
}

/// Picks incidents to keep whole beside a report.
pub type Wanted<'a> = dyn Fn(&Contract, &Incident) -> bool + Sync + 'a;

/// The sink of an evaluation: every row bound to the contract set, and the wanted incidents
/// kept whole.
struct Evaluating<'a> {
    binding: calc::Binding<'a>,
    contracts: &'a [Contract],
    wanted: &'a Wanted<'a>,
    kept: incidents::Collect,
}

impl Sink for Evaluating<'_> {
    fn fresh(&self) -> Self {
        Self {
            binding: self.binding.fresh(),
            contracts: self.contracts,
            wanted: self.wanted,
            kept: incidents::Collect::default(),
        }
    }

    fn row(&mut self, row: &incidents::Row<'_>) -> Answer {
        let incident = match self.binding.judge(row) {
            Ok(incident) => incident,
            Err(answer) => return answer,
        };
        let title = match row.title() {
            Ok(title) => title,
            Err(fault) => return Answer::Rejected(fault),
        };
        self.binding.take(&incident, title);
        if (self.wanted)(&self.contracts[usize::from(incident.contract)], &incident) {
            self.kept.take(&incident, title);
        }
        Answer::Counted
    }

    fn take_back(&mut self, rows: &[incidents::RowCopy]) {
        self.binding.take_back(rows);
        self.kept.take_back(rows);
    }

    fn shift_lines(&mut self, lines: u64) {
        self.binding.shift_lines(lines);
        self.kept.shift_lines(lines);
    }

    fn join(&mut self, other: Self) {
        self.binding.join(other.binding);
        self.kept.join(other.kept);
    }
}

/// `dry-run`: evaluates a checked contract on its first period with no incidents, so anything that
/// would fail at calculation time fails in validation instead.
pub fn check_dry_run(contract: &Contract) -> Vec<crate::error::Diagnostic> {
    let spec = crate::time::PeriodSpec::containing(contract.effective_from, contract.period);
    let run = std::panic::catch_unwind(|| {
        calc::calculate(
            std::slice::from_ref(contract),
            &incidents::Incidents::default(),
            crate::time::PeriodRange::single(spec),
            None,
            calc::Detail::Full,
        )
    });
    match run {
        Ok(_) => Vec::new(),
        Err(cause) => {
            let reason = cause
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| cause.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "an internal error".to_owned());
            vec![
                crate::error::Diagnostic::error(
                    "dry-run",
                    contract.id_location.clone(),
                    "",
                    format!("evaluating {spec} with no incidents failed: {reason}"),
                )
                .with_hint("this is a slacredit bug; please report it with the contract"),
            ]
        }
    }
}

/// Reads the exports once for the billing periods of `range` and makes the scorecard: every
/// incident is folded both into the calculation (for the credits, after caps) and into the
/// scorecard's own tally, viewed `by` month, quarter or year (each contract's own period when
/// `None`). Rows are routed, kept, excluded and checked against `exceptions` as
/// [`evaluate_detailed`] does.
pub fn evaluate_scorecard(
    contracts: &[Contract],
    inputs: Vec<Input>,
    source: &Source,
    (range, as_of): (PeriodRange, Option<Instant>),
    exceptions: &Exceptions,
    (by, threads): (Option<calc::scorecard::ViewKind>, usize),
) -> Result<calc::scorecard::Scorecard, Error> {
    let in_force = calc::in_force(contracts, range);
    let binding = calc::Binding::new(&in_force, (range, as_of), calc::Detail::Credits, threads)
        .with_exceptions(exceptions);
    let sink = Scoring {
        binding,
        tally: calc::scorecard::ScorecardTally::new(&in_force, (range, as_of), by),
    };
    let reading = incidents::read_into(inputs, source, sink)?;
    check_every_exception_read(exceptions, &reading.rows.rejected, |id| {
        reading.sink.binding.waived().contains(id)
    })?;
    let incidents::Reading { files, sink, rows } = reading;
    let report = sink.binding.report(&files, rows);
    Ok(sink.tally.finish(&report))
}

/// The sink of a scorecard: every row bound to the contract set, and each counted incident
/// folded into the calculation (for the credits) and into the scorecard's tally.
struct Scoring<'a> {
    binding: calc::Binding<'a>,
    tally: calc::scorecard::ScorecardTally<'a>,
}

impl Sink for Scoring<'_> {
    fn fresh(&self) -> Self {
        Self {
            binding: self.binding.fresh(),
            tally: self.tally.fresh(),
        }
    }

    fn row(&mut self, row: &incidents::Row<'_>) -> Answer {
        let incident = match self.binding.judge(row) {
            Ok(incident) => incident,
            Err(answer) => return answer,
        };
        let title = match row.title() {
            Ok(title) => title,
            Err(fault) => return Answer::Rejected(fault),
        };
        self.binding.take(&incident, title);
        self.tally.take(&incident);
        Answer::Counted
    }

    fn take_back(&mut self, rows: &[incidents::RowCopy]) {
        // The copies the binding counted, routed again as they were when taken.
        let mut counted = Vec::new();
        for copy in rows {
            if let Ok(incident) = self.binding.judge(&copy.row()) {
                counted.push(incident);
            }
        }
        self.binding.take_back(rows);
        self.tally.take_back(&counted);
    }

    fn shift_lines(&mut self, lines: u64) {
        self.binding.shift_lines(lines);
        self.tally.shift_lines(lines);
    }

    fn join(&mut self, other: Self) {
        self.binding.join(other.binding);
        self.tally.join(other.tally);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::model::Report;
    use crate::contract::load_contract_text;
    use crate::incidents::{Fault, Field, Row, RowCopy};

    /// Side A: web and api. Side B: the same contract id and service ids with other fees,
    /// targets and prices, and a `mail` service only B has.
    const SIDE_A: &str = r"
id: CMP
title: Side A
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: web, match: [web], fee: 1000.00, availability: { target: 99.9 } }
  - { id: api, match: ['api-*'], fee: 2000.00, availability: { target: 99.5 } }
severities:
  - { id: sev1, match: [P1], downtime: 1.0, respond: { within: 15m }, resolve: { within: 4h } }
  - { id: sev2, match: [P2], downtime: 0, resolve: { within: 1d } }
credits:
  rules:
    - id: availability
      kind: availability
      bands:
        - { below: 99.9, credit: 10% }
    - { id: response, kind: per_breach, target: respond, credit: 20.00 }
";

    const SIDE_B: &str = r"
id: CMP
title: Side B
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: web, match: [web], fee: 3000.00, availability: { target: 99.5 } }
  - { id: api, match: ['api-*'], fee: 2000.00, availability: { target: 99.9 } }
  - { id: mail, match: [mail], fee: 500.00, availability: { target: 99.9 } }
severities:
  - { id: sev1, match: [P1], downtime: 1.0, respond: { within: 30m }, resolve: { within: 2h } }
  - { id: sev2, match: [P2], downtime: 0, resolve: { within: 1d } }
credits:
  rules:
    - id: availability
      kind: availability
      bands:
        - { below: 99.9, credit: 25% }
    - { id: response, kind: per_breach, target: respond, credit: 50.00 }
";

    const HEADER: &str = "id,service,severity,opened,acknowledged,resolved,title\n";

    /// Web down 10:00 to 12:00 on 10 March, acknowledged after 20 minutes; api-eu down 08:00 to
    /// 14:30 on 12 March, acknowledged after 40 minutes; a sev2 on web; a copy of W1; a row
    /// opened in April (excluded under both sides).
    const ROWS: &str = "\
W1,web,P1,2026-03-10T10:00:00Z,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,Web down
A1,api-eu,P1,2026-03-12T08:00:00Z,2026-03-12T08:40:00Z,2026-03-12T14:30:00Z,API down
W2,web,P2,2026-03-20T09:00:00Z,2026-03-20T09:05:00Z,2026-03-20T10:00:00Z,Slow pages
W1,web,P1,2026-03-10T10:00:00Z,2026-03-10T10:20:00Z,2026-03-10T12:00:00Z,Web down again
L1,web,P1,2026-04-02T10:00:00Z,,,Later
";

    /// Mail down 09:00 to 11:00 on 5 March: only side B has a `mail` service.
    const MAIL_ROW: &str =
        "M1,mail,P1,2026-03-05T09:00:00Z,2026-03-05T09:10:00Z,2026-03-05T11:00:00Z,Mail down\n";

    fn side(text: &str) -> Contract {
        load_contract_text("cmp.yaml", text)
            .unwrap_or_else(|problems| panic!("the test contract loads: {problems:#?}"))
    }

    fn input(text: &str) -> Input {
        Input::stream("export.csv", std::io::Cursor::new(text.as_bytes().to_vec()))
    }

    fn march() -> (PeriodRange, Option<Instant>) {
        ("2026-03".parse().expect("a test period"), None)
    }

    fn json(report: &Report) -> serde_json::Value {
        let mut bytes = Vec::new();
        crate::report::write_json(&mut bytes, report).expect("JSON is written");
        serde_json::from_slice(&bytes).expect("JSON reads back")
    }

    /// The report of a run against `contracts` alone.
    fn alone(contracts: &Contract, text: &str) -> Report {
        evaluate(
            std::slice::from_ref(contracts),
            vec![input(text)],
            &Source::generic(),
            march().0,
            None,
            &Exceptions::default(),
        )
        .expect("the evaluation succeeds")
    }

    fn pair(a: &Contract, b: &Contract, text: &str) -> [Report; 2] {
        evaluate_pair(
            [std::slice::from_ref(a), std::slice::from_ref(b)],
            vec![input(text)],
            &Source::generic(),
            march(),
            &Exceptions::default(),
            calc::Detail::Full,
            2,
        )
        .expect("the evaluation succeeds")
    }

    #[test]
    fn one_reading_bound_to_two_contract_sets_gives_each_side_its_own_report() {
        let (a, b) = (side(SIDE_A), side(SIDE_B));
        let text = format!("{HEADER}{ROWS}");
        let [first, second] = pair(&a, &b, &text);
        assert_eq!(json(&first), json(&alone(&a, &text)));
        assert_eq!(json(&second), json(&alone(&b, &text)));
        // Both sides read the rows alike: 5 read, W1, A1 and W2 counted, W1's copy excluded as
        // a duplicate, L1 opened after March.
        assert_eq!(first.rows.read, 5);
        assert_eq!(first.rows.counted, 3);
        assert_eq!(first.rows.excluded_rows(), 2);
        // Web (W1) is down 7,200 s of March's 2,678,400 s: 99.7312 %, below the 99.9 band of
        // both sides. Under A: 10 % of 1,000.00 = 100.00, and acknowledged after 20 minutes of
        // 15 → 20.00. Under B: 25 % of 3,000.00 = 750.00; 20 minutes is within B's 30.
        let web = |report: &Report| {
            let lines: Vec<(String, String)> = report
                .credit_lines()
                .filter(|line| line.service == "web")
                .map(|line| (line.rule.clone(), line.amount.to_string()))
                .collect();
            lines
        };
        assert_eq!(
            web(&first),
            [
                ("availability".to_owned(), "100.00".to_owned()),
                ("response".to_owned(), "20.00".to_owned())
            ]
        );
        assert_eq!(
            web(&second),
            [("availability".to_owned(), "750.00".to_owned())]
        );
    }

    #[test]
    fn a_row_of_a_service_only_one_side_has_counts_for_the_pair_and_that_side() {
        let (a, b) = (side(SIDE_A), side(SIDE_B));
        let text = format!("{HEADER}{MAIL_ROW}{ROWS}");
        let [first, second] = pair(&a, &b, &text);
        let (solo_a, solo_b) = (alone(&a, &text), alone(&b, &text));
        // Side A alone rejects M1 (line 2); B counts it, so the pair counts it: 4 counted.
        assert_eq!(solo_a.rows.counted, 3);
        let rejected: Vec<String> = solo_a
            .rows
            .rejected
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            rejected,
            [
                "export.csv:2: column `service` value `mail` matches no service of contract CMP; add it to a service's `match` list, or alias it with `values:` under `fields.service` in a mapping file (docs/sources.md)"
            ]
        );
        assert_eq!(first.rows.counted, 4);
        assert!(first.rows.rejected.is_empty());
        assert_eq!(first.rows, second.rows);
        // B counts every row A counts and M1: its report is the one B alone gives.
        assert_eq!(json(&second), json(&solo_b));
        // A's figures are those of A alone; only the accounting is the pair's.
        assert_eq!(json(&first)["contracts"], json(&solo_a)["contracts"]);
        // Mail under B: down 09:00 to 11:00 = 7,200 s of 2,678,400 s = 99.7312 % < 99.9 →
        // 25 % of 500.00 = 125.00.
        let mail = second.contracts[0]
            .services
            .iter()
            .find(|summary| summary.service == "mail")
            .expect("B has mail");
        assert_eq!((mail.incidents, mail.downtime_seconds), (1, 7_200));
        assert!(
            second
                .credit_lines()
                .any(|line| line.service == "mail" && line.amount.to_string() == "125.00")
        );
    }

    /// A sink that answers by a fixed rule and takes nothing.
    struct Rule(fn(&Row<'_>) -> Answer);

    impl Sink for Rule {
        fn fresh(&self) -> Self {
            Self(self.0)
        }

        fn row(&mut self, row: &Row<'_>) -> Answer {
            (self.0)(row)
        }

        fn take_back(&mut self, _: &[RowCopy]) {}

        fn shift_lines(&mut self, _: u64) {}

        fn join(&mut self, _: Self) {}
    }

    fn reject(row: &Row<'_>, why: &str) -> Answer {
        Answer::Rejected(Box::new(Fault {
            field: Field::Service,
            value: row.service.to_owned(),
            reason: why.to_owned(),
        }))
    }

    #[test]
    fn the_pair_counts_what_either_side_counts_and_else_gives_the_first_sides_reason() {
        // By service: `web` A counts, B rejects; `api-eu` A excludes, B counts; `mail` A
        // rejects, B excludes; `ftp` both reject; W2 (web) and L1 (web) as W1.
        let first = Rule(|row| match row.service {
            "web" => Answer::Counted,
            "api-eu" => Answer::Excluded(ExclusionReason::Other("A excludes")),
            "mail" => reject(row, "A rejects"),
            _ => reject(row, "A rejects too"),
        });
        let second = Rule(|row| match row.service {
            "web" => reject(row, "B rejects"),
            "api-eu" => Answer::Counted,
            "mail" => Answer::Excluded(ExclusionReason::Other("B excludes")),
            _ => reject(row, "B rejects too"),
        });
        let text = format!(
            "{HEADER}W1,web,P1,2026-03-10T10:00:00Z,,,\n\
             A1,api-eu,P1,2026-03-10T10:00:00Z,,,\n\
             M1,mail,P1,2026-03-10T10:00:00Z,,,\n\
             F1,ftp,P1,2026-03-10T10:00:00Z,,,\n"
        );
        let reading = incidents::read_into(
            vec![input(&text)],
            &Source::generic(),
            Pair { first, second },
        )
        .expect("reads");
        let rows = reading.rows;
        assert_eq!((rows.read, rows.counted), (4, 2));
        let excluded: Vec<String> = rows
            .excluded
            .iter()
            .map(|exclusion| format!("{} x {}", exclusion.rows, exclusion.reason))
            .collect();
        assert_eq!(excluded, ["1 x B excludes"]);
        let rejected: Vec<String> = rows.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(
            rejected,
            ["export.csv:5: column `service` value `ftp` A rejects too"]
        );
    }
}

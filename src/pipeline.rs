//! The whole run after the contracts are loaded: plan the periods once, read the exports into
//! the calculation as they stream (binding each row to the contract set), then calculate the
//! report. `cmd` resolves the command line into these calls; nothing here prints.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::calc;
use crate::contract::Contract;
use crate::error::Error;
use crate::incidents;
use crate::incidents::{Exceptions, Input, Sink, Source};
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
    let binding = calc::Binding::new(&in_force, (range, as_of), options.detail, options.threads);
    // Exceptions that name a row read; parts of one export are read on several threads.
    let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let keep = |incident: &incidents::Incident, id: &str| {
        let waived = exceptions.by_incident.contains_key(id);
        if waived {
            seen.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(id.to_owned());
        }
        binding.relevance(incident)?;
        if waived {
            Err(incidents::ExclusionReason::SignedOff)
        } else {
            Ok(())
        }
    };
    let sink = Evaluating {
        binding: binding.fresh(),
        contracts: &in_force,
        wanted: options.wanted,
        kept: incidents::Collect::default(),
    };
    let reading = incidents::read_into(inputs, source, &in_force, &keep, sink)?;
    let seen = seen
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    check_every_exception_read(exceptions, &seen)?;
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

/// An error naming the exceptions whose incident is in no export read (`seen` holds the ids
/// that were): almost certainly typos.
fn check_every_exception_read(
    exceptions: &Exceptions,
    seen: &HashSet<String>,
) -> Result<(), Error> {
    let mut unknown: Vec<&incidents::Exception> = exceptions
        .by_incident
        .values()
        .filter(|exception| !seen.contains(&exception.incident))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort_by_key(|exception| exception.line);
    let lines: Vec<String> = unknown
        .iter()
        .map(|exception| {
            format!(
                "{}:{}: incident `{}` is in no incident export read",
                exceptions.file, exception.line, exception.incident
            )
        })
        .collect();
    Err(Error::Usage(format!(
        "unknown incidents in the exceptions file:\n  {}",
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
pub type Wanted<'a> = dyn Fn(&Contract, &incidents::Incident) -> bool + Sync + 'a;

/// The sink of an evaluation: every incident folded into the calculation, and the wanted ones
/// kept whole.
struct Evaluating<'a> {
    binding: calc::Binding<'a>,
    contracts: &'a [Contract],
    wanted: &'a Wanted<'a>,
    kept: incidents::Collect,
}

impl incidents::Sink for Evaluating<'_> {
    fn fresh(&self) -> Self {
        Self {
            binding: self.binding.fresh(),
            contracts: self.contracts,
            wanted: self.wanted,
            kept: incidents::Collect::default(),
        }
    }

    fn take(&mut self, incident: &incidents::Incident, title: &str) {
        self.binding.take(incident, title);
        if (self.wanted)(&self.contracts[usize::from(incident.contract)], incident) {
            self.kept.take(incident, title);
        }
    }

    fn take_back(&mut self, taken: &[incidents::Incident]) {
        self.binding.take_back(taken);
        self.kept.take_back(taken);
    }

    fn shift_lines(&mut self, lines: u32) {
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
/// `None`). Rows are kept, excluded and checked against `exceptions` as [`evaluate_detailed`]
/// does.
pub fn evaluate_scorecard(
    contracts: &[Contract],
    inputs: Vec<Input>,
    source: &Source,
    (range, as_of): (PeriodRange, Option<Instant>),
    exceptions: &Exceptions,
    (by, threads): (Option<calc::scorecard::ViewKind>, usize),
) -> Result<calc::scorecard::Scorecard, Error> {
    let in_force = calc::in_force(contracts, range);
    let binding = calc::Binding::new(&in_force, (range, as_of), calc::Detail::Credits, threads);
    let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let keep = |incident: &incidents::Incident, id: &str| {
        let waived = exceptions.by_incident.contains_key(id);
        if waived {
            seen.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(id.to_owned());
        }
        binding.relevance(incident)?;
        if waived {
            Err(incidents::ExclusionReason::SignedOff)
        } else {
            Ok(())
        }
    };
    let sink = Scoring {
        binding: binding.fresh(),
        tally: calc::scorecard::ScorecardTally::new(&in_force, (range, as_of), by),
    };
    let reading = incidents::read_into(inputs, source, &in_force, &keep, sink)?;
    let seen = seen
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    check_every_exception_read(exceptions, &seen)?;
    let incidents::Reading { files, sink, rows } = reading;
    let report = sink.binding.report(&files, rows);
    Ok(sink.tally.finish(&report))
}

/// The sink of a scorecard: every incident folded into the calculation (for the credits) and
/// into the scorecard's tally.
struct Scoring<'a> {
    binding: calc::Binding<'a>,
    tally: calc::scorecard::ScorecardTally<'a>,
}

impl incidents::Sink for Scoring<'_> {
    fn fresh(&self) -> Self {
        Self {
            binding: self.binding.fresh(),
            tally: self.tally.fresh(),
        }
    }

    fn take(&mut self, incident: &incidents::Incident, title: &str) {
        self.binding.take(incident, title);
        self.tally.take(incident);
    }

    fn take_back(&mut self, taken: &[incidents::Incident]) {
        self.binding.take_back(taken);
        self.tally.take_back(taken);
    }

    fn shift_lines(&mut self, lines: u32) {
        self.binding.shift_lines(lines);
        self.tally.shift_lines(lines);
    }

    fn join(&mut self, other: Self) {
        self.binding.join(other.binding);
        self.tally.join(other.tally);
    }
}

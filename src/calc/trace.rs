//! The trace `explain` renders: what the calculation decided for an incident or a service in each
//! reported period, as typed steps (versions and services by index, instants, seconds,
//! `Decimal`s). The renderer looks these up and formats them; it decides nothing itself.
//!
//! Each reported period records how it was judged ([`PeriodTrace`]) as the report is made. The
//! steps of single incidents ([`IncidentPeriod`]) are recorded only for the incidents kept whole
//! beside a report (the ones `explain` asks for), with the same functions the tallies judge with,
//! so a run that keeps none pays nothing for them.

use std::borrow::Cow;

use super::model::Report;
use super::{Judgement, Scope, Status, judge, outage, rename};
use crate::contract::{Contract, DisputedPolicy, TargetKind};
use crate::incidents::Incident;
use crate::money::Decimal;
use crate::time::{Instant, Seconds};

/// How one reported period of a contract was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTrace {
    /// Index of the contract version in force for the period (the plan's choice: the version in
    /// force at the period's start), among the contracts the report was calculated with.
    pub version: usize,
    /// The period and the instant open incidents were judged at.
    pub scope: Scope,
    /// Per service of that version, by index: availability in percent, exactly
    /// (`(measured − weighted downtime) / measured × 100`, unrounded), as bands and targets
    /// decide on it.
    pub availability: Vec<Decimal>,
}

/// One kept incident in one reported period of the contract it was routed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentPeriod {
    /// Index of the incident among the incidents kept.
    pub incident: usize,
    /// Index of the period among the report's contract-periods.
    pub period: usize,
    /// Index of the version whose terms judge the incident's targets: the one it was routed to
    /// (opened under), which may be older than the period's.
    pub terms: usize,
    /// Each target of its severity that applies, judged at the period's judging instant.
    pub targets: Vec<TargetStep>,
    /// The service, severity and outage as the period's version counts them; `None` when that
    /// version has no service or severity of the incident's id, so nothing of it counts there.
    pub counted: Option<Counted>,
}

/// One target of an incident, judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetStep {
    /// Allowed time, in the target's calendar.
    pub within: Seconds,
    /// Index of the target's calendar in the terms' version.
    pub calendar: usize,
    /// Contract line of the target.
    pub line: u32,
    /// The verdict: deadline, time taken, status.
    pub verdict: Judgement,
    /// How far past the allowed time it went, when breached (else 0).
    pub over_by: Seconds,
    /// Whether the deadline falls in the period (else the target is judged in the period
    /// holding its deadline).
    pub due_in_period: bool,
}

/// An incident as the period's version names it, and the downtime it adds there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Index of its service in the period's version.
    pub service: usize,
    /// Index of its severity in the period's version.
    pub severity: usize,
    /// Its outage clipped to the period, when its severity counts as downtime and the clipped
    /// outage is not empty.
    pub outage: Option<Clipped>,
    /// Whether its outage (unclipped) overlaps the measured time: it is one of the service's
    /// outage rows for the period.
    pub outage_row: bool,
    /// Whether it is held out of credits and downtime (disputed, while disputes are pending).
    pub held: bool,
}

/// The steps of every kept incident in every reported period of its contract, in period order,
/// then in the order the incidents are kept.
pub fn incident_steps(
    contracts: &[Contract],
    report: &Report,
    incidents: &[Incident],
) -> Vec<IncidentPeriod> {
    let mut steps = Vec::new();
    if incidents.is_empty() {
        return steps;
    }
    for (period, contract_report) in report.contracts.iter().enumerate() {
        let PeriodTrace { version, scope, .. } = contract_report.trace;
        let judging = &contracts[version];
        for (index, incident) in incidents.iter().enumerate() {
            let terms = usize::from(incident.contract);
            let routed_to = &contracts[terms];
            if routed_to.id != judging.id {
                continue;
            }
            let renamed = if terms == version {
                Some(Cow::Borrowed(incident))
            } else {
                rename(routed_to, judging, version, incident).map(Cow::Owned)
            };
            steps.push(IncidentPeriod {
                incident: index,
                period,
                terms,
                targets: target_steps(routed_to, incident, scope),
                counted: renamed.map(|copy| counted(judging, &copy, scope)),
            });
        }
    }
    steps
}

/// Every target of `incident` under the terms of `contract`, judged in `scope`.
fn target_steps(contract: &Contract, incident: &Incident, scope: Scope) -> Vec<TargetStep> {
    TargetKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let target = contract.target(usize::from(incident.severity), kind)?;
            let calendar = &contract.calendars[target.calendar].calendar;
            let verdict = judge(incident, kind, target, calendar, scope.as_of)?;
            Some(TargetStep {
                within: target.within,
                calendar: target.calendar,
                line: target.line,
                verdict,
                over_by: if verdict.status == Status::Breached {
                    verdict.actual - verdict.allowed
                } else {
                    0
                },
                due_in_period: scope.period.contains(verdict.deadline),
            })
        })
        .collect()
}

/// An outage clipped to a period: `[start, end)`, its length and its severity's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clipped {
    /// Start (inclusive).
    pub start: Instant,
    /// End (exclusive).
    pub end: Instant,
    /// `end − start`.
    pub seconds: Seconds,
    /// The weight its downtime counts at.
    pub weight: Decimal,
}

/// `incident`, named as `contract` (the period's version) names it, counted in `scope`.
fn counted(contract: &Contract, incident: &Incident, scope: Scope) -> Counted {
    let whole = outage(contract, incident, scope);
    Counted {
        service: usize::from(incident.service),
        severity: usize::from(incident.severity),
        outage: whole.and_then(|whole| {
            let (start, end) = (
                whole.start.max(scope.period.start),
                whole.end.min(scope.period.end),
            );
            (start < end).then_some(Clipped {
                start,
                end,
                seconds: end - start,
                weight: whole.weight,
            })
        }),
        outage_row: whole.is_some()
            && incident.outage_start() < scope.measured_end()
            && incident
                .resolved
                .is_none_or(|resolved| resolved > scope.period.start),
        held: incident.disputed && contract.exclusions.disputed == DisputedPolicy::Pending,
    }
}

//! The pure calculation: contracts + incidents + period + "now" → the report model.
//! No I/O, no clock, no `f64`.

mod availability;
mod breach;
mod credits;

use crate::contract::{Contract, Denominator, DisputedPolicy, Maintenance, TargetKind};
use crate::incidents::{Incident, Incidents};
use crate::money::Decimal;
use crate::report::{
    BreachRow, ContractReport, CreditLine, DisputedIncident, Finding, Report, ServiceSummary,
    TargetCounts,
};
use crate::time::{
    Instant, Period, PeriodSpec, Seconds, format_instant, merge_intervals, subtract,
};

pub use availability::{Downtime, Outage, availability_percent, clip_to_open, downtime};
pub use breach::{Judgement, Status, judge};
pub use credits::{ServiceFacts, apply_contract_limits, service_credit_lines};

/// The period a contract is judged for, and the instant open incidents are judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// The period `[start, end)` in the contract's zone.
    pub period: Period,
    /// "Now": `--as-of` or, by default, the period end.
    pub as_of: Instant,
}

impl Scope {
    /// The scope of `contract` for month `spec`.
    pub fn new(contract: &Contract, spec: PeriodSpec, as_of: Option<Instant>) -> Self {
        let period = spec.in_zone(contract.timezone);
        Self {
            period,
            as_of: as_of.unwrap_or(period.end),
        }
    }

    /// The end of what can be measured: the period end, or `as_of` if earlier.
    pub fn measured_end(self) -> Instant {
        self.period.end.min(self.as_of).max(self.period.start)
    }
}

/// Whether an incident matters to the period: opened in it, an outage inside it, or a target
/// due inside it.
/// `Err` carries the reason it is excluded.
pub fn relevance(
    contract: &Contract,
    scope: Scope,
    incident: &Incident,
) -> Result<(), &'static str> {
    if incident.opened >= scope.period.end {
        return Err("opened after the period");
    }
    if incident.opened > scope.as_of {
        return Err("opened after --as-of");
    }
    if incident.excluded_cause {
        return Err("cause listed in the contract's exclusions.causes");
    }
    let severity = &contract.severities[usize::from(incident.severity)];
    let outage_in_period = (severity.downtime_weight > Decimal::ZERO || incident.maintenance)
        && incident.outage_start() < scope.measured_end()
        && incident
            .resolved
            .is_none_or(|resolved| resolved > scope.period.start);
    let due_in_period = !incident.maintenance
        && TargetKind::ALL
            .iter()
            .filter_map(|kind| severity.target(*kind))
            .any(|target| {
                scope.period.contains(breach::deadline(
                    incident,
                    target,
                    &contract.calendars[target.calendar].calendar,
                ))
            });
    if scope.period.contains(incident.opened) || outage_in_period || due_in_period {
        Ok(())
    } else {
        Err("not opened in the period, and no outage or target due in it")
    }
}

/// Calculates the report for month `spec`. Contracts not in force for the month are left out;
/// `incidents` must have been read with [`relevance`] for the same scopes.
pub fn calculate(
    contracts: &[Contract],
    incidents: &Incidents,
    spec: PeriodSpec,
    as_of: Option<Instant>,
) -> Report {
    let mut reports: Vec<ContractReport> = contracts
        .iter()
        .enumerate()
        .filter(|(_, contract)| contract.in_force(spec))
        .map(|(index, contract)| {
            let mine: Vec<&Incident> = incidents
                .incidents
                .iter()
                .filter(|incident| usize::from(incident.contract) == index)
                .collect();
            contract_report(
                contract,
                &mine,
                incidents,
                Scope::new(contract, spec, as_of),
            )
        })
        .collect();
    reports.sort_by(|left, right| left.contract.cmp(&right.contract));
    Report {
        period: spec.to_string(),
        as_of: as_of.map(format_instant),
        contracts: reports,
        rows: incidents.rows.clone(),
    }
}

fn contract_report(
    contract: &Contract,
    incidents: &[&Incident],
    all: &Incidents,
    scope: Scope,
) -> ContractReport {
    let mut services = Vec::new();
    let mut breaches = Vec::new();
    let mut credit_lines = Vec::new();
    let mut findings = Vec::new();
    let mut disputed = Vec::new();
    for index in 0..contract.services.len() {
        let mine: Vec<&Incident> = incidents
            .iter()
            .copied()
            .filter(|incident| usize::from(incident.service) == index)
            .collect();
        let (held, counted): (Vec<&Incident>, Vec<&Incident>) = mine.iter().partition(|incident| {
            incident.disputed && contract.exclusions.disputed == DisputedPolicy::Pending
        });
        let (mut summary, service_breaches, lines) =
            service_report(contract, index, &counted, all, scope);
        if !held.is_empty() {
            let (with_all, ..) = service_report(contract, index, &mine, all, scope);
            summary.disputed_exposure = with_all.credit - summary.credit;
            disputed.extend(held.iter().map(|incident| {
                let with_one: Vec<&Incident> = counted.iter().copied().chain([*incident]).collect();
                let (with, ..) = service_report(contract, index, &with_one, all, scope);
                DisputedIncident {
                    service: summary.service.clone(),
                    incident: incident.id.to_string(),
                    exposure: with.credit - summary.credit,
                    source: all.origin(incident),
                    title: incident.title.to_string(),
                }
            }));
        }
        findings.extend(downgrade_findings(contract, &mine, all, scope));
        services.push(summary);
        breaches.extend(service_breaches);
        credit_lines.extend(lines);
    }
    services.sort_by(|left, right| left.service.cmp(&right.service));
    breaches.sort_by(|left, right| {
        (&left.service, &left.incident, left.target).cmp(&(
            &right.service,
            &right.incident,
            right.target,
        ))
    });
    apply_contract_limits(contract, &mut credit_lines);
    for summary in &mut services {
        summary.credit = credit_lines
            .iter()
            .filter(|line| line.service == summary.service)
            .map(|line| line.amount)
            .sum();
    }
    // Stable: within a service, lines stay in rule order.
    credit_lines.sort_by(|left, right| left.service.cmp(&right.service));
    ContractReport {
        contract: contract.id.clone(),
        title: contract.title.clone(),
        file: contract.file.clone(),
        provider: contract.provider.clone(),
        customer: contract.customer.clone(),
        currency: contract.currency.clone(),
        timezone: contract.timezone.name().to_owned(),
        period_start: format_instant(scope.period.start),
        period_end: format_instant(scope.period.end),
        judged_at: format_instant(scope.as_of),
        credit_total: credit_lines.iter().map(|line| line.amount).sum(),
        services,
        breaches,
        credit_lines,
        findings,
        disputed,
    }
}

/// Incidents opened in the period at a more severe tier than they end at, with no reason given.
/// Each is reported once, in the period it was opened in.
fn downgrade_findings(
    contract: &Contract,
    incidents: &[&Incident],
    all: &Incidents,
    scope: Scope,
) -> Vec<Finding> {
    incidents
        .iter()
        .filter(|incident| {
            scope.period.contains(incident.opened) && incident.unexplained_downgrade()
        })
        .map(|incident| {
            let name = |index: u16| contract.severities[usize::from(index)].id.as_str();
            let initial = incident
                .initial_severity
                .expect("a downgrade has an initial severity");
            Finding {
                kind: "downgrade-without-reason",
                service: contract.services[usize::from(incident.service)].id.clone(),
                incident: incident.id.to_string(),
                message: format!(
                    "opened as {} and downgraded to {} with no downgrade_reason; judged as {}",
                    name(initial),
                    name(incident.final_severity),
                    name(incident.severity)
                ),
                source: all.origin(incident),
            }
        })
        .collect()
}

/// One service: its summary, its breached or pending targets, and its credit lines.
fn service_report(
    contract: &Contract,
    index: usize,
    incidents: &[&Incident],
    all: &Incidents,
    scope: Scope,
) -> (ServiceSummary, Vec<BreachRow>, Vec<CreditLine>) {
    let service = &contract.services[index];
    // Availability is measured in the service's calendar: only its open time counts, as
    // measured time and as downtime. Qualifying planned maintenance is taken out of that time.
    let calendar = &contract.calendars[service.availability_calendar].calendar;
    let open = calendar.open_intervals(scope.period.start, scope.measured_end());
    let excluded = contract
        .maintenance
        .as_ref()
        .map_or_else(Vec::new, |terms| {
            excluded_maintenance(terms, incidents, scope, &open)
        });
    let counted_open: Vec<(Instant, Instant)> = open
        .iter()
        .flat_map(|(start, end)| subtract(*start, *end, &excluded))
        .collect();
    let open_seconds: Seconds = open.iter().map(|(start, end)| end - start).sum();
    let excluded_seconds: Seconds = excluded.iter().map(|(start, end)| end - start).sum();
    let measured = match contract.maintenance.as_ref().map(|terms| terms.denominator) {
        Some(Denominator::Available) => open_seconds,
        _ => open_seconds - excluded_seconds,
    };
    let outages: Vec<Outage> = incidents
        .iter()
        .filter_map(|incident| outage(contract, incident, scope))
        .collect();
    let down = downtime(
        &clip_to_open(&outages, &counted_open),
        scope.period.start,
        scope.measured_end(),
    );
    let maintenance_outages: Vec<Outage> = incidents
        .iter()
        .filter(|incident| incident.maintenance)
        .filter_map(|incident| outage(contract, incident, scope))
        .collect();
    let maintenance_down = downtime(
        &clip_to_open(&maintenance_outages, &counted_open),
        scope.period.start,
        scope.measured_end(),
    );
    let (judged, respond, resolve) = judge_targets(contract, incidents, scope);
    let outage_pieces: Vec<Vec<Outage>> = outages
        .iter()
        .map(|outage| clip_to_open(std::slice::from_ref(outage), &counted_open))
        .collect();
    let facts = ServiceFacts {
        contract,
        service: index,
        measured,
        downtime: down,
        outages: &outage_pieces,
        judged: &judged,
        period: scope.period.spec,
        claim_by: claim_by(contract, scope),
    };
    let lines = service_credit_lines(&facts);
    let breaches = judged
        .iter()
        .map(|(incident, verdict)| breach_row(contract, index, incident, verdict, all))
        .collect();
    let summary = ServiceSummary {
        service: service.id.clone(),
        name: service.name.clone(),
        fee: contract.period_fee(index),
        incidents: incidents.len() as u64,
        measured_seconds: measured,
        downtime_seconds: down.seconds,
        weighted_downtime_seconds: down.weighted.normalize(),
        availability: availability_percent(measured, down.weighted).round_dp(4),
        availability_target: service.availability_target,
        availability_met: service
            .availability_target
            .map(|target| meets_target(measured, down.weighted, target)),
        respond,
        resolve,
        mean_time_to_detect_seconds: mean_time_to_detect(incidents, scope),
        maintenance_excluded_seconds: excluded_seconds,
        maintenance_downtime_seconds: maintenance_down.seconds,
        disputed_exposure: Decimal::ZERO,
        credit: lines.iter().map(|line| line.amount).sum(),
    };
    (summary, breaches, lines)
}

/// Mean of `opened − started` (whole seconds, rounded down) over incidents opened in the period
/// whose export says when the failure began.
fn mean_time_to_detect(incidents: &[&Incident], scope: Scope) -> Option<Seconds> {
    let delays: Vec<Seconds> = incidents
        .iter()
        .filter(|incident| scope.period.contains(incident.opened))
        .filter_map(|incident| incident.started.map(|started| incident.opened - started))
        .collect();
    (!delays.is_empty()).then(|| delays.iter().sum::<Seconds>() / delays.len() as Seconds)
}

/// The date by which the period's credits must be claimed: the period end plus `claim.within`,
/// counted in whole local days when it is a number of days.
fn claim_by(contract: &Contract, scope: Scope) -> Option<String> {
    let within = contract.credits.claim_within?;
    let end_date = scope.period.spec.next_first_day();
    let date = if within % 86_400 == 0 {
        end_date + chrono::Days::new(within.unsigned_abs() / 86_400)
    } else {
        crate::time::local_date(contract.timezone, scope.period.end + within)
    };
    Some(date.to_string())
}

/// Whether availability reaches `target` percent, decided exactly:
/// `100 × (measured − downtime) ≥ target × measured`.
pub fn meets_target(measured: Seconds, weighted_downtime: Decimal, target: Decimal) -> bool {
    let measured = Decimal::from(measured);
    (measured - weighted_downtime) * crate::money::HUNDRED >= target * measured
}

/// The outage an incident stands for, if its severity counts as downtime: from `started` (or
/// `opened`) to `resolved`, or to `as_of` while unresolved.
fn outage(contract: &Contract, incident: &Incident, scope: Scope) -> Option<Outage> {
    let severity_weight = contract.severities[usize::from(incident.severity)].downtime_weight;
    // Planned maintenance takes the service down entirely, whatever severity the row carries.
    let weight = if incident.maintenance {
        Decimal::ONE
    } else {
        severity_weight
    };
    let end = incident
        .resolved
        .map_or(scope.as_of, |resolved| resolved.min(scope.as_of));
    (weight > Decimal::ZERO).then_some(Outage {
        start: incident.outage_start(),
        end,
        weight,
    })
}

/// The part of the maintenance rows that is excluded: inside an allowed window, announced with at
/// least the required notice, within the calendar's open time, overlaps counted once, and at
/// most the contract's cap per period, taken in time order.
fn excluded_maintenance(
    terms: &Maintenance,
    incidents: &[&Incident],
    scope: Scope,
    open: &[(Instant, Instant)],
) -> Vec<(Instant, Instant)> {
    let mut pieces: Vec<(Instant, Instant)> = Vec::new();
    for incident in incidents.iter().filter(|incident| incident.maintenance) {
        let start = incident.outage_start();
        let announced = incident
            .notified
            .is_some_and(|notified| notified <= start - terms.notice);
        if !(announced || terms.notice == 0) {
            continue;
        }
        let end = incident
            .resolved
            .map_or(scope.as_of, |resolved| resolved.min(scope.as_of));
        for (window_start, window_end) in terms
            .windows
            .open_intervals(start.max(scope.period.start), end.min(scope.measured_end()))
        {
            let first = open.partition_point(|(_, open_end)| *open_end <= window_start);
            for (open_start, open_end) in open[first..]
                .iter()
                .take_while(|(open_start, _)| *open_start < window_end)
            {
                let piece = (window_start.max(*open_start), window_end.min(*open_end));
                if piece.0 < piece.1 {
                    pieces.push(piece);
                }
            }
        }
    }
    let merged = merge_intervals(pieces);
    let Some(cap) = terms.cap else { return merged };
    let mut room = cap;
    merged
        .into_iter()
        .map_while(|(start, end)| {
            let length = (end - start).min(room);
            room -= length;
            (length > 0).then_some((start, start + length))
        })
        .collect()
}

/// Judges every target due in the period: the breached and pending ones, and the counts per kind.
fn judge_targets<'a>(
    contract: &Contract,
    incidents: &[&'a Incident],
    scope: Scope,
) -> (Vec<(&'a Incident, Judgement)>, TargetCounts, TargetCounts) {
    let mut judged = Vec::new();
    let (mut respond, mut resolve) = (TargetCounts::default(), TargetCounts::default());
    for incident in incidents.iter().filter(|incident| !incident.maintenance) {
        let severity = &contract.severities[usize::from(incident.severity)];
        for kind in TargetKind::ALL {
            let Some(target) = severity.target(kind) else {
                continue;
            };
            let calendar = &contract.calendars[target.calendar].calendar;
            let verdict = judge(incident, kind, target, calendar, scope.as_of);
            if !scope.period.contains(verdict.deadline) {
                continue;
            }
            let counts = if kind == TargetKind::Respond {
                &mut respond
            } else {
                &mut resolve
            };
            match verdict.status {
                Status::Met => counts.met += 1,
                Status::Breached => counts.breached += 1,
                Status::Pending => counts.pending += 1,
            }
            if verdict.status != Status::Met {
                judged.push((*incident, verdict));
            }
        }
    }
    (judged, respond, resolve)
}

fn breach_row(
    contract: &Contract,
    service: usize,
    incident: &Incident,
    verdict: &Judgement,
    all: &Incidents,
) -> BreachRow {
    let breached = verdict.status == Status::Breached;
    BreachRow {
        service: contract.services[service].id.clone(),
        incident: incident.id.to_string(),
        severity: contract.severities[usize::from(incident.severity)]
            .id
            .clone(),
        target: verdict.kind,
        status: verdict.status,
        opened: format_instant(incident.opened),
        deadline: format_instant(verdict.deadline),
        allowed_seconds: verdict.allowed,
        actual_seconds: verdict.actual,
        over_by_seconds: if breached {
            verdict.actual - verdict.allowed
        } else {
            0
        },
        credits: if breached {
            credits::per_breach_credits(contract, service, incident, verdict)
        } else {
            Vec::new()
        },
        detected_after_seconds: incident.started.map(|started| incident.opened - started),
        source: all.origin(incident),
        title: incident.title.to_string(),
    }
}

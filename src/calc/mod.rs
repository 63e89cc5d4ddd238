//! The pure calculation: contracts + incidents + period + "now" → the report model.
//! No I/O, no clock, no `f64`.

mod availability;
mod binding;
mod breach;
pub mod claim;
pub mod compare;
mod credits;
mod history;
pub mod model;
pub mod reconcile;
mod route;
pub mod scorecard;
mod tally;
mod totals;
mod trace;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::contract::{Contract, Denominator, Maintenance, TargetKind};
use crate::incidents::{ExclusionReason, Incident, Incidents};
use crate::money::{Decimal, is_positive};
use crate::time::{
    Instant, Period, PeriodRange, PeriodSpec, Seconds, format_instant, format_on_calendar,
    merge_intervals, subtract,
};
use model::{
    BreachRow, ContractReport, CreditLine, DisputedIncident, Finding, Origin, Report,
    ServiceSummary,
};

pub use availability::{Downtime, Outage, availability_percent, clip_to_open, downtime};
pub use binding::{Binding, in_force};
pub use breach::{Judgement, Status, judge};
pub use credits::{ServiceFacts, YearCap, apply_contract_limits, service_credit_lines};
pub use history::{BreachEvent, BreachKey, History, Planned, plan};
pub use route::{Router, version_at, version_for_period};
pub use tally::{Judged, Place, Routed, ServiceIncidents, ServiceTally, Ticket, Way, outage};
pub use totals::range_totals;
pub use trace::{Clipped, Counted, IncidentPeriod, PeriodTrace, TargetStep, incident_steps};

/// Escalated breaches: by (priced rule index, (incident id, target)), the multiplier and why.
pub type Escalated = BTreeMap<(usize, BreachKey), (Decimal, model::Escalation)>;

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
/// due inside it, as known at the scope's `as_of`. An outage that began in the period counts in
/// it even when its ticket was opened after the period ended, if it was opened by `as_of`.
/// `Err` carries the reason it is excluded.
pub fn relevance(
    contract: &Contract,
    scope: Scope,
    incident: &Incident,
) -> Result<(), ExclusionReason> {
    let severity_index = usize::from(incident.severity);
    let severity = &contract.severities[severity_index];
    let outage_in_period = (is_positive(severity.downtime_weight) || incident.maintenance)
        && incident.outage_start() < scope.measured_end()
        && incident
            .resolved
            .is_none_or(|resolved| resolved > scope.period.start);
    if incident.opened >= scope.period.end && !(outage_in_period && incident.opened <= scope.as_of)
    {
        return Err(ExclusionReason::OpenedAfterPeriod);
    }
    if incident.opened > scope.as_of {
        return Err(ExclusionReason::OpenedAfterAsOf);
    }
    // Deadlines are looked for only when neither of the cheaper tests tells.
    let due_in_period = || {
        !incident.maintenance
            && TargetKind::ALL.iter().any(|kind| {
                contract
                    .target(severity_index, *kind)
                    .and_then(|target| {
                        breach::deadline(
                            incident,
                            *kind,
                            target,
                            &contract.calendars[target.calendar].calendar,
                        )
                    })
                    .is_some_and(|deadline| scope.period.contains(deadline))
            })
    };
    if !(scope.period.contains(incident.opened) || outage_in_period || due_in_period()) {
        Err(ExclusionReason::OutsidePeriods)
    } else if incident.excluded_cause {
        Err(ExclusionReason::ExcludedCause)
    } else {
        Ok(())
    }
}

/// How much of the targets not met a calculation keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every breached or pending target, for the breach report.
    Full,
    /// Only the breaches that credit lines, findings and look-back terms read, for invoice
    /// lines: a month of a large export has far more breaches than any rule prices.
    Credits,
}

/// Calculates the report for the periods of `range`. Each contract's periods are computed in
/// order from the look-back its terms need (year cap, escalation, termination), so a period's
/// figures are the same however the range is drawn; only the periods of `range` are reported.
/// `incidents` must have been read with [`relevance`] for a scope spanning every planned period.
pub fn calculate(
    contracts: &[Contract],
    incidents: &Incidents,
    range: PeriodRange,
    as_of: Option<Instant>,
    detail: Detail,
) -> Report {
    let mut binding = Binding::new(contracts, (range, as_of), detail, crate::parallel::cpus());
    for incident in &incidents.incidents {
        binding.take(incident, &incident.title);
    }
    binding.report(&incidents.files, incidents.rows.clone())
}

/// `incident`, routed to version `from`, as version `to` (index `index`) names its service and
/// severities; `None` when `to` has no service or severity of that id.
fn rename(from: &Contract, to: &Contract, index: usize, incident: &Incident) -> Option<Incident> {
    let severity = |old: u16| {
        to.severity_index(&from.severities[usize::from(old)].id)
            .and_then(|new| u16::try_from(new).ok())
    };
    let mut renamed = incident.clone();
    renamed.contract = u16::try_from(index).ok()?;
    renamed.service =
        u16::try_from(to.service_index(&from.services[usize::from(incident.service)].id)?).ok()?;
    renamed.severity = severity(incident.severity)?;
    renamed.final_severity = severity(incident.final_severity)?;
    renamed.initial_severity = incident.initial_severity.and_then(severity);
    Some(renamed)
}

/// One planned period being judged, with what its report refers to.
struct Judging<'a> {
    /// Every contract version loaded, indexed as incidents and plans refer to them.
    contracts: &'a [Contract],
    /// The input file names, for `file:line` sources.
    files: &'a [Arc<str>],
    planned: &'a Planned,
    scope: Scope,
    detail: Detail,
    /// The most threads the services are calculated on.
    threads: usize,
}

impl Judging<'_> {
    fn contract(&self) -> &Contract {
        &self.contracts[self.planned.contract]
    }

    fn place(&self, service: usize) -> Place<'_> {
        Place {
            contract: self.contract(),
            service,
            scope: self.scope,
            detail: self.detail,
            keeps_history: self.planned.keeps_history,
        }
    }

    /// `file:line` of a row.
    fn origin(&self, file: u16, line: u64) -> String {
        Origin {
            file: Arc::clone(&self.files[usize::from(file)]),
            line,
        }
        .to_string()
    }

    /// A held incident with the terms it is judged under.
    fn routed<'i>(
        &'i self,
        (incident, origin): &'i (Incident, Option<(Incident, usize)>),
    ) -> Routed<'i> {
        Routed {
            incident,
            title: &incident.title,
            terms: match origin {
                Some((routed, version)) => (routed, &self.contracts[*version]),
                None => (incident, self.contract()),
            },
        }
    }
}

fn contract_report(
    judging: &Judging<'_>,
    by_service: Vec<ServiceIncidents>,
    history: &mut History,
) -> ContractReport {
    let (contract, planned, scope) = (judging.contract(), judging.planned, judging.scope);
    // Breaches are only collected when a term looks back at them.
    let events: Vec<BreachEvent> = if planned.keeps_history {
        breach_events(contract, &by_service, scope)
    } else {
        Vec::new()
    };
    let escalated = history::escalations(contract, &history.breaches, &events);
    let mut services = Vec::new();
    let mut credit_lines = Vec::new();
    let mut findings = Vec::new();
    let mut disputed = Vec::new();
    let reports =
        crate::parallel::parallel_map(judging.threads, &by_service, |index, incidents| {
            service_report(contract, index, &incidents.counted, scope, &escalated)
        });
    let mut availability = Vec::with_capacity(by_service.len());
    for ((index, incidents), (mut summary, lines, exact)) in
        by_service.iter().enumerate().zip(reports)
    {
        availability.push(exact);
        if !incidents.held.is_empty() {
            disputed.extend(held_out(
                judging,
                (index, incidents),
                &mut summary,
                &escalated,
            ));
        }
        findings.extend(downgrade_findings(judging, &incidents.downgrades));
        findings.extend(obligation_findings(
            judging,
            index,
            &incidents.counted.judged,
        ));
        history.availability.push(history::AvailabilityRecord {
            period: planned.spec,
            service: summary.service.clone(),
            measured: summary.measured_seconds,
            downtime: summary.weighted_downtime_seconds,
        });
        services.push(summary);
        credit_lines.extend(lines);
    }
    services.sort_by(|left, right| left.service.cmp(&right.service));
    let breaches = match judging.detail {
        Detail::Full => breach_rows(judging, by_service, &escalated),
        Detail::Credits => Vec::new(),
    };
    limit_credits(contract, &mut credit_lines, &mut services, planned, history);
    credits::post_lines(contract, &mut credit_lines);
    history.breaches.extend(events);
    findings.extend(history::termination_findings(
        contract,
        history,
        planned.spec,
    ));
    ContractReport {
        contract: contract.id.clone(),
        title: contract.title.clone(),
        file: contract.file.clone(),
        provider: contract.provider.clone(),
        customer: contract.customer.clone(),
        currency: contract.currency.clone(),
        timezone: contract.timezone.name().to_owned(),
        period: planned.spec.to_string(),
        period_start: format_instant(scope.period.start),
        period_end: format_instant(scope.period.end),
        judged_at: format_instant(scope.as_of),
        credit_total: money_sum(contract, credit_lines.iter().map(|line| line.amount)),
        services,
        breaches,
        credit_lines,
        findings,
        disputed,
        trace: PeriodTrace {
            version: planned.contract,
            scope,
            availability,
        },
        places: contract.credits.rounding.places,
    }
}

/// The disputed incidents of service `index` held out of its credits, each with the credit it
/// would add on its own; what all of them would add together goes to `summary`.
fn held_out(
    judging: &Judging<'_>,
    (index, incidents): (usize, &ServiceIncidents),
    summary: &mut ServiceSummary,
    escalated: &Escalated,
) -> Vec<DisputedIncident> {
    let (contract, scope) = (judging.contract(), judging.scope);
    let place = judging.place(index);
    let exposure = |extra: &[Routed<'_>]| {
        let tally = incidents.counted.with(&place, extra);
        service_report(contract, index, &tally, scope, escalated)
            .0
            .credit
            - summary.credit
    };
    let every: Vec<Routed<'_>> = incidents
        .held
        .iter()
        .map(|held| judging.routed(held))
        .collect();
    let held = incidents
        .held
        .iter()
        .zip(&every)
        .map(|((incident, _), routed)| DisputedIncident {
            service: summary.service.clone(),
            incident: incident.id.to_string(),
            exposure: exposure(std::slice::from_ref(routed)),
            source: judging.origin(incident.file, incident.line),
            title: incident.title.to_string(),
        })
        .collect();
    summary.disputed_exposure = exposure(&every);
    held
}

/// The breach rows of every service in report order: by service id, incident id and target.
/// Each service's targets are in incident and target order already, so they are taken service
/// by service in id order, each moved into its row (a list out of order is sorted).
fn breach_rows(
    judging: &Judging<'_>,
    mut by_service: Vec<ServiceIncidents>,
    escalated: &Escalated,
) -> Vec<BreachRow> {
    let contract = judging.contract();
    let names = Names {
        services: contract
            .services
            .iter()
            .map(|service| Arc::from(service.id.as_str()))
            .collect(),
        severities: contract
            .severities
            .iter()
            .map(|severity| Arc::from(severity.id.as_str()))
            .collect(),
        office_hours: (0..contract.calendars.len())
            .map(|calendar| contract.office_hours(calendar).map(Arc::from))
            .collect(),
    };
    let mut order: Vec<usize> = (0..contract.services.len()).collect();
    order.sort_by(|left, right| {
        contract.services[*left]
            .id
            .cmp(&contract.services[*right].id)
    });
    let total = by_service
        .iter()
        .map(|incidents| incidents.counted.judged.len())
        .sum();
    let mut rows = Vec::with_capacity(total);
    for index in order {
        let judged = std::mem::take(&mut by_service[index].counted.judged);
        rows.extend(
            judged
                .into_iter()
                .map(|judged| breach_row(judging, &names, index, judged, escalated)),
        );
    }
    in_breach_order(rows)
}

/// `rows` sorted by service, incident and target, if they are not already.
fn in_breach_order(mut rows: Vec<BreachRow>) -> Vec<BreachRow> {
    let order = |left: &BreachRow, right: &BreachRow| {
        (&left.service, &left.incident, left.target).cmp(&(
            &right.service,
            &right.incident,
            right.target,
        ))
    };
    if !rows.is_sorted_by(|left, right| order(left, right).is_le()) {
        rows.sort_by(order);
    }
    rows
}

/// A contract's service and severity ids, shared by every breach row that names them.
struct Names {
    services: Vec<Arc<str>>,
    severities: Vec<Arc<str>>,
    /// Per calendar, its name when it keeps office hours.
    office_hours: Vec<Option<Arc<str>>>,
}

/// Applies the contract-wide limits (period cap, what is left of the year cap, minimum), counts
/// what is issued towards the contract year, and sets each service's credit to its lines' sum.
fn limit_credits(
    contract: &Contract,
    credit_lines: &mut [CreditLine],
    services: &mut [ServiceSummary],
    planned: &Planned,
    history: &mut History,
) {
    let issued = history.issued.entry(planned.year_start).or_default();
    apply_contract_limits(
        contract,
        credit_lines,
        YearCap {
            start: planned.year_start,
            used: *issued,
        },
    );
    *issued += credit_lines.iter().map(|line| line.amount).sum::<Decimal>();
    for summary in services {
        summary.credit = money_sum(
            contract,
            credit_lines
                .iter()
                .filter(|line| line.service == summary.service)
                .map(|line| line.amount),
        );
    }
    // Stable: within a service, lines stay in rule order.
    credit_lines.sort_by(|left, right| left.service.cmp(&right.service));
}

/// The breached targets of every service's counted incidents in the period, for later periods.
fn breach_events(
    contract: &Contract,
    by_service: &[ServiceIncidents],
    scope: Scope,
) -> Vec<BreachEvent> {
    let mut events = Vec::new();
    for (service, incidents) in by_service.iter().enumerate() {
        events.extend(
            incidents
                .counted
                .judged
                .iter()
                .filter(|judged| judged.verdict.status == Status::Breached)
                .map(|judged| BreachEvent {
                    deadline: judged.verdict.deadline,
                    period: scope.period.spec,
                    service: contract.services[service].id.clone(),
                    severity: contract.severities[usize::from(judged.ticket.severity)]
                        .id
                        .clone(),
                    kind: judged.verdict.kind,
                    incident: judged.ticket.id.to_string(),
                }),
        );
    }
    events
}

/// A missed root-cause report or data-breach notification, as a finding beside its breach row.
fn obligation_findings(judging: &Judging<'_>, service: usize, judged: &[Judged]) -> Vec<Finding> {
    judged
        .iter()
        .filter(|judged| {
            judged.verdict.status == Status::Breached
                && matches!(judged.verdict.kind, TargetKind::Rca | TargetKind::Notify)
        })
        .map(|Judged { ticket, verdict }| {
            let (kind, what, from) = if verdict.kind == TargetKind::Rca {
                ("rca-late", "root-cause report", "resolution")
            } else {
                ("notification-late", "data-breach notification", "detection")
            };
            let contract = judging.contract();
            let clock = contract
                .target(usize::from(ticket.severity), verdict.kind)
                .and_then(|target| contract.office_hours(target.calendar));
            let over_by = format_on_calendar(verdict.actual - verdict.allowed, clock);
            let done = if verdict.done {
                format!("delivered {over_by} late")
            } else {
                format!("not delivered; {over_by} overdue at the time judged")
            };
            Finding {
                kind,
                service: judging.contract().services[service].id.clone(),
                incidents: vec![ticket.id.to_string()],
                periods: Vec::new(),
                message: format!(
                    "{what} due {} ({} after {from}): {done}",
                    format_instant(verdict.deadline),
                    format_on_calendar(verdict.allowed, clock)
                ),
                sources: vec![judging.origin(ticket.file, ticket.line)],
            }
        })
        .collect()
}

/// Incidents opened in the period at a more severe tier than they end at, with no reason given.
/// Each is reported once, in the period it was opened in.
fn downgrade_findings(judging: &Judging<'_>, incidents: &[(bool, Incident)]) -> Vec<Finding> {
    let contract = judging.contract();
    incidents
        .iter()
        .map(|(_, incident)| {
            let name = |index: u16| contract.severities[usize::from(index)].id.as_str();
            let initial = incident
                .initial_severity
                .expect("a downgrade has an initial severity");
            Finding {
                kind: "downgrade-without-reason",
                service: contract.services[usize::from(incident.service)].id.clone(),
                incidents: vec![incident.id.to_string()],
                periods: Vec::new(),
                message: format!(
                    "opened as {} and downgraded to {} with no downgrade_reason; judged as {}",
                    name(initial),
                    name(incident.final_severity),
                    name(incident.severity)
                ),
                sources: vec![judging.origin(incident.file, incident.line)],
            }
        })
        .collect()
}

/// One service: its summary, its credit lines and its availability exactly (percent, unrounded).
/// The sum of `amounts` in the contract's currency units: `0.00` where nothing is owed, as
/// `12.50` where something is, so every output writes money with the same places.
fn money_sum(contract: &Contract, amounts: impl Iterator<Item = Decimal>) -> Decimal {
    let mut sum: Decimal = amounts.sum();
    sum.rescale(contract.credits.rounding.places);
    sum
}

fn service_report(
    contract: &Contract,
    index: usize,
    tally: &ServiceTally,
    scope: Scope,
    escalated: &Escalated,
) -> (ServiceSummary, Vec<CreditLine>, Decimal) {
    let service = &contract.services[index];
    // Availability is measured in the service's calendar: only its open time counts, as
    // measured time and as downtime. Qualifying planned maintenance is taken out of that time.
    let calendar = &contract.calendars[service.availability_calendar].calendar;
    let open = calendar.open_intervals(scope.period.start, scope.measured_end());
    let excluded = contract
        .maintenance
        .as_ref()
        .map_or_else(Vec::new, |terms| {
            excluded_maintenance(terms, &tally.maintenance, scope, &open)
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
    let down = downtime(
        &clip_to_open(&tally.outages, &counted_open),
        scope.period.start,
        scope.measured_end(),
    );
    let maintenance_outages: Vec<Outage> = tally
        .maintenance
        .iter()
        .filter_map(|incident| outage(contract, incident, scope))
        .collect();
    let maintenance_down = downtime(
        &clip_to_open(&maintenance_outages, &counted_open),
        scope.period.start,
        scope.measured_end(),
    );
    let [respond, resolve, rca, notify] = tally.counts;
    let facts = ServiceFacts {
        contract,
        service: index,
        measured,
        downtime: down,
        outages: &tally.outages,
        open: &counted_open,
        judged: &tally.judged,
        period: scope.period.spec,
        claim_by: claim_by(contract, scope),
        escalated,
    };
    let lines = service_credit_lines(&facts);
    let (detection_total, detected) = tally.detection;
    let availability = availability_percent(measured, down.weighted);
    let summary = ServiceSummary {
        service: service.id.clone(),
        name: service.name.clone(),
        fee: contract
            .credits
            .rounding
            .minor_units(contract.period_fee(index)),
        incidents: tally.incidents,
        measured_seconds: measured,
        downtime_seconds: down.seconds,
        weighted_downtime_seconds: down.weighted.normalize(),
        office_hours: contract
            .office_hours(service.availability_calendar)
            .map(str::to_owned),
        availability: availability.round_dp(4),
        availability_target: service.availability_target,
        availability_met: service
            .availability_target
            .map(|target| meets_target(measured, down.weighted, target)),
        respond,
        resolve,
        rca,
        notify,
        // Mean of `opened − started`, whole seconds rounded down.
        mean_time_to_detect_seconds: (detected > 0).then(|| detection_total / detected as Seconds),
        maintenance_excluded_seconds: excluded_seconds,
        maintenance_downtime_seconds: maintenance_down.seconds,
        disputed_exposure: money_sum(contract, std::iter::empty()),
        credit: money_sum(contract, lines.iter().map(|line| line.amount)),
    };
    (summary, lines, availability)
}

/// The date by which the period's credits must be claimed: the period end plus `claim.within`,
/// counted in whole local days when it is a number of days.
pub(crate) fn claim_by(contract: &Contract, scope: Scope) -> Option<chrono::NaiveDate> {
    let within = contract.credits.claim.as_ref()?.within?;
    let end_date = scope.period.spec.next_first_day();
    let date = if within % 86_400 == 0 {
        end_date + chrono::Days::new(within.unsigned_abs() / 86_400)
    } else {
        crate::time::local_date(contract.timezone, scope.period.end + within)
    };
    Some(date)
}

/// Whether availability reaches `target` percent, decided exactly:
/// `100 × (measured − downtime) ≥ target × measured`.
pub fn meets_target(measured: Seconds, weighted_downtime: Decimal, target: Decimal) -> bool {
    let measured = Decimal::from(measured);
    (measured - weighted_downtime) * crate::money::HUNDRED >= target * measured
}

/// The part of the maintenance rows that is excluded: inside an allowed window, announced with at
/// least the required notice, within the calendar's open time, overlaps counted once, and at
/// most the contract's cap per period, taken in time order.
fn excluded_maintenance(
    terms: &Maintenance,
    incidents: &[Incident],
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

fn breach_row(
    judging: &Judging<'_>,
    names: &Names,
    service: usize,
    Judged { ticket, verdict }: Judged,
    escalated: &Escalated,
) -> BreachRow {
    let contract = judging.contract();
    let breached = verdict.status == Status::Breached;
    BreachRow {
        service: Arc::clone(&names.services[service]),
        severity: Arc::clone(&names.severities[usize::from(ticket.severity)]),
        target: verdict.kind,
        status: verdict.status,
        opened: ticket.opened,
        deadline: verdict.deadline,
        allowed_seconds: verdict.allowed,
        actual_seconds: verdict.actual,
        over_by_seconds: if breached {
            verdict.actual - verdict.allowed
        } else {
            0
        },
        office_hours: contract
            .target(usize::from(ticket.severity), verdict.kind)
            .and_then(|target| names.office_hours[target.calendar].clone()),
        done: verdict.done,
        credits: if breached {
            credits::per_breach_credits(contract, service, &ticket, &verdict, escalated)
        } else {
            Vec::new()
        },
        detected_after_seconds: ticket.started.map(|started| ticket.opened - started),
        source: Origin {
            file: Arc::clone(&judging.files[usize::from(ticket.file)]),
            line: ticket.line,
        },
        incident: ticket.id,
        title: ticket.title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(service: &str, incident: &str, target: TargetKind) -> BreachRow {
        BreachRow {
            service: Arc::from(service),
            incident: incident.into(),
            severity: Arc::from(""),
            target,
            status: Status::Breached,
            opened: 0,
            deadline: 0,
            allowed_seconds: 0,
            actual_seconds: 0,
            over_by_seconds: 0,
            office_hours: None,
            done: true,
            credits: Vec::new(),
            detected_after_seconds: None,
            source: Origin {
                file: Arc::from(""),
                line: 0,
            },
            title: Box::default(),
        }
    }

    #[test]
    fn breach_rows_out_of_order_are_sorted_by_service_incident_and_target() {
        let names = |rows: &[BreachRow]| -> Vec<String> {
            rows.iter()
                .map(|row| format!("{}/{}/{:?}", row.service, row.incident, row.target))
                .collect()
        };
        // In service order already, but web's own rows out of order: only the fallback sort
        // puts them right (the service order across services is tested end to end in
        // tests/calculation.rs).
        let rows = vec![
            row("api", "A1", TargetKind::Resolve),
            row("web", "W2", TargetKind::Respond),
            row("web", "W1", TargetKind::Resolve),
            row("web", "W1", TargetKind::Respond),
        ];
        assert_eq!(
            names(&in_breach_order(rows)),
            [
                "api/A1/Resolve",
                "web/W1/Respond",
                "web/W1/Resolve",
                "web/W2/Respond"
            ]
        );
    }
}

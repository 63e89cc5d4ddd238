//! The pure calculation: contracts + incidents + period + "now" → the report model.
//! No I/O, no clock, no `f64`.

mod availability;
mod breach;
mod credits;

use crate::contract::{Contract, TargetKind};
use crate::incidents::{Incident, Incidents};
use crate::money::Decimal;
use crate::report::{BreachRow, ContractReport, Report, RuleCredit, ServiceSummary, TargetCounts};
use crate::time::{Instant, Period, PeriodSpec, format_instant};

pub use availability::{Downtime, Outage, availability_percent, downtime};
pub use breach::{Judgement, Status, judge};
pub use credits::{ServiceFacts, service_credit_lines};

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
        Self { period, as_of: as_of.unwrap_or(period.end) }
    }

    /// The end of what can be measured: the period end, or `as_of` if earlier.
    pub fn measured_end(self) -> Instant {
        self.period.end.min(self.as_of).max(self.period.start)
    }
}

/// Whether an incident matters to the period: an outage inside it or a target due inside it.
/// `Err` carries the reason it is excluded.
pub fn relevance(contract: &Contract, scope: Scope, incident: &Incident) -> Result<(), &'static str> {
    if incident.opened >= scope.period.end {
        return Err("opened after the period");
    }
    if incident.opened > scope.as_of {
        return Err("opened after --as-of");
    }
    let severity = &contract.severities[usize::from(incident.severity)];
    let outage_in_period = severity.downtime_weight > Decimal::ZERO
        && incident.outage_start() < scope.measured_end()
        && incident.resolved.is_none_or(|resolved| resolved > scope.period.start);
    let due_in_period = TargetKind::ALL
        .iter()
        .filter_map(|kind| severity.target(*kind))
        .any(|target| scope.period.contains(incident.opened + target.within));
    if outage_in_period || due_in_period { Ok(()) } else { Err("no outage or target due in the period") }
}

/// Calculates the report for month `spec`. Contracts not in force for the month are left out;
/// `incidents` must have been read with [`relevance`] for the same scopes.
pub fn calculate(contracts: &[Contract], incidents: &Incidents, spec: PeriodSpec, as_of: Option<Instant>) -> Report {
    let mut reports: Vec<ContractReport> = contracts
        .iter()
        .enumerate()
        .filter(|(_, contract)| contract.in_force(spec))
        .map(|(index, contract)| {
            let mine: Vec<&Incident> = incidents.incidents.iter().filter(|incident| usize::from(incident.contract) == index).collect();
            contract_report(contract, &mine, incidents, Scope::new(contract, spec, as_of))
        })
        .collect();
    reports.sort_by(|left, right| left.contract.cmp(&right.contract));
    Report { period: spec.to_string(), as_of: as_of.map(format_instant), contracts: reports, rows: incidents.rows.clone() }
}

fn contract_report(contract: &Contract, incidents: &[&Incident], all: &Incidents, scope: Scope) -> ContractReport {
    let mut services = Vec::new();
    let mut breaches = Vec::new();
    let mut credit_lines = Vec::new();
    let spec = scope.period.spec;
    for (index, service) in contract.services.iter().enumerate() {
        let mine: Vec<&Incident> = incidents.iter().copied().filter(|incident| usize::from(incident.service) == index).collect();
        let outages: Vec<Outage> = mine
            .iter()
            .filter_map(|incident| {
                let weight = contract.severities[usize::from(incident.severity)].downtime_weight;
                let end = incident.resolved.map_or(scope.as_of, |resolved| resolved.min(scope.as_of));
                (weight > Decimal::ZERO).then_some(Outage { start: incident.outage_start(), end, weight })
            })
            .collect();
        let measured = scope.measured_end() - scope.period.start;
        let down = downtime(&outages, scope.period.start, scope.measured_end());
        let mut judged: Vec<(&Incident, Judgement)> = Vec::new();
        let (mut respond, mut resolve) = (TargetCounts::default(), TargetCounts::default());
        for incident in &mine {
            let severity = &contract.severities[usize::from(incident.severity)];
            for kind in TargetKind::ALL {
                let Some(target) = severity.target(kind) else { continue };
                let verdict = judge(incident, kind, target, scope.as_of);
                if !scope.period.contains(verdict.deadline) {
                    continue;
                }
                let counts = if kind == TargetKind::Respond { &mut respond } else { &mut resolve };
                match verdict.status {
                    Status::Met => counts.met += 1,
                    Status::Breached => counts.breached += 1,
                    Status::Pending => counts.pending += 1,
                }
                if verdict.status != Status::Met {
                    judged.push((incident, verdict));
                }
            }
        }
        let facts = ServiceFacts { contract, service: index, measured, downtime: down, judged: &judged, period: spec };
        let lines = service_credit_lines(&facts);
        for (incident, verdict) in &judged {
            let severity = &contract.severities[usize::from(incident.severity)];
            breaches.push(BreachRow {
                service: service.id.clone(),
                incident: incident.id.to_string(),
                severity: severity.id.clone(),
                target: verdict.kind,
                status: verdict.status,
                opened: format_instant(incident.opened),
                deadline: format_instant(verdict.deadline),
                allowed_seconds: verdict.allowed,
                actual_seconds: verdict.actual,
                over_by_seconds: if verdict.status == Status::Breached { verdict.actual - verdict.allowed } else { 0 },
                credits: if verdict.status == Status::Breached { credits::per_breach_credits(contract, index, incident, verdict.kind) } else { Vec::<RuleCredit>::new() },
                source: all.origin(incident),
                title: incident.title.to_string(),
            });
        }
        let availability = availability_percent(measured, down.weighted);
        let up = Decimal::from(measured) - down.weighted;
        services.push(ServiceSummary {
            service: service.id.clone(),
            name: service.name.clone(),
            fee: service.fee,
            incidents: mine.len() as u64,
            measured_seconds: measured,
            downtime_seconds: down.seconds,
            weighted_downtime_seconds: down.weighted.normalize(),
            availability: availability.round_dp(4),
            availability_target: service.availability_target,
            availability_met: service
                .availability_target
                .map(|target| up * crate::money::HUNDRED >= target * Decimal::from(measured)),
            respond,
            resolve,
            credit: lines.iter().map(|line| line.amount).sum(),
        });
        credit_lines.extend(lines);
    }
    services.sort_by(|left, right| left.service.cmp(&right.service));
    breaches.sort_by(|left, right| (&left.service, &left.incident, left.target).cmp(&(&right.service, &right.incident, right.target)));
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
    }
}

//! The claim document's model: for one contract and period, what the customer claims from the
//! provider and everything the claim rests on, as typed figures (instants, `Decimal`s, contract
//! positions), gathered from the finished report and the calculation's own trace. Nothing here
//! judges or prices again, and no sentence is built: `report::claim` and `report::html::claim`
//! word it, and quote the clauses from the contract's text, which the caller reads.

use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::Status;
use super::model::{
    BreachRow, CapNote, ContractReport, CreditLine, Derivation, DisputedIncident, Origin, Report,
};
use super::trace::IncidentPeriod;
use crate::contract::template::Template;
use crate::contract::{Contract, TextPosition};
use crate::incidents::{Exclusion, Incidents};
use crate::money::Decimal;
use crate::time::{Instant, Period, Seconds};

/// What one contract owes in one period, with the grounds for each credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditClaim {
    /// Contract id.
    pub contract: String,
    /// Its title.
    pub title: String,
    /// The contract file the clauses are quoted from.
    pub file: String,
    /// The party that owes the credits: the addressee.
    pub provider: String,
    /// Where claims go (`credits.claim.contact`), if the contract says.
    pub contact: Option<String>,
    /// The party owed: the claimant.
    pub customer: String,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// The contract's time zone (its periods are local months or quarters).
    pub timezone: Tz,
    /// The period claimed, `[start, end)`.
    pub period: Period,
    /// The instant open incidents were judged at.
    pub judged_at: Instant,
    /// Every credit line of the period, in report order, with its grounds.
    pub lines: Vec<ClaimedLine>,
    /// The sum of the lines' amounts.
    pub total: Decimal,
    /// The date by which the credits must be claimed, if the contract sets a window.
    pub claim_by: Option<NaiveDate>,
    /// The window itself.
    pub claim_within: Option<Seconds>,
    /// Where the claim terms are written.
    pub claim_clause: Option<TextPosition>,
    /// The contract's own opening paragraph.
    pub opening: Option<Template>,
    /// The contract's own closing paragraph.
    pub closing: Option<Template>,
    /// Planned maintenance per service that had any in the period.
    pub maintenance: Vec<MaintenanceApplied>,
    /// The maintenance terms: notice needed and the most excluded per period and service.
    pub maintenance_terms: Option<(Seconds, Option<Seconds>)>,
    /// Causes whose incidents never count under the contract.
    pub excluded_causes: Vec<String>,
    /// Rows of the exports read that were left out, by reason (the run's row accounting).
    pub excluded_rows: Vec<Exclusion>,
    /// Disputed incidents held out of the credits, each with what it would add.
    pub disputed: Vec<DisputedIncident>,
}

/// One credit line and what grants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedLine {
    /// The line as `credits` lists it.
    pub credit: CreditLine,
    /// The service's name.
    pub service_name: String,
    /// The contract clauses behind it, in the order a reader checks them.
    pub clauses: Vec<Clause>,
    /// The breaches it prices (rules on targets).
    pub breaches: Vec<BreachRow>,
    /// The downtime it prices (rules on availability or downtime).
    pub downtime: Option<DowntimeBasis>,
}

/// A clause of the contract: what it is and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// What it says.
    pub kind: ClauseKind,
    /// Its line, from 1.
    pub line: u32,
    /// Its column, when known; otherwise the clause is the entry (rule, service, band) that
    /// begins on its line.
    pub column: Option<u32>,
}

/// What a clause behind a credit line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseKind {
    /// The credit rule.
    Rule(String),
    /// The service entry: its fee and availability target.
    Service(String),
    /// The availability band applied.
    Band,
    /// An escalation rule that multiplied some of the line's breaches.
    Escalation(String),
    /// The caps, when one reduced the line.
    Cap,
    /// The minimum, when the line fell below it.
    Minimum,
}

/// The downtime behind a line on availability or downtime, as `explain --service` derives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DowntimeBasis {
    /// Seconds measured.
    pub measured_seconds: Seconds,
    /// Seconds with at least one outage (their union).
    pub downtime_seconds: Seconds,
    /// Downtime weighted by severity.
    pub weighted_downtime_seconds: Decimal,
    /// Availability in percent, exact.
    pub availability: Decimal,
    /// The service's target, if it has one.
    pub target: Option<Decimal>,
    /// Every outage row of the service in the period, planned maintenance included.
    pub outages: Vec<OutageRow>,
    /// The office-hours calendar availability is measured on, if it is not around the clock.
    pub office_hours: Option<String>,
}

/// One incident row whose outage the period's downtime reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutageRow {
    /// Incident id.
    pub incident: String,
    /// The export row.
    pub source: Origin,
    /// When the outage started.
    pub start: Instant,
    /// When it ended; `None`: still open when judged.
    pub end: Option<Instant>,
    /// Severity id.
    pub severity: String,
    /// The weight its downtime counts at.
    pub weight: Decimal,
    /// A planned maintenance row.
    pub maintenance: bool,
    /// Held out of the downtime (disputed while disputes are pending).
    pub held: bool,
    /// Ticket title.
    pub title: String,
}

/// Planned maintenance of one service in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceApplied {
    /// Service id.
    pub service: String,
    /// Seconds excluded from measured time (or counted as up).
    pub excluded_seconds: Seconds,
    /// Seconds that counted as downtime: outside a window, short of notice, or over the cap.
    pub downtime_seconds: Seconds,
    /// The maintenance rows.
    pub rows: Vec<OutageRow>,
    /// The office-hours calendar availability is measured on, if it is not around the clock.
    pub office_hours: Option<String>,
}

/// The claim for the report's contract-period at `index`. `steps` must hold the steps of every
/// incident of the contract (kept whole), so its outage rows can be listed, and the report must
/// keep every breach (`Detail::Full`).
///
/// # Panics
/// If `report` was not calculated from `contracts`: each credit line names a service of the
/// version that priced it.
pub fn credit_claim(
    contracts: &[Contract],
    report: &Report,
    index: usize,
    steps: &[IncidentPeriod],
    incidents: &Incidents,
) -> CreditClaim {
    let period = &report.contracts[index];
    let contract = &contracts[period.trace.version];
    let scope = period.trace.scope;
    let outages = Outages {
        contract,
        period: index,
        steps,
        incidents,
    };
    let lines = period
        .credit_lines
        .iter()
        .map(|line| claimed_line(contract, period, line, &outages))
        .collect();
    let maintenance = period
        .services
        .iter()
        .filter_map(|summary| {
            let rows: Vec<OutageRow> = outages
                .of(contract.service_index(&summary.service)?)
                .into_iter()
                .filter(|row| row.maintenance)
                .collect();
            let any = !rows.is_empty()
                || summary.maintenance_excluded_seconds > 0
                || summary.maintenance_downtime_seconds > 0;
            any.then(|| MaintenanceApplied {
                service: summary.service.clone(),
                excluded_seconds: summary.maintenance_excluded_seconds,
                downtime_seconds: summary.maintenance_downtime_seconds,
                rows,
                office_hours: summary.office_hours.clone(),
            })
        })
        .collect();
    let terms = contract.credits.claim.as_ref();
    CreditClaim {
        contract: contract.id.clone(),
        title: contract.title.clone(),
        file: contract.file.clone(),
        provider: contract.provider.clone(),
        contact: terms.and_then(|terms| terms.contact.clone()),
        customer: contract.customer.clone(),
        currency: contract.currency.clone(),
        timezone: contract.timezone,
        period: scope.period,
        judged_at: scope.as_of,
        lines,
        total: period.credit_total,
        claim_by: super::claim_by(contract, scope),
        claim_within: terms.and_then(|terms| terms.within),
        claim_clause: terms.map(|terms| terms.at),
        opening: terms.and_then(|terms| terms.opening.clone()),
        closing: terms.and_then(|terms| terms.closing.clone()),
        maintenance,
        maintenance_terms: contract
            .maintenance
            .as_ref()
            .map(|terms| (terms.notice, terms.cap)),
        excluded_causes: contract.exclusions.causes.clone(),
        excluded_rows: report.rows.excluded.clone(),
        disputed: period.disputed.clone(),
    }
}

/// The outage rows of one reported period, from the steps of the incidents kept whole: those
/// `explain --service` lists.
struct Outages<'a> {
    contract: &'a Contract,
    period: usize,
    steps: &'a [IncidentPeriod],
    incidents: &'a Incidents,
}

impl Outages<'_> {
    /// Every outage row of service `service` (an index of the period's version).
    fn of(&self, service: usize) -> Vec<OutageRow> {
        self.steps
            .iter()
            .filter(|step| step.period == self.period)
            .filter_map(|step| {
                let counted = step.counted.as_ref()?;
                if counted.service != service || !counted.outage_row {
                    return None;
                }
                let incident = &self.incidents.incidents[step.incident];
                let severity = &self.contract.severities[counted.severity];
                Some(OutageRow {
                    incident: incident.id.to_string(),
                    source: Origin {
                        file: Arc::from(self.incidents.files[usize::from(incident.file)].as_str()),
                        line: incident.line,
                    },
                    start: incident.outage_start(),
                    end: incident.resolved,
                    severity: severity.id.clone(),
                    weight: severity.downtime_weight,
                    maintenance: incident.maintenance,
                    held: counted.held,
                    title: incident.title.to_string(),
                })
            })
            .collect()
    }
}

/// One credit line with its clauses, the breaches it prices and the downtime behind it.
fn claimed_line(
    contract: &Contract,
    period: &ContractReport,
    line: &CreditLine,
    outages: &Outages<'_>,
) -> ClaimedLine {
    let service = contract
        .service_index(&line.service)
        .expect("a credit line names a service of the contract that priced it");
    let summary = period
        .services
        .iter()
        .find(|summary| summary.service == line.service)
        .expect("a service with a credit line has a summary");
    let on_downtime = matches!(
        line.description,
        Derivation::Availability { .. }
            | Derivation::PerUnitDown { .. }
            | Derivation::DowntimeMultiple { .. }
    );
    ClaimedLine {
        credit: line.clone(),
        service_name: contract.services[service].name.clone(),
        clauses: clauses(contract, line, service),
        breaches: period
            .breaches
            .iter()
            .filter(|breach| {
                *breach.service == *line.service
                    && breach.status == Status::Breached
                    && breach.credits.iter().any(|credit| credit.rule == line.rule)
            })
            .cloned()
            .collect(),
        downtime: on_downtime.then(|| DowntimeBasis {
            measured_seconds: summary.measured_seconds,
            downtime_seconds: summary.downtime_seconds,
            weighted_downtime_seconds: summary.weighted_downtime_seconds,
            availability: period.trace.availability[service],
            target: summary.availability_target,
            outages: outages.of(service),
            office_hours: summary.office_hours.clone(),
        }),
    }
}

/// The clauses behind `line` of service `service`: its rule; for a band, the service entry
/// (fee and target) and the band; the escalation rules that multiplied its breaches; the caps
/// or the minimum when they reduced it.
fn clauses(contract: &Contract, line: &CreditLine, service: usize) -> Vec<Clause> {
    let entry = |kind, line| Clause {
        kind,
        line,
        column: None,
    };
    let mut clauses = Vec::new();
    if let Some(rule) = contract
        .credits
        .rules
        .iter()
        .find(|rule| rule.id == line.rule)
    {
        clauses.push(entry(ClauseKind::Rule(rule.id.clone()), rule.line));
    }
    let escalated = match &line.description {
        Derivation::Availability { band, .. } => {
            let service = &contract.services[service];
            clauses.push(entry(ClauseKind::Service(service.id.clone()), service.line));
            clauses.push(entry(ClauseKind::Band, band.line));
            &[][..]
        }
        Derivation::PerBreach { escalated, .. } | Derivation::PerUnitLate { escalated, .. } => {
            escalated.as_slice()
        }
        Derivation::PerUnitDown { .. } | Derivation::DowntimeMultiple { .. } => &[][..],
    };
    let mut rules: Vec<(u32, &str)> = escalated
        .iter()
        .map(|breach| (breach.escalation.line, breach.escalation.rule.as_str()))
        .collect();
    rules.sort_unstable();
    rules.dedup();
    for (at, rule) in rules {
        clauses.push(entry(ClauseKind::Escalation(rule.to_owned()), at));
    }
    let notes = line
        .cap_applied
        .as_ref()
        .map_or(&[][..], |caps| caps.0.as_slice());
    let at = |position: Option<TextPosition>, kind| {
        position.map(|position| Clause {
            kind,
            line: position.line,
            column: Some(position.column),
        })
    };
    if notes.iter().any(|note| matches!(note, CapNote::Cap { .. })) {
        clauses.extend(at(contract.credits.cap_at, ClauseKind::Cap));
    }
    if notes
        .iter()
        .any(|note| matches!(note, CapNote::Minimum { .. }))
    {
        clauses.extend(at(contract.credits.minimum_at, ClauseKind::Minimum));
    }
    clauses
}

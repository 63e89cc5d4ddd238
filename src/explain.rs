//! `explain`: every step behind one incident's or one service's figures, each with the contract
//! clause (`file:line`) and the export row (`file:line`) it used, in words a finance analyst can
//! paste into a dispute email. Built from a finished [`Evaluation`], so it never disagrees with
//! the report.

use std::fmt::Write as _;

use crate::calc::model::{ContractReport, CreditLine};
use crate::calc::{Scope, Status, availability_percent, judge};
use crate::contract::{Contract, TargetKind};
use crate::error::Error;
use crate::incidents::{Incident, Paused};
use crate::pipeline::Evaluation;
use crate::time::{PeriodSpec, TimestampFormat, format_duration, format_instant};

/// What to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// One incident, by id.
    Incident(String),
    /// One service, by contract service id.
    Service(String),
}

impl Subject {
    /// Whether `incident`, routed to `contract`, is one the explanation reads.
    pub fn wants(&self, contract: &Contract, incident: &Incident) -> bool {
        match self {
            Self::Incident(id) => *incident.id == **id,
            Self::Service(id) => contract.services[usize::from(incident.service)].id == *id,
        }
    }
}

/// The explanation of `subject` in every reported period, as text.
pub fn explain(evaluation: &Evaluation, subject: &Subject) -> Result<String, Error> {
    let mut text = String::new();
    match subject {
        Subject::Incident(id) => {
            let incident = evaluation
                .incidents
                .incidents
                .iter()
                .find(|incident| *incident.id == **id)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "incident `{id}` is not among the incidents counted for {} (see the row accounting of `slacredit report`)",
                        evaluation.report.period
                    ))
                })?;
            explain_incident(evaluation, incident, &mut text);
        }
        Subject::Service(id) => {
            let mut found = false;
            for report in &evaluation.report.contracts {
                let contract = version(evaluation, report);
                if let Some(index) = contract.service_index(id) {
                    explain_service(evaluation, contract, index, report, &mut text);
                    found = true;
                }
            }
            if !found {
                let known: Vec<&str> = evaluation
                    .contracts
                    .iter()
                    .flat_map(|contract| {
                        contract.services.iter().map(|service| service.id.as_str())
                    })
                    .collect();
                return Err(Error::Usage(format!(
                    "service `{id}` is in no contract in force; the services are: {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(text)
}

/// The contract version a contract-period was judged by.
fn version<'a>(evaluation: &'a Evaluation, report: &ContractReport) -> &'a Contract {
    let spec: Option<PeriodSpec> = report.period.parse().ok();
    evaluation
        .contracts
        .iter()
        .find(|contract| {
            contract.id == report.contract && spec.is_some_and(|spec| contract.in_force(spec))
        })
        .unwrap_or(&evaluation.contracts[0])
}

/// The scope a contract-period was judged in.
fn scope(contract: &Contract, report: &ContractReport) -> Option<Scope> {
    let spec: PeriodSpec = report.period.parse().ok()?;
    let as_of = TimestampFormat::Rfc3339.parse(&report.judged_at).ok();
    Some(Scope::new(contract, spec, as_of))
}

fn clause(contract: &Contract, line: u32) -> String {
    format!("{}:{line}", contract.file)
}

/// ` (contract.yaml:57)` for the rule with id `id`, or nothing when there is none.
fn rule_clause(contract: &Contract, id: &str) -> String {
    contract
        .credits
        .rules
        .iter()
        .find(|rule| rule.id == id)
        .map_or_else(String::new, |rule| {
            format!(" ({})", clause(contract, rule.line))
        })
}

fn explain_incident(evaluation: &Evaluation, incident: &Incident, text: &mut String) {
    let contract = &evaluation.contracts[usize::from(incident.contract)];
    let service = &contract.services[usize::from(incident.service)];
    let severity = &contract.severities[usize::from(incident.severity)];
    let title = if incident.title.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", incident.title)
    };
    let _ = writeln!(text, "Incident {}{title}", incident.id);
    let _ = writeln!(text, "  row: {}", evaluation.incidents.origin(incident));
    let _ = writeln!(text, "  contract: {} ({})", contract.id, contract.file);
    let _ = writeln!(
        text,
        "  service: {} \"{}\" ({}), matched by the export's service value",
        service.id,
        service.name,
        clause(contract, service.line)
    );
    let initial = incident.initial_severity.map_or(String::new(), |initial| {
        format!(
            "; opened as {}",
            contract.severities[usize::from(initial)].id
        )
    });
    let _ = writeln!(
        text,
        "  severity: judged as {} (final {}{initial}; severity_basis {})",
        severity.id,
        contract.severities[usize::from(incident.final_severity)].id,
        contract.severity_basis.name()
    );
    let moment = |instant: Option<i64>| instant.map_or_else(|| "-".to_owned(), format_instant);
    let _ = writeln!(
        text,
        "  opened {}, started {}, acknowledged {}, resolved {}",
        format_instant(incident.opened),
        moment(incident.started),
        moment(incident.acknowledged),
        moment(incident.resolved)
    );
    let paused = match &incident.paused {
        Paused::None => "none".to_owned(),
        Paused::Total(seconds) => format_duration(*seconds),
        Paused::Intervals(intervals) => intervals
            .iter()
            .map(|(start, end)| format!("[{}, {})", format_instant(*start), format_instant(*end)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let _ = writeln!(text, "  paused: {paused}");
    for (flag, words) in [
        (
            incident.disputed,
            "disputed: held out of credits under exclusions.disputed",
        ),
        (incident.maintenance, "planned maintenance row"),
        (incident.data_breach, "data breach: the notify duty applies"),
    ] {
        if flag {
            let _ = writeln!(text, "  {words}");
        }
    }
    for report in evaluation
        .report
        .contracts
        .iter()
        .filter(|report| report.contract == contract.id)
    {
        let Some(scope) = scope(contract, report) else {
            continue;
        };
        let _ = writeln!(
            text,
            "\nPeriod {} [{}, {}), judged at {}",
            report.period, report.period_start, report.period_end, report.judged_at
        );
        let mut steps = Steps { text, count: 0 };
        clock_steps(contract, incident, scope, &mut steps);
        money_steps(version(evaluation, report), incident, report, &mut steps);
    }
}

/// Numbered steps of one period's explanation.
struct Steps<'t> {
    text: &'t mut String,
    count: usize,
}

impl Steps<'_> {
    fn add(&mut self, step: &str) {
        self.count += 1;
        let _ = writeln!(self.text, "  {}. {step}", self.count);
    }
}

/// The targets judged and the outage counted for `incident` in one period.
fn clock_steps(contract: &Contract, incident: &Incident, scope: Scope, steps: &mut Steps<'_>) {
    let service = &contract.services[usize::from(incident.service)];
    let severity = &contract.severities[usize::from(incident.severity)];
    for kind in TargetKind::ALL {
        let Some(target) = contract.target(usize::from(incident.severity), kind) else {
            continue;
        };
        let calendar = &contract.calendars[target.calendar];
        let Some(verdict) = judge(incident, kind, target, &calendar.calendar, scope.as_of) else {
            continue;
        };
        let due = if scope.period.contains(verdict.deadline) {
            "in this period"
        } else {
            "judged in the period that holds its deadline"
        };
        let outcome = match verdict.status {
            Status::Met => "met".to_owned(),
            Status::Pending => "pending: not done yet, time remains".to_owned(),
            Status::Breached => {
                format!(
                    "breached by {}",
                    format_duration(verdict.actual - verdict.allowed)
                )
            }
        };
        steps.add(&format!(
            "{}: within {} on calendar {} ({}); due {} ({due}); took {}{} -> {outcome}",
            kind.name(),
            format_duration(target.within),
            calendar.name,
            clause(contract, target.line),
            format_instant(verdict.deadline),
            format_duration(verdict.actual),
            if verdict.done { "" } else { " so far" }
        ));
    }
    let weight = if incident.maintenance {
        crate::money::Decimal::ONE
    } else {
        severity.downtime_weight
    };
    if weight > crate::money::Decimal::ZERO {
        let end = incident
            .resolved
            .map_or(scope.as_of, |resolved| resolved.min(scope.as_of))
            .min(scope.period.end);
        let start = incident.outage_start().max(scope.period.start);
        if start < end {
            steps.add(&format!("downtime: [{}, {}) = {} at weight {weight} counts in {}'s downtime, inside its availability calendar; overlaps with other outages count once", format_instant(start),
                    format_instant(end),
                    format_duration(end - start),
                    service.id));
        }
    }
}

/// The credits, lines, findings and dispute exposure `incident` has in one period.
fn money_steps(
    contract: &Contract,
    incident: &Incident,
    report: &ContractReport,
    steps: &mut Steps<'_>,
) {
    for breach in report
        .breaches
        .iter()
        .filter(|breach| breach.incident == *incident.id && breach.status == Status::Breached)
    {
        for credit in &breach.credits {
            let line = rule_clause(contract, &credit.rule);
            let mut amount = credit.amount;
            let places = contract.credits.rounding.places;
            if amount.scale() < places {
                amount.rescale(places);
            }
            steps.add(&format!(
                "rule {}{line} prices the {} breach at {amount} {} before caps",
                credit.rule,
                breach.target.name(),
                report.currency
            ));
        }
    }
    for line in report
        .credit_lines
        .iter()
        .filter(|line| line.incidents.iter().any(|id| *id == *incident.id))
    {
        steps.add(&line_words(contract, line));
    }
    for finding in report
        .findings
        .iter()
        .filter(|finding| finding.incidents.iter().any(|id| *id == *incident.id))
    {
        steps.add(&format!("finding {}: {}", finding.kind, finding.message));
    }
    for disputed in report
        .disputed
        .iter()
        .filter(|disputed| disputed.incident == *incident.id)
    {
        steps.add(&format!(
            "disputed: held out; it would add {} {} if it counted",
            disputed.exposure, report.currency
        ));
    }
}

/// One credit line in words: rule and clause, derivation, caps, amount and claim-by date.
fn line_words(contract: &Contract, line: &CreditLine) -> String {
    let rule = rule_clause(contract, &line.rule);
    let caps = line
        .cap_applied
        .as_ref()
        .map_or_else(String::new, |caps| format!("; {caps}"));
    let claim = line
        .claim_by
        .as_ref()
        .map_or_else(String::new, |date| format!("; claim by {date}"));
    format!(
        "credit line {}/{}{rule}: {}: {} before caps{caps} -> {} {} owed{claim}",
        line.service,
        line.rule,
        line.description,
        line.amount_before_caps,
        line.amount,
        line.currency
    )
}

fn explain_service(
    evaluation: &Evaluation,
    contract: &Contract,
    index: usize,
    report: &ContractReport,
    text: &mut String,
) {
    let service = &contract.services[index];
    let Some(summary) = report
        .services
        .iter()
        .find(|summary| summary.service == service.id)
    else {
        return;
    };
    let Some(scope) = scope(contract, report) else {
        return;
    };
    let _ = writeln!(
        text,
        "Service {} \"{}\" of {} ({})",
        service.id,
        service.name,
        contract.id,
        clause(contract, service.line)
    );
    let _ = writeln!(
        text,
        "Period {} [{}, {}), judged at {}",
        report.period, report.period_start, report.period_end, report.judged_at
    );
    let calendar = &contract.calendars[service.availability_calendar];
    let _ = writeln!(
        text,
        "  1. fee: {} {} per month; the basis of percentage credits for the period is {}",
        service.fee, report.currency, summary.fee
    );
    let _ = writeln!(
        text,
        "  2. measured: {} ({} s) of calendar {}{}",
        format_duration(summary.measured_seconds),
        summary.measured_seconds,
        calendar.name,
        if summary.maintenance_excluded_seconds > 0 {
            format!(
                ", after {} of planned maintenance excluded",
                format_duration(summary.maintenance_excluded_seconds)
            )
        } else {
            String::new()
        }
    );
    downtime_step(evaluation, contract, index, scope, summary, text);
    let exact = availability_percent(summary.measured_seconds, summary.weighted_downtime_seconds);
    let target = match (service.availability_target, summary.availability_met) {
        (Some(target), Some(met)) => format!(
            " against the target {target} ({}): {}",
            clause(contract, service.line),
            if met { "met" } else { "missed" }
        ),
        _ => " (no target)".to_owned(),
    };
    let _ = writeln!(
        text,
        "  4. availability = ({} - {}) / {} x 100 = {}%{target}; bands and targets are decided on the exact fraction",
        summary.measured_seconds,
        summary.weighted_downtime_seconds,
        summary.measured_seconds,
        exact.round_dp(6)
    );
    money_lines(contract, &service.id, report, summary, text);
}

/// Steps 5 to 7 of a service: its breaches, its credit lines and its total.
fn money_lines(
    contract: &Contract,
    service: &str,
    report: &ContractReport,
    summary: &crate::calc::model::ServiceSummary,
    text: &mut String,
) {
    let breaches: Vec<_> = report
        .breaches
        .iter()
        .filter(|breach| &*breach.service == service)
        .collect();
    let _ = writeln!(
        text,
        "  5. breaches and pending targets: {}",
        breaches.len()
    );
    for breach in breaches {
        let credits: Vec<String> = breach
            .credits
            .iter()
            .map(|credit| format!("{} {}", credit.rule, credit.amount))
            .collect();
        let _ = writeln!(
            text,
            "     - {} {} {:?}: allowed {}, took {}, over by {} ({}){}",
            breach.incident,
            breach.target.name(),
            breach.status,
            format_duration(breach.allowed_seconds),
            format_duration(breach.actual_seconds),
            format_duration(breach.over_by_seconds),
            breach.source,
            if credits.is_empty() {
                String::new()
            } else {
                format!(" -> {}", credits.join(", "))
            }
        );
    }
    let lines: Vec<&CreditLine> = report
        .credit_lines
        .iter()
        .filter(|line| line.service == service)
        .collect();
    let _ = writeln!(text, "  6. credit lines: {}", lines.len());
    for line in &lines {
        let _ = writeln!(text, "     - {}", line_words(contract, line));
    }
    let _ = writeln!(
        text,
        "  7. total for {}: {} {} (each line rounded once, then summed)\n",
        service, summary.credit, report.currency
    );
}

/// Step 3 of a service: its outage rows and their union.
fn downtime_step(
    evaluation: &Evaluation,
    contract: &Contract,
    index: usize,
    scope: Scope,
    summary: &crate::calc::model::ServiceSummary,
    text: &mut String,
) {
    // Each row as this version names it: its service and severity looked up by id, since the
    // row may have been routed to another version of the contract.
    let outages: Vec<(&Incident, Option<&crate::contract::Severity>)> = evaluation
        .incidents
        .incidents
        .iter()
        .filter_map(|incident| {
            let routed = &evaluation.contracts[usize::from(incident.contract)];
            if routed.id != contract.id
                || routed.services[usize::from(incident.service)].id != contract.services[index].id
            {
                return None;
            }
            let severity = contract
                .severity_index(&routed.severities[usize::from(incident.severity)].id)
                .map(|found| &contract.severities[found]);
            let counts = incident.maintenance
                || severity
                    .is_some_and(|severity| severity.downtime_weight > crate::money::Decimal::ZERO);
            (counts
                && incident.outage_start() < scope.measured_end()
                && incident
                    .resolved
                    .is_none_or(|resolved| resolved > scope.period.start))
            .then_some((incident, severity))
        })
        .collect();
    let _ = writeln!(
        text,
        "  3. downtime: {} outage row{} in the period; their union inside the calendar is {} ({} s), weighted by severity {} s",
        outages.len(),
        if outages.len() == 1 { "" } else { "s" },
        format_duration(summary.downtime_seconds),
        summary.downtime_seconds,
        summary.weighted_downtime_seconds
    );
    for (incident, severity) in &outages {
        let end = incident.resolved.map_or_else(
            || format!("open at {}", format_instant(scope.as_of)),
            format_instant,
        );
        let what = match (incident.maintenance, severity) {
            (true, _) | (false, None) => "planned maintenance".to_owned(),
            (false, Some(severity)) => {
                format!("{} at weight {}", severity.id, severity.downtime_weight)
            }
        };
        let held = if incident.disputed
            && contract.exclusions.disputed == crate::contract::DisputedPolicy::Pending
        {
            " (disputed: held out)"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "     - {} ({}): [{}, {}) {what}{held}",
            incident.id,
            evaluation.incidents.origin(incident),
            format_instant(incident.outage_start()),
            end,
        );
    }
}

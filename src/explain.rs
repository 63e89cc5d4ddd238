//! `explain`: every step behind one incident's or one service's figures, each with the contract
//! clause (`file:line`) and the export row (`file:line`) it used, in words a finance analyst can
//! paste into a dispute email. It renders the calculation's own trace (`calc::trace`: the version
//! that judged each period, each target's verdict, each outage as counted) and the finished
//! report, so it never disagrees with the report: nothing here judges, measures or prices.

use std::fmt::Write as _;

use crate::calc::model::{ContractReport, CreditLine, ServiceSummary};
use crate::calc::{IncidentPeriod, Status};
use crate::contract::Contract;
use crate::error::Error;
use crate::incidents::{Incident, Paused};
use crate::pipeline::Evaluation;
use crate::time::{format_duration, format_instant, format_on_calendar};

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
            let index = evaluation
                .incidents
                .incidents
                .iter()
                .position(|incident| *incident.id == **id)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "incident `{id}` is not among the incidents counted for {} (see the row accounting of `slacredit report`)",
                        evaluation.report.period
                    ))
                })?;
            explain_incident(evaluation, index, &mut text);
        }
        Subject::Service(id) => {
            let mut found = false;
            for (period, report) in evaluation.report.contracts.iter().enumerate() {
                let contract = &evaluation.contracts[report.trace.version];
                if let Some(index) = contract.service_index(id) {
                    explain_service(evaluation, (period, report), index, &mut text);
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

fn explain_incident(evaluation: &Evaluation, index: usize, text: &mut String) {
    let incident = &evaluation.incidents.incidents[index];
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
    for step in evaluation
        .steps
        .iter()
        .filter(|step| step.incident == index)
    {
        let report = &evaluation.report.contracts[step.period];
        let _ = writeln!(
            text,
            "\nPeriod {} [{}, {}), judged at {}",
            report.period, report.period_start, report.period_end, report.judged_at
        );
        let mut steps = Steps { text, count: 0 };
        clock_steps(evaluation, step, &mut steps);
        money_steps(
            &evaluation.contracts[report.trace.version],
            incident,
            report,
            &mut steps,
        );
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

/// The targets judged and the outage counted for an incident in one period.
fn clock_steps(evaluation: &Evaluation, step: &IncidentPeriod, steps: &mut Steps<'_>) {
    let terms = &evaluation.contracts[step.terms];
    for target in &step.targets {
        let verdict = &target.verdict;
        let due = if target.due_in_period {
            "in this period"
        } else {
            "judged in the period that holds its deadline"
        };
        // On office hours every duration says so, and names the calendar.
        let clock = terms.office_hours(target.calendar);
        let outcome = match verdict.status {
            Status::Met => "met".to_owned(),
            Status::Pending => "pending: not done yet, time remains".to_owned(),
            Status::Breached => {
                format!("breached by {}", format_on_calendar(target.over_by, clock))
            }
        };
        let within = match clock {
            Some(_) => format_on_calendar(target.within, clock),
            None => format!(
                "{} on calendar {}",
                format_duration(target.within),
                terms.calendars[target.calendar].name
            ),
        };
        steps.add(&format!(
            "{}: within {within} ({}); due {} ({due}); took {}{} -> {outcome}",
            verdict.kind.name(),
            clause(terms, target.line),
            format_instant(verdict.deadline),
            format_on_calendar(verdict.actual, clock),
            if verdict.done { "" } else { " so far" }
        ));
    }
    let judging = &evaluation.contracts[evaluation.report.contracts[step.period].trace.version];
    if let Some(counted) = &step.counted
        && let Some(outage) = &counted.outage
    {
        let service = &judging.services[counted.service];
        steps.add(&format!(
            "downtime: [{}, {}) = {} at weight {} counts in {}'s downtime, inside its availability calendar; overlaps with other outages count once",
            format_instant(outage.start),
            format_instant(outage.end),
            format_on_calendar(
                outage.seconds,
                judging.office_hours(service.availability_calendar)
            ),
            outage.weight,
            service.id
        ));
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
            steps.add(&format!(
                "rule {}{line} prices the {} breach at {} {} before caps",
                credit.rule,
                breach.target.name(),
                credit.amount,
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
    (period, report): (usize, &ContractReport),
    index: usize,
    text: &mut String,
) {
    let contract = &evaluation.contracts[report.trace.version];
    let service = &contract.services[index];
    let Some(summary) = report
        .services
        .iter()
        .find(|summary| summary.service == service.id)
    else {
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
        contract.credits.rounding.minor_units(service.fee),
        report.currency,
        summary.fee
    );
    let clock = summary.office_hours.as_deref();
    let _ = writeln!(
        text,
        "  2. measured: {} ({} s) of calendar {}{}",
        format_on_calendar(summary.measured_seconds, clock),
        summary.measured_seconds,
        calendar.name,
        if summary.maintenance_excluded_seconds > 0 {
            format!(
                ", after {} of planned maintenance excluded",
                format_on_calendar(summary.maintenance_excluded_seconds, clock)
            )
        } else {
            String::new()
        }
    );
    downtime_step(evaluation, (period, report), index, summary, text);
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
        report.trace.availability[index].round_dp(6)
    );
    money_lines(contract, &service.id, report, summary, text);
}

/// Steps 5 to 7 of a service: its breaches, its credit lines and its total.
fn money_lines(
    contract: &Contract,
    service: &str,
    report: &ContractReport,
    summary: &ServiceSummary,
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
            format_on_calendar(breach.allowed_seconds, breach.office_hours.as_deref()),
            format_on_calendar(breach.actual_seconds, breach.office_hours.as_deref()),
            format_on_calendar(breach.over_by_seconds, breach.office_hours.as_deref()),
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
    (period, report): (usize, &ContractReport),
    index: usize,
    summary: &ServiceSummary,
    text: &mut String,
) {
    let contract = &evaluation.contracts[report.trace.version];
    // Each row as the period's version names it: the row may have been routed to another
    // version of the contract.
    let outages: Vec<(&Incident, &crate::calc::Counted)> = evaluation
        .steps
        .iter()
        .filter(|step| step.period == period)
        .filter_map(|step| {
            let counted = step.counted.as_ref()?;
            (counted.service == index && counted.outage_row)
                .then(|| (&evaluation.incidents.incidents[step.incident], counted))
        })
        .collect();
    let _ = writeln!(
        text,
        "  3. downtime: {} outage row{} in the period; their union inside the calendar is {} ({} s), weighted by severity {} s",
        outages.len(),
        if outages.len() == 1 { "" } else { "s" },
        format_on_calendar(summary.downtime_seconds, summary.office_hours.as_deref()),
        summary.downtime_seconds,
        summary.weighted_downtime_seconds
    );
    for (incident, counted) in &outages {
        let end = incident.resolved.map_or_else(
            || format!("open at {}", format_instant(report.trace.scope.as_of)),
            format_instant,
        );
        let what = if incident.maintenance {
            "planned maintenance".to_owned()
        } else {
            let severity = &contract.severities[counted.severity];
            format!("{} at weight {}", severity.id, severity.downtime_weight)
        };
        let held = if counted.held {
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

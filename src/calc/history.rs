//! Terms that look back past the period judged: the year cap, escalation windows and termination
//! triggers. A contract's periods are computed in order, each adding to its [`History`]; the
//! periods before the range asked for are computed as history only (the look-back).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};

use super::model::Finding;
use crate::contract::{Contract, RuleKind, TargetKind, Termination, Trigger};
use crate::money::{Decimal, HUNDRED};
use crate::time::{Instant, PeriodRange, PeriodSpec, Seconds, format_duration};

/// One period to compute for one contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// The period.
    pub spec: PeriodSpec,
    /// Index of the contract version in force at its start.
    pub contract: usize,
    /// Whether the period was asked for (else it is computed as history only).
    pub reported: bool,
    /// First day of the contract year the period falls in.
    pub year_start: NaiveDate,
    /// Whether a version of the contract has terms that look back, so each period's breaches
    /// and availability are kept for the periods after it.
    pub keeps_history: bool,
}

/// The periods to compute, per contract id in the order the ids first appear: from the start of
/// the look-back the contract's terms need, up to the end of `range`, each with the version in
/// force at its start. Versions of one id share one history.
pub fn plan(contracts: &[Contract], range: PeriodRange) -> Vec<Vec<Planned>> {
    let mut ids: Vec<&str> = Vec::new();
    for contract in contracts {
        if !ids.contains(&contract.id.as_str()) {
            ids.push(&contract.id);
        }
    }
    ids.into_iter()
        .map(|id| {
            let versions: Vec<usize> = (0..contracts.len())
                .filter(|index| contracts[*index].id == id)
                .collect();
            let first_day = versions
                .iter()
                .map(|index| contracts[*index].effective_from)
                .min()
                .unwrap_or(NaiveDate::MIN);
            let start = versions
                .iter()
                .map(|index| look_back_start(&contracts[*index], range.from, first_day))
                .min()
                .unwrap_or(range.from)
                .max(PeriodSpec::containing(first_day, range.kind()));
            let keeps_history = versions.iter().any(|index| contracts[*index].looks_back());
            let span = PeriodRange {
                from: start.min(range.from),
                to: range.to,
            };
            span.periods()
                .filter_map(|spec| {
                    let contract = super::version_for_period(contracts, id, spec)?;
                    Some(Planned {
                        spec,
                        contract,
                        reported: range.contains(spec),
                        year_start: contract_year_start(first_day, spec.first_day()),
                        keeps_history,
                    })
                })
                .collect()
        })
        .filter(|periods: &Vec<Planned>| periods.iter().any(|planned| planned.reported))
        .collect()
}

/// The first day of the contract year (counted from `first_day`) that contains `date`.
fn contract_year_start(first_day: NaiveDate, date: NaiveDate) -> NaiveDate {
    let mut start = first_day;
    while let Some(next) = start.checked_add_months(Months::new(12)) {
        if next > date {
            break;
        }
        start = next;
    }
    start
}

/// The earliest period `contract`'s terms look at when `from` is judged; contract years count
/// from `first_day`, the first day of the contract's first version. With a year cap, the year's
/// first period needs its own escalation window too, since escalated credits fill the cap; a
/// breach's multiplier depends only on how many breaches precede it, so no further look-back is
/// needed.
fn look_back_start(contract: &Contract, from: PeriodSpec, first_day: NaiveDate) -> PeriodSpec {
    let kind = from.kind();
    let before = |first: PeriodSpec, seconds: Seconds| {
        let days = u64::try_from(seconds.div_euclid(86_400) + 1).unwrap_or(0);
        let date = first
            .first_day()
            .checked_sub_days(chrono::Days::new(days))
            .unwrap_or(NaiveDate::MIN);
        PeriodSpec::containing(date, kind)
    };
    let escalation_window = contract
        .credits
        .rules
        .iter()
        .filter_map(|rule| match rule.kind {
            RuleKind::Escalation { within, .. } => Some(within),
            _ => None,
        })
        .max();
    let mut firsts = vec![from];
    if contract.credits.per_year_cap.is_some() {
        let year = contract_year_start(first_day, from.first_day());
        firsts.push(PeriodSpec::containing(year, kind));
    }
    let mut start = firsts.iter().copied().min().unwrap_or(from);
    for first in firsts {
        if let Some(within) = escalation_window {
            start = start.min(before(first, within));
        }
    }
    for termination in &contract.termination {
        start = start.min(match termination.trigger {
            Trigger::Availability { consecutive, .. } => {
                from.shifted(1 - i32::try_from(consecutive).unwrap_or(i32::MAX))
            }
            Trigger::Breaches { within, .. } => before(from, within),
        });
    }
    start
}

/// A breached target, as later periods need to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachEvent {
    /// When the allowed time ran out.
    pub deadline: Instant,
    /// The period it was judged in.
    pub period: PeriodSpec,
    /// Service id.
    pub service: String,
    /// Severity id.
    pub severity: String,
    /// Which target.
    pub kind: TargetKind,
    /// Incident id.
    pub incident: String,
}

/// A service's availability in one period, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityRecord {
    /// The period.
    pub period: PeriodSpec,
    /// Service id.
    pub service: String,
    /// Seconds measured.
    pub measured: Seconds,
    /// Weighted downtime seconds.
    pub downtime: Decimal,
}

impl AvailabilityRecord {
    /// Whether availability is strictly below `threshold` percent (never when nothing was
    /// measured).
    fn below(&self, threshold: Decimal) -> bool {
        let measured = Decimal::from(self.measured);
        self.measured > 0 && (measured - self.downtime) * HUNDRED < threshold * measured
    }

    fn percent(&self) -> Decimal {
        super::availability_percent(self.measured, self.downtime).round_dp(4)
    }
}

/// What one contract's earlier periods left behind.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every breached target of the periods computed so far.
    pub breaches: Vec<BreachEvent>,
    /// Every service's availability in the periods computed so far.
    pub availability: Vec<AvailabilityRecord>,
    /// Credits issued per contract year (by its first day), after every cap and the minimum.
    pub issued: BTreeMap<NaiveDate, Decimal>,
}

/// A breach a rule prices: its incident and target.
pub type BreachKey = (String, TargetKind);

/// The multiplier each current breach gets from the contract's escalation rules, by rule index
/// of the priced rule: a breach is escalated under an escalation rule when it is at least the
/// `breaches`-th breach of the named rules within the rolling window that ends at its deadline
/// (the window includes its start: "within 90 days" counts a breach exactly 90 days earlier).
/// Breaches are ordered by deadline, then incident id. Where several escalation rules name one
/// rule, the highest multiplier holds.
pub fn escalations(
    contract: &Contract,
    earlier: &[BreachEvent],
    current: &[BreachEvent],
) -> super::Escalated {
    let mut escalated = BTreeMap::new();
    let rules = &contract.credits.rules;
    for escalation in rules {
        let RuleKind::Escalation {
            applies_to,
            breaches,
            within,
            multiplier,
        } = &escalation.kind
        else {
            continue;
        };
        let counts = |event: &BreachEvent| {
            let (Some(service), Some(severity)) = (
                contract.service_index(&event.service),
                contract.severity_index(&event.severity),
            ) else {
                return false;
            };
            escalation.covers_service(service)
                && escalation.covers_severity(severity)
                && applies_to.iter().any(|index| {
                    let rule = &rules[*index];
                    rule.kind.target() == Some(event.kind)
                        && rule.covers_service(service)
                        && rule.covers_severity(severity)
                })
        };
        let mut events: Vec<(&BreachEvent, bool)> = earlier
            .iter()
            .map(|event| (event, false))
            .chain(current.iter().map(|event| (event, true)))
            .filter(|(event, _)| counts(event))
            .collect();
        events.sort_by(|left, right| {
            (left.0.deadline, &left.0.incident, left.0.kind).cmp(&(
                right.0.deadline,
                &right.0.incident,
                right.0.kind,
            ))
        });
        events.dedup_by(|left, right| {
            left.0.incident == right.0.incident && left.0.kind == right.0.kind
        });
        let mut first = 0;
        for index in 0..events.len() {
            let (event, is_current) = events[index];
            while events[first].0.deadline < event.deadline - within {
                first += 1;
            }
            let count = index - first + 1;
            if !is_current || count < *breaches as usize {
                continue;
            }
            let why = super::model::Escalation {
                count,
                within: *within,
                rule: escalation.id.clone(),
                line: escalation.line,
                multiplier: *multiplier,
            };
            for rule in applies_to {
                let key = (*rule, (event.incident.clone(), event.kind));
                let known = escalated.get(&key).map(|(known, _)| *known);
                if known.is_none_or(|known| *multiplier > known) {
                    escalated.insert(key, (*multiplier, why.clone()));
                }
            }
        }
    }
    escalated
}

/// Termination rights set off in the period `spec`: a trigger fires in every period where its
/// condition holds at the period's end (the right persists while the failure does).
pub fn termination_findings(
    contract: &Contract,
    history: &History,
    spec: PeriodSpec,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for termination in &contract.termination {
        match &termination.trigger {
            Trigger::Availability { below, consecutive } => {
                findings.extend(availability_trigger(
                    contract,
                    termination,
                    history,
                    spec,
                    *below,
                    *consecutive,
                ));
            }
            Trigger::Breaches {
                count,
                target,
                severities,
                within,
            } => {
                let covered = |event: &&BreachEvent| {
                    event.kind == *target
                        && contract
                            .service_index(&event.service)
                            .is_some_and(|service| termination.covers_service(service))
                        && contract
                            .severity_index(&event.severity)
                            .is_some_and(|severity| {
                                severities
                                    .as_ref()
                                    .is_none_or(|severities| severities.contains(&severity))
                            })
                };
                let mut events: Vec<&BreachEvent> =
                    history.breaches.iter().filter(covered).collect();
                events.sort_by(|left, right| {
                    (left.deadline, &left.incident).cmp(&(right.deadline, &right.incident))
                });
                events.dedup_by(|left, right| left.incident == right.incident);
                // The last breach of the period that completes the count decides the finding.
                let window = (0..events.len()).rev().find_map(|last| {
                    if events[last].period != spec {
                        return None;
                    }
                    let first = events[..=last]
                        .iter()
                        .position(|event| event.deadline >= events[last].deadline - within)?;
                    (last + 1 - first >= *count as usize).then(|| &events[first..=last])
                });
                let Some(window) = window else { continue };
                let incidents: Vec<String> =
                    window.iter().map(|event| event.incident.clone()).collect();
                let periods: BTreeSet<String> = window
                    .iter()
                    .map(|event| event.period.to_string())
                    .collect();
                let services: BTreeSet<&str> =
                    window.iter().map(|event| event.service.as_str()).collect();
                findings.push(Finding {
                    kind: "termination-right",
                    service: services.into_iter().collect::<Vec<_>>().join(", "),
                    incidents: incidents.clone(),
                    periods: periods.into_iter().collect(),
                    message: format!(
                        "{} {} breaches within {} ({}), at least {count}: the customer may terminate (contract line {})",
                        window.len(),
                        target.name(),
                        format_duration(*within),
                        incidents.join(", "),
                        termination.line
                    ),
                    sources: Vec::new(),
                });
            }
        }
    }
    findings
}

fn availability_trigger(
    contract: &Contract,
    termination: &Termination,
    history: &History,
    spec: PeriodSpec,
    below: Decimal,
    consecutive: u32,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, service) in contract.services.iter().enumerate() {
        if !termination.covers_service(index) {
            continue;
        }
        let records: Option<Vec<&AvailabilityRecord>> = (0..consecutive)
            .rev()
            .map(|back| {
                let period = spec.shifted(-i32::try_from(back).unwrap_or(i32::MAX));
                history
                    .availability
                    .iter()
                    .find(|record| record.period == period && record.service == service.id)
                    .filter(|record| record.below(below))
            })
            .collect();
        let Some(records) = records else { continue };
        let figures: Vec<String> = records
            .iter()
            .map(|record| format!("{} {}%", record.period, record.percent()))
            .collect();
        findings.push(Finding {
            kind: "termination-right",
            service: service.id.clone(),
            incidents: Vec::new(),
            periods: records
                .iter()
                .map(|record| record.period.to_string())
                .collect(),
            message: format!(
                "availability below {below}% in {consecutive} consecutive period{} ({}): the customer may terminate (contract line {})",
                if consecutive == 1 { "" } else { "s" },
                figures.join(", "),
                termination.line
            ),
            sources: Vec::new(),
        });
    }
    findings
}

//! Credit lines. Per service: each rule's raw amount (with escalation multipliers, then
//! `max_per_incident`), each line rounded once with the contract's rule, then the service cap
//! filled in rule order. Per contract: the period cap across services, the year cap, then the
//! minimum.

use chrono::NaiveDate;

use super::model::{
    Cap, CapApplied, CapNote, Clocks, CreditLine, Derivation, EscalatedBreach, Limit, Rate,
    RuleCredit,
};
use super::{
    Downtime, Escalated, Judged, Judgement, Outage, Status, Ticket, clip_to_open, downtime,
};
use crate::contract::template::ReferenceField;
use crate::contract::{Band, Contract, Rule, RuleKind, TargetKind};
use crate::money::{Amount, Decimal, Rounding};
use crate::time::{Instant, PeriodSpec, Seconds};

/// What the credit rules of one service look at.
pub struct ServiceFacts<'a> {
    /// The contract.
    pub contract: &'a Contract,
    /// Index of the service in the contract.
    pub service: usize,
    /// Seconds measured.
    pub measured: Seconds,
    /// The service's downtime.
    pub downtime: Downtime,
    /// Each outage incident's outage, whole.
    pub outages: &'a [Outage],
    /// The measured time: the open time of the service's calendar less excluded maintenance.
    pub open: &'a [(Instant, Instant)],
    /// Every breached or pending target due in the period.
    pub judged: &'a [Judged],
    /// The period.
    pub period: PeriodSpec,
    /// The claim-by date of the period's credits, if the contract sets one.
    pub claim_by: Option<NaiveDate>,
    /// Breaches whose credits escalation rules multiply.
    pub escalated: &'a Escalated,
}

/// A line before rounding and caps.
struct RawLine {
    rule: String,
    description: Derivation,
    rate: Rate,
    quantity: u64,
    amount: Decimal,
    incidents: Vec<String>,
}

/// The credit lines the service earns, rounded and under the service cap, in rule order.
pub fn service_credit_lines(facts: &ServiceFacts<'_>) -> Vec<CreditLine> {
    let raw_lines: Vec<RawLine> = facts
        .contract
        .credits
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.covers_service(facts.service))
        .filter_map(|(index, rule)| match &rule.kind {
            RuleKind::Availability { .. } => availability_line(facts, rule),
            RuleKind::PerBreach { target, .. } | RuleKind::PerUnitLate { target, .. } => {
                breach_line(facts, index, rule, *target)
            }
            RuleKind::PerUnitDown {
                unit,
                credit,
                min_outage,
            } => per_unit_down_line(facts, rule, *unit, *credit, *min_outage),
            RuleKind::DowntimeMultiple { multiplier } => {
                downtime_multiple_line(facts, rule, *multiplier)
            }
            // Escalation changes the lines of the rules it names; it has none of its own.
            RuleKind::Escalation { .. } => None,
        })
        .collect();
    apply_service_cap(facts, raw_lines)
}

fn fee(facts: &ServiceFacts<'_>) -> Decimal {
    facts.contract.period_fee(facts.service)
}

fn availability_line(facts: &ServiceFacts<'_>, rule: &Rule) -> Option<RawLine> {
    let RuleKind::Availability { bands } = &rule.kind else {
        return None;
    };
    facts.contract.services[facts.service].availability_target?;
    let up = Decimal::from(facts.measured) - facts.downtime.weighted;
    let band = bands
        .iter()
        .rev()
        .find(|band| band.contains(up, Decimal::from(facts.measured)))?;
    let availability =
        super::availability_percent(facts.measured, facts.downtime.weighted).round_dp(4);
    Some(RawLine {
        rule: rule.id.clone(),
        description: Derivation::Availability {
            availability,
            band: *band,
        },
        rate: Rate::Amount(band.credit),
        quantity: 1,
        amount: band.credit.of_fee(fee(facts)),
        incidents: Vec::new(),
    })
}

/// The breached targets of `kind` that `rule` prices, one per incident, in id order.
fn priced_breaches<'a>(
    facts: &'a ServiceFacts<'_>,
    rule: &Rule,
    kind: TargetKind,
) -> Vec<&'a Judged> {
    let mut breaches: Vec<&Judged> = facts
        .judged
        .iter()
        .filter(|judged| {
            judged.verdict.kind == kind
                && judged.verdict.status == Status::Breached
                && rule.covers_severity(usize::from(judged.ticket.severity))
        })
        .collect();
    breaches.sort_by(|left, right| left.ticket.id.cmp(&right.ticket.id));
    breaches.dedup_by(|left, right| left.ticket.id == right.ticket.id);
    breaches
}

/// The escalation multiplier of one priced breach (1 when none applies).
fn escalation_multiplier(
    escalated: &Escalated,
    rule: usize,
    ticket: &Ticket,
    kind: TargetKind,
) -> Decimal {
    if escalated.is_empty() {
        return Decimal::ONE;
    }
    escalated
        .get(&(rule, (ticket.id.to_string(), kind)))
        .map_or(Decimal::ONE, |(multiplier, _)| *multiplier)
}

/// The breaches of a line that escalation multiplied, each with why.
fn escalated_breaches(
    escalated: &Escalated,
    rule: usize,
    breaches: &[&Judged],
) -> Vec<EscalatedBreach> {
    if escalated.is_empty() {
        return Vec::new();
    }
    breaches
        .iter()
        .filter_map(|Judged { ticket, verdict }| {
            escalated
                .get(&(rule, (ticket.id.to_string(), verdict.kind)))
                .map(|(_, why)| EscalatedBreach {
                    incident: ticket.id.to_string(),
                    escalation: why.clone(),
                })
        })
        .collect()
}

/// One breach priced by one rule: the units the rate applies to (1 for `per_breach`, the started
/// units of lateness for `per_unit_late`) and the amount before caps and rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Priced {
    units: u64,
    amount: Decimal,
}

/// How rule `rule` (index `index` in the contract) prices the breach `verdict` of `ticket`, with
/// the period fee `fee`: the rate (per breach, or per started unit of lateness up to
/// `max_per_incident`) times the escalation multiplier. `None` when the rule prices no breach of
/// that target. The one place a breach is priced: credit lines sum these, breach rows list them.
fn price_breach(
    rule: &Rule,
    index: usize,
    fee: Decimal,
    (ticket, verdict): (&Ticket, &Judgement),
    escalated: &Escalated,
) -> Option<Priced> {
    let multiplier = || escalation_multiplier(escalated, index, ticket, verdict.kind);
    match rule.kind {
        RuleKind::PerBreach { target, credit } if target == verdict.kind => Some(Priced {
            units: 1,
            amount: credit.of_fee(fee) * multiplier(),
        }),
        RuleKind::PerUnitLate {
            target,
            unit,
            credit,
            max_per_incident,
        } if target == verdict.kind => {
            let units = started_units(verdict.actual - verdict.allowed, unit);
            let amount = credit.of_fee(fee) * Decimal::from(units) * multiplier();
            Some(Priced {
                units,
                amount: max_per_incident.map_or(amount, |max| amount.min(max.of_fee(fee))),
            })
        }
        _ => None,
    }
}

/// The line of a `per_breach` or `per_unit_late` rule: each breach of `target` it covers priced
/// by [`price_breach`], the units and amounts summed.
fn breach_line(
    facts: &ServiceFacts<'_>,
    index: usize,
    rule: &Rule,
    target: TargetKind,
) -> Option<RawLine> {
    let breaches = priced_breaches(facts, rule, target);
    if breaches.is_empty() {
        return None;
    }
    let priced: Vec<Priced> = breaches
        .iter()
        .filter_map(|judged| {
            price_breach(
                rule,
                index,
                fee(facts),
                (&judged.ticket, &judged.verdict),
                facts.escalated,
            )
        })
        .collect();
    let units: u64 = priced
        .iter()
        .fold(0, |sum, priced| sum.saturating_add(priced.units));
    let escalated = escalated_breaches(facts.escalated, index, &breaches);
    let (description, credit) = match rule.kind {
        RuleKind::PerUnitLate {
            unit,
            credit,
            max_per_incident,
            ..
        } => (
            Derivation::PerUnitLate {
                units,
                unit,
                breaches: breaches.len(),
                target,
                credit,
                max_per_incident,
                escalated,
                clocks: clocks(facts.contract, &breaches),
            },
            credit,
        ),
        RuleKind::PerBreach { credit, .. } => (
            Derivation::PerBreach {
                breaches: units,
                target,
                credit,
                escalated,
            },
            credit,
        ),
        _ => return None,
    };
    Some(RawLine {
        rule: rule.id.clone(),
        description,
        rate: Rate::Amount(credit),
        quantity: units,
        // Held at `LARGEST_LINE`: the one sum of money whose terms the contract's limits do not
        // bound (units of lateness come from the export).
        amount: crate::money::line_total(priced.iter().map(|priced| priced.amount)),
        incidents: breaches
            .iter()
            .map(|judged| judged.ticket.id.to_string())
            .collect(),
    })
}

/// The clocks `breaches` were measured on: each target's calendar.
fn clocks(contract: &Contract, breaches: &[&Judged]) -> Clocks {
    let mut clocks = Clocks::default();
    for Judged { ticket, verdict } in breaches {
        let calendar = contract
            .target(usize::from(ticket.severity), verdict.kind)
            .map_or(0, |target| target.calendar);
        match contract.office_hours(calendar) {
            Some(name) => clocks.office_hours.push(name.to_owned()),
            None => clocks.around_the_clock = true,
        }
    }
    clocks.office_hours.sort();
    clocks.office_hours.dedup();
    clocks
}

/// The office-hours calendar the service's availability (and so its downtime) is measured on.
fn availability_office_hours(facts: &ServiceFacts<'_>) -> Option<String> {
    let contract = facts.contract;
    contract
        .office_hours(contract.services[facts.service].availability_calendar)
        .map(str::to_owned)
}

/// Started units in `seconds`: 61 minutes in 1-hour units is 2.
fn started_units(seconds: Seconds, unit: Seconds) -> u64 {
    (seconds.max(0) as u64).div_ceil(unit as u64)
}

fn per_unit_down_line(
    facts: &ServiceFacts<'_>,
    rule: &Rule,
    unit: Seconds,
    credit: Amount,
    min_outage: Seconds,
) -> Option<RawLine> {
    // Only outages at least `min_outage` long (inside the measured time) count; overlaps once.
    let qualifying: Vec<Outage> = facts
        .outages
        .iter()
        .map(|outage| clip_to_open(std::slice::from_ref(outage), facts.open))
        .filter(|pieces| {
            pieces
                .iter()
                .map(|piece| piece.end - piece.start)
                .sum::<Seconds>()
                >= min_outage
        })
        .flatten()
        .collect();
    let down = downtime(&qualifying, Seconds::MIN, Seconds::MAX).seconds;
    let units = started_units(down, unit);
    if units == 0 {
        return None;
    }
    Some(RawLine {
        rule: rule.id.clone(),
        description: Derivation::PerUnitDown {
            downtime: down,
            min_outage,
            units,
            unit,
            credit,
            office_hours: availability_office_hours(facts),
        },
        rate: Rate::Amount(credit),
        quantity: units,
        amount: credit.of_fee(fee(facts)) * Decimal::from(units),
        incidents: Vec::new(),
    })
}

fn downtime_multiple_line(
    facts: &ServiceFacts<'_>,
    rule: &Rule,
    multiplier: Decimal,
) -> Option<RawLine> {
    if facts.measured <= 0 || facts.downtime.weighted <= Decimal::ZERO {
        return None;
    }
    let amount = fee(facts) * facts.downtime.weighted / Decimal::from(facts.measured) * multiplier;
    Some(RawLine {
        rule: rule.id.clone(),
        description: Derivation::DowntimeMultiple {
            multiplier,
            downtime: facts
                .downtime
                .weighted
                .trunc()
                .try_into()
                .unwrap_or(Seconds::MAX),
            measured: facts.measured,
            office_hours: availability_office_hours(facts),
        },
        rate: Rate::Multiple(multiplier),
        quantity: 1,
        amount,
        incidents: Vec::new(),
    })
}

/// Rounds each line once, then fills the service cap in rule order: earlier rules keep their
/// amount, later ones are reduced. The cap is floored to the rounding grid so a rounded line, or
/// the sum of lines, never exceeds it.
fn apply_service_cap(facts: &ServiceFacts<'_>, raw_lines: Vec<RawLine>) -> Vec<CreditLine> {
    let contract = facts.contract;
    let rounding = contract.credits.rounding;
    let cap = contract.credits.per_service_cap.map(|rate| Cap {
        limit: Limit::PerService,
        rate: rounding.minor_units_of(rate),
        amount: rounding.floor(rate.of_fee(fee(facts))),
        currency: contract.currency.clone(),
    });
    let mut room = cap.as_ref().map(|cap| cap.amount);
    raw_lines
        .into_iter()
        .map(|line| {
            let before = rounding.apply(line.amount);
            let amount = room.map_or(before, |left| before.min(left));
            if let Some(left) = room.as_mut() {
                *left -= amount;
            }
            let cap_applied = match &cap {
                Some(cap) if amount < before => Some(CapApplied(vec![CapNote::Cap {
                    cap: cap.clone(),
                    reduced_by: before - amount,
                }])),
                _ => None,
            };
            let availability = match &line.description {
                Derivation::Availability { availability, .. } => Some(*availability),
                _ => None,
            };
            let rate = in_minor_units(line.rate, rounding);
            CreditLine {
                contract: contract.id.clone(),
                provider: contract.provider.clone(),
                customer: contract.customer.clone(),
                period: facts.period.to_string(),
                service: contract.services[facts.service].id.clone(),
                rule: line.rule,
                description: derivation_in_minor_units(line.description, rounding),
                basis: rounding.minor_units(fee(facts)),
                rate,
                quantity: line.quantity,
                amount_before_caps: before,
                amount,
                currency: contract.currency.clone(),
                incident_count: line.incidents.len() as u64,
                incidents: line.incidents,
                cap_applied,
                claim_by: facts.claim_by,
                rate_percent: rate.percent(),
                unit_amount: rate.unit_amount(),
                availability,
                // Filled by `post_lines` once the contract's lines are final.
                reference: None,
                vendor_id: None,
                po_number: None,
                gl_account: None,
                cost_center: None,
            }
        })
        .collect()
}

/// A line's rate with a fixed amount in the currency's minor units (`Rounding::minor_units`).
fn in_minor_units(rate: Rate, rounding: Rounding) -> Rate {
    match rate {
        Rate::Amount(amount) => Rate::Amount(rounding.minor_units_of(amount)),
        Rate::Multiple(_) => rate,
    }
}

/// A derivation with every fixed amount it quotes in the currency's minor units, so its words
/// write `x 50.00` where the contract wrote `credit: 50`.
fn derivation_in_minor_units(derivation: Derivation, rounding: Rounding) -> Derivation {
    let money = |amount: Amount| rounding.minor_units_of(amount);
    match derivation {
        Derivation::Availability { availability, band } => Derivation::Availability {
            availability,
            band: Band {
                credit: money(band.credit),
                ..band
            },
        },
        Derivation::PerBreach {
            breaches,
            target,
            credit,
            escalated,
        } => Derivation::PerBreach {
            breaches,
            target,
            credit: money(credit),
            escalated,
        },
        Derivation::PerUnitLate {
            units,
            unit,
            breaches,
            target,
            credit,
            max_per_incident,
            escalated,
            clocks,
        } => Derivation::PerUnitLate {
            units,
            unit,
            breaches,
            target,
            credit: money(credit),
            max_per_incident: max_per_incident.map(money),
            escalated,
            clocks,
        },
        Derivation::PerUnitDown {
            downtime,
            min_outage,
            units,
            unit,
            credit,
            office_hours,
        } => Derivation::PerUnitDown {
            downtime,
            min_outage,
            units,
            unit,
            credit: money(credit),
            office_hours,
        },
        Derivation::DowntimeMultiple { .. } => derivation,
    }
}

/// Gives each of a contract period's final credit lines, in the order they are written, what
/// the customer's finance system posts it with: the contract's `invoice` fields and the line's
/// reference, `{n}` being its number from 1.
pub fn post_lines(contract: &Contract, lines: &mut [CreditLine]) {
    let invoice = &contract.invoice;
    for (index, line) in lines.iter_mut().enumerate() {
        line.reference = invoice.reference.as_ref().map(|reference| {
            reference.fill(|field| match field {
                ReferenceField::Contract => line.contract.clone(),
                ReferenceField::Period => line.period.clone(),
                ReferenceField::Service => line.service.clone(),
                ReferenceField::Rule => line.rule.clone(),
                ReferenceField::Number => (index + 1).to_string(),
            })
        });
        line.vendor_id.clone_from(&invoice.vendor_id);
        line.po_number.clone_from(&invoice.po_number);
        line.gl_account.clone_from(&invoice.gl_account);
        line.cost_center.clone_from(&invoice.cost_center);
    }
}

/// The contract year a period falls in, and the credit already issued in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearCap {
    /// First day of the contract year.
    pub start: NaiveDate,
    /// Credit issued in the year's earlier periods.
    pub used: Decimal,
}

/// The contract-wide limits, after every service's lines: the period cap across services, then
/// the year cap (what is left of it after the year's earlier periods), each filled in rule
/// order, then service order; then the minimum (a line below it is listed at 0.00).
pub fn apply_contract_limits(contract: &Contract, lines: &mut [CreditLine], year: YearCap) {
    let rounding = contract.credits.rounding;
    let fees: Decimal = (0..contract.services.len())
        .map(|service| contract.period_fee(service))
        .sum();
    let mut order: Vec<usize> = (0..lines.len()).collect();
    let rule_rank = |line: &CreditLine| {
        contract
            .credits
            .rules
            .iter()
            .position(|rule| rule.id == line.rule)
    };
    let service_rank = |line: &CreditLine| contract.service_index(&line.service);
    order.sort_by_key(|index| (rule_rank(&lines[*index]), service_rank(&lines[*index])));
    // A line already below the minimum will not be issued, so it takes no room under a cap.
    let minimum = contract.credits.minimum.unwrap_or(Decimal::ZERO);
    order.retain(|index| lines[*index].amount >= minimum);
    if let Some(rate) = contract.credits.per_period_cap {
        let cap = Cap {
            limit: Limit::PerPeriod,
            rate: rounding.minor_units_of(rate),
            amount: rounding.floor(rate.of_fee(fees)),
            currency: contract.currency.clone(),
        };
        fill_cap(lines, &order, cap.amount, &cap);
    }
    if let Some(rate) = contract.credits.per_year_cap {
        let monthly: Decimal = contract.services.iter().map(|service| service.fee).sum();
        let cap = Cap {
            limit: Limit::PerYear {
                start: year.start,
                used: rounding.minor_units(year.used),
            },
            rate: rounding.minor_units_of(rate),
            amount: rounding.floor(rate.of_fee(monthly * Decimal::from(12))),
            currency: contract.currency.clone(),
        };
        let room = (cap.amount - year.used).max(Decimal::ZERO);
        fill_cap(lines, &order, room, &cap);
    }
    if let Some(minimum) = contract.credits.minimum {
        for line in lines
            .iter_mut()
            .filter(|line| line.amount > Decimal::ZERO && line.amount < minimum)
        {
            let note = CapNote::Minimum {
                minimum: rounding.apply(minimum),
                withheld: line.amount,
            };
            add_note(line, note);
            line.amount = rounding.apply(Decimal::ZERO);
        }
    }
}

/// Fills `room` with the lines in `order`; a line that does not fit is reduced and says so,
/// naming the `cap`.
fn fill_cap(lines: &mut [CreditLine], order: &[usize], mut room: Decimal, cap: &Cap) {
    for index in order {
        let line = &mut lines[*index];
        let allowed = line.amount.min(room);
        room -= allowed;
        if allowed < line.amount {
            let note = CapNote::Cap {
                cap: cap.clone(),
                reduced_by: line.amount - allowed,
            };
            add_note(line, note);
            line.amount = allowed;
        }
    }
}

fn add_note(line: &mut CreditLine, note: CapNote) {
    line.cap_applied
        .get_or_insert_with(|| CapApplied(Vec::new()))
        .0
        .push(note);
}

/// The rules that price the breach `verdict` of `ticket`, with the amount each gives before caps
/// and rounding: the same [`price_breach`] the credit lines sum.
pub fn per_breach_credits(
    contract: &Contract,
    service: usize,
    ticket: &Ticket,
    verdict: &Judgement,
    escalated: &Escalated,
) -> Vec<RuleCredit> {
    let fee = contract.period_fee(service);
    contract
        .credits
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| {
            rule.covers_service(service) && rule.covers_severity(usize::from(ticket.severity))
        })
        .filter_map(|(index, rule)| {
            let priced = price_breach(rule, index, fee, (ticket, verdict), escalated)?;
            Some(RuleCredit {
                rule: rule.id.clone(),
                amount: contract.credits.rounding.minor_units(priced.amount),
            })
        })
        .collect()
}

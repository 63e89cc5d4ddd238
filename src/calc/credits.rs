//! Credit lines for one service in one period: each rule's raw amount, then the service cap
//! (filled in rule order), each line rounded once with the contract's rule.

use super::{Downtime, Judgement, Status};
use crate::contract::{Contract, RuleKind, TargetKind};
use crate::incidents::Incident;
use crate::money::{Amount, Decimal};
use crate::report::{CreditLine, RuleCredit};
use crate::time::{PeriodSpec, Seconds};

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
    /// Every breached or pending target due in the period.
    pub judged: &'a [(&'a Incident, Judgement)],
    /// The period.
    pub period: PeriodSpec,
}

/// A line before caps and rounding.
struct RawLine {
    rule: String,
    description: String,
    rate: Amount,
    quantity: u64,
    amount: Decimal,
    incidents: Vec<String>,
}

/// The credit lines the service earns, capped and rounded, in rule order.
pub fn service_credit_lines(facts: &ServiceFacts<'_>) -> Vec<CreditLine> {
    let contract = facts.contract;
    let service = &contract.services[facts.service];
    let raw_lines: Vec<RawLine> = contract
        .credits
        .rules
        .iter()
        .filter(|rule| rule.covers_service(facts.service))
        .filter_map(|rule| match &rule.kind {
            RuleKind::Availability { bands } => {
                service.availability_target?;
                let up = Decimal::from(facts.measured) - facts.downtime.weighted;
                let band = bands
                    .iter()
                    .rev()
                    .find(|band| band.contains(up, Decimal::from(facts.measured)))?;
                let availability =
                    super::availability_percent(facts.measured, facts.downtime.weighted)
                        .round_dp(4);
                Some(RawLine {
                    rule: rule.id.clone(),
                    description: format!(
                        "availability {availability}% is {} (contract line {}): {} of the fee",
                        band.describe(),
                        band.line,
                        band.credit
                    ),
                    rate: band.credit,
                    quantity: 1,
                    amount: band.credit.of_fee(contract.period_fee(facts.service)),
                    incidents: Vec::new(),
                })
            }
            RuleKind::PerBreach { target, credit } => {
                let mut incidents: Vec<String> = facts
                    .judged
                    .iter()
                    .filter(|(incident, verdict)| {
                        verdict.kind == *target
                            && verdict.status == Status::Breached
                            && rule.covers_severity(usize::from(incident.severity))
                    })
                    .map(|(incident, _)| incident.id.to_string())
                    .collect();
                incidents.sort();
                incidents.dedup();
                if incidents.is_empty() {
                    return None;
                }
                let quantity = incidents.len() as u64;
                Some(RawLine {
                    rule: rule.id.clone(),
                    description: format!(
                        "{quantity} {} breach{} x {credit}{}",
                        target.name(),
                        if quantity == 1 { "" } else { "es" },
                        if matches!(credit, Amount::PercentOfFee(_)) {
                            " of the fee"
                        } else {
                            ""
                        }
                    ),
                    rate: *credit,
                    quantity,
                    amount: credit.of_fee(contract.period_fee(facts.service))
                        * Decimal::from(quantity),
                    incidents,
                })
            }
        })
        .collect();
    apply_caps(contract, facts.service, facts.period, raw_lines)
}

/// Rounds each line once, then fills the service cap in rule order: earlier rules keep their
/// amount, later ones are reduced. The cap is floored to the rounding grid so a rounded line, or
/// the sum of lines, never exceeds it.
fn apply_caps(
    contract: &Contract,
    service_index: usize,
    period: PeriodSpec,
    raw_lines: Vec<RawLine>,
) -> Vec<CreditLine> {
    let service = &contract.services[service_index];
    let rounding = contract.credits.rounding;
    let cap = contract.credits.per_service_cap.map(|cap| {
        (
            cap,
            rounding.floor(cap.of_fee(contract.period_fee(service_index))),
        )
    });
    let mut room = cap.map(|(_, amount)| amount);
    raw_lines
        .into_iter()
        .map(|line| {
            let before = rounding.apply(line.amount);
            let amount = room.map_or(before, |left| before.min(left));
            if let Some(left) = room.as_mut() {
                *left -= amount;
            }
            let cap_applied = match cap {
                Some((cap, cap_amount)) if amount < before => Some(format!(
                    "per_service cap {cap} = {cap_amount} {}: reduced by {}",
                    contract.currency,
                    before - amount
                )),
                _ => None,
            };
            CreditLine {
                contract: contract.id.clone(),
                provider: contract.provider.clone(),
                customer: contract.customer.clone(),
                period: period.to_string(),
                service: service.id.clone(),
                rule: line.rule,
                description: line.description,
                basis: contract.period_fee(service_index),
                rate: line.rate.to_string(),
                quantity: line.quantity,
                amount_before_caps: before,
                amount,
                currency: contract.currency.clone(),
                incidents: line.incidents,
                cap_applied,
                claim_by: None,
            }
        })
        .collect()
}

/// The per-breach rules that price a breach of `kind` by `incident`, with the amount each gives.
pub fn per_breach_credits(
    contract: &Contract,
    service: usize,
    incident: &Incident,
    kind: TargetKind,
) -> Vec<RuleCredit> {
    let fee = contract.period_fee(service);
    contract
        .credits
        .rules
        .iter()
        .filter(|rule| {
            rule.covers_service(service) && rule.covers_severity(usize::from(incident.severity))
        })
        .filter_map(|rule| match &rule.kind {
            RuleKind::PerBreach { target, credit } if *target == kind => Some(RuleCredit {
                rule: rule.id.clone(),
                amount: credit.of_fee(fee).normalize(),
            }),
            _ => None,
        })
        .collect()
}

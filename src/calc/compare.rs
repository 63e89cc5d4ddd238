//! `compare`: the same incidents judged under two sets of terms, the terms as they are (A) and as
//! proposed (B), side by side per period and service: credits, availability and breaches, the
//! difference B − A, and totals per service and overall. Built from the two reports one reading
//! gave (`pipeline::evaluate_pair`); nothing is judged here.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Report, ServiceSummary};
use crate::error::Error;
use crate::money::Decimal;

/// The two sides, in the order the command line gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The terms as they are.
    A,
    /// The terms as proposed.
    B,
}

/// What one side says of a service in a period; `None` in a [`CompareRow`] where that side's
/// contracts have no such service in force then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideFigures {
    /// The credit after caps (the service's share of the `credits` total).
    pub credits: Decimal,
    /// Availability in percent, to four decimals, as `report` shows it.
    pub availability: Decimal,
    /// Targets breached whose deadline falls in the period (respond, resolve, RCA and notify).
    pub breaches: u64,
}

/// One period and service present in A, in B, or in both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompareRow {
    /// The period, e.g. `2026-06` or `2026-Q2`.
    pub period: String,
    /// The service id.
    pub service: String,
    /// ISO 4217 code of both sides' credits.
    pub currency: String,
    /// Under the terms as they are.
    pub a: Option<SideFigures>,
    /// Under the terms as proposed.
    pub b: Option<SideFigures>,
    /// B's credits − A's credits (a side without the service counts 0.00).
    pub difference: Decimal,
}

impl CompareRow {
    /// A side's credits, 0.00 (in the currency's minor units) where that side lacks the service.
    pub fn credits(&self, side: Side) -> Decimal {
        let figures = match side {
            Side::A => &self.a,
            Side::B => &self.b,
        };
        figures
            .as_ref()
            .map_or_else(|| zero_like(self.difference), |figures| figures.credits)
    }
}

/// The sums over the range: per service, and overall, per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompareTotal {
    /// The service id, or `None` for the overall total of a currency.
    pub service: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// Sum of A's credits.
    pub credits_a: Decimal,
    /// Sum of B's credits.
    pub credits_b: Decimal,
    /// `credits_b − credits_a`.
    pub difference: Decimal,
}

/// A fact about the comparison a reader should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CompareNote {
    /// A service only one side has in a period: the other side's credits are shown as 0.00.
    OnlyOneSide {
        /// The period.
        period: String,
        /// The service id.
        service: String,
        /// The side that has it.
        side: Side,
    },
}

/// A and B side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The periods asked for: `2026-06`, or a range `2026-01..2026-12`.
    pub period: String,
    /// One row per period and service present in either side, by period, then service.
    pub rows: Vec<CompareRow>,
    /// Per service (by id), then overall, per currency.
    pub totals: Vec<CompareTotal>,
    /// Services only one side has.
    pub notes: Vec<CompareNote>,
}

/// Puts the reports of A and B side by side. Both must come from one reading (the same rows,
/// periods and `--as-of`).
///
/// # Errors
/// When one side has a service in two contracts in the same period (the rows could not say which
/// one they mean), or A and B price a service in different currencies (nothing is converted).
pub fn compare(a: &Report, b: &Report) -> Result<Comparison, Error> {
    let mut rows: BTreeMap<(String, String), CompareRow> = BTreeMap::new();
    for (side, report) in [(Side::A, a), (Side::B, b)] {
        let mut seen: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        for contract in &report.contracts {
            for service in &contract.services {
                if let Some(other) = seen.insert(
                    (&contract.period, &service.service),
                    contract.contract.as_str(),
                ) {
                    return Err(Error::Usage(format!(
                        "{side:?}: service `{}` is in two contracts ({other} and {}) in {}; compare one contract's terms with another's",
                        service.service, contract.contract, contract.period
                    )));
                }
                let key = (contract.period.clone(), service.service.clone());
                let row = rows.entry(key).or_insert_with(|| CompareRow {
                    period: contract.period.clone(),
                    service: service.service.clone(),
                    currency: contract.currency.clone(),
                    a: None,
                    b: None,
                    difference: Decimal::ZERO,
                });
                if row.currency != contract.currency {
                    return Err(Error::Usage(format!(
                        "service `{}` is priced in {} by A and in {} by B in {}; compare converts no currency",
                        service.service, row.currency, contract.currency, contract.period
                    )));
                }
                let figures = Some(figures(service));
                match side {
                    Side::A => row.a = figures,
                    Side::B => row.b = figures,
                }
            }
        }
    }
    let mut notes = Vec::new();
    let rows: Vec<CompareRow> = rows
        .into_values()
        .map(|mut row| {
            let credits =
                |figures: &Option<SideFigures>| figures.as_ref().map(|figures| figures.credits);
            row.difference = match (credits(&row.a), credits(&row.b)) {
                (Some(a), Some(b)) => b - a,
                (Some(a), None) => zero_like(a) - a,
                (None, Some(b)) => b,
                (None, None) => Decimal::ZERO,
            };
            let only = match (&row.a, &row.b) {
                (Some(_), None) => Some(Side::A),
                (None, Some(_)) => Some(Side::B),
                _ => None,
            };
            if let Some(side) = only {
                notes.push(CompareNote::OnlyOneSide {
                    period: row.period.clone(),
                    service: row.service.clone(),
                    side,
                });
            }
            row
        })
        .collect();
    let totals = totals(&rows);
    Ok(Comparison {
        period: a.period.clone(),
        rows,
        totals,
        notes,
    })
}

fn figures(service: &ServiceSummary) -> SideFigures {
    SideFigures {
        credits: service.credit,
        availability: service.availability,
        breaches: service.respond.breached
            + service.resolve.breached
            + service.rca.breached
            + service.notify.breached,
    }
}

/// Zero with the scale of `amount`: `0.00` beside `12.50`.
fn zero_like(amount: Decimal) -> Decimal {
    let mut zero = Decimal::ZERO;
    zero.rescale(amount.scale());
    zero
}

/// Per service (in id order), then overall, each per currency.
fn totals(rows: &[CompareRow]) -> Vec<CompareTotal> {
    let mut by_service: BTreeMap<(Option<&str>, &str), (Decimal, Decimal)> = BTreeMap::new();
    for row in rows {
        let (a, b) = (row.credits(Side::A), row.credits(Side::B));
        for service in [Some(row.service.as_str()), None] {
            let sums = by_service
                .entry((service, &row.currency))
                .or_insert((zero_like(a), zero_like(b)));
            sums.0 += a;
            sums.1 += b;
        }
    }
    // Services first, by id; the overall totals (`None`) last.
    let (mut services, overall): (Vec<_>, Vec<_>) = by_service
        .into_iter()
        .partition(|((service, _), _)| service.is_some());
    services.extend(overall);
    services
        .into_iter()
        .map(|((service, currency), (a, b))| CompareTotal {
            service: service.map(str::to_owned),
            currency: currency.to_owned(),
            credits_a: a,
            credits_b: b,
            difference: b - a,
        })
        .collect()
}

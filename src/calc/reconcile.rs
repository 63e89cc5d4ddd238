//! Reconciliation: what the contracts say is owed (a credits report) against what the vendor
//! credited (received credit notes), per contract, period and service, with the claim window of
//! each shortfall.
//!
//! A received line counts against its contract, period and service; a line without a service
//! puts its whole contract and period on one row (service `*`) against the period's total, since
//! the vendor did not say which service it pays for. Matching is exact decimal arithmetic within
//! a tolerance, never a conversion: a line in another currency is rejected.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{ContractReport, Report};
use crate::contract::Contract;
use crate::contract::suggest::did_you_mean;
use crate::incidents::{Exclusion, ExclusionReason, Rejection, RowAccounting};
use crate::money::Decimal;
use crate::received::{Received, ReceivedLine};
use crate::time::{Instant, local_date, serialize_instant};

/// The reconciliation of the periods asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The periods reconciled: `2026-10`, or a range `2026-08..2026-10`.
    pub period: String,
    /// The instant claim windows are judged at (`--as-of`, else now), RFC 3339 UTC; each
    /// contract takes its date in its own time zone.
    #[serde(serialize_with = "serialize_instant")]
    pub as_of: Instant,
    /// Received and owed amounts at most this far apart are matched.
    pub tolerance: Decimal,
    /// One row per contract, period and service owed or credited, sorted by contract, period and
    /// service.
    pub rows: Vec<ReconciledRow>,
    /// Per contract and currency: the sums of the rows.
    pub totals: Vec<ReconciledTotal>,
    /// What became of every received row: counted, excluded (a period not reconciled) or
    /// rejected.
    pub received_rows: RowAccounting,
}

/// One contract, period and service (or the contract's whole period, `*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconciledRow {
    /// Contract id.
    pub contract: String,
    /// The period, e.g. `2026-10`.
    pub period: String,
    /// The service id, or `*` where the vendor's lines for the period do not all name one.
    pub service: String,
    /// The credit owed after caps (the `credits` total for the service, or for the period).
    pub owed: Decimal,
    /// The sum of the received lines.
    pub received: Decimal,
    /// `received − owed`.
    pub difference: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// How the two sides compare.
    pub status: MatchStatus,
    /// The date by which the credit must be claimed, if the contract sets one.
    #[serde(serialize_with = "super::model::serialize_date")]
    pub claim_by: Option<NaiveDate>,
    /// For a shortfall (`short`, `not_credited`): whether it can still be claimed.
    pub claim_status: Option<ClaimStatus>,
    /// The received lines' references, each once, in file and line order.
    pub references: Vec<String>,
    /// The received lines, `file:line`.
    pub sources: Vec<String>,
}

/// How a row's received amount compares with what is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Within the tolerance.
    Matched,
    /// Something received, less than owed.
    Short,
    /// Owed, nothing received.
    NotCredited,
    /// More received than owed.
    Over,
    /// Received where nothing is owed.
    Unexpected,
}

impl MatchStatus {
    /// The word in every output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::Short => "short",
            Self::NotCredited => "not_credited",
            Self::Over => "over",
            Self::Unexpected => "unexpected",
        }
    }

    /// Whether money owed is missing.
    pub fn is_shortfall(self) -> bool {
        matches!(self, Self::Short | Self::NotCredited)
    }
}

/// Whether a shortfall can still be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// On or before the claim-by date (or the contract sets none).
    Open,
    /// After the claim-by date.
    Expired,
}

impl ClaimStatus {
    /// The word in every output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Expired => "expired",
        }
    }
}

/// One contract's rows in one currency, summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconciledTotal {
    /// Contract id.
    pub contract: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Owed over the rows.
    pub owed: Decimal,
    /// Received over the rows.
    pub received: Decimal,
    /// `received − owed`.
    pub difference: Decimal,
    /// What is short or uncredited and can still be claimed.
    pub to_claim: Decimal,
    /// What is short or uncredited and can no longer be claimed.
    pub expired: Decimal,
}

/// Reconciles the report's credits (calculated with `contracts`) against the `received` lines:
/// each line is checked against its contract (known id, the contract's currency and places, a
/// service and rule it has) and counted, excluded when its period is not one of the report's, or
/// rejected; then each contract, period and service owed or credited becomes a row.
pub fn reconcile(
    contracts: &[Contract],
    report: &Report,
    received: Received,
    tolerance: Decimal,
    as_of: Instant,
) -> Reconciliation {
    let mut accounting = RowAccounting {
        read: received.read,
        rejected: received.rejected,
        ..RowAccounting::default()
    };
    let mut outside = 0;
    let mut lines: BTreeMap<(&str, &str), Vec<ReceivedLine>> = BTreeMap::new();
    let periods: BTreeMap<(&str, String), &ContractReport> = report
        .contracts
        .iter()
        .map(|period| ((period.contract.as_str(), period.period.clone()), period))
        .collect();
    for line in received.lines {
        match check_line(contracts, &periods, &line) {
            Ok(Some(period)) => {
                accounting.counted += 1;
                lines
                    .entry((&period.contract, &period.period))
                    .or_default()
                    .push(line);
            }
            Ok(None) => outside += 1,
            Err((column, value, reason)) => accounting.rejected.push(Rejection {
                file: line.file.clone(),
                line: line.line,
                column: column.to_owned(),
                value,
                reason,
                id: None,
            }),
        }
    }
    if outside > 0 {
        accounting.excluded.push(Exclusion {
            reason: ExclusionReason::Other("period not among the periods reconciled"),
            rows: outside,
        });
    }
    accounting.rejected.sort();
    let mut rows = Vec::new();
    for period in &report.contracts {
        let contract = &contracts[period.trace.version];
        let received = lines
            .remove(&(period.contract.as_str(), period.period.as_str()))
            .unwrap_or_default();
        let terms = Terms {
            contract,
            period,
            tolerance,
            today: local_date(contract.timezone, as_of),
        };
        if received.iter().any(|line| line.service.is_none()) {
            rows.extend(terms.row("*", period.credit_total, &received));
        } else {
            for service in &period.services {
                let credited: Vec<ReceivedLine> = received
                    .iter()
                    .filter(|line| line.service.as_deref() == Some(service.service.as_str()))
                    .cloned()
                    .collect();
                rows.extend(terms.row(&service.service, service.credit, &credited));
            }
        }
    }
    rows.sort_by(|a, b| {
        (&a.contract, &a.period, &a.service).cmp(&(&b.contract, &b.period, &b.service))
    });
    Reconciliation {
        period: report.period.clone(),
        as_of,
        tolerance,
        totals: totals(&rows),
        rows,
        received_rows: accounting,
    }
}

/// A rejection: the column, the value and the reason.
type Fault = (&'static str, String, String);

/// The report period a received line counts in, `None` when its period is not reconciled, or
/// why it is rejected.
fn check_line<'r>(
    contracts: &[Contract],
    periods: &BTreeMap<(&str, String), &'r ContractReport>,
    line: &ReceivedLine,
) -> Result<Option<&'r ContractReport>, Fault> {
    let Some(contract) = contracts
        .iter()
        .find(|contract| contract.id == line.contract)
    else {
        let ids: BTreeSet<&str> = contracts
            .iter()
            .map(|contract| contract.id.as_str())
            .collect();
        let mut reason = format!(
            "names no contract that is loaded (loaded: {})",
            ids.iter().copied().collect::<Vec<_>>().join(", ")
        );
        if let Some(suggestion) = did_you_mean(&line.contract, ids) {
            reason.push_str("; ");
            reason.push_str(&suggestion);
        }
        return Err(("contract", line.contract.clone(), reason));
    };
    if line.period.kind() != contract.period {
        return Err((
            "period",
            line.period.to_string(),
            format!(
                "is not a {} period: {} is measured per {} (write it like {})",
                contract.period.name(),
                contract.id,
                contract.period.name(),
                crate::time::PeriodSpec::containing(line.period.first_day(), contract.period)
            ),
        ));
    }
    let Some(period) = periods
        .get(&(line.contract.as_str(), line.period.to_string()))
        .copied()
    else {
        return Ok(None);
    };
    if line.currency != period.currency {
        return Err((
            "currency",
            line.currency.clone(),
            format!(
                "differs from {}'s currency {}; slacredit never converts: ask for the credit note in {}",
                period.contract, period.currency, period.currency
            ),
        ));
    }
    let version = &contracts[period.trace.version];
    let places = version.credits.rounding.places;
    if line.amount.normalize().scale() > places {
        return Err((
            "amount",
            line.amount.to_string(),
            format!(
                "has more decimal places than {}'s credits ({places})",
                period.contract
            ),
        ));
    }
    if let Some(service) = line.service.as_ref().filter(|service| {
        !period
            .services
            .iter()
            .any(|known| &known.service == *service)
    }) {
        let ids: Vec<&str> = period
            .services
            .iter()
            .map(|known| known.service.as_str())
            .collect();
        return Err((
            "service",
            service.clone(),
            unknown("service", &period.contract, service, &ids),
        ));
    }
    if let Some(rule) = line
        .rule
        .as_ref()
        .filter(|rule| !version.credits.rules.iter().any(|known| &known.id == *rule))
    {
        let ids: Vec<&str> = version
            .credits
            .rules
            .iter()
            .map(|known| known.id.as_str())
            .collect();
        return Err((
            "rule",
            rule.clone(),
            unknown("rule", &period.contract, rule, &ids),
        ));
    }
    Ok(Some(period))
}

/// `is not a service of ACME (its services: edr, siem); did you mean …`.
fn unknown(what: &str, contract: &str, id: &str, known: &[&str]) -> String {
    let mut reason = format!(
        "is not a {what} of {contract} (its {what}s: {})",
        known.join(", ")
    );
    if let Some(suggestion) = did_you_mean(id, known.iter().copied()) {
        reason.push_str("; ");
        reason.push_str(&suggestion);
    }
    reason
}

/// What one contract-period's rows are judged with.
struct Terms<'a> {
    contract: &'a Contract,
    period: &'a ContractReport,
    tolerance: Decimal,
    /// The as-of date in the contract's zone.
    today: NaiveDate,
}

impl Terms<'_> {
    /// The row of `service` owing `owed` against the `received` lines; none when nothing is owed
    /// or received.
    fn row(
        &self,
        service: &str,
        owed: Decimal,
        received: &[ReceivedLine],
    ) -> Option<ReconciledRow> {
        if received.is_empty() && owed.is_zero() {
            return None;
        }
        let places = self.contract.credits.rounding.places;
        let mut credited: Decimal = received.iter().map(|line| line.amount).sum();
        credited.rescale(places);
        let mut difference = credited - owed;
        difference.rescale(places);
        let status = match_status(owed, credited, self.tolerance);
        let claim_by = super::claim_by(self.contract, self.period.trace.scope);
        let claim_status = status.is_shortfall().then(|| {
            if claim_by.is_none_or(|date| self.today <= date) {
                ClaimStatus::Open
            } else {
                ClaimStatus::Expired
            }
        });
        Some(ReconciledRow {
            contract: self.period.contract.clone(),
            period: self.period.period.clone(),
            service: service.to_owned(),
            owed,
            received: credited,
            difference,
            currency: self.period.currency.clone(),
            status,
            claim_by,
            claim_status,
            references: received.iter().fold(Vec::new(), |mut references, line| {
                // A credit note with a line per service is one reference.
                if !references.contains(&line.reference) {
                    references.push(line.reference.clone());
                }
                references
            }),
            sources: received.iter().map(ReceivedLine::origin).collect(),
        })
    }
}

/// Matched within the tolerance (inclusive); otherwise unexpected where nothing is owed, not
/// credited where nothing is received, else short or over.
pub fn match_status(owed: Decimal, received: Decimal, tolerance: Decimal) -> MatchStatus {
    if (received - owed).abs() <= tolerance {
        MatchStatus::Matched
    } else if owed.is_zero() {
        MatchStatus::Unexpected
    } else if received.is_zero() {
        MatchStatus::NotCredited
    } else if received < owed {
        MatchStatus::Short
    } else {
        MatchStatus::Over
    }
}

/// Per contract and currency, in row order.
fn totals(rows: &[ReconciledRow]) -> Vec<ReconciledTotal> {
    let mut totals: Vec<ReconciledTotal> = Vec::new();
    for row in rows {
        let position = totals
            .iter()
            .position(|total| total.contract == row.contract && total.currency == row.currency)
            .unwrap_or_else(|| {
                let zero = Decimal::new(0, row.owed.scale());
                totals.push(ReconciledTotal {
                    contract: row.contract.clone(),
                    currency: row.currency.clone(),
                    owed: zero,
                    received: zero,
                    difference: zero,
                    to_claim: zero,
                    expired: zero,
                });
                totals.len() - 1
            });
        let total = &mut totals[position];
        total.owed += row.owed;
        total.received += row.received;
        total.difference += row.difference;
        let missing = row.owed - row.received;
        match row.claim_status {
            Some(ClaimStatus::Open) => total.to_claim += missing,
            Some(ClaimStatus::Expired) => total.expired += missing,
            None => {}
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::{MatchStatus, match_status};
    use crate::money::Decimal;

    fn money(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn each_status_follows_from_owed_received_and_the_tolerance() {
        let cent = money("0.01");
        let cases = [
            // |100.00 − 99.99| = 0.01 ≤ 0.01: the tolerance is inclusive.
            ("100.00", "99.99", MatchStatus::Matched),
            // |100.00 − 99.98| = 0.02 > 0.01, something received: short.
            ("100.00", "99.98", MatchStatus::Short),
            ("100.00", "0.00", MatchStatus::NotCredited),
            ("100.00", "100.02", MatchStatus::Over),
            ("0.00", "5.00", MatchStatus::Unexpected),
            // Nothing owed and a cent received: within the tolerance.
            ("0.00", "0.01", MatchStatus::Matched),
        ];
        for (owed, received, status) in cases {
            assert_eq!(
                match_status(money(owed), money(received), cent),
                status,
                "owed {owed}, received {received}"
            );
        }
    }
}

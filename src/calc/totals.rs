//! Range totals: what each contract owes per currency over the reported periods of a range.

use std::collections::BTreeMap;

use crate::money::{Decimal, minor_units};
use crate::time::PeriodRange;

use super::model::{ContractReport, RangeTotal};

/// The totals of a run over `range`, from its reported periods `contracts` (in report order: by
/// contract, then period). `None` for a range of one period, whose output has no totals; else
/// one total per contract and currency, sorted by both, including a contract that owes nothing
/// (a zero in its own currency). Only reported periods are summed: the look-back periods a term
/// reads never reach `contracts`.
pub fn range_totals(range: PeriodRange, contracts: &[ContractReport]) -> Option<Vec<RangeTotal>> {
    if range.from == range.to {
        return None;
    }
    // The periods each contract reported, first and last in report order.
    let mut periods: BTreeMap<&str, (&str, &str, u64)> = BTreeMap::new();
    // Lines and sum per contract and currency.
    let mut sums: BTreeMap<(&str, &str), (u64, Decimal)> = BTreeMap::new();
    for report in contracts {
        periods
            .entry(&report.contract)
            .and_modify(|(_, last, count)| {
                *last = &report.period;
                *count += 1;
            })
            .or_insert((&report.period, &report.period, 1));
        // A zero in the currency's minor units (`0.00`), which every line's amount has too.
        sums.entry((&report.contract, &report.currency))
            .or_insert((0, minor_units(Decimal::ZERO, report.places)));
        for line in &report.credit_lines {
            let (lines, sum) = sums
                .entry((&report.contract, &line.currency))
                .or_insert((0, Decimal::ZERO));
            *lines += 1;
            *sum += line.amount;
        }
    }
    Some(
        sums.into_iter()
            .map(|((contract, currency), (lines, sum))| {
                let (first, last, count) = periods[contract];
                RangeTotal {
                    contract: contract.to_owned(),
                    currency: currency.to_owned(),
                    first_period: first.to_owned(),
                    last_period: last.to_owned(),
                    periods: count,
                    credit_lines: lines,
                    credit_total: sum,
                }
            })
            .collect(),
    )
}

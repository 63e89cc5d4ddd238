//! A comparison as one HTML page: per currency a chart of the credits of A against B per period,
//! then the rows per period and service, the totals and the notes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Page;
use super::chart::{self, Chart, Figure, Series};
use crate::calc::compare::{Comparison, Side, SideFigures};
use crate::money::Decimal;

const COLUMNS: [&str; 10] = [
    "period",
    "service",
    "credits A",
    "credits B",
    "difference",
    "currency",
    "availability A %",
    "availability B %",
    "breaches A",
    "breaches B",
];
const TOTAL_COLUMNS: [&str; 5] = [
    "service",
    "credits A",
    "credits B",
    "difference",
    "currency",
];

/// Writes the whole comparison as a self-contained HTML page.
pub fn write_comparison_html(out: &mut dyn Write, comparison: &Comparison) -> io::Result<()> {
    let title = format!(
        "Credits under A (terms as they are) and B (as proposed), {}",
        comparison.period
    );
    let mut page = Page::start(out, &title)?;
    page.heading(1, &title)?;
    page.figures(&figures(comparison)?)?;
    let mut rows = page.table("By period and service", &COLUMNS, &[2, 3, 4, 6, 7, 8, 9])?;
    for row in &comparison.rows {
        // Empty on the side that lacks the service.
        let figure = |side: Side, pick: fn(&SideFigures) -> String| {
            let figures = match side {
                Side::A => row.a.as_ref(),
                Side::B => row.b.as_ref(),
            };
            figures.map(pick).unwrap_or_default()
        };
        let availability = |figures: &SideFigures| figures.availability.to_string();
        let breaches = |figures: &SideFigures| figures.breaches.to_string();
        rows.row(&[
            &row.period,
            &row.service,
            &row.credits(Side::A),
            &row.credits(Side::B),
            &row.difference,
            &row.currency,
            &figure(Side::A, availability),
            &figure(Side::B, availability),
            &figure(Side::A, breaches),
            &figure(Side::B, breaches),
        ])?;
    }
    rows.finish()?;
    let mut totals = page.table(
        &format!("Totals over {}", comparison.period),
        &TOTAL_COLUMNS,
        &[1, 2, 3],
    )?;
    for total in &comparison.totals {
        let service = total.service.as_deref().unwrap_or("all");
        totals.row(&[
            &service,
            &total.credits_a,
            &total.credits_b,
            &total.difference,
            &total.currency,
        ])?;
    }
    totals.finish()?;
    if !comparison.notes.is_empty() {
        page.heading(2, "Notes")?;
        page.list(
            comparison
                .notes
                .iter()
                .map(crate::report::compare_note_text),
        )?;
    }
    page.finish()
}

/// Per currency, the credits of A and of B summed over the services of each period.
fn figures(comparison: &Comparison) -> io::Result<Vec<(String, Figure)>> {
    let mut by_currency: BTreeMap<&str, BTreeMap<&str, (Decimal, Decimal)>> = BTreeMap::new();
    for row in &comparison.rows {
        let sums = by_currency
            .entry(&row.currency)
            .or_default()
            .entry(&row.period)
            .or_default();
        sums.0 += row.credits(Side::A);
        sums.1 += row.credits(Side::B);
    }
    let mut figures = Vec::with_capacity(by_currency.len());
    for (currency, periods) in by_currency {
        let series = |name: &str, pick: fn(&(Decimal, Decimal)) -> Decimal| Series {
            name: name.to_owned(),
            values: periods.values().map(|sums| Some(pick(sums))).collect(),
        };
        let chart = Chart {
            labels: periods.keys().map(|period| (*period).to_owned()).collect(),
            series: vec![
                series("A (as they are)", |sums| sums.0),
                series("B (as proposed)", |sums| sums.1),
            ],
        };
        figures.push((
            format!("Credits per period, A against B, {currency}"),
            chart::grouped_bars(&chart)?,
        ));
    }
    Ok(figures)
}

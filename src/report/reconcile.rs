//! Renderers of a reconciliation (`calc::reconcile`): CSV with its fixed columns, a terminal
//! table and GitHub Markdown (each with the totals per contract and currency). JSON is the model
//! serialized as it is (`write_json`).

use std::io::{self, Write};

use crate::calc::reconcile::{ReconciledRow, ReconciledTotal, Reconciliation};
use crate::time::format_instant;

use super::csv::escape_text;
use super::markdown::{MarkdownTable, escape};

/// The CSV columns, in order.
const COLUMNS: [&str; 11] = [
    "contract",
    "period",
    "service",
    "owed",
    "received",
    "difference",
    "currency",
    "status",
    "claim_by",
    "claim_status",
    "references",
];

/// Which of [`COLUMNS`] hold figures.
const NUMERIC: [usize; 3] = [3, 4, 5];

const TOTAL_COLUMNS: [&str; 7] = [
    "contract",
    "currency",
    "owed",
    "received",
    "difference",
    "to claim",
    "expired",
];

/// Writes one CSV row per contract, period and service; references `;`-joined.
pub fn write_reconciliation_csv(
    out: &mut dyn Write,
    reconciliation: &Reconciliation,
) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    for row in &reconciliation.rows {
        let mut cells = row_cells(row);
        for index in [0, 2, 10] {
            cells[index] = escape_text(&cells[index]).into_owned();
        }
        writer.write_record(cells)?;
    }
    writer.flush()
}

/// A row's cells, in the CSV's order.
fn row_cells(row: &ReconciledRow) -> [String; 11] {
    [
        row.contract.clone(),
        row.period.clone(),
        row.service.clone(),
        row.owed.to_string(),
        row.received.to_string(),
        row.difference.to_string(),
        row.currency.clone(),
        row.status.name().to_owned(),
        row.claim_by
            .map(|date| date.to_string())
            .unwrap_or_default(),
        row.claim_status
            .map(|status| status.name().to_owned())
            .unwrap_or_default(),
        row.references.join(";"),
    ]
}

fn total_cells(total: &ReconciledTotal) -> [String; 7] {
    [
        total.contract.clone(),
        total.currency.clone(),
        total.owed.to_string(),
        total.received.to_string(),
        total.difference.to_string(),
        total.to_claim.to_string(),
        total.expired.to_string(),
    ]
}

/// The line above the rows.
fn title(reconciliation: &Reconciliation) -> String {
    format!(
        "Credits owed against credits received, {} (claim windows as of {})",
        reconciliation.period,
        format_instant(reconciliation.as_of)
    )
}

/// Writes the rows and the totals as terminal tables.
pub fn write_reconciliation_table(
    out: &mut dyn Write,
    reconciliation: &Reconciliation,
) -> io::Result<()> {
    writeln!(out, "{}", title(reconciliation))?;
    if reconciliation.rows.is_empty() {
        return writeln!(out, "Nothing owed and nothing received.");
    }
    let table = super::table::numeric_table;
    let mut rows = table(&COLUMNS, &NUMERIC);
    for row in &reconciliation.rows {
        rows.add_row(row_cells(row));
    }
    writeln!(out, "{rows}")?;
    writeln!(out, "Totals")?;
    let mut totals = table(&TOTAL_COLUMNS, &[2, 3, 4, 5, 6]);
    for total in &reconciliation.totals {
        totals.add_row(total_cells(total));
    }
    writeln!(out, "{totals}")
}

/// Writes the rows and the totals as GitHub Markdown.
pub fn write_reconciliation_markdown(
    out: &mut dyn Write,
    reconciliation: &Reconciliation,
) -> io::Result<()> {
    writeln!(out, "## {}\n", escape(&title(reconciliation)))?;
    if reconciliation.rows.is_empty() {
        return writeln!(out, "Nothing owed and nothing received.");
    }
    let columns: Vec<(&str, bool)> = COLUMNS
        .iter()
        .enumerate()
        .map(|(index, name)| (*name, NUMERIC.contains(&index)))
        .collect();
    let mut rows = MarkdownTable::new(&columns);
    for row in &reconciliation.rows {
        rows.row(row_cells(row));
    }
    writeln!(out, "{}", rows.text)?;
    writeln!(out, "### Totals\n")?;
    let columns: Vec<(&str, bool)> = TOTAL_COLUMNS
        .iter()
        .enumerate()
        .map(|(index, name)| (*name, index >= 2))
        .collect();
    let mut totals = MarkdownTable::new(&columns);
    for total in &reconciliation.totals {
        totals.row(total_cells(total));
    }
    write!(out, "{}", totals.text)
}

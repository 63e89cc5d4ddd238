//! Renderers of a comparison (`calc::compare`): CSV with its fixed columns, a terminal table and
//! GitHub Markdown (each with the totals per service and overall, and the notes). JSON is the
//! model serialized as it is (`write_json`).

use std::io::{self, Write};

use crate::calc::compare::{CompareNote, CompareRow, CompareTotal, Comparison, Side, SideFigures};

use super::markdown::escape;

/// The CSV columns, in order.
const CSV_COLUMNS: [&str; 10] = [
    "period",
    "service",
    "credits_a",
    "credits_b",
    "difference",
    "currency",
    "availability_a",
    "availability_b",
    "breaches_a",
    "breaches_b",
];

/// Writes one CSV row per period and service: 0.00 credits, and empty availability and breaches,
/// on the side that lacks the service.
pub fn write_comparison_csv(out: &mut dyn Write, comparison: &Comparison) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for row in &comparison.rows {
        writer.write_record(row_cells(row))?;
    }
    writer.flush()
}

/// The cells of a row, in the CSV's order.
fn row_cells(row: &CompareRow) -> [String; 10] {
    let availability = |figures: &Option<SideFigures>| {
        figures
            .as_ref()
            .map(|figures| figures.availability.to_string())
            .unwrap_or_default()
    };
    let breaches = |figures: &Option<SideFigures>| {
        figures
            .as_ref()
            .map(|figures| figures.breaches.to_string())
            .unwrap_or_default()
    };
    [
        row.period.clone(),
        row.service.clone(),
        row.credits(Side::A).to_string(),
        row.credits(Side::B).to_string(),
        row.difference.to_string(),
        row.currency.clone(),
        availability(&row.a),
        availability(&row.b),
        breaches(&row.a),
        breaches(&row.b),
    ]
}

/// The totals' cells: service (`all` for the overall total), A, B, difference, currency.
fn total_cells(total: &CompareTotal) -> [String; 5] {
    [
        total.service.clone().unwrap_or_else(|| "all".to_owned()),
        total.credits_a.to_string(),
        total.credits_b.to_string(),
        total.difference.to_string(),
        total.currency.clone(),
    ]
}

const TOTAL_COLUMNS: [&str; 5] = [
    "service",
    "credits_a",
    "credits_b",
    "difference",
    "currency",
];

/// The words of a note.
pub fn compare_note_text(note: &CompareNote) -> String {
    match note {
        CompareNote::OnlyOneSide {
            period,
            service,
            side,
        } => {
            let (has, lacks) = match side {
                Side::A => ("A", "B"),
                Side::B => ("B", "A"),
            };
            format!(
                "{period} {service}: only {has} has this service; {lacks}'s credits are shown as 0.00"
            )
        }
    }
}

/// Writes the comparison as terminal tables: the rows, the totals, then the notes.
pub fn write_comparison_table(out: &mut dyn Write, comparison: &Comparison) -> io::Result<()> {
    writeln!(
        out,
        "Credits under A (terms as they are) and B (as proposed), {}",
        comparison.period
    )?;
    let table = super::table::numeric_table;
    let mut rows = table(&CSV_COLUMNS, &[2, 3, 4, 6, 7, 8, 9]);
    for row in &comparison.rows {
        rows.add_row(super::table::escaped(row_cells(row)));
    }
    writeln!(out, "{rows}")?;
    writeln!(out, "Totals over {}", comparison.period)?;
    let mut totals = table(&TOTAL_COLUMNS, &[1, 2, 3]);
    for total in &comparison.totals {
        totals.add_row(super::table::escaped(total_cells(total)));
    }
    writeln!(out, "{totals}")?;
    for note in &comparison.notes {
        writeln!(out, "note: {}", compare_note_text(note))?;
    }
    Ok(())
}

/// Writes the comparison as GitHub Markdown: a heading, the rows, the totals, then the notes.
pub fn write_comparison_markdown(out: &mut dyn Write, comparison: &Comparison) -> io::Result<()> {
    writeln!(
        out,
        "## Credits under A (terms as they are) and B (as proposed), {}\n",
        escape(&comparison.period)
    )?;
    markdown_table(
        out,
        &CSV_COLUMNS,
        &[
            false, false, true, true, true, false, true, true, true, true,
        ],
        comparison.rows.iter().map(|row| row_cells(row).to_vec()),
    )?;
    writeln!(out, "\n### Totals over {}\n", escape(&comparison.period))?;
    markdown_table(
        out,
        &TOTAL_COLUMNS,
        &[false, true, true, true, false],
        comparison
            .totals
            .iter()
            .map(|total| total_cells(total).to_vec()),
    )?;
    if !comparison.notes.is_empty() {
        writeln!(out)?;
        for note in &comparison.notes {
            writeln!(out, "- {}", escape(&compare_note_text(note)))?;
        }
    }
    Ok(())
}

fn markdown_table(
    out: &mut dyn Write,
    header: &[&str],
    numeric: &[bool],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    writeln!(out, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = numeric
        .iter()
        .map(|numeric| if *numeric { "---:" } else { "---" })
        .collect();
    writeln!(out, "| {} |", rule.join(" | "))?;
    for row in rows {
        let cells: Vec<String> = row.iter().map(|cell| escape(cell)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

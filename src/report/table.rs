//! Terminal tables for people: the breach report, the credit lines and a range's totals.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use crate::calc::model::{
    BreachRow, ContractReport, RangeTotal, Report, ServiceSummary, TargetCounts,
};
use crate::incidents::RowAccounting;
use crate::time::{Seconds, format_on_calendar};

/// A table with `header`. On a terminal it fits the terminal's width, long cells (descriptions,
/// titles) wrapping inside their column; written to a pipe or a file it keeps each row on one
/// line, however wide, so scripts and diffs see whole rows.
fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    table
}

/// A terminal table with `header`, the columns at `numeric` aligned right (for the scorecard and
/// the comparison, whose columns are known before any row).
pub(super) fn numeric_table(header: &[&str], numeric: &[usize]) -> Table {
    let mut numbers = table(header);
    right_align(&mut numbers, numeric);
    numbers
}

/// A row's cells with their control characters escaped before the table is laid out, so a
/// column stays aligned when an id or title holds an escape sequence (the writer escapes again,
/// finding nothing left to do).
pub(super) fn escaped<const N: usize>(cells: [String; N]) -> [String; N] {
    cells.map(|cell| match crate::escape::escape_controls(&cell) {
        std::borrow::Cow::Borrowed(_) => cell,
        std::borrow::Cow::Owned(escaped) => escaped,
    })
}

/// Targets as `met/breached/pending`.
pub(super) fn counts_text(counts: &TargetCounts) -> String {
    format!("{}/{}/{}", counts.met, counts.breached, counts.pending)
}

/// A service summary's cells in the table and the Markdown: service, fee, availability, target,
/// downtime, maintenance excluded, respond and resolve counts, credit.
pub(super) fn service_cells(service: &ServiceSummary) -> [String; 9] {
    [
        service.service.clone(),
        service.fee.to_string(),
        service.availability.to_string(),
        service
            .availability_target
            .map(|target| target.to_string())
            .unwrap_or_default(),
        format_on_calendar(service.downtime_seconds, service.office_hours.as_deref()),
        format_on_calendar(
            service.maintenance_excluded_seconds,
            service.office_hours.as_deref(),
        ),
        counts_text(&service.respond),
        counts_text(&service.resolve),
        service.credit.to_string(),
    ]
}

fn right_align(table: &mut Table, columns: &[usize]) {
    for index in columns {
        if let Some(column) = table.column_mut(*index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn heading(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    writeln!(
        out,
        "{} {} | {} -> {} | period {} ({})",
        contract.contract,
        contract.title,
        contract.provider,
        contract.customer,
        contract.period,
        contract.timezone
    )?;
    writeln!(
        out,
        "measured [{}, {}), judged at {}",
        contract.period_start, contract.period_end, contract.judged_at
    )
}

/// The whole breach report: per service, per breach, credit lines and row accounting.
pub fn write_report_table(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for contract in &report.contracts {
        heading(out, contract)?;
        let mut services = table(&[
            "service",
            "fee",
            "availability %",
            "target %",
            "downtime",
            "maintenance excluded",
            "respond met/breached/pending",
            "resolve met/breached/pending",
            "credit",
        ]);
        for service in &contract.services {
            services.add_row(escaped(service_cells(service)));
        }
        right_align(&mut services, &[1, 2, 3, 4, 5, 8]);
        writeln!(out, "{services}")?;
        if !contract.breaches.is_empty() {
            let mut breaches = table(&[
                "service", "incident", "severity", "target", "status", "allowed", "actual",
                "over by", "source",
            ]);
            for breach in &contract.breaches {
                breaches.add_row(escaped([
                    breach.service.to_string(),
                    breach.incident.to_string(),
                    breach.severity.to_string(),
                    breach.target.name().to_owned(),
                    format!("{:?}", breach.status).to_lowercase(),
                    breach_duration(breach, breach.allowed_seconds),
                    breach_duration(breach, breach.actual_seconds),
                    breach_duration(breach, breach.over_by_seconds),
                    breach.source.to_string(),
                ]));
            }
            right_align(&mut breaches, &[5, 6, 7]);
            writeln!(out, "\nBreaches\n{breaches}")?;
        }
        write_lines(out, contract)?;
        if !contract.disputed.is_empty() {
            writeln!(out, "\nDisputed (held out of credits until settled)")?;
            for disputed in &contract.disputed {
                writeln!(
                    out,
                    "  {} ({}): would add {} {} [{}]",
                    disputed.incident,
                    disputed.service,
                    disputed.exposure,
                    contract.currency,
                    disputed.source
                )?;
            }
        }
        if !contract.findings.is_empty() {
            writeln!(out, "\nFindings")?;
            for finding in &contract.findings {
                let incident = match finding.incidents.as_slice() {
                    [single] => format!(" {single}"),
                    _ => String::new(),
                };
                let sources = if finding.sources.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", finding.sources.join(", "))
                };
                writeln!(
                    out,
                    "  {}{incident} ({}): {}{sources}",
                    finding.kind, finding.service, finding.message,
                )?;
            }
        }
        writeln!(out)?;
    }
    write_totals(out, report)?;
    write_rows(out, &report.rows)
}

/// The invoice credit lines only.
pub fn write_credits_table(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for contract in &report.contracts {
        heading(out, contract)?;
        write_lines(out, contract)?;
        writeln!(out)?;
    }
    write_totals(out, report)
}

/// The totals of a range of more than one period, then a blank line; nothing for one period.
fn write_totals(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let Some(totals) = &report.totals else {
        return Ok(());
    };
    let mut table = table(&[
        "contract",
        "from",
        "to",
        "periods",
        "credit lines",
        "total credit",
        "currency",
    ]);
    for total in totals {
        let RangeTotal {
            contract,
            currency,
            first_period,
            last_period,
            periods,
            credit_lines,
            credit_total,
        } = total;
        table.add_row(escaped([
            contract.clone(),
            first_period.clone(),
            last_period.clone(),
            periods.to_string(),
            credit_lines.to_string(),
            credit_total.to_string(),
            currency.clone(),
        ]));
    }
    right_align(&mut table, &[3, 4, 5]);
    writeln!(out, "Totals {}\n{table}\n", report.period)
}

/// A contract period's credit lines. The reference column is there when the contract's
/// `invoice` sets one; the other posting fields are the same on every line and stay in the CSV,
/// JSON and Markdown.
fn write_lines(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    if contract.credit_lines.is_empty() {
        return writeln!(out, "\nNo credits owed.");
    }
    let referenced = has_references(contract);
    let mut header = vec![
        "service",
        "rule",
        "description",
        "amount",
        "cap applied",
        "incidents",
    ];
    if referenced {
        header.push("reference");
    }
    let mut lines = table(&header);
    for line in &contract.credit_lines {
        let cells = escaped([
            line.service.clone(),
            line.rule.clone(),
            line.description.to_string(),
            line.amount.to_string(),
            line.cap_applied
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            incident_list(&line.incidents),
            line.reference.clone().unwrap_or_default(),
        ]);
        lines.add_row(&cells[..header.len()]);
    }
    right_align(&mut lines, &[3]);
    writeln!(out, "\nCredit lines\n{lines}")?;
    writeln!(
        out,
        "Total credit: {} {}",
        contract.credit_total, contract.currency
    )
}

fn write_rows(out: &mut dyn Write, rows: &RowAccounting) -> io::Result<()> {
    writeln!(
        out,
        "Rows: {} read = {} counted + {} excluded + {} rejected",
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows()
    )?;
    for exclusion in &rows.excluded {
        writeln!(
            out,
            "  excluded {:>6}  {}",
            exclusion.rows, exclusion.reason
        )?;
    }
    for rejection in &rows.rejected {
        writeln!(out, "  rejected  {rejection}")?;
    }
    Ok(())
}

/// Whether a contract period's lines carry references (its contract's `invoice.reference`).
pub(super) fn has_references(contract: &ContractReport) -> bool {
    contract
        .credit_lines
        .iter()
        .any(|line| line.reference.is_some())
}

/// A breach row's duration on the clock its target is measured on.
pub(super) fn breach_duration(breach: &BreachRow, seconds: Seconds) -> String {
    format_on_calendar(seconds, breach.office_hours.as_deref())
}

/// Incident ids for a terminal cell: all of them up to six; beyond that the first five and how
/// many more (CSV and JSON list every id).
pub(super) fn incident_list(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    if ids.len() <= SHOWN + 1 {
        return ids.join(";");
    }
    format!("{};... {} more", ids[..SHOWN].join(";"), ids.len() - SHOWN)
}

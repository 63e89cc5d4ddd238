//! Renderers of the scorecard (`calc::scorecard`): CSV with its fixed columns, a terminal table
//! and GitHub Markdown (each with the trend per service), and the words of its notes. JSON is the
//! model serialized as it is (`write_json`).

use std::io::{self, Write};

use crate::calc::scorecard::{Compliance, Note, ScoreLine, Scorecard, TimeFigures, Trend};
use crate::money::Decimal;
use crate::time::format_duration;

use super::csv::escape_text;

/// The CSV columns, in order.
const CSV_COLUMNS: [&str; 24] = [
    "contract",
    "service",
    "period",
    "severity",
    "incidents",
    "respond_met",
    "respond_breached",
    "respond_pending",
    "respond_compliance",
    "resolve_met",
    "resolve_breached",
    "resolve_pending",
    "resolve_compliance",
    "mtta_mean_s",
    "mtta_p50_s",
    "mtta_p90_s",
    "mttr_mean_s",
    "mttr_p50_s",
    "mttr_p90_s",
    "availability",
    "availability_target",
    "downtime_s",
    "credits",
    "currency",
];

/// Writes one CSV row per scorecard line; an empty cell where a figure does not exist.
pub fn write_scorecard_csv(out: &mut dyn Write, scorecard: &Scorecard) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    let optional =
        |value: Option<Decimal>| value.map(|value| value.to_string()).unwrap_or_default();
    let times = |figures: Option<TimeFigures>| match figures {
        Some(figures) => [
            figures.mean_seconds.to_string(),
            figures.p50_seconds.to_string(),
            figures.p90_seconds.to_string(),
        ],
        None => Default::default(),
    };
    for line in &scorecard.lines {
        let compliance = |compliance: &Compliance| {
            [
                compliance.counts.met.to_string(),
                compliance.counts.breached.to_string(),
                compliance.counts.pending.to_string(),
                optional(compliance.compliance),
            ]
        };
        let mut record: Vec<String> = vec![
            escape_text(&line.contract).into_owned(),
            escape_text(&line.service).into_owned(),
            line.period.to_string(),
            escape_text(&line.severity.to_string()).into_owned(),
            line.incidents.to_string(),
        ];
        record.extend(compliance(&line.respond));
        record.extend(compliance(&line.resolve));
        record.extend(times(line.time_to_acknowledge));
        record.extend(times(line.time_to_resolve));
        record.extend([
            line.availability.to_string(),
            optional(line.availability_target),
            line.downtime_seconds.to_string(),
            optional(line.credits),
            line.currency.clone(),
        ]);
        writer.write_record(&record)?;
    }
    writer.flush()
}

/// The words of a note.
pub fn note_text(note: &Note) -> String {
    match note {
        Note::CreditsPerBillingPeriod {
            contract,
            by,
            billed,
        } => format!(
            "{contract}: credits are owed per {}, so a {} view leaves them empty (`slacredit credits` lists them per {})",
            billed.name(),
            by.name(),
            billed.name()
        ),
        Note::PartialPeriod {
            contract,
            period,
            first,
            last,
        } => {
            let covered = if first == last {
                first.to_string()
            } else {
                format!("{first}..{last}")
            };
            format!("{contract}: {period} covers only {covered}, the part inside the range")
        }
    }
}

/// The columns of the table and the Markdown, and which are right-aligned.
pub(super) const HEADER: [&str; 14] = [
    "service",
    "period",
    "severity",
    "incidents",
    "respond met/breached/pending",
    "respond %",
    "resolve met/breached/pending",
    "resolve %",
    "MTTA mean/p50/p90",
    "MTTR mean/p50/p90",
    "availability %",
    "target %",
    "downtime",
    "credits",
];
pub(super) const NUMERIC: [usize; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

pub(super) const TREND_HEADER: [&str; 7] = [
    "service",
    "period",
    "availability %",
    "change (pp)",
    "resolve %",
    "change (pp)",
    "trend",
];
pub(super) const TREND_NUMERIC: [usize; 4] = [2, 3, 4, 5];

/// The cells of one line for people: counts as met/breached/pending, durations as `1h30m`.
pub(super) fn cells(line: &ScoreLine) -> [String; 14] {
    let counts = |compliance: &Compliance| super::table::counts_text(&compliance.counts);
    let optional =
        |value: Option<Decimal>| value.map(|value| value.to_string()).unwrap_or_default();
    let times = |figures: Option<TimeFigures>| {
        figures.map_or_else(String::new, |figures| {
            format!(
                "{} / {} / {}",
                format_duration(figures.mean_seconds),
                format_duration(figures.p50_seconds),
                format_duration(figures.p90_seconds)
            )
        })
    };
    [
        line.service.clone(),
        line.period.to_string(),
        line.severity.to_string(),
        line.incidents.to_string(),
        counts(&line.respond),
        optional(line.respond.compliance),
        counts(&line.resolve),
        optional(line.resolve.compliance),
        times(line.time_to_acknowledge),
        times(line.time_to_resolve),
        line.availability.to_string(),
        optional(line.availability_target),
        format_duration(line.downtime_seconds),
        line.credits
            .map(|credits| format!("{credits} {}", line.currency))
            .unwrap_or_default(),
    ]
}

/// A change in percentage points with its sign: `+0.25`, `-1.5000`, `0`.
fn change(value: Option<Decimal>) -> String {
    match value {
        Some(value) if value.is_sign_positive() && !value.is_zero() => format!("+{value}"),
        Some(value) => value.to_string(),
        None => String::new(),
    }
}

pub(super) fn trend_cells(trend: &Trend) -> [String; 7] {
    [
        trend.service.clone(),
        trend.period.to_string(),
        trend.availability.to_string(),
        change(trend.availability_change),
        trend
            .resolve_compliance
            .map(|value| value.to_string())
            .unwrap_or_default(),
        change(trend.resolve_compliance_change),
        if trend.declining {
            "declining".to_owned()
        } else {
            String::new()
        },
    ]
}

/// The contract ids in order of their lines.
pub(super) fn contracts(scorecard: &Scorecard) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for line in &scorecard.lines {
        if ids.last() != Some(&line.contract.as_str()) {
            ids.push(&line.contract);
        }
    }
    ids
}

pub(super) fn heading(scorecard: &Scorecard, contract: &str) -> String {
    let by = scorecard
        .by
        .map_or("the contract's own period", |by| by.name());
    format!("{contract} scorecard, {} by {by}", scorecard.period)
}

/// The scorecard as terminal tables: per contract its lines, then each service's trend, then
/// the notes.
pub fn write_scorecard_table(out: &mut dyn Write, scorecard: &Scorecard) -> io::Result<()> {
    let table = super::table::numeric_table;
    for contract in contracts(scorecard) {
        writeln!(out, "{}", heading(scorecard, contract))?;
        let mut lines = table(&HEADER, &NUMERIC);
        for line in scorecard
            .lines
            .iter()
            .filter(|line| line.contract == contract)
        {
            lines.add_row(super::table::escaped(cells(line)));
        }
        writeln!(out, "{lines}")?;
        let mut trends = table(&TREND_HEADER, &TREND_NUMERIC);
        for trend in scorecard
            .trends
            .iter()
            .filter(|trend| trend.contract == contract)
        {
            trends.add_row(super::table::escaped(trend_cells(trend)));
        }
        writeln!(out, "\nTrend against the previous period\n{trends}\n")?;
    }
    for note in &scorecard.notes {
        writeln!(out, "note: {}", note_text(note))?;
    }
    Ok(())
}

/// Escapes a Markdown table cell, heading or list item as every Markdown output does (HTML as
/// entities, markup with a backslash, `|` kept in its cell, a line break as `<br>`).
fn markdown_cell(text: &str) -> String {
    super::markdown::escape(text)
}

fn markdown_table(
    out: &mut dyn Write,
    header: &[&str],
    numeric: &[usize],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    writeln!(out, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = (0..header.len())
        .map(|index| {
            if numeric.contains(&index) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    writeln!(out, "| {} |", rule.join(" | "))?;
    for row in rows {
        let row: Vec<String> = row.iter().map(|cell| markdown_cell(cell)).collect();
        writeln!(out, "| {} |", row.join(" | "))?;
    }
    Ok(())
}

/// The scorecard as GitHub Markdown: per contract a section with its lines and each service's
/// trend, then the notes.
pub fn write_scorecard_markdown(out: &mut dyn Write, scorecard: &Scorecard) -> io::Result<()> {
    for contract in contracts(scorecard) {
        writeln!(out, "## {}\n", markdown_cell(&heading(scorecard, contract)))?;
        markdown_table(
            out,
            &HEADER,
            &NUMERIC,
            scorecard
                .lines
                .iter()
                .filter(|line| line.contract == contract)
                .map(|line| cells(line).to_vec()),
        )?;
        writeln!(out, "\n### Trend against the previous period\n")?;
        markdown_table(
            out,
            &TREND_HEADER,
            &TREND_NUMERIC,
            scorecard
                .trends
                .iter()
                .filter(|trend| trend.contract == contract)
                .map(|trend| trend_cells(trend).to_vec()),
        )?;
        writeln!(out)?;
    }
    if !scorecard.notes.is_empty() {
        writeln!(out, "Notes:\n")?;
        for note in &scorecard.notes {
            writeln!(out, "- {}", markdown_cell(&note_text(note)))?;
        }
    }
    Ok(())
}

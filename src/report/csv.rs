//! CSV renderers: invoice credit lines and breach rows. Text cells that a spreadsheet would run
//! as a formula are escaped; numeric columns stay plain numbers.

use std::io::{self, Write};

use crate::calc::model::Report;
use crate::time::{format_duration, format_instant};

/// Prefixes a text cell starting with `=`, `+`, `-`, `@`, tab or CR with `'`, so spreadsheets show
/// it as text instead of running it.
pub fn escape_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Writes every invoice credit line, one per row, with the SPEC §5 columns.
pub fn write_credit_lines_csv(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "contract",
        "provider",
        "customer",
        "period",
        "service",
        "rule",
        "description",
        "basis",
        "rate",
        "quantity",
        "amount_before_caps",
        "amount",
        "currency",
        "incidents",
        "cap_applied",
        "claim_by",
    ])?;
    for line in report.credit_lines() {
        writer.write_record([
            &*escape_text(&line.contract),
            &escape_text(&line.provider),
            &escape_text(&line.customer),
            &line.period,
            &escape_text(&line.service),
            &escape_text(&line.rule),
            &escape_text(&line.description.to_string()),
            &line.basis.to_string(),
            &line.rate.to_string(),
            &line.quantity.to_string(),
            &line.amount_before_caps.to_string(),
            &line.amount.to_string(),
            &line.currency,
            &escape_text(&line.incidents.join(";")),
            &escape_text(
                &line
                    .cap_applied
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            &line
                .claim_by
                .map(|date| date.to_string())
                .unwrap_or_default(),
        ])?;
    }
    writer.flush()
}

/// Writes every breached or pending target, one per row.
pub fn write_breaches_csv(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "contract",
        "period",
        "service",
        "incident",
        "severity",
        "target",
        "status",
        "opened",
        "deadline",
        "allowed_seconds",
        "actual_seconds",
        "over_by_seconds",
        "over_by",
        "rules",
        "credit_before_caps",
        "source",
        "title",
    ])?;
    for contract in &report.contracts {
        for breach in &contract.breaches {
            let rules: Vec<&str> = breach
                .credits
                .iter()
                .map(|credit| credit.rule.as_str())
                .collect();
            let credit: crate::money::Decimal =
                breach.credits.iter().map(|credit| credit.amount).sum();
            writer.write_record([
                &*escape_text(&contract.contract),
                &contract.period,
                &escape_text(&breach.service),
                &escape_text(&breach.incident),
                &escape_text(&breach.severity),
                breach.target.name(),
                &format!("{:?}", breach.status).to_lowercase(),
                &format_instant(breach.opened),
                &format_instant(breach.deadline),
                &breach.allowed_seconds.to_string(),
                &breach.actual_seconds.to_string(),
                &breach.over_by_seconds.to_string(),
                &format_duration(breach.over_by_seconds),
                &escape_text(&rules.join(";")),
                &credit.to_string(),
                &escape_text(&breach.source.to_string()),
                &escape_text(&breach.title),
            ])?;
        }
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn formula_cells_are_escaped() {
        assert_eq!(escape_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for text in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(escape_text(text).starts_with('\''), "{text:?}");
        }
        assert_eq!(escape_text("SIEM outage"), "SIEM outage");
    }
}

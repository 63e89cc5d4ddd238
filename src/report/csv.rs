//! CSV renderers: invoice credit lines and breach rows. Text cells that a spreadsheet would run
//! as a formula are escaped; numeric columns stay plain numbers.

use std::io::{self, Write};

use crate::calc::model::Report;
use crate::money::{Decimal, minor_units};
use crate::time::{format_instant, format_on_calendar};

/// Prefixes a text cell starting with `=`, `+`, `-`, `@`, tab or CR with `'`, so spreadsheets show
/// it as text instead of running it.
pub fn escape_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The most characters a spreadsheet cell holds (Excel's limit; other spreadsheets hold more).
pub const CELL_LIMIT: usize = 32_767;

/// Writes every invoice credit line, one per row: the SPEC §5 columns (with `quantity` and
/// `amount_before_caps`) in their order, then the columns added later, so a script that reads
/// them by position keeps working.
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
        "rate_percent",
        "unit_amount",
        "availability",
        "incident_count",
        "reference",
        "vendor_id",
        "po_number",
        "gl_account",
        "cost_center",
    ])?;
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map_or_else(String::new, |value| escape_text(value).into_owned())
    };
    let number = |value: Option<Decimal>| value.map(|value| value.to_string()).unwrap_or_default();
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
            &incidents_cell(&line.incidents),
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
            &number(line.rate_percent),
            &number(line.unit_amount),
            &number(line.availability),
            &line.incident_count.to_string(),
            &text(&line.reference),
            &text(&line.vendor_id),
            &text(&line.po_number),
            &text(&line.gl_account),
            &text(&line.cost_center),
        ])?;
    }
    writer.flush()
}

/// The `incidents` cell: the ids joined with `;`, escaped as any text cell. When they would
/// not fit in a spreadsheet cell ([`CELL_LIMIT`] characters, counted as a spreadsheet counts
/// them, in UTF-16 units), as many whole ids as fit, then `;…+N more` for the N left out;
/// `incident_count` and JSON's `incidents` keep every one.
pub fn incidents_cell(ids: &[String]) -> String {
    let joined = ids.join(";");
    let escaped = escape_text(&joined);
    if width(&escaped) <= CELL_LIMIT {
        return escaped.into_owned();
    }
    // The `'` that escaping puts before a first id a spreadsheet would run takes a character.
    let room = CELL_LIMIT - usize::from(matches!(escaped, std::borrow::Cow::Owned(_)));
    let note = |left: usize| format!("…+{left} more");
    // The most ids whose text, with its separators, a `;` and the note of the rest, fits.
    let mut kept = 0;
    let mut used = 0;
    for (index, id) in ids.iter().enumerate() {
        let with_id = used + usize::from(index > 0) + width(id);
        if with_id + 1 + width(&note(ids.len() - index - 1)) > room {
            break;
        }
        used = with_id;
        kept = index + 1;
    }
    let separator = if kept == 0 { "" } else { ";" };
    let cut = format!(
        "{}{separator}{}",
        ids[..kept].join(";"),
        note(ids.len() - kept)
    );
    escape_text(&cut).into_owned()
}

/// Characters as a spreadsheet counts them: UTF-16 units.
fn width(text: &str) -> usize {
    text.encode_utf16().count()
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
        "office_hours",
    ])?;
    for contract in &report.contracts {
        for breach in &contract.breaches {
            let rules: Vec<&str> = breach
                .credits
                .iter()
                .map(|credit| credit.rule.as_str())
                .collect();
            // In the currency's minor units, `0.00` for a breach no rule prices.
            let credit = minor_units(
                breach.credits.iter().map(|credit| credit.amount).sum(),
                contract.places,
            );
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
                &format_on_calendar(breach.over_by_seconds, breach.office_hours.as_deref()),
                &escape_text(&rules.join(";")),
                &credit.to_string(),
                &escape_text(&breach.source.to_string()),
                &escape_text(&breach.title),
                &escape_text(breach.office_hours.as_deref().unwrap_or_default()),
            ])?;
        }
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::{CELL_LIMIT, escape_text, incidents_cell};

    #[test]
    fn an_incidents_cell_is_cut_at_an_id_boundary_to_fit_a_spreadsheet_cell() {
        // 3 ids of 10,000 characters: 30,002 with their `;`, under 32,767: all of them.
        let ids: Vec<String> = ["a", "b", "c"].map(|letter| letter.repeat(10_000)).into();
        assert_eq!(incidents_cell(&ids).len(), 30_002);
        // A fourth: 40,003 is too many. Three ids and `;…+1 more` (1 + 1 + 1 + 1 + 5 = 9
        // characters) make 30,011; the cell ends on the third id's last letter.
        let four: Vec<String> = ["a", "b", "c", "d"]
            .map(|letter| letter.repeat(10_000))
            .into();
        let cell = incidents_cell(&four);
        assert_eq!(cell.chars().count(), 30_011);
        assert!(cell.ends_with("ccc;…+1 more"));
        // One id longer than a cell leaves only the note.
        let huge = vec!["x".repeat(CELL_LIMIT + 1), "y".to_owned()];
        assert_eq!(incidents_cell(&huge), "…+2 more");
        // A first id a spreadsheet would run is escaped, and its `'` counted. 6,000 ids
        // `-00001`, `-00002`, ... (6 characters, 7 with `;`) take 41,999. k ids, `;…+N more`
        // (N of four digits: 12) and the `'` fit while 7k − 1 + 12 + 1 ≤ 32,767, so
        // k ≤ 4,679.3: 4,679 ids and 1,321 more.
        let dashes: Vec<String> = (1..=6_000).map(|n| format!("-{n:05}")).collect();
        let cell = incidents_cell(&dashes);
        assert!(cell.starts_with("'-00001;"));
        assert!(
            cell.ends_with(";-04679;…+1321 more"),
            "{}",
            &cell[cell.len() - 30..]
        );
        assert!(cell.chars().count() <= CELL_LIMIT);
        // Characters outside the basic plane count twice, as a spreadsheet counts them.
        let wide: Vec<String> = (0..9_000).map(|_| "😀😀".to_owned()).collect();
        let cell = incidents_cell(&wide);
        assert!(cell.encode_utf16().count() <= CELL_LIMIT);
        // 4 units and a `;` an id: 5k − 1 + 12 ≤ 32,767 gives k = 6,551.
        assert!(
            cell.ends_with(";…+2449 more"),
            "{}",
            &cell[cell.len() - 30..]
        );
    }

    #[test]
    fn formula_cells_are_escaped() {
        assert_eq!(escape_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for text in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(escape_text(text).starts_with('\''), "{text:?}");
        }
        assert_eq!(escape_text("SIEM outage"), "SIEM outage");
    }
}

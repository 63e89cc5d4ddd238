//! Markdown (GitHub tables) for documents and tickets: the breach report, the credit lines and a
//! range's totals, from the same model the terminal tables render. Every text from a contract or
//! an export is escaped, so a title renders as the words it holds and never as markup or HTML.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::calc::model::{ContractReport, Report};
use crate::incidents::RowAccounting;

use super::table::{breach_duration, has_references, incident_list};

/// Text made safe for a Markdown table cell, heading or list item: `&`, `<` and `>` become HTML
/// entities (a `<script>` title cannot become HTML), a line break becomes `<br>` (a table row is
/// one line), and the characters Markdown reads as markup (`\`, `` ` ``, `*`, `_`, `~`, `[`, `]`,
/// `|`) are backslash-escaped, `|` so that it does not end the cell. An `_` between two letters
/// or digits is left as it is: there it can neither open nor close emphasis, and ids such as
/// `per_service` or `America/New_York` stay readable in the raw text.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous = None;
    while let Some(character) = chars.next() {
        match character {
            '_' if previous.is_some_and(char::is_alphanumeric)
                && chars.peek().copied().is_some_and(char::is_alphanumeric) =>
            {
                escaped.push('_');
            }
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' => {
                // CR LF is one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                escaped.push_str("<br>");
            }
            '\n' => escaped.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '|' => {
                escaped.push('\\');
                escaped.push(character);
            }
            other => escaped.push(other),
        }
        previous = Some(character);
    }
    escaped
}

/// A GitHub table: a header row, an alignment row and one row per entry, each cell escaped.
pub(super) struct MarkdownTable {
    /// The table so far, ending in a line break.
    pub(super) text: String,
}

impl MarkdownTable {
    /// A table with `columns`, each a name and whether its figures align right.
    pub(super) fn new(columns: &[(&str, bool)]) -> Self {
        let mut text = String::new();
        for (name, _) in columns {
            text.push_str("| ");
            text.push_str(&escape(name));
            text.push(' ');
        }
        text.push_str("|\n");
        for (_, right) in columns {
            text.push_str(if *right { "| ---: " } else { "| --- " });
        }
        text.push_str("|\n");
        Self { text }
    }

    /// Adds a row, each cell escaped.
    pub(super) fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        for cell in cells {
            self.text.push_str("| ");
            self.text.push_str(&escape(cell.as_ref()));
            self.text.push(' ');
        }
        self.text.push_str("|\n");
    }
}

/// The contract's heading and the line under it: parties, time zone, what was measured.
fn heading(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    writeln!(
        out,
        "## {} {}: {}\n",
        escape(&contract.contract),
        escape(&contract.title),
        escape(&contract.period)
    )?;
    writeln!(
        out,
        "{} → {} · {} · measured [{}, {}), judged at {}\n",
        escape(&contract.provider),
        escape(&contract.customer),
        escape(&contract.timezone),
        contract.period_start,
        contract.period_end,
        contract.judged_at
    )
}

/// The whole breach report: per contract and period its services, breaches, credit lines,
/// disputed incidents and findings; then a range's totals and the row accounting.
pub fn write_report_markdown(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(out, "# Breach report {}\n", escape(&report.period))?;
    for contract in &report.contracts {
        heading(out, contract)?;
        write_services(out, contract)?;
        write_breaches(out, contract)?;
        write_lines(out, contract)?;
        write_disputed(out, contract)?;
        write_findings(out, contract)?;
    }
    write_totals(out, report)?;
    write_rows(out, &report.rows)
}

/// One row per service: fee, availability, downtime, targets and credit.
fn write_services(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    let mut services = MarkdownTable::new(&[
        ("service", false),
        ("fee", true),
        ("availability %", true),
        ("target %", true),
        ("downtime", true),
        ("maintenance excluded", true),
        ("respond met/breached/pending", false),
        ("resolve met/breached/pending", false),
        ("credit", true),
    ]);
    for service in &contract.services {
        services.row(super::table::service_cells(service));
    }
    writeln!(out, "{}", services.text)
}

/// Every breached or pending target, with the ticket's title; nothing when there is none.
fn write_breaches(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    if contract.breaches.is_empty() {
        return Ok(());
    }
    let mut breaches = MarkdownTable::new(&[
        ("service", false),
        ("incident", false),
        ("severity", false),
        ("target", false),
        ("status", false),
        ("allowed", true),
        ("actual", true),
        ("over by", true),
        ("source", false),
        ("title", false),
    ]);
    for breach in &contract.breaches {
        breaches.row([
            breach.service.to_string(),
            breach.incident.to_string(),
            breach.severity.to_string(),
            breach.target.name().to_owned(),
            format!("{:?}", breach.status).to_lowercase(),
            breach_duration(breach, breach.allowed_seconds),
            breach_duration(breach, breach.actual_seconds),
            breach_duration(breach, breach.over_by_seconds),
            breach.source.to_string(),
            breach.title.to_string(),
        ]);
    }
    writeln!(out, "### Breaches\n\n{}", breaches.text)
}

/// The disputed incidents held out of the credits, each with what it would add.
fn write_disputed(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    if contract.disputed.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Disputed (held out of credits until settled)\n")?;
    for disputed in &contract.disputed {
        writeln!(
            out,
            "- Incident {} ({}): would add {} {} ({}): {}",
            escape(&disputed.incident),
            escape(&disputed.service),
            disputed.exposure,
            escape(&contract.currency),
            escape(&disputed.source),
            escape(&disputed.title)
        )?;
    }
    writeln!(out)
}

/// The findings that are not money, each led by its kind.
fn write_findings(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    if contract.findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Findings\n")?;
    for finding in &contract.findings {
        let mut item = format!(
            "- **{}** ({})",
            escape(finding.kind),
            escape(&finding.service)
        );
        if let [single] = finding.incidents.as_slice() {
            let _ = write!(item, ", incident {}", escape(single));
        }
        let _ = write!(item, ": {}", escape(&finding.message));
        if !finding.sources.is_empty() {
            let _ = write!(item, " ({})", escape(&finding.sources.join(", ")));
        }
        writeln!(out, "{item}")?;
    }
    writeln!(out)
}

/// The invoice credit lines per contract and period, then a range's totals.
pub fn write_credits_markdown(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(out, "# Credit lines {}\n", escape(&report.period))?;
    for contract in &report.contracts {
        heading(out, contract)?;
        write_lines(out, contract)?;
    }
    write_totals(out, report)
}

/// A contract period's credit lines and their total, or a sentence saying none are owed.
fn write_lines(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    if contract.credit_lines.is_empty() {
        return writeln!(out, "No credits owed.\n");
    }
    let referenced = has_references(contract);
    let mut columns = vec![
        ("service", false),
        ("rule", false),
        ("description", false),
        ("amount", true),
        ("cap applied", false),
        ("incidents", false),
    ];
    if referenced {
        columns.push(("reference", false));
    }
    let mut lines = MarkdownTable::new(&columns);
    for line in &contract.credit_lines {
        let cells = [
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
        ];
        lines.row(&cells[..columns.len()]);
    }
    writeln!(out, "### Credit lines\n\n{}", lines.text)?;
    write_posting(out, contract)?;
    writeln!(
        out,
        "**Total credit: {} {}**\n",
        contract.credit_total,
        escape(&contract.currency)
    )
}

/// The posting fields the contract's `invoice` puts on every line, as one line under the
/// table; nothing when it sets none.
fn write_posting(out: &mut dyn Write, contract: &ContractReport) -> io::Result<()> {
    let Some(line) = contract.credit_lines.first() else {
        return Ok(());
    };
    let fields: Vec<String> = [
        ("vendor", &line.vendor_id),
        ("PO", &line.po_number),
        ("GL account", &line.gl_account),
        ("cost centre", &line.cost_center),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        value
            .as_ref()
            .map(|value| format!("{name} {}", escape(value)))
    })
    .collect();
    if fields.is_empty() {
        return Ok(());
    }
    writeln!(out, "Posting: {}\n", fields.join(" · "))
}

/// The totals of a range of more than one period; nothing for one period.
fn write_totals(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let Some(totals) = &report.totals else {
        return Ok(());
    };
    let mut table = MarkdownTable::new(&[
        ("contract", false),
        ("from", false),
        ("to", false),
        ("periods", true),
        ("credit lines", true),
        ("total credit", true),
        ("currency", false),
    ]);
    for total in totals {
        table.row([
            total.contract.clone(),
            total.first_period.clone(),
            total.last_period.clone(),
            total.periods.to_string(),
            total.credit_lines.to_string(),
            total.credit_total.to_string(),
            total.currency.clone(),
        ]);
    }
    writeln!(
        out,
        "## Totals {}\n\n{}",
        escape(&report.period),
        table.text
    )
}

/// What became of every incident row: the sum, then each reason for exclusion and each rejected
/// row.
fn write_rows(out: &mut dyn Write, rows: &RowAccounting) -> io::Result<()> {
    writeln!(
        out,
        "## Rows\n\n{} read = {} counted + {} excluded + {} rejected\n",
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows()
    )?;
    if !rows.excluded.is_empty() {
        let mut excluded = MarkdownTable::new(&[("rows excluded", true), ("reason", false)]);
        for exclusion in &rows.excluded {
            excluded.row([exclusion.rows.to_string(), exclusion.reason.to_string()]);
        }
        writeln!(out, "{}", excluded.text)?;
    }
    if !rows.rejected.is_empty() {
        writeln!(out, "Rejected rows:\n")?;
        for rejection in &rows.rejected {
            writeln!(out, "- {}", escape(&rejection.to_string()))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MarkdownTable, escape};

    #[test]
    fn html_cannot_be_injected() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        // An entity typed into a title stays the text it was typed as.
        assert_eq!(escape("&lt;b&gt;"), "&amp;lt;b&amp;gt;");
    }

    #[test]
    fn pipes_and_line_breaks_stay_inside_the_cell() {
        let mut table = MarkdownTable::new(&[("title", false), ("amount", true)]);
        table.row(["DNS | edge\r\nsecond line\nthird", "1.00"]);
        assert_eq!(
            table.text,
            "| title | amount |\n| --- | ---: |\n\
             | DNS \\| edge<br>second line<br>third | 1.00 |\n"
        );
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape("`code` *bold* _em_ ~x~ [link](http://x) a\\b"),
            "\\`code\\` \\*bold\\* \\_em\\_ \\~x\\~ \\[link\\](http://x) a\\\\b"
        );
        assert_eq!(
            escape("SOC-1002 99.5% (line 77)"),
            "SOC-1002 99.5% (line 77)"
        );
        // Inside a word `_` is inert; at a word's edge it could open or close emphasis.
        assert_eq!(escape("per_service _x a_"), "per_service \\_x a\\_");
    }
}

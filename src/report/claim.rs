//! The claim document in Markdown, and the words it shares with the HTML page
//! (`html/claim.rs`): per contract that owes credits, the parties, the period, each credit line
//! with its arithmetic, the contract clauses that grant it quoted word for word with their line
//! numbers, the breaches and outages behind it, the maintenance and exclusions applied, the
//! total and the claim-by date. Every text from a contract or an export is escaped.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::calc::claim::{
    ClaimedLine, Clause, ClauseKind, CreditClaim, DowntimeBasis, MaintenanceApplied, OutageRow,
};
use crate::calc::model::BreachRow;
use crate::contract::excerpt::{QuotedLine, entry_lines, node_lines};
use crate::contract::template::{Field, Template};
use crate::time::{Instant, format_duration, format_instant, format_on_calendar};

use super::table::breach_duration;

use super::markdown::{MarkdownTable, escape};

/// One claim to write, with the text of the contract file its clauses are quoted from.
#[derive(Debug, Clone, Copy)]
pub struct ClaimDocument<'a> {
    /// The claim.
    pub claim: &'a CreditClaim,
    /// The contract file's text, as read when the claim is written.
    pub contract_text: &'a str,
}

/// The opening paragraph when the contract words none.
const OPENING: &str = "{customer} claims from {provider} the service credits below, owed under contract \
     {contract} ({title}) for the period {period}: {total} {currency} in total. Each credit line \
     shows its arithmetic, the contract clauses that grant it (quoted with their line numbers) \
     and the incidents behind it, each with the row of the incident export it came from.";

/// The closing paragraph when the contract words none and sets a claim window.
const CLOSING: &str = "Please confirm the credit of {total} {currency} and set it against the next invoice. \
     This claim is made by {claim_by}, within the window the contract allows.";

/// The closing paragraph when the contract words none and sets no claim window.
const CLOSING_WITHOUT_WINDOW: &str =
    "Please confirm the credit of {total} {currency} and set it against the next invoice.";

/// The value a placeholder stands for in `claim`.
fn field(claim: &CreditClaim, field: Field) -> String {
    match field {
        Field::Provider => claim.provider.clone(),
        Field::Customer => claim.customer.clone(),
        Field::Contract => claim.contract.clone(),
        Field::Title => claim.title.clone(),
        Field::Period => claim.period.spec.to_string(),
        Field::Total => claim.total.to_string(),
        Field::Currency => claim.currency.clone(),
        // The contract is checked: `{claim_by}` is used only where a window is set.
        Field::ClaimBy => claim.claim_by.map_or_else(
            || "the end of the claim window".to_owned(),
            |date| date.to_string(),
        ),
    }
}

/// `template`, or the default text, with its placeholders filled in.
fn paragraph(claim: &CreditClaim, template: Option<&Template>, default: &str) -> String {
    let fill = |template: &Template| template.fill(|name| field(claim, name));
    template.map_or_else(
        || fill(&Template::parse(default).expect("the default paragraphs are valid templates")),
        fill,
    )
}

/// The opening paragraph, plain text.
pub(super) fn opening(claim: &CreditClaim) -> String {
    paragraph(claim, claim.opening.as_ref(), OPENING)
}

/// The closing paragraph, plain text.
pub(super) fn closing(claim: &CreditClaim) -> String {
    let default = if claim.claim_by.is_some() {
        CLOSING
    } else {
        CLOSING_WITHOUT_WINDOW
    };
    paragraph(claim, claim.closing.as_ref(), default)
}

/// The document's title.
pub(super) fn title(claim: &CreditClaim) -> String {
    format!(
        "Service credit claim: {}, {}",
        claim.contract, claim.period.spec
    )
}

/// The heading of a credit line.
pub(super) fn line_heading(number: usize, line: &ClaimedLine, currency: &str) -> String {
    format!(
        "Line {number}: {}, rule {}: {} {currency}",
        line.credit.service, line.credit.rule, line.credit.amount
    )
}

/// The parties and the period, as label and value.
pub(super) fn parties(claim: &CreditClaim) -> Vec<(&'static str, String)> {
    let mut facts = vec![("To", claim.provider.clone())];
    if let Some(contact) = &claim.contact {
        facts.push(("Contact", contact.clone()));
    }
    facts.extend([
        ("From", claim.customer.clone()),
        ("Contract", format!("{}, {}", claim.contract, claim.title)),
        ("Contract file", claim.file.clone()),
        (
            "Period",
            format!(
                "{} in {}: [{}, {}), judged at {}",
                claim.period.spec,
                claim.timezone.name(),
                format_instant(claim.period.start),
                format_instant(claim.period.end),
                format_instant(claim.judged_at)
            ),
        ),
        (
            "Amount claimed",
            format!("{} {}", claim.total, claim.currency),
        ),
    ]);
    facts
}

/// The claim-by date (shown in bold), or the words for a contract without a window.
pub(super) fn claim_by(claim: &CreditClaim) -> Option<String> {
    claim.claim_by.map(|date| date.to_string())
}

/// The sentence around the claim-by date: the words before the date and after it, or the whole
/// sentence when the contract sets no window.
pub(super) fn claim_window(claim: &CreditClaim) -> (String, Option<String>, String) {
    match (claim.claim_by, claim.claim_within) {
        (Some(date), Some(within)) => (
            format!("This claim must reach {} by ", claim.provider),
            Some(date.to_string()),
            format!(
                ": the contract allows {} after the period ends on {}.",
                format_duration(within),
                claim.period.spec.next_first_day()
            ),
        ),
        _ => (
            "The contract sets no claim window (credits.claim.within): check its terms for how long credits may be claimed.".to_owned(),
            None,
            String::new(),
        ),
    }
}

/// The arithmetic of a line, as label and value.
pub(super) fn arithmetic(line: &ClaimedLine, currency: &str) -> Vec<(&'static str, String)> {
    let credit = &line.credit;
    vec![
        (
            "Service",
            format!("{} ({})", credit.service, line.service_name),
        ),
        ("Derivation", credit.description.to_string()),
        (
            "Basis",
            format!(
                "{} {currency} (the service's fee for the period)",
                credit.basis
            ),
        ),
        ("Rate", credit.rate.to_string()),
        ("Quantity", credit.quantity.to_string()),
        (
            "Amount before caps",
            format!("{} {currency}", credit.amount_before_caps),
        ),
        (
            "Caps and minimum applied",
            credit
                .cap_applied
                .as_ref()
                .map_or_else(|| "none".to_owned(), ToString::to_string),
        ),
        ("Amount claimed", format!("{} {currency}", credit.amount)),
    ]
}

/// What a clause is, in words.
pub(super) fn clause_name(kind: &ClauseKind) -> String {
    match kind {
        ClauseKind::Rule(id) => format!("Rule {id}"),
        ClauseKind::Service(id) => format!("Service {id}: its fee and availability target"),
        ClauseKind::Band => "The band applied".to_owned(),
        ClauseKind::Escalation(id) => format!("Escalation rule {id}"),
        ClauseKind::Cap => "The credit caps".to_owned(),
        ClauseKind::Minimum => "The minimum credit".to_owned(),
    }
}

/// The lines of the contract a clause is written on.
pub(super) fn quote<'t>(clause: &Clause, contract_text: &'t str) -> Vec<QuotedLine<'t>> {
    match clause.column {
        Some(column) => node_lines(contract_text, clause.line, column),
        None => entry_lines(contract_text, clause.line),
    }
}

/// `line 70` or `lines 73-78`.
pub(super) fn line_span(lines: &[QuotedLine<'_>]) -> String {
    match lines {
        [] => "not found in the file as it is now".to_owned(),
        [only] => format!("line {}", only.number),
        [first, .., last] => format!("lines {}-{}", first.number, last.number),
    }
}

/// The claim clause's quote heading and lines, when the contract has a claim section.
pub(super) fn claim_clause<'t>(
    claim: &CreditClaim,
    contract_text: &'t str,
) -> Option<Vec<QuotedLine<'t>>> {
    claim
        .claim_clause
        .map(|at| node_lines(contract_text, at.line, at.column))
}

/// The columns of the breach table.
pub(super) const BREACH_COLUMNS: [&str; 10] = [
    "incident",
    "severity",
    "target",
    "opened",
    "deadline",
    "allowed",
    "actual",
    "over by",
    "export row",
    "title",
];

/// A breach's cells.
pub(super) fn breach_cells(breach: &BreachRow) -> [String; 10] {
    [
        breach.incident.to_string(),
        breach.severity.to_string(),
        breach.target.name().to_owned(),
        format_instant(breach.opened),
        format_instant(breach.deadline),
        breach_duration(breach, breach.allowed_seconds),
        breach_duration(breach, breach.actual_seconds),
        breach_duration(breach, breach.over_by_seconds),
        breach.source.to_string(),
        breach.title.to_string(),
    ]
}

/// The columns of an outage table.
pub(super) const OUTAGE_COLUMNS: [&str; 6] =
    ["incident", "from", "to", "counts as", "export row", "title"];

/// An outage row's cells.
pub(super) fn outage_cells(row: &OutageRow, judged_at: Instant) -> [String; 6] {
    let counts = if row.maintenance {
        "planned maintenance".to_owned()
    } else {
        format!("{} at weight {}", row.severity, row.weight)
    };
    let held = if row.held { "; disputed: held out" } else { "" };
    [
        row.incident.clone(),
        format_instant(row.start),
        row.end.map_or_else(
            || format!("open at {}", format_instant(judged_at)),
            format_instant,
        ),
        format!("{counts}{held}"),
        row.source.to_string(),
        row.title.clone(),
    ]
}

/// How the downtime gives the availability the line is priced on.
pub(super) fn availability_sentence(basis: &DowntimeBasis) -> String {
    let target = basis.target.map_or_else(
        || " (the service has no availability target)".to_owned(),
        |target| format!(" against the target {target}%"),
    );
    format!(
        "Availability = ({measured} s measured - {weighted} s weighted downtime) / {measured} s x 100 = {}%{target}. \
         The outages below overlap once in the union: {} ({} s) of downtime, weighted by severity.",
        basis.availability.round_dp(6),
        format_on_calendar(basis.downtime_seconds, basis.office_hours.as_deref()),
        basis.downtime_seconds,
        measured = basis.measured_seconds,
        weighted = basis.weighted_downtime_seconds,
    )
}

/// The contract's maintenance terms in words.
pub(super) fn maintenance_terms(claim: &CreditClaim) -> String {
    match claim.maintenance_terms {
        None => {
            "The contract allows no planned maintenance: every maintenance row counts as downtime."
                .to_owned()
        }
        Some((notice, cap)) => {
            let cap = cap.map_or_else(String::new, |cap| {
                format!(", up to {} per period and service", format_duration(cap))
            });
            format!(
                "The contract excludes planned maintenance done inside its windows and announced at least {} ahead{cap}; the rest counts as downtime.",
                format_duration(notice)
            )
        }
    }
}

/// A service's maintenance, as cells.
pub(super) fn maintenance_cells(maintenance: &MaintenanceApplied) -> [String; 4] {
    let rows: Vec<String> = maintenance
        .rows
        .iter()
        .map(|row| format!("{} ({})", row.incident, row.source))
        .collect();
    [
        maintenance.service.clone(),
        format_on_calendar(
            maintenance.excluded_seconds,
            maintenance.office_hours.as_deref(),
        ),
        format_on_calendar(
            maintenance.downtime_seconds,
            maintenance.office_hours.as_deref(),
        ),
        rows.join(", "),
    ]
}

/// The causes the contract excludes, in words.
pub(super) fn excluded_causes(claim: &CreditClaim) -> String {
    if claim.excluded_causes.is_empty() {
        "The contract excludes no causes.".to_owned()
    } else {
        format!(
            "Incidents with these causes never count (exclusions.causes): {}.",
            claim.excluded_causes.join(", ")
        )
    }
}

/// Writes the claims, one after another, separated by a horizontal rule.
pub fn write_claims_markdown(
    out: &mut dyn Write,
    documents: &[ClaimDocument<'_>],
) -> io::Result<()> {
    for (index, document) in documents.iter().enumerate() {
        if index > 0 {
            writeln!(out, "---\n")?;
        }
        write_claim(out, document)?;
    }
    Ok(())
}

fn write_claim(out: &mut dyn Write, document: &ClaimDocument<'_>) -> io::Result<()> {
    let claim = document.claim;
    writeln!(out, "# {}\n", escape(&title(claim)))?;
    for (label, value) in parties(claim) {
        writeln!(out, "- **{label}:** {}", escape(&value))?;
    }
    match claim_by(claim) {
        Some(date) => writeln!(out, "- **Claim by:** **{date}**\n")?,
        None => writeln!(out, "- **Claim by:** no claim window in the contract\n")?,
    }
    writeln!(out, "{}\n", escape(&opening(claim)))?;
    write_summary(out, claim)?;
    for (index, line) in claim.lines.iter().enumerate() {
        write_line(out, document, index + 1, line)?;
    }
    write_maintenance(out, claim)?;
    write_exclusions(out, claim)?;
    writeln!(out, "## Claim window\n")?;
    let (before, date, after) = claim_window(claim);
    match date {
        Some(date) => writeln!(
            out,
            "{}**{}**{}\n",
            escape(&before),
            escape(&date),
            escape(&after)
        )?,
        None => writeln!(out, "{}\n", escape(&before))?,
    }
    if let Some(lines) = claim_clause(claim, document.contract_text) {
        write_quote(out, "The claim terms", &claim.file, &lines)?;
    }
    writeln!(out, "{}\n", escape(&closing(claim)))
}

/// Every line in one table, then the total.
fn write_summary(out: &mut dyn Write, claim: &CreditClaim) -> io::Result<()> {
    let mut table = MarkdownTable::new(&[
        ("line", true),
        ("service", false),
        ("rule", false),
        ("before caps", true),
        ("caps and minimum applied", false),
        ("amount", true),
    ]);
    for (index, line) in claim.lines.iter().enumerate() {
        let credit = &line.credit;
        table.row([
            (index + 1).to_string(),
            credit.service.clone(),
            credit.rule.clone(),
            credit.amount_before_caps.to_string(),
            credit
                .cap_applied
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            credit.amount.to_string(),
        ]);
    }
    writeln!(out, "## Credits claimed\n\n{}", table.text)?;
    writeln!(
        out,
        "**Total claimed: {} {}**\n",
        claim.total,
        escape(&claim.currency)
    )
}

fn write_line(
    out: &mut dyn Write,
    document: &ClaimDocument<'_>,
    number: usize,
    line: &ClaimedLine,
) -> io::Result<()> {
    let claim = document.claim;
    writeln!(
        out,
        "## {}\n",
        escape(&line_heading(number, line, &claim.currency))
    )?;
    for (label, value) in arithmetic(line, &claim.currency) {
        writeln!(out, "- **{label}:** {}", escape(&value))?;
    }
    writeln!(out)?;
    if !line.clauses.is_empty() {
        writeln!(out, "### Clauses that grant it\n")?;
        for clause in &line.clauses {
            let lines = quote(clause, document.contract_text);
            write_quote(out, &clause_name(&clause.kind), &claim.file, &lines)?;
        }
    }
    if !line.breaches.is_empty() {
        let columns: Vec<(&str, bool)> = BREACH_COLUMNS
            .iter()
            .enumerate()
            .map(|(index, column)| (*column, (5..8).contains(&index)))
            .collect();
        let mut table = MarkdownTable::new(&columns);
        for breach in &line.breaches {
            table.row(breach_cells(breach));
        }
        writeln!(out, "### Breaches priced\n\n{}", table.text)?;
    }
    if let Some(basis) = &line.downtime {
        writeln!(
            out,
            "### Outages behind the downtime\n\n{}\n",
            escape(&availability_sentence(basis))
        )?;
        if !basis.outages.is_empty() {
            let columns: Vec<(&str, bool)> = OUTAGE_COLUMNS
                .iter()
                .map(|column| (*column, false))
                .collect();
            let mut table = MarkdownTable::new(&columns);
            for row in &basis.outages {
                table.row(outage_cells(row, claim.judged_at));
            }
            writeln!(out, "{}", table.text)?;
        }
    }
    Ok(())
}

/// A clause quoted in a fenced block: each line with its number. Nothing inside a fence is
/// markup, so the contract's text is shown as written, not escaped; the fence is longer than any
/// run of backticks in the text, so the text cannot close it.
fn write_quote(
    out: &mut dyn Write,
    name: &str,
    file: &str,
    lines: &[QuotedLine<'_>],
) -> io::Result<()> {
    writeln!(
        out,
        "{}, {} {}:\n",
        escape(name),
        escape(file),
        line_span(lines)
    )?;
    if lines.is_empty() {
        return Ok(());
    }
    let longest_run = lines
        .iter()
        .map(|line| longest_backtick_run(line.text))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let width = lines.last().map_or(1, |line| line.number.to_string().len());
    let mut block = String::new();
    for line in lines {
        let _ = writeln!(block, "{:>width$} | {}", line.number, line.text);
    }
    writeln!(out, "{fence}\n{block}{fence}\n")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|character| character != '`')
        .map(str::len)
        .max()
        .unwrap_or(0)
}

fn write_maintenance(out: &mut dyn Write, claim: &CreditClaim) -> io::Result<()> {
    writeln!(
        out,
        "## Planned maintenance\n\n{}\n",
        escape(&maintenance_terms(claim))
    )?;
    if claim.maintenance.is_empty() {
        return writeln!(out, "No planned maintenance in the period.\n");
    }
    let mut table = MarkdownTable::new(&[
        ("service", false),
        ("excluded", true),
        ("counted as downtime", true),
        ("maintenance rows", false),
    ]);
    for maintenance in &claim.maintenance {
        table.row(maintenance_cells(maintenance));
    }
    writeln!(out, "{}", table.text)
}

fn write_exclusions(out: &mut dyn Write, claim: &CreditClaim) -> io::Result<()> {
    writeln!(
        out,
        "## Exclusions applied\n\n{}\n",
        escape(&excluded_causes(claim))
    )?;
    if claim.excluded_rows.is_empty() {
        writeln!(out, "No row of the incident exports was left out.\n")?;
    } else {
        let mut table = MarkdownTable::new(&[("rows", true), ("left out because", false)]);
        for exclusion in &claim.excluded_rows {
            table.row([exclusion.rows.to_string(), exclusion.reason.to_string()]);
        }
        writeln!(
            out,
            "Rows of the incident exports read that were left out:\n\n{}",
            table.text
        )?;
    }
    if claim.disputed.is_empty() {
        return writeln!(out, "No disputed incident was held out.\n");
    }
    let mut table = MarkdownTable::new(&[
        ("incident", false),
        ("service", false),
        ("would add", true),
        ("export row", false),
        ("title", false),
    ]);
    for disputed in &claim.disputed {
        table.row([
            disputed.incident.clone(),
            disputed.service.clone(),
            format!("{} {}", disputed.exposure, claim.currency),
            disputed.source.clone(),
            disputed.title.clone(),
        ]);
    }
    writeln!(
        out,
        "Disputed incidents held out of the credits until the dispute is settled:\n\n{}",
        table.text
    )
}

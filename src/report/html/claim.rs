//! The claim document as one self-contained HTML page: per claim the parties, the period, the
//! lines with their arithmetic, the contract clauses quoted with their line numbers, the
//! breaches and outages behind each line, maintenance and exclusions, the total and the claim-by
//! date. Several claims share one page, each starting on a new sheet when printed, so the page
//! written to stdout is always one valid document; `-o DIR` writes one page per claim. The words
//! are those of the Markdown document (`report/claim.rs`).

use std::fmt::Display;
use std::io::{self, Write};

use super::Page;
use crate::calc::claim::{ClaimedLine, CreditClaim};
use crate::report::claim::{
    BREACH_COLUMNS, ClaimDocument, OUTAGE_COLUMNS, arithmetic, availability_sentence, breach_cells,
    claim_by, claim_clause, claim_window, clause_name, closing, excluded_causes, line_heading,
    line_span, maintenance_cells, maintenance_terms, opening, outage_cells, parties, quote, title,
};

/// The claim page's own rules: quoted clauses as numbered preformatted text, and each claim on
/// its own A4 sheet in print.
const CLAIM_STYLE: &str = "\
section.claim+section.claim{margin-top:3em;padding-top:1em;border-top:3px double #1b1b1b}
p.quoted{margin:.8em 0 .2em;font-weight:600}
pre.quote{margin:0 0 .8em;padding:.45em .7em;background:#f6f7f9;border:1px solid #ddd;\
border-radius:4px;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;\
white-space:pre-wrap;overflow-wrap:anywhere}
pre.quote .n{color:#777}
p.claim-by{font-size:1.08em}
td[data-label=incident],td[data-label=opened],td[data-label=deadline],td[data-label=from],\
td[data-label=to]{white-space:nowrap}
@media print{
section.claim+section.claim{break-before:page;margin-top:0;padding-top:0;border-top:0}
p.quoted{break-after:avoid}
pre.quote{break-inside:avoid;font-size:8pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
section.claim table{break-inside:avoid}
}
";

/// Writes the claims as one page.
pub fn write_claims_html(out: &mut dyn Write, documents: &[ClaimDocument<'_>]) -> io::Result<()> {
    let page_title = if let [only] = documents {
        title(only.claim)
    } else {
        let periods: std::collections::BTreeSet<String> = documents
            .iter()
            .map(|document| document.claim.period.spec.to_string())
            .collect();
        format!(
            "Service credit claims, {}",
            periods.into_iter().collect::<Vec<_>>().join(", ")
        )
    };
    let mut page = Page::start_with_style(out, &page_title, CLAIM_STYLE)?;
    for document in documents {
        page.section("claim")?;
        write_claim(&mut page, document)?;
        page.end_section()?;
    }
    page.finish()
}

fn write_claim(page: &mut Page<'_>, document: &ClaimDocument<'_>) -> io::Result<()> {
    let claim = document.claim;
    page.heading(1, title(claim))?;
    let parties = parties(claim);
    let facts: Vec<(&str, &dyn Display)> = parties
        .iter()
        .map(|(label, value)| (*label, value as &dyn Display))
        .collect();
    page.facts(&facts)?;
    match claim_by(claim) {
        Some(date) => page.paragraph_with_strong("claim-by", (&"Claim by ", &date, &"."))?,
        None => page.paragraph("claim-by", "Claim by: no claim window in the contract.")?,
    }
    page.paragraph("", opening(claim))?;
    write_summary(page, claim)?;
    for (index, line) in claim.lines.iter().enumerate() {
        write_line(page, document, index + 1, line)?;
    }
    write_maintenance(page, claim)?;
    write_exclusions(page, claim)?;
    page.heading(2, "Claim window")?;
    match claim_window(claim) {
        (before, Some(date), after) => {
            page.paragraph_with_strong("claim-by", (&before, &date, &after))?;
        }
        (sentence, None, _) => page.paragraph("claim-by", sentence)?,
    }
    if let Some(lines) = claim_clause(claim, document.contract_text) {
        page.quote(
            format_args!("The claim terms, {} {}", claim.file, line_span(&lines)),
            &lines,
        )?;
    }
    page.paragraph("", closing(claim))
}

fn write_summary(page: &mut Page<'_>, claim: &CreditClaim) -> io::Result<()> {
    page.heading(2, "Credits claimed")?;
    let mut table = page.table(
        "Credit lines",
        &[
            "line",
            "service",
            "rule",
            "before caps",
            "caps and minimum applied",
            "amount",
        ],
        &[0, 3, 5],
    )?;
    for (index, line) in claim.lines.iter().enumerate() {
        let credit = &line.credit;
        let caps = credit
            .cap_applied
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        table.row(&[
            &(index + 1),
            &credit.service,
            &credit.rule,
            &credit.amount_before_caps,
            &caps,
            &credit.amount,
        ])?;
    }
    let total = format!("{} {}", claim.total, claim.currency);
    table.finish_with_total(&[&"", &"", &"Total claimed", &"", &"", &total])
}

fn write_line(
    page: &mut Page<'_>,
    document: &ClaimDocument<'_>,
    number: usize,
    line: &ClaimedLine,
) -> io::Result<()> {
    let claim = document.claim;
    page.heading(2, line_heading(number, line, &claim.currency))?;
    let arithmetic = arithmetic(line, &claim.currency);
    let facts: Vec<(&str, &dyn Display)> = arithmetic
        .iter()
        .map(|(label, value)| (*label, value as &dyn Display))
        .collect();
    page.facts(&facts)?;
    if !line.clauses.is_empty() {
        page.heading(3, "Clauses that grant it")?;
        for clause in &line.clauses {
            let lines = quote(clause, document.contract_text);
            page.quote(
                format_args!(
                    "{}, {} {}",
                    clause_name(&clause.kind),
                    claim.file,
                    line_span(&lines)
                ),
                &lines,
            )?;
        }
    }
    if !line.breaches.is_empty() {
        let mut table = page.table("Breaches priced", &BREACH_COLUMNS, &[5, 6, 7])?;
        for breach in &line.breaches {
            let cells = breach_cells(breach);
            let cells: Vec<&dyn Display> = cells.iter().map(|cell| cell as &dyn Display).collect();
            table.row(&cells)?;
        }
        table.finish()?;
    }
    if let Some(basis) = &line.downtime {
        page.heading(3, "Outages behind the downtime")?;
        page.paragraph("", availability_sentence(basis))?;
        if !basis.outages.is_empty() {
            let mut table = page.table("Outage rows", &OUTAGE_COLUMNS, &[])?;
            for row in &basis.outages {
                let cells = outage_cells(row, claim.judged_at);
                let cells: Vec<&dyn Display> =
                    cells.iter().map(|cell| cell as &dyn Display).collect();
                table.row(&cells)?;
            }
            table.finish()?;
        }
    }
    Ok(())
}

fn write_maintenance(page: &mut Page<'_>, claim: &CreditClaim) -> io::Result<()> {
    page.heading(2, "Planned maintenance")?;
    page.paragraph("", maintenance_terms(claim))?;
    if claim.maintenance.is_empty() {
        return page.paragraph("note", "No planned maintenance in the period.");
    }
    let mut table = page.table(
        "Maintenance per service",
        &[
            "service",
            "excluded",
            "counted as downtime",
            "maintenance rows",
        ],
        &[1, 2],
    )?;
    for maintenance in &claim.maintenance {
        let cells = maintenance_cells(maintenance);
        let cells: Vec<&dyn Display> = cells.iter().map(|cell| cell as &dyn Display).collect();
        table.row(&cells)?;
    }
    table.finish()
}

fn write_exclusions(page: &mut Page<'_>, claim: &CreditClaim) -> io::Result<()> {
    page.heading(2, "Exclusions applied")?;
    page.paragraph("", excluded_causes(claim))?;
    if claim.excluded_rows.is_empty() {
        page.paragraph("note", "No row of the incident exports was left out.")?;
    } else {
        let mut table = page.table(
            "Rows of the incident exports read that were left out",
            &["rows", "left out because"],
            &[0],
        )?;
        for exclusion in &claim.excluded_rows {
            table.row(&[&exclusion.rows, &exclusion.reason])?;
        }
        table.finish()?;
    }
    if claim.disputed.is_empty() {
        return page.paragraph("note", "No disputed incident was held out.");
    }
    let mut table = page.table(
        "Disputed incidents held out of the credits until the dispute is settled",
        &["incident", "service", "would add", "export row", "title"],
        &[2],
    )?;
    for disputed in &claim.disputed {
        let exposure = format!("{} {}", disputed.exposure, claim.currency);
        table.row(&[
            &disputed.incident,
            &disputed.service,
            &exposure,
            &disputed.source,
            &disputed.title,
        ])?;
    }
    table.finish()
}

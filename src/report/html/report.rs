//! The breach report as one HTML page: per contract its charts over the periods (availability per
//! service against its target, credits stacked by service), then per period the service
//! summaries, breaches, credit lines, disputed incidents and findings; row accounting at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::io::{self, Write};

use super::Page;
use super::chart::{self, Chart, Figure, Series};
use crate::calc::model::{ContractReport, RangeTotal, Report};
use crate::incidents::RowAccounting;
use crate::money::Decimal;
use crate::time::format_on_calendar;

/// Writes the whole breach report as a self-contained HTML page.
pub fn write_report_html(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let title = format!("SLA report {}", report.period);
    let mut page = Page::start(out, &title)?;
    page.heading(1, &title)?;
    if let Some(as_of) = &report.as_of {
        page.paragraph("note", format_args!("Open incidents judged as of {as_of}."))?;
    }
    let totals = report.totals.as_deref().unwrap_or_default();
    for periods in by_contract(&report.contracts) {
        write_contract(&mut page, periods, totals)?;
    }
    write_rows(&mut page, &report.rows)?;
    page.finish()
}

/// The report's entries (one per contract and period, in contract order) taken as runs of one
/// contract each.
fn by_contract(contracts: &[ContractReport]) -> impl Iterator<Item = &[ContractReport]> {
    contracts.chunk_by(|left, right| left.contract == right.contract)
}

fn write_contract(
    page: &mut Page<'_>,
    periods: &[ContractReport],
    totals: &[RangeTotal],
) -> io::Result<()> {
    let first = &periods[0];
    page.heading(2, format_args!("{} {}", first.contract, first.title))?;
    let period_list = match periods {
        [only] => only.period.clone(),
        [first, .., last] => format!(
            "{} to {} ({} periods)",
            first.period,
            last.period,
            periods.len()
        ),
        [] => String::new(),
    };
    page.facts(&[
        ("Provider", &first.provider),
        ("Customer", &first.customer),
        ("Periods", &period_list),
        ("Time zone", &first.timezone),
        ("Contract file", &first.file),
    ])?;
    for total in totals
        .iter()
        .filter(|total| total.contract == first.contract)
    {
        page.paragraph(
            "total",
            format_args!(
                "Total credit over the range: {} {}",
                total.credit_total, total.currency
            ),
        )?;
    }
    page.figures(&figures(periods)?)?;
    for period in periods {
        write_period(page, period)?;
    }
    Ok(())
}

/// Availability against target per service, then credits per period stacked by service.
fn figures(periods: &[ContractReport]) -> io::Result<Vec<(String, Figure)>> {
    let labels: Vec<String> = periods.iter().map(|period| period.period.clone()).collect();
    // Every service of any period, by id, with the name it was last given.
    let mut services = BTreeMap::new();
    for period in periods {
        for service in &period.services {
            services.insert(service.service.as_str(), service.name.as_str());
        }
    }
    let per_period =
        |id: &str, value: &dyn Fn(&crate::calc::model::ServiceSummary) -> Option<Decimal>| {
            periods
                .iter()
                .map(|period| {
                    period
                        .services
                        .iter()
                        .find(|service| service.service == id)
                        .and_then(value)
                })
                .collect::<Vec<Option<Decimal>>>()
        };
    let mut figures = Vec::with_capacity(services.len() + 1);
    for (id, name) in &services {
        let availability = Chart {
            labels: labels.clone(),
            series: vec![Series {
                name: "availability".to_owned(),
                values: per_period(id, &|service| Some(service.availability)),
            }],
        };
        let target = per_period(id, &|service| service.availability_target);
        figures.push((
            format!("{id} ({name}): availability %"),
            chart::line_against_target(&availability, &target)?,
        ));
    }
    let credits = Chart {
        labels,
        series: services
            .keys()
            .map(|id| Series {
                name: (*id).to_owned(),
                values: per_period(id, &|service| Some(service.credit)),
            })
            .collect(),
    };
    // A contract's later version may bill in another currency.
    let currencies: BTreeSet<&str> = periods
        .iter()
        .map(|period| period.currency.as_str())
        .collect();
    let currencies: Vec<&str> = currencies.into_iter().collect();
    figures.push((
        format!("Credits per period, {}", currencies.join(", ")),
        chart::stacked_bars(&credits)?,
    ));
    Ok(figures)
}

fn write_period(page: &mut Page<'_>, period: &ContractReport) -> io::Result<()> {
    page.heading(3, format_args!("Period {}", period.period))?;
    page.paragraph(
        "note",
        format_args!(
            "Measured [{}, {}) in {}, judged at {}.",
            period.period_start, period.period_end, period.timezone, period.judged_at
        ),
    )?;
    write_services(page, period)?;
    write_breaches(page, period)?;
    write_credit_lines(page, period)?;
    if !period.disputed.is_empty() {
        let mut table = page.table(
            "Disputed (held out of credits until settled)",
            &["service", "incident", "title", "would add", "source"],
            &[3],
        )?;
        for disputed in &period.disputed {
            let exposure = format!("{} {}", disputed.exposure, period.currency);
            table.row(&[
                &disputed.service,
                &disputed.incident,
                &disputed.title,
                &exposure,
                &disputed.source,
            ])?;
        }
        table.finish()?;
    }
    if !period.findings.is_empty() {
        page.paragraph("total", "Findings")?;
        page.list(period.findings.iter().map(|finding| {
            let sources = if finding.sources.is_empty() {
                String::new()
            } else {
                format!(" [{}]", finding.sources.join(", "))
            };
            format!(
                "{} ({}): {}{sources}",
                finding.kind, finding.service, finding.message
            )
        }))?;
    }
    Ok(())
}

fn write_services(page: &mut Page<'_>, period: &ContractReport) -> io::Result<()> {
    let counts = crate::report::table::counts_text;
    let mut table = page.table(
        "Services",
        &[
            "service",
            "name",
            "fee",
            "availability %",
            "target %",
            "downtime",
            "maintenance excluded",
            "respond met / breached / pending",
            "resolve met / breached / pending",
            "credit",
        ],
        &[2, 3, 4, 5, 6, 9],
    )?;
    for service in &period.services {
        let target: &dyn Display = match &service.availability_target {
            Some(target) => target,
            None => &"",
        };
        table.row(&[
            &service.service,
            &service.name,
            &service.fee,
            &service.availability,
            target,
            &format_on_calendar(service.downtime_seconds, service.office_hours.as_deref()),
            &format_on_calendar(
                service.maintenance_excluded_seconds,
                service.office_hours.as_deref(),
            ),
            &counts(&service.respond),
            &counts(&service.resolve),
            &service.credit,
        ])?;
    }
    table.finish()
}

fn write_breaches(page: &mut Page<'_>, period: &ContractReport) -> io::Result<()> {
    if period.breaches.is_empty() {
        return page.paragraph("note", "No breached or pending targets.");
    }
    let mut table = page.table(
        "Breaches",
        &[
            "service", "incident", "title", "severity", "target", "status", "allowed", "actual",
            "over by", "source",
        ],
        &[6, 7, 8],
    )?;
    for breach in &period.breaches {
        table.row(&[
            &breach.service,
            &breach.incident,
            &breach.title,
            &breach.severity,
            &breach.target.name(),
            &format!("{:?}", breach.status).to_lowercase(),
            &format_on_calendar(breach.allowed_seconds, breach.office_hours.as_deref()),
            &format_on_calendar(breach.actual_seconds, breach.office_hours.as_deref()),
            &format_on_calendar(breach.over_by_seconds, breach.office_hours.as_deref()),
            &breach.source,
        ])?;
    }
    table.finish()
}

fn write_credit_lines(page: &mut Page<'_>, period: &ContractReport) -> io::Result<()> {
    if period.credit_lines.is_empty() {
        return page.paragraph("total", "No credits owed.");
    }
    let mut table = page.table(
        "Credit lines",
        &[
            "service",
            "rule",
            "description",
            "amount",
            "cap applied",
            "incidents",
        ],
        &[3],
    )?;
    for line in &period.credit_lines {
        let cap: &dyn Display = match &line.cap_applied {
            Some(cap) => cap,
            None => &"",
        };
        table.row(&[
            &line.service,
            &line.rule,
            &line.description,
            &line.amount,
            cap,
            &line.incidents.join(", "),
        ])?;
    }
    let total = format!("{} {}", period.credit_total, period.currency);
    table.finish_with_total(&[&"Total", &"", &"", &total, &"", &""])
}

fn write_rows(page: &mut Page<'_>, rows: &RowAccounting) -> io::Result<()> {
    page.heading(2, "Rows")?;
    page.paragraph(
        "total",
        format_args!(
            "{} read = {} counted + {} excluded + {} rejected",
            rows.read,
            rows.counted,
            rows.excluded_rows(),
            rows.rejected_rows()
        ),
    )?;
    if !rows.excluded.is_empty() {
        let mut table = page.table("Excluded", &["rows", "reason"], &[0])?;
        for exclusion in &rows.excluded {
            table.row(&[&exclusion.rows, &exclusion.reason])?;
        }
        table.finish()?;
    }
    if !rows.rejected.is_empty() {
        page.paragraph("total", "Rejected")?;
        page.list(&rows.rejected)?;
    }
    Ok(())
}

//! The scorecard as one HTML page: per contract its charts over the view periods (availability
//! per service against its target, credits stacked by service, MTTR p90 by severity), then its
//! lines, each service's trend, and the notes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Page;
use super::chart::{self, Chart, Figure, Series};
use crate::calc::scorecard::{ScoreLine, Scorecard, Severities, ViewPeriod};
use crate::money::Decimal;
use crate::report::scorecard::{
    NUMERIC, TREND_HEADER, TREND_NUMERIC, cells, contracts, heading, note_text, trend_cells,
};

/// The table's headings: the terminal table's, with spaces where a narrow column may wrap.
const HEADER: [&str; 14] = [
    "service",
    "period",
    "severity",
    "incidents",
    "respond met / breached / pending",
    "respond %",
    "resolve met / breached / pending",
    "resolve %",
    "MTTA mean / p50 / p90",
    "MTTR mean / p50 / p90",
    "availability %",
    "target %",
    "downtime",
    "credits",
];

/// Writes the whole scorecard as a self-contained HTML page.
pub fn write_scorecard_html(out: &mut dyn Write, scorecard: &Scorecard) -> io::Result<()> {
    let title = format!("Vendor scorecard {}", scorecard.period);
    let mut page = Page::start(out, &title)?;
    page.heading(1, &title)?;
    for contract in contracts(scorecard) {
        page.heading(2, heading(scorecard, contract))?;
        let lines: Vec<&ScoreLine> = scorecard
            .lines
            .iter()
            .filter(|line| line.contract == contract)
            .collect();
        page.figures(&figures(&lines)?)?;
        let mut table = page.table("Lines", &HEADER, &NUMERIC)?;
        for line in &lines {
            let cells = cells(line);
            let cells: Vec<&dyn std::fmt::Display> = cells
                .iter()
                .map(|cell| cell as &dyn std::fmt::Display)
                .collect();
            table.row(&cells)?;
        }
        table.finish()?;
        let mut trends = page.table("Trend per service", &TREND_HEADER, &TREND_NUMERIC)?;
        for trend in scorecard
            .trends
            .iter()
            .filter(|trend| trend.contract == contract)
        {
            let cells = trend_cells(trend);
            let cells: Vec<&dyn std::fmt::Display> = cells
                .iter()
                .map(|cell| cell as &dyn std::fmt::Display)
                .collect();
            trends.row(&cells)?;
        }
        trends.finish()?;
    }
    if !scorecard.notes.is_empty() {
        page.heading(2, "Notes")?;
        page.list(scorecard.notes.iter().map(note_text))?;
    }
    page.finish()
}

const SECONDS_PER_HOUR: i64 = 3_600;

/// One contract's charts: availability per service against its target and credits stacked by
/// service (from the `all` lines), and the p90 time to resolve per severity, in hours.
fn figures(lines: &[&ScoreLine]) -> io::Result<Vec<(String, Figure)>> {
    let mut periods: Vec<ViewPeriod> = lines.iter().map(|line| line.period).collect();
    periods.sort_unstable();
    periods.dedup();
    let labels: Vec<String> = periods.iter().map(ToString::to_string).collect();
    let all = |line: &&&ScoreLine| line.severity == Severities::All;
    // Per service, its `all` line of each view period.
    let mut services: BTreeMap<&str, BTreeMap<ViewPeriod, &ScoreLine>> = BTreeMap::new();
    for line in lines.iter().filter(all) {
        services
            .entry(&line.service)
            .or_default()
            .insert(line.period, line);
    }
    let per_period = |by_period: &BTreeMap<ViewPeriod, &ScoreLine>,
                      value: &dyn Fn(&ScoreLine) -> Option<Decimal>| {
        periods
            .iter()
            .map(|period| by_period.get(period).and_then(|line| value(line)))
            .collect::<Vec<Option<Decimal>>>()
    };
    let mut figures = Vec::with_capacity(services.len() + 2);
    for (service, by_period) in &services {
        let availability = Chart {
            labels: labels.clone(),
            series: vec![Series {
                name: "availability".to_owned(),
                values: per_period(by_period, &|line| Some(line.availability)),
            }],
        };
        let target = per_period(by_period, &|line| line.availability_target);
        figures.push((
            format!("{service}: availability %"),
            chart::line_against_target(&availability, &target)?,
        ));
    }
    let currency = lines.first().map_or("", |line| line.currency.as_str());
    let credits: Vec<Series> = services
        .iter()
        .map(|(service, by_period)| Series {
            name: (*service).to_owned(),
            values: per_period(by_period, &|line| line.credits),
        })
        .collect();
    if credits
        .iter()
        .any(|series| series.values.iter().any(Option::is_some))
    {
        figures.push((
            format!("Credits per period, {currency}"),
            chart::stacked_bars(&Chart {
                labels: labels.clone(),
                series: credits,
            })?,
        ));
    }
    // Per severity (in the contract's order), the p90 time to resolve over all services of
    // each view period: the largest of the services' p90s, the slowest service's tail.
    let mut severities: Vec<&str> = Vec::new();
    let mut p90: BTreeMap<(&str, ViewPeriod), i64> = BTreeMap::new();
    for line in lines {
        let Severities::One(severity) = &line.severity else {
            continue;
        };
        if !severities.contains(&severity.as_str()) {
            severities.push(severity);
        }
        if let Some(times) = line.time_to_resolve {
            let slowest = p90.entry((severity, line.period)).or_default();
            *slowest = (*slowest).max(times.p90_seconds);
        }
    }
    if !p90.is_empty() {
        let series = severities
            .iter()
            .map(|severity| Series {
                name: (*severity).to_owned(),
                values: periods
                    .iter()
                    .map(|period| {
                        p90.get(&(*severity, *period)).map(|seconds| {
                            Decimal::from(*seconds) / Decimal::from(SECONDS_PER_HOUR)
                        })
                    })
                    .collect(),
            })
            .collect();
        figures.push((
            "MTTR p90 by severity (slowest service), hours".to_owned(),
            chart::grouped_bars(&Chart { labels, series })?,
        ));
    }
    Ok(figures)
}

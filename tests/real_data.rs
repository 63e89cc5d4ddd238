//! Real exports that nobody on the team wrote, in `../shared/data/real/` beside the repository
//! (described in its README): the UCI incident event log (from `ServiceNow`) and the GitHub status-page
//! downtime windows. Each test prints why and passes when the directory is absent; the small
//! excerpts under `tests/fixtures/` always run (`tests/event_log.rs`, `tests/sources.rs`).
//!
//! The pinned figures were computed independently of slacredit, by a short Python script over
//! the same files (its rules are restated in each comment), and where the data's README gives a
//! figure of its own, the test checks that too.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use slacredit::calc::{Status, judge};
use slacredit::contract::{Contract, TargetKind, load_contract_file};
use slacredit::incidents::{EARLIER_EVENT, Exceptions, Incidents, Input, Source};
use slacredit::money::Decimal;
use slacredit::time::PeriodRange;

const EVENT_LOG: &str = "uci_incident_event_log.csv.gz";
const STATUS_WINDOWS: &str = "github_status_downtime_windows.csv";

/// The path of a real data file, or `None` (with the reason printed) when it is not there.
fn real_file(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/real")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "skipped: {} is absent (the real exports live in ../shared/data/real beside the repository)",
            path.display()
        );
        None
    }
}

fn input(path: &Path) -> Input {
    Input::open(path).expect("readable")
}

fn example_contract(name: &str) -> Contract {
    load_contract_file(&Path::new("examples/real/contracts").join(name))
        .expect("the shipped contract loads")
}

fn example_source(name: &str) -> Source {
    Source::load(&Path::new("examples/real/mappings").join(name))
        .expect("the shipped mapping loads")
}

/// The event log's rows as the test reads them itself (gzip and CSV, no slacredit): for each
/// ticket `number`, the final `made_sla` and the number of rows. "Final" is the ticket's latest
/// row by `sys_updated_at`, ties in file order, the rule the data's README uses.
fn final_made_sla(path: &Path) -> (u64, HashMap<String, bool>) {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(File::open(path).expect("readable"))
        .read_to_end(&mut text)
        .expect("gzip");
    let mut reader = csv::Reader::from_reader(text.as_slice());
    let headers = reader.headers().expect("a header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .expect("column")
    };
    let (number, updated, made_sla) = (
        column("number"),
        column("sys_updated_at"),
        column("made_sla"),
    );
    let mut latest: HashMap<String, (NaiveDateTime, bool)> = HashMap::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("a well-formed row");
        rows += 1;
        let time =
            NaiveDateTime::parse_from_str(&record[updated], "%d/%m/%Y %H:%M").expect("a timestamp");
        let made = &record[made_sla] == "true";
        let entry = latest
            .entry(record[number].to_owned())
            .or_insert((time, made));
        if time >= entry.0 {
            *entry = (time, made);
        }
    }
    (
        rows,
        latest
            .into_iter()
            .map(|(id, (_, made))| (id, made))
            .collect(),
    )
}

/// The whole event log folded with the UCI contract, keeping every valid incident whatever its
/// period, and the test's own reading of it: read once, shared by the tests.
struct EventLog {
    contract: Contract,
    incidents: Incidents,
    rows: u64,
    made_sla: HashMap<String, bool>,
}

fn event_log(path: &Path) -> &'static EventLog {
    static EVENT_LOG: OnceLock<EventLog> = OnceLock::new();
    EVENT_LOG.get_or_init(|| {
        let contract = example_contract("uci-itsm.yaml");
        let incidents = slacredit::read_incidents(
            vec![input(path)],
            &example_source("uci-servicenow.yaml"),
            std::slice::from_ref(&contract),
            &|_, _| Ok(()),
        )
        .expect("the event log reads");
        let (rows, made_sla) = final_made_sla(path);
        EventLog {
            contract,
            incidents,
            rows,
            made_sla,
        }
    })
}

#[test]
fn the_servicenow_event_log_accounts_for_every_row() {
    let Some(path) = real_file(EVENT_LOG) else {
        return;
    };
    let EventLog {
        incidents,
        rows,
        made_sla,
        ..
    } = event_log(&path);
    let rows = *rows;
    let rows_accounted = &incidents.rows;
    // The data's README: 141,712 events of 24,918 incidents.
    assert_eq!(rows, 141_712);
    assert_eq!(made_sla.len(), 24_918);
    assert_eq!(rows_accounted.read, rows);
    // One incident per distinct `number`, and every other row folded into one of them.
    assert_eq!(rows_accounted.counted, made_sla.len() as u64);
    let distinct: HashSet<&str> = incidents
        .incidents
        .iter()
        .map(|incident| &*incident.id)
        .collect();
    assert_eq!(distinct.len(), 24_918);
    assert!(distinct.iter().all(|id| made_sla.contains_key(*id)));
    assert!(
        rows_accounted.rejected.is_empty(),
        "{:?}",
        rows_accounted.rejected
    );
    assert_eq!(rows_accounted.excluded.len(), 1);
    assert_eq!(rows_accounted.excluded[0].reason.to_string(), EARLIER_EVENT);
    assert_eq!(rows_accounted.excluded[0].rows, 141_712 - 24_918);
    // Final made_sla per the README: true 15,803 / false 9,115.
    assert_eq!(made_sla.values().filter(|made| **made).count(), 15_803);
    // Priorities on the latest rows (README: Critical 270, High 408, Moderate 23,466, Low 774).
    let mut by_severity = [0; 4];
    for incident in &incidents.incidents {
        by_severity[usize::from(incident.severity)] += 1;
    }
    assert_eq!(by_severity, [270, 408, 23_466, 774]);
}

/// For every folded incident, whether slacredit breaches its resolution target and whether the
/// export's final `made_sla` says it was met: `(breached, made_sla) → incidents`.
fn confusion(
    contract: &Contract,
    incidents: &Incidents,
    made_sla: &HashMap<String, bool>,
) -> HashMap<(bool, bool), u64> {
    let mut counts = HashMap::new();
    for incident in &incidents.incidents {
        let severity = &contract.severities[usize::from(incident.severity)];
        let target = severity
            .target(TargetKind::Resolve)
            .expect("a resolve target");
        let calendar = &contract.calendars[target.calendar].calendar;
        // Judged long after the fact: every ticket in the log is closed.
        let verdict = judge(
            incident,
            TargetKind::Resolve,
            target,
            calendar,
            i64::MAX / 2,
        )
        .expect("a resolution target applies to every incident");
        assert_ne!(verdict.status, Status::Pending, "{}", incident.id);
        let breached = verdict.status == Status::Breached;
        *counts
            .entry((breached, made_sla[&*incident.id]))
            .or_default() += 1;
    }
    counts
}

fn without_pauses(contract: &Contract) -> Contract {
    let mut contract = contract.clone();
    for severity in &mut contract.severities {
        if let Some(target) = severity.resolve.as_mut() {
            target.pausable = false;
        }
    }
    contract
}

#[test]
fn breach_verdicts_agree_with_made_sla_at_pinned_rates() {
    let Some(path) = real_file(EVENT_LOG) else {
        return;
    };
    let EventLog {
        contract,
        incidents,
        made_sla,
        ..
    } = event_log(&path);
    // Targets: Critical 4 h, High 8 h, Moderate 3 d, Low 5 d, 24x7, judged at the priority of
    // the latest row. Agreement = breached and made_sla false, or met and made_sla true.
    // Independent figures (Python: latest row per number; resolved = resolved_at of the latest
    // row, else the first event of the final run of Resolved/Closed; pauses = runs of Awaiting
    // states and Resolved/Closed → other-state spans, clipped to [opened, resolved]):
    //
    // with pauses:    20,529 of 24,918 agree (82.39 %): breached & false 5,450, met & true
    //                 15,079, breached & true 724, met & false 3,665;
    // without pauses: 22,180 of 24,918 agree (89.01 %): breached & false 7,409, met & true
    //                 14,771, breached & true 1,032, met & false 1,706.
    //
    // Pausing in `Awaiting …` states lowers the agreement: the organisation's own clock seems
    // not to stop in them, or stops under rules the log does not show.
    let paused = confusion(contract, incidents, made_sla);
    assert_eq!(paused[&(true, false)], 5_450);
    assert_eq!(paused[&(false, true)], 15_079);
    assert_eq!(paused[&(true, true)], 724);
    assert_eq!(paused[&(false, false)], 3_665);
    assert_eq!(paused[&(true, false)] + paused[&(false, true)], 20_529);
    let unpaused = confusion(&without_pauses(contract), incidents, made_sla);
    assert_eq!(unpaused[&(true, false)], 7_409);
    assert_eq!(unpaused[&(false, true)], 14_771);
    assert_eq!(unpaused[&(true, true)], 1_032);
    assert_eq!(unpaused[&(false, false)], 1_706);
    assert_eq!(unpaused[&(true, false)] + unpaused[&(false, true)], 22_180);
}

#[test]
fn monthly_reports_judge_each_resolution_once() {
    let Some(path) = real_file(EVENT_LOG) else {
        return;
    };
    let contract = example_contract("uci-itsm.yaml");
    // One report per month over the contract's 14 months (2016-02 .. 2017-03): each month
    // judges the resolution targets due in it, so every incident's target is judged exactly
    // once, and the breaches add up to the 5,450 + 724 = 6,174 found above.
    let range = PeriodRange::new(
        "2016-02".parse().expect("a month"),
        "2017-03".parse().expect("a month"),
    )
    .expect("a range");
    let report = slacredit::evaluate(
        std::slice::from_ref(&contract),
        vec![input(&path)],
        &example_source("uci-servicenow.yaml"),
        range,
        None,
        &Exceptions::default(),
    )
    .expect("the months evaluate");
    assert_eq!(report.contracts.len(), 14);
    let (mut breached, mut judged) = (0, 0);
    for month in &report.contracts {
        let counts = &month.services[0].resolve;
        assert_eq!(counts.pending, 0, "{}", month.period);
        breached += counts.breached;
        judged += counts.breached + counts.met;
    }
    assert_eq!(judged, 24_918);
    assert_eq!(breached, 6_174);
    assert_eq!(report.rows.counted, 24_918);
}

#[test]
fn a_month_of_the_event_log_through_the_whole_pipeline() {
    let Some(path) = real_file(EVENT_LOG) else {
        return;
    };
    let contract = example_contract("uci-itsm.yaml");
    let report = slacredit::evaluate(
        std::slice::from_ref(&contract),
        vec![input(&path)],
        &example_source("uci-servicenow.yaml"),
        "2016-03".parse().expect("a month"),
        None,
        &Exceptions::default(),
    )
    .expect("the month evaluates");
    let rows = &report.rows;
    // Independent counts (Python over the latest row per number, deadlines = opened + target,
    // pushed back by the pauses): 24,918 tickets, of which 15,716 were opened after March 2016
    // and 24 were opened before March with their resolution target due outside it (5 before
    // March, 19 after it, their pauses pushing the deadline out); the other 9,178 count.
    assert_eq!(rows.read, 141_712);
    assert_eq!(rows.counted, 9_178);
    let excluded: HashMap<String, u64> = rows
        .excluded
        .iter()
        .map(|exclusion| (exclusion.reason.to_string(), exclusion.rows))
        .collect();
    assert_eq!(excluded[EARLIER_EVENT], 116_794);
    assert_eq!(excluded["opened after the period"], 15_716);
    assert_eq!(
        excluded["not opened in the period, and no outage or target due in it"],
        24
    );
    assert_eq!(
        rows.counted + rows.excluded_rows() + rows.rejected_rows(),
        rows.read
    );
}

/// Quarter, naive (summed) downtime minutes, merged downtime minutes, availability %.
///
/// Independent figures (Python over the windows file): rows with impact `maintenance` or `none`
/// left out, each window clipped to the quarter; naive = the sum of the clipped windows,
/// merged = the length of their union; availability = (quarter − merged) / quarter, to four
/// places. The data's README gives the same sums and unions for 2023-Q3 (4,198 / 4,181),
/// 2024-Q1 (3,609 / 3,438), 2024-Q3 (4,630 / 4,393), 2025-Q2 (11,442 / 10,772) and 2026-Q1
/// (14,704 / 13,216).
const QUARTERS: [(&str, i64, i64, &str); 18] = [
    ("2022-Q1", 595, 595, "99.5409"),
    ("2022-Q2", 2_875, 2_875, "97.8060"),
    ("2022-Q3", 2_985, 2_985, "97.7468"),
    ("2022-Q4", 2_950, 2_950, "97.7732"),
    ("2023-Q1", 5_470, 5_470, "95.7793"),
    ("2023-Q2", 3_984, 3_984, "96.9597"),
    ("2023-Q3", 4_198, 4_181, "96.8441"),
    ("2023-Q4", 1_841, 1_828, "98.6202"),
    ("2024-Q1", 3_609, 3_438, "97.3764"),
    ("2024-Q2", 3_808, 3_766, "97.1261"),
    ("2024-Q3", 4_630, 4_393, "96.6840"),
    ("2024-Q4", 1_736, 1_736, "98.6896"),
    ("2025-Q1", 4_908, 4_687, "96.3835"),
    ("2025-Q2", 11_442, 10_772, "91.7796"),
    ("2025-Q3", 7_310, 6_677, "94.9600"),
    ("2025-Q4", 10_633, 10_399, "92.1505"),
    ("2026-Q1", 14_704, 13_216, "89.8025"),
    ("2026-Q2", 15_358, 14_455, "88.9690"),
];

#[test]
fn github_status_quarters_merge_overlaps_and_leave_out_maintenance() {
    let Some(path) = real_file(STATUS_WINDOWS) else {
        return;
    };
    let contract = example_contract("github-status.yaml");
    let source = example_source("github-status.yaml");
    for (quarter, naive, merged, availability) in QUARTERS {
        let report = slacredit::evaluate(
            std::slice::from_ref(&contract),
            vec![input(&path)],
            &source,
            quarter.parse().expect("a quarter"),
            None,
            &Exceptions::default(),
        )
        .expect("the quarter evaluates");
        let service = &report.contracts[0].services[0];
        assert_eq!(service.downtime_seconds, merged * 60, "{quarter}");
        assert_eq!(
            service.availability,
            availability.parse::<Decimal>().expect("a number"),
            "{quarter}"
        );
        assert_eq!(
            naive_minutes(
                &path,
                &report.contracts[0].period_start,
                &report.contracts[0].period_end
            ),
            naive,
            "{quarter}"
        );
        assert_eq!(report.rows.read, 819);
        assert!(
            report.rows.rejected.is_empty(),
            "{:?}",
            report.rows.rejected
        );
        // 2022-Q1 is at or below 99.9 % (10 % of three monthly fees of 2,100.00 = 630.00);
        // every later quarter is below 99.0 % (25 % = 1,575.00).
        let credit = if quarter == "2022-Q1" {
            63_000
        } else {
            157_500
        };
        assert_eq!(
            report.contracts[0].credit_total,
            Decimal::new(credit, 2),
            "{quarter}"
        );
    }
}

/// The naive downtime of a quarter `[start, end)` (RFC 3339): the windows with an impact other
/// than `maintenance` or `none`, clipped to the quarter and added up, overlaps counted twice.
fn naive_minutes(path: &Path, start: &str, end: &str) -> i64 {
    let instant = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("an RFC 3339 time")
            .timestamp()
    };
    let (start, end) = (instant(start), instant(end));
    let mut reader = csv::Reader::from_path(path).expect("readable");
    let mut seconds = 0;
    for record in reader.records() {
        let record = record.expect("a well-formed row");
        if matches!(&record[6], "maintenance" | "none") {
            continue;
        }
        let (from, to) = (instant(&record[1]).max(start), instant(&record[2]).min(end));
        seconds += (to - from).max(0);
    }
    seconds / 60
}

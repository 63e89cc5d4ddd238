//! End-to-end calculation cases through the library: contract text + CSV text → report. Every
//! expected figure is worked out by hand in the comment above it.

use slacredit::calc::model::{Report, ServiceSummary};
use slacredit::contract::{Contract, load_contract_text};
use slacredit::incidents::{Exceptions, Input, Source};
use slacredit::time::{TimestampFormat, format_instant};

/// A UTC contract with one service `web` (fee and bands/caps supplied by the case).
fn contract(fee: &str, credits: &str) -> Contract {
    let text = format!(
        "id: TEST\ntitle: Test\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
         effective: {{ from: 2026-01-01 }}\n\
         services:\n  - {{ id: web, match: [web], fee: {fee}, availability: {{ target: 99.9 }} }}\n\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1, respond: {{ within: 15m }}, resolve: {{ within: 4h }} }}\n\
         \x20 - {{ id: sev2, match: [P2], downtime: 0.5, respond: {{ within: 30m }} }}\n\
         \x20 - {{ id: sev3, match: [P3], downtime: 0 }}\n\
         credits:\n{credits}"
    );
    load_contract_text("test.yaml", &text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"))
}

const HEADER: &str = "id,service,severity,opened,started,acknowledged,resolved,title\n";

/// Evaluates `csv` (header included), read as the file `name`, for `period`.
fn evaluate_csv(
    contract: &Contract,
    name: &str,
    csv: String,
    period: &str,
    as_of: Option<&str>,
    exceptions: &Exceptions,
) -> Report {
    let input = Input::stream(name, std::io::Cursor::new(csv.into_bytes()));
    let as_of = as_of.map(|text| TimestampFormat::Rfc3339.parse(text).expect("test instant"));
    slacredit::evaluate(
        std::slice::from_ref(contract),
        vec![input],
        &Source::generic(),
        period.parse().expect("test period"),
        as_of,
        exceptions,
    )
    .expect("evaluation succeeds")
}

fn run(contract: &Contract, rows: &str, period: &str, as_of: Option<&str>) -> Report {
    let csv = format!("{HEADER}{rows}");
    evaluate_csv(
        contract,
        "incidents.csv",
        csv,
        period,
        as_of,
        &Exceptions::default(),
    )
}

fn web(report: &Report) -> &ServiceSummary {
    &report.contracts[0].services[0]
}

const BANDS: &str = "  rules:\n    - id: availability\n      kind: availability\n      bands:\n        - { below: 99.9, credit: 10% }\n        - { below: 99.0, credit: 25% }\n";

#[test]
fn an_outage_that_began_in_the_period_counts_there_though_its_ticket_was_opened_after() {
    let terms = contract("1000.00", BANDS);
    // Down from 23:00 on 30 June; the ticket was opened at 00:10 on 1 July.
    let row = "L,web,P1,2026-07-01T00:10:00Z,2026-06-30T23:00:00Z,2026-07-01T00:15:00Z,2026-07-01T01:00:00Z,late\n";
    // Judged on 6 July the ticket is known: June holds 23:00-24:00 = 3,600 s of it;
    // (2,592,000 - 3,600) / 2,592,000 x 100 = 99.86111 % < 99.9 -> 10 % of 1,000.00 = 100.00.
    // Its response and resolution fall due in July, so June counts none.
    let june = run(&terms, row, "2026-06", Some("2026-07-06T00:00:00Z"));
    assert_eq!(web(&june).downtime_seconds, 3_600);
    assert_eq!(web(&june).availability.to_string(), "99.8611");
    assert_eq!(june.contracts[0].credit_total.to_string(), "100.00");
    assert_eq!(web(&june).respond.breached + web(&june).respond.met, 0);
    // July holds the other hour, 00:00-01:00: its response (5 min) and resolution are met.
    let july = run(&terms, row, "2026-07", None);
    assert_eq!(web(&july).downtime_seconds, 3_600);
    assert_eq!(web(&july).respond.met, 1);
    // Judged at June's end (the default) the ticket did not exist yet: June leaves it out.
    let at_end = run(&terms, row, "2026-06", None);
    assert_eq!(web(&at_end).downtime_seconds, 0);
    assert_eq!(
        at_end.rows.excluded[0].reason.to_string(),
        "opened after the period"
    );
}

#[test]
fn sixty_minutes_down_in_a_thirty_day_month_is_the_first_band() {
    let terms = contract("1000.00", BANDS);
    let report = run(
        &terms,
        "INC1,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:05:00Z,2026-09-10T11:00:00Z,\n",
        "2026-09",
        None,
    );
    // September: 30 × 86,400 = 2,592,000 s measured; 3,600 s down.
    // (2,592,000 − 3,600) / 2,592,000 × 100 = 99.86111…% → below 99.9 but not below 99.0 → 10 %.
    assert_eq!(web(&report).measured_seconds, 2_592_000);
    assert_eq!(web(&report).downtime_seconds, 3_600);
    assert_eq!(web(&report).availability.to_string(), "99.8611");
    assert_eq!(web(&report).availability_met, Some(false));
    let line = &report.contracts[0].credit_lines[0];
    // 10 % of 1,000.00 = 100.00.
    assert_eq!(
        (line.rule.as_str(), line.amount.to_string().as_str()),
        ("availability", "100.00")
    );
}

#[test]
fn overlapping_outages_count_once() {
    let terms = contract("1000.00", BANDS);
    let rows = "A,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T11:00:00Z,\nB,web,P1,2026-09-10T10:30:00Z,,,2026-09-10T11:30:00Z,\n";
    // 10:00–11:00 ∪ 10:30–11:30 = 10:00–11:30 = 90 min = 5,400 s (not 120 min).
    assert_eq!(
        web(&run(&terms, rows, "2026-09", None)).downtime_seconds,
        5_400
    );
}

#[test]
fn availability_exactly_on_the_boundary() {
    // 2,592 s down of 2,592,000 s: (2,592,000 − 2,592) / 2,592,000 × 100 = 99.9 exactly.
    let exactly = "A,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T10:43:12Z,\n";
    // One second more: 2,593 s down → 99.89996…% < 99.9.
    let one_more = "A,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T10:43:13Z,\n";
    let below = contract(
        "1000.00",
        "  rules:\n    - { id: a, kind: availability, bands: [{ below: 99.9, credit: 10% }] }\n",
    );
    let at_or_below = contract(
        "1000.00",
        "  rules:\n    - { id: a, kind: availability, bands: [{ at_or_below: 99.9, credit: 10% }] }\n",
    );
    // `below: 99.9` means < 99.9: exactly 99.9 earns nothing, 99.89996 earns 10 %.
    assert!(
        run(&below, exactly, "2026-09", None).contracts[0]
            .credit_lines
            .is_empty()
    );
    assert_eq!(
        run(&below, one_more, "2026-09", None).contracts[0].credit_lines[0]
            .amount
            .to_string(),
        "100.00"
    );
    // `at_or_below: 99.9` means ≤ 99.9: exactly 99.9 already earns 10 %.
    assert_eq!(
        run(&at_or_below, exactly, "2026-09", None).contracts[0].credit_lines[0]
            .amount
            .to_string(),
        "100.00"
    );
    // And the target of 99.9 is met at exactly 99.9.
    assert_eq!(
        web(&run(&below, exactly, "2026-09", None)).availability_met,
        Some(true)
    );
}

#[test]
fn a_full_band_credit_is_cut_to_the_service_cap() {
    let terms = contract(
        "1000.00",
        "  cap: { per_service: 30% }\n  rules:\n    - { id: a, kind: availability, bands: [{ below: 99.9, credit: 100% }] }\n",
    );
    let report = run(
        &terms,
        "A,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T12:00:00Z,\n",
        "2026-09",
        None,
    );
    let line = &report.contracts[0].credit_lines[0];
    // 100 % of 1,000.00 = 1,000.00 raw; the cap is 30 % of 1,000.00 = 300.00.
    assert_eq!(line.amount_before_caps.to_string(), "1000.00");
    assert_eq!(line.amount.to_string(), "300.00");
    let cap = line
        .cap_applied
        .as_ref()
        .map(ToString::to_string)
        .expect("the cap is named on the line");
    assert!(
        cap.contains("per_service") && cap.contains("700.00"),
        "{cap}"
    );
    assert_eq!(report.contracts[0].credit_total.to_string(), "300.00");
}

#[test]
fn the_cap_is_filled_in_rule_order() {
    let terms = contract(
        "1000.00",
        "  cap: { per_service: 30% }\n  rules:\n\
         \x20   - { id: a, kind: availability, bands: [{ below: 99.9, credit: 20% }] }\n\
         \x20   - { id: r, kind: per_breach, target: respond, credit: 150.00 }\n",
    );
    // Two hours down (band 20 % = 200.00) and a 20-minute response to a 15-minute target (150.00).
    let report = run(
        &terms,
        "A,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:20:00Z,2026-09-10T12:00:00Z,\n",
        "2026-09",
        None,
    );
    let amounts: Vec<String> = report.contracts[0]
        .credit_lines
        .iter()
        .map(|line| line.amount.to_string())
        .collect();
    // Cap 300.00: the first rule keeps 200.00, the second gets the remaining 100.00 of its 150.00.
    assert_eq!(amounts, ["200.00", "100.00"]);
}

#[test]
fn lines_are_rounded_once_by_the_contracts_rule() {
    let band = "    - { id: a, kind: availability, bands: [{ below: 99.9, credit: 25% }] }\n";
    let even = contract(
        "100.10",
        &format!("  rounding: {{ places: 2, mode: half_even }}\n  rules:\n{band}"),
    );
    let up = contract(
        "100.10",
        &format!("  rounding: {{ places: 2, mode: half_up }}\n  rules:\n{band}"),
    );
    let rows = "A,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T12:00:00Z,\n";
    // 25 % of 100.10 = 25.025: half_even → 25.02, half_up → 25.03.
    assert_eq!(
        run(&even, rows, "2026-09", None).contracts[0].credit_lines[0]
            .amount
            .to_string(),
        "25.02"
    );
    assert_eq!(
        run(&up, rows, "2026-09", None).contracts[0].credit_lines[0]
            .amount
            .to_string(),
        "25.03"
    );
}

#[test]
fn response_at_exactly_the_target_is_met_and_one_second_later_breached() {
    let terms = contract(
        "1000.00",
        "  rules:\n    - { id: r, kind: per_breach, target: respond, credit: 50.00 }\n",
    );
    let rows = "MET,web,P3,2026-09-10T10:00:00Z,,2026-09-10T10:15:00Z,2026-09-10T11:00:00Z,\n\
                LATE,web,P1,2026-09-11T10:00:00Z,,2026-09-11T10:15:01Z,2026-09-11T11:00:00Z,\n";
    // sev3 has no respond target; use sev1 (15 m) for both to compare like with like.
    let rows = rows.replace("MET,web,P3", "MET,web,P1");
    let report = run(&terms, &rows, "2026-09", None);
    // MET: 900 s taken, 900 s allowed → met. LATE: 901 s > 900 s → breached, over by 1 s.
    assert_eq!(
        (web(&report).respond.met, web(&report).respond.breached),
        (1, 1)
    );
    let breach = &report.contracts[0].breaches[0];
    assert_eq!(
        (
            breach.incident.as_str(),
            breach.actual_seconds,
            breach.over_by_seconds
        ),
        ("LATE", 901, 1)
    );
    assert_eq!(
        report.contracts[0].credit_lines[0].amount.to_string(),
        "50.00"
    );
}

#[test]
fn a_breach_belongs_to_the_period_of_its_deadline() {
    let terms = contract(
        "1000.00",
        "  rules:\n    - { id: r, kind: per_breach, target: respond, credit: 50.00 }\n",
    );
    // Opened 30 September 23:50 with a 15-minute target: due 1 October 00:05, acknowledged 00:30.
    let rows = "X,web,P3,2026-09-30T23:50:00Z,,2026-10-01T00:30:00Z,2026-10-01T01:00:00Z,\n"
        .replace("P3", "P1");
    let september = run(&terms, &rows, "2026-09", None);
    let october = run(&terms, &rows, "2026-10", None);
    assert_eq!(web(&september).respond.breached, 0);
    assert_eq!(web(&october).respond.breached, 1);
    // The outage is clipped to each month: 10 min in September, 60 min in October.
    assert_eq!(
        (
            web(&september).downtime_seconds,
            web(&october).downtime_seconds
        ),
        (600, 3_600)
    );
}

#[test]
fn open_incidents_are_judged_at_as_of() {
    let terms = contract("1000.00", BANDS);
    let rows = "OPEN,web,P1,2026-09-10T10:00:00Z,,,,\n";
    // Judged at 10:10: 600 s elapsed of 900 s to respond → pending; 600 s of downtime so far,
    // measured from 1 September 00:00 to 10 September 10:10 = 9 × 86,400 + 36,600 = 814,200 s.
    let early = run(&terms, rows, "2026-09", Some("2026-09-10T10:10:00Z"));
    assert_eq!(
        (web(&early).respond.pending, web(&early).respond.breached),
        (1, 0)
    );
    assert_eq!(
        (web(&early).downtime_seconds, web(&early).measured_seconds),
        (600, 814_200)
    );
    // Judged at the period end: still unacknowledged → breached; down from 10:00 on the 10th to
    // 1 October 00:00 = 14 h to midnight + 20 whole days = 50,400 + 1,728,000 = 1,778,400 s.
    let end = run(&terms, rows, "2026-09", None);
    assert_eq!(web(&end).respond.breached, 1);
    assert_eq!(web(&end).downtime_seconds, 1_778_400);
}

#[test]
fn degraded_time_counts_at_its_weight() {
    let terms = contract("1000.00", BANDS);
    // A sev2 (weight 0.5) outage of 2 h = 7,200 s → 3,600 weighted seconds.
    let report = run(
        &terms,
        "D,web,P2,2026-09-10T10:00:00Z,,2026-09-10T10:10:00Z,2026-09-10T12:00:00Z,\n",
        "2026-09",
        None,
    );
    assert_eq!(web(&report).downtime_seconds, 7_200);
    assert_eq!(web(&report).weighted_downtime_seconds.to_string(), "3600");
    // Same availability as one full hour: 99.8611 %.
    assert_eq!(web(&report).availability.to_string(), "99.8611");
}

#[test]
fn a_dst_month_measures_its_real_hours() {
    let text = "id: B\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: Europe/Berlin\neffective: { from: 2026-01-01 }\n\
                services: [{ id: web, match: [web], fee: 1.00 }]\nseverities: [{ id: s, match: [P1], downtime: 1 }]\n";
    let terms = load_contract_text("berlin.yaml", text).expect("valid");
    // March 2026 in Berlin loses an hour (743 h); October gains one (745 h).
    assert_eq!(
        web(&run(&terms, "", "2026-03", None)).measured_seconds,
        743 * 3_600
    );
    assert_eq!(
        web(&run(&terms, "", "2026-10", None)).measured_seconds,
        745 * 3_600
    );
}

#[test]
fn every_row_is_counted_excluded_or_rejected() {
    let terms = contract("1000.00", BANDS);
    let rows = "\
OK1,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T11:00:00Z,counted
OK2,web,P2,2026-09-11T10:00:00Z,,2026-09-11T10:05:00Z,2026-09-11T11:00:00Z,counted (response due in September)
OK1,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T11:00:00Z,identical duplicate
OLD,web,P1,2026-08-01T10:00:00Z,,,2026-08-01T11:00:00Z,outside the period
NEXT,web,P1,2026-10-02T10:00:00Z,,,2026-10-02T11:00:00Z,after the period
,web,P1,2026-09-12T10:00:00Z,,,,no id
BADSEV,web,P9,2026-09-12T10:00:00Z,,,,unknown severity
BADSVC,mail,P1,2026-09-12T10:00:00Z,,,,unknown service
BADTIME,web,P1,12/09/2026 10:00,,,,malformed timestamp
BACKWARDS,web,P1,2026-09-12T10:00:00Z,,,2026-09-12T09:00:00Z,resolved before opened
SHORT,web,P1
CONFLICT,web,P1,2026-09-13T10:00:00Z,,,2026-09-13T11:00:00Z,first copy
CONFLICT,web,P1,2026-09-13T10:00:00Z,,,2026-09-13T12:00:00Z,second copy differs
";
    let report = run(&terms, rows, "2026-09", None);
    let accounting = &report.rows;
    // 13 rows read: counted OK1, OK2 (2); excluded duplicate OK1, OLD, NEXT (3);
    // rejected no id, BADSEV, BADSVC, BADTIME, BACKWARDS, SHORT and both CONFLICT rows (8).
    assert_eq!(accounting.read, 13);
    assert_eq!(accounting.counted, 2);
    assert_eq!(accounting.excluded_rows(), 3);
    assert_eq!(accounting.rejected_rows(), 8);
    assert_eq!(
        accounting.counted + accounting.excluded_rows() + accounting.rejected_rows(),
        accounting.read
    );
    let lines: Vec<u64> = accounting
        .rejected
        .iter()
        .map(|rejection| rejection.line)
        .collect();
    // Header is line 1, so the n-th data row is line n + 1.
    assert_eq!(lines, [7, 8, 9, 10, 11, 12, 13, 14]);
    let conflict = accounting
        .rejected
        .iter()
        .find(|rejection| rejection.line == 13)
        .expect("conflict rejected");
    assert!(
        conflict.reason.contains("incidents.csv:14"),
        "names the other copy: {}",
        conflict.reason
    );
    let bad_time = &accounting.rejected[3];
    assert_eq!(
        (bad_time.column.as_str(), bad_time.value.as_str()),
        ("opened", "12/09/2026 10:00")
    );
}

/// A UTC contract measured in office hours: Mon–Fri 08:00–18:00, closed on 2026-06-24.
fn office_contract(respond: &str) -> Contract {
    let text = format!(
        "id: OFFICE\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: {{ from: 2026-01-01 }}\n\
         calendars:\n  office:\n    weekly: {{ mon-fri: [\"08:00-18:00\"] }}\n    holidays: [2026-06-24]\n\
         services:\n  - {{ id: web, match: [web], fee: 1000.00, availability: {{ target: 99.0, calendar: office }} }}\n\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1 }}\n\
         \x20 - {{ id: sev3, match: [P3], downtime: 0, respond: {respond} }}\n\
         credits:\n  rules:\n    - {{ id: r, kind: per_breach, target: respond, credit: 100.00 }}\n"
    );
    load_contract_text("office.yaml", &text)
        .unwrap_or_else(|problems| panic!("office contract invalid: {problems:#?}"))
}

const OFFICE_HEADER: &str = "id,service,severity,opened,acknowledged,resolved,paused\n";

fn run_office(contract: &Contract, rows: &str) -> Report {
    let csv = format!("{OFFICE_HEADER}{rows}");
    evaluate_csv(
        contract,
        "office.csv",
        csv,
        "2026-06",
        None,
        &Exceptions::default(),
    )
}

#[test]
fn a_response_target_in_office_hours_runs_over_the_weekend() {
    let terms = office_contract("{ within: 4h, calendar: office }");
    // Opened Fri 5 June 16:00, acknowledged Mon 8 June 10:30: Fri 16–18 (2 h) + Mon 08–10:30
    // (2 h 30 min) = 4 h 30 min of office time > 4 h → breached by 30 min; due Mon 10:00.
    let report = run_office(
        &terms,
        "W,web,P3,2026-06-05T16:00:00Z,2026-06-08T10:30:00Z,2026-06-08T12:00:00Z,\n",
    );
    let breach = &report.contracts[0].breaches[0];
    assert_eq!(
        (breach.actual_seconds, breach.over_by_seconds),
        (16_200, 1_800)
    );
    assert_eq!(format_instant(breach.deadline), "2026-06-08T10:00:00Z");
    assert_eq!(
        report.contracts[0].credit_lines[0].amount.to_string(),
        "100.00"
    );
}

#[test]
fn a_pause_stops_a_pausable_office_clock() {
    let row = "W,web,P3,2026-06-05T16:00:00Z,2026-06-08T10:30:00Z,2026-06-08T12:00:00Z,2026-06-08T08:00:00Z/2026-06-08T09:00:00Z\n";
    // Pausable: 4 h 30 min − the 1 h paused inside office hours = 3 h 30 min ≤ 4 h → met.
    let pausable = run_office(
        &office_contract("{ within: 4h, calendar: office, pausable: true }"),
        row,
    );
    assert_eq!(
        (web(&pausable).respond.met, web(&pausable).respond.breached),
        (1, 0)
    );
    // Not pausable: the pause is ignored → breached as before.
    let fixed = run_office(&office_contract("{ within: 4h, calendar: office }"), row);
    assert_eq!(web(&fixed).respond.breached, 1);
    // A total written as a duration works the same way: 4 h 30 min − 45 min = 3 h 45 min → met.
    let total = run_office(
        &office_contract("{ within: 4h, calendar: office, pausable: true }"),
        "W,web,P3,2026-06-05T16:00:00Z,2026-06-08T10:30:00Z,2026-06-08T12:00:00Z,45m\n",
    );
    assert_eq!(web(&total).respond.met, 1);
}

#[test]
fn availability_in_office_hours_counts_only_open_time() {
    let terms = office_contract("{ within: 4h, calendar: office }");
    // June 2026 starts on a Monday: 22 weekdays, less the 24 June holiday = 21 × 10 h = 210 h
    // = 756,000 s measured. A Saturday outage (10:00–14:00) counts nothing; Mon 8 June 17:00 to
    // Tue 9 June 09:00 counts Mon 17–18 + Tue 08–09 = 2 h = 7,200 s.
    let rows = "SAT,web,P1,2026-06-06T10:00:00Z,,2026-06-06T14:00:00Z,\nNIGHT,web,P1,2026-06-08T17:00:00Z,,2026-06-09T09:00:00Z,\n";
    let report = run_office(&terms, rows);
    assert_eq!(web(&report).measured_seconds, 756_000);
    assert_eq!(web(&report).downtime_seconds, 7_200);
    // (756,000 − 7,200) / 756,000 × 100 = 99.0476…% ≥ 99.0 → met.
    assert_eq!(web(&report).availability.to_string(), "99.0476");
    assert_eq!(web(&report).availability_met, Some(true));
}

#[test]
fn a_day_unit_on_a_business_calendar_warns() {
    let terms = office_contract("{ within: 1d, calendar: office }");
    let names: Vec<&str> = terms.warnings.iter().map(|warning| warning.check).collect();
    assert_eq!(names, ["day-unit-on-business-calendar"]);
    assert!(
        terms.warnings[0]
            .message
            .contains("24 hours of opening time"),
        "{}",
        terms.warnings[0].message
    );
    assert!(
        office_contract("{ within: 24h, calendar: office }")
            .warnings
            .is_empty()
    );
}

fn with_basis(basis: &str) -> Contract {
    let text = format!(
        "id: BASIS\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: {{ from: 2026-01-01 }}\n{basis}\
         services: [{{ id: web, match: [web], fee: 1000.00 }}]\n\
         severities:\n  - {{ id: sev1, match: [P1], respond: {{ within: 15m }} }}\n  - {{ id: sev2, match: [P2], respond: {{ within: 30m }} }}\n"
    );
    load_contract_text("basis.yaml", &text).unwrap_or_else(|problems| panic!("{problems:#?}"))
}

fn run_basis(contract: &Contract, reason: &str) -> Report {
    // Opened as P1, now P2, acknowledged after 20 minutes.
    let csv = format!(
        "id,service,severity,initial_severity,downgrade_reason,opened,started,acknowledged\n\
         D,web,P2,P1,{reason},2026-09-10T10:00:00Z,2026-09-10T09:50:00Z,2026-09-10T10:20:00Z\n"
    );
    evaluate_csv(
        contract,
        "basis.csv",
        csv,
        "2026-09",
        None,
        &Exceptions::default(),
    )
}

#[test]
fn the_severity_basis_decides_which_target_applies() {
    // 20 min against sev1's 15 min is a breach; against sev2's 30 min it is met.
    let highest = run_basis(&with_basis(""), "");
    assert_eq!(
        (
            web(&highest).respond.breached,
            &*highest.contracts[0].breaches[0].severity
        ),
        (1, "sev1")
    );
    let initial = run_basis(&with_basis("severity_basis: initial\n"), "");
    assert_eq!(web(&initial).respond.breached, 1);
    let final_basis = run_basis(&with_basis("severity_basis: final\n"), "");
    assert_eq!(
        (
            web(&final_basis).respond.met,
            web(&final_basis).respond.breached
        ),
        (1, 0)
    );
}

#[test]
fn a_downgrade_without_a_reason_is_a_finding() {
    let unexplained = run_basis(&with_basis(""), "");
    let findings = &unexplained.contracts[0].findings;
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (
            findings[0].kind,
            findings[0].incidents.join(","),
            findings[0].sources.join(",")
        ),
        (
            "downgrade-without-reason",
            "D".to_owned(),
            "basis.csv:2".to_owned()
        )
    );
    assert!(
        findings[0]
            .message
            .contains("opened as sev1 and downgraded to sev2"),
        "{}",
        findings[0].message
    );
    let explained = run_basis(&with_basis(""), "customer confirmed partial impact");
    assert!(explained.contracts[0].findings.is_empty());
}

#[test]
fn time_to_detect_is_opened_minus_started() {
    let report = run_basis(&with_basis(""), "");
    // Started 09:50, opened 10:00: detected after 600 s; the only such incident, so the mean too.
    assert_eq!(
        report.contracts[0].breaches[0].detected_after_seconds,
        Some(600)
    );
    assert_eq!(web(&report).mean_time_to_detect_seconds, Some(600));
}

fn exclusions_contract() -> Contract {
    contract(
        "1000.00",
        &format!(
            "{BANDS}    - {{ id: r, kind: per_breach, target: respond, credit: 50.00 }}\nexclusions: {{ causes: [customer, force_majeure] }}\n"
        ),
    )
}

const EXCLUSION_ROWS: &str = "\
id,service,severity,opened,acknowledged,resolved,cause,disputed
A,web,P1,2026-09-10T10:00:00Z,2026-09-10T10:05:00Z,2026-09-10T11:00:00Z,vendor,
B,web,P1,2026-09-12T10:00:00Z,2026-09-12T10:05:00Z,2026-09-12T14:00:00Z,Customer,no
C,web,P1,2026-09-15T00:00:00Z,2026-09-15T00:20:00Z,2026-09-15T10:00:00Z,vendor,yes
";

#[test]
fn excluded_causes_and_disputes_are_held_out() {
    let report = evaluate_csv(
        &exclusions_contract(),
        "x.csv",
        EXCLUSION_ROWS.to_owned(),
        "2026-09",
        None,
        &Exceptions::default(),
    );
    // B's cause `Customer` matches `customer` (case ignored): excluded entirely. C is disputed:
    // held out. Only A counts: 3,600 s down → 99.8611 % → 10 % of 1,000.00 = 100.00.
    assert_eq!(web(&report).downtime_seconds, 3_600);
    assert_eq!(report.contracts[0].credit_total.to_string(), "100.00");
    // With C: 3,600 + 36,000 = 39,600 s down → (2,592,000 − 39,600) / 2,592,000 = 98.4722 %
    // → below 99.0 → 25 % = 250.00, plus C's 20-minute response (50.00) = 300.00.
    // C's exposure is 300.00 − 100.00 = 200.00.
    let disputed = &report.contracts[0].disputed;
    assert_eq!(
        (
            disputed.len(),
            disputed[0].incident.as_str(),
            disputed[0].exposure.to_string().as_str()
        ),
        (1, "C", "200.00")
    );
    assert_eq!(web(&report).disputed_exposure.to_string(), "200.00");
    let rows = &report.rows;
    assert_eq!((rows.read, rows.counted, rows.excluded_rows()), (3, 2, 1));
    assert_eq!(
        rows.excluded[0].reason.to_string(),
        "cause listed in the contract's exclusions.causes"
    );
}

fn exceptions_file(name: &str, rows: &str) -> Exceptions {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(
        &path,
        format!("incident,approved_by,approved_on,reason\n{rows}"),
    )
    .expect("write exceptions");
    Exceptions::read(&path).expect("valid exceptions file")
}

#[test]
fn signed_off_exceptions_are_excluded_and_must_exist() {
    let waived = exceptions_file(
        "waive-a.csv",
        "A,J. Doe (Example Corp),2026-10-02,planned network change agreed by email\n",
    );
    let report = evaluate_csv(
        &exclusions_contract(),
        "x.csv",
        EXCLUSION_ROWS.to_owned(),
        "2026-09",
        None,
        &waived,
    );
    // A waived, B an excluded cause, C disputed: nothing is down, nothing is owed.
    assert_eq!(web(&report).downtime_seconds, 0);
    assert!(report.contracts[0].credit_lines.is_empty());
    let reasons: Vec<String> = report
        .rows
        .excluded
        .iter()
        .map(|exclusion| exclusion.reason.to_string())
        .collect();
    assert_eq!(
        reasons,
        [
            "cause listed in the contract's exclusions.causes",
            "signed-off exception (--exceptions)"
        ]
    );

    let typo = exceptions_file(
        "typo.csv",
        "A,J. Doe,2026-10-02,agreed\nZ,J. Doe,2026-10-02,agreed\n",
    );
    let input = Input::stream(
        "x.csv",
        std::io::Cursor::new(EXCLUSION_ROWS.as_bytes().to_vec()),
    );
    let error = slacredit::evaluate(
        &[exclusions_contract()],
        vec![input],
        &Source::generic(),
        "2026-09".parse().expect("period"),
        None,
        &typo,
    )
    .expect_err("an unknown exception id is an error");
    assert!(
        error
            .to_string()
            .contains("typo.csv:3: incident `Z` is in no incident export read"),
        "{error}"
    );
}

fn maintenance_contract(denominator: &str) -> Contract {
    contract(
        "1000.00",
        &format!(
            "{BANDS}maintenance:\n  windows: [{{ weekly: sun, from: \"02:00\", to: \"06:00\" }}]\n  notice: 5d\n  cap: 3h\n  denominator: {denominator}\n"
        ),
    )
}

/// September 2026 Sundays are the 6th, 13th, 20th and 27th; every row is planned maintenance.
const MAINTENANCE_ROWS: &str = "\
id,service,severity,opened,resolved,maintenance,notified
M1,web,P3,2026-09-06T02:00:00Z,2026-09-06T04:00:00Z,yes,2026-08-30T09:00:00Z
M2,web,P3,2026-09-13T02:00:00Z,2026-09-13T03:00:00Z,yes,2026-09-10T09:00:00Z
M3,web,P3,2026-09-20T05:00:00Z,2026-09-20T07:00:00Z,yes,2026-09-01T09:00:00Z
M4,web,P3,2026-09-27T02:00:00Z,2026-09-27T04:00:00Z,yes,2026-09-01T09:00:00Z
";

#[test]
fn maintenance_is_excluded_only_inside_windows_with_notice_and_under_the_cap() {
    let report = evaluate_csv(
        &maintenance_contract("exclude"),
        "m.csv",
        MAINTENANCE_ROWS.to_owned(),
        "2026-09",
        None,
        &Exceptions::default(),
    );
    // M1: inside the window, 7 days' notice → 2 h excluded.
    // M2: inside the window but only 3 days' notice (5 d needed) → 1 h of downtime.
    // M3: 05:00–07:00 is half inside the 02:00–06:00 window → 1 h excluded, 1 h down.
    // M4: inside, with notice, but the 3 h cap is used up by M1 + M3 → 2 h down.
    // Excluded 2 h + 1 h = 10,800 s; maintenance downtime 1 h + 1 h + 2 h = 14,400 s.
    assert_eq!(web(&report).maintenance_excluded_seconds, 10_800);
    assert_eq!(web(&report).maintenance_downtime_seconds, 14_400);
    assert_eq!(web(&report).downtime_seconds, 14_400);
    // Denominator `exclude`: measured 2,592,000 − 10,800 = 2,581,200 s;
    // (2,581,200 − 14,400) / 2,581,200 × 100 = 99.44212 %.
    assert_eq!(web(&report).measured_seconds, 2_581_200);
    assert_eq!(web(&report).availability.to_string(), "99.4421");
    // Maintenance rows have no response or resolution targets.
    assert_eq!(
        web(&report).respond.met + web(&report).respond.breached + web(&report).respond.pending,
        0
    );
}

#[test]
fn a_one_off_maintenance_window_excludes_the_work_inside_it() {
    let contract = contract(
        "1000.00",
        &format!(
            "{BANDS}maintenance:\n  windows: [{{ date: 2026-09-16, from: \"01:00\", to: \"03:00\" }}]\n  notice: 5d\n"
        ),
    );
    let rows = "\
id,service,severity,opened,resolved,maintenance,notified
M5,web,P3,2026-09-16T01:30:00Z,2026-09-16T04:00:00Z,yes,2026-09-01T09:00:00Z
";
    let report = evaluate_csv(
        &contract,
        "m.csv",
        rows.to_owned(),
        "2026-09",
        None,
        &Exceptions::default(),
    );
    // Wednesday 16 September has only the one-off window 01:00-03:00: of M5's 01:30-04:00,
    // 01:30-03:00 = 5,400 s is excluded and 03:00-04:00 = 3,600 s is downtime. Measured
    // 2,592,000 - 5,400 = 2,586,600 s; (2,586,600 - 3,600) / 2,586,600 x 100 = 99.86082 %.
    assert_eq!(web(&report).maintenance_excluded_seconds, 5_400);
    assert_eq!(web(&report).maintenance_downtime_seconds, 3_600);
    assert_eq!(web(&report).measured_seconds, 2_586_600);
    assert_eq!(web(&report).availability.to_string(), "99.8608");
}

#[test]
fn the_denominator_choice_changes_availability() {
    let report = evaluate_csv(
        &maintenance_contract("available"),
        "m.csv",
        MAINTENANCE_ROWS.to_owned(),
        "2026-09",
        None,
        &Exceptions::default(),
    );
    // Denominator `available`: excluded time stays in and counts as up:
    // (2,592,000 − 14,400) / 2,592,000 × 100 = 99.44444 %.
    assert_eq!(web(&report).measured_seconds, 2_592_000);
    assert_eq!(web(&report).availability.to_string(), "99.4444");
    assert_eq!(web(&report).maintenance_excluded_seconds, 10_800);
}

#[test]
fn a_quarterly_contract_measures_the_quarter_on_three_months_of_fees() {
    let text = "id: Q\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: { from: 2026-01-01 }\nperiod: quarter\n\
                services: [{ id: web, match: [web], fee: 3000.00, availability: { target: 99.9 } }]\n\
                severities: [{ id: sev1, match: [P1], downtime: 1 }]\n\
                credits:\n  rules:\n    - { id: a, kind: availability, bands: [{ below: 99.9, credit: 10% }] }\n";
    let quarterly = load_contract_text("q.yaml", text).expect("valid");
    let rows = format!("{HEADER}A,web,P1,2026-02-10T00:00:00Z,,,2026-02-10T06:00:00Z,\n");
    let report = evaluate_csv(
        &quarterly,
        "q.csv",
        rows.clone(),
        "2026-Q1",
        None,
        &Exceptions::default(),
    );
    // Q1 2026: 90 days = 7,776,000 s; 6 h = 21,600 s down → (7,776,000 − 21,600) / 7,776,000
    // = 99.7222 % → 10 % of the quarter's fees, 3 × 3,000.00 = 9,000.00 → 900.00.
    assert_eq!(web(&report).measured_seconds, 7_776_000);
    assert_eq!(web(&report).availability.to_string(), "99.7222");
    assert_eq!(
        (
            web(&report).fee.to_string().as_str(),
            report.contracts[0].credit_total.to_string().as_str()
        ),
        ("9000.00", "900.00")
    );
    // A month is not one of this contract's periods.
    assert!(
        evaluate_csv(
            &quarterly,
            "q.csv",
            rows,
            "2026-02",
            None,
            &Exceptions::default()
        )
        .contracts
        .is_empty()
    );
}

fn version(from_to: &str, fee: &str) -> Contract {
    let text = format!(
        "id: V\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: {from_to}\n\
         services: [{{ id: web, match: [web], fee: {fee}, availability: {{ target: 99.9 }} }}]\n\
         severities: [{{ id: sev1, match: [P1], downtime: 1 }}]\n\
         credits:\n  rules:\n    - {{ id: a, kind: availability, bands: [{{ below: 99.9, credit: 10% }}] }}\n"
    );
    load_contract_text("v.yaml", &text).expect("valid version")
}

#[test]
fn each_period_is_judged_by_the_version_in_force_at_its_start() {
    let versions = [
        version("{ from: 2026-01-01, to: 2026-07-01 }", "1000.00"),
        version("{ from: 2026-07-01 }", "2000.00"),
    ];
    assert!(slacredit::check::check_versions(&versions).is_empty());
    let rows = format!("{HEADER}A,web,P1,2026-06-30T22:00:00Z,,,2026-07-01T02:00:00Z,\n");
    let run_month = |period: &str| {
        let input = Input::stream("v.csv", std::io::Cursor::new(rows.clone().into_bytes()));
        slacredit::evaluate(
            &versions,
            vec![input],
            &Source::generic(),
            period.parse().expect("period"),
            None,
            &Exceptions::default(),
        )
        .expect("evaluates")
    };
    // June (30 days, 2,592,000 s) has 2 h of the outage: 99.7222 % → 10 % of the first
    // version's 1,000.00 = 100.00. July (31 days) has the other 2 h: 10 % of 2,000.00 = 200.00.
    let (june, july) = (run_month("2026-06"), run_month("2026-07"));
    assert_eq!((june.contracts.len(), july.contracts.len()), (1, 1));
    assert_eq!(june.contracts[0].credit_total.to_string(), "100.00");
    assert_eq!(july.contracts[0].credit_total.to_string(), "200.00");
}

#[test]
fn overlapping_versions_are_rejected() {
    let versions = [
        version("{ from: 2026-01-01, to: 2026-07-01 }", "1000.00"),
        version("{ from: 2026-06-01 }", "2000.00"),
    ];
    let problems = slacredit::check::check_versions(&versions);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].check, "unique-ids");
    assert!(
        problems[0].message.contains("overlapping effective range"),
        "{}",
        problems[0].message
    );
}

fn office_with_ics(name: &str, ics: &str) -> Result<Contract, slacredit::Error> {
    let directory = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&directory).expect("temporary directory");
    std::fs::write(directory.join("holidays.ics"), ics).expect("write the .ics file");
    let contract = "id: ICS\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: { from: 2026-01-01 }\n\
                    calendars:\n  office:\n    weekly: { mon-fri: [\"08:00-18:00\"] }\n    holidays: [\"holidays.ics\"]\n\
                    services: [{ id: web, match: [web], fee: 1.00, availability: { target: 99.0, calendar: office } }]\n\
                    severities: [{ id: sev1, match: [P1], downtime: 1 }]\n";
    std::fs::write(directory.join("contract.yaml"), contract).expect("write the contract");
    slacredit::contract::load_contract_file(&directory.join("contract.yaml"))
}

#[test]
fn holidays_can_come_from_an_ics_file() {
    let two_days = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\n\
                    DTSTART;VALUE=DATE:20260624\r\nDTEND;VALUE=DATE:20260626\r\nSUMMARY:Closed\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let terms = office_with_ics("ics-ok", two_days).expect("valid contract");
    // June 2026: 22 weekdays less the 24th and 25th (DTEND is exclusive) = 20 × 10 h = 720,000 s.
    let report = evaluate_csv(
        &terms,
        "i.csv",
        HEADER.to_owned(),
        "2026-06",
        None,
        &Exceptions::default(),
    );
    assert_eq!(web(&report).measured_seconds, 720_000);
    let timed = two_days.replace("DTSTART;VALUE=DATE:20260624", "DTSTART:20260624T090000Z");
    let error = office_with_ics("ics-timed", &timed).expect_err("a timed event is not a holiday");
    let slacredit::Error::Contract(problems) = error else {
        panic!("expected contract diagnostics")
    };
    assert!(
        problems[0].message.contains("not an all-day event"),
        "{}",
        problems[0].message
    );
}

#[test]
fn per_unit_late_counts_started_units_up_to_the_incident_maximum() {
    let terms = contract(
        "1000.00",
        "  rules:\n    - { id: late, kind: per_unit_late, target: resolve, severities: [sev1], unit: 1h, credit: 2%, max_per_incident: 5% }\n",
    );
    // A: resolved after 5 h 01 min against 4 h → 61 min late → 2 started hours × 2 % × 1,000.00
    //    = 40.00. B: 8 h → 4 h late → 4 units = 80.00, held to 5 % × 1,000.00 = 50.00.
    let rows = "A,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:05:00Z,2026-09-10T15:01:00Z,\n\
                B,web,P1,2026-09-11T10:00:00Z,,2026-09-11T10:05:00Z,2026-09-11T18:00:00Z,\n";
    let line = &run(&terms, rows, "2026-09", None).contracts[0].credit_lines[0];
    assert_eq!(
        (line.quantity, line.amount.to_string().as_str()),
        (6, "90.00")
    );
    assert_eq!(line.incidents, ["A", "B"]);
}

#[test]
fn per_unit_down_counts_only_outages_past_the_threshold() {
    let rule = |min: &str| {
        format!(
            "  rules:\n    - {{ id: down, kind: per_unit_down, unit: 1h, credit: 5%, min_outage: {min} }}\n"
        )
    };
    // A is down 2 h 30 min, B 1 h.
    let rows = "A,web,P1,2026-09-10T10:00:00Z,,,2026-09-10T12:30:00Z,\nB,web,P1,2026-09-11T10:00:00Z,,,2026-09-11T11:00:00Z,\n";
    // min_outage 2h: only A counts → 2 h 30 min = 3 started hours × 5 % × 1,000.00 = 150.00.
    let met = run(&contract("1000.00", &rule("2h")), rows, "2026-09", None);
    assert_eq!(
        met.contracts[0].credit_lines[0].amount.to_string(),
        "150.00"
    );
    // min_outage 3h: neither counts → no line.
    assert!(
        run(&contract("1000.00", &rule("3h")), rows, "2026-09", None).contracts[0]
            .credit_lines
            .is_empty()
    );
}

#[test]
fn downtime_multiple_refunds_a_multiple_of_the_fee_for_the_downtime() {
    let text = "id: Q\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: { from: 2026-01-01 }\nperiod: quarter\n\
                services: [{ id: web, match: [web], fee: 3000.00 }]\nseverities: [{ id: sev1, match: [P1], downtime: 1 }]\n\
                credits:\n  rules:\n    - { id: tenfold, kind: downtime_multiple, multiplier: 10 }\n";
    let quarterly = load_contract_text("q.yaml", text).expect("valid");
    let rows = format!("{HEADER}A,web,P1,2026-02-10T00:00:00Z,,,2026-02-10T06:00:00Z,\n");
    // 6 h = 21,600 s of Q1 2026's 7,776,000 s on a quarter's fee of 3 × 3,000.00 = 9,000.00:
    // 9,000.00 × 21,600 / 7,776,000 × 10 = 250.00.
    let report = evaluate_csv(
        &quarterly,
        "q.csv",
        rows,
        "2026-Q1",
        None,
        &Exceptions::default(),
    );
    assert_eq!(
        report.contracts[0].credit_lines[0].amount.to_string(),
        "250.00"
    );
}

#[test]
fn a_line_below_the_minimum_is_listed_but_not_issued_and_carries_its_claim_by_date() {
    let terms = contract(
        "1000.00",
        "  minimum: 1.00\n  claim: { within: 30d }\n  rules:\n    - { id: r, kind: per_breach, target: respond, credit: 0.40 }\n",
    );
    let report = run(
        &terms,
        "L,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:20:00Z,2026-09-10T11:00:00Z,\n",
        "2026-09",
        None,
    );
    let line = &report.contracts[0].credit_lines[0];
    // 0.40 is below the 1.00 minimum: listed at 0.00 with the reason; the total is 0.00.
    assert_eq!(
        (
            line.amount_before_caps.to_string().as_str(),
            line.amount.to_string().as_str()
        ),
        ("0.40", "0.00")
    );
    assert!(
        line.cap_applied
            .as_ref()
            .is_some_and(|note| note.to_string().contains("below the minimum 1.00")),
        "{:?}",
        line.cap_applied
    );
    assert_eq!(report.contracts[0].credit_total.to_string(), "0.00");
    // September ends on 1 October; 30 days later is 31 October.
    assert_eq!(
        line.claim_by.map(|date| date.to_string()).as_deref(),
        Some("2026-10-31")
    );
}

#[test]
fn the_period_cap_is_shared_across_services_in_rule_order() {
    let text = "id: PC\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: { from: 2026-01-01 }\n\
                services: [{ id: web, match: [web], fee: 1000.00 }, { id: api, match: [api], fee: 500.00 }]\n\
                severities: [{ id: sev1, match: [P1], respond: { within: 15m } }]\n\
                credits:\n  cap: { per_period: 20% }\n  rules:\n    - { id: r, kind: per_breach, target: respond, credit: 200.00 }\n";
    let terms = load_contract_text("pc.yaml", text).expect("valid");
    let rows = format!(
        "{HEADER}W,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:20:00Z,,\nA,api,P1,2026-09-11T10:00:00Z,,2026-09-11T10:20:00Z,,\n"
    );
    let report = evaluate_csv(
        &terms,
        "pc.csv",
        rows,
        "2026-09",
        None,
        &Exceptions::default(),
    );
    // Two late responses at 200.00 each = 400.00; the period cap is 20 % of 1,000.00 + 500.00 =
    // 300.00. The rule's lines fill it in service order: web keeps 200.00, api gets 100.00.
    let amounts: Vec<(String, String)> = report.contracts[0]
        .credit_lines
        .iter()
        .map(|line| (line.service.clone(), line.amount.to_string()))
        .collect();
    assert_eq!(
        amounts,
        [
            ("api".to_owned(), "100.00".to_owned()),
            ("web".to_owned(), "200.00".to_owned())
        ]
    );
    assert_eq!(report.contracts[0].credit_total.to_string(), "300.00");
}

#[test]
fn breaches_are_listed_by_service_id_then_incident_then_target() {
    // The contract names `web` before `api`; the report lists by id, so api's breaches come
    // first. Each incident misses both targets of sev1 (respond 15m, resolve 4h): opened at
    // 10:00, acknowledged at 11:00 (1 h > 15 min) and resolved at 16:00 (6 h > 4 h).
    let text = "id: ORDER\ntitle: Order\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
                effective: { from: 2026-01-01 }\n\
                services:\n  - { id: web, match: [web], fee: 100.00 }\n  - { id: api, match: [api], fee: 100.00 }\n\
                severities:\n  - { id: sev1, match: [P1], downtime: 0, respond: { within: 15m }, resolve: { within: 4h } }\n\
                credits:\n  rules: []\n";
    let terms = load_contract_text("order.yaml", text).expect("valid");
    let rows = "W2,web,P1,2026-09-10T10:00:00Z,,2026-09-10T11:00:00Z,2026-09-10T16:00:00Z,\n\
                A9,api,P1,2026-09-10T10:00:00Z,,2026-09-10T11:00:00Z,2026-09-10T16:00:00Z,\n\
                W1,web,P1,2026-09-10T10:00:00Z,,2026-09-10T11:00:00Z,2026-09-10T16:00:00Z,\n";
    let report = run(&terms, rows, "2026-09", None);
    let order: Vec<String> = report.contracts[0]
        .breaches
        .iter()
        .map(|row| format!("{}/{}/{:?}", row.service, row.incident, row.target))
        .collect();
    assert_eq!(
        order,
        [
            "api/A9/Respond",
            "api/A9/Resolve",
            "web/W1/Respond",
            "web/W1/Resolve",
            "web/W2/Respond",
            "web/W2/Resolve",
        ]
    );
}

#[test]
fn a_breach_row_lists_what_the_credit_line_sums_for_it() {
    let terms = contract(
        "1000.00",
        "  rules:\n    - { id: late, kind: per_unit_late, target: resolve, severities: [sev1], unit: 1h, credit: 2%, max_per_incident: 5% }\n\
         \x20   - { id: r, kind: per_breach, target: respond, credit: 150.00 }\n",
    );
    // A: resolved 61 min late → 2 started hours × 2 % × 1,000.00 = 40.00 under `late`; no
    // respond breach (acknowledged after 5 min). B: 4 h late → 80.00, held to 5 % = 50.00 under
    // `late`; acknowledged after 20 min of 15 → 150.00 under `r`.
    let rows = "A,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:05:00Z,2026-09-10T15:01:00Z,\n\
                B,web,P1,2026-09-11T10:00:00Z,,2026-09-11T10:20:00Z,2026-09-11T18:00:00Z,\n";
    let report = run(&terms, rows, "2026-09", None);
    let priced: Vec<String> = report.contracts[0]
        .breaches
        .iter()
        .flat_map(|breach| {
            breach
                .credits
                .iter()
                .map(move |credit| format!("{} {} {}", breach.incident, credit.rule, credit.amount))
        })
        .collect();
    // In the currency's minor units, as every amount is written.
    assert_eq!(priced, ["A late 40.00", "B r 150.00", "B late 50.00"]);
    // The lines sum the same amounts: late 40.00 + 50.00 = 90.00 over 2 + 4 = 6 units; r 150.00.
    let lines: Vec<(u64, String)> = report.contracts[0]
        .credit_lines
        .iter()
        .map(|line| (line.quantity, line.amount_before_caps.to_string()))
        .collect();
    assert_eq!(lines, [(6, "90.00".to_owned()), (1, "150.00".to_owned())]);
}

/// Evaluates `rows` for September 2026, keeping whole the incidents `wanted` picks.
fn evaluate_wanted(
    contract: &Contract,
    rows: &str,
    wanted: &slacredit::Wanted<'_>,
) -> slacredit::Evaluation {
    let input = Input::stream(
        "incidents.csv",
        std::io::Cursor::new(format!("{HEADER}{rows}").into_bytes()),
    );
    slacredit::evaluate_detailed(
        std::slice::from_ref(contract),
        vec![input],
        &Source::generic(),
        ("2026-09".parse().expect("test period"), None),
        &Exceptions::default(),
        &slacredit::Options {
            detail: slacredit::calc::Detail::Full,
            threads: 1,
            wanted,
        },
    )
    .expect("evaluation succeeds")
}

#[test]
fn the_trace_records_the_steps_of_the_wanted_incidents_only() {
    use slacredit::calc::Status;
    let terms = contract("1000.00", "  rules: []\n");
    // A (sev1, weight 1): opened 10:00, acknowledged 10:20, resolved 12:00. B (sev2, weight 0.5):
    // down 1 h on the 11th.
    let rows = "A,web,P1,2026-09-10T10:00:00Z,,2026-09-10T10:20:00Z,2026-09-10T12:00:00Z,\n\
                B,web,P2,2026-09-11T10:00:00Z,,2026-09-11T10:10:00Z,2026-09-11T11:00:00Z,\n";
    let nothing = evaluate_wanted(&terms, rows, &|_, _| false);
    assert!(nothing.steps.is_empty());
    let evaluation = evaluate_wanted(&terms, rows, &|_, incident| &*incident.id == "A");
    let period = &evaluation.report.contracts[0].trace;
    assert_eq!(period.version, 0);
    // Measured: September, 30 × 86,400 = 2,592,000 s. Downtime: A 7,200 s × 1 + B 3,600 s × 0.5
    // = 9,000 s. Availability (2,592,000 − 9,000) / 2,592,000 × 100 = 99.652777…%.
    assert_eq!(period.availability[0].round_dp(6).to_string(), "99.652778");
    let [step] = evaluation.steps.as_slice() else {
        panic!(
            "one step per wanted incident and period: {:?}",
            evaluation.steps
        )
    };
    assert_eq!((step.incident, step.period, step.terms), (0, 0, 0));
    let verdicts: Vec<(String, Status, i64, i64)> = step
        .targets
        .iter()
        .map(|target| {
            (
                format_instant(target.verdict.deadline),
                target.verdict.status,
                target.verdict.actual,
                target.over_by,
            )
        })
        .collect();
    // Respond: due 10:15, took 20 min = 1,200 s, over by 300 s. Resolve: due 14:00, took 2 h.
    assert_eq!(
        verdicts,
        [
            (
                "2026-09-10T10:15:00Z".to_owned(),
                Status::Breached,
                1_200,
                300
            ),
            ("2026-09-10T14:00:00Z".to_owned(), Status::Met, 7_200, 0)
        ]
    );
    let counted = step.counted.expect("web and sev1 exist in the version");
    let outage = counted.outage.expect("sev1 counts as downtime");
    assert_eq!(
        (
            format_instant(outage.start),
            format_instant(outage.end),
            outage.seconds,
            outage.weight.to_string()
        ),
        (
            "2026-09-10T10:00:00Z".to_owned(),
            "2026-09-10T12:00:00Z".to_owned(),
            7_200,
            "1".to_owned()
        )
    );
    assert!(counted.outage_row && !counted.held);
}

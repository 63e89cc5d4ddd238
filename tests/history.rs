//! Terms that look back past one period, and ranges of periods: escalation, the year cap,
//! termination triggers, the rca and notify obligations, and rounding across lines. Every
//! expected figure is worked out by hand in the comment above it.

use slacredit::calc::model::{ContractReport, Report};
use slacredit::contract::{Contract, load_contract_text};
use slacredit::incidents::{Exceptions, Input, Source};

/// A UTC contract (from 2026-01-01) with one service `web` (fee 1,000.00, target 99.9), a sev1
/// tier (15 min respond, 4 h resolve, and `rca` when given), a 72 h data-breach duty, and the
/// given `credits` and top-level `more` text.
fn contract(credits: &str, more: &str) -> Contract {
    contract_with_rca(credits, more, "")
}

fn contract_with_rca(credits: &str, more: &str, rca: &str) -> Contract {
    let text = format!(
        "id: HIST\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
         effective: {{ from: 2026-01-01 }}\n\
         services:\n  - {{ id: web, match: [web], fee: 1000.00, availability: {{ target: 99.9 }} }}\n\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1, respond: {{ within: 15m }}, resolve: {{ within: 4h }}{rca} }}\n\
         notifications:\n  data_breach: {{ within: 72h }}\n\
         {more}credits:\n{credits}"
    );
    load_contract_text("hist.yaml", &text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"))
}

const HEADER: &str = "id,service,severity,opened,acknowledged,resolved,rca_delivered,data_breach,notified_regulator\n";

/// Evaluates `rows` (under `HEADER`) for `range`: `2026-03` or `2026-01..2026-06`.
fn run(contract: &Contract, rows: &str, range: &str) -> Report {
    evaluate(
        std::slice::from_ref(contract),
        &format!("{HEADER}{rows}"),
        range,
    )
}

/// Evaluates the CSV text `csv` (header included) against `contracts` for `range`.
fn evaluate(contracts: &[Contract], csv: &str, range: &str) -> Report {
    let input = Input::stream(
        "incidents.csv",
        std::io::Cursor::new(csv.as_bytes().to_vec()),
    );
    slacredit::evaluate(
        contracts,
        vec![input],
        &Source::generic(),
        range.parse().expect("test range"),
        None,
        &Exceptions::default(),
    )
    .expect("evaluation succeeds")
}

fn period<'a>(report: &'a Report, name: &str) -> &'a ContractReport {
    report
        .contracts
        .iter()
        .find(|contract| contract.period == name)
        .unwrap_or_else(|| panic!("no period {name} in the report"))
}

/// Each reported period's credit total, in order.
fn totals(report: &Report) -> Vec<(String, String)> {
    report
        .contracts
        .iter()
        .map(|contract| (contract.period.clone(), contract.credit_total.to_string()))
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(left, right)| ((*left).to_owned(), (*right).to_owned()))
        .collect()
}

/// A response 20 minutes after opening: 1,200 s > 900 s, so every row is a respond breach whose
/// deadline is `opened` + 15 min.
fn late_response(id: &str, opened: &str) -> String {
    let acknowledged = opened.replace(":00:00Z", ":20:00Z");
    format!("{id},web,P1,{opened},{acknowledged},{acknowledged},,,\n")
}

const ESCALATION: &str = "  rules:\n\
    \x20   - { id: response, kind: per_breach, target: respond, credit: 100.00 }\n\
    \x20   - { id: chronic, kind: escalation, applies_to: [response], breaches: 3, within: 90d, multiplier: 1.5 }\n";

#[test]
fn the_third_breach_within_the_window_is_multiplied_and_a_later_one_starts_over() {
    let terms = contract(ESCALATION, "");
    let rows = [
        late_response("A", "2026-01-05T10:00:00Z"),
        late_response("B", "2026-02-10T10:00:00Z"),
        late_response("C", "2026-03-20T10:00:00Z"),
        late_response("D", "2026-06-19T10:00:00Z"),
    ]
    .concat();
    let report = run(&terms, &rows, "2026-01..2026-06");
    // Deadlines: A 01-05 10:15, B 02-10 10:15, C 03-20 10:15, D 06-19 10:15.
    // A: 1st breach → 100.00. B: 2nd within 90 d of A (36 d) → 100.00, not multiplied.
    // C: 74 d after A, so A, B, C lie within 90 d → the 3rd → 100.00 × 1.5 = 150.00.
    // D: 91 d after C (03-20 → 06-19); the window (03-21 10:15, 06-19 10:15] holds D alone → 100.00.
    assert_eq!(
        totals(&report),
        owned(&[
            ("2026-01", "100.00"),
            ("2026-02", "100.00"),
            ("2026-03", "150.00"),
            ("2026-04", "0.00"),
            ("2026-05", "0.00"),
            ("2026-06", "100.00"),
        ])
    );
    let march = &period(&report, "2026-03").credit_lines[0];
    assert!(
        march
            .description
            .to_string()
            .contains("escalated: C (breach 3 within 90d under `chronic`"),
        "{}",
        march.description
    );
    // March alone looks back on its own: the same 150.00 without asking for January.
    assert_eq!(
        totals(&run(&terms, &rows, "2026-03")),
        owned(&[("2026-03", "150.00")])
    );
}

#[test]
fn the_year_cap_bites_in_the_fourth_month_after_the_service_cap() {
    let terms = contract(
        "  cap: { per_service: 50%, per_year: 1000.00 EUR }\n  rules:\n\
         \x20   - { id: response, kind: per_breach, target: respond, credit: 300.00 }\n",
        "",
    );
    let rows = [
        late_response("J", "2026-01-05T10:00:00Z"),
        late_response("F", "2026-02-05T10:00:00Z"),
        late_response("M", "2026-03-05T10:00:00Z"),
        late_response("A1", "2026-04-05T10:00:00Z"),
        late_response("A2", "2026-04-06T10:00:00Z"),
    ]
    .concat();
    let report = run(&terms, &rows, "2026-01..2026-04");
    // January to March: one breach each, 300.00 (under the 50 % = 500.00 service cap); the year
    // has then credited 900.00. April: two breaches = 600.00 → service cap 500.00 → the year
    // cap leaves 1,000.00 − 900.00 = 100.00.
    assert_eq!(
        totals(&report),
        owned(&[
            ("2026-01", "300.00"),
            ("2026-02", "300.00"),
            ("2026-03", "300.00"),
            ("2026-04", "100.00"),
        ])
    );
    let april = &period(&report, "2026-04").credit_lines[0];
    assert_eq!(april.amount_before_caps.to_string(), "600.00");
    assert_eq!(
        april
            .cap_applied
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(
            "per_service cap 50% = 500.00 EUR: reduced by 100.00; per_year cap 1000.00 = 1000.00 EUR for the contract year from 2026-01-01, 900.00 already credited: reduced by 400.00"
        )
    );
    // April alone computes January to March as history and gives the same 100.00.
    assert_eq!(
        totals(&run(&terms, &rows, "2026-04")),
        owned(&[("2026-04", "100.00")])
    );
    // A new contract year starts on 2027-01-01 with the full cap again.
    let next_year = late_response("N", "2027-01-05T10:00:00Z");
    assert_eq!(
        totals(&run(&terms, &format!("{rows}{next_year}"), "2027-01")),
        owned(&[("2027-01", "300.00")])
    );
}

/// An 8-hour sev1 outage on the 10th of `month`.
fn outage(id: &str, month: &str) -> String {
    format!("{id},web,P1,{month}-10T00:00:00Z,{month}-10T00:05:00Z,{month}-10T08:00:00Z,,,\n")
}

#[test]
fn availability_below_the_threshold_three_months_running_gives_a_termination_right() {
    let terms = contract(
        "  rules: []\n",
        "termination:\n  - { availability_below: 99.0, consecutive_periods: 3 }\n",
    );
    // 8 h down: January 8/744 h → 98.9247 %, February 8/672 h → 98.8095 %, March 8/744 h →
    // 98.9247 %; each is below 99.0.
    let three = [
        outage("J", "2026-01"),
        outage("F", "2026-02"),
        outage("M", "2026-03"),
    ]
    .concat();
    let report = run(&terms, &three, "2026-01..2026-03");
    assert!(period(&report, "2026-01").findings.is_empty());
    assert!(period(&report, "2026-02").findings.is_empty());
    let findings = &period(&report, "2026-03").findings;
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].kind, "termination-right");
    assert_eq!(findings[0].periods, ["2026-01", "2026-02", "2026-03"]);
    assert_eq!(
        findings[0].message,
        "availability below 99.0% in 3 consecutive periods (2026-01 98.9247%, 2026-02 98.8095%, 2026-03 98.9247%): the customer may terminate (contract line 14)"
    );
    // Two months below (February and March) do not.
    let two = [outage("F", "2026-02"), outage("M", "2026-03")].concat();
    let report = run(&terms, &two, "2026-01..2026-03");
    assert!(period(&report, "2026-03").findings.is_empty());
    // March alone looks back at January and February by itself.
    assert_eq!(
        run(&terms, &three, "2026-03").contracts[0].findings.len(),
        1
    );
}

#[test]
fn repeated_breaches_within_a_window_give_a_termination_right() {
    let terms = contract(
        "  rules: []\n",
        "termination:\n  - { breaches: 2, target: resolve, severities: [sev1], within: 30d }\n",
    );
    // Each outage lasts 8 h > 4 h: a resolve breach with its deadline 4 h after opening.
    // January 10 and February 10 are 31 days apart: never two within 30 days → no finding.
    let apart = [outage("J", "2026-01"), outage("F", "2026-02")].concat();
    let report = run(&terms, &apart, "2026-01..2026-02");
    assert!(
        report
            .contracts
            .iter()
            .all(|month| month.findings.is_empty())
    );
    // Add one on 1 February: J (01-10) and X (02-01) are 22 days apart → the right arises in
    // February, where X falls; F (02-10) is 9 days after X, so the last window is X, F.
    let close = format!(
        "{apart}X,web,P1,2026-02-01T00:00:00Z,2026-02-01T00:05:00Z,2026-02-01T08:00:00Z,,,\n"
    );
    let report = run(&terms, &close, "2026-01..2026-02");
    assert!(period(&report, "2026-01").findings.is_empty());
    let findings = &period(&report, "2026-02").findings;
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].incidents.clone(), findings[0].periods.clone()),
        (
            vec!["X".to_owned(), "F".to_owned()],
            vec!["2026-02".to_owned()]
        )
    );
}

#[test]
fn late_root_cause_reports_and_breach_notifications_are_breaches_and_findings() {
    let terms = contract_with_rca(
        "  rules:\n\
         \x20   - { id: late-rca, kind: per_breach, target: rca, credit: 50.00 }\n\
         \x20   - { id: late-notice, kind: per_breach, target: notify, credit: 1000.00 }\n",
        "",
        ", rca: { within: 72h }",
    );
    let rows = concat!(
        // R: resolved 09-01 02:00, RCA delivered 09-04 03:00 = 73 h > 72 h → breached by 1 h.
        "R,web,P1,2026-09-01T00:00:00Z,2026-09-01T00:05:00Z,2026-09-01T02:00:00Z,2026-09-04T03:00:00Z,,\n",
        // S: a data breach detected 09-10 00:00, notified 09-12 23:59:59 = 71:59:59 → met; its RCA
        // came 72 h after resolution exactly → met.
        "S,web,P1,2026-09-10T00:00:00Z,2026-09-10T00:05:00Z,2026-09-10T01:00:00Z,2026-09-13T01:00:00Z,yes,2026-09-12T23:59:59Z\n",
        // T: a data breach detected 09-20 00:00, never notified: due 09-23 00:00; at the period
        // end (10-01 00:00) 11 d = 264 h have passed, 192 h = 8 d over. Its RCA is due 72 h after
        // resolution (09-20 01:00), at 09-23 01:00, also missing: 263 h − 72 h = 7 d 23 h over.
        "T,web,P1,2026-09-20T00:00:00Z,2026-09-20T00:05:00Z,2026-09-20T01:00:00Z,,yes,\n",
    );
    let report = run(&terms, rows, "2026-09");
    let september = &report.contracts[0];
    let breaches: Vec<(&str, &str)> = september
        .breaches
        .iter()
        .map(|row| (row.incident.as_str(), row.target.name()))
        .collect();
    assert_eq!(breaches, [("R", "rca"), ("T", "rca"), ("T", "notify")]);
    // RCA: R and T at 50.00 = 100.00; notification: T at 1,000.00; and 100.00 + 1,000.00.
    let lines: Vec<(&str, String)> = september
        .credit_lines
        .iter()
        .map(|line| (line.rule.as_str(), line.amount.to_string()))
        .collect();
    assert_eq!(
        lines,
        [
            ("late-rca", "100.00".to_owned()),
            ("late-notice", "1000.00".to_owned())
        ]
    );
    let services = &september.services[0];
    assert_eq!((services.rca.met, services.rca.breached), (1, 2));
    assert_eq!((services.notify.met, services.notify.breached), (1, 1));
    let messages: Vec<&str> = september
        .findings
        .iter()
        .map(|finding| finding.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "root-cause report due 2026-09-04T02:00:00Z (3d after resolution): delivered 1h late",
            "root-cause report due 2026-09-23T01:00:00Z (3d after resolution): not delivered; 7d23h overdue at the time judged",
            "data-breach notification due 2026-09-23T00:00:00Z (3d after detection): not delivered; 8d overdue at the time judged",
        ]
    );
}

#[test]
fn lines_are_rounded_before_they_are_summed() {
    let terms = contract(
        "  rounding: { places: 2, mode: half_even }\n  rules:\n\
         \x20   - { id: band, kind: availability, bands: [{ below: 99.9, credit: 2.5025% }] }\n\
         \x20   - { id: response, kind: per_breach, target: respond, credit: 0.2505% }\n",
        "",
    );
    // One 8 h outage answered after 20 min: availability 98.9247 % < 99.9 → 2.5025 % of 1,000.00 =
    // 25.025 → 25.02 (half even); one respond breach → 0.2505 % of 1,000.00 = 2.505 → 2.50.
    // Lines sum to 25.02 + 2.50 = 27.52; rounding the unrounded total 27.53 would differ.
    let late = "O,web,P1,2026-01-10T00:00:00Z,2026-01-10T00:20:00Z,2026-01-10T08:00:00Z,,,\n";
    let report = run(&terms, late, "2026-01");
    let amounts: Vec<String> = report.contracts[0]
        .credit_lines
        .iter()
        .map(|line| line.amount.to_string())
        .collect();
    assert_eq!(amounts, ["25.02", "2.50"]);
    assert_eq!(report.contracts[0].credit_total.to_string(), "27.52");
}

/// Two versions of one contract: respond within `december` minutes in 2026, `january` from 2027.
fn versions(december: u32, january: u32) -> Vec<Contract> {
    let version = |from_to: &str, minutes: u32| {
        let text = format!(
            "id: V\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: {from_to}\n\
             services: [{{ id: web, match: [web], fee: 1000.00 }}]\n\
             severities: [{{ id: sev1, match: [P1], respond: {{ within: {minutes}m }} }}]\n\
             credits:\n  rules:\n    - {{ id: response, kind: per_breach, target: respond, credit: 100.00 }}\n"
        );
        load_contract_text("v.yaml", &text).expect("valid version")
    };
    vec![
        version("{ from: 2026-01-01, to: 2027-01-01 }", december),
        version("{ from: 2027-01-01 }", january),
    ]
}

fn run_versions(contracts: &[Contract], rows: &str, range: &str) -> Report {
    evaluate(
        contracts,
        &format!("id,service,severity,opened,acknowledged\n{rows}"),
        range,
    )
}

#[test]
fn a_breach_across_a_version_boundary_is_judged_once_under_the_terms_it_was_opened_under() {
    // Opened 31 Dec 23:40 under the 2026 version, answered 1 Jan 00:15 = 35 min.
    let row = "X,web,P1,2026-12-31T23:40:00Z,2027-01-01T00:15:00Z\n";
    // 2026 says 5 min: due 23:45 in December → one breach, credited in December only (the 2027
    // version's 30 min would put a second deadline at 00:10 in January).
    let strict_first = run_versions(&versions(5, 30), row, "2026-12..2027-01");
    assert_eq!(
        totals(&strict_first),
        owned(&[("2026-12", "100.00"), ("2027-01", "0.00")])
    );
    // 2026 says 30 min: due 00:10 on 1 January → judged in January, under the 2026 terms it was
    // opened under (35 min > 30 min), and credited once there.
    let lenient_first = run_versions(&versions(30, 5), row, "2026-12..2027-01");
    assert_eq!(
        totals(&lenient_first),
        owned(&[("2026-12", "0.00"), ("2027-01", "100.00")])
    );
}

#[test]
fn history_is_judged_as_it_was_invoiced_whatever_the_as_of() {
    let terms = contract(
        "  cap: { per_year: 300.00 EUR }\n  rules:\n\
         \x20   - { id: late, kind: per_unit_late, target: respond, unit: 1h, credit: 10.00 }\n",
        "",
    );
    // L1 opened 30 Sep 22:00, answered 10 Oct: at September's end it was 2 h open → 2 started
    // hours late (1 h 45 min over 15 min) = 20.00, invoiced in September. L2 in October is 5 h
    // late: 5 started hours (4 h 45 min over) = 50.00. The year cap leaves 300 − 20 = 280.
    let rows = "L1,web,P1,2026-09-30T22:00:00Z,2026-10-10T00:00:00Z,2026-10-10T01:00:00Z,,,\n\
                L2,web,P1,2026-10-05T00:00:00Z,2026-10-05T05:00:00Z,2026-10-05T06:00:00Z,,,\n";
    let input = |rows: &str| {
        Input::stream(
            "incidents.csv",
            std::io::Cursor::new(format!("{HEADER}{rows}").into_bytes()),
        )
    };
    let october = |as_of: Option<&str>| {
        let as_of = as_of.map(|text| {
            slacredit::time::TimestampFormat::Rfc3339
                .parse(text)
                .expect("instant")
        });
        slacredit::evaluate(
            std::slice::from_ref(&terms),
            vec![input(rows)],
            &Source::generic(),
            "2026-10".parse().expect("period"),
            as_of,
            &Exceptions::default(),
        )
        .expect("evaluates")
        .contracts[0]
            .credit_total
            .to_string()
    };
    assert_eq!(october(None), "50.00");
    // Judged on 31 October: September's history is still judged at its own end.
    assert_eq!(october(Some("2026-10-31T00:00:00Z")), "50.00");
}

#[test]
fn a_line_below_the_minimum_takes_no_room_under_the_year_cap() {
    let terms = contract(
        "  minimum: 1.00\n  cap: { per_year: 100.00 EUR }\n  rules:\n\
         \x20   - { id: small, kind: per_breach, target: respond, credit: 0.50 }\n\
         \x20   - { id: big, kind: per_breach, target: respond, credit: 100.00 }\n",
        "",
    );
    // One late response: `small` 0.50 is below the 1.00 minimum (not issued), so `big` keeps the
    // whole 100.00 of the year cap.
    let report = run(
        &terms,
        &late_response("S", "2026-01-05T10:00:00Z"),
        "2026-01",
    );
    let amounts: Vec<String> = report.contracts[0]
        .credit_lines
        .iter()
        .map(|line| line.amount.to_string())
        .collect();
    assert_eq!(amounts, ["0.00", "100.00"]);
}

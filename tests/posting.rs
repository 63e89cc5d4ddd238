//! Credit lines as finance posts them: the contract's `invoice` fields and each line's reference,
//! money in the currency's minor units in every output, the rate split into `rate_percent` and
//! `unit_amount`, the availability behind a band, the `incidents` cell cut to what a spreadsheet
//! cell holds, and durations on office hours written as hours of opening time. Every expected
//! figure is worked out by hand in the comment above it.

use std::fmt::Write as _;

use slacredit::calc::model::Report;
use slacredit::contract::{Contract, load_contract_text};
use slacredit::incidents::{Exceptions, Input, Source};
use slacredit::report::{
    write_breaches_csv, write_credit_lines_csv, write_credits_markdown, write_credits_table,
    write_json, write_report_table,
};

const HEADER: &str = "id,service,severity,opened,started,acknowledged,resolved,title\n";

/// A UTC contract `POST` in `currency` with services `web` and `api` (each target 99.9 %),
/// one severity `sev1` (an outage; respond within 15 minutes) and the `extra` text at its end.
fn two_services(currency: &str, web_fee: &str, api_fee: &str, extra: &str) -> Contract {
    let text = format!(
        "id: POST\ntitle: Posting\nprovider: P\ncustomer: C\ncurrency: {currency}\ntimezone: UTC\n\
         effective: {{ from: 2026-01-01 }}\n\
         services:\n\
         \x20 - {{ id: web, match: [web], fee: {web_fee}, availability: {{ target: 99.9 }} }}\n\
         \x20 - {{ id: api, match: [api], fee: {api_fee}, availability: {{ target: 99.9 }} }}\n\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1, respond: {{ within: 15m }} }}\n\
         {extra}"
    );
    load_contract_text("post.yaml", &text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"))
}

/// Band and breach rules, and `rounding`.
fn credits(rounding: &str) -> String {
    format!(
        "credits:\n  rounding: {rounding}\n  rules:\n\
         \x20   - {{ id: availability, kind: availability, bands: [{{ below: 99.9, credit: 10% }}] }}\n\
         \x20   - {{ id: response, kind: per_breach, target: respond, credit: 50 }}\n"
    )
}

/// July 2026 (31 days, 2,678,400 s): W1 on web is down 4 h (14,400 s) and answered after
/// 20 minutes; A1 on api is down 1 h (3,600 s) and answered after 30 minutes. Both miss the
/// 15-minute response.
const JULY: &str = "W1,web,P1,2026-07-01T10:00:00Z,,2026-07-01T10:20:00Z,2026-07-01T14:00:00Z,web down\n\
                    A1,api,P1,2026-07-02T10:00:00Z,,2026-07-02T10:30:00Z,2026-07-02T11:00:00Z,api down\n";

fn evaluate(contract: &Contract, rows: &str, period: &str) -> Report {
    let input = Input::stream(
        "incidents.csv",
        std::io::Cursor::new(format!("{HEADER}{rows}").into_bytes()),
    );
    slacredit::evaluate(
        std::slice::from_ref(contract),
        vec![input],
        &Source::generic(),
        period.parse().expect("test period"),
        None,
        &Exceptions::default(),
    )
    .expect("evaluation succeeds")
}

fn written(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writes to memory");
    String::from_utf8(out).expect("UTF-8")
}

/// The credits CSV as records of column → value.
fn csv_records(report: &Report) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = written(|out| write_credit_lines_csv(out, report));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a record");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

const INVOICE: &str = "invoice:\n  vendor_id: 0042\n  po_number: 4500012345\n  gl_account: \"6100\"\n  cost_center: IT-SEC-01\n  reference: \"{contract}-{period}-{n}/{service}\"\n";

#[test]
fn every_line_carries_the_invoice_fields_and_its_own_numbered_reference() {
    let contract = two_services(
        "EUR",
        "1000.00",
        "2000.00",
        &format!("{}{INVOICE}", credits("{ places: 2, mode: half_even }")),
    );
    let report = evaluate(&contract, JULY, "2026-07");
    let records = csv_records(&report);
    // Lines are written by service id (api before web), each service's in rule order
    // (availability, then response): api/availability, api/response, web/availability,
    // web/response, numbered 1 to 4 across the two services.
    let references: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|record| {
            (
                record["service"].as_str(),
                record["rule"].as_str(),
                record["reference"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        references,
        [
            ("api", "availability", "POST-2026-07-1/api"),
            ("api", "response", "POST-2026-07-2/api"),
            ("web", "availability", "POST-2026-07-3/web"),
            ("web", "response", "POST-2026-07-4/web"),
        ]
    );
    for record in &records {
        // Copied as written: the unquoted `0042` keeps its leading zeros.
        assert_eq!(record["vendor_id"], "0042");
        assert_eq!(record["po_number"], "4500012345");
        assert_eq!(record["gl_account"], "6100");
        assert_eq!(record["cost_center"], "IT-SEC-01");
    }
    // JSON lines carry the same fields.
    let lines: Vec<_> = report.credit_lines().collect();
    let json: serde_json::Value =
        serde_json::from_str(&written(|out| write_json(out, &lines))).expect("JSON");
    assert_eq!(json[3]["reference"], "POST-2026-07-4/web");
    assert_eq!(json[3]["vendor_id"], "0042");
    assert_eq!(json[3]["cost_center"], "IT-SEC-01");
    // The terminal and Markdown tables show the reference; Markdown the posting fields too.
    let table = written(|out| write_credits_table(out, &report));
    assert!(table.contains("POST-2026-07-3/web"), "{table}");
    let markdown = written(|out| write_credits_markdown(out, &report));
    assert!(
        markdown.contains(
            "Posting: vendor 0042 · PO 4500012345 · GL account 6100 · cost centre IT-SEC-01"
        ),
        "{markdown}"
    );
}

#[test]
fn a_contract_without_invoice_leaves_the_posting_columns_empty() {
    let contract = two_services(
        "EUR",
        "1000.00",
        "2000.00",
        &credits("{ places: 2, mode: half_even }"),
    );
    let report = evaluate(&contract, JULY, "2026-07");
    for record in csv_records(&report) {
        for column in [
            "reference",
            "vendor_id",
            "po_number",
            "gl_account",
            "cost_center",
        ] {
            assert_eq!(record[column], "", "{column}");
        }
    }
    let table = written(|out| write_credits_table(out, &report));
    assert!(!table.contains("reference"), "{table}");
}

#[test]
fn the_rate_is_split_into_a_percentage_and_a_unit_amount_and_bands_carry_availability() {
    let contract = two_services(
        "EUR",
        "1000.00",
        "2000.00",
        &credits("{ places: 2, mode: half_even }"),
    );
    let report = evaluate(&contract, JULY, "2026-07");
    let records = csv_records(&report);
    let column = |index: usize, name: &str| records[index][name].clone();
    // api: (2,678,400 − 3,600) / 2,678,400 × 100 = 99.86559…% → 99.8656, below 99.9: the
    // 10 % band, 10 % of 2,000.00 = 200.00.
    assert_eq!(column(0, "rate"), "10%");
    assert_eq!(column(0, "rate_percent"), "10.00");
    assert_eq!(column(0, "unit_amount"), "");
    assert_eq!(column(0, "availability"), "99.8656");
    assert_eq!(column(0, "amount"), "200.00");
    // api's late response: one breach at the contract's `credit: 50`, written 50.00.
    assert_eq!(column(1, "rate"), "50.00");
    assert_eq!(column(1, "rate_percent"), "");
    assert_eq!(column(1, "unit_amount"), "50.00");
    assert_eq!(column(1, "availability"), "");
    assert_eq!(column(1, "description"), "1 respond breach x 50.00");
    assert_eq!(column(1, "incidents"), "A1");
    assert_eq!(column(1, "incident_count"), "1");
    // web: (2,678,400 − 14,400) / 2,678,400 × 100 = 99.46236…% → 99.4624; 10 % of 1,000.00.
    assert_eq!(column(2, "availability"), "99.4624");
    assert_eq!(column(2, "amount"), "100.00");
    assert_eq!(column(2, "incident_count"), "0");
    // JSON has the same figures.
    let line = &report.contracts[0].credit_lines[2];
    let json = serde_json::to_value(line).expect("serializes");
    assert_eq!(json["availability"], "99.4624");
    assert_eq!(json["rate_percent"], "10.00");
    assert_eq!(json["unit_amount"], serde_json::Value::Null);
}

#[test]
fn money_is_written_in_the_currencys_minor_units_in_every_output() {
    // Yen have no minor unit (`places: 0`): fees written 100000.00 and 200000.00, a breach at
    // 50. api: 10 % of 200,000 = 20,000; its late response 50; web: 10 % of 100,000 = 10,000.
    let yen = two_services(
        "JPY",
        "100000.00",
        "200000.00",
        &credits("{ places: 0, mode: half_even }"),
    );
    let report = evaluate(&yen, JULY, "2026-07");
    let records = csv_records(&report);
    assert_eq!(records[0]["basis"], "200000");
    assert_eq!(records[0]["amount"], "20000");
    assert_eq!(records[1]["unit_amount"], "50");
    assert_eq!(records[1]["amount"], "50");
    assert_eq!(records[2]["basis"], "100000");
    assert_eq!(report.contracts[0].services[0].fee.to_string(), "200000");
    assert_eq!(report.contracts[0].credit_total.to_string(), "30100");
    // Euros have cents: the contract's `50` and a fee written `2000` are 50.00 and 2000.00
    // everywhere: the line's rate, its description, the breach rows' credit before caps, the
    // service's fee and an exposure of nothing.
    let euro = two_services(
        "EUR",
        "1000",
        "2000",
        &credits("{ places: 2, mode: half_even }"),
    );
    let report = evaluate(&euro, JULY, "2026-07");
    let records = csv_records(&report);
    assert_eq!(records[0]["basis"], "2000.00");
    assert_eq!(records[1]["rate"], "50.00");
    assert_eq!(records[1]["description"], "1 respond breach x 50.00");
    let breaches = written(|out| write_breaches_csv(out, &report));
    // A1 (api) and W1 (web) each priced 50.00 by `response`.
    assert!(breaches.contains(",response,50.00,"), "{breaches}");
    assert!(!breaches.contains(",response,50,"), "{breaches}");
    let json = serde_json::to_value(&report).expect("serializes");
    let api = &json["contracts"][0]["services"][0];
    assert_eq!(api["fee"], "2000.00");
    assert_eq!(api["disputed_exposure"], "0.00");
    assert_eq!(
        json["contracts"][0]["breaches"][0]["credits"][0]["amount"],
        "50.00"
    );
}

#[test]
fn five_thousand_incident_ids_are_cut_to_fit_a_spreadsheet_cell() {
    // One service, no outages; every one of 5,000 tickets misses its 15-minute response and
    // the rule pays 1.00 per breach: 5,000 × 1.00 = 5,000.00 on one line.
    let text = "id: MANY\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
                effective: { from: 2026-01-01 }\n\
                services:\n  - { id: web, match: [web], fee: 100000.00 }\n\
                severities:\n  - { id: sev1, match: [P1], respond: { within: 15m } }\n\
                credits:\n  rules:\n    - { id: response, kind: per_breach, target: respond, credit: 1.00 }\n";
    let contract = load_contract_text("many.yaml", text).expect("valid contract");
    let mut rows = String::new();
    for n in 1..=5_000 {
        let _ = writeln!(
            rows,
            "INC-{n:05},web,P1,2026-07-01T10:00:00Z,,2026-07-01T10:30:00Z,2026-07-01T11:00:00Z,"
        );
    }
    let report = evaluate(&contract, &rows, "2026-07");
    let records = csv_records(&report);
    let line = &records[0];
    assert_eq!(line["amount"], "5000.00");
    assert_eq!(line["incident_count"], "5000");
    // Each id is 9 characters, 10 with its `;`: all of them would take 5,000 × 10 − 1 = 49,999
    // characters. Kept whole: k ids take 10k − 1, and the note `;…+N more` for the 5,000 − k
    // left (N of four digits) takes 1 + 1 + 1 + 4 + 5 = 12. 10k − 1 + 12 ≤ 32,767 gives
    // k ≤ 3,275.6: 3,275 ids (32,749 characters) and `;…+1725 more`, 32,761 in all.
    let cell = &line["incidents"];
    assert_eq!(cell.chars().count(), 32_761);
    assert!(cell.starts_with("INC-00001;INC-00002;"));
    assert!(
        cell.ends_with(";INC-03275;…+1725 more"),
        "{}",
        &cell[cell.len() - 40..]
    );
    // JSON keeps every id.
    assert_eq!(report.contracts[0].credit_lines[0].incidents.len(), 5_000);
}

/// A UTC contract whose `sev3` resolution runs 50 hours on the `business` calendar (Monday to
/// Friday, 08:00-18:00: ten hours a day), priced at 10.00 per started hour late.
fn office_hours_contract() -> Contract {
    let text = "id: OFFICE\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
                effective: { from: 2026-01-01 }\n\
                calendars:\n  business:\n    weekly:\n      mon-fri: [\"08:00-18:00\"]\n\
                services:\n  - { id: web, match: [web], fee: 1000.00 }\n\
                severities:\n  - { id: sev3, match: [P3], resolve: { within: 50h, calendar: business } }\n\
                credits:\n  rules:\n    - { id: overrun, kind: per_unit_late, target: resolve, unit: 1h, credit: 10.00 }\n";
    load_contract_text("office.yaml", text).expect("valid contract")
}

#[test]
fn durations_on_office_hours_are_hours_of_opening_time_with_the_calendars_name() {
    // Opened Monday 6 July 08:00, resolved Monday 13 July 12:00. Office time: Monday to Friday
    // 5 × 10 h = 50 h, then Monday 08:00-12:00 = 4 h: 54 h against 50 h allowed, 4 h late.
    // Around the clock 50 h would be written `2d2h` and 54 h `2d6h`.
    let report = evaluate(
        &office_hours_contract(),
        "B1,web,P3,2026-07-06T08:00:00Z,,,2026-07-13T12:00:00Z,slow fix\n",
        "2026-07",
    );
    let breach = &report.contracts[0].breaches[0];
    assert_eq!(breach.allowed_seconds, 180_000);
    assert_eq!(breach.actual_seconds, 194_400);
    let table = written(|out| write_report_table(out, &report));
    for words in [
        "50h of office hours (business)",
        "54h of office hours (business)",
        "4h of office hours (business)",
    ] {
        assert!(table.contains(words), "{words} in\n{table}");
    }
    assert!(
        !table.contains("2d2h") && !table.contains("2d6h"),
        "{table}"
    );
    // 4 started hours × 10.00 = 40.00, the unit counted in office hours.
    let line = &report.contracts[0].credit_lines[0];
    assert_eq!(
        line.description.to_string(),
        "4 started 1h of office hours (business) of lateness on 1 resolve breach x 10.00"
    );
    assert_eq!(line.amount.to_string(), "40.00");
    // The breach CSV and JSON name the calendar the seconds are on.
    let csv = written(|out| write_breaches_csv(out, &report));
    assert!(
        csv.contains(
            ",4h of office hours (business),overrun,40.00,incidents.csv:2,slow fix,business\n"
        ),
        "{csv}"
    );
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(
        json["contracts"][0]["breaches"][0]["office_hours"],
        "business"
    );
    assert_eq!(
        json["contracts"][0]["services"][0]["office_hours"],
        serde_json::Value::Null
    );
}

#[test]
fn a_posting_key_at_the_top_level_points_to_the_invoice_block() {
    let text = "id: X\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
                effective: { from: 2026-01-01 }\npo_number: 4500012345\n";
    let problems =
        load_contract_text("x.yaml", text).expect_err("po_number is not a top-level key");
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].message,
        "unknown field `po_number`; did you mean `invoice.po_number`?"
    );
    assert_eq!(problems[0].location.line, 7);
    assert_eq!(
        problems[0].hint.as_deref(),
        Some("posting fields go inside the `invoice` block: `invoice: { po_number: … }`")
    );
}

#[test]
fn a_mistaken_reference_placeholder_is_placed_with_the_one_meant() {
    let text = "id: X\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
                effective: { from: 2026-01-01 }\n\
                invoice:\n  reference: \"{contract}-{perod}-{n}\"\n";
    let problems = load_contract_text("x.yaml", text).expect_err("`{perod}` is no placeholder");
    let problem = problems
        .iter()
        .find(|problem| problem.path == "invoice.reference")
        .expect("a reference problem");
    assert_eq!(problem.message, "unknown placeholder `{perod}`");
    // Line 8, `  reference: "` is 14 characters: `{contract}-` starts at column 15 and
    // `{perod}` 11 characters later, at column 26.
    assert_eq!((problem.location.line, problem.location.column), (8, 26));
    assert_eq!(
        problem.hint.as_deref(),
        Some("did you mean `period`? Known placeholders: contract, period, service, rule, n")
    );
    let empty = "id: X\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
                 effective: { from: 2026-01-01 }\ninvoice: { po_number: \"\" }\n";
    let problems = load_contract_text("x.yaml", empty).expect_err("an empty PO number");
    assert!(
        problems
            .iter()
            .any(|problem| problem.message == "`invoice.po_number` is empty"),
        "{problems:#?}"
    );
}

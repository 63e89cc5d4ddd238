//! Range totals: what each contract owes per currency over the reported periods of a range,
//! never the look-back periods its terms read. Every expected figure is worked out by hand in
//! the comment above it.

use slacredit::calc::model::{RangeTotal, Report};
use slacredit::contract::{Contract, load_contract_text};
use slacredit::incidents::{Exceptions, Input, Source};

/// A UTC contract `id` in `currency` (from 2026-01-01) with one service `service`, a sev1 tier
/// (15 min respond) and the given credit `rules`.
fn contract(id: &str, currency: &str, service: &str, rules: &str) -> Contract {
    let text = format!(
        "id: {id}\nprovider: P\ncustomer: C\ncurrency: {currency}\ntimezone: UTC\n\
         effective: {{ from: 2026-01-01 }}\n\
         services:\n  - {{ id: {service}, match: [{service}], fee: 1000.00 }}\n\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1, respond: {{ within: 15m }} }}\n\
         credits:\n  rules:\n{rules}"
    );
    load_contract_text(&format!("{id}.yaml"), &text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"))
}

/// Euro terms: 100.00 per late response, the third within 90 days multiplied by 1.5 (a term that
/// looks back at earlier periods).
fn euro() -> Contract {
    contract(
        "EU",
        "EUR",
        "web",
        "    - { id: response, kind: per_breach, target: respond, credit: 100.00 }\n\
         \x20   - { id: chronic, kind: escalation, applies_to: [response], breaches: 3, within: 90d, multiplier: 1.5 }\n",
    )
}

/// Dollar terms: 75.50 per late response, nothing that looks back.
fn dollar() -> Contract {
    contract(
        "US",
        "USD",
        "api",
        "    - { id: response, kind: per_breach, target: respond, credit: 75.50 }\n",
    )
}

/// A sev1 incident of `service` answered 20 minutes after `opened`: 1,200 s > 900 s, a respond
/// breach due in the month it was opened.
fn late_response(id: &str, service: &str, opened: &str) -> String {
    let acknowledged = opened.replace(":00:00Z", ":20:00Z");
    format!("{id},{service},P1,{opened},{acknowledged},{acknowledged}\n")
}

fn evaluate(rows: &str, range: &str) -> Report {
    let csv = format!("id,service,severity,opened,acknowledged,resolved\n{rows}");
    slacredit::evaluate(
        &[euro(), dollar()],
        vec![Input::stream(
            "incidents.csv",
            std::io::Cursor::new(csv.into_bytes()),
        )],
        &Source::generic(),
        range.parse().expect("test range"),
        None,
        &Exceptions::default(),
    )
    .expect("evaluation succeeds")
}

fn total(
    contract: &str,
    currency: &str,
    (first, last, periods): (&str, &str, u64),
    credit_lines: u64,
    credit_total: &str,
) -> RangeTotal {
    RangeTotal {
        contract: contract.to_owned(),
        currency: currency.to_owned(),
        first_period: first.to_owned(),
        last_period: last.to_owned(),
        periods,
        credit_lines,
        credit_total: credit_total.parse().expect("test amount"),
    }
}

fn rows() -> String {
    [
        late_response("EU-JAN", "web", "2026-01-10T10:00:00Z"),
        late_response("EU-FEB", "web", "2026-02-10T10:00:00Z"),
        late_response("EU-MAR", "web", "2026-03-10T10:00:00Z"),
        late_response("US-FEB1", "api", "2026-02-03T10:00:00Z"),
        late_response("US-FEB2", "api", "2026-02-17T10:00:00Z"),
        late_response("US-MAR", "api", "2026-03-24T10:00:00Z"),
    ]
    .concat()
}

#[test]
fn a_two_month_range_totals_each_contract_in_its_currency_without_the_look_back() {
    let report = evaluate(&rows(), "2026-02..2026-03");
    // EU: January is read only as history for the escalation (EU-JAN, 100.00, not reported).
    //   February: EU-FEB, the 2nd breach within 90 d → 100.00 (one line).
    //   March: EU-MAR, the 3rd within 90 d of EU-JAN (59 d) → 100.00 × 1.5 = 150.00 (one line).
    //   Total 100.00 + 150.00 = 250.00 EUR over 2 lines; with January it would be 350.00.
    // US: February: US-FEB1 and US-FEB2 on one line, 2 × 75.50 = 151.00.
    //   March: US-MAR, 1 × 75.50 = 75.50.
    //   Total 151.00 + 75.50 = 226.50 USD over 2 lines.
    let per_period: Vec<(&str, &str, String)> = report
        .contracts
        .iter()
        .map(|contract| {
            (
                contract.contract.as_str(),
                contract.period.as_str(),
                contract.credit_total.to_string(),
            )
        })
        .collect();
    assert_eq!(
        per_period,
        [
            ("EU", "2026-02", "100.00".to_owned()),
            ("EU", "2026-03", "150.00".to_owned()),
            ("US", "2026-02", "151.00".to_owned()),
            ("US", "2026-03", "75.50".to_owned()),
        ]
    );
    assert_eq!(
        report.totals,
        Some(vec![
            total("EU", "EUR", ("2026-02", "2026-03", 2), 2, "250.00"),
            total("US", "USD", ("2026-02", "2026-03", 2), 2, "226.50"),
        ])
    );
    let json = serde_json::to_value(&report).expect("the report serializes");
    assert_eq!(json["totals"][0]["credit_total"], "250.00");
    assert_eq!(json["totals"][1]["currency"], "USD");
}

#[test]
fn a_contract_that_owes_nothing_over_the_range_totals_zero_in_its_currency() {
    // No incident in April or May: each contract has two periods, no line, a total of 0.
    let totals = evaluate(&rows(), "2026-04..2026-05").totals;
    assert_eq!(
        totals,
        Some(vec![
            total("EU", "EUR", ("2026-04", "2026-05", 2), 0, "0"),
            total("US", "USD", ("2026-04", "2026-05", 2), 0, "0"),
        ])
    );
}

#[test]
fn one_period_has_no_totals_and_its_json_no_totals_key() {
    // However it is asked for, one period keeps the output it always had.
    for range in ["2026-03", "2026-03..2026-03"] {
        let report = evaluate(&rows(), range);
        assert_eq!(report.totals, None, "{range}");
        let json = serde_json::to_value(&report).expect("the report serializes");
        assert!(json.get("totals").is_none(), "{range}");
    }
}

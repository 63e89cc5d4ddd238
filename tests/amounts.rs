//! Amounts say what they are: a cap or band credit is a percentage (`20%`) or an amount with its
//! currency code (`20.00 EUR`), never a bare number; an amount names the contract's currency and
//! no other; and a stricter band that pays less than a more lenient one is warned about.

use slacredit::Diagnostic;
use slacredit::calc::model::ContractReport;
use slacredit::contract::load_contract_text;
use slacredit::incidents::{Exceptions, Input, Source};

/// A contract with one service `web` (fee 1,000.00 EUR, target 99.9) and one sev1 tier
/// (15 min respond); `CAP`, `BAND` and `RESPONSE` are replaced by each test.
const CONTRACT: &str = "id: AMT
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: web, match: [web], fee: 1000.00, availability: { target: 99.9 } }
severities:
  - { id: sev1, match: [P1], downtime: 1, respond: { within: 15m } }
credits:
  cap: { per_service: CAP }
  rules:
    - id: availability
      kind: availability
      bands:
        - { below: 99.9, credit: BAND }
    - { id: response, kind: per_breach, target: respond, credit: RESPONSE }
";

fn contract_text(cap: &str, band: &str, response: &str) -> String {
    CONTRACT
        .replace("CAP", cap)
        .replace("BAND", band)
        .replace("RESPONSE", response)
}

/// Every diagnostic of `text`, errors or warnings, as the validator prints them.
fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match load_contract_text("amounts.yaml", text) {
        Ok(contract) => contract.warnings,
        Err(problems) => problems,
    }
}

fn printed(text: &str) -> Vec<String> {
    diagnostics(text).iter().map(ToString::to_string).collect()
}

#[test]
fn a_bare_cap_is_ambiguous_at_its_line_and_column() {
    // Meant as 20 %, this used to validate and cap at 20.00 EUR.
    let found = diagnostics(&contract_text("20", "10%", "100.00"));
    assert_eq!(found.len(), 1, "{found:#?}");
    let error = &found[0];
    assert_eq!(error.check, "invalid-value");
    assert_eq!(error.path, "credits.cap.per_service");
    // Line 12 is `  cap: { per_service: 20 }`; the value starts at column 23.
    assert_eq!((error.location.line, error.location.column), (12, 23));
    assert_eq!(
        error.to_string(),
        "error[invalid-value]: amounts.yaml:12:23: `20` is ambiguous: write `20%` for a share of the fee or `20.00 EUR` for an amount (at credits.cap.per_service)\n  \
         hint: a bare number here used to be read as an amount: `20.00 EUR` keeps what the contract paid until now"
    );
}

#[test]
fn a_bare_band_credit_is_ambiguous() {
    // `credit: 10` used to pay 10.00 EUR.
    assert_eq!(
        printed(&contract_text("20%", "10", "100.00")),
        [
            "error[invalid-value]: amounts.yaml:17:34: `10` is ambiguous: write `10%` for a share of the fee or `10.00 EUR` for an amount (at credits.rules[0].bands[0].credit)\n  \
          hint: a bare number here used to be read as an amount: `10.00 EUR` keeps what the contract paid until now"
        ]
    );
}

#[test]
fn every_cap_and_a_quoted_number_are_ambiguous_too() {
    let text = contract_text("20%", "10%", "100.00").replace(
        "cap: { per_service: 20% }",
        "cap: { per_service: \"15\", per_period: 30.5, per_year: 1000 }",
    );
    let messages: Vec<String> = diagnostics(&text)
        .into_iter()
        .map(|diagnostic| format!("{}: {}", diagnostic.path, diagnostic.message))
        .collect();
    assert_eq!(
        messages,
        [
            "credits.cap.per_service: `15` is ambiguous: write `15%` for a share of the fee or `15.00 EUR` for an amount",
            "credits.cap.per_period: `30.5` is ambiguous: write `30.5%` for a share of the fee or `30.50 EUR` for an amount",
            "credits.cap.per_year: `1000` is ambiguous: write `1000%` for a share of the fee or `1000.00 EUR` for an amount",
        ]
    );
}

#[test]
fn the_hint_writes_the_amount_in_the_contracts_currency_and_places() {
    let yen = contract_text("20", "10%", "100")
        .replace("currency: EUR", "currency: JPY")
        .replace(
            "credits:\n",
            "credits:\n  rounding: { places: 0, mode: half_even }\n",
        );
    let found = diagnostics(&yen);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "`20` is ambiguous: write `20%` for a share of the fee or `20 JPY` for an amount"
    );
}

#[test]
fn a_stricter_band_paying_less_than_a_more_lenient_one_is_warned_about() {
    // Each band is compared with the most generous more lenient band of its own kind, not only
    // with the band just before it: 20 % below 99.0 pays less than 30 % below 99.9 although it
    // pays more than the 10 % just before it.
    let text = contract_text("100%", "30%", "100.00").replace(
        "        - { below: 99.9, credit: 30% }\n",
        "        - { below: 99.9, credit: 30% }\n        - { below: 99.5, credit: 10% }\n        - { below: 99.0, credit: 20% }\n",
    );
    let hint = "\n  hint: credits usually grow as availability falls: [{ below: 99.9, credit: 10% }, { below: 99.0, credit: 25% }]";
    assert_eq!(
        printed(&text),
        [
            format!(
                "warning[bands-overlap-or-gap]: amounts.yaml:18:34: this stricter band credits 10%, less than the more lenient band `below: 99.9` (30%) (at credits.rules[0].bands[1].credit){hint}"
            ),
            format!(
                "warning[bands-overlap-or-gap]: amounts.yaml:19:34: this stricter band credits 20%, less than the more lenient band `below: 99.9` (30%) (at credits.rules[0].bands[2].credit){hint}"
            ),
        ]
    );
}

#[test]
fn bands_compare_amounts_with_amounts_and_percentages_with_percentages() {
    // 500.00 EUR and 10 % are not compared (which is more depends on the fee); 5 % pays less
    // than 10 %, and 400.00 EUR less than 500.00 EUR; 600.00 EUR pays more than both amounts.
    let text = contract_text("100%", "10%", "100.00").replace(
        "        - { below: 99.9, credit: 10% }\n",
        "        - { below: 99.9, credit: 10% }\n        - { below: 99.5, credit: 500.00 EUR }\n        - { below: 99.0, credit: 5% }\n        - { at_or_below: 98.0, credit: 400.00 EUR }\n        - { below: 95.0, credit: 600.00 EUR }\n",
    );
    let messages: Vec<String> = diagnostics(&text)
        .into_iter()
        .map(|diagnostic| format!("{}: {}", diagnostic.path, diagnostic.message))
        .collect();
    assert_eq!(
        messages,
        [
            "credits.rules[0].bands[2].credit: this stricter band credits 5%, less than the more lenient band `below: 99.9` (10%)",
            "credits.rules[0].bands[3].credit: this stricter band credits 400.00 EUR, less than the more lenient band `below: 99.5` (500.00 EUR)",
        ]
    );
}

#[test]
fn a_band_crediting_the_same_as_a_more_lenient_one_is_said_so() {
    let text = contract_text("100%", "10%", "100.00").replace(
        "        - { below: 99.9, credit: 10% }\n",
        "        - { below: 99.9, credit: 10% }\n        - { below: 99.0, credit: 10.0% }\n",
    );
    let messages: Vec<String> = diagnostics(&text)
        .into_iter()
        .map(|diagnostic| diagnostic.message)
        .collect();
    assert_eq!(
        messages,
        ["this stricter band credits 10.0%, the same as the more lenient band `below: 99.9` (10%)"]
    );
}

#[test]
fn an_amount_in_another_currency_is_rejected_naming_both() {
    for (cap, band, response, path, column) in [
        ("20.00 USD", "10%", "100.00", "credits.cap.per_service", 23),
        (
            "20%",
            "20.00 USD",
            "100.00",
            "credits.rules[0].bands[0].credit",
            34,
        ),
        ("20%", "10%", "20.00 USD", "credits.rules[1].credit", 66),
    ] {
        let found = diagnostics(&contract_text(cap, band, response));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].path, path);
        assert_eq!(found[0].location.column, column, "{path}");
        assert_eq!(
            found[0].to_string(),
            format!(
                "error[invalid-value]: amounts.yaml:{}:{column}: `20.00 USD` is in USD, but the contract's currency is EUR (at {path})\n  \
                 hint: every amount of a contract is in its `currency`: write the amount in EUR",
                found[0].location.line
            )
        );
    }
}

#[test]
fn an_amount_written_any_other_way_is_not_an_amount() {
    for written in ["20.00EUR", "EUR 20.00", "€20", "20.00 eur"] {
        let found = diagnostics(&contract_text(written, "10%", "100.00"));
        assert_eq!(
            found
                .iter()
                .map(|diagnostic| diagnostic.message.as_str())
                .collect::<Vec<_>>(),
            [format!(
                "`{written}` is not an amount: write a percentage of the fee (`20%`) or the number, one space and the currency code (`20.00 EUR`)"
            )],
            "{written}"
        );
    }
}

/// The one period of `text` evaluated on one late, four-hour P1 outage in September 2026.
fn september(text: &str) -> ContractReport {
    let contract = load_contract_text("amounts.yaml", text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"));
    assert_eq!(contract.warnings, Vec::new());
    let csv = "id,service,severity,opened,acknowledged,resolved\n\
               INC-1,web,P1,2026-09-10T10:00:00Z,2026-09-10T10:20:00Z,2026-09-10T14:00:00Z\n";
    let input = Input::stream(
        "incidents.csv",
        std::io::Cursor::new(csv.as_bytes().to_vec()),
    );
    let mut report = slacredit::evaluate(
        &[contract],
        vec![input],
        &Source::generic(),
        "2026-09".parse().expect("period"),
        None,
        &Exceptions::default(),
    )
    .expect("evaluates");
    assert_eq!(report.contracts.len(), 1);
    report.contracts.remove(0)
}

/// (rule, amount before caps, amount) of each credit line, and the period's total.
fn lines(report: &ContractReport) -> (Vec<(String, String, String)>, String) {
    let lines = report
        .credit_lines
        .iter()
        .map(|line| {
            (
                line.rule.clone(),
                line.amount_before_caps.to_string(),
                line.amount.to_string(),
            )
        })
        .collect();
    (lines, report.credit_total.to_string())
}

#[test]
fn amounts_with_their_currency_credit_what_the_bare_amounts_did() {
    // September has 30 days = 2,592,000 s. INC-1 is down 10:00-14:00 = 14,400 s, so
    // availability is 1 − 14,400 / 2,592,000 = 99.4444 %, below 99.9: the band pays 500.00.
    // It was answered after 20 min, over the 15 min target: one respond breach × 100.00.
    // Before caps 500.00 + 100.00 = 600.00; the cap of 550.00 is filled in rule order, so the
    // band keeps 500.00 and the response line 550.00 − 500.00 = 50.00.
    let stated = september(&contract_text("550.00 EUR", "500.00 EUR", "100.00 EUR"));
    let expected = (
        vec![
            (
                "availability".to_owned(),
                "500.00".to_owned(),
                "500.00".to_owned(),
            ),
            (
                "response".to_owned(),
                "100.00".to_owned(),
                "50.00".to_owned(),
            ),
        ],
        "550.00".to_owned(),
    );
    assert_eq!(lines(&stated), expected);
    // A per-breach credit may stay bare, and 55 % of the 1,000.00 fee is the same 550.00 cap:
    // the same lines, figure for figure, and the same words on them.
    let bare = september(&contract_text("55%", "500.00 EUR", "100.00"));
    assert_eq!(lines(&bare), expected);
    let descriptions = |report: &ContractReport| {
        report
            .credit_lines
            .iter()
            .map(|line| line.description.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(descriptions(&stated), descriptions(&bare));
}

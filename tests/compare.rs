//! `compare`: one export judged under the terms as they are (A) and as proposed (B), which share
//! the contract id and a service id. Every expected figure is worked out by hand in the comment
//! above it.

use slacredit::calc::compare::{CompareNote, CompareTotal, Side, compare};
use slacredit::calc::model::Report;
use slacredit::contract::{Contract, load_contract_text};
use slacredit::incidents::{Exceptions, Input, Source};
use slacredit::money::Decimal;

/// A UTC contract `ACME` (the same id on both sides) with a sev1 tier (15 min respond, full
/// downtime weight), the given services and credit rules.
fn contract(file: &str, services: &str, rules: &str) -> Contract {
    let text = format!(
        "id: ACME\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
         effective: {{ from: 2026-01-01 }}\n\
         services:\n{services}\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1, respond: {{ within: 15m }} }}\n\
         credits:\n  rules:\n{rules}"
    );
    load_contract_text(file, &text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"))
}

/// As they are: `web` only (fee 1,000.00, 99.9 %), 10 % below 99.9, 100.00 per late response.
fn terms_a() -> Contract {
    contract(
        "a.yaml",
        "  - { id: web, match: [web], fee: 1000.00, availability: { target: 99.9 } }\n",
        "    - { id: availability, kind: availability, bands: [{ below: 99.9, credit: 10% }] }\n\
         \x20   - { id: response, kind: per_breach, target: respond, credit: 100.00 }\n",
    )
}

/// As proposed: `web` at 99.95 % with a second band (25 % below 99.9), 150.00 per late
/// response, and a new service `api` (fee 500.00, 99.95 %).
fn terms_b() -> Contract {
    contract(
        "b.yaml",
        "  - { id: web, match: [web], fee: 1000.00, availability: { target: 99.95 } }\n\
         \x20 - { id: api, match: [api], fee: 500.00, availability: { target: 99.95 } }\n",
        "    - { id: availability, kind: availability, bands: [{ below: 99.95, credit: 10% }, { below: 99.9, credit: 25% }] }\n\
         \x20   - { id: response, kind: per_breach, target: respond, credit: 150.00 }\n",
    )
}

/// W1: web, answered after 20 min (1,200 s > 900 s: a respond breach), down 1 h.
/// A1: api, answered after 10 min (met), down 30 min; A has no `api`, so only B counts it.
const EXPORT: &str = "id,service,severity,opened,acknowledged,resolved\n\
W1,web,P1,2026-06-10T10:00:00Z,2026-06-10T10:20:00Z,2026-06-10T11:00:00Z\n\
A1,api,P1,2026-06-12T08:00:00Z,2026-06-12T08:10:00Z,2026-06-12T08:30:00Z\n";

fn reports() -> [Report; 2] {
    let (a, b) = (vec![terms_a()], vec![terms_b()]);
    slacredit::evaluate_pair(
        [&a, &b],
        vec![Input::stream(
            "incidents.csv",
            std::io::Cursor::new(EXPORT.as_bytes().to_vec()),
        )],
        &Source::generic(),
        ("2026-06".parse().expect("test range"), None),
        &Exceptions::default(),
        slacredit::calc::Detail::Credits,
        2,
    )
    .expect("evaluation succeeds")
}

fn money(text: &str) -> Decimal {
    text.parse().expect("test amount")
}

#[test]
fn both_sides_of_one_reading_side_by_side() {
    let [a, b] = reports();
    // One reading: both rows read; W1 counts on both sides, A1 on B only, so both count.
    assert_eq!(
        (a.rows.read, a.rows.counted, a.rows.rejected_rows()),
        (2, 2, 0)
    );
    let comparison = compare(&a, &b).expect("comparable");
    let rows: Vec<[String; 7]> = comparison
        .rows
        .iter()
        .map(|row| {
            let side = |figures: &Option<slacredit::calc::compare::SideFigures>| {
                figures.as_ref().map_or_else(
                    || "-".to_owned(),
                    |figures| format!("{}/{}", figures.availability, figures.breaches),
                )
            };
            [
                row.period.clone(),
                row.service.clone(),
                row.credits(Side::A).to_string(),
                row.credits(Side::B).to_string(),
                row.difference.to_string(),
                side(&row.a),
                side(&row.b),
            ]
        })
        .collect();
    // api: only B has it. June is 2,592,000 s; down 1,800 s → (2,592,000 − 1,800) / 2,592,000
    // = 99.93056 % < 99.95 → 10 % of 500.00 = 50.00; its response (600 s ≤ 900 s) met.
    // web: down 3,600 s → 99.86111 % (99.8611). A: below 99.9 → 10 % of 1,000.00 = 100.00, plus
    // one late response 100.00 = 200.00. B: below 99.95 and below 99.9, the strictest band that
    // holds is 25 % = 250.00, plus 150.00 = 400.00. Difference 400.00 − 200.00 = 200.00.
    assert_eq!(
        rows,
        [
            ["2026-06", "api", "0.00", "50.00", "50.00", "-", "99.9306/0"],
            [
                "2026-06",
                "web",
                "200.00",
                "400.00",
                "200.00",
                "99.8611/1",
                "99.8611/1"
            ],
        ]
        .map(|row| row.map(str::to_owned))
    );
    assert_eq!(
        comparison.notes,
        [CompareNote::OnlyOneSide {
            period: "2026-06".into(),
            service: "api".into(),
            side: Side::B,
        }]
    );
    let total = |service: Option<&str>, a: &str, b: &str, difference: &str| CompareTotal {
        service: service.map(str::to_owned),
        currency: "EUR".into(),
        credits_a: money(a),
        credits_b: money(b),
        difference: money(difference),
    };
    // Per service, then overall: A 0.00 + 200.00 = 200.00, B 50.00 + 400.00 = 450.00.
    assert_eq!(
        comparison.totals,
        [
            total(Some("api"), "0.00", "50.00", "50.00"),
            total(Some("web"), "200.00", "400.00", "200.00"),
            total(None, "200.00", "450.00", "250.00"),
        ]
    );
}

#[test]
fn each_side_is_what_a_run_against_it_alone_gives() {
    let [a, b] = reports();
    for (terms, paired) in [(terms_a(), a), (terms_b(), b)] {
        let alone = slacredit::evaluate(
            &[terms],
            vec![Input::stream(
                "incidents.csv",
                std::io::Cursor::new(EXPORT.as_bytes().to_vec()),
            )],
            &Source::generic(),
            "2026-06".parse().expect("test range"),
            None,
            &Exceptions::default(),
        )
        .expect("evaluation succeeds");
        // The money and the figures are the same; only the row accounting is the pair's.
        assert_eq!(alone.contracts.len(), paired.contracts.len());
        for (alone, paired) in alone.contracts.iter().zip(&paired.contracts) {
            assert_eq!(alone.services, paired.services);
            assert_eq!(alone.credit_lines, paired.credit_lines);
            assert_eq!(alone.credit_total, paired.credit_total);
        }
    }
}

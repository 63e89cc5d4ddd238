//! Every named check, each with a contract that fails it and one that passes it. The passing
//! contract is the base below; each failing one changes a single thing.

use slacredit::Diagnostic;
use slacredit::check::{check_names, check_versions};
use slacredit::contract::load_contract_text;

const BASE: &str = r#"id: BASE
provider: P
customer: C
currency: EUR
timezone: Europe/Berlin
effective: { from: 2026-01-01, to: 2027-01-01 }
calendars:
  office:
    weekly: { mon-fri: ["08:00-12:00", "13:00-18:00"] }
    holidays: [2026-12-24]
services:
  - { id: web, match: ["web", "web-*"], fee: 1000.00, availability: { target: 99.9 } }
  - { id: api, match: ["api"], fee: 500.00, availability: { target: 99.5 } }
severities:
  - { id: sev1, match: [P1], downtime: 1, respond: { within: 15m } }
  - { id: sev3, match: [P3], respond: { within: 4h, calendar: office } }
credits:
  cap: { per_service: 50% }
  rules:
    - id: availability
      kind: availability
      services: [web]
      bands:
        - { below: 99.9, credit: 10% }
        - { below: 99.0, credit: 25% }
    - { id: response, kind: per_breach, target: respond, severities: [sev1], credit: 100.00 }
    - { id: chronic, kind: escalation, applies_to: [response], breaches: 3, within: 90d, multiplier: 1.5 }
termination:
  - { availability_below: 99.0, consecutive_periods: 3, services: [web] }
"#;

/// (check, text to replace in BASE, replacement).
const CASES: &[(&str, &str, &str)] = &[
    ("schema", "customer: C", "customer: C\ncustomr: typo"),
    ("invalid-value", "fee: 500.00", "fee: 5OO.00"),
    ("invalid-value", "per_service: 50%", "per_service: 20"),
    ("invalid-value", "credit: 100.00 }", "credit: 100.00 USD }"),
    (
        "escalation-not-circular",
        "applies_to: [response]",
        "applies_to: [chronic]",
    ),
    ("timezone-known", "Europe/Berlin", "Europe/Berlim"),
    ("unique-ids", "id: api,", "id: web,"),
    (
        "references-exist",
        "severities: [sev1]",
        "severities: [sev9]",
    ),
    (
        "references-exist",
        "applies_to: [response]",
        "applies_to: [respnse]",
    ),
    ("references-exist", "services: [web] }", "services: [wbe] }"),
    (
        "bands-in-range",
        "below: 99.0, credit: 25%",
        "below: -1, credit: 25%",
    ),
    (
        "bands-ordered",
        "below: 99.0, credit: 25%",
        "below: 99.95, credit: 25%",
    ),
    (
        "bands-overlap-or-gap",
        "below: 99.0, credit: 25%",
        "below: 99.0, credit: 5%",
    ),
    (
        "target-looks-like-fraction",
        "target: 99.5",
        "target: 0.995",
    ),
    (
        "cap-not-above-100-percent",
        "per_service: 50%",
        "per_service: 150%",
    ),
    ("severity-match-overlap", "match: [P3]", "match: [P3, P1]"),
    (
        "service-match-overlap",
        r#"match: ["api"]"#,
        r#"match: ["api", "web-api"]"#,
    ),
    (
        "calendar-intervals-valid",
        r#""13:00-18:00""#,
        r#""11:00-18:00""#,
    ),
    (
        "holiday-in-effective-range",
        "holidays: [2026-12-24]",
        "holidays: [2025-12-24]",
    ),
    (
        "version-starts-on-period-boundary",
        "from: 2026-01-01",
        "from: 2026-01-15",
    ),
    (
        "day-unit-on-business-calendar",
        "within: 4h, calendar: office",
        "within: 1d, calendar: office",
    ),
];

fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match load_contract_text("case.yaml", text) {
        Ok(contract) => contract.warnings,
        Err(problems) => problems,
    }
}

#[test]
fn the_base_contract_passes_every_check() {
    assert_eq!(diagnostics(BASE), Vec::new());
}

#[test]
fn the_base_contract_passes_the_dry_run() {
    let contract = load_contract_text("base.yaml", BASE).expect("valid");
    assert_eq!(slacredit::pipeline::check_dry_run(&contract), Vec::new());
}

#[test]
fn each_check_fails_on_its_case_and_names_itself() {
    for (check, from, to) in CASES {
        assert!(
            BASE.contains(from),
            "{check}: the case must change the base contract"
        );
        let found = diagnostics(&BASE.replacen(from, to, 1));
        assert!(
            found.iter().any(|diagnostic| diagnostic.check == *check),
            "{check}: expected a `{check}` diagnostic, got {:#?}",
            found.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
        for diagnostic in &found {
            assert!(
                diagnostic.location.line > 0,
                "{check}: every diagnostic has a line: {diagnostic}"
            );
        }
    }
}

#[test]
fn every_check_has_a_case() {
    let covered: Vec<&str> = CASES.iter().map(|(check, ..)| *check).collect();
    // `dry-run` only fails on a calculation bug, so no valid contract can be made to fail it;
    // `the_base_contract_passes_the_dry_run` covers its passing side.
    for name in check_names().into_iter().filter(|name| *name != "dry-run") {
        assert!(
            covered.contains(&name),
            "check `{name}` has no failing case here"
        );
    }
}

#[test]
fn versions_across_files_fail_when_they_overlap_and_pass_when_disjoint() {
    let first = load_contract_text("a.yaml", BASE).expect("valid");
    let next_year = load_contract_text(
        "b.yaml",
        &BASE.replacen("from: 2026-01-01, to: 2027-01-01", "from: 2027-01-01", 1),
    )
    .expect("valid");
    assert!(check_versions(&[first.clone(), next_year]).is_empty());
    let overlapping = load_contract_text(
        "c.yaml",
        &BASE.replacen("from: 2026-01-01, to: 2027-01-01", "from: 2026-07-01", 1),
    )
    .expect("valid");
    let problems = check_versions(&[first, overlapping]);
    assert_eq!(
        problems
            .iter()
            .map(|problem| problem.check)
            .collect::<Vec<_>>(),
        ["unique-ids"]
    );
}

#[test]
fn docs_checks_md_describes_every_check() {
    let page = std::fs::read_to_string("docs/checks.md").expect("docs/checks.md exists");
    for name in check_names() {
        assert!(
            page.contains(&format!("## `{name}`")),
            "docs/checks.md has no section for `{name}`"
        );
    }
}

#[test]
fn a_duplicate_key_names_both_lines() {
    // `rounding` appears in the credits mapping, then again two lines later.
    let text = BASE.replacen("  cap: { per_service: 50% }\n", "  rounding: { places: 2, mode: half_up }\n  cap: { per_service: 50% }\n  rounding: { places: 2, mode: down }\n", 1);
    let line_of = |needle: &str| {
        text.lines()
            .position(|line| line.contains(needle))
            .expect("present")
            + 1
    };
    let (first, second) = (line_of("mode: half_up"), line_of("mode: down"));
    let problems = diagnostics(&text);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].check, problems[0].location.line as usize),
        ("schema", second)
    );
    assert!(
        problems[0]
            .message
            .ends_with(&format!("(first defined at line {first})")),
        "{}",
        problems[0].message
    );
}

//! The JSON Schemas of contracts and mapping files: the committed copies match the command,
//! every shipped contract and mapping validates against them, and an independent validator (the
//! `jsonschema` crate) rejects nearly everything `slacredit validate` rejects.

use std::process::Command;

use slacredit::contract::load_contract_text;
use slacredit::incidents::Source;

fn schema_from_command(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .arg("schema")
        .args(args)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn the_committed_schemas_are_what_the_command_prints() {
    for (file, args) in [
        ("docs/contract.schema.json", &[][..]),
        ("docs/mapping.schema.json", &["--mapping"][..]),
    ] {
        let committed = std::fs::read_to_string(file).expect("the schema file exists");
        assert!(
            committed == schema_from_command(args),
            "{file} is stale: run `cargo run -- schema {} > {file}`",
            args.join(" ")
        );
    }
}

#[test]
fn the_key_reference_in_the_contract_page_is_what_the_schema_describes() {
    let page = std::fs::read_to_string("docs/contract.md").expect("the contract page exists");
    let begin = "<!-- key reference: begin -->\n";
    let end = "<!-- key reference: end -->";
    let start = page.find(begin).expect("the page marks the reference") + begin.len();
    let stop = page[start..]
        .find(end)
        .expect("the page ends the reference")
        + start;
    assert!(
        page[start..stop] == schema_from_command(&["--reference"]),
        "the key reference in docs/contract.md is stale: replace what lies between its markers with `cargo run -- schema --reference`"
    );
}

fn validator(args: &[&str]) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&schema_from_command(args)).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// The data an editor's YAML 1.2 reader sees: `yes` is text, not a boolean.
fn as_json(yaml: &str) -> serde_json::Value {
    parse_json(yaml).expect("the file is YAML")
}

fn parse_json(yaml: &str) -> Result<serde_json::Value, serde_saphyr::Error> {
    let options = serde_saphyr::options! { strict_booleans: true, };
    serde_saphyr::from_str_with_options(yaml, options)
}

/// Every `*.yaml` file directly in `directories`.
fn yaml_files(directories: &[&str]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for directory in directories {
        for entry in std::fs::read_dir(directory).expect("directory exists") {
            let path = entry.expect("entry").path();
            if path
                .extension()
                .is_some_and(|extension| extension == "yaml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_shipped_contract_and_mapping_validates_against_its_schema() {
    for (schema, directories, at_least) in [
        (
            &[][..],
            &["contracts", "bench", "examples/real/contracts"][..],
            6,
        ),
        (&["--mapping"][..], &["examples/real/mappings"][..], 2),
    ] {
        let validator = validator(schema);
        let mut files = yaml_files(directories);
        if !schema.is_empty() {
            files.push("examples/itsm-mapping.yaml".into());
        }
        for path in &files {
            let value = as_json(&std::fs::read_to_string(path).expect("readable"));
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|error| format!("{} at {}", error, error.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        }
        assert!(files.len() >= at_least, "{files:?}");
    }
}

#[test]
fn shipped_examples_name_their_schema_for_editors() {
    let mut files = yaml_files(&[
        "contracts",
        "examples/real/contracts",
        "examples/real/mappings",
    ]);
    files.push("examples/itsm-mapping.yaml".into());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{} does not start with the yaml-language-server line",
            path.display()
        );
    }
}

/// A valid contract with every section the corpus breaks.
const CONTRACT: &str = r#"id: BASE
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
  - { id: sev1, match: [P1], downtime: 1, respond: { within: 15m }, resolve: { within: 4h, pausable: true } }
  - { id: sev3, match: [P3], respond: { within: 4h, calendar: office } }
maintenance:
  windows:
    - { weekly: sun, from: "02:00", to: "06:00" }
  notice: 5d
credits:
  rounding: { places: 2, mode: half_even }
  cap: { per_service: 50% }
  claim: { within: 30d }
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
invoice: { vendor_id: 0042, po_number: "4500012345", reference: "{contract}-{period}-{n}" }
"#;

/// Invalid contracts: (what is wrong, text to replace in CONTRACT, replacement).
const CONTRACT_CASES: &[(&str, &str, &str)] = &[
    (
        "money with thousands separators",
        "fee: 500.00",
        "fee: 25.000,00",
    ),
    ("money with a currency sign", "fee: 500.00", "fee: €500"),
    (
        "unknown reference placeholder",
        "{contract}-{period}-{n}",
        "{contract}-{perod}-{n}",
    ),
    (
        "reference brace never closed",
        "{contract}-{period}-{n}",
        "{contract}-{period",
    ),
    (
        "empty posting field",
        "po_number: \"4500012345\"",
        "po_number: \"\"",
    ),
    (
        "posting field at the top level",
        "invoice: {",
        "po_number: \"4500012345\"\ninvoice: {",
    ),
    ("lower-case currency", "currency: EUR", "currency: eur"),
    ("currency sign as currency", "currency: EUR", "currency: €"),
    ("duration in words", "within: 15m", "within: 30 minutes"),
    ("fractional duration", "within: 15m", "within: 1.5h"),
    ("duration without unit", "within: 30d }", "within: 30 }"),
    (
        "duration in business days",
        "within: 4h, calendar",
        "within: 5bd, calendar",
    ),
    ("day-first date", "from: 2026-01-01", "from: 25.12.2016"),
    (
        "day-first holiday",
        "holidays: [2026-12-24]",
        "holidays: [24.12.2026]",
    ),
    ("weekday range in words", "mon-fri:", "monday-friday:"),
    (
        "interval past midnight",
        "\"13:00-18:00\"",
        "\"13:00-25:00\"",
    ),
    ("undefined calendar", "calendar: office", "calendar: ofice"),
    (
        "band with both thresholds",
        "below: 99.0, credit: 25%",
        "below: 99.0, at_or_below: 99.0, credit: 25%",
    ),
    (
        "band with no threshold",
        "{ below: 99.0, credit: 25% }",
        "{ credit: 25% }",
    ),
    (
        "misspelt time zone",
        "timezone: Europe/Berlin",
        "timezone: Europe/Amsterdan",
    ),
    (
        "unknown top-level key",
        "customer: C",
        "customer: C\ncustomr: typo",
    ),
    (
        "unknown period",
        "currency: EUR",
        "currency: EUR\nperiod: monthly",
    ),
    (
        "unknown severity basis",
        "currency: EUR",
        "currency: EUR\nseverity_basis: worst",
    ),
    (
        "unknown rounding mode",
        "mode: half_even",
        "mode: half_down",
    ),
    (
        "unknown rule kind",
        "kind: per_breach",
        "kind: per_incident",
    ),
    ("per_breach rule without credit", ", credit: 100.00 }", " }"),
    (
        "availability rule without bands",
        "      services: [web]\n      bands:\n        - { below: 99.9, credit: 10% }\n        - { below: 99.0, credit: 25% }\n",
        "      services: [web]\n",
    ),
    (
        "per_breach rule with bands",
        "severities: [sev1], credit: 100.00 }",
        "severities: [sev1], credit: 100.00, bands: [{ below: 99, credit: 5% }] }",
    ),
    ("unknown target", "target: respond", "target: response"),
    (
        "availability target above 100",
        "target: 99.5",
        "target: 101",
    ),
    (
        "negative band",
        "below: 99.0, credit: 25%",
        "below: -1, credit: 25%",
    ),
    (
        "maintenance window weekly and dated",
        "{ weekly: sun, from",
        "{ weekly: sun, date: 2026-12-27, from",
    ),
    (
        "maintenance day in words",
        "weekly: sun,",
        "weekly: sunday,",
    ),
    ("maintenance time in words", "from: \"02:00\"", "from: 2am"),
    ("notice in words", "notice: 5d", "notice: 5 days"),
    ("outage weight above 1", "downtime: 1,", "downtime: 1.5,"),
    (
        "termination of both kinds",
        "consecutive_periods: 3, services",
        "consecutive_periods: 3, breaches: 5, services",
    ),
    (
        "termination without its period count",
        "{ availability_below: 99.0, consecutive_periods: 3, services: [web] }",
        "{ availability_below: 99.0, services: [web] }",
    ),
    ("escalation from breach zero", "breaches: 3", "breaches: 0"),
    ("cap in words", "per_service: 50%", "per_service: half"),
    (
        "cap as a bare number",
        "per_service: 50%",
        "per_service: 50",
    ),
    (
        "band credit as a bare number",
        "below: 99.0, credit: 25%",
        "below: 99.0, credit: 25",
    ),
    (
        "amount without its space",
        "per_service: 50%",
        "per_service: 500.00EUR",
    ),
    (
        "amount in another currency",
        "credit: 100.00 }",
        "credit: 100.00 USD }",
    ),
    ("yes as a boolean", "pausable: true", "pausable: yes"),
    (
        "service without fee",
        ", fee: 500.00, availability: { target: 99.5 } }",
        ", availability: { target: 99.5 } }",
    ),
    (
        "effective without from",
        "effective: { from: 2026-01-01, to: 2027-01-01 }",
        "effective: { to: 2027-01-01 }",
    ),
    ("list written as text", "match: [P3]", "match: P3"),
    (
        "unknown claim template placeholder",
        "claim: { within: 30d }",
        "claim: { within: 30d, template: { opening: \"{customer} claims {totl}\" } }",
    ),
    (
        "unclosed claim template placeholder",
        "claim: { within: 30d }",
        "claim: { within: 30d, template: { closing: \"by {claim_by\" } }",
    ),
];

/// A valid mapping file.
const MAPPING: &str = r#"fields:
  id: number
  service: { value: "EDR" }
  severity:
    column: priority
    values: { "Priority 1": P1, "Priority 2": P2 }
  opened: opened_at
  resolved: resolved_at
timestamps:
  format: "%d/%m/%Y %H:%M"
  timezone: Europe/Berlin
  ambiguous: earliest
delimiter: ";"
missing: ["?"]
"#;

/// Invalid mapping files: (what is wrong, text to replace in MAPPING, replacement).
const MAPPING_CASES: &[(&str, &str, &str)] = &[
    ("misspelt key", "delimiter:", "delimter:"),
    ("unknown preset", "fields:", "preset: servicenw\nfields:"),
    (
        "misspelt time zone",
        "timezone: Europe/Berlin",
        "timezone: Europe/Amsterdan",
    ),
    (
        "unknown ambiguity policy",
        "ambiguous: earliest",
        "ambiguous: first",
    ),
    ("unknown encoding", "missing:", "encoding: utf-16\nmissing:"),
    (
        "two-character delimiter",
        "delimiter: \";\"",
        "delimiter: \";;\"",
    ),
    (
        "unknown field",
        "  opened: opened_at",
        "  opened: opened_at\n  priority: prio",
    ),
    (
        "unknown collapse mode",
        "missing:",
        "collapse: earliest\nmissing:",
    ),
    (
        "column and value together",
        "service: { value: \"EDR\" }",
        "service: { value: \"EDR\", column: svc }",
    ),
    (
        "blank missing marker",
        "missing: [\"?\"]",
        "missing: [\" \"]",
    ),
];

#[test]
fn the_schemas_reject_nearly_everything_validate_rejects() {
    let contracts = validator(&[]);
    let mappings = validator(&["--mapping"]);
    assert!(load_contract_text("base.yaml", CONTRACT).is_ok_and(|c| c.warnings.is_empty()));
    assert!(contracts.is_valid(&as_json(CONTRACT)));
    assert!(Source::check_text("base.yaml", MAPPING).is_ok());
    assert!(mappings.is_valid(&as_json(MAPPING)));
    let mut accepted = Vec::new();
    let mut total = 0;
    for (cases, base, is_contract) in [
        (CONTRACT_CASES, CONTRACT, true),
        (MAPPING_CASES, MAPPING, false),
    ] {
        for (what, from, to) in cases {
            assert!(base.contains(from), "{what}: `{from}` is not in the base");
            let text = base.replacen(from, to, 1);
            let rejected = if is_contract {
                load_contract_text("case.yaml", &text).is_err()
            } else {
                Source::check_text("case.yaml", &text).is_err()
            };
            assert!(rejected, "{what}: validate accepts it");
            total += 1;
            // YAML the reader cannot turn into data at all is not the schema's to judge.
            let Ok(value) = parse_json(&text) else {
                continue;
            };
            let schema = if is_contract { &contracts } else { &mappings };
            if schema.is_valid(&value) {
                accepted.push(*what);
            }
        }
    }
    assert!(total >= 30, "the corpus has {total} cases");
    // At least 90 % of the corpus fails the schema too. What a schema cannot say (a calendar
    // declared elsewhere in the file, the contract's own currency code) is left to `validate`.
    assert!(
        accepted.len() * 10 <= total,
        "the schema accepts {} of {total}: {accepted:?}",
        accepted.len()
    );
    assert_eq!(
        accepted,
        ["undefined calendar", "amount in another currency"]
    );
}

#[test]
fn amounts_with_their_currency_code_pass_the_schema_and_validate() {
    let text = CONTRACT
        .replacen(
            "per_service: 50%",
            "per_service: 50%, per_year: 6000.00 EUR",
            1,
        )
        .replacen(
            "below: 99.0, credit: 25%",
            "below: 99.0, credit: 250.00 EUR",
            1,
        )
        .replacen("credit: 100.00 }", "credit: 100.00 EUR }", 1);
    assert!(
        text.contains("6000.00 EUR")
            && text.contains("250.00 EUR")
            && text.contains("100.00 EUR }")
    );
    assert!(load_contract_text("stated.yaml", &text).is_ok_and(|c| c.warnings.is_empty()));
    let errors: Vec<String> = validator(&[])
        .iter_errors(&as_json(&text))
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn every_property_has_a_description() {
    fn walk(value: &serde_json::Value, at: &str, missing: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            return;
        };
        if let Some(properties) = object.get("properties").and_then(|p| p.as_object()) {
            for (name, property) in properties {
                if property.get("description").is_none()
                    && property != &serde_json::Value::Bool(false)
                {
                    missing.push(format!("{at}.{name}"));
                }
            }
        }
        for (key, child) in object {
            match child {
                serde_json::Value::Object(_) => walk(child, &format!("{at}/{key}"), missing),
                serde_json::Value::Array(items) => {
                    for item in items {
                        walk(item, &format!("{at}/{key}[]"), missing);
                    }
                }
                _ => {}
            }
        }
    }
    for args in [&[][..], &["--mapping"][..]] {
        let schema: serde_json::Value =
            serde_json::from_str(&schema_from_command(args)).expect("JSON");
        let mut missing = Vec::new();
        walk(&schema, "", &mut missing);
        // Branches of `oneOf`/`allOf` only narrow keys described at the property itself.
        missing.retain(|path| !path.contains("oneOf") && !path.contains("allOf"));
        assert!(
            missing.is_empty(),
            "properties without a description: {missing:#?}"
        );
    }
}

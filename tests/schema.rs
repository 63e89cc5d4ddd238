//! The JSON Schema of the contract format: the committed copy matches the command, and every
//! shipped contract validates against it.

use std::process::Command;

fn schema_from_command() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .arg("schema")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn the_committed_schema_is_what_the_command_prints() {
    let committed = std::fs::read_to_string("docs/contract.schema.json")
        .expect("docs/contract.schema.json exists");
    assert!(
        committed == schema_from_command(),
        "docs/contract.schema.json is stale: run `cargo run -- schema > docs/contract.schema.json`"
    );
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&schema_from_command()).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn as_json(yaml: &str) -> serde_json::Value {
    serde_saphyr::from_str(yaml).expect("the contract is YAML")
}

#[test]
fn every_shipped_contract_validates_against_the_schema() {
    let validator = validator();
    let mut checked = 0;
    for directory in ["contracts", "bench"] {
        for entry in std::fs::read_dir(directory).expect("directory exists") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|extension| extension != "yaml") {
                continue;
            }
            let contract = as_json(&std::fs::read_to_string(&path).expect("readable"));
            let errors: Vec<String> = validator
                .iter_errors(&contract)
                .map(|error| error.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 3);
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let validator = validator();
    let base = std::fs::read_to_string("contracts/nimbus-cloud.yaml").expect("readable");
    // An unknown key, a keyword outside its list, and a termination trigger with a stray key.
    for (from, to) in [
        (
            "customer: Example Corp",
            "customer: Example Corp\ncustomr: typo",
        ),
        ("mode: half_up", "mode: half_down"),
        (
            "customer: Example Corp",
            "customer: Example Corp\ntermination: [{ availability_below: 99.0, periods: 3 }]",
        ),
    ] {
        assert!(base.contains(from));
        let broken = as_json(&base.replacen(from, to, 1));
        assert!(!validator.is_valid(&broken), "the schema accepts `{to}`");
    }
}

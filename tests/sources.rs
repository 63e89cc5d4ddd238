//! Mapping files: each mistake is reported with the mapping file's line and column.

use std::path::PathBuf;

use slacredit::Error;
use slacredit::incidents::Source;

fn mapping(name: &str, text: &str) -> PathBuf {
    let directory = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sources");
    std::fs::create_dir_all(&directory).expect("temporary directory");
    let path = directory.join(name);
    std::fs::write(&path, text).expect("write the mapping");
    path
}

fn error_of(name: &str, text: &str) -> String {
    match Source::load(&mapping(name, text)) {
        Err(error @ Error::Source { .. }) => error.to_string(),
        other => panic!("expected a mapping error, got {other:?}"),
    }
}

const REQUIRED: &str =
    "fields:\n  id: number\n  service: svc\n  severity: prio\n  opened: opened_at\n";

#[test]
fn a_valid_mapping_loads() {
    let text = format!(
        "{REQUIRED}timestamps: {{ format: \"%d/%m/%Y %H:%M\", timezone: Europe/Paris, ambiguous: latest }}\ndelimiter: \";\"\n"
    );
    let source = Source::load(&mapping("valid.yaml", &text)).expect("valid mapping");
    assert_eq!(source.delimiter, b';');
    assert_eq!(source.fields.len(), 4);
}

#[test]
fn an_unknown_field_names_its_line() {
    let message = error_of("unknown.yaml", &format!("{REQUIRED}  priority: prio\n"));
    assert!(
        message.contains("unknown.yaml:6:3") && message.contains("unknown field `priority`"),
        "{message}"
    );
}

#[test]
fn a_missing_required_field_is_named() {
    let message = error_of(
        "missing.yaml",
        "fields:\n  id: number\n  service: svc\n  severity: prio\n",
    );
    assert!(
        message.contains("missing.yaml:2:3") && message.contains("`opened`"),
        "{message}"
    );
}

#[test]
fn timestamp_settings_are_checked() {
    let zone = error_of(
        "zone.yaml",
        &format!("{REQUIRED}timestamps:\n  format: \"%d/%m/%Y\"\n  timezone: Mars/Olympus\n"),
    );
    assert!(
        zone.contains("zone.yaml:8:13") && zone.contains("Mars/Olympus"),
        "{zone}"
    );
    let pattern = error_of(
        "pattern.yaml",
        &format!("{REQUIRED}timestamps:\n  format: \"%d/%Q\"\n  timezone: UTC\n"),
    );
    assert!(
        pattern.contains("pattern.yaml:7:11") && pattern.contains("strftime"),
        "{pattern}"
    );
    let policy = error_of(
        "policy.yaml",
        &format!("{REQUIRED}timestamps: {{ format: \"%d\", timezone: UTC, ambiguous: first }}\n"),
    );
    assert!(policy.contains("ambiguous: first"), "{policy}");
}

#[test]
fn a_field_needs_a_column_or_a_value() {
    let message = error_of(
        "both.yaml",
        "fields:\n  id: { column: number, value: X }\n  service: s\n  severity: p\n  opened: o\n",
    );
    assert!(
        message.contains("both.yaml:2:7") && message.contains("either `column`"),
        "{message}"
    );
}

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

// ---------------------------------------------------------------------------------------------
// Presets, mapping files that start from one, and the shapes real exports come in. Each case
// reads a few rows with the ACME contract (services SIEM and EDR; severities P1..P4, also
// matched as `1 - Critical`, `2 - High`, ...), keeping every valid row.

use slacredit::contract::{Contract, load_contract_file};
use slacredit::incidents::{Encoding, Incidents, Input, Paused};
use slacredit::time::format_instant;

fn acme() -> Contract {
    load_contract_file(std::path::Path::new("contracts/acme-soc.yaml")).expect("shipped contract")
}

fn read(source: &Source, name: &str, bytes: Vec<u8>) -> Incidents {
    read_input(source, Input::stream(name, std::io::Cursor::new(bytes)))
}

/// Reads one export with the ACME contract, keeping every valid row.
fn read_input(source: &Source, input: Input) -> Incidents {
    slacredit::read_incidents(vec![input], source, &[acme()], &|_, _| Ok(()))
        .expect("the export reads")
}

fn preset(name: &str) -> Source {
    Source::resolve(name).expect("a built-in preset")
}

/// `(id, severity id, opened, resolved, title)` of every incident read.
fn summary(incidents: &Incidents) -> Vec<(String, String, String, Option<String>, String)> {
    let contract = acme();
    incidents
        .incidents
        .iter()
        .map(|incident| {
            (
                incident.id.to_string(),
                contract.severities[usize::from(incident.severity)]
                    .id
                    .clone(),
                format_instant(incident.opened),
                incident.resolved.map(format_instant),
                incident.title.to_string(),
            )
        })
        .collect()
}

fn row(
    id: &str,
    severity: &str,
    opened: &str,
    resolved: Option<&str>,
    title: &str,
) -> (String, String, String, Option<String>, String) {
    (
        id.to_owned(),
        severity.to_owned(),
        opened.to_owned(),
        resolved.map(str::to_owned),
        title.to_owned(),
    )
}

#[test]
fn the_servicenow_preset_reads_a_list_export() {
    // A list export: field names as headers, date-times as stored (UTC), display values for
    // choices. `1 - Critical` becomes P1; `2 - High` P2.
    let csv = "number,short_description,priority,state,business_service,opened_at,resolved_at\n\
               INC0010001,Mail down,1 - Critical,Resolved,SIEM,2026-10-01 08:00:00,2026-10-01 09:30:00\n\
               INC0010002,Slow search,2 - High,In Progress,SIEM,2026-10-02 10:15:00,\n";
    let incidents = read(&preset("servicenow"), "sn.csv", csv.into());
    assert!(
        incidents.rows.rejected.is_empty(),
        "{:?}",
        incidents.rows.rejected
    );
    assert_eq!(
        summary(&incidents),
        [
            row(
                "INC0010001",
                "sev1",
                "2026-10-01T08:00:00Z",
                Some("2026-10-01T09:30:00Z"),
                "Mail down"
            ),
            row(
                "INC0010002",
                "sev2",
                "2026-10-02T10:15:00Z",
                None,
                "Slow search"
            ),
        ]
    );
}

#[test]
fn the_jira_preset_reads_an_issue_export() {
    // Jira's CSV export: display names as headers, `dd/MMM/yy h:mm a` dates. `Highest` → P1,
    // `Medium` → P3. 3:45 PM = 15:45 UTC (the preset's zone). Incidents come sorted by service
    // (SIEM before EDR, the contract's order), then id.
    let csv = "Summary,Issue key,Issue id,Status,Priority,Component/s,Created,Resolved\n\
               Login fails,OPS-17,10017,Done,Highest,SIEM,02/Oct/26 3:45 PM,02/Oct/26 5:05 PM\n\
               Report late,OPS-18,10018,Open,Medium,EDR,05/Oct/26 9:00 AM,\n";
    let incidents = read(&preset("jira"), "jira.csv", csv.into());
    assert!(
        incidents.rows.rejected.is_empty(),
        "{:?}",
        incidents.rows.rejected
    );
    assert_eq!(
        summary(&incidents),
        [
            row(
                "OPS-17",
                "sev1",
                "2026-10-02T15:45:00Z",
                Some("2026-10-02T17:05:00Z"),
                "Login fails"
            ),
            row(
                "OPS-18",
                "sev3",
                "2026-10-05T09:00:00Z",
                None,
                "Report late"
            ),
        ]
    );
}

#[test]
fn the_pagerduty_preset_reads_an_incident_export() {
    // PagerDuty's incident CSV: API field names, ISO 8601 times with an offset, P1..P5.
    let csv = "incident_number,title,service_name,urgency,priority_name,created_at,resolved_at\n\
               4211,Disk full,siem-eu,high,P2,2026-10-07T03:12:44-04:00,2026-10-07T04:00:00-04:00\n";
    let incidents = read(&preset("pagerduty"), "pd.csv", csv.into());
    assert!(
        incidents.rows.rejected.is_empty(),
        "{:?}",
        incidents.rows.rejected
    );
    assert_eq!(
        summary(&incidents),
        [row(
            "4211",
            "sev2",
            "2026-10-07T07:12:44Z",
            Some("2026-10-07T08:00:00Z"),
            "Disk full"
        )]
    );
}

#[test]
fn a_preset_names_the_column_it_misses() {
    // No business_service column: the preset says which column it wanted and how to name another.
    let csv = "number,priority,opened_at\nINC1,1 - Critical,2026-10-01 08:00:00\n";
    let input = Input::stream(
        "no-service.csv",
        std::io::Cursor::new(csv.as_bytes().to_vec()),
    );
    let error = slacredit::read_incidents(
        vec![input],
        &preset("servicenow"),
        &[acme()],
        &|_, _| Ok(()),
    )
    .expect_err("the service column is required");
    let message = error.to_string();
    assert!(
        message.starts_with("no-service.csv:1:1: column `business_service` (for service) is not in the header (the `servicenow` preset's column; to read another, write a mapping file with `preset: servicenow` and `fields: { service: <column> }`)"),
        "{message}"
    );
}

#[test]
fn a_mapping_file_overrides_a_preset_column_by_column() {
    let source = Source::load(&mapping(
        "over-preset.yaml",
        "preset: servicenow\nfields:\n  service: { value: SIEM }\n  title: description\ntimestamps:\n  timezone: Europe/Berlin\nmissing: [\"NULL\"]\n",
    ))
    .expect("valid mapping");
    // The preset's format stays; the zone is Berlin: 10:00 CEST = 08:00Z. `NULL` is no value.
    let csv = "number,priority,opened_at,resolved_at,description,short_description\n\
               INC7,3 - Moderate,2026-10-01 10:00:00,NULL,Printer jam,ignored\n";
    let incidents = read(&source, "over.csv", csv.into());
    assert!(
        incidents.rows.rejected.is_empty(),
        "{:?}",
        incidents.rows.rejected
    );
    assert_eq!(
        summary(&incidents),
        [row(
            "INC7",
            "sev3",
            "2026-10-01T08:00:00Z",
            None,
            "Printer jam"
        )]
    );
    // An overridden column must be in the header; the preset's optional ones need not be.
    assert!(source.column_optional(slacredit::incidents::Field::Resolved));
    assert!(!source.column_optional(slacredit::incidents::Field::Title));
}

#[test]
fn missing_value_markers_are_empty_cells() {
    let source = Source::load(&mapping(
        "markers.yaml",
        "preset: generic\nmissing: [\"?\", \"NULL\", \"-\"]\n",
    ))
    .expect("valid mapping");
    let csv = "id,service,severity,opened,resolved,acknowledged,title\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,?,NULL,-\n\
               B,SIEM,P2,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,-,ok\n\
               C,SIEM,?,2026-10-01T09:00:00Z,,,\n";
    let incidents = read(&source, "markers.csv", csv.into());
    let summary = summary(&incidents);
    assert_eq!(
        summary[0],
        row("A", "sev1", "2026-10-01T08:00:00Z", None, "")
    );
    assert_eq!(incidents.incidents[1].acknowledged, None);
    // A required field written as a marker is as empty as an empty cell.
    let rejected = &incidents.rows.rejected;
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].to_string(),
        "markers.csv:4: column `severity` is empty; every row needs it"
    );
}

#[test]
fn crlf_semicolons_quoted_newlines_and_a_byte_order_mark() {
    let source = Source::load(&mapping(
        "semicolon.yaml",
        "preset: generic\ndelimiter: \";\"\n",
    ))
    .expect("valid mapping");
    // A UTF-8 byte-order mark before the first header, CRLF line ends, `;` between fields, and a
    // title with a line break inside quotes: row C starts on line 5, after B's two lines.
    let csv = "\u{feff}id;service;severity;opened;title\r\n\
               A;SIEM;P1;2026-10-01T08:00:00Z;plain\r\n\
               B;SIEM;P2;2026-10-01T09:00:00Z;\"two\r\nlines; and a semicolon\"\r\n\
               C;SIEM;P9;2026-10-01T10:00:00Z;unknown severity\r\n";
    let incidents = read(&source, "crlf.csv", csv.into());
    let summary = summary(&incidents);
    assert_eq!(summary.len(), 2);
    assert_eq!(
        summary[0],
        row("A", "sev1", "2026-10-01T08:00:00Z", None, "plain")
    );
    // CRLF is read as LF, inside quotes too.
    assert_eq!(summary[1].4, "two\nlines; and a semicolon");
    assert_eq!(incidents.origin(&incidents.incidents[1]), "crlf.csv:3");
    let rejected = &incidents.rows.rejected;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].line, 5);
    assert_eq!(rejected[0].column, "severity");
}

#[test]
fn latin1_needs_a_declaration_and_then_reads() {
    // "Café" in Latin-1: é is the single byte 0xE9, which is not UTF-8.
    let mut csv = b"id,service,severity,opened,title\nA,SIEM,P1,2026-10-01T08:00:00Z,Caf".to_vec();
    csv.extend_from_slice(b"\xe9 machine\n");
    let undeclared = read(&Source::generic(), "latin1.csv", csv.clone());
    let rejected = &undeclared.rows.rejected;
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].to_string(),
        "latin1.csv:2: column `title` value `Caf\u{fffd} machine` is not valid UTF-8; if the export is Latin-1, or Windows-1252 as spreadsheets save it, declare `encoding: latin1` or `encoding: windows-1252` in a mapping file (docs/sources.md)"
    );
    let source = Source::load(&mapping(
        "latin1.yaml",
        "preset: generic\nencoding: latin1\n",
    ))
    .expect("valid mapping");
    assert_eq!(source.encoding, Encoding::Latin1);
    let declared = read(&source, "latin1.csv", csv);
    assert!(declared.rows.rejected.is_empty());
    assert_eq!(&*declared.incidents[0].title, "Café machine");
}

#[test]
fn gzip_files_are_read_as_they_are() {
    use std::io::Write;
    // Written to a temporary directory, never into the repository.
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("sources")
        .join("export.csv.gz");
    std::fs::create_dir_all(path.parent().expect("a directory")).expect("temporary directory");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).expect("create"),
        flate2::Compression::default(),
    );
    encoder
        .write_all(b"\xef\xbb\xbfid,service,severity,opened\nA,SIEM,P1,2026-10-01T08:00:00Z\n")
        .expect("write");
    encoder.finish().expect("finish");
    let input = Input::stream(
        path.display().to_string(),
        std::fs::File::open(&path).expect("open"),
    );
    let incidents = read_input(&Source::generic(), input);
    assert_eq!(incidents.rows.read, 1);
    assert_eq!(summary(&incidents)[0].0, "A");
}

#[test]
fn collapse_latest_alone_takes_the_presets_event_columns() {
    let source = Source::load(&mapping(
        "short-collapse.yaml",
        "preset: servicenow\ncollapse: latest\n",
    ))
    .expect("valid mapping");
    let collapse = source.collapse.expect("an event log");
    assert_eq!(collapse.updated, "sys_updated_on");
    assert_eq!(collapse.state.as_deref(), Some("state"));
    assert!(
        collapse
            .pause_states
            .iter()
            .any(|state| state == "Awaiting User Info")
    );
}

#[test]
fn an_event_log_in_the_generic_shape() {
    let source = Source::load(&mapping(
        "events.yaml",
        "preset: generic\ncollapse: { mode: latest, pause_states: [Waiting] }\n",
    ))
    .expect("valid mapping");
    // Ticket A: New 08:00, In progress 08:20 (the response), Waiting 09:00-10:00, Resolved 11:00.
    // The columns `updated` and `state` are the generic preset's defaults.
    let csv = "id,service,severity,opened,updated,state\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T08:00:00Z,New\n\
               B,SIEM,P2,2026-10-01T08:05:00Z,2026-10-01T08:05:00Z,New\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T10:00:00Z,In progress\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T08:20:00Z,In progress\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T09:00:00Z,Waiting\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T11:00:00Z,Resolved\n\
               A,SIEM,P1,2026-10-01T08:00:00Z,not a time,Resolved\n";
    let incidents = read(&source, "events.csv", csv.into());
    let rows = &incidents.rows;
    // 7 rows: 2 incidents, 4 earlier events of A, 1 row rejected for its event time.
    assert_eq!(
        (
            rows.read,
            rows.counted,
            rows.excluded_rows(),
            rows.rejected_rows()
        ),
        (7, 2, 4, 1)
    );
    assert_eq!(rows.rejected[0].line, 8);
    assert_eq!(rows.rejected[0].column, "updated");
    let a = &incidents.incidents[0];
    assert_eq!(incidents.origin(a), "events.csv:7");
    assert_eq!(
        a.acknowledged.map(format_instant).as_deref(),
        Some("2026-10-01T08:20:00Z")
    );
    assert_eq!(
        a.resolved.map(format_instant).as_deref(),
        Some("2026-10-01T11:00:00Z")
    );
    let Paused::Intervals(pauses) = &a.paused else {
        panic!("pauses")
    };
    assert_eq!(
        pauses
            .iter()
            .map(|(s, e)| (format_instant(*s), format_instant(*e)))
            .collect::<Vec<_>>(),
        [(
            "2026-10-01T09:00:00Z".to_owned(),
            "2026-10-01T10:00:00Z".to_owned()
        )]
    );
    // B never left New: no response, still open.
    assert_eq!(
        (
            incidents.incidents[1].acknowledged,
            incidents.incidents[1].resolved
        ),
        (None, None)
    );
}

#[test]
fn new_mapping_keys_are_checked() {
    let preset = error_of("preset.yaml", "preset: remedy\n");
    assert!(
        preset.contains("preset.yaml:1:9")
            && preset.contains(
                "unknown preset `remedy` (expected one of: generic, servicenow, jira, pagerduty)"
            ),
        "{preset}"
    );
    let encoding = error_of("encoding.yaml", "preset: jira\nencoding: ebcdic\n");
    assert!(
        encoding.contains("encoding.yaml:2:11") && encoding.contains("ebcdic"),
        "{encoding}"
    );
    let mode = error_of(
        "mode.yaml",
        "preset: servicenow\ncollapse:\n  mode: earliest\n",
    );
    assert!(
        mode.contains("mode.yaml:3:9") && mode.contains("expected latest"),
        "{mode}"
    );
    let short = error_of("short.yaml", "preset: servicenow\ncollapse: earliest\n");
    assert!(
        short.contains("short.yaml:2:11") && short.contains("unknown collapse mode `earliest`"),
        "{short}"
    );
    let typo = error_of(
        "typo.yaml",
        "preset: servicenow\ncollapse:\n  mode: latest\n  pause_state: [Waiting]\n",
    );
    assert!(
        typo.contains("typo.yaml:4:3") && typo.contains("unknown field `pause_state`"),
        "{typo}"
    );
    let both = error_of(
        "both-states.yaml",
        "preset: servicenow\ncollapse: { mode: latest, pause_states: [Resolved] }\n",
    );
    assert!(
        both.contains("`Resolved` is in both `pause_states` and `resolved_states`"),
        "{both}"
    );
    let nothing = error_of("nothing.yaml", "delimiter: \";\"\n");
    assert!(
        nothing.contains("nothing.yaml:1:1")
            && nothing.contains("`id` (under `fields`, or start from a `preset`)"),
        "{nothing}"
    );
    let no_zone = error_of(
        "no-zone.yaml",
        &format!("{REQUIRED}timestamps: {{ format: \"%d\" }}\n"),
    );
    assert!(no_zone.contains("needs a `timezone`"), "{no_zone}");
    let blank = error_of("blank.yaml", "preset: generic\nmissing: [\"\"]\n");
    assert!(
        blank.contains("blank.yaml:2:10") && blank.contains("an empty cell always does"),
        "{blank}"
    );
}

#[test]
fn github_status_windows_merge_overlaps_and_leave_out_maintenance() {
    // tests/fixtures/github-status-2025-q2.csv: the 61 windows that start in 2025-Q2. The data's
    // README gives 11,442 minutes added up and 10,772 once overlaps are merged, without the
    // `maintenance` and `none` rows. Q2 2025 is 91 days = 131,040 minutes, so availability is
    // (131,040 − 10,772) / 131,040 = 91.7796 %.
    let contract = load_contract_file(std::path::Path::new(
        "examples/real/contracts/github-status.yaml",
    ))
    .expect("shipped contract");
    let source = Source::load(std::path::Path::new(
        "examples/real/mappings/github-status.yaml",
    ))
    .expect("shipped mapping");
    let input = Input::stream(
        "github-status-2025-q2.csv",
        std::fs::File::open("tests/fixtures/github-status-2025-q2.csv").expect("fixture"),
    );
    let report = slacredit::evaluate(
        std::slice::from_ref(&contract),
        vec![input],
        &source,
        "2025-Q2".parse().expect("a quarter"),
        None,
        &slacredit::incidents::Exceptions::default(),
    )
    .expect("the quarter evaluates");
    let service = &report.contracts[0].services[0];
    assert_eq!(service.measured_seconds, 131_040 * 60);
    assert_eq!(service.downtime_seconds, 10_772 * 60);
    assert_eq!(service.availability.to_string(), "91.7796");
    // 61 rows: 55 windows counted (41 minor, 10 major, 4 none), 6 maintenance rows excluded.
    let rows = &report.rows;
    assert_eq!((rows.read, rows.counted, rows.rejected_rows()), (61, 55, 0));
    assert_eq!(rows.excluded.len(), 1);
    assert_eq!(
        rows.excluded[0].reason.to_string(),
        "cause listed in the contract's exclusions.causes"
    );
    assert_eq!(rows.excluded[0].rows, 6);
}

#[test]
fn an_empty_constant_drops_a_preset_column() {
    let source = Source::load(&mapping(
        "drop.yaml",
        "preset: servicenow\nfields:\n  resolved: { value: \"\" }\n",
    ))
    .expect("valid mapping");
    let csv = "number,priority,business_service,opened_at,resolved_at\n\
               INC9,2 - High,SIEM,2026-10-01 08:00:00,2026-10-01 09:00:00\n";
    let incidents = read(&source, "drop.csv", csv.into());
    assert_eq!(incidents.incidents[0].resolved, None);
}

#[test]
fn a_copy_rejected_for_its_title_is_no_duplicate() {
    // Two rows of SOC-1 with the same content; the second's title is not UTF-8 (byte 0xff), so
    // it is rejected, and leaves nothing behind for the search for repeated ids: the first
    // counts, and 2 rows read = 1 counted + 0 excluded + 1 rejected.
    let mut bytes = b"id,service,severity,opened,acknowledged,resolved,title\n\
        SOC-1,SIEM,P2,2026-10-05T10:00:00Z,,,Phishing\n\
        SOC-1,SIEM,P2,2026-10-05T10:00:00Z,,,Phishing "
        .to_vec();
    bytes.extend_from_slice(b"\xff\n");
    let incidents = read(&Source::generic(), "titles.csv", bytes);
    let rows = &incidents.rows;
    assert_eq!((rows.read, rows.counted), (2, 1));
    assert_eq!(rows.excluded_rows(), 0);
    let rejected: Vec<(u64, &str)> = rows
        .rejected
        .iter()
        .map(|rejection| (rejection.line, rejection.column.as_str()))
        .collect();
    assert_eq!(rejected, [(3, "title")]);
}

#[test]
fn ids_that_share_a_fingerprint_are_told_apart_by_their_text_in_any_order() {
    // `A` and `B\0` share their 64-bit fingerprint (the length and the first word fold into one
    // word), a collision an export has to build on purpose. In an export whose ids rise, no
    // search for repeats is made; in any other order the shared fingerprint makes both rows
    // candidates, they are read again, and their ids differ: both count either way.
    let export = |ids: [&str; 2]| {
        format!(
            "id,service,severity,opened,acknowledged,resolved,title\n\
             {},SIEM,P2,2026-10-05T10:00:00Z,,,One\n\
             {},SIEM,P3,2026-10-06T10:00:00Z,,,Two\n",
            ids[0], ids[1]
        )
        .into_bytes()
    };
    let rising = read(&Source::generic(), "rising.csv", export(["A", "B\0"]));
    assert_eq!((rising.rows.counted, rising.rows.rejected.len()), (2, 0));
    let falling = read(&Source::generic(), "falling.csv", export(["B\0", "A"]));
    assert_eq!((falling.rows.counted, falling.rows.rejected.len()), (2, 0));
    assert_eq!(falling.incidents.len(), 2);
}

#[cfg(unix)]
#[test]
fn an_export_read_from_a_pipe_can_repeat_an_id() {
    // A pipe can be read once: its bytes are kept as they are read, so the two rows of A1 can be
    // read again and compared. A1 twice, identical; B1 once: 3 read = 2 counted + 1 excluded.
    let directory = std::env::temp_dir().join(format!("slacredit-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let path = directory.join("export.csv");
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    let csv = "id,service,severity,opened,acknowledged,resolved,title\n\
               A1,SIEM,P2,2026-10-05T10:00:00Z,2026-10-05T10:10:00Z,2026-10-05T12:00:00Z,One\n\
               B1,SIEM,P3,2026-10-06T10:00:00Z,2026-10-06T10:10:00Z,2026-10-06T12:00:00Z,Two\n\
               A1,SIEM,P2,2026-10-05T10:00:00Z,2026-10-05T10:10:00Z,2026-10-05T12:00:00Z,One\n";
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || std::fs::write(path, csv))
    };
    let input = Input::open(&path).expect("the pipe opens");
    let incidents = read_input(&Source::generic(), input);
    writer
        .join()
        .expect("the writer ends")
        .expect("the writer writes");
    std::fs::remove_dir_all(&directory).expect("removed");
    let rows = &incidents.rows;
    assert_eq!(
        (
            rows.read,
            rows.counted,
            rows.excluded_rows(),
            rows.rejected_rows()
        ),
        (3, 2, 1, 0)
    );
    assert!(
        rows.excluded[0]
            .reason
            .to_string()
            .ends_with("export.csv:2")
    );
}

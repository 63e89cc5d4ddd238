//! Runs that used to end in exit 0 with money missing: every row rejected for a date format, a
//! period the export does not cover, a `;`-separated export; and the rejects file that lets the
//! rows be fixed and read again, from a file or from standard input.
//!
//! The contract: one service (`SIEM`, fee 1,000.00 EUR, UTC, monthly), P1 resolved within 4h,
//! 100.00 EUR a resolution breach. The export: October 2026, two P1 incidents: A1 resolved in
//! 2h (met), A2 in 6h (breached, 100.00 EUR).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONTRACT: &str = "id: T
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: siem, match: [\"SIEM\"], fee: 1000.00 }
severities:
  - { id: sev1, match: [\"P1\"], downtime: 0, resolve: { within: 4h } }
credits:
  rules:
    - { id: late, kind: per_breach, target: resolve, credit: 100.00 }
";

const HEADER: &str = "id,service,severity,opened,resolved,title\n";

/// A1 met (2h), A2 breached (6h > 4h).
const OCTOBER: &str = "A1,SIEM,P1,2026-10-03T10:00:00Z,2026-10-03T12:00:00Z,ok
A2,SIEM,P1,2026-10-04T10:00:00Z,2026-10-04T16:00:00Z,late
";

/// The same rows, the times written as a European spreadsheet writes them.
const OCTOBER_EUROPEAN: &str = "A1,SIEM,P1,03.10.2026 10:00,03.10.2026 12:00,ok
A2,SIEM,P1,04.10.2026 10:00,04.10.2026 16:00,late
";

fn directory(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("finance-trust")
        .join(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("temporary directory");
    path
}

fn write(directory: &Path, name: &str, text: &str) -> String {
    let path = directory.join(name);
    std::fs::write(&path, text).expect("written");
    path.display().to_string()
}

fn credits(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slacredit"));
    command
        .arg("credits")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("slacredit runs");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .expect("stdin written");
    drop(input);
    child.wait_with_output().expect("slacredit ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_export_whose_every_date_is_rejected_fails_and_names_the_setting_that_reads_it() {
    let dir = directory("european");
    let contract = write(&dir, "t.yaml", CONTRACT);
    let export = write(&dir, "e.csv", &format!("{HEADER}{OCTOBER_EUROPEAN}"));
    let rejects = dir.join("rejects.csv");
    let output = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-10",
            "--format",
            "csv",
            "--rejects",
            &rejects.display().to_string(),
        ],
        None,
    );
    let stderr = text(&output.stderr);
    // Before: exit 0 and no line, since `No credits owed` holds of no rows at all.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("rows: 2 read = 0 counted + 0 excluded + 2 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: rejected row {export}:2: column `opened` value `03.10.2026 10:00` not a timestamp in the expected format (RFC 3339 with an offset, like 2026-10-01T08:00:00+02:00); if the export writes its times another way, declare it in a mapping file: `timestamps: {{ format: \"%d.%m.%Y %H:%M\", timezone: <the zone of these times> }}` (docs/sources.md)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: 2 of 2 rows rejected (in {export}); the figures above leave them out."
        )),
        "{stderr}"
    );
    assert!(stderr.contains("2 rejected rows written to"), "{stderr}");
    // The rows as read, after where they were and why.
    let written = std::fs::read_to_string(&rejects).expect("rejects file written");
    let reason = "`03.10.2026 10:00` not a timestamp in the expected format (RFC 3339 with an offset, like 2026-10-01T08:00:00+02:00); if the export writes its times another way, declare it in a mapping file: `timestamps: { format: \"\"%d.%m.%Y %H:%M\"\", timezone: <the zone of these times> }` (docs/sources.md)";
    let reason_2 = reason.replace("03.10", "04.10");
    assert_eq!(
        written,
        format!(
            "file,line,column,reason,id,service,severity,opened,resolved,title\n\
             {export},2,opened,\"{reason}\",A1,SIEM,P1,03.10.2026 10:00,03.10.2026 12:00,ok\n\
             {export},3,opened,\"{reason_2}\",A2,SIEM,P1,04.10.2026 10:00,04.10.2026 16:00,late\n"
        )
    );
}

#[test]
fn the_rejects_file_fixed_reads_again_and_gives_the_credit() {
    let dir = directory("fixed");
    let contract = write(&dir, "t.yaml", CONTRACT);
    // A2 has its service misspelt; A1 is fine.
    let export = write(
        &dir,
        "e.csv",
        &format!("{HEADER}{}", OCTOBER.replace("A2,SIEM", "A2,SEIM")),
    );
    let rejects = dir.join("rejects.csv");
    let rejects_text = rejects.display().to_string();
    let first = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-10",
            "--format",
            "csv",
            "--rejects",
            &rejects_text,
        ],
        None,
    );
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    let written = std::fs::read_to_string(&rejects).expect("rejects file written");
    assert_eq!(
        written,
        format!(
            "file,line,column,reason,id,service,severity,opened,resolved,title\n\
             {export},3,service,\"`SEIM` matches no service of contract T (did you mean `SIEM`?); add it to a service's `match` list, or alias it with `values:` under `fields.service` in a mapping file (docs/sources.md)\",A2,SEIM,P1,2026-10-04T10:00:00Z,2026-10-04T16:00:00Z,late\n"
        )
    );
    // Fixed where it stands and read again: A2 resolved after 6h > 4h, one breach, 100.00 EUR.
    std::fs::write(&rejects, written.replace(",SEIM,", ",SIEM,")).expect("fixed");
    let again = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &rejects_text,
            "--period",
            "2026-10",
            "--format",
            "csv",
        ],
        None,
    );
    let stdout = text(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(stdout.contains(",100.00,EUR,A2,"), "{stdout}");
}

#[test]
fn standard_input_reads_as_a_file_does_and_its_rejected_rows_are_written() {
    let dir = directory("stdin");
    let contract = write(&dir, "t.yaml", CONTRACT);
    let export_text = format!("{HEADER}{OCTOBER}B9,SIEM,P1,yesterday,,typed by hand\n");
    let export = write(&dir, "e.csv", &export_text);
    let rejects = dir.join("rejects.csv");
    let args = |incidents: &str| {
        [
            "--contract",
            &contract,
            "--incidents",
            incidents,
            "--period",
            "2026-10",
            "--format",
            "csv",
            "--allow-rejected",
        ]
        .map(str::to_owned)
    };
    let from_file = credits(&args(&export).each_ref().map(String::as_str), None);
    let mut from_stdin_args = args("-").to_vec();
    from_stdin_args.extend(["--rejects".to_owned(), rejects.display().to_string()]);
    let from_stdin = credits(
        &from_stdin_args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        Some(&export_text),
    );
    assert_eq!(
        from_stdin.status.code(),
        Some(0),
        "{}",
        text(&from_stdin.stderr)
    );
    // One line, A2's 100.00 EUR, either way.
    assert_eq!(text(&from_stdin.stdout), text(&from_file.stdout));
    assert!(text(&from_stdin.stdout).contains(",100.00,EUR,A2,"));
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects file"),
        "file,line,column,reason,id,service,severity,opened,resolved,title\n\
         <stdin>,4,opened,\"`yesterday` not a timestamp in the expected format (RFC 3339 with an offset, like 2026-10-01T08:00:00+02:00); if the export writes its times another way, declare it in a mapping file: `timestamps: { format: <a strftime pattern>, timezone: <a zone> }` (docs/sources.md)\",B9,SIEM,P1,yesterday,,typed by hand\n"
    );
}

#[test]
fn no_rejected_row_gives_a_rejects_file_of_the_header_alone() {
    let dir = directory("none");
    let contract = write(&dir, "t.yaml", CONTRACT);
    let export = write(&dir, "e.csv", &format!("{HEADER}{OCTOBER}"));
    let rejects = dir.join("rejects.csv");
    let output = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-10",
            "--rejects",
            &rejects.display().to_string(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects file"),
        "file,line,column,reason,id,service,severity,opened,resolved,title\n"
    );
    // The rejects file may not be an export: writing it would destroy the rows it lists.
    let refused = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-10",
            "--rejects",
            &export,
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("is also an export given with --incidents"));
    assert_eq!(
        std::fs::read_to_string(&export).expect("export"),
        format!("{HEADER}{OCTOBER}")
    );
}

#[test]
fn a_period_the_export_does_not_cover_fails_and_says_what_it_covers() {
    let dir = directory("may");
    let contract = write(&dir, "t.yaml", CONTRACT);
    let export = write(&dir, "e.csv", &format!("{HEADER}{OCTOBER}"));
    let output = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-05",
        ],
        None,
    );
    let stderr = text(&output.stderr);
    // Before: `No credits owed.`, exit 0.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: none of the 2 rows read falls in 2026-05: the exports hold incidents opened from 2026-10-03T10:00:00Z to 2026-10-04T10:00:00Z, so the figures above say nothing of 2026-05. Check --period, or read the exports of 2026-05"
        ),
        "{stderr}"
    );
}

#[test]
fn a_quiet_period_inside_what_the_export_covers_is_a_warning() {
    let dir = directory("quiet");
    let contract = write(&dir, "t.yaml", CONTRACT);
    // One incident in September, one in November: October had none.
    let export = write(
        &dir,
        "e.csv",
        &format!(
            "{HEADER}S1,SIEM,P1,2026-09-03T10:00:00Z,2026-09-03T12:00:00Z,ok\n\
             N1,SIEM,P1,2026-11-03T10:00:00Z,2026-11-03T12:00:00Z,ok\n"
        ),
    );
    let output = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-10",
        ],
        None,
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: none of the 2 rows read counts in 2026-10, though the exports hold incidents opened from 2026-09-03T10:00:00Z to 2026-11-03T10:00:00Z: a quiet period"
        ),
        "{stderr}"
    );
}

#[test]
fn a_semicolon_export_read_with_commas_names_the_delimiter_setting() {
    let dir = directory("semicolon");
    let contract = write(&dir, "t.yaml", CONTRACT);
    let export = write(
        &dir,
        "e.csv",
        &format!("{HEADER}{OCTOBER}").replace(',', ";"),
    );
    let output = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &export,
            "--period",
            "2026-10",
        ],
        None,
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // Before: "column `id` (for id) is not in the header ...; the header has: id;service;...".
    assert!(
        stderr.contains(&format!(
            "error: {export}:1:1: column `id` (for id) is not in the header: the header reads as the one column `id;service;severity;opened;resolved;title`, which looks separated by `;`; declare `delimiter: \";\"` in a mapping file (docs/sources.md)"
        )),
        "{stderr}"
    );
}

#[test]
fn exports_with_different_headers_share_one_rejects_file_each_cell_under_its_name() {
    let dir = directory("two-headers");
    let contract = write(&dir, "t.yaml", CONTRACT);
    let first = write(
        &dir,
        "a.csv",
        &format!("{HEADER}{OCTOBER}X1,SEIM,P1,2026-10-05T10:00:00Z,,a\n"),
    );
    // Columns in another order, one more (`team`), one fewer (`title`).
    let second = write(
        &dir,
        "b.csv",
        "service,id,team,severity,opened,resolved\nSIEM,Y1,blue,P9,2026-10-06T10:00:00Z,\n",
    );
    let rejects = dir.join("rejects.csv");
    let output = credits(
        &[
            "--contract",
            &contract,
            "--incidents",
            &first,
            "--incidents",
            &second,
            "--period",
            "2026-10",
            "--allow-rejected",
            "--rejects",
            &rejects.display().to_string(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // The union of the headers in order of first appearance: a.csv's six, then b.csv's `team`.
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects file"),
        format!(
            "file,line,column,reason,id,service,severity,opened,resolved,title,team\n\
             {first},4,service,\"`SEIM` matches no service of contract T (did you mean `SIEM`?); add it to a service's `match` list, or alias it with `values:` under `fields.service` in a mapping file (docs/sources.md)\",X1,SEIM,P1,2026-10-05T10:00:00Z,,a,\n\
             {second},2,severity,`P9` matches no severity of contract T (known values: P1),Y1,SIEM,P9,2026-10-06T10:00:00Z,,,blue\n"
        )
    );
}

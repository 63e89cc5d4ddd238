//! Hostile and broken input: every bound of a contract checked by `validate` with the bound in
//! the message, holiday files that cannot leak or hang, contract walks that cannot loop,
//! control characters shown escaped on a terminal, and the plumbing (closed pipes, full disks,
//! panics) ending with the documented exit codes. Each case pins the exact behaviour.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_slacredit");

/// A fresh directory for one test.
fn temporary(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("slacredit-hardening-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    directory
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env("TZ", "America/Los_Angeles")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .env_remove("RUST_BACKTRACE");
    command
}

/// Runs to the end, reading its output meanwhile, and fails the test if that takes more than a
/// minute (a hang).
fn finish(mut child: Child) -> Output {
    fn drain(
        stream: Option<impl std::io::Read + Send + 'static>,
    ) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut stream) = stream {
                stream.read_to_end(&mut bytes).expect("reads the output");
            }
            bytes
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().expect("the stdout reader"),
        stderr: stderr.join().expect("the stderr reader"),
    }
}

fn run(args: &[&str]) -> Output {
    finish(
        command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// A small valid contract; `{claim}`, `{unit}`, `{multiplier}`, `{window}` and `{from}` are
/// filled in by each case.
const CONTRACT: &str = "id: T
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: {from} }
services:
  - { id: siem, match: [\"SIEM\"], fee: 1000.00 }
severities:
  - { id: sev1, match: [\"P1\"], downtime: 1, respond: { within: 15m }, resolve: { within: 4h } }
credits:
  claim: { within: {claim} }
  rules:
    - { id: late, kind: per_unit_late, target: resolve, unit: {unit}, credit: 100 }
    - { id: esc, kind: escalation, applies_to: [late], breaches: 1, within: {window}, multiplier: {multiplier} }
";

fn contract(claim: &str, unit: &str, multiplier: &str, window: &str, from: &str) -> String {
    CONTRACT
        .replace("{claim}", claim)
        .replace("{unit}", unit)
        .replace("{multiplier}", multiplier)
        .replace("{window}", window)
        .replace("{from}", from)
}

/// Writes `text` as `c.yaml` in a fresh directory and returns its path.
fn contract_file(name: &str, text: &str) -> PathBuf {
    let path = temporary(name).join("c.yaml");
    std::fs::write(&path, text).expect("written");
    path
}

/// `validate` of one file: its exit code and stderr.
fn validate(path: &Path) -> (Option<i32>, String) {
    let output = run(&["validate", path_text(path)]);
    (output.status.code(), text(&output.stderr))
}

// ---------------------------------------------------------------------------------------------
// 5. Bounds

#[test]
fn a_claim_window_of_a_hundred_million_days_is_a_validation_error_not_a_panic() {
    let path = contract_file(
        "claim",
        &contract("100000000d", "1h", "1.5", "90d", "2026-01-01"),
    );
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr.lines().next(),
        Some(
            format!(
                "error[invalid-value]: {}:12:20: `100000000d` is longer than 3650d (ten years), the longest duration slacredit accepts (at credits.claim.within)",
                path.display()
            )
            .as_str()
        )
    );
    // `credits` stops at the same diagnostic with exit 1, where it used to panic (exit 101).
    let incidents = path.with_file_name("export.csv");
    std::fs::write(
        &incidents,
        "id,service,severity,opened,acknowledged,resolved\nA1,SIEM,P1,2026-10-03T10:00:00Z,2026-10-03T10:05:00Z,2026-10-03T12:00:00Z\n",
    )
    .expect("written");
    let output = run(&[
        "credits",
        "--contract",
        path_text(&path),
        "--incidents",
        path_text(&incidents),
        "--period",
        "2026-10",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("`100000000d` is longer than 3650d"));
    assert!(!text(&output.stderr).contains("panicked"));
}

#[test]
fn a_claim_window_of_i64_max_seconds_is_a_validation_error() {
    let path = contract_file(
        "claim-max",
        &contract("9223372036854775807s", "1h", "1.5", "90d", "2026-01-01"),
    );
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            ":12:20: `9223372036854775807s` is longer than 3650d (ten years), the longest duration slacredit accepts (at credits.claim.within)"
        ),
        "{stderr}"
    );
}

#[test]
fn an_escalation_multiplier_of_ten_to_the_twelfth_on_a_per_unit_credit_is_a_validation_error() {
    let path = contract_file(
        "multiplier",
        &contract("30d", "1h", "1000000000000", "90d", "2026-01-01"),
    );
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            "`1000000000000` is more than 100, the largest multiplier a contract may state (at credits.rules[1].multiplier)"
        ),
        "{stderr}"
    );
    // 100 itself is accepted.
    let path = contract_file(
        "multiplier-100",
        &contract("30d", "1h", "100", "90d", "2026-01-01"),
    );
    assert_eq!(validate(&path), (Some(0), String::new()));
}

#[test]
fn a_date_two_hundred_thousand_years_back_with_a_huge_window_is_an_error_at_once() {
    let path = contract_file(
        "lookback",
        &contract("30d", "1h", "1.5", "100000000d", "-200000-01-01"),
    );
    let started = Instant::now();
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            ":6:20: `-200000-01-01` is outside the years 1900 to 9999, the dates slacredit accepts (at effective.from)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "`100000000d` is longer than 3650d (ten years), the longest duration slacredit accepts (at credits.rules[1].within)"
        ),
        "{stderr}"
    );
    // It used to run past five minutes; a minute is the generous ceiling of a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn every_duration_of_a_contract_is_bounded_at_3650_days() {
    // Each key given 3651d, one past the bound; (line, column, YAML path) of the value.
    let base = "id: T
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: siem, match: [\"SIEM\"], fee: 1000.00 }
severities:
  - { id: sev1, match: [\"P1\"], respond: { within: RESPOND }, resolve: { within: 4h }, rca: { within: RCA } }
notifications: { data_breach: { within: NOTIFY } }
maintenance:
  windows: [{ weekly: sun, from: \"02:00\", to: \"06:00\" }]
  notice: NOTICE
  cap: CAP
credits:
  claim: { within: CLAIM }
  rules:
    - { id: late, kind: per_unit_late, target: resolve, unit: LATEUNIT, credit: 100 }
    - { id: down, kind: per_unit_down, unit: DOWNUNIT, credit: 1%, min_outage: MINOUTAGE }
    - { id: esc, kind: escalation, applies_to: [late], breaches: 2, within: ESCALATION, multiplier: 2 }
termination:
  - { breaches: 3, target: respond, within: TERMINATION }
";
    let keys = [
        ("RESPOND", "severities[0].respond.within"),
        ("RCA", "severities[0].rca.within"),
        ("NOTIFY", "notifications.data_breach.within"),
        ("NOTICE", "maintenance.notice"),
        ("CAP", "maintenance.cap"),
        ("CLAIM", "credits.claim.within"),
        ("LATEUNIT", "credits.rules[0].unit"),
        ("DOWNUNIT", "credits.rules[1].unit"),
        ("MINOUTAGE", "credits.rules[1].min_outage"),
        ("ESCALATION", "credits.rules[2].within"),
        ("TERMINATION", "termination[0].within"),
    ];
    let valid = keys
        .iter()
        .fold(base.to_owned(), |text, (key, _)| text.replace(key, "3650d"));
    let warnings_only = slacredit::contract::load_contract_text("c.yaml", &valid);
    assert!(warnings_only.is_ok(), "{warnings_only:?}");
    for (key, path) in keys {
        let text = keys.iter().fold(base.to_owned(), |text, (other, _)| {
            text.replace(other, if *other == key { "3651d" } else { "1d" })
        });
        let problems = slacredit::contract::load_contract_text("c.yaml", &text)
            .expect_err("3651d is past the bound");
        let messages: Vec<String> = problems
            .iter()
            .map(|problem| format!("{} (at {})", problem.message, problem.path))
            .collect();
        assert_eq!(
            messages,
            [format!(
                "`3651d` is longer than 3650d (ten years), the longest duration slacredit accepts (at {path})"
            )],
            "{key}"
        );
    }
}

#[test]
fn amounts_and_multipliers_state_their_bound() {
    let base = "id: T
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: siem, match: [\"SIEM\"], fee: FEE }
severities:
  - { id: sev1, match: [\"P1\"], downtime: 1 }
credits:
  rules:
    - { id: multiple, kind: downtime_multiple, multiplier: MULTIPLE }
";
    let messages = |fee: &str, multiple: &str| -> Vec<String> {
        let text = base.replace("FEE", fee).replace("MULTIPLE", multiple);
        slacredit::contract::load_contract_text("c.yaml", &text)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|problem| problem.message)
            .collect()
    };
    assert_eq!(messages("1000000000000", "100"), Vec::<String>::new());
    assert_eq!(
        messages("1000000000000.01", "100"),
        [
            "`1000000000000.01` is larger than 1,000,000,000,000 (10^12), the largest number a contract may state"
        ]
    );
    assert_eq!(
        messages("1000", "100.5"),
        ["`100.5` is more than 100, the largest multiplier a contract may state"]
    );
}

#[test]
fn a_line_priced_at_every_bound_is_held_at_ten_to_the_eighteenth_instead_of_overflowing() {
    // The largest fee (10^12) at the largest rate (1000 % = 10^13 per started second of
    // lateness), escalated by the largest multiplier (100) from the first breach, on 1,000
    // incidents opened on 1 October 2026 (incident i at i seconds past midnight) and resolved on
    // 30 December 9999, judged as of the day after. 2026-10-01 to 9999-12-30 is 2,912,168 days
    // = 251,611,315,200 s; less the 1 s allowed, incident i is 251,611,315,199 − i seconds late.
    // Summed: 1,000 × 251,611,315,199 − (0 + … + 999 = 499,500) = 251,611,314,699,500 units.
    // One breach is about 10^13 × 2.5 × 10^11 × 100 = 2.5 × 10^26, inside Decimal; the line's
    // 1,000 of them, 2.5 × 10^29, would pass Decimal's 7.9 × 10^28 and panicked: it is held at
    // 10^18.
    let directory = temporary("ceiling");
    let contract = directory.join("c.yaml");
    std::fs::write(
        &contract,
        "id: T
provider: P
customer: C
currency: EUR
timezone: UTC
effective: { from: 2026-01-01 }
services:
  - { id: siem, match: [\"SIEM\"], fee: 1000000000000 }
severities:
  - { id: sev1, match: [\"P1\"], downtime: 0, resolve: { within: 1s } }
credits:
  rules:
    - { id: late, kind: per_unit_late, target: resolve, unit: 1s, credit: 1000% }
    - { id: esc, kind: escalation, applies_to: [late], breaches: 1, within: 1d, multiplier: 100 }
",
    )
    .expect("written");
    let mut export = String::from("id,service,severity,opened,acknowledged,resolved\n");
    for index in 0..1_000 {
        writeln!(
            export,
            "A{index},SIEM,P1,2026-10-01T00:{:02}:{:02}Z,,9999-12-30T00:00:00Z",
            index / 60,
            index % 60
        )
        .expect("writing to a String cannot fail");
    }
    let incidents = directory.join("export.csv");
    std::fs::write(&incidents, export).expect("written");
    let output = run(&[
        "credits",
        "--contract",
        path_text(&contract),
        "--incidents",
        path_text(&incidents),
        "--period",
        "2026-10",
        "--as-of",
        "9999-12-31T00:00:00Z",
        "--format",
        "json",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(lines[0]["rule"], "late");
    assert_eq!(lines[0]["quantity"], 251_611_314_699_500_u64);
    assert_eq!(lines[0]["amount_before_caps"], "1000000000000000000.00");
    assert_eq!(lines[0]["amount"], "1000000000000000000.00");
}

// ---------------------------------------------------------------------------------------------
// 6. Holiday files, contract walks, control characters

/// A contract in `directory` whose office calendar takes its holidays from `holidays`.
fn contract_with_holidays(directory: &Path, holidays: &str) -> PathBuf {
    let path = directory.join("c.yaml");
    std::fs::write(
        &path,
        format!(
            "id: T
provider: P
customer: C
currency: EUR
timezone: UTC
effective: {{ from: 2026-01-01 }}
calendars:
  office:
    weekly: {{ mon-fri: [\"08:00-18:00\"] }}
    holidays: [\"{holidays}\"]
services:
  - {{ id: siem, match: [\"SIEM\"], fee: 1000.00 }}
severities:
  - {{ id: sev1, match: [\"P1\"], respond: {{ within: 4h, calendar: office }} }}
"
        ),
    )
    .expect("written");
    path
}

#[cfg(unix)]
#[test]
fn a_holiday_symlink_out_of_the_contract_directory_is_refused_without_reading_it() {
    let directory = temporary("symlink-out");
    let secret = directory.join("environ");
    std::fs::write(&secret, "SECRET_TOKEN=hunter2\n").expect("written");
    let contracts = directory.join("contracts");
    std::fs::create_dir_all(&contracts).expect("dir");
    std::os::unix::fs::symlink(&secret, contracts.join("holidays.ics")).expect("symlink");
    std::os::unix::fs::symlink("/proc/self/environ", contracts.join("environ.ics"))
        .expect("symlink");
    let contract = contract_with_holidays(&contracts, "holidays.ics");
    let (code, stderr) = validate(&contract);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!(
            "{} is outside the contract's directory {}; a holiday file must be inside it (a symlink may not lead out)",
            contracts.join("holidays.ics").display(),
            contracts.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
    let contract = contract_with_holidays(&contracts, "environ.ics");
    let (code, stderr) = validate(&contract);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("environ.ics is outside the contract's directory"),
        "{stderr}"
    );
    std::fs::write(directory.join("outside.ics"), "SECRET_TOKEN=hunter2\n").expect("written");
    let contract = contract_with_holidays(&contracts, "../outside.ics");
    let (code, stderr) = validate(&contract);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("outside.ics is outside the contract's directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
}

#[cfg(unix)]
#[test]
fn a_fifo_named_as_holidays_is_refused_and_never_opened() {
    let directory = temporary("fifo");
    let fifo = directory.join("holidays.ics");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let contract = contract_with_holidays(&directory, "holidays.ics");
    // A FIFO with no writer would block a plain open for ever; `finish` fails the test after a
    // minute.
    let (code, stderr) = validate(&contract);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!(
            "{} is not a regular file; a holiday file cannot be a directory, device or FIFO",
            fifo.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_holiday_file_past_one_mebibyte_is_refused_and_other_files_are_quoted_briefly() {
    let directory = temporary("holiday-size");
    std::fs::write(directory.join("big.ics"), vec![b'A'; (1 << 20) + 1]).expect("written");
    let (code, stderr) = validate(&contract_with_holidays(&directory, "big.ics"));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("big.ics is larger than 1024 KiB, the most a holiday file may be"),
        "{stderr}"
    );
    std::fs::write(
        directory.join("env.ics"),
        "PATH=/usr/bin\u{1b}]0;owned\u{7}:/bin:/sbin:/usr/local/bin:/opt\nAWS_SECRET_ACCESS_KEY=abc\n",
    )
    .expect("written");
    let (code, stderr) = validate(&contract_with_holidays(&directory, "env.ics"));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            "env.ics is not an iCalendar file (BEGIN:VCALENDAR … END:VCALENDAR); it starts with `PATH=/usr/bin\\u{1b}]0;owned\\u{7}:/bin:/sbin:/usr/…`"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("AWS_SECRET_ACCESS_KEY"));
    assert!(!stderr.contains('\u{1b}'));
}

#[cfg(unix)]
#[test]
fn symlinks_that_loop_do_not_make_the_contract_walk_endless() {
    let directory = temporary("walk");
    let contracts = directory.join("contracts");
    std::fs::create_dir_all(contracts.join("sub")).expect("dirs");
    std::fs::write(
        contracts.join("sub").join("c.yaml"),
        contract("30d", "1h", "1.5", "90d", "2026-01-01"),
    )
    .expect("written");
    // Two links to `..` used to make the walk exponential and endless.
    std::os::unix::fs::symlink("..", contracts.join("sub").join("up")).expect("symlink");
    std::os::unix::fs::symlink("..", contracts.join("sub").join("up2")).expect("symlink");
    std::os::unix::fs::symlink(".", contracts.join("here")).expect("symlink");
    let output = run(&["validate", "--format", "json", path_text(&contracts)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "[]\n");
}

/// An export whose ids, titles and service values hold escape sequences: a breached sev1
/// response (30 min against 15 min) and a rejected row.
fn hostile_export(directory: &Path) -> PathBuf {
    let path = directory.join("export.csv");
    std::fs::write(
        &path,
        "id,service,severity,opened,started,acknowledged,resolved,title,maintenance,notified\n\
         SOC\u{1b}[31m9001,SIEM,P1,2026-10-03T10:00:00+02:00,,2026-10-03T10:30:00+02:00,2026-10-03T12:00:00+02:00,\u{1b}]0;pwned\u{7}title\u{1b}[2J\u{9b}1m,,\n\
         SOC-9002,fire\u{1b}[2Jwall,P1,2026-10-04T10:00:00+02:00,,,,x,,\n",
    )
    .expect("written");
    path
}

#[test]
fn escape_sequences_from_an_export_are_shown_escaped_on_a_terminal_and_kept_in_csv() {
    let directory = temporary("escapes");
    let export = hostile_export(&directory);
    let args = |command: &'static str, format: &'static str| {
        vec![
            command,
            "--contract",
            "contracts/acme-soc.yaml",
            "--incidents",
            path_text(&export),
            "--period",
            "2026-10",
            "--allow-rejected",
            "--format",
            format,
        ]
    };
    for (command, format) in [
        ("report", "table"),
        ("report", "markdown"),
        ("report", "html"),
        ("credits", "table"),
        ("credits", "markdown"),
    ] {
        let output = run(&args(command, format));
        assert_eq!(output.status.code(), Some(0), "{command} {format}");
        let stdout = text(&output.stdout);
        let stderr = text(&output.stderr);
        for (stream, shown) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(
                !shown.contains(['\u{1b}', '\u{7}', '\u{9b}']),
                "{command} {format} {stream}: {shown}"
            );
        }
        // Markdown and HTML escape `[` their own way after the control character.
        assert!(
            stdout.contains("SOC\\u{1b}"),
            "{command} {format}: {stdout}"
        );
        assert!(
            stderr.contains("`fire\\u{1b}[2Jwall`"),
            "{command} {format}: {stderr}"
        );
    }
    // CSV and JSON keep the data exact (JSON escapes it its own way).
    let csv = run(&args("report", "csv"));
    assert!(text(&csv.stdout).contains("SOC\u{1b}[31m9001"));
    let json = run(&args("report", "json"));
    assert!(text(&json.stdout).contains("SOC\\u001b[31m9001"));
    // `explain` shows the title escaped.
    let output = run(&[
        "explain",
        "--contract",
        "contracts/acme-soc.yaml",
        "--incidents",
        path_text(&export),
        "--period",
        "2026-10",
        "--allow-rejected",
        "--incident",
        "SOC\u{1b}[31m9001",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(
            "Incident SOC\\u{1b}[31m9001 \"\\u{1b}]0;pwned\\u{7}title\\u{1b}[2J\\u{9b}1m\"\n"
        ),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Plumbing

const EXAMPLE: [&str; 7] = [
    "--contract",
    "contracts/",
    "--incidents",
    "examples/acme-soc-2026-10.csv",
    "--period",
    "2026-10",
    "--allow-rejected",
];

/// Every command and format that writes to stdout.
fn every_output() -> Vec<Vec<&'static str>> {
    let mut cases = Vec::new();
    for command in ["report", "credits", "scorecard"] {
        for format in ["table", "csv", "json", "markdown", "html"] {
            if command == "credits" && format == "html" {
                continue;
            }
            let mut args = vec![command];
            args.extend(EXAMPLE);
            args.extend(["--format", format]);
            cases.push(args);
        }
    }
    let mut explain = vec!["explain"];
    explain.extend(EXAMPLE);
    explain.extend(["--incident", "SOC-1003"]);
    cases.push(explain);
    for format in ["table", "csv", "json", "markdown", "html"] {
        cases.push(vec![
            "compare",
            "--contract",
            "contracts/acme-soc.yaml",
            "--contract",
            "contracts/acme-soc.yaml",
            "--incidents",
            "examples/acme-soc-2026-10.csv",
            "--period",
            "2026-10",
            "--allow-rejected",
            "--format",
            format,
        ]);
    }
    for format in ["json", "github"] {
        cases.push(vec!["validate", "--format", format, "contracts/"]);
    }
    cases.push(vec!["schema"]);
    cases.push(vec!["schema", "--mapping"]);
    cases.push(vec!["man"]);
    cases.push(vec!["completions", "bash"]);
    cases
}

#[test]
fn a_stdout_closed_before_the_first_write_ends_quietly_with_exit_0_in_every_command() {
    for args in every_output() {
        let mut child = command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        // Hang up at once, before the command has written anything.
        drop(child.stdout.take());
        let output = finish(child);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_stdout_closed_after_the_first_line_ends_quietly_with_exit_0() {
    // Like `| head -1` on an output much larger than a pipe's buffer: 3,000 rows, each a
    // breached sev2 response (45 min against 30 min).
    let directory = temporary("head");
    let mut export = String::from("id,service,severity,opened,acknowledged,resolved,title\n");
    for index in 0..3_000 {
        let day = 1 + index % 28;
        let hour = index % 20;
        writeln!(
            export,
            "X{index},SIEM,P2,2026-10-{day:02}T{hour:02}:00:00+02:00,2026-10-{day:02}T{hour:02}:45:00+02:00,2026-10-{day:02}T{:02}:00:00+02:00,t{index}",
            hour + 2
        )
        .expect("writing to a String cannot fail");
    }
    let path = directory.join("export.csv");
    std::fs::write(&path, export).expect("written");
    for command_name in ["report", "credits"] {
        for format in ["table", "csv", "json", "markdown"] {
            let mut child = command(&[
                command_name,
                "--contract",
                "contracts/acme-soc.yaml",
                "--incidents",
                path_text(&path),
                "--period",
                "2026-10",
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
            let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
            let mut first = String::new();
            stdout.read_line(&mut first).expect("a first line");
            drop(stdout);
            let output = finish(child);
            let stderr = text(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{command_name} {format}: {stderr}"
            );
            assert!(
                !stderr.contains("error"),
                "{command_name} {format}: {stderr}"
            );
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_under_stdout_is_exit_2_with_a_message() {
    for args in [
        vec!["completions", "bash"],
        vec!["schema"],
        vec!["man"],
        vec![
            "credits",
            "--contract",
            "contracts/",
            "--incidents",
            "examples/acme-soc-2026-10.csv",
            "--period",
            "2026-10",
            "--allow-rejected",
            "--format",
            "csv",
        ],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full on Linux");
        let output = finish(
            command(&args)
                .stdout(full)
                .stderr(Stdio::piped())
                .spawn()
                .expect("starts"),
        );
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().last(),
            Some("error: No space left on device (os error 28)"),
            "{args:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stderr_is_exit_2_and_a_closed_one_is_ignored() {
    // The example's look-back note, rows and warnings go to stderr.
    let mut args = vec!["report"];
    args.extend(EXAMPLE);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full on Linux");
    let output = finish(
        command(&args)
            .stdout(Stdio::null())
            .stderr(full)
            .spawn()
            .expect("starts"),
    );
    assert_eq!(output.status.code(), Some(2));
    // A stderr whose reader hung up is a closed pipe: the run ends as it would have.
    let mut child = command(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stderr.take());
    let output = finish(child);
    assert_eq!(output.status.code(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// 8. Smaller

#[test]
fn a_contract_that_is_not_utf8_gets_one_message_at_the_first_bad_byte() {
    let directory = temporary("latin1");
    let path = directory.join("c.yaml");
    let mut bytes = contract("30d", "1h", "1.5", "90d", "2026-01-01").into_bytes();
    // `provider: Caf\xE9`: line 2, the 14th character.
    let at = bytes
        .windows(11)
        .position(|window| window == b"provider: P")
        .expect("the provider line")
        + 10;
    bytes.splice(at..=at, *b"Caf\xE9");
    std::fs::write(&path, bytes).expect("written");
    let expected = format!(
        "error[schema]: {}:2:14: the file is not UTF-8: byte 0xE9 here is not valid UTF-8",
        path.display()
    );
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1));
    assert_eq!(stderr.lines().next(), Some(expected.as_str()), "{stderr}");
    assert_eq!(stderr.matches("not UTF-8").count(), 1, "{stderr}");
    let output = run(&[
        "credits",
        "--contract",
        path_text(&path),
        "--incidents",
        "examples/acme-soc-2026-10.csv",
        "--period",
        "2026-10",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr.lines().next(), Some(expected.as_str()), "{stderr}");
    assert_eq!(stderr.matches("not UTF-8").count(), 1, "{stderr}");
}

#[test]
fn the_number_limit_message_states_ten_to_the_twelfth() {
    let path = contract_file(
        "limit",
        &contract("30d", "1h", "1.5", "90d", "2026-01-01")
            .replace("fee: 1000.00", "fee: 10000000000000"),
    );
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            ":8:39: `10000000000000` is larger than 1,000,000,000,000 (10^12), the largest number a contract may state (at services[0].fee)"
        ),
        "{stderr}"
    );
}

#[test]
fn validate_skip_leaves_the_check_unrun_and_its_findings_unshown() {
    // Two services whose patterns both accept `SIEM`: a `service-match-overlap` error.
    let path = contract_file(
        "skip",
        &contract("30d", "1h", "1.5", "90d", "2026-01-01").replace(
            "services:\n",
            "services:\n  - { id: other, match: [\"SI*\"], fee: 1.00 }\n",
        ),
    );
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("error[service-match-overlap]"), "{stderr}");
    let output = run(&[
        "validate",
        "--skip",
        "service-match-overlap",
        path_text(&path),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
    let output = run(&[
        "validate",
        "--skip",
        "dry-run",
        "--skip",
        "service-match-overlap",
        path_text(&path),
    ]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn an_error_names_its_cause_once() {
    let output = run(&[
        "credits",
        "--contract",
        "contracts/",
        "--incidents",
        "no/such/export.csv",
        "--period",
        "2026-10",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let last = stderr.lines().last().expect("a message");
    assert!(
        last.starts_with("error: cannot read no/such/export.csv"),
        "{last}"
    );
    assert_eq!(
        last.matches("No such file or directory").count(),
        1,
        "{last}"
    );
}

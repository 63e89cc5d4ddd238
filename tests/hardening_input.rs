//! Broken and hostile exports never lose a row: unclosed quotes, CR and CRLF line ends, blank
//! lines, line numbers past four billion, repeated ids in their thousands, a column read twice,
//! a delimiter that cannot separate cells, an exception naming a rejected row, and times shown
//! in words rather than seconds. Each case states the exact outcome.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use slacredit::contract::{Contract, load_contract_file};
use slacredit::incidents::{Incidents, Input, Source};

const HEADER: &str = "id,service,severity,opened,acknowledged,resolved,title";

/// The quote message's advice, the same in every quote error.
const FIX: &str = "a quote is missing or stray (a quote inside a quoted cell is written twice: \"\"); correct the export and read it again";

/// A fresh directory for one test's files.
fn directory(test: &str) -> PathBuf {
    let directory = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hardening_input")
        .join(test);
    // Left over from an earlier run, or not there: either way it is made anew.
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    directory
}

fn write(directory: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = directory.join(name);
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("a temporary file");
    path
}

/// The exit code, standard output and standard error of `slacredit ARGS`.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .args(args)
        .env("TZ", "America/Los_Angeles")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

/// `slacredit COMMAND --contract contracts/acme-soc.yaml --incidents EXPORT --period 2026-10 ...`
fn run_acme(command: &str, export: &Path, more: &[&str]) -> (Option<i32>, String, String) {
    let export = export.to_str().expect("a UTF-8 path");
    let mut args = vec![
        command,
        "--contract",
        "contracts/acme-soc.yaml",
        "--incidents",
        export,
        "--period",
        "2026-10",
    ];
    args.extend_from_slice(more);
    run(&args)
}

/// The last line of standard error: the error, after the contract's look-back note.
fn last_line(stderr: &str) -> &str {
    stderr.lines().last().unwrap_or_default()
}

fn acme() -> Contract {
    load_contract_file(Path::new("contracts/acme-soc.yaml")).expect("shipped contract")
}

/// Reads one export file with the ACME contract, keeping every valid row.
fn read(path: &Path, source: &Source) -> Result<Incidents, slacredit::Error> {
    let input = Input::open(path).expect("opens");
    slacredit::read_incidents(vec![input], source, &[acme()], &|_, _| Ok(()))
}

/// `(read, counted, excluded, rejected)`.
fn accounting(incidents: &Incidents) -> (u64, u64, u64, u64) {
    let rows = &incidents.rows;
    (
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows(),
    )
}

/// `(id, line)` of every incident kept, in line order.
fn kept(incidents: &Incidents) -> Vec<(String, u64)> {
    let mut kept: Vec<(String, u64)> = incidents
        .incidents
        .iter()
        .map(|incident| (incident.id.to_string(), incident.line))
        .collect();
    kept.sort_by_key(|(_, line)| *line);
    kept
}

#[test]
fn an_unclosed_quote_is_an_error_at_the_line_where_it_opened() {
    // The quote before `never closed` (line 3, column 35: 3 + 5 + 3 + 21 + 2 characters before
    // it) never closes, so A3 would be read as part of A2's title: before, `2 read = 2 counted`
    // and exit 0 even with --strict. Now no figure is given: exit 2.
    let directory = directory("unclosed");
    let export = write(
        &directory,
        "unclosed.csv",
        format!(
            "{HEADER}\n\
             A1,SIEM,P1,2026-10-03T10:00:00Z,2026-10-03T10:30:00Z,2026-10-03T12:00:00Z,ok\n\
             A2,SIEM,P1,2026-10-04T10:00:00Z,,,\"never closed\n\
             A3,SIEM,P1,2026-10-05T10:00:00Z,2026-10-05T11:30:00Z,2026-10-05T20:00:00Z,lost row\n"
        )
        .as_bytes(),
    );
    let (code, stdout, stderr) = run_acme("credits", &export, &["--strict"]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert_eq!(
        last_line(&stderr),
        format!(
            "error: {}:3:35: a quoted cell opened on line 3 is never closed: lines 3 to 4 (the end of the export) would be read as that one cell and the rows on them lost; {FIX}",
            export.display()
        )
    );
}

#[test]
fn a_quote_closed_by_the_quote_of_a_later_cell_is_an_error_at_both_lines() {
    // A2's quote is closed by the quote opening A4's title two lines on, followed by `C`: A3 and
    // A4 would be one cell with A2's title (before: `3 read = 2 counted + 1 rejected`, for 5
    // rows).
    let directory = directory("closed_later");
    let export = write(
        &directory,
        "closed-later.csv",
        format!(
            "{HEADER}\n\
             A1,SIEM,P1,2026-10-03T10:00:00Z,2026-10-03T10:30:00Z,2026-10-03T12:00:00Z,ok\n\
             A2,SIEM,P1,2026-10-04T10:00:00Z,,,\"never closed\n\
             A3,SIEM,P1,2026-10-05T10:00:00Z,,2026-10-05T20:00:00Z,lost row\n\
             A4,SIEM,P2,2026-10-06T10:00:00Z,,2026-10-06T20:00:00Z,\"Collector lag, alerts delayed\"\n\
             A5,SIEM,P2,2026-10-07T10:00:00Z,,2026-10-07T20:00:00Z,fine\n"
        )
        .as_bytes(),
    );
    let (code, stdout, stderr) = run_acme("report", &export, &["--allow-rejected"]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert_eq!(
        last_line(&stderr),
        format!(
            "error: {}:3:35: a quoted cell opened on line 3 closes on line 5, followed by `C` where a delimiter or a line end belongs: lines 3 to 5 would be read as that one cell and the rows on them lost; {FIX}",
            export.display()
        )
    );
}

/// 300,000 rows (about 27 MB, read in parallel parts) with a quote opened on row 3 (line 4) that
/// never closes; every tenth title is quoted when `quoted_titles`.
fn large_export_with_an_unclosed_quote(quoted_titles: bool) -> String {
    let mut text = format!("{HEADER}\n");
    for row in 0..300_000 {
        let day = 1 + row % 28;
        let title = if row == 2 {
            "\"never closed".to_owned()
        } else if quoted_titles && row % 10 == 9 {
            format!("\"Disk, full {row}\"")
        } else {
            format!("Disk full {row}")
        };
        writeln!(
            text,
            "R{row:06},SIEM,P2,2026-10-{day:02}T10:00:00Z,,2026-10-{day:02}T12:00:00Z,{title}"
        )
        .expect("a String takes any text");
    }
    text
}

#[test]
fn a_300000_row_export_with_an_unclosed_quote_near_the_top_gives_no_total() {
    // Before, the rows after the quote vanished into one title and a total was printed. The
    // quote is at column 60 of line 4 (`R000002,SIEM,P2,` is 16 characters, the two times and
    // the empty cell between them 43). With quoted titles further on, it closes at the first
    // (row 9, line 11), followed by `D`; without, it never closes and runs to line 300,001.
    let directory = directory("large");
    for (quoted, problem) in [
        (
            true,
            "closes on line 11, followed by `D` where a delimiter or a line end belongs: lines 4 to 11 would be read as that one cell and the rows on them lost",
        ),
        (
            false,
            "is never closed: lines 4 to 300001 (the end of the export) would be read as that one cell and the rows on them lost",
        ),
    ] {
        let export = write(
            &directory,
            &format!("large-{quoted}.csv"),
            large_export_with_an_unclosed_quote(quoted).as_bytes(),
        );
        let (code, stdout, stderr) = run_acme("credits", &export, &[]);
        assert_eq!(code, Some(2), "quoted titles: {quoted}");
        assert!(!stdout.contains("Total"), "no total: {stdout}");
        assert_eq!(
            last_line(&stderr),
            format!(
                "error: {}:4:60: a quoted cell opened on line 4 {problem}; {FIX}",
                export.display()
            )
        );
    }
}

/// An export whose lines end with `end`: a header (line 1), A1 (2), a blank line, A1 again
/// (4, identical), A2 (5), two blank lines, A3 with severity P9 (8), A4 (9).
fn export_with_line_ends(end: &str) -> String {
    let rows = [
        HEADER,
        "A1,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,one",
        "",
        "A1,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,one",
        "A2,SIEM,P2,2026-10-06T10:00:00Z,,2026-10-06T12:00:00Z,two",
        "",
        "",
        "A3,SIEM,P9,2026-10-07T10:00:00Z,,2026-10-07T12:00:00Z,three",
        "A4,EDR,P2,2026-10-08T10:00:00Z,,2026-10-08T12:00:00Z,four",
    ];
    rows.map(|row| format!("{row}{end}")).concat()
}

#[test]
fn lf_crlf_and_cr_line_ends_and_blank_lines_give_the_lines_an_editor_shows() {
    // Every kind of line end: 5 read = 3 counted (A1, A2, A4) + 1 excluded (A1's copy, line 4,
    // a duplicate of line 2) + 1 rejected (A3, line 8). Before, a CR-only file put every row on
    // line 1, and taking back the duplicate took every row with it; after blank lines a row was
    // put on the first blank line's number.
    let directory = directory("line_ends");
    let mut outputs = Vec::new();
    for (name, end) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        let export = write(
            &directory,
            &format!("{name}.csv"),
            export_with_line_ends(end).as_bytes(),
        );
        let incidents = read(&export, &Source::generic()).expect("reads");
        assert_eq!(accounting(&incidents), (5, 3, 1, 1), "{name}");
        assert_eq!(
            kept(&incidents),
            [
                ("A1".to_owned(), 2),
                ("A2".to_owned(), 5),
                ("A4".to_owned(), 9)
            ],
            "{name}"
        );
        let rejected = &incidents.rows.rejected[0];
        assert_eq!((rejected.line, rejected.column.as_str()), (8, "severity"));
        assert_eq!(
            incidents.rows.excluded[0].reason.to_string(),
            format!("duplicate of the identical row at {}:2", export.display())
        );
        // The whole run: the same credit lines whatever the line ends (the file names aside).
        let (code, stdout, _) =
            run_acme("credits", &export, &["--format", "csv", "--allow-rejected"]);
        assert_eq!(code, Some(0), "{name}");
        outputs.push(stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn a_duplicate_ending_cr_cr_lf_in_a_crlf_export_keeps_the_row_after_it() {
    // `\r\r\n` is a lone CR and a CRLF: two line ends, so A2 is on line 5. Before, A2 was put on
    // line 3, the duplicate's, and taking the duplicate back took A2 with it.
    // 3 read = 2 counted + 1 excluded.
    let directory = directory("cr_cr_lf");
    let row = "A1,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,one";
    let export = write(
        &directory,
        "crcrlf.csv",
        format!(
            "{HEADER}\r\n{row}\r\n{row}\r\r\nA2,SIEM,P2,2026-10-06T10:00:00Z,,2026-10-06T12:00:00Z,two\r\n"
        )
        .as_bytes(),
    );
    let incidents = read(&export, &Source::generic()).expect("reads");
    assert_eq!(accounting(&incidents), (3, 2, 1, 0));
    assert_eq!(
        kept(&incidents),
        [("A1".to_owned(), 2), ("A2".to_owned(), 5)]
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "reads 4 GiB of blank lines; `cargo test --release` runs it"
)]
fn line_numbers_past_four_billion_do_not_wrap() {
    // A 4 MB gzip file: A1 on line 2, then 4,294,967,294 blank lines (4,095 gzip members of
    // 1 MiB of LF and one of 1 MiB - 2), then X1 twice (lines 4,294,967,297 and ..298). In 32
    // bits the copy's line wrapped to 2, A1's. 3 read = 2 counted + 1 excluded.
    use flate2::{Compression, write::GzEncoder};
    let gzip = |bytes: &[u8]| {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    };
    let x1 = "X1,SIEM,P2,2026-10-06T10:00:00Z,,2026-10-06T12:00:00Z,x\n";
    let mut bytes = gzip(
        format!("{HEADER}\nA1,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,a\n").as_bytes(),
    );
    let blank = gzip(&vec![b'\n'; 1 << 20]);
    for _ in 0..4_095 {
        bytes.extend_from_slice(&blank);
    }
    let mut last = vec![b'\n'; (1 << 20) - 2];
    last.extend_from_slice(format!("{x1}{x1}").as_bytes());
    bytes.extend_from_slice(&gzip(&last));
    let directory = directory("wrap");
    let export = write(&directory, "wrap.csv.gz", &bytes);
    let incidents = read(&export, &Source::generic()).expect("reads");
    std::fs::remove_dir_all(&directory).expect("removed");
    assert_eq!(accounting(&incidents), (3, 2, 1, 0));
    assert_eq!(
        kept(&incidents),
        [("A1".to_owned(), 2), ("X1".to_owned(), 4_294_967_297)]
    );
    assert_eq!(
        incidents.rows.excluded[0].reason.to_string(),
        format!(
            "duplicate of the identical row at {}:4294967297",
            export.display()
        )
    );
}

/// `copies` rows of one id, `DUP-1`, each resolved a minute after the one before.
fn conflicting_copies(copies: usize) -> String {
    let mut text = format!("{HEADER}\n");
    for copy in 0..copies {
        let minutes = 12 * 60 + copy;
        let (day, hour, minute) = (3 + minutes / 1440, minutes % 1440 / 60, minutes % 60);
        writeln!(
            text,
            "DUP-1,SIEM,P2,2026-10-03T10:00:00Z,,2026-10-{day:02}T{hour:02}:{minute:02}:00Z,copy {copy}"
        )
        .expect("a String takes any text");
    }
    text
}

/// The rejections of a `report --format json` run: `(line, reason)`.
fn json_rejections(json: &str) -> Vec<(u64, String)> {
    let report: serde_json::Value = serde_json::from_str(json).expect("JSON");
    report["rows"]["rejected"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|rejection| {
            (
                rejection["line"].as_u64().expect("a line"),
                rejection["reason"].as_str().expect("a reason").to_owned(),
            )
        })
        .collect()
}

#[test]
fn conflicting_copies_of_one_id_give_a_report_that_grows_linearly() {
    // Each copy names one other (the first names the next; the others name the first) and counts
    // the rest. Before, each listed all the others: 6,000 copies gave 570 MB of JSON and
    // 20,000 ran out of memory. Now about 226 bytes a copy (1.36 MB and 4.6 MB here).
    let directory = directory("conflicts");
    let mut sizes = Vec::new();
    for copies in [6_000, 20_000] {
        let export = write(
            &directory,
            &format!("conflicts-{copies}.csv"),
            conflicting_copies(copies).as_bytes(),
        );
        let (code, json, _) = run_acme("report", &export, &["--format", "json"]);
        assert_eq!(code, Some(1));
        let name = export.display();
        let others = copies - 1;
        let rejections = json_rejections(&json);
        assert_eq!(rejections.len(), copies);
        assert_eq!(
            rejections[0],
            (
                2,
                format!(
                    "the same id appears with different content in {others} other rows, the next at {name}:3"
                )
            )
        );
        let last = u64::try_from(copies).expect("small") + 1;
        assert_eq!(
            rejections[copies - 1],
            (
                last,
                format!(
                    "the same id appears with different content in {others} other rows, the first at {name}:2"
                )
            )
        );
        // At most 400 bytes of JSON a copy, the file's name counted twice in each.
        let bound = copies * (400 + 2 * name.to_string().len());
        assert!(json.len() < bound, "{copies} copies: {} bytes", json.len());
        sizes.push(json.len());
    }
    // 3.33 times the copies, at most 3.4 times the bytes: linear, not quadratic (11.1 times).
    assert!(sizes[1] * 10 < sizes[0] * 34, "{sizes:?}");
}

#[test]
fn an_id_mapped_to_the_service_column_gives_a_small_report() {
    // A mapping mistake: `id: service`. 5,000 rows of three services (SIEM on lines 2, 5, ...,
    // 1,667 rows; EDR 1,667; siem-collector 1,666) become three ids whose copies all differ:
    // all 5,000 rejected, each naming one other row. Before: 89 MB of JSON.
    let directory = directory("id_service");
    let mut text = format!("{HEADER}\n");
    for row in 0..5_000 {
        let service = ["SIEM", "EDR", "siem-collector"][row % 3];
        let day = 1 + row % 28;
        writeln!(
            text,
            "INC{row:05},{service},P2,2026-10-{day:02}T10:00:00Z,,2026-10-{day:02}T11:{:02}:00Z,row {row}",
            row % 60
        )
        .expect("a String takes any text");
    }
    let export = write(&directory, "export.csv", text.as_bytes());
    let mapping = write(
        &directory,
        "mapping.yaml",
        b"preset: generic\nfields:\n  id: service\n",
    );
    let (code, json, _) = run_acme(
        "report",
        &export,
        &[
            "--source",
            mapping.to_str().expect("a UTF-8 path"),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(1));
    let rejections = json_rejections(&json);
    assert_eq!(rejections.len(), 5_000);
    assert_eq!(
        rejections[0],
        (
            2,
            format!(
                "the same id appears with different content in 1666 other rows, the next at {}:5",
                export.display()
            )
        )
    );
    assert!(json.len() < 2_000_000, "{} bytes", json.len());
}

#[test]
fn a_column_read_twice_in_the_header_is_an_error_naming_both() {
    // `service` is columns 2 and 5: before, column 2 was read and column 5 (EDR) silently left
    // out. A column the source does not read may repeat (`note` twice is fine).
    let directory = directory("header");
    let export = write(
        &directory,
        "twice.csv",
        b"id,service,severity,opened,service,resolved\nA1,SIEM,P1,2026-10-03T10:00:00Z,EDR,\n",
    );
    let (code, stdout, stderr) = run_acme("credits", &export, &[]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert_eq!(
        last_line(&stderr),
        format!(
            "error: {}:1:1: column `service` (for service) is in the header 2 times, as columns 2 and 5: slacredit cannot tell which one holds the value; rename the others in the export, or read another column with a mapping file",
            export.display()
        )
    );
    let export = write(
        &directory,
        "notes.csv",
        b"id,note,service,severity,opened,note\nA1,a,SIEM,P1,2026-10-03T10:00:00Z,b\n",
    );
    let incidents = read(&export, &Source::generic()).expect("reads");
    assert_eq!(accounting(&incidents), (1, 1, 0, 0));
}

#[test]
fn a_delimiter_must_be_one_printable_character_other_than_a_quote() {
    // A quote, a line end, a NUL, a space and a CR cannot separate cells; `;`, `|` and a tab can.
    let directory = directory("delimiter");
    for (written, shown) in [
        (r#""\"""#, r#""\"""#),
        (r#""\n""#, r#""\n""#),
        (r#""\0""#, r#""\0""#),
        (r#"" ""#, r#"" ""#),
        (r#""\r""#, r#""\r""#),
        (r#"";;""#, r#"";;""#),
    ] {
        let mapping = write(
            &directory,
            "bad.yaml",
            format!("preset: generic\ndelimiter: {written}\n").as_bytes(),
        );
        let error = Source::load(&mapping).expect_err(written).to_string();
        assert_eq!(
            error,
            format!(
                "{}:2:12: `delimiter: {shown}` must be one printable ASCII character other than a quote (like \";\" or \"|\"), or a tab (\"\\t\"): a quote, a space, a line end or another control character cannot separate cells",
                mapping.display()
            )
        );
        let (code, _, stderr) = run(&["validate", mapping.to_str().expect("UTF-8")]);
        assert_eq!(code, Some(1));
        assert!(
            stderr.contains("(at delimiter)"),
            "validate names the key: {stderr}"
        );
    }
    for (written, byte) in [(r#"";""#, b';'), (r#""|""#, b'|'), (r#""\t""#, b'\t')] {
        let mapping = write(
            &directory,
            "good.yaml",
            format!("preset: generic\ndelimiter: {written}\n").as_bytes(),
        );
        assert_eq!(Source::load(&mapping).expect(written).delimiter, byte);
    }
}

#[test]
fn an_exception_naming_a_rejected_row_names_the_rejection() {
    // SOC-9's only row is rejected for its severity; the exception for it waives nothing. Before:
    // "is in no incident export read", though the row is there.
    let directory = directory("exception");
    let export = write(
        &directory,
        "export.csv",
        format!(
            "{HEADER}\n\
             SOC-1,SIEM,P1,2026-10-03T10:00:00Z,,2026-10-03T12:00:00Z,ok\n\
             SOC-9,SIEM,P9,2026-10-04T10:00:00Z,,,bad severity\n"
        )
        .as_bytes(),
    );
    let exceptions = write(
        &directory,
        "exceptions.csv",
        b"incident,approved_by,approved_on,reason\nSOC-9,J. Doe,2026-11-02,agreed\n",
    );
    let (code, stdout, stderr) = run_acme(
        "credits",
        &export,
        &[
            "--exceptions",
            exceptions.to_str().expect("UTF-8"),
            "--allow-rejected",
        ],
    );
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    let lines: Vec<&str> = stderr.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "error: exceptions that waive no incident counted:".to_owned(),
            format!(
                "  {}:2: incident `SOC-9` is only in rejected rows, so there is nothing to waive: {}:3: column `severity` value `P9` matches no severity of contract ACME-SOC-2026 (known values: P1, 1 - Critical, P2, 2 - High, P3, 3 - Moderate, P4, 4 - Low)",
                exceptions.display(),
                export.display()
            ),
        ]
    );
}

#[test]
fn times_in_a_rejection_are_rfc_3339_in_the_rows_own_time_not_seconds() {
    // `started` after `opened`: before, `(1791021600 > 1791018000)`. Written with an offset, the
    // opened time is shown with that offset; read in a declared zone (Europe/Berlin, +02:00 in
    // October), it is shown in that zone.
    let directory = directory("times");
    let export = write(
        &directory,
        "offset.csv",
        b"id,service,severity,opened,started\nA1,SIEM,P1,2026-10-03T11:00:00+02:00,2026-10-03T12:00:00+02:00\n",
    );
    let incidents = read(&export, &Source::generic()).expect("reads");
    let rejection = &incidents.rows.rejected[0];
    assert_eq!(
        rejection.reason,
        "is after `opened` (2026-10-03T11:00:00+02:00); the failure cannot begin after it was detected"
    );
    let mapping = write(
        &directory,
        "local.yaml",
        b"preset: generic\ntimestamps: { format: \"%d/%m/%Y %H:%M\", timezone: Europe/Berlin }\n",
    );
    let source = Source::load(&mapping).expect("a valid mapping");
    let export = write(
        &directory,
        "local.csv",
        b"id,service,severity,opened,started,resolved\nA1,SIEM,P1,03/10/2026 11:00,03/10/2026 12:00,\nA2,SIEM,P1,03/10/2026 11:00,,03/10/2026 10:30\n",
    );
    let incidents = read(&export, &source).expect("reads");
    let reasons: Vec<&str> = incidents
        .rows
        .rejected
        .iter()
        .map(|rejection| rejection.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "is after `opened` (2026-10-03T11:00:00+02:00); the failure cannot begin after it was detected",
            "is before `opened` (2026-10-03T11:00:00+02:00)",
        ]
    );
}

#[test]
fn a_paused_total_past_ten_years_is_rejected_instead_of_overflowing_the_deadline() {
    let directory = directory("paused_total");
    // SOC-1 is a sev1 SIEM incident paused for i64::MAX seconds: a deadline 4h + 2^63 − 1 s
    // after opening would overflow. The total is refused with the bound; SOC-2 still counts.
    let export = write(
        &directory,
        "paused.csv",
        b"id,service,severity,opened,acknowledged,resolved,paused\n\
          SOC-1,SIEM,P1,2026-10-03T10:00:00Z,2026-10-03T10:05:00Z,2026-10-03T12:00:00Z,9223372036854775807\n\
          SOC-2,SIEM,P1,2026-10-04T10:00:00Z,2026-10-04T10:05:00Z,2026-10-04T12:00:00Z,1h\n",
    );
    let (code, _, stderr) = run_acme("credits", &export, &["--format", "csv"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "paused.csv:2: column `paused` value `9223372036854775807` is longer than 3650d (ten years), the longest pause slacredit accepts"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("rows: 2 read = 1 counted + 0 excluded + 1 rejected"),
        "{stderr}"
    );
}

//! `slacredit claim`: the claim model of the shipped ACME example worked out by hand, the
//! contract's claim terms and their placeholder checks, and the command's outputs (stdout,
//! `-o DIR`, one period only, escaping, the same bytes on every run).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use slacredit::calc::Detail;
use slacredit::calc::claim::{ClauseKind, CreditClaim, credit_claim};
use slacredit::contract::excerpt::node_lines;
use slacredit::contract::load_contract_text;
use slacredit::contract::template::{Field, Part};
use slacredit::incidents::{Exceptions, Input, Source};
use slacredit::money::Decimal;

const CONTRACT: &str = "contracts/acme-soc.yaml";
const EXPORT: &str = "examples/acme-soc-2026-10.csv";

fn money(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// The claim of ACME-SOC-2026 for October 2026 from the shipped export.
fn acme_october() -> CreditClaim {
    let contract =
        slacredit::contract::load_contract_file(Path::new(CONTRACT)).expect("the shipped contract");
    let evaluation = slacredit::evaluate_detailed(
        std::slice::from_ref(&contract),
        vec![Input::open(Path::new(EXPORT)).expect("the October export")],
        &Source::generic(),
        ("2026-10".parse().expect("a period"), None),
        &Exceptions::default(),
        &slacredit::Options {
            detail: Detail::Full,
            threads: 1,
            wanted: &|_, _| true,
        },
    )
    .expect("the evaluation runs");
    assert_eq!(evaluation.report.contracts.len(), 1);
    credit_claim(
        &evaluation.contracts,
        &evaluation.report,
        0,
        &evaluation.steps,
        &evaluation.incidents,
    )
}

#[test]
fn the_acme_october_claim_is_worked_out_by_hand() {
    let claim = acme_october();
    assert_eq!(claim.provider, "Acme Security GmbH");
    assert_eq!(claim.customer, "Example Corp");
    assert_eq!(
        claim.contact.as_deref(),
        Some("Acme Security GmbH, Service Credits, credits@acme.example")
    );
    // Per line (service, rule, before caps, after caps):
    // - edr availability: 99.0604 % is below 99.5 (not below 99.0): 10 % x 18000.00 = 1800.00.
    // - siem availability: 99.0004 % likewise: 10 % x 42000.00 = 4200.00.
    // - siem response: SOC-1002 and SOC-1003 responded late; SOC-1003 is the 2nd late response
    //   within 90 days, escalated x1.5: 1000.00 + 1500.00 = 2500.00. The service cap is
    //   15 % x 42000.00 = 6300.00; availability took 4200.00 first, so 2100.00 is left and the
    //   line is reduced by 400.00.
    // - siem resolution: SOC-1003 resolved in 4h30m against 4h: 2 % x 42000.00 = 840.00, and
    //   nothing is left under the cap: 0.00.
    let lines: Vec<(&str, &str, Decimal, Decimal)> = claim
        .lines
        .iter()
        .map(|line| {
            (
                line.credit.service.as_str(),
                line.credit.rule.as_str(),
                line.credit.amount_before_caps,
                line.credit.amount,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("edr", "availability", money("1800.00"), money("1800.00")),
            ("siem", "availability", money("4200.00"), money("4200.00")),
            ("siem", "response", money("2500.00"), money("2100.00")),
            ("siem", "resolution", money("840.00"), money("0.00")),
        ]
    );
    // 1800.00 + 4200.00 + 2100.00 + 0.00.
    assert_eq!(claim.total, money("8100.00"));
    assert_eq!(claim.total.to_string(), "8100.00");
    // October ends at local midnight on 1 November; the contract allows 30 days: 1 November + 30
    // days = 1 December (November has 30 days).
    assert_eq!(claim.claim_by, NaiveDate::from_ymd_opt(2026, 12, 1));
    assert_eq!(claim.claim_within, Some(30 * 86_400));
}

#[test]
fn each_line_names_its_clauses_breaches_and_outages() {
    let claim = acme_october();
    let clauses = |index: usize| -> Vec<(ClauseKind, u32)> {
        claim.lines[index]
            .clauses
            .iter()
            .map(|clause| (clause.kind.clone(), clause.line))
            .collect()
    };
    // The availability rule starts at line 73, the edr entry at line 26, the band applied
    // (`below: 99.5`) is line 77.
    assert_eq!(
        clauses(0),
        [
            (ClauseKind::Rule("availability".to_owned()), 73),
            (ClauseKind::Service("edr".to_owned()), 26),
            (ClauseKind::Band, 77),
        ]
    );
    // The response rule (79), the escalation that multiplied SOC-1003 (89) and the cap that
    // reduced it (68).
    assert_eq!(
        clauses(2),
        [
            (ClauseKind::Rule("response".to_owned()), 79),
            (ClauseKind::Escalation("chronic".to_owned()), 89),
            (ClauseKind::Cap, 68),
        ]
    );
    // Response breaches: SOC-1002 (sev2, 30m allowed, acknowledged after 45m: 15m over, row 4)
    // and SOC-1003 (sev1, 15m allowed, 20m taken: 5m over, row 5).
    let breaches: Vec<(String, i64, i64, String)> = claim.lines[2]
        .breaches
        .iter()
        .map(|breach| {
            (
                breach.incident.to_string(),
                breach.allowed_seconds,
                breach.over_by_seconds,
                breach.source.to_string(),
            )
        })
        .collect();
    assert_eq!(
        breaches,
        [
            (
                "SOC-1002".to_owned(),
                1800,
                900,
                "examples/acme-soc-2026-10.csv:4".to_owned()
            ),
            (
                "SOC-1003".to_owned(),
                900,
                300,
                "examples/acme-soc-2026-10.csv:5".to_owned()
            ),
        ]
    );
    // Resolution: SOC-1003 only, 4h allowed, 4h30m taken.
    let resolution = &claim.lines[3].breaches;
    assert_eq!(resolution.len(), 1);
    assert_eq!(
        (resolution[0].allowed_seconds, resolution[0].actual_seconds),
        (14_400, 16_200)
    );
    assert!(claim.lines[2].downtime.is_none());
    // edr: October has 745 hours in Berlin (the clocks go back on the 25th) = 2682000 s. Its
    // outages: SOC-2001 (sev2, weight 0.5, 6h) and SOC-2002 (sev1, 4h): 3h + 4h weighted =
    // 25200 s, 10h in the union.
    let edr = claim.lines[0].downtime.as_ref().expect("availability line");
    assert_eq!(edr.measured_seconds, 2_682_000);
    assert_eq!(edr.downtime_seconds, 36_000);
    assert_eq!(edr.weighted_downtime_seconds, Decimal::from(25_200));
    let ids: Vec<&str> = edr
        .outages
        .iter()
        .map(|row| row.incident.as_str())
        .collect();
    assert_eq!(ids, ["SOC-2001", "SOC-2002"]);
    // siem: 3h of maintenance excluded, 2671200 s measured. Weighted downtime: SOC-1001 1h40m
    // (6000 s), SOC-1002 sev2 after SOC-1001 ends 1h30m x 0.5 (2700 s), SOC-1003 4h30m (16200
    // s), SOC-1005 10m before the period ends (600 s), SOC-3002 maintenance short of notice 20m
    // (1200 s): 26700 s.
    let siem = claim.lines[1].downtime.as_ref().expect("availability line");
    assert_eq!(siem.measured_seconds, 2_671_200);
    assert_eq!(siem.weighted_downtime_seconds, Decimal::from(26_700));
    let rows: Vec<(&str, bool)> = siem
        .outages
        .iter()
        .map(|row| (row.incident.as_str(), row.maintenance))
        .collect();
    assert_eq!(
        rows,
        [
            ("SOC-1001", false),
            ("SOC-1002", false),
            ("SOC-1003", false),
            ("SOC-1005", false),
            ("SOC-3001", true),
            ("SOC-3002", true),
        ]
    );
}

#[test]
fn maintenance_exclusions_and_the_claim_clause_are_listed() {
    let claim = acme_october();
    // SOC-3001: Sunday 11 October 02:00-05:00 local, inside the 02:00-06:00 window, announced 10
    // days ahead: 3h excluded. SOC-3002: Sunday 18 October 02:00-02:20, announced 1d9h ahead
    // (less than the 5d notice): 20m of downtime.
    assert_eq!(claim.maintenance.len(), 1);
    let siem = &claim.maintenance[0];
    assert_eq!(
        (
            siem.service.as_str(),
            siem.excluded_seconds,
            siem.downtime_seconds
        ),
        ("siem", 10_800, 1_200)
    );
    assert_eq!(claim.excluded_causes, ["customer", "force_majeure"]);
    // SOC-1004 is in the export twice, identically: one copy is left out.
    assert_eq!(claim.excluded_rows.len(), 1);
    assert_eq!(claim.excluded_rows[0].rows, 1);
    assert!(claim.disputed.is_empty());
    // The claim terms are lines 69-71 of the contract: a flow mapping over three lines.
    let at = claim.claim_clause.expect("the contract has claim terms");
    let text = std::fs::read_to_string(CONTRACT).expect("the contract");
    let quoted: Vec<u32> = node_lines(&text, at.line, at.column)
        .iter()
        .map(|line| line.number)
        .collect();
    assert_eq!(quoted, [69, 70, 71]);
    let opening = claim
        .opening
        .as_ref()
        .expect("the contract words its opening");
    assert!(opening.uses(Field::Provider));
}

/// A contract whose claim terms are `claim` (written at two spaces under `credits:`).
fn with_claim(claim: &str) -> Result<slacredit::contract::Contract, Vec<slacredit::Diagnostic>> {
    load_contract_text(
        "claim.yaml",
        &format!(
            "id: C\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
             effective: {{ from: 2026-01-01 }}\n\
             services:\n  - {{ id: web, match: [web], fee: 100.00 }}\n\
             severities:\n  - {{ id: sev1, match: [P1], respond: {{ within: 15m }} }}\n\
             credits:\n{claim}  rules: []\n"
        ),
    )
}

#[test]
fn an_unknown_placeholder_is_an_error_at_its_own_line_and_column() {
    // Line 12 is `  claim:`, 13 `within`, 14 `template:`, 15 the opening on one line, 16 the
    // closing's `>`, 17-18 its folded text: `{totl}` is on line 18 after eight spaces and `by `
    // (column 12), although the folded value holds it on one line with `Pay`.
    let problems = with_claim(
        "  claim:\n    within: 30d\n    template:\n      opening: \"{customer} claims {{braces}}\"\n      closing: >\n        Pay {currency}\n        by {totl} soon.\n",
    )
    .expect_err("an unknown placeholder");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let problem = &problems[0];
    assert_eq!(problem.check, "invalid-value");
    assert_eq!((problem.location.line, problem.location.column), (18, 12));
    assert_eq!(problem.path, "credits.claim.template.closing");
    assert_eq!(problem.message, "unknown placeholder `{totl}`");
    assert_eq!(
        problem.hint.as_deref(),
        Some(
            "did you mean `total`? Known placeholders: provider, customer, contract, title, period, total, currency, claim_by"
        )
    );
}

#[test]
fn placeholders_need_their_braces_and_claim_by_needs_a_window() {
    // A quoted opening on line 14: after six spaces, `opening: ` and the quote, `We claim `
    // takes columns 17-25, and `{total` at column 26 never closes.
    let problems = with_claim("  claim:\n    template:\n      opening: \"We claim {total now\"\n")
        .expect_err("an unclosed placeholder");
    assert_eq!(
        (
            problems[0].location.line,
            problems[0].location.column,
            problems[0].message.as_str()
        ),
        (14, 26, "`{` opens a placeholder that is never closed")
    );
    // `{claim_by}` without `within`: there is no date to put there.
    let problems = with_claim("  claim: { template: { closing: \"Claimed by {claim_by}.\" } }\n")
        .expect_err("claim_by without a window");
    assert_eq!(
        problems[0].message,
        "`{claim_by}` needs a claim window, and the contract sets none"
    );
    assert_eq!(problems[0].location.line, 12);
    // With a window, literal braces and every placeholder are fine.
    let contract = with_claim(
        "  claim: { within: 30d, contact: \"claims@p.example\", template: { closing: \"{{{provider}}} by {claim_by}\" } }\n",
    )
    .expect("valid claim terms");
    let claim = contract.credits.claim.expect("claim terms");
    assert_eq!(claim.contact.as_deref(), Some("claims@p.example"));
    assert_eq!(
        claim.closing.expect("a closing").parts,
        [
            Part::Text("{".to_owned()),
            Part::Field(Field::Provider),
            Part::Text("} by ".to_owned()),
            Part::Field(Field::ClaimBy),
        ]
    );
    // Contact and template are optional, and so is the window now.
    let contract = with_claim("  claim: { contact: \"claims@p.example\" }\n").expect("valid");
    assert_eq!(contract.credits.claim.expect("claim terms").within, None);
}

fn slacredit(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .args(arguments)
        .env("TZ", "America/Los_Angeles")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn temporary(name: &str) -> PathBuf {
    let directory = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&directory);
    directory
}

#[test]
fn dash_o_writes_one_file_per_contract_that_owes() {
    let directory = temporary("claim-files").join("new");
    let both = [
        "claim",
        "--contract",
        "contracts/",
        "--incidents",
        EXPORT,
        "--incidents",
        "examples/nimbus-cloud-2026-10.csv",
        "--period",
        "2026-10",
        "--allow-rejected",
    ];
    let written = slacredit(&[&both[..], &["-o", directory.to_str().expect("UTF-8")]].concat());
    assert_eq!(written.status.code(), Some(0));
    // The directory is created; each path is printed once its file is written.
    let acme = directory.join("ACME-SOC-2026.md");
    let nimbus = directory.join("NIMBUS-CLOUD-2026.md");
    assert_eq!(
        stdout(&written),
        format!("{}\n{}\n", acme.display(), nimbus.display())
    );
    let acme_text = std::fs::read_to_string(&acme).expect("written");
    let nimbus_text = std::fs::read_to_string(&nimbus).expect("written");
    assert!(acme_text.starts_with("# Service credit claim: ACME-SOC-2026, 2026-10\n"));
    assert!(acme_text.contains("**Total claimed: 8100.00 EUR**"));
    // NIMBUS: compute 2500.00 + 250.00, dns 123.45 + 250.00 = 3123.45 USD; no claim window.
    assert!(nimbus_text.contains("**Total claimed: 3123.45 USD**"));
    assert!(nimbus_text.contains("- **Claim by:** no claim window in the contract"));
    // On stdout the same documents, one after another, separated by a horizontal rule.
    let together = stdout(&slacredit(&both));
    assert_eq!(together, format!("{acme_text}---\n\n{nimbus_text}"));

    // HTML: one page per file; on stdout one page holding both.
    let pages = temporary("claim-pages");
    let written = slacredit(
        &[
            &both[..],
            &["--format", "html", "-o", pages.to_str().expect("UTF-8")],
        ]
        .concat(),
    );
    assert_eq!(written.status.code(), Some(0));
    let page = std::fs::read_to_string(pages.join("ACME-SOC-2026.html")).expect("written");
    assert_eq!(page.matches("<section class=\"claim\">").count(), 1);
    let one_page = stdout(&slacredit(&[&both[..], &["--format", "html"]].concat()));
    assert_eq!(one_page.matches("<!DOCTYPE html>").count(), 1);
    assert_eq!(one_page.matches("<section class=\"claim\">").count(), 2);
}

#[test]
fn a_contract_that_owes_nothing_gets_a_note_and_no_document() {
    // Only the ACME export: NIMBUS-CLOUD-2026 has no incidents and owes nothing.
    let directory = temporary("claim-nothing-owed");
    let output = slacredit(&[
        "claim",
        "--contract",
        "contracts/",
        "--incidents",
        EXPORT,
        "--period",
        "2026-10",
        "-o",
        directory.to_str().expect("UTF-8"),
    ]);
    // The export's two rejected rows fail the run after the documents are written.
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("note: NIMBUS-CLOUD-2026 owes no credit in 2026-10; no claim written for it")
    );
    assert!(stderr.contains("error: 2 of 14 rows rejected"));
    let mut files: Vec<String> = std::fs::read_dir(&directory)
        .expect("created")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    assert_eq!(files, ["ACME-SOC-2026.md"]);
}

#[test]
fn a_claim_is_for_one_period() {
    let output = slacredit(&[
        "claim",
        "--contract",
        CONTRACT,
        "--incidents",
        EXPORT,
        "--from",
        "2026-09",
        "--to",
        "2026-10",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).starts_with(
        "error: `claim` writes the claims of one period: give --period instead of --from/--to"
    ));
}

#[test]
fn text_from_the_contract_and_the_export_is_escaped_and_the_bytes_repeat() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    let directory = temporary("claim-escaping");
    std::fs::create_dir_all(directory.join("holidays")).expect("temporary directory");
    std::fs::copy(
        "contracts/holidays/berlin-2026.ics",
        directory.join("holidays/berlin-2026.ics"),
    )
    .expect("copy the holidays");
    let contract = std::fs::read_to_string(CONTRACT)
        .expect("the contract")
        .replacen(
            "title: Managed SOC services",
            &format!("title: \"{SCRIPT} *bold* | pipe\""),
            1,
        )
        .replacen(
            "kind: per_breach\n      target: respond",
            &format!("kind: per_breach   # ``` {SCRIPT}\n      target: respond"),
            1,
        );
    let contract_path = directory.join("acme-soc.yaml");
    std::fs::write(&contract_path, contract).expect("write the contract");
    let export = std::fs::read_to_string(EXPORT)
        .expect("the export")
        .replacen(",Correlation engine down,", &format!(",{SCRIPT},"), 1);
    let export_path = directory.join("export.csv");
    std::fs::write(&export_path, export).expect("write the export");
    let run = |format: &str| {
        slacredit(&[
            "claim",
            "--contract",
            contract_path.to_str().expect("UTF-8"),
            "--incidents",
            export_path.to_str().expect("UTF-8"),
            "--period",
            "2026-10",
            "--format",
            format,
            "--allow-rejected",
        ])
    };
    let html = stdout(&run("html"));
    assert!(!html.contains(SCRIPT), "{html}");
    assert!(!html.contains("<script"));
    // The title in the facts, the incident title in the breach table, the comment in the quote.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; *bold* | pipe"));
    assert!(html.contains("<td data-label=\"title\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
    assert!(html.contains("# ``` &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("@page{size:A4"));
    assert_eq!(stdout(&run("html")), html, "the same bytes on every run");

    let markdown = stdout(&run("markdown"));
    // The one raw copy is the comment quoted inside a fence (below).
    assert_eq!(markdown.matches(SCRIPT).count(), 1);
    assert!(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\*bold\\* \\| pipe"));
    // A quote holding three backticks is fenced with four, so it cannot close its fence; inside
    // a fence nothing is markup, and the text is shown as written.
    assert!(markdown.contains(&format!(
        "````\n79 |     - id: response\n80 |       kind: per_breach   # ``` {SCRIPT}\n"
    )));
    assert_eq!(stdout(&run("markdown")), markdown);
}

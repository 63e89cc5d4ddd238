//! `report --format html`: text from contracts and exports is escaped, and the same inputs give
//! the same bytes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPT: &str = "<script>alert(1)</script>";

fn slacredit(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .args(arguments)
        .env("TZ", "America/Los_Angeles")
        .output()
        .expect("the binary runs")
}

/// The ACME contract and its October export, with `SCRIPT` put in the contract's title and in the
/// title of SOC-1003 (a breached incident, so the title is shown in the breach table).
fn hostile_inputs() -> (PathBuf, PathBuf) {
    let directory = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-escaping");
    std::fs::create_dir_all(directory.join("holidays")).expect("temporary directory");
    std::fs::copy(
        "contracts/holidays/berlin-2026.ics",
        directory.join("holidays/berlin-2026.ics"),
    )
    .expect("copy the holidays");
    let contract = std::fs::read_to_string("contracts/acme-soc.yaml").expect("the contract");
    let contract = contract.replacen(
        "title: Managed SOC services",
        &format!("title: \"{SCRIPT} & 'quotes'\""),
        1,
    );
    let contract_path = directory.join("acme-soc.yaml");
    std::fs::write(&contract_path, contract).expect("write the contract");
    let export =
        std::fs::read_to_string("examples/acme-soc-2026-10.csv").expect("the October export");
    assert!(export.contains(",Correlation engine down,"));
    let export = export.replacen(",Correlation engine down,", &format!(",{SCRIPT},"), 1);
    let export_path = directory.join("acme-soc-2026-10.csv");
    std::fs::write(&export_path, export).expect("write the export");
    (contract_path, export_path)
}

fn path(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

#[test]
fn titles_with_markup_are_shown_as_text() {
    let (contract, export) = hostile_inputs();
    let output = slacredit(&[
        "report",
        "--contract",
        path(&contract),
        "--incidents",
        path(&export),
        "--period",
        "2026-10",
        "--format",
        "html",
        "--allow-rejected",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = String::from_utf8(output.stdout).expect("UTF-8");
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    // The contract title in the heading, with its ampersand and quotes.
    assert!(
        html.contains(&format!(
            "<h2>ACME-SOC-2026 {escaped} &amp; &#39;quotes&#39;</h2>"
        )),
        "{html}"
    );
    // The incident title in the breach table (SOC-1003 breached its respond and resolve targets).
    assert_eq!(
        html.matches(&format!("<td data-label=\"title\">{escaped}</td>"))
            .count(),
        2
    );
    // Nowhere as markup, and no script of any kind.
    assert!(!html.to_lowercase().contains("<script"));
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    // Two runs over a range (three periods of both contracts), on one thread and on two.
    let run = |threads: &str| {
        let output = slacredit(&[
            "report",
            "--contract",
            "contracts/",
            "--incidents",
            "examples/acme-soc-2026-10.csv",
            "--incidents",
            "examples/nimbus-cloud-2026-10.csv",
            "--from",
            "2026-08",
            "--to",
            "2026-10",
            "--format",
            "html",
            "--threads",
            threads,
        ]);
        assert_eq!(output.status.code(), Some(1), "rows are rejected");
        output.stdout
    };
    let first = run("1");
    let second = run("2");
    assert!(first.starts_with(b"<!DOCTYPE html>"));
    assert!(first == second, "two runs gave different pages");
}

#[test]
fn the_page_refers_to_nothing_outside_itself() {
    let output = slacredit(&[
        "report",
        "--contract",
        "contracts/",
        "--incidents",
        "examples/acme-soc-2026-10.csv",
        "--period",
        "2026-10",
        "--format",
        "html",
        "--allow-rejected",
    ]);
    let html = String::from_utf8(output.stdout).expect("UTF-8");
    for outside in [
        "<script",
        "<link",
        "<img",
        "@import",
        "url(",
        "@font-face",
        "src=",
        "href=",
    ] {
        assert!(!html.contains(outside), "the page has {outside}");
    }
    // The SVG namespace is the only address in markup, and it is a name, never fetched. (The
    // example's ticket titles hold an address too, as escaped text.)
    let markup = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("http-equiv=", "");
    assert!(!markup.contains("=\"http") && !markup.contains("='http"));
    assert!(markup.contains("&quot;http://example.invalid&quot;"));
    // Two services' availability charts and one credit chart for ACME, three and one for Nimbus.
    assert_eq!(html.matches("<svg ").count(), 7);
}

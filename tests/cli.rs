//! Golden command-line cases: `tests/cmd/*.toml` (each with its expected stdout, stderr and exit
//! code beside it) and every console example in README.md.
//!
//! Regenerate expectations after a deliberate change with `TRYCMD=overwrite cargo test --test cli`
//! and review the diff: every figure in them is derived by hand in `examples/README.md`.

use std::io::Read;
use std::process::{Command, Stdio};

fn cases() -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("slacredit", trycmd::cargo::cargo_bin!("slacredit"))
        .env("TZ", "America/Los_Angeles")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200");
    cases
}

#[test]
fn command_line_cases() {
    cases().case("tests/cmd/*.toml");
}

#[test]
fn readme_examples() {
    cases().case("README.md");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = Command::new(trycmd::cargo::cargo_bin!("slacredit"))
        .args([
            "report",
            "--contract",
            "contracts/",
            "--incidents",
            "examples/acme-soc-2026-10.csv",
            "--period",
            "2026-10",
            // The example's rejected rows would exit 1 whenever the output is written in full
            // before the pipe closes (it fits a pipe's buffer): only the closed pipe is tested.
            "--allow-rejected",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Read one byte, then hang up, like `slacredit report | head -c1`.
    let mut stdout = child.stdout.take().expect("piped");
    let mut first = [0_u8; 1];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("the binary ends");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_shipped_contract_validates() {
    let mut checked = 0;
    for entry in std::fs::read_dir("contracts").expect("contracts/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|extension| extension != "yaml") {
            continue;
        }
        let output = Command::new(trycmd::cargo::cargo_bin!("slacredit"))
            .arg("validate")
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty() && output.stdout.is_empty(),
            "clean contracts print nothing"
        );
        checked += 1;
    }
    assert!(checked >= 2, "contracts/ holds the shipped examples");
}

#[test]
fn the_readme_set_up_command_runs() {
    let readme = std::fs::read_to_string("README.md").expect("README.md exists");
    let command = readme
        .lines()
        .find_map(|line| line.strip_prefix("cargo run --release -- "))
        .expect("README.md has a `cargo run --release -- …` set-up command");
    let output = Command::new(trycmd::cargo::cargo_bin!("slacredit"))
        .args(command.split_whitespace())
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Both shipped contracts appear with their totals (derived in examples/README.md):
    // ACME 6,300.00 + 1,800.00; Nimbus compute 2,500.00 + 250.00, DNS 123.45 + 250.00, storage 0.
    assert!(stdout.contains("Total credit: 8100.00 EUR"), "{stdout}");
    assert!(stdout.contains("Total credit: 3123.45 USD"), "{stdout}");
}

#[test]
fn completions_and_man_page_are_generated_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = Command::new(trycmd::cargo::cargo_bin!("slacredit"))
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(
            script.contains("slacredit")
                && script.contains("validate")
                && script.contains("deny-warnings"),
            "{shell}"
        );
    }
    let man = Command::new(trycmd::cargo::cargo_bin!("slacredit"))
        .arg("man")
        .output()
        .expect("runs");
    assert_eq!(man.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH slacredit 1"));
}

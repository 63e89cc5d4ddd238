//! `reconcile`: the shipped example contracts and October 2026 exports against credit notes
//! written here. What is owed comes from the README's worked example, by hand:
//!
//! - ACME-SOC-2026 (EUR, claim within 30 days of the month's end: 2026-11-01 + 30 d =
//!   2026-12-01, Europe/Berlin):
//!   - edr: availability 99.0604 % is below 99.5 %: 10 % of 18,000.00 = 1,800.00;
//!   - siem: availability 10 % of 42,000.00 = 4,200.00; two late sev1/sev2 responses at
//!     1,000.00, the second escalated ×1.5 = 2,500.00; one late sev1 resolution at 2 % = 840.00;
//!     the 15 % service cap is 6,300.00, so response is cut by 400.00 to 2,100.00 and resolution
//!     to 0.00: 4,200.00 + 2,100.00 + 0.00 = 6,300.00;
//!   - total 1,800.00 + 6,300.00 = 8,100.00.
//! - NIMBUS-CLOUD-2026 (USD, no claim window): compute 2,500.00 + 250.00 = 2,750.00, dns
//!   123.45 + 250.00 = 373.45, storage 0.00; total 3,123.45.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A directory of its own under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("slacredit-reconcile-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const HEADER: &str = "contract,period,service,amount,currency,reference\n";

/// `reconcile` (`--format csv` unless `extra` gives one) of the example month against `received`, claim windows judged at
/// `as_of`; rejected incident rows (three, on purpose, in the examples) allowed.
fn reconcile(name: &str, received: &str, as_of: &str, extra: &[&str]) -> Output {
    let scratch = Scratch::new(name);
    let received = scratch.file("received.csv", received);
    let root = env!("CARGO_MANIFEST_DIR");
    let mut arguments = vec![
        "reconcile".to_owned(),
        "--contract".to_owned(),
        format!("{root}/contracts"),
        "--incidents".to_owned(),
        format!("{root}/examples/acme-soc-2026-10.csv"),
        "--incidents".to_owned(),
        format!("{root}/examples/nimbus-cloud-2026-10.csv"),
        "--period".to_owned(),
        "2026-10".to_owned(),
        "--allow-rejected".to_owned(),
        "--received".to_owned(),
        received,
        "--as-of".to_owned(),
        as_of.to_owned(),
    ];
    if !extra.contains(&"--format") {
        arguments.extend(["--format".to_owned(), "csv".to_owned()]);
    }
    arguments.extend(extra.iter().map(|argument| (*argument).to_owned()));
    Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .args(&arguments)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn every_status_two_lines_summed_and_the_tolerance_edge() {
    let output = reconcile(
        "statuses",
        &format!(
            "{HEADER}\
             ACME-SOC-2026,2026-10,edr,1799.99,EUR,CN-1\n\
             ACME-SOC-2026,2026-10,siem,4200.00,EUR,CN-2\n\
             ACME-SOC-2026,2026-10,siem,2000.00,EUR,CN-3\n\
             NIMBUS-CLOUD-2026,2026-10,compute,2800.00,USD,N-1\n\
             NIMBUS-CLOUD-2026,2026-10,storage,10.00,USD,N-2\n"
        ),
        "2026-11-20T09:00:00Z",
        &[],
    );
    // edr: 1,799.99 − 1,800.00 = −0.01, exactly the tolerance: matched.
    // siem: 4,200.00 + 2,000.00 = 6,200.00 received of 6,300.00: short by 100.00; 2026-11-20 is
    //   on or before 2026-12-01: open.
    // compute: 2,800.00 − 2,750.00 = +50.00: over.
    // dns: 373.45 owed, nothing received: not credited; no claim window, so open.
    // storage: nothing owed, 10.00 received: unexpected.
    assert_eq!(
        stdout(&output),
        "contract,period,service,owed,received,difference,currency,status,claim_by,claim_status,references\n\
         ACME-SOC-2026,2026-10,edr,1800.00,1799.99,-0.01,EUR,matched,2026-12-01,,CN-1\n\
         ACME-SOC-2026,2026-10,siem,6300.00,6200.00,-100.00,EUR,short,2026-12-01,open,CN-2;CN-3\n\
         NIMBUS-CLOUD-2026,2026-10,compute,2750.00,2800.00,50.00,USD,over,,,N-1\n\
         NIMBUS-CLOUD-2026,2026-10,dns,373.45,0.00,-373.45,USD,not_credited,,open,\n\
         NIMBUS-CLOUD-2026,2026-10,storage,0.00,10.00,10.00,USD,unexpected,,,N-2\n"
    );
    // Two shortfalls can still be claimed: the month-end job fails.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "error: 2 credits owed still to claim: ACME-SOC-2026 2026-10 siem: short by 100.00 EUR, claim by 2026-12-01; NIMBUS-CLOUD-2026 2026-10 dns: not credited, 373.45 USD"
        ),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("received rows: 5 read = 5 counted + 0 excluded + 0 rejected")
    );
}

#[test]
fn two_cents_apart_is_short_under_a_one_cent_tolerance_and_matched_under_a_wider_one() {
    let received = format!("{HEADER}ACME-SOC-2026,2026-10,,8099.98,EUR,CN-1\n");
    // |8,099.98 − 8,100.00| = 0.02 > 0.01: short.
    let tight = reconcile("tight", &received, "2026-11-20T09:00:00Z", &[]);
    assert!(
        stdout(&tight).contains(
            "ACME-SOC-2026,2026-10,*,8100.00,8099.98,-0.02,EUR,short,2026-12-01,open,CN-1\n"
        ),
        "{}",
        stdout(&tight)
    );
    // 0.02 ≤ 0.02: matched.
    let wide = reconcile(
        "wide",
        &received,
        "2026-11-20T09:00:00Z",
        &["--tolerance", "0.02"],
    );
    assert!(
        stdout(&wide).contains(
            "ACME-SOC-2026,2026-10,*,8100.00,8099.98,-0.02,EUR,matched,2026-12-01,,CN-1\n"
        ),
        "{}",
        stdout(&wide)
    );
}

#[test]
fn a_line_without_a_service_reconciles_the_contract_period_as_one_row() {
    // ACME has two services; one line names none, so every ACME line of the period is summed on
    // one `*` row against the period's total: 8,000.00 + 100.00 = 8,100.00 = 8,100.00 owed.
    let output = reconcile(
        "star",
        &format!(
            "{HEADER}\
             ACME-SOC-2026,2026-10,,8000.00,EUR,CN-1\n\
             ACME-SOC-2026,2026-10,siem,100.00,EUR,CN-2\n\
             NIMBUS-CLOUD-2026,2026-10,,3123.45,USD,N-1\n"
        ),
        "2026-11-20T09:00:00Z",
        &[],
    );
    assert_eq!(
        stdout(&output),
        "contract,period,service,owed,received,difference,currency,status,claim_by,claim_status,references\n\
         ACME-SOC-2026,2026-10,*,8100.00,8100.00,0.00,EUR,matched,2026-12-01,,CN-1;CN-2\n\
         NIMBUS-CLOUD-2026,2026-10,*,3123.45,3123.45,0.00,USD,matched,,,N-1\n"
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn the_claim_window_closes_at_the_end_of_the_claim_by_date_in_the_contracts_zone() {
    let received = format!(
        "{HEADER}\
         ACME-SOC-2026,2026-10,,7000.00,EUR,CN-1\n\
         NIMBUS-CLOUD-2026,2026-10,,3123.45,USD,N-1\n"
    );
    // 22:59:59 UTC on 1 December is 23:59:59 in Berlin (UTC+1): still the claim-by date, open.
    let open = reconcile("open", &received, "2026-12-01T22:59:59Z", &[]);
    assert!(
        stdout(&open).contains(
            "ACME-SOC-2026,2026-10,*,8100.00,7000.00,-1100.00,EUR,short,2026-12-01,open,CN-1\n"
        ),
        "{}",
        stdout(&open)
    );
    assert_eq!(open.status.code(), Some(1));
    // One second later it is 2 December in Berlin: expired. Nothing is left to claim, so the run
    // passes, with the loss in the totals.
    let expired = reconcile(
        "expired",
        &received,
        "2026-12-01T23:00:00Z",
        &["--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&expired.stdout).unwrap();
    assert_eq!(json["rows"][0]["claim_status"], "expired");
    assert_eq!(json["totals"][0]["contract"], "ACME-SOC-2026");
    // 8,100.00 − 7,000.00 = 1,100.00 lost.
    assert_eq!(json["totals"][0]["expired"], "1100.00");
    assert_eq!(json["totals"][0]["to_claim"], "0.00");
    assert_eq!(expired.status.code(), Some(0), "{}", stderr(&expired));
}

#[test]
fn a_currency_mismatch_and_a_malformed_amount_are_rejected_with_their_line() {
    let output = reconcile(
        "rejected",
        &format!(
            "{HEADER}\
             ACME-SOC-2026,2026-10,edr,1800.00,USD,CN-1\n\
             ACME-SOC-2026,2026-10,siem,\"6.300,00\",EUR,CN-2\n\
             ACME-SOC-2026,2026-09,siem,100.00,EUR,CN-0\n\
             NIMBUS-CLOUD-2026,2026-10,,3123.45,USD,N-1\n"
        ),
        "2026-11-20T09:00:00Z",
        &[],
    );
    let errors = stderr(&output);
    assert!(
        errors.contains("received.csv:2: column `currency` value `USD` differs from ACME-SOC-2026's currency EUR; slacredit never converts"),
        "{errors}"
    );
    assert!(
        errors.contains("received.csv:3: column `amount` value `6.300,00` is not a decimal number"),
        "{errors}"
    );
    // Line 4 is September's, not reconciled: excluded, not rejected.
    assert!(
        errors.contains("received rows: 4 read = 1 counted + 1 excluded + 2 rejected"),
        "{errors}"
    );
    // Neither ACME line counts: all 8,100.00 is uncredited, split per service.
    assert_eq!(
        stdout(&output),
        "contract,period,service,owed,received,difference,currency,status,claim_by,claim_status,references\n\
         ACME-SOC-2026,2026-10,edr,1800.00,0.00,-1800.00,EUR,not_credited,2026-12-01,open,\n\
         ACME-SOC-2026,2026-10,siem,6300.00,0.00,-6300.00,EUR,not_credited,2026-12-01,open,\n\
         NIMBUS-CLOUD-2026,2026-10,*,3123.45,3123.45,0.00,USD,matched,,,N-1\n"
    );
    // `--allow-rejected` (given for the examples' rejected incident rows) accepts these too; the
    // uncredited ACME money fails the run.
    assert!(
        errors.contains("error: 2 credits owed still to claim"),
        "{errors}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_mapping_file_renames_the_columns_and_sets_the_delimiter() {
    let scratch = Scratch::new("mapping");
    let mapping = scratch.file(
        "received.yaml",
        "delimiter: \";\"\nfields: { contract: Vertrag, period: Monat, amount: Betrag, currency: Waehrung, reference: Gutschrift, service: Dienst }\n",
    );
    // A German credit-note export: 1,800.00 for edr, 6,300.00 for siem, 3,123.45 for NIMBUS.
    let output = reconcile(
        "mapped",
        "Vertrag;Monat;Dienst;Betrag;Waehrung;Gutschrift\n\
         ACME-SOC-2026;2026-10;edr;1800.00;EUR;GS-1\n\
         ACME-SOC-2026;2026-10;siem;6300.00;EUR;GS-1\n\
         NIMBUS-CLOUD-2026;2026-10;;3123.45;USD;GS-2\n",
        "2026-11-20T09:00:00Z",
        &["--received-source", &mapping],
    );
    assert_eq!(
        stdout(&output),
        "contract,period,service,owed,received,difference,currency,status,claim_by,claim_status,references\n\
         ACME-SOC-2026,2026-10,edr,1800.00,1800.00,0.00,EUR,matched,2026-12-01,,GS-1\n\
         ACME-SOC-2026,2026-10,siem,6300.00,6300.00,0.00,EUR,matched,2026-12-01,,GS-1\n\
         NIMBUS-CLOUD-2026,2026-10,*,3123.45,3123.45,0.00,USD,matched,,,GS-2\n"
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_received_file_without_a_required_column_is_an_error_naming_the_file() {
    let output = reconcile(
        "header",
        "contract,period,amount,currency\nACME-SOC-2026,2026-10,1.00,EUR\n",
        "2026-11-20T09:00:00Z",
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("received.csv:1:1: the header has no `reference` column (columns: contract, period, amount, currency)"),
        "{errors}"
    );
    assert!(output.stdout.is_empty());
}

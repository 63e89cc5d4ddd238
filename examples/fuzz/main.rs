//! `cargo run --release --example fuzz -- contract|csv|mapping N SEED [FIRST]`: runs N mutated
//! cases of one input kind from SEED (starting at case FIRST, default 0) through the public API
//! and prints what it found; exit 1 when any case panicked or broke an invariant. Each finding's
//! input is saved under `target/fuzz-findings/`. `docs/reliability.md` says what is checked.

mod harness;

use std::process::ExitCode;

use harness::{Kind, Workspace, run};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(kind), Some(cases), Some(seed)) = (
        arguments.first().and_then(|name| Kind::from_name(name)),
        arguments.get(1).and_then(|text| text.parse::<u64>().ok()),
        arguments.get(2).and_then(|text| text.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: fuzz contract|csv|mapping N SEED [FIRST]");
        return ExitCode::from(2);
    };
    let first: u64 = arguments
        .get(3)
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::new(root, kind);
    let started = std::time::Instant::now();
    let (mut total, mut calculated, mut findings) = (0, 0, 0);
    let mut slowest = (0, std::time::Duration::ZERO);
    // Chunks, so a long run shows progress.
    let chunk = 10_000;
    let mut next = first;
    while next < first + cases {
        let end = (next + chunk).min(first + cases);
        let summary = run(kind, &workspace, seed, next..end);
        total += summary.cases;
        calculated += summary.calculated;
        findings += summary.findings.len();
        if summary.slowest.1 > slowest.1 {
            slowest = summary.slowest;
        }
        for finding in &summary.findings {
            println!(
                "finding: case {} ({}): {}",
                finding.case,
                finding.saved.display(),
                finding.what
            );
        }
        eprintln!(
            "{total} cases, {calculated} calculated, {findings} findings, {:.0} s",
            started.elapsed().as_secs_f64()
        );
        next = end;
    }
    println!(
        "{kind:?} seed {seed}: {total} cases ({calculated} accepted and calculated, the rest refused with an error), {findings} findings; slowest case {} took {} ms",
        slowest.0,
        slowest.1.as_millis()
    );
    ExitCode::from(u8::from(findings > 0))
}

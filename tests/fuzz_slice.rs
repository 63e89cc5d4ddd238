//! A short, seed-fixed slice of the fuzz harness (`examples/fuzz`): a few hundred mutated
//! contracts, exports and mapping files through the public API, each under `catch_unwind`, with
//! the invariants checked (no panic; every row counted, excluded or rejected; JSON that parses;
//! totals that are the sums of their lines; no negative amount; the same output on 1 and 3
//! threads). The long runs are `cargo run --release --example fuzz`; `docs/reliability.md`.

#[path = "../examples/fuzz/harness.rs"]
mod harness;

use harness::{Kind, Workspace, run};

/// The slice of `kind`: its findings and how many cases got past the parsers.
fn slice(kind: Kind, cases: u64) -> (Vec<String>, u64) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::new(root, kind);
    let summary = run(kind, &workspace, 20_261_201, 0..cases);
    assert_eq!(summary.cases, cases);
    let findings = summary
        .findings
        .iter()
        .map(|finding| {
            format!(
                "{kind:?} case {} ({}): {}",
                finding.case,
                finding.saved.display(),
                finding.what
            )
        })
        .collect();
    (findings, summary.calculated)
}

/// One test for the three kinds: the harness silences the panic hook while it runs, and the
/// hook is the whole process's.
#[test]
fn mutated_contracts_exports_and_mappings_never_panic_and_keep_the_invariants() {
    let cases = 400;
    let mut findings = Vec::new();
    for kind in ["contract", "csv", "mapping"].map(|name| Kind::from_name(name).unwrap()) {
        let (found, calculated) = slice(kind, cases);
        findings.extend(found);
        // A slice where every mutation is refused checks nothing past the parsers.
        assert!(
            calculated > cases / 20,
            "{kind:?}: only {calculated} of {cases} cases got past the parsers"
        );
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

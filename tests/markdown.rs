//! The Markdown output byte for byte where the golden cases cannot show it: trycmd writes every
//! `\` of an output as `/` (it takes them for Windows path separators), so the backslash escapes
//! of `report --format markdown` are pinned here.

use std::process::Command;

fn report_markdown(incidents: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .args([
            "report",
            "--contract",
            "contracts/acme-soc.yaml",
            "--incidents",
            incidents,
            "--period",
            "2026-10",
            "--format",
            "markdown",
        ])
        .env("TZ", "America/Los_Angeles")
        .env("NO_COLOR", "1")
        .output()
        .expect("slacredit runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("Markdown is UTF-8")
}

#[test]
fn hostile_titles_are_escaped_in_the_breach_table() {
    let markdown = report_markdown("tests/cmd/markdown-titles.csv");
    // X-1's title `<script>alert(1)</script> | pipe & <b>bold</b>`: HTML as entities, the pipe
    // escaped so the row keeps its ten cells.
    assert!(
        markdown.contains(
            "| siem | X-1 | sev2 | respond | breached | 30m | 45m | 15m | tests/cmd/markdown-titles.csv:2 | \
             &lt;script&gt;alert(1)&lt;/script&gt; \\| pipe &amp; &lt;b&gt;bold&lt;/b&gt; |\n"
        ),
        "{markdown}"
    );
    // X-2's title spans two lines and holds a code span, emphasis and a link: one row, the line
    // break as `<br>`, the markup as text.
    assert!(
        markdown.contains(
            "| tests/cmd/markdown-titles.csv:3 | first line<br>second \\`code\\` \\*stars\\* \
             \\[link\\](javascript:alert(1)) |\n"
        ),
        "{markdown}"
    );
    // The contract's own words are escaped the same way: `chronic` stays in backticks as text.
    assert!(
        markdown.contains("under \\`chronic\\` (contract line 89)"),
        "{markdown}"
    );
    assert!(!markdown.contains("<script>"), "{markdown}");
    assert!(!markdown.contains("<b>"), "{markdown}");
}

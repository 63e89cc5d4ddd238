//! `slacredit man`: the manual pages, one per command (`slacredit(1)`, `slacredit-validate(1)`,
//! …), each with EXIT STATUS, ENVIRONMENT and EXAMPLES after what clap derives from the
//! arguments. Shell completions are set up here too: they offer presets for `--source` without
//! accepting only those when parsing.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::CommandFactory;
use clap::builder::PossibleValue;

use crate::cli::Cli;

/// Examples per command: (command, what it does).
fn examples(command: &str) -> &'static [(&'static str, &'static str)] {
    match command {
        "slacredit-validate" => &[
            (
                "slacredit validate contracts/",
                "Check every contract and mapping file below contracts/.",
            ),
            (
                "slacredit validate --format github contracts/ examples/itsm-mapping.yaml",
                "Annotate a pull request with each problem (GitHub Actions).",
            ),
            (
                "slacredit validate --kind exceptions signed-off.csv",
                "Check an exceptions file.",
            ),
            (
                "slacredit validate --skip day-unit-on-business-calendar --deny-warnings contracts/",
                "Fail on warnings, except one check's.",
            ),
        ],
        "slacredit-report" => &[(
            "slacredit report --contract contracts/ --incidents examples/acme-soc-2026-10.csv --period 2026-10",
            "The breach report for October 2026 as tables.",
        )],
        "slacredit-credits" => &[(
            "slacredit credits --contract contracts/ --incidents export.csv --period 2026-Q4 --format csv -o credits.csv",
            "The credit lines of a quarter, ready to post.",
        )],
        "slacredit-claim" => &[
            (
                "slacredit claim --contract contracts/ --incidents export.csv --period 2026-10 -o claims/",
                "One claim document per contract that owes credits in October, into claims/.",
            ),
            (
                "slacredit claim --contract contracts/acme-soc.yaml --incidents export.csv --period 2026-10 --format html > claim.html",
                "The claim as one page to print on A4.",
            ),
        ],
        "slacredit-explain" => &[(
            "slacredit explain --contract contracts/ --incidents export.csv --period 2026-10 --incident INC-1042",
            "Every step behind one incident's figures.",
        )],
        "slacredit-reconcile" => &[(
            "slacredit reconcile --contract contracts/ --incidents export.csv --period 2026-10 --received credit-notes.csv --format csv",
            "The month's credits owed against the credit notes received; exit 1 while a shortfall can still be claimed.",
        )],
        "slacredit-schema" => &[(
            "slacredit schema > contract.schema.json",
            "Save the JSON Schema for an editor.",
        )],
        "slacredit-completions" => &[(
            "slacredit completions bash > ~/.local/share/bash-completion/completions/slacredit",
            "Install bash completions.",
        )],
        "slacredit-man" => &[(
            "slacredit man /usr/local/share/man/man1",
            "Install every manual page.",
        )],
        _ => &[
            (
                "slacredit validate contracts/",
                "Check the contracts before they are committed.",
            ),
            (
                "slacredit credits --contract contracts/ --incidents export.csv --period 2026-10",
                "The month's credit lines.",
            ),
        ],
    }
}

/// Roff text with its special characters escaped: backslashes, leading dots and quotes, and
/// hyphens (so `man` does not break or replace them).
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The sections every page ends with.
fn write_common_sections(out: &mut dyn Write, name: &str) -> io::Result<()> {
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in [
        (
            "0",
            "Success: the contracts are valid, the report is written.",
        ),
        (
            "1",
            "Findings that should fail a pipeline: an invalid contract, mapping or exceptions file; rejected rows (unless \\-\\-allow\\-rejected); for reconcile, a credit short or not credited that can still be claimed.",
        ),
        ("2", "Usage error, unreadable input, or internal error."),
    ] {
        writeln!(out, ".TP\n\\fB{code}\\fR\n{meaning}")?;
    }
    writeln!(out, ".SH ENVIRONMENT")?;
    writeln!(
        out,
        "slacredit reads no environment variables: results do not depend on \\fBTZ\\fR, the locale or the terminal. Times are read in the zones the contracts and mapping files name."
    )?;
    writeln!(out, ".SH EXAMPLES")?;
    for (command, what) in examples(name) {
        writeln!(
            out,
            ".PP\n{}\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE",
            roff(what),
            roff(command)
        )?;
    }
    writeln!(out, ".SH \"SEE ALSO\"")?;
    let mut pages: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|sub| format!("slacredit\\-{}(1)", sub.get_name()))
        .filter(|page| *page != format!("{}(1)", roff(name)))
        .collect();
    if name != "slacredit" {
        pages.insert(0, "slacredit(1)".to_owned());
    }
    writeln!(out, "{}", pages.join(", "))?;
    writeln!(
        out,
        ".PP\nThe contract format, every check and the export formats are described in docs/contract.md, docs/checks.md and docs/sources.md."
    )?;
    Ok(())
}

/// One page: what clap derives, then the common sections.
fn write_page(command: clap::Command, out: &mut dyn Write) -> io::Result<()> {
    let name = command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_owned();
    let has_subcommands = command.has_subcommands();
    let has_version = command.get_version().is_some();
    let man = clap_mangen::Man::new(command);
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    if has_subcommands {
        man.render_subcommands_section(out)?;
    }
    write_common_sections(out, &name)?;
    if has_version {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// The full command, built so that subcommands carry their display names (`slacredit-validate`).
fn built() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// Prints the top-level page.
pub fn print_top(out: &mut dyn Write) -> io::Result<()> {
    write_page(built(), out)
}

/// Writes `slacredit.1` and one `slacredit-<command>.1` per subcommand into `directory`; returns
/// the files written.
pub fn write_pages(directory: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let command = built();
    let mut pages: Vec<clap::Command> = command.get_subcommands().cloned().collect();
    pages.insert(0, command);
    let mut written = Vec::new();
    for page in pages {
        let name = page
            .get_display_name()
            .unwrap_or_else(|| page.get_name())
            .to_owned();
        let path = directory.join(format!("{name}.1"));
        let mut file = io::BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        write_page(page, &mut file)?;
        file.flush()?;
        written.push(path);
    }
    Ok(written)
}

/// The command line as completion scripts see it: `--source` offers the presets (it also takes
/// a mapping file, which parsing accepts; only the script is told the names), and `--period`,
/// `--from` and `--to` offer the recent periods up to `today`: the last 13 months and the last
/// 5 quarters (any other period still parses; the script offers these).
pub fn for_completions(today: chrono::NaiveDate) -> clap::Command {
    let presets: Vec<PossibleValue> = slacredit::incidents::PRESETS
        .iter()
        .map(|preset| PossibleValue::new(*preset))
        .collect();
    let periods = recent_periods(today);
    let mut command = Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |mut sub| {
            let has = |sub: &clap::Command, id: &str| {
                sub.get_arguments().any(|arg| arg.get_id().as_str() == id)
            };
            if has(&sub, "source") {
                let presets = presets.clone();
                sub = sub.mut_arg("source", |arg| {
                    arg.value_parser(clap::builder::PossibleValuesParser::new(presets))
                });
            }
            for id in ["period", "from", "to"] {
                if has(&sub, id) {
                    let periods = periods.clone();
                    sub = sub.mut_arg(id, |arg| {
                        arg.value_parser(clap::builder::PossibleValuesParser::new(periods))
                    });
                }
            }
            sub
        });
    }
    command
}

/// The day the recent periods of a completion script run up to: today, or the day of
/// `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when it is set, so that a packaged script is
/// the same bytes on every rebuild.
pub fn completion_date() -> anyhow::Result<chrono::NaiveDate> {
    let Some(epoch) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(chrono::Utc::now().date_naive());
    };
    let text = epoch.to_string_lossy();
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .map(|moment| moment.date_naive())
        .with_context(|| {
            format!("SOURCE_DATE_EPOCH `{text}` is not a number of seconds since 1970")
        })
}

/// The 13 months up to `today`'s and the 5 quarters up to its, newest first: `2026-12`, …
/// `2025-12`, `2026-Q4`, … `2025-Q4`.
fn recent_periods(today: chrono::NaiveDate) -> Vec<PossibleValue> {
    use chrono::Datelike as _;
    let month = today.year() * 12 + today.month0() as i32;
    let months = (0..13).map(|back| {
        let at = month - back;
        format!("{}-{:02}", at.div_euclid(12), at.rem_euclid(12) + 1)
    });
    let quarter = today.year() * 4 + today.month0() as i32 / 3;
    let quarters = (0..5).map(|back| {
        let at = quarter - back;
        format!("{}-Q{}", at.div_euclid(4), at.rem_euclid(4) + 1)
    });
    months.chain(quarters).map(PossibleValue::new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_offer_the_recent_months_and_quarters() {
        let names = |day: &str| -> Vec<String> {
            recent_periods(day.parse().expect("a date"))
                .iter()
                .map(|value| value.get_name().to_owned())
                .collect()
        };
        // 1 December 2026: December back to December 2025 (13 months), Q4 back to 2025-Q4.
        let december = names("2026-12-01");
        assert_eq!(december.len(), 18);
        assert_eq!(december[..2], ["2026-12", "2026-11"]);
        assert_eq!(december[12], "2025-12");
        assert_eq!(
            december[13..],
            ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4"]
        );
        // 31 January 2026: the year turns back at once.
        let january = names("2026-01-31");
        assert_eq!(january[..3], ["2026-01", "2025-12", "2025-11"]);
        assert_eq!(
            january[13..],
            ["2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1"]
        );
    }

    #[test]
    fn every_page_has_the_sections_a_manual_needs() {
        let directory = std::env::temp_dir().join(format!("slacredit-man-{}", std::process::id()));
        let written = write_pages(&directory).expect("writes");
        let names: Vec<String> = written
            .iter()
            .map(|path| {
                path.file_name()
                    .expect("a file")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(names.contains(&"slacredit.1".to_owned()));
        assert!(names.contains(&"slacredit-validate.1".to_owned()));
        // One page for the top level and one per subcommand.
        assert_eq!(names.len(), 1 + Cli::command().get_subcommands().count());
        for path in &written {
            let page = std::fs::read_to_string(path).expect("readable");
            for section in [
                ".SH NAME",
                ".SH SYNOPSIS",
                ".SH \"EXIT STATUS\"",
                ".SH ENVIRONMENT",
                ".SH EXAMPLES",
            ] {
                assert!(page.contains(section), "{} lacks {section}", path.display());
            }
        }
        std::fs::remove_dir_all(&directory).expect("removes");
    }
}

//! `slacredit man` and `slacredit completions`: a page per command that `man -l` renders, and
//! completion scripts that offer values, not file names, where a value is not a file.

use std::process::Command;

fn slacredit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slacredit"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn man_writes_a_page_per_command_that_man_renders() {
    let directory = std::env::temp_dir().join(format!("slacredit-pages-{}", std::process::id()));
    let output = slacredit(&["man", directory.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0));
    let mut pages: Vec<String> = std::fs::read_dir(&directory)
        .expect("written")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    pages.sort();
    // One page per command; a command added later gets its page without this list changing.
    for expected in [
        "slacredit-completions.1",
        "slacredit-credits.1",
        "slacredit-explain.1",
        "slacredit-man.1",
        "slacredit-report.1",
        "slacredit-schema.1",
        "slacredit-validate.1",
        "slacredit.1",
    ] {
        assert!(
            pages.iter().any(|page| page == expected),
            "no {expected} in {pages:?}"
        );
    }
    // Where `man` is installed, every page renders without a warning.
    let has_man = Command::new("man").arg("--version").output().is_ok();
    for page in &pages {
        let path = directory.join(page);
        let text = std::fs::read_to_string(&path).expect("readable");
        for section in ["EXIT STATUS", "ENVIRONMENT", "EXAMPLES"] {
            assert!(text.contains(section), "{page} lacks {section}");
        }
        if has_man {
            let rendered = Command::new("man")
                .arg("-l")
                .arg(&path)
                .env("MANWIDTH", "100")
                .env("MAN_KEEP_FORMATTING", "0")
                .output()
                .expect("man runs");
            assert!(rendered.status.success(), "{page}: man -l failed");
            assert!(
                rendered.stderr.is_empty(),
                "{page}: {}",
                String::from_utf8_lossy(&rendered.stderr)
            );
        }
    }
    // The top-level page names the subcommand pages that now exist.
    let top = std::fs::read_to_string(directory.join("slacredit.1")).expect("readable");
    assert!(top.contains("slacredit\\-validate(1)"));
    std::fs::remove_dir_all(&directory).expect("removes");
}

#[test]
fn bash_completions_offer_values_not_file_names() {
    let output = slacredit(&["completions", "bash"]);
    assert_eq!(output.status.code(), Some(0));
    let script = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<&str> = script.lines().collect();
    for option in [
        "--period", "--from", "--to", "--check", "--skip", "--source", "--as-of",
    ] {
        let arms: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, line)| line.trim() == format!("{option})"))
            .map(|(index, _)| index)
            .collect();
        assert!(!arms.is_empty(), "{option} has no completion arm");
        for arm in arms {
            let reply = lines[arm + 1];
            assert!(
                !reply.contains("compgen -f"),
                "{option} offers file names: {reply}"
            );
        }
    }
    assert!(
        script.contains("bands-ordered"),
        "check names are completed"
    );
    assert!(
        script.contains("generic servicenow jira pagerduty"),
        "presets are completed"
    );
    assert!(script.contains("text json github"), "formats are completed");
}

//! Subcommands: each file owns one. This module holds what they share: exit codes, finding
//! contract files, loading inputs and opening the output.

mod claim;
mod compare;
mod credits;
mod explain;
mod inputs;
mod man;
mod reconcile;
mod report;
mod scorecard;
mod validate;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{Cli, Command};

/// Success: valid contracts, report written.
pub const EXIT_OK: u8 = 0;
/// Findings that should fail a pipeline: an invalid contract, rejected rows (unless
/// `--allow-rejected`).
pub const EXIT_FINDINGS: u8 = 1;
/// Usage error, unreadable input, internal error.
pub const EXIT_USAGE: u8 = 2;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Credits(args) => credits::run(&args),
        Command::Claim(args) => claim::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Scorecard(args) => scorecard::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Reconcile(args) => reconcile::run(&args),
        Command::Completions { shell } => {
            let mut command = man::for_completions();
            clap_complete::generate(shell, &mut command, "slacredit", &mut io::stdout().lock());
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Schema { mapping } => {
            let mut out = io::stdout().lock();
            if mapping {
                slacredit::report::write_json(&mut out, &slacredit::incidents::mapping_schema())?;
            } else {
                slacredit::report::write_json(&mut out, &slacredit::contract::json_schema())?;
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Man { directory: None } => {
            man::print_top(&mut io::stdout().lock())?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Man {
            directory: Some(directory),
        } => {
            for page in man::write_pages(&directory)? {
                println!("{}", page.display());
            }
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}

/// Whether the error is a closed stdout (`slacredit report | head`), which is not an error.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Expands directories into the `*.yaml` / `*.yml` files below them, sorted; files pass as given.
/// Every command that reads contracts fails here, with the same words, when a path does not
/// exist (one line per missing path) or when no file is found at all.
pub fn contract_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let missing: Vec<String> = paths
        .iter()
        .filter(|path| !path.exists())
        .map(|path| format!("cannot read {}: no such file or directory", path.display()))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!("{}", missing.join("\nerror: "));
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            collect_yaml(path, &mut found)
                .with_context(|| format!("cannot list {}", path.display()))?;
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        let paths: Vec<String> = paths
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        anyhow::bail!("no *.yaml or *.yml files under {}", paths.join(", "));
    }
    Ok(files)
}

fn collect_yaml(directory: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(directory)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|extension| extension == "yaml" || extension == "yml")
        {
            found.push(path);
        }
    }
    Ok(())
}

/// Lets go of what a command computed without freeing it: the process exits next, and the
/// operating system takes back the memory of a million-row evaluation at once, where freeing its
/// strings one by one would take tens of milliseconds.
pub fn leave<T>(computed: T) {
    std::mem::forget(computed);
}

/// Stdout, or the `-o` file.
pub fn open_output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

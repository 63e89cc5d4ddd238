//! Subcommands: each file owns one. This module holds what they share: exit codes, finding
//! contract files, loading inputs and opening the output.

/// Writes one line to stderr, like `eprintln!`, but escaped and without panicking when stderr
/// is full or closed (see [`stderr`]).
macro_rules! to_stderr {
    ($($argument:tt)*) => {
        $crate::cmd::stderr::line(format_args!($($argument)*))
    };
}

mod claim;
mod compare;
mod credits;
mod explain;
mod inputs;
mod man;
mod reconcile;
mod report;
mod scorecard;
pub mod stderr;
mod validate;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use slacredit::escape::EscapeControls;

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
            // Into memory first: the generator panics when its writer fails (a full disk, a
            // closed pipe); written here, that is an error like any other.
            let mut command = man::for_completions(man::completion_date()?);
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "slacredit", &mut script);
            let mut out = io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Schema { mapping, reference } => {
            let mut out = io::stdout().lock();
            if reference {
                let schema = slacredit::contract::json_schema();
                out.write_all(
                    slacredit::contract::reference::key_reference(schema.as_value()).as_bytes(),
                )?;
            } else if mapping {
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
            let mut out = EscapeControls::new(io::stdout().lock());
            for page in man::write_pages(&directory)? {
                writeln!(out, "{}", page.display())?;
            }
            out.flush()?;
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}

/// Whether the error is a closed stdout (`slacredit report | head`), which is not an error:
/// an I/O error of that kind anywhere in the chain, also when the CSV or JSON writer wrapped it.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(is_broken_pipe_cause)
}

fn is_broken_pipe_cause(cause: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = cause.downcast_ref::<io::Error>() {
        return io.kind() == io::ErrorKind::BrokenPipe
            || io
                .get_ref()
                .is_some_and(|inner| is_broken_pipe_cause(inner));
    }
    if let Some(json) = cause.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    if let Some(csv) = cause.downcast_ref::<csv::Error>() {
        return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe);
    }
    cause.source().is_some_and(is_broken_pipe_cause)
}

/// The error as one line, its causes after colons; a cause whose words are already in the line
/// (an I/O error that names its reason, then the reason itself) is not repeated.
pub fn error_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let words = cause.to_string();
        if text.contains(&words) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&words);
    }
    text
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

/// The `*.yaml`/`*.yml` regular files below `directory`. Symlinks to directories are not
/// followed, so links that loop (two links to `..`) cannot make the walk endless; a symlink to
/// a file is read like the file. FIFOs, devices and sockets are left out, whatever their name.
fn collect_yaml(directory: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_yaml(&path, found)?;
            continue;
        }
        let yaml = path
            .extension()
            .is_some_and(|extension| extension == "yaml" || extension == "yml");
        // A symlink's target decides: a regular file is read, anything else (a directory, a
        // dangling link, a FIFO) is left out.
        let regular = kind.is_file()
            || (kind.is_symlink() && std::fs::metadata(&path).is_ok_and(|target| target.is_file()));
        if yaml && regular {
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

/// Stdout, or the `-o` file, for a text format read by people (table, Markdown, HTML,
/// `explain`): control characters from the data are written escaped (see
/// [`slacredit::escape`]). CSV and JSON use [`open_output`] and stay exact.
pub fn open_text_output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(Box::new(EscapeControls::new(open_output(path)?)))
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

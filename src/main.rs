//! The `slacredit` binary: parse arguments, run the command, map the outcome to an exit code.

mod cli;
mod cmd;

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;

/// The first panic's message and where it happened, kept by the panic hook for `main` to print
/// as one line (a panic caught inside the library, like `validate`'s dry run, prints nothing).
static PANIC: Mutex<Option<String>> = Mutex::new(None);

fn main() -> ExitCode {
    panic::set_hook(Box::new(keep_panic));
    let cli = cli::Cli::parse();
    let code = match panic::catch_unwind(AssertUnwindSafe(|| cmd::run(cli))) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) if cmd::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            cmd::stderr::line(format_args!("error: {}", cmd::error_text(&error)));
            ExitCode::from(cmd::EXIT_USAGE)
        }
        Err(_) => {
            cmd::stderr::line(format_args!("{}", internal_error_line()));
            ExitCode::from(cmd::EXIT_USAGE)
        }
    };
    if cmd::stderr::failed() {
        // A message could not be written (stderr full or closed): what the run had to say was
        // lost, so it cannot end as if it had been said.
        return ExitCode::from(cmd::EXIT_USAGE);
    }
    code
}

/// The panic hook: keeps the first panic's message and place, on one line, instead of the
/// default report on stderr.
fn keep_panic(info: &panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
    let place = info
        .location()
        .map(|location| format!(" at {}:{}", location.file(), location.line()))
        .unwrap_or_default();
    if let Ok(mut first) = PANIC.lock() {
        first.get_or_insert_with(|| format!("{message}{place}").replace('\n', " "));
    }
}

/// The one line a panic that reached `main` ends with.
fn internal_error_line() -> String {
    let what = PANIC
        .lock()
        .ok()
        .and_then(|mut first| first.take())
        .unwrap_or_else(|| "a panic".to_owned());
    format!(
        "error: internal error: {what}; this is a slacredit bug, please report it with the command and its inputs"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_one_internal_error_line() {
        panic::set_hook(Box::new(keep_panic));
        let outcome = panic::catch_unwind(|| panic!("boom\nsecond line"));
        assert!(outcome.is_err());
        let line = internal_error_line();
        assert!(
            line.starts_with("error: internal error: boom second line at src/main.rs:"),
            "{line}"
        );
        assert!(line.ends_with("please report it with the command and its inputs"));
        assert!(!line.contains('\n'));
    }
}

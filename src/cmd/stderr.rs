//! Messages on stderr: warnings, notes, row accounting and the final error. Each is written
//! with its control characters escaped, and a write that fails never panics (as `eprintln!`
//! would on a full or closed stderr): a closed pipe is ignored like a closed stdout, any other
//! failure is remembered and ends the run with exit code 2.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use slacredit::escape::EscapeControls;

/// A write to stderr failed for a reason other than a closed pipe.
static FAILED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stderr, escaped; a failure is remembered (see [`failed`]), never raised.
pub fn line(text: fmt::Arguments<'_>) {
    let mut err = EscapeControls::new(io::stderr().lock());
    if let Err(error) = writeln!(err, "{text}").and_then(|()| err.flush()) {
        record(&error);
    }
}

/// Remembers a failed write to stderr, unless the pipe was closed.
pub fn record(error: &io::Error) {
    if error.kind() != io::ErrorKind::BrokenPipe {
        FAILED.store(true, Ordering::Relaxed);
    }
}

/// Whether a write to stderr failed (other than on a closed pipe): the run then ends with
/// exit code 2, since what it had to say was lost.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

/// An escaping writer on stderr, for renderers that write many lines (validate's text output).
pub fn writer() -> EscapeControls<io::StderrLock<'static>> {
    EscapeControls::new(io::stderr().lock())
}

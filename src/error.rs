//! Error types. Every problem slacredit reports names where it is: file, line, column and field.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A position in an input file; lines and columns count from 1 (0 = unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file as the user named it.
    pub file: String,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The contract cannot be used.
    Error,
    /// Probably a mistake, but the contract can be used.
    Warning,
}

/// One problem found in a contract, by a named check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The stable kebab-case name of the check that found it (`bands-ordered`, `schema`, ...).
    pub check: &'static str,
    /// Where.
    pub location: Location,
    /// The YAML path of the offending value, e.g. `credits.rules[0].bands[1].below`.
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, ideally with a correct example.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error of `check` at `location`.
    pub fn error(
        check: &'static str,
        location: Location,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            level: Level::Error,
            check,
            location,
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// A warning of `check` at `location`.
    pub fn warning(
        check: &'static str,
        location: Location,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            level: Level::Warning,
            ..Self::error(check, location, path, message)
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(
            formatter,
            "{level}[{}]: {}: {}",
            self.check, self.location, self.message
        )?;
        if !self.path.is_empty() {
            write!(formatter, " (at {})", self.path)?;
        }
        if let Some(hint) = &self.hint {
            write!(formatter, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Everything that can stop a library call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// One or more contracts are invalid; each diagnostic has its location.
    #[error("{} problem(s) in contracts", .0.len())]
    Contract(Vec<Diagnostic>),
    /// A source mapping file is invalid.
    #[error("{location}: {message}")]
    Source {
        /// Where in the mapping file.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// An incident export cannot be read at all (bad header, I/O error mid-file).
    #[error("{location}: {message}")]
    Incidents {
        /// Where in the export.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The request itself does not make sense (e.g. a period outside every contract).
    #[error("{0}")]
    Usage(String),
}

//! Incident exports: rows as read, before any contract ([`Row`]), handed to a [`Sink`] that
//! answers what becomes of each (counted, excluded with a reason, or rejected with file, line,
//! column and reason); the routed incident record the calculation folds ([`Incident`]).

mod collapse;
#[cfg(test)]
mod collision_tests;
mod duplicates;
mod encoding;
mod exceptions;
mod fingerprint;
mod input;
mod mapping_schema;
#[cfg(test)]
mod order_tests;
mod reader;
mod records;
mod rejects;
mod row;
mod rows;
mod source;
mod split;
#[cfg(test)]
mod testing;

use serde::Serialize;

use crate::time::Instant;

pub use encoding::Encoding;
pub use exceptions::{Exception, Exceptions};
pub use fingerprint::FingerprintHasher;
pub use input::{Input, Progress};
pub use mapping_schema::mapping_schema;
pub use reader::{Reading, read_into};
pub use rejects::{REJECTS_COLUMNS, RejectedRow, Rejects, rejected_rows};
pub use row::{Answer, Facts, Fault, Row, RowCopy, Text};
pub use source::{Collapse, Field, MAPPING_KEYS, Mapping, PRESETS, Source};

/// The words of [`ExclusionReason::EarlierEvent`].
pub const EARLIER_EVENT: &str = "earlier event of an incident (folded into its latest row)";

/// One incident as the calculation sees it: a [`Row`] routed to a contract, service and severity
/// (by `calc::Router`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is a separate yes/no column of the export, not states of one thing"
)]
pub struct Incident {
    /// The ticket number.
    pub id: compact_str::CompactString,
    /// Title, for reports only.
    pub title: Box<str>,
    /// Index of the input file in the list given.
    pub file: u16,
    /// Line of the row in its file (as an editor counts lines; the header is line 1 unless blank
    /// lines come before it).
    pub line: u64,
    /// Index of the contract among those loaded.
    pub contract: u16,
    /// Index of the service within the contract.
    pub service: u16,
    /// Index of the severity the incident is judged at (the contract's `severity_basis`).
    pub severity: u16,
    /// Index of the severity the export reports now.
    pub final_severity: u16,
    /// Index of the severity at opening, when the export has it.
    pub initial_severity: Option<u16>,
    /// Whether the export gives a reason for a downgrade.
    pub downgrade_reason: bool,
    /// Ticket opened / incident detected.
    pub opened: Instant,
    /// Failure began, when the export knows it (downtime starts here).
    pub started: Option<Instant>,
    /// First response.
    pub acknowledged: Option<Instant>,
    /// Service restored; `None` = still open.
    pub resolved: Option<Instant>,
    /// Time the clock stood still (waiting for the customer), for pausable targets.
    pub paused: Paused,
    /// Whether the cause is one the contract excludes (`exclusions.causes`).
    pub excluded_cause: bool,
    /// Whether the customer disputes it.
    pub disputed: bool,
    /// Whether the row is planned maintenance rather than an incident.
    pub maintenance: bool,
    /// When notice of planned maintenance was given.
    pub notified: Option<Instant>,
    /// When the root-cause report was delivered.
    pub rca_delivered: Option<Instant>,
    /// Whether the incident is a personal-data breach (the `notify` obligation applies).
    pub data_breach: bool,
    /// When the regulator (or the customer, as the contract says) was notified of a data breach.
    pub notified_regulator: Option<Instant>,
}

/// Pauses as an export records them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub enum Paused {
    /// No pauses.
    #[default]
    None,
    /// Pause intervals `[start, end)`, sorted and merged.
    Intervals(Box<[(Instant, Instant)]>),
    /// Only a total is known.
    Total(crate::time::Seconds),
}

impl Incident {
    /// Whether the incident was opened at a more severe tier than it ends at (severities are
    /// ordered most severe first) without a reason given.
    pub fn unexplained_downgrade(&self) -> bool {
        self.initial_severity
            .is_some_and(|initial| initial < self.final_severity)
            && !self.downgrade_reason
    }

    /// When the outage began: `started` if given, else `opened`.
    pub fn outage_start(&self) -> Instant {
        self.started.unwrap_or(self.opened)
    }
}

/// A row that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rejection {
    /// The export file.
    pub file: String,
    /// Line of the row in its file.
    pub line: u64,
    /// The logical field or column at fault (empty when the whole row is at fault).
    pub column: String,
    /// The offending value.
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
    /// The row's id, when its id cell reads: so that a signed-off exception naming it can say
    /// the row was rejected. Not part of the row accounting's output (the value names it where
    /// the id is at fault).
    #[serde(skip)]
    pub id: Option<String>,
}

impl std::fmt::Display for Rejection {
    /// `file:line: column `c` value `v`: reason`.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}:{}:", self.file, self.line)?;
        if !self.column.is_empty() {
            write!(formatter, " column `{}`", self.column)?;
        }
        if !self.value.is_empty() {
            write!(formatter, " value `{}`", self.value)?;
        }
        write!(formatter, " {}", self.reason)
    }
}

/// Why a valid row is left out of the calculation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExclusionReason {
    /// Opened at or after the end of the periods computed.
    OpenedAfterPeriod,
    /// Opened after the instant the report is judged at.
    OpenedAfterAsOf,
    /// Neither opened in the periods computed, nor down in them, nor due in them.
    OutsidePeriods,
    /// Its cause is one the contract's `exclusions.causes` lists.
    ExcludedCause,
    /// Named in the signed-off exceptions file.
    SignedOff,
    /// An event-log row folded into a later row of the same incident.
    EarlierEvent,
    /// A copy of an identical row, the one kept, at `of` (`file:line`).
    Duplicate {
        /// Where the row kept is.
        of: String,
    },
    /// A reason a caller of the library gave.
    Other(&'static str),
}

impl std::fmt::Display for ExclusionReason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::OpenedAfterPeriod => "opened after the period",
            Self::OpenedAfterAsOf => "opened after --as-of",
            Self::OutsidePeriods => "not opened in the period, and no outage or target due in it",
            Self::ExcludedCause => "cause listed in the contract's exclusions.causes",
            Self::SignedOff => "signed-off exception (--exceptions)",
            Self::EarlierEvent => EARLIER_EVENT,
            Self::Duplicate { of } => {
                return write!(formatter, "duplicate of the identical row at {of}");
            }
            Self::Other(reason) => reason,
        })
    }
}

impl Serialize for ExclusionReason {
    /// As its words: the row accounting's JSON gives each reason as text.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Rows left out of the calculation for a reason that is not an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    /// Why.
    pub reason: ExclusionReason,
    /// How many rows.
    pub rows: u64,
}

/// What became of every row read. `counted + excluded + rejected = read`, always.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowAccounting {
    /// Data rows read (header lines not included).
    pub read: u64,
    /// Rows that are incidents of the period.
    pub counted: u64,
    /// Rows left out, by reason.
    pub excluded: Vec<Exclusion>,
    /// Rows rejected, each with its location.
    pub rejected: Vec<Rejection>,
    /// The earliest and latest time opened of the rows that read, counted or not: what the
    /// exports cover, to say so when none of their rows falls in the periods asked for.
    #[serde(skip)]
    pub opened: Option<OpenedSpan>,
}

/// The earliest and latest `opened` of a set of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedSpan {
    /// The earliest.
    pub first: Instant,
    /// The latest.
    pub last: Instant,
}

impl OpenedSpan {
    /// `span` widened to take in `opened`.
    pub fn widened(span: Option<Self>, opened: Instant) -> Option<Self> {
        Some(span.map_or(
            Self {
                first: opened,
                last: opened,
            },
            |span| Self {
                first: span.first.min(opened),
                last: span.last.max(opened),
            },
        ))
    }

    /// Both spans as one.
    pub fn joined(span: Option<Self>, other: Option<Self>) -> Option<Self> {
        match (span, other) {
            (Some(span), Some(other)) => Some(Self {
                first: span.first.min(other.first),
                last: span.last.max(other.last),
            }),
            (span, other) => span.or(other),
        }
    }
}

impl RowAccounting {
    /// Total rows excluded.
    pub fn excluded_rows(&self) -> u64 {
        self.excluded.iter().map(|exclusion| exclusion.rows).sum()
    }

    /// Total rows rejected.
    pub fn rejected_rows(&self) -> u64 {
        self.rejected.len() as u64
    }
}

/// The result of reading the exports for one period.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    /// The input file names, indexed by `Incident::file`.
    pub files: Vec<String>,
    /// Counted incidents, in order of contract, service, id and row.
    pub incidents: Vec<Incident>,
    /// What became of every row.
    pub rows: RowAccounting,
}

impl Incidents {
    /// `file:line` of an incident's row.
    pub fn origin(&self, incident: &Incident) -> String {
        use std::fmt::Write;
        let file = &self.files[usize::from(incident.file)];
        // Room for the longest line number: one allocation, where `format!` would grow.
        let mut origin = String::with_capacity(file.len() + 21);
        origin.push_str(file);
        let _ = write!(origin, ":{}", incident.line);
        origin
    }
}

/// Where the reader hands each row as it is read, so that a caller can fold an export without
/// keeping its rows. The sink answers for every row, and the reader accounts for the row by the
/// answer: the sink decides what a row means (which contract, whether it counts); the reader
/// only reads. An export read in parallel parts fills one sink per part, each made by
/// [`Sink::fresh`], and the parts' sinks are joined in file order.
pub trait Sink: Send + Sync {
    /// An empty sink like this one.
    #[must_use]
    fn fresh(&self) -> Self
    where
        Self: Sized;

    /// Answers for a row read: counted (the sink took it), excluded with a reason, or rejected
    /// (the field at fault, its value and why). A row that counts is the last asked for its
    /// title ([`Row::title`]); a title that cannot be read rejects it.
    fn row(&mut self, row: &Row<'_>) -> Answer;

    /// Takes back rows counted before: the copies of repeated ids that do not count, found once
    /// every row is read, all at once. Each one's row (file, line) tells it apart; a sink that
    /// answered otherwise for one of them (one of several a caller joins) leaves it be.
    fn take_back(&mut self, rows: &[RowCopy]);

    /// Moves the line of every row taken down by `lines`: a part read from the middle of a file
    /// counts its lines from where it started.
    fn shift_lines(&mut self, lines: u64);

    /// Adds what another sink took.
    fn join(&mut self, other: Self)
    where
        Self: Sized;
}

/// Routed incidents kept whole, for callers that want the incidents themselves.
#[derive(Debug, Clone, Default)]
pub struct Collect(pub Vec<Incident>);

impl Collect {
    /// The incidents in order of contract, service, id and row.
    pub fn into_sorted(self) -> Vec<Incident> {
        let mut incidents = self.0;
        incidents.sort_by(|left, right| {
            (left.contract, left.service, &left.id, left.file, left.line).cmp(&(
                right.contract,
                right.service,
                &right.id,
                right.file,
                right.line,
            ))
        });
        incidents
    }

    /// Keeps `incident`, titled `title`.
    pub fn take(&mut self, incident: &Incident, title: &str) {
        let mut kept = incident.clone();
        kept.title = title.into();
        self.0.push(kept);
    }

    /// Drops the incidents of the rows given.
    pub fn take_back(&mut self, rows: &[RowCopy]) {
        let rows: std::collections::HashSet<(u16, u64)> =
            rows.iter().map(|row| (row.file, row.line)).collect();
        self.0
            .retain(|kept| !rows.contains(&(kept.file, kept.line)));
    }

    /// See [`Sink::shift_lines`].
    pub fn shift_lines(&mut self, lines: u64) {
        for incident in &mut self.0 {
            incident.line = incident.line.saturating_add(lines);
        }
    }

    /// Adds what another kept.
    pub fn join(&mut self, other: Self) {
        self.0.extend(other.0);
    }
}

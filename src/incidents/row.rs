//! A row as the reader hands it on, before any contract: its id and place, the cells a contract
//! set routes by (service, severities, cause) as text, and its times and flags parsed. What a
//! sink answers for a row ([`Answer`]) is all the reader needs to account for it.

use compact_str::CompactString;

use super::rows::Cells;
use super::source::Field;
use super::{ExclusionReason, Paused};
use crate::time::Instant;

/// One row of an export (or one folded incident of an event log), read but not yet routed.
#[derive(Clone, Copy)]
pub struct Row<'r> {
    /// The ticket number.
    pub id: &'r str,
    /// Index of the input file in the list given.
    pub file: u16,
    /// Line of the row in its file.
    pub line: u64,
    /// The service cell, trimmed, with the source's aliases applied.
    pub service: &'r str,
    /// The severity the export reports now.
    pub severity: Text<'r>,
    /// The severity at opening, when the export has it.
    pub initial_severity: Option<Text<'r>>,
    /// The cause cell, when the export has one.
    pub cause: Option<&'r str>,
    /// Times and flags.
    pub facts: &'r Facts,
    /// Where the title is read from, when it is asked for.
    title: Title<'r>,
}

/// A cell that names something a contract defines (a severity): its value after the source's
/// aliases, and the cell as written when an alias changed it (a contract may name either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<'r> {
    /// The value after the source's aliases.
    pub value: &'r str,
    /// The cell as written, when an alias changed it.
    pub as_written: Option<&'r str>,
}

/// An owned [`Text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextCopy {
    value: CompactString,
    as_written: Option<CompactString>,
}

impl TextCopy {
    fn of(text: Text<'_>) -> Self {
        Self {
            value: text.value.into(),
            as_written: text.as_written.map(Into::into),
        }
    }

    fn text(&self) -> Text<'_> {
        Text {
            value: &self.value,
            as_written: self.as_written.as_deref(),
        }
    }
}

/// What a row says besides its id and the cells a contract routes by: parsed and checked, so that
/// it means the same to any contract.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is a separate yes/no column of the export, not states of one thing"
)]
pub struct Facts {
    /// Ticket opened / incident detected.
    pub opened: Instant,
    /// Failure began, when the export knows it.
    pub started: Option<Instant>,
    /// First response.
    pub acknowledged: Option<Instant>,
    /// Service restored; `None` = still open.
    pub resolved: Option<Instant>,
    /// Time the clock stood still.
    pub paused: Paused,
    /// Whether the export gives a reason for a downgrade.
    pub downgrade_reason: bool,
    /// Whether the customer disputes it.
    pub disputed: bool,
    /// Whether the row is planned maintenance rather than an incident.
    pub maintenance: bool,
    /// When notice of planned maintenance was given.
    pub notified: Option<Instant>,
    /// When the root-cause report was delivered.
    pub rca_delivered: Option<Instant>,
    /// Whether the incident is a personal-data breach.
    pub data_breach: bool,
    /// When the regulator (or the customer) was notified of a data breach.
    pub notified_regulator: Option<Instant>,
}

#[derive(Clone, Copy)]
enum Title<'r> {
    /// Read from the row's cells when asked for: only a row that counts needs its title, and a
    /// title that is not UTF-8 rejects only such a row.
    Cells(&'r Cells<'r>),
    /// A copy taken back keeps no title.
    None,
}

impl<'r> Row<'r> {
    /// A row read from `cells`, which give its title when asked.
    pub(super) fn read(
        (id, file, line): (&'r str, u16, u64),
        (service, severity, initial_severity, cause): (
            &'r str,
            Text<'r>,
            Option<Text<'r>>,
            Option<&'r str>,
        ),
        facts: &'r Facts,
        cells: &'r Cells<'r>,
    ) -> Self {
        Self {
            id,
            file,
            line,
            service,
            severity,
            initial_severity,
            cause,
            facts,
            title: Title::Cells(cells),
        }
    }

    /// The title cell (empty for a copy taken back), or why it rejects the row: the last cell
    /// read, and only of a row that counts.
    ///
    /// # Errors
    /// When the cell is not valid UTF-8.
    pub fn title(&self) -> Result<&'r str, Box<Fault>> {
        match self.title {
            Title::Cells(cells) => cells.title(),
            Title::None => Ok(""),
        }
    }

    /// An owned copy (without its title), for deciding repeated ids and taking rows back.
    pub fn copy(&self) -> RowCopy {
        RowCopy {
            id: self.id.into(),
            file: self.file,
            line: self.line,
            service: self.service.into(),
            severity: TextCopy::of(self.severity),
            initial_severity: self.initial_severity.map(TextCopy::of),
            cause: self.cause.map(Into::into),
            facts: self.facts.clone(),
        }
    }
}

/// A row kept whole after it was read, without its title: a copy of a repeated id, or a row to
/// take back out of a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowCopy {
    /// The ticket number.
    pub id: CompactString,
    /// Index of the input file.
    pub file: u16,
    /// Line of the row in its file.
    pub line: u64,
    service: CompactString,
    severity: TextCopy,
    initial_severity: Option<TextCopy>,
    cause: Option<CompactString>,
    facts: Facts,
}

impl RowCopy {
    /// A copy of a row saying `service`, `severity` and `initial_severity`, with `facts` (for
    /// tests that need rows without reading an export).
    #[cfg(test)]
    pub(crate) fn of(
        id: &str,
        (file, line): (u16, u64),
        (service, severity, initial_severity): (&str, Text<'_>, Option<Text<'_>>),
        facts: &Facts,
    ) -> Self {
        Self {
            id: id.into(),
            file,
            line,
            service: service.into(),
            severity: TextCopy::of(severity),
            initial_severity: initial_severity.map(TextCopy::of),
            cause: None,
            facts: facts.clone(),
        }
    }

    /// The row, as the reader handed it on (its title empty).
    pub fn row(&self) -> Row<'_> {
        Row {
            id: &self.id,
            file: self.file,
            line: self.line,
            service: &self.service,
            severity: self.severity.text(),
            initial_severity: self.initial_severity.as_ref().map(TextCopy::text),
            cause: self.cause.as_deref(),
            facts: &self.facts,
            title: Title::None,
        }
    }

    /// Whether two rows say the same (the id, title and place aside): the same service and
    /// severity cells, the same cause but for ASCII case (as contracts compare causes), and the
    /// same times and flags. Rows that say the same route alike under any contract set, so the
    /// verdict on a repeated id does not depend on the contracts read against.
    pub fn same_content(&self, other: &Self) -> bool {
        let cause = |copy: &Self| copy.cause.as_ref().map(CompactString::to_ascii_lowercase);
        (
            &self.service,
            &self.severity,
            &self.initial_severity,
            &self.facts,
        ) == (
            &other.service,
            &other.severity,
            &other.initial_severity,
            &other.facts,
        ) && cause(self) == cause(other)
    }
}

/// Why a sink (or the reader) rejects a row: the field at fault, its value and the reason. The
/// reader adds the file, the line and the field's column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The field at fault.
    pub field: Field,
    /// The offending value.
    pub value: String,
    /// Why.
    pub reason: String,
}

/// What a sink answers for a row; the reader accounts for the row by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The row counts: the sink took it.
    Counted,
    /// The row is valid but left out, for this reason; the sink did not take it.
    Excluded(ExclusionReason),
    /// The row is rejected; the sink did not take it.
    Rejected(Box<Fault>),
}

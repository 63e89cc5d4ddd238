//! A sink for testing the reader on its own, without contracts: it answers for each row by a
//! rule given as a plain function, and keeps a copy of every row it counts, with its title.

use super::row::{Answer, Row, RowCopy};
use super::{Reading, Sink};

/// A counted row as kept.
#[derive(Debug, Clone)]
pub struct Kept {
    pub row: RowCopy,
    pub title: String,
}

/// Answers for each row by `rule` (`Counted` means: count it if its title reads) and keeps the
/// rows it counts.
#[derive(Clone)]
pub struct Copies {
    pub rule: fn(&Row<'_>) -> Answer,
    pub kept: Vec<Kept>,
}

impl Copies {
    pub fn new(rule: fn(&Row<'_>) -> Answer) -> Self {
        Self {
            rule,
            kept: Vec::new(),
        }
    }
}

impl Sink for Copies {
    fn fresh(&self) -> Self {
        Self::new(self.rule)
    }

    fn row(&mut self, row: &Row<'_>) -> Answer {
        match (self.rule)(row) {
            Answer::Counted => match row.title() {
                Ok(title) => {
                    self.kept.push(Kept {
                        row: row.copy(),
                        title: title.to_owned(),
                    });
                    Answer::Counted
                }
                Err(fault) => Answer::Rejected(fault),
            },
            other => other,
        }
    }

    fn take_back(&mut self, rows: &[RowCopy]) {
        self.kept.retain(|kept| {
            !rows
                .iter()
                .any(|row| (row.file, row.line) == (kept.row.file, kept.row.line))
        });
    }

    fn shift_lines(&mut self, lines: u64) {
        for kept in &mut self.kept {
            kept.row.line += lines;
        }
    }

    fn join(&mut self, other: Self) {
        self.kept.extend(other.kept);
    }
}

/// What a reading gave, shown in full: every row kept (in file and line order) and the row
/// accounting.
pub fn shown(reading: &Reading<Copies>) -> String {
    let mut kept = reading.sink.kept.clone();
    kept.sort_by_key(|kept| (kept.row.file, kept.row.line));
    format!("{:?}\n{kept:?}\n{:?}", reading.files, reading.rows)
}

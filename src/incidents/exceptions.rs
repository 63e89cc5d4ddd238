//! Signed-off exceptions: incidents both parties agreed not to count, in a CSV file with the
//! columns `incident, approved_by, approved_on, reason`. An id that no export contains is an
//! error, so a typo cannot leave an incident counted that was meant to be waived.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::error::{Error, Location};

/// One signed-off exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The incident id it waives.
    pub incident: String,
    /// Who approved it.
    pub approved_by: String,
    /// When.
    pub approved_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// Its line in the exceptions file.
    pub line: u32,
}

/// The exceptions file, read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exceptions {
    /// The file name as given.
    pub file: String,
    /// Entries by incident id.
    pub by_incident: HashMap<String, Exception>,
}

impl Exceptions {
    /// Reads an exceptions CSV. Every row needs all four columns; a date is `YYYY-MM-DD`; an
    /// incident listed twice is an error.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let file = path.display().to_string();
        let fail = |line: u64, message: String| Error::Incidents {
            location: Location {
                file: file.clone(),
                line: line as u32,
                column: 1,
            },
            message,
        };
        let mut reader = csv::Reader::from_path(path)
            .map_err(|error| fail(1, format!("cannot read the exceptions file: {error}")))?;
        let headers = reader
            .headers()
            .map_err(|error| fail(1, format!("cannot read the header: {error}")))?
            .clone();
        let column = |name: &str| {
            headers.iter().position(|header| header.trim() == name).ok_or_else(|| {
                fail(1, format!("the exceptions file needs a `{name}` column (columns: incident, approved_by, approved_on, reason)"))
            })
        };
        let (incident, approved_by, approved_on, reason) = (
            column("incident")?,
            column("approved_by")?,
            column("approved_on")?,
            column("reason")?,
        );
        let mut by_incident = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|error| {
                fail(
                    error.position().map_or(0, csv::Position::line),
                    error.to_string(),
                )
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            let cell = |index: usize, name: &str| {
                let value = record.get(index).unwrap_or_default().trim();
                if value.is_empty() {
                    Err(fail(
                        line,
                        format!("`{name}` is empty; every exception needs it"),
                    ))
                } else {
                    Ok(value.to_owned())
                }
            };
            let date = cell(approved_on, "approved_on")?;
            let exception = Exception {
                incident: cell(incident, "incident")?,
                approved_by: cell(approved_by, "approved_by")?,
                approved_on: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
                    fail(
                        line,
                        format!(
                            "`approved_on` value `{date}` is not a date (write it like 2026-10-31)"
                        ),
                    )
                })?,
                reason: cell(reason, "reason")?,
                line: line as u32,
            };
            if let Some(first) = by_incident.get(&exception.incident) {
                let first: &Exception = first;
                return Err(fail(
                    line,
                    format!(
                        "incident `{}` already has an exception at line {}",
                        exception.incident, first.line
                    ),
                ));
            }
            by_incident.insert(exception.incident.clone(), exception);
        }
        Ok(Self { file, by_incident })
    }
}

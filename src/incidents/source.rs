//! Source mappings: which CSV column holds each logical incident field, and how timestamps are
//! written. `generic` names columns after the fields; a YAML mapping file describes any export.

use std::collections::BTreeMap;
use std::path::Path;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::{Error, Location};
use crate::time::{AmbiguousPolicy, TimestampFormat};

/// The logical fields slacredit reads from an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// Incident number (required).
    Id,
    /// Routed to a contract service (required).
    Service,
    /// Routed to a severity (required).
    Severity,
    /// Ticket opened (required).
    Opened,
    /// Failure began.
    Started,
    /// First response.
    Acknowledged,
    /// Service restored.
    Resolved,
    /// Title, for reports.
    Title,
}

impl Field {
    /// Every field, in column order of the generic preset.
    pub const ALL: [Self; 8] = [
        Self::Id,
        Self::Service,
        Self::Severity,
        Self::Opened,
        Self::Started,
        Self::Acknowledged,
        Self::Resolved,
        Self::Title,
    ];

    /// The field's name in mappings and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Service => "service",
            Self::Severity => "severity",
            Self::Opened => "opened",
            Self::Started => "started",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Title => "title",
        }
    }

    /// Whether every row must have it.
    pub fn required(self) -> bool {
        matches!(self, Self::Id | Self::Service | Self::Severity | Self::Opened)
    }
}

/// Where one logical field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// A column, with an optional map from export values to the values contracts match.
    Column {
        /// Header name.
        name: String,
        /// Value aliases; values not listed pass through unchanged.
        values: BTreeMap<String, String>,
    },
    /// The same value on every row.
    Constant(String),
}

/// A checked source mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Its name for messages (`generic` or the mapping file).
    pub name: String,
    /// One mapping per field, `None` when the export lacks it.
    pub fields: BTreeMap<Field, Mapping>,
    /// How timestamps are written.
    pub timestamps: TimestampFormat,
    /// Field separator.
    pub delimiter: u8,
}

impl Source {
    /// The `generic` preset: columns named after the fields, RFC 3339 timestamps, commas.
    pub fn generic() -> Self {
        let fields = Field::ALL
            .iter()
            .map(|field| (*field, Mapping::Column { name: field.name().to_owned(), values: BTreeMap::new() }))
            .collect();
        Self { name: "generic".to_owned(), fields, timestamps: TimestampFormat::Rfc3339, delimiter: b',' }
    }

    /// A preset by name, or a YAML mapping file by path.
    pub fn resolve(name_or_path: &str) -> Result<Self, Error> {
        match name_or_path {
            "generic" => Ok(Self::generic()),
            "servicenow" | "jira" | "pagerduty" => {
                Err(Error::Usage(format!("not supported yet: the `{name_or_path}` preset; write a mapping file (see docs/sources.md)")))
            }
            path => Self::load(Path::new(path)),
        }
    }

    /// Reads a YAML mapping file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
        let file = path.display().to_string();
        let fail = |line: u64, column: u64, message: String| Error::Source {
            location: Location { file: file.clone(), line: line as u32, column: column as u32 },
            message,
        };
        let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false, };
        let raw: RawSource = serde_saphyr::from_str_with_options(&text, options).map_err(|error| {
            let (line, column) = error.location().map_or((0, 0), |place| (place.line(), place.column()));
            fail(line, column, crate::contract::yaml_message(&error))
        })?;
        let mut fields = BTreeMap::new();
        for field in Field::ALL {
            let Some(mapping) = raw.fields.get(field.name()) else { continue };
            let mapping = match mapping {
                RawMapping::Column(name) => Mapping::Column { name: name.clone(), values: BTreeMap::new() },
                RawMapping::Detailed { column: Some(name), value: None, values } => {
                    Mapping::Column { name: name.clone(), values: values.clone() }
                }
                RawMapping::Detailed { column: None, value: Some(value), values } if values.is_empty() => {
                    Mapping::Constant(value.clone())
                }
                RawMapping::Detailed { .. } => {
                    return Err(fail(1, 1, format!("field `{}` needs either `column` (with optional `values`) or `value`", field.name())));
                }
            };
            fields.insert(field, mapping);
        }
        if let Some(unknown) = raw.fields.keys().find(|key| !Field::ALL.iter().any(|field| field.name() == key.as_str())) {
            let known: Vec<_> = Field::ALL.iter().map(|field| field.name()).collect();
            return Err(fail(1, 1, format!("unknown field `{unknown}` (known: {})", known.join(", "))));
        }
        if let Some(missing) = Field::ALL.iter().find(|field| field.required() && !fields.contains_key(field)) {
            return Err(fail(1, 1, format!("the mapping must name a column for `{}`", missing.name())));
        }
        let timestamps = match raw.timestamps {
            None => TimestampFormat::Rfc3339,
            Some(RawTimestamps { format, timezone, ambiguous }) => {
                let zone: Tz = timezone.parse().map_err(|_| fail(1, 1, format!("unknown timezone `{timezone}` in `timestamps`")))?;
                let ambiguous = match ambiguous.as_deref() {
                    None | Some("reject") => AmbiguousPolicy::Reject,
                    Some("earliest") => AmbiguousPolicy::Earliest,
                    Some("latest") => AmbiguousPolicy::Latest,
                    Some(other) => {
                        return Err(fail(1, 1, format!("unknown `ambiguous: {other}` (expected reject, earliest or latest)")));
                    }
                };
                TimestampFormat::Local { pattern: format, zone, ambiguous }
            }
        };
        let delimiter = match raw.delimiter.as_deref() {
            None => b',',
            Some(text) if text.len() == 1 && text.is_ascii() => text.as_bytes()[0],
            Some(other) => return Err(fail(1, 1, format!("`delimiter: {other}` must be one ASCII character"))),
        };
        Ok(Self { name: file, fields, timestamps, delimiter })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    fields: BTreeMap<String, RawMapping>,
    timestamps: Option<RawTimestamps>,
    delimiter: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawMapping {
    Column(String),
    Detailed {
        column: Option<String>,
        value: Option<String>,
        #[serde(default)]
        values: BTreeMap<String, String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimestamps {
    format: String,
    timezone: String,
    ambiguous: Option<String>,
}

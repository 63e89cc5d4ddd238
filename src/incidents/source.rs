//! Source mappings: which CSV column holds each logical incident field, and how timestamps are
//! written. `generic` names columns after the fields; a YAML mapping file describes any export.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::format::{Item, StrftimeItems};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;

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
    /// Pause intervals `start/end;start/end`, or a total (`1h20m`, or seconds).
    Paused,
    /// Severity when the ticket was opened.
    InitialSeverity,
    /// Why the severity was lowered.
    DowngradeReason,
    /// Root cause category: `vendor`, `customer`, `force_majeure`, ...
    Cause,
    /// Whether the customer disputes the incident (`true`/`yes`/`1`).
    Disputed,
    /// Whether the row is planned maintenance (`true`/`yes`/`1`).
    Maintenance,
    /// When notice of the maintenance was given.
    Notified,
    /// When the root-cause report was delivered.
    RcaDelivered,
    /// Whether the incident is a personal-data breach (`true`/`yes`/`1`).
    DataBreach,
    /// When the regulator was notified of a data breach.
    NotifiedRegulator,
    /// Title, for reports.
    Title,
}

impl Field {
    /// Every field, in column order of the generic preset.
    pub const ALL: [Self; 18] = [
        Self::Id,
        Self::Service,
        Self::Severity,
        Self::Opened,
        Self::Started,
        Self::Acknowledged,
        Self::Resolved,
        Self::Paused,
        Self::InitialSeverity,
        Self::DowngradeReason,
        Self::Cause,
        Self::Disputed,
        Self::Maintenance,
        Self::Notified,
        Self::RcaDelivered,
        Self::DataBreach,
        Self::NotifiedRegulator,
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
            Self::Paused => "paused",
            Self::InitialSeverity => "initial_severity",
            Self::DowngradeReason => "downgrade_reason",
            Self::Cause => "cause",
            Self::Disputed => "disputed",
            Self::Maintenance => "maintenance",
            Self::Notified => "notified",
            Self::RcaDelivered => "rca_delivered",
            Self::DataBreach => "data_breach",
            Self::NotifiedRegulator => "notified_regulator",
            Self::Title => "title",
        }
    }

    /// Position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether every row must have it.
    pub fn required(self) -> bool {
        matches!(
            self,
            Self::Id | Self::Service | Self::Severity | Self::Opened
        )
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
            .map(|field| {
                (
                    *field,
                    Mapping::Column {
                        name: field.name().to_owned(),
                        values: BTreeMap::new(),
                    },
                )
            })
            .collect();
        Self {
            name: "generic".to_owned(),
            fields,
            timestamps: TimestampFormat::Rfc3339,
            delimiter: b',',
        }
    }

    /// A preset by name, or a YAML mapping file by path.
    pub fn resolve(name_or_path: &str) -> Result<Self, Error> {
        match name_or_path {
            "generic" => Ok(Self::generic()),
            "servicenow" | "jira" | "pagerduty" => Err(Error::Usage(format!(
                "not supported yet: the `{name_or_path}` preset; write a mapping file (see docs/sources.md)"
            ))),
            path => Self::load(Path::new(path)),
        }
    }

    /// Reads a YAML mapping file. Every problem names the file, line and column.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let file = path.display().to_string();
        let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false, };
        let raw: RawSource =
            serde_saphyr::from_str_with_options(&text, options).map_err(|error| {
                let (line, column) = error
                    .location()
                    .map_or((0, 0), |place| (place.line(), place.column()));
                let location = Location {
                    file: file.clone(),
                    line: line as u32,
                    column: column as u32,
                };
                Error::Source {
                    location,
                    message: crate::contract::yaml_message(&error),
                }
            })?;
        let fail = |at: &serde_saphyr::Location, message: String| Error::Source {
            location: Location {
                file: file.clone(),
                line: at.line() as u32,
                column: at.column() as u32,
            },
            message,
        };
        let mut fields = BTreeMap::new();
        for field in Field::ALL {
            if let Some(mapping) = raw.fields.value.get(field) {
                fields.insert(
                    field,
                    mapping_of(field, &mapping.value)
                        .map_err(|message| fail(&mapping.referenced, message))?,
                );
            } else if field.required() {
                return Err(fail(
                    &raw.fields.referenced,
                    format!("the mapping must name a column for `{}`", field.name()),
                ));
            }
        }
        let timestamps = match &raw.timestamps {
            None => TimestampFormat::Rfc3339,
            Some(timestamps) => {
                timestamp_format(&timestamps.value).map_err(|(at, message)| fail(&at, message))?
            }
        };
        let delimiter = match &raw.delimiter {
            None => b',',
            Some(text) if text.value.len() == 1 && text.value.is_ascii() => {
                text.value.as_bytes()[0]
            }
            Some(text) => {
                return Err(fail(
                    &text.referenced,
                    format!("`delimiter: {}` must be one ASCII character", text.value),
                ));
            }
        };
        Ok(Self {
            name: file,
            fields,
            timestamps,
            delimiter,
        })
    }
}

fn mapping_of(field: Field, raw: &RawMapping) -> Result<Mapping, String> {
    match raw {
        RawMapping::Column(name) => Ok(Mapping::Column {
            name: name.clone(),
            values: BTreeMap::new(),
        }),
        RawMapping::Detailed {
            column: Some(name),
            value: None,
            values,
        } => Ok(Mapping::Column {
            name: name.clone(),
            values: values.clone(),
        }),
        RawMapping::Detailed {
            column: None,
            value: Some(value),
            values,
        } if values.is_empty() => Ok(Mapping::Constant(value.clone())),
        RawMapping::Detailed { .. } => Err(format!(
            "field `{}` needs either `column` (with optional `values`) or `value`",
            field.name()
        )),
    }
}

fn timestamp_format(
    raw: &RawTimestamps,
) -> Result<TimestampFormat, (serde_saphyr::Location, String)> {
    let pattern = &raw.format;
    if StrftimeItems::new(&pattern.value).any(|item| item == Item::Error) {
        return Err((
            pattern.referenced,
            format!(
                "`{}` is not a valid strftime pattern (like `%d/%m/%Y %H:%M`)",
                pattern.value
            ),
        ));
    }
    let zone: Tz = raw.timezone.value.parse().map_err(|_| {
        (
            raw.timezone.referenced,
            format!(
                "unknown timezone `{}` (use an IANA name like Europe/Berlin)",
                raw.timezone.value
            ),
        )
    })?;
    let ambiguous = match raw
        .ambiguous
        .as_ref()
        .map(|policy| (policy.value.as_str(), policy.referenced))
    {
        None | Some(("reject", _)) => AmbiguousPolicy::Reject,
        Some(("earliest", _)) => AmbiguousPolicy::Earliest,
        Some(("latest", _)) => AmbiguousPolicy::Latest,
        Some((other, at)) => {
            return Err((
                at,
                format!("unknown `ambiguous: {other}` (expected reject, earliest or latest)"),
            ));
        }
    };
    Ok(TimestampFormat::Local {
        pattern: pattern.value.clone(),
        zone,
        ambiguous,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    fields: Spanned<RawFields>,
    timestamps: Option<Spanned<RawTimestamps>>,
    delimiter: Option<Spanned<String>>,
}

/// One optional entry per logical field; an unknown field name is a YAML error at its line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFields {
    id: Option<Spanned<RawMapping>>,
    service: Option<Spanned<RawMapping>>,
    severity: Option<Spanned<RawMapping>>,
    opened: Option<Spanned<RawMapping>>,
    started: Option<Spanned<RawMapping>>,
    acknowledged: Option<Spanned<RawMapping>>,
    resolved: Option<Spanned<RawMapping>>,
    paused: Option<Spanned<RawMapping>>,
    initial_severity: Option<Spanned<RawMapping>>,
    downgrade_reason: Option<Spanned<RawMapping>>,
    cause: Option<Spanned<RawMapping>>,
    disputed: Option<Spanned<RawMapping>>,
    maintenance: Option<Spanned<RawMapping>>,
    notified: Option<Spanned<RawMapping>>,
    rca_delivered: Option<Spanned<RawMapping>>,
    data_breach: Option<Spanned<RawMapping>>,
    notified_regulator: Option<Spanned<RawMapping>>,
    title: Option<Spanned<RawMapping>>,
}

impl RawFields {
    fn get(&self, field: Field) -> Option<&Spanned<RawMapping>> {
        match field {
            Field::Id => self.id.as_ref(),
            Field::Service => self.service.as_ref(),
            Field::Severity => self.severity.as_ref(),
            Field::Opened => self.opened.as_ref(),
            Field::Started => self.started.as_ref(),
            Field::Acknowledged => self.acknowledged.as_ref(),
            Field::Resolved => self.resolved.as_ref(),
            Field::Paused => self.paused.as_ref(),
            Field::InitialSeverity => self.initial_severity.as_ref(),
            Field::DowngradeReason => self.downgrade_reason.as_ref(),
            Field::Cause => self.cause.as_ref(),
            Field::Disputed => self.disputed.as_ref(),
            Field::Maintenance => self.maintenance.as_ref(),
            Field::Notified => self.notified.as_ref(),
            Field::RcaDelivered => self.rca_delivered.as_ref(),
            Field::DataBreach => self.data_breach.as_ref(),
            Field::NotifiedRegulator => self.notified_regulator.as_ref(),
            Field::Title => self.title.as_ref(),
        }
    }
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
    format: Spanned<String>,
    timezone: Spanned<String>,
    ambiguous: Option<Spanned<String>>,
}

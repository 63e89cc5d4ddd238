//! Source mappings: which CSV column holds each logical incident field, how timestamps are
//! written, which cells mean "no value", the file's encoding, and whether rows are events to fold.
//! Built-in presets (`generic`, `servicenow`, `jira`, `pagerduty`) describe common exports; a
//! YAML mapping file describes any export, on its own or starting from a preset.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::format::{Item, StrftimeItems};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::encoding::Encoding;
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

/// How an event-log export (one row per update of a ticket) is folded into one incident per id.
/// The rule is documented in `docs/sources.md`: the latest row (by `updated`, ties in file order)
/// gives the incident's fields; the state history gives `acknowledged`, pauses and `resolved`
/// where the latest row has no value for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collapse {
    /// The column with the time of each event.
    pub updated: String,
    /// The column with the ticket's state after each event; `None` derives nothing from states.
    pub state: Option<String>,
    /// Whether the state column must be in the header (named by the mapping file rather than
    /// inherited from a preset, whose exports may lack it).
    pub state_required: bool,
    /// States before the first response: `acknowledged` is the first event in any other state.
    pub new_states: Vec<String>,
    /// States in which the clock stands still (waiting for the customer or a third party).
    pub pause_states: Vec<String>,
    /// States in which the incident is resolved; leaving one is a reopen.
    pub resolved_states: Vec<String>,
}

/// A checked source mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Its name for messages (the preset's name or the mapping file).
    pub name: String,
    /// The preset it starts from (`generic` when a mapping file names none).
    pub preset: &'static str,
    /// One mapping per field, `None` when the export lacks it.
    pub fields: BTreeMap<Field, Mapping>,
    /// Fields whose column comes from the preset rather than the mapping file. An export may
    /// lack such a column for an optional field, which is then absent; every other column named
    /// must be in the header.
    pub preset_columns: BTreeSet<Field>,
    /// How timestamps are written.
    pub timestamps: TimestampFormat,
    /// Field separator.
    pub delimiter: u8,
    /// Cell values that mean "no value" (`?`, `NULL`, `-`), besides an empty cell.
    pub missing: Vec<String>,
    /// The bytes' character encoding.
    pub encoding: Encoding,
    /// Set for event-log exports: fold the rows of each id into one incident.
    pub collapse: Option<Collapse>,
}

/// The names `--source` and `preset:` accept.
pub const PRESETS: [&str; 4] = ["generic", "servicenow", "jira", "pagerduty"];

/// A built-in description of a tool's export.
struct Preset {
    name: &'static str,
    /// Column per field.
    columns: &'static [(Field, &'static str)],
    /// Value aliases of the severity column: the tool's priority names to `P1`..`P5`.
    severities: &'static [(&'static str, &'static str)],
    /// `None` = RFC 3339; else a strftime pattern of wall time in UTC.
    pattern: Option<&'static str>,
    /// Event-log defaults: updated column, state column, new, pause and resolved states.
    updated: &'static str,
    state: &'static str,
    new_states: &'static [&'static str],
    pause_states: &'static [&'static str],
    resolved_states: &'static [&'static str],
}

const SERVICENOW: Preset = Preset {
    name: "servicenow",
    columns: &[
        (Field::Id, "number"),
        (Field::Service, "business_service"),
        (Field::Severity, "priority"),
        (Field::Opened, "opened_at"),
        (Field::Resolved, "resolved_at"),
        (Field::Title, "short_description"),
    ],
    severities: &[
        ("1 - Critical", "P1"),
        ("2 - High", "P2"),
        ("3 - Moderate", "P3"),
        ("4 - Low", "P4"),
        ("5 - Planning", "P5"),
    ],
    // CSV exports write date-time fields as stored: `2026-10-01 08:00:00`, in UTC.
    pattern: Some("%Y-%m-%d %H:%M:%S"),
    updated: "sys_updated_on",
    state: "state",
    new_states: &["New"],
    pause_states: &[
        "On Hold",
        "Awaiting User Info",
        "Awaiting Evidence",
        "Awaiting Problem",
        "Awaiting Vendor",
        "Awaiting Change",
    ],
    resolved_states: &["Resolved", "Closed", "Canceled"],
};

const JIRA: Preset = Preset {
    name: "jira",
    columns: &[
        (Field::Id, "Issue key"),
        (Field::Service, "Component/s"),
        (Field::Severity, "Priority"),
        (Field::Opened, "Created"),
        (Field::Resolved, "Resolved"),
        (Field::Title, "Summary"),
    ],
    severities: &[
        ("Highest", "P1"),
        ("High", "P2"),
        ("Medium", "P3"),
        ("Low", "P4"),
        ("Lowest", "P5"),
    ],
    // Jira's default CSV date format, `12/Mar/26 3:45 PM`, in the exporting user's zone.
    pattern: Some("%d/%b/%y %I:%M %p"),
    updated: "Updated",
    state: "Status",
    new_states: &["Open", "To Do", "Waiting for support"],
    pause_states: &["Waiting for customer", "Pending"],
    resolved_states: &["Resolved", "Closed", "Done", "Canceled"],
};

const PAGERDUTY: Preset = Preset {
    name: "pagerduty",
    columns: &[
        (Field::Id, "incident_number"),
        (Field::Service, "service_name"),
        (Field::Severity, "priority_name"),
        (Field::Opened, "created_at"),
        (Field::Resolved, "resolved_at"),
        (Field::Title, "title"),
    ],
    // PagerDuty priorities are already called P1..P5.
    severities: &[],
    pattern: None,
    updated: "updated_at",
    state: "status",
    new_states: &["triggered"],
    pause_states: &[],
    resolved_states: &["resolved"],
};

impl Preset {
    fn named(name: &str) -> Option<&'static Self> {
        [&SERVICENOW, &JIRA, &PAGERDUTY]
            .into_iter()
            .find(|preset| preset.name == name)
    }

    fn source(&self) -> Source {
        let fields: BTreeMap<Field, Mapping> = self
            .columns
            .iter()
            .map(|(field, column)| {
                let values = if *field == Field::Severity {
                    self.severities
                        .iter()
                        .map(|(from, to)| ((*from).to_owned(), (*to).to_owned()))
                        .collect()
                } else {
                    BTreeMap::new()
                };
                let name = (*column).to_owned();
                (*field, Mapping::Column { name, values })
            })
            .collect();
        Source {
            name: self.name.to_owned(),
            preset: self.name,
            preset_columns: fields.keys().copied().collect(),
            fields,
            timestamps: self.pattern.map_or(TimestampFormat::Rfc3339, |pattern| {
                TimestampFormat::Local {
                    pattern: pattern.to_owned(),
                    zone: Tz::UTC,
                    ambiguous: AmbiguousPolicy::Reject,
                }
            }),
            delimiter: b',',
            missing: Vec::new(),
            encoding: Encoding::Utf8,
            collapse: None,
        }
    }

    fn collapse(&self) -> Collapse {
        let owned = |states: &[&str]| states.iter().map(|state| (*state).to_owned()).collect();
        Collapse {
            updated: self.updated.to_owned(),
            state: Some(self.state.to_owned()),
            state_required: false,
            new_states: owned(self.new_states),
            pause_states: owned(self.pause_states),
            resolved_states: owned(self.resolved_states),
        }
    }
}

/// The `generic` preset's event-log defaults: columns `updated` and `state`.
const GENERIC_COLLAPSE: Preset = Preset {
    name: "generic",
    columns: &[],
    severities: &[],
    pattern: None,
    updated: "updated",
    state: "state",
    new_states: &["New"],
    pause_states: &[],
    resolved_states: &["Resolved", "Closed"],
};

impl Source {
    /// The `generic` preset: columns named after the fields, RFC 3339 timestamps, commas.
    pub fn generic() -> Self {
        let fields: BTreeMap<Field, Mapping> = Field::ALL
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
            preset: "generic",
            preset_columns: fields.keys().copied().collect(),
            fields,
            timestamps: TimestampFormat::Rfc3339,
            delimiter: b',',
            missing: Vec::new(),
            encoding: Encoding::Utf8,
            collapse: None,
        }
    }

    /// Whether an export may lack the column of `field`: an optional field whose column comes
    /// from the preset.
    pub fn column_optional(&self, field: Field) -> bool {
        !field.required() && self.preset_columns.contains(&field)
    }

    /// A built-in preset by name: `generic`, `servicenow`, `jira` or `pagerduty`.
    pub fn preset(name: &str) -> Option<Self> {
        if name == "generic" {
            return Some(Self::generic());
        }
        Preset::named(name).map(Preset::source)
    }

    /// A preset by name, or a YAML mapping file by path.
    pub fn resolve(name_or_path: &str) -> Result<Self, Error> {
        if let Some(source) = Self::preset(name_or_path) {
            return Ok(source);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            let mut message = format!(
                "--source `{name_or_path}` is neither a preset ({}) nor a mapping file that exists",
                PRESETS.join(", ")
            );
            if let Some(suggestion) = crate::contract::suggest::did_you_mean(name_or_path, PRESETS)
            {
                message.push_str("; ");
                message.push_str(&suggestion);
            }
            return Err(Error::Usage(message));
        }
        Self::load(path)
    }

    /// Reads a YAML mapping file. Every problem names the file, line and column.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let file = path.display().to_string();
        let raw = parse_mapping(&file, &text).map_err(|diagnostic| Error::Source {
            location: diagnostic.location,
            message: diagnostic.message,
        })?;
        Self::from_raw(&file, &raw)
    }

    /// Checks a mapping file's text for `slacredit validate`: a YAML or shape problem is a
    /// `schema` diagnostic, a value that does not parse an `invalid-value` one, each with its
    /// YAML path. The first problem stops the check, as it stops a report.
    pub fn check_text(file: &str, text: &str) -> Result<Self, Box<crate::error::Diagnostic>> {
        let raw = parse_mapping(file, text)?;
        Self::from_raw(file, &raw).map_err(|error| {
            Box::new(match error {
                Error::Source { location, message } => {
                    let path = crate::contract::path_at(text, location.line, location.column);
                    crate::error::Diagnostic::error("invalid-value", location, path, message)
                }
                other => crate::error::Diagnostic::error(
                    "invalid-value",
                    Location {
                        file: file.to_owned(),
                        line: 0,
                        column: 0,
                    },
                    "",
                    other.to_string(),
                ),
            })
        })
    }

    /// The checked mapping from its parsed shape.
    fn from_raw(file: &str, raw: &RawSource) -> Result<Self, Error> {
        let file = file.to_owned();
        let fail = |at: &serde_saphyr::Location, message: String| Error::Source {
            location: Location {
                file: file.clone(),
                line: at.line() as u32,
                column: at.column() as u32,
            },
            message,
        };
        let start = |message: String| Error::Source {
            location: Location {
                file: file.clone(),
                line: 1,
                column: 1,
            },
            message,
        };
        let mut source = match &raw.preset {
            None => Self {
                name: String::new(),
                preset: "generic",
                fields: BTreeMap::new(),
                preset_columns: BTreeSet::new(),
                timestamps: TimestampFormat::Rfc3339,
                delimiter: b',',
                missing: Vec::new(),
                encoding: Encoding::Utf8,
                collapse: None,
            },
            Some(name) => Self::preset(&name.value)
                .ok_or_else(|| fail(&name.referenced, preset_message(&name.value)))?,
        };
        source.name.clone_from(&file);
        if let Some(fields) = &raw.fields {
            for field in Field::ALL {
                if let Some(mapping) = fields.value.get(field) {
                    source.fields.insert(
                        field,
                        mapping_of(field, &mapping.value)
                            .map_err(|message| fail(&mapping.referenced, message))?,
                    );
                    source.preset_columns.remove(&field);
                }
            }
        }
        if let Some(field) = Field::ALL
            .into_iter()
            .find(|field| field.required() && !source.fields.contains_key(field))
        {
            let message = format!(
                "the mapping must name a column for `{}` (under `fields`, or start from a `preset`)",
                field.name()
            );
            return Err(match &raw.fields {
                Some(fields) => fail(&fields.referenced, message),
                None => start(message),
            });
        }
        source.apply_settings(raw, &file)?;
        Ok(source)
    }

    /// The mapping file's settings besides `fields`, over the preset's.
    fn apply_settings(&mut self, raw: &RawSource, file: &str) -> Result<(), Error> {
        let source = self;
        let fail = |at: &serde_saphyr::Location, message: String| Error::Source {
            location: Location {
                file: file.to_owned(),
                line: at.line() as u32,
                column: at.column() as u32,
            },
            message,
        };
        if let Some(timestamps) = &raw.timestamps {
            source.timestamps =
                timestamp_format(&timestamps.value, timestamps.referenced, &source.timestamps)
                    .map_err(|(at, message)| fail(&at, message))?;
        }
        if let Some(text) = &raw.delimiter {
            source.delimiter =
                delimiter_of(&text.value).map_err(|message| fail(&text.referenced, message))?;
        }
        if let Some(missing) = &raw.missing {
            if missing.value.iter().any(|marker| marker.trim().is_empty()) {
                return Err(fail(
                    &missing.referenced,
                    "`missing` lists the cell values that mean \"no value\", like [\"?\", \"NULL\"]; an empty cell always does".to_owned(),
                ));
            }
            source.missing = missing
                .value
                .iter()
                .map(|marker| marker.trim().to_owned())
                .collect();
        }
        if let Some(encoding) = &raw.encoding {
            source.encoding = Encoding::named(&encoding.value).ok_or_else(|| {
                fail(
                    &encoding.referenced,
                    format!(
                        "unknown `encoding: {}` (expected utf-8, latin1 or windows-1252)",
                        encoding.value
                    ),
                )
            })?;
        }
        if let Some(collapse) = &raw.collapse {
            source.collapse = Some(
                collapse_of(&collapse.value.0, collapse.referenced, source.preset)
                    .map_err(|(at, message)| fail(&at, message))?,
            );
        }
        Ok(())
    }
}

/// The byte a `delimiter` value names: one printable ASCII character other than a quote, or a
/// tab. A quote would leave no way to quote a cell; a line end, a space or a NUL (or another
/// control character) would make lines, cells that are trimmed of spaces, or invisible bytes
/// separate cells.
fn delimiter_of(text: &str) -> Result<u8, String> {
    match text.as_bytes() {
        [byte @ (b'!'..=b'~' | b'\t')] if *byte != b'"' => Ok(*byte),
        _ => Err(format!(
            "`delimiter: {text:?}` must be one printable ASCII character other than a quote (like \";\" or \"|\"), or a tab (\"\\t\"): a quote, a space, a line end or another control character cannot separate cells"
        )),
    }
}

/// Parses a mapping file's YAML shape; a problem is a `schema` diagnostic in words a mapping's
/// author understands (`crate::contract::yaml_diagnostic`).
fn parse_mapping(file: &str, text: &str) -> Result<RawSource, Box<crate::error::Diagnostic>> {
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false, };
    serde_saphyr::from_str_with_options(text, options).map_err(|error| {
        let mut diagnostic = crate::contract::yaml_diagnostic(file, text, &error);
        diagnostic.hint = Some("see docs/sources.md for the mapping file format".to_owned());
        Box::new(diagnostic)
    })
}

/// The error for a preset name that is not one, with the closest preset if any.
fn preset_message(name: &str) -> String {
    let mut message = format!(
        "unknown preset `{name}` (expected one of: {})",
        PRESETS.join(", ")
    );
    if let Some(suggestion) = crate::contract::suggest::did_you_mean(name, PRESETS) {
        message.push_str("; ");
        message.push_str(&suggestion);
    }
    message
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

fn collapse_of(
    raw: &RawCollapse,
    at: serde_saphyr::Location,
    preset: &str,
) -> Result<Collapse, (serde_saphyr::Location, String)> {
    if raw.mode.value != "latest" {
        let place = if raw.mode.referenced == serde_saphyr::Location::UNKNOWN {
            at
        } else {
            raw.mode.referenced
        };
        return Err((
            place,
            format!(
                "unknown collapse mode `{}` (expected latest: each incident takes its latest row)",
                raw.mode.value
            ),
        ));
    }
    let mut collapse = Preset::named(preset)
        .unwrap_or(&GENERIC_COLLAPSE)
        .collapse();
    if let Some(updated) = &raw.updated {
        collapse.updated.clone_from(updated);
    }
    if let Some(state) = &raw.state {
        collapse.state = Some(state.clone());
        collapse.state_required = true;
    }
    for (raw_states, states) in [
        (&raw.new_states, &mut collapse.new_states),
        (&raw.pause_states, &mut collapse.pause_states),
        (&raw.resolved_states, &mut collapse.resolved_states),
    ] {
        if let Some(raw_states) = raw_states {
            states.clone_from(raw_states);
        }
    }
    let lists = [
        ("new_states", &collapse.new_states),
        ("pause_states", &collapse.pause_states),
        ("resolved_states", &collapse.resolved_states),
    ];
    for (index, (name, states)) in lists.iter().enumerate() {
        for (other, other_states) in &lists[index + 1..] {
            if let Some(state) = states.iter().find(|state| {
                other_states
                    .iter()
                    .any(|other| other.eq_ignore_ascii_case(state))
            }) {
                return Err((
                    at,
                    format!(
                        "state `{state}` is in both `{name}` and `{other}`; a state has one meaning"
                    ),
                ));
            }
        }
    }
    Ok(collapse)
}

fn timestamp_format(
    raw: &RawTimestamps,
    at: serde_saphyr::Location,
    preset: &TimestampFormat,
) -> Result<TimestampFormat, (serde_saphyr::Location, String)> {
    let (preset_pattern, preset_zone) = match preset {
        TimestampFormat::Rfc3339 => (None, None),
        TimestampFormat::Local { pattern, zone, .. } => (Some(pattern.clone()), Some(*zone)),
    };
    let pattern = match (&raw.format, preset_pattern) {
        (Some(pattern), _) => {
            if StrftimeItems::new(&pattern.value).any(|item| item == Item::Error) {
                return Err((
                    pattern.referenced,
                    format!(
                        "`{}` is not a valid strftime pattern (like `%d/%m/%Y %H:%M`)",
                        pattern.value
                    ),
                ));
            }
            pattern.value.clone()
        }
        (None, Some(pattern)) => pattern,
        (None, None) => {
            return Err((
                at,
                "`timestamps` needs a `format` (a strftime pattern like `%d/%m/%Y %H:%M`)"
                    .to_owned(),
            ));
        }
    };
    let zone = match (&raw.timezone, preset_zone) {
        (Some(name), _) => name.value.parse().map_err(|_| {
            (
                name.referenced,
                format!(
                    "unknown timezone `{}`; {}",
                    name.value,
                    crate::contract::suggest::timezone_hint(&name.value)
                ),
            )
        })?,
        (None, Some(zone)) => zone,
        (None, None) => {
            return Err((
                at,
                "`timestamps` needs a `timezone` (an IANA name like Europe/Berlin, or UTC)"
                    .to_owned(),
            ));
        }
    };
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
        pattern,
        zone,
        ambiguous,
    })
}

/// The top-level keys of a mapping file (`validate` tells mapping files from contracts by them).
pub const MAPPING_KEYS: [&str; 7] = [
    "preset",
    "fields",
    "timestamps",
    "delimiter",
    "missing",
    "encoding",
    "collapse",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    preset: Option<Spanned<String>>,
    fields: Option<Spanned<RawFields>>,
    timestamps: Option<Spanned<RawTimestamps>>,
    delimiter: Option<Spanned<String>>,
    missing: Option<Spanned<Vec<String>>>,
    encoding: Option<Spanned<String>>,
    collapse: Option<Spanned<RawCollapseValue>>,
}

/// `collapse: latest`, or `collapse: { mode: latest, ... }` with the keys to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCollapse {
    mode: Spanned<String>,
    updated: Option<String>,
    state: Option<String>,
    new_states: Option<Vec<String>>,
    pause_states: Option<Vec<String>>,
    resolved_states: Option<Vec<String>>,
}

/// `collapse` as written: either shape. A hand-written `Deserialize` rather than an untagged
/// enum, which would replace the keys' own errors (`unknown field`, with its place) by "did not
/// match any variant".
#[derive(Debug)]
struct RawCollapseValue(RawCollapse);

impl<'de> Deserialize<'de> for RawCollapseValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ModeOrKeys;

        impl<'de> serde::de::Visitor<'de> for ModeOrKeys {
            type Value = RawCollapse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("`latest`, or a map with `mode: latest` and the keys to change")
            }

            fn visit_str<E: serde::de::Error>(self, mode: &str) -> Result<RawCollapse, E> {
                let nowhere = serde_saphyr::Location::UNKNOWN;
                Ok(RawCollapse {
                    mode: Spanned::new(mode.to_owned(), nowhere, nowhere),
                    updated: None,
                    state: None,
                    new_states: None,
                    pause_states: None,
                    resolved_states: None,
                })
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<RawCollapse, M::Error> {
                RawCollapse::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_any(ModeOrKeys).map(Self)
    }
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
    format: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    ambiguous: Option<Spanned<String>>,
}

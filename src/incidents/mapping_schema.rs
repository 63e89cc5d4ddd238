//! The JSON Schema of a source mapping file (`--source FILE`, docs/sources.md), for editors and
//! CI. It is written from the same lists the loader uses (fields, presets), so a field added to
//! [`Field::ALL`] appears here too.

use serde_json::{Value, json};

use super::source::{Field, PRESETS};

/// What each logical field holds, for its description.
fn field_description(field: Field) -> &'static str {
    match field {
        Field::Id => "Incident number (required).",
        Field::Service => {
            "The service, routed to a contract service by its `match` globs (required)."
        }
        Field::Severity => {
            "The severity, routed to a contract severity by its `match` values (required)."
        }
        Field::Opened => "When the ticket was opened (required).",
        Field::Started => "When the failure began.",
        Field::Acknowledged => "First response.",
        Field::Resolved => "Service restored.",
        Field::Paused => "Pause intervals `start/end;start/end`, or a total (`1h20m`, or seconds).",
        Field::InitialSeverity => "Severity when the ticket was opened.",
        Field::DowngradeReason => "Why the severity was lowered.",
        Field::Cause => "Root cause category: `vendor`, `customer`, `force_majeure`, ...",
        Field::Disputed => "Whether the customer disputes the incident (`true`/`yes`/`1`).",
        Field::Maintenance => "Whether the row is planned maintenance (`true`/`yes`/`1`).",
        Field::Notified => "When notice of the maintenance was given.",
        Field::RcaDelivered => "When the root-cause report was delivered.",
        Field::DataBreach => "Whether the incident is a personal-data breach (`true`/`yes`/`1`).",
        Field::NotifiedRegulator => "When the regulator was notified of a data breach.",
        Field::Title => "Title, for reports.",
    }
}

/// The JSON Schema (draft 2020-12) of a mapping file.
pub fn mapping_schema() -> Value {
    let fields: serde_json::Map<String, Value> = Field::ALL
        .iter()
        .map(|field| {
            (
                field.name().to_owned(),
                json!({ "description": field_description(*field), "$ref": "#/$defs/FieldMapping" }),
            )
        })
        .collect();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "slacredit source mapping",
        "description": "How to read an incident export: which column holds each field, how timestamps are written, which cells mean no value, the encoding, and whether rows are events to fold. See docs/sources.md.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "preset": {
                "description": "A built-in export description to start from; the keys below change it.",
                "enum": PRESETS
            },
            "fields": {
                "description": "Where each logical field comes from: a column name, `{ column, values }` with value aliases, or `{ value }` for the same value on every row.",
                "type": "object",
                "additionalProperties": false,
                "properties": fields
            },
            "timestamps": {
                "description": "How timestamps are written when they are not RFC 3339 with an offset.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "format": { "description": "A strftime pattern, like `%d/%m/%Y %H:%M`.", "type": "string", "minLength": 1 },
                    "timezone": { "description": "The IANA time zone the wall times are in.", "$ref": "#/$defs/TimeZone" },
                    "ambiguous": {
                        "description": "What a wall time that happens twice (when clocks go back) means: `reject` (the default), `earliest` or `latest`.",
                        "enum": ["reject", "earliest", "latest"]
                    }
                }
            },
            "delimiter": {
                "description": "The field separator: one printable ASCII character other than a quote, or a tab (default `,`).",
                "type": "string",
                "pattern": "^[\\t!#-~]$"
            },
            "missing": {
                "description": "Cell values that mean \"no value\" besides an empty cell, like [\"?\", \"NULL\"].",
                "type": "array",
                "items": { "type": "string", "pattern": "\\S" }
            },
            "encoding": {
                "description": "The export's character encoding (default utf-8).",
                "enum": ["utf-8", "utf8", "latin1", "latin-1", "iso-8859-1", "iso8859-1", "windows-1252", "cp1252"]
            },
            "collapse": collapse_schema()
        },
        "$defs": definitions()
    });
    schema
}

/// The `collapse` key: `latest`, or a mapping with `mode: latest` and the keys to change.
fn collapse_schema() -> Value {
    let states = |what: &str| json!({ "description": what, "type": "array", "items": { "type": "string", "minLength": 1 } });
    json!({
        "description": "Fold an event log (one row per update of a ticket) into one incident per id: `latest`, or a mapping with `mode: latest` and the keys to change.",
        "oneOf": [
            { "const": "latest" },
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["mode"],
                "properties": {
                    "mode": { "description": "How rows fold: `latest` (each incident takes its latest row).", "const": "latest" },
                    "updated": { "description": "The column with the time of each event.", "type": "string", "minLength": 1 },
                    "state": { "description": "The column with the ticket's state after each event.", "type": "string", "minLength": 1 },
                    "new_states": states("States before the first response."),
                    "pause_states": states("States in which the clock stands still."),
                    "resolved_states": states("States in which the incident is resolved; leaving one is a reopen.")
                }
            }
        ]
    })
}

/// The shared definitions: a field's mapping and a time zone.
fn definitions() -> Value {
    json!({
        "FieldMapping": {
            "description": "A column name, `{ column, values }`, or `{ value }`.",
            "oneOf": [
                { "type": "string", "minLength": 1 },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["column"],
                    "properties": {
                        "column": { "description": "The header of the column.", "type": "string", "minLength": 1 },
                        "values": {
                            "description": "Export values and the values contracts match (`\"Priority 1\": P1`); others pass unchanged.",
                            "type": "object",
                            "additionalProperties": { "type": "string" }
                        }
                    }
                },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["value"],
                    "properties": {
                        "value": { "description": "The same value on every row.", "type": "string" }
                    }
                }
            ]
        },
        "TimeZone": {
            "description": "An IANA time zone name, like Europe/Berlin or UTC.",
            "type": "string",
            "enum": chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name()).collect::<Vec<_>>()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::source::MAPPING_KEYS;

    #[test]
    fn the_schema_names_every_top_level_key_and_field() {
        let schema = mapping_schema();
        let properties = schema["properties"].as_object().expect("an object");
        let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        let mut expected = MAPPING_KEYS.to_vec();
        keys.sort_unstable();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        let fields = schema["properties"]["fields"]["properties"]
            .as_object()
            .expect("an object");
        assert_eq!(fields.len(), Field::ALL.len());
    }
}

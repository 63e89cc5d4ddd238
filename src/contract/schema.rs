//! The JSON Schema of the contract format, for editors and CI: the raw shape's doc comments give
//! every property its description, and the types here give the values their patterns, so an
//! editor flags as you type most of what `validate` rejects. What a schema cannot say (a
//! calendar or id defined elsewhere in the file, bands in order) stays with the named checks.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

/// A duration: whole numbers with units, largest first (`30s`, `15m`, `4h`, `3d`, `1h30m`).
pub const DURATION_PATTERN: &str = "^([0-9]+d([0-9]+h)?([0-9]+m)?([0-9]+s)?|[0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$";
/// A plain decimal: digits with an optional point, no thousands separators or currency.
pub const DECIMAL_PATTERN: &str = "^\\+?[0-9]+(\\.[0-9]+)?$";
/// A percentage: a plain decimal with an optional `%`.
pub const PERCENT_PATTERN: &str = "^\\+?[0-9]+(\\.[0-9]+)?%?$";
/// A credit: a plain decimal, a percentage (`10%`) or an amount with a currency code
/// (`500.00 EUR`).
pub const AMOUNT_PATTERN: &str = "^\\+?[0-9]+(\\.[0-9]+)?(%| [A-Z]{3})?$";
/// A cap or band credit: a percentage or an amount with a currency code, never a bare number.
pub const STATED_AMOUNT_PATTERN: &str = "^\\+?[0-9]+(\\.[0-9]+)?(%| [A-Z]{3})$";
/// A calendar date.
pub const DATE_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
/// A day of the week, a range, or a comma-separated list of them (`mon-fri`, `sat,sun`).
pub const DAYS_PATTERN: &str = "^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$";
/// A local time of day `HH:MM`; `24:00` ends a day.
pub const CLOCK_PATTERN: &str = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";
/// An opening interval `HH:MM-HH:MM`.
pub const INTERVAL_PATTERN: &str =
    "^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";

macro_rules! marker {
    ($(#[$doc:meta])* $name:ident, $title:literal, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                $title.into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let value: Value = $schema;
                Schema::try_from(value).expect("a schema object")
            }
        }
    };
}

marker!(
    /// A non-empty id or name.
    Identifier,
    "Identifier",
    json!({ "type": "string", "minLength": 1 })
);
marker!(
    /// An ISO 4217 code.
    Currency,
    "Currency",
    json!({
        "description": "ISO 4217 currency code: three capital letters.",
        "type": "string",
        "pattern": "^[A-Z]{3}$"
    })
);
marker!(
    /// An IANA time zone name.
    TimeZone,
    "TimeZone",
    json!({
        "description": "An IANA time zone name, like Europe/Berlin or UTC.",
        "type": "string",
        "enum": chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name()).collect::<Vec<_>>()
    })
);
marker!(
    /// A duration.
    Duration,
    "Duration",
    json!({
        "description": "A duration: whole numbers with units d, h, m, s, largest first (`30s`, `15m`, `4h`, `3d`, `1h30m`).",
        "type": "string",
        "pattern": DURATION_PATTERN
    })
);
marker!(
    /// An amount of money.
    Money,
    "Money",
    json!({
        "description": "An amount in the contract's currency, written as a plain decimal (`42000.00`): no thousands separators, no currency sign.",
        "anyOf": [
            { "type": "number", "minimum": 0 },
            { "type": "string", "pattern": DECIMAL_PATTERN }
        ]
    })
);
marker!(
    /// A non-negative decimal number.
    Decimal,
    "Decimal",
    json!({
        "description": "A non-negative decimal number (`1.5`).",
        "anyOf": [
            { "type": "number", "minimum": 0 },
            { "type": "string", "pattern": DECIMAL_PATTERN }
        ]
    })
);
marker!(
    /// A weight from 0 to 1.
    Weight,
    "Weight",
    json!({
        "description": "A weight from 0 to 1.",
        "anyOf": [
            { "type": "number", "minimum": 0, "maximum": 1 },
            { "type": "string", "pattern": "^(0(\\.[0-9]+)?|1(\\.0+)?)$" }
        ]
    })
);
marker!(
    /// A percentage from 0 to 100.
    Percent,
    "Percent",
    json!({
        "description": "A percentage from 0 to 100 (`99.9` or `99.9%`; not `0.999`).",
        "anyOf": [
            { "type": "number", "minimum": 0, "maximum": 100 },
            { "type": "string", "pattern": "^\\+?(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%?$" }
        ]
    })
);
marker!(
    /// An amount or a percentage of the fee.
    Amount,
    "Amount",
    json!({
        "description": "An amount in the contract's currency (`500.00`, or `500.00 EUR` with the contract's currency code) or a percentage of the fee (`10%`).",
        "anyOf": [
            { "type": "number", "minimum": 0 },
            { "type": "string", "pattern": AMOUNT_PATTERN }
        ]
    })
);
marker!(
    /// A percentage of the fee or an amount with its currency code, never a bare number.
    StatedAmount,
    "StatedAmount",
    json!({
        "description": "A percentage of the fee (`20%`) or an amount with the contract's currency code (`20.00 EUR`). A bare number is ambiguous here and rejected.",
        "type": "string",
        "pattern": STATED_AMOUNT_PATTERN
    })
);
marker!(
    /// A date.
    Date,
    "Date",
    json!({
        "description": "A date, `YYYY-MM-DD`.",
        "type": "string",
        "pattern": DATE_PATTERN
    })
);
marker!(
    /// A holiday: a date or an iCalendar file.
    Holiday,
    "Holiday",
    json!({
        "description": "A closed day (`2026-12-24`), or an `.ics` file of all-day events relative to the contract.",
        "type": "string",
        "anyOf": [{ "pattern": DATE_PATTERN }, { "pattern": "\\.ics$" }]
    })
);
marker!(
    /// Days of the week.
    Days,
    "Days",
    json!({
        "description": "A day of the week (`sun`), a range (`mon-fri`) or a list (`sat,sun`).",
        "type": "string",
        "pattern": DAYS_PATTERN
    })
);
marker!(
    /// A time of day.
    Clock,
    "Clock",
    json!({
        "description": "A local time of day, `HH:MM` (`24:00` ends a day).",
        "type": "string",
        "pattern": CLOCK_PATTERN
    })
);
marker!(
    /// A paragraph of the claim document with placeholders.
    Template,
    "Template",
    json!({
        "description": "Text with placeholders `{provider}`, `{customer}`, `{contract}`, `{title}`, `{period}`, `{total}`, `{currency}`, `{claim_by}`; `{{` and `}}` write a literal brace.",
        "type": "string",
        "pattern": super::template::pattern::<super::template::Field>()
    })
);
marker!(
    /// An invoice line's reference with placeholders.
    Reference,
    "Reference",
    json!({
        "description": "Text with placeholders `{contract}`, `{period}`, `{service}`, `{rule}`, `{n}` (the line's number within its contract and period, from 1); `{{` and `}}` write a literal brace.",
        "type": "string",
        "minLength": 1,
        "pattern": super::template::pattern::<super::template::ReferenceField>()
    })
);
marker!(
    /// A code of the customer's finance system.
    Code,
    "Code",
    json!({
        "description": "A code as the customer's finance system writes it (`100234`, `IT-SEC-01`), copied onto every credit line as written, leading zeros included.",
        "anyOf": [
            { "type": "string", "minLength": 1 },
            { "type": "number" }
        ]
    })
);
marker!(
    /// The name of a calendar.
    CalendarName,
    "CalendarName",
    json!({
        "description": "`always` (24x7, built in) or a calendar declared under `calendars`.",
        "type": "string",
        "minLength": 1
    })
);
marker!(
    /// Weekly opening hours.
    Weekly,
    "Weekly",
    json!({
        "description": "Opening hours per day or days (`mon-fri`, `sat,sun`): lists of local `HH:MM-HH:MM` intervals.",
        "type": "object",
        "minProperties": 1,
        "propertyNames": { "pattern": DAYS_PATTERN },
        "additionalProperties": {
            "type": "array",
            "items": { "type": "string", "pattern": INTERVAL_PATTERN }
        }
    })
);

/// The keys each rule kind takes besides `id`, `kind`, `services` and `severities`, and the ones
/// it requires.
const RULE_KINDS: &[(&str, &[&str], &[&str])] = &[
    ("availability", &["bands"], &["bands"]),
    ("per_breach", &["target", "credit"], &["target", "credit"]),
    (
        "per_unit_late",
        &["target", "credit", "unit", "max_per_incident"],
        &["target", "credit", "unit"],
    ),
    (
        "per_unit_down",
        &["credit", "unit", "min_outage"],
        &["credit", "unit"],
    ),
    ("downtime_multiple", &["multiplier"], &["multiplier"]),
    (
        "escalation",
        &["applies_to", "breaches", "within", "multiplier"],
        &["applies_to", "breaches", "within", "multiplier"],
    ),
];

/// The keys only some rule kinds take.
const RULE_SPECIFIC_KEYS: &[&str] = &[
    "bands",
    "target",
    "credit",
    "unit",
    "max_per_incident",
    "min_outage",
    "applies_to",
    "breaches",
    "within",
    "multiplier",
];

/// Adds what derive cannot say: which keys go together.
pub fn refine(schema: &mut Schema) {
    let Some(definitions) = schema.get_mut("$defs").and_then(Value::as_object_mut) else {
        return;
    };
    // A band has exactly one threshold.
    if let Some(band) = definitions.get_mut("Band").and_then(Value::as_object_mut) {
        band.insert(
            "oneOf".to_owned(),
            json!([{ "required": ["below"] }, { "required": ["at_or_below"] }]),
        );
    }
    // A maintenance window is weekly or on a date, never both.
    if let Some(window) = definitions.get_mut("Window").and_then(Value::as_object_mut) {
        window.insert(
            "oneOf".to_owned(),
            json!([{ "required": ["weekly"] }, { "required": ["date"] }]),
        );
    }
    // A termination trigger is about availability or about breaches.
    if let Some(trigger) = definitions
        .get_mut("Termination")
        .and_then(Value::as_object_mut)
    {
        trigger.insert(
            "oneOf".to_owned(),
            json!([
                {
                    "required": ["availability_below", "consecutive_periods"],
                    "properties": { "breaches": false, "target": false, "within": false, "severities": false }
                },
                {
                    "required": ["breaches", "target", "within"],
                    "properties": { "availability_below": false, "consecutive_periods": false }
                }
            ]),
        );
    }
    // Each rule kind takes its own keys.
    if let Some(rule) = definitions.get_mut("Rule").and_then(Value::as_object_mut) {
        let branches: Vec<Value> = RULE_KINDS
            .iter()
            .map(|(kind, allowed, required)| {
                let forbidden: serde_json::Map<String, Value> = RULE_SPECIFIC_KEYS
                    .iter()
                    .filter(|key| !allowed.contains(key))
                    .map(|key| ((*key).to_owned(), Value::Bool(false)))
                    .collect();
                json!({
                    "if": { "properties": { "kind": { "const": kind } }, "required": ["kind"] },
                    "then": { "required": required, "properties": forbidden }
                })
            })
            .collect();
        rule.insert("allOf".to_owned(), Value::Array(branches));
    }
}

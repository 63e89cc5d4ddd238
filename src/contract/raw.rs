//! The contract file's YAML shape exactly as written, with a source position on every value.
//!
//! Numbers that mean money or percentages are read as [`Text`], straight from their characters,
//! and converted to `Decimal` in `load.rs`; nothing passes through `f64`.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// A scalar kept as its source text: `99.9`, `"99.9"`, `99.9%`, `15m`, `42000.10`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a number, percentage or duration")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text(text.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }
        }
        // Asking for a string makes the YAML reader hand over the scalar's characters.
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A contract file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Contract")]
pub struct RawContract {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[schemars(with = "Option<String>")]
    pub title: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub provider: Spanned<String>,
    #[schemars(with = "String")]
    pub customer: Spanned<String>,
    #[schemars(with = "String")]
    pub currency: Spanned<String>,
    #[schemars(with = "String")]
    pub timezone: Spanned<String>,
    #[schemars(with = "RawEffective")]
    pub effective: Spanned<RawEffective>,
    #[schemars(with = "Option<String>", extend("enum" = ["month", "quarter"]))]
    pub period: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawService>")]
    pub services: Vec<Spanned<RawService>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawSeverity>")]
    pub severities: Vec<Spanned<RawSeverity>>,
    #[schemars(with = "Option<RawCredits>")]
    pub credits: Option<Spanned<RawCredits>>,
    #[schemars(with = "Option<BTreeMap<String, RawCalendar>>")]
    pub calendars: Option<BTreeMap<String, Spanned<RawCalendar>>>,
    #[schemars(with = "Option<String>", extend("enum" = ["highest", "final", "initial"]))]
    pub severity_basis: Option<Spanned<String>>,
    #[schemars(with = "Option<RawMaintenance>")]
    pub maintenance: Option<Spanned<RawMaintenance>>,
    #[schemars(with = "Option<RawExclusions>")]
    pub exclusions: Option<Spanned<RawExclusions>>,
    #[schemars(with = "Option<RawNotifications>")]
    pub notifications: Option<Spanned<RawNotifications>>,
    #[schemars(with = "Option<Vec<RawTermination>>")]
    pub termination: Option<Vec<Spanned<RawTermination>>>,
}

/// `notifications: { data_breach: { within } }`: duties to notify, measured from detection.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Notifications")]
pub struct RawNotifications {
    #[schemars(with = "Option<RawObligation>")]
    pub data_breach: Option<Spanned<RawObligation>>,
}

/// An obligation with a deadline: `{ within: 72h, calendar: always }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Obligation")]
pub struct RawObligation {
    #[schemars(with = "Text")]
    pub within: Spanned<Text>,
    #[schemars(with = "Option<String>")]
    pub calendar: Option<Spanned<String>>,
}

/// One termination trigger: `{ availability_below: 99.0, consecutive_periods: 3 }` or
/// `{ breaches: 5, target: resolve, severities: [sev1], within: 90d }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Termination")]
pub struct RawTermination {
    #[schemars(with = "Option<Text>")]
    pub availability_below: Option<Spanned<Text>>,
    #[schemars(with = "Option<u32>")]
    pub consecutive_periods: Option<Spanned<u32>>,
    #[schemars(with = "Option<u32>")]
    pub breaches: Option<Spanned<u32>>,
    #[schemars(with = "Option<String>", extend("enum" = ["respond", "resolve", "rca", "notify"]))]
    pub target: Option<Spanned<String>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub services: Option<Vec<Spanned<String>>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub severities: Option<Vec<Spanned<String>>>,
    #[schemars(with = "Option<Text>")]
    pub within: Option<Spanned<Text>>,
}

/// `effective: { from, to }`; `to` is exclusive.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Effective")]
pub struct RawEffective {
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    #[schemars(with = "Option<String>")]
    pub to: Option<Spanned<String>>,
}

/// One entry of `services`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Service")]
pub struct RawService {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    #[serde(rename = "match")]
    #[schemars(with = "Vec<String>")]
    pub patterns: Vec<Spanned<String>>,
    #[schemars(with = "Text")]
    pub fee: Spanned<Text>,
    #[schemars(with = "Option<RawAvailability>")]
    pub availability: Option<Spanned<RawAvailability>>,
}

/// `availability: { target, calendar }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Availability")]
pub struct RawAvailability {
    #[schemars(with = "Text")]
    pub target: Spanned<Text>,
    #[schemars(with = "Option<String>")]
    pub calendar: Option<Spanned<String>>,
}

/// One entry of `severities`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Severity")]
pub struct RawSeverity {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[serde(rename = "match")]
    #[schemars(with = "Vec<String>")]
    pub values: Vec<Spanned<String>>,
    #[schemars(with = "Option<Text>")]
    pub downtime: Option<Spanned<Text>>,
    #[schemars(with = "Option<RawTarget>")]
    pub respond: Option<Spanned<RawTarget>>,
    #[schemars(with = "Option<RawTarget>")]
    pub resolve: Option<Spanned<RawTarget>>,
    #[schemars(with = "Option<RawObligation>")]
    pub rca: Option<Spanned<RawObligation>>,
}

/// `respond:` / `resolve:` of a severity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Target")]
pub struct RawTarget {
    #[schemars(with = "Text")]
    pub within: Spanned<Text>,
    #[schemars(with = "Option<String>")]
    pub calendar: Option<Spanned<String>>,
    #[schemars(with = "Option<bool>")]
    pub pausable: Option<Spanned<bool>>,
}

/// The `credits` section.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Credits")]
pub struct RawCredits {
    #[schemars(with = "Option<RawRounding>")]
    pub rounding: Option<Spanned<RawRounding>>,
    #[schemars(with = "Option<RawCaps>")]
    pub cap: Option<Spanned<RawCaps>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawRule>")]
    pub rules: Vec<Spanned<RawRule>>,
    #[schemars(with = "Option<Text>")]
    pub minimum: Option<Spanned<Text>>,
    #[schemars(with = "Option<RawClaim>")]
    pub claim: Option<Spanned<RawClaim>>,
}

/// `claim: { within }`: how long after the period end a credit may be claimed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Claim")]
pub struct RawClaim {
    #[schemars(with = "Text")]
    pub within: Spanned<Text>,
}

/// `rounding: { places, mode }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rounding")]
pub struct RawRounding {
    #[schemars(with = "u32")]
    pub places: Spanned<u32>,
    #[schemars(with = "String", extend("enum" = ["half_even", "half_up", "down"]))]
    pub mode: Spanned<String>,
}

/// `cap: { per_service, per_period, per_year }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Caps")]
pub struct RawCaps {
    #[schemars(with = "Option<Text>")]
    pub per_service: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub per_period: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub per_year: Option<Spanned<Text>>,
}

/// One credit rule. All kinds share one flat shape so every field keeps its position; `load.rs`
/// checks which fields each kind takes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rule")]
pub struct RawRule {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    #[schemars(with = "String", extend("enum" = ["availability", "per_breach", "per_unit_late", "per_unit_down", "downtime_multiple", "escalation"]))]
    pub kind: Spanned<String>,
    #[schemars(with = "Option<Vec<String>>")]
    pub services: Option<Vec<Spanned<String>>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub severities: Option<Vec<Spanned<String>>>,
    #[schemars(with = "Option<Vec<RawBand>>")]
    pub bands: Option<Vec<Spanned<RawBand>>>,
    #[schemars(with = "Option<String>", extend("enum" = ["respond", "resolve", "rca", "notify"]))]
    pub target: Option<Spanned<String>>,
    #[schemars(with = "Option<Text>")]
    pub credit: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub unit: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub max_per_incident: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub min_outage: Option<Spanned<Text>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub applies_to: Option<Vec<Spanned<String>>>,
    #[schemars(with = "Option<u32>")]
    pub breaches: Option<Spanned<u32>>,
    #[schemars(with = "Option<Text>")]
    pub within: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub multiplier: Option<Spanned<Text>>,
}

/// One availability band: exactly one of `below` (strictly less) or `at_or_below`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Band")]
pub struct RawBand {
    #[schemars(with = "Option<Text>")]
    pub below: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub at_or_below: Option<Spanned<Text>>,
    #[schemars(with = "Text")]
    pub credit: Spanned<Text>,
}

/// One entry of `calendars`: `24x7`, or weekly opening hours.
#[derive(Debug)]
pub enum RawCalendar {
    /// `name: 24x7`.
    AllDay,
    /// `name: { timezone, weekly, holidays }`.
    Hours(RawHours),
}

impl<'de> Deserialize<'de> for RawCalendar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CalendarVisitor;
        impl<'de> Visitor<'de> for CalendarVisitor {
            type Value = RawCalendar;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("`24x7` or a mapping with `weekly` opening hours")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawCalendar, E> {
                if text == "24x7" {
                    Ok(RawCalendar::AllDay)
                } else {
                    Err(E::custom(format!(
                        "unknown calendar `{text}`: write `24x7` or a mapping with `weekly` opening hours"
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCalendar, A::Error> {
                RawHours::deserialize(MapAccessDeserializer::new(map)).map(RawCalendar::Hours)
            }
        }
        deserializer.deserialize_any(CalendarVisitor)
    }
}

/// Weekly opening hours: `weekly: { mon-fri: ["08:00-12:00", "13:00-18:00"], sat: [...] }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Hours")]
pub struct RawHours {
    #[schemars(with = "Option<String>")]
    pub timezone: Option<Spanned<String>>,
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub weekly: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub holidays: Vec<Spanned<String>>,
}

/// `exclusions: { causes, disputed }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Exclusions")]
pub struct RawExclusions {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub causes: Vec<Spanned<String>>,
    #[schemars(with = "Option<String>", extend("enum" = ["pending", "count"]))]
    pub disputed: Option<Spanned<String>>,
}

/// `maintenance: { windows, notice, cap, denominator }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Maintenance")]
pub struct RawMaintenance {
    #[serde(default)]
    #[schemars(with = "Vec<RawWindow>")]
    pub windows: Vec<Spanned<RawWindow>>,
    #[schemars(with = "Option<Text>")]
    pub notice: Option<Spanned<Text>>,
    #[schemars(with = "Option<Text>")]
    pub cap: Option<Spanned<Text>>,
    #[schemars(with = "Option<String>", extend("enum" = ["exclude", "available"]))]
    pub denominator: Option<Spanned<String>>,
}

/// One allowed maintenance window: `{ weekly: sun, from: "02:00", to: "06:00" }` or
/// `{ date: 2026-12-27, from: "00:00", to: "08:00" }`, in the contract's time zone.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Window")]
pub struct RawWindow {
    #[schemars(with = "Option<String>")]
    pub weekly: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub date: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    #[schemars(with = "String")]
    pub to: Spanned<String>,
}

impl JsonSchema for Text {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NumberText".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number, percentage (`99.9%`) or duration (`15m`, `1h30m`), read exactly as written.",
            "type": ["string", "number"]
        })
    }
}

impl JsonSchema for RawCalendar {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Calendar".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`24x7`, or weekly opening hours with holidays in a time zone.",
            "oneOf": [{ "const": "24x7" }, generator.subschema_for::<RawHours>()]
        })
    }
}

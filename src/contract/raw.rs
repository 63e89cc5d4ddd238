//! The contract file's YAML shape exactly as written, with a source position on every value.
//!
//! Numbers that mean money or percentages are read as [`Text`], straight from their characters,
//! and converted to `Decimal` in `load.rs`; nothing passes through `f64`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// A key of the full contract format that this version does not implement yet. Its presence is
/// an error (`not supported yet`), so no clause is ever silently ignored.
pub type Unsupported = Option<Spanned<IgnoredAny>>;

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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    pub id: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub provider: Spanned<String>,
    pub customer: Spanned<String>,
    pub currency: Spanned<String>,
    pub timezone: Spanned<String>,
    pub effective: Spanned<RawEffective>,
    pub period: Option<Spanned<String>>,
    #[serde(default)]
    pub services: Vec<Spanned<RawService>>,
    #[serde(default)]
    pub severities: Vec<Spanned<RawSeverity>>,
    pub credits: Option<Spanned<RawCredits>>,
    pub calendars: Option<BTreeMap<String, Spanned<RawCalendar>>>,
    pub severity_basis: Option<Spanned<String>>,
    pub maintenance: Option<Spanned<RawMaintenance>>,
    pub exclusions: Option<Spanned<RawExclusions>>,
    pub notifications: Unsupported,
    pub termination: Unsupported,
}

/// `effective: { from, to }`; `to` is exclusive.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffective {
    pub from: Spanned<String>,
    pub to: Option<Spanned<String>>,
}

/// One entry of `services`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub id: Spanned<String>,
    pub name: Option<Spanned<String>>,
    #[serde(rename = "match")]
    pub patterns: Vec<Spanned<String>>,
    pub fee: Spanned<Text>,
    pub availability: Option<Spanned<RawAvailability>>,
}

/// `availability: { target, calendar }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAvailability {
    pub target: Spanned<Text>,
    pub calendar: Option<Spanned<String>>,
}

/// One entry of `severities`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeverity {
    pub id: Spanned<String>,
    #[serde(rename = "match")]
    pub values: Vec<Spanned<String>>,
    pub downtime: Option<Spanned<Text>>,
    pub respond: Option<Spanned<RawTarget>>,
    pub resolve: Option<Spanned<RawTarget>>,
    pub rca: Unsupported,
}

/// `respond:` / `resolve:` of a severity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub within: Spanned<Text>,
    pub calendar: Option<Spanned<String>>,
    pub pausable: Option<Spanned<bool>>,
}

/// The `credits` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredits {
    pub rounding: Option<Spanned<RawRounding>>,
    pub cap: Option<Spanned<RawCaps>>,
    #[serde(default)]
    pub rules: Vec<Spanned<RawRule>>,
    pub minimum: Unsupported,
    pub claim: Unsupported,
}

/// `rounding: { places, mode }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRounding {
    pub places: Spanned<u32>,
    pub mode: Spanned<String>,
}

/// `cap: { per_service, per_period, per_year }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCaps {
    pub per_service: Option<Spanned<Text>>,
    pub per_period: Unsupported,
    pub per_year: Unsupported,
}

/// One credit rule. All kinds share one flat shape so every field keeps its position; `load.rs`
/// checks which fields each kind takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    pub services: Option<Vec<Spanned<String>>>,
    pub severities: Option<Vec<Spanned<String>>>,
    pub bands: Option<Vec<Spanned<RawBand>>>,
    pub target: Option<Spanned<String>>,
    pub credit: Option<Spanned<Text>>,
    pub unit: Unsupported,
    pub max_per_incident: Unsupported,
    pub min_outage: Unsupported,
    pub applies_to: Unsupported,
    pub breaches: Unsupported,
    pub within: Unsupported,
    pub multiplier: Unsupported,
}

/// One availability band: exactly one of `below` (strictly less) or `at_or_below`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub below: Option<Spanned<Text>>,
    pub at_or_below: Option<Spanned<Text>>,
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    pub timezone: Option<Spanned<String>>,
    pub weekly: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub holidays: Vec<Spanned<String>>,
}

/// `exclusions: { causes, disputed }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusions {
    #[serde(default)]
    pub causes: Vec<Spanned<String>>,
    pub disputed: Option<Spanned<String>>,
}

/// `maintenance: { windows, notice, cap, denominator }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMaintenance {
    #[serde(default)]
    pub windows: Vec<Spanned<RawWindow>>,
    pub notice: Option<Spanned<Text>>,
    pub cap: Option<Spanned<Text>>,
    pub denominator: Option<Spanned<String>>,
}

/// One allowed maintenance window: `{ weekly: sun, from: "02:00", to: "06:00" }` or
/// `{ date: 2026-12-27, from: "00:00", to: "08:00" }`, in the contract's time zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub weekly: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

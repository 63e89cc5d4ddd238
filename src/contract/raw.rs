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

use super::schema;

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

/// The top-level keys of a contract file, in the order of [`RawContract`].
pub const CONTRACT_KEYS: [&str; 18] = [
    "id",
    "title",
    "provider",
    "customer",
    "currency",
    "timezone",
    "effective",
    "period",
    "services",
    "severities",
    "credits",
    "calendars",
    "severity_basis",
    "maintenance",
    "exclusions",
    "notifications",
    "termination",
    "invoice",
];

/// A contract file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Contract")]
pub struct RawContract {
    /// Unique id, e.g. `ACME-SOC-2026`; versions of one contract share it.
    #[schemars(with = "schema::Identifier")]
    pub id: Spanned<String>,
    /// Human title, for reports.
    #[schemars(with = "Option<String>")]
    pub title: Option<Spanned<String>>,
    /// The party that owes credits.
    #[schemars(with = "schema::Identifier")]
    pub provider: Spanned<String>,
    /// The party credits are owed to.
    #[schemars(with = "schema::Identifier")]
    pub customer: Spanned<String>,
    /// ISO 4217 currency code, three capital letters (`EUR`, `USD`).
    #[schemars(with = "schema::Currency")]
    pub currency: Spanned<String>,
    /// IANA time zone; periods are calendar months (or quarters) in this zone.
    #[schemars(with = "schema::TimeZone")]
    pub timezone: Spanned<String>,
    /// When this version is in force: `from` (inclusive) and optional `to` (exclusive), both on period boundaries.
    #[schemars(with = "RawEffective")]
    pub effective: Spanned<RawEffective>,
    /// How credits are judged: per calendar `month` (the default) or `quarter`; fees stay per month.
    #[schemars(with = "Option<String>", extend("enum" = ["month", "quarter"]))]
    pub period: Option<Spanned<String>>,
    /// The services in scope, each with its fee and availability target.
    #[serde(default)]
    #[schemars(with = "Vec<RawService>")]
    pub services: Vec<Spanned<RawService>>,
    /// Severity tiers, most severe first, each with its response and resolution targets.
    #[serde(default)]
    #[schemars(with = "Vec<RawSeverity>")]
    pub severities: Vec<Spanned<RawSeverity>>,
    /// Credit terms: rounding, caps, rules.
    #[schemars(with = "Option<RawCredits>")]
    pub credits: Option<Spanned<RawCredits>>,
    /// Named clocks targets are measured in: `24x7`, or weekly opening hours with holidays. `always` (24x7) is built in.
    #[schemars(with = "Option<BTreeMap<String, RawCalendar>>")]
    pub calendars: Option<BTreeMap<String, Spanned<RawCalendar>>>,
    /// Which severity an incident is judged at: `highest` (the default) of its initial and final severity, `final`, or `initial`.
    #[schemars(with = "Option<String>", extend("enum" = ["highest", "final", "initial"]))]
    pub severity_basis: Option<Spanned<String>>,
    /// Planned maintenance the provider may do without it counting as downtime.
    #[schemars(with = "Option<RawMaintenance>")]
    pub maintenance: Option<Spanned<RawMaintenance>>,
    /// Incidents that never count: by cause, and what disputed incidents do.
    #[schemars(with = "Option<RawExclusions>")]
    pub exclusions: Option<Spanned<RawExclusions>>,
    /// Duties to notify, measured from detection.
    #[schemars(with = "Option<RawNotifications>")]
    pub notifications: Option<Spanned<RawNotifications>>,
    /// Termination triggers: rights the customer gains, reported as findings, never money.
    #[schemars(with = "Option<Vec<RawTermination>>")]
    pub termination: Option<Vec<Spanned<RawTermination>>>,
    /// What the customer's finance system needs to post the credit lines: the vendor number, purchase order, GL account and cost centre copied onto every line, and each line's reference.
    #[schemars(with = "Option<RawInvoice>")]
    pub invoice: Option<Spanned<RawInvoice>>,
}

/// The keys of `invoice`, in the order of [`RawInvoice`]; a top-level key among them is meant
/// to go inside `invoice:`.
pub const INVOICE_KEYS: [&str; 5] = [
    "vendor_id",
    "po_number",
    "gl_account",
    "cost_center",
    "reference",
];

/// `invoice: { vendor_id, po_number, gl_account, cost_center, reference }`: the posting fields of every credit line, all optional.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Invoice")]
pub struct RawInvoice {
    /// The provider's number in the customer's accounts payable (the `vendor_id` column), e.g. `100234`.
    #[schemars(with = "Option<schema::Code>")]
    pub vendor_id: Option<Spanned<Text>>,
    /// The purchase order the services are bought under (the `po_number` column), e.g. `4500012345`.
    #[schemars(with = "Option<schema::Code>")]
    pub po_number: Option<Spanned<Text>>,
    /// The general-ledger account credits are booked to (the `gl_account` column), e.g. `6100`.
    #[schemars(with = "Option<schema::Code>")]
    pub gl_account: Option<Spanned<Text>>,
    /// The cost centre credits are booked to (the `cost_center` column), e.g. `IT-SEC-01`.
    #[schemars(with = "Option<schema::Code>")]
    pub cost_center: Option<Spanned<Text>>,
    /// Each line's reference (the `reference` column), with placeholders `{contract}`, `{period}`, `{service}`, `{rule}` and `{n}` (the line's number within its contract and period, from 1, in output order); `{{` and `}}` write a literal brace. E.g. `{contract}-{period}-{n}` gives `ACME-SOC-2026-2026-10-1`.
    #[schemars(with = "Option<schema::Reference>")]
    pub reference: Option<Spanned<String>>,
}

/// `notifications: { data_breach: { within } }`: duties to notify, measured from detection.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Notifications")]
pub struct RawNotifications {
    /// Notifying the regulator of a personal-data breach (GDPR Art. 33 style): from `opened` to `notified_regulator`.
    #[schemars(with = "Option<RawObligation>")]
    pub data_breach: Option<Spanned<RawObligation>>,
}

/// An obligation with a deadline: `{ within: 72h, calendar: always }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Obligation")]
pub struct RawObligation {
    /// The deadline: a duration such as `72h` or `5d`.
    #[schemars(with = "schema::Duration")]
    pub within: Spanned<Text>,
    /// The calendar the deadline is measured in (default `always`).
    #[schemars(with = "Option<schema::CalendarName>")]
    pub calendar: Option<Spanned<String>>,
}

/// One termination trigger: `{ availability_below: 99.0, consecutive_periods: 3 }` or
/// `{ breaches: 5, target: resolve, severities: [sev1], within: 90d }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Termination")]
pub struct RawTermination {
    /// Availability threshold in percent: a service below it in `consecutive_periods` periods running sets the trigger off.
    #[schemars(with = "Option<schema::Percent>")]
    pub availability_below: Option<Spanned<Text>>,
    /// How many periods in a row availability must be below the threshold.
    #[schemars(with = "Option<u32>")]
    pub consecutive_periods: Option<Spanned<u32>>,
    /// How many breaches of `target` within `within` set the trigger off.
    #[schemars(with = "Option<u32>")]
    pub breaches: Option<Spanned<u32>>,
    /// The target whose breaches count: respond, resolve, rca or notify.
    #[schemars(with = "Option<String>", extend("enum" = ["respond", "resolve", "rca", "notify"]))]
    pub target: Option<Spanned<String>>,
    /// Service ids it watches (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub services: Option<Vec<Spanned<String>>>,
    /// Severity ids whose breaches count (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub severities: Option<Vec<Spanned<String>>>,
    /// The rolling window breaches are counted in, e.g. `90d`.
    #[schemars(with = "Option<schema::Duration>")]
    pub within: Option<Spanned<Text>>,
}

/// `effective: { from, to }`; `to` is exclusive.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Effective")]
pub struct RawEffective {
    /// First day in force (`YYYY-MM-DD`), the first day of a period.
    #[schemars(with = "schema::Date")]
    pub from: Spanned<String>,
    /// First day no longer in force (exclusive); absent = open-ended.
    #[schemars(with = "Option<schema::Date>")]
    pub to: Option<Spanned<String>>,
}

/// One entry of `services`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Service")]
pub struct RawService {
    /// Id used in reports and credit lines.
    #[schemars(with = "schema::Identifier")]
    pub id: Spanned<String>,
    /// Display name (default: the id).
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Globs (`*`, `?`) matched against the export's service column.
    #[serde(rename = "match")]
    #[schemars(with = "Vec<String>")]
    pub patterns: Vec<Spanned<String>>,
    /// Fee per month, a plain decimal amount (`42000.00`); a quarter's basis is three monthly fees.
    #[schemars(with = "schema::Money")]
    pub fee: Spanned<Text>,
    /// Availability target and the calendar it is measured in.
    #[schemars(with = "Option<RawAvailability>")]
    pub availability: Option<Spanned<RawAvailability>>,
}

/// `availability: { target, calendar }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Availability")]
pub struct RawAvailability {
    /// Availability target in percent (`99.9`, not `0.999`).
    #[schemars(with = "schema::Percent")]
    pub target: Spanned<Text>,
    /// Calendar availability is measured in (default `always`).
    #[schemars(with = "Option<schema::CalendarName>")]
    pub calendar: Option<Spanned<String>>,
}

/// One entry of `severities`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Severity")]
pub struct RawSeverity {
    /// Id, e.g. `sev1`.
    #[schemars(with = "schema::Identifier")]
    pub id: Spanned<String>,
    /// Exact values of the export's severity column that mean this tier.
    #[serde(rename = "match")]
    #[schemars(with = "Vec<String>")]
    pub values: Vec<Spanned<String>>,
    /// Weight of this tier's outage time in downtime, 0 to 1 (0 or absent: not an outage).
    #[schemars(with = "Option<schema::Weight>")]
    pub downtime: Option<Spanned<Text>>,
    /// First-response target.
    #[schemars(with = "Option<RawTarget>")]
    pub respond: Option<Spanned<RawTarget>>,
    /// Resolution target.
    #[schemars(with = "Option<RawTarget>")]
    pub resolve: Option<Spanned<RawTarget>>,
    /// Root-cause report target, measured from resolution.
    #[schemars(with = "Option<RawObligation>")]
    pub rca: Option<Spanned<RawObligation>>,
}

/// `respond:` / `resolve:` of a severity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Target")]
pub struct RawTarget {
    /// Allowed time: a duration such as `15m`, `4h`, `3d` or `1h30m`.
    #[schemars(with = "schema::Duration")]
    pub within: Spanned<Text>,
    /// Calendar the time is measured in (default `always`).
    #[schemars(with = "Option<schema::CalendarName>")]
    pub calendar: Option<Spanned<String>>,
    /// Whether pauses (waiting for the customer) stop the clock.
    #[schemars(with = "Option<bool>")]
    pub pausable: Option<Spanned<bool>>,
}

/// The `credits` section.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Credits")]
pub struct RawCredits {
    /// How each credit line is rounded.
    #[schemars(with = "Option<RawRounding>")]
    pub rounding: Option<Spanned<RawRounding>>,
    /// Most credit per service, per period and per contract year.
    #[schemars(with = "Option<RawCaps>")]
    pub cap: Option<Spanned<RawCaps>>,
    /// Credit rules, applied in this order; caps are filled in this order.
    #[serde(default)]
    #[schemars(with = "Vec<RawRule>")]
    pub rules: Vec<Spanned<RawRule>>,
    /// Lines below this amount are listed at 0.00, not issued.
    #[schemars(with = "Option<schema::Money>")]
    pub minimum: Option<Spanned<Text>>,
    /// How credits are claimed: how long after the period end, where claims go, and the paragraphs of the document `slacredit claim` writes.
    #[schemars(with = "Option<RawClaim>")]
    pub claim: Option<Spanned<RawClaim>>,
}

/// `claim: { within, contact, template }`: how credits are claimed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Claim")]
pub struct RawClaim {
    /// The claim period, e.g. `30d`; the claim-by date is the period end plus this (absent: the contract sets no window).
    #[schemars(with = "Option<schema::Duration>")]
    pub within: Option<Spanned<Text>>,
    /// Where claims go, shown under the addressee of the claim document: an address or e-mail, e.g. `credits@acme.example, Acme Security GmbH, Berlin`.
    #[schemars(with = "Option<String>")]
    pub contact: Option<Spanned<String>>,
    /// The opening and closing paragraphs of the claim document, in place of the default ones.
    #[schemars(with = "Option<RawClaimTemplate>")]
    pub template: Option<Spanned<RawClaimTemplate>>,
}

/// `template: { opening, closing }`: paragraphs with placeholders `{provider}`, `{customer}`, `{contract}`, `{title}`, `{period}`, `{total}`, `{currency}` and `{claim_by}`; `{{` and `}}` write a literal brace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ClaimTemplate")]
pub struct RawClaimTemplate {
    /// The paragraph before the credit lines.
    #[schemars(with = "Option<schema::Template>")]
    pub opening: Option<Spanned<String>>,
    /// The paragraph after the claim-by date.
    #[schemars(with = "Option<schema::Template>")]
    pub closing: Option<Spanned<String>>,
}

/// `rounding: { places, mode }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rounding")]
pub struct RawRounding {
    /// Decimal places of each line.
    #[schemars(with = "u32")]
    pub places: Spanned<u32>,
    /// Rounding mode: `half_even` (the default), `half_up` or `down`.
    #[schemars(with = "String", extend("enum" = ["half_even", "half_up", "down"]))]
    pub mode: Spanned<String>,
}

/// `cap: { per_service, per_period, per_year }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Caps")]
pub struct RawCaps {
    /// Most credit per service per period: a percentage of its fee (`15%`) or an amount (`5000.00 EUR`).
    #[schemars(with = "Option<schema::StatedAmount>")]
    pub per_service: Option<Spanned<Text>>,
    /// Most credit per period across the contract's services: a percentage of their fees or an amount (`5000.00 EUR`).
    #[schemars(with = "Option<schema::StatedAmount>")]
    pub per_period: Option<Spanned<Text>>,
    /// Most credit per contract year (from `effective.from`): a percentage of twelve months' fees or an amount (`200000.00 EUR`).
    #[schemars(with = "Option<schema::StatedAmount>")]
    pub per_year: Option<Spanned<Text>>,
}

/// One credit rule. All kinds share one flat shape so every field keeps its position; `load.rs`
/// checks which fields each kind takes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rule")]
pub struct RawRule {
    /// Id used on credit lines.
    #[schemars(with = "schema::Identifier")]
    pub id: Spanned<String>,
    /// What the rule prices: availability bands, a credit per breach, per unit late, per unit down, a multiple of downtime, or an escalation of other rules.
    #[schemars(with = "String", extend("enum" = ["availability", "per_breach", "per_unit_late", "per_unit_down", "downtime_multiple", "escalation"]))]
    pub kind: Spanned<String>,
    /// Service ids it is narrowed to (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub services: Option<Vec<Spanned<String>>>,
    /// Severity ids it is narrowed to (default: all).
    #[schemars(with = "Option<Vec<String>>")]
    pub severities: Option<Vec<Spanned<String>>>,
    /// Availability bands (kind availability), most lenient first; the strictest band that holds applies.
    #[schemars(with = "Option<Vec<RawBand>>")]
    pub bands: Option<Vec<Spanned<RawBand>>>,
    /// The target whose breaches are priced (`per_breach`, `per_unit_late`): respond, resolve, rca or notify.
    #[schemars(with = "Option<String>", extend("enum" = ["respond", "resolve", "rca", "notify"]))]
    pub target: Option<Spanned<String>>,
    /// Credit per breach or per unit: an amount (`500.00`) or a percentage of the fee (`2%`).
    #[schemars(with = "Option<schema::Amount>")]
    pub credit: Option<Spanned<Text>>,
    /// The unit late or down that is priced (`per_unit_late`, `per_unit_down`), e.g. `1h`.
    #[schemars(with = "Option<schema::Duration>")]
    pub unit: Option<Spanned<Text>>,
    /// Most credit per incident (`per_unit_late`): an amount or a percentage of the fee.
    #[schemars(with = "Option<schema::Amount>")]
    pub max_per_incident: Option<Spanned<Text>>,
    /// Only outages at least this long count (`per_unit_down`).
    #[schemars(with = "Option<schema::Duration>")]
    pub min_outage: Option<Spanned<Text>>,
    /// Rule ids whose credits repeated breaches multiply (escalation): `per_breach` and `per_unit_late` rules only.
    #[schemars(with = "Option<Vec<String>>")]
    pub applies_to: Option<Vec<Spanned<String>>>,
    /// From this breach on within the window, credits are multiplied (escalation).
    #[schemars(with = "Option<u32>", extend("minimum" = 1))]
    pub breaches: Option<Spanned<u32>>,
    /// The rolling window breaches are counted in (escalation), e.g. `90d`.
    #[schemars(with = "Option<schema::Duration>")]
    pub within: Option<Spanned<Text>>,
    /// The factor: `downtime_multiple`'s multiple of the downtime fee, or escalation's multiplier.
    #[schemars(with = "Option<schema::Decimal>")]
    pub multiplier: Option<Spanned<Text>>,
}

/// One availability band: exactly one of `below` (strictly less) or `at_or_below`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Band")]
pub struct RawBand {
    /// The band applies when availability is strictly below this percentage.
    #[schemars(with = "Option<schema::Percent>")]
    pub below: Option<Spanned<Text>>,
    /// The band applies when availability is at or below this percentage.
    #[schemars(with = "Option<schema::Percent>")]
    pub at_or_below: Option<Spanned<Text>>,
    /// The credit: a percentage of the fee (`10%`) or an amount (`500.00 EUR`).
    #[schemars(with = "schema::StatedAmount")]
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
    /// IANA time zone of the opening hours (default: the contract's).
    #[schemars(with = "Option<schema::TimeZone>")]
    pub timezone: Option<Spanned<String>>,
    /// Opening hours per day or range of days (`mon-fri`, `sat,sun`): local `HH:MM-HH:MM` intervals.
    #[schemars(with = "schema::Weekly")]
    pub weekly: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    /// Closed days: dates (`2026-12-24`) or `.ics` files of all-day events, relative to the contract.
    #[serde(default)]
    #[schemars(with = "Vec<schema::Holiday>")]
    pub holidays: Vec<Spanned<String>>,
}

/// `exclusions: { causes, disputed }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Exclusions")]
pub struct RawExclusions {
    /// Causes whose incidents never count (case ignored), e.g. `customer`, `force_majeure`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub causes: Vec<Spanned<String>>,
    /// What disputed incidents do: `pending` (the default; held out and listed with their exposure) or `count`.
    #[schemars(with = "Option<String>", extend("enum" = ["pending", "count"]))]
    pub disputed: Option<Spanned<String>>,
}

/// `maintenance: { windows, notice, cap, denominator }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Maintenance")]
pub struct RawMaintenance {
    /// Allowed windows, weekly or on a date, in the contract's time zone.
    #[serde(default)]
    #[schemars(with = "Vec<RawWindow>")]
    pub windows: Vec<Spanned<RawWindow>>,
    /// Notice needed before the work starts, e.g. `5d`.
    #[schemars(with = "Option<schema::Duration>")]
    pub notice: Option<Spanned<Text>>,
    /// At most this much maintenance is excluded per period and service, e.g. `8h`.
    #[schemars(with = "Option<schema::Duration>")]
    pub cap: Option<Spanned<Text>>,
    /// How excluded maintenance enters availability: `exclude` (the default; removed from measured time) or `available` (counted as up).
    #[schemars(with = "Option<String>", extend("enum" = ["exclude", "available"]))]
    pub denominator: Option<Spanned<String>>,
}

/// One allowed maintenance window: `{ weekly: sun, from: "02:00", to: "06:00" }` or
/// `{ date: 2026-12-27, from: "00:00", to: "08:00" }`, in the contract's time zone.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Window")]
pub struct RawWindow {
    /// Day or days of the week (`sun`, `sat,sun`, `mon-fri`); exactly one of `weekly` or `date`.
    #[schemars(with = "Option<schema::Days>")]
    pub weekly: Option<Spanned<String>>,
    /// A one-off date (`2026-12-27`); exactly one of `weekly` or `date`.
    #[schemars(with = "Option<schema::Date>")]
    pub date: Option<Spanned<String>>,
    /// Start, local `HH:MM`.
    #[schemars(with = "schema::Clock")]
    pub from: Spanned<String>,
    /// End, local `HH:MM` (`24:00` ends a day).
    #[schemars(with = "schema::Clock")]
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

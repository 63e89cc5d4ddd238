//! Contracts: the checked domain types the calculation reads. Every invariant holds once a
//! `Contract` exists, so `calc/` never re-checks.

pub mod check;
mod claim;
pub mod excerpt;
mod holidays;
mod invoice;
mod load;
pub mod raw;
pub mod reference;
pub mod schema;
pub mod suggest;
pub mod template;
mod yaml_error;
mod yaml_path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use wildmatch::WildMatch;

use crate::money::{Amount, Decimal, Rounding};
use crate::time::{Calendar, PeriodKind, PeriodSpec, Seconds};

pub use holidays::{MAX_EVENT_DAYS, MAX_HOLIDAY_FILE_BYTES};
pub use invoice::Invoice;
pub use load::{
    decode_text, load_contract_file, load_contract_text, load_contract_text_with, location_of,
    parse_contract, utf8_diagnostic, yaml_message,
};
pub use yaml_error::yaml_diagnostic;
pub use yaml_path::path_at;

/// The JSON Schema (draft 2020-12) of the contract file format, for editors and CI. Keys of the
/// full format that this version does not implement are left out, so editors flag them too.
pub fn json_schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(raw::RawContract);
    schema::refine(&mut schema);
    schema.insert("title".to_owned(), "slacredit contract".into());
    schema.insert(
        "description".to_owned(),
        "An SLA contract for slacredit: services, severities, calendars, maintenance, exclusions and credit terms. See docs/contract.md.".into(),
    );
    schema
}

/// One contract, checked.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The file it came from, as the user named it.
    pub file: String,
    /// Unique id, e.g. `ACME-SOC-2026`; versions of one contract share it.
    pub id: String,
    /// Where the id is written, for diagnostics about the whole contract.
    pub id_location: crate::error::Location,
    /// Human title.
    pub title: String,
    /// The party that owes credits.
    pub provider: String,
    /// The party credits are owed to.
    pub customer: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Periods are calendar months in this zone.
    pub timezone: Tz,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// First day no longer in force (exclusive); `None` = open-ended.
    pub effective_to: Option<NaiveDate>,
    /// Months or quarters; fees stay per month.
    pub period: PeriodKind,
    /// Calendars by index: 0 is the built-in `always`, then the declared ones in name order.
    pub calendars: Vec<NamedCalendar>,
    /// Services in file order.
    pub services: Vec<Service>,
    /// Severities, most severe first.
    pub severities: Vec<Severity>,
    /// The credit terms.
    pub credits: Credits,
    /// Which severity an incident is judged at.
    pub severity_basis: SeverityBasis,
    /// Incidents that never count.
    pub exclusions: Exclusions,
    /// Planned maintenance terms, if the contract allows any.
    pub maintenance: Option<Maintenance>,
    /// The data-breach notification duty (`notifications.data_breach`), measured from detection.
    pub notify: Option<Target>,
    /// Termination triggers: rights the customer gains, reported as findings, never money.
    pub termination: Vec<Termination>,
    /// What every credit line carries for posting (empty when the contract has no `invoice`).
    pub invoice: Invoice,
    /// Warnings found while checking it (the contract is usable).
    pub warnings: Vec<crate::error::Diagnostic>,
}

/// The `maintenance` section: when planned work may happen without counting as downtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintenance {
    /// The allowed windows, as a calendar in the contract's zone.
    pub windows: Calendar,
    /// Notice required before the work starts.
    pub notice: Seconds,
    /// At most this much maintenance is excluded per period and service; `None` = no cap.
    pub cap: Option<Seconds>,
    /// How excluded maintenance enters availability.
    pub denominator: Denominator,
}

/// Where excluded maintenance goes in the availability formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Denominator {
    /// Removed from measured time: (measured − excluded − down) / (measured − excluded).
    #[default]
    Exclude,
    /// Counted as time the service was up: (measured − down) / measured.
    Available,
}

/// The `exclusions` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exclusions {
    /// Causes whose incidents never count (compared without regard to case).
    pub causes: Vec<String>,
    /// What disputed incidents do.
    pub disputed: DisputedPolicy,
}

/// How disputed incidents are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisputedPolicy {
    /// Held out of credits and downtime until resolved, and listed with the credit they would
    /// carry (the default: nothing disputed is invoiced).
    #[default]
    Pending,
    /// Counted like any other incident.
    Count,
}

/// Which of an incident's severities counts: contracts word this differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeverityBasis {
    /// The more severe of the initial and the final severity (the default: a downgrade never
    /// moves an incident out of a stricter target).
    #[default]
    Highest,
    /// The severity the ticket ends at.
    Final,
    /// The severity at opening, when the export has it; else the final one.
    Initial,
}

impl SeverityBasis {
    /// The contract keyword.
    pub fn name(self) -> &'static str {
        match self {
            Self::Highest => "highest",
            Self::Final => "final",
            Self::Initial => "initial",
        }
    }

    /// The severity index to judge at; lower indexes are more severe.
    pub fn judged(self, initial: Option<u16>, final_severity: u16) -> u16 {
        match (self, initial) {
            (Self::Highest, Some(initial)) => initial.min(final_severity),
            (Self::Initial, Some(initial)) => initial,
            _ => final_severity,
        }
    }
}

/// A calendar with the name contracts refer to it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCalendar {
    /// `always`, `office`, ...
    pub name: String,
    /// The clock.
    pub calendar: Calendar,
}

impl Contract {
    /// Whether this contract judges period `spec`: the same kind of period (month or quarter),
    /// and in force at its first day (versions begin on period boundaries).
    pub fn in_force(&self, spec: PeriodSpec) -> bool {
        let first = spec.first_day();
        if spec.kind() != self.period {
            return false;
        }
        self.effective_from <= first && self.effective_to.is_none_or(|to| first < to)
    }

    /// Whether the two contracts' effective ranges share a day.
    pub fn overlaps(&self, other: &Self) -> bool {
        let before = |end: Option<NaiveDate>, start: NaiveDate| end.is_some_and(|end| end <= start);
        !(before(self.effective_to, other.effective_from)
            || before(other.effective_to, self.effective_from))
    }

    /// The basis of percentage credits for `service` in one period: its monthly fee times the
    /// months in the period (a quarter's basis is three monthly fees).
    pub fn period_fee(&self, service: usize) -> Decimal {
        self.services[service].fee * Decimal::from(self.period.months())
    }

    /// The target of `kind` for an incident at severity `severity`: the severity's respond,
    /// resolve and rca targets, or the contract's data-breach notification duty.
    pub fn target(&self, severity: usize, kind: TargetKind) -> Option<Target> {
        match kind {
            TargetKind::Notify => self.notify,
            _ => self.severities[severity].target(kind),
        }
    }

    /// The name of calendar `calendar` when it keeps office hours, `None` when it runs around
    /// the clock: durations measured on it are written as hours of its opening time.
    pub fn office_hours(&self, calendar: usize) -> Option<&str> {
        let named = &self.calendars[calendar];
        (!named.calendar.is_always()).then_some(named.name.as_str())
    }

    /// Whether the contract has terms that look back past the period judged: a year cap,
    /// escalation windows or termination triggers.
    pub fn looks_back(&self) -> bool {
        self.credits.per_year_cap.is_some()
            || !self.termination.is_empty()
            || self
                .credits
                .rules
                .iter()
                .any(|rule| matches!(rule.kind, RuleKind::Escalation { .. }))
    }

    /// The index of the service with id `id`.
    pub fn service_index(&self, id: &str) -> Option<usize> {
        self.services.iter().position(|service| service.id == id)
    }

    /// The index of the severity with id `id`.
    pub fn severity_index(&self, id: &str) -> Option<usize> {
        self.severities
            .iter()
            .position(|severity| severity.id == id)
    }

    /// The index of the severity whose `match` list contains `value` exactly.
    pub fn severity_for(&self, value: &str) -> Option<usize> {
        self.severities
            .iter()
            .position(|severity| severity.values.iter().any(|known| known == value))
    }
}

/// A service in scope of the contract.
#[derive(Debug, Clone)]
pub struct Service {
    /// Id used in reports and credit lines.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The `match` globs (`*`, `?`), compiled, tried against the incident's service column.
    pub matchers: Vec<WildMatch>,
    /// Fee per month; a period's basis for percentage credits is the fee of its months.
    pub fee: Decimal,
    /// Availability target in percent.
    pub availability_target: Option<Decimal>,
    /// Index of the calendar availability is measured in.
    pub availability_calendar: usize,
    /// Contract line of the service entry.
    pub line: u32,
}

impl Service {
    /// Whether an incident's service value belongs to this service.
    pub fn matches(&self, value: &str) -> bool {
        self.matchers.iter().any(|matcher| matcher.matches(value))
    }
}

/// A severity tier.
#[derive(Debug, Clone)]
pub struct Severity {
    /// Id, e.g. `sev1`.
    pub id: String,
    /// Values of the incident's severity column that mean this tier (exact match).
    pub values: Vec<String>,
    /// Weight of this tier's outage time in downtime (0 = not an outage, 1 = full outage).
    pub downtime_weight: Decimal,
    /// First-response target.
    pub respond: Option<Target>,
    /// Resolution target.
    pub resolve: Option<Target>,
    /// Root-cause report target, measured from resolution.
    pub rca: Option<Target>,
}

impl Severity {
    /// The target of `kind`, if the tier has one.
    pub fn target(&self, kind: TargetKind) -> Option<Target> {
        match kind {
            TargetKind::Respond => self.respond,
            TargetKind::Resolve => self.resolve,
            TargetKind::Rca => self.rca,
            TargetKind::Notify => None,
        }
    }
}

/// A time target, measured in a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Allowed calendar time in seconds.
    pub within: Seconds,
    /// Index of the calendar it is measured in.
    pub calendar: usize,
    /// Whether pauses (waiting for the customer) stop the clock.
    pub pausable: bool,
    /// Contract line of the target.
    pub line: u32,
}

/// Which clock of an incident a target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// Opened → acknowledged.
    Respond,
    /// Opened → resolved.
    Resolve,
    /// Resolved → root-cause report delivered.
    Rca,
    /// Detected (opened) → regulator notified, for data breaches.
    Notify,
}

impl TargetKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 4] = [Self::Respond, Self::Resolve, Self::Rca, Self::Notify];

    /// The contract keyword.
    pub fn name(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Resolve => "resolve",
            Self::Rca => "rca",
            Self::Notify => "notify",
        }
    }

    /// The keyword for `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// A termination trigger, narrowed to some services or covering all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// Contract line of the trigger.
    pub line: u32,
    /// Services it watches (indexes into `Contract::services`); `None` = all.
    pub services: Option<Vec<usize>>,
    /// What sets it off.
    pub trigger: Trigger,
}

impl Termination {
    /// Whether the trigger watches service `service`.
    pub fn covers_service(&self, service: usize) -> bool {
        self.services
            .as_ref()
            .is_none_or(|services| services.contains(&service))
    }
}

/// What sets a termination right off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A service's availability below `below` percent in `consecutive` periods running.
    Availability {
        /// The threshold in percent (strictly below triggers).
        below: Decimal,
        /// How many periods in a row.
        consecutive: u32,
    },
    /// `count` breaches of `target` within any rolling `within` seconds.
    Breaches {
        /// How many breaches.
        count: u32,
        /// Which target.
        target: TargetKind,
        /// Severities counted (indexes); `None` = all.
        severities: Option<Vec<usize>>,
        /// The rolling window.
        within: Seconds,
    },
}

/// The `credits` section, checked.
#[derive(Debug, Clone)]
pub struct Credits {
    /// How each line is rounded.
    pub rounding: Rounding,
    /// At most this much credit per service per period.
    pub per_service_cap: Option<Amount>,
    /// At most this much credit per period across the contract's services (a percentage is of
    /// their summed fees).
    pub per_period_cap: Option<Amount>,
    /// At most this much credit per contract year (counted from `effective.from`) across the
    /// contract's services (a percentage is of their summed fees for twelve months).
    pub per_year_cap: Option<Amount>,
    /// Lines below this amount are listed but not issued.
    pub minimum: Option<Decimal>,
    /// How credits are claimed: the window, where claims go, the claim document's paragraphs.
    pub claim: Option<Claim>,
    /// Where `cap` is written, for quoting the clause behind a capped line.
    pub cap_at: Option<TextPosition>,
    /// Where `minimum` is written, for quoting the clause behind a line below it.
    pub minimum_at: Option<TextPosition>,
    /// Rules in contract order (the order caps reduce them in).
    pub rules: Vec<Rule>,
}

/// The `credits.claim` section, checked: most contracts pay a credit only when the customer
/// claims it in writing within a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// How long after the period end a credit may be claimed; `None`: no window.
    pub within: Option<Seconds>,
    /// Where claims go: an address or e-mail.
    pub contact: Option<String>,
    /// The claim document's opening paragraph, if the contract words its own.
    pub opening: Option<template::Template>,
    /// Its closing paragraph, likewise.
    pub closing: Option<template::Template>,
    /// Where the section is written.
    pub at: TextPosition,
}

/// Where a value is written in the contract file: line and column, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    /// Line.
    pub line: u32,
    /// Column.
    pub column: u32,
}

/// One credit rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Id used on credit lines.
    pub id: String,
    /// Contract line of the rule.
    pub line: u32,
    /// Services it is narrowed to (indexes into `Contract::services`); `None` = all.
    pub services: Option<Vec<usize>>,
    /// Severities it is narrowed to (indexes into `Contract::severities`); `None` = all.
    pub severities: Option<Vec<usize>>,
    /// What it prices.
    pub kind: RuleKind,
}

impl Rule {
    /// Whether the rule applies to service `service`.
    pub fn covers_service(&self, service: usize) -> bool {
        self.services
            .as_ref()
            .is_none_or(|services| services.contains(&service))
    }

    /// Whether the rule applies to severity `severity`.
    pub fn covers_severity(&self, severity: usize) -> bool {
        self.severities
            .as_ref()
            .is_none_or(|severities| severities.contains(&severity))
    }
}

impl RuleKind {
    /// The target whose breaches the rule prices, for `per_breach` and `per_unit_late`.
    pub fn target(&self) -> Option<TargetKind> {
        match self {
            Self::PerBreach { target, .. } | Self::PerUnitLate { target, .. } => Some(*target),
            _ => None,
        }
    }
}

/// The credit formulas.
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// Bands on the service's availability; the strictest band the availability falls in applies.
    Availability {
        /// Bands, most lenient first (checked).
        bands: Vec<Band>,
    },
    /// A fixed amount or percentage of fee per breached incident.
    PerBreach {
        /// Which target's breaches it prices.
        target: TargetKind,
        /// Credit per breach.
        credit: Amount,
    },
    /// A credit per started unit of lateness beyond the target (61 min late on 1 h = 2 units).
    PerUnitLate {
        /// Which target's lateness it prices.
        target: TargetKind,
        /// The unit, in seconds.
        unit: Seconds,
        /// Credit per started unit.
        credit: Amount,
        /// At most this much per incident.
        max_per_incident: Option<Amount>,
    },
    /// A credit per started unit of downtime in the period, counting only outages at least
    /// `min_outage` long.
    PerUnitDown {
        /// The unit, in seconds.
        unit: Seconds,
        /// Credit per started unit.
        credit: Amount,
        /// The single-outage threshold.
        min_outage: Seconds,
    },
    /// The fee for the downtime, times a multiplier: fee × downtime ÷ measured × multiplier
    /// ("10× the fees paid during the downtime").
    DowntimeMultiple {
        /// The multiplier.
        multiplier: Decimal,
    },
    /// Repeated failure: from the `breaches`-th breach priced by the `applies_to` rules within a
    /// rolling `within`, each breach's credit under those rules is multiplied.
    Escalation {
        /// The rules whose breaches count and are multiplied (indexes into `Credits::rules`;
        /// each a `per_breach` or `per_unit_late` rule).
        applies_to: Vec<usize>,
        /// The breach, counted within the window, from which the multiplier applies.
        breaches: u32,
        /// The rolling window in seconds.
        within: Seconds,
        /// The multiplier.
        multiplier: Decimal,
    },
}

/// One availability band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// The threshold in percent.
    pub threshold: Decimal,
    /// `at_or_below` (true) or `below` (false).
    pub inclusive: bool,
    /// The credit when the band applies.
    pub credit: Amount,
    /// Contract line of the band.
    pub line: u32,
}

impl Band {
    /// Whether availability `up / measured × 100` falls in this band, decided exactly by
    /// cross-multiplication (`100 × up < threshold × measured`), never on a rounded percentage.
    pub fn contains(&self, up: Decimal, measured: Decimal) -> bool {
        let left = up * crate::money::HUNDRED;
        let right = self.threshold * measured;
        if self.inclusive {
            left <= right
        } else {
            left < right
        }
    }

    /// `below 99.9` or `at or below 99.9`.
    pub fn describe(&self) -> String {
        let relation = if self.inclusive {
            "at or below"
        } else {
            "below"
        };
        format!("{relation} {}%", self.threshold)
    }
}

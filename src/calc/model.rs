//! The report model: what one run of `report` or `credits` found, per contract and period,
//! per service, per breach and per credit line. JSON is this model serialized as it is; the
//! renderers in `report` format it for people and spreadsheets.

use std::sync::Arc;

use serde::Serialize;

use super::Status;
use super::trace::PeriodTrace;
use chrono::NaiveDate;

use crate::contract::{Band, TargetKind};
use crate::incidents::RowAccounting;
use crate::money::{Amount, Decimal};
use crate::time::{Instant, Seconds, serialize_instant};

/// Everything one run of `report` or `credits` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The periods asked for: `2026-10`, or a range `2026-08..2026-10`.
    pub period: String,
    /// The `--as-of` instant when given (RFC 3339, UTC).
    pub as_of: Option<String>,
    /// One entry per contract in force, sorted by id.
    pub contracts: Vec<ContractReport>,
    /// What became of every incident row.
    pub rows: RowAccounting,
    /// For a range of more than one period: the credit each contract owes over the whole range,
    /// per currency (absent for a single period, whose output stays as it was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<Vec<RangeTotal>>,
}

/// What one contract owes in one currency over the reported periods of a range: the sum of its
/// issued credit lines (after caps and the minimum). Look-back periods a term reads are never in
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeTotal {
    /// Contract id.
    pub contract: String,
    /// ISO 4217 code of the amount.
    pub currency: String,
    /// The contract's first reported period in the range, e.g. `2026-09`.
    pub first_period: String,
    /// Its last reported period in the range.
    pub last_period: String,
    /// How many of its periods were reported.
    pub periods: u64,
    /// How many credit lines in this currency the sum is over.
    pub credit_lines: u64,
    /// The sum of those lines' amounts.
    pub credit_total: Decimal,
}

/// One contract's period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractReport {
    /// Contract id.
    pub contract: String,
    /// Its title.
    pub title: String,
    /// The contract file.
    pub file: String,
    /// The party that owes credits.
    pub provider: String,
    /// The party owed.
    pub customer: String,
    /// ISO 4217 code of every amount below.
    pub currency: String,
    /// The contract's time zone.
    pub timezone: String,
    /// The period, e.g. `2026-10` or `2026-Q4`.
    pub period: String,
    /// Period start (inclusive), RFC 3339 UTC.
    pub period_start: String,
    /// Period end (exclusive), RFC 3339 UTC.
    pub period_end: String,
    /// The instant open incidents were judged at.
    pub judged_at: String,
    /// One summary per service, sorted by id.
    pub services: Vec<ServiceSummary>,
    /// Every breached or pending target whose deadline falls in the period.
    pub breaches: Vec<BreachRow>,
    /// Invoice credit lines.
    pub credit_lines: Vec<CreditLine>,
    /// Sum of the credit lines' amounts.
    pub credit_total: Decimal,
    /// Obligations and rules the incidents show broken, which are not money.
    pub findings: Vec<Finding>,
    /// Disputed incidents held out of the credits, with what each would add.
    pub disputed: Vec<DisputedIncident>,
    /// How the period was judged, for `explain` (not part of the JSON model).
    #[serde(skip)]
    pub trace: PeriodTrace,
    /// The decimal places of the currency's minor units (`credits.rounding.places`), for
    /// renderers that sum amounts (not part of the JSON model: every amount above has them).
    #[serde(skip)]
    pub places: u32,
}

/// A disputed incident, held out of credits and downtime until the dispute is settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisputedIncident {
    /// Service id.
    pub service: String,
    /// Incident id.
    pub incident: String,
    /// The credit it would add to its service's lines on its own, after caps and rounding.
    pub exposure: Decimal,
    /// The export row, `file:line`.
    pub source: String,
    /// Ticket title.
    pub title: String,
}

/// Something a finance analyst or a procurement lead should know that is not a credit: an
/// obligation missed, a downgrade without a reason, a termination right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kebab-case kind, e.g. `downgrade-without-reason`, `termination-right`.
    pub kind: &'static str,
    /// Service id (several, comma-separated, for a contract-wide trigger).
    pub service: String,
    /// Incident ids behind it.
    pub incidents: Vec<String>,
    /// Periods behind it, for findings that look back.
    pub periods: Vec<String>,
    /// What happened, in plain words.
    pub message: String,
    /// The export rows behind it, `file:line`.
    pub sources: Vec<String>,
}

/// One service in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceSummary {
    /// Service id.
    pub service: String,
    /// Service name.
    pub name: String,
    /// Fee for the period (the monthly fee times the months in it).
    pub fee: Decimal,
    /// Incidents counted for the service.
    pub incidents: u64,
    /// Seconds measured: the period, up to the judging instant.
    pub measured_seconds: Seconds,
    /// Seconds with at least one outage.
    pub downtime_seconds: Seconds,
    /// Downtime weighted by severity.
    pub weighted_downtime_seconds: Decimal,
    /// The office-hours calendar availability is measured on (the seconds above are seconds of
    /// its opening time); `None` when it is measured around the clock.
    pub office_hours: Option<String>,
    /// Availability in percent, rounded to 4 places for display (decisions use exact figures).
    pub availability: Decimal,
    /// The contract's target, if it sets one.
    pub availability_target: Option<Decimal>,
    /// Whether availability reached the target (exact comparison).
    pub availability_met: Option<bool>,
    /// Mean time to detect (`opened − started`) over incidents opened in the period that have
    /// `started`, in seconds.
    pub mean_time_to_detect_seconds: Option<Seconds>,
    /// Planned maintenance excluded from measured time (or counted as up).
    pub maintenance_excluded_seconds: Seconds,
    /// Planned maintenance that counted as downtime: outside a window, short of notice, or over
    /// the cap.
    pub maintenance_downtime_seconds: Seconds,
    /// Response targets due in the period.
    pub respond: TargetCounts,
    /// Resolution targets due in the period.
    pub resolve: TargetCounts,
    /// Root-cause reports due in the period.
    pub rca: TargetCounts,
    /// Data-breach notifications due in the period.
    pub notify: TargetCounts,
    /// Credits for the service (sum of its lines).
    pub credit: Decimal,
    /// What the service's credits would grow by if every disputed incident counted.
    pub disputed_exposure: Decimal,
}

/// How many targets of one kind were met, breached or pending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TargetCounts {
    /// Met.
    pub met: u64,
    /// Breached.
    pub breached: u64,
    /// Pending.
    pub pending: u64,
}

/// One breached or pending target of one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachRow {
    /// Service id.
    pub service: Arc<str>,
    /// Incident id.
    pub incident: compact_str::CompactString,
    /// Severity id.
    pub severity: Arc<str>,
    /// Respond, resolve, rca or notify.
    pub target: TargetKind,
    /// Breached or pending.
    pub status: Status,
    /// Ticket opened (RFC 3339 UTC in JSON).
    #[serde(serialize_with = "serialize_instant")]
    pub opened: Instant,
    /// When the allowed time ran out (RFC 3339 UTC in JSON).
    #[serde(serialize_with = "serialize_instant")]
    pub deadline: Instant,
    /// Allowed seconds.
    pub allowed_seconds: Seconds,
    /// Seconds taken (or elapsed so far).
    pub actual_seconds: Seconds,
    /// `actual − allowed` when breached, else 0.
    pub over_by_seconds: Seconds,
    /// The office-hours calendar the target is measured on (the seconds above are seconds of
    /// its opening time); `None` when it is measured around the clock.
    pub office_hours: Option<Arc<str>>,
    /// Whether the work was done by the time judged (else `actual` is the time elapsed so far).
    pub done: bool,
    /// Rules that price this breach, with the credit each gives before caps.
    pub credits: Vec<RuleCredit>,
    /// Time to detect (`opened − started`) when the export has `started`.
    pub detected_after_seconds: Option<Seconds>,
    /// The export row it came from (`file:line` in JSON).
    pub source: Origin,
    /// Ticket title.
    pub title: Box<str>,
}

/// Where a row of an export is: its file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as the inputs name it.
    pub file: Arc<str>,
    /// The line of the row in its file.
    pub line: u64,
}

impl std::fmt::Display for Origin {
    /// `file:line`.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}:{}", self.file, self.line)
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One rule's credit for one breach, before caps and rounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCredit {
    /// Rule id.
    pub rule: String,
    /// Amount.
    pub amount: Decimal,
}

/// One invoice credit line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditLine {
    /// Contract id.
    pub contract: String,
    /// The party that owes the credit.
    pub provider: String,
    /// The party owed.
    pub customer: String,
    /// Period, e.g. `2026-10`.
    pub period: String,
    /// Service id.
    pub service: String,
    /// Rule id.
    pub rule: String,
    /// How the amount was derived (plain words in every output).
    pub description: Derivation,
    /// The fee percentages apply to.
    pub basis: Decimal,
    /// The rate as the contract words it: `10%`, `500.00` or `2x`.
    pub rate: Rate,
    /// How many units the rate applies to (breaches; 1 for a band).
    pub quantity: u64,
    /// Rounded amount before caps.
    pub amount_before_caps: Decimal,
    /// Rounded amount owed.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Incident ids behind the line.
    pub incidents: Vec<String>,
    /// Which caps (or the minimum) reduced the line and by how much, if any.
    pub cap_applied: Option<CapApplied>,
    /// Date by which the credit must be claimed, if the contract sets one (`YYYY-MM-DD`).
    #[serde(serialize_with = "serialize_date")]
    pub claim_by: Option<NaiveDate>,
    /// The rate as a percentage of the fee, at least two places (`10.00`); `None` for a fixed
    /// rate or a multiple.
    pub rate_percent: Option<Decimal>,
    /// The fixed amount per unit in the currency's minor units (`50.00`); `None` for a
    /// percentage or a multiple.
    pub unit_amount: Option<Decimal>,
    /// The service's availability in the period in percent, 4 places as reported, for a line an
    /// availability band gives; `None` for other lines.
    pub availability: Option<Decimal>,
    /// How many incidents are behind the line: every id in `incidents` (which the CSV may cut
    /// to fit a spreadsheet cell).
    pub incident_count: u64,
    /// The line's reference from the contract's `invoice.reference`, if it sets one.
    pub reference: Option<String>,
    /// The contract's `invoice.vendor_id`.
    pub vendor_id: Option<String>,
    /// The contract's `invoice.po_number`.
    pub po_number: Option<String>,
    /// The contract's `invoice.gl_account`.
    pub gl_account: Option<String>,
    /// The contract's `invoice.cost_center`.
    pub cost_center: Option<String>,
}

/// An optional date as `YYYY-MM-DD`, or null.
#[expect(
    clippy::ref_option,
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's `serialize_with` hands over a reference to the field"
)]
pub(crate) fn serialize_date<S: serde::Serializer>(
    date: &Option<NaiveDate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.collect_str(date),
        None => serializer.serialize_none(),
    }
}

// The typed notes below are serialized as the words the renderers give them (their `Display`
// impls live in `report::words`, beside the other renderers), so JSON keeps the text fields it
// always had.

/// How a credit line's amount was derived, per rule kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derivation {
    /// An availability band applied.
    Availability {
        /// Availability in percent, rounded to 4 places as reported.
        availability: Decimal,
        /// The band it fell in.
        band: Band,
    },
    /// A rate per breach.
    PerBreach {
        /// Breaches priced.
        breaches: u64,
        /// Which target.
        target: TargetKind,
        /// The rate per breach.
        credit: Amount,
        /// The breaches escalation multiplied.
        escalated: Vec<EscalatedBreach>,
    },
    /// A rate per started unit of lateness.
    PerUnitLate {
        /// Started units, summed over the breaches.
        units: u64,
        /// The unit.
        unit: Seconds,
        /// Breaches priced.
        breaches: usize,
        /// Which target.
        target: TargetKind,
        /// The rate per unit.
        credit: Amount,
        /// The most one incident earns.
        max_per_incident: Option<Amount>,
        /// The breaches escalation multiplied.
        escalated: Vec<EscalatedBreach>,
        /// The clocks the lateness was measured on.
        clocks: Clocks,
    },
    /// A rate per started unit of qualifying downtime (measured on the availability calendar).
    PerUnitDown {
        /// Downtime of the qualifying outages, overlaps once.
        downtime: Seconds,
        /// The shortest outage that qualifies.
        min_outage: Seconds,
        /// Started units.
        units: u64,
        /// The unit.
        unit: Seconds,
        /// The rate per unit.
        credit: Amount,
        /// The office-hours calendar availability is measured on, if it is not around the
        /// clock.
        office_hours: Option<String>,
    },
    /// A multiple of the fee's share of downtime.
    DowntimeMultiple {
        /// The multiplier.
        multiplier: Decimal,
        /// Weighted downtime, whole seconds (truncated).
        downtime: Seconds,
        /// Seconds measured.
        measured: Seconds,
        /// The office-hours calendar availability is measured on, if it is not around the
        /// clock.
        office_hours: Option<String>,
    },
}

/// The clocks the breaches of a line were measured on: each target runs on its own calendar,
/// and a rule may price targets of several.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clocks {
    /// Whether some breach was measured around the clock.
    pub around_the_clock: bool,
    /// The office-hours calendars some breach was measured on, by name, sorted.
    pub office_hours: Vec<String>,
}

/// One breach whose credit an escalation rule multiplied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalatedBreach {
    /// Incident id.
    pub incident: String,
    /// Why it was escalated.
    pub escalation: Escalation,
}

/// Why an escalation rule multiplied a breach's credit: it was the `count`-th breach of the
/// named rules within the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// Its place among the breaches in the window (at least the rule's `breaches`).
    pub count: usize,
    /// The window.
    pub within: Seconds,
    /// The escalation rule's id.
    pub rule: String,
    /// Its contract line.
    pub line: u32,
    /// The multiplier.
    pub multiplier: Decimal,
}

/// A line's rate as the contract words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// A fixed amount or a percentage of the fee.
    Amount(Amount),
    /// A multiple of the fee's share of downtime.
    Multiple(Decimal),
}

impl Rate {
    /// The percentage of the fee, at least two places (`10.00`), when the rate is one.
    pub fn percent(self) -> Option<Decimal> {
        match self {
            Self::Amount(Amount::PercentOfFee(percent)) => Some(
                crate::money::Rounding {
                    places: 2,
                    ..crate::money::Rounding::default()
                }
                .minor_units(percent),
            ),
            _ => None,
        }
    }

    /// The fixed amount, as the line holds it, when the rate is one.
    pub fn unit_amount(self) -> Option<Decimal> {
        match self {
            Self::Amount(Amount::Fixed(amount)) => Some(amount),
            _ => None,
        }
    }
}

/// The caps and minimum that reduced a credit line, in the order they were applied (never
/// empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapApplied(pub Vec<CapNote>);

/// One reduction of a credit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapNote {
    /// A cap that did not leave room for the whole line.
    Cap {
        /// The cap.
        cap: Cap,
        /// How much it took off.
        reduced_by: Decimal,
    },
    /// A line below the contract's minimum, listed but not issued.
    Minimum {
        /// The minimum, rounded.
        minimum: Decimal,
        /// The amount not issued.
        withheld: Decimal,
    },
}

/// A cap on credits: which one, its rate and what it comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cap {
    /// Which cap.
    pub limit: Limit,
    /// The cap as the contract words it.
    pub rate: Amount,
    /// What it comes to, floored to the rounding grid.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
}

/// The caps a contract may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Per service and period.
    PerService,
    /// Per period, across services.
    PerPeriod,
    /// Per contract year.
    PerYear {
        /// First day of the contract year.
        start: NaiveDate,
        /// Credit issued in the year's earlier periods.
        used: Decimal,
    },
}

/// Serialized as the words its `Display` gives (in `report::words`).
macro_rules! serialize_as_words {
    ($($name:ty),*) => {$(
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    )*};
}

serialize_as_words!(Derivation, Rate, CapApplied);

impl Report {
    /// Every credit line of every contract, in report order.
    pub fn credit_lines(&self) -> impl Iterator<Item = &CreditLine> {
        self.contracts
            .iter()
            .flat_map(|contract| contract.credit_lines.iter())
    }
}

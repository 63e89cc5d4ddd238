//! The vendor scorecard: per contract, service, view period (month, quarter or year) and
//! severity, how many incidents were opened, how many response and resolution targets were met,
//! the time to acknowledge and to resolve, availability and credits. Incidents are folded one at
//! a time as they are read ([`ScorecardTally`]), judged by the calculation's own rules
//! ([`judge`], the availability functions), and the tally finishes into the typed [`Scorecard`]
//! with the credits taken from the report of the billing periods.

use std::collections::HashSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::availability::{Downtime, Outage, availability_percent, clip_to_open, downtime};
use super::breach::{Status, judge};
use super::model::{Report, TargetCounts};
use super::tally::{Way, holds, outage};
use super::{Scope, excluded_maintenance, plan, rename};
use crate::contract::{Contract, Denominator, TargetKind};
use crate::incidents::{Incident, RowAccounting};
use crate::money::{Decimal, HUNDRED, Rounding, RoundingMode};
use crate::time::{Instant, PeriodKind, PeriodRange, PeriodSpec, Seconds, subtract};

/// How long a scorecard's view periods are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewKind {
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
    /// Calendar years.
    Year,
}

impl ViewKind {
    /// Months in one view period.
    pub fn months(self) -> u32 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
            Self::Year => 12,
        }
    }

    /// The view of a contract's own billing period.
    pub fn of(kind: PeriodKind) -> Self {
        match kind {
            PeriodKind::Month => Self::Month,
            PeriodKind::Quarter => Self::Quarter,
        }
    }

    /// The word for it: `month`, `quarter` or `year`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }
}

/// One view period: a calendar month, quarter or year in a contract's time zone, written
/// `2026-06`, `2026-Q2` or `2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ViewPeriod {
    year: i32,
    /// First month, 1–12 (1, 4, 7 or 10 for a quarter; 1 for a year).
    first_month: u32,
    kind: ViewKind,
}

impl ViewPeriod {
    /// The view period of `kind` that contains `date`.
    pub fn containing(date: NaiveDate, kind: ViewKind) -> Self {
        let months = kind.months();
        Self {
            year: date.year(),
            first_month: (date.month() - 1) / months * months + 1,
            kind,
        }
    }

    /// Month, quarter or year.
    pub fn kind(self) -> ViewKind {
        self.kind
    }

    /// Its first day.
    ///
    /// # Panics
    /// Never: the month is 1–12 by construction.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.first_month, 1).expect("month 1-12")
    }

    /// The view period after it.
    #[must_use]
    pub fn next(self) -> Self {
        let months = self.first_month - 1 + self.kind.months();
        Self {
            year: self.year + (months / 12) as i32,
            first_month: months % 12 + 1,
            kind: self.kind,
        }
    }

    /// `[start, end)` in `zone`: local midnight of its first day to that of the next period's.
    fn in_zone(self, zone: chrono_tz::Tz) -> (Instant, Instant) {
        let midnight = |date: NaiveDate| {
            PeriodSpec::containing(date, PeriodKind::Month)
                .in_zone(zone)
                .start
        };
        (
            midnight(self.first_day()),
            midnight(self.next().first_day()),
        )
    }
}

impl fmt::Display for ViewPeriod {
    /// `2026-06`, `2026-Q2` or `2026`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ViewKind::Month => write!(formatter, "{:04}-{:02}", self.year, self.first_month),
            ViewKind::Quarter => write!(
                formatter,
                "{:04}-Q{}",
                self.year,
                self.first_month.div_ceil(3)
            ),
            ViewKind::Year => write!(formatter, "{:04}", self.year),
        }
    }
}

impl Serialize for ViewPeriod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The scorecard of a range: one line per contract, service, view period and severity (and
/// one for all severities), the trend of each service, and notes on what could not be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scorecard {
    /// The billing periods asked for: `2026-01..2026-12`.
    pub period: String,
    /// The view asked for (`--by`); each contract's own period when `None`.
    pub by: Option<ViewKind>,
    /// The `--as-of` instant when given (RFC 3339, UTC).
    #[serde(serialize_with = "serialize_as_of")]
    pub as_of: Option<Instant>,
    /// The lines, by contract, service, view period and severity (the contract's order, then
    /// `all`).
    pub lines: Vec<ScoreLine>,
    /// Per contract, service and view period: the change against the previous view period.
    pub trends: Vec<Trend>,
    /// What the lines leave empty, and why.
    pub notes: Vec<Note>,
    /// What became of every incident row.
    pub rows: RowAccounting,
}

#[expect(
    clippy::ref_option,
    reason = "serde's `serialize_with` hands the field by reference"
)]
fn serialize_as_of<S: serde::Serializer>(
    as_of: &Option<Instant>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match as_of {
        Some(instant) => crate::time::serialize_instant(instant, serializer),
        None => serializer.serialize_none(),
    }
}

/// Which severities a line covers: one, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Severities {
    /// The severity with this id.
    One(String),
    /// Every severity.
    All,
}

impl fmt::Display for Severities {
    /// The severity id, or `all`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::One(id) => formatter.write_str(id),
            Self::All => formatter.write_str("all"),
        }
    }
}

impl Serialize for Severities {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One line of the scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreLine {
    /// Contract id.
    pub contract: String,
    /// Service id.
    pub service: String,
    /// The view period.
    pub period: ViewPeriod,
    /// The severity, or `all`.
    pub severity: Severities,
    /// Counted incidents opened in the view period (planned maintenance rows are not incidents
    /// here: they count only toward availability).
    pub incidents: u64,
    /// Response targets due in the view period.
    pub respond: Compliance,
    /// Resolution targets due in the view period.
    pub resolve: Compliance,
    /// Time to acknowledge over the incidents opened in the view period and acknowledged by the
    /// end of the range.
    pub time_to_acknowledge: Option<TimeFigures>,
    /// Time to resolve over the incidents opened in the view period and resolved by the end of
    /// the range.
    pub time_to_resolve: Option<TimeFigures>,
    /// The service's availability over the view period, in percent to four places.
    pub availability: Decimal,
    /// The contract's availability target for the service, if it sets one.
    pub availability_target: Option<Decimal>,
    /// Seconds of the view period with at least one outage.
    pub downtime_seconds: Seconds,
    /// The service's credits of the billing periods inside the view period (on the `all` line
    /// only: a credit belongs to a service, not to a severity); `None` when the view period is
    /// shorter than the billing period, or on a severity's line.
    pub credits: Option<Decimal>,
    /// ISO 4217 code of the credits.
    pub currency: String,
}

/// Targets of one kind due in a view period, and the share met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// Met, breached and pending.
    #[serde(flatten)]
    pub counts: TargetCounts,
    /// `met ÷ (met + breached) × 100`, two places half-even; `None` when nothing was decided.
    pub compliance: Option<Decimal>,
}

impl Compliance {
    fn of(counts: TargetCounts) -> Self {
        let decided = counts.met + counts.breached;
        let compliance = (decided > 0).then(|| {
            let share = Decimal::from(counts.met) * HUNDRED / Decimal::from(decided);
            TWO_PLACES.apply(share)
        });
        Self { counts, compliance }
    }
}

/// Two places, half to even: compliance percentages.
const TWO_PLACES: Rounding = Rounding {
    places: 2,
    mode: RoundingMode::HalfEven,
};

/// Whole units, half to even: mean seconds.
const WHOLE: Rounding = Rounding {
    places: 0,
    mode: RoundingMode::HalfEven,
};

/// Mean and percentiles of a set of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeFigures {
    /// How many durations.
    pub count: u64,
    /// Their mean, whole seconds rounded half to even.
    pub mean_seconds: Seconds,
    /// The median by nearest rank: the ⌈n/2⌉-th smallest.
    pub p50_seconds: Seconds,
    /// The 90th percentile by nearest rank: the ⌈0.9·n⌉-th smallest.
    pub p90_seconds: Seconds,
}

impl TimeFigures {
    /// The figures of `values`; `None` when there are none.
    fn of(mut values: Vec<Seconds>) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        let count = values.len();
        // The ⌈percent·n/100⌉-th smallest, counted from 1.
        let rank = |percent: usize| values[(percent * count).div_ceil(100) - 1];
        let sum: Decimal = values.iter().map(|value| Decimal::from(*value)).sum();
        let mean = WHOLE.apply(sum / Decimal::from(count as u64));
        Some(Self {
            count: count as u64,
            mean_seconds: i64::try_from(mean).expect("a mean of seconds fits in seconds"),
            p50_seconds: rank(50),
            p90_seconds: rank(90),
        })
    }
}

/// A service's change against its previous view period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trend {
    /// Contract id.
    pub contract: String,
    /// Service id.
    pub service: String,
    /// The view period.
    pub period: ViewPeriod,
    /// Availability, as on the lines.
    pub availability: Decimal,
    /// Availability minus the previous view period's, in percentage points.
    pub availability_change: Option<Decimal>,
    /// Resolution compliance over all severities, as on the `all` line.
    pub resolve_compliance: Option<Decimal>,
    /// Resolution compliance minus the previous view period's, in percentage points.
    pub resolve_compliance_change: Option<Decimal>,
    /// Whether availability or resolution compliance has now fallen three view periods in a row.
    pub declining: bool,
}

/// Why part of the scorecard is empty or partial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// Credits are owed per billing period, which is longer than the view period, so they are
    /// not shown per view period.
    CreditsPerBillingPeriod {
        /// Contract id.
        contract: String,
        /// The view.
        by: ViewKind,
        /// The contract's billing period.
        billed: ViewKind,
    },
    /// A view period only partly inside the range: its figures cover the months given.
    PartialPeriod {
        /// Contract id.
        contract: String,
        /// The view period.
        period: ViewPeriod,
        /// First month covered.
        first: ViewPeriod,
        /// Last month covered.
        last: ViewPeriod,
    },
}

/// The scorecard's tallies of every contract in force, filled as incidents are read.
#[derive(Clone)]
pub struct ScorecardTally<'a> {
    contracts: &'a [Contract],
    range: PeriodRange,
    as_of: Option<Instant>,
    by: Option<ViewKind>,
    cards: Vec<Card>,
    /// Per contract version, the index of its id's card.
    card_of: Vec<Option<usize>>,
    /// Per contract version, per service index: the service's place in its card.
    service_slots: Vec<Vec<usize>>,
    /// Per contract version, per severity index: the severity's place in its card.
    severity_slots: Vec<Vec<usize>>,
}

/// One contract id's tallies.
#[derive(Clone)]
struct Card {
    id: String,
    currency: String,
    view: ViewKind,
    billed: ViewKind,
    /// Service and severity ids across the id's versions, in first-seen order.
    services: Vec<String>,
    severities: Vec<String>,
    /// The billing periods of the range, in order.
    billing: Vec<Billing>,
    /// The view periods, in order.
    views: Vec<View>,
    /// Work done by this instant counts toward the time to acknowledge and to resolve: the end
    /// of the range, or `--as-of`.
    end: Instant,
}

/// One billing period: its version, its scope as `report` judges it, and each service's
/// outages and maintenance rows (for availability over any part of it).
#[derive(Clone)]
struct Billing {
    spec: PeriodSpec,
    version: usize,
    scope: Scope,
    downtimes: Vec<Downtimes>,
}

/// The outages and maintenance rows of one service in one billing period.
#[derive(Debug, Clone, Default)]
struct Downtimes {
    outages: Vec<Outage>,
    maintenance: Vec<Incident>,
    /// Outages of copies taken back, removed when the tally finishes.
    gone_outages: Vec<Outage>,
    /// Rows (file, line) of maintenance copies taken back.
    gone_rows: HashSet<(u16, u64)>,
}

/// One view period: `[start, end)`, clipped to the range, and per service and severity slot
/// what its incidents add up to.
#[derive(Clone)]
struct View {
    period: ViewPeriod,
    start: Instant,
    end: Instant,
    cells: Vec<Vec<Cell>>,
}

/// One service's incidents at one severity in one view period.
#[derive(Debug, Clone, Default)]
struct Cell {
    incidents: u64,
    /// Respond and resolve.
    counts: [TargetCounts; 2],
    /// Time to acknowledge and to resolve.
    durations: [Durations; 2],
}

/// Durations folded, and those of copies taken back (removed when the tally finishes: one
/// pass, however many are taken back).
#[derive(Debug, Clone, Default)]
struct Durations {
    taken: Vec<Seconds>,
    gone: Vec<Seconds>,
}

/// The targets a scorecard reads, in [`Cell::counts`] order.
const KINDS: [TargetKind; 2] = [TargetKind::Respond, TargetKind::Resolve];

impl<'a> ScorecardTally<'a> {
    /// Plans the billing periods of `range` for `contracts` (as `report` plans them, without the
    /// look-back) and the view periods of `by` (each contract's own period when `None`), with
    /// open incidents judged at `as_of` (default: each billing period's end).
    pub fn new(
        contracts: &'a [Contract],
        (range, as_of): (PeriodRange, Option<Instant>),
        by: Option<ViewKind>,
    ) -> Self {
        let mut card_of = vec![None; contracts.len()];
        let mut service_slots = vec![Vec::new(); contracts.len()];
        let mut severity_slots = vec![Vec::new(); contracts.len()];
        let mut cards = Vec::new();
        for periods in plan(contracts, range) {
            let billing: Vec<Billing> = periods
                .iter()
                .filter(|planned| planned.reported)
                .map(|planned| {
                    let contract = &contracts[planned.contract];
                    Billing {
                        spec: planned.spec,
                        version: planned.contract,
                        scope: Scope::new(contract, planned.spec, as_of),
                        downtimes: vec![Downtimes::default(); contract.services.len()],
                    }
                })
                .collect();
            let (Some(first), Some(last)) = (billing.first(), billing.last()) else {
                continue;
            };
            let contract = &contracts[first.version];
            let (span_start, span_end) = (first.scope.period.start, last.scope.period.end);
            let mut card = Card {
                id: contract.id.clone(),
                currency: contract.currency.clone(),
                view: by.unwrap_or(ViewKind::of(contract.period)),
                billed: ViewKind::of(contract.period),
                services: Vec::new(),
                severities: Vec::new(),
                views: Vec::new(),
                end: as_of.unwrap_or(span_end),
                billing: Vec::new(),
            };
            for (version, other) in contracts.iter().enumerate() {
                if other.id != card.id {
                    continue;
                }
                card_of[version] = Some(cards.len());
                service_slots[version] = other
                    .services
                    .iter()
                    .map(|service| slot(&mut card.services, &service.id))
                    .collect();
                severity_slots[version] = other
                    .severities
                    .iter()
                    .map(|severity| slot(&mut card.severities, &severity.id))
                    .collect();
            }
            let last_day = last.spec.next_first_day();
            let mut view = ViewPeriod::containing(first.spec.first_day(), card.view);
            while view.first_day() < last_day {
                let (start, end) = view.in_zone(contract.timezone);
                card.views.push(View {
                    period: view,
                    start: start.max(span_start),
                    end: end.min(span_end),
                    cells: vec![vec![Cell::default(); card.severities.len()]; card.services.len()],
                });
                view = view.next();
            }
            card.billing = billing;
            cards.push(card);
        }
        Self {
            contracts,
            range,
            as_of,
            by,
            cards,
            card_of,
            service_slots,
            severity_slots,
        }
    }

    /// An empty tally like this one, for a part of the exports read on its own.
    #[must_use]
    pub fn fresh(&self) -> Self {
        let mut fresh = self.clone();
        for card in &mut fresh.cards {
            for billing in &mut card.billing {
                for downtimes in &mut billing.downtimes {
                    *downtimes = Downtimes::default();
                }
            }
            for view in &mut card.views {
                for cell in view.cells.iter_mut().flatten() {
                    *cell = Cell::default();
                }
            }
        }
        fresh
    }

    /// Folds a counted incident, routed to a contract version, service and severity.
    pub fn take(&mut self, incident: &Incident) {
        self.fold(incident, Way::Add);
    }

    /// Takes back incidents taken before (the copies of repeated ids that do not count).
    pub fn take_back(&mut self, incidents: &[Incident]) {
        for incident in incidents {
            self.fold(incident, Way::Remove);
        }
    }

    /// Moves the line of every row kept down by `lines` (a part read from the middle of a file).
    pub fn shift_lines(&mut self, lines: u64) {
        for downtimes in self.downtimes_mut() {
            for incident in &mut downtimes.maintenance {
                incident.line = incident.line.saturating_add(lines);
            }
        }
    }

    /// Adds what another part of the exports folded.
    pub fn join(&mut self, other: Self) {
        for (mine, theirs) in self.cards.iter_mut().zip(other.cards) {
            for (billing, other) in mine.billing.iter_mut().zip(theirs.billing) {
                for (downtimes, other) in billing.downtimes.iter_mut().zip(other.downtimes) {
                    downtimes.outages.extend(other.outages);
                    downtimes.maintenance.extend(other.maintenance);
                    downtimes.gone_outages.extend(other.gone_outages);
                    downtimes.gone_rows.extend(other.gone_rows);
                }
            }
            for (view, other) in mine.views.iter_mut().zip(theirs.views) {
                for (cell, other) in view
                    .cells
                    .iter_mut()
                    .flatten()
                    .zip(other.cells.into_iter().flatten())
                {
                    cell.incidents += other.incidents;
                    for (counts, more) in cell.counts.iter_mut().zip(other.counts) {
                        counts.met += more.met;
                        counts.breached += more.breached;
                        counts.pending += more.pending;
                    }
                    for (durations, more) in cell.durations.iter_mut().zip(other.durations) {
                        durations.taken.extend(more.taken);
                        durations.gone.extend(more.gone);
                    }
                }
            }
        }
    }

    fn downtimes_mut(&mut self) -> impl Iterator<Item = &mut Downtimes> {
        self.cards
            .iter_mut()
            .flat_map(|card| &mut card.billing)
            .flat_map(|billing| &mut billing.downtimes)
    }

    /// Adds an incident (or takes it back): its outage to every billing period it touches, and,
    /// unless it is planned maintenance or held out as disputed, its count, targets and times
    /// to the view periods they belong to.
    fn fold(&mut self, incident: &Incident, way: Way) {
        let version = usize::from(incident.contract);
        let Some(index) = self.card_of.get(version).copied().flatten() else {
            return;
        };
        let contracts = self.contracts;
        let contract = &contracts[version];
        let card = &mut self.cards[index];
        for billing in &mut card.billing {
            fold_outage(contracts, (version, incident), billing, way);
        }
        if incident.maintenance || holds(contract, incident) {
            return;
        }
        let service = self.service_slots[version][usize::from(incident.service)];
        let severity = self.severity_slots[version][usize::from(incident.severity)];
        let opened_in = card.view_at(incident.opened);
        if let Some(view) = opened_in {
            way.count(&mut card.views[view].cells[service][severity].incidents);
        }
        for (position, kind) in KINDS.into_iter().enumerate() {
            let target = contract.target(usize::from(incident.severity), kind);
            // The time taken, if done by the end: on the target's clock, or around the clock
            // for a severity without such a target.
            let taken = if let Some(target) = target {
                let calendar = &contract.calendars[target.calendar].calendar;
                let Some(at_end) = judge(incident, kind, target, calendar, card.end) else {
                    continue;
                };
                // A target belongs to the view period of its deadline and is judged as `report`
                // judges the billing period of its deadline. The deadline does not depend on
                // when it is judged, nor does the verdict on work done by then: only the rest
                // is judged again at that billing period's instant.
                let due = card
                    .view_at(at_end.deadline)
                    .zip(card.billing_at(at_end.deadline));
                if let Some((view, billing)) = due {
                    let as_of = card.billing[billing].scope.as_of;
                    let verdict = if as_of == card.end
                        || done_at(incident, kind).is_some_and(|done| done <= as_of)
                    {
                        Some(at_end)
                    } else {
                        judge(incident, kind, target, calendar, as_of)
                    };
                    if let Some(verdict) = verdict {
                        let counts =
                            &mut card.views[view].cells[service][severity].counts[position];
                        way.count(match verdict.status {
                            Status::Met => &mut counts.met,
                            Status::Breached => &mut counts.breached,
                            Status::Pending => &mut counts.pending,
                        });
                    }
                }
                at_end.done.then_some(at_end.actual)
            } else {
                done_at(incident, kind)
                    .filter(|done| *done <= card.end)
                    .map(|done| (done - incident.opened).max(0))
            };
            let (Some(view), Some(taken)) = (opened_in, taken) else {
                continue;
            };
            let durations = &mut card.views[view].cells[service][severity].durations[position];
            match way {
                Way::Add => durations.taken.push(taken),
                Way::Remove => durations.gone.push(taken),
            }
        }
    }

    /// The scorecard: every line, trend and note, with the credits of `report` (the report of
    /// the same billing periods).
    pub fn finish(mut self, report: &Report) -> Scorecard {
        let mut lines = Vec::new();
        let mut notes = Vec::new();
        self.cards.sort_by(|left, right| left.id.cmp(&right.id));
        for card in &mut self.cards {
            for billing in &mut card.billing {
                for downtimes in &mut billing.downtimes {
                    downtimes.settle();
                }
            }
            let finer = card.view.months() < card.billed.months();
            if finer {
                notes.push(Note::CreditsPerBillingPeriod {
                    contract: card.id.clone(),
                    by: card.view,
                    billed: card.billed,
                });
            }
            notes.extend(card.partial_views());
            lines.extend(card.lines(self.contracts, report, finer));
        }
        let trends = trends(&lines);
        Scorecard {
            period: self.range.to_string(),
            by: self.by,
            as_of: self.as_of,
            lines,
            trends,
            notes,
            rows: report.rows.clone(),
        }
    }
}

/// The place of `id` in `ids`, added at the end when new.
fn slot(ids: &mut Vec<String>, id: &str) -> usize {
    ids.iter().position(|known| known == id).unwrap_or_else(|| {
        ids.push(id.to_owned());
        ids.len() - 1
    })
}

/// Adds the outage of `incident` (routed to `version`) to `billing`, as the billing period's
/// version names its service, if it touches the time measured there; a maintenance row is kept
/// whole too, for its exclusion.
fn fold_outage(
    contracts: &[Contract],
    (version, incident): (usize, &Incident),
    billing: &mut Billing,
    way: Way,
) {
    let renamed;
    let (incident, contract) = if billing.version == version {
        (incident, &contracts[version])
    } else {
        let here = &contracts[billing.version];
        let Some(copy) = rename(&contracts[version], here, billing.version, incident) else {
            return;
        };
        renamed = copy;
        (&renamed, here)
    };
    let scope = billing.scope;
    if holds(contract, incident) {
        return;
    }
    let Some(outage) = outage(contract, incident, scope) else {
        return;
    };
    if outage.end <= scope.period.start || outage.start >= scope.measured_end() {
        return;
    }
    let downtimes = &mut billing.downtimes[usize::from(incident.service)];
    match way {
        Way::Add => {
            downtimes.outages.push(outage);
            if incident.maintenance {
                downtimes.maintenance.push(incident.clone());
            }
        }
        Way::Remove => {
            downtimes.gone_outages.push(outage);
            if incident.maintenance {
                downtimes.gone_rows.insert((incident.file, incident.line));
            }
        }
    }
}

/// When the work a response or resolution target measures was done, if it was.
fn done_at(incident: &Incident, kind: TargetKind) -> Option<Instant> {
    match kind {
        TargetKind::Respond => incident.acknowledged,
        _ => incident.resolved,
    }
}

impl Downtimes {
    /// Removes what copies taken back added: one copy of each outage, each maintenance row.
    fn settle(&mut self) {
        let rows = std::mem::take(&mut self.gone_rows);
        self.maintenance
            .retain(|incident| !rows.contains(&(incident.file, incident.line)));
        let key = |outage: &Outage| (outage.start, outage.end, outage.weight);
        self.outages = remove_each(
            std::mem::take(&mut self.outages),
            std::mem::take(&mut self.gone_outages),
            key,
        );
    }
}

impl Durations {
    /// The durations that count: one of each value taken back leaves.
    fn settled(&self) -> Vec<Seconds> {
        remove_each(self.taken.clone(), self.gone.clone(), |value| *value)
    }
}

/// `kept` less one element equal (by `key`) to each of `gone`: both sorted, one pass.
fn remove_each<T, K: Ord>(mut kept: Vec<T>, mut gone: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    if gone.is_empty() {
        return kept;
    }
    kept.sort_by_key(|item| key(item));
    gone.sort_by_key(|item| key(item));
    let mut gone = gone.into_iter().peekable();
    kept.retain(|item| {
        while gone.next_if(|taken| key(taken) < key(item)).is_some() {}
        gone.next_if(|taken| key(taken) == key(item)).is_none()
    });
    kept
}

/// Time measured and downtime of one service over part of one billing period.
#[derive(Debug, Clone, Copy, Default)]
struct Measured {
    measured: Seconds,
    down: Downtime,
}

impl Card {
    /// The view period containing `instant`, if any.
    fn view_at(&self, instant: Instant) -> Option<usize> {
        let index = self.views.partition_point(|view| view.end <= instant);
        (index < self.views.len() && self.views[index].start <= instant).then_some(index)
    }

    /// The billing period containing `instant`, if any.
    fn billing_at(&self, instant: Instant) -> Option<usize> {
        let index = self
            .billing
            .partition_point(|billing| billing.scope.period.end <= instant);
        (index < self.billing.len() && self.billing[index].scope.period.contains(instant))
            .then_some(index)
    }

    /// The view periods only partly inside the range.
    fn partial_views(&self) -> Vec<Note> {
        let (Some(first), Some(last)) = (self.billing.first(), self.billing.last()) else {
            return Vec::new();
        };
        let (from, to) = (first.spec.first_day(), last.spec.next_first_day());
        let month = |date: NaiveDate| ViewPeriod::containing(date, ViewKind::Month);
        self.views
            .iter()
            .filter(|view| view.period.first_day() < from || view.period.next().first_day() > to)
            .map(|view| Note::PartialPeriod {
                contract: self.id.clone(),
                period: view.period,
                first: month(view.period.first_day().max(from)),
                last: month(
                    view.period
                        .next()
                        .first_day()
                        .min(to)
                        .pred_opt()
                        .expect("a period's last day exists"),
                ),
            })
            .collect()
    }

    /// Every line: per service (by id), per view period, per severity and then all of them.
    fn lines(&self, contracts: &[Contract], report: &Report, finer: bool) -> Vec<ScoreLine> {
        let mut order: Vec<usize> = (0..self.services.len()).collect();
        order.sort_by(|left, right| self.services[*left].cmp(&self.services[*right]));
        let mut lines = Vec::new();
        for service in order {
            for view in &self.views {
                // The billing periods the view period overlaps whose version has the service.
                let pieces: Vec<(&Billing, usize, Instant, Instant)> = self
                    .billing
                    .iter()
                    .filter_map(|billing| {
                        let contract = &contracts[billing.version];
                        let index = contract.service_index(&self.services[service])?;
                        let start = view.start.max(billing.scope.period.start);
                        let end = view.end.min(billing.scope.period.end);
                        (start < end).then_some((billing, index, start, end))
                    })
                    .collect();
                let Some((first, first_index, ..)) = pieces.first().copied() else {
                    continue;
                };
                let first_contract = &contracts[first.version];
                let mut total = Measured::default();
                for (billing, index, start, end) in &pieces {
                    let piece = measure(
                        &contracts[billing.version],
                        *index,
                        &billing.downtimes[*index],
                        billing.scope,
                        (*start, *end),
                    );
                    total.measured += piece.measured;
                    total.down.seconds += piece.down.seconds;
                    total.down.weighted += piece.down.weighted;
                }
                let credits = (!finer).then(|| {
                    let mut sum = pieces
                        .iter()
                        .map(|(billing, ..)| {
                            credit_of(report, &self.id, billing.spec, &self.services[service])
                        })
                        .sum::<Decimal>();
                    // Money in the currency's minor units, `0.00` as well as `2750.00`.
                    sum.rescale(first_contract.credits.rounding.places);
                    sum
                });
                let line =
                    |severity: Severities, cell: &Cell, credits: Option<Decimal>| ScoreLine {
                        contract: self.id.clone(),
                        service: self.services[service].clone(),
                        period: view.period,
                        severity,
                        incidents: cell.incidents,
                        respond: Compliance::of(cell.counts[0]),
                        resolve: Compliance::of(cell.counts[1]),
                        time_to_acknowledge: TimeFigures::of(cell.durations[0].settled()),
                        time_to_resolve: TimeFigures::of(cell.durations[1].settled()),
                        availability: availability_percent(total.measured, total.down.weighted)
                            .round_dp(4),
                        availability_target: first_contract.services[first_index]
                            .availability_target,
                        downtime_seconds: total.down.seconds,
                        credits,
                        currency: self.currency.clone(),
                    };
                // The severities of the versions the view period's billing periods judge by, in
                // the order the card first saw them.
                let mut severities: Vec<usize> = pieces
                    .iter()
                    .flat_map(|(billing, ..)| {
                        contracts[billing.version]
                            .severities
                            .iter()
                            .map(|severity| {
                                self.severities.iter().position(|id| *id == severity.id)
                            })
                    })
                    .flatten()
                    .collect();
                severities.sort_unstable();
                severities.dedup();
                let mut all = Cell::default();
                for (severity, cell) in view.cells[service].iter().enumerate() {
                    all.add(cell);
                    if severities.contains(&severity) {
                        lines.push(line(
                            Severities::One(self.severities[severity].clone()),
                            cell,
                            None,
                        ));
                    }
                }
                lines.push(line(Severities::All, &all, credits));
            }
        }
        lines
    }
}

impl Cell {
    /// Adds `other`'s incidents, counts and durations (for the line of all severities).
    fn add(&mut self, other: &Self) {
        self.incidents += other.incidents;
        for (counts, more) in self.counts.iter_mut().zip(other.counts) {
            counts.met += more.met;
            counts.breached += more.breached;
            counts.pending += more.pending;
        }
        for (durations, more) in self.durations.iter_mut().zip(&other.durations) {
            durations.taken.extend(&more.taken);
            durations.gone.extend(&more.gone);
        }
    }
}

/// The credit of service `service` of contract `id` in billing period `spec`, from the report.
fn credit_of(report: &Report, id: &str, spec: PeriodSpec, service: &str) -> Decimal {
    let period = spec.to_string();
    report
        .contracts
        .iter()
        .filter(|contract| contract.contract == id && contract.period == period)
        .flat_map(|contract| &contract.services)
        .filter(|summary| summary.service == service)
        .map(|summary| summary.credit)
        .sum()
}

/// Time measured and downtime of `service` over `[from, to)`, part of the billing period of
/// `scope`, by `report`'s rules: in the service's availability calendar, with qualifying planned
/// maintenance (decided over the whole billing period, whose cap it fills) taken out, and the
/// weighted union of the outages.
fn measure(
    contract: &Contract,
    service: usize,
    downtimes: &Downtimes,
    scope: Scope,
    (from, to): (Instant, Instant),
) -> Measured {
    let calendar = &contract.calendars[contract.services[service].availability_calendar].calendar;
    let open = calendar.open_intervals(scope.period.start, scope.measured_end());
    let excluded = contract
        .maintenance
        .as_ref()
        .map_or_else(Vec::new, |terms| {
            excluded_maintenance(terms, &downtimes.maintenance, scope, &open)
        });
    let (from, to) = (from.max(scope.period.start), to.min(scope.measured_end()));
    let open = clip(&open, from, to);
    let excluded = clip(&excluded, from, to);
    let counted_open: Vec<(Instant, Instant)> = open
        .iter()
        .flat_map(|(start, end)| subtract(*start, *end, &excluded))
        .collect();
    let length = |intervals: &[(Instant, Instant)]| -> Seconds {
        intervals.iter().map(|(start, end)| end - start).sum()
    };
    let measured = match contract.maintenance.as_ref().map(|terms| terms.denominator) {
        Some(Denominator::Available) => length(&open),
        _ => length(&open) - length(&excluded),
    };
    Measured {
        measured,
        down: if from < to {
            downtime(&clip_to_open(&downtimes.outages, &counted_open), from, to)
        } else {
            Downtime::default()
        },
    }
}

/// The parts of sorted, disjoint `intervals` inside `[from, to)`.
fn clip(intervals: &[(Instant, Instant)], from: Instant, to: Instant) -> Vec<(Instant, Instant)> {
    intervals
        .iter()
        .map(|(start, end)| ((*start).max(from), (*end).min(to)))
        .filter(|(start, end)| start < end)
        .collect()
}

/// Each service's trend from its `all` lines, view period by view period.
fn trends(lines: &[ScoreLine]) -> Vec<Trend> {
    let mut trends: Vec<Trend> = Vec::new();
    // Falls in a row so far, of availability and of resolution compliance.
    let mut falls = (0_u32, 0_u32);
    for line in lines.iter().filter(|line| line.severity == Severities::All) {
        let previous = trends
            .last()
            .filter(|trend| trend.contract == line.contract && trend.service == line.service);
        let availability_change =
            previous.map(|previous| line.availability - previous.availability);
        let resolve_compliance_change = previous
            .and_then(|previous| Some(line.resolve.compliance? - previous.resolve_compliance?));
        let fell = |change: Option<Decimal>| {
            change.is_some_and(|change| change.is_sign_negative() && !change.is_zero())
        };
        falls = (
            if fell(availability_change) {
                falls.0 + 1
            } else {
                0
            },
            if fell(resolve_compliance_change) {
                falls.1 + 1
            } else {
                0
            },
        );
        trends.push(Trend {
            contract: line.contract.clone(),
            service: line.service.clone(),
            period: line.period,
            availability: line.availability,
            availability_change,
            resolve_compliance: line.resolve.compliance,
            resolve_compliance_change,
            declining: falls.0 >= 3 || falls.1 >= 3,
        });
    }
    trends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_periods_are_named_and_follow_each_other() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 15).expect("a date");
        let month = ViewPeriod::containing(date, ViewKind::Month);
        let quarter = ViewPeriod::containing(date, ViewKind::Quarter);
        let year = ViewPeriod::containing(date, ViewKind::Year);
        assert_eq!(
            [month, quarter, year].map(|view| view.to_string()),
            ["2026-11", "2026-Q4", "2026"]
        );
        assert_eq!(
            [month.next(), quarter.next(), year.next()].map(|view| view.to_string()),
            ["2026-12", "2027-Q1", "2027"]
        );
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        // Four values 10, 20, 30, 40: p50 is the ⌈0.5·4⌉ = 2nd smallest (20), p90 the
        // ⌈0.9·4⌉ = ⌈3.6⌉ = 4th (40); mean 100 / 4 = 25.
        let even = TimeFigures::of(vec![40, 10, 30, 20]).expect("values");
        assert_eq!(
            (
                even.count,
                even.mean_seconds,
                even.p50_seconds,
                even.p90_seconds
            ),
            (4, 25, 20, 40)
        );
        // Five values 1..5: p50 the ⌈2.5⌉ = 3rd (3), p90 the ⌈4.5⌉ = 5th (5); mean 15 / 5 = 3.
        let odd = TimeFigures::of(vec![5, 4, 3, 2, 1]).expect("values");
        assert_eq!(
            (odd.mean_seconds, odd.p50_seconds, odd.p90_seconds),
            (3, 3, 5)
        );
        // Ten values 1..10: p90 the ⌈9⌉ = 9th (9), not the 10th.
        let ten = TimeFigures::of((1..=10).collect()).expect("values");
        assert_eq!(ten.p90_seconds, 9);
        assert_eq!(TimeFigures::of(Vec::new()), None);
    }

    #[test]
    fn means_round_half_to_even() {
        // 1 + 2 = 3 over 2 = 1.5 → 2 (even); 2 + 3 = 5 over 2 = 2.5 → 2 (even);
        // 1 + 1 + 2 = 4 over 3 = 1.33… → 1.
        let mean = |values: Vec<Seconds>| TimeFigures::of(values).expect("values").mean_seconds;
        assert_eq!(mean(vec![1, 2]), 2);
        assert_eq!(mean(vec![2, 3]), 2);
        assert_eq!(mean(vec![1, 1, 2]), 1);
    }

    #[test]
    fn compliance_is_two_places_half_to_even_and_empty_with_nothing_decided() {
        let of = |met, breached, pending| {
            Compliance::of(TargetCounts {
                met,
                breached,
                pending,
            })
            .compliance
            .map(|share| share.to_string())
        };
        // 1 of 32 = 3.125 % → 3.12 (half to even; half up would give 3.13).
        assert_eq!(of(1, 31, 0).as_deref(), Some("3.12"));
        // 2 of 3 = 66.666… % → 66.67; 3 of 3 = 100.00; pending targets are not decided.
        assert_eq!(of(2, 1, 5).as_deref(), Some("66.67"));
        assert_eq!(of(3, 0, 0).as_deref(), Some("100.00"));
        assert_eq!(of(0, 0, 2), None);
    }

    #[test]
    fn three_falls_in_a_row_mark_a_service_declining() {
        let line = |period: &str, availability: &str| {
            let date =
                NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").expect("a month");
            ScoreLine {
                contract: "C".into(),
                service: "web".into(),
                period: ViewPeriod::containing(date, ViewKind::Month),
                severity: Severities::All,
                incidents: 0,
                respond: Compliance::of(TargetCounts::default()),
                resolve: Compliance::of(TargetCounts::default()),
                time_to_acknowledge: None,
                time_to_resolve: None,
                availability: availability.parse().expect("a decimal"),
                availability_target: None,
                downtime_seconds: 0,
                credits: None,
                currency: "EUR".into(),
            }
        };
        // 100 → 99.9 → 99.8 → 99.7: falls in February, March and April; April is the third.
        // May rises again and the run ends.
        let lines = [
            line("2026-01", "100"),
            line("2026-02", "99.9"),
            line("2026-03", "99.8"),
            line("2026-04", "99.7"),
            line("2026-05", "99.95"),
        ];
        let trends = trends(&lines);
        let declining: Vec<bool> = trends.iter().map(|trend| trend.declining).collect();
        assert_eq!(declining, [false, false, false, true, false]);
        assert_eq!(trends[0].availability_change, None);
        // 99.95 − 99.7 = +0.25 pp.
        assert_eq!(
            trends[4]
                .availability_change
                .map(|change| change.to_string())
                .as_deref(),
            Some("0.25")
        );
    }
}

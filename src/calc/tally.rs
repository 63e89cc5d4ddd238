//! What the incidents of one contract service add up to in one period, folded one incident at a
//! time: how many there are, their outages, the targets they met, and, kept whole, only the
//! targets not met that a later step reads and the few incidents a later step needs entire
//! (planned maintenance, disputed and downgraded incidents). The calculation reads these tallies,
//! never a list of every incident, so an export can be folded as it is read.

use super::availability::Outage;
use super::breach::{Judgement, Status, judge};
use super::model::TargetCounts;
use super::{Detail, Scope};
use crate::contract::{Contract, DisputedPolicy, TargetKind};
use crate::incidents::Incident;
use crate::money::{Decimal, is_positive};
use crate::time::{Instant, Seconds};

/// The fields of an incident that a breach row, a credit line or a finding shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The ticket number.
    pub id: compact_str::CompactString,
    /// Title, for reports only.
    pub title: Box<str>,
    /// Index of the input file.
    pub file: u16,
    /// CSV line of the row.
    pub line: u32,
    /// The severity judged at, in the period's contract version.
    pub severity: u16,
    /// Ticket opened.
    pub opened: Instant,
    /// Failure began, when the export says.
    pub started: Option<Instant>,
}

impl Ticket {
    fn of(routed: &Routed<'_>) -> Self {
        let incident = routed.incident;
        Self {
            id: incident.id.clone(),
            title: routed.title.into(),
            file: incident.file,
            line: incident.line,
            severity: incident.severity,
            opened: incident.opened,
            started: incident.started,
        }
    }
}

/// A target not met (breached, or pending at the time judged), with the incident it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The incident.
    pub ticket: Ticket,
    /// The verdict.
    pub verdict: Judgement,
}

/// An incident together with the version of the contract it was routed to, whose terms its
/// targets are judged under (another version than the period's when the incident was opened
/// under earlier terms).
#[derive(Debug, Clone, Copy)]
pub struct Routed<'a> {
    /// The incident as the period's version names its service and severities.
    pub incident: &'a Incident,
    /// Its title (the reader hands it over apart, so that a title is copied only when kept).
    pub title: &'a str,
    /// The incident as routed, and the version it was routed to.
    pub terms: (&'a Incident, &'a Contract),
}

impl Routed<'_> {
    /// The incident with its title, to keep whole.
    fn whole(&self) -> Incident {
        let mut incident = self.incident.clone();
        incident.title = self.title.into();
        incident
    }
}

/// Where a tally is folded: the contract version judging the period, the service, the period
/// and what is kept.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The version in force for the period.
    pub contract: &'a Contract,
    /// Index of the service in it.
    pub service: usize,
    /// The period and "now".
    pub scope: Scope,
    /// How much of the targets not met is kept.
    pub detail: Detail,
    /// Whether later periods read this one's breaches (escalation, termination).
    pub keeps_history: bool,
}

/// One service's counted incidents in one period, folded.
#[derive(Debug, Clone, Default)]
pub struct ServiceTally {
    /// Incidents folded.
    pub incidents: u64,
    /// Targets met, breached and pending, per kind in [`TargetKind::ALL`] order.
    pub counts: [TargetCounts; 4],
    /// The targets not met that are kept (see [`Detail`]).
    pub judged: Vec<Judged>,
    /// The outage of each incident whose severity counts as downtime, whole.
    pub outages: Vec<Outage>,
    /// Planned maintenance rows, whole: their exclusion depends on all of them together.
    pub maintenance: Vec<Incident>,
    /// Sum and count of `opened − started` over incidents opened in the period with `started`.
    pub detection: (Seconds, u64),
}

/// One service's incidents in one period: the counted ones folded, the ones held out of the
/// credits (disputed, while disputes are pending) kept whole, and the incidents downgraded
/// without a reason.
#[derive(Debug, Clone, Default)]
pub struct ServiceIncidents {
    /// The counted incidents, folded.
    pub counted: ServiceTally,
    /// Disputed incidents held out, each with the terms it is judged under: (incident as the
    /// period's version names it, and as routed with its version's index when that differs).
    pub held: Vec<(Incident, Option<(Incident, usize)>)>,
    /// Incidents opened in the period at a more severe tier than they end at, with no reason,
    /// each marked when it is held (counted ones are reported first).
    pub downgrades: Vec<(bool, Incident)>,
}

impl ServiceIncidents {
    /// Adds one incident (or, with [`Way::Remove`], takes back one added before): held when
    /// disputed under a pending-disputes policy, else folded into the counted tally. `version`
    /// is the index of the version the incident was routed to, when that is not the period's.
    pub fn take(
        &mut self,
        place: &Place<'_>,
        routed: Routed<'_>,
        version: Option<usize>,
        way: Way,
    ) {
        let incident = routed.incident;
        if place.scope.period.contains(incident.opened) && incident.unexplained_downgrade() {
            let held = place.holds(incident);
            way.apply(&mut self.downgrades, (held, routed.whole()), |(_, kept)| {
                same_row(kept, incident)
            });
        }
        if place.holds(incident) {
            let origin = version.map(|index| (routed.terms.0.clone(), index));
            way.apply(&mut self.held, (routed.whole(), origin), |(kept, _)| {
                same_row(kept, incident)
            });
        } else {
            self.counted.fold(place, routed, way);
        }
    }

    /// Adds what another part of the exports folded.
    pub fn join(&mut self, other: Self) {
        self.counted.join(other.counted);
        self.held.extend(other.held);
        self.downgrades.extend(other.downgrades);
    }

    /// Moves every line number down by `lines` (a part read from the middle of a file).
    pub fn shift_lines(&mut self, lines: u32) {
        let shift = |line: &mut u32| *line = line.saturating_add(lines);
        for (incident, origin) in &mut self.held {
            shift(&mut incident.line);
            if let Some((routed, _)) = origin {
                shift(&mut routed.line);
            }
        }
        for (_, incident) in &mut self.downgrades {
            shift(&mut incident.line);
        }
        for incident in &mut self.counted.maintenance {
            shift(&mut incident.line);
        }
        for judged in &mut self.counted.judged {
            shift(&mut judged.ticket.line);
        }
    }

    /// Puts what was kept in report order: targets by incident id, row and kind; downgrades by
    /// id and row.
    pub fn sort(&mut self) {
        let order = |incident: &Incident| (incident.id.clone(), incident.file, incident.line);
        self.counted.sort();
        self.held
            .sort_by_cached_key(|(incident, _)| order(incident));
        self.downgrades
            .sort_by_cached_key(|(held, incident)| (*held, order(incident)));
    }
}

impl ServiceTally {
    /// Adds one incident (or takes it back): counted, its outage, its detection delay, and its
    /// targets judged.
    pub fn fold(&mut self, place: &Place<'_>, routed: Routed<'_>, way: Way) {
        let (contract, scope) = (place.contract, place.scope);
        let incident = routed.incident;
        way.count(&mut self.incidents);
        if let Some(outage) = outage(contract, incident, scope) {
            way.apply(&mut self.outages, outage, |kept| *kept == outage);
        }
        if scope.period.contains(incident.opened)
            && let Some(started) = incident.started
        {
            let delay = incident.opened - started;
            match way {
                Way::Add => self.detection.0 += delay,
                Way::Remove => self.detection.0 -= delay,
            }
            way.count(&mut self.detection.1);
        }
        if incident.maintenance {
            // Maintenance rows have no response or resolution targets.
            way.apply(&mut self.maintenance, routed.whole(), |kept| {
                same_row(kept, incident)
            });
            return;
        }
        let (judged_incident, terms) = routed.terms;
        for (position, kind) in TargetKind::ALL.into_iter().enumerate() {
            let Some(target) = terms.target(usize::from(judged_incident.severity), kind) else {
                continue;
            };
            let calendar = &terms.calendars[target.calendar].calendar;
            let Some(verdict) = judge(judged_incident, kind, target, calendar, scope.as_of) else {
                continue;
            };
            if !scope.period.contains(verdict.deadline) {
                continue;
            }
            let counts = &mut self.counts[position];
            way.count(match verdict.status {
                Status::Met => &mut counts.met,
                Status::Breached => &mut counts.breached,
                Status::Pending => &mut counts.pending,
            });
            if verdict.status != Status::Met && place.keeps(incident.severity, &verdict) {
                let judged = Judged {
                    ticket: Ticket::of(&routed),
                    verdict,
                };
                way.apply(&mut self.judged, judged, |kept| {
                    (kept.ticket.file, kept.ticket.line, kept.verdict.kind)
                        == (incident.file, incident.line, kind)
                });
            }
        }
    }

    /// Puts the kept targets in report order: by incident id and row, then kind.
    pub fn sort(&mut self) {
        let key = |judged: &Judged| (judged.ticket.file, judged.ticket.line, judged.verdict.kind);
        if !self.judged.is_sorted_by(|left, right| {
            (&left.ticket.id, key(left)) <= (&right.ticket.id, key(right))
        }) {
            self.judged.sort_by(|left, right| {
                (&left.ticket.id, key(left)).cmp(&(&right.ticket.id, key(right)))
            });
        }
    }

    /// Adds what another part of the exports folded.
    fn join(&mut self, other: Self) {
        self.incidents += other.incidents;
        for (counts, more) in self.counts.iter_mut().zip(other.counts) {
            counts.met += more.met;
            counts.breached += more.breached;
            counts.pending += more.pending;
        }
        self.judged.extend(other.judged);
        self.outages.extend(other.outages);
        self.maintenance.extend(other.maintenance);
        self.detection.0 += other.detection.0;
        self.detection.1 += other.detection.1;
    }

    /// The tally with `extra` folded in too (a held incident counted, to price its exposure).
    #[must_use]
    pub fn with(&self, place: &Place<'_>, extra: &[Routed<'_>]) -> Self {
        let mut tally = self.clone();
        for routed in extra {
            tally.fold(place, *routed, Way::Add);
        }
        tally.sort();
        tally
    }
}

/// Whether an incident is added to a tally, or taken back out of it (a row found to repeat
/// another once every row is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Added.
    Add,
    /// Taken back: every count it added goes down, and what it added to a list leaves it.
    Remove,
}

impl Way {
    fn count(self, count: &mut u64) {
        match self {
            Self::Add => *count += 1,
            Self::Remove => *count -= 1,
        }
    }

    /// Adds `item` to `list`, or removes the first item that `is_it` picks.
    fn apply<T>(self, list: &mut Vec<T>, item: T, is_it: impl Fn(&T) -> bool) {
        match self {
            Self::Add => list.push(item),
            Self::Remove => {
                if let Some(position) = list.iter().position(is_it) {
                    list.swap_remove(position);
                }
            }
        }
    }
}

/// Whether two incidents come from the same row.
fn same_row(left: &Incident, right: &Incident) -> bool {
    (left.file, left.line) == (right.file, right.line)
}

impl Place<'_> {
    /// Whether the incident is held out of the credits: disputed, while disputes are pending.
    fn holds(&self, incident: &Incident) -> bool {
        self.contract.exclusions.disputed == DisputedPolicy::Pending && incident.disputed
    }

    /// Whether a target not met is kept: every one for the breach report; otherwise only the
    /// breaches a rule prices, a finding reports or a later period looks back at.
    fn keeps(&self, severity: u16, verdict: &Judgement) -> bool {
        match self.detail {
            Detail::Full => true,
            Detail::Credits => {
                verdict.status == Status::Breached
                    && (self.keeps_history
                        || matches!(verdict.kind, TargetKind::Rca | TargetKind::Notify)
                        || self.contract.credits.rules.iter().any(|rule| {
                            rule.kind.target() == Some(verdict.kind)
                                && rule.covers_service(self.service)
                                && rule.covers_severity(usize::from(severity))
                        }))
            }
        }
    }
}

/// The outage an incident stands for, if its severity counts as downtime: from `started` (or
/// `opened`) to `resolved`, or to `as_of` while unresolved.
pub fn outage(contract: &Contract, incident: &Incident, scope: Scope) -> Option<Outage> {
    let severity_weight = contract.severities[usize::from(incident.severity)].downtime_weight;
    // Planned maintenance takes the service down entirely, whatever severity the row carries.
    let weight = if incident.maintenance {
        Decimal::ONE
    } else {
        severity_weight
    };
    let end = incident
        .resolved
        .map_or(scope.as_of, |resolved| resolved.min(scope.as_of));
    is_positive(weight).then_some(Outage {
        start: incident.outage_start(),
        end,
        weight,
    })
}

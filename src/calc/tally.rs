//! What the incidents of one contract service add up to in one period, folded one incident at a
//! time: how many there are, their outages, the targets they met, and, kept whole, only the
//! targets not met that a later step reads and the few incidents a later step needs entire
//! (planned maintenance, disputed and downgraded incidents). The calculation reads these tallies,
//! never a list of every incident, so an export can be folded as it is read.

use std::collections::HashSet;

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
    pub line: u64,
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
    /// What incidents taken back added to the lists, removed all at once by
    /// [`ServiceIncidents::settle`]: one pass over each list, however many are taken back.
    taken_back: TakenBack,
}

/// The rows (file, line) and outages of incidents taken back, not yet removed from the lists.
#[derive(Debug, Clone, Default)]
struct TakenBack {
    rows: HashSet<(u16, u64)>,
    outages: Vec<Outage>,
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
    /// Adds one incident (or, with `Way::Remove`, takes back one added before): held when
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
            match way {
                Way::Add => self.downgrades.push((held, routed.whole())),
                Way::Remove => self.counted.take_back_row(incident),
            }
        }
        if place.holds(incident) {
            match way {
                Way::Add => {
                    let origin = version.map(|index| (routed.terms.0.clone(), index));
                    self.held.push((routed.whole(), origin));
                }
                Way::Remove => self.counted.take_back_row(incident),
            }
        } else {
            self.counted.fold(place, routed, way);
        }
    }

    /// Removes from the lists what the incidents taken back added: each list is gone over once.
    pub fn settle(&mut self) {
        let TakenBack { rows, mut outages } = std::mem::take(&mut self.counted.taken_back);
        if rows.is_empty() && outages.is_empty() {
            return;
        }
        let kept = |incident: &Incident| !rows.contains(&(incident.file, incident.line));
        self.held.retain(|(incident, _)| kept(incident));
        self.downgrades.retain(|(_, incident)| kept(incident));
        let counted = &mut self.counted;
        counted.maintenance.retain(kept);
        counted
            .judged
            .retain(|judged| !rows.contains(&(judged.ticket.file, judged.ticket.line)));
        // One copy of each outage taken back leaves, whichever copy it is: equal outages count
        // alike.
        let key = |outage: &Outage| (outage.start, outage.end, outage.weight);
        outages.sort_by_key(key);
        counted.outages.sort_by_key(key);
        let mut gone = outages.into_iter().peekable();
        counted.outages.retain(|outage| {
            while gone.next_if(|taken| key(taken) < key(outage)).is_some() {}
            gone.next_if(|taken| key(taken) == key(outage)).is_none()
        });
    }

    /// Adds what another part of the exports folded.
    pub fn join(&mut self, other: Self) {
        self.counted.join(other.counted);
        self.held.extend(other.held);
        self.downgrades.extend(other.downgrades);
    }

    /// Moves every line number down by `lines` (a part read from the middle of a file).
    pub fn shift_lines(&mut self, lines: u64) {
        let shift = |line: &mut u64| *line = line.saturating_add(lines);
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
            match way {
                Way::Add => self.outages.push(outage),
                Way::Remove => self.taken_back.outages.push(outage),
            }
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
            match way {
                Way::Add => self.maintenance.push(routed.whole()),
                Way::Remove => self.take_back_row(incident),
            }
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
                match way {
                    Way::Add => self.judged.push(Judged {
                        ticket: Ticket::of(&routed),
                        verdict,
                    }),
                    Way::Remove => self.take_back_row(incident),
                }
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

    /// Marks the row of an incident taken back, for [`ServiceIncidents::settle`].
    fn take_back_row(&mut self, incident: &Incident) {
        self.taken_back.rows.insert((incident.file, incident.line));
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
    pub(super) fn count(self, count: &mut u64) {
        match self {
            Self::Add => *count += 1,
            Self::Remove => *count -= 1,
        }
    }
}

impl Place<'_> {
    /// Whether the incident is held out of the credits: disputed, while disputes are pending.
    fn holds(&self, incident: &Incident) -> bool {
        holds(self.contract, incident)
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

/// Whether `contract` holds `incident` out of its figures: disputed, while disputes are pending.
pub fn holds(contract: &Contract, incident: &Incident) -> bool {
    contract.exclusions.disputed == DisputedPolicy::Pending && incident.disputed
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

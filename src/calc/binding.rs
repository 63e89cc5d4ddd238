//! Binding rows to a contract set: the periods to compute are planned once, before any row is
//! read, and every row read is routed (`route.rs`), judged (does it matter to a period planned,
//! is it signed off) and folded into the tallies of the periods it matters to as it arrives (the
//! reader's [`Sink`]). Nothing per row is kept beyond what the tallies keep.

use super::model::{ContractReport, Report};
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::contract::Contract;
use crate::incidents::{
    Answer, Exceptions, ExclusionReason, Incident, Row, RowAccounting, RowCopy, Sink,
};
use crate::time::{Instant, Period, PeriodRange, format_instant};

use super::route::Router;
use super::tally::{Place, Routed, ServiceIncidents, Way};
use super::{Detail, History, Judging, Planned, Scope, contract_report, plan, relevance, rename};

/// The tallies of every planned period of every contract in force, filled as rows are read.
#[derive(Clone)]
pub struct Binding<'a> {
    contracts: &'a [Contract],
    range: PeriodRange,
    as_of: Option<Instant>,
    detail: Detail,
    /// The most threads a period's services are calculated on.
    threads: usize,
    /// Per contract id, its periods in order (look-back first).
    plans: Vec<Vec<PeriodTallies>>,
    /// Per contract version, the index of its id's plan in `plans`.
    plan_of: Vec<Option<usize>>,
    /// Per contract version, the scope spanning its id's planned periods: what a row routed to
    /// it must matter to, to be read at all.
    spans: Vec<Scope>,
    /// Routes rows to `contracts`, with this sink's own cache.
    router: Router<'a>,
    /// Incidents signed off: excluded wherever they fall.
    exceptions: Option<&'a Exceptions>,
    /// The ids of rows read that `exceptions` names (an exception naming none is an error).
    waived: BTreeSet<Box<str>>,
}

/// The contracts a run over `range` reads rows for: every version of each contract that judges
/// one of the periods planned (so contract years and routing see them all); the others take no
/// rows.
pub fn in_force(contracts: &[Contract], range: PeriodRange) -> Vec<Contract> {
    let planned: Vec<&str> = plan(contracts, range)
        .iter()
        .flatten()
        .map(|planned| contracts[planned.contract].id.as_str())
        .collect();
    contracts
        .iter()
        .filter(|contract| planned.contains(&contract.id.as_str()))
        .cloned()
        .collect()
}

/// One planned period: its scope and each service's incidents, folded.
#[derive(Clone)]
struct PeriodTallies {
    planned: Planned,
    scope: Scope,
    services: Vec<ServiceIncidents>,
}

impl<'a> Binding<'a> {
    /// Plans the periods of `range` (and the look-back their terms need) for `contracts`, with
    /// open incidents judged at `as_of` (default: each period's end), keeping `detail` of the
    /// targets not met and calculating on at most `threads` threads.
    pub fn new(
        contracts: &'a [Contract],
        (range, as_of): (PeriodRange, Option<Instant>),
        detail: Detail,
        threads: usize,
    ) -> Self {
        let mut plan_of = vec![None; contracts.len()];
        let plans: Vec<Vec<PeriodTallies>> = plan(contracts, range)
            .into_iter()
            .enumerate()
            .map(|(index, periods)| {
                periods
                    .into_iter()
                    .map(|planned| {
                        let contract = &contracts[planned.contract];
                        for (version, other) in contracts.iter().enumerate() {
                            if other.id == contract.id {
                                plan_of[version] = Some(index);
                            }
                        }
                        let mut scope = Scope::new(contract, planned.spec, as_of);
                        if !planned.reported {
                            // History is judged as it stood when its period was invoiced.
                            scope.as_of = scope.as_of.min(scope.period.end);
                        }
                        PeriodTallies {
                            planned,
                            scope,
                            services: vec![ServiceIncidents::default(); contract.services.len()],
                        }
                    })
                    .collect()
            })
            .collect();
        // Rows are read once for every period computed: each version's span runs from its
        // contract's first to its last planned period.
        let spans = contracts
            .iter()
            .zip(&plan_of)
            .map(|(contract, plan)| {
                let periods = plan.map_or(&[][..], |plan| plans[plan].as_slice());
                let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
                    return Scope::new(contract, range.from, as_of);
                };
                let period = Period {
                    spec: first.planned.spec,
                    start: first.planned.spec.in_zone(contract.timezone).start,
                    end: last.planned.spec.in_zone(contract.timezone).end,
                };
                Scope {
                    period,
                    as_of: as_of.unwrap_or(period.end),
                }
            })
            .collect();
        Self {
            contracts,
            range,
            as_of,
            detail,
            threads,
            plans,
            plan_of,
            spans,
            router: Router::new(contracts),
            exceptions: None,
            waived: BTreeSet::new(),
        }
    }

    /// The binding with the incidents `exceptions` names excluded as signed off.
    #[must_use]
    pub fn with_exceptions(mut self, exceptions: &'a Exceptions) -> Self {
        self.exceptions = Some(exceptions);
        self
    }

    /// The ids of rows read that an exception names.
    pub fn waived(&self) -> &BTreeSet<Box<str>> {
        &self.waived
    }

    /// Routes `row` to this contract set and judges it: `Ok` with its incident (not yet taken)
    /// when it counts, else what the sink answers: excluded (it matters to no period planned, or
    /// it is signed off) or rejected (it routes to no service or severity).
    ///
    /// # Errors
    /// The answer for a row that does not count.
    #[inline]
    pub fn judge(&mut self, row: &Row<'_>) -> Result<Incident, Answer> {
        let incident = self.router.route(row).map_err(Answer::Rejected)?;
        let waived = self
            .exceptions
            .is_some_and(|exceptions| exceptions.by_incident.contains_key(row.id));
        if waived && !self.waived.contains(row.id) {
            self.waived.insert(row.id.into());
        }
        self.relevance(&incident).map_err(Answer::Excluded)?;
        if waived {
            return Err(Answer::Excluded(ExclusionReason::SignedOff));
        }
        Ok(incident)
    }

    /// Folds `incident`, titled `title`, into every planned period it matters to.
    pub fn take(&mut self, incident: &Incident, title: &str) {
        self.fold(incident, title, Way::Add);
    }

    /// Whether `incident` matters to any period planned for its contract (`Err` says why not):
    /// the test each row passes before it is counted.
    pub fn relevance(&self, incident: &Incident) -> Result<(), ExclusionReason> {
        let version = usize::from(incident.contract);
        relevance(&self.contracts[version], self.spans[version], incident)
    }

    /// Folds `incident`, titled `title`, into every planned period it matters to (or takes it
    /// back out).
    fn fold(&mut self, incident: &Incident, title: &str, way: Way) {
        let version = usize::from(incident.contract);
        let Some(plan) = self.plan_of.get(version).copied().flatten() else {
            return;
        };
        let contracts = self.contracts;
        let periods = &mut self.plans[plan];
        let single = periods.len() == 1;
        for period in periods {
            let contract = &contracts[period.planned.contract];
            let scope = period.scope;
            let place = |service: usize| Place {
                contract,
                service,
                scope,
                detail: self.detail,
                keeps_history: period.planned.keeps_history,
            };
            if period.planned.contract == version {
                if single || relevance(contract, scope, incident).is_ok() {
                    let service = usize::from(incident.service);
                    let routed = Routed {
                        incident,
                        title,
                        terms: (incident, contract),
                    };
                    period.services[service].take(&place(service), routed, None, way);
                }
                continue;
            }
            // Routed to another version of the contract: renamed into this one, its targets
            // judged under the terms it was opened under.
            let routed_to = &contracts[version];
            let Some(copy) = rename(routed_to, contract, period.planned.contract, incident) else {
                continue;
            };
            if relevance(contract, scope, &copy).is_ok()
                || relevance(routed_to, scope, incident).is_ok()
            {
                let service = usize::from(copy.service);
                let routed = Routed {
                    incident: &copy,
                    title,
                    terms: (incident, routed_to),
                };
                period.services[service].take(&place(service), routed, Some(version), way);
            }
        }
    }

    /// The report: each contract's periods computed in order, each adding to its history, and
    /// only the periods of the range reported. `files` names the inputs for `file:line` sources.
    pub fn report(self, files: &[String], rows: RowAccounting) -> Report {
        let files: Vec<Arc<str>> = files.iter().map(|file| Arc::from(file.as_str())).collect();
        let mut reports: Vec<ContractReport> = Vec::new();
        for periods in self.plans {
            let mut history = History::default();
            for mut period in periods {
                for service in &mut period.services {
                    service.sort();
                }
                let judging = Judging {
                    contracts: self.contracts,
                    files: &files,
                    planned: &period.planned,
                    scope: period.scope,
                    detail: self.detail,
                    threads: self.threads,
                };
                let report = contract_report(&judging, period.services, &mut history);
                if period.planned.reported {
                    reports.push(report);
                }
            }
        }
        reports.sort_by(|left, right| {
            (&left.contract, &left.period_start).cmp(&(&right.contract, &right.period_start))
        });
        Report {
            period: self.range.to_string(),
            as_of: self.as_of.map(format_instant),
            totals: super::range_totals(self.range, &reports),
            contracts: reports,
            rows,
        }
    }
}

impl Sink for Binding<'_> {
    fn fresh(&self) -> Self {
        let mut fresh = self.clone();
        for service in fresh
            .plans
            .iter_mut()
            .flatten()
            .flat_map(|period| &mut period.services)
        {
            *service = ServiceIncidents::default();
        }
        fresh.waived.clear();
        fresh
    }

    fn row(&mut self, row: &Row<'_>) -> Answer {
        let incident = match self.judge(row) {
            Ok(incident) => incident,
            Err(answer) => return answer,
        };
        match row.title() {
            Ok(title) => {
                self.take(&incident, title);
                Answer::Counted
            }
            Err(fault) => Answer::Rejected(fault),
        }
    }

    fn take_back(&mut self, rows: &[RowCopy]) {
        for copy in rows {
            // Only the rows this binding counted were taken.
            if let Ok(incident) = self.judge(&copy.row()) {
                self.fold(&incident, "", Way::Remove);
            }
        }
        for service in self
            .plans
            .iter_mut()
            .flatten()
            .flat_map(|period| &mut period.services)
        {
            service.settle();
        }
    }

    fn shift_lines(&mut self, lines: u64) {
        for service in self
            .plans
            .iter_mut()
            .flatten()
            .flat_map(|period| &mut period.services)
        {
            service.shift_lines(lines);
        }
    }

    fn join(&mut self, other: Self) {
        self.waived.extend(other.waived);
        let theirs = other
            .plans
            .into_iter()
            .flatten()
            .flat_map(|period| period.services);
        let mine = self
            .plans
            .iter_mut()
            .flatten()
            .flat_map(|period| &mut period.services);
        for (service, other) in mine.zip(theirs) {
            service.join(other);
        }
    }
}

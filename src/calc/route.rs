//! Routing a row to a contract set: its service cell to exactly one contract service (or to the
//! versions of one contract, of which the version in force on the day it was opened is taken),
//! its severity cells to that contract's severities, and its cause to the contract's exclusions.
//! The reader knows no contract; a [`Binding`](super::Binding) routes each row it is handed here.

use std::collections::HashMap;
use std::sync::Arc;

use crate::contract::Contract;
use crate::incidents::{Fault, FingerprintHasher, Incident, Row, Text};
use crate::time::{Instant, PeriodSpec, local_date};

/// Distinct service values routed so far are cached up to this many, so an export with a
/// free-text service column cannot grow memory without bound.
const ROUTE_CACHE_LIMIT: usize = 10_000;

/// Where a service value goes: one (contract, service), or one per version of a contract (the
/// version in force when the incident was opened is taken; shared, so a cached route is copied
/// without allocating).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    One(u16, u16),
    Versions(Arc<[(u16, u16)]>),
}

/// Routes rows to one contract set, with a cache of the service and severity values met so far
/// (one per sink: each reading thread has its own).
#[derive(Clone)]
pub struct Router<'a> {
    contracts: &'a [Contract],
    /// Routes by service value, up to [`ROUTE_CACHE_LIMIT`] of them.
    routes: HashMap<Box<str>, Result<Route, String>, FingerprintHasher>,
    /// The first few service values, found faster than in `routes`.
    known_services: Known<Route>,
    /// The first few severity values, per contract and severity field.
    known_severities: Known<u16>,
}

impl<'a> Router<'a> {
    /// A router to `contracts` (every version loaded, indexed as incidents refer to them).
    pub fn new(contracts: &'a [Contract]) -> Self {
        Self {
            contracts,
            routes: HashMap::default(),
            known_services: Known::default(),
            known_severities: Known::default(),
        }
    }

    /// The contracts routed to.
    pub fn contracts(&self) -> &'a [Contract] {
        self.contracts
    }

    /// The incident `row` stands for in this contract set (its title left empty), or why the
    /// row is rejected: its service matches no service or several, or a severity cell names no
    /// severity of the contract it routes to.
    ///
    /// # Errors
    /// The field at fault, its value and why.
    pub fn route(&mut self, row: &Row<'_>) -> Result<Incident, Box<Fault>> {
        let facts = row.facts;
        let (contract, service) = match self.service_route(row.service)? {
            Route::One(contract, service) => (contract, service),
            Route::Versions(versions) => {
                versions[version_at(
                    self.contracts,
                    versions.iter().map(|(contract, _)| usize::from(*contract)),
                    facts.opened,
                )
                .unwrap_or(0)]
            }
        };
        let final_severity = self.severity(contract, false, row.severity)?;
        let initial_severity = row
            .initial_severity
            .map(|text| self.severity(contract, true, text))
            .transpose()?;
        let terms = &self.contracts[usize::from(contract)];
        Ok(Incident {
            id: row.id.into(),
            title: Box::default(),
            file: row.file,
            line: row.line,
            contract,
            service,
            severity: terms
                .severity_basis
                .judged(initial_severity, final_severity),
            final_severity,
            initial_severity,
            downgrade_reason: facts.downgrade_reason,
            opened: facts.opened,
            started: facts.started,
            acknowledged: facts.acknowledged,
            resolved: facts.resolved,
            paused: facts.paused.clone(),
            excluded_cause: row.cause.is_some_and(|cause| {
                terms
                    .exclusions
                    .causes
                    .iter()
                    .any(|excluded| excluded.eq_ignore_ascii_case(cause))
            }),
            disputed: facts.disputed,
            maintenance: facts.maintenance,
            notified: facts.notified,
            rca_delivered: facts.rca_delivered,
            data_breach: facts.data_breach,
            notified_regulator: facts.notified_regulator,
        })
    }

    /// Where a service value routes; a value routed before is found in the caches.
    fn service_route(&mut self, value: &str) -> Result<Route, Box<Fault>> {
        if let Some(route) = self.known_services.get(0, value.as_bytes()) {
            return Ok(route.clone());
        }
        let route = match self.routes.get(value) {
            Some(route) => route.clone(),
            None => {
                let route = self.route_value(value);
                if self.routes.len() < ROUTE_CACHE_LIMIT {
                    self.routes.insert(value.into(), route.clone());
                }
                route
            }
        };
        let route = route.map_err(|reason| {
            Box::new(Fault {
                field: crate::incidents::Field::Service,
                value: value.to_owned(),
                reason,
            })
        })?;
        self.known_services
            .remember(0, value.as_bytes(), route.clone());
        Ok(route)
    }

    /// Routes a service value to the one contract service whose `match` it fits (or to the
    /// versions of one contract).
    fn route_value(&self, value: &str) -> Result<Route, String> {
        let matches: Vec<(u16, u16)> = self
            .contracts
            .iter()
            .enumerate()
            .flat_map(|(contract, terms)| {
                terms
                    .services
                    .iter()
                    .enumerate()
                    .filter(|(_, service)| service.matches(value))
                    .map(move |(service, _)| (contract as u16, service as u16))
            })
            .collect();
        // Several versions of one contract, each with one matching service.
        let versions_of_one = matches.len() > 1
            && matches.iter().enumerate().all(|(index, (contract, _))| {
                self.contracts[usize::from(*contract)].id
                    == self.contracts[usize::from(matches[0].0)].id
                    && matches[..index]
                        .iter()
                        .all(|(earlier, _)| earlier != contract)
            });
        match matches.as_slice() {
            [(contract, service)] => Ok(Route::One(*contract, *service)),
            _ if versions_of_one => Ok(Route::Versions(matches.into())),
            [] => {
                let ids: Vec<&str> = self
                    .contracts
                    .iter()
                    .map(|contract| contract.id.as_str())
                    .collect();
                Err(format!("matches no service of contract {}", ids.join(", ")))
            }
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|(contract, service)| {
                        let terms = &self.contracts[usize::from(*contract)];
                        format!("{}/{}", terms.id, terms.services[usize::from(*service)].id)
                    })
                    .collect();
                Err(format!(
                    "matches several services ({}); make the `match` patterns disjoint",
                    names.join(", ")
                ))
            }
        }
    }

    /// The severity a severity cell names in `contract` (`initial`: the initial severity's
    /// cell). A contract may name the value after the source's aliases (`P1`) or the cell as
    /// written (`1 - Critical`). A value resolved before is found in the cache.
    fn severity(
        &mut self,
        contract: u16,
        initial: bool,
        text: Text<'_>,
    ) -> Result<u16, Box<Fault>> {
        let tag = u32::from(contract) * 2 + u32::from(initial);
        // The cell as written decides what an aliased value means: only plain values are cached.
        let cached = text.as_written.is_none();
        if let Some(index) = cached
            .then(|| self.known_severities.get(tag, text.value.as_bytes()))
            .flatten()
        {
            return Ok(*index);
        }
        let terms = &self.contracts[usize::from(contract)];
        let index = terms
            .severity_for(text.value)
            .or_else(|| {
                text.as_written
                    .and_then(|written| terms.severity_for(written))
            })
            .ok_or_else(|| {
                let known: Vec<&str> = terms
                    .severities
                    .iter()
                    .flat_map(|severity| severity.values.iter().map(String::as_str))
                    .collect();
                let aliased = text.as_written.map_or_else(String::new, |_| {
                    format!(
                        ", nor does `{}`, its value after the source's aliases",
                        text.value
                    )
                });
                Box::new(Fault {
                    field: if initial {
                        crate::incidents::Field::InitialSeverity
                    } else {
                        crate::incidents::Field::Severity
                    },
                    value: text.as_written.unwrap_or(text.value).to_owned(),
                    reason: format!(
                        "matches no severity of contract {}{aliased} (known values: {})",
                        terms.id,
                        known.join(", ")
                    ),
                })
            })? as u16;
        if cached {
            self.known_severities
                .remember(tag, text.value.as_bytes(), index);
        }
        Ok(index)
    }
}

/// Of the versions of one contract (indices into `contracts`), the one in force on the day
/// `opened` falls on in each version's zone; before the first, the first; after the last, the
/// last. `None` when `versions` is empty. This is where a row's version is picked.
pub fn version_at(
    contracts: &[Contract],
    versions: impl Iterator<Item = usize> + Clone,
    opened: Instant,
) -> Option<usize> {
    let effective = |version: &(usize, usize)| contracts[version.1].effective_from;
    let in_force_by = |version: &(usize, usize)| {
        let terms = &contracts[version.1];
        terms.effective_from <= local_date(terms.timezone, opened)
    };
    versions
        .clone()
        .enumerate()
        .filter(in_force_by)
        .max_by_key(effective)
        .or_else(|| versions.enumerate().min_by_key(effective))
        .map(|(position, _)| position)
}

/// The version of contract `id` (an index into `contracts`) that judges period `spec`: the one
/// in force on its first day, of the same kind of period. This is where a period's version is
/// picked.
pub fn version_for_period(contracts: &[Contract], id: &str, spec: PeriodSpec) -> Option<usize> {
    contracts
        .iter()
        .position(|contract| contract.id == id && contract.in_force(spec))
}

/// Cell values already resolved, by their bytes: an export names a handful of services and
/// severities a million times, and a value seen before then skips the hash map and matching.
/// Only the first few distinct values are kept (a short list is searched faster than a hash
/// map); others take the full path.
#[derive(Clone)]
struct Known<T> {
    /// (key, tag, bytes, value): the key is [`Known::key`] of the bytes, compared first; the tag
    /// tells apart what the same bytes mean in different places.
    entries: Vec<(u64, u32, Box<[u8]>, T)>,
}

impl<T> Default for Known<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<T> Known<T> {
    const LIMIT: usize = 16;

    fn get(&self, tag: u32, bytes: &[u8]) -> Option<&T> {
        let key = Self::key(bytes);
        self.entries
            .iter()
            .find(|(known_key, known_tag, known, _)| {
                *known_key == key && *known_tag == tag && (bytes.len() <= 7 || **known == *bytes)
            })
            .map(|(.., value)| value)
    }

    fn remember(&mut self, tag: u32, bytes: &[u8], value: T) {
        if self.entries.len() < Self::LIMIT && self.get(tag, bytes).is_none() {
            self.entries
                .push((Self::key(bytes), tag, bytes.into(), value));
        }
    }

    /// The length and the first seven bytes of a cell in one word: equal keys of cells of up to
    /// seven bytes (service and severity values, mostly) mean equal cells.
    fn key(bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        for (to, byte) in word.iter_mut().zip(bytes.iter().take(7)) {
            *to = *byte;
        }
        word[7] = bytes.len().min(255) as u8;
        u64::from_le_bytes(word)
    }
}

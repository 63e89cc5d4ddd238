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
    /// Routes by service value, up to [`ROUTE_CACHE_LIMIT`] of them. (A short list of the first
    /// few, as for severities, is slower here: an export names hundreds of services, and a
    /// value not in the list would search it before the map.)
    routes: HashMap<Box<str>, Result<Route, String>, FingerprintHasher>,
    /// The first few severity values, per contract and severity field.
    known_severities: Known<u16>,
}

impl<'a> Router<'a> {
    /// A router to `contracts` (every version loaded, indexed as incidents refer to them).
    pub fn new(contracts: &'a [Contract]) -> Self {
        Self {
            contracts,
            routes: HashMap::default(),
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
    #[inline]
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
        let route = if let Some(route) = self.routes.get(value) {
            route.clone()
        } else {
            let route = self.route_value(value);
            if self.routes.len() < ROUTE_CACHE_LIMIT {
                self.routes.insert(value.into(), route.clone());
            }
            route
        };
        route.map_err(|reason| {
            Box::new(Fault {
                field: crate::incidents::Field::Service,
                value: value.to_owned(),
                reason,
            })
        })
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
                let patterns: Vec<String> = self
                    .contracts
                    .iter()
                    .flat_map(|contract| &contract.services)
                    .flat_map(|service| service.matchers.iter().map(ToString::to_string))
                    .collect();
                let suggestion = crate::contract::suggest::did_you_mean(
                    value,
                    patterns.iter().map(String::as_str),
                )
                .map_or_else(String::new, |hint| format!(" ({hint})"));
                Err(format!(
                    "matches no service of contract {}{suggestion}; add it to a service's `match` list, or alias it with `values:` under `fields.service` in a mapping file (docs/sources.md)",
                    ids.join(", ")
                ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::load_contract_text;
    use crate::incidents::{Facts, Field, RowCopy};
    use crate::time::TimestampFormat;

    /// Version `from`–`to` of contract V (in Berlin time) with services web and mail, and the
    /// severities P1 and P2.
    fn version(from: &str, to: &str, mail: &str) -> Contract {
        let text = format!(
            r"
id: V
title: Versions
provider: P
customer: C
currency: EUR
timezone: Europe/Berlin
effective: {{ from: {from}, to: {to} }}
services:
  - {{ id: web, match: [web], fee: 1000.00 }}
  - {{ id: mail, match: [{mail}], fee: 500.00 }}
severities:
  - {{ id: sev1, match: [P1], downtime: 1.0, resolve: {{ within: 4h }} }}
  - {{ id: sev2, match: [P2], downtime: 0, resolve: {{ within: 1d }} }}
"
        );
        load_contract_text("v.yaml", &text)
            .unwrap_or_else(|problems| panic!("the test contract loads: {problems:#?}"))
    }

    fn copy(service: &str, severity: Text<'_>, opened: &str) -> RowCopy {
        let facts = Facts {
            opened: TimestampFormat::Rfc3339
                .parse(opened)
                .expect("a test instant"),
            ..Facts::default()
        };
        RowCopy::of("T1", (0, 2), (service, severity, None), &facts)
    }

    fn plain(value: &str) -> Text<'_> {
        Text {
            value,
            as_written: None,
        }
    }

    #[test]
    fn a_value_of_several_versions_goes_to_the_version_in_force_on_the_local_day_opened() {
        // Versions from 1 January and from 1 April (Berlin). 23:30 UTC on 31 March is 01:30 on
        // 1 April in Berlin (summer time, +02:00): the April version, index 1. 21:00 UTC is
        // 23:00 on 31 March: the January version. Before the first version: the first.
        let contracts = [
            version("2026-01-01", "2026-04-01", "mail"),
            version("2026-04-01", "2027-01-01", "mail"),
        ];
        let mut router = Router::new(&contracts);
        let route_at = |router: &mut Router<'_>, opened| {
            let incident = router
                .route(&copy("web", plain("P1"), opened).row())
                .expect("routes");
            (incident.contract, incident.service)
        };
        assert_eq!(route_at(&mut router, "2026-03-31T23:30:00Z"), (1, 0));
        assert_eq!(route_at(&mut router, "2026-03-31T21:00:00Z"), (0, 0));
        assert_eq!(route_at(&mut router, "2025-06-01T12:00:00Z"), (0, 0));
        assert_eq!(route_at(&mut router, "2027-06-01T12:00:00Z"), (1, 0));
    }

    #[test]
    fn a_value_no_service_or_several_services_match_is_rejected_naming_them() {
        // Two contracts of other ids both match `mail`; none matches `ftp`.
        let mut other = version("2026-01-01", "2027-01-01", "mail");
        other.id = "W".to_owned();
        let contracts = [version("2026-01-01", "2027-01-01", "mail"), other];
        let mut router = Router::new(&contracts);
        let fault = |router: &mut Router<'_>, service| {
            let fault = router
                .route(&copy(service, plain("P1"), "2026-03-02T10:00:00Z").row())
                .expect_err("rejected");
            (fault.field, fault.value, fault.reason)
        };
        for _ in 0..2 {
            // The second time from the cache, the same.
            assert_eq!(
                fault(&mut router, "mail"),
                (
                    Field::Service,
                    "mail".to_owned(),
                    "matches several services (V/mail, W/mail); make the `match` patterns disjoint"
                        .to_owned()
                )
            );
            assert_eq!(
                fault(&mut router, "ftp"),
                (
                    Field::Service,
                    "ftp".to_owned(),
                    "matches no service of contract V, W; add it to a service's `match` list, or alias it with `values:` under `fields.service` in a mapping file (docs/sources.md)".to_owned()
                )
            );
        }
    }

    #[test]
    fn a_severity_is_named_by_its_value_after_aliases_or_by_the_cell_as_written() {
        let contracts = [version("2026-01-01", "2027-01-01", "mail")];
        let mut router = Router::new(&contracts);
        let opened = "2026-03-02T10:00:00Z";
        let severity = |router: &mut Router<'_>, text| {
            router
                .route(&copy("web", text, opened).row())
                .map(|incident| incident.final_severity)
                .map_err(|fault| (fault.value, fault.reason))
        };
        // `P2` as written; `Minor` aliased to `P2`; `P2` aliased to an unknown `Low`: the cell
        // as written still names sev2 (index 1). The second time each comes from the cache.
        for _ in 0..2 {
            assert_eq!(severity(&mut router, plain("P2")), Ok(1));
            let aliased = Text {
                value: "P2",
                as_written: Some("Minor"),
            };
            assert_eq!(severity(&mut router, aliased), Ok(1));
            let written = Text {
                value: "Low",
                as_written: Some("P2"),
            };
            assert_eq!(severity(&mut router, written), Ok(1));
        }
        let neither = Text {
            value: "P9",
            as_written: Some("9 - Bogus"),
        };
        assert_eq!(
            severity(&mut router, neither),
            Err((
                "9 - Bogus".to_owned(),
                "matches no severity of contract V, nor does `P9`, its value after the source's aliases (known values: P1, P2)"
                    .to_owned()
            ))
        );
    }

    #[test]
    fn the_version_of_a_period_is_the_one_in_force_on_its_first_day() {
        let contracts = [
            version("2026-01-01", "2026-04-01", "mail"),
            version("2026-04-01", "2027-01-01", "mail"),
        ];
        let spec = |text: &str| text.parse::<PeriodSpec>().expect("a test period");
        assert_eq!(
            version_for_period(&contracts, "V", spec("2026-03")),
            Some(0)
        );
        assert_eq!(
            version_for_period(&contracts, "V", spec("2026-04")),
            Some(1)
        );
        assert_eq!(version_for_period(&contracts, "V", spec("2027-01")), None);
        assert_eq!(version_for_period(&contracts, "X", spec("2026-04")), None);
    }
}

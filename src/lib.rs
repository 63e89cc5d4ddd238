//! slacredit: an SLA and service-credit calculator.
//!
//! Reading → calculating → writing, left to right:
//! [`contract`] and [`incidents`] read and check inputs, [`calc`] is a pure function from
//! contracts, incidents, a period and an as-of instant to a [`report::Report`], and [`report`]
//! renders that one model as a table, CSV or JSON. The library never prints.

pub mod calc;
pub mod check;
pub mod contract;
pub mod error;
pub mod incidents;
pub mod money;
pub mod report;
pub mod time;

pub use error::{Diagnostic, Error};

use contract::Contract;
use incidents::{Input, Source};
use time::{Instant, PeriodSpec};

/// Reads the exports for month `spec` and calculates the report: the whole pipeline after the
/// contracts are loaded. Contracts not in force for the month take no rows.
pub fn evaluate(
    contracts: &[Contract],
    inputs: Vec<Input>,
    source: &Source,
    spec: PeriodSpec,
    as_of: Option<Instant>,
) -> Result<report::Report, Error> {
    let in_force: Vec<Contract> = contracts
        .iter()
        .filter(|contract| contract.in_force(spec))
        .cloned()
        .collect();
    let scopes: Vec<calc::Scope> = in_force
        .iter()
        .map(|contract| calc::Scope::new(contract, spec, as_of))
        .collect();
    let keep = |incident: &incidents::Incident| {
        let index = usize::from(incident.contract);
        calc::relevance(&in_force[index], scopes[index], incident)
    };
    let incidents = incidents::read_incidents(inputs, source, &in_force, &keep)?;
    Ok(calc::calculate(&in_force, &incidents, spec, as_of))
}

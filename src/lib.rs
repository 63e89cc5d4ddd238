//! slacredit: an SLA and service-credit calculator.
//!
//! Reading → calculating → writing, left to right:
//! [`contract`] and [`incidents`] read and check inputs, [`calc`] is a pure function from
//! contracts, incidents, a period and an as-of instant to a [`calc::model::Report`], and [`report`]
//! renders that one model as a table, CSV or JSON. The library never prints.

pub mod calc;
pub mod contract;
pub mod error;
pub mod escape;
pub mod explain;
pub mod incidents;
pub mod money;
pub mod parallel;
pub mod pipeline;
pub mod received;
pub mod report;
pub mod time;

pub use contract::check;
pub use error::{Diagnostic, Error};
pub use pipeline::{
    Evaluation, Keep, Options, Pair, Wanted, evaluate, evaluate_detailed, evaluate_pair,
    evaluate_scorecard, read_incidents,
};

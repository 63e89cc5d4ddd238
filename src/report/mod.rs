//! Renderers of the report model (`calc::model`): table, CSV and JSON (the model serialized as
//! it is).

mod csv;
mod json;
mod table;
mod words;

pub use self::csv::{write_breaches_csv, write_credit_lines_csv};
pub use self::json::write_json;
pub use table::{write_credits_table, write_report_table};

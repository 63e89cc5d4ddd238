//! Renderers of the report model (`calc::model`): table, CSV, JSON (the model serialized as it
//! is) and Markdown.

mod csv;
mod json;
mod markdown;
mod table;
mod words;

pub use self::csv::{write_breaches_csv, write_credit_lines_csv};
pub use self::json::write_json;
pub use markdown::{write_credits_markdown, write_report_markdown};
pub use table::{write_credits_table, write_report_table};

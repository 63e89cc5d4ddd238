//! Renderers of the report model (`calc::model`) and of the scorecard (`calc::scorecard`):
//! table, CSV, Markdown and JSON (the model serialized as it is); and of the claim document
//! (`calc::claim`).

mod claim;
mod compare;
mod csv;
pub mod html;
mod json;
mod json_fast;
mod markdown;
mod reconcile;
mod rejects;
mod scorecard;
mod table;
mod words;

pub use self::claim::{ClaimDocument, write_claims_markdown};
pub use self::csv::{write_breaches_csv, write_credit_lines_csv};
pub use self::json::write_json;
pub use self::json_fast::write_report_json;
pub use compare::{
    compare_note_text, write_comparison_csv, write_comparison_markdown, write_comparison_table,
};
pub use html::{write_claims_html, write_comparison_html, write_report_html, write_scorecard_html};
pub use markdown::{write_credits_markdown, write_report_markdown};
pub use reconcile::{
    write_reconciliation_csv, write_reconciliation_markdown, write_reconciliation_table,
};
pub use rejects::write_rejects_csv;
pub use scorecard::{
    note_text, write_scorecard_csv, write_scorecard_markdown, write_scorecard_table,
};
pub use table::{write_credits_table, write_report_table};

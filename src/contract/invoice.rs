//! The `invoice` section from its raw shape to a checked [`Invoice`]: the posting fields the
//! customer's finance system needs on every credit line (vendor number, purchase order, GL
//! account, cost centre) and the pattern of each line's reference, whose placeholders are
//! checked here as a claim paragraph's are.

use serde_saphyr::Spanned;

use super::claim::checked_template;
use super::raw::{RawInvoice, Text};
use super::template::{ReferenceField, Template};
use crate::error::Diagnostic;

/// What every credit line of a contract carries for posting. Each field is copied as written;
/// absent fields stay empty on the lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invoice {
    /// The provider's number in the customer's accounts payable.
    pub vendor_id: Option<String>,
    /// The purchase order the services are bought under.
    pub po_number: Option<String>,
    /// The general-ledger account credits are booked to.
    pub gl_account: Option<String>,
    /// The cost centre credits are booked to.
    pub cost_center: Option<String>,
    /// The pattern of each line's reference.
    pub reference: Option<Template<ReferenceField>>,
}

/// Converts the invoice section of contract `file`, whose text is `text`, adding a diagnostic
/// for each problem.
pub(super) fn convert(
    file: &str,
    text: &str,
    raw: &Spanned<RawInvoice>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Invoice {
    let raw = &raw.value;
    let mut code = |value: Option<&Spanned<Text>>, name: &str| {
        let value = value?;
        if value.value.0.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-value",
                    super::location_of(file, value),
                    format!("invoice.{name}"),
                    format!("`invoice.{name}` is empty"),
                )
                .with_hint(format!(
                    "write the {name} the lines are posted with, or leave the key out"
                )),
            );
            return None;
        }
        Some(value.value.0.clone())
    };
    let vendor_id = code(raw.vendor_id.as_ref(), "vendor_id");
    let po_number = code(raw.po_number.as_ref(), "po_number");
    let gl_account = code(raw.gl_account.as_ref(), "gl_account");
    let cost_center = code(raw.cost_center.as_ref(), "cost_center");
    let reference = raw.reference.as_ref().and_then(|reference| {
        checked_template::<ReferenceField>(file, text, reference, "invoice.reference", diagnostics)
    });
    Invoice {
        vendor_id,
        po_number,
        gl_account,
        cost_center,
        reference,
    }
}

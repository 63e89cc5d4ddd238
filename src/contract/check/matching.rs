//! Checks that an incident row can be routed one way only: one severity per value, one service
//! per value.

use std::collections::HashMap;

use wildmatch::WildMatch;

use super::Context;
use crate::error::Diagnostic;

/// `severity-match-overlap`: one export value listed under two severities. The first would win
/// silently, and a sev2 might be priced as a sev1.
pub(super) fn check_severity_match_overlap(context: &Context<'_>) -> Vec<Diagnostic> {
    let mut first_owner: HashMap<&str, &str> = HashMap::new();
    let mut diagnostics = Vec::new();
    for (index, severity) in context.contract.severities.iter().enumerate() {
        for (position, value) in severity.value.values.iter().enumerate() {
            let owner = severity.value.id.value.as_str();
            match first_owner.get(value.value.trim()) {
                Some(first) if *first != owner => diagnostics.push(
                    Diagnostic::error(
                        "severity-match-overlap",
                        context.at(value),
                        format!("severities[{index}].match[{position}]"),
                        format!(
                            "`{}` is matched by severity `{first}` and by `{owner}`",
                            value.value
                        ),
                    )
                    .with_hint(
                        "each export value must mean one severity; remove it from one of the lists",
                    ),
                ),
                Some(_) => {}
                None => {
                    first_owner.insert(value.value.trim(), owner);
                }
            }
        }
    }
    diagnostics
}

/// `service-match-overlap`: two services whose `match` globs accept the same value. Rows with such
/// a value would be rejected as ambiguous. Exact for literal patterns; for two wildcard patterns
/// it tries each pattern's shortest expansion against the other, which catches the usual cases
/// (`siem-*` and `siem-eu`, `*` and anything).
pub(super) fn check_service_match_overlap(context: &Context<'_>) -> Vec<Diagnostic> {
    let patterns: Vec<(usize, &str, &serde_saphyr::Spanned<String>)> = context
        .contract
        .services
        .iter()
        .enumerate()
        .flat_map(|(index, service)| {
            service
                .value
                .patterns
                .iter()
                .map(move |pattern| (index, service.value.id.value.as_str(), pattern))
        })
        .collect();
    let mut diagnostics = Vec::new();
    for (later_position, (later_index, later_id, later)) in patterns.iter().enumerate() {
        let clash = patterns[..later_position]
            .iter()
            .find(|(index, _, earlier)| {
                index != later_index && overlap(&earlier.value, &later.value)
            });
        if let Some((_, earlier_id, earlier)) = clash {
            let position = context.contract.services[*later_index]
                .value
                .patterns
                .iter()
                .position(|pattern| std::ptr::eq(pattern, *later))
                .unwrap_or(0);
            diagnostics.push(
                Diagnostic::error(
                    "service-match-overlap",
                    context.at(later),
                    format!("services[{later_index}].match[{position}]"),
                    format!("pattern `{}` of service `{later_id}` can match the same values as `{}` of service `{earlier_id}`", later.value, earlier.value),
                )
                .with_hint("make the patterns disjoint, e.g. `siem-eu-*` and `siem-us-*`"),
            );
        }
    }
    diagnostics
}

/// Whether two glob patterns accept a common value (see `check_service_match_overlap`).
fn overlap(left: &str, right: &str) -> bool {
    let shortest = |pattern: &str| pattern.replace('*', "").replace('?', "x");
    WildMatch::new(left).matches(&shortest(right))
        || WildMatch::new(right).matches(&shortest(left))
        || left == right
}

//! Contract validation as a list of named checks. Each check is a plain function over the raw,
//! position-carrying contract and returns every problem it finds; none stops at the first.

mod matching;
pub mod render;
mod values;

use std::collections::HashMap;

use chrono::Datelike;
use chrono_tz::Tz;
use serde_saphyr::Spanned;

use crate::contract::raw::{RawCalendar, RawContract};
use crate::error::{Diagnostic, Location};
use crate::money::{Decimal, parse_percent};

/// A named check: its stable kebab-case name and the function that runs it.
pub struct Check {
    /// Stable name, used in messages and to select checks.
    pub name: &'static str,
    /// What it catches, in one line.
    pub summary: &'static str,
    run: fn(&Context<'_>) -> Vec<Diagnostic>,
}

/// What every check gets: the file name and the raw contract.
pub struct Context<'a> {
    file: &'a str,
    contract: &'a RawContract,
}

impl Context<'_> {
    fn at<T>(&self, value: &Spanned<T>) -> Location {
        crate::contract::location_of(self.file, value)
    }
}

/// Every check, in the order they run.
pub const CHECKS: &[Check] = &[
    Check {
        name: "timezone-known",
        summary: "the contract's timezone is an IANA name",
        run: check_timezone_known,
    },
    Check {
        name: "unique-ids",
        summary: "service, severity and rule ids are unique",
        run: check_unique_ids,
    },
    Check {
        name: "references-exist",
        summary: "ids named by rules and termination triggers exist",
        run: check_references_exist,
    },
    Check {
        name: "escalation-not-circular",
        summary: "escalation rules multiply per_breach and per_unit_late rules, never each other",
        run: check_escalation_not_circular,
    },
    Check {
        name: "bands-in-range",
        summary: "band thresholds lie within 0-100 %",
        run: check_bands_in_range,
    },
    Check {
        name: "bands-ordered",
        summary: "bands go from the most lenient to the strictest",
        run: check_bands_ordered,
    },
    Check {
        name: "severity-match-overlap",
        summary: "no export value is listed under two severities",
        run: matching::check_severity_match_overlap,
    },
    Check {
        name: "service-match-overlap",
        summary: "no two services' match patterns accept the same value",
        run: matching::check_service_match_overlap,
    },
    Check {
        name: "cap-not-above-100-percent",
        summary: "a percentage cap is at most 100 % of the fee",
        run: values::check_cap_not_above_100_percent,
    },
    Check {
        name: "target-looks-like-fraction",
        summary: "an availability target or band of 0.999 where 99.9 was meant (warning)",
        run: values::check_target_looks_like_fraction,
    },
    Check {
        name: "bands-overlap-or-gap",
        summary: "targets above the first band, and stricter bands that credit no more (warnings)",
        run: values::check_bands_overlap_or_gap,
    },
    Check {
        name: "holiday-in-effective-range",
        summary: "holidays fall inside the contract's effective range (warning)",
        run: values::check_holiday_in_effective_range,
    },
    Check {
        name: "version-starts-on-period-boundary",
        summary: "effective dates fall on the first day of a period (month or quarter)",
        run: check_version_starts_on_period_boundary,
    },
    Check {
        name: "day-unit-on-business-calendar",
        summary: "a `d` duration on a business calendar means 24 hours of opening time (warning)",
        run: check_day_unit_on_business_calendar,
    },
];

/// Checks that run while values are converted, rather than as functions over the raw contract.
pub const CONVERSION_CHECKS: &[(&str, &str)] = &[
    (
        "dry-run",
        "the contract is evaluated on an empty first period without failing",
    ),
    (
        "schema",
        "YAML syntax, unknown keys, duplicate keys, missing keys, wrong types",
    ),
    (
        "invalid-value",
        "a number, percentage, duration, date or code that does not parse or is out of range",
    ),
    (
        "calendar-intervals-valid",
        "opening intervals parse, end after they start, do not overlap, and exist",
    ),
];

/// Every check name `--check` and `--skip` accept, sorted.
pub fn check_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = CHECKS
        .iter()
        .map(|check| check.name)
        .chain(CONVERSION_CHECKS.iter().map(|(name, _)| *name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Runs every check on one parsed contract.
pub fn run_checks(file: &str, contract: &RawContract) -> Vec<Diagnostic> {
    run_selected_checks(file, contract, &|_| true)
}

/// Runs the checks whose names `selected` accepts (`validate --check`/`--skip`); the others do
/// not run at all.
pub fn run_selected_checks(
    file: &str,
    contract: &RawContract,
    selected: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    run_listed(CHECKS, &Context { file, contract }, selected)
}

fn run_listed(
    checks: &[Check],
    context: &Context<'_>,
    selected: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    checks
        .iter()
        .filter(|check| selected(check.name))
        .flat_map(|check| (check.run)(context))
        .collect()
}

fn check_timezone_known(context: &Context<'_>) -> Vec<Diagnostic> {
    let zone = &context.contract.timezone;
    if zone.value.parse::<Tz>().is_ok() {
        return Vec::new();
    }
    vec![
        Diagnostic::error(
            "timezone-known",
            context.at(zone),
            "timezone",
            format!("unknown timezone `{}`", zone.value),
        )
        .with_hint(crate::contract::suggest::timezone_hint(&zone.value)),
    ]
}

fn check_unique_ids(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let services = contract
        .services
        .iter()
        .enumerate()
        .map(|(index, service)| (&service.value.id, format!("services[{index}].id")));
    let severities = contract
        .severities
        .iter()
        .enumerate()
        .map(|(index, severity)| (&severity.value.id, format!("severities[{index}].id")));
    let rules = contract.credits.iter().flat_map(|credits| {
        credits
            .value
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| (&rule.value.id, format!("credits.rules[{index}].id")))
    });
    let mut diagnostics = duplicates(context, "service", services);
    diagnostics.extend(duplicates(context, "severity", severities));
    diagnostics.extend(duplicates(context, "rule", rules));
    diagnostics
}

fn duplicates<'a>(
    context: &Context<'_>,
    what: &str,
    ids: impl Iterator<Item = (&'a Spanned<String>, String)>,
) -> Vec<Diagnostic> {
    let mut first_seen: HashMap<&str, u64> = HashMap::new();
    let mut diagnostics = Vec::new();
    for (id, path) in ids {
        if let Some(first_line) = first_seen.get(id.value.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "unique-ids",
                    context.at(id),
                    path,
                    format!(
                        "{what} id `{}` is already used at line {first_line}",
                        id.value
                    ),
                )
                .with_hint(format!("give each {what} its own id")),
            );
        } else {
            first_seen.insert(&id.value, id.referenced.line());
        }
    }
    diagnostics
}

fn check_references_exist(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let services: Vec<&str> = contract
        .services
        .iter()
        .map(|service| service.value.id.value.as_str())
        .collect();
    let severities: Vec<&str> = contract
        .severities
        .iter()
        .map(|severity| severity.value.id.value.as_str())
        .collect();
    let rules = contract
        .credits
        .as_ref()
        .map_or(&[][..], |credits| credits.value.rules.as_slice());
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|rule| rule.value.id.value.as_str())
        .collect();
    // (whose, path, [(what, key, references, known ids)]) for every rule and trigger.
    let mut owners = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        owners.push((
            format!("rule `{}`", rule.value.id.value),
            format!("credits.rules[{index}]"),
            vec![
                (
                    "service",
                    "services",
                    rule.value.services.as_ref(),
                    &services,
                ),
                (
                    "severity",
                    "severities",
                    rule.value.severities.as_ref(),
                    &severities,
                ),
                (
                    "rule",
                    "applies_to",
                    rule.value.applies_to.as_ref(),
                    &rule_ids,
                ),
            ],
        ));
    }
    for (index, trigger) in contract.termination.iter().flatten().enumerate() {
        owners.push((
            format!("termination trigger {}", index + 1),
            format!("termination[{index}]"),
            vec![
                (
                    "service",
                    "services",
                    trigger.value.services.as_ref(),
                    &services,
                ),
                (
                    "severity",
                    "severities",
                    trigger.value.severities.as_ref(),
                    &severities,
                ),
            ],
        ));
    }
    let mut diagnostics = Vec::new();
    for (owner, path, lists) in owners {
        for (what, key, references, known) in lists {
            let path = format!("{path}.{key}");
            unknown_references(
                context,
                &owner,
                what,
                &path,
                references,
                known,
                &mut diagnostics,
            );
        }
    }
    diagnostics
}

/// A `references-exist` error for each id in `references` that is not in `known`.
fn unknown_references(
    context: &Context<'_>,
    owner: &str,
    what: &str,
    path: &str,
    references: Option<&Vec<Spanned<String>>>,
    known: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (position, reference) in references.into_iter().flatten().enumerate() {
        if known.contains(&reference.value.as_str()) {
            continue;
        }
        diagnostics.push(
            Diagnostic::error(
                "references-exist",
                context.at(reference),
                format!("{path}[{position}]"),
                format!("{owner} names unknown {what} `{}`", reference.value),
            )
            .with_hint(crate::contract::suggest::hint_from(
                &reference.value,
                &format!("{what} ids"),
                known,
            )),
        );
    }
}

/// Escalation rules name the rules whose breach credits they multiply. Naming an escalation rule
/// would multiply a multiplier, and a chain that comes back to itself has no answer at all.
fn check_escalation_not_circular(context: &Context<'_>) -> Vec<Diagnostic> {
    let Some(credits) = &context.contract.credits else {
        return Vec::new();
    };
    let rules = &credits.value.rules;
    let escalation = |id: &str| {
        rules
            .iter()
            .position(|rule| rule.value.id.value == id && rule.value.kind.value == "escalation")
    };
    let mut diagnostics = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        for (position, name) in rule.value.applies_to.iter().flatten().enumerate() {
            let Some(mut next) = escalation(&name.value) else {
                continue;
            };
            // Follow escalation → escalation; a cycle returns to `index`.
            let mut chain = vec![rule.value.id.value.as_str()];
            let mut seen = vec![index];
            let circular = loop {
                chain.push(&rules[next].value.id.value);
                if next == index {
                    break true;
                }
                if seen.contains(&next) {
                    break false;
                }
                seen.push(next);
                let Some(following) = rules[next]
                    .value
                    .applies_to
                    .iter()
                    .flatten()
                    .find_map(|other| escalation(&other.value))
                else {
                    break false;
                };
                next = following;
            };
            let message = if circular {
                format!("escalation rules form a cycle: {}", chain.join(" -> "))
            } else {
                format!(
                    "escalation rule `{}` names escalation rule `{}`; escalation multiplies per_breach and per_unit_late rules only",
                    rule.value.id.value, name.value
                )
            };
            diagnostics.push(
                Diagnostic::error(
                    "escalation-not-circular",
                    context.at(name),
                    format!("credits.rules[{index}].applies_to[{position}]"),
                    message,
                )
                .with_hint("name the per_breach or per_unit_late rules whose credits repeated breaches multiply: applies_to: [sev1-response]"),
            );
        }
    }
    diagnostics
}

/// One availability band as written: its threshold, whether it is inclusive (`at_or_below`),
/// where the threshold is, its path, and the band in flow form (`{ below: 99.9, credit: 10% }`).
struct BandAt {
    threshold: Decimal,
    inclusive: bool,
    location: Location,
    path: String,
    written: String,
}

/// Each availability rule's bands, in the order written; a band whose threshold does not parse
/// is left out (`invalid-value` reports it).
fn bands(context: &Context<'_>) -> Vec<Vec<BandAt>> {
    let Some(credits) = &context.contract.credits else {
        return Vec::new();
    };
    credits
        .value
        .rules
        .iter()
        .enumerate()
        .filter_map(|(rule_index, rule)| {
            let bands = rule.value.bands.as_ref()?;
            Some(
                bands
                    .iter()
                    .enumerate()
                    .filter_map(|(index, band)| {
                        let (value, inclusive, key) =
                            match (&band.value.below, &band.value.at_or_below) {
                                (Some(below), None) => (below, false, "below"),
                                (None, Some(at_or_below)) => (at_or_below, true, "at_or_below"),
                                _ => return None,
                            };
                        let threshold = parse_percent(&value.value.0).ok()?;
                        Some(BandAt {
                            threshold,
                            inclusive,
                            location: context.at(value),
                            path: format!("credits.rules[{rule_index}].bands[{index}].{key}"),
                            written: format!(
                                "{{ {key}: {}, credit: {} }}",
                                value.value.0, band.value.credit.value.0
                            ),
                        })
                    })
                    .collect(),
            )
        })
        .collect()
}

fn check_bands_in_range(context: &Context<'_>) -> Vec<Diagnostic> {
    bands(context)
        .into_iter()
        .flatten()
        .filter(|band| band.threshold.is_sign_negative() || band.threshold > crate::money::HUNDRED)
        .map(|band| {
            Diagnostic::error(
                "bands-in-range",
                band.location,
                band.path,
                format!("band threshold {} is outside 0-100 %", band.threshold),
            )
            .with_hint("availability thresholds are percentages: `below: 99.9` means under 99.9 %")
        })
        .collect()
}

fn check_bands_ordered(context: &Context<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for bands in bands(context) {
        // The same bands, most lenient first: falling thresholds, and at one threshold
        // `at_or_below` before `below`.
        let mut ordered: Vec<&BandAt> = bands.iter().collect();
        ordered.sort_by(|one, other| {
            (other.threshold, other.inclusive).cmp(&(one.threshold, one.inclusive))
        });
        let reordered = ordered
            .iter()
            .map(|band| band.written.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        for pair in bands.windows(2) {
            let (previous, current) = (&pair[0], &pair[1]);
            // A later band must be strictly stricter: a lower threshold, or the same threshold
            // going from `at_or_below` to `below`.
            if (current.threshold, current.inclusive) < (previous.threshold, previous.inclusive) {
                continue;
            }
            let describe = |band: &BandAt| {
                format!(
                    "{} {}",
                    if band.inclusive {
                        "at_or_below:"
                    } else {
                        "below:"
                    },
                    band.threshold
                )
            };
            diagnostics.push(
                Diagnostic::error(
                    "bands-ordered",
                    current.location.clone(),
                    current.path.clone(),
                    format!("band `{}` comes after `{}`; bands go from the most lenient to the strictest", describe(current), describe(previous)),
                )
                .with_hint(format!("put them in this order: bands: [{reordered}]")),
            );
        }
    }
    diagnostics
}

fn check_day_unit_on_business_calendar(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let is_business = |name: &str| {
        contract
            .calendars
            .iter()
            .flatten()
            .any(|(declared, calendar)| {
                declared == name && matches!(calendar.value, RawCalendar::Hours(_))
            })
    };
    let mut diagnostics = Vec::new();
    for (index, severity) in contract.severities.iter().enumerate() {
        for (key, target) in [
            ("respond", &severity.value.respond),
            ("resolve", &severity.value.resolve),
        ] {
            let Some(target) = target else { continue };
            let Some(calendar) = target
                .value
                .calendar
                .as_ref()
                .filter(|calendar| is_business(&calendar.value))
            else {
                continue;
            };
            let within = &target.value.within;
            // A value that is not a duration at all (`5bd`) is `invalid-value`'s error; a
            // warning about what it means would be about nothing.
            let Ok(seconds) = crate::time::parse_duration(&within.value.0) else {
                continue;
            };
            if within.value.0.contains('d') {
                diagnostics.push(
                    Diagnostic::warning(
                        "day-unit-on-business-calendar",
                        context.at(within),
                        format!("severities[{index}].{key}.within"),
                        format!(
                            "`{}` on calendar `{}` means {} hours of opening time, not calendar days",
                            within.value.0,
                            calendar.value,
                            seconds / 3_600
                        ),
                    )
                    .with_hint("write the opening hours you mean (`30h` is three 10-hour office days), or measure on `always`"),
                );
            }
        }
    }
    diagnostics
}

fn check_version_starts_on_period_boundary(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let quarterly = contract
        .period
        .as_ref()
        .is_some_and(|period| period.value == "quarter");
    let effective = &contract.effective.value;
    [("effective.from", Some(&effective.from)), ("effective.to", effective.to.as_ref())]
        .into_iter()
        .filter_map(|(path, date)| {
            let date = date?;
            let parsed = chrono::NaiveDate::parse_from_str(&date.value, "%Y-%m-%d").ok()?;
            let on_boundary = parsed.day() == 1 && (!quarterly || (parsed.month() - 1) % 3 == 0);
            let unit = if quarterly { "quarter" } else { "month" };
            (!on_boundary).then(|| {
                Diagnostic::error(
                    "version-starts-on-period-boundary",
                    context.at(date),
                    path,
                    format!("{} is not the first day of a {unit}; a contract version must start and end on a period boundary", date.value),
                )
                .with_hint(if quarterly { "use 1 January, 1 April, 1 July or 1 October" } else { "use the first day of a month, like 2026-07-01" })
            })
        })
        .collect()
}

/// Checks across the contracts loaded together: files sharing an `id` are versions of one
/// contract and their effective ranges must not overlap, so each period has one version in force.
pub fn check_versions(contracts: &[crate::contract::Contract]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (index, later) in contracts.iter().enumerate() {
        let Some(earlier) = contracts[..index]
            .iter()
            .find(|earlier| earlier.id == later.id && earlier.overlaps(later))
        else {
            continue;
        };
        diagnostics.push(
            Diagnostic::error(
                "unique-ids",
                later.id_location.clone(),
                "id",
                format!("contract id `{}` is also used by {} with an overlapping effective range", later.id, earlier.file),
            )
            .with_hint("versions of one contract need disjoint `effective` ranges (the earlier one's `to` is the later one's `from`); otherwise give each contract its own id"),
        );
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuses_to_run(_: &Context<'_>) -> Vec<Diagnostic> {
        panic!("a skipped check ran")
    }

    #[test]
    fn a_check_that_is_not_selected_does_not_run() {
        let raw = crate::contract::parse_contract(
            "c.yaml",
            "id: T\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: { from: 2026-01-01 }\nservices: []\nseverities: []\n",
        )
        .expect("a minimal contract");
        let context = Context {
            file: "c.yaml",
            contract: &raw,
        };
        let checks = [Check {
            name: "refuses-to-run",
            summary: "panics when run",
            run: refuses_to_run,
        }];
        let asked = std::cell::RefCell::new(Vec::new());
        let found = run_listed(&checks, &context, &|name| {
            asked.borrow_mut().push(name.to_owned());
            name != "refuses-to-run"
        });
        assert!(found.is_empty());
        assert_eq!(asked.into_inner(), ["refuses-to-run"]);
        // Every named check runs when nothing is skipped, none when all are.
        assert!(run_selected_checks("c.yaml", &raw, &|_| false).is_empty());
    }
}

//! Checks on values that parse but are probably not what the author meant.

use chrono::NaiveDate;
use serde_saphyr::Spanned;

use super::{Context, bands};
use crate::contract::load::denomination;
use crate::contract::raw::Text;
use crate::error::Diagnostic;
use crate::money::{Amount, BareNumber, Decimal, Denomination, HUNDRED, parse_percent};

/// `cap-not-above-100-percent`: a percentage cap above 100 % of the fee caps nothing.
pub(super) fn check_cap_not_above_100_percent(context: &Context<'_>) -> Vec<Diagnostic> {
    let Some(cap) = context
        .contract
        .credits
        .as_ref()
        .and_then(|credits| credits.value.cap.as_ref())
    else {
        return Vec::new();
    };
    let Some(per_service) = &cap.value.per_service else {
        return Vec::new();
    };
    let denomination = denomination(context.contract);
    match Amount::parse(&per_service.value.0, denomination, BareNumber::Ambiguous) {
        Ok(Amount::PercentOfFee(percent)) if percent > HUNDRED => vec![
            Diagnostic::error(
                "cap-not-above-100-percent",
                context.at(per_service),
                "credits.cap.per_service",
                format!("a cap of {percent}% of the fee is above 100 %"),
            )
            .with_hint(format!(
                "a credit cap is at most the fee: `per_service: 100%`, or an amount like `per_service: {}`",
                denomination.written(Decimal::from(5000))
            )),
        ],
        _ => Vec::new(),
    }
}

/// `target-looks-like-fraction` (warning): `0.999` where `99.9` was meant.
pub(super) fn check_target_looks_like_fraction(context: &Context<'_>) -> Vec<Diagnostic> {
    let looks_like_fraction = |value: Decimal| value > Decimal::ZERO && value < Decimal::ONE;
    let mut diagnostics = Vec::new();
    for (index, service) in context.contract.services.iter().enumerate() {
        let Some(availability) = &service.value.availability else {
            continue;
        };
        let target = &availability.value.target;
        if parse_percent(&target.value.0).is_ok_and(looks_like_fraction) {
            diagnostics.push(fraction_warning(
                context.at(target),
                format!("services[{index}].availability.target"),
                &target.value.0,
            ));
        }
    }
    for band in bands(context).into_iter().flatten() {
        if looks_like_fraction(band.threshold) {
            diagnostics.push(fraction_warning(
                band.location,
                band.path,
                &band.threshold.to_string(),
            ));
        }
    }
    diagnostics
}

/// `amount` as a contract writes it: `10%`, or `500.00 EUR`.
fn written(amount: Amount, denomination: Denomination<'_>) -> String {
    match amount {
        Amount::PercentOfFee(_) => amount.to_string(),
        Amount::Fixed(value) => format!("{value} {}", denomination.currency),
    }
}

fn fraction_warning(location: crate::error::Location, path: String, value: &str) -> Diagnostic {
    Diagnostic::warning(
        "target-looks-like-fraction",
        location,
        path,
        format!("`{value}` reads as {value} %, not {value} × 100 %"),
    )
    .with_hint("availability is written in percent: `99.9` for 99.9 %")
}

/// `bands-overlap-or-gap` (warnings): a service whose target is above its most lenient band, so
/// availability in between misses the target but earns no credit; and a stricter band that
/// credits no more than a more lenient one ([`stricter_bands_paying_less`]).
pub(super) fn check_bands_overlap_or_gap(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let Some(credits) = &contract.credits else {
        return Vec::new();
    };
    let denomination = denomination(contract);
    let mut diagnostics = Vec::new();
    for (rule_index, rule) in credits.value.rules.iter().enumerate() {
        let Some(raw_bands) = &rule.value.bands else {
            continue;
        };
        let parsed: Vec<BandCredit<'_>> = raw_bands
            .iter()
            .enumerate()
            .filter_map(|(index, band)| {
                let (key, threshold) = match (&band.value.below, &band.value.at_or_below) {
                    (Some(below), _) => ("below", below),
                    (None, Some(at_or_below)) => ("at_or_below", at_or_below),
                    (None, None) => return None,
                };
                let written = &band.value.credit;
                Some(BandCredit {
                    index,
                    threshold: parse_percent(&threshold.value.0).ok()?,
                    band: format!("{key}: {}", threshold.value.0),
                    credit: Amount::parse(&written.value.0, denomination, BareNumber::Ambiguous)
                        .ok(),
                    written,
                })
            })
            .collect();
        // Misordered bands are `bands-ordered`'s error; judging gaps in them would only echo it.
        if parsed
            .windows(2)
            .any(|pair| pair[1].threshold >= pair[0].threshold)
        {
            continue;
        }
        diagnostics.extend(stricter_bands_paying_less(
            context,
            rule_index,
            &parsed,
            denomination,
        ));
        let Some(most_lenient) = parsed.first().map(|band| band.threshold) else {
            continue;
        };
        let names = rule.value.services.as_ref().map(|names| {
            names
                .iter()
                .map(|name| name.value.as_str())
                .collect::<Vec<_>>()
        });
        for (index, service) in contract.services.iter().enumerate() {
            if names
                .as_ref()
                .is_some_and(|names| !names.contains(&service.value.id.value.as_str()))
            {
                continue;
            }
            let Some(availability) = &service.value.availability else {
                continue;
            };
            let Ok(target) = parse_percent(&availability.value.target.value.0) else {
                continue;
            };
            if target > most_lenient {
                diagnostics.push(
                    Diagnostic::warning(
                        "bands-overlap-or-gap",
                        context.at(&availability.value.target),
                        format!("services[{index}].availability.target"),
                        format!(
                            "availability from {most_lenient}% up to the target {target}% misses the target but earns no credit under rule `{}`",
                            rule.value.id.value
                        ),
                    )
                    .with_hint(format!("start the bands at the target: `below: {target}`")),
                );
            }
        }
    }
    diagnostics
}

/// One band of an availability rule whose threshold parses.
struct BandCredit<'a> {
    /// Its index among the rule's bands.
    index: usize,
    /// Its threshold, in percent.
    threshold: Decimal,
    /// Its threshold as written, `below: 99.9`, to name the band in a message.
    band: String,
    /// Its credit, when that parses (`invalid-value` reports it otherwise).
    credit: Option<Amount>,
    /// Where its credit is written.
    written: &'a Spanned<Text>,
}

/// The warnings of `bands` (most lenient first) where a stricter band credits no more than a
/// more lenient one. Credits are compared like with like, a percentage with percentages and an
/// amount with amounts (whether `10%` is more than `500.00 EUR` depends on the fee), and with
/// every more lenient band, not only the one before: of `[30%, 10%, 20%]` both 10 % and 20 %
/// pay less than 30 %.
fn stricter_bands_paying_less(
    context: &Context<'_>,
    rule_index: usize,
    bands: &[BandCredit<'_>],
    denomination: Denomination<'_>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (position, band) in bands.iter().enumerate() {
        let Some(strict) = band.credit else {
            continue;
        };
        // The most generous more lenient band of the same kind; of equals, the nearest.
        let Some((lenient_band, lenient)) = bands[..position]
            .iter()
            .filter_map(|other| Some((&other.band, other.credit?)))
            .filter(|(_, lenient)| {
                std::mem::discriminant(lenient) == std::mem::discriminant(&strict)
            })
            .max_by(|(_, one), (_, other)| one.number().cmp(&other.number()))
        else {
            continue;
        };
        let than = match strict.number().cmp(&lenient.number()) {
            std::cmp::Ordering::Less => "less than",
            std::cmp::Ordering::Equal => "the same as",
            std::cmp::Ordering::Greater => continue,
        };
        diagnostics.push(
            Diagnostic::warning(
                "bands-overlap-or-gap",
                context.at(band.written),
                format!("credits.rules[{rule_index}].bands[{}].credit", band.index),
                format!(
                    "this stricter band credits {}, {than} the more lenient band `{lenient_band}` ({})",
                    written(strict, denomination),
                    written(lenient, denomination)
                ),
            )
            .with_hint("credits usually grow as availability falls: [{ below: 99.9, credit: 10% }, { below: 99.0, credit: 25% }]"),
        );
    }
    diagnostics
}

/// `holiday-in-effective-range` (warning): a holiday outside the contract's effective range is
/// usually last year's list copied forward.
pub(super) fn check_holiday_in_effective_range(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    let Some(from) = date(&contract.effective.value.from.value) else {
        return Vec::new();
    };
    let to = contract
        .effective
        .value
        .to
        .as_ref()
        .and_then(|to| date(&to.value));
    let mut diagnostics = Vec::new();
    for (name, calendar) in contract.calendars.iter().flatten() {
        let crate::contract::raw::RawCalendar::Hours(hours) = &calendar.value else {
            continue;
        };
        for (index, holiday) in hours.holidays.iter().enumerate() {
            let Some(day) = date(&holiday.value) else {
                continue;
            };
            if day < from || to.is_some_and(|to| day >= to) {
                diagnostics.push(
                    Diagnostic::warning(
                        "holiday-in-effective-range",
                        context.at(holiday),
                        format!("calendars.{name}.holidays[{index}]"),
                        format!("holiday {day} is outside the contract's effective range"),
                    )
                    .with_hint(
                        "check the year: holiday lists are often copied from the previous contract",
                    ),
                );
            }
        }
    }
    diagnostics
}

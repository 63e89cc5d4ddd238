//! Checks on values that parse but are probably not what the author meant.

use chrono::NaiveDate;

use super::{Context, bands};
use crate::error::Diagnostic;
use crate::money::{Amount, Decimal, HUNDRED, parse_percent};

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
    match Amount::parse(&per_service.value.0) {
        Ok(Amount::PercentOfFee(percent)) if percent > HUNDRED => vec![
            Diagnostic::error(
                "cap-not-above-100-percent",
                context.at(per_service),
                "credits.cap.per_service",
                format!("a cap of {percent}% of the fee is above 100 %"),
            )
            .with_hint("a credit cap is at most the fee: `per_service: 100%`, or an amount like `per_service: 5000.00`"),
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
/// credits no more than a more lenient one.
pub(super) fn check_bands_overlap_or_gap(context: &Context<'_>) -> Vec<Diagnostic> {
    let contract = context.contract;
    let Some(credits) = &contract.credits else {
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    for (rule_index, rule) in credits.value.rules.iter().enumerate() {
        let Some(raw_bands) = &rule.value.bands else {
            continue;
        };
        let parsed: Vec<(Decimal, Option<Amount>)> = raw_bands
            .iter()
            .filter_map(|band| {
                let threshold = band
                    .value
                    .below
                    .as_ref()
                    .or(band.value.at_or_below.as_ref())?;
                Some((
                    parse_percent(&threshold.value.0).ok()?,
                    Amount::parse(&band.value.credit.value.0).ok(),
                ))
            })
            .collect();
        // Misordered bands are `bands-ordered`'s error; judging gaps in them would only echo it.
        if parsed.windows(2).any(|pair| pair[1].0 >= pair[0].0) {
            continue;
        }
        for (position, pair) in parsed.windows(2).enumerate() {
            if let ((_, Some(lenient)), (_, Some(strict))) = (pair[0], pair[1])
                && std::mem::discriminant(&lenient) == std::mem::discriminant(&strict)
                && strict.number() <= lenient.number()
            {
                let band = &raw_bands[position + 1];
                diagnostics.push(
                    Diagnostic::warning(
                        "bands-overlap-or-gap",
                        context.at(&band.value.credit),
                        format!("credits.rules[{rule_index}].bands[{}].credit", position + 1),
                        format!("this stricter band credits {strict}, no more than the band before it ({lenient})"),
                    )
                    .with_hint("credits usually grow as availability falls: [{ below: 99.9, credit: 10% }, { below: 99.0, credit: 25% }]"),
                );
            }
        }
        let Some((most_lenient, _)) = parsed.first() else {
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
            if target > *most_lenient {
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

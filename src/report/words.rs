//! The words of the typed notes in the report model: credit-line derivations, rates and the caps
//! that reduced a line. Every output (table, CSV, JSON, `explain`) shows these same words.

use std::fmt::{self, Display, Formatter};

use crate::calc::model::{
    CapApplied, CapNote, Clocks, Derivation, EscalatedBreach, Escalation, Limit, Rate,
};
use crate::money::Amount;
use crate::time::{Seconds, format_duration, format_on_calendar};

/// `es` after `breach` unless there is exactly one.
fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "es" }
}

impl Display for Derivation {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Availability { availability, band } => write!(
                formatter,
                "availability {availability}% is {} (contract line {}): {} of the fee",
                band.describe(),
                band.line,
                band.credit
            ),
            Self::PerBreach {
                breaches,
                target,
                credit,
                escalated,
            } => {
                write!(
                    formatter,
                    "{breaches} {} breach{} x {credit}{}",
                    target.name(),
                    plural(*breaches),
                    if matches!(credit, Amount::PercentOfFee(_)) {
                        " of the fee"
                    } else {
                        ""
                    }
                )?;
                write_escalated(formatter, escalated)
            }
            Self::PerUnitLate {
                units,
                unit,
                breaches,
                target,
                credit,
                max_per_incident,
                escalated,
                clocks,
            } => {
                write!(
                    formatter,
                    "{units} started {} on {breaches} {} breach{} x {credit}",
                    lateness_unit(*unit, clocks),
                    target.name(),
                    plural(*breaches as u64)
                )?;
                if let Some(max) = max_per_incident {
                    write!(formatter, ", at most {max} per incident")?;
                }
                write_escalated(formatter, escalated)
            }
            Self::PerUnitDown {
                downtime,
                min_outage,
                units,
                unit,
                credit,
                office_hours,
            } => {
                let clock = office_hours.as_deref();
                write!(
                    formatter,
                    "{} of outages of at least {} = {units} started {} x {credit}",
                    format_on_calendar(*downtime, clock),
                    format_on_calendar(*min_outage, clock),
                    format_on_calendar(*unit, clock)
                )
            }
            Self::DowntimeMultiple {
                multiplier,
                downtime,
                measured,
                office_hours,
            } => {
                let clock = office_hours.as_deref();
                write!(
                    formatter,
                    "{multiplier} x the fee for {} of downtime out of {} measured",
                    format_on_calendar(*downtime, clock),
                    format_on_calendar(*measured, clock)
                )
            }
        }
    }
}

/// `1h of lateness`, the unit on the clock the breaches were measured on: `1h of office hours
/// (office) of lateness` when all of them ran on one office-hours calendar, and a note of the
/// clocks when they ran on several.
fn lateness_unit(unit: Seconds, clocks: &Clocks) -> String {
    match clocks.office_hours.as_slice() {
        [] => format!("{} of lateness", format_duration(unit)),
        [calendar] if !clocks.around_the_clock => {
            format!("{} of lateness", format_on_calendar(unit, Some(calendar)))
        }
        calendars => format!(
            "{} of lateness (counted{} in office hours ({}) where a target is measured on them)",
            format_duration(unit),
            if clocks.around_the_clock {
                " around the clock, or"
            } else {
                ""
            },
            calendars.join(", ")
        ),
    }
}

/// `; escalated: INC-3 (why), INC-4 (why)`, or nothing when no breach was escalated.
fn write_escalated(formatter: &mut Formatter<'_>, escalated: &[EscalatedBreach]) -> fmt::Result {
    for (index, breach) in escalated.iter().enumerate() {
        let lead = if index == 0 { "; escalated: " } else { ", " };
        write!(
            formatter,
            "{lead}{} ({})",
            breach.incident, breach.escalation
        )?;
    }
    Ok(())
}

impl Display for Escalation {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "breach {} within {} under `{}` (contract line {}): x{}",
            self.count,
            format_duration(self.within),
            self.rule,
            self.line,
            self.multiplier
        )
    }
}

impl Display for Rate {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Amount(amount) => amount.fmt(formatter),
            Self::Multiple(multiplier) => write!(formatter, "{multiplier}x"),
        }
    }
}

impl Display for CapApplied {
    /// The notes in the order applied, separated by `; `.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        for (index, note) in self.0.iter().enumerate() {
            if index > 0 {
                formatter.write_str("; ")?;
            }
            note.fmt(formatter)?;
        }
        Ok(())
    }
}

impl Display for CapNote {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cap { cap, reduced_by } => {
                let name = match cap.limit {
                    Limit::PerService => "per_service",
                    Limit::PerPeriod => "per_period",
                    Limit::PerYear { .. } => "per_year",
                };
                write!(
                    formatter,
                    "{name} cap {} = {} {}",
                    cap.rate, cap.amount, cap.currency
                )?;
                if let Limit::PerYear { start, used } = cap.limit {
                    write!(
                        formatter,
                        " for the contract year from {start}, {used} already credited"
                    )?;
                }
                write!(formatter, ": reduced by {reduced_by}")
            }
            Self::Minimum { minimum, withheld } => {
                write!(
                    formatter,
                    "below the minimum {minimum}: {withheld} not issued"
                )
            }
        }
    }
}

//! Contract durations: `30s`, `15m`, `4h`, `3d`, `1h30m`, always whole seconds.

use super::Seconds;

/// The longest duration anything slacredit reads may state: 3650 days (ten years). No target,
/// claim window, escalation window, maintenance notice or cap, credit unit, or pause total of a
/// real contract or ticket comes near it, and with it every deadline and look-back stays far
/// inside the calendar (an instant of year 9999 plus this is still a valid date) and every
/// product of a duration with a count of breaches stays far inside `i64`.
pub const MAX_DURATION: Seconds = 3_650 * 86_400;

/// [`parse_duration`], refusing anything longer than [`MAX_DURATION`] with the bound in the
/// message.
pub fn parse_bounded_duration(text: &str) -> Result<Seconds, String> {
    let seconds = parse_duration(text)?;
    check_duration_bound(text, seconds)
}

/// `seconds` (written `text`) when it is at most [`MAX_DURATION`]; an error naming the bound
/// otherwise.
pub fn check_duration_bound(text: &str, seconds: Seconds) -> Result<Seconds, String> {
    if seconds > MAX_DURATION {
        Err(format!(
            "`{text}` is longer than 3650d (ten years), the longest duration slacredit accepts"
        ))
    } else {
        Ok(seconds)
    }
}

/// Parses a duration such as `15m` or `1h30m` into seconds. `d` is 24 hours.
///
/// Units must appear from largest to smallest, each at most once, and a bare number is refused
/// (is `15` minutes or hours?) so a contract never means something its author did not write.
pub fn parse_duration(text: &str) -> Result<Seconds, String> {
    let invalid =
        || format!("`{text}` is not a duration (write it like `15m`, `4h`, `3d` or `1h30m`)");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(invalid());
    }
    let mut total: Seconds = 0;
    let mut number: Option<Seconds> = None;
    let mut last_unit_rank = usize::MAX;
    for c in trimmed.chars() {
        if let Some(digit) = c.to_digit(10) {
            let value = number
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|value| value.checked_add(Seconds::from(digit)))
                .ok_or_else(invalid)?;
            number = Some(value);
            continue;
        }
        let (rank, unit_seconds) = match c {
            'd' => (3, 86_400),
            'h' => (2, 3_600),
            'm' => (1, 60),
            's' => (0, 1),
            _ => return Err(invalid()),
        };
        let value = number.take().ok_or_else(invalid)?;
        if rank >= last_unit_rank {
            return Err(invalid());
        }
        last_unit_rank = rank;
        total = value
            .checked_mul(unit_seconds)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
    }
    if number.is_some() {
        return Err(format!(
            "`{text}` has no unit: write `{text}m` for minutes or `{text}h` for hours"
        ));
    }
    Ok(total)
}

/// Renders seconds the way contracts write them: `1h30m`, `15m`, `0s`; negative with a `-`.
pub fn format_duration(seconds: Seconds) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut rest = seconds.unsigned_abs();
    let mut text = String::new();
    if seconds < 0 {
        text.push('-');
    }
    for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if rest >= size {
            text.push_str(&(rest / size).to_string());
            text.push(unit);
            rest %= size;
        }
    }
    text
}

/// A duration measured on a calendar, for people: around the clock (`office_hours` is `None`)
/// as contracts write it (`2d2h`); on an office-hours calendar as hours of its opening time with
/// the calendar's name (`50h of office hours (business)`), since a day of office time is not the
/// 24 hours `2d2h` would say.
pub fn format_on_calendar(seconds: Seconds, office_hours: Option<&str>) -> String {
    let Some(calendar) = office_hours else {
        return format_duration(seconds);
    };
    let hours = seconds / 3_600;
    let text = if hours == 0 {
        format_duration(seconds)
    } else {
        // Whole hours first, the rest (minutes and seconds, never a day) after them.
        let rest = seconds % 3_600;
        let rest = if rest == 0 {
            String::new()
        } else {
            format_duration(rest.abs())
        };
        format!("{hours}h{rest}")
    };
    format!("{text} of office hours ({calendar})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_to_seconds() {
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("4h"), Ok(14_400));
        assert_eq!(parse_duration("3d"), Ok(259_200));
        // 1 h 30 min = 3600 + 1800 = 5400 s.
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
    }

    #[test]
    fn ambiguous_or_malformed_durations_are_refused() {
        assert!(parse_duration("15").unwrap_err().contains("no unit"));
        for text in [
            "",
            "m",
            "1x",
            "30m1h",
            "1h1h",
            "1.5h",
            "-5m",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn durations_are_bounded_at_ten_years() {
        // 3650 d × 86,400 s = 315,360,000 s.
        assert_eq!(MAX_DURATION, 315_360_000);
        assert_eq!(parse_bounded_duration("3650d"), Ok(315_360_000));
        assert_eq!(
            parse_bounded_duration("3650d1s"),
            Err("`3650d1s` is longer than 3650d (ten years), the longest duration slacredit accepts".to_owned())
        );
        // Parsed without overflow, then refused by the bound rather than wrapping.
        assert!(
            parse_bounded_duration("100000000d")
                .unwrap_err()
                .contains("3650d")
        );
        assert!(
            parse_bounded_duration("9223372036854775807s")
                .unwrap_err()
                .contains("3650d")
        );
        // Past i64 the text is not a duration at all.
        assert!(
            parse_bounded_duration("9223372036854775808s")
                .unwrap_err()
                .contains("not a duration")
        );
    }

    #[test]
    fn office_hours_are_written_as_hours_of_opening_time() {
        // 50 h of opening time = 180,000 s: as a 24-hour duration that would read `2d2h`.
        assert_eq!(format_duration(180_000), "2d2h");
        assert_eq!(
            format_on_calendar(180_000, Some("business")),
            "50h of office hours (business)"
        );
        // 4 h 30 min = 16,200 s; 45 min = 2,700 s; nothing = 0 s.
        assert_eq!(
            format_on_calendar(16_200, Some("office")),
            "4h30m of office hours (office)"
        );
        assert_eq!(
            format_on_calendar(2_700, Some("office")),
            "45m of office hours (office)"
        );
        assert_eq!(
            format_on_calendar(0, Some("office")),
            "0s of office hours (office)"
        );
        assert_eq!(
            format_on_calendar(-3_660, Some("office")),
            "-1h1m of office hours (office)"
        );
        // Around the clock nothing changes.
        assert_eq!(format_on_calendar(180_000, None), "2d2h");
    }

    #[test]
    fn durations_render_back() {
        assert_eq!(format_duration(5_400), "1h30m");
        assert_eq!(format_duration(90_061), "1d1h1m1s");
        assert_eq!(format_duration(-60), "-1m");
    }
}

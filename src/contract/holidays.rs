//! Holiday `.ics` files named by a contract: read only when they are regular files inside the
//! contract's directory and at most [`MAX_HOLIDAY_FILE_BYTES`] long, so a committed symlink to
//! `/proc/self/environ`, `/dev/zero` or a FIFO is refused by name, never read, and no message
//! quotes more than a short escaped excerpt of what a file holds.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use chrono::NaiveDate;

use crate::escape::{escape_controls, excerpt};
use crate::time::check_date_bound;

/// The largest holiday file read: 1 MiB, some five thousand events, decades of public holidays.
pub const MAX_HOLIDAY_FILE_BYTES: u64 = 1 << 20;

/// The longest all-day event counted as holidays: 366 days. A longer one is a mistake (or an
/// attempt to make one event expand to millions of dates).
pub const MAX_EVENT_DAYS: u64 = 366;

/// How many characters of a file's content or of an event's summary a message quotes.
const EXCERPT_CHARS: usize = 40;

/// The dates of the all-day events in an iCalendar file (`path` relative to the directory of
/// `contract_file`): each event covers `DTSTART` up to, not including, `DTEND` (one day without
/// `DTEND`).
pub fn holidays_from_ics(contract_file: &str, path: &str) -> Result<Vec<NaiveDate>, String> {
    use icalendar::{Component, DatePerhapsTime};
    let directory = match Path::new(contract_file).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let full = directory.join(path);
    let shown = escape_controls(&full.display().to_string()).into_owned();
    let text = read_inside(directory, &full, &shown)?;
    let calendar: icalendar::Calendar = text.parse().map_err(|_| {
        format!(
            "{shown} is not an iCalendar file (BEGIN:VCALENDAR … END:VCALENDAR); it starts with `{}`",
            excerpt(&text, EXCERPT_CHARS)
        )
    })?;
    let mut dates = Vec::new();
    for event in calendar.events() {
        let summary = event.get_summary().map_or_else(
            || "an event".to_owned(),
            |text| excerpt(text, EXCERPT_CHARS),
        );
        let Some(DatePerhapsTime::Date(start)) = event.get_start() else {
            return Err(format!(
                "{shown}: `{summary}` is not an all-day event; only whole days can be holidays"
            ));
        };
        let end = match event.get_end() {
            Some(DatePerhapsTime::Date(end)) if end > start => end,
            _ => start.succ_opt().unwrap_or(start),
        };
        for date in [start, end.pred_opt().unwrap_or(end)] {
            check_date_bound(&date.to_string(), date)
                .map_err(|message| format!("{shown}: `{summary}`: {message}"))?;
        }
        if end.signed_duration_since(start).num_days() > MAX_EVENT_DAYS as i64 {
            return Err(format!(
                "{shown}: `{summary}` lasts more than {MAX_EVENT_DAYS} days, the longest event counted as holidays"
            ));
        }
        dates.extend(start.iter_days().take_while(|date| *date < end));
    }
    Ok(dates)
}

/// The text of `full` (shown as `shown`) when it is a regular UTF-8 file of at most
/// [`MAX_HOLIDAY_FILE_BYTES`] whose real path, symlinks resolved, lies inside `directory`.
fn read_inside(directory: &Path, full: &Path, shown: &str) -> Result<String, String> {
    let cannot = |error: std::io::Error| format!("cannot read holidays from {shown}: {error}");
    let root = directory.canonicalize().map_err(cannot)?;
    let real = full.canonicalize().map_err(cannot)?;
    if !real.starts_with(&root) {
        return Err(format!(
            "{shown} is outside the contract's directory {}; a holiday file must be inside it (a symlink may not lead out)",
            escape_controls(&directory.display().to_string())
        ));
    }
    let not_regular = || {
        format!(
            "{shown} is not a regular file; a holiday file cannot be a directory, device or FIFO"
        )
    };
    // Looked at before opening, so a FIFO or a device is never opened; and again on the open
    // file (which cannot block: non-blocking on Unix), in case the path changed in between.
    if !std::fs::metadata(&real).map_err(cannot)?.is_file() {
        return Err(not_regular());
    }
    let file = open_without_blocking(&real).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let too_large = || {
        format!(
            "{shown} is larger than {} KiB, the most a holiday file may be",
            MAX_HOLIDAY_FILE_BYTES / 1024
        )
    };
    if metadata.len() > MAX_HOLIDAY_FILE_BYTES {
        return Err(too_large());
    }
    // Read at most one byte past the limit: a file that grows, or reports no size, stops there.
    let mut bytes = Vec::new();
    file.take(MAX_HOLIDAY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_HOLIDAY_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|error| {
        let (line, column) = super::load::utf8_position(error.as_bytes(), error.utf8_error());
        format!("{shown} is not UTF-8: the byte at line {line}, column {column} is not valid UTF-8")
    })
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn contract_in(directory: &Path) -> String {
        directory.join("c.yaml").display().to_string()
    }

    fn temporary(name: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("slacredit-holidays-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&directory).expect("temp dir");
        directory
    }

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Break\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn a_calendar_inside_the_directory_is_read() {
        let directory = temporary("inside");
        std::fs::write(directory.join("h.ics"), ICS).expect("write");
        // 24 December up to, not including, 27 December: three days.
        let dates = holidays_from_ics(&contract_in(&directory), "h.ics").expect("reads");
        assert_eq!(
            dates,
            ["2026-12-24", "2026-12-25", "2026-12-26"]
                .map(|text| text.parse::<NaiveDate>().expect("date"))
        );
    }

    #[test]
    fn a_path_leading_out_of_the_directory_is_refused() {
        let directory = temporary("outside");
        let inner = directory.join("contracts");
        std::fs::create_dir_all(&inner).expect("dir");
        std::fs::write(directory.join("h.ics"), ICS).expect("write");
        let error = holidays_from_ics(&contract_in(&inner), "../h.ics").unwrap_err();
        assert!(
            error.contains("is outside the contract's directory"),
            "{error}"
        );
    }

    #[test]
    fn an_oversized_file_is_refused_without_quoting_it() {
        let directory = temporary("large");
        let big = "X".repeat(MAX_HOLIDAY_FILE_BYTES as usize + 1);
        std::fs::write(directory.join("h.ics"), &big).expect("write");
        let error = holidays_from_ics(&contract_in(&directory), "h.ics").unwrap_err();
        assert!(
            error.ends_with("h.ics is larger than 1024 KiB, the most a holiday file may be"),
            "{error}"
        );
    }

    #[test]
    fn a_file_that_is_no_calendar_is_quoted_by_a_short_escaped_excerpt() {
        let directory = temporary("environ");
        std::fs::write(
            directory.join("h.ics"),
            "AWS_SECRET_ACCESS_KEY=\u{1b}]0;abcdefghijklmnopqrstuvwxyz0123456789\nGITHUB_TOKEN=ghp_x\n",
        )
        .expect("write");
        let error = holidays_from_ics(&contract_in(&directory), "h.ics").unwrap_err();
        assert!(
            error.ends_with("it starts with `AWS_SECRET_ACCESS_KEY=\\u{1b}]0;abcdefghijklmn…`"),
            "{error}"
        );
        assert!(!error.contains("GITHUB_TOKEN"));
    }

    #[test]
    fn an_event_of_years_or_outside_the_date_range_is_refused() {
        let directory = temporary("long");
        let long = ICS.replace("DTEND;VALUE=DATE:20261227", "DTEND;VALUE=DATE:99991231");
        std::fs::write(directory.join("h.ics"), long).expect("write");
        let error = holidays_from_ics(&contract_in(&directory), "h.ics").unwrap_err();
        assert!(
            error.contains("`Break` lasts more than 366 days"),
            "{error}"
        );
        let early = ICS.replace("DTSTART;VALUE=DATE:20261224", "DTSTART;VALUE=DATE:18001224");
        std::fs::write(directory.join("h.ics"), early).expect("write");
        let error = holidays_from_ics(&contract_in(&directory), "h.ics").unwrap_err();
        assert!(error.contains("outside the years 1900 to 9999"), "{error}");
    }
}

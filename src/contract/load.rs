//! From YAML text to a checked [`Contract`]: parse the raw shape, run the named checks, then
//! convert every value, collecting all problems rather than stopping at the first.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_saphyr::Spanned;
use wildmatch::WildMatch;

use super::check;
use super::raw::{
    RawCalendar, RawContract, RawCredits, RawExclusions, RawHours, RawMaintenance, RawObligation,
    RawRule, RawService, RawSeverity, RawTarget, RawTermination, Text,
};
use super::yaml_error::yaml_diagnostic;
use super::{
    Band, Contract, Credits, Denominator, DisputedPolicy, Exclusions, Maintenance, NamedCalendar,
    Rule, RuleKind, Service, Severity, SeverityBasis, Target, TargetKind, Termination, Trigger,
};
use crate::error::{Diagnostic, Error, Level, Location};
use crate::money::{
    Amount, BareNumber, Denomination, Rounding, parse_decimal, parse_multiplier, parse_percent,
};
use crate::time::{
    BusinessCalendar, Calendar, PeriodKind, check_date_bound, parse_bounded_duration, parse_days,
    parse_interval,
};

/// Reads and checks one contract file. I/O problems are `Error::Read`; anything wrong with the
/// contract is `Error::Contract` with every diagnostic found.
pub fn load_contract_file(path: &Path) -> Result<Contract, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let file = path.display().to_string();
    let text =
        decode_text(&file, bytes).map_err(|diagnostic| Error::Contract(vec![*diagnostic]))?;
    load_contract_text(&file, &text).map_err(Error::Contract)
}

/// The text of a file read as `bytes`: UTF-8, or one `schema` diagnostic at the line and column
/// of the first byte that is not.
pub fn decode_text(file: &str, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    String::from_utf8(bytes)
        .map_err(|error| Box::new(utf8_diagnostic(file, error.as_bytes(), error.utf8_error())))
}

/// The `schema` diagnostic of `file`, whose `bytes` are not UTF-8 as `error` says: one message
/// at the line and column of the first bad byte.
pub fn utf8_diagnostic(file: &str, bytes: &[u8], error: std::str::Utf8Error) -> Diagnostic {
    let (line, column) = utf8_position(bytes, error);
    let byte = bytes[error.valid_up_to()];
    Diagnostic::error(
        "schema",
        Location {
            file: file.to_owned(),
            line,
            column,
        },
        "",
        format!("the file is not UTF-8: byte 0x{byte:02X} here is not valid UTF-8"),
    )
    .with_hint(
        "save the file as UTF-8 (a Latin-1 `é` is the single byte 0xE9; in UTF-8 it is 0xC3 0xA9)",
    )
}

/// The line and column, from 1, of the first byte of `bytes` that `error` says is not UTF-8;
/// the column counts characters, as the YAML reader's columns do.
pub(super) fn utf8_position(bytes: &[u8], error: std::str::Utf8Error) -> (u32, u32) {
    let valid = &bytes[..error.valid_up_to()];
    let line_start = valid
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let line = bytecount::count(valid, b'\n') + 1;
    let column =
        std::str::from_utf8(&valid[line_start..]).map_or(0, |text| text.chars().count()) + 1;
    (line as u32, column as u32)
}

/// Checks contract `text` read from `file`. On success the contract carries its warnings.
pub fn load_contract_text(file: &str, text: &str) -> Result<Contract, Vec<Diagnostic>> {
    load_contract_text_with(file, text, &|_| true)
}

/// [`load_contract_text`] running only the named checks `selected` accepts; the checks made
/// while converting values (`schema`, `invalid-value`, `calendar-intervals-valid`) always run,
/// since without them there is no contract.
pub fn load_contract_text_with(
    file: &str,
    text: &str,
    selected: &dyn Fn(&str) -> bool,
) -> Result<Contract, Vec<Diagnostic>> {
    let raw = parse_contract(file, text).map_err(|diagnostic| vec![*diagnostic])?;
    let mut diagnostics = check::run_selected_checks(file, &raw, selected);
    let mut contract = Converter {
        file,
        text,
        diagnostics: &mut diagnostics,
        calendar_names: Vec::new(),
        denomination: denomination(&raw),
    }
    .contract(&raw);
    if diagnostics
        .iter()
        .any(|diagnostic| diagnostic.level == Level::Error)
    {
        return Err(diagnostics);
    }
    contract.warnings = diagnostics;
    Ok(contract)
}

/// Parses the YAML shape strictly: unknown keys, duplicate keys and YAML 1.1 booleans (`yes`,
/// `no`) are errors, reported in contract words at the offending character with its YAML path.
pub fn parse_contract(file: &str, text: &str) -> Result<RawContract, Box<Diagnostic>> {
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false, };
    serde_saphyr::from_str_with_options::<RawContract>(text, options).map_err(|error| {
        let mut diagnostic = yaml_diagnostic(file, text, &error);
        if let serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } = &error
            && let Some(first) = first_definition(
                text,
                key,
                diagnostic.location.line,
                diagnostic.location.column,
            )
        {
            write!(diagnostic.message, " (first defined at line {first})")
                .expect("writing to a String cannot fail");
        }
        Box::new(diagnostic)
    })
}

/// The line where `key` was first defined in the mapping that repeats it at `line:column`: the
/// nearest line above at the same indentation that defines it, with no line less indented in
/// between (which would end the mapping).
fn first_definition(text: &str, key: &str, line: u32, column: u32) -> Option<usize> {
    let indent = column.saturating_sub(1) as usize;
    let lines: Vec<&str> = text.lines().collect();
    for number in (1..line as usize).rev() {
        let candidate = lines.get(number - 1)?;
        let content = candidate.trim_start();
        let depth = candidate.len() - content.len();
        if content.is_empty() || content.starts_with('#') || depth > indent {
            continue;
        }
        if depth < indent {
            return None;
        }
        let defined = content
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'));
        if defined {
            return Some(number);
        }
    }
    None
}

/// The YAML reader's message for people, without its own " at line L, column C" suffix (the
/// location is printed in front).
pub fn yaml_message(error: &serde_saphyr::Error) -> String {
    let options = serde_saphyr::render_options! {
        formatter: &serde_saphyr::UserMessageFormatter,
        snippets: serde_saphyr::SnippetMode::Off,
    };
    let rendered = error.render_with_options(options);
    rendered
        .rsplit_once(" at line ")
        .map_or(rendered.as_str(), |(message, _)| message)
        .to_owned()
}

/// The most decimal places `credits.rounding.places` may keep; no currency uses more.
const MOST_PLACES: u32 = 6;

/// The currency and places the contract `raw` states its amounts in: `currency`, and
/// `credits.rounding.places` as [`Converter::credits`] reads it (2 when absent).
pub(crate) fn denomination(raw: &RawContract) -> Denomination<'_> {
    let places = raw
        .credits
        .as_ref()
        .and_then(|credits| credits.value.rounding.as_ref())
        .map_or(Rounding::default().places, |rounding| {
            rounding.value.places.value.min(MOST_PLACES)
        });
    Denomination {
        currency: &raw.currency.value,
        places,
    }
}

/// Where a spanned value is.
pub fn location_of<T>(file: &str, value: &Spanned<T>) -> Location {
    Location {
        file: file.to_owned(),
        line: value.referenced.line() as u32,
        column: value.referenced.column() as u32,
    }
}

struct Converter<'a> {
    file: &'a str,
    /// The file's text, to place a mistake inside a multi-line value (`claim.rs`).
    text: &'a str,
    diagnostics: &'a mut Vec<Diagnostic>,
    /// Calendar names by index: `always` first, then the declared ones in name order.
    calendar_names: Vec<String>,
    /// The currency an amount may name, and the places a message writes it with.
    denomination: Denomination<'a>,
}

impl Converter<'_> {
    fn error<T>(&mut self, value: &Spanned<T>, path: &str, message: String) {
        self.diagnostics.push(Diagnostic::error(
            "invalid-value",
            location_of(self.file, value),
            path,
            message,
        ));
    }

    /// An `invalid-value` error for a keyword outside `known`, with the closest one as a hint.
    fn unknown(&mut self, value: &Spanned<String>, path: &str, message: String, known: &[&str]) {
        let mut diagnostic = Diagnostic::error(
            "invalid-value",
            location_of(self.file, value),
            path,
            message,
        );
        diagnostic.hint =
            crate::contract::suggest::did_you_mean(&value.value, known.iter().copied());
        self.diagnostics.push(diagnostic);
    }

    fn parsed<T, V>(
        &mut self,
        value: &Spanned<V>,
        path: &str,
        parse: impl FnOnce(&V) -> Result<T, String>,
    ) -> Option<T> {
        match parse(&value.value) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                self.error(value, path, message);
                None
            }
        }
    }

    /// A credit or cap at `path`: `20%`, `20.00 EUR`, or a bare `20` that `bare` says is an
    /// amount or an error.
    fn amount(&mut self, value: &Spanned<Text>, path: &str, bare: BareNumber) -> Option<Amount> {
        match Amount::parse(&value.value.0, self.denomination, bare) {
            Ok(amount) => Some(amount),
            Err(error) => {
                let mut diagnostic = Diagnostic::error(
                    "invalid-value",
                    location_of(self.file, value),
                    path,
                    error.message,
                );
                diagnostic.hint = error.hint;
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    fn date(&mut self, value: &Spanned<String>, path: &str) -> Option<NaiveDate> {
        self.parsed(value, path, |text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| format!("`{text}` is not a date (write it like 2026-01-01)"))
                .and_then(|date| check_date_bound(text, date))
        })
    }

    fn period(&mut self, raw: &RawContract) -> PeriodKind {
        match raw
            .period
            .as_ref()
            .map(|period| (period, period.value.as_str()))
        {
            None | Some((_, "month")) => PeriodKind::Month,
            Some((_, "quarter")) => PeriodKind::Quarter,
            Some((period, other)) => {
                self.unknown(
                    period,
                    "period",
                    format!("unknown period `{other}` (expected month or quarter)"),
                    &["month", "quarter"],
                );
                PeriodKind::Month
            }
        }
    }

    fn check_currency(&mut self, raw: &RawContract) {
        if !crate::money::is_currency_code(&raw.currency.value) {
            let message = format!(
                "`{}` is not an ISO 4217 currency code (like EUR or USD)",
                raw.currency.value
            );
            self.error(&raw.currency, "currency", message);
        }
    }

    fn severity_basis(&mut self, raw: &RawContract) -> SeverityBasis {
        raw.severity_basis
            .as_ref()
            .map_or(SeverityBasis::Highest, |basis| match basis.value.as_str() {
                "highest" => SeverityBasis::Highest,
                "final" => SeverityBasis::Final,
                "initial" => SeverityBasis::Initial,
                other => {
                    self.unknown(
                        basis,
                        "severity_basis",
                        format!(
                            "unknown severity_basis `{other}` (expected highest, final or initial)"
                        ),
                        &["highest", "final", "initial"],
                    );
                    SeverityBasis::Highest
                }
            })
    }

    fn contract(&mut self, raw: &RawContract) -> Contract {
        let period = self.period(raw);
        let timezone = raw.timezone.value.parse::<Tz>().unwrap_or(chrono_tz::UTC);
        let effective_from = self.date(&raw.effective.value.from, "effective.from");
        let effective_to = raw
            .effective
            .value
            .to
            .as_ref()
            .and_then(|to| self.date(to, "effective.to"));
        self.check_currency(raw);
        let calendars = self.calendars(raw, timezone);
        let severity_basis = self.severity_basis(raw);
        let services = raw
            .services
            .iter()
            .enumerate()
            .map(|(index, service)| self.service(index, service))
            .collect();
        let severities = raw
            .severities
            .iter()
            .enumerate()
            .map(|(index, severity)| self.severity(index, severity))
            .collect();
        let notify = raw
            .notifications
            .as_ref()
            .and_then(|notifications| notifications.value.data_breach.as_ref())
            .and_then(|duty| self.obligation(duty, "notifications.data_breach"));
        let termination = raw
            .termination
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(index, trigger)| self.termination(raw, index, trigger))
            .collect();
        let credits = raw.credits.as_ref().map_or_else(
            || Credits {
                rounding: Rounding::default(),
                per_service_cap: None,
                per_period_cap: None,
                per_year_cap: None,
                minimum: None,
                claim: None,
                cap_at: None,
                minimum_at: None,
                rules: Vec::new(),
            },
            |credits| self.credits(raw, &credits.value),
        );
        Contract {
            file: self.file.to_owned(),
            id: raw.id.value.clone(),
            id_location: location_of(self.file, &raw.id),
            title: raw
                .title
                .as_ref()
                .map_or_else(String::new, |title| title.value.clone()),
            provider: raw.provider.value.clone(),
            customer: raw.customer.value.clone(),
            currency: raw.currency.value.clone(),
            timezone,
            effective_from: effective_from.unwrap_or_default(),
            effective_to,
            period,
            calendars,
            services,
            severities,
            credits,
            severity_basis,
            exclusions: raw
                .exclusions
                .as_ref()
                .map_or_else(Exclusions::default, |exclusions| {
                    self.exclusions(&exclusions.value)
                }),
            maintenance: raw
                .maintenance
                .as_ref()
                .map(|maintenance| self.maintenance(&maintenance.value, timezone)),
            notify,
            termination,
            invoice: raw
                .invoice
                .as_ref()
                .map_or_else(Default::default, |invoice| {
                    super::invoice::convert(self.file, self.text, invoice, self.diagnostics)
                }),
            warnings: Vec::new(),
        }
    }

    fn service(&mut self, index: usize, raw: &Spanned<RawService>) -> Service {
        let path = format!("services[{index}]");
        let service = &raw.value;
        let fee = self.parsed(&service.fee, &format!("{path}.fee"), |text| {
            non_negative(parse_decimal(&text.0))
        });
        let availability_calendar = service
            .availability
            .as_ref()
            .and_then(|availability| availability.value.calendar.as_ref())
            .map_or(0, |calendar| {
                self.calendar(calendar, &format!("{path}.availability.calendar"))
            });
        let availability_target = service.availability.as_ref().and_then(|availability| {
            let target_path = format!("{path}.availability.target");
            self.parsed(&availability.value.target, &target_path, |text| {
                percent_in_range(&text.0)
            })
        });
        Service {
            id: service.id.value.clone(),
            name: service
                .name
                .as_ref()
                .map_or_else(|| service.id.value.clone(), |name| name.value.clone()),
            matchers: service
                .patterns
                .iter()
                .map(|pattern| WildMatch::new(&pattern.value))
                .collect(),
            fee: fee.unwrap_or_default(),
            availability_target,
            availability_calendar,
            line: raw.referenced.line() as u32,
        }
    }

    /// The index of the calendar `name` refers to; an unknown name is an error (and gives 0).
    fn calendar(&mut self, name: &Spanned<String>, path: &str) -> usize {
        if let Some(index) = self
            .calendar_names
            .iter()
            .position(|known| *known == name.value)
        {
            return index;
        }
        let known: Vec<&str> = self.calendar_names.iter().map(String::as_str).collect();
        let hint = match crate::contract::suggest::closest(&name.value, known.iter().copied()) {
            Some(calendar) => format!(
                "did you mean `{calendar}`? Known calendars: {}; declare others under `calendars:`",
                known.join(", ")
            ),
            None => format!(
                "declare it under `calendars:`; known calendars: {}",
                known.join(", ")
            ),
        };
        self.diagnostics.push(
            Diagnostic::error(
                "references-exist",
                location_of(self.file, name),
                path,
                format!("unknown calendar `{}`", name.value),
            )
            .with_hint(hint),
        );
        0
    }

    fn maintenance(&mut self, raw: &RawMaintenance, zone: Tz) -> Maintenance {
        let mut weekly: [Vec<(u32, u32)>; 7] = Default::default();
        let mut dated: BTreeMap<NaiveDate, Vec<(u32, u32)>> = BTreeMap::new();
        for (index, window) in raw.windows.iter().enumerate() {
            let path = format!("maintenance.windows[{index}]");
            let window = &window.value;
            let text = format!("{}-{}", window.from.value, window.to.value);
            let Some(interval) = self.parsed(&window.from, &format!("{path}.from"), |_| {
                parse_interval(&text)
            }) else {
                continue;
            };
            match (&window.weekly, &window.date) {
                (Some(days), None) => {
                    if let Some(days) =
                        self.parsed(days, &format!("{path}.weekly"), |days| parse_days(days))
                    {
                        for day in days {
                            weekly[day].push(interval);
                        }
                    }
                }
                (None, Some(date)) => {
                    if let Some(date) = self.date(date, &format!("{path}.date")) {
                        dated.entry(date).or_default().push(interval);
                    }
                }
                _ => self.error(
                    &window.from,
                    &path,
                    "a window needs exactly one of `weekly` (e.g. sun) or `date` (e.g. 2026-12-27)"
                        .to_owned(),
                ),
            }
        }
        for intervals in weekly.iter_mut().chain(dated.values_mut()) {
            intervals.sort_unstable();
        }
        let duration = |converter: &mut Self, value: &Option<Spanned<Text>>, key: &str| {
            value.as_ref().and_then(|value| {
                converter.parsed(value, &format!("maintenance.{key}"), |text| {
                    parse_bounded_duration(&text.0)
                })
            })
        };
        let notice = duration(self, &raw.notice, "notice").unwrap_or(0);
        let cap = duration(self, &raw.cap, "cap");
        let denominator = match raw
            .denominator
            .as_ref()
            .map(|value| (value, value.value.as_str()))
        {
            None | Some((_, "exclude")) => Denominator::Exclude,
            Some((_, "available")) => Denominator::Available,
            Some((value, other)) => {
                self.unknown(
                    value,
                    "maintenance.denominator",
                    format!("unknown denominator `{other}` (expected exclude or available)"),
                    &["exclude", "available"],
                );
                Denominator::Exclude
            }
        };
        let windows = Calendar::Business(Box::new(BusinessCalendar::new(
            zone,
            weekly,
            std::collections::BTreeSet::new(),
            dated,
        )));
        Maintenance {
            windows,
            notice,
            cap,
            denominator,
        }
    }

    fn exclusions(&mut self, raw: &RawExclusions) -> Exclusions {
        let disputed = match raw
            .disputed
            .as_ref()
            .map(|policy| (policy, policy.value.as_str()))
        {
            None | Some((_, "pending")) => DisputedPolicy::Pending,
            Some((_, "count")) => DisputedPolicy::Count,
            Some((policy, other)) => {
                self.unknown(
                    policy,
                    "exclusions.disputed",
                    format!("unknown `disputed: {other}` (expected pending or count)"),
                    &["pending", "count"],
                );
                DisputedPolicy::Pending
            }
        };
        Exclusions {
            causes: raw
                .causes
                .iter()
                .map(|cause| cause.value.trim().to_owned())
                .collect(),
            disputed,
        }
    }

    /// The built-in `always` and every declared calendar, in name order.
    fn calendars(&mut self, raw: &RawContract, contract_zone: Tz) -> Vec<NamedCalendar> {
        let mut calendars = vec![NamedCalendar {
            name: "always".to_owned(),
            calendar: Calendar::Always,
        }];
        for (name, entry) in raw.calendars.iter().flatten() {
            let calendar = match &entry.value {
                RawCalendar::AllDay => Calendar::Always,
                RawCalendar::Hours(hours) => self.hours(name, hours, contract_zone),
            };
            if let Calendar::Business(business) = &calendar
                && business.weekly().iter().all(Vec::is_empty)
                && business.dated().is_empty()
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "calendar-intervals-valid",
                        location_of(self.file, entry),
                        format!("calendars.{name}"),
                        format!("calendar `{name}` has no opening hours, so no target measured in it could ever fall due"),
                    )
                    .with_hint("weekly: { mon-fri: [\"08:00-18:00\"] }"),
                );
            }
            if name == "always" {
                if !calendar.is_always() {
                    self.error(
                        entry,
                        "calendars.always",
                        "`always` is the built-in 24x7 calendar and cannot be redefined".to_owned(),
                    );
                }
                continue;
            }
            calendars.push(NamedCalendar {
                name: name.clone(),
                calendar,
            });
        }
        self.calendar_names = calendars
            .iter()
            .map(|calendar| calendar.name.clone())
            .collect();
        calendars
    }

    /// A calendar's holidays: dates, and the all-day events of `.ics` files.
    fn holidays(&mut self, name: &str, hours: &RawHours) -> std::collections::BTreeSet<NaiveDate> {
        let mut holidays = std::collections::BTreeSet::new();
        for (index, holiday) in hours.holidays.iter().enumerate() {
            let path = format!("calendars.{name}.holidays[{index}]");
            if Path::new(&holiday.value)
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("ics"))
            {
                holidays.extend(
                    self.parsed(holiday, &path, |file| {
                        super::holidays::holidays_from_ics(self.file, file)
                    })
                    .unwrap_or_default(),
                );
            } else if let Some(date) = self.date(holiday, &path) {
                holidays.insert(date);
            }
        }
        holidays
    }

    fn hours(&mut self, name: &str, hours: &RawHours, contract_zone: Tz) -> Calendar {
        let zone = match &hours.timezone {
            None => contract_zone,
            Some(zone) => zone.value.parse().unwrap_or_else(|_| {
                self.diagnostics.push(
                    Diagnostic::error(
                        "timezone-known",
                        location_of(self.file, zone),
                        format!("calendars.{name}.timezone"),
                        format!("unknown timezone `{}`", zone.value),
                    )
                    .with_hint(crate::contract::suggest::timezone_hint(&zone.value)),
                );
                contract_zone
            }),
        };
        // Every interval with where it was written, so an overlap can point at the later one.
        let mut by_day: [Vec<(u32, u32, Location, String)>; 7] = Default::default();
        for (days_text, intervals) in &hours.weekly {
            let path = format!("calendars.{name}.weekly.{days_text}");
            let days = match parse_days(days_text) {
                Ok(days) => days,
                Err(message) => {
                    self.diagnostics.push(Diagnostic::error(
                        "calendar-intervals-valid",
                        location_of(self.file, intervals),
                        path,
                        message,
                    ));
                    continue;
                }
            };
            for (position, interval) in intervals.value.iter().enumerate() {
                match parse_interval(&interval.value) {
                    Ok((start, end)) => {
                        for day in &days {
                            by_day[*day].push((start, end, location_of(self.file, interval), format!("{path}[{position}]")));
                        }
                    }
                    Err(message) => self.diagnostics.push(
                        Diagnostic::error("calendar-intervals-valid", location_of(self.file, interval), format!("{path}[{position}]"), message)
                            .with_hint("opening hours are local `HH:MM-HH:MM`, e.g. [\"08:00-12:00\", \"13:00-18:00\"]"),
                    ),
                }
            }
        }
        let mut weekly: [Vec<(u32, u32)>; 7] = Default::default();
        // One message per overlapping pair of entries, naming every day it affects.
        let mut overlaps: Vec<(Location, String, String, Vec<&str>)> = Vec::new();
        for (day, intervals) in by_day.iter_mut().enumerate() {
            intervals.sort_by_key(|(start, end, ..)| (*start, *end));
            for pair in intervals.windows(2) {
                if pair[1].0 >= pair[0].1 {
                    continue;
                }
                let what = format!(
                    "{} and {}",
                    minutes_text(pair[0].0, pair[0].1),
                    minutes_text(pair[1].0, pair[1].1)
                );
                match overlaps
                    .iter_mut()
                    .find(|(location, _, known, _)| *location == pair[1].2 && *known == what)
                {
                    Some((.., days)) => days.push(DAY_NAMES[day]),
                    None => overlaps.push((
                        pair[1].2.clone(),
                        pair[1].3.clone(),
                        what,
                        vec![DAY_NAMES[day]],
                    )),
                }
            }
            weekly[day] = intervals
                .iter()
                .map(|(start, end, ..)| (*start, *end))
                .collect();
        }
        for (location, path, what, days) in overlaps {
            let message = format!("opening hours {what} overlap on {}", days.join(", "));
            self.diagnostics.push(
                Diagnostic::error("calendar-intervals-valid", location, path, message)
                    .with_hint("list each day's intervals once, without overlaps: [\"08:00-12:00\", \"13:00-18:00\"]"),
            );
        }
        let holidays = self.holidays(name, hours);
        Calendar::Business(Box::new(BusinessCalendar::new(
            zone,
            weekly,
            holidays,
            BTreeMap::new(),
        )))
    }

    fn severity(&mut self, index: usize, raw: &Spanned<RawSeverity>) -> Severity {
        let path = format!("severities[{index}]");
        let severity = &raw.value;
        let downtime_weight = severity.downtime.as_ref().and_then(|weight| {
            self.parsed(weight, &format!("{path}.downtime"), |text| {
                let weight = parse_decimal(&text.0)?;
                if weight.is_sign_negative() || weight > crate::money::Decimal::ONE {
                    return Err(format!(
                        "downtime weight `{}` must be between 0 and 1",
                        text.0
                    ));
                }
                Ok(weight)
            })
        });
        Severity {
            id: severity.id.value.clone(),
            values: severity
                .values
                .iter()
                .map(|value| value.value.trim().to_owned())
                .collect(),
            downtime_weight: downtime_weight.unwrap_or_default(),
            respond: severity
                .respond
                .as_ref()
                .and_then(|target| self.target(target, &format!("{path}.respond"))),
            resolve: severity
                .resolve
                .as_ref()
                .and_then(|target| self.target(target, &format!("{path}.resolve"))),
            rca: severity
                .rca
                .as_ref()
                .and_then(|duty| self.obligation(duty, &format!("{path}.rca"))),
        }
    }

    /// An obligation's deadline, as a target that never pauses.
    fn obligation(&mut self, raw: &Spanned<RawObligation>, path: &str) -> Option<Target> {
        let calendar = raw.value.calendar.as_ref().map_or(0, |calendar| {
            self.calendar(calendar, &format!("{path}.calendar"))
        });
        let within = self.parsed(&raw.value.within, &format!("{path}.within"), |text| {
            target_duration(&text.0)
        })?;
        Some(Target {
            within,
            calendar,
            pausable: false,
            line: raw.referenced.line() as u32,
        })
    }

    /// Indexes of the ids in `names` among `known`; unknown ids are left to `references-exist`.
    fn indexes<'k, I>(names: Option<&Vec<Spanned<String>>>, known: &I) -> Option<Vec<usize>>
    where
        I: Iterator<Item = &'k str> + Clone,
    {
        names.map(|names| {
            names
                .iter()
                .filter_map(|name| known.clone().position(|id| id == name.value))
                .collect()
        })
    }

    fn termination(
        &mut self,
        contract: &RawContract,
        index: usize,
        raw: &Spanned<RawTermination>,
    ) -> Option<Termination> {
        let path = format!("termination[{index}]");
        let value = &raw.value;
        let services = Self::indexes(
            value.services.as_ref(),
            &contract
                .services
                .iter()
                .map(|service| service.value.id.value.as_str()),
        );
        let by_availability =
            value.availability_below.is_some() || value.consecutive_periods.is_some();
        let by_breaches = value.breaches.is_some()
            || value.target.is_some()
            || value.within.is_some()
            || value.severities.is_some();
        let trigger = match (by_availability, by_breaches) {
            (true, false) => {
                let (Some(below), Some(consecutive)) =
                    (&value.availability_below, &value.consecutive_periods)
                else {
                    self.error(raw, &path, "an availability trigger needs both `availability_below` and `consecutive_periods`".to_owned());
                    return None;
                };
                let below = self.parsed(below, &format!("{path}.availability_below"), |text| {
                    percent_in_range(&text.0)
                })?;
                if !(1..=MAX_PERIODS_BACK).contains(&consecutive.value) {
                    self.error(
                        consecutive,
                        &format!("{path}.consecutive_periods"),
                        format!("`consecutive_periods` must be between 1 and {MAX_PERIODS_BACK}"),
                    );
                    return None;
                }
                Trigger::Availability {
                    below,
                    consecutive: consecutive.value,
                }
            }
            (false, true) => {
                let (Some(count), Some(target), Some(within)) =
                    (&value.breaches, &value.target, &value.within)
                else {
                    self.error(
                        raw,
                        &path,
                        "a breach trigger needs `breaches`, `target` and `within`".to_owned(),
                    );
                    return None;
                };
                let target = self.target_kind(target, &path)?;
                let within = self.parsed(within, &format!("{path}.within"), |text| {
                    positive_duration(&text.0)
                })?;
                if count.value == 0 {
                    self.error(
                        count,
                        &format!("{path}.breaches"),
                        "`breaches` must be at least 1".to_owned(),
                    );
                    return None;
                }
                Trigger::Breaches {
                    count: count.value,
                    target,
                    severities: Self::indexes(
                        value.severities.as_ref(),
                        &contract
                            .severities
                            .iter()
                            .map(|severity| severity.value.id.value.as_str()),
                    ),
                    within,
                }
            }
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "invalid-value",
                        location_of(self.file, raw),
                        path,
                        "a termination trigger is either `availability_below` + `consecutive_periods` or `breaches` + `target` + `within`",
                    )
                    .with_hint("{ availability_below: 99.0, consecutive_periods: 3 } or { breaches: 5, target: resolve, severities: [sev1], within: 90d }"),
                );
                return None;
            }
        };
        Some(Termination {
            line: raw.referenced.line() as u32,
            services,
            trigger,
        })
    }

    fn target(&mut self, raw: &Spanned<RawTarget>, path: &str) -> Option<Target> {
        let calendar = raw.value.calendar.as_ref().map_or(0, |calendar| {
            self.calendar(calendar, &format!("{path}.calendar"))
        });
        let within = self.parsed(
            &raw.value.within,
            &format!("{path}.within"),
            |text: &Text| target_duration(&text.0),
        )?;
        Some(Target {
            within,
            calendar,
            pausable: raw
                .value
                .pausable
                .as_ref()
                .is_some_and(|pausable| pausable.value),
            line: raw.referenced.line() as u32,
        })
    }

    fn credits(&mut self, contract: &RawContract, raw: &RawCredits) -> Credits {
        let rounding = raw
            .rounding
            .as_ref()
            .map_or_else(Rounding::default, |rounding| {
                let places = rounding.value.places.value;
                if places > MOST_PLACES {
                    self.error(
                        &rounding.value.places,
                        "credits.rounding.places",
                        format!("{places} places is more than any currency uses (0-6)"),
                    );
                }
                let mode = self
                    .parsed(&rounding.value.mode, "credits.rounding.mode", |text| {
                        text.parse()
                    })
                    .unwrap_or(crate::money::RoundingMode::HalfEven);
                Rounding {
                    places: places.min(MOST_PLACES),
                    mode,
                }
            });
        let per_service_cap = raw.cap.as_ref().and_then(|cap| {
            let per_service = cap.value.per_service.as_ref()?;
            self.amount(
                per_service,
                "credits.cap.per_service",
                BareNumber::Ambiguous,
            )
        });
        let per_period_cap = raw.cap.as_ref().and_then(|cap| {
            let per_period = cap.value.per_period.as_ref()?;
            self.amount(per_period, "credits.cap.per_period", BareNumber::Ambiguous)
        });
        let per_year_cap = raw.cap.as_ref().and_then(|cap| {
            let per_year = cap.value.per_year.as_ref()?;
            self.amount(per_year, "credits.cap.per_year", BareNumber::Ambiguous)
        });
        let minimum = raw.minimum.as_ref().and_then(|minimum| {
            self.parsed(minimum, "credits.minimum", |text| {
                non_negative(parse_decimal(&text.0))
            })
        });
        let claim = raw
            .claim
            .as_ref()
            .map(|claim| super::claim::convert(self.file, self.text, claim, self.diagnostics));
        let rules = raw
            .rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                self.rule(contract, &format!("credits.rules[{index}]"), rule)
            })
            .collect();
        Credits {
            rounding,
            per_service_cap,
            per_period_cap,
            per_year_cap,
            minimum,
            claim,
            cap_at: raw.cap.as_ref().map(super::claim::position_of),
            minimum_at: raw.minimum.as_ref().map(super::claim::position_of),
            rules,
        }
    }

    fn rule(&mut self, contract: &RawContract, path: &str, raw: &Spanned<RawRule>) -> Option<Rule> {
        let rule = &raw.value;
        let services = Self::indexes(
            rule.services.as_ref(),
            &contract
                .services
                .iter()
                .map(|service| service.value.id.value.as_str()),
        );
        let severities = Self::indexes(
            rule.severities.as_ref(),
            &contract
                .severities
                .iter()
                .map(|severity| severity.value.id.value.as_str()),
        );
        let kind = match rule.kind.value.as_str() {
            "availability" => self.availability_rule(path, raw)?,
            "per_breach" => self.per_breach_rule(path, raw)?,
            "per_unit_late" => self.per_unit_late_rule(path, raw)?,
            "per_unit_down" => self.per_unit_down_rule(path, raw)?,
            "downtime_multiple" => self.downtime_multiple_rule(path, raw)?,
            "escalation" => self.escalation_rule(contract, path, raw)?,
            other => {
                let message = format!(
                    "unknown rule kind `{other}` (expected availability, per_breach, per_unit_late, per_unit_down, downtime_multiple or escalation)"
                );
                self.unknown(
                    &rule.kind,
                    &format!("{path}.kind"),
                    message,
                    &[
                        "availability",
                        "per_breach",
                        "per_unit_late",
                        "per_unit_down",
                        "downtime_multiple",
                        "escalation",
                    ],
                );
                return None;
            }
        };
        Some(Rule {
            id: rule.id.value.clone(),
            line: raw.referenced.line() as u32,
            services,
            severities,
            kind,
        })
    }

    /// A required field of a rule kind, or an error naming it.
    fn required_field<'r>(
        &mut self,
        raw: &'r Spanned<RawRule>,
        path: &str,
        value: Option<&'r Spanned<Text>>,
        key: &str,
        example: &str,
    ) -> Option<&'r Spanned<Text>> {
        if value.is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    "invalid-value",
                    location_of(self.file, raw),
                    path,
                    format!("a {} rule needs `{key}`", raw.value.kind.value),
                )
                .with_hint(example.to_owned()),
            );
        }
        value
    }

    /// Errors for fields given to a rule kind that does not use them.
    fn stray_fields(&mut self, raw: &Spanned<RawRule>, path: &str, allowed: &[&str]) {
        let rule = &raw.value;
        let present = [
            (
                "bands",
                rule.bands.as_ref().map(|_| location_of(self.file, raw)),
            ),
            (
                "target",
                rule.target
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "credit",
                rule.credit
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "unit",
                rule.unit
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "max_per_incident",
                rule.max_per_incident
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "min_outage",
                rule.min_outage
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "multiplier",
                rule.multiplier
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "applies_to",
                rule.applies_to
                    .as_ref()
                    .map(|_| location_of(self.file, raw)),
            ),
            (
                "breaches",
                rule.breaches
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
            (
                "within",
                rule.within
                    .as_ref()
                    .map(|value| location_of(self.file, value)),
            ),
        ];
        for (key, location) in present {
            if let Some(location) = location.filter(|_| !allowed.contains(&key)) {
                let message = format!("`{key}` does not apply to a {} rule", rule.kind.value);
                self.diagnostics.push(Diagnostic::error(
                    "invalid-value",
                    location,
                    format!("{path}.{key}"),
                    message,
                ));
            }
        }
    }

    fn target_kind(&mut self, target: &Spanned<String>, path: &str) -> Option<TargetKind> {
        let kind = TargetKind::from_name(&target.value);
        if kind.is_none() {
            self.unknown(
                target,
                &format!("{path}.target"),
                format!(
                    "unknown target `{}` (expected respond, resolve, rca or notify)",
                    target.value
                ),
                &TargetKind::ALL.map(TargetKind::name),
            );
        }
        kind
    }

    fn per_unit_late_rule(&mut self, path: &str, raw: &Spanned<RawRule>) -> Option<RuleKind> {
        self.stray_fields(raw, path, &["target", "credit", "unit", "max_per_incident"]);
        let rule = &raw.value;
        let example =
            "kind: per_unit_late, target: resolve, unit: 1h, credit: 2%, max_per_incident: 20%";
        let Some(target) = &rule.target else {
            self.required_field(raw, path, None, "target", example);
            return None;
        };
        let target = self.target_kind(target, path);
        let unit = self.required_field(raw, path, rule.unit.as_ref(), "unit", example);
        let credit = self.required_field(raw, path, rule.credit.as_ref(), "credit", example);
        let unit = self.parsed(unit?, &format!("{path}.unit"), |text| {
            positive_duration(&text.0)
        });
        let credit = self.amount(credit?, &format!("{path}.credit"), BareNumber::Fixed);
        let max_per_incident = match &rule.max_per_incident {
            Some(max) => {
                Some(self.amount(max, &format!("{path}.max_per_incident"), BareNumber::Fixed)?)
            }
            None => None,
        };
        Some(RuleKind::PerUnitLate {
            target: target?,
            unit: unit?,
            credit: credit?,
            max_per_incident,
        })
    }

    fn per_unit_down_rule(&mut self, path: &str, raw: &Spanned<RawRule>) -> Option<RuleKind> {
        self.stray_fields(raw, path, &["credit", "unit", "min_outage"]);
        let rule = &raw.value;
        let example = "kind: per_unit_down, unit: 1h, credit: 5%, min_outage: 2h";
        let unit = self.required_field(raw, path, rule.unit.as_ref(), "unit", example);
        let credit = self.required_field(raw, path, rule.credit.as_ref(), "credit", example);
        let unit = self.parsed(unit?, &format!("{path}.unit"), |text| {
            positive_duration(&text.0)
        });
        let credit = self.amount(credit?, &format!("{path}.credit"), BareNumber::Fixed);
        let min_outage = match &rule.min_outage {
            Some(min) => self.parsed(min, &format!("{path}.min_outage"), |text| {
                parse_bounded_duration(&text.0)
            })?,
            None => 0,
        };
        Some(RuleKind::PerUnitDown {
            unit: unit?,
            credit: credit?,
            min_outage,
        })
    }

    fn escalation_rule(
        &mut self,
        contract: &RawContract,
        path: &str,
        raw: &Spanned<RawRule>,
    ) -> Option<RuleKind> {
        self.stray_fields(
            raw,
            path,
            &["applies_to", "breaches", "within", "multiplier"],
        );
        let rule = &raw.value;
        let example = "kind: escalation, applies_to: [sev1-response], breaches: 3, within: 90d, multiplier: 1.5";
        let within = self.required_field(raw, path, rule.within.as_ref(), "within", example);
        let multiplier =
            self.required_field(raw, path, rule.multiplier.as_ref(), "multiplier", example);
        let (Some(applies_to), Some(breaches)) = (&rule.applies_to, &rule.breaches) else {
            let key = if rule.applies_to.is_none() {
                "applies_to"
            } else {
                "breaches"
            };
            self.required_field(raw, path, None, key, example);
            return None;
        };
        if applies_to.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    "invalid-value",
                    location_of(self.file, raw),
                    format!("{path}.applies_to"),
                    "`applies_to` is empty: the escalation would multiply nothing",
                )
                .with_hint(example.to_owned()),
            );
        }
        let rules = contract
            .credits
            .as_ref()
            .map_or(&[][..], |credits| credits.value.rules.as_slice());
        let mut targets = Vec::new();
        for (position, name) in applies_to.iter().enumerate() {
            let Some(index) = rules
                .iter()
                .position(|other| other.value.id.value == name.value)
            else {
                continue; // `references-exist` reports it.
            };
            match rules[index].value.kind.value.as_str() {
                "per_breach" | "per_unit_late" => targets.push(index),
                // `escalation-not-circular` reports escalation naming escalation.
                "escalation" => {}
                other => self.error(
                    name,
                    &format!("{path}.applies_to[{position}]"),
                    format!("rule `{}` is a {other} rule; escalation multiplies per_breach and per_unit_late rules only", name.value),
                ),
            }
        }
        if breaches.value == 0 {
            self.error(
                breaches,
                &format!("{path}.breaches"),
                "`breaches` must be at least 1".to_owned(),
            );
        }
        let within = self.parsed(within?, &format!("{path}.within"), |text| {
            positive_duration(&text.0)
        });
        let multiplier = self.parsed(multiplier?, &format!("{path}.multiplier"), |text| {
            parse_multiplier(&text.0)
        });
        Some(RuleKind::Escalation {
            applies_to: targets,
            breaches: breaches.value.max(1),
            within: within?,
            multiplier: multiplier?,
        })
    }

    fn downtime_multiple_rule(&mut self, path: &str, raw: &Spanned<RawRule>) -> Option<RuleKind> {
        self.stray_fields(raw, path, &["multiplier"]);
        let example = "kind: downtime_multiple, multiplier: 10";
        let multiplier = self.required_field(
            raw,
            path,
            raw.value.multiplier.as_ref(),
            "multiplier",
            example,
        )?;
        let multiplier = self.parsed(multiplier, &format!("{path}.multiplier"), |text| {
            parse_multiplier(&text.0)
        })?;
        Some(RuleKind::DowntimeMultiple { multiplier })
    }

    fn availability_rule(&mut self, path: &str, raw: &Spanned<RawRule>) -> Option<RuleKind> {
        self.stray_fields(raw, path, &["bands"]);
        let rule = &raw.value;
        let Some(raw_bands) = &rule.bands else {
            self.diagnostics.push(
                Diagnostic::error(
                    "invalid-value",
                    location_of(self.file, raw),
                    path,
                    "an availability rule needs `bands`",
                )
                .with_hint("bands: [{ below: 99.9, credit: 10% }, { below: 99.0, credit: 25% }]"),
            );
            return None;
        };
        let mut bands = Vec::new();
        for (index, band) in raw_bands.iter().enumerate() {
            let band_path = format!("{path}.bands[{index}]");
            let (threshold, inclusive) = match (&band.value.below, &band.value.at_or_below) {
                (Some(below), None) => (below, false),
                (None, Some(at_or_below)) => (at_or_below, true),
                _ => {
                    let message = "a band needs exactly one of `below` or `at_or_below`".to_owned();
                    self.error(band, &band_path, message);
                    continue;
                }
            };
            let key = if inclusive { "at_or_below" } else { "below" };
            let threshold = self.parsed(threshold, &format!("{band_path}.{key}"), |text| {
                parse_percent(&text.0)
            });
            let credit = self.amount(
                &band.value.credit,
                &format!("{band_path}.credit"),
                BareNumber::Ambiguous,
            );
            if let (Some(threshold), Some(credit)) = (threshold, credit) {
                bands.push(Band {
                    threshold,
                    inclusive,
                    credit,
                    line: band.referenced.line() as u32,
                });
            }
        }
        Some(RuleKind::Availability { bands })
    }

    fn per_breach_rule(&mut self, path: &str, raw: &Spanned<RawRule>) -> Option<RuleKind> {
        self.stray_fields(raw, path, &["target", "credit"]);
        let rule = &raw.value;
        let example =
            "kind: per_breach, target: respond, credit: 500.00 (or credit: 2% of the fee)";
        let Some(target) = &rule.target else {
            self.required_field(raw, path, None, "target", example);
            return None;
        };
        let target = self.target_kind(target, path);
        let credit = self.required_field(raw, path, rule.credit.as_ref(), "credit", example)?;
        let credit = self.amount(credit, &format!("{path}.credit"), BareNumber::Fixed)?;
        Some(RuleKind::PerBreach {
            target: target?,
            credit,
        })
    }
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn minutes_text(start: u32, end: u32) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        start / 60,
        start % 60,
        end / 60,
        end % 60
    )
}

fn non_negative(
    value: Result<crate::money::Decimal, String>,
) -> Result<crate::money::Decimal, String> {
    let value = value?;
    if value.is_sign_negative() {
        Err(format!("`{value}` is negative"))
    } else {
        Ok(value)
    }
}

/// The most periods a termination trigger may look back: a hundred years of months.
const MAX_PERIODS_BACK: u32 = 1_200;

/// A target's allowed time: at most [`crate::time::MAX_DURATION`], like every duration of a
/// contract, so deadlines stay far inside the calendar.
fn target_duration(text: &str) -> Result<crate::time::Seconds, String> {
    parse_bounded_duration(text)
}

/// A unit or window that must have a length: above zero, at most
/// [`crate::time::MAX_DURATION`].
fn positive_duration(text: &str) -> Result<crate::time::Seconds, String> {
    let seconds = parse_bounded_duration(text)?;
    if seconds == 0 {
        Err(format!("`{text}` is zero; a unit must have a length"))
    } else {
        Ok(seconds)
    }
}

fn percent_in_range(text: &str) -> Result<crate::money::Decimal, String> {
    let value = parse_percent(text)?;
    if value.is_sign_negative() || value > crate::money::HUNDRED {
        return Err(format!("`{text}` is not a percentage between 0 and 100"));
    }
    Ok(value)
}

//! The report as JSON with its bulk, the breach rows, written by hand; every other part goes
//! through serde as [`super::write_json`] writes it, and the bytes are the same.
//!
//! What it buys: a breach row through serde cost about 8,100 instructions, half of them escaping
//! strings (every key included), the rest small copies, a heap string per timestamp and
//! `file:line` through the formatting machinery. Here the keys are constant bytes, a string is
//! checked eight bytes at a time and copied whole when it needs no escaping (serde escapes the
//! rest), and numbers and timestamps are formatted on the stack: about 2,450 a row. On the
//! realistic 1,000,000-row month (102,254 breach rows, 63 MB) the JSON writing went from 836 to
//! 248 million instructions, all of it on the one thread that runs after the reading
//! (`docs/performance.md`, "Writing the JSON report").
//!
//! The layout is `serde_json`'s pretty one (as `super::json::Pretty` writes it); the field names
//! and their order are the model's `Serialize` derive, spelled out again below. The model
//! structs are taken apart field by field, so a new field fails to compile here until it is
//! written; the tests compare the output with `serde_json` on varied reports.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use super::json::{Pretty, new_line};
use crate::calc::Status;
use crate::calc::model::{BreachRow, ContractReport, Origin, Report};
use crate::time::{Instant, InstantText};

/// Bytes gathered before they are handed to the output.
const SPILL: usize = 1 << 16;

/// Writes `report` as pretty JSON with a final newline, byte for byte as
/// `write_json(out, report)` does.
pub fn write_report_json(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let mut json = Json {
        buffer: Vec::with_capacity(2 * SPILL),
        out,
    };
    let Report {
        period,
        as_of,
        contracts,
        rows,
        totals,
    } = report;
    // The report is an object at level 0: its keys are on lines indented once.
    json.buffer.push(b'{');
    json.field(true, 1, "period", period)?;
    json.field(false, 1, "as_of", as_of)?;
    json.key(false, 1, "contracts")?;
    json.array(1, contracts, Json::contract)?;
    json.field(false, 1, "rows", rows)?;
    // Left out for a single period (`skip_serializing_if`).
    if let Some(totals) = totals {
        json.field(false, 1, "totals", totals)?;
    }
    new_line(&mut json.buffer, false, 0)?;
    json.buffer.extend_from_slice(b"}\n");
    json.spill()?;
    json.out.flush()
}

/// The output and the bytes not yet handed to it.
struct Json<'out> {
    /// Bytes written since the last spill.
    buffer: Vec<u8>,
    /// Where they go.
    out: &'out mut dyn Write,
}

/// A breach row's key on its own line after a comma, at the depth breach rows have in a report
/// (report → contracts → contract → breaches → row: keys indented five levels, ten spaces).
macro_rules! breach_key {
    ($name:literal) => {
        concat!(",\n          \"", $name, "\": ").as_bytes()
    };
}

/// The indent of a breach row's keys.
const BREACH_KEYS: usize = 5;

impl Json<'_> {
    /// Bytes written as they are.
    fn raw(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Hands the gathered bytes to the output.
    fn spill(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// A key on a new line indented `level` times, after a comma unless `first`.
    fn key(&mut self, first: bool, level: usize, name: &str) -> io::Result<()> {
        new_line(&mut self.buffer, !first, level)?;
        self.string(name);
        self.buffer.extend_from_slice(b": ");
        Ok(())
    }

    /// A key and its value, the value through serde.
    fn field<T: Serialize + ?Sized>(
        &mut self,
        first: bool,
        level: usize,
        name: &str,
        value: &T,
    ) -> io::Result<()> {
        self.key(first, level, name)?;
        self.serde(level, value)
    }

    /// `value` through serde, as the value of a key on a line indented `level` times.
    fn serde<T: Serialize + ?Sized>(&mut self, level: usize, value: &T) -> io::Result<()> {
        let mut serializer =
            serde_json::Serializer::with_formatter(&mut self.buffer, Pretty::at(level));
        value.serialize(&mut serializer).map_err(io::Error::other)
    }

    /// An array of `items`, the value of a key on a line indented `level` times, each item
    /// written by `item`; the output takes the bytes between items.
    fn array<T>(
        &mut self,
        level: usize,
        items: &[T],
        item: impl Fn(&mut Self, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        if items.is_empty() {
            self.buffer.extend_from_slice(b"[]");
            return Ok(());
        }
        self.buffer.push(b'[');
        for (index, each) in items.iter().enumerate() {
            new_line(&mut self.buffer, index > 0, level + 1)?;
            item(self, each)?;
            if self.buffer.len() >= SPILL {
                self.spill()?;
            }
        }
        new_line(&mut self.buffer, false, level)?;
        self.buffer.push(b']');
        Ok(())
    }

    /// A string: copied whole between quotes when no byte needs escaping (a quote, a backslash
    /// or a control character, as `serde_json` decides), else escaped by `serde_json`.
    fn string(&mut self, text: &str) {
        if writes_as_it_is(text.as_bytes()) {
            self.buffer.push(b'"');
            self.buffer.extend_from_slice(text.as_bytes());
            self.buffer.push(b'"');
        } else {
            self.compact(text);
        }
    }

    /// `value` through serde on one line: a scalar, or a string to escape.
    fn compact<T: Serialize + ?Sized>(&mut self, value: &T) {
        value
            .serialize(&mut serde_json::Serializer::new(&mut self.buffer))
            .expect("a scalar serializes into memory");
    }

    /// An integer, as `serde_json` writes it.
    fn integer(&mut self, value: i64) {
        CompactFormatter
            .write_i64(&mut self.buffer, value)
            .expect("writing to memory cannot fail");
    }

    /// An instant as RFC 3339 text.
    fn instant(&mut self, instant: Instant) {
        match InstantText::new(instant) {
            InstantText::FourDigitYear(text) => {
                self.buffer.push(b'"');
                self.buffer.extend_from_slice(&text);
                self.buffer.push(b'"');
            }
            InstantText::Other(text) => self.string(&text),
        }
    }

    /// `file:line`, as `Origin`'s `Serialize` writes it.
    fn origin(&mut self, origin: &Origin) {
        if writes_as_it_is(origin.file.as_bytes()) {
            self.buffer.push(b'"');
            self.buffer.extend_from_slice(origin.file.as_bytes());
            self.buffer.push(b':');
            CompactFormatter
                .write_u64(&mut self.buffer, origin.line)
                .expect("writing to memory cannot fail");
            self.buffer.push(b'"');
        } else {
            self.compact(origin);
        }
    }

    /// One contract-period, an item of `contracts`: its keys are indented three levels.
    fn contract(&mut self, contract: &ContractReport) -> io::Result<()> {
        const KEYS: usize = 3;
        let ContractReport {
            contract: id,
            title,
            file,
            provider,
            customer,
            currency,
            timezone,
            period,
            period_start,
            period_end,
            judged_at,
            services,
            breaches,
            credit_lines,
            credit_total,
            findings,
            disputed,
            trace: _,
            places: _,
        } = contract;
        self.buffer.push(b'{');
        self.field(true, KEYS, "contract", id)?;
        self.field(false, KEYS, "title", title)?;
        self.field(false, KEYS, "file", file)?;
        self.field(false, KEYS, "provider", provider)?;
        self.field(false, KEYS, "customer", customer)?;
        self.field(false, KEYS, "currency", currency)?;
        self.field(false, KEYS, "timezone", timezone)?;
        self.field(false, KEYS, "period", period)?;
        self.field(false, KEYS, "period_start", period_start)?;
        self.field(false, KEYS, "period_end", period_end)?;
        self.field(false, KEYS, "judged_at", judged_at)?;
        self.field(false, KEYS, "services", services)?;
        self.key(false, KEYS, "breaches")?;
        self.array(KEYS, breaches, |json, row| {
            json.breach(row);
            Ok(())
        })?;
        self.field(false, KEYS, "credit_lines", credit_lines)?;
        self.field(false, KEYS, "credit_total", credit_total)?;
        self.field(false, KEYS, "findings", findings)?;
        self.field(false, KEYS, "disputed", disputed)?;
        new_line(&mut self.buffer, false, KEYS - 1)?;
        self.buffer.push(b'}');
        Ok(())
    }

    /// One breach row, an item of `breaches`.
    fn breach(&mut self, row: &BreachRow) {
        let BreachRow {
            service,
            incident,
            severity,
            target,
            status,
            opened,
            deadline,
            allowed_seconds,
            actual_seconds,
            over_by_seconds,
            office_hours,
            done,
            credits,
            detected_after_seconds,
            source,
            title,
        } = row;
        self.buffer.push(b'{');
        self.raw(&breach_key!("service")[1..]);
        self.string(service);
        self.raw(breach_key!("incident"));
        self.string(incident);
        self.raw(breach_key!("severity"));
        self.string(severity);
        self.raw(breach_key!("target"));
        self.string(target.name());
        self.raw(breach_key!("status"));
        self.string(status_word(*status));
        self.raw(breach_key!("opened"));
        self.instant(*opened);
        self.raw(breach_key!("deadline"));
        self.instant(*deadline);
        self.raw(breach_key!("allowed_seconds"));
        self.integer(*allowed_seconds);
        self.raw(breach_key!("actual_seconds"));
        self.integer(*actual_seconds);
        self.raw(breach_key!("over_by_seconds"));
        self.integer(*over_by_seconds);
        self.raw(breach_key!("office_hours"));
        match office_hours {
            Some(calendar) => self.string(calendar),
            None => self.raw(b"null"),
        }
        self.raw(breach_key!("done"));
        self.raw(if *done { b"true" } else { b"false" });
        self.raw(breach_key!("credits"));
        if credits.is_empty() {
            self.raw(b"[]");
        } else {
            self.serde(BREACH_KEYS, credits)
                .expect("rule credits serialize into memory");
        }
        self.raw(breach_key!("detected_after_seconds"));
        match detected_after_seconds {
            Some(seconds) => self.integer(*seconds),
            None => self.raw(b"null"),
        }
        self.raw(breach_key!("source"));
        self.origin(source);
        self.raw(breach_key!("title"));
        self.string(title);
        new_line(&mut self.buffer, false, BREACH_KEYS - 1).expect("writing to memory cannot fail");
        self.buffer.push(b'}');
    }
}

/// Whether `serde_json` writes `byte` of a string as it is: anything but a quote, a backslash
/// and the control characters below space (bytes of non-ASCII characters included).
fn needs_no_escape(byte: u8) -> bool {
    byte >= 0x20 && byte != b'"' && byte != b'\\'
}

/// Whether no byte of `text` needs escaping ([`needs_no_escape`]), eight bytes at a time: a
/// byte-by-byte scan of a title cost about as much as copying it out.
fn writes_as_it_is(text: &[u8]) -> bool {
    /// `0x01` in every byte.
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    /// The top bit of every byte.
    const TOPS: u64 = ONES << 7;
    /// The top bit of each byte of the result is set where that byte of `word` is below `limit`
    /// (at most 128), or where a lower byte already is; so the result is 0 exactly when no
    /// byte is below `limit`.
    fn below(word: u64, limit: u8) -> u64 {
        word.wrapping_sub(ONES * u64::from(limit)) & !word & TOPS
    }
    let mut words = text.chunks_exact(8);
    for chunk in &mut words {
        let word = u64::from_ne_bytes(chunk.try_into().expect("chunks of eight bytes"));
        // A byte equal to a quote or a backslash is 0 after the XOR, below 1.
        let escapes = below(word, 0x20)
            | below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1);
        if escapes != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&byte| needs_no_escape(byte))
}

/// A status as its `Serialize` derive (`rename_all = "lowercase"`) names it.
fn status_word(status: Status) -> &'static str {
    match status {
        Status::Met => "met",
        Status::Breached => "breached",
        Status::Pending => "pending",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::{Arc, OnceLock};

    use proptest::prelude::*;

    use super::write_report_json;
    use crate::calc::Status;
    use crate::calc::model::{BreachRow, DisputedIncident, Finding, Origin, Report, RuleCredit};
    use crate::contract::{TargetKind, load_contract_file};
    use crate::incidents::{Exceptions, Input, Source};
    use crate::money::Decimal;

    /// The shipped Nimbus example over September to November: one contract-period a month,
    /// services, breaches and credit lines as a run makes them, plus a finding and a disputed
    /// incident (which the example has none of).
    fn shipped() -> &'static Report {
        static REPORT: OnceLock<Report> = OnceLock::new();
        REPORT.get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let contract = load_contract_file(&root.join("contracts/nimbus-cloud.yaml"))
                .expect("the shipped contract loads");
            let input = Input::open(&root.join("examples/nimbus-cloud-2026-10.csv"))
                .expect("the shipped export opens");
            let mut report = crate::evaluate(
                &[contract],
                vec![input],
                &Source::generic(),
                "2026-09..2026-11".parse().expect("a period range"),
                None,
                &Exceptions::default(),
            )
            .expect("the shipped example evaluates");
            let october = &mut report.contracts[1];
            october.findings.push(Finding {
                kind: "duplicate",
                service: "compute".to_owned(),
                incidents: vec!["A\"1".to_owned(), "B\\2".to_owned()],
                periods: vec!["2026-10".to_owned()],
                message: "line\nbreak and \u{1} and é".to_owned(),
                sources: vec![],
            });
            october.disputed.push(DisputedIncident {
                service: "compute".to_owned(),
                incident: "NIM-9".to_owned(),
                exposure: Decimal::new(-1_250, 2),
                source: "x.csv:3".to_owned(),
                title: "\"quoted\"\t".to_owned(),
            });
            report
        })
    }

    /// What `write_report_json` writes.
    fn fast(report: &Report) -> String {
        let mut out = Vec::new();
        write_report_json(&mut out, report).expect("writes to memory");
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    /// What plain `serde_json` writes, with the final newline `write_json` adds.
    fn plain(report: &Report) -> String {
        serde_json::to_string_pretty(report).expect("the report serializes") + "\n"
    }

    /// A breach row with the given texts and instants; the rest varies with `seed`.
    fn row(texts: [&str; 5], opened: i64, deadline: i64, seed: usize) -> BreachRow {
        let [service, incident, title, file, rule] = texts;
        let credits = (0..seed % 3)
            .map(|index| RuleCredit {
                rule: format!("{rule}{index}"),
                amount: Decimal::new(2_500 * i64::try_from(index).expect("small"), 2),
            })
            .collect();
        BreachRow {
            service: Arc::from(service),
            incident: incident.into(),
            severity: Arc::from(["sev1", "P\"2", "é"][seed % 3]),
            target: TargetKind::ALL[seed % 4],
            status: [Status::Met, Status::Breached, Status::Pending][seed % 3],
            opened,
            deadline,
            allowed_seconds: 900,
            actual_seconds: opened.wrapping_sub(deadline),
            over_by_seconds: -(i64::try_from(seed).expect("small")),
            office_hours: (seed % 3 == 2).then(|| Arc::from(rule)),
            done: seed.is_multiple_of(2),
            credits,
            detected_after_seconds: (seed % 2 == 1).then_some(i64::MIN + 1),
            source: Origin {
                file: Arc::from(file),
                line: u64::MAX - u64::try_from(seed).expect("small"),
            },
            title: title.into(),
        }
    }

    #[test]
    fn the_word_at_a_time_check_agrees_with_the_byte_at_a_time_one() {
        // Every byte value at every place of texts of 1 to 24 bytes, among plain letters and
        // among non-ASCII bytes (whose top bit is set, as in a word borrowing from its neighbour).
        for filler in [b'a', 0x80, 0xE9, 0xFF, b' ', 0x21, 0x5B, 0x5D] {
            for length in 1..=24 {
                for place in 0..length {
                    for byte in 0..=u8::MAX {
                        let mut text = vec![filler; length];
                        text[place] = byte;
                        let plain = text.iter().all(|&each| super::needs_no_escape(each));
                        assert_eq!(
                            super::writes_as_it_is(&text),
                            plain,
                            "{byte:#04x} at {place} of {length} among {filler:#04x}"
                        );
                    }
                }
            }
        }
        assert!(super::writes_as_it_is(b""));
    }

    #[test]
    fn a_shipped_report_is_written_as_serde_writes_it() {
        let report = shipped();
        assert_eq!(report.contracts.len(), 3, "one contract-period a month");
        assert!(report.totals.is_some(), "a range has totals");
        assert!(
            report
                .contracts
                .iter()
                .any(|contract| !contract.breaches.is_empty())
        );
        assert_eq!(fast(report), plain(report));
        let mut through_write_json = Vec::new();
        super::super::write_json(&mut through_write_json, report).expect("writes to memory");
        assert_eq!(fast(report).into_bytes(), through_write_json);
    }

    #[test]
    fn awkward_strings_and_instants_are_written_as_serde_writes_them() {
        let awkward = [
            "plain",
            "",
            "quote \" inside",
            "back\\slash",
            "line\nend\r\ttab\u{8}\u{c}",
            "\u{0}\u{1}\u{1f} control",
            "del \u{7f} stays",
            "Zürich 東京 🚀",
            "\"",
            "\\",
        ];
        // 1970, one second before it, the last second of 9999, year 10000, before year 0, and
        // past chrono's range (written `@seconds`).
        let instants = [
            0,
            -1,
            253_402_300_799,
            253_402_300_800,
            -62_167_219_201,
            i64::MAX,
            i64::MIN,
            1_790_000_000,
        ];
        let mut report = shipped().clone();
        let rows: Vec<BreachRow> = (0..awkward.len() * instants.len())
            .map(|seed| {
                let text = |offset: usize| awkward[(seed + offset) % awkward.len()];
                row(
                    [text(0), text(1), text(2), text(3), text(4)],
                    instants[seed % instants.len()],
                    instants[(seed / awkward.len()) % instants.len()],
                    seed,
                )
            })
            .collect();
        report.contracts[0].breaches = rows.clone();
        report.contracts[1].breaches.clear();
        report.contracts[2].breaches = rows;
        report.as_of = Some("2026-11-30T00:00:00Z".to_owned());
        assert_eq!(fast(&report), plain(&report));
    }

    #[test]
    fn reports_without_contracts_or_breaches_are_written_as_serde_writes_them() {
        let mut report = shipped().clone();
        for contract in &mut report.contracts {
            contract.breaches.clear();
        }
        assert_eq!(fast(&report), plain(&report));
        // A single period has no totals, and serde leaves the key out.
        report.totals = None;
        assert_eq!(fast(&report), plain(&report));
        assert!(!fast(&report).contains("\"totals\""));
        report.contracts.clear();
        assert_eq!(fast(&report), plain(&report));
        assert!(fast(&report).contains("\"contracts\": [],\n"));
    }

    #[test]
    fn many_rows_are_handed_over_in_pieces_without_a_seam() {
        // 5,000 rows of about 600 bytes: 3 MB, handed over in pieces of 64 KiB and more.
        let mut report = shipped().clone();
        report.contracts[1].breaches = (0..5_000)
            .map(|seed| {
                let title = format!("outage {seed} \"{}\"", "x".repeat(seed % 97));
                row(
                    ["api", "INC1", &title, "export.csv", "late"],
                    1_790_000_000 + i64::try_from(seed).expect("small") * 61,
                    1_790_000_900,
                    seed,
                )
            })
            .collect();
        let written = fast(&report);
        assert!(written.len() > 3_000_000);
        assert_eq!(written, plain(&report));
    }

    /// A string of any characters, control characters, quotes and backslashes made likely.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é東🚀 :]{0,12}",
            "[A-Z0-9-]{1,10}",
        ]
    }

    /// An instant: mostly this era, some before 1970, outside years 0 to 9999, or past chrono.
    fn instant() -> impl Strategy<Value = i64> {
        prop_oneof![
            1_700_000_000_i64..1_900_000_000,
            -100_000_000_000_i64..0,
            -70_000_000_000_000_i64..400_000_000_000_000,
            any::<i64>(),
        ]
    }

    fn breach_row() -> impl Strategy<Value = BreachRow> {
        (
            [text(), text(), text(), text(), text()],
            instant(),
            instant(),
            0_usize..1_000,
        )
            .prop_map(|(texts, opened, deadline, seed)| {
                let texts: [&str; 5] = std::array::from_fn(|index| texts[index].as_str());
                row(texts, opened, deadline, seed)
            })
    }

    proptest! {
        #[test]
        fn generated_breach_rows_are_written_as_serde_writes_them(
            per_contract in prop::collection::vec(prop::collection::vec(breach_row(), 0..4), 0..4),
            as_of in prop::option::of(text()),
            with_totals in any::<bool>(),
        ) {
            let mut report = shipped().clone();
            let template = report.contracts[1].clone();
            report.contracts = per_contract
                .into_iter()
                .map(|breaches| {
                    let mut contract = template.clone();
                    contract.breaches = breaches;
                    contract
                })
                .collect();
            report.as_of = as_of;
            if !with_totals {
                report.totals = None;
            }
            prop_assert_eq!(fast(&report), plain(&report));
        }
    }
}

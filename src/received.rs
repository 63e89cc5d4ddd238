//! Credit notes received from vendors, for `reconcile`: CSV files with a header, one credited
//! amount per row. Each row is read into a [`ReceivedLine`] or rejected with its file, line,
//! column and reason; nothing here knows a contract (the reconciliation checks the lines against
//! the contracts and says which count).
//!
//! The columns are `contract, period, amount, currency, reference`, with `service` and `rule`
//! optional; a mapping file (`ReceivedMapping::load`) renames them and may set the delimiter.

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Location};
use crate::incidents::Rejection;
use crate::money::{Decimal, parse_decimal};
use crate::time::PeriodSpec;

/// A column of a received credit note, as slacredit names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedField {
    /// The contract id the credit is for.
    Contract,
    /// The period credited, `2026-10` or `2026-Q4`.
    Period,
    /// The contract's service id (optional: without it the line counts against the contract's
    /// total for the period).
    Service,
    /// The credit rule id (optional, checked against the contract).
    Rule,
    /// The amount credited, a plain decimal such as `1250.00`.
    Amount,
    /// ISO 4217 code of the amount.
    Currency,
    /// The credit note or invoice reference.
    Reference,
}

impl ReceivedField {
    /// Every field, in the order the columns are documented.
    pub const ALL: [Self; 7] = [
        Self::Contract,
        Self::Period,
        Self::Service,
        Self::Rule,
        Self::Amount,
        Self::Currency,
        Self::Reference,
    ];

    /// The default column name, and the key in a mapping file's `fields`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Contract => "contract",
            Self::Period => "period",
            Self::Service => "service",
            Self::Rule => "rule",
            Self::Amount => "amount",
            Self::Currency => "currency",
            Self::Reference => "reference",
        }
    }

    /// Whether every file must have the column.
    pub fn required(self) -> bool {
        !matches!(self, Self::Service | Self::Rule)
    }
}

/// How a credit-note file names its columns, and what separates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMapping {
    /// The column separator.
    pub delimiter: u8,
    /// The column name of each field, in [`ReceivedField::ALL`] order.
    columns: [String; 7],
}

impl Default for ReceivedMapping {
    /// Comma-separated, each column named as its field.
    fn default() -> Self {
        Self {
            delimiter: b',',
            columns: ReceivedField::ALL.map(|field| field.name().to_owned()),
        }
    }
}

/// A mapping file's shape: `delimiter` and `fields`, each field naming its column.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    delimiter: Option<String>,
    #[serde(default)]
    fields: RawFields,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFields {
    contract: Option<String>,
    period: Option<String>,
    service: Option<String>,
    rule: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    reference: Option<String>,
}

impl ReceivedMapping {
    /// Reads a mapping file such as
    ///
    /// ```yaml
    /// delimiter: ";"
    /// fields: { contract: Vertrag, period: Monat, amount: Betrag, reference: Gutschrift }
    /// ```
    ///
    /// Fields it does not name keep their own name as the column.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let file = path.display().to_string();
        let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false, };
        let raw: RawMapping =
            serde_saphyr::from_str_with_options(&text, options).map_err(|error| {
                let diagnostic = crate::contract::yaml_diagnostic(&file, &text, &error);
                Error::Source {
                    location: diagnostic.location,
                    message: format!(
                        "{} (a received-credits mapping has `delimiter` and `fields` with {})",
                        diagnostic.message,
                        ReceivedField::ALL.map(ReceivedField::name).join(", ")
                    ),
                }
            })?;
        let mut mapping = Self::default();
        if let Some(delimiter) = &raw.delimiter {
            mapping.delimiter = match delimiter.as_bytes() {
                [byte] if (byte.is_ascii_graphic() && *byte != b'"') || *byte == b'\t' => *byte,
                _ => {
                    return Err(Error::Source {
                        location: Location {
                            file,
                            line: 0,
                            column: 0,
                        },
                        message: format!(
                            "delimiter `{}` is not one visible ASCII character or a tab (write `;`, `,`, `|` or \"\\t\")",
                            delimiter.escape_debug()
                        ),
                    });
                }
            };
        }
        let named = [
            raw.fields.contract,
            raw.fields.period,
            raw.fields.service,
            raw.fields.rule,
            raw.fields.amount,
            raw.fields.currency,
            raw.fields.reference,
        ];
        for (column, name) in mapping.columns.iter_mut().zip(named) {
            if let Some(name) = name {
                *column = name;
            }
        }
        Ok(mapping)
    }

    /// The column name of `field`.
    pub fn column(&self, field: ReceivedField) -> &str {
        &self.columns[field as usize]
    }
}

/// One credit the vendor says it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedLine {
    /// The file, as given.
    pub file: String,
    /// Its CSV line (the header is line 1).
    pub line: u64,
    /// Contract id.
    pub contract: String,
    /// The period credited.
    pub period: PeriodSpec,
    /// Service id, when the line names one.
    pub service: Option<String>,
    /// Rule id, when the line names one.
    pub rule: Option<String>,
    /// The amount credited, as written (at or above zero).
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// The credit note's reference.
    pub reference: String,
}

impl ReceivedLine {
    /// `file:line`.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// What reading the credit-note files gave: the lines, and the rows that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Data rows read, over every file (headers not included).
    pub read: u64,
    /// The rows read into lines, in file and line order.
    pub lines: Vec<ReceivedLine>,
    /// The rows that were not, each with its file, line, column and reason.
    pub rejected: Vec<Rejection>,
}

/// Reads every file in turn with `mapping`. A file that cannot be opened, or whose header lacks
/// a required column, is an error; a bad row is a rejection and reading goes on.
pub fn read_received(paths: &[&Path], mapping: &ReceivedMapping) -> Result<Received, Error> {
    let mut received = Received::default();
    for (index, path) in paths.iter().enumerate() {
        if paths[..index].contains(path) {
            return Err(Error::Usage(format!(
                "{} is given twice as --received; each credit note would count twice",
                path.display()
            )));
        }
        read_file(path, mapping, &mut received)?;
    }
    Ok(received)
}

fn read_file(path: &Path, mapping: &ReceivedMapping, received: &mut Received) -> Result<(), Error> {
    let file = path.display().to_string();
    let fail = |line: u64, message: String| Error::Incidents {
        location: Location {
            file: file.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: 1,
        },
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .flexible(true)
        .from_reader(std::fs::File::open(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?);
    let header = reader
        .byte_headers()
        .map_err(|error| fail(1, format!("cannot read the header: {error}")))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|name| String::from_utf8_lossy(name).trim().to_owned())
        .collect();
    let columns = header_columns(&names, mapping).map_err(|message| fail(1, message))?;
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|error| fail(line, format!("cannot read the row: {error}")))?;
        if !more {
            break;
        }
        let line = record.position().map_or(line, csv::Position::line);
        let next_line = reader.position().line();
        received.read += 1;
        match parse_row(&record, &columns, names.len(), (line, next_line)) {
            Ok(parsed) => received.lines.push(ReceivedLine {
                file: file.clone(),
                line,
                ..parsed
            }),
            Err((field, value, reason)) => received.rejected.push(Rejection {
                file: file.clone(),
                line,
                column: field.map_or_else(String::new, |field| mapping.column(field).to_owned()),
                value,
                reason,
                id: None,
            }),
        }
    }
    Ok(())
}

/// The header position of each field (`None` for an optional column the file lacks); an error
/// names a required column that is missing, or one named twice.
fn header_columns(
    names: &[String],
    mapping: &ReceivedMapping,
) -> Result<[Option<usize>; 7], String> {
    let mut columns = [None; 7];
    for field in ReceivedField::ALL {
        let wanted = mapping.column(field);
        let mut found = names.iter().enumerate().filter(|(_, name)| *name == wanted);
        let position = found.next().map(|(position, _)| position);
        if let Some((second, _)) = found.next() {
            return Err(format!(
                "the header names `{wanted}` twice (columns {} and {}); slacredit cannot tell which holds the {}",
                position.map_or(0, |position| position + 1),
                second + 1,
                field.name()
            ));
        }
        if position.is_none() && field.required() {
            let known: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut message = format!(
                "the header has no `{wanted}` column (columns: {}); a received-credits file needs contract, period, amount, currency and reference",
                known.join(", ")
            );
            if let Some(suggestion) = crate::contract::suggest::did_you_mean(wanted, known) {
                message.push_str("; ");
                message.push_str(&suggestion);
            }
            let _ = write!(
                message,
                ", or name the column in a mapping file given with --received-source (`fields: {{ {}: <column> }}`)",
                field.name()
            );
            return Err(message);
        }
        columns[field as usize] = position;
    }
    Ok(columns)
}

/// A rejection: the field at fault (if one is), the value and the reason.
type Fault = (Option<ReceivedField>, String, String);

/// One row's line (its file and line filled in by the caller).
fn parse_row(
    record: &csv::ByteRecord,
    columns: &[Option<usize>; 7],
    width: usize,
    (line, next_line): (u64, u64),
) -> Result<ReceivedLine, Fault> {
    if record.len() != width {
        return Err((
            None,
            String::new(),
            format!(
                "has {} cells where the header has {width} columns",
                record.len()
            ),
        ));
    }
    if next_line > line + 1 && record.iter().any(|cell| cell.contains(&b'\n')) {
        return Err((
            None,
            String::new(),
            format!(
                "a quoted cell runs from line {line} to line {}: a quote is probably never closed, and the lines after it were read as one cell",
                next_line - 1
            ),
        ));
    }
    let cell = |field: ReceivedField| -> Result<Option<&str>, Fault> {
        let Some(position) = columns[field as usize] else {
            return Ok(None);
        };
        let bytes = record.get(position).unwrap_or_default();
        let text = std::str::from_utf8(bytes).map_err(|_| {
            (
                Some(field),
                String::from_utf8_lossy(bytes).into_owned(),
                "is not UTF-8 text; save the file as UTF-8".to_owned(),
            )
        })?;
        let text = text.trim();
        Ok((!text.is_empty()).then_some(text))
    };
    let required = |field: ReceivedField| -> Result<&str, Fault> {
        cell(field)?.ok_or_else(|| {
            (
                Some(field),
                String::new(),
                format!("is empty; every received credit needs its {}", field.name()),
            )
        })
    };
    let contract = required(ReceivedField::Contract)?;
    let period_text = required(ReceivedField::Period)?;
    let period = period_text
        .parse::<PeriodSpec>()
        .map_err(|message| (Some(ReceivedField::Period), period_text.to_owned(), message))?;
    let amount_text = required(ReceivedField::Amount)?;
    let amount = parse_decimal(amount_text).map_err(|message| {
        // The value is shown beside the reason already.
        let message = message
            .strip_prefix(&format!("`{amount_text}` "))
            .unwrap_or(&message)
            .to_owned();
        (
            Some(ReceivedField::Amount),
            amount_text.to_owned(),
            format!("{message}: digits and one `.`, no thousands separator or currency sign"),
        )
    })?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err((
            Some(ReceivedField::Amount),
            amount_text.to_owned(),
            "is negative: write the credit received as a positive amount (the sign a credit note prints is not read)".to_owned(),
        ));
    }
    let currency = required(ReceivedField::Currency)?;
    if currency.len() != 3 || !currency.bytes().all(|byte| byte.is_ascii_uppercase()) {
        return Err((
            Some(ReceivedField::Currency),
            currency.to_owned(),
            "is not an ISO 4217 code such as EUR or USD".to_owned(),
        ));
    }
    Ok(ReceivedLine {
        file: String::new(),
        line: 0,
        contract: contract.to_owned(),
        period,
        service: cell(ReceivedField::Service)?.map(str::to_owned),
        rule: cell(ReceivedField::Rule)?.map(str::to_owned),
        amount,
        currency: currency.to_owned(),
        reference: required(ReceivedField::Reference)?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` as one received-credits file.
    fn read_text(text: &str) -> Result<Received, Error> {
        let directory = std::env::temp_dir().join(format!(
            "slacredit-received-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("received.csv");
        std::fs::write(&path, text).unwrap();
        let received = read_received(&[&path], &ReceivedMapping::default());
        std::fs::remove_dir_all(&directory).unwrap();
        received
    }

    fn read(text: &str) -> Received {
        read_text(text).unwrap()
    }

    #[test]
    fn a_row_is_read_into_a_line_with_its_line_number() {
        let received = read(
            "contract,period,service,amount,currency,reference\n\
             ACME,2026-10,siem,5900.00,EUR,CN-1\n\
             ACME,2026-10,,100,EUR,CN-2\n",
        );
        assert_eq!(received.read, 2);
        assert!(received.rejected.is_empty());
        let [first, second] = received.lines.as_slice() else {
            panic!("two lines: {received:?}")
        };
        assert_eq!(first.line, 2);
        assert_eq!(first.service.as_deref(), Some("siem"));
        assert_eq!(first.amount, Decimal::new(590_000, 2));
        assert_eq!(second.line, 3);
        assert_eq!(second.service, None);
        assert_eq!(second.rule, None);
    }

    #[test]
    fn malformed_cells_are_rejected_with_their_column() {
        let received = read(
            "contract,period,amount,currency,reference\n\
             ACME,2026-10,\"1,250.00\",EUR,CN-1\n\
             ACME,2026-10,-5.00,EUR,CN-2\n\
             ACME,October,5.00,EUR,CN-3\n\
             ACME,2026-10,5.00,eur,CN-4\n\
             ACME,2026-10,5.00,EUR,\n\
             ACME,2026-10,5.00,EUR\n",
        );
        assert_eq!(received.read, 6);
        assert!(received.lines.is_empty());
        let places: Vec<(u64, &str)> = received
            .rejected
            .iter()
            .map(|rejection| (rejection.line, rejection.column.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                (2, "amount"),
                (3, "amount"),
                (4, "period"),
                (5, "currency"),
                (6, "reference"),
                (7, "")
            ]
        );
        assert!(
            received.rejected[0]
                .reason
                .contains("no thousands separator"),
            "{}",
            received.rejected[0].reason
        );
    }

    #[test]
    fn an_unclosed_quote_rejects_its_row_instead_of_swallowing_the_rest_quietly() {
        let received = read(
            "contract,period,amount,currency,reference\n\
             ACME,2026-10,5.00,EUR,\"CN-1\n\
             ACME,2026-10,7.00,EUR,CN-2\n",
        );
        assert_eq!(received.read, 1);
        assert_eq!(received.rejected.len(), 1);
        assert!(
            received.rejected[0]
                .reason
                .contains("from line 2 to line 3"),
            "{}",
            received.rejected[0].reason
        );
    }

    #[test]
    fn a_missing_required_column_names_the_mapping_key() {
        let error = read_text("contract,period,amount,currency,ref\n").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("no `reference` column"), "{message}");
        assert!(
            message.contains("fields: { reference: <column> }"),
            "{message}"
        );
    }
}

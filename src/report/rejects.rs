//! The rejects file (`--rejects FILE`): the columns `file, line, column, reason`, then the
//! export's own columns, one rejected row a line as it was read, with the export's delimiter:
//! fixed in a spreadsheet or an editor, the file reads again with the same `--source`.

use std::io::{self, Write};

use crate::incidents::{REJECTS_COLUMNS, Rejects};

/// Writes `rejects` as CSV separated by `delimiter`.
///
/// # Errors
/// When writing fails.
pub fn write_rejects_csv(out: &mut dyn Write, rejects: &Rejects, delimiter: u8) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(out);
    let header = REJECTS_COLUMNS
        .iter()
        .map(|name| name.as_bytes())
        .chain(rejects.columns.iter().map(Vec::as_slice));
    writer.write_record(header)?;
    for row in &rejects.rows {
        let line = row.line.to_string();
        let front = [
            row.file.as_bytes(),
            line.as_bytes(),
            row.column.as_bytes(),
            row.reason.as_bytes(),
        ];
        writer.write_record(front.into_iter().chain(row.cells.iter().map(Vec::as_slice)))?;
    }
    writer.flush()
}

//! Baseline for the throughput benchmark: a plain `csv::ByteRecord` read of an export, the least
//! any CSV tool must do. `bench/run.py` runs it next to `slacredit report` on the same file.

use std::time::Instant;

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|argument| !argument.starts_with('-'))
        .or_else(|| std::env::var("SLACREDIT_BENCH_CSV").ok());
    let Some(path) = path else {
        println!("raw_read: set SLACREDIT_BENCH_CSV or pass a path (bench/run.py does this)");
        return;
    };
    let started = Instant::now();
    let mut reader = match csv::ReaderBuilder::new().from_path(&path) {
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("raw_read: cannot open {path}: {error}");
            std::process::exit(2);
        }
    };
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut bytes) = (0_u64, 0_u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                rows += 1;
                bytes += record.as_slice().len() as u64;
            }
            Ok(false) => break,
            Err(error) => {
                eprintln!("raw_read: {path}: {error}");
                std::process::exit(2);
            }
        }
    }
    println!(
        "rows={rows} bytes={bytes} seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
}

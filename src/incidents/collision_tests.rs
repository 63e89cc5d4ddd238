//! Repeated ids are decided by comparing the rows themselves, never by a hash: the reader is
//! run with an id hash that gives every id the same value, so every row is a candidate for
//! every other, and the verdicts must still be those of the ids' text and the rows' content.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use super::fingerprint::IdHash;
use super::reader::read_hashed;
use super::row::{Answer, Row};
use super::testing::{Copies, shown};
use super::{Input, Reading, Source};

/// Every id hashes to 0: the worst collisions an export could build.
const COLLIDING: IdHash = IdHash::with(|_| 0);

const HEADER: &str = "id,service,severity,opened,acknowledged,resolved,title\n";

fn count_every_row(_: &Row<'_>) -> Answer {
    Answer::Counted
}

fn read_with(text: &str, source: &Source, id_hash: IdHash) -> Reading<Copies> {
    let input = Input::stream("x.csv", std::io::Cursor::new(text.as_bytes().to_vec()));
    read_hashed(vec![input], source, Copies::new(count_every_row), id_hash).expect("reads")
}

fn read(text: &str, id_hash: IdHash) -> Reading<Copies> {
    read_with(text, &Source::generic(), id_hash)
}

/// `(read, counted, excluded, rejected)`.
fn accounting(reading: &Reading<Copies>) -> (u64, u64, u64, u64) {
    let rows = &reading.rows;
    (
        rows.read,
        rows.counted,
        rows.excluded_rows(),
        rows.rejected_rows(),
    )
}

/// `line: reason` of every rejection.
fn rejections(reading: &Reading<Copies>) -> Vec<String> {
    reading
        .rows
        .rejected
        .iter()
        .map(|rejection| format!("{}: {}", rejection.line, rejection.reason))
        .collect()
}

#[test]
fn two_ids_that_share_a_hash_are_never_merged() {
    // B7 and A1 say exactly the same but for their ids (in falling order, so the search for
    // repeats runs). Both count: 2 read = 2 counted + 0 excluded + 0 rejected.
    let text = format!(
        "{HEADER}B7,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,same\n\
         A1,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,same\n"
    );
    let reading = read(&text, COLLIDING);
    assert_eq!(accounting(&reading), (2, 2, 0, 0));
    assert_eq!(shown(&reading), shown(&read(&text, IdHash::STANDARD)));
}

#[test]
fn two_ids_that_share_a_hash_and_differ_are_both_counted() {
    // As above, but the contents differ too: no "same id with different content" for ids that
    // are not the same.
    let text = format!(
        "{HEADER}B7,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,one\n\
         A1,EDR,P1,2026-10-06T10:00:00Z,,,two\n"
    );
    let reading = read(&text, COLLIDING);
    assert_eq!(accounting(&reading), (2, 2, 0, 0));
    assert!(reading.rows.rejected.is_empty());
}

#[test]
fn one_id_with_content_68_hours_apart_is_never_called_identical() {
    // A1 resolved 2026-10-05T12:00Z and, on line 4, 2026-10-08T08:00Z (68 hours later), with the
    // same title; C2 in between. Both copies of A1 are rejected, each naming the other:
    // 3 read = 1 counted + 0 excluded + 2 rejected.
    let text = format!(
        "{HEADER}A1,SIEM,P1,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,outage\n\
         C2,EDR,P3,2026-10-06T10:00:00Z,,,other\n\
         A1,SIEM,P1,2026-10-05T10:00:00Z,,2026-10-08T08:00:00Z,outage\n"
    );
    for id_hash in [COLLIDING, IdHash::STANDARD] {
        let reading = read(&text, id_hash);
        assert_eq!(accounting(&reading), (3, 1, 0, 2));
        assert_eq!(
            rejections(&reading),
            [
                "2: the same id appears with different content at x.csv:4",
                "4: the same id appears with different content at x.csv:2",
            ]
        );
    }
}

#[test]
fn identical_copies_are_merged_only_within_their_id() {
    // A1 three times alike (lines 2, 4, 5), B1 alike in content but another id (line 3): the
    // copies on lines 4 and 5 are excluded as duplicates of line 2, B1 counts:
    // 4 read = 2 counted + 2 excluded + 0 rejected.
    let row = ",SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,t\n";
    let text = format!("{HEADER}A1{row}B1{row}A1{row}A1{row}");
    let reading = read(&text, COLLIDING);
    assert_eq!(accounting(&reading), (4, 2, 2, 0));
    assert_eq!(
        reading.rows.excluded[0].reason.to_string(),
        "duplicate of the identical row at x.csv:2"
    );
    let mut kept: Vec<(String, u64)> = reading
        .sink
        .kept
        .iter()
        .map(|kept| (kept.row.id.to_string(), kept.row.line))
        .collect();
    kept.sort();
    assert_eq!(kept, [("A1".to_owned(), 2), ("B1".to_owned(), 3)]);
}

#[test]
fn a_large_export_read_in_parts_gives_the_same_verdicts_under_a_colliding_hash() {
    // 3,000 rows read in 4 parallel parts: ids R0000..R2999 in falling order, R0100 twice alike
    // and R0200 twice differing. 3,002 read = 2,999 counted + 1 excluded + 2 rejected, with any
    // hash.
    let mut text = HEADER.to_owned();
    for number in (0..3_000).rev() {
        writeln!(
            text,
            "R{number:04},SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,row {number}"
        )
        .expect("a String takes any text");
    }
    text.push_str("R0100,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T12:00:00Z,row 100\n");
    text.push_str("R0200,SIEM,P2,2026-10-05T10:00:00Z,,2026-10-05T13:00:00Z,row 200\n");
    let path: PathBuf =
        std::env::temp_dir().join(format!("slacredit-collision-{}.csv", std::process::id()));
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .expect("a temporary file");
    let read_parts = |id_hash| {
        let input = Input::open(&path).expect("opens").threads(4).min_part(1);
        read_hashed(
            vec![input],
            &Source::generic(),
            Copies::new(count_every_row),
            id_hash,
        )
        .expect("reads")
    };
    let colliding = read_parts(COLLIDING);
    let standard = read_parts(IdHash::STANDARD);
    std::fs::remove_file(&path).expect("removed");
    assert_eq!(accounting(&colliding), (3_002, 2_999, 1, 2));
    assert_eq!(shown(&colliding), shown(&standard));
}

#[test]
fn event_log_incidents_that_share_a_hash_are_never_folded_together() {
    // Two tickets' events interleaved; every id hashes alike. Each folds on its own: 4 read = 2
    // counted + 2 excluded (earlier events), A resolved from its own history.
    let source = Source::check_text("events.yaml", "preset: generic\ncollapse: latest\n")
        .expect("a valid mapping");
    let text = "id,service,severity,opened,updated,state\n\
                A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T08:00:00Z,New\n\
                B,EDR,P2,2026-10-01T09:00:00Z,2026-10-01T09:00:00Z,New\n\
                A,SIEM,P1,2026-10-01T08:00:00Z,2026-10-01T11:00:00Z,Resolved\n\
                B,EDR,P2,2026-10-01T09:00:00Z,2026-10-01T09:30:00Z,In progress\n";
    let reading = read_with(text, &source, COLLIDING);
    assert_eq!(accounting(&reading), (4, 2, 2, 0));
    let mut kept: Vec<(String, u64)> = reading
        .sink
        .kept
        .iter()
        .map(|kept| (kept.row.id.to_string(), kept.row.line))
        .collect();
    kept.sort();
    assert_eq!(kept, [("A".to_owned(), 4), ("B".to_owned(), 5)]);
    assert_eq!(
        shown(&reading),
        shown(&read_with(text, &source, IdHash::STANDARD))
    );
}

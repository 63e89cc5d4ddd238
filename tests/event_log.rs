//! Event-log exports folded into incidents (`collapse: latest`), on a verbatim excerpt of the
//! UCI `ServiceNow` event log (`tests/fixtures/uci-event-log-excerpt.csv`, origin in
//! `tests/fixtures/README.md`): 104 rows of 10 tickets, with `Awaiting …` states, reopens, `?`
//! for missing values, an update logged before the ticket's `opened` time, a ticket whose rows
//! are out of time order, and the unknown state `-100`. Every expected value is read off the
//! rows by hand; each comment says how.

use std::path::Path;

use slacredit::contract::{Contract, TargetKind, load_contract_file};
use slacredit::incidents::{EARLIER_EVENT, Incident, Incidents, Input, Paused, Source};
use slacredit::time::format_instant;

const EXCERPT: &str = "tests/fixtures/uci-event-log-excerpt.csv";
const MAPPING: &str = "examples/real/mappings/uci-servicenow.yaml";
const CONTRACT: &str = "examples/real/contracts/uci-itsm.yaml";

fn contract() -> Contract {
    load_contract_file(Path::new(CONTRACT)).expect("the shipped contract loads")
}

/// Reads `csv` with the UCI mapping, keeping every valid incident whatever its period.
fn fold(name: &str, csv: Vec<u8>) -> Incidents {
    let source = Source::load(Path::new(MAPPING)).expect("the shipped mapping loads");
    let input = Input::stream(name, std::io::Cursor::new(csv));
    slacredit::read_incidents(vec![input], &source, &[contract()], &|_, _| Ok(()))
        .expect("the excerpt reads")
}

fn excerpt() -> Vec<u8> {
    std::fs::read(EXCERPT).expect("the fixture exists")
}

fn find<'a>(incidents: &'a Incidents, id: &str) -> &'a Incident {
    incidents
        .incidents
        .iter()
        .find(|incident| &*incident.id == id)
        .unwrap_or_else(|| panic!("{id} is folded"))
}

/// `opened`, `acknowledged`, `resolved` and the pause intervals, as RFC 3339 text.
fn clock(incident: &Incident) -> (String, Option<String>, Option<String>, Vec<String>) {
    let pauses = match &incident.paused {
        Paused::None => Vec::new(),
        Paused::Intervals(intervals) => intervals
            .iter()
            .map(|(start, end)| format!("{}/{}", format_instant(*start), format_instant(*end)))
            .collect(),
        Paused::Total(seconds) => vec![format!("{seconds} s")],
    };
    (
        format_instant(incident.opened),
        incident.acknowledged.map(format_instant),
        incident.resolved.map(format_instant),
        pauses,
    )
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|text| (*text).to_owned()).collect()
}

#[test]
fn every_row_is_counted_or_folded() {
    let incidents = fold(EXCERPT, excerpt());
    let rows = &incidents.rows;
    // 104 data rows of 10 tickets: 10 incidents, 94 earlier events folded into them.
    assert_eq!(rows.read, 104);
    assert_eq!(rows.counted, 10);
    assert_eq!(rows.excluded.len(), 1, "{:?}", rows.excluded);
    assert_eq!(rows.excluded[0].reason.to_string(), EARLIER_EVENT);
    assert_eq!(rows.excluded[0].rows, 94);
    assert!(rows.rejected.is_empty(), "{:?}", rows.rejected);
    // Repeated ids are the point of an event log: no duplicate is reported.
    assert!(
        !rows
            .excluded
            .iter()
            .any(|exclusion| exclusion.reason.to_string().contains("duplicate"))
    );
}

#[test]
fn the_latest_row_gives_the_fields_and_its_place() {
    let incidents = fold(EXCERPT, excerpt());
    // INC0000045, lines 2-5: New 01:23, Resolved 08:53, Resolved 11:29, Closed 5/3 12:00. The
    // first move out of New is 08:53; `resolved_at` on the latest row says 11:29.
    let simple = find(&incidents, "INC0000045");
    assert_eq!(
        clock(simple),
        (
            "2016-02-29T01:16:00Z".to_owned(),
            Some("2016-02-29T08:53:00Z".to_owned()),
            Some("2016-02-29T11:29:00Z".to_owned()),
            Vec::new()
        )
    );
    assert_eq!(incidents.origin(simple), format!("{EXCERPT}:5"));
    // `3 - Moderate` becomes P3 through the servicenow preset: the contract's `moderate`.
    assert_eq!(
        contract().severities[usize::from(simple.severity)].id,
        "moderate"
    );
    // INC0000137's rows are out of time order in the file (11:10 before 09:52). In time order:
    // New 09:52, Resolved 11:03, New 11:10, Closed 5/3 12:00 (line 15, the latest). The response
    // is 11:03; the export's resolved_at is 11:03, so the span resolved 11:03 → new again 11:10
    // lies after the resolution and no pause is left.
    let unsorted = find(&incidents, "INC0000137");
    assert_eq!(incidents.origin(unsorted), format!("{EXCERPT}:15"));
    assert_eq!(
        clock(unsorted),
        (
            "2016-02-29T09:48:00Z".to_owned(),
            Some("2016-02-29T11:03:00Z".to_owned()),
            Some("2016-02-29T11:03:00Z".to_owned()),
            Vec::new()
        )
    );
}

#[test]
fn awaiting_states_are_pauses() {
    let incidents = fold(EXCERPT, excerpt());
    // INC0000131: Active logged at 07:14, before `opened` (09:41), so the response counts from
    // 09:41; Awaiting User Info from 09:45 until Resolved on 3/3 09:27.
    assert_eq!(
        clock(find(&incidents, "INC0000131")),
        (
            "2016-02-29T09:41:00Z".to_owned(),
            Some("2016-02-29T09:41:00Z".to_owned()),
            Some("2016-03-03T09:27:00Z".to_owned()),
            strings(&["2016-02-29T09:45:00Z/2016-03-03T09:27:00Z"])
        )
    );
    // INC0001287: Awaiting Vendor from 12/5 14:12 to the resolution on 11/8 11:43.
    assert_eq!(
        clock(find(&incidents, "INC0001287")).3,
        strings(&["2016-05-12T14:12:00Z/2016-08-11T11:43:00Z"])
    );
    // INC0019396: 58 rows; eight runs of Awaiting User Info, the first starting at the response.
    // Their lengths add up to 780,300 s (21,660 + 275,940 + 127,920 + 44,040 + 58,320 +
    // 158,460 + 87,720 + 6,240).
    let long = find(&incidents, "INC0019396");
    let (_, acknowledged, resolved, pauses) = clock(long);
    assert_eq!(acknowledged.as_deref(), Some("2016-04-15T09:20:00Z"));
    assert_eq!(resolved.as_deref(), Some("2016-05-12T23:51:00Z"));
    assert_eq!(
        pauses,
        strings(&[
            "2016-04-15T09:20:00Z/2016-04-15T15:21:00Z",
            "2016-04-27T08:55:00Z/2016-04-30T13:34:00Z",
            "2016-05-03T11:53:00Z/2016-05-04T23:25:00Z",
            "2016-05-05T11:11:00Z/2016-05-05T23:25:00Z",
            "2016-05-06T14:19:00Z/2016-05-07T06:31:00Z",
            "2016-05-09T12:32:00Z/2016-05-11T08:33:00Z",
            "2016-05-11T11:31:00Z/2016-05-12T11:53:00Z",
            "2016-05-12T14:46:00Z/2016-05-12T16:30:00Z",
        ])
    );
    let Paused::Intervals(intervals) = &long.paused else {
        panic!("pause intervals")
    };
    let total: i64 = intervals.iter().map(|(start, end)| end - start).sum();
    assert_eq!(total, 780_300);
}

#[test]
fn a_reopened_incident_resumes_its_clock() {
    let incidents = fold(EXCERPT, excerpt());
    // INC0001155: Resolved 6/4 14:13, Active again 7/4 06:58 (reopen_count 1), Resolved
    // 25/4 09:43, Closed. The 16 h 45 min spent resolved is a pause; resolved is the last
    // resolution.
    assert_eq!(
        clock(find(&incidents, "INC0001155")),
        (
            "2016-03-02T11:07:00Z".to_owned(),
            Some("2016-03-02T11:09:00Z".to_owned()),
            Some("2016-04-25T09:43:00Z".to_owned()),
            strings(&["2016-04-06T14:13:00Z/2016-04-07T06:58:00Z"])
        )
    );
    // INC0011848 has `?` in resolved_at on every row, so the state history decides: logged as
    // Resolved at opening (10:45), reopened 29/3 14:07, Resolved 29/3 22:52, Closed 3/4.
    assert_eq!(
        clock(find(&incidents, "INC0011848")),
        (
            "2016-03-28T10:45:00Z".to_owned(),
            Some("2016-03-28T10:45:00Z".to_owned()),
            Some("2016-03-29T22:52:00Z".to_owned()),
            strings(&["2016-03-28T10:45:00Z/2016-03-29T14:07:00Z"])
        )
    );
    // INC0000093: Resolved at opening, then Closed; resolved_at `?`: resolved at once.
    assert_eq!(
        clock(find(&incidents, "INC0000093")).2.as_deref(),
        Some("2016-02-29T08:56:00Z")
    );
    // INC0028089: New, then the unknown state -100 at 16/6 12:02, which is not New: the response.
    assert_eq!(
        clock(find(&incidents, "INC0028089")).1.as_deref(),
        Some("2016-06-16T12:02:00Z")
    );
}

#[test]
fn rows_of_one_incident_need_not_be_adjacent() {
    // The same rows dealt out round-robin across the tickets (each ticket's rows keep their
    // relative order, which decides ties of `updated`) fold to the same incidents.
    let text = String::from_utf8(excerpt()).expect("UTF-8");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let mut tickets: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in lines {
        let id = line.split(',').next().expect("an id");
        match tickets.iter_mut().find(|(known, _)| *known == id) {
            Some((_, rows)) => rows.push(line),
            None => tickets.push((id, vec![line])),
        }
    }
    let mut dealt = vec![header];
    for round in 0.. {
        let before = dealt.len();
        dealt.extend(tickets.iter().filter_map(|(_, rows)| rows.get(round)));
        if dealt.len() == before {
            break;
        }
    }
    assert_eq!(dealt.len(), 105);
    let interleaved = fold("interleaved.csv", (dealt.join("\n") + "\n").into_bytes());
    let original = fold(EXCERPT, excerpt());
    assert_eq!(interleaved.rows.counted, 10);
    assert_eq!(interleaved.rows.excluded, original.rows.excluded);
    for incident in &original.incidents {
        let other = find(&interleaved, &incident.id);
        assert_eq!(clock(other), clock(incident), "{}", incident.id);
        assert_eq!(other.severity, incident.severity, "{}", incident.id);
    }
}

#[test]
fn verdicts_agree_with_the_exports_made_sla_on_the_excerpt() {
    // Resolution targets of examples/real/contracts/uci-itsm.yaml: P1 4 h, P3 3 d (259,200 s).
    // made_sla on each ticket's latest row: true for 45, 93, 131, 137 and 11848; false for the
    // others. Wall-clock opened → resolved: 45 36,780 s, 93 0 s, 131 258,360 s (71 h 46 min,
    // just inside 3 d), 137 4,500 s, 11848 130,020 s: all met. 1155 4,660,560 s, 1287
    // 13,992,300 s, 19396 2,430,540 s, 28089 3,163,980 s (P3) and 8349 14,333,940 s (P1): all
    // breached, with or without their pauses. So all 10 agree either way.
    let contract = contract();
    let incidents = fold(EXCERPT, excerpt());
    let breached: Vec<&str> = incidents
        .incidents
        .iter()
        .filter(|incident| {
            let severity = &contract.severities[usize::from(incident.severity)];
            let target = severity
                .target(TargetKind::Resolve)
                .expect("resolve target");
            let calendar = &contract.calendars[target.calendar].calendar;
            let verdict = slacredit::calc::judge(
                incident,
                TargetKind::Resolve,
                target,
                calendar,
                i64::MAX / 2,
            )
            .expect("a resolution target applies to every incident");
            verdict.status == slacredit::calc::Status::Breached
        })
        .map(|incident| &*incident.id)
        .collect();
    assert_eq!(
        breached,
        [
            "INC0001155",
            "INC0001287",
            "INC0008349",
            "INC0019396",
            "INC0028089"
        ]
    );
}

//! The scorecard through the library: contract text + CSV text → scorecard lines. Every expected
//! figure is worked out by hand in the comment above it.

use slacredit::calc::scorecard::{Note, ScoreLine, Scorecard, Severities, ViewKind};
use slacredit::contract::{Contract, load_contract_text};
use slacredit::incidents::{Exceptions, Input, Source};

/// A monthly UTC contract: one service `web` at 1,000.00 a month with a 99.9 % target and a
/// 10 % band below it; office hours 09:00–17:00 Monday to Friday.
/// sev1: full downtime, respond in 15 min (pausable), resolve in 4 h, around the clock.
/// sev2: no downtime, no response target, resolve in 8 office hours.
/// sev3: no downtime, no targets.
fn contract(period: &str) -> Contract {
    let text = format!(
        "id: CARD\ntitle: Card\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\n\
         effective: {{ from: 2026-01-01 }}\nperiod: {period}\n\
         calendars:\n  office:\n    weekly: {{ mon-fri: [\"09:00-17:00\"] }}\n\
         services:\n  - {{ id: web, match: [web], fee: 1000.00, availability: {{ target: 99.9 }} }}\n\
         severities:\n\
         \x20 - {{ id: sev1, match: [P1], downtime: 1, respond: {{ within: 15m, pausable: true }}, resolve: {{ within: 4h }} }}\n\
         \x20 - {{ id: sev2, match: [P2], downtime: 0, resolve: {{ within: 8h, calendar: office }} }}\n\
         \x20 - {{ id: sev3, match: [P3], downtime: 0 }}\n\
         credits:\n  rules:\n    - id: availability\n      kind: availability\n      bands:\n        - {{ below: 99.9, credit: 10% }}\n"
    );
    load_contract_text("card.yaml", &text)
        .unwrap_or_else(|problems| panic!("test contract invalid: {problems:#?}"))
}

const HEADER: &str = "id,service,severity,opened,acknowledged,resolved,paused\n";

fn scorecard(contract: &Contract, rows: &str, range: &str, by: Option<ViewKind>) -> Scorecard {
    let input = Input::stream(
        "incidents.csv",
        std::io::Cursor::new(format!("{HEADER}{rows}").into_bytes()),
    );
    slacredit::evaluate_scorecard(
        std::slice::from_ref(contract),
        vec![input],
        &Source::generic(),
        (range.parse().expect("test range"), None),
        &Exceptions::default(),
        (by, 2),
    )
    .expect("the scorecard is made")
}

fn line<'a>(card: &'a Scorecard, period: &str, severity: &str) -> &'a ScoreLine {
    card.lines
        .iter()
        .find(|line| line.period.to_string() == period && line.severity.to_string() == severity)
        .unwrap_or_else(|| panic!("no line for {period} {severity}"))
}

/// (met, breached, pending, compliance) of respond or resolve.
fn targets(compliance: &slacredit::calc::scorecard::Compliance) -> (u64, u64, u64, String) {
    (
        compliance.counts.met,
        compliance.counts.breached,
        compliance.counts.pending,
        compliance
            .compliance
            .map(|share| share.to_string())
            .unwrap_or_default(),
    )
}

/// (mean, p50, p90) or `None`.
fn times(figures: Option<slacredit::calc::scorecard::TimeFigures>) -> Option<(i64, i64, i64)> {
    figures.map(|figures| {
        (
            figures.mean_seconds,
            figures.p50_seconds,
            figures.p90_seconds,
        )
    })
}

/// June 2026 (1 June is a Monday; 30 days = 2,592,000 s).
const JUNE: &str = "\
A,web,P1,2026-06-02T10:00:00Z,2026-06-02T10:10:00Z,2026-06-02T11:00:00Z,
A,web,P1,2026-06-02T10:00:00Z,2026-06-02T10:10:00Z,2026-06-02T11:00:00Z,
B,web,P1,2026-06-03T10:00:00Z,2026-06-03T10:20:00Z,2026-06-03T15:00:00Z,2026-06-03T10:05:00Z/2026-06-03T10:15:00Z
C,web,P1,2026-06-04T10:00:00Z,2026-06-04T10:30:00Z,2026-06-04T12:00:00Z,
D,web,P1,2026-06-30T22:00:00Z,2026-06-30T22:05:00Z,,
E,web,P2,2026-06-05T16:00:00Z,2026-06-05T16:30:00Z,2026-06-08T10:00:00Z,
F,web,P2,2026-06-09T09:00:00Z,2026-06-09T09:45:00Z,2026-06-10T12:00:00Z,
G,web,P3,2026-06-15T12:00:00Z,,,
";

#[test]
fn every_column_of_a_month_by_hand() {
    let card = scorecard(&contract("month"), JUNE, "2026-06", None);
    // Lines: sev1, sev2, sev3 and all, in the contract's order.
    let severities: Vec<String> = card
        .lines
        .iter()
        .map(|line| line.severity.to_string())
        .collect();
    assert_eq!(severities, ["sev1", "sev2", "sev3", "all"]);

    // sev1. A is listed twice with the same content: one copy counts. A, B, C, D opened.
    // Respond (15 min, pausable):
    //   A 10:00 → 10:10 = 600 s, met;
    //   B 10:00 → 10:20 = 1,200 s, less the 10 min pause 10:05–10:15 = 600 s, met;
    //   C 10:00 → 10:30 = 1,800 s > 900, breached;
    //   D 22:00 → 22:05 = 300 s, met.
    //   3 met, 1 breached → 3 / 4 = 75.00 %.
    //   MTTA over 300, 600, 600, 1,800 (an even count): mean 3,300 / 4 = 825;
    //   p50 the ⌈0.5·4⌉ = 2nd = 600; p90 the ⌈3.6⌉ = 4th = 1,800.
    // Resolve (4 h, not pausable):
    //   A 1 h = 3,600 s met; B 5 h = 18,000 s > 14,400 breached; C 2 h = 7,200 s met;
    //   D still open at the end of the range: due 1 July 02:00, outside the range, and not in
    //   the MTTR. 2 met, 1 breached → 66.666… → 66.67 %.
    //   MTTR over 3,600, 7,200, 18,000 (an odd count): mean 28,800 / 3 = 9,600;
    //   p50 the ⌈1.5⌉ = 2nd = 7,200; p90 the ⌈2.7⌉ = 3rd = 18,000.
    let sev1 = line(&card, "2026-06", "sev1");
    assert_eq!(sev1.incidents, 4);
    assert_eq!(targets(&sev1.respond), (3, 1, 0, "75.00".into()));
    assert_eq!(targets(&sev1.resolve), (2, 1, 0, "66.67".into()));
    assert_eq!(times(sev1.time_to_acknowledge), Some((825, 600, 1_800)));
    assert_eq!(times(sev1.time_to_resolve), Some((9_600, 7_200, 18_000)));

    // sev2, office hours Mon–Fri 09:00–17:00, resolve in 8 office hours, no response target:
    //   E opened Fri 5 June 16:00, resolved Mon 8 June 10:00: Fri 16–17 + Mon 09–10 = 7,200 s,
    //     met (due Mon 16:00);
    //   F opened Tue 9 June 09:00, resolved Wed 10 June 12:00: Tue 09–17 + Wed 09–12 = 11 h =
    //     39,600 s > 28,800, breached.
    //   1 met, 1 breached → 50.00 %. MTTR over 7,200 and 39,600: mean 23,400; p50 the 1st =
    //   7,200; p90 the ⌈1.8⌉ = 2nd = 39,600.
    //   No response target: acknowledgement is timed around the clock, E 1,800 s and F 2,700 s:
    //   mean 2,250, p50 1,800, p90 2,700; response compliance is empty (nothing was due).
    let sev2 = line(&card, "2026-06", "sev2");
    assert_eq!(sev2.incidents, 2);
    assert_eq!(targets(&sev2.respond), (0, 0, 0, String::new()));
    assert_eq!(targets(&sev2.resolve), (1, 1, 0, "50.00".into()));
    assert_eq!(times(sev2.time_to_acknowledge), Some((2_250, 1_800, 2_700)));
    assert_eq!(times(sev2.time_to_resolve), Some((23_400, 7_200, 39_600)));

    // sev3: G opened, never acknowledged nor resolved: no times (n = 0), no targets.
    let sev3 = line(&card, "2026-06", "sev3");
    assert_eq!(sev3.incidents, 1);
    assert_eq!(times(sev3.time_to_acknowledge), None);
    assert_eq!(times(sev3.time_to_resolve), None);
    assert_eq!(targets(&sev3.resolve), (0, 0, 0, String::new()));

    // All severities: 7 incidents. Respond 3 met, 1 breached → 75.00 %. Resolve 3 met,
    // 2 breached → 60.00 %.
    // MTTA over 300, 600, 600, 1,800, 1,800, 2,700: mean 7,800 / 6 = 1,300; p50 the 3rd = 600;
    // p90 the ⌈5.4⌉ = 6th = 2,700.
    // MTTR over 3,600, 7,200, 7,200, 18,000, 39,600: mean 75,600 / 5 = 15,120; p50 the ⌈2.5⌉ =
    // 3rd = 7,200; p90 the ⌈4.5⌉ = 5th = 39,600.
    let all = line(&card, "2026-06", "all");
    assert_eq!(all.incidents, 7);
    assert_eq!(targets(&all.respond), (3, 1, 0, "75.00".into()));
    assert_eq!(targets(&all.resolve), (3, 2, 0, "60.00".into()));
    assert_eq!(times(all.time_to_acknowledge), Some((1_300, 600, 2_700)));
    assert_eq!(times(all.time_to_resolve), Some((15_120, 7_200, 39_600)));

    // Downtime (sev1 only counts): A 1 h + B 5 h + C 2 h + D 22:00–24:00 (open, measured to the
    // end of June) 2 h = 10 h = 36,000 s. Availability (2,592,000 − 36,000) / 2,592,000 × 100 =
    // 98.61111… → 98.6111 %, below 99.9 → 10 % of 1,000.00 = 100.00, on the `all` line only.
    for line in &card.lines {
        assert_eq!(line.downtime_seconds, 36_000);
        assert_eq!(line.availability.to_string(), "98.6111");
        assert_eq!(
            line.availability_target.map(|target| target.to_string()),
            Some("99.9".into())
        );
        assert_eq!(line.currency, "EUR");
        assert_eq!(
            (line.contract.as_str(), line.service.as_str()),
            ("CARD", "web")
        );
    }
    assert_eq!(
        all.credits.map(|credits| credits.to_string()),
        Some("100.00".into())
    );
    assert_eq!(sev1.credits, None);
    assert!(card.notes.is_empty());
    // Rows: 8 read, 7 counted, the second A excluded as a duplicate.
    assert_eq!((card.rows.read, card.rows.counted), (8, 7));
}

/// A quarterly contract seen by month: P is opened on 30 April 23:50 and acknowledged on 1 May
/// 00:10, Q in May; June is quiet.
const SECOND_QUARTER: &str = "\
P,web,P1,2026-04-30T23:50:00Z,2026-05-01T00:10:00Z,2026-05-01T01:00:00Z,
Q,web,P1,2026-05-10T10:00:00Z,2026-05-10T10:05:00Z,2026-05-10T13:00:00Z,
";

#[test]
fn a_month_view_of_a_quarterly_contract() {
    let card = scorecard(
        &contract("quarter"),
        SECOND_QUARTER,
        "2026-Q2",
        Some(ViewKind::Month),
    );
    let periods: Vec<String> = card
        .lines
        .iter()
        .filter(|line| line.severity == Severities::All)
        .map(|line| line.period.to_string())
        .collect();
    assert_eq!(periods, ["2026-04", "2026-05", "2026-06"]);

    // April (2,592,000 s): P opened, so it counts here with its times: acknowledged after
    // 1,200 s, resolved after 70 min = 4,200 s (n = 1: mean = p50 = p90). Its response was due at
    // 00:05 on 1 May: that breach belongs to May. Down 23:50–24:00 = 600 s:
    // (2,592,000 − 600) / 2,592,000 × 100 = 99.97685… → 99.9769.
    let april = line(&card, "2026-04", "all");
    assert_eq!(april.incidents, 1);
    assert_eq!(targets(&april.respond), (0, 0, 0, String::new()));
    assert_eq!(
        times(april.time_to_acknowledge),
        Some((1_200, 1_200, 1_200))
    );
    assert_eq!(times(april.time_to_resolve), Some((4_200, 4_200, 4_200)));
    assert_eq!(april.downtime_seconds, 600);
    assert_eq!(april.availability.to_string(), "99.9769");

    // May (2,678,400 s): Q opened. Respond: P breached (due 00:05 1 May), Q met (300 s) →
    // 1 / 2 = 50.00 %. Resolve: P (4,200 s, due 03:50 1 May) and Q (10,800 s) met → 100.00 %.
    // Down P 00:00–01:00 = 3,600 s and Q 3 h = 10,800 s = 14,400 s:
    // (2,678,400 − 14,400) / 2,678,400 × 100 = 99.46236… → 99.4624.
    let may = line(&card, "2026-05", "all");
    assert_eq!(may.incidents, 1);
    assert_eq!(targets(&may.respond), (1, 1, 0, "50.00".into()));
    assert_eq!(targets(&may.resolve), (2, 0, 0, "100.00".into()));
    assert_eq!(times(may.time_to_acknowledge), Some((300, 300, 300)));
    assert_eq!(may.downtime_seconds, 14_400);
    assert_eq!(may.availability.to_string(), "99.4624");

    // June: nothing; 100 % and no figures.
    let june = line(&card, "2026-06", "all");
    assert_eq!((june.incidents, june.downtime_seconds), (0, 0));
    assert_eq!(june.availability.to_string(), "100");
    assert_eq!(times(june.time_to_resolve), None);

    // Credits are owed per quarter: no month shows them, and a note says why.
    assert!(card.lines.iter().all(|line| line.credits.is_none()));
    assert_eq!(
        card.notes,
        [Note::CreditsPerBillingPeriod {
            contract: "CARD".into(),
            by: ViewKind::Month,
            billed: ViewKind::Quarter,
        }]
    );
    // Trend: May − April = 99.4624 − 99.9769 = −0.5145 pp; June − May = +0.5376 pp.
    let changes: Vec<Option<String>> = card
        .trends
        .iter()
        .map(|trend| trend.availability_change.map(|change| change.to_string()))
        .collect();
    assert_eq!(
        changes,
        [None, Some("-0.5145".into()), Some("0.5376".into())]
    );

    // By quarter (its own period): 91 days = 7,862,400 s, 15,000 s down:
    // (7,862,400 − 15,000) / 7,862,400 × 100 = 99.80922… → 99.8092 %, below 99.9 → 10 % of the
    // quarter's fees 3 × 1,000.00 = 300.00.
    let quarter = scorecard(&contract("quarter"), SECOND_QUARTER, "2026-Q2", None);
    let all = line(&quarter, "2026-Q2", "all");
    assert_eq!(all.availability.to_string(), "99.8092");
    assert_eq!(
        all.credits.map(|credits| credits.to_string()),
        Some("300.00".into())
    );
    // Respond 1 met (Q), 1 breached (P); times over both: MTTA 1,200 and 300 → mean 750,
    // p50 the 1st = 300, p90 the 2nd = 1,200.
    assert_eq!(targets(&all.respond), (1, 1, 0, "50.00".into()));
    assert_eq!(times(all.time_to_acknowledge), Some((750, 300, 1_200)));
    assert!(quarter.notes.is_empty());
}

#[test]
fn a_quarter_view_of_a_monthly_contract_sums_its_months() {
    // February (28 days = 2,419,200 s): 1 h down; March (31 days = 2,678,400 s): 4 h down; the
    // range 2026-02..2026-04 covers two months of Q1 and one of Q2.
    let rows = "\
M,web,P1,2026-02-10T10:00:00Z,2026-02-10T10:05:00Z,2026-02-10T11:00:00Z,
N,web,P1,2026-03-10T10:00:00Z,2026-03-10T10:05:00Z,2026-03-10T14:00:00Z,
";
    let card = scorecard(
        &contract("month"),
        rows,
        "2026-02..2026-04",
        Some(ViewKind::Quarter),
    );
    // Q1 as covered: 2,419,200 + 2,678,400 = 5,097,600 s measured, 3,600 + 14,400 = 18,000 s
    // down: (5,097,600 − 18,000) / 5,097,600 × 100 = 99.64689… → 99.6469.
    let first = line(&card, "2026-Q1", "all");
    assert_eq!(first.downtime_seconds, 18_000);
    assert_eq!(first.availability.to_string(), "99.6469");
    // Credits per month: February (2,419,200 − 3,600) / 2,419,200 = 99.85119 % < 99.9 → 100.00;
    // March (2,678,400 − 14,400) / 2,678,400 = 99.46236 % → 100.00; together 200.00.
    assert_eq!(
        first.credits.map(|credits| credits.to_string()),
        Some("200.00".into())
    );
    // Resolve: M 1 h met, N 4 h = 14,400 s met (not more than allowed).
    assert_eq!(targets(&first.resolve), (2, 0, 0, "100.00".into()));
    let second = line(&card, "2026-Q2", "all");
    assert_eq!(
        // Nothing owed is still money in the currency's minor units.
        second.credits.map(|credits| credits.to_string()),
        Some("0.00".into())
    );
    // Both quarters are only partly inside the range.
    let notes: Vec<String> = card
        .notes
        .iter()
        .map(|note| match note {
            Note::PartialPeriod {
                period,
                first,
                last,
                ..
            } => format!("{period} {first}..{last}"),
            Note::CreditsPerBillingPeriod { .. } => "credits".into(),
        })
        .collect();
    assert_eq!(
        notes,
        ["2026-Q1 2026-02..2026-03", "2026-Q2 2026-04..2026-04"]
    );
}

#[test]
fn three_months_of_falling_availability_are_declining() {
    // Down 1 h in February, 2 h in March, 3 h in April, 4 h in May. Availability: January 100,
    // February 99.8656 (first fall), March 99.7312 (second), April 99.5833 (third: declining),
    // May 99.4624 (fourth: still declining).
    let rows = "\
R1,web,P1,2026-02-10T10:00:00Z,,2026-02-10T11:00:00Z,
R2,web,P1,2026-03-10T10:00:00Z,,2026-03-10T12:00:00Z,
R3,web,P1,2026-04-10T10:00:00Z,,2026-04-10T13:00:00Z,
R4,web,P1,2026-05-10T10:00:00Z,,2026-05-10T14:00:00Z,
";
    let card = scorecard(&contract("month"), rows, "2026-01..2026-05", None);
    let declining: Vec<bool> = card.trends.iter().map(|trend| trend.declining).collect();
    assert_eq!(declining, [false, false, false, true, true]);
}

#[test]
fn the_scorecard_of_a_billing_period_matches_the_report() {
    // The ACME contract has maintenance windows, office-hours targets and a per-service cap:
    // month by month, the scorecard's availability, downtime and credits per service are the
    // report's.
    let contract =
        slacredit::contract::load_contract_file(std::path::Path::new("contracts/acme-soc.yaml"))
            .expect("the ACME contract loads");
    let read = || {
        vec![Input::open(std::path::Path::new("examples/acme-soc-2026-10.csv")).expect("export")]
    };
    let range = "2026-10".parse().expect("a period");
    let report = slacredit::evaluate(
        std::slice::from_ref(&contract),
        read(),
        &Source::generic(),
        range,
        None,
        &Exceptions::default(),
    )
    .expect("the report");
    let card = slacredit::evaluate_scorecard(
        std::slice::from_ref(&contract),
        read(),
        &Source::generic(),
        (range, None),
        &Exceptions::default(),
        (None, 1),
    )
    .expect("the scorecard");
    let services = &report.contracts[0].services;
    assert_eq!(services.len(), 2);
    for service in services {
        let all = card
            .lines
            .iter()
            .find(|line| line.service == service.service && line.severity == Severities::All)
            .expect("a line per service");
        assert_eq!(
            all.availability, service.availability,
            "{}",
            service.service
        );
        assert_eq!(all.downtime_seconds, service.downtime_seconds);
        assert_eq!(all.credits, Some(service.credit));
        assert_eq!(
            (all.respond.counts, all.resolve.counts),
            (service.respond, service.resolve)
        );
    }
}

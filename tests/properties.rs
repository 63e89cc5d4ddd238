//! Invariants of the calculation, checked on generated inputs.

use std::fmt::Write as _;

use proptest::prelude::*;
use slacredit::calc::{Outage, availability_percent, downtime};
use slacredit::contract::load_contract_text;
use slacredit::incidents::{Exceptions, Input, Source};
use slacredit::money::{Amount, BareNumber, Decimal, Denomination, parse_decimal, parse_percent};
use slacredit::time::{AmbiguousPolicy, PeriodSpec, TimestampFormat, parse_duration};

const MONTH: i64 = 30 * 86_400;

fn outage() -> impl Strategy<Value = Outage> {
    (
        0..MONTH,
        1..86_400_i64,
        prop_oneof![Just("1"), Just("0.5"), Just("0.25")],
    )
        .prop_map(|(start, length, weight)| Outage {
            start,
            end: start + length,
            weight: weight.parse().expect("literal weight"),
        })
}

proptest! {
    #[test]
    fn more_downtime_never_raises_availability(outages in prop::collection::vec(outage(), 0..20), extra in outage()) {
        let before = downtime(&outages, 0, MONTH);
        let mut more = outages.clone();
        more.push(extra);
        let after = downtime(&more, 0, MONTH);
        prop_assert!(after.seconds >= before.seconds);
        prop_assert!(availability_percent(MONTH, after.weighted) <= availability_percent(MONTH, before.weighted));
    }

    #[test]
    fn availability_stays_within_0_and_100(outages in prop::collection::vec(outage(), 0..20)) {
        let down = downtime(&outages, 0, MONTH);
        let availability = availability_percent(MONTH, down.weighted);
        prop_assert!(availability >= Decimal::ZERO && availability <= Decimal::ONE_HUNDRED, "{availability}");
        prop_assert!(down.seconds <= MONTH);
    }

    #[test]
    fn credits_never_exceed_the_service_cap(
        fee_cents in 1_u64..10_000_000,
        cap_percent in 0_u32..=100,
        band_percent in 0_u32..=100,
        breach_amount_cents in 0_u64..1_000_000,
        late_minutes in prop::collection::vec(0_i64..120, 0..8),
        down_minutes in 0_i64..3_000,
    ) {
        let fee = Decimal::new(fee_cents as i64, 2);
        let text = format!(
            "id: P\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: {{ from: 2026-01-01 }}\n\
             services: [{{ id: web, match: [web], fee: {fee}, availability: {{ target: 99.9 }} }}]\n\
             severities: [{{ id: s1, match: [P1], downtime: 1, respond: {{ within: 15m }} }}]\n\
             credits:\n  cap: {{ per_service: {cap_percent}% }}\n  rules:\n\
             \x20   - {{ id: a, kind: availability, bands: [{{ below: 99.99, credit: {band_percent}% }}] }}\n\
             \x20   - {{ id: r, kind: per_breach, target: respond, credit: {} }}\n",
            Decimal::new(breach_amount_cents as i64, 2)
        );
        let contract = load_contract_text("p.yaml", &text).expect("generated contract is valid");
        // One outage from 2 September 00:00 lasting `down_minutes`, then one incident per day
        // acknowledged 15 to 59 minutes after opening (some late for the 15-minute target).
        let september_2 = 1_788_307_200; // 2026-09-02T00:00:00Z
        let down_end = chrono::DateTime::from_timestamp(september_2 + down_minutes * 60, 0).expect("in range");
        let mut csv = format!(
            "id,service,severity,opened,acknowledged,resolved\nDOWN,web,P1,2026-09-02T00:00:00Z,2026-09-02T00:01:00Z,{}\n",
            down_end.format("%Y-%m-%dT%H:%M:%SZ")
        );
        for (index, late) in late_minutes.iter().enumerate() {
            let (day, minute) = (index + 10, 15 + late % 45);
            writeln!(csv, "L{index},web,P1,2026-09-{day}T10:00:00Z,2026-09-{day}T10:{minute:02}:00Z,2026-09-{day}T12:00:00Z")
                .expect("writing to a String cannot fail");
        }
        let input = Input::stream("p.csv", std::io::Cursor::new(csv.into_bytes()));
        let report = slacredit::evaluate(&[contract], vec![input], &Source::generic(), "2026-09".parse().expect("period"), None, &Exceptions::default())
            .expect("evaluates");
        let cap = Amount::PercentOfFee(Decimal::from(cap_percent)).of_fee(fee);
        let total: Decimal = report.contracts[0].credit_lines.iter().map(|line| line.amount).sum();
        prop_assert!(total <= cap, "total {total} exceeds cap {cap}");
        for line in &report.contracts[0].credit_lines {
            prop_assert!(line.amount >= Decimal::ZERO && line.amount <= line.amount_before_caps);
            prop_assert_eq!(line.amount.scale(), 2);
        }
        prop_assert_eq!(report.contracts[0].credit_total, total);
    }

    #[test]
    fn a_year_of_credits_never_exceeds_the_year_cap(
        year_cap_cents in 0_u64..2_000_000,
        breach_cents in 1_u64..200_000,
        breaches_per_month in prop::collection::vec(0_usize..4, 12),
        escalate in any::<bool>(),
    ) {
        let year_cap = Decimal::new(year_cap_cents as i64, 2);
        let escalation = if escalate {
            "\x20   - { id: e, kind: escalation, applies_to: [r], breaches: 2, within: 60d, multiplier: 2 }\n"
        } else {
            ""
        };
        let text = format!(
            "id: Y\nprovider: P\ncustomer: C\ncurrency: EUR\ntimezone: UTC\neffective: {{ from: 2026-01-01 }}\n\
             services: [{{ id: web, match: [web], fee: 1000.00 }}]\n\
             severities: [{{ id: s1, match: [P1], respond: {{ within: 15m }} }}]\n\
             credits:\n  cap: {{ per_year: {year_cap} EUR }}\n  rules:\n\
             \x20   - {{ id: r, kind: per_breach, target: respond, credit: {} }}\n{escalation}",
            Decimal::new(breach_cents as i64, 2)
        );
        let contract = load_contract_text("y.yaml", &text).expect("generated contract is valid");
        // Each month of 2026 gets its breaches on the 10th, 11th, ... answered after 20 minutes.
        let mut csv = "id,service,severity,opened,acknowledged\n".to_owned();
        for (month, count) in breaches_per_month.iter().enumerate() {
            for day in 0..*count {
                let (month, day) = (month + 1, day + 10);
                writeln!(csv, "B{month}-{day},web,P1,2026-{month:02}-{day}T10:00:00Z,2026-{month:02}-{day}T10:20:00Z")
                    .expect("writing to a String cannot fail");
            }
        }
        let input = Input::stream("y.csv", std::io::Cursor::new(csv.into_bytes()));
        let report = slacredit::evaluate(&[contract], vec![input], &Source::generic(), "2026-01..2026-12".parse().expect("range"), None, &Exceptions::default())
            .expect("evaluates");
        prop_assert_eq!(report.contracts.len(), 12);
        let total: Decimal = report.contracts.iter().map(|month| month.credit_total).sum();
        prop_assert!(total <= year_cap, "a year credits {total}, above the cap {year_cap}");
        for line in report.contracts.iter().flat_map(|month| &month.credit_lines) {
            prop_assert!(line.amount >= Decimal::ZERO && line.amount <= line.amount_before_caps);
        }
    }

    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}") {
        let _ = parse_duration(&text);
        let _ = parse_decimal(&text);
        let _ = parse_percent(&text);
        let eur = Denomination { currency: "EUR", places: 2 };
        let _ = Amount::parse(&text, eur, BareNumber::Fixed);
        let _ = Amount::parse(&text, eur, BareNumber::Ambiguous);
        let _ = text.parse::<PeriodSpec>();
        let _ = TimestampFormat::Rfc3339.parse(&text);
        let local = TimestampFormat::Local {
            pattern: "%d/%m/%Y %H:%M".to_owned(),
            zone: chrono_tz::Europe::Berlin,
            ambiguous: AmbiguousPolicy::Reject,
        };
        let _ = local.parse(&text);
    }

    #[test]
    fn durations_parse_back_what_they_render(seconds in 0_i64..100_000_000) {
        prop_assert_eq!(parse_duration(&slacredit::time::format_duration(seconds)), Ok(seconds));
    }

    #[test]
    fn timestamp_like_strings_never_panic(text in "[0-9]{1,4}[-/][0-9]{1,2}[-/][0-9]{1,4}[T ][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?(Z|[+-][0-9]{2}:[0-9]{2})?") {
        let _ = TimestampFormat::Rfc3339.parse(&text);
    }
}

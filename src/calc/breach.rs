//! Response and resolution targets: when each is due, and whether it was met, breached or is
//! still pending at the time the report is run.

use serde::Serialize;

use crate::contract::{Target, TargetKind};
use crate::incidents::{Incident, Paused};
use crate::time::{Calendar, Instant, Seconds};

/// The verdict on one target of one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Done within the allowed time.
    Met,
    /// Done late, or still not done after the allowed time.
    Breached,
    /// Not done yet, and time remains.
    Pending,
}

/// One target judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// Which target.
    pub kind: TargetKind,
    /// The instant the allowed time runs out; the breach belongs to the period containing it.
    pub deadline: Instant,
    /// Allowed seconds.
    pub allowed: Seconds,
    /// Seconds taken, or elapsed so far when not done by `as_of`.
    pub actual: Seconds,
    /// The verdict.
    pub status: Status,
    /// Whether the work was done by the time judged.
    pub done: bool,
}

/// The pauses a target counts: none unless it is `pausable`.
fn pauses_for(incident: &Incident, target: Target) -> (&[(Instant, Instant)], Seconds) {
    if !target.pausable {
        return (&[], 0);
    }
    match &incident.paused {
        Paused::None => (&[], 0),
        Paused::Intervals(intervals) => (intervals, 0),
        Paused::Total(seconds) => (&[], *seconds),
    }
}

/// When the clock of `kind` starts for `incident`, if the target applies to it at all: response
/// and resolution from `opened`; the root-cause report from resolution (not due while the
/// incident is open); the data-breach notification from detection, for data breaches only.
pub fn clock_start(incident: &Incident, kind: TargetKind) -> Option<Instant> {
    match kind {
        TargetKind::Respond | TargetKind::Resolve => Some(incident.opened),
        TargetKind::Rca => incident.resolved,
        TargetKind::Notify => incident.data_breach.then_some(incident.opened),
    }
}

/// When the work a target of `kind` measures was done, if it was.
fn done_at(incident: &Incident, kind: TargetKind) -> Option<Instant> {
    match kind {
        TargetKind::Respond => incident.acknowledged,
        TargetKind::Resolve => incident.resolved,
        TargetKind::Rca => incident.rca_delivered,
        TargetKind::Notify => incident.notified_regulator,
    }
}

/// The instant the allowed calendar time of `target` runs out for `incident`: `within` of the
/// target's calendar after the clock starts, extended by pauses when the target is pausable. A
/// paused total (rather than intervals) extends it by that much calendar time. `None` when the
/// target does not apply (yet).
pub fn deadline(
    incident: &Incident,
    kind: TargetKind,
    target: Target,
    calendar: &Calendar,
) -> Option<Instant> {
    let start = clock_start(incident, kind)?;
    let (intervals, total) = pauses_for(incident, target);
    if calendar.is_always() && intervals.is_empty() {
        return Some(start + target.within + total);
    }
    Some(calendar.deadline(start, target.within + total, intervals))
}

/// Judges `target` of `incident` as known at `as_of`, in the target's `calendar`. Breach is
/// `actual > allowed`, in seconds: done at exactly the allowed time is met. `None` when the
/// target does not apply (yet): an RCA before resolution, a notification for a non-breach.
pub fn judge(
    incident: &Incident,
    kind: TargetKind,
    target: Target,
    calendar: &Calendar,
    as_of: Instant,
) -> Option<Judgement> {
    let start = clock_start(incident, kind)?;
    let (intervals, total) = pauses_for(incident, target);
    // Work done after `as_of` is not known yet: measure the time elapsed so far instead.
    let (end, done_by_as_of) = match done_at(incident, kind).filter(|done| *done <= as_of) {
        Some(done) => (done, true),
        None => (as_of.max(start), false),
    };
    // The deadline as `deadline` finds it, answered with the elapsed time where the calendar
    // can give both at once.
    let (elapsed, deadline) = if calendar.is_always() && intervals.is_empty() {
        (
            calendar.time_between(start, end),
            start + target.within + total,
        )
    } else {
        calendar.elapsed_and_deadline((start, end), target.within + total, intervals)
    };
    let actual = (elapsed - total).max(0);
    let allowed = target.within;
    let status = if actual > allowed {
        Status::Breached
    } else if done_by_as_of {
        Status::Met
    } else {
        Status::Pending
    };
    Some(Judgement {
        kind,
        deadline,
        allowed,
        actual,
        status,
        done: done_by_as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(acknowledged: Option<Instant>) -> Incident {
        Incident {
            id: "INC1".into(),
            title: "".into(),
            file: 0,
            line: 2,
            contract: 0,
            service: 0,
            severity: 0,
            final_severity: 0,
            initial_severity: None,
            downgrade_reason: false,
            opened: 1_000,
            started: None,
            acknowledged,
            resolved: None,
            paused: Paused::None,
            excluded_cause: false,
            disputed: false,
            maintenance: false,
            notified: None,
            rca_delivered: None,
            data_breach: false,
            notified_regulator: None,
        }
    }

    const FIFTEEN_MINUTES: Target = Target {
        within: 900,
        calendar: 0,
        pausable: false,
        line: 1,
    };
    const PAUSABLE: Target = Target {
        within: 900,
        calendar: 0,
        pausable: true,
        line: 1,
    };

    #[test]
    fn acknowledged_at_exactly_the_target_is_met() {
        // Opened at 1,000 s, acknowledged at 1,900 s: 900 s taken, 900 s allowed → met.
        let verdict = judge(
            &incident(Some(1_900)),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            &Calendar::Always,
            10_000,
        )
        .expect("the target applies");
        assert_eq!((verdict.actual, verdict.status), (900, Status::Met));
        assert_eq!(verdict.deadline, 1_900);
    }

    #[test]
    fn one_second_more_is_breached() {
        // Acknowledged at 1,901 s: 901 s > 900 s → breached.
        let verdict = judge(
            &incident(Some(1_901)),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            &Calendar::Always,
            10_000,
        )
        .expect("the target applies");
        assert_eq!((verdict.actual, verdict.status), (901, Status::Breached));
    }

    #[test]
    fn open_incidents_are_judged_at_as_of() {
        // Not acknowledged; at as_of 1,500 s only 500 s have passed → pending.
        let pending = judge(
            &incident(None),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            &Calendar::Always,
            1_500,
        )
        .expect("the target applies");
        assert_eq!((pending.actual, pending.status), (500, Status::Pending));
        // At as_of 1,901 s, 901 s have passed → already breached.
        let breached = judge(
            &incident(None),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            &Calendar::Always,
            1_901,
        )
        .expect("the target applies");
        assert_eq!((breached.actual, breached.status), (901, Status::Breached));
        // Acknowledged at 1,950 s but the report is as of 1,800 s: not known yet → pending.
        let later = judge(
            &incident(Some(1_950)),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            &Calendar::Always,
            1_800,
        )
        .expect("the target applies");
        assert_eq!(later.status, Status::Pending);
    }

    #[test]
    fn pauses_stop_only_pausable_clocks() {
        // Opened at 1,000, acknowledged at 2,500 (1,500 s), paused 1,200–1,800 (600 s).
        let mut paused = incident(Some(2_500));
        paused.paused = Paused::Intervals(vec![(1_200, 1_800)].into_boxed_slice());
        // Pausable: 1,500 − 600 = 900 s ≤ 900 → met; the deadline moves from 1,900 to 2,500.
        let verdict = judge(
            &paused,
            TargetKind::Respond,
            PAUSABLE,
            &Calendar::Always,
            10_000,
        )
        .expect("the target applies");
        assert_eq!(
            (verdict.actual, verdict.status, verdict.deadline),
            (900, Status::Met, 2_500)
        );
        // Not pausable: the pause is ignored, 1,500 s > 900 → breached.
        let verdict = judge(
            &paused,
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            &Calendar::Always,
            10_000,
        )
        .expect("the target applies");
        assert_eq!((verdict.actual, verdict.status), (1_500, Status::Breached));
        // A total of 601 s pauses: 1,500 − 601 = 899 s → met.
        paused.paused = Paused::Total(601);
        let verdict = judge(
            &paused,
            TargetKind::Respond,
            PAUSABLE,
            &Calendar::Always,
            10_000,
        )
        .expect("the target applies");
        assert_eq!((verdict.actual, verdict.status), (899, Status::Met));
    }
}

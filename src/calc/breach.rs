//! Response and resolution targets: when each is due, and whether it was met, breached or is
//! still pending at the time the report is run.

use serde::Serialize;

use crate::contract::{Target, TargetKind};
use crate::incidents::Incident;
use crate::time::{Instant, Seconds};

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
}

/// Judges `target` of `incident` as known at `as_of`. Breach is `actual > allowed`, in seconds:
/// done at exactly the allowed time is met.
pub fn judge(incident: &Incident, kind: TargetKind, target: Target, as_of: Instant) -> Judgement {
    let done = match kind {
        TargetKind::Respond => incident.acknowledged,
        TargetKind::Resolve => incident.resolved,
    };
    let allowed = target.within;
    let deadline = incident.opened + allowed;
    // Work done after `as_of` is not known yet: measure the time elapsed so far instead.
    let (actual, done_by_as_of) = match done.filter(|done| *done <= as_of) {
        Some(done) => (done - incident.opened, true),
        None => (as_of - incident.opened, false),
    };
    let status = if actual > allowed {
        Status::Breached
    } else if done_by_as_of {
        Status::Met
    } else {
        Status::Pending
    };
    Judgement {
        kind,
        deadline,
        allowed,
        actual,
        status,
    }
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
            opened: 1_000,
            started: None,
            acknowledged,
            resolved: None,
        }
    }

    const FIFTEEN_MINUTES: Target = Target {
        within: 900,
        line: 1,
    };

    #[test]
    fn acknowledged_at_exactly_the_target_is_met() {
        // Opened at 1,000 s, acknowledged at 1,900 s: 900 s taken, 900 s allowed → met.
        let verdict = judge(
            &incident(Some(1_900)),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            10_000,
        );
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
            10_000,
        );
        assert_eq!((verdict.actual, verdict.status), (901, Status::Breached));
    }

    #[test]
    fn open_incidents_are_judged_at_as_of() {
        // Not acknowledged; at as_of 1,500 s only 500 s have passed → pending.
        let pending = judge(&incident(None), TargetKind::Respond, FIFTEEN_MINUTES, 1_500);
        assert_eq!((pending.actual, pending.status), (500, Status::Pending));
        // At as_of 1,901 s, 901 s have passed → already breached.
        let breached = judge(&incident(None), TargetKind::Respond, FIFTEEN_MINUTES, 1_901);
        assert_eq!((breached.actual, breached.status), (901, Status::Breached));
        // Acknowledged at 1,950 s but the report is as of 1,800 s: not known yet → pending.
        let later = judge(
            &incident(Some(1_950)),
            TargetKind::Respond,
            FIFTEEN_MINUTES,
            1_800,
        );
        assert_eq!(later.status, Status::Pending);
    }
}

#!/usr/bin/env python3
"""Writes a ServiceNow incident event log shaped like the UCI one in examples/real/.

usage: python3 bench/generate_event_log.py INCIDENTS OUT.csv [--seed N]

One row per update of a ticket, the 36 columns of the UCI "Incident management process enriched
event log" in its order and formats: day-first timestamps without zero padding and without a
zone (`29/2/2016 01:16`), `?` for a missing value, `true`/`false`, priorities written
`3 - Moderate`, `Opened by  8` with its double space. Deterministic for a seed.

The shape follows what the real log shows (141,712 rows of 24,918 tickets):

- the number of rows per ticket is drawn from the real log's counts (2 to 58 rows, 5.7 on
  average), so 1,000,000 tickets come to about 5.7 million rows (about 1.9 GB);
- the states are the real ones: a ticket starts `New` (two in three) or `Active`, moves through
  `Active` and the `Awaiting ...` states (`Awaiting User Info` most often), is `Resolved` and then
  `Closed` about five days later; 1 % are reopened (`Resolved` then `Active` again) and about one
  row in 30,000 has the unknown state `-100`;
- final priorities as in the real log: 94 % `3 - Moderate`, 3 % `4 - Low`, 1.6 % `2 - High`,
  1.1 % `1 - Critical`;
- `resolved_at` is on every row of a ticket (the log is "enriched"), `?` on 6 % of them;
- tickets are opened from 2016-03-01 to 2017-02-28, numbered `INC0000001` upwards in opened order
  (eight digits from 10,000,000 tickets), their rows adjacent as in the real log; within 2 % of
  the tickets two rows are out of time order.
"""
import argparse
import bisect
import datetime
import random

HEADER = (
    "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,"
    "opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,"
    "location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,"
    "assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,"
    "resolved_by,resolved_at,closed_at"
)

# Rows per ticket in the real log: (rows, tickets).
ROWS_PER_TICKET = [
    (2, 1806), (3, 6421), (4, 4145), (5, 3015), (6, 2214), (7, 1813), (8, 1332), (9, 1102),
    (10, 765), (11, 596), (12, 440), (13, 293), (14, 222), (15, 173), (16, 122), (17, 106),
    (18, 74), (19, 66), (20, 41), (21, 33), (22, 30), (23, 18), (24, 12), (25, 15), (26, 9),
    (27, 10), (28, 8), (29, 4), (30, 4), (31, 4), (34, 8), (40, 4), (46, 2), (58, 1),
]

# Final priority with its impact and urgency, and its share of the tickets (per 10,000).
PRIORITIES = [
    ("1 - Critical", "1 - High", "1 - High", 108),
    ("2 - High", "1 - High", "2 - Medium", 164),
    ("3 - Moderate", "2 - Medium", "2 - Medium", 9417),
    ("4 - Low", "3 - Low", "3 - Low", 311),
]

AWAITING = ["Awaiting User Info"] * 93 + ["Awaiting Vendor"] * 4 + ["Awaiting Problem"] * 3

START = datetime.datetime(2016, 3, 1)
SPAN_MINUTES = (datetime.datetime(2017, 3, 1) - START) // datetime.timedelta(minutes=1)
EPOCH_DAY = START.toordinal()


def stamp(minute, days={}):
    """Minutes after START as the log writes them: `5/3/2016 12:00`."""
    day, rest = divmod(minute, 1440)
    date = days.get(day)
    if date is None:
        d = datetime.date.fromordinal(EPOCH_DAY + day)
        date = days[day] = f"{d.day}/{d.month}/{d.year}"
    return f"{date} {rest // 60:02}:{rest % 60:02}"


def cumulative(weights):
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("incidents", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=498)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows_cum = cumulative(count for _, count in ROWS_PER_TICKET)
    priority_cum = cumulative(share for *_, share in PRIORITIES)
    width = max(7, len(str(args.incidents)))
    mean_gap = SPAN_MINUTES / args.incidents
    opened = 0.0
    written = 0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        lines = []
        for number in range(1, args.incidents + 1):
            opened += rng.expovariate(1 / mean_gap)
            opened_at = int(opened)
            rows = ROWS_PER_TICKET[bisect.bisect_right(rows_cum, rng.random() * rows_cum[-1])][0]
            priority, impact, urgency, _ = PRIORITIES[
                bisect.bisect_right(priority_cum, rng.random() * priority_cum[-1])
            ]
            # The states: the working rows, then Resolved and Closed.
            working = rows - 2
            states = []
            state = "New" if rng.random() < 0.66 else ("Active" if rng.random() < 0.97 else rng.choice(AWAITING))
            for _ in range(working):
                states.append(state)
                draw = rng.random()
                if state == "New":
                    state = "New" if draw < 0.5 else ("Active" if draw < 0.93 else rng.choice(AWAITING))
                elif state == "Active":
                    state = "Active" if draw < 0.5 else ("Awaiting User Info" if draw < 0.9 else rng.choice(AWAITING))
                else:
                    state = "Active" if draw < 0.6 else state
            reopened = working >= 2 and rng.random() < 0.01
            if reopened:
                states[working // 2] = "Resolved"
            states += ["Resolved", "Closed"]
            # Update times: minutes to days apart until the resolution, closed five days later.
            critical = priority.startswith(("1", "2"))
            scale = 40 if critical else 400
            times = []
            at = opened_at + rng.randint(0, 10)
            for index, state in enumerate(states):
                if state == "Closed":
                    at += 5 * 1440 + rng.randint(0, 120)
                elif index:
                    at += int(rng.expovariate(1 / scale)) + 1
                times.append(at)
            if rng.random() < 0.0004:
                states[rng.randrange(rows - 1)] = "-100"
            resolved_at = "?" if rng.random() < 0.06 else stamp(times[-2])
            closed_at = stamp(times[-1])
            order = list(range(rows))
            if rng.random() < 0.02:
                i = rng.randrange(rows - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
            made_sla_flip = rng.randrange(rows) if rng.random() < 0.37 else rows
            ident = f"INC{number:0{width}d}"
            head_caller = f"Caller {rng.randint(1, 5245)},Opened by  {rng.choice((17, 17, 17, 24, 131, rng.randint(1, 208)))}"
            created = f"Created by {rng.randint(1, 186)},{stamp(opened_at + rng.randint(0, 10))}" if rng.random() < 0.62 else "?,?"
            middle = (
                f"Phone,Location {rng.randint(1, 225)},Category {rng.randint(1, 59)},"
                f"Subcategory {rng.randint(1, 255)},Symptom {rng.randint(1, 526)},?,{impact},{urgency},{priority},"
                f"Group {rng.randint(1, 79)},Resolver {rng.randint(1, 235)},"
                f"{'true' if rng.random() < 0.18 else 'false'},{'true' if rng.random() < 0.29 else 'false'},"
                f"Do Not Notify,?,?,?,?,code {rng.randint(1, 17)},Resolved by {rng.randint(1, 217)},"
                f"{resolved_at},{closed_at}"
            )
            reassigned = rng.choice((0, 0, 1, 1, 2, 3))
            opened_text = stamp(opened_at)
            for index in order:
                state = states[index]
                lines.append(
                    f"{ident},{state},{'false' if state == 'Closed' else 'true'},{reassigned},"
                    f"{int(reopened)},{index},{'false' if index >= made_sla_flip else 'true'},{head_caller},"
                    f"{opened_text},{created},Updated by {rng.randint(1, 846)},{stamp(times[index])},{middle}\n"
                )
            written += rows
            if len(lines) >= 10_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))
    print(f"{args.incidents:,} incidents, {written:,} rows")


if __name__ == "__main__":
    main()

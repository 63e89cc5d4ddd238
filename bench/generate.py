#!/usr/bin/env python3
"""Writes a deterministic synthetic incident export in slacredit's `generic` CSV format.

usage: generate.py ROWS OUT.csv [--seed N] [--shuffle]

Opened times spread uniformly over 2026, so about a twelfth of the rows fall in any month.
Response times follow a log-like spread from 1 minute to 6 hours, so some breach 15- and
30-minute targets; about 1 % are never acknowledged and 0.5 % never resolved. Some titles contain
commas (quoted) and 0.1 % start with `=` (a spreadsheet formula). Rows are in id order, as
exports sorted by ticket number are; `--shuffle` writes the same rows in a random order.
"""
import argparse
import csv
import datetime
import random

SERVICES = ["web"] * 3 + ["api"] * 3 + ["db-primary", "db-replica", "search"]
SEVERITIES = ["P1"] * 2 + ["P2"] * 8 + ["P3"] * 40 + ["P4"] * 50
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--shuffle", action="store_true", help="write the rows in a random order")
    args = parser.parse_args()
    rows = incidents(args.rows, args.seed)
    if args.shuffle:
        rows = list(rows)
        random.Random(args.seed + 1).shuffle(rows)
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "service", "severity", "opened", "started", "acknowledged", "resolved", "title"])
        writer.writerows(rows)


def incidents(count, seed):
    """The rows of the export, in id order."""
    rng = random.Random(seed)
    second = datetime.timedelta(seconds=1)
    for number in range(1, count + 1):
        opened = START + rng.randrange(365 * 86_400) * second
        started = opened - rng.randrange(1_800) * second if rng.random() < 0.3 else None
        acknowledged = opened + int(60 * 2 ** (rng.random() * 8.5)) * second if rng.random() > 0.01 else None
        resolved = (acknowledged or opened) + rng.randrange(600, 3 * 86_400) * second if rng.random() > 0.005 else None
        roll = rng.random()
        if roll < 0.001:
            title = "=HYPERLINK(\"http://example.invalid\",\"incident %d\")" % number
        elif roll < 0.2:
            title = "Degraded service, incident %d" % number
        else:
            title = "Synthetic incident %d" % number
        yield [
            "INC%07d" % number, rng.choice(SERVICES), rng.choice(SEVERITIES),
            stamp(opened), stamp(started), stamp(acknowledged), stamp(resolved), title,
        ]


if __name__ == "__main__":
    main()

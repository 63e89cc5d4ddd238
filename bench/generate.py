#!/usr/bin/env python3
"""Writes a deterministic synthetic incident export in slacredit's `generic` CSV format.

usage: generate.py ROWS OUT.csv [--seed N] [--shuffle] [--shape uniform|realistic] [--stats]

`--shape uniform` (the default, `bench/contract.yaml`): opened times spread uniformly over 2026,
so about a twelfth of the rows fall in any month. Response times follow a log-like spread from
1 minute to 6 hours, so some breach 15- and 30-minute targets; about 1 % are never acknowledged
and 0.5 % never resolved. Some titles contain commas (quoted) and 0.1 % start with `=` (a
spreadsheet formula). Rows are in id order, as exports sorted by ticket number are; `--shuffle`
writes the same rows in a random order.

`--shape realistic` (`bench/realistic.yaml`, `bench/realistic-office.yaml`): one month of a
large estate, as an export pulled a few days after the month closed. 93 % of the rows are
opened in June 2026 (Europe/Berlin), 4 % in the six days before and 3 % in the three days
after; more tickets are opened on weekdays in office hours than at night. 200 services of very
different sizes (the largest has about 40 times the rows of the smallest), four severities
(`1 - Critical` to `4 - Low`). Outage tickets (sev1/sev2, about 12 % of the rows) belong to
outage events: each service has its own rate of events (a few a month, some none, flaky ones
dozens), each event a length (median 20 minutes, a long tail, a few lasting days) and a storm
of tickets opened while it lasts, most of them naming the event's start as `started` and all
resolved when it ends; so the downtime of a service is the union of its events, and
availabilities spread over the bands. sev3/sev4 tickets take minutes to hours to acknowledge
and hours to days to resolve. Timestamps after the export was pulled (6 July, 00:00) are
empty: about 1 % of the tickets are still open, some never acknowledged. Ids `INC0000001`
upwards rise with the opened time, in file order; `--shuffle` writes the same rows in a random
order. Rows are written as they are made (a shuffled export goes through temporary buckets
beside OUT.csv), so 10,000,000 rows need little memory.
"""
import argparse
import bisect
import csv
import datetime
import heapq
import math
import os
import random
import sys
import zoneinfo

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
    parser.add_argument("--shape", choices=["uniform", "realistic"], default="uniform",
                        help="uniform: bench/contract.yaml's export (default); realistic: one busy month")
    parser.add_argument("--stats", action="store_true", help="realistic shape: print the export's make-up to stderr")
    args = parser.parse_args()
    if args.shape == "realistic":
        write_realistic(args.rows, args.out, args.seed, args.shuffle, args.stats)
        return
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


# ---------------------------------------------------------------------------------------------
# The realistic shape: one month (June 2026, Europe/Berlin) of 200 services.

ZONE = zoneinfo.ZoneInfo("Europe/Berlin")


def local_midnight(year, month, day):
    """Seconds since the epoch of local midnight in Europe/Berlin."""
    return int(datetime.datetime(year, month, day, tzinfo=ZONE).timestamp())


WINDOW_START = local_midnight(2026, 5, 26)   # first ticket of the export
PERIOD_START = local_midnight(2026, 6, 1)    # the period the benchmark asks for
PERIOD_END = local_midnight(2026, 7, 1)
EXPORT_END = local_midnight(2026, 7, 4)      # last ticket of the export
PULLED = local_midnight(2026, 7, 6)          # when the export was pulled: later times are empty
SHARES = [(WINDOW_START, PERIOD_START, 0.04), (PERIOD_START, PERIOD_END, 0.93), (PERIOD_END, EXPORT_END, 0.03)]

DOMAINS = [
    "identity", "payments", "billing", "checkout", "catalog", "search", "orders", "inventory",
    "shipping", "notify", "messaging", "analytics", "reporting", "storage", "network", "compute",
    "dns", "cdn", "mail", "crm",
]
COMPONENTS = ["api", "web", "worker", "db", "cache", "queue", "gateway", "batch", "auth", "scheduler"]
# The contracts route `<domain>-api` and `<domain>-api-*` (regional instances) to one service.
REALISTIC_SERVICES = [f"{domain}-{component}" for domain in DOMAINS for component in COMPONENTS]
REGIONS = ["-eu", "-us"]
SEVERITY_VALUES = ["", "1 - Critical", "2 - High", "3 - Moderate", "4 - Low"]

OUTAGE_SHARE = 0.12          # rows that are sev1/sev2 tickets of an outage event
EVENTS_PER_MONTH = 3.0       # median events of a service per 30 days (lognormal, sigma 1)
LONG_EVENT_SHARE = 0.007     # events lasting one to six days
SHORT_TITLES = [
    "Elevated error rate", "Latency above threshold", "Health check failing", "Disk usage above 90%",
    "Certificate expires in 14 days", "Nightly job failed", "Queue backlog growing",
    "Access request", "Configuration change request", "Password reset not delivered",
    "Slow page loads reported", "Memory pressure on nodes", "Replica lag above 30s",
]
DETAILS = ["retries exhausted", "customer-facing", "after deployment", "intermittent", "since 02:00"]
QUOTED = ["login loop", "502 Bad Gateway", "payment declined", "not found"]


def lognormal(rng, median, sigma):
    return median * math.exp(rng.gauss(0.0, sigma))


def poisson(rng, mean):
    """Knuth's method; the means here are small."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class Intensity:
    """How many tickets are opened when: each hour of the export's window weighted by local time
    of day and day of week, then scaled so the six days before the period hold 4 % of the
    tickets, the period 93 % and the three days after 3 %."""

    def __init__(self):
        hours = []
        for start in range(WINDOW_START, EXPORT_END, 3_600):
            local = datetime.datetime.fromtimestamp(start, ZONE)
            weekday, hour = local.weekday() < 5, local.hour
            if 8 <= hour < 18:
                weight = 3.0 if weekday else 0.8
            elif 6 <= hour < 22:
                weight = 1.5 if weekday else 0.8
            else:
                weight = 0.6 if weekday else 0.5
            hours.append([start, weight])
        for low, high, share in SHARES:
            part = [hour for hour in hours if low <= hour[0] < high]
            total = sum(weight for _, weight in part)
            for hour in part:
                hour[1] *= share / total
        self.starts = [start for start, _ in hours]
        self.weights = [weight for _, weight in hours]
        self.below = []
        running = 0.0
        for weight in self.weights:
            self.below.append(running)
            running += weight
        self.total = running

    def second(self, index, quantile):
        """The second at `quantile` of the whole, inside hour `index`."""
        inside = (quantile * self.total - self.below[index]) / self.weights[index]
        return self.starts[index] + min(3_599, max(0, int(inside * 3_600)))

    def at(self, quantile):
        index = max(0, bisect.bisect_right(self.below, quantile * self.total) - 1)
        return self.second(index, quantile)

    def spread(self, count, rng):
        """`count` opened times in rising order: one per equal share of the intensity, at a
        random point inside its share."""
        index, last = 0, len(self.below) - 1
        for number in range(count):
            quantile = (number + rng.random()) / count
            while index < last and self.below[index + 1] <= quantile * self.total:
                index += 1
            yield self.second(index, quantile)


class Estate:
    """The services and their outage events; independent of the number of rows, so a bigger
    export has the same outages with more tickets each."""

    def __init__(self, seed):
        rng = random.Random(seed * 7919 + 1)
        self.intensity = Intensity()
        ranks = list(range(1, len(REALISTIC_SERVICES) + 1))
        rng.shuffle(ranks)
        self.size = [rank ** -0.7 for rank in ranks]
        self.cumulative = []
        running = 0.0
        for size in self.size:
            running += size
            self.cumulative.append(running)
        self.events = []   # (start, end, service, level)
        in_period = SHARES[1][2]
        for service in range(len(REALISTIC_SERVICES)):
            rate = lognormal(rng, EVENTS_PER_MONTH, 1.0) / in_period
            for _ in range(poisson(rng, rate)):
                start = self.intensity.at(rng.random())
                if rng.random() < LONG_EVENT_SHARE:
                    length = rng.randrange(86_400, 6 * 86_400)
                else:
                    length = int(min(36 * 3_600, max(60, lognormal(rng, 1_200, 1.3))))
                level = 1 if rng.random() < 0.3 else 2
                self.events.append((start, start + length, service, level))
        self.events.sort()

    def ticket_counts(self, total):
        """`total` tickets shared out over the events by service size and level, largest
        remainders first; every event has one when there are enough."""
        weights = [self.size[service] * (1.5 if level == 1 else 1.0) for _, _, service, level in self.events]
        floor = 1 if total >= len(weights) else 0
        left = total - floor * len(weights)
        whole = sum(weights)
        shares = [left * weight / whole for weight in weights]
        counts = [floor + int(share) for share in shares]
        order = sorted(range(len(weights)), key=lambda index: int(shares[index]) - shares[index])
        for index in order[: total - sum(counts)]:
            counts[index] += 1
        return counts

    def pick_service(self, rng):
        return bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])


def ticket_times(estate, counts, rng):
    """(opened, 1, sequence, event) for every outage ticket, in opened order. A storm opens
    most of its tickets early: lags are spread over the first 90 % of the event (at most
    four hours), skewed towards its start."""
    heap, sequence = [], 0
    events = estate.events
    next_event = 0
    while next_event < len(events) or heap:
        if next_event < len(events) and (not heap or events[next_event][0] <= heap[0][0]):
            start, end, _, _ = events[next_event]
            spread = min(end - start, 4 * 3_600) * 0.9
            for _ in range(counts[next_event]):
                opened = min(EXPORT_END - 1, start + int(spread * rng.random() ** 2))
                heapq.heappush(heap, (opened, 1, sequence, next_event))
                sequence += 1
            next_event += 1
        else:
            yield heapq.heappop(heap)


def background_times(estate, count, rng):
    for number, opened in enumerate(estate.intensity.spread(count, rng)):
        yield (opened, 0, number, -1)


_DAYS = {}


def fast_stamp(seconds):
    if seconds is None:
        return ""
    day, rest = divmod(seconds, 86_400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (datetime.datetime(1970, 1, 1) + datetime.timedelta(days=day)).strftime("%Y-%m-%dT")
    hour, rest = divmod(rest, 3_600)
    minute, second = divmod(rest, 60)
    return f"{prefix}{hour:02d}:{minute:02d}:{second:02d}Z"


def cell(text):
    """A CSV cell as Python's csv module writes it (QUOTE_MINIMAL)."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def title_for(rng, service, number):
    roll = rng.random()
    phrase = rng.choice(SHORT_TITLES)
    if roll < 0.001:
        return '=HYPERLINK("http://example.invalid","INC%07d")' % number
    if roll < 0.004:
        return f'Users report "{rng.choice(QUOTED)}" on {service}'
    if roll < 0.15:
        return f"{phrase} on {service}, {rng.choice(DETAILS)}"
    return f"{phrase} on {service}"


def realistic_rows(count, seed, stats):
    """The export's rows as CSV lines, in id (and opened) order."""
    estate = Estate(seed)
    outage_tickets = round(count * OUTAGE_SHARE)
    counts = estate.ticket_counts(outage_tickets)
    rng = random.Random(seed)
    times = heapq.merge(
        background_times(estate, count - outage_tickets, random.Random(seed + 11)),
        ticket_times(estate, counts, random.Random(seed + 13)),
    )
    width = max(7, len(str(count)))
    for number, (opened, outage, _, event) in enumerate(times, start=1):
        started = None
        if outage:
            start, end, service, level = estate.events[event]
            if level == 1:
                severity = 1 if rng.random() < 0.7 else 2
            else:
                severity = 1 if rng.random() < 0.05 else 2
            if rng.random() < 0.6:
                started = start
            resolved = end + rng.randrange(121)
            if resolved <= opened:
                resolved = opened + 60
            acknowledged = opened + int(lognormal(rng, 240 if severity == 1 else 480, 0.8))
            if rng.random() < 0.01:
                acknowledged = None
            elif acknowledged > resolved:
                acknowledged = resolved
        else:
            service = estate.pick_service(rng)
            severity = 3 if rng.random() < 0.43 else 4
            if rng.random() < 0.2:
                started = opened - rng.randrange(1, 1_800)
            acknowledged = opened + int(lognormal(rng, 2_400 if severity == 3 else 7_200, 1.0))
            resolved = acknowledged + int(lognormal(rng, 36_000 if severity == 3 else 108_000, 1.0))
            if rng.random() < 0.004:
                resolved = None   # forgotten in the backlog
        if resolved is not None and resolved >= PULLED:
            resolved = None
        if acknowledged is not None and acknowledged >= PULLED:
            acknowledged = None
        name = REALISTIC_SERVICES[service]
        if name.endswith("-api") and rng.random() < 0.3:
            name += rng.choice(REGIONS)
        title = title_for(rng, name, number)
        if stats is not None:
            stats.count(opened, severity, acknowledged, resolved)
        yield ",".join((
            f"INC{number:0{width}d}", name, SEVERITY_VALUES[severity], fast_stamp(opened),
            fast_stamp(started), fast_stamp(acknowledged), fast_stamp(resolved), cell(title),
        )) + "\n"


class Stats:
    def __init__(self):
        self.rows = self.in_period = self.outage = self.open = self.unacknowledged = 0

    def count(self, opened, severity, acknowledged, resolved):
        self.rows += 1
        self.in_period += PERIOD_START <= opened < PERIOD_END
        self.outage += severity <= 2
        self.open += resolved is None
        self.unacknowledged += acknowledged is None

    def report(self, estate_seed):
        estate = Estate(estate_seed)
        share = lambda part: f"{100 * part / max(1, self.rows):.2f} %"
        print(f"rows {self.rows:,}: opened in 2026-06 {share(self.in_period)}, sev1/sev2 {share(self.outage)}, "
              f"open {share(self.open)}, never acknowledged {share(self.unacknowledged)}; "
              f"{len(estate.events)} outage events", file=sys.stderr)


HEADER = "id,service,severity,opened,started,acknowledged,resolved,title\n"


def write_realistic(count, out, seed, shuffle, show_stats):
    stats = Stats() if show_stats else None
    rows = realistic_rows(count, seed, stats)
    with open(out, "w", encoding="utf-8", newline="", buffering=1 << 20) as target:
        target.write(HEADER)
        if not shuffle:
            target.writelines(rows)
        else:
            shuffled(rows, count, target, random.Random(seed + 1), out)
    if stats is not None:
        stats.report(seed)


def shuffled(rows, count, target, rng, out):
    """Writes `rows` in a uniformly random order: each row goes to a random bucket (a temporary
    file beside `out`), then each bucket is shuffled in memory and written in turn. At most
    about 1,000,000 rows are held at a time."""
    buckets = max(1, math.ceil(count / 1_000_000))
    if buckets == 1:
        lines = list(rows)
        rng.shuffle(lines)
        target.writelines(lines)
        return
    names = [f"{out}.bucket{index}" for index in range(buckets)]
    files = [open(name, "w", encoding="utf-8", newline="", buffering=1 << 20) for name in names]
    try:
        for line in rows:
            files[rng.randrange(buckets)].write(line)
        for file in files:
            file.close()
        for name in names:
            with open(name, encoding="utf-8", newline="") as bucket:
                lines = bucket.readlines()
            rng.shuffle(lines)
            target.writelines(lines)
    finally:
        for file, name in zip(files, names):
            file.close()
            if os.path.exists(name):
                os.remove(name)


if __name__ == "__main__":
    main()

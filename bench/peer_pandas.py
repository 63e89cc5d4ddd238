#!/usr/bin/env python3
"""A pandas implementation of `slacredit credits` for the contracts the benchmark uses: a peer to
time slacredit against, and an independent check of its figures.

usage: peer_pandas.py --contract bench/realistic.yaml --incidents EXPORT.csv --period 2026-06
                      [--lines] [-o OUT.csv]

Prints one CSV row per contract service: `contract,service,amount`, the service's credit for
the period (the sum of its credit lines after the service cap), `0.00` when it earns none.
`--lines` prints the lines instead: `contract,service,rule,amount_before_caps,amount`.

It implements the calculation of docs/design.md for what these contracts use, and refuses
anything else rather than guess: 24x7 targets without pauses, no maintenance, exclusions,
period or year caps, minimum or escalation; rules `availability`, `per_breach` and
`per_unit_late`; a `generic` export with the columns id, service, severity, opened, started,
acknowledged, resolved (and title), unique ids, RFC 3339 timestamps; open incidents judged at
the period end.

- Period: `[start, end)` from local midnight of the month's first day in the contract's zone.
  Incidents opened at or after the end are not known at the time judged and are left out.
- Downtime: outages `[started or opened, resolved or period end)` of severities with a weight
  above 0, clipped to the period; per service the union, where the highest weight holds: with
  weights w1 > w2 > ..., the union of outages weighing at least w_k, less the union of those
  weighing at least w_(k-1), counts at w_k.
- Availability bands by cross-multiplication, `100 x up < X x measured` (`<=` for at_or_below);
  the strictest band that holds applies.
- Breaches: a target is judged in the period holding its deadline `opened + within`; the time
  taken is to `acknowledged` (respond) or `resolved` (resolve), or to the period end when not
  done by then; breached when taken > allowed, in whole seconds.
- per_breach: breaches x amount; per_unit_late: per breach, started units late x amount, held
  to max_per_incident, summed; amounts in `%` are of the service's fee.
- Each line rounded once (the contract's places and mode), then the service cap, floored to the
  same places, filled in rule order. Money is `decimal.Decimal` throughout.
"""
import argparse
import datetime
import decimal
import fnmatch
import re
import sys
import zoneinfo

import numpy as np
import pandas as pd
import yaml

D = decimal.Decimal
decimal.getcontext().prec = 60
HUNDRED = D(100)
COLUMNS = ["id", "service", "severity", "opened", "started", "acknowledged", "resolved"]
KNOWN_COLUMNS = set(COLUMNS) | {"title"}
KINDS = {"respond": "acknowledged", "resolve": "resolved"}
ROUNDING = {"half_even": decimal.ROUND_HALF_EVEN, "half_up": decimal.ROUND_HALF_UP, "down": decimal.ROUND_DOWN}


def unsupported(what):
    sys.exit(f"peer_pandas: unsupported by the peer: {what}")


def seconds(text):
    """`15m`, `4h`, `1h30m`, `3d`, `30s` as seconds."""
    parts = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    if not parts or not text.strip():
        unsupported(f"duration {text!r}")
    days, hours, minutes, secs = (int(part or 0) for part in parts.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


def amount(text):
    """('pct', Decimal) for `2%`, ('fixed', Decimal) for `150.00`."""
    text = text.strip()
    return ("pct", D(text[:-1])) if text.endswith("%") else ("fixed", D(text))


def of_fee(value, fee):
    kind, number = value
    return fee * number / HUNDRED if kind == "pct" else number


class Contract:
    """The parts of a contract the peer reads; anything else is refused."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as file:
            raw = yaml.load(file, Loader=yaml.BaseLoader)   # every scalar as its text, no floats
        for key in ("maintenance", "exclusions", "notifications", "termination"):
            if key in raw:
                unsupported(f"`{key}`")
        if raw.get("period", "month") != "month":
            unsupported("quarterly periods")
        if raw.get("severity_basis", "highest") not in ("highest", "final"):
            unsupported("severity_basis other than highest/final (no initial_severity column is read)")
        self.id = raw["id"]
        self.zone = zoneinfo.ZoneInfo(raw["timezone"])
        self.services = []
        for service in raw["services"]:
            availability = service.get("availability")
            if availability and availability.get("calendar", "always") != "always":
                unsupported("availability on a business calendar")
            patterns = service["match"]
            if any("[" in pattern for pattern in patterns):
                unsupported("`[` in a service pattern")
            self.services.append({
                "id": service["id"],
                "match": patterns,
                "fee": D(service["fee"]),
                "target": D(availability["target"].rstrip("%")) if availability else None,
            })
        self.severities = []
        for severity in raw["severities"]:
            targets = {}
            for kind in ("respond", "resolve", "rca"):
                target = severity.get(kind)
                if not target:
                    continue
                if kind == "rca":
                    unsupported("rca targets")
                if target.get("calendar", "always") != "always" or target.get("pausable", "false") == "true":
                    unsupported(f"a {kind} target on a business calendar or pausable")
                targets[kind] = seconds(target["within"])
            self.severities.append({
                "id": severity["id"],
                "match": severity["match"],
                "weight": D(severity.get("downtime", "0")),
                "targets": targets,
            })
        credits = raw.get("credits", {})
        rounding = credits.get("rounding", {})
        self.places = D(1).scaleb(-int(rounding.get("places", "2")))
        self.mode = ROUNDING[rounding.get("mode", "half_even")]
        cap = credits.get("cap", {})
        if set(cap) - {"per_service"} or "minimum" in credits:
            unsupported("period or year caps, or a minimum")
        self.cap = amount(cap["per_service"]) if "per_service" in cap else None
        self.rules = []
        service_ids = [service["id"] for service in self.services]
        severity_ids = [severity["id"] for severity in self.severities]
        for rule in credits.get("rules", []):
            kind = rule["kind"]
            if kind not in ("availability", "per_breach", "per_unit_late"):
                unsupported(f"rule kind {kind}")
            entry = {
                "id": rule["id"],
                "kind": kind,
                "services": {service_ids.index(s) for s in rule.get("services", service_ids)},
                "severities": {severity_ids.index(s) for s in rule.get("severities", severity_ids)},
            }
            if kind == "availability":
                entry["bands"] = []
                for band in rule["bands"]:
                    strict = "below" in band
                    threshold = D((band["below"] if strict else band["at_or_below"]).rstrip("%"))
                    entry["bands"].append((strict, threshold, amount(band["credit"])))
            else:
                if rule["target"] not in KINDS:
                    unsupported(f"target {rule['target']}")
                entry["target"] = rule["target"]
                entry["credit"] = amount(rule["credit"])
                if kind == "per_unit_late":
                    entry["unit"] = seconds(rule["unit"])
                    entry["max"] = amount(rule["max_per_incident"]) if "max_per_incident" in rule else None
            self.rules.append(entry)

    def period(self, text):
        """`[start, end)` of month `text` (2026-06) in seconds since the epoch."""
        year, month = (int(part) for part in text.split("-"))
        start = datetime.datetime(year, month, 1, tzinfo=self.zone)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = datetime.datetime(year, month, 1, tzinfo=self.zone)
        return int(start.timestamp()), int(end.timestamp())

    def round(self, value):
        return value.quantize(self.places, rounding=self.mode)

    def floor(self, value):
        return value.quantize(self.places, rounding=decimal.ROUND_DOWN)


def epoch_seconds(column):
    """RFC 3339 text → int64 seconds (fractions truncated); -1 where empty."""
    stamps = pd.to_datetime(column, format="ISO8601", utc=True)
    values = stamps.dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype("int64")
    return np.where(stamps.isna().to_numpy(), -1, values)


def read_export(path, contract):
    header = pd.read_csv(path, nrows=0).columns
    if set(header) - KNOWN_COLUMNS or set(COLUMNS) - set(header):
        unsupported(f"export columns {list(header)}")
    frame = pd.read_csv(
        path, usecols=COLUMNS, keep_default_na=False,
        dtype={"id": str, "service": "category", "severity": "category", "opened": str,
               "started": str, "acknowledged": str, "resolved": str},
    )
    if not frame["id"].is_unique:
        unsupported("repeated incident ids")
    # Route each distinct service and severity value once.
    def service_of(value):
        hits = [index for index, service in enumerate(contract.services)
                if any(fnmatch.fnmatchcase(value, pattern) for pattern in service["match"])]
        if len(hits) != 1:
            sys.exit(f"peer_pandas: service {value!r} matches {len(hits)} services")
        return hits[0]

    def severity_of(value):
        hits = [index for index, severity in enumerate(contract.severities) if value in severity["match"]]
        if len(hits) != 1:
            sys.exit(f"peer_pandas: severity {value!r} matches {len(hits)} severities")
        return hits[0]

    services = frame["service"].cat.categories.map(service_of).to_numpy()
    severities = frame["severity"].cat.categories.map(severity_of).to_numpy()
    incidents = pd.DataFrame({
        "service": services[frame["service"].cat.codes.to_numpy()],
        "severity": severities[frame["severity"].cat.codes.to_numpy()],
    })
    for column in ("opened", "started", "acknowledged", "resolved"):
        incidents[column] = epoch_seconds(frame[column])
    if (incidents["opened"] < 0).any():
        sys.exit("peer_pandas: a row has no opened time")
    return incidents


def union_seconds(outages):
    """Per service, the seconds covered by at least one of `outages` (columns service, start,
    end; start < end)."""
    if outages.empty:
        return pd.Series(dtype="int64")
    ordered = outages.sort_values(["service", "start"], kind="stable")
    reach = ordered.groupby("service")["end"].cummax()
    before = reach.groupby(ordered["service"]).shift(1, fill_value=np.iinfo(np.int64).min)
    covered = (reach - np.maximum(ordered["start"], before)).clip(lower=0)
    return covered.groupby(ordered["service"]).sum()


def weighted_downtime(contract, incidents, start, end):
    """Per service index, the weighted downtime as a Decimal."""
    weights = np.array([float(severity["weight"]) for severity in contract.severities])
    outage = incidents[weights[incidents["severity"].to_numpy()] > 0]
    resolved = outage["resolved"].to_numpy()
    ends = np.where((resolved >= 0) & (resolved < end), resolved, end)
    starts = np.where(outage["started"].to_numpy() >= 0, outage["started"].to_numpy(), outage["opened"].to_numpy())
    clipped = pd.DataFrame({
        "service": outage["service"].to_numpy(),
        "severity": outage["severity"].to_numpy(),
        "start": np.maximum(starts, start),
        "end": np.minimum(ends, end),
    })
    clipped = clipped[clipped["start"] < clipped["end"]]
    levels = sorted({severity["weight"] for severity in contract.severities if severity["weight"] > 0}, reverse=True)
    result = {index: D(0) for index in range(len(contract.services))}
    below = pd.Series(0, index=range(len(contract.services)), dtype="int64")
    for level in levels:
        heavy = [index for index, severity in enumerate(contract.severities) if severity["weight"] >= level]
        covered = union_seconds(clipped[clipped["severity"].isin(heavy)])
        covered = covered.reindex(below.index, fill_value=0)
        for service, extra in (covered - below).items():
            result[service] += D(int(extra)) * level
        below = covered
    return result


def judged_breaches(contract, incidents, kind, start, end):
    """Rows whose `kind` target is due in the period and breached: service, severity,
    seconds late."""
    within = np.array([severity["targets"].get(kind, -1) for severity in contract.severities])
    allowed = within[incidents["severity"].to_numpy()]
    opened = incidents["opened"].to_numpy()
    done = incidents[KINDS[kind]].to_numpy()
    deadline = opened + allowed
    due = (allowed >= 0) & (deadline >= start) & (deadline < end)
    as_of = end
    done_by = (done >= 0) & (done <= as_of)
    finish = np.where(done_by, done, np.maximum(as_of, opened))
    taken = np.maximum(finish - opened, 0)
    breached = due & (taken > allowed)
    return pd.DataFrame({
        "service": incidents["service"].to_numpy()[breached],
        "severity": incidents["severity"].to_numpy()[breached],
        "late": (taken - allowed)[breached],
    })


def credit_lines(contract, incidents, period):
    start, end = contract.period(period)
    incidents = incidents[incidents["opened"] < end]   # not yet opened at the time judged
    measured = D(end - start)
    down = weighted_downtime(contract, incidents, start, end)
    breaches = {kind: judged_breaches(contract, incidents, kind, start, end) for kind in KINDS}
    counts, late_units = {}, {}
    for index, rule in enumerate(contract.rules):
        if rule["kind"] == "availability":
            continue
        rows = breaches[rule["target"]]
        rows = rows[rows["severity"].isin(rule["severities"]) & rows["service"].isin(rule["services"])]
        if rule["kind"] == "per_breach":
            counts[index] = rows.groupby("service").size().to_dict()
        else:
            units = -(-rows["late"] // rule["unit"])   # started units
            late_units[index] = rows.assign(units=units).groupby(["service", "units"]).size()
    lines = []
    for service_index, service in enumerate(contract.services):
        fee = service["fee"]
        raw = []
        for index, rule in enumerate(contract.rules):
            if service_index not in rule["services"]:
                continue
            if rule["kind"] == "availability":
                if service["target"] is None:
                    continue
                up = measured - down[service_index]
                for strict, threshold, credit in reversed(rule["bands"]):
                    holds = HUNDRED * up < threshold * measured if strict else HUNDRED * up <= threshold * measured
                    if holds:
                        raw.append((rule["id"], of_fee(credit, fee)))
                        break
            elif rule["kind"] == "per_breach":
                count = counts[index].get(service_index, 0)
                if count:
                    raw.append((rule["id"], of_fee(rule["credit"], fee) * count))
            else:
                table = late_units[index]
                if service_index not in table.index.get_level_values(0):
                    continue
                each = of_fee(rule["credit"], fee)
                limit = of_fee(rule["max"], fee) if rule["max"] else None
                total = D(0)
                for units, count in table.loc[service_index].items():
                    one = each * int(units)
                    total += (one if limit is None else min(one, limit)) * int(count)
                raw.append((rule["id"], total))
        room = contract.floor(of_fee(contract.cap, fee)) if contract.cap else None
        for rule_id, value in raw:
            before = contract.round(value)
            issued = before if room is None else min(before, room)
            if room is not None:
                room -= issued
            lines.append((service["id"], rule_id, before, issued))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contract", required=True)
    parser.add_argument("--incidents", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--lines", action="store_true", help="print each credit line, not service totals")
    parser.add_argument("-o", "--output")
    args = parser.parse_args()
    contract = Contract(args.contract)
    incidents = read_export(args.incidents, contract)
    lines = credit_lines(contract, incidents, args.period)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    if args.lines:
        out.write("contract,service,rule,amount_before_caps,amount\n")
        for service, rule, before, issued in lines:
            out.write(f"{contract.id},{service},{rule},{before},{issued}\n")
    else:
        totals = {service["id"]: contract.round(D(0)) for service in contract.services}
        for service, _, _, issued in lines:
            totals[service] += issued
        out.write("contract,service,amount\n")
        for service, total in totals.items():
            out.write(f"{contract.id},{service},{total}\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()

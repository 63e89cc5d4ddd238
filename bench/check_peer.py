#!/usr/bin/env python3
"""Differential check: `slacredit credits` against the pandas peer (bench/peer_pandas.py).

usage: check_peer.py EXPORT.csv [EXPORT.csv ...] [--contract bench/realistic.yaml]
                     [--period 2026-06] [--slacredit target/release/slacredit]

For each export, runs `slacredit credits --format csv --strict` and the peer, sums slacredit's
`amount` column per service and compares it with the peer's total for every service of the
contract (a service without lines has 0.00). Credit lines are compared too, rule by rule, before
and after the service cap, so a difference names the rule it comes from. Any difference, even
of one cent, prints both figures and exits 1.
"""
import argparse
import collections
import csv
import decimal
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D = decimal.Decimal


def slacredit_lines(binary, contract, export, period, out):
    command = [binary, "credits", "--contract", contract, "--incidents", export, "--period", period,
               "--format", "csv", "--strict", "-o", out]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check_peer: {' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    with open(out, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def peer_lines(contract, export, period, out):
    command = [sys.executable, os.path.join(ROOT, "bench", "peer_pandas.py"), "--contract", contract,
               "--incidents", export, "--period", period, "--lines", "-o", out]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check_peer: {' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    with open(out, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def service_ids(contract):
    """The contract's id and its service ids, in order."""
    import yaml
    with open(contract, encoding="utf-8") as file:
        raw = yaml.load(file, Loader=yaml.BaseLoader)
    return raw["id"], [service["id"] for service in raw["services"]]


def check(args, export):
    contract_id, services = service_ids(args.contract)
    with tempfile.TemporaryDirectory() as scratch:
        ours = slacredit_lines(args.slacredit, args.contract, export, args.period, os.path.join(scratch, "slacredit.csv"))
        theirs = peer_lines(args.contract, export, args.period, os.path.join(scratch, "peer.csv"))
    failures = []
    if any(line["contract"] != contract_id for line in ours + theirs):
        failures.append(f"lines of another contract than {contract_id}")
    totals = {"slacredit": collections.defaultdict(D), "peer": collections.defaultdict(D)}
    by_rule = {"slacredit": {}, "peer": {}}
    for name, lines in (("slacredit", ours), ("peer", theirs)):
        for line in lines:
            if line["service"] not in services:
                failures.append(f"{name}: unknown service {line['service']!r}")
            totals[name][line["service"]] += D(line["amount"])
            key = (line["service"], line["rule"])
            if key in by_rule[name]:
                failures.append(f"{name}: two lines for {key}")
            by_rule[name][key] = (D(line["amount_before_caps"]), D(line["amount"]))
    for service in services:
        ours_total, theirs_total = totals["slacredit"][service], totals["peer"][service]
        if ours_total != theirs_total:
            failures.append(f"service {service}: slacredit {ours_total} peer {theirs_total} "
                            f"(difference {ours_total - theirs_total})")
    for key in sorted(set(by_rule["slacredit"]) | set(by_rule["peer"])):
        ours_line = by_rule["slacredit"].get(key, (D(0), D(0)))
        theirs_line = by_rule["peer"].get(key, (D(0), D(0)))
        if ours_line != theirs_line:
            failures.append(f"line {key[0]}/{key[1]}: slacredit before caps {ours_line[0]}, issued {ours_line[1]}; "
                            f"peer {theirs_line[0]}, {theirs_line[1]}")
    total = sum(totals["slacredit"].values(), D(0))
    crediting = sum(1 for service in services if totals["slacredit"][service] != 0)
    capped = sum(1 for before, issued in by_rule["slacredit"].values() if issued < before)
    name = os.path.relpath(export)
    if failures:
        print(f"FAIL {name}: {len(failures)} differences", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return False
    print(f"ok {name}: agreed to the cent on all {len(services)} services ({crediting} with credits, "
          f"{len(ours)} lines, {capped} cut by the cap), total {total} EUR")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", nargs="+")
    parser.add_argument("--contract", default=os.path.join(ROOT, "bench", "realistic.yaml"))
    parser.add_argument("--period", default="2026-06")
    parser.add_argument("--slacredit", default=os.path.join(ROOT, "target", "release", "slacredit"))
    args = parser.parse_args()
    results = [check(args, export) for export in args.exports]
    if not all(results):
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Throughput benchmark: `slacredit report` and `credits` against a plain csv::ByteRecord read of the same file.

usage: python3 bench/run.py [--shape uniform|realistic|event-log] [--rows N] [--runs K] [--no-peer] [--no-check]
                           [--data DIR] [--binary PATH]

Needs GNU time at /usr/bin/time (Debian package `time`). Builds the release binary and the
raw-read baseline, generates the exports under bench/data/ if they are missing, runs each
command K times (in turn, so machine load falls on all of them), and prints a Markdown table of
wall time (best and median), each as a multiple of the raw read, and peak resident memory.

`--shape uniform` (the default): bench/data/incidents-N.csv (rows in id order) and
incidents-N-shuffled.csv (the same rows in a random order), judged against bench/contract.yaml.
`report` runs three times: on every CPU (the default), in one pass (`--threads 1`), and on the
shuffled export, which takes the search for repeated ids that an export in id order skips.
Targets: report within 1.5x of the raw read, peak memory under 64 MB. Figures are recorded in
docs/performance.md.

`--shape realistic`: bench/data/realistic-N.csv and realistic-N-shuffled.csv (one busy month,
see bench/generate.py), judged against bench/realistic.yaml for 2026-06. Side by side: the raw
read, `credits --format csv` and `report --format json`, each on every CPU and with
`--threads 1`, on the ordered and the shuffled export; `credits` under
bench/realistic-office.yaml (sev3/sev4 targets in office hours); and the pandas peer
(bench/peer_pandas.py, skipped with `--no-peer`). Before timing, bench/check_peer.py checks
that slacredit and the peer agree to the cent on both exports (skipped with `--no-check`).
Targets: credits <= 1.5x the raw read, report <= 2x, credits peak memory <= 64 MiB at
1,000,000 rows and <= 256 MiB at 10,000,000, pandas / credits >= 15x, office hours / 24x7
<= 1.2x.

`--shape event-log`: DATA/event-log-N.csv, a ServiceNow event log of N incidents (`--rows` counts
incidents here; about 5.7 rows each, see bench/generate_event_log.py), read with
bench/mappings/event-log.yaml (`collapse: latest`) and judged against bench/event-log.yaml for
2016-06. `credits --format csv` and `report --format json` (both on every CPU; an event log is
read in one pass), with wall time, user CPU time and peak resident memory from GNU time.
`--binary` measures another build (e.g. an older one kept aside) instead of building this one.
Target: peak memory <= 256 MiB at 1,000,000 incidents.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    messages = subprocess.run(
        ["cargo", "bench", "--no-run", "--bench", "raw_read", "--message-format=json", "--quiet"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for line in messages.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "raw_read" and message.get("executable"):
            return os.path.join(ROOT, "target", "release", "slacredit"), message["executable"]
    sys.exit("run.py: cargo did not report the raw_read bench executable")


def measure(command, user=False):
    """Runs `command` once; returns (wall seconds, peak RSS in MiB), and with `user` also the
    user CPU seconds.

    Peak memory comes from GNU time's %M for the child alone (os.wait4 would also count the
    forked Python interpreter the child was started from).
    """
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"run.py: {' '.join(command)} failed:\n{done.stderr}")
    peak, cpu = done.stderr.strip().splitlines()[-1].split()
    if user:
        return wall, int(peak) / 1024, float(cpu)
    return wall, int(peak) / 1024


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["uniform", "realistic", "event-log"], default="uniform")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true", help="realistic shape: leave out the pandas peer")
    parser.add_argument("--no-check", action="store_true", help="realistic shape: skip the differential check")
    parser.add_argument("--data", default=os.path.join(ROOT, "bench", "data"),
                        help="event-log shape: where generated logs are kept (default bench/data)")
    parser.add_argument("--binary", help="event-log shape: the slacredit binary to measure (default: build this one)")
    args = parser.parse_args()
    if args.shape == "event-log":
        if args.binary:
            slacredit = os.path.abspath(args.binary)
        else:
            subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
            slacredit = os.path.join(ROOT, "target", "release", "slacredit")
        event_log(args, slacredit)
        return
    slacredit, raw_read = build()
    if args.shape == "realistic":
        realistic(args, slacredit, raw_read)
    else:
        uniform(args, slacredit, raw_read)


def exports(args, prefix, shape_flags):
    """The ordered and the shuffled export of `args.rows` rows, generated if missing."""
    data = os.path.join(ROOT, "bench", "data", f"{prefix}-{args.rows}.csv")
    shuffled = os.path.join(ROOT, "bench", "data", f"{prefix}-{args.rows}-shuffled.csv")
    for path, flags in [(data, []), (shuffled, ["--shuffle"])]:
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            partial = path + ".partial"
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate.py"), str(args.rows), partial,
                            *shape_flags, *flags], check=True)
            os.replace(partial, path)
    return data, shuffled


def timed(commands, runs):
    """Runs alternate between the commands, so a slow spell of a shared machine hits all of them."""
    results = {name: [] for name in commands}
    for command in commands.values():
        measure(command)  # warm the page cache
    for _ in range(runs):
        for name, command in commands.items():
            results[name].append(measure(command))
    return results


def uniform(args, slacredit, raw_read):
    data, shuffled = exports(args, "incidents", [])

    def report(export):
        return [
            slacredit, "report", "--contract", os.path.join(ROOT, "bench", "contract.yaml"),
            "--incidents", export, "--period", "2026-06", "--format", "json", "-o", os.devnull,
        ]

    commands = {
        "raw ByteRecord read": [raw_read, data],
        "slacredit report (json)": report(data),
        "slacredit report (json), --threads 1": [*report(data), "--threads", "1"],
        "slacredit report (json), rows shuffled": report(shuffled),
    }
    results = timed(commands, args.runs)
    size = os.path.getsize(data) / 1_000_000
    print(f"{args.rows:,} rows, {size:.0f} MB, {os.cpu_count()} cores ({cpu_model()}), "
          f"{args.runs} runs each, {datetime.date.today().isoformat()}\n")
    print("| command | best s | median s | peak RSS MiB | rows/s (best) |")
    print("|---|---:|---:|---:|---:|")
    for name, runs in results.items():
        walls = [wall for wall, _ in runs]
        peak = max(rss for _, rss in runs)
        print(f"| {name} | {min(walls):.3f} | {statistics.median(walls):.3f} | {peak:.1f} | {args.rows / min(walls):,.0f} |")
    raw = results["raw ByteRecord read"]
    print()
    for name in list(commands)[1:]:
        runs = results[name]
        best = min(wall for wall, _ in runs) / min(wall for wall, _ in raw)
        median = statistics.median(wall for wall, _ in runs) / statistics.median(wall for wall, _ in raw)
        print(f"{name} / raw read: {best:.2f}x (best), {median:.2f}x (median)")
    print("Targets: report within 1.5x of the raw read, peak memory under 64 MiB.")


def realistic(args, slacredit, raw_read):
    data, shuffled = exports(args, "realistic", ["--shape", "realistic"])
    contract = os.path.join(ROOT, "bench", "realistic.yaml")
    office = os.path.join(ROOT, "bench", "realistic-office.yaml")
    if not args.no_check:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "check_peer.py"), "--contract", contract,
                        "--slacredit", slacredit, data, shuffled], check=True)

    def run(command, export, fmt, terms=contract):
        return [slacredit, command, "--contract", terms, "--incidents", export, "--period", "2026-06",
                "--format", fmt, "-o", os.devnull]

    one = ["--threads", "1"]
    commands = {
        "raw ByteRecord read": [raw_read, data],
        "credits (csv)": run("credits", data, "csv"),
        "credits (csv), --threads 1": [*run("credits", data, "csv"), *one],
        "credits (csv), shuffled": run("credits", shuffled, "csv"),
        "credits (csv), shuffled, --threads 1": [*run("credits", shuffled, "csv"), *one],
        "report (json)": run("report", data, "json"),
        "report (json), --threads 1": [*run("report", data, "json"), *one],
        "report (json), shuffled": run("report", shuffled, "json"),
        "report (json), shuffled, --threads 1": [*run("report", shuffled, "json"), *one],
        "credits (csv), office hours": run("credits", data, "csv", office),
    }
    if not args.no_peer:
        commands["pandas peer (credits per service)"] = [
            sys.executable, os.path.join(ROOT, "bench", "peer_pandas.py"), "--contract", contract,
            "--incidents", data, "--period", "2026-06", "-o", os.devnull,
        ]
    load_before = os.getloadavg()[0]
    results = timed(commands, args.runs)
    best = {name: min(wall for wall, _ in runs) for name, runs in results.items()}
    median = {name: statistics.median(wall for wall, _ in runs) for name, runs in results.items()}
    peak = {name: max(rss for _, rss in runs) for name, runs in results.items()}
    raw = "raw ByteRecord read"
    size = os.path.getsize(data) / 1_000_000
    print(f"Realistic shape: {args.rows:,} rows, {size:,.0f} MB, period 2026-06 (Europe/Berlin), "
          f"{os.cpu_count()} cores ({cpu_model()}), {args.runs} runs each, {datetime.date.today().isoformat()}, "
          f"load average {load_before:.2f} before and {os.getloadavg()[0]:.2f} after\n")
    print("| command | best s | median s | best / raw | median / raw | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in commands:
        print(f"| {name} | {best[name]:.3f} | {median[name]:.3f} | {best[name] / best[raw]:.2f}x | "
              f"{median[name] / median[raw]:.2f}x | {peak[name]:.1f} |")
    memory = 64 if args.rows <= 1_000_000 else 256
    checks = [
        ("credits <= 1.5x the raw read (best)", best["credits (csv)"] / best[raw], "x", lambda v: v <= 1.5),
        ("credits, shuffled <= 1.5x the raw read (best)", best["credits (csv), shuffled"] / best[raw], "x", lambda v: v <= 1.5),
        ("report <= 2x the raw read (best)", best["report (json)"] / best[raw], "x", lambda v: v <= 2.0),
        ("report, shuffled <= 2x the raw read (best)", best["report (json), shuffled"] / best[raw], "x", lambda v: v <= 2.0),
        (f"credits peak memory <= {memory} MiB", peak["credits (csv)"], " MiB", lambda v: v <= memory),
        ("office hours / 24x7 credits <= 1.2x (best)", best["credits (csv), office hours"] / best["credits (csv)"], "x", lambda v: v <= 1.2),
    ]
    if not args.no_peer:
        name = "pandas peer (credits per service)"
        checks.append(("pandas / credits >= 15x (best)", best[name] / best["credits (csv)"], "x", lambda v: v >= 15))
    print()
    print("| target | measured | met |")
    print("|---|---:|---|")
    for label, value, unit, holds in checks:
        print(f"| {label} | {value:.2f}{unit} | {'yes' if holds(value) else 'no'} |")


def event_log(args, slacredit):
    data = os.path.join(args.data, f"event-log-{args.rows}.csv")
    if not os.path.exists(data):
        os.makedirs(args.data, exist_ok=True)
        partial = data + ".partial"
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate_event_log.py"), str(args.rows), partial],
                       check=True)
        os.replace(partial, data)

    def run(command, fmt):
        return [slacredit, command, "--contract", os.path.join(ROOT, "bench", "event-log.yaml"),
                "--source", os.path.join(ROOT, "bench", "mappings", "event-log.yaml"), "--incidents", data,
                "--period", "2016-06", "--format", fmt, "-o", os.devnull]

    commands = {"credits (csv)": run("credits", "csv"), "report (json)": run("report", "json")}
    results = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            results[name].append(measure(command, user=True))
    size = os.path.getsize(data) / 1_000_000
    print(f"Event log: {args.rows:,} incidents, {size:,.0f} MB, period 2016-06, {os.cpu_count()} cores "
          f"({cpu_model()}), {args.runs} runs each, {datetime.date.today().isoformat()}, "
          f"load average {os.getloadavg()[0]:.2f} after\n")
    print("| command | best s | median s | user CPU s (best) | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, runs in results.items():
        walls = [wall for wall, _, _ in runs]
        print(f"| {name} | {min(walls):.3f} | {statistics.median(walls):.3f} | "
              f"{min(cpu for _, _, cpu in runs):.2f} | {max(rss for _, rss, _ in runs):.1f} |")
    if args.rows == 1_000_000:
        peak = max(rss for runs in results.values() for _, rss, _ in runs)
        print(f"\nTarget: peak memory <= 256 MiB at 1,000,000 incidents: {peak:.1f} MiB, "
              f"{'met' if peak <= 256 else 'not met'}.")


if __name__ == "__main__":
    main()

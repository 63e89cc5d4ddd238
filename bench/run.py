#!/usr/bin/env python3
"""Throughput benchmark: `slacredit report` against a plain csv::ByteRecord read of the same file.

usage: python3 bench/run.py [--rows N] [--runs K]

Needs GNU time at /usr/bin/time (Debian package `time`). Builds the release binary and the
raw-read baseline, generates bench/data/incidents-N.csv (rows in id order) and
incidents-N-shuffled.csv (the same rows in a random order) if they are missing, runs each
command K times (in turn, so machine load falls on all of them), and prints a Markdown table of
wall time (best and median), peak resident memory and rows per second. `report` runs three
times: on every CPU (the default), in one pass (`--threads 1`), and on the shuffled export, which
takes the search for repeated ids that an export in id order skips. Targets: report within 1.5x
of the raw read, peak memory under 64 MB. Figures are recorded in docs/performance.md.
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


def measure(command):
    """Runs `command` once; returns (wall seconds, peak RSS in MiB).

    Peak memory comes from GNU time's %M for the child alone (os.wait4 would also count the
    forked Python interpreter the child was started from).
    """
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"run.py: {' '.join(command)} failed:\n{done.stderr}")
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024


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
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    slacredit, raw_read = build()
    data = os.path.join(ROOT, "bench", "data", f"incidents-{args.rows}.csv")
    shuffled = os.path.join(ROOT, "bench", "data", f"incidents-{args.rows}-shuffled.csv")
    for path, flags in [(data, []), (shuffled, ["--shuffle"])]:
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate.py"), str(args.rows), path, *flags], check=True)

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
    # Runs alternate between the commands, so a slow spell of a shared machine hits all of them.
    results = {name: [] for name in commands}
    for command in commands.values():
        measure(command)  # warm the page cache
    for _ in range(args.runs):
        for name, command in commands.items():
            results[name].append(measure(command))
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


if __name__ == "__main__":
    main()

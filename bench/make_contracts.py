#!/usr/bin/env python3
"""Writes the realistic benchmark's contracts: bench/realistic.yaml (every target 24x7) and
bench/realistic-office.yaml (the same contract, sev3/sev4 targets in office hours).

usage: make_contracts.py [OUT_DIR]

The 200 services are `generate.py`'s (`--shape realistic`); fees are drawn from a fixed seed,
so the files are the same on every run. Both files are committed; run this only to change them.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import REALISTIC_SERVICES  # noqa: E402

CORE = ("api", "web", "gateway", "auth", "db")   # target 99.9; the rest 99.5

HEAD = """\
# {title}
# Written by bench/make_contracts.py: 200 services of {domains} domains, four severities, every
# target priced or not as a large managed-operations contract would: availability bands on every
# service (core services target 99.9 %, the rest 99.5 %), a fixed credit per late response to a
# sev1/sev2 ticket, a share of the fee per started hour a sev1 ticket is resolved late, and a cap
# of 35 % of each service's fee.{office_note}
id: {id}
title: {title}
provider: Bench Operations GmbH
customer: Bench Retail SE
currency: EUR
timezone: Europe/Berlin
effective: {{ from: 2026-01-01, to: 2027-01-01 }}
"""

OFFICE_CALENDAR = """
calendars:
  office:                       # the service desk's hours, Munich public holidays of 2026
    weekly:
      mon-fri: ["08:00-18:00"]
    holidays: [2026-01-01, 2026-01-06, 2026-04-03, 2026-04-06, 2026-05-01, 2026-05-14, 2026-05-25,
               2026-06-04, 2026-08-15, 2026-10-03, 2026-11-01, 2026-12-24, 2026-12-25, 2026-12-26,
               2026-12-31]
"""

SEVERITIES_24X7 = """
severities:                     # most severe first
  - { id: sev1, match: ["1 - Critical", P1], downtime: 1.0, respond: { within: 15m }, resolve: { within: 4h } }
  - { id: sev2, match: ["2 - High", P2], downtime: 0.5, respond: { within: 30m }, resolve: { within: 8h } }
  - { id: sev3, match: ["3 - Moderate", P3], downtime: 0, respond: { within: 4h }, resolve: { within: 72h } }
  - { id: sev4, match: ["4 - Low", P4], downtime: 0, respond: { within: 8h }, resolve: { within: 120h } }
"""

# The same promises in business time: three and five working days of ten hours.
SEVERITIES_OFFICE = """
severities:                     # most severe first; sev3/sev4 in office hours
  - { id: sev1, match: ["1 - Critical", P1], downtime: 1.0, respond: { within: 15m }, resolve: { within: 4h } }
  - { id: sev2, match: ["2 - High", P2], downtime: 0.5, respond: { within: 30m }, resolve: { within: 8h } }
  - { id: sev3, match: ["3 - Moderate", P3], downtime: 0, respond: { within: 4h, calendar: office }, resolve: { within: 30h, calendar: office } }
  - { id: sev4, match: ["4 - Low", P4], downtime: 0, respond: { within: 8h, calendar: office }, resolve: { within: 50h, calendar: office } }
"""


def services():
    rng = random.Random(20260601)
    lines = ["", "services:"]
    core, standard = [], []
    for name in REALISTIC_SERVICES:
        component = name.split("-", 1)[1]
        fee = rng.choice([2500, 4000, 6000, 8000, 12000, 15000, 20000, 30000])
        if rng.random() < 0.4:
            fee = fee - 500 + rng.randrange(1, 100_000) / 100
        target = "99.9" if component in CORE else "99.5"
        (core if target == "99.9" else standard).append(name)
        match = f'[{name}, "{name}-*"]' if component == "api" else f"[{name}]"
        lines.append(f"  - {{ id: {name}, match: {match}, fee: {fee:.2f}, availability: {{ target: {target} }} }}")
    return "\n".join(lines) + "\n", core, standard


def id_list(names, indent):
    out, line = [], " " * indent
    for name in names:
        piece = name + ", "
        if len(line) + len(piece) > 100:
            out.append(line.rstrip())
            line = " " * indent
        line += piece
    out.append(line.rstrip().rstrip(","))
    return "\n".join(out)


def credits(core, standard):
    return f"""
credits:
  rounding: {{ places: 2, mode: half_even }}
  cap: {{ per_service: 35% }}
  rules:                        # the cap is filled in this order
    - id: availability-core
      kind: availability
      services: [
{id_list(core, 8)}]
      bands:
        - {{ below: 99.9, credit: 5% }}
        - {{ below: 99.5, credit: 10% }}
        - {{ at_or_below: 99.0, credit: 20% }}
        - {{ below: 95.0, credit: 30% }}
    - id: availability-standard
      kind: availability
      services: [
{id_list(standard, 8)}]
      bands:
        - {{ below: 99.5, credit: 5% }}
        - {{ below: 99.0, credit: 10% }}
        - {{ at_or_below: 98.0, credit: 20% }}
        - {{ below: 95.0, credit: 30% }}
    - {{ id: late-response, kind: per_breach, target: respond, severities: [sev1, sev2], credit: 25.00 }}
    - {{ id: sev1-overrun, kind: per_unit_late, target: resolve, severities: [sev1], unit: 1h, credit: 0.1%, max_per_incident: 0.5% }}
"""


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    service_text, core, standard = services()
    domains = len({name.split("-", 1)[0] for name in REALISTIC_SERVICES})
    rules = credits(core, standard)
    for file, contract_id, title, office in [
        ("realistic.yaml", "REALISTIC-2026", "Realistic benchmark contract, every target 24x7", False),
        ("realistic-office.yaml", "REALISTIC-2026-OFFICE", "Realistic benchmark contract, sev3/sev4 targets in office hours", True),
    ]:
        note = ("\n# The same as realistic.yaml, except that sev3/sev4 respond and resolve targets run in office\n"
                "# hours (three and five working days to resolve instead of 72h and 120h).") if office else ""
        text = HEAD.format(title=title, domains=domains, id=contract_id, office_note=note)
        if office:
            text += OFFICE_CALENDAR
        text += service_text + (SEVERITIES_OFFICE if office else SEVERITIES_24X7) + rules
        with open(os.path.join(out_dir, file), "w", encoding="utf-8") as target:
            target.write(text)


if __name__ == "__main__":
    main()

"""Differential test on adversarial logs: collectlint vs the DuckDB baseline vs the oracle.

Usage::

    python benchmarks/fuzz.py [--seeds 1,2,3] [--accounts 2000] [--no-engine]

Each seed writes ``benchmarks/data/fuzz/fuzz-<seed>.csv``. Every account in it is a small, dense
scenario built to hit the contract's edge cases together rather than one at a time: many
same-instant ties, exact +6/+7 local-day repeats, times at and around local midnight and the
08:00 / 21:00 limits, DST changes (March and November 2024), half-hour and 45-minute zones,
candidate zone lists, rows of one key in different zones (local date not monotone in time),
consents and revocations (also of spouses), parties that are or are not counted or checked, empty
cells that take defaults, and times written in UTC, in local time, with fractional seconds or
with an unrelated offset. Every row is valid, so nothing is rejected.

The rules only relate events of the same account, so the O(n^2) oracle in ``tests/reference.py``
runs account by account. The script reports any ``(rule, event)`` finding on which the three
implementations disagree.

Why: the generated benchmark logs are realistic, so the nastiest combinations are rare in them.
Here they are common, which makes a disagreement likely to show up if one exists.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import duckdb_regf  # noqa: E402

from collectlint.vocabulary import COLUMNS  # noqa: E402

ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Pacific/Honolulu",
    "America/Phoenix",
    "America/New_York|America/Los_Angeles",
    "America/Los_Angeles|America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/St_Johns",
)
#: Scenario start dates: around the March and November 2024 US DST changes, and a quiet week.
STARTS = (
    datetime(2024, 3, 6, tzinfo=UTC),
    datetime(2024, 10, 29, tzinfo=UTC),
    datetime(2024, 3, 28, tzinfo=UTC),
)
PERSONS = (
    ("debtor", ""),
    ("spouse", "+15550000001"),
    ("spouse", "+15550000002"),
    ("attorney", "+15550000003"),
    ("third_party", "+15550000004"),
    ("guardian", "+15550000005"),
)
HOURS = (0, 0, 1, 2, 3, 7, 7, 8, 8, 12, 20, 20, 21, 21, 23, 23)

Finding = tuple[str, str]
Row = dict[str, str]


def scenario(rng: random.Random, account: str) -> list[tuple[datetime, Row]]:
    """One account's events as (instant, row without id/time)."""
    base = rng.choice(STARTS)
    zone = rng.choice(ZONES)
    primary = ZoneInfo(zone.split("|")[0])
    events: list[tuple[datetime, Row]] = []
    for _ in range(rng.randint(4, 24)):
        r = rng.random()
        if events and r < 0.15:
            t = events[-1][0]  # same instant as the previous event
        elif events and r < 0.3:
            # same local wall time 6 or 7 days later (not a multiple of 24 h across DST)
            prev = events[-1][0].astimezone(primary).replace(tzinfo=None)
            local = prev + timedelta(days=rng.choice([6, 7]))
            t = local.replace(tzinfo=primary).astimezone(UTC)
        else:
            day = base + timedelta(days=rng.randint(0, 12))
            local = day.replace(
                tzinfo=None,
                hour=rng.choice(HOURS),
                minute=rng.choice([0, 0, 30, 59]),
                second=rng.choice([0, 30, 59]),
            )
            t = local.replace(tzinfo=primary, fold=rng.randint(0, 1)).astimezone(UTC)
        row = {"account": account, "timezone": zone if rng.random() < 0.85 else rng.choice(ZONES)}
        r = rng.random()
        if r < 0.13:
            party, to = rng.choice(PERSONS[:3])
            kind = "consent" if r < 0.08 else "consent_revoked"
            row |= {"kind": kind, "party": party, "to": to, "direction": "inbound"}
        else:
            party, to = rng.choice(PERSONS[:1] * 6 + PERSONS)
            channel = rng.choice(["call"] * 8 + ["sms", "letter", "email"])
            outcome = "sent"
            if channel == "call":
                outcome = rng.choice(
                    [
                        "conversation",
                        "conversation",
                        "voicemail",
                        "no_answer",
                        "not_connected",
                        "busy",
                        "",
                    ]
                )
            row |= {
                "kind": rng.choice(["contact", "contact", ""]),
                "party": "" if party == "debtor" and rng.random() < 0.5 else party,
                "to": to,
                "channel": channel,
                "direction": rng.choice(["outbound"] * 8 + ["inbound", ""]),
                "outcome": outcome,
            }
        row["jurisdiction"] = rng.choice(["", "US", "US-NY"])
        events.append((t, row))
    return events


def write_log(path: Path, seed: int, accounts: int) -> None:
    """Write the adversarial log for ``seed`` (rows shuffled, ids 1..n)."""
    rng = random.Random(seed)
    events = [e for a in range(accounts) for e in scenario(rng, f"A{a}")]
    rng.shuffle(events)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for i, (t, row) in enumerate(events, start=1):
            w.writerow(
                {**dict.fromkeys(COLUMNS, ""), **row, "id": str(i), "time": fmt(rng, t, row)}
            )


def fmt(rng: random.Random, t: datetime, row: Row) -> str:
    """Write ``t`` in one of the ISO forms a real export might use."""
    form = rng.random()
    if form < 0.5:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form < 0.8:
        return t.astimezone(ZoneInfo(row["timezone"].split("|")[0])).isoformat()
    if form < 0.9:
        nudged = t + timedelta(microseconds=rng.choice([1, 999_999]))
        return nudged.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.astimezone(timezone(timedelta(hours=rng.randint(-12, 14)))).isoformat()


def reference_findings(path: Path) -> set[Finding]:
    """The oracle's findings, evaluated account by account."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import reference

    by_account: dict[str, list[Row]] = defaultdict(list)
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            by_account[row["account"]].append(row)
    found: set[Finding] = set()
    for rows in by_account.values():
        found |= reference.findings(rows)
    return found


def duckdb_findings(path: Path) -> set[Finding]:
    """The DuckDB baseline's findings."""
    out = path.with_suffix(".duckdb.csv")
    duckdb_regf.run(str(path), str(out))
    with out.open(newline="") as f:
        return {(r["rule"], r["event"]) for r in csv.DictReader(f)}


def engine_findings(path: Path) -> set[Finding]:
    """collectlint's findings for the three contract rules (any reject is an error here)."""
    out = path.with_suffix(".engine.json")
    exe = Path(sys.executable).with_name("collectlint")
    cmd = [str(exe), "check", str(path), "--format", "json", "--output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"collectlint exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    rules = {"us-regf/call-volume", "us-regf/call-after-conversation", "us-regf/inconvenient-time"}
    violations = json.loads(out.read_text())["violations"]
    return {(v["rule"], str(v["event"])) for v in violations if v["rule"] in rules}


def main(argv: list[str] | None = None) -> int:
    """Run the differential test for each seed; exit 1 on any disagreement."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    ap.add_argument("--accounts", type=int, default=2000, help="scenarios per log")
    ap.add_argument("--no-engine", action="store_true", help="only DuckDB vs the oracle")
    args = ap.parse_args(argv)
    bad = 0
    for seed in (int(s) for s in args.seeds.split(",")):
        path = HERE / "data" / "fuzz" / f"fuzz-{seed}.csv"
        write_log(path, seed, args.accounts)
        results = {"reference": reference_findings(path), "duckdb": duckdb_findings(path)}
        if not args.no_engine:
            results["collectlint"] = engine_findings(path)
        truth = results["reference"]
        parts = []
        for name, got in results.items():
            if got == truth:
                parts.append(f"{name} {len(got)}")
                continue
            bad += 1
            missing, extra = sorted(truth - got), sorted(got - truth)
            parts.append(f"{name} DIFFERS: missing {missing[:5]} extra {extra[:5]}")
        print(f"seed {seed} ({path.name}): " + "; ".join(parts))
    print("all agree" if not bad else f"{bad} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

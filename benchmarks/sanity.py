"""Tiny hand-written contact logs with known ``us-regf`` findings, run against the benchmark
implementations.

Usage::

    python benchmarks/sanity.py [--engine] [--reference]

Each case is a handful of rows whose expected findings follow directly from
``docs/us-regf-semantics.md`` (8 calls in 7 local days, 21:00:00 vs 20:59:59, a call 6 vs 7 local
days after a conversation across the DST change, consent and its revocation, ties, candidate
zones, scope, defaults). The DuckDB baseline is always checked; ``--engine`` also runs
``collectlint check`` on each case and ``--reference`` the pure-Python oracle in
``tests/reference.py``.

Why: a benchmark comparing two engines on millions of rows says nothing if both share a
misreading of the contract; these cases pin the contract itself, so the baseline is known to be
right before it is used to judge the engine.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import duckdb_regf  # noqa: E402

from collectlint.vocabulary import COLUMNS  # noqa: E402

VOL = "us-regf/call-volume"
AFTER = "us-regf/call-after-conversation"
TIME = "us-regf/inconvenient-time"

NY = "America/New_York"

Finding = tuple[str, str]
Row = dict[str, str]


def call(t: str, **kw: str) -> Row:
    """An outbound unanswered call to the debtor of account A1 in New York (override by kw)."""
    row = {"time": t, "account": "A1", "channel": "call", "outcome": "no_answer", "timezone": NY}
    row.update(kw)
    return row


def daily_calls(days: list[int], month: str = "02", at: str = "10:00:00-05:00") -> list[Row]:
    """One call per listed day of ``month`` 2024 at the local time ``at``."""
    return [call(f"2024-{month}-{d:02d}T{at}") for d in days]


def eight_in_seven() -> list[Row]:
    """Eight calls on the seven local dates Feb 20..26 (two on the 26th): the 8th violates."""
    return [*daily_calls([20, 21, 22, 23, 24, 25, 26]), call("2024-02-26T15:00:00-05:00")]


@dataclass(frozen=True)
class Case:
    """A tiny log (ids are assigned 1..n unless ``keep_ids``) and its expected findings."""

    name: str
    rows: list[Row]
    expected: set[Finding]
    columns: tuple[str, ...] = COLUMNS
    keep_ids: bool = False


def cases() -> list[Case]:
    """All sanity cases. Times are written with explicit offsets (New York is -05:00 before
    2024-03-10 and -04:00 from then on) or in UTC with ``Z``."""
    c: list[Case] = []
    c.append(
        Case(
            "volume: 8 calls in 7 local days -> only the 8th",
            eight_in_seven(),
            {(VOL, "8")},
        )
    )
    c.append(
        Case(
            "volume: 8 calls over 8 local days -> none",
            daily_calls([20, 21, 22, 23, 24, 25, 26, 27]),
            set(),
        )
    )
    c.append(
        Case(
            "volume: the 7th and 8th at the same instant count each other",
            [*daily_calls([20, 21, 22, 23, 24, 25]), *daily_calls([26, 26])],
            {(VOL, "7"), (VOL, "8")},
        )
    )
    c.append(
        Case(
            "volume: local dates, not UTC dates or 168 hours",
            [
                call("2024-02-20T23:30:00-05:00"),  # local Feb 20, UTC Feb 21 04:30
                *daily_calls([21, 22, 23, 24, 25, 26], at="12:00:00-05:00"),
                call("2024-02-27T00:30:00-05:00"),  # 6 days 1 hour after the first
            ],
            {(TIME, "1"), (TIME, "8")},
        )
    )
    c.append(
        Case(
            "hours: 07:59:59 and 21:00:00 violate, 08:00:00 and 20:59:59 do not",
            [
                call("2024-02-20T07:59:59-05:00"),
                call("2024-02-21T13:00:00Z"),  # 08:00:00 local
                call("2024-02-22T20:59:59-05:00"),
                call("2024-02-24T02:00:00Z"),  # 21:00:00 local on Feb 23
            ],
            {(TIME, "1"), (TIME, "4")},
        )
    )
    c.append(
        Case(
            "hours: letters, inbound, attorney and third parties are not checked; spouse is",
            [
                call("2024-02-20T22:00:00-05:00", channel="letter", outcome="sent"),
                call("2024-02-20T22:00:00-05:00", direction="inbound"),
                call("2024-02-20T22:00:00-05:00", party="attorney", to="+15550000001"),
                call("2024-02-20T22:00:00-05:00", party="third_party", to="+15550000002"),
                call("2024-02-20T22:00:00-05:00", party="spouse", to="+15550000003"),
                call("2024-02-20T22:00:00-05:00", channel="sms", outcome="sent", body="hi"),
            ],
            {(TIME, "5"), (TIME, "6")},
        )
    )
    both = "America/New_York|America/Los_Angeles"
    c.append(
        Case(
            "hours: any candidate zone",
            [
                call("2024-02-20T10:00:00-05:00", timezone=both),  # 07:00 in Los Angeles
                call("2024-02-21T12:00:00-05:00", timezone=both),  # 09:00 in Los Angeles
                call("2024-02-22T19:00:00-08:00", timezone="America/Los_Angeles|" + NY),
            ],
            {(TIME, "1"), (TIME, "3")},
        )
    )
    c.append(
        Case(
            "after-conversation: 6 local days later violates, 7 does not",
            [
                call("2024-02-20T10:00:00-05:00", outcome="conversation"),
                call("2024-02-26T20:00:00-05:00"),
                call("2024-02-27T08:00:00-05:00"),
            ],
            {(AFTER, "2")},
        )
    )
    c.append(
        Case(
            "after-conversation: a call at the conversation's instant does not count",
            [
                call("2024-02-20T10:00:00-05:00", outcome="conversation"),
                call("2024-02-20T10:00:00-05:00"),
                call("2024-02-20T10:00:01-05:00"),
            ],
            {(AFTER, "3")},
        )
    )
    c.append(
        Case(
            "after-conversation across DST: 7 local days is < 168 h but allowed",
            [
                call("2024-03-03T10:00:00-05:00", outcome="conversation", direction="inbound"),
                call("2024-03-09T20:30:00-05:00"),  # 6 local days later: violates
                call("2024-03-10T09:30:00-04:00"),  # 7 local days later, 166.5 h: allowed
            ],
            {(AFTER, "2")},
        )
    )
    consent = {"kind": "consent", "channel": "", "outcome": "", "direction": "inbound"}
    revoked = {**consent, "kind": "consent_revoked"}
    c.append(
        Case(
            "consent: calls within [dc, dc+6] after it are exempt",
            [
                call("2024-02-20T09:00:00-05:00", **consent),
                *daily_calls([20, 21, 22, 23, 24, 25, 26]),
                call("2024-02-26T15:00:00-05:00"),
            ],
            set(),
        )
    )
    c.append(
        Case(
            "consent: a revocation ends the exemption",
            [
                call("2024-02-20T09:00:00-05:00", **consent),
                call("2024-02-20T09:30:00-05:00", **revoked),
                *daily_calls([20, 21, 22, 23, 24, 25, 26]),
                call("2024-02-26T15:00:00-05:00"),
            ],
            {(VOL, "10")},
        )
    )
    c.append(
        Case(
            "consent: needs tc < t (same instant is not exempt); exempt calls do not count",
            [
                *daily_calls([14, 15, 16, 17, 18, 19]),
                call("2024-02-19T15:00:00-05:00"),
                call("2024-02-20T10:00:00-05:00", **consent),
                call("2024-02-20T10:00:00-05:00"),  # same instant: counted, 8th -> violates
                call("2024-02-20T10:30:00-05:00"),  # exempt: neither violates nor counts
            ],
            {(VOL, "9")},
        )
    )
    spouse = {"party": "spouse", "to": "+15550000009"}
    c.append(
        Case(
            "keys: spouse is another person; attorney, not_connected and inbound not counted",
            [
                *daily_calls([20, 21, 22, 23, 24, 25, 26]),
                call("2024-02-26T11:00:00-05:00", **spouse),
                call("2024-02-26T12:00:00-05:00", party="attorney", to="+15550000010"),
                call("2024-02-26T13:00:00-05:00", outcome="not_connected"),
                call("2024-02-26T14:00:00-05:00", direction="inbound"),
            ],
            set(),
        )
    )
    c.append(
        Case(
            "scope: jurisdiction CA and USA are out of scope, US-NY is in",
            [
                *[{**r, "jurisdiction": "CA"} for r in eight_in_seven()],
                *[{**r, "jurisdiction": "USA"} for r in eight_in_seven()],
                *[{**r, "jurisdiction": "US-NY"} for r in eight_in_seven()],
            ],
            {(VOL, "24")},
        )
    )
    la = "America/Los_Angeles"
    la_calls = [call(f"2024-02-{d}T12:00:00-08:00", timezone=la) for d in range(20, 26)]
    c.append(
        Case(
            "zones: a key whose rows have different zones; an earlier call on a later date",
            [
                *la_calls,
                call("2024-02-27T00:30:00-05:00"),  # 05:30Z, local date Feb 27 (New York)
                call("2024-02-26T22:00:00-08:00", timezone=la),  # 06:00Z, local date Feb 26
            ],
            {(TIME, "7"), (TIME, "8")},
        )
    )
    c.append(
        Case(
            "zones: a conversation earlier in time but on a later local date does not count",
            [
                call("2024-02-27T00:30:00-05:00", outcome="conversation", direction="inbound"),
                call("2024-02-26T22:00:00-08:00", timezone=la),
                call("2024-02-27T09:00:00-08:00", timezone=la),
            ],
            {(TIME, "2"), (AFTER, "3")},
        )
    )
    c.extend(more_cases())
    c.append(
        Case(
            "defaults: no id/party/direction/kind columns; id is the row number",
            [call(r["time"]) for r in daily_calls([20, 21, 22, 23, 24, 25, 26, 26])],
            {(VOL, "7"), (VOL, "8")},
            columns=("time", "account", "channel", "outcome", "timezone"),
        )
    )
    c.append(
        Case(
            "ids: findings are reported by the id column",
            [
                {**r, "id": f"E-{i}"}
                for i, r in enumerate(daily_calls([20, 21, 22, 23, 24, 25, 26, 26]), start=1)
            ],
            {(VOL, "E-7"), (VOL, "E-8")},
            keep_ids=True,
        )
    )
    return c


def more_cases() -> list[Case]:
    """Finer points of the contract: empty values, parties, consent by other persons, the
    consent's own zone, revocation instants, scope spelling, fractional seconds, midnight."""
    la = "America/Los_Angeles"
    consent = {"kind": "consent", "channel": "", "outcome": "", "direction": "inbound"}
    revoked = {**consent, "kind": "consent_revoked"}
    late = "2024-02-20T22:00:00-05:00"
    c: list[Case] = []
    c.append(
        Case(
            "counted call: an empty outcome counts",
            [{**r, "outcome": ""} for r in eight_in_seven()],
            {(VOL, "8")},
        )
    )
    c.append(
        Case(
            "hours: a visit is checked (only letters are exempt)",
            [call(late, channel="visit", outcome="")],
            {(TIME, "1")},
        )
    )
    c.append(
        Case(
            "hours: guardian and executor are checked, guarantor and employer are not",
            [
                call(late, party="guardian", to="+15550000001"),
                call(late, party="executor", to="+15550000002"),
                call(late, party="guarantor", to="+15550000003"),
                call(late, party="employer", to="+15550000004"),
            ],
            {(TIME, "1"), (TIME, "2")},
        )
    )
    third = {"party": "third_party", "to": "+15550000007"}
    c.append(
        Case(
            "after-conversation: a third party's conversation keys on its `to`",
            [
                call("2024-02-20T10:00:00-05:00", outcome="conversation", **third),
                call("2024-02-21T10:00:00-05:00"),
                call("2024-02-21T11:00:00-05:00", **third),
                call("2024-02-21T12:00:00-05:00", party="third_party", to="+15550000008"),
            ],
            {(AFTER, "3")},
        )
    )
    spouse = {"party": "spouse", "to": "+15550000009"}
    c.append(
        Case(
            "consent: a spouse's consent exempts calls to the spouse, not to the debtor",
            [
                call("2024-02-20T09:00:00-05:00", **consent, **spouse),
                *[{**r, **spouse} for r in eight_in_seven()],
                *eight_in_seven(),
            ],
            {(VOL, "17")},
        )
    )
    c.append(
        Case(
            "consent: a revocation at the consent's own instant does not revoke it (tc < tr)",
            [
                call("2024-02-20T09:00:00-05:00", **consent),
                call("2024-02-20T09:00:00-05:00", **revoked),
                *eight_in_seven(),
            ],
            set(),
        )
    )
    c.append(
        Case(
            "consent: a revocation at the call's instant revokes it (tr <= t)",
            [
                call("2024-02-20T10:00:00-05:00", outcome="conversation"),
                call("2024-02-20T11:00:00-05:00", **consent),
                call("2024-02-21T12:00:00-05:00", **revoked),
                call("2024-02-21T12:00:00-05:00"),
                call("2024-02-21T11:59:59-05:00"),
            ],
            {(AFTER, "4")},
        )
    )
    c.append(
        Case(
            "consent: a later consent exempts again after a revocation",
            [
                call("2024-02-20T09:00:00-05:00", **consent),
                call("2024-02-21T09:00:00-05:00", **revoked),
                call("2024-02-22T09:00:00-05:00", **consent),
                call("2024-02-19T10:00:00-05:00", outcome="conversation"),
                call("2024-02-21T10:00:00-05:00"),
                call("2024-02-22T10:00:00-05:00"),
                call("2024-02-20T10:00:00-05:00"),
            ],
            {(AFTER, "5")},
        )
    )
    c.append(
        Case(
            "consent: its local date is taken in its own primary zone",
            [
                call("2024-02-19T23:00:00-08:00", timezone=la, **consent),  # Feb 20 in New York
                call("2024-02-20T12:00:00-05:00", outcome="conversation"),  # exempt
                call("2024-02-26T10:00:00-05:00"),  # dc + 7 in LA terms: not exempt
            ],
            {(AFTER, "3")},
        )
    )
    c.append(
        Case(
            "scope: codes are case-insensitive ('us' is US), and 'US-' is in scope; the two "
            "copies tie pairwise, so the j-th instant holds 2j calls and j >= 4 is flagged",
            [
                *[{**r, "jurisdiction": "us"} for r in eight_in_seven()],
                *[{**r, "jurisdiction": "US-"} for r in eight_in_seven()],
            ],
            {(VOL, str(i)) for i in (4, 5, 6, 7, 8, 12, 13, 14, 15, 16)},
        )
    )
    c.append(
        Case(
            "hours: fractional seconds (20:59:59.999 allowed, 07:59:59.999 not)",
            [call("2024-02-20T20:59:59.999-05:00"), call("2024-02-21T07:59:59.999-05:00")],
            {(TIME, "2")},
        )
    )
    c.append(
        Case(
            "keys: a debtor row keys on `debtor` even when `to` varies",
            [
                {**r, "to": "+15550000011" if i % 2 else "+15550000012"}
                for i, r in enumerate(eight_in_seven())
            ],
            {(VOL, "8")},
        )
    )
    c.append(
        Case(
            "keys: accounts separate a debtor's calls; an empty debtor defaults to the account",
            [
                *[
                    {**r, "account": "A1" if i < 4 else "A2", "debtor": "D1"}
                    for i, r in enumerate(eight_in_seven())
                ],
                *[{**r, "account": "A3", "debtor": ""} for r in eight_in_seven()],
            ],
            {(VOL, "16")},
        )
    )
    c.append(
        Case(
            "zones: an alias (US/Eastern) is a valid zone",
            [call("2024-02-20T21:00:00-05:00", timezone="US/Eastern")],
            {(TIME, "1")},
        )
    )
    c.append(
        Case(
            "days: local midnight starts the next local date",
            [
                call("2024-02-20T10:00:00-05:00", outcome="conversation"),
                call("2024-02-27T00:00:00-05:00"),
                call("2024-02-26T23:59:59-05:00"),
            ],
            {(TIME, "2"), (TIME, "3"), (AFTER, "3")},
        )
    )
    return c


def write_case(case: Case, path: Path) -> list[Row]:
    """Write the case's CSV (ids 1..n unless the case keeps its own); return the rows."""
    rows = []
    for i, r in enumerate(case.rows, start=1):
        row = dict.fromkeys(case.columns, "")
        if "id" in case.columns and not case.keep_ids:
            row["id"] = str(i)
        row.update({k: v for k, v in r.items() if k in case.columns})
        rows.append(row)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(case.columns))
        w.writeheader()
        w.writerows(rows)
    return rows


def run_duckdb(path: Path, tmp: Path) -> set[Finding]:
    """Findings of the DuckDB baseline."""
    out = tmp / "duckdb.csv"
    duckdb_regf.run(str(path), str(out))
    with out.open(newline="") as f:
        return {(r["rule"], r["event"]) for r in csv.DictReader(f)}


def run_engine(path: Path, tmp: Path) -> set[Finding]:
    """Findings of ``collectlint check`` (the venv's executable) for the three contract rules."""
    out = tmp / "engine.json"
    exe = Path(sys.executable).with_name("collectlint")
    cmd = [str(exe), "check", str(path), "--format", "json", "--output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"collectlint exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    report = json.loads(out.read_text())
    rules = {VOL, AFTER, TIME}  # the pack may hold more rules than the contract covers
    return {(str(v["rule"]), str(v["event"])) for v in report["violations"] if v["rule"] in rules}


def run_reference(rows: list[Row]) -> set[Finding]:
    """Findings of the pure-Python oracle in ``tests/reference.py`` (read only)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import reference

    result: set[Finding] = reference.findings(rows)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run every case against the selected implementations; exit 1 on any mismatch."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", action="store_true", help="also run collectlint check")
    ap.add_argument("--reference", action="store_true", help="also run tests/reference.py")
    ap.add_argument("--keep", type=Path, help="directory to keep the case CSVs in")
    args = ap.parse_args(argv)
    failures = 0
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for n, case in enumerate(cases(), start=1):
            folder = args.keep or tmp
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"case{n:02d}.csv"
            rows = write_case(case, path)
            impls: dict[str, Callable[[], set[Finding]]] = {
                "duckdb": partial(run_duckdb, path, tmp)
            }
            if args.engine:
                impls["collectlint"] = partial(run_engine, path, tmp)
            if args.reference:
                impls["reference"] = partial(run_reference, rows)
            verdicts = []
            for name, fn in impls.items():
                try:
                    got = fn()
                except Exception as exc:  # report and continue with the other cases
                    verdicts.append(f"{name}: ERROR {exc}")
                    failures += 1
                    continue
                if got == case.expected:
                    verdicts.append(f"{name}: ok")
                else:
                    failures += 1
                    missing = sorted(case.expected - got)
                    extra = sorted(got - case.expected)
                    verdicts.append(f"{name}: FAIL missing={missing} extra={extra}")
            print(f"case{n:02d} {case.name}\n    " + "; ".join(verdicts))
    print("all ok" if not failures else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

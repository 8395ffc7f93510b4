"""Hostile-input fuzzing of the collectlint command line: logs, packs, options, plans and
provider exports read through input profiles.

Usage::

    python benchmarks/fuzz_cli.py [--seed 1] [--logs 300] [--packs 100] [--plans 40]
                                  [--next 40] [--profiles 40] [--python PYTHON] [--keep DIR]
                                  [--jobs 2] [--only FAMILY] [--timeout 60]

Every case is one mutated input (a contact log, a rule pack, an odd option value, a planned
campaign or `next` query against a history, or a Twilio or Amazon Connect export with its
accounts file, checked with ``--profile``) run through ``PYTHON -m collectlint ...`` as its
own process, in its own directory, with a time limit. The inputs come from a seeded generator:
the same ``--seed`` writes byte-for-byte the same files, and case ``log-0042`` is the same
whatever ``--logs`` is.

A run fails when it prints a Python traceback, exits with a code other than 0, 1 or 2 (a
time-out counts), a JSON report's summary does not add up (``events_read = events_checked +
events_rejected``), an exit-2 message does not name the file at fault, or standard error
repeats the private marker planted in every log and export (``+15550107788``, also written
with spaces or dashes, and ``Zebulon Quackenbush``). A profile case fails too when an input's
profile rows do not add up to its events (``rows_read = rows + rows_excluded +
rows_deduplicated - events_fanned_out``).
A plan or ``next`` case fails too when the planner gives a timing finding (or a query) neither
``next_allowed_at`` nor a reason, an instant earlier than the one asked about, or, under
us-regf's defaults, a reason claiming that no instant is ever allowed.
The failing inputs are kept on disk (``benchmarks/data/fuzz-cli/seed-N/``, git-ignored, unless
``--keep DIR`` keeps everything there) with the command that reproduces each one; the exit
status is 1 when any run failed.

From Python (the test suite runs a small slice this way)::

    cases = generate_cases(seed=1, logs=15, packs=6, options=4)
    outcomes = run_cases(cases, sys.executable, workdir, jobs=2)
    bad = [o for o in outcomes if o.failures]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import gzip
import io
import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from collectlint.vocabulary import COLUMNS as VOCABULARY_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_exports import ANSWERED_BY

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLES = REPO / "examples"
RULES = REPO / "rules"
#: Where failing inputs are kept when no --keep is given (benchmarks/data/ is git-ignored).
FAILURES_DIR = HERE / "data" / "fuzz-cli"

COLUMNS = VOCABULARY_COLUMNS
#: The private marker planted in every generated log: never to be repeated on standard error.
PHONE = "+15550107788"
NAME = "Zebulon Quackenbush"
MARKERS = ("5550107788", "quackenbush")  # searched in lower-cased stderr
TRACEBACK = "Traceback (most recent call last)"
TIMEOUT = 60.0
#: Address-space cap per run, in MiB (a check of a small log needs well under 1 GiB).
MEMORY_MB = 4096
OK_CODES = (0, 1, 2)
#: A file that `!!python/object/apply` would create if a pack were loaded unsafely.
PWNED = "FUZZ-PWNED"

LOG_FAMILIES = (
    "bytes",
    "truncate",
    "columns",
    "cells",
    "times",
    "encoding",
    "newlines",
    "quoting",
    "ragged",
    "empty",
    "jsonl",
    "tsv",
    "parquet",
    "mismatch",
)
PACK_FAMILIES = (  # in this order, the first six packs (the test slice) cover six families
    "pack-types",
    "pack-yaml",
    "pack-extends",
    "pack-regex",
    "pack-message",
    "pack-keys",
    "pack-lines",
    "pack-indent",
)
OPTION_FAMILY = "options"
PLAN_FAMILY = "plans"  # check PLAN --history LOG: the planner's next_allowed_at per finding
NEXT_FAMILY = "next"  # next --history LOG --account A --at TIME: the planner for one contact
PROFILE_FAMILY = "profiles"  # check EXPORT --profile P --accounts crm.csv: a provider's export
FAMILIES = (
    *LOG_FAMILIES,
    *PACK_FAMILIES,
    OPTION_FAMILY,
    PLAN_FAMILY,
    NEXT_FAMILY,
    PROFILE_FAMILY,
)

#: Families that only make sense for a text file (CSV or TSV).
TEXT_ONLY = frozenset({"quoting", "ragged", "tsv"})
#: Families that fit each content format.
FITS = {
    "csv": frozenset(LOG_FAMILIES) - {"jsonl", "parquet", "tsv"},
    "tsv": frozenset(LOG_FAMILIES) - {"jsonl", "parquet"},
    "jsonl": frozenset(LOG_FAMILIES) - TEXT_ONLY - {"parquet"},
    "parquet": frozenset(LOG_FAMILIES) - TEXT_ONLY - {"jsonl", "encoding", "newlines"},
}
#: Mutation families that leave most rows of a log readable (a history that still plans).
MILD_FAMILIES = frozenset({"times", "cells", "quoting", "newlines", "ragged"})


# --------------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Case:
    """One mutated input and the command that runs it (relative to the case's directory)."""

    name: str
    families: tuple[str, ...]
    description: str
    files: Mapping[str, bytes]
    argv: tuple[str, ...]
    names: tuple[str, ...]
    """An exit-2 message must contain one of these (the file at fault); empty: not checked."""
    accounting: bool = True
    """Whether an exit 0 or 1 is followed by a JSON run whose summary must add up."""
    stdin: str | None = None
    """A file of the case fed on standard input."""
    dirs: tuple[str, ...] = ()
    """Empty directories to create (a directory given where a file is expected)."""
    planner: str = ""
    """'plan' or 'next': the planner's answers are checked too (plan_problems, next_problems)."""
    settled: frozenset[str] = frozenset()
    """Events (plan ids, or 'next') for which no allowed instant at all cannot be right: the
    rules are us-regf's defaults and the consumer's zones are known and overlap."""


@dataclass(frozen=True)
class Run:
    """One process."""

    argv: tuple[str, ...]
    code: int | None
    """The exit status; None when the run timed out and was killed."""
    seconds: float
    stdout: str
    stderr: str


@dataclass
class Outcome:
    """What happened to one case."""

    case: Case
    directory: Path
    runs: list[Run]
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(kind, detail) pairs; kinds are those of FAILURE_KINDS."""
    accounting: str = "n/a"
    """'ok', 'mismatch', 'no report' or 'n/a' (not an exit 0/1 of a check)."""

    @property
    def code(self) -> int | None:
        return self.runs[0].code

    @property
    def command(self) -> str:
        return command_line(self.runs[0].argv, self.directory, self.case.stdin)

    @property
    def stderr_line(self) -> str:
        """The first line of the stderr that matters: the failing run's exception or message."""
        for run in self.runs:
            if TRACEBACK in run.stderr or run.code not in OK_CODES:
                return relevant_line(run.stderr)
        return relevant_line(self.runs[0].stderr)


FAILURE_KINDS = {
    "traceback": "a Python traceback on stderr",
    "exit-code": "an exit code other than 0, 1 or 2, or a time-out",
    "accounting": "events_read != events_checked + events_rejected in the JSON report, or an"
    " input's profile rows that do not add up to its events",
    "no-name": "an exit-2 message that does not name the file at fault",
    "marker": "the planted phone number or name on stderr",
    "other": "no JSON report, a different exit code for the JSON run, a pack executed, or a"
    " planner answer that is missing, earlier than asked, or 'never' under us-regf",
}


# ---------------------------------------------------------------------------- small helpers


def short(value: str, width: int = 40) -> str:
    """`value` as an ASCII literal, cut to about `width` characters."""
    text = ascii(value)
    if len(text) <= width:
        return text
    return f"{text[: width - 12]}...'({len(value)} chars)"


def printable(text: str, width: int = 220) -> str:
    """`text` with control and format characters escaped, for a terminal."""
    out = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return out if len(out) <= width else out[: width - 3] + "..."


def relevant_line(stderr: str) -> str:
    """The exception line of a traceback, else the first line with words in it."""
    lines = stderr.splitlines()
    if TRACEBACK in stderr:  # the first unindented line after the innermost frame
        last = max(i for i, line in enumerate(lines) if line.startswith(("  File ", TRACEBACK)))
        for line in lines[last + 1 :]:
            if line.strip() and not line[:1].isspace():
                return printable(line.strip())
    for line in lines:
        text = line.strip().strip("\u2502\u256d\u256e\u2570\u256f\u2500 ").strip()
        if text and not text.startswith(("Usage:", "Try '")) and re.search(r"\w", text):
            return printable(text)
    return ""


def traceback_frame(stderr: str) -> str:
    """The innermost collectlint frame of a traceback (`module.py:line in function`)."""
    frames = re.findall(r'File "[^"]*collectlint/([^"]+)", line (\d+), in (\S+)', stderr)
    if not frames:
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', stderr)
    if not frames:
        return ""
    path, line, function = frames[-1]
    return f"{path}:{line} in {function}"


def command_line(argv: Sequence[str], directory: Path, stdin: str | None, python: str = "") -> str:
    """A shell command that reproduces a run."""
    words = [python or "PYTHON", "-m", "collectlint", *argv]
    tail = f" < {shlex.quote(stdin)}" if stdin else ""
    return f"cd {shlex.quote(str(directory))} && {shlex.join(words)}{tail}"


def _yaml_str(value: str) -> str:
    """`value` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


# ------------------------------------------------------------------------------ base inputs


@functools.cache
def _example_table(name: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    with (EXAMPLES / name).open(newline="", encoding="utf-8") as handle:
        rows = [tuple(r) for r in csv.reader(handle)]
    return rows[0], tuple(rows[1:])


ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "Pacific/Honolulu",
    "America/New_York|America/Los_Angeles",
    "Asia/Shanghai",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
)
BODIES = (
    "This is Acme Recovery, a debt collector. Reply STOP to opt out.",
    "Pay now or a warrant will be issued for your arrest.",
    "Your statement is ready. Unsubscribe: https://example.com/u",
    "You deadbeat, pay up.",
    "\u60a8\u597d\uff0c\u60a8\u7684\u501f\u6b3e\u5df2\u903e\u671f\uff0c\u8bf7\u5c3d\u5feb\u8fd8"
    "\u6b3e\u3002",
    "\u518d\u4e0d\u8fd8\u94b1\u5c31\u7b49\u7740\u5750\u7262\u5427",
    "",
)
CALL_OUTCOMES = ("conversation", "voicemail", "no_answer", "busy", "not_connected")


def _generated_table(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    """A small valid log with the canonical columns."""
    start = datetime(2024, rng.choice((3, 6, 11)), rng.randint(1, 24), 12, tzinfo=UTC)
    accounts = [f"G-{rng.randint(100, 999)}" for _ in range(rng.randint(1, 4))]
    rows = []
    for index in range(rng.randint(4, 30)):
        account = rng.choice(accounts)
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 9))
        zone = rng.choice(ZONES)
        channel = rng.choice(("call", "call", "call", "sms", "email", "letter"))
        outcome = rng.choice(CALL_OUTCOMES) if channel == "call" else rng.choice(("sent", ""))
        party = (
            "debtor" if rng.random() < 0.85 else rng.choice(("spouse", "third_party", "attorney"))
        )
        to = "" if party == "debtor" else f"+1555020{rng.randint(1000, 9999)}"
        if rng.random() < 0.7:
            stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            stamp = when.astimezone(timezone(timedelta(hours=rng.randint(-10, 9)))).isoformat()
        jurisdiction = "CN" if zone == "Asia/Shanghai" else rng.choice(("US", "US-NY", ""))
        body = rng.choice(BODIES) if channel in ("sms", "email") else ""
        kind = "contact"
        if rng.random() < 0.05:
            kind, channel, outcome = "consent", "", ""
        direction = "inbound" if rng.random() < 0.05 else "outbound"
        rows.append(
            [
                f"G{index:03d}",
                stamp,
                account,
                f"D-{account}",
                party,
                to,
                channel,
                direction,
                outcome,
                zone,
                jurisdiction,
                body,
                kind,
            ]
        )
    return list(COLUMNS), rows


def _marker_rows(day: str) -> list[dict[str, str]]:
    """Valid rows carrying the private marker in `to` and `body`."""
    common = {
        "account": "ACC-PII",
        "debtor": "CON-PII",
        "direction": "outbound",
        "timezone": "America/New_York",
        "jurisdiction": "US",
        "kind": "contact",
    }
    return [
        {
            **common,
            "id": "PII-1",
            "time": f"{day}T15:00:00Z",
            "party": "spouse",
            "to": PHONE,
            "channel": "call",
            "outcome": "conversation",
        },
        {
            **common,
            "id": "PII-2",
            "time": f"{day}T16:00:00Z",
            "party": "debtor",
            "channel": "sms",
            "outcome": "delivered",
            "body": f"{NAME}, call us back at {PHONE}. Reply STOP to opt out.",
        },
        {
            **common,
            "id": "PII-3",
            "time": f"{day}T17:00:00Z",
            "party": "third_party",
            "to": PHONE,
            "channel": "sms",
            "outcome": "delivered",
            "body": f"Please tell {NAME} that he owes a debt of $900.",
        },
    ]


def _plant(rng: random.Random, header: list[str], rows: list[list[str]]) -> None:
    """Insert the marker rows at random places of a canonical table."""
    day = (
        rows[0][1][:10] if rows and len(rows[0]) > 1 and rows[0][1][:4].isdigit() else "2024-03-06"
    )
    for marker in _marker_rows(day):
        rows.insert(rng.randint(0, len(rows)), [marker.get(c, "") for c in header])


def planted_csv(name: str, naive: bool = False) -> bytes:
    """An example log with the marker rows appended (for pack and option cases)."""
    header, rows = _example_table(name)
    table = [list(r) for r in rows]
    day = table[0][1][:10]
    table += [[m.get(c, "") for c in header] for m in _marker_rows(day)]
    if naive:
        for row in table:
            row[1] = row[1].removesuffix("Z")
    return _csv_text(list(header), table, ",").encode("utf-8")


# ---------------------------------------------------------------------------- hostile values


HOSTILE = (
    "",
    " ",
    "\t",
    "NULL",
    "null",
    "None",
    "NaN",
    "-",
    "0",
    "-1",
    "1e309",
    "true",
    "\x00",
    "a\x00b",
    "\x01\x02\x03\x7f",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[H",
    "\x1bc",
    "\x9b31m",
    "\U0001f4de\U0001f4b8",
    "\u202eevil\u202c",
    "\u2066isolate\u2069",
    "\u200b",
    "\ufeff",
    "e\u0301" * 400,
    "\uffff",
    "\U0010ffff",
    '=HYPERLINK("http://example.com")',
    "<script>alert(1)</script>",
    "{account}",
    "{0}",
    "{__class__}",
    "%s%n%x",
    "\\",
    "'",
    '"',
    '""',
    "\n",
    "\r\n",
    "line one\nline two",
    PHONE,
    NAME,
    f"{NAME} <{PHONE}>",
    "Ren\u00e9e M\u00fcller",
    "\u5f20\u4e09",
)
BY_COLUMN: dict[str, tuple[str, ...]] = {
    "id": ("", "E001", "E001 ", "1", "0", "-", "PII-1"),
    "time": ("", "now", "2024-03-05", "2024-03-05T10:00:00"),
    "account": ("", " ", "ACC-1001 ", "acc-1001", PHONE),
    "debtor": ("", NAME, PHONE),
    "party": ("Debtor", " debtor", "SPOUSE", "spouse\u200b", "nobody", PHONE, "third party"),
    "to": ("", " ", PHONE, f"tel:{PHONE}", "x" * 300),
    "channel": ("CALL", " call", "sms|call", "fax", "Call\u200b", "", NAME),
    "direction": ("in", "INBOUND", "both", " outbound"),
    "outcome": ("connected", "Conversation", "no answer", "sent", PHONE),
    "timezone": (
        "America/New_York|",
        "|",
        "UTC",
        "Etc/GMT+14",
        "Etc/GMT-14",
        "../../etc/passwd",
        "/etc/localtime",
        "localtime",
        "Factory",
        "EST5EDT",
        "right/UTC",
        "america/new_york",
        "Mars/Olympus_Mons",
        "|".join(ZONES * 20),
        PHONE,
    ),
    "jurisdiction": ("us", "US-", "ZZ", "CN-11", "U S", "*", "US|CN"),
    "body": (
        "x" * 65_537,
        "arrest " * 20_000,
        "a\u200br\u200br\u200be\u200bs\u200bt",
        f"Call {NAME} at {PHONE} about the debt.",
        "\u6cd5\u9662" * 5000,
    ),
    "kind": ("Consent", "opt-out", "", "contacts", "deceased ", "cease"),
}
HUGE = (1000, 70_000, 200_000)


def hostile_value(rng: random.Random, column: str) -> str:
    """A random hostile cell value, half the time one aimed at `column`."""
    if column in BY_COLUMN and rng.random() < 0.5:
        return rng.choice(BY_COLUMN[column])
    if rng.random() < 0.05:
        return rng.choice("xy\u00e9\u6cd5") * rng.choice(HUGE)
    return rng.choice(HOSTILE)


EXTREME_TIMES = (
    "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-14:00",
    "10000-01-01T00:00:00Z",
    "+002024-03-05T10:00:00Z",
    "2026-02-30T10:00:00Z",
    "2024-02-29T24:00:00Z",
    "2023-02-29T10:00:00Z",
    "2024-13-01T10:00:00Z",
    "2024-03-05T10:00:60Z",
    "2024-03-05T10:00:00+25:00",
    "2024-03-05T10:00:00+14:00",
    "2024-03-05T10:00:00-12:59",
    "2024-03-05T10:00:00.123456789123Z",
    "2024-03-05T10:00:00",
    "2024-03-05 10:00",
    "2024-03-05",
    "2024-03-10T02:30:00",
    "2024-11-03T01:30:00",
    "1709632800",
    "2024-W10-2T10:00:00Z",
    "2024-065T10:00:00Z",
    "20240305T100000Z",
    "2024-03-05t10:00:00z",
    "2024-03-05T10:00:00 UTC",
    "\uff12\uff10\uff12\uff14-03-05T10:00:00Z",
    "2024-03-05T10:00:00Z\x00",
    " 2024-03-05T10:00:00Z ",
    "1970-01-01T00:00:00Z",
    "1677-09-21T00:12:43Z",
    "2262-04-11T23:47:17Z",
    "2262-04-12T00:00:00Z",
    "",
)


# ------------------------------------------------------------------------- log generation


@dataclass
class LogState:
    """A log while it is being mutated: a table, then text, then bytes."""

    header: list[str]
    rows: list[list[str]]
    fmt: str
    ext: str
    families: tuple[str, ...]
    text: str = ""
    data: bytes = b""
    naive: bool = False
    gzip: bool = False
    empty: str = ""
    encoding: str = "utf-8"


Mutator = Callable[[random.Random, LogState], list[str]]


def _col(state: LogState, name: str) -> int | None:
    return state.header.index(name) if name in state.header else None


def _m_columns(rng: random.Random, st: LogState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 3)):
        n = len(st.header)
        op = rng.choice(("drop", "duplicate", "rename", "shuffle", "extra"))
        if op == "drop" and n > 1:
            k = rng.randrange(n)
            notes.append(f"drop column {st.header[k]!r}")
            del st.header[k]
            for row in st.rows:
                if len(row) > k:
                    del row[k]
        elif op == "duplicate" and n:
            k, pos = rng.randrange(n), rng.randint(0, n)
            name = st.header[k]
            same = rng.random() < 0.5
            st.header.insert(pos, name)
            for row in st.rows:
                value = row[k] if k < len(row) else ""
                row.insert(min(pos, len(row)), value if same else hostile_value(rng, name))
            notes.append(f"duplicate column {name!r} ({'same' if same else 'other'} values)")
        elif op == "rename" and n:
            k = rng.randrange(n)
            old = st.header[k]
            new = rng.choice(
                (
                    old.upper(),
                    old.title(),
                    f" {old}",
                    f"{old} ",
                    f"{old}\u200b",
                    f"\ufeff{old}",
                    old.replace("e", "\u0435").replace("o", "\u043e").replace("i", "\u0456"),
                    "",
                    "column1",
                    old * 40,
                    f"{old}\n",
                    f'"{old}"',
                    rng.choice(COLUMNS),
                )
            )
            st.header[k] = new
            notes.append(f"rename {old!r} -> {short(new)}")
        elif op == "shuffle":
            order = list(range(n))
            rng.shuffle(order)
            st.header = [st.header[i] for i in order]
            st.rows = [[r[i] if i < len(r) else "" for i in order] + r[n:] for r in st.rows]
            notes.append("shuffle columns")
        else:
            name = rng.choice(("notes", "x" * 1000, "", "Time", "time ", "\u00e9v\u00e9nement"))
            st.header.append(name)
            for row in st.rows:
                row.append(hostile_value(rng, ""))
            notes.append(f"extra column {short(name)}")
    return notes


def _m_cells(rng: random.Random, st: LogState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 6)):
        if not st.rows:
            break
        r = rng.randrange(len(st.rows))
        row = st.rows[r]
        if not row:
            continue
        c = rng.randrange(len(row))
        column = st.header[c] if c < len(st.header) else "?"
        value = hostile_value(rng, column)
        row[c] = value
        notes.append(f"row {r + 1} {column}={short(value)}")
    return notes


def _m_times(rng: random.Random, st: LogState) -> list[str]:
    k = _col(st, "time")
    if k is None:
        k = min(1, len(st.header) - 1)
    if rng.random() < 0.3:
        for row in st.rows:
            if len(row) > k:
                row[k] = re.sub(r"(Z|[+-]\d\d:?\d\d)$", "", row[k])
        st.naive = True
        return ["every time without an offset"]
    notes = []
    for _ in range(rng.randint(1, 5)):
        if not st.rows:
            break
        r = rng.randrange(len(st.rows))
        if len(st.rows[r]) > k:
            st.rows[r][k] = value = rng.choice(EXTREME_TIMES)
            st.naive = st.naive or not re.search(r"(Z|[+-]\d\d:\d\d)$", value)
            notes.append(f"row {r + 1} time={short(value)}")
    return notes


def _m_ragged(rng: random.Random, st: LogState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 4)):
        if not st.rows:
            break
        r = rng.randrange(len(st.rows))
        row = st.rows[r]
        op = rng.choice(("extra", "fewer", "single", "empty", "wide"))
        if op == "extra":
            row.extend(["x", PHONE][: rng.randint(1, 2)])
        elif op == "fewer" and len(row) > 1:
            del row[rng.randint(1, len(row) - 1) :]
        elif op == "single":
            row[:] = row[:1]
        elif op == "empty":
            row[:] = []
        else:
            row.extend(["w"] * 1000)
        notes.append(f"row {r + 1} {op} fields")
    return notes


MULTILINE = (
    "line one\nline two",
    "a\r\nb\r\nc",
    "\n\n\n",
    'he said "pay" and "now"',
    'ends with a quote"',
    "tab\tand,comma;semicolon",
    "Reply STOP\nto opt out",
)


def _m_quoting_table(rng: random.Random, st: LogState) -> list[str]:
    k = _col(st, "body")
    if k is None or not st.rows:
        return []
    rows = rng.sample(range(len(st.rows)), min(len(st.rows), rng.randint(1, 3)))
    for r in rows:
        if len(st.rows[r]) > k:
            st.rows[r][k] = rng.choice(MULTILINE)
    return [f"multi-line/quoted body in {len(rows)} row(s)"]


def _m_quoting_text(rng: random.Random, st: LogState) -> list[str]:
    lines = st.text.split("\n")
    notes = []
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(lines))
        line = lines[i]
        sep = "\t" if st.fmt == "tsv" else ","
        op = rng.choice(("open", "stray", "eof", "backslash"))
        if op == "open":
            cuts = [m.end() for m in re.finditer(re.escape(sep), line)] or [0]
            at = rng.choice(cuts)
            lines[i] = line[:at] + '"' + line[at:]
        elif op == "stray":
            at = rng.randint(0, len(line))
            lines[i] = line[:at] + '"' + line[at:]
        elif op == "eof":
            lines[-1] = lines[-1] + '"'
        else:
            lines[i] = line.replace(sep, f'\\"{sep}', 1)
        notes.append(f"{op} quote on line {i + 1}")
    st.text = "\n".join(lines)
    return notes


def _m_newlines(rng: random.Random, st: LogState) -> list[str]:
    op = rng.choice(("crlf", "cr", "mixed", "no-final", "blank-lines", "u2028", "vt-ff", "nel"))
    if op == "crlf":
        st.text = st.text.replace("\n", "\r\n")
    elif op == "cr":
        st.text = st.text.replace("\n", "\r")
    elif op == "mixed":
        st.text = "".join(
            part + rng.choice(("\n", "\r\n", "\r", "\r\r\n")) for part in st.text.split("\n")
        )
    elif op == "no-final":
        st.text = st.text.rstrip("\n")
    elif op == "blank-lines":
        lines = st.text.split("\n")
        for _ in range(rng.randint(1, 4)):
            lines.insert(rng.randint(1, len(lines)), rng.choice(("", " ", "\t", ",,,")))
        st.text = "\n".join(lines)
    elif op == "u2028":
        st.text = st.text.replace("\n", "\u2028", rng.randint(1, 3))
    elif op == "vt-ff":
        st.text = st.text.replace("\n", "\x0b\n", 1).replace("\n", "\x0c\n", 2)
    else:
        st.text = st.text.replace("\n", "\x85", rng.randint(1, 3))
    return [f"line endings: {op}"]


def _m_tsv_text(rng: random.Random, st: LogState) -> list[str]:
    lines = st.text.split("\n")
    op = rng.choice(("comma-line", "spaces-header", "tab-in-cell", "comma-header"))
    i = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
    if op == "comma-line":
        lines[i] = lines[i].replace("\t", ",")
    elif op == "spaces-header":
        lines[0] = lines[0].replace("\t", "    ")
    elif op == "tab-in-cell":
        lines[i] = lines[i].replace("\t", "\t\t", 1)
    else:
        lines[0] = lines[0].replace("\t", ",")
    st.text = "\n".join(lines)
    return [f"tsv: {op}"]


ENCODINGS = (
    "latin-1",
    "cp1252",
    "gbk",
    "gb18030",
    "utf-16",
    "utf-16-be",
    "utf-32",
    "utf-8-sig",
    "invalid-utf8",
    "shift_jis",
    "mixed-latin-1-line",
)


def _m_encoding_table(rng: random.Random, st: LogState) -> list[str]:
    st.encoding = rng.choice(ENCODINGS)
    sample = (
        "\u6cd5\u9662 \u5f20\u4e09 \u4f60\u8fd9\u4e2a\u8001\u8d56"
        if st.encoding.startswith(("gb", "shift"))
        else "Ren\u00e9e M\u00fcller \u00a3 \u20ac"
    )
    for name in ("body", "debtor"):
        k = _col(st, name)
        if k is not None and st.rows:
            r = rng.randrange(len(st.rows))
            if len(st.rows[r]) > k:
                st.rows[r][k] = sample
    return [f"encoding {st.encoding}"]


def _encode(rng: random.Random, st: LogState) -> bytes:
    enc = st.encoding
    if enc == "invalid-utf8":
        data = bytearray(st.text.encode("utf-8"))
        for _ in range(rng.randint(1, 4)):
            bad = rng.choice(
                (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf")
            )
            at = rng.randint(0, len(data))
            data[at:at] = bad
        return bytes(data)
    if enc == "mixed-latin-1-line":
        lines = st.text.split("\n")
        i = rng.randrange(len(lines))
        parts = [
            line.encode("latin-1", errors="replace") if j == i else line.encode("utf-8")
            for j, line in enumerate(lines)
        ]
        return b"\n".join(parts)
    return st.text.encode(enc, errors="replace")


def _m_empty_table(rng: random.Random, st: LogState) -> list[str]:
    modes = {
        "csv": ("header-only", "zero-bytes", "newline-only", "bom-only", "whitespace", "blank"),
        "tsv": ("header-only", "zero-bytes", "newline-only", "whitespace"),
        "jsonl": ("zero-bytes", "newline-only", "whitespace", "empty-object", "header-only"),
        "parquet": ("zero-rows", "zero-columns", "zero-rows"),
    }[st.fmt]
    st.empty = rng.choice(modes)
    if st.empty in ("header-only", "zero-rows"):
        st.rows = []
    return [f"empty: {st.empty}"]


def _m_empty_bytes(rng: random.Random, st: LogState) -> list[str]:
    replacement = {
        "zero-bytes": b"",
        "newline-only": b"\n",
        "bom-only": b"\xef\xbb\xbf",
        "whitespace": b"  \n\t\n ",
        "blank": b"\r\n\r\n\r\n",
        "empty-object": b"{}\n",
    }.get(st.empty)
    if replacement is not None:
        st.data = replacement
    return []


def _m_bytes(rng: random.Random, st: LogState) -> list[str]:
    data = bytearray(st.data)
    notes = []
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(("flip", "insert", "delete"))
        count = rng.randint(1, 20)
        for _ in range(count):
            if op == "flip" and data:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            elif op == "insert":
                data.insert(rng.randint(0, len(data)), rng.randrange(256))
            elif data:
                del data[rng.randrange(len(data))]
        notes.append(f"{op} {count} random bytes")
    st.data = bytes(data)
    return notes


def _m_truncate(rng: random.Random, st: LogState) -> list[str]:
    if not st.data:
        return []
    at = rng.choice((rng.randrange(len(st.data)), len(st.data) // 2, len(st.data) - 1, 1))
    st.data = st.data[:at]
    return [f"truncate at byte {at}"]


NATURAL_EXT = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "parquet": ".parquet"}
ODD_EXTS = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".CSV", ".Parquet", ".JSONL")
ODD_EXTS_2 = (".txt", "", ".json", ".csv.gz", ".gz", ".xlsx")


def _m_mismatch(rng: random.Random, st: LogState) -> list[str]:
    if rng.random() < 0.7:
        choices = [e for e in ODD_EXTS if e.lower() != NATURAL_EXT[st.fmt]]
        st.ext = rng.choice(choices)
    else:
        st.ext = rng.choice(ODD_EXTS_2)
    st.gzip = st.ext.endswith(".gz") and rng.random() < 0.8
    return [
        f"{st.fmt} content named *{st.ext or '(no extension)'}" + (" (gzip)" if st.gzip else "")
    ]


def _m_gzip(rng: random.Random, st: LogState) -> list[str]:
    if st.gzip:
        st.data = gzip.compress(st.data, mtime=0)
    return []


TABLE_STAGE: dict[str, Mutator] = {
    "mismatch": _m_mismatch,
    "empty": _m_empty_table,
    "columns": _m_columns,
    "cells": _m_cells,
    "times": _m_times,
    "quoting": _m_quoting_table,
    "encoding": _m_encoding_table,
    "ragged": _m_ragged,
}
TEXT_STAGE: dict[str, Mutator] = {
    "quoting": _m_quoting_text,
    "tsv": _m_tsv_text,
    "newlines": _m_newlines,
}
BYTES_STAGE: dict[str, Mutator] = {
    "empty": _m_empty_bytes,
    "bytes": _m_bytes,
    "truncate": _m_truncate,
    "mismatch": _m_gzip,
}


def _csv_field(value: str, sep: str) -> str:
    if any(ch in value for ch in (sep, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_text(header: list[str], rows: Iterable[list[str]], sep: str) -> str:
    return "".join(sep.join(_csv_field(v, sep) for v in row) + "\n" for row in [header, *rows])


def _pairs(st: LogState, row: list[str]) -> list[tuple[str, str]]:
    """A row as (key, JSON text) pairs; extra fields get keys `_N`, missing ones are left out."""
    keys = st.header + [f"_{i}" for i in range(len(st.header), len(row))]
    return [(k, json.dumps(v, ensure_ascii=False)) for k, v in zip(keys, row, strict=False)]


def _obj(pairs: Sequence[tuple[str, str]], pretty: bool = False) -> str:
    items = [f"{json.dumps(k, ensure_ascii=False)}: {v}" for k, v in pairs]
    return "{\n  " + ",\n  ".join(items) + "\n}" if pretty else "{" + ", ".join(items) + "}"


JSON_ODD_VALUES = (
    '{"a": [1, {"b": null}]}',
    "[1, 2, 3]",
    "12",
    "1.5",
    "true",
    "null",
    "123456789012345678901234567890",
    "1e400",
    "NaN",
    "Infinity",
    '"\\ud800"',
    '"\\u0000"',
    "[]",
    "{}",
)


def _serialize_jsonl(rng: random.Random, st: LogState, hostile: bool) -> tuple[str, list[str]]:
    records = [_pairs(st, row) for row in st.rows]
    notes: list[str] = []
    variants = (
        rng.sample(
            (
                "non-object",
                "array-line",
                "array-file",
                "pretty",
                "concatenated",
                "nested",
                "epoch-int",
                "duplicate-key",
                "blank-lines",
                "comment",
                "trailing-comma",
                "deep",
                "mixed-types",
                "bom",
            ),
            rng.randint(1, 3),
        )
        if hostile
        else []
    )
    pretty = "pretty" in variants
    if "nested" in variants or "mixed-types" in variants:
        for pairs in rng.sample(records, min(len(records), rng.randint(1, 4))):
            if pairs:
                i = rng.randrange(len(pairs))
                odd = rng.choice(JSON_ODD_VALUES) if "nested" in variants else "1001"
                pairs[i] = (pairs[i][0], odd)
    if "epoch-int" in variants:
        for pairs in records:
            pairs[:] = [(k, "1709632800" if k == "time" else v) for k, v in pairs]
    if "duplicate-key" in variants and records and records[0]:
        pairs = rng.choice(records)
        if pairs:
            pairs.append((pairs[0][0], json.dumps(hostile_value(rng, pairs[0][0]))))
    if "deep" in variants and records and records[0]:
        depth = rng.choice((100, 1000, 5000))
        records[0].append(("body", "[" * depth + "]" * depth))
    lines = [_obj(pairs, pretty and rng.random() < 0.6) for pairs in records]
    if "non-object" in variants:
        for _ in range(rng.randint(1, 3)):
            lines.insert(rng.randint(0, len(lines)), rng.choice(("42", '"text"', "null", "true")))
    if "array-line" in variants:
        lines.insert(rng.randint(0, len(lines)), "[1, 2]")
    if "concatenated" in variants and len(lines) > 1:
        i = rng.randrange(len(lines) - 1)
        lines[i : i + 2] = [lines[i] + lines[i + 1]]
    if "blank-lines" in variants:
        for _ in range(rng.randint(1, 3)):
            lines.insert(rng.randint(0, len(lines)), rng.choice(("", "   ", "\t")))
    if "comment" in variants:
        lines.insert(rng.randint(0, len(lines)), "// exported by dialer v2")
    if "trailing-comma" in variants and lines:
        i = rng.randrange(len(lines))
        lines[i] = lines[i].rstrip("}") + ", }"
    text = "\n".join(lines) + "\n"
    if "array-file" in variants:
        text = "[" + ",\n".join(lines) + "]\n"
    if "bom" in variants:
        text = "\ufeff" + text
    notes += [f"jsonl: {v}" for v in variants]
    return text, notes


FAR_MICROS = (
    253_402_300_800_000_000,  # 10000-01-01
    -62_167_219_200_000_000,  # 0000-01-01
    -62_198_755_200_000_000,  # -0001-01-01
    2**62,
    -(2**62),
    0,
)


def _pq_target(rng: random.Random, df: pl.DataFrame) -> str:
    weighted = [
        c
        for c in ("time", "time", "account", "timezone", "channel", "body", "party")
        if c in df.columns
    ]
    return rng.choice(weighted or df.columns)


def _pq_variant(rng: random.Random, df: pl.DataFrame, variant: str) -> tuple[pl.DataFrame, str]:
    c = _pq_target(rng, df)
    col = pl.col(c)
    n = df.height
    if variant == "naive-datetime":
        expr = col.str.to_datetime(strict=False, time_zone="UTC").dt.replace_time_zone(None)
    elif variant == "aware-datetime":
        expr = col.str.to_datetime(strict=False, time_zone="UTC").dt.convert_time_zone(
            "Asia/Kolkata"
        )
    elif variant == "far-datetime":
        values = [FAR_MICROS[i % len(FAR_MICROS)] for i in range(n)]
        return df.with_columns(
            pl.Series(c, values, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
        ), c
    elif variant == "date":
        expr = col.str.to_datetime(strict=False, time_zone="UTC").dt.date()
    elif variant == "integer":
        expr = col.str.len_bytes().cast(pl.Int64) * 1_000_003
    elif variant == "epoch":
        expr = col.str.to_datetime(strict=False, time_zone="UTC").dt.epoch("s")
    elif variant == "float":
        expr = pl.when(col.str.len_bytes() > 5).then(pl.lit(float("nan"))).otherwise(pl.lit(1.5))
    elif variant == "duration":
        expr = col.str.len_bytes().cast(pl.Int64).cast(pl.Duration("us"))
    elif variant == "list":
        expr = pl.concat_list(col, col)
    elif variant == "struct":
        expr = pl.struct(col.alias("value"), pl.lit(1).alias("n"))
    elif variant == "binary":
        expr = col.cast(pl.Binary)
    elif variant == "invalid-binary":
        return df.with_columns(pl.Series(c, [b"\xff\xfe\x00\xc3("] * n, dtype=pl.Binary)), c
    elif variant == "null-type":
        expr = pl.lit(None)
    elif variant == "boolean":
        expr = col.str.len_bytes() > 3
    elif variant == "categorical":
        expr = col.cast(pl.Categorical)
    elif variant == "decimal":
        return df.with_columns(pl.Series(c, [Decimal("1.50")] * n, dtype=pl.Decimal(10, 2))), c
    elif variant == "array":
        expr = pl.concat_list(col, col).list.to_array(2)
    elif variant == "list-of-struct":
        expr = pl.concat_list(pl.struct(col.alias("v")))
    else:  # uint8
        expr = col.str.len_bytes().cast(pl.UInt8, strict=False)
    return df.with_columns(expr.alias(c)), c


PARQUET_VARIANTS = (
    "naive-datetime",
    "aware-datetime",
    "far-datetime",
    "date",
    "integer",
    "epoch",
    "float",
    "duration",
    "list",
    "struct",
    "binary",
    "invalid-binary",
    "null-type",
    "boolean",
    "categorical",
    "decimal",
    "array",
    "list-of-struct",
    "uint8",
)


def _serialize_parquet(rng: random.Random, st: LogState, hostile: bool) -> tuple[bytes, list[str]]:
    names: list[str] = []
    for name in st.header:
        while name in names:  # polars needs unique names: a near-duplicate instead
            name += " "
        names.append(name)
    width = len(names)
    rows = [(row + [""] * width)[:width] for row in st.rows]
    notes = []
    if st.empty == "zero-columns" or not names:
        df = pl.DataFrame()
    else:
        df = pl.DataFrame(
            {name: [row[i] for row in rows] for i, name in enumerate(names)},
            schema=dict.fromkeys(names, pl.String),
        )
    if hostile and df.width:
        for variant in rng.sample(PARQUET_VARIANTS, rng.randint(1, 3)):
            try:
                df, column = _pq_variant(rng, df, variant)
                notes.append(f"parquet: {column} as {variant}")
            except Exception as exc:
                notes.append(f"parquet: {variant} skipped ({type(exc).__name__})")
    buffer = io.BytesIO()
    df.write_parquet(buffer)
    return buffer.getvalue(), notes


@dataclass(frozen=True)
class MutatedLog:
    """A mutated log, and the valid table it was made from (for plans that collide with it)."""

    source: str
    state: LogState
    notes: list[str]
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    """The table with the marker rows planted, before any mutation."""


def _mutated_log(rng: random.Random, primary: str, mild: bool = False) -> MutatedLog:
    """A log with `primary` as its main mutation family, plus up to three more that fit (with
    `mild`, only more of MILD_FAMILIES, which leave most rows readable)."""
    if primary in ("jsonl", "parquet", "tsv"):
        fmt = primary
    elif primary in TEXT_ONLY or primary in ("encoding", "newlines"):
        fmt = "csv" if rng.random() < 0.8 else "tsv"
    else:
        fmt = rng.choices(("csv", "tsv", "jsonl", "parquet"), (55, 10, 20, 15))[0]
    if primary in ("encoding", "newlines") and rng.random() < 0.15:
        fmt = "jsonl"
    others = sorted((FITS[fmt] & MILD_FAMILIES if mild else FITS[fmt]) - {primary, "tsv"})
    extra = min(len(others), rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0])
    families = (primary, *rng.sample(others, extra))
    if fmt == "tsv" and "tsv" not in families and rng.random() < 0.5:
        families = (*families, "tsv")
    source = rng.choice(("contacts.csv", "contacts-us-cn.csv", "generated", "generated"))
    if source == "generated":
        header, rows = _generated_table(rng)
    else:
        head, body = _example_table(source)
        header, rows = list(head), [list(r) for r in body]
    _plant(rng, header, rows)
    valid = tuple(header), tuple(tuple(r) for r in rows)
    ext = NATURAL_EXT[fmt] if fmt != "jsonl" else rng.choice((".jsonl", ".ndjson"))
    st = LogState(header, rows, fmt, ext, families)
    notes: list[str] = []
    for fam in families:
        if fam in TABLE_STAGE:
            notes += TABLE_STAGE[fam](rng, st)
    if fmt == "parquet":
        st.data, more = _serialize_parquet(rng, st, "parquet" in families)
        notes += more
    else:
        if fmt == "jsonl":
            st.text, more = _serialize_jsonl(rng, st, "jsonl" in families)
            notes += more
        else:
            st.text = _csv_text(st.header, st.rows, "\t" if fmt == "tsv" else ",")
        for fam in families:
            if fam in TEXT_STAGE and (fam != "quoting" or fmt != "jsonl"):
                notes += TEXT_STAGE[fam](rng, st)
        st.data = _encode(rng, st)
    for fam in families:
        if fam in BYTES_STAGE:
            notes += BYTES_STAGE[fam](rng, st)
    return MutatedLog(source, st, notes, *valid)


def _report_options(rng: random.Random) -> list[str]:
    """How a `check` case reports: JSON to a file, another format (to a file or not), the
    terminal with `--explain`, or the plain terminal report."""
    form = rng.random()
    if form < 0.2:
        return ["--format", "json", "--output", "report.json"]
    if form < 0.45:
        fmt_out = rng.choice(("sarif", "junit", "github", "csv", "html"))
        out = ["--format", fmt_out]
        return out + (["--output", f"report.{fmt_out}"] if rng.random() < 0.5 else [])
    return ["--explain"] if rng.random() < 0.25 else []


def _log_case(seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:log:{index}")
    log = _mutated_log(rng, LOG_FAMILIES[index % len(LOG_FAMILIES)])
    st, source = log.state, log.source
    name = f"log-{index:04d}"
    filename = f"{name}{st.ext}"
    argv = ["check", filename]
    if source == "contacts-us-cn.csv" and rng.random() < 0.6:
        argv += ["--rules", "us-regf", "--rules", "cn-consumer-credit"]
    elif rng.random() < 0.1:
        argv += ["--rules", "cn-consumer-credit"]
    if rng.random() < 0.75:
        argv += ["--max-rejects", "1000000"]
    if rng.random() < (0.7 if st.naive else 0.15):
        zone = rng.choice(("America/New_York", "Asia/Shanghai", "UTC", "America/St_Johns"))
        argv += ["--assume-timezone", zone]
    argv += _report_options(rng)
    if rng.random() < 0.1:
        argv.append("--show-pii")
    if rng.random() < 0.1:
        argv += ["--fail-on", "info"]
    description = f"{source} as {st.fmt}: " + "; ".join(log.notes)
    return Case(name, st.families, description, {filename: st.data}, tuple(argv), (filename,))


# ------------------------------------------------------------------------ pack generation

OVERLAY = """\
# House rules on top of Regulation F (a small overlay for the fuzzer).
pack:
  name: house
  title: House rules (extends us-regf)
  version: "0.1.0"
  extends: us-regf
  default_timezone: America/New_York

overrides:
  call-volume:
    severity: warning
    params: {limit: 5}
disable: [profane-language]

rules:
  - id: no-sunday-texts
    kind: hours
    severity: warning
    citation: House policy HP-7 (no texts on Sundays)
    url: https://example.com/policies/hp-7
    message: "{channel} at {local_time} ({zone}): no texts on Sundays under house policy"
    description: No collection texts on Sundays, and on other days only 09:00-20:00 local.
    where: {kind: contact, direction: outbound, channel: sms}
    params: {start: "09:00", end: "20:00", days: {sun: null}}

  - id: no-lawsuit-talk
    kind: wording
    severity: error
    citation: House policy HP-9 (agents never mention lawsuits)
    url: https://example.com/policies/hp-9
    message: "message mentions {category}: \\"{quote}\\""
    description: Agents never mention lawsuits or court dates in writing.
    where: {kind: contact, channel: [sms, email]}
    params:
      forbid:
        lawsuit:
          phrases: [lawsuit, sue you]
          patterns: ['\\bcourt\\s+dates?\\b']
"""
OVERLAY_CASES = {
    "call-volume.yaml": """\
rule: house/call-volume
defaults: {account: A1, channel: call, outcome: no_answer, timezone: America/New_York}
cases:
  - name: five_calls_in_five_days_are_allowed
    events:
      - {id: c1, time: "2024-06-03T14:00:00Z"}
      - {id: c2, time: "2024-06-04T14:00:00Z"}
      - {id: c3, time: "2024-06-05T14:00:00Z"}
      - {id: c4, time: "2024-06-06T14:00:00Z"}
      - {id: c5, time: "2024-06-07T14:00:00Z"}
    expect: []
  - name: sixth_call_is_flagged
    events:
      - {id: c1, time: "2024-06-03T14:00:00Z"}
      - {id: c2, time: "2024-06-04T14:00:00Z"}
      - {id: c3, time: "2024-06-05T14:00:00Z"}
      - {id: c4, time: "2024-06-06T14:00:00Z"}
      - {id: c5, time: "2024-06-07T14:00:00Z"}
      - {id: c6, time: "2024-06-08T14:00:00Z"}
    expect: [c6]
""",
    "no-sunday-texts.yaml": """\
rule: house/no-sunday-texts
defaults: {account: A1, channel: sms, outcome: delivered, timezone: America/New_York}
cases:
  - name: saturday_morning_text_is_allowed
    events: [{id: s1, time: "2024-06-08T13:00:00Z"}]
    expect: []
  - name: sunday_text_is_flagged
    events: [{id: s1, time: "2024-06-09T15:00:00Z"}]
    expect: [s1]
""",
    "no-lawsuit-talk.yaml": """\
rule: house/no-lawsuit-talk
defaults: {account: A1, channel: sms, outcome: delivered, timezone: America/New_York}
cases:
  - name: plain_reminder_is_allowed
    events: [{id: m1, time: "2024-06-04T15:00:00Z", body: "Your payment is due on Friday."}]
    expect: []
  - name: lawsuit_is_flagged
    events: [{id: m1, time: "2024-06-04T15:00:00Z", body: "We will file a lawsuit."}]
    expect: [m1]
""",
}
PACK_DIRS = {"us-regf": "regf-copy", "cn-consumer-credit": "cn-copy", "overlay": "house"}


@functools.cache
def _pack_source(base: str) -> tuple[str, tuple[tuple[str, bytes], ...]]:
    """The pack text and its cases (file name, bytes) of a base pack."""
    if base == "overlay":
        return OVERLAY, tuple((k, v.encode()) for k, v in OVERLAY_CASES.items())
    folder = RULES / base
    cases = tuple((p.name, p.read_bytes()) for p in sorted((folder / "cases").glob("*.yaml")))
    return (folder / "pack.yaml").read_text(encoding="utf-8"), cases


KEY_LINE = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][\w-]*):(?P<rest>(?: .*)?)$")
INTERESTING = frozenset(
    [
        "limit",
        "calendar_days",
        "window",
        "duration",
        "start",
        "end",
        "days",
        "zones",
        "key",
        "trigger",
        "severity",
        "kind",
        "id",
        "jurisdiction",
        "default_timezone",
        "name",
        "version",
        "extends",
        "phrases",
        "patterns",
        "channel",
        "party",
        "outcome",
        "direction",
        "exempt",
        "after",
        "until",
        "message",
        "rules",
        "pack",
        "params",
        "where",
        "forbid",
        "require",
        "if",
        "unless",
        "allow",
        "verification",
        "sun",
        "sat",
        "overrides",
        "disable",
        "title",
        "url",
        "citation",
        "sources",
    ]
)
TYPE_VALUES = (
    "12",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999999999999",
    "1e309",
    ".inf",
    "-.inf",
    ".nan",
    "3.5",
    "0x1F",
    "0o17",
    "1_000",
    "[]",
    "[a, b]",
    "[1, [2, [3]]]",
    "{}",
    "{a: 1}",
    "{not: []}",
    "null",
    "~",
    "",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "2026-02-30",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "12:30",
    "'25:00'",
    "'24:00'",
    "'00:00'",
    "'-01:00'",
    "'9:5'",
    "!!binary aGk=",
    "!!str 12",
    "!!set {a, b}",
    '"\\u202eevil"',
    '"\\u0000"',
    '"\\e[31mred"',
    '"' + "x" * 100_000 + '"',
    '"\\U0001F4DE"',
    "{duration: -24h}",
    "{calendar_days: 0}",
    "{calendar_days: 100000000}",
    "{duration: 99999999999h}",
    "{duration: 1.5h}",
    "{duration: 24}",
    "{duration: 24x}",
    "{calendar_days: 7, duration: 24h}",
    "[account, account]",
    "[nope]",
)


#: Values of the right type but at the edges, for the keys that take them (valid packs, odd rules).
EXTREME_VALUES: dict[str, tuple[str, ...]] = {
    "limit": ("0", "1", "-1", "9223372036854775807", "9223372036854775808", str(10**30), "1.5"),
    "calendar_days": ("0", "1", "-7", "100000000", "9223372036854775807", str(10**30)),
    "window": (
        "{calendar_days: 1}",
        "{calendar_days: 36500}",
        "{duration: 1s}",
        "{duration: 0h}",
        "{duration: 1000000000h}",
        "{duration: 24H}",
        "{duration: 1d}",
    ),
    "start": ('"00:00"', '"23:59"', '"24:00"', '"23:59:59"', '"7:00"', '"08:00:00.5"'),
    "end": ('"00:00"', '"00:01"', '"24:00"', '"08:00"', '"99:99"'),
    "days": ("{sat: null, sun: null, mon: null, tue: null, wed: null, thu: null, fri: null}",
             '{sun: {start: "22:00", end: "08:00"}}', "{}", "{holiday: null}"),
    "key": ("[channel]", "[to]", "[account, debtor, person, to, channel]", "[]", "account"),
    "zones": ("primary", "all", "none"),
    "default_timezone": ("UTC", "Asia/Kathmandu", "Etc/GMT+14", "Mars/Olympus", "''"),
    "jurisdiction": ("[]", "[us]", "[US, US]", "['*']", "[US-MA, CN]", "US"),
}  # fmt: skip


@dataclass
class PackState:
    """A pack while it is being mutated."""

    lines: list[str]
    directory: str
    base: str
    files: dict[str, bytes] = field(default_factory=dict)
    post: list[Callable[[bytes], bytes]] = field(default_factory=list)
    rules_arg: str = ""
    names: list[str] = field(default_factory=lambda: ["pack.yaml"])


PackMutator = Callable[[random.Random, PackState], list[str]]


def _key_lines(st: PackState, keys: Iterable[str] | None = None) -> list[int]:
    wanted = None if keys is None else frozenset(keys)
    out = []
    for i, line in enumerate(st.lines):
        m = KEY_LINE.match(line)
        if m and (wanted is None or m["key"] in wanted):
            out.append(i)
    return out


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], index: int) -> int:
    """The index after the key at `index` and its block (lines indented deeper than the key)."""
    m = KEY_LINE.match(lines[index])
    base = len(m["indent"]) + len(m["dash"] or "") if m else _indent_of(lines[index])
    end = index + 1
    while end < len(lines) and (not lines[end].strip() or _indent_of(lines[end]) > base):
        end += 1
    while end > index + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _set_value(lines: list[str], index: int, value: str) -> str:
    """Replace the value of the key at `index` (and its block); return the key."""
    m = KEY_LINE.match(lines[index])
    if not m:
        return ""
    lines[index : _block_end(lines, index)] = [f"{m['indent']}{m['dash'] or ''}{m['key']}: {value}"]
    return m["key"]


def _key_of(line: str) -> str:
    m = KEY_LINE.match(line)
    return m["key"] if m else ""


def _pick_key(rng: random.Random, st: PackState) -> int | None:
    candidates = _key_lines(st)
    interesting = [i for i in candidates if _key_of(st.lines[i]) in INTERESTING]
    pool = interesting if interesting and rng.random() < 0.75 else candidates
    return rng.choice(pool) if pool else None


def _p_lines(rng: random.Random, st: PackState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 4)):
        if not st.lines:
            break
        i = rng.randrange(len(st.lines))
        op = rng.choice(("delete", "delete", "duplicate", "swap", "delete-block"))
        if op == "delete":
            del st.lines[i]
        elif op == "duplicate":
            st.lines.insert(i, st.lines[i])
        elif op == "swap":
            j = rng.randrange(len(st.lines))
            st.lines[i], st.lines[j] = st.lines[j], st.lines[i]
        else:
            keys = _key_lines(st)
            i = rng.choice(keys) if keys else i
            del st.lines[i : _block_end(st.lines, i)]
        notes.append(f"{op} line {i + 1}")
    return notes


def _p_indent(rng: random.Random, st: PackState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 3)):
        if not st.lines:
            break
        i = rng.randrange(len(st.lines))
        line = st.lines[i]
        op = rng.choice(("shift", "shift", "tabs", "tab-after-colon", "trailing", "crlf", "cr"))
        if op == "shift":
            delta = rng.choice((-4, -2, -1, 1, 2, 4))
            st.lines[i] = " " * max(0, _indent_of(line) + delta) + line.lstrip(" ")
            op = f"shift {delta:+d}"
        elif op == "tabs":
            end = _block_end(st.lines, i) if KEY_LINE.match(line) else i + 1
            for j in range(i, end):
                n = _indent_of(st.lines[j])
                st.lines[j] = "\t" * (n // 2) + st.lines[j][n:]
        elif op == "tab-after-colon":
            st.lines[i] = line.replace(": ", ":\t", 1)
        elif op == "trailing":
            st.lines[i] = line + rng.choice(("  ", "\t", " \t "))
        elif op == "crlf":
            st.post.append(lambda data: data.replace(b"\n", b"\r\n"))
        else:
            st.post.append(lambda data: data.replace(b"\n", b"\r"))
        notes.append(f"indentation: {op} at line {i + 1}")
    return notes


def _p_types(rng: random.Random, st: PackState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 3)):
        aimed = [i for i in _key_lines(st, EXTREME_VALUES) if rng.random() < 0.5]
        i = rng.choice(aimed) if aimed and rng.random() < 0.5 else _pick_key(rng, st)
        if i is None:
            break
        key = _key_of(st.lines[i])
        value = rng.choice(EXTREME_VALUES[key] if i in aimed else TYPE_VALUES)
        if rng.random() < 0.1:  # YAML 1.1 reads these as dates, which do not exist
            value = rng.choice(("2026-02-30", "2023-02-29", "2024-13-01", "2024-02-30T10:00:00Z"))
        _set_value(st.lines, i, value)
        notes.append(f"{key}: {short(value, 30)} (line {i + 1})")
    return notes


def _p_keys(rng: random.Random, st: PackState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(
            ("unknown-key", "unknown-kind", "unknown-field", "unknown-value", "bad-enum",
             "duplicate-rule", "remove-required", "duplicate-key")
        )  # fmt: skip
        keys = _key_lines(st)
        if not keys:
            break
        if op == "unknown-key":
            i = rng.choice(keys)
            m = KEY_LINE.match(st.lines[i])
            assert m
            column = len(m["indent"]) + len(m["dash"] or "")
            name = rng.choice(("colour", "limits", "severity_", "extends_", "x" * 300, "kind2"))
            st.lines.insert(i + 1, " " * column + f"{name}: red")
        elif op == "unknown-kind" and (kinds := _key_lines(st, ["kind"])):
            _set_value(
                st.lines, rng.choice(kinds), rng.choice(("frequencyy", "regex", "Hours", ""))
            )
        elif op == "unknown-field" and (wheres := _key_lines(st, ["where"])):
            i = rng.choice(wheres)
            indent = " " * (_indent_of(st.lines[i]) + 2)
            _set_value(st.lines, i, "")
            st.lines.insert(
                i + 1, f"{indent}{rng.choice(('colour', 'Channel', 'body', 'time'))}: x"
            )
        elif op == "unknown-value" and (fields := _key_lines(st, ["channel", "party", "outcome"])):
            _set_value(
                st.lines,
                rng.choice(fields),
                rng.choice(("fax", "[call, fax]", "{not: fax}", "CALL")),
            )
        elif op == "bad-enum" and (enums := _key_lines(st, ["severity", "verification", "zones"])):
            _set_value(st.lines, rng.choice(enums), rng.choice(("critical", "V9", "some", "ERROR")))
        elif op == "duplicate-rule" and (ids := _key_lines(st, ["id"])):
            i = rng.choice(ids)
            st.lines[i:i] = st.lines[i : _block_end(st.lines, i)]
        elif op == "remove-required" and (
            req := _key_lines(st, ["id", "kind", "message", "name", "params"])
        ):
            i = rng.choice(req)
            if st.lines[i].lstrip().startswith("- "):  # a list item's first key: rename it
                st.lines[i] = st.lines[i].replace("- ", "- x-", 1)
            else:
                del st.lines[i : _block_end(st.lines, i)]
        elif op == "duplicate-key":
            i = rng.choice(keys)
            st.lines.insert(i + 1, st.lines[i].replace("- ", "  ", 1))
        else:
            continue
        notes.append(op)
    return notes


BAD_REGEXES = (
    r"(?=debt)",
    r"(?!x)y",
    r"(?<=pay)ment",
    r"(?<!no)w",
    r"(a)\1",
    r"(?P<x>a)(?P=x)",
    r"(unclosed",
    r"unopened)",
    r"[z-a]",
    r"[",
    r"*lead",
    r"a**",
    r"a{2,1}",
    r"a{100000}",
    r"(a{1000}){1000}",
    r"\p{NotAScript}",
    r"(?i",
    "\\",
    r"\k<n>",
    r"(?>atomic)",
    r"a++",
    r"(?R)",
    "",
    r"(?x) # only a comment",
    r"(?s).{0,100000}",
    r"[[:alpha:]",
    r"\x{110000}",
    r"\x{D800}",
    "\x00",
    "(" * 500 + "a" + ")" * 500,
    "|".join(f"word{i}" for i in range(5000)),
    r"\b",
)
ODD_PHRASES = (
    "",
    " ",
    "\u200b",
    "a",
    "{",
    "\\",
    "x" * 100_000,
    "\u202e",
    "\x00",
    "\U0001f4de",
    "(?=x)",
)


def _p_regex(rng: random.Random, st: PackState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 2)):
        regex = rng.choice(BAD_REGEXES)
        items = [i for i, line in enumerate(st.lines) if re.match(r"^ *- '", line)]
        inline = _key_lines(st, ["patterns"])
        phrases = _key_lines(st, ["phrases"])
        op = rng.choice(("item", "inline", "beside-phrases", "phrase"))
        if op == "item" and items:
            i = rng.choice(items)
            st.lines[i] = st.lines[i][: st.lines[i].index("-")] + f"- {_yaml_str(regex)}"
        elif op == "inline" and inline:
            _set_value(st.lines, rng.choice(inline), f"[{_yaml_str(regex)}]")
        elif op == "phrase" and phrases:
            phrase = rng.choice(ODD_PHRASES)
            _set_value(st.lines, rng.choice(phrases), f"[{_yaml_str(phrase)}]")
            notes.append(f"phrase {short(phrase, 30)}")
            continue
        elif phrases:
            i = rng.choice(phrases)
            end = _block_end(st.lines, i)
            indent = " " * _indent_of(st.lines[i])
            st.lines[end:end] = [f"{indent}patterns: [{_yaml_str(regex)}]"]
        else:
            continue
        notes.append(f"pattern {short(regex, 30)}")
    return notes


def _p_yaml(rng: random.Random, st: PackState) -> list[str]:
    op = rng.choice(
        ("anchor", "laughs", "merge", "documents", "explicit-start", "invalid-utf8", "utf16",
         "bom", "large", "large-value", "under-limit", "nul", "python-tag", "custom-tag",
         "directive", "complex-key", "empty", "comment-only", "top-list", "top-scalar", "deep",
         "long-line")
    )  # fmt: skip
    lines = st.lines
    if op == "anchor":
        sev = _key_lines(st, ["severity"])
        if len(sev) >= 2:
            first, later = sev[0], sev[-1]
            lines[first] = lines[first].replace("severity: ", "severity: &sev ", 1)
            _set_value(lines, later, "*sev")
        else:
            lines.insert(1, "x-defaults: &d {channel: call}")
    elif op == "laughs":
        lines += ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    elif op == "merge":
        lines.insert(1, "x-base: &base {severity: error}")
        ids = _key_lines(st, ["id"])
        if ids:
            i = rng.choice(ids)
            column = _indent_of(lines[i]) + 2
            lines.insert(i + 1, " " * column + "<<: *base")
    elif op == "documents":
        at = rng.randint(1, len(lines))
        lines.insert(at, rng.choice(("---", "...", "--- !!map", "---\npack: {name: second}")))
    elif op == "explicit-start":
        lines.insert(0, "---")
        lines.append("...")
    elif op == "invalid-utf8":
        bad = rng.choice((b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80"))
        count = rng.randint(1, 5)
        st.post.append(lambda data: data.replace(b"\n  ", b"\n  " + bad, count))
    elif op == "utf16":
        st.post.append(lambda data: data.decode("utf-8").encode("utf-16"))
    elif op == "bom":
        st.post.append(lambda data: b"\xef\xbb\xbf" + data)
    elif op == "large":
        lines += ["# " + "x" * 1000] * 2300
    elif op == "large-value":
        ids = _key_lines(st, ["description"])
        if ids:
            _set_value(lines, ids[0], '"' + "y" * (2 * 1024 * 1024 + 10) + '"')
    elif op == "under-limit":
        size = len("\n".join(lines).encode())
        room = 2 * 1024 * 1024 - size - 4096
        lines += ["# " + "z" * 998] * max(0, room // 1001)
    elif op == "nul":
        st.post.append(lambda data: data.replace(b"\n", b"\n\x00", 1))
    elif op == "python-tag":
        ids = _key_lines(st, ["title", "message", "citation"])
        if ids:
            _set_value(lines, rng.choice(ids), f'!!python/object/apply:os.system ["touch {PWNED}"]')
    elif op == "custom-tag":
        ids = _key_lines(st)
        if ids:
            _set_value(
                lines,
                rng.choice(ids),
                rng.choice(("!include other.yaml", "!!omap [a: 1]", "!env HOME")),
            )
    elif op == "directive":
        lines.insert(
            0, rng.choice(("%YAML 1.1\n---", "%YAML 9.9\n---", "%TAG !e! tag:e.com:\n---"))
        )
    elif op == "complex-key":
        lines.insert(1, "? [a, b]\n: c")
    elif op == "empty":
        lines[:] = []
    elif op == "comment-only":
        lines[:] = ["# nothing here"]
    elif op == "top-list":
        lines[:] = ["- pack: x", "- rules: []"]
    elif op == "top-scalar":
        lines[:] = [rng.choice(("hello", "null", "12", '"pack"'))]
    elif op == "deep":
        depth = rng.choice((200, 1000, 5000))
        lines.append("deep: " + "[" * depth + "]" * depth)
    else:
        ids = _key_lines(st, ["title"])
        if ids:
            _set_value(lines, ids[0], "w" * 300_000)
    return [f"yaml: {op}"]


def _overlay_text(name: str, extends: str) -> str:
    return (
        f'pack:\n  name: {name}\n  title: Overlay {name}\n  version: "0.1.0"\n'
        f"  extends: {extends}\n\ndisable: [profane-language]\n"
    )


def _p_extends(rng: random.Random, st: PackState) -> list[str]:
    op = rng.choice(
        ("missing", "cycle2", "self", "cycle3", "odd-value", "not-a-pack", "case", "chain",
         "broken-base", "unknown-override", "bad-override")
    )  # fmt: skip
    ext = _key_lines(st, ["extends"])
    if not ext:  # a copy of a built-in pack: add extends under pack:
        head = _key_lines(st, ["pack"])
        at = head[0] + 1 if head else 0
        st.lines.insert(at, "  extends: us-regf")
        ext = [at]
    i = ext[0]
    if op == "missing":
        _set_value(st.lines, i, rng.choice(("no-such-pack", "../no-such/pack.yaml", "us-regf-2")))
    elif op == "cycle2":
        _set_value(st.lines, i, "other")
        st.files["other/pack.yaml"] = _overlay_text("other", st.directory).encode()
    elif op == "self":
        _set_value(st.lines, i, st.directory)
    elif op == "cycle3":
        _set_value(st.lines, i, "second")
        st.files["second/pack.yaml"] = _overlay_text("second", "third").encode()
        st.files["third/pack.yaml"] = _overlay_text("third", st.directory).encode()
    elif op == "odd-value":
        value = rng.choice(('""', "12", "[us-regf]", "null", "{name: us-regf}", "../../..", "/"))
        _set_value(st.lines, i, value)
    elif op == "not-a-pack":
        _set_value(st.lines, i, "notes.txt")
        st.files["notes.txt"] = b"these are notes, not a pack: [unbalanced\n"
        st.names.append("notes.txt")
    elif op == "case":
        _set_value(
            st.lines, i, rng.choice(("US-REGF", "us-regf ", "us_regf", "'us-regf/../us-regf'"))
        )
    elif op == "chain":
        depth = rng.choice((5, 30, 200))
        _set_value(st.lines, i, "c0")
        for k in range(depth):
            parent = f"c{k + 1}" if k + 1 < depth else "us-regf"
            st.files[f"c{k}/pack.yaml"] = _overlay_text(f"c{k}", parent).encode()
        op = f"chain of {depth}"
    elif op == "broken-base":
        _set_value(st.lines, i, "base")
        st.files["base/pack.yaml"] = b"pack:\n  name: base\n  title: [unclosed\nrules: 12\n"
    elif op == "unknown-override":
        st.lines += ["overrides:", "  no-such-rule: {severity: warning}", "disable: [nope, nope]"]
    else:
        st.lines += [
            "overrides:",
            rng.choice(
                (
                    "  call-volume: {params: {limit: many}}",
                    "  call-volume: {kind: hours}",
                    "  call-volume: 12",
                    "  inconvenient-time: {params: {start: '25:00'}}",
                    "  call-volume: {params: {window: {calendar_days: -7}}}",
                )
            ),
        ]
    return [f"extends: {op}"]


ODD_MESSAGES = (
    "{nope}",
    "{",
    "}",
    "{{",
    "{count!r}",
    "{count:>999999999}",
    "{limit.__class__.__mro__}",
    "{0}",
    "{}",
    "{count[0]}",
    "%s %d",
    "{local_time:%Y}",
    "m" * 100_000,
    "\x1b[31m{rule}\x1b[0m \u202e{account}",
    "{quote}{quote}{quote}",
    "\x00",
    "",
)


def _p_message(rng: random.Random, st: PackState) -> list[str]:
    notes = []
    for _ in range(rng.randint(1, 2)):
        ids = _key_lines(st, ["message"])
        if not ids:
            break
        value = rng.choice(ODD_MESSAGES)
        i = rng.choice(ids)
        _set_value(st.lines, i, _yaml_str(value))
        notes.append(f"message {short(value, 30)} (line {i + 1})")
    return notes


PACK_MUTATORS: dict[str, PackMutator] = {
    "pack-lines": _p_lines,
    "pack-indent": _p_indent,
    "pack-types": _p_types,
    "pack-keys": _p_keys,
    "pack-regex": _p_regex,
    "pack-yaml": _p_yaml,
    "pack-extends": _p_extends,
    "pack-message": _p_message,
}


def _pack_case(seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:pack:{index}")
    primary = PACK_FAMILIES[index % len(PACK_FAMILIES)]
    others = [f for f in PACK_FAMILIES if f not in (primary, "pack-extends", "pack-yaml")]
    families = (primary, *rng.sample(others, rng.choices((0, 1, 2), (45, 40, 15))[0]))
    if primary == "pack-extends":
        base = "overlay" if rng.random() < 0.7 else rng.choice(("us-regf", "cn-consumer-credit"))
    else:
        base = rng.choice(("us-regf", "cn-consumer-credit", "overlay"))
    text, cases = _pack_source(base)
    st = PackState(text.split("\n"), PACK_DIRS[base], base)
    notes: list[str] = []
    for fam in families:
        notes += PACK_MUTATORS[fam](rng, st)
    data = "\n".join(st.lines).encode("utf-8")
    for post in st.post:
        data = post(data)
    files = {f"{st.directory}/pack.yaml": data, **st.files}
    for case_name, case_bytes in cases:
        files[f"{st.directory}/cases/{case_name}"] = case_bytes
    names = [*st.names]
    log = "contacts-us-cn.csv" if base == "cn-consumer-credit" else "contacts.csv"
    if rng.random() < 0.3:
        argv: list[str] = ["test", st.directory]
        names += [name for name, _ in cases]
        accounting = False
    else:
        files[log] = planted_csv(log)
        argv = ["check", log, "--rules", st.directory]
        if base == "overlay" and rng.random() < 0.3:
            argv += ["--rules", "us-regf"]
        if rng.random() < 0.3:
            argv += ["--format", "json", "--output", "report.json"]
        accounting = True
    description = f"{base} pack: " + "; ".join(notes or ["(no change)"])
    return Case(
        f"pack-{index:04d}", families, description, files, tuple(argv), tuple(names), accounting
    )


# ----------------------------------------------------------------------- option mutations

LOG = "contacts.csv"
NAIVE = "naive.csv"
NEXT = ("next", "--history", LOG, "--account", "ACC-1001")
AT = "2024-03-09T15:00:00Z"
#: (label, argv, names an exit-2 message may use); the first few are the test slice's.
OPTION_CASES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("--as-of not a time", ("check", LOG, "--as-of", "yesterday"), ("--as-of", "yesterday")),
    ("--max-rejects -1", ("check", LOG, "--max-rejects", "-1"), ("--max-rejects",)),
    ("--output into a missing directory", ("check", LOG, "--output", "nodir/sub/out.json"),
     ("nodir",)),
    ("next --at year 10000", (*NEXT, "--at", "10000-01-01T00:00:00Z"), ("--at", "10000")),
    ("--as-of without offset", ("check", LOG, "--as-of", "2024-03-10T12:00:00"), ("--as-of",)),
    ("--as-of year 10000", ("check", LOG, "--as-of", "10000-01-01T00:00:00Z"), ("--as-of",)),
    ("--as-of year 0000", ("check", LOG, "--as-of", "0000-01-01T00:00:00Z"), ("--as-of",)),
    ("--as-of year -0001", ("check", LOG, "--as-of", "-0001-01-01T00:00:00Z"), ("--as-of",)),
    ("--as-of 9999 at -14:00", ("check", LOG, "--as-of", "9999-12-31T23:59:59-14:00"),
     ("--as-of",)),
    ("--as-of 0001 at +14:00", ("check", LOG, "--as-of", "0001-01-01T00:00:00+14:00"),
     ("--as-of",)),
    ("--as-of 2026-02-30", ("check", LOG, "--as-of", "2026-02-30T00:00:00Z"), ("--as-of",)),
    ("--as-of empty", ("check", LOG, "--as-of", ""), ("--as-of",)),
    ("--max-rejects abc", ("check", LOG, "--max-rejects", "abc"), ("--max-rejects",)),
    ("--max-rejects 1e3", ("check", LOG, "--max-rejects", "1e3"), ("--max-rejects",)),
    ("--max-rejects 10**30", ("check", LOG, "--max-rejects", "1" + "0" * 30),
     ("--max-rejects",)),
    ("--map time=", ("check", LOG, "--map", "time="), ("--map",)),
    ("--map unknown field", ("check", LOG, "--map", "colour=time"), ("--map", "colour")),
    ("--map missing column", ("check", LOG, "--map", "time=StartUtc"), ("StartUtc", LOG)),
    ("--map one column twice", ("check", LOG, "--map", "time=time,account=time"), ("--map", LOG)),
    ("--map swap columns", ("check", LOG, "--map", "time=account,account=time"), (LOG,)),
    ("--map garbage", ("check", LOG, "--map", ",,=,"), ("--map",)),
    ("--map field twice", ("check", LOG, "--map", "time=id,time=time"), ("--map", LOG)),
    ("--assume-timezone unknown", ("check", NAIVE, "--assume-timezone", "Mars/Olympus"),
     ("--assume-timezone", "Mars/Olympus")),
    ("--assume-timezone empty", ("check", NAIVE, "--assume-timezone", ""), ("--assume-timezone",)),
    ("--assume-timezone path", ("check", NAIVE, "--assume-timezone", "../../../etc/passwd"),
     ("--assume-timezone", "passwd")),
    ("--assume-timezone list", ("check", NAIVE, "--assume-timezone", "America/New_York|UTC"),
     ("--assume-timezone",)),
    ("--assume-timezone offset", ("check", NAIVE, "--assume-timezone", "+05:00"),
     ("--assume-timezone",)),
    ("--assume-timezone localtime", ("check", NAIVE, "--assume-timezone", "localtime"),
     ("--assume-timezone", "localtime")),
    ("--format xml", ("check", LOG, "--format", "xml"), ("--format",)),
    ("--format empty", ("check", LOG, "--format", ""), ("--format",)),
    ("--format JSON", ("check", LOG, "--format", "JSON"), ("--format",)),
    ("--output an existing directory", ("check", LOG, "--format", "json", "--output", "."),
     ("--output", "'.'", "directory")),
    ("--output /dev/full", ("check", LOG, "--format", "json", "--output", "/dev/full"),
     ("/dev/full",)),
    ("--fail-on fatal", ("check", LOG, "--fail-on", "fatal"), ("--fail-on",)),
    ("--severity unknown level", ("check", LOG, "--severity", "us-regf/call-volume=critical"),
     ("--severity", "critical")),
    ("--severity unknown rule", ("check", LOG, "--severity", "nope/rule=error"),
     ("--severity", "nope/rule")),
    ("--select matches nothing", ("check", LOG, "--select", "zzz/"), ("--select", "zzz/")),
    ("--rules missing pack", ("check", LOG, "--rules", "no-such-pack"), ("no-such-pack",)),
    ("--rules empty", ("check", LOG, "--rules", ""), ("--rules", "''")),
    ("--waivers missing", ("check", LOG, "--waivers", "missing.yaml"), ("missing.yaml",)),
    ("--baseline missing", ("check", LOG, "--baseline", "missing.json"), ("missing.json",)),
    ("--config missing", ("check", LOG, "--config", "missing.yaml"), ("missing.yaml",)),
    ("--config is a log", ("check", LOG, "--config", LOG), (LOG,)),
    ("--history missing", ("check", LOG, "--history", "missing.csv"), ("missing.csv",)),
    ("log is a directory", ("check", "dir.csv"), ("dir.csv",)),
    ("log is missing", ("check", "missing.csv"), ("missing.csv",)),
    ("log on stdin", ("check", "-"), ("stdin", "<stdin>", "standard input", "'-'", "-:")),
    ("next --at not a time", (*NEXT, "--at", "soon"), ("--at", "soon")),
    ("next --at without offset", (*NEXT, "--at", "2024-03-09T15:00:00"), ("--at",)),
    ("next --at year 0000", (*NEXT, "--at", "0000-01-01T00:00:00Z"), ("--at",)),
    ("next --at 9999-12-31", (*NEXT, "--at", "9999-12-31T23:59:59Z"), ("--at",)),
    ("next --party unknown", (*NEXT, "--at", AT, "--party", "nobody"), ("--party", "nobody")),
    ("next --channel fax", (*NEXT, "--at", AT, "--channel", "fax"), ("--channel", "fax")),
    ("next --to empty", (*NEXT, "--at", AT, "--party", "spouse", "--to", ""), ("--to", "`to`")),
    ("next unknown account", ("next", "--history", LOG, "--account", "NOPE", "--at", AT),
     ("--account", "NOPE")),
    ("next empty account", ("next", "--history", LOG, "--account", "", "--at", AT),
     ("--account", "account ''")),
    ("next history missing", ("next", "--history", "missing.csv", "--account", "A", "--at", AT),
     ("missing.csv",)),
    ("next without --at", NEXT, ("--at",)),
)  # fmt: skip


def _option_cases(count: int | None) -> list[Case]:
    chosen = OPTION_CASES if count is None else OPTION_CASES[:count]
    files = {LOG: planted_csv("contacts.csv"), NAIVE: planted_csv("contacts.csv", naive=True)}
    out = []
    for index, (label, argv, names) in enumerate(chosen):
        stdin = LOG if argv[1:] == ("-",) else None
        dirs = ("dir.csv",) if "dir.csv" in argv else ()
        out.append(
            Case(
                f"opt-{index:04d}",
                (OPTION_FAMILY,),
                label,
                files,
                argv,
                names,
                accounting=argv[0] == "check",
                stdin=stdin,
                dirs=dirs,
            )
        )
    return out


# ------------------------------------------------------------ planned contacts: plans and next

#: Main mutation families of a mutated history that is mild: times and cells come up most.
HISTORY_FAMILIES = ("times", "times", "times", "cells", "cells", "cells", "quoting", "newlines",
                    "ragged")  # fmt: skip
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TWO_ZONES = "America/New_York|America/Los_Angeles"
#: Zones written into a plan (or given to `next --timezone`) whose 08:00-21:00 windows overlap,
#: so that us-regf always allows the contact at some later instant.
SETTLED_ZONES = frozenset(ZONES)
UNKNOWN_ZONES = ("Mars/Olympus_Mons", "America/Nowhere", "EST-5")
#: (day, wall-clock time, fold) in America/New_York around the 2024 DST changes.
DST_WALLS = (
    ("2024-03-10", "00:00:00", 0),
    ("2024-03-10", "01:30:00", 0),
    ("2024-03-10", "01:59:59", 0),
    ("2024-03-10", "03:00:00", 0),
    ("2024-03-10", "03:30:00", 0),
    ("2024-03-10", "07:59:59", 0),
    ("2024-03-10", "08:00:00", 0),
    ("2024-03-10", "20:59:59", 0),
    ("2024-03-10", "21:00:00", 0),
    ("2024-03-10", "23:59:59", 0),
    ("2024-11-03", "00:00:00", 0),
    ("2024-11-03", "01:00:00", 0),
    ("2024-11-03", "01:30:00", 0),
    ("2024-11-03", "01:30:00", 1),
    ("2024-11-03", "01:59:59", 1),
    ("2024-11-03", "02:00:00", 0),
    ("2024-11-03", "07:59:59", 0),
    ("2024-11-03", "08:00:00", 0),
    ("2024-11-03", "20:59:59", 0),
    ("2024-11-03", "21:00:00", 0),
    ("2024-11-03", "23:59:59", 0),
)
#: Wall-clock times that do not exist or are ambiguous in New York: only written without offset.
DST_NAIVE = ("2024-03-10T02:30:00", "2024-03-10T02:00:00", "2024-11-03T01:30:00")
BOUNDARY_WALLS = ("00:00:00", "23:59:59", "07:59:59", "08:00:00", "20:59:59", "21:00:00")
COMPLIANT_BODY = "This is Acme Recovery, a debt collector. Reply STOP to opt out."
FALLBACK_SPAN = (datetime(2024, 3, 4, 13, tzinfo=UTC), datetime(2024, 3, 11, 15, tzinfo=UTC))


@dataclass(frozen=True)
class History:
    """The past log of a plan or `next` case, and what its valid rows hold."""

    filename: str
    data: bytes
    description: str
    mutated: bool
    keys: tuple[tuple[str, str, str], ...]
    """(account, debtor, timezone) of the valid rows, marker rows included."""
    tos: tuple[str, ...]
    ids: tuple[str, ...]
    times: tuple[datetime, ...]
    """The rows' instants, sorted (the example span when none can be read)."""


def _history(rng: random.Random, mutated_share: float) -> History:
    """An example log with the marker rows, or (`mutated_share` of the time) a mutated log."""
    if rng.random() < mutated_share:
        if rng.random() < 0.2:  # now and then, any mutation (the history is what fails then)
            log = _mutated_log(rng, rng.choice(LOG_FAMILIES))
        else:
            log = _mutated_log(rng, rng.choice(HISTORY_FAMILIES), mild=True)
        st = log.state
        filename = f"history{st.ext}"
        description = f"history {log.source} as {st.fmt}: " + "; ".join(log.notes)
        header, rows, data, mutated = log.header, log.rows, st.data, True
    else:
        name = rng.choice(("contacts.csv", "contacts.csv", "contacts-us-cn.csv"))
        head, body = _example_table(name)
        day = body[0][1][:10]
        marked = tuple(tuple(m.get(c, "") for c in head) for m in _marker_rows(day))
        filename, description, mutated = name, f"history {name}", False
        header, rows, data = head, body + marked, planted_csv(name)
    column = {name: i for i, name in enumerate(header)}

    def cell(row: tuple[str, ...], name: str) -> str:
        i = column.get(name)
        return row[i] if i is not None and i < len(row) else ""

    keys = sorted({(cell(r, "account"), cell(r, "debtor"), cell(r, "timezone")) for r in rows})
    times = []
    for row in rows:
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(cell(row, "time").replace("Z", "+00:00"))
            if when.tzinfo is not None:
                times.append(when.astimezone(UTC))
    return History(
        filename,
        data,
        description,
        mutated,
        tuple(k for k in keys if k[0].strip()) or (("ACC-PII", "CON-PII", "America/New_York"),),
        tuple(sorted({t for r in rows if (t := cell(r, "to"))})) or (PHONE,),
        tuple(i for r in rows if (i := cell(r, "id"))),
        tuple(sorted(times)) or FALLBACK_SPAN,
    )


def _wall(day: str, wall: str, zone: ZoneInfo, fold: int = 0) -> datetime:
    """`day` at the wall-clock time `wall` in `zone` (`fold` 1: the second of a repeated hour)."""
    return datetime.fromisoformat(f"{day}T{wall}").replace(tzinfo=zone, fold=fold)


def _instant(rng: random.Random, history: History, naive_share: float) -> tuple[str, str]:
    """A time around the history's: before, among and after its instants, on its local midnights
    and 08:00/21:00 edges, on the 2024 DST days; (the ISO text, a note on what it is)."""
    lo, hi = history.times[0], history.times[-1]
    kind = rng.choices(
        ("before", "among", "same", "near", "after", "dst", "midnight", "edge"),
        (8, 12, 10, 10, 10, 20, 12, 18),
    )[0]
    zone = NEW_YORK
    if kind == "before":
        when = lo - timedelta(days=rng.randint(0, 20), minutes=rng.randint(1, 1440))
    elif kind == "among":
        when = lo + timedelta(minutes=rng.randint(0, int((hi - lo).total_seconds() // 60)))
    elif kind == "same":
        when = rng.choice(history.times)
    elif kind == "near":
        delta = rng.choice((1, 60, 3600, 86400, 7 * 86400)) * rng.choice((-1, 1))
        when = rng.choice(history.times) + timedelta(seconds=delta)
        kind = f"near {delta:+d} s"
    elif kind == "after":
        when = hi + timedelta(hours=rng.choice((0, 1, 12, 24, 7 * 24, 8 * 24, 30 * 24)))
        when += timedelta(minutes=rng.randint(0, 59))
    elif kind == "dst":
        if rng.random() < 0.12:
            text = rng.choice(DST_NAIVE)
            return text, f"naive DST wall {text[5:16]}"
        day, wall, fold = rng.choice(DST_WALLS)
        when = _wall(day, wall, NEW_YORK, fold)
        kind = f"dst {day} {wall[:5]}" + (" (second)" if fold else "")
    else:
        zone = rng.choice((NEW_YORK, NEW_YORK, LOS_ANGELES))
        local = lo.astimezone(zone) + timedelta(days=rng.randint(-2, max(2, (hi - lo).days + 3)))
        wall = "00:00:00" if kind == "midnight" else rng.choice(BOUNDARY_WALLS)
        when = _wall(local.date().isoformat(), wall, zone)
        kind = f"{kind} {wall[:5]} {zone.key.split('/')[1]}"
    form = rng.random()
    if form < naive_share:
        return when.astimezone(zone).replace(tzinfo=None).isoformat(), f"{kind}, naive"
    if form < naive_share + 0.25:
        return when.astimezone(zone).isoformat(), f"{kind}, local offset"
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), kind


def _plan_zone(rng: random.Random, zone: str) -> str:
    return rng.choices(
        (zone, TWO_ZONES, "America/New_York", "America/Los_Angeles", "America/Chicago",
         rng.choice(UNKNOWN_ZONES), ""),
        (40, 22, 14, 8, 4, 6, 6),
    )[0]  # fmt: skip


def _plan(rng: random.Random, history: History) -> tuple[bytes, list[str], frozenset[str], bool]:
    """A plan of 1-20 rows on the history's keys; (CSV bytes, notes, settled ids, any naive)."""
    focus = rng.sample(history.keys, min(len(history.keys), rng.randint(1, 3)))
    rows: list[list[str]] = []
    notes: list[str] = []
    settled: set[str] = set()
    naive = False
    for index in range(rng.randint(1, 20)):
        pick = rng.random()
        if pick < 0.75:
            account, debtor, zone = rng.choice(focus)
        elif pick < 0.85:
            account, debtor, zone = rng.choice(history.keys)
        elif pick < 0.95:
            account, debtor, zone = f"PLAN-{index % 3}", f"PD-{index % 3}", "America/New_York"
            notes.append("new account")
        else:
            account, _, zone = rng.choice(history.keys)
            debtor = "PD-NEW"
            notes.append("known account, new debtor")
        ident = f"P{index:03d}"
        if rng.random() < 0.04 and history.ids:
            ident = rng.choice(history.ids)
            notes.append("id of a history row")
        party, to = "debtor", ""
        if rng.random() < 0.15:
            party = rng.choice(("spouse", "third_party", "attorney", "guardian", "employer"))
            to = rng.choice(history.tos) if rng.random() < 0.6 else f"+1555030{index:04d}"
            notes.append(f"party {party}")
        channel = rng.choices(("call", "sms", "email", "letter", "voicemail"), (66, 16, 8, 5, 5))[0]
        direction = "inbound" if rng.random() < 0.08 else "outbound"
        if channel == "call":
            outcome = rng.choices(
                ("conversation", "no_answer", "voicemail", "busy", "not_connected"),
                (25, 35, 20, 10, 10),
            )[0]
            if outcome == "conversation":
                notes.append(f"{direction} conversation")
        else:
            outcome = rng.choice(("delivered", "sent", ""))
        body = ""
        if channel in ("sms", "email"):
            body = COMPLIANT_BODY if rng.random() < 0.8 else rng.choice(BODIES)
        kind = "contact"
        if rng.random() < 0.08:
            kind, channel, outcome, body = rng.choice(("consent", "consent_revoked")), "", "", ""
            notes.append(f"planned {kind}")
        zone = _plan_zone(rng, zone)
        if zone in UNKNOWN_ZONES or not zone:
            notes.append(f"zone {zone or '(empty)'}")
        elif zone == TWO_ZONES:
            notes.append("two zones")
        when, note = _instant(rng, history, 0.06)
        notes.append(f"time {note}")
        naive = naive or note.startswith("naive") or note.endswith("naive")
        if rng.random() < 0.04:
            ident = ""
            notes.append("no id")
        if zone in SETTLED_ZONES and ident:
            settled.add(ident)
        jurisdiction = rng.choices(("US", "", "US-NY", "CN"), (60, 25, 10, 5))[0]
        values = {
            "id": ident,
            "time": when,
            "account": account,
            "debtor": debtor,
            "party": party,
            "to": to,
            "channel": channel,
            "direction": direction,
            "outcome": outcome,
            "timezone": zone,
            "jurisdiction": jurisdiction,
            "body": body,
            "kind": kind,
        }
        rows.append([values.get(c, "") for c in COLUMNS])
    text = _csv_text(list(COLUMNS), rows, ",")
    summary = [f"{len(rows)} rows", *sorted(set(notes))]
    return text.encode("utf-8"), summary, frozenset(settled), naive


HOURS_WINDOWS = (
    ("08:00", "21:00"),
    ("22:00", "06:00"),
    ("21:00", "08:00"),
    ("01:30", "03:00"),
    ("01:30", "08:00"),
    ("00:00", "23:59"),
    ("09:00", "20:00"),
    ("20:00", "02:00"),
    ("23:00", "00:30"),
)
HOURS_DAYS = (
    "",
    "",
    "{sun: null}",
    '{sat: {start: "10:00", end: "14:00"}, sun: null}',
    '{sun: {start: "22:00", end: "02:00"}}',
    '{sat: {start: "01:30", end: "03:00"}}',
    "{mon: null, tue: null, wed: null, thu: null, fri: null}",
)
FREQUENCY_WINDOWS = (
    "{duration: 12h}",
    "{duration: 12h}",
    "{calendar_days: 1}",
    "{calendar_days: 1}",
    "{duration: 24h}",
    "{duration: 1h}",
    "{calendar_days: 7}",
)
RULE_KEYS = ("[account, person]", "[account, person]", "[account]", "[person]", "[debtor, channel]")
RULE_WHERES = (
    "{kind: contact, direction: outbound}",
    "{kind: contact, direction: outbound, channel: call}",
    "{kind: contact, direction: outbound, channel: call, outcome: {not: not_connected}}",
    "{kind: contact, channel: [call, sms]}",
    "{kind: contact, direction: outbound, party: [debtor, spouse]}",
)
TRIGGERS = (
    "{kind: contact, channel: call, outcome: conversation}",
    "{kind: contact, channel: call, outcome: conversation}",
    "{kind: contact, outcome: conversation}",
    "{kind: contact, channel: sms}",
    "{kind: consent_revoked}",
)
EXEMPT = "[{after: {kind: consent}, until: {kind: consent_revoked}, calendar_days: 1}]"
RULE_HEAD = """\
  - id: {id}
    kind: {kind}
    severity: {severity}
    citation: Fuzz policy {id}
    url: https://example.com/fuzz/{id}
    description: A planner fuzz rule.
    message: "{message}"
    where: {where}
    params: {params}
"""
MESSAGES = {
    "hours": "{channel} at {local_time} ({zone}) is outside {start}-{end}",
    "frequency": "{channel} {count} about {account} within {window}; more than {limit}",
    "cooldown": "{channel} about {account} within {days} days of a trigger",
}


def _hours_params(rng: random.Random, notes: list[str], label: str) -> str:
    start, end = rng.choice(HOURS_WINDOWS)
    zones = rng.choice(("primary", "primary", "all"))
    days = rng.choice(HOURS_DAYS)
    notes.append(f"{label} {start}-{end} zones {zones}" + (f" days {days}" if days else ""))
    return f'{{start: "{start}", end: "{end}", zones: {zones}' + (
        f", days: {days}}}" if days else "}"
    )


def _planner_pack(rng: random.Random) -> tuple[str, list[str]]:
    """A valid pack for the planner: extends us-regf (overriding its timing rules) or stands
    alone, with hours rules (primary zones, windows across midnight or inside the repeated DST
    hour, closed days), frequency rules (12 h or one calendar day, limit 0 or 1) and
    cool-downs. (The pack text, notes.)"""
    extends = rng.random() < 0.6
    notes = ["pack extends us-regf" if extends else "standalone pack"]
    lines = ["pack:", "  name: fuzzplan", "  title: Planner fuzz pack", '  version: "0.1.0"']
    lines.append("  extends: us-regf" if extends else "  jurisdiction: [US]")
    if rng.random() < 0.3:
        lines.append("  default_timezone: America/New_York")
        notes.append("default zone")
    if extends:
        overrides = []
        if rng.random() < 0.5:
            limit, window = rng.choice((0, 1, 1, 2)), rng.choice(FREQUENCY_WINDOWS)
            overrides.append(f"  call-volume: {{params: {{limit: {limit}, window: {window}}}}}")
            notes.append(f"call-volume limit {limit} window {window}")
        if rng.random() < 0.5:
            params = _hours_params(rng, notes, "inconvenient-time")
            overrides.append(f"  inconvenient-time: {{params: {params}}}")
        if rng.random() < 0.3:
            days = rng.choice((1, 2, 30))
            overrides.append(f"  call-after-conversation: {{params: {{calendar_days: {days}}}}}")
            notes.append(f"call-after-conversation {days} days")
        if overrides:
            lines += ["overrides:", *overrides]
        if rng.random() < 0.2:
            gone = rng.choice(("inconvenient-time", "call-volume", "call-after-conversation"))
            lines.append(f"disable: [{gone}]")
            notes.append(f"disable {gone}")
    kinds = rng.sample(("hours", "frequency", "cooldown"), rng.randint(0 if extends else 1, 3))
    rules = []
    for n, kind in enumerate(kinds, 1):
        where = rng.choice(RULE_WHERES)
        if kind == "hours":
            params = _hours_params(rng, notes, "hours")
        elif kind == "frequency":
            limit, window = rng.choice((0, 1, 1, 2)), rng.choice(FREQUENCY_WINDOWS)
            key = rng.choice(RULE_KEYS)
            exempt = f", exempt: {EXEMPT}" if rng.random() < 0.2 else ""
            params = f"{{key: {key}, limit: {limit}, window: {window}{exempt}}}"
            notes.append(f"frequency limit {limit} window {window} key {key}")
        else:
            trigger, days = rng.choice(TRIGGERS), rng.choice((1, 1, 2, 7))
            key = rng.choice(RULE_KEYS)
            params = f"{{key: {key}, trigger: {trigger}, calendar_days: {days}}}"
            notes.append(f"cooldown {days} days after {trigger}")
        severity = rng.choice(("error", "error", "warning"))
        rules.append(
            RULE_HEAD.format(
                id=f"fz-{kind}-{n}",
                kind=kind,
                severity=severity,
                message=MESSAGES[kind],
                where=where,
                params=params,
            )
        )
    if rules:
        lines += ["", "rules:", "".join(rules).rstrip("\n")]
    return "\n".join(lines) + "\n", notes


PLANNER_PACK = "fuzzplan"


def _use_planner_pack(
    rng: random.Random,
    files: dict[str, bytes],
    names: list[str],
    argv: list[str],
    notes: list[str],
) -> list[str]:
    """Write a generated planner pack into the case and select it; its notes are returned."""
    text, more = _planner_pack(rng)
    files[f"{PLANNER_PACK}/pack.yaml"] = text.encode("utf-8")
    names.append("pack.yaml")
    argv += ["--rules", PLANNER_PACK]
    notes += more
    return more


def _plan_case(seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:plan:{index}")
    history = _history(rng, 0.4)
    plan, notes, settled, naive = _plan(rng, history)
    files = {"plan.csv": plan, history.filename: history.data}
    names = ["plan.csv", history.filename]
    argv = ["check", "plan.csv", "--history", history.filename]
    rules = rng.random()
    if rules < 0.45:
        more = _use_planner_pack(rng, files, names, argv, notes)
        if "standalone pack" in more and rng.random() < 0.3:
            argv += ["--rules", "us-regf"]
    elif rules < 0.55:
        argv += ["--rules", "us-regf"]
    elif rules < 0.62 and history.filename == "contacts-us-cn.csv":
        argv += ["--rules", "us-regf", "--rules", "cn-consumer-credit"]
    regf_only = rules >= 0.45 and "cn-consumer-credit" not in argv
    if rng.random() < 0.8:
        argv += ["--max-rejects", "1000000"]
    if naive and rng.random() < 0.6:
        argv += ["--assume-timezone", rng.choice(("America/New_York", "America/Los_Angeles"))]
    form = rng.random()
    if form < 0.25:
        argv += ["--format", "json", "--output", "report.json"]
    elif form < 0.45:
        argv += ["--format", "json"]
    elif form < 0.55:
        argv.append("--explain")
    description = f"plan vs {history.description}: " + "; ".join(notes)
    return Case(
        f"plan-{index:04d}",
        (PLAN_FAMILY,),
        description,
        files,
        tuple(argv),
        tuple(names),
        planner="plan",
        settled=settled if regf_only else frozenset(),
    )


def _next_case(seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:next:{index}")
    history = _history(rng, 0.25)
    files = {history.filename: history.data}
    names = [history.filename, "--account", "--at", "--timezone"]
    notes: list[str] = []
    pick = rng.random()
    if pick < 0.85:
        account, _, zone = rng.choice(history.keys)
    else:
        account, zone = rng.choice(("NOPE-1", "acc-1001", " ACC-1001", "")), ""
        notes.append(f"unknown account {account!r}")
    argv = ["next", "--history", history.filename, "--account", account]
    names += [account] if account.strip() else []
    at, note = _instant(rng, history, 0.05)
    argv += ["--at", at]
    notes.append(f"at {note}")
    if rng.random() < 0.3:
        party = rng.choice(("debtor", "spouse", "third_party", "attorney", "guardian"))
        argv += ["--party", party]
        names += ["--party", party, "--to", "`to`"]
        if party != "debtor" and rng.random() < 0.85:
            argv += ["--to", rng.choice(history.tos) if rng.random() < 0.6 else "+15550300001"]
        notes.append(f"party {party}")
    if rng.random() < 0.5:
        channel = rng.choice(("call", "call", "sms", "email", "letter", "voicemail"))
        argv += ["--channel", channel]
        names += ["--channel", channel]
        notes.append(f"channel {channel}")
    given = ""
    if rng.random() < 0.4:
        given = rng.choices(
            (TWO_ZONES, "America/New_York", "America/Los_Angeles", rng.choice(UNKNOWN_ZONES)),
            (45, 25, 20, 10),
        )[0]
        argv += ["--timezone", given]
        names.append(given)
        notes.append(f"timezone {given}")
    rules = rng.random()
    if rules < 0.45:
        _use_planner_pack(rng, files, names, argv, notes)
    elif rules < 0.55:
        argv += ["--rules", "us-regf"]
    if rng.random() < 0.5:
        argv += ["-f", "json"]
    known = given in SETTLED_ZONES if given else not history.mutated and zone in SETTLED_ZONES
    settled = frozenset({"next"}) if rules >= 0.45 and known else frozenset()
    description = f"next vs {history.description}: " + "; ".join(notes)
    return Case(
        f"next-{index:04d}",
        (NEXT_FAMILY,),
        description,
        files,
        tuple(argv),
        tuple(names),
        accounting=False,
        planner="next",
        settled=settled,
    )


def _instant_of(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _claims_never(reason: object) -> bool:
    text = reason.lower() if isinstance(reason, str) else ""
    return "no instant" in text or "never" in text


TIMING_KINDS = frozenset({"frequency", "cooldown", "hours"})


def plan_problems(report: Path, settled: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """What is wrong with the planner's answers in a plan's JSON report: a timing finding with
    neither `next_allowed_at` nor a reason, an instant earlier than the planned one, or (for the
    `settled` events) a reason claiming that no instant is allowed at all."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        kinds = {r["id"]: r["kind"] for r in data.get("rules", [])}
        findings = [v for v in data.get("violations", []) if isinstance(v, dict)]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        return [("other", f"unreadable plan report ({type(exc).__name__})")]
    found: dict[str, list[str]] = defaultdict(list)
    for v in findings:
        where = f"{v.get('rule')} on {v.get('event')}"
        at, reason = v.get("next_allowed_at"), v.get("next_allowed_reason")
        timing = kinds.get(v.get("rule")) in TIMING_KINDS
        if at is None and timing and not (isinstance(reason, str) and reason.strip()):
            found["next_allowed_at null without a next_allowed_reason"].append(where)
        when, planned = _instant_of(at), _instant_of(v.get("time"))
        if when is not None and planned is not None and when < planned:
            found["next_allowed_at earlier than the planned time"].append(f"{where} ({at})")
        if _claims_never(reason) and v.get("event") in settled:
            found[f"us-regf defaults, yet {reason!r}"].append(where)
    return [
        ("other", f"{problem}: {len(where)} finding(s), e.g. {where[0]}")
        for problem, where in found.items()
    ]


def next_problems(stdout: str, settled: bool = False) -> list[tuple[str, str]]:
    """What is wrong with the JSON answer of `next`: neither `next_allowed_at` nor a reason, an
    instant earlier than the one asked for, or (`settled`) a claim that none is allowed."""
    try:
        data = json.loads(stdout)
    except ValueError as exc:
        return [("other", f"next -f json printed no JSON ({type(exc).__name__})")]
    if not isinstance(data, dict):
        return [("other", "next -f json printed no JSON object")]
    at, reason = data.get("next_allowed_at"), data.get("reason")
    out = []
    if not at and not (isinstance(reason, str) and reason.strip()):
        out.append(("other", "next: neither next_allowed_at nor a reason"))
    when, asked = _instant_of(at), _instant_of(data.get("requested"))
    if when is not None and asked is not None and when < asked:
        out.append(("other", f"next_allowed_at {at} earlier than the requested instant"))
    if settled and _claims_never(reason):
        out.append(("other", f"us-regf defaults, yet next says {reason!r}"))
    return out


# ------------------------------------------------------- provider exports through profiles

PROFILES_DIR = REPO / "profiles"
#: The built-in profiles the cases read their exports through: case `profile-N` takes the
#: (N mod 5)-th, and its main mutation is the (N mod 13)-th of EXPORT_MUTATIONS (so any 13
#: cases in a row cover every mutation, and 65 every pair).
PROFILE_SOURCES = (
    "twilio-calls",
    "twilio-messages",
    "twilio-bulkexport",
    "amazon-connect-ctr",
    "twilio-bulkexport-calls",
)
#: The profile a BulkExport profile extends (its records have the same fields).
BULK_BASE = {"twilio-bulkexport": "twilio-messages", "twilio-bulkexport-calls": "twilio-calls"}
EXPORT_MUTATIONS = (
    "values",
    "times",
    "numbers",
    "legs",
    "duplicates",
    "accounts",
    "profile-file",
    "gzip",
    "columns",
    "truncate",
    "format",
    "cells",
    "types",
)
#: Mutations that leave most records of an export readable: the ones added to the main one.
MILD_EXPORT = ("values", "times", "numbers", "legs", "duplicates", "accounts", "cells", "types")
#: Mutations of JSON records only (a CSV cell is text whatever it holds).
JSON_ONLY = frozenset({"types"})
EXPORT_FMT = {
    "twilio-calls": "csv",
    "twilio-messages": "csv",
    "twilio-bulkexport": "jsonl",
    "twilio-bulkexport-calls": "jsonl",
    "amazon-connect-ctr": "json",
}
#: The agency's own numbers (caller ids, SMS senders: toll-free and local) and its Twilio
#: project, the same on every row (never a debt).
AGENCY_NUMBERS = ("+12125550147", "+18885550143", "+13125550162")
PROJECT_SID = "AC" + "0123456789abcdef" * 2
#: Area codes of the consumers' numbers (fictional 555-01xx lines), with the zone, a ZIP
#: code and the state an accounts file gives them.
NPA_PLACES = {
    "617": ("America/New_York", "02134", "MA"),
    "212": ("America/New_York", "10001", "NY"),
    "305": ("America/New_York", "33101", "FL"),
    "312": ("America/Chicago", "60601", "IL"),
    "602": ("America/Phoenix", "85001", "AZ"),
    "415": ("America/Los_Angeles", "94103", "CA"),
    "907": ("America/Anchorage", "99501", "AK"),
    "808": ("Pacific/Honolulu", "96813", "HI"),
}
#: Numbers no accounts file holds, or that are no consumer's telephone at all.
HOSTILE_NUMBERS = (
    "+18005550199",
    "+18885550143",
    "+15550100123",
    "+15551234567",
    "+8613900001234",
    "+442079460000",
    "+1617555011",
    "+161755501111",
    "6175550111",
    "16175550111",
    "+1617555O111",
    "\uff0b16175550111",
    "anonymous",
    "+266696687",
    "+7378742833",
    "whatsapp:+16175550111",
    "tel:+16175550111",
    "client:agent007",
    "sip:agent@pbx.example.com",
    "",
    " ",
    PHONE,
    f" {PHONE} ",
    "+1 555-010-7788",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LONG_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CALL_ANSWERED_BY = ANSWERED_BY  # Twilio's answering-machine results, as the generator has them
CONNECT_AMD = (
    "HUMAN_ANSWERED",
    "VOICEMAIL_BEEP",
    "VOICEMAIL_NO_BEEP",
    "AMD_UNANSWERED",
    "SIT_TONE_BUSY",
    "SIT_TONE_INVALID_NUMBER",
    "FAX_MACHINE_DETECTED",
    "AMD_UNRESOLVED",
    "AMD_NOT_APPLICABLE",
)
CONNECT_REASONS = (
    "CUSTOMER_DISCONNECT",
    "AGENT_DISCONNECT",
    "CONTACT_FLOW_DISCONNECT",
    "TELECOM_TIMEOUT",
    "TELECOM_BUSY",
    "TELECOM_NUMBER_INVALID",
    "TELECOM_PROBLEM",
    "TELECOM_ORIGINATOR_CANCEL",
)
OUTBOUND_TEXTS = (
    "This is Acme Recovery, a debt collector. Your payment is due Friday. Reply STOP to opt out.",
    "Acme Recovery (debt collector): a payment is due on your account. Reply STOP to opt out.",
    "Call us today about your account.",
    "Pay now or a warrant will be issued for your arrest.",
    "\u60a8\u597d\uff0c\u60a8\u7684\u501f\u6b3e\u5df2\u903e\u671f\u3002\u56de\u590dTD\u9000\u8ba2",
)
INBOUND_TEXTS = ("STOP", "stop", "Who is this?", "I already paid this", "UNSUBSCRIBE", "Ok")
#: Values of the mapped source columns a profile does not map, or maps only as spelled
#: (case, spaces, a zero-width space, a value Twilio or Connect may add later); None is JSON
#: null (an empty CSV cell).
MAPPED_ODD: dict[str, dict[str, tuple[str | None, ...]]] = {
    "twilio-calls": {
        "status": ("queued", "ringing", "in-progress", "Completed", "COMPLETED", "no_answer",
                   "answered", "initiated", " completed ", "completed\u200b", "canceled ", ""),
        "direction": ("outbound", "Inbound", "trunking-originating", "trunking-terminating",
                      "outbound-api ", "outbound_api", ""),
        "answered_by": ("machine_", "Machine_start", "human ", "HUMAN", "fax", "machine",
                        "voicemail", "machine_end_beep\u200b", ""),
    },
    "twilio-messages": {
        "status": ("accepted", "scheduled", "queued", "sending", "receiving", "canceled", "read",
                   "partially_delivered", "Delivered", "DELIVERED", "delivered ", ""),
        "direction": ("outbound", "Outbound-API", "outbound-call", "outbound-reply", "inbound ",
                      "trunking-originating", ""),
    },
    "amazon-connect-ctr": {
        "Channel": ("voice", "Voice", "TASK", "EMAIL", "CHAT", "SMS", "VIDEO", "", None),
        "InitiationMethod": ("CALLBACK", "TRANSFER", "QUEUE_TRANSFER", "MONITOR", "DISCONNECT",
                             "EXTERNAL_OUTBOUND", "WEBRTC_API", "AGENT_REPLY", "FLOW", "outbound",
                             "", None),
        "AnsweringMachineDetectionStatus": ("AMD_NEW_STATUS", "AMD_ERROR", "human_answered",
                                            "SIT_TONE_DETECTED", "VOICEMAIL", "", None),
        "DisconnectReason": ("TELECOM_NEW_REASON", "telecom_busy", "", None),
    },
}  # fmt: skip
#: The source columns each profile reads (a column removed from the export is an input
#: error naming it), and their time columns.
PROFILE_READS = {
    "twilio-calls": ("sid", "start_time", "date_created", "direction", "from", "to", "status",
                     "answered_by"),
    "twilio-messages": ("sid", "date_sent", "date_created", "direction", "from", "to", "body",
                        "status"),
    "amazon-connect-ctr": ("ContactId", "InitiationTimestamp", "LastUpdateTimestamp", "Channel",
                           "InitiationMethod", "CustomerEndpoint", "CustomerEndpoint.Address",
                           "AnsweringMachineDetectionStatus", "DisconnectReason", "Agent",
                           "Agent.Username"),
}  # fmt: skip
TIME_PATHS = {
    "twilio-calls": ("start_time", "date_created"),
    "twilio-messages": ("date_sent", "date_created"),
    "amazon-connect-ctr": ("InitiationTimestamp", "LastUpdateTimestamp"),
}
#: Hidden keys of a generated record (its UTC instant and day), left out of every export.
AT_KEY, DAY_KEY = "@at", "@day"
ACCOUNTS_FILE = "crm.csv"


def _base_profile(profile: str) -> str:
    """The profile whose fields the export of `profile` has (a BulkExport's parent)."""
    return BULK_BASE.get(profile, profile)


def _rfc2822(when: datetime) -> str:
    """`when` (UTC) as Twilio writes RFC 2822 times: `Tue, 10 Mar 2026 15:04:05 +0000`
    (English names whatever the locale)."""
    return (
        f"{WEEKDAYS[when.weekday()]}, {when.day:02d} {MONTHS[when.month - 1]} {when.year} "
        f"{when:%H:%M:%S} +0000"
    )


def _iso_z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _odd_rfc2822(rng: random.Random, when: datetime, label: str = "") -> tuple[str, str]:
    """A garbled, out-of-range or merely unusual RFC 2822 form of `when` (some are valid: no
    weekday, a one-digit day, no seconds, a comment); (label, value). `label` picks one."""
    wd, mon, clock = WEEKDAYS[when.weekday()], MONTHS[when.month - 1], f"{when:%H:%M:%S}"
    early = when.replace(day=rng.randint(1, 9))
    forms = {
        "day 32": f"{wd}, 32 {mon} {when.year} {clock} +0000",
        "no weekday": f"{when.day:02d} {mon} {when.year} {clock} +0000",
        "one-digit day": f"{WEEKDAYS[early.weekday()]}, {early.day} {mon} {when.year} {clock}"
        " +0000",
        "wrong weekday": f"{WEEKDAYS[(when.weekday() + 1) % 7]}, {when.day:02d} {mon}"
        f" {when.year} {clock} +0000",
        "full names": f"{LONG_WEEKDAYS[when.weekday()]}, {when.day:02d} {when:%B} {when.year}"
        f" {clock} +0000",
        "epoch seconds": str(int(when.timestamp())),
        "epoch ms": str(int(when.timestamp() * 1000)),
        "empty": "",
        "iso": _iso_z(when),
        "GMT": f"{wd}, {when.day:02d} {mon} {when.year} {clock} GMT",
        "-0000": _rfc2822(when)[:-5] + "-0000",
        "other offset": _rfc2822(when)[:-5] + "-0500",
        "offset +2500": _rfc2822(when)[:-5] + "+2500",
        "two-digit year": f"{wd}, {when.day:02d} {mon} {when.year % 100:02d} {clock} +0000",
        "Feb 30": f"Mon, 30 Feb {when.year} {clock} +0000",
        "leap second": f"{wd}, {when.day:02d} {mon} {when.year} 23:59:60 +0000",
        "hour 24": f"{wd}, {when.day:02d} {mon} {when.year} 24:00:00 +0000",
        "no seconds": f"{wd}, {when.day:02d} {mon} {when.year} {when:%H:%M} +0000",
        "comment": _rfc2822(when) + " (UTC)",
        "lowercase": _rfc2822(when).lower(),
        "double space": _rfc2822(when).replace(" ", "  ", 2),
        "year 10000": f"{wd}, {when.day:02d} {mon} 10000 {clock} +0000",
        "year 0001": f"Mon, 01 Jan 0001 {clock} +0000",
        "hostile": hostile_value(rng, "time"),
    }
    label = label or rng.choice(sorted(forms))
    return label, forms[label]


def _odd_iso(rng: random.Random, when: datetime, label: str = "") -> tuple[str, object]:
    """A garbled or unusual ISO-8601 form of `when`, or a JSON value of another type; (label,
    value)."""
    forms: dict[str, object] = {
        "fraction": when.strftime("%Y-%m-%dT%H:%M:%S.123Z"),
        "+00:00": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "local offset": when.astimezone(timezone(timedelta(hours=-5))).isoformat(),
        "no offset": when.strftime("%Y-%m-%dT%H:%M:%S"),
        "space": when.strftime("%Y-%m-%d %H:%M:%S"),
        "date only": when.strftime("%Y-%m-%d"),
        "rfc2822": _rfc2822(when),
        "epoch string": str(int(when.timestamp())),
        "epoch number": int(when.timestamp()),
        "epoch ms number": int(when.timestamp() * 1000),
        "float": when.timestamp() + 0.5,
        "null": None,
        "empty": "",
        "true": True,
        "object": {"$date": _iso_z(when)},
        "extreme": rng.choice(EXTREME_TIMES),
        "hostile": hostile_value(rng, "time"),
    }
    label = label or rng.choice(sorted(forms))
    return label, forms[label]


def _shown(value: object) -> str:
    """A mutated value for a note: null, a short literal, or short JSON."""
    if value is None:
        return "null"
    return short(value if isinstance(value, str) else json.dumps(value))


def _put(record: dict[str, object], path: str, value: object) -> None:
    """Set the dotted `path` of a record (making the objects on the way)."""
    head, _, rest = path.partition(".")
    if not rest:
        record[head] = value
        return
    inner = record.get(head)
    if not isinstance(inner, dict):
        inner = {}
        record[head] = inner
    _put(inner, rest, value)


def _get(record: Mapping[str, object], path: str) -> object:
    head, _, rest = path.partition(".")
    value = record.get(head)
    if not rest:
        return value
    return _get(value, rest) if isinstance(value, Mapping) else None


@dataclass
class ExportState:
    """A provider export, its accounts file and its profile while they are mutated: records
    (dicts, nested for Connect), then the bytes of each file of the case."""

    profile: str
    fmt: str
    """'csv', 'jsonl' (BulkExport day files) or 'json' (Connect records back to back)."""
    primary: str
    fields: list[str]
    """The CSV header (or the keys a JSON record starts with), in order."""
    records: list[dict[str, object]]
    consumers: list[str]
    accounts_header: list[str]
    accounts: list[list[str]]
    shape: str = ""
    """How the export is written instead of its own format ('format' mutations)."""
    raw_items: list[tuple[int, str]] = field(default_factory=list)
    """JSON texts inserted between the records (non-objects), at these record positions."""
    newline_json: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    exports: list[str] = field(default_factory=list)
    zipped: set[str] = field(default_factory=set)
    profile_ref: str = ""
    accounts_arg: str | None = ACCOUNTS_FILE
    accounts_post: list[Callable[[bytes], bytes]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    repeat: bool = False
    """Whether one export file is given twice."""


ExportMutator = Callable[[random.Random, ExportState], list[str]]


def _consumer_path(st: ExportState, record: Mapping[str, object]) -> str:
    """Where a record holds the consumer's number: `CustomerEndpoint.Address` in Connect,
    `from` on an inbound Twilio row and `to` on an outbound one."""
    if st.fmt == "json":
        return "CustomerEndpoint.Address"
    return "from" if record.get("direction") == "inbound" else "to"


def _stamp(st_fmt: str) -> Callable[[datetime], str]:
    return _rfc2822 if st_fmt == "csv" else _iso_z


def _call_records(
    rng: random.Random, consumers: Sequence[str], start: datetime, fmt: str
) -> list[dict[str, object]]:
    """5-40 rows of the Call resource: dialer and agent calls and inbound ones, every status
    a finished export has, answering-machine results on the dialer's completed calls."""
    stamp = _stamp(fmt)
    records: list[dict[str, object]] = []
    for _ in range(rng.randint(5, 40)):
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 6))
        consumer = rng.choice(consumers) if rng.random() < 0.9 else "+16465550177"
        flow = rng.choices(("outbound-api", "outbound-dial", "inbound"), (70, 15, 15))[0]
        answered = ""
        if flow == "inbound":
            status = rng.choices(("completed", "no-answer", "busy"), (85, 10, 5))[0]
            frm, to = consumer, rng.choice(AGENCY_NUMBERS)
        else:
            status = rng.choices(
                ("completed", "no-answer", "busy", "failed", "canceled"), (56, 25, 8, 7, 4)
            )[0]
            if status == "completed" and flow == "outbound-api" and rng.random() < 0.8:
                answered = rng.choice(CALL_ANSWERED_BY)
            frm, to = rng.choice(AGENCY_NUMBERS), consumer
        seconds = rng.randint(5, 900) if status == "completed" else 0
        created = when - timedelta(seconds=rng.randint(0, 20))
        ended = when + timedelta(seconds=seconds)
        records.append(
            {
                "sid": "CA" + rng.randbytes(16).hex(),
                "date_created": stamp(created),
                "date_updated": stamp(ended + timedelta(seconds=1)),
                "parent_call_sid": "",
                "account_sid": PROJECT_SID,
                "to": to,
                "from": frm,
                "status": status,
                "start_time": "" if status == "canceled" and rng.random() < 0.5 else stamp(when),
                "end_time": stamp(ended) if status == "completed" else "",
                "duration": str(seconds) if seconds else "",
                "price": f"-{0.013 * (1 + seconds // 60):.4f}" if seconds else "",
                "direction": flow,
                "answered_by": answered,
                "caller_name": "",
                AT_KEY: _iso_z(when),
                DAY_KEY: created.date().isoformat(),
            }
        )
    return records


def _message_records(
    rng: random.Random, consumers: Sequence[str], start: datetime, fmt: str
) -> list[dict[str, object]]:
    """5-40 rows of the Message resource: texts sent (and their receipts), STOP replies and
    other inbound texts, scheduled texts canceled before they were sent."""
    stamp = _stamp(fmt)
    records: list[dict[str, object]] = []
    for _ in range(rng.randint(5, 40)):
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 6))
        consumer = rng.choice(consumers) if rng.random() < 0.9 else "+16465550177"
        flow = rng.choices(("outbound-api", "inbound", "outbound-reply"), (80, 15, 5))[0]
        if flow == "inbound":
            status, body = "received", rng.choice(INBOUND_TEXTS)
            frm, to = consumer, rng.choice(AGENCY_NUMBERS)
        else:
            status = rng.choices(
                ("delivered", "sent", "undelivered", "failed", "canceled"), (76, 12, 5, 4, 3)
            )[0]
            body = rng.choice(OUTBOUND_TEXTS)
            frm, to = rng.choice(AGENCY_NUMBERS), consumer
        created = when - timedelta(seconds=rng.randint(0, 90))
        records.append(
            {
                "sid": "SM" + rng.randbytes(16).hex(),
                "account_sid": PROJECT_SID,
                "from": frm,
                "to": to,
                "body": body,
                "direction": flow,
                "status": status,
                "date_sent": "" if status == "canceled" else stamp(when),
                "date_created": stamp(created),
                "date_updated": stamp(when + timedelta(seconds=5)),
                "num_segments": str(1 + len(body) // 160),
                "error_code": {"undelivered": "30003", "failed": "21610"}.get(status, ""),
                "messaging_service_sid": "MG" + "0" * 32,
                AT_KEY: _iso_z(when),
                DAY_KEY: created.date().isoformat(),
            }
        )
    return records


def _connect_records(
    rng: random.Random, consumers: Sequence[str], start: datetime
) -> list[dict[str, object]]:
    """5-40 Amazon Connect contact records (keys in alphabetical order, as Firehose writes
    them): dialer (API) calls with answering-machine results, agents' outbound calls, inbound
    calls, and now and then a chat or a task."""
    records: list[dict[str, object]] = []
    for _ in range(rng.randint(5, 40)):
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 6))
        consumer = rng.choice(consumers) if rng.random() < 0.9 else "+16465550177"
        method = rng.choices(("API", "OUTBOUND", "INBOUND", "CALLBACK"), (60, 20, 15, 5))[0]
        channel = rng.choices(("VOICE", "CHAT", "TASK"), (92, 4, 4))[0]
        amd = rng.choice(CONNECT_AMD) if method == "API" and channel == "VOICE" else None
        agent = None
        if method != "API" or amd == "HUMAN_ANSWERED":
            agent = {
                "ARN": "arn:aws:connect:us-east-1:123456789012:instance/x/agent/y",
                "ConnectedToAgentTimestamp": _iso_z(when + timedelta(seconds=12)),
                "Username": f"agent{rng.randint(1, 60):03d}",
            }
        ended = when + timedelta(seconds=rng.randint(10, 900))
        record: dict[str, object] = {
            "AWSAccountId": "123456789012",
            "Agent": agent,
            "AnsweringMachineDetectionStatus": amd,
            "Attributes": {"accountNumber": f"ACC-{rng.randint(1000, 9999)}"},
            "Channel": channel,
            "ConnectedToSystemTimestamp": _iso_z(when + timedelta(seconds=3)),
            "ContactId": str(_uuid(rng)),
            "CustomerEndpoint": {"Address": consumer, "Type": "TELEPHONE_NUMBER"},
            "DisconnectReason": rng.choice(CONNECT_REASONS),
            "DisconnectTimestamp": _iso_z(ended),
            "InitiationMethod": method,
            "InitiationTimestamp": _iso_z(when),
            "LastUpdateTimestamp": _iso_z(ended + timedelta(seconds=rng.randint(2, 300))),
            "PreviousContactId": None,
            "Queue": {"Name": "Collections-Outbound"} if agent else None,
            "SystemEndpoint": {"Address": rng.choice(AGENCY_NUMBERS), "Type": "TELEPHONE_NUMBER"},
            AT_KEY: _iso_z(when),
            DAY_KEY: when.date().isoformat(),
        }
        records.append(record)
    return records


def _uuid(rng: random.Random) -> str:
    """A UUID drawn from `rng` (the same seed, the same ids)."""
    text = rng.randbytes(16).hex()
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"


def _plant_export(rng: random.Random, st: ExportState) -> None:
    """Give 1-3 records the private marker: the consumer's number, the text's body, the
    contact's attributes (the accounts file holds the number, on account ACC-PII)."""
    for record in rng.sample(st.records, min(len(st.records), rng.randint(1, 3))):
        _put(record, _consumer_path(st, record), PHONE)
        if "body" in record:
            record["body"] = f"{NAME}, call us back at {PHONE}. Reply STOP to opt out."
        if "caller_name" in record:
            record["caller_name"] = NAME
        if st.fmt == "json":
            _put(record, "Attributes.customerName", NAME)


def _base_accounts(
    rng: random.Random, consumers: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """A valid accounts file: `phone` and `account`, and some of the optional columns; one
    row per consumer number (now and then two: a number of two debts), and the marker's
    number (on account ACC-PII)."""
    optional = [
        c for c in ("debtor", "timezone", "jurisdiction", "zip", "state") if rng.random() < 0.6
    ]
    header = ["phone", "account", *optional]
    rows = []
    for n, number in enumerate([*consumers, PHONE]):
        zone, zip_code, state = NPA_PLACES.get(number[2:5], ("America/New_York", "02134", "MA"))
        values = {
            "phone": number,
            "account": "ACC-PII" if number == PHONE else f"ACC-{1000 + n}",
            "debtor": "CON-PII" if number == PHONE else f"D-{1000 + n}",
            "timezone": zone,
            "jurisdiction": "US",
            "zip": zip_code,
            "state": state,
        }
        rows.append([values[c] for c in header])
        if number != PHONE and rng.random() < 0.15:
            values["account"] += "-B"
            rows.append([values[c] for c in header])
    return header, rows


def _pick_record(rng: random.Random, st: ExportState) -> int | None:
    return rng.randrange(len(st.records)) if st.records else None


def _x_values(rng: random.Random, st: ExportState) -> list[str]:
    """Unmapped or hostile values in the columns the profile's value maps read."""
    odd = MAPPED_ODD[_base_profile(st.profile)]
    notes = []
    for _ in range(rng.randint(1, 4)):
        r = _pick_record(rng, st)
        if r is None:
            break
        column = rng.choice(sorted(odd))
        value: object = rng.choice(odd[column]) if rng.random() < 0.8 else hostile_value(rng, "")
        _put(st.records[r], column, value)
        notes.append(f"record {r + 1} {column}={_shown(value)}")
    return notes


def _x_times(rng: random.Random, st: ExportState) -> list[str]:
    """Garbled, out-of-range or unusual times: in a few records, or one form in every one."""
    paths = TIME_PATHS[_base_profile(st.profile)]
    odd: Callable[[random.Random, datetime, str], tuple[str, object]]
    odd = _odd_rfc2822 if st.fmt == "csv" else _odd_iso
    if rng.random() < 0.2 and st.records:
        label = odd(rng, datetime(2026, 3, 10, tzinfo=UTC), "")[0]
        for record in st.records:
            when = datetime.fromisoformat(str(record[AT_KEY]).replace("Z", "+00:00"))
            _put(record, paths[0], odd(rng, when, label)[1])
        return [f"every {paths[0]} {label}"]
    notes = []
    for _ in range(rng.randint(1, 5)):
        r = _pick_record(rng, st)
        if r is None:
            break
        record = st.records[r]
        when = datetime.fromisoformat(str(record[AT_KEY]).replace("Z", "+00:00"))
        path = rng.choice(paths)
        label, value = odd(rng, when, "")
        _put(record, path, value)
        notes.append(f"record {r + 1} {path} {label}")
    return notes


def _formatted(rng: random.Random, number: str) -> tuple[str, str]:
    """A consumer's number as people write it (the join should still find it); (label,
    value)."""
    if not re.fullmatch(r"\+1\d{10}", number):
        return "as is", number
    npa, exchange, line = number[2:5], number[5:8], number[8:]
    forms = {
        "spaces and dashes": f"+1 {npa}-{exchange}-{line}",
        "brackets": f"+1 ({npa}) {exchange}-{line}",
        "no country code": f"{npa}-{exchange}-{line}",
        "dots": f"1.{npa}.{exchange}.{line}",
        "padded": f"  {number} ",
        "no plus": number[1:],
        "nbsp": f"+1\u00a0{npa}\u00a0{exchange}\u00a0{line}",
        "tel uri": f"tel:{number}",
    }
    label = rng.choice(sorted(forms))
    return label, forms[label]


def _x_numbers(rng: random.Random, st: ExportState) -> list[str]:
    """Consumers' numbers written otherwise, and numbers that are not E.164, toll-free,
    unassigned (+1555), foreign (+86, +44), a channel address, or the marker."""
    notes = []
    for _ in range(rng.randint(1, 4)):
        r = _pick_record(rng, st)
        if r is None:
            break
        record = st.records[r]
        path = _consumer_path(st, record)
        if rng.random() < 0.15:  # the agency's side of the call
            path = {"to": "from", "from": "to"}.get(path, "SystemEndpoint.Address")
        current = _get(record, path)
        if rng.random() < 0.45 and isinstance(current, str):
            label, value = _formatted(rng, current)
        elif st.fmt == "json" and rng.random() < 0.15:
            kind = rng.choice(("null", "string", "no address", "list"))
            endpoint: dict[str, object] = {
                "null": None,
                "string": current,
                "no address": {"Type": "TELEPHONE_NUMBER"},
                "list": [current],
            }
            record["CustomerEndpoint"] = endpoint[kind]
            notes.append(f"record {r + 1} CustomerEndpoint {kind}")
            continue
        else:
            label = value = rng.choice(HOSTILE_NUMBERS)
        _put(record, path, value)
        notes.append(f"record {r + 1} {path} {short(label, 30)}")
    return notes


def _x_legs(rng: random.Random, st: ExportState) -> list[str]:
    """Legs that are no communication with a consumer: Twilio Client softphones and SIP
    endpoints (excluded, or not quite: `SIP:`, a space after the colon), WhatsApp addresses;
    Connect transfers, monitors, tasks and disconnect flows."""
    notes = []
    for _ in range(rng.randint(1, 3)):
        r = _pick_record(rng, st)
        if r is None:
            break
        leg = json.loads(json.dumps(st.records[r]))
        if st.fmt == "json":
            leg["ContactId"] = _uuid(rng)
            op = rng.choice(("TRANSFER", "QUEUE_TRANSFER", "MONITOR", "DISCONNECT", "TASK"))
            if op == "TASK":
                leg["Channel"] = "TASK"
            else:
                leg["InitiationMethod"] = op
                leg["PreviousContactId"] = st.records[r]["ContactId"]
        elif _base_profile(st.profile) == "twilio-calls":
            leg["sid"] = "CA" + rng.randbytes(16).hex()
            op = rng.choice(
                ("from client", "to client", "to sip", "to SIP", "client: spaced", "parent leg")
            )
            if op == "from client":
                leg.update({"from": "client:agent007", "direction": "inbound"})
            elif op == "to client":
                leg.update({"to": "client:bob", "direction": "outbound-dial"})
            elif op == "to sip":
                leg["to"] = "sip:agent@pbx.example.com"
            elif op == "to SIP":
                leg["to"] = "SIP:agent@pbx.example.com"
            elif op == "client: spaced":
                leg["to"] = " client:bob"
            else:
                leg.update({"parent_call_sid": st.records[r]["sid"], "direction": "outbound-dial"})
        else:
            leg["sid"] = "SM" + rng.randbytes(16).hex()
            op = rng.choice(("whatsapp", "messenger", "client", "short code"))
            address = {
                "whatsapp": f"whatsapp:{st.consumers[0]}",
                "messenger": "messenger:1234567890",
                "client": "client:alice",
                "short code": "89321",
            }[op]
            leg["to" if leg.get("direction") != "inbound" else "from"] = address
        st.records.insert(rng.randint(0, len(st.records)), leg)
        notes.append(f"leg {op}")
    return notes


def _x_duplicates(rng: random.Random, st: ExportState) -> list[str]:
    """Copies of records: exact, with another status, with a later, earlier, equal or garbled
    last update (Connect keeps the last updated), with a blank key; a day file given twice."""
    notes = []
    if st.fmt == "jsonl" and rng.random() < 0.3:
        st.repeat = True
        notes.append("one day file given twice")
    key = "ContactId" if st.fmt == "json" else "sid"
    for _ in range(rng.randint(1, 3)):
        r = _pick_record(rng, st)
        if r is None:
            break
        copy = json.loads(json.dumps(st.records[r]))
        op = rng.choice(("exact", "changed", "blank key", "updated"))
        if op == "changed":
            column = rng.choice(sorted(MAPPED_ODD[_base_profile(st.profile)]))
            copy[column] = st.records[rng.randrange(len(st.records))].get(column)
        elif op == "blank key":
            copy[key] = rng.choice(("", None)) if st.fmt != "csv" else ""
            st.records[r][key] = copy[key]
        elif op == "updated" and st.fmt == "json":
            when = datetime.fromisoformat(str(copy[AT_KEY]).replace("Z", "+00:00"))
            delta = rng.choice((-3600, 0, 1, 7200))
            copy["LastUpdateTimestamp"] = rng.choice(
                (_iso_z(when + timedelta(seconds=delta)), None, "", "garbage", 12)
            )
            copy["AnsweringMachineDetectionStatus"] = rng.choice(CONNECT_AMD)
            op = f"updated {_shown(copy['LastUpdateTimestamp'])}"
        st.records.insert(rng.randint(0, len(st.records)), copy)
        notes.append(f"duplicate {key} ({op})")
    return notes


def _x_cells(rng: random.Random, st: ExportState) -> list[str]:
    """Hostile values in random fields (the marker among them)."""
    notes = []
    for _ in range(rng.randint(1, 6)):
        r = _pick_record(rng, st)
        if r is None:
            break
        column = rng.choice([f for f in st.fields if not f.startswith("@")])
        value = hostile_value(rng, {"body": "body", "to": "to", "from": "to"}.get(column, ""))
        _put(st.records[r], column, value)
        notes.append(f"record {r + 1} {column}={short(value)}")
    return notes


JSON_TYPE_VALUES: tuple[object, ...] = (
    12,
    16175550111,
    -1.5,
    True,
    None,
    [],
    ["VOICE"],
    {},
    {"Address": "+16175550111"},
    10**30,
    "",
)


def _x_types(rng: random.Random, st: ExportState) -> list[str]:
    """JSON values of other types where the profile reads text (numbers, lists, objects),
    an object where text is nested, and records that are no objects at all."""
    notes = []
    reads = [c for c in PROFILE_READS[_base_profile(st.profile)] if "." not in c]
    for _ in range(rng.randint(1, 4)):
        r = _pick_record(rng, st)
        if r is None:
            break
        if rng.random() < 0.15:
            text = rng.choice(("42", '"text"', "null", "[1, 2]", "true", '{"nested": {}}'))
            st.raw_items.append((r, text))
            notes.append(f"non-object {text} before record {r + 1}")
            continue
        column = rng.choice(reads) if rng.random() < 0.8 else rng.choice(st.fields)
        if st.fmt == "json" and rng.random() < 0.3:
            column = rng.choice(("CustomerEndpoint.Address", "Agent.Username", "Agent"))
        value = rng.choice(JSON_TYPE_VALUES)
        _put(st.records[r], column, value)
        notes.append(f"record {r + 1} {column}={_shown(value)}")
    return notes


def _x_columns(rng: random.Random, st: ExportState) -> list[str]:
    """A column the profile reads removed or renamed (an input error naming it), or one it
    does not read removed (no matter), or null in every record (a present column)."""
    reads = [c for c in PROFILE_READS[_base_profile(st.profile)] if "." not in c]
    op = rng.choice(
        ("drop", "drop", "rename", "drop unread", "all null", "drop nested", "near duplicate")
    )
    if op == "drop nested" and st.fmt == "json":
        column = rng.choice(("CustomerEndpoint.Address", "Agent.Username"))
        head, _, leaf = column.partition(".")
        for record in st.records:
            inner = record.get(head)
            if isinstance(inner, dict):
                inner.pop(leaf, None)
        return [f"drop {column} from every record"]
    if op == "drop unread":
        unread = [f for f in st.fields if f not in reads]
        column = rng.choice(unread)
    else:
        column = rng.choice(reads)
    if op == "near duplicate":  # the same name again, or with a space (stripped: the same)
        twin = rng.choice((column, f"{column} ", f" {column}", column.upper()))
        if st.fmt == "csv":
            st.fields.insert(rng.randint(0, len(st.fields)), twin)
        for record in st.records:
            record[twin] = hostile_value(rng, "") if st.fmt == "csv" else record.get(column)
        return [f"near-duplicate column {twin!r}"]
    if op == "all null" and st.fmt != "csv":
        for record in st.records:
            record[column] = None
        return [f"{column} null in every record"]
    new = ""
    if op == "rename":
        new = rng.choice(
            (column.title(), column.upper(), f"{column}\u200b", f"{column}_", "", f" {column} ")
        )
    if st.fmt == "csv":
        index = st.fields.index(column)
        if new:
            st.fields[index] = new
        else:
            del st.fields[index]
    for record in st.records:
        value = record.pop(column, None)
        if new:
            record[new] = value
    return [f"rename {column!r} -> {short(new)}" if new else f"drop column {column!r}"]


def _x_format(rng: random.Random, st: ExportState) -> list[str]:
    """The export in a format its profile does not read (JSON for a CSV profile, CSV for a
    JSON one, a JSON array, Parquet), or empty in one of several ways."""
    shapes: tuple[str, ...]
    if st.fmt == "csv":
        shapes = ("json lines", "json records", "json array", "tsv", "semicolons", "parquet")
    else:
        shapes = ("csv", "json array", "pretty json", "parquet", "scalars")
    st.shape = rng.choice((*shapes, "zero bytes", "whitespace", "bom only", "header only"))
    if st.shape == "header only":
        st.records = []
    return [f"written as {st.shape}"]


def _accounts_col(st: ExportState, name: str) -> int:
    """The index of accounts column `name` (added, empty, when the file lacks it)."""
    if name not in st.accounts_header:
        st.accounts_header.append(name)
        for row in st.accounts:
            row.append("")
    return st.accounts_header.index(name)


ACCOUNT_ODD: dict[str, tuple[str, ...]] = {
    "zip": ("00000", "09001", "96399", "ABCDE", "021", "02134-1234", "99999", "00601", "96799",
            " 02134", "2134"),
    "state": ("XX", "Massachusetts", "ma", "AE", "AP", "PR", "GU", "DC", "M A", ""),
    "timezone": ("Mars/Olympus", "EST", "America/New_York|", "|", "UTC", "Etc/GMT+14",
                 "../../etc/passwd", "America/New_York|America/Los_Angeles", "america/new_york",
                 "localtime", " America/Chicago "),
    "jurisdiction": ("us", "US-XX", "US-MA", "CN", "*", "US|CN", "ZZ"),
    "debtor": (NAME, "", "D-1000"),
}  # fmt: skip
MILD_ACCOUNT_OPS = (
    "duplicate rows",
    "fan-out",
    "zip",
    "state",
    "timezone",
    "jurisdiction",
    "debtor",
    "formatted phones",
    "bom",
    "crlf",
    "extra column",
    "quoted newline",
    "hostile cell",
)
FATAL_ACCOUNT_OPS = (
    "no account column",
    "no phone column",
    "blank account",
    "blank phone",
    "header only",
    "zero bytes",
    "semicolons",
    "ragged row",
    "latin-1",
    "missing file",
    "no --accounts",
    "a directory",
)


def _x_accounts(rng: random.Random, st: ExportState) -> list[str]:
    """The accounts file: duplicate rows, a number on several accounts (fan-out), unknown and
    military ZIP codes, odd states, bad zones, formatted numbers, an encoding, and (as the
    main mutation) missing columns or values, a file that is not there, no --accounts."""
    pool = MILD_ACCOUNT_OPS + (FATAL_ACCOUNT_OPS if st.primary == "accounts" else ())
    notes = []
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(pool)
        rows, header = st.accounts, st.accounts_header
        r = rng.randrange(len(rows))
        if op == "duplicate rows":
            rows.insert(rng.randint(0, len(rows)), list(rows[r]))
        elif op == "fan-out":
            for k in range(rng.randint(1, 2)):
                row = list(rows[r])
                row[1] = f"{row[1]}-{k + 2}"
                rows.insert(r + 1, row)
        elif op in ACCOUNT_ODD:
            value = rng.choice(ACCOUNT_ODD[op])
            for _ in range(rng.randint(1, 3)):
                rows[rng.randrange(len(rows))][_accounts_col(st, op)] = value
            op = f"{op} {value!r}"
        elif op == "formatted phones":
            for row in rows:
                row[0] = _formatted(rng, row[0])[1]
        elif op == "bom":
            st.accounts_post.append(lambda data: b"\xef\xbb\xbf" + data)
        elif op == "crlf":
            st.accounts_post.append(lambda data: data.replace(b"\n", b"\r\n"))
        elif op == "extra column":
            name = rng.choice(("notes", "Account", "phone ", "", "account"))
            header.append(name)
            for row in rows:
                row.append(hostile_value(rng, ""))
            op = f"extra column {name!r}"
        elif op == "quoted newline":
            rows[r][_accounts_col(st, "debtor")] = "Ren\u00e9e\nM\u00fcller"
        elif op == "hostile cell":
            c = rng.randrange(len(header))
            rows[r][c] = value = hostile_value(rng, "")
            op = f"accounts {header[c]}={short(value)}"
        elif op == "no account column" and "account" in header:
            k = header.index("account")
            del header[k]
            for row in rows:
                del row[k]
        elif op == "no phone column":
            header[0] = rng.choice(("Phone", "number", "phone_number", "msisdn"))
            op = f"phone column named {header[0]!r}"
        elif op == "blank account" and "account" in header:
            rows[r][header.index("account")] = rng.choice(("", " "))
        elif op == "blank phone":
            rows[r][0] = rng.choice(("", " ", "-"))
        elif op == "header only":
            rows[:] = []
        elif op == "zero bytes":
            st.accounts_post.append(lambda data: b"")
        elif op == "semicolons":
            st.accounts_post.append(lambda data: data.replace(b",", b";"))
        elif op == "ragged row":
            st.accounts_post.append(lambda data: data + b"+16175550100\n")
        elif op == "latin-1":
            rows[r][_accounts_col(st, "debtor")] = "Ren\u00e9e M\u00fcller"
            st.accounts_post.append(lambda data: data.decode("utf-8").encode("latin-1", "replace"))
        elif op == "missing file":
            st.accounts_arg = "missing.csv"
            st.names.append("missing.csv")
        elif op == "no --accounts":
            st.accounts_arg = None
            st.names.append("--accounts")
        elif op == "a directory":
            st.accounts_arg = "accounts-dir"
            st.dirs.append("accounts-dir")
            st.names.append("accounts-dir")
        notes.append(f"accounts: {op}")
        if not rows:
            break
    return notes


#: Time sections a mutated profile file gives instead of its own.
PROFILE_TIMES = (
    "epoch_s",
    "epoch_ms",
    "rfc2823",
    "ISO8601",
    "''",
    "[rfc2822]",
    "{format: '%a, %d %b %Y %H:%M:%S %z'}",
    "{format: '%d/%m/%Y %H:%M', zone: America/New_York}",
    "{format: '%Y-%m-%dT%H:%M:%SZ', zone: UTC}",
    "{format: '%a, %d %b %Y %H:%M:%S', zone: Mars/Olympus}",
    "{format: '%Y-%m-%d', zone: EST}",
    "{format: '%Q %Y'}",
    "{format: '%'}",
    "{format: '%H:%M'}",
    "{format: '%s'}",
    "{format: x}",
    "{format: '%Y-%m-%dT%H:%M:%S', zone: ''}",
    "{format: '%Y-%m-%dT%H:%M:%S', zone: 'America/New_York|UTC'}",
    "{format: '%Y-%m-%dT%H:%M:%S', zone: ../../etc/passwd}",
    "{zone: UTC}",
)
#: (text in a built-in profile, what a mutated file writes instead): values outside the log's
#: vocabulary, malformed tests, a column no export has.
PROFILE_EDITS = (
    ("  channel: call\n", "  channel: fax\n"),
    ("  party: debtor\n", "  party: consumer\n"),
    ("  kind: contact\n", "  kind: call\n"),
    ("no-answer: no_answer", "no-answer: unanswered"),
    ("delivered: delivered", "delivered: DELIVERED"),
    ("VOICE: call", "VOICE: phone"),
    ("{prefix: machine_}", "{prefix: ''}"),
    ("{prefix: machine_}", "{regex: machine_.*}"),
    ("{prefix: machine_}", "{prefix: [machine_]}"),
    ("{present: true}", "{present: yes}"),
    ("{present: false}", "{present: 0}"),
    ('{prefix: "client:"}', "{prefix: client:}"),
    ("  id: sid\n", "  id: Sid\n"),
    ("  id: sid\n", "  id: ''\n"),
    ("  id: ContactId\n", "  id: contactId\n"),
    ("  to: CustomerEndpoint.Address\n", "  to: CustomerEndpoint..Address\n"),
    ("  - {column: to}\n", "  - {column: CustomerEndpoint.Address}\n"),
    ("  keep: last\n", "  keep: newest\n"),
    ("  order_by: LastUpdateTimestamp\n", "  order_by: [LastUpdateTimestamp]\n"),
    ("  accounts_key: phone\n", "  accounts_key: number\n"),
    ("  by: to\n", "  by: nowhere\n"),
    ("  key: [sid]\n", "  key: sid\n"),
    ('  version: "2026.12.0"\n', "  version: 2026.12\n"),
    ("  format: csv\n", "  format: xlsx\n"),
    ("  format: json\n", "  format: csv\n"),
    ("  format: jsonl\n", "  format: parquet\n"),
)
PROFILE_FILE_NAMES = ("mine.yaml", "mine.yaml", "house-profile.yml", "profiles/mine.yaml", "mine")


def _without_extends(text: str) -> str:
    return re.sub(r"(?m)^extends:.*\n", "", text)


def _x_profile_file(rng: random.Random, st: ExportState) -> list[str]:
    """The profile as a YAML file: a built-in one copied and broken (bad YAML, unknown keys,
    wrong types, an `extends` cycle or a chain too long, a bad time pattern or zone, values
    outside the vocabulary), or a valid one that extends the built-in."""
    text = (PROFILES_DIR / f"{st.profile}.yaml").read_text(encoding="utf-8")
    name = rng.choice((*PROFILE_FILE_NAMES, f"{st.profile}.yaml"))
    op = rng.choice(
        ("yaml", "types", "keys", "lines", "indent", "unknown key", "extends", "extends",
         "time", "time", "edit", "edit", "valid", "valid")
    )  # fmt: skip
    note = op
    if op in ("yaml", "types", "keys", "lines", "indent"):
        pack = PackState(text.split("\n"), "", st.profile)
        more = PACK_MUTATORS[f"pack-{op}"](rng, pack)
        data = "\n".join(pack.lines).encode("utf-8")
        for post in pack.post:
            data = post(data)
        note = ", ".join(more) or op
    else:
        if op == "unknown key":
            anchors = {
                "top": "\nprofile:",
                "profile": "\nprofile:\n",
                "dedupe": "\ndedupe:\n",
                "values": "\nvalues:\n",
            }
            where = rng.choice([k for k, v in anchors.items() if v in text])
            extra = {
                "top": ("\nprofile:", "\ncolour: red\nprofile:"),
                "profile": ("\nprofile:\n", "\nprofile:\n  owner: ops\n"),
                "dedupe": ("\ndedupe:\n", "\ndedupe:\n  keep_all: true\n"),
                "values": (
                    "\nvalues:\n",
                    "\nvalues:\n  colour:\n    from: status\n    map: {a: b}\n",
                ),
            }[where]
            text = text.replace(*extra, 1)
            note = f"unknown key under {where}"
        elif op == "extends":
            kind = rng.choice(("cycle", "self", "cycle3", "chain", "parent", "parent"))
            own = _without_extends(text)
            head = "profile: {name: other, title: Other, version: '1', format: csv}\n"
            if kind == "cycle":
                text = f"extends: other.yaml\n{own}"
                st.files["other.yaml"] = f"extends: {name}\n{head}".encode()
                st.names.append("other.yaml")
            elif kind == "self":
                text = f"extends: {name}\n{own}"
            elif kind == "cycle3":
                text = f"extends: second.yaml\n{own}"
                st.files["second.yaml"] = b"extends: third.yaml\n"
                st.files["third.yaml"] = f"extends: {name}\n".encode()
                st.names += ["second.yaml", "third.yaml"]
            elif kind == "chain":
                depth = rng.choice((2, 7, 8, 12))
                text = f"extends: c0.yaml\n{own}"
                for k in range(depth):
                    parent = f"c{k + 1}.yaml" if k + 1 < depth else st.profile
                    st.files[f"c{k}.yaml"] = f"extends: {parent}\n".encode()
                    st.names.append(f"c{k}.yaml")
                kind = f"chain of {depth}"
            else:
                parent = rng.choice(
                    ("no-such-profile", "../profiles/twilio-calls.yaml", "''", "12",
                     "[twilio-calls]", "Twilio-Calls", "/dev/null", ".", "twilio-calls ",
                     "{name: twilio-calls}", "null", "other.txt")
                )  # fmt: skip
                if parent == "other.txt":
                    st.files["other.txt"] = b"not a profile: [unbalanced\n"
                    st.names.append("other.txt")
                text = f"extends: {parent}\n{own}"
                kind = f"{kind} {parent}"
            note = f"extends {kind}"
        elif op == "time":
            value = rng.choice(PROFILE_TIMES)
            text = re.sub(r"(?m)^time:\n  time: .*$", f"time:\n  time: {value}", text)
            note = f"time {value}"
        elif op == "edit":
            old, new = rng.choice([e for e in PROFILE_EDITS if e[0] in text])
            text = text.replace(old, new, 1)
            note = f"{old.strip()} -> {new.strip()}"
        else:
            fmt = EXPORT_FMT[st.profile]
            text = (
                f"# a house copy of {st.profile}\nextends: {st.profile}\nprofile:\n"
                f'  name: house-{st.profile}\n  title: House copy\n  version: "1"\n'
                f"  format: {fmt}\n"
            )
            if rng.random() < 0.4:
                when = {"twilio-calls": "{status: busy}", "twilio-messages": "{status: failed}"}
                test = when.get(_base_profile(st.profile), "{Channel: CHAT}")
                text += f"exclude:\n  - when: {test}\n    reason: not a contact here\n"
                note = f"valid, excludes {test}"
            else:
                note = "valid copy"
        data = text.encode("utf-8")
    st.files[name] = data
    st.profile_ref = name
    st.names.append(name)
    return [f"profile file {name}: {note}"]


def _x_truncate(rng: random.Random, st: ExportState) -> list[str]:
    """One export cut short (truncated JSON, a CSV row cut in half; inside valid gzip)."""
    name = rng.choice(st.exports)
    data = st.files[name]
    if not data:
        return []
    at = rng.choice((rng.randrange(len(data)), len(data) // 2, len(data) - 1, 1))
    st.files[name] = data[:at]
    return [f"truncate {name} at byte {at} of {len(data)}"]


def _x_gzip(rng: random.Random, st: ExportState) -> list[str]:
    """A gzip-compressed export (valid: one member or several), or corrupt gzip: truncated,
    a bad CRC, flipped bytes, only a header, gzip inside gzip, plain bytes named .gz."""
    name = rng.choice(st.exports)
    data = st.files[name]
    zipped = data.startswith(b"\x1f\x8b")
    plain = gzip.decompress(data) if zipped else data
    ops = ["corrupt", "crc", "flip", "header only", "multi-member", "double", "trailing garbage"]
    ops += ["plain in .gz", "empty member"] if zipped else ["gzip", "gzip", "gzip", "not gzip"]
    op = rng.choice(ops)
    packed = gzip.compress(plain, mtime=0)
    target = name
    if op == "gzip":
        out = packed
        target = f"{name}.gz" if rng.random() < 0.6 else name
    elif op == "corrupt":
        out = packed[: rng.randint(10, max(10, len(packed) - 1))]
    elif op == "crc":
        out = packed[:-8] + bytes(b ^ 0xFF for b in packed[-8:-4]) + packed[-4:]
    elif op == "flip":
        body = bytearray(packed)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(10, max(11, len(body) - 8))
            body[at] ^= 1 << rng.randrange(8)
        out = bytes(body)
    elif op == "header only":
        out = packed[:10]
    elif op == "multi-member":
        half = len(plain) // 2
        out = gzip.compress(plain[:half], mtime=0) + gzip.compress(plain[half:], mtime=0)
    elif op == "double":
        out = gzip.compress(packed, mtime=0)
    elif op == "trailing garbage":
        out = packed + b"\x00garbage\n"
    elif op == "plain in .gz":
        out = plain
    elif op == "empty member":
        out = gzip.compress(b"", mtime=0)
    else:  # not gzip, named as if it were
        out, target = plain, f"{name}.gz"
    del st.files[name]
    st.files[target] = out
    st.exports[st.exports.index(name)] = target
    return [f"{target}: {op}"]


EXPORT_TABLE_STAGE: dict[str, ExportMutator] = {
    "values": _x_values,
    "times": _x_times,
    "numbers": _x_numbers,
    "legs": _x_legs,
    "duplicates": _x_duplicates,
    "cells": _x_cells,
    "types": _x_types,
    "columns": _x_columns,
    "format": _x_format,
    "accounts": _x_accounts,
    "profile-file": _x_profile_file,
}


def _visible(record: Mapping[str, object]) -> dict[str, object]:
    """A record without its hidden keys."""
    return {k: v for k, v in record.items() if not k.startswith("@")}


def _cell(value: object) -> str:
    """A record's value as a CSV cell (JSON for a non-text one)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _json_records(st: ExportState, records: Sequence[dict[str, object]], sep: str) -> str:
    """Records as JSON texts joined by `sep`, the non-object items inserted among them."""
    items = [json.dumps(_visible(r), ensure_ascii=False) for r in records]
    for at, text in sorted(st.raw_items, reverse=True):
        items.insert(min(at, len(items)), text)
    return sep.join(items) + ("\n" if sep == "\n" and items else "")


def _export_bytes(st: ExportState, records: Sequence[dict[str, object]], shape: str) -> bytes:
    """The bytes of an export of `records`: in its own format (`shape` empty), or as `shape`
    says ('format' mutations)."""
    shape = shape or {"csv": "csv", "jsonl": "json lines", "json": "json records"}[st.fmt]
    if shape in ("csv", "tsv", "semicolons", "header only"):
        header = [f for f in st.fields if not f.startswith("@")]
        if st.fmt != "csv":  # JSON records as CSV: their top-level keys, objects as JSON
            header = sorted({k for r in records for k in _visible(r)}) or header
        sep = {"tsv": "\t", "semicolons": ";"}.get(shape, ",")
        rows = [[_cell(r.get(f)) for f in header] for r in records]
        return _csv_text(header, rows, sep).encode("utf-8")
    if shape == "json lines":
        return _json_records(st, records, "\n").encode("utf-8")
    if shape == "json records":
        return _json_records(st, records, "\n" if st.newline_json else "").encode("utf-8")
    if shape == "json array":
        return ("[" + _json_records(st, records, ",\n") + "]\n").encode("utf-8")
    if shape == "pretty json":
        return "\n".join(json.dumps(_visible(r), indent=2) for r in records).encode("utf-8")
    if shape == "parquet":
        names = sorted({k for r in records for k in _visible(r)})
        frame = pl.DataFrame(
            {n: [_cell(r.get(n)) for r in records] for n in names},
            schema=dict.fromkeys(names, pl.String),
        )
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    odd = {"zero bytes": b"", "whitespace": b" \n\t\n", "bom only": b"\xef\xbb\xbf"}
    return odd.get(shape, b'42 "text" true null\n')


def _serialize_exports(rng: random.Random, st: ExportState) -> None:
    """Write the export files: one CSV, one Connect file, or a JSON Lines file per UTC day
    (gzipped later, after any truncation; an odd `shape` goes to one day file only)."""
    if st.fmt == "jsonl":
        folder = "Messages" if st.profile == "twilio-bulkexport" else "Calls"
        days: dict[str, list[dict[str, object]]] = defaultdict(list)
        for record in st.records:
            days[str(record.get(DAY_KEY, "2026-03-01"))].append(record)
        names = {f"{folder}/{day}.json.gz": day for day in sorted(days) or ["2026-03-01"]}
        odd = rng.choice(sorted(names))
        for name, day in names.items():
            st.files[name] = _export_bytes(st, days.get(day, []), st.shape if name == odd else "")
            st.exports.append(name)
            st.zipped.add(name)
        return
    export = {"csv": "calls.csv" if "calls" in st.profile else "messages.csv", "json": "ctr.json"}[
        st.fmt
    ]
    if st.shape in ("json lines", "json records", "json array") and rng.random() < 0.3:
        export = export.replace(".csv", ".json")
    st.files[export] = _export_bytes(st, st.records, st.shape)
    st.exports.append(export)


def _export_state(rng: random.Random, profile: str, primary: str) -> ExportState:
    """A small valid export for `profile`, its accounts file, the marker planted."""
    fmt = EXPORT_FMT[profile]
    start = datetime(2026, 3, rng.randint(2, 20), rng.randint(0, 23), tzinfo=UTC)
    consumers = [
        f"+1{npa}55501{rng.randint(10, 99)}"
        for npa in rng.sample(sorted(NPA_PLACES), rng.randint(2, 5))
    ]
    base = _base_profile(profile)
    if base == "twilio-calls":
        records = _call_records(rng, consumers, start, fmt)
    elif base == "twilio-messages":
        records = _message_records(rng, consumers, start, fmt)
    else:
        records = _connect_records(rng, consumers, start)
    header, accounts = _base_accounts(rng, consumers)
    fields = [k for k in records[0] if not k.startswith("@")]
    st = ExportState(profile, fmt, primary, fields, records, consumers, header, accounts)
    st.profile_ref = profile
    st.newline_json = fmt == "json" and rng.random() < 0.3
    _plant_export(rng, st)
    return st


def _profile_case(seed: int, index: int) -> Case:
    """`check EXPORT --profile P --accounts crm.csv`: a small export of a built-in profile
    with its main mutation and up to three mild ones, the accounts file and (some of the
    time) a profile file beside it; the exit-2 message must name one of the case's files."""
    rng = random.Random(f"{seed}:profile:{index}")
    profile = PROFILE_SOURCES[index % len(PROFILE_SOURCES)]
    primary = EXPORT_MUTATIONS[index % len(EXPORT_MUTATIONS)]
    fmt = EXPORT_FMT[profile]
    if primary in JSON_ONLY and fmt == "csv":
        primary = "cells"
    others = [m for m in MILD_EXPORT if m != primary and (fmt != "csv" or m not in JSON_ONLY)]
    extra = rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0]
    mutations = (primary, *rng.sample(others, extra))
    st = _export_state(rng, profile, primary)
    notes: list[str] = []
    for name, mutate in EXPORT_TABLE_STAGE.items():
        if name in mutations:
            notes += mutate(rng, st)
    _serialize_exports(rng, st)
    if "truncate" in mutations:
        notes += _x_truncate(rng, st)
    for name in sorted(st.zipped):
        st.files[name] = gzip.compress(st.files[name], mtime=0)
    if "gzip" in mutations:
        notes += _x_gzip(rng, st)
    data = _csv_text(st.accounts_header, st.accounts, ",").encode("utf-8")
    for post in st.accounts_post:
        data = post(data)
    st.files[ACCOUNTS_FILE] = data
    exports = list(st.exports)
    if st.repeat:
        exports.append(rng.choice(exports))
    argv = ["check", *exports]
    reference = st.profile_ref
    if rng.random() < 0.15:  # PATTERN=PROFILE: the pattern matches the exports only
        pattern = "*.json.gz" if fmt == "jsonl" else f"{exports[0][:3]}*"
        reference = f"{pattern}={reference}"
        notes.append(f"--profile {pattern}=PROFILE")
        if rng.random() < 0.4:  # a canonical log beside the exports, read without a profile
            argv.append("contacts.csv")
            st.files["contacts.csv"] = planted_csv("contacts.csv")
            st.names.append("contacts.csv")
            notes.append("with a canonical log")
    argv += ["--profile", reference]
    if st.accounts_arg is not None:
        argv += ["--accounts", st.accounts_arg]
    if rng.random() < 0.75:
        argv += ["--max-rejects", "1000000"]
    if rng.random() < 0.1:
        argv.append("--no-infer-location")
        notes.append("--no-infer-location")
    argv += _report_options(rng)
    names = dict.fromkeys([*st.exports, *st.names, ACCOUNTS_FILE])
    records = f"{len(st.records)} records" + (" in day files" if fmt == "jsonl" else "")
    head = [f"profile {profile}", f"main mutation {primary}"]
    description = f"{profile} export of {records}: " + "; ".join(head + notes)
    return Case(
        f"profile-{index:04d}",
        (PROFILE_FAMILY,),
        description,
        dict(st.files),
        tuple(argv),
        tuple(names),
        dirs=tuple(st.dirs),
    )


def generate_cases(
    seed: int = 1,
    logs: int = 300,
    packs: int = 100,
    options: int | None = None,
    plans: int = 40,
    nexts: int = 40,
    profiles: int = 40,
) -> list[Case]:
    """The mutated inputs for `seed`: `logs` logs, `packs` packs, the option cases (all of
    them, or the first `options`), `plans` plans, `nexts` runs of `next` and `profiles`
    provider exports read through input profiles. Case `log-N`, `pack-N`, `plan-N`, `next-N`
    or `profile-N` does not depend on the counts."""
    cases = [_log_case(seed, i) for i in range(logs)]
    cases += [_pack_case(seed, i) for i in range(packs)]
    cases += _option_cases(options)
    cases += [_plan_case(seed, i) for i in range(plans)]
    cases += [_next_case(seed, i) for i in range(nexts)]
    cases += [_profile_case(seed, i) for i in range(profiles)]
    return cases


def features(case: Case) -> set[str]:
    """What a case exercises: its families, its mutations (row numbers and counts left out, the
    values kept) and the command's report options."""
    notes = case.description.split(": ", 1)[-1].split("; ")
    out = set(case.families)
    out |= {re.sub(r"(?<![\w'.:+-])\d+(?![\w'.:+-])", "#", note) for note in notes}
    words = [w for w in case.argv if w.startswith("--") or w in ("check", "test", "next")]
    out |= {f"argv {w}" for w in words}
    out |= {f"format {v}" for v in [_option_value(case.argv, "--format") or "text"]}
    return out


def _gain(case: Case, seen: set[str]) -> int:
    """How much `case` adds to the features `seen`: a new family counts for ten."""
    new = features(case) - seen
    return len(new) + 9 * len(new & set(FAMILIES))


def pick_slice(
    seed: int = 1,
    logs: int = 15,
    packs: int = 6,
    options: int = 4,
    pool: int = 4,
    plans: int = 3,
    nexts: int = 3,
    profiles: int = 3,
) -> list[Case]:
    """A small slice that covers much: from `pool` times as many generated logs, packs, plans,
    `next` runs and profiled exports, the ones that add the most families and features not
    yet covered (greedy, ties to the lower index), and the first `options` option cases."""
    every = generate_cases(
        seed, logs * pool, packs * pool, options, plans * pool, nexts * pool, profiles * pool
    )
    chosen: list[Case] = []
    kinds = (
        ("log-", logs),
        ("pack-", packs),
        ("plan-", plans),
        ("next-", nexts),
        ("profile-", profiles),
    )
    for prefix, count in kinds:
        candidates = [c for c in every if c.name.startswith(prefix)]
        seen: set[str] = set()
        for _ in range(min(count, len(candidates))):
            best = max(candidates, key=lambda c: _gain(c, seen))
            chosen.append(best)
            candidates.remove(best)
            seen |= features(best)
    return chosen + [c for c in every if c.name.startswith("opt-")]


# --------------------------------------------------------------------------------- running


def write_case(case: Case, root: Path) -> Path:
    """Write the case's files under `root/<name>/` (emptied first); return that directory."""
    directory = root / case.name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for relative, data in case.files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for relative in case.dirs:
        (directory / relative).mkdir(parents=True, exist_ok=True)
    return directory


def run_process(
    python: str,
    argv: Sequence[str],
    cwd: Path,
    stdin: str | None,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY_MB,
) -> Run:
    """Run `python -m collectlint argv` in `cwd`; kill its process group after `timeout` s.

    The child's address space is capped at `memory_mb` (0: no cap), so that one runaway input
    fails its own run (MemoryError or abort) instead of the machine."""
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "120"}
    source = (cwd / stdin).open("rb") if stdin else None
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            [python, "-m", "collectlint", *argv],
            cwd=cwd,
            stdin=source or subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        if memory_mb and hasattr(resource, "prlimit"):  # Linux: cap the child's address space
            limit = memory_mb * 1024 * 1024
            with contextlib.suppress(OSError):
                resource.prlimit(proc.pid, resource.RLIMIT_AS, (limit, limit))
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = None
    finally:
        if source:
            source.close()
    return Run(
        tuple(argv),
        code,
        time.perf_counter() - started,
        out.decode("utf-8", errors="replace"),
        err.decode("utf-8", errors="replace"),
    )


def _option_value(argv: Sequence[str], option: str) -> str | None:
    for i, word in enumerate(argv[:-1]):
        if word == option:
            return argv[i + 1]
    return None


def _without_format(argv: Sequence[str]) -> list[str]:
    """`argv` without its report options (`--format`, `--output`, `--explain`)."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in ("--format", "-f", "--output", "-o"):
            skip = True
        elif word != "--explain":
            out.append(word)
    return out


def json_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """`argv` with its report options replaced by `--format json --output fuzz-report.json`."""
    return (*_without_format(argv), "--format", "json", "--output", "fuzz-report.json")


def check_accounting(report: Path) -> str | None:
    """None when the report's summary adds up, else what is wrong."""
    try:
        if not report.is_file():
            return "no JSON report written"
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"no readable JSON report ({type(exc).__name__})"
    summary = data.get("summary") if isinstance(data, dict) else None
    if not isinstance(summary, dict):
        return "the JSON report has no summary"
    try:
        read, checked, rejected = (
            int(summary[k]) for k in ("events_read", "events_checked", "events_rejected")
        )
        excluded = int(summary.get("events_excluded", 0))
    except (KeyError, TypeError, ValueError):
        return "the summary lacks events_read, events_checked or events_rejected"
    if read in (checked + rejected, checked + rejected + excluded):
        return None
    return f"events_read {read} != events_checked {checked} + events_rejected {rejected}"


def profile_accounting(report: Path) -> list[tuple[str, str]]:
    """What does not add up in the row accounting of each input a JSON report says was read
    through a profile: `rows_read = rows + rows_excluded + rows_deduplicated -
    events_fanned_out` (the input's `rows` are its events, rejected ones included, and one
    row of a number on several debts is one event per debt), and the exclusion reasons'
    counts sum to `rows_excluded`."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        inputs = [i for i in data.get("inputs", []) if isinstance(i, dict)]
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        return [("other", f"the report's inputs are unreadable ({type(exc).__name__})")]
    out = []
    for item in inputs:
        run = item.get("profile")
        if not isinstance(run, dict):
            continue
        path = item.get("path")
        try:
            read, events, excluded, dropped, fanned = (
                int(value)
                for value in (
                    run["rows_read"],
                    item["rows"],
                    run["rows_excluded"],
                    run["rows_deduplicated"],
                    run["events_fanned_out"],
                )
            )
            reasons = sum(int(n) for n in dict(run.get("excluded") or {}).values())
        except (KeyError, TypeError, ValueError):
            out.append(("other", f"{path}: the report's profile run lacks its row counts"))
            continue
        if read != events + excluded + dropped - fanned:
            out.append(
                (
                    "accounting",
                    f"{path}: profile rows_read {read} != rows {events} + rows_excluded "
                    f"{excluded} + rows_deduplicated {dropped} - events_fanned_out {fanned}",
                )
            )
        if reasons != excluded:
            out.append(("accounting", f"{path}: exclusion reasons count {reasons}, not {excluded}"))
    return out


def _examine(run: Run, case: Case, outcome: Outcome, label: str) -> None:
    """Add the failures one run shows (traceback, exit code, marker, unnamed file)."""
    if TRACEBACK in run.stderr:
        outcome.failures.append(("traceback", f"{label}{relevant_line(run.stderr)}"))
    if run.code is None:
        outcome.failures.append(("exit-code", f"{label}timed out"))
    elif run.code not in OK_CODES:
        outcome.failures.append(("exit-code", f"{label}exit {run.code}"))
    lowered = run.stderr.lower()
    squeezed = re.sub(r"[\s().\-]", "", lowered)  # a number written with spaces or dashes
    if any(marker in lowered for marker in MARKERS) or MARKERS[0] in squeezed:
        outcome.failures.append(("marker", f"{label}private marker on stderr"))
    if run.code == 2 and case.names and not any(n in run.stderr for n in case.names):
        wanted = " or ".join(repr(n) for n in case.names[:3])
        outcome.failures.append(("no-name", f"{label}exit 2 without {wanted}"))


def _inside(directory: Path, path: str, any_suffix: bool = False) -> bool:
    """Whether `path` names a JSON file (any file) inside `directory`: not /dev/full, not `.`."""
    relative = Path(path)
    if not path or relative.is_absolute() or ".." in relative.parts or path in (".", "./"):
        return False
    return any_suffix or relative.suffix == ".json"


def run_case(
    case: Case,
    python: str = sys.executable,
    root: Path | None = None,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY_MB,
) -> Outcome:
    """Write and run one case (and its JSON run for an exit 0 or 1, or for an exit 0 of
    `next`); judge it, and for a plan or `next` case the planner's answers too."""
    root = root if root is not None else Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
    directory = write_case(case, root)
    first = run_process(python, case.argv, directory, case.stdin, timeout, memory_mb)
    outcome = Outcome(case, directory, [first])
    _examine(first, case, outcome, "")
    crashed = TRACEBACK in first.stderr
    if first.code in (0, 1) and case.accounting and not crashed:
        output = _option_value(case.argv, "--output") or ""
        own = _option_value(case.argv, "--format") == "json" and _inside(directory, output)
        if own:
            report = directory / output
        else:
            argv = json_argv(case.argv)
            second = run_process(python, argv, directory, case.stdin, timeout, memory_mb)
            outcome.runs.append(second)
            _examine(second, case, outcome, "json run: ")
            report = directory / "fuzz-report.json"
            if second.code != first.code:
                outcome.failures.append(
                    ("other", f"exit {first.code} but {second.code} with --format json")
                )
        if outcome.runs[-1].code in (0, 1):
            problem = check_accounting(report)
            if problem is None:
                outcome.accounting = "ok"
            elif problem.startswith("events_read"):
                outcome.accounting = "mismatch"
                outcome.failures.append(("accounting", problem))
            else:
                outcome.accounting = "no report"
                outcome.failures.append(("other", problem))
            if outcome.accounting != "no report":
                rows = profile_accounting(report)
                outcome.failures += rows
                if any(kind == "accounting" for kind, _ in rows):
                    outcome.accounting = "mismatch"
            if case.planner == "plan" and outcome.accounting != "no report":
                outcome.failures += plan_problems(report, case.settled)
    if case.planner == "next" and first.code == 0 and not crashed:
        answer = first.stdout
        if "json" not in (_option_value(case.argv, "-f"), _option_value(case.argv, "--format")):
            argv = (*_without_format(case.argv), "-f", "json")
            second = run_process(python, argv, directory, case.stdin, timeout, memory_mb)
            outcome.runs.append(second)
            _examine(second, case, outcome, "json run: ")
            if second.code != first.code:
                outcome.failures.append(("other", f"exit 0 but {second.code} with -f json"))
            answer = second.stdout
        if outcome.runs[-1].code == 0:
            outcome.failures += next_problems(answer, "next" in case.settled)
    output = _option_value(case.argv, "--output") or ""
    written = not _inside(directory, output, any_suffix=True) or (directory / output).is_file()
    if first.code in (0, 1) and not written and not crashed:
        outcome.failures.append(("other", f"exit {first.code} but no {output} written"))
    if (directory / PWNED).exists():
        outcome.failures.append(("other", "a YAML python tag was executed"))
    for i, run in enumerate(outcome.runs):
        words = shlex.join([python, "-m", "collectlint", *run.argv])
        tail = f" < {shlex.quote(case.stdin)}" if case.stdin else ""
        (directory / f"fuzz-run{i}.txt").write_text(
            f"# {case.description}\n$ {words}{tail}\n"
            f"exit: {run.code}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}",
            encoding="utf-8",
            errors="replace",
        )
    return outcome


def run_cases(
    cases: Sequence[Case],
    python: str,
    root: Path,
    jobs: int = 2,
    timeout: float = TIMEOUT,
    keep_passing: bool = True,
    progress: bool = False,
    memory_mb: int = MEMORY_MB,
) -> list[Outcome]:
    """Run every case, `jobs` at a time, in directories under `root`; results in case order.

    With `keep_passing` false, the directory of a case that passed is removed as it ends.
    """
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_case, c, python, root, timeout, memory_mb) for c in cases]
        for done, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            results[outcome.case.name] = outcome
            if not keep_passing and not outcome.failures:
                shutil.rmtree(outcome.directory, ignore_errors=True)
            if progress and (done % 25 == 0 or done == len(cases)):
                bad = sum(1 for o in results.values() if o.failures)
                print(f"  {done}/{len(cases)} runs, {bad} failing", file=sys.stderr, flush=True)
    return [results[c.name] for c in cases]


# -------------------------------------------------------------------------------- reporting


def tally(outcomes: Sequence[Outcome]) -> str:
    """The per-family table (a Markdown table; a case counts in each of its families)."""
    head = (
        "family", "runs", "exit 0", "exit 1", "exit 2", "other exit", "tracebacks", "accounting",
        "no name", "marker", "other", "failed",
    )  # fmt: skip
    rows: list[list[str]] = []

    def row(label: str, group: Sequence[Outcome]) -> list[str]:
        codes = Counter(o.code for o in group)
        kinds = Counter(k for o in group for k in {kind for kind, _ in o.failures})
        return [
            label,
            str(len(group)),
            str(codes[0]),
            str(codes[1]),
            str(codes[2]),
            str(len(group) - codes[0] - codes[1] - codes[2]),
            str(kinds["traceback"]),
            str(kinds["accounting"]),
            str(kinds["no-name"]),
            str(kinds["marker"]),
            str(kinds["other"]),
            str(sum(1 for o in group if o.failures)),
        ]

    for family in FAMILIES:
        group = [o for o in outcomes if family in o.case.families]
        if group:
            rows.append(row(family, group))
    rows.append(row("**all (distinct runs)**", outcomes))
    widths = [max(len(r[i]) for r in [list(head), *rows]) for i in range(len(head))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def signature(outcome: Outcome) -> str:
    """A failure's cause, for grouping: the failure kinds and the exception with its frame."""
    kinds = sorted({kind for kind, _ in outcome.failures})
    for run in outcome.runs:
        if TRACEBACK in run.stderr:
            exception = relevant_line(run.stderr).split(":", 1)[0]
            return f"{'+'.join(kinds)}: {exception} at {traceback_frame(run.stderr)}"
    detail = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", outcome.stderr_line)
    detail = re.sub(r"\d+", "N", re.sub(r"log-\d+\S*", "LOG", detail))[:90]
    return f"{'+'.join(kinds)}: {detail or outcome.failures[0][1]}"


def format_failures(outcomes: Sequence[Outcome], python: str = "PYTHON") -> str:
    """Every failing run: what it is, why it failed, how to reproduce it."""
    out = []
    for o in outcomes:
        if not o.failures:
            continue
        reasons = "; ".join(f"{kind}: {detail}" for kind, detail in o.failures)
        out.append(f"{o.case.name} [{'+'.join(o.case.families)}] {printable(o.case.description)}")
        out.append(f"    failed: {printable(reasons)}")
        out.append(f"    $ {command_line(o.runs[0].argv, o.directory, o.case.stdin, python)}")
        out.append(f"    stderr: {o.stderr_line}")
    return "\n".join(out)


def format_causes(outcomes: Sequence[Outcome]) -> str:
    """Failures grouped by cause, most frequent first, with one example each."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.failures:
            groups[signature(o)].append(o)
    out = []
    for key, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        names = ", ".join(o.case.name for o in group[:6]) + (", ..." if len(group) > 6 else "")
        out.append(f"{len(group):4d}  {printable(key, 160)}")
        out.append(f"      e.g. {names}: {group[0].stderr_line}")
    return "\n".join(out)


def _results_json(outcomes: Sequence[Outcome]) -> list[dict[str, object]]:
    return [
        {
            "case": o.case.name,
            "families": list(o.case.families),
            "description": o.case.description,
            "argv": list(o.case.argv),
            "codes": [r.code for r in o.runs],
            "seconds": [round(r.seconds, 3) for r in o.runs],
            "accounting": o.accounting,
            "failures": [list(f) for f in o.failures],
            "stderr_line": o.stderr_line,
            "directory": str(o.directory),
            "signature": signature(o) if o.failures else "",
        }
        for o in outcomes
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--logs", type=int, default=300, help="mutated logs (default 300)")
    parser.add_argument("--packs", type=int, default=100, help="mutated packs (default 100)")
    parser.add_argument("--plans", type=int, default=40, help="planned campaigns (default 40)")
    parser.add_argument("--next", type=int, default=40, help="runs of `next` (default 40)")
    parser.add_argument(
        "--profiles", type=int, default=40, help="exports read through profiles (default 40)"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with collectlint installed"
    )
    parser.add_argument("--keep", type=Path, help="write and keep every case under this folder")
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    parser.add_argument("--only", choices=FAMILIES, help="only the cases of this family")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per run (60)")
    parser.add_argument(
        "--memory-mb", type=int, default=MEMORY_MB, help="address-space cap per run (4096; 0: none)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    cases = generate_cases(
        args.seed, args.logs, args.packs, None, args.plans, args.next, args.profiles
    )
    if args.only:
        cases = [c for c in cases if args.only in c.families]
    print(
        f"fuzz_cli: seed {args.seed}, {len(cases)} cases, python {args.python}, {args.jobs} jobs",
        file=sys.stderr,
        flush=True,
    )
    root = args.keep or Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
    outcomes = run_cases(
        cases,
        args.python,
        root,
        args.jobs,
        args.timeout,
        keep_passing=args.keep is not None,
        progress=True,
        memory_mb=args.memory_mb,
    )
    failing = [o for o in outcomes if o.failures]
    if args.keep is None:  # keep the failing inputs where they can be found again
        kept = FAILURES_DIR / f"seed-{args.seed}"
        if kept.exists():
            shutil.rmtree(kept)
        kept.mkdir(parents=True)
        for o in failing:
            target = kept / o.case.name
            shutil.copytree(o.directory, target)
            o.directory = target
        shutil.rmtree(root, ignore_errors=True)
        root = kept
    (root / "fuzz-results.json").write_text(
        json.dumps(_results_json(outcomes), indent=1), encoding="utf-8"
    )
    runs = sum(len(o.runs) for o in outcomes)
    print(
        f"\n## collectlint CLI fuzzing: seed {args.seed}, {len(outcomes)} cases, {runs} "
        f"processes, {time.perf_counter() - started:.0f} s\n"
    )
    print(tally(outcomes))
    print("\nA case counts once in each of its families; the last row counts each case once.")
    if failing:
        print(f"\n## {len(failing)} failing cases, grouped by cause\n")
        print(format_causes(failing))
        print(f"\n## failing cases (inputs kept under {root})\n")
        print(format_failures(failing, args.python))
    print(f"\nresults: {root / 'fuzz-results.json'}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())

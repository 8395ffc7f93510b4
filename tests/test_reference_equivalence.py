"""Property test: the Polars engine and the pure-Python reference agree on the `us-regf` pack.

Hypothesis generates small but adversarial contact logs: few accounts and people so that keys
collide, times clustered around the 2024 DST transitions and around local 08:00, 21:00 and
midnight in several zones, exact ties and exact whole-day shifts between events, two-candidate
zones, consent and revocation events, and time strings written with ``Z`` or with numeric offsets.
Each log is shuffled, written to a CSV file with every canonical column, run through
``collectlint.check`` and compared with ``tests/reference.py`` on both the set of findings and
the evidence tuple of every finding. The engine is fast and clever; the reference is slow and
literal, so any disagreement points at a case where the engine's vectorisation diverges from the
contract in ``docs/us-regf-semantics.md``.

The run is derandomized (same examples every time, no example database) so CI is reproducible.
Set ``COLLECTLINT_EXPLORE=1`` to search with fresh random examples instead.
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import collectlint
from collectlint.vocabulary import COLUMNS
from helpers import call_row
from reference import (
    RULE_CALL_AFTER_CONVERSATION,
    RULE_CALL_VOLUME,
    RULE_INCONVENIENT_TIME,
    evidence,
)

Row = dict[str, str]
Findings = dict[tuple[str, str], tuple[str, ...]]

CONTRACT_RULES = frozenset({RULE_CALL_VOLUME, RULE_CALL_AFTER_CONVERSATION, RULE_INCONVENIENT_TIME})

settings.register_profile(
    "collectlint-equivalence",
    derandomize=not os.environ.get("COLLECTLINT_EXPLORE"),
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("collectlint-equivalence")

ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Phoenix",
    "Pacific/Honolulu",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
)

#: Days the generated times cluster around: the US DST changes (weighted by repetition), the
#: London and Lord Howe changes (Lord Howe shifts by 30 minutes), and one ordinary summer day.
ANCHORS: tuple[date, ...] = (
    date(2024, 3, 10),
    date(2024, 3, 10),
    date(2024, 11, 3),
    date(2024, 11, 3),
    date(2024, 3, 31),
    date(2024, 10, 27),
    date(2024, 4, 7),
    date(2024, 10, 6),
    date(2024, 6, 15),
)

#: Local times of day at or one second beside the rule boundaries, midnight and DST gaps/folds.
BOUNDARY_TIMES: tuple[time, ...] = (
    time(7, 59, 59),
    time(8, 0, 0),
    time(8, 0, 1),
    time(20, 59, 59),
    time(21, 0, 0),
    time(21, 0, 1),
    time(23, 59, 59),
    time(0, 0, 0),
    time(0, 0, 1),
    time(1, 30, 0),
    time(2, 0, 0),
    time(2, 30, 0),
    time(3, 0, 0),
    time(12, 0, 0),
)

#: Offsets (minutes east of UTC) used to spell times; they need not match the event's zone.
OFFSETS_MINUTES: tuple[int, ...] = (0, -300, -240, -420, -600, 60, 330, 345, 630, 660)

PHONES: tuple[str, ...] = ("+15550001", "+15550002", "+15550003")

# Weighted choices: repeated entries make the common case common without a weights API.
PARTIES = (
    ("debtor",) * 6 + ("",) * 2 + ("spouse",) * 3 + ("attorney",) * 2 + ("guardian", "creditor")
)
KINDS = ("contact",) * 14 + ("",) * 2 + ("consent", "consent_revoked")
DIRECTIONS = ("outbound",) * 8 + ("",) * 2 + ("inbound",)
CHANNELS = ("call",) * 9 + ("sms",) * 2 + ("letter",)
OUTCOMES = (
    ("",) * 2 + ("conversation",) * 3 + ("not_connected",) * 2 + ("voicemail", "no_answer", "busy")
)
JURISDICTIONS = ("",) * 3 + ("US",) * 2 + ("US-NY",) * 2 + ("US-CA", "CA-ON")
BODIES = ("", "", "Please call us back, thanks.", 'He said "not now"')


def format_instant(instant: datetime, offset_minutes: int | None) -> str:
    """Spell ``instant`` at second resolution with ``Z`` (None) or a ``+HH:MM`` offset."""
    if offset_minutes is None:
        return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return instant.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()


@dataclass(frozen=True)
class EventSpec:
    """The random choices behind one generated row, turned into a row by :func:`build_log`.

    Drawing flat specs through one prebuilt strategy (rather than field by field inside a loop)
    keeps generation fast and lets Hypothesis shrink a log by deleting whole events.
    """

    mode: str  # "local": fresh wall time; "tie": copy an earlier instant; "shift": +N days
    zone: str  # zone the fresh wall time is read in (not necessarily the event's zone)
    day: int  # days from the log's anchor date
    wall: time
    fold: int
    ref: int  # which earlier event a tie or shift refers to (modulo the count so far)
    shift_days: int
    nudge_seconds: int
    offset_minutes: int | None  # None: spell the time with Z
    account: int
    kind: str
    party: str
    to: str
    channel: str
    direction: str
    outcome: str
    timezone: str | None  # None: the account's home zone cell
    jurisdiction: str
    body: str
    debtor_explicit: bool
    default_id: bool
    dense_roll: int  # in dense logs, nonzero rolls force a call to account A1's debtor
    kept: bool  # False drops the row (its instant still anchors later ties and shifts)


def _wall_time(second_of_day: int) -> time:
    """The wall-clock time ``second_of_day`` seconds after midnight."""
    return time(second_of_day // 3600, second_of_day % 3600 // 60, second_of_day % 60)


@st.composite
def zone_specs(draw: st.DrawFn) -> str:
    """A ``timezone`` cell: one zone, or sometimes two candidates ``A|B``."""
    first = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 4)) == 0:
        return f"{first}|{draw(st.sampled_from(ZONES))}"
    return first


EVENT_SPECS: st.SearchStrategy[EventSpec] = st.builds(
    EventSpec,
    mode=st.sampled_from(("local", "local", "local", "tie", "shift")),
    zone=st.sampled_from(ZONES),
    day=st.integers(-2, 8),
    wall=st.one_of(st.sampled_from(BOUNDARY_TIMES), st.integers(0, 86_399).map(_wall_time)),
    fold=st.integers(0, 1),
    ref=st.integers(0, 59),
    shift_days=st.integers(1, 8),
    nudge_seconds=st.sampled_from((0, 0, 0, -1, 1)),
    offset_minutes=st.one_of(st.none(), st.sampled_from(OFFSETS_MINUTES)),
    account=st.integers(0, 2),
    kind=st.sampled_from(KINDS),
    party=st.sampled_from(PARTIES),
    to=st.sampled_from(PHONES),
    channel=st.sampled_from(CHANNELS),
    direction=st.sampled_from(DIRECTIONS),
    outcome=st.sampled_from(OUTCOMES),
    timezone=st.one_of(st.none(), st.none(), st.none(), zone_specs()),
    jurisdiction=st.sampled_from(JURISDICTIONS),
    body=st.sampled_from(BODIES),
    debtor_explicit=st.booleans(),
    default_id=st.integers(0, 9).map(lambda roll: roll == 0),
    dense_roll=st.integers(0, 3),
    # Shrinks towards False, so Hypothesis can delete any event from the middle of a log
    # without renumbering the others or moving the instants that later events refer to.
    kept=st.integers(0, 9).map(lambda roll: roll != 0),
)


def spec_instant(spec: EventSpec, anchor: date, earlier: Sequence[datetime]) -> datetime:
    """The UTC instant of ``spec``: a fresh wall time, or a tie or day shift of an earlier one.

    A fresh wall time is read in ``spec.zone`` on ``anchor + spec.day``; wall times inside a DST
    gap or fold are resolved by ``zoneinfo`` (``fold`` picks the side), which yields exactly the
    instants that sit next to a transition.
    """
    if spec.mode == "local" or not earlier:
        day = anchor + timedelta(days=spec.day)
        local = datetime.combine(day, spec.wall, tzinfo=ZoneInfo(spec.zone))
        return local.replace(fold=spec.fold).astimezone(UTC)
    base = earlier[spec.ref % len(earlier)]
    if spec.mode == "tie":
        return base
    return base + timedelta(days=spec.shift_days, seconds=spec.nudge_seconds)


def build_log(
    specs: Sequence[EventSpec], anchor: date, home_zones: Sequence[str], accounts: int, dense: bool
) -> list[Row]:
    """Turn specs into valid rows (in generation order; the caller shuffles them).

    Validity follows the engine's reader: contacts always have a channel, non-debtor parties
    always have a ``to`` number, and ids are unique (explicit ``eNN`` or, sometimes, empty so
    the row number is used; the two forms cannot collide).
    """
    rows: list[Row] = []
    seen: list[datetime] = []
    for i, spec in enumerate(specs):
        instant = spec_instant(spec, anchor, seen)
        seen.append(instant)
        if not spec.kept:
            continue
        account_index = spec.account % accounts
        party, channel = spec.party, spec.channel
        if dense and spec.dense_roll:
            account_index, party, channel = 0, "debtor", "call"
        account = f"A{account_index + 1}"
        if spec.kind in ("consent", "consent_revoked") and spec.dense_roll == 0:
            channel = ""  # allowed: only contacts need a channel
        rows.append(
            {
                "id": "" if spec.default_id else f"e{i:02d}",
                "time": format_instant(instant, spec.offset_minutes),
                "account": account,
                "debtor": account if spec.debtor_explicit else "",
                "party": party,
                # A debtor's `to` is irrelevant to the key; leave it empty for some of them.
                "to": "" if party in ("", "debtor") and spec.dense_roll == 1 else spec.to,
                "channel": channel,
                "direction": spec.direction,
                "outcome": spec.outcome,
                "timezone": spec.timezone or home_zones[account_index],
                "jurisdiction": spec.jurisdiction,
                "body": spec.body,
                "kind": spec.kind,
            }
        )
    return rows


@st.composite
def contact_logs(draw: st.DrawFn) -> list[Row]:
    """A valid, shuffled contact log of up to 60 events over 1-3 accounts around one anchor day.

    Half of the logs are *dense*: most events become calls to the debtor of account A1, so that
    windows with eight counted calls of one key actually occur.
    """
    accounts = draw(st.integers(1, 3))
    home_zones = draw(st.lists(zone_specs(), min_size=3, max_size=3))
    anchor = draw(st.sampled_from(ANCHORS))
    dense = draw(st.booleans())
    # Draw the size first: a plain `st.lists` would average only a handful of events.
    count = draw(st.integers(1, 60))
    specs = draw(st.lists(EVENT_SPECS, min_size=count, max_size=count))
    rows = build_log(specs, anchor, home_zones, accounts, dense)
    assume(rows)
    return list(draw(st.permutations(rows)))


# ---------------------------------------------------------------- deterministic boundary logs

NY = "America/New_York"


def _row(event_id: str, when: str, **columns: str) -> Row:
    """A full row: account A1, outbound unanswered call to the debtor, New York, US."""
    return call_row(event_id, when, **{"outcome": "no_answer", **columns})


def _calls(days: Sequence[int], prefix: str = "c") -> list[Row]:
    """One 10:00 EDT call per listed June 2024 day (14:00Z), ids ``c1``, ``c2``, ..."""
    return [_row(f"{prefix}{i}", f"2024-06-{day:02d}T14:00:00Z") for i, day in enumerate(days, 1)]


EIGHTH_CALL = _calls([3, 3, 4, 5, 6, 7, 8, 9])
SEVENTH_CALL = _calls([3, 4, 5, 6, 7, 8, 9])
DAY_SEVEN_VS_EIGHT = [
    _row("v", "2024-06-03T18:00:00Z", outcome="conversation"),
    _row("day7", "2024-06-09T14:00:00Z"),
    _row("day8", "2024-06-10T14:00:00Z"),
]
CONVERSATION_TIE = [
    _row("v", "2024-06-03T14:00:00Z", outcome="conversation"),
    _row("tie", "2024-06-03T10:00:00-04:00"),
    _row("after", "2024-06-03T14:00:01Z"),
]
CONSENT_AND_REVOCATION = [
    _row("v", "2024-06-03T13:00:00Z", outcome="conversation"),
    _row("k1", "2024-06-03T13:30:00Z", kind="consent", channel=""),
    _row("exempt", "2024-06-03T14:00:00Z"),
    _row("r", "2024-06-03T14:30:00Z", kind="consent_revoked", channel=""),
    _row("at-revocation", "2024-06-03T14:30:00Z"),
    _row("k2", "2024-06-04T13:00:00Z", kind="consent", channel=""),
    _row("exempt-again", "2024-06-04T14:00:00Z"),
    *_calls([4, 5, 6, 7, 8, 9, 10, 10], prefix="w"),
]
WINDOW_EDGES = [
    _row("t0759", "2024-06-03T11:59:59Z"),
    _row("t0800", "2024-06-03T12:00:00Z"),
    _row("t2059", "2024-06-04T00:59:59Z"),
    _row("t2100", "2024-06-04T01:00:00Z"),
]
TWO_ZONES = [
    _row("ny-la", "2024-06-03T14:30:00Z", timezone=f"{NY}|America/Los_Angeles"),
    _row("la-ny", "2024-06-05T01:30:00Z", timezone=f"America/Los_Angeles|{NY}"),
    _row("both-fine", "2024-06-06T16:00:00Z", timezone=f"{NY}|America/Los_Angeles"),
    _row("v", "2024-06-07T02:00:00Z", outcome="conversation", timezone=f"{NY}|Europe/London"),
    _row("d7", "2024-06-13T14:00:00Z"),
]
SPRING_FORWARD = [
    _row("s0759", "2024-03-10T11:59:59Z", channel="sms"),
    _row("s0800", "2024-03-10T12:00:00Z", channel="sms"),
    _row("s2059", "2024-03-11T00:59:59Z", channel="sms"),
    _row("s2100", "2024-03-11T01:00:00+00:00", channel="sms"),
    _row("v", "2024-03-04T15:00:00Z", outcome="conversation"),
    _row("last-day", "2024-03-11T03:59:59Z"),
    _row("next-day", "2024-03-11T04:30:00Z"),
]
FALL_BACK = [
    _row("f0759", "2024-11-03T12:59:59Z", channel="sms"),
    _row("f0800", "2024-11-03T08:00:00-05:00", channel="sms"),
    _row("f2059", "2024-11-04T01:59:59Z", channel="sms"),
    _row("f2100", "2024-11-04T02:00:00Z", channel="sms"),
    _row("f0130a", "2024-11-03T05:30:00Z", channel="sms"),
    _row("f0130b", "2024-11-03T06:30:00Z", channel="sms"),
    _row("v", "2024-10-28T14:00:00Z", outcome="conversation"),
    _row("late", "2024-11-04T04:30:00Z"),
    *[
        _row(f"c{i}", f"2024-{m:02d}-{d:02d}T03:30:00Z")
        for i, (m, d) in enumerate([(10, 29), (10, 30), (10, 31), (11, 1), (11, 2), (11, 3)])
    ],
]
EVENING_UTC_NEXT_DAY = [
    *_calls([3, 3, 4, 5, 6, 7, 8]),
    _row("v", "2024-06-03T18:00:00Z", outcome="conversation", direction="inbound"),
    _row("evening", "2024-06-10T00:30:00Z"),
    _row("evening-utc-offset", "2024-06-09T20:30:00-04:00", party="spouse", to="+15550001"),
]


# ---------------------------------------------------------------- running the engine

_csv_names = itertools.count()


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for every generated log (module-scoped so Hypothesis may reuse it)."""
    return tmp_path_factory.mktemp("equivalence")


def write_csv(rows: Sequence[Row], directory: Path) -> Path:
    """Write ``rows`` to a fresh CSV file in ``directory`` with every canonical column."""
    path = directory / f"log{next(_csv_names):05d}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def engine_findings(path: Path, expected_events: int) -> Findings:
    """Run the engine on ``path``; check bookkeeping; return its contract-rule findings.

    Findings of rules outside the three-rule contract (if the pack grows) are ignored; a
    finding reported twice is an error in itself, so it is asserted against here.
    """
    report = collectlint.check([str(path)], rules=["us-regf"])
    assert report.rejected == (), f"valid log rejected: {report.rejected}"
    summary = report.summary
    assert summary.events_read == expected_events
    assert summary.events_read == summary.events_checked + summary.events_rejected
    assert summary.events_rejected == 0
    pairs = [
        ((v.rule, v.event), tuple(v.evidence))
        for v in report.violations
        if v.rule in CONTRACT_RULES
    ]
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate findings: {sorted(keys)}"
    return dict(pairs)


def describe_difference(expected: Findings, actual: Findings) -> str:
    """A readable diff of two finding maps for the assertion message."""
    lines = []
    for key in sorted(expected.keys() - actual.keys()):
        lines.append(f"  missing    {key}: expected evidence {expected[key]}")
    for key in sorted(actual.keys() - expected.keys()):
        lines.append(f"  unexpected {key}: engine evidence {actual[key]}")
    for key in sorted(expected.keys() & actual.keys()):
        if expected[key] != actual[key]:
            lines.append(f"  evidence   {key}: expected {expected[key]}, engine {actual[key]}")
    return "\n".join(lines)


@settings(PROFILE, max_examples=200, deadline=None)
@given(log=contact_logs())
@example(log=EIGHTH_CALL)
@example(log=SEVENTH_CALL)
@example(log=DAY_SEVEN_VS_EIGHT)
@example(log=CONVERSATION_TIE)
@example(log=CONSENT_AND_REVOCATION)
@example(log=WINDOW_EDGES)
@example(log=TWO_ZONES)
@example(log=SPRING_FORWARD)
@example(log=FALL_BACK)
@example(log=EVENING_UTC_NEXT_DAY)
def test_engine_matches_reference(log: list[Row], csv_dir: Path) -> None:
    """The engine's findings and evidence equal the reference's for every generated log."""
    expected = evidence(log)
    actual = engine_findings(write_csv(log, csv_dir), expected_events=len(log))
    assert actual == expected, "engine and reference disagree:\n" + describe_difference(
        expected, actual
    )


def test_boundary_examples_exercise_every_rule() -> None:
    """Guard against the examples going stale: each rule fires in some deterministic example."""
    examples = [
        EIGHTH_CALL,
        SEVENTH_CALL,
        DAY_SEVEN_VS_EIGHT,
        CONVERSATION_TIE,
        CONSENT_AND_REVOCATION,
        WINDOW_EDGES,
        TWO_ZONES,
        SPRING_FORWARD,
        FALL_BACK,
        EVENING_UTC_NEXT_DAY,
    ]
    fired = {rule for log in examples for (rule, _) in evidence(log)}
    assert fired == CONTRACT_RULES

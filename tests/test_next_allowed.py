"""Property test: the next allowed instant of a planned call is allowed, and nothing earlier is.

Hypothesis generates a debtor's call history around the 2024 US DST changes — conversations,
consents, calls before *and after* the planned one, one or two candidate zones — and a planned
call.  The pipeline's answer (`next_allowed_at`, or the planned time when nothing binds it) is
then checked with the pure-Python reference evaluator (`tests/reference.py`), which knows
nothing of the engine: the planned call at the answer takes part in no finding of the three
`us-regf` timing rules (neither flagged itself nor cited as evidence of another call's
finding), and at every instant between the planned time and the answer where a verdict could
change (every event's instant and the microsecond after it, and every local midnight, 08:00
and 21:00 in the consumer's zones) it does take part in one.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import collectlint
from collectlint.vocabulary import COLUMNS
from helpers import call_row
from reference import evidence

Row = dict[str, str]
PLANNED = "P"
ANCHORS = (date(2024, 3, 10), date(2024, 11, 3), date(2024, 6, 12))
ZONES = ("America/New_York", "America/Los_Angeles", "America/New_York|America/Los_Angeles")
OUTCOMES = ("no_answer", "no_answer", "voicemail", "conversation", "busy", "not_connected")
WALLS = (time(7, 59, 59), time(8, 0), time(20, 59, 59), time(21, 0), time(0, 0), time(12, 0))

PROFILE = settings(
    max_examples=int(os.environ.get("COLLECTLINT_NEXT_EXAMPLES", "40")),
    derandomize=not os.environ.get("COLLECTLINT_EXPLORE"),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row(event_id: str, moment: datetime, zone: str, **columns: str) -> Row:
    return call_row(
        event_id,
        _stamp(moment),
        **{"debtor": "D1", "outcome": "no_answer", "timezone": zone, **columns},
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Row], Row]:
    """A history of one debtor's calls and a planned call among them."""
    anchor = draw(st.sampled_from(ANCHORS))
    zone = draw(st.sampled_from(ZONES))
    home = ZoneInfo(zone.split("|")[0])
    start = datetime.combine(anchor, time(0, 0), home)

    def moment() -> datetime:
        day = draw(st.integers(-8, 9))
        wall = draw(st.one_of(st.sampled_from(WALLS), st.integers(0, 86_399).map(_second)))
        local = datetime.combine(anchor + timedelta(days=day), wall, home)
        return local.astimezone(UTC)

    history = []
    for n in range(draw(st.integers(0, 14))):
        outcome = draw(st.sampled_from(OUTCOMES))
        history.append(_row(f"H{n:02d}", moment(), zone, outcome=outcome))
    if draw(st.integers(0, 4)) == 0:
        opened = moment()
        history.append(_row("C1", opened, zone, kind="consent", channel="", outcome=""))
    planned_at = moment() if draw(st.booleans()) else start.astimezone(UTC)
    return history, _row(PLANNED, planned_at, zone, outcome="")


def _second(second: int) -> time:
    return time(second // 3600, second % 3600 // 60, second % 60)


def _write(path: Path, rows: Sequence[Row]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def takes_part(history: Sequence[Row], planned: Row, at: datetime) -> bool:
    """Whether the planned call at `at` is flagged, or cited by another call's finding, by the
    reference evaluator."""
    moved = {**planned, "time": _stamp(at)}
    found = evidence([*history, moved])
    return any(event == PLANNED or PLANNED in ids for (_, event), ids in found.items())


def _breakpoints(
    history: Sequence[Row], planned: Row, low: datetime, high: datetime
) -> Iterator[datetime]:
    """Every instant in [low, high) at which a verdict on the planned call could change."""
    zones = [ZoneInfo(z) for z in planned["timezone"].split("|")]
    if low < high:
        yield low
    for row in history:
        instant = datetime.fromisoformat(row["time"])
        for candidate in (instant, instant + timedelta(microseconds=1)):
            if low <= candidate < high:
                yield candidate
    day = (low - timedelta(days=2)).date()
    while datetime.combine(day, time(0), UTC) < high + timedelta(days=2):
        for zone in zones:
            for wall in (time(0, 0), time(8, 0), time(21, 0)):
                candidate = datetime.combine(day, wall, zone).astimezone(UTC)
                if low <= candidate < high:
                    yield candidate
        day += timedelta(days=1)


@PROFILE
@given(scenario=scenarios())
def test_next_allowed_is_allowed_and_nothing_earlier_is(
    scenario: tuple[list[Row], Row], tmp_path_factory: pytest.TempPathFactory
) -> None:
    history, planned = scenario
    folder = tmp_path_factory.mktemp("next")
    report = collectlint.check(
        [_write(folder / "plan.csv", [planned])],
        history=[_write(folder / "history.csv", history)],
        rules=["us-regf"],
        select=[
            "us-regf/call-volume",
            "us-regf/call-after-conversation",
            "us-regf/inconvenient-time",
        ],
    )
    requested = datetime.fromisoformat(planned["time"])
    answers = {v.next_allowed_at for v in report.violations if v.event == PLANNED}
    assert len(answers) <= 1, answers
    answer = answers.pop() if answers else requested
    event("moved" if answer != requested else "allowed as asked")
    assert answer is not None, [v.next_allowed_reason for v in report.violations]
    assert answer >= requested
    assert not takes_part(history, planned, answer), (answer, report.violations)
    for candidate in _breakpoints(history, planned, requested, answer):
        assert takes_part(history, planned, candidate), (candidate, answer)

"""Property test: `next_allowed` for packs of every timing kind and parameter, checked by the
engine itself.

`test_next_allowed.py` checks the answer for `us-regf` against the independent reference
evaluator.  Here Hypothesis writes the pack too: hours windows that wrap midnight, start in the
hour a DST change repeats or skip whole days, `zones: primary`, frequency limits over calendar
days or rolling durations, cool-downs, two packs at once, hours rules in force only from or
until a date around the planned call.  The answer must hold when the
contact is checked as a logged one (no finding on it, none citing it), and every instant
before it where a verdict could change must not.  All candidate instants are checked in one
run, each in its own scope (`columns.SCOPE`), as `collectlint test` runs cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import collectlint
from collectlint import pipeline
from collectlint.api import load_packs
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.readers import raw_from_records
from collectlint.model import Role
from helpers import call_row, rule_dict

Row = dict[str, str]
PLANNED = "P"
ANCHORS = (date(2024, 3, 10), date(2024, 11, 3), date(2024, 6, 12))
ZONES = ("America/New_York", "America/New_York|America/Los_Angeles", "Europe/London")
WINDOWS = (("08:00", "21:00"), ("01:30", "21:00"), ("20:00", "02:00"), ("09:00", "17:00"))
DURATIONS = ("6h", "12h", "24h", "90m")
DATES = tuple(a + timedelta(days=d) for a in ANCHORS for d in (-1, 0, 1))
"""Dates a generated rule may come into force or leave it: around each anchor."""

PROFILE = settings(
    max_examples=int(os.environ.get("COLLECTLINT_NEXT_EXAMPLES", "30")),
    derandomize=not os.environ.get("COLLECTLINT_EXPLORE"),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def packs(draw: st.DrawFn) -> dict[str, object]:
    """A pack of one to three timing rules."""
    rules = []
    if draw(st.booleans()):
        start, end = draw(st.sampled_from(WINDOWS))
        params: dict[str, object] = {"start": start, "end": end}
        params["zones"] = draw(st.sampled_from(("all", "primary")))
        if draw(st.integers(0, 3)) == 0:
            params["days"] = {"sun": None}
        rules.append(rule_dict("hours", "hours", params))
    if draw(st.booleans()) or not rules:
        window: dict[str, object]
        if draw(st.booleans()):
            window = {"calendar_days": draw(st.integers(1, 3))}
        else:
            window = {"duration": draw(st.sampled_from(DURATIONS))}
        params = {"key": ["account", "person"], "limit": draw(st.integers(0, 3)), "window": window}
        rules.append(rule_dict("frequency", "frequency", params))
    if draw(st.booleans()):
        trigger = {"kind": "contact", "channel": "call", "outcome": "conversation"}
        params = {"key": ["account"], "trigger": trigger, "calendar_days": draw(st.integers(1, 3))}
        rules.append(rule_dict("cooldown", "cooldown", params))
    for rule in rules:  # hours in force for a few days only, as a dated version is (the
        # planner searches with dates for rules that judge by local time alone)
        if rule["kind"] == "hours" and draw(st.integers(0, 2)) == 0:
            begins = draw(st.sampled_from((None, *DATES)))
            ends = draw(st.sampled_from((None, *(d for d in DATES if not begins or d >= begins))))
            rule.update(
                {
                    k: v.isoformat()
                    for k, v in (("effective_from", begins), ("effective_to", ends))
                    if v
                }
            )
    meta = {"name": "gen", "title": "generated", "version": "1", "jurisdiction": ["US"]}
    return {"pack": meta, "rules": rules}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Row], Row]:
    anchor = draw(st.sampled_from(ANCHORS))
    zone = draw(st.sampled_from(ZONES))
    home = ZoneInfo(zone.split("|")[0])

    def moment() -> datetime:
        day = draw(st.integers(-3, 4))
        second = draw(st.integers(0, 86_399))
        wall = time(second // 3600, second % 3600 // 60, second % 60)
        return datetime.combine(anchor + timedelta(days=day), wall, home).astimezone(UTC)

    def row(event_id: str, at: datetime, **columns: str) -> Row:
        values = {"debtor": "D1", "timezone": zone, **columns}
        return call_row(event_id, _stamp(at), **values)

    outcomes = ("no_answer", "conversation", "voicemail")
    history = [
        row(f"H{n}", moment(), outcome=draw(st.sampled_from(outcomes)))
        for n in range(draw(st.integers(0, 8)))
    ]
    return history, row(PLANNED, moment(), outcome="")


def _candidates(
    history: Sequence[Row], planned: Row, low: datetime, high: datetime
) -> Iterator[datetime]:
    """Instants in [low, high) where a verdict could change: events (and a microsecond
    after), each rolling duration after or before them, and local midnights and window
    bounds in the consumer's zones."""
    zones = [ZoneInfo(z) for z in planned["timezone"].split("|")]
    if low < high:
        yield low
    spans = [timedelta(0), timedelta(microseconds=1)]
    for text in DURATIONS:
        amount = int(text[:-1])
        span = timedelta(hours=amount) if text.endswith("h") else timedelta(minutes=amount)
        spans += [span, -span + timedelta(microseconds=1)]
    for r in history:
        instant = datetime.fromisoformat(r["time"])
        for delta in spans:
            if low <= instant + delta < high:
                yield instant + delta
    walls = {time(0, 0)} | {time.fromisoformat(t) for w in WINDOWS for t in w}
    day = (low - timedelta(days=2)).date()
    while datetime.combine(day, time(0), UTC) < high + timedelta(days=2):
        for zone in zones:
            for wall in walls:
                for fold in (0, 1):
                    candidate = datetime.combine(day, wall, zone).replace(fold=fold)
                    candidate = candidate.astimezone(UTC)
                    if low <= candidate < high:
                        yield candidate
        day += timedelta(days=1)


def _taking_part(
    history: Sequence[Row], planned: Row, pack: Path, at: Sequence[datetime]
) -> list[bool]:
    """For each instant: whether the planned call made then takes part in a finding."""
    records: list[Row] = []
    scopes: list[int] = []
    for scope, moment in enumerate(at):
        for r in [*history, {**planned, "time": _stamp(moment)}]:
            records.append(r)
            scopes.append(scope)
    raw = raw_from_records(records, "scenarios", Role.LOG, scopes=scopes)
    events = build_events([raw], ReadOptions())
    report = pipeline.run(events, load_packs([str(pack)]), pipeline.RunSettings())
    assert not report.rejected, report.rejected
    involved = set()
    for v in report.violations:
        if v.event == PLANNED or PLANNED in v.evidence:
            involved.add(scopes[v.row - 1])
    return [scope in involved for scope in range(len(at))]


@PROFILE
@given(pack=packs(), scenario=scenarios())
def test_next_allowed_holds_for_every_timing_kind(
    pack: dict[str, object],
    scenario: tuple[list[Row], Row],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    history, planned = scenario
    folder = tmp_path_factory.mktemp("packs")
    (folder / "pack.yaml").write_text(yaml.safe_dump(pack), encoding="utf-8")
    plan = folder / "plan.csv"
    log = folder / "history.csv"
    _write(plan, [planned])
    _write(log, history)
    report = collectlint.check([plan], history=[log], rules=[str(folder)])
    assert not report.rejected
    requested = datetime.fromisoformat(planned["time"])
    answers = {v.next_allowed_at for v in report.violations if v.event == PLANNED}
    reasons = {v.next_allowed_reason for v in report.violations if v.event == PLANNED}
    assert len(answers) <= 1, answers
    answer = answers.pop() if answers else requested
    event("never" if answer is None else "moved" if answer != requested else "allowed as asked")
    if answer is None:  # no instant at all: only a limit of 0 can say so here
        rules: list[dict[str, Any]] = pack["rules"]  # type: ignore[assignment]
        limits = [r["params"]["limit"] for r in rules if r["kind"] == "frequency"]
        assert 0 in limits, reasons
        return
    candidates = sorted(set(_candidates(history, planned, requested, answer)))[-40:]
    verdicts = _taking_part(history, planned, folder, [answer, *candidates])
    assert not verdicts[0], f"the answer {answer} is not allowed"
    earlier = [c for c, bad in zip(candidates, verdicts[1:], strict=True) if not bad]
    assert not earlier, f"{earlier[0]} is allowed, before the answer {answer}"


def _write(path: Path, rows: Sequence[Row]) -> None:
    import csv

    from collectlint.vocabulary import COLUMNS

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)

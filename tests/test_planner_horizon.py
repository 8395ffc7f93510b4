"""Where the planner's search ends: rules that exclude each other are answered "never" soon,
and an answer that lies weeks past the history (a long cool-down, then one allowed hour a
week) is still found — the end is measured from the last event that can matter, not from the
instant asked about."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

import collectlint
from helpers import call_row, rule_dict, write_csv

NEW_YORK = "America/New_York"


def _pack(folder: Path, rules: list[dict[str, Any]]) -> str:
    meta = {"name": "horizon", "title": "t", "version": "1", "jurisdiction": ["US"]}
    (folder / "pack.yaml").write_text(yaml.safe_dump({"pack": meta, "rules": rules}), "utf-8")
    return str(folder)


def _history(start: datetime, days: int, zone: str = NEW_YORK) -> list[dict[str, str]]:
    """One unanswered call at noon UTC every day for `days` days."""
    return [
        call_row(f"H{n:03d}", (start + timedelta(days=n)).isoformat(), timezone=zone)
        for n in range(days)
    ]


def _answer(
    folder: Path, rules: list[dict[str, Any]], history: list[dict[str, str]], plan: dict[str, str]
) -> tuple[datetime | None, str | None]:
    report = collectlint.check(
        [write_csv(folder / "plan.csv", [plan])],
        history=[write_csv(folder / "history.csv", history)],
        rules=[_pack(folder, rules)],
    )
    assert not report.rejected
    mine = [v for v in report.violations if v.event == "P"]
    assert mine, "the planned call should break a rule"
    answers = {(v.next_allowed_at, v.next_allowed_reason) for v in mine}
    assert len(answers) == 1, answers
    return answers.pop()


def test_hours_that_never_overlap_are_answered_never_and_quickly(tmp_path: Path) -> None:
    rules = [
        rule_dict("morning", "hours", {"start": "08:00", "end": "10:00"}),
        rule_dict("noon", "hours", {"start": "12:00", "end": "14:00"}),
    ]
    start = datetime(2024, 1, 1, 12, tzinfo=UTC)
    plan = call_row("P", "2024-01-15T15:00:00Z", timezone=NEW_YORK)
    begun = time.perf_counter()
    at, why = _answer(tmp_path, rules, _history(start, 60), plan)
    elapsed = time.perf_counter() - begun
    assert at is None
    assert why is not None
    assert "no instant" in why
    assert elapsed < 20, f"the search took {elapsed:.1f} s"


def test_an_answer_weeks_past_the_history_is_found(tmp_path: Path) -> None:
    rules = [
        rule_dict(
            "quiet",
            "cooldown",
            {
                "key": ["account"],
                "trigger": {"kind": "contact", "outcome": "conversation"},
                "calendar_days": 30,
            },
        ),
        rule_dict(
            "sundays",
            "hours",
            {
                "start": "10:00",
                "end": "10:30",
                "days": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat")),
            },
        ),
    ]
    # a conversation on Friday 2024-03-01 (New York): day 1 of 30, so calls may resume on
    # 2024-03-31, a Sunday, after the clocks went forward on 2024-03-10
    history = [call_row("C", "2024-03-01T15:00:00-05:00", outcome="conversation")]
    plan = call_row("P", "2024-03-02T15:00:00-05:00", timezone=NEW_YORK)
    at, why = _answer(tmp_path, rules, history, plan)
    assert why is None
    assert at == datetime(2024, 3, 31, 14, 0, tzinfo=UTC), at  # 10:00 EDT


def test_hours_that_overlap_only_on_one_weekday_are_found(tmp_path: Path) -> None:
    rules = [
        rule_dict("morning", "hours", {"start": "08:00", "end": "10:00"}),
        rule_dict(
            "late-on-thursday",
            "hours",
            {
                "start": "12:00",
                "end": "14:00",
                "days": {"thu": {"start": "09:00", "end": "12:00"}},
            },
        ),
    ]
    plan = call_row("P", "2024-01-05T15:00:00-05:00", timezone=NEW_YORK)  # a Friday
    at, why = _answer(tmp_path, rules, [], plan)
    assert why is None
    assert at == datetime(2024, 1, 11, 14, 0, tzinfo=UTC), at  # Thursday 09:00 EST


def test_no_search_when_the_run_fails_for_its_rejected_rows(tmp_path: Path) -> None:
    rules = [rule_dict("daytime", "hours", {"start": "08:00", "end": "21:00"})]
    history = [call_row("H1", "2024-01-15T15:00:00Z", timezone="Mars/Olympus_Mons")]
    plan = call_row("P", "2024-01-15T03:00:00Z", timezone=NEW_YORK)
    report = collectlint.check(
        [write_csv(tmp_path / "plan.csv", [plan])],
        history=[write_csv(tmp_path / "history.csv", history)],
        rules=[_pack(tmp_path, rules)],
    )
    assert report.exit_code() == 2
    (finding,) = report.violations
    assert finding.next_allowed_at is None
    assert finding.next_allowed_reason is not None
    assert "not searched" in finding.next_allowed_reason

"""Rule kinds beyond what the built-in pack exercises: rolling windows, weekday hours, midnight
wrap, exemptions, hash-collision and mixed-zone fallbacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import collectlint
from collectlint.kinds import windows
from helpers import one_rule_pack

NY = "America/New_York"


def _run(
    tmp_path: Path,
    make_log: Callable[..., Path],
    kind: str,
    params: str,
    rows: list[dict[str, str]],
) -> list[str]:
    pack = tmp_path / "pack.yaml"
    pack.write_text(one_rule_pack(kind, params))
    base = {"account": "A", "channel": "call", "timezone": NY}
    report = collectlint.check([make_log([{**base, **r} for r in rows])], rules=[str(pack)])
    assert not report.rejected
    return [v.event for v in report.violations]


def test_rolling_duration_window_is_open_on_the_left(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    params = "{key: [account], limit: 1, window: {duration: 24h}}"
    rows = [
        {"id": "a", "time": "2024-06-03T12:00:00Z"},
        {"id": "b", "time": "2024-06-04T12:00:00Z"},  # exactly 24 h later: a is outside
        {"id": "c", "time": "2024-06-04T13:00:00Z"},  # b is inside
    ]
    assert _run(tmp_path, make_log, "frequency", params, rows) == ["c"]


def test_weekday_windows_and_closed_days(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    params = (
        '{start: "08:00", end: "21:00", days: {sat: {start: "09:00", end: "17:00"}, sun: null}}'
    )
    rows = [
        {"id": "fri", "time": "2024-06-07T12:30:00Z"},  # Fri 08:30 allowed
        {"id": "sat", "time": "2024-06-08T12:30:00Z"},  # Sat 08:30 before 09:00
        {"id": "sun", "time": "2024-06-09T16:00:00Z"},  # Sun: no contact at all
    ]
    assert sorted(_run(tmp_path, make_log, "hours", params, rows)) == ["sat", "sun"]


def test_window_wrapping_midnight(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    params = '{start: "22:00", end: "02:00"}'
    rows = [
        {"id": "late", "time": "2024-06-04T03:30:00Z"},  # 23:30 allowed
        {"id": "noon", "time": "2024-06-03T16:00:00Z"},  # 12:00 outside
    ]
    assert _run(tmp_path, make_log, "hours", params, rows) == ["noon"]


def test_primary_zone_only(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    params = '{start: "08:00", end: "21:00", zones: primary}'
    rows = [
        {"id": "a", "time": "2024-06-03T14:30:00Z", "timezone": f"{NY}|America/Los_Angeles"}
    ]  # 10:30 ET, 07:30 PT
    assert _run(tmp_path, make_log, "hours", params, rows) == []


def test_cooldown_without_trigger_is_clean(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    params = "{key: [account], trigger: {outcome: conversation}, calendar_days: 3}"
    rows = [{"id": "a", "time": "2024-06-03T14:30:00Z", "outcome": "no_answer"}]
    assert _run(tmp_path, make_log, "cooldown", params, rows) == []


def test_mixed_zones_in_one_key_use_the_exact_path(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    # the later call (by instant) has the earlier local date: dates go backwards in time order
    params = "{key: [account], limit: 1, window: {calendar_days: 1}}"
    rows = [
        {"id": "tokyo", "time": "2024-06-03T16:00:00Z", "timezone": "Asia/Tokyo"},  # 06-04 01:00
        {"id": "ny", "time": "2024-06-03T17:00:00Z"},  # 06-03 13:00 local
        {"id": "ny2", "time": "2024-06-03T18:00:00Z"},  # 06-03 14:00 local
    ]
    assert _run(tmp_path, make_log, "frequency", params, rows) == ["ny2"]


def test_hash_collisions_fall_back_to_exact_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    params = "{key: [account], limit: 1, window: {calendar_days: 7}}"
    rows = [
        {"id": "a1", "time": "2024-06-03T14:00:00Z", "account": "A"},
        {"id": "b1", "time": "2024-06-03T15:00:00Z", "account": "B"},
        {"id": "a2", "time": "2024-06-04T14:00:00Z", "account": "A"},
    ]
    original = pl.Expr.hash

    def constant_hash(self: pl.Expr, seed: int = 0) -> pl.Expr:
        return original(self, seed) * 0  # every key collides

    monkeypatch.setattr(pl.Expr, "hash", constant_hash)
    assert _run(tmp_path, make_log, "frequency", params, rows) == ["a2"]


def test_int_bounds() -> None:
    assert windows.int_bounds(pl.Series([3, 1]), pl.Series([7])) == (1, 7)


@pytest.mark.parametrize(
    "params",
    [
        "{key: [account], limit: 2, window: {calendar_days: 3}}",
        "{key: [account], limit: 1, window: {duration: 36h}}",
    ],
)
def test_ranked_instants_give_the_same_findings_as_packed_microseconds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_log: Callable[..., Path], params: str
) -> None:
    rows = [
        {"id": f"{a}{i}", "time": f"2024-06-{3 + i // 2:02d}T{10 + i % 2 * 3}:00:00Z", "account": a}
        for a in "ABC"
        for i in range(9)
    ]
    packed = _run(tmp_path, make_log, "frequency", params, rows)
    monkeypatch.setattr(windows, "PACK_LIMIT", 0)  # as if keys x span overflowed 64 bits
    assert _run(tmp_path, make_log, "frequency", params, rows) == packed
    assert packed

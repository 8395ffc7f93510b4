"""Reading logs: every row is checked or rejected with a reason; counts always add up."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import collectlint
from helpers import EXAMPLE

OK = {"account": "A1", "channel": "call", "outcome": "no_answer", "timezone": "America/New_York"}


def _reasons(report: collectlint.Report) -> dict[int, str]:
    return {r.row: r.reason for r in report.rejected}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"time": ""}, "missing time"),
        ({"time": "yesterday"}, "invalid time 'yesterday'"),
        ({"time": "2024-02-30T10:00:00Z"}, "invalid time"),
        ({"time": "2024-06-03T10:00:00"}, "has no UTC offset"),
        ({"account": ""}, "missing account"),
        ({"channel": "pigeon"}, "unknown channel 'pigeon'"),
        ({"party": "cousin"}, "unknown party 'cousin'"),
        ({"direction": "sideways"}, "unknown direction"),
        ({"outcome": "maybe"}, "unknown outcome"),
        ({"kind": "payment"}, "unknown kind"),
        ({"channel": ""}, "contact without a channel"),
        ({"party": "spouse"}, "without a `to` value"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"timezone": "America/New_York|Nowhere"}, "unknown time zone"),
        ({"timezone": ""}, "no timezone"),
    ],
)
def test_bad_row_is_rejected_with_reason(
    make_log: Callable[..., Path], row: dict[str, str], reason: str
) -> None:
    good = {**OK, "id": "good", "time": "2024-06-03T14:00:00Z"}
    bad = {**OK, "id": "bad", "time": "2024-06-03T14:00:00Z", **row}
    report = collectlint.check([make_log([good, bad])])
    assert list(_reasons(report)) == [2]
    assert reason in _reasons(report)[2]
    s = report.summary
    assert (s.events_read, s.events_checked, s.events_rejected) == (2, 1, 1)


def test_duplicate_ids_reject_every_copy(make_log: Callable[..., Path]) -> None:
    rows = [{**OK, "id": "x", "time": f"2024-06-03T1{i}:00:00Z"} for i in range(3)]
    report = collectlint.check([make_log(rows)])
    assert sorted(_reasons(report)) == [1, 2, 3]


def test_assume_timezone_reads_naive_times(make_log: Callable[..., Path]) -> None:
    log = make_log([{**OK, "id": "c1", "time": "2024-06-03T21:00:00"}])
    report = collectlint.check([log], assume_timezone="America/New_York")
    assert not report.rejected
    assert [v.local_time for v in report.violations] == ["2024-06-03T21:00:00-04:00"]


def test_assume_timezone_rejects_nonexistent_local_time(make_log: Callable[..., Path]) -> None:
    log = make_log([{**OK, "id": "c1", "time": "2024-03-10T02:30:00"}])
    report = collectlint.check([log], assume_timezone="America/New_York")
    assert "does not exist" in report.rejected[0].reason


def test_offsets_and_separators_are_accepted(make_log: Callable[..., Path]) -> None:
    times = [
        "2024-06-03T14:00:00Z",
        "2024-06-03 10:00:01-04:00",
        "2024-06-03T19:30:02+0530",
        "2024-06-03T14:00:03.250Z",
    ]
    log = make_log([{**OK, "id": f"c{i}", "time": t} for i, t in enumerate(times)])
    report = collectlint.check([log])
    assert not report.rejected


def test_default_id_is_the_row_number(make_log: Callable[..., Path]) -> None:
    log = make_log([{**OK, "time": "2024-06-03T03:00:00Z"}])
    assert [v.event for v in collectlint.check([log]).violations] == ["1"]


def test_input_order_does_not_matter(tmp_path: Path) -> None:
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    shuffled = rows.sample(fraction=1.0, shuffle=True, seed=7)
    path = tmp_path / "shuffled.csv"
    shuffled.write_csv(path)
    first = collectlint.check([EXAMPLE])
    second = collectlint.check([path])
    key = [(v.rule, v.event, v.evidence, v.message) for v in first.violations]
    assert key == [(v.rule, v.event, v.evidence, v.message) for v in second.violations]


def test_jsonl_and_parquet_give_the_same_findings(tmp_path: Path) -> None:
    rows = pl.read_csv(EXAMPLE, infer_schema=False)
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows.to_dicts()))
    parquet = tmp_path / "log.parquet"
    rows.with_columns(pl.col("time").str.to_datetime(time_zone="UTC")).write_parquet(parquet)
    expected = [(v.rule, v.event) for v in collectlint.check([EXAMPLE]).violations]
    for path in (jsonl, parquet):
        assert [(v.rule, v.event) for v in collectlint.check([path]).violations] == expected


def test_several_logs_are_checked_together(make_log: Callable[..., Path]) -> None:
    calls = [{**OK, "id": f"c{i}", "time": f"2024-06-0{3 + i % 5}T14:0{i}:00Z"} for i in range(8)]
    report = collectlint.check([make_log(calls[:4]), make_log(calls[4:])])
    assert [v.rule for v in report.violations] == ["us-regf/call-volume"]
    assert len(report.inputs) == 2
    assert sum(i.rows for i in report.inputs) == 8


def test_counts_add_up_on_random_garbage(make_log: Callable[..., Path]) -> None:
    rng = random.Random(3)
    values = ["", "call", "2024-06-03T14:00:00Z", "x", "America/New_York", "debtor", "spouse"]
    cols = ["id", "time", "account", "party", "to", "channel", "timezone", "outcome"]
    rows = [{c: rng.choice(values) for c in cols} for _ in range(300)]
    s = collectlint.check([make_log(rows)]).summary
    assert s.events_read == 300
    assert s.events_read == s.events_checked + s.events_rejected


def test_events_outside_the_pack_jurisdiction_are_counted(make_log: Callable[..., Path]) -> None:
    rows = [
        {**OK, "id": "gb", "time": "2024-06-03T03:00:00Z", "jurisdiction": "GB"},
        {**OK, "id": "ma", "time": "2024-06-03T03:00:00Z", "jurisdiction": "us-ma"},
    ]
    report = collectlint.check([make_log(rows)])
    assert report.summary.events_out_of_scope == 1
    assert [v.event for v in report.violations] == ["ma"]


def test_third_parties_are_pseudonymised(make_log: Callable[..., Path]) -> None:
    row = {**OK, "id": "s1", "time": "2024-06-03T03:00:00Z", "party": "spouse", "to": "+1-555-0100"}
    report = collectlint.check([make_log([row])])
    assert "555" not in report.violations[0].person
    assert report.violations[0].person.startswith("spouse#")
    shown = collectlint.check([make_log([row])], show_pii=True)
    assert shown.violations[0].person == "+1-555-0100"


def test_a_log_that_changes_or_vanishes_while_checked_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collectlint import api
    from collectlint.errors import InputError
    from collectlint.inputs.readers import read_raw

    log = tmp_path / "log.csv"
    shutil.copy(EXAMPLE, log)
    read = read_raw

    def read_then(change: Callable[[], object]) -> Callable[..., Any]:
        def reader(*args: Any, **kwargs: Any) -> Any:
            raw = read(*args, **kwargs)
            change()
            return raw

        return reader

    monkeypatch.setattr(api, "read_raw", read_then(lambda: log.write_text("id,time,account\n")))
    with pytest.raises(InputError, match="changed while it was being checked"):
        collectlint.check([log])
    shutil.copy(EXAMPLE, log)
    monkeypatch.setattr(api, "read_raw", read_then(log.unlink))
    with pytest.raises(InputError, match="cannot read"):
        collectlint.check([log])

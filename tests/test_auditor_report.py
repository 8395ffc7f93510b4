"""The auditor's report: tallies, the HTML page's content and bounds, comparisons, statistics.

The page is also rendered in a real browser (`test_html_browser.py`); here its content is
checked as markup, fast, on the example log and on small logs built for each property.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import collectlint
from collectlint.cli import app
from collectlint.compare import compare_reports, read_period, with_comparison
from collectlint.reporters import REPORTERS, html_view
from collectlint.reporters.comparison import by_rule
from helpers import EXAMPLE, REPO, call_row, write_csv

AS_OF = datetime(2024, 3, 12, tzinfo=UTC)


def _html(report: collectlint.Report) -> str:
    rendered = REPORTERS["html"](report)
    assert isinstance(rendered, str)
    return rendered


def _json(report: collectlint.Report) -> str:
    rendered = REPORTERS["json"](report)
    assert isinstance(rendered, Iterator)
    return "".join(rendered)


@pytest.fixture(scope="module")
def example() -> collectlint.Report:
    return collectlint.check([EXAMPLE], as_of=AS_OF)


def test_tallies_add_up_to_the_checked_contacts(example: collectlint.Report) -> None:
    t = example.tallies
    assert t.contacts == 31  # 32 events checked, one of them a consent record
    for name in ("channel", "agent", "campaign", "hour", "day", "week", "account", "pack"):
        b = t.get(name)
        assert b is not None, name
        rows = [*b.rows, *([b.others] if b.others else [])]
        assert sum(r.contacts for r in rows) == t.contacts, name
        assert sum(r.findings for r in rows) == example.summary.violations, name
        for r in rows:
            assert sum(r.by_rule.values()) == r.findings
    assert t.get("agency") is None  # the example log has no agency column
    hours = {r.key: r.contacts for r in t.get("hour").rows}  # type: ignore[union-attr]
    assert hours["01"] == 1  # E031: 01:30 in New York
    assert t.first == datetime(2024, 3, 4, 13, 5, tzinfo=UTC)


def test_tallies_limit_rows_and_sum_the_rest(tmp_path: Path) -> None:
    rows = [
        call_row(f"E{i}", f"2024-03-04T{10 + i % 8:02d}:00:00Z", account=f"A{i:03d}")
        for i in range(30)
    ]
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)], as_of=AS_OF)
    accounts = report.tallies.get("account")
    assert accounts is not None
    assert len(accounts.rows) == 20
    assert accounts.distinct == 30
    assert accounts.others is not None
    assert accounts.others.contacts == 10


def test_findings_are_attributed_to_agents(tmp_path: Path) -> None:
    rows = [
        call_row("E1", "2024-03-04T06:00:00Z", agent="night-shift"),  # 01:00 in New York
        call_row("E2", "2024-03-04T15:00:00Z", agent="day-shift"),
        call_row("E3", "2024-03-04T16:00:00Z", agent="day-shift"),
    ]
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)], as_of=AS_OF)
    agents = {t.key: t for t in report.tallies.get("agent").rows}  # type: ignore[union-attr]
    assert agents["night-shift"].findings == 1
    assert agents["night-shift"].by_rule == {"us-regf/inconvenient-time": 1}
    assert agents["day-shift"].contacts == 2
    assert agents["day-shift"].findings == 0


def test_page_leads_with_the_summary_and_links_every_section(
    example: collectlint.Report,
) -> None:
    page = _html(example)
    assert page.index('id="summary"') < page.index('id="charts"') < page.index('id="findings"')
    targets = re.findall(r'href="#([^"]+)"', page)
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert targets
    assert set(targets) <= ids
    assert "<script" not in page
    assert "<link" not in page
    assert "<img" not in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 5
    assert "96.8" in page  # inconvenient-time: 3 findings in 31 contacts, per 1,000
    assert "us-regf</b> 2026" in page  # a verdict line per pack, with its version
    for sha in {f.sha256 for p in example.packs for f in p.files}:
        assert sha in page


def test_waived_findings_are_never_under_a_violation_heading(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - rule: us-regf/inconvenient-time\n"
        "    scope: {all: true}\n"
        "    reason: consumer asked to be called late\n"
        "    approver: compliance@example.com\n"
        "    expires: 2030-01-01\n",
        encoding="utf-8",
    )
    report = collectlint.check([EXAMPLE], as_of=AS_OF, waivers=str(waivers))
    page = _html(report)
    findings = page[page.index('id="findings"') : page.index('id="waived"')]
    waived = page[page.index('id="waived"') : page.index('id="not-checked"')]
    assert "consumer asked to be called late" not in findings
    assert "consumer asked to be called late" in waived
    assert 'id="rule-us-regf-inconvenient-time"' not in findings
    assert any(f.role == "waivers" for f in report.context.files)


def test_samples_are_bounded_and_spread(tmp_path: Path) -> None:
    rows = [
        call_row(f"E{i:03d}", f"2024-03-{1 + i // 10:02d}T06:{i % 10:02d}:00Z") for i in range(120)
    ]
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)], as_of=AS_OF)
    views = html_view.rules_view(report)
    hours = next(v for v in views if v.spec.rule_id == "us-regf/inconvenient-time")
    assert hours.findings == 120
    shown = [s.event for s in hours.samples]
    assert len(shown) == html_view.FIRST + html_view.SPREAD
    assert shown[:5] == ["E000", "E001", "E002", "E003", "E004"]
    assert shown[-1] == "E119"  # the spread reaches the end of the period


def test_hostile_values_are_inert_in_the_page(tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script>"\u202e\u200b'
    rows = [call_row("E1", "2024-03-04T06:00:00Z", account=hostile, agent=hostile)]
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)], as_of=AS_OF)
    page = _html(report)
    assert "<script" not in page
    assert "\u202e" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\u202e" in page
    assert "\u200b" not in page  # a zero-width space could make two accounts look the same
    assert "\\u200b" in page


def test_unsafe_rule_links_are_text(tmp_path: Path) -> None:
    assert html_view.safe_link("javascript:alert(1)") == ""
    assert html_view.safe_link("https://www.ecfr.gov/x") == "https://www.ecfr.gov/x"
    assert html_view.safe_link('https://x" onclick="y') == ""


def test_accounts_chart_is_pseudonymised_unless_asked(tmp_path: Path) -> None:
    rows = [call_row("E1", "2024-03-04T06:00:00Z", account="SECRET-ACCOUNT-1")]
    log = write_csv(tmp_path / "log.csv", rows)
    page = _html(collectlint.check([log], as_of=AS_OF))
    chart = page[page.index('id="chart-accounts"') :]
    chart = chart[: chart.index("</figure>")]
    assert "SECRET-ACCOUNT-1" not in chart
    assert ">A1<" in chart
    shown = _html(collectlint.check([log], as_of=AS_OF, show_pii=True))
    chart = shown[shown.index('id="chart-accounts"') :]
    assert "SECRET-ACCOUNT-1" in chart[: chart.index("</figure>")]


def test_page_size_is_bounded_by_rules_not_findings(tmp_path: Path) -> None:
    rows = [
        call_row(f"E{i:05d}", f"2024-03-{1 + i % 28:02d}T06:{i % 60:02d}:00Z", account=f"A{i}")
        for i in range(5_000)
    ]
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)], as_of=AS_OF)
    assert report.summary.violations >= 5_000
    assert len(_html(report).encode()) < 150_000


def test_output_dir_writes_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "audit"
    args = [
        "check",
        "examples/contacts.csv",
        "--as-of",
        "2024-03-12T00:00:00Z",
        "--output-dir",
        str(out),
        "--quiet",
    ]
    monkeypatch.setattr("sys.argv", ["/usr/bin/collectlint", *args])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.csv",
        "findings.parquet",
        "report.html",
        "report.json",
    ]
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["run"]["command"] == ["collectlint", *args]
    sources = {s["key"]: s["source"] for s in data["run"]["settings"]}
    assert sources["rules"] == "default"
    assert 'href="findings.csv"' in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "findings.csv").read_text(encoding="utf-8").count("\n") == 11


def test_output_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    taken = tmp_path / "file"
    taken.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(EXAMPLE), "--output-dir", str(taken)])
    assert result.exit_code == 2
    assert "is a file" in result.output


def test_statistics_one_line_per_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(
        app, ["check", "examples/contacts.csv", "--statistics", "--as-of", "2024-03-12T00:00:00Z"]
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    first = next(i for i, line in enumerate(lines) if "us-regf/" in line)
    assert re.match(r"\s+3\s+us-regf/inconvenient-time\s+error\s+96\.8", lines[first])
    assert "accounts with most findings" in result.output
    assert "by day" in result.output
    assert "2024-03-05" in result.output


def test_quiet_prints_findings_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["check", "examples/contacts.csv", "--quiet"])
    assert result.exit_code == 1
    assert "us-regf/inconvenient-time" in result.output
    assert "summary" not in result.output
    assert "events read" not in result.output


def test_compare_rules_and_fingerprints(tmp_path: Path, example: collectlint.Report) -> None:
    earlier = tmp_path / "earlier.json"
    earlier.write_text(_json(example), encoding="utf-8")
    later_rows = [call_row("E1", "2024-03-04T06:00:00Z")]
    later = collectlint.check([write_csv(tmp_path / "log.csv", later_rows)], as_of=AS_OF)
    compared = with_comparison(later, earlier)
    assert compared.comparison is not None
    c = compared.comparison
    assert c.previous.contacts == 31
    assert c.current.contacts == 1
    assert len(c.resolved) == 10
    assert len(c.new) == 1
    hours = next(x for x in by_rule(c) if x.key == "us-regf/inconvenient-time")
    assert (hours.before, hours.now, hours.trend) == (3, 1, "up")
    page = _html(compared)
    schema = json.loads(
        (REPO / "src/collectlint/reporters/schemas/report-v2.schema.json").read_text("utf-8")
    )
    jsonschema.validate(json.loads(_json(compared)), schema)
    assert 'id="compare"' in page
    assert 'href="#compare"' in page
    assert read_period(earlier).fingerprints == c.previous.fingerprints
    assert compare_reports(earlier, earlier).new == frozenset()


def test_report_command_and_bad_files(tmp_path: Path, example: collectlint.Report) -> None:
    earlier = tmp_path / "earlier.json"
    earlier.write_text(_json(example), encoding="utf-8")
    ok = CliRunner().invoke(app, ["report", str(earlier), str(earlier), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["new"] == []
    assert data["resolved"] == []
    assert {r["trend"] for r in data["rules"]} == {"same"}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(bad), str(earlier)])
    assert result.exit_code == 2
    assert "not JSON" in result.output
    other = tmp_path / "other.json"
    other.write_text('{"version": 1}', encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(other), str(earlier)])
    assert result.exit_code == 2
    assert "not a collectlint JSON report" in result.output
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "none.json"), str(earlier)])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output


@pytest.mark.parametrize(
    "text",
    [
        '{"version":2,"summary":{"events_checked":1e400,"by_rule":{}},"violations":[],"as_of":"x"}',
        '{"version":2,"x":' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"version":2,"summary":{"events_checked":1,"by_rule":{}},"violations":[{}],"as_of":"x"}',
    ],
    ids=["overflow", "deep", "no-fingerprint"],
)
def test_a_hostile_earlier_report_is_a_usage_error(tmp_path: Path, text: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(EXAMPLE), "--compare", str(bad)])
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output


def test_an_agency_key_of_another_type_compares(
    tmp_path: Path, example: collectlint.Report
) -> None:
    data = json.loads(_json(example))
    data["tallies"]["breakdowns"]["agency"] = {
        "distinct": 1,
        "rows": [{"key": 5, "contacts": 3, "findings": 1, "by_rule": {}}],
        "others": None,
    }
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(earlier), str(earlier)])
    assert result.exit_code == 0, result.output


def test_option_combinations_that_mean_nothing_are_refused(tmp_path: Path) -> None:
    long = tmp_path / ("a" * 300)
    for args, words in (
        (["--output-dir", str(long)], "--output-dir"),
        (["--statistics", "--format", "json"], "--statistics"),
        (["--compare", str(tmp_path / "x.json"), "--format", "sarif"], "--compare"),
        (["--output-dir", str(tmp_path), "-o", str(tmp_path / "report.json")], "--output"),
    ):
        result = CliRunner().invoke(app, ["check", str(EXAMPLE), *args])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output


def test_a_baselined_breach_is_not_resolved(tmp_path: Path, example: collectlint.Report) -> None:
    earlier = tmp_path / "earlier.json"
    earlier.write_text(_json(example), encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    result = CliRunner().invoke(
        app,
        [
            "baseline",
            "create",
            str(EXAMPLE),
            "-o",
            str(baseline),
            "--as-of",
            "2024-03-12T00:00:00Z",
        ],
    )
    assert result.exit_code == 0, result.output
    later = collectlint.check([EXAMPLE], as_of=AS_OF, baseline=str(baseline))
    assert later.summary.violations == 0
    c = with_comparison(later, earlier).comparison
    assert c is not None
    assert c.resolved == frozenset()
    assert c.new == frozenset()


def test_days_keep_the_latest_and_empty_cells_stay_apart(tmp_path: Path) -> None:
    rows = [
        call_row(f"E{i}", f"{2021 + i // 365}-{1 + i % 365 // 31:02d}-{1 + i % 28:02d}T16:00:00Z")
        for i in range(1_100)
    ]
    rows[-1]["time"] = "2024-06-30T06:00:00Z"  # 02:00 in New York: the one finding
    rows[0]["agency"] = "(none)"
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)], as_of=AS_OF)
    days = report.tallies.get("day")
    assert days is not None
    assert days.others is not None
    assert days.rows[-1].key == "2024-06-30"
    assert days.rows[-1].findings == 1
    assert days.rows == tuple(sorted(days.rows, key=lambda t: t.key))
    agency = report.tallies.get("agency")
    assert agency is not None
    agencies = {t.key: t.contacts for t in agency.rows}
    assert agencies["(none)"] == 1  # the log's own value
    assert agencies[""] == report.tallies.contacts - 1  # the empty cells


@pytest.mark.parametrize("buckets", [1, 3, 17])
def test_accounts_ranked_in_buckets_equal_ranked_whole(buckets: int) -> None:
    """An account breakdown ranked a bucket of accounts at a time (a log checked in parts)
    keeps the accounts a ranking of all of them keeps, in the same order, with the same
    `others`, ties included."""
    import random

    import polars as pl

    from collectlint.tallies import breakdown_in_buckets

    rng = random.Random(buckets)
    rows: list[tuple[str, str, str | None, int]] = []
    contacts: dict[str, int] = {}
    found: dict[str, dict[str, int]] = {}
    for number in range(300):
        key = f"ACC-{number:05d}-with-a-long-id"
        contacts[key] = rng.choice([1, 2, 3, 5])
        rows.append(("account", key, None, contacts[key]))
        found[key] = {}
        for rule in rng.sample(["r1", "r2", "r3"], rng.randint(0, 3)):
            for _ in range(rng.randint(1, 2)):  # a rule's findings from two parts
                n = rng.choice([1, 1, 2])
                rows.append(("account", key, rule, n))
                found[key][rule] = found[key].get(rule, 0) + n
    total = {k: sum(v.values()) for k, v in found.items()}
    order = sorted(contacts, key=lambda k: (-total[k], -contacts[k], k))
    kept, rest = order[:20], order[20:]
    sums = pl.DataFrame(rows, schema=["dim", "key", "rule", "n"], orient="row")
    split = sums.with_columns((pl.col("key").hash() % buckets).alias("b"))
    parts = [p.drop("b") for p in split.partition_by("b", maintain_order=True)]
    got = breakdown_in_buckets("account", parts)
    assert got is not None
    assert [(t.key, t.contacts, t.findings, dict(t.by_rule)) for t in got.rows] == [
        (k, contacts[k], total[k], dict(sorted(found[k].items()))) for k in kept
    ]
    assert got.distinct == 300
    left: dict[str, int] = {}
    for key in rest:
        for rule, n in found[key].items():
            left[rule] = left.get(rule, 0) + n
    assert got.others is not None
    assert got.others.key == "280 others"
    assert got.others.contacts == sum(contacts[k] for k in rest)
    assert got.others.findings == sum(total[k] for k in rest)
    assert dict(got.others.by_rule) == dict(sorted(left.items()))

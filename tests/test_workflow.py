"""Adoption and CI workflow: configuration, rule selection, waivers, baselines, plans, tooling."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import collectlint
from collectlint.cli import app
from collectlint.errors import RuleFileError, UsageError
from collectlint.loading.settings import load_settings
from collectlint.schedule import next_contact
from collectlint.suppress import load_waivers
from helpers import EXAMPLE, REPO

runner = CliRunner()
NY = "America/New_York"


def _calls(days: list[int], account: str = "A1") -> list[dict[str, str]]:
    return [
        {
            "id": f"{account}-{i}",
            "time": f"2024-06-{d:02d}T14:{i:02d}:00Z",
            "account": account,
            "channel": "call",
            "outcome": "no_answer",
            "timezone": NY,
        }
        for i, d in enumerate(days)
    ]


# ---------------------------------------------------------------- configuration


def test_config_is_discovered_walking_up(tmp_path: Path) -> None:
    (tmp_path / "collectlint.yaml").write_text("fail_on: warning\nselect: [us-regf/call]\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    settings = load_settings(None, {}, cwd=nested)
    assert settings.get("fail_on") == "warning"
    assert settings.sources["fail_on"].endswith("collectlint.yaml:1:1")
    assert settings.sources["rules"] == "default"


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.collectlint]\nfail_on = 'info'\nmax_rejects = 3\n"
    )
    settings = load_settings(None, {}, cwd=tmp_path)
    assert settings.get("max_rejects") == 3
    assert settings.sources["max_rejects"].endswith("pyproject.toml:6:1")


def test_unknown_config_key_is_an_error_with_position(tmp_path: Path) -> None:
    (tmp_path / "collectlint.yaml").write_text("fail_on: error\nfial_on: warning\n")
    with pytest.raises(UsageError) as info:
        load_settings(None, {}, cwd=tmp_path)
    [problem] = info.value.problems
    assert "unknown key 'fial_on'" in problem.message
    assert (problem.span.line, problem.span.column) == (2, 1)  # type: ignore[union-attr]


def test_command_line_beats_the_file(tmp_path: Path) -> None:
    (tmp_path / "collectlint.yaml").write_text("fail_on: warning\n")
    settings = load_settings(None, {"fail_on": "info"}, cwd=tmp_path)
    assert settings.get("fail_on") == "info"
    assert settings.sources["fail_on"] == "command line"


def test_config_command_prints_sources(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("max_rejects: 5\n")
    result = runner.invoke(app, ["config", "--config", str(config)])
    assert result.exit_code == 0
    assert "max_rejects" in result.output
    assert "c.yaml:1:1" in result.output


# ---------------------------------------------------------------- selection and exit codes


def test_select_ignore_and_severity() -> None:
    only = collectlint.check([EXAMPLE], select=("us-regf/call-volume",))
    assert {r.rule_id for r in only.rules} == {"us-regf/call-volume"}
    skipped = collectlint.check([EXAMPLE], ignore=("us-regf/inconvenient-time",))
    assert "us-regf/inconvenient-time" not in {v.rule for v in skipped.violations}
    softened = collectlint.check(
        [EXAMPLE], select=("us-regf/call",), severity={"us-regf": "warning"}
    )
    assert {str(v.severity) for v in softened.violations} == {"warning"}
    assert softened.exit_code() == 0


def test_selector_that_matches_nothing_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="matches no rule"):
        collectlint.check([EXAMPLE], select=("us-regf/cal-volume",))


def test_exit_zero() -> None:
    assert runner.invoke(app, ["check", str(EXAMPLE), "--exit-zero"]).exit_code == 0
    assert runner.invoke(app, ["check", "missing.csv", "--exit-zero"]).exit_code == 2


# ---------------------------------------------------------------- waivers


def _waivers(tmp_path: Path, body: str) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n" + body)
    return str(path)


def test_waiver_suppresses_but_keeps_the_finding(tmp_path: Path) -> None:
    path = _waivers(
        tmp_path,
        (
            "  - rule: us-regf/call-volume\n    scope: {account: ACC-1001}\n"
            "    reason: consumer asked for daily calls\n    approver: J. Smith\n"
            "    expires: 2024-12-31\n"
        ),
    )
    report = collectlint.check([EXAMPLE], waivers=path, select=("us-regf/call-volume",))
    # E010 is the eighth counted call (E003 got a busy signal and E005 was not connected)
    assert [v.event for v in report.violations] == ["E010"]
    assert all(v.suppression and v.suppression.kind == "waiver" for v in report.violations)
    assert report.summary.violations == 0
    assert report.summary.suppressed == 1
    assert report.exit_code() == 0


def test_expired_and_unused_waivers_are_reported(tmp_path: Path) -> None:
    path = _waivers(
        tmp_path,
        (
            "  - rule: us-regf/call-volume\n    scope: {all: true}\n    reason: r\n"
            "    approver: a\n    expires: 2024-03-01\n"
            "  - rule: us-regf/inconvenient-time\n    scope: {event: NOPE}\n    reason: r\n"
            "    approver: a\n    expires: 2030-01-01\n"
        ),
    )
    report = collectlint.check([EXAMPLE], waivers=path)
    waivers = [n.code for n in report.notes if n.code.startswith("waiver")]
    assert waivers == ["waiver-expired", "waiver-unused"]
    assert report.summary.suppressed == 0
    assert report.exit_code() == 1


@pytest.mark.parametrize("expires", ["2024-02-30", "next year", "31/12/2024"])
def test_malformed_waiver_date_fails_closed(tmp_path: Path, expires: str) -> None:
    path = _waivers(
        tmp_path,
        (
            "  - rule: us-regf/call-volume\n    scope: {all: true}\n    reason: r\n"
            f"    approver: a\n    expires: '{expires}'\n"
        ),
    )
    with pytest.raises(RuleFileError) as info:
        load_waivers(path)
    assert info.value.problems[0].span.line == 6  # type: ignore[union-attr]
    result = runner.invoke(app, ["check", str(EXAMPLE), "--waivers", path])
    assert result.exit_code == 2


# ---------------------------------------------------------------- baselines


def test_baseline_reports_only_new_findings(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    old = make_log(_calls([3, 3, 4, 4, 5, 6, 7, 8]))
    baseline = tmp_path / "baseline.json"
    created = runner.invoke(app, ["baseline", "create", str(old), "-o", str(baseline)])
    assert created.exit_code == 0
    assert json.loads(baseline.read_text())["findings"]
    assert runner.invoke(app, ["check", str(old), "--baseline", str(baseline)]).exit_code == 0
    grown = make_log(
        [
            *_calls([3, 3, 4, 4, 5, 6, 7, 8]),
            *_calls([8], account="A1")[:0],
            {**_calls([8])[0], "id": "A1-new", "time": "2024-06-08T15:30:00Z"},
        ]
    )
    report = collectlint.check([grown], baseline=str(baseline))
    active = [v.event for v in report.violations if v.suppression is None]
    assert active == ["A1-new"]


def test_fingerprints_ignore_row_order(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    rows = _calls([3, 3, 4, 4, 5, 6, 7, 8])
    first = collectlint.check([make_log(rows)])
    second = collectlint.check([make_log(list(reversed(rows)))])
    assert [v.fingerprint for v in first.violations] == [v.fingerprint for v in second.violations]


# ---------------------------------------------------------------- plans and next


def test_plan_reports_only_planned_events_with_next_allowed(
    make_log: Callable[..., Path],
) -> None:
    history = make_log(_calls([3, 4, 5, 6, 7, 8, 9]))
    plan = make_log(
        [
            {
                "id": "p1",
                "time": "2024-06-09T18:00:00Z",
                "account": "A1",
                "channel": "call",
                "timezone": NY,
            }
        ]
    )
    report = collectlint.check([plan], history=(str(history),))
    [finding] = report.violations
    assert (finding.rule, finding.event) == ("us-regf/call-volume", "p1")
    assert finding.next_allowed_at == datetime(2024, 6, 10, 12, tzinfo=UTC)
    assert finding.next_allowed_local == "2024-06-10T08:00:00-04:00"


def test_next_allowed_respects_every_candidate_zone(make_log: Callable[..., Path]) -> None:
    history = make_log(
        [
            {
                "id": "h",
                "time": "2024-06-01T16:00:00Z",
                "account": "A1",
                "channel": "letter",
                "timezone": f"{NY}|America/Los_Angeles",
            }
        ]
    )
    answer = next_contact(
        [str(history)], {"account": "A1", "channel": "call"}, datetime(2024, 6, 10, 11, tzinfo=UTC)
    )
    assert answer.at == datetime(2024, 6, 10, 15, tzinfo=UTC)  # 08:00 in Los Angeles
    assert [v.rule for v in answer.binding] == ["us-regf/inconvenient-time"]
    padded = next_contact(  # the account is read as a log's cell is: spaces around it dropped
        [str(history)],
        {"account": " A1 ", "channel": "call"},
        datetime(2024, 6, 10, 11, tzinfo=UTC),
    )
    assert padded.at == answer.at


def test_next_command_json(make_log: Callable[..., Path]) -> None:
    history = make_log(_calls([3, 4, 5, 6, 7, 8, 9]))
    result = runner.invoke(
        app,
        [
            "next",
            "--history",
            str(history),
            "--account",
            "A1",
            "--at",
            "2024-06-09T18:00:00Z",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["next_allowed_at"] == "2024-06-10T12:00:00+00:00"
    assert data["binding_rules"] == ["us-regf/call-volume"]


def test_next_after_a_conversation_and_at_night(make_log: Callable[..., Path]) -> None:
    history = make_log(
        [
            {
                "id": "c",
                "time": "2024-03-04T15:00:00Z",
                "account": "A1",
                "channel": "call",
                "outcome": "conversation",
                "timezone": NY,
            }
        ]
    )
    answer = next_contact(
        [str(history)], {"account": "A1", "channel": "call"}, datetime(2024, 3, 5, 2, tzinfo=UTC)
    )
    # conversation on Mar 4 is day 1; Mar 11 (after the DST change) at 08:00 EDT
    assert answer.at == datetime(2024, 3, 11, 12, tzinfo=UTC)


# ---------------------------------------------------------------- rule tooling


def test_rules_list_and_show() -> None:
    listed = runner.invoke(app, ["rules", "list", "-r", "cn-consumer-credit", "-f", "json"])
    assert listed.exit_code == 0
    assert {r["id"] for r in json.loads(listed.output)} >= {"cn-consumer-credit/quiet-hours"}
    shown = runner.invoke(app, ["rules", "show", "us-regf/call-volume"])
    assert shown.exit_code == 0
    assert "1006.14(b)(2)(i)(A)" in shown.output
    assert runner.invoke(app, ["rules", "show", "us-regf/nope"]).exit_code == 2


def test_init_then_test_passes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    result = runner.invoke(app, ["test", str(tmp_path / "packs")])
    assert result.exit_code == 0, result.output
    assert "house/no-sunday-texts  3/3" in result.output
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 2


def test_test_command_fails_for_a_rule_without_cases(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    (tmp_path / "packs" / "house" / "cases" / "no-sunday-texts.yaml").unlink()
    result = runner.invoke(app, ["test", str(tmp_path / "packs" / "house")])
    assert result.exit_code == 1
    assert "house/no-sunday-texts  no cases" in result.output


def test_collectlint_test_walks_every_built_in_pack_and_passes_them() -> None:
    # every case of every built-in pack runs in tests/test_pack_cases.py, through the harness
    # this command calls (`testing.run_pack`, one `run_cases` per case file); running all of
    # them again here took three minutes.  Here: the folder walk of `collectlint test rules/`
    # finds exactly those packs, and the command passes two of them end to end.
    from collectlint.cli.tools import _pack_dirs
    from collectlint.loading.packs import builtin_dir

    walked = {p.name for p in _pack_dirs([REPO / "rules"])}
    assert walked == {p.parent.name for p in builtin_dir().glob("*/pack.yaml")}
    assert {"us-regf", "cn-consumer-credit", "uk-conc"} <= walked
    packs = [str(REPO / "rules" / name) for name in ("us-ar", "us-bankruptcy")]
    result = runner.invoke(app, ["test", *packs])
    assert result.exit_code == 0, result.output
    assert "all cases passed" in result.output


def test_next_allowed_uses_the_pack_default_zone(make_log: Callable[..., Path]) -> None:
    history = make_log(
        [
            {
                "id": "h",
                "time": "2024-06-01T04:00:00Z",
                "account": "C1",
                "channel": "letter",
                "jurisdiction": "CN",
            }
        ]
    )
    plan = make_log(
        [
            {
                "id": "p",
                "time": "2024-06-03T15:00:00Z",
                "account": "C1",
                "channel": "sms",
                "jurisdiction": "CN",
            }
        ]
    )  # 23:00 in Shanghai
    report = collectlint.check([plan], history=(str(history),), rules=("cn-consumer-credit",))
    [finding] = report.violations
    assert finding.rule == "cn-consumer-credit/quiet-hours"
    assert finding.next_allowed_local == "2024-06-04T08:00:00+08:00"


def test_next_takes_the_zone_of_the_latest_event_by_instant(
    make_log: Callable[..., Path],
) -> None:
    history = make_log(
        [
            # later in time, though earlier as text: 04:00Z on the 4th
            {
                "id": "late",
                "time": "2024-06-03T23:00:00-05:00",
                "account": "A1",
                "channel": "letter",
                "timezone": "America/Chicago",
            },
            {
                "id": "early",
                "time": "2024-06-04T01:00:00Z",
                "account": "A1",
                "channel": "letter",
                "timezone": NY,
            },
        ]
    )
    answer = next_contact(
        [str(history)],
        {"account": "A1", "channel": "call"},
        datetime(2024, 6, 4, 12, 30, tzinfo=UTC),
    )
    assert answer.at == datetime(2024, 6, 4, 13, tzinfo=UTC)  # 08:00 in Chicago

"""The account-state kinds (`state`, `forbidden`), optional and declared log columns, and rules
in force only between dates: each judged at the event's own time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import collectlint
from collectlint.errors import RuleFileError
from helpers import call_row, rule_dict, write_csv


def _pack(folder: Path, rules: list[dict[str, Any]], **meta: Any) -> str:
    head = {"name": "house", "title": "t", "version": "1", "jurisdiction": ["US"], **meta}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(yaml.safe_dump({"pack": head, "rules": rules}), "utf-8")
    return str(folder)


ATTORNEY = rule_dict(
    "attorney",
    "state",
    {
        "key": ["account"],
        "opened_by": {"kind": "attorney"},
        "closed_by": [{"kind": "attorney_withdrawn"}],
    },
)


def _flagged(tmp_path: Path, rules: list[dict[str, Any]], rows: list[dict[str, str]]) -> set[str]:
    report = collectlint.check(
        [write_csv(tmp_path / "log.csv", rows)], rules=[_pack(tmp_path / "pack", rules)]
    )
    assert not report.rejected, report.rejected
    return {v.event for v in report.violations}


def test_state_holds_strictly_after_the_opener_until_the_closer(tmp_path: Path) -> None:
    rows = [
        call_row("before", "2024-06-03T13:59:59Z"),
        call_row("att", "2024-06-03T14:00:00Z", kind="attorney"),
        call_row("same", "2024-06-03T14:00:00Z"),
        call_row("after", "2024-06-03T14:00:01Z"),
        call_row("other", "2024-06-03T15:00:00Z", account="A2"),
        call_row("end", "2024-06-05T14:00:00Z", kind="attorney_withdrawn"),
        call_row("at-end", "2024-06-05T14:00:00Z"),
        call_row("later", "2024-06-06T14:00:00Z"),
        call_row("again", "2024-06-07T14:00:00Z", kind="attorney"),
        call_row("reopened", "2024-06-08T14:00:00Z"),
    ]
    assert _flagged(tmp_path, [ATTORNEY], rows) == {"after", "reopened"}


def test_state_finding_names_its_opener_and_next_allowed_is_the_close(tmp_path: Path) -> None:
    history = [
        call_row("att", "2024-06-03T14:00:00Z", kind="attorney"),
        call_row("end", "2024-06-05T14:00:00Z", kind="attorney_withdrawn"),
        call_row("att2", "2024-06-05T16:00:00Z", kind="attorney"),
        call_row("end2", "2024-06-06T14:00:00Z", kind="attorney_withdrawn"),
        call_row("att3", "2024-06-03T14:00:00Z", kind="attorney", account="A2"),
    ]
    plan = [
        call_row("P1", "2024-06-04T14:00:00Z"),
        call_row("P2", "2024-06-04T14:00:00Z", account="A2"),
    ]
    report = collectlint.check(
        [write_csv(tmp_path / "plan.csv", plan)],
        history=[write_csv(tmp_path / "history.csv", history)],
        rules=[_pack(tmp_path / "pack", [ATTORNEY])],
    )
    found = {v.event: v for v in report.violations}
    assert found["P1"].evidence == ("att",)
    # at the first close a second opener follows within hours, but 14:00 is before it: allowed
    assert found["P1"].next_allowed_at == datetime(2024, 6, 5, 14, tzinfo=UTC)
    assert found["P2"].next_allowed_at is None
    assert "not while the state holds" in (found["P2"].next_allowed_reason or "")


def test_state_next_allowed_skips_a_state_reopened_at_once(tmp_path: Path) -> None:
    history = [
        call_row("att", "2024-06-03T14:00:00Z", kind="attorney"),
        call_row("att-b", "2024-06-04T20:00:00Z", kind="attorney"),
        call_row("end", "2024-06-05T14:00:00Z", kind="attorney_withdrawn"),
    ]
    plan = [call_row("P1", "2024-06-04T14:00:00Z")]
    report = collectlint.check(
        [write_csv(tmp_path / "plan.csv", plan)],
        history=[write_csv(tmp_path / "history.csv", history)],
        rules=[_pack(tmp_path / "pack", [ATTORNEY])],
    )
    (finding,) = [v for v in report.violations if v.event == "P1"]
    assert finding.next_allowed_at == datetime(2024, 6, 5, 14, tzinfo=UTC)


def test_opt_out_narrowed_to_the_number_it_names(tmp_path: Path) -> None:
    rule = rule_dict(
        "opt-out",
        "state",
        {
            "key": ["person", "channel"],
            "narrow": ["to"],
            "opened_by": [
                {"kind": "opt_out"},
                {"kind": "contact", "direction": "inbound", "body_is": ["stop", "end"]},
            ],
        },
    )
    rule["where"] = {"kind": "contact", "direction": "outbound"}
    sms = {"channel": "sms", "to_": "+15550001"}
    rows = [
        call_row("stop", "2024-06-03T14:00:00Z", direction="inbound", body=" STOP. ", **sms),
        call_row("same-number", "2024-06-03T15:00:00Z", **sms),
        call_row("other-number", "2024-06-03T15:00:00Z", channel="sms", to_="+15550002"),
        call_row("call", "2024-06-03T15:00:00Z", to_="+15550001"),
        call_row(
            "stopped",
            "2024-06-03T14:00:00Z",
            direction="inbound",
            body="stopped",
            account="A2",
            **sms,
        ),
        call_row("a2", "2024-06-03T15:00:00Z", account="A2", **sms),
    ]
    assert _flagged(tmp_path, [rule], rows) == {"same-number"}


def test_forbidden_flags_every_match_and_plans_are_never_allowed(tmp_path: Path) -> None:
    rule = rule_dict("public", "forbidden", {"except": {"party": "attorney"}})
    rule["where"] = {"kind": "contact", "channel": "social", "visibility": ["public", "contacts"]}
    rows = [
        {**call_row("pub", "2024-06-03T14:00:00Z", channel="social"), "visibility": "public"},
        {**call_row("dm", "2024-06-03T14:00:00Z", channel="social"), "visibility": "private"},
        {**call_row("none", "2024-06-03T14:00:00Z", channel="social"), "visibility": ""},
    ]
    assert _flagged(tmp_path, [rule], rows) == {"pub"}
    report = collectlint.check(
        [write_csv(tmp_path / "plan.csv", rows[:1])],
        history=[write_csv(tmp_path / "h.csv", rows[1:])],
        rules=[str(tmp_path / "pack")],
    )
    (finding,) = report.violations
    assert finding.next_allowed_at is None
    assert "never" in (finding.next_allowed_reason or "")


def test_a_log_without_an_optional_column_matches_no_value_of_it(tmp_path: Path) -> None:
    rule = rule_dict("public", "forbidden", {})
    rule["where"] = {"visibility": "public"}
    absent = rule_dict("unset", "forbidden", {})
    absent["where"] = {"visibility": {"present": False}, "channel": "social"}
    rows = [call_row("pub", "2024-06-03T14:00:00Z", channel="social")]
    assert _flagged(tmp_path, [rule, absent], rows) == {"pub"}
    report = collectlint.check(
        [write_csv(tmp_path / "log.csv", rows)], rules=[str(tmp_path / "pack")]
    )
    assert {v.rule for v in report.violations} == {"house/unset"}


def test_an_unknown_visibility_rejects_the_row(tmp_path: Path) -> None:
    rows = [{**call_row("x", "2024-06-03T14:00:00Z", channel="social"), "visibility": "world"}]
    rule = rule_dict("public", "forbidden", {})
    report = collectlint.check(
        [write_csv(tmp_path / "log.csv", rows)],
        rules=[_pack(tmp_path / "pack", [rule])],
        max_rejects=5,
    )
    assert [r.code for r in report.rejected] == ["unknown-visibility"]


def test_declared_fields_can_be_tested_and_undeclared_ones_are_errors(tmp_path: Path) -> None:
    rule = rule_dict("desk", "forbidden", {})
    rule["where"] = {"desk": "legacy"}
    rows = [
        {**call_row("a", "2024-06-03T14:00:00Z"), "desk": "legacy"},
        {**call_row("b", "2024-06-03T14:00:00Z"), "desk": " new "},
    ]
    with pytest.raises(RuleFileError) as caught:
        collectlint.check(
            [write_csv(tmp_path / "log.csv", rows)], rules=[_pack(tmp_path / "bad", [rule])]
        )
    assert any("fields:" in p.message for p in caught.value.problems)
    report = collectlint.check(
        [write_csv(tmp_path / "log.csv", rows)],
        rules=[_pack(tmp_path / "good", [rule], fields=["desk"])],
    )
    assert {v.event for v in report.violations} == {"a"}


def test_rules_judge_only_events_on_days_they_are_in_force(tmp_path: Path) -> None:
    rule = rule_dict("dated", "forbidden", {})
    rule["effective_from"] = "2024-06-04"
    rows = [
        call_row("before", "2024-06-04T03:59:59Z"),  # 23:59:59 on 06-03 in New York
        call_row("first-day", "2024-06-04T04:00:00Z"),
        call_row("later", "2024-07-01T14:00:00Z"),
    ]
    assert _flagged(tmp_path, [rule], rows) == {"first-day", "later"}
    until = rule_dict("until", "forbidden", {})
    report = collectlint.check(
        [write_csv(tmp_path / "log.csv", rows)],
        rules=[_pack(tmp_path / "ended", [until], effective_to="2024-06-30")],
    )
    assert {v.event for v in report.violations} == {"before", "first-day"}
    assert report.rules[0].effective_to is not None
    assert report.packs[0].effective_to is not None


def test_impossible_effective_dates_are_rule_file_errors(tmp_path: Path) -> None:
    rule = rule_dict("dated", "forbidden", {})
    rule["effective_from"] = "2024-02-30"
    with pytest.raises(RuleFileError) as caught:
        collectlint.check([write_csv(tmp_path / "l.csv", [])], rules=[_pack(tmp_path, [rule])])
    assert "not a real date" in str(caught.value.problems)


def test_a_requirement_on_a_column_the_log_lacks_is_not_judged(tmp_path: Path) -> None:
    """With no `purpose` column at all a validation notice cannot be shown: not judged, never
    a finding for every account; with the column, a missing notice is a finding."""
    rule = rule_dict(
        "notice",
        "prerequisite",
        {
            "key": ["account"],
            "requires": {"purpose": "validation_notice"},
            "when": "after",
            "calendar_days": 5,
            "first": True,
        },
    )
    rows = [
        call_row("i", "2024-06-03T14:00:00Z"),
        call_row("x", "2024-07-03T14:00:00Z", account="A2"),
    ]
    report = collectlint.check(
        [write_csv(tmp_path / "log.csv", rows)], rules=[_pack(tmp_path / "pack", [rule])]
    )
    assert not report.violations
    assert dict(report.summary.not_judged) == {"house/notice": 2}
    with_column = [{**r, "purpose": ""} for r in rows]
    assert _flagged(tmp_path, [rule], with_column) == {"i"}

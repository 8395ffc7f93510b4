"""The account-state walkthrough (docs/walkthrough-states.md) on its example log and plan.

Each story of `examples/states/contacts.csv` is one account; these tests pin the exact
(rule, event) findings of every story, the opening event each finding names, and the
next-allowed answers of `examples/states/planned.csv` and of `next_contact`, and check that
the walkthrough's findings table lists exactly these findings, so the document cannot drift
from what the engine reports.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

import pytest

import collectlint
from collectlint import CheckOptions, Severity
from helpers import REPO

CONTACTS = REPO / "examples" / "states" / "contacts.csv"
PLANNED = REPO / "examples" / "states" / "planned.csv"
WALKTHROUGH = REPO / "docs" / "walkthrough-states.md"
PACKS = ("us-regf", "us-bankruptcy")

STORIES: dict[str, set[tuple[str, str]]] = {
    # cease by letter (C03): the later call is flagged, the termination notice (C05) is not
    "ACC-2001": {("us-regf/cease-communication", "C04")},
    # attorney (A03): the call to the debtor is flagged; the attorney call (A05) and the call
    # after the withdrawal (A06) are not
    "ACC-2002": {("us-regf/attorney-represented", "A04")},
    # STOP from one number (O03): a text to it is flagged; the confirmation (O04), a text to the
    # other number (O06) and a call (O07) are not
    "ACC-2003": {("us-regf/medium-opt-out", "O05")},
    # dispute (D03): the collection email is flagged; the verification letter (D05) closes the
    # dispute and the call after it (D06) is not flagged
    "ACC-2004": {("us-regf/collection-during-dispute", "D04")},
    # employer prohibits (W03): the work-number call is flagged, the cell-phone call (W04) not
    "ACC-2005": {("us-regf/workplace-after-employer-prohibits", "W05")},
    # death (X03): calls to the debtor's number and to a third party are warned; the spouse
    # (X05) and the executor (X06) are excepted by the pack
    "ACC-2006": {("us-regf/deceased-consumer", "X04"), ("us-regf/deceased-consumer", "X07")},
    # bankruptcy (B03): the call during the stay is flagged, the one after dismissal (B06) not
    "ACC-2007": {("us-bankruptcy/automatic-stay", "B04")},
}

OPENERS = {"C04": "C03", "A04": "A03", "O05": "O03", "D04": "D03", "W05": "W03"}
OPENERS |= {"X04": "X03", "X07": "X03", "B04": "B03"}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture(scope="module")
def report() -> collectlint.Report:
    return collectlint.check([CONTACTS], rules=PACKS)


def test_every_row_is_checked(report: collectlint.Report) -> None:
    assert not report.rejected
    assert report.summary.events_read == report.summary.events_checked == 43
    assert report.exit_code() == 1


def test_each_story_has_exactly_its_findings(report: collectlint.Report) -> None:
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for v in report.violations:
        found[v.account].add((v.rule, v.event))
    assert dict(found) == STORIES


def test_each_finding_names_its_opening_event(report: collectlint.Report) -> None:
    assert {v.event: v.evidence for v in report.violations} == {
        event: (opener,) for event, opener in OPENERS.items()
    }


def test_only_the_deceased_consumer_findings_are_warnings(report: collectlint.Report) -> None:
    warned = {v.event for v in report.violations if v.severity is Severity.WARNING}
    assert warned == {"X04", "X07"}
    assert {v.severity for v in report.violations if v.event not in warned} == {Severity.ERROR}


def test_no_validation_notice_is_pending_or_missing(report: collectlint.Report) -> None:
    assert not any(v.rule == "us-regf/validation-within-five-days" for v in report.violations)
    assert not report.notes


def test_the_plan_gets_the_next_allowed_answers() -> None:
    plan = collectlint.check([PLANNED], history=[CONTACTS], rules=PACKS)
    assert not plan.rejected
    answers = {v.event: (v.rule, v.next_allowed_at, v.next_allowed_reason) for v in plan.violations}
    never = "not while the state holds: opened by event {} and not closed in the history"
    assert answers == {
        "P01": ("us-regf/attorney-represented", _utc("2024-05-20T11:00:00-04:00"), None),
        "P02": ("us-regf/collection-during-dispute", _utc("2024-05-15T10:00:00-04:00"), None),
        "P03": ("us-regf/cease-communication", None, never.format("C03")),
        "P04": ("us-regf/medium-opt-out", None, never.format("O03")),
        "P06": ("us-regf/workplace-after-employer-prohibits", None, never.format("W03")),
        "P07": ("us-bankruptcy/automatic-stay", _utc("2024-05-28T09:00:00-05:00"), None),
    }  # P05 (the dispute account after verification) is not a finding
    local = {v.event: v.next_allowed_local for v in plan.violations if v.next_allowed_at}
    assert local == {
        "P01": "2024-05-20T11:00:00-04:00",
        "P02": "2024-05-15T10:00:00-04:00",
        "P07": "2024-05-28T09:00:00-05:00",
    }
    [note] = plan.notes
    assert "3 planned event(s) are earlier than the latest history event" in note.message


@pytest.mark.parametrize(
    ("event", "at", "allowed", "rules"),
    [
        # represented until the withdrawal A06: the answer is its instant
        ({"account": "ACC-2002"}, "2024-05-13T10:00:00-04:00", "2024-05-20T11:00:00-04:00",
         ["us-regf/attorney-represented"]),
        # the verification letter D05 closes the dispute
        ({"account": "ACC-2004"}, "2024-05-12T10:00:00-04:00", "2024-05-15T10:00:00-04:00",
         ["us-regf/collection-during-dispute"]),
        # the stay ends with the dismissal B05
        ({"account": "ACC-2007"}, "2024-05-20T10:00:00-05:00", "2024-05-28T09:00:00-05:00",
         ["us-bankruptcy/automatic-stay"]),
        # unaffected: after verification, a text to the number that did not opt out, the
        # spouse and the executor of a deceased consumer
        ({"account": "ACC-2004"}, "2024-06-03T10:00:00-04:00", "2024-06-03T10:00:00-04:00", []),
        ({"account": "ACC-2003", "channel": "sms", "to": "+13125550304"},
         "2024-06-03T10:00:00-05:00", "2024-06-03T10:00:00-05:00", []),
        ({"account": "ACC-2006", "party": "spouse", "to": "+17185550661"},
         "2024-06-03T10:00:00-04:00", "2024-06-03T10:00:00-04:00", []),
        ({"account": "ACC-2006", "party": "executor", "to": "+17185550662"},
         "2024-06-03T10:00:00-04:00", "2024-06-03T10:00:00-04:00", []),
    ],
)  # fmt: skip
def test_next_contact_names_the_closing_instant(
    event: dict[str, str], at: str, allowed: str, rules: list[str]
) -> None:
    answer = collectlint.next_contact(
        [str(CONTACTS)],
        {"channel": "call", **event},
        datetime.fromisoformat(at),
        options=CheckOptions(rules=PACKS),
    )
    assert answer.at == _utc(allowed)
    assert answer.local_time == allowed
    assert [v.rule for v in answer.binding] == rules


@pytest.mark.parametrize(
    ("event", "rule", "opener"),
    [
        ({"account": "ACC-2001"}, "us-regf/cease-communication", "C03"),
        ({"account": "ACC-2003", "channel": "sms", "to": "+13125550303"},
         "us-regf/medium-opt-out", "O03"),
        # a text naming no number may be to the opted-out one
        ({"account": "ACC-2003", "channel": "sms"}, "us-regf/medium-opt-out", "O03"),
        ({"account": "ACC-2005", "to": "+12125550550", "number_type": "work"},
         "us-regf/workplace-after-employer-prohibits", "W03"),
        ({"account": "ACC-2006"}, "us-regf/deceased-consumer", "X03"),
    ],
)  # fmt: skip
def test_next_contact_under_an_unclosed_state_has_no_answer(
    event: dict[str, str], rule: str, opener: str
) -> None:
    answer = collectlint.next_contact(
        [str(CONTACTS)],
        {"channel": "call", **event},
        datetime.fromisoformat("2024-06-03T12:00:00-04:00"),
        options=CheckOptions(rules=PACKS),
    )
    assert answer.at is None
    assert answer.reason == (
        f"not while the state holds: opened by event {opener} and not closed in the history"
    )
    assert [v.rule for v in answer.binding] == [rule]


def test_next_contact_without_a_number_type_does_not_see_the_workplace_rule() -> None:
    """The walkthrough's caveat: `collectlint next` has no --number-type option, and the
    workplace rule judges only contacts whose number_type is work."""
    answer = collectlint.next_contact(
        [str(CONTACTS)],
        {"account": "ACC-2005", "channel": "call", "to": "+12125550550"},
        datetime.fromisoformat("2024-06-03T12:00:00-04:00"),
        options=CheckOptions(rules=PACKS),
    )
    assert answer.at == _utc("2024-06-03T12:00:00-04:00")
    assert answer.binding == ()


def test_the_walkthrough_table_lists_exactly_the_findings(report: collectlint.Report) -> None:
    text = WALKTHROUGH.read_text("utf-8")
    table = text.split("<!-- findings-table -->")[1]
    rows = re.findall(r"^\| `([A-Z]\d\d)` \| `([a-z-]+/[a-z-]+)` \|", table, re.MULTILINE)
    assert {(rule, event) for event, rule in rows} == {(v.rule, v.event) for v in report.violations}
    assert len(rows) == len(report.violations)


def test_next_on_the_command_line_takes_the_number_type() -> None:
    """`collectlint next --set number_type=work` asks the question the workplace rule judges,
    and an unknown field is a usage error (exit 2)."""
    from typer.testing import CliRunner

    from collectlint.cli import app

    base = ["next", "--history", str(CONTACTS), "--account", "ACC-2005"]
    base += ["--at", "2024-06-03T12:00:00-04:00", "--to", "+12125550550"]
    base += [arg for pack in PACKS for arg in ("--rules", pack)]
    runner = CliRunner()
    barred = runner.invoke(app, [*base, "--set", "number_type=work"])
    assert barred.exit_code == 0, barred.output
    assert "not while the state holds: opened by event W03" in barred.output
    wrong = runner.invoke(app, [*base, "--set", "numbertype=work"])
    assert wrong.exit_code == 2

"""A mixed log with consumers in Massachusetts, New York City, New York State, DC,
Washington, California, Ohio, mainland China and Great Britain, checked with every built-in
pack: each event gets the findings of exactly the packs that bind it
(docs/packs-and-precedence.md)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import collectlint

LOG = Path(__file__).parent.parent / "examples" / "jurisdictions" / "contacts.csv"

EXPECTED = {
    # Massachusetts counts texts: the third in seven days per debt (940 CMR 7.04(1)(f))
    "ma-t3": {"us-ma/telephone-residence-cell"},
    # 21:30 EDT: Regulation F (inherited) and 209 CMR 18.16(1)(a)
    "ma-late": {"us-ma/inconvenient-time", "us-ma/consumer-hours"},
    # New York City: the third communication in seven days (6 RCNY 5-77, until 2026-12-31)
    "nyc-c2": {"us-nyc/call-after-conversation"},
    "nyc-c3": {"us-nyc/call-after-conversation", "us-nyc/communications-to-2026"},
    # New York State outside the city: federal rules only
    "ny-c2": {"us-regf/call-after-conversation"},
    "ny-c3": {"us-regf/call-after-conversation"},
    # DC: the fifth call per account in seven days (D.C. Code 28-3814)
    "dc-c5": {"us-dc/calls-2023"},
    # Washington: the second workplace call in a week (RCW 19.16.250)
    "wa-w2": {"us-wa/workplace-frequency", "us-wa/call-after-conversation"},
    # 07:45 PDT: Washington allows residence calls from 07:30, the federal 8:00 still applies
    "wa-early": {"us-wa/inconvenient-time"},
    "ca-late": {"us-ca/inconvenient-time"},
    "oh-late": {"us-regf/inconvenient-time"},
    # 22:30 Beijing time
    "cn-late": {"cn-consumer-credit/quiet-hours"},
    # 21:30 BST: a warning (8am-9pm is practice, not an FCA rule)
    "gb-late": {"uk-conc/unreasonable-hours"},
}


def test_each_event_gets_the_findings_of_the_packs_that_bind_it() -> None:
    report = collectlint.check([LOG], rules=["*"])
    assert not report.rejected
    assert report.summary.events_out_of_scope == 0
    found: dict[str, set[str]] = defaultdict(set)
    for v in report.violations:
        found[v.event].add(v.rule)
    assert dict(found) == EXPECTED
    assert {v.rule for v in report.violations if v.event == "gb-late"} == {
        "uk-conc/unreasonable-hours"
    }
    severities = {v.rule: str(v.severity) for v in report.violations}
    assert severities["uk-conc/unreasonable-hours"] == "warning"


def test_without_the_overlays_only_federal_rules_judge_us_events() -> None:
    report = collectlint.check([LOG], rules=["us-regf"])
    packs = {v.rule.split("/", 1)[0] for v in report.violations}
    assert packs == {"us-regf"}
    events = {v.event for v in report.violations}
    assert "ma-t3" not in events  # a text is not a call under 1006.14(b)
    assert "dc-c5" not in events  # five calls are within the federal seven
    assert report.summary.events_out_of_scope == 4  # the CN and GB events


def test_next_contact_through_the_overlays() -> None:
    from datetime import UTC, datetime

    from collectlint import CheckOptions

    # a fourth text to a Massachusetts debtor's cell waits until the first one leaves the seven
    # days (06-01 is day 1: 06-08 would still hold three, so 06-09 at 08:00 EDT)
    answer = collectlint.next_contact(
        [str(LOG)],
        {"account": "MA-1", "channel": "sms", "number_type": "cell"},
        datetime(2026, 6, 4, 16, tzinfo=UTC),
        options=CheckOptions(rules=("us-*",)),
    )
    assert answer.at == datetime(2026, 6, 9, 12, tzinfo=UTC)
    assert [v.rule for v in answer.binding] == ["us-ma/telephone-residence-cell"]
    # a call to a household member before 8:00 Eastern time (940 CMR 7.05(3)(e)): the fixed zone
    early = collectlint.next_contact(
        [str(LOG)],
        {"account": "MA-2", "channel": "call", "party": "spouse", "to": "+16175550100"},
        datetime(2026, 6, 4, 11, tzinfo=UTC),
        options=CheckOptions(rules=("us-ma",)),
    )
    assert early.at == datetime(2026, 6, 4, 12, tzinfo=UTC)
    assert "us-ma/household-member-hours" in [v.rule for v in early.binding]

"""Property test: the engine's `state` rules of us-regf agree with `tests/reference_states.py`.

Hypothesis writes small logs on two accounts, two people and two numbers, with openers,
closers, keyword replies (some with spaces, punctuation or another case), contacts on several
channels and purposes, exact ties and one-second steps, and compares the findings and their
evidence (the covering opening event).  Derandomized, as the other equivalence test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

import collectlint
from helpers import TWIN_SETTINGS, write_csv
from reference_states import CN_RULES, RULES, findings

PROFILE = TWIN_SETTINGS
START = datetime(2024, 6, 3, 14, tzinfo=UTC)
KINDS = ("contact",) * 6 + (
    "cease",
    "attorney",
    "attorney_withdrawn",
    "attorney_consent",
    "opt_out",
    "opt_in",
    "dispute",
    "dispute_resolved",
)
BODIES = ("", "STOP", " stop. ", "Stop!", "STOPPED", "end", "please stop by", "Unsubscribe")


@st.composite
def rows(draw: st.DrawFn) -> list[dict[str, str]]:
    out = []
    for n in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(KINDS))
        # ten-day steps reach past a 1006.34(b)(5) validation period (five business days and 30)
        step = draw(st.sampled_from((0, 0, 1, 60, 3600, 86400, 864000)))
        offset = draw(st.integers(0, 6)) * step
        party = draw(st.sampled_from(("debtor", "debtor", "spouse", "attorney", "third_party")))
        out.append(
            {
                "id": f"e{n}",
                "time": (START + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "account": draw(st.sampled_from(("A1", "A2"))),
                "debtor": "D1",
                "party": party,
                "to": draw(st.sampled_from(("+15550001", "+15550002")))
                if party != "debtor" or draw(st.booleans())
                else "",
                "channel": draw(st.sampled_from(("call", "sms", "letter", "email"))),
                "direction": draw(st.sampled_from(("outbound", "outbound", "inbound"))),
                "outcome": "",
                "timezone": "America/New_York",
                "jurisdiction": "US",
                "body": draw(st.sampled_from(BODIES)),
                "kind": kind,
                "purpose": draw(
                    st.sampled_from(
                        (
                            "",
                            "",
                            "verification",
                            "termination_notice",
                            "opt_out_confirmation",
                            "validation_notice",
                        )
                    )
                ),
            }
        )
    return out


@PROFILE
@given(rows())
def test_state_rules_equal_the_reference(
    tmp_path_factory: object, log: list[dict[str, str]]
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("states")))  # type: ignore[attr-defined]
    report = collectlint.check(
        [write_csv(folder / "log.csv", log)],
        rules=["us-regf"],
        select=tuple(spec.rule for spec in RULES),
    )
    assert not report.rejected, report.rejected
    engine = {(v.rule, v.event): tuple(v.evidence) for v in report.violations}
    assert engine == findings(log)


CN_KINDS = ("contact",) * 6 + ("unreachable", "deceased", "incapacitated")


@st.composite
def cn_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    out = []
    for n in range(draw(st.integers(1, 12))):
        step = draw(st.sampled_from((0, 0, 1, 3600, 86400)))
        party = draw(st.sampled_from(("debtor", "emergency_contact", "guarantor", "spouse")))
        out.append(
            {
                "id": f"e{n}",
                "time": (START + timedelta(seconds=draw(st.integers(0, 5)) * step)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "account": draw(st.sampled_from(("A1", "A2"))),
                "debtor": draw(st.sampled_from(("D1", "D1", "D2"))),
                "party": party,
                "to": "" if party == "debtor" else "+8613900000002",
                "channel": draw(st.sampled_from(("call", "call", "sms"))),
                "direction": draw(st.sampled_from(("outbound", "outbound", "inbound"))),
                "outcome": draw(st.sampled_from(("conversation", "no_answer"))),
                "timezone": "Asia/Shanghai",
                "jurisdiction": "CN",
                "body": "",
                "kind": draw(st.sampled_from(CN_KINDS)),
            }
        )
    return out


@PROFILE
@given(cn_rows())
def test_a_state_that_holds_initially_equals_the_reference(
    tmp_path_factory: object, log: list[dict[str, str]]
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("cn-states")))  # type: ignore[attr-defined]
    report = collectlint.check(
        [write_csv(folder / "log.csv", log)],
        rules=["cn-consumer-credit"],
        select=tuple(spec.rule for spec in CN_RULES),
    )
    assert not report.rejected, report.rejected
    engine = {(v.rule, v.event): tuple(v.evidence) for v in report.violations}
    assert engine == findings(log, CN_RULES)


@st.composite
def dispute_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Validation notices, disputes and letters over two months (Juneteenth and Independence
    Day inside): whether a dispute came within the validation period decides the verdicts."""
    out = []
    for n in range(draw(st.integers(2, 10))):
        what = draw(st.sampled_from(("notice", "dispute", "letter", "letter")))
        when = START + timedelta(days=draw(st.integers(0, 60)), hours=draw(st.integers(-14, 9)))
        out.append(
            {
                "id": f"e{n}",
                "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "account": draw(st.sampled_from(("A1", "A1", "A2"))),
                "party": "debtor",
                "channel": "letter",
                "direction": "inbound" if what == "dispute" else "outbound",
                "outcome": draw(st.sampled_from(("", "", "failed"))) if what == "notice" else "",
                "timezone": "America/New_York",
                "jurisdiction": "US",
                "kind": "dispute" if what == "dispute" else "contact",
                "purpose": "validation_notice" if what == "notice" else "",
            }
        )
    return out


def _disputed(notice: str, dispute: str) -> list[dict[str, str]]:
    """A notice, a dispute and a letter the next day, on account A1."""
    base = {"account": "A1", "party": "debtor", "channel": "letter", "outcome": "",
            "timezone": "America/New_York", "jurisdiction": "US"}  # fmt: skip
    letter = (datetime.fromisoformat(dispute) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        {**base, "id": "n", "time": notice, "direction": "outbound", "kind": "contact",
         "purpose": "validation_notice"},
        {**base, "id": "d", "time": dispute, "direction": "inbound", "kind": "dispute",
         "purpose": ""},
        {**base, "id": "l", "time": letter, "direction": "outbound", "kind": "contact",
         "purpose": ""},
    ]  # fmt: skip


@PROFILE
@given(dispute_rows())
# notice Mon 2024-06-03: receipt Mon 06-10, the period ends Wed 07-10 (EDT)
@example(_disputed("2024-06-03T14:00:00Z", "2024-07-08T14:00:00Z"))
@example(_disputed("2024-06-03T14:00:00Z", "2024-07-11T03:59:59Z"))
@example(_disputed("2024-06-03T14:00:00Z", "2024-07-11T04:00:00Z"))
# notice Mon 2024-06-17: Juneteenth is skipped, receipt Tue 06-25, the period ends 07-25
@example(_disputed("2024-06-17T14:00:00Z", "2024-07-25T14:00:00Z"))
@example(_disputed("2024-06-17T14:00:00Z", "2024-07-26T14:00:00Z"))
def test_the_validation_period_equals_the_reference(
    tmp_path_factory: object, log: list[dict[str, str]]
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("disputes")))  # type: ignore[attr-defined]
    rule = "us-regf/collection-during-dispute"
    report = collectlint.check(
        [write_csv(folder / "log.csv", log)], rules=["us-regf"], select=(rule,)
    )
    assert not report.rejected, report.rejected
    engine = {(v.rule, v.event): tuple(v.evidence) for v in report.violations}
    assert engine == findings(log, [spec for spec in RULES if spec.rule == rule])

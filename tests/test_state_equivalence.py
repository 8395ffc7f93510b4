"""Property test: the engine's `state` rules of us-regf agree with `tests/reference_states.py`.

Hypothesis writes small logs on two accounts, two people and two numbers, with openers,
closers, keyword replies (some with spaces, punctuation or another case), contacts on several
channels and purposes, exact ties and one-second steps, and compares the findings and their
evidence (the covering opening event).  Derandomized, as the other equivalence test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
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
        step = draw(st.sampled_from((0, 0, 1, 60, 3600, 86400)))
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
                        ("", "", "verification", "termination_notice", "opt_out_confirmation")
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

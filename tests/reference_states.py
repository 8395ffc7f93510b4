"""A slow, literal twin of the `state` kind, for the us-regf account-state rules and the
cn-consumer-credit rule whose state holds from the start.

Each rule is written out as plain predicates over one row, and a contact is judged by looking
at every other row of the log: it is flagged when an opening row of its key came strictly
before it and no closing row of that key came after the opening row and at or before it.  No
sorting, no joins, no hashing: what the engine does with Polars, this does by brute force, so
the property test can hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

Row = Mapping[str, str]
CONSUMERS = {"debtor", "spouse", "parent", "guardian", "executor", "successor_in_interest"}
KEYWORDS = {
    "stop",
    "stopall",
    "end",
    "quit",
    "cancel",
    "unsubscribe",
    "revoke",
    "opt out",
    "optout",
    "opt-out",
}


def _get(row: Row, name: str, default: str = "") -> str:
    return (row.get(name) or "").strip() or default


def _person(row: Row) -> str:
    party = _get(row, "party", "debtor")
    if party == "debtor":
        return _get(row, "debtor") or _get(row, "account")
    return _get(row, "to")


def _outbound_contact(row: Row) -> bool:
    return (
        _get(row, "kind", "contact") == "contact"
        and _get(row, "direction", "outbound") == "outbound"
    )


def _keyword(row: Row) -> bool:
    body = _get(row, "body").rstrip(".!\u3002\uff01 ").strip().lower()
    return body in KEYWORDS


@dataclass(frozen=True)
class StateRule:
    """One state rule as predicates: which rows it judges, opens, closes and permits."""

    rule: str
    judged: Callable[[Row], bool]
    key: Callable[[Row], tuple[str, ...]]
    opens: Callable[[Row], bool]
    closes: Callable[[Row], bool] = lambda row: False
    narrow_to: bool = False
    initially: bool = False
    timely: Callable[[Row, Sequence[Row]], bool] = lambda row, rows: True


RULES: tuple[StateRule, ...] = (
    StateRule(
        "us-regf/cease-communication",
        lambda r: (
            _outbound_contact(r)
            and _get(r, "party", "debtor") in CONSUMERS
            and _get(r, "purpose") not in ("termination_notice", "remedy_notice")
        ),
        lambda r: (_get(r, "account"),),
        lambda r: (
            _get(r, "kind") == "cease" and _get(r, "channel") not in ("call", "voicemail", "visit")
        ),
    ),
    StateRule(
        "us-regf/attorney-represented",
        lambda r: _outbound_contact(r) and _get(r, "party", "debtor") in CONSUMERS,
        lambda r: (_get(r, "account"),),
        lambda r: _get(r, "kind") == "attorney",
        lambda r: _get(r, "kind") in ("attorney_withdrawn", "attorney_consent"),
    ),
    StateRule(
        "us-regf/medium-opt-out",
        lambda r: _outbound_contact(r) and _get(r, "purpose") != "opt_out_confirmation",
        lambda r: (_person(r), _get(r, "channel")),
        lambda r: (
            _get(r, "kind") == "opt_out"
            or (
                _get(r, "kind", "contact") == "contact"
                and _get(r, "direction") == "inbound"
                and _keyword(r)
            )
        ),
        lambda r: _get(r, "kind") == "opt_in",
        narrow_to=True,
    ),
    StateRule(
        "us-regf/collection-during-dispute",
        lambda r: (
            _outbound_contact(r)
            and _get(r, "party", "debtor") in CONSUMERS
            and _get(r, "purpose") != "verification"
        ),
        lambda r: (_get(r, "account"),),
        lambda r: _get(r, "kind") == "dispute",
        lambda r: (
            _get(r, "kind") == "dispute_resolved"
            or (
                _outbound_contact(r)
                and _get(r, "purpose") == "verification"
                and _get(r, "outcome") != "failed"
            )
        ),
        timely=lambda o, rows: _within_validation_period(o, rows),
    ),
)


def _local_date(row: Row) -> date:
    return _instant(row).astimezone(ZoneInfo(_get(row, "timezone", "UTC"))).date()


def _within_validation_period(dispute: Row, rows: Sequence[Row]) -> bool:
    """12 CFR 1006.34(b)(5): the latest validation notice of the account at or before the
    dispute is assumed received five days later, not counting Saturdays, Sundays and US legal
    public holidays; the dispute counts if its local date is at most 30 days after that.  No
    notice: it counts."""
    notices = [
        r
        for r in rows
        if _outbound_contact(r)
        and _get(r, "purpose") == "validation_notice"
        and _get(r, "outcome") != "failed"
        and _get(r, "account") == _get(dispute, "account")
        and _instant(r) <= _instant(dispute)
    ]
    if not notices:
        return True
    notice = max(notices, key=_instant)
    day, left = _local_date(notice), 5
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays.country_holidays("US", years=day.year):
            left -= 1
    return _local_date(dispute) <= day + timedelta(days=30)


CN_RULES: tuple[StateRule, ...] = (
    StateRule(
        "cn-consumer-credit/third-party-only-when-unreachable",
        lambda r: (
            _outbound_contact(r)
            and _get(r, "party", "debtor")
            not in ("debtor", "guarantor", "attorney", "executor", "guardian")
        ),
        lambda r: (_get(r, "debtor") or _get(r, "account"),),
        lambda r: (
            _get(r, "kind", "contact") == "contact"
            and _get(r, "party", "debtor") == "debtor"
            and (
                _get(r, "direction", "outbound") == "inbound"
                or (_get(r, "channel") == "call" and _get(r, "outcome") == "conversation")
            )
        ),
        lambda r: _get(r, "kind") in ("unreachable", "deceased", "incapacitated"),
        initially=True,
    ),
)
"""The state that holds from the start: a contact person only once the debtor is unreachable."""

START: Row = {"id": "", "time": "0001-01-01T00:00:00+00:00"}
"""The opening a state that holds initially has, before every event (no id: no evidence)."""


def _instant(row: Row) -> datetime:
    return datetime.fromisoformat(_get(row, "time").replace("Z", "+00:00"))


def findings(
    rows: Sequence[Row], rules: Sequence[StateRule] = RULES
) -> dict[tuple[str, str], tuple[str, ...]]:
    """(rule, event id) -> the id of the latest opening row that covers it (none for the
    start of a state that holds initially)."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for spec in rules:
        for row in rows:
            if not spec.judged(row):
                continue
            t, key, to = _instant(row), spec.key(row), _get(row, "to")
            covering = []
            for o in [START, *rows] if spec.initially else rows:
                if o is not START and not (
                    spec.opens(o)
                    and spec.key(o) == key
                    and _instant(o) < t
                    and spec.timely(o, rows)
                ):
                    continue
                o_to = _get(o, "to") if spec.narrow_to else ""
                if o_to and to and o_to != to:  # a contact naming no number may be to it
                    continue
                closed = any(
                    spec.closes(c)
                    and spec.key(c) == key
                    and _instant(o) < _instant(c) <= t
                    and (
                        not spec.narrow_to or not _get(c, "to") or not o_to or _get(c, "to") == o_to
                    )
                    for c in rows
                )
                if not closed:
                    covering.append((_instant(o), _get(o, "id")))
            if covering:
                latest = max(covering)[1]
                out[(spec.rule, _get(row, "id"))] = (latest,) if latest else ()
    return out

"""A slow, literal twin of the `state` kind, for the us-regf account-state rules.

Each rule is written out as plain predicates over one row, and a contact is judged by looking
at every other row of the log: it is flagged when an opening row of its key came strictly
before it and no closing row of that key came after the opening row and at or before it.  No
sorting, no joins, no hashing: what the engine does with Polars, this does by brute force, so
the property test can hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

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
            or (_get(r, "kind", "contact") == "contact" and _get(r, "purpose") == "verification")
        ),
    ),
)


def _instant(row: Row) -> datetime:
    return datetime.fromisoformat(_get(row, "time").replace("Z", "+00:00"))


def findings(rows: Sequence[Row]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(rule, event id) -> the id of the latest opening row that covers it."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for spec in RULES:
        for row in rows:
            if not spec.judged(row):
                continue
            t, key, to = _instant(row), spec.key(row), _get(row, "to")
            covering = []
            for o in rows:
                if not (spec.opens(o) and spec.key(o) == key and _instant(o) < t):
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
                out[(spec.rule, _get(row, "id"))] = (max(covering)[1],)
    return out

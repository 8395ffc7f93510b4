"""Slow, obviously-correct reference evaluator for the `us-regf` rule pack.

This module is the test oracle for the vectorised Polars engine. It implements the three rules of
``docs/us-regf-semantics.md`` (version 1) in plain Python, standard library only, the naive O(n^2)
way: every rule is a loop over candidate events with a nested loop over all other events, and each
condition is written in the same order and with the same names as the contract, so that a reader
can check the code line by line against the document. Speed is irrelevant here; clarity is the
whole point, because the engine is judged against this file.

Input rows are mappings from canonical column names to strings, as they would be read from a CSV
file. A missing column and an empty string both mean "use the contract's default". Rows are
assumed to be valid (parseable times, known IANA zones); no rejection logic lives here.

Public API:

* :func:`findings` -> ``set[(rule id, event id)]``
* :func:`evidence` -> ``dict[(rule id, event id), tuple of evidence ids]``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

RULE_CALL_VOLUME = "us-regf/call-volume"
RULE_CALL_AFTER_CONVERSATION = "us-regf/call-after-conversation"
RULE_INCONVENIENT_TIME = "us-regf/inconvenient-time"

#: Parties whose calls are never counted calls ("party is not attorney, creditor or
#: credit_bureau").
NOT_COUNTED_PARTIES: frozenset[str] = frozenset({"attorney", "creditor", "credit_bureau"})

#: Parties whose outbound contacts are checked by the inconvenient-time rule.
TIME_CHECKED_PARTIES: frozenset[str] = frozenset(
    {"debtor", "spouse", "parent", "guardian", "executor", "successor_in_interest"}
)

#: Allowed local window is the half-open interval [08:00:00, 21:00:00).
WINDOW_START = time(8, 0, 0)
WINDOW_END = time(21, 0, 0)

#: "d - 6 <= d' <= d": the seven-consecutive-day window is the day itself plus six before.
SIX_DAYS = timedelta(days=6)


@dataclass(frozen=True)
class Event:
    """One log row with defaults applied and its time parsed.

    Fields hold the column values after the contract's defaults are applied; ``instant`` is the
    parsed ``time`` converted to UTC so that comparisons are plainly between instants, and
    ``zones`` is the ``timezone`` column split on ``|`` (``zones[0]`` is the primary zone).
    """

    id: str
    instant: datetime
    account: str
    debtor: str
    party: str
    to: str
    channel: str
    direction: str
    outcome: str
    zones: tuple[str, ...]
    jurisdiction: str
    body: str
    kind: str

    @property
    def primary_zone(self) -> str:
        """The first candidate zone; it alone determines the local date."""
        return self.zones[0]

    @property
    def local_date(self) -> date:
        """Calendar date of the instant in the primary zone (contract: "local date")."""
        return self.instant.astimezone(ZoneInfo(self.primary_zone)).date()

    @property
    def person(self) -> str:
        """The ``debtor`` value when ``party`` is ``debtor``, otherwise the ``to`` value."""
        if self.party == "debtor":
            return self.debtor
        return self.to

    @property
    def key(self) -> tuple[str, str]:
        """``(account, person)``: the identity that the call rules group by."""
        return (self.account, self.person)

    @property
    def order(self) -> tuple[datetime, str]:
        """Sort key for evidence lists: (time, id) order."""
        return (self.instant, self.id)


def _value(row: Mapping[str, str], column: str) -> str:
    """Return the row's value for ``column``, with absent or ``None`` read as empty."""
    value = row.get(column)
    return "" if value is None else value


def parse_event(row: Mapping[str, str], row_number: int) -> Event:
    """Build an :class:`Event` from one row, applying the contract's column defaults.

    ``row_number`` is the 1-based data-row number (header excluded); it is the default ``id``.
    Defaults are applied in dependency order: ``debtor`` defaults to ``account`` and ``party``
    defaults to ``debtor`` (the literal party value ``"debtor"``, not the debtor's name).
    """
    account = _value(row, "account")
    return Event(
        id=_value(row, "id") or str(row_number),
        instant=datetime.fromisoformat(_value(row, "time")).astimezone(UTC),
        account=account,
        debtor=_value(row, "debtor") or account,
        party=_value(row, "party") or "debtor",
        to=_value(row, "to"),
        channel=_value(row, "channel"),
        direction=_value(row, "direction") or "outbound",
        outcome=_value(row, "outcome"),
        zones=tuple(_value(row, "timezone").split("|")),
        jurisdiction=_value(row, "jurisdiction"),
        body=_value(row, "body"),
        kind=_value(row, "kind") or "contact",
    )


def in_us_scope(event: Event) -> bool:
    """A pack scoped ``US`` applies to jurisdiction empty, ``US``, or starting with ``US-``,
    compared after trimming and upper-casing."""
    j = event.jurisdiction.strip().upper()  # codes are case-insensitive (contract)
    return j == "" or j == "US" or j.startswith("US-")


def load(rows: Sequence[Mapping[str, str]]) -> list[Event]:
    """Parse all rows and keep only the events the US-scoped pack applies to.

    Out-of-scope events are dropped before any rule runs, so they are neither checked nor used as
    context (they are not prior calls, conversations or consents for in-scope events).
    """
    events = [parse_event(row, i) for i, row in enumerate(rows, start=1)]
    return [e for e in events if in_us_scope(e)]


def is_consent_exempt(call: Event, events: Sequence[Event]) -> bool:
    """Whether ``call`` is consent-exempt (12 CFR 1006.14(b)(3)(i)).

    True when some ``consent`` event of the same key has ``tc < t``, its local date ``dc``
    satisfies ``dc <= d <= dc + 6`` (``d`` = the call's local date), and no ``consent_revoked``
    event and no conversation of the same key has ``tc < tr <= t``.
    """
    t = call.instant
    d = call.local_date
    for consent in events:
        if consent.kind != "consent" or consent.key != call.key:
            continue
        tc = consent.instant
        dc = consent.local_date
        if not tc < t:
            continue
        if not dc <= d <= dc + SIX_DAYS:
            continue
        revoked = False
        for revocation in events:  # a revocation, or the conversation (comment 14(b)(3)(i)-2)
            if revocation.key != call.key:
                continue
            if revocation.kind != "consent_revoked" and not is_conversation(revocation):
                continue
            tr = revocation.instant
            if tc < tr <= t:
                revoked = True
        if not revoked:
            return True
    return False


def is_counted_call(event: Event, events: Sequence[Event]) -> bool:
    """Whether ``event`` is a *counted call*, checking each bullet of the contract in turn."""
    if not (event.kind == "contact" and event.direction == "outbound" and event.channel == "call"):
        return False
    if event.outcome in ("not_connected", "busy"):  # comment 14(b)(3)(ii)-1: not connected
        return False
    if event.party in NOT_COUNTED_PARTIES:
        return False
    return not is_consent_exempt(event, events)


def is_conversation(event: Event) -> bool:
    """``kind`` contact, ``channel`` call, ``outcome`` conversation; any direction or party."""
    return event.kind == "contact" and event.channel == "call" and event.outcome == "conversation"


def _ids_in_order(events: Sequence[Event]) -> tuple[str, ...]:
    """Ids of ``events`` in (time, id) order, the order every evidence tuple uses."""
    return tuple(e.id for e in sorted(events, key=lambda e: e.order))


def call_volume(events: Sequence[Event]) -> dict[tuple[str, str], tuple[str, ...]]:
    """``us-regf/call-volume``: a counted call with ``n >= 8`` counted calls in its window.

    ``n`` counts counted calls ``c'`` of the same key with ``t' <= t`` and
    ``d - 6 <= d' <= d``, including ``c`` itself and calls at the very same instant.
    """
    counted = [e for e in events if is_counted_call(e, events)]
    result: dict[tuple[str, str], tuple[str, ...]] = {}
    for c in counted:
        t = c.instant
        d = c.local_date
        window = [
            other
            for other in counted
            if other.key == c.key and other.instant <= t and d - SIX_DAYS <= other.local_date <= d
        ]
        n = len(window)
        if n >= 8:
            result[(RULE_CALL_VOLUME, c.id)] = _ids_in_order(window)
    return result


def call_after_conversation(events: Sequence[Event]) -> dict[tuple[str, str], tuple[str, ...]]:
    """``us-regf/call-after-conversation``: a counted call within 7 days after a conversation.

    A counted call ``c`` violates when a conversation ``v`` of the same key has ``t_v < t``
    (strictly earlier, so a tie at the same instant does not count) and ``d_v <= d <= d_v + 6``.
    """
    result: dict[tuple[str, str], tuple[str, ...]] = {}
    for c in events:
        if not is_counted_call(c, events):
            continue
        t = c.instant
        d = c.local_date
        conversations = [
            v
            for v in events
            if is_conversation(v)
            and v.key == c.key
            and v.instant < t
            and v.local_date <= d <= v.local_date + SIX_DAYS
        ]
        if conversations:
            result[(RULE_CALL_AFTER_CONVERSATION, c.id)] = _ids_in_order(conversations)
    return result


def is_time_checked(event: Event) -> bool:
    """Outbound ``contact`` events, not letters, to a consumer of 1006.6(a)."""
    return (
        event.kind == "contact"
        and event.direction == "outbound"
        and event.channel != "letter"
        and event.party in TIME_CHECKED_PARTIES
    )


def is_inconvenient_in(event: Event, zone: str) -> bool:
    """Whether the event's local time of day in ``zone`` is outside ``[08:00:00, 21:00:00)``."""
    local_time = event.instant.astimezone(ZoneInfo(zone)).time()
    return local_time < WINDOW_START or local_time >= WINDOW_END


def inconvenient_time(events: Sequence[Event]) -> dict[tuple[str, str], tuple[str, ...]]:
    """``us-regf/inconvenient-time``: a checked event inconvenient in **any** candidate zone."""
    result: dict[tuple[str, str], tuple[str, ...]] = {}
    for e in events:
        if is_time_checked(e) and any(is_inconvenient_in(e, zone) for zone in e.zones):
            result[(RULE_INCONVENIENT_TIME, e.id)] = (e.id,)
    return result


def evidence(rows: Sequence[Mapping[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Evaluate all three rules; map each finding ``(rule id, event id)`` to its evidence ids."""
    events = load(rows)
    result: dict[tuple[str, str], tuple[str, ...]] = {}
    result.update(call_volume(events))
    result.update(call_after_conversation(events))
    result.update(inconvenient_time(events))
    return result


def findings(rows: Sequence[Mapping[str, str]]) -> set[tuple[str, str]]:
    """Evaluate all three rules; return the set of ``(rule id, event id)`` findings."""
    return set(evidence(rows))

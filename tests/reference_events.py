"""A slow, literal twin of the `prerequisite`, `forbidden` and lifetime `frequency` rules of
the built-in packs.

Covered: us-regf/validation-within-five-days, cn-consumer-credit/outsourcing-notice-first,
us-regf/social-media-public, cn-consumer-credit/no-scraped-contact-numbers,
no-public-or-group-posts and no-private-devices, and us-regf/location-contact-once.

Every rule is written out as plain predicates over one row (a mapping of column -> text, as a
CSV holds it), and every verdict is reached by looking at every other row of the log with
`datetime` and `zoneinfo`: no Polars, no sorting tricks, no joins, no hashing.  Row values
follow the reader's rules: cells are stripped, an empty cell is missing, `kind`, `direction`
and `party` default to `contact`, `outbound` and `debtor`, `debtor` defaults to the account,
and a column the log lacks is empty throughout.  A pack checks the rows of its jurisdiction
(or of none); a row's calendar dates are in its first listed zone, else the pack's default.
A rule judges only the events whose own local date is on or after its (and its pack's)
`effective_from`; earlier events still count for it (a notice, an earlier location call).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

Row = Mapping[str, str]
Key = tuple[str, str]
"""(rule id, event id)."""


@dataclass(frozen=True)
class PackInfo:
    """What routing and dating need of a pack."""

    name: str
    codes: tuple[str, ...]
    default_zone: str | None
    effective_from: date | None


US = PackInfo("us-regf", ("US",), None, date(2021, 11, 30))
CN = PackInfo("cn-consumer-credit", ("CN",), "Asia/Shanghai", None)


def get(row: Row, name: str, default: str = "") -> str:
    """A cell as the engine reads it: stripped, empty meaning missing (then `default`)."""
    return (row.get(name) or "").strip() or default


def kind(row: Row) -> str:
    return get(row, "kind", "contact")


def party(row: Row) -> str:
    return get(row, "party", "debtor")


def debtor(row: Row) -> str:
    return get(row, "debtor") or get(row, "account")


def instant(row: Row) -> datetime:
    """The row's time (the twin writes UTC `Z` times), as an aware datetime."""
    return datetime.fromisoformat(get(row, "time").replace("Z", "+00:00")).astimezone(UTC)


def routed(row: Row, pack: PackInfo) -> bool:
    """Whether `pack` checks the row: no jurisdiction, one of its own or a subdivision."""
    code = get(row, "jurisdiction").upper()
    return not code or any(code == own or code.startswith(f"{own}-") for own in pack.codes)


def zone(row: Row, pack: PackInfo) -> ZoneInfo:
    """The zone the row's local dates are in: its first listed zone, else the pack's default."""
    name = get(row, "timezone").split("|")[0].strip() or pack.default_zone
    assert name, "a row with no zone in a pack with no default zone is rejected"
    return ZoneInfo(name)


def local_date(row: Row, pack: PackInfo) -> date:
    return instant(row).astimezone(zone(row, pack)).date()


def outbound_contact(row: Row) -> bool:
    return kind(row) == "contact" and get(row, "direction", "outbound") == "outbound"


def _order(row: Row) -> tuple[datetime, str]:
    return instant(row), get(row, "id")


# ---------------------------------------------------------------------------- forbidden
@dataclass(frozen=True)
class ForbiddenRule:
    """A rule that flags every event it matches; the evidence is the event itself."""

    rule: str
    pack: PackInfo
    matches: Callable[[Row], bool]
    effective_from: date | None = None


FORBIDDEN: tuple[ForbiddenRule, ...] = (
    ForbiddenRule(
        "us-regf/social-media-public",
        US,
        lambda r: (
            outbound_contact(r)
            and get(r, "channel") in ("social", "chat")
            and get(r, "visibility") in ("public", "contacts")
        ),
    ),
    ForbiddenRule(
        "cn-consumer-credit/no-scraped-contact-numbers",
        CN,
        lambda r: (
            outbound_contact(r)
            and get(r, "source") in ("address_book", "call_log", "social_graph", "purchased")
        ),
    ),
    ForbiddenRule(
        "cn-consumer-credit/no-public-or-group-posts",
        CN,
        lambda r: outbound_contact(r) and get(r, "visibility") in ("public", "group", "contacts"),
    ),
    ForbiddenRule(
        "cn-consumer-credit/no-private-devices",
        CN,
        lambda r: (
            outbound_contact(r)
            and bool(get(r, "agency"))
            and get(r, "device") in ("private", "private_phone", "personal_wechat", "personal_qq")
        ),
    ),
)


# ---------------------------------------------------------------------------- prerequisite
@dataclass(frozen=True)
class PrerequisiteRule:
    """An event (`checked`) that needs another event of its account (`satisfied_by`).

    `after`: the requirement comes at the checked event's instant or later, by the end of the
    `days`-th local calendar day after the checked event's local date (in the checked event's
    zone); until that day has ended at `as_of` a missing requirement is pending.  Otherwise
    it must come strictly before.  `first`: only each account's earliest checked event (by
    time, then id) is judged.  `reads`: the optional columns the requirement tests (every log
    has the canonical ones); a log without one of them cannot show it, and its judged events
    are counted as not judged instead.
    """

    rule: str
    pack: PackInfo
    checked: Callable[[Row], bool]
    satisfied_by: Callable[[Row], bool]
    after: bool
    days: int | None
    first: bool
    reads: frozenset[str]
    effective_from: date | None = None


PREREQUISITES: tuple[PrerequisiteRule, ...] = (
    PrerequisiteRule(
        "us-regf/validation-within-five-days",
        US,
        lambda r: (
            outbound_contact(r)
            and party(r) == "debtor"
            and get(r, "channel") != "voicemail"
            and get(r, "outcome") in ("conversation", "sent", "delivered")
            and get(r, "purpose") != "legal_process"
        ),
        lambda r: (
            (
                outbound_contact(r)
                and get(r, "purpose") == "validation_notice"
                and get(r, "outcome") != "failed"
            )
            or kind(r) == "paid_in_full"
        ),
        after=True,
        days=5,
        first=True,
        reads=frozenset({"purpose"}),
    ),
    PrerequisiteRule(
        "cn-consumer-credit/outsourcing-notice-first",
        CN,
        lambda r: outbound_contact(r) and bool(get(r, "agency")),
        lambda r: kind(r) == "outsourcing_notice",
        after=False,
        days=None,
        first=False,
        reads=frozenset(),
        effective_from=date(2023, 3, 1),
    ),
)


# ---------------------------------------------------------------------------- frequency
@dataclass(frozen=True)
class LifetimeRule:
    """At most `limit` matching events per key over the whole log: an event is flagged when
    it and the earlier or simultaneous matching events of its key exceed the limit; the
    evidence is all of those, in (time, id) order."""

    rule: str
    pack: PackInfo
    counted: Callable[[Row], bool]
    key: Callable[[Row], tuple[str, ...]]
    limit: int
    effective_from: date | None = None


LIFETIME: tuple[LifetimeRule, ...] = (
    LifetimeRule(
        "us-regf/location-contact-once",
        US,
        lambda r: (
            outbound_contact(r)
            and party(r) in ("third_party", "emergency_contact", "employer")
            and get(r, "purpose") == "location_inquiry"
            and get(r, "outcome") in ("conversation", "sent", "delivered")
        ),
        lambda r: (debtor(r), get(r, "to")),
        limit=1,
    ),
)

RULE_IDS: tuple[str, ...] = tuple(
    spec.rule for group in (FORBIDDEN, PREREQUISITES, LIFETIME) for spec in group
)


def _in_force(row: Row, pack: PackInfo, own: date | None) -> bool:
    begins = max(filter(None, (own, pack.effective_from)), default=None)
    return begins is None or local_date(row, pack) >= begins


@dataclass(frozen=True)
class Verdicts:
    """What the twin expects of a run: findings with their evidence, the pending events per
    rule (sorted ids) and the not-judged counts per rule (only rules with some).

    `early_pending` and `early_not_judged` are the same for the checked events dated before
    their rule is in force.  The rule does not judge those, so they belong in neither list;
    they are kept apart so that a test can name them (the engine lists them today).

    `unsettled` holds the checked events whose verdict depends on the zone a requirement's
    date is read in: here, always the checked event's (the deadline is the end of a day of
    its calendar, one instant, the one that decides whether it is still pending); the engine
    reads each requirement's date in the requirement's own zone.
    """

    findings: dict[Key, tuple[str, ...]]
    pending: dict[str, list[str]]
    not_judged: dict[str, int]
    early_pending: dict[str, list[str]] = field(default_factory=dict)
    early_not_judged: dict[str, int] = field(default_factory=dict)
    unsettled: frozenset[Key] = frozenset()


def judge(
    rows: Sequence[Row], as_of: datetime | None = None, columns: Collection[str] | None = None
) -> Verdicts:
    """Judge `rows` at `as_of` (default: the latest event's time, as the engine's); the log's
    `columns` default to those its rows name."""
    if columns is None:
        columns = {c for row in rows for c in row}
    now = as_of.astimezone(UTC) if as_of else max((instant(r) for r in rows), default=None)
    found: dict[Key, tuple[str, ...]] = {}
    pending: dict[str, list[str]] = {}
    not_judged: dict[str, int] = {}
    early_pending: dict[str, list[str]] = {}
    early_not_judged: dict[str, int] = {}
    unsettled: set[Key] = set()

    for ban in FORBIDDEN:
        for row in rows:
            if (
                routed(row, ban.pack)
                and ban.matches(row)
                and _in_force(row, ban.pack, ban.effective_from)
            ):
                found[(ban.rule, get(row, "id"))] = (get(row, "id"),)

    for need in PREREQUISITES:
        mine = [r for r in rows if routed(r, need.pack)]
        checked = [r for r in mine if need.checked(r)]
        if need.first:
            firsts: dict[str, Row] = {}
            for row in checked:
                account = get(row, "account")
                if account not in firsts or _order(row) < _order(firsts[account]):
                    firsts[account] = row
            checked = list(firsts.values())
        for row in checked:
            early = not _in_force(row, need.pack, need.effective_from)
            verdict, zone_dependent = _prerequisite(need, row, mine, columns, now)
            if zone_dependent:
                unsettled.add((need.rule, get(row, "id")))
            if verdict == "not judged":
                counts = early_not_judged if early else not_judged
                counts[need.rule] = counts.get(need.rule, 0) + 1
            elif verdict == "pending":
                ids = early_pending if early else pending
                ids.setdefault(need.rule, []).append(get(row, "id"))
            elif verdict == "missing" and not early:
                found[(need.rule, get(row, "id"))] = (get(row, "id"),)

    for cap in LIFETIME:
        counted = [r for r in rows if routed(r, cap.pack) and cap.counted(r)]
        for row in counted:
            if not _in_force(row, cap.pack, cap.effective_from):
                continue
            window = [
                o for o in counted if cap.key(o) == cap.key(row) and instant(o) <= instant(row)
            ]
            if len(window) > cap.limit:
                found[(cap.rule, get(row, "id"))] = tuple(
                    get(o, "id") for o in sorted(window, key=_order)
                )

    return Verdicts(
        found,
        {r: sorted(ids) for r, ids in pending.items()},
        not_judged,
        {r: sorted(ids) for r, ids in early_pending.items()},
        early_not_judged,
        frozenset(unsettled),
    )


def _prerequisite(
    need: PrerequisiteRule,
    row: Row,
    rows: Sequence[Row],
    columns: Collection[str],
    now: datetime | None,
) -> tuple[str, bool]:
    """The verdict on one checked event: `not judged` (the log cannot show the requirement),
    `met`, `pending` (missing, but its deadline is still open at `now`) or `missing`; and
    whether it would be otherwise if each requirement's date were read in its own zone rather
    than in the checked event's (what the engine does today)."""
    if not need.reads <= set(columns):
        return "not judged", False
    t, account = instant(row), get(row, "account")
    if not need.after:
        met = any(
            need.satisfied_by(o) and get(o, "account") == account and instant(o) < t for o in rows
        )
        return ("met" if met else "missing"), False
    tz, due = zone(row, need.pack), local_date(row, need.pack) + timedelta(days=need.days or 0)
    candidates = [
        o for o in rows if need.satisfied_by(o) and get(o, "account") == account and instant(o) >= t
    ]
    met = any(instant(o).astimezone(tz).date() <= due for o in candidates)
    own = any(local_date(o, need.pack) <= due for o in candidates)
    if met:
        return "met", not own
    due_open = now is not None and now.astimezone(tz).date() <= due
    return ("pending" if due_open else "missing"), own

"""What every rule kind shares: the evaluation context, `where:` filters and the kind protocols.

A kind is a frozen class holding a rule's typed, validated parameters.  `compile` builds it once,
when the pack is loaded; `evaluate(ctx)` returns a Polars frame of findings with the columns of
`FINDING_SCHEMA`; a *timing* kind (one whose verdict depends on when a contact is made) also
answers `next_allowed(ctx, planned)`.  Kinds never loop over events in Python; they build column
expressions, joins and binary searches over the whole table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import polars as pl

from collectlint import columns as C
from collectlint.calendars import builtin_calendars
from collectlint.kinds.messages import Message
from collectlint.model import RuleSpec

T = TypeVar("T")

FINDING_SCHEMA: dict[str, pl.DataType] = {
    C.IDX: pl.Int64(),
    C.EVIDENCE: pl.List(pl.String()),
    C.COUNT: pl.Int64(),
    C.JUDGED_ZONE: pl.String(),
    C.JUDGED_LOCAL: pl.Int64(),
    C.CATEGORY: pl.String(),
    C.QUOTE: pl.String(),
    C.START: pl.Int64(),
    C.END: pl.Int64(),
}
"""Columns of a kind's findings: the event's table index, the ids that justify the finding,
the count that crossed a limit (if any), the zone and local time the finding is judged in, and
for wording findings the category, the quoted text and its character offsets in the body."""

NEXT_SCHEMA: dict[str, pl.DataType] = {C.IDX: pl.Int64(), C.AT: pl.Int64(), C.WHY: pl.String()}
"""Columns of a `next_allowed` question (`C.IDX`, `C.AT`) and answer: the planned event, the
earliest instant (UTC µs) at or after the one asked about at which the rule allows it (null:
none), and why there is none."""

KEY_COLUMNS: Mapping[str, str] = {
    "account": "account",
    "debtor": "debtor",
    "person": C.PERSON,
    "to": "to",
    "channel": "channel",
}
"""The fields a rule may count or group by (`key:`), and the event column each one reads."""

KEY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": {"enum": list(KEY_COLUMNS)},
}
"""JSON Schema of a `key:` parameter (the fields events are grouped by)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of a `where:` filter: a field is one of `values` (or none of them when
    `negate`), or is present / absent."""

    field: str
    values: tuple[str, ...] = ()
    negate: bool = False
    present: bool | None = None

    @property
    def column(self) -> str:
        """The event column the condition reads (`body` for `body_is`)."""
        return KEY_COLUMNS.get(self.field, "body" if self.field == "body_is" else self.field)

    def expr(self, columns: Collection[str] | None = None) -> pl.Expr:
        """The condition as a boolean expression; a null cell never equals anything.  A field
        that is not among `columns` (an optional column the log lacks) is null throughout."""
        name = self.column
        absent = columns is not None and name not in columns
        col = pl.lit(None, pl.String) if absent else pl.col(name)
        if self.field == "body_is":  # the whole message, as a keyword reply is written
            col = col.str.strip_chars().str.strip_chars_end(".!\u3002\uff01 ").str.to_lowercase()
        parts: list[pl.Expr] = []
        if self.values and not self.negate:
            if len(self.values) == 1:
                parts.append((col == self.values[0]).fill_null(False))
            else:
                parts.append(col.is_in(list(self.values)).fill_null(False))
        elif self.values:
            parts.append(~col.is_in(list(self.values)).fill_null(False))
        if self.present is not None:
            parts.append(col.is_not_null() if self.present else col.is_null())
        out = pl.lit(True)
        for part in parts:
            out = out & part
        return out


@dataclass(frozen=True, slots=True)
class Filter:
    """A compiled `where:` filter: every condition must hold (no conditions: every event)."""

    conditions: tuple[Condition, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Filter:
        """Compile a validated filter mapping: a value (equals), a list (one of),
        `{not: value-or-list}` or `{present: bool}` per field."""
        out = []
        for name, condition in sorted(raw.items()):
            if name == "body_is":  # compared case-folded (see `Condition.expr`)
                words = [condition] if isinstance(condition, str) else list(condition)
                out.append(Condition(name, tuple(w.strip().lower() for w in words)))
            elif isinstance(condition, str):
                out.append(Condition(name, (condition,)))
            elif isinstance(condition, list | tuple):
                out.append(Condition(name, tuple(condition)))
            else:
                if "not" in condition:
                    banned = condition["not"]
                    values = (banned,) if isinstance(banned, str) else tuple(banned)
                    out.append(Condition(name, values, negate=True))
                if "present" in condition:
                    out.append(Condition(name, present=bool(condition["present"])))
        return cls(tuple(out))

    def expr(self, columns: Collection[str] | None = None) -> pl.Expr:
        """The filter as one boolean expression (see `Condition.expr` for `columns`)."""
        out = pl.lit(True)
        for condition in self.conditions:
            out = out & condition.expr(columns)
        return out

    @property
    def fields(self) -> frozenset[str]:
        """The event fields the filter tests."""
        return frozenset(c.field for c in self.conditions)

    @property
    def key(self) -> str:
        """A text that identifies the filter (equal filters, equal keys), for sharing work."""
        return repr(self.conditions)


@dataclass(frozen=True, slots=True)
class EvalContext:
    """The events one pack sees, with derived columns, and work shared by its rules.

    `events` holds the checkable events routed to the pack: canonical columns plus `C.IDX`
    (increasing), `C.TS` (UTC µs), `C.ZONE` (primary, pack default applied), `C.LOCAL` and
    `C.DAY`, and `C.NORM` when the pack has wording rules.  When `scoped`, events also carry
    `C.SCOPE` and events of different scopes never count together: every key includes it.

    Rules of a pack often need the same intermediate results (both Regulation F call rules
    filter, exempt, hash and sort the same calls).  `shared` computes each once, by a key that
    describes it; rules may run in parallel threads, so a second asker waits for the first.
    """

    events: pl.DataFrame
    scoped: bool = False
    as_of_us: int | None = None
    """The run's `as_of` (UTC µs): what is still to come at that instant is not yet late."""
    _memo: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()`, run once per `key` for this context."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
            value: T = self._memo[key]
            return value

    def keys(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        """The event columns that group by the key `fields` (plus the scope, when scoped)."""
        cols = tuple(KEY_COLUMNS[f] for f in fields)
        return (*cols, C.SCOPE) if self.scoped else cols

    def where(self, flt: Filter) -> pl.Series:
        """The boolean filter over `events`, computed once per distinct filter.  A test of the
        whole message (`body_is`) runs only on the rows that pass the filter's other tests:
        trimming and case-folding every body of a large log would cost more than the rest."""

        def compute() -> pl.Series:
            columns = self.events.columns
            costly = [c for c in flt.conditions if c.field == "body_is"]
            cheap = Filter(tuple(c for c in flt.conditions if c.field != "body_is"))
            mask = self.events.select(cheap.expr(columns)).to_series()
            if costly and mask.any():
                rows = self.events.filter(mask).select(Filter(tuple(costly)).expr(columns))
                positions = pl.int_range(0, self.events.height, eager=True).filter(mask)
                false = pl.repeat(False, self.events.height, dtype=pl.Boolean, eager=True)
                mask = false.scatter(positions, rows.to_series())
            elif costly:
                mask = mask & False
            return mask.rename("where")

        return self.shared("where:" + flt.key, compute)

    def positions(self, idx: pl.Series) -> pl.Series:
        """Row positions in `events` of the given `C.IDX` values (which must be present).

        `events` keeps the table's order, so `C.IDX` is increasing and a binary search replaces
        a hash join against the whole table.
        """
        return self.events[C.IDX].search_sorted(idx, side="left").cast(pl.Int64)

    def mask(self, idx: pl.Series) -> pl.Series:
        """A boolean column over `events`: true at the rows whose `C.IDX` is in `idx`."""
        false = pl.repeat(False, self.events.height, dtype=pl.Boolean, eager=True)
        return false.scatter(self.positions(idx), True) if len(idx) else false

    def attach(self, found: pl.DataFrame, *columns: str) -> pl.DataFrame:
        """`found` (rows keyed by `C.IDX`) with event `columns` added by position."""
        rows = self.events.select(columns).gather(self.positions(found[C.IDX]))
        return pl.concat([found, rows], how="horizontal")

    def key_hash(self, keys: tuple[str, ...]) -> pl.Series:
        """A 64-bit hash of the `keys` columns per event, computed once per key set (the call
        rules and their exemptions all group by the same key)."""
        hashes = self.shared(
            f"hash:{keys}", lambda: self.events.select(pl.struct(list(keys)).hash()).to_series()
        )
        return hashes.rename("h")


class Kind(Protocol):
    """A compiled rule of one kind: typed parameters and a vectorised evaluation."""

    name: ClassVar[str]
    """The kind's name in rule files (`kind: frequency`)."""
    params_schema: ClassVar[Mapping[str, Any]]
    """The JSON Schema its `params:` must satisfy."""
    needs_local_time: ClassVar[bool]
    """Whether its verdict depends on the consumer's local time (so an event without a zone
    cannot be judged)."""
    reads_text: ClassVar[bool]
    """Whether it reads message bodies (then the pack's bodies are normalised for it)."""

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Findings (columns `FINDING_SCHEMA`) for the events in `ctx`."""
        ...

    def constants(self) -> Mapping[str, str]:
        """Values the rule's message may use, such as `{limit}` or `{start}`."""
        ...

    def verify(self) -> None:
        """Raise `ParamError` for a value only running it could reject (a regular expression
        the engine refuses).  Done for users' packs when loaded; for the built-in packs, by the
        test suite."""
        ...


@runtime_checkable
class TimingKind(Kind, Protocol):
    """A kind whose verdict depends on when a contact is made."""

    @property
    def reach_us(self) -> int:
        """How long after an event (µs) it can still change this rule's verdict on another
        event: past that, only the local time of day and weekday matter (0 for a kind that
        looks at no other event).  The planner uses it to know when a search can stop."""
        ...

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """For each planned event (`C.IDX`, `at`: an instant in UTC µs), the earliest instant
        at or after `at` at which this rule would not flag it, nor any other event because of
        it, given every other event in `ctx` — before and after it (columns `NEXT_SCHEMA`)."""
        ...


@runtime_checkable
class ClockKind(TimingKind, Protocol):
    """A timing kind that judges a contact by its own local time alone (`reach_us` is 0), so a
    search can test many instants at once rather than ask it for one answer at a time."""

    def openings(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """For each planned event (`C.IDX`, searched from `C.AT` to `C.UNTIL`, UTC µs), every
        instant in `(AT, UNTIL]` at which this rule may begin to allow it (columns `C.IDX`,
        `C.AT`; an event may have many, or none).  Between two of them its verdict does not
        change from "no" to "yes"."""
        ...

    def allows(self, ctx: EvalContext, probes: pl.DataFrame) -> pl.Series:
        """For each row of `probes` (`C.IDX`, `C.AT`; an event may repeat), whether this rule
        allows that event at that instant (true for an event it does not judge)."""
        ...


@runtime_checkable
class PartialKind(Kind, Protocol):
    """A kind that cannot judge some of the events it applies to (a wording rule and a
    message logged without its text): they are counted, never flagged or passed."""

    def not_judged(self, ctx: EvalContext) -> pl.DataFrame:
        """The events of `ctx` the rule applies to but cannot judge (column `C.IDX`); the
        engine counts those on days the rule is in force."""
        ...


@runtime_checkable
class PendingKind(Kind, Protocol):
    """A kind whose verdict on some events waits for a deadline after the run's `as_of`."""

    def pending(self, ctx: EvalContext) -> pl.DataFrame:
        """The events of `ctx` whose verdict is still open (column `C.IDX`); the engine lists
        the ids of those on days the rule is in force."""
        ...


class KindClass(Protocol):
    """What the registry holds: a kind's class, which compiles validated parameters."""

    @property
    def name(self) -> str:
        """The kind's name in rule files."""
        ...

    @property
    def params_schema(self) -> Mapping[str, Any]:
        """The JSON Schema of its `params:`."""
        ...

    def compile(self, params: Mapping[str, Any], where: Filter) -> Kind:
        """Build the kind from validated `params` and the rule's `where:` filter; raises
        `ParamError` for a value the schema cannot rule out (such as a regex)."""
        ...


class ParamError(ValueError):
    """A parameter that cannot be used; `location` is its path inside `params`."""

    def __init__(self, message: str, location: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.location = location


def check_calendar(name: str | None, location: tuple[str | int, ...]) -> None:
    """A rule's calendar (if it names one) must be one that ships with collectlint."""
    if name is not None and name not in builtin_calendars():
        known = ", ".join(builtin_calendars())
        raise ParamError(f"unknown calendar {name!r} (built-in calendars: {known})", location)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule ready to run: what its pack says (`spec`), its compiled kind and message."""

    spec: RuleSpec
    check: Kind
    message: Message

    @property
    def id(self) -> str:
        """The rule id, `<pack>/<rule>`."""
        return self.spec.rule_id


def findings_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and type the findings columns, filling absent ones with nulls."""
    exprs = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in FINDING_SCHEMA.items()
    ]
    empty = pl.lit([], dtype=pl.List(pl.String()))
    return frame.select(exprs).with_columns(pl.col(C.EVIDENCE).fill_null(empty))


def in_own_zone(ctx: EvalContext, found: pl.DataFrame) -> pl.DataFrame:
    """Findings judged in each event's own (primary) zone and local time."""
    located = ctx.attach(found, C.ZONE, C.LOCAL)
    return findings_frame(located.rename({C.ZONE: C.JUDGED_ZONE, C.LOCAL: C.JUDGED_LOCAL}))


def no_change(planned: pl.DataFrame) -> pl.DataFrame:
    """A `next_allowed` answer that leaves every planned instant as it is."""
    return planned.select(
        pl.col(C.IDX).cast(pl.Int64),
        pl.col(C.AT).cast(pl.Int64),
        pl.lit(None, pl.String).alias(C.WHY),
    )

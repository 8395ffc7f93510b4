"""Kind `state`: events matching `where` are forbidden while an account state holds.

A state of a key (`key:`, e.g. the account, or the person and channel) is opened by an event
matching `opened_by` (a cease request, notice of an attorney, an opt-out, an inbound `STOP`)
and closed by the first later event of the same key matching `closed_by` (the attorney
withdraws, the dispute is verified).  It holds at instant t when an opener came strictly
before t and no closer came after that opener and at or before t: a contact at the very
instant of the request did not follow it, and a contact at the closing instant is allowed.
States are judged at each event's own time, never by an account's current flag, so a contact
made before a cease request is never a finding.

`narrow:` names fields (such as `to`) that, when the opening event has a value for them, limit
the state to events with the same value: an opt-out that names a number holds for that number
only (and for contacts that name no number, which may be to it); one that names none holds
for every number of the key.  A closer ends an opener when it
names no value or the same value.  `except:` filters name communications the law still
permits while the state holds (the notices 12 CFR 1006.6(c)(2) allows after a cease).

`timely:` counts an opener only when it came in time: by the end of a period that starts at
the latest earlier (or simultaneous) event of the same key matching `after`, of
`business_days` in a `calendar` and then `calendar_days` more.  That is Regulation F's
validation period (12 CFR 1006.34(b)(5)): it ends 30 days after the consumer is assumed to
receive the validation notice, five days after it was provided excluding legal public
holidays, Saturdays and Sundays; a dispute after it does not stop collection under
1006.38(d)(2).  An opener with no such earlier event, or whose period runs through a day the
calendar does not know officially, counts (fail closed).

`holds_initially: true` makes the state hold for every key from the start, before any event:
the rule then says when something is *allowed* — contacting a third party only once a closer
(the debtor found unreachable) has come — and an opener (the debtor reached again) restores
it.  A finding the initial state covers has no opening event for evidence.

Each finding's evidence is the latest opening event that covers it.  For a planned contact the
earliest allowed instant is the moment the state closes, if the history closes it; otherwise
none ("not while the state holds").

Example rule::

    id: attorney-represented
    kind: state
    where: {kind: contact, direction: outbound, party: [debtor, spouse]}
    params:
      key: [account]
      opened_by: {kind: attorney}
      closed_by: {kind: attorney_withdrawn}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.calendars import business_day_after, business_span
from collectlint.kinds import filters
from collectlint.kinds.base import (
    KEY_COLUMNS,
    KEY_SCHEMA,
    EvalContext,
    Filter,
    check_calendar,
    in_own_zone,
)

INITIAL = -(2**63)
"""The instant of the opening a `holds_initially` state has for every key: before any event."""
MAX_ROUNDS = 10_000
"""A planned contact moves from one closing instant to the next at most this often (each round
passes at least one opening event, so a real history needs few)."""


@dataclass(frozen=True, slots=True)
class Timely:
    """When an opener counts: by the end of the period after a reference event (see the
    module docstring)."""

    after: tuple[Filter, ...]
    business_days: int
    calendar: str
    calendar_days: int = 0

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> Timely | None:
        """Build from a validated `timely:` block."""
        if raw is None:
            return None
        return cls(
            filters.parse_any(raw["after"]),
            int(raw["business_days"]),
            str(raw["calendar"]),
            int(raw.get("calendar_days", 0)),
        )

    def in_time(self, ctx: EvalContext, opens: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
        """The openers (`_ts_o`, `C.DAY`, the key) that came by the end of the period of the
        latest reference event of their key at or before them, or that have none."""
        refs = ctx.events.filter(filters.any_of(ctx, self.after)).select(
            *keys, pl.col(C.TS).alias("_ts_r"), pl.col(C.DAY).alias("_day_r")
        )
        if not refs.height or not opens.height:
            return opens
        receipt = business_day_after(
            self.calendar, refs["_day_r"], self.business_days, business_span(self.business_days)
        )
        refs = refs.with_columns((receipt + self.calendar_days).alias("_last"))
        numbered = opens.with_row_index("_k")
        latest = (
            numbered.select("_k", "_ts_o", *keys)
            .join(refs, on=list(keys), nulls_equal=True)
            .filter(pl.col("_ts_r") <= pl.col("_ts_o"))
            .sort("_k", "_ts_r")
            .group_by("_k", maintain_order=True)
            .agg(pl.col("_last").last())
        )
        late = numbered.join(latest, on="_k", how="inner").filter(
            pl.col("_last").is_not_null() & (pl.col(C.DAY) > pl.col("_last"))
        )
        return numbered.join(late.select("_k"), on="_k", how="anti").drop("_k")


@dataclass(frozen=True, slots=True)
class State:
    """A compiled `state` rule."""

    name: ClassVar[str] = "state"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = False
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "opened_by"],
        "properties": {
            "key": KEY_SCHEMA,
            "opened_by": filters.SCHEMA,
            "closed_by": filters.SCHEMA,
            "except": filters.SCHEMA,
            "holds_initially": {"type": "boolean"},
            "timely": {
                "type": "object",
                "additionalProperties": False,
                "required": ["after", "business_days", "calendar"],
                "properties": {
                    "after": filters.SCHEMA,
                    "business_days": {"type": "integer", "minimum": 0, "maximum": 366},
                    "calendar": {"type": "string", "minLength": 1},
                    "calendar_days": {"type": "integer", "minimum": 0, "maximum": 3660},
                },
            },
            "narrow": {
                "type": "array",
                "uniqueItems": True,
                "items": {"enum": ["to", "channel"]},
            },
        },
    }

    where: Filter
    keys: tuple[str, ...]
    opened_by: tuple[Filter, ...]
    closed_by: tuple[Filter, ...]
    allowed: tuple[Filter, ...]
    narrow: tuple[str, ...]
    initially: bool = False
    timely: Timely | None = None

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> State:
        """Build from validated params."""
        return cls(
            where,
            tuple(params["key"]),
            filters.parse_any(params["opened_by"]),
            filters.parse_any(params.get("closed_by")),
            filters.parse_any(params.get("except")),
            tuple(KEY_COLUMNS[n] for n in params.get("narrow", ())),
            bool(params.get("holds_initially", False)),
            Timely.parse(params.get("timely")),
        )

    @property
    def reach_us(self) -> int:
        """After the last opening or closing event its verdict never changes again, so it adds
        nothing to how far the planner searches (1 µs: it is still not a clock)."""
        return 1

    def constants(self) -> Mapping[str, str]:
        """No values of its own for messages."""
        return {}

    def verify(self) -> None:
        """A `timely` calendar must be one that ships with collectlint."""
        check_calendar(self.timely.calendar if self.timely else None, ("timely", "calendar"))

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag every matching event while a state of its key holds."""
        covered = self._covered(ctx, self._targets(ctx).select(C.IDX, C.TS))
        found = (
            covered.filter(pl.col(C.TS) < pl.col("_close").fill_null(pl.col(C.TS) + 1))
            .sort(C.IDX, "_ts_o", "_id_o", descending=[False, True, True])
            .group_by(C.IDX, maintain_order=True)
            .agg(pl.col("_id_o").first())
            .select(C.IDX, pl.concat_list("_id_o").list.drop_nulls().alias(C.EVIDENCE))
        )
        return in_own_zone(ctx, found)

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """The first instant at or after each planned `C.AT` outside every state interval of
        the contact's key: closing instants are allowed, so the answer jumps to the latest
        close of the intervals covering the candidate until none covers it; an interval the
        history never closes means there is no such instant."""
        targets = self._targets(ctx).select(C.IDX)
        current = planned.select(pl.col(C.IDX).cast(pl.Int64), pl.col(C.AT).cast(pl.Int64))
        mine = current.join(targets, on=C.IDX, how="semi")
        answers = [
            current.join(targets, on=C.IDX, how="anti").with_columns(
                pl.lit(None, pl.String).alias(C.WHY)
            )
        ]
        for _ in range(MAX_ROUNDS):
            if not mine.height:
                break
            covered = self._covered(ctx, mine.rename({C.AT: C.TS})).filter(
                pl.col("_close").is_null() | (pl.col(C.TS) < pl.col("_close"))
            )
            step = covered.group_by(C.IDX).agg(
                pl.col("_close").is_null().any().alias("_never"),
                pl.col("_close").max().alias("_to"),
                pl.col("_id_o").filter(pl.col("_close").is_null()).max().alias("_by"),
            )
            free = mine.join(step, on=C.IDX, how="anti")
            answers.append(free.with_columns(pl.lit(None, pl.String).alias(C.WHY)))
            never = step.filter("_never")
            answers.append(
                never.select(
                    C.IDX,
                    pl.lit(None, pl.Int64).alias(C.AT),
                    pl.when(pl.col("_by").is_null())
                    .then(
                        pl.lit(
                            "not while the state holds: it holds from the start and nothing "
                            "in the history ends it"
                        )
                    )
                    .otherwise(
                        pl.format(
                            "not while the state holds: opened by event {} and not closed in "
                            "the history",
                            "_by",
                        )
                    )
                    .alias(C.WHY),
                )
            )
            mine = step.filter(~pl.col("_never")).select(C.IDX, pl.col("_to").alias(C.AT))
        else:
            answers.append(
                mine.select(
                    C.IDX,
                    pl.lit(None, pl.Int64).alias(C.AT),
                    pl.lit("the state opens and closes too often to search").alias(C.WHY),
                )
            )
        return pl.concat([a.select(C.IDX, C.AT, C.WHY) for a in answers])

    def _targets(self, ctx: EvalContext) -> pl.DataFrame:
        """The events the state may forbid: matching `where` and no `except` filter."""
        mask = ctx.where(self.where) & ~filters.any_of(ctx, self.allowed)
        return ctx.events.filter(mask)

    def _openings(self, ctx: EvalContext) -> pl.DataFrame:
        """Every opening event with the instant its state closes (`_close`, null: never):
        columns the key and narrowing fields, `_ts_o`, `_id_o`, `_close`.  Only opening and
        closing events are touched (account events are few; contacts are many)."""

        def compute() -> pl.DataFrame:
            keys = ctx.keys(self.keys)
            fields = [*keys, *self._narrow_only(keys)]
            opens = ctx.events.filter(filters.any_of(ctx, self.opened_by)).select(
                pl.col(C.TS).alias("_ts_o"), pl.col("id").alias("_id_o"), *fields, C.DAY
            )
            if self.timely is not None:
                opens = self.timely.in_time(ctx, opens, keys)
            opens = opens.drop(C.DAY)
            if self.initially:  # one opening before all time for every key the rule judges
                start = self._targets(ctx).select(*keys).unique()
                start = start.select(
                    pl.lit(INITIAL, pl.Int64).alias("_ts_o"),
                    pl.lit(None, pl.String).alias("_id_o"),
                    *keys,
                    *(pl.lit(None).alias(n) for n in self._narrow_only(keys)),
                )
                opens = pl.concat([start, opens], how="vertical_relaxed")
            opens = opens.with_row_index("_o")
            if not self.closed_by or not opens.height:
                return opens.with_columns(pl.lit(None, pl.Int64).alias("_close"))
            closes = ctx.events.filter(filters.any_of(ctx, self.closed_by)).select(C.TS, *fields)
            pairs = opens.join(closes, on=list(keys), nulls_equal=True, suffix="_c").filter(
                (pl.col(C.TS) > pl.col("_ts_o")) & self._narrowed(keys, "_c")
            )
            first = pairs.group_by("_o").agg(pl.col(C.TS).min().alias("_close"))
            return opens.join(first, on="_o", how="left")

        return ctx.shared(f"state-openings:{self!r}", compute)

    def _covered(self, ctx: EvalContext, events: pl.DataFrame) -> pl.DataFrame:
        """`events` (`C.IDX`, `C.TS`: the instant to judge) joined with every opening of the
        same key that came strictly before that instant and covers the event's narrowing
        fields; the caller compares `C.TS` with `_close`."""
        keys = ctx.keys(self.keys)
        opens = self._openings(ctx)
        if not opens.height or not events.height:
            return pl.DataFrame(
                schema={
                    C.IDX: pl.Int64,
                    C.TS: pl.Int64,
                    "_ts_o": pl.Int64,
                    "_id_o": pl.String,
                    "_close": pl.Int64,
                }
            )
        fields = [*keys, *self._narrow_only(keys)]
        located = ctx.attach(events.select(C.IDX, C.TS), *fields)
        joined = located.join(opens, on=list(keys), nulls_equal=True, suffix="_o").filter(
            (pl.col("_ts_o") < pl.col(C.TS)) & self._narrowed(keys, "", opener="_o")
        )
        return joined.select(C.IDX, C.TS, "_ts_o", "_id_o", "_close")

    def _narrow_only(self, keys: tuple[str, ...]) -> list[str]:
        return [n for n in self.narrow if n not in keys]

    def _narrowed(self, keys: tuple[str, ...], other: str, opener: str = "") -> pl.Expr:
        """The opening's narrowing fields (suffix `opener`) are unset or equal to the other
        event's (suffix `other`); a closer with no value closes every address."""
        out = pl.lit(True)
        for name in self._narrow_only(keys):
            mine, theirs = pl.col(f"{name}{opener}"), pl.col(f"{name}{other}")
            if opener:  # judging an event: the opener's value limits the state, but an event
                # that names no value may be to that very address, so it is covered (fail closed)
                out = out & (mine.is_null() | theirs.is_null() | mine.eq_missing(theirs))
            else:  # closing an opener: a closer without a value closes it
                out = out & (theirs.is_null() | mine.is_null() | mine.eq_missing(theirs))
        return out

"""Kind `prerequisite`: an event matching `where` needs another event, `requires`, of its key.

`when: before` — a required event strictly earlier (with `calendar_days: N`, on one of the N
local days before the event's date or on that date itself): an outsourcing notice before an
agency's first contact.  `when: after` — a required event at the same instant or later, no
later than the end of the N-th local day after the event's date: the validation notice within
five days after the initial communication (an initial letter that is itself the notice
satisfies it).  `first: true` checks only the key's first matching event ("the initial
communication").

A requirement whose deadline has not passed at the run's `as_of` is not a violation: it is
*pending*, and the report's notes list the pending events.  A log without a column the
requirement tests (no `purpose` column at all) cannot show it: its checked events are counted
as not judged, not flagged.  Each finding's evidence is the event
itself (what is missing is the other one).  It is not a timing kind: moving a contact does not
send a missing notice, so the planner gives its findings no other instant (as for wording).

Example rule::

    id: validation-within-five-days
    kind: prerequisite
    where: {kind: contact, direction: outbound, party: debtor}
    params:
      key: [account]
      first: true
      requires: {purpose: validation_notice}
      when: after
      calendar_days: 5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.inputs.clock import midnight_utc
from collectlint.kinds import filters
from collectlint.kinds.base import KEY_SCHEMA, EvalContext, Filter, findings_frame, in_own_zone


@dataclass(frozen=True, slots=True)
class Prerequisite:
    """A compiled `prerequisite` rule."""

    name: ClassVar[str] = "prerequisite"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = True
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "requires", "when"],
        "properties": {
            "key": KEY_SCHEMA,
            "requires": filters.SCHEMA,
            "when": {"enum": ["before", "after"]},
            "calendar_days": {"type": "integer", "minimum": 0, "maximum": 3660},
            "first": {"type": "boolean"},
        },
        "if": {"properties": {"when": {"const": "after"}}},
        "then": {"required": ["calendar_days"]},
    }

    where: Filter
    keys: tuple[str, ...]
    requires: tuple[Filter, ...]
    after: bool
    days: int | None
    first: bool

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Prerequisite:
        """Build from validated params."""
        days = params.get("calendar_days")
        return cls(
            where,
            tuple(params["key"]),
            filters.parse_any(params["requires"]),
            params["when"] == "after",
            None if days is None else int(days),
            bool(params.get("first", False)),
        )

    def constants(self) -> Mapping[str, str]:
        """`{days}` for messages."""
        return {"days": str(self.days if self.days is not None else "")}

    def verify(self) -> None:
        """Nothing to check beyond the schema."""

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag every checked event whose requirement is missing and past its deadline."""
        if self._blind(ctx):
            return findings_frame(pl.DataFrame({C.IDX: []}, schema={C.IDX: pl.Int64}))
        late = self._missing(ctx).filter(~pl.col("_pending")).select(C.IDX)
        found = ctx.attach(late, "id").select(C.IDX, pl.concat_list("id").alias(C.EVIDENCE))
        return in_own_zone(ctx, found)

    def pending(self, ctx: EvalContext) -> pl.DataFrame:
        """The events whose requirement is missing but whose deadline is still open at the
        run's `as_of` (`C.IDX`)."""
        if self._blind(ctx):
            return pl.DataFrame({C.IDX: []}, schema={C.IDX: pl.Int64})
        return self._missing(ctx).filter("_pending").select(C.IDX)

    def not_judged(self, ctx: EvalContext) -> pl.DataFrame:
        """The checked events, when the log lacks a column the requirement tests (a log with
        no `purpose` column cannot show a validation notice): they are not judged rather than
        all flagged.  Otherwise none (`C.IDX`)."""
        if not self._blind(ctx):
            return pl.DataFrame({C.IDX: []}, schema={C.IDX: pl.Int64})
        return self._checked(ctx, ctx.keys(self.keys)).select(C.IDX)

    def _blind(self, ctx: EvalContext) -> bool:
        """Whether a field `requires` tests is absent from the log altogether."""
        names = {c.column for r in self.requires for c in r.conditions}
        return bool(names - set(ctx.events.columns))

    def _checked(self, ctx: EvalContext, keys: tuple[str, ...]) -> pl.DataFrame:
        base = ctx.events.select(C.IDX, C.TS, C.DAY, C.ZONE, "id", *keys).with_columns(
            h=ctx.key_hash(keys)
        )
        checked = base.filter(ctx.where(self.where))
        if self.first:  # the key's first matching event, by time and id
            checked = checked.sort(C.TS, "id").unique(list(keys), keep="first", maintain_order=True)
        return checked

    def _missing(self, ctx: EvalContext) -> pl.DataFrame:
        """The checked events with no satisfying event (`C.IDX`), and whether each one's
        deadline is still open at `as_of` (`_pending`)."""

        def compute() -> pl.DataFrame:
            keys = ctx.keys(self.keys)
            checked = self._checked(ctx, keys)
            needed = (
                ctx.events.select(C.TS, *keys)
                .with_columns(h=ctx.key_hash(keys))
                .filter(filters.any_of(ctx, self.requires))
                .rename({C.TS: "_ts_r"})
            )
            checked = checked.with_columns(self._bounds(checked))
            pairs = checked.join(needed, on="h", suffix="_r").filter(
                pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_r")) for k in keys)
                & self._satisfies()
            )
            missing = checked.join(pairs.select(C.IDX).unique(), on=C.IDX, how="anti")
            if not self.after or ctx.as_of_us is None or not missing.height:
                return missing.select(C.IDX, pl.lit(False).alias("_pending"))
            return missing.select(C.IDX, (pl.col("_until") > ctx.as_of_us).alias("_pending"))

        return ctx.shared(f"prerequisite:{self!r}", compute)

    def _bounds(self, checked: pl.DataFrame) -> list[pl.Series]:
        """The instants bounding each checked event's window, counted in local days of *its*
        zone (a notice logged in another zone meets the same deadline): `_until`, the end of
        the N-th day after (`after`), or `_from`, the start of the N-th day before."""
        if self.days is None:
            return []
        if self.after:
            day = checked[C.DAY] + self.days + 1
            return [midnight_utc(day, checked[C.ZONE]).alias("_until")]
        return [midnight_utc(checked[C.DAY] - self.days, checked[C.ZONE]).alias("_from")]

    def _satisfies(self) -> pl.Expr:
        """A required event (`_ts_r`) satisfies a checked one (`C.TS`, bounds `_bounds`)."""
        if self.after:
            return (pl.col("_ts_r") >= pl.col(C.TS)) & (pl.col("_ts_r") < pl.col("_until"))
        earlier = pl.col("_ts_r") < pl.col(C.TS)
        if self.days is None:
            return earlier
        return earlier & (pl.col("_ts_r") >= pl.col("_from"))

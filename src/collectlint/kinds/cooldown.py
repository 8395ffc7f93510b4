"""Kind `cooldown`: after a trigger event, matching events are forbidden for N calendar days,
or for N business days.

The trigger's local date is day 1, so with `calendar_days: 7` a trigger on Monday forbids
matching events of the same key through Sunday; the next Monday is allowed.  With
`business_days: N` and a `calendar:` (see `collectlint.calendars`) the period runs from the
trigger through the N-th business day after its local date: a trigger on a Friday with
`business_days: 5` forbids through the next Friday (and through the Monday after it if that
Friday is a holiday).  Only triggers strictly earlier than the event count (a trigger at the
same instant did not come first).  Evidence lists the triggers whose period covers the event.
An event whose period would run through a day of a year the calendar does not know officially
is not judged (counted, never passed).

Example rule::

    id: call-after-conversation
    kind: cooldown
    where: {kind: contact, direction: outbound, channel: call}
    params:
      key: [account, person]
      trigger: {kind: contact, channel: call, outcome: conversation}
      calendar_days: 7
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.calendars import business_day_after, business_span
from collectlint.inputs.clock import US_PER_DAY
from collectlint.kinds import exemptions, scenarios
from collectlint.kinds.base import KEY_SCHEMA, EvalContext, Filter, check_calendar, in_own_zone
from collectlint.kinds.windows import Window, in_window


@dataclass(frozen=True, slots=True)
class Cooldown:
    """A compiled `cooldown` rule."""

    name: ClassVar[str] = "cooldown"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = True
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "trigger"],
        "properties": {
            "key": KEY_SCHEMA,
            "trigger": {"type": "object"},
            "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
            "business_days": {"type": "integer", "minimum": 1, "maximum": 366},
            "calendar": {"type": "string", "minLength": 1},
            "exempt": exemptions.SCHEMA,
        },
        "oneOf": [
            {"required": ["calendar_days"], "not": {"required": ["business_days"]}},
            {"required": ["business_days", "calendar"], "not": {"required": ["calendar_days"]}},
        ],
    }

    where: Filter
    keys: tuple[str, ...]
    trigger: Filter
    days: int
    exempt: tuple[exemptions.Exemption, ...]
    calendar: str | None = None
    """With a calendar, `days` counts its business days."""

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Cooldown:
        """Build from validated params."""
        return cls(
            where,
            tuple(params["key"]),
            Filter.parse(params["trigger"]),
            int(params.get("calendar_days") or params["business_days"]),
            exemptions.Exemption.parse_all(params.get("exempt")),
            params.get("calendar") if "business_days" in params else None,
        )

    @property
    def span_days(self) -> int:
        """The most calendar days the period can last: itself, or for business days every
        weekend between plus a generous allowance of holidays."""
        return self.days if self.calendar is None else business_span(self.days)

    @property
    def reach_us(self) -> int:
        """The quiet days (local calendar days reach a day further in UTC) plus the
        exemptions'."""
        return (self.span_days + 1) * US_PER_DAY + exemptions.reach_us(self.exempt)

    def constants(self) -> Mapping[str, str]:
        """`{days}` for messages."""
        return {"days": str(self.days)}

    def verify(self) -> None:
        """A calendar must be one that ships with collectlint."""
        check_calendar(self.calendar, ("calendar",))

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag matching events that fall inside a trigger's cool-down period."""
        keys = ctx.keys(self.keys)
        matching = exemptions.counted_mask(ctx, keys, self.where, self.exempt)
        triggers = ctx.where(self.trigger)
        if self.calendar is not None:
            found = self._business_pairs(ctx, keys, triggers, matching)
            found = found.filter(~pl.col("_unsure"))
            evidence = (
                found.sort(C.IDX, "_ts_t", "_id_t")
                .group_by(C.IDX, maintain_order=True)
                .agg(pl.len().cast(pl.Int64).alias(C.COUNT), pl.col("_id_t").alias(C.EVIDENCE))
            )
            return in_own_zone(ctx, evidence.sort(C.IDX))
        window = Window(days=self.days, strict=True)
        return in_own_zone(ctx, in_window(ctx, keys, triggers, matching, window, at_least=1))

    def not_judged(self, ctx: EvalContext) -> pl.DataFrame:
        """The matching events after a trigger whose business-day period runs through a day
        of a provisional year, and no certain trigger covers (`C.IDX`)."""
        if self.calendar is None:
            return pl.DataFrame({C.IDX: []}, schema={C.IDX: pl.Int64})
        keys = ctx.keys(self.keys)
        matching = exemptions.counted_mask(ctx, keys, self.where, self.exempt)
        pairs = self._business_pairs(ctx, keys, ctx.where(self.trigger), matching)
        sure = pairs.filter(~pl.col("_unsure")).select(C.IDX)
        return pairs.filter("_unsure").select(C.IDX).unique().join(sure, on=C.IDX, how="anti")

    def _business_pairs(
        self, ctx: EvalContext, keys: tuple[str, ...], triggers: pl.Series, matching: pl.Series
    ) -> pl.DataFrame:
        """(event, trigger) pairs of the same key where the trigger came strictly first and
        the event's local date is no later than the trigger's period's last day, with
        `_unsure` where that day cannot be known (a provisional year).

        A join on the key: business-day periods follow rare triggers (an attorney's notice),
        so the pairs are few.
        """
        cols = ctx.events.select(C.IDX, C.TS, C.DAY, "id", *keys).with_columns(h=ctx.key_hash(keys))
        trig = cols.filter(triggers)
        empty = pl.DataFrame(
            schema={C.IDX: pl.Int64, "_ts_t": pl.Int64, "_id_t": pl.String, "_unsure": pl.Boolean}
        )
        if trig.height == 0:
            return empty
        assert self.calendar is not None
        ends = business_day_after(self.calendar, trig[C.DAY], self.days, self.span_days)
        trig = trig.with_columns(ends).rename({C.TS: "_ts_t", C.DAY: "_day_t", "id": "_id_t"})
        pairs = (
            cols.filter(matching)
            .join(trig.drop(C.IDX), on="h", suffix="_t")
            .filter(
                pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_t")) for k in keys)
                & (pl.col("_ts_t") < pl.col(C.TS))
                & ((pl.col(C.DAY) <= pl.col("_end")) | pl.col("_end").is_null())
            )
        )
        return pairs.select(
            pl.col(C.IDX).cast(pl.Int64),
            pl.col("_ts_t").cast(pl.Int64),
            pl.col("_id_t").cast(pl.String),
            pl.col("_end").is_null().alias("_unsure"),
        )

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """The earliest instant at which no earlier trigger's period covers the contact (and,
        if the contact is itself a trigger, its period covers no later matching event)."""
        involved = ctx.where(self.where) | ctx.where(self.trigger)
        exempt_days = [ex.days for ex in self.exempt if ex.days is not None]
        if self.calendar is None:
            breaks = scenarios.calendar(self.days, exempt_days)
        else:  # every midnight the period can end at is a candidate
            breaks = scenarios.calendar_span(self.span_days, exempt_days)
        never = "no instant after the related events is allowed"
        keys = ctx.keys(self.keys)
        return scenarios.answer(ctx, planned, involved, keys, breaks, self.evaluate, never)

"""Kind `frequency`: at most `limit` matching events per key within a window.

The window is either N calendar days in the consumer's local zone (the event's own date being
the last day) or a rolling duration.  Every event that makes the count exceed the limit is a
finding: the count includes the event itself and every earlier or simultaneous matching event of
the same key in the window (simultaneous events count each other, because neither came first).
Evidence lists the ids in the window.

Example rule::

    id: call-volume
    kind: frequency
    where: {kind: contact, direction: outbound, channel: call}
    params:
      key: [account, person]
      limit: 7
      window: {calendar_days: 7}        # or {duration: 24h}, or lifetime
      exempt:
        - {after: {kind: consent}, until: {kind: consent_revoked}, calendar_days: 7}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.inputs.clock import US_PER_DAY
from collectlint.kinds import exemptions, scenarios
from collectlint.kinds.base import KEY_SCHEMA, EvalContext, Filter, in_own_zone
from collectlint.kinds.durations import parse_duration_us
from collectlint.kinds.windows import Window, in_window

LIFETIME_US = 400 * 366 * US_PER_DAY
"""`window: lifetime` is a rolling window longer than any log: four centuries."""


@dataclass(frozen=True, slots=True)
class Frequency:
    """A compiled `frequency` rule."""

    name: ClassVar[str] = "frequency"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = True
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "limit", "window"],
        "properties": {
            "key": KEY_SCHEMA,
            "limit": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
            "window": {
                "description": "{calendar_days: N}, {duration: 24h}, or lifetime",
                "anyOf": [{"const": "lifetime"}, {"$ref": "#/$defs/window"}],
            },
            "exempt": exemptions.SCHEMA,
        },
        "$defs": {
            "window": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
                    "duration": {
                        "type": "string",
                        "pattern": r"^\d{1,6}(s|m|h|d)$",
                        "description": "a duration such as 90m, 24h or 7d",
                    },
                },
            },
        },
    }

    where: Filter
    keys: tuple[str, ...]
    limit: int
    window: Window
    window_text: str
    exempt: tuple[exemptions.Exemption, ...]

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Frequency:
        """Build from validated params."""
        win = params["window"]
        if win == "lifetime":  # every earlier event of the key counts, however long ago
            window = Window(duration_us=LIFETIME_US)
            text = "lifetime"
        elif "calendar_days" in win:
            window = Window(days=int(win["calendar_days"]))
            text = f"{window.days} calendar days"
        else:
            window = Window(duration_us=parse_duration_us(win["duration"]))
            text = str(win["duration"])
        return cls(
            where,
            tuple(params["key"]),
            int(params["limit"]),
            window,
            text,
            exemptions.Exemption.parse_all(params.get("exempt")),
        )

    @property
    def reach_us(self) -> int:
        """The window (local calendar days reach a day further in UTC) plus the exemptions'.
        A lifetime window holds every event already, so after the last one nothing changes."""
        if self.window.duration_us == LIFETIME_US:
            return 1 + exemptions.reach_us(self.exempt)
        if self.window.days is not None:
            window = (self.window.days + 1) * US_PER_DAY
        else:
            window = self.window.duration_us or 0
        return window + exemptions.reach_us(self.exempt)

    def constants(self) -> Mapping[str, str]:
        """`{limit}` and `{window}` for messages."""
        return {"limit": str(self.limit), "window": self.window_text}

    def verify(self) -> None:
        """Nothing to check beyond the schema."""

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag every matching event whose window holds more than `limit` events."""
        keys = ctx.keys(self.keys)
        counted = exemptions.counted_mask(ctx, keys, self.where, self.exempt)
        once = once_per_record(ctx, keys, counted)
        found = in_window(ctx, keys, once, counted, self.window, self.limit + 1)
        return in_own_zone(ctx, found)

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """The earliest instant at which the contact neither exceeds the limit itself nor
        pushes a later event of its key over it (see `kinds.scenarios`)."""
        exempt_days = [ex.days for ex in self.exempt if ex.days is not None]
        if self.window.days is not None:
            breaks = scenarios.calendar(self.window.days, exempt_days)
        else:
            breaks = scenarios.rolling(self.window.duration_us or 0, exempt_days)
        never = (
            "the limit is 0: no such contact is ever allowed"
            if self.limit == 0
            else "no instant after the related events is allowed"
        )
        involved = ctx.where(self.where)
        keys = ctx.keys(self.keys)
        return scenarios.answer(ctx, planned, involved, keys, breaks, self.evaluate, never)


def once_per_record(ctx: EvalContext, keys: tuple[str, ...], counted: pl.Series) -> pl.Series:
    """`counted`, but counting one communication once per key: a communication about two
    debts is two events (one per debt) sharing a `contact` id — a profile that joins a number
    held by two debts writes them so — which a limit per debt counts once each and a limit per
    number once in all.  The same series when no `contact` id is shared."""

    def compute() -> pl.Series:
        if "contact" not in ctx.events.columns:
            return counted
        shared = ctx.events.select(
            (pl.col("contact").is_not_null() & pl.col("contact").is_duplicated()).any()
        ).item()
        if not shared:
            return counted
        rows = ctx.events.select(C.IDX, "contact", *keys).filter(counted)
        first = rows.filter(
            pl.col("contact").is_null() | pl.struct(*keys, "contact").is_first_distinct()
        )
        return ctx.mask(first[C.IDX])

    return ctx.shared(f"once-per-record:{keys}:{id(counted)}", compute)

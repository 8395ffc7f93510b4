"""Kind `hours`: contacts must fall inside an allowed local-time window.

The window is half-open, `[start, end)`: with `start: "08:00"` and `end: "21:00"`, 08:00:00 is
allowed and 21:00:00 is not.  When an event lists several candidate zones (the consumer may be
in any of them) it is checked in **every** zone and is a finding if it is outside the window in
any; the finding reports the first such zone.  `days` can give a weekday its own window, or
`null` to forbid contact on that day.  A window whose end is before its start wraps midnight
(e.g. start 08:00, end 02:00 allows late evenings).

Example rule::

    id: inconvenient-time
    kind: hours
    where: {kind: contact, direction: outbound, channel: {not: letter}}
    params: {start: "08:00", end: "21:00"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

import polars as pl

from collectlint.inputs.clock import US_PER_DAY, US_PER_SECOND, local_us
from collectlint.kinds.base import EvalContext, findings_frame
from collectlint.model import RuleSpec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = {
    "type": "string",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$|^24:00$",
    "description": 'a quoted local time such as "08:00" or "24:00"',
}
_SPAN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["start", "end"],
    "properties": {"start": _CLOCK, "end": _CLOCK},
}

PARAMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["start", "end"],
    "properties": {
        "start": _CLOCK,
        "end": _CLOCK,
        "zones": {"enum": ["all", "primary"]},
        "days": {
            "type": "object",
            "additionalProperties": False,
            "properties": {d: {"anyOf": [_SPAN, {"type": "null"}]} for d in WEEKDAYS},
        },
    },
}


def _clock_us(text: str) -> int:
    if text == "24:00":
        return US_PER_DAY
    parsed = time.fromisoformat(text)
    return ((parsed.hour * 60 + parsed.minute) * 60 + parsed.second) * US_PER_SECOND


@dataclass(frozen=True, slots=True)
class Hours:
    """A compiled `hours` rule: allowed [start, end) per weekday (None = no contact)."""

    spec: RuleSpec
    windows: tuple[tuple[int, int] | None, ...]
    all_zones: bool

    @classmethod
    def compile(cls, spec: RuleSpec) -> Hours:
        """Build from a validated spec."""
        params = spec.params
        default = (_clock_us(params["start"]), _clock_us(params["end"]))
        overrides = params.get("days") or {}
        windows: list[tuple[int, int] | None] = []
        for day in WEEKDAYS:
            if day not in overrides:
                windows.append(default)
            elif overrides[day] is None:
                windows.append(None)
            else:
                windows.append(
                    (_clock_us(overrides[day]["start"]), _clock_us(overrides[day]["end"]))
                )
        return cls(spec, tuple(windows), params.get("zones", "all") == "all")

    def template_values(self) -> Mapping[str, str]:
        """`{start}` and `{end}` for messages."""
        return {"start": self.spec.params["start"], "end": self.spec.params["end"]}

    def outside_expr(self, local: pl.Expr) -> pl.Expr:
        """True where a local wall-clock time (µs) is outside its weekday's window."""
        tod = local % US_PER_DAY
        if len(set(self.windows)) == 1:  # the same window every day: no weekday needed
            return _outside_window(tod, self.windows[0])
        weekday = (local // US_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday (index 3)
        expr: pl.Expr = pl.lit(True)
        for index in reversed(range(7)):
            outside = _outside_window(tod, self.windows[index])
            expr = pl.when(weekday == index).then(outside).otherwise(expr)
        return expr

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag matching events outside the window in any (or the primary) candidate zone."""
        mask = ctx.where(self.spec.where)
        outside = self.outside_expr(pl.col("local"))
        if not self.all_zones:
            flagged = ctx.events.filter(mask).filter(outside)
            return _with_own_id(ctx, flagged.select("_idx", "zone", "local"))
        # `zone` is the first candidate of `timezone`, so they differ exactly when there are several
        several = (pl.col("timezone") != pl.col("zone")).fill_null(False)
        # one pass for the common single-zone rows; only the few multi-zone rows are split
        columns = ctx.events.select("_idx", "ts", "zone", "timezone", "local")
        found = [
            columns.filter(mask & ~several & outside).select(
                "_idx", pl.col("zone").cast(pl.String), "local"
            )
        ]
        multi = columns.filter(mask & several)
        if multi.height:
            pairs = multi.select(
                "_idx", "ts", zone=pl.col("timezone").cast(pl.String).str.split("|")
            )
            pairs = pairs.explode("zone").with_row_index("k")
            pairs = pairs.with_columns(local=local_us(pairs["ts"], pairs["zone"]))
            first = (
                pairs.filter(self.outside_expr(pl.col("local")))
                .sort("_idx", "k")
                .unique("_idx", keep="first", maintain_order=True)
            )
            found.append(first.select("_idx", "zone", "local"))
        return _with_own_id(ctx, pl.concat(found).sort("_idx"))


def _outside_window(tod: pl.Expr, window: tuple[int, int] | None) -> pl.Expr:
    """True where a time of day (µs) is outside `[start, end)`; None forbids the whole day."""
    if window is None:
        return pl.lit(True)
    start, end = window
    if start <= end:
        return (tod < start) | (tod >= end)
    return (tod < start) & (tod >= end)  # the window wraps midnight


def _with_own_id(ctx: EvalContext, found: pl.DataFrame) -> pl.DataFrame:
    """An hours finding's evidence is the event itself."""
    with_id = ctx.attach(found, "id")
    return findings_frame(with_id.with_columns(evidence=pl.concat_list("id")))

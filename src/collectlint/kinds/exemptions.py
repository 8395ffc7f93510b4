"""Exemption windows opened by an account event, such as prior consent to calls.

12 CFR 1006.14(b)(3)(i) excludes calls placed with the person's prior consent within seven
consecutive days of receiving it (the day consent is received being the first).  The shape is
general: an *opener* event (e.g. `kind: consent`) exempts later checked events of the same key
whose local date falls within `days` calendar days of the opener's date, unless a *closer* event
(e.g. `kind: consent_revoked`) came after the opener and no later than the checked event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectlint.kinds.base import EvalContext

SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["after", "calendar_days"],
        "properties": {
            "after": {"type": "object"},
            "until": {"type": "object"},
            "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
        },
    },
}
"""JSON Schema of a kind's `exempt:` parameter."""


@dataclass(frozen=True, slots=True)
class Exemption:
    """An exemption window: opened by `opener`, `days` long, ended early by `closer`."""

    opener: Mapping[str, Any]
    closer: Mapping[str, Any] | None
    days: int

    @classmethod
    def parse_all(cls, raw: Sequence[Mapping[str, Any]] | None) -> tuple[Exemption, ...]:
        """Build exemptions from a validated `exempt:` list."""
        return tuple(
            cls(item["after"], item.get("until"), int(item["calendar_days"])) for item in raw or ()
        )


def counted_mask(
    ctx: EvalContext,
    keys: tuple[str, ...],
    where: Mapping[str, Any],
    exemptions: Sequence[Exemption],
) -> pl.Series:
    """Events matching `where` that no exemption covers, computed once per pack (the same
    object for every rule that asks, so they can share work keyed by it)."""

    def compute() -> pl.Series:
        mask = ctx.where(where)
        if exemptions:
            mask = mask & ~exempt_mask(ctx, keys, where, exemptions)
        return mask

    key = json.dumps(["counted", keys, where, exemptions], sort_keys=True, default=repr)
    return ctx.shared(key, compute)


def exempt_mask(
    ctx: EvalContext,
    keys: tuple[str, ...],
    where: Mapping[str, Any],
    exemptions: Sequence[Exemption],
) -> pl.Series:
    """True for each event of `ctx.events` matching `where` that an exemption window covers.

    Rules of one pack often share the filter, key and exemptions (both Regulation F call rules
    do), so the mask is computed once per pack and shared.
    """
    key = json.dumps(["exempt", keys, where, exemptions], sort_keys=True, default=repr)
    return ctx.shared(key, lambda: _exempt_mask(ctx, keys, ctx.where(where), exemptions))


def _exempt_mask(
    ctx: EvalContext,
    keys: tuple[str, ...],
    checked: pl.Series,
    exemptions: Sequence[Exemption],
) -> pl.Series:
    covered: list[pl.Series] = []
    base = ctx.events.select("_idx", "ts", "day", *keys).with_columns(h=ctx.key_hash(keys))
    for ex in exemptions:
        opener = ctx.where(ex.opener)
        if not opener.any():
            continue
        opens = base.filter(opener).rename({"ts": "ts_o", "day": "day_o"}).drop("_idx")
        cand = base.filter(checked).join(opens, on="h", suffix="_o")
        cand = cand.filter(
            pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_o")) for k in keys)
            & (pl.col("ts_o") < pl.col("ts"))
            & (pl.col("day_o") <= pl.col("day"))
            & (pl.col("day") <= pl.col("day_o") + (ex.days - 1))
        ).with_row_index("cid")
        if ex.closer is not None and cand.height:
            closer = ctx.where(ex.closer)
            closes = base.filter(closer).select("h", *keys, ts_c="ts")
            ended = (
                cand.join(closes, on="h", suffix="_c")
                .filter(
                    pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_c")) for k in keys)
                    & (pl.col("ts_c") > pl.col("ts_o"))
                    & (pl.col("ts_c") <= pl.col("ts"))
                )
                .select("cid")
                .unique()
            )
            cand = cand.filter(~pl.col("cid").is_in(ended["cid"].implode()))
        covered.append(cand["_idx"])
    if not covered:
        return pl.repeat(False, ctx.events.height, dtype=pl.Boolean, eager=True).rename("exempt")
    return ctx.mask(pl.concat(covered).unique()).rename("exempt")

"""Exemption windows opened by an account event, such as prior consent to calls.

12 CFR 1006.14(b)(3)(i) excludes calls placed with the person's prior consent within seven
consecutive days of receiving it (the day consent is received being the first).  The shape is
general: an *opener* event (e.g. `kind: consent`) exempts later checked events of the same key
whose local date falls within `days` calendar days of the opener's date, unless a *closer* event
(e.g. `kind: consent_revoked`) came after the opener and no later than the checked event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectlint.kinds.base import EvalContext, filter_expr

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


def exempt_mask(
    ctx: EvalContext,
    keys: tuple[str, ...],
    checked: pl.Series,
    exemptions: Sequence[Exemption],
) -> pl.Series:
    """True for each checked event of `ctx.events` that some exemption window covers."""
    covered: list[pl.Series] = []
    base = ctx.events.select("_idx", "ts", "day", *keys).with_columns(h=ctx.key_hash(keys))
    for ex in exemptions:
        opener = ctx.events.select(filter_expr(ex.opener)).to_series()
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
            closer = ctx.events.select(filter_expr(ex.closer)).to_series()
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
        return pl.Series("exempt", [False] * ctx.events.height, dtype=pl.Boolean)
    return ctx.events["_idx"].is_in(pl.concat(covered).unique().implode()).rename("exempt")

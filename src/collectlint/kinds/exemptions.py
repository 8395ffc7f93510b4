"""Exemption windows opened by an account event, such as prior consent to calls.

12 CFR 1006.14(b)(3)(i) excludes calls placed with the person's prior consent within seven
consecutive days of receiving it (the day consent is received being the first).  The shape is
general: an *opener* event (e.g. `kind: consent`) exempts later checked events of the same key
whose local date falls within `days` calendar days of the opener's date, unless a *closer* event
(e.g. `kind: consent_revoked`, or one of a list of them) came after the opener and no later than
the checked event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectlint import columns as C
from collectlint.inputs.clock import US_PER_DAY
from collectlint.kinds import filters
from collectlint.kinds.base import KEY_SCHEMA, EvalContext, Filter


def schema(*, standalone: bool) -> dict[str, Any]:
    """JSON Schema of a kind's `exempt:` parameter.  A counting kind's exemptions use its own
    key and always end (`calendar_days`); a kind with no key of its own (`hours`, `wording`)
    names the key of each exemption, and an exemption without `calendar_days` lasts until a
    closer (consent to calls at any hour until revoked, a court's permission)."""
    item: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["after"] if standalone else ["after", "calendar_days"],
        "properties": {
            "after": {"type": "object"},
            "until": filters.SCHEMA,
            "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
        },
    }
    if standalone:
        item["properties"]["key"] = KEY_SCHEMA
    return {"type": "array", "items": item}


SCHEMA: dict[str, Any] = schema(standalone=False)
"""JSON Schema of a kind's `exempt:` parameter."""


@dataclass(frozen=True, slots=True)
class Exemption:
    """An exemption window: opened by `opener`, `days` long, ended early by any `closers`."""

    opener: Filter
    closers: tuple[Filter, ...]
    days: int | None
    keys: tuple[str, ...] = ("account",)

    @classmethod
    def parse_all(cls, raw: Sequence[Mapping[str, Any]] | None) -> tuple[Exemption, ...]:
        """Build exemptions from a validated `exempt:` list."""
        return tuple(
            cls(
                Filter.parse(item["after"]),
                filters.parse_any(item.get("until")),
                None if item.get("calendar_days") is None else int(item["calendar_days"]),
                tuple(item.get("key", ("account",))),
            )
            for item in raw or ()
        )


def reach_us(exempt: Sequence[Exemption]) -> int:
    """How long an opener can change what counts: its longest window, plus a day because the
    days are the consumer's local calendar days, not UTC ones."""
    return max(((ex.days or 0) + 1) * US_PER_DAY for ex in exempt) if exempt else 0


def counted_mask(
    ctx: EvalContext, keys: tuple[str, ...], where: Filter, exemptions: Sequence[Exemption]
) -> pl.Series:
    """Events matching `where` that no exemption covers, computed once per pack (the same
    object for every rule that asks, so they can share work keyed by it).  `keys` are event
    columns (see `EvalContext.keys`)."""

    def compute() -> pl.Series:
        mask = ctx.where(where)
        if exemptions:
            mask = mask & ~_exempt_mask(ctx, keys, mask, exemptions)
        return mask

    return ctx.shared(f"counted:{keys}:{where.key}:{exemptions!r}", compute)


def judged_mask(ctx: EvalContext, where: Filter, exempt: Sequence[Exemption]) -> pl.Series:
    """Events matching `where` that none of `exempt` (each with its own key) covers: what a
    kind with no key of its own (`hours`, `wording`) judges."""
    mask = ctx.where(where)
    for keys in dict.fromkeys(ex.keys for ex in exempt):
        group = [ex for ex in exempt if ex.keys == keys]
        mask = mask & counted_mask(ctx, ctx.keys(keys), where, group)
    return mask


def _exempt_mask(
    ctx: EvalContext, keys: tuple[str, ...], checked: pl.Series, exemptions: Sequence[Exemption]
) -> pl.Series:
    covered: list[pl.Series] = []
    base = ctx.events.select(C.IDX, C.TS, C.DAY, *keys).with_columns(h=ctx.key_hash(keys))
    for ex in exemptions:
        opener = ctx.where(ex.opener)
        if not opener.any():
            continue
        opens = base.filter(opener).rename({C.TS: "ts_o", C.DAY: "day_o"}).drop(C.IDX)
        cand = base.filter(checked).join(opens, on="h", suffix="_o")
        cand = cand.filter(
            pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_o")) for k in keys)
            & (pl.col("ts_o") < pl.col(C.TS))
            & (pl.col("day_o") <= pl.col(C.DAY))
            & (
                pl.lit(True)
                if ex.days is None
                else pl.col(C.DAY) <= pl.col("day_o") + (ex.days - 1)
            )
        ).with_row_index("cid")
        if ex.closers and cand.height:
            closes = base.filter(filters.any_of(ctx, ex.closers)).select("h", *keys, ts_c=C.TS)
            ended = (
                cand.join(closes, on="h", suffix="_c")
                .filter(
                    pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_c")) for k in keys)
                    & (pl.col("ts_c") > pl.col("ts_o"))
                    & (pl.col("ts_c") <= pl.col(C.TS))
                )
                .select("cid")
                .unique()
            )
            cand = cand.filter(~pl.col("cid").is_in(ended["cid"].implode()))
        covered.append(cand[C.IDX])
    if not covered:
        return pl.repeat(False, ctx.events.height, dtype=pl.Boolean, eager=True).rename("exempt")
    return ctx.mask(pl.concat(covered).unique()).rename("exempt")

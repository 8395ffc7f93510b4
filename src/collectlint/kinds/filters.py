"""Parameters that hold one filter or a list of them (`opened_by`, `except`, ...).

A list matches an event when any of its filters does, so "a `cease` event, or an inbound
message that says STOP" is two filters in one list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from collectlint.kinds.base import EvalContext, Filter

SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "object"},
        {"type": "array", "minItems": 1, "items": {"type": "object"}},
    ]
}
"""JSON Schema of a parameter holding a filter or a list of filters (each filter is checked
field by field by the loader, as `where:` is)."""


def parse_any(raw: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> tuple[Filter, ...]:
    """The filters of a validated parameter (none when it is absent)."""
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        return (Filter.parse(raw),)
    return tuple(Filter.parse(item) for item in raw)


def any_of(ctx: EvalContext, filters: Sequence[Filter]) -> pl.Series:
    """The events of `ctx` matching at least one of `filters` (none, for no filter)."""
    out = pl.repeat(False, ctx.events.height, dtype=pl.Boolean, eager=True)
    for flt in filters:
        out = out | ctx.where(flt)
    return out.rename("any")

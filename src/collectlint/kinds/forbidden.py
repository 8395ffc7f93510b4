"""Kind `forbidden`: every event matching `where` (and no `except` filter) is a finding.

For conduct the law bans outright, whenever and however often it happens: a collection post
the public or the person's contacts can see, a contact from a collector's private device, a
number taken from the debtor's address book.  A planned event of this kind is never allowed,
so the planner says so rather than offering another time.

Example rule::

    id: public-social-media
    kind: forbidden
    where: {kind: contact, channel: social, visibility: [public, contacts]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.kinds import filters
from collectlint.kinds.base import EvalContext, Filter, in_own_zone


@dataclass(frozen=True, slots=True)
class Forbidden:
    """A compiled `forbidden` rule."""

    name: ClassVar[str] = "forbidden"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = False
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"except": filters.SCHEMA},
    }

    where: Filter
    allowed: tuple[Filter, ...]

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Forbidden:
        """Build from validated params."""
        return cls(where, filters.parse_any(params.get("except")))

    @property
    def reach_us(self) -> int:
        """It looks at no other event; 1 µs so that the planner still searches the clocks."""
        return 1

    def constants(self) -> Mapping[str, str]:
        """No values of its own for messages."""
        return {}

    def verify(self) -> None:
        """Nothing to check beyond the schema."""

    def matching(self, ctx: EvalContext) -> pl.Series:
        """The events the rule forbids."""
        return ctx.where(self.where) & ~filters.any_of(ctx, self.allowed)

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Every forbidden event; its evidence is itself."""
        found = ctx.events.filter(self.matching(ctx)).select(
            C.IDX, pl.concat_list("id").alias(C.EVIDENCE)
        )
        return in_own_zone(ctx, found)

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """Never, for a planned event the rule forbids (no time makes it lawful)."""
        banned = ctx.events.filter(self.matching(ctx)).select(C.IDX)
        return planned.select(
            pl.col(C.IDX).cast(pl.Int64),
            pl.when(pl.col(C.IDX).is_in(banned[C.IDX].implode()))
            .then(None)
            .otherwise(pl.col(C.AT))
            .cast(pl.Int64)
            .alias(C.AT),
            pl.when(pl.col(C.IDX).is_in(banned[C.IDX].implode()))
            .then(pl.lit("never: this contact is forbidden whenever it is made"))
            .otherwise(None)
            .alias(C.WHY),
        )

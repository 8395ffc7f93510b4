"""What every rule kind shares: the evaluation context, the findings shape and `where:` filters.

A kind compiles a `RuleSpec` into an object whose `evaluate(ctx)` returns a Polars frame of
findings with the columns in `FINDING_SCHEMA`.  Kinds never loop over events in Python; they
build column expressions, joins and binary searches over the whole table.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import polars as pl

from collectlint.model import RuleSpec

T = TypeVar("T")

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "_idx": pl.Int64(),
    "evidence": pl.List(pl.String()),
    "count": pl.Int64(),
    "zone": pl.String(),
    "local": pl.Int64(),
    "category": pl.String(),
    "quote": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}
"""Columns of a kind's findings: the event's table index, the ids that justify the finding,
the count that crossed a limit (if any), the zone and local time the finding is judged in, and
for wording findings the category, the quoted text and its character offsets in the body."""


@dataclass(frozen=True, slots=True)
class EvalContext:
    """The events one pack sees, with derived columns, and work shared by its rules.

    `events` holds the checkable events routed to the pack: canonical columns plus `_idx`
    (position in the full table), `ts` (UTC µs), `zone` (primary, pack default applied),
    `local` (local wall-clock µs in `zone`) and `day` (local calendar day number).

    Rules of a pack often need the same intermediate results (both Regulation F call rules
    filter, exempt, hash and sort the same calls).  `shared` computes each once, by a key that
    describes it; rules may run in parallel threads, so a second asker waits for the first.
    """

    events: pl.DataFrame
    _memo: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()`, run once per `key` for this context."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
            value: T = self._memo[key]
            return value

    def where(self, where: Mapping[str, Any]) -> pl.Series:
        """The boolean `where:` filter over `events`, computed once per distinct filter."""
        key = "where:" + json.dumps(where, sort_keys=True, default=repr)
        return self.shared(key, lambda: self.events.select(filter_expr(where)).to_series())

    def positions(self, idx: pl.Series) -> pl.Series:
        """Row positions in `events` of the given `_idx` values (which must be present).

        `events` keeps the table's order, so `_idx` is increasing and a binary search replaces
        a hash join against the whole table.
        """
        return self.events["_idx"].search_sorted(idx, side="left").cast(pl.Int64)

    def mask(self, idx: pl.Series) -> pl.Series:
        """A boolean column over `events`: true at the rows whose `_idx` is in `idx`."""
        false = pl.repeat(False, self.events.height, dtype=pl.Boolean, eager=True)
        return false.scatter(self.positions(idx), True) if len(idx) else false

    def attach(self, found: pl.DataFrame, *columns: str) -> pl.DataFrame:
        """`found` (rows keyed by `_idx`) with event `columns` added by position."""
        rows = self.events.select(columns).gather(self.positions(found["_idx"]))
        return pl.concat([found, rows], how="horizontal")

    def key_hash(self, keys: tuple[str, ...]) -> pl.Series:
        """A 64-bit hash of the `keys` columns per event, computed once per key set (the call
        rules and their exemptions all group by the same key)."""
        hashes = self.shared(
            f"hash:{keys}", lambda: self.events.select(pl.struct(list(keys)).hash()).to_series()
        )
        return hashes.rename("h")


class CompiledRule(Protocol):
    """A rule ready to run: its spec and a vectorised evaluation."""

    @property
    def spec(self) -> RuleSpec:
        """The rule as its pack defines it."""
        ...

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Return findings (columns `FINDING_SCHEMA`) for the events in `ctx`."""
        ...

    def template_values(self) -> Mapping[str, str]:
        """Constants the rule's message may use, such as `{limit}` or `{start}`."""
        ...


def empty_findings() -> pl.DataFrame:
    """A findings frame with no rows."""
    return pl.DataFrame(schema=FINDING_SCHEMA)


def filter_expr(where: Mapping[str, Any]) -> pl.Expr:
    """Compile a `where:` mapping into a boolean expression (all conditions must hold).

    A condition is a value (equals), a list (one of), `{not: value-or-list}` or
    `{present: bool}`.  A null cell never equals anything, so `{not: [x]}` keeps nulls.
    """
    expr = pl.lit(True)
    for name, condition in sorted(where.items()):
        col = pl.col(name)
        if isinstance(condition, str):
            expr = expr & (col == condition).fill_null(False)
        elif isinstance(condition, list):
            expr = expr & col.is_in(condition).fill_null(False)
        else:
            if "not" in condition:
                banned = condition["not"]
                values = [banned] if isinstance(banned, str) else list(banned)
                expr = expr & ~col.is_in(values).fill_null(False)
            if "present" in condition:
                expr = expr & (col.is_not_null() if condition["present"] else col.is_null())
    return expr


def findings_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and type the findings columns, filling absent ones with nulls."""
    exprs = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in FINDING_SCHEMA.items()
    ]
    return frame.select(exprs)

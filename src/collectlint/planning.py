"""The earliest instant a planned contact could be made without breaking a timing rule.

Each timing kind answers for its own rule (`TimingKind.next_allowed`): the earliest instant at
or after a given one at which the rule allows the contact, against the whole history — events
before and after it.  This module only combines the answers: every timing rule that judges the
contact is asked at the current candidate; the latest answer becomes the next candidate; this
repeats until every rule accepts the same instant.  Each answer is the rule's least allowed
instant at or after the candidate, so the candidates never pass the least instant all rules
allow, and the first candidate they all accept is it.  A rule that allows no instant ends the
search with its reason.  No loop here runs per event: each round asks each rule once, for all
the contacts still unsettled.
"""

from __future__ import annotations

import polars as pl

from collectlint import columns as C
from collectlint.engine import EngineResult
from collectlint.kinds.base import NEXT_SCHEMA, TimingKind

MAX_ROUNDS = 32
"""Rounds before the search gives up and reports that no instant was found (never silently)."""


def next_allowed(result: EngineResult, planned: pl.Series) -> pl.DataFrame:
    """For the events at table positions `planned` (`C.IDX`), the earliest instant (UTC µs) at
    or after each one's own time at which it breaks no timing rule (`at`), or null with the
    `reason` there is none (columns `NEXT_SCHEMA`)."""
    idx = planned.unique().sort().cast(pl.Int64)
    start = result.table.select(C.IDX, C.TS).filter(pl.col(C.IDX).is_in(idx.implode()))
    current = start.select(C.IDX, pl.col(C.TS).alias("at"))
    done: list[pl.DataFrame] = []
    for _ in range(MAX_ROUNDS):
        if current.height == 0:
            break
        answers = _ask(result, current)
        if answers.height == 0:
            done.append(current.with_columns(reason=pl.lit(None, pl.String)))
            current = current.clear()
            break
        merged = answers.group_by(C.IDX).agg(
            pl.col("at").max().alias("_new"),
            pl.col("at").is_null().any().alias("_never"),
            pl.col("reason").drop_nulls().first().alias("reason"),
        )
        step = current.join(merged, on=C.IDX, how="left")
        never = step.filter(pl.col("_never").fill_null(False))
        done.append(never.select(C.IDX, pl.lit(None, pl.Int64).alias("at"), "reason"))
        step = step.filter(~pl.col("_never").fill_null(False)).with_columns(
            pl.max_horizontal("at", "_new").alias("_new")
        )
        settled = step.filter(pl.col("_new") == pl.col("at"))
        done.append(settled.select(C.IDX, "at", pl.lit(None, pl.String).alias("reason")))
        current = step.filter(pl.col("_new") != pl.col("at")).select(
            C.IDX, pl.col("_new").alias("at")
        )
    if current.height:
        reason = f"no instant allowed by every timing rule was found within {MAX_ROUNDS} rounds"
        done.append(
            current.select(C.IDX, pl.lit(None, pl.Int64).alias("at"), reason=pl.lit(reason))
        )
    if not done:
        return pl.DataFrame(schema=NEXT_SCHEMA)
    return pl.concat(
        [d.select(NEXT_SCHEMA.keys()).cast(pl.Schema(NEXT_SCHEMA)) for d in done]
    ).sort(C.IDX)


def _ask(result: EngineResult, current: pl.DataFrame) -> pl.DataFrame:
    """Every timing rule's answer for the planned events its pack judges."""
    answers = []
    for run in result.runs:
        mine = current.join(run.context.events.select(C.IDX), on=C.IDX, how="semi")
        if mine.height == 0:
            continue
        for rule in run.pack.rules:
            if isinstance(rule.check, TimingKind):
                answer = rule.check.next_allowed(run.context, mine)
                answers.append(answer.select(NEXT_SCHEMA.keys()).cast(pl.Schema(NEXT_SCHEMA)))
    return pl.concat(answers) if answers else pl.DataFrame(schema=NEXT_SCHEMA)

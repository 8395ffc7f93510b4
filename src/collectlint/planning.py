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
from collectlint.errors import InternalError
from collectlint.inputs.clock import US_PER_DAY
from collectlint.kinds.base import NEXT_SCHEMA, TimingKind

HORIZON_DAYS = 400
"""How far past the instant asked about the search goes before it concludes that no instant
is allowed by every rule (each rule on its own answers exactly; rules that exclude each
other, such as two hours windows that never overlap, would otherwise move it forever)."""
MAX_ROUNDS = 5_000
"""A bound on the rounds, which a real history never reaches; reaching it is reported as
such, never as a verdict."""


def next_allowed(result: EngineResult, planned: pl.Series) -> pl.DataFrame:
    """For the events at table positions `planned` (`C.IDX`), the earliest instant (UTC µs) at
    or after each one's own time at which it breaks no timing rule (`at`), or null with the
    `reason` there is none (columns `NEXT_SCHEMA`)."""
    idx = planned.unique().sort().cast(pl.Int64)
    start = result.table.select(C.IDX, C.TS).filter(pl.col(C.IDX).is_in(idx.implode()))
    current = start.select(C.IDX, pl.col(C.TS).alias(C.AT))
    limits = start.select(C.IDX, (pl.col(C.TS) + HORIZON_DAYS * US_PER_DAY).alias("_limit"))
    beyond = (
        f"no instant in the {HORIZON_DAYS} days from the one asked about is allowed by every "
        "timing rule at once"
    )
    done: list[pl.DataFrame] = []
    for _ in range(MAX_ROUNDS):
        if current.height == 0:
            break
        late = current.join(limits, on=C.IDX).filter(pl.col(C.AT) > pl.col("_limit"))
        if late.height:
            done.append(
                late.select(C.IDX, pl.lit(None, pl.Int64).alias(C.AT), pl.lit(beyond).alias(C.WHY))
            )
            current = current.join(late, on=C.IDX, how="anti")
            if current.height == 0:
                break
        answers = _ask(result, current)
        if answers.height == 0:
            done.append(current.with_columns(pl.lit(None, pl.String).alias(C.WHY)))
            current = current.clear()
            break
        merged = answers.group_by(C.IDX).agg(
            pl.col(C.AT).max().alias("_new"),
            pl.col(C.AT).is_null().any().alias("_never"),
            pl.col(C.WHY).drop_nulls().first().alias(C.WHY),
        )
        step = current.join(merged, on=C.IDX, how="left")
        never = step.filter(pl.col("_never").fill_null(False))
        done.append(never.select(C.IDX, pl.lit(None, pl.Int64).alias(C.AT), C.WHY))
        step = step.filter(~pl.col("_never").fill_null(False)).with_columns(
            pl.max_horizontal(C.AT, "_new").alias("_new")
        )
        settled = step.filter(pl.col("_new") == pl.col(C.AT))
        done.append(settled.select(C.IDX, C.AT, pl.lit(None, pl.String).alias(C.WHY)))
        current = step.filter(pl.col("_new") != pl.col(C.AT)).select(
            C.IDX, pl.col("_new").alias(C.AT)
        )
    if current.height:
        reason = f"the search stopped after {MAX_ROUNDS} rounds without settling on an instant"
        done.append(
            current.select(C.IDX, pl.lit(None, pl.Int64).alias(C.AT), pl.lit(reason).alias(C.WHY))
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
            if not isinstance(rule.check, TimingKind):
                continue
            try:
                answer = rule.check.next_allowed(run.context, mine)
            except Exception as exc:  # fail closed, naming the rule (as engine.run_rule does)
                raise InternalError(
                    f"rule {rule.id} could not find the next allowed instant: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            answers.append(answer.select(NEXT_SCHEMA.keys()).cast(pl.Schema(NEXT_SCHEMA)))
    return pl.concat(answers) if answers else pl.DataFrame(schema=NEXT_SCHEMA)

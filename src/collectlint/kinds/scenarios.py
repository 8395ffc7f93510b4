"""The earliest instant a counting rule allows a planned contact, checked by the rule itself.

A counting rule's verdict on a contact moved to instant `c` depends on the other events of its
key: which fall in its window, and in whose windows it falls (a contact placed before logged
calls counts toward their limits too).  That verdict can change only at a few instants: when
`c` reaches or passes another event's instant, and at the local midnights where a calendar
window starts or ends.  So the earliest allowed instant at or after the one asked about is
either that instant or one of these *breakpoints*.

For each question, the candidates are tried in order through the rule's own `evaluate`, on a
*scenario*: the key's other events plus the contact at the candidate instant, isolated from
every other scenario by `columns.SCOPE`.  A candidate is allowed when no finding of its scenario
is the contact itself or cites it as evidence.  There is no second implementation of the rule
to drift from the first: the answer, checked as a contact, breaks no rule by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import polars as pl

from collectlint import columns as C
from collectlint.inputs.clock import US_PER_DAY, local_us, midnight_utc
from collectlint.kinds.base import NEXT_SCHEMA, EvalContext, no_change

BATCHES = (8, 32, 128, 512)
"""Candidates tried per question in each round (then the last size, repeated): most answers
are among the first few breakpoints.  Every candidate is tried before a question is answered
with `never`: the breakpoints of a key are finite."""


@dataclass(frozen=True, slots=True)
class Breakpoints:
    """Where a rule's verdict on a moved contact can change, relative to each other event.

    `instants`: offsets (µs) from each other event's instant; `midnights`: offsets (days) from
    each other event's local date, taken as local midnight in the planned contact's zone;
    `back`/`ahead`: how far (µs) from a candidate another event can still matter.
    """

    instants: tuple[int, ...]
    midnights: tuple[int, ...]
    back: int
    ahead: int


def calendar(days: int, exempt_days: Sequence[int]) -> Breakpoints:
    """Breakpoints of a window of `days` local calendar days with exemptions of `exempt_days`.

    The contact counts another event e (or e counts it) when their order and their local dates
    allow: flips at e's instant (and just after it), and at the midnights starting e's date,
    the day after, and the days `days` after and `days - 1` before it; an exemption opened by
    e starts just after it and ends at the midnight `exempt_days` after its date.
    """
    span = max([days, *exempt_days]) + 2
    return Breakpoints(
        instants=(0, 1),
        midnights=tuple(sorted({0, 1, days, 1 - days, *exempt_days})),
        back=(span + days) * US_PER_DAY,
        ahead=(days + 2) * US_PER_DAY,
    )


def calendar_span(span_days: int, exempt_days: Sequence[int]) -> Breakpoints:
    """Breakpoints of a window that can end at any local midnight up to `span_days` days after
    another event's date (a period of business days, whose length in calendar days depends on
    the weekends and holidays it crosses): every one of those midnights is a candidate."""
    base = calendar(span_days, exempt_days)
    days = range(1 - span_days, span_days + 2)
    midnights = tuple(sorted({*base.midnights, *days}))
    return Breakpoints(base.instants, midnights, base.back, base.ahead)


def rolling(duration_us: int, exempt_days: Sequence[int]) -> Breakpoints:
    """Breakpoints of a rolling window of `duration_us` (see `calendar`)."""
    span = max([0, *exempt_days]) + 2
    return Breakpoints(
        instants=(0, 1, duration_us, 1 - duration_us),
        midnights=tuple(sorted({0, 1, *exempt_days})),
        back=2 * duration_us + span * US_PER_DAY,
        ahead=duration_us + 2 * US_PER_DAY,
    )


Evaluate = Callable[[EvalContext], pl.DataFrame]


def earliest(
    ctx: EvalContext,
    planned: pl.DataFrame,
    keys: tuple[str, ...],
    breaks: Breakpoints,
    evaluate: Evaluate,
    never: str,
) -> pl.DataFrame:
    """For each planned event (`C.IDX`, `C.AT`), the earliest instant at or after `at` at which
    `evaluate` on its scenario finds nothing involving it (columns `NEXT_SCHEMA`); null, with
    `never` as the reason, when no breakpoint is allowed (then no later instant is either).

    `keys` are the event columns the rule groups by (`EvalContext.keys`).
    """
    if planned.height == 0:
        return pl.DataFrame(schema=NEXT_SCHEMA)
    asked = planned.select(pl.col(C.IDX).cast(pl.Int64), pl.col(C.AT).cast(pl.Int64))
    asked = asked.with_row_index("_q").with_columns(pl.col("_q").cast(pl.Int64))
    peers = _peers(ctx, asked, keys)
    candidates = _candidates(ctx, asked, peers, breaks)
    found: list[pl.DataFrame] = []
    open_q = asked.select("_q")
    tried = 0
    for size in _sizes():
        batch = candidates.filter(
            pl.col("_rank").is_between(tried, tried + size - 1, closed="both")
        ).join(open_q, on="_q", how="semi")
        if batch.height == 0:
            break
        tried += size
        allowed = _allowed(ctx, asked, peers, batch, breaks, evaluate)
        first = allowed.group_by("_q").agg(pl.col("_c").min().alias("_answer"))
        found.append(first)
        open_q = open_q.join(first.select("_q"), on="_q", how="anti")
        if open_q.height == 0:
            break
    answers = (
        pl.concat(found) if found else pl.DataFrame(schema={"_q": pl.Int64, "_answer": pl.Int64})
    )
    return asked.join(answers, on="_q", how="left").select(
        C.IDX,
        pl.col("_answer").alias(C.AT),
        pl.when(pl.col("_answer").is_null()).then(pl.lit(never)).alias(C.WHY),
    )


def answer(
    ctx: EvalContext,
    planned: pl.DataFrame,
    involved: pl.Series,
    keys: tuple[str, ...],
    breaks: Breakpoints,
    evaluate: Evaluate,
    never: str,
) -> pl.DataFrame:
    """A counting rule's `next_allowed`: `earliest` for the planned events the rule involves
    (`involved`, a mask over `ctx.events`); any instant is as good for the others."""
    mine = planned.join(ctx.events.select(C.IDX).filter(involved), on=C.IDX, how="semi")
    rest = planned.join(mine, on=C.IDX, how="anti")
    return pl.concat([earliest(ctx, mine, keys, breaks, evaluate, never), no_change(rest)])


def _sizes() -> Iterator[int]:
    yield from BATCHES
    while True:
        yield BATCHES[-1]


def _peers(ctx: EvalContext, asked: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Every other event of each planned event's key: (`_q`, `_pos` in `ctx.events`, ts)."""
    events = ctx.events.select(C.IDX, C.TS, C.DAY, *keys).with_columns(
        h=ctx.key_hash(keys), _pos=pl.int_range(0, pl.len(), dtype=pl.Int64)
    )
    mine = events.gather(ctx.positions(asked[C.IDX])).select(
        "h", *(pl.col(k).alias(f"{k}_p") for k in keys)
    )
    mine = pl.concat([asked.select("_q", pl.col(C.IDX).alias("_pidx")), mine], how="horizontal")
    pairs = mine.join(events, on="h")
    same = pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"{k}_p")) for k in keys)
    return pairs.filter(same & (pl.col(C.IDX) != pl.col("_pidx"))).select("_q", "_pos", C.TS, C.DAY)


def _candidates(
    ctx: EvalContext, asked: pl.DataFrame, peers: pl.DataFrame, breaks: Breakpoints
) -> pl.DataFrame:
    """The instants to try per question, in order, numbered by `_rank`."""
    zone_of = ctx.events.select(C.ZONE).gather(ctx.positions(asked[C.IDX]))[C.ZONE]
    zones = asked.select("_q", C.AT).with_columns(_z=zone_of.cast(pl.String))
    parts = [zones.select("_q", _c=pl.col(C.AT))]
    for offset in breaks.instants:
        parts.append(peers.select("_q", _c=pl.col(C.TS) + offset))
    if breaks.midnights:
        days = peers.join(zones.select("_q", "_z"), on="_q").select("_q", C.DAY, "_z").unique()
        for shift in breaks.midnights:
            when = midnight_utc(days[C.DAY] + shift, days["_z"])
            parts.append(days.select("_q").with_columns(_c=when))
    every = pl.concat(parts).drop_nulls().join(zones.select("_q", C.AT), on="_q")
    return (
        every.filter(pl.col("_c") >= pl.col(C.AT))
        .select("_q", "_c")
        .unique()
        .sort("_q", "_c")
        .with_columns(_rank=pl.int_range(0, pl.len(), dtype=pl.Int64).over("_q"))
    )


def _allowed(
    ctx: EvalContext,
    asked: pl.DataFrame,
    peers: pl.DataFrame,
    batch: pl.DataFrame,
    breaks: Breakpoints,
    evaluate: Evaluate,
) -> pl.DataFrame:
    """The candidates of `batch` (`_q`, `_c`) whose scenario finds nothing involving the
    planned event."""
    scenarios = (
        batch.select("_q", "_c").with_row_index("_s").with_columns(pl.col("_s").cast(pl.Int64))
    )
    near = scenarios.join(peers, on="_q").filter(
        (pl.col(C.TS) >= pl.col("_c") - breaks.back) & (pl.col(C.TS) <= pl.col("_c") + breaks.ahead)
    )
    others = ctx.events.gather(near["_pos"]).with_columns(
        near["_s"].alias(C.SCOPE), pl.lit(False).alias("_planned")
    )
    moved = _moved(ctx, asked, scenarios)
    frame = pl.concat([others, moved.select(others.columns)], how="vertical_relaxed")
    frame = frame.with_columns(pl.int_range(0, pl.len(), dtype=pl.Int64).alias(C.IDX))
    found = evaluate(EvalContext(frame, scoped=True, as_of_us=ctx.as_of_us))
    ids = moved.select(pl.col(C.SCOPE), pl.col("id").alias("_pid"))
    involved = (
        found.select(C.IDX, C.EVIDENCE)
        .join(frame.select(C.IDX, C.SCOPE, "_planned"), on=C.IDX)
        .join(ids, on=C.SCOPE)
        .filter(pl.col("_planned") | pl.col(C.EVIDENCE).list.contains(pl.col("_pid")))
        .select(pl.col(C.SCOPE).alias("_s"))
        .unique()
    )
    return scenarios.join(involved, on="_s", how="anti").select("_q", "_c")


def _moved(ctx: EvalContext, asked: pl.DataFrame, scenarios: pl.DataFrame) -> pl.DataFrame:
    """The planned event of each scenario, moved to the scenario's instant."""
    own = asked.select("_q", C.IDX).join(scenarios, on="_q")
    rows = ctx.events.gather(ctx.positions(own[C.IDX]))
    local = local_us(own["_c"], rows[C.ZONE])
    return rows.with_columns(
        own["_c"].alias(C.TS),
        local.alias(C.LOCAL),
        (local // US_PER_DAY).alias(C.DAY),
        own["_s"].alias(C.SCOPE),
        pl.lit(True).alias("_planned"),
    )

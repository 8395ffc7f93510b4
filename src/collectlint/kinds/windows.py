"""Counting earlier events in a window, per key, with binary searches instead of loops.

For each *query* event we need the *haystack* events of the same key that lie in a window ending
at the query: either the last N local calendar days (the query's own date being the last), or a
rolling duration.  Haystack rows are sorted by (key group, time, id); the window is then a
contiguous slice `[start, end)` found with two `search_sorted` calls on packed integer keys
(group id * stride + rank), which is exact and O(n log n).

Calendar-day windows rely on local dates never going backwards as time goes forwards within a
key.  That fails only when a key's events sit in different zones or a zone moves its clocks back
across midnight; such keys are detected and counted by an exact pairwise join instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from collectlint.kinds.base import EvalContext


@dataclass(frozen=True, slots=True)
class Window:
    """Which earlier events count: `days` local calendar days, or a rolling `duration_us`.

    `strict` excludes haystack events at the query's own instant (and the query itself).
    """

    days: int | None = None
    duration_us: int | None = None
    strict: bool = False


def in_window(
    ctx: EvalContext,
    keys: tuple[str, ...],
    hay_mask: pl.Series,
    query_mask: pl.Series,
    window: Window,
    evidence_from: int = 1,
) -> pl.DataFrame:
    """Return, per query event, `count` of haystack events in its window and their ids.

    Columns: `_idx` (query), `count`, `evidence` (haystack ids in (time, id) order, filled
    only where `count >= evidence_from`, since listing every window would cost more than it tells).
    """
    ev = ctx.events.with_columns(g=ctx.group_ids(keys))
    cols = ["_idx", "g", "ts", "t_rank", "day", "id"]
    hay = ev.filter(hay_mask).select(cols).sort("g", "ts", "id")
    queries = ev.filter(query_mask).select(cols)
    if hay.height == 0 or queries.height == 0:
        return _no_counts(queries)
    slow_groups = _unordered_groups(hay, queries) if window.days is not None else None
    fast_q = queries
    parts = []
    if slow_groups is not None and slow_groups.len():
        fast_q = queries.filter(~pl.col("g").is_in(slow_groups.implode()))
        parts.append(
            _pairwise(hay, queries.filter(pl.col("g").is_in(slow_groups.implode())), window)
        )
    parts.append(_searched(ctx, hay, fast_q, window, evidence_from))
    return pl.concat(parts)


def _no_counts(queries: pl.DataFrame) -> pl.DataFrame:
    return queries.select(
        "_idx",
        count=pl.lit(0, pl.Int64),
        evidence=pl.lit([], dtype=pl.List(pl.String)),
    )


def _unordered_groups(hay: pl.DataFrame, queries: pl.DataFrame) -> pl.Series:
    """Groups where local dates do not rise with time (mixed zones, midnight clock changes)."""
    both = pl.concat([hay.select("g", "ts", "day"), queries.select("g", "ts", "day")])
    both = both.sort("g", "ts", "day")
    same_g = pl.col("g") == pl.col("g").shift()
    broken = same_g & (
        (pl.col("day") < pl.col("day").shift())
        | ((pl.col("ts") == pl.col("ts").shift()) & (pl.col("day") != pl.col("day").shift()))
    )
    return both.filter(broken.fill_null(False))["g"].unique()


def _searched(
    ctx: EvalContext, hay: pl.DataFrame, queries: pl.DataFrame, window: Window, evidence_from: int
) -> pl.DataFrame:
    if queries.height == 0:
        return _no_counts(queries)
    stride = int(ctx.distinct_ts.len()) + 2
    hay_t = hay["g"] * stride + hay["t_rank"]
    q_t = queries["g"] * stride + queries["t_rank"]
    end = hay_t.search_sorted(q_t, side="left" if window.strict else "right").cast(pl.Int64)
    if window.days is not None:
        days = pl.concat([hay["day"], queries["day"]])
        low, high = _int(days.min()), _int(days.max())
        span = high - low + window.days + 2
        hay_d = hay["g"] * span + (hay["day"] - low + window.days)
        q_first = queries["g"] * span + (queries["day"] - low + 1)
        start = hay_d.search_sorted(q_first, side="left").cast(pl.Int64)
    else:
        assert window.duration_us is not None
        # rank of the window's open lower bound: events with ts > t - duration are in
        below = ctx.distinct_ts.search_sorted(queries["ts"] - window.duration_us, side="right")
        q_low = queries["g"] * stride + below.cast(pl.Int64)
        start = hay_t.search_sorted(q_low, side="right").cast(pl.Int64)
    counted = queries.select("_idx").with_columns(start=start, end=end)
    counted = counted.with_columns(count=(pl.col("end") - pl.col("start")).clip(lower_bound=0))
    slices = (
        counted.filter(pl.col("count") >= evidence_from)
        .select("_idx", pos=pl.int_ranges("start", "end"))
        .explode("pos")
    )
    evidence = (
        slices.with_columns(eid=hay["id"].gather(slices["pos"]))
        .group_by("_idx", maintain_order=True)
        .agg(evidence=pl.col("eid"))
    )
    return counted.join(evidence, on="_idx", how="left").select(
        "_idx", "count", pl.col("evidence").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _pairwise(hay: pl.DataFrame, queries: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Exact O(k^2) per group; used only for the rare groups the searches cannot handle."""
    pairs = queries.join(hay, on="g", suffix="_h")
    before = pl.col("ts_h") < pl.col("ts") if window.strict else pl.col("ts_h") <= pl.col("ts")
    assert window.days is not None
    inside = (pl.col("day_h") >= pl.col("day") - (window.days - 1)) & (
        pl.col("day_h") <= pl.col("day")
    )
    matched = (
        pairs.filter(before & inside)
        .sort("_idx", "ts_h", "id_h")
        .group_by("_idx", maintain_order=True)
        .agg(count=pl.len().cast(pl.Int64), evidence=pl.col("id_h"))
    )
    return (
        queries.select("_idx")
        .join(matched, on="_idx", how="left")
        .select(
            "_idx",
            pl.col("count").fill_null(0),
            pl.col("evidence").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
    )

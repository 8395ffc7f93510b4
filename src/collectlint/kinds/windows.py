"""Counting earlier events in a window, per key, with binary searches instead of loops.

For each *query* event we need the *haystack* events of the same key that lie in a window ending
at the query: the last N local calendar days (the query's own date being the last), or a rolling
duration.  Haystack rows are sorted by (key hash, time, id) and numbered by key run; the window is
then a contiguous slice `[start, end)` found with two `search_sorted` calls on packed integers
(run * stride + time), which is exact and O(n log n).

Two things are verified rather than assumed, and the affected queries are counted by an exact
pairwise join instead:
- keys are grouped by a 64-bit hash; adjacent rows with equal hashes must have equal keys;
- calendar-day slices need local dates that never go backwards as time goes forwards within a
  key.  That fails only when a key's events sit in different zones, or a zone moves its clocks
  back across midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from collectlint import columns as C
from collectlint.kinds.base import EvalContext

_EMPTY_IDS = pl.lit([], dtype=pl.List(pl.String))
PACK_LIMIT = 1 << 62
"""Packed (key run, µs) integers must stay below this; past it, instants are ranked instead."""


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
    at_least: int = 1,
) -> pl.DataFrame:
    """Return the query events with at least `at_least` haystack events in their window.

    Columns: `C.IDX` (query), `C.COUNT`, `C.EVIDENCE` (the haystack ids, in (time, id) order).  Only
    those rows: the caller wants the findings, and a row per query would cost memory in
    proportion to the whole log.
    """
    hay = sorted_rows(ctx, keys, hay_mask)
    queries = hay if query_mask is hay_mask else sorted_rows(ctx, keys, query_mask)
    if hay.height == 0 or queries.height == 0:
        return _no_counts(queries)
    same_key = pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift()) for k in keys)
    same_h = pl.col("h") == pl.col("h").shift()
    hay = hay.with_columns(run=(~same_h).fill_null(True).cum_sum().cast(pl.Int64) - 1)
    checks = hay.select(
        collision=(same_h & ~same_key).fill_null(False).any(),
        backwards=(same_h & (pl.col(C.DAY) < pl.col(C.DAY).shift())).fill_null(False),
    )
    if checks["collision"][0]:  # two keys share a hash: group by the exact keys instead
        hay = hay.sort(*keys, C.TS, "id").with_columns(
            run=(~same_key).fill_null(True).cum_sum().cast(pl.Int64) - 1
        )
        checks = hay.select(
            backwards=(same_key & (pl.col(C.DAY) < pl.col(C.DAY).shift())).fill_null(False)
        )
        located = queries.join(
            hay.unique(list(keys)).select(*keys, "run"),
            on=list(keys),
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
    elif query_mask is hay_mask:
        located = hay  # the queries are the haystack: each row already knows its run
    else:
        located = _locate(hay, queries, keys)
    unordered = hay.filter(checks["backwards"])["run"].unique() if window.days else None
    return _count(hay, located, window, at_least, unordered)


def sorted_rows(ctx: EvalContext, keys: tuple[str, ...], mask: pl.Series) -> pl.DataFrame:
    """The events in `mask` with their key hash `h`, sorted by (h, time, id).

    Kept for the pack, keyed by the mask object, so rules that count the same events (a
    frequency limit and a cool-down over the same calls) sort them once.
    """

    def compute() -> tuple[pl.Series, pl.DataFrame]:
        base = ctx.events.select(C.IDX, C.TS, C.DAY, "id", *keys)
        rows = base.with_columns(h=ctx.key_hash(keys)).filter(mask).sort("h", C.TS, "id")
        return mask, rows  # holding the mask keeps its id from being reused

    kept, rows = ctx.shared(f"sorted:{keys}:{id(mask)}", compute)
    if kept is not mask:  # cannot happen while the mask is held, but never trust an id alone
        return compute()[1]
    return rows


def search(haystack: pl.Series, needles: pl.Series, side: Literal["left", "right"]) -> pl.Series:
    """`haystack.search_sorted(needles, side)` as Int64, by a linear merge when both are sorted
    (the usual case here, and several times faster than one binary search per needle)."""
    if len(needles) < _MERGE_MIN or not (haystack.is_sorted() and needles.is_sorted()):
        return haystack.search_sorted(needles, side=side).cast(pl.Int64)
    hay = pl.DataFrame({"v": haystack}).with_row_index("i").set_sorted("v")
    found = (
        pl.DataFrame({"v": needles})
        .set_sorted("v")
        .join_asof(hay, on="v", strategy="forward", allow_exact_matches=side == "left")
    )
    return found["i"].cast(pl.Int64).fill_null(len(haystack)).rename(needles.name)


_MERGE_MIN = 4096
"""Below this many needles a binary search is as fast as setting up a merge."""


def _locate(hay: pl.DataFrame, queries: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Give each query the run number of its key in `hay` (null when the key has no haystack)."""
    # the first row of each run; a hash join is cheaper than a binary search per query
    firsts = hay.filter(pl.col("run") != pl.col("run").shift().fill_null(-1))
    at = queries.select("h").join(
        firsts.select("h", "run", *(pl.col(k).alias(f"{k}_at") for k in keys)),
        on="h",
        how="left",
        maintain_order="left",
    )
    match = pl.all_horizontal(pl.col(k).eq_missing(at[f"{k}_at"]) for k in keys)
    return queries.with_columns(run=pl.when(match).then(at["run"]))


def int_bounds(*columns: pl.Series) -> tuple[int, int]:
    """Smallest and largest value of non-empty integer columns, as Python ints."""
    both = pl.concat([c.cast(pl.Int64) for c in columns])
    low, high = both.min(), both.max()
    assert isinstance(low, int)
    assert isinstance(high, int)
    return low, high


def _no_counts(queries: pl.DataFrame) -> pl.DataFrame:
    return queries.clear().select(
        C.IDX, pl.lit(0, pl.Int64).alias(C.COUNT), _EMPTY_IDS.alias(C.EVIDENCE)
    )


def _count(
    hay: pl.DataFrame,
    queries: pl.DataFrame,
    window: Window,
    at_least: int,
    unordered: pl.Series | None,
) -> pl.DataFrame:
    queries = queries.filter(pl.col("run").is_not_null())
    if queries.height == 0:
        return _no_counts(queries)
    runs = int_bounds(hay["run"])[1] + 1
    back = window.duration_us or 0
    t0, t1 = int_bounds(hay[C.TS], queries[C.TS])
    if runs * (t1 - t0 + back + 2) < PACK_LIMIT:
        # pack (run, µs since the first event) into one sortable integer
        stride = t1 - t0 + back + 2
        hay_c, q_c = hay[C.TS] - t0 + back, queries[C.TS] - t0 + back
        q_low = q_c - back
    else:
        # too many keys over too long a span for µs: use the rank of each distinct instant
        distinct = pl.concat([hay[C.TS], queries[C.TS]]).unique().sort()
        stride = len(distinct) + 2
        hay_c = distinct.search_sorted(hay[C.TS], side="left").cast(pl.Int64) + 1
        q_c = distinct.search_sorted(queries[C.TS], side="left").cast(pl.Int64) + 1
        q_low = distinct.search_sorted(queries[C.TS] - back, side="right").cast(pl.Int64)
    hay_t = hay["run"] * stride + hay_c
    q_t = queries["run"] * stride + q_c
    end = search(hay_t, q_t, "left" if window.strict else "right")
    if window.days is None:
        # events with an instant after t - duration are inside the window
        start = search(hay_t, queries["run"] * stride + q_low, "right")
        slow = pl.repeat(False, queries.height, eager=True)
    else:
        day0, day1 = int_bounds(hay[C.DAY], queries[C.DAY])
        span = day1 - day0 + window.days + 2
        hay_d = hay["run"] * span + (hay[C.DAY] - day0 + window.days)
        q_first = queries["run"] * span + (queries[C.DAY] - day0 + 1)
        start = search(hay_d, q_first, "left")
        last_day = hay[C.DAY].gather((end - 1).clip(lower_bound=0))
        slow = ((end > start) & (last_day > queries[C.DAY])) | queries["run"].is_in(
            unordered.implode() if unordered is not None else []
        )
    counted = queries.select(C.IDX, "run", C.TS, C.DAY).with_columns(
        start=start, end=end, slow=slow
    )
    fast = counted.with_columns(
        (pl.col("end") - pl.col("start")).clip(lower_bound=0).alias(C.COUNT)
    )
    fast = fast.filter(~pl.col("slow") & (pl.col(C.COUNT) >= at_least))
    parts = [_with_evidence(hay, fast)]
    hard = counted.filter(pl.col("slow"))
    if hard.height:
        exact = _pairwise(hay, hard, window)
        parts.append(exact.filter(pl.col(C.COUNT) >= at_least))
    return pl.concat(parts)


def _with_evidence(hay: pl.DataFrame, counted: pl.DataFrame) -> pl.DataFrame:
    slices = counted.select(C.IDX, pos=pl.int_ranges("start", "end")).explode("pos")
    evidence = (
        slices.with_columns(eid=hay["id"].gather(slices["pos"]))
        .group_by(C.IDX, maintain_order=True)
        .agg(pl.col("eid").alias(C.EVIDENCE))
    )
    return counted.join(evidence, on=C.IDX, how="left").select(
        C.IDX, C.COUNT, pl.col(C.EVIDENCE).fill_null(_EMPTY_IDS)
    )


def _pairwise(hay: pl.DataFrame, queries: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Exact O(k^2) per key; used only where the searches cannot be trusted."""
    pairs = queries.select(C.IDX, "run", C.TS, C.DAY).join(
        hay.select("run", ts_h=C.TS, day_h=C.DAY, id_h="id"), on="run"
    )
    before = pl.col("ts_h") < pl.col(C.TS) if window.strict else pl.col("ts_h") <= pl.col(C.TS)
    if window.days is not None:
        inside = (pl.col("day_h") >= pl.col(C.DAY) - (window.days - 1)) & (
            pl.col("day_h") <= pl.col(C.DAY)
        )
    else:
        inside = pl.col("ts_h") > pl.col(C.TS) - (window.duration_us or 0)
    matched = (
        pairs.filter(before & inside)
        .sort(C.IDX, "ts_h", "id_h")
        .group_by(C.IDX, maintain_order=True)
        .agg(pl.len().cast(pl.Int64).alias(C.COUNT), pl.col("id_h").alias(C.EVIDENCE))
    )
    return (
        queries.select(C.IDX)
        .join(matched, on=C.IDX, how="left")
        .select(C.IDX, pl.col(C.COUNT).fill_null(0), pl.col(C.EVIDENCE).fill_null(_EMPTY_IDS))
    )

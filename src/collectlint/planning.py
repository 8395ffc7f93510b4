"""The earliest instant a planned contact could be made without breaking a timing rule.

For a planned event with frequency, cool-down or hours findings, `next_allowed_at` is the first
instant at or after its planned time at which the same contact would break none of the pack's
timing rules, given the history and the plan's earlier events (its *context*).

Moving a contact later never brings a context event into a look-back window (every context event
is earlier than the planned time), so frequency and cool-down each give a lower bound directly:

- frequency, N calendar days, limit K: once the K-th most recent counted context event has left
  the window, i.e. from local midnight of that event's date + N (rolling: its instant + duration);
- cool-down, N days: from local midnight of the latest trigger's date + N.

Then every applicable hours rule moves the instant forward to the next allowed local time, in
every candidate zone, until all agree.  Exemptions (prior consent) are not used to find an
earlier instant, so the answer errs late, never early.  Everything here runs per rule and per
zone on columns; no loop runs per event.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from collectlint.inputs.clock import US_PER_DAY, format_local, local_us
from collectlint.kinds.base import filter_expr
from collectlint.kinds.cooldown import Cooldown
from collectlint.kinds.durations import parse_duration_us
from collectlint.kinds.frequency import Frequency
from collectlint.kinds.hours import WEEKDAYS, Hours
from collectlint.loading.packs import Pack
from collectlint.model import RuleSpec, Violation

TIMING_KINDS = ("frequency", "cooldown", "hours")
_MAX_ROUNDS = 16


def _with_default_zone(frame: pl.DataFrame, packs: Sequence[Pack]) -> pl.DataFrame:
    """Events without a zone take the pack default (only packs with a default accept them)."""
    default = next((p.info.default_timezone for p in packs if p.info.default_timezone), "UTC")
    frame = frame.with_columns(
        zone=pl.col("zone").fill_null(default), timezone=pl.col("timezone").fill_null(default)
    )
    return frame.with_columns(day=local_us(frame["ts"], frame["zone"]) // US_PER_DAY)


def _midnight_utc(days: pl.Series, zones: pl.Series) -> pl.Series:
    """The UTC instant (µs) of local midnight starting `days` in `zones` (DST-safe)."""
    frame = pl.DataFrame({"d": days, "z": zones}).with_row_index("i")
    parts = []
    for (zone,), group in frame.filter(pl.col("d").is_not_null()).group_by("z"):
        naive = (group["d"] * US_PER_DAY).cast(pl.Datetime("us"))
        aware = naive.dt.replace_time_zone(str(zone), ambiguous="earliest", non_existent="null")
        # a zone that skips midnight (clocks jump at 00:00) starts the day an hour later
        later = (naive + pl.duration(hours=1)).dt.replace_time_zone(
            str(zone), ambiguous="earliest", non_existent="null"
        )
        utc = aware.fill_null(later).dt.convert_time_zone("UTC").dt.epoch("us")
        parts.append(group.select("i", utc=utc))
    out = pl.Series("utc", [None] * len(days), dtype=pl.Int64)
    if parts:
        found = pl.concat(parts)
        out = out.scatter(found["i"], found["utc"])
    return out


def _lower_bound(spec: RuleSpec, flagged: pl.DataFrame, context: pl.DataFrame) -> pl.DataFrame:
    """Per flagged event (`_idx`), the earliest instant this frequency/cool-down rule allows."""
    rule = Frequency.compile(spec) if spec.kind == "frequency" else Cooldown.compile(spec)
    keys = list(rule.keys)
    mask = filter_expr(rule.trigger if isinstance(rule, Cooldown) else spec.where)
    earlier = context.filter(mask).select(*keys, ts_c="ts", day_c="day")
    pairs = flagged.join(earlier, on=keys, nulls_equal=True).filter(pl.col("ts_c") < pl.col("ts"))
    if isinstance(rule, Cooldown):
        latest = pairs.group_by("_idx").agg(day_c=pl.col("day_c").max())
        days = latest.join(flagged.select("_idx", "zone"), on="_idx")
        bound = _midnight_utc(days["day_c"] + rule.days, days["zone"])
        return days.select("_idx").with_columns(bound=bound)
    k = rule.limit
    if rule.window.days is not None:
        kth = (
            pairs.group_by("_idx")
            .agg(x=pl.col("day_c").sort(descending=True).get(k - 1, null_on_oob=True))
            .drop_nulls()
        )
        days = kth.join(flagged.select("_idx", "zone"), on="_idx")
        bound = _midnight_utc(days["x"] + rule.window.days, days["zone"])
        return days.select("_idx").with_columns(bound=bound)
    duration = parse_duration_us(spec.params["window"]["duration"])
    kth = (
        pairs.group_by("_idx")
        .agg(x=pl.col("ts_c").sort(descending=True).get(k - 1, null_on_oob=True))
        .drop_nulls()
    )
    return kth.select("_idx", bound=pl.col("x") + duration)


def _next_open(rule: Hours, candidates: pl.DataFrame) -> pl.DataFrame:
    """Move each candidate (`_idx`, `at`, `timezone`) to its next allowed local time, checking
    every candidate zone, until no zone objects."""
    pairs = candidates.select(
        "_idx", "at", zone=pl.col("timezone").cast(pl.String).str.split("|")
    ).explode("zone")
    for _ in range(_MAX_ROUNDS):
        local = local_us(pairs["at"], pairs["zone"])
        target = _window_start(rule, local)
        moved = pairs.with_columns(target=target).filter(pl.col("target").is_not_null())
        if moved.height == 0:
            break
        utc = _local_to_utc(moved["target"], moved["zone"])
        bumped = moved.select("_idx", new=utc).group_by("_idx").agg(pl.col("new").max())
        pairs = (
            pairs.join(bumped, on="_idx", how="left")
            .with_columns(at=pl.max_horizontal("at", "new"))
            .drop("new")
        )
    return pairs.group_by("_idx").agg(pl.col("at").max())


def _window_start(rule: Hours, local: pl.Series) -> pl.Series:
    """Local µs of the next window opening for times outside their window (null if allowed)."""
    day = local // US_PER_DAY
    tod = local % US_PER_DAY
    weekday = (day + 3) % 7
    outside = pl.select(rule.outside_expr(pl.lit(local))).to_series()
    best = pl.Series([None] * len(local), dtype=pl.Int64)
    for ahead in range(8):  # today, then the next seven days: some day has a window
        for index, window in enumerate(rule.windows):
            if window is None:
                continue
            start = window[0]
            hit = (weekday + ahead) % 7 == index
            if ahead == 0:
                hit = hit & (tod < start)
            candidate = pl.select(
                pl.when(pl.lit(outside) & pl.lit(hit) & pl.lit(best).is_null())
                .then((pl.lit(day) + ahead) * US_PER_DAY + start)
                .otherwise(pl.lit(best))
            ).to_series()
            best = candidate
    return best


def _local_to_utc(local: pl.Series, zones: pl.Series) -> pl.Series:
    """UTC µs of local wall-clock µs; a time a DST change skips moves to the first valid one."""
    frame = pl.DataFrame({"l": local, "z": zones}).with_row_index("i")
    parts = []
    for (zone,), group in frame.group_by("z"):
        naive = group["l"].cast(pl.Datetime("us"))
        aware = naive.dt.replace_time_zone(str(zone), ambiguous="earliest", non_existent="null")
        for hours in (1, 2):  # spring-forward gaps are at most two hours
            aware = aware.fill_null(
                (naive + pl.duration(hours=hours)).dt.replace_time_zone(
                    str(zone), ambiguous="earliest", non_existent="null"
                )
            )
        parts.append(group.select("i", utc=aware.dt.convert_time_zone("UTC").dt.epoch("us")))
    found = pl.concat(parts).sort("i")
    return found["utc"]


def next_allowed(
    violations: Sequence[Violation], table: pl.DataFrame, packs: Sequence[Pack]
) -> tuple[Violation, ...]:
    """Add `next_allowed_at` (and its local time) to timing findings of planned events."""
    specs = {s.rule_id: s for p in packs for s in p.rules}
    timed = {v.event for v in violations if specs[v.rule].kind in TIMING_KINDS}
    if not timed:
        return tuple(violations)
    checked = _with_default_zone(table.filter(pl.col("_reason").is_null()), packs)
    flagged = checked.filter(pl.col("id").is_in(sorted(timed)))
    bounds = flagged.select("_idx", bound=pl.col("ts"))
    flagged_rules = {(v.event, v.rule) for v in violations if v.event in timed}
    for rule_id, spec in specs.items():
        if spec.kind not in ("frequency", "cooldown"):
            continue
        mine = flagged.filter(pl.col("id").is_in([e for e, r in flagged_rules if r == rule_id]))
        if mine.height:
            bounds = pl.concat([bounds, _lower_bound(spec, mine, checked)])
    at = bounds.group_by("_idx").agg(at=pl.col("bound").max())
    at = at.join(flagged.select("_idx", "id", "timezone", "zone"), on="_idx")
    for _ in range(_MAX_ROUNDS):
        before = at["at"].sum()
        for spec in specs.values():
            if spec.kind != "hours":
                continue
            applies = flagged.filter(filter_expr(spec.where))["_idx"]
            subject = at.filter(pl.col("_idx").is_in(applies.implode()))
            if subject.height:
                moved = _next_open(Hours.compile(spec), subject).rename({"at": "moved"})
                at = (
                    at.join(moved, on="_idx", how="left")
                    .with_columns(at=pl.max_horizontal("at", "moved"))
                    .drop("moved")
                )
        if at["at"].sum() == before:
            break
    at = at.with_columns(local=format_local(pl.lit(local_us(at["at"], at["zone"])), pl.col("at")))
    rows = at.select("id", pl.col("at").cast(pl.Datetime("us", "UTC")), "local").iter_rows()
    by_id = {event: (moment, local) for event, moment, local in rows}
    return tuple(
        v._replace(next_allowed_at=by_id[v.event][0], next_allowed_local=by_id[v.event][1])
        if v.event in by_id and specs[v.rule].kind in TIMING_KINDS
        else v
        for v in violations
    )


__all__ = ["TIMING_KINDS", "WEEKDAYS", "next_allowed"]

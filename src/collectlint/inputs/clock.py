"""Local wall-clock time for instants in per-row IANA zones, vectorised.

Polars keeps the zone in the column's dtype, so a column of instants cannot be converted with a
per-row zone directly.  Instead we compute the UTC offset once per (zone, 15-minute UTC bucket)
pair and look it up: in a dense table when the zones and the time span are small, else with a
binary search over the pairs present in the data.  Every zone in the IANA
database changes its offset only on quarter-hour boundaries in UTC, but we do not rely on that: a
bucket whose offset at its first and last microsecond differ is converted row by row (still
vectorised, per zone), so the result is exact for any zone.
"""

from __future__ import annotations

from functools import cache

import polars as pl

US_PER_DAY = 86_400_000_000
US_PER_SECOND = 1_000_000
_BUCKET_US = 900 * US_PER_SECOND
_DENSE_MIN = 1 << 16
"""A dense (zone, bucket) offset table is used up to this size, or a quarter of the rows."""

_PROBE = pl.Series([0], dtype=pl.Datetime("us", "UTC"))


@cache
def is_known_zone(zone: str) -> bool:
    """True when Polars' time-zone database knows `zone` (an IANA name such as America/Chicago)."""
    if not zone or zone != zone.strip():
        return False
    try:
        _PROBE.dt.convert_time_zone(zone)
    except Exception:
        return False
    return True


def _offsets_at(instants_us: pl.Series, zone: str) -> pl.Series:
    """UTC offset (µs) of `zone` at each instant (µs since the epoch, UTC)."""
    utc = instants_us.cast(pl.Datetime("us", "UTC"))
    wall = utc.dt.convert_time_zone(zone).dt.replace_time_zone(None).cast(pl.Int64)
    return wall - instants_us


def local_us(ts_us: pl.Series, zones: pl.Series) -> pl.Series:
    """Local wall-clock time (µs since 1970-01-01T00:00 local) of each instant in its zone.

    `ts_us` holds UTC instants as µs since the epoch; `zones` holds one IANA zone per row, all
    already validated.  Returns an Int64 series aligned with the inputs.
    """
    if len(ts_us) == 0:
        return pl.Series("local", [], dtype=pl.Int64)
    names = zones.unique().drop_nulls().cast(pl.String).sort()
    code = _zone_codes(zones, names)
    bucket = ts_us // _BUCKET_US
    first, last = bucket.min(), bucket.max()
    assert isinstance(first, int)
    assert isinstance(last, int)
    span = last - first + 1
    key = code * span + (bucket - first)
    if len(names) * span <= max(_DENSE_MIN, len(ts_us) // 4):
        # few zones over a short span: a dense table indexed by (zone, bucket), no search
        starts = pl.int_range(first, last + 1, eager=True) * _BUCKET_US
        zone_names = names.to_list()
        off = pl.concat([_offsets_at(starts, zone) for zone in zone_names])
        off_end = pl.concat([_offsets_at(starts + (_BUCKET_US - 1), zone) for zone in zone_names])
        at = key
    else:
        table = key.unique().sort()
        parts = []
        for index, zone in enumerate(names.to_list()):
            mine = table.filter(table // span == index)
            start = (mine % span + first) * _BUCKET_US
            parts.append((_offsets_at(start, zone), _offsets_at(start + (_BUCKET_US - 1), zone)))
        # aligned with `table`: zones were visited in code order
        off = pl.concat([p[0] for p in parts])
        off_end = pl.concat([p[1] for p in parts])
        at = table.search_sorted(key)
    result = (ts_us + off.gather(at)).rename("local")
    unstable = (off != off_end).gather(at)
    if unstable.any():
        frame = pl.DataFrame({"ts": ts_us, "zone": zones})
        result = _exact_where(frame, unstable, result)
    return result


def local_us_where_known(ts_us: pl.Series, zones: pl.Series) -> pl.Series:
    """`local_us` of the rows that have both an instant and a zone; null for the others."""
    has = ts_us.is_not_null() & zones.is_not_null()
    if has.all():
        return local_us(ts_us, zones)
    out = pl.Series("local", [None] * len(ts_us), dtype=pl.Int64)
    if has.any():
        positions = pl.int_range(0, len(ts_us), eager=True).filter(has)
        out = out.scatter(positions, local_us(ts_us.filter(has), zones.filter(has)))
    return out


def _zone_codes(zones: pl.Series, names: pl.Series) -> pl.Series:
    """Each row's zone as its index in `names` (the sorted distinct zones)."""
    if zones.dtype == pl.Categorical:
        # translate the categorical's own codes through a small table: no string is hashed
        known = names.cast(pl.Categorical).to_physical().cast(pl.Int64)
        top = known.max()
        assert isinstance(top, int)
        if top <= _DENSE_MIN + 4 * len(zones):  # codes are process-wide and only grow
            table = pl.repeat(-1, top + 1, dtype=pl.Int64, eager=True).scatter(
                known, pl.int_range(0, len(names), eager=True)
            )
            return table.gather(zones.to_physical().cast(pl.Int64))
    return zones.cast(pl.String).cast(pl.Enum(names.to_list())).to_physical().cast(pl.Int64)


def _exact_where(frame: pl.DataFrame, mask: pl.Series, result: pl.Series) -> pl.Series:
    """Convert the rows in `mask` one zone at a time (buckets that contain an offset change)."""
    idx = pl.int_range(0, frame.height, eager=True).filter(mask)
    rows = frame.filter(mask).with_columns(idx=idx)
    fixed_parts = []
    for (zone,), group in rows.group_by("zone"):
        fixed_parts.append(
            group.select("idx", local=group["ts"] + _offsets_at(group["ts"], str(zone)))
        )
    fixed = pl.concat(fixed_parts)
    return result.scatter(fixed["idx"], fixed["local"])


def format_local(local: pl.Expr, ts: pl.Expr) -> pl.Expr:
    """ISO-8601 local time with its UTC offset, e.g. 2024-03-05T21:00:00-05:00."""
    offset_min = (local - ts) // (60 * US_PER_SECOND)
    sign = pl.when(offset_min < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
    mins = offset_min.abs()
    hh = (mins // 60).cast(pl.String).str.zfill(2)
    mm = (mins % 60).cast(pl.String).str.zfill(2)
    wall = pl.from_epoch(local, time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%S")
    return pl.concat_str([wall, sign, hh, pl.lit(":"), mm])


def utc_of_local(local: pl.Series, zones: pl.Series, after: pl.Series | None = None) -> pl.Series:
    """UTC µs of local wall-clock µs in each row's zone (null stays null).

    An ambiguous time (clocks going back, so the wall clock shows it twice) is read as the
    earlier instant, or, when that is before the row's `after` instant, as the later one.  A
    time that a DST change skips is read as the first instant whose local time is later than
    it: the instant of the change itself, found by bisection, so the result is never earlier
    than asked for and never later than needed.
    """
    data = {"l": local, "z": zones.cast(pl.String)}
    if after is not None:
        data["a"] = after
    frame = pl.DataFrame(data).with_row_index("i")
    out = pl.Series("utc", [None] * len(local), dtype=pl.Int64)
    parts = []
    for (zone,), group in frame.filter(pl.col("l").is_not_null()).group_by("z"):
        naive = group["l"].cast(pl.Datetime("us"))
        aware = naive.dt.replace_time_zone(str(zone), ambiguous="earliest", non_existent="null")
        utc = aware.dt.convert_time_zone("UTC").dt.epoch("us")
        if after is not None:
            late = naive.dt.replace_time_zone(str(zone), ambiguous="latest", non_existent="null")
            late_utc = late.dt.convert_time_zone("UTC").dt.epoch("us")
            utc = pl.select(
                pl.when(pl.lit(utc) < pl.lit(group["a"]))
                .then(pl.lit(late_utc))
                .otherwise(pl.lit(utc))
            ).to_series()
        gap = utc.is_null()
        if gap.any():
            utc = utc.scatter(
                pl.int_range(0, len(utc), eager=True).filter(gap),
                _first_after(group["l"].filter(gap), str(zone)),
            )
        parts.append(group.select("i", utc=utc))
    if parts:
        found = pl.concat(parts)
        out = out.scatter(found["i"], found["utc"])
    return out


_GAP_SEARCH_US = 16 * 3_600 * US_PER_SECOND
"""Half-width of the bisection window around a skipped local time (UTC offsets stay within
it, and no zone changes its clocks twice within it)."""


def _first_after(local: pl.Series, zone: str) -> pl.Series:
    """For local times a DST change skips: the first UTC instant whose local time is later."""
    low = local - _GAP_SEARCH_US  # its local time is before `local`
    high = local + _GAP_SEARCH_US  # its local time is after `local`
    while (high - low).max() > 1:  # type: ignore[operator]
        mid = low + (high - low) // 2
        after = (mid + _offsets_at(mid, zone)) > local
        high = pl.select(pl.when(after).then(mid).otherwise(high)).to_series()
        low = pl.select(pl.when(after).then(low).otherwise(mid)).to_series()
    return high


US_PER_HOUR = 3_600 * US_PER_SECOND


def offset_changes(zones: list[str], start: int, end: int) -> pl.DataFrame:
    """Every instant in `(start, end]` (UTC µs) at which one of `zones` changes its UTC offset:
    columns `zone` and `at`, the first microsecond with the new offset.

    Offsets are sampled every hour and each change found by bisection, so two changes of one
    zone within an hour would count as one (no zone in the database has such).
    """
    first = start - start % US_PER_HOUR
    grid = pl.int_range(first, end + US_PER_HOUR, US_PER_HOUR, eager=True, dtype=pl.Int64)
    found = []
    for zone in sorted(set(zones)):
        offsets = _offsets_at(grid, zone)
        changed = (offsets != offsets.shift(1)).fill_null(False)
        if not changed.any():
            continue
        high = grid.filter(changed)  # has the new offset
        low = grid.shift(1).filter(changed)  # has the old one
        old = offsets.shift(1).filter(changed)
        while len(high) and (high - low).max() > 1:  # type: ignore[operator]
            mid = low + (high - low) // 2
            moved = _offsets_at(mid, zone) != old
            high = pl.select(pl.when(moved).then(mid).otherwise(high)).to_series()
            low = pl.select(pl.when(moved).then(low).otherwise(mid)).to_series()
        found.append(pl.DataFrame({"zone": [zone] * len(high), "at": high}))
    frame = pl.concat(found) if found else pl.DataFrame(schema={"zone": pl.String, "at": pl.Int64})
    return frame.filter((pl.col("at") > start) & (pl.col("at") <= end))


def midnight_utc(days: pl.Series, zones: pl.Series) -> pl.Series:
    """The UTC instant (µs) at which local day number `days` begins in each row's zone.

    A zone whose clocks jump at midnight starts that day at the first valid instant.
    """
    return utc_of_local(days * US_PER_DAY, zones)

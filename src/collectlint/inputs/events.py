"""Turn raw logs into the canonical event table, rejecting (never dropping) bad rows.

The table has one row per input row.  `_reason` is null for a row that can be checked and holds
a human-readable reason otherwise; `_path` and `_row` (1-based, header excluded) say where the
row came from.  Times become UTC microseconds (`ts`); `zones` lists the candidate zones and
`zone` is the first (primary) one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from collectlint.inputs.clock import is_known_zone
from collectlint.inputs.readers import RawLog
from collectlint.vocabulary import DEFAULTS, ENUMERATED

MAX_BODY_CHARS = 65_536
"""A message body longer than this is rejected: no real SMS, email or letter needs more."""

_ISO_AWARE = "%Y-%m-%dT%H:%M:%S%.f%#z"
_ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to interpret rows: the zone assumed for naive timestamps (None: reject them)."""

    assume_timezone: str | None = None


def build_events(logs: Sequence[RawLog], options: ReadOptions) -> pl.DataFrame:
    """Concatenate `logs` into the canonical event table with a `_reason` per rejected row."""
    frames = []
    for log in logs:
        frame = log.frame.with_columns(
            _path=pl.lit(log.path), _row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
        )
        default_id = pl.col("_row").cast(pl.String)
        if len(logs) > 1:
            default_id = pl.concat_str([pl.lit(f"{log.path}:"), default_id])
        frames.append(frame.with_columns(id=_blank_to_null("id").fill_null(default_id)))
    table = pl.concat(frames, how="vertical") if frames else _empty()
    if table.width and table["id"].n_chunks() > 16:
        table = table.rechunk()  # the parallel CSV reader returns many small chunks
    table = _normalise(table, options)
    return table.with_columns(_reason=_reasons(table))


def _empty() -> pl.DataFrame:
    from collectlint.vocabulary import COLUMNS

    schema = dict.fromkeys(COLUMNS, pl.String) | {"_path": pl.String, "_row": pl.Int64}
    return pl.DataFrame(schema=schema)


def _blank_to_null(name: str) -> pl.Expr:
    col = pl.col(name).str.strip_chars()
    return pl.when(col == "").then(None).otherwise(col).alias(name)


def _normalise(table: pl.DataFrame, options: ReadOptions) -> pl.DataFrame:
    text = pl.col("time").str.strip_chars().str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
    aware = text.str.to_datetime(_ISO_AWARE, time_unit="us", time_zone="UTC", strict=False)
    naive = text.str.to_datetime(_ISO_NAIVE, time_unit="us", strict=False)
    if options.assume_timezone:
        assumed = naive.dt.replace_time_zone(
            options.assume_timezone, ambiguous="null", non_existent="null"
        ).dt.convert_time_zone("UTC")
        parsed = pl.coalesce(aware, assumed)
    else:
        parsed = aware
    cleaned = [
        _blank_to_null(c).fill_null(pl.lit(DEFAULTS[c])).alias(c)
        if c in DEFAULTS
        else _blank_to_null(c)
        for c in ("account", "party", "to", "channel", "direction", "outcome", "kind")
    ]
    zones = _blank_to_null("timezone").str.split("|").list.eval(pl.element().str.strip_chars())
    table = table.with_columns(
        *cleaned,
        _blank_to_null("jurisdiction").str.to_uppercase().alias("jurisdiction"),
        ts=parsed.dt.epoch("us"),
        _naive=aware.is_null() & naive.is_not_null(),
        debtor=pl.coalesce(_blank_to_null("debtor"), _blank_to_null("account")),
        zones=zones,
    )
    return table.with_columns(
        zone=pl.col("zones").list.first(),
        person=pl.when(pl.col("party") == "debtor").then(pl.col("debtor")).otherwise(pl.col("to")),
    )


def _unknown_zones(table: pl.DataFrame) -> list[str]:
    names = table.select(pl.col("zones").explode().unique().drop_nulls())
    return sorted(z for z in names.to_series().to_list() if not is_known_zone(z))


def _reasons(table: pl.DataFrame) -> pl.Expr:
    """The first reason each row cannot be checked, or null.  One vectorised pass."""
    bad_zone = _unknown_zones(table)
    zone_list = pl.col("zones")
    checks: list[tuple[pl.Expr, pl.Expr]] = [
        (pl.col("time").is_null(), pl.lit("missing time")),
        (
            pl.col("_naive") & pl.col("ts").is_null(),
            pl.format(
                "time '{}' has no UTC offset (or does not exist in the assumed zone); "
                "add Z or an offset, or pass --assume-timezone",
                pl.col("time"),
            ),
        ),
        (pl.col("ts").is_null(), pl.format("invalid time '{}' (expected ISO-8601)", "time")),
        (pl.col("account").is_null(), pl.lit("missing account")),
    ]
    for column, allowed in ENUMERATED.items():
        values = sorted(allowed)
        checks.append(
            (
                pl.col(column).is_not_null() & ~pl.col(column).is_in(values),
                pl.format(
                    f"unknown {column} '{{}}' (expected one of: {', '.join(values)})",
                    pl.col(column),
                ),
            )
        )
    checks += [
        (
            (pl.col("kind") == "contact") & pl.col("channel").is_null(),
            pl.lit("contact without a channel"),
        ),
        (
            pl.col("person").is_null(),
            pl.format("party '{}' without a `to` value: cannot tell which person", "party"),
        ),
        (
            zone_list.list.eval(pl.element().is_in(bad_zone)).list.any().fill_null(False),
            pl.format("unknown time zone in '{}'", "timezone"),
        ),
        (
            pl.col("body").str.len_chars() > MAX_BODY_CHARS,
            pl.lit(f"body longer than {MAX_BODY_CHARS} characters"),
        ),
        (
            pl.len().over("id") > 1,
            pl.format("event id '{}' appears more than once", "id"),
        ),
    ]
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for condition, reason in reversed(checks):  # the first failing check gives the reason
        expr = pl.when(condition).then(reason).otherwise(expr)
    return expr

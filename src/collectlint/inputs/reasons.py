"""Why a row of the event table cannot be checked: the checks, in the order they take
precedence, and the reason (and its code) each gives.

Every row is either checkable or rejected with a reason, never dropped.  The cheap boolean
checks run on every row; the reason texts are built only for the rows that failed one.  Value
checks of the low-cardinality columns test only the distinct values found bad.  A reason quotes
at most a short piece of the bad value, never a whole row.
"""

from __future__ import annotations

import polars as pl

from collectlint import columns as C
from collectlint.inputs.clock import is_known_zone
from collectlint.vocabulary import ENUMERATED

MAX_BODY_CHARS = 65_536
"""A message body longer than this is rejected: no real SMS, email or letter needs more."""

EARLIEST_US = -2_208_988_800_000_000  # 1900-01-01T00:00:00Z
LATEST_US = 7_258_118_400_000_000  # 2200-01-01T00:00:00Z
"""Times outside [1900, 2200) are rejected: no contact log reaches them, and a year such as 0
cannot even be represented by every library a report goes through."""

SHOWN_CHARS = 40
"""At most this much of a bad value is quoted in a rejection reason."""


def _shown(column: str) -> pl.Expr:
    """A value as quoted in a reason: at most `SHOWN_CHARS` characters."""
    text = pl.col(column).cast(pl.String)
    return (
        pl.when(text.str.len_chars() > SHOWN_CHARS)
        .then(pl.concat_str([text.str.slice(0, SHOWN_CHARS), pl.lit("…")]))
        .otherwise(text)
    )


def _unknown_zones(values: list[str]) -> list[str]:
    """The `timezone` values naming at least one zone the time-zone database lacks."""
    return sorted(v for v in values if not all(is_known_zone(z) for z in v.split("|")))


def with_reasons(
    table: pl.DataFrame, distinct: dict[str, list[str]], *, shaped: bool
) -> pl.DataFrame:
    """Add `C.REASON` and `C.CODE`: the first reason each row cannot be checked, or null.

    The code is a categorical: a few distinct values, four bytes a row (ten million rows of
    null text would cost 160 MB).

    The cheap boolean checks run on every row; the reason texts are built only for the rows
    that failed one, since a when/then chain would format every branch for every row.
    """
    duplicated = _duplicated(table)
    if C.DUPLICATE in table.columns:  # ids repeated in parts of the log not read here
        duplicated = duplicated | table[C.DUPLICATE].fill_null(False)
        table = table.drop(C.DUPLICATE)
    table = table.with_columns(_dup=duplicated)
    checks = _checks(distinct, shaped)
    failed = table.select(pl.any_horizontal(c for c, _, _ in checks)).to_series()
    if not failed.any():
        return table.with_columns(
            pl.lit(None, dtype=pl.String).alias(C.REASON),
            pl.lit(None, dtype=pl.Categorical).alias(C.CODE),
        ).drop("_dup")
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    code: pl.Expr = pl.lit(None, dtype=pl.String)
    for condition, name, text in reversed(checks):  # the first failing check gives the reason
        reason = pl.when(condition).then(text).otherwise(reason)
        code = (
            pl.when(condition).then(pl.lit(name) if isinstance(name, str) else name).otherwise(code)
        )
    positions = pl.int_range(0, table.height, eager=True).filter(failed)
    bad = table.filter(failed).select(reason.alias(C.REASON), code.alias(C.CODE))
    empty = pl.repeat(None, table.height, dtype=pl.String, eager=True)
    return table.with_columns(
        empty.scatter(positions, bad[C.REASON]).alias(C.REASON),
        empty.scatter(positions, bad[C.CODE]).cast(pl.Categorical).alias(C.CODE),
    ).drop("_dup")


def _duplicated(table: pl.DataFrame) -> pl.Series:
    """Rows whose id occurs more than once (within their scope, when events are scoped).

    Grouping ten million strings needs a large hash table; grouping their 64-bit hashes needs a
    fraction of it.  Rows whose hash repeats are then compared by the ids themselves, so a hash
    collision can never reject a row.
    """
    keys = ["id", C.SCOPE] if C.SCOPE in table.columns else ["id"]
    by = pl.struct(keys).hash() if len(keys) > 1 else pl.col("id").hash()
    hashes = table.select(by).to_series()
    if hashes.n_unique() == len(hashes):  # the common case, and far cheaper than flagging rows
        return pl.repeat(False, len(hashes), dtype=pl.Boolean, eager=True).rename("_dup")
    suspect = hashes.is_duplicated()
    positions = pl.int_range(0, len(hashes), eager=True).filter(suspect)
    exact = table.filter(suspect).select(pl.struct(keys).is_duplicated()).to_series()
    return pl.repeat(False, len(hashes), eager=True).scatter(positions, exact).rename("_dup")


Check = tuple[pl.Expr, str | pl.Expr, pl.Expr]


def _checks(distinct: dict[str, list[str]], shaped: bool) -> list[Check]:
    """(condition, code, reason) triples, in the order their reasons take precedence.

    Value checks of low-cardinality columns test only the distinct values found bad, and are
    left out when there are none.
    """
    bad_zone = _unknown_zones(distinct["timezone"])
    ts = pl.col(C.TS)
    checks: list[Check] = []
    if shaped:
        checks.append((pl.col("_shape").is_not_null(), pl.col("_shape_code"), pl.col("_shape")))
    checks += [
        (pl.col("time").is_null(), "missing-time", pl.lit("missing time")),
        (
            pl.col("_naive") & ts.is_null(),
            "naive-time",
            pl.format(
                "time '{}' has no UTC offset (or does not exist in the assumed zone); "
                "add Z or an offset, or pass --assume-timezone",
                _shown("time"),
            ),
        ),
        (
            ts.is_null(),
            "invalid-time",
            pl.format("invalid time '{}' (expected ISO-8601)", _shown("time")),
        ),
        (
            (ts < EARLIEST_US) | (ts >= LATEST_US),
            "time-out-of-range",
            pl.format("time '{}' is outside the years 1900 to 2199", _shown("time")),
        ),
        (pl.col("account").is_null(), "missing-account", pl.lit("missing account")),
    ]
    for column, allowed in ENUMERATED.items():
        if column not in distinct:  # an optional column the logs do not have
            continue
        values = sorted(allowed)
        bad = [v for v in distinct[column] if v not in allowed]
        if bad:
            checks.append(
                (
                    pl.col(column).is_in(bad),
                    f"unknown-{column}",
                    pl.format(
                        f"unknown {column} '{{}}' (expected one of: {', '.join(values)})",
                        _shown(column),
                    ),
                )
            )
    checks += [
        (
            (pl.col("kind") == "contact") & pl.col("channel").is_null(),
            "no-channel",
            pl.lit("contact without a channel"),
        ),
        (
            pl.col(C.PERSON).is_null(),
            "no-person",
            pl.format("party '{}' without a `to` value: cannot tell which person", "party"),
        ),
    ]
    if bad_zone:
        checks.append(
            (
                pl.col("timezone").is_in(bad_zone),
                "unknown-zone",
                pl.format("unknown time zone in '{}'", _shown("timezone")),
            )
        )
    checks += [
        (
            pl.col("body").str.len_chars() > MAX_BODY_CHARS,
            "body-too-long",
            pl.lit(f"body longer than {MAX_BODY_CHARS} characters"),
        ),
        (
            pl.col("_dup"),
            "duplicate-id",
            pl.format("event id '{}' appears more than once", _shown("id")),
        ),
    ]
    return checks

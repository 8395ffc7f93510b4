"""Canonical columns from a read log: mapped names, every value as text, wrong types refused.

A log's columns become the canonical ones (`vocabulary.COLUMNS`): mapped columns are renamed,
others dropped, and every value is read as text (categoricals for the low-cardinality
columns), because a malformed cell must reject its row rather than fail the file or be
coerced.  A column whose type cannot mean what its name says — lists or objects for
`channel`, fractions for `account`, a bare number for `time` — is an input error naming the
column and what it should hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from collectlint.errors import InputError
from collectlint.inputs import jsonl_reader
from collectlint.vocabulary import (
    CATEGORICAL,
    COLUMNS,
    REQUIRED_COLUMNS,
    is_categorical,
    readable,
)

TEXT_KEYS = ("id", "account", "debtor", "to")
"""Identifier columns: integers are read as their digits; fractions and booleans are refused."""


def fields(column_map: Mapping[str, str]) -> dict[str, str]:
    """File column -> the canonical field it is read as."""
    return {column: name for name, column in column_map.items()}


def canonical(
    frame: pl.DataFrame,
    column_map: Mapping[str, str],
    path: str,
    source: Path | bytes | None = None,
    extra: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Rename mapped columns, keep canonical ones (and the optional and `extra` ones the file
    has), and make every column text (categorical for the low-cardinality ones), refusing
    columns of a type that cannot hold what they should."""
    by_column = fields(column_map)
    mapped = set(column_map)
    known = set(readable(extra))
    keep = [c for c in frame.columns if by_column.get(c, c) in known]
    keep = [c for c in keep if c in by_column or c not in mapped]
    frame = frame.select(keep).rename({c: by_column[c] for c in keep if c in by_column})
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing required column(s) {', '.join(missing)} "
            "(use --map FIELD=COLUMN to name your export's columns)"
        )
    exprs = []
    for name in COLUMNS:
        if name not in frame.columns:
            absent = pl.Categorical if name in CATEGORICAL else pl.String
            exprs.append(pl.lit(None, dtype=absent).alias(name))
            continue
        dtype = frame.schema[name]
        if name == "time" and isinstance(dtype, pl.Datetime) and dtype.time_zone:
            # an instant already (a Parquet timestamp, a profile's parsed time): kept as one,
            # in UTC, rather than written as text to be parsed again
            exprs.append(pl.col(name).dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
            continue
        if name in CATEGORICAL and dtype == pl.Categorical:
            exprs.append(pl.col(name))  # read as a categorical already: no copy
            continue
        if dtype == pl.String and name not in CATEGORICAL:
            exprs.append(pl.col(name))
            continue
        text = _as_text(name, dtype, path, column_map, source)
        exprs.append(text.cast(pl.Categorical) if name in CATEGORICAL else text)
    for name in readable(extra)[len(COLUMNS) :]:  # optional and declared: only if present
        if name not in frame.columns:
            continue
        dtype = frame.schema[name]
        if dtype == (pl.Categorical if is_categorical(name) else pl.String):
            exprs.append(pl.col(name))
            continue
        text = _as_text(name, dtype, path, column_map, source)
        exprs.append(text.cast(pl.Categorical) if is_categorical(name) else text)
    return frame.select(exprs)


def _as_text(
    name: str,
    dtype: pl.DataType,
    path: str,
    column_map: Mapping[str, str],
    source: Path | bytes | None,
) -> pl.Expr:
    """The expression reading column `name` as text, or an error for a type it cannot be."""
    col = pl.col(name)
    if dtype in (pl.String, pl.Categorical, pl.Null) or isinstance(dtype, pl.Enum):
        return col.cast(pl.String)
    if name == "time" and isinstance(dtype, pl.Datetime):
        if dtype.time_zone:  # an instant: UTC text; a naive timestamp stays naive (rejected)
            return col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
        return col.dt.strftime("%Y-%m-%dT%H:%M:%S%.f")
    if name in TEXT_KEYS and dtype.is_integer():
        return col.cast(pl.String)
    column = next((c for f, c in column_map.items() if f == name), name)
    expected = {
        "time": "ISO-8601 text with an offset, or a timestamp with a time zone",
    }.get(name, "text")
    found = _describe(dtype)
    where = ""
    if source is not None and dtype.is_nested():
        line = jsonl_reader.first_line_with(source, column, (list, dict))
        where = f":{line}" if line else ""
    raise InputError(f"{path}{where}: column {column!r} holds {found}; expected {expected}")


def _describe(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List | pl.Array):
        return "lists"
    if isinstance(dtype, pl.Struct):
        return "objects"
    if dtype == pl.Binary:
        return "binary data"
    if dtype == pl.Boolean:
        return "true/false values"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "fractional numbers"
    if dtype.is_integer():
        return "bare numbers"
    if dtype == pl.Date:
        return "dates without a time of day"
    return f"values of type {dtype}"

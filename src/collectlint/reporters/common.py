"""What several reporters share: how an instant is written, and where an input row is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from urllib.parse import quote

import polars as pl

from collectlint.model import Origin


def utc(moment: datetime) -> str:
    """An instant as ISO-8601 UTC with a `Z`, as in the JSON report."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def utc_expr(moment: pl.Expr) -> pl.Expr:
    """`utc` for a column of UTC datetimes (seconds only when there are no microseconds)."""
    return (
        pl.when(moment.dt.microsecond() == 0)
        .then(moment.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .otherwise(moment.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    )


def source_line(origin: Origin) -> int | None:
    """The 1-based line of the file where a finding's or a rejected row's record starts (the
    line of the match in a template), or None when the input has no lines (Parquet)."""
    return origin.line if origin.line > 0 else None


def artifact_uri(path: str) -> str | None:
    """A URI reference for an input path: relative POSIX paths stay relative (percent-encoded),
    absolute ones become `file:` URIs; standard input (`-`) has none."""
    if path in ("", "-"):
        return None
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return posix.as_uri()
    return quote(posix.as_posix(), safe="/")

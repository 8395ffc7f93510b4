"""Read contact logs (CSV, JSON Lines, Parquet) into Polars frames of text.

Every column is read as text so that a malformed cell rejects one row instead of failing the file
or being silently coerced; `events.py` parses and validates.  Columns with few distinct values
(`vocabulary.CATEGORICAL`) are read as categoricals: CSV is read in streaming batches that are
converted as they arrive, so a large log never holds those columns as strings.  `file_digest`
gives a file's SHA-256 for the report; `check()` runs it while the rules run.
"""

from __future__ import annotations

import hashlib
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError
from collectlint.model import Role
from collectlint.vocabulary import CATEGORICAL, COLUMNS

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


@dataclass(frozen=True, slots=True)
class RawLog:
    """One log as read: canonical string columns plus its digest, display path and role.

    `lines` holds the physical line where each record starts, when the format has lines.
    """

    path: str
    sha256: str
    frame: pl.DataFrame
    stamp: tuple[int, int] | None = None
    """The file's (size, modification time in ns) when it was read; None for standard input."""
    role: Role = Role.LOG
    format: str = "csv"
    lines: pl.Series | None = None


def _digest(data: bytes | Path) -> str:
    sha = hashlib.sha256()
    if isinstance(data, bytes):
        sha.update(data)
    else:
        with data.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                sha.update(block)
    return sha.hexdigest()


def _parse(
    source: bytes | Path, fmt: str, skip: frozenset[str], fields: Mapping[str, str]
) -> pl.DataFrame:
    """Read the file; columns named in `skip` (file names) are not parsed at all.

    `fields` maps renamed file columns to their canonical names, to tell which are categorical.
    """
    target = io.BytesIO(source) if isinstance(source, bytes) else source
    if fmt in ("csv", "tsv"):
        separator = "\t" if fmt == "tsv" else ","
        header = pl.read_csv(
            target, n_rows=0, infer_schema=False, separator=separator, raise_if_empty=False
        ).columns
        if isinstance(target, io.BytesIO):
            target.seek(0)
        wanted = [c for c in header if c not in skip]
        coded = [c for c in wanted if fields.get(c, c) in CATEGORICAL]
        frame = (
            pl.scan_csv(target, infer_schema=False, separator=separator, raise_if_empty=False)
            .select(wanted or pl.all())
            .with_columns(pl.col(coded).cast(pl.Categorical))
            .collect(engine="streaming")
        )
        # rechunk here: the batched reader returns many small chunks, which make later sorts
        # and gathers slower, and copying now frees them before the next step needs memory
        for name in frame.columns:  # one column at a time: old chunks are freed as we go
            frame = frame.with_columns(frame.get_column(name).rechunk())
        return frame
    if fmt == "jsonl":
        return pl.read_ndjson(target, infer_schema_length=None)
    names = pl.read_parquet_schema(target).keys()
    if isinstance(target, io.BytesIO):
        target.seek(0)
    return pl.read_parquet(target, columns=[c for c in names if c not in skip])


def file_digest(path: str, stamp: tuple[int, int] | None = None) -> str:
    """The SHA-256 of the file at `path`, in hex.

    With the `stamp` taken when the file was read, a file that changed since (so that the
    digest would not be of the rows that were checked) is an `InputError`.
    """
    try:
        digest = _digest(Path(path))
        if stamp is not None and _stamp(Path(path)) != stamp:
            raise InputError(f"{path}: the file changed while it was being checked; run again")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return digest


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def read_raw(
    path: str,
    column_map: Mapping[str, str],
    skip: frozenset[str] = frozenset(),
    role: Role = Role.LOG,
) -> RawLog:
    """Read `path` (or `-` for CSV on standard input) and rename mapped columns to canonical names.

    Canonical fields in `skip` (e.g. `body` when no rule reads message text) are not parsed,
    which saves most of the reading time on logs with long messages; they read as empty.
    A file's `sha256` is left empty: the caller computes it with `file_digest` while the checks
    run, when a core is free.  Standard input, read into memory, is hashed here.

    Raises `InputError` for a missing file, an unknown extension, an unparsable file, or a
    missing required column.
    """
    stamp: tuple[int, int] | None = None
    if path == "-":
        source: bytes | Path = sys.stdin.buffer.read()
        fmt = "csv"
    else:
        file = Path(path)
        fmt = FORMATS.get(file.suffix.lower(), "")
        if not fmt:
            known = ", ".join(sorted(FORMATS))
            raise InputError(
                f"{path}: unknown log format {file.suffix!r} (expected one of {known})"
            )
        if not file.is_file():
            raise InputError(f"{path}: no such file")
        source = file
        stamp = _stamp(file)
    try:
        file_names = {column_map.get(name, name) for name in skip}
        to_field = {column: field for field, column in column_map.items()}
        frame = _parse(source, fmt, frozenset(file_names), to_field)
    except Exception as exc:  # polars raises many types; all mean "unreadable file"
        raise InputError(f"{path}: cannot read as {fmt}: {exc}") from None
    sha = _digest(source) if isinstance(source, bytes) else ""
    canonical = _canonical(frame, column_map, path)
    return RawLog(path, sha, canonical, stamp, role, fmt, _lines(fmt, canonical.height))


def _lines(fmt: str, rows: int) -> pl.Series | None:
    """The physical line of each record: after the header for CSV and TSV, one per line for
    JSON Lines, none for Parquet."""
    if fmt == "parquet":
        return None
    first = 2 if fmt in ("csv", "tsv") else 1
    return pl.int_range(first, first + rows, dtype=pl.Int64, eager=True)


def _canonical(frame: pl.DataFrame, column_map: Mapping[str, str], path: str) -> pl.DataFrame:
    """Rename mapped columns, keep canonical ones, and make every column text (categorical for
    the low-cardinality ones)."""
    renames = {}
    for field, column in column_map.items():
        if column not in frame.columns:
            raise InputError(f"{path}: --map {field}={column}: no column {column!r} in the file")
        renames[column] = field
    frame = frame.rename(renames) if renames else frame
    missing = [c for c in ("time", "account") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing required column(s) {', '.join(missing)}; "
            f"found {', '.join(frame.columns) or 'none'} (use --map FIELD=COLUMN)"
        )
    exprs = []
    for name in COLUMNS:
        if name not in frame.columns:
            dtype = pl.Categorical if name in CATEGORICAL else pl.String
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif name == "time" and isinstance(frame.schema[name], pl.Datetime):
            exprs.append(_datetime_to_text(pl.col(name), frame.schema[name]))
        elif name in CATEGORICAL:
            if frame.schema[name] == pl.Categorical:
                exprs.append(pl.col(name))
            else:
                exprs.append(pl.col(name).cast(pl.String).cast(pl.Categorical))
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return frame.select(exprs)


def _datetime_to_text(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Parquet timestamps: aware ones become ISO text in UTC; naive ones stay naive (rejected)."""
    if getattr(dtype, "time_zone", None):
        return col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    return col.dt.strftime("%Y-%m-%dT%H:%M:%S%.f")


def raw_from_records(
    records: Sequence[Mapping[str, str | None]],
    path: str,
    role: Role,
    lines: Sequence[int] | None = None,
    scopes: Sequence[int] | None = None,
) -> RawLog:
    """Events given as canonical field values (test cases, a contact asked about) as a log.

    `lines` are where each record is written (e.g. in a case file); `scopes` isolate groups of
    records from each other (see `columns.SCOPE`).
    """
    frame = pl.DataFrame(
        {name: [r.get(name) for r in records] for name in COLUMNS},
        schema=dict.fromkeys(COLUMNS, pl.String),
    )
    frame = frame.with_columns(pl.col(list(CATEGORICAL)).cast(pl.Categorical))
    if scopes is not None:
        frame = frame.with_columns(pl.Series(C.SCOPE, list(scopes), dtype=pl.Int64))
    line_numbers = pl.Series(C.LINE, list(lines), dtype=pl.Int64) if lines is not None else None
    return RawLog(path, "", frame, None, role, "records", line_numbers)

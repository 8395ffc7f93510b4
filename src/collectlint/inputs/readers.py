"""Read contact logs (CSV, TSV, JSON Lines, Parquet) into Polars frames of text.

Every column is read as text so that a malformed cell rejects one row instead of failing the file
or being silently coerced; `events.py` parses and validates.  Columns with few distinct values
(`vocabulary.CATEGORICAL`) are read as categoricals.  A file that cannot be read at all is an
`InputError` naming the file, the line where one is known, and what is wrong — never a row's
content, since contact logs are personal data.  A column of a type that cannot mean what its
name says (a list for `channel`, a fraction for `account`, a bare number for `time`) is such an
error too, naming the column and what it should hold.
"""

from __future__ import annotations

import hashlib
import stat
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError, UsageError
from collectlint.inputs import csv_reader, jsonl_reader
from collectlint.inputs.canonical import canonical, fields
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.encoding import is_utf8, transcoded
from collectlint.inputs.lines import NO_LINES, LineMap, Scan
from collectlint.model import ProfileRun, Role
from collectlint.vocabulary import COLUMNS, is_categorical, readable

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


@dataclass(frozen=True, slots=True)
class RawLog:
    """One log as read: canonical text columns, where it came from, its role and format.

    `lines` gives the physical line of each row (`LineMap`), `sha256` the file's digest (both
    may still be computing); `pending` is the scan that will give them, not yet started (see
    `launch`); `problems` lists rows whose shape makes them uncheckable (`C.ROW`, `C.CODE`,
    `C.REASON`).
    """

    path: str
    frame: pl.DataFrame
    sha256: Deferred[str] = field(default_factory=lambda: Deferred.now(""))
    role: Role = Role.LOG
    format: str = "csv"
    lines: Deferred[LineMap] = field(default_factory=lambda: Deferred.now(NO_LINES))
    problems: pl.DataFrame | None = None
    pending: Scan | None = None
    profile: ProfileRun | None = None


def launch(raw: RawLog, background: Executor) -> RawLog:
    """Start `raw`'s pending scan in `background`; its digest and lines then come from it."""
    if raw.pending is None:
        return raw
    scanned = Deferred.later(background.submit(raw.pending))
    return replace(
        raw,
        sha256=scanned.map(lambda s: s[0]),
        lines=scanned.map(lambda s: s[1]),
        pending=None,
    )


def _unchanged(path: Path, display: str, scan: Scan) -> Scan:
    """`scan`, failing if the file changed or vanished since it was read: a digest or a line
    of other bytes would not describe the rows that were checked."""
    before = _stamp(path, display)

    def checked() -> tuple[str, LineMap]:
        try:
            found = scan()
        except (InputError, OSError) as exc:
            _same(path, display, before)  # a file that changed says so, whatever else failed
            if isinstance(exc, OSError):
                raise InputError(f"{display}: cannot read: {exc.strerror or exc}") from None
            raise
        _same(path, display, before)
        return found

    return checked


def _same(path: Path, display: str, before: tuple[int, int]) -> None:
    if _stamp(path, display) != before:
        raise InputError(f"{display}: the file changed while it was being checked; run again")


def _stamp(path: Path, display: str) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError as exc:
        raise InputError(f"{display}: cannot read: {exc.strerror or exc}") from None
    return status.st_size, status.st_mtime_ns


def check_map(column_map: Mapping[str, str]) -> None:
    """Two fields read from one column would silently share its values: refuse it."""
    by_column: dict[str, list[str]] = {}
    for name, column in column_map.items():
        by_column.setdefault(column, []).append(name)
    for column, names in sorted(by_column.items()):
        if len(names) > 1:
            raise UsageError(
                f"--map: {', '.join(sorted(names))} are all read from column {column!r}; "
                "map each field from its own column"
            )


def _open(path: str) -> Path:
    file = Path(path)
    fmt = FORMATS.get(file.suffix.lower(), "")
    if file.is_dir():
        raise InputError(f"{path}: is a directory, not a log file")
    if not file.exists():
        raise InputError(f"{path}: no such file")
    if not fmt:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{path}: unknown log format {file.suffix!r} (expected one of {known})")
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file (a pipe or a device); save the log first")
    return file


@dataclass(frozen=True, slots=True)
class Request:
    """How to read one log: its path as given, the column map, the canonical fields not to
    parse, its role and its text encoding."""

    path: str
    column_map: Mapping[str, str]
    skip: frozenset[str]
    role: Role
    encoding: str
    extra: frozenset[str] = frozenset()


def read_raw(
    path: str,
    column_map: Mapping[str, str],
    skip: frozenset[str] = frozenset(),
    role: Role = Role.LOG,
    encoding: str = "utf-8",
    extra: frozenset[str] = frozenset(),
) -> RawLog:
    """Read `path` (or `-` for CSV on standard input) and rename mapped columns to canonical
    names.  Canonical fields in `skip` (e.g. `body` when no rule reads message text) are not
    parsed, which saves most of the reading time on logs with long messages.  The optional
    columns (`vocabulary.OPTIONAL_COLUMNS`) are read when the file has them, and so are the
    `extra` columns a pack declared.
    """
    check_map(column_map)
    request = Request(path, column_map, skip, role, encoding, extra)
    if path == "-":
        return _read_csv(sys.stdin.buffer.read(), "csv", request)
    file = _open(path)
    fmt = FORMATS[file.suffix.lower()]
    try:
        if fmt in ("csv", "tsv"):
            raw = _read_csv(file, fmt, request)
        elif fmt == "jsonl":
            raw = _read_jsonl(file, request)
        else:
            raw = _read_parquet(file, request)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    known = raw  # a log read and scanned at once: still make sure it does not change
    scan = raw.pending or (lambda: (known.sha256.get(), known.lines.get()))
    return replace(raw, pending=_unchanged(file, path, scan))


def _read_csv(source: Path | bytes, fmt: str, request: Request) -> RawLog:
    if is_utf8(request.encoding):
        return _read_csv_utf8(source, fmt, request, None)
    if isinstance(source, bytes):
        raise UsageError("--encoding: standard input must be UTF-8")
    with transcoded(source, request.encoding, request.path) as (copy, digest):
        return _read_csv_utf8(copy, fmt, request, Deferred.now(digest))


def _read_csv_utf8(
    source: Path | bytes, fmt: str, request: Request, digest: Deferred[str] | None
) -> RawLog:
    separator = "\t" if fmt == "tsv" else ","
    path, column_map = request.path, request.column_map
    names = csv_reader.header(source, separator, path)
    csv_reader.check_header(names, path)
    # header names are matched without the spaces exports sometimes pad them with
    clean = {name: name.strip() for name in names}
    usable = set(_wanted(list(clean.values()), column_map, request.skip, path, request.extra))
    wanted = [n for n in names if clean[n] in usable]
    by_column = fields(column_map)
    coded = [c for c in wanted if is_categorical(by_column.get(clean[c], clean[c]))]
    # the file's last column is read (last) to tell whether a row may be short, unless it is a
    # field skipped for speed (message text): a short row's missing cells are then unread ones
    last = names[-1] if names else ""
    probe = (
        last and last not in wanted and by_column.get(clean[last], clean[last]) not in request.skip
    )
    read = csv_reader.read(
        source, separator, [*wanted, last] if probe else wanted, coded, path, digest
    )
    frame = read.frame.drop(last) if probe else read.frame
    renamed = frame.rename({c: clean[c] for c in frame.columns if c in clean})
    frame = canonical(renamed, column_map, path, extra=request.extra)
    return RawLog(
        path, frame, read.sha256, request.role, fmt, read.lines, read.problems, read.pending
    )


def _read_jsonl(source: Path, request: Request) -> RawLog:
    path = request.path
    if not is_utf8(request.encoding):
        raise UsageError(f"--encoding {request.encoding}: JSON Lines logs must be UTF-8 ({path})")
    read = jsonl_reader.read(source, path)
    by_column = fields(request.column_map)
    names = [c for c in read.frame.columns if by_column.get(c, c) not in request.skip]
    frame = canonical(read.frame.select(names), request.column_map, path, source, request.extra)
    return RawLog(path, frame, role=request.role, format="jsonl", pending=read.pending)


def _read_parquet(source: Path, request: Request) -> RawLog:
    path = request.path
    try:
        names = list(pl.read_parquet_schema(source))
    except Exception:  # polars raises many types; each means "not a Parquet file"
        raise InputError(f"{path}: not a Parquet file (or a damaged one)") from None
    wanted = _wanted(names, request.column_map, request.skip, path, request.extra)
    try:
        frame = pl.read_parquet(source, columns=wanted)
    except Exception:  # polars raises many types; each means "not a Parquet file"
        raise InputError(f"{path}: cannot read this Parquet file (damaged?)") from None
    frame = canonical(frame, request.column_map, path, extra=request.extra)
    return RawLog(path, frame, role=request.role, format="parquet", pending=lambda: _digest(source))


def _digest(path: Path) -> tuple[str, LineMap]:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            sha.update(block)
    return sha.hexdigest(), NO_LINES


def _wanted(
    names: Sequence[str],
    column_map: Mapping[str, str],
    skip: frozenset[str],
    path: str,
    extra: frozenset[str] = frozenset(),
) -> list[str]:
    """The file's columns to read: the canonical, optional, declared and mapped ones, less
    those skipped."""
    known = set(readable(extra))
    for name, column in column_map.items():
        if column not in names:
            raise InputError(f"{path}: --map {name}={column}: no column {column!r} in the file")
    by_column = fields(column_map)
    mapped = set(column_map)
    wanted = []
    for column in names:
        name = by_column.get(column, column)
        if column not in by_column and column in mapped:
            continue  # a field mapped from another column: this same-named one is not it
        if name in known and name not in skip:
            wanted.append(column)
    return wanted


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
    others = sorted({name for r in records for name in r if name not in COLUMNS})
    names = (*COLUMNS, *others)  # optional and pack-declared fields, when a record has them
    frame = pl.DataFrame(
        {name: [r.get(name) for r in records] for name in names},
        schema=dict.fromkeys(names, pl.String),
    )
    frame = frame.with_columns(pl.col([n for n in names if is_categorical(n)]).cast(pl.Categorical))
    if scopes is not None:
        frame = frame.with_columns(pl.Series(C.SCOPE, list(scopes), dtype=pl.Int64))
    line_map = NO_LINES if lines is None else LineMap.of(lines)
    return RawLog(path, frame, Deferred.now(""), role, "records", Deferred.now(line_map))

"""Read a source export as the profile sees it: every column as text, nested JSON flattened.

CSV is read by the log reader (`inputs.csv_reader`: the same checks of shape, the same line
map and digest); Parquet by Polars, only the columns read (nested structs are flattened as
JSON objects are); JSON Lines and concatenated JSON objects (Amazon Connect records delivered by
Kinesis Firehose have no delimiter between records) are split into records with the standard
decoder and read by Polars, and nested objects become dotted columns (`CustomerEndpoint.Address`,
`Attributes.accountNumber`).  Any input may be gzip-compressed (`.gz`, or gzip bytes whatever
the name).  The digest is the file's as given, so the report names the bytes the user holds.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError
from collectlint.inputs import csv_reader
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.lines import NO_LINES, LineMap, Scan

MAX_BYTES = 8 << 30
"""Largest export read into memory after decompression (a guard against a gzip bomb)."""
MAX_ROWS = 2_000_000_000
"""Most records a Parquet export may hold."""


@dataclass(frozen=True, slots=True)
class SourceRead:
    """An export as read: text columns (dotted names for nested fields), where each record
    starts, the file's digest (or the scan that will tell), and rows whose shape already makes
    them uncheckable (`C.ROW`, `C.CODE`, `C.REASON`)."""

    frame: pl.DataFrame
    lines: Deferred[LineMap]
    sha256: Deferred[str]
    problems: pl.DataFrame | None = None
    pending: Scan | None = None


def read_source(
    path: Path,
    display: str,
    fmt: str,
    columns: Sequence[str] | None = None,
    digest: str | None = None,
) -> SourceRead:
    """Read the export at `path` in the profile's format (`csv`, `jsonl` or `json`); of a CSV
    only `columns` (all when None) are parsed, which is most of the reading time saved.
    `digest` is the original file's when `path` is a UTF-8 copy of a CSV in another
    encoding (the copy is then scanned at once, while it exists)."""
    if digest is not None:
        read = _csv(path, display, columns, Deferred.now(digest))
        return SourceRead(read.frame, read.lines, Deferred.now(digest), read.problems)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if fmt == "parquet":
        return _parquet(path, display, head, columns)
    zipped = head.startswith(b"\x1f\x8b")
    if fmt == "csv" and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        # read as CSV, its "header" would be a record, quoted back in errors
        raise InputError(f"{display}: holds JSON, but the profile reads CSV (`format: csv`)")
    if fmt == "csv" and not zipped:  # the common case: read and scanned as a log is
        read = _csv(path, display, columns, None)
        return SourceRead(read.frame, read.lines, read.sha256, read.problems, read.pending)
    raw = path.read_bytes()
    if fmt == "csv":
        digest = hashlib.sha256(raw).hexdigest()
        read = _csv(_gunzipped(raw, display), display, columns, Deferred.now(digest))
        return SourceRead(read.frame, read.lines, Deferred.now(digest), read.problems)
    data = _gunzipped(raw, display) if zipped else raw
    fast = _whole_records(data, columns)
    if fast is not None:
        frame, lines = fast
    elif columns is not None:  # objects spread over lines, or of shapes that disagree
        values, lines = _decoded(data, display)
        frame, problems = _picked(values, columns)
        line_map = LineMap.of(lines)
        pending = lambda: (hashlib.sha256(raw).hexdigest(), line_map)  # noqa: E731
        return SourceRead(frame, Deferred.now(line_map), Deferred.now(""), problems, pending)
    else:
        records, lines = _records(data, display)
        frame = _frame(records, display)
    line_map = LineMap.of(lines)
    # the digest of the bytes as given, computed in the background while the rules run
    pending = lambda: (hashlib.sha256(raw).hexdigest(), line_map)  # noqa: E731
    return SourceRead(_flatten(frame), Deferred.now(line_map), Deferred.now(""), None, pending)


def _parquet(path: Path, display: str, head: bytes, columns: Sequence[str] | None) -> SourceRead:
    """A Parquet export: the top-level columns the profile reads (all, for None), flattened,
    every value as text; records have no lines.  A file that is not Parquet is an input error
    naming it."""
    if not head.startswith(b"PAR1"):
        raise InputError(f"{display}: not a Parquet file, but the profile reads Parquet")
    try:
        names = pl.scan_parquet(path).collect_schema().names()
        top = None if columns is None else sorted({c.split(".")[0] for c in columns} & set(names))
        frame = pl.read_parquet(path, columns=top)
    except Exception as exc:  # polars raises many types; each means "not a Parquet it can read"
        raise InputError(f"{display}: cannot read the Parquet file ({exc})") from None
    if frame.height > MAX_ROWS:
        raise InputError(f"{display}: more than {MAX_ROWS} records")
    binary = [n for n, d in frame.schema.items() if d == pl.Binary]
    if binary:
        raise InputError(f"{display}: column {binary[0]!r} holds binary data; expected text")
    try:
        flat = _flatten(frame)
    except Exception as exc:  # a type that has no text form (polars raises many types)
        raise InputError(f"{display}: a column cannot be read as text ({exc})") from None
    pending = lambda: (_file_digest(path), NO_LINES)  # noqa: E731
    return SourceRead(flat, Deferred.now(NO_LINES), Deferred.now(""), None, pending)


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _whole_records(
    data: bytes, columns: Sequence[str] | None
) -> tuple[pl.DataFrame, list[int]] | None:
    """The common layouts read by Polars at once: one object per line (JSON Lines), or
    objects written back to back on one line (Firehose).  Splitting at `}{` cannot go wrong
    silently: a split inside a string leaves a piece that is not JSON, and then (or for any
    other layout) None is returned and the records are decoded one by one."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.strip():
        return pl.DataFrame(), []
    if body.find(b"\n", 0, len(body) - 1) < 0:  # one line (a final newline aside)
        pieces = body.replace(b"}{", b"}\n{")
        lines = None
    else:
        rows = body.split(b"\n")
        numbers = [i + 1 for i, row in enumerate(rows) if row.strip()]
        if any(not rows[n - 1].strip().startswith(b"{") for n in numbers):
            return None
        pieces, lines = body, numbers
    try:
        frame = _typed(pieces, columns)
    except Exception:  # polars raises many types; each means "not this layout"
        return None
    if lines is None:
        lines = [1] * frame.height
    if frame.height != len(lines):
        return None
    return frame, lines


def _csv(
    source: Path | bytes,
    display: str,
    columns: Sequence[str] | None,
    digest: Deferred[str] | None,
) -> csv_reader.CsvRead:
    """The wanted columns (names trimmed), and the file's last one read too so that a short
    row is still told from a full one (then dropped), as the log reader does."""
    names = csv_reader.header(source, ",", display)
    csv_reader.check_header(names, display)
    wanted = names if columns is None else [n for n in names if n.strip() in set(columns)]
    probe = bool(names) and names[-1] not in wanted
    read = csv_reader.read(
        source, ",", [*wanted, names[-1]] if probe else wanted, [], display, digest
    )
    frame = read.frame.drop(names[-1]) if probe else read.frame
    frame = frame.rename({n: n.strip() for n in frame.columns})
    return csv_reader.CsvRead(frame, read.lines, read.sha256, read.problems, read.pending)


def _gunzipped(raw: bytes, display: str) -> bytes:
    if not raw.startswith(b"\x1f\x8b"):
        return raw
    parts: list[bytes] = []
    size = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
            # in pieces: one read of MAX_BYTES would reserve that much memory for any file
            while piece := handle.read(1 << 24):
                size += len(piece)
                if size > MAX_BYTES:
                    raise InputError(f"{display}: more than {MAX_BYTES} bytes once decompressed")
                parts.append(piece)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{display}: not a readable gzip file ({exc})") from None
    return b"".join(parts)


def _decoded(data: bytes, display: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The JSON objects of `data` (one per line, or concatenated with or without whitespace),
    decoded one by one, with the line each starts on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{display}: not UTF-8 text (byte {exc.start})") from None
    decoder = json.JSONDecoder()
    values: list[dict[str, Any]] = []
    lines: list[int] = []
    position, line, counted = 0, 1, 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            break
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            at = line + text.count("\n", position, exc.pos)
            raise InputError(f"{display}:{at}: not a JSON object ({exc.msg})") from None
        if not isinstance(value, dict):
            raise InputError(f"{display}:{line}: expected one JSON object per record")
        values.append(value)
        lines.append(line)
        position = end
    return values, lines


def _records(data: bytes, display: str) -> tuple[bytes, list[int]]:
    """The JSON objects of `data` as JSON Lines bytes, with the line each starts on."""
    values, lines = _decoded(data, display)
    text = "\n".join(json.dumps(v, ensure_ascii=False) for v in values)
    return text.encode("utf-8"), lines


def _text(value: Any) -> str | None:
    """A JSON scalar or list as the text the other readers give it (lists joined by `,`)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(t for t in (_text(v) for v in value) if t is not None)
    return json.dumps(value)


def _picked(
    values: list[dict[str, Any]], columns: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The wanted dotted paths of records whose shapes disagree (an object in most records,
    text in one), read record by record so that a bad record is rejected with its reason
    and the others are read, rather than the whole column being lost.  A path is a column
    when some record has its first key (as Polars would make one)."""
    leaves = [c for c in columns if not any(o.startswith(f"{c}.") for o in columns)]
    present = [c for c in leaves if any(c.split(".")[0] in v for v in values)]
    out: dict[str, list[str | None]] = {c: [] for c in present}
    rows: list[int] = []
    reasons: list[str] = []
    for number, record in enumerate(values, start=1):
        problem = None
        for path in present:
            node: Any = record
            parts = path.split(".")
            for depth, part in enumerate(parts):
                if node is None:
                    break
                if not isinstance(node, dict):
                    where = ".".join(parts[:depth])
                    problem = problem or f"{where} is not an object, so {path} cannot be read"
                    node = None
                    break
                node = node.get(part)
            if isinstance(node, dict):
                problem = problem or f"{path} is an object, not a value"
                node = None
            out[path].append(_text(node))
        if problem:
            rows.append(number)
            reasons.append(problem)
    frame = pl.DataFrame(out, schema=dict.fromkeys(present, pl.String), strict=False)
    if not rows:
        return frame, None
    problems = pl.DataFrame(
        {C.ROW: rows, C.CODE: ["bad-record"] * len(rows), C.REASON: reasons},
        schema={C.ROW: pl.Int64, C.CODE: pl.String, C.REASON: pl.String},
    )
    return frame, problems


SAMPLE = 2_000
"""Records read first to learn which fields an export has, before the wanted ones are read
with a fixed schema (several times faster than inferring it from every record)."""


def _typed(lines: bytes, columns: Sequence[str] | None) -> pl.DataFrame:
    """JSON Lines `lines` as a frame: only the wanted `columns` (dotted paths), all as text,
    when a sample of the records shows every one of them (or its object); otherwise every
    field, typed from all the records, so that a field no record has is reported missing."""
    if columns is None:
        return pl.read_ndjson(io.BytesIO(lines), infer_schema_length=None)
    end = 0
    for _ in range(SAMPLE):
        end = lines.find(b"\n", end) + 1
        if end == 0:
            break
    head = lines[:end] if end else lines
    seen = set(_flatten(pl.read_ndjson(io.BytesIO(head), infer_schema_length=None)).columns)
    wanted = [c for c in columns if not any(o.startswith(f"{c}.") for o in columns)]
    known = all(
        c in seen or any(".".join(c.split(".")[:n]) in seen for n in range(1, c.count(".") + 1))
        for c in wanted
    )
    if not known:
        return pl.read_ndjson(io.BytesIO(lines), infer_schema_length=None)
    return pl.read_ndjson(io.BytesIO(lines), schema=_schema(wanted))


def _schema(paths: Sequence[str]) -> dict[str, pl.DataType]:
    """A Polars schema reading each dotted path as text inside its objects."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # a path and its own parent both asked for
                child = node[part] = {}
            node = child
        node.setdefault(parts[-1], None)

    def typed(node: dict[str, Any]) -> dict[str, pl.DataType]:
        return {
            name: pl.String() if sub is None else pl.Struct(typed(sub))
            for name, sub in node.items()
        }

    return typed(tree)


def _frame(records: bytes, display: str) -> pl.DataFrame:
    """The JSON Lines `records` as a frame (an error names the file)."""
    if not records:
        return pl.DataFrame()
    try:
        return pl.read_ndjson(io.BytesIO(records), infer_schema_length=None)
    except Exception as exc:  # polars raises many types; each means "records it cannot type"
        raise InputError(f"{display}: records Polars cannot read together ({exc})") from None


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested objects as dotted columns; every column as text (lists joined by `,`)."""
    while any(isinstance(t, pl.Struct) for t in frame.schema.values()):
        exprs: list[pl.Expr] = []
        for name, dtype in frame.schema.items():
            if isinstance(dtype, pl.Struct):
                exprs += [
                    pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}")
                    for f in dtype.fields
                ]
            else:
                exprs.append(pl.col(name))
        frame = frame.select(exprs)
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array):
            out.append(col.cast(pl.List(pl.String)).list.join(",").alias(name))
        elif dtype == pl.Boolean:
            out.append(pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false")))
        else:
            out.append(col.cast(pl.String))
    frame = frame.select(e.alias(n) for e, n in zip(out, frame.columns, strict=True))
    return frame

"""Read a source export as the profile sees it: every column as text, nested JSON flattened.

CSV is read by the log reader (`inputs.csv_reader`: the same checks of shape, the same line
map and digest); JSON Lines and concatenated JSON objects (Amazon Connect records delivered by
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
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from collectlint.errors import InputError
from collectlint.inputs import csv_reader
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.lines import LineMap, Scan

MAX_BYTES = 8 << 30
"""Largest export read into memory after decompression (a guard against a gzip bomb)."""


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


def read_source(path: Path, display: str, fmt: str) -> SourceRead:
    """Read the export at `path` in the profile's format (`csv`, `jsonl` or `json`)."""
    with path.open("rb") as handle:
        zipped = handle.read(2) == b"\x1f\x8b"
    if fmt == "csv" and not zipped:  # the common case: read and scanned as a log is
        names = csv_reader.header(path, ",", display)
        csv_reader.check_header(names, display)
        read = csv_reader.read(path, ",", names, [], display)
        frame = read.frame.rename({n: n.strip() for n in read.frame.columns})
        return SourceRead(frame, read.lines, read.sha256, read.problems, read.pending)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    data = _gunzipped(raw, display) if zipped else raw
    if fmt == "csv":
        names = csv_reader.header(data, ",", display)
        csv_reader.check_header(names, display)
        read = csv_reader.read(data, ",", names, [], display, Deferred.now(digest))
        frame = read.frame.rename({n: n.strip() for n in read.frame.columns})
        return SourceRead(frame, read.lines, Deferred.now(digest), read.problems)
    records, lines = _records(data, display)
    frame = _flatten(_frame(records, display))
    return SourceRead(frame, Deferred.now(LineMap.of(lines)), Deferred.now(digest))


def _gunzipped(raw: bytes, display: str) -> bytes:
    if not raw.startswith(b"\x1f\x8b"):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
            data = handle.read(MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"{display}: not a readable gzip file ({exc})") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{display}: more than {MAX_BYTES} bytes once decompressed")
    return data


def _records(data: bytes, display: str) -> tuple[bytes, list[int]]:
    """The JSON objects of `data` (one per line, or concatenated with or without whitespace)
    as JSON Lines bytes, with the line each starts on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{display}: not UTF-8 text (byte {exc.start})") from None
    decoder = json.JSONDecoder()
    pieces: list[str] = []
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
        pieces.append(text[position:end].replace("\n", " ").replace("\r", " "))
        lines.append(line)
        position = end
    return "\n".join(pieces).encode("utf-8"), lines


def _frame(records: bytes, display: str) -> pl.DataFrame:
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

"""Where each record of a text log starts, read straight from the bytes.

Polars reads a CSV fast but cannot say on which physical line a record starts (a quoted message
body may span lines), nor tell a row with too few fields from one with empty fields.  Reports
must name the line, and a truncated row must be rejected, not checked with defaults.  One
vectorised pass over the file (NumPy, in chunks, so memory stays bounded) finds:

- every record end: a newline outside double quotes (the quote state is the parity of the
  quotes seen so far, so a `""` escape is neutral) — the same records Polars reads, on every
  file Polars accepts;
- the blank records (an empty line, or a lone CR), which Polars reads as rows of nulls;
- the number of separators outside quotes, which says whether any record is short, and, only
  when one is, the field count of every record;
- the file's SHA-256, from the same bytes.

Lines are kept sparse: a `LineMap` stores only the records that span several lines and the
blank ones, and answers `line(row)` with binary searches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from collectlint.inputs.lines import CHUNK, LineMap

NL, QUOTE, CR = 10, 34, 13

Ints = npt.NDArray[np.int64]

_NONE: Ints = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class CsvLayout:
    """What one pass over a CSV file found (see the module docstring)."""

    sha256: str
    header_line: int
    header_fields: int
    records: int
    """Data records, blank ones included."""
    blank: Ints
    """0-based indexes of the blank data records."""
    lines: LineMap
    short_rows: bool
    """Whether some non-blank record has fewer fields than the header (counted only when field
    counts were asked for)."""
    open_quote_line: int
    """The line of a quote never closed (0: every quote is closed)."""


def _chunks(source: Path | bytes) -> Iterator[npt.NDArray[np.uint8]]:
    """The bytes of a file, or of data in memory, in arrays of at most `CHUNK` bytes."""
    if isinstance(source, bytes):
        for start in range(0, len(source), CHUNK):
            yield np.frombuffer(
                source, dtype=np.uint8, count=min(CHUNK, len(source) - start), offset=start
            )
        return
    buf = np.empty(CHUNK, dtype=np.uint8)
    with source.open("rb", buffering=0) as handle:
        while n := handle.readinto(buf.data):
            yield buf[:n]


def scan_csv(
    source: Path | bytes, separator: str, *, counts: bool = False
) -> tuple[CsvLayout, Ints]:
    """Scan a CSV file (or CSV data in memory); with `counts`, also return every data
    record's field count."""
    sep = ord(separator)
    sha = hashlib.sha256()
    parity = lines_before = base = 0
    open_line = 0  # line of the quote that opened the quoted run still open
    ends: list[Ints] = []
    end_lines: list[Ints] = []
    field_counts: list[Ints] = []
    pending = 0  # unquoted separators of the record still open at a chunk boundary
    unquoted = 0
    for data in _chunks(source):
        n = len(data)
        sha.update(data.data)
        quotes = np.flatnonzero(data == QUOTE)
        newlines = np.flatnonzero(data == NL)
        outside = ((np.searchsorted(quotes, newlines) + parity) & 1) == 0
        ends.append(base + newlines[outside])
        end_lines.append(lines_before + np.flatnonzero(outside))
        if counts:  # separators outside quotes, per record (only when rows may be ragged)
            seps = np.flatnonzero(data == sep)
            if len(quotes) or parity:
                seps = seps[((np.searchsorted(quotes, seps) + parity) & 1) == 0]
            unquoted += len(seps)
            before = np.searchsorted(seps, newlines[outside])
            per = np.diff(before, prepend=0)
            if len(per):
                per[0] += pending
                pending = len(seps) - int(before[-1])
            else:
                pending += len(seps)
            field_counts.append(per)
        parity = (parity + len(quotes)) & 1
        if parity and len(quotes):  # the chunk's last quote opens a run not yet closed
            open_line = lines_before + int(np.searchsorted(newlines, quotes[-1])) + 1
        lines_before += len(newlines)
        base += n
    if not parity:
        open_line = 0
    end_pos = np.concatenate(ends) if ends else _NONE
    end_line = np.concatenate(end_lines) if end_lines else _NONE
    totals = (field_counts if counts else None, pending, unquoted)
    return _layout(source, sha.hexdigest(), base, end_pos, end_line, open_line, sep, totals)


def _layout(
    path: Path | bytes,
    digest: str,
    size: int,
    end_pos: Ints,
    end_line: Ints,
    open_line: int,
    sep: int,
    totals: tuple[list[Ints] | None, int, int],
) -> tuple[CsvLayout, Ints]:
    field_counts, pending, unquoted = totals
    starts = np.concatenate(([0], end_pos + 1)).astype(np.int64)
    seg_ends = np.concatenate((end_pos, [size])).astype(np.int64)
    start_lines = np.concatenate(([1], end_line + 2)).astype(np.int64)
    per = (
        np.concatenate([*field_counts, np.array([pending], dtype=np.int64)]) + 1
        if field_counts is not None
        else _NONE
    )
    if len(starts) and starts[-1] == size:  # nothing after the final newline: not a record
        starts, seg_ends, start_lines = starts[:-1], seg_ends[:-1], start_lines[:-1]
        per = per[:-1] if len(per) else per
    blank = _blank(path, starts, seg_ends)
    skipped = int(np.argmin(blank)) if len(blank) and not blank.all() else len(blank)
    if skipped >= len(starts):  # no header at all
        empty = LineMap(1)
        return CsvLayout(digest, 0, 0, 0, _NONE, empty, False, open_line), _NONE
    header_line = int(start_lines[skipped])
    header = _read(path, int(starts[skipped]), int(seg_ends[skipped]))
    header_fields = _fields(header, sep)
    data_starts = start_lines[skipped + 1 :]
    data_blank = np.flatnonzero(blank[skipped + 1 :]).astype(np.int64)
    records = len(data_starts)
    expected = (header_fields - 1) * (records - len(data_blank))
    data_seps = unquoted - (header_fields - 1)
    lines = _line_map(header_line, data_starts, data_blank)
    short = field_counts is not None and data_seps < expected
    layout = CsvLayout(
        digest, header_line, header_fields, records, data_blank, lines, short, open_line
    )
    return layout, (per[skipped + 1 :] if len(per) else per)


def _line_map(header_line: int, data_starts: Ints, blank: Ints) -> LineMap:
    """Sparse lines of the non-blank data records."""
    keep = np.ones(len(data_starts), dtype=bool)
    keep[blank] = False
    # record r (1-based, counting blank ones) would start at header_line + r if every record
    # took one line; the difference is the extra lines of the multi-line records before it
    naive = header_line + np.arange(1, len(data_starts) + 1, dtype=np.int64)
    added = data_starts - naive
    changes = np.flatnonzero(np.diff(added, prepend=0) != 0)
    extra_rows = (changes + 1).astype(np.int64)  # 1-based record numbers
    extra = added[changes].astype(np.int64)
    return LineMap(header_line + 1, extra_rows, extra, (blank + 1).astype(np.int64))


def _blank(path: Path | bytes, starts: Ints, ends: Ints) -> npt.NDArray[np.bool_]:
    """Records that are empty or a lone CR (the one-byte ones are read individually)."""
    length = ends - starts
    blank: npt.NDArray[np.bool_] = length == 0
    for i in np.flatnonzero(length == 1):
        blank[i] = _read(path, int(starts[i]), int(starts[i]) + 1) == b"\r"
    return blank


def _read(path: Path | bytes, start: int, end: int) -> bytes:
    if isinstance(path, bytes):
        return path[start:end]
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read(end - start)


def _fields(record: bytes, sep: int) -> int:
    """Fields in one record, counting separators outside quotes."""
    inside = False
    count = 1
    for byte in record:
        if byte == QUOTE:
            inside = not inside
        elif byte == sep and not inside:
            count += 1
    return count


def jsonl_lines(source: Path | bytes) -> tuple[str, LineMap]:
    """SHA-256 and line map of a JSON Lines file: record k is the k-th line holding anything
    other than spaces, tabs and CRs (the lines Polars reads)."""
    sha = hashlib.sha256()
    blank_lines: list[int] = []
    line = 0
    tail = b""
    for chunk in _chunks(source):
        block = chunk.tobytes()
        sha.update(block)
        pieces = (tail + block).split(b"\n")
        tail = pieces.pop()
        for piece in pieces:
            line += 1
            if not piece.strip(b" \t\r"):
                blank_lines.append(line)
    if tail:
        line += 1
        if not tail.strip(b" \t\r"):
            blank_lines.append(line)
    return sha.hexdigest(), LineMap(1, blank=np.array(blank_lines, dtype=np.int64))

"""Read a CSV or TSV log: every cell as text, every record located, nothing lost or echoed.

Polars parses the file.  Around it:

- the header is read as written, so a column named twice is an error (Polars would rename the
  second copy and silently use the first);
- a file Polars cannot parse is diagnosed here, from its bytes: the line of a quote never
  closed, of a row with the wrong number of fields, of bytes that are not valid text — and the
  message never quotes a row (contact logs are personal data);
- blank lines are not rows; a row with fewer or more fields than the header is rejected with
  its line, never checked with the missing fields read as empty (`scan.scan_csv` counts them,
  when the frame shows that a row could be short);
- the line where every record starts, and the file's digest, come from one more pass over the
  bytes, run in the background while the rules run.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.encoding import check_bom, first_invalid_utf8, line_of

if TYPE_CHECKING:
    from collectlint.inputs.scan import CsvLayout
from collectlint.inputs.lines import NO_LINES, LineMap, Scan, count_lines

HEADER_BYTES = 1 << 20
"""The header must fit in this many bytes."""


@dataclass(frozen=True, slots=True)
class CsvRead:
    """A CSV log as read: its text columns (blank records dropped), where its rows start and
    its digest (or the `pending` scan that will tell), and the rows that cannot be checked
    because of their shape (`C.ROW`, `C.CODE`, `C.REASON`)."""

    frame: pl.DataFrame
    lines: Deferred[LineMap]
    sha256: Deferred[str]
    problems: pl.DataFrame | None
    pending: Scan | None = None


def header(source: Path | bytes, separator: str, display: str) -> list[str]:
    """The column names as written in the first non-blank record (BOM removed)."""
    head = _head(source)
    check_bom(head, display)
    if not head.strip(b"\r\n"):
        raise InputError(f"{display}: the file is empty (no header, no rows)")
    if b"\n" not in head and b"\r" in head.rstrip(b"\r"):
        raise InputError(
            f"{display}:1: lines end with a lone CR (classic Mac line endings); convert the "
            "file to LF or CRLF line endings"
        )
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False):
        if row and row != [""]:
            return row
    return []


def check_header(names: Sequence[str], display: str) -> None:
    """A column named twice (spaces around names aside) would make one of the copies silently
    win: refuse it."""
    twice = sorted(name for name, n in Counter(n.strip() for n in names).items() if n > 1)
    if twice:
        listed = ", ".join(repr(n) for n in twice if n) or "with no name"
        raise InputError(
            f"{display}: column {listed} appears more than once in the header; keep one copy"
        )


def _head(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source[:HEADER_BYTES]
    with source.open("rb") as handle:
        return handle.read(HEADER_BYTES)


def read(
    source: Path | bytes,
    separator: str,
    columns: Sequence[str],
    categorical: Sequence[str],
    display: str,
    digest: Deferred[str] | None = None,
) -> CsvRead:
    """Read `columns` of the CSV at `source` (`categorical` ones as categoricals).

    `digest` is the original file's, when `source` is a transcoded copy (which is then scanned
    now, since it does not outlive this call); otherwise the scan is left `pending`, for the
    caller to run in the background.
    """
    try:
        frame = _parse(source, separator, columns, categorical, ragged=False)
    except Exception as exc:  # polars raises many types; each means "not this file as CSV"
        if "more fields" not in str(exc):
            raise _diagnosed(source, separator, display, exc) from None
        try:
            frame = _parse(source, separator, columns, categorical, ragged=True)
        except Exception as again:  # polars raises many types; each means "not this file as CSV"
            raise _diagnosed(source, separator, display, again) from None
        return _exact(source, separator, frame, display, digest)
    if _maybe_irregular(frame):
        return _exact(source, separator, frame, display, digest)
    if digest is not None:  # a temporary copy: scan it while it exists
        from collectlint.inputs.scan import scan_csv

        layout, _ = scan_csv(source, separator)
        _verify(layout, frame.height, display)
        return CsvRead(frame, Deferred.now(layout.lines), digest, None)
    height, first = frame.height, header_line(source)
    pending = lambda: _scan_and_verify(source, separator, height, first, display)  # noqa: E731
    return CsvRead(frame, Deferred.now(NO_LINES), Deferred.now(""), None, pending)


def _parse(
    source: Path | bytes,
    separator: str,
    columns: Sequence[str],
    categorical: Sequence[str],
    *,
    ragged: bool,
) -> pl.DataFrame:
    target = io.BytesIO(source) if isinstance(source, bytes) else source
    frame = (
        pl.scan_csv(
            target,
            infer_schema=False,
            separator=separator,
            raise_if_empty=False,
            truncate_ragged_lines=ragged,
        )
        .select(list(columns) or pl.all())
        .with_columns(pl.col(list(categorical)).cast(pl.Categorical))
        .collect(engine="streaming")
    )
    # rechunk here: the batched reader returns many small chunks, which make later sorts
    # and gathers slower, and copying now frees them before the next step needs memory
    for name in frame.columns:  # one column at a time: old chunks are freed as we go
        frame = frame.with_columns(frame.get_column(name).rechunk())
    return frame


def _maybe_irregular(frame: pl.DataFrame) -> bool:
    """Whether a row may be blank (every cell empty) or short (a short row's missing fields
    are its last ones, so the file's last column, which the caller reads last, is empty).
    Only then are fields counted."""
    if frame.height == 0 or not frame.width:
        return False
    return frame.get_column(frame.columns[-1]).null_count() > 0


def header_line(source: Path | bytes) -> int:
    """The line of the header: blank lines before it are skipped, as Polars skips them."""
    head = _head(source).removeprefix(b"\xef\xbb\xbf")
    line = 1
    for piece in head.split(b"\n")[:-1]:
        if piece not in (b"", b"\r"):
            break
        line += 1
    return line


def _scan_and_verify(
    source: Path | bytes, separator: str, rows: int, first: int, display: str
) -> tuple[str, LineMap]:
    """The digest and line map of a CSV whose rows Polars read (`rows`, none blank).

    When the file holds exactly one newline per record, every record is one line and no
    further scan is needed; only a file with a multi-line record is scanned record by record.
    """
    digest, lines = count_lines(source)
    if lines == first + rows:
        return digest, LineMap(first + 1)
    from collectlint.inputs.scan import scan_csv  # NumPy, only for files that need it

    layout, _ = scan_csv(source, separator)
    _verify(layout, rows, display)
    return digest, layout.lines


def _verify(layout: CsvLayout, rows: int, display: str, *, blank: bool = False) -> None:
    """The scan and the parser must agree on the records, or no line can be trusted.

    `rows` counts the parser's rows, blank records included when `blank`.
    """
    if layout.open_quote_line:
        raise InputError(
            f"{display}:{layout.open_quote_line}: a quoted field starts here and is never closed"
        )
    found = layout.records if blank else layout.records - len(layout.blank)
    if found != rows:
        raise InputError(
            f"{display}: the rows could not be located in the file ({rows} read, {found} "
            "found); check its quoting"
        )


def _exact(
    source: Path | bytes,
    separator: str,
    frame: pl.DataFrame,
    display: str,
    digest: Deferred[str] | None,
) -> CsvRead:
    """Count every record's fields: drop the blank records, reject the ragged rows."""
    import numpy as np

    from collectlint.inputs.scan import scan_csv

    layout, counts = scan_csv(source, separator, counts=True)
    _verify(layout, frame.height, display, blank=True)
    keep = np.ones(layout.records, dtype=bool)
    keep[layout.blank] = False
    if not keep.all():
        frame = frame.filter(pl.Series(keep))
    counts = counts[keep]
    bad = np.flatnonzero(counts != layout.header_fields)
    problems = None
    if len(bad):
        got = counts[bad]
        want = layout.header_fields
        problems = pl.DataFrame(
            {
                C.ROW: (bad + 1).astype(np.int64),
                C.CODE: ["short-row" if n < want else "long-row" for n in got],
                C.REASON: [f"row has {n} fields; the header has {want}" for n in got],
            },
            schema={C.ROW: pl.Int64, C.CODE: pl.String, C.REASON: pl.String},
        )
    sha = digest if digest is not None else Deferred.now(layout.sha256)
    return CsvRead(frame, Deferred.now(layout.lines), sha, problems)


def _diagnosed(source: Path | bytes, separator: str, display: str, exc: Exception) -> InputError:
    """An error naming the line and the problem of a file Polars could not read (never its
    text: Polars' own message quotes rows, which hold personal data)."""
    import numpy as np

    from collectlint.inputs.scan import scan_csv

    data = source if isinstance(source, bytes) else None
    if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
        data = data if data is not None else Path(source).read_bytes()  # type: ignore[arg-type]
        offset = first_invalid_utf8(data)
        if offset is not None:
            return InputError(
                f"{display}:{line_of(data, offset)}: not valid UTF-8 text (byte {offset}); "
                "pass the log's --encoding (for example latin-1, cp1252 or gb18030)"
            )
    try:
        layout, counts = scan_csv(source, separator, counts=True)
    except OSError as err:
        return InputError(f"{display}: cannot read: {err.strerror or err}")
    if layout.open_quote_line:
        return InputError(
            f"{display}:{layout.open_quote_line}: a quoted field starts here and is never closed"
        )
    keep = np.ones(layout.records, dtype=bool)
    keep[layout.blank] = False
    wrong = np.flatnonzero(keep & (counts != layout.header_fields)) if len(counts) else counts
    if len(wrong):
        row = int(wrong[0])
        line = int(layout.lines.lines(np.array([row + 1 - int((~keep[:row]).sum())]))[0])
        return InputError(
            f"{display}:{line}: row has {counts[row]} fields; the header has {layout.header_fields}"
        )
    return InputError(
        f"{display}: cannot be read as CSV: a field is not quoted properly (a quote inside an "
        "unquoted field, or text after a closing quote); quote such fields and double the "
        'quotes inside them ("")'
    )

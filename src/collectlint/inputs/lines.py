"""`LineMap`: where each row of a log starts, kept sparse (see `inputs.scan`); and the quick
newline count that, for most files, shows no full scan is needed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy.typing as npt

    Ints = npt.NDArray[Any]


@dataclass(frozen=True, slots=True, eq=False)
class LineMap:
    """Physical start lines of a log's rows (1-based rows, blank records not counted as rows).

    Records are numbered from 1, blank ones included; rows skip the blank records (whose
    record numbers are in `blank`).  Record r starts on line `first + r - 1` plus the extra
    lines taken by earlier multi-line records: `extra[i]` from record `extra_rows[i]` on.  A
    map with `first == 0` means the format has no lines.  The arrays are NumPy's, imported only
    when a map is built or read (a check that never needs a line never loads NumPy).
    """

    first: int
    extra_rows: Ints | None = None
    extra: Ints | None = None
    blank: Ints | None = None

    @classmethod
    def of(cls, lines: Sequence[int]) -> LineMap:
        """The map of rows whose lines are listed one by one (0 for a row with none)."""
        import numpy as np

        values = np.asarray(lines, dtype=np.int64)
        if not len(values) or not values.any():
            return NO_LINES
        added = values - (1 + np.arange(len(values), dtype=np.int64))
        changes = np.flatnonzero(np.diff(added, prepend=0) != 0)
        return cls(1, (changes + 1).astype(np.int64), added[changes])

    @property
    def plain(self) -> bool:
        """Whether every row starts on its own line after the first (or none has a line)."""
        return not (self.extra_rows is not None and len(self.extra_rows)) and not (
            self.blank is not None and len(self.blank)
        )

    def lines(self, rows: Ints) -> Ints:
        """The physical start line of each row (1-based), or 0 when there are no lines."""
        import numpy as np

        rows = np.asarray(rows, dtype=np.int64)
        if self.first == 0:
            return np.zeros(len(rows), dtype=np.int64)
        records = rows
        if self.blank is not None and len(self.blank):  # row k: record k + blanks before it
            shifted = self.blank - np.arange(len(self.blank), dtype=np.int64)
            records = rows + np.searchsorted(shifted, rows, side="right")
        if self.extra_rows is None or not len(self.extra_rows) or self.extra is None:
            return self.first + records - 1
        at = np.searchsorted(self.extra_rows, records, side="right") - 1
        added = np.where(at >= 0, self.extra[np.maximum(at, 0)], 0)
        return self.first + records - 1 + added


NO_LINES = LineMap(0)

Scan = Callable[[], tuple[str, LineMap]]
"""A pass over a log's bytes still to run: it gives the digest and the line map."""


CHUNK = 1 << 22
"""Bytes read at a time."""


def count_lines(source: Path | bytes) -> tuple[str, int]:
    """SHA-256 and the number of lines (a last line without a newline counts; an empty file has
    none).  A line count is far cheaper than locating every record and needs no NumPy; see
    `csv_reader`.

    A file is read in blocks of `4 * CHUNK` bytes: hashlib releases the GIL on them, and the
    lines of each block are counted by Polars' multi-threaded reader with quoting off (about
    twice as fast as `bytes.count`, which holds the GIL).  Counting block by block keeps memory
    flat: Polars given the whole file maps all of it.  Tests hold the counts equal.
    """
    sha = hashlib.sha256()
    if isinstance(source, bytes):
        sha.update(source)
        return sha.hexdigest(), source.count(b"\n") + _unended(source)
    lines, last = 0, b""
    with source.open("rb") as handle:
        while block := handle.read(4 * CHUNK):
            sha.update(block)
            lines += _lines(block) - _unended(block)  # the newlines in the block
            last = block[-1:]
    return sha.hexdigest(), lines + _unended(last)


def _unended(data: bytes) -> int:
    """1 when `data` ends in a line without a newline, else 0."""
    return 0 if not data or data.endswith(b"\n") else 1


def _lines(block: bytes) -> int:
    """Lines of `block` as Polars splits them (no quote character; the separator only matters
    for speed), or by `bytes.count` when Polars cannot read it."""
    import polars as pl

    try:
        plan = pl.scan_csv(
            block, has_header=False, quote_char=None, separator="\x1f", infer_schema=False
        )
        lines = plan.select(pl.len()).collect().item()
    except Exception:  # polars raises many types; the plain count is always right
        lines = None
    return lines if isinstance(lines, int) else block.count(b"\n") + _unended(block)

"""`EventTable`: the one typed value the pipeline takes, whatever the events came from.

Contact logs, plans, their histories, message templates and test cases all become an
`EventTable`: a Polars frame with the canonical columns (`vocabulary.COLUMNS`) and the derived
ones (`columns`), plus the sources the rows came from.  Every row carries its source's index,
its record number and its physical line, so a finding or a rejection can say where it came
from without any id being encoded and parsed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from collectlint import columns as C
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.lines import NO_LINES, LineMap
from collectlint.inputs.templates import Template
from collectlint.model import InputFile, Origin, ProfileRun, Role


@dataclass(frozen=True, slots=True)
class InputSource:
    """One input: its path as the user gave it, its role, its format, its row count, its
    digest and where each of its rows starts (the last two may still be computing)."""

    path: str
    role: Role
    rows: int
    format: str
    sha256: Deferred[str] = field(default_factory=lambda: Deferred.now(""))
    lines: Deferred[LineMap] = field(default_factory=lambda: Deferred.now(NO_LINES))
    profile: ProfileRun | None = None


@dataclass(frozen=True, slots=True)
class EventTable:
    """Events ready for the engine: one row per input record, rejected ones included.

    `frame` has the canonical columns, `C.TS`, `C.ZONE`, `C.PERSON`, where each row came from
    (`C.SOURCE`, `C.ROW`; its line is looked up from the source, see `line_numbers`), and why
    it cannot be checked (`C.REASON`, `C.CODE`; null
    for a checkable row); `C.SCOPE` when events are split into isolated groups.  `templates`
    holds the parsed templates whose renderings are rows, for placing findings at `line:col`.
    """

    frame: pl.DataFrame
    sources: tuple[InputSource, ...]
    templates: tuple[Template, ...] = ()
    located: tuple[tuple[str, int], ...] = ()
    """Problems met placing the events (an unknown ZIP code, a state that is none), counted."""

    def line_numbers(self, sources: pl.Series, rows: pl.Series) -> pl.Series:
        """The physical line where each (source index, row) starts (0: the input has none)."""
        maps = {int(i): self.sources[int(i)].lines.get() for i in sources.unique().to_list()}
        if all(m.plain for m in maps.values()):  # one line per row: no NumPy needed
            if not len(rows):
                return _no_lines()
            first = pl.lit(
                sources.cast(pl.Int64).replace_strict(
                    {i: m.first for i, m in maps.items()}, return_dtype=pl.Int64
                )
            )
            line = pl.when(first > 0).then(first + pl.lit(rows.cast(pl.Int64)) - 1).otherwise(0)
            return pl.select(line.alias(C.LINE)).to_series()
        import numpy as np

        out = np.zeros(len(rows), dtype=np.int64)
        src = sources.cast(pl.Int64).to_numpy()
        numbers = rows.cast(pl.Int64).to_numpy()
        for index in np.unique(src):
            mine = src == index
            out[mine] = self.sources[int(index)].lines.get().lines(numbers[mine])
        return pl.Series(C.LINE, out, dtype=pl.Int64)

    @property
    def scoped(self) -> bool:
        """Whether rows are split into isolated groups (`C.SCOPE`)."""
        return C.SCOPE in self.frame.columns

    def origin(self, source: int, row: int, line: int, column: int = 0) -> Origin:
        """The `Origin` of a row, from its source index, record number and line."""
        src = self.sources[source]
        return Origin(src.role, src.path, row, line, column)

    def digests(self) -> tuple[InputFile, ...]:
        """The inputs as a report lists them (waiting for digests still being computed)."""
        return tuple(
            InputFile(s.path, s.sha256.get(), s.rows, s.role, s.profile) for s in self.sources
        )

    def roles(self, *roles: Role) -> list[int]:
        """Indexes of the sources with one of `roles`."""
        return [i for i, s in enumerate(self.sources) if s.role in roles]


def _no_lines() -> pl.Series:
    return pl.Series(C.LINE, [], dtype=pl.Int64)

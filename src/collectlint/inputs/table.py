"""`EventTable`: the one typed value the pipeline takes, whatever the events came from.

Contact logs, plans, their histories, message templates and test cases all become an
`EventTable`: a Polars frame with the canonical columns (`vocabulary.COLUMNS`) and the derived
ones (`columns`), plus the sources the rows came from.  Every row carries its source's index,
its record number and its physical line, so a finding or a rejection can say where it came
from without any id being encoded and parsed back.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from collectlint import columns as C
from collectlint.inputs.templates import Template
from collectlint.model import Origin, Role


@dataclass(frozen=True, slots=True)
class InputSource:
    """One input: its path as the user gave it, its role, its format and its row count."""

    path: str
    role: Role
    rows: int
    format: str

    @property
    def has_lines(self) -> bool:
        """Whether its records have physical lines (not Parquet)."""
        return self.format != "parquet"


@dataclass(frozen=True, slots=True)
class EventTable:
    """Events ready for the engine: one row per input record, rejected ones included.

    `frame` has the canonical columns, `C.TS`, `C.ZONE`, `C.PERSON`, where each row came from
    (`C.SOURCE`, `C.ROW`, `C.LINE`), and why it cannot be checked (`C.REASON`, `C.CODE`; null
    for a checkable row); `C.SCOPE` when events are split into isolated groups.  `templates`
    holds the parsed templates whose renderings are rows, for placing findings at `line:col`.
    """

    frame: pl.DataFrame
    sources: tuple[InputSource, ...]
    templates: tuple[Template, ...] = ()

    @property
    def scoped(self) -> bool:
        """Whether rows are split into isolated groups (`C.SCOPE`)."""
        return C.SCOPE in self.frame.columns

    def origin(self, source: int, row: int, line: int, column: int = 0) -> Origin:
        """The `Origin` of a row, from its source index, record number and line."""
        src = self.sources[source]
        return Origin(src.role, src.path, row, line, column)

    def roles(self, *roles: Role) -> list[int]:
        """Indexes of the sources with one of `roles`."""
        return [i for i, s in enumerate(self.sources) if s.role in roles]

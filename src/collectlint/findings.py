"""`Findings`: a report's violations, held as one Polars frame and read as `Violation`s.

A check over months of logs can find hundreds of thousands of violations.  Turning each into a
Python tuple costs seconds and gigabytes that the JSON and CSV reports never need, so the
engine's findings stay columnar: `Findings` is an immutable `Sequence[Violation]` whose tuples
are built only when someone iterates or indexes it, and whose `frame` lets reporters and
counters work a column at a time.  Reporters and tests that build findings by hand pass plain
tuples; `Findings.of` turns either into a `Findings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC
from typing import Any, overload

import polars as pl

from collectlint.model import Severity, Suppression, Violation
from collectlint.util import paused_gc

_UTC = pl.Datetime("us", "UTC")
SUPPRESSION = pl.Struct(dict.fromkeys(Suppression._fields, pl.String))
SCHEMA: dict[str, Any] = {
    "rule": pl.String,
    "time": _UTC,
    "event": pl.String,
    "severity": pl.UInt8,
    "account": pl.String,
    "person": pl.String,
    "local_time": pl.String,
    "zone": pl.String,
    "message": pl.String,
    "citation": pl.String,
    "evidence": pl.List(pl.String),
    "path": pl.String,
    "row": pl.Int64,
    "column": pl.Int64,
    "category": pl.String,
    "quote": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "fingerprint": pl.String,
    "suppression": SUPPRESSION,
    "next_allowed_at": _UTC,
    "next_allowed_local": pl.String,
}
"""One column per `Violation` field, in field order (a test holds the two together)."""

_SEP = "\x1f"  # joins evidence ids in Polars: reading list cells row by row is slow
_SEVERITIES = {int(s): s for s in Severity}


class Findings(Sequence[Violation]):
    """Findings in report order (`check()` sorts them by rule, time and event), immutable,
    backed by a Polars frame; the `Violation` tuples are built on first iteration or index."""

    __slots__ = ("_frame", "_rows")

    def __init__(self, frame: pl.DataFrame) -> None:
        if frame.schema != pl.Schema(SCHEMA):
            raise ValueError(f"findings frame has schema {frame.schema}, expected {SCHEMA}")
        self._frame = frame
        self._rows: tuple[Violation, ...] | None = None

    @classmethod
    def of(cls, violations: Iterable[Violation]) -> Findings:
        """`violations` as `Findings` (itself if it already is one)."""
        if isinstance(violations, Findings):
            return violations
        return cls.from_violations(violations)

    @classmethod
    def from_violations(cls, violations: Iterable[Violation]) -> Findings:
        """Build from tuples, keeping their order."""
        columns: dict[str, list[Any]] = {name: [] for name in SCHEMA}
        for v in violations:
            for name, value in zip(Violation._fields, v, strict=True):
                columns[name].append(value)
        columns["severity"] = [int(level) for level in columns["severity"]]
        # a time in any zone is the same instant in UTC (Polars wants one zone per column)
        columns["time"] = [t.astimezone(UTC) for t in columns["time"]]
        columns["next_allowed_at"] = [t and t.astimezone(UTC) for t in columns["next_allowed_at"]]
        columns["evidence"] = [list(ids) for ids in columns["evidence"]]
        columns["suppression"] = [s and s._asdict() for s in columns["suppression"]]
        return cls(pl.DataFrame(columns, schema=SCHEMA))

    @property
    def frame(self) -> pl.DataFrame:
        """The findings as a frame with the columns of `SCHEMA` (a copy that shares the column
        buffers, so changing it in place cannot change the report)."""
        return self._frame.clone()

    def _tuples(self) -> tuple[Violation, ...]:
        if self._rows is None:
            self._rows = _materialise(self._frame)
        return self._rows

    def __len__(self) -> int:
        return self._frame.height

    @overload
    def __getitem__(self, index: int) -> Violation: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Violation]: ...

    def __getitem__(self, index: int | slice) -> Violation | Sequence[Violation]:
        return self._tuples()[index]

    def __iter__(self) -> Iterator[Violation]:
        return iter(self._tuples())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Findings):
            return self._frame.equals(other._frame)
        if isinstance(other, Sequence):
            return self._tuples() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Findings({len(self)} violations)"

    def unsuppressed(self) -> pl.DataFrame:
        """The findings no waiver or baseline covers."""
        return self._frame.filter(pl.col("suppression").is_null())


def _materialise(frame: pl.DataFrame) -> tuple[Violation, ...]:
    rows = frame.with_columns(pl.col("evidence").list.join(_SEP)).rows()
    with paused_gc():
        return tuple(
            Violation._make(
                (
                    *r[:3],
                    _SEVERITIES[r[3]],
                    *r[4:10],
                    tuple(r[10].split(_SEP)) if r[10] else (),
                    *r[11:19],
                    None if r[19] is None else Suppression(**r[19]),
                    *r[20:],
                )
            )
            for r in rows
        )


def counts(violations: Sequence[Violation]) -> tuple[dict[str, int], dict[str, int], int]:
    """Unsuppressed findings per rule and per severity name, and how many are suppressed."""
    findings = Findings.of(violations)
    live = findings.unsuppressed()
    by_rule = dict(live.group_by("rule").len().iter_rows())
    found = dict(live.group_by("severity").len().iter_rows())
    by_severity = {str(s): int(found.get(int(s), 0)) for s in sorted(Severity, reverse=True)}
    return by_rule, by_severity, len(findings) - live.height

"""`Findings`: a report's violations, held as one Polars frame and read as `Violation`s.

A check over months of logs can find hundreds of thousands of violations.  Turning each into a
Python tuple costs seconds and gigabytes that the JSON and CSV reports never need, so the
engine's findings stay columnar: `Findings` is an immutable `Sequence[Violation]` whose tuples
are built only when someone iterates or indexes it, and whose `frame` lets reporters and
counters work a column at a time.

The frame's columns are derived from the fields of `model.Violation` (`FIELDS`), so the tuple,
the frame and every report built from them cannot drift apart.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import polars as pl

from collectlint.model import Severity, Violation
from collectlint.util import paused_gc

UTC_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record type: its name, its Python type (None removed) and whether it may
    be None."""

    name: str
    type: Any
    optional: bool


@functools.cache
def fields_of(record: type) -> tuple[Field, ...]:
    """The fields of a named tuple, in order, with their resolved types (resolved once per
    type: reports call this for every rejected row)."""
    hints = typing.get_type_hints(record)
    out = []
    for name in record._fields:  # type: ignore[attr-defined]
        tp = hints[name]
        args = typing.get_args(tp)
        optional = isinstance(tp, types.UnionType) and type(None) in args
        if optional:
            tp = next(a for a in args if a is not type(None))
        out.append(Field(name, tp, optional))
    return tuple(out)


def is_record(tp: Any) -> bool:
    """Whether `tp` is a named tuple type (a nested record such as `Origin`)."""
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def dtype_of(tp: Any) -> pl.DataType:
    """The Polars type a field of Python type `tp` is stored as."""
    if tp is Severity:
        return pl.UInt8()
    if (isinstance(tp, type) and issubclass(tp, enum.StrEnum)) or tp is str:
        return pl.String()
    if tp is int:
        return pl.Int64()
    if tp is datetime:
        return UTC_TIME
    if typing.get_origin(tp) is tuple:
        return pl.List(pl.String())
    if is_record(tp):
        return pl.Struct({f.name: dtype_of(f.type) for f in fields_of(tp)})
    raise TypeError(f"no column type for {tp!r}")


FIELDS: tuple[Field, ...] = fields_of(Violation)
"""The fields of a finding, in `Violation`'s order."""

SCHEMA: dict[str, pl.DataType] = {f.name: dtype_of(f.type) for f in FIELDS}
"""One column per `Violation` field, in field order."""


def _to_python(tp: Any) -> Callable[[Any], Any] | None:
    """How to turn a column value back into the field's Python value (None: as it is)."""
    if tp is Severity:
        levels = {int(s): s for s in Severity}
        return levels.__getitem__
    if isinstance(tp, type) and issubclass(tp, enum.StrEnum):
        return tp
    if typing.get_origin(tp) is tuple:
        return tuple
    if is_record(tp):
        inner = [(f.name, _to_python(f.type)) for f in fields_of(tp)]

        def record(value: dict[str, Any]) -> Any:
            return tp(*(value[n] if c is None else c(value[n]) for n, c in inner))

        return record
    return None


def _to_column(tp: Any) -> Callable[[Any], Any] | None:
    """How to turn a field's Python value into what its column holds (None: as it is)."""
    if tp is Severity:
        return int
    if isinstance(tp, type) and issubclass(tp, enum.StrEnum):
        return str
    if tp is datetime:
        # a time in any zone is the same instant in UTC (Polars wants one zone per column)
        return lambda t: t.astimezone(UTC)
    if typing.get_origin(tp) is tuple:
        return list
    if is_record(tp):
        inner = [(f.name, _to_column(f.type)) for f in fields_of(tp)]

        def record(value: Any) -> dict[str, Any]:
            return {n: getattr(value, n) if c is None else c(getattr(value, n)) for n, c in inner}

        return record
    return None


def _apply(convert: Callable[[Any], Any] | None, values: list[Any]) -> list[Any]:
    if convert is None:
        return values
    return [None if v is None else convert(v) for v in values]


_FROM_COLUMN = [_to_python(f.type) for f in FIELDS]
_TO_COLUMN = [_to_column(f.type) for f in FIELDS]


class Findings(Sequence[Violation]):
    """Findings in report order (the pipeline sorts them by rule, time and event), immutable,
    backed by a Polars frame, or by Parquet files for a log checked in parts (`on_disk`); the
    `Violation` tuples are built on first iteration or index."""

    __slots__ = ("_files", "_frame", "_height", "_keep", "_rows")

    def __init__(self, frame: pl.DataFrame) -> None:
        if frame.schema != pl.Schema(SCHEMA):
            raise ValueError(f"findings frame has schema {frame.schema}, expected {SCHEMA}")
        self._frame: pl.DataFrame | None = frame
        self._rows: tuple[Violation, ...] | None = None
        self._files: tuple[str, ...] = ()
        self._height = frame.height
        self._keep: object = None

    @classmethod
    def on_disk(cls, files: Sequence[str], keep: object) -> Findings:
        """Findings held in Parquet files (columns of `SCHEMA`) whose rows, file after file,
        are in report order: the findings of a log larger than memory (see `spill`).  `keep`
        owns the files (a temporary folder removed when the last reference goes) and is held
        as long as these findings are.  Reporters read them a chunk at a time (`chunks`);
        `frame` and iteration read them all into memory."""
        found = cls.empty()
        found._frame = None
        found._files = tuple(files)
        found._height = sum(_height(f) for f in found._files)
        found._keep = keep
        return found

    @classmethod
    def of(cls, violations: Iterable[Violation]) -> Findings:
        """`violations` as `Findings` (itself if it already is one)."""
        if isinstance(violations, Findings):
            return violations
        return cls.from_violations(violations)

    @classmethod
    def from_violations(cls, violations: Iterable[Violation]) -> Findings:
        """Build from tuples, keeping their order."""
        rows = list(violations)
        columns = {
            f.name: _apply(convert, [v[i] for v in rows])
            for i, (f, convert) in enumerate(zip(FIELDS, _TO_COLUMN, strict=True))
        }
        return cls(pl.DataFrame(columns, schema=SCHEMA))

    @classmethod
    def empty(cls) -> Findings:
        """No findings."""
        return cls(pl.DataFrame(schema=SCHEMA))

    @property
    def frame(self) -> pl.DataFrame:
        """The findings as a frame with the columns of `SCHEMA` (a copy that shares the column
        buffers, so changing it in place cannot change the report)."""
        return self._whole().clone()

    def _whole(self) -> pl.DataFrame:
        if self._frame is not None:
            return self._frame
        if not self._files:
            return pl.DataFrame(schema=SCHEMA)
        return pl.read_parquet(list(self._files)).select(list(SCHEMA))

    def _scan(self) -> pl.LazyFrame:
        """The findings as a lazy frame (a scan of the files, for findings on disk)."""
        if self._frame is not None:
            return self._frame.lazy()
        if not self._files:
            return pl.LazyFrame(schema=SCHEMA)
        return pl.scan_parquet(list(self._files))

    def chunks(self, rows: int) -> Iterator[pl.DataFrame]:
        """The findings in report order, at most `rows` at a time: zero-copy slices of the
        frame, or of one file at a time for findings on disk, so a report of millions of
        findings is written with one file's worth in memory."""
        frames = [self._frame] if self._frame is not None else map(pl.read_parquet, self._files)
        for frame in frames:
            for start in range(0, frame.height, rows):
                yield frame.slice(start, rows).select(list(SCHEMA))

    def write_parquet(self, path: str | Path) -> None:
        """Write the findings, in report order, as one Parquet file with the columns of
        `SCHEMA` (findings on disk are copied across a file at a time)."""
        if self._frame is not None or not self._files:
            self._whole().write_parquet(path)
            return
        pl.scan_parquet(list(self._files)).select(list(SCHEMA)).sink_parquet(
            path, maintain_order=True
        )

    def _tuples(self) -> tuple[Violation, ...]:
        if self._rows is None:
            self._rows = _materialise(self._whole())
        return self._rows

    def __len__(self) -> int:
        return self._height

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
            return self._whole().equals(other._whole())
        if isinstance(other, Sequence):
            return self._tuples() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Findings({len(self)} violations)"

    def unsuppressed(self) -> pl.DataFrame:
        """The findings no waiver or baseline covers."""
        return self._scan().filter(pl.col("suppression").is_null()).collect()

    def suppressed_by_rule(self) -> dict[str, int]:
        """Findings a waiver or the baseline covers, per rule (rules with none left out)."""
        hidden = self._scan().filter(pl.col("suppression").is_not_null())
        found = hidden.group_by("rule").len().collect()
        return {str(rule): int(n) for rule, n in found.iter_rows()}

    def counts(self) -> tuple[dict[str, int], dict[str, int], int]:
        """Unsuppressed findings per rule and per severity name, and how many are suppressed
        (counted from the three columns they need, so findings on disk stay there)."""
        live = self._scan().select("rule", "severity", "suppression")
        live = live.filter(pl.col("suppression").is_null())
        by_group = live.group_by("rule", "severity").len().collect()
        by_rule: dict[str, int] = {}
        found: dict[int, int] = {}
        for rule, severity, n in by_group.iter_rows():
            by_rule[rule] = by_rule.get(rule, 0) + n
            found[severity] = found.get(severity, 0) + n
        by_severity = {str(s): int(found.get(int(s), 0)) for s in sorted(Severity, reverse=True)}
        return by_rule, by_severity, len(self) - sum(by_rule.values())


def in_report_order(frame: pl.DataFrame, paths: Sequence[str]) -> pl.DataFrame:
    """A findings frame sorted as reports list findings: by rule, time and event, then by
    input (in the order of `paths`) and record, so parts in any order give the same report."""
    where = {path: n for n, path in enumerate(paths)}
    origin = pl.col("origin").struct
    position = origin.field("path").replace_strict(where, default=len(where), return_dtype=pl.Int64)
    return frame.sort(
        pl.col("rule"), pl.col("time"), pl.col("event"), position, origin.field("row")
    )


def _height(path: str) -> int:
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


_SEP = "\x1f"  # joins list cells in Polars: reading list cells one by one is slow


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(_SEP)) if text else ()


def _column(frame: pl.DataFrame, field: Field, convert: Callable[[Any], Any] | None) -> list[Any]:
    if typing.get_origin(field.type) is tuple:
        column = pl.col(field.name)
        clash = frame.select(column.list.eval(pl.element().str.contains(_SEP, literal=True)))
        if clash.to_series().list.any().any():  # a value holding the separator: the slow way
            return _apply(tuple, frame.get_column(field.name).to_list())
        joined = frame.select(column.list.join(_SEP)).to_series().to_list()
        return _apply(_split, joined)
    return _apply(convert, frame.get_column(field.name).to_list())


def _materialise(frame: pl.DataFrame) -> tuple[Violation, ...]:
    columns = [_column(frame, f, c) for f, c in zip(FIELDS, _FROM_COLUMN, strict=True)]
    with paused_gc():
        return tuple(map(Violation._make, zip(*columns, strict=True)))

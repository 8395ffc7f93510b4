"""CSV: one row per finding, for compliance staff who review findings in a spreadsheet.

The columns are the fields of `model.Violation`, in order, with nested records flattened
(`origin.path`, `origin.line`, `suppression.kind`, ...); `evidence` is `;`-joined.  Lines end
with LF: the CLI and Python's text files already turn that into the platform's line ending.

Formula-injection guard: spreadsheet programs treat a cell that starts with `=`, `+`, `-` or
`@` (and, in some, a leading tab or carriage return) as a formula, and a formula such as
`=HYPERLINK(...)` or a DDE call (`=cmd|' /C calc'!A0`) runs when the file is opened.  Account
numbers, event ids and message quotes come from contact logs that outsiders can influence (an
account reference typed into a web form, an SMS body), so:

- every cell is quoted, so a line break or carriage return inside it stays inside it (unquoted,
  a bare CR starts a new row whose first cell would escape the guard);
- every cell starting with one of those characters is prefixed with a single quote, which makes
  the spreadsheet show it as text;
- other control characters (escape sequences, NUL) and bidirectional overrides are shown as
  escapes (`\\x1b`, `\\u202e`).

The data stays readable; a program reading the CSV must strip that one leading quote.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import polars as pl

from collectlint.findings import FIELDS, fields_of, is_record
from collectlint.model import Severity
from collectlint.report import Report
from collectlint.reporters.common import utc_expr
from collectlint.reporters.safe import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

UNSAFE = (
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u061c\\u200e\\u200f"
    "\\u202a-\\u202e\\u2066-\\u2069]"
)
"""The characters `printable` escapes in a CSV cell, as a regular-expression class: control
characters (Unicode `Cc`) but tab, CR and LF, the line and paragraph separators, and the
bidirectional formatting characters."""


def guard(cell: str) -> str:
    """Make a cell inert in spreadsheets (see the module docstring)."""
    cell = printable(cell, keep="\t\r\n")
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _text(column: pl.Expr, tp: Any) -> pl.Expr:
    """A column of `tp` values as the cell text (empty for a missing value)."""
    if tp is datetime:
        text = utc_expr(column)
    elif tp is Severity:
        text = column.replace_strict({int(s): str(s) for s in Severity}, return_dtype=pl.String)
    elif typing.get_origin(tp) is tuple:
        text = column.list.join(";")
    elif (isinstance(tp, type) and issubclass(tp, enum.StrEnum)) or tp is str:
        text = column
    else:
        text = column.cast(pl.String)
    return text.fill_null("")


def _columns() -> list[tuple[str, pl.Expr]]:
    """Each CSV column's name and its text, read from the findings frame."""
    out: list[tuple[str, pl.Expr]] = []
    for f in FIELDS:
        if is_record(f.type):
            for inner in fields_of(f.type):
                name = f"{f.name}.{inner.name}"
                out.append((name, _text(pl.col(f.name).struct.field(inner.name), inner.type)))
        else:
            out.append((f.name, _text(pl.col(f.name), f.type)))
    return out


COLUMNS = _columns()
HEADER = tuple(name for name, _ in COLUMNS)

CHUNK = 50_000
"""Findings written as CSV text at a time."""


def _guarded(cells: pl.DataFrame) -> pl.DataFrame:
    """`guard` over every cell, in Polars; the rare cell with a character to escape goes
    through `printable` itself (one call per distinct such value), so the two cannot differ."""
    out = []
    for name in cells.columns:
        column = cells[name]
        odd = column.filter(column.str.contains(UNSAFE)).unique()
        if len(odd):
            fixed = {v: printable(v, keep="\t\r\n") for v in odd.to_list()}
            column = column.replace(fixed)
        formula = column.str.contains("^[=+\\-@\\t\\r]")
        out.append(pl.when(formula).then("'" + column).otherwise(column).alias(name))
    return cells.select(out)


def render(report: Report) -> str:
    """The findings as CSV text with a header row."""
    return "".join(render_parts(report))


def render_parts(report: Report) -> Iterator[str]:
    """`render(report)` a chunk of rows at a time, each made as it is written."""
    yield ",".join(HEADER) + "\n"  # our own names: plain, nothing to quote
    texts = [expr.alias(name) for name, expr in COLUMNS]
    for chunk in report.violations.chunks(CHUNK):
        cells = _guarded(chunk.select(texts))
        yield cells.write_csv(include_header=False, quote_style="always", line_terminator="\n")

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

import csv
import enum
import io
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from collectlint.findings import FIELDS, Field, fields_of, is_record
from collectlint.model import Severity, Violation
from collectlint.report import Report
from collectlint.reporters.common import utc
from collectlint.reporters.safe import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(cell: str) -> str:
    """Make a cell inert in spreadsheets (see the module docstring)."""
    cell = printable(cell, keep="\t\r\n")
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _text(value: Any, tp: Any) -> str:
    if value is None:
        return ""
    if tp is datetime:
        return utc(value)
    if tp is Severity or (isinstance(tp, type) and issubclass(tp, enum.StrEnum)):
        return str(value)
    if typing.get_origin(tp) is tuple:
        return ";".join(value)
    return str(value)


Reader = Callable[[Violation], str]


def _field(field: Field) -> Reader:
    return lambda v: _text(getattr(v, field.name), field.type)


def _nested(outer: Field, inner: Field) -> Reader:
    return lambda v: _text(getattr(getattr(v, outer.name), inner.name, None), inner.type)


def _columns() -> list[tuple[str, Reader]]:
    """Each CSV column's name and how to read it from a finding."""
    out: list[tuple[str, Reader]] = []
    for f in FIELDS:
        if is_record(f.type):
            out += [(f"{f.name}.{i.name}", _nested(f, i)) for i in fields_of(f.type)]
        else:
            out.append((f.name, _field(f)))
    return out


COLUMNS = _columns()
HEADER = tuple(name for name, _ in COLUMNS)


def _row(v: Violation) -> list[str]:
    return [guard(read(v)) for _, read in COLUMNS]


def render(report: Report) -> str:
    """The findings as CSV text with a header row."""
    buffer = io.StringIO()
    buffer.write(",".join(HEADER) + "\n")  # our own names: plain, nothing to quote
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerows(_row(v) for v in report.violations)
    return buffer.getvalue()

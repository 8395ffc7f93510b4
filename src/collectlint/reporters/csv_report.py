"""CSV: one row per finding, for compliance staff who review findings in a spreadsheet.

Columns follow the JSON report's finding fields; `evidence` is `;`-joined and `suppressed`
holds the suppression kind (`waiver`, `baseline`) or nothing.  Lines end with LF: the CLI and
Python's text files already turn that into the platform's line ending.

Formula-injection guard: spreadsheet programs treat a cell that starts with `=`, `+`, `-` or
`@` (and, in some, a leading tab or carriage return) as a formula, and a formula such as
`=HYPERLINK(...)` or a DDE call (`=cmd|' /C calc'!A0`) runs when the file is opened.  Account
numbers, event ids and message quotes come from contact logs that outsiders can influence (an
account reference typed into a web form, an SMS body), so every cell starting with one of those
characters is prefixed with a single quote, which makes the spreadsheet show it as text.  The
data stays readable; a program reading the CSV must strip that one leading quote.
"""

from __future__ import annotations

import csv
import io

from collectlint.model import Report, Violation
from collectlint.reporters.sarif import utc

HEADER = (
    "rule",
    "severity",
    "event",
    "account",
    "person",
    "time",
    "local_time",
    "zone",
    "message",
    "citation",
    "evidence",
    "path",
    "row",
    "column",
    "category",
    "quote",
    "fingerprint",
    "suppressed",
    "next_allowed_at",
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(cell: str) -> str:
    """Make a cell inert in spreadsheets (see the module docstring)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _row(v: Violation) -> list[str]:
    cells = (
        v.rule,
        str(v.severity),
        v.event,
        v.account,
        v.person,
        utc(v.time),
        v.local_time,
        v.zone,
        v.message,
        v.citation,
        ";".join(v.evidence),
        v.path,
        str(v.row),
        str(v.column),
        v.category,
        v.quote or "",
        v.fingerprint,
        v.suppression.kind if v.suppression else "",
        utc(v.next_allowed_at) if v.next_allowed_at else "",
    )
    return [guard(cell) for cell in cells]


def render(report: Report) -> str:
    """The findings as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_row(v) for v in report.violations)
    return buffer.getvalue()

"""Output formats.  Each reporter takes a `Report` and nothing else.

`REPORTERS` maps a format name to a function returning text (machine formats), a list of text
pieces to write in order (the JSON report, whose findings can run to hundreds of megabytes), or
a rich renderable (the terminal format), so the CLI decides only where output goes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.console import RenderableType

from collectlint.model import Report
from collectlint.reporters import (
    csv_report,
    github,
    html_report,
    json_report,
    junit,
    sarif,
    terminal,
)

REPORTERS: Mapping[str, Callable[[Report], RenderableType | str | list[str]]] = {
    "json": json_report.render_parts,
    "text": terminal.render,
    "explain": terminal.render_explained,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "csv": csv_report.render,
    "html": html_report.render,
}

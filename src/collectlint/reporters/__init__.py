"""Output formats.  Each reporter takes a `Report` and nothing else.

`REPORTERS` maps a format name to a function returning text (machine formats), an iterator of
text pieces made as they are written (JSON, JSON Lines and CSV, whose findings can run to
gigabytes: never held whole), or a rich renderable (the terminal format), so the CLI decides
only where output goes.  A
reporter's module is imported the first time its format is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from collectlint.report import Report

if TYPE_CHECKING:
    from rich.console import RenderableType

Reporter = Callable[[Report], "RenderableType | str | Iterator[str]"]

_WHERE = {
    "json": ("json_report", "render_parts"),
    "text": ("terminal", "render"),
    "explain": ("terminal", "render_explained"),
    "sarif": ("sarif", "render"),
    "junit": ("junit", "render"),
    "github": ("github", "render"),
    "csv": ("csv_report", "render_parts"),
    "jsonl": ("json_report", "render_lines"),
    "html": ("html_report", "render"),
    "statistics": ("statistics", "render"),
    "quiet": ("terminal", "render_quiet"),
}
"""Format name -> (module in this package, function)."""


class _Reporters(Mapping[str, Reporter]):
    """The reporters by format name, imported on first use."""

    def __getitem__(self, name: str) -> Reporter:
        module, function = _WHERE[name]
        found: Reporter = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


REPORTERS: Mapping[str, Reporter] = _Reporters()

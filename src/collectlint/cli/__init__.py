"""The command line: a thin layer that parses options, calls the library and writes reports.

`app` is the typer application; `main` is the console-script entry point.  Commands live in
`check` (check, lint, baseline), `rules` (rules list/show) and `tools` (test, init, config,
next); `app` (in `cli.app`) maps every exception to its exit code.
"""

from __future__ import annotations

from collectlint.cli import check, rules, tools
from collectlint.cli.app import app

__all__ = ["app", "check", "main", "rules", "tools"]


def main() -> None:
    """Console-script entry point."""
    app()

"""The command line: parse options, call the library, render the report, map exit codes.

Exit codes: 0 clean; 1 violations at or above --fail-on; 2 usage, rule-file or input error
(including more rejected rows than --max-rejects).
"""

from __future__ import annotations

import enum
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from collectlint import __version__
from collectlint.api import DEFAULT_PACKS, check
from collectlint.errors import CollectlintError, UsageError
from collectlint.linting import lint
from collectlint.model import Report, Severity
from collectlint.reporters import REPORTERS
from collectlint.vocabulary import COLUMNS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Check debt-collection contacts against compliance rule packs.",
    pretty_exceptions_enable=False,
)


class OutputFormat(enum.StrEnum):
    """Report formats."""

    TEXT = "text"
    JSON = "json"


class FailOn(enum.StrEnum):
    """Lowest severity that makes the exit code 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"collectlint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Check debt-collection contacts against compliance rule packs."""


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        for pair in filter(None, (p.strip() for p in item.split(","))):
            field, sep, column = pair.partition("=")
            if not sep or not column or field not in COLUMNS:
                raise UsageError(
                    f"--map {pair!r}: expected FIELD=COLUMN with FIELD one of {', '.join(COLUMNS)}"
                )
            mapping[field] = column
    return mapping


def _parse_as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--as-of {text!r}: expected an ISO-8601 instant such as 2026-01-31T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"--as-of {text!r}: add Z or a UTC offset")
    return moment


def _console(output: Path | None) -> Console:
    if output is None:
        return Console(no_color="NO_COLOR" in os.environ, soft_wrap=False)
    return Console(file=output.open("w", encoding="utf-8"), no_color=True, width=120)


def _fail(exc: CollectlintError) -> None:
    err = Console(stderr=True, no_color="NO_COLOR" in os.environ, highlight=False)
    err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


@app.command("check")
def check_command(
    logs: Annotated[
        list[str],
        typer.Argument(help="Contact logs: .csv, .jsonl, .parquet, or - for CSV on stdin."),
    ],
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rules", "-r", help="Built-in pack name or pack file/directory (repeatable)."
        ),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here.")
    ] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on")] = FailOn.ERROR,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Report instant (ISO-8601 with offset).")
    ] = None,
    column_map: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN[,FIELD=COLUMN...] (repeatable).")
    ] = None,
    max_rejects: Annotated[
        int, typer.Option("--max-rejects", min=0, help="Rejected rows tolerated.")
    ] = 0,
    assume_timezone: Annotated[
        str | None,
        typer.Option("--assume-timezone", help="IANA zone for timestamps without an offset."),
    ] = None,
    show_pii: Annotated[
        bool, typer.Option("--show-pii", help="Name contacted third parties by number/address.")
    ] = False,
) -> None:
    """Check contact logs and report violations."""
    try:
        report = check(
            logs,
            rules=tuple(rules or DEFAULT_PACKS),
            column_map=_parse_map(column_map or []),
            assume_timezone=assume_timezone,
            as_of=_parse_as_of(as_of),
            max_rejects=max_rejects,
            show_pii=show_pii,
        )
    except CollectlintError as exc:
        _fail(exc)
        return
    _emit(report, output_format, output, fail_on)


def _emit(
    report: Report, output_format: OutputFormat, output: Path | None, fail_on: FailOn
) -> None:
    """Render `report` where asked and exit with its code."""
    rendered = REPORTERS[output_format.value](report)
    if isinstance(rendered, str):
        if output is None:
            sys.stdout.write(rendered)
        else:
            output.write_text(rendered, encoding="utf-8")
    else:
        console = _console(output)
        console.print(rendered)
        if output is not None:
            console.file.close()
    code = report.exit_code(Severity.parse(fail_on.value))
    if code == 2:
        Console(stderr=True).print(
            f"error: {report.summary.events_rejected} rows rejected "
            f"(--max-rejects {report.max_rejects}); see the report's rejected rows",
            markup=False,
        )
    raise typer.Exit(code)


@app.command("lint")
def lint_command(
    templates: Annotated[
        list[str], typer.Argument(help="Template files or directories (.txt .md .html .j2 ...).")
    ],
    rules: Annotated[
        list[str] | None,
        typer.Option(
            "--rules", "-r", help="Built-in pack name or pack file/directory (repeatable)."
        ),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here.")
    ] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on")] = FailOn.ERROR,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Report instant (ISO-8601 with offset).")
    ] = None,
) -> None:
    """Check message templates against the wording rules of rule packs."""
    try:
        report = lint(templates, rules=tuple(rules or DEFAULT_PACKS), as_of=_parse_as_of(as_of))
    except CollectlintError as exc:
        _fail(exc)
        return
    _emit(report, output_format, output, fail_on)


def main() -> None:
    """Console-script entry point."""
    app()

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
from typing import TYPE_CHECKING, Annotated, Any

import typer

from collectlint import __version__
from collectlint.api import check
from collectlint.errors import CollectlintError, UsageError
from collectlint.loading.settings import load_settings
from collectlint.model import CheckOptions, Report, Severity
from collectlint.reporters import REPORTERS
from collectlint.vocabulary import COLUMNS

if TYPE_CHECKING:
    from rich.console import Console

# rich, the template linter and all but the chosen reporter are imported only when used: a
# check that writes JSON should not pay for the terminal's imports

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
    SARIF = "sarif"
    JUNIT = "junit"
    GITHUB = "github"
    CSV = "csv"
    HTML = "html"


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
    from rich.console import Console

    if output is None:
        return Console(no_color="NO_COLOR" in os.environ, soft_wrap=False)
    return Console(file=output.open("w", encoding="utf-8"), no_color=True, width=120)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, no_color="NO_COLOR" in os.environ, highlight=False)


def _fail(exc: CollectlintError) -> None:
    err = _stderr()
    err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


RulesOpt = Annotated[
    list[str] | None,
    typer.Option("--rules", "-r", help="Built-in pack name or pack file/directory (repeatable)."),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")]
FailOnOpt = Annotated[
    FailOn | None, typer.Option("--fail-on", help="Lowest severity that fails (default error).")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Report instant (ISO-8601 with offset).")
]
ConfigOpt = Annotated[
    str | None, typer.Option("--config", help="Configuration file (default: discovered).")
]
SelectOpt = Annotated[
    list[str] | None, typer.Option("--select", help="Only these rule ids or prefixes.")
]
IgnoreOpt = Annotated[
    list[str] | None, typer.Option("--ignore", help="Skip these rule ids or prefixes.")
]
SeverityOpt = Annotated[
    list[str] | None,
    typer.Option("--severity", help="RULE=error|warning|info override (repeatable)."),
]
WaiversOpt = Annotated[str | None, typer.Option("--waivers", help="Waivers file.")]
BaselineOpt = Annotated[
    str | None, typer.Option("--baseline", help="Report only findings not in this baseline.")
]
ExitZeroOpt = Annotated[
    bool, typer.Option("--exit-zero", help="Exit 0 even with violations (errors still exit 2).")
]


def _split(items: list[str] | None) -> list[str]:
    return [p.strip() for item in items or [] for p in item.split(",") if p.strip()]


def _parse_severity(items: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in _split(items):
        rule, sep, level = pair.partition("=")
        if not sep or level not in ("error", "warning", "info"):
            raise UsageError(f"--severity {pair!r}: expected RULE=error|warning|info")
        out[rule] = level
    return out


def _selection(
    select: list[str] | None,
    ignore: list[str] | None,
    severity: list[str] | None,
    waivers: str | None,
    baseline: str | None,
) -> dict[str, Any]:
    """The rule-selection and suppression options `check` and `lint` share, as config keys."""
    return {
        "select": _split(select),
        "ignore": _split(ignore),
        "severity": _parse_severity(severity),
        "waivers": waivers,
        "baseline": baseline,
    }


def resolve(config: str | None, given: dict[str, Any]) -> tuple[CheckOptions, Severity]:
    """Merge the configuration file with the options given on the command line."""
    settings = load_settings(config, given)
    value = settings.get
    options = CheckOptions(
        rules=tuple(value("rules")),
        column_map=dict(value("map")),
        assume_timezone=value("assume_timezone"),
        max_rejects=int(value("max_rejects")),
        select=tuple(value("select")),
        ignore=tuple(value("ignore")),
        severity=dict(value("severity")),
        waivers=value("waivers"),
        baseline=value("baseline"),
    )
    return options, Severity.parse(value("fail_on"))


@app.command("check")
def check_command(
    logs: Annotated[
        list[str],
        typer.Argument(help="Contact logs: .csv, .jsonl, .parquet, or - for CSV on stdin."),
    ],
    rules: RulesOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    as_of: AsOfOpt = None,
    column_map: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN[,FIELD=COLUMN...] (repeatable).")
    ] = None,
    max_rejects: Annotated[
        int | None, typer.Option("--max-rejects", min=0, help="Rejected rows tolerated (0).")
    ] = None,
    assume_timezone: Annotated[
        str | None,
        typer.Option("--assume-timezone", help="IANA zone for timestamps without an offset."),
    ] = None,
    show_pii: Annotated[
        bool, typer.Option("--show-pii", help="Name contacted third parties by number/address.")
    ] = False,
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="Past logs giving context to a plan (LOGs are the plan)."),
    ] = None,
    config: ConfigOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    severity: SeverityOpt = None,
    waivers: WaiversOpt = None,
    baseline: BaselineOpt = None,
    exit_zero: ExitZeroOpt = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the evidence behind each finding.")
    ] = False,
) -> None:
    """Check contact logs (or a plan, with --history) and report violations."""
    try:
        options, level = resolve(
            config,
            {
                "rules": rules,
                "map": _parse_map(column_map or []),
                "assume_timezone": assume_timezone,
                "max_rejects": max_rejects,
                **_selection(select, ignore, severity, waivers, baseline),
                "fail_on": fail_on.value if fail_on else None,
            },
        )
        report = check(
            logs,
            options,
            as_of=_parse_as_of(as_of),
            show_pii=show_pii,
            history=tuple(history or ()),
        )
    except CollectlintError as exc:
        _fail(exc)
        return
    chosen = "explain" if explain and output_format is OutputFormat.TEXT else output_format.value
    _emit(report, chosen, output, level, exit_zero)


def _emit(
    report: Report, output_format: str, output: Path | None, fail_on: Severity, exit_zero: bool
) -> None:
    """Render `report` where asked and exit with its code."""
    rendered = REPORTERS[output_format](report)
    if isinstance(rendered, str | list):
        parts = [rendered] if isinstance(rendered, str) else rendered
        if output is None:
            sys.stdout.writelines(parts)
        else:
            with output.open("w", encoding="utf-8") as handle:
                handle.writelines(parts)
    else:
        console = _console(output)
        console.print(rendered)
        if output is not None:
            console.file.close()
    code = report.exit_code(fail_on)
    if code == 1 and exit_zero:
        code = 0
    if code == 2:
        _stderr().print(
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
    rules: RulesOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    severity: SeverityOpt = None,
    waivers: WaiversOpt = None,
    baseline: BaselineOpt = None,
    exit_zero: ExitZeroOpt = False,
) -> None:
    """Check message templates against the wording rules of rule packs."""
    try:
        options, level = resolve(
            config,
            {
                "rules": rules,
                **_selection(select, ignore, severity, waivers, baseline),
                "fail_on": fail_on.value if fail_on else None,
            },
        )
        from collectlint.linting import lint

        report = lint(templates, options, as_of=_parse_as_of(as_of))
    except CollectlintError as exc:
        _fail(exc)
        return
    _emit(report, output_format.value, output, level, exit_zero)


def main() -> None:
    """Console-script entry point."""
    app()


from collectlint import commands  # noqa: E402  (registers the secondary commands on `app`)

__all__ = ["app", "commands", "main"]

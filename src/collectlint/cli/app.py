"""The application object, and the one place where exceptions become exit codes.

Exit codes: 0 clean; 1 violations at or above `--fail-on`; 2 usage, configuration or input
error (including more rejected rows than `--max-rejects`); 3 an internal error — a bug in
collectlint, never mistaken for a result: one line names it and how to report it, and
`--debug` shows the traceback.  130 when interrupted.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from collectlint.errors import INTERNAL_ERROR, USAGE_ERROR, CollectlintError
from collectlint.reporters.safe import printable
from collectlint.version import __version__

INTERRUPTED = 130
CRASH_CHARS = 160
"""At most this much of an internal error's message is printed (its data may be personal)."""


def stderr_line(text: str, *, style: str = "") -> None:
    """Write one line to standard error (coloured only on a terminal without NO_COLOR)."""
    colour = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    shown = printable(text, keep_newlines=True)
    sys.stderr.write(f"\x1b[{style}m{shown}\x1b[0m\n" if colour and style else f"{shown}\n")


def report_error(exc: CollectlintError) -> None:
    """A usage, configuration or input error, with every problem on its own line."""
    stderr_line(f"error: {exc.message}", style="1;31")
    for problem in exc.problems:
        stderr_line(f"  {problem}")


def report_crash(exc: BaseException, debug: bool) -> None:
    """An internal error: one line (the exception's first line, shortened, never a row's
    content spread over the terminal), plus the traceback with `--debug`."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    first = (str(exc).strip().splitlines() or [""])[0]
    if len(first) > CRASH_CHARS:
        first = first[:CRASH_CHARS] + "…"
    how = (
        "with the traceback above"
        if debug
        else "with the output of the same command run with --debug"
    )
    stderr_line(
        f"internal error: {type(exc).__name__}: {printable(first)} — this is a bug in "
        f"collectlint {__version__}, not a finding; please report it to the maintainers {how}",
        style="1;31",
    )


class CollectlintGroup(TyperGroup):
    """The root command group: maps every exception a command raises to its exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; errors become messages and exit codes, never tracebacks."""
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except CollectlintError as exc:
            report_error(exc)
            raise typer.Exit(USAGE_ERROR) from None
        except KeyboardInterrupt:
            stderr_line("interrupted")
            raise typer.Exit(INTERRUPTED) from None
        except BrokenPipeError:
            # the reader went away (`| head`): stop quietly, with the shell's code for SIGPIPE
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(141) from None
        except Exception as exc:
            report_crash(exc, debug)
            raise typer.Exit(INTERNAL_ERROR) from None


app = typer.Typer(
    cls=CollectlintGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Check debt-collection contacts against compliance rule packs.",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"collectlint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an internal error."),
) -> None:
    """Check debt-collection contacts against compliance rule packs."""

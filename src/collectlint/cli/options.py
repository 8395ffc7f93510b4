"""Options shared by commands, their parsing, and where output goes.

Every option value is checked here or by the library; a bad one is a `UsageError` (exit 2)
naming the option.  Nothing here runs a check.
"""

from __future__ import annotations

import enum
import functools
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from collectlint.api import file_sha256
from collectlint.errors import UsageError
from collectlint.loading.settings import load_settings
from collectlint.model import CheckOptions, FileDigest, RunContext, Setting, Severity
from collectlint.report import Report
from collectlint.vocabulary import OPTIONAL_COLUMNS, readable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Instants outside these are not times a contact was or will be made (as for log rows)."""


class ReportFormat(enum.StrEnum):
    """Formats of `check` and `lint` (each produced by a reporter)."""

    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    SARIF = "sarif"
    JUNIT = "junit"
    GITHUB = "github"
    CSV = "csv"
    HTML = "html"


class DataFormat(enum.StrEnum):
    """Formats of the commands that print data rather than a report (`rules`, `next`)."""

    TEXT = "text"
    JSON = "json"


class ListFormat(enum.StrEnum):
    """Formats of `rules list`."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"


class FailOn(enum.StrEnum):
    """Lowest severity that makes the exit code 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


RulesOpt = Annotated[
    list[str] | None,
    typer.Option("--rules", "-r", help="Built-in pack name or pack file/directory (repeatable)."),
]
ReportFormatOpt = Annotated[ReportFormat, typer.Option("--format", "-f")]
DataFormatOpt = Annotated[DataFormat, typer.Option("--format", "-f")]
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
MapOpt = Annotated[
    list[str] | None, typer.Option("--map", help="FIELD=COLUMN[,FIELD=COLUMN...] (repeatable).")
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="Text encoding of CSV/TSV/JSONL logs (utf-8, latin-1, gb18030)."
    ),
]


def parse_map(items: Iterable[str]) -> dict[str, str]:
    """`--map FIELD=COLUMN,...` as a mapping."""
    mapping: dict[str, str] = {}
    for item in items:
        for pair in filter(None, (p.strip() for p in item.split(","))):
            field, sep, column = pair.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not column or field not in readable():
                raise UsageError(
                    f"--map {pair!r}: expected FIELD=COLUMN with FIELD one of "
                    f"{', '.join(readable())}"
                )
            mapping[field] = column
    return mapping


SETTABLE: tuple[str, ...] = ("direction", "outcome", "jurisdiction", "body", *OPTIONAL_COLUMNS)
"""Fields of a planned contact `collectlint next --set` may give (the others have options)."""


def parse_set(items: Iterable[str]) -> dict[str, str]:
    """`--set FIELD=VALUE` (repeatable) as a mapping: the planned contact's other fields, such
    as `number_type=work` or `purpose=validation_notice`, which rules may test."""
    values: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition("=")
        field = field.strip()
        if not sep or field not in SETTABLE:
            raise UsageError(
                f"--set {item!r}: expected FIELD=VALUE with FIELD one of {', '.join(SETTABLE)}"
            )
        values[field] = value.strip()
    return values


def parse_instant(option: str, text: str | None) -> datetime | None:
    """An ISO-8601 instant with an offset, as given to `option`."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected an ISO-8601 instant such as 2026-01-31T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"{option} {text!r}: add Z or a UTC offset")
    if not EARLIEST <= moment < LATEST:
        raise UsageError(f"{option} {text!r}: outside the years 1900 to 2199")
    return moment


def split(items: Iterable[str] | None) -> list[str]:
    """Values of a repeatable option, each of which may also be comma-separated."""
    return [p.strip() for item in items or [] for p in item.split(",") if p.strip()]


def parse_severity(items: Iterable[str] | None) -> dict[str, str]:
    """`--severity RULE=LEVEL` as a mapping."""
    out = {}
    for pair in split(items):
        rule, sep, level = pair.partition("=")
        if not sep or level.strip() not in ("error", "warning", "info"):
            raise UsageError(f"--severity {pair!r}: expected RULE=error|warning|info")
        out[rule.strip()] = level.strip()
    return out


def selection(
    select: list[str] | None,
    ignore: list[str] | None,
    severity: list[str] | None,
    waivers: str | None,
    baseline: str | None,
) -> dict[str, Any]:
    """The rule-selection and suppression options `check` and `lint` share, as config keys."""
    return {
        "select": split(select),
        "ignore": split(ignore),
        "severity": parse_severity(severity),
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
        infer_location=bool(value("infer_location")),
        max_rejects=int(value("max_rejects")),
        select=tuple(value("select")),
        ignore=tuple(value("ignore")),
        severity=dict(value("severity")),
        waivers=value("waivers"),
        baseline=value("baseline"),
        encoding=value("encoding"),
        profile=_profile_entries(value("profile")),
        accounts=value("accounts"),
        context=_context(settings.values, settings.sources, settings.path),
    )
    return options, Severity.parse(value("fail_on"))


def _context(values: Mapping[str, Any], sources: Mapping[str, str], path: str | None) -> RunContext:
    """How this run was asked for: the command line (paths under the working directory made
    relative), every resolved setting with its source, and the configuration file's digest."""
    shown = tuple(
        Setting(key, _setting_text(values[key]), sources.get(key, "default"))
        for key in sorted(values)
    )
    files: tuple[FileDigest, ...] = ()
    if path is not None and Path(path).is_file():
        files = (FileDigest("config", path, file_sha256(path)),)
    return RunContext(command=command_line(), settings=shown, files=files)


def _setting_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def command_line(argv: Sequence[str] | None = None) -> tuple[str, ...]:
    """The command line as typed, with absolute paths inside the working directory written
    relative to it (a report names files the way a colleague can find them)."""
    if argv is None:
        if Path(sys.argv[0]).name not in ("collectlint", "__main__.py", "collectlint.exe"):
            return ()  # called from another program (a test runner): the command is unknown
        argv = sys.argv[1:]
    here = Path.cwd()
    out = ["collectlint"]
    for arg in argv:
        option, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        out.append(f"{option}{eq}{_relative(value, here)}")
    return tuple(out)


def _relative(value: str, here: Path) -> str:
    if not os.path.isabs(value):
        return value
    try:
        return Path(value).relative_to(here).as_posix()
    except ValueError:
        return value


def _profile_entries(value: Any) -> tuple[str, ...]:
    """`profile` from the command line (a list) or the configuration (a string or a list)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def check_output(output: Path | None, inputs: Iterable[str] = ()) -> None:
    """Refuse, before any work is done, an `--output` that cannot be written or that would
    overwrite an input."""
    if output is None or str(output) == "-":
        return
    try:
        _check_output(output, inputs, "--output")
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror or exc}") from None


def _check_output(output: Path, inputs: Iterable[str], option: str) -> None:
    """`check_output` for one file that `option` writes (`--output`, or `--output-dir`)."""
    if output.is_dir():
        raise UsageError(f"{option} {output}: is a directory; name a file")
    if not output.parent.is_dir():
        raise UsageError(f"{option} {output}: the folder {output.parent} does not exist")
    for name in inputs:
        if name != "-" and Path(name).exists() and output.exists() and output.samefile(name):
            raise UsageError(f"{option} {output}: is one of the inputs; name another file")


BUNDLE = ("report.html", "report.json", "findings.csv", "findings.parquet")
"""What `check --output-dir` writes: the auditor's page, the JSON report (for `collectlint
report` comparisons), and the complete findings the page samples from."""


def check_output_dir(
    folder: Path | None, inputs: Iterable[str] = (), output: Path | None = None
) -> None:
    """Refuse, before any work is done, an `--output-dir` that cannot be made or written,
    whose files would overwrite an input, or that `--output` writes into."""
    if folder is None:
        return
    try:
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--output-dir {folder}: is a file; name a folder")
        parent = folder if folder.exists() else folder.absolute().parent
        if not parent.is_dir():
            raise UsageError(f"--output-dir {folder}: the folder {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise UsageError(f"--output-dir {folder}: cannot write in {parent}")
        names = {(folder / name).absolute() for name in BUNDLE}
        if output is not None and str(output) != "-" and output.absolute() in names:
            raise UsageError(f"--output {output}: is one of the files --output-dir writes")
        if folder.exists():
            for name in BUNDLE:
                _check_output(folder / name, inputs, "--output-dir")
    except OSError as exc:
        raise UsageError(f"--output-dir {folder}: {exc.strerror or exc}") from None


def write_bundle(report: Report, folder: Path) -> None:
    """Write the report bundle (`BUNDLE`) into `folder`, each file whole or not at all."""
    from collectlint.reporters import REPORTERS

    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--output-dir {folder}: cannot create: {exc.strerror or exc}") from None
    for name, fmt in (("report.html", "html"), ("report.json", "json"), ("findings.csv", "csv")):
        rendered = REPORTERS[fmt](report)
        assert isinstance(rendered, str | Iterator)
        _replace(folder / name, functools.partial(_write_text, parts=rendered), "--output-dir")
    _replace(folder / "findings.parquet", report.violations.write_parquet, "--output-dir")


def _write_text(path: Path, parts: Iterable[str] | str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines([parts] if isinstance(parts, str) else parts)


def _replace(target: Path, fill: Callable[[Path], object], option: str) -> None:
    """Write `target` through `fill` beside its final name, then move it into place, so a run
    that fails never leaves half a file where a whole one is expected."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        fill(partial)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"{option} {target}: cannot write: {exc.strerror or exc}") from None


def write(pieces: Iterable[str] | str, output: Path | None) -> None:
    """Write text to `output` (standard output when None or `-`), a file whole or not at all
    (see `_replace`); pieces are written as they are made, so a large report is never whole
    in memory."""
    if output is None or str(output) == "-":
        sys.stdout.writelines([pieces] if isinstance(pieces, str) else pieces)
        sys.stdout.flush()
        return
    _replace(output, functools.partial(_write_text, parts=pieces), "--output")


def console() -> Console:
    """A console for standard output: colour only on a terminal, and never cut to a width
    when piped (a table keeps whole rule ids)."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else 10_000
    return Console(no_color="NO_COLOR" in os.environ, soft_wrap=True, highlight=False, width=width)


def show(renderable: RenderableType, output: Path | None = None) -> None:
    """Print a rich renderable to standard output, or as plain text to `output`."""
    if output is None or str(output) == "-":
        console().print(renderable)
        return
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, no_color=True, width=120, highlight=False).print(renderable)
    write(buffer.getvalue(), output)


@contextmanager
def progress(text: str, *, quiet: bool) -> Iterator[None]:
    """A spinner with `text` on standard error while a long step runs, when standard error is
    a terminal and `--quiet` was not given; nothing otherwise (logs, CI, pipes stay clean)."""
    if quiet or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(text):
        yield

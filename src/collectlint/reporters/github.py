"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

A job that runs `collectlint ... --format github` prints one `::error` / `::warning` /
`::notice` line per unsuppressed finding (suppressed ones are accepted risk, not news), then an
`::error` line per rejected row (fail closed: an unchecked row must be as visible as a finding),
one line per report note, and a final `::notice::` summary.  Lines point at the file and line
(`col` too for templates) the SARIF report uses.

Workflow commands are parsed from the log, so every value is escaped as the runner expects:
`%`, CR and LF in the message, and additionally `:` and `,` in properties.  Without that, a
newline in a message would end the command early and a comma in a file name would start a
bogus property.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from collectlint.model import Origin, Severity, Violation
from collectlint.report import Report
from collectlint.reporters.common import source_line
from collectlint.reporters.safe import printable

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (after `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (`file=`, `title=`, ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _file(path: str) -> str | None:
    if path in ("", "-"):
        return None
    return PurePosixPath(path.replace("\\", "/")).as_posix()


def command(name: str, message: str, *, origin: Origin | None = None, title: str = "") -> str:
    """One workflow command line, with a location when the input has one."""
    props: list[tuple[str, str]] = []
    file = _file(origin.path) if origin is not None else None
    if origin is not None and file is not None:
        props.append(("file", file))
        line = source_line(origin)
        if line is not None:
            props.append(("line", str(line)))
            if origin.column > 0:
                props.append(("col", str(origin.column)))
    if title:
        props.append(("title", title))
    head = ",".join(f"{key}={escape_property(printable(value))}" for key, value in props)
    text = escape_data(printable(message, keep_newlines=True))
    return f"::{name}{' ' + head if head else ''}::{text}"


def _message(v: Violation) -> str:
    """The finding's message, with the event and local time for log rows and the citation."""
    where = "" if v.column > 0 else f" (event {v.event}, {v.local_time})"
    return f"{v.message}{where} [{v.citation}]"


def render(report: Report) -> str:
    """The annotations and a closing summary, one command per line."""
    lines = [
        command(COMMANDS[v.severity], _message(v), origin=v.origin, title=v.rule)
        for v in report.violations
        if v.suppression is None
    ]
    lines += [
        command(
            "error",
            f"row {r.row} not checked: {r.reason}",
            origin=r.origin,
            title="collectlint: rejected row",
        )
        for r in report.rejected
    ]
    lines += [
        command(COMMANDS[n.severity], n.message, title=f"collectlint: {n.code}")
        for n in report.notes
    ]
    s = report.summary
    lines.append(
        command(
            "notice",
            f"collectlint: {s.violations} violation{'s' if s.violations != 1 else ''}"
            f" ({s.suppressed} suppressed) in {s.events_checked} events checked;"
            f" {s.events_rejected} rows rejected",
        )
    )
    return "\n".join(lines) + "\n"

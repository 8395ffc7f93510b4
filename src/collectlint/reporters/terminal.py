"""The terminal report: findings grouped by rule, then rejected rows, then a summary table.

Returns a rich renderable; the CLI's console decides colour (none when not a terminal or when
NO_COLOR is set).  Every finding leads with where it came from (`path:line`, or `path:line:col`
in a template), as compilers and linters do.  Only ids, times and messages are shown — no phone
numbers or names — and every value from the input is made inert (`safe.printable`).  Findings
and rejected rows are capped, so a huge run still prints a readable page; the JSON report lists
everything.
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from collectlint.model import Rejection, Severity, Violation
from collectlint.report import Report
from collectlint.reporters.safe import printable

SHOWN_PER_RULE = 200
"""A terminal is for reading: past this many findings of one rule, the rest are counted, not
printed (the JSON report always lists every finding)."""
SHOWN_PER_REASON = 5
"""Rejected rows shown for each kind of problem; the rest are counted."""

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _findings(report: Report, explain: bool) -> list[RenderableType]:
    by_id = {r.rule_id: r for r in report.rules}
    versions = {p.name: p.version for p in report.packs}
    parts: list[RenderableType] = []
    shown = (v for v in report.violations if v.suppression is None)
    for rule_id, group in groupby(shown, key=lambda v: v.rule):
        items = list(group)
        spec = by_id[rule_id]
        head = Text.assemble(
            (f"{rule_id}", "bold"),
            "  ",
            (str(spec.severity), _STYLE[spec.severity]),
            f"  {len(items)} finding{'s' if len(items) != 1 else ''}  ",
            (printable(spec.citation), "dim"),
        )
        if explain:  # which pack, which version, and the days the rule is in force
            version = printable(f"{spec.pack} {versions.get(spec.pack, '')}".strip())
            head.append(f"  [{version}, {spec.in_force}]", "dim")
        lines = Text("\n").join(_line(v, explain) for v in items[:SHOWN_PER_RULE])
        if len(items) > SHOWN_PER_RULE:
            more = len(items) - SHOWN_PER_RULE
            lines.append(f"\n  … and {more:,} more (every finding is in --format json)", "dim")
        parts += [head, lines, Text("")]
    return parts


def location(v: Violation) -> str:
    """Where a finding's event came from, as the text report shows it."""
    return printable(str(v.origin))


def _line(v: Violation, explain: bool) -> Text:
    """One finding: where, the local time, event and account, then the message; with
    `explain`, the evidence behind it."""
    if v.column:
        where = Text.assemble("  ", (location(v), "cyan"))
    else:
        where = Text.assemble(
            "  ",
            (location(v), "cyan"),
            "  ",
            v.local_time,
            "  event ",
            (printable(v.event), "bold"),
            f"  account {printable(v.account)}",
        )
    text = Text.assemble(where, "\n      ", printable(v.message))
    if v.column and v.evidence:  # a template variant: say which branches render the problem
        text.append(f"\n      in the variant: {printable('; '.join(v.evidence))}", style="dim")
    if v.next_allowed_at is not None:
        text.append(f"\n      next allowed: {v.next_allowed_local}", style="green")
    elif v.next_allowed_reason:
        text.append(f"\n      never allowed: {printable(v.next_allowed_reason)}", style="red")
    if explain:
        text.append(_explanation(v), style="dim")
    return text


def _explanation(v: Violation) -> str:
    lines = [f"\n      rule {v.rule} ({printable(v.citation)}); fingerprint {v.fingerprint}"]
    if v.quote is not None:
        span = f" at characters {v.start}-{v.end}" if v.start is not None else ""
        lines.append(f"\n      matched {v.category}: {printable(repr(v.quote))}{span}")
    elif v.category:
        lines.append(f"\n      category: {v.category}")
    if v.evidence and not v.column:
        ids = printable(", ".join(v.evidence))
        lines.append(f"\n      evidence ({len(v.evidence)}): {ids}")
    if v.zone:
        lines.append(f"\n      judged in {v.zone}; input {printable(v.path)} row {v.row}")
    if v.zone_from:
        lines.append(f"\n      zones: {printable(v.zone_from)}")
    if v.jurisdiction_from:
        lines.append(f"\n      jurisdiction: {printable(v.jurisdiction_from)}")
    return "".join(lines)


def rejected_at(r: Rejection) -> str:
    """Where a rejected row is: `path:line (row N)`, or `path row N` without lines."""
    where = printable(str(r.origin))
    return f"{where} (row {r.row})" if r.origin.line else where


def _notes(report: Report) -> list[RenderableType]:
    if not report.notes:
        return []
    lines = Text("\n").join(
        Text.assemble(
            "  ",
            (str(n.severity), _STYLE[n.severity]),
            f"  {printable(n.source)}  {printable(n.message)}",
        )
        for n in report.notes
    )
    return [Text("notes", style="bold"), lines, Text("")]


def _rejected(report: Report) -> list[RenderableType]:
    """Rejected rows grouped by the kind of problem, with a count and the first few rows."""
    if not report.rejected:
        return []
    counts = Counter(r.code for r in report.rejected)
    ordered = sorted(report.rejected, key=lambda r: r.code)
    lines = []
    for code, group in groupby(ordered, key=lambda r: r.code):
        rows: list[Rejection] = list(group)
        lines.append(Text(f"  {code} ({counts[code]:,})", style="bold"))
        lines += [
            Text(f"    {rejected_at(r)}: {printable(r.reason)}") for r in rows[:SHOWN_PER_REASON]
        ]
        if len(rows) > SHOWN_PER_REASON:
            more = len(rows) - SHOWN_PER_REASON
            lines.append(Text(f"    … and {more:,} more (every row is in --format json)", "dim"))
    total = len(report.rejected)
    title = Text(f"rejected rows ({total:,}) — not checked", style="bold yellow")
    return [title, Text("\n").join(lines), Text("")]


def _summary(report: Report) -> Table:
    s = report.summary
    table = Table(title="summary", title_justify="left", show_header=True, box=None)
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("violations", justify="right")
    for spec in report.rules:
        count = s.by_rule.get(spec.rule_id, 0)
        table.add_row(
            spec.rule_id,
            str(spec.severity),
            str(count),
            style=_STYLE[spec.severity] if count else None,
        )
    table.add_section()
    table.add_row("events read", "", str(s.events_read))
    table.add_row("events checked", "", str(s.events_checked))
    table.add_row("events rejected", "", str(s.events_rejected))
    if s.rows_excluded or s.rows_deduplicated or s.rows_read != s.events_read:
        table.add_row("source rows read", "", str(s.rows_read))
        table.add_row("rows left out by the profile", "", str(s.rows_excluded))
        table.add_row("duplicate rows dropped", "", str(s.rows_deduplicated))
    if s.events_out_of_scope:
        table.add_row("checked, outside every pack's jurisdiction", "", str(s.events_out_of_scope))
    table.add_row("violations", "", str(s.violations))
    if s.suppressed:
        table.add_row("suppressed by waivers or the baseline", "", str(s.suppressed))
    for rule, count in s.not_judged.items():
        table.add_row(f"not judged by {rule} (the log cannot show it)", "", str(count))
    return table


def render(report: Report) -> RenderableType:
    """The whole terminal report as one renderable."""
    return Group(
        *_findings(report, False),
        *_rejected(report),
        *_notes(report),
        _summary(report),
        *_compared(report),
    )


def render_explained(report: Report) -> RenderableType:
    """The terminal report with the evidence behind every finding (`check --explain`)."""
    return Group(
        *_findings(report, True),
        *_rejected(report),
        *_notes(report),
        _summary(report),
        *_compared(report),
    )


def _compared(report: Report) -> list[RenderableType]:
    from collectlint.reporters.statistics import comparison_parts

    return comparison_parts(report)


def render_quiet(report: Report) -> RenderableType:
    """Only the findings and the rejected rows (`check --quiet`): no notes, no summary."""
    return Group(*_findings(report, False), *_rejected(report))

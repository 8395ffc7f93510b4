"""`check --statistics`: counts instead of findings, for the analyst at a terminal.

One line per rule with findings (count, severity, rate per 1,000 contacts in its pack's
jurisdictions, waived ones), most first, as linters print their statistics; then the roll-ups
an analyst asks for next: the accounts with most findings and the findings day by day.  The
same numbers are in the JSON report's `tallies`.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from collectlint.model import Breakdown, Severity
from collectlint.report import Report
from collectlint.reporters.html_view import key_text, rate
from collectlint.reporters.safe import printable

ACCOUNTS_SHOWN = 10
"""Accounts listed in the roll-up by account."""

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _rules(report: Report) -> Table:
    s = report.summary
    waived = report.violations.suppressed_by_rule()
    table = Table(box=None, show_header=True, title="findings by rule", title_justify="left")
    for name, justify in (
        ("findings", "right"),
        ("rule", "left"),
        ("severity", "left"),
        ("per 1,000", "right"),
        ("waived", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    specs = sorted(report.rules, key=lambda r: (-s.by_rule.get(r.rule_id, 0), r.rule_id))
    for spec in specs:
        count = s.by_rule.get(spec.rule_id, 0)
        hidden = waived.get(spec.rule_id, 0)
        if not count and not hidden:
            continue
        table.add_row(
            f"{count:,}",
            spec.rule_id,
            Text(str(spec.severity), _STYLE[spec.severity]),
            rate(count, report.in_scope(spec.pack)),
            f"{hidden:,}" if hidden else "",
        )
    return table


DAYS_SHOWN = 31
"""Days listed in the roll-up by day (the latest; the earlier ones are summed on one line)."""


def _rollup(
    title: str, breakdown: Breakdown | None, limit: int | None = None, *, latest: bool = False
) -> list[Table]:
    if breakdown is None or not breakdown.rows:
        return []
    rows = list(breakdown.rows)
    earlier = [breakdown.others] if breakdown.others else []
    if latest and limit is not None:  # time order: keep the last `limit`, sum the rest
        earlier += rows[:-limit]
        rows = rows[-limit:]
    elif limit is not None:
        rows = [t for t in rows if t.findings][:limit]
        earlier = []
    table = Table(box=None, title=title, title_justify="left")
    for name, justify in (
        ("findings", "right"),
        ("contacts", "right"),
        ("per 1,000", "right"),
        ("key", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    if earlier:
        found, contacts = sum(t.findings for t in earlier), sum(t.contacts for t in earlier)
        table.add_row(f"{found:,}", f"{contacts:,}", rate(found, contacts), "(earlier)")
    for t in rows:
        table.add_row(
            f"{t.findings:,}",
            f"{t.contacts:,}",
            rate(t.findings, t.contacts),
            printable(key_text(t.key)),
        )
    return [table]


def render(report: Report) -> RenderableType:
    """Per-rule counts, then the roll-ups by account and by day, then the totals."""
    s = report.summary
    t = report.tallies
    total = Text(
        f"{s.violations:,} finding(s) in {report.contacts:,} checked contact(s); "
        f"{s.events_rejected:,} row(s) rejected; {s.suppressed:,} waived or baselined"
    )
    return Group(
        _rules(report),
        Text(""),
        *_rollup(
            f"accounts with most findings (top {ACCOUNTS_SHOWN})", t.get("account"), ACCOUNTS_SHOWN
        ),
        Text(""),
        *_rollup(
            f"by day (the consumer's local date; the latest {DAYS_SHOWN})",
            t.get("day"),
            DAYS_SHOWN,
            latest=True,
        ),
        Text(""),
        total,
        *comparison_parts(report),
    )


def comparison_parts(report: Report) -> list[RenderableType]:
    """The comparison with an earlier run, when there is one (`check --compare`)."""
    if report.comparison is None:
        return []
    from collectlint.reporters.comparison import render_text

    return [
        Text(""),
        Text("compared with the earlier run", style="bold"),
        render_text(report.comparison),
    ]

"""The auditor's HTML report: one self-contained file an examiner can read, file and reproduce.

It opens with an executive summary (period, contacts checked, findings by severity, the rate per
1,000 contacts of every rule, a verdict per pack), then charts (findings per rule per week,
contacts by local hour against the allowed windows, rates by channel, agency, agent and
campaign, the accounts with most findings), then one section per rule with what it requires,
its citation and verification label, its counts and a sample of its findings with their
evidence; waived and baselined findings have their own section, never under a violation
heading; then rejected rows, notes, and a reproducibility block (packs and every file with
its SHA-256, the command line, each setting and where it came from).

Why Jinja2 for the page: the layout is easier to review as a template than as string
building, and its autoescaping makes every value from a log or a rule file inert by default.
Why hand-built SVG (`reporters.svg`) for the charts: four chart shapes, drawn as static
markup with no script, no font or style sheet to fetch, in a small tested module; plotting
libraries either emit scripts (Plotly, Vega) or pull in a large dependency for static images.

The page has inline CSS, no scripts and no external resources, so it opens offline and is
safe to e-mail; a print style sheet makes "print to PDF" a paginated document.  Its size is
bounded by the number of rules and chart rows, not findings: the complete findings go to the
companion `findings.csv` (`check --output-dir`).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from collectlint.report import Report
from collectlint.reporters import html_view as view
from collectlint.reporters import svg
from collectlint.reporters.common import utc
from collectlint.reporters.safe import printable

if TYPE_CHECKING:
    from jinja2 import Template

CHART_ROWS = 15
"""Rows of the agency, agent, campaign and account charts."""
WEEK_SERIES = 8
"""Rules drawn in the weekly chart (those with most findings)."""
COMPANION = "findings.csv"
"""The complete findings, written beside the report by `check --output-dir`."""


@cache
def _template() -> Template:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("collectlint.reporters", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # every value shown as text goes through `printable` first: control and bidi characters
    # (an RTL override in an SMS body) are shown as escapes, then autoescaping makes it inert
    env.filters["t"] = text
    env.filters["n"] = lambda value: f"{value:,}"
    return env.get_template("report.html.j2")


def _invisible(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}"


INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
    "\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\U000e0000-\U000e007f]"
)
"""Characters that render as nothing (zero-width spaces and joiners, the soft hyphen, the
byte-order mark, Unicode tag characters): in an account id or a message they could make two
different values look the same, so the page shows them as escapes too."""


def text(value: object) -> str:
    """A value as the page shows it: control, bidi and invisible characters as escapes
    (`\\u202e`, `\\u200b`); autoescaping then makes it inert markup."""
    shown = printable("" if value is None else str(value))
    return INVISIBLE.sub(lambda m: _invisible(m.group()), shown)


def _bars(rows: list[tuple[str, int, int]]) -> list[svg.Bar]:
    """Bars of findings per 1,000 contacts, noting the counts behind each rate."""
    return [
        svg.Bar(
            text(view.key_text(key)),
            findings * 1000 / contacts if contacts else 0.0,
            f"{view.rate(findings, contacts)} ({findings:,} of {contacts:,})",
        )
        for key, contacts, findings in rows
    ]


def _charts(report: Report) -> list[tuple[str, str, str]]:
    """(anchor, SVG markup, a note under it) of each chart the run has data for (the chart
    draws its own heading)."""
    t = report.tallies
    charts = []
    weeks = t.get("week")
    if weeks is not None and weeks.rows:
        totals = {r: n for r, n in report.summary.by_rule.items() if n}
        chosen = sorted(totals, key=lambda r: (-totals[r], r))[:WEEK_SERIES]
        periods = [row.key for row in weeks.rows]
        series = [(text(r), [float(row.by_rule.get(r, 0)) for row in weeks.rows]) for r in chosen]
        if series:
            chart = svg.series_chart("Findings per week, by rule", periods, series)
            charts.append(("chart-weeks", chart, "ISO weeks of the consumer's local date."))
    hours = t.get("hour")
    if hours is not None and hours.rows:
        counts = [0] * 24
        for row in hours.rows:
            if row.key.isdigit():
                counts[int(row.key)] = row.contacts
        chart = svg.hour_chart("Contacts by local hour", counts, view.windows(report))
        note = (
            "Local time in the consumer's primary zone (for a contact with none, the first "
            "selected pack's default zone); shaded: the allowed windows of the hours rules; "
            "red: hours outside every window."
        )
        charts.append(("chart-hours", chart, note))
    for dim in ("channel", "agency", "agent", "campaign"):
        breakdown = t.get(dim)
        rows = view.top(breakdown, CHART_ROWS)
        if rows and breakdown is not None:
            chart = svg.bar_chart(f"Findings per 1,000 contacts, by {dim}", _bars(rows))
            shown = f"the {len(rows)} with most findings of {breakdown.distinct:,}; "
            note = (shown if breakdown.distinct > len(rows) else "") + (
                "(findings of contacts) beside each rate, over every checked contact, in a "
                "pack's jurisdictions or not; a call to a number shared by several debts counts "
                "once per debt. All are in the JSON report's tallies."
            )
            charts.append((f"chart-{dim}", chart, note))
    # most findings first, ties by id: the order the pseudonyms A1, A2, ... are given in
    accounts = sorted(
        (r for r in view.top(t.get("account"), CHART_ROWS) if r[2]), key=lambda r: (-r[2], r[0])
    )
    if accounts:
        note = "Findings per account."
        if not report.context.show_pii:
            # a ranking of consumers is the part of a page most likely to be read out of
            # context: by default it names nobody (the findings name their own accounts)
            note += " Pseudonymised: A1 has most findings, then A2; --show-pii names them."
        bars = [
            svg.Bar(
                text(view.key_text(key)) if report.context.show_pii else f"A{rank}",
                float(found),
                f"{found:,} in {contacts:,} contacts",
            )
            for rank, (key, contacts, found) in enumerate(accounts, start=1)
        ]
        chart = svg.bar_chart("Accounts with most findings", bars)
        charts.append(("chart-accounts", chart, note))
    return charts


def render(report: Report) -> str:
    """The report as one HTML document (UTF-8, deterministic)."""
    rules = view.rules_view(report)
    t = report.tallies
    return _template().render(
        r=report,
        s=report.summary,
        t=t,
        contacts=report.contacts,
        as_of=utc(report.as_of),
        first=utc(t.first) if t.first else "",
        last=utc(t.last) if t.last else "",
        rules=rules,
        found=[r for r in rules if r.findings],
        waived=[r for r in rules if r.suppressed],
        verdicts=view.verdicts(report, rules),
        charts=_charts(report),
        rejected_codes=view.rejected_by_problem(report),
        rejected_rows=report.rejected[: view.REJECTED_SHOWN],
        companion=COMPANION,
        first_n=view.FIRST,
        command=" ".join(_quoted(a) for a in report.context.command),
        compared=_compared(report),
    )


def _compared(report: Report) -> dict[str, Any] | None:
    """The period-over-period section's values, when the run was compared with an earlier one."""
    c = report.comparison
    if c is None:
        return None
    from collectlint.reporters import comparison

    tables = [("Findings per rule", "rule", comparison.by_rule(c))]
    agencies = comparison.by_agency(c)
    if agencies:
        tables.append(("Findings per agency", "agency", agencies))
    return {
        "previous": c.previous,
        "current": c.current,
        "new": c.new,
        "resolved": c.resolved,
        "tables": tables,
    }


def _quoted(arg: str) -> str:
    """A shell word as it must be typed (quoted when it holds spaces or shell characters)."""
    if arg and all(c.isalnum() or c in "-_./=:,@+%" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"

"""A self-contained HTML report for auditors: one file to read, file and reproduce.

Inline CSS, no scripts, no external resources.  It states what was checked (inputs with their
SHA-256, packs, rules with citations and verification labels) before what was found (findings
grouped by rule, suppressed ones marked with their waiver or baseline), then what could not be
checked (rejected rows) and the notes.  Every value from the input or the rules goes through
`html.escape`, so a message body or an id can never inject markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from itertools import groupby

from collectlint.model import RuleSpec, Violation
from collectlint.report import Report
from collectlint.reporters.safe import printable

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.error{color:#a40000}.warning{color:#8a5a00}.info{color:#00527a}
.suppressed{color:#777}.mono{font-family:ui-monospace,monospace;font-size:12px}
"""


def _e(value: object) -> str:
    return escape(printable("" if value is None else str(value), keep_newlines=True), quote=True)


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]], raw: int = -1) -> str:
    """An HTML table; column `raw` holds already-escaped markup, every other cell is escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{c if i == raw else _e(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rule_link(spec: RuleSpec) -> str:
    return f'<a href="{_e(spec.url)}">{_e(spec.citation)}</a>'


def _where(v: Violation) -> str:
    if v.column:
        return str(v.origin)
    return f"{v.local_time} (event {v.event}, account {v.account}, {v.origin})"


def _detail(v: Violation) -> str:
    parts = [_e(v.message)]
    if v.quote is not None:
        parts.append(f"matched <q>{_e(v.quote)}</q> at characters {_e(v.start)} to {_e(v.end)}")
    if v.evidence:
        parts.append(f"evidence: <span class=mono>{_e(', '.join(v.evidence))}</span>")
    if v.next_allowed_at is not None:
        parts.append(f"next allowed: {_e(v.next_allowed_local)}")
    if v.suppression is not None:
        s = v.suppression
        parts.append(
            f"<span class=suppressed>suppressed ({_e(s.kind)}): {_e(s.reason)}"
            f"{' — ' + _e(s.approver) if s.approver else ''}"
            f"{', until ' + _e(s.expires) if s.expires else ''}</span>"
        )
    return "<br>".join(parts)


def _findings(report: Report) -> str:
    specs = {s.rule_id: s for s in report.rules}
    sections = []
    for rule_id, group in groupby(report.violations, key=lambda v: v.rule):
        items = list(group)
        spec = specs[rule_id]
        rows = [(_where(v), _detail(v)) for v in items]
        sections.append(
            f"<h3 class={_e(spec.severity)}>{_e(rule_id)} — {len(items)} finding(s)</h3>"
            f"<p>{_rule_link(spec)} · {_e(spec.severity)} · verification "
            f"{_e(spec.verification or '-')}</p>" + _table(("where", "finding"), rows, raw=1)
        )
    return "".join(sections) or "<p>No findings.</p>"


def render(report: Report) -> str:
    """The report as one HTML document (UTF-8, deterministic)."""
    s = report.summary
    summary = _table(
        (
            "events read",
            "checked",
            "rejected",
            "outside every jurisdiction",
            "violations",
            "suppressed",
        ),
        [
            (
                s.events_read,
                s.events_checked,
                s.events_rejected,
                s.events_out_of_scope,
                s.violations,
                s.suppressed,
            )
        ],
    )
    inputs = _table(
        ("input", "rows", "SHA-256"), [(i.path, i.rows, i.sha256) for i in report.inputs]
    )
    rules = _table(
        ("rule", "kind", "severity", "citation", "verification", "violations"),
        [
            (
                r.rule_id,
                r.kind,
                r.severity,
                _rule_link(r),
                r.verification,
                s.by_rule.get(r.rule_id, 0),
            )
            for r in report.rules
        ],
        raw=3,
    )
    rejected = _table(
        ("input", "row", "line", "problem", "reason"),
        [(r.path, r.row, r.line or "", r.code, r.reason) for r in report.rejected],
    )
    notes = _table(
        ("severity", "note", "source"), [(n.severity, n.message, n.source) for n in report.notes]
    )
    title = f"collectlint report — {report.as_of.isoformat()}"
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p>collectlint {_e(report.tool_version)}; as of "
        f"{_e(report.as_of.isoformat())}</p>"
        f"<h2>Summary</h2>{summary}<h2>Inputs</h2>{inputs}<h2>Rules</h2>{rules}"
        f"<h2>Findings</h2>{_findings(report)}"
        f"<h2>Rejected rows (not checked)</h2>{rejected if report.rejected else '<p>None.</p>'}"
        f"<h2>Notes</h2>{notes if report.notes else '<p>None.</p>'}"
        "</body></html>\n"
    )

"""A run set against an earlier one, as text, JSON and the rows of the HTML report's section.

Rates are findings per 1,000 contacts in each rule's scope, so periods of different sizes
compare fairly; new and resolved findings are told apart by fingerprint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from collectlint.model import Comparison, Period
from collectlint.reporters.html_view import rate
from collectlint.reporters.safe import printable


@dataclass(frozen=True, slots=True)
class Change:
    """One rule's or agency's findings and rate then and now."""

    key: str
    before: int
    before_contacts: int
    now: int
    now_contacts: int

    @property
    def before_rate(self) -> str:
        return rate(self.before, self.before_contacts)

    @property
    def now_rate(self) -> str:
        return rate(self.now, self.now_contacts)

    @property
    def trend(self) -> str:
        """Whether the rate went up, down or stayed; `none then` / `none now` when one run had
        no contacts for it (the rule was not run, or the agency made none)."""
        if not self.before_contacts:
            return "none then"
        if not self.now_contacts:
            return "none now"
        then = self.before / self.before_contacts
        now = self.now / self.now_contacts
        return "up" if now > then else "down" if now < then else "same"


def by_rule(c: Comparison) -> list[Change]:
    """Every rule with findings in either run, in rule order (a rule one run did not have
    has no contacts in it)."""

    def scope(period: Period, rule: str) -> int:
        return period.rule_contacts.get(rule, period.contacts) if rule in period.by_rule else 0

    out = []
    for rule in sorted(set(c.previous.by_rule) | set(c.current.by_rule)):
        before, now = c.previous.by_rule.get(rule, 0), c.current.by_rule.get(rule, 0)
        if before or now:
            out.append(Change(rule, before, scope(c.previous, rule), now, scope(c.current, rule)))
    return out


def by_agency(c: Comparison) -> list[Change]:
    """Every agency of either run, in name order (an agency absent from one run had no
    contacts in it: its trend says so)."""
    names = sorted(set(c.previous.by_agency) | set(c.current.by_agency))
    out = []
    for name in names:
        then_contacts, then_found = c.previous.by_agency.get(name, (0, 0))
        now_contacts, now_found = c.current.by_agency.get(name, (0, 0))
        out.append(Change(name, then_found, then_contacts, now_found, now_contacts))
    return out


def _change_dict(x: Change) -> dict[str, Any]:
    return {
        "key": x.key,
        "before": x.before,
        "before_contacts": x.before_contacts,
        "now": x.now,
        "now_contacts": x.now_contacts,
        "trend": x.trend,
    }


def as_dict(c: Comparison) -> dict[str, Any]:
    """The comparison as JSON-ready data (fingerprints sorted)."""
    return {
        "previous": {
            "label": c.previous.label,
            "contacts": c.previous.contacts,
            "path": c.previous_path,
        },
        "current": {"label": c.current.label, "contacts": c.current.contacts},
        "rules": [_change_dict(x) for x in by_rule(c)],
        "agencies": [_change_dict(x) for x in by_agency(c)],
        "new": sorted(c.new),
        "resolved": sorted(c.resolved),
    }


def render_json(c: Comparison) -> str:
    """Sorted keys, indented, one final newline."""
    return json.dumps(as_dict(c), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _table(title: str, rows: list[Change], head: str) -> Table:
    table = Table(box=None, title=title, title_justify="left")
    table.add_column(head)
    for name in ("then", "per 1,000", "now", "per 1,000 ", "trend"):
        table.add_column(name, justify="left" if name == "trend" else "right")
    for x in rows:
        table.add_row(
            printable(x.key or "(none)"),
            f"{x.before:,}",
            x.before_rate,
            f"{x.now:,}",
            x.now_rate,
            x.trend,
        )
    return table


def render_text(c: Comparison) -> RenderableType:
    """Per rule and per agency, findings and rates then and now; new and resolved counts."""
    parts: list[RenderableType] = [
        Text(
            f"then: {printable(c.previous.label)}, {c.previous.contacts:,} contacts; "
            f"now: {printable(c.current.label)}, {c.current.contacts:,} contacts"
        ),
        Text(""),
        _table("findings by rule", by_rule(c), "rule"),
    ]
    agencies = by_agency(c)
    if agencies:
        parts += [Text(""), _table("findings by agency", agencies, "agency")]
    parts += [
        Text(""),
        Text(f"{len(c.new):,} new finding(s), {len(c.resolved):,} resolved (by fingerprint)"),
    ]
    return Group(*parts)

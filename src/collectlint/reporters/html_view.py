"""What the HTML report shows, worked out from a `Report`: small, typed, ready to print.

The auditor's report is a summary, not a dump: per rule a handful of sample findings chosen
from the findings frame in Polars (the first by time and some spread across the period), rates
per 1,000 contacts from the report's tallies, one verdict per pack, and the run's
reproducibility facts.  Everything here is bounded by the number of rules, packs and chart
rows, never by the number of findings, so a report of a million-row log stays a few hundred
kilobytes.  The template (`templates/report.html.j2`) only lays these values out.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from collectlint.findings import Findings
from collectlint.model import Breakdown, RuleSpec, Severity, Violation
from collectlint.report import Report
from collectlint.reporters.common import utc

FIRST = 5
"""Sample findings per rule taken from the start of the period."""
SPREAD = 5
"""Further sample findings per rule, evenly spread over the rest of the period."""
SUPPRESSED_SHOWN = 5
"""Sample waived or baselined findings per rule."""
REJECTED_SHOWN = 100
"""Rejected rows listed one by one (all are counted by problem)."""
EVIDENCE_SHOWN = 8
"""Event ids of a finding's evidence listed (the rest are counted)."""
SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$")
"""Links the report makes clickable: web addresses only (never `javascript:` or `data:`)."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One finding as a row of a rule's sample table."""

    local_time: str
    utc_time: str
    event: str
    account: str
    where: str
    message: str
    evidence: str
    quote: str
    next_allowed: str
    suppression: str


@dataclass(frozen=True, slots=True)
class RuleView:
    """A rule's section: what it requires, where that comes from, and what was found."""

    spec: RuleSpec
    anchor: str
    link: str
    findings: int
    suppressed: int
    contacts: int
    rate: str
    not_judged: int
    samples: tuple[Sample, ...]
    suppressed_samples: tuple[Sample, ...]


@dataclass(frozen=True, slots=True)
class PackVerdict:
    """A pack's one-line verdict."""

    name: str
    version: str
    line: str
    failed: bool


def rate(findings: int, contacts: int) -> str:
    """Findings per 1,000 contacts, as printed (a dash when there were no contacts)."""
    if contacts <= 0:
        return "-"
    value = findings * 1000 / contacts
    return f"{value:,.1f}" if value >= 0.1 or value == 0 else f"{value:.3f}"


def key_text(key: str) -> str:
    """A breakdown key as shown: `(none)` for contacts with no value in that column."""
    return key or "(none)"


def safe_link(url: str) -> str:
    """`url` when it is a web address a reader may follow, else empty (shown as text)."""
    return url if SAFE_URL.match(url) else ""


def anchor(rule_id: str) -> str:
    """A stable, valid fragment id for a rule's section: the id made URL-safe, then a short
    digest of the id itself, so ids that differ only in punctuation (`us/ca-hours`,
    `us-ca/hours`) never share a section."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", rule_id).strip("-")
    return f"rule-{slug}-{hashlib.sha256(rule_id.encode()).hexdigest()[:6]}"


def _positions(count: int) -> list[int]:
    """Which of a rule's `count` time-ordered findings to show: the first `FIRST`, then
    `SPREAD` evenly spaced over the rest (the last included)."""
    first = list(range(min(count, FIRST)))
    rest = count - len(first)
    if rest <= 0:
        return first
    if rest <= SPREAD:
        return first + list(range(len(first), count))
    step = rest / SPREAD
    spread = sorted({len(first) + int(step * (i + 1)) - 1 for i in range(SPREAD)})
    return first + spread


def _chosen(frame: pl.DataFrame, per_rule: int | None) -> pl.DataFrame:
    """The sample rows of each rule of `frame` (already sorted by rule, time, event)."""
    if frame.height == 0:
        return frame
    numbered = frame.with_row_index("_n")
    counts = numbered.group_by("rule", maintain_order=True).agg(
        pl.col("_n").first().alias("start"), pl.len().alias("count")
    )
    keep: list[int] = []
    for _, start, count in counts.iter_rows():
        shown = _positions(count) if per_rule is None else list(range(min(count, per_rule)))
        keep += [start + p for p in shown]
    return frame.gather(keep)


def _sample(v: Violation) -> Sample:
    evidence = ", ".join(v.evidence[:EVIDENCE_SHOWN])
    if len(v.evidence) > EVIDENCE_SHOWN:
        evidence += f" and {len(v.evidence) - EVIDENCE_SHOWN} more"
    quote = ""
    if v.quote is not None:
        quote = f"“{v.quote}” at characters {v.start} to {v.end}"
    suppression = ""
    if v.suppression is not None:
        s = v.suppression
        suppression = f"{s.kind}: {s.reason}"
        if s.approver:
            suppression += f" (approved by {s.approver})"
        if s.expires:
            suppression += f", until {s.expires}"
    origin = v.origin
    where = f"{origin.path}:{origin.line}" if origin.line else f"{origin.path} record {origin.row}"
    return Sample(
        local_time=f"{v.local_time} {v.zone}".strip(),
        utc_time=utc(v.time),
        event=v.event,
        account=v.account,
        where=where,
        message=v.message,
        evidence=evidence,
        quote=quote,
        next_allowed=v.next_allowed_local or "",
        suppression=suppression,
    )


def rules_view(report: Report) -> tuple[RuleView, ...]:
    """Every rule's section."""
    frame = report.violations.frame
    live = frame.filter(pl.col("suppression").is_null())
    waived = frame.filter(pl.col("suppression").is_not_null())
    samples = _chosen(live, None)
    hidden = _chosen(waived, SUPPRESSED_SHOWN)
    by_rule: dict[str, list[Sample]] = {}
    for v in Findings(samples):
        by_rule.setdefault(v.rule, []).append(_sample(v))
    by_rule_hidden: dict[str, list[Sample]] = {}
    for v in Findings(hidden):
        by_rule_hidden.setdefault(v.rule, []).append(_sample(v))
    waived_counts = report.violations.suppressed_by_rule()
    views = []
    for spec in report.rules:
        found = report.summary.by_rule.get(spec.rule_id, 0)
        base = report.in_scope(spec.pack)
        views.append(
            RuleView(
                spec=spec,
                anchor=anchor(spec.rule_id),
                link=safe_link(spec.url),
                findings=found,
                suppressed=waived_counts.get(spec.rule_id, 0),
                contacts=base,
                rate=rate(found, base),
                not_judged=report.summary.not_judged.get(spec.rule_id, 0),
                samples=tuple(by_rule.get(spec.rule_id, ())),
                suppressed_samples=tuple(by_rule_hidden.get(spec.rule_id, ())),
            )
        )
    return tuple(views)


def verdicts(report: Report, rules: Sequence[RuleView]) -> tuple[PackVerdict, ...]:
    """One line per pack: its contacts, and its findings by severity, or that it found none."""
    out = []
    for pack in report.packs:
        mine = [r for r in rules if r.spec.pack == pack.name]
        by_level: Counter[Severity] = Counter()
        broken: Counter[Severity] = Counter()
        for r in mine:
            by_level[r.spec.severity] += r.findings
            broken[r.spec.severity] += 1 if r.findings else 0
        seen = report.in_scope(pack.name)
        unit = "contacts" if report.tallies.breakdowns else "events"
        parts = [
            f"{by_level[level]:,} {level} finding(s) under {broken[level]} rule(s)"
            for level in sorted(Severity, reverse=True)
            if by_level[level]
        ]
        if parts:
            line = f"{'; '.join(parts)} in {seen:,} {unit}"
        elif not seen:
            line = f"no checked {unit[:-1]} was in its jurisdictions"
        else:
            line = f"no findings in {seen:,} {unit}"
        out.append(PackVerdict(pack.name, pack.version, line, by_level[Severity.ERROR] > 0))
    return tuple(out)


def rejected_by_problem(report: Report) -> list[tuple[str, int]]:
    """Rejected rows counted by problem, most first."""
    counts = Counter(r.code for r in report.rejected)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def windows(report: Report) -> list[tuple[float, float, str]]:
    """The allowed contact windows of the run's `hours` rules, for the hour chart (a window
    that wraps midnight as its two parts)."""
    seen: dict[tuple[float, float], list[str]] = {}
    for spec in report.rules:
        if spec.kind != "hours":
            continue
        try:
            start, end = _hour(spec.params["start"]), _hour(spec.params["end"])
        except (KeyError, ValueError):
            continue
        seen.setdefault((start, end), []).append(spec.rule_id)
    out = []
    for (start, end), ids in sorted(seen.items()):
        more = "…" if len(ids) > 2 else ""
        label = f"{_clock(start)} to {_clock(end)} ({', '.join(ids[:2])}{more})"
        if end > start:
            out.append((start, end, label))
        else:
            out += [(start, 24.0, label), (0.0, end, label)]
    return out


def _hour(text: object) -> float:
    hours, _, minutes = str(text).partition(":")
    return int(hours) + int(minutes or 0) / 60


def _clock(hour: float) -> str:
    return f"{int(hour):02d}:{round(hour % 1 * 60):02d}"


def top(breakdown: Breakdown | None, count: int) -> list[tuple[str, int, int]]:
    """The first `count` rows of a breakdown as (key, contacts, findings)."""
    if breakdown is None:
        return []
    return [(t.key, t.contacts, t.findings) for t in breakdown.rows[:count]]

"""Waivers and baselines: findings kept on record but out of the exit code.

A *waiver* is an approved exception: a rule, a scope (an account, an event, a template, or
everything), a reason, an approver and an expiry date (inclusive, compared with the report's
`as_of`, never with the clock).  Waived findings stay in the report, marked as suppressed.  An
expired waiver stops applying and is reported; so is a waiver that matched nothing.  A malformed
waivers file is an error (exit 2): a waiver that cannot be read must not silently apply or lapse.

A *baseline* is the fingerprints of the findings a team accepted when it adopted the tool;
findings whose fingerprint is in it are suppressed as `baseline`, so only new ones fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from collectlint.errors import InputError, Problem, RuleFileError
from collectlint.loading.validate import load_schema, validate
from collectlint.model import Note, Severity, Suppression, Violation
from collectlint.report import Report
from collectlint.yamldoc import parse_file

BASELINE_VERSION = 1
SCOPES = ("account", "event", "template", "all")


@dataclass(frozen=True, slots=True)
class Waiver:
    """One approved exception, as written in the waivers file."""

    rule: str
    scope: str
    value: str
    reason: str
    approver: str
    expires: date
    source: str

    def covers(self, v: Violation) -> bool:
        """Whether this waiver is about finding `v` (ignoring expiry)."""
        if self.rule not in ("*", v.rule):
            return False
        if self.scope == "all":
            return True
        if self.scope == "account":
            return v.account == self.value
        if self.scope == "event":
            return v.event == self.value
        return v.path == self.value  # template

    def describe(self) -> str:
        """`rule (scope value)` for notes."""
        where = "everything" if self.scope == "all" else f"{self.scope} {self.value}"
        return f"{self.rule} ({where})"


def _dates_to_text(data: Any) -> Any:
    """YAML reads an unquoted 2026-12-31 as a date; treat it as the text it was."""
    if isinstance(data, dict):
        return {k: _dates_to_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_to_text(v) for v in data]
    if isinstance(data, date | datetime):
        return data.isoformat()
    return data


def load_waivers(path: str) -> tuple[Waiver, ...]:
    """Read and validate a waivers file; every problem is reported at file:line:col."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such waivers file")
    doc = parse_file(file, path)
    data = _dates_to_text(doc.data)
    problems = [*doc.problems, *validate(doc, data, load_schema("waivers.schema.json"))]
    waivers = []
    for index, raw in enumerate(data.get("waivers", []) if isinstance(data, dict) else []):
        if not isinstance(raw, dict) or not isinstance(raw.get("expires"), str):
            continue
        where = doc.span(["waivers", index, "expires"])
        try:
            expires = date.fromisoformat(raw["expires"])
        except ValueError:
            problems.append(Problem(f"expires {raw['expires']!r} is not a real date", where))
            continue
        scope = raw.get("scope", {})
        kind = next((k for k in SCOPES if k in scope), "")
        if problems or not kind:
            continue
        waivers.append(
            Waiver(
                rule=raw["rule"],
                scope=kind,
                value=str(scope[kind]),
                reason=raw["reason"],
                approver=raw["approver"],
                expires=expires,
                source=str(doc.span(["waivers", index])),
            )
        )
    if problems:
        raise RuleFileError(f"{path}: invalid waivers file", tuple(problems))
    return tuple(waivers)


def load_baseline(path: str) -> frozenset[str]:
    """The fingerprints recorded in a baseline file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("version") != BASELINE_VERSION:
            raise ValueError(f"unsupported baseline version {data.get('version')!r}")
        return frozenset(str(item["fingerprint"]) for item in data["findings"])
    except OSError as exc:
        raise InputError(f"{path}: cannot read baseline: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a collectlint baseline: {exc}") from None


def baseline_document(report: Report) -> str:
    """The baseline of `report`'s current findings, as deterministic JSON."""
    findings = sorted({(v.fingerprint, v.rule, v.account, v.event) for v in report.violations})
    return (
        json.dumps(
            {
                "version": BASELINE_VERSION,
                "tool_version": report.tool_version,
                "as_of": report.as_of.isoformat(),
                "findings": [
                    {"fingerprint": f, "rule": r, "account": a, "event": e}
                    for f, r, a, e in findings
                ],
            },
            sort_keys=True,
            indent=2,
        )
        + "\n"
    )


def apply(
    violations: Sequence[Violation],
    waivers: Iterable[Waiver],
    baseline: frozenset[str],
    as_of: datetime,
) -> tuple[Sequence[Violation], tuple[Note, ...]]:
    """Mark suppressed findings and report expired and unused waivers.

    With neither waivers nor a baseline, `violations` comes back as it was (a large columnar
    `Findings` is never turned into tuples just to be copied).
    """
    waivers = tuple(waivers)
    marked, used = mark(violations, waivers, baseline, as_of)
    return marked, notes(waivers, used, as_of)


def _active(waivers: Sequence[Waiver], as_of: datetime) -> list[tuple[int, Waiver]]:
    today = as_of.date()
    return [(i, w) for i, w in enumerate(waivers) if w.expires >= today]


def mark(
    violations: Sequence[Violation],
    waivers: Sequence[Waiver],
    baseline: frozenset[str],
    as_of: datetime,
) -> tuple[Sequence[Violation], frozenset[int]]:
    """The findings with the first unexpired waiver that covers each, else the baseline,
    marked; and the positions in `waivers` of the waivers that covered some finding (parts
    of a log marked apart add their sets up, see `notes`)."""
    if not waivers and not baseline:
        return violations, frozenset()
    active = _active(waivers, as_of)
    used: set[int] = set()
    out = []
    for v in violations:
        suppression = None
        for index, waiver in active:
            if waiver.covers(v):
                used.add(index)
                suppression = Suppression(
                    "waiver",
                    waiver.reason,
                    waiver.approver,
                    waiver.expires.isoformat(),
                    waiver.source,
                )
                break
        if suppression is None and v.fingerprint in baseline:
            suppression = Suppression("baseline", "recorded in the baseline")
        out.append(v._replace(suppression=suppression) if suppression else v)
    return tuple(out), frozenset(used)


def notes(waivers: Sequence[Waiver], used: frozenset[int], as_of: datetime) -> tuple[Note, ...]:
    """A warning for each waiver expired at `as_of`, and for each unexpired one whose
    position is not in `used` (it matched no finding)."""
    today = as_of.date()
    out = [
        Note(
            Severity.WARNING,
            "waiver-expired",
            f"waiver for {waiver.describe()} expired on {waiver.expires} and no longer applies",
            waiver.source,
        )
        for waiver in waivers
        if waiver.expires < today
    ]
    out += [
        Note(
            Severity.WARNING,
            "waiver-unused",
            f"waiver for {waiver.describe()} matched no finding",
            waiver.source,
        )
        for index, waiver in _active(waivers, as_of)
        if index not in used
    ]
    return tuple(out)

"""`Report`: everything a reporter needs, and nothing it must compute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from collectlint.findings import Findings
from collectlint.model import (
    Comparison,
    InputFile,
    Note,
    PackInfo,
    Rejection,
    RuleSpec,
    RunContext,
    Severity,
    Summary,
    Tallies,
    Violation,
)


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one run, frozen.

    `violations` is always a `Findings` (any sequence of `Violation`s given is converted), sorted
    by (rule, time, event) for logs and by position for templates.  A `summary` built by hand
    without `by_severity` is completed from the findings, so the exit code can never pass
    findings it was not told about.
    """

    tool_version: str
    as_of: datetime
    inputs: tuple[InputFile, ...]
    packs: tuple[PackInfo, ...]
    rules: tuple[RuleSpec, ...]
    violations: Findings
    rejected: tuple[Rejection, ...]
    summary: Summary
    max_rejects: int = 0
    notes: tuple[Note, ...] = ()
    tallies: Tallies = field(default_factory=Tallies)
    context: RunContext = field(default_factory=RunContext)
    comparison: Comparison | None = None

    def __init__(
        self,
        tool_version: str,
        as_of: datetime,
        inputs: Sequence[InputFile],
        packs: Sequence[PackInfo],
        rules: Sequence[RuleSpec],
        violations: Sequence[Violation],
        rejected: Sequence[Rejection],
        summary: Summary,
        max_rejects: int = 0,
        notes: Sequence[Note] = (),
        tallies: Tallies | None = None,
        context: RunContext | None = None,
        comparison: Comparison | None = None,
    ) -> None:
        findings = Findings.of(violations)
        if len(findings) and not summary.by_severity:
            summary = replace(summary, by_severity=findings.counts()[1])
        for name, value in (
            ("tool_version", tool_version),
            ("as_of", as_of),
            ("inputs", tuple(inputs)),
            ("packs", tuple(packs)),
            ("rules", tuple(rules)),
            ("violations", findings),
            ("rejected", tuple(rejected)),
            ("summary", summary),
            ("max_rejects", max_rejects),
            ("notes", tuple(notes)),
            ("tallies", tallies or Tallies()),
            ("context", context or RunContext()),
            ("comparison", comparison),
        ):
            object.__setattr__(self, name, value)

    @property
    def contacts(self) -> int:
        """Contacts checked, the denominator of the report's rates: the tallies' count, or the
        events checked when the run has no tallies (template renderings)."""
        t = self.tallies
        return t.contacts if t.breakdowns else self.summary.events_checked

    def in_scope(self, pack: str) -> int:
        """The checked contacts in the jurisdictions of `pack` (its rules' denominator)."""
        packs = self.tallies.get("pack")
        found = (
            next((row.contacts for row in packs.rows if row.key == pack), None) if packs else None
        )
        return self.contacts if found is None else found

    @property
    def checked_nothing(self) -> bool:
        """Rows were read but none could be checked: the run must not look clean."""
        s = self.summary
        return s.events_read > 0 and s.events_checked == 0

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        """0 clean; 1 unsuppressed violations at or above `fail_on`; 2 more rejected rows than
        allowed, or rows read of which none could be checked."""
        if self.summary.events_rejected > self.max_rejects or self.checked_nothing:
            return 2
        worst = (Severity.parse(name) for name, n in self.summary.by_severity.items() if n)
        return 1 if max(worst, default=Severity.INFO - 1) >= fail_on else 0

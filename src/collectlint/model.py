"""The frozen, typed values that cross collectlint's layers.

Rules are loaded into `RuleSpec`s, the engine turns events into `Violation`s and `Rejection`s,
and `check()` wraps them in a `Report`.  Reporters take a `Report` and nothing else.  This module
uses the standard library only, so every layer may import it.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple


class Severity(enum.IntEnum):
    """How serious a finding is; ordered so that `>=` compares against `--fail-on`."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name as written in rule files and on the command line."""
        return cls[text.strip().upper()]


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A 1-based position in a rule file, contact log or template."""

    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Source:
    """A bibliographic source a pack rests on."""

    title: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class PackInfo:
    """A rule pack's metadata (the `pack:` block), after `extends:` is resolved."""

    name: str
    title: str
    version: str
    jurisdiction: tuple[str, ...]
    default_timezone: str | None = None
    extends: str | None = None
    sources: tuple[Source, ...] = ()
    path: str = ""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A validated rule, exactly as its pack defines it (with overrides applied)."""

    rule_id: str
    kind: str
    severity: Severity
    message: str
    citation: str
    url: str
    description: str
    pack: str
    where: Mapping[str, Any]
    params: Mapping[str, Any]
    verification: str = ""
    defined_at: Span | None = None


class Suppression(NamedTuple):
    """Why a finding is kept out of the exit code: a waiver on record, or a baseline entry."""

    kind: str
    reason: str
    approver: str = ""
    expires: str = ""
    source: str = ""


class Violation(NamedTuple):
    """One breach of one rule by one event.

    A named tuple rather than a dataclass: reports can hold hundreds of thousands of findings
    and a tuple is built several times faster, while staying immutable and typed.  Reports keep
    findings sorted by (rule, time, event).  `person` is a pseudonym unless the caller asked for
    personal data.  Wording findings also carry the `category` matched and the `quote` from the
    body at character offsets [`start`, `end`).  `path` and `row` locate the input row; template
    findings also set `column` (so `path:row:column` is the template position).
    `fingerprint` identifies the finding across runs (rule, account, person, event — never a
    line number) for baselines and SARIF; `suppression` is set when a waiver or the baseline
    covers it (it stays in the report but not in the exit code); `next_allowed_at` is, for a
    planned contact, the earliest instant it would break no timing rule.
    """

    rule: str
    time: datetime
    event: str
    severity: Severity
    account: str
    person: str
    local_time: str
    zone: str
    message: str
    citation: str
    evidence: tuple[str, ...] = ()
    path: str = ""
    row: int = 0
    column: int = 0
    category: str = ""
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    fingerprint: str = ""
    suppression: Suppression | None = None
    next_allowed_at: datetime | None = None
    next_allowed_local: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Rejection:
    """An input row that could not be checked, and why (fail closed: never silently passed)."""

    path: str
    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class InputFile:
    """One contact log that was read: where it came from, its digest and its row count."""

    path: str
    sha256: str
    rows: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts that must add up: events_read == events_checked + events_rejected.

    `violations`, `by_rule` and `by_severity` (keyed by severity name) count findings that are not
    suppressed; `suppressed` counts the findings a waiver or the baseline covers.
    """

    events_read: int
    events_checked: int
    events_rejected: int
    events_out_of_scope: int
    violations: int
    by_rule: Mapping[str, int]
    suppressed: int = 0
    by_severity: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What `check()` is asked to do, as one typed value (the CLI and config build it).

    `rules` are pack names or paths; `select`/`ignore` rule ids or prefixes; `severity` maps a
    rule id or prefix to a level; `waivers` and `baseline` are file paths; `history` lists logs
    that give context to a plan (only the plan's own events are reported).
    """

    rules: tuple[str, ...] = ("us-regf",)
    column_map: Mapping[str, str] = field(default_factory=dict)
    assume_timezone: str | None = None
    as_of: datetime | None = None
    max_rejects: int = 0
    show_pii: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    waivers: str | None = None
    baseline: str | None = None
    history: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """Something the reader must know that is not a finding: an expired or unused waiver, a
    planned event's context, a rule that matched nothing it could."""

    severity: Severity
    code: str
    message: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a reporter needs, and nothing it must compute.

    `violations` is any sequence of `Violation`s; `check()` gives a `findings.Findings`, which
    holds them as one Polars frame and builds the tuples only when iterated.
    """

    tool_version: str
    as_of: datetime
    inputs: tuple[InputFile, ...]
    packs: tuple[PackInfo, ...]
    rules: tuple[RuleSpec, ...]
    violations: Sequence[Violation]
    rejected: tuple[Rejection, ...]
    summary: Summary
    max_rejects: int = 0
    notes: tuple[Note, ...] = ()

    def __post_init__(self) -> None:
        # a summary built by hand may leave `by_severity` out; count it rather than let the
        # exit code pass findings it was never told about
        if self.violations and not self.summary.by_severity:
            found = Counter(str(v.severity) for v in self.violations if v.suppression is None)
            counts = {str(s): found.get(str(s), 0) for s in sorted(Severity, reverse=True)}
            object.__setattr__(self, "summary", replace(self.summary, by_severity=counts))

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        """0 clean, 1 unsuppressed violations at or above `fail_on`, 2 more rejected rows than
        allowed."""
        if self.summary.events_rejected > self.max_rejects:
            return 2
        worst = (Severity.parse(name) for name, n in self.summary.by_severity.items() if n)
        return 1 if max(worst, default=Severity.INFO - 1) >= fail_on else 0

"""The frozen, typed values that cross collectlint's layers.

Rules are loaded into `RuleSpec`s, the engine turns events into `Violation`s and `Rejection`s,
and the pipeline wraps them in a `Report` (see `collectlint.report`).  Reporters take a `Report`
and nothing else.  This module uses the standard library only, so every layer may import it.
Values are frozen all the way down: mappings are read-only views and sequences are tuples.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple


def freeze(value: Any) -> Any:
    """`value` with every dict made a read-only mapping and every list a tuple, recursively."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain-data copy of a frozen value (dicts and lists), for JSON and display."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


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


class Role(enum.StrEnum):
    """What an input is to a run: checked and reported, or context only."""

    LOG = "log"
    """A contact log: every event is checked and its findings reported."""
    PLAN = "plan"
    """Planned contacts: checked in the context of a history; findings carry `next_allowed`."""
    HISTORY = "history"
    """Past contacts that give a plan its context; checked, never reported."""
    TEMPLATE = "template"
    """A message template; each rendering is checked like a message."""
    CASE = "case"
    """A rule pack's test case file."""


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A 1-based position in a rule file, contact log or template."""

    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class Origin(NamedTuple):
    """Where an event came from.

    `row` is the 1-based record number in the input (the header is not a record; for a
    template, the rendering's number).  `line` is the physical line where the record starts
    (0 when the format has no lines, as in Parquet).  `column` is set only for templates: the
    1-based column of the matched text (then `line` is the line of the match).
    """

    role: Role
    path: str
    row: int
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return f"{self.path} row {self.row}"


@dataclass(frozen=True, slots=True)
class Source:
    """A bibliographic source a pack rests on."""

    title: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class FileDigest:
    """A file a run depended on (a pack, the configuration, waivers, a baseline, an accounts
    file), with its SHA-256, so the run can be reproduced and its inputs proven unchanged."""

    role: str
    path: str
    sha256: str


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
    effective_from: date | None = None
    effective_to: date | None = None
    """The days (inclusive, the consumer's local calendar) the pack's law is in force; a rule
    may narrow them.  An event is judged only by the rules in force on its own date."""
    fields: frozenset[str] = frozenset()
    """The log's own columns (beyond the canonical and optional ones) its rules may test."""
    files: tuple[FileDigest, ...] = ()
    """The pack's file and, through `extends:`, its ancestors' files, each with its SHA-256:
    what an auditor needs to know the exact rules a report was produced with."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A validated rule, exactly as its pack defines it (with overrides applied).

    `where` and `params` are read-only copies of what the file says, kept for display; the
    engine runs the compiled form (`kinds.Rule`), built once when the pack is loaded.
    """

    rule_id: str
    kind: str
    severity: Severity
    message: str
    citation: str
    url: str
    description: str
    pack: str
    where: Mapping[str, Any] = field(default_factory=_empty)
    params: Mapping[str, Any] = field(default_factory=_empty)
    verification: str = ""
    defined_at: Span | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    """The local days (inclusive) the rule is in force: its own dates within its pack's."""

    @property
    def in_force(self) -> str:
        """The days in force as text: `2021-11-30 to 2026-12-31`, `from 2021-11-30`, ... or
        `always` (no dates)."""
        begins, ends = self.effective_from, self.effective_to
        if begins and ends:
            return f"{begins} to {ends}"
        if begins:
            return f"from {begins}"
        return f"until {ends}" if ends else "always"

    def __post_init__(self) -> None:
        object.__setattr__(self, "where", freeze(self.where))
        object.__setattr__(self, "params", freeze(self.params))


class Suppression(NamedTuple):
    """Why a finding is kept out of the exit code: a waiver on record, or a baseline entry."""

    kind: str
    reason: str
    approver: str = ""
    expires: str = ""
    source: str = ""


class Violation(NamedTuple):
    """One breach of one rule by one event.  The one declaration of a finding's fields: the
    findings frame, the JSON report and the CSV report derive their columns from it.

    A named tuple rather than a dataclass: reports can hold hundreds of thousands of findings
    and a tuple is built several times faster, while staying immutable and typed.  Reports keep
    findings sorted by (rule, time, event).  `person` is a pseudonym unless the caller asked for
    personal data.  Wording findings also carry the `category` matched and the `quote` from the
    body at character offsets [`start`, `end`).  `origin` says where the event came from.
    `fingerprint` identifies the finding across runs (rule, account, person, event — never a
    line number) for baselines and SARIF; `suppression` is set when a waiver or the baseline
    covers it (it stays in the report but not in the exit code).  For a planned contact,
    `next_allowed_at` is the earliest instant it would break no timing rule, or None with
    `next_allowed_reason` saying why there is none.  `zone_from` names each of the event's
    candidate zones with the signals that gave it (`America/New_York from timezone, zip;
    America/Chicago from phone`), and `jurisdiction_from` the jurisdiction and its signal
    (`US-MA from zip`): where the consumer was taken to be, and why.
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
    origin: Origin = Origin(Role.LOG, "", 0)
    category: str = ""
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    fingerprint: str = ""
    suppression: Suppression | None = None
    next_allowed_at: datetime | None = None
    next_allowed_local: str | None = None
    next_allowed_reason: str | None = None
    zone_from: str = ""
    jurisdiction_from: str = ""

    @property
    def path(self) -> str:
        """The input the event came from."""
        return self.origin.path

    @property
    def row(self) -> int:
        """The event's record number in its input (see `Origin`)."""
        return self.origin.row

    @property
    def line(self) -> int:
        """The physical line where the event's record starts (or of the match, in a template)."""
        return self.origin.line

    @property
    def column(self) -> int:
        """The column of the match in a template; 0 for log rows."""
        return self.origin.column


class Rejection(NamedTuple):
    """An input row that could not be checked, and why (fail closed: never silently passed).

    `code` names the kind of problem (`invalid-time`, `unknown-zone`, ...) so that rejected rows
    can be grouped; `reason` is the sentence for a person.
    """

    origin: Origin
    code: str
    reason: str

    @property
    def path(self) -> str:
        """The input the row came from."""
        return self.origin.path

    @property
    def row(self) -> int:
        """The row's record number."""
        return self.origin.row

    @property
    def line(self) -> int:
        """The physical line where the row starts (0 when the format has no lines)."""
        return self.origin.line


@dataclass(frozen=True, slots=True)
class ProfileRun:
    """What a profile did to one export: its identity, and counts that add up —
    `rows_read == rows_deduplicated + rows_excluded + rows_kept`, and the kept rows became
    `rows_kept + events_fanned_out` events (a row joined to two debts is two)."""

    name: str
    version: str
    path: str
    sha256: str
    rows_read: int
    rows_deduplicated: int
    rows_excluded: int
    events_fanned_out: int
    excluded: Mapping[str, int] = field(default_factory=lambda: EMPTY)
    """Rows left out per exclusion reason."""
    rejected: Mapping[str, int] = field(default_factory=lambda: EMPTY)
    """Rows rejected per reason (each unmapped value is one reason, with its count)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "excluded", freeze(self.excluded))
        object.__setattr__(self, "rejected", freeze(self.rejected))

    @property
    def rows_kept(self) -> int:
        """Rows that became events (before the join's fan-out)."""
        return self.rows_read - self.rows_deduplicated - self.rows_excluded


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input that was read: where it came from, its role, its digest and its row count."""

    path: str
    sha256: str
    rows: int
    role: Role = Role.LOG
    profile: ProfileRun | None = None
    """The input profile that turned the export's rows into events, when one did."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts that must add up: events_read == events_checked + events_rejected.

    `violations`, `by_rule` and `by_severity` (keyed by severity name) count findings that are
    not suppressed; `suppressed` counts the findings a waiver or the baseline covers.
    `by_severity` left out is counted from the report's findings (see `Report`).
    """

    events_read: int
    events_checked: int
    events_rejected: int
    events_out_of_scope: int
    violations: int
    by_rule: Mapping[str, int]
    suppressed: int = 0
    by_severity: Mapping[str, int] = field(default_factory=_empty)
    not_judged: Mapping[str, int] = field(default_factory=_empty)
    """Per rule, the checked events it applies to but could not judge (a message logged
    without its text, for a wording rule); only rules with some are listed."""
    rows_read: int = 0
    """Source rows read: the events' rows, plus, for an input read through a profile, the
    rows it left out on purpose or as duplicate copies (and a row joined to several debts is
    one row but several events)."""
    rows_excluded: int = 0
    rows_deduplicated: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_rule", freeze(self.by_rule))
        object.__setattr__(self, "by_severity", freeze(self.by_severity))
        object.__setattr__(self, "not_judged", freeze(self.not_judged))


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What `check()` is asked to do, as one typed value (the CLI and config build it).

    `rules` are pack names or paths; `select`/`ignore` rule ids or prefixes; `severity` maps a
    rule id or prefix to a level; `waivers` and `baseline` are file paths; `history` lists logs
    that give context to a plan (only the plan's own events are reported); `encoding` is the
    text encoding of CSV and TSV inputs (JSON Lines must be UTF-8).
    """

    rules: tuple[str, ...] = ("us-regf",)
    column_map: Mapping[str, str] = field(default_factory=_empty)
    assume_timezone: str | None = None
    infer_location: bool = True
    as_of: datetime | None = None
    max_rejects: int = 0
    show_pii: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=_empty)
    waivers: str | None = None
    baseline: str | None = None
    history: tuple[str, ...] = ()
    encoding: str = "utf-8"
    profile: tuple[str, ...] = ()
    """Input profiles (built-in names or files): `PROFILE` for every input, or
    `PATTERN=PROFILE` for the inputs whose path matches the glob `PATTERN`; an input no entry
    names is read as a canonical log."""
    accounts: str | None = None
    """The accounts file the profile's `join` takes accounts and debtors from."""
    context: RunContext | None = None
    """How the run was asked for (command line, configuration and where each value came
    from), carried into the report's reproducibility block."""

    def __post_init__(self) -> None:
        for name in ("rules", "select", "ignore", "history"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if isinstance(self.profile, str):  # one profile for every input
            object.__setattr__(self, "profile", (self.profile,))
        object.__setattr__(self, "profile", tuple(self.profile))
        object.__setattr__(self, "column_map", freeze(self.column_map))
        object.__setattr__(self, "severity", freeze(self.severity))


@dataclass(frozen=True, slots=True)
class Note:
    """Something the reader must know that is not a finding: an expired or unused waiver, a
    plan older than its history, a run in which nothing could be checked."""

    severity: Severity
    code: str
    message: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class NextContact:
    """When a contact may next be made, and which findings would bind it any earlier.

    `at` is None when no instant is allowed; `reason` then says why.  `notes` are the run's
    (for example, that the contact asked about is older than some of its history).
    """

    requested: datetime
    at: datetime | None
    local_time: str
    binding: tuple[Violation, ...]
    reason: str = ""
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Setting:
    """One resolved configuration value and where it came from (`command line`, `default`, or
    the `file:line:col` of the configuration file)."""

    key: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class RunContext:
    """How a run was asked for: what a reader needs to reproduce it exactly.

    `command` is the command line with paths as given (relative when they were); `settings`
    the resolved configuration, each value with its source; `files` the configuration,
    waivers, baseline and accounts files with their digests.  Built by the caller (the CLI);
    the library adds the digests of the files it reads.
    """

    command: tuple[str, ...] = ()
    settings: tuple[Setting, ...] = ()
    files: tuple[FileDigest, ...] = ()
    as_of_given: bool = False
    """Whether `as_of` was given (else it is the latest checked event's time)."""
    show_pii: bool = False


class Tally(NamedTuple):
    """One value of a breakdown (a channel, an agency, a week): the checked contacts that have
    it, and the unsuppressed findings on those contacts, in all and per rule."""

    key: str
    contacts: int
    findings: int
    by_rule: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Contacts and findings by the values of one dimension, most findings first.

    A dimension with many values (agents, accounts, days) keeps some rows; `others` sums the
    rest, so the rows and `others` always add up to the whole.  `distinct` counts every value.
    The key of contacts with no value is the empty string.
    """

    dimension: str
    rows: tuple[Tally, ...]
    distinct: int
    others: Tally | None = None


@dataclass(frozen=True, slots=True)
class Tallies:
    """Counts of the checked contacts of a run, for the summaries auditors read: the period
    covered, and breakdowns by channel, agency, agent, campaign, local hour, day, week,
    account and pack (a dimension the log has no column for is absent)."""

    contacts: int = 0
    first: datetime | None = None
    last: datetime | None = None
    breakdowns: Mapping[str, Breakdown] = field(default_factory=_empty)

    def __post_init__(self) -> None:
        object.__setattr__(self, "breakdowns", freeze(self.breakdowns))

    def get(self, dimension: str) -> Breakdown | None:
        """The breakdown by `dimension`, if the run has one."""
        found: Breakdown | None = self.breakdowns.get(dimension)
        return found


@dataclass(frozen=True, slots=True)
class Period:
    """One run's counts, as a period-over-period comparison needs them: the contacts checked,
    findings per rule with each rule's contacts in scope, findings and contacts per agency,
    and the fingerprints of the findings."""

    label: str
    contacts: int
    by_rule: Mapping[str, int]
    rule_contacts: Mapping[str, int]
    by_agency: Mapping[str, tuple[int, int]]
    """Agency -> (contacts, findings)."""
    fingerprints: frozenset[str]
    """Every finding's fingerprint, waived and baselined ones included (a breach that is
    waived still happened: it is neither new nor resolved)."""
    path: str = ""
    """The JSON report it was read from, if any."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_rule", freeze(self.by_rule))
        object.__setattr__(self, "rule_contacts", freeze(self.rule_contacts))
        object.__setattr__(self, "by_agency", MappingProxyType(dict(self.by_agency)))


@dataclass(frozen=True, slots=True)
class Comparison:
    """A run set against an earlier one (`check --compare`, `collectlint report`)."""

    previous: Period
    current: Period
    previous_path: str = ""

    @property
    def new(self) -> frozenset[str]:
        """Fingerprints found now and not before."""
        return self.current.fingerprints - self.previous.fingerprints

    @property
    def resolved(self) -> frozenset[str]:
        """Fingerprints found before and not now."""
        return self.previous.fingerprints - self.current.fingerprints

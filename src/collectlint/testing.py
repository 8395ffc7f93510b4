"""Run the YAML test cases that sit beside a pack's rules (`<pack>/cases/<rule>.yaml`).

The same harness serves the project's pytest suite and `collectlint test`.  A case lists events
and the ids its rule must flag — exactly those, no more and no fewer — and every event must be
accepted (a case whose events are rejected fails, so a typo cannot pass silently).  The cases of
a file run together through the pipeline, each in its own scope (`columns.SCOPE`), so no two
cases can affect each other although they share ids, accounts and people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from collectlint import pipeline
from collectlint.api import load_packs
from collectlint.errors import Problem, RuleFileError
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.readers import raw_from_records
from collectlint.loading.packs import display_path, load_pack
from collectlint.loading.validate import load_schema, validate
from collectlint.model import Role, Span
from collectlint.vocabulary import readable
from collectlint.yamldoc import YamlDoc, parse_file


@dataclass(frozen=True, slots=True)
class Case:
    """One named scenario for one rule; `lines` are where its events are written."""

    rule: str
    name: str
    events: tuple[Mapping[str, str], ...]
    expect: frozenset[str]
    span: Span
    lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of running a case."""

    case: Case
    flagged: frozenset[str]
    rejected: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True when exactly the expected events were flagged and none was rejected."""
        return self.flagged == self.case.expect and not self.rejected

    def explain(self) -> str:
        """What differed, for a failing case."""
        parts = []
        if missing := sorted(self.case.expect - self.flagged):
            parts.append(f"not flagged but expected: {', '.join(missing)}")
        if extra := sorted(self.flagged - self.case.expect):
            parts.append(f"flagged but not expected: {', '.join(extra)}")
        parts += [f"rejected: {r}" for r in self.rejected]
        return "; ".join(parts) or "ok"


def _text(value: Any) -> str:
    """Case values are strings; YAML may have read a bare timestamp or number."""
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    return "" if value is None else str(value)


def load_cases(path: Path, fields: frozenset[str] | None = None) -> list[Case]:
    """Parse and validate one case file.  Events may use the canonical columns and `fields`,
    the columns the pack declares (by default, those of the pack the case file sits in:
    `<pack>/cases/<rule>.yaml`); any other name is an error at its position."""
    display = display_path(path)
    doc = parse_file(path, display)
    problems = validate(doc, doc.data, load_schema("cases.schema.json"))
    if not problems:
        if fields is None:
            pack_file = path.parent.parent / "pack.yaml"
            fields = load_pack(str(pack_file)).info.fields if pack_file.is_file() else frozenset()
        problems = _unknown_fields(doc, frozenset(readable(fields)))
    if problems:
        raise RuleFileError(f"{display}: invalid case file", tuple(problems))
    data = doc.data
    cases = []
    for index, raw in enumerate(data["cases"]):
        defaults = {**data.get("defaults", {}), **raw.get("defaults", {})}
        events = tuple(
            {k: _text(v) for k, v in {**defaults, **event}.items()} for event in raw["events"]
        )
        lines = tuple(_line(doc, ["cases", index, "events", n]) for n in range(len(raw["events"])))
        cases.append(
            Case(
                data["rule"],
                raw["name"],
                events,
                frozenset(map(str, raw["expect"])),
                doc.span(["cases", index, "name"]),
                lines,
            )
        )
    return cases


def _unknown_fields(doc: YamlDoc, known: frozenset[str]) -> list[Problem]:
    """Each event or defaults key that is neither a canonical column nor a declared one."""
    rows: list[tuple[list[str | int], Mapping[str, Any]]] = []
    data = doc.data
    if isinstance(data.get("defaults"), Mapping):
        rows.append((["defaults"], data["defaults"]))
    for i, case in enumerate(data["cases"]):
        if isinstance(case.get("defaults"), Mapping):
            rows.append((["cases", i, "defaults"], case["defaults"]))
        rows += [(["cases", i, "events", n], e) for n, e in enumerate(case["events"])]
    hint = "a canonical column, or one the pack declares in `fields:`"
    return [
        Problem(f"unknown column {name!r} ({hint})", doc.span([*where, name], key=True))
        for where, row in rows
        for name in row
        if name not in known
    ]


def _line(doc: YamlDoc, location: list[str | int]) -> int:
    return doc.span(location).line


def run_cases(cases: Sequence[Case], pack: str) -> list[CaseResult]:
    """Run `cases` against the pack `pack` (name or path) in one pipeline run, each case in a
    scope of its own, so the pack is loaded and the engine started only once."""
    records = [event for case in cases for event in case.events]
    owner = [n for n, case in enumerate(cases) for _ in case.events]
    lines = [line for case in cases for line in (case.lines or [0] * len(case.events))]
    path = cases[0].span.path if cases else "cases"
    raw = raw_from_records(records, path, Role.CASE, lines=lines, scopes=owner)
    events = build_events([raw], ReadOptions())
    report = pipeline.run(events, load_packs([pack]), pipeline.RunSettings())
    flagged: list[set[str]] = [set() for _ in cases]
    for v in report.violations:
        case = owner[v.row - 1]
        if v.rule == cases[case].rule:
            flagged[case].add(v.event)
    rejected: list[list[str]] = [[] for _ in cases]
    for r in report.rejected:
        case = owner[r.row - 1]
        where = f"line {r.line}" if r.line else f"event {r.row}"
        rejected[case].append(f"{where}: {r.reason}")
    return [
        CaseResult(case, frozenset(flagged[n]), tuple(rejected[n])) for n, case in enumerate(cases)
    ]


def run_case(case: Case, pack: str) -> CaseResult:
    """Run one case (see `run_cases`)."""
    return run_cases([case], pack)[0]


def pack_case_files(pack_dir: Path) -> list[Path]:
    """The case files of a pack directory, sorted."""
    return sorted((pack_dir / "cases").glob("*.yaml"))


def pack_cases(pack_dir: Path) -> list[list[Case]]:
    """The pack's cases, one list per case file: its own, plus its parent's for every rule it
    inherits unchanged (renamed to this pack's rule ids)."""
    pack = load_pack(str(pack_dir))
    groups = [load_cases(path, pack.info.fields) for path in pack_case_files(pack_dir)]
    if pack.parent_dir is not None and pack.inherited:
        renamed = {parent: child for child, parent in pack.inherited.items()}
        for group in pack_cases(pack.parent_dir):
            kept = [replace(c, rule=renamed[c.rule]) for c in group if c.rule in renamed]
            if kept:
                groups.append(kept)
    return groups


def missing_cases(pack_dir: Path) -> list[str]:
    """Rule ids of the pack that have no cases (every rule must have some)."""
    pack = load_pack(str(pack_dir))
    covered = {c.rule for group in pack_cases(pack_dir) for c in group}
    return [r.id for r in pack.rules if r.id not in covered]


def run_pack(pack_dir: Path) -> Sequence[CaseResult]:
    """Run every case of the pack in `pack_dir`, one pipeline run per case file."""
    return [result for group in pack_cases(pack_dir) for result in run_cases(group, str(pack_dir))]

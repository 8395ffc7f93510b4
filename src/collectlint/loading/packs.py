"""Find, parse, validate and resolve rule packs into `RuleSpec`s.

A pack is one YAML file (`pack.yaml` in a directory named after the pack, with its test cases in
`cases/`).  Validation is two-phase: the pack envelope against `pack.schema.json`, then each
rule's `params:` against its kind's schema, then the checks a schema cannot express (filter
fields and values, message placeholders, duplicate ids).  Every problem in a file is collected
and reported at once with its `file:line:col`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from collectlint.errors import Problem, RuleFileError, UsageError
from collectlint.kinds import KINDS, PARAMS_SCHEMAS, compile_rule
from collectlint.loading.checks import check_filter, check_message, check_param_filters
from collectlint.loading.validate import load_schema, validate
from collectlint.loading.yamldoc import YamlDoc, parse_file
from collectlint.model import PackInfo, RuleSpec, Severity, Source


@dataclass(frozen=True, slots=True)
class Pack:
    """A loaded pack: metadata, the rules it applies, and where its cases live."""

    info: PackInfo
    rules: tuple[RuleSpec, ...]
    directory: Path
    ancestors: tuple[str, ...] = ()
    inherited: Mapping[str, str] = field(default_factory=dict)
    """Rule ids taken unchanged from the parent pack: this pack's id -> the parent's id (their
    test cases still apply); overridden rules are not listed and need cases of their own."""
    parent_dir: Path | None = None


def builtin_dir() -> Path:
    """The folder holding the built-in packs (inside the wheel, or the repo's `rules/`)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "rules", here.parent.parent / "rules"):
        if (candidate / "us-regf" / "pack.yaml").is_file():
            return candidate
    raise UsageError("built-in rule packs are missing from this installation")


def builtin_names() -> list[str]:
    """Names of the built-in packs."""
    return sorted(p.parent.name for p in builtin_dir().glob("*/pack.yaml"))


def display_path(path: Path) -> str:
    """A POSIX path for messages: relative to the working directory or the built-in packs'
    parent when the file is under one of them, else the absolute path."""
    resolved = path.resolve()
    for base in (Path.cwd(), builtin_dir().parent):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return resolved.as_posix()


def _is_builtin(path: Path) -> bool:
    """Whether `path` is one of the packs shipped with collectlint."""
    try:
        return path.resolve().is_relative_to(builtin_dir().resolve())
    except UsageError:  # an installation without its packs trusts nothing
        return False


def resolve_ref(ref: str) -> Path:
    """Map `--rules` text to a pack file: a built-in name, a pack file, or a pack directory."""
    candidate = Path(ref)
    if candidate.is_dir() and (candidate / "pack.yaml").is_file():
        return candidate / "pack.yaml"
    if candidate.is_file():
        return candidate
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", ref) and (builtin_dir() / ref / "pack.yaml").is_file():
        return builtin_dir() / ref / "pack.yaml"
    names = ", ".join(builtin_names())
    raise UsageError(f"no rule pack {ref!r}: not a file, a pack directory, or a built-in ({names})")


def load_pack(ref: str, _chain: tuple[str, ...] = ()) -> Pack:
    """Load the pack `ref` and, through `extends:`, its ancestors."""
    path = resolve_ref(ref)
    display = display_path(path)
    if display in _chain:
        raise RuleFileError(f"{display}: `extends` cycle: {' -> '.join([*_chain, display])}")
    doc = parse_file(path, display)
    # built-in packs ship with the tool and the test suite validates them (tests/test_packs.py);
    # checking them again on every run would cost more than reading a small log
    trusted = _is_builtin(path)
    problems = list(doc.problems)
    if not trusted:
        problems += validate(doc, doc.data, load_schema("pack.schema.json"))
    if problems:
        # keep going: report rule-level problems (kinds, params, filters) in the same run
        problems += _rule_problems(doc)
        raise RuleFileError(
            f"{display}: invalid rule pack", tuple(sorted(set(problems), key=_order))
        )
    data: Mapping[str, Any] = doc.data
    meta = data["pack"]
    parent = None
    if "extends" in meta:
        base_ref = meta["extends"]
        sibling = path.parent.parent / base_ref / "pack.yaml"
        parent = load_pack(str(sibling) if sibling.is_file() else base_ref, (*_chain, display))
    info = _pack_info(doc, meta, parent, display)
    rules, problems = _rules(doc, data, info, parent, trusted)
    if problems:
        raise RuleFileError(f"{display}: invalid rule pack", tuple(problems))
    ancestors = (parent.info.name, *parent.ancestors) if parent else ()
    inherited: dict[str, str] = {}
    if parent is not None:
        changed = set(data.get("overrides", {}))
        for spec in parent.rules:
            name = spec.rule_id.split("/", 1)[1]
            if name not in changed and name not in set(data.get("disable", ())):
                inherited[f"{info.name}/{name}"] = spec.rule_id
    return Pack(
        info, rules, path.parent, ancestors, inherited, parent.directory if parent else None
    )


def _order(problem: Problem) -> tuple[int, int, str]:
    span = problem.span
    return (span.line, span.column, problem.message) if span else (0, 0, problem.message)


def _rule_problems(doc: YamlDoc) -> list[Problem]:
    """Kind, params, filter and message problems of every rule that is at least a mapping."""
    rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
    problems: list[Problem] = []
    info = PackInfo("pack", "", "", ("US",))
    for index, raw in enumerate(rules if isinstance(rules, list) else ()):
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
            continue
        sane = {
            "id": str(raw.get("id", "rule")),
            "severity": raw.get("severity") if raw.get("severity") in _SEVERITIES else "error",
            "message": raw.get("message") if isinstance(raw.get("message"), str) else "",
            "citation": "",
            "url": "",
            "description": "",
            "kind": raw["kind"],
            "where": raw.get("where") if isinstance(raw.get("where"), dict) else {},
            "params": raw.get("params") if isinstance(raw.get("params"), dict) else {},
        }
        _spec(doc, sane, info, ["rules", index], problems)
    return problems


_SEVERITIES = ("error", "warning", "info")


def _pack_info(
    doc: YamlDoc, meta: Mapping[str, Any], parent: Pack | None, display: str
) -> PackInfo:
    jurisdiction = meta.get("jurisdiction") or (parent.info.jurisdiction if parent else None)
    if not jurisdiction:
        raise RuleFileError(
            f"{display}: invalid rule pack",
            (Problem("missing required key 'jurisdiction'", doc.span(["pack"])),),
        )
    default_tz = meta.get("default_timezone") or (parent.info.default_timezone if parent else None)
    return PackInfo(
        name=meta["name"],
        title=meta["title"],
        version=meta["version"],
        jurisdiction=tuple(jurisdiction),
        default_timezone=default_tz,
        extends=meta.get("extends"),
        sources=tuple(Source(s["title"], s.get("url", "")) for s in meta.get("sources", ())),
        path=display,
    )


def _rules(
    doc: YamlDoc, data: Mapping[str, Any], info: PackInfo, parent: Pack | None, trusted: bool
) -> tuple[tuple[RuleSpec, ...], list[Problem]]:
    problems: list[Problem] = []
    specs: list[RuleSpec] = []
    if parent is not None:
        specs.extend(_inherited(doc, data, info, parent, problems))
    seen = {s.rule_id for s in specs}
    for index, raw in enumerate(data.get("rules", ())):
        where: list[str | int] = ["rules", index]
        spec = _spec(doc, raw, info, where, problems, trusted=trusted)
        if spec is None:
            continue
        if spec.rule_id in seen:
            problems.append(
                Problem(f"duplicate rule id {spec.rule_id!r}", doc.span([*where, "id"]))
            )
            continue
        seen.add(spec.rule_id)
        specs.append(spec)
    return tuple(specs), problems


def _inherited(
    doc: YamlDoc, data: Mapping[str, Any], info: PackInfo, parent: Pack, problems: list[Problem]
) -> list[RuleSpec]:
    """Rules of the parent pack, renamed into this pack, with overrides and disables applied."""
    by_name = {s.rule_id.split("/", 1)[1]: s for s in parent.rules}
    disabled = set(data.get("disable", ()))
    for index, name in enumerate(data.get("disable", ())):
        if name not in by_name:
            problems.append(
                Problem(
                    f"disable: no rule {name!r} in pack {parent.info.name!r}",
                    doc.span(["disable", index]),
                )
            )
    overrides: Mapping[str, Mapping[str, Any]] = data.get("overrides", {})
    for name in overrides:
        if name not in by_name:
            problems.append(
                Problem(
                    f"overrides: no rule {name!r} in pack {parent.info.name!r}",
                    doc.span(["overrides", name], key=True),
                )
            )
    specs = []
    for name, base in by_name.items():
        if name in disabled:
            continue
        change = dict(overrides.get(name, {}))
        merged = {
            "id": name,
            "kind": base.kind,
            "severity": change.get("severity", str(base.severity)),
            "message": change.get("message", base.message),
            "citation": change.get("citation", base.citation),
            "url": change.get("url", base.url),
            "description": change.get("description", base.description),
            "verification": base.verification,
            "where": change.get("where", dict(base.where)),
            "params": {**base.params, **change.get("params", {})},
        }
        # a rule taken as it is was checked with its own pack; a changed one is checked here
        spec = _spec(doc, merged, info, ["overrides", name], problems, trusted=not change)
        if spec is not None:
            specs.append(replace(spec, defined_at=base.defined_at))
    return specs


def _spec(
    doc: YamlDoc,
    raw: Mapping[str, Any],
    info: PackInfo,
    where: list[str | int],
    problems: list[Problem],
    *,
    trusted: bool = False,
) -> RuleSpec | None:
    """Build one rule's spec; `trusted` skips the schema and filter checks (see `load_pack`)."""
    kind = raw["kind"]
    if kind not in KINDS:
        problems.append(
            Problem(
                f"unknown kind {kind!r} (known kinds: {', '.join(sorted(KINDS))})",
                doc.span([*where, "kind"]),
            )
        )
        return None
    params = raw.get("params", {})
    found: list[Problem] = []
    if not trusted:
        found += validate(doc, params, PARAMS_SCHEMAS[kind], [*where, "params"])
        found += check_filter(doc, raw.get("where", {}), [*where, "where"])
        found += check_param_filters(doc, params, [*where, "params"])
    if found:
        problems.extend(found)
        return None
    spec = RuleSpec(
        rule_id=f"{info.name}/{raw['id']}",
        kind=kind,
        severity=Severity.parse(raw["severity"]),
        message=raw["message"],
        citation=raw["citation"],
        url=raw["url"],
        description=raw["description"].strip(),
        pack=info.name,
        where=raw.get("where", {}),
        params=params,
        verification=raw.get("verification", ""),
        defined_at=doc.span([*where, "id"]),
    )
    if trusted:  # compiled, with its regular expressions checked, when it first runs
        return spec
    try:
        constants = compile_rule(spec).template_values()
    except ValueError as exc:  # e.g. a regex the linear-time engine cannot run
        location = getattr(exc, "location", ())
        problems.append(Problem(str(exc), doc.span([*where, "params", *location])))
        return None
    problems.extend(check_message(doc, spec.message, set(constants), [*where, "message"]))
    return spec

"""Find, parse, validate and compile rule packs.

A pack is one YAML file (`pack.yaml` in a directory named after the pack, with its test cases in
`cases/`).  Validation is two-phase: the pack envelope against `pack.schema.json`, then each
rule's `params:` against its kind's schema, then the checks a schema cannot express (filter
fields and values, message placeholders, regular expressions, duplicate ids).  Every problem in
a file is collected and reported at once with its `file:line:col`.  Each rule is compiled here,
once: the engine, the message renderer and the planner all use the compiled `Rule`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from collectlint.errors import Problem, RuleFileError, UsageError
from collectlint.inputs.clock import is_known_zone
from collectlint.kinds import KINDS
from collectlint.kinds.base import Filter, ParamError, Rule
from collectlint.kinds.messages import FIELDS, Message
from collectlint.loading.checks import check_filter, check_param_filters
from collectlint.loading.validate import load_schema, validate
from collectlint.model import EMPTY, FileDigest, PackInfo, RuleSpec, Severity, Source, freeze, thaw
from collectlint.yamldoc import YamlDoc, parse_file


@dataclass(frozen=True, slots=True)
class Pack:
    """A loaded pack: metadata, the compiled rules it applies, and where its cases live."""

    info: PackInfo
    rules: tuple[Rule, ...]
    directory: Path
    ancestors: tuple[str, ...] = ()
    inherited: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    """Rule ids taken unchanged from the parent pack: this pack's id -> the parent's id (their
    test cases still apply); overridden rules are not listed and need cases of their own."""
    parent_dir: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "inherited", freeze(self.inherited))

    @property
    def specs(self) -> tuple[RuleSpec, ...]:
        """The rules as their pack defines them."""
        return tuple(r.spec for r in self.rules)


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


_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def resolve_ref(ref: str, base: Path | None = None) -> Path:
    """Map a pack reference to its file: a pack file, a pack directory, or a built-in name.

    Paths are relative to `base` (the folder of the pack that names them in `extends:`) when
    given, else to the working directory.  A bare name is first looked for beside `base`'s
    pack directory (a sibling pack), then among the built-in packs.
    """
    candidate = (base / ref) if base is not None else Path(ref)
    if candidate.is_dir() and (candidate / "pack.yaml").is_file():
        return candidate / "pack.yaml"
    if candidate.is_file():
        return candidate
    if _NAME.fullmatch(ref):
        if base is not None and (base.parent / ref / "pack.yaml").is_file():
            return base.parent / ref / "pack.yaml"
        if (builtin_dir() / ref / "pack.yaml").is_file():
            return builtin_dir() / ref / "pack.yaml"
    names = ", ".join(builtin_names())
    where = f" (relative to {display_path(base)})" if base is not None else ""
    raise UsageError(
        f"no rule pack {ref!r}{where}: not a file, a pack directory, or a built-in ({names})"
    )


MAX_DEPTH = 16
"""Packs an `extends` chain may hold (a real overlay is two or three deep)."""


def load_pack(ref: str, _chain: tuple[Path, ...] = (), _base: Path | None = None) -> Pack:
    """Load the pack `ref` and, through `extends:`, its ancestors."""
    path = resolve_ref(ref, _base)
    display = display_path(path)
    if path.resolve() in _chain:
        names = [display_path(p) for p in (*_chain, path.resolve())]
        raise RuleFileError(f"{display}: `extends` cycle: {' -> '.join(names)}")
    if len(_chain) >= MAX_DEPTH:
        raise RuleFileError(f"{display}: `extends` chain longer than {MAX_DEPTH} packs")
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
        try:
            parent = load_pack(meta["extends"], (*_chain, path.resolve()), path.parent)
        except UsageError as exc:
            raise RuleFileError(
                f"{display}: invalid rule pack",
                (Problem(f"extends: {exc.message}", doc.span(["pack", "extends"])),),
            ) from None
    info = _pack_info(doc, meta, parent, display)
    own = FileDigest("pack", display, hashlib.sha256(path.read_bytes()).hexdigest())
    info = replace(info, files=(own, *(parent.info.files if parent else ())))
    rules, problems = _rules(doc, data, info, parent, trusted)
    if problems:
        raise RuleFileError(f"{display}: invalid rule pack", tuple(problems))
    ancestors = (parent.info.name, *parent.ancestors) if parent else ()
    inherited: dict[str, str] = {}
    if parent is not None:
        changed = set(data.get("overrides", {}))
        for rule in parent.rules:
            name = rule.id.split("/", 1)[1]
            if name not in changed and name not in set(data.get("disable", ())):
                inherited[f"{info.name}/{name}"] = rule.id
    return Pack(
        info, rules, path.parent, ancestors, inherited, parent.directory if parent else None
    )


def _order(problem: Problem) -> tuple[int, int, str]:
    span = problem.span
    return (span.line, span.column, problem.message) if span else (0, 0, problem.message)


_SEVERITIES = ("error", "warning", "info")


def _rule_problems(doc: YamlDoc) -> list[Problem]:
    """Kind, params, filter and message problems of every rule that is at least a mapping."""
    rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
    problems: list[Problem] = []
    meta = doc.data.get("pack") if isinstance(doc.data, dict) else None
    declared = meta.get("fields") if isinstance(meta, dict) else None
    names = (
        frozenset(f for f in declared if isinstance(f, str))
        if isinstance(declared, list)
        else frozenset()
    )
    info = PackInfo("pack", "", "", ("US",), fields=names)
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
        _compile(doc, sane, info, ["rules", index], problems)
    return problems


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
    if meta.get("default_timezone") and not is_known_zone(meta["default_timezone"]):
        raise RuleFileError(
            f"{display}: invalid rule pack",
            (
                Problem(
                    f"unknown time zone {meta['default_timezone']!r} (an IANA name such as "
                    "America/New_York)",
                    doc.span(["pack", "default_timezone"]),
                ),
            ),
        )
    begins = _date(doc, meta, ["pack"], "effective_from", display)
    ends = _date(doc, meta, ["pack"], "effective_to", display)
    if begins and ends and ends < begins:
        raise RuleFileError(
            f"{display}: invalid rule pack",
            (Problem("effective_to is before effective_from", doc.span(["pack", "effective_to"])),),
        )
    declared = frozenset(meta.get("fields", ())) | (parent.info.fields if parent else frozenset())
    return PackInfo(
        name=meta["name"],
        title=meta["title"],
        version=meta["version"],
        jurisdiction=tuple(jurisdiction),
        default_timezone=default_tz,
        extends=meta.get("extends"),
        sources=tuple(Source(s["title"], s.get("url", "")) for s in meta.get("sources", ())),
        path=display,
        effective_from=begins if "effective_from" in meta else _inherit(parent, "effective_from"),
        effective_to=ends if "effective_to" in meta else _inherit(parent, "effective_to"),
        fields=declared,
    )


def _inherit(parent: Pack | None, name: str) -> date | None:
    """A pack's dates default to its parent's (an overlay of Regulation F starts no earlier)."""
    value: date | None = getattr(parent.info, name) if parent else None
    return value


def _date(
    doc: YamlDoc, block: Mapping[str, Any], where: Sequence[str | int], key: str, display: str
) -> date | None:
    """The date `block[key]` (validated as YYYY-MM-DD text), or an error if it is no real day."""
    text = block.get(key)
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleFileError(
            f"{display}: invalid rule pack",
            (Problem(f"{key} {text!r} is not a real date", doc.span([*where, key])),),
        ) from None


def _rules(
    doc: YamlDoc, data: Mapping[str, Any], info: PackInfo, parent: Pack | None, trusted: bool
) -> tuple[tuple[Rule, ...], list[Problem]]:
    problems: list[Problem] = []
    rules: list[Rule] = []
    if parent is not None:
        rules.extend(_inherited(doc, data, info, parent, problems))
    seen = {r.id for r in rules}
    for index, raw in enumerate(data.get("rules", ())):
        where: list[str | int] = ["rules", index]
        rule = _compile(doc, raw, info, where, problems, trusted=trusted)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(Problem(f"duplicate rule id {rule.id!r}", doc.span([*where, "id"])))
            continue
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules), problems


def _inherited(
    doc: YamlDoc, data: Mapping[str, Any], info: PackInfo, parent: Pack, problems: list[Problem]
) -> list[Rule]:
    """Rules of the parent pack, renamed into this pack, with overrides and disables applied."""
    by_name = {r.id.split("/", 1)[1]: r for r in parent.rules}
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
    rules = []
    for name, base in by_name.items():
        if name in disabled:
            continue
        change = dict(overrides.get(name, {}))
        spec = base.spec
        if not change:  # taken as it is: compiled and checked with its own pack
            renamed = replace(spec, rule_id=f"{info.name}/{name}", pack=info.name)
            rules.append(replace(base, spec=renamed))
            continue
        merged = {
            "id": name,
            "kind": spec.kind,
            "severity": change.get("severity", str(spec.severity)),
            "message": change.get("message", spec.message),
            "citation": change.get("citation", spec.citation),
            "url": change.get("url", spec.url),
            "description": change.get("description", spec.description),
            "verification": spec.verification,
            "effective_from": change.get("effective_from", spec.effective_from),
            "effective_to": change.get("effective_to", spec.effective_to),
            "where": change.get("where", spec.where),
            "params": {**spec.params, **change.get("params", {})},
        }
        rule = _compile(doc, merged, info, ["overrides", name], problems)
        if rule is not None:
            rules.append(replace(rule, spec=replace(rule.spec, defined_at=spec.defined_at)))
    return rules


def _compile(
    doc: YamlDoc,
    raw: Mapping[str, Any],
    info: PackInfo,
    where: Sequence[str | int],
    problems: list[Problem],
    *,
    trusted: bool = False,
) -> Rule | None:
    """Validate and compile one rule; `trusted` skips the schema and filter checks (see
    `load_pack`).  Problems are added to `problems`; None when the rule cannot be built."""
    kind = raw["kind"]
    if kind not in KINDS:
        problems.append(
            Problem(
                f"unknown kind {kind!r} (known kinds: {', '.join(sorted(KINDS))})",
                doc.span([*where, "kind"]),
            )
        )
        return None
    kind_class = KINDS[kind]
    params = thaw(raw.get("params", {}))
    flt = thaw(raw.get("where", {}))
    found: list[Problem] = []
    if not trusted:
        found += validate(doc, params, kind_class.params_schema, [*where, "params"])
        found += check_filter(doc, flt, [*where, "where"], info.fields)
        found += check_param_filters(doc, params, [*where, "params"], info.fields)
    begins, ends, bad = _rule_dates(doc, raw, info, where)
    found += bad
    if found:
        problems.extend(found)
        return None
    try:
        check = kind_class.compile(params, Filter.parse(flt))
        if not trusted:
            check.verify()
    except ParamError as exc:  # e.g. a regex the linear-time engine cannot run
        problems.append(Problem(str(exc), doc.span([*where, "params", *exc.location])))
        return None
    message, unknown = Message.compile(raw["message"], check.constants())
    if unknown:
        allowed = ", ".join(sorted({*FIELDS, *check.constants()}))
        for name in unknown:
            problems.append(
                Problem(
                    f"unknown placeholder {{{name}}} in message (allowed: {allowed})",
                    doc.span([*where, "message"]),
                )
            )
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
        where=flt,
        params=params,
        verification=raw.get("verification", ""),
        defined_at=doc.span([*where, "id"]),
        effective_from=begins,
        effective_to=ends,
    )
    return Rule(spec, check, message)


def _rule_dates(
    doc: YamlDoc, raw: Mapping[str, Any], info: PackInfo, where: Sequence[str | int]
) -> tuple[date | None, date | None, list[Problem]]:
    """A rule's days in force: its own `effective_from`/`effective_to` within its pack's."""
    found: list[Problem] = []
    dates: dict[str, date | None] = {}
    for key in ("effective_from", "effective_to"):
        value = raw.get(key)
        if isinstance(value, date):
            dates[key] = value
        elif isinstance(value, str):
            try:
                dates[key] = date.fromisoformat(value)
            except ValueError:
                found.append(
                    Problem(f"{key} {value!r} is not a real date", doc.span([*where, key]))
                )
    begins = max(filter(None, (dates.get("effective_from"), info.effective_from)), default=None)
    ends = min(filter(None, (dates.get("effective_to"), info.effective_to)), default=None)
    if begins and ends and ends < begins and not found:
        key = "effective_to" if "effective_to" in dates else "effective_from"
        found.append(
            Problem(
                f"the rule is never in force: {begins} to {ends} (its pack's dates included)",
                doc.span([*where, key] if key in raw else [*where, "id"]),
            )
        )
    return begins, ends, found

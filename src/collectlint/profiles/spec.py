"""Input profiles as typed values: how one source's rows become canonical events.

A profile is a small YAML file (built-in ones live in the top-level `profiles/` folder) that a
compliance officer can review: which source column feeds each canonical field (`columns`, with
dotted paths into nested JSON and a choice of column by condition), fixed values (`constant`),
the time format (`time`), value maps with conditional entries (`values`), rows left out on
purpose (`exclude`), duplicate copies to drop (`dedupe`) and where accounts come from (`join`).
It is validated against `profile.schema.json` with every problem at `file:line:col`, then
compiled here into frozen dataclasses that `profiles.apply` turns into Polars expressions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectlint.errors import Problem, RuleFileError, UsageError
from collectlint.inputs.clock import is_known_zone
from collectlint.loading.validate import load_schema, validate
from collectlint.model import EMPTY, freeze
from collectlint.vocabulary import ENUMERATED
from collectlint.yamldoc import YamlDoc, parse_file

TIME_FORMATS = ("iso8601", "rfc2822", "epoch_s", "epoch_ms")


@dataclass(frozen=True, slots=True)
class Test:
    """One test of a source value: equal to one of `values`, or starting with / ending with /
    containing `text`, or present (non-blank) or not; `negate` inverts an equality test."""

    op: str  # "in", "prefix", "suffix", "contains", "present"
    values: tuple[str, ...] = ()
    negate: bool = False

    @classmethod
    def parse(cls, raw: Any) -> Test:
        """Build from a validated test (`profile.schema.json#/$defs/test`)."""
        if isinstance(raw, Mapping):
            (op, arg), *_ = raw.items()
            if op == "present":
                return cls("present", negate=not arg)
            if op == "not":
                return cls("in", _texts(arg), negate=True)
            return cls(op, (str(arg),))
        return cls("in", _texts(raw))


@dataclass(frozen=True, slots=True)
class Condition:
    """Every source column's test holds (columns are dotted paths for nested JSON)."""

    tests: tuple[tuple[str, Test], ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> Condition | None:
        """Build from a validated condition, or None for "always"."""
        if raw is None:
            return None
        return cls(tuple((str(column), Test.parse(test)) for column, test in raw.items()))

    @property
    def columns(self) -> tuple[str, ...]:
        """The source columns the condition reads."""
        return tuple(column for column, _ in self.tests)


@dataclass(frozen=True, slots=True)
class Pick:
    """A source column to read when `when` holds (None: otherwise)."""

    column: str
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A canonical value to give when `when` holds (None: otherwise)."""

    value: str
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class ValueMap:
    """Source value -> canonical value for one field, read from source column `source`
    (entries are tried in order; a value with no entry, or whose conditions all fail, rejects
    its row).  `blank` says what an empty cell means (None: it is passed on as empty)."""

    source: str
    entries: tuple[tuple[str, tuple[Choice, ...]], ...]
    blank: tuple[Choice, ...] | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Rows left out on purpose (`when` holds), with the reason the profile gives."""

    when: Condition
    reason: str


@dataclass(frozen=True, slots=True)
class Dedupe:
    """Copies of one record (same `key` columns): keep the `first` or `last` in file order,
    or by `order_by` (a sortable source column such as a last-update timestamp)."""

    key: tuple[str, ...]
    keep: str = "last"
    order_by: str | None = None


@dataclass(frozen=True, slots=True)
class Join:
    """Take fields (`take`) from the accounts file by the canonical field `by` matched with its
    `accounts_key` column (a phone number by default)."""

    by: str
    accounts_key: str
    take: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TimeFormat:
    """How the source writes times: a named format, or a strftime `pattern` (with the `zone`
    naive times are in)."""

    name: str  # one of TIME_FORMATS, or "pattern"
    pattern: str = ""
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A compiled input profile, with the file it came from and that file's SHA-256."""

    name: str
    title: str
    version: str
    format: str
    path: str
    sha256: str
    description: str = ""
    columns: Mapping[str, tuple[Pick, ...]] = field(default_factory=lambda: EMPTY)
    constant: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    time: TimeFormat = TimeFormat("iso8601")
    values: Mapping[str, ValueMap] = field(default_factory=lambda: EMPTY)
    exclude: tuple[Exclusion, ...] = ()
    dedupe: Dedupe | None = None
    join: Join | None = None

    def __post_init__(self) -> None:
        for name in ("columns", "constant", "values"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    @property
    def source_columns(self) -> tuple[str, ...]:
        """Every source column the profile reads (for `profile show`), in a stable order."""
        seen: dict[str, None] = {}
        for picks in self.columns.values():
            for pick in picks:
                seen[pick.column] = None
                if pick.when:
                    seen.update(dict.fromkeys(pick.when.columns))
        for vmap in self.values.values():
            seen[vmap.source] = None
            for _, choices in vmap.entries:
                for choice in choices:
                    if choice.when:
                        seen.update(dict.fromkeys(choice.when.columns))
        for ex in self.exclude:
            seen.update(dict.fromkeys(ex.when.columns))
        if self.dedupe:
            seen.update(dict.fromkeys(self.dedupe.key))
            if self.dedupe.order_by:
                seen[self.dedupe.order_by] = None
        return tuple(seen)


def builtin_dir() -> Path:
    """The folder of the built-in profiles (inside the wheel, or the repo's `profiles/`)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "profiles_data", here.parent.parent / "profiles"):
        if (candidate / "twilio-calls.yaml").is_file():
            return candidate
    raise UsageError("built-in input profiles are missing from this installation")


def builtin_names() -> list[str]:
    """Names of the built-in profiles."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def resolve(ref: str) -> tuple[Path, str]:
    """A profile reference (a file, or a built-in name) as its path and its display path."""
    candidate = Path(ref)
    if candidate.is_file():
        return candidate, candidate.as_posix()
    builtin = builtin_dir() / f"{ref}.yaml"
    if "/" not in ref and builtin.is_file():
        return builtin, f"profiles/{ref}.yaml"
    names = ", ".join(builtin_names())
    raise UsageError(f"--profile {ref!r}: not a profile file nor a built-in profile ({names})")


MAX_EXTENDS = 8
"""Profiles an `extends` chain may hold."""


def load_profile(ref: str) -> Profile:
    """Load, validate and compile the profile `ref`; every problem is at `file:line:col`.

    A profile may `extends:` another (a built-in name or a file): its own top-level sections
    (`profile`, `columns`, `time`, ...) replace the parent's whole, the others are inherited.
    Its SHA-256 covers its own file and its ancestors'.
    """
    doc, data, digest, shipped = _resolved(ref, ())
    problems = list(doc.problems)
    # a built-in profile (and a chain of them) ships with the tool and the test suite
    # validates it (tests/test_profiles.py); validating it on every run would import
    # jsonschema for a tenth of a second
    if not shipped:
        problems += validate(doc, data, load_schema("profile.schema.json"))
    if not problems:
        problems += _semantic_problems(YamlDoc(doc.path, data, doc.root))
    if problems:
        raise RuleFileError(f"{doc.path}: invalid input profile", tuple(problems))
    return compile_profile(data, doc.path, digest)


def _resolved(ref: str, chain: tuple[str, ...]) -> tuple[YamlDoc, Any, str, bool]:
    """The profile file `ref` parsed, its data with `extends` resolved, the digest of it
    and its ancestors, and whether all of them are built-in profiles."""
    path, display = resolve(ref)
    doc = parse_file(path, display)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    data = doc.data
    shipped = path.resolve().parent == builtin_dir().resolve()
    if not (isinstance(data, Mapping) and isinstance(data.get("extends"), str)):
        return doc, data, digest, shipped
    parent = str(data["extends"])
    if display in chain or len(chain) >= MAX_EXTENDS:
        names = " -> ".join((*chain, display))
        raise RuleFileError(f"{display}: `extends` cycle or chain too long: {names}")
    # a file is found beside the profile that extends it, else as given; else a built-in
    files = [c for c in (path.parent / parent, Path(parent)) if c.is_file()]
    if not files and ("/" in parent or not (builtin_dir() / f"{parent}.yaml").is_file()):
        names = ", ".join(builtin_names())
        problem = Problem(
            f"extends {parent!r}: no such profile file (beside this one) nor built-in "
            f"profile ({names})",
            doc.span(["extends"]),
        )
        raise RuleFileError(f"{display}: invalid input profile", (problem,))
    target = str(files[0]) if files else parent
    _, inherited, ancestors, inherited_shipped = _resolved(target, (*chain, display))
    if not isinstance(inherited, Mapping):
        raise RuleFileError(f"{display}: extends {parent!r}, which is not a profile")
    own = {k: v for k, v in data.items() if k != "extends"}
    combined = hashlib.sha256((digest + ancestors).encode()).hexdigest()
    return doc, {**inherited, **own}, combined, shipped and inherited_shipped


def compile_profile(data: Mapping[str, Any], path: str, sha256: str) -> Profile:
    """A `Profile` from validated data."""
    head = data["profile"]
    columns = {name: _picks(source) for name, source in (data.get("columns") or {}).items()}
    values = {}
    for name, raw in (data.get("values") or {}).items():
        source = raw.get("from") or _single(columns.get(name))
        entries = tuple((str(k), _choices(v)) for k, v in raw["map"].items())
        blank = _choices(raw["blank"]) if "blank" in raw else None
        values[name] = ValueMap(source, entries, blank)
    time_raw = (data.get("time") or {}).get("time", "iso8601")
    time = (
        TimeFormat(time_raw)
        if isinstance(time_raw, str)
        else TimeFormat("pattern", time_raw["format"], time_raw.get("zone"))
    )
    exclude = tuple(
        Exclusion(Condition.parse(item["when"]) or Condition(()), item["reason"])
        for item in data.get("exclude") or ()
    )
    dedupe_raw = data.get("dedupe")
    dedupe = (
        Dedupe(tuple(dedupe_raw["key"]), dedupe_raw.get("keep", "last"), dedupe_raw.get("order_by"))
        if dedupe_raw
        else None
    )
    join_raw = data.get("join")
    join = (
        Join(
            join_raw["by"],
            join_raw.get("accounts_key", "phone"),
            tuple(join_raw.get("take", ("account", "debtor"))),
        )
        if join_raw
        else None
    )
    return Profile(
        name=head["name"],
        title=head["title"],
        version=str(head["version"]),
        format=head["format"],
        path=path,
        sha256=sha256,
        description=str(head.get("description", "")).strip(),
        columns=columns,
        constant={k: str(v) for k, v in (data.get("constant") or {}).items()},
        time=time,
        values=values,
        exclude=exclude,
        dedupe=dedupe,
        join=join,
    )


def _semantic_problems(doc: YamlDoc) -> list[Problem]:
    """What the schema cannot say: a value map needs a source column; a name is given once;
    mapped values must be ones the log accepts; a time zone must be known."""
    data = doc.data
    problems = []
    columns = data.get("columns") or {}
    constant = data.get("constant") or {}
    for name in sorted(set(columns) & set(constant)):
        problems.append(
            Problem(
                f"field {name!r} is both read from a column and given a constant; keep one",
                doc.span(["constant", name], key=True),
            )
        )
    for name, raw in (data.get("values") or {}).items():
        source = columns.get(name)
        if "from" not in raw and not isinstance(source, str):
            problems.append(
                Problem(
                    f"values for {name!r} need `from:` (the source column they map), since "
                    f"{name!r} is not read from one plain column",
                    doc.span(["values", name], key=True),
                )
            )
        allowed = ENUMERATED.get(name)
        if allowed is None:
            continue
        for key, choice in raw["map"].items():
            for i, target in enumerate(_targets(choice)):
                if target not in allowed:
                    where = ["values", name, "map", key] + (
                        [i, "value"] if isinstance(choice, list) else []
                    )
                    problems.append(
                        Problem(
                            f"{target!r} is not a value of {name!r} (expected one of "
                            f"{', '.join(sorted(allowed))})",
                            doc.span(where),
                        )
                    )
    for name, value in constant.items():
        allowed = ENUMERATED.get(name)
        if allowed is not None and str(value) not in allowed:
            problems.append(
                Problem(
                    f"{value!r} is not a value of {name!r} (expected one of "
                    f"{', '.join(sorted(allowed))})",
                    doc.span(["constant", name]),
                )
            )
    zone = (data.get("time") or {}).get("time") or {}
    if isinstance(zone, Mapping) and zone.get("zone") and not is_known_zone(zone["zone"]):
        problems.append(
            Problem(f"unknown time zone {zone['zone']!r}", doc.span(["time", "time", "zone"]))
        )
    return problems


def _targets(choice: Any) -> list[str]:
    if isinstance(choice, list):
        return [str(item["value"]) for item in choice]
    return [str(choice)]


def _texts(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    return tuple(_text(v) for v in items)


def _text(value: Any) -> str:
    """YAML scalars as the text a source cell holds (`true` as `true`, not `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _picks(raw: Any) -> tuple[Pick, ...]:
    if isinstance(raw, str):
        return (Pick(raw),)
    return tuple(Pick(item["column"], Condition.parse(item.get("when"))) for item in raw)


def _choices(raw: Any) -> tuple[Choice, ...]:
    if isinstance(raw, str):
        return (Choice(raw),)
    return tuple(Choice(str(item["value"]), Condition.parse(item.get("when"))) for item in raw)


def _single(picks: Sequence[Pick] | None) -> str:
    return picks[0].column if picks else ""

"""Project configuration: discovery, validation with positions, and where each value came from.

Discovery: `--config FILE`, else the first of `collectlint.yaml`, `.collectlint.yaml`, or a
`pyproject.toml` with a `[tool.collectlint]` table, looking in the working directory and then in
each parent.  Command-line options override the file, which overrides the defaults.  Paths in
the file are relative to the file's folder.  An unknown key or a wrong type is an error at
`file:line:col`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectlint.errors import Problem, UsageError
from collectlint.inputs.clock import is_known_zone
from collectlint.inputs.encoding import canonical
from collectlint.loading.validate import load_schema, validate
from collectlint.yamldoc import YamlDoc, parse_file, parse_text

CONFIG_NAMES = ("collectlint.yaml", ".collectlint.yaml", "pyproject.toml")
PATH_KEYS = ("waivers", "baseline", "accounts")
"""Keys holding file paths, resolved against the configuration file's folder."""

DEFAULTS: Mapping[str, Any] = {
    "rules": ["us-regf"],
    "map": {},
    "select": [],
    "ignore": [],
    "severity": {},
    "fail_on": "error",
    "waivers": None,
    "baseline": None,
    "assume_timezone": None,
    "infer_location": True,
    "max_rejects": 0,
    "encoding": "utf-8",
    "profile": None,
    "accounts": None,
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Merged configuration values, each with the place it came from."""

    values: Mapping[str, Any]
    sources: Mapping[str, str]
    path: str | None = None

    def get(self, key: str) -> Any:
        """The merged value of `key`."""
        return self.values[key]


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start`."""
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _has_tool_table(candidate):
                    continue
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return "collectlint" in data.get("tool", {})


def _toml_doc(path: Path, display: str) -> tuple[YamlDoc, Any]:
    """Load `[tool.collectlint]`.  TOML keeps no positions, so errors are located through a
    YAML stand-in that holds each top-level key on the same line as in the TOML file."""
    text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text).get("tool", {}).get("collectlint", {})
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{display}: invalid TOML: {exc}") from None
    lines = _key_lines(text)
    mirror: list[str] = []
    for key in sorted(table, key=lambda k: lines.get(k, 0)):
        while len(mirror) < lines.get(key, 1) - 1:
            mirror.append("")
        mirror.append(f"{key}: null")
    return parse_text("\n".join(mirror) or "{}", display), table


def _key_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            inside = stripped in ("[tool.collectlint]",)
            continue
        match = re.match(r"([A-Za-z_][\w-]*)\s*=", stripped)
        if inside and match:
            lines.setdefault(match.group(1), number)
    return lines


def load_settings(config: str | None, cli: Mapping[str, Any], cwd: Path | None = None) -> Settings:
    """Merge defaults, the configuration file (given or discovered) and command-line values.

    `cli` holds only the options the user actually gave (None means "not given").
    """
    path = Path(config) if config else find_config(cwd or Path.cwd())
    values = dict(DEFAULTS)
    sources = dict.fromkeys(DEFAULTS, "default")
    display = None
    if config and not (path and path.is_file()):
        raise UsageError(f"--config {config}: no such file")
    if config and path is not None and path.suffix.lower() not in (".yaml", ".yml", ".toml"):
        raise UsageError(f"--config {config}: expected a .yaml, .yml or .toml file")
    if path is not None:
        display = _relative(path)
        if path.name == "pyproject.toml":
            doc, data = _toml_doc(path, display)
        else:
            doc = parse_file(path, display)
            data = doc.data if doc.data is not None else {}
        problems = [*doc.problems, *validate(doc, data, load_schema("config.schema.json"))]
        problems += _value_problems(doc, data) if not problems else []
        if problems:
            raise UsageError(f"{display}: invalid configuration", tuple(problems))
        for key, value in data.items():
            if key in PATH_KEYS and value is not None:
                value = _relative(path.parent / value)
            if key == "rules":
                value = [_pack_ref(path.parent, ref) for ref in value]
            if key == "profile" and value is not None:  # a built-in name stays, a path resolves
                entries = [value] if isinstance(value, str) else value
                value = [_profile_ref(path.parent, entry) for entry in entries]
            values[key] = value
            sources[key] = str(doc.span([key], key=True))
    for key, value in cli.items():
        if value is not None and value != [] and value != {}:
            values[key] = value
            sources[key] = "command line"
    return Settings(values, sources, display)


def _value_problems(doc: YamlDoc, data: Mapping[str, Any]) -> list[Problem]:
    """Values the schema cannot judge: a time zone or an encoding that does not exist."""
    problems = []
    zone = data.get("assume_timezone")
    if isinstance(zone, str) and not is_known_zone(zone):
        problems.append(Problem(f"unknown time zone {zone!r}", doc.span(["assume_timezone"])))
    encoding = data.get("encoding")
    if isinstance(encoding, str):
        try:
            canonical(encoding)
        except UsageError:
            problems.append(Problem(f"not a text encoding: {encoding!r}", doc.span(["encoding"])))
    return problems


def _profile_ref(folder: Path, entry: str) -> str:
    """A `profile` entry of a config file (`PROFILE` or `PATTERN=PROFILE`) with its profile
    resolved as a pack reference is."""
    pattern, sep, ref = entry.rpartition("=")
    return f"{pattern}{sep}{_pack_ref(folder, ref)}"


def _pack_ref(folder: Path, ref: str) -> str:
    """A pack reference in a config file: a built-in name stays, a path is resolved against
    the file's folder."""
    candidate = folder / ref
    return _relative(candidate) if candidate.exists() else ref


def _relative(path: Path) -> str:
    """`path` relative to the working directory when it is below it (reports stay portable)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return os.path.relpath(path.resolve()).replace(os.sep, "/")

"""Parse untrusted YAML while keeping every value's position.

Only `yaml.SafeLoader` semantics are used.  Anchors and aliases are refused (they allow
exponential "billion laughs" documents and are never needed in a rule pack), duplicate keys are
errors rather than silently last-wins, and files over `MAX_BYTES` are refused before parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from collectlint.errors import Problem, RuleFileError
from collectlint.model import Span

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (same semantics, several times faster)."""


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """Safe loading, with dates and times left as the text they are written as.

    YAML 1.1 reads an unquoted `2026-12-31` as a date (and `2026-02-30` as an error deep in the
    constructor); a rule file's values are text to validate, so they stay text and a bad date
    is reported by the schema or the field's own check, at its position.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}
_LOADER = _Loader

MAX_BYTES = 2 * 1024 * 1024
"""Largest rule or case file accepted; real packs are a few kilobytes."""


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A parsed document: plain data plus the node tree that knows where each value came from."""

    path: str
    data: Any
    root: yaml.Node
    problems: tuple[Problem, ...] = ()
    """Problems that do not stop parsing (duplicate keys), reported with the file's others."""

    def span(self, location: Sequence[str | int], *, key: bool = False) -> Span:
        """Return the position of the value at `location` (or of its key when `key`).

        Walks as deep as the path exists, so a missing key points at its parent mapping.
        """
        node = self.root
        mark = node.start_mark
        for part in location:
            found = _child(node, part)
            if found is None:
                break
            key_node, node = found
            mark = key_node.start_mark if key and key_node is not None else node.start_mark
        return Span(self.path, mark.line + 1, mark.column + 1)


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None


def _mark_span(path: str, mark: Any) -> Span | None:
    return Span(path, mark.line + 1, mark.column + 1) if mark is not None else None


def parse_text(text: str, path: str) -> YamlDoc:
    """Parse one YAML document from `text`, reporting syntax problems at file:line:col."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise RuleFileError(f"{path}: file is larger than {MAX_BYTES} bytes", ())
    problems = _scan_events(text, path)
    if problems:
        raise RuleFileError(f"{path}: invalid YAML", tuple(problems))
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise RuleFileError(
                f"{path}: file is empty", (Problem("empty document", Span(path, 1)),)
            )
        problems = _duplicate_keys(root, path)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleFileError(
            f"{path}: invalid YAML",
            (Problem(str(getattr(exc, "problem", exc)), _mark_span(path, mark)),),
        ) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a value no constructor takes
        raise RuleFileError(
            f"{path}: invalid YAML", (Problem(f"unreadable value: {exc}"),)
        ) from None
    finally:
        loader.dispose()
    return YamlDoc(path, data, root, tuple(problems))


def load_mapping(text: str, path: str, first_line: int = 1) -> Any:
    """Plain data from a small YAML text (front matter), with the same safe loader; syntax
    problems are reported at `path:line:col`, counting lines from `first_line`."""
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        column = (mark.column + 1) if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise RuleFileError(f"{path}:{line}:{column}: {problem}") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        raise RuleFileError(f"{path}:{first_line}:1: unreadable value: {exc}") from None


def parse_file(path: Path, display: str) -> YamlDoc:
    """Read and parse a YAML file; `display` is the relative path used in messages."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RuleFileError(f"{display}: file is larger than {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"{display}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"{display}: not UTF-8 text ({exc.reason})") from None
    return parse_text(text, display)


def _scan_events(text: str, path: str) -> list[Problem]:
    """Refuse anchors/aliases, multiple documents and syntax errors before building nodes."""
    problems: list[Problem] = []
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problems.append(
                    Problem(
                        "anchors and aliases are not allowed", _mark_span(path, event.start_mark)
                    )
                )
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    problems.append(
                        Problem(
                            "only one YAML document per file", _mark_span(path, event.start_mark)
                        )
                    )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(str(getattr(exc, "problem", None) or exc), _mark_span(path, mark)))
    return problems


def _duplicate_keys(root: yaml.Node, path: str) -> list[Problem]:
    problems: list[Problem] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for key_node, value_node in node.value:
                name = str(key_node.value)
                if name in seen:
                    first = seen[name].start_mark.line + 1
                    problems.append(
                        Problem(
                            f"duplicate key {name!r} (first defined on line {first})",
                            _mark_span(path, key_node.start_mark),
                        )
                    )
                else:
                    seen[name] = key_node
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(problems, key=lambda p: p.span or Span(path, 0))

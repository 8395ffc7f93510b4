"""Rule checks a JSON Schema cannot express: filter fields and their values.

Each returns positioned problems for `loading.packs` to report with the file's others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collectlint.errors import Problem
from collectlint.vocabulary import ENUMERATED, FILTER_FIELDS
from collectlint.yamldoc import YamlDoc


def check_filter(
    doc: YamlDoc,
    flt: Mapping[str, Any],
    where: Sequence[str | int],
    declared: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Filter fields must be event fields (or columns the pack `declared` in `fields:`);
    values of enumerated fields must be known values."""
    if not isinstance(flt, Mapping):
        return [Problem("expected a mapping of event fields to conditions", doc.span(where))]
    problems = []
    for name, condition in flt.items():
        if name not in FILTER_FIELDS and name not in declared:
            problems.append(
                Problem(
                    f"unknown event field {name!r} in filter "
                    f"(fields: {', '.join(sorted(FILTER_FIELDS | declared))}; a column of "
                    "your own log can be tested once the pack lists it in `fields:`)",
                    doc.span([*where, name], key=True),
                )
            )
            continue
        if not _is_condition(condition):
            problems.append(
                Problem(
                    f"filter {name!r}: expected a value, a list of values, {{not: ...}} or "
                    "{present: true|false}",
                    doc.span([*where, name]),
                )
            )
            continue
        allowed = ENUMERATED.get(name)
        if allowed is None:
            continue
        values: list[str] = []
        if isinstance(condition, str):
            values = [condition]
        elif isinstance(condition, list):
            values = condition
        elif isinstance(condition, dict) and "not" in condition:
            banned = condition["not"]
            values = [banned] if isinstance(banned, str) else list(banned)
        for value in values:
            if value not in allowed:
                problems.append(
                    Problem(
                        f"unknown {name} {value!r} (expected one of: {', '.join(sorted(allowed))})",
                        doc.span([*where, name]),
                    )
                )
    return problems


def _is_condition(condition: Any) -> bool:
    """A value, a list of values, or a mapping of `not` (value or list) and `present` (bool)."""
    if isinstance(condition, str):
        return True
    if isinstance(condition, list):
        return bool(condition) and all(isinstance(v, str) for v in condition)
    if not isinstance(condition, Mapping) or not condition or set(condition) - {"not", "present"}:
        return False
    banned = condition.get("not", "")
    values = [banned] if isinstance(banned, str) else banned
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return False
    return isinstance(condition.get("present", True), bool)


FILTER_PARAMS = ("trigger", "opened_by", "closed_by", "except", "requires")
"""Parameters of the kinds that hold a filter or a list of filters."""


def check_param_filters(
    doc: YamlDoc,
    params: Mapping[str, Any],
    where: list[str | int],
    declared: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Filters nested in params (`FILTER_PARAMS`, each a filter or a list of filters), and
    `after`/`until` of each exemption."""
    problems = []
    for name in FILTER_PARAMS:
        value = params.get(name)
        if isinstance(value, dict):
            problems += check_filter(doc, value, [*where, name], declared)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    problems += check_filter(doc, item, [*where, name, index], declared)
    exempt = params.get("exempt")
    for index, item in enumerate(exempt if isinstance(exempt, list) else ()):
        for part in ("after", "until"):
            if isinstance(item, dict) and isinstance(item.get(part), dict):
                problems += check_filter(doc, item[part], [*where, "exempt", index, part], declared)
    return problems


def filter_fields(where: Mapping[str, Any], params: Mapping[str, Any]) -> frozenset[str]:
    """Every event field a rule's filters test (its `where:` and those in its params)."""
    names = set(where)
    for name in FILTER_PARAMS:
        value = params.get(name)  # a frozen spec holds tuples where the file had lists
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, Mapping):
                names |= set(item)
    for item in params.get("exempt") or ():
        for part in ("after", "until"):
            if isinstance(item, Mapping) and isinstance(item.get(part), Mapping):
                names |= set(item[part])
    return frozenset(names)

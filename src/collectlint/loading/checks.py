"""Rule checks a JSON Schema cannot express: filter fields and their values.

Each returns positioned problems for `loading.packs` to report with the file's others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collectlint.errors import Problem
from collectlint.vocabulary import ENUMERATED, FILTER_FIELDS
from collectlint.yamldoc import YamlDoc


def check_filter(doc: YamlDoc, flt: Mapping[str, Any], where: Sequence[str | int]) -> list[Problem]:
    """Filter fields must be event fields; values of enumerated fields must be known values."""
    problems = []
    for name, condition in flt.items():
        if name not in FILTER_FIELDS:
            problems.append(
                Problem(
                    f"unknown event field {name!r} in filter "
                    f"(fields: {', '.join(sorted(FILTER_FIELDS))})",
                    doc.span([*where, name], key=True),
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


def check_param_filters(
    doc: YamlDoc, params: Mapping[str, Any], where: list[str | int]
) -> list[Problem]:
    """Filters nested in params: `trigger`, and `after`/`until` of each exemption."""
    problems = []
    if isinstance(params.get("trigger"), dict):
        problems += check_filter(doc, params["trigger"], [*where, "trigger"])
    exempt = params.get("exempt")
    for index, item in enumerate(exempt if isinstance(exempt, list) else ()):
        for part in ("after", "until"):
            if isinstance(item, dict) and isinstance(item.get(part), dict):
                problems += check_filter(doc, item[part], [*where, "exempt", index, part])
    return problems

"""JSON Schema validation whose every error points at `file:line:col`.

jsonschema reports where in the *data* an error is (`absolute_path`); `YamlDoc.span` maps that
back to the YAML node, so a user sees the line to fix.  Messages are reworded for people who
write YAML, not JSON Schema.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from collectlint.errors import Problem
from collectlint.yamldoc import YamlDoc

if TYPE_CHECKING:
    import jsonschema

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def load_schema(name: str) -> Mapping[str, Any]:
    """Load a JSON Schema shipped in `collectlint/loading/schemas/`."""
    text = resources.files("collectlint.loading").joinpath("schemas", name).read_text("utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema  # the schemas themselves are checked by the test suite


def validate(
    doc: YamlDoc, instance: Any, schema: Mapping[str, Any], base: Sequence[str | int] = ()
) -> list[Problem]:
    """Validate `instance` (found at `base` inside `doc`) and return positioned problems."""
    import jsonschema  # imported here: a tenth of a second, and built-in packs never need it

    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in validator.iter_errors(instance):
        for leaf in _leaves(error):
            problems.append(_problem(doc, leaf, [*base, *leaf.absolute_path]))
    unique = {(str(p.span), p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.span is None, p.span, p.message))


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For `oneOf`/`anyOf`, report the alternative that got furthest rather than 'not valid'."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        if deepest > len(error.absolute_path):
            return [e for e in error.context if len(e.absolute_path) == deepest][:1]
    return [error]


def _problem(doc: YamlDoc, error: jsonschema.ValidationError, path: list[str | int]) -> Problem:
    validator = error.validator
    instance = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    value: Any = error.validator_value
    if validator == "additionalProperties" and isinstance(instance, Mapping):
        known = list(schema.get("properties", {}))
        extra = sorted(str(k) for k in instance if k not in known)
        name = extra[0] if extra else "?"
        close = difflib.get_close_matches(name, known, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else f"; allowed: {', '.join(known)}"
        return Problem(f"unknown key {name!r}{suggestion}", doc.span([*path, name], key=True))
    span = doc.span(path)
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
        return Problem(f"missing required key {missing!r}", span)
    if validator == "type":
        names: list[str] = [value] if isinstance(value, str) else list(value)
        expected = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        got = type(instance).__name__
        hint = ""
        if isinstance(instance, int) and not isinstance(instance, bool) and "string" in names:
            hint = " (quote it: YAML reads unquoted 08:00 as a number)"
        return Problem(f"expected {expected}, got {got} {instance!r}{hint}", span)
    if validator == "enum":
        allowed = ", ".join(str(v) for v in value)
        return Problem(f"{instance!r} is not one of: {allowed}", span)
    if validator == "pattern":
        described = schema.get("description", f"pattern {value}")
        return Problem(f"{instance!r} is not valid: expected {described}", span)
    return Problem(str(error.message), span)

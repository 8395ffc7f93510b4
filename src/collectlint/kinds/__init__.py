"""The reviewed set of rule kinds.  Rules are data (YAML); kinds are this code.

`KINDS` maps a kind name to its compiler and `PARAMS_SCHEMAS` to the JSON Schema its `params:`
must satisfy.  Adding a kind means adding a module here and listing it explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from collectlint.kinds import cooldown, frequency, hours, wording
from collectlint.kinds.base import CompiledRule
from collectlint.model import RuleSpec

KINDS: Mapping[str, Callable[[RuleSpec], CompiledRule]] = {
    "cooldown": cooldown.Cooldown.compile,
    "frequency": frequency.Frequency.compile,
    "hours": hours.Hours.compile,
    "wording": wording.Wording.compile,
}

PARAMS_SCHEMAS: Mapping[str, Mapping[str, Any]] = {
    "cooldown": cooldown.PARAMS_SCHEMA,
    "frequency": frequency.PARAMS_SCHEMA,
    "hours": hours.PARAMS_SCHEMA,
    "wording": wording.PARAMS_SCHEMA,
}


def compile_rule(spec: RuleSpec) -> CompiledRule:
    """Compile a validated spec with its kind (the kind was checked at load time)."""
    return KINDS[spec.kind](spec)

"""Render a rule's message template for every finding at once, as a Polars expression.

Templates use `{name}` placeholders (validated when the pack is loaded) and `{{`/`}}` for
literal braces.  Event fields come from the finding's event; constants such as `{limit}` come
from the rule's parameters.
"""

from __future__ import annotations

import re

import polars as pl

from collectlint.kinds import compile_rule
from collectlint.model import RuleSpec

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")

_COLUMNS = {
    "event": "id",
    "account": "account",
    "person": "person",
    "channel": "channel",
    "party": "party",
    "direction": "direction",
    "outcome": "outcome",
    "jurisdiction": "jurisdiction",
    "kind": "kind",
    "zone": "zone",
    "local_time": "local_time",
    "category": "category",
    "quote": "quote",
}


def _field(name: str, spec: RuleSpec, constants: dict[str, str]) -> pl.Expr:
    if name in constants:
        return pl.lit(constants[name])
    if name == "rule":
        return pl.lit(spec.rule_id)
    if name == "count":
        return pl.col("count").cast(pl.String)
    if name == "time":
        return pl.from_epoch("ts", time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return pl.col(_COLUMNS[name])


def message_expr(spec: RuleSpec) -> pl.Expr:
    """The finding message for `spec`, one string per row (missing values print as '?')."""
    constants = dict(compile_rule(spec).template_values())
    parts: list[pl.Expr] = []
    pos = 0
    for match in _TOKEN.finditer(spec.message):
        if match.start() > pos:
            parts.append(pl.lit(spec.message[pos : match.start()]))
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(pl.lit(token[0]))
        else:
            parts.append(_field(match.group(1), spec, constants).fill_null("?"))
        pos = match.end()
    if pos < len(spec.message):
        parts.append(pl.lit(spec.message[pos:]))
    return pl.concat_str(parts) if parts else pl.lit("")

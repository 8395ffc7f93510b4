"""Rule messages: a template compiled once per rule, rendered for every finding at once.

Templates use `{name}` placeholders and `{{`/`}}` for literal braces.  Event fields come from
the finding's event (`FIELDS`); constants such as `{limit}` come from the rule's kind.  A
placeholder that names neither is an error at the message's position in the rule file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")

FIELDS: frozenset[str] = frozenset(
    {
        "rule",
        "event",
        "account",
        "person",
        "channel",
        "party",
        "direction",
        "outcome",
        "jurisdiction",
        "kind",
        "count",
        "time",
        "local_time",
        "zone",
        "category",
        "quote",
    }
)
"""Placeholders every message may use; kinds add their own constants (e.g. `{limit}`)."""


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a message: literal text, or a placeholder naming a finding field."""

    text: str
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A compiled message template."""

    template: str
    parts: tuple[Part, ...]

    @classmethod
    def compile(cls, template: str, constants: Mapping[str, str]) -> tuple[Message, list[str]]:
        """Compile `template`; constants are substituted now.  Returns the message and the
        unknown placeholders (empty when the template is valid)."""
        parts: list[Part] = []
        unknown: list[str] = []
        pos = 0
        for match in _TOKEN.finditer(template):
            if match.start() > pos:
                parts.append(Part(template[pos : match.start()]))
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(Part(token[0]))
            elif (name := match.group(1)) in constants:
                parts.append(Part(constants[name]))
            elif name in FIELDS:
                parts.append(Part(name, placeholder=True))
            else:
                unknown.append(name)
            pos = match.end()
        if pos < len(template):
            parts.append(Part(template[pos:]))
        return cls(template, tuple(parts)), unknown

    def expr(self, field: Callable[[str], pl.Expr]) -> pl.Expr:
        """The message for every row; `field(name)` gives a placeholder's column (missing
        values print as '?')."""
        exprs = [
            field(p.text).cast(pl.String).fill_null("?") if p.placeholder else pl.lit(p.text)
            for p in self.parts
        ]
        return pl.concat_str(exprs) if exprs else pl.lit("")

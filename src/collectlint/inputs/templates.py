"""Message templates: YAML front matter plus a body with Jinja placeholders and conditionals.

A template is checked as every text it can render.  `{{ expression }}` becomes an opaque token
(a private-use character that is neither a letter nor punctuation, so it never joins or forms a
matched word); `{# comments #}` and other statement tags (`{% set %}`, `{% for %}`) are dropped;
each `{% if %}` / `{% elif %}` / `{% else %}` / `{% endif %}` block contributes one branch per
variant (an `if` without `else` also renders as nothing).  Up to `MAX_VARIANTS` combinations are
enumerated; beyond that, variants are chosen so every branch still appears at least once.
Every rendered character keeps its offset in the file, so findings point at `file:line:col`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError, RuleFileError
from collectlint.model import Span
from collectlint.vocabulary import CATEGORICAL, COLUMNS
from collectlint.yamldoc import parse_text

MAX_VARIANTS = 256
MAX_TEMPLATE_BYTES = 1024 * 1024
OPAQUE = "\ue000"
"""Stands in for a placeholder's value: private use (category Co), never part of a word."""

EXTENSIONS = (".txt", ".md", ".html", ".htm", ".j2", ".jinja", ".jinja2")

_TAG = re.compile(r"\{\{.*?\}\}|\{%-?\s*(\w+)?.*?-?%\}|\{#.*?#\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Variant:
    """One rendering: its text, each character's offset in the file, and the choices made."""

    text: str
    origin: tuple[int, ...]
    choices: str


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template file."""

    path: str
    meta: Mapping[str, str]
    source: str
    body_offset: int
    variants: tuple[Variant, ...]
    spans: Mapping[str, Span] = field(default_factory=dict)
    """Where each front-matter value is written."""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset in the file."""
        line = self.source.count("\n", 0, offset) + 1
        column = offset - (self.source.rfind("\n", 0, offset) + 1) + 1
        return line, column


@dataclass
class _Block:
    """A conditional: its branches, each a list of nodes."""

    label: str
    branches: list[list[Any]] = field(default_factory=list)
    has_else: bool = False


def _split_front_matter(text: str, path: str) -> tuple[dict[str, str], dict[str, Span], int]:
    """The front matter's values, where each key is written, and where the body starts."""
    if not text.startswith("---"):
        return {}, {}, 0
    end = text.find("\n---", 3)
    if end < 0:
        raise InputError(f"{path}:1:1: front matter starts with --- but never ends")
    try:
        # the text starts on the line of the opening ---, so its lines are the file's
        doc = parse_text(text[3:end] or "{}", path) if text[3:end].strip() else None
    except RuleFileError as exc:
        located = "; ".join(str(p) for p in exc.problems) or exc.message
        raise InputError(f"{located} (in the front matter)") from None
    meta = doc.data if doc is not None else {}
    if not isinstance(meta, dict):
        raise InputError(f"{path}:2:1: front matter must be a mapping")
    for value in meta.values():
        if isinstance(value, dict | list):
            raise InputError(f"{path}:2:1: front-matter values are single words or numbers")
    spans = {str(k): doc.span([str(k)]) for k in meta} if doc is not None else {}
    close = text.find("\n", end + 4)
    body = len(text) if close < 0 else close + 1
    return {str(k): str(v) for k, v in meta.items()}, spans, body


def _at(text: str, path: str, offset: int) -> str:
    """`path:line:col` of a character offset in `text`."""
    line = text.count("\n", 0, offset) + 1
    return f"{path}:{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _parse(text: str, start: int, path: str) -> list[Any]:
    """Nodes: (text, offset) pieces, OPAQUE tokens and _Block conditionals."""
    root: list[Any] = []
    stack: list[tuple[_Block, list[Any]]] = []
    opened: list[int] = []  # where each open {% if %} starts
    current = root
    pos = start
    for match in _TAG.finditer(text, start):
        if match.start() > pos:
            current.append((text[pos : match.start()], pos))
        token, keyword = match.group(0), match.group(1)
        if token.startswith("{{"):
            current.append((OPAQUE, match.start()))
        elif token.startswith("{%") and keyword == "if":
            block = _Block(token)
            block.branches.append([])
            current.append(block)
            stack.append((block, current))
            opened.append(match.start())
            current = block.branches[-1]
        elif token.startswith("{%") and keyword in ("elif", "else"):
            if not stack:
                where = _at(text, path, match.start())
                raise InputError(f"{where}: {{% {keyword} %}} without {{% if %}}")
            block = stack[-1][0]
            block.has_else = block.has_else or keyword == "else"
            block.branches.append([])
            current = block.branches[-1]
        elif token.startswith("{%") and keyword == "endif":
            if not stack:
                where = _at(text, path, match.start())
                raise InputError(f"{where}: {{% endif %}} without {{% if %}}")
            _, current = stack.pop()
            opened.pop()
        pos = match.end()
    if pos < len(text):
        current.append((text[pos:], pos))
    if stack:
        where = _at(text, path, opened[-1])
        raise InputError(f"{where}: {{% if %}} is never closed with {{% endif %}}")
    for block in _blocks(root):
        if not block.has_else:
            block.branches.append([])
    return root


def _blocks(nodes: list[Any]) -> list[_Block]:
    found = []
    for node in nodes:
        if isinstance(node, _Block):
            found.append(node)
            for branch in node.branches:
                found.extend(_blocks(branch))
    return found


def _render(nodes: list[Any], choice: Mapping[int, int]) -> tuple[list[str], list[int], list[str]]:
    chars: list[str] = []
    origin: list[int] = []
    labels: list[str] = []
    for node in nodes:
        if isinstance(node, _Block):
            pick = choice.get(id(node), 0)
            labels.append(f"{node.label.strip()} -> branch {pick + 1}")
            sub_chars, sub_origin, sub_labels = _render(node.branches[pick], choice)
            chars += sub_chars
            origin += sub_origin
            labels += sub_labels
        else:
            piece, offset = node
            chars += list(piece)
            origin += (
                [offset] * len(piece) if piece == OPAQUE else range(offset, offset + len(piece))
            )
    return chars, origin, labels


def _choices(blocks: list[_Block]) -> list[dict[int, int]]:
    sizes = [len(b.branches) for b in blocks]
    total = 1
    for size in sizes:
        total *= size
    if total <= MAX_VARIANTS:
        return [
            {id(b): pick for b, pick in zip(blocks, combo, strict=True)}
            for combo in itertools.product(*(range(s) for s in sizes))
        ]
    widest = max(sizes)  # every branch of every block appears in at least one variant
    return [{id(b): min(i, len(b.branches) - 1) for b in blocks} for i in range(widest)]


def read_template(path: Path, display: str) -> Template:
    """Parse a template file into its front matter and every variant it can render."""
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise InputError(f"{display}: template larger than {MAX_TEMPLATE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{display}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{display}: not UTF-8 text") from None
    meta, spans, body = _split_front_matter(text, display)
    nodes = _parse(text, body, display)
    variants = []
    seen = set()
    for choice in _choices(_blocks(nodes)):
        chars, origin, labels = _render(nodes, choice)
        rendered = "".join(chars)
        if rendered in seen:
            continue
        seen.add(rendered)
        variants.append(Variant(rendered, tuple(origin), "; ".join(labels)))
    return Template(display, meta, text, body, tuple(variants), spans)


def template_frame(templates: Sequence[Template], ts_us: int) -> pl.DataFrame:
    """Every rendering of `templates` as an outbound message event (columns as in an
    `EventTable`), with the channel, party, direction and jurisdiction of its front matter.

    A template is about no account and is sent at no particular time: `account` is empty and
    the event time is the run's `as_of`; only rules that read text apply to it.
    """
    records: dict[str, list[Any]] = {name: [] for name in (*COLUMNS, C.SOURCE, C.ROW)}
    for index, template in enumerate(templates):
        meta = template.meta
        for number, variant in enumerate(template.variants, start=1):
            values: dict[str, Any] = dict.fromkeys(COLUMNS)
            values.update(
                id=template.path,
                party=meta.get("party", "debtor"),
                channel=meta["channel"],
                direction=meta.get("direction", "outbound"),
                jurisdiction=(meta.get("jurisdiction") or "").strip().upper() or None,
                body=variant.text,
                kind="contact",
            )
            values |= {C.SOURCE: index, C.ROW: number}
            for name, value in values.items():
                records[name].append(value)
    schema: dict[str, pl.DataType] = {name: pl.String() for name in COLUMNS}
    schema |= {C.SOURCE: pl.UInt16(), C.ROW: pl.Int64()}
    frame = pl.DataFrame(records, schema=schema)
    return frame.drop("time").with_columns(
        pl.col(list(CATEGORICAL)).cast(pl.Categorical),
        pl.lit(ts_us, dtype=pl.Int64).alias(C.TS),
        pl.lit(None, dtype=pl.Categorical).alias(C.ZONE),
        *(pl.lit(None, dtype=pl.Categorical).alias(c) for c in C.LOCATED),
        pl.lit(None, dtype=pl.String).alias(C.PERSON),
        pl.lit(None, dtype=pl.String).alias(C.REASON),
        pl.lit(None, dtype=pl.Categorical).alias(C.CODE),
    )

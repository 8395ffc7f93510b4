"""`lint()`: check message templates (not logs) against the text rules of rule packs.

Each template renders to one or more variants (see `inputs.templates`); each variant is an
outbound message event with the channel, party and jurisdiction its front matter names, checked
through the same pipeline as a log.  Findings point at the template's `file:line:col`; a missing
required phrase points at the start of the body and names the branch choices of the variant
that lacks it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from collectlint import pipeline
from collectlint.api import load_packs, settings_of
from collectlint.errors import InputError
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.lines import LineMap
from collectlint.inputs.table import EventTable, InputSource
from collectlint.inputs.templates import EXTENSIONS, Template, read_template, template_frame
from collectlint.loading.packs import Pack
from collectlint.model import CheckOptions, Role
from collectlint.report import Report
from collectlint.selection import select_rules
from collectlint.vocabulary import ENUMERATED

_META_FIELDS = ("channel", "party", "direction", "jurisdiction", "language", "id", "description")


def template_files(paths: Sequence[str | Path]) -> list[Path]:
    """Expand directories into the template files they hold (sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in EXTENSIONS)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{raw}: no such file or directory")
    return files


def _check_meta(template: Template) -> None:
    def at(key: str) -> str:
        span = template.spans.get(key)
        return str(span) if span is not None else f"{template.path}:1:1"

    for key in template.meta:
        if key not in _META_FIELDS:
            raise InputError(
                f"{at(key)}: unknown front-matter key {key!r} (allowed: {', '.join(_META_FIELDS)})"
            )
    if "channel" not in template.meta:
        raise InputError(f"{template.path}:1:1: front matter must name the template's channel")
    for key in ("channel", "party", "direction"):
        value = template.meta.get(key)
        if value is not None and value not in ENUMERATED[key]:
            allowed = ", ".join(sorted(ENUMERATED[key]))
            raise InputError(f"{at(key)}: {key} {value!r} is not one of: {allowed}")


def _text_rules_only(packs: Sequence[Pack]) -> list[Pack]:
    return [
        dataclasses.replace(pack, rules=tuple(r for r in pack.rules if r.check.reads_text))
        for pack in packs
    ]


def lint(
    paths: Sequence[str | Path],
    *,
    options: CheckOptions | None = None,
    rules: Sequence[str] | None = None,
    as_of: datetime | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    severity: Mapping[str, str] | None = None,
    waivers: str | None = None,
    baseline: str | None = None,
) -> Report:
    """Check templates (files or directories) against the text rules of the packs.

    The keyword arguments mean what they mean for `check()` and take precedence over
    `options`; the report's `as_of` is when the templates are judged: by default the day the
    newest of the selected rules takes effect (so that every rule still in force then judges
    them; the epoch when no rule has a date).
    """
    given = {
        "rules": None if rules is None else tuple(rules),
        "as_of": as_of,
        "select": None if select is None else tuple(select),
        "ignore": None if ignore is None else tuple(ignore),
        "severity": severity,
        "waivers": waivers,
        "baseline": baseline,
    }
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    opts = dataclasses.replace(options or CheckOptions(), **changes)
    packs = select_rules(
        _text_rules_only(load_packs(opts.rules)), opts.select, opts.ignore, opts.severity
    )
    moment = (opts.as_of or _newest_law(packs)).astimezone(UTC)
    templates = []
    for file in template_files(paths):
        template = read_template(file, file.as_posix())
        _check_meta(template)
        templates.append(template)
    ts_us = (moment - pipeline.EPOCH) // timedelta(microseconds=1)
    sources = tuple(_source(t) for t in templates)
    events = EventTable(template_frame(templates, ts_us), sources, tuple(templates))
    as_of_given = opts.as_of is not None
    settings = dataclasses.replace(settings_of(opts), as_of=moment, as_of_given=as_of_given)
    return pipeline.run(events, packs, settings)


def _newest_law(packs: Sequence[Pack]) -> datetime:
    """Noon UTC on the latest `effective_from` of the packs' rules (the epoch if none)."""
    days = [r.spec.effective_from for p in packs for r in p.rules if r.spec.effective_from]
    if not days:
        return pipeline.EPOCH
    # noon UTC: the same date in every zone from UTC-12 to UTC+11
    return datetime.combine(max(days), time(12), tzinfo=UTC)


def _source(template: Template) -> InputSource:
    """A template as an input: its renderings are its rows, all starting where its body does."""
    digest = hashlib.sha256(template.source.encode("utf-8")).hexdigest()
    body_line = template.position(template.body_offset)[0]
    lines = LineMap.of([body_line] * len(template.variants))
    return InputSource(
        template.path,
        Role.TEMPLATE,
        len(template.variants),
        "template",
        Deferred.now(digest),
        Deferred.now(lines),
    )

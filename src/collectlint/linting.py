"""`lint()`: check message templates (not logs) against the wording rules of rule packs.

Each template renders to one or more variants (see `inputs.templates`); each variant is checked
as an outbound message with the channel, party and jurisdiction its front matter names.  Findings
point at the template's `file:line:col`; a missing required phrase points at the start of the
body and names the branch choices of the variant that lacks it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from collectlint import __version__
from collectlint.api import fingerprint, load_packs, violations_from
from collectlint.engine import evaluate
from collectlint.errors import InputError
from collectlint.findings import counts as finding_counts
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.readers import RawLog
from collectlint.inputs.templates import EXTENSIONS, Template, read_template
from collectlint.loading.packs import Pack
from collectlint.model import CheckOptions, InputFile, Report, Summary, Violation
from collectlint.selection import select_rules
from collectlint.suppress import apply as apply_suppressions
from collectlint.suppress import load_baseline, load_waivers
from collectlint.vocabulary import COLUMNS, ENUMERATED

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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
    for key in template.meta:
        if key not in _META_FIELDS:
            raise InputError(
                f"{template.path}: unknown front-matter key {key!r} "
                f"(allowed: {', '.join(_META_FIELDS)})"
            )
    if "channel" not in template.meta:
        raise InputError(f"{template.path}:1:1: front matter must name the template's channel")
    for key in ("channel", "party", "direction"):
        value = template.meta.get(key)
        if value is not None and value not in ENUMERATED[key]:
            allowed = ", ".join(sorted(ENUMERATED[key]))
            raise InputError(f"{template.path}: {key} {value!r} is not one of: {allowed}")


def _rows(template: Template, as_of: datetime) -> list[dict[str, str | None]]:
    meta = template.meta
    rows = []
    for index, variant in enumerate(template.variants):
        row: dict[str, str | None] = dict.fromkeys(COLUMNS)
        row.update(
            id=f"{template.path}#{index + 1}",
            time=as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
            account=template.path,
            party=meta.get("party", "debtor"),
            to="template" if meta.get("party", "debtor") != "debtor" else None,
            channel=meta["channel"],
            direction=meta.get("direction", "outbound"),
            timezone="UTC",
            jurisdiction=meta.get("jurisdiction"),
            body=variant.text,
            kind="contact",
        )
        rows.append(row)
    return rows


def _wording_only(packs: Sequence[Pack]) -> list[Pack]:
    return [
        dataclasses.replace(pack, rules=tuple(r for r in pack.rules if r.kind == "wording"))
        for pack in packs
    ]


def lint(
    paths: Sequence[str | Path], options: CheckOptions | None = None, **overrides: Any
) -> Report:
    """Check templates (files or directories) against the wording rules of the packs.

    `options` as for `check()` (rules, select, ignore, severity, waivers, baseline, as_of);
    keyword arguments override its fields.
    """
    opts = dataclasses.replace(options or CheckOptions(), **overrides)
    moment = (opts.as_of or _EPOCH).astimezone(UTC)
    packs = select_rules(
        _wording_only(load_packs(opts.rules)), opts.select, opts.ignore, opts.severity
    )
    waivers = load_waivers(opts.waivers) if opts.waivers else ()
    baseline = load_baseline(opts.baseline) if opts.baseline else frozenset()
    templates = []
    for file in template_files(paths):
        template = read_template(file, file.as_posix())
        _check_meta(template)
        templates.append(template)
    rows = [row for t in templates for row in _rows(t, moment)]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String))
    table = build_events([RawLog("templates", "", frame)], ReadOptions())
    result = evaluate(table, packs)
    specs = tuple(s for p in packs for s in p.rules)
    found = violations_from(result.findings, result.table, specs, show_pii=False)
    placed = _positioned(found, {t.path: t for t in templates})
    violations, notes = apply_suppressions(placed, waivers, baseline, moment)
    by_rule, by_severity, suppressed = finding_counts(violations)
    return Report(
        tool_version=__version__,
        as_of=moment,
        inputs=tuple(
            InputFile(t.path, hashlib.sha256(t.source.encode("utf-8")).hexdigest(), len(t.variants))
            for t in templates
        ),
        packs=tuple(p.info for p in packs),
        rules=specs,
        violations=violations,
        rejected=(),
        summary=Summary(
            events_read=len(rows),
            events_checked=len(rows),
            events_rejected=0,
            events_out_of_scope=int(result.table.filter(pl.col("_packs") == 0).height),
            violations=len(violations) - suppressed,
            by_rule={s.rule_id: by_rule.get(s.rule_id, 0) for s in specs},
            suppressed=suppressed,
            by_severity=by_severity,
        ),
        notes=notes,
    )


def _positioned(
    found: Sequence[Violation], templates: dict[str, Template]
) -> tuple[Violation, ...]:
    """Point each finding at its template position; one finding per rule and position."""
    unique: dict[tuple[str, str, int, int, str], Violation] = {}
    for v in found:
        path, _, number = v.event.rpartition("#")
        template = templates[path]
        variant = template.variants[int(number) - 1]
        if v.start is not None and v.end is not None:
            offset = variant.origin[v.start]
            quote: str | None = template.source[offset : variant.origin[v.end - 1] + 1]
        else:
            offset, quote = template.body_offset, v.quote
        line, column = template.position(min(offset, len(template.source)))
        evidence = (variant.choices,) if variant.choices and v.start is None else ()
        placed = v._replace(
            event=path,
            account="",
            person="",
            path=path,
            row=line,
            column=column,
            quote=quote,
            evidence=evidence,
            fingerprint=fingerprint(v.rule, path, v.category, quote or ""),
            local_time="",
            zone="",
        )
        unique.setdefault((v.rule, path, line, column, v.category), placed)
    return tuple(sorted(unique.values(), key=lambda v: (v.path, v.row, v.column, v.rule)))

"""The versioned JSON report (schema: `reporters/schemas/report-v2.schema.json`).

Keys are sorted and findings come pre-sorted from the `Report`, so the same input always gives
byte-identical output.  Times are UTC with a `Z`; paths are as the user gave them.  A finding's
keys are the fields of `model.Violation` (nested records such as `origin` as objects), encoded
by rules derived from the field types, once in Python (`violation_dict`) and once in Polars
(`violation_lines`); a test holds the two byte-equal.
"""

from __future__ import annotations

import enum
import functools
import json
import typing
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import polars as pl

from collectlint.findings import FIELDS, Field, Findings, fields_of, is_record
from collectlint.model import (
    FileDigest,
    InputFile,
    Rejection,
    RunContext,
    Severity,
    Tallies,
    Tally,
    Violation,
)
from collectlint.report import Report
from collectlint.reporters.common import utc_expr

SCHEMA_VERSION = 2


def _utc(moment: datetime) -> str:
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def _plain(value: Any, tp: Any) -> Any:
    """A field value as JSON-ready data, by its declared type."""
    convert = _converter(tp)
    return value if convert is None else convert(value)


Convert = typing.Callable[[Any], Any]


@functools.cache
def _converter(tp: Any) -> Convert | None:
    """The function making a value of type `tp` JSON-ready (None: it is already), built once
    per type: a report may hold hundreds of thousands of rejected rows, and testing each
    value's type again for each of them cost more than writing them."""
    if tp is Severity or (isinstance(tp, type) and issubclass(tp, enum.StrEnum)):
        return lambda v: None if v is None else str(v)
    if tp is datetime:
        return lambda v: None if v is None else _utc(v)
    if typing.get_origin(tp) is tuple:
        return lambda v: None if v is None else list(v)
    if is_record(tp):
        parts = [(f.name, i, _converter(f.type)) for i, f in enumerate(fields_of(tp))]

        def record(v: Any) -> dict[str, Any] | None:
            if v is None:
                return None
            return {name: v[i] if c is None else c(v[i]) for name, i, c in parts}

        return record
    return None


def violation_dict(v: Violation) -> dict[str, Any]:
    """One finding as JSON-ready data."""
    return {f.name: _plain(getattr(v, f.name), f.type) for f in FIELDS}


def rejection_dict(r: Rejection) -> dict[str, Any]:
    """One rejected row as JSON-ready data."""
    data: dict[str, Any] = _plain(r, Rejection)
    return data


_COMPACT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
"""One object per line, as `json.dumps(..., sort_keys=True, ensure_ascii=False,
separators=(",", ":"))` writes it, with one encoder for all of them (`json.dumps` with these
options builds a new encoder for every call)."""


def _expr(column: pl.Expr, field: Field) -> pl.Expr:
    """`_plain` for a whole column of `field`'s values."""
    tp = field.type
    if tp is Severity:
        names = {int(s): str(s) for s in Severity}
        return column.replace_strict(names, return_dtype=pl.String)
    if tp is datetime:
        return utc_expr(column)
    if is_record(tp):
        # a null record must stay `null`, and its fields must come out in sorted order
        inner = sorted(fields_of(tp), key=lambda f: f.name)
        record = pl.struct(_expr(column.struct.field(f.name), f).alias(f.name) for f in inner)
        return pl.when(column.is_not_null()).then(record)
    return column


def violation_lines(findings: Findings) -> pl.Series:
    """Every finding as one compact JSON object with sorted keys, encoded by Polars.

    Byte-for-byte `json.dumps(violation_dict(v), sort_keys=True, ensure_ascii=False,
    separators=(",", ":"))` for each finding, without building a Python object per finding: a
    report can hold hundreds of thousands.
    """
    return findings.frame.select(_encoded().alias("line")).to_series()


def _encoded() -> pl.Expr:
    """A finding's compact JSON object with sorted keys (see `violation_lines`)."""
    ordered = sorted(FIELDS, key=lambda f: f.name)
    return pl.struct(_expr(pl.col(f.name), f).alias(f.name) for f in ordered).struct.json_encode()


def as_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    data = _as_dict(report)
    if report.comparison is not None:
        from collectlint.reporters.comparison import as_dict as comparison_dict

        data["comparison"] = comparison_dict(report.comparison)
    return data


def _as_dict(report: Report) -> dict[str, Any]:
    s = report.summary
    versions = {p.name: p.version for p in report.packs}
    return {
        "version": SCHEMA_VERSION,
        "tool_version": report.tool_version,
        "as_of": _utc(report.as_of),
        "inputs": [_input(i) for i in report.inputs],
        "packs": [
            {
                "name": p.name,
                "title": p.title,
                "version": p.version,
                "jurisdiction": list(p.jurisdiction),
                "path": p.path,
                "effective_from": p.effective_from.isoformat() if p.effective_from else None,
                "effective_to": p.effective_to.isoformat() if p.effective_to else None,
                "files": [_digest(f) for f in p.files],
            }
            for p in report.packs
        ],
        "rules": [
            {
                "id": r.rule_id,
                "pack": r.pack,
                "pack_version": versions.get(r.pack, ""),
                "kind": r.kind,
                "severity": str(r.severity),
                "citation": r.citation,
                "url": r.url,
                "verification": r.verification,
                "effective_from": r.effective_from.isoformat() if r.effective_from else None,
                "effective_to": r.effective_to.isoformat() if r.effective_to else None,
            }
            for r in report.rules
        ],
        "summary": {
            "events_read": s.events_read,
            "events_checked": s.events_checked,
            "events_rejected": s.events_rejected,
            "events_out_of_scope": s.events_out_of_scope,
            "violations": s.violations,
            "by_rule": dict(s.by_rule),
            "by_severity": dict(s.by_severity),
            "suppressed": s.suppressed,
            "not_judged": dict(s.not_judged),
            "rows_read": s.rows_read,
            "rows_excluded": s.rows_excluded,
            "rows_deduplicated": s.rows_deduplicated,
        },
        "tallies": tallies_dict(report.tallies),
        "run": run_dict(report.context),
        "violations": [violation_dict(v) for v in report.violations],
        "rejected": [rejection_dict(r) for r in report.rejected],
        "notes": [
            {"severity": str(n.severity), "code": n.code, "message": n.message, "source": n.source}
            for n in report.notes
        ],
    }


def _digest(f: FileDigest) -> dict[str, str]:
    return {"role": f.role, "path": f.path, "sha256": f.sha256}


def run_dict(context: RunContext) -> dict[str, Any]:
    """How the run was asked for: the command line, each setting with its source, the files
    it depended on with their digests."""
    return {
        "command": list(context.command),
        "settings": [
            {"key": s.key, "value": s.value, "source": s.source} for s in context.settings
        ],
        "files": [_digest(f) for f in context.files],
        "as_of_given": context.as_of_given,
        "show_pii": context.show_pii,
    }


def _tally(t: Tally) -> dict[str, Any]:
    return {
        "key": t.key,
        "contacts": t.contacts,
        "findings": t.findings,
        "by_rule": dict(t.by_rule),
    }


def tallies_dict(tallies: Tallies) -> dict[str, Any]:
    """The checked contacts by channel, agency, agent, campaign, hour, day, week, account and
    pack, with their findings (the roll-ups the HTML and text reports chart)."""
    return {
        "contacts": tallies.contacts,
        "first": _utc(tallies.first) if tallies.first else None,
        "last": _utc(tallies.last) if tallies.last else None,
        "breakdowns": {
            name: {
                "distinct": b.distinct,
                "rows": [_tally(t) for t in b.rows],
                "others": _tally(b.others) if b.others else None,
            }
            for name, b in tallies.breakdowns.items()
        },
    }


def _input(i: InputFile) -> dict[str, Any]:
    """One input, with the profile that read it (name, version, file and SHA-256) if any."""
    out: dict[str, Any] = {"path": i.path, "sha256": i.sha256, "rows": i.rows, "role": str(i.role)}
    run = i.profile
    if run is not None:
        out["profile"] = {
            "name": run.name,
            "version": run.version,
            "path": run.path,
            "sha256": run.sha256,
            "rows_read": run.rows_read,
            "rows_deduplicated": run.rows_deduplicated,
            "rows_excluded": run.rows_excluded,
            "events_fanned_out": run.events_fanned_out,
            "excluded": dict(run.excluded),
            "rejected": dict(run.rejected),
        }
    return out


_ROWS = ("violations", "rejected")
"""Lists written one compact object per line: readable, diff-friendly, and fast to write
(Python's C JSON encoder is only used without indentation)."""


def render(report: Report) -> str:
    """Serialise `report` as JSON with sorted keys, one finding per line, and a final newline."""
    return "".join(render_parts(report))


CHUNK = 20_000
"""Findings encoded into one text piece at a time, in Polars (no Python string per finding)."""


def encoded_chunks(findings: Findings, separator: str) -> Iterator[str]:
    """The findings' JSON lines, `CHUNK` at a time, each chunk's lines joined by `separator`.

    Each chunk is encoded from `Findings.chunks` when it is asked for, so a report of millions
    of findings never holds more than one chunk of text at a time.
    """
    encoded = _encoded().str.join(separator)
    for chunk in findings.chunks(CHUNK):
        yield chunk.select(encoded).item()


def render_parts(report: Report) -> Iterator[str]:
    """`render(report)` as text pieces to write one after another, made as they are written.

    The findings of a large report run to hundreds of megabytes: they are encoded a chunk at
    a time (`encoded_chunks`) while the file is written, never held whole.
    """
    data = as_dict(_without_findings(report))
    keys = sorted(data)
    yield "{\n"
    for position, key in enumerate(keys):
        value = data[key]
        comma = "," if position < len(keys) - 1 else ""
        yield f"  {json.dumps(key)}: "
        if key == "violations" and len(report.violations):
            yield "[\n    "
            for index, chunk in enumerate(encoded_chunks(report.violations, ",\n    ")):
                yield ",\n    " + chunk if index else chunk
            yield f"\n  ]{comma}\n"
            continue
        if key in _ROWS and value:
            items = ",\n".join("    " + _COMPACT(item) for item in value)
            text = f"[\n{items}\n  ]"
        else:
            text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
            text = text.replace("\n", "\n  ")
        yield f"{text}{comma}\n"
    yield "}\n"


def render_lines(report: Report) -> Iterator[str]:
    """JSON Lines: one finding per line, each the same object as in the JSON report's
    `violations`, for logs whose findings run to millions (read with `pl.read_ndjson`, `jq`
    or Spark without parsing one document of gigabytes).  The summary, rejected rows and
    notes are in the JSON report; the exit code is the same as for every format."""
    for chunk in encoded_chunks(report.violations, "\n"):
        yield chunk + "\n"


def _without_findings(report: Report) -> Report:
    return replace(report, violations=Findings.empty())

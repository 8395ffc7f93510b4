"""The versioned JSON report (schema: `reporters/schemas/report-v1.schema.json`).

Keys are sorted and findings come pre-sorted from the `Report`, so the same input always gives
byte-identical output.  Times are UTC with a `Z`; paths are as the user gave them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import polars as pl

from collectlint.findings import Findings
from collectlint.model import Report, Severity, Suppression, Violation

SCHEMA_VERSION = 1


def _utc(moment: datetime) -> str:
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


_SEVERITY = {s: str(s) for s in Severity}


def violation_dict(v: Violation) -> dict[str, Any]:
    """One finding as JSON-ready data."""
    return {
        "rule": v.rule,
        "severity": _SEVERITY[v.severity],
        "event": v.event,
        "account": v.account,
        "person": v.person,
        "time": _utc(v.time),
        "local_time": v.local_time,
        "zone": v.zone,
        "message": v.message,
        "citation": v.citation,
        "evidence": list(v.evidence),
        "path": v.path,
        "row": v.row,
        "column": v.column,
        "category": v.category,
        "quote": v.quote,
        "start": v.start,
        "end": v.end,
        "fingerprint": v.fingerprint,
        "suppression": v.suppression._asdict() if v.suppression else None,
        "next_allowed_at": _utc(v.next_allowed_at) if v.next_allowed_at else None,
        "next_allowed_local": v.next_allowed_local or None,
    }


def _utc_expr(column: str) -> pl.Expr:
    """`_utc` for a column of UTC datetimes (seconds only when there are no microseconds)."""
    moment = pl.col(column)
    return (
        pl.when(moment.dt.microsecond() == 0)
        .then(moment.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .otherwise(moment.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    )


def violation_lines(findings: Findings) -> pl.Series:
    """Every finding as one compact JSON object with sorted keys, encoded by Polars.

    Byte-for-byte `json.dumps(violation_dict(v), sort_keys=True, ensure_ascii=False,
    separators=(",", ":"))` for each finding (a test holds it to that), without building a
    Python object per finding: a report can hold hundreds of thousands.
    """
    frame = findings.frame
    fields = {
        "account": pl.col("account"),
        "category": pl.col("category"),
        "citation": pl.col("citation"),
        "column": pl.col("column"),
        "end": pl.col("end"),
        "event": pl.col("event"),
        "evidence": pl.col("evidence"),
        "fingerprint": pl.col("fingerprint"),
        "local_time": pl.col("local_time"),
        "message": pl.col("message"),
        "next_allowed_at": _utc_expr("next_allowed_at"),
        "next_allowed_local": pl.when(pl.col("next_allowed_local") != "").then(
            pl.col("next_allowed_local")
        ),
        "path": pl.col("path"),
        "person": pl.col("person"),
        "quote": pl.col("quote"),
        "row": pl.col("row"),
        "rule": pl.col("rule"),
        "severity": pl.col("severity").replace_strict(
            {int(s): str(s) for s in Severity}, return_dtype=pl.String
        ),
        "start": pl.col("start"),
        # a null struct must stay `null`, and its fields must come out in sorted order
        "suppression": pl.when(pl.col("suppression").is_not_null()).then(
            pl.struct(
                pl.col("suppression").struct.field(name) for name in sorted(Suppression._fields)
            )
        ),
        "time": _utc_expr("time"),
        "zone": pl.col("zone"),
    }
    encoded = pl.struct(expr.alias(name) for name, expr in fields.items()).struct.json_encode()
    return frame.select(encoded.alias("line")).to_series()


def as_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    return {
        "version": SCHEMA_VERSION,
        "tool_version": report.tool_version,
        "as_of": _utc(report.as_of),
        "inputs": [{"path": i.path, "sha256": i.sha256, "rows": i.rows} for i in report.inputs],
        "packs": [
            {
                "name": p.name,
                "title": p.title,
                "version": p.version,
                "jurisdiction": list(p.jurisdiction),
                "path": p.path,
            }
            for p in report.packs
        ],
        "rules": [
            {
                "id": r.rule_id,
                "kind": r.kind,
                "severity": str(r.severity),
                "citation": r.citation,
                "url": r.url,
                "verification": r.verification,
            }
            for r in report.rules
        ],
        "summary": {
            "events_read": report.summary.events_read,
            "events_checked": report.summary.events_checked,
            "events_rejected": report.summary.events_rejected,
            "events_out_of_scope": report.summary.events_out_of_scope,
            "violations": report.summary.violations,
            "by_rule": dict(report.summary.by_rule),
            "by_severity": dict(report.summary.by_severity),
            "suppressed": report.summary.suppressed,
        },
        "violations": [violation_dict(v) for v in report.violations],
        "rejected": [{"path": r.path, "row": r.row, "reason": r.reason} for r in report.rejected],
        "notes": [
            {"severity": str(n.severity), "code": n.code, "message": n.message, "source": n.source}
            for n in report.notes
        ],
    }


_ROWS = ("violations", "rejected")
"""Lists written one compact object per line: readable, diff-friendly, and fast to write
(Python's C JSON encoder is only used without indentation)."""


def render(report: Report) -> str:
    """Serialise `report` as JSON with sorted keys, one finding per line, and a final newline."""
    return "".join(render_parts(report))


def render_parts(report: Report) -> list[str]:
    """`render(report)` as a list of text pieces to write one after another.

    The findings of a large report make one piece of tens of megabytes; writing the pieces
    spares several copies of it.
    """
    data = as_dict(replace(report, violations=()))
    encoded = violation_lines(Findings.of(report.violations)).to_list()
    parts = ["{\n"]
    keys = sorted(data)
    for position, key in enumerate(keys):
        value = data[key]
        comma = "," if position < len(keys) - 1 else ""
        parts.append(f"  {json.dumps(key)}: ")
        if key == "violations" and encoded:
            parts += ["[\n    ", ",\n    ".join(encoded), f"\n  ]{comma}\n"]
            continue
        if key in _ROWS and value:
            items = ",\n".join(
                "    " + json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                for item in value
            )
            text = f"[\n{items}\n  ]"
        else:
            text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
            text = text.replace("\n", "\n  ")
        parts.append(f"{text}{comma}\n")
    parts.append("}\n")
    return parts

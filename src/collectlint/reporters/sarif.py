"""SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps, IDE viewers) ingest.

One run: the rules of every selected pack become `tool.driver.rules`, each finding a `result`
pointing at its input row (contact logs) or `line:column` (templates), with the finding's
fingerprint as a partial fingerprint so a scanning service tracks it across runs.  Waived and
baselined findings stay in the log with a `suppressions` entry, which is how SARIF consumers
learn not to alert on them.  Rejected rows and report notes become tool-execution
notifications: the run did not check those rows, and the log must say so.

Lines and URIs come from `reporters.common`, as for the other CI reporters, so that every
format points at the same place.  Output is `json.dumps(sort_keys=True, indent=2)` over data built
only from the `Report`: the same report always gives the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from collectlint.model import Origin, Rejection, RuleSpec, Severity, Suppression, Violation
from collectlint.report import Report
from collectlint.reporters.common import artifact_uri, source_line, utc

__all__ = ["artifact_uri", "as_dict", "location", "render", "source_line", "utc"]

SARIF_VERSION = "2.1.0"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "collectlint/v1"
"""The partial-fingerprint name; bump the suffix if `Violation.fingerprint` ever changes."""

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")
"""Characters that would turn a rule's prose into emphasis, links, HTML or code in Markdown."""


def _markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _is_absolute_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.netloc)


def _rule(spec: RuleSpec) -> dict[str, Any]:
    """A reportingDescriptor: what the rule checks, where the law says so, how sure we are."""
    description = spec.description.strip() or spec.message
    source = f"Source: {spec.url}" if spec.url else "Source: none given"
    help_text = f"{description}\n\nCitation: {spec.citation}\n{source}"
    help_markdown = f"{_markdown(description)}\n\n**Citation:** {_markdown(spec.citation)}"
    if spec.url:
        help_markdown += f"\n\n**Source:** <{spec.url}>"
    descriptor: dict[str, Any] = {
        "id": spec.rule_id,
        "name": spec.rule_id.rpartition("/")[2],
        "shortDescription": {"text": f"{spec.citation} ({spec.kind})"},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {
            "tags": [spec.pack, spec.kind],
            "citation": spec.citation,
            "verification": spec.verification,
            "pack": spec.pack,
        },
    }
    if _is_absolute_url(spec.url):
        descriptor["helpUri"] = spec.url
    return descriptor


def _region(v: Violation, line: int) -> dict[str, Any]:
    """Templates: line, column and, when the quote is known, where it ends; logs: the line."""
    if v.column <= 0:
        return {"startLine": line}
    region: dict[str, Any] = {"startLine": line, "startColumn": v.column}
    if v.quote and v.start is not None and v.end is not None:
        lines = v.quote.split("\n")
        if len(lines) > 1:
            region["endLine"] = line + len(lines) - 1
            region["endColumn"] = len(lines[-1]) + 1
        else:
            region["endColumn"] = v.column + len(v.quote)
    return region


def location(origin: Origin, v: Violation | None = None) -> dict[str, Any]:
    """A SARIF location for an input row (a finding's, when `v` is given, or a rejected one's)."""
    uri = artifact_uri(origin.path)
    if uri is None:
        where = f"line {origin.line}" if origin.line else f"row {origin.row}"
        return {"message": {"text": f"standard input, {where}"}}
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    line = source_line(origin)
    if line is not None:
        physical["region"] = _region(v, line) if v is not None else {"startLine": line}
    return {"physicalLocation": physical}


def _justification(s: Suppression) -> str:
    text = f"{s.kind}: {s.reason}"
    extra = [f"approved by {s.approver}"] if s.approver else []
    extra += [f"expires {s.expires}"] if s.expires else []
    return f"{text} ({'; '.join(extra)})" if extra else text


def _result(v: Violation, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": v.rule,
        "level": LEVELS[v.severity],
        "message": {"text": v.message},
        "locations": [location(v.origin, v)],
        "properties": {
            "event": v.event,
            "account": v.account,
            "person": v.person,
            "time": utc(v.time),
            "local_time": v.local_time,
            "zone": v.zone,
            "citation": v.citation,
            "evidence": list(v.evidence),
            "category": v.category,
            "quote": v.quote,
            "next_allowed_at": utc(v.next_allowed_at) if v.next_allowed_at else None,
            "next_allowed_local": v.next_allowed_local,
            "next_allowed_reason": v.next_allowed_reason,
            "row": v.row,
        },
    }
    if v.rule in index:
        result["ruleIndex"] = index[v.rule]
    if v.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: v.fingerprint}
    if v.suppression is not None:
        s = v.suppression
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": _justification(s),
                "properties": {
                    "collectlint_kind": s.kind,
                    "approver": s.approver,
                    "expires": s.expires,
                    "source": s.source,
                },
            }
        ]
    return result


def _rejected(r: Rejection) -> dict[str, Any]:
    return {
        "level": "error",
        "descriptor": {"id": "rejected-row"},
        "message": {"text": f"{r.origin}: {r.reason}"},
        "locations": [location(r.origin)],
    }


def _invocation(report: Report) -> dict[str, Any]:
    notifications = [_rejected(r) for r in report.rejected]
    notifications += [
        {
            "level": LEVELS[n.severity],
            "descriptor": {"id": n.code},
            "message": {"text": n.message},
            "properties": {"source": n.source},
        }
        for n in report.notes
    ]
    s = report.summary
    return {
        "executionSuccessful": s.events_rejected <= report.max_rejects,
        "toolExecutionNotifications": notifications,
        "properties": {
            "as_of": utc(report.as_of),
            "events_read": s.events_read,
            "events_checked": s.events_checked,
            "events_rejected": s.events_rejected,
            "events_out_of_scope": s.events_out_of_scope,
            "violations": s.violations,
            "suppressed": s.suppressed,
            "max_rejects": report.max_rejects,
        },
    }


def as_dict(report: Report) -> dict[str, Any]:
    """The SARIF log as plain JSON-ready data."""
    index: dict[str, int] = {}
    for position, spec in enumerate(report.rules):
        index.setdefault(spec.rule_id, position)
    hashes = {artifact_uri(i.path): i.sha256 for i in report.inputs}
    artifacts = [
        {
            "location": {"uri": uri},
            "hashes": {"sha-256": sha256},
            "roles": ["analysisTarget"],
        }
        for uri, sha256 in hashes.items()
        if uri is not None
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "collectlint",
                "version": report.tool_version,
                "rules": [_rule(spec) for spec in report.rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(report)],
        "results": [_result(v, index) for v in report.violations],
        "properties": {"packs": [f"{p.name}@{p.version}" for p in report.packs]},
    }
    if artifacts:
        run["artifacts"] = artifacts
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report) -> str:
    """Serialise `report` as a SARIF 2.1.0 log (sorted keys, 2-space indent, final newline)."""
    return json.dumps(as_dict(report), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

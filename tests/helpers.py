"""Test helpers: paths and small log writers."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from hypothesis import HealthCheck, settings

from collectlint.vocabulary import COLUMNS

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "contacts.csv"


def write_csv(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """Write canonical rows (missing columns empty) to `path`, with any other column a row
    names after them."""
    others = sorted({c for row in rows for c in row if c not in COLUMNS})
    names = [*COLUMNS, *others]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in names})
    return path


NEW_YORK = "America/New_York"


def call_row(event_id: str, when: str, **columns: str) -> dict[str, str]:
    """A full canonical row: account A1, an outbound call to the debtor in New York,
    jurisdiction US, no outcome.

    Keyword arguments override columns; ``to_`` stands for the ``to`` column (a keyword).
    """
    result = dict.fromkeys(COLUMNS, "")
    result.update(
        id=event_id,
        time=when,
        account="A1",
        party="debtor",
        channel="call",
        direction="outbound",
        timezone=NEW_YORK,
        jurisdiction="US",
        kind="contact",
    )
    if "to_" in columns:
        result["to"] = columns.pop("to_")
    result.update(columns)
    return result


CALLS = {"kind": "contact", "direction": "outbound", "channel": "call"}


def rule_dict(name: str, kind: str, params: dict[str, object]) -> dict[str, object]:
    """A rule (as a pack file holds it) of `kind` over outbound calls, for generated packs."""
    return {
        "id": name,
        "kind": kind,
        "severity": "error",
        "citation": "test",
        "url": "https://example.com",
        "message": "{rule}",
        "description": "test",
        "where": dict(CALLS),
        "params": params,
    }


TWIN_SETTINGS = settings(
    derandomize=not os.environ.get("COLLECTLINT_EXPLORE"),
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
"""Hypothesis settings of the property tests that hold a kind to its slow twin: derandomized
(unless `COLLECTLINT_EXPLORE` is set), no example database, no deadline."""


def one_rule_pack(
    kind: str,
    params: str,
    *,
    jurisdiction: str = "US",
    where: str = "{channel: call}",
    message: str = "{event} {count}",
) -> str:
    """A pack file with one warning rule `t/r` of `kind`, its `params` written as YAML flow."""
    return (
        f"pack: {{name: t, title: T, version: '1', jurisdiction: [{jurisdiction}]}}\n"
        "rules:\n"
        "  - id: r\n"
        f"    kind: {kind}\n"
        "    severity: warning\n"
        f'    message: "{message}"\n'
        "    citation: c\n"
        "    url: https://example.com\n"
        "    description: d\n"
        f"    where: {where}\n"
        f"    params: {params}\n"
    )


def generated_log(path: Path, rows: int, seed: int) -> Path:
    """A realistic canonical log of `rows` rows at `path`, from the benchmarks' generator
    (calls, SMS with bodies, consents, several zones and jurisdictions, DST changes)."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    command = [sys.executable, str(script), "--rows", str(rows), "--out", str(path)]
    subprocess.run([*command, "--seed", str(seed)], check=True, capture_output=True)
    return path

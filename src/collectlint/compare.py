"""Period over period: a run set against an earlier one.

An examiner asks whether things are getting better.  A `Comparison` holds, for two runs, the
findings and rates per rule and per agency, and which findings are new or resolved (by their
fingerprints, which stay the same for the same breach across runs).  The earlier run is read
from its JSON report, so any past report can serve; the current one is either a `Report` in
hand (`check --compare`) or another JSON report (`collectlint report PREVIOUS CURRENT`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectlint.errors import UsageError
from collectlint.model import Comparison, Period
from collectlint.report import Report

MAX_BYTES = 4 << 30
"""The largest JSON report read for a comparison (a 10M-row log's report is about 1.3 GB)."""


def period_of(report: Report, label: str = "") -> Period:
    """The counts of a run in hand."""
    agencies = report.tallies.get("agency")
    frame = report.violations.frame
    return Period(
        label=label or f"as of {report.as_of.isoformat()}",
        contacts=report.contacts,
        by_rule=dict(report.summary.by_rule),
        rule_contacts={r.rule_id: report.in_scope(r.pack) for r in report.rules},
        by_agency={row.key: (row.contacts, row.findings) for row in agencies.rows}
        if agencies
        else {},
        # a waived or baselined breach still happened: it is neither new nor resolved
        fingerprints=frozenset(frame["fingerprint"].to_list()),
    )


def read_period(path: str | Path) -> Period:
    """The counts of a run from its JSON report (`--format json`, or `report.json` of
    `--output-dir`).  A report written before tallies existed gives every rule the run's
    checked contacts as its scope, and no agencies."""
    data = _load(Path(path))
    try:
        summary = data["summary"]
        tallies = data.get("tallies") or {}
        checked = int(tallies.get("contacts", summary["events_checked"]))
        breakdowns = tallies.get("breakdowns") or {}
        pack_rows = (breakdowns.get("pack") or {}).get("rows", [])
        packs = {r["key"]: int(r["contacts"]) for r in pack_rows}
        agencies = (breakdowns.get("agency") or {}).get("rows", [])
        prints = [str(v["fingerprint"]) for v in data["violations"]]
        return Period(
            label=f"as of {data['as_of']}",
            path=str(path),
            contacts=checked,
            by_rule={str(k): int(v) for k, v in summary["by_rule"].items()},
            rule_contacts={
                r["id"]: packs.get(r.get("pack", ""), checked) for r in data.get("rules", [])
            },
            by_agency={str(a["key"]): (int(a["contacts"]), int(a["findings"])) for a in agencies},
            fingerprints=frozenset(prints),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise UsageError(
            f"{path}: not a collectlint JSON report (version 2): missing or wrong {exc}"
        ) from None


def _load(path: Path) -> Mapping[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UsageError(f"{path}: {size:,} bytes is more than a report can be ({MAX_BYTES:,})")
        with path.open("rb") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{path}: not a collectlint JSON report (nested too deeply)") from None
    if not isinstance(data, dict) or data.get("version") != 2:
        raise UsageError(f"{path}: not a collectlint JSON report (version 2)")
    return data


def compare_reports(previous: str | Path, current: str | Path) -> Comparison:
    """Two JSON reports, the earlier first."""
    return Comparison(read_period(previous), read_period(current), str(previous))


def with_comparison(report: Report, previous: str | Path | Period) -> Report:
    """`report` with the earlier run (read from `previous`, or already read) set against it."""
    before = previous if isinstance(previous, Period) else read_period(previous)
    return dataclasses.replace(
        report, comparison=Comparison(before, period_of(report), _path(previous))
    )


def _path(previous: str | Path | Period) -> str:
    return previous.path if isinstance(previous, Period) else str(previous)

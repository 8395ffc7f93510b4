"""Every built-in pack's YAML cases pass, and every rule has cases with a pass and a fail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from collectlint.loading.packs import builtin_dir
from collectlint.testing import (
    Case,
    CaseResult,
    load_cases,
    missing_cases,
    pack_case_files,
    run_cases,
)

PACK_DIRS = sorted(p.parent for p in builtin_dir().glob("*/pack.yaml"))


def _all_cases() -> list[tuple[Path, Case]]:
    return [(d, c) for d in PACK_DIRS for f in pack_case_files(d) for c in load_cases(f)]


@pytest.mark.parametrize(
    ("pack_dir", "case"), _all_cases(), ids=lambda x: x.name if isinstance(x, Case) else ""
)
def test_case(pack_dir: Path, case: Case) -> None:
    result = _results(pack_dir, case.span.path)[case.name]
    assert result.passed, f"{case.span} {case.rule} {case.name}: {result.explain()}"


@cache
def _results(pack_dir: Path, case_file: str) -> dict[str, CaseResult]:
    """Run a whole case file once (cases are isolated from each other by the harness)."""
    cases = [
        c for f in pack_case_files(pack_dir) for c in load_cases(f) if c.span.path == case_file
    ]
    return {r.case.name: r for r in run_cases(cases, str(pack_dir))}


@pytest.mark.parametrize("pack_dir", PACK_DIRS, ids=lambda p: p.name)
def test_every_rule_has_cases(pack_dir: Path) -> None:
    assert missing_cases(pack_dir) == []


@pytest.mark.parametrize("pack_dir", PACK_DIRS, ids=lambda p: p.name)
def test_every_rule_has_passing_and_failing_cases(pack_dir: Path) -> None:
    cases = [c for f in pack_case_files(pack_dir) for c in load_cases(f)]
    for rule in {c.rule for c in cases}:
        mine = [c for c in cases if c.rule == rule]
        assert any(not c.expect for c in mine), f"{rule}: no case where nothing is flagged"
        assert any(c.expect for c in mine), f"{rule}: no case that flags something"

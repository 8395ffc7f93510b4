"""A seeded slice of the hostile-input fuzzer (`benchmarks/fuzz_cli.py`), run in the suite.

The full harness (`python benchmarks/fuzz_cli.py`) runs 300 mutated logs, 100 mutated packs and
every option case; this slice runs 15 logs and 6 packs picked from seed 1 to cover every mutation
family and as many distinct mutations as it can, and 4 option cases, each as its own
`python -m collectlint` process, and requires that none of them fails: no traceback, exit code
0, 1 or 2, a JSON summary that adds up, an exit-2 message naming the file at fault, and no
private data on stderr.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import fuzz_cli  # noqa: E402

SEED = 1
LOGS, PACKS, OPTIONS = 15, 6, 4


def _digest(cases: Sequence[fuzz_cli.Case]) -> str:
    sha = hashlib.sha256()
    for case in cases:
        sha.update(repr((case.name, case.families, case.argv, case.description)).encode())
        for name in sorted(case.files):
            sha.update(name.encode() + b"\0" + case.files[name])
    return sha.hexdigest()


def test_the_same_seed_makes_the_same_inputs() -> None:
    first = fuzz_cli.generate_cases(SEED, LOGS, PACKS, OPTIONS)
    assert _digest(first) == _digest(fuzz_cli.generate_cases(SEED, LOGS, PACKS, OPTIONS))
    assert _digest(first) != _digest(fuzz_cli.generate_cases(SEED + 1, LOGS, PACKS, OPTIONS))
    # a case does not depend on how many others are generated
    more = fuzz_cli.generate_cases(SEED, LOGS + 5, PACKS + 2, OPTIONS)
    assert _digest(first[:LOGS]) == _digest(more[:LOGS])


def test_the_slice_covers_every_family() -> None:
    cases = fuzz_cli.pick_slice(SEED, LOGS, PACKS, OPTIONS)
    assert [c.name[:3] for c in cases].count("log") == LOGS
    assert [c.name[:3] for c in cases].count("pac") == PACKS
    assert {family for case in cases for family in case.families} == set(fuzz_cli.FAMILIES)
    assert [c.name for c in cases] == [c.name for c in fuzz_cli.pick_slice(SEED)]


def test_hostile_inputs_do_not_break_the_cli(tmp_path: Path) -> None:
    cases = fuzz_cli.pick_slice(SEED, LOGS, PACKS, OPTIONS)
    outcomes = fuzz_cli.run_cases(cases, sys.executable, tmp_path, jobs=2, keep_passing=False)
    failing = [o for o in outcomes if o.failures]
    if failing:
        pytest.fail(f"{len(failing)} failing runs:\n{fuzz_cli.format_failures(failing)}")

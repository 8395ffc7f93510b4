"""A seeded slice of the hostile-input fuzzer (`benchmarks/fuzz_cli.py`), run in the suite.

The full harness (`python benchmarks/fuzz_cli.py`) runs 300 mutated logs, 100 mutated packs,
every option case, 40 planned campaigns, 40 runs of `next` and 40 provider exports read
through input profiles; this slice runs 15 logs and 6 packs picked from seed 1 to cover every
mutation family and as many distinct mutations as it can, 3 plans, 3 `next` runs and 3
profile cases picked the same way, and 4 option cases, each as its own
`python -m collectlint` process, and requires that none of them fails: no traceback, exit code
0, 1 or 2, a JSON summary that adds up, an exit-2 message naming the file at fault, no private
data on stderr, profile row counts that add up, and an answer from the planner for every
timing finding and `next` query.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

import collectlint

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import fuzz_cli  # noqa: E402

SEED = 1
LOGS, PACKS, OPTIONS, PLANS, NEXTS = 15, 6, 4, 3, 3


def _digest(cases: Sequence[fuzz_cli.Case]) -> str:
    sha = hashlib.sha256()
    for case in cases:
        sha.update(repr((case.name, case.families, case.argv, case.description)).encode())
        sha.update(repr((case.names, case.accounting, case.planner, sorted(case.settled))).encode())
        for name in sorted(case.files):
            sha.update(name.encode() + b"\0" + case.files[name])
    return sha.hexdigest()


def test_the_same_seed_makes_the_same_inputs() -> None:
    first = fuzz_cli.generate_cases(SEED, LOGS, PACKS, OPTIONS, PLANS, NEXTS)
    again = fuzz_cli.generate_cases(SEED, LOGS, PACKS, OPTIONS, PLANS, NEXTS)
    assert _digest(first) == _digest(again)
    other = fuzz_cli.generate_cases(SEED + 1, LOGS, PACKS, OPTIONS, PLANS, NEXTS)
    assert _digest(first) != _digest(other)
    # a case does not depend on how many others are generated
    more = fuzz_cli.generate_cases(SEED, LOGS + 5, PACKS + 2, OPTIONS, PLANS + 2, NEXTS + 2)
    for prefix in ("log-", "pack-", "plan-", "next-"):
        mine = [c for c in first if c.name.startswith(prefix)]
        assert mine
        assert _digest(mine) == _digest([c for c in more if c.name.startswith(prefix)][: len(mine)])


def test_the_slice_covers_every_family() -> None:
    cases = fuzz_cli.pick_slice(SEED, LOGS, PACKS, OPTIONS, plans=PLANS, nexts=NEXTS)
    prefixes = [c.name.split("-")[0] for c in cases]
    assert prefixes.count("log") == LOGS
    assert prefixes.count("pack") == PACKS
    assert prefixes.count("plan") == PLANS >= 2
    assert prefixes.count("next") == NEXTS >= 2
    assert {family for case in cases for family in case.families} == set(fuzz_cli.FAMILIES)
    assert [c.name for c in cases] == [c.name for c in fuzz_cli.pick_slice(SEED)]


def test_the_planner_packs_are_valid(tmp_path: Path) -> None:
    """A pack that failed to load would make its plan an exit 2 that names pack.yaml: a pass
    that exercised nothing. Every generated pack loads and checks the example log."""
    cases = fuzz_cli.generate_cases(SEED, 0, 0, 0, 40, 40)
    packs = [(c.name, c.files[path]) for c in cases if (path := "fuzzplan/pack.yaml") in c.files]
    assert len(packs) >= 20
    for name, text in packs:
        (tmp_path / name).mkdir()
        (tmp_path / name / "pack.yaml").write_bytes(text)
        report = collectlint.check(
            [str(fuzz_cli.EXAMPLES / "contacts.csv")], rules=[str(tmp_path / name)]
        )
        assert report.summary.events_checked > 0, name


def _finding(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "rule": "us-regf/call-volume",
        "event": "P001",
        "time": "2024-03-09T15:00:00Z",
        "next_allowed_at": "2024-03-12T12:00:00Z",
        "next_allowed_reason": None,
    }
    return {**base, **values}


def test_the_planner_checks_catch_bad_answers(tmp_path: Path) -> None:
    rules = [
        {"id": "us-regf/call-volume", "kind": "frequency"},
        {"id": "us-regf/false-threat", "kind": "wording"},
    ]
    report = tmp_path / "report.json"

    def problems(*findings: dict[str, object], settled: Sequence[str] = ()) -> list[str]:
        report.write_text(json.dumps({"rules": rules, "violations": list(findings)}))
        return [detail for _, detail in fuzz_cli.plan_problems(report, frozenset(settled))]

    assert problems(_finding(), _finding(rule="us-regf/false-threat", next_allowed_at=None)) == []
    assert problems(_finding(next_allowed_at=None))  # a timing finding with no answer
    assert problems(_finding(next_allowed_at="2024-03-09T14:59:59Z"))  # earlier than planned
    never = _finding(next_allowed_at=None, next_allowed_reason="no instant after it is allowed")
    assert problems(never) == []
    assert problems(never, settled=["P001"])
    answer = {"requested": "2024-03-09T15:00:00+00:00", "next_allowed_at": None, "reason": None}
    assert fuzz_cli.next_problems(json.dumps(answer))
    assert fuzz_cli.next_problems("not json")
    assert not fuzz_cli.next_problems(json.dumps({**answer, "reason": "the limit is 0"}))
    assert fuzz_cli.next_problems(json.dumps({**answer, "reason": "never"}), settled=True)
    early = {**answer, "next_allowed_at": "2024-03-09T14:00:00+00:00"}
    assert fuzz_cli.next_problems(json.dumps(early))


def test_hostile_inputs_do_not_break_the_cli(tmp_path: Path) -> None:
    cases = fuzz_cli.pick_slice(SEED, LOGS, PACKS, OPTIONS, plans=PLANS, nexts=NEXTS)
    outcomes = fuzz_cli.run_cases(cases, sys.executable, tmp_path, jobs=2, keep_passing=False)
    failing = [o for o in outcomes if o.failures]
    if failing:
        pytest.fail(f"{len(failing)} failing runs:\n{fuzz_cli.format_failures(failing)}")

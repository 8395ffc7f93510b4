"""Time the planner on a campaign against a large history, and check a sample of its answers.

Usage::

    python benchmarks/planner.py [--size 1m] [--plans 50000] [--sample 40] [--before PATH]

It writes a deterministic campaign of ``--plans`` outbound calls (``benchmarks/data/plan-<n>.csv``)
on accounts drawn from ``benchmarks/data/log-<size>.csv``, planned over the last days of the
log and the two days after it, so that the history decides most answers. It then runs
``collectlint check PLAN --history LOG --rules regf-bench --format json`` (the three rules
``tests/reference.py`` implements; the pack is the one ``run.py`` writes) as a fresh process and
reports wall time, peak RSS and the number of planned calls that were answered. With
``--before`` it runs another installation the same way and counts the answers that differ.

Then it checks ``--sample`` answers (drawn from the differing ones when ``--before`` is given,
else from all) with the reference oracle: the account's history, the campaign's other calls on
that account, and the planned call moved to the answered instant must give the planned call no
finding. That is what an answer promises: checked as a contact, it breaks no rule.

Why: the planner answers against the whole history and the rest of the plan; a faster answer
that the rules then flag is worth nothing, so speed is only reported beside correctness.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from collectlint.vocabulary import COLUMNS

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import run  # noqa: E402  (the benchmark's own helpers: log paths, the three-rule pack, timing)

from reference import evidence  # noqa: E402

RULES = {f"regf-bench/{r}": f"us-regf/{r}" for r in run.RULES}
START = datetime(2024, 4, 13, tzinfo=UTC)
"""Planned calls fall in the four days from here: the log ends on 2024-04-15."""


def write_plan(log: Path, plans: int, seed: int) -> Path:
    """A campaign of outbound calls to debtors of the log, one row per call, fixed by `seed`."""
    out = run.DATA / f"plan-{plans}.csv"
    people = (
        pl.scan_csv(log, infer_schema=False)
        .filter(pl.col("party") == "debtor")
        .select("account", "debtor", "to", "timezone", "jurisdiction")
        .unique(subset=["account", "debtor"], keep="first", maintain_order=True)
        .collect()
    )
    rng = random.Random(seed)
    picks = [rng.randrange(people.height) for _ in range(plans)]
    minutes = [rng.randrange(4 * 24 * 60) for _ in range(plans)]
    times = [(START + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:00Z") for m in minutes]
    frame = people[picks].with_columns(
        pl.Series("id", [f"P{i}" for i in range(plans)]),
        pl.Series("time", times),
        pl.lit("debtor").alias("party"),
        pl.lit("call").alias("channel"),
        pl.lit("outbound").alias("direction"),
        pl.lit("").alias("outcome"),
        pl.lit("").alias("body"),
        pl.lit("contact").alias("kind"),
    )
    frame.select(COLUMNS).write_csv(out)
    return out


def plan_command(program: str, plan: Path, log: Path, out: Path) -> list[str]:
    return [
        program,
        "check",
        str(plan),
        "--history",
        str(log),
        "--rules",
        str(run.BENCH_PACK),
        "--max-rejects",
        "0",
        "--format",
        "json",
        "--output",
        str(out),
    ]


def answers(report: Path) -> dict[str, str]:
    """Planned call id → the latest `next_allowed_at` its findings give (or "" for none)."""
    data = json.loads(report.read_text())
    out: dict[str, str] = {}
    for finding in data["violations"]:
        rule = finding["rule"]
        if rule not in RULES or not finding["event"].startswith("P"):
            continue
        at = finding.get("next_allowed_at") or ""
        out[finding["event"]] = max(out.get(finding["event"], ""), at)
    return out


Rows = dict[str, list[dict[str, str]]]


def allowed(pid: str, at: str, plan: dict[str, dict[str, str]], by_account: Rows) -> bool:
    """Whether the reference gives planned call `pid`, moved to `at`, no finding."""
    row = plan[pid]
    rows = [r for r in by_account[row["account"]] if r["id"] != pid]
    found = evidence([*rows, {**row, "time": at.replace("Z", "+00:00")}])
    return not any(event == pid for _, event in found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", help="history log size (1m, 10m, ...)")
    parser.add_argument("--plans", type=int, default=50_000, help="planned calls")
    parser.add_argument("--sample", type=int, default=40, help="answers checked by the oracle")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--collectlint", default=run.default_collectlint())
    parser.add_argument("--before", default="", help="another installation's collectlint")
    args = parser.parse_args(argv)

    log = run.ensure_log(run.parse_size(args.size))
    run.write_bench_pack()
    plan_path = write_plan(log, args.plans, args.seed)
    print(f"campaign: {args.plans:,} calls in {plan_path.relative_to(HERE.parent)}")
    results: dict[str, dict[str, str]] = {}
    for name, program in (("now", args.collectlint), ("before", args.before)):
        if not program:
            continue
        out = run.DATA / "out" / f"planner-{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        m = run.measure(plan_command(program, plan_path, log, out), (0, 1))
        results[name] = answers(out)
        print(
            f"{name}: {m.wall_s:.2f} s wall, {m.cpu_s:.2f} s CPU, {m.rss_mb:.0f} MB peak, "
            f"{len(results[name]):,} planned calls with a finding"
        )
    now = results["now"]
    pool = sorted(now)
    if "before" in results:
        old = results["before"]
        pool = sorted(p for p in set(now) | set(old) if now.get(p) != old.get(p))
        print(f"answers that differ: {len(pool):,}")
    rng = random.Random(args.seed)
    sample = rng.sample(pool, min(args.sample, len(pool)))
    plan_rows = pl.read_csv(plan_path, infer_schema=False).fill_null("")
    plan = {r["id"]: r for r in plan_rows.to_dicts()}
    accounts = sorted({plan[p]["account"] for p in sample})
    history = pl.read_csv(log, infer_schema=False).fill_null("")
    by_account: Rows = {a: [] for a in accounts}
    for frame in (history, plan_rows):
        for r in frame.filter(pl.col("account").is_in(accounts)).to_dicts():
            by_account[r["account"]].append(r)
    for name, given in results.items():
        good = sum(allowed(p, given.get(p) or plan[p]["time"], plan, by_account) for p in sample)
        print(f"{name}: {good} of {len(sample)} sampled answers allowed by tests/reference.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

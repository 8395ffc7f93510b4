"""Where the time and memory of one `check` go: each step of the pipeline timed in one process.

Usage::

    python benchmarks/steps.py LOG [--rules PACK] [--no-infer-location] [--out OUT.json]

Runs the steps `collectlint check LOG --format json --output OUT` runs, in order, with a timer
and the process's resident memory after each: imports, packs, read, parse and validate (the
events), rules (the engine), findings (messages, fingerprints, suppression), tallies, and
writing the JSON report. It calls the same functions the CLI calls, so the sum is the run.

Why: a wall time says how long; this says where, which is what decides what to speed up.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

T0 = time.perf_counter()

import polars as pl  # noqa: E402

from collectlint import columns as C  # noqa: E402
from collectlint import pipeline, suppress, tallies, violations  # noqa: E402
from collectlint.api import background, load_packs, read_logs, settings_of  # noqa: E402
from collectlint.engine import evaluate  # noqa: E402
from collectlint.findings import Findings  # noqa: E402
from collectlint.inputs.events import ReadOptions, build_events  # noqa: E402
from collectlint.model import CheckOptions, Role  # noqa: E402
from collectlint.reporters import json_report  # noqa: E402
from collectlint.selection import select_rules  # noqa: E402


def rss_mb() -> float:
    """The process's resident memory now (MiB), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log")
    ap.add_argument("--rules", default="us-regf")
    ap.add_argument("--no-infer-location", action="store_true")
    ap.add_argument("--out", default="/dev/null")
    args = ap.parse_args(argv)
    rows: list[tuple[str, float, float]] = [("imports", time.perf_counter() - T0, rss_mb())]

    def step(name: str, started: float) -> float:
        now = time.perf_counter()
        rows.append((name, now - started, rss_mb()))
        return now

    t = time.perf_counter()
    opts = CheckOptions(rules=(args.rules,), infer_location=not args.no_infer_location)
    packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
    settings = settings_of(opts)
    t = step("packs", t)
    with background() as pool:
        raws = read_logs([(args.log, Role.LOG)], opts, packs, pool)
        t = step("read", t)
        events = build_events(raws, ReadOptions(opts.assume_timezone, opts.infer_location))
        t = step("parse and validate", t)
        as_of = pipeline._latest(events.frame)
        result = evaluate(events, packs, keep=False, as_of_us=pipeline._us(as_of))
        t = step("rules", t)
        rules = [rule for pack in packs for rule in pack.rules]
        built = violations.build(result.findings, events, result.table, rules, False)
        marked, _ = suppress.mark(built, (), frozenset(), as_of)
        findings = Findings.of(marked)
        t = step("findings", t)
        hits = result.findings.select(C.IDX, pl.col(C.RULE).cast(pl.String).alias("rule"))
        tallies.count(events, result.table, findings, packs, (Role.LOG,), hits)
        t = step("tallies", t)
        part = pipeline._part(events, result, result.findings, packs, settings, as_of, None)
        report = pipeline.assemble(
            [part], packs, settings, as_of, events.digests(), pipeline._rows(events), ordered=True
        )
        t = step("(the report: the two steps above again, and notes)", t)
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.writelines(json_report.render_parts(report))
        t = step("render and write JSON", t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| step | {Path(args.log).name} s | RSS after, MB |")
    print("|---|---:|---:|")
    for name, seconds, memory in rows:
        print(f"| {name} | {seconds:.2f} | {memory:.0f} |")
    print(f"\npeak RSS {peak:.0f} MB; findings {len(report.violations):,}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

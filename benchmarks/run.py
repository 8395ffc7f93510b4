"""Benchmark the collectlint engine against the hand-written DuckDB baseline, and diff findings.

Usage::

    python benchmarks/run.py [--sizes 1m,10m] [--repeat 3] [--engines ...] [--collectlint PATH]

For every size it makes sure ``benchmarks/data/log-<size>.csv`` exists (running ``generate.py``
with the default seed if not). It then runs each engine as a fresh process, ``--repeat`` times,
in rep-major order (every engine once before any engine runs a second time, so a slow drift in
machine load hits all of them alike). The engines are:

* ``collectlint``: ``collectlint check LOG --format json --output OUT.json`` with the built-in
  packs, i.e. the whole ``us-regf`` pack, including its wording rules;
* ``collectlint-3``: the same command with ``--rules`` set to a generated pack that extends
  ``us-regf`` and disables every rule except call-volume, call-after-conversation and
  inconvenient-time. This does the same work as the baseline, so it is the like-for-like row;
* ``collectlint-3-tz``: that command with ``--no-infer-location``: the consumer's zones from the
  ``timezone`` column only, which is all the SQL reads (by default collectlint also takes
  candidate zones from each phone number, as Regulation F's "every location" asks);
* ``duckdb``: ``python benchmarks/duckdb_regf.py LOG --out OUT.csv``.

It measures wall time with ``perf_counter`` around the child, so interpreter start and imports
count, as a user would see them. Peak RSS comes from ``/usr/bin/time -v`` when present, or
otherwise from ``getrusage(RUSAGE_CHILDREN)`` read inside a throw-away wrapper process per run.
It checks that every collectlint variant produces exactly the same set of ``(rule, event)``
findings for the three rules as DuckDB, prints the first differences if not, and prints a
Markdown table with the median wall time.

Why: the engine's performance goal is stated relative to the fastest correct hand-written DuckDB
query, and a speed comparison is only meaningful when both sides agree on every finding.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = DATA / "out"
BUILTIN_PACK = HERE.parent / "rules" / "us-regf" / "pack.yaml"
BENCH_PACK = DATA / "packs" / "regf-bench"

FULL = "collectlint"
THREE = "collectlint-3"
THREE_TZ = "collectlint-3-tz"
BASELINE = "duckdb"
BEFORE_FULL = "before"
BEFORE_THREE = "before-3"
ENGINES = (FULL, THREE, THREE_TZ, BASELINE, BEFORE_FULL, BEFORE_THREE)
"""`before` and `before-3` run another installation (`--before PATH`) in the same runs, to
measure a change against the code it replaces."""

#: The rules both implementations evaluate (the contract of docs/us-regf-semantics.md).
RULES = ("call-volume", "call-after-conversation", "inconvenient-time")
RULE_IDS = frozenset(f"us-regf/{r}" for r in RULES)

Finding = tuple[str, str]


@dataclass
class Measurement:
    """One fresh-process run: wall seconds, peak resident set size in MiB, and CPU seconds
    (user + system, all threads; less disturbed by other load on the machine than wall time)."""

    wall_s: float
    rss_mb: float
    cpu_s: float


@dataclass
class EngineResult:
    """All runs of one engine on one input, and the findings of its last run.

    ``findings`` holds only the three contract rules (ids normalised to ``us-regf/...``);
    ``other`` counts the findings of any other rule the engine reported."""

    engine: str
    runs: list[Measurement] = field(default_factory=list)
    findings: set[Finding] = field(default_factory=set)
    n_reported: int = 0
    other: Counter[str] = field(default_factory=Counter)
    details: dict[Finding, dict[str, object]] = field(default_factory=dict)

    @property
    def wall_median(self) -> float:
        """Median wall time over the runs."""
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def rss_median(self) -> float:
        """Median peak RSS over the runs."""
        return statistics.median(r.rss_mb for r in self.runs)

    @property
    def cpu_median(self) -> float:
        """Median CPU seconds (user + system) over the runs."""
        return statistics.median(r.cpu_s for r in self.runs)


def parse_size(text: str) -> int:
    """``10k`` / ``1m`` / ``10m`` / ``1000000`` -> number of rows."""
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def size_label(rows: int) -> str:
    """Short label used in file names: 1000000 -> ``1m``, 10000 -> ``10k``."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


def ensure_log(rows: int, fmt: str = "csv") -> Path:
    """Return the log for ``rows`` in ``fmt`` (csv or parquet), generating it first if it does
    not exist (the Parquet log holds the CSV's rows as the same text columns)."""
    path = DATA / f"log-{size_label(rows)}.csv"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--rows", str(rows), "--out", str(path)],
            check=True,
        )
    if fmt == "csv":
        return path
    parquet = path.with_suffix(".parquet")
    if not parquet.exists():
        import polars as pl

        print(f"writing {parquet} ...", file=sys.stderr)
        pl.scan_csv(path, infer_schema=False).sink_parquet(parquet)
    return parquet


def write_bench_pack() -> Path:
    """Write a pack that extends ``us-regf`` with every rule but the three contract rules
    disabled, and return its directory (for ``--rules``).

    The other rule ids are read from the built-in pack file, so a rule added to the pack later is
    disabled here too."""
    ids = re.findall(r"^\s*-\s*id:\s*([a-z0-9-]+)\s*$", BUILTIN_PACK.read_text(), re.MULTILINE)
    disable = [i for i in ids if i not in RULES]
    BENCH_PACK.mkdir(parents=True, exist_ok=True)
    (BENCH_PACK / "pack.yaml").write_text(
        "# Generated by benchmarks/run.py: us-regf restricted to the three rules that\n"
        "# benchmarks/duckdb_regf.py implements.\n"
        "pack:\n"
        "  name: regf-bench\n"
        "  title: us-regf call and hours rules only (benchmark)\n"
        '  version: "1"\n'
        "  extends: us-regf\n"
        f"disable: [{', '.join(disable)}]\n"
    )
    return BENCH_PACK


TIME_BIN = "/usr/bin/time"
RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:]).returncode\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(f'MAXRSS_KB {u.ru_maxrss}', file=sys.stderr)\n"
    "print(f'CPU_S {u.ru_utime + u.ru_stime}', file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def measure(cmd: list[str], ok_codes: tuple[int, ...]) -> Measurement:
    """Run ``cmd`` as a fresh process; return wall time, peak RSS and CPU time.

    Wall time is taken around the whole child (the ``time`` wrapper adds about a millisecond).
    Peak RSS comes from ``/usr/bin/time -v`` or, without it, from a wrapper process whose only
    child is ``cmd`` (``RUSAGE_CHILDREN`` is a maximum over all waited-for children, so it must
    be read in a process that ran nothing else)."""
    if os.access(TIME_BIN, os.X_OK):
        full = [TIME_BIN, "-v", *cmd]
        rss_re = r"Maximum resident set size \(kbytes\): (\d+)"
        cpu_re = r"(?:User|System) time \(seconds\): ([\d.]+)"
    else:
        full = [sys.executable, "-c", RSS_WRAPPER, *cmd]
        rss_re, cpu_re = r"MAXRSS_KB (\d+)", r"CPU_S ([\d.]+)"
    t0 = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in ok_codes:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"command failed with exit code {proc.returncode}: {' '.join(cmd)}")
    rss = re.findall(rss_re, proc.stderr)
    cpu = sum(float(x) for x in re.findall(cpu_re, proc.stderr))
    return Measurement(wall, (int(rss[-1]) if rss else 0) / 1024, cpu)


def command(engine: str, collectlint: str, log: Path, out: Path, before: str = "") -> list[str]:
    """The command line benchmarked for ``engine``."""
    if engine == BASELINE:
        return [sys.executable, str(HERE / "duckdb_regf.py"), str(log), "--out", str(out)]
    program = before if engine in (BEFORE_FULL, BEFORE_THREE) else collectlint
    cmd = [program, "check", str(log), "--format", "json", "--output", str(out)]
    if engine == THREE_TZ:  # the zones of the timezone column only, as the SQL takes them
        cmd += ["--no-infer-location"]
    if engine in (THREE, THREE_TZ, BEFORE_THREE):
        cmd += ["--rules", str(write_bench_pack())]
    return cmd


def read_engine_findings(path: Path, result: EngineResult) -> None:
    """Load ``(rule, event)`` pairs (and each violation's fields, for diffs) from the JSON report.
    Rule ids of the benchmark pack (``regf-bench/x``) are mapped back to ``us-regf/x``."""
    report = json.loads(path.read_text())
    violations = report.get("violations", [])
    result.n_reported = 0
    for v in violations:
        rule = "us-regf/" + str(v["rule"]).split("/", 1)[-1]
        if rule not in RULE_IDS:
            result.other[rule] += 1
            continue
        result.n_reported += 1
        key = (rule, str(v["event"]))
        result.findings.add(key)
        result.details[key] = v


def read_baseline_findings(path: Path, result: EngineResult) -> None:
    """Load ``(rule, event)`` pairs from the DuckDB CSV."""
    with path.open(newline="") as f:
        rows = [(r["rule"], r["event"]) for r in csv.DictReader(f)]
    result.n_reported = len(rows)
    result.findings = set(rows)


def sort_key(f: Finding) -> tuple[str, int, str]:
    """Order findings by rule, then numerically by event id when it is a number."""
    rule, event = f
    return (rule, int(event) if event.isdigit() else sys.maxsize, event)


def diff_report(engine: EngineResult, base: EngineResult, log: Path, limit: int = 10) -> str:
    """Describe the differences between two finding sets (first ``limit`` of each side), with
    the engine's violation fields and the log rows involved, to start a minimal repro from."""
    only_engine = sorted(engine.findings - base.findings, key=sort_key)
    only_base = sorted(base.findings - engine.findings, key=sort_key)
    lines = [
        f"findings differ: {len(only_engine)} only in {engine.engine}, "
        f"{len(only_base)} only in {base.engine}"
    ]
    wanted = {e for _, e in only_engine[:limit] + only_base[:limit]}
    for key in only_engine[:limit]:
        evidence = engine.details.get(key, {}).get("evidence")
        if isinstance(evidence, list):
            wanted.update(str(x) for x in evidence)
    rows = log_rows(log, wanted)
    sides = ((f"only {engine.engine}", only_engine), (f"only {base.engine}", only_base))
    for title, items in sides:
        lines.append(f"  {title}: {dict(Counter(rule for rule, _ in items))}")
        for key in items[:limit]:
            detail = engine.details.get(key)
            extra = ""
            if detail:
                fields = ("time", "local_time", "zone", "evidence")
                extra = " " + json.dumps({k: detail.get(k) for k in fields})
            lines.append(f"    {key[0]} event={key[1]}{extra}")
            if key[1] in rows:
                lines.append(f"      row: {rows[key[1]]}")
    if rows:
        lines.append("  rows involved (incl. evidence):")
        lines.extend(f"    {rows[i]}" for i in sorted(rows, key=lambda s: (len(s), s)))
    return "\n".join(lines)


def log_rows(log: Path, ids: set[str]) -> dict[str, str]:
    """The raw CSV lines of the given event ids (by the ``id`` column), for diff output."""
    found: dict[str, str] = {}
    if not ids:
        return found
    log = log.with_suffix(".csv")  # a Parquet log holds the rows of the CSV beside it
    with log.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        idx = header.index("id") if "id" in header else None
        for n, row in enumerate(reader, start=1):
            rid = row[idx] if idx is not None and row[idx] else str(n)
            if rid in ids:
                found[rid] = ",".join(row)
                if len(found) == len(ids):
                    break
    return found


def load_average() -> str:
    """The 1/5/15-minute load averages, to judge whether other work disturbed the timings."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def compile_package() -> None:
    """Write collectlint's bytecode, as `pip install` does for an installed package.

    The development venv holds an editable install, and this machine sets
    PYTHONDONTWRITEBYTECODE, so without this every timed run would compile the package's
    modules from source (about 0.15 s) — a cost no installed copy pays.
    """
    import collectlint

    package = Path(collectlint.__file__).parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package)], check=True, capture_output=True
    )


def default_collectlint() -> str:
    """The collectlint installed next to the running Python (the venv's), else the one on PATH."""
    sibling = Path(sys.executable).with_name("collectlint")
    if sibling.exists():
        return str(sibling)
    return shutil.which("collectlint") or "collectlint"


def file_mb(path: Path) -> float:
    """File size in MB (10^6 bytes)."""
    return path.stat().st_size / 1e6


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exit status 1 when any collectlint variant disagrees."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1m", help="comma-separated row counts, e.g. 1m,10m")
    ap.add_argument("--repeat", type=int, default=3, help="fresh-process runs per engine")
    ap.add_argument(
        "--inputs", default="csv", help="comma-separated log formats to time: csv, parquet"
    )
    ap.add_argument(
        "--collectlint",
        default=default_collectlint(),
        help="collectlint executable (default: the one next to this Python, else on PATH)",
    )
    ap.add_argument(
        "--engines",
        default=",".join((FULL, THREE, BASELINE)),
        help=f"comma-separated subset of {', '.join(ENGINES)} (default: the first three)",
    )
    ap.add_argument(
        "--before",
        default="",
        help="another collectlint executable, run as the engines before and before-3",
    )
    args = ap.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    if {BEFORE_FULL, BEFORE_THREE} & set(engines) and not args.before:
        ap.error("the engines before and before-3 need --before PATH")
    OUT.mkdir(parents=True, exist_ok=True)
    compile_package()

    table = [
        "| rows | input | engine | wall s (median) | peak RSS MB | findings | ratio vs DuckDB |",
        "|---|---|---|---|---|---|---|",
    ]
    all_same = True
    notes: list[str] = [f"load average before: {load_average()}"]
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    formats = [f.strip() for f in args.inputs.split(",") if f.strip()]
    for size, fmt in [(size, fmt) for size in sizes for fmt in formats]:
        log = ensure_log(size, fmt)
        label = f"{size_label(size)}-{fmt}"
        results = {e: EngineResult(e) for e in engines}
        outs = {
            FULL: OUT / f"collectlint-{label}.json",
            THREE: OUT / f"collectlint-3-{label}.json",
            THREE_TZ: OUT / f"collectlint-3-tz-{label}.json",
            BASELINE: OUT / f"duckdb-{label}.csv",
            BEFORE_FULL: OUT / f"before-{label}.json",
            BEFORE_THREE: OUT / f"before-3-{label}.json",
        }
        for rep in range(args.repeat):
            for e in engines:
                # collectlint exits 1 when it found violations (--fail-on error)
                ok: tuple[int, ...] = (0,) if e == BASELINE else (0, 1)
                m = measure(command(e, args.collectlint, log, outs[e], args.before), ok)
                results[e].runs.append(m)
                print(
                    f"{label} {e} run {rep + 1}/{args.repeat}: {m.wall_s:.2f} s wall, "
                    f"{m.cpu_s:.2f} s CPU, {m.rss_mb:.0f} MB",
                    file=sys.stderr,
                )
        for e, r in results.items():
            if e == BASELINE:
                read_baseline_findings(outs[e], r)
            else:
                read_engine_findings(outs[e], r)
        base = results.get(BASELINE)
        for e in engines:
            r = results[e]
            ratio = f"{r.wall_median / base.wall_median:.2f}" if base else "n/a"
            count = f"{len(r.findings):,}"
            if r.n_reported != len(r.findings):
                count += f" ({r.n_reported - len(r.findings)} duplicates)"
            if r.other:
                count += f" (+{sum(r.other.values()):,} other rules)"
            table.append(
                f"| {size:,} | {fmt} {file_mb(log):.0f} MB | {e} | {r.wall_median:.2f} "
                f"| {r.rss_median:.0f} | {count} | {ratio} |"
            )
        for e in engines:
            r = results[e]
            walls = ", ".join(f"{m.wall_s:.2f}" for m in r.runs)
            notes.append(
                f"{label} {e}: wall s per run [{walls}], CPU s (user+sys) median {r.cpu_median:.2f}"
            )
            if r.other:
                notes.append(f"{label} {e}: other rules' findings {dict(r.other)}")
            if base is None or e == BASELINE:
                continue
            if r.findings == base.findings:
                notes.append(f"{label} {e}: same {len(r.findings):,} findings as DuckDB.")
            else:
                all_same = False
                notes.append(f"{label} {e}: " + diff_report(r, base, log))
    notes.append(f"load average after: {load_average()}  ({os.cpu_count()} CPUs)")
    print("\n".join(table))
    print()
    print("\n".join(notes))
    return 0 if all_same else 1


if __name__ == "__main__":
    raise SystemExit(main())

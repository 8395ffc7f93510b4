"""Time `check --engine spark --master local[N]` against the local engine, and diff the reports.

Usage::

    python benchmarks/spark_local.py [--sizes 1m,10m] [--inputs csv,parquet] [--repeat 1]
        [--master local[2]] [--rules us-regf]

Each run is a fresh `collectlint check LOG --format json` process (Spark's JVM start, the
session and every job count, as a user sees them). It prints a Markdown table of wall time,
CPU time and the largest process's peak RSS (the driver JVM or a Python worker: `/usr/bin/time`
reports the largest, not the sum), and checks that both engines report exactly the same
findings, rejected rows and summary.

Why: the Spark engine must be the local engine's law on a cluster, so the comparison that
matters is the same report; the local-mode timings give the per-partition throughput the
cluster estimate in docs/spark.md is built from.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import OUT, ensure_log, file_mb, measure, parse_size, size_label


def _same(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The report keys whose values differ (the command line always does)."""
    return [k for k in sorted(a) if k != "run" and a.get(k) != b.get(k)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1m")
    ap.add_argument("--inputs", default="csv")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--rules", default="us-regf")
    ap.add_argument("--collectlint", default=str(Path(sys.executable).with_name("collectlint")))
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    table = [
        "| rows | input | engine | wall s | CPU s | largest process MB | findings | same report |",
        "|---|---|---|---|---|---|---|---|",
    ]
    status = 0
    for size in [parse_size(s) for s in args.sizes.split(",") if s.strip()]:
        for fmt in [f.strip() for f in args.inputs.split(",") if f.strip()]:
            log = ensure_log(size, fmt)
            label = f"{size_label(size)}-{fmt}"
            reports: dict[str, dict[str, Any]] = {}
            for engine in ("local", "spark"):
                out = OUT / f"engine-{engine}-{label}.json"
                cmd = [args.collectlint, "check", str(log), "--rules", args.rules]
                cmd += ["--format", "json", "--output", str(out)]
                if engine == "spark":
                    cmd += ["--engine", "spark", "--master", args.master]
                runs = [measure(cmd, (0, 1)) for _ in range(args.repeat)]
                best = sorted(runs, key=lambda m: m.wall_s)[len(runs) // 2]
                reports[engine] = json.loads(out.read_text(encoding="utf-8"))
                found = reports[engine]["summary"]["violations"]
                same = (
                    ""
                    if engine == "local"
                    else ", ".join(_same(reports["local"], reports[engine])) or "yes"
                )
                if same not in ("", "yes"):
                    status = 1
                table.append(
                    f"| {size:,} | {fmt} {file_mb(log):.0f} MB | {engine} | {best.wall_s:.1f} "
                    f"| {best.cpu_s:.1f} | {best.rss_mb:.0f} | {found:,} | {same or '—'} |"
                )
                print(table[-1], file=sys.stderr)
    print("\n".join(table))
    return status


if __name__ == "__main__":
    raise SystemExit(main())

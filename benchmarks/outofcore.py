"""Peak memory as the log grows: `check --partitions` on 10M, 20M, 30M ... rows of Parquet.

Usage::

    python benchmarks/outofcore.py [--copies 1,3] [--rows-per-part 1000000] [--rules us-regf]
        [--whole]

The log is `copies` Parquet files, each the 10M-row benchmark log (`log-10m.csv`, with its
message bodies) with its ids, accounts, debtors and numbers prefixed by the copy's number, so
that no two copies share an event, a debt or a person: N copies are a log of N x 10M distinct
events (and N times the findings of one). Each run is a fresh process, timed with its peak
RSS; `--partitions` is the rows divided by `--rows-per-part`, so a part's size stays the
same as the log grows. `--whole` also times the whole-log run of one copy for comparison.

Why: a log past the machine's memory must still be checked, in memory that does not grow
with it (a part's findings go to disk as it is done, and the report is written from there).
The copies' `to` values carry the prefix too, so they are not E.164 numbers: every copy is
placed by its `timezone` column alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DATA, OUT, ensure_log, file_mb, measure

PREFIXED = ("id", "account", "debtor", "to")


def copy(number: int) -> Path:
    """The 10M-row log's copy `number` as Parquet (made once)."""
    target = DATA / f"log-10m-copy{number}.parquet"
    if not target.exists():
        print(f"writing {target} ...", file=sys.stderr)
        parquet = DATA / "log-10m.parquet"  # the CSV's rows as text columns (`run.py`)
        if parquet.exists():
            scan = pl.scan_parquet(parquet)
        else:
            scan = pl.scan_csv(ensure_log(10_000_000), infer_schema=False)
        scan.with_columns(
            pl.concat_str(pl.lit(f"c{number}-"), pl.col(c)).alias(c) for c in PREFIXED
        ).sink_parquet(target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", default="1,3")
    ap.add_argument("--rows-per-part", type=int, default=1_000_000)
    ap.add_argument("--rules", default="us-regf")
    ap.add_argument("--whole", action="store_true")
    ap.add_argument("--collectlint", default=str(Path(sys.executable).with_name("collectlint")))
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    table = [
        "| rows | Parquet | run | wall s | CPU s | peak RSS MB | findings |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    for copies in [int(c) for c in args.copies.split(",")]:
        files = [copy(n) for n in range(copies)]
        rows = 10_000_000 * copies
        size = sum(file_mb(f) for f in files)
        runs = [("partitions", rows // args.rows_per_part)]
        if args.whole and copies == 1:
            runs.insert(0, ("whole", 0))
        for name, parts in runs:
            out = OUT / f"outofcore-{copies}-{name}.json"
            cmd = [args.collectlint, "check", *map(str, files), "--rules", args.rules]
            cmd += ["--format", "jsonl", "--output", str(out)]
            if parts:
                cmd += ["--partitions", str(parts)]
            m = measure(cmd, (0, 1))
            with out.open(encoding="utf-8") as handle:
                found = sum(1 for _ in handle)
            label = f"--partitions {parts}" if parts else "whole log"
            table.append(
                f"| {rows:,} | {size:,.0f} MB | {label} | {m.wall_s:.1f} | {m.cpu_s:.1f} "
                f"| {m.rss_mb:,.0f} | {found:,} |"
            )
            print(table[-1], file=sys.stderr)
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

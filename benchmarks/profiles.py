"""Time `check --profile` on generated provider exports against the canonical log of the same
events, and check that both give the same findings.

    python benchmarks/gen_exports.py --rows 1000000 --out benchmarks/data/exports-1m
    python benchmarks/profiles.py --data benchmarks/data/exports-1m --repeat 3

Each run is a fresh `collectlint check ... --format json` process (wall time; peak memory
and CPU seconds from `/usr/bin/time`).  Profiled and canonical runs alternate, and the
profile layer's overhead is the median over those pairs of the profiled run's wall time over
the canonical run's (on a shared 2-core machine both sides drift by tens of percent over a
few minutes; a ratio within a pair does not).  The ratio of the two medians, and of the CPU
seconds, are printed beside it.  The canonical side is `canonical.csv` cut to the events of
that export (calls or messages) or `canonical_connect.csv`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

CASES = {
    "twilio-calls": (["twilio_calls.csv"], "call"),
    "twilio-messages": (["twilio_messages.csv"], "sms"),
    "twilio-bulkexport": (["twilio_bulkexport/Messages/*.json.gz"], "sms"),
    "amazon-connect-ctr": (["connect_ctr.json"], "connect"),
}


def _canonical(data: Path, channel: str, out: Path) -> Path:
    if channel == "connect":
        return data / "canonical_connect.csv"
    target = out / f"canonical_{channel}.csv"
    if not target.exists():
        frame = pl.read_csv(data / "canonical.csv", infer_schema=False)
        frame.filter(pl.col("channel") == channel).write_csv(target)
    return target


def _run(
    args: list[str], output: Path
) -> tuple[float, float, float, set[tuple[str, str]], dict[str, Any]]:
    """Wall seconds, peak MB and CPU seconds of the child, its findings and summary."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "collectlint", "check", *args, "-f", "json"]
    memory = output.with_suffix(".rss")
    flags = ["-o", str(output), "--max-rejects", "100000000", "--exit-zero"]
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", "-o", str(memory), *command, *flags],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    peak, user, system = memory.read_text().split()[-3:]
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    report = json.loads(output.read_text("utf-8"))
    found = {(v["rule"], v["event"]) for v in report["violations"]}
    return wall, int(peak) / 1024, float(user) + float(system), found, report["summary"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data/exports-1m"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    options = parser.parse_args()
    data = options.data
    accounts = str(data / "crm_accounts.csv")
    print(
        "| profile | rows read | events checked | profiled s (median) | canonical s | "
        "overhead (paired) | ratio of medians | CPU overhead | profiled peak MB | findings "
        "| same findings |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for name in options.only or sorted(CASES):
            patterns, channel = CASES[name]
            inputs = sorted(p for pattern in patterns for p in glob.glob(str(data / pattern)))
            canonical = str(_canonical(data, channel, out))
            profiled_args = [*inputs, "--profile", name, "--accounts", accounts]
            walls, plain_walls, peaks, cpus, plain_cpus = [], [], [], [], []
            for _ in range(options.repeat):
                wall, peak, cpu, found, summary = _run(profiled_args, out / "p.json")
                walls.append(wall)
                peaks.append(peak)
                cpus.append(cpu)
                plain_wall, _, plain_cpu, plain_found, plain_summary = _run(
                    [canonical], out / "c.json"
                )
                plain_walls.append(plain_wall)
                plain_cpus.append(plain_cpu)
            same = (
                found == plain_found
                and summary["events_checked"] == plain_summary["events_checked"]
            )
            median, plain = statistics.median(walls), statistics.median(plain_walls)
            paired = statistics.median(w / c for w, c in zip(walls, plain_walls, strict=True))
            cpu_ratio = statistics.median(cpus) / statistics.median(plain_cpus)
            print(
                f"| {name} | {summary['rows_read']:,} | {summary['events_checked']:,} | "
                f"{median:.2f} | {plain:.2f} | {paired - 1:+.0%} | {median / plain - 1:+.0%} | "
                f"{cpu_ratio - 1:+.0%} | {max(peaks):,.0f} | {len(found):,} | "
                f"{'yes' if same else 'NO'} |"
            )
            pairs = ", ".join(f"{w:.2f}/{c:.2f}" for w, c in zip(walls, plain_walls, strict=True))
            print(f"<!-- {name}: profiled/canonical wall s per pair: {pairs} -->", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} (2 CPUs); {options.repeat} runs each")


if __name__ == "__main__":
    main()

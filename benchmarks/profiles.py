"""Time `check --profile` on generated provider exports against the canonical log of the same
events, and check that both give the same findings.

    python benchmarks/gen_exports.py --rows 1000000 --out benchmarks/data/exports-1m
    python benchmarks/profiles.py --data benchmarks/data/exports-1m --repeat 3

Each run is a fresh `collectlint check ... --format json` process (wall time; peak memory
from `/usr/bin/time`); the profile layer's overhead is the profiled
run's median wall time over the canonical run's.  The canonical side is `canonical.csv` cut
to the events of that export (calls or messages) or `canonical_connect.csv`.
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
) -> tuple[float, float, set[tuple[str, str]], dict[str, Any]]:
    """Wall seconds, peak MB of the child, its findings and summary."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "collectlint", "check", *args, "-f", "json"]
    memory = output.with_suffix(".rss")
    flags = ["-o", str(output), "--max-rejects", "100000000", "--exit-zero"]
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", str(memory), *command, *flags],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    peak = int(memory.read_text().split()[-1])
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    report = json.loads(output.read_text("utf-8"))
    found = {(v["rule"], v["event"]) for v in report["violations"]}
    return wall, peak / 1024, found, report["summary"]


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
        "overhead | profiled peak MB | findings | same findings |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for name in options.only or sorted(CASES):
            patterns, channel = CASES[name]
            inputs = sorted(p for pattern in patterns for p in glob.glob(str(data / pattern)))
            canonical = str(_canonical(data, channel, out))
            profiled_args = [*inputs, "--profile", name, "--accounts", accounts]
            walls, plain_walls, peaks = [], [], []
            for _ in range(options.repeat):
                wall, peak, found, summary = _run(profiled_args, out / "p.json")
                walls.append(wall)
                peaks.append(peak)
                plain_wall, _, plain_found, plain_summary = _run([canonical], out / "c.json")
                plain_walls.append(plain_wall)
            same = (
                found == plain_found
                and summary["events_checked"] == plain_summary["events_checked"]
            )
            median, plain = statistics.median(walls), statistics.median(plain_walls)
            print(
                f"| {name} | {summary['rows_read']:,} | {summary['events_checked']:,} | "
                f"{median:.2f} | {plain:.2f} | {median / plain - 1:+.0%} | {max(peaks):,.0f} | "
                f"{len(found):,} | {'yes' if same else 'NO'} |"
            )
    print(f"\nload average {os.getloadavg()[0]:.2f} (2 CPUs); {options.repeat} runs each")


if __name__ == "__main__":
    main()

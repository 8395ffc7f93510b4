"""Time `next` answered in batches against one reading of a large history.

Usage::

    python benchmarks/next_batch.py [--size 1m] [--questions 1000] [--single 3] [--rules us-regf]

It loads ``benchmarks/data/log-<size>.csv`` once as a `History`, then answers ``--questions``
deterministic random questions (calls and texts to the debtor, sometimes to a spouse, on
accounts drawn from the log, plus one in twenty on unknown accounts with a zone given),
planned over the log's last weeks and the days after it.  For comparison it times
``next_contact`` (which reads and evaluates the whole history per question) on ``--single``
of the questions, and checks that their batch answers are the same.  It prints a Markdown
table and the load average (other processes share the CPU).

Why: a pre-send check asks "may I call now?" for every contact of a campaign; at two seconds a
question that cannot be asked in line, at a few milliseconds it can.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from collectlint.model import CheckOptions, NextContact
from collectlint.schedule import History, NoAnswer, Question, next_contact

HERE = Path(__file__).resolve().parent
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


def questions(log: Path, count: int, seed: int = 13) -> list[Question]:
    """`count` random questions on the log's accounts (and a few unknown ones)."""
    frame = pl.read_csv(log, columns=["account", "time"], infer_schema=False)
    accounts = frame["account"].unique().sort().to_list()
    last = datetime.fromisoformat(str(frame["time"].max()).replace("Z", "+00:00"))
    rng = random.Random(seed)
    asked: list[Question] = []
    for n in range(count):
        event = {"party": "debtor", "channel": rng.choice(["call", "call", "sms"])}
        if n % 20 == 19:
            event |= {"account": f"NEW{n:06d}", "timezone": rng.choice(ZONES)}
        else:
            event["account"] = rng.choice(accounts)
            if rng.random() < 0.1:
                event["party"] = "spouse"
        when = last + timedelta(minutes=rng.randrange(-60 * 24 * 21, 60 * 24 * 3))
        asked.append((event, when))
    return asked


def _same(batch: NextContact | NoAnswer, single: NextContact) -> bool:
    return batch == dataclasses.replace(single, notes=())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--single", type=int, default=3)
    parser.add_argument("--rules", default="us-regf")
    args = parser.parse_args()
    log = HERE / "data" / f"log-{args.size}.csv"
    if not log.exists():
        sys.exit(f"{log}: missing; run `python benchmarks/generate.py` first")
    options = CheckOptions(rules=(args.rules,))
    before = os.getloadavg()[0]
    asked = questions(log, args.questions)

    started = time.perf_counter()
    history = History.load([str(log)], options=options)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    batch = history.answer(asked)
    answered = time.perf_counter() - started
    refused = sum(isinstance(a, NoAnswer) for a in batch.answers)
    bound = sum(isinstance(a, NextContact) and bool(a.binding) for a in batch.answers)

    singles = []
    for n in range(args.single):
        event, at = asked[n]
        started = time.perf_counter()
        single = next_contact([str(log)], event, at, options=options)
        singles.append(time.perf_counter() - started)
        if not _same(batch.answers[n], single):
            sys.exit(f"question {n}: the batch answer differs from next_contact's")
    old = sum(singles) / len(singles) if singles else float("nan")
    per = answered / len(asked) * 1000 if asked else float("nan")

    print(f"history {log.name} ({history.rows.height:,} checkable rows), rules {args.rules}")
    print(f"load average (1 min) before/after: {before:.2f} / {os.getloadavg()[0]:.2f}\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| load history (once) | {loaded:.2f} s |")
    print(f"| answer {len(asked):,} questions | {answered:.2f} s |")
    print(f"| per question (batch) | {per:.2f} ms |")
    print(f"| per question, `next_contact` ({len(singles)} asked) | {old * 1000:,.0f} ms |")
    print(f"| speed-up per question | {old * 1000 / per:,.0f}x |")
    print(f"| answers bound by a rule / refused | {bound} / {refused} |")


if __name__ == "__main__":
    main()

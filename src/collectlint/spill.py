"""Findings of a log larger than memory, kept on disk and read back in report order.

A log checked a part at a time (`chunked`) can find millions of violations: more than the
parts themselves ever hold at once.  Each part's findings are written to a Parquet file as
the part is done (`Spill.add`), sorted.  At the end, `Spill.findings` takes one rule at a time
(each part's file is sorted by rule, so Parquet's row-group statistics skip the others), cuts
a rule with more than `WINDOW` findings into windows by time, sorts each window in memory and
writes it out: the files, one after another, are the report's findings in report
order (`findings.in_report_order`), which reporters stream a file at a time.
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from collectlint import tallies
from collectlint.findings import Findings, in_report_order
from collectlint.model import Breakdown
from collectlint.tallies import Counts

WINDOW = 200_000
"""About how many findings are sorted in memory at a time."""
ROW_GROUP = 10_000


class Spill:
    """Findings of parts written to a temporary folder under `folder` (the system's default
    when None), for inputs `paths` (their order is the report's)."""

    def __init__(self, paths: Sequence[str], folder: str | None = None) -> None:
        self._paths = tuple(paths)
        self._folder = tempfile.TemporaryDirectory(prefix="collectlint-findings-", dir=folder)
        self._root = Path(self._folder.name)
        self._parts: list[str] = []

    def add(self, findings: Findings) -> None:
        """Write one part's findings to disk, sorted."""
        if not len(findings):
            return
        target = self._root / f"part-{len(self._parts)}.parquet"
        in_report_order(findings.frame, self._paths).write_parquet(target, row_group_size=ROW_GROUP)
        self._parts.append(str(target))

    def findings(self, window: int = WINDOW) -> Findings:
        """All the parts' findings in report order, on disk (see the module docstring)."""
        if not self._parts:
            return Findings.empty()
        scan = pl.scan_parquet(self._parts)
        rules = scan.group_by("rule").len().collect().sort("rule")
        files: list[str] = []
        for rule, count in rules.iter_rows():
            # a plain comparison, so Parquet's statistics skip the other rules' row groups
            mine = scan.filter(pl.col("rule") == rule)
            cuts: list[int] = []
            if count > window:  # the rule's times cut every `window` findings
                times = mine.select(_INSTANT).collect().to_series().sort()
                cuts = times.gather_every(window, offset=window).unique().sort().to_list()
            for low, high in itertools.pairwise([None, *cuts, None]):
                inside = pl.lit(True)
                if low is not None:
                    inside &= _INSTANT.ge(low)
                if high is not None:
                    inside &= _INSTANT.lt(high)
                frame = in_report_order(mine.filter(inside).collect(), self._paths)
                target = self._root / f"window-{len(files)}.parquet"
                frame.write_parquet(target, row_group_size=ROW_GROUP)
                files.append(str(target))
                del frame
        for part in self._parts:
            Path(part).unlink()
        self._parts = []
        return Findings.on_disk(files, self._folder)


_INSTANT = pl.col("time").cast(pl.Int64).fill_null(-(2**63)).alias("time")
"""A finding's time as a number, a missing one first (as the report's sort puts it)."""


class CountSpill:
    """Parts' per-account count rows, kept on disk in `buckets` by a hash of the account (a
    log of tens of millions of contacts has millions of accounts, each with a row per rule
    that found something), and ranked a bucket at a time at the end
    (`tallies.breakdown_in_buckets`).  The files live in a temporary folder under `folder`."""

    def __init__(self, buckets: int, folder: str | None = None) -> None:
        self._buckets = max(buckets, 1)
        self._folder = tempfile.TemporaryDirectory(prefix="collectlint-accounts-", dir=folder)
        self._root = Path(self._folder.name)
        self._added = 0

    def add(self, counts: Counts) -> Counts:
        """`counts` without its account rows, which go to disk."""
        account = pl.col("dim") == "account"
        mine = counts.rows.filter(account)
        if mine.height:
            bucket = (mine["key"].hash() % self._buckets).alias("__bucket")
            for (number,), piece in (
                mine.with_columns(bucket).partition_by("__bucket", as_dict=True).items()
            ):
                target = self._root / f"b{number}"
                target.mkdir(exist_ok=True)
                piece.drop("__bucket").write_parquet(target / f"{self._added}.parquet")
            self._added += 1
        return dataclasses.replace(counts, rows=counts.rows.filter(~account))

    def breakdown(self) -> Breakdown | None:
        """The account breakdown of every part added (None: no account rows)."""
        folders = sorted(self._root.glob("b*"))
        buckets = (pl.read_parquet(sorted(f.glob("*.parquet"))) for f in folders)
        try:
            return tallies.breakdown_in_buckets("account", buckets)
        finally:
            self._folder.cleanup()

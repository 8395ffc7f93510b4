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

import itertools
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from collectlint.findings import Findings, in_report_order

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

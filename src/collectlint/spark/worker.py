"""What runs inside Spark's Python workers: `collectlint.partitions` on Arrow batches.

`mapInArrow` hands a function every batch of one partition; these turn them into one Polars
frame, run the part's work (`partitions.keyed` before the shuffle, `partitions.evaluate`
after it) and hand Arrow back: the rows with their added columns, typed as Spark declared
them, or the partition's `Part`, pickled in one binary cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import polars as pl
import pyarrow as pa

from collectlint import partitions
from collectlint.partitions import ADDED, ID, KEYS, ROW, SRC, TS, Job, key_column

PART_SCHEMA = pa.schema([("part", pa.binary())])
_ARROW = {ID: pa.string(), TS: pa.int64(), **{key_column(k): pa.string() for k in KEYS}}


def _table(batches: Iterator[pa.RecordBatch]) -> pa.Table | None:
    """A partition's batches as one table (None: an empty partition, which has none)."""
    found = list(batches)
    if not found:
        return None
    table = pa.Table.from_batches(found)
    return table if table.num_rows else None


def keys(job: Job, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Every row as it came (its columns untouched), sorted by input and record, with the
    columns `partitions.ADDED`."""
    table = _table(batches)
    if table is None:
        return
    table = table.sort_by([(SRC, "ascending"), (ROW, "ascending")])
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    added = partitions.keyed(job, frame).to_arrow()
    for name in ADDED:
        table = table.append_column(name, added.column(name).cast(_ARROW[name]))
    yield from table.to_batches()


def evaluate(
    job: Job,
    stage_rules: frozenset[str],
    first: bool,
    as_of: datetime,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """Check a partition with the stage's rules; yield its `Part`, pickled."""
    table = _table(batches)
    if table is None:
        return
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    part = partitions.evaluate(job, stage_rules, first, as_of, frame)
    yield pa.RecordBatch.from_pydict({"part": [partitions.dumps(part)]}, schema=PART_SCHEMA)

"""What runs inside Spark's Python workers: the local reader and pipeline, on Arrow batches.

Two passes, each a `mapInArrow` function:

* `keys`, before the shuffle, on any split of the input: reads each batch as the local
  reader would and returns every row with the key fields as the events have them (account,
  debtor, the person contacted, number, channel), its effective id (blank ids are numbered as
  locally) and, when it can be checked, its instant.  Spark then marks ids that repeat across
  the whole log and shuffles by a key column.
* `evaluate`, after the shuffle, on a partition that holds whole groups of its stage's rules:
  the events are built and checked by `pipeline.evaluate_part`, the same compiled rules as a
  local run, and the partition's `Part` comes back pickled in one binary cell.

Packs are loaded once per worker process (workers are reused across tasks).
"""

from __future__ import annotations

import csv
import functools
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl
import pyarrow as pa

from collectlint import columns as C
from collectlint import pipeline
from collectlint.api import load_packs
from collectlint.inputs.canonical import canonical
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.readers import RawLog
from collectlint.kinds.base import KEY_COLUMNS
from collectlint.loading.packs import Pack
from collectlint.model import Role
from collectlint.selection import select_rules
from collectlint.tallies import Counts

SRC = "__src"
"""Spark-side column: the input's position among the inputs."""
ROW = "__row"
"""Spark-side column: the 1-based record number in its input."""
CORRUPT = "__corrupt"
"""Spark-side column: the text of a CSV record whose fields do not match the header."""
DUP = "__dup"
"""Spark-side column: the row's id occurs more than once in the whole log."""
ID = "__id"
TS = "__ts"
KEYS = tuple(KEY_COLUMNS)
"""The key fields a stage can shuffle by, as the keys pass returns them (see `stages`)."""


@dataclass(frozen=True, slots=True)
class Job:
    """What every task needs to read and check its rows: the same options as the driver's."""

    paths: tuple[str, ...]
    formats: tuple[str, ...]
    widths: tuple[int, ...]
    """Each CSV input's header fields (0 for other formats)."""
    column_map: tuple[tuple[str, str], ...]
    extra: frozenset[str]
    rules: tuple[str, ...]
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    severity: tuple[tuple[str, str], ...]
    read: ReadOptions
    settings: pipeline.RunSettings


def packs_of(job: Job, stage_rules: frozenset[str] | None = None) -> tuple[Pack, ...]:
    """The job's packs, compiled once per worker process, with only `stage_rules` (None: all)."""
    return _packs(job.rules, job.select, job.ignore, job.severity, stage_rules)


@functools.cache
def _packs(
    refs: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    severity: tuple[tuple[str, str], ...],
    stage_rules: frozenset[str] | None,
) -> tuple[Pack, ...]:
    packs = select_rules(load_packs(refs), list(select), list(ignore), dict(severity))
    if stage_rules is None:
        return packs
    return tuple(replace(p, rules=tuple(r for r in p.rules if r.id in stage_rules)) for p in packs)


def _raws(job: Job, frame: pl.DataFrame) -> list[RawLog]:
    """The rows of each input as that input's `RawLog`, in input order and record order (so
    events tied in time are taken in the order a local run takes them)."""
    frame = frame.sort(SRC, ROW)
    raws = []
    for index, path in enumerate(job.paths):
        rows = frame.filter(pl.col(SRC) == index)
        data = rows.drop(*(c for c in (SRC, ROW, CORRUPT, DUP) if c in rows.columns))
        data = data.rename({c: c.strip() for c in data.columns})
        events = canonical(data, dict(job.column_map), path, extra=job.extra)
        events = events.with_columns(rows[ROW].cast(pl.Int64).alias(C.ROW))
        if DUP in rows.columns:
            events = events.with_columns(rows[DUP].alias(C.DUPLICATE))
        problems = _shape_problems(rows, job.widths[index], job.formats[index])
        fmt = job.formats[index]
        raws.append(RawLog(path, events, role=Role.LOG, format=fmt, problems=problems))
    return raws


def _table(batches: Iterator[pa.RecordBatch]) -> pa.Table | None:
    """A partition's batches as one table (None: an empty partition, which has none)."""
    found = list(batches)
    if not found:
        return None
    table = pa.Table.from_batches(found)
    return table if table.num_rows else None


def _shape_problems(rows: pl.DataFrame, width: int, fmt: str) -> pl.DataFrame | None:
    """The CSV records Spark found malformed, by their position among `rows`, with the local
    reader's codes and reasons: the record's own fields are counted as Python's CSV reader
    splits its text (only the bad records, which are few)."""
    if CORRUPT not in rows.columns:
        return None
    bad = rows.with_row_index("_at", 1).filter(pl.col(CORRUPT).is_not_null())
    if not bad.height:
        return None
    separator = "\t" if fmt == "tsv" else ","
    got = [len(next(csv.reader([text], delimiter=separator), [])) for text in bad[CORRUPT]]
    return pl.DataFrame(
        {
            C.ROW: bad["_at"].cast(pl.Int64),
            C.CODE: ["short-row" if n < width else "long-row" for n in got],
            C.REASON: [f"row has {n} fields; the header has {width}" for n in got],
        },
        schema={C.ROW: pl.Int64, C.CODE: pl.String, C.REASON: pl.String},
    )


def _frame(batches: Iterator[pa.RecordBatch]) -> pl.DataFrame | None:
    table = _table(batches)
    if table is None:
        return None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


ADDED = (ID, TS, *(f"__key{n}" for n in range(len(KEYS))))
"""The columns the keys pass adds to every row."""


def keys(job: Job, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Every row as it came, sorted by input and record, with its effective id, its instant
    when checkable, and its key fields (see the module docstring)."""
    table = _table(batches)
    if table is None:
        return
    table = table.sort_by([(SRC, "ascending"), (ROW, "ascending")])
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    events = build_events(_raws(job, frame), job.read).frame
    checked = events[C.REASON].is_null()
    added = events.select(
        pl.col("id").cast(pl.String).alias(ID),
        pl.when(checked).then(pl.col(C.TS)).alias(TS),
        *(pl.col(KEY_COLUMNS[k]).cast(pl.String).alias(f"__key{n}") for n, k in enumerate(KEYS)),
    ).to_arrow()
    for name in ADDED:
        table = table.append_column(name, added.column(name).cast(_ARROW[name]))
    yield from table.to_batches()


_ARROW = {ID: pa.string(), TS: pa.int64(), **{f"__key{n}": pa.string() for n in range(len(KEYS))}}


PART_SCHEMA = pa.schema([("part", pa.binary())])


def evaluate(
    job: Job,
    stage_rules: frozenset[str],
    first: bool,
    as_of: datetime,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """Check a partition's events with the stage's rules; yield its `Part`, pickled.

    Only the first stage counts events (read, rejected, contacts); the others add their
    rules' findings."""
    frame = _frame(batches)
    if frame is None:
        return
    packs = packs_of(job, stage_rules)
    events = build_events(_raws(job, frame), job.read)
    part = pipeline.evaluate_part(events, packs, job.settings, as_of)
    if not first:
        part = _findings_only(part)
    yield pa.RecordBatch.from_pydict({"part": [dumps(part)]}, schema=PART_SCHEMA)


def _findings_only(part: pipeline.Part) -> pipeline.Part:
    """A later stage's part: its rules' findings and verdict counts, no event counts (the
    first stage counted every event already)."""
    hits = part.counts.rows.filter(pl.col("rule").is_not_null())
    return replace(
        part,
        rejected=(),
        events_read=0,
        out_of_scope=0,
        unplaced=0,
        counts=Counts(hits),
        accounts=pipeline.AccountFacts(),
        located=(),
    )


def dumps(part: pipeline.Part) -> bytes:
    """A part as bytes: Polars frames as Arrow IPC inside a pickle of plain values."""
    plain = {
        "findings": part.findings.frame,
        "rejected": part.rejected,
        "events_read": part.events_read,
        "out_of_scope": part.out_of_scope,
        "unplaced": part.unplaced,
        "not_judged": dict(part.not_judged),
        "pending": dict(part.pending),
        "counts": (part.counts.rows, part.counts.contacts, part.counts.first, part.counts.last),
        "used_waivers": part.used_waivers,
        "accounts": part.accounts,
        "located": part.located,
    }
    return pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> pipeline.Part:
    """The part `dumps` wrote (bytes from this job's own workers only)."""
    from collectlint.findings import Findings

    plain = pickle.loads(data)
    rows, contacts, first, last = plain["counts"]
    return pipeline.Part(
        findings=Findings(plain["findings"]),
        rejected=plain["rejected"],
        events_read=plain["events_read"],
        out_of_scope=plain["out_of_scope"],
        unplaced=plain["unplaced"],
        not_judged=plain["not_judged"],
        pending=plain["pending"],
        counts=Counts(rows, contacts, first, last),
        used_waivers=plain["used_waivers"],
        accounts=plain["accounts"],
        located=plain["located"],
    )


def key_column(field: str) -> str:
    """The keys pass's column holding `field` (a stage's key)."""
    return f"__key{KEYS.index(field)}"

"""A log checked a part at a time: the events of some consumers, through the one pipeline.

`stages.plan` says which key columns keep every rule's groups whole.  Both ways of checking a
log in parts use these functions on each part: the Spark engine (`collectlint.spark`, one
part per partition, in Spark's Python workers) and the local engine with `--partitions`
(`collectlint.chunked`, one part at a time in this process, spilled to disk in between).

* `keyed` reads a slice of the input as the local reader would and gives every row its
  effective id, its instant when checkable and its key fields: what the parts are split by.
* `evaluate` builds the events of one part and checks them with one stage's rules
  (`pipeline.evaluate_part`), giving its `Part`; `pipeline.assemble` adds the parts up.

Rows carry their input (`SRC`) and record number (`ROW`), so events tied in time are taken in
the order a whole-log run takes them, and findings name the record a whole-log run names.
"""

from __future__ import annotations

import csv
import functools
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

import polars as pl

from collectlint import columns as C
from collectlint import pipeline
from collectlint.api import load_packs, reads_text, settings_of, validate_options
from collectlint.errors import UsageError
from collectlint.inputs.canonical import canonical
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.lines import LineMap
from collectlint.inputs.readers import RawLog
from collectlint.kinds.base import KEY_COLUMNS
from collectlint.loading.packs import Pack
from collectlint.model import CheckOptions, Role
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
    lines: tuple[LineMap, ...]
    """Where each input's records start (`NO_LINES` when unknown): records keep their
    numbers in every part, so a part's findings name their lines as a whole-log run does."""
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


@dataclass(frozen=True, slots=True)
class Setup:
    """A run in parts, resolved: its packs, reporting settings, and whether a rule reads
    message text (else the text is not read, nor moved between parts)."""

    packs: tuple[Pack, ...]
    settings: pipeline.RunSettings
    reads_text: bool


def setup(logs: Sequence[str], opts: CheckOptions, engine: str) -> Setup:
    """Resolve a run in parts of `logs`, refusing what it cannot check part by part: a plan
    (whose answers need the whole history), input profiles and standard input."""
    validate_options(opts)
    if opts.history:
        raise UsageError(f"{engine} checks logs; a plan with --history runs on the whole log")
    if opts.profile:
        raise UsageError(
            f"{engine} reads canonical logs (with --map); read exports through a profile on "
            "the whole log, or write the canonical log first"
        )
    if any(path == "-" for path in logs):
        raise UsageError(f"{engine} reads files, not standard input")
    packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
    return Setup(packs, settings_of(opts), reads_text(packs))


def job_of(
    logs: Sequence[str],
    formats: Sequence[str],
    widths: Sequence[int],
    lines: Sequence[LineMap],
    opts: CheckOptions,
    ready: Setup,
) -> Job:
    """What every part needs to read and check its rows, from the run's options."""
    return Job(
        paths=tuple(logs),
        formats=tuple(formats),
        widths=tuple(widths),
        lines=tuple(lines),
        column_map=tuple(sorted(opts.column_map.items())),
        extra=frozenset().union(*(pack.info.fields for pack in ready.packs)),
        rules=tuple(opts.rules),
        select=tuple(opts.select),
        ignore=tuple(opts.ignore),
        severity=tuple(sorted(opts.severity.items())),
        read=ReadOptions(opts.assume_timezone, opts.infer_location),
        settings=replace(ready.settings, context=None),
    )


def raws(job: Job, frame: pl.DataFrame) -> list[RawLog]:
    """The rows of each input as that input's `RawLog`, in input order and record order (so
    events tied in time are taken in the order a local run takes them)."""
    frame = frame.sort(SRC, ROW)
    out = []
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
        lines = Deferred.now(job.lines[index])
        out.append(RawLog(path, events, role=Role.LOG, format=fmt, lines=lines, problems=problems))
    return out


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


ADDED = (ID, TS, *(f"__key{n}" for n in range(len(KEYS))))
"""The columns the keys pass adds to every row."""


def keyed(job: Job, frame: pl.DataFrame) -> pl.DataFrame:
    """The columns `ADDED` for every row of `frame`, sorted by input and record: its
    effective id, its instant when it can be checked, and its key fields as the rules see
    them (blank cells, the debtor defaulting to the account, the person contacted)."""
    events = build_events(raws(job, frame), job.read).frame
    checked = events[C.REASON].is_null()
    return events.select(
        pl.col("id").cast(pl.String).alias(ID),
        pl.when(checked).then(pl.col(C.TS)).alias(TS),
        *(pl.col(KEY_COLUMNS[k]).cast(pl.String).alias(key_column(k)) for k in KEYS),
    )


def evaluate(
    job: Job, stage_rules: frozenset[str], first: bool, as_of: datetime, frame: pl.DataFrame
) -> pipeline.Part:
    """Check one part's rows with the stage's rules.  Only the first stage counts events
    (read, rejected, contacts); the others add their rules' findings."""
    packs = packs_of(job, stage_rules)
    events = build_events(raws(job, frame), job.read)
    part = pipeline.evaluate_part(events, packs, job.settings, as_of)
    return part if first else _findings_only(part)


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
    """A part as bytes: its fields as plain values (Polars frames pickle as Arrow IPC)."""
    plain = {f.name: getattr(part, f.name) for f in fields(part)}
    counts = part.counts
    plain |= {
        "findings": part.findings.frame,
        "counts": (counts.rows, counts.contacts, counts.first, counts.last),
        "not_judged": dict(part.not_judged),
        "pending": dict(part.pending),
    }
    return pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> pipeline.Part:
    """The part `dumps` wrote (bytes from this job's own workers only)."""
    from collectlint.findings import Findings

    plain = pickle.loads(data)
    plain["findings"] = Findings(plain["findings"])
    plain["counts"] = Counts(*plain["counts"])
    return pipeline.Part(**plain)


def key_column(field: str) -> str:
    """The keys pass's column holding `field` (a stage's key)."""
    return f"__key{KEYS.index(field)}"

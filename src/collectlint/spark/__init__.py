"""`check` on Spark: the same packs, reader and pipeline, run per partition of the log.

Spark reads the logs (CSV, JSON Lines or Parquet, from any path it can read: local, HDFS,
S3), numbers their records, and runs the local reader on each split to learn every row's
keys (`worker.keys`).  Ids that repeat anywhere in the log are marked, as a local run rejects
them.  Then, per stage of `stages.plan` (for the built-in packs: by account, by person
contacted, by debtor), the rows are shuffled so that every group of the stage's rules is in
one partition, and each partition is checked by `pipeline.evaluate_part`: one implementation
of the law, run where the data is.  The parts come back to the driver, and
`pipeline.assemble` adds them up into the same `Report` a local run gives.

PySpark is an optional extra (`pip install 'collectlint[spark]'`) and needs Java 17+.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from collectlint import pipeline, stages
from collectlint.api import load_packs, settings_of, validate_options
from collectlint.errors import InputError, UsageError
from collectlint.findings import Findings
from collectlint.inputs.events import ReadOptions
from collectlint.inputs.lines import LineMap
from collectlint.inputs.readers import FORMATS
from collectlint.inputs.scan import CsvLayout
from collectlint.loading.checks import filter_fields
from collectlint.model import CheckOptions, InputFile, Role
from collectlint.report import Report
from collectlint.selection import select_rules
from collectlint.spark import worker
from collectlint.spark.session import session
from collectlint.util import from_us

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MASTER = "local[*]"


def check(
    logs: Sequence[str],
    opts: CheckOptions,
    *,
    master: str = DEFAULT_MASTER,
    partitions: int | None = None,
    conf: Mapping[str, str] | None = None,
) -> Report:
    """Check `logs` on Spark (`master`: `local[2]`, `yarn`, `spark://host:7077`, ...).

    `partitions` is how many parts each stage splits the log into (default: two per core
    Spark offers, and at least one per 500,000 rows).  `conf` is extra Spark configuration.
    """
    validate_options(opts)
    if opts.history:
        raise UsageError("--engine spark checks logs; a plan with --history runs locally")
    if opts.profile:
        raise UsageError(
            "--engine spark reads canonical logs (with --map); read exports through a "
            "profile locally, or write the canonical log first"
        )
    if any(path == "-" for path in logs):
        raise UsageError("--engine spark reads files, not standard input")
    packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
    settings = settings_of(opts)
    rules = [rule for pack in packs for rule in pack.rules]
    reads_text = any(
        rule.check.reads_text or "body_is" in filter_fields(rule.spec.where, rule.spec.params)
        for rule in rules
    )
    formats = tuple(_format(path) for path in logs)
    layouts = [_layout(path, fmt) for path, fmt in zip(logs, formats, strict=True)]
    job = worker.Job(
        paths=tuple(logs),
        formats=formats,
        widths=tuple(layout.header_fields if layout else 0 for layout in layouts),
        column_map=tuple(sorted(opts.column_map.items())),
        extra=frozenset().union(*(pack.info.fields for pack in packs)),
        rules=tuple(opts.rules),
        select=tuple(opts.select),
        ignore=tuple(opts.ignore),
        severity=tuple(sorted(opts.severity.items())),
        read=ReadOptions(opts.assume_timezone, opts.infer_location),
        settings=dataclasses.replace(settings, context=None),
    )
    plan = stages.plan(packs)
    extra = dict(conf or {})
    if master.startswith("local"):
        extra.setdefault("spark.driver.memory", "4g")
    with session(master, extra) as spark:
        frames, counts = zip(
            *(_read(spark, job, i, reads_text) for i in range(len(logs))), strict=True
        )
        total = sum(counts)
        width = partitions or max(2 * spark.sparkContext.defaultParallelism, total // 500_000, 1)
        keyed = _keyed(spark, job, frames)
        as_of = (opts.as_of or _latest(keyed)).astimezone(UTC)
        parts = []
        for number, stage in enumerate(plan):
            split = (
                keyed.repartition(1)
                if stage.field == stages.WHOLE
                else keyed.repartition(width, worker.key_column(stage.field))
            )
            run = functools.partial(worker.evaluate, job, stage.rules, number == 0, as_of)
            table = split.mapInArrow(run, "part binary").toArrow()
            parts += [worker.loads(blob.as_py()) for blob in table.column("part")]
        keyed.unpersist()
    inputs = tuple(
        InputFile(path, layout.sha256 if layout else _sha256(path), rows, Role.LOG)
        for path, rows, layout in zip(logs, counts, layouts, strict=True)
    )
    report = pipeline.assemble(parts, packs, settings, as_of, inputs, (total, 0, 0))
    maps = {path: layout.lines for path, layout in zip(logs, layouts, strict=True) if layout}
    return _with_lines(report, maps)


def _layout(path: str, fmt: str) -> CsvLayout | None:
    """A local CSV file's layout (digest, header, where each record starts), read here in one
    pass so that findings name lines as a local run does; None for other inputs."""
    local = Path(path)
    if fmt not in ("csv", "tsv") or not local.is_file():
        return None
    from collectlint.inputs.scan import scan_csv

    layout, _ = scan_csv(local, "\t" if fmt == "tsv" else ",")
    return layout


def _with_lines(report: Report, maps: Mapping[str, LineMap]) -> Report:
    """`report` with the physical line of every finding and rejected row of the inputs in
    `maps` (Spark numbers records; lines come from the driver's own pass over the file)."""
    if not maps:
        return report
    import numpy as np
    import polars as pl

    frame = report.violations.frame
    lines = np.zeros(frame.height, dtype=np.int64)
    paths = frame["origin"].struct.field("path").to_numpy()
    rows = frame["origin"].struct.field("row").to_numpy()
    for path, line_map in maps.items():
        mine = paths == path
        if mine.any():
            lines[mine] = line_map.lines(rows[mine])
    origin = pl.col("origin").struct.with_fields(pl.Series("line", lines))
    findings = Findings(frame.with_columns(origin.alias("origin")))
    rejected = tuple(
        r._replace(origin=r.origin._replace(line=int(maps[r.path].lines(np.array([r.row]))[0])))
        if r.path in maps
        else r
        for r in report.rejected
    )
    return dataclasses.replace(report, violations=findings, rejected=rejected)


def _format(path: str) -> str:
    suffix = Path(path.rstrip("/")).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"{path}: --engine spark reads {known} (by the name's suffix)")
    return FORMATS[suffix]


def _read(
    spark: SparkSession, job: worker.Job, index: int, reads_text: bool
) -> tuple[DataFrame, int]:
    """Input `index` as a Spark frame of its rows, with its position and each record's
    number, and its row count."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    path, fmt = job.paths[index], job.formats[index]
    try:
        if fmt in ("csv", "tsv"):
            options = {
                "header": "true",
                "sep": "\t" if fmt == "tsv" else ",",
                "quote": '"',
                "escape": '"',
                "multiLine": "true",  # a message body may hold line breaks
                "mode": "PERMISSIVE",
            }
            names = spark.read.options(**options).csv(path).columns
            schema = StructType(
                [StructField(n, StringType()) for n in names]
                + [StructField(worker.CORRUPT, StringType())]
            )
            frame = (
                spark.read.options(**options, columnNameOfCorruptRecord=worker.CORRUPT)
                .schema(schema)
                .csv(path)
            )
        elif fmt == "jsonl":
            frame = spark.read.option("primitivesAsString", "true").json(path)
        else:
            frame = spark.read.parquet(path)
    except Exception as exc:  # Spark's AnalysisException and friends: a path it cannot read
        raise InputError(f"{path}: Spark cannot read it: {str(exc).splitlines()[0]}") from None
    if not reads_text and "body" in frame.columns and "body" not in dict(job.column_map):
        frame = frame.drop("body")  # no rule reads message text: do not shuffle it
    frame = frame.withColumn(worker.SRC, F.lit(index).cast("int"))
    frame = frame.withColumn("__pid", F.spark_partition_id()).withColumn(
        "__mid", F.monotonically_increasing_id()
    )
    sizes: dict[int, int] = dict(frame.groupBy("__pid").count().collect())
    offsets, start = {}, 0
    for pid in sorted(sizes):
        offsets[pid] = start
        start += sizes[pid]
    where = F.create_map(*(F.lit(x) for pid in sorted(offsets) for x in (pid, offsets[pid])))
    local = F.col("__mid") - F.shiftleft(F.col("__pid").cast("long"), 33)
    numbered = frame.withColumn(worker.ROW, where[F.col("__pid")] + local + 1).drop(
        "__pid", "__mid"
    )
    return numbered, start


def _keyed(spark: SparkSession, job: worker.Job, frames: Sequence[DataFrame]) -> DataFrame:
    """All inputs' rows with their keys, and `worker.DUP` on ids that repeat (persisted:
    every stage shuffles it)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    rows = frames[0]
    for other in frames[1:]:
        rows = rows.unionByName(other, allowMissingColumns=True)
    added = [StructField(worker.ID, StringType()), StructField(worker.TS, LongType())]
    added += [StructField(worker.key_column(k), StringType()) for k in worker.KEYS]
    schema = StructType([*rows.schema.fields, *added])
    keyed = rows.mapInArrow(functools.partial(worker.keys, job), schema)
    keyed = keyed.persist(StorageLevel.MEMORY_AND_DISK)
    repeated = keyed.groupBy(worker.ID).count().where(F.col("count") > 1).select(worker.ID)
    if repeated.limit(1).count():
        marks = repeated.withColumn(worker.DUP, F.lit(True))
        keyed = keyed.join(F.broadcast(marks), on=worker.ID, how="left").persist(
            StorageLevel.MEMORY_AND_DISK
        )
    _ = spark
    return keyed


def _latest(keyed: DataFrame) -> datetime:
    """The latest instant among the rows that can be checked (the default `as_of`)."""
    from pyspark.sql import functions as F

    checkable = F.col(worker.TS).isNotNull()
    if worker.DUP in keyed.columns:
        checkable = checkable & F.col(worker.DUP).isNull()
    latest = keyed.where(checkable).agg(F.max(worker.TS)).collect()[0][0]
    return pipeline.EPOCH if latest is None else from_us(int(latest))


def _sha256(path: str) -> str:
    """The digest of a local file (empty for a folder or a remote path Spark reads)."""
    local = Path(path)
    if not local.is_file():
        return ""
    with local.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()

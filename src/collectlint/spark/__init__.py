"""`check` on Spark: the same packs, reader and pipeline, run per partition of the log.

Spark reads the logs (CSV, JSON Lines or Parquet, from any path it can read: local, HDFS,
S3), numbers their records, and runs the local reader on each split to learn every row's
keys (`splits.keyed`).  Ids that repeat anywhere in the log are marked, as a local run rejects
them.  Then, per stage of `stages.plan` (for the built-in packs: by account, by person
contacted, by debtor), the rows are shuffled so that every group of the stage's rules is in
one partition, and each partition is checked by `pipeline.evaluate_part`: one implementation
of the law, run where the data is.  The parts come back to the driver one at a time; their
findings and per-account counts are written to disk there (`spill`), and
`pipeline.assemble` adds up the rest into the same `Report` a local run gives, its findings
streamed from disk.

PySpark is an optional extra (`pip install 'collectlint[spark]'`) and needs Java 17+.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from collectlint import partitions as splits
from collectlint import pipeline, stages
from collectlint.api import file_sha256
from collectlint.errors import InputError, UsageError
from collectlint.findings import Findings
from collectlint.inputs.lines import NO_LINES
from collectlint.inputs.readers import FORMATS
from collectlint.inputs.scan import CsvLayout
from collectlint.model import CheckOptions, InputFile, Role
from collectlint.report import Report
from collectlint.spark import worker
from collectlint.spark.session import session
from collectlint.spill import CountSpill, Spill
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
    ready = splits.setup(logs, opts, "--engine spark")
    packs, settings, reads_text = ready.packs, ready.settings, ready.reads_text
    formats = tuple(_format(path) for path in logs)
    layouts = [_layout(path, fmt) for path, fmt in zip(logs, formats, strict=True)]
    widths = [layout.header_fields if layout else 0 for layout in layouts]
    lines = [layout.lines if layout else NO_LINES for layout in layouts]
    job = splits.job_of(logs, formats, widths, lines, opts, ready)
    plan = stages.plan(packs)
    extra = dict(conf or {})
    if master.startswith("local"):
        extra.setdefault("spark.driver.memory", "4g")
    with session(master, extra) as spark:
        read = [
            _read(spark, job, i, reads_text, layout is None or not layout.lines.plain)
            for i, layout in enumerate(layouts)
        ]
        frames, counts = [f for f, _ in read], [n for _, n in read]
        total = sum(counts)
        width = partitions or max(2 * spark.sparkContext.defaultParallelism, total // 500_000, 1)
        keyed = _keyed(spark, job, frames)
        as_of = (opts.as_of or _latest(keyed)).astimezone(UTC)
        parts = []
        kept = Spill(logs)
        counted = CountSpill(width)
        for number, stage in enumerate(plan):
            split = (
                keyed.repartition(1)
                if stage.field == stages.WHOLE
                else keyed.repartition(width, splits.key_column(stage.field))
            )
            run = functools.partial(worker.evaluate, job, stage.rules, number == 0, as_of)
            # a partition's part at a time: its findings go to disk, its counts are kept
            for row in split.mapInArrow(run, "part binary").toLocalIterator():
                part = splits.loads(row["part"])
                kept.add(part.findings)
                sums = counted.add(part.counts)
                parts.append(dataclasses.replace(part, findings=Findings.empty(), counts=sums))
        keyed.unpersist()
    inputs = tuple(
        InputFile(path, layout.sha256 if layout else _sha256(path), rows, Role.LOG)
        for path, rows, layout in zip(logs, counts, layouts, strict=True)
    )
    return pipeline.assemble(
        parts,
        packs,
        settings,
        as_of,
        inputs,
        (total, 0, 0),
        findings=kept.findings(),
        accounts=counted.breakdown(),
    )


def _layout(path: str, fmt: str) -> CsvLayout | None:
    """A local CSV file's layout (digest, header, where each record starts), read here in one
    pass so that findings name lines as a local run does; None for other inputs."""
    local = Path(path)
    if fmt not in ("csv", "tsv") or not local.is_file():
        return None
    from collectlint.inputs.scan import scan_csv

    layout, _ = scan_csv(local, "\t" if fmt == "tsv" else ",")
    return layout


def _format(path: str) -> str:
    suffix = Path(path.rstrip("/")).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"{path}: --engine spark reads {known} (by the name's suffix)")
    return FORMATS[suffix]


def _read(
    spark: SparkSession, job: splits.Job, index: int, reads_text: bool, lines: bool
) -> tuple[DataFrame, int]:
    """Input `index` as a Spark frame of its rows, with its position and each record's
    number, and its row count.  `lines`: a record may take several lines (unknown for a file
    Spark reads from elsewhere), so the file is read whole by one task rather than split."""
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
                "multiLine": "true" if lines else "false",  # a body may hold line breaks
                "mode": "PERMISSIVE",
            }
            names = spark.read.options(**options).csv(path).columns
            schema = StructType(
                [StructField(n, StringType()) for n in names]
                + [StructField(splits.CORRUPT, StringType())]
            )
            frame = (
                spark.read.options(**options, columnNameOfCorruptRecord=splits.CORRUPT)
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
    frame = frame.withColumn(splits.SRC, F.lit(index).cast("int"))
    # a record's number: its position in its split (ids run on within one), after the
    # records of the earlier splits of its file, the files in name order
    frame = frame.select(
        "*",
        F.concat_ws("|", "_metadata.file_path", "_metadata.file_block_start").alias("__block"),
        F.col("_metadata.file_path").alias("__file"),
        F.col("_metadata.file_block_start").alias("__start"),
        F.monotonically_increasing_id().alias("__mid"),
    )
    blocks = (
        frame.groupBy("__block", "__file", "__start")
        .agg(F.count("*").alias("n"), F.min("__mid").alias("first"))
        .collect()
    )
    shift: dict[str, int] = {}
    start = 0
    for block, _, _, rows, first in sorted(blocks, key=lambda b: (b[1], b[2])):
        shift[block] = start - first
        start += rows
    where = F.create_map(*(F.lit(x) for block, value in shift.items() for x in (block, value)))
    numbered = frame.withColumn(splits.ROW, where[F.col("__block")] + F.col("__mid") + 1).drop(
        "__block", "__file", "__start", "__mid"
    )
    return numbered, start


def _keyed(spark: SparkSession, job: splits.Job, frames: Sequence[DataFrame]) -> DataFrame:
    """All inputs' rows with their keys, and `splits.DUP` on ids that repeat (persisted:
    every stage shuffles it)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    rows = frames[0]
    for other in frames[1:]:
        rows = rows.unionByName(other, allowMissingColumns=True)
    added = [StructField(splits.ID, StringType()), StructField(splits.TS, LongType())]
    added += [StructField(splits.key_column(k), StringType()) for k in splits.KEYS]
    schema = StructType([*rows.schema.fields, *added])
    keyed = rows.mapInArrow(functools.partial(worker.keys, job), schema)
    keyed = keyed.persist(StorageLevel.MEMORY_AND_DISK)
    repeated = keyed.groupBy(splits.ID).count().where(F.col("count") > 1).select(splits.ID)
    if repeated.limit(1).count():
        marks = repeated.withColumn(splits.DUP, F.lit(True))
        keyed = keyed.join(F.broadcast(marks), on=splits.ID, how="left").persist(
            StorageLevel.MEMORY_AND_DISK
        )
    _ = spark
    return keyed


def _latest(keyed: DataFrame) -> datetime:
    """The latest instant among the rows that can be checked (the default `as_of`)."""
    from pyspark.sql import functions as F

    checkable = F.col(splits.TS).isNotNull()
    if splits.DUP in keyed.columns:
        checkable = checkable & F.col(splits.DUP).isNull()
    latest = keyed.where(checkable).agg(F.max(splits.TS)).collect()[0][0]
    return pipeline.EPOCH if latest is None else from_us(int(latest))


def _sha256(path: str) -> str:
    """The digest of a local file (empty for a folder or a remote path Spark reads)."""
    return file_sha256(path) if Path(path).is_file() else ""

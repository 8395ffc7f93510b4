"""`check` of a Parquet log larger than memory: a part at a time, spilled to disk in between.

The same algorithm as the Spark engine, with this process as the only worker: the log is
read in slices; each slice is read by the local reader to learn every row's keys
(`partitions.keyed`), and its rows are written to one spill file per stage and bucket (the
stage's key hashed into `parts` buckets, so every group of the stage's rules lands in one
bucket).  Ids are spilled by their own hash to find those that repeat anywhere in the log.
Then every bucket of every stage is read back and checked on its own
(`partitions.evaluate`), and `pipeline.assemble` adds the parts up into the report a whole-log
run gives.  Each part's findings and per-account counts go to disk as soon as it is done
(`spill`), and the report streams its findings from there: memory holds one slice, one
bucket or one window of findings at a time, and the small counts.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

import polars as pl

from collectlint import partitions as splits
from collectlint import pipeline, stages
from collectlint.api import file_sha256
from collectlint.errors import InputError, UsageError
from collectlint.findings import Findings
from collectlint.inputs.lines import NO_LINES
from collectlint.inputs.readers import FORMATS
from collectlint.model import CheckOptions, InputFile, Role
from collectlint.report import Report
from collectlint.spill import WINDOW, CountSpill, Spill
from collectlint.util import from_us

SLICE_ROWS = 1_000_000
"""Rows read and keyed at a time."""


def check(
    logs: Sequence[str],
    opts: CheckOptions,
    *,
    parts: int,
    slice_rows: int = SLICE_ROWS,
    spill: str | None = None,
    window: int = WINDOW,
) -> Report:
    """Check Parquet `logs` split into `parts` buckets per stage (see the module docstring);
    `spill` is where the buckets and findings are written (default: the system's temporary
    folder); `window`: about how many findings are sorted in memory at a time."""
    ready = splits.setup(logs, opts, "--partitions")
    for path in logs:
        if FORMATS.get(Path(path).suffix.lower()) != "parquet":
            raise UsageError(
                f"--partitions reads Parquet logs, not {path} (write it as Parquet first, or "
                "check it whole)"
            )
    formats = ["parquet"] * len(logs)
    job = splits.job_of(logs, formats, [0] * len(logs), [NO_LINES] * len(logs), opts, ready)
    plan = stages.plan(ready.packs)
    with tempfile.TemporaryDirectory(prefix="collectlint-parts-", dir=spill) as folder:
        root = Path(folder)
        rows = [
            _spill(job, index, root, plan, parts, slice_rows, ready.reads_text)
            for index in range(len(logs))
        ]
        repeated = _repeated(root, parts)
        latest = _latest(root, repeated)
        as_of = (
            opts.as_of or (from_us(latest) if latest is not None else pipeline.EPOCH)
        ).astimezone(UTC)
        found = []
        kept = Spill(logs, spill)
        counted = CountSpill(parts, spill)
        for number, stage in enumerate(plan):
            for bucket in range(parts if stage.field else 1):
                files = sorted((root / f"s{number}" / f"b{bucket}").glob("*.parquet"))
                if not files:
                    continue
                # inputs may differ in their optional columns
                frame = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
                if len(repeated):
                    frame = frame.with_columns(
                        pl.col(splits.ID).is_in(repeated.implode()).alias(splits.DUP)
                    )
                part = splits.evaluate(job, stage.rules, number == 0, as_of, frame)
                del frame
                kept.add(part.findings)
                counts = counted.add(part.counts)
                found.append(dataclasses.replace(part, findings=Findings.empty(), counts=counts))
    inputs = tuple(
        InputFile(path, file_sha256(path), count, Role.LOG)
        for path, count in zip(logs, rows, strict=True)
    )
    return pipeline.assemble(
        found,
        ready.packs,
        ready.settings,
        as_of,
        inputs,
        (sum(rows), 0, 0),
        findings=kept.findings(window),
        accounts=counted.breakdown(),
    )


def _spill(
    job: splits.Job,
    index: int,
    root: Path,
    plan: Sequence[stages.Stage],
    parts: int,
    slice_rows: int,
    reads_text: bool,
) -> int:
    """Read input `index` a slice at a time, key it, and write each slice's rows into the
    buckets of every stage, and its ids and instants by the ids' hash; its row count."""
    path = job.paths[index]
    try:
        scan = pl.scan_parquet(path)
        names = list(scan.collect_schema())
        total = int(scan.select(pl.len()).collect().item())
    except Exception:  # polars raises many types; each means "not a Parquet file"
        raise InputError(f"{path}: not a Parquet file (or a damaged one)") from None
    wanted = [
        n for n in names if reads_text or n.strip() != "body" or "body" in dict(job.column_map)
    ]
    for start in range(0, total, slice_rows):
        frame = scan.select(wanted).slice(start, slice_rows).collect()
        frame = frame.with_columns(
            pl.lit(index, pl.Int32).alias(splits.SRC),
            pl.int_range(start + 1, start + 1 + frame.height, dtype=pl.Int64).alias(splits.ROW),
        )
        rows = pl.concat([frame, splits.keyed(job, frame)], how="horizontal")
        name = f"{index}-{start}.parquet"
        ids = rows.select(splits.ID, splits.TS)
        _write(ids, ids[splits.ID].hash() % parts, root / "ids", name)
        for number, stage in enumerate(plan):
            column = splits.key_column(stage.field) if stage.field else None
            buckets = (
                rows[column].hash() % parts if column else pl.repeat(0, rows.height, eager=True)
            )
            _write(rows, buckets, root / f"s{number}", name)
    return total


def _write(rows: pl.DataFrame, buckets: pl.Series, folder: Path, name: str) -> None:
    """Each bucket's rows of `rows` into `folder/b{bucket}/name`."""
    tagged = rows.with_columns(buckets.cast(pl.Int64).alias("__bucket"))
    for (bucket,), piece in tagged.partition_by("__bucket", as_dict=True).items():
        target = folder / f"b{bucket}"
        target.mkdir(parents=True, exist_ok=True)
        piece.drop("__bucket").write_parquet(target / name)


def _repeated(root: Path, parts: int) -> pl.Series:
    """The ids that occur more than once in the whole log (a bucket of ids at a time)."""
    found = [pl.Series(splits.ID, [], pl.String)]
    for bucket in range(parts):
        files = sorted((root / "ids" / f"b{bucket}").glob("*.parquet"))
        if files:
            ids = pl.read_parquet(files, columns=[splits.ID])[splits.ID]
            found.append(ids.filter(ids.is_duplicated()).unique())
    return pl.concat(found)


def _latest(root: Path, repeated: pl.Series) -> int | None:
    """The latest checkable instant (UTC µs) of a row whose id is its own: the default
    `as_of`, as a whole-log run takes it."""
    files = sorted((root / "ids").glob("b*/*.parquet"))
    if not files:
        return None
    latest = (
        pl.scan_parquet(files)
        .filter(~pl.col(splits.ID).is_in(repeated.implode()))
        .select(pl.col(splits.TS).max())
        .collect()
        .item()
    )
    return int(latest) if latest is not None else None

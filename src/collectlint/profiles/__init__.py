"""Input profiles: how a source export (Twilio, Amazon Connect, a dialer's CSV) becomes the
canonical contact log, reviewed as data rather than as pre-processing scripts."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError, UsageError
from collectlint.inputs.canonical import canonical
from collectlint.inputs.encoding import is_utf8, transcoded
from collectlint.inputs.readers import RawLog
from collectlint.model import Role
from collectlint.profiles.apply import apply
from collectlint.profiles.source import read_source
from collectlint.profiles.spec import Profile

__all__ = ["Profile", "read_profiled"]


def read_profiled(
    path: str,
    profile: Profile,
    accounts: pl.DataFrame | None,
    role: Role = Role.LOG,
    skip: frozenset[str] = frozenset(),
    extra: frozenset[str] = frozenset(),
    encoding: str = "utf-8",
) -> RawLog:
    """Read the export at `path` through `profile` as a log: canonical columns, one row per
    event, each rejected row with its reason, lines and digest of the export itself.  A CSV
    export may be in another text `encoding` (read through a UTF-8 copy)."""
    if path == "-":
        raise UsageError("--profile reads export files, not standard input: save the export first")
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{path}: is a directory, not an export file")
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if is_utf8(encoding):
            read = read_source(file, path, profile.format, _wanted(profile))
        elif profile.format != "csv":
            raise UsageError(
                f"--encoding {encoding}: only CSV exports may be in another encoding "
                f"({path} is read as {profile.format})"
            )
        else:
            with transcoded(file, encoding, path) as (copy, digest):
                read = read_source(copy, path, "csv", _wanted(profile), digest)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    mapped = apply(profile, read.frame, path, accounts)
    frame = mapped.frame.drop([c for c in skip if c in mapped.frame.columns])
    frame = canonical(frame, {}, path, extra=extra)
    records = mapped.sources.cast(pl.Int64).to_numpy() + 1
    problems = mapped.problems
    if read.problems is not None and read.problems.height:  # the export's own shape problems
        by_record = read.problems.rename({C.ROW: "_record"})
        shaped = (
            pl.DataFrame({"_record": records})
            .with_row_index(C.ROW, offset=1)
            .join(by_record, on="_record")
            .select(pl.col(C.ROW).cast(pl.Int64), C.CODE, C.REASON)
        )
        problems = pl.concat([shaped, problems.join(shaped, on=C.ROW, how="anti")])
    frame = frame.with_columns(pl.Series(C.ROW, records, dtype=pl.Int64))
    return RawLog(
        path,
        frame,
        read.sha256,
        role,
        profile.format,
        read.lines,  # rows are numbered by the export's records, so its lines serve as they are
        problems if problems.height else None,
        read.pending,
        mapped.run,
    )


def _wanted(profile: Profile) -> list[str]:
    """The source columns to parse: those the profile reads, and the top-level objects of the
    dotted ones (so a column of an object null in every record is still known to exist)."""
    names = set(profile.source_columns)
    return sorted(names | {name.split(".")[0] for name in names})

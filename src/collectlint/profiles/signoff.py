"""The sign-off table of a profile on one export: every distinct source value of every mapped
column, how often it occurs, and what it becomes — the table a compliance officer reviews
before the profile's answers are trusted.  Computed with the same expressions the profile
applies (`profiles.apply`), so the table cannot disagree with a check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from collectlint.errors import InputError
from collectlint.profiles.apply import (
    check_columns,
    exclude_rows,
    first_match,
    mapped_value,
    source_value,
)
from collectlint.profiles.source import read_source
from collectlint.profiles.spec import Profile

REJECTED = "(rejected: not in the map)"
UNFIT = "(rejected: no entry fits)"
BLANK = "(blank)"


@dataclass(frozen=True, slots=True)
class SignoffRow:
    """One source value of one mapped column, its count and what it maps to."""

    field: str
    column: str
    value: str
    count: int
    maps_to: str


def signoff(profile: Profile, path: str) -> tuple[list[SignoffRow], dict[str, int], int]:
    """The value rows, the rows each exclusion leaves out, and the rows read."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    frame = read_source(file, path, profile.format).frame
    present = set(frame.columns)
    check_columns(profile, present, path)
    read = frame.height
    kept, excluded = exclude_rows(profile, frame.with_row_index("_src"), present)
    rows: list[SignoffRow] = []
    for name, vmap in profile.values.items():
        keys = {k for k, _ in vmap.entries}
        table = (
            kept.select(
                source_value(vmap.source, present).alias("v"),
                mapped_value(vmap, present).alias("m"),
            )
            .group_by("v", "m")
            .len()
            .sort("v", "m", nulls_last=True)
        )
        for value, result, count in table.iter_rows():
            if result is not None:
                target = result
            elif value is None:
                target = BLANK
            else:
                target = UNFIT if value in keys else REJECTED
            shown = BLANK if value is None else value
            rows.append(SignoffRow(name, vmap.source, shown, int(count), target))
    for name, picks in profile.columns.items():
        if len(picks) < 2:
            continue
        labels = [(pick.when, pl.lit(f"column {pick.column}")) for pick in picks]
        chosen = first_match(labels, present)
        table = kept.select(chosen.alias("c")).group_by("c").len().sort("c", nulls_last=True)
        for column, count in table.iter_rows():
            rows.append(SignoffRow(name, "(choice)", str(column or "(none)"), int(count), name))
    for name, value in profile.constant.items():
        rows.append(SignoffRow(name, "(constant)", value, kept.height, value))
    return rows, excluded, read

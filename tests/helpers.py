"""Test helpers: paths and small log writers."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from collectlint.vocabulary import COLUMNS

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "contacts.csv"


def write_csv(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """Write canonical rows (missing columns empty) to `path`."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path

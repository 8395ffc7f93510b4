"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from helpers import write_csv


@pytest.fixture
def make_log(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing rows to a fresh CSV file."""
    counter = iter(range(1_000_000))

    def make(rows: Sequence[Mapping[str, str]], name: str | None = None) -> Path:
        return write_csv(tmp_path / (name or f"log{next(counter)}.csv"), rows)

    return make

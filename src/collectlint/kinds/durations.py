"""Parse the short durations rule files use: 90s, 30m, 24h, 7d."""

from __future__ import annotations

_UNIT_US = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}


def parse_duration_us(text: str) -> int:
    """Return `text` (digits and one unit letter, already schema-checked) in microseconds."""
    return int(text[:-1]) * _UNIT_US[text[-1]]

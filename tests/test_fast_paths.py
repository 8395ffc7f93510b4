"""The engine's shortcuts give exactly what the plain operation gives.

Each fast path (a merge instead of binary searches, categorical codes instead of zone names)
is checked against the straightforward Polars operation it replaces, on data that exercises
its edge cases: duplicates, empty inputs, unsorted needles and null zones.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Literal

import polars as pl
import pytest

from collectlint.inputs.clock import local_us
from collectlint.inputs.events import primary_zone
from collectlint.inputs.lines import count_lines
from collectlint.kinds.windows import search

ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Shanghai", "UTC"]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("size", [0, 10, 5_000, 20_000])
def test_merge_search_equals_binary_search(side: Literal["left", "right"], size: int) -> None:
    rng = random.Random(size)
    for sort_needles in (True, False):
        hay = pl.Series(
            sorted(rng.randrange(0, size // 3 + 2) for _ in range(size)), dtype=pl.Int64
        )
        needles = [rng.randrange(-2, size // 3 + 4) for _ in range(size + 7)]
        needle = pl.Series(sorted(needles) if sort_needles else needles, dtype=pl.Int64)
        expected = hay.search_sorted(needle, side=side).cast(pl.Int64)
        assert search(hay, needle, side).to_list() == expected.to_list()


def test_local_time_is_the_same_for_categorical_and_text_zones() -> None:
    rng = random.Random(7)
    # instants around both 2024 US clock changes and a whole year, in several zones
    ts = pl.Series([rng.randrange(1_704_067_200, 1_735_689_600) * 1_000_000 for _ in range(30_000)])
    zones = pl.Series([rng.choice(ZONES) for _ in range(len(ts))])
    as_text = local_us(ts, zones)
    as_codes = local_us(ts, zones.cast(pl.Categorical))
    assert as_text.to_list() == as_codes.to_list()
    # and both equal Polars' own conversion, zone by zone
    frame = pl.DataFrame({"ts": ts, "zone": zones, "local": as_text})
    for zone in ZONES:
        part = frame.filter(pl.col("zone") == zone)
        wall = (
            part["ts"]
            .cast(pl.Datetime("us", "UTC"))
            .dt.convert_time_zone(zone)
            .dt.replace_time_zone(None)
            .cast(pl.Int64)
        )
        assert part["local"].to_list() == wall.to_list()


def test_primary_zone_of_categorical_candidates() -> None:
    zones = pl.Series(["America/New_York|America/Chicago", "UTC", None, "Asia/Shanghai|UTC"])
    expected = ["America/New_York", "UTC", None, "Asia/Shanghai"]
    assert primary_zone(zones).to_list() == expected
    assert primary_zone(zones.cast(pl.Categorical)).cast(pl.String).to_list() == expected


LINE_CASES = [
    b"",
    b"a,b\n",
    b"a,b\n1,2\n3,4\n",
    b"a,b\n1,2\n3,4",
    b"a,b\n1,2\n\n\n3,4\n",
    b"a,b\r\n1,2\r\n\r\n3,4\r\n",
    b"\xef\xbb\xbfa,b\n1,2\n",
    b"a,b\r1,2\r3,4\n",
    b"a,b\n1,\x002\n",
    b"a,b\n#x\n1,2\n",
    b"a,b\n1,\x1f2\x1f\n",
    b'a,b\n"1\n2",3\n"open\n',
    b"\n\na,b\n1,2\n\n\n",
    b"a,b\n1,\xff\xfe\n",
    b"\n",
    b"\r",
]


@pytest.mark.parametrize("data", LINE_CASES)
def test_polars_line_count_equals_the_byte_count(data: bytes, tmp_path: Path) -> None:
    """The fast count (Polars) decides whether a file needs a full scan; it must be the
    plain newline count exactly, whatever the file holds."""
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    assert count_lines(path) == count_lines(data)
    unended = 0 if data.endswith(b"\n") or not data else 1
    assert count_lines(data)[1] == data.count(b"\n") + unended


def _same_counts_on_random_files(
    tmp_path: Path, seed: int, alphabet: bytes, files: int, longest: int
) -> None:
    """The file count (Polars, block by block) equals the in-memory byte count."""
    rng = random.Random(seed)
    for n in range(files):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, longest)))
        path = tmp_path / f"log-{n}.csv"
        path.write_bytes(data)
        assert count_lines(path) == count_lines(data), data


def test_polars_line_count_on_random_bytes(tmp_path: Path) -> None:
    _same_counts_on_random_files(tmp_path, 8, b'ab,;"\n\r\x1f\x00\xef\xbb\xbf# \t', 200, 300)


def test_line_count_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks split CRLF pairs, BOMs and lines anywhere; the sum must still be exact."""
    from collectlint.inputs import lines

    monkeypatch.setattr(lines, "CHUNK", 3)  # blocks of 12 bytes
    _same_counts_on_random_files(tmp_path, 9, b'ab,"\n\r\xef\xbb\xbf', 100, 200)

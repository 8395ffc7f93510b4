"""RFC 2822 times as the profiles read them: the fixed-width fast form and the full patterns
must judge every text alike (the fast form only reads faster)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import polars as pl
import pytest

from collectlint.profiles.apply import TIME_AT, TIME_TEXT, _loose_rfc2822, _rfc2822_fixed


def _parsed(texts: list[str], *, epoch: bool = False) -> list[datetime | int | None]:
    """The instants the profile reads (as epoch µs with `epoch`: a mutated year may be out
    of Python's range)."""
    frame = pl.DataFrame({TIME_TEXT: texts}, schema={TIME_TEXT: pl.String})
    staged = frame.with_columns(_rfc2822_fixed(pl.col(TIME_TEXT)).alias(TIME_AT))
    instants = _loose_rfc2822(staged)[TIME_AT]
    return (instants.dt.epoch("us") if epoch else instants).to_list()


def _full_patterns(texts: list[str], *, epoch: bool = False) -> list[datetime | int | None]:
    """The reference: the whole RFC 2822 pattern, then the same without the weekday."""
    series = pl.Series(texts, dtype=pl.String)
    exact = series.str.to_datetime(
        "%a, %d %b %Y %H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    loose = series.str.replace(r"^\w{3},\s*", "").str.to_datetime(
        "%e %b %Y %H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    instants = exact.fill_null(loose)
    return (instants.dt.epoch("us") if epoch else instants).to_list()


def at(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 10 Mar 2026 15:04:05 +0000", at(2026, 3, 10, 15, 4, 5)),
        ("Tue, 10 Mar 2026 15:04:05 -0130", at(2026, 3, 10, 16, 34, 5)),
        ("Tue, 10 Mar 2026 15:04:05 +2359", at(2026, 3, 9, 15, 5, 5)),
        ("Tue, 10 Mar 2026 15:04:05 -0000", at(2026, 3, 10, 15, 4, 5)),
        ("Wed, 10 Mar 2026 15:04:05 +0000", at(2026, 3, 10, 15, 4, 5)),  # weekday off: read
        ("Tue, 10 MAR 2026 15:04:05 +0000", at(2026, 3, 10, 15, 4, 5)),
        ("10 Mar 2026 15:04:05 +0000", at(2026, 3, 10, 15, 4, 5)),  # no weekday (3.3)
        ("Tue, 3 Mar 2026 15:04:05 +0000", at(2026, 3, 3, 15, 4, 5)),  # one-digit day (3.3)
        ("Tue, 10 Mar 2026 15:04:05 +24:00", None),
        ("Tue, 10 Mar 2026 15:04:05 +2400", None),
        ("Tue, 10 Mar 2026 15:04:05 +0060", None),
        ("Tue, 31 Feb 2026 15:04:05 +0000", None),
        ("Tue, 10 Mar 2026 24:00:00 +0000", None),
        ("Tue, 10 Mar 2026 15:04:05 +0000 ", None),
        ("Tue, 10 Mar 2026 15:04:05 +٠٠٠٠", None),  # digits of another script
        ("2026-03-10T15:04:05Z", None),
    ],
)
def test_each_form_is_read_as_the_full_pattern_reads_it(
    text: str, expected: datetime | None
) -> None:
    assert _parsed([text]) == [expected] == _full_patterns([text])


def test_mutated_times_are_judged_as_the_full_pattern_judges_them() -> None:
    seeds = [
        "Tue, 10 Mar 2026 15:04:05 +0000",
        "Sun, 29 Feb 2028 23:59:59 -1200",
        "Mon, 16 Feb 2026 00:00:39 +0530",
        "Thu, 31 Dec 2026 23:59:60 +0000",
    ]
    rng = random.Random(2822)
    alphabet = "0123456789 ,:+-MonTueFebMarZGT\t"
    texts = list(seeds)
    for _ in range(5_000):
        chars = list(rng.choice(seeds))
        for _ in range(rng.choice([0, 1, 1, 2])):
            i = rng.randrange(len(chars))
            step = rng.random()
            if step < 0.5:
                chars[i] = rng.choice(alphabet)
            elif step < 0.75:
                del chars[i]
            else:
                chars.insert(i, rng.choice(alphabet))
        texts.append("".join(chars))
    got, want = _parsed(texts, epoch=True), _full_patterns(texts, epoch=True)
    assert sum(v is not None for v in want) > 1_000  # most of them still times
    assert [t for t, g, w in zip(texts, got, want, strict=True) if g != w] == []

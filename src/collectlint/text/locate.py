"""Quote what a wording rule matched, from the original message, with character offsets.

Matching itself is vectorised (Polars, on the normalised text).  Only the messages already
flagged come here, one at a time: the message is normalised again in Python with a map from each
normalised character back to its original index, the match is found again, and its span is
mapped back.  If the two normalisations disagree (rare Unicode corner cases) or a pattern uses
syntax Python's `re` lacks, the finding keeps its category and quotes nothing rather than
quoting the wrong text.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from collectlint import columns as C
from collectlint.text.matchers import Matcher
from collectlint.text.normalise import normalise_with_map

Span = tuple[str | None, int | None, int | None]


def locate(body: str, plain: str, matcher: Matcher, allow: Matcher | None) -> Span:
    """The first match of `matcher` in `body` outside allowed phrases: (quote, start, end)."""
    norm, origin = normalise_with_map(body)
    regex = matcher.python()
    if regex is None or norm != plain:
        return None, None, None
    allow_regex = allow.python() if allow is not None else None
    blocked = [m.span() for m in allow_regex.finditer(norm)] if allow_regex else []
    for found in regex.finditer(norm):
        lo, hi = found.span()
        if hi > lo and not any(s < hi and lo < e for s, e in blocked):
            start, end = origin[lo], origin[hi - 1] + 1
            return body[start:end], start, end
    return None, None, None


def locate_all(
    flagged: pl.DataFrame, matchers: Mapping[str, Matcher], allow: Matcher | None
) -> pl.DataFrame:
    """Add the quote and its offsets to flagged rows (`body`, `C.NORM`, `C.CATEGORY`)."""
    quotes: list[str | None] = []
    starts: list[int | None] = []
    ends: list[int | None] = []
    for body, plain, category in flagged.select("body", C.NORM, C.CATEGORY).iter_rows():
        matcher = matchers.get(category)
        quote, start, end = (
            locate(body or "", plain, matcher, allow) if matcher else (None, None, None)
        )
        quotes.append(quote)
        starts.append(start)
        ends.append(end)
    return flagged.with_columns(
        pl.Series(C.QUOTE, quotes, dtype=pl.String),
        pl.Series(C.START, starts, dtype=pl.Int64),
        pl.Series(C.END, ends, dtype=pl.Int64),
    )

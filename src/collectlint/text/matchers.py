"""Phrase lists and regular expressions compiled for wording rules.

Phrases are normalised like message text (see `normalise`).  A phrase containing Chinese
characters matches as a substring; any other phrase matches whole words only (a word boundary at
each end that is a letter or digit), with any run of whitespace between its words.  Regular
expressions run on the normalised text too, with Polars' linear-time engine (the Rust `regex`
crate): backreferences and look-around are not supported, and a pattern that uses them is a
rule-file error, never a slow match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from collectlint.text.normalise import is_han, normalise

MAX_PATTERN_CHARS = 2_000
MAX_TERMS = 5_000


class PatternError(ValueError):
    """A phrase or pattern that cannot be used; `location` is its path inside `params`."""

    def __init__(self, message: str, location: Sequence[str | int]) -> None:
        super().__init__(message)
        self.location = tuple(location)


def phrase_regex(phrase: str) -> str:
    """The regular expression matching `phrase` in normalised text."""
    norm = normalise(phrase).strip()
    if any(is_han(c) for c in norm):
        return pl.escape_regex(norm)
    body = r"\s+".join(pl.escape_regex(word) for word in norm.split())
    head = r"\b" if norm[:1].isalnum() else ""
    tail = r"\b" if norm[-1:].isalnum() else ""
    return f"{head}{body}{tail}"


@cache
def _check_with_polars(regex: str) -> str | None:
    try:
        pl.select(pl.lit("").str.contains(regex))
    except Exception as exc:  # polars raises ComputeError for syntax and size errors
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = next((line for line in lines if line.startswith("error:")), lines[0])
        return reason.removeprefix("error: ")
    return None


@cache
def _compiles_with_polars(regexes: tuple[str, ...]) -> bool:
    try:
        pl.select(pl.lit("").str.contains(r).alias(str(i)) for i, r in enumerate(regexes))
    except Exception:  # polars raises ComputeError for syntax and size errors
        return False
    return True


@dataclass(frozen=True, slots=True)
class Matcher:
    """A set of phrases and patterns, as one alternation usable by Polars and by Python.

    `build` makes the expression; `verify` proves that Polars' engine accepts it (the cost of
    compiling it once), which is done for every pack a user writes, and for the built-in
    packs by the test suite.
    """

    regex: str
    patterns: tuple[str, ...] = ()
    location: tuple[str | int, ...] = ()

    @classmethod
    def build(cls, raw: Mapping[str, Any], location: Sequence[str | int]) -> Matcher:
        """Compile `{phrases: [...], patterns: [...]}` found at `location` in the params."""
        parts: list[str] = []
        phrases = raw.get("phrases", [])
        patterns = raw.get("patterns", [])
        if len(phrases) + len(patterns) > MAX_TERMS:
            raise PatternError(f"more than {MAX_TERMS} phrases and patterns", location)
        for index, phrase in enumerate(phrases):
            if not normalise(phrase).strip():
                raise PatternError("empty phrase", [*location, "phrases", index])
            parts.append(phrase_regex(phrase))
        for index, pattern in enumerate(patterns):
            if len(pattern) > MAX_PATTERN_CHARS:
                where = [*location, "patterns", index]
                raise PatternError(f"pattern longer than {MAX_PATTERN_CHARS} characters", where)
        regex = "(?i)(?:" + "|".join([*parts, *(f"(?:{p})" for p in patterns)]) + ")"
        return cls(regex, tuple(patterns), tuple(location))

    def verify(self) -> None:
        """Raise `PatternError` unless the linear-time engine runs the expression."""
        if _compiles_with_polars((*self.patterns, self.regex)):  # one call compiles them all
            return
        for index, pattern in enumerate(self.patterns):  # find the culprit
            problem = _check_with_polars(pattern)
            if problem:
                raise PatternError(
                    f"pattern {pattern!r} cannot run on the linear-time regex engine: {problem}",
                    [*self.location, "patterns", index],
                )
        problem = _check_with_polars(self.regex)
        if problem is not None:
            raise PatternError(f"combined patterns are too large: {problem}", self.location)

    def contains(self, text: pl.Expr) -> pl.Expr:
        """Whether each normalised text matches (null text never matches)."""
        return text.str.contains(self.regex).fill_null(False)

    def python(self) -> re.Pattern[str] | None:
        """The same expression for Python's `re`, used only to locate a match already found;
        None when the syntax is Rust-only (the finding then quotes without offsets)."""
        return _python_regex(self.regex)


@cache
def _python_regex(regex: str) -> re.Pattern[str] | None:
    try:
        return re.compile(regex)
    except re.error:
        return None

"""Errors the library raises; only the CLI renders them.

Every error is exit code 2 (usage, configuration or input).  A `RuleFileError` carries all the
problems found in a rule file at once, each pointing at `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass

from collectlint.model import Span


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, at a position when one is known."""

    message: str
    span: Span | None = None

    def __str__(self) -> str:
        return f"{self.span}: {self.message}" if self.span else self.message


class CollectlintError(Exception):
    """Base class: a usage, configuration or input error (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])


class RuleFileError(CollectlintError):
    """A rule pack (or test-case file) is malformed; `problems` lists every error found."""


class InputError(CollectlintError):
    """A contact log cannot be read at all (missing file, unknown format, bad column map)."""


class UsageError(CollectlintError):
    """The caller asked for something inconsistent (unknown pack name, bad option value)."""

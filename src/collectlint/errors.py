"""Errors the library raises; only the CLI renders them.

A `CollectlintError` is a usage, configuration or input problem: exit code 2.  A
`RuleFileError` carries every problem found in a rule file at once, each at `file:line:col`.
Anything else that escapes is a bug in collectlint, reported by the CLI with exit code
`INTERNAL_ERROR`; `InternalError` marks such a failure where the library catches it to say
where it happened (a rule that could not be evaluated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from collectlint.model import Span

USAGE_ERROR = 2
"""Exit code of a usage, configuration or input error."""
INTERNAL_ERROR = 3
"""Exit code of an internal error: never 0 or 1, so CI cannot mistake a crash for a result."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, at a position when one is known."""

    message: str
    span: Span | None = None

    def __str__(self) -> str:
        return f"{self.span}: {self.message}" if self.span else self.message


class CollectlintError(Exception):
    """Base class: a usage, configuration or input error (exit code 2)."""

    exit_code: ClassVar[int] = USAGE_ERROR

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])


class RuleFileError(CollectlintError):
    """A rule pack (or test-case, waivers or configuration file) is malformed."""


class InputError(CollectlintError):
    """An input cannot be read at all (missing file, unknown format, bad column map)."""


class UsageError(CollectlintError):
    """The caller asked for something inconsistent (unknown pack name, bad option value)."""


class InternalError(Exception):
    """A failure inside collectlint that no input should cause (exit code 3)."""

    exit_code: ClassVar[int] = INTERNAL_ERROR

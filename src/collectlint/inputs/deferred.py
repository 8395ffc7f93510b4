"""`Deferred`: a value that may still be computing in the background.

A log's digest and line map come from one more pass over its bytes; that pass runs while the
rules run (they leave a core free), and the report asks for the result at the end.  A
`Deferred` is frozen and typed like any value crossing a layer; `get()` waits if it must, and
raises the background task's exception if it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True, eq=False)
class Deferred(Generic[T]):
    """A value now, or a future one (see the module docstring)."""

    _get: Callable[[], T]

    @classmethod
    def now(cls, value: T) -> Deferred[T]:
        """A value already known."""
        return cls(lambda: value)

    @classmethod
    def later(cls, future: Future[T]) -> Deferred[T]:
        """A value a background task will produce."""
        return cls(future.result)

    def get(self) -> T:
        """The value, waiting for it if it is still being computed."""
        return self._get()

    def map(self, function: Callable[[T], U]) -> Deferred[U]:
        """The deferred value of `function(value)`."""
        return Deferred(lambda: function(self.get()))

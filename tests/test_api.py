"""The library surface: what `collectlint` exports, how `check()` is called, and that the values
it returns are frozen all the way down."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

import collectlint
from collectlint.model import CheckOptions, Role
from helpers import EXAMPLE

PUBLIC = [
    "Breakdown",
    "CheckOptions",
    "Comparison",
    "FileDigest",
    "Period",
    "RunContext",
    "Setting",
    "Tallies",
    "Tally",
    "CollectlintError",
    "Findings",
    "InputError",
    "InputFile",
    "InternalError",
    "NextContact",
    "Note",
    "Origin",
    "Pack",
    "PackInfo",
    "Problem",
    "ProfileRun",
    "Rejection",
    "Report",
    "Role",
    "RuleFileError",
    "RuleSpec",
    "Severity",
    "Source",
    "Span",
    "Summary",
    "Suppression",
    "UsageError",
    "Violation",
    "__version__",
    "check",
    "lint",
    "load_packs",
    "next_contact",
]


def test_all_lists_the_public_names() -> None:
    assert sorted(collectlint.__all__) == sorted(PUBLIC)
    for name in collectlint.__all__:
        assert hasattr(collectlint, name), name


def _referenced(tp: Any) -> Iterator[type]:
    """Every class a type annotation mentions (through unions, generics and tuples)."""
    if isinstance(tp, type):
        yield tp
    for arg in typing.get_args(tp):
        yield from _referenced(arg)


def _hints(obj: Any) -> dict[str, Any]:
    return typing.get_type_hints(obj)


def test_every_type_a_caller_meets_is_exported() -> None:
    exported = {getattr(collectlint, name) for name in collectlint.__all__}
    # a Pack's compiled rules are the engine's business; callers meet packs, not kinds
    internal = {"Rule", "LineMap", "Deferred", "Kind", "Filter"}
    seen: set[type] = set()
    todo: list[Any] = [collectlint.check, collectlint.lint, collectlint.next_contact]
    todo += [collectlint.load_packs]
    while todo:
        item = todo.pop()
        for tp in _hints(item).values():
            for cls in _referenced(tp):
                if cls.__module__.startswith("collectlint") and cls not in seen:
                    seen.add(cls)
                    if cls.__name__ not in internal:
                        todo.append(cls)
    missing = sorted(c.__name__ for c in seen - exported if c.__name__ not in internal)
    assert not missing, missing


def test_check_takes_explicit_keyword_arguments_only() -> None:
    signature = inspect.signature(collectlint.check)
    kinds = {p.name: p.kind for p in signature.parameters.values()}
    assert kinds["logs"] is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(
        kind is inspect.Parameter.KEYWORD_ONLY for name, kind in kinds.items() if name != "logs"
    )
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    with pytest.raises(TypeError):
        collectlint.check([EXAMPLE], rule=["us-regf"])  # type: ignore[call-arg]


def test_keyword_arguments_override_the_options_value() -> None:
    options = CheckOptions(rules=("cn-consumer-credit",))
    report = collectlint.check([EXAMPLE], options=options, rules=["us-regf"])
    assert {p.name for p in report.packs} == {"us-regf"}


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}[{key!r}]")


def test_a_report_is_frozen_all_the_way_down() -> None:
    report = collectlint.check([EXAMPLE])
    for path, value in _walk(report, "report"):
        assert not isinstance(value, list | set | dict), path
        if isinstance(value, Mapping):
            assert isinstance(value, MappingProxyType), path
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            first = dataclasses.fields(value)[0].name
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(value, first, None)
    assert isinstance(report.violations, collectlint.Findings)
    frame = report.violations.frame
    frame.clear()
    assert len(report.violations) > 0  # the frame is a copy
    assert all(v.origin.role is Role.LOG for v in report.violations)


def test_options_are_frozen_too() -> None:
    options = CheckOptions(column_map={"id": "CallId"}, rules=["us-regf"])  # type: ignore[arg-type]
    assert options.rules == ("us-regf",)
    with pytest.raises(TypeError):
        options.column_map["id"] = "x"  # type: ignore[index]

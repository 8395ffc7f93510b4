"""Read a JSON Lines log: one JSON object per line, located by line, never echoed.

Polars parses the file.  When it cannot, the lines are read one by one here to say which line
is wrong and how (not JSON, not an object, two values on one line, a pretty-printed file), in
words that quote no content.  Lines holding only whitespace are not records (Polars skips
them); the line where each record starts, and the digest, are computed in the background.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from collectlint.errors import InputError
from collectlint.inputs.encoding import first_invalid_utf8, line_of
from collectlint.inputs.lines import LineMap

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class JsonRead:
    """A JSON Lines log as read, and the scan that will give its digest and line map."""

    frame: pl.DataFrame
    pending: Callable[[], tuple[str, LineMap]]


def read(source: Path | bytes, display: str) -> JsonRead:
    """Read the JSON Lines at `source`."""
    data: Path | bytes = source
    if _starts_with_bom(source):  # Polars refuses a byte-order mark; it holds no data
        data = (source if isinstance(source, bytes) else source.read_bytes())[len(BOM) :]
    if not _has_content(data):
        raise InputError(f"{display}: the file is empty (no JSON objects)")
    try:
        target = io.BytesIO(data) if isinstance(data, bytes) else data
        frame = pl.read_ndjson(target, infer_schema_length=None)
    except Exception as exc:  # polars raises many types; each means "not this file as JSONL"
        raise diagnosed(data, display) from exc

    def pending() -> tuple[str, LineMap]:
        from collectlint.inputs.scan import jsonl_lines

        digest, lines = jsonl_lines(data)
        return (digest if data is source else jsonl_lines(source)[0]), lines

    return JsonRead(frame, pending)


def _starts_with_bom(source: Path | bytes) -> bool:
    if isinstance(source, bytes):
        return source.startswith(BOM)
    with source.open("rb") as handle:
        return handle.read(len(BOM)) == BOM


def _has_content(source: Path | bytes) -> bool:
    if isinstance(source, bytes):
        return bool(source.strip())
    with source.open("rb") as handle:
        while block := handle.read(1 << 20):
            if block.strip():
                return True
    return False


def diagnosed(source: Path | bytes, display: str) -> InputError:
    """The first line of `source` that is not one JSON object, and why."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    offset = first_invalid_utf8(data)
    if offset is not None:
        return InputError(
            f"{display}:{line_of(data, offset)}: not valid UTF-8 text (byte {offset}); "
            "JSON Lines must be UTF-8"
        )
    text = data.decode("utf-8")
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip(" \t\r")
        if not stripped:
            continue
        problem = _problem(stripped, number)
        if problem:
            return InputError(f"{display}:{number}: {problem}")
    return InputError(f"{display}: cannot be read as JSON Lines (one JSON object per line)")


def _problem(line: str, number: int) -> str:
    """What is wrong with one line of a JSON Lines file ('' when it is one object)."""
    try:
        value = json.loads(line)
    except RecursionError:
        return "values nested too deeply"
    except json.JSONDecodeError as exc:
        if line in ("{", "[") or (number == 1 and line.startswith("[")):
            return (
                "this looks like a pretty-printed JSON document or a JSON array; JSON Lines "
                "needs exactly one object per line"
            )
        if exc.msg == "Extra data":
            return f"more than one JSON value on the line (the second starts at column {exc.colno})"
        return f"not valid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(value, dict):
        kind = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}
        return f"not a JSON object but {kind.get(type(value), 'a number')}"
    return ""


def first_line_with(source: Path | bytes, key: str, kinds: tuple[type, ...]) -> int:
    """The first line whose object has a value of one of `kinds` at `key` (0: none)."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    for number, line in enumerate(data.decode("utf-8", "replace").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(value, dict) and isinstance(value.get(key), kinds):
            return number
    return 0

"""Text encodings of logs: UTF-8 is read as it is; anything else is transcoded first.

Dialer exports are often not UTF-8 (Latin-1 and Windows-1252 from Western systems, GBK or
GB18030 from Chinese ones).  Polars reads only UTF-8, so a log in another encoding (`--encoding`)
is decoded in chunks with Python's incremental decoder into a temporary UTF-8 copy that lives
only while the log is read; the digest in the report is of the original bytes.  A byte sequence
the encoding cannot decode is an input error at its line — never replaced silently.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from collectlint.errors import InputError, UsageError

CHUNK = 1 << 24
UTF8 = frozenset({"utf-8", "utf_8", "utf8", "u8", "utf-8-sig", "utf_8_sig"})


def canonical(encoding: str) -> str:
    """The codec name of `encoding` (a usage error unless Python knows it as a text encoding;
    codecs such as `base64` or `rot13` transform bytes or text, they do not decode a log)."""
    try:
        info = codecs.lookup(encoding.strip())
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise UsageError(
            f"--encoding {encoding!r}: not a text encoding (try utf-8, latin-1, cp1252, gb18030)"
        )
    return info.name


def is_utf8(encoding: str) -> bool:
    """Whether logs in `encoding` can be read without transcoding."""
    return canonical(encoding) in UTF8


def check_bom(head: bytes, display: str) -> None:
    """Refuse a UTF-16 or UTF-32 file read as UTF-8: its text is all NUL bytes to Polars."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{display}:1: the file starts with a UTF-16 byte-order mark; pass --encoding utf-16"
        )


def line_of(data: bytes, offset: int, lines_before: int = 0) -> int:
    """The 1-based line holding byte `offset` of `data`."""
    return lines_before + data.count(b"\n", 0, offset) + 1


@contextmanager
def transcoded(path: Path, encoding: str, display: str) -> Iterator[tuple[Path, str]]:
    """A UTF-8 copy of the file at `path`, and the SHA-256 of the original bytes."""
    import tempfile  # only logs in another encoding need it

    decoder = codecs.getincrementaldecoder(canonical(encoding))("strict")
    sha = hashlib.sha256()
    lines = consumed = 0
    with tempfile.NamedTemporaryFile(prefix="collectlint-", suffix=path.suffix) as out:
        with path.open("rb") as source:
            while True:
                block = source.read(CHUNK)
                sha.update(block)
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:
                    # the decoder may hold back a few bytes of the previous block
                    at = exc.start - (len(exc.object) - len(block))
                    line = line_of(block, max(at, 0), lines)
                    raise InputError(
                        f"{display}:{line}: not valid {encoding} text (byte {consumed + at} of "
                        "the file); pass the log's real --encoding"
                    ) from None
                except UnicodeError as exc:  # e.g. UTF-16 without a byte-order mark
                    raise InputError(
                        f"{display}:{lines + 1}: not valid {encoding} text ({exc}); pass the "
                        "log's real --encoding"
                    ) from None
                out.write(text.encode("utf-8", "surrogatepass"))
                lines += block.count(b"\n")
                consumed += len(block)
                if not block:
                    break
        out.flush()
        yield Path(out.name), sha.hexdigest()


def first_invalid_utf8(data: bytes) -> int | None:
    """The offset of the first byte that is not valid UTF-8, if any."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None

"""Make untrusted text inert in every text output.

Message bodies, account ids and event ids come from logs that outsiders can influence (an SMS
body, an account reference typed into a web form).  Written raw to a terminal or a CI log, an
escape sequence can recolour or rewrite what the reader sees, forge a hyperlink (OSC 8) or, in
some terminals, set the window title or the clipboard; a bidirectional override (U+202E) makes
text read differently from what it is; a newline forges a line.  `printable` shows every such
character as an escape (`\\x1b`, `\\u202e`, `\\n`) so the text is seen for what it is.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional formatting characters (Unicode's `Bidi_Control`)."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@cache
def _shown(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@cache
def _unsafe(char: str) -> bool:
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp")


def printable(text: str, *, keep_newlines: bool = False, keep: str = "") -> str:
    """`text` with control, line-separator and bidi characters shown as escapes, except
    newlines when `keep_newlines` and the characters in `keep`."""
    if text.isprintable() and not any(c in _BIDI for c in text):
        return text
    kept = keep + ("\n" if keep_newlines else "")
    return "".join(_shown(c) if _unsafe(c) and c not in kept else c for c in text)

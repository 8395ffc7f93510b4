"""The accounts file a profile joins on: which debts each phone number (or other key) is for.

A CSV with a `phone` column (E.164; another key column when the profile's `join` names one),
`account`, and optionally `debtor`, `timezone`, `jurisdiction`, and the consumer's US `zip`
and `state`, from which the reader takes the consumer's zones and jurisdiction when the file
does not name them (`inputs.location`).  A number may appear on
several rows, one per debt: each contact with it then becomes one event per debt.  Exact
duplicate rows are merged; a row with no key or no account is an input error naming its line,
since a half-filled CRM row would silently leave contacts without their debt.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from collectlint.errors import InputError
from collectlint.profiles.apply import normalise_key
from collectlint.profiles.spec import Profile

OPTIONAL = ("debtor", "timezone", "jurisdiction", "zip", "state")


def read_accounts(path: str, profile: Profile) -> pl.DataFrame:
    """The accounts table: `_key` (normalised), `account`, the optional columns present, and
    `_debts`, the rows of its key."""
    spec = profile.join
    key = spec.accounts_key if spec else "phone"
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such accounts file")
    try:
        frame = pl.read_csv(file, infer_schema=False, raise_if_empty=False)
    except Exception as exc:  # polars raises many types; each means "not a CSV it can read"
        raise InputError(f"{path}: cannot read the accounts file as CSV ({exc})") from None
    names = [c.strip() for c in frame.columns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"{path}:1: column {twice[0]!r} appears more than once in the header; keep one copy"
        )
    frame = frame.rename({c: c.strip() for c in frame.columns})
    missing = [c for c in (key, "account") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: the accounts file needs column(s) {', '.join(missing)} "
            f"(it has {', '.join(frame.columns) or 'none'})"
        )
    keep = [c for c in ("account", *OPTIONAL) if c in frame.columns]
    table = frame.select(
        normalise_key(pl.col(key)).alias("_key"),
        *(pl.col(c).str.strip_chars().replace("", None).alias(c) for c in keep),
    ).with_row_index("_line", offset=2)
    bad = table.filter(
        pl.col("_key").is_null() | (pl.col("_key") == "") | pl.col("account").is_null()
    )
    if bad.height:
        line = int(bad["_line"][0])
        raise InputError(
            f"{path}:{line}: an accounts row needs both {key} and account "
            f"({bad.height} row(s) lack one)"
        )
    table = table.drop("_line").unique(maintain_order=True)
    # how many debts each key has, counted once for every export the table is joined to
    return table.with_columns(pl.len().over("_key").alias("_debts"))

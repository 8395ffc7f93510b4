"""Where an address says its consumer is: the zone and state of a US ZIP code
(`data/us_zip_codes.csv`) and the zones of a US state (`data/us_states.csv`), both built from the
`zipcodes` and `us` packages by `scripts/location_tables.py` (and checked against them by the
tests).

A ZIP code has one zone in the data; a state may have several, which are all candidates, the
zone of most of its ZIP codes first.  Military ZIP codes (AA, AE, AP) name no state and no zone,
and a ZIP code the data does not hold says nothing: both are counted in the report's notes and
leave the row to its other signals.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from collectlint.inputs.clock import is_known_zone

ZIP = r"^[0-9]{5}(-?[0-9]{4})?$"
"""A ZIP code or ZIP+4 (`02139`, `02139-4307`); four digits are a ZIP code whose leading zero
a spreadsheet dropped (`2139`)."""


@dataclass(frozen=True, slots=True)
class States:
    """The state table: zones per two-letter code, and every accepted spelling's code."""

    zones: dict[str, tuple[str, ...]]
    codes: dict[str, str]


@cache
def states() -> States:
    """Load `us_states.csv` once per process."""
    folder = resources.files("collectlint.inputs") / "data"
    with (folder / "us_states.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    zones = {r["state"]: tuple(r["zones"].split("|")) for r in rows}
    codes = {r["state"]: r["state"] for r in rows}
    codes |= {r["name"].upper(): r["state"] for r in rows}
    codes |= {f"US-{r['state']}": r["state"] for r in rows}
    return States(zones, codes)


def state_code(value: str) -> str | None:
    """The two-letter code of a state written as `MA`, `ma`, `Massachusetts` or `US-MA`."""
    return states().codes.get(" ".join(value.split()).upper())


def state_zones(code: str) -> tuple[str, ...]:
    """The candidate zones of a state, primary first (empty for an unknown code)."""
    return states().zones.get(code, ())


def normalised_zip(column: pl.Expr) -> pl.Expr:
    """The five-digit ZIP code of a ZIP or ZIP+4 value; null where the value is not one."""
    text = column.cast(pl.String).str.strip_chars()
    text = pl.when(text.str.contains(r"^[0-9]{4}$")).then(text.str.zfill(5)).otherwise(text)
    return pl.when(text.str.contains(ZIP)).then(text.str.slice(0, 5))


@cache
def zip_table() -> pl.DataFrame:
    """`us_zip_codes.csv` as a frame (`zip`, `state`, `timezone`, `city`), read once per
    process."""
    folder = resources.files("collectlint.inputs") / "data"
    with (folder / "us_zip_codes.csv").open("rb") as handle:
        return pl.read_csv(handle, comment_prefix="#", infer_schema=False)


def zip_places(zips: pl.Series) -> pl.DataFrame:
    """For each distinct five-digit ZIP code in `zips`: `zip`, `zone` and `state` (null when
    the data has none: a military or unknown ZIP code), and `city` (`NYC`, or null)."""
    distinct = pl.DataFrame({"zip": zips.unique().drop_nulls().cast(pl.String).sort()})
    table = zip_table().select(
        "zip",
        pl.col("timezone").replace("", None).alias("zone"),
        pl.col("state"),
        pl.col("city").replace("", None),
    )
    found = distinct.join(table, on="zip", how="left", maintain_order="left")
    zones = found["zone"].unique().drop_nulls().to_list()
    bad = [z for z in zones if not all(is_known_zone(n) for n in z.split("|"))]
    return found.with_columns(
        pl.when(~pl.col("zone").is_in(bad)).then(pl.col("zone")).alias("zone")
    )

"""Where a phone number says its holder may be: candidate zones and a jurisdiction, from
libphonenumber's data (the `phonenumbers` package) plus the reviewed additions in
`data/phone_zones.yaml` and the area-code table `data/nanp_area_codes.csv`.

Only E.164 numbers (`+` and 8 to 15 digits) are read.  A number's zones are those of its longest
prefix in libphonenumber's time-zone map, so they depend on its country code and leading digits
alone: each lookup runs once per distinct prefix, never per row.  Outside North America, a
country of several zones is the exception: its numbers are placed one distinct number at a
time through phonenumbers' `time_zones_for_number`, which knows that a mobile or toll-free
number there may be anywhere in the country.  A number says nothing of where anyone is when

* it is toll-free, premium-rate or a personal (5XX) number, or its area code is not assigned
  (a North American one still gives its region, `US` for a toll-free number);
* it names only its country and the country spans several zones (the whole-NANP list, an
  Australian or Russian mobile);

such a number gives no zone, and the reason says which.  In a North American area code that
spans zones (`phone_zones.yaml`, `split`), an exchange libphonenumber does not resolve may be in
any of the area code's zones: all are candidates, the first the primary.  Otherwise, several
zones for one prefix are kept in libphonenumber's (alphabetical) order, with a split area
code's order put first.

The area code is weak evidence of where a mobile's holder is now (numbers move with their
owners), so the number's zones are added to the candidates of the address, never put in its
place (see `location`).
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from importlib import resources

import polars as pl
import yaml

from collectlint.inputs.addresses import state_zones

NANP_TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP"})
"""NANP regions that are US territories: their jurisdiction is `US-PR`, ... (the FDCPA's
"State" includes every territory and possession, 15 U.S.C. 1692a(8))."""
UNKNOWN_ZONE = "Etc/Unknown"
E164 = r"^\+[1-9][0-9]{7,14}$"


@dataclass(frozen=True, slots=True)
class AreaCode:
    """One row of `nanp_area_codes.csv`."""

    region: str
    kind: str
    state: str


@dataclass(frozen=True, slots=True)
class PhoneData:
    """libphonenumber's time-zone map and country codes, and collectlint's additions."""

    zones: dict[str, tuple[str, ...]]
    longest: dict[str, int]
    """Per country code, the longest prefix the zone map has for it."""
    regions: dict[str, str]
    """Per country code, its main region (`1` US, `44` GB, `86` CN)."""
    area_codes: dict[str, AreaCode]
    split: dict[str, tuple[str, ...]]
    aliases: dict[str, str]
    corrections: dict[str, tuple[str, ...]]
    multi: frozenset[str]
    """Country codes (North America aside) whose zone map names more than one zone."""


_LOADING = threading.Lock()
_LOADED: list[PhoneData] = []


def phone_data() -> PhoneData:
    """The tables, loaded once per process (by whichever thread asks first; `api` asks from
    its background worker while the log is read, so a run rarely waits for them)."""
    with _LOADING:
        if not _LOADED:
            _LOADED.append(_load())
        return _LOADED[0]


def _load() -> PhoneData:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
    from phonenumbers.tzdata import TIMEZONE_DATA

    regions = {
        str(cc): names[0] for cc, names in COUNTRY_CODE_TO_REGION_CODE.items() if names[0] != "001"
    }
    codes = {str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE}
    longest: dict[str, int] = {}
    for key in TIMEZONE_DATA:
        cc = _country_code(key, codes)
        if cc is not None:
            longest[cc] = max(longest.get(cc, 0), len(key))
    folder = resources.files("collectlint.inputs") / "data"
    with (folder / "nanp_area_codes.csv").open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        area_codes = {r["npa"]: AreaCode(r["region"], r["kind"], r["state"]) for r in rows}
    text = (folder / "phone_zones.yaml").read_text(encoding="utf-8")
    extra = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml
    aliases = dict(extra["aliases"])
    spread: dict[str, set[str]] = {}
    for key, zones in TIMEZONE_DATA.items():
        cc = _country_code(key, codes)
        if cc is not None and cc != "1":
            named = {aliases.get(z, z) for z in zones if z != UNKNOWN_ZONE}
            spread.setdefault(cc, set()).update(named)
    return PhoneData(
        {k: tuple(v) for k, v in TIMEZONE_DATA.items()},
        longest,
        regions,
        area_codes,
        {k: tuple(v["zones"]) for k, v in extra["split"].items()},
        aliases,
        {k: tuple(v["zones"]) for k, v in extra["corrections"].items()},
        frozenset(cc for cc, zones in spread.items() if len(zones) > 1),
    )


def _country_code(digits: str, codes: set[str] | dict[str, str] | dict[str, int]) -> str | None:
    """The country calling code `digits` starts with (codes are prefix-free: 1 to 3 digits)."""
    return next((digits[:n] for n in (1, 2, 3) if digits[:n] in codes), None)


@dataclass(frozen=True, slots=True)
class Place:
    """What one number prefix says: candidate zones (primary first; empty: none), the
    jurisdiction (None: none), and why there is no zone."""

    zones: tuple[str, ...]
    jurisdiction: str | None
    why: str | None


def _dedupe(zones: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(zones))


def _longest(digits: str, table: dict[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
    """The longest prefix of `digits` in `table` and its value ("", () when none)."""
    for n in range(len(digits), 0, -1):
        found = table.get(digits[:n])
        if found is not None:
            return digits[:n], found
    return "", ()


def place_of(key: str, data: PhoneData) -> Place:
    """What the number prefix `key` (digits: country code, then at most the zone map's longest
    prefix for that country) says.  For a NANP number the key is its first seven digits; for
    a number of a country of several zones, `WHOLE` and all its digits."""
    if key.startswith(WHOLE):
        return _place_by_api(key[1:], data)
    cc = _country_code(key, data.regions)
    if cc is None:
        return Place((), None, "its country code is not one phonenumbers knows")
    jurisdiction: str | None = data.regions[cc]
    state = ""
    if cc == "1":
        area = data.area_codes.get(key[1:4])
        if area is None:
            return Place((), None, "its area code is not assigned")
        if area.kind != "geographic":
            label = {
                "toll_free": "a toll-free",
                "premium": "a premium-rate",
                "personal": "a personal (5XX)",
            }.get(area.kind, "a non-geographic")
            # still North American: its region's packs judge it, no other country's
            region = f"US-{area.region}" if area.region in NANP_TERRITORIES else area.region
            return Place((), region, f"it is {label} number, which says nothing of location")
        state = area.state
        jurisdiction = (
            f"US-{area.region}"
            if area.region in NANP_TERRITORIES
            else (f"US-{state}" if area.region == "US" and state else area.region)
        )
    prefix, zones = _longest(key, data.corrections)
    if not prefix:
        prefix, zones = _longest(key, data.zones)
    zones = _dedupe(tuple(data.aliases.get(z, z) for z in zones if z != UNKNOWN_ZONE))
    if cc == "1":
        split = data.split.get(key[:4])
        if split is not None:
            if len(prefix) <= 4:  # no finer entry than the area code: anywhere in it
                zones = _dedupe((*split, *zones))
            else:
                zones = _dedupe((*(z for z in split if z in zones), *zones))
        elif len(prefix) <= 1 and state:  # the map knows the area code only as NANP
            zones = state_zones(state)
    if len(zones) > 1 and len(prefix) <= len(cc):
        return Place((), jurisdiction, "it names only its country, which spans several zones")
    if not zones:
        return Place((), jurisdiction, "phonenumbers has no zone for it")
    return Place(zones, jurisdiction, None)


WHOLE = "#"
"""Marks a key that is a whole number, to be placed through phonenumbers' API."""


def _place_by_api(digits: str, data: PhoneData) -> Place:
    """A number of a country of several zones (not North America), placed as phonenumbers'
    `time_zones_for_number` places it: country-wide for a mobile, toll-free or invalid number,
    which then says nothing of where in the country its holder is."""
    import phonenumbers
    from phonenumbers import timezone

    cc = _country_code(digits, data.regions)
    jurisdiction = data.regions.get(cc) if cc else None
    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return Place((), jurisdiction, "phonenumbers cannot read it")
    found = [z for z in timezone.time_zones_for_number(number) if z != UNKNOWN_ZONE]
    zones = _dedupe(tuple(data.aliases.get(z, z) for z in found))
    country = _dedupe(tuple(data.aliases.get(z, z) for z in data.zones.get(cc or "", ())))
    if not zones:
        return Place((), jurisdiction, "phonenumbers has no zone for it")
    if len(zones) > 1 and set(zones) >= set(country):
        return Place((), jurisdiction, "it names only its country, which spans several zones")
    return Place(zones, jurisdiction, None)


def phone_places(numbers: pl.Series) -> pl.DataFrame:
    """For each distinct E.164 number in `numbers`: `number`, `zones` (`a|b`, primary first, or
    null), `jurisdiction` and `why` (null when there are zones)."""
    data = phone_data()
    distinct = pl.DataFrame({"number": numbers.unique().drop_nulls().cast(pl.String)})
    digits = pl.col("number").str.slice(1)
    keyed = distinct.with_columns(
        pl.when(digits.str.starts_with("1"))
        .then(pl.when(digits.str.len_bytes() == 11).then(digits.str.slice(0, 7)))
        .otherwise(digits)
        .alias("_key")
    )
    # a non-NANP number is cut to its country's longest known prefix, so that a country whose
    # map has only a few prefixes (China: all Asia/Shanghai) costs a few lookups however many
    # numbers it has
    # (a country of several zones is looked up per number through phonenumbers' own API: the
    # zones of a mobile or toll-free number there are the whole country's, which its prefix
    # in the map does not say)
    cut = {cc: (0 if cc in data.multi else n) for cc, n in data.longest.items() if cc != "1"}
    three = pl.col("_key").str.slice(0, 3)
    lengths = pl.lit(None, pl.Int64)
    for size in (3, 2, 1):
        table = {cc: n for cc, n in cut.items() if len(cc) == size}
        if table:
            found = pl.col("_key").str.slice(0, size).replace_strict(table, default=None)
            lengths = pl.coalesce(lengths, found)
    keyed = keyed.with_columns(
        pl.when(three.str.starts_with("1") | lengths.is_null())
        .then(pl.col("_key"))
        .when(lengths == 0)
        .then(pl.concat_str(pl.lit(WHOLE), pl.col("_key")))
        .otherwise(pl.col("_key").str.slice(0, lengths))
        .alias("_key")
    )
    keys = keyed["_key"].unique().drop_nulls().to_list()
    places = {k: place_of(k, data) for k in keys}
    looked = pl.DataFrame(
        {
            "_key": keys,
            "zones": ["|".join(places[k].zones) or None for k in keys],
            "jurisdiction": [places[k].jurisdiction for k in keys],
            "why": [places[k].why for k in keys],
        },
        schema={"_key": pl.String, "zones": pl.String, "jurisdiction": pl.String, "why": pl.String},
    )
    out = keyed.join(looked, on="_key", how="left")
    wrong_length = "a NANP number has 11 digits (+1 and ten)"
    return out.select(
        "number",
        "zones",
        "jurisdiction",
        pl.when(pl.col("_key").is_null()).then(pl.lit(wrong_length)).otherwise("why").alias("why"),
    )

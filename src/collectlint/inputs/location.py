"""Where the consumer may be: each event's candidate zones and its jurisdiction, from every
signal it carries, with the signal that gave each written down.

Signals, in the order they decide the primary zone (the one calendar days are counted in):

1. `timezone`, the zones the log names (a consumer-stated or collector-derived location);
2. the address: the zone of its US `zip` code, else the zones of its `state`;
3. the phone number `to` (E.164; see `phones`).

Every signal's zones are candidates, so an hours rule must hold in all of them: Regulation F
comment 6(b)(1)(i)-1 asks for a time convenient in every place the collector's information
says the consumer may be, and gives an area code and an address that disagree as the example.
The jurisdiction is the log's own `jurisdiction`, else the ZIP code's state (`US-NY-NYC` for
New York City's ZIP codes: a city with law of its own), else the `state`,
else the number's (`US-MA`, `CN`, `GB`).  An event no signal places gets no zone; the engine
then rejects it, with `C.NO_ZONE` saying why, unless its pack has a default zone.

The work is done once per distinct value of each signal and once per distinct combination of
them, never per row: a log of ten million contacts has a few thousand combinations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from collectlint import columns as C
from collectlint.inputs.addresses import normalised_zip, state_code, state_zones, zip_places
from collectlint.inputs.clock import is_known_zone
from collectlint.inputs.phones import E164, phone_places


@dataclass(frozen=True, slots=True)
class Located:
    """One combination of signals, resolved."""

    timezone: str | None
    zone_from: str | None
    jurisdiction: str | None
    jurisdiction_from: str | None
    no_zone: str | None


SIGNALS = ("_tz", "_zz", "_zs", "_zk", "_sc", "_sk", "_pz", "_pj", "_pw", "_j")
"""Per row: the log's zones, the ZIP code's zone, state and status, the state column's code and
status, the number's zones, jurisdiction and why it has none, and the log's jurisdiction."""


def resolve(values: dict[str, str | None]) -> Located:
    """Combine one row's signals (keyed as `SIGNALS`)."""
    sources: dict[str, list[str]] = {}
    order: list[str] = []
    own = values["_tz"]
    if own and not all(is_known_zone(z) for z in own.split("|")):
        # left as written, for the reader to reject quoting it: no guess replaces a bad zone
        return Located(own, None, values["_j"], None, None)

    def add(zones: str | None, signal: str) -> None:
        for zone in (zones or "").split("|"):
            if zone:
                if zone not in sources:
                    sources[zone] = []
                    order.append(zone)
                if signal not in sources[zone]:
                    sources[zone].append(signal)

    add(values["_tz"], "timezone")
    zip_state = (values["_zs"] or "").split("-")[0]
    if values["_zz"]:
        add(values["_zz"], "zip")
    elif zip_state:  # the data knows the ZIP code's state but not its zone: the state's
        add("|".join(state_zones(zip_state)), "zip")
    if values["_sc"] and values["_sc"] != zip_state:
        # no ZIP code, or one of another state: the state says where the consumer may be too
        add("|".join(state_zones(values["_sc"])), "state")
    add(values["_pz"], "phone")
    jurisdiction, by = values["_j"], "jurisdiction"
    if not jurisdiction and values["_zs"]:
        jurisdiction, by = f"US-{values['_zs']}", "zip"
    if not jurisdiction and values["_sc"]:
        jurisdiction, by = f"US-{values['_sc']}", "state"
    if not jurisdiction and values["_pj"] and not (values["_tz"] or values["_zk"] or values["_sk"]):
        # the number's country only when nothing else says where the consumer is: a foreign
        # mobile must not take a consumer the log places in New York out of the US packs
        jurisdiction, by = values["_pj"], "phone"
    groups: list[tuple[list[str], list[str]]] = []  # zones in a row that share their signals
    for zone in order:
        if groups and groups[-1][1] == sources[zone]:
            groups[-1][0].append(zone)
        else:
            groups.append(([zone], sources[zone]))
    zone_from = "; ".join(f"{', '.join(z)} from {', '.join(s)}" for z, s in groups) or None
    return Located(
        "|".join(order) or None,
        zone_from,
        jurisdiction or None,
        f"{jurisdiction} from {by}" if jurisdiction else None,
        None if order else _why_none(values),
    )


def _why_none(values: dict[str, str | None]) -> str:
    """Why no signal gives a zone, naming each signal's problem (never the value itself)."""
    parts = []
    if values["_zk"]:
        parts.append(values["_zk"])
    if values["_sk"]:
        parts.append(values["_sk"])
    parts.append(f"the number gives none: {values['_pw']}" if values["_pw"] else "no number")
    absent = [
        name
        for name, key in (("timezone", "_tz"), ("ZIP code", "_zk"), ("state", "_sk"))
        if not values[key]
    ]
    if absent:
        listed = absent[0] if len(absent) == 1 else f"{', '.join(absent[:-1])} or {absent[-1]}"
        parts.insert(0, f"no {listed}")
    return "; ".join(parts)


def _phone_signals(to: pl.Series) -> pl.DataFrame:
    """Per distinct `to` value: the number's zones, jurisdiction and why it has no zone."""
    distinct = to.unique().drop_nulls()
    # written with spaces, dashes, dots or brackets (`+1 (617) 555-0100`), a number is read
    # as its digits; a national number without its country code (`(617) 555-0100`) is not
    written = pl.DataFrame({"to": distinct}).with_columns(
        pl.col("to").str.strip_chars().str.replace_all(r"[\s().-]", "").alias("_n")
    )
    plain = written.filter(pl.col("_n").str.contains(E164))
    looked = phone_places(plain["_n"].unique()).rename({"number": "_n"})
    places = (
        plain.join(looked, on="_n", how="left")
        .drop("_n")
        .rename({"zones": "_pz", "jurisdiction": "_pj", "why": "_pw"})
    )
    others = written.filter(~pl.col("_n").str.contains(E164))["to"]
    if others.len():
        places = pl.concat(
            [
                places,
                pl.DataFrame({"to": others}).with_columns(
                    pl.lit(None, pl.String).alias("_pz"),
                    pl.lit(None, pl.String).alias("_pj"),
                    pl.lit("it is not an E.164 number (+ and 8 to 15 digits)").alias("_pw"),
                ),
            ]
        )
    return places


def _zip_signals(zips: pl.Series) -> pl.DataFrame:
    """Per distinct `zip` value: its zone, its state, and what is wrong with it if anything."""
    distinct = pl.DataFrame({"zip": zips.unique().drop_nulls().cast(pl.String)})
    distinct = distinct.with_columns(normalised_zip(pl.col("zip")).alias("_five"))
    found = zip_places(distinct["_five"]).rename({"zip": "_five", "zone": "_zz", "state": "_zs"})
    # a city with law of its own nests under its state: US-NY-NYC is in US-NY and in US
    found = found.with_columns(
        pl.when(pl.col("city").is_not_null())
        .then(pl.concat_str("_zs", pl.lit("-"), "city"))
        .otherwise(pl.col("_zs"))
        .alias("_zs")
    ).drop("city")
    out = distinct.join(found, on="_five", how="left")
    status = (
        pl.when(pl.col("_five").is_null())
        .then(pl.lit("the ZIP code is not five digits (or ZIP+4)"))
        .when(pl.col("_zs").is_null())
        .then(pl.lit("the ZIP code is not a US state's in the ZIP data (military or unknown)"))
        .when(pl.col("_zz").is_null())
        .then(pl.lit("the ZIP data has no zone for the ZIP code"))
    )
    return out.select("zip", "_zz", "_zs", status.alias("_zk"))


def _ids(signals: pl.DataFrame, on: str, name: str) -> pl.DataFrame:
    """`signals` (one row per distinct value of column `on`) with a small integer id `name`
    for each distinct answer, so rows carry one integer per signal instead of its texts."""
    answers = [c for c in signals.columns if c != on]
    ids = signals.select(answers).unique(maintain_order=True).with_row_index(name)
    return signals.join(ids, on=answers, how="left", nulls_equal=True)


def _names(column: pl.Series, name: str) -> pl.DataFrame:
    """A categorical column's codes (`_tzc`, `_jc`: see `locate`) and their texts (`name`)."""
    values = column.cast(pl.Categorical).unique().drop_nulls()
    return pl.DataFrame({f"{name}c": values.to_physical(), name: values.cast(pl.String)})


def _per_distinct(
    values: pl.Series, signals: Callable[[pl.Series], pl.DataFrame], name: str
) -> tuple[pl.Series, pl.DataFrame]:
    """Each row's answer id (`name`) for the signal in `values`, and the table of answers by
    id, with `signals` run once per distinct value.

    Rows are grouped by a 64-bit hash of their value (far cheaper than grouping the strings);
    a row whose value is not its group's representative (a hash collision) sends the whole
    column through an exact join on the values instead, so a collision can never lend one
    number another's zones."""
    column = values.name
    frame = pl.DataFrame({"_h": values.hash(), column: values})
    reps = frame.unique("_h", keep="any")
    found = _ids(signals(reps[column]), column, name)
    answers = found.drop(column).unique(name).with_columns(pl.col(name).cast(pl.UInt32))
    reps = reps.join(found.select(column, name), on=column, how="left", nulls_equal=True)
    rows = frame.select("_h").join(reps, on="_h", how="left", maintain_order="left")
    if not rows[column].eq_missing(values).all():  # a collision: every distinct value, exactly
        found = _ids(signals(values.unique()), column, name)
        answers = found.drop(column).unique(name).with_columns(pl.col(name).cast(pl.UInt32))
        rows = values.to_frame(column).join(
            found.select(column, name), on=column, how="left", maintain_order="left"
        )
    return rows[name].cast(pl.UInt32), answers


def _state_signals(states: pl.Series) -> pl.DataFrame:
    """Per distinct `state` value: its two-letter code, or what is wrong with it."""
    raw = states.unique().drop_nulls().cast(pl.String).to_list()
    codes = [state_code(v) for v in raw]
    unknown = "the state is not a US state, DC or territory"
    return pl.DataFrame(
        {"state": raw, "_sc": codes, "_sk": [None if c else unknown for c in codes]},
        schema={"state": pl.String, "_sc": pl.String, "_sk": pl.String},
    )


def locate(
    table: pl.DataFrame, *, infer: bool = True, rejected: pl.Series | None = None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """`table` with `timezone`, `jurisdiction`, `C.ZONE_FROM`, `C.JURISDICTION_FROM` and
    `C.NO_ZONE` set from every signal (with `infer` off, from the `timezone` and `jurisdiction`
    columns alone), and counts of the signal problems met (for the notes).  `timezone` and
    `jurisdiction` are the tidied categoricals (`events._tidy`).

    The number, ZIP code and state of the rows in `rejected` (rows already rejected for their
    shape or by their profile) are not looked up: no answer could change their outcome, and
    the numbers of an export's rows that match no account would each cost a lookup."""
    # each signal is looked up once per distinct value and carried per row as a small id
    keys = table.select(
        pl.col("timezone").cast(pl.Categorical).to_physical().alias("_tzc"),
        pl.col("jurisdiction").cast(pl.Categorical).to_physical().alias("_jc"),
    )
    names = {"_tzc": _names(table["timezone"], "_tz"), "_jc": _names(table["jurisdiction"], "_j")}
    tables: dict[str, pl.DataFrame] = {}
    present = [
        ("to", "_p", _phone_signals),
        ("zip", "_z", _zip_signals),
        ("state", "_s", _state_signals),
    ]
    for column, name, signals in present:
        if not infer or column not in table.columns:
            keys = keys.with_columns(pl.lit(None, pl.UInt32).alias(name))
            continue
        values = table[column].cast(pl.String)
        if rejected is not None:
            values = pl.select(pl.when(~rejected).then(values)).to_series().alias(column)
        ids, tables[name] = _per_distinct(values, signals, name)
        keys = keys.with_columns(ids)
    # rows are matched to their combination by one exact 64-bit number when the ids fit in
    # one, which is far cheaper than grouping and joining five columns
    packed = _packed(keys)
    on = ["_k"] if packed is not None else keys.columns
    if packed is not None:
        keys = keys.with_columns(packed)
    combos = keys.unique(on, keep="any")
    wide = combos
    for key, frame in names.items():
        wide = wide.join(frame, on=key, how="left")
    for name, frame in tables.items():
        wide = wide.join(frame, on=name, how="left")
    for column in SIGNALS:
        if column not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.String).alias(column))
    resolved = [resolve(row) for row in wide.select(SIGNALS).iter_rows(named=True)]

    def series(name: str, values: list[str | None]) -> pl.Series:
        return pl.Series(name, values, pl.String).cast(pl.Categorical)

    answers = wide.select(on).with_columns(
        series("timezone", [r.timezone for r in resolved]),
        series(C.ZONE_FROM, [r.zone_from for r in resolved]),
        series("jurisdiction", [r.jurisdiction for r in resolved]),
        series(C.JURISDICTION_FROM, [r.jurisdiction_from for r in resolved]),
        series(C.NO_ZONE, [r.no_zone for r in resolved]),
    )
    if not infer:
        off = "no timezone (with --no-infer-location the number and address are not read)"
        answers = answers.with_columns(
            pl.when(pl.col(C.NO_ZONE).is_not_null())
            .then(pl.lit(off))
            .cast(pl.Categorical)
            .alias(C.NO_ZONE)
        )
    located = keys.select(on).join(
        answers, on=on, how="left", maintain_order="left", nulls_equal=True
    )
    out = table.with_columns(
        located["timezone"],
        located["jurisdiction"],
        located[C.ZONE_FROM],
        located[C.JURISDICTION_FROM],
        located[C.NO_ZONE],
    )
    return out, _problems(keys, tables)


def _packed(keys: pl.DataFrame) -> pl.Series | None:
    """Each row's ids packed into one number `_k` (each id plus one in its own bits, 0 for
    null), so equal numbers are equal combinations; None when the ids need over 64 bits."""
    total = pl.repeat(0, pl.len(), dtype=pl.UInt64)  # a column even when no id has bits
    shift = 0
    for name in keys.columns:
        top = keys[name].max()
        bits = (int(top) + 1).bit_length() if isinstance(top, int) else 0
        if shift + bits > 64:
            return None
        if bits:
            field = (pl.col(name).cast(pl.UInt64) + 1).fill_null(0)
            total = total + field * pl.lit(1 << shift, pl.UInt64)
        shift += bits
    return keys.select(total.alias("_k")).to_series()


def _problems(keys: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """How many rows met each ZIP or state problem (a number without a zone is common and
    is reported only where it leaves a row without any)."""
    counts: dict[str, int] = {}
    for name, problem in (("_z", "_zk"), ("_s", "_sk")):
        if name not in tables:
            continue
        bad = tables[name].filter(pl.col(problem).is_not_null()).select(name, problem)
        if not bad.height:
            continue
        rows = (
            keys.group_by(name).len().join(bad.with_columns(pl.col(name).cast(pl.UInt32)), on=name)
        )
        for value, n in rows.group_by(problem).agg(pl.col("len").sum()).iter_rows():
            counts[str(value)] = int(n)
    return dict(sorted(counts.items()))

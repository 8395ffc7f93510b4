"""Turn raw logs into the canonical `EventTable`, rejecting (never dropping) bad rows.

The table has one row per input row.  `C.REASON` is null for a row that can be checked and holds
a human-readable reason otherwise, with `C.CODE` naming the kind of problem; `C.SOURCE` and
`C.ROW` (1-based, header and blank lines excluded) say where the row came from.  Times become UTC
microseconds (`C.TS`); `timezone` holds the candidate zones (`a|b`) and `C.ZONE` the first
(primary) one.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from collectlint import columns as C
from collectlint.inputs.clock import is_known_zone
from collectlint.inputs.location import locate
from collectlint.inputs.readers import RawLog
from collectlint.inputs.reasons import with_reasons
from collectlint.inputs.table import EventTable, InputSource
from collectlint.vocabulary import CATEGORICAL, COLUMNS, DEFAULTS, OPTIONAL_COLUMNS, is_categorical

_ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
_ISO_OFFSET = "%Y-%m-%dT%H:%M:%S%:z"
_ISO_AWARE = "%Y-%m-%dT%H:%M:%S%.f%#z"
_ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to interpret rows: the zone assumed for naive timestamps (None: reject them), and
    whether the consumer's zones and jurisdiction are also read from the phone number, ZIP
    code and state (`inputs.location`; off, only the `timezone` and `jurisdiction` columns)."""

    assume_timezone: str | None = None
    infer_location: bool = True


def build_events(logs: list[RawLog], options: ReadOptions) -> EventTable:
    """Concatenate `logs` into the canonical event table with a reason per rejected row.

    The logs are taken out of the list (it is left empty), so that each raw text column can be
    freed as soon as its parsed form exists: on a large log that halves the peak memory.  A log
    whose frame has a `C.SCOPE` column keeps it (every log must then have one).
    """
    several = len(logs) > 1
    frames = []
    sources: list[InputSource] = []
    shapes: list[pl.DataFrame] = []
    offset = 0
    while logs:
        log = logs.pop(0)
        index = len(sources)
        sources.append(
            InputSource(
                log.path,
                log.role,
                log.frame.height,
                log.format,
                log.sha256,
                log.lines,
                log.profile,
            )
        )
        if log.problems is not None:
            shapes.append(log.problems.with_columns(pl.col(C.ROW) - 1 + offset))
        offset += log.frame.height
        # a log read through a profile numbers its rows by the export's records already
        row = pl.col(C.ROW) if C.ROW in log.frame.columns else pl.int_range(1, pl.len() + 1)
        frame = log.frame.with_columns(
            pl.lit(index, dtype=pl.UInt16).alias(C.SOURCE), row.cast(pl.Int64).alias(C.ROW)
        )
        ids = _blank_to_null("id")
        if frame.select(ids.null_count()).item():  # formatting row numbers costs; only if used
            default_id = pl.col(C.ROW).cast(pl.String)
            if several:
                default_id = pl.concat_str([pl.lit(f"{log.path}:"), default_id])
            ids = ids.fill_null(default_id)
        frames.append(frame.with_columns(ids))
        del log, frame
    if len({f.schema["time"] for f in frames}) > 1:  # instants and text: all as text
        frames = [_time_as_text(f) for f in frames]
    same = len({tuple(f.columns) for f in frames}) <= 1
    # logs may differ in the optional columns they have
    table = (
        pl.concat(frames, how="vertical" if same else "diagonal_relaxed", rechunk=several)
        if frames
        else _empty()
    )
    del frames  # the reader already made each log contiguous; keep no second copy alive
    if shapes:  # rows whose shape (not their values) rejects them
        table = table.with_columns(_shape(table.height, shapes))
    table, distinct, located = _normalise(table, options)
    # the time text is only needed for rejection messages, which are written now
    table = with_reasons(table, distinct, shaped=bool(shapes)).drop("time", "_naive")
    if shapes:
        table = table.drop("_shape", "_shape_code")
    return EventTable(table, tuple(sources), located=tuple(located.items()))


def _time_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with an instant `time` column written as ISO-8601 UTC text."""
    if frame.schema["time"] == pl.String:
        return frame
    return frame.with_columns(pl.col("time").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ"))


def _shape(height: int, shapes: list[pl.DataFrame]) -> list[pl.Series]:
    """Per row, the reason its shape (not its values) makes it uncheckable, if any."""
    reason = pl.repeat(None, height, dtype=pl.String, eager=True)
    code = pl.repeat(None, height, dtype=pl.String, eager=True)
    if shapes:
        found = pl.concat(shapes)
        reason = reason.scatter(found[C.ROW], found[C.REASON])
        code = code.scatter(found[C.ROW], found[C.CODE])
    return [reason.alias("_shape"), code.alias("_shape_code")]


def _empty() -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {c: pl.String() for c in COLUMNS}
    schema |= {C.SOURCE: pl.UInt16(), C.ROW: pl.Int64()}
    return pl.DataFrame(schema=schema)


def _blank_to_null(name: str, *, strip: bool = False) -> pl.Expr:
    """Empty text is a missing value (CSV readers already give null for an empty cell)."""
    col = pl.col(name).str.strip_chars() if strip else pl.col(name)
    return pl.when(col.str.len_bytes() == 0).then(None).otherwise(col).alias(name)


def _texts(table: pl.DataFrame) -> set[str]:
    """The optional and declared columns held as plain text (tidied row by row)."""
    return {
        c
        for c, t in table.schema.items()
        if t == pl.String and c not in COLUMNS and not c.startswith("_")  # "_": internal
    }


def _tidy(
    series: pl.Series, values: list[str], default: str | None = None, *, upper: bool = False
) -> tuple[pl.Series, list[str]]:
    """Strip, blank-to-null and (optionally) upper-case a low-cardinality column.

    `values` are the column's distinct non-null values.  Only those that change are rewritten,
    which is much cheaper than a string pass over every row.  Returns the column and its
    distinct values after tidying (nulls become `default` but are not listed).
    """
    mapping: dict[str, str | None] = {}
    after: set[str] = set()
    for value in values:
        parts = [p.strip() for p in value.split("|")] if series.name == "timezone" else [value]
        tidy = "|".join(parts).strip()
        tidy = tidy.upper() if upper else tidy
        if tidy != value or not tidy:
            mapping[value] = tidy or None
        if tidy:
            after.add(tidy)
    series = series.cast(pl.Categorical)
    if mapping:
        series = series.replace(mapping)
    series = series.fill_null(default) if default is not None else series
    return series, sorted(after)


def _parse_times(time: pl.Series, options: ReadOptions) -> tuple[pl.Series, pl.Series]:
    """UTC µs per row (null if unparsable) and whether the text was a naive local time.

    Most exports write one format; parsing it with an exact pattern first is several times
    faster than the general pattern, which then runs only on the rows the fast one missed.
    """
    naive_flag = pl.repeat(False, len(time), dtype=pl.Boolean, eager=True).rename("_naive")
    if isinstance(time.dtype, pl.Datetime):  # instants already (see `canonical`)
        return time.dt.epoch("us").rename(C.TS), naive_flag
    # no cache: it pays off only for repeated texts, and log timestamps are nearly all distinct
    ts = time.str.to_datetime(_ISO_UTC, time_unit="us", time_zone="UTC", strict=False, cache=False)
    missed = ts.is_null() & time.is_not_null()
    if not missed.any():
        return ts.dt.epoch("us").rename(C.TS), naive_flag
    # the next most common form, a local time with its offset, also has an exact pattern
    positions = pl.int_range(0, len(time), eager=True).filter(missed)
    text = time.filter(missed)
    offset = text.str.to_datetime(
        _ISO_OFFSET, time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    ts = ts.scatter(positions, offset)
    missed = ts.is_null() & time.is_not_null()
    if not missed.any():
        return ts.dt.epoch("us").rename(C.TS), naive_flag
    positions = pl.int_range(0, len(time), eager=True).filter(missed)
    text = time.filter(missed).str.strip_chars()
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
    aware = text.str.to_datetime(
        _ISO_AWARE, time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    naive = text.str.to_datetime(_ISO_NAIVE, time_unit="us", strict=False, cache=False)
    parsed = aware
    if options.assume_timezone:
        assumed = naive.dt.replace_time_zone(
            options.assume_timezone, ambiguous="null", non_existent="null"
        ).dt.convert_time_zone("UTC")
        parsed = aware.fill_null(assumed)
    ts = ts.scatter(positions, parsed)
    naive_flag = naive_flag.scatter(positions, aware.is_null() & naive.is_not_null())
    return ts.dt.epoch("us").rename(C.TS), naive_flag


def _normalise(
    table: pl.DataFrame, options: ReadOptions
) -> tuple[pl.DataFrame, dict[str, list[str]], dict[str, int]]:
    """Parse times, tidy columns and place each event (`inputs.location`); also return each
    low-cardinality column's distinct values and the location problems met."""
    ts, naive = _parse_times(table["time"], options)
    table = table.with_columns(ts, naive)
    del ts, naive
    coded = [
        *CATEGORICAL,
        *(c for c in OPTIONAL_COLUMNS if c in table.columns and is_categorical(c)),
    ]
    # the distinct values of all these columns in one parallel pass
    raw = table.select(pl.col(c).unique().drop_nulls().implode() for c in coded)
    distinct: dict[str, list[str]] = {}
    for column in coded:  # one column at a time, so each raw column is freed at once
        series, distinct[column] = _tidy(
            table[column],
            raw[column][0].to_list(),
            DEFAULTS.get(column),
            upper=column == "jurisdiction",
        )
        table = table.with_columns(series)
        del series
    rejected = table["_shape"].is_not_null() if "_shape" in table.columns else None
    table, located = locate(table, infer=options.infer_location, rejected=rejected)
    for column in ("timezone", "jurisdiction"):
        distinct[column] = table[column].unique().drop_nulls().cast(pl.String).sort().to_list()
    table = table.with_columns(primary_zone(table["timezone"], distinct["timezone"]))
    texts = sorted(_texts(table))
    table = table.with_columns(
        *(_blank_to_null(c, strip=True) for c in texts),
        _blank_to_null("account"),
        _blank_to_null("to"),
        debtor=pl.coalesce(_blank_to_null("debtor"), _blank_to_null("account")),
    )
    return table.with_columns(person_expr()), distinct, located


def person_expr() -> pl.Expr:
    """Who was contacted: the debtor for `party: debtor`, else the `to` value."""
    return (
        pl.when(pl.col("party") == "debtor")
        .then(pl.col("debtor"))
        .otherwise(pl.col("to"))
        .alias(C.PERSON)
    )


def primary_zone(timezone: pl.Series, values: list[str] | None = None) -> pl.Series:
    """The first candidate of each `a|b` zone list (computed on its distinct `values`)."""
    if values is None:
        values = timezone.unique().drop_nulls().to_list()
    firsts = {v: v.split("|")[0] for v in values if "|" in v}
    # on a categorical column this rewrites the categories, not the rows
    return (timezone.replace(firsts) if firsts else timezone).rename(C.ZONE)


def latest_values(
    logs: list[RawLog],
    account: str,
    fields: tuple[str, ...],
    options: ReadOptions,
    party: str | None = None,
    *,
    together: bool = False,
) -> dict[str, str]:
    """The most recent usable value of each of `fields` among `account`'s rows in `logs`
    (with `party`, only among the rows with that party; `debtor` includes rows without one;
    `together`, all from the latest row that has any of them).

    Times are parsed as they are for checking (text order is not time order once offsets
    differ); rows whose time cannot be read are left out, and so are zones the time-zone
    database does not know (a bad row must not lend its zone to the contact asked about).
    """

    def column(frame: pl.DataFrame, name: str) -> pl.Expr:
        value = pl.col(name) if name in frame.columns else pl.lit(None, pl.String)
        return value.cast(pl.String).alias(name)

    rows = []
    for log in logs:
        frame = _time_as_text(log.frame)
        wanted = pl.col("account").cast(pl.String).str.strip_chars() == account
        if party is not None:
            who = column(frame, "party").str.strip_chars().replace("", None).fill_null("debtor")
            wanted = wanted & (who == party)
        rows.append(frame.filter(wanted).select("time", *(column(frame, f) for f in fields)))
    if not rows:
        return {}
    mine = pl.concat(rows)
    ts, _ = _parse_times(mine["time"], options)
    mine = mine.with_columns(ts).filter(pl.col(C.TS).is_not_null()).sort(C.TS)
    found: dict[str, str] = {}
    if together:  # the latest row that has any of them gives them all (one address, not parts)
        tidy = mine.select(pl.col(f).str.strip_chars().replace("", None) for f in fields)
        having = tidy.filter(pl.any_horizontal(pl.col(f).is_not_null() for f in fields))
        if having.height:
            last = having.row(-1, named=True)
            found = {f: str(v) for f, v in last.items() if v is not None}
        return found
    for name in fields:
        values = mine[name].str.strip_chars().replace("", None).drop_nulls().to_list()
        if name == "timezone":
            values = [v for v in values if all(is_known_zone(z.strip()) for z in v.split("|"))]
        if values:
            found[name] = str(values[-1])
    return found

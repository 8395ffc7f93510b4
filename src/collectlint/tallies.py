"""`tally`: the checked contacts of a run counted by who, when and how, with their findings.

An examiner asks how often a rule was broken per 1,000 contacts, by which agency or collector,
through which channel, at which local hours, and whether it is getting better week by week.
Those rates need the contacts that did *not* break a rule as well as those that did, which
only the event table holds, so they are counted here, in the pipeline, and handed to the
reporters inside the `Report` (reporters take a Report and nothing else).  Everything is a
Polars group-by over the checked events; Python only touches the few hundred rows kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import polars as pl

from collectlint import columns as C
from collectlint.engine import route_column
from collectlint.findings import Findings
from collectlint.inputs.clock import local_us_where_known
from collectlint.inputs.table import EventTable
from collectlint.loading.packs import Pack
from collectlint.model import Breakdown, Role, Tallies, Tally
from collectlint.util import from_us

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
NONE = ""
"""The key of contacts with no value in a column the log has (an empty agency cell).  A blank
cell is read as null, so no value of the log can be this key; reports show it as `(none)`."""

ATTRIBUTES = ("channel", "agency", "agent", "campaign")
"""Columns of the log contacts are broken down by, when the log has them with a value."""
LIMITS: Mapping[str, int] = MappingProxyType(
    {"agency": 1_000, "agent": 200, "campaign": 200, "account": 20, "day": 1_000, "week": 520}
)
"""Rows kept per breakdown (the rest are summed in `others`); absent: every value kept.  Days
and weeks keep the latest periods (the ones a reader acts on); the others keep the values
with most findings.  Agencies are few, and a comparison matches them by name, so nearly all
are kept."""
BY_TIME = ("hour", "day", "week")
"""Breakdowns kept in time order rather than most findings first."""


def tally(
    events: EventTable,
    table: pl.DataFrame,
    findings: Findings,
    packs: Sequence[Pack],
    roles: Sequence[Role],
) -> Tallies:
    """Contacts (events of kind `contact`) of `roles` that were checked, and the unsuppressed
    findings on them, by
    channel, agency, agent, campaign, local hour, day and ISO week (in the consumer's primary
    zone, else the pack's default zone), account and pack."""
    reported = events.roles(*roles)
    wanted = [C.IDX, C.TS, C.ZONE, C.SOURCE, C.ROW, "id", "account", *ATTRIBUTES]
    wanted += [route_column(i) for i in range(len(packs))]
    # contacts only: a consent, a cease request or a dispute is an event, not a contact, and
    # would dilute every rate; only the columns counted here are filtered (not the text)
    contact = table["kind"].cast(pl.String).fill_null("contact") == "contact"
    checked = table.select(c for c in wanted if c in table.columns).filter(
        table[C.REASON].is_null() & table[C.SOURCE].is_in(reported) & contact
    )
    if checked.height == 0:
        return Tallies()
    keys = _keys(checked, packs)
    hits = _hits(events, checked, findings).join(keys, on=C.IDX, how="inner")
    dims = [d for d in (*ATTRIBUTES, "hour", "day", "week", "account") if d in keys.columns]
    breakdowns = {dim: _breakdown(dim, keys, hits) for dim in dims}
    breakdowns["pack"] = _by_pack(checked, hits, packs)
    first, last = checked[C.TS].min(), checked[C.TS].max()
    return Tallies(
        contacts=checked.height,
        first=from_us(first) if isinstance(first, int) else None,
        last=from_us(last) if isinstance(last, int) else None,
        breakdowns=breakdowns,
    )


def _keys(checked: pl.DataFrame, packs: Sequence[Pack]) -> pl.DataFrame:
    """One row per checked event: its index and its value of every dimension, in the
    column's own type (text is made only for the grouped keys, not per event)."""
    default = next((p.info.default_timezone for p in packs if p.info.default_timezone), None)
    zone = checked[C.ZONE].cast(pl.String)
    if default is not None:
        zone = zone.fill_null(default)
    local = local_us_where_known(checked[C.TS], zone).rename(C.LOCAL)
    day = (pl.col(C.LOCAL) // US_PER_DAY).cast(pl.Int32)
    date = day.cast(pl.Date)
    exprs = [
        pl.col(C.IDX),
        pl.col("account"),
        (pl.col(C.LOCAL) // US_PER_HOUR % 24).cast(pl.Int8).alias("hour"),
        day.alias("day"),
        (date.dt.iso_year() * 100 + date.dt.week()).alias("week"),
        *(
            pl.col(name)
            for name in ATTRIBUTES
            if name in checked.columns and checked[name].null_count() < checked.height
        ),
    ]
    present = [name for name in ATTRIBUTES if name in checked.columns]
    return checked.select(C.IDX, "account", *present).with_columns(local).select(exprs)


def _as_text(dim: str, keys: pl.Series) -> pl.Series:
    """Grouped keys as the report writes them: `07` for an hour, `2026-03-08` for a day,
    `2026-W10` for an ISO week, `(none)` for an empty cell, `unknown zone` for a time that
    has no zone to be local in."""
    if dim == "hour":
        text = keys.cast(pl.String).str.zfill(2)
    elif dim == "day":
        text = keys.cast(pl.Date).dt.strftime("%Y-%m-%d")
    elif dim == "week":
        text = pl.select(
            pl.format("{}-W{}", keys // 100, (keys % 100).cast(pl.String).str.zfill(2)).alias(dim)
        ).to_series()
    else:
        return keys.cast(pl.String).fill_null(NONE)
    return text.fill_null("unknown zone")


def _hits(events: EventTable, checked: pl.DataFrame, findings: Findings) -> pl.DataFrame:
    """The event index and rule of every unsuppressed finding on a checked event (findings
    name their event by input, record and id; a record joined to several debts is several
    events, told apart by id)."""
    frame = findings.frame.filter(pl.col("suppression").is_null())
    paths = {s.path: i for i, s in enumerate(events.sources)}
    if frame.height == 0 or not paths:
        return pl.DataFrame(schema={C.IDX: pl.Int64, "rule": pl.String})
    origin = pl.col("origin").struct
    source = origin.field("path").replace_strict(paths, default=None, return_dtype=pl.UInt16)
    located = frame.select(
        pl.col("rule"),
        pl.col("event").alias("id"),
        source.alias(C.SOURCE),
        origin.field("row").alias(C.ROW),
    ).drop_nulls(C.SOURCE)
    index = checked.select(C.SOURCE, C.ROW, pl.col("id").cast(pl.String), C.IDX)
    return located.join(index, on=[C.SOURCE, C.ROW, "id"], how="inner").select(C.IDX, "rule")


def _breakdown(dim: str, keys: pl.DataFrame, hits: pl.DataFrame) -> Breakdown:
    contacts = keys.group_by(dim).len("contacts")
    found = hits.group_by(dim).len("findings")
    rows = contacts.join(found, on=dim, how="left", nulls_equal=True)
    rows = rows.with_columns(
        pl.col("findings").fill_null(0), _as_text(dim, rows[dim]).alias("_key")
    )
    if dim in BY_TIME:  # the latest periods first, to keep; shown in time order
        rows = rows.sort(dim, descending=True, nulls_last=True)
    else:
        rows = rows.sort(["findings", "contacts", "_key"], descending=[True, True, False])
    limit = LIMITS.get(dim)
    kept, rest = (rows.head(limit), rows.slice(limit)) if limit else (rows, rows.clear())
    if dim in BY_TIME:
        kept = kept.sort(dim, nulls_last=True)
    named = kept.select(dim, "_key")
    per_rule = (
        hits.join(named, on=dim, how="inner", nulls_equal=True)
        .group_by("_key", "rule")
        .len("n")
        .sort("_key", "rule")
    )
    by_key: dict[str, dict[str, int]] = {}
    for key, rule, n in per_rule.iter_rows():
        by_key.setdefault(key, {})[rule] = n
    tallies = tuple(
        Tally(key, contacts, findings, MappingProxyType(by_key.get(key, {})))
        for key, contacts, findings in kept.select("_key", "contacts", "findings").iter_rows()
    )
    others = None
    if rest.height:
        left = (
            hits.join(rest.select(dim), on=dim, how="inner", nulls_equal=True)
            .group_by("rule")
            .len("n")
        )
        others = Tally(
            f"{rest.height} {'earlier' if dim in BY_TIME else 'others'}",
            int(rest["contacts"].sum()),
            int(rest["findings"].sum()),
            MappingProxyType(dict(sorted(left.iter_rows()))),
        )
    return Breakdown(dim, tallies, rows.height, others)


def _by_pack(checked: pl.DataFrame, hits: pl.DataFrame, packs: Sequence[Pack]) -> Breakdown:
    """Per pack: the checked contacts it applied to (its jurisdictions) and its findings."""
    rows = []
    for index, pack in enumerate(packs):
        column = route_column(index)
        contacts = int(checked[column].sum()) if column in checked.columns else checked.height
        ids = [rule.id for rule in pack.rules]
        mine = hits.filter(pl.col("rule").is_in(ids)).group_by("rule").len("n").sort("rule")
        by_rule = dict(mine.iter_rows())
        rows.append(
            Tally(pack.info.name, contacts, sum(by_rule.values()), MappingProxyType(by_rule))
        )
    return Breakdown("pack", tuple(rows), len(rows))

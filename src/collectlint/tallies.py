"""`tally`: the checked contacts of a run counted by who, when and how, with their findings.

An examiner asks how often a rule was broken per 1,000 contacts, by which agency or collector,
through which channel, at which local hours, and whether it is getting better week by week.
Those rates need the contacts that did *not* break a rule as well as those that did, which
only the event table holds, so they are counted here, in the pipeline, and handed to the
reporters inside the `Report` (reporters take a Report and nothing else).  Everything is a
Polars group-by over the checked events; Python only touches the few hundred rows kept.

Counting has two steps so that parts of a log counted apart (the partitions of a Spark job)
add up to what the whole log gives: `count` makes a `Counts` value of plain sums per
dimension, key and rule, and `finish` adds several of them up and keeps the rows a report
shows (`LIMITS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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


COUNT_SCHEMA = {"dim": pl.String, "key": pl.String, "rule": pl.String, "n": pl.Int64}
"""The sums of `Counts.rows`: per dimension and key, the contacts (`rule` null) and the
unsuppressed findings of each rule.  A time with no zone to be local in has a null key."""


@dataclass(frozen=True, slots=True)
class Counts:
    """The plain sums a part of a run contributes to its `Tallies` (see `finish`)."""

    rows: pl.DataFrame
    contacts: int = 0
    first: int | None = None
    last: int | None = None
    """The earliest and latest contact (UTC µs)."""

    @classmethod
    def empty(cls) -> Counts:
        return cls(pl.DataFrame(schema=COUNT_SCHEMA))


def tally(
    events: EventTable,
    table: pl.DataFrame,
    findings: Findings,
    packs: Sequence[Pack],
    roles: Sequence[Role],
) -> Tallies:
    """Contacts (events of kind `contact`) of `roles` that were checked, and the unsuppressed
    findings on them, by channel, agency, agent, campaign, local hour, day and ISO week (in
    the consumer's primary zone, else the pack's default zone), account and pack."""
    return finish([count(events, table, findings, packs, roles)], packs)


def count(
    events: EventTable,
    table: pl.DataFrame,
    findings: Findings,
    packs: Sequence[Pack],
    roles: Sequence[Role],
    hits: pl.DataFrame | None = None,
) -> Counts:
    """The sums `tally` keeps its rows from, for the contacts of `roles` in `table`.

    `hits` (`C.IDX`, `rule`) are the unsuppressed findings by event index when the caller has
    them (a log's own findings with nothing suppressed); else they are found from `findings`."""
    reported = events.roles(*roles)
    wanted = [C.IDX, C.TS, C.ZONE, C.LOCAL, C.SOURCE, C.ROW, "id", "account", *ATTRIBUTES]
    wanted += [route_column(i) for i in range(len(packs))]
    # contacts only: a consent, a cease request or a dispute is an event, not a contact, and
    # would dilute every rate; only the columns counted here are filtered (not the text)
    contact = table["kind"].cast(pl.String).fill_null("contact") == "contact"
    checked = table.select(c for c in wanted if c in table.columns).filter(
        table[C.REASON].is_null() & table[C.SOURCE].is_in(reported) & contact
    )
    if checked.height == 0:
        return Counts.empty()
    keys = _keys(checked, packs)
    if hits is None:
        hits = _hits(events, checked, findings)
    hits = hits.join(keys, on=C.IDX, how="inner")
    dims = [d for d in (*ATTRIBUTES, "hour", "day", "week", "account") if d in keys.columns]
    parts = [_sums(dim, keys, hits) for dim in dims]
    parts.append(_pack_sums(checked, hits, packs))
    first, last = checked[C.TS].min(), checked[C.TS].max()
    return Counts(
        pl.concat(parts),
        checked.height,
        first if isinstance(first, int) else None,
        last if isinstance(last, int) else None,
    )


def _sums(dim: str, keys: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """Contacts per key of `dim` (rule null) and findings per key and rule."""
    contacts = keys.group_by(dim).len("n").with_columns(pl.lit(None, pl.String).alias("rule"))
    found = hits.group_by(dim, "rule").len("n")
    rows = pl.concat([contacts.select(dim, "rule", "n"), found.select(dim, "rule", "n")])
    return rows.select(
        pl.lit(dim).alias("dim"),
        _as_text(dim, rows[dim]).alias("key"),
        pl.col("rule"),
        pl.col("n").cast(pl.Int64),
    )


def _pack_sums(checked: pl.DataFrame, hits: pl.DataFrame, packs: Sequence[Pack]) -> pl.DataFrame:
    """Per pack: the checked contacts it applied to (its jurisdictions) and its findings."""
    rows: list[tuple[str, str | None, int]] = []
    found = dict(hits.group_by("rule").len("n").iter_rows())
    for index, pack in enumerate(packs):
        column = route_column(index)
        contacts = int(checked[column].sum()) if column in checked.columns else checked.height
        rows.append((pack.info.name, None, contacts))
        rows += [(pack.info.name, r.id, found[r.id]) for r in pack.rules if r.id in found]
    frame = pl.DataFrame(rows, schema=["key", "rule", "n"], orient="row")
    return frame.select(pl.lit("pack").alias("dim"), "key", "rule", pl.col("n").cast(pl.Int64))


def finish(
    parts: Sequence[Counts], packs: Sequence[Pack], accounts: Breakdown | None = None
) -> Tallies:
    """The `Tallies` of the parts together: their sums added up, then each breakdown's rows
    kept as `LIMITS` says (the latest periods, or the keys with most findings).  `accounts`
    is the account breakdown when the parts' account rows were kept apart (`spill`)."""
    if not any(p.contacts for p in parts):
        return Tallies()
    # a part may hold findings only (a later stage of a Spark job): its rows still add up
    every = pl.concat([p.rows for p in parts if p.rows.height])
    rows = every.group_by("dim", "key", "rule").agg(pl.col("n").sum())
    # an attribute with no value on any contact is not a breakdown (a column left empty)
    valued = rows.filter(~pl.col("dim").is_in(ATTRIBUTES) | (pl.col("key") != NONE))
    present = set(valued["dim"].unique().to_list())
    dims = [d for d in (*ATTRIBUTES, "hour", "day", "week", "account") if d in present]
    breakdowns = {dim: _breakdown(dim, rows.filter(pl.col("dim") == dim)) for dim in dims}
    if accounts is not None:
        breakdowns["account"] = accounts
    breakdowns["pack"] = _by_pack(rows.filter(pl.col("dim") == "pack"), packs)
    firsts = [p.first for p in parts if p.first is not None]
    lasts = [p.last for p in parts if p.last is not None]
    return Tallies(
        contacts=sum(p.contacts for p in parts),
        first=from_us(min(firsts)) if firsts else None,
        last=from_us(max(lasts)) if lasts else None,
        breakdowns=breakdowns,
    )


def _keys(checked: pl.DataFrame, packs: Sequence[Pack]) -> pl.DataFrame:
    """One row per checked event: its index and its value of every dimension, in the
    column's own type (text is made only for the grouped keys, not per event)."""
    local = _local(checked, packs)
    day = (pl.col(C.LOCAL) // US_PER_DAY).cast(pl.Int32)
    date = day.cast(pl.Date)
    exprs = [
        pl.col(C.IDX),
        pl.col("account"),
        (pl.col(C.LOCAL) // US_PER_HOUR % 24).cast(pl.Int8).alias("hour"),
        day.alias("day"),
        (date.dt.iso_year() * 100 + date.dt.week()).alias("week"),
        # every attribute column the log has: whether it has a value anywhere is known only
        # when the parts are added up (see `finish`)
        *(pl.col(name) for name in ATTRIBUTES if name in checked.columns),
    ]
    present = [name for name in ATTRIBUTES if name in checked.columns]
    return checked.select(C.IDX, "account", *present).with_columns(local).select(exprs)


def _local(checked: pl.DataFrame, packs: Sequence[Pack]) -> pl.Series:
    """Each checked event's local wall-clock µs: in its own zone (the engine's, when the table
    carries them), else in the first selected pack's default zone, else null."""
    default = next((p.info.default_timezone for p in packs if p.info.default_timezone), None)
    zone = checked[C.ZONE].cast(pl.String)
    if C.LOCAL not in checked.columns:
        return local_us_where_known(
            checked[C.TS], zone if default is None else zone.fill_null(default)
        ).rename(C.LOCAL)
    own = checked[C.LOCAL]
    missing = zone.is_null()
    if default is None or not missing.any():
        return own
    fill = local_us_where_known(
        checked[C.TS].filter(missing), pl.repeat(default, int(missing.sum()), eager=True)
    )
    return own.scatter(missing.arg_true(), fill)


def _as_text(dim: str, keys: pl.Series) -> pl.Series:
    """Grouped keys as the report writes them: `07` for an hour, `2026-03-08` for a day,
    `2026-W10` for an ISO week (null for a time that has no zone to be local in: shown as
    `unknown zone`), `(none)` for an empty cell.  The text of a period sorts as its time."""
    if dim == "hour":
        return keys.cast(pl.String).str.zfill(2)
    if dim == "day":
        return keys.cast(pl.Date).dt.strftime("%Y-%m-%d")
    if dim == "week":
        return pl.select(
            pl.format("{}-W{}", keys // 100, (keys % 100).cast(pl.String).str.zfill(2)).alias(dim)
        ).to_series()
    return keys.cast(pl.String).fill_null(NONE)


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


def _ranked(sums: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Summed rows (`COUNT_SCHEMA`) as one row per key (`key`, `contacts`, `findings`) and the
    findings per key and rule of those keys (`key`, `rule`, `n`)."""
    contacts = sums.filter(pl.col("rule").is_null()).select("key", pl.col("n").alias("contacts"))
    hits = sums.filter(pl.col("rule").is_not_null())
    found = hits.group_by("key").agg(pl.col("n").sum().alias("findings"))
    rows = contacts.join(found, on="key", how="left", nulls_equal=True).with_columns(
        pl.col("findings").fill_null(0)
    )
    hits = hits.join(rows.select("key"), on="key", how="inner", nulls_equal=True)
    return rows, hits.select("key", "rule", "n")


def _most_first(rows: pl.DataFrame) -> pl.DataFrame:
    """A breakdown's rows outside time in order: most findings, most contacts, then key."""
    return rows.sort(["findings", "contacts", "key"], descending=[True, True, False])


def _breakdown(dim: str, sums: pl.DataFrame) -> Breakdown:
    """One breakdown from its summed rows (`COUNT_SCHEMA`), its long lists cut to `LIMITS`."""
    if dim not in BY_TIME:
        found = breakdown_in_buckets(dim, [sums])
        return found if found is not None else Breakdown(dim, (), 0)
    rows, hits = _ranked(sums)
    # the latest periods first, to keep; shown in time order
    rows = rows.sort("key", descending=True, nulls_last=True)
    limit = LIMITS.get(dim)
    kept, rest = (rows.head(limit), rows.slice(limit)) if limit else (rows, rows.clear())
    kept = kept.sort("key", nulls_last=True)
    others = None
    if rest.height:
        left = (
            hits.join(rest.select("key"), on="key", how="inner", nulls_equal=True)
            .group_by("rule")
            .agg(pl.col("n").sum())
        )
        others = Tally(
            f"{rest.height} earlier",
            int(rest["contacts"].sum()),
            int(rest["findings"].sum()),
            MappingProxyType(dict(sorted(left.iter_rows()))),
        )
    return Breakdown(dim, _tallies(kept, hits), rows.height, others)


def _tallies(kept: pl.DataFrame, hits: pl.DataFrame) -> tuple[Tally, ...]:
    """The kept rows as `Tally`s, in their order, each with its findings per rule."""
    per_rule = hits.join(kept.select("key"), on="key", how="inner", nulls_equal=True)
    by_key: dict[str | None, dict[str, int]] = {}
    for key, rule, n in per_rule.select("key", "rule", "n").sort("key", "rule").iter_rows():
        by_key.setdefault(key, {})[rule] = n
    return tuple(
        Tally(_shown(key), contacts, findings, MappingProxyType(by_key.get(key, {})))
        for key, contacts, findings in kept.select("key", "contacts", "findings").iter_rows()
    )


def breakdown_in_buckets(dim: str, buckets: Iterable[pl.DataFrame]) -> Breakdown | None:
    """The breakdown of `dim` (one ranked by findings, not by time) from its summed rows in
    buckets: every row of a key in one bucket, so a bucket at a time is in memory (the
    accounts of a log checked in parts run to millions).  The keys kept overall are among
    each bucket's own first `LIMITS[dim]`; what is not kept is summed into `others` from each
    bucket's totals.  None when no bucket has a row."""
    limit = LIMITS.get(dim)
    tops: list[pl.DataFrame] = []
    top_hits: list[pl.DataFrame] = []
    distinct = contacts = findings = 0
    per_rule: dict[str, int] = {}
    for bucket in buckets:
        sums = bucket.group_by("key", "rule").agg(pl.col("n").sum())
        rows, hits = _ranked(sums)
        distinct += rows.height
        contacts += int(rows["contacts"].sum())
        findings += int(rows["findings"].sum())
        for rule, n in hits.group_by("rule").agg(pl.col("n").sum()).iter_rows():
            per_rule[rule] = per_rule.get(rule, 0) + int(n)
        top = _most_first(rows)
        top = top.head(limit) if limit else top
        tops.append(top)
        top_hits.append(hits.join(top.select("key"), on="key", how="inner", nulls_equal=True))
        del sums, rows, hits
    if not tops or not distinct:
        return None
    kept = _most_first(pl.concat(tops))
    kept = kept.head(limit) if limit else kept
    hits = pl.concat(top_hits).join(kept.select("key"), on="key", how="inner", nulls_equal=True)
    others = None
    if distinct > kept.height:
        for rule, n in hits.group_by("rule").agg(pl.col("n").sum()).iter_rows():
            per_rule[rule] -= int(n)
        left = {rule: n for rule, n in sorted(per_rule.items()) if n}
        others = Tally(
            f"{distinct - kept.height} others",
            contacts - int(kept["contacts"].sum()),
            findings - int(kept["findings"].sum()),
            MappingProxyType(left),
        )
    return Breakdown(dim, _tallies(kept, hits), distinct, others)


def _shown(key: str | None) -> str:
    return "unknown zone" if key is None else key


def _by_pack(sums: pl.DataFrame, packs: Sequence[Pack]) -> Breakdown:
    """Per pack, in the packs' order: the checked contacts it applied to and its findings."""
    contacts = dict(sums.filter(pl.col("rule").is_null()).select("key", "n").iter_rows())
    rows = []
    for pack in packs:
        name = pack.info.name
        mine = sums.filter((pl.col("key") == name) & pl.col("rule").is_not_null())
        by_rule = dict(mine.select("rule", "n").sort("rule").iter_rows())
        rows.append(
            Tally(
                name, int(contacts.get(name, 0)), sum(by_rule.values()), MappingProxyType(by_rule)
            )
        )
    return Breakdown("pack", tuple(rows), len(rows))

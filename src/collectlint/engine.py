"""Route events to packs, reject what cannot be evaluated, and run every rule vectorised.

Input is an `EventTable`; output is the table with its final rejection columns, one findings
frame (one row per (rule, event) finding) and each pack's evaluation context, which the planner
reuses to ask timing rules when a planned contact may be made.  No Python loop here runs per
event: loops run per pack, per rule or per distinct zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from collectlint import columns as C
from collectlint.errors import InternalError
from collectlint.inputs.clock import US_PER_DAY, local_us, local_us_where_known
from collectlint.inputs.table import EventTable
from collectlint.kinds.base import FINDING_SCHEMA, EvalContext, PartialKind, PendingKind, Rule
from collectlint.loading.packs import Pack
from collectlint.text.normalise import normalise_series

EPOCH_DATE = date(1970, 1, 1)

RULE_THREADS = 2
"""Much of a rule's work is single-threaded (binary searches, Python glue), so two rules at a
time keep both cores busy; results are taken in the pack's order."""


@dataclass(frozen=True, slots=True)
class PackRun:
    """One pack's part of a run: the pack and the events it judged, with shared work."""

    pack: Pack
    context: EvalContext


@dataclass(frozen=True, slots=True)
class EngineResult:
    """The event table with final rejections, `C.IDX` and `C.PACKS`; all findings (with
    `C.RULE`); and, when asked for (see `evaluate`), every pack's evaluation context."""

    table: pl.DataFrame
    findings: pl.DataFrame
    runs: tuple[PackRun, ...]
    not_judged: Mapping[str, int] = field(default_factory=dict)
    """Per rule id, the events it applies to but could not judge (see `PartialKind`)."""
    pending: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per rule id, the ids of events whose verdict waits for a later deadline."""


def in_scope(pack: Pack, codes: Sequence[str]) -> list[str]:
    """The jurisdiction codes among `codes` that `pack` covers: one of its own, or a
    subdivision of one (`US-MA` under `US`)."""
    return [
        code
        for code in codes
        if any(code == own or code.startswith(f"{own}-") for own in pack.info.jurisdiction)
    ]


def is_overlay(pack: Pack, packs: Sequence[Pack]) -> bool:
    """Whether `pack` extends another of the selected `packs` (a state overlay of a federal
    pack run beside it)."""
    names = {other.info.name for other in packs}
    return any(name in names for name in pack.ancestors)


def _routes(packs: Sequence[Pack], codes: Sequence[str]) -> list[pl.Expr]:
    """Per pack, which events it checks: those in its scope, and those with no jurisdiction
    unless it is an overlay of another selected pack.

    A selected pack that extends another selected pack takes the events in its scope away from
    its ancestor, so an overlay replaces, not doubles; the most specific overlay wins (a city's
    over its state's).  An event with no jurisdiction cannot be placed in any overlay's scope,
    so the base packs judge it (their rules are the overlays' floor; the report says how many).
    Scopes are worked out on the distinct codes (`codes`), and rows are then matched by
    membership.
    """
    j = pl.col("jurisdiction")
    routes = []
    for pack in packs:
        mine = set(in_scope(pack, codes))
        for other in packs:
            if pack.info.name in other.ancestors:
                mine -= set(in_scope(other, codes))
        inside = j.is_in(sorted(mine)).fill_null(False)
        routes.append(inside if is_overlay(pack, packs) else j.is_null() | inside)
    return routes


def evaluate(
    events: EventTable,
    packs: Sequence[Pack],
    *,
    keep: bool = False,
    as_of_us: int | None = None,
) -> EngineResult:
    """Run `packs` over `events`; see the module docstring.

    The packs' evaluation contexts (their events and the work their rules shared) are kept in
    the result only when asked (`keep`: the planner needs them); otherwise they are freed as
    soon as the rules have run, which on a large log is much of the peak memory.
    """
    table = events.frame.with_columns(pl.int_range(0, pl.len(), dtype=pl.Int64).alias(C.IDX))
    codes = table["jurisdiction"].unique().drop_nulls().cast(pl.String).to_list()
    routes = _routes(packs, codes)
    table = table.with_columns(route.alias(f"{C.ROUTE}{i}") for i, route in enumerate(routes))
    table = _zone_reasons(table, packs)
    rejected = table[C.REASON].is_not_null()
    # filtering copies every column; with no rejected row the table is already the checked set
    checked = table.filter(~rejected) if rejected.any() else table
    own_local = _own_local(checked)
    parts: list[pl.DataFrame] = []
    runs = []
    unjudged: dict[str, int] = {}
    waiting: dict[str, tuple[str, ...]] = {}
    with ThreadPoolExecutor(max_workers=RULE_THREADS) as pool:
        for i, pack in enumerate(packs):
            frame = _pack_events(checked, own_local, pack, f"{C.ROUTE}{i}")
            ctx = EvalContext(frame, scoped=events.scoped, as_of_us=as_of_us)
            runs.append(PackRun(pack, ctx))
            futures = [pool.submit(run_rule, rule, ctx) for rule in pack.rules]
            parts.extend(future.result() for future in futures)
            for rule in pack.rules:
                if isinstance(rule.check, PartialKind):
                    count = in_force(rule, ctx, rule.check.not_judged(ctx)).height
                    unjudged[rule.id] = unjudged.get(rule.id, 0) + count
                if isinstance(rule.check, PendingKind):
                    open_ = in_force(rule, ctx, rule.check.pending(ctx))
                    ids = sorted(ctx.attach(open_.select(C.IDX), "id")["id"].to_list())
                    waiting[rule.id] = (*waiting.get(rule.id, ()), *ids)
    findings = (
        pl.concat(parts) if parts else pl.DataFrame(schema={**FINDING_SCHEMA, C.RULE: pl.String()})
    )
    routed = pl.sum_horizontal(pl.col(f"{C.ROUTE}{i}") for i in range(len(packs)))
    # the routing flags stay: per-pack contact counts (`tallies`) are read from them; so do
    # the local times in each event's own zone, which the tallies count by hour and day
    table = table.with_columns(
        (routed if packs else pl.lit(0)).alias(C.PACKS),
        own_local if checked is table else _spread(own_local, ~rejected),
    )
    return EngineResult(table, findings, tuple(runs) if keep else (), unjudged, waiting)


def route_column(index: int) -> str:
    """The table column flagging the events the `index`-th selected pack applies to."""
    return f"{C.ROUTE}{index}"


def run_rule(rule: Rule, ctx: EvalContext) -> pl.DataFrame:
    """One rule's findings, tagged with its id.  A rule that fails stops the check: nothing it
    could not judge is ever passed (fail closed), and the failure is an internal error, never
    mistaken for a finding or for a clean run."""
    try:
        found = in_force(rule, ctx, rule.check.evaluate(ctx))
    except Exception as exc:
        raise InternalError(
            f"rule {rule.id} could not be evaluated: {type(exc).__name__}: {exc}"
        ) from exc
    return found.with_columns(pl.lit(rule.id).alias(C.RULE))


def in_force(rule: Rule, ctx: EvalContext, found: pl.DataFrame) -> pl.DataFrame:
    """The findings on events whose own date (the consumer's local date; the UTC date for an
    event with no zone) falls in the days the rule is in force (`effective_from` to
    `effective_to`, inclusive).  Events outside still count for the rule (a call before a
    limit took effect is still a call); only their own conduct is not judged by it."""
    begins, ends = rule.spec.effective_from, rule.spec.effective_to
    if (begins is None and ends is None) or not found.height:
        return found
    days = ctx.attach(found.select(C.IDX), C.DAY, C.TS)
    day = pl.coalesce(pl.col(C.DAY), pl.col(C.TS) // US_PER_DAY)
    keep = pl.lit(True)
    if begins is not None:
        keep = keep & (day >= (begins - EPOCH_DATE).days)
    if ends is not None:
        keep = keep & (day <= (ends - EPOCH_DATE).days)
    return found.filter(days.select(keep.fill_null(False)).to_series())


def _zone_reasons(table: pl.DataFrame, packs: Sequence[Pack]) -> pl.DataFrame:
    """Reject rows with no zone that a pack must judge in local time and cannot, for want of a
    default zone (fail closed)."""
    reason = pl.col(C.REASON)
    code = pl.col(C.CODE)
    for i, pack in enumerate(packs):
        local = any(rule.check.needs_local_time for rule in pack.rules)
        if pack.info.default_timezone is None and local:
            missing = pl.col(C.ZONE).is_null() & pl.col(f"{C.ROUTE}{i}")
            needs = f"pack {pack.info.name} needs the consumer's local time"
            # why no signal placed the event, when the reader says (`inputs.location`)
            text = pl.lit(f"no timezone: {needs}")
            if C.NO_ZONE in table.columns:
                text = pl.concat_str(
                    pl.lit("no zone for the consumer ("),
                    pl.col(C.NO_ZONE).cast(pl.String),
                    pl.lit(f"): {needs}"),
                ).fill_null(text)
            reason = reason.fill_null(pl.when(missing).then(text))
            code = code.fill_null(pl.when(missing).then(pl.lit("no-zone", dtype=pl.Categorical)))
    return table.with_columns(reason.alias(C.REASON), code.alias(C.CODE))


def _own_local(checked: pl.DataFrame) -> pl.Series:
    """Local wall-clock µs in each row's own primary zone (null where the row has no zone)."""
    return local_us_where_known(checked[C.TS], checked[C.ZONE]).rename(C.LOCAL)


def _spread(values: pl.Series, where: pl.Series) -> pl.Series:
    """`values` at the rows `where` is true, null elsewhere."""
    full = pl.Series(values.name, [None], values.dtype).extend_constant(None, len(where) - 1)
    return full.scatter(where.arg_true(), values)


def _pack_events(
    checked: pl.DataFrame, own_local: pl.Series, pack: Pack, route: str
) -> pl.DataFrame:
    """The pack's events with its default zone applied and `C.LOCAL`/`C.DAY` derived."""
    frame = checked.with_columns(own_local)
    if not frame[route].all():  # a copy only when some events are outside the pack's scope
        frame = frame.filter(pl.col(route))
    default = pack.info.default_timezone
    missing = frame[C.ZONE].is_null()
    if default is not None and missing.any():
        rows = frame.filter(missing)
        fill = local_us(rows[C.TS], pl.repeat(default, rows.height, dtype=pl.String, eager=True))
        positions = pl.int_range(0, frame.height, eager=True).filter(missing)
        frame = frame.with_columns(
            frame[C.LOCAL].scatter(positions, fill),
            pl.col(C.ZONE).fill_null(pl.lit(default)),
            pl.col("timezone").fill_null(pl.lit(default)),
        )
    frame = frame.with_columns((pl.col(C.LOCAL) // US_PER_DAY).alias(C.DAY))
    if any(rule.check.reads_text for rule in pack.rules):
        # normalised once per pack and shared by its wording rules (see text.normalise)
        frame = frame.with_columns(normalise_series(frame["body"].fill_null("")).alias(C.NORM))
    return frame

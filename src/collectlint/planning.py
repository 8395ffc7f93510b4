"""The earliest instant a planned contact could be made without breaking a timing rule.

Each timing kind answers for its own rule (`TimingKind.next_allowed`): the earliest instant at
or after a given one at which the rule allows the contact, against the whole history — events
before and after it.  This module only combines the answers.  Each round first moves every
unsettled candidate to the earliest instant that all the rules judging by local time alone
(`ClockKind`, such as `hours`) allow together — found by testing the candidate and every
instant at which one of them opens, so two windows that barely overlap cost one step, not a
walk between them — and then asks every other timing rule; the latest answer becomes the next
candidate, until all accept the same instant.  Each answer is a least allowed instant at or
after the candidate, so the candidates never pass the least instant all rules allow, and the
first candidate they all accept is it.  A rule that allows no instant ends the search with its
reason.  No loop here runs per event: each round asks each rule once, for all the contacts
still unsettled.

Rules that exclude each other (hours windows that never overlap, or only when a cool-down
forbids) would move the candidate forever, so the search has an end.  Once every other event
is further away than any rule reaches (`TimingKind.reach_us`), only the local time of day and
weekday decide, and in one zone that pattern repeats every week: two weeks more (one day may
lose an hour to daylight saving) settle it.  A contact that may be in several zones, whose
offsets differ by season, is searched for a year and more past that point.

Effective dates (`effective_from` to `effective_to`, local days, as when judging a log): a rule
that judges by local time alone binds a planned contact only on the days it is in force — it is
not asked about a candidate outside them, and an answer it gives past its last day is cut back
to the instant it stops binding (00:00 local of the next day), so a contact it refuses on its
last evening is allowed at midnight when no other rule objects.  A rule that looks at other
events (a limit, a cool-down, a state) is asked as if it were always in force: a contact before
its start still counts for the events it judges later, and the kinds do not yet search with the
dates, so near a rule's first or last day its answer may be later than the least allowed
instant, never earlier.
"""

from __future__ import annotations

import polars as pl

from collectlint import columns as C
from collectlint.engine import EPOCH_DATE, EngineResult
from collectlint.errors import InternalError
from collectlint.inputs.clock import US_PER_DAY, local_us, midnight_utc
from collectlint.kinds.base import NEXT_SCHEMA, ClockKind, EvalContext, Rule, TimingKind

ONE_ZONE_DAYS = 15
"""How far past the last instant any event can matter the search goes for a contact judged in
one zone: two weeks of local days (one of them a daylight-saving day) and one for offsets."""
MANY_ZONES_DAYS = 400
"""The same for a contact judged in several zones: a year and more, so every combination of
their daylight-saving offsets has come round."""
MAX_ROUNDS = 5_000
"""A bound on the rounds, which a real history never reaches; reaching it is reported as
such, never as a verdict."""


def next_allowed(result: EngineResult, planned: pl.Series) -> pl.DataFrame:
    """For the events at table positions `planned` (`C.IDX`), the earliest instant (UTC µs) at
    or after each one's own time at which it breaks no timing rule (`at`), or null with the
    `reason` there is none (columns `NEXT_SCHEMA`)."""
    idx = planned.unique().sort().cast(pl.Int64)
    start = result.table.select(C.IDX, C.TS).filter(pl.col(C.IDX).is_in(idx.implode()))
    current = start.select(C.IDX, pl.col(C.TS).alias(C.AT), pl.lit(None, pl.Int64).alias(_SEEN))
    limits = _limits(result, start)
    clocks = _clocks(result)
    beyond = (
        "no instant is allowed by every timing rule at once (the search went on until the "
        "history no longer mattered and the local hours allowed repeated, without finding one)"
    )
    done: list[pl.DataFrame] = []
    for _ in range(MAX_ROUNDS):
        if current.height == 0:
            break
        with_limits = current.join(limits, on=C.IDX)
        late = with_limits.filter(pl.col(C.AT) > pl.col(C.UNTIL))
        if clocks is not None:  # the hours rules all at once: the earliest instant all allow
            unseen = with_limits.filter(
                (pl.col(C.AT) <= pl.col(C.UNTIL)) & pl.col(_SEEN).ne_missing(pl.col(C.AT))
            )
            if unseen.height:
                found = _clock_search(clocks, unseen)
                late = pl.concat([late, found.filter(pl.col(C.AT).is_null())], how="diagonal")
                moved = found.filter(pl.col(C.AT).is_not_null())
                current = current.update(
                    moved.with_columns(pl.col(C.AT).alias(_SEEN)), on=C.IDX, how="left"
                )
        if late.height:
            done.append(
                late.select(C.IDX, pl.lit(None, pl.Int64).alias(C.AT), pl.lit(beyond).alias(C.WHY))
            )
            current = current.join(late, on=C.IDX, how="anti")
            if current.height == 0:
                break
        answers = _ask(result, current, clocks=clocks is not None)
        if answers.height == 0:
            done.append(current.select(C.IDX, C.AT, pl.lit(None, pl.String).alias(C.WHY)))
            current = current.clear()
            break
        merged = answers.group_by(C.IDX).agg(
            pl.col(C.AT).max().alias("_new"),
            pl.col(C.AT).is_null().any().alias("_never"),
            pl.col(C.WHY).drop_nulls().first().alias(C.WHY),
        )
        step = current.join(merged, on=C.IDX, how="left")
        never = step.filter(pl.col("_never").fill_null(False))
        done.append(never.select(C.IDX, pl.lit(None, pl.Int64).alias(C.AT), C.WHY))
        step = step.filter(~pl.col("_never").fill_null(False)).with_columns(
            pl.max_horizontal(C.AT, "_new").alias("_new")
        )
        settled = step.filter(pl.col("_new") == pl.col(C.AT))
        done.append(settled.select(C.IDX, C.AT, pl.lit(None, pl.String).alias(C.WHY)))
        current = step.filter(pl.col("_new") != pl.col(C.AT)).select(
            C.IDX, pl.col("_new").alias(C.AT), _SEEN
        )
    if current.height:
        reason = f"the search stopped after {MAX_ROUNDS} rounds without settling on an instant"
        done.append(
            current.select(C.IDX, pl.lit(None, pl.Int64).alias(C.AT), pl.lit(reason).alias(C.WHY))
        )
    if not done:
        return pl.DataFrame(schema=NEXT_SCHEMA)
    return pl.concat(
        [d.select(NEXT_SCHEMA.keys()).cast(pl.Schema(NEXT_SCHEMA)) for d in done]
    ).sort(C.IDX)


_SEEN = "_seen"
"""The candidate at which the hours rules were last tested (so they are not again)."""
SLAB_DAYS = (2, 16)
"""How many days of openings the hours search tests in its first step and in each later one
(most answers are within a day, so the first step is short)."""

Clocks = list[tuple[EvalContext, ClockKind, Rule]]


def _clocks(result: EngineResult) -> Clocks | None:
    """Every rule that judges by local time alone, with its pack's context; None when some
    timing rule with no reach is not one (then every rule is asked in turn)."""
    clocks: Clocks = []
    for run in result.runs:
        for rule in run.pack.rules:
            if isinstance(rule.check, ClockKind):
                clocks.append((run.context, rule.check, rule))
            elif isinstance(rule.check, TimingKind) and rule.check.reach_us <= 0:
                return None
    return clocks


def _clock_search(clocks: Clocks, unseen: pl.DataFrame) -> pl.DataFrame:
    """The earliest instant from each event's `C.AT` to its `C.UNTIL` that every rule in
    `clocks` allows (null: none).

    The instants a rule allows are a union of half-open spans, so the earliest instant all of
    them allow is the candidate itself or the start of some rule's span: testing the candidate
    and every rule's openings finds it exactly.  A few days at a time (`SLAB_DAYS`), so that a
    search that succeeds soon tests few instants.
    """
    done = []
    pending = unseen.select(C.IDX, C.AT, pl.col(C.UNTIL).alias("_limit"))
    step = 0
    while pending.height:
        days = SLAB_DAYS[min(step, len(SLAB_DAYS) - 1)]
        step += 1
        pending = pending.with_columns(
            pl.min_horizontal(pl.col(C.AT) + days * US_PER_DAY, "_limit").alias(C.UNTIL)
        )
        probes = [pending.select(C.IDX, C.AT)]
        for ctx, kind, rule in clocks:
            mine = pending.join(ctx.events.select(C.IDX), on=C.IDX, how="semi")
            if mine.height:
                probes.append(kind.openings(ctx, mine))
                probes.append(_ends(rule, ctx, mine))
        tested = pl.concat([p.cast({C.IDX: pl.Int64, C.AT: pl.Int64}) for p in probes])
        tested = tested.unique().with_row_index("_p")
        ok = pl.repeat(True, tested.height, dtype=pl.Boolean, eager=True)
        for ctx, kind, rule in clocks:
            mine = tested.filter(pl.col(C.IDX).is_in(ctx.events[C.IDX].implode()))
            if mine.height:
                probes_ = mine.select(C.IDX, C.AT)
                refusing = ~kind.allows(ctx, probes_) & _binds(rule, ctx, probes_)
                refused = mine["_p"].filter(refusing)
                ok = ok.scatter(refused.cast(pl.Int64), False) if len(refused) else ok
        best = tested.filter(ok).group_by(C.IDX).agg(pl.col(C.AT).min())
        done.append(best)
        rest = pending.join(best, on=C.IDX, how="anti")
        done.append(
            rest.filter(pl.col(C.UNTIL) >= pl.col("_limit")).select(
                C.IDX, pl.lit(None, pl.Int64).alias(C.AT)
            )
        )
        pending = rest.filter(pl.col(C.UNTIL) < pl.col("_limit")).select(
            C.IDX, pl.col(C.UNTIL).alias(C.AT), "_limit"
        )
    return pl.concat(done)


def _limits(result: EngineResult, start: pl.DataFrame) -> pl.DataFrame:
    """Per planned event (`C.IDX`, `C.TS`), the instant past which searching is pointless
    (`C.UNTIL`): the latest event any run sees plus the longest reach of any timing rule (past
    it no other event matters), or the event's own time, whichever is later, plus
    `ONE_ZONE_DAYS` or `MANY_ZONES_DAYS`."""
    reach = max(
        (
            rule.check.reach_us
            for run in result.runs
            for rule in run.pack.rules
            if isinstance(rule.check, TimingKind)
        ),
        default=0,
    )
    latest = max((run.context.events[C.TS].max() or 0 for run in result.runs), default=0)
    assert isinstance(latest, int)
    settled = latest + reach if reach else 0  # no rule looks at other events: none matters
    zones = pl.concat(
        [run.context.events.select(C.IDX, pl.col(C.ZONE).cast(pl.String)) for run in result.runs]
        + [
            result.table.select(C.IDX, pl.col("timezone").cast(pl.String).alias(C.ZONE)).filter(
                pl.col(C.ZONE).str.contains("|", literal=True)
            )
        ]
    )
    many = (
        zones.join(start.select(C.IDX), on=C.IDX, how="semi")
        .group_by(C.IDX)
        .agg((pl.col(C.ZONE).n_unique() > 1).alias("_many"))
    )
    days = pl.when(pl.col("_many").fill_null(False)).then(MANY_ZONES_DAYS).otherwise(ONE_ZONE_DAYS)
    return start.join(many, on=C.IDX, how="left").select(
        C.IDX,
        (pl.max_horizontal(C.TS, pl.lit(settled)) + days * US_PER_DAY).alias(C.UNTIL),
    )


def _ask(result: EngineResult, current: pl.DataFrame, *, clocks: bool) -> pl.DataFrame:
    """Every timing rule's answer for the planned events its pack judges (but for the rules
    that judge by local time alone when `clocks`: the candidates already satisfy them)."""
    answers = []
    for run in result.runs:
        mine = current.join(run.context.events.select(C.IDX), on=C.IDX, how="semi")
        if mine.height == 0:
            continue
        for rule in run.pack.rules:
            if not isinstance(rule.check, TimingKind) or (
                clocks and isinstance(rule.check, ClockKind)
            ):
                continue
            clock = isinstance(rule.check, ClockKind)
            asked = mine.filter(_binds(rule, run.context, mine)) if clock else mine
            if asked.height == 0:
                continue
            try:
                answer = rule.check.next_allowed(run.context, asked)
                answer = _cut(rule, run.context, answer) if clock else answer
            except Exception as exc:  # fail closed, naming the rule (as engine.run_rule does)
                raise InternalError(
                    f"rule {rule.id} could not find the next allowed instant: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            answers.append(answer.select(NEXT_SCHEMA.keys()).cast(pl.Schema(NEXT_SCHEMA)))
    return pl.concat(answers) if answers else pl.DataFrame(schema=NEXT_SCHEMA)


def _local_days(ctx: EvalContext, probes: pl.DataFrame) -> pl.Series:
    """The local day number of each probe's instant (`C.IDX`, `C.AT`) in its event's zone
    (the UTC day for an event with no zone), as `engine.in_force` counts an event's day."""
    at = probes[C.AT].cast(pl.Int64)
    zone = ctx.events[C.ZONE].gather(ctx.positions(probes[C.IDX]))
    local = local_us(at, zone) if zone.null_count() < len(zone) else at
    return pl.select(pl.coalesce(pl.lit(local), pl.lit(at)) // US_PER_DAY).to_series()


def _binds(rule: Rule, ctx: EvalContext, probes: pl.DataFrame) -> pl.Series:
    """Whether `rule` is in force at each probe (`C.IDX`, `C.AT`)."""
    begins, ends = rule.spec.effective_from, rule.spec.effective_to
    if begins is None and ends is None:
        return pl.repeat(True, probes.height, dtype=pl.Boolean, eager=True)
    day = _local_days(ctx, probes)
    keep = pl.repeat(True, probes.height, dtype=pl.Boolean, eager=True)
    if begins is not None:
        keep = keep & (day >= (begins - EPOCH_DATE).days)
    if ends is not None:
        keep = keep & (day <= (ends - EPOCH_DATE).days)
    return keep


def _end_instants(rule: Rule, ctx: EvalContext, idx: pl.Series) -> pl.Series | None:
    """The UTC instant each event's rule stops binding (00:00 local after `effective_to`), or
    None for a rule with no end."""
    ends = rule.spec.effective_to
    if ends is None:
        return None
    zone = ctx.events[C.ZONE].gather(ctx.positions(idx))
    day = (ends - EPOCH_DATE).days + 1
    days = pl.repeat(day, len(idx), dtype=pl.Int64, eager=True)
    utc = midnight_utc(days, zone) if zone.null_count() < len(zone) else days * US_PER_DAY
    return pl.select(pl.coalesce(pl.lit(utc), pl.lit(days * US_PER_DAY))).to_series()


def _ends(rule: Rule, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
    """The instant the rule stops binding, as an opening of the hours search (`C.IDX`,
    `C.AT`), for the planned events searched past it."""
    schema = {C.IDX: pl.Int64, C.AT: pl.Int64}
    end = _end_instants(rule, ctx, planned[C.IDX])
    if end is None:
        return pl.DataFrame(schema=schema)
    return (
        planned.with_columns(_end=end)
        .filter((pl.col("_end") > pl.col(C.AT)) & (pl.col("_end") <= pl.col(C.UNTIL)))
        .select(pl.col(C.IDX).cast(pl.Int64), pl.col("_end").alias(C.AT))
    )


def _cut(rule: Rule, ctx: EvalContext, answer: pl.DataFrame) -> pl.DataFrame:
    """A rule's answers (`NEXT_SCHEMA`) no later than the instant it stops binding: past its
    last day it allows everything, so "never" or a later instant becomes that instant."""
    end = _end_instants(rule, ctx, answer[C.IDX].cast(pl.Int64)) if answer.height else None
    if end is None:
        return answer
    late = pl.col(C.AT).is_null() | (pl.col(C.AT) > pl.col("_end"))
    return answer.with_columns(_end=end).select(
        C.IDX,
        pl.when(late).then(pl.col("_end")).otherwise(pl.col(C.AT)).alias(C.AT),
        pl.when(late).then(pl.lit(None, pl.String)).otherwise(pl.col(C.WHY)).alias(C.WHY),
    )

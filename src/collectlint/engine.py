"""Route events to packs, reject what cannot be evaluated, and run every rule vectorised.

Input is the canonical event table from `inputs.events`; output is a findings frame (one row per
(rule, event) finding) and the table with its final `_reason` column.  No Python loop here runs
per event: loops run per pack, per rule or per distinct zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from collectlint.errors import CollectlintError
from collectlint.inputs.clock import US_PER_DAY, local_us
from collectlint.kinds import compile_rule
from collectlint.kinds.base import FINDING_SCHEMA, EvalContext
from collectlint.loading.packs import Pack
from collectlint.model import RuleSpec
from collectlint.text.normalise import normalise_series


@dataclass(frozen=True, slots=True)
class EngineResult:
    """The event table with final rejection reasons and a `_packs` count, plus all findings."""

    table: pl.DataFrame
    findings: pl.DataFrame


def _in_scope(pack: Pack, codes: Sequence[str]) -> list[str]:
    """The jurisdiction codes among `codes` that `pack` covers: one of its own, or a
    subdivision of one (`US-MA` under `US`)."""
    return [
        code
        for code in codes
        if any(code == own or code.startswith(f"{own}-") for own in pack.info.jurisdiction)
    ]


def _routes(packs: Sequence[Pack], codes: Sequence[str]) -> list[pl.Expr]:
    """Per pack, which events it checks: those with no jurisdiction or one in its scope.

    A selected pack that extends another selected pack takes the events in its scope away from
    its ancestor, so an overlay replaces, not doubles.  Scopes are worked out on the distinct
    codes (`codes`), and rows are then matched by membership.
    """
    j = pl.col("jurisdiction")
    routes = []
    for pack in packs:
        mine = set(_in_scope(pack, codes))
        for other in packs:
            if pack.info.name in other.ancestors:
                mine -= set(_in_scope(other, codes))
        routes.append(j.is_null() | j.is_in(sorted(mine)).fill_null(False))
    return routes


def evaluate(table: pl.DataFrame, packs: Sequence[Pack]) -> EngineResult:
    """Run `packs` over `table`; see the module docstring."""
    table = table.with_columns(_idx=pl.int_range(0, pl.len(), dtype=pl.Int64))
    codes = table["jurisdiction"].unique().drop_nulls().cast(pl.String).to_list()
    routes = _routes(packs, codes)
    table = table.with_columns(
        *(route.alias(f"_route{i}") for i, route in enumerate(routes)),
    )
    table = table.with_columns(_reason=_zone_reason(packs))
    rejected = table["_reason"].is_not_null()
    # filtering copies every column; with no rejected row the table is already the checked set
    checked = table.filter(~rejected) if rejected.any() else table
    own_local = _own_local(checked)
    parts: list[pl.DataFrame] = []
    with ThreadPoolExecutor(max_workers=_RULE_THREADS) as pool:
        for i, pack in enumerate(packs):
            ctx = EvalContext(_pack_events(checked, own_local, pack, f"_route{i}"))
            # much of a rule's work is single-threaded (binary searches, Python glue), so two
            # rules at a time keep both cores busy; results are taken in the pack's order
            runs = [pool.submit(_run_rule, spec, ctx) for spec in pack.rules]
            parts.extend(run.result() for run in runs)
    findings = (
        pl.concat(parts) if parts else pl.DataFrame(schema={**FINDING_SCHEMA, "rule": pl.String()})
    )
    routed = pl.sum_horizontal(pl.col(f"_route{i}") for i in range(len(packs)))
    table = table.with_columns(_packs=routed if packs else pl.lit(0)).drop(
        [f"_route{i}" for i in range(len(packs))]
    )
    return EngineResult(table, findings)


_RULE_THREADS = 2


def _run_rule(spec: RuleSpec, ctx: EvalContext) -> pl.DataFrame:
    """One rule's findings, tagged with its id; a rule that cannot run stops the check."""
    try:
        found = compile_rule(spec).evaluate(ctx)
    except pl.exceptions.PolarsError as exc:  # fail closed, never a silent pass
        raise CollectlintError(f"rule {spec.rule_id} could not be evaluated: {exc}") from exc
    return found.with_columns(rule=pl.lit(spec.rule_id))


def _zone_reason(packs: Sequence[Pack]) -> pl.Expr:
    """Reject rows with no zone that a pack without a default zone must evaluate (fail closed)."""
    reason = pl.col("_reason")
    for i, pack in enumerate(packs):
        if pack.info.default_timezone is None:
            reason = reason.fill_null(
                pl.when(pl.col("zone").is_null() & pl.col(f"_route{i}")).then(
                    pl.lit(f"no timezone: pack {pack.info.name} needs the consumer's local time")
                )
            )
    return reason


def _own_local(checked: pl.DataFrame) -> pl.Series:
    """Local wall-clock µs in each row's own primary zone (null where the row has no zone)."""
    has_zone = checked["zone"].is_not_null()
    if has_zone.all():
        return local_us(checked["ts"], checked["zone"]).rename("local")
    local = pl.repeat(None, checked.height, dtype=pl.Int64, eager=True).rename("local")
    if has_zone.any():
        rows = checked.filter(has_zone)
        values = local_us(rows["ts"], rows["zone"])
        positions = pl.int_range(0, checked.height, eager=True).filter(has_zone)
        local = local.scatter(positions, values)
    return local


def _pack_events(
    checked: pl.DataFrame, own_local: pl.Series, pack: Pack, route: str
) -> pl.DataFrame:
    """The pack's events with its default zone applied and `local`/`day` derived."""
    frame = checked.with_columns(local=own_local)
    if not frame[route].all():  # a copy only when some events are outside the pack's scope
        frame = frame.filter(pl.col(route))
    default = pack.info.default_timezone
    missing = frame["zone"].is_null()
    if default is not None and missing.any():
        rows = frame.filter(missing)
        fill = local_us(rows["ts"], pl.repeat(default, rows.height, dtype=pl.String, eager=True))
        positions = pl.int_range(0, frame.height, eager=True).filter(missing)
        frame = frame.with_columns(
            local=frame["local"].scatter(positions, fill),
            zone=pl.col("zone").fill_null(pl.lit(default)),
            timezone=pl.col("timezone").fill_null(pl.lit(default)),
        )
    frame = frame.with_columns(day=pl.col("local") // US_PER_DAY)
    if any(spec.kind == "wording" for spec in pack.rules):
        # normalised once per pack and shared by its wording rules (see text.normalise)
        frame = frame.with_columns(_norm=normalise_series(frame["body"].fill_null("")))
    return frame

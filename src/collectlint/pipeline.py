"""The one in-memory pipeline: an `EventTable` and packs in, a frozen `Report` out.

`check` (logs, and plans with their history), `lint` (template renderings), `test` (rule
cases) and `next` (one planned contact) all build an `EventTable` and call `run`.  There is no
other way to a report: the same compiled rules, the same engine, the same findings, suppression,
counting and notes for every one of them.  `run` never reads the clock: the report's `as_of` is
the caller's, or else the latest checked event time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from collectlint import columns as C
from collectlint import suppress, violations
from collectlint.engine import EngineResult, evaluate, is_overlay
from collectlint.findings import Findings
from collectlint.inputs.table import EventTable
from collectlint.kinds.base import Rule, TimingKind
from collectlint.loading.packs import Pack
from collectlint.model import Note, Rejection, Role, RunContext, Severity, Summary
from collectlint.planning import next_allowed
from collectlint.report import Report
from collectlint.suppress import Waiver
from collectlint.tallies import tally
from collectlint.util import from_us
from collectlint.version import __version__

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REPORTED = (Role.LOG, Role.PLAN, Role.TEMPLATE, Role.CASE)
"""Roles whose events' findings are reported (a history only gives context)."""


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How a run reports: the reference instant, personal data, suppressions, tolerance."""

    as_of: datetime | None = None
    show_pii: bool = False
    waivers: tuple[Waiver, ...] = ()
    baseline: frozenset[str] = frozenset()
    max_rejects: int = 0
    context: RunContext | None = None
    """How the run was asked for, for the report's reproducibility block."""
    as_of_given: bool | None = None
    """Whether the caller's `as_of` was given by the user (None: whenever `as_of` is set)."""


def run(events: EventTable, packs: Sequence[Pack], settings: RunSettings) -> Report:
    """Check `events` against `packs` and report."""
    as_of = (settings.as_of or _latest(events.frame)).astimezone(UTC)
    as_of_us = (as_of - EPOCH) // timedelta(microseconds=1)
    result = evaluate(events, packs, keep=bool(events.roles(Role.PLAN)), as_of_us=as_of_us)
    table = result.table
    reported = pl.col(C.SOURCE).is_in(events.roles(*REPORTED))
    found = result.findings
    history = events.roles(Role.HISTORY)
    if history:
        keep = table.filter(reported)[C.IDX]
        cited = violations.involving_plans(found, table, events.roles(Role.PLAN), history)
        found = found.filter(pl.col(C.IDX).is_in(keep.implode()))
        found = pl.concat([found.with_columns(pl.lit(None, pl.Int64).alias(C.FOR)), cited])
    rules = [rule for pack in packs for rule in pack.rules]
    refused = table.filter(pl.col(C.REASON).is_not_null()).height > settings.max_rejects
    answers = _next_allowed(result, found, events, rules, search=not refused)
    findings = violations.build(found, events, table, rules, settings.show_pii, answers)
    findings = violations.place_in_templates(findings, events)
    marked, notes = suppress.apply(findings, settings.waivers, settings.baseline, as_of)
    findings = Findings.of(marked)
    rejected = rejections(events, table)
    summary = _summary(table, [r.id for r in rules], findings, len(rejected), result.not_judged)
    summary = _with_rows(summary, events)
    notes = (
        *notes,
        *_notes(events, table, summary),
        *_pending(result.pending, as_of),
        *_profile_notes(events),
        *_location_notes(events),
        *_unplaced_notes(table, packs),
    )
    # logged and planned contacts; a template's renderings are not contacts made at a time
    tallies = tally(events, table, findings, packs, (Role.LOG, Role.PLAN))
    described = events.digests()  # last: digests may still be computing while the rules run
    return Report(
        tool_version=__version__,
        as_of=as_of,
        inputs=described,
        packs=tuple(p.info for p in packs),
        rules=tuple(r.spec for r in rules),
        violations=findings,
        rejected=rejected,
        summary=summary,
        max_rejects=settings.max_rejects,
        notes=notes,
        tallies=tallies,
        context=_context(settings),
    )


def _context(settings: RunSettings) -> RunContext:
    """The caller's account of the run, with what the run itself knows."""
    given = settings.context or RunContext()
    return dataclasses.replace(
        given,
        as_of_given=settings.as_of is not None
        if settings.as_of_given is None
        else settings.as_of_given,
        show_pii=settings.show_pii,
    )


def _next_allowed(
    result: EngineResult,
    found: pl.DataFrame,
    events: EventTable,
    rules: Sequence[Rule],
    *,
    search: bool,
) -> pl.DataFrame | None:
    """When planned events have timing findings: the next allowed instant of each (not
    searched for when the run fails for its rejected rows: an answer from an incomplete
    history would be wrong)."""
    plans = events.roles(Role.PLAN)
    if not plans:
        return None
    timing = [r.id for r in rules if isinstance(r.check, TimingKind)]
    on_plans = found.filter(pl.col(C.RULE).is_in(timing))
    if C.FOR in on_plans.columns:  # findings reported for a planned event
        on_plans = on_plans.with_columns(pl.coalesce(C.FOR, C.IDX).alias(C.IDX))
    flagged = on_plans[C.IDX].unique()
    in_plan = result.table.filter(pl.col(C.SOURCE).is_in(plans))[C.IDX]
    asked = flagged.filter(flagged.is_in(in_plan.implode()))
    if not len(asked):
        return None
    if not search:
        why = "not searched for: more rows were rejected than max_rejects allows"
        return pl.DataFrame({C.IDX: asked.cast(pl.Int64)}).with_columns(
            pl.lit(None, pl.Int64).alias(C.AT), pl.lit(why).alias(C.WHY)
        )
    return next_allowed(result, asked)


def _latest(table: pl.DataFrame) -> datetime:
    """The latest instant among the rows that could be checked (the default `as_of`)."""
    latest = table.filter(pl.col(C.REASON).is_null())[C.TS].max()
    if latest is None:
        return EPOCH
    assert isinstance(latest, int)
    return from_us(latest)


def rejections(events: EventTable, table: pl.DataFrame) -> tuple[Rejection, ...]:
    """Every rejected row, in input order."""
    bad = table.filter(pl.col(C.REASON).is_not_null()).select(
        C.SOURCE, C.ROW, pl.col(C.CODE).cast(pl.String), C.REASON
    )
    bad = bad.sort(C.SOURCE, C.ROW)
    bad = bad.with_columns(events.line_numbers(bad[C.SOURCE], bad[C.ROW]))
    return tuple(
        Rejection(events.origin(source, row, line), code, reason)
        for source, row, code, reason, line in bad.iter_rows()
    )


def _summary(
    table: pl.DataFrame,
    rule_ids: Sequence[str],
    findings: Findings,
    rejected: int,
    not_judged: Mapping[str, int],
) -> Summary:
    by_rule, by_severity, suppressed = findings.counts()
    out_of_scope = table.filter(pl.col(C.REASON).is_null() & (pl.col(C.PACKS) == 0)).height
    return Summary(
        events_read=table.height,
        events_checked=table.height - rejected,
        events_rejected=rejected,
        events_out_of_scope=out_of_scope,
        violations=len(findings) - suppressed,
        by_rule={rule: by_rule.get(rule, 0) for rule in rule_ids},
        suppressed=suppressed,
        by_severity=by_severity,
        not_judged={rule: n for rule, n in sorted(not_judged.items()) if n},
    )


def _with_rows(summary: Summary, events: EventTable) -> Summary:
    """The summary with its source-row counts: every row read is an event, was left out on
    purpose by a profile, or was a duplicate copy; fan-out makes some rows several events."""
    read = excluded = deduplicated = 0
    for source in events.sources:
        run = source.profile
        if run is None:
            read += source.rows
            continue
        read += run.rows_read
        excluded += run.rows_excluded
        deduplicated += run.rows_deduplicated
    return dataclasses.replace(
        summary, rows_read=read, rows_excluded=excluded, rows_deduplicated=deduplicated
    )


SHOWN_REASONS = 20
"""Rejection reasons a profile's notes list one by one (the most frequent first)."""


def _profile_notes(events: EventTable) -> list[Note]:
    """What each profile left out and why, and each reason it rejected rows with its count
    (one line per unmapped value, not one per row)."""
    notes = []
    for source in events.sources:
        run = source.profile
        if run is None:
            continue
        what = f"profile {run.name} {run.version} ({run.path}, sha256 {run.sha256[:12]})"
        notes.append(
            Note(
                Severity.INFO,
                "profile",
                f"{source.path}: read through {what}: {run.rows_read} row(s), "
                f"{run.rows_deduplicated} duplicate copy(ies) dropped, {run.rows_excluded} "
                f"left out on purpose, {run.events_fanned_out} extra event(s) for numbers "
                "of several debts",
                source.path,
            )
        )
        for reason, count in sorted(run.excluded.items()):
            text = f"{source.path}: {count} row(s) left out: {reason}"
            notes.append(Note(Severity.INFO, "excluded", text, source.path))
        reasons = sorted(run.rejected.items(), key=lambda item: (-item[1], item[0]))
        for reason, count in reasons[:SHOWN_REASONS]:
            text = f"{source.path}: {count} row(s) rejected: {reason}"
            notes.append(Note(Severity.WARNING, "profile-rejected", text, source.path))
        if len(reasons) > SHOWN_REASONS:
            rest = sum(count for _, count in reasons[SHOWN_REASONS:])
            others = len(reasons) - SHOWN_REASONS
            text = f"{source.path}: {rest} more row(s) rejected for {others} other reason(s)"
            notes.append(Note(Severity.WARNING, "profile-rejected", text, source.path))
    return notes


def _location_notes(events: EventTable) -> list[Note]:
    """Each problem met placing the consumer (an unknown ZIP code, a state that is none), with
    how many events had it: the event was placed by its other signals, if any."""
    return [
        Note(
            Severity.WARNING,
            "location",
            f"{count} event(s): {problem}; their zones and jurisdiction come from their other "
            "signals, if any",
            "",
        )
        for problem, count in events.located
    ]


def _unplaced_notes(table: pl.DataFrame, packs: Sequence[Pack]) -> list[Note]:
    """How many checked events had no jurisdiction while overlays were selected: the base
    packs judged them, the overlays (whose scope cannot be known) did not."""
    overlays = sorted(p.info.name for p in packs if is_overlay(p, packs))
    if not overlays:
        return []
    count = table.filter(pl.col(C.REASON).is_null() & pl.col("jurisdiction").is_null()).height
    if not count:
        return []
    return [
        Note(
            Severity.WARNING,
            "no-jurisdiction",
            f"{count} checked event(s) have no jurisdiction: judged by the base packs only, not "
            f"by the overlays {', '.join(overlays)} (give a jurisdiction, zip or state column, "
            "or a phone number, to apply the state and city rules)",
        )
    ]


SHOWN_PENDING = 10
"""Pending events a note names by id (the rest are counted)."""


def _pending(pending: Mapping[str, tuple[str, ...]], as_of: datetime) -> list[Note]:
    """One note per rule with requirements still open at `as_of` (not violations yet)."""
    notes = []
    for rule, ids in sorted(pending.items()):
        if not ids:
            continue
        shown = ", ".join(sorted(ids)[:SHOWN_PENDING])
        more = f" and {len(ids) - SHOWN_PENDING} more" if len(ids) > SHOWN_PENDING else ""
        notes.append(
            Note(
                Severity.INFO,
                "pending",
                f"{rule}: {len(ids)} event(s) still within the time allowed at "
                f"{as_of.isoformat()} (not violations yet): {shown}{more}",
            )
        )
    return notes


ONE_ACCOUNT_ROWS = 1_000
"""Checked events above which a log with a single account is suspect (a mapped column that
holds the same value on every row, such as the provider's account id)."""
PROVIDER_ID = r"^(AC[0-9a-f]{32}|\d{12})$"
"""Account values that look like a provider's own account id: a Twilio account SID, an AWS
account number."""


def _account_notes(table: pl.DataFrame) -> list[Note]:
    """Warnings for an `account` column that cannot be the debt: one value across a large
    export, or values shaped like a provider's account id (limits per debt would then count
    every consumer's contacts together)."""
    checked = table.filter(pl.col(C.REASON).is_null()).select(pl.col("account").cast(pl.String))
    if not checked.height:
        return []
    notes = []
    stats = checked.select(
        pl.col("account").n_unique().alias("n"),
        pl.col("account").str.contains(PROVIDER_ID).fill_null(False).sum().alias("ids"),
    )
    distinct, provider = int(stats["n"][0]), int(stats["ids"][0])
    if distinct == 1 and checked.height > ONE_ACCOUNT_ROWS:
        notes.append(
            Note(
                Severity.WARNING,
                "one-account",
                f"all {checked.height} checked events have the same account: if the column "
                "is not the debt (a provider's account id, a campaign), limits per debt count "
                "every consumer's contacts together; map the debt's own column, or take it "
                "from an accounts file (--profile with --accounts)",
            )
        )
    if provider:
        notes.append(
            Note(
                Severity.WARNING,
                "provider-account-id",
                f"{provider} checked event(s) have an account that looks like a provider's "
                "account id (a Twilio AC... SID, an AWS account number), not a debt",
            )
        )
    return notes


def _notes(events: EventTable, table: pl.DataFrame, summary: Summary) -> list[Note]:
    """What the reader must know about the run as a whole."""
    notes = []
    if summary.events_read == 0:
        notes.append(Note(Severity.WARNING, "empty-input", "the input holds no events to check"))
    elif summary.events_checked == 0:
        notes.append(
            Note(
                Severity.ERROR,
                "nothing-checked",
                f"none of the {summary.events_read} events could be checked: every row was "
                "rejected (see the rejected rows)",
            )
        )
    notes += _account_notes(table)
    plans, history = events.roles(Role.PLAN), events.roles(Role.HISTORY)
    if plans and history:
        checked = table.filter(pl.col(C.REASON).is_null())
        last = checked.filter(pl.col(C.SOURCE).is_in(history))[C.TS].max()
        early = (
            checked.filter(pl.col(C.SOURCE).is_in(plans) & (pl.col(C.TS) < last))
            if isinstance(last, int)
            else checked.clear()
        )
        if isinstance(last, int) and early.height:
            notes.append(
                Note(
                    Severity.WARNING,
                    "plan-before-history",
                    f"{early.height} planned event(s) are earlier than the latest history "
                    f"event ({from_us(last).isoformat()}); they were judged against the whole "
                    "history, including the events after them",
                )
            )
    return notes

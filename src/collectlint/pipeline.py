"""The one in-memory pipeline: an `EventTable` and packs in, a frozen `Report` out.

`check` (logs, and plans with their history), `lint` (template renderings), `test` (rule
cases) and `next` (one planned contact) all build an `EventTable` and call `run`.  There is no
other way to a report: the same compiled rules, the same engine, the same findings, suppression,
counting and notes for every one of them.  `run` never reads the clock: the report's `as_of` is
the caller's, or else the latest checked event time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from collectlint import columns as C
from collectlint import suppress, tallies, violations
from collectlint.engine import EngineResult, evaluate, is_overlay
from collectlint.findings import Findings, in_report_order
from collectlint.inputs.table import EventTable
from collectlint.kinds.base import Rule, TimingKind
from collectlint.loading.packs import Pack
from collectlint.model import (
    Breakdown,
    InputFile,
    Note,
    Rejection,
    Role,
    RunContext,
    Severity,
    Summary,
)
from collectlint.planning import next_allowed
from collectlint.report import Report
from collectlint.suppress import Waiver
from collectlint.tallies import Counts
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


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the `account` column of a part's checked events says about whether it is the
    debt (see `_account_notes`): how many events, up to two of its distinct values, and how
    many look like a provider's account id."""

    checked: int = 0
    values: frozenset[str] = frozenset()
    provider: int = 0


@dataclass(frozen=True, slots=True)
class Part:
    """What one part of a run contributes to its report: its findings (built, sorted and
    marked by the waivers and the baseline) and the plain counts the report adds up.

    A local run is one part; a Spark job has a part per partition of the log, each made by
    `evaluate_part` from the same compiled rules, and `assemble` adds them up the same way.
    """

    findings: Findings
    rejected: tuple[Rejection, ...]
    events_read: int
    out_of_scope: int
    unplaced: int
    """Checked events with no jurisdiction (judged by the base packs only)."""
    not_judged: Mapping[str, int]
    pending: Mapping[str, tuple[str, ...]]
    counts: Counts
    used_waivers: frozenset[int]
    accounts: AccountFacts
    located: tuple[tuple[str, int], ...] = ()


def run(events: EventTable, packs: Sequence[Pack], settings: RunSettings) -> Report:
    """Check `events` against `packs` and report."""
    as_of = (settings.as_of or _latest(events.frame)).astimezone(UTC)
    result = evaluate(events, packs, keep=bool(events.roles(Role.PLAN)), as_of_us=_us(as_of))
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
    part = _part(events, result, found, packs, settings, as_of, answers)
    described = events.digests()  # last: digests may still be computing while the rules run
    return assemble(
        [part],
        packs,
        settings,
        as_of,
        described,
        _rows(events),
        early=_plan_notes(events, table),
        late=_profile_notes(events),
        ordered=True,
    )


def evaluate_part(
    events: EventTable, packs: Sequence[Pack], settings: RunSettings, as_of: datetime
) -> Part:
    """One part of a log (all the events of some consumers) checked on its own, for a report
    `assemble` makes of several: the same engine, findings and suppression as `run`, for a
    log with no plan, history or template (whose findings need the whole of it)."""
    result = evaluate(events, packs, keep=False, as_of_us=_us(as_of))
    return _part(events, result, result.findings, packs, settings, as_of, None)


def _us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _part(
    events: EventTable,
    result: EngineResult,
    found: pl.DataFrame,
    packs: Sequence[Pack],
    settings: RunSettings,
    as_of: datetime,
    answers: pl.DataFrame | None,
) -> Part:
    """The part `result` makes: findings built from `found` (with the planned events' next
    allowed instants, `answers`), suppression marked, and the counts `assemble` adds up."""
    table = result.table
    rules = [rule for pack in packs for rule in pack.rules]
    findings = violations.build(found, events, table, rules, settings.show_pii, answers)
    findings = violations.place_in_templates(findings, events)
    marked, used = suppress.mark(findings, settings.waivers, settings.baseline, as_of)
    findings = Findings.of(marked)
    checked = pl.col(C.REASON).is_null()
    # logged and planned contacts; a template's renderings are not contacts made at a time
    # a log's own findings, none suppressed, are the engine's rows: no need to find them
    # again by input, record and id
    plain = not (settings.waivers or settings.baseline or events.templates) and (
        not events.roles(Role.PLAN, Role.HISTORY)
    )
    hits = found.select(C.IDX, pl.col(C.RULE).cast(pl.String).alias("rule")) if plain else None
    counts = tallies.count(events, table, findings, packs, (Role.LOG, Role.PLAN), hits)
    return Part(
        findings=findings,
        rejected=rejections(events, table),
        events_read=table.height,
        out_of_scope=table.filter(checked & (pl.col(C.PACKS) == 0)).height,
        unplaced=_unplaced(table, packs),
        not_judged=result.not_judged,
        pending=result.pending,
        counts=counts,
        used_waivers=used,
        accounts=_account_facts(table),
        located=events.located,
    )


def assemble(
    parts: Sequence[Part],
    packs: Sequence[Pack],
    settings: RunSettings,
    as_of: datetime,
    inputs: tuple[InputFile, ...],
    rows: tuple[int, int, int],
    *,
    early: Sequence[Note] = (),
    late: Sequence[Note] = (),
    ordered: bool = False,
    findings: Findings | None = None,
    accounts: Breakdown | None = None,
) -> Report:
    """The report of a run from its parts: findings in report order, counts added up, notes
    worked out from the sums.  `rows` is (read, excluded, deduplicated) source rows; `early`
    and `late` are the caller's own notes (about plans; about profiles), given before and
    after the pending ones; `ordered`: the one part's findings are already in report
    order; `findings`: the parts' findings, already in report order and left out of the parts
    (a log larger than memory keeps them on disk, see `spill`); `accounts`: the account
    breakdown, when the parts' account counts were kept apart (`spill.CountSpill`)."""
    rules = [rule for pack in packs for rule in pack.rules]
    if findings is None:
        one = ordered and len(parts) == 1
        findings = parts[0].findings if one else _in_order(parts, inputs)
    rejected = tuple(r for part in parts for r in part.rejected)
    if not ordered:
        paths = {i.path: n for n, i in enumerate(inputs)}
        rejected = tuple(sorted(rejected, key=lambda r: (paths.get(r.path, 0), r.row)))
    not_judged: dict[str, int] = {}
    pending: dict[str, tuple[str, ...]] = {}
    located: dict[str, int] = {}
    for part in parts:
        for rule, n in part.not_judged.items():
            not_judged[rule] = not_judged.get(rule, 0) + n
        for rule, ids in part.pending.items():
            pending[rule] = (*pending.get(rule, ()), *ids)
        for problem, n in part.located:
            located[problem] = located.get(problem, 0) + n
    summary = _summary(
        sum(p.events_read for p in parts),
        sum(p.out_of_scope for p in parts),
        [r.id for r in rules],
        findings,
        len(rejected),
        not_judged,
    )
    read, excluded, deduplicated = rows
    summary = dataclasses.replace(
        summary, rows_read=read, rows_excluded=excluded, rows_deduplicated=deduplicated
    )
    used = frozenset().union(*(p.used_waivers for p in parts))
    all_notes = (
        *suppress.notes(settings.waivers, used, as_of),
        *_notes(summary, _accounts(p.accounts for p in parts)),
        *early,
        *_pending(pending, as_of),
        *late,
        *_location_notes(tuple(located.items())),
        *_unplaced_notes(sum(p.unplaced for p in parts), packs),
    )
    return Report(
        tool_version=__version__,
        as_of=as_of,
        inputs=inputs,
        packs=tuple(p.info for p in packs),
        rules=tuple(r.spec for r in rules),
        violations=findings,
        rejected=rejected,
        summary=summary,
        max_rejects=settings.max_rejects,
        notes=all_notes,
        tallies=tallies.finish([p.counts for p in parts], packs, accounts),
        context=_context(settings),
    )


def _in_order(parts: Sequence[Part], inputs: Sequence[InputFile]) -> Findings:
    """The parts' findings in report order: by rule, time and event, then input and record
    (so parts in any order give the same report)."""
    frames = [p.findings.frame for p in parts if len(p.findings)]
    if not frames:
        return Findings.empty()
    return Findings(in_report_order(pl.concat(frames), [i.path for i in inputs]))


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
    events_read: int,
    out_of_scope: int,
    rule_ids: Sequence[str],
    findings: Findings,
    rejected: int,
    not_judged: Mapping[str, int],
) -> Summary:
    by_rule, by_severity, suppressed = findings.counts()
    return Summary(
        events_read=events_read,
        events_checked=events_read - rejected,
        events_rejected=rejected,
        events_out_of_scope=out_of_scope,
        violations=len(findings) - suppressed,
        by_rule={rule: by_rule.get(rule, 0) for rule in rule_ids},
        suppressed=suppressed,
        by_severity=by_severity,
        not_judged={rule: n for rule, n in sorted(not_judged.items()) if n},
    )


def _rows(events: EventTable) -> tuple[int, int, int]:
    """The source rows read, left out on purpose by a profile, and dropped as duplicate
    copies: every row read is an event, or one of those (and fan-out makes some rows several
    events)."""
    read = excluded = deduplicated = 0
    for source in events.sources:
        run = source.profile
        if run is None:
            read += source.rows
            continue
        read += run.rows_read
        excluded += run.rows_excluded
        deduplicated += run.rows_deduplicated
    return read, excluded, deduplicated


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


def _location_notes(located: Sequence[tuple[str, int]]) -> list[Note]:
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
        for problem, count in located
    ]


def _unplaced(table: pl.DataFrame, packs: Sequence[Pack]) -> int:
    """Checked events with no jurisdiction, when overlays are selected (else 0)."""
    if not any(is_overlay(p, packs) for p in packs):
        return 0
    return table.filter(pl.col(C.REASON).is_null() & pl.col("jurisdiction").is_null()).height


def _unplaced_notes(count: int, packs: Sequence[Pack]) -> list[Note]:
    """How many checked events had no jurisdiction while overlays were selected: the base
    packs judged them, the overlays (whose scope cannot be known) did not."""
    overlays = sorted(p.info.name for p in packs if is_overlay(p, packs))
    if not overlays or not count:
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


def _account_facts(table: pl.DataFrame) -> AccountFacts:
    """The `account` column of the checked events, as `_account_notes` needs it."""
    checked = table.filter(pl.col(C.REASON).is_null()).select(pl.col("account").cast(pl.String))
    if not checked.height:
        return AccountFacts()
    values = checked["account"].drop_nulls().unique().head(2).to_list()
    provider = checked["account"].str.contains(PROVIDER_ID).fill_null(False).sum()
    return AccountFacts(checked.height, frozenset(values), int(provider))


def _accounts(parts: Iterable[AccountFacts]) -> AccountFacts:
    """The facts of several parts together (two distinct values are as good as many)."""
    checked, values, provider = 0, set[str](), 0
    for facts in parts:
        checked += facts.checked
        values |= facts.values
        provider += facts.provider
    return AccountFacts(checked, frozenset(sorted(values)[:2]), provider)


def _account_notes(facts: AccountFacts) -> list[Note]:
    """Warnings for an `account` column that cannot be the debt: one value across a large
    export, or values shaped like a provider's account id (limits per debt would then count
    every consumer's contacts together)."""
    notes = []
    if len(facts.values) == 1 and facts.checked > ONE_ACCOUNT_ROWS:
        notes.append(
            Note(
                Severity.WARNING,
                "one-account",
                f"all {facts.checked} checked events have the same account: if the column "
                "is not the debt (a provider's account id, a campaign), limits per debt count "
                "every consumer's contacts together; map the debt's own column, or take it "
                "from an accounts file (--profile with --accounts)",
            )
        )
    if facts.provider:
        notes.append(
            Note(
                Severity.WARNING,
                "provider-account-id",
                f"{facts.provider} checked event(s) have an account that looks like a "
                "provider's account id (a Twilio AC... SID, an AWS account number), not a debt",
            )
        )
    return notes


def _notes(summary: Summary, accounts: AccountFacts) -> list[Note]:
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
    return notes + _account_notes(accounts)


def _plan_notes(events: EventTable, table: pl.DataFrame) -> list[Note]:
    """A warning when planned events are earlier than the latest history event."""
    notes = []
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

"""`next_contact()`: when may this contact be made?  One planned event, through the pipeline.

The contact is an event in memory (no temporary file): the account, party, channel and number
asked about, with the debtor, zone and jurisdiction the history last recorded for the account
unless given.  It is checked as a plan against the history; its timing findings at the requested
instant say what binds it, and their `next_allowed_at` when it may be made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from collectlint import columns as C
from collectlint import pipeline
from collectlint.api import background, load_packs, read_logs, validate_options
from collectlint.errors import UsageError
from collectlint.inputs.clock import is_known_zone
from collectlint.inputs.deferred import Deferred
from collectlint.inputs.events import (
    ReadOptions,
    _parse_times,
    _time_as_text,
    build_events,
    latest_values,
)
from collectlint.inputs.readers import RawLog, raw_from_records
from collectlint.kinds.base import KEY_COLUMNS
from collectlint.loading.packs import Pack
from collectlint.model import CheckOptions, NextContact, Note, Rejection, Role, Violation
from collectlint.report import Report
from collectlint.selection import select_rules
from collectlint.violations import fingerprint

PLANNED_ID = "<planned contact>"
"""The asked-about contact's event id (angle brackets: no export writes ids like it)."""
ORIGIN = "<next>"
"""Where the asked-about contact comes from, in reports."""
_FROM_HISTORY = ("debtor", "timezone", "jurisdiction", "to", "zip", "state")
"""What a question takes from the account's latest history rows when it does not say: the
consumer, and where they are (their zones, address and the number of the party asked about,
which place them as the history's rows are placed)."""


def next_contact(
    history: Sequence[str],
    event: Mapping[str, str],
    at: datetime,
    *,
    options: CheckOptions | None = None,
) -> NextContact:
    """The earliest instant at or after `at` when the contact `event` breaks no timing rule.

    `event` holds canonical fields (`account`, `party`, `channel`, `to`, `timezone`, ...);
    `debtor`, `timezone` and `jurisdiction` default to the account's latest values in the
    history, so the contact is counted with the same person the history names.
    """
    report, zone = next_report(history, event, at, options=options)
    return answer(report, at, zone)


def next_report(
    history: Sequence[str],
    event: Mapping[str, str],
    at: datetime,
    *,
    options: CheckOptions | None = None,
) -> tuple[Report, str]:
    """The report of the contact `event` planned at `at` against `history` (see
    `next_contact`), and the contact's primary zone."""
    opts = options or CheckOptions()
    if at.tzinfo is None:
        raise UsageError("--at needs a UTC offset or Z (a naive time is ambiguous)")
    validate_options(opts)
    packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
    with background() as pool:
        raws = read_logs([(p, Role.HISTORY) for p in history], opts, packs, pool)
        return _planned(raws, packs, event, at, opts)


def _planned(
    raws: list[RawLog],
    packs: Sequence[Pack],
    event: Mapping[str, str],
    at: datetime,
    opts: CheckOptions,
) -> tuple[Report, str]:
    read = ReadOptions(opts.assume_timezone, opts.infer_location)
    account = event.get("account", "").strip()  # as every cell of a log is read
    known = latest_values(raws, account, _FROM_HISTORY, read)
    # the number is the person's: taken only from rows with the party asked about
    party = (event.get("party") or "debtor").strip()
    number = latest_values(raws, account, ("to",), read, party).get("to")
    # and the address is one row's: a newer state must not sit beside an older ZIP code
    address = latest_values(raws, account, ("zip", "state"), read, together=True)
    known = {k: v for k, v in known.items() if k not in _MIXED} | address
    known |= {"to": number} if number else {}
    row = _contact_row(event, at, known, packs, opts)
    plan = raw_from_records([row], ORIGIN, Role.PLAN, lines=[0])
    events = build_events([*raws, plan], read)
    report = pipeline.run(events, packs, pipeline.RunSettings(max_rejects=opts.max_rejects))
    own = [r for r in report.rejected if r.origin.role is Role.PLAN]
    if own:
        raise UsageError(_refusal(own[0], account, raws))
    if report.exit_code() == 2:
        paths = {r.path for r in report.rejected}
        raise UsageError(_too_many_rejected(report.summary.events_rejected, paths, opts))
    # the contact's primary zone as the reader placed it (its own, its address's or its
    # number's), else the pack's default
    planned = events.frame.filter(pl.col(C.SOURCE) == len(events.sources) - 1)[C.ZONE]
    zone = str(planned.cast(pl.String)[0] or "") if planned.len() else ""
    return report, zone or _default_zone(packs)


_MIXED = frozenset({"to", "zip", "state"})
"""Fields of `_FROM_HISTORY` not taken one by one from the latest row that has each: the number
(the party's own) and the address (one row's, whole)."""


def _contact_row(
    event: Mapping[str, str],
    at: datetime,
    known: Mapping[str, str],
    packs: Sequence[Pack],
    opts: CheckOptions,
) -> dict[str, str | None]:
    """The planned contact as a record: `event`, planned at `at`, with what it does not say
    taken from `known` (the history's latest values); refused when nothing can place it."""
    if at.tzinfo is None:
        raise UsageError("--at needs a UTC offset or Z (a naive time is ambiguous)")
    account = event.get("account", "").strip()
    row: dict[str, str | None] = {"direction": "outbound", "kind": "contact", **event}
    row["account"] = account
    row["id"] = PLANNED_ID
    row["time"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for name in _FROM_HISTORY:
        if not row.get(name) and known.get(name):
            row[name] = known[name]
    signals = ("timezone", "to", "zip", "state") if opts.infer_location else ("timezone",)
    if not any(row.get(s) for s in signals) and not _default_zone(packs):
        raise UsageError(f"no timezone for account {account!r} in the history; pass --timezone")
    return row


def _default_zone(packs: Sequence[Pack]) -> str:
    """The first selected pack's default zone ("" when none has one)."""
    return next((p.info.default_timezone for p in packs if p.info.default_timezone), "")


def _refusal(own: Rejection, account: str, raws: Sequence[RawLog]) -> str:
    """Why the contact asked about could not be evaluated (its row was rejected)."""
    if own.code == "no-zone":  # say where a zone could come from
        history = ", ".join(sorted({r.path for r in raws})) or "the history"
        return (
            f"no zone for account {account!r} from {history} or the contact asked about "
            f"({own.reason}); pass --timezone"
        )
    return f"the contact asked about cannot be evaluated: {own.reason}"


def _too_many_rejected(count: int, paths: Iterable[str], opts: CheckOptions) -> str:
    """Why a history with `count` rejected rows (in `paths`) cannot answer."""
    files = sorted(set(paths))
    return (
        f"{count} history rows rejected in {', '.join(files)} "
        f"(max_rejects {opts.max_rejects}); run `collectlint check {' '.join(files)}` to "
        "see them"
    )


def answer(report: Report, at: datetime, zone: str) -> NextContact:
    """The `NextContact` a report of one planned contact (in `zone`) gives."""
    binding = tuple(
        v
        for v in report.violations
        if v.event == PLANNED_ID
        and (v.next_allowed_at is not None or v.next_allowed_reason is not None)
    )
    return _answer(binding, at, zone, report.notes)


def _answer(
    binding: tuple[Violation, ...], at: datetime, zone: str, notes: tuple[Note, ...]
) -> NextContact:
    """The `NextContact` of the planned contact's timing findings `binding`, in report order."""
    if not binding:
        return NextContact(at, at, _local_text(at, zone), (), notes=notes)
    first = binding[0]
    if first.next_allowed_at is None:
        return NextContact(at, None, "", binding, first.next_allowed_reason or "", notes)
    return NextContact(
        at, first.next_allowed_at, first.next_allowed_local or "", binding, notes=notes
    )


def _local_text(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).isoformat() if zone else at.isoformat()


# ---------------------------------------------------------------------------------------------
# Many questions against one history: read once, answer in batches through the same pipeline.

QUESTIONS_PER_RUN = 5_000
"""Questions answered by one pipeline run (a run's fixed cost is shared by them; more would
only hold more copied history rows in memory at once)."""
_GROUPED_BY = ("account", "debtor", C.PERSON, "to")
"""The event columns rule keys group by (`kinds.base.KEY_COLUMNS`), less `channel`, which
alone would group nearly every row."""
_ONE_BY_ONE = tuple(f for f in _FROM_HISTORY if f not in _MIXED)

Question = tuple[Mapping[str, str], datetime]
"""A contact asked about (canonical fields, as `next_contact`'s `event`) and the earliest
instant wanted."""


@dataclass(frozen=True, slots=True)
class NoAnswer:
    """A question that could not be answered: the message `next_contact` raises for it."""

    error: str


@dataclass(frozen=True, slots=True)
class NextBatch:
    """The answers to a batch of questions, in their order, and the notes of the runs that
    answered them (about the batch as a whole: its runs judged every question together, so
    these are not each question's own `next_contact` notes; the answers carry none)."""

    answers: tuple[NextContact | NoAnswer, ...]
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """Contact logs read once, to answer many `next_contact` questions quickly.

    `load` reads and checks the logs; `answer` then plans each question's contact against the
    only history rows that can share a rule's group with it (rows agreeing with it on every
    grouping column of some rule's key, see `_key_sets`), each question in its own scope
    (`columns.SCOPE`), many questions in one `pipeline.run`.  Each answer is the one
    `next_contact` gives for the question alone; only the report's notes are the batch's.
    """

    raws: tuple[RawLog, ...]
    """The logs as read (their digests and line maps already computed)."""
    packs: tuple[Pack, ...]
    options: CheckOptions
    rows: pl.DataFrame
    """Each checkable history row: `_src` (its log), `_pos` (its position in the log's frame),
    `C.ROW` (its record number) and the grouping columns (`_GROUPED_BY`) as the reader
    normalised them, as text."""
    fields: Mapping[str, Mapping[str, str]]
    """Per account, the latest usable debtor, zone and jurisdiction (see `latest_values`)."""
    numbers: Mapping[tuple[str, str], str]
    """Per (account, party), the latest number or address."""
    addresses: Mapping[str, Mapping[str, str]]
    """Per account, the ZIP code and state of its latest row that has either."""
    groups: tuple[tuple[str, ...], ...]
    """The grouping columns a row must share with a planned contact to count with it under
    some rule (see `_key_sets`)."""

    @classmethod
    def load(cls, history: Sequence[str], *, options: CheckOptions | None = None) -> History:
        """Read `history` (log paths) once.  Fails, as `next_contact` would for every
        question, when more of its rows are rejected than `max_rejects` allows."""
        opts = options or CheckOptions()
        validate_options(opts)
        packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
        read = ReadOptions(opts.assume_timezone, opts.infer_location)
        with background() as pool:
            raws = read_logs([(p, Role.HISTORY) for p in history], opts, packs, pool)
            # with a (empty) log beside them, as a question's contact is: the same default ids
            table = build_events([*raws, raw_from_records([], ORIGIN, Role.PLAN)], read)
            # the scans run in `pool`: wait for them before it closes
            done = tuple(
                replace(
                    r,
                    sha256=Deferred.now(r.sha256.get()),
                    lines=Deferred.now(r.lines.get()),
                    pending=None,
                )
                for r in raws
            )
        rows = table.frame.select(
            pl.col(C.SOURCE).cast(pl.Int64).alias("_src"),
            pl.int_range(pl.len(), dtype=pl.Int64).over(C.SOURCE).alias("_pos"),
            pl.col(C.ROW),
            pl.col(C.ZONE).is_null().alias("_zoneless"),
            pl.col(C.REASON).is_not_null().alias("_rejected"),
            *(pl.col(c).cast(pl.String) for c in _GROUPED_BY),
        )
        del table
        rows = _checkable(done, rows, packs, read, opts)
        fields, numbers, addresses = _latest(done, read)
        return cls(done, packs, opts, rows, fields, numbers, addresses, _key_sets(packs))

    def answer(self, questions: Sequence[Question]) -> NextBatch:
        """The answer to each question, in order: a `NextContact`, or a `NoAnswer` saying
        why `next_contact` would refuse it."""
        out: list[NextContact | NoAnswer] = [NoAnswer("")] * len(questions)
        asked: list[tuple[int, dict[str, str | None], datetime]] = []
        for n, (event, at) in enumerate(questions):
            try:
                asked.append(
                    (n, _contact_row(event, at, self._known(event), self.packs, self.options), at)
                )
            except UsageError as exc:
                out[n] = NoAnswer(str(exc))
        notes: dict[Note, None] = {}
        for start in range(0, len(asked), QUESTIONS_PER_RUN):
            chunk = asked[start : start + QUESTIONS_PER_RUN]
            answers, run_notes = self._run([row for _, row, _ in chunk], [at for *_, at in chunk])
            for (n, _, _), result in zip(chunk, answers, strict=True):
                out[n] = result
            notes |= dict.fromkeys(run_notes)
        return NextBatch(tuple(out), tuple(notes))

    def _known(self, event: Mapping[str, str]) -> dict[str, str]:
        """What the history says of the contact's account, as `_planned` reads it."""
        account = event.get("account", "").strip()
        party = (event.get("party") or "debtor").strip()
        known = {**self.fields.get(account, {}), **self.addresses.get(account, {})}
        number = self.numbers.get((account, party))
        return known | ({"to": number} if number else {})

    def _run(
        self, rows: list[dict[str, str | None]], ats: list[datetime]
    ) -> tuple[list[NextContact | NoAnswer], tuple[Note, ...]]:
        """One pipeline run answering the planned contacts `rows` (at `ats`), each in its own
        scope with the history rows it can share a group with."""
        read = ReadOptions(self.options.assume_timezone, self.options.infer_location)
        ids = [_internal_id(k) for k in range(len(rows))]
        own = [{**row, "id": ids[k]} for k, row in enumerate(rows)]
        scopes = list(range(len(rows)))
        plan = raw_from_records(own, ORIGIN, Role.PLAN, lines=[0] * len(rows), scopes=scopes)
        keys = build_events([plan], read).frame.filter(pl.col(C.REASON).is_null())
        keys = keys.select(C.SCOPE, *(pl.col(c).cast(pl.String) for c in _GROUPED_BY))
        pairs = _sharing(self.rows, keys, self.groups)
        logs = [_copies(i, raw, pairs) for i, raw in enumerate(self.raws)]
        events = build_events([*logs, plan], read)
        # rejected planned rows are answered one by one: they must not stop the others' search
        settings = pipeline.RunSettings(max_rejects=events.frame.height)
        report = pipeline.run(events, self.packs, settings)
        refused = {
            r.origin.row - 1: NoAnswer(
                _refusal(r, str(rows[r.origin.row - 1]["account"]), self.raws)
            )
            for r in report.rejected
            if r.origin.role is Role.PLAN
        }
        planned = events.frame.filter(pl.col(C.SOURCE) == len(events.sources) - 1).select(
            C.SCOPE,
            pl.col(C.ZONE).cast(pl.String),
            pl.col("account").cast(pl.String).fill_null(""),
            pl.col(C.PERSON).cast(pl.String).fill_null(""),
        )
        where = {int(s): (z or "", a, p) for s, z, a, p in planned.iter_rows()}
        owner = {name: k for k, name in enumerate(ids)}
        binding: list[list[Violation]] = [[] for _ in rows]
        for v in report.violations:
            k = owner.get(v.event)
            if k is not None and (
                v.next_allowed_at is not None or v.next_allowed_reason is not None
            ):
                binding[k].append(_as_asked(v, ids[k], *where[k][1:]))
        fallback = _default_zone(self.packs)
        answers: list[NextContact | NoAnswer] = [
            refused[k]
            if k in refused
            else _answer(tuple(binding[k]), ats[k], where[k][0] or fallback, ())
            for k in range(len(rows))
        ]
        return answers, report.notes


def next_contacts(
    history: Sequence[str],
    questions: Sequence[Question],
    *,
    options: CheckOptions | None = None,
) -> tuple[NextContact | NoAnswer, ...]:
    """`next_contact` for each question against one reading of `history` (see `History`)."""
    return History.load(history, options=options).answer(questions).answers


def _internal_id(k: int) -> str:
    """The id of the `k`-th planned contact of a run (distinct, so that no finding on one
    question's contact can be taken for another's; `PLANNED_ID` again in the answers).  It
    sorts against any logged id as `PLANNED_ID` does, and no id of a run is a prefix of another."""
    return f"{PLANNED_ID}[{k}]"


def _as_asked(v: Violation, internal: str, account: str, person: str) -> Violation:
    """Finding `v` on a batch's planned contact as `next_contact` reports it: its id, its row,
    and the fingerprint of the finding on `PLANNED_ID`."""
    return v._replace(
        event=PLANNED_ID,
        message=v.message.replace(internal, PLANNED_ID),
        evidence=tuple(PLANNED_ID if e == internal else e for e in v.evidence),
        origin=v.origin._replace(row=1),
        fingerprint=fingerprint(v.rule, account, person, PLANNED_ID),
    )


def _copies(source: int, raw: RawLog, pairs: pl.DataFrame) -> RawLog:
    """The rows of log `source` listed in `pairs` (`C.SCOPE`, `_src`, `_pos`, `C.ROW`), one
    copy per scope, in the log's order within each and numbered as in the log (so their
    default ids and lines are the log's)."""
    mine = pairs.filter(pl.col("_src") == source).sort(C.SCOPE, "_pos")
    frame = raw.frame.gather(mine["_pos"]).with_columns(
        mine[C.ROW].alias(C.ROW), mine[C.SCOPE].alias(C.SCOPE)
    )
    return replace(raw, frame=frame, problems=None, pending=None)


def _checkable(
    raws: Sequence[RawLog],
    rows: pl.DataFrame,
    packs: Sequence[Pack],
    read: ReadOptions,
    opts: CheckOptions,
) -> pl.DataFrame:
    """The history rows a question's run can use: those neither the reader nor the engine
    rejects.  The engine rejects rows with no zone that a pack must judge in local time; those
    few rows are run through the pipeline alone to learn which.  More rejected rows than
    `max_rejects` fail the history, as they fail every `next_contact` question."""
    rejected = rows.filter("_rejected")
    paths = {raws[i].path for i in rejected["_src"].unique().to_list()}
    count = rejected.height
    rows = rows.filter(~pl.col("_rejected"))
    zoneless = rows.filter("_zoneless").select(
        pl.lit(0, pl.Int64).alias(C.SCOPE), "_src", "_pos", C.ROW
    )
    if zoneless.height:
        logs = [_copies(i, raw, zoneless) for i, raw in enumerate(raws)]
        report = pipeline.run(
            build_events(logs, read), packs, pipeline.RunSettings(max_rejects=zoneless.height)
        )
        index = {raw.path: i for i, raw in enumerate(raws)}
        found = [(index[r.path], r.row) for r in report.rejected]
        if found:
            paths |= {r.path for r in report.rejected}
            count += len(found)
            refused = pl.DataFrame(found, schema={"_src": pl.Int64, C.ROW: pl.Int64}, orient="row")
            rows = rows.join(refused, on=["_src", C.ROW], how="anti")
    if count > opts.max_rejects:
        raise UsageError(_too_many_rejected(count, paths, opts))
    return rows.select("_src", "_pos", C.ROW, *_GROUPED_BY)


def _latest(
    raws: Sequence[RawLog], read: ReadOptions
) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], str], dict[str, dict[str, str]]]:
    """What `_planned` asks `latest_values` for, for every account at once: per account the
    latest usable value of each of `_ONE_BY_ONE`, per (account, party) the latest number, and
    per account the ZIP code and state of the latest row having either.

    Rows are taken as `latest_values` takes them: every row of the logs whose time can be
    read (rejected or not), cells stripped, blank ones missing, unknown zones left out, in
    time order (rows at the same instant in the logs' order).
    """
    wanted = (*_ONE_BY_ONE, "to", "zip", "state")
    parts = []
    for log in raws:
        frame = _time_as_text(log.frame)

        def text(name: str, frame: pl.DataFrame = frame) -> pl.Expr:
            value = pl.col(name) if name in frame.columns else pl.lit(None, pl.String)
            return value.cast(pl.String).str.strip_chars().replace("", None).alias(name)

        parts.append(
            frame.select(
                pl.col("time").cast(pl.String),
                pl.col("account").cast(pl.String).str.strip_chars(),
                text("party").fill_null("debtor"),
                *(text(f) for f in wanted),
            )
        )
    if not parts:
        return {}, {}, {}
    mine = pl.concat(parts)
    ts, _ = _parse_times(mine["time"], read)
    mine = (
        mine.with_columns(ts)
        .with_row_index("_order")
        .filter(pl.col(C.TS).is_not_null())
        .sort(C.TS, "_order")
    )
    zones = mine["timezone"].unique().drop_nulls().to_list()
    unknown = [z for z in zones if not all(is_known_zone(p.strip()) for p in z.split("|"))]
    if unknown:
        mine = mine.with_columns(
            pl.when(pl.col("timezone").is_in(unknown)).then(None).otherwise(pl.col("timezone"))
        )
    mine = mine.filter(pl.col("account").is_not_null())
    latest = mine.group_by("account").agg(pl.col(f).drop_nulls().last() for f in _ONE_BY_ONE)
    fields = {
        str(row.pop("account")): {k: str(v) for k, v in row.items() if v is not None}
        for row in latest.iter_rows(named=True)
    }
    numbers = (
        mine.filter(pl.col("to").is_not_null())
        .group_by("account", "party")
        .agg(pl.col("to").last())
    )
    by_party = {(str(a), str(p)): str(t) for a, p, t in numbers.iter_rows()}
    placed = mine.filter(pl.col("zip").is_not_null() | pl.col("state").is_not_null())
    last = placed.group_by("account").agg(pl.col("zip").last(), pl.col("state").last())
    addresses = {
        str(a): {k: str(v) for k, v in (("zip", z), ("state", s)) if v is not None}
        for a, z, s in last.iter_rows()
    }
    return fields, by_party, addresses


def _key_sets(packs: Sequence[Pack]) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of grouping columns (`_GROUPED_BY`) that the selected rules' keys
    hold: an event counts with another under a rule only if they agree on all columns of its
    key, so on all columns of one of these sets.  Keys are read from the compiled kinds (each
    `keys` field, the kind's own and its exemptions'); the account is always one.  A key with
    none of the grouping columns (channel alone) gives the empty set: every row."""
    found: set[tuple[str, ...]] = {("account",)}

    def walk(value: object, depth: int) -> None:
        if depth > 6:
            return
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                inner = getattr(value, f.name)
                if f.name == "keys" and isinstance(inner, tuple):
                    columns = {KEY_COLUMNS.get(str(k), "") for k in inner}
                    found.add(tuple(c for c in _GROUPED_BY if c in columns))
                else:
                    walk(inner, depth + 1)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item, depth + 1)

    for pack in packs:
        for rule in pack.rules:
            walk(rule.check, 0)
    return tuple(sorted(k for k in found if not any(set(o) < set(k) for o in found)))


def _sharing(
    rows: pl.DataFrame, planned: pl.DataFrame, groups: Sequence[tuple[str, ...]]
) -> pl.DataFrame:
    """The (scope, history row) pairs where the row agrees with scope's planned contact on
    all columns of one of `groups` (a missing value agrees with a missing one, as in rules'
    keys): a join per group, never a loop over rows."""
    picked = ["_src", "_pos", C.ROW]
    parts = []
    for group in groups:
        if not group:  # a rule counts by channel alone: every row can count with every contact
            parts.append(planned.select(C.SCOPE).join(rows.select(picked), how="cross"))
            continue
        joined = rows.join(planned.select(C.SCOPE, *group), on=list(group), nulls_equal=True)
        parts.append(joined.select(C.SCOPE, *picked))
    return pl.concat(parts).unique()

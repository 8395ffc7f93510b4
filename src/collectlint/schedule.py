"""`next_contact()`: when may this contact be made?  One planned event, through the pipeline.

The contact is an event in memory (no temporary file): the account, party, channel and number
asked about, with the debtor, zone and jurisdiction the history last recorded for the account
unless given.  It is checked as a plan against the history; its timing findings at the requested
instant say what binds it, and their `next_allowed_at` when it may be made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from collectlint import columns as C
from collectlint import pipeline
from collectlint.api import background, load_packs, read_logs, validate_options
from collectlint.errors import UsageError
from collectlint.inputs.events import ReadOptions, build_events, latest_values
from collectlint.inputs.readers import RawLog, raw_from_records
from collectlint.loading.packs import Pack
from collectlint.model import CheckOptions, NextContact, Role
from collectlint.report import Report
from collectlint.selection import select_rules

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
    mixed = {"to", "zip", "state"}
    known = {k: v for k, v in known.items() if k not in mixed} | address
    known |= {"to": number} if number else {}
    row: dict[str, str | None] = {"direction": "outbound", "kind": "contact", **event}
    row["account"] = account
    row["id"] = PLANNED_ID
    row["time"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for name in _FROM_HISTORY:
        if not row.get(name) and known.get(name):
            row[name] = known[name]
    defaults = [p.info.default_timezone for p in packs if p.info.default_timezone]
    signals = ("timezone", "to", "zip", "state") if opts.infer_location else ("timezone",)
    if not any(row.get(s) for s in signals) and not defaults:
        raise UsageError(f"no timezone for account {account!r} in the history; pass --timezone")
    plan = raw_from_records([row], ORIGIN, Role.PLAN, lines=[0])
    events = build_events([*raws, plan], read)
    report = pipeline.run(events, packs, pipeline.RunSettings(max_rejects=opts.max_rejects))
    own = [r for r in report.rejected if r.origin.role is Role.PLAN]
    if own and own[0].code == "no-zone":  # say where a zone could come from
        history = ", ".join(sorted({r.path for r in raws})) or "the history"
        raise UsageError(
            f"no zone for account {account!r} from {history} or the contact asked about "
            f"({own[0].reason}); pass --timezone"
        )
    if own:
        raise UsageError(f"the contact asked about cannot be evaluated: {own[0].reason}")
    if report.exit_code() == 2:
        files = sorted({r.path for r in report.rejected})
        raise UsageError(
            f"{report.summary.events_rejected} history rows rejected in {', '.join(files)} "
            f"(max_rejects {opts.max_rejects}); run `collectlint check {' '.join(files)}` to "
            "see them"
        )
    # the contact's primary zone as the reader placed it (its own, its address's or its
    # number's), else the pack's default
    planned = events.frame.filter(pl.col(C.SOURCE) == len(events.sources) - 1)[C.ZONE]
    zone = str(planned.cast(pl.String)[0] or "") if planned.len() else ""
    return report, zone or (defaults[0] if defaults else "")


def answer(report: Report, at: datetime, zone: str) -> NextContact:
    """The `NextContact` a report of one planned contact (in `zone`) gives."""
    binding = tuple(
        v
        for v in report.violations
        if v.event == PLANNED_ID
        and (v.next_allowed_at is not None or v.next_allowed_reason is not None)
    )
    notes = report.notes
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

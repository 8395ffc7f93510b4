"""`check()`: the one entry point the CLI, the tests and other programs call.

It reads the logs, loads the packs, runs the engine and returns a frozen `Report`.  It never reads
the clock: the report's `as_of` is the caller's, or else the latest event time in the input.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from collectlint import __version__, suppress
from collectlint.engine import evaluate
from collectlint.errors import UsageError
from collectlint.findings import SUPPRESSION, Findings, counts
from collectlint.inputs.clock import format_local, is_known_zone
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.readers import file_digest, read_raw
from collectlint.loading.packs import Pack, load_pack
from collectlint.messages import message_expr
from collectlint.model import (
    CheckOptions,
    InputFile,
    Rejection,
    Report,
    RuleSpec,
    Summary,
    Violation,
)
from collectlint.planning import next_allowed
from collectlint.selection import select_rules
from collectlint.suppress import Waiver, load_baseline, load_waivers
from collectlint.vocabulary import COLUMNS

DEFAULT_PACKS = ("us-regf",)
_NOT_REPORTED = ("time", "timezone", "body")
"""Event columns a finding does not carry (time is `ts`; zone and text come from the rule)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def load_packs(refs: Sequence[str]) -> tuple[Pack, ...]:
    """Load each pack once, in the order given."""
    packs: dict[str, Pack] = {}
    for ref in refs:
        pack = load_pack(ref)
        packs.setdefault(pack.info.name, pack)
    return tuple(packs.values())


def check(
    logs: Sequence[str | Path], options: CheckOptions | None = None, **overrides: Any
) -> Report:
    """Check contact logs (or a plan of contacts) against rule packs.

    Args:
        logs: CSV / JSON Lines / Parquet paths (`-` reads CSV from standard input).  With
            `history`, these are the *plan*: only their events are reported.
        options: what to check and how (see `CheckOptions`); keyword arguments override its
            fields, so `check(["log.csv"], rules=["us-regf"])` works too.
    """
    opts = dataclasses.replace(options or CheckOptions(), **overrides)
    if opts.assume_timezone is not None and not is_known_zone(opts.assume_timezone):
        raise UsageError(f"--assume-timezone: unknown time zone {opts.assume_timezone!r}")
    if opts.as_of is not None and opts.as_of.tzinfo is None:
        raise UsageError("--as-of needs a UTC offset or Z (a naive time is ambiguous)")
    packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
    waivers = load_waivers(opts.waivers) if opts.waivers else ()
    baseline = load_baseline(opts.baseline) if opts.baseline else frozenset()
    # message text is by far the widest column; only wording rules read it
    skip = frozenset() if any(s.kind == "wording" for p in packs for s in p.rules) else {"body"}
    paths = [*map(str, logs), *opts.history]
    raws = [read_raw(path, opts.column_map, frozenset(skip)) for path in paths]
    # files are hashed in the background while the (largely single-threaded) checks run
    hasher = ThreadPoolExecutor(max_workers=1)
    try:
        digests = [
            hasher.submit(file_digest, r.path, r.stamp) if not r.sha256 else None for r in raws
        ]
        sizes = [(r.path, r.sha256, r.frame.height) for r in raws]
        table = build_events(raws, ReadOptions(opts.assume_timezone))  # empties `raws`
        report = _report(logs, opts, packs, table, waivers, baseline)
        inputs = tuple(
            InputFile(path, sha or (future.result() if future else ""), rows)
            for (path, sha, rows), future in zip(sizes, digests, strict=True)
        )
    finally:
        hasher.shutdown(cancel_futures=True)
    return dataclasses.replace(report, inputs=inputs)


def _report(
    logs: Sequence[str | Path],
    opts: CheckOptions,
    packs: Sequence[Pack],
    table: pl.DataFrame,
    waivers: Sequence[Waiver],
    baseline: frozenset[str],
) -> Report:
    """Evaluate the event table and assemble the report (its `inputs` are filled in later)."""
    result = evaluate(table, packs)
    specs = tuple(s for p in packs for s in p.rules)
    table = result.table
    findings = result.findings
    if opts.history:
        planned = table["_path"].is_in([str(p) for p in logs])
        findings = findings.filter(pl.col("_idx").is_in(table["_idx"].filter(planned).implode()))
    latest = table["ts"].max()
    default_as_of = _EPOCH if latest is None else _from_us(int(latest))  # type: ignore[arg-type]
    as_of = (opts.as_of or default_as_of).astimezone(UTC)
    found = violations_from(findings, table, specs, opts.show_pii)
    violations, notes = suppress.apply(found, waivers, baseline, as_of)
    if opts.history:
        found_next = next_allowed(violations, table, packs)
        violations = found_next
    rejected = _rejections(table)
    return Report(
        tool_version=__version__,
        as_of=as_of,
        inputs=(),
        packs=tuple(p.info for p in packs),
        rules=specs,
        violations=violations,
        rejected=rejected,
        summary=_summary(table, specs, violations, len(rejected)),
        max_rejects=opts.max_rejects,
        notes=notes,
    )


def _summary(
    table: pl.DataFrame, specs: Sequence[RuleSpec], violations: Sequence[Violation], rejected: int
) -> Summary:
    by_rule, by_severity, suppressed = counts(violations)
    return Summary(
        events_read=table.height,
        events_checked=table.height - rejected,
        events_rejected=rejected,
        events_out_of_scope=int(
            table.filter(pl.col("_reason").is_null() & (pl.col("_packs") == 0)).height
        ),
        violations=len(violations) - suppressed,
        by_rule={s.rule_id: by_rule.get(s.rule_id, 0) for s in specs},
        suppressed=suppressed,
        by_severity=by_severity,
    )


def _from_us(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


def _rejections(table: pl.DataFrame) -> tuple[Rejection, ...]:
    bad = table.filter(pl.col("_reason").is_not_null()).select("_path", "_row", "_reason")
    return tuple(sorted(Rejection(p, r, why) for p, r, why in bad.iter_rows()))


_PART_SEP = "\x1f"  # the unit separator, which no id or name contains in practice


def fingerprint(*parts: str) -> str:
    """A stable id for a finding across runs: a hash of what it is about, never of where in a
    file it was found, so baselines survive re-exports and re-ordered logs."""
    return _digest(_PART_SEP.join(parts))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _pseudonyms(values: pl.Series) -> dict[str, str]:
    """Stable short pseudonyms for contacted numbers/addresses (never printed unless asked)."""
    return {v: hashlib.sha256(v.encode()).hexdigest()[:10] for v in values.unique().drop_nulls()}


def fingerprints(
    rule: pl.Series, account: pl.Series, person: pl.Series, event: pl.Series
) -> pl.Series:
    """`fingerprint(rule, account, person, event)` of every finding (no Polars SHA-256)."""
    keys = pl.DataFrame([rule, account, person.fill_null(""), event]).select(
        pl.concat_str(pl.all(), separator=_PART_SEP)
    )
    return pl.Series("fingerprint", map(_digest, keys.to_series().to_list()), pl.String)


def violations_from(
    findings: pl.DataFrame, table: pl.DataFrame, specs: Sequence[RuleSpec], show_pii: bool
) -> Findings:
    """Turn the engine's findings into sorted `Findings` with rendered messages."""
    if findings.height == 0:
        return Findings.from_violations(())
    wanted = ["_idx", "ts", "_path", "_row", *(c for c in COLUMNS if c not in _NOT_REPORTED)]
    # `_idx` is the row's position in `table`, so a gather replaces a hash join
    joined = pl.concat(
        [findings, table.select(wanted[1:]).gather(findings["_idx"])], how="horizontal"
    )
    if show_pii:
        other = pl.col("to")
    else:
        other = pl.concat_str(
            [
                pl.col("party"),
                pl.lit("#"),
                pl.col("to").replace_strict(
                    _pseudonyms(joined.filter(pl.col("party") != "debtor")["to"]), default=None
                ),
            ]
        )
    joined = joined.with_columns(
        person=pl.when(pl.col("party") == "debtor").then(pl.col("debtor")).otherwise(other),
        local_time=format_local(pl.col("local"), pl.col("ts")),
        event=pl.col("id"),
        _person_key=pl.when(pl.col("party") == "debtor")
        .then(pl.col("debtor"))
        .otherwise(pl.col("to")),
    )
    by_id = {s.rule_id: s for s in specs}
    parts = []
    for rule_id, part in joined.group_by("rule", maintain_order=True):
        spec = by_id[str(rule_id[0])]
        parts.append(part.with_columns(message=message_expr(spec)))
    severity = {s.rule_id: int(s.severity) for s in specs}
    citation = {s.rule_id: s.citation for s in specs}
    rows = pl.concat(parts).sort("rule", "ts", "id")
    rule = pl.col("rule")
    frame = rows.select(
        "rule",
        time=pl.from_epoch("ts", time_unit="us").dt.replace_time_zone("UTC"),
        event=pl.col("id"),
        severity=rule.replace_strict(severity, return_dtype=pl.UInt8),
        account=pl.col("account"),
        person=pl.col("person").fill_null(""),
        local_time=pl.col("local_time").fill_null(""),
        zone=pl.col("zone").fill_null(""),
        message=pl.col("message"),
        citation=rule.replace_strict(citation, return_dtype=pl.String),
        evidence=pl.col("evidence"),
        path=pl.col("_path").cast(pl.String),
        row=pl.col("_row").cast(pl.Int64),
        column=pl.lit(0, dtype=pl.Int64),
        category=pl.col("category").fill_null(""),
        quote=pl.col("quote"),
        start=pl.col("start").cast(pl.Int64),
        end=pl.col("end").cast(pl.Int64),
        fingerprint=pl.lit("", dtype=pl.String),
        suppression=pl.lit(None, dtype=SUPPRESSION),
        next_allowed_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
        next_allowed_local=pl.lit("", dtype=pl.String),
    )
    prints = fingerprints(frame["rule"], frame["account"], rows["_person_key"], frame["event"])
    return Findings(frame.with_columns(prints))


@dataclasses.dataclass(frozen=True, slots=True)
class NextContact:
    """When a contact may next be made, and which rules would be broken any earlier."""

    at: datetime
    local_time: str
    requested: datetime
    binding: tuple[Violation, ...]


def next_contact(
    history: Sequence[str],
    event: Mapping[str, str],
    at: datetime,
    options: CheckOptions | None = None,
) -> NextContact:
    """The earliest instant at or after `at` when the contact `event` breaks no timing rule.

    `event` holds canonical fields (`account`, `party`, `channel`, `to`, `timezone`, ...);
    `debtor`, `timezone` and `jurisdiction` default to the account's latest values in the
    history, so the contact is counted with the same person the history names.
    """
    opts = options or CheckOptions()
    row = {"id": "next", "direction": "outbound", "kind": "contact", **event}
    row["time"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    known = _latest_values(history, row["account"], opts)
    for field in ("debtor", "timezone", "jurisdiction"):
        if not row.get(field) and known.get(field):
            row[field] = known[field]
    if not row.get("timezone"):
        raise UsageError(
            f"no timezone for account {row['account']!r} in the history; pass --timezone"
        )
    with tempfile.TemporaryDirectory(prefix="collectlint-next-") as tmp:
        plan = Path(tmp) / "plan.jsonl"
        plan.write_text(json.dumps(row) + "\n", encoding="utf-8")
        report = check([str(plan)], opts, history=tuple(history))
    if report.rejected:
        raise UsageError(f"the contact cannot be evaluated: {report.rejected[0].reason}")
    binding = tuple(v for v in report.violations if v.next_allowed_at is not None)
    if not binding:
        local = next((v.local_time for v in report.violations), "")
        return NextContact(at, local or _local_text(at, row["timezone"]), at, ())
    latest = max(binding, key=lambda v: v.next_allowed_at or at)
    return NextContact(latest.next_allowed_at or at, latest.next_allowed_local, at, binding)


def _local_text(at: datetime, zones: str) -> str:
    zone = zones.split("|")[0]
    return at.astimezone(ZoneInfo(zone)).isoformat() if zone else at.isoformat()


def _latest_values(history: Sequence[str], account: str, opts: CheckOptions) -> dict[str, str]:
    """The account's most recent non-empty debtor, timezone and jurisdiction in the history.

    Times are parsed like any log's (text order is not time order once offsets differ), and
    only the columns needed here are read.
    """
    needed = {"id", "time", "account", "debtor", "timezone", "jurisdiction"}
    skip = frozenset(c for c in COLUMNS if c not in needed)
    raws = [read_raw(path, opts.column_map, skip) for path in history]
    table = build_events(raws, ReadOptions(opts.assume_timezone))
    rows = table.filter((pl.col("account") == account) & pl.col("ts").is_not_null()).sort("ts")
    found: dict[str, str] = {}
    for field in ("debtor", "timezone", "jurisdiction"):
        values = rows[field].drop_nulls()
        if len(values):
            found[field] = str(values[-1])
    return found

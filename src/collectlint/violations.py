"""Turn the engine's findings frame into a report's `Findings`, a column at a time.

Each finding gets its rule's severity, citation and rendered message, the event's account,
person (a pseudonym for third parties unless personal data was asked for), local time, origin
and fingerprint, and for planned contacts the earliest instant the contact would be allowed.
Findings on template renderings are then placed at the template's `line:col` (see
`place_in_templates`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl
import polars_hash as plh

from collectlint import columns as C
from collectlint.errors import InternalError
from collectlint.findings import FIELDS, SCHEMA, Findings
from collectlint.inputs.clock import format_local, local_us_where_known
from collectlint.inputs.table import EventTable
from collectlint.kinds.base import Rule, TimingKind
from collectlint.model import Role, Violation
from collectlint.vocabulary import COLUMNS

_PART_SEP = "\x1f"  # the unit separator, which no id or name contains in practice

_REPORTED: tuple[str, ...] = (
    *(c for c in COLUMNS if c not in ("time", "timezone", "body")),
    C.TS,
    C.ZONE,
    C.SOURCE,
    C.ROW,
    C.ZONE_FROM,
    C.JURISDICTION_FROM,
)
"""Event columns a finding is built from (its zone and local time come from the rule)."""

_PLACEHOLDERS = {
    "rule": pl.col(C.RULE),
    "event": pl.col("id"),
    "account": pl.col("account"),
    "person": pl.col("_shown_person"),
    "channel": pl.col("channel"),
    "party": pl.col("party"),
    "direction": pl.col("direction"),
    "outcome": pl.col("outcome"),
    "jurisdiction": pl.col("jurisdiction"),
    "kind": pl.col("kind"),
    "zone": pl.col(C.JUDGED_ZONE),
    "local_time": pl.col("_local_time"),
    "category": pl.col(C.CATEGORY),
    "quote": pl.col(C.QUOTE),
    "count": pl.col(C.COUNT),
    "time": pl.from_epoch(C.TS, time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
}
"""Message placeholders and the columns they read, once event columns are attached."""


def fingerprint(*parts: str) -> str:
    """A stable id for a finding across runs: a hash of what it is about, never of where in a
    file it was found, so baselines survive re-exports and re-ordered logs."""
    return _digest(_PART_SEP.join(parts))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def sha256_hex(text: pl.Expr, length: int) -> pl.Expr:
    """The first `length` hex digits of the SHA-256 of each UTF-8 string of `text`, computed
    in Rust by the polars-hash plugin (the same digits as `hashlib`; a test holds them equal):
    a report of millions of findings would spend seconds hashing one string at a time."""
    return plh.CryptographicHashingNameSpace(text).sha2_256().str.slice(0, length)


def _pseudonyms(values: pl.Series) -> dict[str, str]:
    """Stable short pseudonyms for contacted numbers/addresses (never printed unless asked)."""
    distinct = values.unique().drop_nulls().rename("v").to_frame()
    hashed = distinct.select("v", sha256_hex(pl.col("v"), 10).alias("h"))
    return dict(zip(hashed["v"].to_list(), hashed["h"].to_list(), strict=True))


def _fingerprints(frame: pl.DataFrame) -> pl.Series:
    """`fingerprint(rule, account, person, event)` of every finding, vectorised."""
    keys = frame.select(
        pl.concat_str(
            [
                pl.col(C.RULE),
                pl.col("account").fill_null(""),
                pl.col(C.PERSON).fill_null(""),
                pl.col("id"),
            ],
            separator=_PART_SEP,
        ).alias("_key")
    )
    return keys.select(sha256_hex(pl.col("_key"), 24).alias("fingerprint")).to_series()


def involving_plans(
    found: pl.DataFrame, table: pl.DataFrame, plans: Sequence[int], history: Sequence[int]
) -> pl.DataFrame:
    """Findings on history events that cite a planned event as evidence, with `C.FOR` set to it.

    A contact planned before logged ones counts toward their limits: if one of them breaks a
    rule with the planned contact in its window, the planned contact takes part in the breach.
    The earliest such logged event per rule and planned contact is kept.
    """
    planned = table.filter(pl.col(C.SOURCE).is_in(plans) & pl.col(C.REASON).is_null()).select(
        pl.col(C.IDX).alias(C.FOR), pl.col("id").alias("_pid")
    )
    logged = table.filter(pl.col(C.SOURCE).is_in(history)).select(C.IDX, C.TS)
    cited = found.with_row_index("_f").join(logged, on=C.IDX)
    if planned.height == 0 or cited.height == 0:
        return found.clear().with_columns(pl.lit(None, pl.Int64).alias(C.FOR))
    own = found.select(C.RULE, pl.col(C.IDX).alias(C.FOR))  # a plan's own breach says it all
    pairs = (
        cited.select("_f", C.RULE, C.TS, pl.col(C.EVIDENCE).alias("_pid"))
        .explode("_pid")
        .join(planned, on="_pid")
        .join(own, on=[C.RULE, C.FOR], how="anti")
        .sort(C.TS, "_f")
        .unique([C.RULE, C.FOR], keep="first", maintain_order=True)
    )
    return found.gather(pairs["_f"]).with_columns(pairs[C.FOR].cast(pl.Int64))


def build(
    found: pl.DataFrame,
    events: EventTable,
    table: pl.DataFrame,
    rules: Sequence[Rule],
    show_pii: bool,
    next_allowed: pl.DataFrame | None = None,
) -> Findings:
    """The engine's findings (`found`, rows of `table` by `C.IDX`) as sorted `Findings`.

    A finding with `C.FOR` set (see `involving_plans`) is reported for that planned event, with
    the logged event's message.  `next_allowed` (`C.IDX`, `at`, `reason`) is attached to the
    findings of timing rules on the events it lists.
    """
    if found.height == 0:
        return Findings.empty()
    if C.FOR not in found.columns:
        found = found.with_columns(pl.lit(None, pl.Int64).alias(C.FOR))
    # `C.IDX` is the row's position in `table`, so a gather replaces a hash join
    rows = table.select(*_REPORTED, C.PERSON).gather(found[C.IDX])
    joined = pl.concat([found, rows], how="horizontal")
    joined = joined.with_columns(
        _shown_person=_person(joined, show_pii),
        _local_time=format_local(pl.col(C.JUDGED_LOCAL), pl.col(C.TS)),
    )
    by_id = {r.id: r for r in rules}
    parts = []
    for (rule_id,), part in joined.group_by(C.RULE, maintain_order=True):
        message = by_id[str(rule_id)].message.expr(_PLACEHOLDERS.__getitem__)
        parts.append(part.with_columns(message.alias("_message")))
    frame = _for_plans(pl.concat(parts), table, show_pii).sort(C.RULE, C.TS, "id")
    frame = _with_next(frame, rules, next_allowed)
    prints = _fingerprints(frame)
    return Findings(_select(frame, events, by_id).with_columns(prints))


def _for_plans(frame: pl.DataFrame, table: pl.DataFrame, show_pii: bool) -> pl.DataFrame:
    """Re-attribute findings with `C.FOR` set to their planned event: its identity, time and
    origin, the logged event's message prefixed with who breaks the rule."""
    derived = frame.filter(pl.col(C.FOR).is_not_null())
    if derived.height == 0:
        return frame
    own = frame.filter(pl.col(C.FOR).is_null())
    planned = table.select(*_REPORTED, C.PERSON).gather(derived[C.FOR])
    culprit = derived["id"]
    derived = derived.drop(*_REPORTED, C.PERSON).hstack(planned)
    local = _local_of(derived, C.TS, pl.coalesce(C.ZONE, C.JUDGED_ZONE))
    derived = derived.with_columns(
        pl.Series("_culprit", culprit),
        pl.coalesce(C.ZONE, C.JUDGED_ZONE).cast(pl.String).alias(C.JUDGED_ZONE),
        local.alias(C.JUDGED_LOCAL),
    ).with_columns(
        _shown_person=_person(derived, show_pii),
        _local_time=format_local(pl.col(C.JUDGED_LOCAL), pl.col(C.TS)),
        _message=pl.concat_str(
            [
                pl.lit("takes part in a breach by logged event "),
                "_culprit",
                pl.lit(": "),
                "_message",
            ]
        ),
    )
    return pl.concat([own, derived.select(own.columns)], how="vertical_relaxed")


def _person(joined: pl.DataFrame, show_pii: bool) -> pl.Expr:
    debtor = pl.col("party") == "debtor"
    if show_pii:
        other = pl.col("to")
    else:
        names = _pseudonyms(joined.filter(pl.col("party") != "debtor")["to"])
        other = pl.concat_str(
            [pl.col("party"), pl.lit("#"), pl.col("to").replace_strict(names, default=None)]
        )
    return pl.when(debtor).then(pl.col("debtor")).otherwise(other)


def _with_next(
    frame: pl.DataFrame, rules: Sequence[Rule], next_allowed: pl.DataFrame | None
) -> pl.DataFrame:
    """Attach the planned events' next allowed instants to their timing findings."""
    empty = (pl.lit(None, pl.Int64).alias("_next"), pl.lit(None, pl.String).alias("_why"))
    if next_allowed is None or next_allowed.height == 0:
        return frame.with_columns(*empty)
    timing = [r.id for r in rules if isinstance(r.check, TimingKind)]
    answers = next_allowed.select(
        pl.col(C.IDX).alias("_event"), pl.col(C.AT).alias("_next"), pl.col(C.WHY).alias("_why")
    )
    frame = frame.with_columns(pl.coalesce(C.FOR, C.IDX).alias("_event"))
    frame = frame.join(answers, on="_event", how="left", maintain_order="left")
    is_timing = pl.col(C.RULE).is_in(timing)
    return frame.with_columns(
        pl.when(is_timing).then(pl.col("_next")).alias("_next"),
        pl.when(is_timing).then(pl.col("_why")).alias("_why"),
    )


def _select(frame: pl.DataFrame, events: EventTable, by_id: dict[str, Rule]) -> pl.DataFrame:
    """The findings columns: one expression per field of `Violation`, taken in its order (a
    field without an expression here, or an expression for no field, is an error at once)."""
    rule = pl.col(C.RULE)
    paths = {i: s.path for i, s in enumerate(events.sources)}
    roles = {i: str(s.role) for i, s in enumerate(events.sources)}
    source = pl.col(C.SOURCE).cast(pl.Int64)
    utc_time = pl.Datetime("us", "UTC")
    # the next allowed instant is shown in the consumer's primary zone
    next_local = _local_of(frame, "_next", pl.coalesce(C.ZONE, C.JUDGED_ZONE))
    exprs: dict[str, pl.Expr] = {
        "rule": rule,
        "time": pl.col(C.TS).cast(utc_time),
        "event": pl.col("id"),
        "severity": rule.replace_strict({k: int(r.spec.severity) for k, r in by_id.items()}),
        "account": pl.col("account").fill_null(""),
        "person": pl.col("_shown_person").fill_null(""),
        "local_time": pl.col("_local_time").fill_null(""),
        "zone": pl.col(C.JUDGED_ZONE).fill_null(""),
        "message": pl.col("_message"),
        "citation": rule.replace_strict({k: r.spec.citation for k, r in by_id.items()}),
        "evidence": pl.col(C.EVIDENCE),
        "origin": pl.struct(
            role=source.replace_strict(roles),
            path=source.replace_strict(paths),
            row=pl.col(C.ROW),
            line=pl.lit(events.line_numbers(frame[C.SOURCE], frame[C.ROW])),
            column=pl.lit(0),
        ),
        "category": pl.col(C.CATEGORY).fill_null(""),
        "quote": pl.col(C.QUOTE),
        "start": pl.col(C.START),
        "end": pl.col(C.END),
        "fingerprint": pl.lit(""),
        "suppression": pl.lit(None),
        "next_allowed_at": pl.col("_next").cast(utc_time),
        "next_allowed_local": pl.when(pl.col("_next").is_not_null()).then(
            format_local(next_local, pl.col("_next"))
        ),
        "next_allowed_reason": pl.col("_why"),
        # an event no signal placed was judged in its pack's default zone
        "zone_from": pl.coalesce(
            pl.col(C.ZONE_FROM).cast(pl.String),
            pl.when(pl.col(C.JUDGED_ZONE).is_not_null()).then(
                pl.concat_str(pl.col(C.JUDGED_ZONE), pl.lit(" from the pack's default zone"))
            ),
            pl.lit(""),
        ),
        "jurisdiction_from": pl.col(C.JURISDICTION_FROM).cast(pl.String).fill_null(""),
    }
    if list(exprs) != [f.name for f in FIELDS]:
        raise InternalError(f"finding columns {list(exprs)} are not Violation's fields")
    return frame.select(expr.cast(SCHEMA[name]).alias(name) for name, expr in exprs.items())


def _local_of(frame: pl.DataFrame, column: str, zone: pl.Expr) -> pl.Expr:
    """Local µs of the instants in `column` in the zones `zone`, as a literal column."""
    zones = frame.select(zone.cast(pl.String)).to_series()
    return pl.lit(local_us_where_known(frame[column], zones))


def place_in_templates(findings: Findings, events: EventTable) -> Findings:
    """Point each template finding at the template's `line:col`; one finding per rule,
    template, position and category (several renderings often share a problem).

    A forbidden match points at the matched text and quotes it from the file; a missing
    required phrase points at the start of the body and names the branch choices of the
    rendering that lacks it.  Fingerprints are (rule, template, category, quote).
    """
    if not events.templates:
        return findings
    templates = {t.path: t for t in events.templates}
    kept: list[Violation] = []
    unique: dict[tuple[str, str, int, int, str], Violation] = {}
    for v in findings:
        if v.origin.role is not Role.TEMPLATE:
            kept.append(v)
            continue
        template = templates[v.path]
        variant = template.variants[v.row - 1]
        if v.start is not None and v.end is not None:
            offset = variant.origin[v.start]
            quote: str | None = template.source[offset : variant.origin[v.end - 1] + 1]
        else:
            offset, quote = template.body_offset, v.quote
        line, column = template.position(min(offset, len(template.source)))
        evidence = (variant.choices,) if variant.choices and v.start is None else ()
        placed = v._replace(
            event=v.path,
            account="",
            person="",
            origin=v.origin._replace(line=line, column=column),
            quote=quote,
            evidence=evidence,
            fingerprint=fingerprint(v.rule, v.path, v.category, quote or ""),
            local_time="",
            zone="",
        )
        unique.setdefault((v.rule, v.path, line, column, v.category), placed)
    ordered = sorted(unique.values(), key=lambda v: (v.path, v.line, v.column, v.rule))
    return Findings.from_violations([*kept, *ordered])

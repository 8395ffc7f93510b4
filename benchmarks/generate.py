"""Generate realistic canonical contact logs for benchmarking collectlint.

Usage::

    python benchmarks/generate.py --rows 1000000 --out benchmarks/data/log-1m.csv [--seed 42]
        [--parquet]

Why: the engine and the hand-written DuckDB baseline must be timed on data that looks like a real
collection agency's log (bursty per-account activity, a DST change, a few consents, UTC offsets in
timestamps, some debtors with two candidate zones) *and* that contains the edge cases the
``us-regf`` contract is precise about (same-instant ties, exact 6- and 7-local-day gaps, calls at
07:59:59 / 08:00:00 / 20:59:59 / 21:00:00 local, local midnight), so that a semantic disagreement
between two implementations shows up as differing findings instead of hiding in an average.

Everything is vectorised (numpy for the random draws and the per-account arithmetic, polars for
string building and writing) so that 10M rows take well under two minutes. Every row is valid for
the engine: every row has a ``timezone``, every non-debtor party has a ``to``, and ids are unique
(``1..N`` in log order, which is time order).

Columns are exactly ``id,time,account,debtor,party,to,channel,direction,outcome,timezone,
jurisdiction,body,kind``. ``--parquet`` additionally writes the same (string) columns to a Parquet
file next to the CSV (same stem, ``.parquet`` suffix).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import polars as pl

I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]


#: First local calendar day of the log; with SPAN_DAYS it covers the 2024-03-10 US DST change.
SPAN_START = datetime(2024, 2, 15, tzinfo=UTC)
SPAN_DAYS = 61  # 2024-02-15 .. 2024-04-15 inclusive
SPAN_START_S = int(SPAN_START.timestamp())

DAY = 86_400
EVENTS_PER_ACCOUNT = 20

#: Offset table range (UTC hours), generous enough for planted +7-day gaps past the span end.
LUT_START_S = SPAN_START_S - 3 * DAY
LUT_HOURS = (SPAN_DAYS + 30) * 24


@dataclass(frozen=True)
class Zone:
    """A debtor zone: the ``timezone`` cell (IANA name or ``|``-joined candidates), its share of
    accounts, and the states whose ``US-XX`` codes go with it (so the two columns look consistent).
    """

    cell: str
    weight: float
    states: tuple[str, ...]

    @property
    def primary(self) -> str:
        """The first candidate: the zone that defines local dates (and our local wall clock)."""
        return self.cell.split("|")[0]


ZONES: tuple[Zone, ...] = (
    Zone("America/New_York", 0.33, ("NY", "NJ", "PA", "GA", "FL", "OH", "MA", "NC", "VA")),
    Zone("America/Chicago", 0.21, ("IL", "TX", "MN", "WI", "MO", "LA", "AL")),
    Zone("America/Denver", 0.06, ("CO", "UT", "NM", "MT")),
    Zone("America/Phoenix", 0.04, ("AZ",)),
    Zone("America/Los_Angeles", 0.17, ("CA", "WA", "OR", "NV")),
    Zone("America/Anchorage", 0.015, ("AK",)),
    Zone("Pacific/Honolulu", 0.015, ("HI",)),
    Zone("America/Puerto_Rico", 0.02, ("PR",)),
    Zone("America/Indiana/Indianapolis", 0.03, ("IN",)),
    Zone("America/Kentucky/Louisville", 0.03, ("KY",)),
    Zone("America/New_York|America/Los_Angeles", 0.03, ("NY", "CA")),
)

#: Planted local times of day (seconds after local midnight) on the boundaries the contract pins.
BOUNDARY_SECONDS: I64 = np.array(
    [
        7 * 3600 + 59 * 60 + 59,  # 07:59:59 -> inconvenient
        8 * 3600,  # 08:00:00 -> allowed
        20 * 3600 + 59 * 60 + 59,  # 20:59:59 -> allowed
        21 * 3600,  # 21:00:00 -> inconvenient
        0,  # 00:00:00: first instant of a local date
        23 * 3600 + 59 * 60 + 59,  # 23:59:59: last second of a local date
    ],
    dtype=np.int64,
)

PARTIES = ("debtor", "spouse", "third_party", "attorney")
PARTY_P = (0.90, 0.04, 0.035, 0.025)
#: Area-code-like prefix of each non-debtor party's phone (index = party code).
PARTY_PHONE_PREFIX = ("+1555", "+1556", "+1557", "+1558")
CHANNELS = ("call", "sms", "email", "letter")
#: Channel shares *before* the simulated dialer turns some calls into sms/email (see
#: COMPLIANCE_FIX); the final shares come out near call 60 %, sms 20 %, email 14 %, letter 5 %.
CHANNEL_P = (0.75, 0.12, 0.08, 0.05)
CALL, SMS, EMAIL, LETTER = range(4)
OUTCOMES = ("conversation", "voicemail", "no_answer", "busy", "not_connected", "sent", "delivered")
CONVERSATION, VOICEMAIL, NOT_CONNECTED, SENT, DELIVERED = 0, 1, 4, 5, 6
CALL_OUTCOME_P = (0.12, 0.25, 0.33, 0.10, 0.20)
CONTACT, CONSENT, REVOKED = range(3)
KINDS = ("contact", "consent", "consent_revoked")

#: Message bodies as (text before the amount, text after it). A compliant agency's texts and
#: emails say they come from a debt collector and how to opt out (the wording rules of the
#: built-in pack look for both); SLOPPY_SHARE of them use a careless template that does neither.
SMS_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Acme Recovery, a debt collector: your balance of $", " is past due. Reply STOP to opt out."),
    ("This is a debt collector. Please call us about your $", " balance. Reply STOP to opt out."),
    ("Debt collector msg: payment of $", " received, thank you. Reply STOP to opt out."),
    ("From a debt collector: your installment of $", " is due Friday. Reply STOP to opt out."),
)
EMAIL_TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "This communication is from a debt collector. Our records show a balance of $",
        ". To unsubscribe from these emails, click the link below.",
    ),
    (
        "Statement from Acme Recovery, a debt collector: amount due $",
        ". See the attached validation notice. Unsubscribe: reply UNSUBSCRIBE.",
    ),
    (
        "This is an attempt to collect a debt. We can offer a settlement of $",
        " if paid by the end of the month. To opt out of emails, reply STOP.",
    ),
)
SLOPPY_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Please call us today about your balance of $", "."),
    ("Reminder: $", " is due. Call 1-800-555-0100."),
)
SLOPPY_SHARE = 0.03

#: Share of an account's events drawn around one of its 1-4 burst days (the rest are uniform over
#: the span), and the geometric parameter of the distance in days from the burst day.
BURST_SHARE = 0.6
BURST_P = 0.3
#: Share of rows of each planted edge case (taken among rows that follow another row of the
#: same account, so that the tie / gap is relative to a real previous event).
TIE_SHARE = 0.005
GAP7_SHARE = 0.01
GAP6_SHARE = 0.005
BOUNDARY_SHARE = 0.006
#: Share of rows written with a local UTC offset instead of ``Z``.
OFFSET_SHARE = 0.08
#: Share of events at a uniformly random time of day (the rest are in local business hours).
OFF_HOURS_SHARE = 0.06
#: Share of accounts whose debtor moves to another zone during the log (their key then has rows
#: in two zones, where local dates need not follow time order).
MOVE_SHARE = 0.005
#: Share of rows turned into consent events; share of consents followed by a revocation.
CONSENT_SHARE = 0.002
REVOKE_SHARE = 0.3
#: Probability that the agency's dialer "notices" a call that would break the 7-in-7 limit or
#: the post-conversation limit and sends an sms/email instead. This keeps violations at a
#: realistic few percent of calls instead of the ~40 % an unconstrained burst model gives.
FIX_VOLUME = 0.6
FIX_AFTER = 0.9


def parse_rows(text: str) -> int:
    """Parse a row count such as ``1000000``, ``10k``, ``1m`` or ``1e6``."""
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    return int(float(t) * mult)


def offset_table(zones: list[str]) -> tuple[I64, I64]:
    """UTC offset (seconds) of each zone for each UTC hour from LUT_START_S, and each zone's
    standard (February) offset. Hourly granularity is exact for these zones: all their 2024
    transitions happen on a whole UTC hour."""
    table = hourly_offsets(zones, LUT_START_S, LUT_HOURS)
    return table, table[:, 0].copy()


def hourly_offsets(zones: Sequence[str], start_s: int, hours: int) -> I64:
    """UTC offset (seconds) of each of `zones` for each of `hours` UTC hours from `start_s`."""
    base = datetime.fromtimestamp(start_s, tz=UTC)
    table = np.empty((len(zones), hours), dtype=np.int64)
    for z, name in enumerate(zones):
        tz = ZoneInfo(name)
        for h in range(hours):
            off = (base + timedelta(hours=h)).astimezone(tz).utcoffset()
            table[z, h] = int(off.total_seconds()) if off is not None else 0
    return table


def local_to_utc(local: I64, zone: I64, table: I64, std: I64) -> I64:
    """Map local wall-clock seconds (as if UTC) to UTC epoch seconds in each row's zone.

    Two fixed-point steps through the hourly offset table; a wall time that does not exist (the
    spring-forward hour) lands one hour later, as most systems would record it."""

    def off(utc: I64) -> I64:
        h = np.clip((utc - LUT_START_S) // 3600, 0, LUT_HOURS - 1)
        return table[zone, h]

    u = local - std[zone]
    u = local - off(u)
    return local - off(u)


def utc_offset(utc: I64, zone: I64, table: I64) -> I64:
    """UTC offset in seconds of each row's zone at each UTC instant."""
    h = np.clip((utc - LUT_START_S) // 3600, 0, LUT_HOURS - 1)
    return table[zone, h]


def window_counts(keys: I64, sub: BOOL, upper: I64, lower: I64, closed_upper: bool) -> I64:
    """For each row, how many ``sub`` rows have a key in ``[lower, upper]`` (``closed_upper``)
    or ``[lower, upper)``; ``keys`` must be sorted."""
    sk = keys[sub]
    if closed_upper:
        hi = np.searchsorted(sk, upper, side="right")
    else:
        hi = np.searchsorted(sk, upper, side="left")
    lo = np.searchsorted(sk, lower, side="left")
    return np.asarray(hi - lo, dtype=np.int64)


def generate(rows: int, seed: int = 42) -> pl.DataFrame:
    """Build a contact log of ``rows`` rows as a polars DataFrame of string columns.

    Steps: draw accounts (lognormal activity) and per-account attributes; draw each event's local
    day (around 1-4 per-account burst days) and local time of day; plant ties, 6/7-day gaps and
    boundary times in the account's local wall clock; let a simulated dialer suppress most calls
    that would break the call limits; place consents/revocations; convert to UTC; order by time
    and number the rows; format strings.
    """
    rng = np.random.default_rng(seed)
    n_acc = max(1, rows // EVENTS_PER_ACCOUNT)

    # ---- accounts -------------------------------------------------------------------------
    activity = rng.lognormal(0.0, 0.8, n_acc)
    acct: I64 = rng.choice(n_acc, size=rows, p=activity / activity.sum()).astype(np.int64)
    z_weights = np.array([z.weight for z in ZONES])
    acc_zone = rng.choice(len(ZONES), size=n_acc, p=z_weights / z_weights.sum()).astype(np.int64)
    acc_debtor = rng.integers(0, max(1, int(n_acc * 0.8)), n_acc)
    n_bursts = rng.integers(1, 5, n_acc)
    burst_day = rng.integers(0, SPAN_DAYS, (n_acc, 4))
    acc_juris_kind = rng.choice(3, size=n_acc, p=[0.15, 0.35, 0.50]).astype(np.int64)
    acc_state_pick = rng.integers(0, 1_000_000, n_acc)  # juris kind: empty / US / US-XX

    # ---- local wall-clock time of each event ---------------------------------------------
    in_burst = rng.random(rows) < BURST_SHARE
    which = (rng.random(rows) * n_bursts[acct]).astype(np.int64)
    spread = rng.geometric(BURST_P, rows) - 1
    sign = np.where(rng.random(rows) < 0.5, -1, 1)
    day = np.where(
        in_burst, burst_day[acct, which] + sign * spread, rng.integers(0, SPAN_DAYS, rows)
    )
    day = np.clip(day, 0, SPAN_DAYS - 1).astype(np.int64)
    business = rng.integers(8 * 3600, 20 * 3600 + 45 * 60, rows)
    anytime = rng.integers(0, DAY, rows)
    sec = np.where(rng.random(rows) < OFF_HOURS_SHARE, anytime, business).astype(np.int64)
    local: I64 = SPAN_START_S + day * DAY + sec

    order = np.lexsort((local, acct))
    acct, local = acct[order], local[order]

    # ---- plant edge cases, relative to the previous event of the same account --------------
    has_prev = np.zeros(rows, dtype=bool)
    has_prev[1:] = acct[1:] == acct[:-1]
    prev = np.roll(local, 1)
    r = rng.random(rows)
    cut = np.cumsum([TIE_SHARE, GAP7_SHARE, GAP6_SHARE, BOUNDARY_SHARE])
    local = np.where(has_prev & (r < cut[0]), prev, local)
    local = np.where(has_prev & (r >= cut[0]) & (r < cut[1]), prev + 7 * DAY, local)
    local = np.where(has_prev & (r >= cut[1]) & (r < cut[2]), prev + 6 * DAY, local)
    boundary = (r >= cut[2]) & (r < cut[3])
    bsec = BOUNDARY_SECONDS[rng.integers(0, len(BOUNDARY_SECONDS), rows)]
    local = np.where(boundary, local - local % DAY + bsec, local)
    order = np.lexsort((local, acct))
    acct, local = acct[order], local[order]

    # ---- event attributes -------------------------------------------------------------------
    party = rng.choice(len(PARTIES), size=rows, p=PARTY_P).astype(np.int64)
    channel = rng.choice(len(CHANNELS), size=rows, p=CHANNEL_P).astype(np.int64)
    inbound = rng.random(rows) < 0.02
    call_outcome = rng.choice(5, size=rows, p=CALL_OUTCOME_P).astype(np.int64)
    inbound_call_outcome = np.where(rng.random(rows) < 0.7, CONVERSATION, VOICEMAIL)
    msg_outcome = np.where(rng.random(rows) < 0.6, DELIVERED, SENT)
    outcome = np.where(
        channel == CALL,
        np.where(inbound, inbound_call_outcome, call_outcome),
        np.where(inbound | (channel == LETTER), SENT, msg_outcome),
    )
    outcome = np.where(inbound & (channel != CALL), DELIVERED, outcome).astype(np.int64)

    # ---- simulated dialer: suppress most calls that would break the limits -------------------
    # Approximation of the rules on the debtor key in local wall-clock seconds (local // DAY is
    # the primary-zone local date). Only used to shape the data; the engines decide the truth.
    key: I64 = acct * (1 << 32) + local
    week_lo: I64 = acct * (1 << 32) + (local // DAY - 6) * DAY
    debtor_call = (party == 0) & (channel == CALL)
    counted = debtor_call & ~inbound & (outcome != NOT_CONNECTED)
    conv = debtor_call & (outcome == CONVERSATION)
    n_week = window_counts(key, counted, key, week_lo, closed_upper=True)
    n_conv = window_counts(key, conv, key, week_lo, closed_upper=False)
    u = rng.random(rows)
    flagged = counted & (((n_week >= 8) & (u < FIX_VOLUME)) | ((n_conv > 0) & (u < FIX_AFTER)))
    channel = np.where(flagged, np.where(rng.random(rows) < 0.7, SMS, EMAIL), channel)
    outcome = np.where(flagged, msg_outcome, outcome).astype(np.int64)

    # ---- consents (and some revocations: the debtor's next event on the account) -------------
    kind = np.full(rows, CONTACT, dtype=np.int64)
    consent = rng.random(rows) < CONSENT_SHARE
    revoke = np.zeros(rows, dtype=bool)
    revoke[1:] = consent[:-1] & has_prev_after(acct) & (rng.random(rows - 1) < REVOKE_SHARE)
    revoke &= ~consent
    kind[consent] = CONSENT
    kind[revoke] = REVOKED
    account_event = consent | revoke
    party[account_event] = 0

    # ---- to UTC (in the account's zone), log order, ids ---------------------------------------
    primaries = sorted({z.primary for z in ZONES})
    table, std = offset_table(primaries)
    zone_primary = np.array([primaries.index(z.primary) for z in ZONES], dtype=np.int64)
    utc = local_to_utc(local, zone_primary[acc_zone[acct]], table, std)

    # ---- a few debtors move: from some instant on, their events carry another zone ------------
    # (the agency's schedule does not adapt at once, so local times shift with the move)
    moved = rng.random(n_acc) < MOVE_SHARE
    move_at = SPAN_START_S + rng.integers(5 * DAY, (SPAN_DAYS - 5) * DAY, n_acc)
    new_zone = rng.choice(len(ZONES), size=n_acc, p=z_weights / z_weights.sum())
    row_zone = np.where(moved[acct] & (utc >= move_at[acct]), new_zone[acct], acc_zone[acct])

    order = np.argsort(utc, kind="stable")
    utc = utc[order]
    acct = acct[order]
    row_zone = row_zone[order]
    events = pl.DataFrame(
        {
            "acct": acct,
            "utc": utc,
            "off": utc_offset(utc, zone_primary[row_zone], table),
            "party": party[order],
            "channel": channel[order],
            "outcome": outcome[order],
            "kind": kind[order],
            "inbound": inbound[order],
            "acct_event": account_event[order],
            "zone": row_zone,
            "debtor_n": acc_debtor[acct],
            "juris": pl.Series(jurisdictions(acc_zone, acc_juris_kind, acc_state_pick)).gather(
                acct
            ),
            "with_offset": rng.random(rows) < OFFSET_SHARE,
            "amount": rng.integers(2_500, 500_000, rows),
            "template": rng.integers(0, 12, rows),
            "sloppy": rng.random(rows) < SLOPPY_SHARE,
        }
    )
    return _format(events)


def has_prev_after(acct: I64) -> BOOL:
    """``True`` at ``i`` when row ``i + 1`` belongs to the same account (length ``n - 1``)."""
    return np.asarray(acct[1:] == acct[:-1], dtype=bool)


def jurisdictions(zone: I64, juris_kind: I64, pick: I64) -> list[str]:
    """Per-account jurisdiction: empty, ``US``, or ``US-XX`` with a state matching the zone."""
    states = [z.states for z in ZONES]
    return [
        "" if jk == 0 else "US" if jk == 1 else "US-" + states[zi][int(p) % len(states[zi])]
        for zi, jk, p in zip(zone.tolist(), juris_kind.tolist(), pick.tolist(), strict=True)
    ]


def _format(events: pl.DataFrame) -> pl.DataFrame:
    """Turn the numeric event columns into the canonical string columns (null = empty cell).

    ``events`` holds, per row in log order: account number, UTC seconds, the primary zone's UTC
    offset, party/channel/outcome/kind codes, inbound and account-event flags, zone index,
    debtor number, jurisdiction, whether to write the time with an offset, an amount in cents,
    a template number for the body and whether the body uses a careless template."""
    rows = events.height
    zone_cells = [z.cell for z in ZONES]
    c = pl.col
    acct_s = c("acct").cast(pl.String).str.zfill(8)
    debtor_s = pl.lit("DEB") + c("debtor_n").cast(pl.String).str.zfill(8)
    utc_dt = pl.from_epoch(c("utc"), time_unit="s")
    local_dt = pl.from_epoch(c("utc") + c("off"), time_unit="s")
    abs_off = c("off").abs()
    off_s = (
        pl.when(c("off") < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
        + (abs_off // 3600).cast(pl.String).str.zfill(2)
        + pl.lit(":")
        + ((abs_off % 3600) // 60).cast(pl.String).str.zfill(2)
    )
    time_s = (
        pl.when(c("with_offset"))
        .then(local_dt.dt.strftime("%Y-%m-%dT%H:%M:%S") + off_s)
        .otherwise(utc_dt.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    party_s = c("party").replace_strict(list(range(len(PARTIES))), list(PARTIES))
    channel_s = c("channel").replace_strict(list(range(len(CHANNELS))), list(CHANNELS))
    is_debtor = c("party") == 0
    phone_n = pl.when(is_debtor).then(c("debtor_n")).otherwise(c("acct")) % 10_000_000
    phone = c("party").replace_strict(
        list(range(len(PARTIES))), list(PARTY_PHONE_PREFIX)
    ) + phone_n.cast(pl.String).str.zfill(7)
    email = pl.when(is_debtor).then(
        pl.lit("deb") + c("debtor_n").cast(pl.String).str.zfill(8)
    ).otherwise(party_s + pl.lit(".acc") + acct_s) + pl.lit("@example.com")
    letter_to = pl.when(is_debtor).then(None).otherwise(pl.lit("PO Box ") + acct_s + " " + party_s)
    to_s = (
        pl.when(c("acct_event"))
        .then(None)
        .when(c("channel") == EMAIL)
        .then(email)
        .when(c("channel") == LETTER)
        .then(letter_to)
        .otherwise(phone)
    )
    amount_s = (
        (c("amount") // 100).cast(pl.String)
        + "."
        + (c("amount") % 100).cast(pl.String).str.zfill(2)
    )

    def templated(templates: tuple[tuple[str, str], ...]) -> pl.Expr:
        """One body per row from ``templates`` picked by the row's template number."""
        n = len(templates)
        pick = c("template") % n
        pre = pick.replace_strict(list(range(n)), [p for p, _ in templates])
        post = pick.replace_strict(list(range(n)), [s for _, s in templates])
        return pre + amount_s + post

    body_s = (
        pl.when(c("acct_event"))
        .then(None)
        .when(c("channel").is_in([SMS, EMAIL]) & c("sloppy"))
        .then(templated(SLOPPY_TEMPLATES))
        .when(c("channel") == SMS)
        .then(templated(SMS_TEMPLATES))
        .when(c("channel") == EMAIL)
        .then(templated(EMAIL_TEMPLATES))
        .otherwise(None)
    )
    outcome_s = c("outcome").replace_strict(list(range(len(OUTCOMES))), list(OUTCOMES))
    return events.select(
        id=pl.int_range(1, rows + 1, dtype=pl.Int64).cast(pl.String),
        time=time_s,
        account=pl.lit("ACC") + acct_s,
        debtor=debtor_s,
        party=party_s,
        to=to_s,
        channel=pl.when(c("acct_event")).then(None).otherwise(channel_s),
        direction=pl.when(c("acct_event"))
        .then(pl.lit("inbound"))
        .when(c("inbound"))
        .then(pl.lit("inbound"))
        .otherwise(pl.lit("outbound")),
        outcome=pl.when(c("acct_event")).then(None).otherwise(outcome_s),
        timezone=c("zone").replace_strict(list(range(len(zone_cells))), zone_cells),
        jurisdiction=pl.when(c("juris") == "").then(None).otherwise(c("juris")),
        body=body_s,
        kind=c("kind").replace_strict(list(range(len(KINDS))), list(KINDS)),
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: generate, write CSV (and optionally Parquet), report timing."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=parse_rows, required=True, help="e.g. 1000000, 10k, 1m")
    ap.add_argument("--out", type=Path, required=True, help="output CSV path")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--parquet", action="store_true", help="also write OUT with .parquet suffix")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    df = generate(args.rows, args.seed)
    t1 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(args.out)
    if args.parquet:
        df.write_parquet(args.out.with_suffix(".parquet"), compression="zstd")
    t2 = time.perf_counter()
    print(
        f"wrote {args.rows:,} rows to {args.out} (generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

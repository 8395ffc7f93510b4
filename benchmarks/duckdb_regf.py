"""Hand-written DuckDB implementation of the three ``us-regf`` rules, as a benchmark baseline.

Usage::

    python benchmarks/duckdb_regf.py LOG.csv --out findings.csv

Writes a CSV ``rule,event`` of every finding, sorted by rule then event id, and prints a per-rule
count to stderr. It follows ``docs/us-regf-semantics.md`` (version 1) exactly: column defaults,
US scope (out-of-scope rows are dropped before anything else), counted calls with the consent
exemption, calendar days in the *primary* zone's local date, candidate zones for hours, and
same-instant ties (peers count each other for volume; a conversation at the very same instant
does not count for call-after-conversation).

Why it exists: ``benchmarks/run.py`` times the collectlint engine against the fastest correct
thing one could write by hand in DuckDB, and checks both give the same findings.

Techniques (measured in ``engine-benchmarks.md`` sections 4.3, 6 and 7):

* The CSV is read once, every column as VARCHAR (header read in Python, so no sniffing), into a
  slim temp table: the time is parsed in SQL (``TRY_CAST(... AS TIMESTAMPTZ)`` accepts ``Z`` and
  ``+hh:mm`` offsets) into integer epoch microseconds, and the enumerated columns are reduced to
  the boolean predicates the rules use, with the contract's defaults applied. Copying strings is
  what costs in DuckDB, so only ``id`` is kept for every row, ``account`` and person only for
  rows the call rules use, and the primary zone as an ENUM of the ICU zone names.
* Zone conversion uses a lookup table: ``timezone(zone, ts)`` runs only once per distinct
  (zone, 15-minute UTC bucket). Every current IANA transition is on a 15-minute boundary, and
  the table also stores the offset at the bucket's last microsecond: a bucket whose two offsets
  differ (a transition inside it) falls back to a per-row ``timezone()`` call, so the trick is
  exact, not just "exact for current zones".
* Both call rules use ONE window sort: partition by key, order by the packed integer
  ``v = (local day - d0) * 2^S + (us - us0)``, i.e. by (local date, instant). With integer RANGE
  frames, ``[v_lo(d - 6), v]`` is "local date in [d-6, d-1], or same date and t' <= t" (ties are
  peers) and ``[v_lo(d - 6), v - 1]`` is the same with ``t' < t``. That equals the contract
  whenever a key's local date never decreases while its instant grows (true for a key whose rows
  share one zone, unless the zone once moved its clocks back across midnight). ``lag()`` over
  the same sort detects keys where it does not; those few keys are evaluated by an exact
  self-join instead. The
  partition is the 64-bit hash of the key (cheaper to sort than two strings); a partition that
  holds two keys is detected the same way and also evaluated exactly.
* The consent exemption is a join restricted to keys that have a consent at all (few).

Input validation is not this script's job. Rows whose time does not parse, that have no
``account``, no ``timezone`` or an unknown zone, or whose party is not the debtor and that have
no ``to`` are skipped, as the engine rejects them. Values are compared exactly as the contract
writes them (no trimming or case folding). Unknown enumerated values and duplicate ids are not
rejected. The generator produces none of these.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import duckdb

RULE_VOLUME = "us-regf/call-volume"
RULE_AFTER = "us-regf/call-after-conversation"
RULE_TIME = "us-regf/inconvenient-time"

DAY_US = 86_400_000_000
BUCKET_US = 900_000_000  # 15 minutes
#: Bits of the packed window key given to the instant (2^47 us = 4.4 years of log span).
SHIFT = 47
#: Allowed local window [08:00:00, 21:00:00) in microseconds after local midnight.
WINDOW_START_US = 8 * 3600 * 1_000_000
WINDOW_END_US = 21 * 3600 * 1_000_000

#: ev0 joined to the zone table on the row's primary zone (alias ``e`` and ``l``).
EV_LUT = f"ev0 e JOIN lut l ON l.zone = e.zone AND l.b = e.us // {BUCKET_US}"


def lit(s: str) -> str:
    """Quote ``s`` as a SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    """Quote ``s`` as a SQL identifier."""
    return '"' + s.replace('"', '""') + '"'


def read_header(path: str) -> list[str]:
    """Column names from the CSV header line (a UTF-8 BOM is ignored), or a Parquet file's."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    with open(path, newline="", encoding="utf-8-sig") as f:
        return next(csv.reader(f), [])


def local_us(zone: str, us: str, lut: str) -> str:
    """SQL: local wall-clock microseconds of instant ``us`` in ``zone``, via the joined ``lut``
    row aliased ``lut``, with the exact per-row ``timezone()`` fallback for inexact buckets."""
    return (
        f"({us} + CASE WHEN {lut}.exact THEN {lut}.off ELSE "
        f"epoch_us(timezone({zone}::VARCHAR, make_timestamp({us})::TIMESTAMPTZ)) - {us} END)"
    )


def floor_div(x: str, d: int) -> str:
    """SQL floor division (DuckDB's ``//`` truncates toward zero)."""
    return f"(({x}) // {d} - CASE WHEN ({x}) % {d} < 0 THEN 1 ELSE 0 END)"


def floor_mod(x: str, d: int) -> str:
    """SQL modulo with a non-negative result."""
    return f"((({x}) % {d} + {d}) % {d})"


#: SQL: the primary-zone local date (day number) of ``e`` joined with ``l`` (see EV_LUT).
LOCAL_DAY = floor_div(local_us("e.zone", "e.us", "l"), DAY_US)


def load(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Create temp table ``ev0``: every data row in file order, reduced to what the rules need.

    Columns: ``id`` (raw; default ``rowid + 1`` applied at output), ``us`` (epoch microseconds),
    ``account``, ``person``, ``h`` (hash of the key, only used to narrow joins), ``zone``
    (primary), ``zones`` (the full cell, only when it has several candidates), ``ok`` (in US
    scope and usable), and the predicates ``cand`` (counted call before the consent exemption),
    ``conv`` (conversation), ``checked`` (inconvenient-time applies), ``consent``, ``revoked``.
    The table's ``rowid + 1`` is the 1-based data-row number: the default ``id`` and our internal
    row identity (``rid``), since user ids need not be unique.
    """
    header = read_header(path)
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header) + "}"
    src = (
        f"read_csv({lit(path)}, columns = {spec}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"')"
    )
    if path.endswith(".parquet"):  # the same text columns, from a Parquet file
        cast = ", ".join(f"{ident(c)}::VARCHAR AS {ident(c)}" for c in header)
        src = f"(SELECT {cast} FROM read_parquet({lit(path)}))"
    present = set(header)

    def col(c: str) -> str:
        return ident(c) if c in present else "NULL::VARCHAR"

    con.execute(
        "CREATE TYPE zone_name AS ENUM "
        "(SELECT DISTINCT name FROM pg_timezone_names() ORDER BY name)"
    )
    key_row = "(cand OR conv OR consent OR revoked)"
    con.execute(
        f"""
        CREATE TEMP TABLE ev0 AS
        SELECT id, us,
            -- key strings only where a call rule needs them (copying strings is what costs)
            CASE WHEN {key_row} THEN account END AS account,
            CASE WHEN {key_row} THEN person END AS person,
            CASE WHEN {key_row} THEN hash(account, person) END AS h,
            zone, zones,
            (in_scope AND us IS NOT NULL AND zone IS NOT NULL AND account IS NOT NULL
             AND person IS NOT NULL
             AND (zones IS NULL OR list_bool_and(list_transform(string_split(zones, '|'),
                                                 lambda z: TRY_CAST(z AS zone_name) IS NOT NULL))))
                AS ok,
            cand, conv, checked, consent, revoked
        FROM (
            SELECT *,
                (kind = 'contact' AND direction = 'outbound' AND channel = 'call'
                 AND outcome NOT IN ('not_connected', 'busy')
                 AND party NOT IN ('attorney', 'creditor', 'credit_bureau')) AS cand,
                (kind = 'contact' AND channel = 'call' AND outcome = 'conversation') AS conv,
                (kind = 'contact' AND direction = 'outbound' AND channel <> 'letter'
                 AND party IN ('debtor', 'spouse', 'parent', 'guardian', 'executor',
                               'successor_in_interest')) AS checked,
                kind = 'consent' AS consent,
                kind = 'consent_revoked' AS revoked
            FROM (
                SELECT {col("id")} AS id,
                    epoch_us(TRY_CAST({col("time")} AS TIMESTAMPTZ)) AS us,
                    {col("account")} AS account,
                    coalesce({col("party")}, 'debtor') AS party,
                    CASE WHEN coalesce({col("party")}, 'debtor') = 'debtor'
                         THEN coalesce({col("debtor")}, {col("account")}) ELSE {col("to")} END
                        AS person,
                    coalesce({col("channel")}, '') AS channel,
                    coalesce({col("direction")}, 'outbound') AS direction,
                    coalesce({col("outcome")}, '') AS outcome,
                    coalesce({col("kind")}, 'contact') AS kind,
                    TRY_CAST(split_part({col("timezone")}, '|', 1) AS zone_name) AS zone,
                    CASE WHEN contains({col("timezone")}, '|') THEN {col("timezone")} END
                        AS zones,
                    (nullif(trim({col("jurisdiction")}), '') IS NULL
                     OR upper(trim({col("jurisdiction")})) = 'US'
                     OR starts_with(upper(trim({col("jurisdiction")})), 'US-')) AS in_scope
                FROM {src}
            )
        )
        """
    )


def zone_lut(con: duckdb.DuckDBPyConnection) -> None:
    """Create temp table ``lut(zone, b, off, exact)``: the UTC offset (us) of each zone at each
    15-minute UTC bucket ``b`` that occurs, for the primary zone of every row and every candidate
    of multi-zone rows. ``exact`` is false when the offset changes inside the bucket."""
    con.execute(
        f"""
        CREATE TEMP TABLE lut AS
        WITH pairs AS (
            SELECT DISTINCT zone, us // {BUCKET_US} AS b FROM ev0 WHERE ok
            UNION
            SELECT DISTINCT unnest(string_split(zones, '|'))::zone_name AS zone,
                us // {BUCKET_US} AS b
            FROM ev0 WHERE ok AND zones IS NOT NULL
        ),
        offs AS (
            SELECT zone, b,
                epoch_us(timezone(zone::VARCHAR, make_timestamp(b * {BUCKET_US})::TIMESTAMPTZ))
                    - b * {BUCKET_US} AS off,
                epoch_us(timezone(zone::VARCHAR, make_timestamp(b * {BUCKET_US} + {BUCKET_US - 1})
                    ::TIMESTAMPTZ)) - (b * {BUCKET_US} + {BUCKET_US - 1}) AS off_end
            FROM pairs
        )
        SELECT zone, b, off, off = off_end AS exact FROM offs
        """
    )


def inconvenient_time(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``f_time(rid)``: checked events whose local time of day is outside
    [08:00:00, 21:00:00) in at least one candidate zone."""

    def outside(lu: str) -> str:
        t = floor_mod(lu, DAY_US)
        return f"({t} < {WINDOW_START_US} OR {t} >= {WINDOW_END_US})"

    con.execute(
        f"""
        CREATE TEMP TABLE f_time AS
        SELECT e.rowid + 1 AS rid FROM {EV_LUT}
        WHERE e.ok AND e.checked AND {outside(local_us("e.zone", "e.us", "l"))}
        UNION
        SELECT m.rid FROM (
            SELECT rowid + 1 AS rid, us, unnest(string_split(zones, '|'))::zone_name AS z
            FROM ev0 WHERE ok AND checked AND zones IS NOT NULL
        ) m JOIN lut l ON l.zone = m.z AND l.b = m.us // {BUCKET_US}
        WHERE {outside(local_us("m.z", "m.us", "l"))}
        """
    )


def consent_exemptions(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``exempt(rid)``: candidate calls that are consent-exempt.

    A consent of the same key strictly earlier (``tc < t``), the call's local date within
    ``[dc, dc + 6]``, and no revocation or conversation of the same key with ``tc < tr <= t``.
    Only the rows of keys that have a consent at all are looked at (few): the hash narrows,
    the string key decides."""
    con.execute(
        """
        CREATE TEMP TABLE ck AS
        SELECT rowid + 1 AS rid, account, person, us, zone, cand, consent, revoked, conv FROM ev0
        WHERE ok AND (cand OR consent OR revoked OR conv)
          AND h IN (SELECT h FROM ev0 WHERE ok AND consent)
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE exempt AS
        WITH k AS (
            SELECT e.rid, e.account, e.person, e.us, {LOCAL_DAY} AS d,
                   e.cand, e.consent, e.revoked, e.conv
            FROM ck e JOIN lut l ON l.zone = e.zone AND l.b = e.us // {BUCKET_US}
        ),
        consent AS (SELECT account, person, us, d FROM k WHERE consent),
        -- a revocation or a conversation ends the consent (comment 14(b)(3)(i)-2)
        revoked AS (SELECT account, person, us FROM k WHERE revoked OR conv),
        pairs AS (
            SELECT c.rid, c.account, c.person, c.us AS t, s.us AS tc
            FROM k c JOIN consent s ON s.account = c.account AND s.person = c.person
            WHERE c.cand AND s.us < c.us AND c.d BETWEEN s.d AND s.d + 6
        )
        SELECT DISTINCT p.rid FROM pairs p
        WHERE NOT EXISTS (
            SELECT 1 FROM revoked r
            WHERE r.account = p.account AND r.person = p.person AND r.us > p.tc AND r.us <= p.t
        )
        """
    )


def call_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``f_volume(rid)`` and ``f_after(rid)`` for the two call rules (one window sort;
    keys whose local date is not monotone in time go through an exact self-join)."""
    consent_exemptions(con)
    bounds = con.execute("SELECT min(us), max(us) FROM ev0 WHERE ok").fetchone()
    if bounds is None or bounds[0] is None:
        for t in ("f_volume", "f_after"):
            con.execute(f"CREATE TEMP TABLE {t} AS SELECT NULL::BIGINT AS rid WHERE false")
        return
    us0, us1 = int(bounds[0]), int(bounds[1])
    # Local dates lie within two days of UTC dates (offsets are under 26 h).
    d0, d1 = us0 // DAY_US - 2, us1 // DAY_US + 2
    fits = us1 - us0 < (1 << SHIFT) and (d1 - d0 + 1) < (1 << (62 - SHIFT))
    num = "BIGINT" if fits else "HUGEINT"
    unit = f"{1 << SHIFT}::{num}"
    # v packs (local day, instant); s = v of the first possible instant of local day d.
    calls = f"""
        SELECT e.rowid + 1 AS rid, e.account, e.person, e.h, e.us, {LOCAL_DAY} AS d,
               (e.cand AND x.rid IS NULL) AS counted, e.conv
        FROM {EV_LUT} LEFT JOIN exempt x ON x.rid = e.rowid + 1
        WHERE e.ok AND (e.cand OR e.conv)
    """
    # Partition by the key's 64-bit hash (cheaper to sort than two strings); the lag() columns
    # detect a partition holding two keys (hash collision), which then goes the exact way too.
    key = "PARTITION BY h ORDER BY v"
    con.execute(
        f"""
        CREATE TEMP TABLE win AS
        SELECT rid, h, counted,
            count(*) FILTER (WHERE counted) OVER w_vol AS n,
            count(*) FILTER (WHERE conv) OVER w_after AS nc,
            (lag(d) OVER w < d AND lag(us) OVER w >= us)
                OR lag(account) OVER w <> account OR lag(person) OVER w <> person AS irregular
        FROM (
            SELECT *, (d - {d0})::{num} * {unit} + (us - {us0}) AS v,
                   (d - {d0})::{num} * {unit} AS s
            FROM ({calls})
        )
        WINDOW
            w AS ({key}),
            -- local date in [d-6, d-1], or date d and t' <= t (peers included)
            w_vol AS ({key} RANGE BETWEEN (v - s + 6 * {unit}) PRECEDING AND CURRENT ROW),
            -- local date in [d-6, d-1], or date d and t' < t
            w_after AS ({key} RANGE BETWEEN (v - s + 6 * {unit}) PRECEDING AND 1 PRECEDING)
        """
    )
    # Irregular: in (date, instant) order a row moves to a later local date without moving to a
    # later instant, i.e. some row has an earlier-or-equal instant but a later local date than
    # another (only possible when a key's rows carry different zones). There the packed order
    # is not time order, so such keys (and colliding hashes) are evaluated exactly below.
    con.execute("CREATE TEMP TABLE bad AS SELECT DISTINCT h FROM win WHERE irregular")
    con.execute(
        """
        CREATE TEMP TABLE f_volume AS
        SELECT rid FROM win WHERE counted AND n >= 8 AND h NOT IN (SELECT h FROM bad)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE f_after AS
        SELECT rid FROM win WHERE counted AND nc > 0 AND h NOT IN (SELECT h FROM bad)
        """
    )
    n_bad = con.execute("SELECT count(*) FROM bad").fetchone()
    if not n_bad or not n_bad[0]:
        return
    con.execute(
        f"""
        CREATE TEMP TABLE xc AS
        SELECT * FROM ({calls}) WHERE h IN (SELECT h FROM bad)
        """
    )
    con.execute(
        """
        INSERT INTO f_volume
        SELECT c.rid FROM xc c
        JOIN xc o ON o.account = c.account AND o.person = c.person
        WHERE c.counted AND o.counted AND o.us <= c.us AND o.d BETWEEN c.d - 6 AND c.d
        GROUP BY c.rid HAVING count(*) >= 8
        """
    )
    con.execute(
        """
        INSERT INTO f_after
        SELECT DISTINCT c.rid FROM xc c
        JOIN xc v ON v.account = c.account AND v.person = c.person
        WHERE c.counted AND v.conv AND v.us < c.us AND c.d BETWEEN v.d AND v.d + 6
        """
    )


def run(path: str, out: str, threads: int | None = None) -> dict[str, int]:
    """Evaluate all three rules on the log at ``path``; write the sorted ``rule,event`` CSV to
    ``out``; return the number of findings per rule."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    load(con, path)
    zone_lut(con)
    inconvenient_time(con)
    call_rules(con)
    con.execute(
        f"""
        CREATE TEMP TABLE findings AS
        SELECT f.rule, coalesce(e.id, (e.rowid + 1)::VARCHAR) AS event FROM (
            SELECT {lit(RULE_VOLUME)} AS rule, rid FROM f_volume
            UNION ALL SELECT {lit(RULE_AFTER)}, rid FROM f_after
            UNION ALL SELECT {lit(RULE_TIME)}, rid FROM f_time
        ) f JOIN ev0 e ON e.rowid + 1 = f.rid
        """
    )
    con.execute(
        f"""
        COPY (SELECT rule, event FROM findings
              ORDER BY rule, TRY_CAST(event AS BIGINT) NULLS LAST, event)
        TO {lit(out)} (HEADER, DELIMITER ',')
        """
    )
    rows = con.execute("SELECT rule, count(*) FROM findings GROUP BY rule ORDER BY rule")
    return {str(rule): int(n) for rule, n in rows.fetchall()}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description="us-regf rules in hand-written DuckDB SQL")
    ap.add_argument("log", type=Path, help="canonical contact log (CSV)")
    ap.add_argument("--out", type=Path, required=True, help="findings CSV to write")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = run(str(args.log), str(args.out), args.threads)
    elapsed = time.perf_counter() - t0
    for rule in (RULE_VOLUME, RULE_AFTER, RULE_TIME):
        print(f"{rule}: {counts.get(rule, 0)}", file=sys.stderr)
    print(f"total {sum(counts.values())} findings in {elapsed:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

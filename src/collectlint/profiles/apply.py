"""Apply a profile to a source frame: canonical text columns, and a reason for every row that
cannot become a checkable event — all as Polars expressions over whole columns.

Order: drop duplicate copies (`dedupe`), leave out excluded rows (`exclude`), derive each
canonical field (`columns`, `constant`, `time`, `values`), then take accounts from the accounts
file (`join`; one number that belongs to several debts becomes one event per debt, ids
`sid:account`).  Nothing is dropped silently: duplicates and exclusions are counted, and a value
the profile does not map, a time it cannot read or a number the accounts file does not hold
rejects its row with a reason naming the column and value (never a phone number or a name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from collectlint import columns as C
from collectlint.errors import InputError, UsageError
from collectlint.model import ProfileRun
from collectlint.profiles.spec import Choice, Condition, Profile, Test, ValueMap
from collectlint.vocabulary import is_categorical

SRC = "_src"
"""The source record (0-based) an output row came from."""
WHY, CODE = "_why", "_code"
LABELS = {
    "rfc2822": "an RFC 2822",
    "epoch_s": "an epoch-seconds",
    "epoch_ms": "an epoch-milliseconds",
}
"""How a reason names each time format (a pattern is quoted: "not a '%d/%m/%Y %H:%M' time")."""
SHOWN = 60
"""Characters of a source value a reason quotes."""


@dataclass(frozen=True, slots=True)
class Mapped:
    """The canonical frame (text columns, rejected rows included), the rejected rows
    (`C.ROW` 1-based, `C.CODE`, `C.REASON`), the source record of each row, and the counts."""

    frame: pl.DataFrame
    problems: pl.DataFrame
    sources: pl.Series
    run: ProfileRun


def apply(
    profile: Profile, source: pl.DataFrame, display: str, accounts: pl.DataFrame | None
) -> Mapped:
    """Map `source` (every column text) through `profile`; `accounts` is the accounts file
    as read by `profiles.accounts` (needed when the profile joins)."""
    check_columns(profile, set(source.columns), display)
    frame = cleaned(profile, source).with_row_index(SRC)
    present = set(frame.columns)
    rows_read = frame.height
    frame, kept = _dedupe(profile, frame)
    deduplicated = rows_read - (frame.height if kept is None else int(kept.sum()))
    # one filter for both: the copies dropped and the rows left out
    frame, excluded = exclude_rows(profile, frame, present, kept)
    mapped = _derived(profile, frame, present)
    fanned = 0
    if profile.join is not None:
        if accounts is None:
            if "account" not in profile.columns:
                raise UsageError(
                    f"profile {profile.name} takes the account from an accounts file: give "
                    "--accounts FILE (a CSV with columns phone, account, debtor)"
                )
        else:
            before = mapped.height
            mapped = _join(profile, mapped, accounts)
            fanned = mapped.height - before
    problems = (
        mapped.with_row_index(C.ROW, offset=1)
        .filter(pl.col(WHY).is_not_null())
        .select(
            pl.col(C.ROW).cast(pl.Int64), pl.col(CODE).alias(C.CODE), pl.col(WHY).alias(C.REASON)
        )
    )
    # counted per reason; a time that cannot be read is one reason whatever its text
    counted = problems.select(
        pl.when(pl.col(C.CODE) == "bad-time")
        .then(pl.col(C.REASON).str.replace(r" '.*' is not ", " is not "))
        .otherwise(pl.col(C.REASON))
        .alias(C.REASON)
    )
    rejected = dict(counted.group_by(C.REASON).len().sort(C.REASON).iter_rows())
    run = ProfileRun(
        profile.name,
        profile.version,
        profile.path,
        profile.sha256,
        rows_read,
        deduplicated,
        sum(excluded.values()),
        fanned,
        excluded,
        rejected,
    )
    sources = mapped[SRC]
    out = mapped.drop(SRC, WHY, CODE)
    return Mapped(out, problems, sources, run)


def check_columns(profile: Profile, present: set[str], display: str) -> None:
    """Every column the profile reads must be in the export: a missing one would silently
    leave a field empty (a column of an object that is null in every record counts as
    present: its fields are all empty)."""
    missing = [c for c in profile.source_columns if c not in present and not _parent(c, present)]
    if missing:
        raise InputError(
            f"{display}: profile {profile.name} ({profile.path}) reads column(s) "
            f"{', '.join(repr(c) for c in missing)}, which the export does not have"
        )


def _parent(column: str, present: set[str]) -> bool:
    parts = column.split(".")
    return any(".".join(parts[:n]) in present for n in range(1, len(parts)))


def cleaned(profile: Profile, source: pl.DataFrame) -> pl.DataFrame:
    """The source columns the profile reads, each once: trimmed (message text is kept as
    written), empty text as null.  Every later expression reads these columns as they are."""
    keep = {pick.column for pick in profile.columns.get("body", ())}
    names = [name for name in profile.source_columns if name in source.columns]
    trimmed = source.lazy().select(
        pl.col(name).cast(pl.String)
        if name in keep
        else pl.col(name).cast(pl.String).str.strip_chars()
        for name in names
    )
    # two selects in one lazy plan: each column is trimmed once (an eager select would trim
    # it twice, as it does not share a repeated expression), and the plan runs the columns in
    # parallel (0.12 s on the 1M calls export, against 0.15 s for two eager selects)
    return trimmed.select(
        pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in names
    ).collect()


def source_value(name: str, present: set[str]) -> pl.Expr:
    """A cleaned source column (see `cleaned`); absent, all null."""
    return pl.col(name) if name in present else pl.lit(None, pl.String)


def _test(value: pl.Expr, test: Test) -> pl.Expr:
    if test.op == "present":
        result = value.is_not_null()
        return ~result if test.negate else result
    if test.op == "in":
        hit = value.is_in(list(test.values)).fill_null(False)
        return ~hit if test.negate else hit
    arg = test.values[0]
    if test.op == "prefix":
        return value.str.starts_with(arg).fill_null(False)
    if test.op == "suffix":
        return value.str.ends_with(arg).fill_null(False)
    return value.str.contains(arg, literal=True).fill_null(False)


def holds(condition: Condition | None, present: set[str]) -> pl.Expr:
    """Whether `condition` holds on each row (always, for None)."""
    if condition is None:
        return pl.lit(True)
    return pl.all_horizontal(_test(source_value(c, present), t) for c, t in condition.tests)


def _dedupe(profile: Profile, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series | None]:
    """One copy per key (rows with a blank key are never merged: they may be different): the
    frame, and the mask of the copies kept when the frame still holds the others (None when
    every row of the frame is kept)."""
    spec = profile.dedupe
    if spec is None:
        return frame, None
    present = set(frame.columns)
    if spec.order_by is None:  # file order decides: one pass, the order kept
        key = pl.struct(spec.key) if len(spec.key) > 1 else pl.col(spec.key[0])
        unkeyed = pl.any_horizontal(source_value(k, present).is_null() for k in spec.key)
        # keys are compared by their 64-bit hashes, and only the rows whose hash repeats by
        # the keys themselves (cheap, and a hash collision can never merge two records)
        # (a count per hash over the rows is about half the cost of `is_duplicated`)
        hashed = frame.select((pl.len().over(key.hash()) > 1) & ~unkeyed)
        repeated = hashed.to_series()
        if not repeated.any():
            return frame, None
        keep = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
        suspects = frame.filter(repeated)
        first = spec.keep == "first"
        exact = suspects.select(key.is_first_distinct() if first else key.is_last_distinct())
        positions = pl.int_range(0, frame.height, eager=True).filter(repeated)
        return frame, keep.scatter(positions, exact.to_series())
    keys = [source_value(k, present).alias(f"_k{i}") for i, k in enumerate(spec.key)]
    names = [f"_k{i}" for i in range(len(spec.key))]
    keyed = frame.with_columns(keys)
    blank = keyed.filter(pl.any_horizontal(pl.col(n).is_null() for n in names))
    full = keyed.filter(pl.all_horizontal(pl.col(n).is_not_null() for n in names))
    full = full.sort(source_value(spec.order_by, present), SRC, nulls_last=False)
    kept = full.unique(names, keep="first" if spec.keep == "first" else "last", maintain_order=True)
    return pl.concat([kept, blank]).sort(SRC).drop(names), None


def exclude_rows(
    profile: Profile, frame: pl.DataFrame, present: set[str], kept: pl.Series | None = None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The rows no exclusion matches, and how many each reason left out (first match wins);
    only the rows of `kept` (all, for None) are looked at, so the frame is filtered once."""
    if not profile.exclude:
        return (frame if kept is None else frame.filter(kept)), {}
    # each row's first matching exclusion as its number, not its text (no string per row)
    options = [(ex.when, pl.lit(i, pl.UInt32)) for i, ex in enumerate(profile.exclude)]
    which = first_match(options, present, pl.UInt32).alias("_excluded")
    reason = frame.lazy().select(which).collect(engine="streaming").to_series()
    looked = reason if kept is None else reason.filter(kept)
    counts = looked.drop_nulls().value_counts(name="_n")
    texts = [ex.reason for ex in profile.exclude]
    left_out = dict(sorted((texts[int(i)], int(n)) for i, n in counts.iter_rows()))
    if kept is None:
        return (frame.filter(reason.is_null()) if left_out else frame), left_out
    return frame.filter(kept & reason.is_null()), left_out


def first_match(
    options: Sequence[tuple[Condition | None, pl.Expr]],
    present: set[str],
    dtype: type[pl.DataType] = pl.String,
) -> pl.Expr:
    """Per row, the expression of the first option whose condition holds (None: always),
    else null — how a choice of column, a conditional map entry or an exclusion is read."""
    expr: pl.Expr = pl.lit(None, dtype)
    for when, value in reversed(options):
        expr = value if when is None else pl.when(holds(when, present)).then(value).otherwise(expr)
    return expr


def _picked(profile: Profile, name: str, present: set[str]) -> pl.Expr:
    """The source value a field reads: its column, or the first whose condition holds."""
    picks = profile.columns[name]
    return first_match([(p.when, source_value(p.column, present)) for p in picks], present)


TIME_TEXT, TIME_AT = "_time_text", "_time_at"
"""The source time text a row reads, and that time parsed (UTC), computed once."""


def _derived(profile: Profile, frame: pl.DataFrame, present: set[str]) -> pl.DataFrame:
    """`SRC`, the canonical fields and each row's reason (`WHY`, `CODE`): the value maps and
    the time are computed once, then both the fields and the reasons read them."""
    maps = [mapped_value(v, present).alias(f"_m_{name}") for name, v in profile.values.items()]
    if "time" in profile.columns:
        maps.append(_picked(profile, "time", present).alias(TIME_TEXT))
    staged = frame.lazy().with_columns(maps)
    if "time" in profile.columns and profile.time.name != "iso8601":
        staged = staged.with_columns(_parsed_time(profile, pl.col(TIME_TEXT)).alias(TIME_AT))
    # the streaming engine spreads these row-wise expressions over every core (parsing a
    # time with a pattern runs on one core otherwise)
    done = staged.collect(engine="streaming")
    if "time" in profile.columns and profile.time.name == "rfc2822":
        done = _loose_rfc2822(done)
    fields = [*_fields(profile, present), *_why(profile, present)]
    return done.lazy().select(SRC, *fields).collect(engine="streaming")


def _loose_rfc2822(staged: pl.DataFrame) -> pl.DataFrame:
    """RFC 2822 times that `_rfc2822_fixed` does not read (a zone name, other spacing), and
    those without a weekday or with a one-digit day (section 3.3 allows both), parsed in a
    second pass over the few rows the fixed form missed: first by the full pattern, then with
    the weekday dropped (a weekday that does not fit the date is not a reason to reject)."""
    missed = staged[TIME_AT].is_null() & staged[TIME_TEXT].is_not_null()
    if not missed.any():
        return staged
    at = pl.int_range(0, staged.height, eager=True).filter(missed)
    text = staged[TIME_TEXT].filter(missed)
    exact = text.str.to_datetime(
        "%a, %d %b %Y %H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    loose = text.str.replace(r"^\w{3},\s*", "").str.to_datetime(
        "%e %b %Y %H:%M:%S %z", time_unit="us", time_zone="UTC", strict=False, cache=False
    )
    return staged.with_columns(staged[TIME_AT].scatter(at, exact.fill_null(loose)))


def _fields(profile: Profile, present: set[str]) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for name in profile.columns:
        if name in profile.values or name == "time":
            continue
        exprs.append(_picked(profile, name, present).alias(name))
    for name, value in profile.constant.items():
        exprs.append(pl.lit(value, pl.String).alias(name))
    for name in profile.values:
        exprs.append(pl.col(f"_m_{name}").alias(name))
    if "time" in profile.columns:
        exprs.append(_time_text(profile).alias("time"))
    return exprs


def _choose(choices: Sequence[Choice], present: set[str]) -> pl.Expr:
    return first_match([(c.when, pl.lit(c.value, pl.String)) for c in choices], present)


def mapped_value(vmap: ValueMap, present: set[str]) -> pl.Expr:
    """The canonical value of each row by the map (null where the map has none)."""
    value = source_value(vmap.source, present)
    expr: pl.Expr = pl.lit(None, pl.String)
    for key, choices in reversed(vmap.entries):
        expr = pl.when(value == key).then(_choose(choices, present)).otherwise(expr)
    if vmap.blank is not None:
        expr = pl.when(value.is_null()).then(_choose(vmap.blank, present)).otherwise(expr)
    return expr


def _parsed_time(profile: Profile, text: pl.Expr) -> pl.Expr:
    """UTC datetime of each source time (null where it does not parse)."""
    fmt = profile.time
    if fmt.name == "rfc2822":  # Tue, 10 Mar 2026 15:04:05 +0000 (RFC 2822 section 3.3)
        return _rfc2822_fixed(text)  # the form Twilio writes (others: see `_loose_rfc2822`)
    if fmt.name in ("epoch_s", "epoch_ms"):
        number = text.cast(pl.Float64, strict=False)
        scale = 1_000_000 if fmt.name == "epoch_s" else 1_000
        return (number * scale).round().cast(pl.Int64, strict=False).cast(pl.Datetime("us", "UTC"))
    if fmt.zone:
        naive = text.str.to_datetime(fmt.pattern, time_unit="us", strict=False)
        return naive.dt.replace_time_zone(
            fmt.zone, ambiguous="null", non_existent="null"
        ).dt.convert_time_zone("UTC")
    return text.str.to_datetime(fmt.pattern, time_unit="us", time_zone="UTC", strict=False)


FIXED_RFC2822 = (
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Za-z]{3} [0-9]{4} "
    r"[0-9]{2}:[0-9]{2}:[0-9]{2} [+-](?:[01][0-9]|2[0-3])[0-5][0-9]$"
)
"""The fixed-width form `Tue, 10 Mar 2026 15:04:05 +0000`: two-digit day, numeric offset."""


def _rfc2822_fixed(text: pl.Expr) -> pl.Expr:
    """The UTC instant of each time in the fixed-width RFC 2822 form (null for any other text).

    The local part is parsed without its offset and the offset subtracted as minutes: Polars
    parses a pattern with `%z` several times slower than one without, and this is most of the
    cost of a calls export.  `_loose_rfc2822` reads the rows left null, so a text outside the
    fixed form is judged exactly as by the full pattern."""
    sign = pl.when(text.str.slice(26, 1) == "-").then(-1).otherwise(1)
    hours = text.str.slice(27, 2).cast(pl.Int64, strict=False)
    minutes = text.str.slice(29, 2).cast(pl.Int64, strict=False)
    local = text.str.slice(5, 20).str.to_datetime(
        "%d %b %Y %H:%M:%S", time_unit="us", strict=False, cache=False
    )
    offset = pl.duration(minutes=sign * (hours * 60 + minutes))
    utc = pl.when(text.str.contains(FIXED_RFC2822)).then(local - offset)
    return utc.dt.replace_time_zone("UTC")


def _time_text(profile: Profile) -> pl.Expr:
    """The canonical time: ISO-8601 sources pass through as text, for the log reader to judge
    as it judges every log; other formats as the instant parsed (null where it did not parse:
    that row is rejected with the profile's own reason, quoting the text)."""
    if profile.time.name == "iso8601":
        return pl.col(TIME_TEXT)
    return pl.col(TIME_AT)


def _quote(value: pl.Expr) -> pl.Expr:
    return value.str.slice(0, SHOWN)


def _why(profile: Profile, present: set[str]) -> list[pl.Expr]:
    """Per row, the first reason it cannot become an event, and its code."""
    reasons: list[tuple[pl.Expr, pl.Expr, str]] = []
    if "time" in profile.columns and profile.time.name != "iso8601":
        text = pl.col(TIME_TEXT)
        bad = text.is_not_null() & pl.col(TIME_AT).is_null()
        column = profile.columns["time"][0].column
        label = LABELS.get(profile.time.name, f"a {profile.time.pattern!r}")
        quoted = pl.concat_str(pl.lit("'"), _quote(text), pl.lit("'"))
        reasons.append((bad, pl.format(f"{column} {{}} is not {label} time", quoted), "bad-time"))
    for name, vmap in profile.values.items():
        value = source_value(vmap.source, present)
        result = pl.col(f"_m_{name}")
        keys = [k for k, _ in vmap.entries]
        known = value.is_in(keys).fill_null(False)
        unmapped = value.is_not_null() & ~known
        quoted = pl.concat_str(pl.lit("'"), _quote(value), pl.lit("'"))
        reasons.append(
            (
                unmapped,
                pl.format(
                    f"{vmap.source} {{}} is not in profile {profile.name}'s map for {name}", quoted
                ),
                "unmapped-value",
            )
        )
        reasons.append(
            (
                known & result.is_null(),
                pl.concat_str(
                    pl.lit(f"{vmap.source} "),
                    quoted,
                    *_context(vmap, present, _private(profile)),
                    pl.lit(f": no entry of profile {profile.name}'s map for {name} fits this row"),
                ),
                "unmapped-value",
            )
        )
        if vmap.blank is None:
            continue
        reasons.append(
            (
                value.is_null() & result.is_null(),
                pl.lit(
                    f"{vmap.source} is empty and no blank entry of profile "
                    f"{profile.name}'s map for {name} fits this row"
                ),
                "unmapped-value",
            )
        )
    why: pl.Expr = pl.lit(None, pl.String)
    code: pl.Expr = pl.lit(None, pl.String)
    for bad, text, tag in reversed(reasons):
        why = pl.when(bad).then(text).otherwise(why)
        code = pl.when(bad).then(pl.lit(tag)).otherwise(code)
    return [why.alias(WHY), code.alias(CODE)]


PRIVATE_FIELDS = ("to", "account", "debtor", "body", "agent", "id")
"""Fields whose source columns a reason never quotes: numbers, names, message text."""


def _private(profile: Profile) -> set[str]:
    """The source columns holding personal data (those read into `PRIVATE_FIELDS`)."""
    return {pick.column for name in PRIVATE_FIELDS for pick in profile.columns.get(name, ())}


def _context(vmap: ValueMap, present: set[str], private: set[str]) -> list[pl.Expr]:
    """` with COLUMN 'value', ...` for the columns the map's conditions test, so a reason says
    which value no entry expected (an answering-machine status the profile does not know);
    a column holding personal data is named but not quoted."""
    columns = dict.fromkeys(
        column
        for _, choices in vmap.entries
        for choice in choices
        if choice.when is not None
        for column in choice.when.columns
    )
    parts: list[pl.Expr] = []
    for i, column in enumerate(columns):
        value = _quote(source_value(column, present)).fill_null("")
        if column in private:
            value = pl.when(value == "").then(pl.lit("")).otherwise(pl.lit("…"))
        parts.append(pl.lit((" with " if i == 0 else ", ") + f"{column} '"))
        parts += [value, pl.lit("'")]
    return parts


def _join(profile: Profile, mapped: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Each checkable row with the accounts of its number (one row per account); a row whose
    number the file does not hold is rejected.

    A number's first account (in the file's order) fills its row in place; each further one
    is a copy of the row, appended after the others.  So the rows of the export are looked up,
    not copied: on a large export only the few rows of numbers with several debts are."""
    spec = profile.join
    assert spec is not None
    by = spec.by
    take = [c for c in spec.take if c in accounts.columns]
    # with how many debts each number has (its rows in the table; `read_accounts` counts them
    # once), so the fan-out needs no window over the joined rows
    # the fields held as categoricals are looked up as their codes, not copied as text (the
    # export's own column of that name, if the profile maps one, is text: then text)
    table = accounts.select(
        pl.col("_key"),
        pl.col("_debts"),
        *(
            pl.col(c).cast(pl.Categorical if _coded(c, mapped) else pl.String).alias(f"_a_{c}")
            for c in take
        ),
    )
    # a row already rejected is looked up in nothing: it stays one row, with its own reason
    own = (
        normalised_keys(mapped[by])
        if by in mapped.columns
        else pl.repeat(None, mapped.height, dtype=pl.String, eager=True)
    )
    keys = mapped.select(pl.when(pl.col(WHY).is_null()).then(pl.lit(own)).alias("_key"))
    if table.height > 4 * keys.height:  # a day's file against the whole CRM: its numbers only
        table = table.filter(pl.col("_key").is_in(keys["_key"].drop_nulls().implode()))
    first = table.select(pl.col("_key").is_first_distinct()).to_series()
    looked = keys.join(table.filter(first), on="_key", how="left", maintain_order="left")
    joined = pl.concat([mapped, looked], how="horizontal")
    more = table.filter(~first)
    if more.height:  # a copy of the row for each further debt of its number
        again = joined.filter(pl.col("_debts") > 1)  # the numbers in `more`
        copies = again.drop("_debts", *(f"_a_{c}" for c in take)).join(
            more, on="_key", how="inner", maintain_order="left_right"
        )
        joined = pl.concat([joined, copies.select(joined.columns)])
    found = (
        pl.col("_a_account").is_not_null()
        if "account" in take
        else pl.col("_key").is_in(table["_key"].implode())
    )
    fills = [
        pl.coalesce(pl.col(f"_a_{name}"), pl.col(name)).alias(name)
        if name in joined.columns
        else pl.col(f"_a_{name}").alias(name)
        for name in take
    ]
    joined = joined.with_columns(fills)
    if "id" in joined.columns and "account" in take:
        joined = _shared_ids(joined)
    missing = pl.col(WHY).is_null() & ~found
    reason = f"{by} is not in the accounts file (its {spec.accounts_key} column)"
    joined = joined.with_columns(
        pl.when(missing).then(pl.lit(reason)).otherwise(pl.col(WHY)).alias(WHY),
        pl.when(missing).then(pl.lit("no-account")).otherwise(pl.col(CODE)).alias(CODE),
    )
    return joined.drop("_key", "_debts", *(f"_a_{c}" for c in take))


def _shared_ids(joined: pl.DataFrame) -> pl.DataFrame:
    """The events of one communication about several debts share its id as `contact`, and
    each is `id:account` (a communication about one debt needs neither: its id says it all).
    Only those rows are rewritten."""
    several = joined["_debts"].fill_null(1) > 1
    nothing = pl.repeat(None, joined.height, dtype=pl.String, eager=True).alias("contact")
    if not several.any():
        return joined.with_columns(nothing)
    at = pl.int_range(0, joined.height, eager=True).filter(several)
    rows = joined.select("id", "account").filter(several)
    ids = rows.select(pl.concat_str("id", pl.lit(":"), "account")).to_series()
    return joined.with_columns(
        nothing.scatter(at, rows["id"]), joined["id"].scatter(at, ids).alias("id")
    )


def _coded(name: str, mapped: pl.DataFrame) -> bool:
    """Whether accounts field `name` joins as a categorical: a categorical field the export
    does not also give."""
    return is_categorical(name) and name not in mapped.columns


def normalised_keys(values: pl.Series) -> pl.Series:
    """`normalise_key` of a column, rewriting only the values that need it (an export's
    numbers are nearly all E.164 already, and a rewrite of every row costs a regex pass)."""
    text = values.cast(pl.String)
    odd = text.str.contains(r"^\s|\s$|[\s().-]").fill_null(False)
    if not odd.any():
        return text
    positions = pl.int_range(0, len(text), eager=True).filter(odd)
    fixed = pl.select(normalise_key(pl.lit(text.filter(odd)))).to_series()
    return text.scatter(positions, fixed)


def normalise_key(value: pl.Expr) -> pl.Expr:
    """A phone number or id as a join key: trimmed, and for numbers written with spaces,
    dashes, dots or brackets, only `+` and digits kept (`+1 (617) 555-0100` is
    `+16175550100`)."""
    text = value.cast(pl.String).str.strip_chars()
    phoneish = text.str.contains(r"^\+?[\d\s().-]{7,}$").fill_null(False)
    return pl.when(phoneish).then(text.str.replace_all(r"[\s().-]", "")).otherwise(text)

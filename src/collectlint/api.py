"""`check()`: the one entry point the CLI, the tests and other programs call for contact logs.

It reads the logs (and a plan's history), loads the packs and hands the events to
`pipeline.run`, which returns a frozen `Report`.  It never reads the clock: the report's
`as_of` is the caller's, or else the latest checked event time.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from collectlint import pipeline
from collectlint.errors import UsageError
from collectlint.inputs.clock import is_known_zone
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.phones import phone_data
from collectlint.inputs.readers import RawLog, launch, read_raw
from collectlint.loading.checks import filter_fields
from collectlint.loading.packs import Pack, builtin_names, load_pack
from collectlint.model import CheckOptions, FileDigest, Role, RunContext
from collectlint.report import Report
from collectlint.selection import select_rules
from collectlint.suppress import load_baseline, load_waivers


def load_packs(refs: Sequence[str]) -> tuple[Pack, ...]:
    """Load each pack once, in the order given.  A reference with a wildcard that names no
    file (`us-*`, `*`) stands for the built-in packs it matches, in name order; it never picks
    an opt-in house-policy pack (`policy-...`) unless the pattern itself begins `policy-`."""
    packs: dict[str, Pack] = {}
    for ref in refs:
        for name in _expand(ref):
            pack = load_pack(name)
            packs.setdefault(pack.info.name, pack)
    return tuple(packs.values())


def _expand(ref: str) -> list[str]:
    if not any(c in ref for c in "*?[") or Path(ref).exists():
        return [ref]
    names = [
        name
        for name in builtin_names()
        if fnmatch.fnmatchcase(name, ref)
        and (ref.startswith("policy-") or not name.startswith("policy-"))
    ]
    if not names:
        known = ", ".join(builtin_names())
        raise UsageError(f"--rules {ref!r} matches no built-in pack (built-in: {known})")
    return names


def check(
    logs: Sequence[str | Path],
    *,
    options: CheckOptions | None = None,
    rules: Sequence[str] | None = None,
    column_map: Mapping[str, str] | None = None,
    assume_timezone: str | None = None,
    infer_location: bool | None = None,
    encoding: str | None = None,
    as_of: datetime | None = None,
    max_rejects: int | None = None,
    show_pii: bool | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    severity: Mapping[str, str] | None = None,
    waivers: str | None = None,
    baseline: str | None = None,
    history: Sequence[str | Path] | None = None,
    profile: str | Sequence[str] | None = None,
    accounts: str | Path | None = None,
) -> Report:
    """Check contact logs (or a plan of contacts) against rule packs.

    Args:
        logs: CSV / TSV / JSON Lines / Parquet paths (`-` reads CSV from standard input).
            With `history`, these are the *plan*: only their events are reported, each timing
            finding with the earliest instant the contact would be allowed.
        options: everything below as one value (the CLI builds it from its options and the
            configuration file); a keyword argument given here takes precedence over it.
        rules: built-in pack names, pack files or pack directories (default `us-regf`).
        column_map: canonical field -> column name in the logs.
        assume_timezone: IANA zone for timestamps written without an offset.
        infer_location: also take the consumer's zones and jurisdiction from the phone
            number (`to`), the `zip` code and the `state` (default on; off, only the
            `timezone` and `jurisdiction` columns place the consumer).
        encoding: text encoding of CSV and TSV logs (default UTF-8; JSON Lines is UTF-8).
        as_of: the report's reference instant (with an offset).
        max_rejects: rejected rows tolerated before the run is an error.
        show_pii: name contacted third parties by number or address.
        select, ignore: rule ids or prefixes to run / to skip.
        severity: rule id or prefix -> error | warning | info.
        waivers, baseline: paths of a waivers file and a baseline file.
        history: past logs that give the plan its context.
        profile: an input profile (built-in name or file) every input is read through, for
            source exports (Twilio, Amazon Connect) rather than canonical logs; or several,
            as `PATTERN=PROFILE` for the inputs whose path matches the glob `PATTERN`.
        accounts: the accounts CSV the profile's `join` takes accounts and debtors from.
    """
    given = {
        "rules": rules,
        "column_map": column_map,
        "assume_timezone": assume_timezone,
        "infer_location": infer_location,
        "encoding": encoding,
        "as_of": as_of,
        "max_rejects": max_rejects,
        "show_pii": show_pii,
        "select": select,
        "ignore": ignore,
        "severity": severity,
        "waivers": waivers,
        "baseline": baseline,
        "history": None if history is None else tuple(map(str, history)),
        "profile": None
        if profile is None
        else (profile,)
        if isinstance(profile, str)
        else tuple(profile),
        "accounts": None if accounts is None else str(accounts),
    }
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    opts = dataclasses.replace(options or CheckOptions(), **changes)
    return run_check([str(p) for p in logs], opts)


def validate_options(opts: CheckOptions) -> None:
    """Refuse option values that cannot mean anything (exit code 2)."""
    if opts.assume_timezone is not None and not is_known_zone(opts.assume_timezone):
        raise UsageError(f"--assume-timezone: unknown time zone {opts.assume_timezone!r}")
    if opts.as_of is not None and opts.as_of.tzinfo is None:
        raise UsageError("--as-of needs a UTC offset or Z (a naive time is ambiguous)")
    if opts.max_rejects < 0:
        raise UsageError(f"--max-rejects must be 0 or more, not {opts.max_rejects}")


def settings_of(opts: CheckOptions) -> pipeline.RunSettings:
    """The reporting settings of `opts`, with its waivers and baseline read."""
    return pipeline.RunSettings(
        as_of=opts.as_of,
        show_pii=opts.show_pii,
        waivers=load_waivers(opts.waivers) if opts.waivers else (),
        baseline=load_baseline(opts.baseline) if opts.baseline else frozenset(),
        max_rejects=opts.max_rejects,
        context=context_of(opts),
    )


def context_of(opts: CheckOptions) -> RunContext:
    """The caller's account of the run (`opts.context`), with the digest of every waivers,
    baseline and accounts file the run reads."""
    given = opts.context or RunContext()
    named = {f.path for f in given.files}
    files = [
        FileDigest(role, path, file_sha256(path))
        for role, path in (
            ("waivers", opts.waivers),
            ("baseline", opts.baseline),
            ("accounts", opts.accounts),
        )
        if path is not None and path not in named and Path(path).is_file()
    ]
    return dataclasses.replace(given, files=(*given.files, *files))


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file the run depends on, read in blocks (a log may be gigabytes)."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def reads_text(packs: Sequence[Pack]) -> bool:
    """Whether a rule of `packs` reads message text (else the text, by far the widest
    column, is not read at all)."""
    return any(
        rule.check.reads_text or "body_is" in filter_fields(rule.spec.where, rule.spec.params)
        for pack in packs
        for rule in pack.rules
    )


def run_check(logs: Sequence[str], opts: CheckOptions) -> Report:
    """`check()` with its options resolved."""
    validate_options(opts)
    packs = select_rules(load_packs(opts.rules), opts.select, opts.ignore, opts.severity)
    settings = settings_of(opts)
    role = Role.PLAN if opts.history else Role.LOG
    paths = [*((p, role) for p in logs), *((p, Role.HISTORY) for p in opts.history)]
    with background() as pool:
        if opts.infer_location:  # Python work, done while Polars reads the log
            pool.submit(phone_data)
        raws = read_logs(paths, opts, packs, pool)
        read = ReadOptions(opts.assume_timezone, opts.infer_location)
        events = build_events(raws, read)  # empties `raws`
        return pipeline.run(events, packs, settings)


@contextmanager
def background() -> Iterator[ThreadPoolExecutor]:
    """One worker for the passes over the logs' bytes (digests, line maps), which run while
    the (largely single-threaded) checks run; unfinished work is dropped on the way out."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collectlint-scan")
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def read_logs(
    paths: Sequence[tuple[str, Role]],
    opts: CheckOptions,
    packs: Sequence[Pack],
    pool: ThreadPoolExecutor,
) -> list[RawLog]:
    """Read every log (message text, by far the widest column, only when a rule reads it),
    then start each one's scan in `pool`."""
    skip = frozenset() if reads_text(packs) else frozenset({"body"})
    extra = frozenset().union(*(pack.info.fields for pack in packs))
    raws = _read_all(paths, opts, skip, extra)
    return [launch(raw, pool) for raw in raws]


def _read_all(
    paths: Sequence[tuple[str, Role]],
    opts: CheckOptions,
    skip: frozenset[str],
    extra: frozenset[str],
) -> list[RawLog]:
    """Every input: through its profile (and the accounts file, when the profile joins one),
    or as a canonical log when no profile names it."""
    if not opts.profile:
        if opts.accounts is not None:
            raise UsageError("--accounts needs --profile: only a profile joins an accounts file")
        return [
            read_raw(path, opts.column_map, skip, role, opts.encoding, extra)
            for path, role in paths
        ]
    from collectlint.profiles import read_profiled
    from collectlint.profiles.accounts import read_accounts
    from collectlint.profiles.spec import load_profile

    if opts.column_map:
        raise UsageError("--map and --profile cannot be combined: the profile maps the columns")
    chosen = _profiles_of([p for p, _ in paths], opts.profile)
    profiles = {ref: load_profile(ref) for ref in dict.fromkeys(r for r in chosen if r)}
    joining = [p for p in profiles.values() if p.join is not None]
    if opts.accounts is not None and not joining:
        names = ", ".join(p.name for p in profiles.values())
        raise UsageError(f"--accounts: profile {names} does not join an accounts file")
    # the accounts file read once per key column the joining profiles look numbers up by
    tables = {}
    if opts.accounts is not None:
        for profile in joining:
            key = profile.join.accounts_key if profile.join else ""
            if key not in tables:
                tables[key] = read_accounts(opts.accounts, profile)
    raws = []
    for (path, role), ref in zip(paths, chosen, strict=True):
        if ref is None:
            raws.append(read_raw(path, opts.column_map, skip, role, opts.encoding, extra))
            continue
        profile = profiles[ref]
        accounts = tables.get(profile.join.accounts_key) if profile.join else None
        raws.append(read_profiled(path, profile, accounts, role, skip, extra, opts.encoding))
    return raws


def _profiles_of(paths: Sequence[str], entries: Sequence[str]) -> list[str | None]:
    """The profile each input is read through (None: a canonical log), from `PROFILE` (every
    input) and `PATTERN=PROFILE` entries (the inputs whose path, or file name, matches)."""
    from fnmatch import fnmatchcase

    default = [e for e in entries if "=" not in e]
    if len(default) > 1:
        raise UsageError(
            f"--profile: {', '.join(default)} would each read every input; give one, or "
            "PATTERN=PROFILE for each kind of file"
        )
    rules = [tuple(e.split("=", 1)) for e in entries if "=" in e]
    chosen: list[str | None] = []
    for path in paths:
        name = Path(path).name
        hits = [
            ref
            for pattern, ref in rules
            if fnmatchcase(path, pattern) or fnmatchcase(name, pattern)
        ]
        if len(set(hits)) > 1:
            raise UsageError(f"--profile: {path} matches several patterns ({', '.join(hits)})")
        chosen.append(hits[0] if hits else (default[0] if default else None))
    return chosen

"""`test`, `init`, `config` and `next`: rule authoring, setup, and the pre-send question."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from collectlint.cli.app import app
from collectlint.cli.options import (
    SETTABLE,
    ConfigOpt,
    DataFormat,
    DataFormatOpt,
    MapOpt,
    RulesOpt,
    console,
    parse_instant,
    parse_map,
    parse_set,
    resolve,
    write,
)
from collectlint.errors import UsageError
from collectlint.loading.settings import load_settings
from collectlint.model import NextContact
from collectlint.reporters.safe import printable

if TYPE_CHECKING:
    from collectlint.schedule import Question


def _pack_dirs(folders: list[Path]) -> list[Path]:
    """Pack directories: each folder holding a `pack.yaml`, or the packs inside a folder."""
    dirs: list[Path] = []
    for folder in folders:
        if not folder.exists():
            raise UsageError(f"{folder}: no such file or directory")
        if (folder / "pack.yaml").is_file():
            dirs.append(folder)
            continue
        found = sorted(p.parent for p in folder.glob("*/pack.yaml"))
        if not found:  # a project folder, as `init` makes it: packs/<name>/pack.yaml
            found = sorted(p.parent for p in folder.glob("*/*/pack.yaml"))
        dirs += found
    if not dirs:
        raise UsageError(
            f"no pack.yaml in {', '.join(map(str, folders))} or in the folders directly inside "
            "(give a pack directory, or a folder of packs such as rules/ or packs/)"
        )
    return dirs


@app.command("test")
def test_command(
    pack_dirs: Annotated[
        list[Path], typer.Argument(help="Pack directories, or a folder of packs (e.g. rules/).")
    ],
) -> None:
    """Run the YAML cases beside the rules; a rule without cases is an error."""
    from collectlint.testing import missing_cases, run_pack

    out = console()
    failed = 0
    for folder in _pack_dirs(pack_dirs):
        results = run_pack(folder)
        by_rule: dict[str, list[bool]] = {}
        for result in results:
            by_rule.setdefault(result.case.rule, []).append(result.passed)
            if not result.passed:
                failed += 1
                out.print(
                    f"FAIL {result.case.span} {result.case.name}: {printable(result.explain())}",
                    markup=False,
                )
        for rule, outcomes in sorted(by_rule.items()):
            mark = "ok  " if all(outcomes) else "FAIL"
            out.print(f"{mark} {rule}  {sum(outcomes)}/{len(outcomes)} cases", markup=False)
        for rule in missing_cases(folder):
            failed += 1
            name = rule.split("/", 1)[1]
            out.print(
                f"FAIL {rule}  no cases (add {folder.as_posix()}/cases/{name}.yaml)", markup=False
            )
    out.print("all cases passed" if not failed else f"{failed} failing", markup=False)
    raise typer.Exit(1 if failed else 0)


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="Where to create the files.")] = Path("."),
    extends: Annotated[
        str, typer.Option(help="Built-in pack the custom pack extends.")
    ] = "us-regf",
) -> None:
    """Create collectlint.yaml, a custom pack that extends a built-in one, and its cases."""
    from collectlint.scaffold import scaffold

    for path in scaffold(folder, extends):
        console().print(f"created {path.as_posix()}", markup=False)


@app.command("config")
def config_command(config: ConfigOpt = None) -> None:
    """Print the merged configuration and where each value came from."""
    settings = load_settings(config, {})
    lines = [f"# configuration file: {settings.path or 'none found'}"]
    for key in sorted(settings.values):
        value = json.dumps(settings.values[key], ensure_ascii=False)
        lines.append(f"{key}: {value}  # {settings.sources[key]}")
    write(printable("\n".join(lines), keep_newlines=True) + "\n", None)


MAX_QUESTIONS_BYTES = 64 * 1024 * 1024
"""The largest questions file `next --questions` reads (about half a million questions)."""
QUESTION_FIELDS = frozenset({"account", "at", "party", "channel", "to", "timezone", "debtor"})
"""Keys of a `--questions` line besides the `--set` fields (`options.SETTABLE`)."""


@app.command("next")
def next_command(
    history: Annotated[
        list[str], typer.Option("--history", help="Past contact logs (repeatable).")
    ],
    account: Annotated[str | None, typer.Option("--account", help="The account (debt).")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Earliest instant wanted (ISO-8601 with offset)."),
    ] = None,
    questions: Annotated[
        str | None,
        typer.Option(
            "--questions",
            help="Many questions, one JSON object a line (- for standard input): account, at, "
            "and optionally party, channel, to, timezone, debtor and the --set fields. "
            "Answers are JSON lines, in order; instead of --account and --at.",
        ),
    ] = None,
    party: Annotated[str, typer.Option("--party")] = "debtor",
    channel: Annotated[str, typer.Option("--channel")] = "call",
    to: Annotated[str | None, typer.Option("--to", help="Number or address to contact.")] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            help="Consumer's zone(s), a|b (default: from history); the number and address "
            "place the contact too.",
        ),
    ] = None,
    debtor: Annotated[str | None, typer.Option("--debtor")] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Another field of the contact, FIELD=VALUE (repeatable): number_type=work, "
            "purpose=verification, agency=..., visibility=...",
        ),
    ] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    column_map: MapOpt = None,
    output_format: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Print the earliest instant a contact may be made, and the rules that bind it."""
    from collectlint.schedule import next_contact

    if questions is not None:
        if account is not None or at is not None:
            raise UsageError("--questions cannot be combined with --account or --at")
        if to is not None or timezone is not None or debtor is not None or fields:
            raise UsageError(
                "--questions: give to, timezone, debtor and the --set fields on each line"
            )
        _next_batch(history, questions, rules, config, column_map)
        return
    if account is None or at is None:
        raise UsageError("next needs --account and --at, or --questions FILE")
    options, _ = resolve(config, {"rules": rules, "map": parse_map(column_map or [])})
    moment = parse_instant("--at", at)
    assert moment is not None
    event = {
        "account": account,
        "party": party,
        "channel": channel,
        "to": to or "",
        "timezone": timezone or "",
        "debtor": debtor or "",
        **parse_set(fields or []),
    }
    answer = next_contact(history, event, moment, options=options)
    if output_format is DataFormat.JSON:
        data = _answer_data(answer)
        write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", None)
        return
    binding = sorted({v.rule for v in answer.binding})
    if answer.at is None:
        lines = [f"no allowed instant: {answer.reason}"]
    else:
        lines = [f"next allowed: {answer.local_time}  ({answer.at.astimezone(UTC).isoformat()})"]
    lines += [f"  {v.rule} ({v.citation}): {v.message}" for v in answer.binding]
    if not binding:
        lines.append("  no rule binds it: the requested time is allowed")
    lines += [f"note ({n.severity}): {n.message}" for n in answer.notes]
    write(printable("\n".join(lines), keep_newlines=True) + "\n", None)


def _answer_data(answer: NextContact) -> dict[str, Any]:
    """An answer as `next --format json` writes it (one object; also each `--questions`
    line)."""
    return {
        "requested": answer.requested.isoformat(),
        "next_allowed_at": answer.at.astimezone(UTC).isoformat() if answer.at else None,
        "next_allowed_local": answer.local_time or None,
        "reason": answer.reason or None,
        "binding_rules": sorted({v.rule for v in answer.binding}),
        "findings": [
            {"rule": v.rule, "message": v.message, "citation": v.citation} for v in answer.binding
        ],
        "notes": [
            {"severity": str(n.severity), "code": n.code, "message": n.message}
            for n in answer.notes
        ],
    }


def _next_batch(
    history: list[str],
    source: str,
    rules: list[str] | None,
    config: str | None,
    column_map: list[str] | None,
) -> None:
    """`next --questions`: read the history once, answer every line of `source` in order
    (one JSON answer a line); a line that is not a question is answered with its error, and
    the command then exits 2 once every line is answered.  The batch's notes go to standard
    error."""
    from collectlint.schedule import History, NoAnswer

    options, _ = resolve(config, {"rules": rules, "map": parse_map(column_map or [])})
    parsed = [(line, *_question(text)) for line, text in _question_lines(source)]
    loaded = History.load(history, options=options)
    asked: list[Question] = [q for _, q, _ in parsed if q is not None]
    batch = loaded.answer(asked)
    answers = iter(batch.answers)
    out: list[str] = []
    failed = False
    for line, question, error in parsed:
        account = question[0].get("account") if question else None
        data: dict[str, Any] = {"line": line, "account": account}
        result = next(answers) if question is not None else NoAnswer(error)
        if isinstance(result, NoAnswer):
            failed = True
            data["error"] = result.error
        else:
            data |= _answer_data(result)
        out.append(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    write("".join(f"{text}\n" for text in out), None)
    for note in batch.notes:
        typer.echo(printable(f"note ({note.severity}): {note.message}"), err=True)
    if failed:
        raise typer.Exit(2)


def _question_lines(source: str) -> list[tuple[int, str]]:
    """The non-blank lines of the questions file `source` (`-`: standard input), numbered
    from 1; refused whole when larger than `MAX_QUESTIONS_BYTES` or not UTF-8."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_QUESTIONS_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(MAX_QUESTIONS_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--questions {name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_QUESTIONS_BYTES:
        raise UsageError(f"--questions {name}: larger than {MAX_QUESTIONS_BYTES:,} bytes; split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"--questions {name}: not UTF-8 (byte {exc.start})") from None
    return [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def _question(text: str) -> tuple[Question | None, str]:
    """One `--questions` line as a question, or None and why it is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    if not isinstance(data, dict):
        return None, "expected a JSON object with account and at"
    unknown = sorted(set(data) - QUESTION_FIELDS - set(SETTABLE))
    if unknown:
        known = ", ".join(sorted(QUESTION_FIELDS | set(SETTABLE)))
        return None, f"unknown key(s) {', '.join(map(repr, unknown))} (known: {known})"
    for key, value in sorted(data.items()):
        if not isinstance(value, str):
            return None, f"{key!r} must be a string"
    missing = [k for k in ("account", "at") if k not in data]
    if missing:
        return None, f"missing key(s) {', '.join(map(repr, missing))}"
    try:
        moment = parse_instant("at", data["at"])
    except UsageError as exc:
        return None, str(exc)
    assert moment is not None
    event = {
        "party": "debtor",
        "channel": "call",
        "to": "",
        "timezone": "",
        "debtor": "",
        **{k: v.strip() if k in SETTABLE else v for k, v in data.items() if k != "at"},
    }
    return (event, moment), ""


profile_app = typer.Typer(
    help="Input profiles: how a source export becomes events.", no_args_is_help=True
)
app.add_typer(profile_app, name="profile")


@profile_app.command("list")
def profile_list() -> None:
    """List the built-in input profiles."""
    from collectlint.profiles.spec import builtin_names, load_profile

    lines = []
    for name in builtin_names():
        profile = load_profile(name)
        lines.append(f"{profile.name:<22} {profile.version:<10} {profile.title}")
    write(printable("\n".join(lines), keep_newlines=True) + "\n", None)


@profile_app.command("show")
def profile_show(
    export: Annotated[str, typer.Argument(help="The source export the profile is to read.")],
    profile: Annotated[str, typer.Option("--profile", help="Built-in profile name or file.")],
    output_format: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Every distinct value of every mapped column of EXPORT, its count and what it maps to:
    the table to review and sign off before trusting the profile."""
    from collectlint.profiles.signoff import signoff
    from collectlint.profiles.spec import load_profile

    spec = load_profile(profile)
    rows, excluded, read = signoff(spec, export)
    if output_format is DataFormat.JSON:
        data = {
            "profile": {
                "name": spec.name,
                "version": spec.version,
                "path": spec.path,
                "sha256": spec.sha256,
            },
            "export": export,
            "rows_read": read,
            "excluded": excluded,
            "values": [
                {
                    "field": r.field,
                    "column": r.column,
                    "value": r.value,
                    "count": r.count,
                    "maps_to": r.maps_to,
                }
                for r in rows
            ],
        }
        write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", None)
        return
    lines = [
        f"profile {spec.name} {spec.version} ({spec.path}, sha256 {spec.sha256})",
        f"export {export}: {read} row(s)",
    ]
    for reason, count in sorted(excluded.items()):
        lines.append(f"  left out ({count}): {reason}")
    width = max((len(f"{r.field} <- {r.column}") for r in rows), default=10)
    value_width = max((len(r.value) for r in rows), default=5)
    lines.append("")
    lines.append(f"{'field <- column':<{width}}  {'value':<{value_width}}  {'rows':>8}  maps to")
    for r in rows:
        lines.append(
            f"{r.field + ' <- ' + r.column:<{width}}  {r.value:<{value_width}}  {r.count:>8}  "
            f"{r.maps_to}"
        )
    write(printable("\n".join(lines), keep_newlines=True) + "\n", None)

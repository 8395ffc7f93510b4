"""`test`, `init`, `config` and `next`: rule authoring, setup, and the pre-send question."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from collectlint.cli.app import app
from collectlint.cli.options import (
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
from collectlint.reporters.safe import printable


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


@app.command("next")
def next_command(
    history: Annotated[
        list[str], typer.Option("--history", help="Past contact logs (repeatable).")
    ],
    account: Annotated[str, typer.Option("--account", help="The account (debt).")],
    at: Annotated[
        str, typer.Option("--at", help="Earliest instant wanted (ISO-8601 with offset).")
    ],
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
    binding = sorted({v.rule for v in answer.binding})
    if output_format is DataFormat.JSON:
        data = {
            "requested": answer.requested.isoformat(),
            "next_allowed_at": answer.at.astimezone(UTC).isoformat() if answer.at else None,
            "next_allowed_local": answer.local_time or None,
            "reason": answer.reason or None,
            "binding_rules": binding,
            "findings": [
                {"rule": v.rule, "message": v.message, "citation": v.citation}
                for v in answer.binding
            ],
            "notes": [
                {"severity": str(n.severity), "code": n.code, "message": n.message}
                for n in answer.notes
            ],
        }
        write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", None)
        return
    if answer.at is None:
        lines = [f"no allowed instant: {answer.reason}"]
    else:
        lines = [f"next allowed: {answer.local_time}  ({answer.at.astimezone(UTC).isoformat()})"]
    lines += [f"  {v.rule} ({v.citation}): {v.message}" for v in answer.binding]
    if not binding:
        lines.append("  no rule binds it: the requested time is allowed")
    lines += [f"note ({n.severity}): {n.message}" for n in answer.notes]
    write(printable("\n".join(lines), keep_newlines=True) + "\n", None)


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

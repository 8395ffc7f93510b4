"""Secondary commands: rules, test, init, config, baseline and next.

They share the application object, option types and error handling of `cli.py`; this module only
adds commands to it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from collectlint.api import check, next_contact
from collectlint.cli import (
    AsOfOpt,
    ConfigOpt,
    FormatOpt,
    OutputFormat,
    RulesOpt,
    _fail,
    _parse_as_of,
    _parse_map,
    app,
    resolve,
)
from collectlint.errors import CollectlintError, UsageError
from collectlint.loading.packs import builtin_dir, load_pack
from collectlint.loading.settings import load_settings
from collectlint.scaffold import scaffold
from collectlint.suppress import baseline_document
from collectlint.testing import missing_cases, run_pack

if TYPE_CHECKING:
    from rich.console import Console

rules_app = typer.Typer(
    help="List and explain the rules of the selected packs.", no_args_is_help=True
)
baseline_app = typer.Typer(
    help="Record current findings so only new ones fail.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")
app.add_typer(baseline_app, name="baseline")


def _out() -> Console:
    from rich.console import Console  # imported when a command prints, not for every run

    return Console(highlight=False, soft_wrap=True)


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None, config: ConfigOpt = None, output_format: FormatOpt = OutputFormat.TEXT
) -> None:
    """List every rule: id, kind, severity, citation, verification."""
    try:
        options, _ = resolve(config, {"rules": rules})
        packs = [load_pack(ref) for ref in options.rules]
    except CollectlintError as exc:
        _fail(exc)
        return
    specs = [s for p in packs for s in p.rules]
    if output_format is OutputFormat.JSON:
        data = [
            {
                "id": s.rule_id,
                "kind": s.kind,
                "severity": str(s.severity),
                "citation": s.citation,
                "url": s.url,
                "verification": s.verification,
            }
            for s in specs
        ]
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    table = Table("rule", "kind", "severity", "citation", "verified", box=None)
    for s in specs:
        table.add_row(s.rule_id, s.kind, str(s.severity), s.citation, s.verification)
    _out().print(table)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id such as us-regf/call-volume.")],
    rules: RulesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show a rule's description, citation, link, filter, parameters and cases."""
    try:
        options, _ = resolve(config, {"rules": rules})
        pack_ref = rule_id.split("/", 1)[0]
        refs = [r for r in options.rules if r.rstrip("/").endswith(pack_ref)] or [pack_ref]
        pack = load_pack(refs[0])
    except CollectlintError as exc:
        _fail(exc)
        return
    spec = next((s for s in pack.rules if s.rule_id == rule_id), None)
    if spec is None:
        known = ", ".join(s.rule_id for s in pack.rules)
        _fail(UsageError(f"no rule {rule_id!r} (rules: {known})"))
        return
    out = _out()
    verified = spec.verification or "-"
    out.print(f"[bold]{spec.rule_id}[/]  {spec.kind}  {spec.severity}  verification {verified}")
    out.print(f"citation: {spec.citation}\nlink: {spec.url}\n")
    out.print(spec.description, markup=False)
    out.print(f"\nwhere: {json.dumps(dict(spec.where), ensure_ascii=False)}", markup=False)
    out.print(
        f"params: {json.dumps(dict(spec.params), ensure_ascii=False, indent=2)}", markup=False
    )
    out.print(f"message: {spec.message}", markup=False)
    cases = pack.directory / "cases" / f"{rule_id.split('/', 1)[1]}.yaml"
    if cases.is_file():
        out.print(f"\nexamples: {cases.as_posix()}", markup=False)


@app.command("test")
def test_command(
    pack_dirs: Annotated[
        list[Path], typer.Argument(help="Pack directories, or a folder of packs (e.g. rules/).")
    ],
) -> None:
    """Run the YAML cases beside the rules; a rule without cases is an error."""
    dirs = []
    for folder in pack_dirs:
        dirs += (
            [folder]
            if (folder / "pack.yaml").is_file()
            else sorted(p.parent for p in folder.glob("*/pack.yaml"))
        )
    if not dirs:
        _fail(UsageError(f"no pack.yaml in {', '.join(map(str, pack_dirs))}"))
    out = _out()
    failed = 0
    try:
        for folder in dirs:
            results = run_pack(folder)
            by_rule: dict[str, list[bool]] = {}
            for result in results:
                by_rule.setdefault(result.case.rule, []).append(result.passed)
                if not result.passed:
                    failed += 1
                    out.print(
                        f"[red]FAIL[/] {result.case.span} {result.case.name}: {result.explain()}",
                        markup=True,
                    )
            for rule, outcomes in sorted(by_rule.items()):
                mark = "[green]ok[/]  " if all(outcomes) else "[red]FAIL[/]"
                out.print(f"{mark} {rule}  {sum(outcomes)}/{len(outcomes)} cases")
            for rule in missing_cases(folder):
                failed += 1
                name = rule.split("/", 1)[1]
                out.print(
                    f"[red]FAIL[/] {rule}  no cases (add {folder.as_posix()}/cases/{name}.yaml)"
                )
    except CollectlintError as exc:
        _fail(exc)
    out.print(f"{'all cases passed' if not failed else f'{failed} failing'}")
    raise typer.Exit(1 if failed else 0)


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="Where to create the files.")] = Path("."),
    extends: Annotated[
        str, typer.Option(help="Built-in pack the custom pack extends.")
    ] = "us-regf",
) -> None:
    """Create collectlint.yaml, a custom pack that extends a built-in one, and its cases."""
    try:
        created = scaffold(folder, extends)
    except CollectlintError as exc:
        _fail(exc)
        return
    for path in created:
        _out().print(f"created {path.as_posix()}", markup=False)


@app.command("config")
def config_command(config: ConfigOpt = None) -> None:
    """Print the merged configuration and where each value came from."""
    try:
        settings = load_settings(config, {})
    except CollectlintError as exc:
        _fail(exc)
        return
    out = _out()
    out.print(f"# configuration file: {settings.path or 'none found'}", markup=False)
    for key in sorted(settings.values):
        value = json.dumps(settings.values[key], ensure_ascii=False)
        out.print(f"{key}: {value}  # {settings.sources[key]}", markup=False)


@baseline_app.command("create")
def baseline_create(
    logs: Annotated[
        list[str], typer.Argument(help="Contact logs whose current findings to record.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        ".collectlint-baseline.json"
    ),
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    column_map: Annotated[list[str] | None, typer.Option("--map", help="FIELD=COLUMN,...")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Write the fingerprints of the current findings (rule, account, person, event)."""
    try:
        options, _ = resolve(config, {"rules": rules, "map": _parse_map(column_map or [])})
        report = check(logs, options, as_of=_parse_as_of(as_of), baseline=None, waivers=None)
    except CollectlintError as exc:
        _fail(exc)
        return
    output.write_text(baseline_document(report), encoding="utf-8")
    _out().print(f"recorded {len(report.violations)} findings in {output.as_posix()}", markup=False)


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
        typer.Option("--timezone", help="Consumer's zone(s), a|b (default: from history)."),
    ] = None,
    debtor: Annotated[str | None, typer.Option("--debtor")] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    output_format: FormatOpt = OutputFormat.TEXT,
) -> None:
    """Print the earliest instant a contact may be made, and the rules that bind it."""
    try:
        options, _ = resolve(config, {"rules": rules})
        moment = _parse_as_of(at)
        assert moment is not None
        event = {
            "account": account,
            "party": party,
            "channel": channel,
            "to": to or "",
            "timezone": timezone or "",
            "debtor": debtor or "",
        }
        answer = next_contact(history, event, moment, options)
    except CollectlintError as exc:
        _fail(exc)
        return
    binding = sorted({v.rule for v in answer.binding})
    if output_format is OutputFormat.JSON:
        data = {
            "requested": answer.requested.isoformat(),
            "next_allowed_at": answer.at.isoformat(),
            "next_allowed_local": answer.local_time,
            "binding_rules": binding,
            "findings": [
                {"rule": v.rule, "message": v.message, "citation": v.citation}
                for v in answer.binding
            ],
        }
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return
    out = _out()
    out.print(f"next allowed: {answer.local_time}  ({answer.at.isoformat()})", markup=False)
    for v in answer.binding:
        out.print(f"  {v.rule} ({v.citation}): {v.message}", markup=False)
    if not binding:
        out.print("  no timing rule binds it: the requested time is allowed", markup=False)


__all__ = ["builtin_dir"]

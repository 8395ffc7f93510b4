"""`rules list` and `rules show`: what the selected packs check, and on what authority."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

import typer

from collectlint.api import load_packs
from collectlint.cli.app import app
from collectlint.cli.options import (
    ConfigOpt,
    DataFormat,
    DataFormatOpt,
    ListFormat,
    RulesOpt,
    console,
    resolve,
    write,
)
from collectlint.errors import UsageError
from collectlint.loading.packs import Pack
from collectlint.model import RuleSpec, thaw
from collectlint.reporters.csv_report import guard
from collectlint.reporters.safe import printable

rules_app = typer.Typer(
    help="List and explain the rules of the selected packs.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")

_FIELDS = ("id", "kind", "severity", "citation", "url", "verification", "in_force")


def _row(s: RuleSpec) -> dict[str, str]:
    return {
        "id": s.rule_id,
        "kind": s.kind,
        "severity": str(s.severity),
        "citation": s.citation,
        "url": s.url,
        "verification": s.verification,
        "in_force": s.in_force,
    }


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.TEXT,
) -> None:
    """List every rule: id, kind, severity, citation, verification."""
    options, _ = resolve(config, {"rules": rules})
    specs = [r.spec for p in load_packs(options.rules) for r in p.rules]
    if output_format is ListFormat.JSON:
        data = [_row(s) for s in specs]
        write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", None)
        return
    if output_format is ListFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(_FIELDS)
        writer.writerows([guard(_row(s)[f]) for f in _FIELDS] for s in specs)
        write(buffer.getvalue(), None)
        return
    from rich.table import Table

    table = Table("rule", "kind", "severity", "citation", "verified", "in force", box=None)
    for s in specs:
        table.add_row(
            s.rule_id,
            s.kind,
            str(s.severity),
            printable(s.citation),
            s.verification or "-",
            s.in_force,
        )
    console().print(table)


def _find(rule_id: str, refs: tuple[str, ...]) -> tuple[Pack, RuleSpec]:
    """The pack and rule named `rule_id`, among the selected packs or the built-in ones."""
    pack_name = rule_id.split("/", 1)[0]
    packs = list(load_packs(refs))
    if not any(p.info.name == pack_name for p in packs):
        packs += list(load_packs([pack_name]))
    for pack in packs:
        for rule in pack.rules:
            if rule.id == rule_id:
                return pack, rule.spec
    known = ", ".join(r.id for p in packs for r in p.rules)
    raise UsageError(f"no rule {rule_id!r} (rules: {known})")


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id such as us-regf/call-volume.")],
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    output_format: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Show a rule's description, citation, link, filter, parameters and cases."""
    options, _ = resolve(config, {"rules": rules})
    pack, spec = _find(rule_id, options.rules)
    cases = pack.directory / "cases" / f"{rule_id.split('/', 1)[1]}.yaml"
    if output_format is DataFormat.JSON:
        data = {
            **_row(spec),
            "description": spec.description,
            "message": spec.message,
            "where": thaw(spec.where),
            "params": thaw(spec.params),
            "cases": cases.as_posix() if cases.is_file() else None,
        }
        write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", None)
        return
    lines = [
        f"{spec.rule_id}  {spec.kind}  {spec.severity}  verification {spec.verification or '-'}",
        f"in force: {spec.in_force}",
        f"citation: {spec.citation}",
        f"link: {spec.url}",
        "",
        spec.description,
        "",
        f"where: {json.dumps(thaw(spec.where), ensure_ascii=False)}",
        f"params: {json.dumps(thaw(spec.params), ensure_ascii=False, indent=2)}",
        f"message: {spec.message}",
    ]
    if cases.is_file():
        lines += ["", f"examples: {cases.as_posix()}"]
    write(printable("\n".join(lines), keep_newlines=True) + "\n", None)

"""Choose which rules run (`--select`, `--ignore`) and at what severity (`--severity`).

A selector is a full rule id (`us-regf/call-volume`) or a prefix ending at a `/` or `-`
boundary (`us-regf`, `us-regf/`, `cn-consumer-credit/quiet`).  A selector that matches no loaded
rule is a usage error, so a typo cannot silently turn a rule off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from collectlint.errors import UsageError
from collectlint.loading.packs import Pack
from collectlint.model import Severity


def matches(selector: str, rule_id: str) -> bool:
    """Whether `selector` names `rule_id` or a prefix of it."""
    selector = selector.rstrip("/")
    return rule_id == selector or (
        rule_id.startswith(selector)
        and (rule_id[len(selector)] in "/-" or selector.endswith(("-", "/")))
    )


def _check_known(option: str, selectors: Sequence[str], ids: Sequence[str]) -> None:
    for selector in selectors:
        if not any(matches(selector, rule_id) for rule_id in ids):
            raise UsageError(f"{option} {selector!r} matches no rule (rules: {', '.join(ids)})")


def select_rules(
    packs: Sequence[Pack],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    severity: Mapping[str, str] | None = None,
) -> tuple[Pack, ...]:
    """The packs with only the selected rules, at their overridden severities.

    The most specific `severity` selector wins (a rule id beats its pack's name).
    """
    ids = [r.id for p in packs for r in p.rules]
    _check_known("--select", select, ids)
    _check_known("--ignore", ignore, ids)
    overrides = dict(severity or {})
    _check_known("--severity", list(overrides), ids)
    out = []
    for pack in packs:
        rules = []
        for rule in pack.rules:
            if select and not any(matches(s, rule.id) for s in select):
                continue
            if any(matches(s, rule.id) for s in ignore):
                continue
            chosen = [s for s in overrides if matches(s, rule.id)]
            if chosen:
                level = Severity.parse(overrides[max(chosen, key=len)])
                rule = dataclasses.replace(
                    rule, spec=dataclasses.replace(rule.spec, severity=level)
                )
            rules.append(rule)
        out.append(dataclasses.replace(pack, rules=tuple(rules)))
    return tuple(out)

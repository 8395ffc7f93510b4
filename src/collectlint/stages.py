"""Which events must be checked together: the shuffle keys of a distributed run.

A rule judges an event from the events of its groups (`key:` — the account, the debtor, the
person contacted, the number — and each exemption's own key).  A log split into parts by one
column gives every part whole groups of a rule exactly when that column is in every one of
the rule's keys; a rule without keys judges each event alone and can run anywhere.  So a run
split across machines needs, per rule, a column in all its keys, and one shuffle per column
chosen: `plan` picks few columns that cover every rule.  A rule that no one column covers
(its own key and an exemption's share no column) is put in a stage of its own that keeps the
whole log together, which is exact but not parallel; the plan says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collectlint.kinds.base import KEY_COLUMNS, Rule
from collectlint.loading.packs import Pack

PREFERENCE = ("debtor", "account", "person", "to", "channel")
"""Shuffle columns in the order a tie is broken: the debtor first, since the built-in limits
count per consumer, and a consumer's contacts are what one partition should hold."""
WHOLE = ""
"""The column of a stage that keeps the whole log in one part."""
EXEMPTION_KEY = ("account",)
"""The key of an exemption that names none (see `kinds.exemptions`)."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One shuffle: the key field the events are split by (`WHOLE`: not split) and the ids
    of the rules checked on its parts."""

    field: str
    rules: frozenset[str]

    @property
    def column(self) -> str:
        """The event column the parts are split by."""
        return KEY_COLUMNS[self.field] if self.field else WHOLE


def _keys(value: Any, inside: str = "") -> Iterator[tuple[str, ...]]:
    """Every key a rule's parameters name, and the default key of each exemption that names
    none."""
    if isinstance(value, Mapping):
        if inside == "exempt" and "key" not in value:
            yield EXEMPTION_KEY
        for name, item in value.items():
            if name == "key" and isinstance(item, Sequence) and not isinstance(item, str):
                yield tuple(str(f) for f in item)
            else:
                yield from _keys(item, str(name))
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            yield from _keys(item, inside)


def key_sets(rule: Rule) -> tuple[tuple[str, ...], ...]:
    """The keys `rule` groups events by (none: it judges each event alone)."""
    return tuple(dict.fromkeys(_keys(rule.spec.params)))


def plan(packs: Sequence[Pack]) -> tuple[Stage, ...]:
    """Few stages that together check every rule of `packs` on whole groups.

    Greedy: the column that covers most of the rules not yet placed (ties by `PREFERENCE`),
    until every rule with keys is placed; rules without keys join the first stage.
    """
    rules = [rule for pack in packs for rule in pack.rules]
    keyed = {r.id: key_sets(r) for r in rules}
    free = [rid for rid, sets in keyed.items() if not sets]
    left = {rid: sets for rid, sets in keyed.items() if sets}
    stages: list[Stage] = []
    while left:
        cover = {
            field: [rid for rid, sets in left.items() if all(field in s for s in sets)]
            for field in PREFERENCE
        }
        best = max(PREFERENCE, key=lambda f: (len(cover[f]), -PREFERENCE.index(f)))
        if not cover[best]:
            break
        stages.append(Stage(best, frozenset(cover[best])))
        for rid in cover[best]:
            del left[rid]
    if left:
        stages.append(Stage(WHOLE, frozenset(left)))
    if not stages:
        return (Stage(PREFERENCE[0], frozenset(free)),)
    first = stages[0]
    return (Stage(first.field, first.rules | set(free)), *stages[1:])

"""Kind `cooldown`: after a trigger event, matching events are forbidden for N calendar days.

The trigger's local date is day 1, so with `calendar_days: 7` a trigger on Monday forbids
matching events of the same key through Sunday; the next Monday is allowed.  Only triggers
strictly earlier than the event count (a trigger at the same instant did not come first).
Evidence lists the triggers whose period covers the event.

Example rule::

    id: call-after-conversation
    kind: cooldown
    where: {kind: contact, direction: outbound, channel: call}
    params:
      key: [account, person]
      trigger: {kind: contact, channel: call, outcome: conversation}
      calendar_days: 7
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectlint.kinds import exemptions
from collectlint.kinds.base import EvalContext, findings_frame
from collectlint.kinds.frequency import KEY_FIELDS
from collectlint.kinds.windows import Window, in_window
from collectlint.model import RuleSpec

PARAMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["key", "trigger", "calendar_days"],
    "properties": {
        "key": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": KEY_FIELDS}},
        "trigger": {"type": "object"},
        "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
        "exempt": exemptions.SCHEMA,
    },
}


@dataclass(frozen=True, slots=True)
class Cooldown:
    """A compiled `cooldown` rule."""

    spec: RuleSpec
    keys: tuple[str, ...]
    trigger: Mapping[str, Any]
    days: int
    exempt: tuple[exemptions.Exemption, ...]

    @classmethod
    def compile(cls, spec: RuleSpec) -> Cooldown:
        """Build from a validated spec."""
        params = spec.params
        return cls(
            spec,
            tuple(params["key"]),
            params["trigger"],
            int(params["calendar_days"]),
            exemptions.Exemption.parse_all(params.get("exempt")),
        )

    def template_values(self) -> Mapping[str, str]:
        """`{days}` for messages."""
        return {"days": str(self.days)}

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag matching events that fall inside a trigger's cool-down period."""
        matching = exemptions.counted_mask(ctx, self.keys, self.spec.where, self.exempt)
        triggers = ctx.where(self.trigger)
        window = Window(days=self.days, strict=True)
        found = in_window(ctx, self.keys, triggers, matching, window, at_least=1)
        return findings_frame(ctx.attach(found, "zone", "local"))

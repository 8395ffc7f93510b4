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
from typing import Any, ClassVar

import polars as pl

from collectlint.inputs.clock import US_PER_DAY
from collectlint.kinds import exemptions, scenarios
from collectlint.kinds.base import KEY_SCHEMA, EvalContext, Filter, in_own_zone
from collectlint.kinds.windows import Window, in_window


@dataclass(frozen=True, slots=True)
class Cooldown:
    """A compiled `cooldown` rule."""

    name: ClassVar[str] = "cooldown"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = True
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "trigger", "calendar_days"],
        "properties": {
            "key": KEY_SCHEMA,
            "trigger": {"type": "object"},
            "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
            "exempt": exemptions.SCHEMA,
        },
    }

    where: Filter
    keys: tuple[str, ...]
    trigger: Filter
    days: int
    exempt: tuple[exemptions.Exemption, ...]

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Cooldown:
        """Build from validated params."""
        return cls(
            where,
            tuple(params["key"]),
            Filter.parse(params["trigger"]),
            int(params["calendar_days"]),
            exemptions.Exemption.parse_all(params.get("exempt")),
        )

    @property
    def reach_us(self) -> int:
        """The quiet days (local calendar days reach a day further in UTC) plus the
        exemptions'."""
        return (self.days + 1) * US_PER_DAY + exemptions.reach_us(self.exempt)

    def constants(self) -> Mapping[str, str]:
        """`{days}` for messages."""
        return {"days": str(self.days)}

    def verify(self) -> None:
        """Nothing to check beyond the schema."""

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag matching events that fall inside a trigger's cool-down period."""
        keys = ctx.keys(self.keys)
        matching = exemptions.counted_mask(ctx, keys, self.where, self.exempt)
        triggers = ctx.where(self.trigger)
        window = Window(days=self.days, strict=True)
        return in_own_zone(ctx, in_window(ctx, keys, triggers, matching, window, at_least=1))

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """The earliest instant at which no earlier trigger's period covers the contact (and,
        if the contact is itself a trigger, its period covers no later matching event)."""
        involved = ctx.where(self.where) | ctx.where(self.trigger)
        breaks = scenarios.calendar(
            self.days, [ex.days for ex in self.exempt if ex.days is not None]
        )
        never = "no instant after the related events is allowed"
        keys = ctx.keys(self.keys)
        return scenarios.answer(ctx, planned, involved, keys, breaks, self.evaluate, never)

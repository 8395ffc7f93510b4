"""Kind `frequency`: at most `limit` matching events per key within a window.

The window is either N calendar days in the consumer's local zone (the event's own date being
the last day) or a rolling duration.  Every event that makes the count exceed the limit is a
finding: the count includes the event itself and every earlier or simultaneous matching event of
the same key in the window (simultaneous events count each other, because neither came first).
Evidence lists the ids in the window.

Example rule::

    id: call-volume
    kind: frequency
    where: {kind: contact, direction: outbound, channel: call}
    params:
      key: [account, person]
      limit: 7
      window: {calendar_days: 7}
      exempt:
        - {after: {kind: consent}, until: {kind: consent_revoked}, calendar_days: 7}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectlint.kinds import exemptions
from collectlint.kinds.base import EvalContext, findings_frame
from collectlint.kinds.durations import parse_duration_us
from collectlint.kinds.windows import Window, in_window
from collectlint.model import RuleSpec

KEY_FIELDS = ["account", "debtor", "person", "to", "channel"]

PARAMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["key", "limit", "window"],
    "properties": {
        "key": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": KEY_FIELDS}},
        "limit": {"type": "integer", "minimum": 0},
        "window": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "calendar_days": {"type": "integer", "minimum": 1, "maximum": 3660},
                "duration": {
                    "type": "string",
                    "pattern": r"^\d+(s|m|h|d)$",
                    "description": "a duration such as 90m, 24h or 7d",
                },
            },
        },
        "exempt": exemptions.SCHEMA,
    },
}


@dataclass(frozen=True, slots=True)
class Frequency:
    """A compiled `frequency` rule."""

    spec: RuleSpec
    keys: tuple[str, ...]
    limit: int
    window: Window
    exempt: tuple[exemptions.Exemption, ...]

    @classmethod
    def compile(cls, spec: RuleSpec) -> Frequency:
        """Build from a validated spec."""
        params = spec.params
        win = params["window"]
        window = (
            Window(days=int(win["calendar_days"]))
            if "calendar_days" in win
            else Window(duration_us=parse_duration_us(win["duration"]))
        )
        return cls(
            spec,
            tuple(params["key"]),
            int(params["limit"]),
            window,
            exemptions.Exemption.parse_all(params.get("exempt")),
        )

    def template_values(self) -> Mapping[str, str]:
        """`{limit}` and `{window}` for messages."""
        if self.window.days is not None:
            text = f"{self.window.days} calendar days"
        else:
            text = self.spec.params["window"]["duration"]
        return {"limit": str(self.limit), "window": text}

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag every matching event whose window holds more than `limit` events."""
        counted = exemptions.counted_mask(ctx, self.keys, self.spec.where, self.exempt)
        found = in_window(ctx, self.keys, counted, counted, self.window, self.limit + 1)
        return findings_frame(ctx.attach(found, "zone", "local"))

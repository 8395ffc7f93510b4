"""The reviewed set of rule kinds.  Rules are data (YAML); kinds are this code.

`KINDS` maps each kind's name to its class; a class carries its name, the JSON Schema of its
`params:`, and `compile`.  Adding a kind means adding one module here (with its cases beside a
rule that uses it) and listing its class below; nothing else in collectlint changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from collectlint.kinds.base import KindClass
from collectlint.kinds.cooldown import Cooldown
from collectlint.kinds.forbidden import Forbidden
from collectlint.kinds.frequency import Frequency
from collectlint.kinds.hours import Hours
from collectlint.kinds.prerequisite import Prerequisite
from collectlint.kinds.state import State
from collectlint.kinds.wording import Wording

KINDS: Mapping[str, KindClass] = {
    kind.name: kind
    for kind in (Cooldown, Forbidden, Frequency, Hours, Prerequisite, State, Wording)
}

"""Names of the event table's internal columns, declared once.

The canonical columns a log may carry (`id`, `time`, `account`, ...) are listed in
`vocabulary.COLUMNS`.  Everything the readers, the engine and the kinds derive from them has a
leading underscore, so no column of a user's log can collide with one.
"""

from __future__ import annotations

# derived from the canonical columns
TS = "_ts"
"""The event's instant, UTC microseconds since the epoch (null when the time is unreadable)."""
ZONE = "_zone"
"""The primary (first) candidate zone of `timezone`; a pack's default zone fills it in."""
ZONE_FROM = "_zone_from"
"""Each candidate zone and the signals that gave it (`America/New_York from timezone, zip;
America/Chicago from phone`), null when no signal gave one (see `inputs.location`)."""
JURISDICTION_FROM = "_jurisdiction_from"
"""The jurisdiction and the signal that gave it (`US-MA from zip`)."""
NO_ZONE = "_no_zone"
"""Why no signal gave a zone (null when one did)."""
LOCATED = (ZONE_FROM, JURISDICTION_FROM, NO_ZONE)
"""The columns `inputs.location` adds."""
PERSON = "_person"
"""Who was contacted: the debtor for `party: debtor`, else the `to` value."""
LOCAL = "_local"
"""Local wall-clock microseconds in `ZONE` (set per pack, because defaults differ)."""
DAY = "_day"
"""The local calendar day number (`LOCAL` // one day)."""
NORM = "_norm"
"""The normalised message text wording rules match against (see `text.normalise`)."""

# where a row came from
SOURCE = "_src"
"""Index of the row's input in `EventTable.sources`."""
ROW = "_row"
"""1-based record number within its input (the header is not a record)."""
LINE = "_line"
"""Physical line where the record starts (0 for formats without lines)."""
SCOPE = "_scope"
"""An isolation group: events in different scopes never count together (test cases,
hypothetical schedules).  Absent from ordinary runs."""
DUPLICATE = "_duplicate"
"""True on a row whose id occurs elsewhere in the whole log, when only part of the log is read
here (a partition of a Spark job); absent otherwise."""

# validation and routing
REASON = "_reason"
"""Why a row cannot be checked (null for a checkable row)."""
CODE = "_code"
"""The kind of problem behind `REASON`, for grouping rejected rows."""
IDX = "_idx"
"""The row's position in the whole event table."""
PACKS = "_packs"
"""How many selected packs check the row."""
ROUTE = "_route"
"""Prefix of the per-pack routing flags."""

# a kind's findings frame (see `kinds.base.FINDING_SCHEMA`); IDX names the flagged event
EVIDENCE = "_evidence"
"""Ids of the events that make the finding (the counted calls, the conversation, itself)."""
COUNT = "_count"
"""The count that crossed a limit, if any."""
JUDGED_ZONE = "_judged_zone"
"""The zone the finding was judged in (for hours, the first candidate zone that objects)."""
JUDGED_LOCAL = "_judged_local"
"""Local wall-clock microseconds in `JUDGED_ZONE`."""
CATEGORY = "_category"
QUOTE = "_quote"
START = "_start"
END = "_end"
RULE = "_rule"

# a `next_allowed` answer (see `kinds.base.NEXT_SCHEMA`); IDX names the planned event
AT = "_at"
"""An instant (UTC µs): the one asked about, or the earliest one allowed (null: none)."""
UNTIL = "_until"
"""The last instant (UTC µs) a search for an allowed one looks at."""
WHY = "_why"
"""Why no instant is allowed (null when one is)."""
FOR = "_for"
"""In a findings frame: the planned event a finding on a logged event is reported for."""

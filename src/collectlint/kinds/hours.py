"""Kind `hours`: contacts must fall inside an allowed local-time window.

The window is half-open, `[start, end)`: with `start: "08:00"` and `end: "21:00"`, 08:00:00 is
allowed and 21:00:00 is not.  When an event lists several candidate zones (the consumer may be
in any of them) it is checked in **every** zone and is a finding if it is outside the window in
any; the finding reports the first such zone.  `days` can give a weekday its own window, or
`null` to forbid contact on that day.  A window whose end is before its start wraps midnight
(e.g. start 08:00, end 02:00 allows late evenings).  `zone:` names one fixed IANA zone to
judge every event in instead of the consumer's zones: Massachusetts measures calls to a
debtor's household members in Eastern time (940 CMR 7.05(3)(e)).

`holidays:` closes the window all day on a calendar's holidays (`calendar:` a built-in
calendar, see `collectlint.calendars`; `only:` some of them by name), and gives the calendar's
extra working days (China's 调休 weekend days) the default `start`-`end` window.  On a day of a
year whose dates the calendar does not know officially, an event is flagged only if it is
outside the window whether or not the day is a holiday or a working day; otherwise it is not
judged (counted, never passed).

`exempt:` lists exemptions, each opened by an account event of its own key (`key:`, the
account by default) and lasting `calendar_days` or, without it, until a closer: the exceptions
of 12 CFR 1006.6(b)(4) (the consumer's direct prior consent, a court's express permission).
An exempt event is not judged; for a planned contact the exemption is judged at the asked
instant.

Example rule::

    id: inconvenient-time
    kind: hours
    where: {kind: contact, direction: outbound, channel: {not: letter}}
    params: {start: "08:00", end: "21:00"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any, ClassVar

import polars as pl

from collectlint import columns as C
from collectlint.calendars import from_epoch, load_calendar
from collectlint.inputs.clock import (
    US_PER_DAY,
    US_PER_SECOND,
    is_known_zone,
    local_us,
    offset_changes,
    utc_of_local,
)
from collectlint.kinds import exemptions
from collectlint.kinds.base import (
    NEXT_SCHEMA,
    EvalContext,
    Filter,
    ParamError,
    check_calendar,
    findings_frame,
    no_change,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = {
    "type": "string",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$|^24:00$",
    "description": 'a quoted local time such as "08:00" or "24:00"',
}
_SPAN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["start", "end"],
    "properties": {"start": _CLOCK, "end": _CLOCK},
}
HORIZON_DAYS = 400
"""How far the search for an instant every candidate zone allows goes: a year and more, so
every combination of the zones' daylight-saving offsets has come round."""

Span = tuple[int, int] | None
"""An allowed [start, end) in µs after local midnight, or None: no contact that day."""


@dataclass(frozen=True, slots=True)
class Special:
    """A calendar's days over some span, as epoch days: holidays the rule closes on, extra
    working days, and days of provisional years."""

    closed: tuple[int, ...]
    open: tuple[int, ...]
    unknown: tuple[int, ...]


def _clock_us(text: str) -> int:
    if text == "24:00":
        return US_PER_DAY
    parsed = time.fromisoformat(text)
    return ((parsed.hour * 60 + parsed.minute) * 60 + parsed.second) * US_PER_SECOND


@dataclass(frozen=True, slots=True)
class Hours:
    """A compiled `hours` rule: allowed [start, end) per weekday (None = no contact)."""

    name: ClassVar[str] = "hours"
    reads_text: ClassVar[bool] = False
    needs_local_time: ClassVar[bool] = True
    params_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["start", "end"],
        "properties": {
            "start": _CLOCK,
            "end": _CLOCK,
            "zones": {"enum": ["all", "primary"]},
            "zone": {
                "type": "string",
                "minLength": 1,
                "description": "an IANA zone every event is judged in, e.g. America/New_York",
            },
            "days": {
                "type": "object",
                "additionalProperties": False,
                "properties": {d: {"anyOf": [_SPAN, {"type": "null"}]} for d in WEEKDAYS},
            },
            "exempt": exemptions.schema(standalone=True),
            "holidays": {
                "type": "object",
                "additionalProperties": False,
                "required": ["calendar"],
                "properties": {
                    "calendar": {"type": "string", "minLength": 1},
                    "only": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "minLength": 1},
                    },
                },
            },
        },
    }

    where: Filter
    windows: tuple[Span, ...]
    all_zones: bool
    start_text: str
    end_text: str
    exempt: tuple[exemptions.Exemption, ...] = ()
    fixed_zone: str | None = None
    calendar: str | None = None
    only: tuple[str, ...] = ()

    @classmethod
    def compile(cls, params: Mapping[str, Any], where: Filter) -> Hours:
        """Build from validated params."""
        default = (_clock_us(params["start"]), _clock_us(params["end"]))
        overrides = params.get("days") or {}
        windows: list[Span] = []
        for day in WEEKDAYS:
            if day not in overrides:
                windows.append(default)
            elif overrides[day] is None:
                windows.append(None)
            else:
                windows.append(
                    (_clock_us(overrides[day]["start"]), _clock_us(overrides[day]["end"]))
                )
        return cls(
            where,
            tuple(windows),
            params.get("zones", "all") == "all",
            str(params["start"]),
            str(params["end"]),
            exemptions.Exemption.parse_all(params.get("exempt")),
            params.get("zone"),
            (params.get("holidays") or {}).get("calendar"),
            tuple((params.get("holidays") or {}).get("only", ())),
        )

    reach_us: ClassVar[int] = 0
    """An event's own local time is all the rule looks at."""

    def constants(self) -> Mapping[str, str]:
        """`{start}` and `{end}` for messages."""
        return {"start": self.start_text, "end": self.end_text}

    def outside_expr(self, local: pl.Expr, special: Special | None = None) -> pl.Expr:
        """True where a local wall-clock time (µs) is outside its day's window: its weekday's,
        or on the calendar's `special` days a holiday's (closed) or a working day's (the
        default).  On a provisional day, true only where both readings are outside."""
        tod = local % US_PER_DAY
        if len(set(self.windows)) == 1:  # the same window every day: no weekday needed
            expr = _outside_window(tod, self.windows[0])
        else:
            weekday = (local // US_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday (index 3)
            expr = pl.lit(True)
            for index in reversed(range(7)):
                outside = _outside_window(tod, self.windows[index])
                expr = pl.when(weekday == index).then(outside).otherwise(expr)
        if special is None:
            return expr
        day = local // US_PER_DAY
        default = _outside_window(tod, self.default_window)
        return (
            pl.when(day.is_in(special.closed))
            .then(True)
            .when(day.is_in(special.open))
            .then(default)
            .when(day.is_in(special.unknown))
            .then(default & expr)
            .otherwise(expr)
        )

    @property
    def default_window(self) -> Span:
        """The `start`-`end` window (the one a calendar's extra working day takes)."""
        return (_clock_us(self.start_text), _clock_us(self.end_text))

    def special(self, local: pl.Series) -> Special | None:
        """The calendar's special days over the local times `local` (µs), or None without a
        calendar."""
        if self.calendar is None or local.is_empty():
            return None
        low, high = local.min(), local.max()
        if not isinstance(low, int) or not isinstance(high, int):
            return None
        first = from_epoch(low // US_PER_DAY - 1)
        last = from_epoch(high // US_PER_DAY + 1)
        days = load_calendar(self.calendar).special_days(first, last)
        holidays = days.filter(pl.col("holiday").is_not_null())
        if self.only:
            holidays = holidays.filter(pl.col("holiday").is_in(list(self.only)))
        return Special(
            closed=tuple(holidays["day"].to_list()),
            open=tuple(days.filter("workday")["day"].to_list()),
            unknown=tuple(days.filter("provisional")["day"].to_list()),
        )

    def not_judged(self, ctx: EvalContext) -> pl.DataFrame:
        """The judged events on days of a year the calendar does not know officially whose
        verdict depends on what the day is (see the module docstring)."""
        empty = pl.DataFrame({C.IDX: []}, schema={C.IDX: pl.Int64})
        local = ctx.events[C.LOCAL] if self.fixed_zone is None else None
        if self.calendar is None or local is None:
            return empty
        special = self.special(local.drop_nulls())
        if special is None or not special.unknown:
            return empty
        day = pl.col(C.LOCAL) // US_PER_DAY
        unsure = day.is_in(special.unknown) & ~self.outside_expr(pl.col(C.LOCAL), special)
        return ctx.events.filter(self._judged(ctx)).filter(unsure).select(C.IDX)

    def verify(self) -> None:
        """A fixed `zone` must be a zone the time-zone database knows, and a calendar one
        that ships with collectlint."""
        if self.fixed_zone is not None and not is_known_zone(self.fixed_zone):
            raise ParamError(
                f"unknown time zone {self.fixed_zone!r} (an IANA name such as America/New_York)",
                ("zone",),
            )
        check_calendar(self.calendar, ("holidays", "calendar"))

    def evaluate(self, ctx: EvalContext) -> pl.DataFrame:
        """Flag matching events outside the window in any (or the primary) candidate zone, or
        in the rule's fixed zone."""
        mask = self._judged(ctx)
        if self.fixed_zone is not None:
            rows = ctx.events.filter(mask).select(C.IDX, C.TS)
            zone = pl.repeat(self.fixed_zone, rows.height, dtype=pl.String, eager=True)
            local = local_us(rows[C.TS], zone)
            outside = self.outside_expr(pl.col(C.LOCAL), self.special(local))
            rows = rows.with_columns(zone.alias(C.ZONE), local.alias(C.LOCAL)).filter(outside)
            return _with_own_id(ctx, rows.select(C.IDX, C.ZONE, C.LOCAL))
        outside = self.outside_expr(pl.col(C.LOCAL), self.special(ctx.events[C.LOCAL].drop_nulls()))
        if not self.all_zones:
            flagged = ctx.events.filter(mask).filter(outside)
            return _with_own_id(ctx, flagged.select(C.IDX, C.ZONE, C.LOCAL))
        # `zone` is the first candidate of `timezone`, so they differ exactly when there are several
        several = (pl.col("timezone") != pl.col(C.ZONE)).fill_null(False)
        # one pass for the common single-zone rows; only the few multi-zone rows are split
        columns = ctx.events.select(C.IDX, C.TS, C.ZONE, "timezone", C.LOCAL)
        found = [
            columns.filter(mask & ~several & outside).select(
                C.IDX, pl.col(C.ZONE).cast(pl.String), C.LOCAL
            )
        ]
        multi = columns.filter(mask & several)
        if multi.height:
            pairs = multi.select(C.IDX, C.TS, _zones().alias(C.ZONE)).explode(C.ZONE)
            pairs = pairs.with_row_index("k")
            pairs = pairs.with_columns(local_us(pairs[C.TS], pairs[C.ZONE]).alias(C.LOCAL))
            special = self.special(pairs[C.LOCAL])
            first = (
                pairs.filter(self.outside_expr(pl.col(C.LOCAL), special))
                .sort(C.IDX, "k")
                .unique(C.IDX, keep="first", maintain_order=True)
            )
            found.append(first.select(C.IDX, C.ZONE, C.LOCAL))
        return _with_own_id(ctx, pl.concat(found).sort(C.IDX))

    def next_allowed(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """Move each planned instant to the next allowed local time, in every candidate zone
        (or the primary one), until all agree."""
        applies = ctx.events.select(C.IDX).filter(self._judged(ctx))
        mine = planned.join(applies, on=C.IDX, how="semi")
        rest = no_change(planned.join(applies, on=C.IDX, how="anti"))
        if mine.height == 0:
            return rest
        if all(w is None for w in self.windows):
            closed = mine.select(
                pl.col(C.IDX).cast(pl.Int64),
                pl.lit(None, pl.Int64).alias(C.AT),
                pl.lit("the rule allows no time on any day").alias(C.WHY),
            )
            return pl.concat([closed, rest])
        rows = ctx.events.gather(ctx.positions(mine[C.IDX]))
        pairs = pl.concat(
            [
                mine.select(C.IDX, pl.col(C.AT).cast(pl.Int64)),
                rows.select(self._zones().alias("_z")),
            ],
            how="horizontal",
        ).explode("_z")
        pairs = pairs.with_columns(_limit=pl.col(C.AT) + HORIZON_DAYS * US_PER_DAY)
        found = []
        while pairs.height:
            target = self._window_start(local_us(pairs[C.AT], pairs["_z"]))
            moving = pairs.with_columns(target=target)
            unmoved = moving.group_by(C.IDX).agg(pl.col("target").is_null().all().alias("ok"))
            done = unmoved.filter("ok").select(C.IDX)
            found.append(
                pairs.join(done, on=C.IDX, how="semi").group_by(C.IDX).agg(pl.col(C.AT).max())
            )
            moved = moving.join(done, on=C.IDX, how="anti").filter(pl.col("target").is_not_null())
            utc = utc_of_local(moved["target"], moved["_z"], after=moved[C.AT])
            bumped = moved.select(C.IDX, new=utc).group_by(C.IDX).agg(pl.col("new").max())
            pairs = (
                pairs.join(done, on=C.IDX, how="anti")
                .join(bumped, on=C.IDX, how="left")
                .with_columns(pl.max_horizontal(C.AT, "new").alias(C.AT))
                .drop("new")
            )
            beyond = pairs.filter(pl.col(C.AT) > pl.col("_limit")).select(C.IDX).unique()
            found.append(beyond.with_columns(pl.lit(None, pl.Int64).alias(C.AT)))
            pairs = pairs.join(beyond, on=C.IDX, how="anti")
        never = (
            f"no instant in the {HORIZON_DAYS} days from the one asked about is inside the "
            "allowed hours in every candidate zone"
        )
        answer = pl.concat(
            [f.select(pl.col(C.IDX).cast(pl.Int64), pl.col(C.AT).cast(pl.Int64)) for f in found]
        )
        answer = answer.with_columns(
            pl.when(pl.col(C.AT).is_null()).then(pl.lit(never)).alias(C.WHY)
        )
        return pl.concat([answer.select(NEXT_SCHEMA.keys()), rest])

    def allows(self, ctx: EvalContext, probes: pl.DataFrame) -> pl.Series:
        """Whether each probe (`C.IDX`, `C.AT`) is inside the window in every candidate zone
        (or the primary one), or is an event the rule does not judge."""
        if probes.height == 0:
            return pl.Series("allowed", [], dtype=pl.Boolean)
        at = ctx.positions(probes[C.IDX])
        judged = self._judged(ctx).gather(at)
        pairs = pl.concat(
            [
                probes.select(pl.col(C.AT).cast(pl.Int64)).with_row_index("_p"),
                ctx.events.gather(at).select(self._zones().alias("_z")),
            ],
            how="horizontal",
        ).explode("_z")
        local = local_us(pairs[C.AT], pairs["_z"])
        outside = (
            pairs.select("_p", _out=self.outside_expr(pl.lit(local), self.special(local)))
            .group_by("_p")
            .agg(pl.col("_out").any())
            .sort("_p")["_out"]
        )
        return (~judged | ~outside).rename("allowed")

    def openings(self, ctx: EvalContext, planned: pl.DataFrame) -> pl.DataFrame:
        """Each local midnight and window start (both passes of a repeated hour; the end of a
        skipped one) and each change of offset in the event's zones, from `C.AT` to `C.UNTIL`:
        the only instants at which an event can pass from outside the window to inside it."""
        schema = {C.IDX: pl.Int64, C.AT: pl.Int64}
        mine = planned.filter(self._judged(ctx).gather(ctx.positions(planned[C.IDX])))
        if mine.height == 0:
            return pl.DataFrame(schema=schema)
        pairs = pl.concat(
            [
                mine.select(pl.col(C.IDX).cast(pl.Int64), C.AT, C.UNTIL),
                ctx.events.gather(ctx.positions(mine[C.IDX])).select(self._zones().alias("_z")),
            ],
            how="horizontal",
        ).explode("_z")
        pairs = pairs.with_columns(
            _first=local_us(pairs[C.AT], pairs["_z"]) // US_PER_DAY,
            _last=local_us(pairs[C.UNTIL], pairs["_z"]) // US_PER_DAY,
        )
        starts = sorted({0} | {w[0] for w in self.windows if w is not None})
        walls = (
            pairs.with_columns(_day=pl.int_ranges("_first", pl.col("_last") + 1))
            .explode("_day")
            .join(pl.DataFrame({"_tod": starts}, schema={"_tod": pl.Int64}), how="cross")
            .with_columns(_wall=pl.col("_day") * US_PER_DAY + pl.col("_tod"))
        )
        early = utc_of_local(walls["_wall"], walls["_z"])
        late = utc_of_local(walls["_wall"], walls["_z"], after=early + 1)
        found = [
            walls.select(C.IDX, C.AT, C.UNTIL, _o=early),
            walls.select(C.IDX, C.AT, C.UNTIL, _o=late),
        ]
        lo, hi = pairs[C.AT].min(), pairs[C.UNTIL].max()
        assert isinstance(lo, int)
        assert isinstance(hi, int)
        changes = offset_changes(pairs["_z"].unique().to_list(), lo, hi)
        if changes.height:
            found.append(
                pairs.join(changes, left_on="_z", right_on="zone").select(
                    C.IDX, C.AT, C.UNTIL, pl.col("at").alias("_o")
                )
            )
        return (
            pl.concat(found)
            .filter((pl.col("_o") > pl.col(C.AT)) & (pl.col("_o") <= pl.col(C.UNTIL)))
            .select(C.IDX, pl.col("_o").alias(C.AT))
            .unique()
        )

    def _judged(self, ctx: EvalContext) -> pl.Series:
        """The events the rule judges: matching `where` and covered by no exemption (a
        consumer's prior consent to be contacted at that time, a court's permission)."""
        return exemptions.judged_mask(ctx, self.where, self.exempt)

    def _zones(self) -> pl.Expr:
        """The zones the rule judges an event in: its fixed zone, all the event's candidates, or
        the primary one."""
        if self.fixed_zone is not None:  # one list per row: a lone literal would be one row
            zone = pl.lit(self.fixed_zone, dtype=pl.String)
            return pl.concat_list(zone, pl.col(C.IDX).cast(pl.String)).list.head(1)
        if self.all_zones:
            return _zones()
        return pl.concat_list(pl.col(C.ZONE).cast(pl.String))

    def _window_start(self, local: pl.Series) -> pl.Series:
        """Local µs of the next opening of the window for times outside it (null if allowed).

        An opening is a window's start, or the midnight that begins a day whose window wraps
        past midnight (its early hours are allowed).
        """
        day = local // US_PER_DAY
        tod = local % US_PER_DAY
        weekday = (day + 3) % 7
        frame = pl.DataFrame({"day": day, "tod": tod, "wd": weekday}).with_columns(
            outside=self.outside_expr(pl.lit(local), self.special(local)),
            best=pl.lit(None, pl.Int64),
        )
        for ahead in range(8):  # today, then the next seven days: some day has a window
            for index, window in enumerate(self.windows):
                if window is None:
                    continue
                start, end = window
                openings = [start]
                if ahead and start > end and end > 0:
                    openings.insert(0, 0)  # the wrapped early hours begin at midnight
                for opening in openings:
                    hit = ((pl.col("wd") + ahead) % 7 == index) & pl.col("outside")
                    if ahead == 0:
                        hit = hit & (pl.col("tod") < opening)
                    frame = frame.with_columns(
                        best=pl.when(hit & pl.col("best").is_null())
                        .then((pl.col("day") + ahead) * US_PER_DAY + opening)
                        .otherwise(pl.col("best"))
                    )
        return frame["best"]


def _zones() -> pl.Expr:
    """Every candidate zone of each event (`a|b` split), primary first."""
    return pl.col("timezone").cast(pl.String).str.split("|")


def _outside_window(tod: pl.Expr, window: Span) -> pl.Expr:
    """True where a time of day (µs) is outside `[start, end)`; None forbids the whole day."""
    if window is None:
        return pl.lit(True)
    start, end = window
    if start <= end:
        return (tod < start) | (tod >= end)
    return (tod < start) & (tod >= end)  # the window wraps midnight


def _with_own_id(ctx: EvalContext, found: pl.DataFrame) -> pl.DataFrame:
    """An hours finding's evidence is the event itself."""
    with_id = ctx.attach(found, "id")
    return findings_frame(
        with_id.rename({C.ZONE: C.JUDGED_ZONE, C.LOCAL: C.JUDGED_LOCAL}).with_columns(
            pl.concat_list("id").alias(C.EVIDENCE)
        )
    )

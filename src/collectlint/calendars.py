"""Holiday and business-day calendars: which local dates are public holidays, and which weekend
dates are working days (mainland China's 调休), for rules that count business days or close on
holidays.

A calendar is data: a reviewed YAML file in `rules/calendars/` naming a country (and
optionally a subdivision and holiday categories) of the `holidays` library (python-holidays),
which supplies the dates behind this one adapter, plus a `years:` section where official dates
can be added before a library update (an entry replaces the library's dates for its year).

Not every year's dates are known.  US legal public holidays follow from the statute
(5 U.S.C. 6103) for any year (`official: rules`); China's holidays and 调休 days are fixed each
year by a State Council notice, so only years with a notice — in the library's table of
notices, or in the file's `years:` — are official (`official: notices`).  Other years are
*provisional*: a rule never guesses them, it counts the events it could not judge.

The `holidays` import costs about a tenth of a second, so it happens only when a rule first
asks a calendar for dates.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import polars as pl

from collectlint.errors import Problem, RuleFileError, UsageError
from collectlint.yamldoc import parse_file

EPOCH = date(1970, 1, 1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Year:
    """One year of a calendar: its holidays (date -> name), the weekend dates that are working
    days, and whether the dates are official or only the library's estimate."""

    holidays: Mapping[date, str]
    workdays: frozenset[date]
    official: bool
    source: str
    """Where the dates come from: `holidays <version>` or the calendar file."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))


@dataclass(frozen=True, slots=True)
class Calendar:
    """A compiled calendar file (see the module docstring)."""

    name: str
    title: str
    country: str
    path: str
    citation: str = ""
    url: str = ""
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public",)
    weekend: frozenset[int] = frozenset({5, 6})
    official: str = "rules"
    """`rules`: every year's dates follow from law; `notices`: only years with a notice."""
    years: Mapping[int, Year] = field(default_factory=dict)
    """Official dates from the file, which replace the library's for their year."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", MappingProxyType(dict(self.years)))

    def year(self, number: int) -> Year:
        """The holidays, working days and status of one year."""
        if number in self.years:
            return self.years[number]
        return _library_year(
            self.country, self.subdiv, self.categories, self.official == "rules", number
        )

    def special_days(self, first: date, last: date) -> pl.DataFrame:
        """Every holiday, extra working day and day of a provisional year from `first` to
        `last` (inclusive), as epoch days: columns `day` (Int64), `holiday` (the name, or
        null), `workday` and `provisional` (Boolean).  Ordinary days are not listed."""
        rows: list[tuple[int, str | None, bool, bool]] = []
        for number in range(first.year, last.year + 1):
            year = self.year(number)
            if not year.official:
                start, end = max(first, date(number, 1, 1)), min(last, date(number, 12, 31))
                rows += [
                    (_epoch(start) + k, None, False, True) for k in range((end - start).days + 1)
                ]
                continue
            rows += [(_epoch(d), n, False, False) for d, n in year.holidays.items()]
            rows += [(_epoch(d), None, True, False) for d in year.workdays]
        frame = pl.DataFrame(
            rows,
            schema={
                "day": pl.Int64,
                "holiday": pl.String,
                "workday": pl.Boolean,
                "provisional": pl.Boolean,
            },
            orient="row",
        )
        inside = pl.col("day").is_between(_epoch(first), _epoch(last))
        return frame.filter(inside).unique("day", keep="last").sort("day")

    def business_days(self, first: date, last: date) -> pl.DataFrame:
        """Each day from `first` to `last`: `day` (epoch day), `business` (a working day:
        not a weekend day unless a listed working day, not a holiday) and `provisional`."""
        days = pl.DataFrame({"day": pl.int_range(_epoch(first), _epoch(last) + 1, eager=True)})
        special = self.special_days(first, last)
        weekday = (pl.col("day") + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
        weekend = weekday.is_in(sorted(self.weekend))
        return (
            days.join(special, on="day", how="left")
            .with_columns(
                business=(
                    pl.col("workday").fill_null(False) | (~weekend & pl.col("holiday").is_null())
                )
                & ~pl.col("provisional").fill_null(False),
                provisional=pl.col("provisional").fill_null(False),
            )
            .select("day", "business", "provisional")
        )


def business_span(count: int) -> int:
    """The most calendar days `count` business days can take: every weekend between, and a
    generous allowance of holidays (China's Spring Festival week among them)."""
    return count + 2 * (count // 5 + 1) + 3 * (count // 20 + 1) + 14


def business_day_after(name: str, days: pl.Series, count: int, span: int) -> pl.Series:
    """For each local date (epoch day) in `days`, the `count`-th business day after it in
    calendar `name` (epoch day); null where a day of a provisional year comes first or the
    answer lies more than `span` days ahead."""
    if days.is_empty() or days.null_count() == len(days):
        return pl.Series("_end", [None] * len(days), dtype=pl.Int64)
    low, high = days.min(), days.max()
    assert isinstance(low, int)
    assert isinstance(high, int)
    table = load_calendar(name).business_days(from_epoch(low), from_epoch(high + span + 1))
    table = table.with_columns(
        ordinal=pl.col("business").cast(pl.Int64).cum_sum(),
        unknown=pl.col("provisional").cast(pl.Int64).cum_sum(),
    )
    # the answer is the first business day whose running count reaches the date's + count
    ends = table.filter("business").select(
        pl.col("ordinal").alias("_target"),
        pl.col("day").alias("_end"),
        pl.col("unknown").alias("_unknown_end"),
    )
    frame = (
        pl.DataFrame({"day": days.cast(pl.Int64)})
        .with_row_index("_r")
        .join(table.select("day", "ordinal", "unknown"), on="day", how="left")
        .with_columns(_target=pl.col("ordinal") + count)
        .join(ends, on="_target", how="left")
        .sort("_r")
    )
    certain = pl.col("_end").is_not_null() & (pl.col("_unknown_end") == pl.col("unknown"))
    return frame.select(pl.when(certain).then(pl.col("_end")).alias("_end"))["_end"]


def _epoch(day: date) -> int:
    return (day - EPOCH).days


def from_epoch(day: int) -> date:
    """The date of an epoch day number."""
    return EPOCH + timedelta(days=day)


@functools.lru_cache(maxsize=256)
def _library_year(
    country: str, subdiv: str | None, categories: tuple[str, ...], by_rule: bool, number: int
) -> Year:
    import holidays  # deferred: a tenth of a second, needed only here

    # names in English, so that rules and reports can name a holiday whatever the country
    language = "en_US" if country == "CN" else None
    dates = holidays.country_holidays(
        country, subdiv=subdiv, years=number, categories=categories, language=language
    )
    named = {d: str(n) for d, n in dates.items() if d.year == number}
    workdays = frozenset(
        d
        for d in getattr(dates, "weekend_workdays", ())
        if isinstance(d, date) and d.year == number
    )
    official = by_rule or number in _notice_years(country)
    return Year(named, workdays, official, f"holidays {getattr(holidays, '__version__', '')}")


@functools.lru_cache(maxsize=8)
def _notice_years(country: str) -> frozenset[int]:
    """The years whose dates the library took from an official notice.  For China these are
    the years in its table of State Council notices (substituted holidays and working days);
    a year after the last notice is only the library's estimate."""
    if country != "CN":
        return frozenset()
    try:
        from holidays.countries.china import ChinaStaticHolidays
    except ImportError:  # a library that no longer has the table: no year is known official
        return frozenset()
    table = getattr(ChinaStaticHolidays, "special_public_holidays", {})
    return frozenset(int(year) for year in table)


def calendar_dir() -> Path:
    """The folder of the built-in calendars (inside the wheel, or the repo's `rules/`)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules" / "calendars", here.parent.parent / "rules" / "calendars"):
        if candidate.is_dir():
            return candidate
    raise UsageError("built-in calendars are missing from this installation")


def builtin_calendars() -> list[str]:
    """Names of the built-in calendars."""
    try:
        return sorted(p.stem for p in calendar_dir().glob("*.yaml"))
    except UsageError:
        return []


@functools.lru_cache(maxsize=32)
def load_calendar(name: str) -> Calendar:
    """The built-in calendar `name` (a usage error naming the known ones if there is none)."""
    if name not in builtin_calendars():
        known = ", ".join(builtin_calendars()) or "none"
        raise UsageError(f"no calendar {name!r} (built-in calendars: {known})")
    path = calendar_dir() / f"{name}.yaml"
    display = f"rules/calendars/{path.name}"
    doc = parse_file(path, display)
    if doc.problems:
        raise RuleFileError(f"{display}: invalid calendar", tuple(doc.problems))
    return _compile(doc.data, display, lambda where: doc.span(where))


def _compile(data: Mapping[str, Any], display: str, span: Any) -> Calendar:
    """Build a calendar from a file the test suite validates against `calendar.schema.json`."""
    meta = data["calendar"]
    years: dict[int, Year] = {}
    for text, entry in (data.get("years") or {}).items():
        try:
            named = {
                date.fromisoformat(d): str(n) for d, n in (entry.get("holidays") or {}).items()
            }
            work = frozenset(date.fromisoformat(d) for d in entry.get("workdays") or ())
        except ValueError as exc:
            problem = Problem(f"not a date: {exc}", span(["years", text]))
            raise RuleFileError(f"{display}: invalid calendar", (problem,)) from None
        years[int(text)] = Year(named, work, True, str(entry.get("source") or display))
    return Calendar(
        name=meta["name"],
        title=meta["title"],
        country=meta["country"],
        path=display,
        citation=meta.get("citation", ""),
        url=meta.get("url", ""),
        subdiv=meta.get("subdiv"),
        categories=tuple(meta.get("categories", ("public",))),
        weekend=frozenset(WEEKDAYS.index(d) for d in meta.get("weekend", ("sat", "sun"))),
        official=meta.get("official", "rules"),
        years=years,
    )

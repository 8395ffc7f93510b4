"""Holiday and business-day calendars, checked on known dates, and the kinds that use them:
`hours` closed on holidays (with China's 调休 working days) and `cooldown` in business days."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import jsonschema
import pytest

import collectlint
from collectlint import calendars
from collectlint.calendars import Calendar, Year, load_calendar
from collectlint.loading.validate import load_schema
from collectlint.yamldoc import parse_file
from helpers import one_rule_pack


def _run(
    tmp_path: Path,
    make_log: Callable[..., Path],
    kind: str,
    params: str,
    rows: list[dict[str, str]],
    *,
    zone: str = "Asia/Shanghai",
    where: str = "CN",
) -> collectlint.Report:
    pack = tmp_path / "pack.yaml"
    pack.write_text(one_rule_pack(kind, params, jurisdiction=where, where="{kind: contact}"))
    base = {"account": "A", "channel": "call", "timezone": zone}
    return collectlint.check([make_log([{**base, **r} for r in rows])], rules=[str(pack)])


def test_builtin_calendars_match_their_schema() -> None:
    schema = load_schema("calendar.schema.json")
    for name in calendars.builtin_calendars():
        path = calendars.calendar_dir() / f"{name}.yaml"
        doc = parse_file(path, name)
        assert not doc.problems
        jsonschema.validate(doc.data, schema)
        assert load_calendar(name).name == name


def test_china_2026_has_its_tiaoxiu_working_days_and_spring_festival() -> None:
    year = load_calendar("cn").year(2026)
    assert year.official
    assert date(2026, 2, 14) in year.workdays  # a Saturday worked for the Spring Festival
    assert date(2026, 2, 28) in year.workdays
    assert year.holidays[date(2026, 2, 16)] == "Chinese New Year's Eve"
    assert date(2026, 2, 17) in year.holidays
    assert date(2026, 10, 1) in year.holidays
    assert date(2026, 2, 13) not in year.holidays  # the Friday before is an ordinary day


def test_china_2026_working_days_are_the_notices_six() -> None:
    # the 2026 State Council notice as the research notes record it (cn.md §9c)
    assert sorted(load_calendar("cn").year(2026).workdays) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_a_china_year_without_a_notice_is_provisional() -> None:
    cn = load_calendar("cn")
    beyond = max(calendars._notice_years("CN")) + 1
    assert not cn.year(beyond).official
    days = cn.special_days(date(beyond, 2, 1), date(beyond, 2, 3))
    assert days["provisional"].to_list() == [True, True, True]
    assert days["holiday"].null_count() == 3  # nothing guessed


def test_official_dates_in_the_file_replace_the_librarys_year() -> None:
    cn = load_calendar("cn")
    beyond = max(calendars._notice_years("CN")) + 1
    added = Year({date(beyond, 2, 5): "Chinese New Year's Eve"}, frozenset(), True, "notice")
    updated = Calendar(
        cn.name, cn.title, cn.country, cn.path, official="notices", years={beyond: added}
    )
    assert updated.year(beyond).official
    assert updated.special_days(date(beyond, 2, 5), date(beyond, 2, 5))["holiday"].to_list() == [
        "Chinese New Year's Eve"
    ]


def test_us_business_days_skip_weekends_and_the_observed_independence_day() -> None:
    table = load_calendar("us-federal").business_days(date(2026, 7, 2), date(2026, 7, 6))
    # Thu 2 business; Fri 3 Independence Day observed; Sat 4, Sun 5; Mon 6 business
    assert table["business"].to_list() == [True, False, False, False, True]
    assert not table["provisional"].any()


def test_hours_closed_on_spring_festival_eve_only(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    only = '["Chinese New Year\'s Eve"]'
    params = '{start: "00:00", end: "24:00", holidays: {calendar: cn, only: ' + only + "}}"
    rows = [
        {"id": "eve", "time": "2026-02-16T02:00:00Z"},  # 10:00 on 除夕 2026
        {"id": "before", "time": "2026-02-15T15:59:59Z"},  # 23:59:59 the day before
        {"id": "first", "time": "2026-02-17T02:00:00Z"},  # 春节 itself is not named
    ]
    report = _run(tmp_path, make_log, "hours", params, rows)
    assert [v.event for v in report.violations] == ["eve"]


def test_hours_on_working_days_follow_the_tiaoxiu_calendar(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    params = (
        '{start: "09:00", end: "18:00", days: {sat: null, sun: null}, holidays: {calendar: cn}}'
    )
    rows = [
        {"id": "sat14", "time": "2026-02-14T02:00:00Z"},  # Saturday, a 调休 working day
        {"id": "sat21", "time": "2026-02-21T02:00:00Z"},  # an ordinary Saturday
        {"id": "tue17", "time": "2026-02-17T02:00:00Z"},  # Spring Festival holiday
        {"id": "fri13", "time": "2026-02-13T02:00:00Z"},  # an ordinary Friday
        {"id": "fri13late", "time": "2026-02-13T10:00:00Z"},  # 18:00 exactly: outside
    ]
    report = _run(tmp_path, make_log, "hours", params, rows)
    assert sorted(v.event for v in report.violations) == ["fri13late", "sat21", "tue17"]


def test_hours_on_a_provisional_year_are_not_guessed(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    beyond = max(calendars._notice_years("CN")) + 1
    params = '{start: "09:00", end: "18:00", holidays: {calendar: cn}}'
    rows = [
        {"id": "day", "time": f"{beyond}-03-02T02:00:00Z"},  # 10:00: a holiday or not?
        {"id": "night", "time": f"{beyond}-03-02T14:00:00Z"},  # 22:00: outside either way
    ]
    report = _run(tmp_path, make_log, "hours", params, rows)
    assert [v.event for v in report.violations] == ["night"]
    assert report.summary.not_judged == {"t/r": 1}


COOLDOWN = "{key: [account], trigger: {kind: attorney}, business_days: 5, calendar: us-federal}"


def test_cooldown_in_business_days_skips_weekends_and_holidays(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    # notice Thu 2026-07-02; Fri 3 (observed holiday), Sat 4, Sun 5 do not count;
    # business days 6, 7, 8, 9, 10: the period's last day is Fri 2026-07-10
    rows = [
        {"id": "att", "time": "2026-07-02T15:00:00Z", "kind": "attorney", "channel": ""},
        {"id": "same", "time": "2026-07-02T15:00:00Z"},  # the same instant: not after it
        {"id": "fri10", "time": "2026-07-10T20:00:00Z"},  # 15:00 CDT on the 5th business day
        {"id": "sat11", "time": "2026-07-11T15:00:00Z"},  # the period is over
    ]
    report = _run(
        tmp_path, make_log, "cooldown", COOLDOWN, rows, zone="America/Chicago", where="US"
    )
    assert [v.event for v in report.violations] == ["fri10"]
    assert report.violations[0].evidence == ("att",)


def test_business_day_params_are_checked(tmp_path: Path, make_log: Callable[..., Path]) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        one_rule_pack(
            "cooldown",
            "{key: [account], trigger: {kind: attorney}, business_days: 5, calendar: mars}",
            where="{kind: contact}",
        )
    )
    with pytest.raises(collectlint.RuleFileError) as caught:
        collectlint.load_packs([str(pack)])
    assert "unknown calendar 'mars'" in json.dumps([p.message for p in caught.value.problems])

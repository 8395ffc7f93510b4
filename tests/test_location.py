"""Where the consumer is: zones and jurisdictions from the phone number, the ZIP code and the
state, combined with the log's own columns; the shipped tables against the packages they come
from; and a twin of the prefix lookup built on phonenumbers' public API."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as pn_timezone
from typer.testing import CliRunner

import collectlint
from collectlint.cli import app
from collectlint.inputs import location, phones
from collectlint.inputs.addresses import normalised_zip, state_code, state_zones, zip_places
from collectlint.inputs.phones import phone_data, phone_places
from collectlint.report import Report
from helpers import write_csv

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def places(*numbers: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    frame = phone_places(pl.Series(numbers))
    return {r["number"]: (r["zones"], r["jurisdiction"], r["why"]) for r in frame.to_dicts()}


# ---- phone numbers ---------------------------------------------------------------------------


def test_single_zone_numbers_give_their_zone_and_state() -> None:
    found = places("+16175550100", "+13125550100", "+12125550100", "+17875550100")
    assert found["+16175550100"] == ("America/New_York", "US-MA", None)
    assert found["+13125550100"] == ("America/Chicago", "US-IL", None)
    assert found["+12125550100"] == ("America/New_York", "US-NY", None)
    assert found["+17875550100"] == ("America/Puerto_Rico", "US-PR", None)  # a territory


def test_split_area_code_unresolved_exchange_is_anywhere_in_it_primary_by_population() -> None:
    # phonenumbers lists Boise|Los_Angeles alphabetically; 219's unlisted default is New_York only
    found = places("+12085550100", "+12195550100", "+19075550100", "+16055550100")
    assert found["+12085550100"][0] == "America/Boise|America/Los_Angeles"
    assert found["+12195550100"][0] == "America/Chicago|America/New_York"
    # never America/Adak first for Alaska (the alphabetical order of phonenumbers)
    assert found["+19075550100"][0] is not None
    assert found["+19075550100"][0].split("|")[0] == "America/Anchorage"
    assert found["+16055550100"][0] is not None
    assert found["+16055550100"][0].startswith("America/Chicago|America/Denver")


def test_resolved_exchange_of_a_split_area_code_keeps_its_own_zone() -> None:
    # Evansville (812-422) is Central, Chattanooga (423-267) Eastern: phonenumbers resolves them
    found = places("+18124220000", "+14232670000")
    assert found["+18124220000"][0] == "America/Chicago"
    assert found["+14232670000"][0] == "America/New_York"


def test_corrected_exchange_unalaska() -> None:
    zones, jurisdiction, _ = places("+19075810000")["+19075810000"]
    assert (zones, jurisdiction) == ("America/Anchorage", "US-AK")  # not Pacific/Honolulu


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("+18005550100", "toll-free"),
        ("+18885550100", "toll-free"),
        ("+19005550100", "premium-rate"),
        ("+15555550100", "its area code is not assigned"),
        ("+61412345678", "names only its country"),  # an Australian mobile: anywhere in it
        ("+528001234567", "names only its country"),  # a Mexican toll-free number
        ("+1617555010", "11 digits"),
        ("+68675012345", "names only its country"),  # Kiribati: three zones, no finer entry
    ],
)
def test_numbers_that_say_nothing_of_location(number: str, why: str) -> None:
    zones, _, reason = places(number)[number]
    assert zones is None
    assert reason is not None
    assert why in reason


def test_china_and_the_uk() -> None:
    found = places("+8613912345678", "+861012345678", "+447400123456", "+442071234567")
    assert found["+8613912345678"] == ("Asia/Shanghai", "CN", None)
    assert found["+861012345678"] == ("Asia/Shanghai", "CN", None)
    # a UK mobile: four names in phonenumbers, all one zone (links to Europe/London)
    assert found["+447400123456"] == ("Europe/London", "GB", None)
    assert found["+442071234567"] == ("Europe/London", "GB", None)


def test_canada_is_not_us_ca() -> None:
    zones, jurisdiction, _ = places("+14165550100")["+14165550100"]
    assert (zones, jurisdiction) == ("America/Toronto", "CA")


def test_lookups_run_once_per_distinct_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = phones.place_of

    def counting(key: str, data: phones.PhoneData) -> phones.Place:
        calls.append(key)
        return real(key, data)

    monkeypatch.setattr(phones, "place_of", counting)
    numbers = [f"+1617555{i:04d}" for i in range(500)] + [f"+86139{i:08d}" for i in range(500)]
    phone_places(pl.Series(numbers * 4))
    assert sorted(calls) == ["1617555", "861"]  # China's map has only three-digit prefixes


GEOGRAPHIC = sorted(npa for npa, a in phone_data().area_codes.items() if a.kind == "geographic")
COUNTRY_SAMPLES = ("+86139", "+86189", "+8610", "+4420", "+4474", "+4930", "+3314", "+6129")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.one_of(
        st.tuples(st.sampled_from(GEOGRAPHIC), st.integers(200, 999), st.integers(0, 9999)).map(
            lambda t: f"+1{t[0]}{t[1]}{t[2]:04d}"
        ),
        st.tuples(st.sampled_from(COUNTRY_SAMPLES), st.integers(10_000_000, 99_999_999)).map(
            lambda t: f"{t[0]}{t[1]}"[:14]
        ),
    )
)
def test_prefix_lookup_agrees_with_phonenumbers_public_api(number: str) -> None:
    """The twin: phonenumbers' own `time_zones_for_number`, per number.  Where collectlint
    knowingly departs from it (split area codes, corrections, links) the twin's answer is
    adjusted the same documented way before comparing."""
    parsed = phonenumbers.parse(number)
    if not phonenumbers.is_valid_number(parsed):
        return  # the lookup does not test validity beyond the area code; nothing to compare
    theirs = tuple(pn_timezone.time_zones_for_number(parsed))
    data = phone_data()
    mine, _, _ = places(number)[number]
    digits = number[1:]
    if digits.startswith("1"):
        if digits[:4] in data.split or any(digits.startswith(k) for k in data.corrections):
            return  # reviewed departures, tested above
        if len(theirs) > 4:  # the whole-NANP list: collectlint uses the state's zones
            return
    aliased = tuple(dict.fromkeys(data.aliases.get(z, z) for z in theirs))
    if len(aliased) > 1 and not digits.startswith("1"):
        assert mine is None or set(mine.split("|")) == set(aliased)
        return
    assert mine is not None
    assert set(mine.split("|")) == set(aliased)


# ---- addresses -------------------------------------------------------------------------------


def test_zip_codes() -> None:
    raw = pl.DataFrame({"z": ["02139", "2139", "02139-4307", "021394307", "ab123", "123"]})
    zips = raw.select(normalised_zip(pl.col("z"))).to_series()
    assert zips.to_list() == ["02139", "02139", "02139", "02139", None, None]
    found = {
        r["zip"]: (r["zone"], r["state"])
        for r in zip_places(pl.Series(["02139", "47712", "09001", "99634", "00000"])).to_dicts()
    }
    assert found["02139"] == ("America/New_York", "MA")
    assert found["47712"] == ("America/Chicago", "IN")  # Evansville keeps Central time
    assert found["09001"] == (None, None)  # military: no state, no zone
    assert found["99634"] == (None, "AK")  # its zone in the data is "Napakiak": not a zone
    assert found["00000"] == (None, None)
    cities = zip_places(pl.Series(["10001", "11201", "10301", "12207"]))["city"].to_list()
    assert cities == ["NYC", "NYC", "NYC", None]  # Manhattan, Brooklyn, Staten Island; Albany


def test_states() -> None:
    assert [state_code(s) for s in ("MA", "ma", "Massachusetts", " new  york ", "US-DC")] == [
        "MA",
        "MA",
        "MA",
        "NY",
        "DC",
    ]
    assert state_code("XX") is None
    assert state_code("AE") is None  # armed forces: no state
    assert state_zones("TN")[:2] == ("America/Chicago", "America/New_York")
    assert state_zones("FL")[0] == "America/New_York"
    assert "America/Denver" in state_zones("NV")  # West Wendover keeps Mountain time


# ---- combined, end to end --------------------------------------------------------------------

FIELDS = ["id", "time", "account", "to", "channel", "outcome", "timezone", "zip", "state"]


def log(tmp_path: Path, *rows: dict[str, str], name: str = "log.csv") -> Path:
    full = [{f: r.get(f, "") for f in FIELDS} | {"channel": "call"} for r in rows]
    for r in full:
        r["outcome"] = r["outcome"] or "no_answer"
    return write_csv(tmp_path / name, full)


def run(path: Path, **kw: object) -> Report:
    kw.setdefault("max_rejects", 100)
    kw.setdefault("select", ["us-regf/inconvenient-time"])
    return collectlint.check([path], **kw)  # type: ignore[arg-type]


def test_regulation_f_example_area_code_eastern_address_pacific(tmp_path: Path) -> None:
    """Comment 6(b)(1)(i)-1, example 1: a mobile with an Eastern area code, a Pacific address:
    calls only from 11:00 Eastern (08:00 Pacific) to 21:00 Eastern (18:00 Pacific)."""
    rows = [
        {"id": "early", "time": "2026-03-03T15:30:00Z"},  # 10:30 ET, 07:30 PT
        {"id": "ok", "time": "2026-03-03T16:00:00Z"},  # 11:00 ET, 08:00 PT
        {"id": "last", "time": "2026-03-04T01:59:59Z"},  # 20:59:59 ET
        {"id": "late", "time": "2026-03-04T02:00:00Z"},  # 21:00 ET, 18:00 PT
    ]
    path = log(
        tmp_path, *({**r, "account": "A", "to": "+12125550100", "zip": "90210"} for r in rows)
    )
    report = run(path)
    assert [v.event for v in report.violations] == ["early", "late"]
    first = report.violations[0]
    assert first.zone == "America/Los_Angeles"
    assert first.zone_from == "America/Los_Angeles from zip; America/New_York from phone"
    assert first.jurisdiction_from == "US-CA from zip"


def test_primary_is_the_log_s_zone_then_the_address_then_the_number(tmp_path: Path) -> None:
    base = {"time": "2026-03-03T12:00:00Z", "to": "+13125550100"}
    path = log(
        tmp_path,
        {**base, "id": "tz", "account": "A", "timezone": "America/Denver", "zip": "02139"},
        {**base, "id": "zip", "account": "B", "zip": "02139", "state": "CA"},
        {**base, "id": "state", "account": "C", "state": "Tennessee"},
        {**base, "id": "phone", "account": "D"},
    )
    report = run(path, select=["us-regf/inconvenient-time"])
    by_event = {v.event: v for v in report.violations}
    assert by_event["tz"].zone_from == (
        "America/Denver from timezone; America/New_York from zip; America/Chicago from phone"
    )
    assert by_event["tz"].jurisdiction_from == "US-MA from zip"
    assert by_event["zip"].zone_from.startswith("America/New_York from zip")
    assert by_event["zip"].jurisdiction_from == "US-MA from zip"  # the ZIP code's state wins
    assert by_event["state"].zone_from == (
        "America/Chicago from state, phone; America/New_York from state"
    )
    assert by_event["state"].jurisdiction_from == "US-TN from state"
    assert by_event["phone"].zone_from == "America/Chicago from phone"
    assert by_event["phone"].jurisdiction_from == "US-IL from phone"


def test_a_new_york_city_zip_code_names_the_city(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T12:00:00Z", "zip": "11201"},
    )
    [finding] = run(path).violations
    assert finding.jurisdiction_from == "US-NY-NYC from zip"  # checked by us-regf (US) too


def test_no_zone_is_rejected_with_the_reason_or_takes_the_pack_default(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "tf", "account": "A", "time": "2026-03-03T12:00:00Z", "to": "+18005550100"},
        {"id": "mil", "account": "B", "time": "2026-03-03T12:00:00Z", "to": "+18005550100",
         "zip": "09001"},
    )  # fmt: skip
    report = run(path)
    reasons = {r.origin.row: r.reason for r in report.rejected}
    assert "toll-free" in reasons[1]
    assert "no timezone, ZIP code or state" in reasons[1]
    assert "military or unknown" in reasons[2]
    assert any(n.code == "location" and "military" in n.message for n in report.notes)
    # the China pack has a default zone: the same events are judged in it, and say so
    cn = run(path, rules=["cn-consumer-credit"], select=["cn-consumer-credit/quiet-hours"])
    assert cn.summary.events_rejected == 0


def test_bad_zone_is_rejected_as_written_not_replaced(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T12:00:00Z", "to": "+16175550100",
         "timezone": "Mars/Base"},
    )  # fmt: skip
    report = run(path)
    assert [r.reason for r in report.rejected] == ["unknown time zone in 'Mars/Base'"]


def test_inference_can_be_turned_off(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T13:30:00Z", "to": "+13125550100",
         "timezone": "America/New_York"},
    )  # fmt: skip
    assert [v.event for v in run(path).violations] == ["x"]  # 07:30 in Chicago
    assert run(path, infer_location=False).violations == ()
    result = runner.invoke(app, ["check", str(path), "--no-infer-location", "-f", "json"])
    assert result.exit_code == 0, result.output


def test_explain_and_json_name_the_signals(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T12:00:00Z", "to": "+16175550100"},
    )
    result = runner.invoke(app, ["check", str(path), "--explain"])
    assert result.exit_code == 1, result.output
    assert "zones: America/New_York from phone" in result.output
    assert "jurisdiction: US-MA from phone" in result.output
    assert "+16175550100" not in result.output  # the number itself is never printed


def test_many_rows_few_combinations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = location.resolve

    def counting(values: dict[str, str | None]) -> location.Located:
        calls.append(values)
        return real(values)

    monkeypatch.setattr(location, "resolve", counting)
    rows = [
        {"id": f"e{i}", "account": f"A{i % 50}", "time": "2026-03-03T15:00:00Z",
         "to": f"+1617555{i % 50:04d}", "zip": "02139"}
        for i in range(2000)
    ]  # fmt: skip
    run(log(tmp_path, *rows))
    assert len(calls) == 1


# ---- the shipped tables ----------------------------------------------------------------------


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "location_tables", ROOT / "scripts/location_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["location_tables"] = module
    spec.loader.exec_module(module)
    return module


def test_state_and_zip_tables_are_what_zipcodes_and_us_say() -> None:
    script = _script()
    data = ROOT / "src/collectlint/inputs/data"
    assert (data / "us_states.csv").read_text("utf-8") == script.render_states()  # type: ignore[attr-defined]
    assert (data / "us_zip_codes.csv").read_text("utf-8") == script.render_zip_codes()  # type: ignore[attr-defined]


def test_area_code_table_agrees_with_phonenumbers() -> None:
    """A sample of exchanges per area code (the whole table takes a minute to rebuild: run
    `python scripts/location_tables.py --check` after upgrading phonenumbers)."""
    script = _script()
    for npa, area in phone_data().area_codes.items():
        row = script.area_code_row(int(npa), step=97)  # type: ignore[attr-defined]
        if row is None or (row["kind"], row["state"]) != (area.kind, area.state):
            row = script.area_code_row(int(npa))  # type: ignore[attr-defined]  # a near tie
        assert row is not None, npa
        assert (row["region"], row["kind"], row["state"]) == (area.region, area.kind, area.state)


def test_next_places_the_contact_by_the_history_s_number_and_address(tmp_path: Path) -> None:
    """A history with numbers and no zones: the question takes the debtor's latest number (not
    a later third party's) and is answered in every zone it gives (08:00 in Los Angeles is
    09:00 in Boise, where 208 numbers also are)."""
    answer = next_answer(
        tmp_path,
        "id,time,account,party,to,channel,outcome\n"
        "E1,2026-03-02T18:00:00Z,A1,debtor,+12085550100,call,no_answer\n"
        "E2,2026-03-02T19:00:00Z,A1,employer,+12125550100,call,no_answer\n",
        "2026-03-03T13:00:00Z",
    )
    assert "next allowed: 2026-03-03T09:00:00-07:00" in answer
    assert "America/Boise" in answer


def next_answer(tmp_path: Path, history: str, at: str) -> str:
    """`collectlint next` for account A1 after the CSV `history`, as the terminal shows it."""
    path = tmp_path / "history.csv"
    path.write_text(history, encoding="utf-8")
    result = runner.invoke(app, ["next", "--history", str(path), "--account", "A1", "--at", at])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_foreign_number_does_not_take_a_consumer_out_of_the_us_packs(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T11:00:00Z", "to": "+447911123456",
         "timezone": "America/New_York"},
    )  # fmt: skip
    [finding] = run(path).violations  # 06:00 in New York
    assert finding.zone == "America/New_York"
    assert finding.jurisdiction_from == ""  # no jurisdiction: every selected pack judges it


def test_every_address_signal_counts_when_they_disagree(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "ca", "account": "A", "time": "2026-03-03T13:30:00Z", "zip": "02139", "state": "CA"},
        {"id": "ak", "account": "B", "time": "2026-03-03T16:30:00Z", "zip": "99634"},
    )  # fmt: skip
    by_event = {v.event: v for v in run(path).violations}
    # 08:30 in Cambridge, 05:30 in California: the state's zone is a candidate too
    assert by_event["ca"].zone == "America/Los_Angeles"
    assert by_event["ca"].zone_from.endswith("America/Los_Angeles from state")
    # Napakiak's ZIP code has no zone in the data, but its state is Alaska's: 07:30 there
    assert by_event["ak"].zone_from.startswith("America/Anchorage")


def test_corrected_zip_codes() -> None:
    found = {
        r["zip"]: r["zone"] for r in zip_places(pl.Series(["86040", "86045", "89883"])).to_dicts()
    }
    assert found == {
        "86040": "America/Phoenix",  # Page: no daylight saving
        "86045": "America/Denver|America/Phoenix",  # Tuba City, Navajo and Hopi
        "89883": "America/Denver",  # West Wendover
    }


def test_a_north_american_number_without_a_place_stays_north_american(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T15:30:00Z", "to": "+18005551234"},
    )
    report = run(path, rules=["cn-consumer-credit"], select=["cn-consumer-credit/quiet-hours"])
    assert report.summary.events_out_of_scope == 1  # US, not judged by the China pack


def test_numbers_written_with_separators_are_read(tmp_path: Path) -> None:
    rows = [
        {"id": f"e{i}", "account": f"A{i}", "time": "2026-03-04T02:30:00Z", "to": number}
        for i, number in enumerate(["+12125550100", " +12125550100 ", "+1 (212) 555-0100"])
    ]
    found = run(log(tmp_path, *rows)).violations  # 21:30 in New York
    assert [v.event for v in found] == ["e0", "e1", "e2"]
    assert {v.jurisdiction_from for v in found} == {"US-NY from phone"}


def test_the_reason_says_when_inference_is_off(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        {"id": "x", "account": "A", "time": "2026-03-03T12:00:00Z", "to": "+16175550100",
         "zip": "02139", "state": "MA"},
    )  # fmt: skip
    [rejected] = run(path, infer_location=False).rejected
    assert "--no-infer-location" in rejected.reason


def test_next_takes_one_address_from_one_row(tmp_path: Path) -> None:
    answer = next_answer(
        tmp_path,
        "id,time,account,to,channel,outcome,zip,state\n"
        "E1,2026-03-01T18:00:00Z,A1,,call,no_answer,02139,\n"
        "E2,2026-03-02T18:00:00Z,A1,,call,no_answer,,CA\n",
        "2026-03-03T13:30:00Z",
    )
    assert "next allowed: 2026-03-03T08:00:00-08:00" in answer  # California's 08:00


def test_a_hash_collision_falls_back_to_exact_values(monkeypatch: pytest.MonkeyPatch) -> None:
    values = pl.Series("zip", ["02139", "90210", "02139", None, "99634"])
    exact_ids, exact = location._per_distinct(values, location._zip_signals, "_z")
    real_hash = pl.Series.hash
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: real_hash(self, *a, **k) % 2)
    ids, answers = location._per_distinct(values, location._zip_signals, "_z")

    def zones(ids: pl.Series, answers: pl.DataFrame) -> list[object]:
        table = dict(zip(answers["_z"].to_list(), answers["_zz"].to_list(), strict=True))
        return [table.get(i) for i in ids.to_list()]

    assert zones(ids, answers) == zones(exact_ids, exact)


def test_combinations_pack_exactly_or_not_at_all() -> None:
    """The ids of a row's signals are packed into one number only when they fit: equal
    numbers are equal combinations, nulls included, and wider ids fall back to the columns."""
    from collectlint.inputs.location import _packed

    keys = pl.DataFrame(
        {
            "_tzc": [0, 0, None, 7, 7, 0],
            "_jc": [None, 0, 0, 3, 3, 0],
            "_p": [5, 5, 5, None, 0, 5],
        },
        schema={"_tzc": pl.UInt32, "_jc": pl.UInt32, "_p": pl.UInt32},
    )
    packed = _packed(keys)
    assert packed is not None
    assert packed.n_unique() == keys.unique().height == 5
    assert packed[1] == packed[5]
    assert packed[0] != packed[1]
    assert packed[3] != packed[4]
    wide = pl.DataFrame(
        {f"c{i}": [2**32 - 2] for i in range(3)},
        schema=dict.fromkeys(("c0", "c1", "c2"), pl.UInt32),
    )
    assert _packed(wide) is None
    # no row, or no signal on any row: still one number per row
    for frame in (
        keys.clear(),
        keys.with_columns(pl.lit(None, pl.UInt32).alias(c) for c in keys.columns),
    ):
        packed = _packed(frame)
        assert packed is not None
        assert packed.len() == frame.height


def test_rows_already_rejected_are_not_placed(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str] = []
    real = phones.phone_places

    def recording(numbers: pl.Series) -> pl.DataFrame:
        looked.extend(numbers.to_list())
        return real(numbers)

    monkeypatch.setattr(location, "phone_places", recording)
    table = pl.DataFrame(
        {
            "timezone": [None, None],
            "jurisdiction": [None, None],
            "to": ["+12125550100", "+16175550100"],
            "zip": ["00000", "00000"],  # no US state's: a problem each row meets
            "state": ["MA", "MA"],
        },
        schema={
            "timezone": pl.Categorical,
            "jurisdiction": pl.Categorical,
            "to": pl.String,
            "zip": pl.String,
            "state": pl.String,
        },
    )
    rejected = pl.Series([True, False])
    placed, problems = location.locate(table, rejected=rejected)
    assert looked == ["+16175550100"]  # the rejected row's number is never looked up
    unknown = "the ZIP code is not a US state's in the ZIP data (military or unknown)"
    assert problems == {unknown: 1}  # counted over the rows it could reject
    assert placed["timezone"][1] == "America/New_York"
    _, every = location.locate(table)
    assert every == {unknown: 2}

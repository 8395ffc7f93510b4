"""Property test: the engine's `prerequisite`, `forbidden` and lifetime `frequency` rules of
us-regf and cn-consumer-credit agree with `tests/reference_events.py`.

Hypothesis writes small logs on two accounts, a few debtors and two numbers, each row drawn
from a template (an initial communication, a validation notice, a payment in full, a location
inquiry, an agency contact, an outsourcing notice, a social post, or anything at all) so that
every rule meets its own events often.  Times are whole local wall-clock moments in New York
(Shanghai for Chinese rows) on a few days after an anchor date: exact ties, one second apart,
the last second of a local day and the first of the next, across the 2024 DST changes, and
around the two packs' dates in force.  Zones vary per row (one or two candidates), optional
columns are present or absent, ids are shuffled so that the first contact of a tie is the
smaller id as text, and `as_of` is fixed before, at or after the notice deadlines (or left to
the latest event).  The findings and their evidence, the pending events the report's notes
list and the not-judged counts of its summary are compared with the twin.  Derandomized, as
the other equivalence tests.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import collectlint
from collectlint.report import Report
from helpers import TWIN_SETTINGS, write_csv
from reference_events import RULE_IDS, Verdicts, judge

Row = dict[str, str]
Scenario = tuple[list[Row], datetime | None]

PROFILE = TWIN_SETTINGS
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
ANCHORS = (
    date(2024, 3, 8),  # New York springs forward on day 2 (2024-03-10)
    date(2024, 10, 31),  # and falls back on day 3 (2024-11-03)
    date(2024, 6, 3),
    date(2021, 11, 27),  # us-regf is in force from day 3 (2021-11-30)
    date(2023, 2, 26),  # outsourcing-notice-first from day 3 (2023-03-01)
)
CLOCK = ("00:00:00", "00:00:01", "01:30:00", "09:00:00", "09:00:00", "09:00:01", "23:59:59")
US_ZONES = (
    "America/New_York",
    "America/New_York",
    "America/New_York",
    "America/Los_Angeles",
    "America/New_York|America/Los_Angeles",
    "America/Chicago",
)
CN_ZONES = ("", "", "Asia/Shanghai", "America/New_York")
NUMBERS = ("+15550001", "+15550002")
OPTIONAL = ("purpose", "agency", "visibility", "source", "device")
FOCUS = {
    "validation": ("initial", "initial", "notice", "notice", "paid", "any"),
    "location": ("location", "location", "location", "location", "any"),
    "china": ("agency", "agency", "agency", "outsourcing", "outsourcing", "post", "any"),
    "mixed": ("initial", "notice", "paid", "location", "agency", "outsourcing", "post", "any"),
}
"""The row templates of a log, by what it is mostly about."""


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wall(day: date, clock: str, zone: ZoneInfo) -> datetime:
    """The instant of a local wall-clock time (the earlier one when the clock repeats)."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=zone)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    anchor = draw(st.sampled_from(ANCHORS))
    templates = FOCUS[draw(st.sampled_from(sorted(FOCUS)))]
    present = {name for name in OPTIONAL if draw(st.sampled_from((True, False, True, True)))}
    n = draw(st.integers(3, 14))
    ids = draw(st.permutations(range(n)))
    rows = []

    def pick(*values: str) -> str:
        return draw(st.sampled_from(values))

    for i in range(n):
        template = pick(*templates)
        chinese = template in ("agency", "outsourcing")
        if chinese:
            jurisdiction = pick("CN", "CN", "", "CN-31")
        elif template == "location":
            jurisdiction = pick("US", "US", "", "us-ny")
        else:
            jurisdiction = pick("US", "US", "US-NY", "", "CN")
        row: Row = {
            "id": f"e{ids[i]}",
            "account": pick("A1", "A1", "A2"),
            "debtor": pick("D1", "D1", "", "A1"),
            "party": pick("debtor", "debtor", "", "third_party", "spouse", "attorney"),
            "channel": pick("call", "sms", "letter", "email", "voicemail", "social", "chat"),
            "direction": pick("outbound", "outbound", "", "inbound"),
            "outcome": pick("conversation", "sent", "delivered", "failed", "no_answer", ""),
            "kind": pick("contact", "contact", "contact", "", "cease", "paid_in_full"),
            "jurisdiction": jurisdiction,
            "timezone": pick(*(CN_ZONES if jurisdiction.startswith("CN") else US_ZONES)),
            "purpose": pick("", "", "validation_notice", "legal_process", "location_inquiry"),
            "agency": pick("", "", "AG1", " "),
            "visibility": pick("", "private", "public", "contacts", "group"),
            "source": pick("", "contract", "address_book", "purchased_list", "Address_Book"),
            "device": pick("", "company_phone", "private", "personal_qq", "Private"),
        }
        days: tuple[int, ...] = (0, 0, 0, 1, 2, 3, 5, 5, 6, 6, 8)
        if template == "initial":
            days = (0, 0, 0, 1, 3)
            row |= {"kind": pick("contact", ""), "direction": pick("outbound", "")}
            row |= {"party": pick("debtor", ""), "purpose": pick("", "", "legal_process")}
            row["outcome"] = pick("conversation", "sent", "delivered", "no_answer")
        elif template == "notice":
            days = (0, 1, 5, 5, 6, 6)
            row |= {"kind": "contact", "purpose": "validation_notice"}
            row["outcome"] = pick("sent", "delivered", "", "failed")
            row["direction"] = pick("outbound", "outbound", "inbound")
        elif template == "paid":
            days = (0, 2, 5, 6)
            row["kind"] = "paid_in_full"
        elif template == "location":
            days = (-370, 0, 0, 1, 3, 30, 365)
            row |= {"kind": "contact", "direction": pick("outbound", "outbound", "", "inbound")}
            row["purpose"] = pick("location_inquiry", "location_inquiry", "location_inquiry", "")
            row["party"] = pick("third_party", "emergency_contact", "employer", "spouse")
            row["outcome"] = pick("conversation", "sent", "delivered", "no_answer", "failed")
        elif template == "agency":
            row |= {"kind": "contact", "agency": pick("AG1", "AG1", "AG2", "", " ")}
            row["source"] = pick("", "address_book", " address_book ", "call_log", "social_graph")
            row["device"] = pick("", "private", "private_phone", "personal_wechat", "work_wechat")
        elif template == "outsourcing":
            row["kind"] = "outsourcing_notice"
        elif template == "post":
            row |= {"kind": "contact", "channel": pick("social", "chat", "sms")}
            row["visibility"] = pick("public", "contacts", "group", "private", "", " public")
        if row["party"] not in ("", "debtor") or draw(st.booleans()):
            row["to"] = pick(*NUMBERS)
        clock_zone = SHANGHAI if jurisdiction.startswith("CN") else NEW_YORK
        day = anchor + timedelta(days=draw(st.sampled_from(days)))
        row["time"] = utc_text(wall(day, pick(*CLOCK), clock_zone))
        rows.append({k: v for k, v in row.items() if k not in OPTIONAL or k in present})
    as_of = None
    if draw(st.sampled_from((True, False, True))):
        day = anchor + timedelta(days=draw(st.sampled_from((0, 2, 5, 5, 6, 6, 9))))
        as_of = wall(day, draw(st.sampled_from(CLOCK)), NEW_YORK).astimezone(UTC)
    return rows, as_of


PENDING = re.compile(r"^(?P<rule>[^:]+): \d+ event\(s\) .*\(not violations yet\): (?P<ids>.*)$")


def engine_verdicts(report: Report) -> Verdicts:
    """The report, in the twin's terms (only the twin's rules)."""
    found = {(v.rule, v.event): tuple(v.evidence) for v in report.violations}
    pending: dict[str, list[str]] = {}
    for note in report.notes:
        if note.code == "pending":
            match = PENDING.match(note.message)
            assert match, note.message
            pending[match["rule"]] = match["ids"].split(", ")
    unjudged = {r: n for r, n in report.summary.not_judged.items() if r in RULE_IDS}
    return Verdicts(found, pending, unjudged)


def run(folder: Path, rows: list[Row], as_of: datetime | None) -> Verdicts:
    report = collectlint.check(
        [write_csv(folder / "log.csv", rows)],
        rules=["us-regf", "cn-consumer-credit"],
        select=RULE_IDS,
        as_of=as_of,
    )
    assert not report.rejected, report.rejected
    return engine_verdicts(report)


def row(event_id: str, moment: str, **columns: str) -> Row:
    """A US letter sent to the debtor of account A1 in New York (columns override)."""
    base = {
        "id": event_id,
        "time": moment,
        "account": "A1",
        "channel": "letter",
        "outcome": "sent",
        "timezone": "America/New_York",
        "jurisdiction": "US",
        "purpose": "",
    }
    return base | columns


NOTICE = {"purpose": "validation_notice"}
# Initial letters on 2024-03-08 (EST); the fifth day after ends at 2024-03-14T04:00Z (EDT).
ACROSS_SPRING = [
    row("i1", "2024-03-08T14:00:00Z"),
    row("n1", "2024-03-14T03:59:59Z", **NOTICE),
    row("i2", "2024-03-08T14:00:00Z", account="A2"),
    row("n2", "2024-03-14T04:00:00Z", account="A2", **NOTICE),
]
# On 2024-10-31 (EDT); the fifth day after ends at 2024-11-06T05:00Z (EST).
ACROSS_FALL = [
    row("i1", "2024-10-31T14:00:00Z", channel="call", outcome="conversation"),
    row("p1", "2024-11-06T04:59:59Z", kind="paid_in_full", channel=""),
    row("i2", "2024-10-31T14:00:00Z", account="A2", channel="call", outcome="conversation"),
    row("p2", "2024-11-06T05:00:00Z", account="A2", kind="paid_in_full", channel=""),
]
# Two initial letters at one instant: e10 comes first (ids compare as text).  Its day in Los
# Angeles ends at 2024-06-09T07:00Z, e9's in New York at 04:00Z: at 05:00Z without a notice
# e10 is pending (e9 would already be a finding).
TIED = [
    row("e9", "2024-06-03T14:00:00Z"),
    row("e10", "2024-06-03T14:00:00Z", timezone="America/Los_Angeles"),
]
TIED_AT = datetime(2024, 6, 9, 5, tzinfo=UTC)
OPEN = [row("i", "2024-10-31T14:00:00Z"), row("j", "2024-10-31T15:00:00Z", account="A2")]
CHINA = {"jurisdiction": "CN", "timezone": "", "agency": "AG1", "channel": "call"}
OUTSOURCED = [
    # 23:59:59 on 2023-02-28 in Shanghai (not yet in force), then 00:00:00 on 03-01
    row("before", "2023-02-28T15:59:59Z", **CHINA),
    row("first", "2023-02-28T16:00:00Z", **CHINA),
    row("notice", "2023-03-01T02:00:00Z", **CHINA | {"kind": "outsourcing_notice"}),
    row("same", "2023-03-01T02:00:00Z", **CHINA),
    row("next", "2023-03-01T02:00:01Z", **CHINA),
    row("other", "2023-03-01T02:00:01Z", **CHINA | {"account": "A2", "agency": ""}),
]
LOCATE = {"party": "third_party", "purpose": "location_inquiry", "outcome": "conversation"}
LOCATIONS = [
    row("a", "2023-06-01T14:00:00Z", to="+15550001", **LOCATE | {"channel": "call"}),
    row("b", "2024-06-01T14:00:00Z", to="+15550002", **LOCATE | {"channel": "call"}),
    row("c", "2024-06-03T14:00:00Z", to="+15550001", **LOCATE | {"channel": "call"}),
    row("d", "2024-06-03T14:00:00Z", to="+15550002", **LOCATE | {"debtor": "A1"}),
    row("e", "2024-06-03T14:00:00Z", to="+15550002", **LOCATE | {"debtor": "D9"}),
    row("f", "2024-06-03T14:00:00Z", to="+15550002", **LOCATE | {"channel": "sms"}),
]


@PROFILE
@example((ACROSS_SPRING, datetime(2024, 4, 1, tzinfo=UTC)))
@example((ACROSS_FALL, datetime(2024, 12, 1, tzinfo=UTC)))
@example((TIED, TIED_AT))
@example((OPEN, datetime(2024, 11, 6, 4, 59, 59, tzinfo=UTC)))  # both still open
@example((OPEN, datetime(2024, 11, 6, 5, tzinfo=UTC)))  # both past (EST from 11-03)
@example(([{k: v for k, v in r.items() if k != "purpose"} for r in TIED], TIED_AT))
@example((OUTSOURCED, None))
@example((LOCATIONS, None))
@given(scenarios())
def test_event_rules_equal_the_reference(tmp_path_factory: object, scenario: Scenario) -> None:
    rows, as_of = scenario
    folder = Path(str(tmp_path_factory.mktemp("events")))  # type: ignore[attr-defined]
    engine, twin = run(folder, rows, as_of), judge(rows, as_of)
    # Events dated before a rule is in force are neither pending nor counted as not judged,
    # and a deadline is one instant whatever zone the notice is logged in (see the tests
    # below, which pin both on minimal logs).
    assert engine.findings == twin.findings
    assert engine.pending == twin.pending
    assert engine.not_judged == twin.not_judged


VALIDATION = "us-regf/validation-within-five-days"
OUTSOURCING = "cn-consumer-credit/outsourcing-notice-first"
LOCATION = "us-regf/location-contact-once"


def test_the_twin_on_the_boundaries() -> None:
    """The hand-written examples above, as the twin judges them (so that the engine and the
    twin cannot agree on a wrong answer there)."""
    spring = judge(ACROSS_SPRING, datetime(2024, 4, 1, tzinfo=UTC))
    assert (spring.findings, spring.pending) == ({(VALIDATION, "i2"): ("i2",)}, {})
    fall = judge(ACROSS_FALL, datetime(2024, 12, 1, tzinfo=UTC))
    assert (fall.findings, fall.pending) == ({(VALIDATION, "i2"): ("i2",)}, {})
    assert judge(TIED, TIED_AT).pending == {VALIDATION: ["e10"]}
    blind = judge([{k: v for k, v in r.items() if k != "purpose"} for r in TIED], TIED_AT)
    assert (blind.findings, blind.pending, blind.not_judged) == ({}, {}, {VALIDATION: 1})
    still = judge(OPEN, datetime(2024, 11, 6, 4, 59, 59, tzinfo=UTC))
    assert (still.findings, still.pending) == ({}, {VALIDATION: ["i", "j"]})
    late = judge(OPEN, datetime(2024, 11, 6, 5, tzinfo=UTC))
    assert (set(late.findings), late.pending) == ({(VALIDATION, "i"), (VALIDATION, "j")}, {})
    assert judge(OUTSOURCED).findings == {(OUTSOURCING, e): (e,) for e in ("first", "same")}
    assert judge(LOCATIONS).findings == {
        (LOCATION, "c"): ("a", "c"),
        (LOCATION, "d"): ("b", "d", "f"),
        (LOCATION, "f"): ("b", "d", "f"),
    }


# us-regf is in force from 2021-11-30: an initial letter on 2021-11-27 is not judged by it.
BEFORE_IN_FORCE = [row("i", "2021-11-27T15:00:00Z")]


def test_an_event_before_the_rule_is_in_force_is_not_pending(tmp_path: Path) -> None:
    twin = judge(BEFORE_IN_FORCE)
    assert twin.early_pending == {VALIDATION: ["i"]}
    assert run(tmp_path, BEFORE_IN_FORCE, None).pending == twin.pending == {}


def test_an_event_before_the_rule_is_in_force_is_not_counted_as_not_judged(
    tmp_path: Path,
) -> None:
    rows = [{k: v for k, v in r.items() if k != "purpose"} for r in BEFORE_IN_FORCE]
    twin = judge(rows)
    assert twin.early_not_judged == {VALIDATION: 1}
    assert run(tmp_path, rows, None).not_judged == twin.not_judged == {}


@pytest.mark.parametrize(
    ("initial_zone", "notice_time", "notice_zone", "late"),
    [
        # initial in New York on 06-03: the fifth day after ends at 2024-06-09T04:00Z.  A notice
        # at 05:30Z is late (at that instant, with no notice, the engine already flags it), but
        # logged in Los Angeles it is dated 06-08 there and the engine accepts it.
        ("America/New_York", "2024-06-09T05:30:00Z", "America/Los_Angeles", True),
        # initial in Los Angeles: the day ends at 07:00Z.  A notice at 04:30Z is in time, but
        # logged in New York it is dated 06-09 there and the engine flags the initial letter.
        ("America/Los_Angeles", "2024-06-09T04:30:00Z", "America/New_York", False),
    ],
)
def test_the_deadline_is_one_instant_whatever_zone_the_notice_is_logged_in(
    tmp_path: Path, initial_zone: str, notice_time: str, notice_zone: str, late: bool
) -> None:
    initial = row("i", "2024-06-03T17:00:00Z", timezone=initial_zone)
    notice = row("n", notice_time, timezone=notice_zone, **NOTICE)
    # without the notice, at its instant, the engine's deadline agrees with the twin's
    (tmp_path / "alone").mkdir()
    at_notice = datetime.fromisoformat(notice_time.replace("Z", "+00:00"))
    alone = run(tmp_path / "alone", [initial], at_notice)
    assert (alone.findings, alone.pending) == (
        {(VALIDATION, "i"): ("i",)} if late else {},
        {} if late else {VALIDATION: ["i"]},
    )
    later = datetime(2024, 7, 1, tzinfo=UTC)
    twin = judge([initial, notice], later)
    assert twin.unsettled == {(VALIDATION, "i")}
    assert twin.findings == ({(VALIDATION, "i"): ("i",)} if late else {})
    assert run(tmp_path, [initial, notice], later).findings == twin.findings

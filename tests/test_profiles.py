"""Input profiles end to end: each built-in profile on an export in its real format, every
rejection reason, the join's fan-out, de-duplication, gzip and concatenated JSON, dotted
paths, the row accounting, profile-file errors at `file:line:col`, the sign-off table, and
findings equal to those on the hand-normalised canonical log of the same events."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import collectlint
from collectlint.cli import app
from collectlint.errors import InputError, RuleFileError, UsageError
from collectlint.loading.validate import load_schema, validate
from collectlint.profiles.spec import _resolved, builtin_names, load_profile
from helpers import write_csv

runner = CliRunner()
CALL_FIELDS = [
    "sid",
    "account_sid",
    "from",
    "to",
    "direction",
    "status",
    "answered_by",
    "start_time",
    "date_created",
    "duration",
]
PROJECT = "AC" + "0" * 32
AGENCY = "+12125550100"
MESSAGE_FIELDS = [
    "sid",
    "account_sid",
    "from",
    "to",
    "body",
    "direction",
    "status",
    "date_sent",
    "date_created",
    "num_segments",
]
ALICE, BOB, CAROL, DAN = "+16175550111", "+16175550122", "+16175550133", "+16175550144"


def rfc(day: int, hh: int, mm: int = 0) -> str:
    """An RFC 2822 time in March 2026 (UTC), as Twilio writes it."""
    names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    weekday = names[(day + 6) % 7]  # 2026-03-01 was a Sunday
    return f"{weekday}, {day:02d} Mar 2026 {hh:02d}:{mm:02d}:00 +0000"


def call(
    sid: str,
    to: str,
    status: str,
    at: str,
    *,
    answered_by: str = "",
    direction: str = "outbound-api",
    frm: str = AGENCY,
) -> dict[str, str]:
    return {
        "sid": sid,
        "account_sid": PROJECT,
        "from": frm,
        "to": to,
        "direction": direction,
        "status": status,
        "answered_by": answered_by,
        "start_time": at,
        "date_created": at,
        "duration": "30",
    }


def message(
    sid: str,
    body: str,
    status: str,
    sent: str,
    *,
    created: str = "",
    direction: str = "outbound-api",
    frm: str = AGENCY,
    to: str = ALICE,
) -> dict[str, str]:
    """A row of the Message resource (date_created defaults to the time sent)."""
    return {
        "sid": sid,
        "account_sid": PROJECT,
        "from": frm,
        "to": to,
        "body": body,
        "direction": direction,
        "status": status,
        "date_sent": sent,
        "date_created": created or sent,
        "num_segments": "1",
    }


def write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    rows = [
        {"phone": ALICE, "account": "ACC-1", "debtor": "D-1", "timezone": "America/New_York"},
        {"phone": BOB, "account": "ACC-2", "debtor": "D-2", "timezone": "America/New_York"},
        {"phone": BOB, "account": "ACC-3", "debtor": "D-2", "timezone": "America/New_York"},
        {
            "phone": "+1 (617) 555-0133",
            "account": "ACC-4",
            "debtor": "D-4",
            "timezone": "America/Chicago",
        },
    ]
    return write(tmp_path / "crm.csv", rows, ["phone", "account", "debtor", "timezone"])


def every_call_status(tmp_path: Path) -> Path:
    """One call per status and answering-machine result Twilio documents, plus softphone
    legs and an inbound call."""
    rows = [
        call("CA01", ALICE, "completed", rfc(10, 15), answered_by="human"),
        call("CA02", ALICE, "completed", rfc(10, 16), answered_by="machine_start"),
        call("CA03", ALICE, "completed", rfc(10, 17), answered_by="machine_end_beep"),
        call("CA04", ALICE, "completed", rfc(10, 18), answered_by="machine_end_silence"),
        call("CA05", ALICE, "completed", rfc(10, 19), answered_by="machine_end_other"),
        call("CA06", ALICE, "completed", rfc(11, 15), answered_by="fax"),
        call("CA07", ALICE, "completed", rfc(11, 16), answered_by="unknown"),
        call("CA08", CAROL, "no-answer", rfc(11, 17)),
        call("CA09", CAROL, "busy", rfc(11, 18)),
        call("CA10", CAROL, "failed", rfc(11, 19)),
        call("CA11", CAROL, "canceled", ""),
        call("CA12", BOB, "no-answer", rfc(12, 2, 30)),  # 22:30 in New York: two debts
        call("CA13", AGENCY, "completed", rfc(12, 15), direction="inbound", frm=ALICE),
        call("CA14", ALICE, "completed", rfc(12, 16), frm="client:alice", direction="inbound"),
        call("CA15", "client:bob", "completed", rfc(12, 17), direction="outbound-dial"),
        call("CA16", ALICE, "queued", ""),
        call("CA17", ALICE, "ringing", rfc(12, 18)),
        call("CA18", ALICE, "in-progress", rfc(12, 19)),
        call("CA19", DAN, "completed", rfc(12, 20), answered_by="human"),  # not in the CRM
        call("CA20", ALICE, "completed", "Thu, 32 Mar 2026 19:00:00 +0000", answered_by="human"),
    ]
    rows[10]["date_created"] = rfc(11, 20)
    rows[15]["date_created"] = rfc(12, 21)
    return write(tmp_path / "calls.csv", rows, CALL_FIELDS)


def test_the_built_in_profiles_load_and_fit_the_schema() -> None:
    # a run trusts the built-in profiles (it does not validate them): this is their check
    assert {"twilio-calls", "twilio-messages", "amazon-connect-ctr"} <= set(builtin_names())
    schema = load_schema("profile.schema.json")
    for name in builtin_names():
        profile = load_profile(name)
        assert profile.name == name
        assert len(profile.sha256) == 64
        doc, data, _, shipped = _resolved(name, ())  # `extends` resolved, as a run sees it
        assert shipped
        assert not doc.problems
        assert validate(doc, data, schema) == []


def test_twilio_calls_maps_every_status_and_accounts_for_every_row(
    tmp_path: Path, crm: Path
) -> None:
    report = collectlint.check(
        [every_call_status(tmp_path)], profile="twilio-calls", accounts=crm, max_rejects=100
    )
    s = report.summary
    assert (s.rows_read, s.rows_excluded, s.rows_deduplicated) == (20, 2, 0)
    # 18 rows kept, CA12 is two events (BOB holds two debts)
    assert s.events_read == 19 == s.events_checked + s.events_rejected
    reasons = {r.origin.row: (r.code, r.reason) for r in report.rejected}
    assert reasons == {
        16: ("unmapped-value", "status 'queued' is not in profile twilio-calls's map for outcome"),
        17: ("unmapped-value", "status 'ringing' is not in profile twilio-calls's map for outcome"),
        18: (
            "unmapped-value",
            "status 'in-progress' is not in profile twilio-calls's map for outcome",
        ),
        19: ("no-account", "to is not in the accounts file (its phone column)"),
        20: ("bad-time", "start_time 'Thu, 32 Mar 2026 19:00:00 +0000' is not an RFC 2822 time"),
    }
    assert all(DAN not in r.reason for r in report.rejected)
    # one call to a number of two debts: a finding for each debt, but counted once per number
    rapid = [v for v in report.violations if v.rule == "us-regf/rapid-unanswered-calls"]
    assert not rapid
    fan = sorted(v.event for v in report.violations if v.event.startswith("CA12"))
    assert fan
    assert set(fan) <= {"CA12:ACC-2", "CA12:ACC-3"}
    [source] = report.inputs
    assert source.profile is not None
    assert source.profile.name == "twilio-calls"
    assert source.profile.excluded == {
        "a leg to an agent's Twilio Client (client:...), not a call to a consumer": 1,
        "a softphone leg from an agent's Twilio Client (client:...), not a call to a consumer": 1,
    }


def canonical_of_every_call_status() -> list[dict[str, str]]:
    """The same calls normalised by hand, as the profile documents its choices."""
    ny, chi = "America/New_York", "America/Chicago"

    def row(
        i: str,
        t: str,
        acct: str,
        debtor: str,
        outcome: str,
        zone: str = ny,
        direction: str = "outbound",
    ) -> dict[str, str]:
        return {
            "id": i,
            "time": t,
            "account": acct,
            "debtor": debtor,
            "party": "debtor",
            "channel": "call",
            "direction": direction,
            "outcome": outcome,
            "timezone": zone,
            "kind": "contact",
            "to": "",
        }

    a = ("ACC-1", "D-1")
    return [
        row("CA01", "2026-03-10T15:00:00Z", *a, "conversation"),
        row("CA02", "2026-03-10T16:00:00Z", *a, "voicemail"),
        row("CA03", "2026-03-10T17:00:00Z", *a, "voicemail"),
        row("CA04", "2026-03-10T18:00:00Z", *a, "voicemail"),
        row("CA05", "2026-03-10T19:00:00Z", *a, "voicemail"),
        row("CA06", "2026-03-11T15:00:00Z", *a, "no_answer"),
        row("CA07", "2026-03-11T16:00:00Z", *a, "conversation"),
        row("CA08", "2026-03-11T17:00:00Z", "ACC-4", "D-4", "no_answer", chi),
        row("CA09", "2026-03-11T18:00:00Z", "ACC-4", "D-4", "busy", chi),
        row("CA10", "2026-03-11T19:00:00Z", "ACC-4", "D-4", "not_connected", chi),
        row("CA11", "2026-03-11T20:00:00Z", "ACC-4", "D-4", "not_connected", chi),
        {
            **row("CA12:ACC-2", "2026-03-12T02:30:00Z", "ACC-2", "D-2", "no_answer"),
            "contact": "CA12",
        },
        {
            **row("CA12:ACC-3", "2026-03-12T02:30:00Z", "ACC-3", "D-2", "no_answer"),
            "contact": "CA12",
        },
        row("CA13", "2026-03-12T15:00:00Z", *a, "conversation", direction="inbound"),
    ]


def test_findings_equal_those_on_the_hand_normalised_log(tmp_path: Path, crm: Path) -> None:
    export = every_call_status(tmp_path)
    profiled = collectlint.check([export], profile="twilio-calls", accounts=crm, max_rejects=100)
    rows = canonical_of_every_call_status()
    for r in rows:  # the person is the number called, as the profile reads it
        r["to"] = {"ACC-1": ALICE, "ACC-2": BOB, "ACC-3": BOB, "ACC-4": "+16175550133"}[
            r["account"]
        ]
    plain = collectlint.check([write_csv(tmp_path / "canonical.csv", rows)])
    assert plain.summary.events_checked == profiled.summary.events_checked
    assert {(v.rule, v.event) for v in profiled.violations} == {
        (v.rule, v.event) for v in plain.violations
    }
    assert profiled.violations, "the sample must exercise some rule"


def test_twilio_messages_every_status(tmp_path: Path, crm: Path) -> None:
    fields = MESSAGE_FIELDS
    statuses = [
        "delivered",
        "read",
        "partially_delivered",
        "sent",
        "undelivered",
        "failed",
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "canceled",
    ]
    rows = []
    for n, status in enumerate(statuses):
        sent = "" if status in ("accepted", "scheduled", "queued", "canceled") else rfc(10, 14, n)
        body = "Reminder: your payment is due. Reply STOP to opt out."
        rows.append(message(f"SM{n:02d}", body, status, sent, created=rfc(10, 13, n)))
    rows.append(
        message("SM90", "STOP", "received", rfc(10, 15), direction="inbound", frm=ALICE, to=AGENCY)
    )
    rows.append(
        message(
            "SM91",
            "We will call you tomorrow.",
            "delivered",
            rfc(10, 16),
            direction="outbound-reply",
        )
    )
    export = write(tmp_path / "messages.csv", rows, fields)
    report = collectlint.check([export], profile="twilio-messages", accounts=crm, max_rejects=100)
    s = report.summary
    assert (s.rows_read, s.rows_excluded) == (13, 1)
    assert s.events_read == 12 == s.events_checked + s.events_rejected
    unmapped = sorted(r.reason.split("'")[1] for r in report.rejected)
    assert unmapped == ["accepted", "queued", "scheduled", "sending"]
    # the inbound STOP opens the opt-out: the later text to the same number is a finding
    assert ("us-regf/medium-opt-out", "SM91") in {(v.rule, v.event) for v in report.violations}


def connect_records() -> list[dict[str, object]]:
    def rec(
        cid: str,
        at: str,
        updated: str,
        amd: str | None,
        agent: bool = False,
        method: str = "OUTBOUND",
        channel: str = "VOICE",
        to: str = ALICE,
    ) -> dict[str, object]:
        return {
            "ContactId": cid,
            "InitiationTimestamp": at,
            "LastUpdateTimestamp": updated,
            "Channel": channel,
            "InitiationMethod": method,
            "CustomerEndpoint": {"Address": to, "Type": "TELEPHONE_NUMBER"},
            "Agent": {"Username": "alice", "ConnectedToAgentTimestamp": at} if agent else None,
            "AnsweringMachineDetectionStatus": amd,
            "DisconnectReason": "CUSTOMER_DISCONNECT",
            "Attributes": {"accountNumber": "ACC-1"},
        }

    return [
        rec("c1", "2026-03-10T15:00:00Z", "2026-03-10T15:05:00Z", "HUMAN_ANSWERED", True),
        rec("c1", "2026-03-10T15:00:00Z", "2026-03-10T15:09:00Z", "HUMAN_ANSWERED", True),
        rec("c1", "2026-03-10T15:00:00Z", "2026-03-10T15:01:00Z", "HUMAN_ANSWERED", True),
        rec("c2", "2026-03-11T02:00:00Z", "2026-03-11T02:01:00Z", "VOICEMAIL_BEEP"),
        rec("c3", "2026-03-11T15:00:00Z", "2026-03-11T15:01:00Z", "SIT_TONE_BUSY"),
        rec("c4", "2026-03-11T16:00:00Z", "2026-03-11T16:01:00Z", None, True, "INBOUND"),
        rec("c5", "2026-03-11T17:00:00Z", "2026-03-11T17:01:00Z", None, False, "API", "TASK"),
        rec("c6", "2026-03-11T18:00:00Z", "2026-03-11T18:01:00Z", None, True, "TRANSFER"),
        rec("c7", "2026-03-11T19:00:00Z", "2026-03-11T19:01:00Z", "AMD_NEW_STATUS"),
    ]


@pytest.mark.parametrize("packed", ["plain", "gzip", "lines"])
def test_amazon_connect_records_concatenated_gzipped_and_duplicated(
    tmp_path: Path, crm: Path, packed: str
) -> None:
    text = "".join(json.dumps(r) for r in connect_records())
    if packed == "lines":
        text = "\n".join(json.dumps(r, indent=None) for r in connect_records()) + "\n"
    export = tmp_path / "ctr.json"
    if packed == "gzip":
        export = tmp_path / "ctr.json.gz"
        export.write_bytes(gzip.compress(text.encode()))
    else:
        export.write_text(text, encoding="utf-8")
    report = collectlint.check(
        [export], profile="amazon-connect-ctr", accounts=crm, max_rejects=100
    )
    s = report.summary
    assert (s.rows_read, s.rows_deduplicated, s.rows_excluded) == (9, 2, 2)
    assert s.events_read == 5 == s.events_checked + s.events_rejected
    [bad] = report.rejected
    assert "AnsweringMachineDetectionStatus 'AMD_NEW_STATUS'" in bad.reason
    assert bad.origin.row == 9
    found = {(v.rule, v.event) for v in report.violations}
    assert ("us-regf/inconvenient-time", "c2") in found  # 22:00 in New York
    assert ("us-regf/call-after-conversation", "c2") in found  # c1 was a conversation


def test_the_latest_copy_of_a_record_is_kept(tmp_path: Path, crm: Path) -> None:
    records = connect_records()[:3]
    records[1]["AnsweringMachineDetectionStatus"] = "VOICEMAIL_BEEP"  # the last update
    export = tmp_path / "ctr.json"
    export.write_text("".join(json.dumps(r) for r in records), encoding="utf-8")
    result = runner.invoke(
        app,
        ["profile", "show", str(export), "--profile", "amazon-connect-ctr", "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["rows_read"] == 3
    outcomes = {v["value"]: v["maps_to"] for v in shown["values"] if v["field"] == "outcome"}
    assert outcomes  # the sign-off table lists the outcome map
    report = collectlint.check([export], profile="amazon-connect-ctr", accounts=crm)
    assert report.summary.rows_deduplicated == 2


def test_profile_show_lists_every_value_with_its_count(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["profile", "show", str(every_call_status(tmp_path)), "--profile", "twilio-calls"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("completed" in line and "voicemail" in line and " 4 " in line for line in lines)
    assert any("queued" in line and "rejected" in line for line in lines)
    assert "sha256" in lines[0]


def test_a_missing_source_column_is_an_input_error(tmp_path: Path, crm: Path) -> None:
    export = write(
        tmp_path / "calls.csv",
        [call("CA1", ALICE, "busy", rfc(10, 15))],
        [f for f in CALL_FIELDS if f != "answered_by"],
    )
    with pytest.raises(InputError, match="answered_by"):
        collectlint.check([export], profile="twilio-calls", accounts=crm)


def test_profile_and_map_do_not_mix_and_a_join_needs_accounts(tmp_path: Path, crm: Path) -> None:
    export = write(tmp_path / "calls.csv", [call("CA1", ALICE, "busy", rfc(10, 15))], CALL_FIELDS)
    with pytest.raises(UsageError, match="--map and --profile"):
        collectlint.check([export], profile="twilio-calls", column_map={"id": "sid"})
    with pytest.raises(UsageError, match="--accounts"):
        collectlint.check([export], profile="twilio-calls")
    result = runner.invoke(app, ["check", str(export), "--profile", "no-such-profile"])
    assert result.exit_code == 2
    assert "no-such-profile" in result.output


def test_a_bad_profile_file_points_at_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "profile: {name: mine, title: Mine, version: '1', format: csv}\n"
        "columns:\n"
        "  id: sid\n"
        "  channel: kind\n"
        "constant:\n"
        "  channel: call\n"
        "values:\n"
        "  outcome:\n"
        "    from: status\n"
        "    map:\n"
        "      completed: answered\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as caught:
        load_profile(str(bad))
    text = str(caught.value)
    assert f"{bad.as_posix()}:6:3: field 'channel' is both read from a column" in text
    assert f"{bad.as_posix()}:11:18: 'answered' is not a value of 'outcome'" in text


def test_an_accounts_file_without_its_columns_is_an_error(tmp_path: Path) -> None:
    export = write(tmp_path / "calls.csv", [call("CA1", ALICE, "busy", rfc(10, 15))], CALL_FIELDS)
    crm = tmp_path / "crm.csv"
    crm.write_text("number,acct\n+16175550111,A1\n", encoding="utf-8")
    result = runner.invoke(
        app, ["check", str(export), "--profile", "twilio-calls", "--accounts", str(crm)]
    )
    assert result.exit_code == 2
    assert "needs column(s) phone, account" in result.output


def test_a_field_no_record_has_is_an_input_error(tmp_path: Path, crm: Path) -> None:
    records = connect_records()
    for record in records:
        del record["DisconnectReason"]
    export = tmp_path / "ctr.json"
    export.write_text("".join(json.dumps(r) for r in records), encoding="utf-8")
    with pytest.raises(InputError, match="DisconnectReason"):
        collectlint.check([export], profile="amazon-connect-ctr", accounts=crm)


def test_an_account_column_that_cannot_be_the_debt_is_a_warning(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"E{i}",
            "time": f"2024-06-03T{12 + i % 8:02d}:{i % 60:02d}:00Z",
            "account": PROJECT,
            "channel": "sms",
            "outcome": "sent",
            "timezone": "America/New_York",
        }
        for i in range(1_001)
    ]
    report = collectlint.check([write_csv(tmp_path / "log.csv", rows)])
    codes = {n.code for n in report.notes}
    assert {"one-account", "provider-account-id"} <= codes
    few = collectlint.check([write_csv(tmp_path / "few.csv", rows[:10])])
    assert "one-account" not in {n.code for n in few.notes}


def test_json_given_to_a_csv_profile_is_refused_without_quoting_it(
    tmp_path: Path, crm: Path
) -> None:
    export = tmp_path / "ctr.json"
    export.write_text("".join(json.dumps(r) for r in connect_records()), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        collectlint.check([export], profile="twilio-calls", accounts=crm)
    assert "holds JSON" in str(caught.value)
    assert ALICE not in str(caught.value)


def test_calls_and_messages_are_checked_together_each_through_its_profile(
    tmp_path: Path, crm: Path
) -> None:
    calls = every_call_status(tmp_path)
    fields = MESSAGE_FIELDS
    text = message("SM01", "Please call us back.", "delivered", rfc(12, 3))
    messages = write(tmp_path / "messages.csv", [text], fields)
    canonical = write_csv(
        tmp_path / "letters.csv",
        [
            {
                "id": "L1",
                "time": "2026-03-12T15:00:00Z",
                "account": "ACC-1",
                "channel": "letter",
                "outcome": "sent",
                "timezone": "America/New_York",
            }
        ],
    )
    report = collectlint.check(
        [calls, messages, canonical],
        profile=["calls*.csv=twilio-calls", "messages.csv=twilio-messages"],
        accounts=crm,
        max_rejects=100,
    )
    used = {Path(i.path).name: i.profile.name if i.profile else None for i in report.inputs}
    assert used == {
        "calls.csv": "twilio-calls",
        "messages.csv": "twilio-messages",
        "letters.csv": None,
    }
    # the text at 23:00 in New York is judged with the calls
    assert ("us-regf/inconvenient-time", "SM01") in {(v.rule, v.event) for v in report.violations}
    with pytest.raises(UsageError, match="each read every input"):
        collectlint.check([calls], profile=["twilio-calls", "twilio-messages"], accounts=crm)
    with pytest.raises(UsageError, match="matches several patterns"):
        collectlint.check(
            [calls], profile=["*.csv=twilio-calls", "calls*=twilio-messages"], accounts=crm
        )
    with pytest.raises(UsageError, match="--accounts needs --profile"):
        collectlint.check([canonical], accounts=crm)


def test_a_csv_export_in_another_encoding(tmp_path: Path, crm: Path) -> None:
    fields = MESSAGE_FIELDS
    text = message("SM01", "您好，请尽快还款。", "delivered", rfc(12, 15))
    utf8 = write(tmp_path / "utf8.csv", [text], fields)
    export = tmp_path / "messages.csv"
    export.write_bytes(utf8.read_text("utf-8").encode("gb18030"))
    report = collectlint.check(
        [export], profile="twilio-messages", accounts=crm, encoding="gb18030"
    )
    assert report.summary.events_checked == 1
    assert report.inputs[0].sha256 == hashlib.sha256(export.read_bytes()).hexdigest()
    with pytest.raises(InputError, match=r"(?i)utf-8"):
        collectlint.check([export], profile="twilio-messages", accounts=crm)


def test_a_rejected_row_stays_one_event_and_bad_times_are_counted_as_one_reason(
    tmp_path: Path, crm: Path
) -> None:
    rows = [
        call("CA1", BOB, "queued", rfc(10, 15)),  # BOB holds two debts
        call("CA2", ALICE, "busy", "yesterday"),
        call("CA3", ALICE, "busy", "today"),
    ]
    export = write(tmp_path / "calls.csv", rows, CALL_FIELDS)
    report = collectlint.check([export], profile="twilio-calls", accounts=crm, max_rejects=10)
    assert report.summary.events_read == 3 == report.summary.events_rejected
    run = report.inputs[0].profile
    assert run is not None
    assert run.rejected["start_time is not an RFC 2822 time"] == 2


def test_no_progress_display_off_a_terminal_and_quiet_is_accepted(
    tmp_path: Path, crm: Path
) -> None:
    export = write(tmp_path / "calls.csv", [call("CA1", ALICE, "busy", rfc(10, 15))], CALL_FIELDS)
    args = ["check", str(export), "--profile", "twilio-calls", "--accounts", str(crm)]
    for extra in ([], ["--quiet"]):
        result = runner.invoke(app, [*args, *extra, "-f", "json"])
        assert result.exit_code in (0, 1), result.output
        assert "checking" not in result.output
        json.loads(result.stdout)


def test_records_back_to_back_with_braces_inside_strings(tmp_path: Path) -> None:
    from collectlint.profiles.source import read_source

    export = tmp_path / "ctr.json"
    export.write_bytes(b'{"a":"x}{y","b":1}{"a":"z","b":2}\n')
    frame = read_source(export, "ctr.json", "json", ["a", "b"]).frame
    assert frame.to_dicts() == [{"a": "x}{y", "b": "1"}, {"a": "z", "b": "2"}]


def test_a_profile_extends_cycle_is_an_error(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(
        f"extends: {second.as_posix()}\n"
        "profile: {name: a, title: A, version: '1', format: csv}\n",
        encoding="utf-8",
    )
    second.write_text(f"extends: {first.as_posix()}\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="cycle"):
        load_profile(str(first))


def test_a_parquet_export_reads_as_its_csv_does(tmp_path: Path, crm: Path) -> None:
    """The same calls as Parquet, through a profile that extends twilio-calls (with nested
    Connect-style objects flattened as JSON ones are), give the same report."""
    source = every_call_status(tmp_path)
    frame = pl.read_csv(source, infer_schema=False)
    frame.write_parquet(tmp_path / "calls.parquet")
    mine = tmp_path / "parquet.yaml"
    mine.write_text(
        "extends: twilio-calls\n"
        'profile: {name: twilio-calls-parquet, title: Calls as Parquet, version: "1", '
        "format: parquet}\n",
        encoding="utf-8",
    )
    as_csv = collectlint.check([source], profile="twilio-calls", accounts=crm, max_rejects=100)
    as_parquet = collectlint.check(
        [tmp_path / "calls.parquet"], profile=str(mine), accounts=crm, max_rejects=100
    )
    assert as_parquet.summary == as_csv.summary
    assert [(v.rule, v.event) for v in as_parquet.violations] == [
        (v.rule, v.event) for v in as_csv.violations
    ]
    # a file that is not Parquet, and a Parquet column of bytes, are input errors naming it
    with pytest.raises(InputError, match=r"calls\.csv: not a Parquet file"):
        collectlint.check([source.rename(tmp_path / "calls.csv")], profile=str(mine), accounts=crm)
    frame.with_columns(pl.col("status").cast(pl.Binary)).write_parquet(tmp_path / "bytes.parquet")
    with pytest.raises(InputError, match=r"bytes\.parquet: column 'status' holds binary data"):
        collectlint.check([tmp_path / "bytes.parquet"], profile=str(mine), accounts=crm)


def test_nested_parquet_records_are_flattened(tmp_path: Path, crm: Path) -> None:
    records = connect_records()
    export = tmp_path / "ctr.json"
    export.write_text("".join(json.dumps(r) for r in records), encoding="utf-8")
    json_report = collectlint.check(
        [export],
        profile="amazon-connect-ctr",
        accounts=crm,
        max_rejects=100,
    )
    pl.DataFrame(records).write_parquet(tmp_path / "ctr.parquet")
    mine = tmp_path / "ctr.yaml"
    mine.write_text(
        "extends: amazon-connect-ctr\n"
        'profile: {name: ctr-parquet, title: Contact records as Parquet, version: "1", '
        "format: parquet}\n",
        encoding="utf-8",
    )
    report = collectlint.check(
        [tmp_path / "ctr.parquet"], profile=str(mine), accounts=crm, max_rejects=100
    )
    assert report.summary == json_report.summary


def test_a_bad_extends_names_the_profile_file_and_line(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: Twilio-Calls\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_profile(str(mine))
    assert "mine.yaml:1:10: extends 'Twilio-Calls': no such profile file" in str(caught.value)
    # a parent file is found beside the profile that extends it, wherever the run starts
    (tmp_path / "base.yaml").write_text(
        (Path(__file__).parents[1] / "profiles/twilio-calls.yaml").read_text("utf-8"),
        encoding="utf-8",
    )
    mine.write_text("extends: base.yaml\n", encoding="utf-8")
    assert load_profile(str(mine)).name == "twilio-calls"


def test_an_accounts_header_naming_a_column_twice_is_an_input_error(
    tmp_path: Path, crm: Path
) -> None:
    lines = crm.read_text("utf-8").splitlines()
    doubled = [lines[0] + ",phone ", *(line + ",x" for line in lines[1:])]
    bad = tmp_path / "doubled.csv"
    bad.write_text("\n".join(doubled) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"doubled\.csv:1: column 'phone' appears more than once"):
        collectlint.check([every_call_status(tmp_path)], profile="twilio-calls", accounts=bad)


def test_one_record_of_another_shape_is_rejected_alone(tmp_path: Path, crm: Path) -> None:
    """A Connect record whose CustomerEndpoint is text, not an object: that record is rejected
    with the reason, and the others are read (the column is not lost for all of them)."""
    records = connect_records()
    odd = dict(records[0], ContactId="odd", CustomerEndpoint="+16175550111")
    export = tmp_path / "ctr.json"
    export.write_text("".join(json.dumps(r) for r in [*records, odd]), encoding="utf-8")
    report = collectlint.check(
        [export], profile="amazon-connect-ctr", accounts=crm, max_rejects=100
    )
    whole = collectlint.check(
        [_written(tmp_path, records)],
        profile="amazon-connect-ctr",
        accounts=crm,
        max_rejects=100,
    )
    assert report.summary.events_checked == whole.summary.events_checked
    reasons = [r.reason for r in report.rejected]
    assert (
        "CustomerEndpoint is not an object, so CustomerEndpoint.Address cannot be read" in reasons
    )
    assert "+16175550111" not in " ".join(reasons)


def _written(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "whole.json"
    path.write_text("".join(json.dumps(r) for r in records), encoding="utf-8")
    return path


def test_a_corrupt_gzip_export_is_an_input_error(tmp_path: Path, crm: Path) -> None:
    packed = bytearray(gzip.compress(b"".join(json.dumps(r).encode() for r in connect_records())))
    packed[len(packed) // 2] ^= 0xFF  # a flipped byte inside the deflate stream
    export = tmp_path / "ctr.json.gz"
    export.write_bytes(bytes(packed))
    with pytest.raises(InputError, match=r"ctr\.json\.gz: not a readable gzip file"):
        collectlint.check([export], profile="amazon-connect-ctr", accounts=crm)

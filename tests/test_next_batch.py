"""`History.answer` and `next --questions`: many questions against one reading of a history.

Each batch answer must be the answer `next_contact` gives for the question alone: the same
instant, local time, binding findings (messages, evidence, fingerprints: byte for byte, with
the planned contact's id `PLANNED_ID`) and reason, or the same refusal.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collectlint.cli import app
from collectlint.errors import UsageError
from collectlint.model import NextContact
from collectlint.schedule import PLANNED_ID, History, NoAnswer, Question, next_contact
from helpers import call_row, write_csv

ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Phoenix")
ACCOUNTS = tuple(f"A{n}" for n in range(1, 9))
DEBTOR = {a: f"D{(n % 5) + 1}" for n, a in enumerate(ACCOUNTS)}  # some debtors owe several
ZONE = {a: ZONES[n % len(ZONES)] for n, a in enumerate(ACCOUNTS)}
# the US clocks change on 2024-03-10 and 2024-11-03: the history and the questions straddle both
STARTS = (datetime(2024, 3, 4, 12, tzinfo=UTC), datetime(2024, 10, 28, 12, tzinfo=UTC))


def _history(rng: random.Random) -> list[dict[str, str]]:
    """Calls (answered or not), texts, conversations, third parties, a cease letter, STOP
    replies and consents, for eight accounts in four zones (one with two candidate zones)."""
    rows = []
    for n in range(260):
        account = rng.choice(ACCOUNTS)
        when = rng.choice(STARTS) + timedelta(minutes=rng.randrange(0, 60 * 24 * 12))
        zone = ZONE[account] if account != "A8" else "America/New_York|America/Chicago"
        row = call_row(
            f"E{n}",
            when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            account=account,
            debtor=DEBTOR[account],
            timezone=zone,
            to_=f"+1555000{account[1:]}",
            outcome=rng.choice(["no_answer", "voicemail", "busy", "conversation", "no_answer"]),
        )
        pick = rng.random()
        if pick < 0.25:
            row |= {"channel": "sms", "outcome": "", "body": "Please call us about your account."}
        elif pick < 0.35:
            row |= {"party": "spouse", "to": f"+1555100{account[1:]}"}
        elif pick < 0.38:
            row |= {"channel": "sms", "direction": "inbound", "outcome": "", "body": "STOP"}
        elif pick < 0.40:
            row |= {"kind": "cease", "channel": "letter", "direction": "inbound", "outcome": ""}
        elif pick < 0.42:
            row |= {"kind": "consent", "channel": "call", "direction": "inbound"}
        rows.append(row)
    return rows


def _questions(rng: random.Random, count: int) -> list[Question]:
    """Random questions: known accounts (often the same one at several instants), other
    parties and channels, an unknown account with and without a zone, and a bad zone."""
    questions: list[Question] = []
    for n in range(count):
        account = rng.choice([*ACCOUNTS, "A1", "A2", "NEW"])
        event = {
            "account": account,
            "party": rng.choice(["debtor", "debtor", "debtor", "spouse"]),
            "channel": rng.choice(["call", "call", "sms"]),
        }
        if account == "NEW" and n % 3:
            event["timezone"] = rng.choice(ZONES)
        if n % 17 == 0:
            event["timezone"] = "Mars/Olympus_Mons"
        when = rng.choice(STARTS) + timedelta(minutes=rng.randrange(-600, 60 * 24 * 14))
        questions.append((event, when))
    return questions


def _single(history: Path, question: Question) -> NextContact | NoAnswer:
    try:
        return next_contact([str(history)], question[0], question[1])
    except UsageError as exc:
        return NoAnswer(str(exc))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("batch") / "history.csv", _history(random.Random(7)))


def test_every_batch_answer_is_the_single_answer(history: Path) -> None:
    questions = _questions(random.Random(11), 52)
    batch = History.load([str(history)]).answer(questions)
    assert len(batch.answers) == len(questions)
    with ThreadPoolExecutor(4) as pool:  # each reference answer is a pipeline run of its own
        singles = list(pool.map(functools.partial(_single, history), questions))
    kinds = {"bound": 0, "free": 0, "refused": 0}
    for question, got, want in zip(questions, batch.answers, singles, strict=True):
        if isinstance(want, NextContact):  # the batch's notes are the batch's, not the answer's
            want = dataclasses.replace(want, notes=())
            kinds["bound" if want.binding else "free"] += 1
        else:
            kinds["refused"] += 1
        assert got == want, question
    assert all(kinds.values()), kinds  # the questions exercised every kind of answer
    bound = [a for a in batch.answers if isinstance(a, NextContact) and a.binding]
    assert all(v.event == PLANNED_ID and v.row == 1 for a in bound for v in a.binding)


def test_the_same_question_twice_is_answered_twice_alike(history: Path) -> None:
    question: Question = ({"account": "A1"}, datetime(2024, 3, 10, 6, 30, tzinfo=UTC))
    batch = History.load([str(history)]).answer([question, question])
    assert batch.answers[0] == batch.answers[1] == _single(history, question)


def test_a_naive_instant_is_a_refusal_not_an_error(history: Path) -> None:
    naive = datetime(2024, 3, 10, 6, 30)  # noqa: DTZ001 - the naive time is the point
    batch = History.load([str(history)]).answer([({"account": "A1"}, naive)])
    assert isinstance(batch.answers[0], NoAnswer)
    assert "UTC offset" in batch.answers[0].error


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_questions_file_in_and_json_lines_out(history: Path, tmp_path: Path) -> None:
    asked = [
        {"account": "A1", "at": "2024-03-10T06:30:00Z"},
        {"account": "A2", "at": "2024-11-03T05:30:00-05:00", "channel": "sms"},
        {"account": "NEW", "at": "2024-03-09T12:00:00Z"},  # no zone anywhere
    ]
    file = tmp_path / "questions.jsonl"
    file.write_text("".join(json.dumps(q) + "\n" for q in asked), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["next", "--history", str(history), "--questions", str(file)])
    assert result.exit_code == 2, result.output  # the last line cannot be answered
    lines = _lines(result.stdout)
    assert [line["line"] for line in lines] == [1, 2, 3]
    assert [line["account"] for line in lines] == ["A1", "A2", "NEW"]
    assert "no timezone for account 'NEW'" in str(lines[2]["error"])
    for question, line in zip(asked[:2], lines, strict=False):
        single = runner.invoke(
            app,
            [
                "next",
                "--history",
                str(history),
                "--account",
                question["account"],
                "--at",
                question["at"],
                "--channel",
                question.get("channel", "call"),
                "--format",
                "json",
            ],
        )
        assert single.exit_code == 0, single.output
        want = json.loads(single.stdout) | {"notes": []}
        assert {k: v for k, v in line.items() if k not in ("line", "account")} == want
    assert all(
        text
        == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        for text in result.stdout.splitlines()
    )


def test_questions_from_standard_input_with_bad_lines(history: Path) -> None:
    text = "\n".join(
        [
            '{"account": "A3", "at": "2024-03-05T14:00:00Z"}',
            "{not json",
            '["A3"]',
            '{"account": "A3"}',
            '{"account": "A3", "at": "yesterday"}',
            '{"account": "A3", "at": "2024-03-05T14:00:00Z", "colour": "red"}',
            '{"account": 3, "at": "2024-03-05T14:00:00Z"}',
            "",
            '{"account": "A4", "at": "2024-03-05T14:00:00Z", "timezone": "Mars/Base"}',
        ]
    )
    result = CliRunner().invoke(
        app, ["next", "--history", str(history), "--questions", "-"], input=text
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = _lines(result.stdout)
    assert [line["line"] for line in lines] == [1, 2, 3, 4, 5, 6, 7, 9]
    assert "error" not in lines[0]
    assert "next_allowed_at" in lines[0]
    errors = [str(line.get("error", "")) for line in lines[1:]]
    assert errors[0].startswith("not JSON")
    assert "JSON object" in errors[1]
    assert "missing key(s) 'at'" in errors[2]
    assert "ISO-8601" in errors[3]
    assert "unknown key(s) 'colour'" in errors[4]
    assert "'account' must be a string" in errors[5]
    assert "cannot be evaluated" in errors[6]
    assert "Mars/Base" in errors[6]


@pytest.mark.parametrize(
    "extra",
    [
        ["--account", "A1"],
        ["--at", "2024-03-05T14:00:00Z"],
        ["--timezone", "America/Chicago"],
    ],
)
def test_questions_exclude_the_single_question_options(
    history: Path, tmp_path: Path, extra: list[str]
) -> None:
    file = tmp_path / "q.jsonl"
    file.write_text('{"account": "A1", "at": "2024-03-05T14:00:00Z"}\n', encoding="utf-8")
    args = ["next", "--history", str(history), "--questions", str(file), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "--questions" in result.output
    assert result.stdout == "" or "line" not in result.stdout


def test_next_needs_a_question(history: Path) -> None:
    result = CliRunner().invoke(app, ["next", "--history", str(history), "--account", "A1"])
    assert result.exit_code == 2
    assert "--account and --at, or --questions" in result.output

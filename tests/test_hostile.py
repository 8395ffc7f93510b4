"""Hostile inputs: each gets a clean error (exit 2, where it is, no traceback, no row echoed).

One test per kind of input that once crashed the command line, passed silently or leaked a
row; the fuzz harness (`benchmarks/fuzz_cli.py`, sliced in `test_fuzz_cli.py`) throws many more
at it.  `MARKER` stands for personal data in a row: no error message may repeat it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from collectlint.cli import app
from collectlint.errors import INTERNAL_ERROR
from helpers import EXAMPLE, REPO, call_row, write_csv

MARKER = "+15550107788"
HEADER = "id,time,account,channel,outcome,timezone,to,party,body\n"
GOOD = "g1,2024-06-03T14:00:00Z,A1,call,no_answer,America/New_York,,debtor,\n"
SECRET = f"s1,2024-06-03T15:00:00Z,A1,call,no_answer,America/New_York,{MARKER},spouse,hi\n"


def run(*args: str | Path, cwd: Path | None = None) -> Result:
    """The command line's result (stdout and stderr together)."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)


def assert_clean_error(result: Result, *where: str) -> None:
    """Exit 2, one message naming `where`, no traceback, no personal data."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert MARKER not in result.output
    for text in where:
        assert text in result.output, result.output


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# --- times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when", ["0000-01-01T03:00:00Z", "-0001-01-01T00:00:00Z", "+10000-01-01T00:00:00Z"]
)
def test_a_year_out_of_range_rejects_the_row(tmp_path: Path, when: str) -> None:
    log = _write(tmp_path / "y.csv", HEADER + GOOD + f"y1,{when},A1,call,,UTC,,debtor,\n")
    assert_clean_error(run("check", log), "y.csv")
    result = run("check", log, "--max-rejects", "1", "-f", "json")
    assert result.exit_code == 0, result.output
    [rejected] = json.loads(result.output)["rejected"]
    assert rejected["code"] == "time-out-of-range"
    assert rejected["origin"]["line"] == 3


@pytest.mark.parametrize("option", ["--as-of", "--at"])
def test_an_instant_option_out_of_range_or_garbage_names_its_option(option: str) -> None:
    for value in ("9999-12-31T23:59:59-14:00", "garbage"):
        if option == "--as-of":
            result = run("check", EXAMPLE, option, value)
        else:
            result = run("next", "--history", EXAMPLE, "--account", "ACC-1001", option, value)
        assert_clean_error(result, option)


# --- YAML dates ---------------------------------------------------------------------------------


def test_an_impossible_date_in_a_waivers_file_points_at_it(tmp_path: Path) -> None:
    waivers = _write(
        tmp_path / "w.yaml",
        "waivers:\n  - rule: us-regf/call-volume\n    scope: {account: ACC-1001}\n"
        "    reason: r\n    approver: a\n    expires: 2026-02-30\n",
    )
    assert_clean_error(run("check", EXAMPLE, "--waivers", waivers), "w.yaml:6:14", "real date")


def test_an_impossible_date_in_config_case_and_front_matter_is_text(tmp_path: Path) -> None:
    config = _write(tmp_path / "collectlint.yaml", "assume_timezone: 2026-02-30\n")
    assert_clean_error(run("check", EXAMPLE, "--config", config), ":1:18: unknown time zone")
    template = _write(tmp_path / "t.txt", "---\nchannel: sms\ndate: 2026-02-30\n---\nhi\n")
    assert_clean_error(run("lint", template), "t.txt", "unknown front-matter key 'date'")
    pack = tmp_path / "house"
    (pack / "cases").mkdir(parents=True)
    _write(
        pack / "pack.yaml", "pack: {name: house, title: H, version: 2026-02-30, extends: us-regf}\n"
    )
    _write(
        pack / "cases" / "call-volume.yaml",
        "rule: house/call-volume\ncases:\n  - name: bad_date\n    events:\n"
        "      - {id: c1, account: A, channel: call, timezone: UTC, time: 2026-02-30T00:00:00Z}\n"
        "    expect: []\n",
    )
    result = run("test", pack)
    assert result.exit_code == 1, result.output  # the case fails, with the line of the event
    assert "line 5: invalid time" in result.output
    assert "Traceback" not in result.output


# --- --output ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["check", str(EXAMPLE)],
        ["lint", str(REPO / "examples" / "templates")],
        ["baseline", "create", str(EXAMPLE)],
    ],
)
def test_output_into_a_missing_folder_or_onto_a_directory(
    tmp_path: Path, command: list[str]
) -> None:
    assert_clean_error(run(*command, "-o", tmp_path / "no" / "such" / "r.json"), "does not exist")
    assert_clean_error(run(*command, "-o", tmp_path), "is a directory")


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    log = _write(tmp_path / "log.csv", EXAMPLE.read_text())
    assert_clean_error(run("check", log, "-o", log), "one of the inputs")
    assert log.read_text() == EXAMPLE.read_text()


# --- Parquet column types -------------------------------------------------------------------------


def _parquet(tmp_path: Path, **columns: pl.Series) -> Path:
    base = {
        "id": pl.Series(["p1"]),
        "time": pl.Series(["2024-06-03T14:00:00Z"]),
        "account": pl.Series(["A1"]),
        "channel": pl.Series(["call"]),
        "timezone": pl.Series(["America/New_York"]),
    }
    path = tmp_path / "p.parquet"
    pl.DataFrame({**base, **columns}).write_parquet(path)
    return path


@pytest.mark.parametrize(
    ("column", "values", "says"),
    [
        ("channel", pl.Series([["call"]]), "column 'channel' holds lists"),
        ("body", pl.Series([b"\xff\xfe"], dtype=pl.Binary), "column 'body' holds binary data"),
        ("time", pl.Series([1717423200]), "column 'time' holds bare numbers"),
        ("account", pl.Series([1001.5]), "column 'account' holds fractional numbers"),
    ],
)
def test_parquet_columns_of_the_wrong_type_are_named(
    tmp_path: Path, column: str, values: pl.Series, says: str
) -> None:
    path = _parquet(tmp_path, **{column: values})
    assert_clean_error(run("check", path), "p.parquet", says)


def test_parquet_integer_accounts_and_naive_times(tmp_path: Path) -> None:
    path = _parquet(tmp_path, account=pl.Series([1001]))
    result = run("check", path, "-f", "json")
    assert result.exit_code == 0, result.output
    naive = _parquet(tmp_path, time=pl.Series([datetime(2024, 6, 3, 14)]))  # noqa: DTZ001
    result = run("check", naive, "--max-rejects", "1", "-f", "json", "-o", tmp_path / "r.json")
    assert result.exit_code == 2  # the one row was rejected: nothing could be checked
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["rejected"][0]["code"] == "naive-time"


# --- CSV structure -------------------------------------------------------------------------------


def test_a_duplicate_column_header_is_refused(tmp_path: Path) -> None:
    log = _write(
        tmp_path / "dup.csv",
        "id,time,account,channel,timezone,timezone\n"
        "d1,2024-06-03T03:00:00Z,A1,call,America/New_York,Asia/Tokyo\n",
    )
    assert_clean_error(run("check", log), "dup.csv", "'timezone' appears more than once")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (HEADER + GOOD + SECRET.replace(",hi\n", ',"hi\n') + GOOD.replace("g1", "g2"), "u.csv:3:"),
        (
            HEADER + GOOD + SECRET.replace(",hi\n", ",hi,extra\n"),
            "u.csv:3 (row 2): row has 10 fields",
        ),
    ],
)
def test_malformed_csv_names_the_line_and_quotes_nothing(
    tmp_path: Path, text: str, where: str
) -> None:
    assert_clean_error(run("check", _write(tmp_path / "u.csv", text)), where)


def test_short_rows_are_rejected_by_line_not_read_with_defaults(tmp_path: Path) -> None:
    log = _write(tmp_path / "s.csv", HEADER + GOOD + "s1,2024-06-03T15:00:00Z,A1,call\n")
    result = run("check", log, "--max-rejects", "1", "-f", "json")
    assert result.exit_code == 0, result.output
    [rejected] = json.loads(result.output)["rejected"]
    assert rejected["code"] == "short-row"
    assert rejected["origin"]["line"] == 3


def test_invalid_utf8_names_the_line_and_another_encoding_reads(tmp_path: Path) -> None:
    text = HEADER + GOOD + "e1,2024-06-03T15:00:00Z,A1,call,,America/New_York,,debtor,café\n"
    log = _write(tmp_path / "latin.csv", text.encode("latin-1"))
    assert_clean_error(run("check", log), "latin.csv:3: not valid UTF-8")
    result = run("check", log, "--encoding", "latin-1", "-f", "json")
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.output)["summary"]["events_checked"] == 2
    gbk = _write(
        tmp_path / "gbk.csv",
        (HEADER + GOOD + "e1,2024-06-03T15:00:00Z,A1,call,,Asia/Shanghai,,debtor,您好\n").encode(
            "gb18030"
        ),
    )
    result = run("check", gbk, "--encoding", "gb18030", "-r", "cn-consumer-credit", "-f", "json")
    assert json.loads(result.output)["summary"]["events_checked"] == 2


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    log = _write(
        tmp_path / "b.csv", HEADER + "\n" + GOOD + "\n\n" + GOOD.replace("g1", "g2") + "\n\n"
    )
    result = run("check", log, "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["events_read"] == 2


# --- JSON Lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            '{"id": "a", "time": "2024-06-03T14:00:00Z", "account": "A"}\n["x", "'
            + MARKER
            + '"]\n',
            "j.jsonl:2: not a JSON object but a list",
        ),
        (
            '{\n  "id": "a",\n  "time": "2024-06-03T14:00:00Z"\n}\n',
            "j.jsonl:1: this looks like a pretty-printed JSON document",
        ),
        ('{"id": "a"}{"id": "b"}\n', "j.jsonl:1: more than one JSON value on the line"),
    ],
)
def test_jsonl_problems_name_their_line(tmp_path: Path, text: str, where: str) -> None:
    assert_clean_error(run("check", _write(tmp_path / "j.jsonl", text)), where)


# --- what reports write ---------------------------------------------------------------


def test_csv_report_quotes_a_bare_cr_and_guards_the_formula(make_log: Callable[..., Path]) -> None:
    formula = "ACC\r=cmd|' /C calc'!A0"
    log = make_log([call_row("n1", "2024-06-03T06:00:00Z", account=formula)])
    result = run("check", log, "-f", "csv")
    assert result.exit_code == 1, result.output
    assert "\"ACC\r=cmd|' /C calc'!A0\"" in result.output  # quoted: the CR stays in its cell
    for row in csv.reader(io.StringIO(result.output, newline="")):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "csv", "html"])
def test_terminal_escapes_never_reach_the_output(make_log: Callable[..., Path], fmt: str) -> None:
    hostile = "\x1b[31mRED\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\u202e"
    log = make_log([call_row("e1\x1b[2J", "2024-06-03T06:00:00Z", account=hostile)])
    result = run("check", log, "-f", fmt)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\u202e" not in result.output


def test_annotations_point_at_the_physical_line_after_a_multi_line_body(tmp_path: Path) -> None:
    rows = [
        call_row("m1", "2024-06-03T14:00:00Z", channel="sms", body="line one\nline two\nthree"),
        call_row("m2", "2024-06-03T06:00:00Z"),
    ]
    log = write_csv(tmp_path / "m.csv", rows)
    result = run("check", log, "-f", "github", "--select", "us-regf/inconvenient-time")
    assert f"file={log.as_posix()}".replace(":", "%3A").replace(",", "%2C") in result.output
    assert ",line=5," in result.output  # m2 starts on line 5: the body spans lines 2-4
    text = run("check", log, "--select", "us-regf/inconvenient-time")
    assert "m.csv:5" in text.output


# --- packs ----------------------------------------------------------------------------------------


def test_relative_extends_resolve_from_the_pack_file(tmp_path: Path) -> None:
    base = tmp_path / "packs" / "base"
    house = tmp_path / "packs" / "house"
    base.mkdir(parents=True)
    house.mkdir()
    _write(base / "pack.yaml", "pack: {name: base, title: B, version: '1', extends: us-regf}\n")
    _write(
        house / "pack.yaml",
        "pack: {name: house, title: H, version: '1', extends: ../base/pack.yaml}\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("rules", "list", "-r", house / "pack.yaml", "-f", "json", cwd=elsewhere)
    assert result.exit_code == 0, result.output
    assert "house/call-volume" in result.output
    _write(
        base / "pack.yaml",
        "pack: {name: base, title: B, version: '1', extends: ../house/pack.yaml}\n",
    )
    assert_clean_error(run("rules", "list", "-r", house, cwd=elsewhere), "cycle")


# --- volume and emptiness -------------------------------------------------------------------------


def test_many_rejected_rows_are_grouped_in_the_text_report(tmp_path: Path) -> None:
    rows = "".join(f"r{n},garbage,A{n},call,,UTC,,debtor,\n" for n in range(20_000))
    log = _write(tmp_path / "g.csv", HEADER + GOOD + rows)
    start = time.perf_counter()
    result = run("check", log, "--max-rejects", "1000000")
    assert time.perf_counter() - start < 30
    assert result.exit_code == 0, result.output[-500:]
    assert "invalid-time (20,000)" in result.output
    assert len(result.output.splitlines()) < 60


def test_nothing_checked_is_not_clean_and_empty_input_says_so(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", HEADER + "b1,garbage,A1,call,,UTC,,debtor,\n")
    result = run("check", bad, "--max-rejects", "100")
    assert_clean_error(result, "none of the 1 rows could be checked", "bad.csv")
    empty = _write(tmp_path / "empty.csv", HEADER)
    result = run("check", empty)
    assert result.exit_code == 0, result.output
    assert "no events to check in" in result.output


# --- small ones ----------------------------------------------------------------------------------


def test_test_in_the_folder_init_made(tmp_path: Path) -> None:
    assert run("init", tmp_path).exit_code == 0
    result = run("test", ".", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "all cases passed" in result.output


def test_no_built_in_message_says_a_employer() -> None:
    for pack in (REPO / "rules").glob("*/pack.yaml"):
        assert "a {party}" not in pack.read_text(encoding="utf-8")


def test_rules_list_keeps_whole_ids_when_piped() -> None:
    result = run("rules", "list", "-r", "cn-consumer-credit")
    assert "cn-consumer-credit/unanswered-attempts-daily" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [
            "next",
            "--history",
            str(EXAMPLE),
            "--account",
            "ACC-1001",
            "--at",
            "2024-03-09T15:00:00Z",
            "-f",
            "sarif",
        ],
        ["rules", "list", "-f", "sarif"],
        ["rules", "list", "-f", "html"],
        ["rules", "show", "us-regf/call-volume", "-f", "junit"],
    ],
)
def test_a_format_a_command_does_not_produce_is_refused(command: list[str]) -> None:
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


# --- internal errors ------------------------------------------------------------------


def test_an_internal_error_exits_3_with_one_line_and_a_traceback_only_with_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from collectlint.kinds.hours import Hours

    def broken(self: Hours, ctx: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Hours, "evaluate", broken)
    result = run("check", EXAMPLE)
    assert result.exit_code == INTERNAL_ERROR == 3
    assert "internal error" in result.output
    assert "simulated bug" in result.output
    assert "Traceback" not in result.output
    debug = run("--debug", "check", EXAMPLE)
    assert debug.exit_code == 3
    assert "Traceback" in debug.output

"""Template linting: front matter, opaque placeholders, every branch, file:line:col findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from collectlint.cli import app
from collectlint.errors import InputError
from collectlint.inputs.templates import OPAQUE, read_template
from collectlint.linting import lint
from helpers import REPO

HEAD = "---\nchannel: sms\nparty: debtor\nlanguage: en\njurisdiction: US\n---\n"
OK_TAIL = " This is from a debt collector. Reply STOP to opt out."


def _write(tmp_path: Path, body: str, name: str = "t.txt") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_placeholders_are_opaque(tmp_path: Path) -> None:
    template = read_template(_write(tmp_path, "Hi {{ name }}, jail{{x}}"), "t.txt")
    [variant] = template.variants
    assert variant.text == f"Hi {OPAQUE}, jail{OPAQUE}"


def test_placeholder_value_is_never_a_word(tmp_path: Path) -> None:
    path = _write(tmp_path, "Your {{ arrest_date }} reminder." + OK_TAIL)
    assert lint([path]).violations == ()


def test_every_branch_is_rendered(tmp_path: Path) -> None:
    body = "{% if a %}one{% elif b %}two{% else %}three{% endif %} {% if c %}x{% endif %}"
    template = read_template(_write(tmp_path, body), "t.txt")
    assert sorted(v.text for v in template.variants) == sorted(
        ["one x", "one ", "two x", "two ", "three x", "three "]
    )


def test_forbidden_word_in_a_branch_points_at_its_line(tmp_path: Path) -> None:
    body = "Hello.\n{% if late %}You will be ARRESTED.{% endif %}" + OK_TAIL
    report = lint([_write(tmp_path, body)])
    [finding] = report.violations
    assert finding.rule == "us-regf/false-threat"
    assert (finding.line, finding.column) == (8, 26)
    assert finding.quote == "ARRESTED"


def test_requirement_missing_in_one_branch(tmp_path: Path) -> None:
    body = "This is from a debt collector. {% if opted %}Reply STOP to opt out.{% endif %}"
    [finding] = lint([_write(tmp_path, body)]).violations
    assert finding.rule == "us-regf/electronic-opt-out"
    assert (finding.line, finding.column) == (7, 1)
    assert "branch 2" in finding.evidence[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nparty: debtor\n---\nhi", "must name the template's channel"),
        ("---\nchannel: fax\n---\nhi", "channel 'fax'"),
        ("---\nchannel: sms\ncolour: red\n---\nhi", "unknown front-matter key"),
        ("---\nchannel: sms\n---\n{% if a %}hi", "never closed"),
        ("---\nchannel: sms\nhi", "never ends"),
    ],
)
def test_bad_templates_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        lint([path])


def test_cli_lint_on_bundled_examples() -> None:
    result = CliRunner().invoke(
        app,
        ["lint", str(REPO / "examples" / "templates"), "-r", "us-regf", "-r", "cn-consumer-credit"],
    )
    assert result.exit_code == 1
    assert "final-notice.html:8:" in result.output
    assert "reminder-zh.txt:7:" in result.output
    assert "payment-reminder.txt" not in result.output

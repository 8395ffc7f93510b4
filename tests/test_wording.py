"""Wording rules: normalisation sees through evasions, quotes point at the original text,
patterns the linear-time engine cannot run are rule-file errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectlint
from collectlint.errors import RuleFileError
from collectlint.loading.packs import load_pack
from collectlint.text.normalise import normalise_expr, normalise_with_map

PACK = """pack: {{name: w, title: W, version: '1', jurisdiction: [US]}}
rules:
  - id: r
    kind: wording
    severity: error
    message: "{{category}}: {{quote}}"
    citation: c
    url: https://example.com
    description: d
    params:
{params}
"""


def _pack(tmp_path: Path, params: str) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(PACK.format(params=params), encoding="utf-8")
    return path


def _check(tmp_path: Path, params: str, bodies: list[str]) -> list[collectlint.Violation]:
    log = tmp_path / "log.jsonl"
    rows = [
        {
            "id": str(i),
            "time": "2024-06-03T16:00:00Z",
            "account": "A",
            "channel": "sms",
            "timezone": "America/New_York",
            "body": b,
        }
        for i, b in enumerate(bodies)
    ]
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    report = collectlint.check([log], rules=[str(_pack(tmp_path, params))])
    assert not report.rejected
    return list(report.violations)


FORBID = """      forbid:
        jail: {phrases: [jail, 坐牢, 通讯录]}
      allow: {phrases: [not go to jail]}
"""


@pytest.mark.parametrize(
    ("body", "quote", "start"),
    [
        ("You will go to jail", "jail", 15),
        ("You will go to ＪＡＩＬ", "ＪＡＩＬ", 15),
        ("ja\u200bil now", "ja\u200bil", 0),
        ("等着坐 。牢吧", "坐 。牢", 2),
        ("爆你通訊錄", "通訊錄", 2),
        ("JaIl", "JaIl", 0),
    ],
)
def test_evasions_are_caught_and_quoted_from_the_original(
    tmp_path: Path, body: str, quote: str, start: int
) -> None:
    [finding] = _check(tmp_path, FORBID, [body])
    assert finding.quote == quote
    assert finding.start == start
    assert finding.end == start + len(quote)
    assert body[finding.start : finding.end] == quote
    assert finding.category == "jail"


@pytest.mark.parametrize("body", ["You will not go to jail", "jailbreak your phone", "坐下聊"])
def test_allowed_and_partial_words_are_not_flagged(tmp_path: Path, body: str) -> None:
    assert _check(tmp_path, FORBID, [body]) == []


def test_require_if_unless(tmp_path: Path) -> None:
    params = """      require: {phrases: [court costs]}
      if: {phrases: [lawsuit]}
      unless: {phrases: [draft]}
"""
    bodies = [
        "We may file a lawsuit.",
        "A lawsuit may add court costs.",
        "hello",
        "DRAFT lawsuit text",
    ]
    assert [v.event for v in _check(tmp_path, params, bodies)] == ["0"]


def test_a_message_without_text_is_not_judged_but_counted(tmp_path: Path) -> None:
    """A letter logged without its text proves nothing: neither flagged nor passed."""
    found = _check(tmp_path, "      require: {phrases: [stop]}\n", ["", "  ", "reply stop", "hi"])
    assert [v.event for v in found] == ["3"]
    report = collectlint.check([tmp_path / "log.jsonl"], rules=[str(tmp_path / "pack.yaml")])
    assert dict(report.summary.not_judged) == {"w/r": 2}


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(a)\\\\1", "backreferences"), ("(?=x)", "look-around"), ("x{100000}{1000}", "size")],
)
def test_patterns_the_linear_engine_cannot_run_are_rule_file_errors(
    tmp_path: Path, pattern: str, reason: str
) -> None:
    params = f'      forbid:\n        bad: {{patterns: ["{pattern}"]}}\n'
    with pytest.raises(RuleFileError) as info:
        load_pack(str(_pack(tmp_path, params)))
    [problem] = info.value.problems
    assert problem.span is not None
    assert (problem.span.line, problem.span.column) == (12, 26)  # the pattern itself
    assert reason in problem.message


_TEXT = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ 。，!？*\u200b\u200d\ufeff\u00ad坐牢通訊錄起訴ＡＢｃ１①ﬁΣσςаеΙ\u0301éが\n\t")
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=20))
def test_python_and_polars_normalisation_agree(texts: list[str]) -> None:
    vectorised = pl.select(normalise_expr(pl.lit(pl.Series(texts)))).to_series().to_list()
    for text, expected in zip(texts, vectorised, strict=True):
        normalised, origin = normalise_with_map(text)
        assert normalised == expected
        assert len(origin) == len(normalised)
        assert origin == sorted(origin)

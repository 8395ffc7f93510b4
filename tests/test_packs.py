"""Rule packs: validation that points at file:line:col, extends/overrides/disable, routing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import collectlint
from collectlint.errors import RuleFileError
from collectlint.loading.packs import load_pack
from collectlint.yamldoc import MAX_BYTES

HEAD = "pack: {name: p, title: P, version: '1', jurisdiction: [US]}\n"
RULE = """rules:
  - id: r1
    kind: hours
    severity: error
    message: "{channel} at {local_time}"
    citation: c
    url: https://example.com
    description: d
    params: {start: "08:00", end: "21:00"}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "pack.yaml"
    path.write_text(text)
    with pytest.raises(RuleFileError) as info:
        load_pack(str(path))
    return [
        f"{p.span.line}:{p.span.column} {p.message}" if p.span else p.message
        for p in info.value.problems
    ]


def test_valid_pack_loads(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(HEAD + RULE)
    pack = load_pack(str(tmp_path / "pack.yaml"))
    assert [r.rule_id for r in pack.specs] == ["p/r1"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("kind: hours", "kind: hourz"), "4:11 unknown kind 'hourz'"),
        (("severity: error", "severity: fatal"), "5:15 'fatal' is not one of"),
        (('end: "21:00"', "end: 21:00"), "10:35 expected a string, got int 1260 (quote it"),
        (('end: "21:00"', 'end: "25:00"'), "10:35 '25:00' is not valid"),
        (("{channel} at", "{phone} at"), "6:14 unknown placeholder {phone}"),
        (("url: https://example.com", "url: example.com"), "8:10 'example.com' is not valid"),
        (("    params:", "    where: {colour: red}\n    params:"), "10:13 unknown event field"),
        (("    params:", "    where: {channel: fax}\n    params:"), "10:22 unknown channel 'fax'"),
        (("    citation: c\n", ""), "3:5 missing required key 'citation'"),
        (
            ("    description: d\n", "    description: d\n    descripton: e\n"),
            "10:5 unknown key 'descripton' (did you mean 'description'?)",
        ),
    ],
)
def test_problem_is_reported_at_its_position(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = HEAD + RULE.replace(*change)
    problems = _problems(tmp_path, text)
    assert any(p.startswith(expected) for p in problems), problems


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = HEAD.replace("jurisdiction", "jurisdictions") + RULE.replace("hours", "nope")
    problems = _problems(tmp_path, text)
    assert len(problems) >= 2


def test_duplicate_keys_and_rule_ids(tmp_path: Path) -> None:
    text = (
        HEAD
        + RULE
        + RULE.replace("rules:\n", "").replace("    severity: error\n", "    severity: error\n" * 2)
    )
    problems = _problems(tmp_path, text)
    assert any("duplicate key 'severity'" in p for p in problems)


def test_duplicate_rule_id(tmp_path: Path) -> None:
    problems = _problems(tmp_path, HEAD + RULE + RULE.replace("rules:\n", ""))
    assert any("duplicate rule id 'p/r1'" in p for p in problems)


def test_aliases_are_refused(tmp_path: Path) -> None:
    text = HEAD + "rules: &a []\nextra: *a\n"
    assert any("anchors and aliases" in p for p in _problems(tmp_path, text))


def test_python_tags_are_refused(tmp_path: Path) -> None:
    text = HEAD + "rules: !!python/object/apply:os.system ['true']\n"
    assert _problems(tmp_path, text)


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    problems = _problems(tmp_path, HEAD + "rules: [\n  - a: b\n")
    assert problems
    assert all(re.match(r"\d+:\d+ ", p) for p in problems), problems


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(HEAD + "#" * (MAX_BYTES + 1))
    with pytest.raises(RuleFileError, match="larger than"):
        load_pack(str(path))


def _overlay(tmp_path: Path, body: str) -> Path:
    base = tmp_path / "base"
    base.mkdir()
    (base / "pack.yaml").write_text(HEAD.replace("name: p", "name: base") + RULE)
    child = tmp_path / "child"
    child.mkdir()
    (child / "pack.yaml").write_text(
        "pack: {name: child, title: C, version: '1', jurisdiction: [US-MA], extends: base}\n" + body
    )
    return child


def test_extends_override_renames_and_changes_params(tmp_path: Path) -> None:
    child = _overlay(tmp_path, "overrides:\n  r1: {params: {start: '09:00'}, severity: warning}\n")
    pack = load_pack(str(child))
    [rule] = pack.specs
    assert rule.rule_id == "child/r1"
    assert rule.params["start"] == "09:00"
    assert rule.params["end"] == "21:00"
    assert str(rule.severity) == "warning"
    assert pack.ancestors == ("base",)


def test_extends_disable(tmp_path: Path) -> None:
    assert load_pack(str(_overlay(tmp_path, "disable: [r1]\n"))).rules == ()


def test_disable_unknown_rule_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no rule 'r9'"):
        load_pack(str(_overlay(tmp_path, "disable: [r9]\n")))


def test_overlay_replaces_its_parent_inside_its_scope(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    child = _overlay(tmp_path, "overrides:\n  r1: {params: {start: '09:00'}}\n")
    rows = [
        {
            "id": "ma",
            "time": "2024-06-03T12:30:00Z",
            "account": "A",
            "channel": "call",
            "timezone": "America/New_York",
            "jurisdiction": "US-MA",
        },
        {
            "id": "ny",
            "time": "2024-06-03T12:30:00Z",
            "account": "B",
            "channel": "call",
            "timezone": "America/New_York",
            "jurisdiction": "US-NY",
        },
    ]
    report = collectlint.check([make_log(rows)], rules=[str(tmp_path / "base"), str(child)])
    assert [(v.rule, v.event) for v in report.violations] == [("child/r1", "ma")]


def test_an_event_with_no_jurisdiction_gets_the_base_pack_only(
    tmp_path: Path, make_log: Callable[..., Path]
) -> None:
    child = _overlay(tmp_path, "overrides:\n  r1: {params: {start: '09:00'}}\n")
    row = {
        "id": "nowhere",
        "time": "2024-06-03T11:30:00Z",  # 07:30 EDT: outside both windows
        "account": "A",
        "channel": "call",
        "timezone": "America/New_York",
    }
    report = collectlint.check([make_log([row])], rules=[str(tmp_path / "base"), str(child)])
    assert [(v.rule, v.event) for v in report.violations] == [("base/r1", "nowhere")]
    assert [n.code for n in report.notes if n.code == "no-jurisdiction"] == ["no-jurisdiction"]
    alone = collectlint.check([make_log([row])], rules=[str(child)])  # the overlay on its own
    assert [(v.rule, v.event) for v in alone.violations] == [("child/r1", "nowhere")]


def test_shipped_json_schemas_are_valid_draft_2020_12() -> None:
    import json
    from importlib import resources

    import jsonschema

    folder = resources.files("collectlint.loading").joinpath("schemas")
    names = [p.name for p in folder.iterdir() if p.name.endswith(".json")]
    assert names
    for name in names:
        jsonschema.Draft202012Validator.check_schema(json.loads(folder.joinpath(name).read_text()))


def test_builtin_packs_pass_the_checks_skipped_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built-in packs are trusted when loaded; here they get every check a user's pack gets."""
    from collectlint.loading import packs

    trusted = {name: packs.load_pack(name).rules for name in packs.builtin_names()}
    monkeypatch.setattr(packs, "_is_builtin", lambda path: False)
    for name, rules in trusted.items():
        assert packs.load_pack(name).rules == rules


def test_builtin_overlays_only_add_to_their_base() -> None:
    """Overlays never loosen the law they extend (docs/packs-and-precedence.md): no built-in
    overlay disables or overrides an inherited rule."""
    import yaml

    from collectlint.loading import packs

    for name in packs.builtin_names():
        data = yaml.safe_load((packs.builtin_dir() / name / "pack.yaml").read_text("utf-8"))
        if "extends" in data["pack"]:
            assert not data.get("disable"), name
            assert not data.get("overrides"), name
            parent = packs.load_pack(data["pack"]["extends"])
            child = packs.load_pack(name)
            inherited = {r.id.split("/", 1)[1] for r in child.rules}
            assert {r.id.split("/", 1)[1] for r in parent.rules} <= inherited, name


def test_the_readme_pack_table_lists_every_builtin_pack() -> None:
    from collectlint.loading import packs

    readme = (packs.builtin_dir().parent / "README.md").read_text("utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `")]
    for name in packs.builtin_names():
        assert any(f"`{name}`" in line.split("|")[1] for line in table), name


def test_cases_may_use_the_packs_declared_columns_and_no_others(tmp_path: Path) -> None:
    from collectlint.testing import load_cases, run_pack

    pack = tmp_path / "p"
    (pack / "cases").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "pack: {name: p, title: P, version: '1', jurisdiction: [US], fields: [time_barred]}\n"
        "rules:\n"
        "  - id: r\n"
        "    kind: forbidden\n"
        "    severity: error\n"
        "    message: m\n"
        "    citation: c\n"
        "    url: https://example.com\n"
        "    description: d\n"
        "    where: {kind: contact, time_barred: 'yes'}\n"
        "    params: {}\n"
    )
    case = pack / "cases" / "r.yaml"
    case.write_text(
        "rule: p/r\n"
        "defaults: {account: A, channel: letter, timezone: America/New_York}\n"
        "cases:\n"
        "  - name: declared\n"
        "    events:\n"
        "      - {id: a, time: '2024-06-03T14:00:00Z', time_barred: 'yes'}\n"
        "      - {id: b, time: '2024-06-03T14:00:00Z', time_barred: 'no'}\n"
        "    expect: [a]\n"
    )
    assert all(result.passed for result in run_pack(pack))
    case.write_text(case.read_text().replace("time_barred: 'no'", "time_bared: 'no'"))
    with pytest.raises(RuleFileError) as caught:
        load_cases(case)
    problem = caught.value.problems[0]
    assert "unknown column 'time_bared'" in problem.message
    assert problem.span is not None
    assert (problem.span.line, problem.span.column) == (7, 47)

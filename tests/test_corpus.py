"""The wording corpus: every prohibited message is caught by exactly the rules it names, and no
compliant message is flagged.  Prints precision and recall per language (pytest -s to see)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import collectlint

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.yaml"))
ZONES = {"us-regf": "America/New_York", "cn-consumer-credit": "Asia/Shanghai"}
NOON = {"us-regf": "2024-06-03T16:00:00Z", "cn-consumer-credit": "2024-06-03T04:00:00Z"}


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _flagged(path: Path, tmp_path: Path) -> tuple[dict[str, Any], list[set[str]]]:
    corpus = _load(path)
    pack = corpus["pack"]
    rows = [
        {
            "id": str(i),
            "time": "2024-06-03T04:00:00Z"
            if pack == "cn-consumer-credit"
            else "2024-06-03T16:00:00Z",
            "account": f"A{i}",
            "channel": m.get("channel", "sms"),
            "party": m.get("party", "debtor"),
            "to": "+10000000000" if m.get("party", "debtor") != "debtor" else "",
            "outcome": "sent",
            "timezone": ZONES[pack],
            "body": m["text"],
        }
        for i, m in enumerate(corpus["messages"])
    ]
    log = tmp_path / f"{path.stem}.jsonl"
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    report = collectlint.check([log], rules=[pack])
    assert not report.rejected
    wording = {r.rule_id for r in report.rules if r.kind == "wording"}
    found: list[set[str]] = [set() for _ in rows]
    for v in report.violations:
        if v.rule in wording:
            found[int(v.event)].add(v.rule)
    return corpus, found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus(path: Path, tmp_path: Path) -> None:
    corpus, found = _flagged(path, tmp_path)
    messages = corpus["messages"]
    wrong = []
    tp = fp = fn = 0
    for message, got in zip(messages, found, strict=True):
        expected = set(message["expect"])
        if expected and got:
            tp += 1
        elif got:
            fp += 1
        elif expected:
            fn += 1
        if got != expected:
            wrong.append(f"{message['text']!r}: expected {sorted(expected)}, got {sorted(got)}")
    prohibited = sum(1 for m in messages if m["expect"])
    compliant = len(messages) - prohibited
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        f"\n{path.stem}: {prohibited} prohibited, {compliant} compliant, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    assert prohibited >= 60
    assert compliant >= 60
    assert not wrong, "\n".join(wrong)

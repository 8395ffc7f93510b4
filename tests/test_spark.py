"""`--engine spark` on a real local Spark gives the report the local engine gives.

The log has every kind of the built-in packs at work (US federal with the state and city
overlays, China, the UK), several zones and jurisdictions, several inputs with different
columns, an id repeated across inputs, short and long CSV rows and a message body with a
line break.  Skipped when PySpark or Java is missing, except in CI
(`COLLECTLINT_REQUIRE_SPARK=1`), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import collectlint
from collectlint import stages
from collectlint.api import load_packs
from collectlint.model import CheckOptions
from collectlint.reporters import json_report
from helpers import generated_log

REPO = Path(__file__).resolve().parents[1]
PACKS = ("us-*", "cn-consumer-credit", "uk-conc")

MISSING = importlib.util.find_spec("pyspark") is None or shutil.which("java") is None
pytestmark = pytest.mark.skipif(
    MISSING and os.environ.get("COLLECTLINT_REQUIRE_SPARK") != "1",
    reason="PySpark or Java is not installed",
)

HEADER = "id,time,account,debtor,party,to,channel,direction,outcome,timezone,jurisdiction,body,kind"
HOSTILE = f"""{HEADER}
h1,2024-03-05T14:00:00Z,ACC-H1,DEB-H1,debtor,+12125550100,sms,outbound,sent,America/New_York,US-NY,"two
lines",contact
h2,2024-03-05T15:00:00Z,ACC-H1,DEB-H1,debtor,+12125550100,call,outbound
h3,2024-03-05T16:00:00Z,ACC-H1,DEB-H1,debtor,+12125550100,call,outbound,no_answer,America/New_York,US-NY,,contact,extra
h1,2024-03-05T17:00:00Z,ACC-H1,DEB-H1,debtor,+12125550100,call,outbound,no_answer,America/New_York,US-NY,,contact
h5,2024-03-05T18:00:00Z,ACC-H2,,debtor,+442079460000,call,outbound,no_answer,Europe/London,GB,,contact
"""


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("spark")
    generated = generated_log(folder / "generated.csv", 3000, 7)
    hostile = folder / "hostile.csv"
    hostile.write_text(HOSTILE, encoding="utf-8")
    return [
        str(generated),
        str(REPO / "examples" / "contacts-us-cn.csv"),
        str(REPO / "examples" / "jurisdictions" / "contacts.csv"),
        str(hostile),
    ]


def _report(logs: list[str], engine: str) -> dict[str, Any]:
    options = CheckOptions(rules=PACKS, max_rejects=10_000)
    if engine == "spark":
        from collectlint.spark import check

        report = check(logs, options, master="local[2]", partitions=3)
    else:
        report = collectlint.check(logs, options=options)
    data: dict[str, Any] = json.loads(json_report.render(report))
    data.pop("run")
    return data


def test_spark_gives_the_local_report(logs: list[str]) -> None:
    local = _report(logs, "local")
    spark = _report(logs, "spark")
    assert local["summary"]["violations"] > 100
    assert local["summary"]["events_rejected"] >= 4  # short, long, the repeated id twice
    assert {r["code"] for r in local["rejected"]} >= {"short-row", "long-row"}
    for key in sorted(local):
        if key == "violations":
            assert len(spark[key]) == len(local[key])
            for mine, theirs in zip(spark[key], local[key], strict=True):
                assert mine == theirs
        assert spark[key] == local[key], key


def test_the_plan_covers_every_rule_with_whole_groups() -> None:
    packs = load_packs(list(PACKS))
    plan = stages.plan(packs)
    placed = [rule for stage in plan for rule in stage.rules]
    assert sorted(placed) == sorted(r.id for p in packs for r in p.rules)
    for stage in plan:
        for pack in packs:
            for rule in pack.rules:
                if rule.id in stage.rules and stage.field:
                    assert all(stage.field in key for key in stages.key_sets(rule))

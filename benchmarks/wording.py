"""Time the wording rules on a million SMS bodies (English and Chinese, with evasions).

usage: python benchmarks/wording.py [--rows 1000000] [--repeat 3]

Generates `benchmarks/data/sms-<rows>.csv` (if missing) with realistic collection texts: most
compliant, about 3 % carrying a forbidden phrase (some written with full-width letters,
zero-width spaces, traditional characters or symbols between Chinese characters).  Then it runs,
in-process and after the log is loaded, every `wording` rule of `us-regf` and
`cn-consumer-credit` (about 300 phrases and patterns), and prints a table of wall times: body
normalisation once, then each rule, and the whole `collectlint check` command end to end.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

import collectlint
from collectlint.engine import evaluate
from collectlint.inputs.events import ReadOptions, build_events
from collectlint.inputs.readers import read_raw
from collectlint.text.normalise import normalise_series

HERE = Path(__file__).resolve().parent
EN_OK = [
    "Acme Recovery is a debt collector. Your balance of ${amt} is due on {day}. "
    "Reply STOP to opt out.",
    "This is a debt collector. We can set up a payment plan for ${amt}. Text STOP to unsubscribe.",
    "Reminder from a debt collector: payment of ${amt} received, thank you. Reply STOP to opt out.",
]
EN_BAD = [
    "Pay ${amt} today or you will be ARRESTED. This is a debt collector. Reply STOP to opt out.",
    "Final notice: a warrant will be issued. Debt collector. Reply STOP to opt out.",
    "Pay now you dead\u200bbeat. This is a debt collector. Reply STOP to opt out.",
    "This is Officer Lee from the sheriff office. Debt collector. Reply STOP to opt out.",
]
ZH_OK = [
    "【XX消费金融】您好，您的借款已逾期，当前应还{amt}元，请于{day}前通过官方App还款。",
    "您好，我是受XX银行委托的XX公司催收员，工号{amt}，联系您是关于您本人名下的贷款。",
    "逾期信息将依法依规报送金融信用信息基础数据库，请及时还款。",
]
ZH_BAD = [
    "再不还钱就等着坐 。牢吧，欠款{amt}元。",
    "這裡是人民法院執行局，你的案件已立案。",
    "今天不还就爆你通訊錄，让全家都知道。",
    "你已经被拉入征信黑名单，永久无法贷款。",
    "你这个老赖，还要不要脸？",
]


def generate(rows: int, path: Path, seed: int = 7) -> None:
    """Write `rows` SMS events, half US and half CN, to `path`."""
    rng = random.Random(seed)
    cn = [rng.random() < 0.5 for _ in range(rows)]
    bad = [rng.random() < 0.03 for _ in range(rows)]
    bodies = []
    for i in range(rows):
        pool = (ZH_BAD if bad[i] else ZH_OK) if cn[i] else (EN_BAD if bad[i] else EN_OK)
        text = pool[i % len(pool)].replace("{amt}", str(100 + i % 9000)).replace("{day}", "6/30")
        bodies.append(text)
    frame = pl.DataFrame(
        {
            "id": [f"S{i}" for i in range(rows)],
            # daytime where the consumer is: 10:00-15:00 in Shanghai, 10:00-15:00 EDT in the US
            "time": [
                f"2024-06-{3 + i % 20:02d}T{(2 if cn[i] else 14) + i % 6:02d}:{i % 60:02d}:00Z"
                for i in range(rows)
            ],
            "account": [f"A{i % 200_000}" for i in range(rows)],
            "channel": ["sms"] * rows,
            "outcome": ["delivered"] * rows,
            "timezone": ["Asia/Shanghai" if c else "America/New_York" for c in cn],
            "jurisdiction": ["CN" if c else "US" for c in cn],
            "body": bodies,
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)


def _median(times: list[float]) -> float:
    return statistics.median(times)


def main() -> None:
    """Generate (if needed), time, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = HERE / "data" / f"sms-{args.rows}.csv"
    if not path.exists():
        generate(args.rows, path)
    packs = [
        dataclasses.replace(p, rules=tuple(r for r in p.rules if r.spec.kind == "wording"))
        for p in collectlint.load_packs(["us-regf", "cn-consumer-credit"])
    ]
    table = build_events([read_raw(str(path), {})], ReadOptions())
    terms = sum(
        len(group.get("phrases", [])) + len(group.get("patterns", []))
        for pack in packs
        for rule in pack.rules
        for group in [
            *rule.spec.params.get("forbid", {}).values(),
            rule.spec.params.get("require", {}),
        ]
    )
    rows_out = []
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        normalise_series(table.frame["body"].fill_null(""))
        times.append(time.perf_counter() - start)
    rows_out.append(("normalise every body once", _median(times)))
    times, found = [], 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = evaluate(table, packs)
        times.append(time.perf_counter() - start)
        found = result.findings.height
    rows_out.append(
        (f"all wording rules ({terms} phrases/patterns), findings {found:,}", _median(times))
    )
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "collectlint",
                "check",
                str(path),
                "-r",
                "us-regf",
                "-r",
                "cn-consumer-credit",
                "-f",
                "json",
                "-o",
                str(path.with_suffix(".json")),
            ],
            check=False,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    rows_out.append(("`collectlint check` end to end, all rules, JSON out", _median(times)))
    print(f"\n{args.rows:,} SMS bodies, median of {args.repeat}\n")
    print("| step | wall s |")
    print("|---|---|")
    for name, seconds in rows_out:
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()

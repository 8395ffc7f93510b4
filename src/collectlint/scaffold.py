"""`collectlint init`: a starting configuration, a house pack and its test cases.

The pack extends a built-in pack (inheriting its rules and their cases) and adds one example
rule of its own, with cases, so `collectlint test packs/` passes from the first minute and shows
how to grow the pack.
"""

from __future__ import annotations

from pathlib import Path

from collectlint.errors import UsageError

CONFIG = """\
# collectlint configuration (see the README for every key)
rules: [packs/house]
fail_on: error
# select: [us-regf/]              # only these rule ids or prefixes
# ignore: [us-regf/profane-language]
# severity: {{us-regf/inconvenient-time: warning}}
# map: {{id: CallId, time: StartUtc, account: AccountNo}}
# waivers: waivers.yaml
# baseline: .collectlint-baseline.json
"""

PACK = """\
# House rules on top of {base}. Inherited rules keep their citations and cases; a rule changed
# under `overrides:` needs cases of its own in cases/.
pack:
  name: house
  title: House rules (extends {base})
  version: "0.1.0"
  extends: {base}

rules:
  - id: no-sunday-texts
    kind: hours
    severity: warning
    citation: House policy HP-7 (no texts on Sundays)
    url: https://example.com/policies/hp-7
    message: "{{channel}} at {{local_time}} ({{zone}}): no texts on Sundays under house policy"
    description: >
      Our own policy, stricter than the law: no collection texts on Sundays, and texts on
      other days only between 09:00 and 20:00 at the consumer's location.
    where: {{kind: contact, direction: outbound, channel: sms}}
    params: {{start: "09:00", end: "20:00", days: {{sun: null}}}}
"""

CASES = """\
rule: house/no-sunday-texts
defaults: {account: A1, channel: sms, outcome: delivered, timezone: America/New_York}
cases:
  - name: saturday_morning_text_is_allowed
    description: 2024-06-08 is a Saturday; 13:00Z is 09:00 EDT
    events: [{id: s1, time: "2024-06-08T13:00:00Z"}]
    expect: []
  - name: sunday_text_is_flagged
    description: 2024-06-09 is a Sunday
    events: [{id: s1, time: "2024-06-09T15:00:00Z"}]
    expect: [s1]
  - name: text_before_nine_is_flagged
    events: [{id: s1, time: "2024-06-10T12:59:59Z"}]
    expect: [s1]
"""


def scaffold(folder: Path, base: str) -> list[Path]:
    """Write the starter files into `folder`; refuse to overwrite anything."""
    files = {
        folder / "collectlint.yaml": CONFIG.format(),
        folder / "packs" / "house" / "pack.yaml": PACK.format(base=base),
        folder / "packs" / "house" / "cases" / "no-sunday-texts.yaml": CASES,
    }
    existing = [p.as_posix() for p in files if p.exists()]
    if existing:
        raise UsageError(f"not overwriting existing files: {', '.join(existing)}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)

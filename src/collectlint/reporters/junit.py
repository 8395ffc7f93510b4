"""JUnit XML, the test-report format every CI system (GitLab, Jenkins, Azure, CircleCI) shows.

Each rule is a test case, grouped in one `<testsuite>` per pack, so a rule that found nothing
shows as a passing test and the list of rules checked is visible at a glance.  A rule with
unsuppressed findings fails once, with every finding in the failure text; suppressed findings go
to `<system-out>` (accepted, but not hidden).  A synthetic `input` suite holds one test case for
the rows themselves: it errors when rows were rejected, listing each one, because those rows
were not checked at all.  Attribute counts follow JUnit's meaning (`errors` counts test cases
in error); the number of rejected rows is in the error's `message`.

No timestamps, host names or durations: the same report always gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from collectlint.model import RuleSpec, Violation
from collectlint.report import Report
from collectlint.reporters.safe import printable

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, even escaped; shown as `\\xNN` instead."""


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", printable(text, keep_newlines=True))


def _where(v: Violation) -> str:
    if v.column > 0:
        return str(v.origin)
    return f"{v.origin} (row {v.row}), event {v.event}, {v.local_time}"


def _finding(v: Violation) -> str:
    """One finding per line; a multi-line message continues on indented lines."""
    message = v.message.replace("\r\n", "\n").replace("\n", "\n    ")
    return f"{_where(v)}: {message} [{v.citation}]"


def _suppressed(v: Violation) -> str:
    s = v.suppression
    why = f"{s.kind}: {s.reason}" if s else ""
    return f"{_finding(v)} -- suppressed ({why})"


def _counts(element: ET.Element, tests: int, failures: int, errors: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))
    element.set("skipped", "0")


def _testcase(suite: ET.Element, spec: RuleSpec, found: Sequence[Violation]) -> bool:
    """Add the rule's test case; True if it failed."""
    case = ET.SubElement(suite, "testcase", {"classname": spec.pack, "name": spec.rule_id})
    failing = [v for v in found if v.suppression is None]
    accepted = [v for v in found if v.suppression is not None]
    if failing:
        noun = "violation" if len(failing) == 1 else "violations"
        failure = ET.SubElement(
            case, "failure", {"message": f"{len(failing)} {noun}", "type": str(spec.severity)}
        )
        failure.text = _clean("\n".join(_finding(v) for v in failing))
    if accepted:
        out = ET.SubElement(case, "system-out")
        out.text = _clean("\n".join(_suppressed(v) for v in accepted))
    return bool(failing)


def _input_suite(root: ET.Element, report: Report) -> int:
    suite = ET.SubElement(root, "testsuite", {"name": "input"})
    _counts(suite, 1, 0, 1 if report.rejected else 0)
    case = ET.SubElement(suite, "testcase", {"classname": "input", "name": "rejected rows"})
    if report.rejected:
        count = len(report.rejected)
        error = ET.SubElement(
            case,
            "error",
            {"message": f"{count} rejected row{'s' if count != 1 else ''}", "type": "rejected"},
        )
        error.text = _clean("\n".join(f"{r.origin}: {r.reason}" for r in report.rejected))
    return 1 if report.rejected else 0


def _rules(report: Report) -> list[RuleSpec]:
    """The report's rules, plus a stand-in for any finding's rule the report does not list."""
    specs = list(report.rules)
    known = {s.rule_id for s in specs}
    for v in report.violations:
        if v.rule not in known:
            known.add(v.rule)
            pack = v.rule.partition("/")[0]
            specs.append(RuleSpec(v.rule, "", v.severity, "", v.citation, "", "", pack))
    return specs


def render(report: Report) -> str:
    """The report as a JUnit XML document with a final newline."""
    by_rule: dict[str, list[Violation]] = {}
    for v in report.violations:
        by_rule.setdefault(v.rule, []).append(v)
    specs = _rules(report)
    packs = list(dict.fromkeys([p.name for p in report.packs] + [s.pack for s in specs]))
    root = ET.Element("testsuites", {"name": "collectlint"})
    tests = failures = 0
    for pack in packs:
        suite = ET.SubElement(root, "testsuite", {"name": pack})
        members = [s for s in specs if s.pack == pack]
        failed = sum(_testcase(suite, s, by_rule.get(s.rule_id, ())) for s in members)
        _counts(suite, len(members), failed, 0)
        tests += len(members)
        failures += failed
    errors = _input_suite(root, report)
    _counts(root, tests + 1, failures, errors)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

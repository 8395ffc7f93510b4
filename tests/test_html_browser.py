"""The HTML report in a real browser: headless Chromium, through selenium (`browser.py`).

`test_auditor_report.py` checks the page as markup; these tests check what only a browser can
tell: that it loads without console errors, that its charts lay out, that its contents links
land on their sections, that hostile values from a log stay inert text (no script runs, no
handler or `javascript:` link appears), that it prints to a multi-page PDF, and that it loads
nothing from anywhere.  One browser serves the whole session; each test loads its own page.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions

import browser
import collectlint
from collectlint.errors import RuleFileError
from collectlint.reporters import REPORTERS
from helpers import EXAMPLE, call_row, one_rule_pack, write_csv

AS_OF = datetime(2024, 3, 12, tzinfo=UTC)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS = "javascript:alert(1)"
RLO = "\u202e"
"""Hostile values: markup that would run if pasted raw, a link scheme that runs when followed,
and the right-to-left override, which makes text read differently from what it is."""


@pytest.fixture(scope="session")
def driver() -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the session; skipped when absent, unless CI requires it."""
    reason = browser.missing()
    if reason:
        if browser.required():
            pytest.fail(f"the browser tests are required here: {reason}")
        pytest.skip(f"{reason}; set {' or '.join(browser.REQUIRE)} to fail instead")
    with browser.chrome() as chrome:
        chrome.set_page_load_timeout(120)
        yield chrome


def _page(report: collectlint.Report, path: Path) -> Path:
    """`report` rendered as HTML to `path`."""
    rendered = REPORTERS["html"](report)
    assert isinstance(rendered, str)
    path.write_text(rendered, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example log's report, as a file."""
    report = collectlint.check([EXAMPLE], as_of=AS_OF)
    return _page(report, tmp_path_factory.mktemp("example") / "report.html")


def _load(driver: webdriver.Chrome, path: Path) -> list[dict[str, Any]]:
    """Load `path` in a fresh state and return the console messages it logged.

    Fails at once if loading opened an alert (a script ran), before the next command would
    dismiss it.
    """
    browser.console(driver)  # drop what earlier pages logged
    driver.get(path.as_uri())
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        pass
    else:
        text = alert.text
        alert.dismiss()
        pytest.fail(f"the page opened an alert: {text!r}")
    assert driver.execute_script("return document.readyState") == "complete"
    return browser.console(driver)


def _script(driver: webdriver.Chrome, source: str, *args: object) -> Any:
    """The value of `source` (a function body) run in the page."""
    return driver.execute_script(source, *args)


EXTERNAL = """
const found = [];
for (const el of document.querySelectorAll('*')) {
  for (const name of ['src', 'href', 'xlink:href', 'action', 'data', 'poster', 'srcset']) {
    const value = (el.getAttribute(name) || '').trim().toLowerCase();
    if (value && el.localName !== 'a' && (value.startsWith('http') || value.startsWith('//'))) {
      found.push(el.localName + ' ' + name + '=' + value);
    }
  }
}
return found;
"""
"""Elements other than links that name a remote address (a `src`, an `href` ...)."""

HANDLERS = """
const found = [];
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    if (a.name.toLowerCase().startsWith('on')) found.push(el.localName + ' ' + a.name);
  }
}
return found;
"""
"""Every event-handler attribute in the page (`onerror`, `onclick`, ...)."""

LINKS = """
return [...document.querySelectorAll('a[href]')].map(
  a => [a.getAttribute('href'), a.protocol]);
"""
"""Every link: its `href` as written and the scheme the browser resolves it to."""


def test_example_report_loads_promptly_without_console_errors(
    driver: webdriver.Chrome, example_page: Path
) -> None:
    """The page an auditor opens first loads cleanly (an error in the console means markup or
    CSS the browser rejected) and in no time (a sanity bound, not a benchmark)."""
    start = time.perf_counter()
    logged = _load(driver, example_page)
    elapsed = time.perf_counter() - start
    assert browser.problems(logged) == []
    assert elapsed < 30, f"the example report took {elapsed:.1f} s to load"
    assert driver.title.startswith("collectlint compliance report")


def test_every_chart_lays_out_and_is_shown(driver: webdriver.Chrome, example_page: Path) -> None:
    """Each chart takes up room and is visible: an SVG without a usable size or viewBox would
    collapse to nothing, which the markup alone cannot show."""
    _load(driver, example_page)
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    figures = driver.find_elements(By.CSS_SELECTOR, "figure[id^='chart-']")
    assert len(charts) >= 5
    assert len(figures) == len(charts)
    for figure in figures:
        assert figure.find_elements(By.CSS_SELECTOR, "svg.chart"), figure.get_attribute("id")
    for chart in charts:
        box = _script(
            driver,
            "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];",
            chart,
        )
        name = chart.find_element(By.XPATH, "..").get_attribute("id")
        assert chart.is_displayed(), name
        assert box[0] > 0, name
        assert box[1] > 0, name
        assert chart.size["width"] > 0, name
        assert chart.size["height"] > 0, name


PLACE = """
const el = document.getElementById(arguments[0]);
if (!el) return null;
const box = el.getBoundingClientRect();
return {top: box.top, scrollY: window.scrollY, innerHeight: window.innerHeight,
        scrollHeight: document.documentElement.scrollHeight, hash: location.hash};
"""
"""Where the element with an id is, relative to the window, and how far the window is scrolled."""


def test_contents_links_land_on_their_sections(
    driver: webdriver.Chrome, example_page: Path
) -> None:
    """Following each contents link puts its section at the top of the window (or in view,
    when the page cannot scroll that far): the contents are how a long report is read."""
    _load(driver, example_page)
    links = driver.find_elements(By.CSS_SELECTOR, "nav.toc a")
    targets = [str(a.get_attribute("href")).partition("#")[2] for a in links]
    assert targets[:3] == ["summary", "charts", "findings"]
    assert {"rules", "reproduce"} <= set(targets)
    scrolled = 0
    for index, target in enumerate(targets):
        _script(driver, "window.scrollTo(0, 0);")
        driver.find_elements(By.CSS_SELECTOR, "nav.toc a")[index].click()
        place = _script(driver, PLACE, target)
        assert place is not None, f"#{target} has no element"
        assert place["hash"] == f"#{target}"
        assert place["scrollHeight"] > place["innerHeight"], "the page should be long"
        at_bottom = place["scrollY"] + place["innerHeight"] >= place["scrollHeight"] - 2
        if at_bottom:  # the window cannot scroll further: the section need only be in view
            assert 0 <= place["top"] < place["innerHeight"], (target, place)
        else:
            assert abs(place["top"]) <= 3, (target, place)
        scrolled += place["scrollY"] > 0
    assert scrolled >= len(targets) - 1  # every section but perhaps the first is further down


RULE_LINKS = """
return [...document.querySelectorAll('#summary table a[href^="#"]')].map(a => {
  const id = decodeURIComponent(a.getAttribute('href').slice(1));
  const target = document.getElementById(id);
  const heading = target && target.querySelector('h3');
  return {rule: a.textContent, id: id, found: target !== null,
          heading: heading ? heading.textContent : null};
});
"""
"""Each link of the findings-per-rule table: its rule, the id it names, whether an element has
that id, and that element's heading (a rule's section is headed by its rule id)."""

DUPLICATE_IDS = """
const seen = new Set(), twice = new Set();
for (const el of document.querySelectorAll('[id]')) {
  (seen.has(el.id) ? twice : seen).add(el.id);
}
return [...twice];
"""
"""The ids more than one element has (a link to one of them lands on the first)."""


def _assert_rule_links_land(driver: webdriver.Chrome) -> int:
    """Every link of the findings-per-rule table names an element, the section of its own rule;
    no id is used twice; every in-page link resolves.  Returns the number of rule links."""
    links = _script(driver, RULE_LINKS)
    for link in links:
        assert link["id"].startswith("rule-"), link
        assert link["found"], f"#{link['id']} has no element"
        assert (link["heading"] or "").startswith(f"{link['rule']}:"), link
    assert _script(driver, DUPLICATE_IDS) == []
    dangling = _script(
        driver,
        "return [...document.querySelectorAll('a[href^=\"#\"]')]"
        ".map(a => a.getAttribute('href').slice(1))"
        ".filter(id => !document.getElementById(decodeURIComponent(id)));",
    )
    assert dangling == [], "links to ids the page lacks"
    return len(links)


def test_rule_links_resolve_to_their_sections(driver: webdriver.Chrome, example_page: Path) -> None:
    """The summary's rule names link to those rules' sections of findings."""
    _load(driver, example_page)
    assert _assert_rule_links_land(driver) >= 3


def _named_pack(directory: Path, pack: str, rule: str) -> Path:
    """A pack named `pack` whose one rule, `rule`, allows calls from 08:00 to 21:00."""
    text = one_rule_pack("hours", '{start: "08:00", end: "21:00"}')
    text = text.replace("name: t,", f"name: {pack},").replace("- id: r\n", f"- id: {rule}\n")
    path = directory / f"{pack}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_whose_ids_differ_only_in_punctuation_get_their_own_sections(
    driver: webdriver.Chrome, tmp_path: Path
) -> None:
    """Rule ids differ in their `/`; their sections' ids must differ too, or a link to one
    lands on the other."""
    packs = [_named_pack(tmp_path, "us", "ca-hours"), _named_pack(tmp_path, "us-ca", "hours")]
    log = write_csv(tmp_path / "log.csv", [call_row("E1", "2024-03-04T07:00:00Z")])
    report = collectlint.check([log], rules=[str(p) for p in packs], as_of=AS_OF)
    assert {v.rule for v in report.violations} == {"us/ca-hours", "us-ca/hours"}
    _load(driver, _page(report, tmp_path / "report.html"))
    assert _assert_rule_links_land(driver) == 2


def test_the_page_loads_nothing_from_anywhere(driver: webdriver.Chrome, example_page: Path) -> None:
    """The report is self-contained: opened offline, archived or mailed, it looks the same, and
    opening it tells no server who read it when."""
    _load(driver, example_page)
    assert _script(driver, EXTERNAL) == []
    for tag in ("link", "script", "img", "iframe", "object", "embed", "image", "use"):
        assert driver.find_elements(By.TAG_NAME, tag) == [], tag
    assert _script(driver, "return performance.getEntriesByType('resource').length;") == 0
    css = _script(
        driver,
        "return [...document.styleSheets].flatMap(s => [...s.cssRules])"
        ".map(r => r.cssText).join('\\n');",
    )
    assert "@page" in css  # the print stylesheet is there and parsed
    assert "url(" not in css
    assert "@import" not in css
    for href, scheme in _script(driver, LINKS):
        assert scheme in ("https:", "http:", "file:") or href.startswith("#"), href


def _hostile_log(directory: Path) -> Path:
    """A log whose ids, accounts, agents, campaigns and bodies are hostile, with findings:
    two calls at 02:00 and 02:30 in New York (us-regf/inconvenient-time) and an SMS that swears
    (us-regf/profane-language, whose finding quotes the body) and does not say who sends it."""
    rows = [
        call_row(
            f"{SCRIPT}-1",
            "2024-03-04T07:00:00Z",
            account=f"{IMG}{RLO}acct",
            debtor=SCRIPT,
            agent=JS,
            campaign=f"{SCRIPT}{RLO}camp",
        ),
        call_row(
            f"{JS}-2",
            "2024-03-04T07:30:00Z",
            account=f"{IMG}{RLO}acct",
            agent=SCRIPT,
            campaign=IMG,
        ),
        call_row(
            f"{IMG}-3",
            "2024-03-04T15:00:00Z",
            account=f"{JS}{RLO}",
            channel="sms",
            body=f"{SCRIPT} pay this shit now {IMG} {JS} {RLO}Reply STOP to opt out",
            agent=IMG,
            campaign=JS,
        ),
    ]
    return write_csv(directory / "hostile.csv", rows)


def test_hostile_values_render_as_inert_text(driver: webdriver.Chrome, tmp_path: Path) -> None:
    """Values from a log are text: markup in them is shown, not parsed, nothing runs, no link
    or handler is made of them, and a bidi override is shown as an escape instead of obeyed."""
    report = collectlint.check([_hostile_log(tmp_path)], as_of=AS_OF)
    assert not report.rejected
    events = {v.event for v in report.violations}
    assert {f"{SCRIPT}-1", f"{JS}-2", f"{IMG}-3"} <= events
    rules = {v.rule for v in report.violations}
    assert {"us-regf/inconvenient-time", "us-regf/profane-language"} <= rules  # hours, a quote
    page = _page(report, tmp_path / "report.html")

    logged = _load(driver, page)  # fails if an alert opened
    assert browser.problems(logged) == []
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 (the property raises when no alert is open)
    assert _script(driver, "return document.querySelectorAll('script').length;") == 0
    assert _script(driver, "return document.querySelectorAll('img').length;") == 0
    assert _script(driver, HANDLERS) == []
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript:' i]") == []
    for href, scheme in _script(driver, LINKS):
        assert scheme in ("https:", "http:", "file:") or href.startswith("#"), href
    assert _script(driver, EXTERNAL) == []

    text = _script(driver, "return document.body.innerText;")
    assert f"{SCRIPT}-1" in text
    assert f"{JS}-2" in text
    assert f"{IMG}-3" in text
    assert f"{IMG}\\u202eacct" in text  # the override shown as an escape, not obeyed
    agents = _script(driver, "return document.getElementById('chart-agent').textContent;")
    assert JS in agents
    assert IMG in agents
    everything = _script(driver, "return document.documentElement.textContent;")
    assert RLO not in everything


def _pack_with_url(directory: Path, url: str) -> Path:
    """A one-rule pack (hours 08:00 to 21:00 on calls) whose rule cites `url`."""
    text = one_rule_pack("hours", '{start: "08:00", end: "21:00"}')
    text = text.replace("url: https://example.com", f"url: '{url}'")
    assert f"url: '{url}'" in text
    path = directory / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rule_url_that_is_not_a_web_address_never_becomes_a_link(
    driver: webdriver.Chrome, tmp_path: Path
) -> None:
    """A rule's citation links only to a web address: a `javascript:` url is refused when the
    pack loads, and neither it (should a report carry one) nor a url that would break out of
    its attribute becomes a link or a handler."""
    log = write_csv(tmp_path / "log.csv", [call_row("E1", "2024-03-04T07:00:00Z")])
    with pytest.raises(RuleFileError, match="http"):  # the loader refuses it outright
        collectlint.check([log], rules=[str(_pack_with_url(tmp_path, JS))], as_of=AS_OF)

    quoted = 'https://example.com/" onmouseover="alert(1)'  # passes the schema's ^https?://
    report = collectlint.check([log], rules=[str(_pack_with_url(tmp_path, quoted))], as_of=AS_OF)
    assert report.violations
    # and should a report reach the reporter with such a url (built by a library user), the
    # page still shows it as text
    forged = dataclasses.replace(
        report, rules=tuple(dataclasses.replace(s, url=JS) for s in report.rules)
    )
    for name, case, shown in (("quoted", report, quoted), ("forged", forged, JS)):
        _load(driver, _page(case, tmp_path / f"{name}.html"))
        assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript:' i]") == [], name
        assert _script(driver, HANDLERS) == [], name
        hrefs = [href for href, _ in _script(driver, LINKS)]
        assert not [h for h in hrefs if "alert" in h or "onmouseover" in h], (name, hrefs)
        assert shown in _script(driver, "return document.body.innerText;"), name


PAGE = re.compile(rb"/Type\s*/Page[^s]")
"""A page object in a PDF (`/Type /Pages` is the page tree)."""


def test_the_report_prints_to_a_pdf_of_several_pages(
    driver: webdriver.Chrome, example_page: Path
) -> None:
    """Printing (how the report reaches an auditor's file) makes a PDF of more than one page."""
    _load(driver, example_page)
    options = PrintOptions()
    options.background = True
    pdf = base64.b64decode(driver.print_page(options))
    assert pdf.startswith(b"%PDF")
    assert len(PAGE.findall(pdf)) > 1
    assert browser.problems(browser.console(driver)) == []

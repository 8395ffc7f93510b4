"""Time how long headless Chromium takes to load and lay out an HTML report.

Usage::

    python benchmarks/report_render.py REPORT.html [MORE.html ...] [--runs 3] [--timeout 300]

For each file it loads the page ``--runs`` times (a fresh load each: the tab goes to
``about:blank`` in between) and prints, as a Markdown table, the medians of

* ``get``: the wall time of selenium's ``driver.get(url)``, which returns once
  ``document.readyState`` is ``complete`` (the load event has fired);
* ``load event``: the page's own Navigation Timing, ``loadEventEnd - startTime`` of
  ``performance.getEntriesByType("navigation")[0]`` (parsing, style, layout and the load event,
  without selenium's round trips);
* ``layout``: ``document.body.getBoundingClientRect(); document.body.offsetHeight`` timed with
  ``performance.now()`` in the page right after loading (what a script forcing layout pays;
  near zero when the load already laid the page out);
* ``relayout``: the same after the body's width is changed, which forces a full layout of
  the page (what resizing the window or opening print preview costs).

with the file's size and its number of elements.  The browser is started once, with the
browser tests' own factory (``tests/browser.py``).

Why: the auditor's report is opened in a browser and printed; a report that takes a minute to
render is unusable however fast it was written, so its render time is measured like any other
cost, on the 1M-row log's report (``collectlint check benchmarks/data/log-1m.csv --format html``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import chrome

LOAD_EVENT = """
const nav = performance.getEntriesByType('navigation')[0];
return nav ? nav.loadEventEnd - nav.startTime : null;
"""
"""The Navigation Timing of the current page: start of navigation to the end of its load event,
in milliseconds."""

LAYOUT = """
const start = performance.now();
document.body.getBoundingClientRect();
document.body.offsetHeight;
return performance.now() - start;
"""
"""The time (ms) to force the page's layout as it stands."""

RELAYOUT = """
const body = document.body;
body.style.width = (body.clientWidth - 37) + 'px';
const start = performance.now();
body.getBoundingClientRect();
body.offsetHeight;
const spent = performance.now() - start;
body.style.width = '';
return spent;
"""
"""The time (ms) of a full layout forced by narrowing the body (every line may rewrap)."""

ELEMENTS = "return document.getElementsByTagName('*').length;"


@dataclass(frozen=True)
class Run:
    """One fresh load of a page: seconds for ``driver.get``, milliseconds for the rest."""

    get_s: float
    load_event_ms: float
    layout_ms: float
    relayout_ms: float
    elements: int


def measure(driver: webdriver.Chrome, path: Path) -> Run:
    """Load `path` afresh and time its load and layout."""
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(path.resolve().as_uri())
    get_s = time.perf_counter() - start
    load_event = driver.execute_script(LOAD_EVENT)
    layout = driver.execute_script(LAYOUT)
    relayout = driver.execute_script(RELAYOUT)
    elements = driver.execute_script(ELEMENTS)
    return Run(
        get_s=get_s,
        load_event_ms=float(load_event if load_event is not None else "nan"),
        layout_ms=float(layout),
        relayout_ms=float(relayout),
        elements=int(elements),
    )


def row(path: Path, runs: Sequence[Run]) -> str:
    """The table row of `path`: its size and the medians of `runs`."""
    size = path.stat().st_size

    def median(values: Sequence[float]) -> float:
        return statistics.median(values)

    return (
        f"| {path} | {size:,} | {size / 1e6:.2f} | {runs[0].elements:,} "
        f"| {median([r.get_s for r in runs]):.2f} "
        f"| {median([r.load_event_ms for r in runs]) / 1000:.2f} "
        f"| {median([r.layout_ms for r in runs]):.1f} "
        f"| {median([r.relayout_ms for r in runs]):.1f} |"
    )


HEADER = (
    "| file | bytes | MB | elements | get (s) | load event (s) | layout (ms) | relayout (ms) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each file given and print the table; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+", type=Path, help="HTML reports to load")
    parser.add_argument("--runs", type=int, default=3, help="fresh loads per file (median)")
    parser.add_argument("--timeout", type=float, default=300, help="page load timeout, seconds")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    for path in args.files:
        if not path.is_file():
            parser.error(f"{path}: no such file")
    rows = []
    with chrome(timeout=args.timeout) as driver:
        for path in args.files:
            runs = []
            for i in range(args.runs):
                runs.append(measure(driver, path))
                r = runs[-1]
                print(
                    f"{path} run {i + 1}: get {r.get_s:.2f} s, load event "
                    f"{r.load_event_ms / 1000:.2f} s, layout {r.layout_ms:.1f} ms, "
                    f"relayout {r.relayout_ms:.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
            rows.append(row(path, runs))
    print(f"Medians of {args.runs} fresh load(s) in headless Chromium, window 1280x1000.\n")
    print(HEADER)
    for line in rows:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

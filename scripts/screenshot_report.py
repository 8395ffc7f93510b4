"""Screenshot the top of the example's HTML report (summary and charts) for the docs.

Usage::

    python scripts/screenshot_report.py [--out docs/report.png] [--max-bytes 400000]

It checks ``examples/contacts.csv`` as of 2024-03-12 (the date the tests use), renders the
auditor's report (``REPORTERS["html"]``) to a temporary file, opens it in headless Chromium
1280 pixels wide and saves a PNG of the page from the top to the end of its charts section
(at most 2,400 pixels), shrinking the image when the PNG would exceed ``--max-bytes``.

Why: the README and the docs show what the report looks like; a picture made by a script from
the example stays reproducible and can be remade whenever the page changes, instead of being a
hand-made screenshot that silently goes stale.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from selenium import webdriver

import collectlint
from collectlint.reporters import REPORTERS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import chrome

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "contacts.csv"
AS_OF = datetime(2024, 3, 12, tzinfo=UTC)
WIDTH = 1280
"""The window's width in CSS pixels: a laptop screen, wider than the page's 72rem column."""

TALLEST = 2400
"""The most of the page the picture shows, in CSS pixels."""

EXTRA = ("--hide-scrollbars", "--force-device-scale-factor=1")
"""Flags beyond the browser tests' (``tests/browser.py``): no scrollbars, and one device pixel
per CSS pixel, so the picture is the same on every machine's settings."""

BOTTOM = """
const charts = document.getElementById('charts') || document.body;
return Math.ceil(charts.getBoundingClientRect().bottom + window.scrollY);
"""
"""Where the charts section ends, in CSS pixels from the top of the page."""


def render(directory: Path) -> Path:
    """The example's report, written as ``report.html`` in `directory`."""
    report = collectlint.check([EXAMPLE], as_of=AS_OF)
    page = REPORTERS["html"](report)
    assert isinstance(page, str)
    path = directory / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def capture(driver: webdriver.Chrome, height: int, scale: float) -> bytes:
    """A PNG of the page's top `height` CSS pixels, `WIDTH` wide, at `scale`."""
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": scale}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "clip": clip, "captureBeyondViewport": True, "fromSurface": True},
    )
    return base64.b64decode(shot["data"])


def main(argv: Sequence[str] | None = None) -> int:
    """Render, screenshot and save; 0 on success, 1 when the PNG cannot be made small enough."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "report.png")
    parser.add_argument("--max-bytes", type=int, default=400_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="screenshot-", ignore_cleanup_errors=True) as tmp:
        page = render(Path(tmp))
        with chrome(window=(WIDTH, 2000), extra=EXTRA) as driver:
            driver.get(page.as_uri())
            height = min(int(driver.execute_script(BOTTOM)) + 16, TALLEST)
            for scale in (1.0, 0.85, 0.7, 0.6, 0.5):
                png = capture(driver, height, scale)
                if len(png) <= args.max_bytes:
                    break
            else:
                print(f"the PNG is {len(png):,} bytes even at half size", file=sys.stderr)
                return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    width, tall = round(WIDTH * scale), round(height * scale)
    print(f"{args.out}: {width}x{tall} px, {len(png):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Headless Chromium for the HTML report's browser tests (`test_html_browser.py`).

The report is meant to be opened by an auditor in an ordinary browser and printed to PDF, so
some of its promises (charts that lay out, contents links that land, nothing that runs, pages
that print) can only be checked by a real browser.  This module starts one: headless Chromium
driven by selenium through chromedriver, with a throwaway profile and nothing that reaches the
network on its own, and with the browser console recorded so a test can tell whether the page
logged an error.

Where the browser is missing the tests skip, with the reason, on a developer's machine; where
`CI` or `COLLECTLINT_REQUIRE_BROWSER` is set (`.ci/run` sets the latter) they fail instead, so
CI can never pass by silently skipping them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.command import Command

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)
"""Chromium's command-line flags: headless, able to run as root in a container, and quiet (no
update checks, sync, extensions or first-run pages that could reach the network or log)."""

REQUIRE = ("CI", "COLLECTLINT_REQUIRE_BROWSER")
"""Environment variables that turn a missing browser from a skip into a failure."""

DRIVER = Path("/usr/bin/chromedriver")
"""Where Debian's `chromium-driver` puts chromedriver; PATH is searched when it is not there."""

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
"""The browser's executable names, tried in order on PATH (Debian's is `chromium`)."""


def required() -> bool:
    """Whether the environment demands the browser tests run (CI, or `.ci/run`)."""
    return any(os.environ.get(name) for name in REQUIRE)


def chromedriver() -> str | None:
    """The chromedriver executable: Debian's, else the first on PATH; None when absent."""
    if DRIVER.is_file() and os.access(DRIVER, os.X_OK):
        return str(DRIVER)
    return shutil.which("chromedriver")


def chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH; None when absent."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why the browser cannot be started (which executable is absent), or None."""
    absent = [
        name
        for name, path in (("chromium", chromium()), ("chromedriver", chromedriver()))
        if not path
    ]
    if not absent:
        return None
    return f"{' and '.join(absent)} not found (Debian: apt-get install chromium chromium-driver)"


def options(
    profile: Path, *, window: tuple[int, int] = (1280, 1000), extra: Sequence[str] = ()
) -> webdriver.ChromeOptions:
    """Chromium's options: `FLAGS` and `extra`, the throwaway `profile` directory, the window
    size, and every browser console message recorded (read with `console`)."""
    result = webdriver.ChromeOptions()
    binary = chromium()
    if binary:
        result.binary_location = binary
    for flag in (*FLAGS, *extra):
        result.add_argument(flag)
    result.add_argument(f"--user-data-dir={profile}")
    result.add_argument(f"--window-size={window[0]},{window[1]}")
    result.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return result


@contextmanager
def chrome(
    *,
    window: tuple[int, int] = (1280, 1000),
    extra: Sequence[str] = (),
    timeout: float | None = None,
) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile, quit (and its profile deleted) on exit: the
    one browser of the tests, the render benchmark and the screenshot script.  `extra` adds
    flags; `timeout` sets the page-load and script timeouts, in seconds.

    Raises `RuntimeError` naming what is missing when the browser or its driver is absent.
    """
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    driver_path = chromedriver()
    assert driver_path is not None
    with tempfile.TemporaryDirectory(
        prefix="collectlint-chromium-", ignore_cleanup_errors=True
    ) as profile:
        driver = webdriver.Chrome(
            options=options(Path(profile), window=window, extra=extra),
            service=Service(driver_path),
        )
        try:
            if timeout is not None:
                driver.set_page_load_timeout(timeout)
                driver.set_script_timeout(timeout)
            yield driver
        finally:
            driver.quit()


def console(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """The browser console messages logged since the last call (reading clears them)."""
    # what `driver.get_log("browser")` does; that method has no type hints
    entries: list[dict[str, Any]] = driver.execute(Command.GET_LOG, {"type": "browser"})["value"]
    return entries


def problems(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The console messages that are errors or warnings (levels SEVERE and WARNING)."""
    return [e for e in entries if e.get("level") in ("SEVERE", "WARNING")]

"""Debian's Chromium, driven by Playwright's Python package, for every test with a browser.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``apt-get install
chromium``). Without it, or without Playwright, a test is unavailable: a skip on a laptop,
a failure under ``CI=true``. Tests take the ``browser`` fixture (``tests/conftest.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from helpers import unavailable

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 60_000
"""How long a page may take to show what a test waits for: generous, as the whole suite
shares two cores with the browser."""


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium for the duration of the block."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()

"""Under ``CI=true`` no test may be skipped: a skip there (a missing tool, service or package)
is reported as a failure that says what to install. Locally a skip stays a skip, so a laptop
without PostgreSQL or Chromium can still run the rest.

``tests/conftest.py`` imports the hook below, which registers it for the whole suite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under ``CI=true`` no test may be skipped: a skip there (a missing tool, service or
    package) is a failure that says what to install."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI=true runs every test: {reason}"

"""Small helpers the tests share (``tests/support`` is on the path: see ``pythonpath``
in pyproject.toml)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest


def unavailable(reason: str) -> None:
    """Skip a test whose tool or service this machine lacks, saying what to install; under
    ``CI=true`` that skip is a failure (``ci_policy``), since CI must run every test."""
    pytest.skip(reason)


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"still not {what or 'true'} after {timeout} s")
        pause.wait(0.005)

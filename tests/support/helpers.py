"""Small helpers the tests share (``tests/support`` is on the path: see ``pythonpath``
in pyproject.toml)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"still not {what or 'true'} after {timeout} s")
        pause.wait(0.005)

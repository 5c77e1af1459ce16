"""The slowest tests run in CI, and on a laptop when asked: ``pytest --slow``.

A test module marked ``pytestmark = pytest.mark.slow`` (every lesson against its wrong
programs, the planted bugs, every lesson's reference solution: about three minutes of the
suite's ten on a two-core machine) is left out of a plain ``python -m pytest`` and said so in
the summary; ``CI=true`` (what ``.ci/run`` runs under) and ``--slow`` run everything.
Left out is not skipped: ``ci_policy`` turns skips into failures under CI, and CI runs these.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true",
                     help="also run the tests marked slow (CI=true always runs them)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow") or os.environ.get("CI") == "true":
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
        config.hook.pytest_deselected(items=slow)


def pytest_report_header(config: pytest.Config) -> str:
    if config.getoption("--slow") or os.environ.get("CI") == "true":
        return "slow tests: included"
    return "slow tests: left out (run them with --slow; CI=true runs them)"

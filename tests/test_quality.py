"""Lint and type checks run with the tests, so CI and a developer's run see the same."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff() -> None:
    result = run("ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    # Packages and strictness come from [tool.mypy] in pyproject.toml.
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


#: The longest a module of the packages may grow (h11's longest is about 650 lines): past it,
#: a module holds more than one concern and wants splitting.
MODULE_MAX_LINES = 650


def test_no_module_is_longer_than_one_sitting() -> None:
    long = {str(path.relative_to(ROOT)): lines
            for package in ("kitsdk", "firmware_bridge", "lab_server")
            for path in (ROOT / package).rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_MAX_LINES}
    assert long == {}

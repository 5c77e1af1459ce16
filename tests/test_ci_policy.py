"""The suite's own rule: under ``CI=true`` a skipped test fails, naming why it was skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SUPPORT = Path(__file__).parent / "support"

TESTS = '''
import pytest

def test_needs_a_tool():
    pytest.skip("no frobnicator here (apt-get install frobnicator)")

@pytest.mark.xfail(reason="a known bug elsewhere")
def test_known_bug():
    assert False

def test_fine():
    pass
'''


def run_suite(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text("from ci_policy import pytest_runtest_makereport\n")
    (tmp_path / "test_some.py").write_text(TESTS)
    env = {**os.environ, "PYTHONPATH": str(SUPPORT), "CI": "true" if ci else ""}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA",
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)


def test_under_ci_a_skip_fails_and_says_what_to_install(tmp_path: Path) -> None:
    result = run_suite(tmp_path, ci=True)
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed, 1 xfailed" in result.stdout
    assert "CI=true runs every test" in result.stdout
    assert "apt-get install frobnicator" in result.stdout


def test_elsewhere_a_skip_stays_a_skip(tmp_path: Path) -> None:
    result = run_suite(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in result.stdout

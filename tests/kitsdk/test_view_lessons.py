"""``kit lesson check ID FILE --view``: the student watches each try, and the check's verdict
is exactly what it is without a view.

Every try of the script serves the view on one port, one after another, and the page
follows them; the checks must be unaffected by it (the view is a window on the simulator,
and it puts no rover on a floor of its own under a check: the lesson sets the scene).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until
from lesson_programs import WRONG
from student_runs import sim_env

from kitsdk.lessons.catalogue import find

CASES = [
    ("blink", "the solution", find("blink").solution),
    ("blink", "a wrong blink", next(w.program for w in WRONG
                                    if w.lesson == "blink" and w.kind == "timing")),
    ("rover-walls", "the solution", find("rover-walls").solution),
]


def check(lesson: str, script: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kitsdk.cli", "lesson", "check", lesson, str(script), *options],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=sim_env(script.with_suffix(".trace")), cwd=script.parent)


def serving(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def verdict(output: str) -> list[str]:
    """The check's step lines and its last line, which is all a student acts on."""
    return [line for line in output.splitlines()
            if line.startswith("[") or "steps pass" in line]


@pytest.mark.parametrize(("lesson", "what", "program"), CASES,
                         ids=[f"{lesson}: {what}" for lesson, what, _ in CASES])
def test_a_check_says_the_same_with_the_view_open(browser: Any, tmp_path: Path, lesson: str,
                                                   what: str, program: str) -> None:
    script = tmp_path / "student.py"
    script.write_text(program)
    plain = check(lesson, script)
    plain_out, _ = plain.communicate(timeout=120)

    viewed = check(lesson, script, "--view", "--no-open")
    assert viewed.stdout is not None
    first = viewed.stdout.readline().strip()
    assert first.startswith("view: http://127.0.0.1:")
    url = first.removeprefix("view: ")
    port = int(url.rstrip("/").rpartition(":")[2])
    wait_until(lambda: serving(port), 60, "the first try serving the view")
    page = browser.new_page()
    page.goto(url)
    page.wait_for_function("() => document.getElementById('kit-name').textContent !== "
                           "'no kit yet'", timeout=60_000)  # the page follows a try
    kit = page.text_content("#kit-name")
    rest, err = viewed.communicate(timeout=120)
    page.close()
    assert kit == find(lesson).kit
    assert verdict(rest) == verdict(plain_out) and verdict(plain_out)
    assert viewed.returncode == plain.returncode
    assert "Traceback" not in err

"""``kit run``'s errors, as a student reads them: Python's own words and hints, pointing at
the student's lines, never at kitsdk's, runpy's or a library's frames."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kitsdk


def kit_run(script: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kitsdk.cli", "run", str(script)], capture_output=True,
        text=True, timeout=60, env={**os.environ, "KITSDK_BACKEND": "sim"},
    )


def assert_only_the_students_frames(stderr: str) -> None:
    assert str(Path(kitsdk.__file__).parent) not in stderr
    assert "kitsdk/" not in stderr and "runpy" not in stderr
    assert "site-packages" not in stderr and "threading.py" not in stderr


@pytest.mark.parametrize("code, line, expected", [
    ("kit.red.onn()", "kit.red.onn()",
     "AttributeError: 'LED' object has no attribute 'onn'. Did you mean: 'on'?"),
    ("kit.red.on()\nprint(kitt.red)", "print(kitt.red)",
     "NameError: name 'kitt' is not defined. Did you mean: 'kit'?"),
    # raised deep in gpiozero: still the student's line, and none of gpiozero's
    ("kit.rgb.color = (2, 0, 0)", "kit.rgb.color = (2, 0, 0)",
     "OutputDeviceBadValue: each RGB color component must be between 0 and 1"),
])
def test_a_python_error_keeps_pythons_suggestion_and_points_at_the_students_line(
        tmp_path: Path, code: str, line: str, expected: str) -> None:
    script = tmp_path / "first.py"
    script.write_text(f'from kitsdk import Kit\n\nkit = Kit("starter")\n{code}\n')
    result = kit_run(script)
    assert result.returncode == 1
    number = 4 + code.count("\n")
    assert f'File "{script}", line {number}, in <module>\n    {line}\n' in result.stderr
    assert result.stderr.rstrip().endswith(expected)
    assert_only_the_students_frames(result.stderr)


def test_an_error_in_the_students_own_module_shows_both_of_their_lines(tmp_path: Path) -> None:
    (tmp_path / "lights.py").write_text("def flash(kit):\n    kit.red.blnk()\n")
    script = tmp_path / "main.py"
    script.write_text('from kitsdk import Kit\nfrom lights import flash\n\n'
                      'flash(Kit("starter"))\n')
    result = kit_run(script)
    assert f'File "{script}", line 4' in result.stderr
    assert f'File "{tmp_path / "lights.py"}", line 2, in flash' in result.stderr
    assert "Did you mean: 'blink'?" in result.stderr
    assert_only_the_students_frames(result.stderr)


def test_a_syntax_error_points_at_the_students_line(tmp_path: Path) -> None:
    script = tmp_path / "first.py"
    script.write_text('from kitsdk import Kit\nkit = Kit("starter"\nkit.red.on()\n')
    result = kit_run(script)
    assert result.returncode == 1
    assert f'File "{script}", line 2' in result.stderr
    assert "SyntaxError: '(' was never closed" in result.stderr
    assert_only_the_students_frames(result.stderr)


def test_an_error_raised_while_handling_another_hides_kitsdk_in_both(tmp_path: Path) -> None:
    script = tmp_path / "first.py"
    script.write_text('from kitsdk import Kit\nkit = Kit("starter")\ntry:\n    kit.rde.on()\n'
                      'except AttributeError:\n    kit.red.of()\n')
    result = kit_run(script)
    assert "no device 'rde' in profile 'starter'" in result.stderr
    assert "During handling of the above exception" in result.stderr
    assert "Did you mean: 'off'?" in result.stderr
    assert_only_the_students_frames(result.stderr)


def test_a_kit_error_in_the_students_own_module_points_at_that_line(tmp_path: Path) -> None:
    (tmp_path / "lights.py").write_text("def flash(kit):\n    kit.rde.on()\n")
    script = tmp_path / "main.py"
    script.write_text('from kitsdk import Kit\nfrom lights import flash\nflash(Kit("starter"))\n')
    result = kit_run(script)
    assert result.returncode == 1
    assert result.stderr.endswith(f"at: {tmp_path / 'lights.py'}, line 2\n")


def test_a_warning_from_a_library_is_said_at_the_students_line(tmp_path: Path) -> None:
    """gpiozero warns from deep inside itself when a callback is set to None (the classic
    ``when_pressed = kit.red.on()``): the student sees their own line."""
    script = tmp_path / "first.py"
    script.write_text('from kitsdk import Kit\nkit = Kit("starter")\n'
                      "kit.button.when_pressed = kit.red.on()\nprint('on to the end')\n")
    result = kit_run(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "on to the end\n"
    assert "kit: warning: The callback was set to None" in result.stderr
    assert f"  at: {script}, line 3\n" in result.stderr
    assert_only_the_students_frames(result.stderr)


def test_a_script_named_without_py_is_suggested(tmp_path: Path) -> None:
    (tmp_path / "first.py").write_text("print('hi')\n")
    result = kit_run(tmp_path / "first")
    assert result.returncode == 2
    assert f"there is no script {tmp_path / 'first'}: did you mean {tmp_path / 'first.py'}?" \
        in result.stderr

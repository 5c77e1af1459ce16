"""``kit lesson``: list, show, start and check, through the real command in a subprocess.

A teacher's lesson is installed the way pip leaves a package (a dist-info folder with an
entry point, on ``PYTHONPATH``), so the plug-in path is the one students would use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kitsdk.lessons import installed

LIGHTS_LESSON = '''
from kitsdk.lessons import Lesson, Step
from kitsdk.lessons.checks import expect, pulses


def lit(colour):
    def check(trial):
        expect(trial, lambda: pulses(trial, colour), 1.0, saw=f"the {colour} LED stayed off",
               hint=f"switch it on: kit.{colour}.on()")
    return check


LESSON = Lesson(
    id="three-lights", title="Three lights", level=1, minutes=10, profile="starter",
    intro="Red, amber, green.",
    steps=tuple(Step(f"Light {c}", f"Switch {c} on.", check=lit(c))
                for c in ("red", "amber", "green")),
    starter='from kitsdk import Kit\\n\\nkit = Kit("starter")\\n',
    solution='from kitsdk import Kit\\n\\nkit = Kit("starter")\\n'
             'kit.red.on()\\nkit.amber.on()\\nkit.green.on()\\n',
)
'''


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A teacher's lesson package and a broken one, installed where PYTHONPATH will find them."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "teacher_lessons.py").write_text(LIGHTS_LESSON, encoding="utf-8")
    for dist, entries in (("teacher_lessons", "three-lights = teacher_lessons:LESSON\n"),
                          ("broken_lessons", "half-done = broken_lessons:LESSON\n")):
        info = folder / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[kitsdk.lessons]\n{entries}")
    return folder


def kit(*args: str, cwd: Path, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KITSDK_BACKEND": "sim"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "kitsdk.cli", "lesson", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_list_shows_every_lesson_and_a_teachers_too(tmp_path: Path, site: Path) -> None:
    result = kit("list", cwd=tmp_path, site=site)
    assert result.returncode == 0, result.stderr
    for lesson_id in [*installed(), "three-lights"]:
        assert f"\n{lesson_id} " in result.stdout
    assert "kit lesson show ID" in result.stdout
    # The broken plug-in is named, and the others still list.
    assert "LessonWarning: lesson plug-in 'half-done' (broken_lessons:LESSON) could not be " \
           "loaded: ModuleNotFoundError" in result.stderr


def test_show_prints_the_steps(tmp_path: Path) -> None:
    result = kit("show", "traffic-lights", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Traffic lights\n\nLevel 1 (first steps), about 30 minutes, on the "
                          "'starter' kit.")
    assert out.index("## Step 1: Start on red") < out.index("## Step 3: Get the timings right")
    assert out.rstrip().endswith("Start with: kit lesson start traffic-lights")


def test_an_unknown_lesson_suggests_one(tmp_path: Path) -> None:
    result = kit("show", "trafic-lights", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("kit: there is no lesson 'trafic-lights': did you mean "
                             "'traffic-lights'?\n  hint: 'kit lesson list' shows every lesson\n")


def test_start_writes_the_starter_and_never_overwrites_silently(tmp_path: Path) -> None:
    starter = installed()["blink"].starter
    result = kit("start", "blink", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote blink.py\n")
    assert "kit lesson check blink blink.py" in result.stdout
    assert (tmp_path / "blink.py").read_text() == starter

    # Run again on an unchanged file: nothing to say but that it is there.
    assert kit("start", "blink", cwd=tmp_path).returncode == 0

    mine = starter + "kit.red.on()\n"
    (tmp_path / "blink.py").write_text(mine)
    result = kit("start", "blink", cwd=tmp_path)
    assert result.returncode == 1
    assert "Nothing was overwritten: blink.py is already here and kept as it was." in result.stdout
    assert "kit lesson start blink --force" in result.stdout
    assert (tmp_path / "blink.py").read_text() == mine

    result = kit("start", "blink", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Replaced blink.py; your old version is in blink.py.bak" in result.stdout
    assert (tmp_path / "blink.py").read_text() == starter
    assert (tmp_path / "blink.py.bak").read_text() == mine


def test_start_writes_the_kit_a_lesson_brings(tmp_path: Path) -> None:
    result = kit("start", "distance-alarm", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote distance_alarm.py\nWrote alarm.toml\n" in result.stdout
    checked = subprocess.run([sys.executable, "-m", "kitsdk.cli", "check", "alarm.toml"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "distance" in checked.stdout and "GPIO24" in checked.stdout


def test_check_passes_a_working_script(tmp_path: Path, site: Path) -> None:
    (tmp_path / "lights.py").write_text(
        'from kitsdk import Kit\n\nkit = Kit("starter")\n'
        'kit.red.on()\nkit.amber.on()\nkit.green.on()\n')
    result = kit("check", "three-lights", "lights.py", cwd=tmp_path, site=site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == (
        "Checking lights.py against 'Three lights' on a simulated 'starter' kit...\n\n"
        "[pass] Step 1: Light red\n[pass] Step 2: Light amber\n[pass] Step 3: Light green\n\n"
        "All 3 steps pass. Well done!\n")


def test_check_fails_step_by_step_with_hints(tmp_path: Path, site: Path) -> None:
    (tmp_path / "lights.py").write_text('from kitsdk import Kit\n\nkit = Kit("starter")\n'
                                        'kit.red.on()\n')
    result = kit("check", "three-lights", "lights.py", cwd=tmp_path, site=site)
    assert result.returncode == 1
    assert result.stdout.splitlines()[2:] == [
        "[pass] Step 1: Light red",
        "[FAIL] Step 2: Light amber",
        "       I saw: the amber LED stayed off (your script ended at once)",
        "       Try this: switch it on: kit.amber.on()",
        "[ -- ] Step 3: Light green",
        "       not checked yet: get the step before it working first",
        "",
        "1 of 3 steps pass. Change your script and check it again.",
    ]


def test_check_runs_a_built_in_lesson(tmp_path: Path) -> None:
    (tmp_path / "colour_rover.py").write_text(installed()["colour-rover"].solution)
    result = kit("check", "colour-rover", "colour_rover.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 2 steps pass" in result.stdout
    assert not (tmp_path / ".kitsdk-trace.jsonl").exists(), "checks run in a folder of their own"


def test_check_needs_a_script(tmp_path: Path) -> None:
    result = kit("check", "blink", "nope.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "kit: there is no script nope.py\n"

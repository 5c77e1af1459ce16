"""Checking a student's script against a lesson: step by step, with progress for the teacher.

Steps build on each other, so they are checked in order on one run of the script and the
check stops at the first step that is not done: that is the step the student is on. Each
result says what the check saw and what to try. Progress goes to
:mod:`kitsdk.lessons.progress` as it happens (started, each step, finished).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from . import progress
from .exc import StepFailed
from .lesson import Lesson, Step
from .trial import Trial

#: Seconds a script gets to end by itself after the last check, before it counts as still
#: running and is stopped.
SETTLE: Final = 0.5


@dataclass(frozen=True)
class StepResult:
    """How one step went: ``passed`` is None for a step not checked (an earlier one failed)."""

    number: int
    step: Step
    passed: bool | None
    saw: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Report:
    """Every step's result, in order, and how the script's run went.

    ``ended`` is True if the script ended by itself while the checks watched it, or within
    :data:`SETTLE` seconds after (then ``ended_at`` says when, in seconds, and ``exit_code``
    how); False if it was still running then, and the checker stopped it.
    """

    lesson: Lesson
    results: tuple[StepResult, ...]
    ended: bool = False
    ended_at: float | None = None
    exit_code: int | None = None

    @property
    def passed(self) -> int:
        """How many steps passed."""
        return sum(1 for r in self.results if r.passed)

    @property
    def complete(self) -> bool:
        """True when every step passed."""
        return self.passed == len(self.lesson.steps)


def check(lesson: Lesson, script: str | os.PathLike[str], *,
          on_step: Callable[[StepResult], None] = lambda result: None) -> Report:
    """Run ``script`` on the lesson's simulated kit and check its steps in order.

    ``on_step`` hears each result as soon as it is known (the ``kit lesson check`` output).
    The script runs in a temporary folder, so files it writes never clutter the student's.
    """
    progress.report("lesson.started", lesson=lesson.id, steps=len(lesson.steps))
    results: list[StepResult] = []
    with tempfile.TemporaryDirectory(prefix=f"kitsdk-{lesson.id}-") as folder, \
            Trial(lesson, script, Path(folder)) as trial:
        for number, step in enumerate(lesson.steps, 1):
            result = _check_step(trial, number, step)
            results.append(result)
            on_step(result)
            if not result.passed:
                break
        trial.wait(lambda: trial.ended, SETTLE)  # a script about to end is not "running"
        ended, ended_at, exit_code = trial.ended, trial.ended_at, trial.exit_code
    for number, step in enumerate(lesson.steps[len(results):], len(results) + 1):
        results.append(StepResult(number, step, None))
        on_step(results[-1])
    report = Report(lesson, tuple(results), ended, ended_at, exit_code)
    progress.report("lesson.finished", lesson=lesson.id, passed=report.passed,
                    steps=len(lesson.steps))
    return report


def _check_step(trial: Trial, number: int, step: Step) -> StepResult:
    lesson = trial.lesson
    try:
        if number == 1:
            trial.begin()
        step.check(trial)
    except StepFailed as failed:
        saw, hint = failed.saw, failed.hint
        crash = crash_summary(trial)
        if crash:
            saw, hint = f"{saw}. {crash}", f"fix that error first; then {hint}"
        progress.report("lesson.step_failed", lesson=lesson.id, step=number, title=step.title,
                        hint=f"{saw}. Hint: {hint}")
        return StepResult(number, step, False, saw, hint)
    except Exception as exc:  # a bug in the lesson's own check: say so, never blame the student
        traceback.print_exc(file=sys.stderr)
        saw = f"the check of this step itself went wrong ({type(exc).__name__}: {exc})"
        hint = f"this is not your fault: tell your teacher that lesson '{lesson.id}' has a bug"
        progress.report("lesson.step_failed", lesson=lesson.id, step=number, title=step.title,
                        hint=f"{saw}. Hint: {hint}")
        return StepResult(number, step, False, saw, hint)
    progress.report("lesson.step_passed", lesson=lesson.id, step=number, title=step.title)
    return StepResult(number, step, True)


_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def crash_summary(trial: Trial) -> str:
    """What ended the script, if an error did: the error's last line and where, else ""."""
    if not trial.ended or trial.exit_code in (0, None):
        return ""
    errors = [line for line in trial.errors() if line.strip()]
    if not errors:
        return f"Your script stopped with exit status {trial.exit_code}"
    where = ""
    for line in errors:
        found = _LINE.search(line)
        if found and Path(found["file"]).resolve() == trial.script:
            where = f" (line {found['line']})"
        elif line.strip().startswith("at: ") and ", line " in line:
            where = f" (line {line.rsplit(', line ', 1)[1]})"
    message = next((line.strip() for line in errors if line.startswith("kit: ")),
                   _error_line(errors))
    return f"Your script stopped with an error{where}: {message.strip()}"


def _error_line(errors: list[str]) -> str:
    """The error's own line of Python's report (``ZeroDivisionError: division by zero``):
    the first unindented line after the last traceback, not what the safety net said after
    it (``drone: landed (the script ended with ZeroDivisionError)``); else the last line."""
    starts = [i for i, line in enumerate(errors) if line.startswith("Traceback (most recent")]
    if starts:
        for line in errors[starts[-1] + 1:]:
            if not line[:1].isspace():
                return line
    return errors[-1]

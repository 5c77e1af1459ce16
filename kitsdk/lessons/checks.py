"""Helpers that lessons' checks share: turning pin histories into what a student would see.

A check is a function ``check(trial)`` that returns when its step is done and raises
:class:`StepFailed` (what it saw, and a hint) when it is not. These helpers do the common
parts: waiting with a timeout, on/off pulses (a blink, a beep), which lights are lit when
(traffic lights), numbers a script printed, whether the script ended or was still running,
and saying times and parts the way a student reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .exc import StepFailed

if TYPE_CHECKING:
    from .trial import Trial

@dataclass(frozen=True)
class Pulse:
    """A time something was on: from ``start`` for ``length`` seconds (to now if still on)."""

    start: float
    length: float
    over: bool = True

    @property
    def end(self) -> float:
        return self.start + self.length


@dataclass(frozen=True)
class Phase:
    """A stretch of time in which the same devices were on (``lit`` may be empty)."""

    lit: frozenset[str]
    start: float
    length: float
    over: bool = True

    def name(self) -> str:
        """``"red and amber"``, or ``"all off"``."""
        if not self.lit:
            return "all off"
        names = sorted(self.lit, key=self._order)
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)

    @staticmethod
    def _order(device: str) -> tuple[int, str]:
        # Traffic-light order reads naturally; anything else alphabetically after it.
        order = ("red", "amber", "green")
        return (order.index(device) if device in order else len(order), device)


def seconds(value: float) -> str:
    """A time as a student reads it: ``0.30 s``."""
    return f"{value:.2f} s"


def near(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance


def expect(trial: Trial, condition: Callable[[], object], timeout: float, *,
           saw: str | Callable[[], str], hint: str) -> None:
    """Wait up to ``timeout`` seconds for ``condition()``; if it never holds, fail the step
    with ``saw`` (text, or a function that describes what happened instead) and ``hint``.

    If the script had ended, ``saw`` says so: a wait gives up early then, and "stayed off"
    reads differently when nothing was running any more. (An error that ended it, the
    checker names itself.)
    """
    if not trial.wait(condition, timeout):
        said = saw() if callable(saw) else saw
        if trial.ended and trial.exit_code == 0 and "ended" not in said:
            said += f" ({how_it_ran(trial)})"
        raise StepFailed(said, hint)


def ends(trial: Trial, by: float) -> bool:
    """Wait for the script to end, until ``by`` seconds after it started; True if it did."""
    trial.wait(lambda: trial.ended, by - trial.now())
    return trial.ended


def how_it_ran(trial: Trial) -> str:
    """``your script ended 3.1 s after it started`` (``... ended at once``), or ``your
    script was still running after 4.5 s``: a program that ended is not one that never
    stops."""
    if trial.ended_at is not None:
        if trial.ended_at < 0.05:  # "0.0 s" reads as a bug; it is a script with no waits
            return "your script ended at once"
        return f"your script ended {trial.ended_at:.1f} s after it started"
    return f"your script was still running after {trial.now():.1f} s"


def part(trial: Trial, device: str) -> str:
    """A device as a student calls it: ``the red LED``, ``the status LED``, ``the buzzer``."""
    words = device.replace("_", " ")
    if trial.profile.devices[device].driver == "led":
        return f"the {words.removesuffix(' led')} LED"
    return f"the {words}"


def lit_instead(trial: Trial, devices: Iterable[str]) -> str:
    """``, but the red LED turned on``: the first of ``devices`` the script switched on
    (the wrong one), or "" if none."""
    for device in devices:
        if pulses(trial, device):
            return f", but {part(trial, device)} turned on"
    return ""


def pulses(trial: Trial, device: str, role: str = "pin") -> list[Pulse]:
    """Each time ``device`` was on since the script started, in order."""
    return _pulses(trial.history(device, role), _until(trial))


def phases(trial: Trial, devices: Sequence[str], settle: float = 0.05) -> list[Phase]:
    """Which of ``devices`` were on, stretch by stretch, since the script started.

    A script switches lights one call after another, so for a moment between "amber off"
    and "green on" nothing is lit: stretches shorter than ``settle`` seconds are left out
    and their neighbours joined up.
    """
    until = _until(trial)
    histories = {device: trial.history(device) for device in devices}
    changes = sorted({0.0, *(t for h in histories.values() for t, _ in h if t > 0)})
    runs = [(frozenset(d for d, h in histories.items() if _on_at(h, t)), t,
             (changes[i + 1] if i + 1 < len(changes) else until) - t)
            for i, t in enumerate(changes)]
    merged: list[Phase] = []
    for i, (lit, start, length) in enumerate(runs):
        if length < settle and i < len(runs) - 1:
            continue
        if merged and merged[-1].lit == lit:
            previous = merged.pop()
            length = start + length - previous.start
            start = previous.start
        merged.append(Phase(lit, start, length))
    if merged:
        merged[-1] = Phase(merged[-1].lit, merged[-1].start, merged[-1].length, over=False)
    return merged


def describe_phases(items: Iterable[Phase]) -> str:
    """``red 1.00 s → red and amber 0.50 s → green`` (the last one without a time if it goes on)."""
    return " → ".join(p.name() + (f" {seconds(p.length)}" if p.over else "") for p in items)


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def numbers(text: str) -> list[float]:
    """The numbers in a printed line: ``"Light: 0.42"`` gives ``[0.42]``."""
    return [float(n) for n in _NUMBER.findall(text)]


def printed_number(trial: Trial, timeout: float, since: float = float("-inf"),
                   accept: Callable[[float], bool] = lambda value: True) -> float | None:
    """The first number the script printed (after ``since``) that ``accept`` likes, waiting
    up to ``timeout`` seconds for one; None if there is none."""

    def find() -> float | None:
        for _, line in trial.printed(since):
            for value in numbers(line):
                if accept(value):
                    return value
        return None

    trial.wait(lambda: find() is not None, timeout)
    return find()


def _until(trial: Trial) -> float:
    ended = trial.ended_at
    return trial.now() if ended is None else ended


def _on_at(history: list[tuple[float, float]], t: float) -> bool:
    level = 0.0
    for when, value in history:
        if when > t:
            break
        level = value
    return level >= 0.5


def _pulses(history: list[tuple[float, float]], until: float) -> list[Pulse]:
    found: list[Pulse] = []
    start: float | None = None
    for t, level in history:
        if level >= 0.5 and start is None:
            start = max(t, 0.0)
        elif level < 0.5 and start is not None:
            found.append(Pulse(start, t - start))
            start = None
    if start is not None:
        found.append(Pulse(start, max(until - start, 0.0), over=False))
    return found

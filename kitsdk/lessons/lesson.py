"""The lesson format: a goal in steps, starter code, a reference solution, and checks.

A lesson is a Python object, so its checks are plain functions next to its words, and one
module can be published as a plug-in (``docs/lessons.md``)::

    LESSON = Lesson(
        id="blink",
        title="Blink an LED",
        level=1,
        minutes=20,
        profile="starter",
        intro="An LED is a tiny lamp ...",
        steps=(
            Step("Switch the red LED on", "Write `kit.red.on()` ...", check=red_lit),
            Step("Make it blink", "...", check=red_blinks),
        ),
        starter=STARTER,
        solution=SOLUTION,
    )

Texts are Markdown; code is kept as text (``starter``, ``solution``) because it is the
student's, not part of the package: ``kit lesson start`` writes it to a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .exc import BadLesson

if TYPE_CHECKING:
    from ..profile import Profile
    from .trial import Trial

#: A step's check: watches (and steers) a trial, raises ``StepFailed`` if the step is not done.
Check = Callable[["Trial"], None]

#: What each level asks of a student.
LEVELS: Final = {1: "first steps", 2: "loops and decisions", 3: "a project"}

_ID: Final = re.compile(r"[a-z][a-z0-9-]{0,47}")


@dataclass(frozen=True)
class Step:
    """One thing to build, with its instructions (Markdown) and the check that it works."""

    title: str
    text: str
    check: Check


@dataclass(frozen=True)
class Lesson:
    """A lesson; see the module's docstring.

    :param id: lowercase letters, digits and ``-``; the name ``kit lesson`` uses.
    :param level: 1 to 3, see :data:`LEVELS`.
    :param minutes: about how long a class needs for it.
    :param profile: the kit it needs: a built-in profile name, or with ``profile_text`` the
        file name (``alarm.toml``) that kit's profile is written to.
    :param profile_text: the TOML of a kit the lesson brings with it, if it is not built in.
    :param setup: prepares the simulated world before the script goes on past ``Kit(...)``
        (places the rover, sets what the sensors see); a check can steer it further.
    :param sim_time_scale: how many times faster than real time the simulated drone flies
        in a check (``KITSDK_SIM_TIME_SCALE``; None: as the profile says), so that a flight
        of a minute is checked in seconds; ``hover(seconds)`` counts the drone's time,
        ``time.sleep`` does not.
    """

    id: str
    title: str
    level: int
    minutes: int
    profile: str
    intro: str
    steps: tuple[Step, ...]
    starter: str
    solution: str
    setup: Check | None = None
    profile_text: str = ""
    sim_time_scale: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise BadLesson(f"lesson id {self.id!r} must be 1 to 48 lowercase letters, digits "
                            "and '-', starting with a letter", hint="e.g. id=\"traffic-lights\"")
        for name in ("title", "intro", "starter", "solution", "profile"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise BadLesson(f"lesson '{self.id}': {name} must be some text")
        if self.level not in LEVELS:
            raise BadLesson(f"lesson '{self.id}': level must be 1, 2 or 3, got {self.level!r}")
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int) \
                or not 1 <= self.minutes <= 600:
            raise BadLesson(f"lesson '{self.id}': minutes must be a whole number from 1 to 600, "
                            f"got {self.minutes!r}")
        if not isinstance(self.steps, tuple) or not self.steps:
            raise BadLesson(f"lesson '{self.id}': steps must be a tuple of at least one Step")
        for number, step in enumerate(self.steps, 1):
            if not isinstance(step, Step) or not step.title.strip() or not step.text.strip() \
                    or not callable(step.check):
                raise BadLesson(f"lesson '{self.id}', step {number}: expected Step(title, "
                                f"text, check=function), got {step!r:.80}")
        if self.sim_time_scale is not None and (isinstance(self.sim_time_scale, bool) or not
                isinstance(self.sim_time_scale, int | float) or not
                0.1 <= self.sim_time_scale <= 100):
            raise BadLesson(f"lesson '{self.id}': sim_time_scale must be a number from 0.1 "
                            f"to 100, got {self.sim_time_scale!r}")
        if self.profile_text and not self.profile.endswith(".toml"):
            raise BadLesson(f"lesson '{self.id}': a lesson that brings its kit's profile names "
                            f"the file it goes in, e.g. profile=\"alarm.toml\", got "
                            f"{self.profile!r}")

    @property
    def kit(self) -> str:
        """The kit's name as students see it: ``"starter"``, or ``"alarm"`` for ``alarm.toml``."""
        return self.profile.removesuffix(".toml")

    @property
    def starter_file(self) -> str:
        """The file ``kit lesson start`` writes the starter code to: ``traffic_lights.py``."""
        return self.id.replace("-", "_") + ".py"

    def load_profile(self) -> Profile:
        """The profile of the kit this lesson needs, checked."""
        from ..profile import load_profile, parse_profile

        if self.profile_text:
            return parse_profile(self.profile_text, f"{self.profile} (lesson '{self.id}')")
        return load_profile(self.profile)

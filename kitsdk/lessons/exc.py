"""What the lessons raise and warn, under kitsdk's roots (``kitsdk.exc``)::

    KitError
    ├── BadLesson (ValueError)         a lesson's definition is wrong (id, steps, profile)
    └── UnknownLesson (LookupError)    kit lesson show nope: no lesson of that id
    KitWarning
    └── LessonWarning                  a lesson plug-in or progress sink is broken, skipped

``StepFailed`` is not an error of the student's or the kit's: it is how a check says that a
step is not done yet, with what it saw and a hint.
"""

from __future__ import annotations

from ..exc import KitError, KitWarning


class BadLesson(KitError, ValueError):
    """A lesson's definition breaks the format; the message names the lesson and the field."""


class UnknownLesson(KitError, LookupError):
    """No installed lesson has that id."""


class LessonWarning(KitWarning):
    """A lesson plug-in (or a progress sink) is broken and was skipped; the message names it."""


class StepFailed(Exception):
    """A check's verdict: the step is not done. Never just "wrong":

    :param saw: what the check observed, in a student's words ("the red LED stayed off").
    :param hint: what to try next ("switch it on with kit.red.on()").
    """

    def __init__(self, saw: str, hint: str) -> None:
        if not saw.strip() or not hint.strip():
            raise ValueError("a failed step says what it saw and gives a hint")
        super().__init__(f"{saw} (hint: {hint})")
        self.saw = saw
        self.hint = hint

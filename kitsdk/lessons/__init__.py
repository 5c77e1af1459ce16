"""Lessons: a goal in steps, starter code, and checks that try a student's script out.

::

    kit lesson list                     every installed lesson
    kit lesson show traffic-lights      what to build, step by step
    kit lesson start traffic-lights     writes traffic_lights.py to start from
    kit lesson check traffic-lights traffic_lights.py

A check runs the script on a simulated kit in a process of its own, watches its pins,
presses its buttons and moves things in front of its sensors, then says for each step what
it saw and what to try. ``docs/lessons.md`` shows how to write and publish a lesson.

Modules: ``lesson`` (the format), ``catalogue`` (finding installed lessons), ``trial`` and
``harness`` (the two sides of a checked run), ``journal`` (reading the pins' trace),
``checks`` (helpers checks share), ``checker`` (steps in order, with progress),
``progress`` (lesson events for the lab), ``cli`` (``kit lesson``), ``curriculum`` (the
built-in lessons).
"""

from .catalogue import find, installed
from .checker import Report, StepResult, check
from .exc import BadLesson, LessonWarning, StepFailed, UnknownLesson
from .lesson import LEVELS, Lesson, Step
from .trial import Trial

__all__ = [
    "LEVELS",
    "BadLesson",
    "Lesson",
    "LessonWarning",
    "Report",
    "Step",
    "StepFailed",
    "StepResult",
    "Trial",
    "UnknownLesson",
    "check",
    "find",
    "installed",
]

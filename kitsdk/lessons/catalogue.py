"""The installed lessons, from the ``kitsdk.lessons`` entry-point group.

kitsdk's own lessons are registered in that group exactly like a teacher's or a kit maker's
(``pyproject.toml``), so there is one way in. An entry point's name is the lesson's id and
its value a :class:`~kitsdk.lessons.Lesson`. One that fails to import, is not a lesson,
or repeats an id is skipped with a :class:`~kitsdk.lessons.exc.LessonWarning` naming it.
"""

from __future__ import annotations

import difflib
import functools
import warnings
from importlib.metadata import EntryPoint, entry_points

from .exc import LessonWarning, UnknownLesson
from .lesson import Lesson

GROUP = "kitsdk.lessons"


@functools.cache
def installed() -> dict[str, Lesson]:
    """Every installed lesson by id, easiest first (level, then title); read once."""
    found: dict[str, Lesson] = {}
    for ep in entry_points(group=GROUP):
        lesson = _load(ep)
        if lesson is None:
            continue
        if lesson.id in found:
            _warn(f"two packages provide lesson '{lesson.id}'; {ep.value} was skipped")
            continue
        found[lesson.id] = lesson
    return dict(sorted(found.items(), key=lambda item: (item[1].level, item[1].title)))


def find(lesson_id: str) -> Lesson:
    """The installed lesson ``lesson_id``; ``UnknownLesson`` suggests the nearest id."""
    lessons = installed()
    if lesson_id in lessons:
        return lessons[lesson_id]
    close = difflib.get_close_matches(lesson_id, list(lessons), n=1)
    raise UnknownLesson(
        f"there is no lesson '{lesson_id}'" + (f": did you mean '{close[0]}'?" if close else ""),
        hint="'kit lesson list' shows every lesson",
    )


def _load(ep: EntryPoint) -> Lesson | None:
    try:
        lesson = ep.load()
    except Exception as exc:  # a plug-in's import-time failure is its own bug: name it
        _warn(f"lesson plug-in '{ep.name}' ({ep.value}) could not be loaded: "
              f"{type(exc).__name__}: {exc}")
        return None
    if not isinstance(lesson, Lesson):
        _warn(f"lesson plug-in '{ep.name}' ({ep.value}) is {lesson!r:.60}, not a Lesson")
        return None
    if lesson.id != ep.name:
        _warn(f"lesson plug-in '{ep.name}' ({ep.value}) holds lesson '{lesson.id}': "
              "the entry point's name must be the lesson's id")
        return None
    return lesson


def _warn(message: str) -> None:
    warnings.warn(LessonWarning(message), stacklevel=3)

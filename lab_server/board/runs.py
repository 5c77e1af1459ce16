"""Runs of a lesson: one class working through it, told apart by a pause.

A run of a lesson is its events (any kit's) with no pause longer than ``gap`` between one
and the next: a class checks its work every few minutes, and the next class to take the
same lesson comes after a break. Two classes back to back with less than ``gap`` between
their checks make one run; the board of a time window tells them apart if need be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .fold import LessonEvent

RUN_GAP = 30 * 60.0
"""Seconds without a check of a lesson that end its run (a class's break is shorter, and
the next class's lesson starts later)."""


@dataclass(frozen=True)
class Run:
    """One run of ``lesson``: from ``since`` to ``until`` (the lab's clock), the ``kits``
    that took part and how many checks they started (``tries``)."""

    lesson: str
    since: float
    until: float
    kits: frozenset[str]
    tries: int

    def live(self, now: float, gap: float = RUN_GAP) -> bool:
        """Whether the run may still be going on: its last check is less than ``gap`` old."""
        return now - self.until < gap


def runs(events: Iterable[LessonEvent], gap: float = RUN_GAP) -> list[Run]:
    """The runs of every lesson in ``events``, the latest first (the one going on now, if
    any, leads)."""
    by_lesson: dict[str, list[LessonEvent]] = {}
    for event in events:
        by_lesson.setdefault(event.data["lesson"], []).append(event)
    found = []
    for lesson, events_of_lesson in by_lesson.items():
        events_of_lesson.sort(key=lambda e: e.received)
        group: list[LessonEvent] = []
        for event in events_of_lesson:
            if group and event.received - group[-1].received > gap:
                found.append(_run(lesson, group))
                group = []
            group.append(event)
        found.append(_run(lesson, group))
    return sorted(found, key=lambda run: run.until, reverse=True)


def _run(lesson: str, events: list[LessonEvent]) -> Run:
    return Run(lesson, events[0].received, events[-1].received,
               frozenset(e.kit for e in events),
               sum(e.kind == "lesson.started" for e in events))

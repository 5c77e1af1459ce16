"""Lesson events folded into a board: for one lesson, where each kit is and who is stuck.

Pure: events in, a :class:`Board` out, with the time ``now`` given, so every rule here is
tested without a store or a clock.

Each ``kit lesson check`` is one try: ``lesson.started``, then steps in order up to the
first failure, then ``lesson.finished``. Across tries, a kit

- is **on** a step: the one its last try failed, or the one after the last step it passed
  (a try under way that passes steps it had passed before does not move it back);
- has **failures** of that step in a row: tries that failed at it, since it last passed it;
- has been on it **since** the moment it got there (the lab's clock: ``received``, because
  a kit's own clock may be wrong, and ``now`` is the lab's);
- is **finished** once one try passed every step: from then on it is never stuck;
- has **moved on** when its latest try is of another lesson: not stuck in this one either.

A kit is **stuck** when it has failed its step ``stuck_failures`` times in a row, or been on
it for ``stuck_after`` seconds; the reason says which, in words.

Events are taken in the order the kit sent them (its agent's session, then ``seq``; a new
session after the old one, by the lab's clock) whatever order they come in, and an event
given twice (same session and ``seq``) counts once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

CellState = Literal["passed", "failing", "current", "todo"]


class LessonEvent(Protocol):
    """What the fold reads of a stored event (``store.EventRecord`` has it)."""

    @property
    def kit(self) -> str: ...
    @property
    def session(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def received(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Hint:
    """The last hint a kit's check gave it: the step, its title, and what it saw and what
    to try (``"...what I saw. Hint: what to try"``)."""

    step: int
    title: str
    text: str
    received: float


@dataclass(frozen=True)
class KitRow:
    """One kit in one lesson. ``step`` is None once it has finished; ``best`` is the
    furthest step it ever passed; ``stuck`` is why it is stuck, or None."""

    kit: str
    tries: int
    best: int
    step: int | None
    failures: int
    since: float
    completed: bool
    hint: Hint | None
    moved_on: str | None
    stuck: str | None

    def cell(self, step: int) -> CellState:
        """Step ``step`` of this kit: passed, failing (its last try failed it), current (it
        is on it and has not failed it yet) or todo."""
        if self.step is None or step < self.step:
            return "passed"
        if step > self.step:
            return "todo"
        return "failing" if self.failures else "current"


@dataclass(frozen=True)
class Board:
    """Every kit that checked ``lesson`` in the events folded, in order of kit id.

    ``steps`` is the lesson's number of steps, ``titles`` those known from the events;
    ``since`` and ``until`` the first and last of the lesson's events (the lab's clock),
    ``now`` the time the stuck rules were applied at."""

    lesson: str
    steps: int
    titles: Mapping[int, str]
    kits: tuple[KitRow, ...]
    since: float | None
    until: float | None
    now: float

    def title(self, step: int) -> str | None:
        return self.titles.get(step)

    @property
    def finished(self) -> int:
        return sum(row.completed for row in self.kits)

    @property
    def stuck(self) -> tuple[KitRow, ...]:
        return tuple(row for row in self.kits if row.stuck)


class _Progress:
    """One kit's progress in the lesson, event by event."""

    def __init__(self, kit: str) -> None:
        self.kit = kit
        self.tries = self.best = self.failures = self.steps = 0
        self.step: int | None = None
        self.failing: int | None = None
        self.since = self.last = 0.0
        self.first: float | None = None
        self.completed = False
        self.hint: Hint | None = None
        self.moved_on: str | None = None

    def apply(self, lesson: str, event: LessonEvent) -> None:
        data, at = event.data, event.received
        if data["lesson"] != lesson:
            if event.kind == "lesson.started":
                self.moved_on = data["lesson"]
            return
        self.moved_on = None
        self.first = at if self.first is None else self.first
        self.last = at
        self.steps = max(self.steps, data.get("steps", 0))
        if event.kind == "lesson.started":
            self.tries += 1
            if self.step is None:
                self._move(1, at)
        elif event.kind == "lesson.step_passed":
            step = data["step"]
            self.best = max(self.best, step)
            if self.failing is not None and step >= self.failing:
                self.failing, self.failures = None, 0
            if self.steps and step >= self.steps:
                self._finish(at)
            else:
                self._move(max(self.step or 1, step + 1), at)
        elif event.kind == "lesson.step_failed":
            step = data["step"]
            self.hint = Hint(step, data["title"], data["hint"], at)
            if not self.completed:
                self.failures = self.failures + 1 if self.failing == step else 1
                self.failing = step
                self._move(step, at)
        elif event.kind == "lesson.finished":
            if data["passed"] >= data["steps"]:
                self._finish(at)
            elif self.step is None:  # the try began before the events folded here
                self._move(data["passed"] + 1, at)

    def _move(self, step: int, at: float) -> None:
        if not self.completed and step != self.step:
            self.step, self.since = step, at

    def _finish(self, at: float) -> None:
        if not self.completed:
            self.completed, self.step, self.since = True, None, at
            self.failing, self.failures = None, 0

    def row(self, now: float, stuck_after: float, stuck_failures: int) -> KitRow:
        stuck = None
        if self.step is not None and self.moved_on is None:
            reasons = []
            if self.failures >= stuck_failures:
                reasons.append(f"failed step {self.step} {self.failures} times in a row")
            if now - self.since >= stuck_after:
                reasons.append(f"on step {self.step} for {duration(now - self.since)}")
            stuck = ", ".join(reasons) or None
        return KitRow(self.kit, self.tries, self.best, self.step, self.failures, self.since,
                      self.completed, self.hint, self.moved_on, stuck)


def duration(seconds: float) -> str:
    """``45 s``, ``7 min``, ``1 h 5 min``: a time on a step, as a teacher reads it."""
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def in_order(events: Iterable[LessonEvent]) -> dict[str, list[LessonEvent]]:
    """Each kit's lesson events once each, in the order it sent them: by session (the
    session first heard of first), then ``seq``."""
    by_kit: dict[str, dict[tuple[str, int], LessonEvent]] = {}
    for event in events:
        if event.kind.startswith("lesson."):
            by_kit.setdefault(event.kit, {}).setdefault((event.session, event.seq), event)
    ordered = {}
    for kit, unique in by_kit.items():
        heard: dict[str, float] = {}
        for (session, _), event in unique.items():
            heard[session] = min(heard.get(session, event.received), event.received)
        ordered[kit] = sorted(unique.values(),
                              key=lambda e: (heard[e.session], e.session, e.seq))
    return ordered


def fold(events: Iterable[LessonEvent], lesson: str, *, now: float, stuck_after: float,
         stuck_failures: int) -> Board:
    """The board of ``lesson`` from ``events`` (of any kinds and lessons, in any order)."""
    titles: dict[int, tuple[float, str]] = {}
    progress: list[_Progress] = []
    for kit, events_of_kit in sorted(in_order(events).items()):
        state = _Progress(kit)
        for event in events_of_kit:
            state.apply(lesson, event)
            data = event.data
            if data["lesson"] == lesson and "title" in data:
                known = titles.get(data["step"])
                if known is None or known[0] <= event.received:
                    titles[data["step"]] = (event.received, data["title"])
        if state.first is not None:
            progress.append(state)
    steps = max([p.steps for p in progress] + [max(titles, default=0)])
    return Board(lesson, steps, {step: title for step, (_, title) in sorted(titles.items())},
                 tuple(p.row(now, stuck_after, stuck_failures) for p in progress),
                 min((p.first for p in progress if p.first is not None), default=None),
                 max((p.last for p in progress), default=None), now)

"""The lesson board from the store: the runs of the last weeks, the board of a lesson's
run, and the kits stuck now (for the room's problems).

**Now.** A lesson's board now is its latest run (``runs``) that began within ``LOOKBACK``:
while the run goes on, its stuck rules apply at the lab's clock; once nobody has checked
the lesson for ``RUN_GAP``, the run is over and its board stays as it was at its last
check. A kit is on the lesson of its latest lesson event, if that is less than ``RUN_GAP``
old: a kit idle longer has left it (the class is over), so :func:`stuck_kits` no longer
names it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .fold import Board, LessonEvent, fold, in_order
from .runs import RUN_GAP, Run, runs

if TYPE_CHECKING:
    from ..config import LabConfig
    from ..store import Store

DAY = 86400.0
LOOKBACK = 4 * 3600.0
"""How far back the board of a lesson now, and ``stuck_kits``, read: a run longer than a
double lesson shows its last four hours."""
LIST_DAYS = 14
"""How many days the list of runs covers, a page at a time (two school weeks: a busy
room's fortnight of checks reads in a second on a Raspberry Pi 4)."""


def recent_runs(store: Store, until: float, days: float = LIST_DAYS) -> list[Run]:
    """The runs of every lesson in the ``days`` before ``until``, the latest first, from
    the starts of checks alone (a run's ``until`` is then the start of its last check):
    this reads weeks of a class's checks."""
    return runs(store.lesson_events(until - days * DAY, until, kinds=("lesson.started",)))


def run_board(store: Store, config: LabConfig, lesson: str, since: float | None = None,
              now: float | None = None) -> tuple[Run, Board] | None:
    """A run of ``lesson`` and its board: the latest run that began within ``LOOKBACK``
    (``since`` None), else the first that began at ``since`` or after (a past run: the
    list links each by its start). The board is as of ``now`` while the run goes on, as
    of its last check once it is over. None: no such run."""
    now = time.time() if now is None else now
    if since is None:
        return _run(store.lesson_events(now - LOOKBACK, now), lesson, now, config)
    return _run(store.lesson_events(since, min(since + LOOKBACK, now)), lesson, now, config,
                latest=False)


def stuck_kits(store: Store, config: LabConfig, now: float | None = None) -> dict[str, str]:
    """The kits stuck now in the lesson each is on, with why:
    ``{"kit-3": "blink: failed step 2 3 times in a row"}`` (what the lesson's board says)."""
    now = time.time() if now is None else now
    events = store.lesson_events(now - LOOKBACK, now)
    on = {kit: sent[-1].data["lesson"] for kit, sent in in_order(events).items()
          if now - sent[-1].received < RUN_GAP}
    stuck = {}
    for lesson in sorted(set(on.values())):
        found = _run(events, lesson, now, config)
        for row in found[1].kits if found else ():
            if row.stuck and on.get(row.kit) == lesson:
                stuck[row.kit] = f"{lesson}: {row.stuck}"
    return stuck


def _run(events: Sequence[LessonEvent], lesson: str, now: float, config: LabConfig, *,
         latest: bool = True) -> tuple[Run, Board] | None:
    """``lesson``'s latest (or first) run in ``events``, and its board."""
    found = [run for run in runs(events) if run.lesson == lesson]
    if not found:
        return None
    run = found[0] if latest else found[-1]
    # the run's own events, and any other lesson's after its start (a kit that moved on)
    board = _fold([e for e in events if e.received >= run.since and
                   (e.received <= run.until or e.data["lesson"] != lesson)], lesson,
                  now if run.live(now) else run.until, config)
    return run, board


def _fold(events: Sequence[LessonEvent], lesson: str, now: float, config: LabConfig) -> Board:
    return fold(events, lesson, now=now, stuck_after=config.stuck_after,
                stuck_failures=config.stuck_failures)

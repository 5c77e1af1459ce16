"""The lesson board over the store: lesson events of every kit by the time they arrived,
boards now and of a past run, and the kits stuck now; the same on SQLite and on the
machine's real PostgreSQL (see ``test_store.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_schema import empty_store_url

from kitsdk.telemetry import Event
from lab_server.board import recent_runs, run_board, stuck_kits
from lab_server.config import LabConfig
from lab_server.store import Inbound, Store, open_store

SESSION = "3f9a1c0d2b7e"
T0 = 1_800_000_000.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(empty_store_url(request, tmp_path))
    opened.add_kit("kit-1")
    opened.add_kit("kit-2")
    yield opened
    opened.close()


def send(store: Store, kit: str, seq: int, received: float, kind: str, **data: Any) -> None:
    """An event as the ingest stores it; the kit's own clock is an hour out, on purpose."""
    event = Event(session=SESSION, seq=seq, ts=T0 + received - 3600,
                  kind=kind, data=data)  # type: ignore[arg-type]
    store.write([Inbound(kit, event, T0 + received)])


@pytest.fixture
def stored(store: Store) -> Store:
    send(store, "kit-1", 1, 100.0, "lesson.started", lesson="blink", steps=3)
    send(store, "kit-1", 2, 101.0, "script.started", script="blink.py")
    send(store, "kit-2", 1, 102.0, "lesson.started", lesson="blink", steps=3)
    send(store, "kit-1", 3, 103.0, "lesson.step_failed", lesson="blink", step=1,
         title="Switch it on", hint="the red LED stayed off. Hint: kit.red.on()")
    send(store, "kit-2", 2, 104.0, "lesson.step_passed", lesson="blink", step=1,
         title="Switch it on")
    send(store, "kit-1", 4, 105.0, "lesson.finished", lesson="blink", passed=0, steps=3)
    return store


def test_lesson_events_of_every_kit_oldest_first(stored: Store) -> None:
    found = stored.lesson_events()
    assert [(e.kit, e.seq, e.kind) for e in found] == [
        ("kit-1", 1, "lesson.started"), ("kit-2", 1, "lesson.started"),
        ("kit-1", 3, "lesson.step_failed"), ("kit-2", 2, "lesson.step_passed"),
        ("kit-1", 4, "lesson.finished")]
    assert found[2].data["hint"] == "the red LED stayed off. Hint: kit.red.on()"
    assert (found[2].received, found[2].ts, found[2].session) == (T0 + 103, T0 - 3497, SESSION)


def test_lesson_events_by_the_time_they_arrived_and_by_kind(stored: Store) -> None:
    def arrived(**window: Any) -> list[float]:
        return [e.received - T0 for e in stored.lesson_events(**window)]

    assert arrived(since=T0 + 102, until=T0 + 104) == [102, 103, 104]
    assert arrived(since=T0 + 103.5) == [104, 105]
    assert arrived(limit=2) == [104, 105]
    assert [(e.kit, e.kind) for e in stored.lesson_events(
        kinds=("lesson.started", "lesson.finished"))] == [
        ("kit-1", "lesson.started"), ("kit-2", "lesson.started"), ("kit-1", "lesson.finished")]


class Class:
    """Kits checking lessons, written to the store as the ingest would (``received`` is
    ``T0`` plus the seconds given)."""

    def __init__(self, store: Store) -> None:
        self.store, self.seq = store, {}

    def check(self, kit: str, at: float, fail_at: int | None = None,
              lesson: str = "blink") -> None:
        seq = self.seq.setdefault(kit, iter(range(1, 10_000)))
        send(self.store, kit, next(seq), at, "lesson.started", lesson=lesson, steps=2)
        for step in (1, 2):
            if step == fail_at:
                send(self.store, kit, next(seq), at + step, "lesson.step_failed", lesson=lesson,
                     step=step, title=f"Step {step}", hint="it did not. Hint: do it")
                break
            send(self.store, kit, next(seq), at + step, "lesson.step_passed", lesson=lesson,
                 step=step, title=f"Step {step}")
        send(self.store, kit, next(seq), at + 3, "lesson.finished", lesson=lesson,
             passed=(fail_at or 3) - 1, steps=2)


def config(tmp_path: Path) -> LabConfig:
    return LabConfig(data_dir=tmp_path, stuck_after=600, stuck_failures=3)


def test_the_kits_stuck_now_in_the_lesson_each_is_on(store: Store, tmp_path: Path) -> None:
    for kit in ("kit-3", "kit-4", "kit-5"):
        store.add_kit(kit)
    lab = Class(store)
    for at in (0, 60, 120):
        lab.check("kit-1", at, fail_at=2)  # three times at step 2
        lab.check("kit-4", at, fail_at=1)  # the same, then on to the next lesson
    lab.check("kit-2", 100, fail_at=2)  # on step 2, not for long yet
    lab.check("kit-4", 200, lesson="traffic-lights")
    for at in (-3000, -2900, -2800):
        lab.check("kit-3", at, fail_at=2)  # stuck, then left long ago
    lab.check("kit-5", -900, fail_at=1)  # on step 1 for 15 min by now
    lab.check("kit-5", 100, fail_at=1)
    assert stuck_kits(store, config(tmp_path), now=T0 + 300) == {
        "kit-1": "blink: failed step 2 3 times in a row",
        "kit-5": "blink: on step 1 for 20 min"}
    assert stuck_kits(store, config(tmp_path), now=T0 + 2000) == {}  # the class is over


def test_a_lessons_board_now_is_its_latest_run(store: Store, tmp_path: Path) -> None:
    lab = Class(store)
    lab.check("kit-1", -7200)  # an earlier class: finished
    lab.check("kit-1", 0, fail_at=1)
    lab.check("kit-2", 30)
    run, board = run_board(store, config(tmp_path), "blink", now=T0 + 700) or (None, None)
    assert run is not None and board is not None
    assert (run.since, run.kits, run.tries) == (T0, frozenset({"kit-1", "kit-2"}), 2)
    assert [(r.kit, r.completed, r.stuck) for r in board.kits] == [
        ("kit-1", False, "on step 1 for 11 min"), ("kit-2", True, None)]
    # the run is over: the board stays as it was at the last check
    _, ended = run_board(store, config(tmp_path), "blink", now=T0 + 9000) or (None, None)
    assert ended is not None and ended.now == T0 + 33 and ended.stuck == ()
    assert run_board(store, config(tmp_path), "traffic-lights", now=T0 + 700) is None


def test_a_past_board_and_the_list_of_runs(store: Store, tmp_path: Path) -> None:
    lab = Class(store)
    lab.check("kit-1", 0, fail_at=2)
    lab.check("kit-2", 10)
    store.add_kit("kit-3")
    send(store, "kit-3", 1, 20, "lesson.started", lesson="blink", steps=2)  # never ended
    send(store, "kit-3", 2, 21, "lesson.step_failed", lesson="blink", step=1,
         title="Step 1", hint="it did not. Hint: do it")
    lab.check("kit-1", 5000, lesson="traffic-lights")
    lab.check("kit-1", 9000)  # the next class
    [next_class, later, earlier] = recent_runs(store, until=T0 + 9500)
    assert [r.lesson for r in (next_class, later, earlier)] == ["blink", "traffic-lights",
                                                               "blink"]
    # the list reads the starts of checks alone
    assert (earlier.since, earlier.until, earlier.tries) == (T0, T0 + 20, 3)
    found = run_board(store, config(tmp_path), "blink", since=earlier.since, now=T0 + 9500)
    assert found is not None
    run, board = found
    assert run.until == T0 + 21 and board.now == T0 + 21 and board.finished == 1
    assert [(r.kit, r.step, r.moved_on) for r in board.kits] == [
        ("kit-1", 2, "traffic-lights"), ("kit-2", None, None), ("kit-3", 1, None)]
    assert recent_runs(store, until=T0 + 4000) == [earlier]

"""The lesson board's fold of lesson events (pure: events in, a board out, ``now`` given),
its runs of a lesson, and its settings in the lab's config."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from board_page import TITLES as STEPS
from board_page import lesson_check

from kitsdk.telemetry import new_id
from lab_server.board import Board, fold, runs
from lab_server.config import LabConfig
from lab_server.exc import ConfigError
from lab_server.store import EventRecord

T0 = 1_800_000_000.0
_ids = itertools.count(1)


class Kit:
    """One kit's lesson events as its agent sends them: one session, ``seq`` counting up,
    each event ``received`` at the lab's clock ``self.t`` (moved on with ``after``)."""

    def __init__(self, kit: str, t: float = T0) -> None:
        self.kit, self.t = kit, t
        self.session, self.seq = new_id(), itertools.count(1)
        self.events: list[EventRecord] = []

    def after(self, seconds: float) -> Kit:
        self.t += seconds
        return self

    def restart(self) -> Kit:
        """The agent restarted: a new session, whose ``seq`` starts at 1 again."""
        self.session, self.seq = new_id(), itertools.count(1)
        return self

    def send(self, kind: str, **data: Any) -> EventRecord:
        event = EventRecord(id=next(_ids), kit=self.kit, session=self.session,
                            seq=next(self.seq), ts=self.t, received=self.t, kind=kind,
                            data=data)
        self.events.append(event)
        return event

    def check(self, fail_at: int | None = None, lesson: str = "blink", steps: int = 3,
              hint: str = "the red LED stayed off. Hint: kit.red.on()") -> Kit:
        """One ``kit lesson check``: steps in order up to the first failure (None: none),
        a second apart."""
        lesson_check(self.send, fail_at, lesson=lesson, steps=steps, hint=hint,
                     between=lambda: self.after(1))
        return self


def board(*kits: Kit, now: float, lesson: str = "blink", stuck_after: float = 300,
          stuck_failures: int = 3) -> Board:
    events = [e for kit in kits for e in kit.events]
    return fold(events, lesson, now=now, stuck_after=stuck_after,
                stuck_failures=stuck_failures)


def test_a_kit_that_passes_every_step_is_finished_and_never_stuck() -> None:
    kit = Kit("kit-1").check(fail_at=2).after(60).check()
    [row] = board(kit, now=kit.t + 10_000).kits
    assert (row.kit, row.tries, row.best, row.completed, row.step) == ("kit-1", 2, 3, True,
                                                                        None)
    assert row.stuck is None and row.failures == 0
    assert [row.cell(n) for n in (1, 2, 3)] == ["passed", "passed", "passed"]


def test_the_step_a_kit_is_on_and_its_cells() -> None:
    kit = Kit("kit-1").check(fail_at=2)
    [row] = board(kit, now=kit.t).kits
    assert (row.tries, row.best, row.step, row.failures, row.completed) == (1, 1, 2, 1, False)
    assert [row.cell(n) for n in (1, 2, 3)] == ["passed", "failing", "todo"]


def test_a_check_under_way_is_on_its_step_without_failing_it() -> None:
    kit = Kit("kit-1")
    kit.send("lesson.started", lesson="blink", steps=3)
    kit.after(1).send("lesson.step_passed", lesson="blink", step=1, title=STEPS[1])
    [row] = board(kit, now=kit.t).kits
    assert (row.step, row.failures) == (2, 0)
    assert [row.cell(n) for n in (1, 2, 3)] == ["passed", "current", "todo"]


def test_the_steps_and_their_titles_come_from_the_events() -> None:
    result = board(Kit("kit-1").check(fail_at=2), now=T0 + 10)
    assert result.steps == 3
    assert (result.title(1), result.title(2), result.title(3)) == (STEPS[1], STEPS[2], None)


def test_failing_the_same_step_again_and_again_is_stuck() -> None:
    kit = Kit("kit-1").check(fail_at=2).after(20).check(fail_at=2)
    [row] = board(kit, now=kit.t).kits
    assert (row.tries, row.failures, row.stuck) == (2, 2, None)
    kit.after(20).check(fail_at=2)
    [row] = board(kit, now=kit.t).kits
    assert row.failures == 3 and row.stuck == "failed step 2 3 times in a row"


def test_on_one_step_too_long_is_stuck() -> None:
    kit = Kit("kit-1").check(fail_at=2)
    reached = kit.events[1].received  # step 1 passed: on step 2 from then on
    [row] = board(kit, now=reached + 299).kits
    assert row.since == reached and row.stuck is None
    [row] = board(kit, now=reached + 7 * 60 + 5).kits
    assert row.stuck == "on step 2 for 7 min"
    [row] = board(kit, now=reached + 45, stuck_after=30).kits
    assert row.stuck == "on step 2 for 45 s"


def test_both_reasons_are_given() -> None:
    kit = Kit("kit-1").check(fail_at=1).check(fail_at=1).check(fail_at=1)
    [row] = board(kit, now=kit.events[0].received + 3700).kits
    assert row.stuck == "failed step 1 3 times in a row, on step 1 for 1 h 1 min"


def test_passing_the_step_resets_its_failures_and_its_time() -> None:
    kit = Kit("kit-1").check(fail_at=2).check(fail_at=2).after(100).check(fail_at=3)
    passed_2 = next(e.received for e in reversed(kit.events)
                    if e.kind == "lesson.step_passed" and e.data["step"] == 2)
    [row] = board(kit, now=kit.t).kits
    assert (row.step, row.failures, row.since, row.best) == (3, 1, passed_2, 2)
    assert [row.cell(n) for n in (1, 2, 3)] == ["passed", "passed", "failing"]


def test_a_step_that_breaks_again_is_the_step_the_kit_is_on() -> None:
    kit = Kit("kit-1").check(fail_at=3).after(30).check(fail_at=2)
    [row] = board(kit, now=kit.t).kits
    assert (row.step, row.best, row.failures) == (2, 2, 1)
    assert [row.cell(n) for n in (1, 2, 3)] == ["passed", "failing", "todo"]


def test_the_last_hint_with_its_step() -> None:
    kit = Kit("kit-1").check(fail_at=1, hint="the red LED stayed off. Hint: kit.red.on()")
    kit.after(5).check(fail_at=2, hint="it turned on once. Hint: use a loop")
    [row] = board(kit, now=kit.t).kits
    assert row.hint is not None
    assert (row.hint.step, row.hint.title, row.hint.text) == (2, STEPS[2],
                                                             "it turned on once. Hint: use a loop")
    kit.after(5).check()
    [row] = board(kit, now=kit.t).kits
    assert row.hint is not None and row.hint.step == 2  # still the last one it was given


def test_a_kit_that_went_on_to_another_lesson_is_not_stuck_in_this_one() -> None:
    kit = Kit("kit-1").check(fail_at=2).check(fail_at=2).check(fail_at=2)
    kit.after(10).check(lesson="traffic-lights")
    [row] = board(kit, now=kit.t + 3600).kits
    assert (row.moved_on, row.stuck, row.step, row.tries) == ("traffic-lights", None, 2, 3)
    other = board(kit, now=kit.t, lesson="traffic-lights")
    assert [r.completed for r in other.kits] == [True]
    kit.after(10).check(fail_at=2)  # back to blink
    [row] = board(kit, now=kit.t).kits
    assert (row.moved_on, row.failures, row.stuck) == (None, 4, "failed step 2 4 times in a row")


def test_a_check_cut_by_the_window_still_places_the_kit() -> None:
    kit = Kit("kit-1").check(fail_at=2)
    ended = [e for e in kit.events if e.kind == "lesson.finished"]
    [row] = fold(ended, "blink", now=kit.t, stuck_after=300, stuck_failures=3).kits
    assert (row.step, row.completed, row.tries) == (2, False, 0)
    assert [row.cell(n) for n in (1, 2, 3)] == ["passed", "current", "todo"]


def test_a_kit_that_never_checked_the_lesson_has_no_row() -> None:
    result = board(Kit("kit-1").check(), Kit("kit-2").check(lesson="traffic-lights"),
                   now=T0 + 100)
    assert [row.kit for row in result.kits] == ["kit-1"]


def test_events_out_of_order_and_twice_fold_the_same() -> None:
    kits = [Kit("kit-1").check(fail_at=2).after(30).check(fail_at=2).after(5).check(fail_at=3),
            Kit("kit-2").check(fail_at=1).restart().after(9).check(),
            Kit("kit-3").check(fail_at=2).check(fail_at=2).check(fail_at=2)]
    in_order = board(*kits, now=T0 + 400)
    events = [e for kit in kits for e in kit.events]
    shuffled = events + random.Random(16).sample(events, 12)
    random.Random(7).shuffle(shuffled)
    assert fold(shuffled, "blink", now=T0 + 400, stuck_after=300, stuck_failures=3) == in_order
    assert [(r.kit, r.tries, r.step, r.failures, r.completed) for r in in_order.kits] == [
        ("kit-1", 3, 3, 1, False), ("kit-2", 2, None, 0, True), ("kit-3", 3, 2, 3, False)]


def test_a_new_session_of_the_agent_comes_after_the_old_one() -> None:
    """seq starts again at 1 in the agent's new session: the lab's clock orders sessions."""
    kit = Kit("kit-1").check(fail_at=2).restart().after(10).check(fail_at=1)
    [row] = board(kit, now=kit.t).kits
    assert (row.step, row.failures, row.tries) == (1, 1, 2)


def test_the_board_counts_finished_and_stuck_kits() -> None:
    done = Kit("kit-1").check()
    stuck = Kit("kit-2").check(fail_at=1).check(fail_at=1).check(fail_at=1)
    working = Kit("kit-3").check(fail_at=2)
    result = board(done, stuck, working, now=T0 + 60)
    assert (result.finished, [r.kit for r in result.stuck]) == (1, ["kit-2"])
    assert result.since == T0 and result.until == max(e.received for k in (done, stuck, working)
                                                     for e in k.events)


def test_runs_of_a_lesson_split_where_nobody_checked_it_for_a_while() -> None:
    morning = [Kit("kit-1").check(), Kit("kit-2", T0 + 600).check(fail_at=2)]
    later = Kit("kit-1", T0 + 4 * 3600).check().after(1200).check()
    other = Kit("kit-3", T0 + 900).check(lesson="traffic-lights")
    found = runs([e for k in (*morning, later, other) for e in k.events], gap=1800)
    assert [(r.lesson, r.kits, r.tries) for r in found] == [
        ("blink", frozenset({"kit-1"}), 2),
        ("traffic-lights", frozenset({"kit-3"}), 1),
        ("blink", frozenset({"kit-1", "kit-2"}), 2)]
    assert found[0].since == T0 + 4 * 3600 and found[0].until == later.t
    assert found[2].since == T0 and found[2].until == morning[1].t


def test_the_stuck_settings_are_checked_and_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    config = LabConfig(data_dir=tmp_path)
    assert (config.stuck_after, config.stuck_failures) == (300.0, 3)
    monkeypatch.setenv("KITLAB_STUCK_AFTER", "420")
    monkeypatch.setenv("KITLAB_STUCK_FAILURES", "4")
    (tmp_path / "lab.toml").write_text('lab = "room-4"\n')
    loaded = LabConfig.load(tmp_path / "lab.toml", data_dir=tmp_path)
    assert (loaded.stuck_after, loaded.stuck_failures) == (420.0, 4)
    with pytest.raises(ConfigError, match="stuck_after must be more than 0"):
        LabConfig(data_dir=tmp_path, stuck_after=0)
    with pytest.raises(ConfigError, match="stuck_failures 2.5 is not a whole number"):
        LabConfig(data_dir=tmp_path, stuck_failures=2.5)  # type: ignore[arg-type]

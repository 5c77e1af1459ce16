"""The kit page's event log says every event in words a teacher reads: how a script ended
(stopped by whom and when, reset, crashed with the exception and the student's line), a
lesson's steps, a button, the safety net, errors, the outbox; a script's output folded under
its words (``detail``); the JSON API and the live stream carry the same words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers import wait_until

from kitsdk.telemetry.messages import EVENTS
from lab_server.hub import Update
from lab_server.web.present import event_json, event_text, update_json

TS = datetime(2026, 3, 2, 10, 42, 7).timestamp()


@pytest.mark.parametrize(("kind", "data", "words"), [
    ("script.stopped", {"script": "drive.py", "by": "teacher", "output": []},
     "drive.py stopped by the teacher at 10:42"),
    ("script.stopped", {"script": "drive.py", "by": "student", "output": []},
     "drive.py stopped by the student (Ctrl+C in kit run) at 10:42"),
    ("script.reset", {"script": "drive.py", "by": "teacher", "output": []},
     "drive.py reset by the teacher at 10:42"),
    ("script.crashed", {"script": "drive.py", "output": [],
                        "error": "ZeroDivisionError on line 12: division by zero"},
     "drive.py crashed: ZeroDivisionError on line 12: division by zero"),
    ("script.started", {"script": "demo.py"}, "demo.py started"),
    ("script.finished", {"script": "demo.py", "code": 0, "output": ["done"]},
     "demo.py finished normally (exit code 0)"),
    ("script.finished", {"script": "demo.py", "code": 3, "output": []},
     "demo.py finished with exit code 3"),
    ("lesson.started", {"lesson": "blink", "steps": 3}, "lesson blink started (3 steps)"),
    ("lesson.started", {"lesson": "blink", "steps": 1}, "lesson blink started (1 step)"),
    ("lesson.step_passed", {"lesson": "blink", "step": 2, "title": "Make it blink"},
     "blink step 2 passed: Make it blink"),
    ("lesson.step_failed", {"lesson": "blink", "step": 2, "title": "Make it blink.",
                            "hint": "The LED never turned on: is it on pin 17?"},
     "blink step 2 failed: Make it blink. The LED never turned on: is it on pin 17?"),
    ("lesson.step_failed", {"lesson": "blink", "step": 1, "title": "Wire it", "hint": ""},
     "blink step 1 failed: Wire it"),
    ("lesson.finished", {"lesson": "blink", "passed": 2, "steps": 3},
     "lesson blink finished: 2 of 3 steps passed"),
    ("button.pressed", {"device": "start_button"}, "start_button pressed"),
    ("safety.stopped", {"reason": "the lab link was lost"},
     "motors stopped for safety: the lab link was lost"),
    ("error", {"source": "camera", "message": "no camera found"},
     "error in camera: no camera found"),
    ("outbox.dropped", {"count": 120},
     "the kit dropped its 120 oldest unsent messages (its outbox was full)"),
    ("outbox.dropped", {"count": 1},
     "the kit dropped its oldest unsent message (its outbox was full)"),
])
def test_each_ending_in_words(kind: str, data: dict[str, Any], words: str) -> None:
    assert event_text(kind, data, TS) == words


def test_every_kind_of_the_schema_is_said_in_words() -> None:
    samples = {"lesson": "blink", "steps": 3, "step": 1, "title": "Wire it", "hint": "Look.",
               "passed": 1, "script": "demo.py", "code": 0, "output": [], "error": "Oops",
               "by": "teacher", "device": "button", "reason": "stop", "source": "agent",
               "message": "broken", "count": 2}
    for kind, fields in EVENTS.items():
        text = event_text(kind, {name: samples[name] for name in fields}, TS)
        assert text and "{" not in text and "_" not in text, (kind, text)


def test_an_unknown_kind_shows_its_fields_as_compact_json() -> None:
    assert event_text("kite.flown", {"height": 3, "who": "Zoë"}) == '{"height":3,"who":"Zoë"}'


def test_a_kind_with_missing_fields_still_reads() -> None:
    assert event_text("lesson.started", {}) == "lesson started"
    assert event_text("script.finished", {}) == "the script finished"


@pytest.mark.parametrize(("data", "detail"), [
    ({"script": "maze.py", "error": "ValueError on line 3: bad", "output": [
        "Traceback (most recent call last):", '  File "maze.py", line 3', "ValueError: bad"]},
     'Traceback (most recent call last):\n  File "maze.py", line 3\nValueError: bad'),
    ({"script": "maze.py", "error": "killed by SIGKILL", "output": []}, None),
])
def test_a_crash_keeps_its_output_folded_under_its_words(data: dict[str, Any],
                                                         detail: str | None) -> None:
    record = {"id": 1, "kit": "kit-1", "ts": TS, "kind": "script.crashed", "data": data}
    shown = event_json(record)
    assert shown["text"] == f"maze.py crashed: {data['error']}"
    assert shown["detail"] == detail
    assert event_json({**record, "kind": "button.pressed", "data": {"device": "b"}}
                      )["detail"] is None


def test_the_api_says_each_event_in_words(mentor: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-1")
    sim.event("lesson.started", lesson="blink", steps=3)
    sim.event("script.finished", script="blink.py", code=0, output=["on", "off"])
    wait_until(lambda: len(lab.services.store.events("kit-1")) == 2, 10, "the events stored")
    events = mentor.get("/api/kits/kit-1/events").get_json()["events"]
    assert [(e["kind"], e["text"], e["detail"]) for e in events] == [
        ("lesson.started", "lesson blink started (3 steps)", None),
        ("script.finished", "blink.py finished normally (exit code 0)", "on\noff")]
    assert events[0]["data"] == {"lesson": "blink", "steps": 3}


def test_the_kit_page_says_who_stopped_the_script_and_when(teacher: FlaskClient,
                                                          lab: Any) -> None:
    sim = lab.kit("kit-1")
    sim.event("script.stopped", script="drive.py", by="teacher", output=["driving"])
    sim.event("script.crashed", script="maze.py", output=[],
              error="ZeroDivisionError on line 12: division by zero")
    wait_until(lambda: len(lab.services.store.events("kit-1")) == 2, 10, "the events stored")
    stopped = next(e for e in lab.services.store.events("kit-1")
                   if e.kind == "script.stopped")
    page = teacher.get("/kits/kit-1").get_data(as_text=True)
    assert f"drive.py stopped by the teacher at {datetime.fromtimestamp(stopped.ts):%H:%M}" \
        in page
    assert "maze.py crashed: ZeroDivisionError on line 12: division by zero" in page


def test_a_live_event_carries_its_words() -> None:
    event = {"session": "3f9a1c0d2b7e", "seq": 1, "ts": TS, "kind": "script.reset",
             "data": {"script": "drive.py", "by": "teacher", "output": []}}
    sent = update_json(Update("event", "kit-1", event, TS))
    assert sent["data"]["text"] == "drive.py reset by the teacher at 10:42"
    assert sent["data"]["kind"] == "script.reset"
    assert sent["data"]["detail"] is None

"""The kit page's event log says how a script ended, in words: stopped by whom and when,
reset, or crashed with the exception and the student's line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers import wait_until

from lab_server.hub import Update
from lab_server.web.present import event_text, update_json

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
    ("button.pressed", {"device": "button"}, '{"device": "button"}'),
])
def test_each_ending_in_words(kind: str, data: dict[str, Any], words: str) -> None:
    assert event_text(kind, data, TS) == words


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

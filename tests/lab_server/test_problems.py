"""The problems bar's rules: what needs the teacher now, in words, most urgent first."""

from __future__ import annotations

from types import SimpleNamespace as Record
from typing import Any

from lab_server.web.problems import WINDOW, find_problems

NOW = 10_000.0


def kit(kit_id: str, state: str = "online", last_seen: float = NOW, running: Any = None
        ) -> Any:
    return Record(id=kit_id, state=state, last_seen=last_seen, running=running)


def event(kit_id: str, kind: str, ts: float, **data: Any) -> Any:
    return Record(kit=kit_id, kind=kind, ts=ts, data=data)


def test_a_crash_a_kit_gone_offline_a_stuck_student_and_a_flood() -> None:
    kits = [kit("kit-10", "offline", NOW - 300), kit("kit-2"), kit("kit-3"), kit("kit-4")]
    events = [event("kit-2", "script.started", NOW - 60, script="drive.py"),
              event("kit-2", "script.crashed", NOW - 50, script="/home/pi/drive.py",
                    error="ZeroDivisionError on line 12: division by zero")]
    found = find_problems(kits, events, now=NOW, stuck={"kit-3": "on step 2 for 7 min"},
                          last_drops={"kit-4": (NOW - 5, 1520)})
    assert [(p.kit, p.kind) for p in found] == [
        ("kit-2", "crashed"), ("kit-10", "offline"), ("kit-3", "stuck"), ("kit-4", "dropping")]
    assert [p.text for p in found] == [
        "kit-2: drive.py crashed: ZeroDivisionError on line 12: division by zero",
        "kit-10 went offline 5 min ago",
        "kit-3 is stuck: on step 2 for 7 min",
        "kit-4 sends too much: the lab is dropping its messages (1,520 so far)"]


def test_what_is_over_is_no_longer_a_problem() -> None:
    kits = [kit("kit-1", "offline", NOW - WINDOW - 1),  # switched off before the class
            kit("kit-2"),                               # crashed, then ran again
            kit("kit-3", running=Record(kind="script", name="b.py")),  # crashed, runs again
            kit("kit-4"),                               # dropped a while ago
            kit("kit-5", "offline", None)]              # never seen
    events = [event("kit-2", "script.crashed", NOW - 50, script="a.py", error="x"),
              event("kit-2", "script.started", NOW - 40, script="a.py"),
              event("kit-3", "script.crashed", NOW - 50, script="a.py", error="x")]
    assert find_problems(kits, events, now=NOW, last_drops={"kit-4": (NOW - 600, 3)}) == []

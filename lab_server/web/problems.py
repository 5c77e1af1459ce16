"""What needs the teacher now, for the bar at the top of the room: one line per problem.

A problem is about one kit and links to it: a kit that went offline during the class, a
script that crashed (until the kit runs something else), a kit whose messages the lab is
dropping for going over its budget, a student stuck on a lesson step. "During the class" is
the last :data:`WINDOW` seconds: a kit switched off yesterday is not a problem today.
Problems are worked out from the store on each request (a room polls every few seconds and
when a kit's state changes), so every open page and the JSON API agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..board import stuck_kits
from .present import natural_key

WINDOW = 2 * 3600.0
"""How far back a kit that went offline, or a crash, still counts (about a double lesson)."""
DROPPING_FOR = 60.0
"""A kit whose messages were dropped within this many seconds is shown as dropping."""

#: The order of the bar: what is broken first.
ORDER = ("crashed", "offline", "stuck", "dropping")

#: The events that say how a kit's script is doing (the last one tells a crash).
SCRIPT_EVENTS = ("script.started", "script.finished", "script.crashed", "script.stopped",
                  "script.reset")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing the teacher should look at: ``kind`` is one of :data:`ORDER`."""

    kit: str
    kind: str
    text: str
    since: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def find_problems(kits: Iterable[Any], events: Iterable[Any], *, now: float,
                  last_drops: Mapping[str, tuple[float, int]] | None = None,
                  stuck: Mapping[str, str] | None = None) -> list[Problem]:
    """The room's problems, most urgent first, then by kit in natural order.

    ``kits`` are the store's ``KitRecord``s, ``events`` its script events of the last
    :data:`WINDOW` (oldest first), ``last_drops`` kit -> (time of its latest dropped message,
    messages dropped so far), ``stuck`` kit -> why it is stuck on its lesson."""
    found: list[Problem] = []
    last_script: dict[str, Any] = {}
    for event in events:
        if event.kind in SCRIPT_EVENTS:
            last_script[event.kit] = event
    for kit in kits:
        found.extend(_problems_of(kit, last_script.get(kit.id), now=now,
                                  dropped=(last_drops or {}).get(kit.id),
                                  stuck=(stuck or {}).get(kit.id)))
    found.sort(key=lambda p: (ORDER.index(p.kind), natural_key(p.kit)))
    return found


def _problems_of(kit: Any, script: Any, *, now: float, dropped: tuple[float, int] | None,
                 stuck: str | None) -> Iterable[Problem]:
    if script is not None and script.kind == "script.crashed" and kit.running is None:
        name, error = script.data.get("script", "the script"), script.data.get("error", "")
        yield Problem(kit.id, "crashed", f"{kit.id}: {_base(name)} crashed: {error}".rstrip(": "),
                      script.ts)
    if kit.state == "offline" and kit.last_seen is not None and now - kit.last_seen < WINDOW:
        yield Problem(kit.id, "offline", f"{kit.id} went offline {_ago(now - kit.last_seen)}",
                      kit.last_seen)
    if stuck:
        yield Problem(kit.id, "stuck", f"{kit.id} is stuck: {stuck}")
    if dropped is not None and now - dropped[0] < DROPPING_FOR:
        yield Problem(kit.id, "dropping", f"{kit.id} sends too much: the lab is dropping its "
                                          f"messages ({dropped[1]:,} so far)", dropped[0])


def _base(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _ago(seconds: float) -> str:
    if seconds < 60:
        return "just now"
    minutes = round(seconds / 60)
    return f"{minutes} min ago" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min ago"


def room_problems(store: Any, budget: Any, config: Any, now: float) -> list[Problem]:
    """:func:`find_problems` over the lab's store, budget and lesson board, as the room
    shows them."""
    events = store.events_of_kinds(SCRIPT_EVENTS, since=now - WINDOW)
    drops = budget.last_drops() if budget is not None else {}
    return find_problems(store.kits(), events, now=now, last_drops=drops,
                         stuck=stuck_kits(store, config, now))

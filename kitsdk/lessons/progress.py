"""Lesson progress as events, for whoever listens: the lab's dashboard, a test, a notebook.

The lesson checker reports as it goes; sinks receive every report::

    from kitsdk.lessons import progress

    progress.add_sink(lambda kind, data: print(kind, data))
    # kit lesson check ... then calls, in order:
    #   report("lesson.started", lesson="blink", steps=3)
    #   report("lesson.step_passed", lesson="blink", step=1, title="Switch the red LED on")
    #   report("lesson.step_failed", lesson="blink", step=2, title="Make it blink", hint="...")
    #   report("lesson.finished", lesson="blink", passed=1, steps=3)

Kinds and fields are exactly the ``lesson.*`` events of the MQTT schema
(``kitsdk.telemetry.EVENTS``) and are checked against it here, so a sink can put ``data``
straight into ``Event(session=..., seq=..., kind=kind, data=data)``. The kit agent's child
process adds a sink that forwards them to the lab. Sinks are process-wide, like the safety
net's hooks: one checker, every listener. A sink that raises is reported with a
``LessonWarning`` and the others still run.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

from ..telemetry.fields import TEXT_MAX, check_fields
from ..telemetry.messages import EVENTS
from .exc import LessonWarning

#: A sink: ``(kind, data)``, called on the thread that reports.
Sink = Callable[[str, dict[str, Any]], None]

#: The event kinds this module reports.
KINDS = tuple(kind for kind in EVENTS if kind.startswith("lesson."))

_sinks: list[Sink] = []
_lock = threading.Lock()


def add_sink(sink: Sink) -> Callable[[], None]:
    """Send every lesson event from now on to ``sink``; returns a function that removes it."""
    with _lock:
        _sinks.append(sink)

    def remove() -> None:
        with _lock:
            if sink in _sinks:
                _sinks.remove(sink)

    return remove


def report(kind: str, **data: Any) -> None:
    """Send one lesson event to every sink; ``BadMessage`` if it breaks the schema.

    Text fields longer than the schema allows are shortened with an ellipsis: a long hint
    must not cost the teacher the event.
    """
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a lesson event; expected one of {', '.join(KINDS)}")
    for key in ("title", "hint"):
        if isinstance(data.get(key), str) and len(data[key]) > TEXT_MAX:
            data[key] = data[key][:TEXT_MAX - 1] + "…"
    check_fields(data, f"event.data ({kind})", EVENTS[kind])
    with _lock:
        sinks = list(_sinks)
    for sink in sinks:
        try:
            sink(kind, dict(data))
        except Exception as exc:  # a broken listener must not stop the lesson or the others
            warnings.warn(LessonWarning(f"lesson progress sink {sink!r} failed on {kind}: "
                                        f"{type(exc).__name__}: {exc}"), stacklevel=2)

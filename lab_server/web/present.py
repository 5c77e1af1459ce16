"""Backend records as plain JSON values, for the API, the live stream and the templates.

One place decides what a kit, an update, an event or an ack looks like on the web, so the
room view, the kit page, the JSON API and the SSE stream agree: an event's words
(``event_text``) are said here once. Bytes (a snapshot thumbnail) become
base64 text; times are seconds since the epoch.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .access import field_of

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders names as people count: ``kit-2`` before ``kit-10``.

    Case is ignored (``Kit-3`` sits between ``kit-2`` and ``kit-4``); runs of digits compare
    as numbers, the rest as text, and the tags keep a number and a word comparable."""
    return tuple((0, int(run)) if run.isdigit() else (1, run)
                 for run in _DIGITS.split(text.casefold()) if run)


def jsonable(value: Any) -> Any:
    """``value`` made of dicts, lists, strings, finite numbers, booleans and None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if callable(getattr(value, "to_json", None)):
        return jsonable(value.to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "_asdict"):
        return jsonable(value._asdict())
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def running_of(value: Any) -> dict[str, Any] | None:
    """What a kit runs: ``{"kind": "script"|"lesson", "name": ...}`` or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return {"kind": "script", "name": value}
    kind = field_of(value, "kind", "script")
    return {"kind": str(jsonable(kind)), "name": str(field_of(value, "name", ""))}


def kit_json(record: Any) -> dict[str, Any]:
    """A kit as the web shows it (``KitRecord`` from the store)."""
    kit_id = field_of(record, "id") or field_of(record, "kit")
    return {
        "id": kit_id,
        "team": field_of(record, "team"),
        "state": jsonable(field_of(record, "state", "offline")) or "offline",
        "last_seen": seconds(field_of(record, "last_seen")),
        "profile": field_of(record, "profile"),
        "running": running_of(field_of(record, "running")),
        "progress": jsonable(_progress(record)),
        "channels": jsonable(field_of(record, "channels")),
        "parts": jsonable(field_of(record, "parts", ())),
        "message": field_of(record, "message"),
    } | {"progress_text": progress_text(_progress(record))}


def _progress(record: Any) -> Any:
    return field_of(record, "lesson", None) or field_of(record, "progress", None)


def progress_text(progress: Any) -> str:
    """A lesson's progress in a few words: ``"step 2 of 5"``, ``"3 of 5 passed"``."""
    if progress is None or progress == "":
        return ""
    if isinstance(progress, str):
        return progress
    data = jsonable(progress)
    if not isinstance(data, dict):
        return str(data)
    steps = data.get("steps")
    lesson = f"{data['lesson']}: " if data.get("lesson") else ""
    if data.get("outcome") in ("started", "passed", "failed", "finished"):
        step = data.get("step")
        where = (f"step {step} of {steps}" if step is not None and steps else
                 f"step {step}" if step is not None else "")
        return (lesson + " ".join(p for p in (where, data["outcome"]) if p)).strip()
    if data.get("finished") or data.get("done"):
        return f"finished: {data.get('passed', '?')} of {steps} passed"
    if data.get("step") is not None:
        return f"step {data['step']} of {steps}" if steps else f"step {data['step']}"
    if data.get("passed") is not None:
        return f"{data['passed']} of {steps} passed" if steps else f"{data['passed']} passed"
    return ", ".join(f"{k} {v}" for k, v in data.items() if k != "lesson")


#: Who ended a script (``by`` of ``script.stopped`` and ``script.reset``), in words.
_WHO = {"teacher": "the teacher", "student": "the student (Ctrl+C in kit run)",
        "agent": "the kit agent, shutting down"}

Words = Callable[[Mapping[str, Any], "float | None"], str]


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _said(head: str, what: Any) -> str:
    """``head: what``, or ``head`` alone when there is nothing to say after it."""
    what = str(what or "").strip()
    return f"{head}: {what}" if what else head


def _script(data: Mapping[str, Any]) -> str:
    return str(data.get("script") or "the script")


def _lesson(data: Mapping[str, Any], verb: str) -> str:
    return " ".join(p for p in ("lesson", str(data.get("lesson") or ""), verb) if p)


def _ended(verb: str) -> Words:
    """``drive.py stopped by the teacher at 10:42`` (``script.stopped``, ``script.reset``)."""
    def words(data: Mapping[str, Any], ts: float | None) -> str:
        by = str(data.get("by", ""))
        at = f" at {datetime.fromtimestamp(ts):%H:%M}" if ts is not None else ""
        return f"{_script(data)} {verb} by {_WHO.get(by, by or 'someone')}{at}"
    return words


def _finished(data: Mapping[str, Any], ts: float | None) -> str:
    code = data.get("code")
    if code is None:
        return f"{_script(data)} finished"
    if code == 0:
        return f"{_script(data)} finished normally (exit code 0)"
    return f"{_script(data)} finished with exit code {code}"


def _lesson_started(data: Mapping[str, Any], ts: float | None) -> str:
    steps = data.get("steps")
    head = _lesson(data, "started")
    return head if steps is None else f"{head} ({_plural(steps, 'step')})"


def _step(outcome: str) -> Words:
    """``blink step 2 passed: Make it blink``; a failed step adds its hint for the student.
    The event names no count of steps (``lesson.started`` does), so neither do the words."""
    def words(data: Mapping[str, Any], ts: float | None) -> str:
        title = str(data.get("title", "")).strip()
        hint = str(data.get("hint", "")).strip() if outcome == "failed" else ""
        head = " ".join(p for p in (str(data.get("lesson") or ""), "step",
                                    str(data.get("step", "")), outcome) if p)
        return _said(head, f"{title.rstrip('.')}. {hint}" if title and hint else title or hint)
    return words


def _lesson_finished(data: Mapping[str, Any], ts: float | None) -> str:
    steps = data.get("steps")
    head = _lesson(data, "finished")
    return head if steps is None else \
        f"{head}: {data.get('passed', '?')} of {_plural(steps, 'step')} passed"


def _dropped(data: Mapping[str, Any], ts: float | None) -> str:
    count = data.get("count")
    oldest = "oldest unsent message" if count == 1 else f"{count} oldest unsent messages"
    return f"the kit dropped its {oldest} (its outbox was full)"


#: Each event kind of ``kitsdk.telemetry.EVENTS``, in words; any other kind shows its JSON.
_WORDS: dict[str, Words] = {
    "script.started": lambda data, ts: f"{_script(data)} started",
    "script.finished": _finished,
    "script.crashed": lambda data, ts: _said(f"{_script(data)} crashed", data.get("error")),
    "script.stopped": _ended("stopped"),
    "script.reset": _ended("reset"),
    "lesson.started": _lesson_started,
    "lesson.step_passed": _step("passed"),
    "lesson.step_failed": _step("failed"),
    "lesson.finished": _lesson_finished,
    "button.pressed": lambda data, ts: f"{data.get('device') or 'a button'} pressed",
    "safety.stopped": lambda data, ts: _said("motors stopped for safety", data.get("reason")),
    "error": lambda data, ts: _said(f"error in {data.get('source') or 'the kit'}",
                                    data.get("message")),
    "outbox.dropped": _dropped,
}


def event_text(kind: str, data: Mapping[str, Any], ts: float | None = None) -> str:
    """A kit event as the event log says it: ``drive.py stopped by the teacher at 10:42``,
    ``blink step 2 failed: Make it blink. Is the LED on pin 17?``; a kind this lab does not
    know (a newer kit's) shows its fields as compact JSON. Times are the lab server's local
    clock."""
    words = _WORDS.get(kind)
    if words is None:
        return json.dumps(jsonable(data), ensure_ascii=False, separators=(",", ":"))
    return words(data, ts)


def event_detail(data: Mapping[str, Any]) -> str | None:
    """A script's last lines of output (a crash's traceback), one per line, to fold under
    the event's words; None when the event has none."""
    output = data.get("output")
    if not isinstance(output, list) or not output:
        return None
    return "\n".join(str(line) for line in output)


def event_json(record: Any) -> dict[str, Any]:
    """A stored event (``EventRecord``) with its words under ``text`` and its output (or
    None) under ``detail``, for the kit page's ``<details>``."""
    data = jsonable(record)
    data = data if isinstance(data, dict) else {}
    fields = data.get("data")
    fields = fields if isinstance(fields, dict) else {}
    return data | {"text": event_text(str(data.get("kind", "")), fields, seconds(data.get("ts"))),
                   "detail": event_detail(fields)}


def update_json(update: Any) -> dict[str, Any]:
    """A hub ``Update(kind, kit, data, ts)``; an event's data gets its words and output
    (``text``, ``detail``: ``event_json``)."""
    kind = str(jsonable(field_of(update, "kind")))
    data = jsonable(field_of(update, "data"))
    if kind == "event" and isinstance(data, dict):
        data = event_json(data)
    return {"kind": kind, "kit": field_of(update, "kit"),
            "ts": seconds(field_of(update, "ts")) or time.time(), "data": data}


def command_json(command: Any) -> dict[str, Any]:
    data = jsonable(command)
    return data if isinstance(data, dict) else {"id": str(data)}

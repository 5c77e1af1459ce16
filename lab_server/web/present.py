"""Backend records as plain JSON values, for the API, the live stream and the templates.

One place decides what a kit, an update or an ack looks like on the web, so the room view,
the kit page, the JSON API and the SSE stream agree. Bytes (a snapshot thumbnail) become
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
from collections.abc import Mapping
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


def event_text(kind: str, data: Mapping[str, Any], ts: float | None = None) -> str:
    """A kit event as the event log says it: ``drive.py stopped by the teacher at 10:42``,
    ``drive.py crashed: ZeroDivisionError on line 12: division by zero``; other kinds
    show their fields as JSON. Times are the lab server's local clock."""
    script = data.get("script", "the script")
    if kind in ("script.stopped", "script.reset"):
        by = str(data.get("by", ""))
        at = f" at {datetime.fromtimestamp(ts):%H:%M}" if ts is not None else ""
        verb = "stopped" if kind == "script.stopped" else "reset"
        return f"{script} {verb} by {_WHO.get(by, by or 'someone')}{at}"
    if kind == "script.crashed":
        return f"{script} crashed: {data.get('error', '')}"
    if kind == "script.finished":
        return f"{script} finished"
    if kind == "script.started":
        return f"{script} started"
    return json.dumps(jsonable(data))


def event_json(record: Any) -> dict[str, Any]:
    """A stored event (``EventRecord``) with its words under ``text``."""
    data = jsonable(record)
    data = data if isinstance(data, dict) else {}
    return data | {"text": event_text(str(data.get("kind", "")), data.get("data") or {},
                                      seconds(data.get("ts")))}


def update_json(update: Any) -> dict[str, Any]:
    """A hub ``Update(kind, kit, data, ts)``; an event's data gets its words (``text``)."""
    kind = str(jsonable(field_of(update, "kind")))
    data = jsonable(field_of(update, "data"))
    if kind == "event" and isinstance(data, dict):
        data = event_json(data)
    return {"kind": kind, "kit": field_of(update, "kit"),
            "ts": seconds(field_of(update, "ts")) or time.time(), "data": data}


def command_json(command: Any) -> dict[str, Any]:
    data = jsonable(command)
    return data if isinstance(data, dict) else {"id": str(data)}
